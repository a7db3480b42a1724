//! The options of `demo` and `simulate` (the `simulator` feature): the simulator's universe,
//! clock, credentials and the API behaviours it can play.

use std::path::PathBuf;

use clap::Args;

use super::args::{SourceArg, parse_limits, parse_time};

/// The simulator's options. `Debug` hides the client secret and the Adzuna app key it accepts.
#[derive(Args, Clone, Debug)]
pub struct SimulateArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    #[arg(long, default_value = "demo-id")]
    pub client_id: String,
    #[arg(long, default_value = "demo-secret")]
    pub client_secret: ftcollect::secret::Secret,
    /// Offers online at the start.
    #[arg(long, default_value_t = 20_000)]
    pub offers: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Creation dates spread over this many months.
    #[arg(long, default_value_t = 14, value_parser = clap::value_parser!(u32).range(1..=120))]
    pub months: u32,
    /// Lifetime of access tokens, seconds.
    #[arg(long, default_value_t = 1499, value_parser = clap::value_parser!(u64).range(1..))]
    pub token_ttl: u64,
    /// Requests per second per client (token bucket, burst as many); 0 disables the limit.
    #[arg(long, default_value_t = 10.0)]
    pub rate_limit: f64,
    /// Added to every answer, milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Share of API requests that fail (5xx, 429, truncated body, dropped connection, slow answer).
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    pub fault_rate: f64,
    /// Plant duplicates as a real market has them (as `demo` does): 2% of offers reposted under
    /// a new id, and Adzuna copies of France Travail offers (20% of the Adzuna jobs).
    #[arg(long)]
    pub duplicates: bool,
    /// The simulated start time (RFC 3339) [default: now].
    #[arg(long, value_parser = parse_time)]
    pub now: Option<chrono::DateTime<chrono::Utc>>,
    /// Days after the start during which new offers keep appearing.
    #[arg(long, default_value_t = 30)]
    pub future_days: u32,
    /// The Adzuna app id the simulator accepts.
    #[arg(long, default_value = "demo-app")]
    pub adzuna_app_id: String,
    /// The Adzuna app key the simulator accepts.
    #[arg(long, default_value = "demo-key")]
    pub adzuna_app_key: ftcollect::secret::Secret,
    /// Jobs in the simulated Adzuna universe.
    #[arg(long, default_value_t = 2_000)]
    pub adzuna_offers: usize,
    /// Adzuna calls the simulator allows per minute, day, week and month (calendar windows, UTC).
    #[arg(long, value_name = "M,D,W,MO", default_value = "25,250,1000,2500", value_parser = parse_limits)]
    pub adzuna_limits: ftcollect::source::adzuna::Limits,
    /// A second holding N extra offers at one exact timestamp (a partner's bulk import), at a random time; optionally one ROME code and/or département for all of them. Repeatable.
    #[arg(long, value_name = "N[:ROME][:DEPT]", value_parser = parse_bulk)]
    pub bulk: Vec<ftcollect::simulator::BulkSecond>,
    /// COUNT partner batches of SIZE extra offers, each batch sharing one exact timestamp.
    #[arg(long, value_name = "COUNT:SIZE", value_parser = parse_batches)]
    pub batches: Option<(u32, u32)>,
    /// Compare minCreationDate strictly (created > min).
    #[arg(long)]
    pub min_exclusive: bool,
    /// Compare maxCreationDate strictly (created < max).
    #[arg(long)]
    pub max_exclusive: bool,
    /// Truncate both creation bounds to this grain before comparing: second, minute or day.
    #[arg(long, value_name = "GRAIN", default_value = "second", value_parser = parse_grain)]
    pub bound_grain: ftcollect::simulator::Grain,
    /// Offers sharing one creation timestamp come back in a fresh random order on every request.
    #[arg(long)]
    pub unstable_order: bool,
    /// Per search request, withdraw WITHDRAW random online offers and publish PUBLISH new ones created up to MAX_LAG_SECS before now [default lag: 86400].
    #[arg(long, value_name = "WITHDRAW:PUBLISH[:MAX_LAG_SECS]", value_parser = parse_churn)]
    pub churn: Option<ftcollect::simulator::Churn>,
    /// Cut this share of 206 pages short; `honest` (default) names the range served in Content-Range, `full-range` claims the range asked.
    #[arg(long, value_name = "RATE[:honest|:full-range]", value_parser = parse_short_pages)]
    pub short_pages: Option<ftcollect::simulator::ShortPages>,
    /// Move each Content-Range total by a random amount in [-N, +N].
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub total_jitter: u32,
    /// The first ON_SECS of every PERIOD_SECS answer every API request with 429, with Retry-After: RETRY_AFTER [default 1] except for a WITHOUT_HEADER_SHARE [default 0] sent without it.
    #[arg(long, value_name = "ON_SECS:PERIOD_SECS[:RETRY_AFTER[:WITHOUT_HEADER_SHARE]]", value_parser = parse_storm)]
    pub storm: Option<ftcollect::simulator::Storm>,
}

