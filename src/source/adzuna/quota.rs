//! The Adzuna quota ledger: every call made with an app id, persisted across runs and processes.
//!
//! Why: Adzuna's free access allows 25 calls a minute, 250 a day, 1000 a week and 2500 a month, and
//! those counters live on Adzuna's side across all our runs. A cron job that only spaces its requests
//! gets cut off mid-month; this ledger remembers the calls so a run stops cleanly *before* the call
//! that would exceed a window, and says which window and when it reopens.
//!
//! Windows are **rolling** (the last 60 s, 24 h, 7 days and 31 days before the call), not calendar
//! periods: a rolling window of 24 h holding at most 250 calls implies at most 250 calls in every
//! calendar day whatever time zone Adzuna counts in, and likewise 31 days for any calendar month, so
//! the ledger never lets a run exceed Adzuna's counters however they are aligned. The cost is being a
//! little more conservative right after a calendar boundary.
//!
//! Invariants:
//! - a call is recorded in the file *before* it is sent (a crash after the send still counts it);
//! - the read-check-append-write cycle runs under an exclusive lock on `<file>.lock`
//!   (`std::fs::File::lock`) and the file is replaced atomically ([`crate::fsutil::write_atomic`]),
//!   so concurrent processes sharing the file never lose a call nor corrupt it;
//! - the file holds only app ids and call times, never a key.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::fsutil;
use crate::http::Cancel;

/// The version of the file's layout.
pub const FORMAT_VERSION: u32 = 1;

const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;

/// One of Adzuna's four quota windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    Minute,
    Day,
    Week,
    Month,
}

impl Window {
    pub const ALL: [Window; 4] = [Window::Minute, Window::Day, Window::Week, Window::Month];

    pub fn name(self) -> &'static str {
        match self {
            Window::Minute => "minute",
            Window::Day => "day",
            Window::Week => "week",
            Window::Month => "month",
        }
    }

    /// The rolling length: 60 s, 24 h, 7 days, 31 days (the longest calendar month).
    pub fn length_ms(self) -> i64 {
        match self {
            Window::Minute => MINUTE_MS,
            Window::Day => DAY_MS,
            Window::Week => 7 * DAY_MS,
            Window::Month => 31 * DAY_MS,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Calls allowed per window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub minute: u32,
    pub day: u32,
    pub week: u32,
    pub month: u32,
}

impl Default for Limits {
    /// Adzuna's default free access: 25 / 250 / 1000 / 2500.
    fn default() -> Self {
        Limits {
            minute: 25,
            day: 250,
            week: 1000,
            month: 2500,
        }
    }
}

impl Limits {
    pub fn of(&self, w: Window) -> u32 {
        match w {
            Window::Minute => self.minute,
            Window::Day => self.day,
            Window::Week => self.week,
            Window::Month => self.month,
        }
    }

    /// Parses `MINUTE,DAY,WEEK,MONTH` (`25,250,1000,2500`): four whole numbers of at least 1.
    pub fn parse(s: &str) -> Result<Limits, String> {
        let parts: Vec<&str> = s.split(',').map(str::trim).collect();
        let bad = || {
            format!(
                "`{s}` is not four limits: give calls per minute, day, week and month separated by commas, \
                 such as 25,250,1000,2500 (Adzuna's free access)"
            )
        };
        if parts.len() != 4 {
            return Err(bad());
        }
        let mut v = [0u32; 4];
        for (slot, p) in v.iter_mut().zip(&parts) {
            *slot = p.parse().map_err(|_| bad())?;
            if *slot == 0 {
                return Err(format!(
                    "`{s}`: a limit of 0 would forbid every call; give at least 1 per window"
                ));
            }
        }
        Ok(Limits {
            minute: v[0],
            day: v[1],
            week: v[2],
            month: v[3],
        })
    }
}

impl std::fmt::Display for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{},{},{},{}",
            self.minute, self.day, self.week, self.month
        )
    }
}

pub use crate::clock::{Clock as QuotaClock, ShiftedClock, SystemClock};

/// A window that one more call would exceed.
#[derive(Clone, Debug, PartialEq)]
pub struct Exhausted {
    pub window: Window,
    pub limit: u32,
    /// When the oldest counted call leaves the window (one call is possible again).
    pub reopens_at: DateTime<Utc>,
}

impl From<Exhausted> for ApiError {
    fn from(e: Exhausted) -> Self {
        ApiError::Quota {
            window: e.window.name().to_string(),
            limit: e.limit,
            reopens_at: e.reopens_at,
        }
    }
}

