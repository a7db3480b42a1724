//! `demo` and `simulate`: the built-in simulator, in the binary only when the `simulator`
//! feature is on (the default). A lean collector (`--no-default-features`) has neither command.

use std::time::Duration;

use crate::cli::commands::{install_signal_handler, print_out, report};
use crate::cli::resolve::sources_of;
use crate::cli::sim_args::{DemoArgs, SimulateArgs};
use ftcollect::collect::{self, AdzunaSettings, CollectConfig, FranceTravailSettings};
use ftcollect::error::Error;
use ftcollect::exit::{ExitCode, code_for};
use ftcollect::http::Cancel;
use ftcollect::secret::Credentials;
use ftcollect::simulator::{self, AdzunaSimConfig, FaultConfig, SimConfig};
use ftcollect::sink::csv as csv_sink;
use ftcollect::source::adzuna::AdzunaKeys;

/// The demo: the simulator in-process, a default collection against it over real HTTP.
pub fn demo(a: &DemoArgs) -> Result<ExitCode, Error> {
    let sources = sources_of(&a.source);
    let sim = simulator::start(SimConfig {
        offers: a.offers,
        seed: a.seed,
        // A small Adzuna universe: its pages fit in one minute window of the quota.
        adzuna: AdzunaSimConfig {
            offers: 600,
            ..AdzunaSimConfig::default()
        },
        // Reposts and Adzuna copies of France Travail offers, as in a real market.
        duplicates: simulator::DuplicateShapes::REALISTIC,
        ..SimConfig::default()
    })
    .map_err(|e| Error::io("cannot start the simulator on a loopback port", e))?;
    if !a.quiet {
        eprintln!(
            "demo: simulator on {} ({}); collecting the default query (5 ROME codes, 12 months) from {} into {}",
            sim.base_url(),
            offers_line(&sim),
            sources.names().join(" and "),
            a.output.display()
        );
    }
    // The demo's Adzuna quota ledger sits beside its output: the user's real one is never touched.
    let demo_quota = ftcollect::fsutil::with_suffix(&a.output, "adzuna-quota.json");
    // The demo always starts fresh: its own previous files are replaced, nothing else is touched.
    let ours = a.output.is_file()
        && !matches!(
            csv_sink::check_header(&a.output)?,
            csv_sink::HeaderCheck::Foreign { .. }
        );
    for p in [
        collect::checkpoint::path_for(&a.output),
        collect::summary::path_for(&a.output),
        demo_quota.clone(),
        ftcollect::fsutil::with_suffix(&demo_quota, "lock"),
    ] {
        if ours && p.is_file() {
            std::fs::remove_file(&p)
                .map_err(|e| Error::io(format!("cannot replace {}", p.display()), e))?;
        }
    }
    if ours {
        std::fs::remove_file(&a.output)
            .map_err(|e| Error::io(format!("cannot replace {}", a.output.display()), e))?;
    }
    let mut c = CollectConfig::new(
        a.output.clone(),
        FranceTravailSettings {
            api_url: sim.api_url(),
            token_url: sim.token_url(),
            credentials: Credentials::new("demo-id", "demo-secret"),
        },
    );
    c.quiet = a.quiet;
    c.parquet = Some(a.output.with_extension("parquet"));
    c.sources = sources;
    if sources.adzuna {
        let defaults = AdzunaSimConfig::default();
        let mut z = AdzunaSettings::new(
            sim.adzuna_url(),
            AdzunaKeys::new(defaults.app_id, defaults.app_key),
            demo_quota,
        );
        // The simulator enforces the same quota: a quicker pace only meets the minute window.
        z.rate_limit_delay = Duration::from_millis(250);
        c.adzuna = Some(z);
    }
    install_signal_handler(&c.cancel);
    let outcome = collect::collect(&c)?;
    report(&outcome);
    Ok(code_for(outcome.status))
}

pub fn simulate(a: &SimulateArgs) -> Result<ExitCode, Error> {
    let config = SimConfig {
        bind: format!("{}:{}", a.host, a.port),
        client_id: a.client_id.clone(),
        client_secret: a.client_secret.clone(),
        offers: a.offers,
        seed: a.seed,
        months: a.months,
        token_ttl: Duration::from_secs(a.token_ttl),
        rate_limit: a.rate_limit.max(0.0),
        burst: a.rate_limit.max(1.0),
        latency: Duration::from_millis(a.latency_ms),
        faults: FaultConfig::spread(a.fault_rate),
        now: a.now,
        future_days: a.future_days,
        adzuna: AdzunaSimConfig {
            app_id: a.adzuna_app_id.clone(),
            app_key: a.adzuna_app_key.clone(),
            offers: a.adzuna_offers,
            limits: a.adzuna_limits,
        },
        behaviours: a.behaviours(),
        duplicates: if a.duplicates {
            simulator::DuplicateShapes::REALISTIC
        } else {
            simulator::DuplicateShapes::NONE
        },
        ..SimConfig::default()
    };
    let sim = simulator::start(config)
        .map_err(|e| Error::io(format!("cannot listen on {}:{}", a.host, a.port), e))?;
    // A closed stdout is no reason to stop serving: a caller may read the first line and close
    // the pipe (the benchmarks do).
    // Lines that can be pasted into a shell or a `.env` file as they are: the simulator's own
    // credentials are test values the user chose on this command line, not secrets.
    let banner = format!(
        "simulator ready on {} ({}, seed {}; clock: {}/_sim/control?advance_secs=N)\n\
         FRANCE_TRAVAIL_API_URL={}\n\
         FRANCE_TRAVAIL_TOKEN_URL={}\n\
         FRANCE_TRAVAIL_ID={}\n\
         FRANCE_TRAVAIL_KEY={}\n\
         ADZUNA_API_URL={}\n\
         ADZUNA_APP_ID={}\n\
         ADZUNA_APP_KEY={}\n",
        sim.base_url(),
        offers_line(&sim),
        a.seed,
        sim.base_url(),
        sim.api_url(),
        sim.token_url(),
        a.client_id,
        a.client_secret.expose(),
        sim.adzuna_url(),
        a.adzuna_app_id,
        a.adzuna_app_key.expose(),
    );
    print_out(&banner);
    let cancel = Cancel::new();
    install_signal_handler(&cancel);
    while !cancel.is_cancelled() {
        std::thread::sleep(Duration::from_millis(200));
    }
    Ok(ExitCode::Success)
}

/// What the simulator serves, said the same way by `simulate` and `demo`: the offers online at
/// its clock's time, and those that appear later as the clock moves.
pub fn offers_line(sim: &simulator::SimHandle) -> String {
    let now = sim.now().timestamp_millis();
    let online = sim
        .universe()
        .recs()
        .iter()
        .filter(|r| r.is_active(now))
        .count();
    let later = sim
        .universe()
        .recs()
        .iter()
        .filter(|r| r.created > now)
        .count();
    format!("{online} offers online now, {later} more appearing as its clock moves")
}
