//! Ready for cron (issue 14): a crontab line with no query options runs the dataset's own query,
//! day after day, with the simulator's clock moved through its documented control endpoint.

use std::path::Path;
use std::process::{Command, Stdio};

use ftcollect::simulator::SimHandle;

use crate::harness::*;

/// `GET /_sim/control?advance_secs=N` (README, "The simulator"): the simulator's new "now".
fn advance_clock(sim: &SimHandle, secs: u64) -> String {
    let url = format!("{}/_sim/control?advance_secs={secs}", sim.base_url());
    let body = ureq::get(&url)
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v["now"].as_str().unwrap().to_string()
}

/// `ftcollect sync --dataset DS [extra] --now NOW` against `sim`, as a crontab line would run it
/// (plus the simulator's URLs and clock).
fn sync(sim: &SimHandle, ds: &Path, now: &str, extra: &[&str]) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_ftcollect"))
        .args(["sync", "--dataset", ds.to_str().unwrap(), "--quiet"])
        .args(extra)
        .args(["--rate-limit-delay", "0", "--now", now])
        .args(["--api-url", &sim.api_url(), "--token-url", &sim.token_url()])
        .env("FRANCE_TRAVAIL_ID", "demo-id")
        .env("FRANCE_TRAVAIL_KEY", "demo-secret")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn runs(ds: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(ds.join("runs.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn five_daily_syncs_without_query_options_follow_the_datasets_query() {
    let sim = sim(3000);
    let d = tempdir();
    let ds = d.path().join("history");
    let mut now = sim.now().to_rfc3339();
    let (code, err) = sync(&sim, &ds, &now, &["--rome", "M1811,M1405", "--months", "3"]);
    assert_eq!(code, Some(0), "{err}");
    for day in 2..=5 {
        now = advance_clock(&sim, 86_400);
        let (code, err) = sync(&sim, &ds, &now, &[]);
        assert_eq!(code, Some(0), "day {day}: {err}");
    }
    let runs = runs(&ds);
    assert_eq!(runs.len(), 5);
    for r in &runs {
        assert_eq!(r["status"], "complete", "{r}");
        assert_eq!(
            r["query"]["rome_codes"],
            serde_json::json!(["M1811", "M1405"])
        );
        assert_eq!(r["query"]["months"], 3);
    }
    // The clock moved: later runs saw withdrawals and new offers.
    let withdrawn: u64 = runs.iter().map(|r| r["withdrawn"].as_u64().unwrap()).sum();
    let new_later: u64 = runs[1..].iter().map(|r| r["new"].as_u64().unwrap()).sum();
    assert!(withdrawn > 0 && new_later > 0, "{withdrawn} {new_later}");
    // An option that differs from the dataset's is still refused, naming it.
    let (code, err) = sync(&sim, &ds, &now, &["--months", "6"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--months was 3, now 6"), "{err}");
    // One given as stored is fine; the others still come from the dataset.
    now = advance_clock(&sim, 86_400);
    let (code, err) = sync(&sim, &ds, &now, &["--months", "3"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(self::runs(&ds).len(), 6);

    // The licence duty, on by default: no withdrawn offer keeps its identifying content, in
    // offers.parquet or in any snapshot; active offers keep theirs.
    let s = scrub_state(&ds);
    assert!(
        s.withdrawn.len() as u64 >= withdrawn,
        "{} {withdrawn}",
        s.withdrawn.len()
    );
    assert_eq!(s.withdrawn_with_content, 0);
    assert!(s.active_with_content > 0);
    assert_eq!(s.snapshot_rows_of_withdrawn_with_content, 0);
    assert!(
        s.snapshot_rows_of_withdrawn > 0,
        "the withdrawn offers were in earlier snapshots"
    );
    let scrubbed: u64 = self::runs(&ds)
        .iter()
        .map(|r| r["scrubbed"].as_u64().unwrap())
        .sum();
    assert_eq!(scrubbed, s.withdrawn.len() as u64);
}

/// What the scrub left in a dataset.
#[derive(Debug, Default)]
pub(crate) struct ScrubState {
    pub(crate) withdrawn: std::collections::BTreeSet<String>,
    pub(crate) withdrawn_with_content: usize,
    pub(crate) active_with_content: usize,
    pub(crate) snapshot_rows_of_withdrawn: usize,
    pub(crate) snapshot_rows_of_withdrawn_with_content: usize,
}

pub(crate) fn scrub_state(ds: &Path) -> ScrubState {
    use ftcollect::history::scrub::has_identifying;
    use ftcollect::history::table::{self, TableReader, col};
    let mut s = ScrubState::default();
    let mut r = TableReader::open(&ds.join("offers.parquet"), table::OFFER_COLUMNS).unwrap();
    let mut lists = Vec::new();
    while let Some(b) = r.next_batch().unwrap() {
        let v = r.view(&b);
        for row in 0..v.rows() {
            v.fill_lists(row, &mut lists);
            let content = has_identifying(&v.cells(row, &lists));
            if v.ts_ms(col::WITHDRAWN, row).is_some() {
                s.withdrawn.insert(v.str(col::ID, row).unwrap().to_string());
                s.withdrawn_with_content += content as usize;
            } else if v.ts_ms(col::LEFT_WINDOW, row).is_none() {
                s.active_with_content += content as usize;
            }
        }
    }
    let mut stack = vec![ds.join("snapshots")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let mut r = TableReader::open(&p, table::SNAPSHOT_COLUMNS).unwrap();
            while let Some(b) = r.next_batch().unwrap() {
                let v = r.view(&b);
                for row in 0..v.rows() {
                    if s.withdrawn.contains(v.str(col::ID, row).unwrap()) {
                        v.fill_lists(row, &mut lists);
                        s.snapshot_rows_of_withdrawn += 1;
                        s.snapshot_rows_of_withdrawn_with_content +=
                            has_identifying(&v.cells(row, &lists)) as usize;
                    }
                }
            }
        }
    }
    s
}

#[test]
fn with_keep_withdrawn_content_the_withdrawn_offers_keep_it() {
    let sim = sim(1500);
    let d = tempdir();
    let ds = d.path().join("history");
    let args = ["--months", "3", "--keep-withdrawn-content"];
    let (code, err) = sync(&sim, &ds, &sim.now().to_rfc3339(), &args);
    assert_eq!(code, Some(0), "{err}");
    let now = advance_clock(&sim, 3 * 86_400);
    let (code, err) = sync(&sim, &ds, &now, &args);
    assert_eq!(code, Some(0), "{err}");
    let s = scrub_state(&ds);
    assert!(!s.withdrawn.is_empty());
    assert_eq!(s.withdrawn_with_content, s.withdrawn.len());
    assert_eq!(
        s.snapshot_rows_of_withdrawn_with_content,
        s.snapshot_rows_of_withdrawn
    );
}

#[test]
fn an_incomplete_sync_says_what_happened_and_names_the_dataset() {
    let sim = sim(1500);
    let d = tempdir();
    let ds = d.path().join("history");
    let now = sim.now().to_rfc3339();
    let (code, err) = sync(&sim, &ds, &now, &["--months", "3"]);
    assert_eq!(code, Some(0), "{err}");
    // The API goes down (the simulator's control endpoint): the next run cannot finish.
    ureq::get(&format!("{}/_sim/control?down=true", sim.base_url()))
        .call()
        .unwrap();
    let (code, err) = sync(&sim, &ds, &now, &["--max-attempts", "1"]);
    eprintln!("{err}");
    assert_eq!(code, Some(3), "{err}");
    assert!(
        err.contains(&format!("collection INCOMPLETE: {}\n", ds.display())),
        "{err}"
    );
    assert!(
        err.contains("Nothing is resumed: the next sync starts a new run"),
        "{err}"
    );
    assert!(
        err.contains("INCOMPLETE: no offer was marked withdrawn"),
        "{err}"
    );
    for wrong in [
        "checkpoint is kept",
        "run the same command again",
        "_work",
        "summary file",
    ] {
        assert!(!err.contains(wrong), "{wrong:?} in:\n{err}");
    }
    // What it said holds: the run is recorded, and no work area is left to resume.
    let runs = runs(&ds);
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[1]["status"], "incomplete");
    assert!(!ds.join("_work").exists());
}

/// `ftcollect collect ARGS` against `sim` in `dir`: (exit code, stderr).
fn collect_in(sim: &SimHandle, dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let o = collect_binary(sim, args)
        .current_dir(dir)
        .args(["--rate-limit-delay", "0", "--quiet"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn an_unknown_rome_code_is_refused_from_the_apis_referential_before_anything_is_written() {
    let sim = sim(300);
    let d = tempdir();
    let (code, err) = collect_in(
        &sim,
        d.path(),
        &["--output", "jobs.csv", "--rome", "M1811,M9999"],
    );
    assert_eq!(code, Some(2), "{err}");
    let listed = ftcollect::simulator::catalog::ROMES.len();
    assert!(
        err.contains(&format!(
            "--rome: M9999 is not among the {listed} ROME codes the API serves (/v2/referentiel/metiers)"
        )),
        "{err}"
    );
    assert!(
        err.contains("Codes of that family: M9") || err.contains("fix --rome"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(d.path()).unwrap().count(),
        0,
        "nothing written"
    );
    assert_eq!(sim.search_requests(), 0, "no search made");
    // One referential call per run, then the searches.
    let referential = |sim: &SimHandle| {
        sim.requests()
            .iter()
            .filter(|r| r.endpoint == ftcollect::simulator::server::Endpoint::Referentiel)
            .count()
    };
    assert_eq!(referential(&sim), 1);
    let (code, err) = collect_in(
        &sim,
        d.path(),
        &["--output", "jobs.csv", "--rome", "M1811", "--months", "3"],
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(referential(&sim), 2);
}

#[test]
fn a_query_that_matches_nothing_warns_on_stderr_and_in_the_summary() {
    let sim = sim(300);
    let d = tempdir();
    let (code, err) = collect_in(
        &sim,
        d.path(),
        &[
            "--output", "jobs.csv", "--search", "zzzzqqq", "--months", "3",
        ],
    );
    // Documented choice: exit 0 (an empty answer is a true one), with a warning.
    assert_eq!(code, Some(0), "{err}");
    let w = "warning: the query matched no offer at all (the API announced 0 for it)";
    assert!(err.contains(w), "{err}");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("jobs.csv.summary.json")).unwrap())
            .unwrap();
    assert!(
        summary["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().starts_with(w)),
        "{summary}"
    );
    // A query that matches offers has no such warning.
    let (code, err) = collect_in(&sim, d.path(), &["--output", "other.csv", "--months", "3"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(!err.contains("matched no offer"), "{err}");
}

/// Every row of a CSV by id (the whole row, as written).
fn rows_by_id(path: &Path) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (rec[0].to_string(), rec.iter().map(String::from).collect())
        })
        .collect()
}

#[test]
fn a_replayed_raw_archive_gives_the_same_rows_fetch_time_included() {
    let sim = sim(1500);
    let d = tempdir();
    let (code, err) = collect_in(
        &sim,
        d.path(),
        &["--output", "jobs.csv", "--months", "3", "--raw-dir", "raw"],
    );
    assert_eq!(code, Some(0), "{err}");
    // Later, the archive replayed (the clock has moved on).
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let mut inputs: Vec<_> = std::fs::read_dir(d.path().join("raw"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".jsonl.gz"))
        .collect();
    inputs.sort();
    let o = Command::new(env!("CARGO_BIN_EXE_ftcollect"))
        .arg("normalize")
        .args(&inputs)
        .args(["--output", "replay.csv"])
        .current_dir(d.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let collected = rows_by_id(&d.path().join("jobs.csv"));
    let replayed = rows_by_id(&d.path().join("replay.csv"));
    assert!(!collected.is_empty());
    assert_eq!(
        collected.keys().collect::<Vec<_>>(),
        replayed.keys().collect::<Vec<_>>()
    );
    let col = ftcollect::normalize::offer::COLUMNS
        .iter()
        .position(|c| c.name == "date_extraction")
        .unwrap();
    for (id, row) in &collected {
        assert_eq!(row[col], replayed[id][col], "date_extraction of {id}");
        assert_eq!(row, &replayed[id], "row {id}");
    }
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn backups_are_pruned_to_keep_backups_and_a_stale_parquet_moves_aside_with_its_csv() {
    let sim = sim(300);
    let d = tempdir();
    let run = |extra: &[&str]| {
        let mut args = vec!["--output", "jobs.csv", "--months", "3"];
        args.extend_from_slice(extra);
        let (code, err) = collect_in(&sim, d.path(), &args);
        assert_eq!(code, Some(0), "{err}");
    };
    run(&["--parquet"]);
    for _ in 0..3 {
        run(&["--parquet", "--keep-backups", "2"]);
    }
    let names = names_in(d.path());
    let count = |prefix: &str| names.iter().filter(|n| n.starts_with(prefix)).count();
    assert_eq!(count("jobs.csv.bak-"), 2, "{names:?}");
    assert_eq!(count("jobs.csv.summary.json.bak-"), 2, "{names:?}");
    assert_eq!(count("jobs.parquet.bak-"), 2, "{names:?}");
    // A run without Parquet over an output that had one: the old Parquet file (it describes the
    // old CSV) moves aside with it instead of staying beside the new CSV.
    run(&["--keep-backups", "all"]);
    let names = names_in(d.path());
    assert!(!names.contains(&"jobs.parquet".to_string()), "{names:?}");
    assert_eq!(
        names
            .iter()
            .filter(|n| n.starts_with("jobs.parquet.bak-"))
            .count(),
        3,
        "{names:?}"
    );
    // A bad value is refused by the option's parser.
    let (code, err) = collect_in(
        &sim,
        d.path(),
        &["--output", "jobs.csv", "--keep-backups", "0"],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("give 1 or more (the most recent are kept), or `all`"),
        "{err}"
    );
}

#[test]
fn papercuts_a_closed_pipe_the_simulator_banner() {
    use std::io::{BufRead, BufReader, Read};
    // `normalize … | head`: the reader goes away early; the command stops quietly with 0.
    let sim = sim(1500);
    let d = tempdir();
    let (code, err) = collect_in(
        &sim,
        d.path(),
        &["--output", "jobs.csv", "--months", "3", "--raw-dir", "raw"],
    );
    assert_eq!(code, Some(0), "{err}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ftcollect"))
        .args(["normalize", "raw/slice-00000.jsonl.gz"])
        .current_dir(d.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut head = [0u8; 200];
    child.stdout.take().unwrap().read_exact(&mut head).unwrap();
    // The pipe is closed here (the ChildStdout was dropped).
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        !err.contains("Broken pipe") && !err.contains("error"),
        "{err}"
    );
    assert!(String::from_utf8_lossy(&head).starts_with("id,"));

    // The simulator's banner: what it serves said plainly, lines that paste as they are.
    let mut sim_cmd = Command::new(env!("CARGO_BIN_EXE_ftcollect"))
        .args(["simulate", "--port", "0", "--offers", "3000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(sim_cmd.stdout.take().unwrap()).lines();
    let banner: Vec<String> = (0..8).map(|_| lines.next().unwrap().unwrap()).collect();
    sim_cmd.kill().unwrap();
    sim_cmd.wait().unwrap();
    assert!(
        banner[0].contains("(3000 offers online now, "),
        "{banner:?}"
    );
    assert!(
        banner[0].contains("/_sim/control?advance_secs=N"),
        "{banner:?}"
    );
    assert!(
        banner.contains(&"FRANCE_TRAVAIL_ID=demo-id".to_string()),
        "{banner:?}"
    );
    assert!(
        banner.contains(&"FRANCE_TRAVAIL_KEY=demo-secret".to_string()),
        "{banner:?}"
    );
    assert!(!banner.iter().any(|l| l.contains('<')), "{banner:?}");
}

#[test]
fn history_warns_when_the_last_complete_run_is_older_than_24_hours() {
    let history = |ds: &Path| {
        let o = Command::new(env!("CARGO_BIN_EXE_ftcollect"))
            .args(["history", "--dataset", ds.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0));
        (
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let warning =
        "the offers' reuse licence asks for a derived base refreshed at least every 24 hours";
    // A run from now: no warning.
    let fresh = sim_with(1500, |c| c.now = Some(chrono::Utc::now()));
    let d = tempdir();
    let ds = d.path().join("fresh");
    let (code, err) = sync(&fresh, &ds, &fresh.now().to_rfc3339(), &["--months", "3"]);
    assert_eq!(code, Some(0), "{err}");
    let (out, err) = history(&ds);
    assert!(
        !out.contains(warning) && !err.contains(warning),
        "{out}{err}"
    );
    // A run from two days ago: warned, on stdout and stderr.
    let old = sim_with(1500, |c| {
        c.now = Some(chrono::Utc::now() - chrono::Duration::hours(49))
    });
    let ds = d.path().join("old");
    let (code, err) = sync(&old, &ds, &old.now().to_rfc3339(), &["--months", "3"]);
    assert_eq!(code, Some(0), "{err}");
    let (out, err) = history(&ds);
    assert!(
        out.contains("warning: the last complete run is from "),
        "{out}"
    );
    assert!(out.contains("(49 hours ago)"), "{out}");
    assert!(out.contains(warning) && err.contains(warning), "{out}{err}");
}
