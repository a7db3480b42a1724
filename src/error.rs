//! Typed errors, for the places where callers branch on them.
//!
//! [`ApiError`] is what a source client returns: the collector decides from its variant whether a
//! slice failed (and the run is incomplete) or the whole run must stop. [`Error`] is what a command
//! returns to `main`, which renders it once (with its cause chain) and maps it to an exit code.
//! Invariant: no message built here ever contains a secret (clients never put credentials or tokens
//! in the strings they hand over).

use std::fmt;
use std::io;

use crate::exit::ExitCode;

/// A request to an API that did not succeed.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The API refused the credentials: fatal for the run.
    Credentials { message: String },
    /// The API rejected the request itself (HTTP 400): retrying cannot help.
    BadRequest { status: u16, message: String },
    /// A transient failure persisted through every attempt.
    Exhausted {
        what: String,
        attempts: u32,
        last: String,
    },
    /// The API kept answering 429 and the run's total wait on 429s would pass its budget
    /// (`--max-throttle-wait`): stop the run, keeping the checkpoint.
    ThrottleBudget {
        what: String,
        /// The budget (`RetryPolicy::throttle_budget`).
        budget: std::time::Duration,
        /// Wall time already waited on 429s in this run.
        waited: std::time::Duration,
    },
    /// The server does not behave like the API (wrong URL, HTML page, unknown status).
    Unexpected { message: String },
    /// A quota window (Adzuna) is exhausted: stop before the call.
    Quota {
        window: String,
        limit: u32,
        reopens_at: chrono::DateTime<chrono::Utc>,
    },
    /// The run was interrupted while waiting.
    Interrupted,
}

impl ApiError {
    /// True when no later request of this run can succeed (stop the run, do not just fail a slice).
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            ApiError::Credentials { .. }
                | ApiError::Unexpected { .. }
                | ApiError::Quota { .. }
                | ApiError::ThrottleBudget { .. }
        )
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Credentials { message } => f.write_str(message),
            ApiError::BadRequest { status, message } => {
                write!(f, "the API rejected the request (HTTP {status}): {message}")
            }
            ApiError::Exhausted {
                what,
                attempts,
                last,
            } => {
                write!(
                    f,
                    "{what} failed after {attempts} attempts; last error: {last}"
                )
            }
            ApiError::ThrottleBudget {
                what,
                budget,
                waited,
            } => write!(
                f,
                "{what}: the API kept answering 429 (rate limited) and this run has already waited {:.1} s \
                 for its rate limit; waiting more would pass the --max-throttle-wait budget of {}. \
                 The checkpoint is kept: run the same command again to resume, with a larger \
                 --max-throttle-wait (e.g. 2h) to wait longer",
                waited.as_secs_f64(),
                format_budget(*budget)
            ),
            ApiError::Unexpected { message } => f.write_str(message),
            // Limit 0: Adzuna itself refused (HTTP 429 with a long Retry-After).
            ApiError::Quota {
                window,
                limit: 0,
                reopens_at,
            } => write!(
                f,
                "Adzuna refused further calls ({window} quota, HTTP 429); it reopens at {}",
                reopens_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
            ApiError::Quota {
                window,
                limit,
                reopens_at,
            } => write!(
                f,
                "the Adzuna {window} quota ({limit} calls) is used up; it reopens at {}",
                reopens_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
            ApiError::Interrupted => f.write_str("interrupted"),
        }
    }
}

impl std::error::Error for ApiError {}

/// A budget as the user would write it: `30m`, `2h`, `90s`.
fn format_budget(d: std::time::Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 3600.0 && s % 3600.0 == 0.0 {
        format!("{}h", s / 3600.0)
    } else if s >= 60.0 && s % 60.0 == 0.0 {
        format!("{}m", s / 60.0)
    } else {
        format!("{}s", (s * 10.0).round() / 10.0)
    }
}

/// An error that ends a command.
#[derive(Debug)]
pub enum Error {
    /// The command line is wrong (exit 2). The message names the option and the fix.
    Usage(String),
    /// The configuration or environment is wrong (exit 1): missing credentials, bad `.env`, …
    Config(String),
    /// An API failed in a way that stops the run (exit 1).
    Api(ApiError),
    /// A file could not be read or written (exit 1).
    Io { context: String, source: io::Error },
    /// A file holds something this tool cannot use (exit 1): corrupt checkpoint, foreign CSV, …
    Data(String),
    /// Another process is working on the same dataset (exit 75): the message names it.
    Busy(String),
}

impl Error {
    pub fn io(context: impl Into<String>, source: io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Usage(_) => ExitCode::Usage,
            Error::Api(ApiError::Interrupted) => ExitCode::Interrupted,
            Error::Api(ApiError::Quota { .. } | ApiError::ThrottleBudget { .. }) => {
                ExitCode::Incomplete
            }
            Error::Busy(_) => ExitCode::Busy,
            _ => ExitCode::Error,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(m) | Error::Config(m) | Error::Data(m) | Error::Busy(m) => f.write_str(m),
            Error::Api(e) => e.fmt(f),
            Error::Io { context, .. } => f.write_str(context),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(e)
    }
}

/// Renders an error and its cause chain, one cause per line: what `main` prints.
pub fn render(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = format!("error: {err}");
    let mut cause = err.source();
    while let Some(c) = cause {
        out.push_str(&format!("\n  caused by: {c}"));
        if let Some(hint) = io_hint(c) {
            out.push_str(&format!("\n  hint: {hint}"));
        }
        cause = c.source();
    }
    out
}

fn io_hint(e: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    let io = e.downcast_ref::<io::Error>()?;
    match io.kind() {
        io::ErrorKind::PermissionDenied => {
            Some("check the permissions of the file and its directory")
        }
        io::ErrorKind::StorageFull => {
            Some("the disk is full: free some space, then run the same command again to resume")
        }
        io::ErrorKind::QuotaExceeded => Some(
            "your disk quota is used up: free some space, then run the same command again to resume",
        ),
        io::ErrorKind::FileTooLarge => Some(
            "the file reached a size limit (`ulimit -f` or the file system's maximum): raise the limit or \
             choose another file system, then run the same command again to resume",
        ),
        io::ErrorKind::NotADirectory => Some("a part of the path is a file, not a directory"),
        io::ErrorKind::IsADirectory => Some("give a file path, not a directory"),
        io::ErrorKind::ReadOnlyFilesystem => {
            Some("the file system is read-only: choose another output path")
        }
        _ => None,
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
