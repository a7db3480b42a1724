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
use super::summary::{self, RunStatus, Summary};
use super::{CollectConfig, Outcome};
use crate::error::{ApiError, Error};
use crate::fsutil;
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
    Plan::new(c.strategy, c.results_per_page, c.search.clone(), roots)
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
        .map_err(|e| Error::Config(e.to_string()))?;
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
}

/// Runs a collection (or a dry run) to its end.
pub fn collect(c: &CollectConfig) -> Result<Outcome, Error> {
    let now = c.now.unwrap_or_else(Utc::now);
    if !c.sources.france_travail && !c.sources.adzuna {
        return Err(Error::Usage(
            "--source names no API: give france-travail, adzuna, or both separated by a comma."
                .into(),
        ));
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
    let started = Instant::now();
    let started_at = Utc::now();
    let cp_path = checkpoint::path_for(&c.output);
    let Start {
        mut sink,
        mut seen,
        mut plan,
        window,
        mut carry,
        adzuna: adzuna_saved,
        mut adzuna_rows,
    } = prepare(c, now, &cp_path)?;
    let mut adzuna = match (adzuna_settings, adzuna_phrases) {
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
    let mut raw =
        match &c.raw_dir {
            Some(d) => Some(RawArchive::open(d).map_err(|e| {
                Error::io(format!("cannot create the raw archive {}", d.display()), e)
            })?),
            None => None,
        };

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(c.workers.max(1))
        .thread_name(|i| format!("ftcollect-worker-{i}"))
        .build()
        .map_err(|e| Error::Config(format!("cannot start the worker pool: {e}")))?;
    let (tx, rx) = mpsc::channel::<(Work, Result<Fetched, ApiError>)>();
    let mut progress = Progress::new(c.quiet);
    progress.set_baseline(carry.api.search_requests);

    let mut in_flight = 0usize;
    let mut stopping = false;
    let mut fatal: Option<ApiError> = None;
    let mut consecutive_failures = 0u32;
    let mut last_failure: Option<String> = None;
    let mut since_checkpoint = 0u64;
    let mut last_checkpoint = Instant::now();
    let mut unsaved = false;
    let mut duplicates = 0u64;
    let mut warnings = Warnings::default();
    let base_stats = carry.api.clone();

    let save = |plan: &Plan,
                adzuna: Option<&AdzunaPlan>,
                sink: &mut CsvSink,
                carry: &Carry,
                duplicates: u64,
                warnings: &Warnings,
                client: &FranceTravailClient,
                elapsed: f64|
     -> Result<(), Error> {
        let bytes = sink
            .sync()
            .map_err(|e| Error::io(format!("cannot write {}", c.output.display()), e))?;
        let mut carry = carry.clone();
        carry.api.add(&client.transport().stats.snapshot());
        carry.duplicates += duplicates;
        carry.warnings.merge(warnings);
        carry.elapsed_seconds += elapsed;
        Checkpoint {
            format: checkpoint::FORMAT_VERSION,
            tool: format!("ftcollect {}", env!("CARGO_PKG_VERSION")),
            query: query_key(c),
            window,
            csv_bytes: bytes,
            csv_rows: sink.rows(),
            plan: plan.state(),
            adzuna: adzuna.map(|a| a.to_value(adzuna_client.as_ref().map_or(0, |z| z.calls()))),
            carry,
            updated_at: Utc::now(),
        }
        .save(&cp_path)
    };
    // A first checkpoint right away: from here on, a kill always leaves a resumable state.
    save(
        &plan,
        adzuna.as_ref(),
        &mut sink,
        &carry,
        0,
        &warnings,
        &client,
        0.0,
    )?;

    loop {
        if c.cancel.is_cancelled() && !stopping {
            log::warn!(
                "interrupted: finishing the {in_flight} page(s) in flight, then saving a checkpoint"
            );
            stopping = true;
        }
        while !stopping && in_flight < c.workers.max(1) {
            // Adzuna's one page in flight goes first: it is paced by its own limiter and quota.
            if let (Some(a), Some(z)) = (adzuna.as_mut(), adzuna_client.as_ref())
                && let Some(t) = a.next_task()
            {
                let query = a.query(t);
                let code_rome = a.code_rome(t).map(str::to_string);
                let z = z.clone();
                let tx = tx.clone();
                pool.spawn(move || {
                    let r = z.search(&query).map(|page| {
                        let mut warnings = Warnings::default();
                        warnings.add("adzuna: non-object instead of a job", page.skipped);
                        let offers = page
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
                        let offers: Vec<NormalizedOffer> = offers;
                        Fetched {
                            result: PageResult {
                                total: page.count,
                                created: Vec::new(),
                            },
                            rows: encode_rows(&offers).unwrap_or_default(),
                            offers,
                            warnings,
                            body: page.body,
                            received: page.received,
                        }
                    });
                    let _ = tx.send((Work::Adzuna(t), r));
                });
                in_flight += 1;
                continue;
            }
            let Some(task) = plan.next_task() else { break };
            let params = plan.params(task);
            let client = client.clone();
            let tx = tx.clone();
            pool.spawn(move || {
                let r = client.search(&params).map(|page| {
                    let mut warnings = Warnings::default();
                    let created = page
                        .offers
                        .iter()
                        .filter_map(|o| {
                            o.date_creation
                                .get()
                                .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
                                .map(|d| d.timestamp())
                        })
                        .collect();
                    let offers = page
                        .offers
                        .into_iter()
                        .filter_map(|o| {
                            normalize_france_travail_owned(o, page.fetched_at, &mut warnings)
                        })
                        .collect();
                    let offers: Vec<NormalizedOffer> = offers;
                    Fetched {
                        result: PageResult {
                            total: page.total,
                            created,
                        },
                        rows: encode_rows(&offers).unwrap_or_default(),
                        offers,
                        warnings,
                        body: page.body,
                        received: 0,
                    }
                });
                let _ = tx.send((Work::FranceTravail(task), r));
            });
            in_flight += 1;
        }
        if in_flight == 0 {
            break;
        }
        match rx.recv_timeout(Duration::from_millis(250)) {
            Ok((work, Ok(fetched))) => {
                in_flight -= 1;
                consecutive_failures = 0;
                let fresh: Vec<bool> = fetched
                    .offers
                    .iter()
                    .map(|o| seen.insert(&o.source, &o.id))
                    .collect();
                let kept = if fetched.rows.ends.len() == fetched.offers.len() {
                    sink.append_rows(&fetched.rows, |i| fresh[i])
                } else {
                    // Encoding failed in the worker (cannot happen with in-memory buffers): write
                    // the offers one by one.
                    let mut n = 0;
                    fetched
                        .offers
                        .iter()
                        .zip(&fresh)
                        .filter(|(_, f)| **f)
                        .try_for_each(|(o, _)| {
                            n += 1;
                            sink.write(o)
                        })
                        .map(|_| n)
                }
                .map_err(|e| Error::io(format!("cannot write {}", c.output.display()), e))?;
                crate::testhook::pause_point("csv-append");
                since_checkpoint += kept;
                duplicates += fetched.offers.len() as u64 - kept;
                if matches!(work, Work::Adzuna(_)) {
                    adzuna_rows += kept;
                }
                warnings.merge(&fetched.warnings);
                let finished_now = match work {
                    Work::FranceTravail(task) => {
                        let was_finished = plan.slice(task.slice).is_finished();
                        if let Some(r) = raw.as_mut() {
                            let describe = plan.slice(task.slice).spec.describe();
                            r.append(task.slice, &describe, &fetched.body)
                                .map_err(|e| Error::io("cannot write the raw archive", e))?;
                        }
                        plan.on_page(task, &fetched.result);
                        !was_finished && plan.slice(task.slice).is_finished()
                    }
                    Work::Adzuna(t) => {
                        let Some(a) = adzuna.as_mut() else {
                            continue;
                        };
                        if let Some(r) = raw.as_mut() {
                            r.append(
                                ADZUNA_RAW_SLICE_BASE + t.phrase,
                                &a.describe(t),
                                &fetched.body,
                            )
                            .map_err(|e| Error::io("cannot write the raw archive", e))?;
                        }
                        a.on_page(t, fetched.received, fetched.result.total)
                    }
                };
                unsaved = true;
                // Every `checkpoint_interval` offers; and when a slice (or an Adzuna phrase)
                // finishes, at most a few times per second: with thousands of tiny slices (the
                // grid), one checkpoint per slice would spend the run rewriting the plan (a pending
                // save happens on the next tick).
                if since_checkpoint >= c.checkpoint_interval
                    || (finished_now && last_checkpoint.elapsed() >= MIN_CHECKPOINT_SPACING)
                {
                    save(
                        &plan,
                        adzuna.as_ref(),
                        &mut sink,
                        &carry,
                        duplicates,
                        &warnings,
                        &client,
                        started.elapsed().as_secs_f64(),
                    )?;
                    since_checkpoint = 0;
                    last_checkpoint = Instant::now();
                    unsaved = false;
                }
            }
            Ok((Work::Adzuna(t), Err(e))) => {
                in_flight -= 1;
                let Some(a) = adzuna.as_mut() else {
                    continue;
                };
                match e {
                    ApiError::Interrupted => a.on_cancelled(t),
                    ApiError::Quota { .. } => {
                        // Only Adzuna stops: France Travail's pages go on.
                        log::warn!("{e}: no more Adzuna calls in this run");
                        a.on_quota(t, e.to_string());
                    }
                    ApiError::BadRequest { message, .. } => {
                        a.on_cancelled(t);
                        if fatal.is_none() {
                            fatal = Some(ApiError::BadRequest {
                                status: 400,
                                message: format!(
                                    "{message} Check --search and the --adzuna-* options."
                                ),
                            });
                        }
                        stopping = true;
                    }
                    e if e.is_fatal() => {
                        a.on_cancelled(t);
                        if fatal.is_none() {
                            // Reported once, as the run's error; this says why the run winds down meanwhile.
                            log::info!("stopping after the pages in flight: {e}");
                            fatal = Some(e);
                        }
                        stopping = true;
                    }
                    e => {
                        log::error!("{} failed: {e}", a.describe(t));
                        last_failure = Some(e.to_string());
                        a.on_failure(t, e.to_string());
                        consecutive_failures += 1;
                        if consecutive_failures >= c.max_consecutive_failures.max(1) && !stopping {
                            log::error!(
                                "{consecutive_failures} pages failed in a row: stopping; run the same command again to resume"
                            );
                            stopping = true;
                        }
                    }
                }
                save(
                    &plan,
                    adzuna.as_ref(),
                    &mut sink,
                    &carry,
                    duplicates,
                    &warnings,
                    &client,
                    started.elapsed().as_secs_f64(),
                )?;
            }
            Ok((Work::FranceTravail(task), Err(e))) => {
                in_flight -= 1;
                match e {
                    ApiError::Interrupted => plan.on_cancelled(task),
                    e if e.is_fatal() => {
                        plan.on_cancelled(task);
                        if fatal.is_none() {
                            // Reported once, as the run's error; this says why the run winds down meanwhile.
                            log::info!("stopping after the pages in flight: {e}");
                            fatal = Some(e);
                        }
                        stopping = true;
                    }
                    ApiError::BadRequest { message, .. }
                        if plan.slice(task.slice).origin == plan::Origin::Root
                            && task.page == 0 =>
                    {
                        plan.on_cancelled(task);
                        if fatal.is_none() {
                            fatal = Some(ApiError::BadRequest {
                                status: 400,
                                message: format!(
                                    "{message} Check --rome, --departements and --search."
                                ),
                            });
                        }
                        stopping = true;
                    }
                    e => {
                        let what = plan.slice(task.slice).spec.describe();
                        log::error!("slice {what} failed: {e}");
                        last_failure = Some(e.to_string());
                        plan.on_failure(task, e.to_string());
                        consecutive_failures += 1;
                        if consecutive_failures >= c.max_consecutive_failures.max(1) && !stopping {
                            log::error!(
                                "{consecutive_failures} slices failed in a row: stopping; run the same command again to resume"
                            );
                            stopping = true;
                        }
                    }
                }
                save(
                    &plan,
                    adzuna.as_ref(),
                    &mut sink,
                    &carry,
                    duplicates,
                    &warnings,
                    &client,
                    started.elapsed().as_secs_f64(),
                )?;
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if unsaved && last_checkpoint.elapsed() >= MIN_CHECKPOINT_SPACING {
                    save(
                        &plan,
                        adzuna.as_ref(),
                        &mut sink,
                        &carry,
                        duplicates,
                        &warnings,
                        &client,
                        started.elapsed().as_secs_f64(),
                    )?;
                    since_checkpoint = 0;
                    last_checkpoint = Instant::now();
                    unsaved = false;
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        let counts = plan.counts();
        progress.update(&Snapshot {
            slices_finished: counts.done + counts.split + counts.capped,
            slices: counts.slices,
            offers: sink.rows(),
            requests: base_stats.search_requests
                + client.transport().stats.snapshot().search_requests,
            pages_owed: plan.pages_owed(),
        });
    }
    progress.finish();
    drop(pool);

    // The final checkpoint, then the verdict.
    let elapsed = started.elapsed().as_secs_f64();
    save(
        &plan,
        adzuna.as_ref(),
        &mut sink,
        &carry,
        duplicates,
        &warnings,
        &client,
        elapsed,
    )?;
    let counts = plan.counts();
    let mut problems = Vec::new();
    for s in plan.slices() {
        match &s.state {
            SliceState::Failed { error } => {
                problems.push(format!("failed slice {}: {error}", s.spec.describe()))
            }
            SliceState::Capped { total, reachable } => problems.push(format!(
                "capped slice {}: {total} offers, only {reachable} reachable ({} unreachable)",
                s.spec.describe(),
                total - reachable
            )),
            _ => {}
        }
    }
    let interrupted = c.cancel.is_cancelled();
    let adzuna_unfinished = adzuna.as_ref().is_some_and(|a| !a.is_complete());
    let status = if interrupted {
        RunStatus::Interrupted
    } else if fatal.is_none()
        && counts.failed == 0
        && counts.pending == 0
        && counts.capped == 0
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
            last_failure
                .as_ref()
                .map(|l| format!(" (last error: {l})"))
                .unwrap_or_default()
        ));
    }

    let mut notes = Vec::new();
    let mut offers_by_source = std::collections::BTreeMap::new();
    if let (Some(a), Some(z)) = (adzuna.as_ref(), adzuna_client.as_ref()) {
        problems.extend(a.problems(interrupted));
        notes.extend(a.notes(z, adzuna_rows));
        if c.sources.france_travail {
            offers_by_source.insert(
                crate::normalize::france_travail::SOURCE.to_string(),
                sink.rows() - adzuna_rows,
            );
        }
        offers_by_source.insert(crate::normalize::adzuna::SOURCE.to_string(), adzuna_rows);
    }

    let mut total_api = carry.api.clone();
    total_api.add(&client.transport().stats.snapshot());
    carry.warnings.merge(&warnings);
    let resumable = counts.failed > 0
        || counts.pending > 0
        || fatal.is_some()
        || interrupted
        || adzuna_unfinished;
    // Parquet is produced from the durable CSV at the end of a run that was not cut short, so a
    // resumed collection ends with a Parquet file holding exactly the CSV's rows.
    let parquet = match &c.parquet {
        Some(p) if !interrupted && fatal.is_none() => {
            drop(sink.sync());
            let n = crate::sink::parquet::convert_csv(
                &c.output,
                p,
                crate::sink::parquet::metadata(&query_key(c)),
            )?;
            log::info!("wrote {n} offers to {}", p.display());
            Some(p.clone())
        }
        _ => None,
    };
    let summary = Summary {
        tool: format!("ftcollect {}", env!("CARGO_PKG_VERSION")),
        status,
        exit_code: Outcome {
            status,
            summary: None,
            plan_report: None,
        }
        .exit_code()
        .code(),
        query: query_key(c),
        window,
        output: c.output.clone(),
        parquet,
        started_at: carry.started_at.unwrap_or(started_at),
        finished_at: Utc::now(),
        elapsed_seconds: carry.elapsed_seconds + elapsed,
        runs: carry.runs,
        offers_written: sink.rows(),
        offers_by_source,
        duplicates_skipped: carry.duplicates + duplicates,
        // France Travail's announced total (Adzuna's `count`s are in the notes).
        announced_total: plan.announced_total().filter(|_| c.sources.france_travail),
        slices: counts,
        api: total_api,
        warnings: carry.warnings.clone(),
        problems,
        notes,
    };
    summary.save(&summary::path_for(&c.output))?;
    if !resumable {
        // Nothing left to resume: the checkpoint goes (capped slices cannot be helped by a rerun).
        std::fs::remove_file(&cp_path)
            .map_err(|e| Error::io(format!("cannot remove {}", cp_path.display()), e))?;
        let _ = fsutil::sync_dir(&fsutil::parent_dir(&cp_path));
    }
    if let Some(e) = fatal {
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

/// Opens the output for a fresh run or a resume.
fn prepare(c: &CollectConfig, now: DateTime<Utc>, cp_path: &Path) -> Result<Start, Error> {
    let out = &c.output;
    if out.is_dir() {
        return Err(Error::Config(format!(
            "--output {} is a directory: give a file path such as {}/jobs.csv",
            out.display(),
            out.display()
        )));
    }
    let dir = fsutil::parent_dir(out);
    if let Some(file) = dir
        .ancestors()
        .filter(|a| !a.as_os_str().is_empty())
        .find(|a| a.exists())
        .filter(|a| !a.is_dir())
    {
        return Err(Error::Config(format!(
            "--output {}: {} is a file, not a directory, so the output cannot be created under it. \
             Choose an --output in a directory (it is created if needed).",
            out.display(),
            file.display()
        )));
    }
    std::fs::create_dir_all(&dir).map_err(|e| {
        Error::io(
            format!(
                "cannot create the output directory {}: choose an --output in a directory you can write to",
                dir.display()
            ),
            e,
        )
    })?;
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

    // The summary describes the output it sits beside: it moves aside with it.
    let move_summary_aside = || -> Result<(), Error> {
        let p = summary::path_for(out);
        if p.is_file() {
            fsutil::move_aside(&p)
                .map_err(|e| Error::io(format!("cannot move {} aside", p.display()), e))?;
        }
        Ok(())
    };
    if cp_path.exists() && c.restart {
        if out.exists() {
            let b = fsutil::move_aside(out)
                .map_err(|e| Error::io(format!("cannot move {} aside", out.display()), e))?;
            log::warn!(
                "--restart: the previous output was moved to {}",
                b.display()
            );
            move_summary_aside()?;
        }
        let b = fsutil::move_aside(cp_path)
            .map_err(|e| Error::io(format!("cannot move {} aside", cp_path.display()), e))?;
        log::info!(
            "--restart: the previous checkpoint was moved to {}",
            b.display()
        );
    }

    if cp_path.exists() {
        let cp = Checkpoint::load(cp_path)?;
        let key = query_key(c);
        if let Some(diff) = cp.query.difference(&key) {
            return Err(Error::Usage(format!(
                "{} belongs to another query ({diff}). Run the same command as before to resume it, \
                 or add --restart to start over (the existing output is moved to a .bak file).",
                cp_path.display()
            )));
        }
        if !out.exists() {
            return Err(Error::Data(format!(
                "the checkpoint {} exists but {} is gone, so the collection cannot resume. Run with --restart to start over.",
                cp_path.display(),
                out.display()
            )));
        }
        let len = std::fs::metadata(out)
            .map_err(|e| Error::io(format!("cannot read {}", out.display()), e))?
            .len();
        if len < cp.csv_bytes {
            return Err(Error::Data(format!(
                "{} is shorter ({len} bytes) than the checkpoint recorded ({} bytes): it was modified outside ftcollect. \
                 Run with --restart to start over (the file is kept as a .bak file).",
                out.display(),
                cp.csv_bytes
            )));
        }
        match csv_sink::check_header(out)? {
            HeaderCheck::Ours => {}
            _ => {
                return Err(Error::Data(format!(
                    "{} no longer starts with ftcollect's header, so the collection cannot resume. Nothing was changed. \
                     Run with --restart to start over (the file is kept as a .bak file).",
                    out.display()
                )));
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
            return Err(Error::Data(format!(
                "{} holds {rows} rows where the checkpoint recorded {}: it was modified outside ftcollect. Run with --restart to start over.",
                out.display(),
                cp.csv_rows
            )));
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
        });
    }

    if out.exists() {
        match csv_sink::check_header(out)? {
            HeaderCheck::Empty => {}
            HeaderCheck::Ours => {
                let b = fsutil::move_aside(out)
                    .map_err(|e| Error::io(format!("cannot move {} aside", out.display()), e))?;
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
                return Err(Error::Data(format!(
                    "{} exists and is not a CSV written by ftcollect (column {position} is `{found}`, expected `{expected}`). \
                     It was left untouched: choose another --output or move the file away.",
                    out.display()
                )));
            }
        }
    }
    let window = plan::window_for(now, c.months);
    let sink = CsvSink::create(out).map_err(|e| {
        Error::io(
            format!(
                "cannot create {}: choose an --output in a directory you can write to",
                out.display()
            ),
            e,
        )
    })?;
    Ok(Start {
        sink,
        seen: SeenSet::new(),
        plan: new_plan(c, window),
        window,
        carry: Carry::default(),
        adzuna: None,
        adzuna_rows: 0,
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
