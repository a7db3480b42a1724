//! History datasets (`sync`, `history`): replayed days checked against the simulator's lifecycle,
//! incomplete runs, SIGKILL at every stage of the merge, the lock, and DuckDB over the snapshots.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::mpsc;
use std::time::Duration;

use ftcollect::collect::{DEFAULT_ROME_CODES, RunStatus};
use ftcollect::error::{Error, QueryField};
use ftcollect::exit::code_for;
use ftcollect::history::{self, SyncConfig, dataset, table};
use ftcollect::simulator::{ScheduledRun, Sighting, SimHandle, lifecycle};
use ftcollect::source::france_travail::plan;

use crate::collect::config;
use crate::harness::*;

/// A short window, so offers also leave it while the days pass.
const MONTHS: u32 = 3;
const DAY: Duration = Duration::from_secs(86_400);

fn sync_config(sim: &SimHandle, ds: &Path) -> SyncConfig {
    let mut c = config(sim, &ds.join("ignored.csv"));
    c.months = MONTHS;
    c.workers = 4;
    SyncConfig::new(ds, c)
}

/// The run the collector makes at the simulator's current time.
fn scheduled(sim: &SimHandle) -> ScheduledRun {
    let w = plan::window_for(sim.now(), MONTHS);
    ScheduledRun {
        at: sim.now(),
        query: lifecycle::collection_query(
            &DEFAULT_ROME_CODES,
            None,
            (w.min.timestamp_millis(), w.max.timestamp_millis()),
        ),
        complete: true,
    }
}

#[derive(Debug, PartialEq)]
pub(crate) struct Row {
    s: Sighting,
    date_updated: Option<i64>,
}

/// `offers.parquet`, read back with the library's own reader.
pub(crate) fn read_state(ds: &Path) -> BTreeMap<String, Row> {
    use table::col;
    let mut r = table::TableReader::open(&ds.join("offers.parquet"), table::OFFER_COLUMNS).unwrap();
    let mut out = BTreeMap::new();
    while let Some(b) = r.next_batch().unwrap() {
        let v = r.view(&b);
        for i in 0..v.rows() {
            let id = v.str(col::ID, i).unwrap().to_string();
            assert_eq!(v.str(col::SOURCE, i), Some("france_travail"));
            assert_eq!(v.str(col::CONTENT_HASH, i).unwrap().len(), 16);
            let row = Row {
                s: Sighting {
                    first_seen: v.ts_ms(col::FIRST_SEEN, i).unwrap(),
                    last_seen: v.ts_ms(col::LAST_SEEN, i).unwrap(),
                    withdrawn_at: v.ts_ms(col::WITHDRAWN, i),
                    left_window_at: v.ts_ms(col::LEFT_WINDOW, i),
                    times_seen: v.i32(col::TIMES_SEEN, i).unwrap() as u32,
                    version: v.i32(col::VERSION, i).unwrap() as u32,
                },
                date_updated: v.ts_ms(col::DATE_UPDATED, i),
            };
            assert!(out.insert(id, row).is_none(), "one row per offer");
        }
    }
    out
}

#[derive(Debug, Default)]
struct Seen {
    withdrawn: usize,
    left_window: usize,
    new_later: usize,
    versioned: usize,
}

