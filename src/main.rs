//! `ftcollect`: parse, run, map the result to an exit code. Everything else is in the library.

use clap::Parser;
use ftcollect::{cli::Cli, commands, config, error, exit::ExitCode};

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
    ftcollect::logging::init(commands::is_quiet(&cli));
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
