//! The history dataset's two tables — `offers.parquet` (one row per offer ever seen) and the
//! per-run snapshots — as columns, Parquet readers and the offer's content hash.
//!
//! Why a module of its own: the merge, the report and the tests must agree on the extra columns
//! and read them back the same way. Invariants: both tables are the 66 columns of
//! `docs/schema.md` in order, followed by the extra columns declared here (one table per file
//! kind); a file whose columns differ is refused with a message naming the first difference,
//! never half-read; the content hash is FNV-1a 64 over a canonical, versioned byte encoding of the
//! cells, so it is the same on every platform and Rust release.

use std::fs::File;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, TimestampMillisecondType};
use arrow_array::{Array, ArrayRef, RecordBatch};
use chrono::{DateTime, Utc};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};

use crate::error::{Error, FileError};
use crate::normalize::offer::{COLUMN_COUNT, COLUMNS, Cell, Column, Kind, NormalizedOffer};
use crate::sink::parquet::{BATCH_ROWS, arrow_schema_with};

/// The columns `offers.parquet` adds after the schema's columns.
pub const OFFER_COLUMNS: &[Column] = &[
    Column {
        name: "first_seen_at",
        kind: Kind::Ts,
    },
    Column {
        name: "last_seen_at",
        kind: Kind::Ts,
    },
    Column {
        name: "withdrawn_at",
        kind: Kind::Ts,
    },
    Column {
        name: "left_window_at",
        kind: Kind::Ts,
    },
    Column {
        name: "times_seen",
        kind: Kind::I32,
    },
    Column {
        name: "content_hash",
        kind: Kind::Text,
    },
    Column {
        name: "version",
        kind: Kind::I32,
    },
    Column {
        name: "repost_of",
        kind: Kind::Str,
    },
    Column {
        name: "repost_of_source",
        kind: Kind::Str,
    },
];

/// Positions of the extra columns in an `offers.parquet` row.
pub mod col {
    use crate::normalize::offer::COLUMN_COUNT;
    pub const FIRST_SEEN: usize = COLUMN_COUNT;
    pub const LAST_SEEN: usize = COLUMN_COUNT + 1;
    pub const WITHDRAWN: usize = COLUMN_COUNT + 2;
    pub const LEFT_WINDOW: usize = COLUMN_COUNT + 3;
    pub const TIMES_SEEN: usize = COLUMN_COUNT + 4;
    pub const CONTENT_HASH: usize = COLUMN_COUNT + 5;
    pub const VERSION: usize = COLUMN_COUNT + 6;
    pub const REPOST_OF: usize = COLUMN_COUNT + 7;
    pub const REPOST_OF_SOURCE: usize = COLUMN_COUNT + 8;
    /// Schema positions used by the merge.
    pub const ID: usize = 0;
    pub const SOURCE: usize = 1;
    pub const DATE_CREATED: usize = 8;
    pub const DATE_UPDATED: usize = 9;
    pub const DATE_EXTRACTION: usize = 27;
    pub const DUPLICATE_GROUP: usize = 65;
}

/// The columns a snapshot (`snapshots/run_date=…/run_id=…/part-0.parquet`) adds after the schema's columns.
/// The partition columns `run_date` and `run_id` live in the path only (Hive style).
pub const SNAPSHOT_COLUMNS: &[Column] = &[
    Column {
        name: "seen_at",
        kind: Kind::Ts,
    },
    Column {
        name: "content_hash",
        kind: Kind::Text,
    },
    Column {
        name: "version",
        kind: Kind::I32,
    },
    Column {
        name: "change",
        kind: Kind::Text,
    },
];

/// Columns left out of the content hash: they change without the offer changing
/// (`date_extraction` is the fetch time; `date_updated` is compared on its own; `duplicate_group`
/// is derived from other columns, so a new key design must not make every offer "updated").
pub const HASH_EXCLUDED: &[usize] = &[
    col::DATE_UPDATED,
    col::DATE_EXTRACTION,
    col::DUPLICATE_GROUP,
];

/// Bumped if the canonical encoding below ever changes (it is fed into the hash first).
const HASH_ENCODING: u8 = 2;

/// FNV-1a, 64 bits: tiny, dependency-free and defined by its constants, so a hash stored in a
/// dataset today is recomputed identically by any later build (unlike `DefaultHasher`).
#[derive(Clone, Copy)]
pub struct Fnv64(u64);

impl Fnv64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    pub fn new() -> Self {
        Fnv64(Self::OFFSET)
    }
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= b as u64;
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }
    pub fn finish(self) -> u64 {
        self.0
    }
}

impl Default for Fnv64 {
    fn default() -> Self {
        Self::new()
    }
}

