//! The dataset directory on disk: its layout, the manifest (the state pointer), the lock, the
//! pending run, and the commit protocol that makes a run land completely or not at all.
//!
//! Why: a sync replaces `offers.parquet`, adds a snapshot partition and a `runs.jsonl` line — three
//! changes no single rename can make together. Invariants:
//! - Nothing a reader looks at (`offers.parquet`, `runs.jsonl`, `snapshots/`, `manifest.json`)
//!   changes before the commit point. Everything a run produces is first written, fsynced and
//!   closed under `_staging/<run_id>/`.
//! - The commit point is one atomic replacement of `manifest.json` that names the run as
//!   `publishing`. From then on the run is durable: the publication (three renames, each
//!   idempotent) is rolled forward by whichever process next holds the lock, and only then is
//!   `publishing` cleared. A crash before the commit point leaves only `_staging/` leftovers,
//!   which the next run deletes (roll back).
//! - Every visible file is complete at every instant: files are only ever renamed into place.
//! - At most one process works on a dataset: an OS lock on `.lock` (`flock`), which the kernel
//!   releases when its holder exits or dies, so a stale lock cannot exist.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::pause_point;
use crate::collect::RunStatus;
use crate::collect::checkpoint::QueryKey;
use crate::collect::summary::Summary;
use crate::error::{Error, FileError};
use crate::fsutil;
use crate::source::france_travail::CreationWindow;

pub const MANIFEST: &str = "manifest.json";
pub const OFFERS: &str = "offers.parquet";
pub const RUNS: &str = "runs.jsonl";
pub const SNAPSHOTS: &str = "snapshots";
pub const STAGING: &str = "_staging";
pub const WORK: &str = "_work";
pub const LOCK: &str = ".lock";
/// The snapshot file inside a run's partition.
pub const PART: &str = "part-0.parquet";

/// The manifest's format; a newer one is refused rather than misread.
pub const FORMAT_VERSION: u32 = 1;

/// Paths inside a dataset directory.
#[derive(Clone, Debug)]
pub struct Layout {
    pub dir: PathBuf,
}

impl Layout {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Layout { dir: dir.into() }
    }
    pub fn manifest(&self) -> PathBuf {
        self.dir.join(MANIFEST)
    }
    pub fn offers(&self) -> PathBuf {
        self.dir.join(OFFERS)
    }
    pub fn runs(&self) -> PathBuf {
        self.dir.join(RUNS)
    }
    pub fn snapshots(&self) -> PathBuf {
        self.dir.join(SNAPSHOTS)
    }
    pub fn lock(&self) -> PathBuf {
        self.dir.join(LOCK)
    }
    /// `snapshots/run_date=YYYY-MM-DD/run_id=…`.
    pub fn snapshot_dir(&self, run: &RunRef) -> PathBuf {
        self.snapshots()
            .join(format!("run_date={}", run.run_date))
            .join(format!("run_id={}", run.run_id))
    }
    pub fn staging_root(&self) -> PathBuf {
        self.dir.join(STAGING)
    }
    /// Where a run's files are prepared before the commit.
    pub fn staging(&self, run_id: &str) -> PathBuf {
        self.staging_root().join(run_id)
    }
    /// The staged snapshot partition (renamed as a whole into `snapshots/run_date=…/`).
    pub fn staged_snapshot_dir(&self, run_id: &str) -> PathBuf {
        self.staging(run_id).join(format!("run_id={run_id}"))
    }
    /// The collection area: the pending run and its resumable collection.
    pub fn work(&self) -> PathBuf {
        self.dir.join(WORK)
    }
    /// The collection's CSV (with its `.checkpoint` and `.summary.json` beside it).
    pub fn work_csv(&self) -> PathBuf {
        self.work().join("offers.csv")
    }
    pub fn pending_file(&self) -> PathBuf {
        self.work().join("run.json")
    }
    pub fn collected_file(&self) -> PathBuf {
        self.work().join("collected.json")
    }
}

