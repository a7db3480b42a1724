//! Typed errors, for the places where callers branch on them.
//!
//! [`ApiError`] is what a source client returns: the collector decides from its variant whether a
//! slice failed (and the run is incomplete) or the whole run must stop. [`Error`] is what a command
//! returns to `main`, which renders it once (with its cause chain) and maps it to an exit code.
//! Invariant: no message built here ever contains a secret (clients never put credentials or tokens
//! in the strings they hand over).
//!
//! By concern: `api.rs` (a failed request, the quota ledger), `resume.rs` (a checkpoint that
//! cannot be resumed), `file.rs` (a file ftcollect wrote and cannot use); this module the
//! command's [`Error`] and the query fields its variants name.

use std::fmt;
use std::io;
use std::path::PathBuf;

mod api;
mod file;
mod resume;
pub use api::{ApiError, Endpoint, EndpointSetting, QueryApi, QuotaError, QuotaProblem};
pub use file::{FileError, RowProblem};
pub use resume::ResumeError;

/// An error that ends a command.
#[derive(Debug)]
pub enum Error {
    /// A front end's own message for a request it refuses (exit 2), naming its option and the
    /// fix. The library never builds it: its own refusals are the typed variants below.
    Usage(String),
    /// A front end's own message for a configuration it cannot resolve (exit 1): missing
    /// credentials, no place for a state file. The library never builds it.
    Config(String),
    /// An API failed in a way that stops the run (exit 1).
    Api(ApiError),
    /// A file could not be read or written (exit 1).
    Io { context: String, source: io::Error },
    /// A file ftcollect wrote is in a state it cannot use (exit 1); nothing was changed.
    File(FileError),
    /// Raw API material to normalize cannot be read (exit 1): where and why.
    Input(crate::normalize::InputError),
    /// Another live process holds the lock of a history dataset (exit 75); `holder` is its
    /// description. Nothing was changed.
    DatasetBusy { dataset: PathBuf, holder: String },
    /// The Parquet path given is a directory.
    ParquetIsDirectory { parquet: PathBuf },
    /// A source is enabled in the configuration but its settings are not given.
    SourceWithoutSettings { source: String },
    /// A `.env` file cannot be loaded.
    EnvFile {
        path: PathBuf,
        problem: EnvFileProblem,
    },
    /// A collection asked for by a caller of [`crate::api`] did not complete: `status` is its
    /// run status, `problems` the summary's.
    Incomplete {
        output: PathBuf,
        status: String,
        problems: Vec<String>,
    },
    /// Something that cannot happen did (an encoder failing on our own types, a worker pool
    /// that cannot start): `what` says what; a bug to report.
    Internal { what: String },
    /// Another live process holds the lock of an output file (exit 75); `holder` is its
    /// description (`pid N (collect, since T)`). Nothing was changed.
    OutputBusy { output: PathBuf, holder: String },
    /// A collection cannot resume from its checkpoint (exit 1): restarting is the fix.
    Resume(ResumeError),
    /// The Adzuna quota ledger cannot be used (exit 1).
    QuotaFile(QuotaError),
    /// The configuration enables no source ([`crate::collect::Sources`]).
    NoSource,
    /// A checkpoint records another query than this one: resume with the query it was started
    /// with, or restart. `checkpoint` is `None` for the Adzuna part of a checkpoint.
    CheckpointOfAnotherQuery {
        checkpoint: Option<PathBuf>,
        change: QueryChange,
    },
    /// A history dataset follows another query than this one.
    DatasetOfAnotherQuery {
        dataset: PathBuf,
        change: QueryChange,
    },
    /// A history dataset holds an unfinished run (in `work`) started with another query.
    UnfinishedRunOfAnotherQuery {
        dataset: PathBuf,
        work: PathBuf,
        change: QueryChange,
    },
    /// The output path is a directory.
    OutputIsDirectory { output: PathBuf },
    /// A part of the output's path (`file`) is a file, so the output cannot be created.
    OutputUnderFile { output: PathBuf, file: PathBuf },
    /// The output's directory cannot be created.
    OutputDirCreate { dir: PathBuf, source: io::Error },
    /// The output file cannot be created.
    OutputCreate { output: PathBuf, source: io::Error },
    /// The Parquet file cannot be created where it was asked for (found before any API call).
    ParquetCreate { parquet: PathBuf, source: io::Error },
    /// The collection's CSV is complete and durable, but its Parquet file could not be written
    /// (`cause`); the CSV can be converted again once the cause is fixed.
    ParquetNotWritten {
        csv: PathBuf,
        parquet: PathBuf,
        rows: u64,
        cause: Box<Error>,
    },
    /// The output exists and is not a CSV written by ftcollect: it is left untouched. Column
    /// `position` (1-based) holds `found` where `expected` was expected (shortened to 40 characters).
    ForeignOutput {
        output: PathBuf,
        position: usize,
        found: String,
        expected: String,
    },
    /// The history dataset path is a file.
    DatasetIsFile { dataset: PathBuf },
    /// A directory without a manifest that holds something else (`found`): not a dataset.
    NotADataset { dataset: PathBuf, found: String },
    /// No history dataset there yet (no manifest, no run under way).
    NoDataset { dataset: PathBuf },
    /// ROME codes the API's referential (`/v2/referentiel/metiers`, `listed` codes) does not
    /// hold; `near` lists some it holds of the first one's family, as `CODE (label)`.
    UnknownRomeCodes {
        unknown: Vec<String>,
        listed: usize,
        near: Vec<String>,
    },
    /// ROME codes with no Adzuna search phrase and no keywords to search instead.
    NoAdzunaPhrase {
        /// The codes without a phrase.
        unknown: Vec<String>,
        /// The codes that have one, as `CODE (phrase)`.
        known: Vec<String>,
    },
}

