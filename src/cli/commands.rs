//! One function per subcommand: resolve the configuration, call the library, report.
//! The exit code of a finished run comes from [`code_for`], like the errors' in `main`.
//!
//! Invariant: these functions print only the final report (stdout) and warnings (stderr through
//! `log`); they return the exit code instead of exiting, so `main` stays the single exit point.

use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::Utc;

use crate::cli::args::{
    Cli, CollectArgs, Command, ConvertArgs, HistoryArgs, NormalizeArgs, SourceArg, SyncArgs,
};
use crate::cli::resolve::{self, sources::check_adzuna_country};
use ftcollect::collect::{self, Outcome};
use ftcollect::config;
use ftcollect::error::Error;
use ftcollect::exit::{ExitCode, code_for};
use ftcollect::http::Cancel;
use ftcollect::normalize;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode, Error> {
    match cli.command {
        None => collect_cmd(&cli.collect),
        Some(Command::Collect(a)) => collect_cmd(&a),
        #[cfg(feature = "simulator")]
        Some(Command::Demo(a)) => super::simulate::demo(&a),
        #[cfg(feature = "simulator")]
        Some(Command::Simulate(a)) => super::simulate::simulate(&a),
        Some(Command::Normalize(a)) => normalize_cmd(&a),
        Some(Command::Convert(a)) => convert(&a),
        Some(Command::Sync(a)) => sync_cmd(&a),
        Some(Command::History(a)) => history_cmd(&a),
    }
}

/// Whether logging should be quiet for this command line.
pub fn is_quiet(cli: &Cli) -> bool {
    match &cli.command {
        None => cli.collect.quiet,
        Some(Command::Collect(a)) => a.quiet,
        #[cfg(feature = "simulator")]
        Some(Command::Demo(a)) => a.quiet,
        Some(Command::Sync(a)) => a.collect.quiet,
        _ => false,
    }
}

/// Ctrl-C / SIGTERM: the first one asks the run to stop cleanly (checkpoint, exit 130); a second
/// one exits at once. The message names neither key nor signal: either may have come.
pub(super) fn install_signal_handler(cancel: &Cancel) {
    static HITS: AtomicU32 = AtomicU32::new(0);
    let cancel = cancel.clone();
    let _ = ctrlc::set_handler(move || {
        if HITS.fetch_add(1, Ordering::SeqCst) == 0 {
            eprintln!(
                "\ninterrupted: stopping after the pages in flight (a second interrupt quits at once)"
            );
            cancel.cancel();
        } else {
            std::process::exit(ExitCode::Interrupted.code() as i32);
        }
    });
}

