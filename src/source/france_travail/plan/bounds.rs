//! How the API reads `minCreationDate` and `maxCreationDate`, detected at run time, and the
//! parameters that cover a window whatever that reading.
//!
//! The documentation says neither whether the bounds are inclusive nor at which granularity they
//! are applied. Invariants:
//! - [`BoundReading::request`] always asks for a window that, read the way the API was found to
//!   read it, contains the whole window wanted (it may contain more: the overlap is deduplicated
//!   and offers outside the run's window are not written);
//! - detection only ever moves towards a *wider* request when a probe is inconclusive (an offer
//!   withdrawn between two probes looks like an exclusive bound): widening costs a few offers of
//!   overlap, narrowing would lose offers.

use chrono::DateTime;
use serde::{Deserialize, Serialize};

use crate::source::france_travail::CreationWindow;

/// Coarser grains tried when a padded one-second window does not return a known offer.
const GRAINS: [i64; 3] = [60, 3600, 86_400];

/// How the API reads the creation bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoundReading {
    /// `minCreationDate` compared strictly.
    pub min_exclusive: bool,
    /// `maxCreationDate` compared strictly.
    pub max_exclusive: bool,
    /// The bounds are truncated to this many seconds (1: read to the second).
    pub grain: i64,
}

impl Default for BoundReading {
    /// What the documentation suggests: inclusive, to the second.
    fn default() -> Self {
        BoundReading {
            min_exclusive: false,
            max_exclusive: false,
            grain: 1,
        }
    }
}

impl BoundReading {
    /// The safest reading at a grain: both bounds exclusive.
    fn padded(grain: i64) -> Self {
        BoundReading {
            min_exclusive: true,
            max_exclusive: true,
            grain,
        }
    }

    /// The parameters to send so that the API's reading covers `[min, max]` (seconds, inclusive).
    pub fn request(&self, min: i64, max: i64) -> CreationWindow {
        let lo = min - i64::from(self.min_exclusive);
        let hi = ceil_to(max + i64::from(self.max_exclusive), self.grain);
        CreationWindow {
            min: at(lo),
            max: at(hi.max(lo)),
        }
    }

    /// The newest second a request built for `[_, max]` covers, read this way.
    pub fn covered_top(&self, max: i64) -> i64 {
        ceil_to(max + i64::from(self.max_exclusive), self.grain) - i64::from(self.max_exclusive)
    }

    /// The first second of the grain unit holding `t`.
    pub fn unit_start(&self, t: i64) -> i64 {
        t - t.rem_euclid(self.grain)
    }

    /// A short description for the summary.
    pub fn describe(&self) -> String {
        let side = |ex: bool| if ex { "exclusive" } else { "inclusive" };
        let grain = match self.grain {
            1 => "to the second".to_string(),
            60 => "bounds truncated to the minute".to_string(),
            3600 => "bounds truncated to the hour".to_string(),
            86_400 => "bounds truncated to the day".to_string(),
            g => format!("bounds truncated to {g} s"),
        };
        if self.grain > 1 {
            // Inclusivity is not told apart at a coarse grain: both are read as exclusive (the
            // widest requests).
            return format!(
                "{grain} (inclusivity not told apart at that grain: both bounds widened as if exclusive)"
            );
        }
        format!(
            "minCreationDate {}, maxCreationDate {}, {grain}",
            side(self.min_exclusive),
            side(self.max_exclusive)
        )
    }
}

fn ceil_to(t: i64, grain: i64) -> i64 {
    let r = t.rem_euclid(grain);
    if r == 0 { t } else { t + grain - r }
}

fn at(t: i64) -> DateTime<chrono::Utc> {
    DateTime::from_timestamp(t, 0).unwrap_or_default()
}

/// The next probe of a detection, and where it stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    /// `[t, t]`: found when both bounds are inclusive to the second.
    Exact,
    /// `[t-1, t+1]`: found at one-second grain whatever the inclusivity.
    Padded,
    /// `[t, t+1]`: found when the minimum is inclusive.
    MinSide,
    /// `[t-1, t]`: found when the maximum is inclusive.
    MaxSide { min_exclusive: bool },
    /// `[t-g, the next multiple of g after t]` for the `i`-th coarser grain: found when the
    /// bounds are truncated to that grain or a finer one.
    Grain(usize),
}

/// A detection under way: probes around one second `t` known to hold the offers `known`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detection {
    /// The root slice whose page holds the known offers (probes use its filters).
    #[serde(default)]
    pub root: u32,
    pub t: i64,
    pub known: Vec<String>,
    pub step: Step,
    /// Probes answered so far.
    pub probes: u32,
}

/// What a probe answered.
pub enum Verdict {
    /// Ask this window next.
    Probe(i64, i64),
    /// Detection finished.
    Found(BoundReading),
}

impl Detection {
    /// Starts a detection on a page sorted by creation time descending (ids and creation seconds):
    /// `t` is a second strictly inside the page (newer and older offers around it, so every offer
    /// of that second was on the page), preferably not on a minute boundary (so that a bound
    /// truncated to the minute shows). `None` when the page has no such second.
    pub fn start(ids: &[String], created: &[Option<i64>], strict: bool) -> Option<Detection> {
        let times: Vec<i64> = created.iter().flatten().copied().collect();
        let (newest, oldest) = (*times.iter().max()?, *times.iter().min()?);
        let mut candidates: Vec<i64> = times
            .iter()
            .copied()
            .filter(|&t| t < newest && t > oldest)
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        // A probe reaching up to the next boundary of a grain must not end on the boundary of a
        // coarser one (truncated there, it would still reach `t` and hide the coarser grain).
        let second_safe = |t: &i64| (1..=58).contains(&t.rem_euclid(60));
        let all_safe =
            |t: &i64| second_safe(t) && t.rem_euclid(3600) < 3540 && t.rem_euclid(86_400) < 82_800;
        let safe = candidates.iter().copied().find(all_safe);
        let t = if strict {
            safe?
        } else {
            safe.or_else(|| candidates.iter().copied().find(second_safe))
                .or_else(|| candidates.first().copied())?
        };
        let known = ids
            .iter()
            .zip(created)
            .filter(|(_, c)| **c == Some(t))
            .map(|(id, _)| id.clone())
            .collect();
        Some(Detection {
            root: 0,
            t,
            known,
            step: Step::Exact,
            probes: 0,
        })
    }

