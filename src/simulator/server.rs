//! The simulator's HTTP side: the real URL layout, statuses, headers and French error messages.
//!
//! Invariant: a client talks to the simulator exactly as to the real API (only the two base URLs
//! change). Checks run in the real API's order — token, rate limit, then the request itself — and
//! every request is recorded (arrival time, query, status, injected fault) for tests to inspect.

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;
use tiny_http::{Method, Request};

use super::behaviour::{self, Behaviours};
use super::catalog::{self, ROMES};
use super::faults::{Fault, FaultConfig, FaultCounters};
use super::geo::DEPTS;
use super::universe::{Query, Universe, fold};
use crate::source::france_travail::params::{self as p, check_range, param_error};

pub const TOKEN_PATH: &str = "/connexion/oauth2/access_token";
pub const API_PREFIX: &str = "/partenaire/offresdemploi";

/// Which endpoint a request hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Endpoint {
    Token,
    Search,
    Offer,
    Referentiel,
    Adzuna,
    Control,
    Unknown,
}

/// One request as the simulator saw it.
#[derive(Clone, Debug, Serialize)]
pub struct RequestRecord {
    /// Arrival, relative to the simulator's start.
    #[serde(serialize_with = "ser_duration")]
    pub at: Duration,
    pub endpoint: Endpoint,
    /// The query string without `range` (identifies a slice).
    pub query: String,
    pub range: Option<(u32, u32)>,
    pub status: u16,
    pub fault: Option<Fault>,
}

fn ser_duration<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

struct Bucket {
    tokens: f64,
    last: Instant,
}

/// Everything the handlers share.
pub struct State {
    pub client_id: String,
    pub client_secret: String,
    pub token_ttl: Duration,
    /// Requests per second per client (0 = unlimited) and burst.
    pub rate_limit: f64,
    pub burst: f64,
    pub latency: Duration,
    pub universe: Universe,
    pub started: Instant,
    /// The simulated "now", in milliseconds.
    pub clock_ms: AtomicU64,
    pub faults: Mutex<FaultConfig>,
    pub fault_rng: Mutex<fastrand::Rng>,
    pub injected: FaultCounters,
    pub throttled: AtomicU64,
    pub down: AtomicBool,
    pub reject_tokens: AtomicBool,
    tokens: Mutex<HashMap<String, Instant>>,
    /// Every access token issued, in order (for the tests that check none leaks).
    issued: Mutex<Vec<String>>,
    token_rng: Mutex<fastrand::Rng>,
    buckets: Mutex<HashMap<String, Bucket>>,
    log: Mutex<Vec<RequestRecord>>,
    cache: Mutex<Vec<(String, Arc<Vec<u32>>)>>,
    pub adzuna: Option<super::adzuna::AdzunaSim>,
    /// The behaviours the documentation leaves open (all off by default).
    pub behaviours: Behaviours,
    behaviour_rng: Mutex<fastrand::Rng>,
    /// ROME indices of the default codes (half of the churn's publications pick among them).
    favoured_romes: Vec<u8>,
    /// 429s answered by a storm.
    pub storm_429s: AtomicU64,
}

const CACHE_SIZE: usize = 64;

