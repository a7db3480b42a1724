//! What to ask the API for, and the proof that every offer was asked for.
//!
//! The plan is pure logic (no I/O): the collector asks it for the next request and tells it what
//! each request returned; the plan answers with new work. It pages by **seeking on the creation
//! time**, never by trusting offsets across requests:
//!
//! - a *seek* slice asks for the newest offers (`sort=1`, range `0-149`) created in
//!   `[min, cursor]`; the page is an atomic snapshot of the top of that window, so it holds every
//!   offer created strictly between its oldest offer's second and the cursor. The next request
//!   moves the cursor down to that oldest second (the overlap is deduplicated). Neither a moving
//!   stock, nor an unstable order among equal timestamps, nor a short page can make it skip an
//!   offer that stays online: each second is covered by one response that holds all of it.
//! - a grain unit (one second, usually) holding more offers than a page becomes a *unit* slice:
//!   cut by every partitioning filter (départements, ROME codes, contract types), the parts
//!   checked against the parent's total; what no part covers (offers without a département) is
//!   fetched by offset passes over the parent, repeated until the distinct offers held reach its
//!   total. Only then can something be *capped*, with the exact number missing.
//! - a seek slice with many offers left is cut in two by time so that the workers have work.
//! - how the API reads the date bounds (inclusive or not, to the second or coarser) is detected
//!   by probes around a second known to hold offers ([`bounds`]) before anything else is planned.
//! - at the end, each root's total is read again and compared with the rows its slices wrote.
//!
//! Invariants: decisions depend only on what the API returned; a slice's state only records what
//! pages that reached the output proved; a failed slice resumes from its state.

pub mod adaptive;
pub mod bounds;
mod detection;
pub mod grid;
pub mod partition;
mod report;
mod seek;
pub mod slice;
mod unit;

use std::collections::{BTreeSet, HashMap, VecDeque};

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use serde::{Deserialize, Serialize};

pub use bounds::BoundReading;
pub use slice::{Origin, Slice, SliceSpec, SliceState};

use crate::source::france_travail::params::{MAX_PAGE_SIZE, MAX_RANGE_END, MAX_RANGE_START};
use crate::source::france_travail::{CreationWindow, SearchParams};
use bounds::{Detection, Verdict};

/// Offset passes over one unit before what is still missing is reported as capped.
const MAX_PASSES: u32 = 24;
/// While the stock moves, passes in a row that must bring nothing new before a unit is held.
const QUIET_PASSES: u32 = 6;
/// A seek slice is cut by time only into parts of at least this many pages each.
const SPLIT_MIN_PART_PAGES: u64 = 2;

pub use crate::collect::source::{PageResult, PlanCounts};

/// How the query is cut into slices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// Start from the broadest query and cut only what the work needs.
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

/// What a request is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TaskKind {
    /// The next page of a seek slice.
    Seek,
    /// The first page of a unit or of one part of a cut.
    Probe,
    /// A page of an offset pass over a unit.
    Pass,
    /// A probe of the bound detection.
    Detect,
    /// A root's total, read again at the end.
    Recount,
}

/// One request to make.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PageTask {
    pub slice: u32,
    pub page: u32,
    pub kind: TaskKind,
    /// The plan's epoch when the task was handed out: a task of an earlier epoch (before the
    /// bound detection started the plan over) never stands for one of the current epoch.
    pub epoch: u32,
}

/// What the run saw of the API's behaviour (for the summary and the verdict).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observed {
    /// How the API reads the date bounds, once detected.
    pub bounds: Option<BoundReading>,
    /// Requests spent detecting it.
    pub detection_probes: u64,
    /// Slices started over because the bounds turned out to be read differently.
    pub restarts: u64,
    /// Pages holding fewer offers than the total said remained.
    pub short_pages: u64,
    /// Pages whose `Content-Range` claimed more offers than the body held.
    pub overstated_ranges: u64,
    /// Successive totals of a seek slice that did not add up (the stock moved, or totals drift).
    pub inconsistent_totals: u64,
    /// Grain units holding more offers than a page, cuts by filter, offset passes.
    pub crowded_units: u64,
    pub cuts: u64,
    pub passes: u64,
    /// Seek ends confirmed by one more request (pages short or totals inconsistent).
    pub confirmations: u64,
    /// Seek slices cut in two by time for parallelism.
    pub time_splits: u64,
    /// Roots collected once more because their final total exceeded the rows written.
    #[serde(default)]
    pub rechecks: u64,
}

/// The plan's persistent state (in the checkpoint).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PlanState {
    pub strategy: Strategy,
    pub page_size: u32,
    pub keywords: Option<String>,
    pub slices: Vec<Slice>,
    #[serde(default)]
    pub reading: Option<BoundReading>,
    #[serde(default)]
    pub detection: Option<Detection>,
    #[serde(default)]
    pub observed: Observed,
    #[serde(default)]
    pub recounted: bool,
}

