//! `ftcollect`: parse, run, map the result to an exit code. Everything else is in the library.

use clap::Parser;
use ftcollect::{cli::Cli, commands, config, error, exit::ExitCode};

/// env_logger behind one filter of our own: ureq's trace records (full request URLs, where
/// Adzuna's key sits) are dropped at every level, and ureq's debug records show only when the
/// level asked for allows them. (`filter_module("ureq", Debug)` would *enable* them at any level.)
struct NoUreqTrace(env_logger::Logger);

fn is_ureq_trace(m: &log::Metadata) -> bool {
    m.level() == log::Level::Trace && m.target().starts_with("ureq")
}

impl log::Log for NoUreqTrace {
    fn enabled(&self, m: &log::Metadata) -> bool {
        !is_ureq_trace(m) && self.0.enabled(m)
    }
    fn log(&self, r: &log::Record) {
        if !is_ureq_trace(r.metadata()) {
            self.0.log(r)
        }
    }
    fn flush(&self) {
        self.0.flush()
    }
}

fn main() -> std::process::ExitCode {
    let env_file = config::load_dotenv();
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
    let max_level = logger.filter();
    if log::set_boxed_logger(Box::new(NoUreqTrace(logger))).is_ok() {
        log::set_max_level(max_level);
    }
    if let Err(e) = env_file {
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
