//! The Parquet output: the schema's columns with their Arrow types, streamed in batches.
//!
//! Invariants: memory is bounded by one batch of rows plus one row group's encoded pages, whatever
//! the number of offers; the file is written under a temporary name and renamed into place only
//! once closed and synced, so a reader never sees a half-written file. During a collection the CSV
//! is the durable log; the Parquet file is produced from it at the end of the run (see
//! [`convert_csv`]), so an interrupted-then-resumed run ends with exactly the CSV's rows.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int32Builder, ListBuilder, StringBuilder,
    TimestampMillisecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use crate::error::{Error, FileError};
use crate::fsutil;
use crate::normalize::offer::{COLUMNS, Cell, Column, Kind, NormalizedOffer};

/// Rows per Arrow batch handed to the writer.
pub const BATCH_ROWS: usize = 8192;
/// Rows per row group (analytics-sized).
pub const ROW_GROUP_ROWS: usize = 65_536;

/// Columns with many distinct values: dictionary encoding would only cost.
const NO_DICTIONARY: &[&str] = &[
    "id",
    "description",
    "title",
    "application_url",
    "source_url",
    "salary_comment",
    "latitude",
    "longitude",
    "date_created",
    "date_updated",
];

/// The Arrow schema of the normalized offer.
pub fn arrow_schema() -> SchemaRef {
    arrow_schema_with(&[])
}

/// The Arrow schema of the normalized offer followed by `extra` columns (the history dataset adds
/// its own after the schema's columns).
pub fn arrow_schema_with(extra: &[Column]) -> SchemaRef {
    let fields: Vec<Field> = COLUMNS.iter().chain(extra).map(field).collect();
    Arc::new(Schema::new(fields))
}

/// The Arrow field of one column.
pub fn field(c: &Column) -> Field {
    match c.kind {
        Kind::Text => Field::new(c.name, DataType::Utf8, false),
        Kind::Str => Field::new(c.name, DataType::Utf8, true),
        Kind::F64 => Field::new(c.name, DataType::Float64, true),
        Kind::I32 => Field::new(c.name, DataType::Int32, true),
        Kind::Bool => Field::new(c.name, DataType::Boolean, true),
        Kind::Ts => Field::new(
            c.name,
            DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            true,
        ),
        Kind::List => Field::new(
            c.name,
            DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
            true,
        ),
    }
}

enum Builder {
    Str(StringBuilder),
    F64(Float64Builder),
    I32(Int32Builder),
    Bool(BooleanBuilder),
    Ts(TimestampMillisecondBuilder),
    List(ListBuilder<StringBuilder>),
}

impl Builder {
    fn new(kind: Kind) -> Builder {
        match kind {
            Kind::Text | Kind::Str => Builder::Str(StringBuilder::new()),
            Kind::F64 => Builder::F64(Float64Builder::new()),
            Kind::I32 => Builder::I32(Int32Builder::new()),
            Kind::Bool => Builder::Bool(BooleanBuilder::new()),
            Kind::Ts => Builder::Ts(TimestampMillisecondBuilder::new().with_timezone("UTC")),
            Kind::List => Builder::List(ListBuilder::new(StringBuilder::new())),
        }
    }

    fn append(&mut self, cell: &Cell<'_>) {
        match (self, cell) {
            (Builder::Str(b), Cell::Text(s)) => b.append_value(s),
            (Builder::Str(b), Cell::Str(s)) => b.append_option(*s),
            (Builder::F64(b), Cell::F64(v)) => b.append_option(*v),
            (Builder::I32(b), Cell::I32(v)) => b.append_option(*v),
            (Builder::Bool(b), Cell::Bool(v)) => b.append_option(*v),
            (Builder::Ts(b), Cell::Ts(v)) => b.append_option(v.map(|t| t.timestamp_millis())),
            (Builder::List(b), Cell::List(v)) => match v {
                Some(items) => {
                    for i in *items {
                        b.values().append_value(i);
                    }
                    b.append(true);
                }
                None => b.append(false),
            },
            // The builders are made from the same column table as the cells.
            _ => unreachable!("cell kind does not match its column"),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Str(b) => Arc::new(b.finish()),
            Builder::F64(b) => Arc::new(b.finish()),
            Builder::I32(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
            Builder::Ts(b) => Arc::new(b.finish()),
            Builder::List(b) => Arc::new(b.finish()),
        }
    }
}

/// A Parquet file being written.
pub struct ParquetSink {
    path: PathBuf,
    tmp: PathBuf,
    writer: Option<ArrowWriter<File>>,
    schema: SchemaRef,
    builders: Vec<Builder>,
    pending: usize,
    rows: u64,
}

fn perr(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::io(
        format!("cannot write {}", path.display()),
        std::io::Error::other(e.to_string()),
    )
}

impl ParquetSink {
    /// Starts `path` (written as a temporary file until [`ParquetSink::finish`]). `metadata` goes
    /// into the file's key-value metadata (tool version, query, run time).
    pub fn create(path: &Path, metadata: Vec<(String, String)>) -> Result<ParquetSink, Error> {
        Self::create_with(path, metadata, &[])
    }

