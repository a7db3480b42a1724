//! The collection: plan → fetch pages in a worker pool → normalize → write once → checkpoint.
//!
//! [`collect`] takes a typed [`CollectConfig`] (never command-line types) and returns an
//! [`Outcome`] whose status maps to the exit code ([`crate::exit::code_for`]). Invariants: a single writer (the calling thread)
//! owns the output, the dedup set and the checkpoint; workers only fetch and normalize; an offer is
//! written once per collection; the checkpoint always describes a durable prefix of the CSV.

pub mod checkpoint;
pub mod dedup;
mod dry_run;
pub mod engine;
pub mod outputs;
pub mod progress;
pub mod resume;
pub mod source;
pub mod summary;
pub mod verdict;

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::http::{Cancel, HttpSettings, RetryPolicy};
use crate::secret::Credentials;
use crate::source::france_travail::plan::Strategy;

pub use crate::source::adzuna::collector::AdzunaSettings;
pub use engine::{collect, collect_with};
pub use source::{Source, SourceFactory};

/// The source a collection reads when none is named (its rows are not counted by source in
/// the summary when it is the only one).
pub const DEFAULT_SOURCE: &str = crate::normalize::france_travail::SOURCE;

/// Encodes a page's rows in the worker. Encoding into memory cannot fail; if it ever did, the
/// rows come back empty and the writer encodes the offers itself.
pub(crate) fn encode(
    offers: &[crate::normalize::NormalizedOffer],
) -> crate::sink::csv::EncodedRows {
    crate::sink::csv::encode_rows(offers).unwrap_or_else(|e| {
        log::error!("CSV encoding failed in a worker ({e}); the writer encodes the page");
        crate::sink::csv::EncodedRows::default()
    })
}
pub use summary::{RunStatus, Summary};

/// The seed's five ROME codes (data engineer, DevOps, BI, DPO, data scientist).
pub const DEFAULT_ROME_CODES: [&str; 5] = ["M1811", "M1827", "M1851", "K1906", "M1405"];

/// Backups of an output file kept by default (see [`CollectConfig::keep_backups`]).
pub const DEFAULT_KEEP_BACKUPS: usize = 5;

/// Where and how to reach France Travail.
#[derive(Clone, Debug)]
pub struct FranceTravailSettings {
    pub api_url: String,
    pub token_url: String,
    pub credentials: Credentials,
}

/// Which APIs a collection reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sources {
    pub france_travail: bool,
    pub adzuna: bool,
}

impl Default for Sources {
    /// France Travail only.
    fn default() -> Self {
        Sources {
            france_travail: true,
            adzuna: false,
        }
    }
}

impl Sources {
    /// The names in the checkpoint and the summary: `france_travail`, `adzuna`.
    pub fn names(&self) -> Vec<String> {
        let mut v = Vec::new();
        if self.france_travail {
            v.push("france_travail".to_string());
        }
        if self.adzuna {
            v.push("adzuna".to_string());
        }
        v
    }
}

/// Everything a collection needs, resolved and validated.
#[derive(Clone, Debug)]
pub struct CollectConfig {
    /// The CSV output.
    pub output: PathBuf,
    /// Also write Parquet here at the end.
    pub parquet: Option<PathBuf>,
    /// Keep every raw page here.
    pub raw_dir: Option<PathBuf>,
    pub months: u32,
    /// `motsCles`.
    pub search: Option<String>,
    pub results_per_page: u32,
    /// Offers written between two checkpoints.
    pub checkpoint_interval: u64,
    /// Minimum time between two API requests, shared by all workers.
    pub rate_limit_delay: Duration,
    pub rome_codes: Vec<String>,
    /// `None`: all départements and offers without one (no filter).
    pub departements: Option<Vec<String>>,
    pub strategy: Strategy,
    pub workers: usize,
    /// Ignore an existing checkpoint; the previous output is moved aside.
    pub restart: bool,
    /// How many backups (`<file>.bak-<time>`) of each output file are kept when one more is
    /// made; older ones are deleted. `None` keeps them all.
    pub keep_backups: Option<usize>,
    /// Probe totals, print the plan, write nothing.
    pub dry_run: bool,
    pub quiet: bool,
    pub france_travail: FranceTravailSettings,
    /// The APIs to read (France Travail alone by default).
    pub sources: Sources,
    /// Required when `sources.adzuna`.
    pub adzuna: Option<AdzunaSettings>,
    pub http: HttpSettings,
    pub retry: RetryPolicy,
    /// The run's "now" (default: the clock); the window's upper bound is frozen to it.
    pub now: Option<DateTime<Utc>>,
    /// Set from a signal handler to stop cleanly.
    pub cancel: Cancel,
    /// Consecutive failed slices (no success in between) after which the run stops.
    pub max_consecutive_failures: u32,
}

impl CollectConfig {
    /// A configuration with the documented defaults for everything but the endpoint and output.
    pub fn new(output: impl Into<PathBuf>, france_travail: FranceTravailSettings) -> Self {
        CollectConfig {
            output: output.into(),
            parquet: None,
            raw_dir: None,
            months: 12,
            search: None,
            results_per_page: 150,
            checkpoint_interval: 100,
            rate_limit_delay: Duration::from_millis(100),
            rome_codes: DEFAULT_ROME_CODES.iter().map(|s| s.to_string()).collect(),
            departements: None,
            strategy: Strategy::Adaptive,
            workers: 7,
            restart: false,
            keep_backups: Some(DEFAULT_KEEP_BACKUPS),
            dry_run: false,
            quiet: true,
            france_travail,
            sources: Sources::default(),
            adzuna: None,
            http: HttpSettings::default(),
            retry: RetryPolicy::default(),
            now: None,
            cancel: Cancel::new(),
            max_consecutive_failures: 3,
        }
    }
}

/// How a collection ended.
#[derive(Debug)]
pub struct Outcome {
    pub status: RunStatus,
    pub summary: Option<Summary>,
    /// For `--dry-run`: the plan as printed.
    pub plan_report: Option<String>,
}
