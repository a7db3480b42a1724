//! Progress while a collection runs: a bar on a terminal, a log line every few seconds otherwise.
//!
//! Invariant: progress output goes to stderr only and never slows the writer (updates are
//! throttled), and `--quiet` silences it entirely.
//!
//! What it shows is driven by what the probes know: the offers the API announced for the query
//! (`offers written / expected`), the calls that takes (`calls done / planned`: at least one page
//! per [`Snapshot::page_size`] offers, plus what the plan still owes), and an ETA from the rate
//! at which this run writes offers (or makes calls, before the total is known). Slices are shown
//! as done and open, since cutting a slice adds slices as the run goes.

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
    /// The offers the API announced for the whole query, once every starting slice is probed.
    pub expected: Option<u64>,
    /// Offers per page.
    pub page_size: u64,
}

/// Extra calls beyond `ceil(N / page size)` that seek paging makes on a still stock (README,
/// "Costs": 1.02–1.06× the minimum).
const CALL_OVERHEAD: f64 = 1.05;

enum Mode {
    Bar(ProgressBar),
    Log { last: Instant, every: Duration },
    Quiet,
}

pub struct Progress {
    mode: Mode,
    started: Instant,
    first_requests: u64,
    first_offers: u64,
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
            first_offers: 0,
        }
    }

    /// Requests made and offers written before this run (resume), excluded from the rates.
    pub fn set_baseline(&mut self, requests: u64, offers: u64) {
        self.first_requests = requests;
        self.first_offers = offers;
    }

    fn line(&self, s: &Snapshot) -> String {
        line_at(
            s,
            self.first_requests,
            self.first_offers,
            self.started.elapsed().as_secs_f64(),
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

/// The progress line `secs` seconds into a run that started with `first_requests` requests made
/// and `first_offers` offers written.
fn line_at(s: &Snapshot, first_requests: u64, first_offers: u64, secs: f64) -> String {
    let secs = secs.max(0.001);
    let calls_rate = s.requests.saturating_sub(first_requests) as f64 / secs;
    let offers_rate = s.offers.saturating_sub(first_offers) as f64 / secs;
    // Planned calls: what the announced total needs at least, or what the plan still owes, if more.
    let from_total = s
        .expected
        .map(|e| (e.div_ceil(s.page_size.max(1)) as f64 * CALL_OVERHEAD).ceil() as u64)
        .unwrap_or(0);
    let planned = (s.requests + s.pages_owed).max(from_total);
    let remaining_secs = match s.expected {
        Some(e) if offers_rate > 0.0 => Some(e.saturating_sub(s.offers) as f64 / offers_rate),
        _ if calls_rate > 0.0 => Some(planned.saturating_sub(s.requests) as f64 / calls_rate),
        _ => None,
    };
    let eta = remaining_secs.map_or("?".to_string(), |r| format!("{r:.0} s"));
    let offers = match s.expected {
        Some(e) => format!("offers {}/{e}", s.offers),
        None => format!("offers {}/?", s.offers),
    };
    format!(
        "{offers} | calls {}/~{planned} | {calls_rate:.1} req/s | slices {} done, {} open | ETA {eta}",
        s.requests,
        s.slices_finished,
        s.slices.saturating_sub(s.slices_finished)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eta_follows_what_the_probe_announced() {
        // The run of the issue: the probes announced 34,500 offers (~241 calls); 2 s in, 20 calls
        // made and 2,875 offers written, the plan owing only the few pages it has discovered.
        let s = Snapshot {
            slices_finished: 1,
            slices: 3,
            offers: 2_875,
            requests: 20,
            pages_owed: 37,
            expected: Some(34_500),
            page_size: 150,
        };
        let line = line_at(&s, 0, 0, 2.0);
        assert_eq!(
            line,
            "offers 2875/34500 | calls 20/~242 | 10.0 req/s | slices 1 done, 2 open | ETA 22 s"
        );
        // Before the total is known: calls owed at the call rate.
        let early = Snapshot {
            expected: None,
            ..s
        };
        assert!(
            line_at(&early, 0, 0, 2.0)
                .ends_with("calls 20/~57 | 10.0 req/s | slices 1 done, 2 open | ETA 4 s")
        );
        // A resumed run: earlier offers and calls do not count in the rates.
        let resumed = line_at(&s, 10, 2_000, 2.0);
        assert!(resumed.contains("5.0 req/s"), "{resumed}");
        assert!(resumed.ends_with("ETA 72 s"), "{resumed}");
    }
}
