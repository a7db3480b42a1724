//! The one rate limiter every worker goes through.
//!
//! A mutex-guarded schedule of request slots: each caller reserves the next free slot
//! (`max(next, now)`), advances the schedule by the interval, releases the lock, and only then
//! sleeps until its slot. Invariant: two reserved slots are never closer than the current interval,
//! callers are served first come first served, and the lock is never held while sleeping or during a
//! request. A 429 pushes the whole schedule back for every worker and widens the interval for a while.
//! The spacing is never below the configured delay; a rate the API announces in its headers can only
//! make it wider. The wall time the schedule spent pushed back by 429s is counted (overlapping
//! penalties count once), and a push-back that would take it past the caller's budget is refused.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use crate::clock::{Clock, SystemClock};

#[derive(Debug)]
struct Schedule {
    /// The earliest instant the next request may start.
    next: Instant,
    /// The current spacing (the base, widened after a 429).
    interval: Duration,
    /// The spacing the interval relaxes back to: the configured delay, or the API's announced
    /// rate when that is slower.
    base: Duration,
    /// Requests granted since the last 429: the interval relaxes back as they accumulate.
    calm: u32,
    /// The end of the latest 429 push-back.
    penalty_until: Instant,
    /// Wall time the schedule was pushed back by 429s (overlaps counted once).
    throttled: Duration,
    /// The last rate (requests per second) and burst the API announced.
    announced: Option<(f64, Option<u64>)>,
    /// The last slot granted.
    last_slot: Option<Instant>,
}

/// A 429 push-back refused because it would take the throttled time past the budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OverBudget {
    /// Wall time already spent pushed back by 429s.
    pub throttled: Duration,
    /// What the refused push-back would have added.
    pub wanted: Duration,
}

