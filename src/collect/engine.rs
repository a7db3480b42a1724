//! The collection loop: one writer thread, a small pool of blocking workers, the sources.
//!
//! Invariants: only this thread touches the output, the dedup set and the checkpoint; a page is
//! handed back to its source only after its offers were handed to the CSV writer, and the
//! checkpoint is saved only after the CSV was synced, so resume never loses nor repeats a row.
//! The engine knows no source by name: it works through [`Source`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::checkpoint::{self, Carry, Checkpoint, QueryKey};
use super::dedup::SeenSet;
use super::progress::{Progress, Snapshot};
use super::resume::{Start, prepare};
use super::source::{
    self, Failure, Fetched, Source, SourceContext, SourceFactory, SourceVerdict, Ticket,
};
use super::summary::{self, Summary};
use super::verdict;
use super::{CollectConfig, Outcome};
use crate::error::{ApiError, Error};
use crate::fsutil;
use crate::http::stats::{ApiStats, ApiStatsSnapshot};
use crate::normalize::Warnings;
use crate::sink::csv::CsvSink;
use crate::sink::raw::RawArchive;
use crate::source::france_travail::CreationWindow;

/// Checkpoints triggered by finished slices are at least this far apart (the offer interval,
/// failures and the end of the run always save at once).
const MIN_CHECKPOINT_SPACING: Duration = Duration::from_millis(200);

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

/// Runs a collection (or a dry run) to its end, with the registered sources.
pub fn collect(c: &CollectConfig) -> Result<Outcome, Error> {
    collect_with(c, &source::registered())
}

/// Runs a collection with the sources `factories` build (those that return `None` take no part).
pub fn collect_with(c: &CollectConfig, factories: &[SourceFactory]) -> Result<Outcome, Error> {
    let now = c.now.unwrap_or_else(Utc::now);
    if !c.dry_run {
        super::outputs::probe(c)?;
    }
    if c.dry_run {
        return super::dry_run::dry_run(
            c,
            crate::source::france_travail::plan::window_for(now, c.months),
        );
    }
    // Each source checks what it can (codes, credentials, quota file) before any file is
    // touched. An unreachable endpoint is left to the run, which retries it and keeps a
    // checkpoint (exit 3); so is an interruption, which the run turns into a checkpoint (130).
    let stats = Arc::new(ApiStats::default());
    let ctx = SourceContext {
        config: c,
        stats: stats.clone(),
    };
    let mut sources = Vec::new();
    for build in factories {
        sources.extend(build(&ctx)?);
    }
    if sources.is_empty() {
        return Err(Error::NoSource);
    }
    let started_at = Utc::now();
    let cp_path = checkpoint::path_for(&c.output);
    let Start {
        sink,
        seen,
        window,
        mut carry,
        saved,
        rows_by_source,
        locks: _locks,
    } = prepare(c, now, &cp_path)?;
    for s in &mut sources {
        s.resume(c, window, saved.get(s.name()))?;
    }
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
        sources,
        stats,
        sink,
        seen,
        raw,
        base_api: carry.api.clone(),
        carry,
        duplicates: 0,
        warnings: Warnings::default(),
        rows_by_source,
        stopping: false,
        fatal: None,
        consecutive_failures: 0,
        since_checkpoint: 0,
        last_checkpoint: Instant::now(),
        unsaved: false,
    };
    // A first checkpoint right away: from here on, a kill always leaves a resumable state.
    run.save()?;
    run.work()?;
    run.finish()
}

