//! Command line + environment → a typed, validated configuration.
//!
//! Invariant: everything downstream of this module receives checked values; every error names the
//! option (or variable) at fault and says how to fix it. The environment is read through a lookup
//! function so resolution is testable without touching the process environment.

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::cli::{CollectArgs, SourceArg, StrategyArg};
use crate::collect::adzuna::{AdzunaSettings, default_delay, phrases};
use crate::collect::{CollectConfig, DEFAULT_ROME_CODES, FranceTravailSettings, Sources};
use crate::error::Error;
use crate::http::{self, HttpSettings, RetryPolicy};
use crate::normalize::departements;
use crate::plan::Strategy;
use crate::secret::Credentials;
use crate::source::adzuna::{self, AdzunaKeys, COUNTRIES};
use crate::source::france_travail::{DEFAULT_API_URL, DEFAULT_TOKEN_URL};

/// Reads an environment variable (`std::env::var` in production).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment, with empty values treated as unset.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Loads the `.env` file of the current directory or its nearest ancestor (as `dotenvy` finds it)
/// into the environment, without overriding variables already set. No file is fine; a file that
/// cannot be parsed is an error naming the file, the line and the variable — never the value, which
/// may be a secret.
pub fn load_dotenv() -> Result<(), Error> {
    let Ok(cwd) = std::env::current_dir() else {
        return Ok(());
    };
    let Some(path) = cwd
        .ancestors()
        .map(|d| d.join(".env"))
        .find(|p| p.is_file())
    else {
        return Ok(());
    };
    match dotenvy::from_path(&path) {
        Ok(()) => Ok(()),
        Err(dotenvy::Error::LineParse(bad, _)) => {
            let content = std::fs::read_to_string(&path).unwrap_or_default();
            Err(Error::Config(dotenv_line_error(&path, &content, &bad)))
        }
        Err(dotenvy::Error::Io(e)) => Err(Error::io(
            format!(
                "the .env file {} cannot be read: fix its permissions, or remove it",
                path.display()
            ),
            e,
        )),
        Err(e) => Err(Error::Config(format!(
            "the .env file {} cannot be loaded ({e}): fix it, or remove it",
            path.display()
        ))),
    }
}

/// The message for a `.env` line `dotenvy` cannot parse (`bad` is the text it stopped at).
fn dotenv_line_error(path: &std::path::Path, content: &str, bad: &str) -> String {
    let at = (!bad.trim().is_empty())
        .then(|| content.find(bad.trim_end()))
        .flatten()
        .map(|offset| content[..offset].matches('\n').count());
    let line = at.and_then(|i| content.lines().nth(i));
    let name = line
        .map(|l| l.trim_start())
        .map(|l| l.strip_prefix("export ").unwrap_or(l))
        .and_then(|l| l.split_once('='))
        .map(|(n, _)| n.trim())
        .filter(|n| {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        });
    let which = match (at, name) {
        (Some(i), Some(n)) => format!("line {} (the value of {n})", i + 1),
        (Some(i), None) => format!("line {}", i + 1),
        (None, _) => "a line".to_string(),
    };
    format!(
        "the .env file {} cannot be parsed: {which} is not of the form NAME=value (the value is not shown: \
         it may be a secret). Fix that line (quote a value holding spaces or #: NAME=\"a b\"), comment it out \
         with #, or remove the file.",
        path.display()
    )
}

/// The default output: `data/france_travail_jobs_YYYYMMDD.csv` for the run date.
pub fn default_output(today: DateTime<Utc>) -> PathBuf {
    PathBuf::from(format!(
        "data/france_travail_jobs_{}.csv",
        today.format("%Y%m%d")
    ))
}

