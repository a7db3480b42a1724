//! `--dry-run`: the query's totals probed, the plan and its cost estimated, nothing written.

use super::summary::RunStatus;
use super::{CollectConfig, Outcome};
use crate::error::Error;
use crate::source::france_travail::CreationWindow;
use crate::source::france_travail::plan::{self, Plan, Strategy};

/// `--dry-run`: probe the starting slices' totals and print the plan, writing nothing.
pub fn dry_run(c: &CollectConfig, window: CreationWindow) -> Result<Outcome, Error> {
    // Adzuna is not probed: every call counts against its quota.
    let adzuna_line = c.sources.adzuna.then(|| {
        let phrases = crate::source::adzuna::collector::phrases(&c.rome_codes, c.search.as_deref())
            .map(|p| p.len())
            .unwrap_or(0);
        format!(
            "\n  adzuna:          {phrases} phrase(s), pages of {}; not probed (every call counts against the quota)",
            c.results_per_page.min(crate::source::adzuna::MAX_RESULTS_PER_PAGE)
        )
    });
    if !c.sources.france_travail {
        return Ok(Outcome {
            status: RunStatus::Complete,
            summary: None,
            plan_report: Some(format!(
                "dry run (Adzuna only){}\nnothing was written.",
                adzuna_line.unwrap_or_default()
            )),
        });
    }
    let client = crate::source::france_travail::collector::client_for(c, Default::default());
    crate::source::france_travail::referential::check_rome_codes(&client, &c.rome_codes)?;
    let adaptive_roots = plan::adaptive::roots(&c.rome_codes, c.departements.as_deref(), window);
    let probe = Plan::new(
        Strategy::Adaptive,
        c.results_per_page,
        c.search.clone(),
        adaptive_roots.clone(),
    );
    let mut total = 0u64;
    let mut calls = 0u64;
    let cap = probe.cap();
    for (i, spec) in adaptive_roots.iter().enumerate() {
        let page = client.search(&spec.params(c.search.as_deref(), 0, 0))?;
        let t = page.total.unwrap_or(0);
        total += t;
        // Each time cut costs about one extra page beyond ceil(T / page size).
        calls += t.div_ceil(c.results_per_page as u64).max(1) + t / cap;
        log::debug!("root {i}: {} → {t} offers", spec.describe());
    }
    let (slices, calls) = match c.strategy {
        Strategy::Adaptive => (
            format!(
                "{} starting slice(s), cut by time where a slice exceeds {cap} offers",
                adaptive_roots.len()
            ),
            calls,
        ),
        Strategy::Grid => {
            let n =
                plan::grid::roots(&c.rome_codes, c.departements.as_deref(), window).len() as u64;
            (
                format!("{n} grid slices (département × ROME code × month)"),
                calls.max(n) + n,
            )
        }
    };
    let secs = calls as f64 * c.rate_limit_delay.as_secs_f64();
    let report = format!(
        "dry run ({} strategy), window {} .. {}\n  slices:          {slices}\n  expected offers: {total}\n  expected calls:  about {calls}\n  duration:        about {:.0} s at one request every {:.3} s{}\nnothing was written.",
        c.strategy,
        window.min.format("%Y-%m-%d %H:%M:%S"),
        window.max.format("%Y-%m-%d %H:%M:%S"),
        secs,
        c.rate_limit_delay.as_secs_f64(),
        adzuna_line.unwrap_or_default()
    );
    Ok(Outcome {
        status: RunStatus::Complete,
        summary: None,
        plan_report: Some(report),
    })
}
