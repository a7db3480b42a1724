//! Typed errors, for the places where callers branch on them.
//!
//! [`ApiError`] is what a source client returns: the collector decides from its variant whether a
//! slice failed (and the run is incomplete) or the whole run must stop. [`Error`] is what a command
//! returns to `main`, which renders it once (with its cause chain) and maps it to an exit code.
//! Invariant: no message built here ever contains a secret (clients never put credentials or tokens
//! in the strings they hand over).

use std::fmt;
use std::io;

mod file;
pub use file::{FileError, RowProblem};

use std::path::PathBuf;

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
    /// The API refused the query itself (a 400 on the first request of a source): the run stops;
    /// the fix is in the query's settings for `api`.
    QueryRejected {
        api: QueryApi,
        /// What the API answered: a [`ApiError::BadRequest`] or
        /// [`ApiError::UnsupportedParameters`].
        cause: Box<ApiError>,
    },
    /// Adzuna answered a 400 that is not its JSON error (HTTP 400, not retried): it does not
    /// support one of the parameter names sent (`params`), so the URL or the options are wrong.
    UnsupportedParameters { what: String, params: Vec<String> },
    /// A configured endpoint answers like something else than the API: `observed` says what it
    /// did; the fix is to check the endpoint's URL (a front end names its setting).
    WrongEndpoint {
        endpoint: Endpoint,
        observed: String,
    },
    /// A quota window (Adzuna) is exhausted: stop before the call.
    Quota {
        window: String,
        limit: u32,
        reopens_at: chrono::DateTime<chrono::Utc>,
    },
    /// The Adzuna quota ledger cannot be used: no call can be counted, so none is made.
    QuotaFile(QuotaError),
    /// The run was interrupted while waiting.
    Interrupted,
}

/// The Adzuna quota ledger file cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub struct QuotaError {
    pub path: PathBuf,
    pub problem: QuotaProblem,
}

/// What is wrong with the quota ledger file.
#[derive(Debug, Clone, PartialEq)]
pub enum QuotaProblem {
    /// Its directory cannot be created: another file is needed.
    CreateDir { dir: PathBuf, reason: String },
    /// Its lock file cannot be opened.
    OpenLock { lock: PathBuf, reason: String },
    /// It cannot be decoded.
    Damaged { reason: String },
    /// It was written in another format.
    Format { found: u32, expected: u32 },
    /// It cannot be locked, read or written (the text says which).
    Other(String),
}

impl QuotaProblem {
    /// The problem in words; `file` and `limits` name the settings to change (the library says
    /// "quota file" and "quota limits", the command line its options).
    pub fn describe(&self, file: &str, limits: &str) -> String {
        match self {
            QuotaProblem::CreateDir { dir, reason } => format!(
                "cannot create its directory {} ({reason}); choose another {file}",
                dir.display()
            ),
            QuotaProblem::OpenLock { lock, reason } => format!(
                "cannot open its lock file {} ({reason}); check the directory's permissions or choose another \
                 {file}",
                lock.display()
            ),
            QuotaProblem::Damaged { reason } => format!(
                "it is damaged ({reason}). It counts the calls made with your Adzuna keys: restore it, or delete it \
                 and lower {limits} for a month (the calls it held are forgotten)"
            ),
            QuotaProblem::Format { found, expected } => format!(
                "it has format {found} but this ftcollect reads format {expected}; use the ftcollect that wrote it, \
                 or give another {file}"
            ),
            QuotaProblem::Other(m) => m.clone(),
        }
    }
}

impl QuotaError {
    /// The error in words, naming the settings to change as `file` and `limits`.
    pub fn describe(&self, file: &str, limits: &str) -> String {
        format!(
            "the Adzuna quota file {}: {}",
            self.path.display(),
            self.problem.describe(file, limits)
        )
    }
}

impl fmt::Display for QuotaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe("quota file", "the quota limits"))
    }
}

impl std::error::Error for QuotaError {}

