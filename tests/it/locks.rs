//! One writer per output (issue 14): a second `collect`, `convert` or `normalize` on a file
//! another process is writing exits 75 at once, names the holder's pid and changes nothing; the
//! lock of a killed process never blocks.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ftcollect::testhook::PAUSE_ENV;

use crate::collect::{csv_ids, expected};
use crate::harness::*;

/// Every file under `dir` with its bytes (one level of subdirectories is enough here).
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap_or_default());
            }
        }
    }
    out
}

fn collect_at(sim: &ftcollect::simulator::SimHandle, out: &Path) -> Command {
    let args = [
        "--output",
        out.to_str().unwrap(),
        "--parquet",
        "--quiet",
        "--months",
        "3",
        "--rate-limit-delay",
        "0",
    ];
    let mut c = collect_binary(sim, &args);
    c.env_remove(PAUSE_ENV).stdin(Stdio::null());
    c
}

/// Starts `cmd` paused at `stage`; returns the child once it says so (it holds its locks). The
/// caller kills and waits for it.
#[allow(clippy::zombie_processes)]
fn paused_at(mut cmd: Command, stage: &str) -> Child {
    cmd.env(PAUSE_ENV, stage)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the first run reaches its pause point");
        assert!(!line.contains("panicked"), "{line}");
        if line.contains("paused at stage") {
            return child;
        }
    }
}

/// Runs `cmd` to its end: (exit code, stderr, seconds it took).
fn finish(cmd: &mut Command) -> (Option<i32>, String, f64) {
    let t = Instant::now();
    let o = cmd.output().unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        t.elapsed().as_secs_f64(),
    )
}

#[test]
fn a_second_collect_on_one_output_exits_75_and_the_first_completes_exactly() {
    let sim = sim(3000);
    let d = tempdir();
    let out = d.path().join("jobs.csv");
    // The first run holds its output mid-collection (rows appended, not yet checkpointed).
    let mut first = paused_at(collect_at(&sim, &out), "csv-append");
    let before = files(d.path());
    assert!(before.contains_key(&d.path().join("jobs.csv.lock")));
    let (code, stderr, secs) = finish(&mut collect_at(&sim, &out));
    eprintln!("second collect: exit {code:?} after {secs:.2} s\n{stderr}");
    assert_eq!(code, Some(75), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "another ftcollect process is writing {} (pid {}, collect, since",
            out.display(),
            first.id()
        )),
        "{stderr}"
    );
    assert!(stderr.contains("Nothing was changed"), "{stderr}");
    assert_eq!(files(d.path()), before, "the refused run changed nothing");
    // Its lock file left behind, the first run dies: the lock never blocks the next run, which
    // resumes and completes with the exact id set.
    first.kill().unwrap();
    first.wait().unwrap();
    let (code, stderr, _) = finish(&mut collect_at(&sim, &out));
    assert_eq!(code, Some(0), "{stderr}");
    let ids = csv_ids(&out);
    let set: std::collections::BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(set.len(), ids.len(), "no duplicate");
    assert_eq!(set, expected(&sim, 3));
    assert!(
        !d.path().join("jobs.csv.lock").exists(),
        "no lock file left"
    );
}

#[test]
fn two_collects_started_together_one_completes_the_other_exits_75() {
    // Slow enough (a latency per request) that the first run outlasts the loser's patience
    // (`OUTPUT_LOCK_PATIENCE`, 0.5 s): at 40 ms both ran in turn and both exited 0.
    let sim = sim_with(3000, |c| c.latency = Duration::from_millis(250));
    let d = tempdir();
    let out = d.path().join("jobs.csv");
    let spawn = || {
        collect_at(&sim, &out)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let mut codes = [a.status.code(), b.status.code()];
    codes.sort();
    assert_eq!(
        codes,
        [Some(0), Some(75)],
        "{}\n{}",
        String::from_utf8_lossy(&a.stderr),
        String::from_utf8_lossy(&b.stderr)
    );
    let ids = csv_ids(&out);
    let set: std::collections::BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(set.len(), ids.len(), "no duplicate");
    assert_eq!(set, expected(&sim, 3));
    assert!(!d.path().join("jobs.csv.lock").exists());
    // No backup: the loser moved nothing aside.
    let names: Vec<String> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains(".bak-")), "{names:?}");
}

#[test]
fn a_second_convert_to_one_path_exits_75_and_convert_creates_a_missing_directory() {
    let sim = sim(1500);
    let d = tempdir();
    let csv = d.path().join("jobs.csv");
    let (code, stderr, _) = finish(&mut collect_binary(
        &sim,
        &[
            "--output",
            csv.to_str().unwrap(),
            "--quiet",
            "--months",
            "3",
        ],
    ));
    assert_eq!(code, Some(0), "{stderr}");
    let target = d.path().join("new/dir/jobs.parquet");
    let convert = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ftcollect"));
        c.args(["convert", csv.to_str().unwrap(), target.to_str().unwrap()])
            .env_remove(PAUSE_ENV)
            .stdin(Stdio::null());
        c
    };
    let mut first = paused_at(convert(), "parquet-rename");
    let before = files(d.path());
    let (code, stderr, secs) = finish(&mut convert());
    eprintln!("second convert: exit {code:?} after {secs:.2} s\n{stderr}");
    assert_eq!(code, Some(75), "{stderr}");
    assert!(
        stderr.contains(&format!("(pid {}, convert, since", first.id())),
        "{stderr}"
    );
    assert_eq!(
        files(d.path()),
        before,
        "the refused convert changed nothing"
    );
    first.kill().unwrap();
    first.wait().unwrap();
    let (code, stderr, _) = finish(&mut convert());
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!("to {}", target.display())),
        "{stderr}"
    );
    assert!(target.is_file());
    assert!(!d.path().join("new/dir/jobs.parquet.lock").exists());
}

#[test]
fn normalize_into_an_output_another_process_writes_exits_75() {
    let d = tempdir();
    std::fs::write(d.path().join("page.json"), r#"{"resultats":[]}"#).unwrap();
    let out = d.path().join("out.csv");
    std::fs::write(&out, "the previous output").unwrap();
    for (held, args) in [
        (out.clone(), vec!["--output", "out.csv"]),
        (
            d.path().join("out.parquet"),
            vec!["--parquet", "out.parquet"],
        ),
    ] {
        let lock = ftcollect::lock::lock_output(&held, "test").unwrap();
        let before = files(d.path());
        let o = Command::new(env!("CARGO_BIN_EXE_ftcollect"))
            .args(["normalize", "page.json"])
            .args(&args)
            .current_dir(d.path())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(75), "{err}");
        assert!(
            err.contains(&format!("(pid {}, test, since", std::process::id())),
            "{err}"
        );
        assert_eq!(files(d.path()), before, "nothing written");
        drop(lock);
    }
}