/// The dataset against the universe: exactly the oracle's sightings, and each field where the
/// offer's lifecycle says it must be.
fn check_against_universe(sim: &SimHandle, ds: &Path, runs: &[ScheduledRun]) -> Seen {
    let want = sim.sightings(runs);
    let got = read_state(ds);
    let wrong: Vec<_> = want
        .iter()
        .filter(|(id, w)| got.get(*id).map(|g| &g.s) != Some(w))
        .take(3)
        .map(|(id, w)| format!("{id}: want {w:?}, got {:?}", got.get(id)))
        .collect();
    assert!(
        wrong.is_empty(),
        "offers differ from the lifecycle: {wrong:#?}"
    );
    assert_eq!(got.len(), want.len(), "no offer the runs did not see");

    let times: Vec<i64> = runs.iter().map(|r| r.at.timestamp_millis()).collect();
    let pos = |t: i64| times.iter().position(|&x| x == t).expect("a run time");
    let last = *times.last().unwrap();
    let mut seen = Seen::default();
    for (id, g) in &got {
        let rec = sim.universe().rec_by_id(id).unwrap();
        let first = pos(g.s.first_seen);
        if first > 0 {
            seen.new_later += 1;
            assert!(
                rec.created > times[first - 1] && rec.created <= times[first],
                "{id} first seen by the first run after its creation"
            );
        }
        if let Some(w) = g.s.withdrawn_at {
            seen.withdrawn += 1;
            let k = pos(w);
            assert!(k > 0);
            assert_eq!(
                g.s.last_seen,
                times[k - 1],
                "{id} withdrawn right after its last sighting"
            );
            assert!(
                rec.withdrawn > times[k - 1] && rec.withdrawn <= w,
                "{id}: withdrawn at {} in the simulator, between the two runs",
                rec.withdrawn
            );
        } else if let Some(w) = g.s.left_window_at {
            seen.left_window += 1;
            let k = pos(w);
            let min = |i: usize| runs[i].query.window.unwrap().0;
            assert!(rec.created < min(k) && rec.created >= min(k - 1));
        } else {
            assert_eq!(g.s.last_seen, last, "{id} active: seen by the last run");
            assert!(rec.is_active(last));
        }
        let updated_while_watched =
            rec.updated != 0 && rec.updated > g.s.first_seen && rec.updated <= g.s.last_seen;
        assert_eq!(
            g.s.version,
            1 + updated_while_watched as u32,
            "{id}: a new version exactly when the simulator updated it between two sightings"
        );
        if updated_while_watched {
            seen.versioned += 1;
        }
        let latest_is_updated = rec.updated != 0 && rec.updated <= g.s.last_seen;
        assert_eq!(
            g.date_updated == Some(rec.updated),
            latest_is_updated,
            "{id}: the row holds the latest version"
        );
        assert_eq!(
            g.s.times_seen as usize,
            pos(g.s.last_seen) - first + 1,
            "{id}: seen by every run in between"
        );
    }
    seen
}

const DUCKDB: &str = r#"
import sys, json, duckdb
ds = sys.argv[1]
con = duckdb.connect()
snap = f"read_parquet('{ds}/snapshots/**/*.parquet', hive_partitioning = true)"
types = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {snap}").fetchall()}
per_run = con.execute(f"SELECT strftime(run_date, '%Y-%m-%d'), run_id, count(*), count(*) FILTER (WHERE change = 'new') FROM {snap} GROUP BY ALL ORDER BY run_id").fetchall()
offers = con.execute(f"""SELECT count(*), count(*) FILTER (WHERE withdrawn_at IS NULL AND left_window_at IS NULL),
    count(*) FILTER (WHERE version > 1), count(DISTINCT id) FROM '{ds}/offers.parquet'""").fetchone()
runs = con.execute(f"SELECT run_id, offers_seen, new, withdrawn, status FROM read_json_auto('{ds}/runs.jsonl') ORDER BY seq").fetchall()
# The examples of docs/history.md run as written.
docs = []
for q in sys.argv[2].split(";;"):
    q = q.strip().replace("DIR", ds)
    if q:
        docs.append(len(con.execute(q).fetchall()))
print(json.dumps({"types": types, "per_run": per_run, "offers": list(offers), "runs": runs, "docs": docs}))
"#;

