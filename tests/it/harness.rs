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
    let mut c = SimConfig {
        offers,
        seed: 7,
        now: Some(sim_now()),
        rate_limit: 0.0,
        threads: 16,
        ..Default::default()
    };
    f(&mut c);
    simulator::start(c).expect("simulator starts")
}

pub fn sim(offers: usize) -> SimHandle {
    sim_with(offers, |_| {})
}

/// A retry policy with short waits so fault tests stay quick.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 8,
        base_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(200),
        ..RetryPolicy::default()
    }
}

pub fn transport(delay: Duration, timeout: Duration) -> Transport {
    let settings = HttpSettings {
        request_timeout: timeout,
        ..Default::default()
    };
    Transport::new(
        &settings,
        Arc::new(RateLimiter::new(delay)),
        fast_retry(),
        Cancel::new(),
    )
}

pub fn client(sim: &SimHandle) -> FranceTravailClient {
    client_with(
        sim,
        Duration::ZERO,
        Duration::from_secs(5),
        "demo-id",
        "demo-secret",
    )
}

pub fn client_with(
    sim: &SimHandle,
    delay: Duration,
    timeout: Duration,
    id: &str,
    secret: &str,
) -> FranceTravailClient {
    FranceTravailClient::new(
        &sim.api_url(),
        &sim.token_url(),
        Credentials::new(id, secret),
        transport(delay, timeout),
    )
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// A Python interpreter with duckdb, pyarrow and pandas: `$FTCOLLECT_PYTHON` if set (`.ci/run` sets
/// it), otherwise a virtual environment created once under `target/test-venv`.
pub fn python() -> std::path::PathBuf {
    static PY: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    PY.get_or_init(|| {
        if let Ok(p) = std::env::var("FTCOLLECT_PYTHON") {
            return p.into();
        }
        let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv");
        let py = venv.join("bin/python");
        let ready = venv.join(".ready");
        if !ready.exists() {
            let lock = std::fs::File::create(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv.lock"),
            )
            .unwrap();
            lock.lock().unwrap();
            if !ready.exists() {
                let ok = std::process::Command::new("python3")
                    .args(["-m", "venv"])
                    .arg(&venv)
                    .status()
                    .unwrap()
                    .success();
                assert!(ok, "python3 -m venv failed: install Python 3 with venv");
                let ok = std::process::Command::new(&py)
                    .args([
                        "-m",
                        "pip",
                        "install",
                        "--quiet",
                        "--disable-pip-version-check",
                        "duckdb",
                        "pyarrow",
                        "pandas",
                    ])
                    .status()
                    .unwrap()
                    .success();
                assert!(ok, "pip install duckdb pyarrow pandas failed");
                std::fs::write(&ready, b"").unwrap();
            }
        }
        py
    })
    .clone()
}

/// Runs a Python script with arguments and returns its stdout parsed as JSON.
pub fn run_python(script: &str, args: &[&str]) -> serde_json::Value {
    let out = std::process::Command::new(python())
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "python printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// The options pointing the binary at `sim`: its URLs and its frozen clock.
pub fn sim_args(sim: &SimHandle) -> Vec<String> {
    vec![
        "--api-url".into(),
        sim.api_url(),
        "--token-url".into(),
        sim.token_url(),
        "--now".into(),
        sim.now().to_rfc3339(),
    ]
}

/// The `ftcollect` binary running `collect` with `args` against `sim`: its URLs, its frozen clock,
/// its demo credentials, and no `RUST_LOG` from the environment.
pub fn collect_binary(sim: &SimHandle, args: &[&str]) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_ftcollect"));
    c.args(args)
        .args(sim_args(sim))
        .env("FRANCE_TRAVAIL_ID", "demo-id")
        .env("FRANCE_TRAVAIL_KEY", "demo-secret")
        .env_remove("RUST_LOG");
    c
}

/// One request a [`StubApi`] answered.
#[derive(Clone, Debug)]
pub struct StubHit {
    /// When it arrived, since the stub started.
    pub at: Duration,
    pub status: u16,
    /// The `Retry-After` sent back, if any.
    pub retry_after: Option<String>,
}

/// A stub France Travail API on loopback (tiny_http): a token at `/token`, and every request under
/// `/api` answered by `answer(time since start, number of the request)` with a status and headers
/// (no body: a 204 is an empty page). Every API request is logged.
pub struct StubApi {
    pub base: String,
    hits: Arc<std::sync::Mutex<Vec<StubHit>>>,
}

type Answer = (u16, Vec<(&'static str, String)>);

impl StubApi {
    pub fn start(answer: impl Fn(Duration, usize) -> Answer + Send + 'static) -> StubApi {
        let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
        let port = server.server_addr().to_ip().unwrap().port();
        let hits = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = hits.clone();
        let started = std::time::Instant::now();
        std::thread::spawn(move || {
            for mut req in server.incoming_requests() {
                let mut sink = Vec::new();
                let _ = std::io::Read::read_to_end(req.as_reader(), &mut sink);
                let header = |k: &str, v: &str| tiny_http::Header::from_bytes(k, v).unwrap();
                if req.url().starts_with("/token") {
                    let r = tiny_http::Response::from_string(
                        r#"{"access_token":"stub-token","token_type":"Bearer","expires_in":1499}"#,
                    )
                    .with_header(header("Content-Type", "application/json"));
                    let _ = req.respond(r);
                    continue;
                }
                let at = started.elapsed();
                let n = log.lock().unwrap().len();
                let (status, headers) = answer(at, n);
                let retry_after = headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("retry-after"))
                    .map(|(_, v)| v.clone());
                log.lock().unwrap().push(StubHit {
                    at,
                    status,
                    retry_after,
                });
                let mut r = tiny_http::Response::empty(status);
                for (k, v) in &headers {
                    r = r.with_header(header(k, v));
                }
                let _ = req.respond(r);
            }
        });
        StubApi {
            base: format!("http://127.0.0.1:{port}"),
            hits,
        }
    }

    pub fn hits(&self) -> Vec<StubHit> {
        self.hits.lock().unwrap().clone()
    }

    /// A client of this stub with no delay of its own, quick back-offs and this 429 budget.
    pub fn client(&self, throttle_budget: Duration) -> FranceTravailClient {
        let mut t = transport(Duration::ZERO, Duration::from_secs(5));
        t.retry.throttle_budget = throttle_budget;
        FranceTravailClient::new(
            &format!("{}/api", self.base),
            &format!("{}/token", self.base),
            Credentials::new("stub-id", "stub-secret"),
            t,
        )
    }
}

/// The real payloads captured from the live APIs (`../shared/fixtures/real`, never copied into
/// the repository), or `None` with a `SKIPPED` line on a machine that does not have them. In CI
/// (`CI` set) their absence fails the test instead: a green CI must have checked them.
pub fn real_fixtures() -> Option<std::path::PathBuf> {
    let p = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/fixtures/real"
    ));
    if p.is_dir() {
        return Some(p.to_path_buf());
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but the real fixtures are missing at {}: clone the repository beside `shared/`",
        p.display()
    );
    println!("SKIPPED: real fixtures not found at {}", p.display());
    None
}

/// The duplicate groups `rows` form (rows sharing a `duplicate_group` with another row), each as
/// its sorted ids, in sorted order.
pub fn groups_formed(rows: &[ftcollect::normalize::NormalizedOffer]) -> Vec<Vec<&str>> {
    let groups = ftcollect::normalize::duplicates::duplicate_groups(rows);
    let mut by_group: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for (r, g) in rows.iter().zip(&groups) {
        if let Some(g) = g {
            by_group.entry(g.as_str()).or_default().push(r.id.as_str());
        }
    }
    let mut formed: Vec<Vec<&str>> = by_group.into_values().collect();
    for g in &mut formed {
        g.sort();
    }
    formed.sort();
    formed
}