impl SimulateArgs {
    /// The simulator behaviours these options ask for.
    pub fn behaviours(&self) -> ftcollect::simulator::Behaviours {
        ftcollect::simulator::Behaviours {
            bulk: self.bulk.clone(),
            batches: self.batches,
            min_exclusive: self.min_exclusive,
            max_exclusive: self.max_exclusive,
            grain: self.bound_grain,
            unstable_order: self.unstable_order,
            churn: self.churn.clone(),
            short_pages: self.short_pages.clone(),
            total_jitter: self.total_jitter,
            storm: self.storm.clone(),
        }
    }
}

#[derive(Args, Debug, Clone)]
pub struct DemoArgs {
    /// CSV output path.
    #[arg(long, default_value = "data/demo_jobs.csv")]
    pub output: PathBuf,
    /// Offers in the simulated universe.
    #[arg(long, default_value_t = 20_000)]
    pub offers: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// No progress output.
    #[arg(long, short)]
    pub quiet: bool,
    /// APIs to collect from, comma-separated: france-travail, adzuna.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "france-travail"
    )]
    pub source: Vec<SourceArg>,
}

fn parse_rate(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not a number between 0 and 1"))?;
    if !(0.0..=1.0).contains(&v) {
        return Err(format!("`{s}` is not between 0 and 1"));
    }
    Ok(v)
}

fn num<T: std::str::FromStr>(part: &str, shape: &str) -> Result<T, String> {
    part.trim()
        .parse()
        .map_err(|_| format!("`{part}` is not a number: expected {shape}"))
}

fn parse_bulk(s: &str) -> Result<ftcollect::simulator::BulkSecond, String> {
    const SHAPE: &str = "N[:ROME][:DEPT], e.g. 500, 500:M1811, 500:M1811:75 or 500::75";
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() > 3 {
        return Err(format!("`{s}`: expected {SHAPE}"));
    }
    let offers: u32 = num(parts[0], SHAPE)?;
    if offers == 0 {
        return Err(format!("`{s}`: N must be at least 1 ({SHAPE})"));
    }
    let is_rome = |c: &str| {
        let b = c.as_bytes();
        b.len() == 5 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit)
    };
    let (mut rome, mut departement) = (None, None);
    for (i, p) in parts.iter().enumerate().skip(1) {
        if p.is_empty() {
            continue;
        }
        if i == 1 && is_rome(p) {
            rome = Some(p.to_string());
        } else if (i == 2 || (i == 1 && parts.len() == 2)) && !is_rome(p) && p.len() <= 3 {
            departement = Some(p.to_string());
        } else {
            return Err(format!("`{s}`: expected {SHAPE}"));
        }
    }
    if let Some(r) = &rome
        && !ftcollect::simulator::catalog::ROMES
            .iter()
            .any(|x| x.code == r)
    {
        return Err(format!(
            "`{s}`: ROME code {r} is not in the simulator's catalogue ({SHAPE})"
        ));
    }
    if let Some(d) = &departement
        && !ftcollect::simulator::geo::DEPTS.iter().any(|x| x.code == d)
    {
        return Err(format!("`{s}`: unknown département {d} ({SHAPE})"));
    }
    Ok(ftcollect::simulator::BulkSecond {
        offers,
        rome,
        departement,
        age_seconds: None,
    })
}