/// A committed run, as the manifest names it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRef {
    pub run_id: String,
    /// `YYYY-MM-DD` (UTC) of `run_at`: the snapshot's `run_date` partition.
    pub run_date: String,
    pub run_at: DateTime<Utc>,
    pub status: RunStatus,
}

/// `manifest.json`: what the dataset holds. Replaced atomically; its replacement naming a run as
/// `publishing` is the commit point of that run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub tool: String,
    /// The dataset's query: every run collects exactly this (withdrawals mean nothing otherwise).
    pub query: QueryKey,
    /// Committed runs.
    pub runs: u64,
    pub first_run: Option<RunRef>,
    pub last_run: Option<RunRef>,
    /// Rows of `offers.parquet` after the last run.
    pub offers: u64,
    /// Offers neither withdrawn nor out of the window after the last run.
    pub active: u64,
    /// A committed run whose files are still being renamed into place (rolled forward by the
    /// next process that takes the lock).
    pub publishing: Option<RunRef>,
    pub updated_at: DateTime<Utc>,
}

impl Manifest {
    pub fn load(l: &Layout) -> Result<Option<Manifest>, Error> {
        let p = l.manifest();
        let bytes = match fs::read(&p) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(format!("cannot read {}", p.display()), e)),
        };
        let m: Manifest =
            serde_json::from_slice(&bytes).map_err(|e| FileError::ManifestDamaged {
                manifest: p.clone(),
                reason: e.to_string(),
            })?;
        if m.format != FORMAT_VERSION {
            return Err(FileError::ManifestFormat {
                manifest: p,
                found: m.format,
                expected: FORMAT_VERSION,
                writer: m.tool,
            }
            .into());
        }
        Ok(Some(m))
    }

    /// Replaces `manifest.json` atomically (temporary file, fsync, rename, fsync of the directory).
    pub fn save(&self, l: &Layout) -> Result<(), Error> {
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| Error::Internal {
            what: format!("cannot encode the manifest: {e}"),
        })?;
        fsutil::write_atomic(&l.manifest(), &bytes)
            .map_err(|e| Error::io(format!("cannot write {}", l.manifest().display()), e))
    }
}

/// `_work/run.json`: the run in progress. It keeps its id and its "now" across kills, so a
/// resumed collection is the same run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingRun {
    pub run_id: String,
    /// 1 for the dataset's first run.
    pub seq: u64,
    /// The run's "now": the collection window ends here, and what the run saw is stamped with it.
    pub run_at: DateTime<Utc>,
    pub query: QueryKey,
    pub created_at: DateTime<Utc>,
}

impl PendingRun {
    pub fn new(seq: u64, run_at: DateTime<Utc>, query: QueryKey) -> Self {
        PendingRun {
            run_id: format!("{}-{seq:04}", run_at.format("%Y%m%dT%H%M%SZ")),
            seq,
            run_at,
            query,
            created_at: Utc::now(),
        }
    }

    pub fn run_ref(&self, status: RunStatus) -> RunRef {
        RunRef {
            run_id: self.run_id.clone(),
            run_date: self.run_at.format("%Y-%m-%d").to_string(),
            run_at: self.run_at,
            status,
        }
    }

    pub fn load(l: &Layout) -> Result<Option<PendingRun>, Error> {
        read_json(&l.pending_file(), "the pending run")
    }

    pub fn save(&self, l: &Layout) -> Result<(), Error> {
        write_json(&l.pending_file(), self)
    }
}

/// `_work/collected.json`: the finished collection's summary; its presence means "merge me".
pub fn load_collected(l: &Layout) -> Result<Option<Summary>, Error> {
    read_json(&l.collected_file(), "the collection summary")
}

pub fn save_collected(l: &Layout, s: &Summary) -> Result<(), Error> {
    write_json(&l.collected_file(), s)
}

