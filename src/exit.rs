//! The process exit codes, documented once (the README's table is this enum).

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
    /// Another process holds the dataset's lock (`sync`): try again later (sysexits' EX_TEMPFAIL).
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