impl ApiError {
    /// Why the API refused a request, for [`ApiError::QueryRejected`]: a 400's message, or what
    /// to check for an unsupported parameter (settings named by `name`, the source's other
    /// settings as `options`).
    pub fn rejection(
        &self,
        name: &dyn Fn(EndpointSetting) -> &'static str,
        options: &str,
    ) -> String {
        match self {
            ApiError::BadRequest { message, .. } => message.clone(),
            ApiError::UnsupportedParameters { what, params } => format!(
                "Adzuna answered {what} with a non-JSON 400 page: it does not support one of the \
                 parameter names sent. Check {} (it ends with /v1/api) and {options}; the parameters \
                 sent were {}.",
                name(EndpointSetting::AdzunaUrl),
                params.join(", ")
            ),
            e => e.to_string(),
        }
    }

    /// True when no later request of this run can succeed (stop the run, do not just fail a slice).
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            ApiError::Credentials { .. }
                | ApiError::Unexpected { .. }
                | ApiError::WrongEndpoint { .. }
                | ApiError::QueryRejected { .. }
                | ApiError::QuotaFile(_)
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
                 for its rate limit; waiting more would pass the run's budget for waiting on 429s ({}). \
                 The checkpoint is kept: run the same collection again to resume, with a larger \
                 budget (retry.throttle_budget) to wait longer",
                waited.as_secs_f64(),
                format_budget(*budget)
            ),
            ApiError::Unexpected { message } => f.write_str(message),
            ApiError::QueryRejected { api, cause } => write!(
                f,
                "the API rejected the query: {} Check {}.",
                cause.rejection(&Endpoint::setting_name, "the Adzuna settings"),
                match api {
                    QueryApi::FranceTravail => "the ROME codes, the départements and the keywords",
                    QueryApi::Adzuna => "the keywords and the Adzuna settings",
                }
            ),
            ApiError::UnsupportedParameters { .. } => {
                f.write_str(&self.rejection(&Endpoint::setting_name, "the Adzuna settings"))
            }
            ApiError::WrongEndpoint { endpoint, observed } => {
                f.write_str(&endpoint.advise(observed, &Endpoint::setting_name))
            }
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
            ApiError::QuotaFile(e) => e.fmt(f),
            ApiError::Interrupted => f.write_str("interrupted"),
        }
    }
}

impl std::error::Error for ApiError {}

/// The API whose query was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryApi {
    FranceTravail,
    Adzuna,
}

/// An endpoint the caller configures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    /// `FranceTravailSettings::api_url`.
    FranceTravailApi,
    /// `FranceTravailSettings::token_url`.
    FranceTravailToken,
    /// `AdzunaSettings::api_url` (with `AdzunaSettings::country`).
    Adzuna,
}

/// A setting named in an endpoint's advice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndpointSetting {
    FranceTravailApiUrl,
    FranceTravailTokenUrl,
    AdzunaUrl,
    AdzunaCountry,
}

impl Endpoint {
    /// The library's names for the settings.
    pub fn setting_name(s: EndpointSetting) -> &'static str {
        match s {
            EndpointSetting::FranceTravailApiUrl => "the France Travail API URL",
            EndpointSetting::FranceTravailTokenUrl => "the France Travail token URL",
            EndpointSetting::AdzunaUrl => "the Adzuna API URL",
            EndpointSetting::AdzunaCountry => "the Adzuna country",
        }
    }

    /// What was observed, then which settings to check, named by `name`.
    pub fn advise(self, observed: &str, name: &dyn Fn(EndpointSetting) -> &'static str) -> String {
        match self {
            Endpoint::FranceTravailApi => format!(
                "{observed}. Check {} (it ends with /partenaire/offresdemploi).",
                name(EndpointSetting::FranceTravailApiUrl)
            ),
            Endpoint::FranceTravailToken => format!(
                "{observed}; check {}",
                name(EndpointSetting::FranceTravailTokenUrl)
            ),
            Endpoint::Adzuna => format!(
                "{observed}. Check {} (it ends with /v1/api) and {}.",
                name(EndpointSetting::AdzunaUrl),
                name(EndpointSetting::AdzunaCountry)
            ),
        }
    }
}

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