/// The content hash of an offer's schema cells (volatile columns excluded): every cell is encoded as
/// its column position, a kind tag (null and empty differ) and length-prefixed bytes; numbers by
/// their exact bits, timestamps as milliseconds.
pub fn content_hash(cells: &[Cell<'_>]) -> u64 {
    let mut h = Fnv64::new();
    h.write(&[HASH_ENCODING]);
    let bytes = |h: &mut Fnv64, b: &[u8]| {
        h.write(&(b.len() as u64).to_le_bytes());
        h.write(b);
    };
    for (i, c) in cells.iter().take(COLUMN_COUNT).enumerate() {
        if HASH_EXCLUDED.contains(&i) {
            continue;
        }
        h.write(&(i as u16).to_le_bytes());
        match c {
            Cell::Text(s) | Cell::Str(Some(s)) => {
                h.write(&[1]);
                bytes(&mut h, s.as_bytes());
            }
            Cell::F64(Some(v)) => {
                h.write(&[2]);
                h.write(&v.to_bits().to_le_bytes());
            }
            Cell::I32(Some(v)) => {
                h.write(&[3]);
                h.write(&v.to_le_bytes());
            }
            Cell::Bool(Some(v)) => h.write(&[4, *v as u8]),
            Cell::Ts(Some(t)) => {
                h.write(&[5]);
                h.write(&t.timestamp_millis().to_le_bytes());
            }
            Cell::List(Some(items)) => {
                h.write(&[6]);
                h.write(&(items.len() as u64).to_le_bytes());
                for s in *items {
                    bytes(&mut h, s.as_bytes());
                }
            }
            Cell::Str(None)
            | Cell::F64(None)
            | Cell::I32(None)
            | Cell::Bool(None)
            | Cell::Ts(None)
            | Cell::List(None) => h.write(&[0]),
        }
    }
    h.finish()
}

/// The hash as stored in the `content_hash` column: 16 lowercase hex digits.
pub fn hash_text(h: u64) -> String {
    format!("{h:016x}")
}

/// Parses a stored `content_hash`.
pub fn parse_hash(s: &str) -> Option<u64> {
    (s.len() == 16)
        .then(|| u64::from_str_radix(s, 16).ok())
        .flatten()
}

pub fn ms_to_ts(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms)
}