    /// The window (sent as is, not through a reading) of the current probe.
    pub fn window(&self) -> CreationWindow {
        let t = self.t;
        let (a, b) = match self.step {
            Step::Exact => (t, t),
            Step::Padded => (t - 1, t + 1),
            Step::MinSide => (t, t + 1),
            Step::MaxSide { .. } => (t - 1, t),
            Step::Grain(i) => (t - GRAINS[i], ceil_to(t + 1, GRAINS[i])),
        };
        CreationWindow {
            min: at(a),
            max: at(b),
        }
    }

    /// Takes the answer of the current probe (the ids it returned).
    pub fn answer(&mut self, ids: &[String]) -> Verdict {
        self.probes += 1;
        let found = ids.iter().any(|i| self.known.contains(i));
        let next = match (&self.step, found) {
            (Step::Exact, true) => return Verdict::Found(BoundReading::default()),
            (Step::Exact, false) => Step::Padded,
            (Step::Padded, true) => Step::MinSide,
            (Step::Padded, false) => Step::Grain(0),
            (Step::MinSide, f) => Step::MaxSide { min_exclusive: !f },
            (Step::MaxSide { min_exclusive }, f) => {
                return Verdict::Found(BoundReading {
                    min_exclusive: *min_exclusive,
                    max_exclusive: !f,
                    grain: 1,
                });
            }
            (Step::Grain(i), true) => return Verdict::Found(BoundReading::padded(GRAINS[*i])),
            (Step::Grain(i), false) if i + 1 < GRAINS.len() => Step::Grain(i + 1),
            // Nothing found even a day around: the known offers went offline meanwhile, or the
            // API ignores the bounds. Read them as coarsely and widely as we know how.
            (Step::Grain(_), false) => {
                return Verdict::Found(BoundReading::padded(GRAINS[GRAINS.len() - 1]));
            }
        };
        self.step = next;
        let w = self.window();
        Verdict::Probe(w.min.timestamp(), w.max.timestamp())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An API reading bounds as `r` over offers at the given seconds.
    fn api(r: BoundReading, offers: &[(&str, i64)], w: CreationWindow) -> Vec<String> {
        let trunc = |t: i64| t - t.rem_euclid(r.grain);
        let (lo, hi) = (trunc(w.min.timestamp()), trunc(w.max.timestamp()));
        offers
            .iter()
            .filter(|(_, c)| {
                (if r.min_exclusive { *c > lo } else { *c >= lo })
                    && (if r.max_exclusive { *c < hi } else { *c <= hi })
            })
            .map(|(i, _)| i.to_string())
            .collect()
    }

    fn detect(r: BoundReading) -> (BoundReading, u32) {
        let base = 1_700_000_000 - 1_700_000_000 % 60;
        let offers: Vec<(&str, i64)> = vec![
            ("new", base + 50),
            ("k1", base + 20),
            ("k2", base + 20),
            ("edge", base + 21),
            ("old", base + 3),
            ("minute", base),
        ];
        let ids: Vec<String> = vec!["new".into(), "k1".into(), "k2".into(), "old".into()];
        let created = vec![
            Some(base + 50),
            Some(base + 20),
            Some(base + 20),
            Some(base + 3),
        ];
        let mut d = Detection::start(&ids, &created, false).unwrap();
        assert_eq!(d.t, base + 20);
        loop {
            let got = api(r, &offers, d.window());
            match d.answer(&got) {
                Verdict::Found(found) => return (found, d.probes),
                Verdict::Probe(..) => {}
            }
        }
    }

    #[test]
    fn every_reading_is_detected_in_few_probes() {
        for (min_exclusive, max_exclusive) in
            [(false, false), (true, false), (false, true), (true, true)]
        {
            let r = BoundReading {
                min_exclusive,
                max_exclusive,
                grain: 1,
            };
            let (found, probes) = detect(r);
            assert_eq!(found, r);
            assert!(probes <= 4);
        }
        assert_eq!(detect(BoundReading::default()).1, 1);
        for grain in [60, 86_400] {
            let r = BoundReading {
                grain,
                ..Default::default()
            };
            let (found, _) = detect(r);
            assert_eq!(found.grain, grain);
        }
    }

    #[test]
    fn a_request_covers_the_window_under_its_reading() {
        for grain in [1, 60, 3600, 86_400] {
            for (a, b) in [(false, false), (true, false), (false, true), (true, true)] {
                let r = BoundReading {
                    min_exclusive: a,
                    max_exclusive: b,
                    grain,
                };
                let (min, max) = (1_700_000_017, 1_700_000_089);
                let w = r.request(min, max);
                let offers: Vec<(String, i64)> = (min..=max).map(|t| (t.to_string(), t)).collect();
                let refs: Vec<(&str, i64)> = offers.iter().map(|(i, t)| (i.as_str(), *t)).collect();
                assert_eq!(api(r, &refs, w).len() as i64, max - min + 1, "{r:?}");
            }
        }
    }
}
