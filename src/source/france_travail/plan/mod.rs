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
pub mod grid;
pub mod partition;
pub mod slice;

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

    // ---- bound detection ----

    fn on_detect(&mut self, r: &PageResult) {
        self.observed.detection_probes += 1;
        let Some(d) = self.detection.as_mut() else {
            return;
        };
        let root = d.root;
        match d.answer(&r.ids) {
            Verdict::Probe(..) => self.push(task(root, 0, TaskKind::Detect)),
            Verdict::Found(reading) => {
                self.detection = None;
                self.found(reading, true);
            }
        }
    }

    /// The bounds are known: release the work held back; if they are not read as the roots'
    /// first pages assumed, start every slice over.
    fn found(&mut self, reading: BoundReading, detected: bool) {
        self.reading = Some(reading);
        if detected {
            self.observed.bounds = Some(reading);
        }
        log::info!(
            "the API reads the creation bounds so: {}",
            reading.describe()
        );
        if reading != BoundReading::default() {
            self.observed.restarts += 1;
            self.epoch += 1;
            let roots: Vec<Slice> = self
                .slices
                .iter()
                .filter(|s| s.origin == Origin::Root)
                .cloned()
                .collect();
            self.slices.clear();
            self.ready.clear();
            self.deferred.clear();
            for mut s in roots {
                let id = self.slices.len() as u32;
                s.id = id;
                // Time splits made before the bounds were known narrowed the root.
                s.spec.window = s.whole.unwrap_or(s.spec.window);
                s.state = SliceState::Seek {
                    cursor: s.spec.max(),
                    pages: 0,
                    last: None,
                    confirming: false,
                };
                s.first_total = None;
                self.slices.push(s);
                self.push(task(id, 0, TaskKind::Seek));
            }
            return;
        }
        for t in std::mem::take(&mut self.deferred) {
            self.push(t);
        }
    }

    // ---- seek slices ----

    fn on_seek(&mut self, id: u32, cursor: i64, r: &PageResult) {
        let idx = id as usize;
        let ps = self.page_size as u64;
        let SliceState::Seek {
            pages,
            last,
            confirming,
            ..
        } = self.slices[idx].state.clone()
        else {
            return;
        };
        self.observe(r, 0);
        let n = r.ids.len() as u64;
        let total = r.total.unwrap_or(0);
        self.slices[idx].first_total.get_or_insert(total);
        if self.reading.is_none()
            && self.detection.is_none()
            // A second far from minute, hour and day boundaries is waited for a few pages.
            && let Some(mut d) = Detection::start(&r.ids, &r.created, pages < 5)
        {
            d.root = id;
            self.detection = Some(d);
            self.push(task(id, 0, TaskKind::Detect));
        }
        if let Some((prev, above)) = last
            && prev.checked_sub(above) != Some(total)
        {
            self.observed.inconsistent_totals += 1;
        }
        let min = self.slices[idx].spec.min();
        let oldest = r.created.iter().flatten().min().copied();
        let done = |plan: &mut Plan| plan.slices[idx].state = SliceState::Done { total };
        if n == 0 {
            if total == 0 || confirming {
                return done(self);
            }
            // Nothing came back while the total says offers remain: ask once more.
            self.set_seek(idx, cursor, pages + 1, None, true);
            return self.push(task(id, 0, TaskKind::Seek));
        }
        let Some(oldest) = oldest else {
            self.slices[idx].error = Some("the API returned offers without a creation date".into());
            return;
        };
        if n < ps && n >= total {
            // The page holds every offer left in the window, unless pages or totals lie: then
            // only an empty answer below it proves the end (a confirming page that brings
            // offers is an ordinary page, and is confirmed in turn).
            // Offers above the cursor (a request read coarsely reaches past it) are held already.
            let below = r.created.iter().flatten().any(|&c| c <= cursor);
            if !self.doubtful() || oldest - 1 < min || !below {
                return done(self);
            }
            self.observed.confirmations += 1;
            self.set_seek(idx, oldest - 1, pages + 1, None, true);
            return self.push(task(id, 0, TaskKind::Seek));
        }
        let unit = self.reading().unit_start(cursor);
        let (next, last) = if oldest >= unit {
            // Every offer of the page lies in the cursor's grain unit: the unit holds more than
            // a page. It becomes a slice of its own; seeking goes on below it.
            self.observed.crowded_units += 1;
            let spec = self.slices[idx].spec.with_window(unit.max(min), cursor);
            self.add_probe(id, Origin::Unit, spec);
            (unit - 1, None)
        } else {
            // The next total must be this one less what lies above the next request's top.
            let top = self.reading().covered_top(oldest);
            let above = r.created.iter().flatten().filter(|&&c| c > top).count() as u64;
            (oldest, Some((total, above)))
        };
        if next < min {
            return done(self);
        }
        self.set_seek(idx, next, pages + 1, last, false);
        self.split_for_parallelism(idx, total.saturating_sub(n), n, cursor - oldest);
        self.push(task(id, 0, TaskKind::Seek));
    }

    fn set_seek(
        &mut self,
        idx: usize,
        cursor: i64,
        pages: u32,
        last: Option<(u64, u64)>,
        confirming: bool,
    ) {
        self.slices[idx].state = SliceState::Seek {
            cursor,
            pages,
            last,
            confirming,
        };
    }

    /// Slices with work to do (not waiting for parts, not finished, not failed).
    fn active(&self) -> usize {
        self.slices
            .iter()
            .filter(|s| {
                s.error.is_none()
                    && matches!(
                        s.state,
                        SliceState::Seek { .. } | SliceState::Probe | SliceState::Passes { .. }
                    )
            })
            .count()
            + self.deferred.len()
    }

    /// Cuts the older part of a seek slice into slices of their own when the workers lack work
    /// and it has pages enough left: as many parts as there are idle workers (one more with the
    /// part the slice keeps), each of at least [`SPLIT_MIN_PART_PAGES`] pages, cut where, at the
    /// density of its last page, each holds an equal share of what is left.
    fn split_for_parallelism(&mut self, idx: usize, left: u64, got: u64, span: i64) {
        let ps = self.page_size as u64;
        let active = self.active();
        if active >= self.parallelism {
            return;
        }
        let parts =
            (self.parallelism - active + 1).min((left / (SPLIT_MIN_PART_PAGES * ps)) as usize);
        if parts < 2 {
            return;
        }
        let SliceState::Seek { cursor, pages, .. } = self.slices[idx].state else {
            return;
        };
        let min = self.slices[idx].spec.min();
        let density = got as f64 / span.max(1) as f64;
        let share = (left as f64 / parts as f64) / density;
        // Cut points from the newest down; each part needs at least one second of its own.
        let mut cuts: Vec<i64> = Vec::new();
        for j in 1..parts {
            let m = cursor - (share * j as f64).ceil() as i64;
            let above = cuts.last().copied().unwrap_or(cursor);
            if m <= min || m >= above - 1 {
                break;
            }
            cuts.push(m);
        }
        let Some(&first) = cuts.first() else {
            return;
        };
        let spec = self.slices[idx].spec.clone();
        self.slices[idx].spec = spec.with_window(first + 1, spec.max());
        self.set_seek(idx, cursor, pages, None, false);
        for (j, &top) in cuts.iter().enumerate() {
            let bottom = cuts.get(j + 1).map_or(min, |&m| m + 1);
            self.observed.time_splits += 1;
            self.add_seek(
                Some(idx as u32),
                Origin::OlderRemainder,
                spec.with_window(bottom, top),
            );
        }
    }

    // ---- units: cuts and passes ----

    fn on_probe(&mut self, id: u32, r: &PageResult) {
        let idx = id as usize;
        self.observe(r, 0);
        let n = r.ids.len() as u64;
        let total = r.total.unwrap_or(0);
        self.slices[idx].first_total = Some(total);
        self.slices[idx].ids.extend(r.ids.iter().cloned());
        if n < self.page_size as u64 && n >= total {
            self.slices[idx].state = SliceState::Done { total };
            return self.child_finished(id);
        }
        let parts = partition::cut(&self.slices[idx].spec);
        // Cutting pays only when the page came back full (at least a page of offers) and the
        // unit is over the cap; a page that is not full while the total says more remain is
        // short, or its total drifts: passes over the unit's own query settle it.
        // A unit the offsets can reach whole is paged by passes (one pass when the order is
        // stable): cheaper than a cut, whose every part costs a request.
        if parts.is_empty() || n < self.page_size as u64 || total <= self.cap() {
            return self.start_passes(id, total, Some(fingerprint(&r.ids)));
        }
        self.observed.cuts += 1;
        self.slices[idx].state = SliceState::Cut { total };
        for (origin, spec) in parts {
            self.add_probe(id, origin, spec);
        }
    }

    /// A slice finished: its parent, if cut, checks whether all its parts are in.
    fn child_finished(&mut self, id: u32) {
        let Some(parent) = self.slices[id as usize].parent else {
            return;
        };
        let SliceState::Cut { total } = self.slices[parent as usize].state else {
            return;
        };
        let parts: Vec<&Slice> = self
            .slices
            .iter()
            .filter(|s| s.parent == Some(parent))
            .collect();
        if !parts.iter().all(|s| s.is_finished()) {
            return;
        }
        let sum: u64 = parts.iter().filter_map(|s| s.first_total).sum();
        // A cut by département leaves out offers without one; when totals cannot be taken at
        // face value, the parent's own pages must show that nothing is left out.
        let by_departement = parts.iter().any(|s| s.origin == Origin::Departements);
        if sum >= total && !(by_departement && self.doubtful()) {
            self.slices[parent as usize].state = SliceState::Split { total };
            return self.child_finished(parent);
        }
        // Offers no part holds (without the attribute cut on): only the parent reaches them.
        self.start_passes(parent, total, None);
    }

    /// Offset passes over a unit's own query; its first page (the probe) counts as the first
    /// page of the first pass.
    fn start_passes(&mut self, id: u32, total: u64, page0: Option<u64>) {
        let pages = self.pages_for(total);
        let mut done = vec![false; pages as usize];
        done[0] = page0.is_some();
        let mut prints = vec![0; pages as usize];
        prints[0] = page0.unwrap_or(0);
        self.observed.passes += 1;
        self.slices[id as usize].state = SliceState::Passes {
            total,
            pass: 0,
            done: done.clone(),
            held_before: 0,
            low: None,
            moved: self.doubtful(),
            quiet: 0,
            prints,
            unstable: false,
        };
        if done.iter().all(|d| *d) {
            return self.end_pass(id);
        }
        for (p, d) in done.iter().enumerate() {
            if !d {
                self.push(task(id, p as u32, TaskKind::Pass));
            }
        }
    }

    fn on_pass(&mut self, t: PageTask, r: &PageResult) {
        let idx = t.slice as usize;
        self.observe(r, self.range(t.page).0 as u64);
        self.slices[idx].ids.extend(r.ids.iter().cloned());
        let print = fingerprint(&r.ids);
        let SliceState::Passes {
            done,
            total,
            low,
            moved,
            pass,
            prints,
            unstable,
            ..
        } = &mut self.slices[idx].state
        else {
            return;
        };
        if let Some(d) = done.get_mut(t.page as usize) {
            *d = true;
        }
        if let Some(p) = prints.get_mut(t.page as usize) {
            if *pass == 0 {
                *p = print;
            } else {
                *unstable |= *p != print;
            }
        }
        if let Some(now) = r.total {
            *moved |= now != *total;
            *low = Some(low.map_or(now, |l| l.min(now)));
        }
        if done.iter().all(|d| *d) {
            self.end_pass(t.slice);
        }
    }

    /// A pass is complete: done when the distinct offers held (the unit's and its parts') reach
    /// its total; another pass while passes bring new offers; capped otherwise.
    fn end_pass(&mut self, id: u32) {
        let idx = id as usize;
        let SliceState::Passes {
            total,
            pass,
            held_before,
            low,
            moved,
            quiet,
            prints,
            unstable,
            ..
        } = self.slices[idx].state.clone()
        else {
            return;
        };
        let held = self.held(id);
        let has_parts = self
            .slices
            .iter()
            .any(|s| s.parent == Some(id) && s.is_unit());
        // While the stock moves, offers withdrawn meanwhile are not missing: the unit is held
        // once the offers held reach its lowest total and passes in a row brought nothing new.
        let quiet = if held == held_before { quiet + 1 } else { 0 };
        let reached = if moved {
            held >= low.unwrap_or(total).min(total) && quiet >= QUIET_PASSES
        } else {
            held >= total
        };
        if reached {
            self.slices[idx].state = if has_parts {
                SliceState::Split { total }
            } else {
                SliceState::Done { total }
            };
            return self.child_finished(id);
        }
        // A repeat pass that brings nothing new means the order is stable: the rest is out of
        // reach. Once a repeat did bring new offers (or pages come back short, or the stock
        // moves), every pass is a new draw.
        let stable = !moved && !unstable && !self.doubtful();
        let moved = moved || self.doubtful();
        if (pass == 1 && held == held_before && stable) || pass + 1 >= MAX_PASSES {
            // Before anything is reported out of reach, every filter that can cut it is tried.
            let parts = partition::cut(&self.slices[idx].spec);
            if !has_parts && !parts.is_empty() {
                self.observed.cuts += 1;
                self.slices[idx].state = SliceState::Cut { total };
                for (origin, spec) in parts {
                    self.add_probe(id, origin, spec);
                }
                return;
            }
            log::warn!(
                "{} holds {total} offers and cannot be cut further: {held} reached after {} pass(es), {} out of reach",
                self.slices[idx].spec.describe(),
                pass + 1,
                total.saturating_sub(held)
            );
            let total = if moved {
                low.unwrap_or(total).min(total)
            } else {
                total
            };
            self.slices[idx].state = SliceState::Capped {
                total: total.max(held),
                reachable: held,
            };
            return self.child_finished(id);
        }
        let pages = self.pages_for(total);
        self.observed.passes += 1;
        self.slices[idx].state = SliceState::Passes {
            total,
            pass: pass + 1,
            done: vec![false; pages as usize],
            held_before: held,
            low,
            moved,
            quiet,
            prints,
            unstable,
        };
        for p in 0..pages {
            self.push(task(id, p, TaskKind::Pass));
        }
    }

    /// Distinct offers held by a unit and its parts.
    fn held(&self, id: u32) -> u64 {
        let mut all: BTreeSet<&String> = BTreeSet::new();
        let mut stack = vec![id];
        while let Some(i) = stack.pop() {
            all.extend(self.slices[i as usize].ids.iter());
            stack.extend(
                self.slices
                    .iter()
                    .filter(|s| s.parent == Some(i) && s.is_unit())
                    .map(|s| s.id),
            );
        }
        all.len() as u64
    }

    // ---- reports ----

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
