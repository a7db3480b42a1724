//! The files a collection writes, checked and locked before anything is written.
//!
//! Invariants: every path a run will write (the CSV, the Parquet file) is checked writable before
//! the first API call, so a run never spends its calls to fail at the end; the lock of each is
//! taken before any file is created, truncated or moved aside, so a second run on the same output
//! stops at once (exit 75) having changed nothing.

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