fn read_json<T: serde::de::DeserializeOwned>(p: &Path, what: &str) -> Result<Option<T>, Error> {
    match fs::read(p) {
        Ok(b) => serde_json::from_slice(&b).map(Some).map_err(|e| {
            FileError::UnfinishedRunFile {
                what: what.to_string(),
                file: p.to_path_buf(),
                reason: e.to_string(),
                work: fsutil::parent_dir(p),
            }
            .into()
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(format!("cannot read {}", p.display()), e)),
    }
}

fn write_json<T: Serialize>(p: &Path, v: &T) -> Result<(), Error> {
    let bytes = serde_json::to_vec_pretty(v).map_err(|e| Error::Internal {
        what: format!("cannot encode {}: {e}", p.display()),
    })?;
    fsutil::write_atomic(p, &bytes)
        .map_err(|e| Error::io(format!("cannot write {}", p.display()), e))
}

/// One line of `runs.jsonl`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunRecord {
    pub run_id: String,
    pub seq: u64,
    pub run_at: DateTime<Utc>,
    pub run_date: String,
    /// `complete`, or `incomplete` (a slice failed or hit the API's cap: nothing was marked withdrawn).
    pub status: RunStatus,
    pub exit_code: u8,
    pub query: QueryKey,
    pub window: CreationWindow,
    /// Offers this run saw (rows of its snapshot).
    pub offers_seen: u64,
    /// What the API announced for the query.
    pub announced_total: Option<u64>,
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Seen again after having been marked withdrawn (or out of the window).
    pub returned: u64,
    pub withdrawn: u64,
    /// Absent, but created before the window's start: no longer observable, not counted as withdrawn.
    pub left_window: u64,
    /// Withdrawn offers whose identifying content this run removed (licence duty).
    #[serde(default)]
    pub scrubbed: u64,
    /// New offers that repost an offer withdrawn from the dataset (`repost_of` set).
    #[serde(default)]
    pub reposts: u64,
    /// Rows of `offers.parquet` after this run.
    pub offers_tracked: u64,
    /// Offers neither withdrawn nor out of the window after this run.
    pub offers_active: u64,
    pub search_requests: u64,
    pub token_requests: u64,
    pub retries: u64,
    /// Collection wall time (all its resumes) and merge wall time, seconds.
    pub collection_seconds: f64,
    pub merge_seconds: f64,
    /// Invocations of `sync` that worked on this run's collection (1 unless it was resumed).
    pub collection_runs: u32,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// Raw fields of unexpected types, by field (the collection's summary lists the same).
    #[serde(default)]
    pub warnings: crate::normalize::Warnings,
    pub tool: String,
}

/// Reads `runs.jsonl` (an absent file is no runs).
pub fn read_runs(l: &Layout) -> Result<Vec<RunRecord>, Error> {
    let p = l.runs();
    let text = match fs::read_to_string(&p) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(format!("cannot read {}", p.display()), e)),
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| {
                FileError::RunRecord {
                    runs: p.clone(),
                    line: i + 1,
                    reason: e.to_string(),
                }
                .into()
            })
        })
        .collect()
}

/// Writes `_staging/<run>/runs.jsonl`: the current file plus one line, fsynced.
pub fn stage_runs(l: &Layout, record: &RunRecord) -> Result<(), Error> {
    let mut bytes = match fs::read(l.runs()) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(Error::io(format!("cannot read {}", l.runs().display()), e)),
    };
    if !bytes.is_empty() && !bytes.ends_with(b"\n") {
        bytes.push(b'\n');
    }
    serde_json::to_writer(&mut bytes, record).map_err(|e| Error::Internal {
        what: format!("cannot encode the run record: {e}"),
    })?;
    bytes.push(b'\n');
    let p = l.staging(&record.run_id).join(RUNS);
    let mut f =
        File::create(&p).map_err(|e| Error::io(format!("cannot create {}", p.display()), e))?;
    f.write_all(&bytes)
        .and_then(|_| f.sync_all())
        .map_err(|e| Error::io(format!("cannot write {}", p.display()), e))
}

/// How long [`DatasetLock::acquire`] waits for a lock that is held.
pub const LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_secs(2);

/// Holds the dataset's lock until dropped (or until the process ends, however it ends).
#[derive(Debug)]
pub struct DatasetLock {
    _lock: crate::lock::FileLock,
}