/// A request handed out: what was sent, under which reading.
#[derive(Clone, Debug)]
struct Asked {
    params: SearchParams,
    /// The cursor of a seek page.
    cursor: i64,
    epoch: u32,
    /// The root the request works for (roots keep their ids when detection starts over).
    root: u32,
}

/// The slices, their states, and the queue of requests.
pub struct Plan {
    pub strategy: Strategy,
    pub page_size: u32,
    pub keywords: Option<String>,
    slices: Vec<Slice>,
    reading: Option<BoundReading>,
    detection: Option<Detection>,
    observed: Observed,
    recounted: bool,
    ready: VecDeque<PageTask>,
    /// Held back until the bounds are known.
    deferred: Vec<PageTask>,
    in_flight: HashMap<PageTask, Asked>,
    /// Bumped when detection restarts every slice: answers to older requests change nothing.
    epoch: u32,
    parallelism: usize,
}

impl Plan {
    /// A plan starting from `roots` (already cut by the strategy).
    pub fn new(
        strategy: Strategy,
        page_size: u32,
        keywords: Option<String>,
        roots: Vec<SliceSpec>,
    ) -> Plan {
        let mut plan = Plan::empty(PlanState {
            strategy,
            page_size: page_size.clamp(1, MAX_PAGE_SIZE),
            keywords,
            slices: Vec::new(),
            reading: None,
            detection: None,
            observed: Observed::default(),
            recounted: false,
        });
        for spec in roots {
            plan.add_seek(None, Origin::Root, spec);
        }
        plan
    }

    fn empty(state: PlanState) -> Plan {
        Plan {
            strategy: state.strategy,
            page_size: state.page_size,
            keywords: state.keywords,
            slices: state.slices,
            reading: state.reading,
            detection: state.detection,
            observed: state.observed,
            recounted: state.recounted,
            ready: VecDeque::new(),
            deferred: Vec::new(),
            in_flight: HashMap::new(),
            epoch: 0,
            parallelism: 1,
        }
    }

