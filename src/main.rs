//! `ftcollect`: parse, run, map the result to an exit code. Everything else is in the library.

use clap::Parser;
use ftcollect::{cli::Cli, commands, error, exit::ExitCode};

fn main() -> std::process::ExitCode {
    let env_file = dotenvy::dotenv();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::Usage.into()
            } else {
                ExitCode::Success.into()
            };
        }
    };
    let level = if commands::is_quiet(&cli) {
        "error"
    } else {
        "info"
    };
    let logger = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(level))
        .format_target(false)
        .build();
    log::set_max_level(logger.filter());
    let _ = log::set_boxed_logger(Box::new(CappedLogger(logger)));
    if let Err(e) = env_file
        && !e.not_found()
    {
        let e = ftcollect::Error::Config(format!(
            "the .env file cannot be read ({e}); fix the line it names, or remove the file"
        ));
        eprintln!("{}", error::render(&e));
        return e.exit_code().into();
    }
    match commands::run(cli) {
        Ok(code) => code.into(),
        Err(e) => {
            eprintln!("{}", error::render(&e));
            e.exit_code().into()
        }
    }
}

/// `RUST_LOG`'s logger, with the HTTP stack capped at debug whatever `RUST_LOG` says (even
/// `ureq_proto=trace`, which a plain `filter_module("ureq", …)` directive would not override): at
/// trace level `ureq` logs full request URLs (Adzuna's key is in the query string) and `ureq_proto`
/// dumps every byte sent (the bearer token, the client secret of the token request).
struct CappedLogger(env_logger::Logger);

/// Log targets (and their sub-targets) never logged below debug.
const CAPPED_TARGETS: [&str; 3] = ["ureq", "rustls", "webpki"];

impl log::Log for CappedLogger {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        let http_stack = CAPPED_TARGETS.iter().any(|t| m.target().starts_with(t));
        !(http_stack && m.level() > log::Level::Debug) && self.0.enabled(m)
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            self.0.log(record);
        }
    }

    fn flush(&self) {
        self.0.flush();
    }
}
