//! HTTP plumbing shared by both sources: one `ureq` agent, the shared limiter, the retry loop.
//!
//! Invariant: every request to an API goes through [`Transport::run`], which waits on the shared
//! [`RateLimiter`], counts the exchange in [`ApiStats`], retries transient failures with back-off
//! and gives up after a bounded number of attempts with a typed [`ApiError`]. A 429 is not a
//! failure: it pushes back the whole schedule by its `Retry-After` (or a back-off) and is retried
//! until the run's time waiting on 429s would pass `RetryPolicy::throttle_budget`
//! ([`ApiError::ThrottleBudget`]). The API's `x-ratelimit-*` headers can slow the limiter down,
//! never speed it up past the configured delay. Only loopback hosts may be reached over plain `http://`; TLS verification is
//! always on.

pub mod limiter;
pub mod retry;
pub mod stats;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The API's token-bucket headers (France Travail's gateway; the simulator sends them too).
pub const HEADER_REPLENISH_RATE: &str = "x-ratelimit-replenish-rate-clientidlimiter";
pub const HEADER_BURST_CAPACITY: &str = "x-ratelimit-burst-capacity-clientidlimiter";
pub const HEADER_REMAINING: &str = "x-ratelimit-remaining-clientidlimiter";
use std::time::{Duration, Instant};

use crate::error::ApiError;
pub use limiter::RateLimiter;
pub use retry::RetryPolicy;
pub use stats::{ApiStats, RetryCause};

/// Set when the run must stop (Ctrl-C): back-offs end early and no new attempt starts.
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst)
    }
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
    /// Sleeps for `d`, waking early when cancelled. Returns false if cancelled.
    pub fn sleep(&self, d: Duration) -> bool {
        let end = Instant::now() + d;
        loop {
            if self.is_cancelled() {
                return false;
            }
            let now = Instant::now();
            if now >= end {
                return true;
            }
            std::thread::sleep((end - now).min(Duration::from_millis(50)));
        }
    }
}

/// Network settings of a client.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    /// Time allowed to open a connection.
    pub connect_timeout: Duration,
    /// Time allowed for a whole exchange, body included.
    pub request_timeout: Duration,
    /// Idle keep-alive connections kept per host (one per worker).
    pub max_idle_per_host: usize,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_idle_per_host: 16,
        }
    }
}

/// Builds the agent: statuses are returned (not turned into errors, so `Retry-After` can be read),
/// timeouts are always set, and no proxy is taken from the environment for loopback tests.
pub fn build_agent(settings: &HttpSettings) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_connect(Some(settings.connect_timeout))
        .timeout_global(Some(settings.request_timeout))
        .max_idle_connections_per_host(settings.max_idle_per_host.max(1))
        .max_idle_connections(settings.max_idle_per_host.max(1) * 4)
        .user_agent(concat!("ftcollect/", env!("CARGO_PKG_VERSION")))
        .build();
    ureq::Agent::new_with_config(config)
}

/// Why a base URL cannot be used ([`check_base_url`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BaseUrlProblem {
    /// Not an absolute `http(s)://host…` URL.
    NotHttp,
    /// Plain `http://` to a host that is not loopback (only the simulator may be reached so).
    PlainHttpNotLoopback,
    /// `user@` credentials in the URL.
    Credentials,
}

impl BaseUrlProblem {
    /// The problem in words for the setting named `what` whose value is `url`.
    pub fn describe(&self, what: &str, url: &str) -> String {
        match self {
            BaseUrlProblem::NotHttp => format!(
                "{what} is `{url}`, which is not an http(s) URL with a host. Give a URL such as \
                 https://api.francetravail.io/partenaire/offresdemploi."
            ),
            BaseUrlProblem::PlainHttpNotLoopback => format!(
                "{what} is `{url}`: plain http:// is only allowed for a loopback host (the simulator). \
                 Use an https:// URL for a real API."
            ),
            BaseUrlProblem::Credentials => format!(
                "{what} is `{url}`: credentials in a URL are not supported; remove the `user@` part."
            ),
        }
    }
}

/// Checks that a base URL is usable: `https://`, or `http://` on a loopback host only, with a
/// host and no `user@` part. Parsed by the `http` crate's `Uri` (ureq's own, already in the tree).
pub fn check_base_url(url: &str) -> Result<(), BaseUrlProblem> {
    let uri: ureq::http::Uri = url.parse().map_err(|_| BaseUrlProblem::NotHttp)?;
    let authority = uri.authority().ok_or(BaseUrlProblem::NotHttp)?;
    if authority.as_str().contains('@') {
        return Err(BaseUrlProblem::Credentials);
    }
    let host = authority.host();
    if host.is_empty() {
        return Err(BaseUrlProblem::NotHttp);
    }
    match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
        Some("https") => Ok(()),
        Some("http") if is_loopback_host(host) => Ok(()),
        Some("http") => Err(BaseUrlProblem::PlainHttpNotLoopback),
        _ => Err(BaseUrlProblem::NotHttp),
    }
}