/// Calls counted in each window at one instant.
#[derive(Clone, Debug, PartialEq)]
pub struct Usage {
    pub at: DateTime<Utc>,
    /// Indexed like [`Window::ALL`].
    pub counts: [u32; 4],
    pub limits: Limits,
}

impl Usage {
    pub fn count(&self, w: Window) -> u32 {
        self.counts[w.index()]
    }

    pub fn remaining(&self, w: Window) -> u32 {
        self.limits.of(w).saturating_sub(self.count(w))
    }

    /// Calls possible before some day, week or month window closes (the minute window only delays).
    pub fn remaining_today(&self) -> (Window, u32) {
        [Window::Day, Window::Week, Window::Month]
            .into_iter()
            .map(|w| (w, self.remaining(w)))
            .min_by_key(|(_, r)| *r)
            .unwrap_or((Window::Day, 0))
    }

    /// `minute 3/25, day 20/250, week 20/1000, month 20/2500`.
    pub fn describe(&self) -> String {
        Window::ALL
            .iter()
            .map(|w| format!("{} {}/{}", w.name(), self.count(*w), self.limits.of(*w)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn ts(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// How many of `calls` (ascending, milliseconds) fall in `w` at `now_ms`, and from which index.
fn in_window(calls: &[i64], now_ms: i64, w: Window) -> (usize, usize) {
    let start = calls.partition_point(|&t| t <= now_ms - w.length_ms());
    (start, calls.len() - start)
}

/// Whether one more call at `now_ms` fits every window. When several are full, the one that
/// reopens last is reported (that is how long the run has to wait).
pub fn check(calls: &[i64], now_ms: i64, limits: &Limits) -> Result<(), Exhausted> {
    let mut worst: Option<Exhausted> = None;
    for w in Window::ALL {
        let limit = limits.of(w);
        let (start, n) = in_window(calls, now_ms, w);
        if n < limit as usize {
            continue;
        }
        // After the (n - limit)-th counted call leaves, limit - 1 remain: one call fits again.
        let leaving = calls[start + n - limit.max(1) as usize];
        let reopens_at = ts(leaving + w.length_ms());
        if worst.as_ref().is_none_or(|x| reopens_at > x.reopens_at) {
            worst = Some(Exhausted {
                window: w,
                limit,
                reopens_at,
            });
        }
    }
    worst.map_or(Ok(()), Err)
}

/// The counts of every window at `now_ms`.
pub fn usage(calls: &[i64], now_ms: i64, limits: &Limits) -> Usage {
    let mut counts = [0u32; 4];
    for w in Window::ALL {
        counts[w.index()] = in_window(calls, now_ms, w).1.min(u32::MAX as usize) as u32;
    }
    Usage {
        at: ts(now_ms),
        counts,
        limits: *limits,
    }
}

/// The file's content.
#[derive(Serialize, Deserialize, Debug, Default)]
struct LedgerFile {
    format: u32,
    /// What this file is, for someone who opens it.
    #[serde(default)]
    about: String,
    /// Per app id: call times (milliseconds since the epoch, ascending) of the last 31 days.
    #[serde(default)]
    apps: BTreeMap<String, Vec<i64>>,
}

const ABOUT: &str = "Adzuna API calls made by ftcollect, per app id (milliseconds since 1970, UTC), \
                     to respect the minute/day/week/month quotas across runs. Safe to read; do not edit.";

pub use crate::error::{QuotaError, QuotaProblem};

/// The persistent ledger of one app id's calls.
pub struct QuotaLedger {
    path: PathBuf,
    lock_path: PathBuf,
    app_id: String,
    limits: Limits,
    clock: Arc<dyn QuotaClock>,
    /// Serializes the threads of this process (the file lock serializes processes).
    local: Mutex<()>,
}

impl std::fmt::Debug for QuotaLedger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QuotaLedger")
            .field("path", &self.path)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl QuotaLedger {
    /// Opens (or prepares) the ledger at `path` for `app_id`, and checks that it is readable.
    pub fn open(
        path: &Path,
        app_id: &str,
        limits: Limits,
        clock: Arc<dyn QuotaClock>,
    ) -> Result<QuotaLedger, QuotaError> {
        let dir = fsutil::parent_dir(path);
        std::fs::create_dir_all(&dir).map_err(|e| QuotaError {
            path: path.to_path_buf(),
            problem: QuotaProblem::CreateDir {
                dir: dir.clone(),
                reason: e.to_string(),
            },
        })?;
        let ledger = QuotaLedger {
            path: path.to_path_buf(),
            lock_path: fsutil::with_suffix(path, "lock"),
            app_id: app_id.to_string(),
            limits,
            clock,
            local: Mutex::new(()),
        };
        ledger.usage()?;
        Ok(ledger)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.wall()
    }

    fn err(&self, problem: QuotaProblem) -> QuotaError {
        QuotaError {
            path: self.path.clone(),
            problem,
        }
    }

    /// Runs `f` on the file's content under both locks; writes the content back when `f` says so.
    fn with_file<T>(&self, f: impl FnOnce(&mut LedgerFile) -> (bool, T)) -> Result<T, QuotaError> {
        let _local = self.local.lock().unwrap_or_else(|e| e.into_inner());
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&self.lock_path)
            .map_err(|e| {
                self.err(QuotaProblem::OpenLock {
                    lock: self.lock_path.clone(),
                    reason: e.to_string(),
                })
            })?;
        lock.lock().map_err(|e| {
            self.err(QuotaProblem::Other(format!(
                "cannot lock {} ({e})",
                self.lock_path.display()
            )))
        })?;
        let mut content = match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice::<LedgerFile>(&bytes).map_err(|e| {
                self.err(QuotaProblem::Damaged {
                    reason: e.to_string(),
                })
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => LedgerFile {
                format: FORMAT_VERSION,
                ..LedgerFile::default()
            },
            Err(e) => return Err(self.err(QuotaProblem::Other(format!("cannot read it ({e})")))),
        };
        if content.format != FORMAT_VERSION {
            return Err(self.err(QuotaProblem::Format {
                found: content.format,
                expected: FORMAT_VERSION,
            }));
        }
        let (write, out) = f(&mut content);
        if write {
            content.about = ABOUT.to_string();
            let bytes = serde_json::to_vec_pretty(&content)
                .map_err(|e| self.err(QuotaProblem::Other(format!("cannot encode it ({e})"))))?;
            fsutil::write_atomic(&self.path, &bytes)
                .map_err(|e| self.err(QuotaProblem::Other(format!("cannot write it ({e})"))))?;
        }
        drop(lock);
        Ok(out)
    }

    /// Records one call now if every window allows it; otherwise records nothing and says which
    /// window is full.
    pub fn try_record(&self) -> Result<Result<Usage, Exhausted>, QuotaError> {
        let now = self.clock.wall().timestamp_millis();
        let limits = self.limits;
        let app = self.app_id.clone();
        self.with_file(|file| {
            // Forget what no window can see any more; other apps' calls are pruned the same way.
            for calls in file.apps.values_mut() {
                let keep = calls.partition_point(|&t| t <= now - Window::Month.length_ms());
                calls.drain(..keep);
            }
            file.apps.retain(|_, c| !c.is_empty());
            let calls = file.apps.entry(app).or_default();
            if let Err(e) = check(calls, now, &limits) {
                return (false, Err(e));
            }
            let at = calls.partition_point(|&t| t <= now);
            calls.insert(at, now);
            (true, Ok(usage(calls, now, &limits)))
        })
    }

    /// Waits for a slot in the minute window when it is full; records the call. A full day, week
    /// or month window is an [`ApiError::Quota`]: the caller stops before the call.
    pub fn acquire(&self, cancel: &Cancel) -> Result<(), ApiError> {
        loop {
            if cancel.is_cancelled() {
                return Err(ApiError::Interrupted);
            }
            match self.try_record() {
                Ok(Ok(_)) => return Ok(()),
                Ok(Err(ex)) if ex.window == Window::Minute => {
                    let wait = (ex.reopens_at - self.clock.wall())
                        .to_std()
                        .unwrap_or(Duration::ZERO)
                        + Duration::from_millis(5);
                    // Long waits are worth a line; the short ones of a rolling window are not.
                    let level = if wait >= Duration::from_secs(2) {
                        log::Level::Info
                    } else {
                        log::Level::Debug
                    };
                    log::log!(
                        level,
                        "Adzuna's minute quota ({} calls) is reached: waiting {:.1} s",
                        ex.limit,
                        wait.as_secs_f64()
                    );
                    if !self.clock.sleep_unless_cancelled(wait, cancel) {
                        return Err(ApiError::Interrupted);
                    }
                }
                Ok(Err(ex)) => return Err(ex.into()),
                Err(e) => return Err(ApiError::QuotaFile(e)),
            }
        }
    }

    /// The counts of every window now (nothing recorded).
    pub fn usage(&self) -> Result<Usage, QuotaError> {
        let now = self.clock.wall().timestamp_millis();
        let limits = self.limits;
        let app = self.app_id.clone();
        self.with_file(|file| {
            let calls = file.apps.get(&app).map(Vec::as_slice).unwrap_or(&[]);
            (false, usage(calls, now, &limits))
        })
    }
}

/// The default ledger path: `$XDG_STATE_HOME/ftcollect/adzuna-quota.json`, else
/// `$HOME/.local/state/ftcollect/adzuna-quota.json`; `None` when neither variable is set.
pub fn default_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let base = match env("XDG_STATE_HOME").filter(|v| Path::new(v).is_absolute()) {
        Some(s) => PathBuf::from(s),
        None => PathBuf::from(env("HOME")?).join(".local").join("state"),
    };
    Some(base.join("ftcollect").join("adzuna-quota.json"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// A clock that moves only when told to (or when slept on).
    struct FakeClock(Mutex<DateTime<Utc>>);

    impl FakeClock {
        fn at(t: DateTime<Utc>) -> Arc<FakeClock> {
            Arc::new(FakeClock(Mutex::new(t)))
        }
        fn advance(&self, d: chrono::Duration) {
            *self.0.lock().unwrap() += d;
        }
    }

    impl QuotaClock for FakeClock {
        fn wall(&self) -> DateTime<Utc> {
            *self.0.lock().unwrap()
        }
        fn sleep_unless_cancelled(&self, d: Duration, _: &Cancel) -> bool {
            self.advance(chrono::Duration::from_std(d).unwrap());
            true
        }
    }

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap()
    }

    fn limits(m: u32, d: u32, w: u32, mo: u32) -> Limits {
        Limits {
            minute: m,
            day: d,
            week: w,
            month: mo,
        }
    }

    #[test]
    fn limits_parse_and_print() {
        assert_eq!(
            Limits::parse("25,250,1000,2500").unwrap(),
            Limits::default()
        );
        assert_eq!(Limits::parse(" 1, 2 ,3,4").unwrap(), limits(1, 2, 3, 4));
        assert_eq!(Limits::default().to_string(), "25,250,1000,2500");
        for bad in [
            "",
            "25,250,1000",
            "a,b,c,d",
            "25,250,1000,2500,1",
            "-1,2,3,4",
        ] {
            assert!(
                Limits::parse(bad).unwrap_err().contains("25,250,1000,2500"),
                "{bad}"
            );
        }
        assert!(Limits::parse("0,1,1,1").unwrap_err().contains("at least 1"));
    }

    #[test]
    fn rolling_windows_report_the_window_that_reopens_last() {
        let now = t0().timestamp_millis();
        let l = limits(3, 5, 100, 100);
        // Two calls: fine.
        assert_eq!(check(&[now - 1000, now - 500], now, &l), Ok(()));
        // Three calls in the last minute: the minute window reopens when the first one is 60 s old.
        let calls = [now - 30_000, now - 20_000, now - 10_000];
        let e = check(&calls, now, &l).unwrap_err();
        assert_eq!(e.window, Window::Minute);
        assert_eq!(e.limit, 3);
        assert_eq!(e.reopens_at, ts(now - 30_000 + MINUTE_MS));
        // Five calls today (two of them in the last minute): the day window, 24 h after the first.
        let calls = [
            now - 10 * 3_600_000,
            now - 5 * 3_600_000,
            now - 3_600_000,
            now - 20_000,
            now - 10_000,
        ];
        let e = check(&calls, now, &l).unwrap_err();
        assert_eq!((e.window, e.limit), (Window::Day, 5));
        assert_eq!(e.reopens_at, ts(now - 10 * 3_600_000 + DAY_MS));
        // The day and the minute both full: the day (later) is what matters.
        let calls = [now - 3_600_000, now - 1000, now - 900, now - 800, now - 700];
        assert_eq!(check(&calls, now, &l).unwrap_err().window, Window::Day);
        // A call exactly one window old has left it.
        assert_eq!(check(&[now - MINUTE_MS; 3], now, &l), Ok(()));
        let u = usage(&calls, now, &l);
        assert_eq!(u.count(Window::Minute), 4);
        assert_eq!(u.count(Window::Day), 5);
        assert_eq!(u.remaining(Window::Day), 0);
        assert_eq!(u.remaining_today(), (Window::Day, 0));
        assert!(u.describe().starts_with("minute 4/3, day 5/5"));
    }

    #[test]
    fn the_ledger_stops_before_the_call_and_reopens_with_the_clock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/adzuna-quota.json");
        let clock = FakeClock::at(t0());
        let ledger =
            QuotaLedger::open(&path, "app-1", limits(100, 3, 100, 100), clock.clone()).unwrap();
        let cancel = Cancel::new();
        for _ in 0..3 {
            ledger.acquire(&cancel).unwrap();
            clock.advance(chrono::Duration::seconds(10));
        }
        let e = ledger.acquire(&cancel).unwrap_err();
        assert_eq!(
            e,
            ApiError::Quota {
                window: "day".into(),
                limit: 3,
                reopens_at: t0() + chrono::Duration::days(1),
            }
        );
        // Nothing was recorded for the refused call.
        assert_eq!(ledger.usage().unwrap().count(Window::Day), 3);
        // A second ledger (another run) on the same file sees the same calls.
        let again =
            QuotaLedger::open(&path, "app-1", limits(100, 3, 100, 100), clock.clone()).unwrap();
        assert!(again.acquire(&cancel).is_err());
        // Another app id has its own counts.
        let other =
            QuotaLedger::open(&path, "app-2", limits(100, 3, 100, 100), clock.clone()).unwrap();
        other.acquire(&cancel).unwrap();
        // The next day the window has room again.
        clock.advance(chrono::Duration::days(1));
        again.acquire(&cancel).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("app-1") && text.contains("app-2"), "{text}");
    }

    #[test]
    fn a_full_minute_window_waits_instead_of_stopping() {
        let dir = tempfile::tempdir().unwrap();
        let clock = FakeClock::at(t0());
        let ledger = QuotaLedger::open(
            &dir.path().join("q.json"),
            "app",
            limits(2, 100, 100, 100),
            clock.clone(),
        )
        .unwrap();
        let cancel = Cancel::new();
        ledger.acquire(&cancel).unwrap();
        ledger.acquire(&cancel).unwrap();
        ledger.acquire(&cancel).unwrap();
        // The third call waited for the first to leave the minute window.
        let waited = clock.wall() - t0();
        assert!(
            waited >= chrono::Duration::seconds(60) && waited < chrono::Duration::seconds(61),
            "{waited}"
        );
    }

    #[test]
    fn old_calls_are_pruned_and_a_damaged_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.json");
        let clock = FakeClock::at(t0());
        let ledger = QuotaLedger::open(&path, "app", Limits::default(), clock.clone()).unwrap();
        let cancel = Cancel::new();
        ledger.acquire(&cancel).unwrap();
        clock.advance(chrono::Duration::days(40));
        ledger.acquire(&cancel).unwrap();
        let file: LedgerFile = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(file.apps["app"].len(), 1, "the 40-day-old call is gone");

        std::fs::write(&path, b"{\"format\":1,\"apps\":{\"app\":[1,").unwrap();
        let e = QuotaLedger::open(&path, "app", Limits::default(), clock.clone()).unwrap_err();
        assert!(matches!(e.problem, QuotaProblem::Damaged { .. }), "{e:?}");
        let msg = e.to_string();
        assert!(
            msg.contains("is damaged") && msg.contains("lower the quota limits"),
            "{msg}"
        );
        assert!(msg.contains(&path.display().to_string()), "{msg}");
    }

    #[test]
    fn concurrent_ledgers_on_one_file_never_lose_a_call_nor_exceed_a_window() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.json");
        let clock: Arc<dyn QuotaClock> = Arc::new(ShiftedClock::starting_at(t0()));
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let path = path.clone();
                let clock = clock.clone();
                std::thread::spawn(move || {
                    // Each thread has its own ledger, hence its own file handles: like processes.
                    let l = QuotaLedger::open(&path, "app", limits(1000, 50, 1000, 1000), clock)
                        .unwrap();
                    (0..20).filter(|_| l.try_record().unwrap().is_ok()).count()
                })
            })
            .collect();
        let granted: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(granted, 50, "exactly the day limit, across all the ledgers");
        let file: LedgerFile = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(file.apps["app"].len(), 50);
        assert!(file.apps["app"].windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn default_path_follows_xdg_then_home() {
        let env = |k: &str| match k {
            "XDG_STATE_HOME" => Some("/x/state".to_string()),
            "HOME" => Some("/home/u".to_string()),
            _ => None,
        };
        assert_eq!(
            default_path(&env),
            Some(PathBuf::from("/x/state/ftcollect/adzuna-quota.json"))
        );
        let env = |k: &str| (k == "HOME").then(|| "/home/u".to_string());
        assert_eq!(
            default_path(&env),
            Some(PathBuf::from(
                "/home/u/.local/state/ftcollect/adzuna-quota.json"
            ))
        );
        assert_eq!(default_path(&|_: &str| None), None);
    }
}