impl State {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        client_id: String,
        client_secret: String,
        token_ttl: Duration,
        rate_limit: f64,
        burst: f64,
        latency: Duration,
        universe: Universe,
        faults: FaultConfig,
        seed: u64,
        adzuna: Option<super::adzuna::AdzunaSim>,
        behaviours: Behaviours,
    ) -> Self {
        let now = universe.config.now.timestamp_millis() as u64;
        State {
            client_id,
            client_secret,
            token_ttl,
            rate_limit,
            burst,
            latency,
            universe,
            started: Instant::now(),
            clock_ms: AtomicU64::new(now),
            faults: Mutex::new(faults),
            fault_rng: Mutex::new(fastrand::Rng::with_seed(seed ^ 0xFA17)),
            injected: FaultCounters::default(),
            throttled: AtomicU64::new(0),
            down: AtomicBool::new(false),
            reject_tokens: AtomicBool::new(false),
            tokens: Mutex::new(HashMap::new()),
            issued: Mutex::new(Vec::new()),
            token_rng: Mutex::new(fastrand::Rng::with_seed(seed ^ 0x70C3)),
            buckets: Mutex::new(HashMap::new()),
            log: Mutex::new(Vec::new()),
            cache: Mutex::new(Vec::new()),
            adzuna,
            behaviours,
            behaviour_rng: Mutex::new(fastrand::Rng::with_seed(seed ^ 0xBE4A)),
            favoured_romes: behaviour::DEFAULT_ROMES
                .iter()
                .filter_map(|c| behaviour::rome_index(c))
                .collect(),
            storm_429s: AtomicU64::new(0),
        }
    }

    pub fn now_ms(&self) -> i64 {
        self.clock_ms.load(Relaxed) as i64
    }

    pub fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.now_ms()).unwrap_or_default()
    }

    pub fn requests(&self) -> Vec<RequestRecord> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn record(&self, rec: RequestRecord) {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).push(rec);
    }

    /// Token bucket: the tokens left if the request may proceed, else the wait for the next one.
    fn take_token(&self, client: &str) -> Result<f64, Duration> {
        if self.rate_limit <= 0.0 {
            return Ok(self.burst);
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let b = buckets.entry(client.to_string()).or_insert(Bucket {
            tokens: self.burst,
            last: now,
        });
        b.tokens = (b.tokens + (now - b.last).as_secs_f64() * self.rate_limit).min(self.burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(b.tokens)
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / self.rate_limit))
        }
    }

    fn issue_token(&self) -> String {
        let mut rng = self.token_rng.lock().unwrap_or_else(|e| e.into_inner());
        let token: String = (0..32).map(|_| rng.alphanumeric()).collect();
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        tokens.retain(|_, exp| *exp > now);
        tokens.insert(token.clone(), now + self.token_ttl);
        self.issued
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(token.clone());
        token
    }

    /// Every access token issued so far.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.issued
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn token_valid(&self, header: Option<&str>) -> bool {
        let Some(token) = header.and_then(|h| h.strip_prefix("Bearer ")) else {
            return false;
        };
        let tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        tokens.get(token).is_some_and(|exp| *exp > Instant::now())
    }

    /// The search's hits (handles, see [`Universe::search_live`]); keyed on the clock and the
    /// churn step, so a moved stock is never served from the cache.
    fn cached_search(&self, key: &str, q: &Query, generation: u64) -> Arc<Vec<u32>> {
        let now = self.now_ms();
        let key = format!("{now}|{generation}|{key}");
        {
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(i) = cache.iter().position(|(k, _)| *k == key) {
                let hit = cache.remove(i);
                let v = hit.1.clone();
                cache.push(hit);
                return v;
            }
        }
        let v = Arc::new(self.universe.search_live(q, now));
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= CACHE_SIZE {
            cache.remove(0);
        }
        cache.push((key, v.clone()));
        v
    }
}

/// The reply a handler produced, written by [`respond`].
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub fn json(status: u16, body: Vec<u8>) -> Self {
        Reply {
            status,
            body,
            headers: vec![("Content-Type", "application/json;charset=UTF-8".into())],
        }
    }
    pub fn empty(status: u16) -> Self {
        Reply {
            status,
            body: Vec::new(),
            headers: Vec::new(),
        }
    }
    fn api_error(status: u16, message: &str) -> Self {
        let body = serde_json::json!({"codeHttp": status, "message": message});
        Reply::json(status, body.to_string().into_bytes())
    }
    pub fn with(mut self, k: &'static str, v: impl Into<String>) -> Self {
        self.headers.push((k, v.into()));
        self
    }
}

