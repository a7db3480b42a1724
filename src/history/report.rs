//! `ftcollect history`: what a dataset holds, in a few lines (runs, offers tracked, currently
//! active, withdrawn per ISO week, median time online).
//!
//! Why: the simplest check that scheduled syncs are doing their job, without a query engine.
//! Invariants: it only reads; if no sync holds the lock it first finishes a committed run's
//! publication (as any sync would), otherwise it reads the files as published, which are always
//! complete. Memory: the offers are streamed (six columns); only two durations per withdrawn
//! offer are kept, for the medians.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, TimestampMillisecondType};
use arrow_array::{Array, RecordBatch};
use chrono::Datelike;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::dataset::{self, DatasetLock, Layout, Manifest, PendingRun, RunRecord};
use super::table::{OFFER_COLUMNS, TableReader, ms_to_ts};
use crate::error::{Error, FileError};

const DAY_MS: f64 = 86_400_000.0;

/// How old the last complete run may be before `history` warns (the licence's refresh duty).
pub const REFRESH_DUTY: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// The report's figures.
#[derive(Debug, Default)]
pub struct HistoryReport {
    pub dataset: PathBuf,
    pub manifest: Option<Manifest>,
    pub runs: Vec<RunRecord>,
    pub tracked: u64,
    pub active: u64,
    pub withdrawn: u64,
    pub left_window: u64,
    /// Offers with more than one version.
    pub updated: u64,
    /// ISO week (`2026-W45`) of `withdrawn_at` → offers.
    pub withdrawn_per_week: BTreeMap<String, u64>,
    /// Median days online of the withdrawn offers, from creation to their last sighting (a lower
    /// bound) and to the first run without them (an upper bound).
    pub median_days_online: Option<(f64, f64)>,
    /// Who holds the lock, when a sync is running.
    pub busy: Option<String>,
    /// A run started but not landed (its collection is resumable).
    pub pending: Option<PendingRun>,
}

/// Reads the dataset at `dir`.
pub fn report(dir: &Path) -> Result<HistoryReport, Error> {
    let l = Layout::new(dir);
    if !l.manifest().exists() && !l.work().exists() {
        return Err(Error::NoDataset {
            dataset: dir.to_path_buf(),
        });
    }
    let mut r = HistoryReport {
        dataset: dir.to_path_buf(),
        ..Default::default()
    };
    // Held while reading, so no sync replaces files under us; if one is running, read anyway.
    let _lock = match DatasetLock::try_acquire(&l, "history") {
        Ok(Ok(lock)) => {
            dataset::recover(&l)?;
            Some(lock)
        }
        Ok(Err(holder)) => {
            r.busy = Some(holder);
            None
        }
        // A read-only copy of a dataset: read it as it is.
        Err(e) => {
            log::debug!("no lock ({e}): reading the dataset as it is");
            None
        }
    };
    r.manifest = Manifest::load(&l)?;
    r.runs = dataset::read_runs(&l)?;
    r.pending = PendingRun::load(&l)?;
    if !l.offers().exists() {
        return Ok(r);
    }
    // Validates the columns, then reads only the six the report needs.
    drop(TableReader::open(&l.offers(), OFFER_COLUMNS)?);
    let file = File::open(l.offers())
        .map_err(|e| Error::io(format!("cannot read {}", l.offers().display()), e))?;
    let damaged = |e: &dyn std::fmt::Display| -> Error {
        FileError::TableDamaged {
            table: l.offers(),
            reason: e.to_string(),
        }
        .into()
    };
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| damaged(&e))?;
    let names = [
        "date_created",
        "first_seen_at",
        "last_seen_at",
        "withdrawn_at",
        "left_window_at",
        "version",
    ];
    let mask = ProjectionMask::columns(builder.parquet_schema(), names);
    let reader = builder
        .with_projection(mask)
        .with_batch_size(8192)
        .build()
        .map_err(|e| damaged(&e))?;
    let (mut low, mut high) = (Vec::new(), Vec::new());
    for batch in reader {
        let batch = batch.map_err(|e| damaged(&e))?;
        tally(&batch, &mut r, &mut low, &mut high);
    }
    if !low.is_empty() {
        r.median_days_online = Some((median(&mut low), median(&mut high)));
    }
    Ok(r)
}

fn tally(b: &RecordBatch, r: &mut HistoryReport, low: &mut Vec<i64>, high: &mut Vec<i64>) {
    let ts = |name: &str| {
        b.column_by_name(name)
            .map(|c| c.as_primitive::<TimestampMillisecondType>().clone())
    };
    let (Some(created), Some(first), Some(last), Some(withdrawn), Some(left)) = (
        ts("date_created"),
        ts("first_seen_at"),
        ts("last_seen_at"),
        ts("withdrawn_at"),
        ts("left_window_at"),
    ) else {
        return;
    };
    let version = b
        .column_by_name("version")
        .map(|c| c.as_primitive::<Int32Type>().clone());
    for i in 0..b.num_rows() {
        r.tracked += 1;
        if version
            .as_ref()
            .is_some_and(|v| !v.is_null(i) && v.value(i) > 1)
        {
            r.updated += 1;
        }
        if !withdrawn.is_null(i) {
            r.withdrawn += 1;
            let w = withdrawn.value(i);
            if let Some(d) = ms_to_ts(w) {
                let week = d.iso_week();
                *r.withdrawn_per_week
                    .entry(format!("{}-W{:02}", week.year(), week.week()))
                    .or_default() += 1;
            }
            let start = if created.is_null(i) {
                first.value(i)
            } else {
                created.value(i)
            };
            if !last.is_null(i) {
                low.push(last.value(i) - start);
            }
            high.push(w - start);
        } else if !left.is_null(i) {
            r.left_window += 1;
        } else {
            r.active += 1;
        }
    }
}