/// Why a `.env` file cannot be loaded.
#[derive(Debug)]
pub enum EnvFileProblem {
    /// A line is not `NAME=value`; `which` names it ("line 2 (the value of NAME)"), never by
    /// its value (it may be a secret).
    Line { which: String },
    /// Anything else the parser reports.
    Other { reason: String },
}

/// A query setting, as the library names it (a front end maps it to its own option name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryField {
    Sources,
    RomeCodes,
    Departements,
    Search,
    Months,
    Strategy,
    ResultsPerPage,
    AdzunaCountry,
    AdzunaWhere,
    AdzunaCategory,
    AdzunaResultsPerPage,
    /// The Adzuna search phrases (from the ROME codes or the keywords).
    AdzunaPhrases,
}

impl QueryField {
    /// The setting in words.
    pub fn describe(self) -> &'static str {
        match self {
            QueryField::Sources => "the sources",
            QueryField::RomeCodes => "the ROME codes",
            QueryField::Departements => "the départements",
            QueryField::Search => "the keywords",
            QueryField::Months => "the months",
            QueryField::Strategy => "the strategy",
            QueryField::ResultsPerPage => "the page size",
            QueryField::AdzunaCountry => "the Adzuna country",
            QueryField::AdzunaWhere => "the Adzuna place",
            QueryField::AdzunaCategory => "the Adzuna category",
            QueryField::AdzunaResultsPerPage => "the Adzuna page size",
            QueryField::AdzunaPhrases => "the Adzuna phrases",
        }
    }
}

/// The first difference between two queries: `field` was `was`, is now `now` (values as shown
/// by `Debug`).
#[derive(Clone, Debug, PartialEq)]
pub struct QueryChange {
    pub field: QueryField,
    pub was: String,
    pub now: String,
}

impl fmt::Display for QueryChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} was {}, now {}",
            self.field.describe(),
            self.was,
            self.now
        )
    }
}

