//! What a source's client returns when a request fails, and what the Adzuna quota ledger reports.
//!
//! The collector decides from an [`ApiError`]'s variant whether a slice failed (and the run is
//! incomplete) or the whole run must stop. Invariant: no message built here contains a secret
//! (clients never put credentials or tokens in the strings they hand over).

use std::fmt;
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