fn median(v: &mut [i64]) -> f64 {
    v.sort_unstable();
    let n = v.len();
    let m = if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] as f64 + v[n / 2] as f64) / 2.0
    };
    m / DAY_MS
}

impl HistoryReport {
    /// The text `ftcollect history` prints.
    /// The licence's refresh duty: a derived base is refreshed at least every
    /// [`REFRESH_DUTY`]. `Some(warning)` when the last complete run is older than that at `now`
    /// (or there is none).
    pub fn stale_warning(&self, now: chrono::DateTime<chrono::Utc>) -> Option<String> {
        let last = self
            .runs
            .iter()
            .rev()
            .find(|r| r.status == crate::collect::RunStatus::Complete);
        match last {
            None if self.runs.is_empty() => None,
            None => Some(
                "warning: no run of this dataset is complete yet; the offers' reuse licence asks for a derived base \
                 refreshed at least every 24 hours"
                    .to_string(),
            ),
            Some(r) if now - r.run_at > REFRESH_DUTY => Some(format!(
                "warning: the last complete run is from {} ({} hours ago); the offers' reuse licence asks for a \
                 derived base refreshed at least every 24 hours: check that the scheduled sync runs and completes",
                r.run_at.format("%Y-%m-%d %H:%M UTC"),
                (now - r.run_at).num_hours()
            )),
            Some(_) => None,
        }
    }

    pub fn render(&self) -> String {
        self.render_at(chrono::Utc::now())
    }

    /// The report as of `now` (the staleness warning depends on it).
    pub fn render_at(&self, now: chrono::DateTime<chrono::Utc>) -> String {
        let mut out = format!("history dataset {}\n", self.dataset.display());
        if let Some(w) = self.stale_warning(now) {
            out.push_str(&format!("  {w}\n"));
        }
        let fmt = |t: &chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M UTC").to_string();
        if let Some(m) = &self.manifest {
            let q = &m.query;
            out.push_str(&format!(
                "  query:            ROME {}; départements {}; {}last {} month(s)\n",
                q.rome_codes.join(","),
                q.departements
                    .as_ref()
                    .map(|d| d.join(","))
                    .unwrap_or_else(|| "all".into()),
                q.search
                    .as_ref()
                    .map(|s| format!("keywords \"{s}\"; "))
                    .unwrap_or_default(),
                q.months
            ));
        }
        let complete = self
            .runs
            .iter()
            .filter(|r| r.status == crate::collect::RunStatus::Complete)
            .count();
        match (self.runs.first(), self.runs.last()) {
            (Some(a), Some(b)) => out.push_str(&format!(
                "  runs:             {} ({} complete, {} incomplete), {} .. {}\n",
                self.runs.len(),
                complete,
                self.runs.len() - complete,
                fmt(&a.run_at),
                fmt(&b.run_at)
            )),
            _ => out.push_str("  runs:             none yet\n"),
        }
        out.push_str(&format!("  offers tracked:   {}\n", self.tracked));
        out.push_str(&format!(
            "  currently active: {} (not withdrawn, still in the query's window)\n",
            self.active
        ));
        out.push_str(&format!("  withdrawn:        {}\n", self.withdrawn));
        if self.left_window > 0 {
            out.push_str(&format!(
                "  left the window:  {} (created before the window's start; maybe still online)\n",
                self.left_window
            ));
        }
        out.push_str(&format!(
            "  updated:          {} (more than one version)\n",
            self.updated
        ));
        match self.median_days_online {
            Some((lo, hi)) => out.push_str(&format!(
                "  median time online (withdrawn offers): {lo:.1} to {hi:.1} days \
                 (creation to last sighting / to the first run without the offer)\n"
            )),
            None => out.push_str("  median time online: no offer withdrawn yet\n"),
        }
        if !self.withdrawn_per_week.is_empty() {
            out.push_str("  withdrawn per ISO week:\n");
            for (w, n) in &self.withdrawn_per_week {
                out.push_str(&format!("    {w}  {n}\n"));
            }
        }
        if let Some(r) = self.runs.last() {
            out.push_str(&format!(
                "  last run:         {} ({}, exit {}): {} seen, {} new, {} updated, {} returned, {} withdrawn, \
                 {} left the window; {} calls, {:.1} s\n",
                r.run_id,
                status_name(r.status),
                r.exit_code,
                r.offers_seen,
                r.new,
                r.updated,
                r.returned,
                r.withdrawn,
                r.left_window,
                r.search_requests,
                r.collection_seconds + r.merge_seconds
            ));
        }
        if let Some(p) = &self.pending {
            out.push_str(&format!(
                "  pending:          run {} (started for {}) has not landed; the next sync finishes it\n",
                p.run_id,
                fmt(&p.run_at)
            ));
        }
        if let Some(h) = &self.busy {
            out.push_str(&format!(
                "  note: a sync is running ({h}); this report shows the last published run\n"
            ));
        }
        out
    }
}

fn status_name(s: crate::collect::RunStatus) -> &'static str {
    match s {
        crate::collect::RunStatus::Complete => "complete",
        crate::collect::RunStatus::Incomplete => "incomplete",
        crate::collect::RunStatus::Interrupted => "interrupted",
    }
}
