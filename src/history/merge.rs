//! The merge of one run's collection into the dataset's state: the new `offers.parquet` and the
//! run's snapshot, both written under `_staging/<run_id>/` (the commit is `dataset`'s job).
//!
//! Why a module: this is where the history's meaning is decided. Invariants, per offer (keyed by
//! `(source, id)`), for a run at time `t` with creation window `[min, t]`:
//! - seen: `first_seen_at` is kept (or set to `t` for a new offer), `last_seen_at = t`,
//!   `times_seen += 1`, `withdrawn_at` and `left_window_at` are cleared, and `version` is
//!   incremented when `date_updated` or the content hash differs from the stored version;
//! - absent from a **complete** run while active: `left_window_at = t` if it was created before
//!   `min` (the query can no longer see it: it may still be online), else `withdrawn_at = t`;
//! - absent from an **incomplete** run: unchanged (a partial view proves nothing);
//! - already withdrawn or out of the window and absent: unchanged;
//! - repost: a **new** offer whose `duplicate_group` is held by an offer withdrawn in the dataset
//!   (before this run or by it) gets `repost_of`/`repost_of_source` = that offer's id and source
//!   (the most recently withdrawn one; ties broken by the smaller source, then id); the link is
//!   kept by later runs and never set on an offer already tracked.
//!
//! Memory: one compact slot per offer of *this run's collection* (its key and the few stored
//! fields it needs, about 100 bytes), the withdrawn offers sharing a group with one of them, plus
//! one Arrow batch and the Parquet writers' row groups. The
//! stored history is streamed, never loaded: memory follows the size of the market, not the
//! length of the history.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Read;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::dataset::{Layout, PART, PendingRun};
use super::table::{
    BatchView, OFFER_COLUMNS, SNAPSHOT_COLUMNS, TableReader, col, content_hash, hash_text,
    ms_to_ts, parse_hash,
};
use super::{pause_point, scrub};
use crate::error::{Error, FileError};
use crate::normalize::NormalizedOffer;
use crate::normalize::duplicates::parse_group_id;
use crate::normalize::offer::{COLUMN_COUNT, Cell};
use crate::sink::csv::{self as csv_sink, RowError, read_offers};
use crate::sink::parquet::ParquetSink;

/// What a merge found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeCounts {
    pub seen: u64,
    pub new: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub returned: u64,
    pub withdrawn: u64,
    pub left_window: u64,
    /// Rows of the new `offers.parquet`.
    pub tracked: u64,
    /// Withdrawn offers whose identifying content this run removed ([`super::scrub`]), and the
    /// snapshot rows it removed it from.
    #[serde(default)]
    pub scrubbed: u64,
    #[serde(default)]
    pub scrubbed_snapshot_rows: u64,
    /// Of which neither withdrawn nor out of the window.
    pub active: u64,
    /// New offers that repost a withdrawn one (`repost_of` set).
    #[serde(default)]
    pub reposts: u64,
}

/// One run to merge.
pub struct MergeInput<'a> {
    pub layout: &'a Layout,
    pub run: &'a PendingRun,
    /// Only a complete run may mark absent offers as withdrawn.
    pub complete: bool,
    /// The start of the run's creation window.
    pub window_min: DateTime<Utc>,
    /// Key-value metadata for both Parquet files.
    pub metadata: Vec<(String, String)>,
    /// Remove the identifying content of withdrawn offers ([`super::scrub`]).
    pub scrub_withdrawn: bool,
}

/// What the dataset knew of an offer this run saw.
struct Stored {
    first_seen: i64,
    times_seen: i32,
    version: i32,
    hash: Option<u64>,
    date_updated: Option<i64>,
    /// Withdrawn or out of the window before this run.
    gone: bool,
    /// Its `repost_of` and `repost_of_source`, kept as they are.
    repost_of: Option<(Box<str>, Box<str>)>,
}

#[derive(Default)]
struct Slot {
    stored: Option<Stored>,
    written: bool,
}

/// The withdrawn offer a new one reposts: the latest withdrawn, then the smaller `(source, id)`.
struct Reposted {
    withdrawn: i64,
    source: Box<str>,
    id: Box<str>,
}

