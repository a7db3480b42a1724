//! The CSV output: one row per offer in the normalized schema, RFC 4180 quoting by the `csv` crate.
//!
//! Invariant: the file always starts with the schema's header; rows are only appended; after
//! [`CsvSink::sync`] returns `n`, the first `n` bytes are durable and end on a row boundary, so a
//! resumed run can truncate to `n` and append without a torn row.

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, ResumeError};
use crate::normalize::offer::{self, COLUMN_COUNT, NormalizedOffer};

/// Write buffer: a few hundred rows per system call.
const BUFFER: usize = 256 * 1024;

pub struct CsvSink {
    writer: csv::Writer<File>,
    path: PathBuf,
    rows: u64,
    buf: RowBuf,
    out: Vec<u8>,
}

/// Rows encoded by the `csv` crate away from the output (in a worker thread): their bytes, and
/// where each row ends.
#[derive(Default, Debug)]
pub struct EncodedRows {
    pub bytes: Vec<u8>,
    pub ends: Vec<usize>,
}

/// Encodes offers as CSV rows (no header), exactly as [`CsvSink::write`] would write them.
pub fn encode_rows(offers: &[NormalizedOffer]) -> io::Result<EncodedRows> {
    // The writer's own buffer stays small: it is flushed into the Vec after every row.
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::with_capacity(offers.len() * 1200));
    let mut buf = RowBuf::default();
    let mut ends = Vec::with_capacity(offers.len());
    for o in offers {
        write_row(&mut w, o, &mut buf)?;
        w.flush()?;
        ends.push(w.get_ref().len());
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(EncodedRows { bytes, ends })
}

/// What an existing file's header says.
#[derive(Debug, PartialEq)]
pub enum HeaderCheck {
    /// Empty file.
    Empty,
    /// This tool's header.
    Ours,
    /// Something else: the first column that differs (position, found, expected).
    Foreign {
        position: usize,
        found: String,
        expected: String,
    },
}

impl CsvSink {
    /// Creates (or truncates) `path` and writes the header.
    pub fn create(path: &Path) -> io::Result<CsvSink> {
        let writer = writer(File::create(path)?)?;
        Ok(CsvSink {
            writer,
            path: path.to_path_buf(),
            rows: 0,
            buf: RowBuf::default(),
            out: Vec::new(),
        })
    }

    /// Opens an existing file of `rows` rows for appending, after truncating it to `len` bytes.
    pub fn resume(path: &Path, len: u64, rows: u64) -> io::Result<CsvSink> {
        let file = OpenOptions::new().read(true).write(true).open(path)?;
        file.set_len(len)?;
        file.sync_all()?;
        let mut file = file;
        file.seek(SeekFrom::End(0))?;
        let writer = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(file);
        Ok(CsvSink {
            writer,
            path: path.to_path_buf(),
            rows,
            buf: RowBuf::default(),
            out: Vec::new(),
        })
    }

    pub fn write(&mut self, o: &NormalizedOffer) -> io::Result<()> {
        write_row(&mut self.writer, o, &mut self.buf)?;
        self.rows += 1;
        Ok(())
    }

