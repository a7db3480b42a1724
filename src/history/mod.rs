//! Real history from scheduled runs: `ftcollect sync` collects the query and merges what it saw
//! into a dataset directory that remembers every offer's first and last sighting, its versions and
//! its withdrawal; `ftcollect history` summarizes it. See `docs/history.md`.
//!
//! Why: the APIs only serve offers that are online now, so a history exists only if someone keeps
//! what each run saw. Invariants (the details live in the submodules):
//! - one run at a time per dataset (an OS lock, [`dataset::DatasetLock`]);
//! - a run lands completely or not at all ([`dataset::commit`]); a crash at any instant leaves the
//!   previous dataset readable and the next sync repairs it;
//! - a sync invocation first finishes the run a previous invocation left unfinished (resuming its
//!   collection from the checkpoint, or just merging it) and in that case does nothing more: one
//!   invocation, one run, and a run keeps the "now" it started with (a collection left unfinished
//!   for more than [`MAX_RESUME_AGE`] is dropped instead);
//! - only a complete run can mark an offer withdrawn ([`merge`]).
//!
//! Exit codes of `sync`: 0 the run landed complete; 3 the run landed but its collection was
//! incomplete (no offer was marked withdrawn; the next run starts fresh); 130 interrupted during
//! the collection (nothing landed; the next sync resumes it); 75 another process holds the
//! dataset's lock; 2 a usage error (such as another query than the dataset's); 1 any other error.

pub mod dataset;
pub mod merge;
pub mod report;
pub mod scrub;
pub mod table;

use std::path::PathBuf;
use std::time::Instant;

use chrono::{DateTime, Utc};

use crate::collect::checkpoint::{self, QueryKey};
use crate::collect::summary::{self, Summary};
use crate::collect::{self, CollectConfig, RunStatus};
use crate::error::{Error, QueryChange};
use dataset::{DatasetLock, Layout, Manifest, PendingRun, RunRecord};
use merge::{MergeCounts, MergeInput};

pub use report::{HistoryReport, report};

/// Test hook (see [`crate::testhook`]): when this variable names a stage, a sync stops there.
pub use crate::testhook::PAUSE_ENV;

/// The stages [`PAUSE_ENV`] can name, in the order a sync reaches them.
pub const STAGES: &[&str] = &[
    // The collection is finished and recorded; the merge has not started.
    "collected",
    // The stored history was read and the new state is half written (temporary files).
    "merging",
    // Every new file is written and fsynced under _staging/; the manifest is untouched.
    "staged",
    // The manifest names the run (commit point); no file has been moved yet.
    "committed",
    // The snapshot partition is in place; offers.parquet and runs.jsonl are not.
    "published-snapshot",
    // offers.parquet is in place; runs.jsonl is not.
    "published-offers",
    // Every file is in place; the manifest still says the run is being published.
    "published-runs",
    // The manifest is final; the staging and work areas are not removed yet.
    "finished",
];

/// Stops here forever if [`PAUSE_ENV`] names `stage` (tests only; costs one environment lookup).
pub(crate) fn pause_point(stage: &str) {
    debug_assert!(STAGES.contains(&stage), "unknown stage {stage}");
    crate::testhook::pause_point(stage);
}

/// An unfinished collection older than this (from its run's time to the new sync's) is dropped
/// rather than resumed: its offers would be stamped with a time long past. A finished collection
/// is always merged, whatever its age.
pub const MAX_RESUME_AGE: chrono::TimeDelta = chrono::TimeDelta::hours(12);

/// A sync: the dataset and the collection to run into it.
#[derive(Clone, Debug)]
pub struct SyncConfig {
    pub dataset: PathBuf,
    /// The query and how to collect it; `output`, `parquet` and `restart` are ignored (the sync
    /// manages its own files), `now` is the new run's time (default: the clock).
    pub collect: CollectConfig,
    /// Remove the identifying content of withdrawn offers from the dataset ([`scrub`]; the
    /// licence's duty, on by default: see `docs/history.md`).
    pub scrub_withdrawn: bool,
}