/// Writes `text` to stdout. A reader that went away (`| head`, a closed pipe) is not an error:
/// `println!` would panic there, after the work was done.
pub(super) fn print_out(text: &str) {
    let mut out = io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

pub(super) fn report(outcome: &Outcome) {
    if let Some(r) = &outcome.plan_report {
        print_out(&format!("{r}\n"));
    }
    if let Some(s) = &outcome.summary {
        eprint!("{}", super::errors::with_options(&s.render()));
    }
}

fn collect_cmd(a: &CollectArgs) -> Result<ExitCode, Error> {
    let c = resolve::resolve_collect(a, &config::process_env, Utc::now())?;
    install_signal_handler(&c.cancel);
    let outcome = collect::collect(&c)?;
    report(&outcome);
    Ok(code_for(outcome.status))
}

fn convert(a: &ConvertArgs) -> Result<ExitCode, Error> {
    if a.input == a.output {
        return Err(Error::Usage(format!(
            "convert: the input and the output are the same file: give the Parquet file another name, such as {}.",
            a.input.with_extension("parquet").display()
        )));
    }
    let meta = ftcollect::sink::parquet::metadata(
        &serde_json::json!({"converted_from": a.input.display().to_string()}),
    );
    let _lock = lock_output_in(&a.output, "convert")?;
    let n = ftcollect::sink::parquet::convert_csv(&a.input, &a.output, meta)?;
    eprintln!("converted {n} offer(s) to {}", a.output.display());
    Ok(ExitCode::Success)
}

/// Creates the directory of an output file if needed (as `collect` does) and takes the output's
/// lock: a second writer of the same file stops here (exit 75) before anything is written. An
/// output that is a directory is left to the writer, which names the problem.
fn lock_output_in(output: &Path, what: &str) -> Result<Option<ftcollect::lock::FileLock>, Error> {
    if output.is_dir() {
        return Ok(None);
    }
    let dir = ftcollect::fsutil::parent_dir(output);
    std::fs::create_dir_all(&dir).map_err(|source| Error::OutputDirCreate { dir, source })?;
    ftcollect::lock::lock_output(output, what)
}

fn normalize_cmd(a: &NormalizeArgs) -> Result<ExitCode, Error> {
    let adzuna_country = match &a.adzuna_country {
        Some(c) if a.source == SourceArg::Adzuna => {
            // Lower-cased first: the message shows the code as read.
            Some(check_adzuna_country(&c.trim().to_ascii_lowercase())?)
        }
        Some(_) => {
            return Err(Error::Usage(
                "--adzuna-country applies to --source adzuna only.".into(),
            ));
        }
        None => None,
    };
    let inputs: Vec<normalize::Input> = if a.inputs.is_empty() {
        vec![normalize::Input::Stdin]
    } else {
        a.inputs
            .iter()
            .map(|p| match p.as_os_str() == "-" {
                true => normalize::Input::Stdin,
                false => normalize::Input::File(p.clone()),
            })
            .collect()
    };
    let material = match a.source {
        SourceArg::FranceTravail => normalize::Material::FranceTravail,
        SourceArg::Adzuna => normalize::Material::Adzuna {
            country: adzuna_country,
        },
    };
    let cfg = normalize::NormalizeConfig::new(inputs, material, Utc::now());
    // Both outputs locked before either is created: one writer per file.
    let mut _locks = Vec::new();
    for p in a.output.iter().chain(a.parquet.iter()) {
        _locks.extend(lock_output_in(p, "normalize")?);
    }
    let mut parquet = match &a.parquet {
        Some(p) => Some(ftcollect::sink::parquet::ParquetSink::create(
            p,
            ftcollect::sink::parquet::metadata(&serde_json::json!({"normalized_from": a.inputs})),
        )?),
        None => None,
    };
    let report = match &a.output {
        // A reader that stops early (`| head`) is no error: stop quietly, like other Unix tools.
        None => match normalize::stream::normalize_to_writer(
            &cfg,
            &mut io::stdout().lock(),
            parquet.as_mut(),
        ) {
            Err(Error::Io { source, .. }) if source.kind() == io::ErrorKind::BrokenPipe => {
                return Ok(ExitCode::Success);
            }
            r => r?,
        },
        Some(p) => normalize::stream::normalize_to_file(&cfg, p, parquet.as_mut())?,
    };
    if let Some(p) = parquet {
        p.finish()?;
    }
    let normalize::NormalizeReport {
        written,
        duplicates,
        warnings,
    } = report;
    eprintln!(
        "normalized {written} offer(s) from {} input(s){}{}",
        cfg.inputs.len(),
        if duplicates > 0 {
            format!(", {duplicates} duplicate(s) skipped")
        } else {
            String::new()
        },
        if warnings.total() > 0 {
            format!(", {} field warning(s)", warnings.total())
        } else {
            String::new()
        }
    );
    for (what, n) in warnings.iter() {
        log::warn!("{n} × {what}");
    }
    Ok(ExitCode::Success)
}

/// `sync`: one scheduled run into a history dataset.
fn sync_cmd(a: &SyncArgs) -> Result<ExitCode, Error> {
    let c = resolve::resolve_sync(a, &config::process_env, Utc::now())?;
    install_signal_handler(&c.collect.cancel);
    let r = ftcollect::history::sync(&c)?;
    if let Some(p) = &r.plan_report {
        print_out(&format!("{p}\n"));
    }
    if let Some(s) = &r.summary {
        eprint!(
            "{}",
            super::errors::with_options(&s.render_for_dataset(&c.dataset))
        );
    }
    eprint!("{}", super::errors::with_options(&r.render()));
    Ok(code_for(r.status))
}

/// `history`: what a dataset holds.
fn history_cmd(a: &HistoryArgs) -> Result<ExitCode, Error> {
    let r = ftcollect::history::report(&a.dataset)?;
    let now = Utc::now();
    // Also on stderr, where a cron job's mail or log picks it up.
    if let Some(w) = r.stale_warning(now) {
        eprintln!("{w}");
    }
    print_out(&r.render_at(now));
    Ok(ExitCode::Success)
}
