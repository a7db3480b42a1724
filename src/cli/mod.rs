//! The command line, private to the binary (ripgrep's `flags`: low args → high args):
//! [`args`] holds the clap structures, [`resolve`] turns them and the environment into the
//! library's typed configurations, [`commands`] runs each subcommand, [`errors`] renders the
//! library's typed errors with the option names to change, and exit codes come from
//! [`ftcollect::exit::code_for`]. No library module knows a flag name.

pub mod args;
pub mod commands;
pub mod errors;
pub mod resolve;
#[cfg(feature = "simulator")]
pub mod sim_args;
#[cfg(feature = "simulator")]
pub mod simulate;

#[cfg(test)]
pub use args::Cli;