/// Decodes a query string into pairs.
pub fn query_pairs(url: &str) -> (String, Vec<(String, String)>) {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    (
        path.to_string(),
        form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect(),
    )
}

/// Handles one request; returns `None` when the connection was deliberately broken.
pub fn handle(state: &State, mut req: Request) {
    let arrival = state.started.elapsed();
    let (path, pairs) = query_pairs(req.url());
    if !state.latency.is_zero() {
        std::thread::sleep(state.latency);
    }
    let endpoint = classify(&path);
    let mut record = RequestRecord {
        at: arrival,
        endpoint,
        // Adzuna's key travels in the query string: it never enters the log.
        query: pairs
            .iter()
            .filter(|(k, _)| k != "range" && k != "app_key")
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&"),
        range: pairs
            .iter()
            .find(|(k, _)| k == "range")
            .and_then(|(_, v)| parse_range(v).ok()),
        status: 0,
        fault: None,
    };
    let reply = match endpoint {
        Endpoint::Token => {
            let mut body = String::new();
            let _ = std::io::Read::read_to_string(req.as_reader(), &mut body);
            token(state, req.method(), &pairs, &body)
        }
        Endpoint::Control => control(state, &pairs),
        Endpoint::Adzuna => match &state.adzuna {
            Some(a) => a.handle(state, &path, &pairs),
            None => Reply::empty(404),
        },
        Endpoint::Unknown => Reply::json(404, br#"{"message":"Not found"}"#.to_vec()),
        Endpoint::Search | Endpoint::Offer | Endpoint::Referentiel => {
            let auth = req
                .headers()
                .iter()
                .find(|h| h.field.equiv("Authorization"))
                .map(|h| h.value.as_str().to_string());
            match api(state, endpoint, &path, &pairs, auth.as_deref(), &mut record) {
                Some(r) => r,
                None => {
                    // A broken connection: no valid HTTP response at all.
                    record.status = 0;
                    state.record(record);
                    let mut w = req.into_writer();
                    let _ = w.write_all(b"\x00\x00 connection dropped by the simulator\r\n\r\n");
                    let _ = w.flush();
                    return;
                }
            }
        }
    };
    record.status = reply.status;
    if endpoint != Endpoint::Control {
        state.record(record);
    }
    respond(req, reply);
}

/// Writes the whole response with a single write: tiny_http's own writer sends the head and the
/// body separately, which on a keep-alive connection meets Nagle's algorithm and the client's
/// delayed ACK (a 40 ms stall per small response).
///
/// Every response closes its connection: tiny_http serves each connection on a pooled thread for as
/// long as it stays open, and its pool can leave a new connection queued behind busy keep-alive
/// ones when several arrive at once (a request then waits seconds for a thread). Short connections
/// free their thread at once; on loopback a new connection costs a fraction of a millisecond.
fn respond(req: Request, reply: Reply) {
    let reason = match reply.status {
        200 => "OK",
        204 => "No Content",
        206 => "Partial Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Unknown",
    };
    let mut out = Vec::with_capacity(reply.body.len() + 512);
    let _ = write!(
        out,
        "HTTP/1.1 {} {reason}\r\nServer: ftcollect-simulator\r\n",
        reply.status
    );
    for (k, v) in &reply.headers {
        let _ = write!(out, "{k}: {v}\r\n");
    }
    if reply.status != 204 {
        let _ = write!(out, "Content-Length: {}\r\n", reply.body.len());
    }
    out.extend_from_slice(b"Connection: close\r\n");
    out.extend_from_slice(b"\r\n");
    if reply.status != 204 {
        out.extend_from_slice(&reply.body);
    }
    let mut w = req.into_writer();
    let _ = w.write_all(&out);
    let _ = w.flush();
}

fn classify(path: &str) -> Endpoint {
    if path == TOKEN_PATH {
        return Endpoint::Token;
    }
    if path.starts_with("/_sim/") {
        return Endpoint::Control;
    }
    if path.starts_with("/adzuna/") {
        return Endpoint::Adzuna;
    }
    let Some(rest) = path
        .strip_prefix(API_PREFIX)
        .and_then(|r| r.strip_prefix("/v2/"))
    else {
        return Endpoint::Unknown;
    };
    if rest == "offres/search" {
        Endpoint::Search
    } else if rest.starts_with("offres/") {
        Endpoint::Offer
    } else if rest.starts_with("referentiel/") {
        Endpoint::Referentiel
    } else {
        Endpoint::Unknown
    }
}

fn oauth_error(error: &str, description: &str) -> Reply {
    Reply::json(
        400,
        serde_json::json!({"error": error, "error_description": description})
            .to_string()
            .into_bytes(),
    )
}

fn token(state: &State, method: &Method, query: &[(String, String)], body: &str) -> Reply {
    if *method != Method::Post {
        return Reply::empty(405);
    }
    if !query
        .iter()
        .any(|(k, v)| k == "realm" && v == "/partenaire")
    {
        return oauth_error(
            "invalid_request",
            "realm=/partenaire is required in the query string",
        );
    }
    let form: HashMap<String, String> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return oauth_error("unsupported_grant_type", "Grant type is not supported");
    }
    if form.get("client_id") != Some(&state.client_id)
        || form.get("client_secret") != Some(&state.client_secret)
    {
        return oauth_error("invalid_client", "Client authentication failed");
    }
    let scope = form.get("scope").cloned().unwrap_or_default();
    let scopes: Vec<&str> = scope.split(' ').collect();
    if !scopes.contains(&"api_offresdemploiv2") || !scopes.contains(&"o2dsoffre") {
        return oauth_error("invalid_scope", "Invalid scope");
    }
    let token = state.issue_token();
    let body = serde_json::json!({
        "scope": "api_offresdemploiv2 o2dsoffre",
        "expires_in": state.token_ttl.as_secs(),
        "token_type": "Bearer",
        "access_token": token,
    });
    Reply::json(200, body.to_string().into_bytes())
}