impl Reposted {
    fn better_than(&self, other: &Reposted) -> bool {
        (other.withdrawn, &*self.source, &*self.id) < (self.withdrawn, &*other.source, &*other.id)
    }
}

fn key_into(buf: &mut String, source: &str, id: &str) {
    buf.clear();
    buf.push_str(source);
    buf.push('\u{1f}');
    buf.push_str(id);
}

/// The `change` column of a snapshot row.
pub const NEW: &str = "new";
pub const UPDATED: &str = "updated";
pub const UNCHANGED: &str = "unchanged";
pub const RETURNED: &str = "returned";

/// Writes `_staging/<run_id>/offers.parquet` and `_staging/<run_id>/run_id=<run_id>/part-0.parquet`.
pub fn stage(m: &MergeInput<'_>) -> Result<MergeCounts, Error> {
    let l = m.layout;
    let csv_path = l.work_csv();
    let run_id = &m.run.run_id;
    let len = std::fs::metadata(&csv_path)
        .map_err(|e| Error::io(format!("cannot read {}", csv_path.display()), e))?
        .len();
    let (slots, reposted) = scan_run(&csv_path, len)?;
    let snapshot_dir = l.staged_snapshot_dir(run_id);
    std::fs::create_dir_all(&snapshot_dir)
        .map_err(|e| Error::io(format!("cannot create {}", snapshot_dir.display()), e))?;
    let offers = ParquetSink::create_with(
        &l.staging(run_id).join(super::dataset::OFFERS),
        m.metadata.clone(),
        OFFER_COLUMNS,
    )?;
    let t = m.run.run_at.timestamp_millis();
    let mut merge = Merge {
        m,
        t,
        t_ts: ms_to_ts(t),
        window_min: m.window_min.timestamp_millis(),
        slots,
        reposted,
        buf: String::new(),
        counts: MergeCounts::default(),
        scrub_keys: HashSet::new(),
        offers,
    };
    if l.offers().exists() {
        merge.copy_history()?;
    }
    pause_point("merging");
    let mut snapshot = ParquetSink::create_with(
        &snapshot_dir.join(PART),
        m.metadata.clone(),
        SNAPSHOT_COLUMNS,
    )?;
    merge.write_run(&csv_path, len, &mut snapshot)?;
    snapshot.finish()?;
    let Merge {
        mut counts,
        scrub_keys,
        offers,
        ..
    } = merge;
    if !scrub_keys.is_empty() {
        counts.scrubbed_snapshot_rows = scrub::stage_snapshots(l, run_id, &scrub_keys)?;
    }
    offers.finish()?;
    Ok(counts)
}

/// The keys this run saw, and the duplicate groups it saw (each with the withdrawn offer it may
/// repost, found by pass 1).
type RunKeys = (HashMap<Box<str>, Slot>, HashMap<u64, Option<Reposted>>);

fn scan_run(csv_path: &std::path::Path, len: u64) -> Result<RunKeys, Error> {
    let mut slots: HashMap<Box<str>, Slot> = HashMap::new();
    let mut reposted: HashMap<u64, Option<Reposted>> = HashMap::new();
    let mut buf = String::new();
    csv_sink::scan_keys_and_groups(csv_path, len, |source, id, group| {
        key_into(&mut buf, source, id);
        slots.entry(buf.as_str().into()).or_default();
        if let Some(g) = parse_group_id(group) {
            reposted.entry(g).or_default();
        }
    })?;
    Ok((slots, reposted))
}

/// One merge under way: the run's keys, the counts, and the new `offers.parquet` being written.
struct Merge<'a> {
    m: &'a MergeInput<'a>,
    /// The run's time, in milliseconds and as a cell value.
    t: i64,
    t_ts: Option<DateTime<Utc>>,
    window_min: i64,
    slots: HashMap<Box<str>, Slot>,
    reposted: HashMap<u64, Option<Reposted>>,
    buf: String,
    counts: MergeCounts,
    /// Withdrawn offers whose identifying content is removed by this run (their snapshot rows too).
    scrub_keys: HashSet<Box<str>>,
    offers: ParquetSink,
}

