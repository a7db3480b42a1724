//! The collector end to end against the simulator: completeness, call efficiency, dedup, resume.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

use ftcollect::collect::checkpoint::Checkpoint;
use ftcollect::collect::{
    self, CollectConfig, DEFAULT_ROME_CODES, FranceTravailSettings, RunStatus,
};
use ftcollect::secret::Credentials;
use ftcollect::simulator::{Query, SimHandle};
use ftcollect::source::france_travail::plan::{self, PlanState, SliceState, Strategy};

use crate::harness::*;

/// A collection config pointed at `sim`, frozen at the simulator's start time.
pub fn config(sim: &SimHandle, output: &Path) -> CollectConfig {
    let mut c = CollectConfig::new(
        output,
        FranceTravailSettings {
            api_url: sim.api_url(),
            token_url: sim.token_url(),
            credentials: Credentials::new("demo-id", "demo-secret"),
        },
    );
    c.rate_limit_delay = Duration::ZERO;
    c.retry = fast_retry();
    c.now = Some(sim.now());
    c
}

/// The default query (default ROME codes) over `months`, as the simulator's oracle reads it.
pub fn default_query(sim: &SimHandle, months: u32) -> Query {
    let w = plan::window_for(sim.now(), months);
    let romes = DEFAULT_ROME_CODES
        .iter()
        .map(|c| {
            ftcollect::simulator::catalog::ROMES
                .iter()
                .position(|r| r.code == *c)
                .unwrap() as u8
        })
        .collect();
    Query {
        romes: Some(romes),
        window: Some((w.min.timestamp_millis(), w.max.timestamp_millis())),
        ..Default::default()
    }
}

/// The ids the simulator holds for the default query over `months`.
pub fn expected(sim: &SimHandle, months: u32) -> BTreeSet<String> {
    sim.expected_ids(&default_query(sim, months))
        .into_iter()
        .collect()
}

/// Every row of a CSV written by the tool: (id, number of fields); panics on a malformed row.
pub fn csv_ids(path: &Path) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    assert_eq!(headers.len(), ftcollect::normalize::offer::COLUMN_COUNT);
    r.records()
        .map(|rec| {
            let rec = rec.expect("well-formed row");
            assert_eq!(
                rec.len(),
                ftcollect::normalize::offer::COLUMN_COUNT,
                "row with the wrong number of columns"
            );
            rec[0].to_string()
        })
        .collect()
}

/// Month × ROME code slices of the universe over the cap (for the test's premise).
fn crowded_month_rome_slices(sim: &SimHandle) -> usize {
    let w = plan::window_for(sim.now(), 12);
    let mut n = 0;
    for month in plan::grid::months(w) {
        for code in DEFAULT_ROME_CODES {
            let r = ftcollect::simulator::catalog::ROMES
                .iter()
                .position(|r| r.code == code)
                .unwrap() as u8;
            let q = Query {
                romes: Some(vec![r]),
                window: Some((month.min.timestamp_millis(), month.max.timestamp_millis())),
                ..Default::default()
            };
            if sim.expected_ids(&q).len() > 3150 {
                n += 1;
            }
        }
    }
    n
}

