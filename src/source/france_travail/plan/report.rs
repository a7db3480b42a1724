//! What the plan reports: counters for the summary, the announced totals, what no request could
//! reach, the end-of-run recounts and the pages still owed.

use super::*;

impl Plan {
    /// Counters for the summary.
    pub fn counts(&self) -> PlanCounts {
        let mut c = PlanCounts {
            slices: self.slices.len() as u64,
            ..Default::default()
        };
        for s in &self.slices {
            if s.error.is_some() {
                c.failed += 1;
                continue;
            }
            match &s.state {
                SliceState::Done { .. } => c.done += 1,
                SliceState::Split { .. } => c.split += 1,
                SliceState::Capped { total, reachable } => {
                    c.capped += 1;
                    c.unreachable_offers += total.saturating_sub(*reachable);
                }
                SliceState::Failed { .. } => c.failed += 1,
                _ => c.pending += 1,
            }
        }
        c
    }

    /// What the API announced for the whole query: the sum of the first totals of the slices
    /// that partition it (the roots; for the grid, the national complements when present).
    pub fn announced_total(&self) -> Option<u64> {
        let roots: Vec<&Slice> = self
            .slices
            .iter()
            .filter(|s| s.origin == Origin::Root)
            .collect();
        let national: Vec<&&Slice> = roots
            .iter()
            .filter(|s| s.spec.departements.is_empty())
            .collect();
        let partition: Vec<&Slice> = if self.strategy == Strategy::Grid && !national.is_empty() {
            national.into_iter().copied().collect()
        } else {
            roots
        };
        partition.iter().map(|s| s.total()).sum()
    }

    /// Offers out of reach in capped slices under a root (already reported as such).
    pub fn unreachable_under(&self, root: u32) -> u64 {
        self.slices
            .iter()
            .filter(|s| self.root_of(s.id) == root)
            .map(|s| match s.state {
                SliceState::Capped { total, reachable } => total.saturating_sub(reachable),
                _ => 0,
            })
            .sum()
    }

    /// The roots read again at the end: (description, first total, end total, rows written
    /// plus offers already reported out of reach in capped slices, whether two end reads
    /// differed).
    pub fn recounts(&self) -> Vec<(String, u64, u64, u64, bool)> {
        self.slices
            .iter()
            .filter(|s| s.origin == Origin::Root)
            .filter_map(|s| {
                let whole = SliceSpec {
                    window: s.whole.unwrap_or(s.spec.window),
                    ..s.spec.clone()
                };
                Some((
                    whole.describe(),
                    s.first_total?,
                    s.end_total?,
                    s.written + self.unreachable_under(s.id),
                    s.end_again.is_some_and(|a| Some(a) != s.end_total)
                        || self.reading() != BoundReading::default(),
                ))
            })
            .collect()
    }

    /// Requests still owed (an estimate: a seek slice counts what its last total says is left).
    pub fn pages_owed(&self) -> u64 {
        let ps = self.page_size as u64;
        self.slices
            .iter()
            .map(|s| match &s.state {
                SliceState::Seek { last, .. } => last
                    .map(|(t, above)| t.saturating_sub(above).div_ceil(ps).max(1))
                    .unwrap_or(1),
                SliceState::Probe | SliceState::Failed { .. } => 1,
                SliceState::Passes { done, .. } => done.iter().filter(|d| !**d).count() as u64,
                _ => 0,
            })
            .sum()
    }
}
