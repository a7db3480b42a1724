//! A slice: one search query (ROME codes × départements × contract types × creation window) and
//! how far it got.
//!
//! Invariants: a slice's state only moves forward (seek → done; unit → split / passes → done or
//! capped); a failed slice keeps its state and starts again from it on resume; the state recorded
//! is exactly what the pages that reached the output proved.

use std::collections::BTreeSet;

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
    /// `typeContrat` (empty: no filter).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub type_contrat: Vec<String>,
    /// The creation window wanted, whole seconds, both bounds included.
    pub window: CreationWindow,
}

impl SliceSpec {
    /// The search parameters of range `[first, last]` over `window` (as sent to the API).
    pub fn params_for(
        &self,
        keywords: Option<&str>,
        window: CreationWindow,
        first: u32,
        last: u32,
    ) -> SearchParams {
        SearchParams {
            rome_codes: self.rome_codes.clone(),
            departements: self.departements.clone(),
            type_contrat: self.type_contrat.clone(),
            mots_cles: keywords.map(str::to_string),
            window: Some(window),
            range: Some((first, last)),
            sort: Some(Sort::CreationDesc),
            ..Default::default()
        }
    }

    /// The search parameters of range `[first, last]` over the slice's own window, as is.
    pub fn params(&self, keywords: Option<&str>, first: u32, last: u32) -> SearchParams {
        self.params_for(keywords, self.window, first, last)
    }

    /// A short human description for logs and the summary.
    pub fn describe(&self) -> String {
        let deps = if self.departements.is_empty() {
            "all départements".to_string()
        } else {
            self.departements.join(",")
        };
        let contracts = if self.type_contrat.is_empty() {
            String::new()
        } else {
            format!(" × {}", self.type_contrat.join(","))
        };
        format!(
            "{} × {deps}{contracts} × {}..{}",
            self.rome_codes.join(","),
            self.window.min.format("%Y-%m-%d %H:%M:%S"),
            self.window.max.format("%Y-%m-%d %H:%M:%S")
        )
    }

    pub fn min(&self) -> i64 {
        self.window.min.timestamp()
    }

    pub fn max(&self) -> i64 {
        self.window.max.timestamp()
    }

    pub fn window_seconds(&self) -> i64 {
        (self.window.max - self.window.min).num_seconds()
    }

    /// The same query over `[min, max]`.
    pub fn with_window(&self, min: i64, max: i64) -> SliceSpec {
        let at = |t: i64| DateTime::<Utc>::from_timestamp(t, 0).unwrap_or_default();
        SliceSpec {
            window: CreationWindow {
                min: at(min),
                max: at(max),
            },
            ..self.clone()
        }
    }
}

/// Why a slice exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Origin {
    /// One of the plan's starting slices.
    Root,
    /// The older part of a seek slice, cut off so that more pages can be fetched at once.
    OlderRemainder,
    /// A gap (kept so that old checkpoints load).
    Gap,
    /// A grain unit (one creation second, usually) holding more offers than a page.
    Unit,
    /// A département group of a unit.
    Departements,
    /// ROME codes of a unit.
    RomeCode,
    /// One contract type of a unit.
    ContractType,
}

/// Where a slice stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum SliceState {
    /// Seek paging: the next request asks for the newest offers created in
    /// `[window.min, cursor]`; everything created after `cursor` in the window was proven held.
    Seek {
        cursor: i64,
        /// Pages received.
        pages: u32,
        /// The total of the last page and how many of its offers lay strictly above the cursor
        /// it set: the next total must be exactly that much smaller unless the stock moved.
        #[serde(default)]
        last: Option<(u64, u64)>,
        /// The next page confirms an end that looked final on a run where pages came back short
        /// or totals did not add up.
        #[serde(default)]
        confirming: bool,
    },
    /// A unit (or one part of a cut): its first page is not fetched yet.
    Probe,
    /// Cut into parts (children); waits for them, then checks that they add up.
    Cut { total: u64 },
    /// Offset passes over the slice's query until the offers held reach its total.
    Passes {
        total: u64,
        pass: u32,
        /// `done[i]`: page `i` of the current pass reached the output.
        done: Vec<bool>,
        /// Offers held after the previous pass (to stop when a pass brings nothing new).
        held_before: u64,
        /// The smallest total the unit's pages announced (offers withdrawn meanwhile are not
        /// missing; a drifting total is at least once at or below its true value), and whether
        /// totals moved since the first page.
        #[serde(default)]
        low: Option<u64>,
        #[serde(default)]
        moved: bool,
        /// Passes in a row that brought nothing new.
        #[serde(default)]
        quiet: u32,
        /// A fingerprint of each page of the first pass; a later pass whose page differs shows
        /// an order that changes between requests (each pass is then a new draw).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        prints: Vec<u64>,
        #[serde(default)]
        unstable: bool,
    },
    /// Every offer of the slice is held.
    Done { total: u64 },
    /// Cut into parts that together hold every offer.
    Split { total: u64 },
    /// Impossible to cut further and not every offer could be reached: `held` of `total`.
    Capped { total: u64, reachable: u64 },
    /// A page failed after its retries (kept for old checkpoints; failures are now
    /// [`Slice::error`]).
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
    /// The total announced by the slice's first page.
    #[serde(default)]
    pub first_total: Option<u64>,
    /// The last page failed after its retries: the slice starts again from its state on resume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// For a unit: ids its own pages returned (a unit holds at most a few thousand offers).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub ids: BTreeSet<String>,
    /// For a root: its whole window (seek slices shrink theirs when cut by time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whole: Option<CreationWindow>,
    /// For a root: rows its slices wrote, and the total the API announced at the end.
    #[serde(default)]
    pub written: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_total: Option<u64>,
    /// For a root: the end total read a second time (two reads that differ show totals that
    /// drift, which cannot prove a gap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_again: Option<u64>,
    /// For a root: times it was collected again after a recount found a shortfall.
    #[serde(default)]
    pub rechecks: u32,
}

impl Slice {
    pub fn is_finished(&self) -> bool {
        matches!(
            self.state,
            SliceState::Done { .. } | SliceState::Split { .. } | SliceState::Capped { .. }
        )
    }

    /// The slice's total as first announced.
    pub fn total(&self) -> Option<u64> {
        self.first_total
    }

    pub fn is_unit(&self) -> bool {
        !matches!(
            self.origin,
            Origin::Root | Origin::OlderRemainder | Origin::Gap
        )
    }
}
