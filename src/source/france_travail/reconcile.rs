//! The reconciliation: what a run can prove about its completeness, from the plan alone.
//!
//! Invariants: a run is complete only when every slice is proven (seek slices reached their
//! window's start through atomic pages, cut units' parts add up, passes reached the unit's
//! total) and every root's total read again at the end is matched by the rows its slices wrote —
//! or the difference is explained by the stock moving during the run (totals that did not add
//! up). Anything else is a named gap.

use serde::{Deserialize, Serialize};

use crate::source::france_travail::plan::{Observed, Plan, SliceState};

/// One root, read at the start and again at the end.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootCheck {
    pub slice: String,
    pub start_total: u64,
    pub end_total: u64,
    /// Rows written, plus offers reported out of reach by capped slices (counted once, there).
    pub written: u64,
    /// The end total read twice gave two values (totals drift), or the requests reach past the
    /// window (bounds read exclusively or coarsely): the end total proves no gap.
    #[serde(default)]
    pub drifting: bool,
}

/// The summary's account of the proof.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reconciliation {
    /// How the API was found to read the creation bounds.
    pub bounds: Option<String>,
    /// Slices proven complete, and slices in all.
    pub proven: u64,
    pub slices: u64,
    /// Each root's totals at the start and the end against the rows written.
    pub roots: Vec<RootCheck>,
    /// What the run saw of the API.
    pub observed: Observed,
    /// Offers the API counts at the end beyond what was written, with no movement of the stock
    /// to explain them.
    pub unexplained_gap: u64,
}

impl Reconciliation {
    /// The account of `plan` once its work is over.
    pub fn of(plan: &Plan) -> Reconciliation {
        let o = plan.observed().clone();
        let proven = plan
            .slices()
            .iter()
            .filter(|s| s.error.is_none())
            .filter(|s| matches!(s.state, SliceState::Done { .. } | SliceState::Split { .. }))
            .count() as u64;
        let roots: Vec<RootCheck> = plan
            .recounts()
            .into_iter()
            .map(
                |(slice, start_total, end_total, written, drifting)| RootCheck {
                    slice,
                    start_total,
                    end_total,
                    written,
                    drifting,
                },
            )
            .collect();
        let unexplained_gap = roots
            .iter()
            .filter(|r| !stock_moved(&o, r))
            .map(|r| r.end_total.saturating_sub(r.written))
            .sum();
        Reconciliation {
            bounds: o.bounds.map(|b| b.describe()),
            proven,
            slices: plan.slices().len() as u64,
            roots,
            observed: o,
            unexplained_gap,
        }
    }

    /// Problems to report (each names the slice and the gap).
    pub fn problems(&self) -> Vec<String> {
        self.roots
            .iter()
            .filter(|r| r.end_total > r.written && !stock_moved(&self.observed, r))
            .map(|r| {
                format!(
                    "reconciliation: the API counts {} offers for {} at the end of the run, {} were written: {} missing, and the stock did not move to explain it",
                    r.end_total,
                    r.slice,
                    r.written,
                    r.end_total - r.written
                )
            })
            .collect()
    }

    /// Lines for the human summary.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(b) = &self.bounds {
            out.push(format!("date bounds: {b}"));
        }
        out.push(format!(
            "proof: {} of {} slices proven complete",
            self.proven, self.slices
        ));
        for r in &self.roots {
            let verdict = if r.written >= r.end_total && r.start_total == r.end_total {
                "equal".to_string()
            } else if r.drifting {
                "inconclusive: totals drift from one read to the next, or requests reach past the window (bounds read exclusively or coarsely)".to_string()
            } else if stock_moved(&self.observed, r) {
                format!(
                    "the stock moved during the run ({} → {}): offers published or withdrawn meanwhile are outside the promise",
                    r.start_total, r.end_total
                )
            } else if r.written >= r.end_total {
                "all held".to_string()
            } else {
                format!("{} MISSING", r.end_total - r.written)
            };
            out.push(format!(
                "{}: announced {} at the start, {} at the end; {} written — {verdict}",
                r.slice, r.start_total, r.end_total, r.written
            ));
        }
        let o = &self.observed;
        let mut seen = Vec::new();
        for (n, what) in [
            (o.short_pages, "short pages"),
            (o.overstated_ranges, "overstated Content-Range"),
            (o.inconsistent_totals, "totals that did not add up"),
            (o.crowded_units, "seconds over a page"),
            (o.cuts, "cuts by filter"),
            (o.passes, "offset passes"),
            (o.confirmations, "ends confirmed"),
            (o.restarts, "restarts after bound detection"),
            (
                o.rechecks,
                "roots collected again after a recount shortfall",
            ),
        ] {
            if n > 0 {
                seen.push(format!("{n} {what}"));
            }
        }
        if !seen.is_empty() {
            out.push(format!("seen: {}", seen.join(", ")));
        }
        out
    }
}

/// The stock of a root moved during the run (its total differs at both ends), or its totals
/// drift (two reads at the end differ): a difference with the rows written proves no gap then.
/// A total equal at both ends and read twice alike, above the rows written, is a gap — after
/// the plan collected that root once more.
fn stock_moved(_o: &Observed, r: &RootCheck) -> bool {
    r.start_total != r.end_total || r.drifting
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(start: u64, end: u64, written: u64) -> RootCheck {
        RootCheck {
            slice: "M1811 × all départements".into(),
            start_total: start,
            end_total: end,
            written,
            drifting: false,
        }
    }

    fn rec(roots: Vec<RootCheck>, inconsistent: u64) -> Reconciliation {
        let observed = Observed {
            inconsistent_totals: inconsistent,
            ..Default::default()
        };
        let unexplained_gap = roots
            .iter()
            .filter(|r| !stock_moved(&observed, r))
            .map(|r| r.end_total.saturating_sub(r.written))
            .sum();
        Reconciliation {
            roots,
            observed,
            unexplained_gap,
            ..Default::default()
        }
    }

    #[test]
    fn a_still_stock_with_fewer_rows_is_an_unexplained_gap() {
        let r = rec(vec![root(1000, 1000, 990)], 0);
        assert_eq!(r.unexplained_gap, 10);
        let p = r.problems();
        assert_eq!(p.len(), 1);
        assert!(p[0].contains("10 missing"), "{p:?}");
    }

    #[test]
    fn a_moving_stock_explains_a_difference() {
        let r = rec(vec![root(1000, 1012, 995)], 0);
        assert_eq!(r.unexplained_gap, 0);
        assert!(r.problems().is_empty());
        assert!(r.lines().iter().any(|l| l.contains("stock moved")));
        let r = rec(vec![root(1000, 1000, 1000)], 0);
        assert!(r.problems().is_empty());
        assert!(r.lines().iter().any(|l| l.ends_with("equal")));
    }
}