impl Merge<'_> {
    /// Pass 1: the stored history, streamed. Offers this run saw are only noted (their row is
    /// written in pass 2 with the new content); the others are copied, possibly marked withdrawn.
    fn copy_history(&mut self) -> Result<(), Error> {
        let l = self.m.layout;
        let mut reader = TableReader::open(&l.offers(), OFFER_COLUMNS)?;
        let mut lists = Vec::new();
        while let Some(batch) = reader.next_batch()? {
            let v = reader.view(&batch);
            for row in 0..v.rows() {
                self.history_row(&v, row, &mut lists)?;
            }
        }
        Ok(())
    }

    fn history_row(
        &mut self,
        v: &BatchView<'_>,
        row: usize,
        lists: &mut Vec<Option<Vec<String>>>,
    ) -> Result<(), Error> {
        let id = v.str(col::ID, row).unwrap_or_default();
        let source = v.str(col::SOURCE, row).unwrap_or_default();
        key_into(&mut self.buf, source, id);
        let withdrawn = v.ts_ms(col::WITHDRAWN, row);
        let left = v.ts_ms(col::LEFT_WINDOW, row);
        if let Some(slot) = self.slots.get_mut(self.buf.as_str()) {
            if slot.stored.is_some() {
                return Err(FileError::OfferTwice {
                    table: self.m.layout.offers(),
                    source: source.to_string(),
                    id: id.to_string(),
                }
                .into());
            }
            slot.stored = Some(Stored {
                first_seen: v.ts_ms(col::FIRST_SEEN, row).unwrap_or(self.t),
                times_seen: v.i32(col::TIMES_SEEN, row).unwrap_or(0),
                version: v.i32(col::VERSION, row).unwrap_or(1),
                hash: v.str(col::CONTENT_HASH, row).and_then(parse_hash),
                date_updated: v.ts_ms(col::DATE_UPDATED, row),
                gone: withdrawn.is_some() || left.is_some(),
                repost_of: v.str(col::REPOST_OF, row).map(|id| {
                    let source = v.str(col::REPOST_OF_SOURCE, row).unwrap_or_default();
                    (source.into(), id.into())
                }),
            });
            return Ok(());
        }
        let (mut withdrawn, mut left) = (withdrawn, left);
        if self.m.complete && withdrawn.is_none() && left.is_none() {
            let created = v.ts_ms(col::DATE_CREATED, row);
            if created.is_some_and(|c| c < self.window_min) {
                left = Some(self.t);
                self.counts.left_window += 1;
            } else {
                withdrawn = Some(self.t);
                self.counts.withdrawn += 1;
            }
        }
        if withdrawn.is_none() && left.is_none() {
            self.counts.active += 1;
        }
        if let Some(at) = withdrawn {
            let group = v.str(col::DUPLICATE_GROUP, row).and_then(parse_group_id);
            self.offer_for_reposts(group, at, source, id);
        }
        v.fill_lists(row, lists);
        let mut cells = v.cells(row, lists);
        cells[col::WITHDRAWN] = Cell::Ts(withdrawn.and_then(ms_to_ts));
        cells[col::LEFT_WINDOW] = Cell::Ts(left.and_then(ms_to_ts));
        if self.m.scrub_withdrawn && withdrawn.is_some() && scrub::has_identifying(&cells) {
            scrub::blank(&mut cells);
            self.scrub_keys.insert(self.buf.as_str().into());
            self.counts.scrubbed += 1;
        }
        self.offers.write_cells(&cells)?;
        self.counts.tracked += 1;
        Ok(())
    }

    /// A withdrawn offer of `group`: the one a new offer of that group reposts, if it is the
    /// latest withdrawn (then the smaller `(source, id)`).
    fn offer_for_reposts(&mut self, group: Option<u64>, at: i64, source: &str, id: &str) {
        if let Some(best) = group.and_then(|g| self.reposted.get_mut(&g)) {
            let this = Reposted {
                withdrawn: at,
                source: source.into(),
                id: id.into(),
            };
            if best.as_ref().is_none_or(|b| this.better_than(b)) {
                *best = Some(this);
            }
        }
    }

    /// Pass 2: this run's offers, in collection order: their latest version into the state, and
    /// the snapshot.
    fn write_run(
        &mut self,
        csv_path: &std::path::Path,
        len: u64,
        snapshot: &mut ParquetSink,
    ) -> Result<(), Error> {
        let file = File::open(csv_path)
            .map_err(|e| Error::io(format!("cannot read {}", csv_path.display()), e))?;
        let work = self.m.layout.work();
        let unreadable = |e: RowError| {
            let (row, problem) = e.into_parts();
            FileError::RunRow {
                csv: csv_path.to_path_buf(),
                row,
                problem,
                work: work.clone(),
            }
            .into()
        };
        read_offers(file.take(len), unreadable, |offer| {
            self.run_offer(&offer, snapshot)
        })
    }

    fn run_offer(
        &mut self,
        offer: &NormalizedOffer,
        snapshot: &mut ParquetSink,
    ) -> Result<(), Error> {
        key_into(&mut self.buf, &offer.source, &offer.id);
        let Some(slot) = self.slots.get_mut(self.buf.as_str()) else {
            return Ok(());
        };
        if slot.written {
            return Ok(());
        }
        slot.written = true;
        // Each key is written once: what the history knew of it is not needed again.
        let stored = slot.stored.take();
        let cells = offer.cells();
        let hash = content_hash(&cells);
        let updated_ms = offer.date_updated.map(|d| d.timestamp_millis());
        let repost_of: Option<(&str, &str)> = match &stored {
            None => offer
                .duplicate_group
                .as_deref()
                .and_then(parse_group_id)
                .and_then(|g| self.reposted.get(&g)?.as_ref())
                .map(|r| (&*r.source, &*r.id)),
            Some(s) => s.repost_of.as_ref().map(|(s, i)| (&**s, &**i)),
        };
        let counts = &mut self.counts;
        if stored.is_none() && repost_of.is_some() {
            counts.reposts += 1;
        }
        let (first_seen, times_seen, version, change) = match &stored {
            None => (self.t, 1, 1, NEW),
            Some(s) => {
                let changed = s.hash != Some(hash) || s.date_updated != updated_ms;
                let change = if s.gone {
                    RETURNED
                } else if changed {
                    UPDATED
                } else {
                    UNCHANGED
                };
                (
                    s.first_seen,
                    s.times_seen.saturating_add(1),
                    s.version + changed as i32,
                    change,
                )
            }
        };
        match change {
            NEW => counts.new += 1,
            UPDATED => counts.updated += 1,
            RETURNED => counts.returned += 1,
            _ => counts.unchanged += 1,
        }
        counts.seen += 1;
        counts.tracked += 1;
        counts.active += 1;
        let hash = hash_text(hash);
        let mut row_cells: Vec<Cell<'_>> = Vec::with_capacity(COLUMN_COUNT + OFFER_COLUMNS.len());
        row_cells.extend_from_slice(&cells);
        row_cells.extend_from_slice(&[
            Cell::Ts(ms_to_ts(first_seen)),
            Cell::Ts(self.t_ts),
            Cell::Ts(None),
            Cell::Ts(None),
            Cell::I32(Some(times_seen)),
            Cell::Text(&hash),
            Cell::I32(Some(version)),
            Cell::Str(repost_of.map(|r| r.1)),
            Cell::Str(repost_of.map(|r| r.0)),
        ]);
        self.offers.write_cells(&row_cells)?;
        row_cells.truncate(COLUMN_COUNT);
        row_cells.extend_from_slice(&[
            Cell::Ts(self.t_ts),
            Cell::Text(&hash),
            Cell::I32(Some(version)),
            Cell::Text(change),
        ]);
        snapshot.write_cells(&row_cells)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::{CollectConfig, FranceTravailSettings, engine};
    use crate::history::dataset::{Layout, PendingRun};
    use crate::normalize::NormalizedOffer;
    use crate::sink::csv::CsvSink;

    fn offer(source: &str, id: &str, group: Option<&str>) -> NormalizedOffer {
        NormalizedOffer {
            id: id.into(),
            source: source.into(),
            title: format!("job {id}"),
            duplicate_group: group.map(Into::into),
            ..Default::default()
        }
    }

    /// Runs one complete merge of `rows` into the dataset at `l` (the staged state becomes the
    /// dataset's `offers.parquet`), returning the counts and `(source/id, repost_of)` of every row.
    fn run(l: &Layout, seq: u64, rows: &[NormalizedOffer]) -> (MergeCounts, Vec<(String, String)>) {
        std::fs::create_dir_all(l.work()).unwrap();
        let mut sink = CsvSink::create(&l.work_csv()).unwrap();
        for r in rows {
            sink.write(r).unwrap();
        }
        sink.sync().unwrap();
        drop(sink);
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-01T06:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
            + chrono::Duration::days(seq as i64);
        let query = engine::query_key(&CollectConfig::new(
            "x.csv",
            FranceTravailSettings {
                api_url: String::new(),
                token_url: String::new(),
                credentials: crate::secret::Credentials::new("a", "b"),
            },
        ));
        let pending = PendingRun::new(seq, t, query);
        let counts = stage(&MergeInput {
            layout: l,
            run: &pending,
            complete: true,
            window_min: t - chrono::Duration::days(90),
            metadata: Vec::new(),
            scrub_withdrawn: true,
        })
        .unwrap();
        let staged = l
            .staging(&pending.run_id)
            .join(super::super::dataset::OFFERS);
        std::fs::rename(staged, l.offers()).unwrap();
        let mut reader = TableReader::open(&l.offers(), OFFER_COLUMNS).unwrap();
        let mut links = Vec::new();
        while let Some(batch) = reader.next_batch().unwrap() {
            let v = reader.view(&batch);
            for row in 0..v.rows() {
                let key = format!(
                    "{}/{}",
                    v.str(col::SOURCE, row).unwrap(),
                    v.str(col::ID, row).unwrap()
                );
                let link = match (
                    v.str(col::REPOST_OF_SOURCE, row),
                    v.str(col::REPOST_OF, row),
                ) {
                    (Some(s), Some(i)) => format!("{s}/{i}"),
                    (None, None) => String::new(),
                    other => panic!("half a link: {other:?}"),
                };
                links.push((key, link));
            }
        }
        links.sort();
        (counts, links)
    }

    #[test]
    fn a_new_offer_of_a_withdrawn_offers_group_records_it_and_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let l = Layout::new(dir.path());
        let (g1, g2) = ("dup-00000000000000a1", "dup-00000000000000b2");
        let ft = crate::normalize::france_travail::SOURCE;
        let az = crate::normalize::adzuna::SOURCE;
        // Run 1: A (group 1), B (group 2), C (no group).
        let (c, _) = run(
            &l,
            1,
            &[
                offer(ft, "A", Some(g1)),
                offer(ft, "B", Some(g2)),
                offer(ft, "C", None),
            ],
        );
        assert_eq!((c.new, c.reposts), (3, 0));
        // Run 2: A is gone (withdrawn by this run) and D reposts it; E shares B's group while B is
        // still online (a duplicate, not a repost); C is gone but had no group.
        let (c, links) = run(
            &l,
            2,
            &[
                offer(ft, "B", Some(g2)),
                offer(ft, "D", Some(g1)),
                offer(az, "E", Some(g2)),
            ],
        );
        assert_eq!((c.new, c.withdrawn, c.reposts), (2, 2, 1));
        let want = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        assert_eq!(
            links,
            want(&[
                ("adzuna/E", ""),
                ("france_travail/A", ""),
                ("france_travail/B", ""),
                ("france_travail/C", ""),
                ("france_travail/D", "france_travail/A"),
            ])
        );
        // Run 3: D is seen again (its link is kept); B is gone, and an Adzuna copy F of it appears
        // a run later (the link crosses sources); A, withdrawn in run 2, is still the one D reposts.
        let (c, links) = run(&l, 3, &[offer(ft, "D", Some(g1)), offer(az, "E", Some(g2))]);
        assert_eq!((c.new, c.reposts), (0, 0));
        let (c, links4) = run(&l, 4, &[offer(ft, "D", Some(g1)), offer(az, "F", Some(g2))]);
        // E was withdrawn by run 4 and B by run 3: the latest withdrawn, E, is the one F reposts.
        assert_eq!((c.new, c.reposts), (1, 1));
        assert_eq!(
            links[4],
            (
                "france_travail/D".to_string(),
                "france_travail/A".to_string()
            )
        );
        assert_eq!(
            links4,
            want(&[
                ("adzuna/E", ""),
                ("adzuna/F", "adzuna/E"),
                ("france_travail/A", ""),
                ("france_travail/B", ""),
                ("france_travail/C", ""),
                ("france_travail/D", "france_travail/A"),
            ])
        );
    }
}
