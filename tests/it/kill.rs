//! Kill anywhere: SIGKILL `collect`, `sync` and `convert` at named points (during a checkpoint
//! write, right after rows were appended, during the final Parquet rename) and at seeded random
//! instants, resume each time, and check the end state against a clean run.
//!
//! CI runs a bounded subset. The full sweep:
//!
//!     FTCOLLECT_KILL_SWEEP=full cargo test --release --test it kill -- --nocapture

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ftcollect::collect::{self, checkpoint::Checkpoint};
use ftcollect::simulator::SimHandle;
use ftcollect::testhook::PAUSE_ENV;

use crate::collect::{csv_ids, expected};
use crate::harness::*;
use crate::parquet::parquet_ids;

fn full_sweep() -> bool {
    std::env::var("FTCOLLECT_KILL_SWEEP").is_ok_and(|v| v == "full")
}

/// What a sweep did, for the report.
#[derive(Default, Debug)]
struct Tally {
    kills: u32,
    resumes: u32,
    rows_checked: u64,
}

fn collect_cmd(sim: &SimHandle, out: &Path, pause: Option<&str>) -> Command {
    collect_cmd_at(sim, out, pause, "0.005")
}

fn collect_cmd_at(sim: &SimHandle, out: &Path, pause: Option<&str>, delay: &str) -> Command {
    let args = [
        "--output",
        out.to_str().unwrap(),
        "--parquet",
        "--quiet",
        "--rate-limit-delay",
        delay,
        "--workers",
        "4",
        "--checkpoint-interval",
        "150",
    ];
    let mut c = collect_binary(sim, &args);
    c.env_remove(PAUSE_ENV)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(p) = pause {
        c.env(PAUSE_ENV, p);
    }
    c
}

/// Starts `cmd`; if it pauses at its stage, or `after` elapses, kills it with SIGKILL. Returns
/// whether it was killed (false: it finished first).
fn run_and_kill(mut cmd: Command, after: Option<Duration>) -> bool {
    let mut child: Child = cmd.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + after.unwrap_or(Duration::from_secs(120));
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(
                status.code().is_some_and(|c| c == 0),
                "an unkilled run ends well: {status:?}"
            );
            return false;
        }
        match rx.recv_timeout(Duration::from_millis(2)) {
            Ok(line) if line.contains("paused at stage") => break,
            Ok(line) => assert!(!line.contains("panicked"), "{line}"),
            Err(_) => {}
        }
        if Instant::now() >= deadline {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    true
}

/// After a kill: the checkpoint, if any, is whole, and the CSV up to its recorded length is
/// well-formed; returns the rows checked.
fn check_after_kill(out: &Path) -> u64 {
    let cp = collect::checkpoint::path_for(out);
    if !cp.exists() {
        return 0;
    }
    let c = Checkpoint::load(&cp).expect("the checkpoint is never torn");
    let bytes = std::fs::read(out).unwrap();
    assert!(
        bytes.len() as u64 >= c.csv_bytes,
        "the CSV holds at least what the checkpoint recorded"
    );
    let mut r = csv::ReaderBuilder::new().from_reader(&bytes[..c.csv_bytes as usize]);
    let mut n = 0;
    for rec in r.records() {
        assert_eq!(
            rec.expect("well-formed row").len(),
            ftcollect::normalize::offer::COLUMN_COUNT
        );
        n += 1;
    }
    assert_eq!(n, c.csv_rows);
    n
}

fn no_temp_files(dir: &Path) {
    let left: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(left.is_empty(), "temporary files left behind: {left:?}");
}

