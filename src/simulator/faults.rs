//! Seeded fault injection: the ways the real API fails, on purpose and counted.
//!
//! Invariant: every injected fault is counted by kind, so a test can compare the client's retry
//! counters with what the simulator actually did.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use serde::Serialize;

/// Probabilities of each fault on an API request (search, offer, referential).
#[derive(Clone, Debug, PartialEq)]
pub struct FaultConfig {
    /// 500 or 503 (alternately).
    pub server_error: f64,
    /// 429 injected on top of the token bucket; half carry `Retry-After`, half do not.
    pub rate_limit: f64,
    /// A 200/206 whose JSON body is cut in half.
    pub truncated: f64,
    /// The connection is broken before any valid HTTP response.
    pub dropped: f64,
    /// The answer comes after `slow_for` (past the client's timeout).
    pub slow: f64,
    pub slow_for: Duration,
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig {
            server_error: 0.0,
            rate_limit: 0.0,
            truncated: 0.0,
            dropped: 0.0,
            slow: 0.0,
            slow_for: Duration::from_secs(35),
        }
    }
}

impl FaultConfig {
    /// `--fault-rate P`: P spread over the kinds (40% 5xx, 20% 429, 15% truncated, 15% dropped,
    /// 10% slow).
    pub fn spread(rate: f64) -> Self {
        let p = rate.clamp(0.0, 1.0);
        FaultConfig {
            server_error: p * 0.40,
            rate_limit: p * 0.20,
            truncated: p * 0.15,
            dropped: p * 0.15,
            slow: p * 0.10,
            ..Default::default()
        }
    }

    pub fn total(&self) -> f64 {
        self.server_error + self.rate_limit + self.truncated + self.dropped + self.slow
    }

    /// Draws the fault for one request, if any.
    pub fn draw(&self, rng: &mut fastrand::Rng) -> Option<Fault> {
        let x = rng.f64();
        let mut acc = 0.0;
        for (p, f) in [
            (
                self.server_error,
                if rng.bool() {
                    Fault::Status500
                } else {
                    Fault::Status503
                },
            ),
            (
                self.rate_limit,
                if rng.bool() {
                    Fault::TooManyWithRetryAfter
                } else {
                    Fault::TooManyWithout
                },
            ),
            (self.truncated, Fault::Truncated),
            (self.dropped, Fault::Dropped),
            (self.slow, Fault::Slow),
        ] {
            acc += p;
            if x < acc {
                return Some(f);
            }
        }
        None
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Fault {
    Status500,
    Status503,
    TooManyWithRetryAfter,
    TooManyWithout,
    Truncated,
    Dropped,
    Slow,
}

/// What the simulator injected, by kind.
#[derive(Debug, Default)]
pub struct FaultCounters {
    pub status_500: AtomicU64,
    pub status_503: AtomicU64,
    pub too_many_with_retry_after: AtomicU64,
    pub too_many_without: AtomicU64,
    pub truncated: AtomicU64,
    pub dropped: AtomicU64,
    pub slow: AtomicU64,
}

/// A snapshot of [`FaultCounters`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct FaultCounts {
    pub status_500: u64,
    pub status_503: u64,
    pub too_many_with_retry_after: u64,
    pub too_many_without: u64,
    pub truncated: u64,
    pub dropped: u64,
    pub slow: u64,
}

impl FaultCounters {
    pub fn count(&self, f: Fault) {
        let c = match f {
            Fault::Status500 => &self.status_500,
            Fault::Status503 => &self.status_503,
            Fault::TooManyWithRetryAfter => &self.too_many_with_retry_after,
            Fault::TooManyWithout => &self.too_many_without,
            Fault::Truncated => &self.truncated,
            Fault::Dropped => &self.dropped,
            Fault::Slow => &self.slow,
        };
        c.fetch_add(1, Relaxed);
    }

    pub fn snapshot(&self) -> FaultCounts {
        FaultCounts {
            status_500: self.status_500.load(Relaxed),
            status_503: self.status_503.load(Relaxed),
            too_many_with_retry_after: self.too_many_with_retry_after.load(Relaxed),
            too_many_without: self.too_many_without.load(Relaxed),
            truncated: self.truncated.load(Relaxed),
            dropped: self.dropped.load(Relaxed),
            slow: self.slow.load(Relaxed),
        }
    }
}

impl FaultCounts {
    pub fn server_errors(&self) -> u64 {
        self.status_500 + self.status_503
    }
    pub fn too_many(&self) -> u64 {
        self.too_many_with_retry_after + self.too_many_without
    }
    pub fn total(&self) -> u64 {
        self.server_errors() + self.too_many() + self.truncated + self.dropped + self.slow
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draw_respects_the_rates() {
        let f = FaultConfig::spread(0.2);
        let mut rng = fastrand::Rng::with_seed(1);
        let n = 100_000;
        let hits = (0..n).filter(|_| f.draw(&mut rng).is_some()).count();
        let share = hits as f64 / n as f64;
        assert!((share - 0.2).abs() < 0.01, "{share}");
        assert!(FaultConfig::default().draw(&mut rng).is_none());
    }
}
