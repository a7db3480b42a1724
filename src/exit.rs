//! The process exit codes, documented once (the README's table is this enum), and the one
//! function that computes them: [`code_for`], used by `collect`, `sync`, the summary file,
//! the history's run records and the binary's `main` alike.
//!
//! | code | meaning |
//! |------|---------|
//! | 0    | the work is complete |
//! | 1    | an error stopped the command: configuration, credentials, I/O, unusable input |
//! | 2    | the command line is wrong (also: a checkpoint or dataset of another query) |
//! | 3    | finished but incomplete (failed or capped slices, a quota window, the 429 budget): resume |
//! | 75   | another process holds the lock of the dataset (`sync`) or of an output file |
//! | 130  | interrupted (Ctrl-C / SIGTERM) after saving a checkpoint |

use crate::collect::RunStatus;
use crate::error::{ApiError, Error};

/// How a command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitCode {
    /// The work is complete.
    Success = 0,
    /// An error stopped the command: configuration, credentials, I/O, unusable input.
    Error = 1,
    /// The command line is wrong (unknown option, invalid value).
    Usage = 2,
    /// Finished, but incomplete: a slice failed after its retries, a slice hit the API's cap, or
    /// a quota window closed. A checkpoint is kept: run the same command again to finish.
    Incomplete = 3,
    /// Interrupted (Ctrl-C / SIGTERM) after saving a checkpoint.
    Interrupted = 130,
    /// Another process holds the lock of the dataset (`sync`) or of an output file (`collect`,
    /// `convert`, `normalize`): try again later (sysexits' EX_TEMPFAIL).
    Busy = 75,
}

impl ExitCode {
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(c: ExitCode) -> Self {
        std::process::ExitCode::from(c.code())
    }
}

/// What a command came to: a run that ended with a status (collect, sync, demo), or an error.
#[derive(Clone, Copy, Debug)]
pub enum RunResult<'a> {
    Ended(RunStatus),
    Failed(&'a Error),
}

impl From<RunStatus> for RunResult<'_> {
    fn from(s: RunStatus) -> Self {
        RunResult::Ended(s)
    }
}

impl<'a> From<&'a Error> for RunResult<'a> {
    fn from(e: &'a Error) -> Self {
        RunResult::Failed(e)
    }
}

/// The exit code of a result: the only place where codes are chosen.
pub fn code_for<'a>(result: impl Into<RunResult<'a>>) -> ExitCode {
    match result.into() {
        RunResult::Ended(RunStatus::Complete) => ExitCode::Success,
        RunResult::Ended(RunStatus::Incomplete) => ExitCode::Incomplete,
        RunResult::Ended(RunStatus::Interrupted) => ExitCode::Interrupted,
        RunResult::Failed(e) => match e {
            Error::Api(ApiError::Interrupted) => ExitCode::Interrupted,
            Error::Api(ApiError::Quota { .. } | ApiError::ThrottleBudget { .. }) => {
                ExitCode::Incomplete
            }
            Error::DatasetBusy { .. } | Error::OutputBusy { .. } => ExitCode::Busy,
            e if e.is_usage() => ExitCode::Usage,
            _ => ExitCode::Error,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_errors_map_to_the_documented_codes() {
        assert_eq!(code_for(RunStatus::Complete).code(), 0);
        assert_eq!(code_for(RunStatus::Incomplete).code(), 3);
        assert_eq!(code_for(RunStatus::Interrupted).code(), 130);
        assert_eq!(code_for(&Error::Usage("x".into())).code(), 2);
        assert_eq!(code_for(&Error::Config("x".into())).code(), 1);
        let damaged = Error::File(crate::error::FileError::CsvEmpty {
            csv: "a.csv".into(),
        });
        assert_eq!(code_for(&damaged).code(), 1);
        let busy = Error::DatasetBusy {
            dataset: "hist".into(),
            holder: "pid 1".into(),
        };
        assert_eq!(code_for(&busy).code(), 75);
        let parquet_dir = Error::ParquetIsDirectory {
            parquet: "out".into(),
        };
        assert_eq!(code_for(&parquet_dir).code(), 2);
        let busy = Error::OutputBusy {
            output: "jobs.csv".into(),
            holder: "pid 1".into(),
        };
        assert_eq!(code_for(&busy).code(), 75);
        assert_eq!(code_for(&Error::Api(ApiError::Interrupted)).code(), 130);
    }
}