impl SyncConfig {
    /// A sync of `collect` into `dataset`, with the documented defaults.
    pub fn new(dataset: impl Into<PathBuf>, collect: CollectConfig) -> Self {
        SyncConfig {
            dataset: dataset.into(),
            collect,
            scrub_withdrawn: true,
        }
    }
}

/// How a sync ended.
#[derive(Debug)]
pub struct SyncReport {
    pub status: RunStatus,
    /// The run that landed (`None` when interrupted or for a dry run).
    pub run: Option<RunRecord>,
    pub summary: Option<Summary>,
    /// True when this invocation finished a run an earlier one had started.
    pub finished_earlier_run: bool,
    pub plan_report: Option<String>,
}

impl SyncReport {
    /// The lines printed after the collection's summary.
    pub fn render(&self) -> String {
        let Some(r) = &self.run else {
            return match self.status {
                RunStatus::Interrupted => {
                    "sync interrupted: nothing was merged; the next sync resumes the collection\n"
                        .into()
                }
                _ => String::new(),
            };
        };
        let mut out = format!(
            "run {} landed ({}){}:\n  {} offers seen: {} new, {} updated, {} unchanged, {} returned\n  {} withdrawn, {} left the window; {} offers tracked, {} active\n",
            r.run_id,
            match r.status {
                RunStatus::Complete => "complete",
                _ => "INCOMPLETE: no offer was marked withdrawn",
            },
            if self.finished_earlier_run {
                " — it was started by an earlier sync; run sync again for a new run"
            } else {
                ""
            },
            r.offers_seen,
            r.new,
            r.updated,
            r.unchanged,
            r.returned,
            r.withdrawn,
            r.left_window,
            r.offers_tracked,
            r.offers_active
        );
        if r.scrubbed > 0 {
            out.push_str(&format!(
                "  identifying content removed from {} withdrawn offer(s) (licence duty)\n",
                r.scrubbed
            ));
        }
        if r.reposts > 0 {
            out.push_str(&format!(
                "  {} new offer(s) repost a withdrawn one (repost_of)\n",
                r.reposts
            ));
        }
        out.push_str(&format!(
            "  {} search calls, collection {:.1} s, merge {:.1} s{}\n",
            r.search_requests,
            r.collection_seconds,
            r.merge_seconds,
            if r.warnings.total() > 0 {
                format!(
                    "; {} field warnings (listed in runs.jsonl)",
                    r.warnings.total()
                )
            } else {
                String::new()
            }
        ));
        out
    }
}

/// The first difference between the dataset's query and this one, ignoring how the query is cut
/// (strategy, page size), which does not change what it returns.
fn query_difference(dataset: &QueryKey, now: &QueryKey) -> Option<QueryChange> {
    let mut d = dataset.clone();
    d.strategy = now.strategy;
    d.results_per_page = now.results_per_page;
    d.difference(now)
}

/// The query a dataset follows: its manifest's, or (before its first run landed) the query of
/// the run under way. `None` for a directory that holds no dataset yet. Read without the lock
/// (both files are only ever replaced atomically); `sync` checks it again under the lock.
pub fn stored_query(dataset: &std::path::Path) -> Result<Option<QueryKey>, Error> {
    let l = Layout::new(dataset);
    if !l.dir.is_dir() {
        return Ok(None);
    }
    if let Some(m) = Manifest::load(&l)? {
        return Ok(Some(m.query));
    }
    Ok(PendingRun::load(&l)?.map(|p| p.query))
}