#[test]
fn a_12_month_collection_gets_exactly_the_universe_with_few_calls_and_the_grid_agrees() {
    let sim = sim(60_000);
    let crowded = crowded_month_rome_slices(&sim);
    assert!(
        crowded >= 3,
        "premise: several month × ROME slices over 3150 ({crowded})"
    );
    let want = expected(&sim, 12);
    let n = want.len() as u64;

    let dir = tempdir();
    let out = dir.path().join("jobs.csv");
    let before = sim.search_requests();
    let outcome = collect::collect(&config(&sim, &out)).unwrap();
    let adaptive_calls = (sim.search_requests() - before) as u64;
    assert_eq!(outcome.status, RunStatus::Complete);
    let ids = csv_ids(&out);
    let set: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(ids.len(), set.len(), "no duplicate rows");
    assert_eq!(
        set, want,
        "exactly the offers the universe holds for the query"
    );
    let summary = outcome.summary.unwrap();
    assert_eq!(summary.announced_total, Some(n));
    assert_eq!(summary.offers_written, n);
    assert!(
        !collect::checkpoint::path_for(&out).exists(),
        "checkpoint removed on success"
    );
    assert!(collect::summary::path_for(&out).exists());

    let minimal = n.div_ceil(150);
    eprintln!(
        "N = {n} offers, {crowded} month × ROME slices over the cap; adaptive: {adaptive_calls} search calls (minimum {minimal}, ratio {:.3})",
        adaptive_calls as f64 / minimal as f64
    );
    assert!(
        adaptive_calls as f64 <= 1.15 * minimal as f64,
        "{adaptive_calls} calls for a minimum of {minimal}"
    );

    let grid_out = dir.path().join("grid.csv");
    let mut g = config(&sim, &grid_out);
    g.strategy = Strategy::Grid;
    g.workers = 16;
    let before = sim.search_requests();
    let go = collect::collect(&g).unwrap();
    let grid_calls = sim.search_requests() - before;
    eprintln!("grid: {grid_calls} search calls");
    assert_eq!(go.status, RunStatus::Complete);
    let grid_ids: BTreeSet<String> = csv_ids(&grid_out).into_iter().collect();
    assert_eq!(grid_ids, want, "the grid reaches the same id set");
}

#[test]
fn a_keyword_query_and_explicit_departements() {
    let sim = sim(8000);
    let dir = tempdir();
    let out = dir.path().join("kw.csv");
    let mut c = config(&sim, &out);
    c.search = Some("data engineer".into());
    c.departements = Some(vec![
        "75".into(),
        "92".into(),
        "69".into(),
        "13".into(),
        "31".into(),
        "33".into(),
        "2A".into(),
    ]);
    c.months = 6;
    let outcome = collect::collect(&c).unwrap();
    assert_eq!(outcome.status, RunStatus::Complete);
    let w = plan::window_for(sim.now(), 6);
    let deps = ["75", "92", "69", "13", "31", "33", "2A"]
        .iter()
        .map(|d| {
            ftcollect::simulator::geo::DEPTS
                .iter()
                .position(|x| x.code == *d)
                .unwrap() as u8
        })
        .collect();
    let romes = DEFAULT_ROME_CODES
        .iter()
        .map(|c| {
            ftcollect::simulator::catalog::ROMES
                .iter()
                .position(|r| r.code == *c)
                .unwrap() as u8
        })
        .collect();
    let q = Query {
        romes: Some(romes),
        depts: Some(deps),
        keywords: vec!["data".into(), "engineer".into()],
        window: Some((w.min.timestamp_millis(), w.max.timestamp_millis())),
        ..Default::default()
    };
    let want: BTreeSet<String> = sim.expected_ids(&q).into_iter().collect();
    assert!(!want.is_empty());
    let got: BTreeSet<String> = csv_ids(&out).into_iter().collect();
    assert_eq!(got, want);
    // Seven départements: two groups (5 + 2), each its own root slice.
    assert_eq!(outcome.summary.unwrap().slices.slices, 2);
}

