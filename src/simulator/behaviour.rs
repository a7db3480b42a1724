//! Behaviours of the real API that its documentation leaves open (see "Behaviours the docs leave
//! open" in `docs/france-travail-api.md`): bulk seconds, bound inclusivity and grain, unstable order
//! among ties, a stock that moves while a run pages, short pages, drifting totals, 429 storms.
//!
//! Invariant: every behaviour is off by default ([`Behaviours::default`]), and with all of them off
//! the simulator answers exactly as without this module.

use std::collections::BTreeSet;
use std::time::Duration;

use super::catalog::ROMES;
use super::geo::DEPTS;
use super::universe::Group;

const DAY_MS: i64 = 86_400_000;

/// Behaviours of the real API that its documentation leaves open; all off by default.
#[derive(Clone, Debug, Default)]
pub struct Behaviours {
    /// Seconds holding many offers (partner bulk imports). Each adds `offers` NEW offers (on top of
    /// `SimConfig::offers`) that all share ONE exact creation timestamp (same millisecond).
    pub bulk: Vec<BulkSecond>,
    /// Partner batches: `count` batches of `size` new offers each, every batch sharing one exact
    /// timestamp (spread at seeded random times over the window; départements and ROME codes random as usual).
    pub batches: Option<(u32, u32)>,
    /// `minCreationDate` / `maxCreationDate` compared strictly (created > min, created < max) instead of inclusively.
    pub min_exclusive: bool,
    pub max_exclusive: bool,
    /// Bounds truncated to this grain before use (Second = exact; Minute drops the seconds; Day drops the time).
    pub grain: Grain,
    /// Offers with an equal creation timestamp (same millisecond) come back in a fresh random order
    /// on every request (sharded search engines), instead of a fixed tie-break.
    pub unstable_order: bool,
    /// Live churn while the run pages.
    pub churn: Option<Churn>,
    /// Some 206 pages carry fewer offers than asked.
    pub short_pages: Option<ShortPages>,
    /// Each Content-Range total is off by a uniform random amount in [-n, +n] (never below the last index + 1 of the page served).
    pub total_jitter: u32,
    /// 429 storms.
    pub storm: Option<Storm>,
}

/// A second holding many offers.
#[derive(Clone, Debug)]
pub struct BulkSecond {
    pub offers: u32,
    pub rome: Option<String>,
    pub departement: Option<String>,
    /// seconds before the sim's now; None = a seeded random time within the window
    pub age_seconds: Option<i64>,
}

/// The grain at which the creation-date bounds are applied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Grain {
    #[default]
    Second,
    Minute,
    Day,
}

/// Offers withdrawn and published while a run pages.
#[derive(Clone, Debug)]
pub struct Churn {
    /// offers withdrawn per search request (random online offers)
    pub withdraw_per_request: u32,
    /// offers published per search request
    pub publish_per_request: u32,
    /// a published offer's creation time is the sim's now minus a uniform random lag in [0, max_lag]
    pub max_lag: Duration,
}

/// 206 pages carrying fewer offers than asked.
#[derive(Clone, Debug)]
pub struct ShortPages {
    /// share of 206 pages cut short (a random prefix of 1..len-1 offers)
    pub rate: f64,
    /// true: Content-Range names the range actually served; false: it claims the full range asked
    pub honest_range: bool,
}

/// Periodic 429 storms.
#[derive(Clone, Debug)]
pub struct Storm {
    /// every `period`, the first `on` answer every API request with 429 (real time since the sim started)
    pub period: Duration,
    pub on: Duration,
    /// Retry-After seconds sent
    pub retry_after_secs: u64,
    /// share of storm 429s sent WITHOUT a Retry-After header
    pub without_header: f64,
}

/// What a collection must hold and may hold (see `SimHandle::truth`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Truth {
    /// ids matching q online at every moment from the mark until now (a complete collection must hold all of them)
    pub stayed: BTreeSet<String>,
    /// ids matching q online at some moment since the mark (a collection may hold only these)
    pub ever: BTreeSet<String>,
}

/// The five ROME codes of the default query: half of the published offers pick among them.
pub const DEFAULT_ROMES: [&str; 5] = ["M1811", "M1827", "M1851", "K1906", "M1405"];

