//! A faithful local copy of the France Travail API (and Adzuna), for tests, benchmarks and the demo.
//!
//! `ftcollect simulate` runs it as a server; [`start`] runs it in-process on a free port and returns
//! a [`SimHandle`] with its base URLs, its request log and its switches. Invariant: the simulator
//! behaves like the real API as described in `docs/france-travail-api.md` (URLs, statuses, headers,
//! messages, pagination cap, rate limit), so a client only changes its two base URLs.

pub mod adzuna;
pub mod behaviour;
pub mod catalog;
pub mod faults;
pub mod geo;
pub mod lifecycle;
pub mod server;
pub mod universe;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use adzuna::AdzunaSimConfig;
pub use behaviour::{Behaviours, BulkSecond, Churn, Grain, ShortPages, Storm, Truth};
pub use faults::{FaultConfig, FaultCounts};
pub use lifecycle::{ScheduledRun, Sighting};
pub use server::{Endpoint, RequestRecord};
pub use universe::{CopySource, Mark, Query, Universe, UniverseConfig};

use crate::secret::Secret;

/// The simulator's settings (the `simulate` command's options). `Debug` hides the client secret.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Address to bind; port 0 picks a free one.
    pub bind: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub offers: usize,
    pub seed: u64,
    pub months: u32,
    pub token_ttl: Duration,
    /// Requests per second per client (0 = no limit); burst as many.
    pub rate_limit: f64,
    pub burst: f64,
    pub latency: Duration,
    pub faults: FaultConfig,
    /// The simulated start time (default: now).
    pub now: Option<DateTime<Utc>>,
    /// Days after the start for which offers keep appearing as the clock moves.
    pub future_days: u32,
    /// Handler threads.
    pub threads: usize,
    /// The Adzuna endpoint: keys, universe size, quota.
    pub adzuna: AdzunaSimConfig,
    /// Behaviours of the real API its documentation leaves open (all off by default).
    pub behaviours: Behaviours,
    /// Planted duplicates (reposts, Adzuna copies): none by default, like the behaviours, so a
    /// universe holds the offers asked for; `DuplicateShapes::REALISTIC` for `demo` and the
    /// duplicate tests.
    pub duplicates: DuplicateShapes,
}

/// How many planted duplicates the universes hold; the truth is [`SimHandle::planted_duplicates`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DuplicateShapes {
    /// France Travail reposts (new id, same job), as a share of its offers.
    pub reposts: f64,
    /// Adzuna jobs that copy a France Travail offer, as a share of the Adzuna universe's size
    /// (added to it).
    pub adzuna_copies: f64,
}

impl DuplicateShapes {
    /// None planted.
    pub const NONE: DuplicateShapes = DuplicateShapes {
        reposts: 0.0,
        adzuna_copies: 0.0,
    };
    /// The rates of a real market (see [`universe::REPOST_SHARE`], [`adzuna::COPY_SHARE`]).
    pub const REALISTIC: DuplicateShapes = DuplicateShapes {
        reposts: universe::REPOST_SHARE,
        adzuna_copies: adzuna::COPY_SHARE,
    };
}

impl Default for DuplicateShapes {
    fn default() -> Self {
        DuplicateShapes::NONE
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            bind: "127.0.0.1:0".into(),
            client_id: "demo-id".into(),
            client_secret: "demo-secret".into(),
            offers: 20_000,
            seed: 1,
            months: 14,
            token_ttl: Duration::from_secs(1499),
            rate_limit: 10.0,
            burst: 10.0,
            latency: Duration::ZERO,
            faults: FaultConfig::default(),
            now: None,
            future_days: 30,
            threads: 32,
            adzuna: AdzunaSimConfig::default(),
            behaviours: Behaviours::default(),
            duplicates: DuplicateShapes::default(),
        }
    }
}

/// A running simulator. Dropping it stops the server.
pub struct SimHandle {
    state: Arc<server::State>,
    server: Arc<tiny_http::Server>,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    base: String,
}