/// Checks ROME codes: one letter A–N and four digits.
pub fn check_rome_codes(codes: &[String]) -> Result<Vec<String>, Error> {
    let mut out: Vec<String> = Vec::new();
    for c in codes {
        let c = c.trim().to_ascii_uppercase();
        if c.is_empty() {
            continue;
        }
        let b = c.as_bytes();
        let ok =
            b.len() == 5 && (b'A'..=b'N').contains(&b[0]) && b[1..].iter().all(u8::is_ascii_digit);
        if !ok {
            return Err(Error::Usage(format!(
                "--rome: `{c}` is not a ROME code. A ROME code is a letter A–N and four digits, such as M1811 (data engineer); \
                 separate several with commas."
            )));
        }
        if !out.contains(&c) {
            out.push(c);
        }
    }
    if out.is_empty() {
        return Err(Error::Usage(
            "--rome is empty: give at least one ROME code, such as M1811.".into(),
        ));
    }
    Ok(out)
}

/// Checks département codes against the API's 101 codes (`1` is read as `01`).
pub fn check_departements(codes: &[String]) -> Result<Vec<String>, Error> {
    let mut out: Vec<String> = Vec::new();
    for c in codes {
        let mut c = c.trim().to_ascii_uppercase();
        if c.is_empty() {
            continue;
        }
        if c.len() == 1 && c.as_bytes()[0].is_ascii_digit() {
            c = format!("0{c}");
        }
        if !departements::is_departement(&c) {
            let hint = if c == "20" {
                " Corsica is 2A and 2B."
            } else {
                ""
            };
            return Err(Error::Usage(format!(
                "--departements: `{c}` is not a département code the API knows. Use 01…19, 2A, 2B, 21…95, 971, 972, 973, 974 or 976.{hint}"
            )));
        }
        if !out.contains(&c) {
            out.push(c);
        }
    }
    if out.is_empty() {
        return Err(Error::Usage(
            "--departements is empty: omit it to collect every département.".into(),
        ));
    }
    Ok(out)
}

/// France Travail credentials from the environment (or `.env`, loaded by `main`).
pub fn credentials(env: Env) -> Result<Credentials, Error> {
    match (env("FRANCE_TRAVAIL_ID"), env("FRANCE_TRAVAIL_KEY")) {
        (Some(id), Some(key)) => Ok(Credentials::new(id.trim(), key.trim())),
        (id, key) => {
            let missing: Vec<&str> = [
                ("FRANCE_TRAVAIL_ID", id.is_none()),
                ("FRANCE_TRAVAIL_KEY", key.is_none()),
            ]
            .iter()
            .filter(|(_, m)| *m)
            .map(|(n, _)| *n)
            .collect();
            Err(Error::Config(format!(
                "France Travail credentials are missing ({} not set). Set FRANCE_TRAVAIL_ID and FRANCE_TRAVAIL_KEY in the \
                 environment or in a .env file (see .env.example; keys come from francetravail.io). \
                 To try ftcollect without credentials, run `ftcollect demo`.",
                missing.join(" and ")
            )))
        }
    }
}

/// Adzuna application keys from the environment (or `.env`): needed only for `--source adzuna`.
pub fn adzuna_keys(env: Env) -> Result<AdzunaKeys, Error> {
    match (env("ADZUNA_APP_ID"), env("ADZUNA_APP_KEY")) {
        (Some(id), Some(key)) => Ok(AdzunaKeys::new(id.trim(), key.trim())),
        (id, key) => {
            let missing: Vec<&str> = [
                ("ADZUNA_APP_ID", id.is_none()),
                ("ADZUNA_APP_KEY", key.is_none()),
            ]
            .iter()
            .filter(|(_, m)| *m)
            .map(|(n, _)| *n)
            .collect();
            Err(Error::Config(format!(
                "Adzuna keys are missing ({} not set), and --source includes adzuna. Set ADZUNA_APP_ID and ADZUNA_APP_KEY \
                 in the environment or in a .env file (keys come from https://developer.adzuna.com/), or collect from \
                 France Travail only (--source france-travail). To try Adzuna without keys, run \
                 `ftcollect demo --source france-travail,adzuna`.",
                missing.join(" and ")
            )))
        }
    }
}

