//! What a history dataset must say about each offer, computed from the universe's ground truth.
//!
//! Why: the simulator already gives every offer a lifecycle (created, updated, withdrawn); a test
//! that replays scheduled runs needs, for a list of run times, each offer's expected first and
//! last sighting, withdrawal and version. Invariant: this reads only the records (`created`,
//! `updated`, `withdrawn`) and the search semantics ([`Universe::search`]), never the collector or
//! the merge, so it is an independent oracle for them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::catalog::ROMES;
use super::geo::DEPTS;
use super::universe::{Query, Universe};

/// One scheduled run as the simulator sees it.
#[derive(Clone, Debug)]
pub struct ScheduledRun {
    /// The run's time (the simulator's clock during the run).
    pub at: DateTime<Utc>,
    /// The query the run collects, with its creation window.
    pub query: Query,
    /// False for a run that finished incomplete (it marks nothing withdrawn).
    pub complete: bool,
}

/// The expected history of one offer, milliseconds since the epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sighting {
    pub first_seen: i64,
    pub last_seen: i64,
    /// The first complete run that no longer saw the offer while it was still in the window.
    pub withdrawn_at: Option<i64>,
    /// The first complete run that no longer saw it because it was created before the window.
    pub left_window_at: Option<i64>,
    pub times_seen: u32,
    /// 1, plus one per sighting whose `dateActualisation`/content differs from the previous one.
    pub version: u32,
}

/// The query a collection of `rome_codes` (and `departements`, `None` = all) sends over `window`
/// (milliseconds, as the collector's creation window).
pub fn collection_query(
    rome_codes: &[impl AsRef<str>],
    departements: Option<&[String]>,
    window: (i64, i64),
) -> Query {
    let romes = rome_codes
        .iter()
        .filter_map(|c| ROMES.iter().position(|r| r.code == c.as_ref()))
        .map(|p| p as u8)
        .collect();
    let depts = departements.map(|ds| {
        ds.iter()
            .filter_map(|d| DEPTS.iter().position(|x| x.code == d))
            .map(|p| p as u8)
            .collect()
    });
    Query {
        romes: Some(romes),
        depts,
        window: Some(window),
        ..Default::default()
    }
}

impl Universe {
    /// Every offer any of `runs` sees, with what a history dataset fed by exactly these runs
    /// (in this order) must record for it.
    pub fn sightings(&self, runs: &[ScheduledRun]) -> BTreeMap<String, Sighting> {
        // Per offer position: its sighting and the state last observed (updated or not).
        let mut state: BTreeMap<u32, (Sighting, bool)> = BTreeMap::new();
        for run in runs {
            let t = run.at.timestamp_millis();
            let seen = self.search(&run.query, t);
            let mut seen_now = vec![false; self.len()];
            for &p in &seen {
                seen_now[p as usize] = true;
                let r = &self.recs()[p as usize];
                let updated = r.updated != 0 && r.updated <= t;
                state
                    .entry(p)
                    .and_modify(|(s, last_state)| {
                        s.last_seen = t;
                        s.times_seen += 1;
                        s.withdrawn_at = None;
                        s.left_window_at = None;
                        if *last_state != updated {
                            s.version += 1;
                            *last_state = updated;
                        }
                    })
                    .or_insert((
                        Sighting {
                            first_seen: t,
                            last_seen: t,
                            withdrawn_at: None,
                            left_window_at: None,
                            times_seen: 1,
                            version: 1,
                        },
                        updated,
                    ));
            }
            if !run.complete {
                continue;
            }
            let window_min = run.query.window.map_or(i64::MIN, |w| w.0);
            for (&p, (s, _)) in state.iter_mut() {
                if seen_now[p as usize] || s.withdrawn_at.is_some() || s.left_window_at.is_some() {
                    continue;
                }
                if self.recs()[p as usize].created < window_min {
                    s.left_window_at = Some(t);
                } else {
                    s.withdrawn_at = Some(t);
                }
            }
        }
        state
            .into_iter()
            .map(|(p, (s, _))| (self.id_of(&self.recs()[p as usize]), s))
            .collect()
    }
}