/// The offers API: token, rate limit, faults, then the request.
fn api(
    state: &State,
    endpoint: Endpoint,
    path: &str,
    pairs: &[(String, String)],
    auth: Option<&str>,
    record: &mut RequestRecord,
) -> Option<Reply> {
    if state.down.load(Relaxed) {
        return Some(Reply::api_error(503, "Service indisponible."));
    }
    if state.reject_tokens.load(Relaxed) || !state.token_valid(auth) {
        return Some(Reply::empty(401).with("WWW-Authenticate", "Bearer"));
    }
    if let Some(storm) = state.behaviours.storm_on(state.started.elapsed()) {
        state.storm_429s.fetch_add(1, Relaxed);
        let without = state
            .behaviour_rng
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .f64()
            < storm.without_header;
        let reply = Reply::empty(429);
        return Some(if without {
            reply
        } else {
            reply.with("Retry-After", storm.retry_after_secs.to_string())
        });
    }
    let remaining = match state.take_token(&state.client_id) {
        Ok(left) => left,
        Err(wait) => {
            state.throttled.fetch_add(1, Relaxed);
            return Some(Reply::empty(429).with(
                "Retry-After",
                (wait.as_secs_f64().ceil() as u64).max(1).to_string(),
            ));
        }
    };
    let rate_headers = |r: Reply| {
        r.with(
            "x-ratelimit-burst-capacity-clientidlimiter",
            format!("{}", state.burst as u64),
        )
        .with(
            "x-ratelimit-replenish-rate-clientidlimiter",
            format!("{}", state.rate_limit as u64),
        )
        .with(
            "x-ratelimit-remaining-clientidlimiter",
            format!("{}", remaining.max(0.0).floor() as u64),
        )
    };
    let fault = {
        let faults = state
            .faults
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let mut rng = state.fault_rng.lock().unwrap_or_else(|e| e.into_inner());
        faults.draw(&mut rng).map(|f| (f, faults.slow_for))
    };
    if let Some((f, slow_for)) = fault {
        record.fault = Some(f);
        state.injected.count(f);
        match f {
            Fault::Status500 => {
                return Some(Reply::api_error(
                    500,
                    "Erreur technique. Veuillez contacter le support de francetravail.io.",
                ));
            }
            Fault::Status503 => return Some(Reply::api_error(503, "Service indisponible.")),
            Fault::TooManyWithRetryAfter => {
                return Some(Reply::empty(429).with("Retry-After", "1"));
            }
            Fault::TooManyWithout => return Some(Reply::empty(429)),
            Fault::Dropped => return None,
            Fault::Slow => std::thread::sleep(slow_for),
            Fault::Truncated => {}
        }
    }
    let mut reply = match endpoint {
        Endpoint::Search => search(state, pairs),
        Endpoint::Offer => offer(state, path),
        _ => referentiel(path),
    };
    if fault.is_some_and(|(f, _)| f == Fault::Truncated) && !reply.body.is_empty() {
        let half = reply.body.len() / 2;
        reply.body.truncate(half);
    }
    Some(rate_headers(reply))
}

