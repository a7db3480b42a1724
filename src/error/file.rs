//! What is wrong with a file ftcollect reads back: a dataset's manifest, run log and tables, an
//! unfinished run's files, a CSV to convert.
//!
//! Each variant names the file and what was found in it; `Display` composes the text and says
//! what restores a working state. A front end may render a variant its own way (naming its
//! commands); none of these is the caller's request being wrong (exit 1, never 2).

use std::fmt;
use std::path::PathBuf;

/// Why a row of one of our CSV files cannot be read back.
#[derive(Debug, Clone, PartialEq)]
pub enum RowProblem {
    /// Not CSV at all (cut short, a stray quote).
    Csv { reason: String },
    /// Another number of fields than the schema's columns.
    Width { found: usize, expected: usize },
    /// A cell that does not fit its column's type.
    Cell { reason: String },
}

/// A file ftcollect wrote, found in a state it cannot use. Nothing was changed.
#[derive(Debug)]
pub enum FileError {
    /// A dataset's manifest cannot be decoded.
    ManifestDamaged { manifest: PathBuf, reason: String },
    /// A dataset's manifest was written by a version with another format.
    ManifestFormat {
        manifest: PathBuf,
        found: u32,
        expected: u32,
        /// The tool (and version) that wrote it.
        writer: String,
    },
    /// A file of a dataset's unfinished run (`what`, e.g. "the collection summary") cannot be
    /// decoded; deleting `work` drops the unfinished run.
    UnfinishedRunFile {
        what: String,
        file: PathBuf,
        reason: String,
        work: PathBuf,
    },
    /// A line of a dataset's run log is not a run record (`line` is 1-based).
    RunRecord {
        runs: PathBuf,
        line: usize,
        reason: String,
    },
    /// A committed run's staged file is gone and its destination does not exist.
    CommittedRunMissing { from: PathBuf, to: PathBuf },
    /// A dataset's offer table holds one offer twice.
    OfferTwice {
        table: PathBuf,
        source: String,
        id: String,
    },
    /// A row of an unfinished run's CSV cannot be read; deleting `work` collects the run again.
    RunRow {
        csv: PathBuf,
        row: u64,
        problem: RowProblem,
        work: PathBuf,
    },
    /// A dataset's table is not Parquet (or its footer is damaged).
    NotParquet { table: PathBuf, reason: String },
    /// A dataset's table cannot be read past its footer.
    TableDamaged { table: PathBuf, reason: String },
    /// A dataset's table has an older, shorter offer schema (no migration).
    OlderSchema {
        table: PathBuf,
        columns: usize,
        now: usize,
    },
    /// A dataset's table has a column (1-based `position`) this version does not write there;
    /// `found` and `expected` read "`name` (type)", `found` "missing" past the table's end.
    ForeignColumn {
        table: PathBuf,
        position: usize,
        found: String,
        expected: String,
    },
    /// A dataset's table has more columns than this version writes.
    ColumnCount {
        table: PathBuf,
        found: usize,
        expected: usize,
    },
    /// A CSV to convert is empty.
    CsvEmpty { csv: PathBuf },
    /// A CSV to convert was not written by ftcollect: column `position` (1-based) is `found`.
    ForeignCsv {
        csv: PathBuf,
        position: usize,
        found: String,
        expected: String,
    },
    /// A row of a CSV to convert cannot be read.
    CsvRow {
        csv: PathBuf,
        row: u64,
        problem: RowProblem,
    },
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::ManifestDamaged { manifest, reason } => write!(
                f,
                "{} is damaged or was not written by ftcollect ({reason}). Nothing was changed; \
                 restore it from a backup, or start a new dataset in another directory.",
                manifest.display()
            ),
            FileError::ManifestFormat {
                manifest,
                found,
                expected,
                writer,
            } => write!(
                f,
                "{} has format {found} but this ftcollect reads format {expected} (written by {writer}): use that version.",
                manifest.display()
            ),
            FileError::UnfinishedRunFile {
                what,
                file,
                reason,
                work,
            } => write!(
                f,
                "{what} {} is damaged ({reason}). Delete the directory {} to drop the unfinished run \
                 (the dataset itself is not affected).",
                file.display(),
                work.display()
            ),
            FileError::RunRecord { runs, line, reason } => write!(
                f,
                "{} line {line} is not a run record ({reason}): the file was modified outside ftcollect.",
                runs.display()
            ),
            FileError::CommittedRunMissing { from, to } => write!(
                f,
                "the committed run's file {} is missing and {} does not exist: the dataset was modified \
                 outside ftcollect. Restore it from a backup.",
                from.display(),
                to.display()
            ),
            FileError::OfferTwice { table, source, id } => write!(
                f,
                "{} holds offer {source}/{id} twice: it was modified outside ftcollect. Restore it from a backup.",
                table.display()
            ),
            FileError::RunRow {
                csv,
                row,
                problem,
                work,
            } => {
                let why = match problem {
                    RowProblem::Csv { reason } => format!("cannot be read as CSV ({reason})"),
                    RowProblem::Width { found, .. } => format!("has {found} columns"),
                    RowProblem::Cell { reason } => reason.clone(),
                };
                write!(
                    f,
                    "{} row {row}: {why}. Delete {} to collect this run again.",
                    csv.display(),
                    work.display()
                )
            }
            FileError::NotParquet { table, reason } => write!(
                f,
                "{} cannot be read as Parquet ({reason}). The file is damaged or was not written by ftcollect; \
                 restore it from a backup (the snapshots under snapshots/ hold every run's offers).",
                table.display()
            ),
            FileError::TableDamaged { table, reason } => write!(
                f,
                "{} cannot be read ({reason}): the file is damaged.",
                table.display()
            ),
            FileError::OlderSchema {
                table,
                columns,
                now,
            } => write!(
                f,
                "{} was written by an older ftcollect whose offer schema had {columns} columns; this version \
                 writes {now} (docs/schema.md) and does not migrate a dataset. Start a new dataset in another \
                 directory or keep the older ftcollect for this one; nothing was changed.",
                table.display()
            ),
            FileError::ForeignColumn {
                table,
                position,
                found,
                expected,
            } => write!(
                f,
                "{} is not a table this ftcollect writes: column {position} is {found}, expected {expected}. \
                 It was written by another version or modified; nothing was changed.",
                table.display()
            ),
            FileError::ColumnCount {
                table,
                found,
                expected,
            } => write!(
                f,
                "{} has {found} columns where this ftcollect writes {expected}: it was written by another \
                 version or modified.",
                table.display()
            ),
            FileError::CsvEmpty { csv } => write!(
                f,
                "{} is empty: there is nothing to convert.",
                csv.display()
            ),
            FileError::ForeignCsv {
                csv,
                position,
                found,
                expected,
            } => write!(
                f,
                "{} is not a CSV written by ftcollect: column {position} is `{found}` where the schema has \
                 `{expected}`. Only files written by ftcollect's collections or normalizations can be converted.",
                csv.display()
            ),
            FileError::CsvRow { csv, row, problem } => match problem {
                RowProblem::Csv { reason } => write!(
                    f,
                    "{} cannot be read as CSV near row {row} ({reason}): the file was cut short or changed \
                     after ftcollect wrote it. Repair or remove that row, or write the CSV again. Nothing was written.",
                    csv.display()
                ),
                RowProblem::Width { found, expected } => write!(
                    f,
                    "{} row {row} has {found} columns instead of {expected}: the file was modified or cut short.",
                    csv.display()
                ),
                RowProblem::Cell { reason } => write!(
                    f,
                    "{} row {row}: {reason}. The file was changed after ftcollect wrote it: restore that cell \
                     (or remove the row), or write the CSV again from the raw pages. Nothing was written.",
                    csv.display()
                ),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_problem_reads_differently_in_a_run_and_in_a_conversion() {
        let problem = RowProblem::Width {
            found: 3,
            expected: 66,
        };
        let run = FileError::RunRow {
            csv: "w/offers.csv".into(),
            row: 7,
            problem: problem.clone(),
            work: "w".into(),
        };
        assert_eq!(
            run.to_string(),
            "w/offers.csv row 7: has 3 columns. Delete w to collect this run again."
        );
        let convert = FileError::CsvRow {
            csv: "a.csv".into(),
            row: 7,
            problem,
        };
        assert_eq!(
            convert.to_string(),
            "a.csv row 7 has 3 columns instead of 66: the file was modified or cut short."
        );
    }
}
