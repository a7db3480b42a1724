//! The collection loop: one writer thread, a small pool of blocking workers.
//!
//! Invariants: only this thread touches the output, the dedup set and the checkpoint; a page is
//! marked done in the plan only after its offers were handed to the CSV writer, and the checkpoint
//! is saved only after the CSV was synced, so resume never loses nor repeats a row.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::adzuna::{AdzunaPlan, AdzunaSettings, AdzunaTask};
use super::checkpoint::{self, Carry, Checkpoint, QueryKey};
use super::dedup::SeenSet;
use super::progress::{Progress, Snapshot};
use super::reconcile::Reconciliation;
use super::summary::{self, RunStatus, Summary};
use super::{CollectConfig, Outcome};
use crate::error::{ApiError, Error, QueryApi, ResumeError};
use crate::fsutil;
use crate::http::stats::ApiStatsSnapshot;
use crate::http::{RateLimiter, Transport};
use crate::normalize::{
    NormalizedOffer, Warnings, normalize_adzuna, normalize_france_travail_owned,
};
use crate::plan::{self, PageResult, PageTask, Plan, SliceState, Strategy};
use crate::sink::csv::{self as csv_sink, CsvSink, EncodedRows, HeaderCheck, encode_rows};
use crate::sink::raw::RawArchive;
use crate::source::adzuna::{AdzunaClient, QuotaClock, QuotaLedger, ShiftedClock, SystemClock};
use crate::source::france_travail::{CreationWindow, FranceTravailClient};

/// Checkpoints triggered by finished slices are at least this far apart (the offer interval,
/// failures and the end of the run always save at once).
const MIN_CHECKPOINT_SPACING: Duration = Duration::from_millis(200);

/// What a worker hands back for one page.
struct Fetched {
    result: PageResult,
    offers: Vec<NormalizedOffer>,
    /// The offers already encoded as CSV rows (by the worker, off the writer's thread).
    rows: EncodedRows,
    warnings: Warnings,
    body: Vec<u8>,
    /// Raw results on the page (Adzuna's short-page rule looks at them, not at the kept offers).
    received: usize,
    /// When the page was fetched (kept in the raw archive).
    fetched_at: DateTime<Utc>,
}

/// A page of one source or the other.
#[derive(Clone, Copy, Debug)]
enum Work {
    FranceTravail(PageTask),
    Adzuna(AdzunaTask),
}

/// Raw archive slice numbers of Adzuna phrases (France Travail slices count from 0).
const ADZUNA_RAW_SLICE_BASE: u32 = 1_000_000;

/// The query's identity, for the checkpoint.
pub fn query_key(c: &CollectConfig) -> QueryKey {
    QueryKey {
        sources: c.sources.names(),
        rome_codes: c.rome_codes.clone(),
        departements: c.departements.clone(),
        search: c.search.clone(),
        months: c.months,
        strategy: c.strategy,
        results_per_page: c.results_per_page,
    }
}

fn new_plan(c: &CollectConfig, window: CreationWindow) -> Plan {
    let roots = match c.strategy {
        _ if !c.sources.france_travail => Vec::new(),
        Strategy::Adaptive => {
            plan::adaptive::roots(&c.rome_codes, c.departements.as_deref(), window)
        }
        Strategy::Grid => plan::grid::roots(&c.rome_codes, c.departements.as_deref(), window),
    };
    let mut plan = Plan::new(c.strategy, c.results_per_page, c.search.clone(), roots);
    plan.set_parallelism(c.workers);
    plan
}

fn client_for(c: &CollectConfig) -> FranceTravailClient {
    let limiter = Arc::new(RateLimiter::new(c.rate_limit_delay));
    let mut http = c.http.clone();
    http.max_idle_per_host = http.max_idle_per_host.max(c.workers);
    let transport = Transport::new(&http, limiter, c.retry.clone(), c.cancel.clone());
    FranceTravailClient::new(
        &c.france_travail.api_url,
        &c.france_travail.token_url,
        c.france_travail.credentials.clone(),
        transport,
    )
}

/// The Adzuna client of a run: its own limiter, the run's counters, the persistent quota ledger
/// (whose clock starts at `--now` when given, so simulations can move it).
fn adzuna_client_for(
    c: &CollectConfig,
    s: &AdzunaSettings,
    ft: &FranceTravailClient,
) -> Result<AdzunaClient, Error> {
    let clock: Arc<dyn QuotaClock> = match c.now {
        Some(t) => Arc::new(ShiftedClock::starting_at(t)),
        None => Arc::new(SystemClock),
    };
    let ledger = QuotaLedger::open(&s.quota_file, &s.keys.app_id, s.limits, clock)
        .map_err(Error::QuotaFile)?;
    let limiter = Arc::new(RateLimiter::new(s.rate_limit_delay));
    let mut transport = Transport::new(&c.http, limiter, c.retry.clone(), c.cancel.clone());
    // One set of counters for the run: the summary's API line covers both sources.
    transport.stats = ft.transport().stats.clone();
    Ok(AdzunaClient::new(
        &s.api_url,
        &s.country,
        s.keys.clone(),
        transport,
        Some(Arc::new(ledger)),
    ))
}

