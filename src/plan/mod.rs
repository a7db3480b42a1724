//! What to ask the API for: slices small enough for its 3150-result cap, and their pages.
//!
//! The plan is pure logic (no I/O): the collector asks it for the next page to fetch and tells it
//! what each page returned; the plan answers with new work. Invariants:
//! - every offer matching the query is in the reachable pages of some slice: a slice over the cap is
//!   cut — by creation time first (its newest reachable offers are paged, and a child covers the
//!   older remainder, up to the creation second of the last offer reached), then by département
//!   groups, then by ROME code — and only a slice that cannot be cut further is paged to the cap and
//!   reported as capped;
//! - decisions depend only on what the API returned, never on timing, so the same universe gives the
//!   same slices and the same offers;
//! - work that unlocks more work (probes, the page that reveals a cut) is handed out first.

pub mod adaptive;
pub mod grid;
pub mod slice;

use std::collections::{HashSet, VecDeque};

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use serde::{Deserialize, Serialize};

pub use slice::{Origin, Slice, SliceSpec, SliceState};

use crate::source::france_travail::params::{MAX_PAGE_SIZE, MAX_RANGE_END, MAX_RANGE_START};
use crate::source::france_travail::{CreationWindow, SearchParams};

/// How the query is cut into slices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// Start from the broadest query and cut only what exceeds the cap.
    Adaptive,
    /// The seed's systematic search: département × ROME code × calendar month.
    Grid,
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Strategy::Adaptive => "adaptive",
            Strategy::Grid => "grid",
        })
    }
}

/// One page to fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PageTask {
    pub slice: u32,
    pub page: u32,
}

/// What a page brought back (what the plan needs of it).
#[derive(Clone, Debug, Default)]
pub struct PageResult {
    /// The `Content-Range` total (`None` on a 204 without one).
    pub total: Option<u64>,
    /// Creation times (seconds since the epoch) of the offers of the page, in page order.
    pub created: Vec<i64>,
}

/// Counters for the summary.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanCounts {
    pub slices: u64,
    pub done: u64,
    pub split: u64,
    pub capped: u64,
    pub failed: u64,
    pub pending: u64,
    /// Offers a capped slice could not reach (its total minus its reachable offers).
    pub unreachable_offers: u64,
    /// Gaps found by the coverage check of a time cut (should stay 0).
    pub gaps: u64,
}

/// The plan's persistent state (in the checkpoint).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PlanState {
    pub strategy: Strategy,
    pub page_size: u32,
    pub keywords: Option<String>,
    pub slices: Vec<Slice>,
}

/// The slices, their states, and the queue of pages to fetch.
pub struct Plan {
    pub strategy: Strategy,
    pub page_size: u32,
    pub keywords: Option<String>,
    slices: Vec<Slice>,
    urgent: VecDeque<PageTask>,
    normal: VecDeque<PageTask>,
    in_flight: HashSet<PageTask>,
    gaps: u64,
}

impl Plan {
    /// A plan starting from `roots` (already cut by the strategy).
    pub fn new(
        strategy: Strategy,
        page_size: u32,
        keywords: Option<String>,
        roots: Vec<SliceSpec>,
    ) -> Plan {
        let mut plan = Plan {
            strategy,
            page_size: page_size.clamp(1, MAX_PAGE_SIZE),
            keywords,
            slices: Vec::new(),
            urgent: VecDeque::new(),
            normal: VecDeque::new(),
            in_flight: HashSet::new(),
            gaps: 0,
        };
        for spec in roots {
            plan.add_slice(None, Origin::Root, spec);
        }
        plan
    }