/// The DuckDB examples of `docs/history.md` (between the `sql` fences), separated by `;;`.
fn doc_queries() -> String {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/history.md"))
            .unwrap();
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for line in text.lines() {
        match (&mut cur, line.trim()) {
            (None, "```sql") => cur = Some(String::new()),
            (Some(q), "```") => {
                out.push(std::mem::take(q));
                cur = None;
            }
            (Some(q), l) if !l.starts_with("--") => {
                q.push_str(l);
                q.push('\n');
            }
            _ => {}
        }
    }
    out.iter()
        .flat_map(|q| q.split(';'))
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .collect::<Vec<_>>()
        .join(";;")
}

#[test]
fn ten_simulated_days_match_the_lifecycle_and_duckdb_reads_the_partitions() {
    let sim = sim(5000);
    let dir = tempdir();
    let ds = dir.path().join("history");
    let mut runs = Vec::new();
    let mut seen_per_run = Vec::new();
    for day in 0..10 {
        if day > 0 {
            sim.advance(DAY);
        }
        let r = history::sync(&sync_config(&sim, &ds)).unwrap();
        assert_eq!(r.status, RunStatus::Complete);
        assert!(!r.finished_earlier_run);
        let run = scheduled(&sim);
        let n = sim
            .universe()
            .search(&run.query, sim.now().timestamp_millis())
            .len() as u64;
        assert_eq!(r.run.as_ref().unwrap().offers_seen, n);
        seen_per_run.push(n);
        runs.push(run);
    }
    let seen = check_against_universe(&sim, &ds, &runs);
    eprintln!("{seen:?}");
    assert!(
        seen.withdrawn > 20 && seen.left_window > 0 && seen.new_later > 20 && seen.versioned > 5,
        "the replay exercises every transition: {seen:?}"
    );
    assert!(!ds.join("_work").exists() && !ds.join("_staging").exists());

    let records = dataset::read_runs(&dataset::Layout::new(&ds)).unwrap();
    assert_eq!(records.len(), 10);
    let tracked = read_state(&ds).len() as u64;
    assert_eq!(records.iter().map(|r| r.new).sum::<u64>(), tracked);
    assert_eq!(records.last().unwrap().offers_tracked, tracked);
    assert_eq!(
        records.iter().map(|r| r.withdrawn).sum::<u64>(),
        seen.withdrawn as u64
    );
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r.seq, i as u64 + 1);
        assert_eq!(r.offers_seen, seen_per_run[i]);
        assert_eq!(r.new + r.updated + r.unchanged + r.returned, r.offers_seen);
        assert_eq!(r.status, RunStatus::Complete);
    }

    let out = run_python(DUCKDB, &[ds.to_str().unwrap(), &doc_queries()]);
    assert_eq!(out["types"]["run_date"], "DATE", "{}", out["types"]);
    assert_eq!(out["types"]["run_id"], "VARCHAR");
    assert_eq!(out["types"]["seen_at"], "TIMESTAMP WITH TIME ZONE");
    assert_eq!(out["types"]["id"], "VARCHAR");
    let per_run = out["per_run"].as_array().unwrap();
    assert_eq!(per_run.len(), 10, "one partition per run");
    for (i, p) in per_run.iter().enumerate() {
        assert_eq!(p[0], records[i].run_date);
        assert_eq!(p[1], records[i].run_id);
        assert_eq!(p[2], seen_per_run[i], "the snapshot holds what the run saw");
        assert_eq!(p[3], records[i].new);
    }
    assert_eq!(out["offers"][0], tracked);
    assert_eq!(out["offers"][3], tracked);
    assert_eq!(out["offers"][1], records.last().unwrap().offers_active);
    assert_eq!(out["offers"][2], seen.versioned);
    assert_eq!(out["runs"].as_array().unwrap().len(), 10);
    assert!(
        out["docs"].as_array().unwrap().len() >= 4,
        "the documented queries ran: {}",
        out["docs"]
    );

    let report = history::report(&ds).unwrap();
    assert_eq!(report.tracked, tracked);
    assert_eq!(report.withdrawn, seen.withdrawn as u64);
    assert_eq!(report.left_window, seen.left_window as u64);
    assert_eq!(
        report.withdrawn_per_week.values().sum::<u64>(),
        seen.withdrawn as u64
    );
    let (lo, hi) = report.median_days_online.unwrap();
    assert!(lo > 0.0 && hi > lo, "{lo} {hi}");
    let text = report.render();
    assert!(text.contains("runs:             10 (10 complete"), "{text}");
}