/// The query string the simulator logs for a slice (without `range`).
fn logged_query(
    spec: &ftcollect::source::france_travail::plan::SliceSpec,
    keywords: Option<&str>,
) -> String {
    spec.params(keywords, 0, 0)
        .query_pairs()
        .into_iter()
        .filter(|(k, _)| *k != "range")
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Waits until the CSV holds more than `rows` records (not lines: descriptions hold line breaks).
fn wait_for_rows(path: &Path, rows: usize, deadline: Instant) -> bool {
    while Instant::now() < deadline {
        if let Ok(s) = std::fs::read(path) {
            let records = csv::ReaderBuilder::new()
                .flexible(true)
                .from_reader(&s[..])
                .byte_records()
                .take_while(Result::is_ok)
                .count();
            if records > rows {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

#[test]
fn sigkill_at_several_points_then_resume_gives_the_clean_run() {
    let sim = sim(40_000);
    let want = expected(&sim, 12);
    let dir = tempdir();
    let out = dir.path().join("killed.csv");
    let cp = collect::checkpoint::path_for(&out);
    let run = || {
        collect_binary(
            &sim,
            &[
                "--output",
                out.to_str().unwrap(),
                "--rate-limit-delay",
                "0.01",
                "--workers",
                "4",
                "--quiet",
                "--checkpoint-interval",
                "150",
            ],
        )
        .spawn()
        .unwrap()
    };
    // Kill after roughly 15%, 40% and 70% of the rows.
    let mut finished_before: Vec<(usize, BTreeSet<String>)> = Vec::new();
    let mut kills = 0;
    for share in [0.15, 0.40, 0.70] {
        let mut child = run();
        let reached = wait_for_rows(
            &out,
            (want.len() as f64 * share) as usize,
            Instant::now() + Duration::from_secs(60),
        );
        child.kill().unwrap();
        child.wait().unwrap();
        if reached {
            kills += 1;
        }
        // What the checkpoint says is finished must never be asked for again.
        let c = Checkpoint::load(&cp).expect("a checkpoint survives every kill");
        let plan: PlanState = c.state_of("france_travail").expect("the plan is saved");
        let kw = plan.keywords.clone();
        let done: BTreeSet<String> = plan
            .slices
            .iter()
            .filter(|s| {
                matches!(
                    s.state,
                    SliceState::Done { .. } | SliceState::Split { .. } | SliceState::Capped { .. }
                )
            })
            .map(|s| logged_query(&s.spec, kw.as_deref()))
            .collect();
        finished_before.push((sim.requests().len(), done));
    }
    assert_eq!(kills, 3, "each kill landed mid-run");
    let status = run().wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let ids = csv_ids(&out);
    let set: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(ids.len(), set.len(), "no duplicate after resumes");
    assert_eq!(set, want, "same id set as an uninterrupted run");
    assert!(!cp.exists());
    let reqs = sim.requests();
    for (at, done) in &finished_before {
        for r in &reqs[*at..] {
            assert!(
                !done.contains(&r.query) || r.range.is_none(),
                "finished slice fetched again: {}",
                r.query
            );
        }
    }
    // Pages fetched more than once were only those lost with a kill.
    let mut per_page: HashMap<(String, Option<(u32, u32)>), u32> = HashMap::new();
    for r in reqs.iter().filter(|r| r.range.is_some()) {
        *per_page.entry((r.query.clone(), r.range)).or_default() += 1;
    }
    assert!(per_page.values().all(|&n| n <= 4));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(collect::summary::path_for(&out)).unwrap()).unwrap();
    assert_eq!(summary["runs"], 4);
    assert_eq!(summary["offers_written"], want.len());
}

#[test]
fn the_programmatic_api_collects_into_a_file_and_returns_its_path() {
    use ftcollect::api::{FranceTravailApi, HistoricalCollector};
    let sim = sim(2000);
    let dir = tempdir();
    let api =
        FranceTravailApi::new("demo-id", "demo-secret").with_urls(sim.api_url(), sim.token_url());
    let collector = HistoricalCollector::new(api)
        .results_per_page(100)
        .rate_limit_delay(Duration::ZERO);
    let path = collector
        .collect_data(dir.path().join("out.csv"), 6, Some("data scientist"))
        .unwrap();
    assert_eq!(path, dir.path().join("out.csv"));
    let ids = csv_ids(&path);
    assert!(!ids.is_empty());
    // Wrong credentials: a clear error, no path.
    let bad = HistoricalCollector::new(
        FranceTravailApi::new("demo-id", "nope").with_urls(sim.api_url(), sim.token_url()),
    );
    let err = bad
        .collect_data(dir.path().join("bad.csv"), 6, None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("refused the credentials"), "{err}");
}
