//! The fault matrix and permanent failures: every run either completes with the exact id set of a
//! clean run, with retry counters equal to the faults the simulator injected, or stops cleanly
//! with its checkpoint and resumes without losing or repeating an offer.

use std::collections::BTreeSet;
use std::time::Duration;

use ftcollect::collect::{self, CollectConfig, RunStatus};
use ftcollect::error::{ApiError, Error};
use ftcollect::simulator::{Endpoint, FaultConfig, SimHandle};

use crate::collect::{config, csv_ids, expected};
use crate::harness::*;

/// A collection that makes enough requests for rare faults to happen: small pages, a short client
/// timeout (slow answers take 1.5 s), quick back-offs.
fn faulty_config(sim: &SimHandle, out: &std::path::Path) -> CollectConfig {
    let mut c = config(sim, out);
    c.results_per_page = 25;
    c.months = 12;
    c.http.request_timeout = Duration::from_secs(1);
    c.retry.max_attempts = 10;
    c
}

fn tokens_issued(sim: &SimHandle) -> u64 {
    sim.requests()
        .iter()
        .filter(|r| r.endpoint == Endpoint::Token && r.status == 200)
        .count() as u64
}

fn run_matrix_row(name: &str, faults: FaultConfig, token_ttl: Option<Duration>, delay: Duration) {
    let sim = sim_with(9000, |c| {
        c.faults = FaultConfig {
            slow_for: Duration::from_millis(1500),
            ..faults.clone()
        };
        if let Some(t) = token_ttl {
            c.token_ttl = t;
        }
    });
    let want: BTreeSet<String> = expected(&sim, 12);
    let dir = tempdir();
    let out = dir.path().join("f.csv");
    let mut c = faulty_config(&sim, &out);
    c.rate_limit_delay = delay;
    let o = collect::collect(&c).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(o.status, RunStatus::Complete, "{name}");
    assert_eq!(ftcollect::exit::code_for(o.status).code(), 0);
    let ids = csv_ids(&out);
    let set: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(ids.len(), set.len(), "{name}: no duplicate");
    assert_eq!(set, want, "{name}: the id set of a clean run");
    let s = o.summary.unwrap();
    let injected = sim.faults_injected();
    let r = &s.api.retries;
    eprintln!(
        "{name}: {} searches, injected {injected:?}, retries {r:?}, tokens {}",
        s.api.search_requests, s.api.token_requests
    );
    assert!(
        injected.total() > 0 || token_ttl.is_some(),
        "{name}: the faults were exercised"
    );
    assert_eq!(
        r.server_error,
        injected.server_errors(),
        "{name}: 5xx retries"
    );
    assert_eq!(
        r.rate_limited,
        injected.too_many() + sim.throttled(),
        "{name}: 429 retries"
    );
    assert_eq!(r.bad_body, injected.truncated, "{name}: truncated bodies");
    assert_eq!(
        r.connection, injected.dropped,
        "{name}: dropped connections"
    );
    assert_eq!(r.timeout, injected.slow, "{name}: slow answers");
    assert_eq!(s.api.token_requests, tokens_issued(&sim), "{name}: tokens");
    assert_eq!(s.api.status(429), injected.too_many() + sim.throttled());
    if let Some(ttl) = token_ttl {
        let min = (s.elapsed_seconds / ttl.as_secs_f64()).floor() as u64;
        assert!(
            s.api.token_requests >= min.max(2),
            "{name}: tokens renewed ({} for {:.1} s)",
            s.api.token_requests,
            s.elapsed_seconds
        );
    }
}

#[test]
fn fault_matrix_500_503() {
    let f = FaultConfig {
        server_error: 0.10,
        ..Default::default()
    };
    run_matrix_row("10% 500/503", f, None, Duration::ZERO);
}

#[test]
fn fault_matrix_429_with_and_without_retry_after() {
    let f = FaultConfig {
        rate_limit: 0.05,
        ..Default::default()
    };
    run_matrix_row("5% 429", f, None, Duration::ZERO);
}