    /// Rebuilds a plan from a checkpoint: unfinished pages are queued again, failed slices start
    /// over from their probe.
    pub fn restore(state: PlanState) -> Plan {
        let mut plan = Plan {
            strategy: state.strategy,
            page_size: state.page_size,
            keywords: state.keywords,
            slices: state.slices,
            urgent: VecDeque::new(),
            normal: VecDeque::new(),
            in_flight: HashSet::new(),
            gaps: 0,
        };
        for i in 0..plan.slices.len() {
            let id = plan.slices[i].id;
            match plan.slices[i].state.clone() {
                SliceState::Failed { .. } | SliceState::Probe => {
                    plan.slices[i].state = SliceState::Probe;
                    plan.urgent.push_back(PageTask { slice: id, page: 0 });
                }
                SliceState::Paging { done, over_cap, .. } => {
                    let last = done.len() as u32 - 1;
                    for (p, d) in done.iter().enumerate() {
                        if !d {
                            let t = PageTask {
                                slice: id,
                                page: p as u32,
                            };
                            // The page that reveals the time cut unlocks the remainder: first.
                            let s = &plan.slices[i];
                            if over_cap && s.cut_by_time && p as u32 == last && s.boundary.is_none()
                            {
                                plan.urgent.push_back(t);
                            } else {
                                plan.normal.push_back(t);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        plan
    }

    /// The state to store in a checkpoint.
    pub fn state(&self) -> PlanState {
        PlanState {
            strategy: self.strategy,
            page_size: self.page_size,
            keywords: self.keywords.clone(),
            slices: self.slices.clone(),
        }
    }

    pub fn slices(&self) -> &[Slice] {
        &self.slices
    }

    pub fn slice(&self, id: u32) -> &Slice {
        &self.slices[id as usize]
    }

    /// Offers one query can reach with this page size.
    pub fn cap(&self) -> u64 {
        let last_start = (MAX_RANGE_START / self.page_size) * self.page_size;
        (last_start + self.page_size).min(MAX_RANGE_END + 1) as u64
    }

    /// The range of page `page`.
    pub fn range(&self, page: u32) -> (u32, u32) {
        let first = page * self.page_size;
        (first, (first + self.page_size - 1).min(MAX_RANGE_END))
    }

    fn pages_for(&self, total: u64) -> u32 {
        total.min(self.cap()).div_ceil(self.page_size as u64) as u32
    }

    /// The search parameters of a task.
    pub fn params(&self, t: PageTask) -> SearchParams {
        let (first, last) = self.range(t.page);
        self.slices[t.slice as usize]
            .spec
            .params(self.keywords.as_deref(), first, last)
    }

    /// The next page to fetch, if any is ready (probes and cut-revealing pages first).
    pub fn next_task(&mut self) -> Option<PageTask> {
        loop {
            let t = self
                .urgent
                .pop_front()
                .or_else(|| self.normal.pop_front())?;
            // Skip pages of slices that failed meanwhile.
            if matches!(
                self.slices[t.slice as usize].state,
                SliceState::Failed { .. }
            ) {
                continue;
            }
            self.in_flight.insert(t);
            return Some(t);
        }
    }

    /// True when no page is queued or in flight.
    pub fn is_idle(&self) -> bool {
        self.urgent.is_empty() && self.normal.is_empty() && self.in_flight.is_empty()
    }

    pub fn queued(&self) -> usize {
        self.urgent.len() + self.normal.len()
    }

    fn add_slice(&mut self, parent: Option<u32>, origin: Origin, spec: SliceSpec) -> u32 {
        let id = self.slices.len() as u32;
        self.slices.push(Slice {
            id,
            parent,
            origin,
            spec,
            state: SliceState::Probe,
            remainder: None,
            seen_created: Vec::new(),
            cut_by_time: false,
            boundary: None,
        });
        self.urgent.push_back(PageTask { slice: id, page: 0 });
        id
    }

    /// A page failed after its retries: its slice fails (it will start over on the next run).
    pub fn on_failure(&mut self, t: PageTask, error: String) {
        self.in_flight.remove(&t);
        let s = &mut self.slices[t.slice as usize];
        if !s.is_finished() {
            s.state = SliceState::Failed { error };
        }
    }

    /// A page was interrupted: it goes back to the queue (and into the checkpoint as pending).
    pub fn on_cancelled(&mut self, t: PageTask) {
        self.in_flight.remove(&t);
        if t.page == 0 {
            self.urgent.push_front(t);
        } else {
            self.normal.push_front(t);
        }
    }

    /// A page arrived and its offers reached the output.
    pub fn on_page(&mut self, t: PageTask, result: &PageResult) {
        self.in_flight.remove(&t);
        let idx = t.slice as usize;
        match self.slices[idx].state.clone() {
            SliceState::Probe => self.on_probe(t.slice, result),
            SliceState::Paging {
                total,
                pages,
                mut done,
                over_cap,
            } => {
                if (t.page as usize) < done.len() {
                    done[t.page as usize] = true;
                }
                if over_cap {
                    self.slices[idx]
                        .seen_created
                        .extend_from_slice(&result.created);
                }
                let all_done = done.iter().all(|d| *d);
                self.slices[idx].state = SliceState::Paging {
                    total,
                    pages,
                    done,
                    over_cap,
                };
                if over_cap && self.slices[idx].cut_by_time && t.page == pages - 1 {
                    self.on_cut_page(t.slice, result);
                }
                if all_done {
                    self.finish(t.slice);
                }
            }
            // A late page of a failed or finished slice: its offers were written, nothing changes.
            _ => {}
        }
    }

    fn on_probe(&mut self, id: u32, result: &PageResult) {
        let idx = id as usize;
        let total = result.total.unwrap_or(0);
        let cap = self.cap();
        self.notify_parent_of_total(id, total);
        if total <= cap {
            let pages = self.pages_for(total);
            if pages <= 1 {
                self.slices[idx].state = SliceState::Done { total };
                return;
            }
            let mut done = vec![false; pages as usize];
            done[0] = true;
            self.slices[idx].state = SliceState::Paging {
                total,
                pages,
                done,
                over_cap: false,
            };
            for p in 1..pages {
                self.normal.push_back(PageTask { slice: id, page: p });
            }
            return;
        }
        // Over the cap.
        let pages = self.pages_for(total);
        let mut done = vec![false; pages as usize];
        done[0] = true;
        self.slices[idx]
            .seen_created
            .extend_from_slice(&result.created);
        if self.slices[idx].spec.window_seconds() >= 2 {
            // Cut by time: page the newest reachable offers; the last reachable page reveals the
            // creation second below which a child takes over.
            self.slices[idx].state = SliceState::Paging {
                total,
                pages,
                done,
                over_cap: true,
            };
            self.slices[idx].cut_by_time = true;
            self.urgent.push_back(PageTask {
                slice: id,
                page: pages - 1,
            });
            for p in 1..pages - 1 {
                self.normal.push_back(PageTask { slice: id, page: p });
            }
        } else {
            self.cut_without_time(id, total, pages, done);
        }
    }

    /// A slice over the cap whose window cannot shrink: département groups, single départements,
    /// ROME codes, or capped.
    fn cut_without_time(&mut self, id: u32, total: u64, pages: u32, done: Vec<bool>) {
        let idx = id as usize;
        let spec = self.slices[idx].spec.clone();
        let children: Vec<(Origin, SliceSpec)> = adaptive::cut_without_time(&spec);
        if children.is_empty() {
            // Nothing left to cut: page to the cap, report as capped.
            log::warn!(
                "slice {} holds {total} offers, over the API's cap of {}, and cannot be cut further: it is paged to the cap",
                spec.describe(),
                self.cap()
            );
            self.slices[idx].state = SliceState::Paging {
                total,
                pages,
                done,
                over_cap: true,
            };
            for p in 1..pages {
                self.normal.push_back(PageTask { slice: id, page: p });
            }
            if pages == 1 {
                self.finish(id);
            }
            return;
        }
        let pages_parent = spec.departements.is_empty()
            && children.iter().all(|(o, _)| *o == Origin::Departements);
        for (origin, child) in children {
            self.add_slice(Some(id), origin, child);
        }
        if pages_parent {
            // Offers without a département are only reachable through this unfiltered slice:
            // page it to the cap as well.
            self.slices[idx].state = SliceState::Paging {
                total,
                pages,
                done,
                over_cap: true,
            };
            for p in 1..pages {
                self.normal.push_back(PageTask { slice: id, page: p });
            }
        } else {
            self.slices[idx].state = SliceState::Split { total };
        }
    }

    /// The last reachable page of a slice cut by time arrived: start the older remainder.
    fn on_cut_page(&mut self, id: u32, result: &PageResult) {
        let idx = id as usize;
        if self.slices[idx].boundary.is_some() {
            return;
        }
        let spec = self.slices[idx].spec.clone();
        let max = match result.created.iter().min() {
            // The remainder covers everything created up to the oldest reached offer's second,
            // plus one second: the bounds' inclusivity is undocumented, the overlap is deduplicated.
            Some(&oldest) => DateTime::from_timestamp(oldest + 1, 0).unwrap_or(spec.window.max),
            // The page came back empty (offers withdrawn meanwhile): cut the window in two.
            None => spec.window.min + (spec.window.max - spec.window.min) / 2,
        };
        self.slices[idx].boundary = Some(max);
        if max >= spec.window.max {
            // The newest reachable offers all share the window's last second: time cannot help.
            let children = adaptive::cut_without_time(&spec);
            if children.is_empty() {
                log::warn!(
                    "slice {} cannot be cut further: it is paged to the cap",
                    spec.describe()
                );
            }
            for (origin, child) in children {
                self.add_slice(Some(id), origin, child);
            }
            return;
        }
        let child = SliceSpec {
            window: CreationWindow {
                min: spec.window.min,
                max,
            },
            ..spec
        };
        let c = self.add_slice(Some(id), Origin::OlderRemainder, child);
        self.slices[idx].remainder = Some(c);
    }

    /// A child's total is known: its parent's time cut can be checked.
    fn notify_parent_of_total(&mut self, child: u32, _total: u64) {
        if let Some(parent) = self.slices[child as usize].parent {
            self.check_coverage(parent);
        }
    }

    /// Once a slice cut by time has all its pages and its remainder's total, checks that they
    /// cover its total: the offers reached at or after the boundary plus the remainder's total.
    /// A shortfall means the API's order was not strictly by creation date; the gap gets a slice.
    fn check_coverage(&mut self, id: u32) {
        let p = &self.slices[id as usize];
        let (Some(child), Some(boundary), SliceState::Split { total }) =
            (p.remainder, p.boundary, &p.state)
        else {
            return;
        };
        let Some(child_total) = self.slices[child as usize].total() else {
            return;
        };
        if p.seen_created.is_empty() {
            return; // already checked
        }
        let b = boundary.timestamp();
        let above = p.seen_created.iter().filter(|&&c| c >= b).count() as u64;
        let total = *total;
        let (origin, spec) = (p.origin, p.spec.clone());
        self.slices[id as usize].seen_created = Vec::new();
        if above + child_total < total {
            self.gaps += 1;
            log::warn!(
                "coverage check: {above} offers reached after the cut + {child_total} in the remainder < {total} for {}; adding a slice for the gap",
                spec.describe()
            );
            if origin != Origin::Gap {
                let gap = SliceSpec {
                    window: CreationWindow {
                        min: boundary,
                        max: spec.window.max,
                    },
                    ..spec
                };
                self.add_slice(Some(id), Origin::Gap, gap);
            }
        }
    }

    fn finish(&mut self, id: u32) {
        let idx = id as usize;
        let SliceState::Paging {
            total, over_cap, ..
        } = self.slices[idx].state.clone()
        else {
            return;
        };
        let has_children = self.slices.iter().any(|c| c.parent == Some(id));
        let cap = self.cap();
        let s = &mut self.slices[idx];
        s.state = if !over_cap {
            SliceState::Done { total }
        } else if has_children {
            SliceState::Split { total }
        } else {
            SliceState::Capped {
                total,
                reachable: total.min(cap),
            }
        };
        self.check_coverage(id);
    }

    /// Counters for the summary.
    pub fn counts(&self) -> PlanCounts {
        let mut c = PlanCounts {
            slices: self.slices.len() as u64,
            gaps: self.gaps,
            ..Default::default()
        };
        for s in &self.slices {
            match &s.state {
                SliceState::Done { .. } => c.done += 1,
                SliceState::Split { .. } => c.split += 1,
                SliceState::Capped { total, reachable } => {
                    c.capped += 1;
                    c.unreachable_offers += total - reachable;
                }
                SliceState::Failed { .. } => c.failed += 1,
                SliceState::Probe | SliceState::Paging { .. } => c.pending += 1,
            }
        }
        c
    }

    /// What the API announced for the whole query: the sum of the totals of the slices that
    /// partition it (the roots; for the grid, the national complements when present).
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

    /// Pages still owed (queued, or unknown for unprobed slices: counted as 1).
    pub fn pages_owed(&self) -> u64 {
        self.slices
            .iter()
            .map(|s| match &s.state {
                SliceState::Probe | SliceState::Failed { .. } => 1,
                SliceState::Paging { done, .. } => done.iter().filter(|d| !**d).count() as u64,
                _ => 0,
            })
            .sum()
    }
}

/// The run's creation window: `months` calendar months back from `now`, whole seconds.
pub fn window_for(now: DateTime<Utc>, months: u32) -> CreationWindow {
    let max = DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now);
    let min = max
        .checked_sub_months(chrono::Months::new(months))
        .unwrap_or(max - ChronoDuration::days(31 * months as i64));
    CreationWindow { min, max }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::collections::HashSet;

    /// An in-memory API: offers (id, created seconds, département, ROME code).
    struct Fake {
        offers: Vec<(u32, i64, Option<&'static str>, &'static str)>,
        calls: u64,
    }

    impl Fake {
        fn page(&mut self, spec: &SliceSpec, first: u32, last: u32) -> (PageResult, Vec<u32>) {
            self.calls += 1;
            let mut hits: Vec<_> = self
                .offers
                .iter()
                .filter(|(_, c, d, r)| {
                    *c >= spec.window.min.timestamp()
                        && *c <= spec.window.max.timestamp()
                        && spec.rome_codes.iter().any(|x| x == r)
                        && (spec.departements.is_empty()
                            || d.is_some_and(|d| spec.departements.iter().any(|x| x == d)))
                })
                .collect();
            hits.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let total = hits.len() as u64;
            let page: Vec<_> = hits
                .iter()
                .skip(first as usize)
                .take((last - first + 1) as usize)
                .collect();
            (
                PageResult {
                    total: (total > 0).then_some(total),
                    created: page.iter().map(|o| o.1).collect(),
                },
                page.iter().map(|o| o.0).collect(),
            )
        }
    }

    fn run(plan: &mut Plan, api: &mut Fake) -> HashSet<u32> {
        let mut seen = HashSet::new();
        while let Some(t) = plan.next_task() {
            let (first, last) = plan.range(t.page);
            let spec = plan.slice(t.slice).spec.clone();
            let (r, ids) = api.page(&spec, first, last);
            seen.extend(ids);
            plan.on_page(t, &r);
        }
        assert!(plan.is_idle());
        seen
    }

    fn window() -> CreationWindow {
        CreationWindow {
            min: Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
            max: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    fn codes() -> Vec<String> {
        vec!["M1811".into(), "M1405".into()]
    }

    #[test]
    fn a_big_query_is_cut_by_time_with_near_minimal_calls() {
        let w = window();
        let span = (w.max - w.min).num_seconds();
        let mut rng = fastrand::Rng::with_seed(3);
        let offers: Vec<_> = (0..20_000u32)
            .map(|i| {
                let c = w.min.timestamp() + (rng.f64().powi(3) * span as f64) as i64;
                (
                    i,
                    c,
                    Some(if i % 3 == 0 { "75" } else { "69" }),
                    if i % 2 == 0 { "M1811" } else { "M1405" },
                )
            })
            .collect();
        let mut api = Fake { offers, calls: 0 };
        let mut plan = Plan::new(
            Strategy::Adaptive,
            150,
            None,
            adaptive::roots(&codes(), None, w),
        );
        let seen = run(&mut plan, &mut api);
        assert_eq!(seen.len(), 20_000);
        let minimal = 20_000u64.div_ceil(150);
        assert!(
            api.calls as f64 <= minimal as f64 * 1.05,
            "{} calls for {minimal}",
            api.calls
        );
        assert_eq!(plan.announced_total(), Some(20_000));
        let c = plan.counts();
        assert_eq!((c.failed, c.capped, c.pending, c.gaps), (0, 0, 0, 0));
        assert!(c.split >= 6, "{c:?}");
    }

    #[test]
    fn one_crowded_second_is_cut_by_departement_then_rome_then_capped() {
        let w = window();
        let t = w.min.timestamp() + 1000;
        let mut offers = Vec::new();
        let mut id = 0;
        // 4000 offers in one second in Paris for one code: nothing can cut them (capped);
        // 2000 + 2000 in Lyon for two codes: cut by ROME code; 100 without a département.
        for _ in 0..4000 {
            offers.push((id, t, Some("75"), "M1811"));
            id += 1;
        }
        for k in 0..4000 {
            offers.push((
                id,
                t,
                Some("69"),
                if k % 2 == 0 { "M1811" } else { "M1405" },
            ));
            id += 1;
        }
        for _ in 0..100 {
            offers.push((id, t, None, "M1811"));
            id += 1;
        }
        let expected_reachable: HashSet<u32> = (0..3150).chain(4000..8100).collect();
        let mut api = Fake { offers, calls: 0 };
        let spec = SliceSpec {
            rome_codes: codes(),
            departements: vec![],
            window: CreationWindow {
                min: DateTime::from_timestamp(t, 0).unwrap(),
                max: DateTime::from_timestamp(t, 0).unwrap(),
            },
        };
        let mut plan = Plan::new(Strategy::Adaptive, 150, None, vec![spec]);
        let seen = run(&mut plan, &mut api);
        // Offers without a département come through the unfiltered parent (paged to the cap, in
        // the fake's id order: Paris first), so here only the reachable Paris and Lyon ones count.
        assert!(
            expected_reachable
                .iter()
                .filter(|i| **i < 8000)
                .all(|i| seen.contains(i))
        );
        let c = plan.counts();
        assert_eq!(c.capped, 1, "{c:?}");
        assert_eq!(c.unreachable_offers, 4000 - 3150);
    }

    #[test]
    fn small_page_sizes_respect_the_range_rules() {
        let mut plan = Plan::new(Strategy::Adaptive, 7, None, vec![]);
        assert_eq!(plan.cap(), 3003);
        assert_eq!(plan.range(428), (2996, 3002));
        plan.page_size = 150;
        assert_eq!(plan.cap(), 3150);
        assert_eq!(plan.range(20), (3000, 3149));
        plan.page_size = 100;
        assert_eq!(plan.cap(), 3100);
    }

    #[test]
    fn a_resume_anywhere_costs_only_the_pages_still_owed() {
        // Slices cut by time check their coverage from the creation times their pages returned;
        // a restored slice must still have those of the pages fetched before the checkpoint
        // (a partial list made the check see a gap and fetch the whole window again).
        let w = window();
        let span = (w.max - w.min).num_seconds();
        let mut rng = fastrand::Rng::with_seed(8);
        let offers: Vec<_> = (0..12_000u32)
            .map(|i| {
                let c = w.min.timestamp() + (rng.f64().powi(3) * span as f64) as i64;
                (i, c, Some("75"), if i % 2 == 0 { "M1811" } else { "M1405" })
            })
            .collect();
        let new_plan = || {
            Plan::new(
                Strategy::Adaptive,
                150,
                None,
                adaptive::roots(&codes(), None, w),
            )
        };
        let mut api = Fake {
            offers: offers.clone(),
            calls: 0,
        };
        let mut clean = new_plan();
        assert_eq!(run(&mut clean, &mut api).len(), 12_000);
        let clean_calls = api.calls;
        for crash_after in [2, 3, 10, 22, 23, 24, 45, 50, 70] {
            let mut api = Fake {
                offers: offers.clone(),
                calls: 0,
            };
            let mut plan = new_plan();
            let mut seen = HashSet::new();
            for _ in 0..crash_after {
                let t = plan.next_task().unwrap();
                let (first, last) = plan.range(t.page);
                let (r, ids) = api.page(&plan.slice(t.slice).spec.clone(), first, last);
                seen.extend(ids);
                plan.on_page(t, &r);
            }
            // Pages handed out but lost with the process.
            let _in_flight: Vec<_> = (0..3).filter_map(|_| plan.next_task()).collect();
            let json = serde_json::to_string(&plan.state()).unwrap();
            let mut restored = Plan::restore(serde_json::from_str(&json).unwrap());
            seen.extend(run(&mut restored, &mut api));
            assert_eq!(seen.len(), 12_000, "crash after {crash_after}");
            assert_eq!(restored.counts().gaps, 0, "crash after {crash_after}");
            assert_eq!(api.calls, clean_calls, "crash after {crash_after}");
        }
    }

    #[test]
    fn restore_requeues_exactly_the_unfinished_pages() {
        let w = window();
        let offers: Vec<_> = (0..1000u32)
            .map(|i| (i, w.min.timestamp() + i as i64 * 60, Some("75"), "M1811"))
            .collect();
        let mut api = Fake { offers, calls: 0 };
        let mut plan = Plan::new(
            Strategy::Adaptive,
            100,
            None,
            adaptive::roots(&codes(), None, w),
        );
        // Probe, then two pages, then "crash".
        for _ in 0..3 {
            let t = plan.next_task().unwrap();
            let (first, last) = plan.range(t.page);
            let (r, _) = api.page(&plan.slice(t.slice).spec.clone(), first, last);
            plan.on_page(t, &r);
        }
        let in_flight = plan.next_task().unwrap();
        let state = plan.state();
        let json = serde_json::to_string(&state).unwrap();
        let mut restored = Plan::restore(serde_json::from_str(&json).unwrap());
        let mut pages = Vec::new();
        while let Some(t) = restored.next_task() {
            pages.push(t.page);
        }
        pages.sort();
        assert!(pages.contains(&in_flight.page));
        assert_eq!(pages, vec![3, 4, 5, 6, 7, 8, 9]);
    }
}