fn parse_range(v: &str) -> Result<(u32, u32), String> {
    let (a, b) = v.split_once('-').ok_or_else(|| param_error("range"))?;
    let a: u32 = a.trim().parse().map_err(|_| param_error("range"))?;
    let b: u32 = b.trim().parse().map_err(|_| param_error("range"))?;
    check_range(a, b)?;
    Ok((a, b))
}

fn is_rome_code(c: &str) -> bool {
    let b = c.as_bytes();
    b.len() == 5 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit)
}

/// Parses and validates a search; the error is the API's 400 message.
pub fn parse_search(pairs: &[(String, String)]) -> Result<(Query, (u32, u32), String), String> {
    let mut q = Query::default();
    let mut range = (0, 149);
    let (mut min, mut max) = (None, None);
    let mut key_parts = Vec::new();
    for (k, v) in pairs {
        let list = || {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
        };
        match k.as_str() {
            "range" => {
                range = parse_range(v)?;
                continue;
            }
            "codeROME" => {
                let codes = list();
                if codes.is_empty()
                    || codes.len() > p::MAX_ROME_CODES
                    || !codes.iter().all(|c| is_rome_code(c))
                {
                    return Err(param_error("codeROME"));
                }
                q.romes = Some(
                    codes
                        .iter()
                        .filter_map(|c| ROMES.iter().position(|r| r.code == *c).map(|i| i as u8))
                        .collect(),
                );
            }
            "departement" => {
                let codes = list();
                if codes.is_empty() || codes.len() > p::MAX_DEPARTEMENTS {
                    return Err(param_error("departement"));
                }
                let mut idx = Vec::new();
                for c in codes {
                    idx.push(
                        DEPTS
                            .iter()
                            .position(|d| d.code == c)
                            .ok_or_else(|| param_error("departement"))?
                            as u8,
                    );
                }
                q.depts = Some(idx);
            }
            "motsCles" => {
                p::check_mots_cles(v)?;
                q.keywords = p::keywords(v).into_iter().map(fold).collect();
            }
            "minCreationDate" => {
                min = Some(p::parse_date(v).ok_or_else(|| param_error("minCreationDate"))?)
            }
            "maxCreationDate" => {
                max = Some(p::parse_date(v).ok_or_else(|| param_error("maxCreationDate"))?)
            }
            "publieeDepuis" => {
                let d: u32 = v.parse().map_err(|_| param_error("publieeDepuis"))?;
                if !p::PUBLIEE_DEPUIS.contains(&d) {
                    return Err(param_error("publieeDepuis"));
                }
                q.publiee_depuis_days = Some(d);
            }
            "sort" => match v.as_str() {
                "0" | "2" => q.relevance_sort = true,
                "1" => q.relevance_sort = false,
                _ => return Err(param_error("sort")),
            },
            "typeContrat" => {
                let mut idx = Vec::new();
                for c in list() {
                    if !KNOWN_CONTRACTS.contains(&c) {
                        return Err(param_error("typeContrat"));
                    }
                    if let Some(i) = catalog::CONTRACTS.iter().position(|x| x.0 == c) {
                        idx.push(i as u8);
                    }
                }
                q.contracts = Some(idx);
            }
            "commune" => {
                let codes = list();
                if codes.is_empty()
                    || codes.len() > p::MAX_COMMUNES
                    || codes.iter().any(|c| c.len() != 5)
                {
                    return Err(param_error("commune"));
                }
                q.communes = Some(codes.into_iter().map(str::to_string).collect());
            }
            // Other documented filters are accepted and ignored by the simulator.
            _ => {}
        }
        key_parts.push(format!("{k}={v}"));
    }
    match (min, max) {
        (Some(a), Some(b)) => {
            if a > b {
                return Err("La date de début doit être antérieure à la date de fin.".into());
            }
            q.window = Some((a.timestamp_millis(), b.timestamp_millis()));
        }
        (None, None) => {}
        _ => return Err(
            "Les paramètres minCreationDate et maxCreationDate doivent être renseignés ensemble."
                .into(),
        ),
    }
    Ok((q, range, key_parts.join("&")))
}

