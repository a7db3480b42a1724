//! Where a run starts: a fresh output, or a killed run's output resumed from its checkpoint.
//!
//! Invariants: nothing is touched before the output path is known to be usable and the output's
//! lock is held; a checkpoint resumes only the query it was saved for, and only an output that
//! still holds the durable prefix it recorded (same header, at least its bytes, exactly its rows
//! in that prefix); bytes written after the checkpoint are dropped (they are fetched again); an
//! output of ours without a checkpoint, or `restart`, moves the old files aside, never deletes
//! them; a file that is not ours is never touched.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::CollectConfig;
use super::checkpoint::{Carry, Checkpoint};
use super::dedup::SeenSet;
use crate::error::{Error, ResumeError};
use crate::fsutil;
use crate::sink::csv::{self as csv_sink, CsvSink, HeaderCheck};
use crate::source::france_travail::CreationWindow;

/// The state a run starts from: fresh, or resumed from a checkpoint.
pub struct Start {
    pub sink: CsvSink,
    pub seen: SeenSet,
    pub window: CreationWindow,
    pub carry: Carry,
    /// Each source's state from the checkpoint (empty for a fresh run).
    pub saved: BTreeMap<String, serde_json::Value>,
    /// Rows already in the output, by source.
    pub rows_by_source: BTreeMap<String, u64>,
    /// The outputs' locks, held until the run returns.
    pub locks: Vec<crate::lock::FileLock>,
}

/// Opens the output for a fresh run or a resume: the path checked, the lock taken, a killed
/// run's temporaries swept, `restart` applied; then the checkpoint resumed, or a fresh output.
pub fn prepare(c: &CollectConfig, now: DateTime<Utc>, cp_path: &Path) -> Result<Start, Error> {
    check_output_path(&c.output)?;
    // From here on files are touched: a second run on this output stops here.
    let locks = super::outputs::lock(c)?;
    sweep_temporaries(c, cp_path);
    if cp_path.exists() && c.restart {
        move_previous_run_aside(c, cp_path)?;
    }
    if cp_path.exists() {
        let cp = Checkpoint::load(cp_path)?;
        return resume(c, cp, cp_path, locks);
    }
    fresh(c, now, locks)
}

/// The output's path is usable: not a directory, not under a file, its directory created.
fn check_output_path(out: &Path) -> Result<(), Error> {
    if out.is_dir() {
        return Err(Error::OutputIsDirectory {
            output: out.to_path_buf(),
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
            output: out.to_path_buf(),
            file: file.to_path_buf(),
        });
    }
    std::fs::create_dir_all(&dir).map_err(|source| Error::OutputDirCreate { dir, source })
}

/// Removes the temporary files of a killed run (a checkpoint or Parquet file cut before its
/// rename); the caller holds the outputs' locks.
fn sweep_temporaries(c: &CollectConfig, cp_path: &Path) {
    for p in [c.output.clone(), cp_path.to_path_buf()]
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
}

/// `restart`: the output, its companions (summary, Parquet) and the checkpoint move aside.
fn move_previous_run_aside(c: &CollectConfig, cp_path: &Path) -> Result<(), Error> {
    if c.output.exists() {
        let b = super::outputs::move_aside(c, &c.output)?;
        log::warn!("restart: the previous output was moved to {}", b.display());
        super::outputs::move_companions_aside(c)?;
    }
    let b = super::outputs::move_aside(c, cp_path)?;
    log::info!(
        "restart: the previous checkpoint was moved to {}",
        b.display()
    );
    Ok(())
}

/// Resumes from `cp`, once the output is proven to hold the durable prefix it recorded.
fn resume(
    c: &CollectConfig,
    cp: Checkpoint,
    cp_path: &Path,
    locks: Vec<crate::lock::FileLock>,
) -> Result<Start, Error> {
    let out = &c.output;
    if let Some(change) = cp.query.difference(&super::engine::query_key(c)) {
        return Err(Error::CheckpointOfAnotherQuery {
            checkpoint: Some(cp_path.to_path_buf()),
            change,
        });
    }
    let len = check_prefix(out, &cp, cp_path)?;
    let mut seen = SeenSet::new();
    let mut rows_by_source: BTreeMap<String, u64> = BTreeMap::new();
    let rows = csv_sink::scan_keys(out, cp.csv_bytes, |source, id| {
        seen.insert(source, id);
        *rows_by_source.entry(source.to_string()).or_default() += 1;
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
    Ok(Start {
        sink,
        seen,
        window: cp.window,
        carry: cp.carry,
        saved: cp.sources,
        rows_by_source,
        locks,
    })
}

/// The output exists, is at least as long as the checkpoint's prefix and starts with our
/// header; its length.
fn check_prefix(out: &Path, cp: &Checkpoint, cp_path: &Path) -> Result<u64, Error> {
    if !out.exists() {
        return Err(Error::Resume(ResumeError::OutputGone {
            checkpoint: cp_path.to_path_buf(),
            output: out.to_path_buf(),
        }));
    }
    let len = std::fs::metadata(out)
        .map_err(|e| Error::io(format!("cannot read {}", out.display()), e))?
        .len();
    if len < cp.csv_bytes {
        return Err(Error::Resume(ResumeError::OutputShorter {
            output: out.to_path_buf(),
            len,
            recorded: cp.csv_bytes,
        }));
    }
    match csv_sink::check_header(out)? {
        HeaderCheck::Ours => Ok(len),
        _ => Err(Error::Resume(ResumeError::OutputHeaderChanged {
            output: out.to_path_buf(),
        })),
    }
}

/// A fresh output: an empty file is reused, an output of ours moves aside with its companions,
/// a file that is not ours is refused untouched.
fn fresh(
    c: &CollectConfig,
    now: DateTime<Utc>,
    locks: Vec<crate::lock::FileLock>,
) -> Result<Start, Error> {
    let out = &c.output;
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
                super::outputs::move_companions_aside(c)?;
            }
            HeaderCheck::Foreign {
                position,
                found,
                expected,
            } => {
                return Err(Error::ForeignOutput {
                    output: out.clone(),
                    position,
                    found: shortened(found, 40),
                    expected,
                });
            }
        }
    }
    let window = crate::source::france_travail::plan::window_for(now, c.months);
    let sink = CsvSink::create(out).map_err(|source| Error::OutputCreate {
        output: out.clone(),
        source,
    })?;
    Ok(Start {
        sink,
        seen: SeenSet::new(),
        window,
        carry: Carry::default(),
        saved: BTreeMap::new(),
        rows_by_source: BTreeMap::new(),
        locks,
    })
}

/// `s` cut to `max` characters, with an ellipsis when cut.
fn shortened(s: String, max: usize) -> String {
    if s.chars().count() > max {
        format!("{}…", s.chars().take(max).collect::<String>())
    } else {
        s
    }
}

#[cfg(test)]
mod tests;
