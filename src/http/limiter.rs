//! The one rate limiter every worker goes through.
//!
//! A mutex-guarded schedule of request slots: each caller reserves the next free slot
//! (`max(next, now)`), advances the schedule by the interval, releases the lock, and only then
//! sleeps until its slot. Invariant: two reserved slots are never closer than the current interval,
//! callers are served first come first served, and the lock is never held while sleeping or during a
//! request. A 429 pushes the whole schedule back for every worker and widens the interval for a while.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Time, injectable so the limiter can be tested without sleeping.
pub trait Clock: Send + Sync {
    fn now(&self) -> Instant;
    fn sleep(&self, d: Duration);
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
    fn sleep(&self, d: Duration) {
        std::thread::sleep(d)
    }
}

#[derive(Debug)]
struct Schedule {
    /// The earliest instant the next request may start.
    next: Instant,
    /// The current spacing (the configured delay, widened after a 429).
    interval: Duration,
    /// Requests granted since the last 429: the interval relaxes back as they accumulate.
    calm: u32,
}

/// A shared, first-come first-served request schedule.
pub struct RateLimiter {
    base: Duration,
    schedule: Mutex<Schedule>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("base", &self.base)
            .finish()
    }
}

/// After a 429 the interval is multiplied by this factor, up to `MAX_WIDEN` times the base.
const WIDEN: f64 = 1.5;
const MAX_WIDEN: f64 = 4.0;
/// Requests granted without a 429 before the interval steps back toward the base.
const CALM_STEP: u32 = 20;

impl RateLimiter {
    /// A limiter spacing requests by `delay` (zero means unlimited).
    pub fn new(delay: Duration) -> Self {
        Self::with_clock(delay, Arc::new(SystemClock))
    }

    pub fn with_clock(delay: Duration, clock: Arc<dyn Clock>) -> Self {
        let now = clock.now();
        RateLimiter {
            base: delay,
            schedule: Mutex::new(Schedule {
                next: now,
                interval: delay,
                calm: 0,
            }),
            clock,
        }
    }

    /// The configured delay between two requests.
    pub fn base_delay(&self) -> Duration {
        self.base
    }

    /// The current spacing (wider than the base after 429s).
    pub fn current_interval(&self) -> Duration {
        self.lock().interval
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Schedule> {
        // A panic while holding this lock cannot leave the schedule inconsistent: recover it.
        self.schedule.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reserves the next slot and returns it, without sleeping.
    pub fn reserve(&self) -> Instant {
        let now = self.clock.now();
        let mut s = self.lock();
        let slot = s.next.max(now);
        s.next = slot + s.interval;
        if s.interval > self.base {
            s.calm += 1;
            if s.calm >= CALM_STEP {
                s.calm = 0;
                s.interval = s.interval.div_f64(WIDEN).max(self.base);
            }
        }
        slot
    }

    /// Waits for the next slot. Returns the slot's instant.
    pub fn acquire(&self) -> Instant {
        let slot = self.reserve();
        let now = self.clock.now();
        if slot > now {
            self.clock.sleep(slot - now);
        }
        slot
    }

    /// A 429 arrived: no request starts before `now + wait`, and the interval widens.
    pub fn penalize(&self, wait: Duration) {
        let now = self.clock.now();
        let mut s = self.lock();
        s.next = s.next.max(now + wait);
        let widened = s.interval.max(Duration::from_millis(1)).mul_f64(WIDEN);
        s.interval = widened.min(self.base.max(Duration::from_millis(25)).mul_f64(MAX_WIDEN));
        s.calm = 0;
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A clock that only moves when slept on.
    pub struct FakeClock {
        start: Instant,
        elapsed: Mutex<Duration>,
    }

    impl FakeClock {
        pub fn new() -> Self {
            FakeClock {
                start: Instant::now(),
                elapsed: Mutex::new(Duration::ZERO),
            }
        }
        pub fn advance(&self, d: Duration) {
            *self.elapsed.lock().unwrap() += d;
        }
        pub fn offset(&self, t: Instant) -> Duration {
            t - self.start
        }
    }

    impl Clock for FakeClock {
        fn now(&self) -> Instant {
            self.start + *self.elapsed.lock().unwrap()
        }
        fn sleep(&self, d: Duration) {
            self.advance(d)
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn slots_are_spaced_by_the_delay_in_arrival_order() {
        let clock = Arc::new(FakeClock::new());
        let l = RateLimiter::with_clock(ms(100), clock.clone());
        let slots: Vec<Duration> = (0..5).map(|_| clock.offset(l.reserve())).collect();
        assert_eq!(slots, vec![ms(0), ms(100), ms(200), ms(300), ms(400)]);
    }

    #[test]
    fn an_idle_limiter_does_not_bank_slots() {
        let clock = Arc::new(FakeClock::new());
        let l = RateLimiter::with_clock(ms(100), clock.clone());
        l.acquire();
        clock.advance(ms(1000));
        // After a long pause the next two requests are still 100 ms apart: no burst of banked slots.
        let a = clock.offset(l.reserve());
        let b = clock.offset(l.reserve());
        assert_eq!(a, ms(1000));
        assert_eq!(b, ms(1100));
    }

    #[test]
    fn acquire_sleeps_until_the_slot() {
        let clock = Arc::new(FakeClock::new());
        let l = RateLimiter::with_clock(ms(250), clock.clone());
        l.acquire();
        l.acquire();
        l.acquire();
        assert_eq!(clock.offset(clock.now()), ms(500));
    }

    #[test]
    fn a_429_pushes_everyone_back_and_widens_then_relaxes() {
        let clock = Arc::new(FakeClock::new());
        let l = RateLimiter::with_clock(ms(100), clock.clone());
        assert_eq!(clock.offset(l.reserve()), ms(0));
        l.penalize(Duration::from_secs(2));
        assert_eq!(clock.offset(l.reserve()), ms(2000));
        assert_eq!(l.current_interval(), ms(150));
        assert_eq!(clock.offset(l.reserve()), ms(2150));
        // Widening is bounded.
        for _ in 0..10 {
            l.penalize(Duration::ZERO);
        }
        assert_eq!(l.current_interval(), ms(400));
        // Calm requests relax the interval back to the base, never below.
        for _ in 0..(CALM_STEP * 10) {
            l.reserve();
        }
        assert_eq!(l.current_interval(), ms(100));
    }

    #[test]
    fn threads_share_one_schedule() {
        let l = Arc::new(RateLimiter::new(ms(20)));
        let start = Instant::now();
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let l = l.clone();
                std::thread::spawn(move || (0..5).map(|_| l.acquire()).collect::<Vec<_>>())
            })
            .collect();
        let mut all: Vec<Instant> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        all.sort();
        for w in all.windows(2) {
            assert!(w[1] - w[0] >= ms(20), "slots closer than the delay");
        }
        assert!(start.elapsed() >= ms(19 * 20));
    }
}