/// The state a run starts from: fresh, or resumed from a checkpoint.
struct Start {
    sink: CsvSink,
    seen: SeenSet,
    plan: Plan,
    window: CreationWindow,
    carry: Carry,
    /// The checkpoint's Adzuna progress.
    adzuna: Option<serde_json::Value>,
    /// Adzuna rows already in the output.
    adzuna_rows: u64,
    /// The outputs' locks, held until the run returns.
    locks: Vec<crate::lock::FileLock>,
}

/// Runs a collection (or a dry run) to its end.
pub fn collect(c: &CollectConfig) -> Result<Outcome, Error> {
    let now = c.now.unwrap_or_else(Utc::now);
    if !c.sources.france_travail && !c.sources.adzuna {
        return Err(Error::NoSource);
    }
    let adzuna_settings = match (&c.adzuna, c.sources.adzuna) {
        (Some(s), true) => Some(s),
        (None, true) => {
            return Err(Error::Config(
                "the Adzuna source needs its settings (ADZUNA_APP_ID, ADZUNA_APP_KEY, …)".into(),
            ));
        }
        (_, false) => None,
    };
    let adzuna_phrases = match adzuna_settings {
        Some(_) => Some(super::adzuna::phrases(&c.rome_codes, c.search.as_deref())?),
        None => None,
    };
    let client = client_for(c);
    if !c.dry_run {
        super::outputs::probe(c)?;
    }
    if c.sources.france_travail {
        super::referential::check_rome_codes(&client, &c.rome_codes)?;
    }
    if c.dry_run {
        return dry_run(c, &client, plan::window_for(now, c.months));
    }
    let adzuna_client = match adzuna_settings {
        Some(s) => Some(adzuna_client_for(c, s, &client)?),
        None => None,
    };
    // Credentials and token URL first: refused ones stop the run before any file is touched. An
    // unreachable endpoint is left to the run, which retries it and keeps a checkpoint (exit 3);
    // so is an interruption, which the run turns into a checkpoint and exit 130.
    if c.sources.france_travail {
        match client.authenticate() {
            Err(e) if e.is_fatal() => return Err(Error::Api(e)),
            Err(e) => log::debug!("the first token request failed ({e}): the run retries it"),
            Ok(()) => {}
        }
    }
    let started_at = Utc::now();
    let cp_path = checkpoint::path_for(&c.output);
    let Start {
        sink,
        seen,
        plan,
        window,
        mut carry,
        adzuna: adzuna_saved,
        adzuna_rows,
        locks: _locks,
    } = prepare(c, now, &cp_path)?;
    let adzuna = match (adzuna_settings, adzuna_phrases) {
        (Some(s), Some(phrases)) => Some(AdzunaPlan::start(
            s,
            c.months,
            c.results_per_page,
            phrases,
            adzuna_saved.as_ref(),
        )?),
        _ => None,
    };
    carry.runs += 1;
    carry.started_at.get_or_insert(started_at);
    let raw =
        match &c.raw_dir {
            Some(d) => Some(RawArchive::open(d).map_err(|e| {
                Error::io(format!("cannot create the raw archive {}", d.display()), e)
            })?),
            None => None,
        };
    let mut run = Run {
        c,
        cp_path,
        window,
        started: Instant::now(),
        started_at,
        client,
        adzuna_client,
        plan,
        adzuna,
        sink,
        seen,
        raw,
        base_api: carry.api.clone(),
        carry,
        duplicates: 0,
        warnings: Warnings::default(),
        adzuna_rows,
        stopping: false,
        fatal: None,
        consecutive_failures: 0,
        last_failure: None,
        since_checkpoint: 0,
        last_checkpoint: Instant::now(),
        unsaved: false,
    };
    // A first checkpoint right away: from here on, a kill always leaves a resumable state.
    run.save()?;
    run.work()?;
    run.finish()
}

/// A collection under way: the plans, the output and the loop's bookkeeping, owned by the writer.
struct Run<'c> {
    c: &'c CollectConfig,
    cp_path: PathBuf,
    window: CreationWindow,
    started: Instant,
    started_at: DateTime<Utc>,
    client: FranceTravailClient,
    adzuna_client: Option<AdzunaClient>,
    plan: Plan,
    adzuna: Option<AdzunaPlan>,
    sink: CsvSink,
    seen: SeenSet,
    raw: Option<RawArchive>,
    /// Counters carried from earlier runs of this collection.
    carry: Carry,
    /// The API counters at the start of this run (for the progress rate).
    base_api: ApiStatsSnapshot,
    duplicates: u64,
    warnings: Warnings,
    /// Adzuna rows in the output (earlier runs included).
    adzuna_rows: u64,
    /// No new page is handed out (interruption, fatal error, too many failures).
    stopping: bool,
    fatal: Option<ApiError>,
    consecutive_failures: u32,
    last_failure: Option<String>,
    since_checkpoint: u64,
    last_checkpoint: Instant,
    unsaved: bool,
}

