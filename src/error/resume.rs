//! Why a collection cannot resume from its checkpoint: each variant names the file and what was
//! found; restarting the collection is the fix (a front end names its option for it).

use std::fmt;
use std::path::PathBuf;

/// Why a collection cannot resume from its checkpoint. Nothing was changed; restarting the
/// collection (`CollectConfig::restart`) moves the files aside and starts over.
#[derive(Debug)]
pub enum ResumeError {
    /// The checkpoint cannot be decoded.
    CheckpointDamaged { checkpoint: PathBuf, reason: String },
    /// The checkpoint was written by a version with another format.
    CheckpointFormat {
        checkpoint: PathBuf,
        format: u32,
        expected: u32,
        /// The tool (and version) that wrote it.
        tool: String,
    },
    /// A source's part of the checkpoint (`source`, e.g. "Adzuna") cannot be decoded.
    SourcePartDamaged { source: String, reason: String },
    /// The checkpoint exists but its output does not.
    OutputGone {
        checkpoint: PathBuf,
        output: PathBuf,
    },
    /// The output is shorter than the checkpoint recorded.
    OutputShorter {
        output: PathBuf,
        len: u64,
        recorded: u64,
    },
    /// The output no longer starts with ftcollect's header.
    OutputHeaderChanged { output: PathBuf },
    /// A row of the output's checkpointed prefix has another column count than the schema's.
    OutputRowColumns {
        output: PathBuf,
        row: u64,
        columns: usize,
        expected: usize,
    },
    /// The output's checkpointed prefix cannot be read as CSV near `row`.
    OutputUnreadable {
        output: PathBuf,
        row: u64,
        reason: String,
    },
    /// The output's checkpointed prefix holds another number of rows than recorded.
    OutputRowsChanged {
        output: PathBuf,
        rows: u64,
        recorded: u64,
    },
}

impl ResumeError {
    /// What was found, without the fix (a front end adds its own, naming its option).
    pub fn problem(&self) -> String {
        match self {
            ResumeError::CheckpointDamaged { checkpoint, reason } => format!(
                "the checkpoint {} is damaged or was not written by ftcollect ({reason})",
                checkpoint.display()
            ),
            ResumeError::CheckpointFormat {
                checkpoint,
                format,
                expected,
                ..
            } => format!(
                "the checkpoint {} has format {format} but this ftcollect reads format {expected}",
                checkpoint.display()
            ),
            ResumeError::SourcePartDamaged { source, reason } => {
                format!("the checkpoint's {source} part is damaged ({reason})")
            }
            ResumeError::OutputGone { checkpoint, output } => format!(
                "the checkpoint {} exists but {} is gone, so the collection cannot resume",
                checkpoint.display(),
                output.display()
            ),
            ResumeError::OutputShorter {
                output,
                len,
                recorded,
            } => format!(
                "{} is shorter ({len} bytes) than the checkpoint recorded ({recorded} bytes): it was modified \
                 outside ftcollect",
                output.display()
            ),
            ResumeError::OutputHeaderChanged { output } => format!(
                "{} no longer starts with ftcollect's header, so the collection cannot resume",
                output.display()
            ),
            ResumeError::OutputRowColumns {
                output,
                row,
                columns,
                expected,
            } => format!(
                "{} row {row} has {columns} columns instead of {expected}: the file was modified outside ftcollect",
                output.display()
            ),
            ResumeError::OutputUnreadable {
                output,
                row,
                reason,
            } => format!(
                "{} cannot be read as CSV near row {row} ({reason})",
                output.display()
            ),
            ResumeError::OutputRowsChanged {
                output,
                rows,
                recorded,
            } => format!(
                "{} holds {rows} rows where the checkpoint recorded {recorded}: it was modified outside ftcollect",
                output.display()
            ),
        }
    }
}

impl fmt::Display for ResumeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.problem())?;
        match self {
            ResumeError::CheckpointFormat { tool, .. } => write!(
                f,
                "; nothing was changed: finish it with the version that wrote it ({tool}), or restart the \
                 collection to start over"
            ),
            _ => f.write_str(
                "; nothing was changed (restart the collection to start over; the files are kept as .bak files)",
            ),
        }
    }
}
