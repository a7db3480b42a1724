//! What the fuzzers found, kept as regression tests, and a short seeded run of the fuzz targets'
//! generators and properties (`fuzz/src/props.rs`, shared with the `cargo fuzz` targets; the long
//! runs are documented in `docs/fuzzing.md`).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use ftcollect::error::ApiError;
use ftcollect::http::{Cancel, HttpSettings, RateLimiter, RetryPolicy, Transport};
use ftcollect::source::adzuna::{AdzunaClient, AdzunaKeys, SearchQuery};

#[path = "../../fuzz/src/props.rs"]
mod props;

use props::*;

impl Choices for fastrand::Rng {
    fn below(&mut self, n: usize) -> usize {
        self.usize(0..n.max(1))
    }
    fn bits(&mut self) -> u64 {
        self.u64(..)
    }
}

const REAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/real");

/// The real fixtures (their absence fails in CI); elsewhere the seeds fall back to hand-written
/// offers.
fn real() -> std::path::PathBuf {
    crate::harness::real_fixtures().unwrap_or_else(|| REAL.into())
}

/// How many generated cases each quick property run checks (the fuzzers run millions).
fn cases(n: usize) -> usize {
    std::env::var("FTCOLLECT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(n)
}

// ---------------------------------------------------------------------------------------------
// Retry-After

#[test]
fn retry_after_regressions() {
    // Found by the `retry_after` target: a wait of 10^13 s or until year 9999 was returned as is,
    // and the Adzuna client's `now + wait` (when its quota reopens) overflowed chrono and panicked.
    for v in [
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "10000000000000",
        "18446744073709551615",
        "184467440737095516150",
        "1e300",
        "-0",
        "0.0",
    ] {
        check_retry_after(v, fetched_at());
    }
}

#[test]
fn retry_after_properties_hold_on_generated_values() {
    let mut rng = fastrand::Rng::with_seed(1);
    for _ in 0..cases(20_000) {
        let now = some_now(&mut rng);
        let v = retry_after_value(&mut rng);
        check_retry_after(&v, now);
    }
}

/// A one-request HTTP server on loopback that answers `reply` and closes.
fn one_shot(reply: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = listener.accept() {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(reply.as_bytes());
        }
    });
    format!("http://{addr}/v1/api")
}