    /// Like [`ParquetSink::create`], with `extra` columns after the schema's 52; rows are then
    /// written with [`ParquetSink::write_cells`].
    pub fn create_with(
        path: &Path,
        metadata: Vec<(String, String)>,
        extra: &[Column],
    ) -> Result<ParquetSink, Error> {
        if path.is_dir() {
            return Err(Error::ParquetIsDirectory {
                parquet: path.to_path_buf(),
            });
        }
        // A killed earlier writer may have left its temporary file: it is garbage (every caller
        // holds the lock that makes it this path's one writer).
        fsutil::remove_stale_temps(path);
        let tmp = fsutil::temp_path(path);
        let file = File::create(&tmp)
            .map_err(|e| Error::io(format!("cannot create {}", path.display()), e))?;
        let schema = arrow_schema_with(extra);
        let mut props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(
                ZstdLevel::try_new(3).map_err(|e| perr(path, e))?,
            ))
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_dictionary_enabled(true)
            .set_statistics_enabled(EnabledStatistics::Page)
            .set_created_by(format!("ftcollect {}", env!("CARGO_PKG_VERSION")))
            .set_key_value_metadata(Some(
                metadata
                    .into_iter()
                    .map(|(k, v)| KeyValue::new(k, v))
                    .collect(),
            ));
        for c in NO_DICTIONARY {
            props = props.set_column_dictionary_enabled(ColumnPath::from(*c), false);
        }
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(props.build()))
            .map_err(|e| perr(path, e))?;
        Ok(ParquetSink {
            path: path.to_path_buf(),
            tmp,
            writer: Some(writer),
            builders: COLUMNS
                .iter()
                .chain(extra)
                .map(|c| Builder::new(c.kind))
                .collect(),
            schema,
            pending: 0,
            rows: 0,
        })
    }

    pub fn write(&mut self, o: &NormalizedOffer) -> Result<(), Error> {
        self.write_cells(&o.cells())
    }

    /// Writes one row given as cells in column order (the schema's, then the extra columns).
    /// Panics if a cell's kind does not match its column: callers build both from one table.
    pub fn write_cells(&mut self, cells: &[Cell<'_>]) -> Result<(), Error> {
        assert_eq!(cells.len(), self.builders.len(), "one cell per column");
        for (b, c) in self.builders.iter_mut().zip(cells) {
            b.append(c);
        }
        self.pending += 1;
        self.rows += 1;
        if self.pending >= BATCH_ROWS {
            self.flush_batch()?;
        }
        Ok(())
    }

    fn flush_batch(&mut self) -> Result<(), Error> {
        if self.pending == 0 {
            return Ok(());
        }
        let arrays: Vec<ArrayRef> = self.builders.iter_mut().map(Builder::finish).collect();
        let batch =
            RecordBatch::try_new(self.schema.clone(), arrays).map_err(|e| perr(&self.path, e))?;
        if let Some(w) = self.writer.as_mut() {
            w.write(&batch).map_err(|e| perr(&self.path, e))?;
        }
        self.pending = 0;
        Ok(())
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Closes the file, syncs it and renames it into place.
    pub fn finish(mut self) -> Result<u64, Error> {
        self.flush_batch()?;
        let writer = self.writer.take().expect("finish is called once");
        let file = writer.into_inner().map_err(|e| perr(&self.path, e))?;
        file.sync_all()
            .map_err(|e| Error::io(format!("cannot write {}", self.path.display()), e))?;
        drop(file);
        crate::testhook::pause_point("parquet-rename");
        fsutil::rename_durable(&self.tmp, &self.path).map_err(|e| {
            let _ = std::fs::remove_file(&self.tmp);
            Error::io(format!("cannot rename into {}", self.path.display()), e)
        })?;
        Ok(self.rows)
    }
}

impl Drop for ParquetSink {
    fn drop(&mut self) {
        // Not finished (an error on the way): remove the temporary file, keep any previous output.
        if self.writer.is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Converts a CSV written by this tool into Parquet, streaming. A foreign CSV is refused with the
/// first column that does not match; a cell that does not fit its column's type names its row.
pub fn convert_csv(
    csv: &Path,
    parquet: &Path,
    metadata: Vec<(String, String)>,
) -> Result<u64, Error> {
    use crate::sink::csv::{HeaderCheck, RowError, check_header};
    match check_header(csv)? {
        HeaderCheck::Ours => {}
        HeaderCheck::Empty => {
            return Err(FileError::CsvEmpty {
                csv: csv.to_path_buf(),
            }
            .into());
        }
        HeaderCheck::Foreign {
            position,
            found,
            expected,
        } => {
            return Err(FileError::ForeignCsv {
                csv: csv.to_path_buf(),
                position,
                found,
                expected: expected.to_string(),
            }
            .into());
        }
    }
    let file =
        File::open(csv).map_err(|e| Error::io(format!("cannot read {}", csv.display()), e))?;
    let mut sink = ParquetSink::create(parquet, metadata)?;
    let unreadable = |e: RowError| -> Error {
        let (row, problem) = e.into_parts();
        FileError::CsvRow {
            csv: csv.to_path_buf(),
            row,
            problem,
        }
        .into()
    };
    crate::sink::csv::read_offers(file, unreadable, |offer| sink.write(&offer))?;
    sink.finish()
}

/// The metadata recorded in every Parquet file this tool writes.
pub fn metadata(query: &impl serde::Serialize) -> Vec<(String, String)> {
    vec![
        ("ftcollect.version".into(), env!("CARGO_PKG_VERSION").into()),
        (
            "ftcollect.query".into(),
            serde_json::to_string(query).unwrap_or_default(),
        ),
        (
            "ftcollect.run_time".into(),
            crate::normalize::offer::format_ts(&chrono::Utc::now()),
        ),
    ]
}