/// Kills a collection at every point of `points` in turn (each kill hits the resumed run), then
/// lets it finish, and checks the result against the universe. A random point is a fraction of
/// the time a whole run takes on this machine (measured first): fixed delays would all land after
/// the end on a fast machine.
fn sweep_collect(points: &[(Option<String>, Option<f64>)]) -> Tally {
    let sim = sim(20_000);
    let want = expected(&sim, 12);
    let dir = tempdir();
    let out = dir.path().join("jobs.csv");
    let started = Instant::now();
    let timing = dir.path().join("timing.csv");
    assert!(!run_and_kill(collect_cmd(&sim, &timing, None), None));
    let whole_run = started.elapsed();
    let mut t = Tally::default();
    for (pause, fraction) in points {
        let after = fraction.map(|f| whole_run.mul_f64(f));
        if run_and_kill(collect_cmd(&sim, &out, pause.as_deref()), after) {
            t.kills += 1;
            t.rows_checked += check_after_kill(&out);
            // A killed run never leaves a Parquet file of its own behind a resumable checkpoint.
        } else {
            // Finished: start the next kill point from scratch.
            assert_eq!(csv_ids(&out).into_iter().collect::<BTreeSet<_>>(), want);
            std::fs::remove_file(&out).unwrap();
        }
        t.resumes += 1;
    }
    assert!(!run_and_kill(collect_cmd(&sim, &out, None), None));
    let ids = csv_ids(&out);
    let set: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(ids.len(), set.len(), "no duplicate");
    assert_eq!(set, want, "the id set of a clean run");
    assert_eq!(
        parquet_ids(&out.with_extension("parquet")),
        ids,
        "Parquet readable, with exactly the CSV's rows"
    );
    assert!(!collect::checkpoint::path_for(&out).exists());
    no_temp_files(dir.path());
    t.rows_checked += ids.len() as u64;
    t
}

fn points(
    rng: &mut fastrand::Rng,
    n_named: usize,
    n_random: usize,
) -> Vec<(Option<String>, Option<f64>)> {
    let mut v: Vec<(Option<String>, Option<f64>)> = Vec::new();
    for i in 0..n_named {
        let p = match i % 3 {
            0 => format!("checkpoint-write:{}", rng.u32(1..12)),
            1 => format!("csv-append:{}", rng.u32(1..40)),
            _ => format!("csv-append:{}", rng.u32(1..6)),
        };
        v.push((Some(p), None));
    }
    for _ in 0..n_random {
        // Up to 60% of a whole run: each kill hits a resumed run, which has less left to do.
        v.push((None, Some(0.02 + 0.58 * rng.f64())));
    }
    // The final Parquet rename, last (it only happens once the collection is complete).
    v.push((Some("parquet-rename".into()), None));
    let n = v.len() - 1;
    rng.shuffle(&mut v[..n]);
    v
}

#[test]
fn collect_survives_sigkill_at_named_and_random_points() {
    let mut rng = fastrand::Rng::with_seed(20261128);
    let (named, random) = if full_sweep() { (30, 30) } else { (5, 3) };
    let t = sweep_collect(&points(&mut rng, named, random));
    eprintln!("collect kill sweep: {t:?}");
    assert!(t.kills as usize >= named + random / 2, "{t:?}");
}

#[test]
fn convert_survives_sigkill_and_never_leaves_a_half_file() {
    let sim = sim(8000);
    let dir = tempdir();
    let csv = dir.path().join("in.csv");
    let mut c = crate::collect::config(&sim, &csv);
    c.workers = 4;
    collect::collect(&c).unwrap();
    let pq = dir.path().join("out.parquet");
    // A previous, complete output must survive a killed conversion untouched.
    std::fs::copy(&csv, dir.path().join("keep.csv")).unwrap();
    let run = |pause: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ftcollect"));
        cmd.args(["convert", csv.to_str().unwrap(), pq.to_str().unwrap()])
            .env_remove(PAUSE_ENV)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(p) = pause {
            cmd.env(PAUSE_ENV, p);
        }
        cmd
    };
    assert!(run_and_kill(run(Some("parquet-rename")), None));
    assert!(
        !pq.exists(),
        "no file until the complete one is renamed into place"
    );
    let mut rng = fastrand::Rng::with_seed(7);
    let kills = if full_sweep() { 20 } else { 3 };
    let mut landed = 1;
    for _ in 0..kills {
        landed += run_and_kill(run(None), Some(Duration::from_millis(rng.u64(2..60)))) as u32;
        if pq.exists() {
            assert_eq!(
                parquet_ids(&pq),
                csv_ids(&csv),
                "whatever exists is complete"
            );
        }
    }
    assert!(!run_and_kill(run(None), None));
    assert_eq!(parquet_ids(&pq), csv_ids(&csv));
    no_temp_files(dir.path());
    eprintln!(
        "convert kill sweep: {landed} kills, {} rows checked",
        csv_ids(&csv).len()
    );
}

