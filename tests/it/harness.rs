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