const KNOWN_CONTRACTS: &[&str] = &[
    "CDI", "CDD", "MIS", "SAI", "DDI", "DIN", "FRA", "LIB", "CCE", "TTI", "DDT",
];

#[derive(Serialize)]
struct SearchBody<'a> {
    resultats: Vec<super::universe::SimOffer>,
    #[serde(rename = "filtresPossibles")]
    filtres_possibles: Vec<Filtre<'a>>,
}

#[derive(Serialize)]
struct Filtre<'a> {
    filtre: &'a str,
    agregation: Vec<Agregation<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Agregation<'a> {
    valeur_possible: &'a str,
    nb_resultats: u64,
}

fn search(state: &State, pairs: &[(String, String)]) -> Reply {
    let b = &state.behaviours;
    let now = state.now_ms();
    // The stock moves before the answer is computed.
    let mut generation = 0;
    if let Some(c) = &b.churn {
        let mut rng = state
            .behaviour_rng
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        state.universe.churn(
            c.withdraw_per_request,
            c.publish_per_request,
            c.max_lag.as_millis() as i64,
            &state.favoured_romes,
            now,
            &mut rng,
        );
        generation = state.universe.mark(now).step();
    }
    let (mut q, (first, last), key) = match parse_search(pairs) {
        Ok(x) => x,
        Err(m) => return Reply::api_error(400, &m),
    };
    q.window = q.window.map(|w| b.effective_window(w));
    let mut hits = state.cached_search(&key, &q, generation);
    let total = hits.len() as u32;
    if first >= total {
        return Reply::empty(204);
    }
    let mut end = last.min(total - 1);
    let universe = &state.universe;
    let mut counts = vec![0u64; catalog::CONTRACTS.len()];
    for &h in hits.iter() {
        counts[universe.contract_at(h) as usize] += 1;
    }
    if b.unstable_order {
        let mut rng = state
            .behaviour_rng
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        behaviour::shuffle_ties(
            Arc::make_mut(&mut hits).as_mut_slice(),
            first as usize,
            end as usize,
            |h| universe.rec_at(h).created,
            &mut rng,
        );
    }
    let status = if end + 1 < total { 206 } else { 200 };
    let mut claimed_end = end;
    if status == 206
        && end > first
        && let Some(sp) = &b.short_pages
    {
        let mut rng = state
            .behaviour_rng
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if rng.f64() < sp.rate {
            let k = rng.u32(1..end - first + 1);
            end = first + k - 1;
            if sp.honest_range {
                claimed_end = end;
            }
        }
    }
    let mut declared_total = total;
    if b.total_jitter > 0 {
        let n = b.total_jitter as i64;
        let d = state
            .behaviour_rng
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .i64(-n..=n);
        declared_total = (total as i64 + d).max(claimed_end as i64 + 1) as u32;
    }
    let body = SearchBody {
        resultats: (first..=end)
            .map(|i| universe.render_handle(hits[i as usize], now))
            .collect(),
        filtres_possibles: vec![Filtre {
            filtre: "typeContrat",
            agregation: catalog::CONTRACTS
                .iter()
                .zip(&counts)
                .filter(|(_, n)| **n > 0)
                .map(|(c, n)| Agregation {
                    valeur_possible: c.0,
                    nb_resultats: *n,
                })
                .collect(),
        }],
    };
    Reply::json(status, serde_json::to_vec(&body).unwrap_or_default())
        .with(
            "Content-Range",
            format!("offres {first}-{claimed_end}/{declared_total}"),
        )
        .with("Accept-Range", "150")
}