/// One scheduled run (see the module documentation), in phases: open the dataset and take its
/// lock; land a run an earlier invocation committed; check the query; choose the run (finish the
/// pending one, or start a new one); collect; merge and commit.
pub fn sync(c: &SyncConfig) -> Result<SyncReport, Error> {
    if c.collect.dry_run {
        let outcome = collect::collect(&c.collect)?;
        return Ok(SyncReport {
            status: outcome.status,
            run: None,
            summary: None,
            finished_earlier_run: false,
            plan_report: outcome.plan_report,
        });
    }
    let l = Layout::new(&c.dataset);
    open_dataset(&l)?;
    let _lock = DatasetLock::acquire(&l, "sync")?;
    let recovery = dataset::recover(&l)?;
    let manifest = recovery.manifest;
    if let Some(done) = recovery.finished {
        return landed_earlier(&l, done.run_id, done.status);
    }
    if manifest.is_none() {
        dataset::check_new_dataset(&l)?;
    }
    let query = collect::engine::query_key(&c.collect);
    if let Some(m) = &manifest
        && let Some(change) = query_difference(&m.query, &query)
    {
        return Err(Error::DatasetOfAnotherQuery {
            dataset: l.dir.clone(),
            change,
        });
    }
    let now = c.collect.now.unwrap_or_else(Utc::now);
    let (run, earlier, collected) = choose_run(&l, manifest.as_ref(), &query, now)?;
    let summary = match collected {
        Some(s) => s,
        None => match collect_run(c, &l, &run)? {
            Some(s) => s,
            None => {
                return Ok(SyncReport {
                    status: RunStatus::Interrupted,
                    run: None,
                    summary: None,
                    finished_earlier_run: earlier,
                    plan_report: None,
                });
            }
        },
    };
    pause_point("collected");
    let record = merge_and_commit(c, &l, &run, &summary, manifest, query)?;
    Ok(SyncReport {
        status: summary.status,
        run: Some(record),
        summary: Some(summary),
        finished_earlier_run: earlier,
        plan_report: None,
    })
}

/// Creates the dataset's directory, refusing a file or a folder that is not a dataset before
/// anything (even the lock file) is put in it.
fn open_dataset(l: &Layout) -> Result<(), Error> {
    if l.dir.exists() && !l.dir.is_dir() {
        return Err(Error::DatasetIsFile {
            dataset: l.dir.clone(),
        });
    }
    if !l.manifest().exists() {
        dataset::check_new_dataset(l)?;
    }
    std::fs::create_dir_all(&l.dir).map_err(|e| {
        Error::io(
            format!("cannot create the dataset directory {}", l.dir.display()),
            e,
        )
    })
}

/// The previous invocation committed its run and stopped before it could say so: that run has
/// now landed, and it is this invocation's run.
fn landed_earlier(l: &Layout, run_id: String, status: RunStatus) -> Result<SyncReport, Error> {
    let record = dataset::read_runs(l)?
        .into_iter()
        .rev()
        .find(|r| r.run_id == run_id);
    log::warn!(
        "run {run_id} had been committed by an earlier sync that stopped before finishing: it is now in place; \
         run sync again for a new run"
    );
    Ok(SyncReport {
        status,
        run: record,
        summary: None,
        finished_earlier_run: true,
        plan_report: None,
    })
}