    /// Rebuilds a plan from a checkpoint: every unfinished slice continues from its state (failed
    /// ones too), the requests in flight when it was written are made again.
    pub fn restore(state: PlanState) -> Plan {
        let mut plan = Plan::empty(state);
        if let Some(d) = &plan.detection {
            let root = d.root;
            plan.push(task(root, 0, TaskKind::Detect));
        }
        for i in 0..plan.slices.len() {
            plan.slices[i].error = None;
            let id = i as u32;
            match plan.slices[i].state.clone() {
                SliceState::Seek { .. } => plan.push(task(id, 0, TaskKind::Seek)),
                SliceState::Probe | SliceState::Failed { .. } => {
                    plan.slices[i].state = SliceState::Probe;
                    plan.push(task(id, 0, TaskKind::Probe))
                }
                SliceState::Passes { done, .. } => {
                    for (p, d) in done.iter().enumerate() {
                        if !d {
                            plan.push(task(id, p as u32, TaskKind::Pass));
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
            reading: self.reading,
            detection: self.detection.clone(),
            observed: self.observed.clone(),
            recounted: self.recounted,
        }
    }

    /// How many requests the collector runs at once: seek slices are cut by time until there
    /// is work for that many.
    pub fn set_parallelism(&mut self, n: usize) {
        self.parallelism = n.max(1);
    }

    pub fn slices(&self) -> &[Slice] {
        &self.slices
    }

    pub fn slice(&self, id: u32) -> &Slice {
        &self.slices[id as usize]
    }

    /// The slice a task works for; `None` for a task from before the bound detection started
    /// the plan over (its slice may be gone, or its id now name another).
    pub fn slice_of(&self, t: PageTask) -> Option<&Slice> {
        (t.epoch == self.epoch)
            .then(|| self.slices.get(t.slice as usize))
            .flatten()
    }

    pub fn observed(&self) -> &Observed {
        &self.observed
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
        total.min(self.cap()).div_ceil(self.page_size as u64).max(1) as u32
    }

    fn reading(&self) -> BoundReading {
        self.reading.unwrap_or_default()
    }

    /// The search parameters of a task handed out by [`Plan::next_task`].
    pub fn params(&self, t: PageTask) -> SearchParams {
        match self.in_flight.get(&t) {
            Some(a) => a.params.clone(),
            None => self.build(t).0,
        }
    }

    /// What to send for a task, and the seek cursor it uses.
    fn build(&self, t: PageTask) -> (SearchParams, i64) {
        let kw = self.keywords.as_deref();
        let s = &self.slices[t.slice as usize];
        let r = self.reading();
        match t.kind {
            TaskKind::Seek => {
                let cursor = match s.state {
                    SliceState::Seek { cursor, .. } => cursor,
                    _ => s.spec.max(),
                };
                let (first, last) = self.range(0);
                let w = r.request(s.spec.min(), cursor);
                (s.spec.params_for(kw, w, first, last), cursor)
            }
            TaskKind::Probe | TaskKind::Pass => {
                let (first, last) = self.range(t.page);
                let w = r.request(s.spec.min(), s.spec.max());
                (s.spec.params_for(kw, w, first, last), s.spec.max())
            }
            TaskKind::Recount => {
                let (first, last) = self.range(0);
                let whole = s.whole.unwrap_or(s.spec.window);
                let w = r.request(whole.min.timestamp(), whole.max.timestamp());
                (s.spec.params_for(kw, w, first, last), whole.max.timestamp())
            }
            TaskKind::Detect => {
                let root = &self.slices[t.slice as usize];
                let (first, last) = self.range(0);
                let w = self
                    .detection
                    .as_ref()
                    .map(Detection::window)
                    .unwrap_or(root.spec.window);
                (root.spec.params_for(kw, w, first, last), 0)
            }
        }
    }

    /// Queues a task, or holds it back while the bounds are not known (seeks and the detection
    /// run before: a reading other than the documented one starts every slice over).
    fn push(&mut self, t: PageTask) {
        let early = t.kind == TaskKind::Detect || t.kind == TaskKind::Seek;
        if self.reading.is_none() && !early {
            self.deferred.push(t);
        } else if t.kind == TaskKind::Detect || t.kind == TaskKind::Probe {
            // Work that unlocks more work first.
            self.ready.push_front(t);
        } else {
            self.ready.push_back(t);
        }
    }

    /// The next request, if one is ready.
    pub fn next_task(&mut self) -> Option<PageTask> {
        loop {
            let Some(mut t) = self.ready.pop_front() else {
                if self.in_flight.is_empty() {
                    self.settle();
                    if !self.ready.is_empty() {
                        continue;
                    }
                }
                return None;
            };
            if t.kind != TaskKind::Detect && t.kind != TaskKind::Recount {
                let s = &self.slices[t.slice as usize];
                if s.is_finished() || s.error.is_some() {
                    continue;
                }
            }
            t.epoch = self.epoch;
            let (params, cursor) = self.build(t);
            let root = self.root_of(t.slice);
            self.in_flight.insert(
                t,
                Asked {
                    params,
                    cursor,
                    epoch: self.epoch,
                    root,
                },
            );
            return Some(t);
        }
    }

    /// Nothing queued, nothing in flight: end a detection that found no second to probe, then
    /// read the roots' totals again.
    fn settle(&mut self) {
        if self.reading.is_none() && self.detection.is_none() {
            // No seek page had a second with offers on both sides: nothing to probe. The query
            // holds very few offers; read the bounds as documented.
            self.found(BoundReading::default(), false);
            if !self.ready.is_empty() {
                return;
            }
        }
        let all_finished = self
            .slices
            .iter()
            .all(|s| s.is_finished() || s.error.is_some());
        let failed = self.slices.iter().any(|s| s.error.is_some());
        if self.strategy == Strategy::Adaptive
            && all_finished
            && !failed
            && !self.recounted
            && self.reading.is_some()
        {
            self.recounted = true;
            for i in 0..self.slices.len() {
                if self.slices[i].origin == Origin::Root {
                    self.slices[i].end_total = None;
                    self.slices[i].end_again = None;
                    self.ready.push_back(task(i as u32, 0, TaskKind::Recount));
                    self.ready.push_back(task(i as u32, 1, TaskKind::Recount));
                }
            }
        }
    }

    /// True when no request is queued or in flight.
    pub fn is_idle(&self) -> bool {
        self.ready.is_empty() && self.in_flight.is_empty()
    }

    pub fn queued(&self) -> usize {
        self.ready.len() + self.deferred.len()
    }

    fn add_slice(&mut self, parent: Option<u32>, origin: Origin, spec: SliceSpec) -> u32 {
        let id = self.slices.len() as u32;
        let spec_window = spec.window;
        let state = if matches!(origin, Origin::Root | Origin::OlderRemainder) {
            SliceState::Seek {
                cursor: spec.max(),
                pages: 0,
                last: None,
                confirming: false,
            }
        } else {
            SliceState::Probe
        };
        self.slices.push(Slice {
            id,
            parent,
            origin,
            spec,
            state,
            first_total: None,
            error: None,
            ids: BTreeSet::new(),
            whole: (origin == Origin::Root).then_some(spec_window),
            written: 0,
            end_total: None,
            end_again: None,
            rechecks: 0,
        });
        id
    }

    fn add_seek(&mut self, parent: Option<u32>, origin: Origin, spec: SliceSpec) -> u32 {
        let id = self.add_slice(parent, origin, spec);
        self.push(task(id, 0, TaskKind::Seek));
        id
    }

    fn add_probe(&mut self, parent: u32, origin: Origin, spec: SliceSpec) -> u32 {
        let id = self.add_slice(Some(parent), origin, spec);
        self.push(task(id, 0, TaskKind::Probe));
        id
    }

    /// A request failed after its retries: its slice stops for this run and resumes next time.
    pub fn on_failure(&mut self, t: PageTask, error: String) {
        if self.in_flight.remove(&t).is_none() || t.epoch != self.epoch {
            return;
        }
        if t.kind == TaskKind::Detect || t.kind == TaskKind::Recount {
            self.slices[t.slice as usize].error.get_or_insert(error);
            return;
        }
        let s = &mut self.slices[t.slice as usize];
        if !s.is_finished() {
            s.error = Some(error);
        }
    }

    /// A request was interrupted: it goes back to the queue (and into the checkpoint as pending).
    pub fn on_cancelled(&mut self, t: PageTask) {
        if self.in_flight.remove(&t).is_some() && t.epoch == self.epoch {
            if t.kind == TaskKind::Recount {
                self.recounted = false;
            }
            self.ready.push_front(t);
        }
    }

    /// A page arrived and `written` of its offers were new rows in the output.
    pub fn on_page(&mut self, t: PageTask, result: &PageResult, written: u64) {
        let Some(asked) = self.in_flight.remove(&t) else {
            return;
        };
        // Rows an answer wrote count for its root even when detection started the plan over
        // meanwhile (the answer itself then changes nothing).
        self.slices[asked.root as usize].written += written;
        if asked.epoch != self.epoch {
            return;
        }
        match t.kind {
            TaskKind::Detect => self.on_detect(result),
            TaskKind::Recount => self.on_recount(t.slice, result),
            TaskKind::Seek => self.on_seek(t.slice, asked.cursor, result),
            TaskKind::Probe => self.on_probe(t.slice, result),
            TaskKind::Pass => self.on_pass(t, result),
        }
    }

    fn root_of(&self, mut id: u32) -> u32 {
        while let Some(p) = self.slices[id as usize].parent {
            id = p;
        }
        id
    }

    /// True once the run has seen pages or totals it cannot take at face value: ends of seek
    /// slices are then confirmed by one more request.
    fn doubtful(&self) -> bool {
        let o = &self.observed;
        o.short_pages + o.overstated_ranges + o.inconsistent_totals > 0
    }

    /// Notes a page shorter than what its total says remains from `first` on, and a
    /// `Content-Range` claiming more than the body holds.
    fn observe(&mut self, r: &PageResult, first: u64) {
        let n = r.ids.len() as u64;
        let total = r.total.unwrap_or(0);
        if n < total.saturating_sub(first).min(self.page_size as u64) {
            self.observed.short_pages += 1;
        }
        if r.declared.is_some_and(|d| d > n) {
            self.observed.overstated_ranges += 1;
        }
    }

    /// A root's total read again at the end. A shortfall on a stock that did not move means an
    /// answer lied (an offer missing from a page that claimed it all): the root is collected
    /// once more from scratch, its rows deduplicated, and read again.
    fn on_recount(&mut self, id: u32, r: &PageResult) {
        let idx = id as usize;
        let read = r.total.unwrap_or(0);
        let s = &mut self.slices[idx];
        match s.end_total {
            None => s.end_total = Some(read),
            Some(_) => s.end_again = Some(read),
        }
        let (Some(end), Some(again)) = (s.end_total, s.end_again) else {
            return;
        };
        let known = self.unreachable_under(id);
        let s = &self.slices[idx];
        // Totals that did not add up along the way may be a moving stock or a lying page:
        // when the root's total is the same at both ends (and twice at the end), collecting it
        // once more tells.
        let exact = self.reading() == BoundReading::default();
        let still = exact && s.first_total == Some(end) && again == end;
        if still && end > s.written + known && s.rechecks == 0 {
            log::warn!(
                "{}: the API counts {end} offers, {} were written; collecting it once more",
                s.spec.describe(),
                s.written
            );
            let whole = SliceSpec {
                window: s.whole.unwrap_or(s.spec.window),
                ..s.spec.clone()
            };
            self.slices[idx].rechecks += 1;
            self.observed.rechecks += 1;
            self.add_seek(Some(id), Origin::OlderRemainder, whole);
            self.recounted = false;
        }
    }
}

/// A fingerprint of a page's ids in order.
fn fingerprint(ids: &[String]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    ids.hash(&mut h);
    h.finish()
}

fn task(slice: u32, page: u32, kind: TaskKind) -> PageTask {
    PageTask {
        slice,
        page,
        kind,
        epoch: 0,
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
mod tests;