#[test]
fn fault_matrix_truncated_bodies() {
    let f = FaultConfig {
        truncated: 0.02,
        ..Default::default()
    };
    run_matrix_row("2% truncated", f, None, Duration::ZERO);
}

#[test]
fn fault_matrix_dropped_connections() {
    let f = FaultConfig {
        dropped: 0.02,
        ..Default::default()
    };
    run_matrix_row("2% dropped", f, None, Duration::ZERO);
}

#[test]
fn fault_matrix_slow_answers() {
    let f = FaultConfig {
        slow: 0.02,
        ..Default::default()
    };
    run_matrix_row("2% slow", f, None, Duration::ZERO);
}

#[test]
fn fault_matrix_five_second_tokens() {
    // About 8 s of requests: the token is renewed (before expiry, or after a 401) several times.
    run_matrix_row(
        "5 s tokens",
        FaultConfig::default(),
        Some(Duration::from_secs(5)),
        Duration::from_millis(40),
    );
}

#[test]
fn fault_matrix_all_together() {
    let f = FaultConfig {
        server_error: 0.10,
        rate_limit: 0.05,
        truncated: 0.02,
        dropped: 0.02,
        slow: 0.02,
        ..Default::default()
    };
    run_matrix_row(
        "all together",
        f,
        Some(Duration::from_secs(5)),
        Duration::from_millis(20),
    );
}

/// Runs until complete, returning the statuses of the attempts.
fn resume_until_complete(c: &CollectConfig) -> RunStatus {
    collect::collect(c).unwrap().status
}

#[test]
fn the_api_down_from_the_start_then_back() {
    let sim = sim(3000);
    let want = expected(&sim, 12);
    let dir = tempdir();
    let out = dir.path().join("down.csv");
    let mut c = faulty_config(&sim, &out);
    c.retry.max_attempts = 3;
    sim.set_down(true);
    let o = collect::collect(&c).unwrap();
    assert_eq!(o.status, RunStatus::Incomplete);
    assert_eq!(ftcollect::exit::code_for(o.status).code(), 3);
    let s = o.summary.unwrap();
    assert!(
        s.problems
            .iter()
            .any(|p| p.contains("failed after 3 attempts") && p.contains("HTTP 503")),
        "{:?}",
        s.problems
    );
    assert_eq!(s.api.search_requests, 3, "bounded retries");
    assert!(
        collect::checkpoint::path_for(&out).exists(),
        "checkpoint kept"
    );
    sim.set_down(false);
    assert_eq!(resume_until_complete(&c), RunStatus::Complete);
    let ids = csv_ids(&out);
    assert_eq!(ids.len(), want.len());
    assert_eq!(ids.into_iter().collect::<BTreeSet<_>>(), want);
}

#[test]
fn the_api_going_down_halfway_stops_cleanly_and_the_next_run_completes() {
    let sim = std::sync::Arc::new(sim(12_000));
    let want = expected(&sim, 12);
    let dir = tempdir();
    let out = dir.path().join("half.csv");
    let mut c = faulty_config(&sim, &out);
    c.retry.max_attempts = 3;
    c.rate_limit_delay = Duration::from_millis(5);
    let watcher = {
        let sim = sim.clone();
        std::thread::spawn(move || {
            while sim.search_requests() < 60 {
                std::thread::sleep(Duration::from_millis(1));
            }
            sim.set_down(true);
        })
    };
    let o = collect::collect(&c).unwrap();
    watcher.join().unwrap();
    assert_eq!(o.status, RunStatus::Incomplete);
    let s = o.summary.unwrap();
    assert!(s.offers_written > 0 && (s.offers_written as usize) < want.len());
    assert!(s.slices.failed >= 1, "{:?}", s.slices);
    assert!(
        s.problems
            .iter()
            .any(|p| p.contains("run the same command again")),
        "{:?}",
        s.problems
    );
    sim.set_down(false);
    assert_eq!(resume_until_complete(&c), RunStatus::Complete);
    let ids = csv_ids(&out);
    let set: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(ids.len(), set.len(), "nothing twice");
    assert_eq!(set, want, "nothing lost");
}