/// Why a collection cannot resume from its checkpoint. Nothing was changed; restarting the
/// collection (`CollectConfig::restart`) moves the files aside and starts over.
#[derive(Debug)]
pub enum ResumeError {
    /// The checkpoint cannot be decoded.
    CheckpointDamaged { checkpoint: PathBuf, reason: String },
    /// The checkpoint was written by a version with another format.
    CheckpointFormat {
        checkpoint: PathBuf,
        format: u32,
        expected: u32,
        /// The tool (and version) that wrote it.
        tool: String,
    },
    /// A source's part of the checkpoint (`source`, e.g. "Adzuna") cannot be decoded.
    SourcePartDamaged { source: String, reason: String },
    /// The checkpoint exists but its output does not.
    OutputGone {
        checkpoint: PathBuf,
        output: PathBuf,
    },
    /// The output is shorter than the checkpoint recorded.
    OutputShorter {
        output: PathBuf,
        len: u64,
        recorded: u64,
    },
    /// The output no longer starts with ftcollect's header.
    OutputHeaderChanged { output: PathBuf },
    /// A row of the output's checkpointed prefix has another column count than the schema's.
    OutputRowColumns {
        output: PathBuf,
        row: u64,
        columns: usize,
        expected: usize,
    },
    /// The output's checkpointed prefix cannot be read as CSV near `row`.
    OutputUnreadable {
        output: PathBuf,
        row: u64,
        reason: String,
    },
    /// The output's checkpointed prefix holds another number of rows than recorded.
    OutputRowsChanged {
        output: PathBuf,
        rows: u64,
        recorded: u64,
    },
}

impl fmt::Display for ResumeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResumeError::CheckpointDamaged { checkpoint, reason } => write!(
                f,
                "the checkpoint {} is damaged or was not written by ftcollect ({reason}); nothing was changed",
                checkpoint.display()
            ),
            ResumeError::CheckpointFormat {
                checkpoint,
                format,
                expected,
                tool,
            } => write!(
                f,
                "the checkpoint {} has format {format} but this ftcollect reads format {expected}; finish it \
                 with the version that wrote it ({tool})",
                checkpoint.display()
            ),
            ResumeError::SourcePartDamaged { source, reason } => {
                write!(f, "the checkpoint's {source} part is damaged ({reason})")
            }
            ResumeError::OutputGone { checkpoint, output } => write!(
                f,
                "the checkpoint {} exists but {} is gone, so the collection cannot resume",
                checkpoint.display(),
                output.display()
            ),
            ResumeError::OutputShorter {
                output,
                len,
                recorded,
            } => write!(
                f,
                "{} is shorter ({len} bytes) than the checkpoint recorded ({recorded} bytes): it was modified \
                 outside ftcollect",
                output.display()
            ),
            ResumeError::OutputHeaderChanged { output } => write!(
                f,
                "{} no longer starts with ftcollect's header, so the collection cannot resume; nothing was changed",
                output.display()
            ),
            ResumeError::OutputRowColumns {
                output,
                row,
                columns,
                expected,
            } => write!(
                f,
                "{} row {row} has {columns} columns instead of {expected}: the file was modified outside ftcollect",
                output.display()
            ),
            ResumeError::OutputUnreadable {
                output,
                row,
                reason,
            } => write!(
                f,
                "{} cannot be read as CSV near row {row} ({reason})",
                output.display()
            ),
            ResumeError::OutputRowsChanged {
                output,
                rows,
                recorded,
            } => write!(
                f,
                "{} holds {rows} rows where the checkpoint recorded {recorded}: it was modified outside ftcollect",
                output.display()
            ),
        }?;
        f.write_str(" (restart the collection to start over; the files are kept as .bak files)")
    }
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