#[test]
fn an_incomplete_run_marks_nothing_withdrawn_but_records_what_it_saw() {
    let sim = sim(4000);
    let dir = tempdir();
    let ds = dir.path().join("history");
    let mut c = sync_config(&sim, &ds);
    c.collect.workers = 1;
    c.collect.results_per_page = 20;
    c.collect.retry.max_attempts = 2;
    let r0 = history::sync(&c).unwrap();
    assert_eq!(r0.status, RunStatus::Complete);
    let before = read_state(&ds);

    // Day 2: the API goes down after a few pages.
    sim.advance(DAY);
    c.collect.now = Some(sim.now());
    let t1 = sim.now().timestamp_millis();
    let stop = AtomicBool::new(false);
    let base = sim.search_requests();
    std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Relaxed) {
                // Past the newest offers (the first pages): the partial view holds known offers.
                if sim.search_requests() >= base + 25 {
                    sim.set_down(true);
                    break;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        let r1 = history::sync(&c).unwrap();
        stop.store(true, Relaxed);
        assert_eq!(r1.status, RunStatus::Incomplete);
        assert_eq!(code_for(r1.status).code(), 3);
        let rec = r1.run.unwrap();
        assert!(
            rec.offers_seen > 0 && rec.offers_seen < before.len() as u64,
            "a partial view: {}",
            rec.offers_seen
        );
        assert_eq!(rec.withdrawn, 0, "nothing withdrawn on a partial view");
        assert_eq!(rec.left_window, 0);
        assert!(!rec.problems.is_empty());
    });
    sim.set_down(false);
    let after = read_state(&ds);
    let mut refreshed = 0;
    for (id, b) in &before {
        let a = &after[id];
        assert_eq!(a.s.withdrawn_at, None, "{id}");
        assert_eq!(a.s.first_seen, b.s.first_seen);
        if a.s.last_seen == t1 {
            refreshed += 1;
            assert_eq!(a.s.times_seen, 2);
        } else {
            assert_eq!(a.s.last_seen, b.s.last_seen, "unseen: unchanged");
        }
    }
    assert!(refreshed > 0);
    let records = dataset::read_runs(&dataset::Layout::new(&ds)).unwrap();
    assert_eq!(records.len(), 2, "the incomplete run has its row");
    assert_eq!(records[1].status, RunStatus::Incomplete);
    assert_eq!(records[1].exit_code, 3);
    let snaps = std::fs::read_dir(ds.join("snapshots")).unwrap().count();
    assert_eq!(snaps, 2, "and its snapshot");
    assert!(
        !ds.join("_work").exists(),
        "an incomplete run that landed is not resumed: the next run starts fresh"
    );

    // Day 3, complete again: the offers gone since day 1 are now withdrawn, at day 3.
    sim.advance(DAY);
    c.collect.now = Some(sim.now());
    let r2 = history::sync(&c).unwrap();
    assert_eq!(r2.status, RunStatus::Complete);
    let t2 = sim.now().timestamp_millis();
    let final_state = read_state(&ds);
    let withdrawn: Vec<_> = final_state
        .values()
        .filter_map(|r| r.s.withdrawn_at)
        .collect();
    assert!(!withdrawn.is_empty());
    assert!(withdrawn.iter().all(|&w| w == t2));
}

