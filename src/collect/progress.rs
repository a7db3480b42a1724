//! Progress while a collection runs: a bar on a terminal, a log line every few seconds otherwise.
//!
//! Invariant: progress output goes to stderr only and never slows the writer (updates are
//! throttled), and `--quiet` silences it entirely.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// What progress shows.
#[derive(Clone, Copy, Debug, Default)]
pub struct Snapshot {
    pub slices_finished: u64,
    pub slices: u64,
    pub offers: u64,
    pub requests: u64,
    /// Pages still owed (an estimate until every slice is probed).
    pub pages_owed: u64,
}

enum Mode {
    Bar(ProgressBar),
    Log { last: Instant, every: Duration },
    Quiet,
}

pub struct Progress {
    mode: Mode,
    started: Instant,
    first_requests: u64,
}

impl Progress {
    /// A bar on a terminal, log lines off a terminal (cron), nothing when quiet.
    pub fn new(quiet: bool) -> Progress {
        let mode = if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(4));
            bar.set_style(
                ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            Mode::Bar(bar)
        } else {
            Mode::Log {
                last: Instant::now(),
                every: Duration::from_secs(10),
            }
        };
        Progress {
            mode,
            started: Instant::now(),
            first_requests: 0,
        }
    }

    /// Requests made before this run (resume), excluded from the rate.
    pub fn set_baseline(&mut self, requests: u64) {
        self.first_requests = requests;
    }

    fn line(&self, s: &Snapshot) -> String {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = (s.requests.saturating_sub(self.first_requests)) as f64 / secs;
        let eta = if rate > 0.0 {
            format!("{:.0} s", s.pages_owed as f64 / rate)
        } else {
            "?".into()
        };
        format!(
            "slices {}/{} | {} offers | {} requests | {:.1} req/s | ~{} pages left, ETA {}",
            s.slices_finished, s.slices, s.offers, s.requests, rate, s.pages_owed, eta
        )
    }

    pub fn update(&mut self, s: &Snapshot) {
        let line = self.line(s);
        match &mut self.mode {
            Mode::Bar(bar) => {
                bar.set_message(line);
                bar.tick();
            }
            Mode::Log { last, every } => {
                if last.elapsed() >= *every {
                    *last = Instant::now();
                    log::info!("{line}");
                }
            }
            Mode::Quiet => {}
        }
    }

    pub fn finish(&mut self) {
        if let Mode::Bar(bar) = &self.mode {
            bar.finish_and_clear();
        }
    }
}
