//! The programmatic entry points, shaped like the seed's Python API: a France Travail API built
//! from an id and a secret, a collector configured with a page size and a rate delay, and a call
//! that collects N months for optional search terms into a file and returns its path.
//!
//! Invariant: this is a thin facade over [`crate::collect::collect`] — the same code path as the
//! command line, with the same defaults.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::collect::{self, CollectConfig, FranceTravailSettings, RunStatus};
use crate::error::Error;
use crate::secret::Credentials;
use crate::source::france_travail::{DEFAULT_API_URL, DEFAULT_TOKEN_URL};

/// Access to the France Travail API (the seed's `FranceTravailAPI`).
#[derive(Clone, Debug)]
pub struct FranceTravailApi {
    settings: FranceTravailSettings,
}

impl FranceTravailApi {
    /// The production API with these credentials.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        FranceTravailApi {
            settings: FranceTravailSettings {
                api_url: DEFAULT_API_URL.into(),
                token_url: DEFAULT_TOKEN_URL.into(),
                credentials: Credentials::new(client_id, client_secret),
            },
        }
    }

    /// Points at other base URLs (the simulator: `SimHandle::api_url()` and `token_url()`).
    pub fn with_urls(mut self, api_url: impl Into<String>, token_url: impl Into<String>) -> Self {
        self.settings.api_url = api_url.into();
        self.settings.token_url = token_url.into();
        self
    }
}

/// The collector (the seed's `FranceTravailHistoricalCollector`).
#[derive(Clone, Debug)]
pub struct HistoricalCollector {
    api: FranceTravailApi,
    results_per_page: u32,
    rate_limit_delay: Duration,
    configure: Option<fn(&mut CollectConfig)>,
}

impl HistoricalCollector {
    pub fn new(api: FranceTravailApi) -> Self {
        HistoricalCollector {
            api,
            results_per_page: 150,
            rate_limit_delay: Duration::from_millis(100),
            configure: None,
        }
    }

    /// Page size, 1 to 150.
    pub fn results_per_page(mut self, n: u32) -> Self {
        self.results_per_page = n.clamp(1, 150);
        self
    }

    /// Minimum time between two API requests.
    pub fn rate_limit_delay(mut self, d: Duration) -> Self {
        self.rate_limit_delay = d;
        self
    }

    /// Adjusts any other setting of the underlying [`CollectConfig`] (ROME codes, workers, …).
    pub fn configure(mut self, f: fn(&mut CollectConfig)) -> Self {
        self.configure = Some(f);
        self
    }

    /// Collects every offer created over the last `max_months` months matching `search_terms`
    /// into `output_file` (CSV; resumes from its checkpoint if one exists) and returns its path.
    /// An incomplete collection is an error that says what is missing; run it again to resume.
    pub fn collect_data(
        &self,
        output_file: impl AsRef<Path>,
        max_months: u32,
        search_terms: Option<&str>,
    ) -> Result<PathBuf, Error> {
        let output = output_file.as_ref().to_path_buf();
        let mut c = CollectConfig::new(&output, self.api.settings.clone());
        c.months = max_months.max(1);
        c.search = search_terms
            .map(str::to_string)
            .filter(|s| !s.trim().is_empty());
        c.results_per_page = self.results_per_page;
        c.rate_limit_delay = self.rate_limit_delay;
        if let Some(f) = self.configure {
            f(&mut c);
        }
        let outcome = collect::collect(&c)?;
        match (outcome.status, outcome.summary) {
            (RunStatus::Complete, _) => Ok(output),
            (_, Some(s)) => Err(Error::Incomplete {
                output,
                status: format!("{:?}", s.status),
                problems: s.problems,
            }),
            (status, None) => Err(Error::Incomplete {
                output,
                status: format!("{status:?}"),
                problems: Vec::new(),
            }),
        }
    }
}