#[test]
fn another_query_or_a_foreign_directory_is_refused() {
    let sim = sim(1500);
    let dir = tempdir();
    let ds = dir.path().join("history");
    history::sync(&sync_config(&sim, &ds)).unwrap();
    let mut other = sync_config(&sim, &ds);
    other.collect.months = 6;
    let e = history::sync(&other).unwrap_err();
    assert_eq!(code_for(&e).code(), 2);
    assert!(
        matches!(
            &e,
            Error::DatasetOfAnotherQuery { change, .. }
                if change.field == QueryField::Months && change.was == "3" && change.now == "6"
        ),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("another query (the months was 3, now 6)"),
        "{e}"
    );
    // The strategy does not change the query.
    let mut grid = sync_config(&sim, &ds);
    grid.collect.strategy = ftcollect::source::france_travail::plan::Strategy::Grid;
    sim.advance(DAY);
    grid.collect.now = Some(sim.now());
    assert_eq!(history::sync(&grid).unwrap().status, RunStatus::Complete);

    let foreign = dir.path().join("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    let e = history::sync(&sync_config(&sim, &foreign)).unwrap_err();
    assert!(
        matches!(&e, Error::NotADataset { dataset, found } if dataset == &foreign && found == "notes.txt"),
        "{e:?}"
    );
    assert_eq!(
        std::fs::read_dir(&foreign).unwrap().count(),
        1,
        "nothing added, not even the lock"
    );
}

#[test]
fn an_interrupted_collection_is_resumed_by_the_next_sync_and_a_stale_one_dropped() {
    use ftcollect::http::Cancel;
    let sim = sim(2000);
    let dir = tempdir();
    let ds = dir.path().join("history");
    let interrupted = |sim: &SimHandle| {
        let c = sync_config(sim, &ds);
        c.collect.cancel.cancel();
        let r = history::sync(&c).unwrap();
        assert_eq!(r.status, RunStatus::Interrupted);
        assert_eq!(code_for(r.status).code(), 130);
        assert!(ds.join("_work/offers.csv.checkpoint").exists());
    };
    interrupted(&sim);
    assert!(!ds.join("manifest.json").exists(), "nothing landed");
    let mut c = sync_config(&sim, &ds);
    c.collect.cancel = Cancel::new();
    let r = history::sync(&c).unwrap();
    assert!(
        r.finished_earlier_run,
        "the next sync finishes the interrupted run"
    );
    assert_eq!(r.status, RunStatus::Complete);
    assert_eq!(r.summary.unwrap().runs, 2, "resumed from its checkpoint");
    let mut runs = vec![scheduled(&sim)];

    // Interrupted again; the next sync comes 13 hours later: too late to resume.
    sim.advance(DAY);
    interrupted(&sim);
    sim.advance(Duration::from_secs(13 * 3600));
    let r = history::sync(&sync_config(&sim, &ds)).unwrap();
    assert!(!r.finished_earlier_run);
    let rec = r.run.unwrap();
    assert_eq!(rec.run_at, sim.now(), "a new run, at the new time");
    assert_eq!(rec.seq, 2);
    assert_eq!(rec.collection_runs, 1);
    runs.push(scheduled(&sim));
    check_against_universe(&sim, &ds, &runs);
}

// ---------------------------------------------------------------------------------------------
// The binary, killed.

pub(crate) fn sync_command(sim: &SimHandle, ds: &Path, pause: Option<&str>) -> Command {
    sync_command_paced(
        sim,
        ds,
        pause,
        &["--rate-limit-delay", "0", "--workers", "4"],
    )
}

/// A 3-month `sync` into `ds`, quiet, with `pace` (its delay and workers options).
pub(crate) fn sync_command_paced(
    sim: &SimHandle,
    ds: &Path,
    pause: Option<&str>,
    pace: &[&str],
) -> Command {
    let mut args = vec!["sync", "--dataset", ds.to_str().unwrap(), "--months", "3"];
    args.extend_from_slice(pace);
    args.push("--quiet");
    let mut cmd = collect_binary(sim, &args);
    cmd.env_remove(history::PAUSE_ENV)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(stage) = pause {
        cmd.env(history::PAUSE_ENV, stage);
    }
    cmd
}

/// The ids of a snapshot file's rows, in order.
fn snapshot_ids(bytes: &[u8]) -> Vec<String> {
    let d = tempdir();
    let p = d.path().join("part.parquet");
    std::fs::write(&p, bytes).unwrap();
    let mut r = table::TableReader::open(&p, table::SNAPSHOT_COLUMNS).unwrap();
    let mut ids = Vec::new();
    while let Some(b) = r.next_batch().unwrap() {
        let v = r.view(&b);
        for row in 0..v.rows() {
            ids.push(v.str(table::col::ID, row).unwrap().to_string());
        }
    }
    ids
}

/// Starts a sync that pauses at `stage`, and returns once it is there.
fn spawn_paused(mut cmd: Command, stage: &str) -> Child {
    let mut child = cmd.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let want = format!("paused at stage {stage} ");
    loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) if line.contains(&want) => return child,
            Ok(_) => {}
            Err(_) => {
                let _ = child.kill();
                panic!("sync never reached stage {stage}");
            }
        }
    }
}

