//! The files a collection writes, checked and locked before anything is written.
//!
//! Invariants: every path a run will write (the CSV, the Parquet file) is checked writable before
//! the first API call, so a run never spends its calls to fail at the end; the lock of each is
//! taken before any file is created, truncated or moved aside, so a second run on the same output
//! stops at once (exit 75) having changed nothing. A file moved aside (`<file>.bak-<time>`) takes
//! the files that describe it along (its summary, its Parquet file), and only the most recent
//! [`CollectConfig::keep_backups`] backups of each are kept.

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::fsutil;
use crate::lock::{self, FileLock};

use super::CollectConfig;

/// Checks that the CSV and the Parquet file can be created, leaving nothing behind. Problems
/// that are not permissions (a directory in the way, a file where a directory should be) are left
/// to the writer, which names them.
pub fn probe(c: &CollectConfig) -> Result<(), Error> {
    fsutil::probe_writable(&c.output).map_err(|source| Error::OutputCreate {
        output: c.output.clone(),
        source,
    })?;
    if let Some(p) = &c.parquet {
        fsutil::probe_writable(p).map_err(|source| Error::ParquetCreate {
            parquet: p.clone(),
            source,
        })?;
    }
    Ok(())
}

/// Takes the locks of the CSV (whose directory exists) and of the Parquet file (whose directory
/// is created if needed), in that order. Held until the returned locks are dropped.
pub fn lock(c: &CollectConfig) -> Result<Vec<FileLock>, Error> {
    let mut locks = Vec::new();
    locks.extend(lock::lock_output(&c.output, "collect")?);
    if let Some(p) = &c.parquet {
        let dir = fsutil::parent_dir(p);
        std::fs::create_dir_all(&dir).map_err(|source| Error::ParquetCreate {
            parquet: p.clone(),
            source,
        })?;
        locks.extend(lock::lock_output(p, "collect").map_err(|e| match e {
            Error::OutputCreate { source, .. } => Error::ParquetCreate {
                parquet: p.clone(),
                source,
            },
            e => e,
        })?);
    }
    Ok(locks)
}

/// Moves `path` aside to `<path>.bak-<time>` and deletes its backups beyond the configured number.
pub fn move_aside(c: &CollectConfig, path: &Path) -> Result<PathBuf, Error> {
    let backup = fsutil::move_aside(path)
        .map_err(|e| Error::io(format!("cannot move {} aside", path.display()), e))?;
    if let Some(keep) = c.keep_backups {
        let removed = fsutil::prune_backups(path, keep).map_err(|e| {
            Error::io(
                format!("cannot remove old backups of {}", path.display()),
                e,
            )
        })?;
        for r in removed {
            log::info!(
                "removed the old backup {} (only the {keep} most recent are kept)",
                r.display()
            );
        }
    }
    Ok(backup)
}

/// The output was moved aside: the files that described it go with it — its summary, and its
/// Parquet file (this run's path, or the default one beside the CSV), which would otherwise sit
/// beside the new CSV while holding another collection.
pub fn move_companions_aside(c: &CollectConfig) -> Result<(), Error> {
    let mut companions = vec![super::summary::path_for(&c.output)];
    companions.push(
        c.parquet
            .clone()
            .unwrap_or_else(|| super::engine::default_parquet_path(&c.output)),
    );
    for p in companions {
        if p.is_file() {
            let b = move_aside(c, &p)?;
            log::info!(
                "{} described the earlier output: moved to {}",
                p.display(),
                b.display()
            );
        }
    }
    Ok(())
}
