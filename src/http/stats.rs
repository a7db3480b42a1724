//! Counters of what went over the wire, shared by every worker.
//!
//! Invariant: every HTTP exchange a client makes is counted exactly once by status (or by transport
//! failure), and every retry is counted once by its cause, so the run summary can be checked against
//! what the server saw. Every 429 is also counted as a throttled response, with the wall time the
//! run spent held back by it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use serde::{Deserialize, Serialize};

/// Why a request was retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryCause {
    /// 500, 502, 503, 504.
    ServerError,
    /// 429.
    RateLimited,
    /// No answer within the client timeout.
    Timeout,
    /// Connection refused, reset or closed, or a broken HTTP exchange.
    Connection,
    /// A body that was truncated or not the expected JSON.
    BadBody,
}

const STATUSES: [u16; 11] = [200, 204, 206, 400, 401, 404, 429, 500, 502, 503, 504];

/// Live counters (atomics).
#[derive(Debug, Default)]
pub struct ApiStats {
    statuses: [AtomicU64; STATUSES.len()],
    other_status: AtomicU64,
    transport_errors: AtomicU64,
    retry_server_error: AtomicU64,
    retry_rate_limited: AtomicU64,
    retry_timeout: AtomicU64,
    retry_connection: AtomicU64,
    retry_bad_body: AtomicU64,
    token_requests: AtomicU64,
    token_renewals_after_401: AtomicU64,
    search_requests: AtomicU64,
    offers_received: AtomicU64,
    throttled_responses: AtomicU64,
    throttle_wait_micros: AtomicU64,
}

/// A snapshot of [`ApiStats`], for summaries and checkpoints.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiStatsSnapshot {
    /// Search requests sent (each attempt counts).
    pub search_requests: u64,
    /// Responses by HTTP status (`"other"` for unlisted ones).
    pub by_status: BTreeMap<String, u64>,
    /// Exchanges that got no HTTP status (timeouts, connection failures).
    pub transport_errors: u64,
    pub retries: RetryCounts,
    pub token_requests: u64,
    pub token_renewals_after_401: u64,
    pub offers_received: u64,
    /// 429 answers received (every endpoint), waited out or not.
    #[serde(default)]
    pub throttled_responses: u64,
    /// Wall time the run spent held back by 429s (overlapping waits of several workers count once).
    #[serde(default)]
    pub throttle_wait_seconds: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryCounts {
    pub server_error: u64,
    pub rate_limited: u64,
    pub timeout: u64,
    pub connection: u64,
    pub bad_body: u64,
}

impl RetryCounts {
    pub fn total(&self) -> u64 {
        self.server_error + self.rate_limited + self.timeout + self.connection + self.bad_body
    }
}

impl ApiStats {
    pub fn record_status(&self, status: u16) {
        match STATUSES.iter().position(|&s| s == status) {
            Some(i) => self.statuses[i].fetch_add(1, Relaxed),
            None => self.other_status.fetch_add(1, Relaxed),
        };
    }

    pub fn record_transport_error(&self) {
        self.transport_errors.fetch_add(1, Relaxed);
    }

    pub fn record_retry(&self, cause: RetryCause) {
        let c = match cause {
            RetryCause::ServerError => &self.retry_server_error,
            RetryCause::RateLimited => &self.retry_rate_limited,
            RetryCause::Timeout => &self.retry_timeout,
            RetryCause::Connection => &self.retry_connection,
            RetryCause::BadBody => &self.retry_bad_body,
        };
        c.fetch_add(1, Relaxed);
    }

    pub fn record_search_request(&self) {
        self.search_requests.fetch_add(1, Relaxed);
    }

    pub fn record_token_request(&self) {
        self.token_requests.fetch_add(1, Relaxed);
    }

    pub fn record_token_renewal_after_401(&self) {
        self.token_renewals_after_401.fetch_add(1, Relaxed);
    }

