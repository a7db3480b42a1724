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

impl fmt::Display for ResumeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResumeError::CheckpointDamaged { checkpoint, reason } => write!(
                f,
                "the checkpoint {} is damaged or was not written by ftcollect ({reason}); nothing was changed",
                checkpoint.display()
            ),
            ResumeError::CheckpointFormat {
                checkpoint,
                format,
                expected,
                tool,
            } => write!(
                f,
                "the checkpoint {} has format {format} but this ftcollect reads format {expected}; finish it \
                 with the version that wrote it ({tool})",
                checkpoint.display()
            ),
            ResumeError::SourcePartDamaged { source, reason } => {
                write!(f, "the checkpoint's {source} part is damaged ({reason})")
            }
            ResumeError::OutputGone { checkpoint, output } => write!(
                f,
                "the checkpoint {} exists but {} is gone, so the collection cannot resume",
                checkpoint.display(),
                output.display()
            ),
            ResumeError::OutputShorter {
                output,
                len,
                recorded,
            } => write!(
                f,
                "{} is shorter ({len} bytes) than the checkpoint recorded ({recorded} bytes): it was modified \
                 outside ftcollect",
                output.display()
            ),
            ResumeError::OutputHeaderChanged { output } => write!(
                f,
                "{} no longer starts with ftcollect's header, so the collection cannot resume; nothing was changed",
                output.display()
            ),
            ResumeError::OutputRowColumns {
                output,
                row,
                columns,
                expected,
            } => write!(
                f,
                "{} row {row} has {columns} columns instead of {expected}: the file was modified outside ftcollect",
                output.display()
            ),
            ResumeError::OutputUnreadable {
                output,
                row,
                reason,
            } => write!(
                f,
                "{} cannot be read as CSV near row {row} ({reason})",
                output.display()
            ),
            ResumeError::OutputRowsChanged {
                output,
                rows,
                recorded,
            } => write!(
                f,
                "{} holds {rows} rows where the checkpoint recorded {recorded}: it was modified outside ftcollect",
                output.display()
            ),
        }?;
        f.write_str(" (restart the collection to start over; the files are kept as .bak files)")
    }
}