/// What readers see: every file but the lock, the work and staging areas.
fn visible(ds: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            if rel == ".lock" || rel == "_work" || rel == "_staging" {
                continue;
            }
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(ds, ds, &mut out);
    out
}

/// Every visible file is complete: the manifest and runs parse, every Parquet file reads to its end.
pub(crate) fn assert_readable(ds: &Path) {
    let l = dataset::Layout::new(ds);
    dataset::Manifest::load(&l).unwrap().unwrap();
    dataset::read_runs(&l).unwrap();
    read_state(ds);
    for (path, _) in visible(ds) {
        if path.starts_with("snapshots/") {
            let mut r = table::TableReader::open(&ds.join(&path), table::SNAPSHOT_COLUMNS).unwrap();
            let mut n = 0;
            while let Some(b) = r.next_batch().unwrap() {
                n += b.num_rows() as u64;
            }
            assert_eq!(n, r.rows);
        }
    }
}

const PRE_COMMIT: &[&str] = &["collected", "merging", "staged"];

#[test]
fn sigkill_at_every_stage_of_the_merge_leaves_the_dataset_intact_and_the_next_sync_repairs_it() {
    let sim = sim(3000);
    let dir = tempdir();
    let ds = dir.path().join("history");
    let out = sync_command(&sim, &ds, None).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut runs = vec![scheduled(&sim)];

    for &stage in history::STAGES {
        sim.advance(DAY);
        let before = visible(&ds);
        let mut child = spawn_paused(sync_command(&sim, &ds, Some(stage)), stage);
        if stage == "staged" {
            // The lock: a second sync is refused, naming the holder.
            let out = sync_command(&sim, &ds, None).output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(75), "{err}");
            assert!(err.contains(&format!("pid {}", child.id())), "{err}");
        }
        let pid = child.id();
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        let after = visible(&ds);
        if PRE_COMMIT.contains(&stage) {
            assert!(
                before == after,
                "{stage}: the dataset is exactly as before the kill"
            );
        } else {
            for (path, bytes) in &before {
                if path.starts_with("snapshots/") {
                    // Untouched, or replaced whole by its copy without the identifying content of
                    // offers withdrawn since (the licence duty, part of the commit): same rows.
                    let now = after.get(path).expect("the partition is still there");
                    assert!(
                        now == bytes || snapshot_ids(now) == snapshot_ids(bytes),
                        "{stage}: {path} untouched or scrubbed"
                    );
                }
            }
            let new_parts = after.keys().filter(|p| !before.contains_key(*p)).count();
            assert!(
                new_parts <= 1,
                "{stage}: at most the run's own partition appeared"
            );
        }
        assert_readable(&ds);
        // A lock whose holder died blocks nobody.
        let lock = std::fs::read_to_string(ds.join(".lock")).unwrap();
        assert!(lock.contains(&format!("pid {pid}")), "{lock}");

        let out = sync_command(&sim, &ds, None).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stage}: {err}");
        assert!(err.contains("started by an earlier sync"), "{stage}: {err}");
        runs.push(scheduled(&sim));
        check_against_universe(&sim, &ds, &runs);
        assert!(!ds.join("_work").exists() && !ds.join("_staging").exists());
        // The scrub of withdrawn offers, part of the merge, is complete whatever the kill.
        let scrub = crate::cron::scrub_state(&ds);
        assert_eq!(scrub.withdrawn_with_content, 0, "{stage}");
        assert_eq!(scrub.snapshot_rows_of_withdrawn_with_content, 0, "{stage}");
        let records = dataset::read_runs(&dataset::Layout::new(&ds)).unwrap();
        assert_eq!(
            records.len(),
            runs.len(),
            "{stage}: one run per day, none lost, none doubled"
        );
    }

    let out = Command::new(env!("CARGO_BIN_EXE_ftcollect"))
        .args(["history", "--dataset", ds.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text.contains(&format!("runs:             {} ", runs.len())),
        "{text}"
    );
}

