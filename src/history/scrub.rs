//! The licence duty on withdrawn offers: once an offer is withdrawn, a kept copy loses its
//! identifying content (the reuse licence of the offers database, its article 7 as quoted by
//! reusers: employer name, description, URLs, contacts, postcode and commune codes).
//!
//! Invariants, when the sync's `scrub_withdrawn` is on (the default):
//! - after a run lands, no row of `offers.parquet` marked withdrawn holds a value in an
//!   [`IDENTIFYING`] column, and no snapshot partition holds one for an offer that is withdrawn;
//! - the scrub is part of the run's merge: the rewritten partitions are staged under
//!   `_staging/<run_id>/scrub/` (same relative paths as under `snapshots/`) and published by the
//!   commit like the rest, each by one rename over the old file, rolled forward after a crash, so
//!   a reader sees every file whole, old or scrubbed;
//! - the other columns (dates, contract, salary, ROME code, département…) are kept: the history's
//!   statistics do not change; `content_hash` and `version` keep the values they had;
//!   `duplicate_group` is kept too (a one-way hash of title, employer, place and the description's
//!   opening, not their text), so a later repost of the offer is still recognized (`repost_of`).

use std::collections::HashSet;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::dataset::{Layout, PART};
use super::table::{SNAPSHOT_COLUMNS, TableReader, col};
use crate::error::Error;
use crate::normalize::offer::{COLUMNS, Cell};
use crate::sink::parquet::ParquetSink;

/// The columns emptied in a withdrawn offer's rows.
pub const IDENTIFYING: &[&str] = &[
    "description",
    "company_name",
    "latitude",
    "longitude",
    "application_url",
    "source_url",
    "commune_code",
    "postal_code",
];

/// Where the scrubbed partitions of a run are staged.
pub fn staged_dir(l: &Layout, run_id: &str) -> PathBuf {
    l.staging(run_id).join("scrub")
}

fn indices() -> Vec<usize> {
    IDENTIFYING
        .iter()
        .filter_map(|n| COLUMNS.iter().position(|c| c.name == *n))
        .collect()
}

/// True when a row still holds identifying content.
pub fn has_identifying(cells: &[Cell<'_>]) -> bool {
    indices().into_iter().any(|i| match cells[i] {
        Cell::Text(s) => !s.is_empty(),
        Cell::Str(v) => v.is_some(),
        Cell::F64(v) => v.is_some(),
        Cell::I32(v) => v.is_some(),
        Cell::Bool(v) => v.is_some(),
        Cell::Ts(v) => v.is_some(),
        Cell::List(v) => v.is_some(),
    })
}

/// Empties the identifying cells of a row.
pub fn blank(cells: &mut [Cell<'_>]) {
    for i in indices() {
        cells[i] = match cells[i] {
            Cell::Text(_) => Cell::Text(""),
            Cell::Str(_) => Cell::Str(None),
            Cell::F64(_) => Cell::F64(None),
            Cell::I32(_) => Cell::I32(None),
            Cell::Bool(_) => Cell::Bool(None),
            Cell::Ts(_) => Cell::Ts(None),
            Cell::List(_) => Cell::List(None),
        };
    }
}

/// Every snapshot file of the dataset (`snapshots/run_date=…/run_id=…/part-0.parquet`).
fn snapshot_files(l: &Layout) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    let root = l.snapshots();
    let Ok(dates) = fs::read_dir(&root) else {
        return Ok(out);
    };
    for d in dates.flatten() {
        let Ok(runs) = fs::read_dir(d.path()) else {
            continue;
        };
        for r in runs.flatten() {
            let p = r.path().join(PART);
            if p.is_file() {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A file's key-value metadata (kept in its scrubbed copy).
fn key_values(p: &Path) -> Vec<(String, String)> {
    File::open(p)
        .ok()
        .and_then(|f| ParquetRecordBatchReaderBuilder::try_new(f).ok())
        .and_then(|b| {
            b.metadata().file_metadata().key_value_metadata().map(|kv| {
                kv.iter()
                    .map(|k| (k.key.clone(), k.value.clone().unwrap_or_default()))
                    .collect()
            })
        })
        .unwrap_or_default()
}

/// Stages a scrubbed copy of every snapshot partition holding a row of `keys` (`source\u{1f}id`)
/// with identifying content. Returns the rows scrubbed.
pub fn stage_snapshots(l: &Layout, run_id: &str, keys: &HashSet<Box<str>>) -> Result<u64, Error> {
    let mut scrubbed = 0;
    let mut buf = String::new();
    for file in snapshot_files(l)? {
        // A first pass finds whether the partition needs a copy at all.
        let needs = {
            let mut reader = TableReader::open(&file, SNAPSHOT_COLUMNS)?;
            let mut lists = Vec::new();
            let mut found = false;
            while let Some(batch) = reader.next_batch()? {
                let v = reader.view(&batch);
                for row in 0..v.rows() {
                    key(&mut buf, v.str(col::SOURCE, row), v.str(col::ID, row));
                    if keys.contains(buf.as_str()) {
                        v.fill_lists(row, &mut lists);
                        if has_identifying(&v.cells(row, &lists)) {
                            found = true;
                            break;
                        }
                    }
                }
                if found {
                    break;
                }
            }
            found
        };
        if !needs {
            continue;
        }
        let rel = file
            .strip_prefix(l.snapshots())
            .map_err(|_| Error::Internal {
                what: format!("{} is outside the snapshots", file.display()),
            })?;
        let dest = staged_dir(l, run_id).join(rel);
        let dir = crate::fsutil::parent_dir(&dest);
        fs::create_dir_all(&dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        let mut out = ParquetSink::create_with(&dest, key_values(&file), SNAPSHOT_COLUMNS)?;
        let mut reader = TableReader::open(&file, SNAPSHOT_COLUMNS)?;
        let mut lists = Vec::new();
        while let Some(batch) = reader.next_batch()? {
            let v = reader.view(&batch);
            for row in 0..v.rows() {
                v.fill_lists(row, &mut lists);
                let mut cells = v.cells(row, &lists);
                key(&mut buf, v.str(col::SOURCE, row), v.str(col::ID, row));
                if keys.contains(buf.as_str()) && has_identifying(&cells) {
                    blank(&mut cells);
                    scrubbed += 1;
                }
                out.write_cells(&cells)?;
            }
        }
        out.finish()?;
    }
    Ok(scrubbed)
}

fn key(buf: &mut String, source: Option<&str>, id: Option<&str>) {
    buf.clear();
    buf.push_str(source.unwrap_or_default());
    buf.push('\u{1f}');
    buf.push_str(id.unwrap_or_default());
}

/// Moves a committed run's scrubbed partitions over the old ones (idempotent: what was moved
/// already is not staged any more). Part of the publication.
pub fn publish(l: &Layout, run_id: &str) -> Result<(), Error> {
    let root = staged_dir(l, run_id);
    if !root.is_dir() {
        return Ok(());
    }
    let mut stack = vec![root.clone()];
    while let Some(d) = stack.pop() {
        let entries =
            fs::read_dir(&d).map_err(|e| Error::io(format!("cannot read {}", d.display()), e))?;
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let Ok(rel) = p.strip_prefix(&root) else {
                continue;
            };
            let to = l.snapshots().join(rel);
            crate::fsutil::rename_durable(&p, &to).map_err(|e| {
                Error::io(
                    format!("cannot move {} to {}", p.display(), to.display()),
                    e,
                )
            })?;
        }
    }
    Ok(())
}