#[test]
fn a_401_to_every_fresh_token_is_a_credentials_error_with_the_checkpoint_saved() {
    let sim = sim(3000);
    let want = expected(&sim, 12);
    let dir = tempdir();
    let out = dir.path().join("auth.csv");
    let c = faulty_config(&sim, &out);
    sim.set_reject_tokens(true);
    let err = collect::collect(&c).unwrap_err();
    assert!(
        matches!(err, Error::Api(ApiError::Credentials { .. })),
        "{err:?}"
    );
    assert_eq!(ftcollect::exit::code_for(&err).code(), 1);
    assert!(err.to_string().contains("freshly issued token"), "{err}");
    assert!(collect::checkpoint::path_for(&out).exists());
    assert!(
        sim.search_requests() <= 2,
        "no retry storm: {}",
        sim.search_requests()
    );
    sim.set_reject_tokens(false);
    assert_eq!(resume_until_complete(&c), RunStatus::Complete);
    assert_eq!(csv_ids(&out).into_iter().collect::<BTreeSet<_>>(), want);
}

#[test]
fn exit_codes_through_the_binary_for_a_down_api() {
    let sim = sim(2000);
    let dir = tempdir();
    let out = dir.path().join("bin.csv");
    let run = || {
        collect_binary(
            &sim,
            &[
                "--output",
                out.to_str().unwrap(),
                "--quiet",
                "--rate-limit-delay",
                "0",
                "--max-attempts",
                "2",
            ],
        )
        .output()
        .unwrap()
    };
    sim.set_down(true);
    let o = run();
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("INCOMPLETE") && err.contains("run the same command again"),
        "{err}"
    );
    sim.set_down(false);
    sim.set_reject_tokens(true);
    let o = run();
    assert_eq!(o.status.code(), Some(1));
    sim.set_reject_tokens(false);
    let o = run();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_run_past_its_429_budget_stops_like_an_outage_and_resumes_without_loss() {
    // Every API request answers 429 (half with `Retry-After: 1`): a 2-second budget runs out.
    let sim = sim_with(2000, |c| {
        c.faults = FaultConfig {
            rate_limit: 1.0,
            ..Default::default()
        }
    });
    let want: BTreeSet<String> = expected(&sim, 12);
    let dir = tempdir();
    let out = dir.path().join("t.csv");
    let mut c = config(&sim, &out);
    c.retry.throttle_budget = Duration::from_secs(2);
    let o = collect::collect(&c).expect("an incomplete run, not an error");
    assert_eq!(o.status, RunStatus::Incomplete);
    assert_eq!(ftcollect::exit::code_for(o.status).code(), 3);
    let s = o.summary.unwrap();
    assert!(
        s.problems
            .iter()
            .any(|p| p.contains("retry.throttle_budget") && p.contains("2s")),
        "{:?}",
        s.problems
    );
    assert!(s.api.throttled_responses > 0);
    assert!(
        s.api.throttle_wait_seconds > 0.5 && s.api.throttle_wait_seconds <= 2.0,
        "{:?}",
        s.api
    );
    assert!(s.render().contains("429s: "), "{}", s.render());
    assert!(ftcollect::collect::checkpoint::path_for(&out).is_file());
    // The storm is over: the same command resumes and completes, counters carried.
    sim.set_faults(FaultConfig::default());
    let o = collect::collect(&c).unwrap();
    assert_eq!(o.status, RunStatus::Complete);
    let set: BTreeSet<String> = csv_ids(&out).into_iter().collect();
    assert_eq!(set, want);
    let s2 = o.summary.unwrap();
    assert_eq!(s2.api.throttled_responses, s.api.throttled_responses);
    assert!((s2.api.throttle_wait_seconds - s.api.throttle_wait_seconds).abs() < 1e-6);
}