/// One column of a batch, typed.
enum ColRef<'a> {
    Str(&'a arrow_array::StringArray),
    F64(&'a arrow_array::Float64Array),
    I32(&'a arrow_array::Int32Array),
    Bool(&'a arrow_array::BooleanArray),
    Ts(&'a arrow_array::TimestampMillisecondArray),
    List(&'a arrow_array::ListArray),
}

/// A record batch of one of the two tables, with typed access to its cells.
pub struct BatchView<'a> {
    cols: Vec<ColRef<'a>>,
    kinds: Vec<Kind>,
    rows: usize,
}

impl<'a> BatchView<'a> {
    /// Wraps a batch whose schema was checked by [`TableReader::open`].
    fn new(batch: &'a RecordBatch, columns: &[Column]) -> Self {
        let cols = batch
            .columns()
            .iter()
            .zip(columns)
            .map(|(a, c)| col_ref(a, c.kind))
            .collect();
        BatchView {
            cols,
            kinds: columns.iter().map(|c| c.kind).collect(),
            rows: batch.num_rows(),
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Text of a utf8 column (`None` for null).
    pub fn str(&self, col: usize, row: usize) -> Option<&'a str> {
        match self.cols[col] {
            ColRef::Str(a) => (!a.is_null(row)).then(|| a.value(row)),
            _ => None,
        }
    }

    /// Milliseconds of a timestamp column.
    pub fn ts_ms(&self, col: usize, row: usize) -> Option<i64> {
        match self.cols[col] {
            ColRef::Ts(a) => (!a.is_null(row)).then(|| a.value(row)),
            _ => None,
        }
    }

    pub fn i32(&self, col: usize, row: usize) -> Option<i32> {
        match self.cols[col] {
            ColRef::I32(a) => (!a.is_null(row)).then(|| a.value(row)),
            _ => None,
        }
    }

    /// Fills `lists` with the row's list cells (one slot per column; `None` elsewhere), which
    /// [`BatchView::cells`] then borrows.
    pub fn fill_lists(&self, row: usize, lists: &mut Vec<Option<Vec<String>>>) {
        lists.clear();
        for c in &self.cols {
            lists.push(match c {
                ColRef::List(a) if !a.is_null(row) => {
                    let v = a.value(row);
                    let s = v.as_string::<i32>();
                    Some(
                        (0..s.len())
                            .map(|i| s.value(i).to_string())
                            .collect::<Vec<_>>(),
                    )
                }
                _ => None,
            });
        }
    }

    /// The row's cells in column order; list cells come from `lists` (see [`BatchView::fill_lists`]).
    pub fn cells<'s>(&'s self, row: usize, lists: &'s [Option<Vec<String>>]) -> Vec<Cell<'s>> {
        self.cols
            .iter()
            .zip(&self.kinds)
            .enumerate()
            .map(|(i, (c, kind))| match (c, kind) {
                (ColRef::Str(a), Kind::Text) => {
                    Cell::Text(if a.is_null(row) { "" } else { a.value(row) })
                }
                (ColRef::Str(a), _) => Cell::Str((!a.is_null(row)).then(|| a.value(row))),
                (ColRef::F64(a), _) => Cell::F64((!a.is_null(row)).then(|| a.value(row))),
                (ColRef::I32(a), _) => Cell::I32((!a.is_null(row)).then(|| a.value(row))),
                (ColRef::Bool(a), _) => Cell::Bool((!a.is_null(row)).then(|| a.value(row))),
                (ColRef::Ts(a), _) => Cell::Ts(if a.is_null(row) {
                    None
                } else {
                    ms_to_ts(a.value(row))
                }),
                (ColRef::List(_), _) => Cell::List(lists[i].as_deref()),
            })
            .collect()
    }

    /// The row's first schema cells as a [`NormalizedOffer`] (through the schema's own decoder, so a
    /// value that does not round-trip is an error rather than a silent change).
    pub fn offer(&self, row: usize) -> Result<NormalizedOffer, String> {
        let mut lists = Vec::new();
        self.fill_lists(row, &mut lists);
        let cells = self.cells(row, &lists);
        let mut scratch = String::new();
        let texts: Vec<String> = cells[..COLUMN_COUNT]
            .iter()
            .map(|c| c.csv_text(&mut scratch).into_owned())
            .collect();
        NormalizedOffer::from_csv_fields(texts.iter().map(String::as_str))
            .map_err(|e| e.to_string())
    }
}

fn col_ref(a: &ArrayRef, kind: Kind) -> ColRef<'_> {
    // The schema was checked against the same column table: the downcasts cannot fail.
    match kind {
        Kind::Text | Kind::Str => ColRef::Str(a.as_string::<i32>()),
        Kind::F64 => ColRef::F64(a.as_primitive::<Float64Type>()),
        Kind::I32 => ColRef::I32(a.as_primitive::<Int32Type>()),
        Kind::Bool => ColRef::Bool(a.as_boolean()),
        Kind::Ts => ColRef::Ts(a.as_primitive::<TimestampMillisecondType>()),
        Kind::List => ColRef::List(a.as_list::<i32>()),
    }
}

/// Streams the batches of one of the tables, one [`BATCH_ROWS`]-row batch at a time.
pub struct TableReader {
    reader: ParquetRecordBatchReader,
    columns: Vec<Column>,
    path: std::path::PathBuf,
    pub rows: u64,
}

/// The number of offer columns of a table written with a shorter schema than this version's (its
/// first extra column comes earlier), if it is one.
fn older_schema(got: &arrow_schema::Schema, extra: &[Column]) -> Option<usize> {
    let first_extra = extra.first()?.name;
    let at = got.fields().iter().position(|f| f.name() == first_extra)?;
    (at < COLUMN_COUNT).then_some(at)
}

impl TableReader {
    /// Opens `path`, checking that its columns are the schema's followed by `extra`; a table of an
    /// older, shorter schema is refused with a message saying so (no migration).
    pub fn open(path: &Path, extra: &[Column]) -> Result<TableReader, Error> {
        let file = File::open(path)
            .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
        let damaged = |e: &dyn std::fmt::Display| -> Error {
            FileError::NotParquet {
                table: path.to_path_buf(),
                reason: e.to_string(),
            }
            .into()
        };
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| damaged(&e))?;
        let want = arrow_schema_with(extra);
        let got = builder.schema().clone();
        if let Some(old) = older_schema(&got, extra) {
            return Err(FileError::OlderSchema {
                table: path.to_path_buf(),
                columns: old,
                now: COLUMN_COUNT,
            }
            .into());
        }
        for (i, w) in want.fields().iter().enumerate() {
            let found = got.fields().get(i);
            if found.map(|f| (f.name(), f.data_type())) != Some((w.name(), w.data_type())) {
                return Err(FileError::ForeignColumn {
                    table: path.to_path_buf(),
                    position: i + 1,
                    found: found
                        .map(|f| format!("`{}` ({})", f.name(), f.data_type()))
                        .unwrap_or_else(|| "missing".into()),
                    expected: format!("`{}` ({})", w.name(), w.data_type()),
                }
                .into());
            }
        }
        if got.fields().len() != want.fields().len() {
            return Err(FileError::ColumnCount {
                table: path.to_path_buf(),
                found: got.fields().len(),
                expected: want.fields().len(),
            }
            .into());
        }
        let rows = builder.metadata().file_metadata().num_rows() as u64;
        let reader = builder
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(|e| damaged(&e))?;
        Ok(TableReader {
            reader,
            columns: COLUMNS.iter().chain(extra).copied().collect(),
            path: path.to_path_buf(),
            rows,
        })
    }

    /// The next batch, or `None` at the end.
    pub fn next_batch(&mut self) -> Result<Option<RecordBatch>, Error> {
        match self.reader.next() {
            None => Ok(None),
            Some(Ok(b)) => Ok(Some(b)),
            Some(Err(e)) => Err(FileError::TableDamaged {
                table: self.path.clone(),
                reason: e.to_string(),
            }
            .into()),
        }
    }

    /// A typed view of a batch returned by [`TableReader::next_batch`].
    pub fn view<'b>(&self, batch: &'b RecordBatch) -> BatchView<'b> {
        BatchView::new(batch, &self.columns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A dataset written before issue 17 (52 offer columns, then the history columns) is refused with
    /// a message that says why and what to do, not misread.
    #[test]
    fn a_table_of_the_older_52_column_schema_is_refused_with_a_clear_message() {
        use std::sync::Arc;
        let fields: Vec<arrow_schema::Field> = COLUMNS[..52]
            .iter()
            .chain(OFFER_COLUMNS)
            .map(|c| arrow_schema::Field::new(c.name, arrow_schema::DataType::Utf8, true))
            .collect();
        let schema = Arc::new(arrow_schema::Schema::new(fields));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("offers.parquet");
        let mut w =
            parquet::arrow::ArrowWriter::try_new(File::create(&path).unwrap(), schema, None)
                .unwrap();
        w.flush().unwrap();
        w.close().unwrap();
        let before = std::fs::read(&path).unwrap();
        let Err(e) = TableReader::open(&path, OFFER_COLUMNS) else {
            panic!("an old table was accepted");
        };
        let msg = e.to_string();
        assert!(
            msg.contains("was written by an older ftcollect whose offer schema had 52 columns; this version writes 66"),
            "{msg}"
        );
        assert!(msg.contains("Start a new dataset"), "{msg}");
        assert_eq!(std::fs::read(&path).unwrap(), before, "nothing was changed");
    }

    #[test]
    fn fnv1a_64_test_vectors() {
        // From the FNV reference (http://www.isthe.com/chongo/tech/comp/fnv/).
        for (input, want) in [
            ("", 0xcbf29ce484222325u64),
            ("a", 0xaf63dc4c8601ec8c),
            ("foobar", 0x85944171f73967e8),
        ] {
            let mut h = Fnv64::new();
            h.write(input.as_bytes());
            assert_eq!(h.finish(), want, "{input:?}");
        }
    }

    #[test]
    fn the_content_hash_ignores_volatile_columns_and_sees_everything_else() {
        let base = NormalizedOffer {
            id: "184TRJB".into(),
            source: "france_travail".into(),
            title: "Data engineer".into(),
            description: Some("Hello".into()),
            ..Default::default()
        };
        let h = |o: &NormalizedOffer| content_hash(&o.cells());
        let mut o = base.clone();
        o.date_extraction = ms_to_ts(1_700_000_000_000);
        o.date_updated = ms_to_ts(1_700_000_000_000);
        assert_eq!(h(&o), h(&base), "fetch time and dateActualisation excluded");
        let mut o = base.clone();
        o.description = Some("Hello!".into());
        assert_ne!(h(&o), h(&base));
        let mut o = base.clone();
        o.company_name = Some(String::new());
        assert_ne!(h(&o), h(&base), "empty is not null");
        let mut o = base.clone();
        o.skills = Some(vec!["a".into(), "b".into()]);
        let mut p = base.clone();
        p.skills = Some(vec!["ab".into()]);
        assert_ne!(h(&o), h(&p), "list items are delimited");
        // Hashes are stored in datasets: the encoding must never change silently (if it has to,
        // bump HASH_ENCODING and say so in docs/history.md). This value was checked with an
        // independent Python implementation of the encoding described on `content_hash` (encoding 2,
        // 65 columns, issue 17; it was e5612a8b4698c586 with encoding 1 and 52 columns; the 66th
        // column, `duplicate_group`, is excluded, so the value stands).
        assert_eq!(hash_text(h(&base)), "0550dd02cb7197db");
        assert_eq!(parse_hash(&hash_text(h(&base))), Some(h(&base)));
        assert_eq!(parse_hash("xyz"), None);
    }
}