/// Generates the universe and starts serving.
pub fn start(config: SimConfig) -> std::io::Result<SimHandle> {
    let now = config.now.unwrap_or_else(Utc::now);
    let groups = config
        .behaviours
        .groups(config.seed, now.timestamp_millis(), config.months)
        .map_err(|m| std::io::Error::new(std::io::ErrorKind::InvalidInput, m))?;
    let universe = Universe::generate_with(
        UniverseConfig {
            seed: config.seed,
            offers: config.offers,
            months: config.months,
            now,
            future_days: config.future_days,
            reposts: config.duplicates.reposts,
        },
        &groups,
    );
    let copies = universe.adzuna_copy_sources(
        (config.adzuna.offers as f64 * config.duplicates.adzuna_copies).round() as usize,
    );
    let server =
        tiny_http::Server::http(&config.bind).map_err(|e| std::io::Error::other(e.to_string()))?;
    let port = server.server_addr().to_ip().map(|a| a.port()).unwrap_or(0);
    let host = config
        .bind
        .rsplit_once(':')
        .map(|(h, _)| h)
        .unwrap_or("127.0.0.1");
    let host = if host == "0.0.0.0" { "127.0.0.1" } else { host };
    let state = Arc::new(server::State::new(
        config.client_id.clone(),
        config.client_secret.expose().to_string(),
        config.token_ttl,
        config.rate_limit,
        config.burst,
        config.latency,
        universe,
        config.faults.clone(),
        config.seed,
        Some(adzuna::AdzunaSim::new(
            config.adzuna.clone(),
            config.seed,
            now,
            copies,
        )),
        config.behaviours.clone(),
    ));
    let server = Arc::new(server);
    let stop = Arc::new(AtomicBool::new(false));
    let threads = (0..config.threads.max(1))
        .map(|i| {
            let (server, state, stop) = (server.clone(), state.clone(), stop.clone());
            std::thread::Builder::new()
                .name(format!("sim-{i}"))
                .spawn(move || {
                    // Blocking `recv` (not `recv_timeout`, whose wake-ups can miss a request for a
                    // while); shutdown unblocks each thread.
                    while !stop.load(Relaxed) {
                        match server.recv() {
                            Ok(req) => server::handle(&state, req),
                            Err(_) => break,
                        }
                    }
                })
                .expect("spawning a simulator thread")
        })
        .collect();
    Ok(SimHandle {
        state,
        server,
        stop,
        threads,
        base: format!("http://{host}:{port}"),
    })
}