/// Resolves the Adzuna options of `collect` (`--source` includes adzuna).
fn resolve_adzuna(a: &CollectArgs, env: Env) -> Result<AdzunaSettings, Error> {
    let keys = adzuna_keys(env)?;
    let api_url = a
        .adzuna_url
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| adzuna::DEFAULT_API_URL.to_string());
    http::check_base_url(&api_url, "--adzuna-url / ADZUNA_API_URL").map_err(Error::Usage)?;
    let country = a.adzuna_country.trim().to_ascii_lowercase();
    if !COUNTRIES.contains(&country.as_str()) {
        return Err(Error::Usage(format!(
            "--adzuna-country: `{}` is not a country Adzuna serves. Use one of {}.",
            a.adzuna_country,
            COUNTRIES.join(", ")
        )));
    }
    let quota_file = match &a.adzuna_quota_file {
        Some(p) if p.as_os_str().is_empty() => {
            return Err(Error::Usage(
                "--adzuna-quota-file is empty: give a file path such as ~/.local/state/ftcollect/adzuna-quota.json."
                    .into(),
            ));
        }
        Some(p) => p.clone(),
        None => adzuna::quota::default_path(env).ok_or_else(|| {
            Error::Config(
                "neither XDG_STATE_HOME nor HOME is set, so there is no default place for the Adzuna quota file: \
                 give one with --adzuna-quota-file."
                    .into(),
            )
        })?,
    };
    let mut s = AdzunaSettings::new(api_url, keys, quota_file);
    s.country = country;
    s.limits = a.adzuna_limits;
    s.rate_limit_delay = match a.adzuna_delay {
        Some(d) => Duration::from_secs_f64(d),
        None => default_delay(&s.limits),
    };
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    s.where_ = text(&a.adzuna_where);
    s.category = text(&a.adzuna_category);
    Ok(s)
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