fn offer(state: &State, path: &str) -> Reply {
    let id = path.rsplit('/').next().unwrap_or("");
    let now = state.now_ms();
    match state.universe.rec_by_id(id) {
        Some(r) if r.is_active(now) => Reply::json(
            200,
            serde_json::to_vec(&state.universe.render_rec(&r, now)).unwrap_or_default(),
        ),
        Some(r) if r.created <= now => Reply::empty(204),
        _ => Reply::api_error(404, "Offre non trouvée."),
    }
}

fn referentiel(path: &str) -> Reply {
    let name = path.rsplit('/').next().unwrap_or("");
    let items: Vec<serde_json::Value> = match name {
        "departements" => DEPTS
            .iter()
            .map(|d| serde_json::json!({"code": d.code, "libelle": d.town}))
            .collect(),
        "metiers" => ROMES
            .iter()
            .map(|r| serde_json::json!({"code": r.code, "libelle": r.label}))
            .collect(),
        "typesContrats" => catalog::CONTRACTS
            .iter()
            .map(|c| serde_json::json!({"code": c.0, "libelle": c.2[0].replace(" - {} Mois", "")}))
            .collect(),
        _ => return Reply::api_error(404, "Référentiel inconnu."),
    };
    let n = items.len();
    Reply::json(200, serde_json::to_vec(&items).unwrap_or_default())
        .with("Content-Range", format!("{name} */{n}"))
}

/// `/_sim/...`: counters and switches for tests that drive a simulator in another process.
fn control(state: &State, pairs: &[(String, String)]) -> Reply {
    for (k, v) in pairs {
        match k.as_str() {
            "down" => state.down.store(v == "true", Relaxed),
            "reject_tokens" => state.reject_tokens.store(v == "true", Relaxed),
            "advance_secs" => {
                if let Ok(s) = v.parse::<u64>() {
                    state.clock_ms.fetch_add(s * 1000, Relaxed);
                }
            }
            "now" => {
                if let Ok(d) = DateTime::parse_from_rfc3339(v) {
                    state.clock_ms.store(d.timestamp_millis() as u64, Relaxed);
                }
            }
            _ => {}
        }
    }
    let requests = state.requests();
    let body = serde_json::json!({
        "now": crate::normalize::offer::format_ts(&state.now()),
        "requests": requests.len(),
        "search_requests": requests.iter().filter(|r| r.endpoint == Endpoint::Search).count(),
        "throttled": state.throttled.load(Relaxed),
        "faults": state.injected.snapshot(),
        "down": state.down.load(Relaxed),
        "churn_withdrawn": state.universe.churn_counts().0,
        "churn_published": state.universe.churn_counts().1,
        "storm_429s": state.storm_429s.load(Relaxed),
    });
    Reply::json(200, body.to_string().into_bytes())
}