impl DatasetLock {
    /// Takes the lock, or fails with [`Error::Busy`] naming the holder's pid. A lock that is
    /// released within [`LOCK_PATIENCE`] is waited for: a process that spawns children (a test
    /// suite, a scheduler embedding the library) may see its own lock held for an instant by a
    /// child between `fork` and `exec`.
    pub fn acquire(l: &Layout, what: &str) -> Result<DatasetLock, Error> {
        let p = l.lock();
        match crate::lock::FileLock::acquire(&p, what, LOCK_PATIENCE) {
            Ok(Ok(lock)) => Ok(DatasetLock { _lock: lock }),
            Ok(Err(holder)) => Err(Self::busy(l, &holder)),
            Err(e) => Err(Self::lock_error(&p, e)),
        }
    }

    fn busy(l: &Layout, holder: &str) -> Error {
        Error::DatasetBusy {
            dataset: l.dir.clone(),
            holder: holder.to_string(),
        }
    }

    fn lock_error(p: &Path, e: std::io::Error) -> Error {
        if e.kind() == std::io::ErrorKind::Unsupported {
            Error::io(
                format!(
                    "cannot lock {} (the file system may not support locks; use a local directory)",
                    p.display()
                ),
                e,
            )
        } else {
            Error::io(format!("cannot open the lock file {}", p.display()), e)
        }
    }

    /// Takes the lock if it is free; otherwise describes its holder (`pid N, …`).
    pub fn try_acquire(l: &Layout, what: &str) -> Result<Result<DatasetLock, String>, Error> {
        let p = l.lock();
        crate::lock::FileLock::try_acquire(&p, what)
            .map(|r| r.map(|lock| DatasetLock { _lock: lock }))
            .map_err(|e| Self::lock_error(&p, e))
    }
}

fn io_at(p: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |e| Error::io(format!("cannot update {}", p.display()), e)
}

/// A directory without `manifest.json` may hold only what an unfinished first run leaves.
pub fn check_new_dataset(l: &Layout) -> Result<(), Error> {
    let entries = match fs::read_dir(&l.dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(format!("cannot read {}", l.dir.display()), e)),
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if [LOCK, WORK, STAGING].contains(&name.as_str()) || is_temp_name(&name) {
            continue;
        }
        return Err(Error::NotADataset {
            dataset: l.dir.clone(),
            found: name,
        });
    }
    Ok(())
}

/// A temporary file of [`fsutil::write_atomic`] or of a Parquet writer (`.<name>.tmp-<pid>`).
fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && name.contains(".tmp-")
}

/// What [`recover`] found.
#[derive(Debug)]
pub struct Recovery {
    /// `None` for a new dataset.
    pub manifest: Option<Manifest>,
    /// A run that was committed by a process that stopped before finishing (its publication was
    /// rolled forward, or only its work area was left): it has now landed.
    pub finished: Option<RunRef>,
}

/// Run under the lock before anything else: rolls a committed run's publication forward, deletes
/// what an interrupted merge left (roll back), and drops the work area of a run already
/// committed.
pub fn recover(l: &Layout) -> Result<Recovery, Error> {
    let mut manifest = Manifest::load(l)?;
    let mut finished = None;
    if let Some(m) = manifest.as_mut()
        && let Some(run) = m.publishing.clone()
    {
        log::warn!(
            "run {} was committed but its files were not all in place (the previous process stopped): finishing it",
            run.run_id
        );
        publish(l, &run)?;
        m.publishing = None;
        m.save(l)?;
        finished = Some(run);
    }
    let staging = l.staging_root();
    if staging.is_dir() {
        for e in fs::read_dir(&staging).map_err(io_at(&staging))?.flatten() {
            log::info!(
                "removing {} (left by a merge that did not reach its commit)",
                e.path().display()
            );
            let p = e.path();
            if p.is_dir() {
                fs::remove_dir_all(&p).map_err(io_at(&p))?;
            } else {
                fs::remove_file(&p).map_err(io_at(&p))?;
            }
        }
        fs::remove_dir(&staging).map_err(io_at(&staging))?;
    }
    if let Ok(entries) = fs::read_dir(&l.dir) {
        for e in entries.flatten() {
            if is_temp_name(&e.file_name().to_string_lossy()) && e.path().is_file() {
                let _ = fs::remove_file(e.path());
            }
        }
    }
    if let Some(p) = PendingRun::load(l)?
        && manifest
            .as_ref()
            .and_then(|m| m.last_run.as_ref())
            .is_some_and(|r| r.run_id == p.run_id)
    {
        // Committed, but the process stopped before removing its work area.
        clear_work(l)?;
        finished = manifest.as_ref().and_then(|m| m.last_run.clone());
    }
    let _ = fsutil::sync_dir(&l.dir);
    Ok(Recovery { manifest, finished })
}

