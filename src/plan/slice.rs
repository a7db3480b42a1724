//! A slice: one search query (ROME codes × départements × creation window) and how far it got.
//!
//! Invariant: a slice's state only moves forward (probe → paging → done / split / capped / failed,
//! failed → probe again on resume), and the set of pages marked done is exactly the set whose
//! offers reached the output.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::source::france_travail::{CreationWindow, SearchParams, Sort};

/// What a slice asks the API for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SliceSpec {
    /// `codeROME` (never empty).
    pub rome_codes: Vec<String>,
    /// `departement` (empty: no filter, so offers without a département are included).
    pub departements: Vec<String>,
    pub window: CreationWindow,
}

impl SliceSpec {
    /// The search parameters of page `[first, last]`.
    pub fn params(&self, keywords: Option<&str>, first: u32, last: u32) -> SearchParams {
        SearchParams {
            rome_codes: self.rome_codes.clone(),
            departements: self.departements.clone(),
            mots_cles: keywords.map(str::to_string),
            window: Some(self.window),
            range: Some((first, last)),
            sort: Some(Sort::CreationDesc),
            ..Default::default()
        }
    }

    /// A short human description for logs.
    pub fn describe(&self) -> String {
        let deps = if self.departements.is_empty() {
            "all départements".to_string()
        } else {
            self.departements.join(",")
        };
        format!(
            "{} × {} × {}..{}",
            self.rome_codes.join(","),
            deps,
            self.window.min.format("%Y-%m-%d %H:%M:%S"),
            self.window.max.format("%Y-%m-%d %H:%M:%S")
        )
    }

    pub fn window_seconds(&self) -> i64 {
        (self.window.max - self.window.min).num_seconds()
    }
}

/// Why a slice exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Origin {
    /// One of the plan's starting slices.
    Root,
    /// The older remainder of a slice over the cap, below its newest reachable offers.
    OlderRemainder,
    /// A gap found by the coverage check (the API's order was not strictly by creation date).
    Gap,
    /// A département group of a slice that could not be cut by time.
    Departements,
    /// One ROME code of a slice that could not be cut by time or département.
    RomeCode,
}

/// Where a slice stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SliceState {
    /// Page 0 not fetched yet.
    Probe,
    /// Total known; `done[i]` says whether page `i` (of `pages`) reached the output.
    Paging {
        total: u64,
        pages: u32,
        done: Vec<bool>,
        over_cap: bool,
    },
    /// Every page reached the output.
    Done { total: u64 },
    /// Over the cap and replaced by children (its reachable pages may have been fetched too).
    Split { total: u64 },
    /// Over the cap and impossible to cut further: paged to the cap.
    Capped { total: u64, reachable: u64 },
    /// A page failed after its retries.
    Failed { error: String },
}

/// A slice of the plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Slice {
    pub id: u32,
    pub parent: Option<u32>,
    pub origin: Origin,
    pub spec: SliceSpec,
    pub state: SliceState,
    /// For a slice over the cap cut by time: the child covering the older remainder, and the
    /// creation times (seconds) of the offers this slice's pages returned, for the coverage check.
    /// Both are checkpointed: a resumed slice with only the times of its later pages would see a
    /// gap that is not there, and fetch its window again (at most 3150 numbers per slice, and only
    /// until its check ran).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remainder: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub seen_created: Vec<i64>,
    /// True when this slice, over the cap, is cut by creation time.
    #[serde(default)]
    pub cut_by_time: bool,
    /// The cursor boundary (the remainder's upper bound), once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundary: Option<DateTime<Utc>>,
}

impl Slice {
    pub fn is_finished(&self) -> bool {
        matches!(
            self.state,
            SliceState::Done { .. } | SliceState::Split { .. } | SliceState::Capped { .. }
        )
    }

    pub fn total(&self) -> Option<u64> {
        match &self.state {
            SliceState::Paging { total, .. }
            | SliceState::Done { total }
            | SliceState::Split { total }
            | SliceState::Capped { total, .. } => Some(*total),
            _ => None,
        }
    }
}
