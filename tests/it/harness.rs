//! Shared test scaffolding: an in-process simulator on port 0, clients pointed at it, temp dirs.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use ftcollect::http::{Cancel, HttpSettings, RateLimiter, RetryPolicy, Transport};
use ftcollect::secret::Credentials;
use ftcollect::simulator::{self, SimConfig, SimHandle};
use ftcollect::source::france_travail::FranceTravailClient;

/// A fixed start time so universes are identical from run to run.
pub fn sim_now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap()
}

/// A simulator with `offers` offers, no rate limit, no faults, configured further by `f`.
pub fn sim_with(offers: usize, f: impl FnOnce(&mut SimConfig)) -> SimHandle {
    let mut c = SimConfig { offers, seed: 7, now: Some(sim_now()), rate_limit: 0.0, threads: 16, ..Default::default() };
    f(&mut c);
    simulator::start(c).expect("simulator starts")
}

pub fn sim(offers: usize) -> SimHandle {
    sim_with(offers, |_| {})
}

/// A retry policy with short waits so fault tests stay quick.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy { max_attempts: 8, base_backoff: Duration::from_millis(10), max_backoff: Duration::from_millis(200) }
}

pub fn transport(delay: Duration, timeout: Duration) -> Transport {
    let settings = HttpSettings { request_timeout: timeout, ..Default::default() };
    Transport::new(&settings, Arc::new(RateLimiter::new(delay)), fast_retry(), Cancel::new())
}

pub fn client(sim: &SimHandle) -> FranceTravailClient {
    client_with(sim, Duration::ZERO, Duration::from_secs(5), "demo-id", "demo-secret")
}

pub fn client_with(sim: &SimHandle, delay: Duration, timeout: Duration, id: &str, secret: &str) -> FranceTravailClient {
    FranceTravailClient::new(&sim.api_url(), &sim.token_url(), Credentials::new(id, secret), transport(delay, timeout))
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}
