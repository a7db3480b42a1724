//! The checkpoint beside the output (`<output>.checkpoint`): what a killed run needs to resume.
//!
//! Invariant: written only after the CSV was flushed and synced, and replaced atomically, so the
//! checkpoint on disk always describes a durable prefix of the CSV (its byte length and row count)
//! and the plan as it stood when that prefix was written. It never holds a secret.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, QueryChange, QueryField, ResumeError};
use crate::fsutil;
use crate::http::stats::ApiStatsSnapshot;
use crate::normalize::Warnings;
use crate::source::france_travail::CreationWindow;
use crate::source::france_travail::plan::Strategy;

/// 3: each source's state under its name (2 had France Travail's plan and Adzuna's part as fields).
pub const FORMAT_VERSION: u32 = 3;

/// What identifies a query: a checkpoint only resumes the same query.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueryKey {
    pub sources: Vec<String>,
    pub rome_codes: Vec<String>,
    /// `None`: every département, and offers without one.
    pub departements: Option<Vec<String>>,
    pub search: Option<String>,
    pub months: u32,
    pub strategy: Strategy,
    pub results_per_page: u32,
}

impl QueryKey {
    /// The first difference with `other` (`self` is what was, `other` what is now).
    pub fn difference(&self, other: &QueryKey) -> Option<QueryChange> {
        fn show<T: std::fmt::Debug>(v: &T) -> String {
            format!("{v:?}")
        }
        let diffs = [
            (
                QueryField::Sources,
                show(&self.sources),
                show(&other.sources),
            ),
            (
                QueryField::RomeCodes,
                show(&self.rome_codes),
                show(&other.rome_codes),
            ),
            (
                QueryField::Departements,
                show(&self.departements),
                show(&other.departements),
            ),
            (QueryField::Search, show(&self.search), show(&other.search)),
            (QueryField::Months, show(&self.months), show(&other.months)),
            (
                QueryField::Strategy,
                show(&self.strategy),
                show(&other.strategy),
            ),
            (
                QueryField::ResultsPerPage,
                show(&self.results_per_page),
                show(&other.results_per_page),
            ),
        ];
        diffs
            .into_iter()
            .find(|(_, a, b)| a != b)
            .map(|(field, was, now)| QueryChange { field, was, now })
    }
}

/// Counters carried from one run of a collection to the next.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Carry {
    pub api: ApiStatsSnapshot,
    pub duplicates: u64,
    pub warnings: Warnings,
    pub elapsed_seconds: f64,
    pub runs: u32,
    pub started_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Checkpoint {
    pub format: u32,
    pub tool: String,
    pub query: QueryKey,
    pub window: CreationWindow,
    pub csv_bytes: u64,
    pub csv_rows: u64,
    /// Each source's own state, by source name (see `super::source::Source::state`).
    pub sources: BTreeMap<String, serde_json::Value>,
    pub carry: Carry,
    pub updated_at: DateTime<Utc>,
}

impl Checkpoint {
    /// A source's state, read as the type that source saves (`None` when absent or not of it).
    pub fn state_of<T: serde::de::DeserializeOwned>(&self, source: &str) -> Option<T> {
        serde_json::from_value(self.sources.get(source)?.clone()).ok()
    }
}

/// `<output>.checkpoint`.
pub fn path_for(output: &Path) -> PathBuf {
    fsutil::with_suffix(output, "checkpoint")
}

impl Checkpoint {
    /// Reads a checkpoint; a damaged one is a clear error that says how to start over.
    pub fn load(path: &Path) -> Result<Checkpoint, Error> {
        let bytes = std::fs::read(path)
            .map_err(|e| Error::io(format!("cannot read the checkpoint {}", path.display()), e))?;
        let cp: Checkpoint = serde_json::from_slice(&bytes).map_err(|e| {
            Error::Resume(ResumeError::CheckpointDamaged {
                checkpoint: path.to_path_buf(),
                reason: e.to_string(),
            })
        })?;
        if cp.format != FORMAT_VERSION {
            return Err(Error::Resume(ResumeError::CheckpointFormat {
                checkpoint: path.to_path_buf(),
                format: cp.format,
                expected: FORMAT_VERSION,
                tool: cp.tool,
            }));
        }
        Ok(cp)
    }

    /// Replaces the checkpoint atomically.
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        let bytes = serde_json::to_vec(self).map_err(|e| Error::Internal {
            what: format!("cannot encode the checkpoint: {e}"),
        })?;
        fsutil::write_atomic_at(path, &bytes, Some("checkpoint-write"))
            .map_err(|e| Error::io(format!("cannot write the checkpoint {}", path.display()), e))
    }
}