fn is_loopback_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// What one attempt of an exchange produced.
pub enum Attempt<T> {
    /// Success.
    Done(T),
    /// A transient failure: retry after a back-off (or after `retry_after` for a 429).
    Retry {
        cause: RetryCause,
        retry_after: Option<Duration>,
        detail: String,
    },
    /// Try again at once, without back-off and without counting a retry (a token was renewed).
    Replay,
    /// A permanent failure: stop.
    Fail(ApiError),
}

/// The agent, the shared limiter and the retry policy: what every request goes through.
#[derive(Clone)]
pub struct Transport {
    pub agent: ureq::Agent,
    pub limiter: Arc<RateLimiter>,
    pub retry: RetryPolicy,
    pub stats: Arc<ApiStats>,
    pub cancel: Cancel,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl Transport {
    pub fn new(
        settings: &HttpSettings,
        limiter: Arc<RateLimiter>,
        retry: RetryPolicy,
        cancel: Cancel,
    ) -> Self {
        Transport {
            agent: build_agent(settings),
            limiter,
            retry,
            stats: Arc::new(ApiStats::default()),
            cancel,
        }
    }

    /// Runs `attempt` until it succeeds, fails permanently, or exhausts the retry budget.
    /// `rate_limited` says whether each attempt waits for a slot of the shared limiter.
    /// `what` describes the request in errors ("search page 0-149 of …").
    pub fn run<T>(
        &self,
        what: &str,
        rate_limited: bool,
        mut attempt: impl FnMut(&ureq::Agent) -> Attempt<T>,
    ) -> Result<T, ApiError> {
        let mut rng = fastrand::Rng::new();
        let mut failures = 0u32;
        let mut throttled = 0u32;
        let mut replays = 0u32;
        loop {
            if self.cancel.is_cancelled() {
                return Err(ApiError::Interrupted);
            }
            if rate_limited && !self.limiter.acquire_with(|d| self.cancel.sleep(d)) {
                return Err(ApiError::Interrupted);
            }
            let sent = std::time::Instant::now();
            let outcome = attempt(&self.agent);
            if rate_limited {
                self.limiter.record_round_trip(sent.elapsed());
            }
            match outcome {
                Attempt::Done(v) => return Ok(v),
                Attempt::Fail(e) => return Err(e),
                Attempt::Replay => {
                    replays += 1;
                    if replays > 8 {
                        return Err(ApiError::Unexpected {
                            message: format!("{what}: the token was renewed 8 times in a row"),
                        });
                    }
                }
                Attempt::Retry {
                    cause: RetryCause::RateLimited,
                    retry_after,
                    detail,
                } => {
                    // Throttling is expected, not a fault: wait it out, within the run's budget.
                    throttled += 1;
                    self.stats.record_throttled();
                    // The server's wait in full (a date in the past, or 0, still waits a little so
                    // a server answering `Retry-After: 0` forever cannot spin the loop).
                    let wait = match retry_after {
                        Some(w) => w.max(self.retry.base_backoff.min(Duration::from_millis(100))),
                        None => self.retry.backoff(throttled, &mut rng),
                    };
                    let added = self
                        .limiter
                        .penalize_within(wait, self.retry.throttle_budget)
                        .map_err(|over| ApiError::ThrottleBudget {
                            what: what.to_string(),
                            budget: self.retry.throttle_budget,
                            waited: over.throttled,
                        })?;
                    self.stats.record_retry(RetryCause::RateLimited);
                    self.stats.record_throttle_wait(added);
                    let level = if wait >= Duration::from_secs(5) {
                        log::Level::Info
                    } else {
                        log::Level::Debug
                    };
                    log::log!(
                        level,
                        "{what}: {detail}; every request waits {:.1} s{} (429 number {throttled} of this request)",
                        wait.as_secs_f64(),
                        if retry_after.is_some() {
                            " as the API asks"
                        } else {
                            ""
                        }
                    );
                    if !rate_limited && !self.cancel.sleep(wait) {
                        // The token endpoint does not go through the limiter: wait here.
                        return Err(ApiError::Interrupted);
                    }
                }
                Attempt::Retry {
                    cause,
                    retry_after: _,
                    detail,
                } => {
                    failures += 1;
                    if failures >= self.retry.max_attempts {
                        return Err(ApiError::Exhausted {
                            what: what.to_string(),
                            attempts: failures + throttled,
                            last: detail,
                        });
                    }
                    self.stats.record_retry(cause);
                    let wait = self.retry.backoff(failures, &mut rng);
                    log::debug!(
                        "{what}: {detail}; retrying in {:.2} s (attempt {})",
                        wait.as_secs_f64(),
                        failures + 1
                    );
                    if !self.cancel.sleep(wait) {
                        return Err(ApiError::Interrupted);
                    }
                }
            }
        }
    }

    /// Reads the API's rate-limit headers on a response and adapts the shared limiter: an
    /// announced rate slower than the configured delay widens the spacing (logged once per new
    /// announcement), and `remaining: 0` holds the next request one replenish interval.
    pub fn observe_rate_headers(&self, resp: &ureq::http::Response<ureq::Body>) {
        let number = |name| header(resp, name).and_then(|v| v.trim().parse::<f64>().ok());
        if let Some(rate) = number(HEADER_REPLENISH_RATE) {
            let burst = number(HEADER_BURST_CAPACITY)
                .filter(|b| b.is_finite() && *b >= 0.0)
                .map(|b| b as u64);
            if self.limiter.announce(rate, burst) {
                let base = self.limiter.effective_base();
                log::info!(
                    "the API announces a rate limit of {rate} requests per second{}: requests are spaced by {:.3} s{}",
                    burst.map(|b| format!(" (burst {b})")).unwrap_or_default(),
                    base.as_secs_f64(),
                    if base > self.limiter.base_delay() {
                        " (slower than the configured rate_limit_delay)"
                    } else {
                        " (the configured rate_limit_delay)"
                    }
                );
            }
        }
        if number(HEADER_REMAINING).is_some_and(|r| r <= 0.0) {
            self.limiter.bucket_empty();
        }
    }
}

/// Classifies a transport-level `ureq` error (no HTTP status) as a retry.
pub fn transport_retry<T>(stats: &ApiStats, err: &ureq::Error) -> Attempt<T> {
    stats.record_transport_error();
    let cause = match err {
        ureq::Error::Timeout(_) => RetryCause::Timeout,
        ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => RetryCause::Timeout,
        _ => RetryCause::Connection,
    };
    Attempt::Retry {
        cause,
        retry_after: None,
        detail: describe_transport_error(err),
    }
}

/// A human description of a transport error.
pub fn describe_transport_error(err: &ureq::Error) -> String {
    match err {
        ureq::Error::Timeout(t) => format!("no answer in time ({t})"),
        ureq::Error::HostNotFound => "the host name does not resolve".to_string(),
        ureq::Error::ConnectionFailed => "the connection failed".to_string(),
        ureq::Error::Io(e) => format!("connection error: {e}"),
        other => format!("HTTP exchange failed: {other}"),
    }
}

/// Reads a response body up to `limit` bytes. A read failure (a connection cut mid-body) is a
/// [`RetryCause::BadBody`] retry.
pub fn read_body<T>(
    resp: &mut ureq::http::Response<ureq::Body>,
    limit: u64,
) -> Result<Vec<u8>, Attempt<T>> {
    resp.body_mut()
        .with_config()
        .limit(limit)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::Timeout(t) => Attempt::Retry {
                cause: RetryCause::Timeout,
                retry_after: None,
                detail: format!("body not received in time ({t})"),
            },
            e => Attempt::Retry {
                cause: RetryCause::BadBody,
                retry_after: None,
                detail: format!("body cut short: {e}"),
            },
        })
}

