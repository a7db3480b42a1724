//! `sync`'s options: the dataset and the collection's options, minus those the sync manages
//! itself (`--output`, `--parquet`, `--restart`).

use chrono::{DateTime, Utc};

use crate::cli::args::{CollectArgs, SourceArg, SyncArgs};
use ftcollect::collect::checkpoint::QueryKey;
use ftcollect::config::Env;
use ftcollect::error::Error;
use ftcollect::history::{SyncConfig, dataset};

/// Resolves `sync`'s options.
pub fn resolve_sync(a: &SyncArgs, env: Env, today: DateTime<Utc>) -> Result<SyncConfig, Error> {
    let c = &a.collect;
    for (given, option) in [
        (c.output.is_some(), "--output"),
        (c.parquet.is_some(), "--parquet"),
        (c.restart, "--restart"),
    ] {
        if given {
            return Err(Error::Usage(format!(
                "sync does not take {option}: it writes into --dataset and resumes or restarts its own \
                 collection. Drop {option}, or use `ftcollect collect` for a one-off file."
            )));
        }
    }
    // A dataset follows one query: the options not given are the dataset's (a crontab line
    // needs none), those given are compared with it by the sync (and refused if they differ).
    let stored = match &a.query_options_given {
        Some(given) => ftcollect::history::stored_query(&a.dataset)?.map(|q| (q, given)),
        None => None,
    };
    let with_stored;
    let c = match stored {
        Some((q, given)) => {
            if given.is_empty() {
                log::info!(
                    "no query option given: using the query of {} ({})",
                    a.dataset.display(),
                    describe(&q)
                );
            }
            with_stored = with_query(c, &q, given);
            &with_stored
        }
        None => c,
    };
    let mut collect = super::resolve_collect(c, env, today)?;
    collect.output = a.dataset.join(dataset::WORK).join("offers.csv");
    let mut sync = SyncConfig::new(a.dataset.clone(), collect);
    sync.scrub_withdrawn = !a.keep_withdrawn_content;
    Ok(sync)
}

/// `c` with the query options not `given` set from the dataset's stored query; how to collect
/// it (strategy, page size, pace, workers, endpoints, keys) stays as given.
fn with_query(c: &CollectArgs, q: &QueryKey, given: &[&str]) -> CollectArgs {
    let mut c = c.clone();
    let absent = |id: &str| !given.contains(&id);
    if absent("rome") {
        c.rome = q.rome_codes.clone();
    }
    if absent("departements") {
        c.departements = q.departements.clone().unwrap_or_default();
    }
    if absent("search") {
        c.search = q.search.clone();
    }
    if absent("months") {
        c.months = q.months;
    }
    if absent("source") {
        c.source = q
            .sources
            .iter()
            .map(|s| match s.as_str() {
                "adzuna" => SourceArg::Adzuna,
                _ => SourceArg::FranceTravail,
            })
            .collect();
    }
    c
}

/// The stored query as the options that would give it.
fn describe(q: &QueryKey) -> String {
    let mut parts = vec![format!("--rome {}", q.rome_codes.join(","))];
    if let Some(d) = &q.departements {
        parts.push(format!("--departements {}", d.join(",")));
    }
    if let Some(s) = &q.search {
        parts.push(format!("--search {s:?}"));
    }
    parts.push(format!("--months {}", q.months));
    parts.push(format!(
        "--source {}",
        q.sources.join(",").replace('_', "-")
    ));
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};
    use ftcollect::exit::ExitCode;
    use std::path::PathBuf;

    fn parse(line: &[&str]) -> Result<SyncConfig, Error> {
        let mut v = vec!["ftcollect", "sync"];
        v.extend_from_slice(line);
        let cli = crate::cli::args::Cli::try_parse_from(v).unwrap();
        let Some(crate::cli::args::Command::Sync(a)) = cli.command else {
            panic!("not sync")
        };
        let env = |k: &str| match k {
            "FRANCE_TRAVAIL_ID" => Some("id".to_string()),
            "FRANCE_TRAVAIL_KEY" => Some("key".to_string()),
            _ => None,
        };
        resolve_sync(&a, &env, Utc::now())
    }

    #[test]
    fn sync_takes_the_query_options_and_refuses_the_output_ones() {
        let c = parse(&["--dataset", "h", "--rome", "m1811", "--months", "6"]).unwrap();
        assert_eq!(c.dataset, PathBuf::from("h"));
        assert_eq!(c.collect.rome_codes, vec!["M1811"]);
        assert_eq!(c.collect.months, 6);
        assert_eq!(c.collect.output, PathBuf::from("h/_work/offers.csv"));
        for opt in [&["--output", "x.csv"][..], &["--parquet"], &["--restart"]] {
            let mut line = vec!["--dataset", "h"];
            line.extend_from_slice(opt);
            let e = parse(&line).unwrap_err();
            assert_eq!(ftcollect::exit::code_for(&e), ExitCode::Usage);
            assert!(
                e.to_string()
                    .contains(&format!("sync does not take {}", opt[0])),
                "{e}"
            );
        }
        let help = crate::cli::args::Cli::command()
            .find_subcommand_mut("sync")
            .unwrap()
            .render_long_help()
            .to_string();
        assert!(help.contains("--dataset") && help.contains("--rome"));
        assert!(help.contains("--now <TIME>"), "--now is documented: {help}");
        assert!(
            !help.contains("--output") && !help.contains("--restart"),
            "{help}"
        );
    }
}