impl SimHandle {
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.base
    }
    /// The value for `FRANCE_TRAVAIL_API_URL`.
    pub fn api_url(&self) -> String {
        format!("{}{}", self.base, server::API_PREFIX)
    }
    /// The value for `FRANCE_TRAVAIL_TOKEN_URL`.
    pub fn token_url(&self) -> String {
        format!("{}{}?realm=%2Fpartenaire", self.base, server::TOKEN_PATH)
    }
    /// The value for `ADZUNA_API_URL`.
    pub fn adzuna_url(&self) -> String {
        format!("{}/adzuna/v1/api", self.base)
    }
    pub fn universe(&self) -> &Universe {
        &self.state.universe
    }
    /// Every request received so far.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.state.requests()
    }
    /// Search requests received so far.
    pub fn search_requests(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.endpoint == Endpoint::Search)
            .count()
    }
    pub fn faults_injected(&self) -> FaultCounts {
        self.state.injected.snapshot()
    }
    /// 429s answered by the token bucket (not injected).
    pub fn throttled(&self) -> u64 {
        self.state.throttled.load(Relaxed)
    }
    pub fn set_faults(&self, f: FaultConfig) {
        *self.state.faults.lock().unwrap_or_else(|e| e.into_inner()) = f;
    }
    /// Every API request answers 503 while down.
    pub fn set_down(&self, down: bool) {
        self.state.down.store(down, Relaxed);
    }
    /// Every access token the token endpoint issued so far, oldest first (for leak checks).
    pub fn issued_tokens(&self) -> Vec<String> {
        self.state.issued_tokens()
    }
    /// Every API request answers 401, whatever the token.
    pub fn set_reject_tokens(&self, reject: bool) {
        self.state.reject_tokens.store(reject, Relaxed);
    }
    /// The simulated clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.state.now()
    }
    pub fn set_now(&self, t: DateTime<Utc>) {
        self.state
            .clock_ms
            .store(t.timestamp_millis() as u64, Relaxed);
    }
    pub fn advance(&self, d: Duration) {
        self.state.clock_ms.fetch_add(d.as_millis() as u64, Relaxed);
    }
    /// The Adzuna clock: the simulated clock plus the real time since the start (so Adzuna's
    /// minute window rolls by itself); `advance`/`set_now` move it too.
    pub fn adzuna_now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(adzuna::AdzunaSim::now_ms(&self.state)).unwrap_or_default()
    }
    fn adzuna(&self) -> &adzuna::AdzunaSim {
        self.state
            .adzuna
            .as_ref()
            .expect("the simulator always serves Adzuna")
    }
    /// Ids of the Adzuna jobs a search for `what` within `max_days_old` returns now (sorted by date).
    pub fn adzuna_ids(&self, what: &str, max_days_old: Option<u32>) -> Vec<String> {
        self.adzuna()
            .ids_matching(what, max_days_old, adzuna::AdzunaSim::now_ms(&self.state))
    }
    /// Jobs in the Adzuna universe.
    pub fn adzuna_len(&self) -> usize {
        self.adzuna().len()
    }
    /// Adzuna calls counted against the simulated quota.
    pub fn adzuna_calls(&self) -> u64 {
        self.adzuna().calls()
    }
    /// Adzuna calls refused because a quota window was full.
    pub fn adzuna_refused(&self) -> u64 {
        self.adzuna().refused()
    }
    /// The next `n` authenticated Adzuna calls answer 503.
    pub fn adzuna_fail_next(&self, n: u32) {
        self.adzuna().fail_next(n)
    }
    /// What a history dataset fed by exactly `runs` must record for each offer they see.
    pub fn sightings(&self, runs: &[ScheduledRun]) -> std::collections::BTreeMap<String, Sighting> {
        self.state.universe.sightings(runs)
    }
    /// Ids of the offers the API would return for `q` now (the exact expected set for tests):
    /// the churn so far applied, the window read as asked (inclusive, exact: the bound behaviours
    /// change what the API answers, not what the user asked for).
    pub fn expected_ids(&self, q: &Query) -> Vec<String> {
        self.state.universe.ids_matching(q, self.state.now_ms())
    }
    /// A point of the churn history (and of the clock), to ask [`SimHandle::truth`] about later.
    pub fn mark(&self) -> Mark {
        self.state.universe.mark(self.state.now_ms())
    }
    /// What a collection of `q` run from `mark` until now must hold (`stayed`) and may hold
    /// (`ever`). The window of `q` is read inclusively at second level, whatever the bound
    /// behaviours. Without churn (and with the clock still), both are `expected_ids(q)`.
    pub fn truth(&self, mark: &Mark, q: &Query) -> Truth {
        let (stayed, ever) = self.state.universe.truth(mark, q, self.state.now_ms());
        Truth { stayed, ever }
    }
    /// The planted duplicates: (duplicate, original) as `source/id` — France Travail reposts and
    /// Adzuna copies of France Travail offers.
    pub fn planted_duplicates(&self) -> Vec<(String, String)> {
        let ft = crate::normalize::france_travail::SOURCE;
        let az = crate::normalize::adzuna::SOURCE;
        let mut out: Vec<(String, String)> = self
            .state
            .universe
            .reposts()
            .into_iter()
            .map(|(r, o)| (format!("{ft}/{r}"), format!("{ft}/{o}")))
            .collect();
        out.extend(
            self.adzuna()
                .copies()
                .into_iter()
                .map(|(c, o)| (format!("{az}/{c}"), format!("{ft}/{o}"))),
        );
        out
    }
    /// Offers (withdrawn, published) by the churn so far.
    pub fn churn_counts(&self) -> (u64, u64) {
        self.state.universe.churn_counts()
    }
    /// 429s answered by a storm.
    pub fn storm_429s(&self) -> u64 {
        self.state.storm_429s.load(Relaxed)
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.stop.store(true, Relaxed);
        for _ in 0..self.threads.len() {
            self.server.unblock();
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}