    /// A 429 arrived.
    pub fn record_throttled(&self) {
        self.throttled_responses.fetch_add(1, Relaxed);
    }

    /// The run was held back `d` longer by a 429.
    pub fn record_throttle_wait(&self, d: std::time::Duration) {
        let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.throttle_wait_micros.fetch_add(micros, Relaxed);
    }

    pub fn record_offers(&self, n: usize) {
        self.offers_received.fetch_add(n as u64, Relaxed);
    }

    pub fn snapshot(&self) -> ApiStatsSnapshot {
        let mut by_status = BTreeMap::new();
        for (i, s) in STATUSES.iter().enumerate() {
            let n = self.statuses[i].load(Relaxed);
            if n > 0 {
                by_status.insert(s.to_string(), n);
            }
        }
        let other = self.other_status.load(Relaxed);
        if other > 0 {
            by_status.insert("other".into(), other);
        }
        ApiStatsSnapshot {
            search_requests: self.search_requests.load(Relaxed),
            by_status,
            transport_errors: self.transport_errors.load(Relaxed),
            retries: RetryCounts {
                server_error: self.retry_server_error.load(Relaxed),
                rate_limited: self.retry_rate_limited.load(Relaxed),
                timeout: self.retry_timeout.load(Relaxed),
                connection: self.retry_connection.load(Relaxed),
                bad_body: self.retry_bad_body.load(Relaxed),
            },
            token_requests: self.token_requests.load(Relaxed),
            token_renewals_after_401: self.token_renewals_after_401.load(Relaxed),
            offers_received: self.offers_received.load(Relaxed),
            throttled_responses: self.throttled_responses.load(Relaxed),
            throttle_wait_seconds: self.throttle_wait_micros.load(Relaxed) as f64 / 1e6,
        }
    }
}

impl ApiStatsSnapshot {
    /// Adds another snapshot (a resumed run adds the counts of the runs before it).
    pub fn add(&mut self, other: &ApiStatsSnapshot) {
        self.search_requests += other.search_requests;
        for (k, v) in &other.by_status {
            *self.by_status.entry(k.clone()).or_default() += v;
        }
        self.transport_errors += other.transport_errors;
        self.retries.server_error += other.retries.server_error;
        self.retries.rate_limited += other.retries.rate_limited;
        self.retries.timeout += other.retries.timeout;
        self.retries.connection += other.retries.connection;
        self.retries.bad_body += other.retries.bad_body;
        self.token_requests += other.token_requests;
        self.token_renewals_after_401 += other.token_renewals_after_401;
        self.offers_received += other.offers_received;
        self.throttled_responses += other.throttled_responses;
        self.throttle_wait_seconds += other.throttle_wait_seconds;
    }

    pub fn status(&self, code: u16) -> u64 {
        self.by_status.get(&code.to_string()).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_from_before_the_throttle_counters_still_loads() {
        let old = r#"{"search_requests":3,"by_status":{"200":3},"transport_errors":0,
            "retries":{"server_error":0,"rate_limited":0,"timeout":0,"connection":0,"bad_body":0},
            "token_requests":1,"token_renewals_after_401":0,"offers_received":10}"#;
        let s: ApiStatsSnapshot = serde_json::from_str(old).unwrap();
        assert_eq!(s.throttled_responses, 0);
        assert_eq!(s.throttle_wait_seconds, 0.0);
    }

    #[test]
    fn throttle_counters_add_up_across_runs() {
        let live = ApiStats::default();
        live.record_throttled();
        live.record_throttled();
        live.record_throttle_wait(std::time::Duration::from_millis(2500));
        let mut total = live.snapshot();
        assert_eq!(total.throttled_responses, 2);
        assert!((total.throttle_wait_seconds - 2.5).abs() < 1e-9);
        total.add(&live.snapshot());
        assert_eq!(total.throttled_responses, 4);
        assert!((total.throttle_wait_seconds - 5.0).abs() < 1e-9);
    }
}