#[test]
fn adzuna_429_with_a_huge_retry_after_stops_on_quota_without_panicking() {
    // Before the fix this panicked in the client (`DateTime + TimeDelta overflowed`).
    let url = one_shot(
        "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 10000000000000\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    let transport = Transport::new(
        &HttpSettings {
            request_timeout: Duration::from_secs(5),
            ..Default::default()
        },
        Arc::new(RateLimiter::new(Duration::ZERO)),
        RetryPolicy {
            max_attempts: 1,
            base_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(1),
            ..RetryPolicy::default()
        },
        Cancel::new(),
    );
    let client = AdzunaClient::new(&url, "fr", AdzunaKeys::new("app", "key"), transport, None);
    let r = client.search(&SearchQuery {
        page: 1,
        results_per_page: 10,
        ..Default::default()
    });
    match r {
        Err(ApiError::Quota { reopens_at, .. }) => {
            assert!(reopens_at > chrono::Utc::now() + chrono::TimeDelta::days(365 * 30));
        }
        other => panic!("expected a quota stop, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Content-Range

#[test]
fn content_range_regressions() {
    // Found by the `content_range` target: a range ending at or past the total was accepted.
    for v in [
        "offres 42880953540608-18446744073709551615/0",
        "offres 0-149/100",
        "offres 0-0/0",
    ] {
        check_content_range(v);
        assert_eq!(
            ftcollect::source::france_travail::params::parse_content_range(v),
            None,
            "{v}"
        );
    }
}

#[test]
fn content_range_properties_hold_on_generated_values() {
    let mut rng = fastrand::Rng::with_seed(2);
    for _ in 0..cases(20_000) {
        let (v, expected) = content_range_value(&mut rng);
        check_content_range(&v);
        if let Some(expected) = expected {
            assert_eq!(
                ftcollect::source::france_travail::params::parse_content_range(&v),
                expected,
                "{v:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Salary labels

#[test]
fn salary_properties_hold_on_generated_labels() {
    let mut rng = fastrand::Rng::with_seed(3);
    for _ in 0..cases(5_000) {
        check_salary_case(&salary_case(&mut rng));
        check_salary(&mutated_salary_label(&mut rng));
    }
}

#[test]
fn salary_properties_hold_on_every_real_label() {
    for o in real_france_travail_offers(&real()) {
        if let Some(l) = o.pointer("/salaire/libelle").and_then(|v| v.as_str()) {
            check_salary(l);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Raw offers

#[test]
fn france_travail_offer_regressions() {
    // Found by the `france_travail_offer` target: a duplicate key (valid JSON; the last or first
    // value is kept by other parsers) failed the whole offer, and with it the whole page.
    for body in [
        r#"{"id":"167TBYS","salaire":{"commentaire":"x","complement2":"Primes","complement2":"Autre"}}"#,
        r#"{"id":"A","id":"B"}"#,
        r#"{"resultats":[{"id":"A","intitule":"x","intitule":"y"}],"resultats":[]}"#,
        // The CSV round trip turned an empty description or salary comment into null.
        r#"{"id":"X3","description":"","salaire":{"commentaire":""}}"#,
        // Timestamps the CSV cannot write back identically (or at all).
        r#"{"id":"T1","dateCreation":"2024-11-28T14:23:11.4705Z","dateActualisation":"2024-12-31T23:59:60Z"}"#,
        r#"{"id":"T2","dateCreation":"0000-01-01T00:00:00+01:00","dateActualisation":"12345-01-01"}"#,
    ] {
        check_france_travail_bytes(body.as_bytes());
    }
}

#[test]
fn france_travail_properties_hold_on_real_and_mutated_offers() {
    let bases = real_france_travail_offers(&real());
    for b in &bases {
        check_france_travail_bytes(&serde_json::to_vec(b).unwrap());
    }
    let mut rng = fastrand::Rng::with_seed(4);
    for _ in 0..cases(2_000) {
        let v = mutated_offer(&bases, &mut rng, FT_KEYS);
        check_france_travail_bytes(&serde_json::to_vec(&v).unwrap());
    }
}

#[test]
fn adzuna_job_regressions() {
    // Found by the `adzuna_job` target: a duplicate key failed the whole job.
    for body in [
        r#"{"id":"4076939816","title":"JavaScript Developer","title":"x"}"#,
        r#"{"results":[{"id":"1","location":{"area":["France"],"area":["UK"]}}]}"#,
        // A lone longitude off the globe reached the row.
        r#"{"id":"2742818123","longitude":197714755723337.0,"location":{"area":["France","Ile-de-France","Seine-Saint-Denis"]}}"#,
        // Text left empty by removing highlight tags or tracking parameters became `""`.
        r#"{"id":"3","company":{"display_name":"<strong></strong>"},"description":"<strong></strong>","redirect_url":"?utm_source=0a1b2c3d"}"#,
    ] {
        check_adzuna_bytes(body.as_bytes());
    }
}

#[test]
fn adzuna_properties_hold_on_real_and_mutated_jobs() {
    let bases = real_adzuna_jobs(&real());
    for b in &bases {
        check_adzuna_bytes(&serde_json::to_vec(b).unwrap());
    }
    let mut rng = fastrand::Rng::with_seed(5);
    for _ in 0..cases(1_000) {
        let v = mutated_offer(&bases, &mut rng, ADZUNA_KEYS);
        check_adzuna_bytes(&serde_json::to_vec(&v).unwrap());
    }
}