/// A shared, first-come first-served request schedule.
pub struct RateLimiter {
    /// The configured delay (`--rate-limit-delay`): the spacing is never below it.
    configured: Duration,
    schedule: Mutex<Schedule>,
    clock: Arc<dyn Clock>,
    /// A moving average of the requests' round trips, in microseconds (0: none seen yet).
    round_trip_micros: AtomicU64,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("configured", &self.configured)
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
        let now = clock.instant();
        RateLimiter {
            configured: delay,
            schedule: Mutex::new(Schedule {
                next: now,
                interval: delay,
                base: delay,
                calm: 0,
                penalty_until: now,
                throttled: Duration::ZERO,
                announced: None,
                last_slot: None,
            }),
            clock,
            round_trip_micros: AtomicU64::new(0),
        }
    }

    /// Notes how long a request took from its slot to its answer.
    pub fn record_round_trip(&self, d: Duration) {
        let micros = d.as_micros().min(u64::MAX as u128) as u64;
        let _ = self
            .round_trip_micros
            .fetch_update(Relaxed, Relaxed, |old| {
                Some(if old == 0 {
                    micros.max(1)
                } else {
                    (3 * old + micros) / 4
                })
            });
    }

    /// How many requests must be in flight at once to use every slot: the round trip over the
    /// spacing, plus one. `None` while no round trip is known or the spacing is zero (then
    /// nothing but the workers bounds what is useful).
    pub fn in_flight_to_saturate(&self) -> Option<usize> {
        let rt = self.round_trip_micros.load(Relaxed);
        let interval = self.current_interval().as_micros() as u64;
        (rt > 0 && interval > 0).then(|| rt.div_ceil(interval) as usize + 1)
    }

    /// The configured delay between two requests.
    pub fn base_delay(&self) -> Duration {
        self.configured
    }

    /// The spacing the limiter relaxes to: the configured delay, or the announced rate's when slower.
    pub fn effective_base(&self) -> Duration {
        self.lock().base
    }

    /// Wall time the schedule has been pushed back by 429s so far.
    pub fn throttled(&self) -> Duration {
        self.lock().throttled
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
        let now = self.clock.instant();
        let mut s = self.lock();
        let slot = s.next.max(now);
        s.next = slot + s.interval;
        s.last_slot = Some(slot);
        if s.interval > s.base {
            s.calm += 1;
            if s.calm >= CALM_STEP {
                s.calm = 0;
                s.interval = s.interval.div_f64(WIDEN).max(s.base);
            }
        }
        slot
    }

    /// Waits for the next slot. Returns the slot's instant.
    pub fn acquire(&self) -> Instant {
        let slot = self.reserve();
        let now = self.clock.instant();
        if slot > now {
            self.clock.sleep(slot - now);
        }
        slot
    }

    /// Reserves the next slot and waits for it with `sleep` (which may end early, returning false,
    /// when the run is cancelled). Returns whether the slot was reached.
    pub fn acquire_with(&self, sleep: impl FnOnce(Duration) -> bool) -> bool {
        let slot = self.reserve();
        let now = self.clock.instant();
        slot <= now || sleep(slot - now)
    }

    /// A 429 arrived: no request starts before `now + wait`, and the interval widens.
    /// Returns the wall time this adds to the throttled time (zero when an earlier 429 already
    /// pushed the schedule back that far).
    pub fn penalize(&self, wait: Duration) -> Duration {
        match self.penalize_within(wait, Duration::MAX) {
            Ok(added) => added,
            Err(_) => Duration::ZERO,
        }
    }

    /// Like [`penalize`](Self::penalize), unless the throttled time would exceed `budget`: then
    /// the schedule is left alone and the refusal says how much was already waited.
    pub fn penalize_within(
        &self,
        wait: Duration,
        budget: Duration,
    ) -> Result<Duration, OverBudget> {
        let now = self.clock.instant();
        let mut s = self.lock();
        let Some(end) = now.checked_add(wait) else {
            return Err(OverBudget {
                throttled: s.throttled,
                wanted: wait,
            });
        };
        let added = end.saturating_duration_since(s.penalty_until.max(now));
        if s.throttled.saturating_add(added) > budget {
            return Err(OverBudget {
                throttled: s.throttled,
                wanted: added,
            });
        }
        s.throttled += added;
        s.penalty_until = s.penalty_until.max(end);
        s.next = s.next.max(end);
        let widened = s.interval.max(Duration::from_millis(1)).mul_f64(WIDEN);
        s.interval = widened.min(s.base.max(Duration::from_millis(25)).mul_f64(MAX_WIDEN));
        s.calm = 0;
        Ok(added)
    }

    /// The API announced its rate (requests per second) and burst: the spacing becomes at least
    /// `1 / rate`, never less than the configured delay. A rate that is not a positive number is
    /// ignored. Returns true when the announcement differs from the previous one (to log it once).
    pub fn announce(&self, rate: f64, burst: Option<u64>) -> bool {
        if !(rate.is_finite() && rate > 0.0) {
            return false;
        }
        let spacing = Duration::from_secs_f64((1.0 / rate).min(3600.0));
        let mut s = self.lock();
        let changed = s.announced != Some((rate, burst));
        s.announced = Some((rate, burst));
        s.base = self.configured.max(spacing);
        if s.interval < s.base {
            s.interval = s.base;
            // The slot after the last one granted moves too: one new interval after it.
            if let Some(last) = s.last_slot {
                s.next = s.next.max(last + s.interval);
            }
        }
        changed
    }

    /// The API says no request is left in its bucket: the next one waits one replenish interval
    /// (`1 / rate` of the last announced rate, else the current spacing). Not a 429: the wait is
    /// not counted as throttled time.
    pub fn bucket_empty(&self) {
        let now = self.clock.instant();
        let mut s = self.lock();
        let refill = match s.announced {
            Some((rate, _)) => Duration::from_secs_f64((1.0 / rate).min(3600.0)),
            None => s.interval,
        };
        s.next = s.next.max(now + refill);
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
        fn instant(&self) -> Instant {
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
        assert_eq!(clock.offset(clock.instant()), ms(500));
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
    fn overlapping_429s_count_their_wall_time_once_and_the_budget_refuses_more() {
        let clock = Arc::new(FakeClock::new());
        let l = RateLimiter::with_clock(ms(0), clock.clone());
        let budget = Duration::from_secs(15);
        // Three workers get a 429 asking for 10 s at the same instant: 10 s of wall time.
        for _ in 0..3 {
            l.penalize_within(Duration::from_secs(10), budget).unwrap();
        }
        assert_eq!(l.throttled(), Duration::from_secs(10));
        // 4 s later, another asks for 10 s: the push-back ends at 14 s, 4 s more.
        clock.advance(Duration::from_secs(4));
        assert_eq!(
            l.penalize_within(Duration::from_secs(10), budget),
            Ok(Duration::from_secs(4))
        );
        assert_eq!(l.throttled(), Duration::from_secs(14));
        // Past the budget: refused, nothing moves.
        clock.advance(Duration::from_secs(10));
        let e = l
            .penalize_within(Duration::from_secs(2), budget)
            .unwrap_err();
        assert_eq!(e.throttled, Duration::from_secs(14));
        assert_eq!(l.throttled(), Duration::from_secs(14));
        assert_eq!(clock.offset(l.reserve()), Duration::from_secs(14));
    }

    #[test]
    fn an_announced_rate_only_ever_slows_the_schedule() {
        let clock = Arc::new(FakeClock::new());
        let l = RateLimiter::with_clock(ms(100), clock.clone());
        assert!(l.announce(4.0, Some(4)));
        assert!(
            !l.announce(4.0, Some(4)),
            "the same announcement is not news"
        );
        assert_eq!(l.effective_base(), ms(250));
        let slots: Vec<Duration> = (0..3).map(|_| clock.offset(l.reserve())).collect();
        assert_eq!(slots, vec![ms(0), ms(250), ms(500)]);
        // Announced after a slot was granted (the first answer): the next slot moves back too.
        let l2 = RateLimiter::with_clock(ms(100), clock.clone());
        let first = clock.offset(l2.reserve());
        l2.announce(4.0, Some(4));
        assert_eq!(clock.offset(l2.reserve()) - first, ms(250));
        // Faster than the configured delay: the configured delay holds.
        assert!(l.announce(50.0, None));
        assert_eq!(l.effective_base(), ms(100));
        // Nonsense is ignored.
        assert!(!l.announce(0.0, None));
        assert!(!l.announce(f64::NAN, None));
        assert_eq!(l.effective_base(), ms(100));
    }

    #[test]
    fn an_empty_bucket_holds_the_next_request_one_replenish_interval() {
        let clock = Arc::new(FakeClock::new());
        let l = RateLimiter::with_clock(ms(0), clock.clone());
        l.announce(2.0, Some(2));
        l.acquire();
        clock.advance(ms(600));
        l.bucket_empty();
        assert_eq!(clock.offset(l.reserve()), ms(1100));
        assert_eq!(l.throttled(), Duration::ZERO);
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