/// Removes the work area (the pending run and its collection).
pub fn clear_work(l: &Layout) -> Result<(), Error> {
    let w = l.work();
    if w.exists() {
        fs::remove_dir_all(&w).map_err(io_at(&w))?;
        let _ = fsutil::sync_dir(&l.dir);
    }
    Ok(())
}

/// Renames `from` to `to` unless that was already done (the publication is rolled forward by
/// whichever process comes next, so each step must be idempotent).
fn move_into_place(from: &Path, to: &Path) -> Result<(), Error> {
    if from.exists() {
        fs::rename(from, to).map_err(|e| {
            Error::io(
                format!("cannot move {} to {}", from.display(), to.display()),
                e,
            )
        })?;
        fsutil::sync_dir(&fsutil::parent_dir(to)).map_err(io_at(to))?;
        fsutil::sync_dir(&fsutil::parent_dir(from)).map_err(io_at(from))?;
    } else if !to.exists() {
        return Err(FileError::CommittedRunMissing {
            from: from.to_path_buf(),
            to: to.to_path_buf(),
        }
        .into());
    }
    Ok(())
}

/// Moves a committed run's staged files into place: the snapshot partition (and the earlier
/// partitions it scrubbed), then `offers.parquet`, then `runs.jsonl`.
pub fn publish(l: &Layout, run: &RunRef) -> Result<(), Error> {
    let dest = l.snapshot_dir(run);
    let date_dir = fsutil::parent_dir(&dest);
    if !date_dir.is_dir() {
        fs::create_dir_all(&date_dir).map_err(io_at(&date_dir))?;
        fsutil::sync_dir(&l.snapshots()).map_err(io_at(&l.snapshots()))?;
        fsutil::sync_dir(&l.dir).map_err(io_at(&l.dir))?;
    }
    move_into_place(&l.staged_snapshot_dir(&run.run_id), &dest)?;
    // Earlier partitions rewritten without the identifying content of withdrawn offers.
    super::scrub::publish(l, &run.run_id)?;
    pause_point("published-snapshot");
    move_into_place(&l.staging(&run.run_id).join(OFFERS), &l.offers())?;
    pause_point("published-offers");
    move_into_place(&l.staging(&run.run_id).join(RUNS), &l.runs())?;
    pause_point("published-runs");
    Ok(())
}

/// Commits a staged run: the manifest naming it as `publishing` (the commit point), the
/// publication, the manifest without `publishing`, then the staging and work areas are removed.
pub fn commit(l: &Layout, mut manifest: Manifest) -> Result<(), Error> {
    let run = manifest
        .publishing
        .clone()
        .expect("commit is given a manifest naming the run it publishes");
    fsutil::sync_dir(&l.staging(&run.run_id)).map_err(io_at(&l.staging(&run.run_id)))?;
    fsutil::sync_dir(&l.staging_root()).map_err(io_at(&l.staging_root()))?;
    pause_point("staged");
    manifest.save(l)?;
    pause_point("committed");
    publish(l, &run)?;
    manifest.publishing = None;
    manifest.updated_at = Utc::now();
    manifest.save(l)?;
    pause_point("finished");
    let staging = l.staging_root();
    fs::remove_dir_all(&staging).map_err(io_at(&staging))?;
    clear_work(l)?;
    Ok(())
}