/// `sync` slowed down (a request every 5 ms) so random kills land inside it.
fn sync_command(sim: &SimHandle, ds: &Path) -> Command {
    crate::history::sync_command_paced(sim, ds, None, &["--rate-limit-delay", "0.005"])
}

#[test]
fn sync_survives_sigkill_at_random_points() {
    use crate::history::{assert_readable, read_state};
    let sim = sim(12_000);
    let dir = tempdir();
    let clean = dir.path().join("clean");
    let killed = dir.path().join("killed");
    assert!(!run_and_kill(sync_command(&sim, &clean), None));
    let reference = read_state(&clean);
    let mut rng = fastrand::Rng::with_seed(11);
    let kills = if full_sweep() { 25 } else { 4 };
    let mut landed = 0;
    for _ in 0..kills {
        if run_and_kill(
            sync_command(&sim, &killed),
            Some(Duration::from_millis(rng.u64(10..400))),
        ) {
            landed += 1;
            if killed.join("manifest.json").exists() {
                // A kill after the commit point leaves the publish to the next process that takes
                // the lock: `history` finishes it, then everything must read.
                let h = Command::new(env!("CARGO_BIN_EXE_ftcollect"))
                    .args(["history", "--dataset", killed.to_str().unwrap()])
                    .output()
                    .unwrap();
                assert_eq!(
                    h.status.code(),
                    Some(0),
                    "{}",
                    String::from_utf8_lossy(&h.stderr)
                );
                assert_readable(&killed);
            }
        }
        // A run that finished before its kill time is a complete run: the next one starts anew.
    }
    // Finish whatever run is pending.
    while killed.join("_work").exists() || !killed.join("offers.parquet").exists() {
        assert!(!run_and_kill(sync_command(&sim, &killed), None));
    }
    assert_readable(&killed);
    let state = read_state(&killed);
    assert_eq!(
        state.keys().collect::<Vec<_>>(),
        reference.keys().collect::<Vec<_>>(),
        "the offers of a clean sync"
    );
    eprintln!(
        "sync kill sweep: {landed} kills, {} offers checked",
        state.len()
    );
    assert!(landed >= 1, "at least one kill landed inside a sync");
}

#[test]
fn sigint_and_sigterm_stop_cleanly_with_exit_130_and_the_next_run_resumes() {
    let sim = sim(20_000);
    let want = expected(&sim, 12);
    let dir = tempdir();
    let out = dir.path().join("int.csv");
    for signal in ["-INT", "-TERM"] {
        let child = collect_cmd_at(&sim, &out, None, "0.02").spawn().unwrap();
        // Signal only once this run has written rows (its handler is installed by then).
        let before = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0) < before + 300_000
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(5));
        }
        let st = Command::new("kill")
            .arg(signal)
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(st.success());
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(130), "{signal}");
        // The message names neither key nor signal (SIGTERM is not a Ctrl-C).
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(
                "interrupted: stopping after the pages in flight (a second interrupt quits at once)"
            ),
            "{signal}: {err}"
        );
        assert!(!err.contains("Ctrl-C"), "{signal}: {err}");
        let rows = check_after_kill(&out);
        assert!(
            rows > 0,
            "the pages in flight were written and checkpointed"
        );
        let c = Checkpoint::load(&collect::checkpoint::path_for(&out)).unwrap();
        assert_eq!(
            c.csv_bytes,
            std::fs::metadata(&out).unwrap().len(),
            "{signal}: the checkpoint covers every row written"
        );
    }
    assert!(!run_and_kill(collect_cmd(&sim, &out, None), None));
    let ids = csv_ids(&out);
    assert_eq!(ids.len(), want.len());
    assert_eq!(ids.into_iter().collect::<BTreeSet<_>>(), want);
}