impl Run<'_> {
    /// Syncs the CSV, then replaces the checkpoint.
    fn save(&mut self) -> Result<(), Error> {
        let c = self.c;
        let bytes = self
            .sink
            .sync()
            .map_err(|e| Error::io(format!("cannot write {}", c.output.display()), e))?;
        let mut carry = self.carry.clone();
        carry.api.add(&self.client.transport().stats.snapshot());
        carry.duplicates += self.duplicates;
        carry.warnings.merge(&self.warnings);
        carry.elapsed_seconds += self.started.elapsed().as_secs_f64();
        Checkpoint {
            format: checkpoint::FORMAT_VERSION,
            tool: format!("ftcollect {}", env!("CARGO_PKG_VERSION")),
            query: query_key(c),
            window: self.window,
            csv_bytes: bytes,
            csv_rows: self.sink.rows(),
            plan: self.plan.state(),
            adzuna: self
                .adzuna
                .as_ref()
                .map(|a| a.to_value(self.adzuna_client.as_ref().map_or(0, |z| z.calls()))),
            carry,
            updated_at: Utc::now(),
        }
        .save(&self.cp_path)?;
        self.since_checkpoint = 0;
        self.last_checkpoint = Instant::now();
        self.unsaved = false;
        Ok(())
    }

    /// Slices worth keeping busy at once: the workers, or fewer when fewer requests in flight
    /// already use every slot of the rate limiter (a slice cut for parallelism costs about one
    /// request more, which buys nothing then).
    fn useful_parallelism(&self) -> usize {
        let workers = self.c.workers.max(1);
        let limiter = &self.client.transport().limiter;
        limiter
            .in_flight_to_saturate()
            .map_or(workers, |n| n.min(workers))
    }

    /// The loop: hand pages to the workers, write what comes back, until nothing is left or the
    /// run stops.
    fn work(&mut self) -> Result<(), Error> {
        let c = self.c;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(c.workers.max(1))
            .thread_name(|i| format!("ftcollect-worker-{i}"))
            .build()
            .map_err(|e| Error::Config(format!("cannot start the worker pool: {e}")))?;
        let (tx, rx) = mpsc::channel::<(Work, Result<Fetched, ApiError>)>();
        let mut progress = Progress::new(c.quiet);
        progress.set_baseline(self.base_api.search_requests, self.sink.rows());
        let mut in_flight = 0usize;
        loop {
            if c.cancel.is_cancelled() && !self.stopping {
                log::warn!(
                    "interrupted: finishing the {in_flight} page(s) in flight, then saving a checkpoint"
                );
                self.stopping = true;
            }
            while !self.stopping && in_flight < c.workers.max(1) {
                let Some(work) = self.next_work() else { break };
                let tx = tx.clone();
                match work {
                    Work::Adzuna(t) => {
                        let (Some(a), Some(z)) =
                            (self.adzuna.as_ref(), self.adzuna_client.as_ref())
                        else {
                            break;
                        };
                        let (query, code_rome, z) =
                            (a.query(t), a.code_rome(t).map(str::to_string), z.clone());
                        pool.spawn(move || {
                            let r = z
                                .search(&query)
                                .map(|page| fetched_adzuna(&z, page, code_rome));
                            let _ = tx.send((work, r));
                        });
                    }
                    Work::FranceTravail(task) => {
                        let (params, client) = (self.plan.params(task), self.client.clone());
                        pool.spawn(move || {
                            let r = client.search(&params).map(fetched_france_travail);
                            let _ = tx.send((work, r));
                        });
                    }
                }
                in_flight += 1;
            }
            if in_flight == 0 {
                break;
            }
            match rx.recv_timeout(Duration::from_millis(250)) {
                Ok((work, result)) => {
                    in_flight -= 1;
                    match result {
                        Ok(fetched) => {
                            self.plan.set_parallelism(self.useful_parallelism());
                            self.on_fetched(work, fetched)?
                        }
                        Err(e) => {
                            self.on_error(work, e);
                            self.save()?;
                        }
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if self.unsaved && self.last_checkpoint.elapsed() >= MIN_CHECKPOINT_SPACING {
                        self.save()?;
                    }
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            let counts = self.plan.counts();
            progress.update(&Snapshot {
                slices_finished: counts.done + counts.split + counts.capped,
                slices: counts.slices,
                offers: self.sink.rows(),
                requests: self.base_api.search_requests
                    + self.client.transport().stats.snapshot().search_requests,
                pages_owed: self.plan.pages_owed(),
                expected: self.plan.announced_total(),
                page_size: c.results_per_page as u64,
            });
        }
        progress.finish();
        Ok(())
    }

    /// The next page to fetch: Adzuna's single page in flight first (it is paced by its own
    /// limiter and quota), then France Travail's.
    fn next_work(&mut self) -> Option<Work> {
        if self.adzuna_client.is_some()
            && let Some(t) = self.adzuna.as_mut().and_then(AdzunaPlan::next_task)
        {
            return Some(Work::Adzuna(t));
        }
        self.plan.next_task().map(Work::FranceTravail)
    }

    /// A page arrived: write its new offers, archive it, advance the plan, checkpoint if due.
    fn on_fetched(&mut self, work: Work, fetched: Fetched) -> Result<(), Error> {
        let c = self.c;
        self.consecutive_failures = 0;
        let seen = &mut self.seen;
        let (lo, hi) = (self.window.min, self.window.max);
        // Requests may reach past the run's window (bounds read exclusively or coarsely): only
        // offers created inside it are written.
        let fresh: Vec<bool> = fetched
            .offers
            .iter()
            .map(|o| {
                let inside = o
                    .date_created
                    .is_none_or(|d| d >= lo && d < hi + chrono::Duration::seconds(1));
                if !inside {
                    return false;
                }
                seen.insert(&o.source, &o.id)
            })
            .collect();
        let kept = if fetched.rows.ends.len() == fetched.offers.len() {
            self.sink.append_rows(&fetched.rows, |i| fresh[i])
        } else {
            let mut n = 0;
            fetched
                .offers
                .iter()
                .zip(&fresh)
                .filter(|(_, f)| **f)
                .try_for_each(|(o, _)| {
                    n += 1;
                    self.sink.write(o)
                })
                .map(|_| n)
        }
        .map_err(|e| Error::io(format!("cannot write {}", c.output.display()), e))?;
        crate::testhook::pause_point("csv-append");
        self.since_checkpoint += kept;
        self.duplicates += fresh.iter().filter(|f| !**f).count() as u64;
        self.warnings.merge(&fetched.warnings);
        let raw_err = |e| Error::io("cannot write the raw archive", e);
        let finished_now = match work {
            Work::FranceTravail(task) => {
                let finished = |plan: &Plan| plan.slice_of(task).is_some_and(|s| s.is_finished());
                let was_finished = finished(&self.plan);
                if let Some(r) = self.raw.as_mut() {
                    let describe = self.plan.slice_of(task).map_or_else(
                        || "a request from before the plan started over".to_string(),
                        |s| s.spec.describe(),
                    );
                    r.append(task.slice, &describe, &fetched.body, fetched.fetched_at)
                        .map_err(raw_err)?;
                }
                self.plan.on_page(task, &fetched.result, kept);
                !was_finished && finished(&self.plan)
            }
            Work::Adzuna(t) => {
                self.adzuna_rows += kept;
                let Some(a) = self.adzuna.as_mut() else {
                    return Ok(());
                };
                if let Some(r) = self.raw.as_mut() {
                    r.append(
                        ADZUNA_RAW_SLICE_BASE + t.phrase,
                        &a.describe(t),
                        &fetched.body,
                        fetched.fetched_at,
                    )
                    .map_err(raw_err)?;
                }
                a.on_page(t, fetched.received, fetched.result.total)
            }
        };
        self.unsaved = true;
        // Every `checkpoint_interval` offers; and when a slice (or an Adzuna phrase) finishes, at
        // most a few times per second: with thousands of tiny slices (the grid), one checkpoint
        // per slice would spend the run rewriting the plan (a pending save happens on the next
        // tick).
        if self.since_checkpoint >= c.checkpoint_interval
            || (finished_now && self.last_checkpoint.elapsed() >= MIN_CHECKPOINT_SPACING)
        {
            self.save()?;
        }
        Ok(())
    }

    /// A page failed after its retries (or the run must stop): record it where it belongs.
    fn on_error(&mut self, work: Work, e: ApiError) {
        match work {
            Work::FranceTravail(task) => match e {
                ApiError::Interrupted => self.plan.on_cancelled(task),
                e if e.is_fatal() => {
                    self.plan.on_cancelled(task);
                    self.stop_with(e);
                }
                ApiError::BadRequest { message, .. }
                    if self.plan.slice_of(task).is_some_and(|s| {
                        s.origin == plan::Origin::Root && s.first_total.is_none()
                    }) =>
                {
                    self.plan.on_cancelled(task);
                    self.stop_with(ApiError::QueryRejected {
                        api: QueryApi::FranceTravail,
                        cause: Box::new(ApiError::BadRequest {
                            status: 400,
                            message,
                        }),
                    });
                }
                e => {
                    let what = self.plan.slice_of(task).map_or_else(
                        || "a request from before the plan started over".to_string(),
                        |s| format!("slice {}", s.spec.describe()),
                    );
                    self.plan.on_failure(task, e.to_string());
                    self.count_failure(&what, "slices", &e);
                }
            },
            Work::Adzuna(t) => {
                let Some(a) = self.adzuna.as_mut() else {
                    return;
                };
                match e {
                    ApiError::Interrupted => a.on_cancelled(t),
                    ApiError::Quota { .. } => {
                        // Only Adzuna stops: France Travail's pages go on.
                        log::warn!("{e}: no more Adzuna calls in this run");
                        a.on_quota(t, e.to_string());
                    }
                    e @ (ApiError::BadRequest { .. } | ApiError::UnsupportedParameters { .. }) => {
                        a.on_cancelled(t);
                        self.stop_with(ApiError::QueryRejected {
                            api: QueryApi::Adzuna,
                            cause: Box::new(e),
                        });
                    }
                    e if e.is_fatal() => {
                        a.on_cancelled(t);
                        self.stop_with(e);
                    }
                    e => {
                        let what = a.describe(t);
                        a.on_failure(t, e.to_string());
                        self.count_failure(&what, "pages", &e);
                    }
                }
            }
        }
    }

    /// Stops handing out pages; the first fatal error is the run's error.
    fn stop_with(&mut self, e: ApiError) {
        if self.fatal.is_none() {
            // Reported once, as the run's error; this says why the run winds down meanwhile.
            log::info!("stopping after the pages in flight: {e}");
            self.fatal = Some(e);
        }
        self.stopping = true;
    }

    /// A failure after retries: logged, counted, and too many in a row stop the run.
    fn count_failure(&mut self, what: &str, unit: &str, e: &ApiError) {
        log::error!("{what} failed: {e}");
        self.last_failure = Some(e.to_string());
        self.consecutive_failures += 1;
        if self.consecutive_failures >= self.c.max_consecutive_failures.max(1) && !self.stopping {
            log::error!(
                "{} {unit} failed in a row: stopping; run the same command again to resume",
                self.consecutive_failures
            );
            self.stopping = true;
        }
    }

    /// The final checkpoint, the verdict, the Parquet file and the summary.
    fn finish(mut self) -> Result<Outcome, Error> {
        let c = self.c;
        self.save()?;
        let elapsed = self.started.elapsed().as_secs_f64();
        let counts = self.plan.counts();
        let mut problems = Vec::new();
        for s in self.plan.slices() {
            if let Some(error) = &s.error {
                problems.push(format!("failed slice {}: {error}", s.spec.describe()));
                continue;
            }
            match &s.state {
                SliceState::Failed { error } => {
                    problems.push(format!("failed slice {}: {error}", s.spec.describe()))
                }
                SliceState::Capped { total, reachable } => problems.push(format!(
                    "capped slice {}: {total} offers, {reachable} reached, {} out of reach even after cutting by every filter",
                    s.spec.describe(),
                    total - reachable
                )),
                _ => {}
            }
        }
        let reconciliation = c
            .sources
            .france_travail
            .then(|| Reconciliation::of(&self.plan));
        if let Some(r) = &reconciliation {
            problems.extend(r.problems());
        }
        let unexplained = reconciliation
            .as_ref()
            .is_some_and(|r| r.unexplained_gap > 0);
        let interrupted = c.cancel.is_cancelled();
        let adzuna_unfinished = self.adzuna.as_ref().is_some_and(|a| !a.is_complete());
        let status = if interrupted {
            RunStatus::Interrupted
        } else if self.fatal.is_none()
            && counts.failed == 0
            && counts.pending == 0
            && counts.capped == 0
            && !unexplained
            && !adzuna_unfinished
        {
            RunStatus::Complete
        } else {
            RunStatus::Incomplete
        };
        if counts.failed > 0 {
            problems.push(format!(
                "{} slice(s) failed after their retries: the checkpoint is kept and nothing written is lost. \
                 If the API could not be reached, check the network, --api-url and --token-url; then run the same \
                 command again to fetch what is missing",
                counts.failed
            ));
        }
        if counts.pending > 0 && !interrupted {
            problems.push(format!(
                "{} slice(s) not finished{}: run the same command again to resume",
                counts.pending,
                self.last_failure
                    .as_ref()
                    .map(|l| format!(" (last error: {l})"))
                    .unwrap_or_default()
            ));
        }

        if let Some(e @ ApiError::ThrottleBudget { .. }) = &self.fatal {
            problems.push(e.to_string());
        }

        let mut notes = Vec::new();
        let mut offers_by_source = std::collections::BTreeMap::new();
        if let (Some(a), Some(z)) = (self.adzuna.as_ref(), self.adzuna_client.as_ref()) {
            problems.extend(a.problems(interrupted));
            notes.extend(a.notes(z, self.adzuna_rows));
            if c.sources.france_travail {
                offers_by_source.insert(
                    crate::normalize::france_travail::SOURCE.to_string(),
                    self.sink.rows() - self.adzuna_rows,
                );
            }
            offers_by_source.insert(
                crate::normalize::adzuna::SOURCE.to_string(),
                self.adzuna_rows,
            );
        }

        if let Some(w) = empty_query_warning(c, &self.plan, status) {
            log::warn!("{w}");
            notes.push(w);
        }

        let mut total_api = self.carry.api.clone();
        total_api.add(&self.client.transport().stats.snapshot());
        self.carry.warnings.merge(&self.warnings);
        let resumable = counts.failed > 0
            || counts.pending > 0
            || self.fatal.is_some()
            || interrupted
            || adzuna_unfinished;
        // Parquet is produced from the durable CSV at the end of a run that was not cut short, so
        // a resumed collection ends with a Parquet file holding exactly the CSV's rows.
        let parquet = match &c.parquet {
            Some(p) if !interrupted && self.fatal.is_none() => {
                let n = crate::sink::parquet::convert_csv(
                    &c.output,
                    p,
                    crate::sink::parquet::metadata(&query_key(c)),
                )
                .map_err(|e| Error::ParquetNotWritten {
                    csv: c.output.clone(),
                    parquet: p.clone(),
                    rows: self.sink.rows(),
                    cause: Box::new(e),
                })?;
                log::info!("wrote {n} offers to {}", p.display());
                Some(p.clone())
            }
            _ => None,
        };
        let summary = Summary {
            tool: format!("ftcollect {}", env!("CARGO_PKG_VERSION")),
            status,
            exit_code: crate::exit::code_for(status).code(),
            query: query_key(c),
            window: self.window,
            output: c.output.clone(),
            parquet,
            started_at: self.carry.started_at.unwrap_or(self.started_at),
            finished_at: Utc::now(),
            elapsed_seconds: self.carry.elapsed_seconds + elapsed,
            runs: self.carry.runs,
            offers_written: self.sink.rows(),
            offers_by_source,
            duplicates_skipped: self.carry.duplicates + self.duplicates,
            // France Travail's announced total (Adzuna's `count`s are in the notes).
            announced_total: self
                .plan
                .announced_total()
                .filter(|_| c.sources.france_travail),
            slices: counts,
            reconciliation,
            api: total_api,
            warnings: self.carry.warnings.clone(),
            problems,
            notes,
        };
        summary.save(&summary::path_for(&c.output))?;
        if !resumable {
            // Nothing left to resume: the checkpoint goes (capped slices cannot be helped by a rerun).
            std::fs::remove_file(&self.cp_path)
                .map_err(|e| Error::io(format!("cannot remove {}", self.cp_path.display()), e))?;
            let _ = fsutil::sync_dir(&fsutil::parent_dir(&self.cp_path));
        }
        if let Some(e) = self.fatal {
            // Out of patience with 429s: like an outage, the run ends incomplete with its
            // checkpoint and its summary (exit 3), the problem naming the budget.
            if let ApiError::ThrottleBudget { .. } = e {
                return Ok(Outcome {
                    status,
                    summary: Some(summary),
                    plan_report: None,
                });
            }
            return Err(match e {
                ApiError::BadRequest { message, .. } => {
                    Error::Usage(format!("the API rejected the query: {message}"))
                }
                e => Error::Api(e),
            });
        }
        Ok(Outcome {
            status,
            summary: Some(summary),
            plan_report: None,
        })
    }
}

/// A complete France Travail query the API announced 0 offers for: most likely a mistake (a
/// keyword typo), which a scheduled run would otherwise repeat silently. The run still ends
/// complete (exit 0: an empty answer is a true answer); the warning goes to stderr and into the
/// summary's notes.
fn empty_query_warning(c: &CollectConfig, plan: &Plan, status: RunStatus) -> Option<String> {
    (c.sources.france_travail && status == RunStatus::Complete && plan.announced_total() == Some(0))
        .then(|| {
            "warning: the query matched no offer at all (the API announced 0 for it): check its ROME codes, \
             keywords and départements"
                .to_string()
        })
}

/// A France Travail page, normalized and encoded by the worker.
fn fetched_france_travail(page: crate::source::france_travail::SearchPage) -> Fetched {
    let mut warnings = Warnings::default();
    let created = page
        .offers
        .iter()
        .map(|o| {
            o.date_creation
                .get()
                .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
                .map(|d| d.timestamp())
        })
        .collect();
    let ids = page
        .offers
        .iter()
        .map(|o| o.id.get().map(|s| s.to_string()).unwrap_or_default())
        .collect();
    let declared = page.range.map(|(a, b)| b.saturating_sub(a) + 1);
    let fetched_at = page.fetched_at;
    let offers: Vec<NormalizedOffer> = page
        .offers
        .into_iter()
        .filter_map(|o| normalize_france_travail_owned(o, page.fetched_at, &mut warnings))
        .collect();
    Fetched {
        result: PageResult {
            total: page.total,
            ids,
            created,
            declared,
        },
        rows: encode(&offers),
        offers,
        warnings,
        body: page.body,
        received: 0,
        fetched_at,
    }
}

/// An Adzuna page, normalized and encoded by the worker.
fn fetched_adzuna(
    z: &AdzunaClient,
    page: crate::source::adzuna::client::AdzunaPage,
    code_rome: Option<String>,
) -> Fetched {
    let mut warnings = Warnings::default();
    warnings.add("adzuna: non-object instead of a job", page.skipped);
    let offers: Vec<NormalizedOffer> = page
        .jobs
        .iter()
        .filter_map(|j| {
            normalize_adzuna(
                j,
                Some(z.country()),
                code_rome.as_deref(),
                page.fetched_at,
                &mut warnings,
            )
        })
        .collect();
    Fetched {
        result: PageResult {
            total: page.count,
            ..Default::default()
        },
        rows: encode(&offers),
        offers,
        warnings,
        body: page.body,
        received: page.received,
        fetched_at: page.fetched_at,
    }
}

/// Encodes a page's rows in the worker. Encoding into memory cannot fail; if it ever did, the
/// rows come back empty and the writer encodes the offers itself.
fn encode(offers: &[NormalizedOffer]) -> EncodedRows {
    encode_rows(offers).unwrap_or_else(|e| {
        log::error!("CSV encoding failed in a worker ({e}); the writer encodes the page");
        EncodedRows::default()
    })
}

/// Opens the output for a fresh run or a resume.
fn prepare(c: &CollectConfig, now: DateTime<Utc>, cp_path: &Path) -> Result<Start, Error> {
    let out = &c.output;
    if out.is_dir() {
        return Err(Error::OutputIsDirectory {
            output: out.clone(),
        });
    }
    let dir = fsutil::parent_dir(out);
    if let Some(file) = dir
        .ancestors()
        .filter(|a| !a.as_os_str().is_empty())
        .find(|a| a.exists())
        .filter(|a| !a.is_dir())
    {
        return Err(Error::OutputUnderFile {
            output: out.clone(),
            file: file.to_path_buf(),
        });
    }
    std::fs::create_dir_all(&dir).map_err(|source| Error::OutputDirCreate {
        dir: dir.clone(),
        source,
    })?;
    // From here on files are touched: a second run on this output stops here.
    let locks = super::outputs::lock(c)?;
    // Temporary files of a killed run (a checkpoint or Parquet file cut before its rename).
    for p in [out.clone(), cp_path.to_path_buf()]
        .iter()
        .chain(c.parquet.iter())
    {
        let n = fsutil::remove_stale_temps(p);
        if n > 0 {
            log::info!(
                "removed {n} temporary file(s) left by an interrupted run beside {}",
                p.display()
            );
        }
    }

    // The summary and the Parquet file describe the output they sit beside: they move aside with it.
    let move_summary_aside = || super::outputs::move_companions_aside(c);
    if cp_path.exists() && c.restart {
        if out.exists() {
            let b = super::outputs::move_aside(c, out)?;
            log::warn!("restart: the previous output was moved to {}", b.display());
            move_summary_aside()?;
        }
        let b = super::outputs::move_aside(c, cp_path)?;
        log::info!(
            "restart: the previous checkpoint was moved to {}",
            b.display()
        );
    }

    if cp_path.exists() {
        let cp = Checkpoint::load(cp_path)?;
        let key = query_key(c);
        if let Some(change) = cp.query.difference(&key) {
            return Err(Error::CheckpointOfAnotherQuery {
                checkpoint: Some(cp_path.to_path_buf()),
                change,
            });
        }
        if !out.exists() {
            return Err(Error::Resume(ResumeError::OutputGone {
                checkpoint: cp_path.to_path_buf(),
                output: out.clone(),
            }));
        }
        let len = std::fs::metadata(out)
            .map_err(|e| Error::io(format!("cannot read {}", out.display()), e))?
            .len();
        if len < cp.csv_bytes {
            return Err(Error::Resume(ResumeError::OutputShorter {
                output: out.clone(),
                len,
                recorded: cp.csv_bytes,
            }));
        }
        match csv_sink::check_header(out)? {
            HeaderCheck::Ours => {}
            _ => {
                return Err(Error::Resume(ResumeError::OutputHeaderChanged {
                    output: out.clone(),
                }));
            }
        }
        let mut seen = SeenSet::new();
        let mut adzuna_rows = 0u64;
        let rows = csv_sink::scan_keys(out, cp.csv_bytes, |source, id| {
            seen.insert(source, id);
            if source == crate::normalize::adzuna::SOURCE {
                adzuna_rows += 1;
            }
        })?;
        if rows != cp.csv_rows {
            return Err(Error::Resume(ResumeError::OutputRowsChanged {
                output: out.clone(),
                rows,
                recorded: cp.csv_rows,
            }));
        }
        let dropped = len - cp.csv_bytes;
        log::info!(
            "resuming {} from its checkpoint: {rows} offers kept{}",
            out.display(),
            if dropped > 0 {
                format!(
                    ", {dropped} bytes written after the checkpoint dropped (they will be fetched again)"
                )
            } else {
                String::new()
            }
        );
        let sink = CsvSink::resume(out, cp.csv_bytes, rows)
            .map_err(|e| Error::io(format!("cannot reopen {}", out.display()), e))?;
        return Ok(Start {
            sink,
            seen,
            plan: Plan::restore(cp.plan),
            window: cp.window,
            carry: cp.carry,
            adzuna: cp.adzuna,
            adzuna_rows,
            locks,
        });
    }

    if out.exists() {
        match csv_sink::check_header(out)? {
            HeaderCheck::Empty => {}
            HeaderCheck::Ours => {
                let b = super::outputs::move_aside(c, out)?;
                log::warn!(
                    "{} exists from an earlier run: it was moved to {}",
                    out.display(),
                    b.display()
                );
                move_summary_aside()?;
            }
            HeaderCheck::Foreign {
                position,
                found,
                expected,
            } => {
                let found = if found.chars().count() > 40 {
                    format!("{}…", found.chars().take(40).collect::<String>())
                } else {
                    found
                };
                return Err(Error::ForeignOutput {
                    output: out.clone(),
                    position,
                    found,
                    expected,
                });
            }
        }
    }
    let window = plan::window_for(now, c.months);
    let sink = CsvSink::create(out).map_err(|source| Error::OutputCreate {
        output: out.clone(),
        source,
    })?;
    Ok(Start {
        sink,
        seen: SeenSet::new(),
        plan: new_plan(c, window),
        window,
        carry: Carry::default(),
        adzuna: None,
        adzuna_rows: 0,
        locks,
    })
}

/// `--dry-run`: probe the starting slices' totals and print the plan, writing nothing.
fn dry_run(
    c: &CollectConfig,
    client: &FranceTravailClient,
    window: CreationWindow,
) -> Result<Outcome, Error> {
    // Adzuna is not probed: every call counts against its quota.
    let adzuna_line = c.sources.adzuna.then(|| {
        let phrases = super::adzuna::phrases(&c.rome_codes, c.search.as_deref())
            .map(|p| p.len())
            .unwrap_or(0);
        format!(
            "\n  adzuna:          {phrases} phrase(s), pages of {}; not probed (every call counts against the quota)",
            c.results_per_page.min(crate::source::adzuna::MAX_RESULTS_PER_PAGE)
        )
    });
    if !c.sources.france_travail {
        return Ok(Outcome {
            status: RunStatus::Complete,
            summary: None,
            plan_report: Some(format!(
                "dry run (Adzuna only){}\nnothing was written.",
                adzuna_line.unwrap_or_default()
            )),
        });
    }
    let adaptive_roots = plan::adaptive::roots(&c.rome_codes, c.departements.as_deref(), window);
    let probe = Plan::new(
        Strategy::Adaptive,
        c.results_per_page,
        c.search.clone(),
        adaptive_roots.clone(),
    );
    let mut total = 0u64;
    let mut calls = 0u64;
    let cap = probe.cap();
    for (i, spec) in adaptive_roots.iter().enumerate() {
        let page = client.search(&spec.params(c.search.as_deref(), 0, 0))?;
        let t = page.total.unwrap_or(0);
        total += t;
        // Each time cut costs about one extra page beyond ceil(T / page size).
        calls += t.div_ceil(c.results_per_page as u64).max(1) + t / cap;
        log::debug!("root {i}: {} → {t} offers", spec.describe());
    }
    let (slices, calls) = match c.strategy {
        Strategy::Adaptive => (
            format!(
                "{} starting slice(s), cut by time where a slice exceeds {cap} offers",
                adaptive_roots.len()
            ),
            calls,
        ),
        Strategy::Grid => {
            let n =
                plan::grid::roots(&c.rome_codes, c.departements.as_deref(), window).len() as u64;
            (
                format!("{n} grid slices (département × ROME code × month)"),
                calls.max(n) + n,
            )
        }
    };
    let secs = calls as f64 * c.rate_limit_delay.as_secs_f64();
    let report = format!(
        "dry run ({} strategy), window {} .. {}\n  slices:          {slices}\n  expected offers: {total}\n  expected calls:  about {calls}\n  duration:        about {:.0} s at one request every {:.3} s{}\nnothing was written.",
        c.strategy,
        window.min.format("%Y-%m-%d %H:%M:%S"),
        window.max.format("%Y-%m-%d %H:%M:%S"),
        secs,
        c.rate_limit_delay.as_secs_f64(),
        adzuna_line.unwrap_or_default()
    );
    Ok(Outcome {
        status: RunStatus::Complete,
        summary: None,
        plan_report: Some(report),
    })
}

/// The path the Parquet file gets by default: the CSV path with `.parquet`.
pub fn default_parquet_path(csv: &Path) -> PathBuf {
    csv.with_extension("parquet")
}