/// The run this invocation works on: the pending one (`true`) with its finished collection if
/// any, unless it is too old to resume; otherwise a new one, its work directory made afresh.
fn choose_run(
    l: &Layout,
    manifest: Option<&Manifest>,
    query: &QueryKey,
    now: DateTime<Utc>,
) -> Result<(PendingRun, bool, Option<Summary>), Error> {
    let mut pending = PendingRun::load(l)?;
    let collected = match &pending {
        Some(_) => finished_collection(l)?,
        None => None,
    };
    if let Some(p) = &pending
        && collected.is_none()
        && now - p.run_at > MAX_RESUME_AGE
    {
        log::warn!(
            "dropping the unfinished collection of run {} (started for {}): it is older than {} hours, \
             and resuming it would stamp today's observations with that time; starting a new run",
            p.run_id,
            p.run_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            MAX_RESUME_AGE.num_hours()
        );
        pending = None;
    }
    if let Some(p) = pending {
        if let Some(change) = p.query.difference(query) {
            return Err(Error::UnfinishedRunOfAnotherQuery {
                dataset: l.dir.clone(),
                work: l.work(),
                change,
            });
        }
        log::warn!(
            "finishing run {} (started for {} by an earlier sync that did not complete); \
             run sync again afterwards for a new run",
            p.run_id,
            p.run_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        return Ok((p, true, collected));
    }
    dataset::clear_work(l)?;
    std::fs::create_dir_all(l.work())
        .map_err(|e| Error::io(format!("cannot create {}", l.work().display()), e))?;
    let seq = manifest.map_or(0, |m| m.runs) + 1;
    let p = PendingRun::new(seq, now, query.clone());
    p.save(l)?;
    Ok((p, false, None))
}

/// Merges the run's collection into the dataset's tables (staged), records the run and commits
/// the new manifest: the run lands whole or not at all.
fn merge_and_commit(
    c: &SyncConfig,
    l: &Layout,
    run: &PendingRun,
    summary: &Summary,
    manifest: Option<Manifest>,
    query: QueryKey,
) -> Result<RunRecord, Error> {
    let merge_started = Instant::now();
    let staging = l.staging(&run.run_id);
    std::fs::create_dir_all(&staging)
        .map_err(|e| Error::io(format!("cannot create {}", staging.display()), e))?;
    let mut metadata = crate::sink::parquet::metadata(&query);
    metadata.push(("ftcollect.history.run_id".into(), run.run_id.clone()));
    metadata.push((
        "ftcollect.history.run_at".into(),
        crate::normalize::offer::format_ts(&run.run_at),
    ));
    let counts = merge::stage(&MergeInput {
        layout: l,
        run,
        complete: summary.status == RunStatus::Complete,
        window_min: summary.window.min,
        metadata,
        scrub_withdrawn: c.scrub_withdrawn,
    })?;
    let record = run_record(run, summary, &counts, merge_started.elapsed().as_secs_f64());
    dataset::stage_runs(l, &record)?;
    let this = run.run_ref(summary.status);
    let first_run = manifest.as_ref().and_then(|m| m.first_run.clone());
    let next = Manifest {
        format: dataset::FORMAT_VERSION,
        tool: format!("ftcollect {}", env!("CARGO_PKG_VERSION")),
        query: manifest.map_or(query, |m| m.query),
        runs: run.seq,
        first_run: first_run.or_else(|| Some(this.clone())),
        last_run: Some(this.clone()),
        offers: counts.tracked,
        active: counts.active,
        publishing: Some(this),
        updated_at: Utc::now(),
    };
    dataset::commit(l, next)?;
    Ok(record)
}

/// The pending run's collection if it finished (complete or incomplete) and awaits its merge:
/// recorded in `_work/collected.json`, or finished just before a crash could record it (no
/// checkpoint left, a final summary beside the CSV).
fn finished_collection(l: &Layout) -> Result<Option<Summary>, Error> {
    if let Some(s) = dataset::load_collected(l)? {
        return Ok(Some(s));
    }
    let csv = l.work_csv();
    if checkpoint::path_for(&csv).exists() || !csv.exists() {
        return Ok(None);
    }
    match std::fs::read(summary::path_for(&csv))
        .ok()
        .and_then(|b| serde_json::from_slice::<Summary>(&b).ok())
    {
        Some(mut s) if s.status != RunStatus::Interrupted => {
            if s.status == RunStatus::Incomplete {
                s.problems = problems_for_sync(&s.problems);
            }
            dataset::save_collected(l, &s)?;
            Ok(Some(s))
        }
        _ => Ok(None),
    }
}

/// Runs (or resumes, from its checkpoint) the pending run's collection into the work area.
/// `None` when interrupted.
fn collect_run(c: &SyncConfig, l: &Layout, run: &PendingRun) -> Result<Option<Summary>, Error> {
    let csv = l.work_csv();
    if !checkpoint::path_for(&csv).exists() {
        // Nothing to resume: whatever is there was never checkpointed.
        for p in [csv.clone(), summary::path_for(&csv)] {
            if p.exists() {
                std::fs::remove_file(&p)
                    .map_err(|e| Error::io(format!("cannot remove {}", p.display()), e))?;
            }
        }
    }
    let mut cc = c.collect.clone();
    cc.output = csv;
    cc.parquet = None;
    cc.restart = false;
    cc.dry_run = false;
    cc.now = Some(run.run_at);
    let outcome = collect::collect(&cc)?;
    let Some(mut s) = outcome.summary else {
        return Err(Error::Internal {
            what: "the collection ended without a summary".into(),
        });
    };
    if outcome.status == RunStatus::Interrupted {
        return Ok(None);
    }
    if s.status == RunStatus::Incomplete {
        s.problems = problems_for_sync(&s.problems);
    }
    dataset::save_collected(l, &s)?;
    Ok(Some(s))
}

/// What an incomplete sync means, said once after its problems.
pub const SYNC_INCOMPLETE_ADVICE: &str = "this run is recorded as incomplete: it marked no offer withdrawn, and the \
     offers it saw are merged. Nothing is resumed: the next sync starts a new run. If the API could not be reached, \
     check the network and the API's URLs before it";

/// The collection's problems with `collect`'s advice ("the checkpoint is kept", "run the same
/// command again") cut off, and the sync's advice added: a sync records an incomplete run, removes
/// its work area and starts afresh the next time.
pub fn problems_for_sync(problems: &[String]) -> Vec<String> {
    const MARKERS: [&str; 4] = [
        ": the checkpoint is kept",
        ". The checkpoint is kept",
        ": run the same command again",
        "; run the same command again",
    ];
    let mut out: Vec<String> = problems
        .iter()
        .map(|p| {
            let cut = MARKERS.iter().filter_map(|m| p.find(m)).min();
            match cut {
                Some(i) => p[..i].to_string(),
                None => p.clone(),
            }
        })
        .collect();
    out.push(SYNC_INCOMPLETE_ADVICE.to_string());
    out
}

fn run_record(run: &PendingRun, s: &Summary, m: &MergeCounts, merge_seconds: f64) -> RunRecord {
    let status = s.status;
    RunRecord {
        run_id: run.run_id.clone(),
        seq: run.seq,
        run_at: run.run_at,
        run_date: run.run_ref(status).run_date,
        status,
        exit_code: crate::exit::code_for(status).code(),
        query: s.query.clone(),
        window: s.window,
        offers_seen: m.seen,
        announced_total: s.announced_total,
        new: m.new,
        updated: m.updated,
        unchanged: m.unchanged,
        returned: m.returned,
        withdrawn: m.withdrawn,
        left_window: m.left_window,
        scrubbed: m.scrubbed,
        reposts: m.reposts,
        offers_tracked: m.tracked,
        offers_active: m.active,
        search_requests: s.api.search_requests,
        token_requests: s.api.token_requests,
        retries: s.api.retries.total(),
        collection_seconds: s.elapsed_seconds,
        merge_seconds,
        collection_runs: s.runs,
        started_at: s.started_at,
        finished_at: Utc::now(),
        problems: s.problems.clone(),
        warnings: s.warnings.clone(),
        tool: format!("ftcollect {}", env!("CARGO_PKG_VERSION")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_syncs_problems_keep_their_facts_and_give_the_syncs_advice() {
        let p = problems_for_sync(&[
            "failed slice x: HTTP 503".into(),
            "2 slice(s) failed after their retries: the checkpoint is kept and nothing written is lost. If ...".into(),
            "1 slice(s) not finished (last error: HTTP 503): run the same command again to resume".into(),
        ]);
        assert_eq!(
            p,
            [
                "failed slice x: HTTP 503",
                "2 slice(s) failed after their retries",
                "1 slice(s) not finished (last error: HTTP 503)",
                SYNC_INCOMPLETE_ADVICE,
            ]
        );
        assert!(
            !p.iter()
                .any(|l| l.contains("checkpoint") || l.contains("same command"))
        );
    }

    #[test]
    fn run_ids_sort_by_time_and_name_their_partition() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-01T06:15:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let q = collect::engine::query_key(&CollectConfig::new(
            "x.csv",
            crate::collect::FranceTravailSettings {
                api_url: String::new(),
                token_url: String::new(),
                credentials: crate::secret::Credentials::new("a", "b"),
            },
        ));
        let p = PendingRun::new(7, t, q);
        assert_eq!(p.run_id, "20261101T061500Z-0007");
        let l = Layout::new("d");
        assert_eq!(
            l.snapshot_dir(&p.run_ref(RunStatus::Complete)),
            PathBuf::from("d/snapshots/run_date=2026-11-01/run_id=20261101T061500Z-0007")
        );
    }
}
