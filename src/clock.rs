//! Time, behind one trait so tests (and `--now`) control it: the rate limiter reads its monotonic
//! side ([`Clock::instant`], [`Clock::sleep`]), the Adzuna quota ledger its wall side
//! ([`Clock::wall`], [`Clock::sleep_unless_cancelled`]).
//!
//! Invariant: every method defaults to the real clock, so [`SystemClock`] is the empty
//! implementation and a test double overrides only the side it drives; [`ShiftedClock`] moves the
//! wall side to a chosen start and lets it advance in real time.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::http::Cancel;

/// A source of time. Every method defaults to the real clock.
pub trait Clock: Send + Sync {
    /// Monotonic time, for spacing requests.
    fn instant(&self) -> Instant {
        Instant::now()
    }
    /// Wall time, for calendar windows (a quota's minute, day, week, month).
    fn wall(&self) -> DateTime<Utc> {
        Utc::now()
    }
    /// Waits `d`.
    fn sleep(&self, d: Duration) {
        std::thread::sleep(d)
    }
    /// Waits `d` (a full quota window), waking early when cancelled. False if cancelled.
    fn sleep_unless_cancelled(&self, d: Duration, cancel: &Cancel) -> bool {
        cancel.sleep(d)
    }
}

/// The real clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {}

/// A clock whose wall time reads `start` when created and then advances with real time (`--now`).
#[derive(Clone, Copy, Debug)]
pub struct ShiftedClock {
    start: DateTime<Utc>,
    created: Instant,
}

impl ShiftedClock {
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        ShiftedClock {
            start,
            created: Instant::now(),
        }
    }
}

impl Clock for ShiftedClock {
    fn wall(&self) -> DateTime<Utc> {
        self.start + chrono::Duration::from_std(self.created.elapsed()).unwrap_or_default()
    }
}