fn parse_batches(s: &str) -> Result<(u32, u32), String> {
    const SHAPE: &str = "COUNT:SIZE, e.g. 20:300";
    let (c, n) = s
        .split_once(':')
        .ok_or_else(|| format!("`{s}`: expected {SHAPE}"))?;
    Ok((num(c, SHAPE)?, num(n, SHAPE)?))
}

fn parse_grain(s: &str) -> Result<ftcollect::simulator::Grain, String> {
    use ftcollect::simulator::Grain;
    match s {
        "second" => Ok(Grain::Second),
        "minute" => Ok(Grain::Minute),
        "day" => Ok(Grain::Day),
        _ => Err(format!("`{s}`: expected second, minute or day")),
    }
}

fn parse_churn(s: &str) -> Result<ftcollect::simulator::Churn, String> {
    const SHAPE: &str = "WITHDRAW:PUBLISH[:MAX_LAG_SECS], e.g. 2:3 or 2:3:3600";
    let parts: Vec<&str> = s.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return Err(format!("`{s}`: expected {SHAPE}"));
    }
    let lag: u64 = match parts.get(2) {
        Some(p) => num(p, SHAPE)?,
        None => 86_400,
    };
    Ok(ftcollect::simulator::Churn {
        withdraw_per_request: num(parts[0], SHAPE)?,
        publish_per_request: num(parts[1], SHAPE)?,
        max_lag: std::time::Duration::from_secs(lag),
    })
}

fn parse_short_pages(s: &str) -> Result<ftcollect::simulator::ShortPages, String> {
    const SHAPE: &str = "RATE[:honest|:full-range], e.g. 0.1 or 0.1:full-range";
    let (rate, mode) = s.split_once(':').unwrap_or((s, "honest"));
    let rate = parse_rate(rate).map_err(|e| format!("{e}: expected {SHAPE}"))?;
    let honest_range = match mode {
        "honest" => true,
        "full-range" => false,
        _ => return Err(format!("`{s}`: expected {SHAPE}")),
    };
    Ok(ftcollect::simulator::ShortPages { rate, honest_range })
}

fn parse_storm(s: &str) -> Result<ftcollect::simulator::Storm, String> {
    const SHAPE: &str =
        "ON_SECS:PERIOD_SECS[:RETRY_AFTER[:WITHOUT_HEADER_SHARE]], e.g. 20:120 or 20:120:5:0.5";
    let parts: Vec<&str> = s.split(':').collect();
    if !(2..=4).contains(&parts.len()) {
        return Err(format!("`{s}`: expected {SHAPE}"));
    }
    let on: f64 = num(parts[0], SHAPE)?;
    let period: f64 = num(parts[1], SHAPE)?;
    if !(on.is_finite() && period.is_finite() && on >= 0.0 && period > 0.0 && on <= period) {
        return Err(format!(
            "`{s}`: ON_SECS must be between 0 and PERIOD_SECS, PERIOD_SECS above 0 ({SHAPE})"
        ));
    }
    let retry_after_secs = match parts.get(2) {
        Some(p) => num(p, SHAPE)?,
        None => 1,
    };
    let without_header = match parts.get(3) {
        Some(p) => parse_rate(p).map_err(|e| format!("{e}: expected {SHAPE}"))?,
        None => 0.0,
    };
    Ok(ftcollect::simulator::Storm {
        period: std::time::Duration::from_secs_f64(period),
        on: std::time::Duration::from_secs_f64(on),
        retry_after_secs,
        without_header,
    })
}

#[cfg(test)]
mod tests {
    use crate::cli::args::Cli;
    use clap::Parser;

    #[test]
    fn debug_hides_the_simulators_secrets() {
        let secret = "s3cr3t-value-9f2";
        let cli = Cli::try_parse_from([
            "ftcollect",
            "simulate",
            "--client-secret",
            secret,
            "--adzuna-app-key",
            secret,
        ])
        .unwrap();
        let shown = format!("{cli:?}");
        assert!(!shown.contains(secret), "{shown}");
    }
}