/// The value of a response header, as text.
pub fn header<'a>(resp: &'a ureq::http::Response<ureq::Body>, name: &str) -> Option<&'a str> {
    resp.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The start of a response body (200 bytes, on one line), for error messages: both clients say
/// what the server answered the same way.
pub fn snippet(body: &[u8]) -> String {
    let s = String::from_utf8_lossy(&body[..body.len().min(200)]);
    let s = s.trim();
    if s.is_empty() {
        "(empty body)".to_string()
    } else {
        s.replace('\n', " ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        for ok in [
            "https://api.francetravail.io/partenaire/offresdemploi",
            "HTTPS://API.example.org",
            "http://127.0.0.1:8080/partenaire/offresdemploi",
            "http://localhost:1/",
            "http://[::1]:8080/",
        ] {
            assert_eq!(check_base_url(ok), Ok(()), "{ok}");
        }
        for (bad, problem) in [
            (
                "http://api.francetravail.io/x",
                BaseUrlProblem::PlainHttpNotLoopback,
            ),
            (
                "http://127.0.0.1.evil.com/",
                BaseUrlProblem::PlainHttpNotLoopback,
            ),
            ("http://evil.com@127.0.0.1/", BaseUrlProblem::Credentials),
            ("ftp://x", BaseUrlProblem::NotHttp),
            ("https://", BaseUrlProblem::NotHttp),
            ("api.francetravail.io/x", BaseUrlProblem::NotHttp),
            ("", BaseUrlProblem::NotHttp),
        ] {
            assert_eq!(check_base_url(bad), Err(problem), "{bad}");
        }
        // Two `@`: not a URI at all, or credentials; never the loopback host it ends with.
        assert!(check_base_url("http://user@evil.com:80@127.0.0.1/").is_err());
        assert!(
            BaseUrlProblem::PlainHttpNotLoopback
                .describe("the API URL", "http://x")
                .contains("plain http:// is only allowed for a loopback host")
        );
    }
}
