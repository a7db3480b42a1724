//! `ftcollect`: parse, run, map the result to an exit code. The command line (clap structures,
//! their resolution into typed configurations, the messages naming options) is private to the
//! binary, in [`cli`]; everything else is in the library.

mod cli;

use cli::{commands, errors};
use ftcollect::config;
use ftcollect::exit::{ExitCode, code_for};

fn main() -> std::process::ExitCode {
    let env_file = config::load_dotenv();
    let cli = match cli::args::parse() {
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
        eprintln!("{}", errors::render(&e));
        return code_for(&e).into();
    }
    match commands::run(cli) {
        Ok(code) => code.into(),
        Err(e) => {
            eprintln!("{}", errors::render(&e));
            code_for(&e).into()
        }
    }
}