/// Issue 17: `repost_of`. Twenty daily syncs against a universe with planted reposts (2%): a
/// repost first seen once its original was withdrawn records the original; one seen while the
/// original is still online (a duplicate, not a repost) records nothing; no other offer records
/// anything.
#[test]
fn reposts_of_withdrawn_offers_record_them() {
    use table::col;
    let sim = sim_with(5000, |c| {
        c.duplicates = ftcollect::simulator::DuplicateShapes::REALISTIC;
    });
    let dir = tempdir();
    let ds = dir.path().join("history");
    let mut reposts_recorded = 0;
    for day in 0..20 {
        if day > 0 {
            sim.advance(DAY);
        }
        let r = history::sync(&sync_config(&sim, &ds)).unwrap();
        assert_eq!(r.status, RunStatus::Complete);
        reposts_recorded += r.run.expect("a run record").reposts;
    }
    // id -> (first seen, withdrawn at, repost_of)
    let mut state: BTreeMap<String, (i64, Option<i64>, Option<String>)> = BTreeMap::new();
    let mut r = table::TableReader::open(&ds.join("offers.parquet"), table::OFFER_COLUMNS).unwrap();
    while let Some(b) = r.next_batch().unwrap() {
        let v = r.view(&b);
        for i in 0..v.rows() {
            let link = v.str(col::REPOST_OF, i).map(str::to_string);
            if link.is_some() {
                assert_eq!(v.str(col::REPOST_OF_SOURCE, i), Some("france_travail"));
            }
            state.insert(
                v.str(col::ID, i).unwrap().to_string(),
                (
                    v.ts_ms(col::FIRST_SEEN, i).unwrap(),
                    v.ts_ms(col::WITHDRAWN, i),
                    link,
                ),
            );
        }
    }
    let strip = |k: &str| k.trim_start_matches("france_travail/").to_string();
    let mut want: BTreeMap<String, String> = BTreeMap::new();
    let mut both = 0;
    for (d, o) in sim.planted_duplicates() {
        let (d, o) = (strip(&d), strip(&o));
        let (Some(rd), Some(ro)) = (state.get(&d), state.get(&o)) else {
            continue;
        };
        both += 1;
        if ro.1.is_some_and(|w| w <= rd.0) {
            want.insert(d, o);
        }
    }
    let got: BTreeMap<String, String> = state
        .iter()
        .filter_map(|(id, (_, _, l))| Some((id.clone(), l.clone()?)))
        .collect();
    assert_eq!(got, want);
    // 25 planted pairs have both offers in the dataset; in 4 the original was withdrawn by the
    // time the repost was first seen (both cases are exercised).
    assert_eq!((both, want.len()), (25, 4));
    // The runs' records count each repost once, when it is first seen.
    assert_eq!(reposts_recorded, 4);
}
