//! The run summary: on stderr at the end, and in `<output>.summary.json`.
//!
//! Invariant: every non-fatal problem of the run (failed slices, capped slices, retries, 429s,
//! unexpected field types) is counted here, so nothing is swallowed silently.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::checkpoint::QueryKey;
use crate::error::Error;
use crate::fsutil;
use crate::http::stats::ApiStatsSnapshot;
use crate::normalize::Warnings;
use crate::source::france_travail::CreationWindow;
use crate::source::france_travail::plan::PlanCounts;

/// How the run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Complete,
    Incomplete,
    Interrupted,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Summary {
    pub tool: String,
    pub status: RunStatus,
    pub exit_code: u8,
    pub query: QueryKey,
    pub window: CreationWindow,
    pub output: PathBuf,
    pub parquet: Option<PathBuf>,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    /// Wall time of all the runs of this collection (resumed runs add up).
    pub elapsed_seconds: f64,
    /// 1 + the number of resumes.
    pub runs: u32,
    pub offers_written: u64,
    /// Rows per source when Adzuna is used (`france_travail`, `adzuna`).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub offers_by_source: std::collections::BTreeMap<String, u64>,
    pub duplicates_skipped: u64,
    /// What the API announced for the query (sum of the totals of the slices that partition it).
    pub announced_total: Option<u64>,
    pub slices: PlanCounts,
    /// What the run proved about its completeness (France Travail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reconciliation: Option<crate::source::france_travail::reconcile::Reconciliation>,
    pub api: ApiStatsSnapshot,
    pub warnings: Warnings,
    /// Why the run is incomplete, one line per problem.
    pub problems: Vec<String>,
    /// Other sources' reports (Adzuna quota, …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// `<output>.summary.json`.
pub fn path_for(output: &Path) -> PathBuf {
    fsutil::with_suffix(output, "summary.json")
}

/// The summary's line about the API calls (no empty parentheses when no search was made).
fn api_line(api: &ApiStatsSnapshot) -> String {
    let statuses: Vec<String> = api
        .by_status
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    let statuses = if statuses.is_empty() {
        String::new()
    } else {
        format!(" ({})", statuses.join(", "))
    };
    format!(
        "  API calls:          {} searches{statuses}, {} token requests; 429s: {}, waited {:.1} s for the API's rate limit\n",
        api.search_requests, api.token_requests, api.throttled_responses, api.throttle_wait_seconds
    )
}

impl Summary {
    pub fn save(&self, path: &Path) -> Result<(), Error> {
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| Error::Internal {
            what: format!("cannot encode the summary: {e}"),
        })?;
        fsutil::write_atomic(path, &bytes)
            .map_err(|e| Error::io(format!("cannot write the summary {}", path.display()), e))
    }

    /// The human summary printed at the end of a run.
    pub fn render(&self) -> String {
        self.render_as(&self.output, "the summary file")
    }

    /// The summary of a collection made for a history dataset: it names the dataset, not the
    /// work file (removed once merged), and says where its field warnings are kept.
    pub fn render_for_dataset(&self, dataset: &Path) -> String {
        self.render_as(dataset, "runs.jsonl")
    }

    fn render_as(&self, output: &Path, warnings_in: &str) -> String {
        let mut out = String::new();
        let status = match self.status {
            RunStatus::Complete => "complete",
            RunStatus::Incomplete => "INCOMPLETE",
            RunStatus::Interrupted => "interrupted (checkpoint saved)",
        };
        out.push_str(&format!("collection {status}: {}\n", output.display()));
        if let Some(p) = &self.parquet {
            out.push_str(&format!("  parquet:            {}\n", p.display()));
        }
        out.push_str(&format!(
            "  window:             {} .. {}\n",
            self.window.min.format("%Y-%m-%d %H:%M:%S"),
            self.window.max.format("%Y-%m-%d %H:%M:%S")
        ));
        out.push_str(&format!("  offers written:     {}\n", self.offers_written));
        if !self.offers_by_source.is_empty() {
            let by: Vec<String> = self
                .offers_by_source
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            out.push_str(&format!("  by source:          {}\n", by.join(", ")));
        }
        if let Some(a) = self.announced_total {
            // With several sources, the announced total is France Travail's: compare it with its rows.
            let written = self
                .offers_by_source
                .get("france_travail")
                .copied()
                .unwrap_or(self.offers_written);
            let check = match &self.reconciliation {
                _ if a == written => "equal",
                Some(r) if r.unexplained_gap == 0 && self.status == RunStatus::Complete => {
                    "different: explained below"
                }
                _ => "DIFFERENT",
            };
            out.push_str(&format!("  announced by API:   {a} ({check})\n"));
        }
        out.push_str(&format!(
            "  duplicates skipped: {}\n",
            self.duplicates_skipped
        ));
        let s = &self.slices;
        out.push_str(&format!(
            "  slices:             {} planned, {} split, {} capped, {} failed, {} pending\n",
            s.slices, s.split, s.capped, s.failed, s.pending
        ));
        if let Some(r) = &self.reconciliation {
            for l in r.lines() {
                out.push_str(&format!("  {l}\n"));
            }
        }
        out.push_str(&api_line(&self.api));
        let r = &self.api.retries;
        out.push_str(&format!(
            "  retries:            {} (5xx {}, 429 {}, timeout {}, connection {}, bad body {})\n",
            r.total(),
            r.server_error,
            r.rate_limited,
            r.timeout,
            r.connection,
            r.bad_body
        ));
        if self.warnings.total() > 0 {
            out.push_str(&format!(
                "  field warnings:     {} (see {warnings_in})\n",
                self.warnings.total()
            ));
        }
        out.push_str(&format!(
            "  elapsed:            {:.1} s over {} run(s)\n",
            self.elapsed_seconds, self.runs
        ));
        for n in &self.notes {
            out.push_str(&format!("  note: {n}\n"));
        }
        for p in &self.problems {
            out.push_str(&format!("  problem: {p}\n"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_line_has_no_empty_parentheses() {
        let mut api = ApiStatsSnapshot::default();
        assert_eq!(
            api_line(&api),
            "  API calls:          0 searches, 0 token requests; 429s: 0, waited 0.0 s for the API's rate limit\n"
        );
        api.search_requests = 2;
        api.by_status.insert("200".into(), 2);
        assert!(api_line(&api).contains("2 searches (200: 2), 0 token"));
    }
}
