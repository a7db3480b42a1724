//! The files: `--output`, `--parquet`, `--raw-dir`, and how a run treats them (`--restart`,
//! `--dry-run`, `--quiet`, `--checkpoint-interval`).

use std::path::PathBuf;

use chrono::{DateTime, Utc};

use crate::cli::args::CollectArgs;
use ftcollect::error::Error;

/// Where a collection writes and how it treats what is there.
#[derive(Clone, Debug)]
pub struct OutputSettings {
    pub output: PathBuf,
    pub parquet: Option<PathBuf>,
    pub raw_dir: Option<PathBuf>,
    pub checkpoint_interval: u64,
    pub restart: bool,
    pub keep_backups: Option<usize>,
    pub dry_run: bool,
    pub quiet: bool,
}

/// The CSV output path (checked first: an empty one is refused before anything else is looked at).
pub fn resolve_output(a: &CollectArgs, today: DateTime<Utc>) -> Result<PathBuf, Error> {
    let output = a.output.clone().unwrap_or_else(|| default_output(today));
    if output.as_os_str().is_empty() {
        return Err(Error::Usage(
            "--output is empty: give a file path such as data/jobs.csv.".into(),
        ));
    }
    Ok(output)
}

/// The rest of the file settings, around the resolved `output`.
pub fn resolve(a: &CollectArgs, output: PathBuf) -> Result<OutputSettings, Error> {
    let parquet = a.parquet.as_ref().map(|p| {
        p.clone()
            .unwrap_or_else(|| output.with_extension("parquet"))
    });
    if let Some(p) = &parquet {
        if same_file(p, &output) {
            return Err(Error::Usage(format!(
                "--parquet names the same file as --output ({}): the CSV would be replaced by the Parquet file. \
                 Give the Parquet file another name, such as {}.",
                output.display(),
                output.with_extension("parquet").display()
            )));
        }
        if p.is_dir() {
            return Err(Error::Usage(format!(
                "--parquet {} is a directory: give a file path such as {}.",
                p.display(),
                p.join("jobs.parquet").display()
            )));
        }
    }
    Ok(OutputSettings {
        output,
        parquet,
        raw_dir: a.raw_dir.clone(),
        checkpoint_interval: a.checkpoint_interval,
        restart: a.restart,
        keep_backups: a.keep_backups.0,
        dry_run: a.dry_run,
        quiet: a.quiet,
    })
}

/// The default output: `data/france_travail_jobs_YYYYMMDD.csv` for the run date.
pub fn default_output(today: DateTime<Utc>) -> PathBuf {
    PathBuf::from(format!(
        "data/france_travail_jobs_{}.csv",
        today.format("%Y%m%d")
    ))
}

/// True when two paths name the same file: the same file on disk, or the same path once made
/// absolute and rid of `.` components (for files that do not exist yet).
fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    if let (Ok(x), Ok(y)) = (a.canonicalize(), b.canonicalize()) {
        return x == y;
    }
    let absolute = |p: &std::path::Path| -> PathBuf {
        let p = std::env::current_dir()
            .map(|d| d.join(p))
            .unwrap_or_else(|_| p.to_path_buf());
        p.components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect()
    };
    absolute(a) == absolute(b)
}
