//! The command line: clap structures only, with the seed's option names. No logic here: `resolve`
//! resolves these into typed configurations and `commands` runs them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Complete, resumable job-offer datasets from the France Travail API (and Adzuna).
///
/// With no subcommand, `ftcollect [OPTIONS]` is `ftcollect collect [OPTIONS]`.
#[derive(Parser, Debug)]
#[command(
    name = "ftcollect",
    version,
    about,
    args_conflicts_with_subcommands = true,
    max_term_width = 110
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub collect: CollectArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Collect every offer matching the query over the last N months (the default command).
    Collect(Box<CollectArgs>),
    /// Run a full collection against the built-in simulator (no credentials needed).
    #[cfg(feature = "simulator")]
    Demo(super::sim_args::DemoArgs),
    /// Serve the built-in simulator of the France Travail (and Adzuna) API.
    #[cfg(feature = "simulator")]
    Simulate(Box<super::sim_args::SimulateArgs>),
    /// Normalize raw API material (search responses, offers, JSON Lines) into the CSV schema.
    Normalize(NormalizeArgs),
    /// Convert a CSV written by ftcollect into Parquet.
    Convert(ConvertArgs),
    /// One scheduled run: collect the query and merge it into a history dataset (see docs/history.md).
    #[command(
        mut_arg("output", |a| a.hide(true)),
        mut_arg("parquet", |a| a.hide(true)),
        mut_arg("restart", |a| a.hide(true)),
        mut_arg("keep_backups", |a| a.hide(true))
    )]
    Sync(Box<SyncArgs>),
    /// Summarize a history dataset: runs, offers tracked, active, withdrawn per week, time online.
    History(HistoryArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StrategyArg {
    /// Start broad and cut only what exceeds the API's cap (fewest calls).
    Adaptive,
    /// The seed's systematic département × ROME code × month search.
    Grid,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SourceArg {
    #[value(name = "france-travail")]
    FranceTravail,
    Adzuna,
}

#[derive(Args, Debug, Clone)]
pub struct CollectArgs {
    /// CSV output path [default: data/france_travail_jobs_YYYYMMDD.csv, with the run date].
    #[arg(long, value_name = "PATH")]
    pub output: Option<PathBuf>,

    /// How many months back from now to collect (creation date).
    #[arg(long, allow_negative_numbers = true, value_name = "N", default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=120))]
    pub months: u32,

    /// Keywords (the API's `motsCles`: all must match).
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,

    /// Page size, 1 to 150.
    #[arg(long, allow_negative_numbers = true, value_name = "N", default_value_t = 150, value_parser = clap::value_parser!(u32).range(1..=150))]
    pub results_per_page: u32,

    /// Offers written between two checkpoints.
    #[arg(long, allow_negative_numbers = true, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..))]
    pub checkpoint_interval: u64,

    /// Minimum seconds between two API requests, shared by all workers (the API allows 10 per second).
    #[arg(long, allow_negative_numbers = true, value_name = "SECONDS", default_value = "0.1", value_parser = parse_delay)]
    pub rate_limit_delay: f64,

    /// ROME codes, comma-separated [default: M1811,M1827,M1851,K1906,M1405].
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub rome: Vec<String>,

    /// Département codes, comma-separated (01…95, 2A, 2B, 971…976) [default: all, and offers with no département].
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    pub departements: Vec<String>,

    /// How the query is cut to get past the API's 3150-results cap.
    #[arg(long, value_enum, default_value_t = StrategyArg::Adaptive)]
    pub strategy: StrategyArg,

    /// Concurrent requests (all share the rate limit).
    #[arg(long, allow_negative_numbers = true, value_name = "N", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub workers: u32,

    /// Ignore an existing checkpoint and start over (the previous output is moved to <output>.bak-<timestamp>).
    #[arg(long)]
    pub restart: bool,

    /// Backups (<file>.bak-<timestamp>) kept of each output file when a run moves one aside: the
    /// N most recent, older ones are deleted; `all` keeps every one.
    #[arg(long, value_name = "N|all", default_value = "5", value_parser = parse_keep_backups)]
    pub keep_backups: KeepBackups,

    /// Probe the totals and print the plan (slices, offers, calls, duration), then exit without writing.
    #[arg(long)]
    pub dry_run: bool,

    /// No progress output; only errors and the final summary file.
    #[arg(long, short)]
    pub quiet: bool,

    /// Also write Parquet at the end of the run [default path: the CSV path with .parquet].
    #[arg(long, value_name = "PATH", num_args = 0..=1)]
    pub parquet: Option<Option<PathBuf>>,

    /// Keep every raw API page in this directory (JSON Lines, gzip), replayable with `ftcollect normalize`.
    #[arg(long, value_name = "DIR")]
    pub raw_dir: Option<PathBuf>,

    /// France Travail API base URL.
    #[arg(long, value_name = "URL", env = "FRANCE_TRAVAIL_API_URL")]
    pub api_url: Option<String>,

    /// France Travail OAuth2 token URL.
    #[arg(long, value_name = "URL", env = "FRANCE_TRAVAIL_TOKEN_URL")]
    pub token_url: Option<String>,

    /// Seconds allowed for one HTTP exchange, body included.
    #[arg(long, allow_negative_numbers = true, value_name = "SECONDS", default_value = "30", value_parser = parse_positive_secs)]
    pub timeout: f64,

    /// Attempts per request before a slice is declared failed.
    #[arg(long, allow_negative_numbers = true, value_name = "N", default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub max_attempts: u32,

    /// Total time the run may wait on the API's 429 answers (rate limit) before it stops with its
    /// checkpoint: seconds, or a number with s, m or h (90, 30m, 2h). 429s are not failures.
    #[arg(long, value_name = "DURATION", default_value = "30m", value_parser = parse_throttle_wait)]
    pub max_throttle_wait: std::time::Duration,

    /// Pretend the run starts at this instant (RFC 3339), e.g. the simulator's clock (its
    /// /_sim/control endpoint prints it); for simulations and tests.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub now: Option<chrono::DateTime<chrono::Utc>>,

    /// APIs to collect from, comma-separated: france-travail, adzuna (both go into one output).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "france-travail"
    )]
    pub source: Vec<SourceArg>,

    /// Adzuna API base URL [default: https://api.adzuna.com/v1/api].
    #[arg(long, value_name = "URL", env = "ADZUNA_API_URL")]
    pub adzuna_url: Option<String>,

    /// Adzuna country: fr, gb, us, de, … (currency and départements follow it).
    #[arg(long, value_name = "CODE", default_value = "fr")]
    pub adzuna_country: String,

    /// Where the Adzuna quota ledger is kept [default: $XDG_STATE_HOME/ftcollect/adzuna-quota.json, else ~/.local/state/ftcollect/adzuna-quota.json].
    #[arg(long, value_name = "PATH")]
    pub adzuna_quota_file: Option<PathBuf>,

    /// Adzuna calls allowed per minute, day, week and month (rolling windows).
    #[arg(long, value_name = "M,D,W,MO", default_value = "25,250,1000,2500", value_parser = parse_limits)]
    pub adzuna_limits: ftcollect::source::adzuna::Limits,

    /// Minimum seconds between two Adzuna calls [default: 60 / the per-minute limit, i.e. 2.4].
    #[arg(long, allow_negative_numbers = true, value_name = "SECONDS", value_parser = parse_adzuna_delay)]
    pub adzuna_delay: Option<f64>,

    /// Adzuna `where`: a place name or postcode.
    #[arg(long, value_name = "PLACE")]
    pub adzuna_where: Option<String>,

    /// Adzuna `category`: a category tag such as it-jobs.
    #[arg(long, value_name = "TAG")]
    pub adzuna_category: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct NormalizeArgs {
    /// Input files (search responses, single offers, JSON arrays or JSON Lines; `.gz` accepted); none or `-` reads stdin.
    #[arg(value_name = "FILE")]
    pub inputs: Vec<PathBuf>,
    /// Which API the material comes from.
    #[arg(long, value_enum, default_value_t = SourceArg::FranceTravail)]
    pub source: SourceArg,
    /// CSV output path [default: stdout].
    #[arg(long, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Also write the normalized offers as Parquet.
    #[arg(long, value_name = "PATH")]
    pub parquet: Option<PathBuf>,
    /// Adzuna only: the country searched (currency, départements) [default: read from each job's URL].
    #[arg(long, value_name = "CODE")]
    pub adzuna_country: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct ConvertArgs {
    /// A CSV written by `ftcollect collect` or `ftcollect normalize`.
    #[arg(value_name = "IN.csv")]
    pub input: PathBuf,
    /// The Parquet file to write (replaced atomically if it exists).
    #[arg(value_name = "OUT.parquet")]
    pub output: PathBuf,
}

#[derive(Args, Debug, Clone)]
pub struct SyncArgs {
    /// The history dataset directory (created by the first run). One dataset follows one query.
    #[arg(long, value_name = "DIR")]
    pub dataset: PathBuf,
    /// Keep the identifying content (employer, description, URLs, coordinates, postcode and
    /// commune codes) of withdrawn offers. By default it is removed from offers.parquet and the
    /// snapshots when an offer is withdrawn, as the offers' reuse licence requires (docs/history.md).
    #[arg(long)]
    pub keep_withdrawn_content: bool,
    #[command(flatten)]
    pub collect: CollectArgs,
    /// The query options given on the command line ([`QUERY_OPTIONS`] ids), when known (see
    /// [`parse`]): none given means "the dataset's query".
    #[arg(skip)]
    pub query_options_given: Option<Vec<&'static str>>,
}

/// The ids of the options that define a dataset's query (the others say how to collect it).
pub const QUERY_OPTIONS: &[&str] = &["rome", "departements", "search", "months", "source"];

/// Parses the process's command line, recording which query options `sync` was given (clap's
/// derive loses whether a value came from the command line or from a default).
pub fn parse() -> Result<Cli, clap::Error> {
    use clap::{CommandFactory, FromArgMatches, parser::ValueSource};
    let matches = Cli::command().try_get_matches()?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    if let Some(Command::Sync(a)) = &mut cli.command
        && let Some(m) = matches.subcommand_matches("sync")
    {
        a.query_options_given = Some(
            QUERY_OPTIONS
                .iter()
                .copied()
                .filter(|id| m.value_source(id) == Some(ValueSource::CommandLine))
                .collect(),
        );
    }
    Ok(cli)
}

#[derive(Args, Debug, Clone)]
pub struct HistoryArgs {
    /// The history dataset directory.
    #[arg(long, value_name = "DIR")]
    pub dataset: PathBuf,
}

/// A number of seconds within `range`; the messages give `example`.
fn seconds_in(s: &str, range: std::ops::RangeInclusive<f64>, example: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds (e.g. {example})"))?;
    if !v.is_finite() || !range.contains(&v) {
        return Err(format!(
            "`{s}` must be between {} and {} seconds (e.g. {example})",
            range.start(),
            range.end()
        ));
    }
    Ok(v)
}

/// `--rate-limit-delay`: the API allows 10 requests per second.
fn parse_delay(s: &str) -> Result<f64, String> {
    seconds_in(s, 0.0..=3600.0, "0.1, for the API's 10 requests per second")
}

/// `--adzuna-delay`: Adzuna allows 25 calls a minute.
fn parse_adzuna_delay(s: &str) -> Result<f64, String> {
    seconds_in(s, 0.0..=3600.0, "2.4, for Adzuna's 25 calls a minute")
}

pub(super) fn parse_limits(s: &str) -> Result<ftcollect::source::adzuna::Limits, String> {
    ftcollect::source::adzuna::Limits::parse(s)
}

/// `--timeout`: more than 0 seconds.
fn parse_positive_secs(s: &str) -> Result<f64, String> {
    seconds_in(s, 0.001..=3600.0, "30")
}

/// The longest `--max-throttle-wait`.
const MAX_THROTTLE_WAIT: std::time::Duration = std::time::Duration::from_secs(7 * 86_400);

/// `--max-throttle-wait`: whole seconds (`1800`) or a duration with units (`45s`, `30m`, `2h`,
/// `1h30m`, read by `humantime`), at most 7 days.
fn parse_throttle_wait(s: &str) -> Result<std::time::Duration, String> {
    let v = s.trim();
    let d = match v.parse::<u64>() {
        Ok(secs) => std::time::Duration::from_secs(secs),
        Err(_) => humantime::parse_duration(v).map_err(|e| {
            format!("`{s}` is not a duration ({e}): give seconds (1800) or a duration such as 30m, 2h or 1h30m")
        })?,
    };
    if d > MAX_THROTTLE_WAIT {
        return Err(format!(
            "`{s}` is more than 7 days: give a duration such as 30m or 2h"
        ));
    }
    Ok(d)
}

/// `--keep-backups`: how many backups of each output file are kept (`None`: all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeepBackups(pub Option<usize>);

fn parse_keep_backups(s: &str) -> Result<KeepBackups, String> {
    if s.trim().eq_ignore_ascii_case("all") {
        return Ok(KeepBackups(None));
    }
    match s.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(KeepBackups(Some(n))),
        _ => Err(format!(
            "`{s}` is not a number of backups: give 1 or more (the most recent are kept), or `all`"
        )),
    }
}

pub(super) fn parse_time(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&chrono::Utc))
        .map_err(|_| format!("`{s}` is not an RFC 3339 time such as 2026-11-28T12:00:00Z"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn throttle_wait_in_seconds_or_with_units() {
        let s = Duration::from_secs;
        for (v, want) in [
            ("1800", s(1800)),
            ("45s", s(45)),
            ("30m", s(1800)),
            (" 2h ", s(7200)),
            ("1h30m", s(5400)),
            ("1.5h", s(5400)),
            ("0", s(0)),
        ] {
            assert_eq!(parse_throttle_wait(v), Ok(want), "{v}");
        }
        for bad in ["", "m", "-5", "abc", "8000000", "200h"] {
            assert!(parse_throttle_wait(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn seconds_options_share_one_rule_with_their_own_example() {
        assert_eq!(parse_delay("0.1"), Ok(0.1));
        assert_eq!(parse_delay("0"), Ok(0.0));
        assert_eq!(
            parse_delay("-1"),
            Err("`-1` must be between 0 and 3600 seconds (e.g. 0.1, for the API's 10 requests per second)".into())
        );
        assert!(parse_delay("NaN").is_err());
        assert!(parse_adzuna_delay("3601").is_err());
        assert_eq!(parse_positive_secs("30"), Ok(30.0));
        assert!(parse_positive_secs("0").is_err());
    }
}