impl Error {
    pub fn io(context: impl Into<String>, source: io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// True when the error is the caller's request being wrong (exit 2 for the binary): a bad
    /// option value, or a checkpoint or dataset that belongs to another query.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Error::Usage(_)
                | Error::ParquetIsDirectory { .. }
                | Error::NoSource
                | Error::CheckpointOfAnotherQuery { .. }
                | Error::DatasetOfAnotherQuery { .. }
                | Error::UnfinishedRunOfAnotherQuery { .. }
                | Error::DatasetIsFile { .. }
                | Error::NotADataset { .. }
                | Error::NoAdzunaPhrase { .. }
                | Error::UnknownRomeCodes { .. }
                | Error::Api(ApiError::QueryRejected { .. })
                | Error::Api(ApiError::BadRequest { .. })
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(m) | Error::Config(m) => f.write_str(m),
            Error::File(e) => e.fmt(f),
            Error::Input(e) => e.fmt(f),
            Error::DatasetBusy { dataset, holder } => write!(
                f,
                "another ftcollect process holds the lock on {} ({holder}): only one sync may work on a \
                 dataset at a time. Wait for it to finish (or stop it) and run this command again. \
                 The lock is held by a live process: the system releases it when its holder exits or dies.",
                dataset.display()
            ),
            Error::ParquetIsDirectory { parquet } => write!(
                f,
                "{} is a directory: give a Parquet file path such as {}.",
                parquet.display(),
                parquet.join("jobs.parquet").display()
            ),
            Error::SourceWithoutSettings { source } => write!(
                f,
                "the {source} source is enabled but its settings are not given (its keys and endpoint)"
            ),
            Error::EnvFile { path, problem } => match problem {
                EnvFileProblem::Line { which } => write!(
                    f,
                    "the .env file {} cannot be parsed: {which} is not of the form NAME=value (the value is \
                     not shown: it may be a secret). Fix that line (quote a value holding spaces or #: \
                     NAME=\"a b\"), comment it out with #, or remove the file.",
                    path.display()
                ),
                EnvFileProblem::Other { reason } => write!(
                    f,
                    "the .env file {} cannot be loaded ({reason}): fix it, or remove it",
                    path.display()
                ),
            },
            Error::Incomplete {
                output,
                status,
                problems,
            } => {
                write!(f, "the collection into {} is {status}", output.display())?;
                if !problems.is_empty() {
                    write!(f, ": {}", problems.join("; "))?;
                }
                f.write_str(". Run it again to resume.")
            }
            Error::Internal { what } => write!(f, "internal error: {what}"),
            Error::Api(e) => e.fmt(f),
            Error::Io { context, .. } => f.write_str(context),
            Error::OutputBusy { output, holder } => write!(
                f,
                "another ftcollect process is writing {} ({holder}): one process writes a file at a time. \
                 Nothing was changed: wait for it to finish (or stop it) and run this command again. The lock \
                 is held by a live process: the system releases it when its holder exits or dies.",
                output.display()
            ),
            Error::Resume(e) => e.fmt(f),
            Error::QuotaFile(e) => e.fmt(f),
            Error::NoSource => {
                f.write_str("no source to collect from: enable France Travail, Adzuna, or both")
            }
            Error::CheckpointOfAnotherQuery { checkpoint, change } => {
                match checkpoint {
                    Some(p) => write!(f, "{} belongs to another query ({change})", p.display())?,
                    None => write!(
                        f,
                        "the checkpoint belongs to another Adzuna query ({change})"
                    )?,
                }
                f.write_str(
                    ": resume it with the query it was started with, or restart the collection \
                     (the existing output is moved to a .bak file)",
                )
            }
            Error::DatasetOfAnotherQuery { dataset, change } => write!(
                f,
                "{} holds the history of another query ({change}): a dataset follows one query, or its \
                 withdrawals would mean nothing",
                dataset.display()
            ),
            Error::UnfinishedRunOfAnotherQuery {
                dataset,
                work,
                change,
            } => write!(
                f,
                "{} holds an unfinished run started with another query ({change}): finish it with that \
                 query, or delete {} to drop it",
                dataset.display(),
                work.display()
            ),
            Error::OutputIsDirectory { output } => write!(
                f,
                "the output {} is a directory: give a file path such as {}/jobs.csv",
                output.display(),
                output.display()
            ),
            Error::OutputUnderFile { output, file } => write!(
                f,
                "the output {} cannot be created: {} is a file, not a directory",
                output.display(),
                file.display()
            ),
            Error::OutputDirCreate { dir, .. } => write!(
                f,
                "cannot create the output directory {}: choose an output in a directory you can write to",
                dir.display()
            ),
            Error::OutputCreate { output, .. } => write!(
                f,
                "cannot create {}: choose an output in a directory you can write to",
                output.display()
            ),
            Error::ParquetCreate { parquet, .. } => write!(
                f,
                "cannot create the Parquet file {}: choose a path in a directory you can write to \
                 (nothing was collected yet)",
                parquet.display()
            ),
            Error::ParquetNotWritten {
                csv,
                parquet,
                rows,
                cause,
            } => write!(
                f,
                "the collection is written to {} ({rows} offers, complete on disk), but the Parquet \
                 file {} could not be written: {cause}. Fix that, then convert the CSV to Parquet \
                 again (or run the same collection again: it fetches nothing more)",
                csv.display(),
                parquet.display()
            ),
            Error::ForeignOutput {
                output,
                position,
                found,
                expected,
            } => write!(
                f,
                "{} exists and is not a CSV written by ftcollect (column {position} is `{found}`, expected \
                 `{expected}`); it was left untouched: choose another output or move the file away",
                output.display()
            ),
            Error::DatasetIsFile { dataset } => write!(
                f,
                "the dataset {} is a file: give a directory (it is created if needed)",
                dataset.display()
            ),
            Error::NotADataset { dataset, found } => write!(
                f,
                "{} is not an ftcollect history dataset: it has no manifest but holds `{found}`",
                dataset.display()
            ),
            Error::NoDataset { dataset } => write!(
                f,
                "{} holds no history dataset yet: sync into it first",
                dataset.display()
            ),
            Error::UnknownRomeCodes {
                unknown,
                listed,
                near,
            } => write!(
                f,
                "the ROME code(s) {} are not among the {listed} codes of the API's referential (/v2/referentiel/metiers): \
                 a query on them matches nothing. Check the codes{}",
                unknown.join(", "),
                if near.is_empty() {
                    String::new()
                } else {
                    format!(" (the referential holds {})", near.join(", "))
                }
            ),
            Error::NoAdzunaPhrase { unknown, known } => write!(
                f,
                "no Adzuna search phrase for the ROME code(s) {}: Adzuna has no ROME codes, so each code is \
                 searched as a phrase; phrases exist for {}. Give keywords to search instead, or collect \
                 those codes from France Travail only",
                unknown.join(", "),
                known.join(", ")
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. }
            | Error::OutputDirCreate { source, .. }
            | Error::OutputCreate { source, .. }
            | Error::ParquetCreate { source, .. } => Some(source),
            Error::ParquetNotWritten { cause, .. } => cause.source(),
            _ => None,
        }
    }
}

impl From<crate::normalize::InputError> for Error {
    fn from(e: crate::normalize::InputError) -> Self {
        Error::Input(e)
    }
}

impl From<FileError> for Error {
    fn from(e: FileError) -> Self {
        Error::File(e)
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(e)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