pub(crate) fn rome_index(code: &str) -> Option<u8> {
    ROMES.iter().position(|r| r.code == code).map(|i| i as u8)
}

fn dept_index(code: &str) -> Option<u8> {
    DEPTS.iter().position(|d| d.code == code).map(|i| i as u8)
}

impl Behaviours {
    /// The offer groups the bulk seconds and batches add to the universe (seeded).
    pub(crate) fn groups(&self, seed: u64, now: i64, months: u32) -> Result<Vec<Group>, String> {
        let mut rng = fastrand::Rng::with_seed(seed ^ 0xB017_5EC0);
        let span = (months.max(1) as f64 * 30.4375 * DAY_MS as f64) as i64;
        let random_time =
            |rng: &mut fastrand::Rng| now - rng.i64(1000..span.max(2000)) - rng.i64(0..1000);
        let mut out = Vec::new();
        for b in &self.bulk {
            let rome = match &b.rome {
                Some(c) => Some(rome_index(c).ok_or_else(|| {
                    format!("bulk second: ROME code {c} is not in the simulator's catalogue")
                })?),
                None => None,
            };
            let dept = match &b.departement {
                Some(c) => Some(
                    dept_index(c).ok_or_else(|| format!("bulk second: unknown département {c}"))?,
                ),
                None => None,
            };
            let created = match b.age_seconds {
                // Within the second `a` seconds before now.
                Some(a) => (now - a * 1000).div_euclid(1000) * 1000 + rng.i64(0..1000),
                None => random_time(&mut rng),
            };
            out.push(Group {
                offers: b.offers,
                created,
                rome,
                dept,
            });
        }
        if let Some((count, size)) = self.batches {
            for _ in 0..count {
                out.push(Group {
                    offers: size,
                    created: random_time(&mut rng),
                    rome: None,
                    dept: None,
                });
            }
        }
        Ok(out)
    }

    /// True when the window bounds are not applied as the documentation reads (inclusive, exact).
    pub(crate) fn bends_window(&self) -> bool {
        self.min_exclusive || self.max_exclusive || self.grain != Grain::Second
    }

    /// The window a search applies, in the universe's terms (milliseconds; the max is the start
    /// of the last second included): each bound truncated to the grain, then compared on the
    /// offer's creation second, strictly where exclusive.
    pub(crate) fn effective_window(&self, (min, max): (i64, i64)) -> (i64, i64) {
        if !self.bends_window() {
            return (min, max);
        }
        let grain = match self.grain {
            Grain::Second => 1,
            Grain::Minute => 60,
            Grain::Day => 86_400,
        };
        let floor = |ms: i64| {
            let s = ms.div_euclid(1000);
            s - s.rem_euclid(grain)
        };
        let (min_s, max_s) = (floor(min), floor(max));
        let lo = if self.min_exclusive { min_s + 1 } else { min_s };
        let hi = if self.max_exclusive { max_s - 1 } else { max_s };
        (lo * 1000, hi * 1000)
    }

    /// Whether a storm is on `elapsed` after the simulator started.
    pub(crate) fn storm_on(&self, elapsed: Duration) -> Option<&Storm> {
        let s = self.storm.as_ref()?;
        let period = s.period.as_millis().max(1);
        (elapsed.as_millis() % period < s.on.as_millis()).then_some(s)
    }
}

/// Shuffles, in `hits[first..=last]`, every run of equal creation timestamps that reaches into the
/// page (the whole run, so the page is a fair sample of a fresh order).
pub(crate) fn shuffle_ties(
    hits: &mut [u32],
    first: usize,
    last: usize,
    created: impl Fn(u32) -> i64,
    rng: &mut fastrand::Rng,
) {
    let mut i = first;
    while i <= last && i < hits.len() {
        let t = created(hits[i]);
        let mut a = i;
        while a > 0 && created(hits[a - 1]) == t {
            a -= 1;
        }
        let mut b = i + 1;
        while b < hits.len() && created(hits[b]) == t {
            b += 1;
        }
        if b - a > 1 {
            rng.shuffle(&mut hits[a..b]);
        }
        i = b;
    }
}

#[cfg(test)]
mod tests;
