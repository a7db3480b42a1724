//! When and how long to retry: exponential back-off with jitter, and `Retry-After`.
//!
//! Invariants: a transient failure (5xx, timeout, cut connection, bad body) is retried a bounded
//! number of times, each wait bounded by `max_backoff`. A 429 is not a failure: it is waited out —
//! its `Retry-After` (seconds or HTTP-date) honoured in full, or an exponential back-off when it
//! has none — for as long as the run's total time waiting on 429s stays within `throttle_budget`,
//! so a hostile or broken header can never park the run past that budget.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// The retry budget and back-off shape shared by both sources.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included (transient failures).
    pub max_attempts: u32,
    /// First back-off; doubles at each attempt.
    pub base_backoff: Duration,
    /// Upper bound of one back-off (a 429 without `Retry-After` included).
    pub max_backoff: Duration,
    /// Total wall time a run may spend waiting on 429s (`--max-throttle-wait`); past it the run
    /// stops with [`ApiError::ThrottleBudget`](crate::error::ApiError::ThrottleBudget).
    pub throttle_budget: Duration,
}

/// The default of `--max-throttle-wait`: 30 minutes.
pub const DEFAULT_THROTTLE_BUDGET: Duration = Duration::from_secs(30 * 60);

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            throttle_budget: DEFAULT_THROTTLE_BUDGET,
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `attempt` (1 = first retry): "equal jitter", between half and
    /// all of `base × 2^(attempt-1)`, capped.
    pub fn backoff(&self, attempt: u32, rng: &mut fastrand::Rng) -> Duration {
        let exp = attempt.saturating_sub(1).min(20);
        let full = self
            .base_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        let half = full / 2;
        half + half.mul_f64(rng.f64())
    }
}

/// The longest wait a `Retry-After` can ask for (about 31 years): longer values are taken as this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(1_000_000_000);

/// Parses a `Retry-After` value: delta-seconds or an HTTP-date (relative to `now`).
/// A date in the past means "now". Anything else is `None` (the caller backs off exponentially).
/// The result is at most [`MAX_RETRY_AFTER`], so a caller can add it to the current time (the
/// Adzuna client does, to say when its quota reopens) without overflowing a date.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if v.bytes().all(|b| b.is_ascii_digit()) {
        // More digits than a u64 holds is still "a very long time".
        let secs = v.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER));
    }
    // Fractional seconds are not in the RFC but some servers send them.
    if let Ok(f) = v.parse::<f64>() {
        return (f.is_finite() && f >= 0.0)
            .then(|| Duration::from_secs_f64(f.min(MAX_RETRY_AFTER.as_secs_f64())));
    }
    let date = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
    Some(
        (date - now)
            .to_std()
            .unwrap_or(Duration::ZERO)
            .min(MAX_RETRY_AFTER),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2015-10-21T07:27:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn retry_after_seconds() {
        assert_eq!(parse_retry_after("3", now()), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 ", now()), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("1.5", now()),
            Some(Duration::from_millis(1500))
        );
    }

    #[test]
    fn retry_after_http_date() {
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now()),
            Some(Duration::from_secs(60))
        );
        // In the past: retry now.
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now()),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn retry_after_is_capped_so_now_plus_it_is_a_date() {
        // Found by fuzzing (`fuzz/fuzz_targets/retry_after.rs`): a 10^13-second or year-9999 wait
        // made the Adzuna client's `now + wait` overflow chrono's date range and panic.
        for v in [
            "10000000000000",
            "18446744073709551615",
            "99999999999999999999999",
            "1e20",
            "Fri, 31 Dec 9999 23:59:59 GMT",
        ] {
            let w = parse_retry_after(v, now()).unwrap();
            assert_eq!(w, MAX_RETRY_AFTER, "{v}");
            let later = now().checked_add_signed(chrono::TimeDelta::from_std(w).unwrap());
            assert!(later.is_some(), "{v}");
        }
        assert_eq!(
            parse_retry_after("999999999", now()),
            Some(Duration::from_secs(999_999_999))
        );
    }

    #[test]
    fn retry_after_garbage_is_none() {
        for v in ["", "soon", "-5", "NaN", "Wed, 99 Foo 2015", "1e999x"] {
            assert_eq!(parse_retry_after(v, now()), None, "{v:?}");
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
            ..RetryPolicy::default()
        };
        let mut rng = fastrand::Rng::with_seed(7);
        for attempt in 1..=8 {
            let full =
                Duration::from_millis(100 * (1 << (attempt - 1))).min(Duration::from_secs(1));
            for _ in 0..50 {
                let b = p.backoff(attempt, &mut rng);
                assert!(b >= full / 2 && b <= full, "attempt {attempt}: {b:?}");
            }
        }
    }
}