/// Resolves `collect`'s options.
pub fn resolve_collect(
    a: &CollectArgs,
    env: Env,
    today: DateTime<Utc>,
) -> Result<CollectConfig, Error> {
    let rome_codes = if a.rome.is_empty() {
        DEFAULT_ROME_CODES.iter().map(|s| s.to_string()).collect()
    } else {
        check_rome_codes(&a.rome)?
    };
    let departements = if a.departements.is_empty() {
        None
    } else {
        Some(check_departements(&a.departements)?)
    };
    let search = match a.search.as_deref().map(str::trim) {
        None => None,
        // An empty value (often an unset shell variable) would silently collect everything.
        Some("") => {
            return Err(Error::Usage(
                "--search is empty: give keywords (e.g. --search \"data engineer\"), or omit --search to collect \
                 every offer of the ROME codes."
                    .into(),
            ));
        }
        Some(s) => {
            // France Travail's `motsCles` rule; Adzuna's `what` takes any words.
            if a.source.contains(&SourceArg::FranceTravail) {
                crate::source::france_travail::params::check_mots_cles(s).map_err(|_| {
                    let short: Vec<&str> = crate::source::france_travail::params::keywords(s)
                        .into_iter()
                        .filter(|w| w.chars().count() < 2)
                        .collect();
                    Error::Usage(if short.is_empty() {
                        format!(
                            "--search `{s}` holds no keyword: give words of at least 2 characters, or omit --search."
                        )
                    } else {
                        format!(
                            "--search `{s}`: France Travail needs at least 2 characters in every keyword, and `{}` \
                             {} shorter. Remove the short word(s) or lengthen them (e.g. `r` → `rust`).",
                            short.join("`, `"),
                            if short.len() > 1 { "are" } else { "is" }
                        )
                    })
                })?;
            }
            Some(s.to_string())
        }
    };
    let api_url = a
        .api_url
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_API_URL.to_string());
    let token_url = a
        .token_url
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_TOKEN_URL.to_string());
    http::check_base_url(&api_url, "--api-url / FRANCE_TRAVAIL_API_URL").map_err(Error::Usage)?;
    http::check_base_url(&token_url, "--token-url / FRANCE_TRAVAIL_TOKEN_URL")
        .map_err(Error::Usage)?;
    let output = a.output.clone().unwrap_or_else(|| default_output(today));
    if output.as_os_str().is_empty() {
        return Err(Error::Usage(
            "--output is empty: give a file path such as data/jobs.csv.".into(),
        ));
    }
    let sources = Sources {
        france_travail: a.source.contains(&SourceArg::FranceTravail),
        adzuna: a.source.contains(&SourceArg::Adzuna),
    };
    if !sources.france_travail && !sources.adzuna {
        return Err(Error::Usage(
            "--source is empty: give france-travail, adzuna, or both (france-travail,adzuna)."
                .into(),
        ));
    }
    let adzuna = if sources.adzuna {
        if departements.is_some() {
            return Err(Error::Usage(
                "--departements filters France Travail only and Adzuna has no département filter: remove \
                 --departements, use --adzuna-where for Adzuna, or collect Adzuna in a separate run."
                    .into(),
            ));
        }
        // Checked here so that an unknown ROME code is reported before anything starts.
        phrases(&rome_codes, search.as_deref())?;
        Some(resolve_adzuna(a, env)?)
    } else {
        None
    };
    // France Travail credentials are needed only when France Travail is collected.
    let credentials = if sources.france_travail {
        credentials(env)?
    } else {
        Credentials::new("", "")
    };
    let mut c = CollectConfig::new(
        output,
        FranceTravailSettings {
            api_url,
            token_url,
            credentials,
        },
    );
    c.months = a.months;
    c.search = search;
    c.results_per_page = a.results_per_page;
    c.checkpoint_interval = a.checkpoint_interval;
    c.rate_limit_delay = Duration::from_secs_f64(a.rate_limit_delay);
    c.rome_codes = rome_codes;
    c.departements = departements;
    c.strategy = match a.strategy {
        StrategyArg::Adaptive => Strategy::Adaptive,
        StrategyArg::Grid => Strategy::Grid,
    };
    c.workers = a.workers as usize;
    c.restart = a.restart;
    c.dry_run = a.dry_run;
    c.quiet = a.quiet;
    c.raw_dir = a.raw_dir.clone();
    c.parquet = a.parquet.as_ref().map(|p| {
        p.clone()
            .unwrap_or_else(|| c.output.with_extension("parquet"))
    });
    if let Some(p) = &c.parquet {
        if same_file(p, &c.output) {
            return Err(Error::Usage(format!(
                "--parquet names the same file as --output ({}): the CSV would be replaced by the Parquet file. \
                 Give the Parquet file another name, such as {}.",
                c.output.display(),
                c.output.with_extension("parquet").display()
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
    c.http = HttpSettings {
        request_timeout: Duration::from_secs_f64(a.timeout),
        ..HttpSettings::default()
    };
    c.retry = RetryPolicy {
        max_attempts: a.max_attempts,
        throttle_budget: a.max_throttle_wait,
        ..RetryPolicy::default()
    };
    c.now = a.now;
    c.sources = sources;
    c.adzuna = adzuna;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

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
            matches!(e, Error::Usage(_)) && e.to_string().contains("A1101"),
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
    fn a_bad_dotenv_line_is_named_by_number_and_variable_never_by_value() {
        let p = std::path::Path::new("/x/.env");
        let m = dotenv_line_error(
            p,
            "FRANCE_TRAVAIL_ID=id\nFRANCE_TRAVAIL_KEY=my secret value\n",
            "my secret value",
        );
        assert!(
            m.contains("/x/.env cannot be parsed: line 2 (the value of FRANCE_TRAVAIL_KEY)")
                && !m.contains("secret value"),
            "{m}"
        );
        let m = dotenv_line_error(p, "A=1\n\njust words\n", "just words");
        assert!(m.contains("line 3 is not of the form NAME=value"), "{m}");
        let m = dotenv_line_error(p, "A=1\n", "");
        assert!(m.contains("a line is not of the form"), "{m}");
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