    /// Appends rows encoded elsewhere (by a worker, with [`encode_rows`]), keeping those for
    /// which `keep(i)` is true, in order. Returns how many were appended.
    pub fn append_rows(
        &mut self,
        rows: &EncodedRows,
        mut keep: impl FnMut(usize) -> bool,
    ) -> io::Result<u64> {
        self.writer.flush()?;
        let kept: Vec<bool> = (0..rows.ends.len()).map(&mut keep).collect();
        let n = kept.iter().filter(|k| **k).count() as u64;
        // The csv writer's own buffer is empty after the flush: write through the file, in one
        // piece when every row is kept (the usual case), else gathering the kept rows first.
        if n as usize == rows.ends.len() {
            self.writer.get_ref().write_all(&rows.bytes)?;
        } else {
            self.out.clear();
            let mut start = 0;
            for (&end, k) in rows.ends.iter().zip(&kept) {
                if *k {
                    self.out.extend_from_slice(&rows.bytes[start..end]);
                }
                start = end;
            }
            self.writer.get_ref().write_all(&self.out)?;
        }
        self.rows += n;
        Ok(n)
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes and syncs the file; returns its durable length in bytes.
    pub fn sync(&mut self) -> io::Result<u64> {
        self.writer.flush()?;
        let f = self.writer.get_ref();
        f.sync_data()?;
        Ok(f.metadata()?.len())
    }
}

/// A CSV writer over any output (stdout for `normalize`), header included.
pub fn writer<W: io::Write>(w: W) -> io::Result<csv::Writer<W>> {
    let mut writer = csv::WriterBuilder::new()
        .buffer_capacity(BUFFER)
        .from_writer(w);
    writer.write_record(offer::header())?;
    Ok(writer)
}

/// Reusable buffers for encoding rows.
#[derive(Default)]
pub struct RowBuf {
    scratch: String,
    record: csv::ByteRecord,
}

/// Writes one offer as a row (the one place rows are encoded). The row is assembled into a reused
/// `ByteRecord` so the `csv` writer takes its fast path (quote only the fields that need it, copy
/// the rest) instead of its per-field state machine.
pub fn write_row<W: io::Write>(
    w: &mut csv::Writer<W>,
    o: &NormalizedOffer,
    buf: &mut RowBuf,
) -> io::Result<()> {
    buf.record.clear();
    for c in &o.cells() {
        let text = c.csv_text(&mut buf.scratch);
        buf.record.push_field(text.as_bytes());
    }
    w.write_byte_record(&buf.record)?;
    Ok(())
}

/// Reads the header of an existing file and compares it with the schema.
pub fn check_header(path: &Path) -> Result<HeaderCheck, Error> {
    let file =
        File::open(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    if file.metadata().map(|m| m.len()).unwrap_or(0) == 0 {
        return Ok(HeaderCheck::Empty);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(BufReader::new(file.take(1 << 20)));
    let mut rec = csv::ByteRecord::new();
    match reader.read_byte_record(&mut rec) {
        Ok(true) => {}
        _ => {
            return Ok(HeaderCheck::Foreign {
                position: 1,
                found: "(unreadable)".into(),
                expected: "id".into(),
            });
        }
    }
    for (i, expected) in offer::header().enumerate() {
        let found = rec.get(i).map(|b| {
            String::from_utf8_lossy(b)
                .trim_start_matches('\u{feff}')
                .to_string()
        });
        if found.as_deref() != Some(expected) {
            return Ok(HeaderCheck::Foreign {
                position: i + 1,
                found: found.unwrap_or_else(|| "(missing)".into()),
                expected: expected.into(),
            });
        }
    }
    if rec.len() != COLUMN_COUNT {
        return Ok(HeaderCheck::Foreign {
            position: COLUMN_COUNT + 1,
            found: String::from_utf8_lossy(rec.get(COLUMN_COUNT).unwrap_or_default()).into(),
            expected: "(end of header)".into(),
        });
    }
    Ok(HeaderCheck::Ours)
}

/// Why a row of a CSV this tool wrote could not be read back (row numbers count data rows from 1).
#[derive(Debug)]
pub enum RowError {
    /// Not readable as CSV there: the file was cut short or changed.
    Csv { row: u64, error: csv::Error },
    /// A row with another number of cells than the schema's columns.
    Width { row: u64, found: usize },
    /// A cell that does not fit its column's type.
    Cell { row: u64, error: offer::CellError },
}

impl RowError {
    /// The row's number and what is wrong with it, as the library's errors name them.
    pub fn into_parts(self) -> (u64, crate::error::RowProblem) {
        use crate::error::RowProblem;
        match self {
            RowError::Csv { row, error } => (
                row,
                RowProblem::Csv {
                    reason: error.to_string(),
                },
            ),
            RowError::Width { row, found } => (
                row,
                RowProblem::Width {
                    found,
                    expected: crate::normalize::offer::COLUMNS.len(),
                },
            ),
            RowError::Cell { row, error } => (
                row,
                RowProblem::Cell {
                    reason: error.to_string(),
                },
            ),
        }
    }
}

/// Reads back the rows of a CSV this tool wrote (`input` starts at its header), decoding each
/// into an offer handed to `each` in file order. The first unreadable row stops the reading with
/// `on_error`'s error (each caller says what to do about it); `each` may stop it with its own.
pub fn read_offers<R: Read>(
    input: R,
    on_error: impl Fn(RowError) -> Error,
    mut each: impl FnMut(NormalizedOffer) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(BufReader::with_capacity(1 << 20, input));
    let mut rec = csv::StringRecord::new();
    let mut row = 0u64;
    loop {
        match reader.read_record(&mut rec) {
            Ok(false) => return Ok(()),
            Ok(true) => row += 1,
            Err(error) => {
                return Err(on_error(RowError::Csv {
                    row: row + 1,
                    error,
                }));
            }
        }
        if rec.len() != COLUMN_COUNT {
            return Err(on_error(RowError::Width {
                row,
                found: rec.len(),
            }));
        }
        let offer = NormalizedOffer::from_csv_fields(rec.iter())
            .map_err(|error| on_error(RowError::Cell { row, error }))?;
        each(offer)?;
    }
}

/// The `(source, id)` of every row in the first `len` bytes of a CSV written by this tool, checking
/// that every row has the schema's column count.
pub fn scan_keys(path: &Path, len: u64, mut each: impl FnMut(&str, &str)) -> Result<u64, Error> {
    scan_keys_and_groups(path, len, |source, id, _| each(source, id))
}

/// [`scan_keys`] with each row's `duplicate_group` (empty when null).
pub fn scan_keys_and_groups(
    path: &Path,
    len: u64,
    mut each: impl FnMut(&str, &str, &str),
) -> Result<u64, Error> {
    let group_at = offer::COLUMNS
        .iter()
        .position(|c| c.name == "duplicate_group")
        .unwrap_or(COLUMN_COUNT - 1);
    let file =
        File::open(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(BufReader::with_capacity(1 << 20, file.take(len)));
    let mut rec = csv::ByteRecord::new();
    let mut rows = 0u64;
    loop {
        match reader.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                if rec.len() != COLUMN_COUNT {
                    return Err(Error::Resume(ResumeError::OutputRowColumns {
                        output: path.to_path_buf(),
                        row: rows + 1,
                        columns: rec.len(),
                        expected: COLUMN_COUNT,
                    }));
                }
                let id = std::str::from_utf8(&rec[0]).unwrap_or("");
                let source = std::str::from_utf8(&rec[1]).unwrap_or("");
                let group = std::str::from_utf8(&rec[group_at]).unwrap_or("");
                each(source, id, group);
                rows += 1;
            }
            Err(e) => {
                return Err(Error::Resume(ResumeError::OutputUnreadable {
                    output: path.to_path_buf(),
                    row: rows + 1,
                    reason: e.to_string(),
                }));
            }
        }
    }
    Ok(rows)
}
