//! Command line + environment → the library's typed configurations (ripgrep's low → high args,
//! uv's per-concern settings): [`query`], [`sources`] (with credentials), [`output`] and [`http`]
//! each resolve their own options, and [`resolve_collect`] composes them into a
//! [`CollectConfig`]; [`history`] does the same for `sync`.
//!
//! Invariant: everything downstream of this module receives checked values; every error names the
//! option (or variable) at fault and says how to fix it. The environment is read through a lookup
//! function so resolution is testable without touching the process environment.

pub mod history;
pub mod http;
pub mod output;
pub mod query;
pub mod sources;

use chrono::{DateTime, Utc};

use crate::cli::args::CollectArgs;
use ftcollect::collect::CollectConfig;
use ftcollect::config::Env;
use ftcollect::error::Error;

pub use history::resolve_sync;
#[cfg(feature = "simulator")]
pub use sources::sources_of;

/// Resolves `collect`'s options. The concerns are resolved in the order their errors are
/// reported: the query, the France Travail endpoints, the output path, the sources and their
/// credentials, the other files.
pub fn resolve_collect(
    a: &CollectArgs,
    env: Env,
    today: DateTime<Utc>,
) -> Result<CollectConfig, Error> {
    let q = query::resolve(a)?;
    let endpoints = sources::resolve_endpoints(a)?;
    let output = output::resolve_output(a, today)?;
    let s = sources::resolve(a, &q, endpoints, env)?;
    let o = output::resolve(a, output)?;
    let h = http::resolve(a);

    let mut c = CollectConfig::new(o.output, s.france_travail);
    c.months = q.months;
    c.search = q.search;
    c.results_per_page = q.results_per_page;
    c.rome_codes = q.rome_codes;
    c.departements = q.departements;
    c.strategy = q.strategy;
    c.checkpoint_interval = o.checkpoint_interval;
    c.restart = o.restart;
    c.keep_backups = o.keep_backups;
    c.dry_run = o.dry_run;
    c.quiet = o.quiet;
    c.raw_dir = o.raw_dir;
    c.parquet = o.parquet;
    c.rate_limit_delay = h.rate_limit_delay;
    c.workers = h.workers;
    c.http = h.http;
    c.retry = h.retry;
    c.now = a.now;
    c.sources = s.sources;
    c.adzuna = s.adzuna;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::query::{check_departements, check_rome_codes};
    use super::*;
    use clap::Parser;
    use ftcollect::source::adzuna;
    use ftcollect::source::france_travail::DEFAULT_API_URL;
    use std::path::PathBuf;
    use std::time::Duration;

    fn env_with(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    fn args(line: &[&str]) -> CollectArgs {
        let mut v = vec!["ftcollect"];
        v.extend_from_slice(line);
        crate::cli::Cli::try_parse_from(v).unwrap().collect
    }

    #[test]
    fn the_seed_command_line_resolves_with_defaults() {
        let env = env_with(&[("FRANCE_TRAVAIL_ID", "id"), ("FRANCE_TRAVAIL_KEY", "key")]);
        let today = DateTime::parse_from_rfc3339("2026-11-28T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let c = resolve_collect(
            &args(&[
                "--output",
                "data/jobs.csv",
                "--months",
                "6",
                "--search",
                "data engineer",
            ]),
            &env,
            today,
        )
        .unwrap();
        assert_eq!(c.output, PathBuf::from("data/jobs.csv"));
        assert_eq!(c.months, 6);
        assert_eq!(c.search.as_deref(), Some("data engineer"));
        assert_eq!(
            c.rome_codes,
            vec!["M1811", "M1827", "M1851", "K1906", "M1405"]
        );
        assert_eq!(c.departements, None);
        assert_eq!(c.results_per_page, 150);
        assert_eq!(c.france_travail.api_url, DEFAULT_API_URL);
        let d = resolve_collect(&args(&[]), &env, today).unwrap();
        assert_eq!(
            d.output,
            PathBuf::from("data/france_travail_jobs_20261128.csv")
        );
    }

    #[test]
    fn the_429_budget_resolves_into_the_retry_policy() {
        let env = env_with(&[("FRANCE_TRAVAIL_ID", "id"), ("FRANCE_TRAVAIL_KEY", "key")]);
        let c = resolve_collect(&args(&[]), &env, Utc::now()).unwrap();
        assert_eq!(c.retry.throttle_budget, Duration::from_secs(30 * 60));
        for (v, secs) in [("2h", 7200), ("90", 90), ("45m", 2700)] {
            let c = resolve_collect(&args(&["--max-throttle-wait", v]), &env, Utc::now()).unwrap();
            assert_eq!(c.retry.throttle_budget, Duration::from_secs(secs), "{v}");
        }
        let mut v = vec!["ftcollect", "--max-throttle-wait", "soon"];
        let e = crate::cli::Cli::try_parse_from(&v).unwrap_err().to_string();
        assert!(
            e.contains("--max-throttle-wait") && e.contains("30m"),
            "{e}"
        );
        v[2] = "10d";
        assert!(crate::cli::Cli::try_parse_from(&v).is_err());
    }

    #[test]
    fn missing_credentials_name_both_variables_and_the_demo() {
        let env = env_with(&[("FRANCE_TRAVAIL_ID", "id")]);
        let e = resolve_collect(&args(&[]), &env, Utc::now())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("FRANCE_TRAVAIL_KEY not set")
                && e.contains("FRANCE_TRAVAIL_ID and FRANCE_TRAVAIL_KEY")
                && e.contains("ftcollect demo"),
            "{e}"
        );
    }

    #[test]
    fn adzuna_needs_only_its_own_keys_and_checks_its_options() {
        let today = Utc::now();
        // Adzuna alone: no France Travail credentials needed.
        let env = env_with(&[
            ("ADZUNA_APP_ID", "app"),
            ("ADZUNA_APP_KEY", "secret-key"),
            ("HOME", "/home/u"),
        ]);
        let c = resolve_collect(&args(&["--source", "adzuna"]), &env, today).unwrap();
        assert!(!c.sources.france_travail && c.sources.adzuna);
        let z = c.adzuna.as_ref().unwrap();
        assert_eq!(z.country, "fr");
        assert_eq!(z.api_url, adzuna::DEFAULT_API_URL);
        assert_eq!(
            z.quota_file,
            PathBuf::from("/home/u/.local/state/ftcollect/adzuna-quota.json")
        );
        assert_eq!(z.rate_limit_delay, Duration::from_millis(2400));
        assert!(!format!("{c:?}").contains("secret-key"));
        let c = resolve_collect(
            &args(&[
                "--source",
                "adzuna",
                "--adzuna-limits",
                "50,100,200,300",
                "--adzuna-country",
                "GB",
                "--adzuna-quota-file",
                "q.json",
            ]),
            &env,
            today,
        )
        .unwrap();
        let z = c.adzuna.unwrap();
        assert_eq!((z.limits.minute, z.limits.month), (50, 300));
        assert_eq!(z.rate_limit_delay, Duration::from_millis(1200));
        assert_eq!(z.country, "gb");
        assert_eq!(z.quota_file, PathBuf::from("q.json"));

        // Both sources: both sets of keys, each error naming its variables.
        let e = resolve_collect(&args(&["--source", "france-travail,adzuna"]), &env, today)
            .unwrap_err()
            .to_string();
        assert!(e.contains("FRANCE_TRAVAIL_ID"), "{e}");
        let ft_only = env_with(&[("FRANCE_TRAVAIL_ID", "id"), ("FRANCE_TRAVAIL_KEY", "key")]);
        let e = resolve_collect(
            &args(&["--source", "france-travail,adzuna"]),
            &ft_only,
            today,
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("ADZUNA_APP_ID and ADZUNA_APP_KEY not set")
                && e.contains("--source france-travail"),
            "{e}"
        );
        // France Travail alone never asks for Adzuna keys.
        assert!(
            resolve_collect(&args(&[]), &ft_only, today)
                .unwrap()
                .adzuna
                .is_none()
        );

        // A ROME code without a phrase, unless --search gives the words.
        let e = resolve_collect(
            &args(&["--source", "adzuna", "--rome", "A1101"]),
            &env,
            today,
        )
        .unwrap_err();
        assert!(
            matches!(&e, Error::NoAdzunaPhrase { unknown, .. } if unknown == &["A1101"])
                && crate::cli::errors::message(&e).contains("--search"),
            "{e}"
        );
        assert!(
            resolve_collect(
                &args(&[
                    "--source",
                    "adzuna",
                    "--rome",
                    "A1101",
                    "--search",
                    "chef à domicile"
                ]),
                &env,
                today
            )
            .is_ok()
        );
        for (line, needle) in [
            (
                vec!["--source", "adzuna", "--adzuna-country", "xx"],
                "fr, gb",
            ),
            (
                vec!["--source", "adzuna", "--departements", "75"],
                "--adzuna-where",
            ),
            (
                vec![
                    "--source",
                    "adzuna",
                    "--adzuna-url",
                    "http://api.adzuna.com/v1/api",
                ],
                "loopback",
            ),
        ] {
            let e = resolve_collect(&args(&line), &env, today)
                .unwrap_err()
                .to_string();
            assert!(e.contains(needle), "{line:?}: {e}");
        }
        let no_home = env_with(&[("ADZUNA_APP_ID", "app"), ("ADZUNA_APP_KEY", "k")]);
        let e = resolve_collect(&args(&["--source", "adzuna"]), &no_home, today)
            .unwrap_err()
            .to_string();
        assert!(e.contains("--adzuna-quota-file"), "{e}");
        assert!(crate::cli::Cli::try_parse_from(["ftcollect", "--adzuna-limits", "1,2"]).is_err());
    }

    #[test]
    fn empty_or_short_keywords_are_refused_with_the_fix() {
        let env = env_with(&[("FRANCE_TRAVAIL_ID", "id"), ("FRANCE_TRAVAIL_KEY", "key")]);
        let e = resolve_collect(&args(&["--search", " "]), &env, Utc::now()).unwrap_err();
        assert!(
            matches!(e, Error::Usage(_)) && e.to_string().contains("omit --search"),
            "{e}"
        );
        let e = resolve_collect(&args(&["--search", "a b data"]), &env, Utc::now())
            .unwrap_err()
            .to_string();
        assert!(e.contains("`a`, `b` are shorter"), "{e}");
        let e = resolve_collect(&args(&["--search", ",,"]), &env, Utc::now())
            .unwrap_err()
            .to_string();
        assert!(e.contains("holds no keyword"), "{e}");
    }

    #[test]
    fn codes_are_checked() {
        assert_eq!(
            check_rome_codes(&["m1811".into(), "M1811".into()]).unwrap(),
            vec!["M1811"]
        );
        assert!(
            check_rome_codes(&["X1234".into()])
                .unwrap_err()
                .to_string()
                .contains("not a ROME code")
        );
        assert_eq!(
            check_departements(&["1".into(), "2a".into(), "974".into()]).unwrap(),
            vec!["01", "2A", "974"]
        );
        assert!(
            check_departements(&["20".into()])
                .unwrap_err()
                .to_string()
                .contains("Corsica is 2A and 2B")
        );
        assert!(check_departements(&["975".into()]).is_err());
    }
}