/// A collection under way: the sources, the output and the loop's bookkeeping, owned by the writer.
struct Run<'c> {
    c: &'c CollectConfig,
    cp_path: PathBuf,
    window: CreationWindow,
    started: Instant,
    started_at: DateTime<Utc>,
    /// In the order their requests are handed out.
    sources: Vec<Box<dyn Source>>,
    /// The counters of every source's requests.
    stats: Arc<ApiStats>,
    sink: CsvSink,
    seen: SeenSet,
    raw: Option<RawArchive>,
    /// Counters carried from earlier runs of this collection.
    carry: Carry,
    /// The API counters at the start of this run (for the progress rate).
    base_api: ApiStatsSnapshot,
    duplicates: u64,
    warnings: Warnings,
    /// Rows in the output by source (earlier runs included).
    rows_by_source: BTreeMap<String, u64>,
    /// No new page is handed out (interruption, fatal error, too many failures).
    stopping: bool,
    fatal: Option<ApiError>,
    consecutive_failures: u32,
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
        carry.api.add(&self.stats.snapshot());
        carry.duplicates += self.duplicates;
        carry.warnings.merge(&self.warnings);
        carry.elapsed_seconds += self.started.elapsed().as_secs_f64();
        let mut sources = BTreeMap::new();
        for s in &self.sources {
            sources.insert(s.name().to_string(), s.state()?);
        }
        Checkpoint {
            format: checkpoint::FORMAT_VERSION,
            tool: format!("ftcollect {}", env!("CARGO_PKG_VERSION")),
            query: query_key(c),
            window: self.window,
            csv_bytes: bytes,
            csv_rows: self.sink.rows(),
            sources,
            carry,
            updated_at: Utc::now(),
        }
        .save(&self.cp_path)?;
        self.since_checkpoint = 0;
        self.last_checkpoint = Instant::now();
        self.unsaved = false;
        Ok(())
    }

    /// The loop: hand requests to the workers, write what comes back, until nothing is left or
    /// the run stops.
    fn work(&mut self) -> Result<(), Error> {
        let c = self.c;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(c.workers.max(1))
            .thread_name(|i| format!("ftcollect-worker-{i}"))
            .build()
            .map_err(|e| Error::Internal {
                what: format!("cannot start the worker pool: {e}"),
            })?;
        type Answer = ((usize, Ticket), Result<Fetched, ApiError>);
        let (tx, rx) = mpsc::channel::<Answer>();
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
                let Some((i, request)) = self.next_request() else {
                    break;
                };
                let tx = tx.clone();
                let key = (i, request.ticket);
                pool.spawn(move || {
                    let _ = tx.send((key, (request.fetch)()));
                });
                in_flight += 1;
            }
            if in_flight == 0 {
                break;
            }
            match rx.recv_timeout(Duration::from_millis(250)) {
                Ok(((i, ticket), result)) => {
                    in_flight -= 1;
                    match result {
                        Ok(fetched) => self.on_fetched(i, ticket, fetched)?,
                        Err(e) => {
                            self.on_error(i, ticket, e);
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
            progress.update(&self.snapshot());
        }
        progress.finish();
        Ok(())
    }

    /// What the progress display shows: every source's part summed.
    fn snapshot(&self) -> Snapshot {
        let mut snap = Snapshot {
            offers: self.sink.rows(),
            requests: self.base_api.search_requests + self.stats.snapshot().search_requests,
            page_size: self.c.results_per_page as u64,
            ..Snapshot::default()
        };
        for s in &self.sources {
            let p = s.progress();
            snap.slices_finished += p.units_finished;
            snap.slices += p.units;
            snap.pages_owed += p.pages_owed;
            if let Some(e) = p.expected {
                snap.expected = Some(snap.expected.unwrap_or(0) + e);
            }
        }
        snap
    }

    /// The next request, from the first source (in registration order) that has one ready.
    fn next_request(&mut self) -> Option<(usize, source::Request)> {
        self.sources
            .iter_mut()
            .enumerate()
            .find_map(|(i, s)| s.next_request().map(|r| (i, r)))
    }

    /// A page arrived: write its new offers, archive it, hand it to its source, checkpoint if due.
    fn on_fetched(&mut self, i: usize, ticket: Ticket, fetched: Fetched) -> Result<(), Error> {
        let c = self.c;
        self.consecutive_failures = 0;
        let kept = self.write(&fetched)?;
        crate::testhook::pause_point("csv-append");
        self.since_checkpoint += kept;
        self.warnings.merge(&fetched.warnings);
        let source = &mut self.sources[i];
        if let Some(r) = self.raw.as_mut() {
            let (slice, describe) = source.raw_label(ticket);
            r.append(slice, &describe, &fetched.body, fetched.fetched_at)
                .map_err(|e| Error::io("cannot write the raw archive", e))?;
        }
        *self
            .rows_by_source
            .entry(source.name().to_string())
            .or_default() += kept;
        let finished_now = source.on_page(ticket, &fetched, kept);
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

    /// Appends a page's new offers to the CSV; returns how many were new rows.
    fn write(&mut self, fetched: &Fetched) -> Result<u64, Error> {
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
                inside && seen.insert(&o.source, &o.id)
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
        .map_err(|e| Error::io(format!("cannot write {}", self.c.output.display()), e))?;
        self.duplicates += fresh.iter().filter(|f| !**f).count() as u64;
        for (w, _) in fetched
            .offer_warnings
            .iter()
            .zip(&fresh)
            .filter(|(_, f)| **f)
        {
            self.warnings.merge(w);
        }
        Ok(kept)
    }

    /// A request failed after its retries (or the run must stop): its source says what it means.
    fn on_error(&mut self, i: usize, ticket: Ticket, e: ApiError) {
        match self.sources[i].on_error(ticket, e) {
            Failure::Stop(e) => self.stop_with(e),
            Failure::Counted { what, unit, error } => self.count_failure(&what, unit, &error),
            Failure::Handled => {}
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
        let interrupted = c.cancel.is_cancelled();
        let verdicts: Vec<(&'static str, SourceVerdict)> = self
            .sources
            .iter()
            .map(|s| {
                let rows = self.rows_by_source.get(s.name()).copied().unwrap_or(0);
                (s.name(), s.verdict(interrupted, rows))
            })
            .collect();
        let facts = verdict::Facts {
            interrupted,
            fatal: self.fatal.as_ref(),
            sources_complete: verdicts.iter().all(|(_, v)| v.complete),
            sources_resumable: verdicts.iter().any(|(_, v)| v.resumable),
        };
        let status = verdict::status(&facts);
        let resumable = verdict::keeps_checkpoint(&facts);
        let mut told = Told::gather(&verdicts);
        told.problems.extend(verdict::run_problems(&facts));
        if let Some(w) = verdict::empty_query_warning(status, told.announced_total) {
            log::warn!("{w}");
            told.notes.push(w);
        }
        let offers_by_source = self.offers_by_source(&verdicts);
        let mut total_api = self.carry.api.clone();
        total_api.add(&self.stats.snapshot());
        self.carry.warnings.merge(&self.warnings);
        let parquet = self.write_parquet(interrupted)?;
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
            announced_total: told.announced_total,
            slices: told.slices.unwrap_or_default(),
            reconciliation: told.reconciliation,
            api: total_api,
            warnings: self.carry.warnings.clone(),
            problems: told.problems,
            notes: told.notes,
        };
        summary.save(&summary::path_for(&c.output))?;
        if !resumable {
            // Nothing left to resume: the checkpoint goes (capped slices cannot be helped by a rerun).
            std::fs::remove_file(&self.cp_path)
                .map_err(|e| Error::io(format!("cannot remove {}", self.cp_path.display()), e))?;
            let _ = fsutil::sync_dir(&fsutil::parent_dir(&self.cp_path));
        }
        match self.fatal {
            // Out of patience with 429s: like an outage, the run ends incomplete with its
            // checkpoint and its summary (exit 3), the problem naming the budget.
            None | Some(ApiError::ThrottleBudget { .. }) => Ok(Outcome {
                status,
                summary: Some(summary),
                plan_report: None,
            }),
            Some(e) => Err(Error::Api(e)),
        }
    }

    /// Rows by source when more than one takes part, or the one is not the default (empty
    /// otherwise).
    fn offers_by_source(
        &self,
        verdicts: &[(&'static str, SourceVerdict)],
    ) -> BTreeMap<String, u64> {
        if verdicts.len() == 1 && verdicts[0].0 == super::DEFAULT_SOURCE {
            return BTreeMap::new();
        }
        verdicts
            .iter()
            .map(|(n, _)| {
                let rows = self.rows_by_source.get(*n).copied().unwrap_or(0);
                (n.to_string(), rows)
            })
            .collect()
    }

    /// Parquet is produced from the durable CSV at the end of a run that was not cut short, so a
    /// resumed collection ends with a Parquet file holding exactly the CSV's rows.
    fn write_parquet(&self, interrupted: bool) -> Result<Option<PathBuf>, Error> {
        let c = self.c;
        let Some(p) = &c.parquet else {
            return Ok(None);
        };
        if interrupted || self.fatal.is_some() {
            return Ok(None);
        }
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
        Ok(Some(p.clone()))
    }
}

/// What the sources' verdicts tell the summary, gathered in registration order.
#[derive(Default)]
struct Told {
    problems: Vec<String>,
    notes: Vec<String>,
    announced_total: Option<u64>,
    slices: Option<super::source::PlanCounts>,
    reconciliation: Option<crate::source::france_travail::reconcile::Reconciliation>,
}

impl Told {
    fn gather(verdicts: &[(&'static str, SourceVerdict)]) -> Told {
        let mut t = Told::default();
        for (_, v) in verdicts {
            t.problems.extend(v.problems.iter().cloned());
            t.notes.extend(v.notes.iter().cloned());
            t.announced_total = t.announced_total.or(v.announced_total);
            t.slices = t.slices.or(v.slices.clone());
            t.reconciliation = t.reconciliation.or(v.reconciliation.clone());
        }
        t
    }
}

/// The path the Parquet file gets by default: the CSV path with `.parquet`.
pub fn default_parquet_path(csv: &Path) -> PathBuf {
    csv.with_extension("parquet")
}
