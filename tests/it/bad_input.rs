//! The bad-input catalogue (`docs/bad-input.md`): one test per row, same order, same names.
//!
//! Each test drives the binary in a fresh temporary working directory (so no stray `.env` is read)
//! and checks the documented exit code, the key phrases of the message (the problem and the fix),
//! that nothing panicked, and that nothing already written was lost or altered.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use ftcollect::collect::checkpoint::{self, Checkpoint};
use ftcollect::history::dataset::{DatasetLock, Layout};
use ftcollect::simulator::{Query, SimHandle};

use crate::harness::*;

const EXE: &str = env!("CARGO_BIN_EXE_ftcollect");

/// What a run returned and printed.
struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// The binary, working in `dir`, with demo credentials and none of the variables that would change
/// its behaviour (RUST_BACKTRACE is removed so a panic prints its usual note).
fn cmd(dir: &Path) -> Command {
    let mut c = Command::new(EXE);
    c.current_dir(dir)
        .env("FRANCE_TRAVAIL_ID", "demo-id")
        .env("FRANCE_TRAVAIL_KEY", "demo-secret")
        .stdin(Stdio::null());
    for v in [
        "RUST_LOG",
        "RUST_BACKTRACE",
        "FRANCE_TRAVAIL_API_URL",
        "FRANCE_TRAVAIL_TOKEN_URL",
        "ADZUNA_API_URL",
        "ADZUNA_APP_ID",
        "ADZUNA_APP_KEY",
        "XDG_STATE_HOME",
    ] {
        c.env_remove(v);
    }
    c
}

fn run(c: &mut Command) -> Out {
    let o = c.output().expect("the binary runs");
    Out {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// `ftcollect ARGS` in `dir`.
fn ft(dir: &Path, args: &[&str]) -> Out {
    run(cmd(dir).args(args))
}

/// The options pointing a collection at `sim`: URLs, its frozen clock, no pacing, quiet.
fn at(sim: &SimHandle) -> Vec<String> {
    let mut v = sim_args(sim);
    v.extend(["--rate-limit-delay", "0", "--quiet"].map(String::from));
    v
}

/// `ftcollect ARGS` against `sim`, in `dir`.
fn ft_at(dir: &Path, sim: &SimHandle, args: &[&str]) -> Out {
    run(cmd(dir).args(args).args(at(sim)))
}

/// The exit code, no panic, and every phrase in the output (stderr, then stdout).
fn expect(out: &Out, code: i32, phrases: &[&str]) {
    let all = format!("{}{}", out.stderr, out.stdout);
    // Shown with `--nocapture`: the catalogue's excerpts come from here.
    eprintln!("--- exit {:?}\n{all}", out.code);
    assert!(
        !all.contains("panicked") && !all.contains("RUST_BACKTRACE"),
        "a panic:\n{all}"
    );
    assert_eq!(out.code, Some(code), "exit code; the output was:\n{all}");
    for p in phrases {
        assert!(all.contains(p), "{p:?} missing from:\n{all}");
    }
}

/// Every file under `dir` (recursively), with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            let t = e.file_type().unwrap();
            if t.is_dir() {
                stack.push(p);
            } else if t.is_file() {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            } else {
                out.insert(p, b"(not a regular file)".to_vec());
            }
        }
    }
    out
}

/// The directory holds exactly what it held: no file altered, removed or added.
/// `ftcollect ARGS` in an empty directory: exits `code` with `phrases`, and writes nothing.
fn refused_in_an_empty_dir(args: &[&str], code: i32, phrases: &[&str]) {
    let d = tempdir();
    let out = ft(d.path(), args);
    expect(&out, code, phrases);
    unchanged(&BTreeMap::new(), d.path());
}

fn unchanged(before: &BTreeMap<PathBuf, Vec<u8>>, dir: &Path) {
    let after = files(dir);
    let names = |m: &BTreeMap<PathBuf, Vec<u8>>| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&after), names(before), "the same files");
    for (p, bytes) in before {
        assert!(&after[p] == bytes, "{} was altered", p.display());
    }
}

/// Every file of `before` still holds its bytes, at its path or moved aside to `<path>.bak-…`.
fn preserved(before: &BTreeMap<PathBuf, Vec<u8>>, dir: &Path) {
    let after = files(dir);
    for (p, bytes) in before {
        let bak = format!("{}.bak-", p.display());
        let kept = after.get(p) == Some(bytes)
            || after
                .iter()
                .any(|(q, b)| q.to_string_lossy().starts_with(&bak) && b == bytes);
        assert!(kept, "{} was lost or altered", p.display());
    }
}

/// A complete collection of the default query into `dir/jobs.csv`, for the rows that check that an
/// earlier output survives.
fn complete_run(dir: &Path, sim: &SimHandle) -> PathBuf {
    let out = dir.join("jobs.csv");
    let r = ft_at(dir, sim, &["--output", "jobs.csv"]);
    expect(&r, 0, &[]);
    assert!(out.is_file());
    out
}

/// The ids of a CSV written by the tool, checking every row's width.
fn ids(path: &Path) -> Vec<String> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.records()
        .map(|rec| {
            let rec = rec.expect("a well-formed row");
            assert_eq!(rec.len(), ftcollect::normalize::offer::COLUMN_COUNT);
            rec[0].to_string()
        })
        .collect()
}

/// The six départements of the interrupted collection: two root slices (a group of five, then one).
const DEPTS: &str = "75,92,69,13,31,33";

/// The options of the interrupted collection (one worker, so its order is fixed).
fn partial_args() -> Vec<&'static str> {
    vec![
        "--output",
        "jobs.csv",
        "--departements",
        DEPTS,
        "--workers",
        "1",
        "--checkpoint-interval",
        "1",
    ]
}

/// The ids the simulator holds for the interrupted collection's query.
fn partial_expected(sim: &SimHandle) -> BTreeSet<String> {
    let w = ftcollect::source::france_travail::plan::window_for(sim.now(), 12);
    let position = |list: &[&str], code: &str| list.iter().position(|c| *c == code).unwrap() as u8;
    let romes: Vec<&str> = ftcollect::simulator::catalog::ROMES
        .iter()
        .map(|r| r.code)
        .collect();
    let depts: Vec<&str> = ftcollect::simulator::geo::DEPTS
        .iter()
        .map(|d| d.code)
        .collect();
    let q = Query {
        romes: Some(
            ftcollect::collect::DEFAULT_ROME_CODES
                .iter()
                .map(|c| position(&romes, c))
                .collect(),
        ),
        depts: Some(DEPTS.split(',').map(|d| position(&depts, d)).collect()),
        window: Some((w.min.timestamp_millis(), w.max.timestamp_millis())),
        ..Default::default()
    };
    sim.expected_ids(&q).into_iter().collect()
}

/// A collection stopped by a full disk: the raw archive of the second slice is on `/dev/full`.
/// Returns the run's output; `dir` then holds `jobs.csv` and its checkpoint (with rows).
fn disk_full_run(dir: &Path, sim: &SimHandle) -> Out {
    let raw = dir.join("raw");
    std::fs::create_dir(&raw).unwrap();
    std::os::unix::fs::symlink("/dev/full", raw.join("slice-00001.jsonl.gz")).unwrap();
    let mut args = partial_args();
    args.extend(["--raw-dir", "raw"]);
    ft_at(dir, sim, &args)
}

/// `jobs.csv` and a checkpoint holding some rows, as an interrupted collection leaves them (the raw
/// archive that stopped it is removed).
fn interrupted(dir: &Path, sim: &SimHandle) -> Checkpoint {
    let r = disk_full_run(dir, sim);
    expect(&r, 1, &["No space left on device"]);
    std::fs::remove_dir_all(dir.join("raw")).unwrap();
    let cp = Checkpoint::load(&checkpoint::path_for(&dir.join("jobs.csv"))).unwrap();
    assert!(cp.csv_rows > 0, "premise: the checkpoint holds rows");
    cp
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// What the stub API answers to a search.
#[derive(Clone)]
struct Page {
    status: u16,
    body: String,
    content_range: Option<String>,
}

/// A stub France Travail API: a token at `/token`, `page` at `/api/v2/offres/search`, and an HTML
/// page (200) anywhere else. Returns its base URL and a count of search requests.
fn stub(page: Arc<Mutex<Page>>) -> (String, Arc<AtomicU32>) {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let port = server.server_addr().to_ip().unwrap().port();
    let searches = Arc::new(AtomicU32::new(0));
    let s = searches.clone();
    std::thread::spawn(move || {
        for mut req in server.incoming_requests() {
            let mut sink = Vec::new();
            let _ = req.as_reader().read_to_end(&mut sink);
            let header = |k: &str, v: &str| tiny_http::Header::from_bytes(k, v).unwrap();
            let url = req.url().to_string();
            let resp = if url.starts_with("/token") {
                tiny_http::Response::from_string(
                    r#"{"access_token":"stub-token","token_type":"Bearer","expires_in":1499}"#,
                )
                .with_header(header("Content-Type", "application/json"))
            } else if url.starts_with("/api/v2/offres/search") {
                s.fetch_add(1, Ordering::SeqCst);
                let p = page.lock().unwrap().clone();
                let mut r = tiny_http::Response::from_string(p.body)
                    .with_status_code(p.status)
                    .with_header(header("Content-Type", "application/json"));
                if let Some(cr) = p.content_range {
                    r = r.with_header(header("Content-Range", &cr));
                }
                r
            } else {
                tiny_http::Response::from_string(
                    "<!DOCTYPE html><html><body><h1>Welcome</h1></body></html>",
                )
                .with_header(header("Content-Type", "text/html"))
            };
            let _ = req.respond(resp);
        }
    });
    (format!("http://127.0.0.1:{port}"), searches)
}

/// A collection against the stub at `base`.
fn ft_stub(dir: &Path, base: &str, args: &[&str]) -> Out {
    run(cmd(dir).args(args).args([
        "--api-url",
        &format!("{base}/api"),
        "--token-url",
        &format!("{base}/token"),
        "--now",
        "2026-11-01T12:00:00Z",
        "--months",
        "1",
        "--rate-limit-delay",
        "0",
        "--quiet",
    ]))
}

/// One offer as the API sends it, with `latitude` as given.
fn offer_json(id: &str, latitude: &str) -> String {
    format!(
        r#"{{"id":"{id}","intitule":"Data engineer","romeCode":"M1811","dateCreation":"2026-10-20T10:00:00.000Z",
            "lieuTravail":{{"libelle":"75 - Paris","latitude":{latitude},"longitude":2.35,"codePostal":"75001"}}}}"#
    )
}

// ---------------------------------------------------------------------------------------------
// Option values.

#[test]
fn r01_months_zero() {
    refused_in_an_empty_dir(
        &["--months", "0"],
        2,
        &["'--months <N>'", "0 is not in 1..=120"],
    );
}

#[test]
fn r02_results_per_page_151() {
    refused_in_an_empty_dir(
        &["--results-per-page", "151"],
        2,
        &["'--results-per-page <N>'", "151 is not in 1..=150"],
    );
}

#[test]
fn r03_negative_rate_limit_delay() {
    refused_in_an_empty_dir(
        &["--rate-limit-delay", "-1"],
        2,
        &[
            "'--rate-limit-delay <SECONDS>'",
            "`-1` must be between 0 and 3600 seconds",
            "e.g. 0.1, for the API's 10 requests per second",
        ],
    );
}

#[test]
fn r04_workers_zero() {
    refused_in_an_empty_dir(
        &["--workers", "0"],
        2,
        &["'--workers <N>'", "0 is not in 1..=64"],
    );
}

#[test]
fn r05_timeout_zero() {
    refused_in_an_empty_dir(
        &["--timeout", "0"],
        2,
        &[
            "'--timeout <SECONDS>'",
            "`0` must be between 0.001 and 3600 seconds",
        ],
    );
}

#[test]
fn r06_unknown_strategy() {
    refused_in_an_empty_dir(
        &["--strategy", "fastest"],
        2,
        &[
            "'--strategy <STRATEGY>'",
            "[possible values: adaptive, grid]",
        ],
    );
}

#[test]
fn r07_malformed_rome_code() {
    refused_in_an_empty_dir(
        &["--rome", "M1811,X12"],
        2,
        &[
            "--rome: `X12` is not a ROME code",
            "a letter A–N and four digits, such as M1811",
        ],
    );
}

#[test]
fn r08_unknown_departement() {
    refused_in_an_empty_dir(
        &["--departements", "75,99"],
        2,
        &[
            "--departements: `99` is not a département code the API knows",
            "Use 01…19, 2A, 2B, 21…95, 971",
        ],
    );
}

#[test]
fn r09_departement_20() {
    refused_in_an_empty_dir(
        &["--departements", "20"],
        2,
        &["`20` is not a département code", "Corsica is 2A and 2B"],
    );
}

#[test]
fn r10_empty_search() {
    refused_in_an_empty_dir(
        &["--search", ""],
        2,
        &["--search is empty", "give keywords", "or omit --search"],
    );
}

#[test]
fn r11_one_letter_keyword() {
    refused_in_an_empty_dir(
        &["--search", "c data"],
        2,
        &[
            "--search `c data`",
            "at least 2 characters in every keyword",
            "`c` is shorter",
            "Remove the short word(s) or lengthen them",
        ],
    );
}

#[test]
fn r12_parquet_same_as_output() {
    let d = tempdir();
    let out = ft(
        d.path(),
        &["--output", "jobs.csv", "--parquet", "./jobs.csv"],
    );
    expect(
        &out,
        2,
        &[
            "--parquet names the same file as --output",
            "Give the Parquet file another name, such as jobs.parquet",
        ],
    );
    unchanged(&BTreeMap::new(), d.path());
}

#[test]
fn r13_parquet_is_a_directory() {
    let d = tempdir();
    std::fs::create_dir(d.path().join("pq")).unwrap();
    let before = files(d.path());
    let out = ft(d.path(), &["--output", "jobs.csv", "--parquet", "pq"]);
    expect(
        &out,
        2,
        &[
            "--parquet pq is a directory",
            "give a file path such as pq/jobs.parquet",
        ],
    );
    unchanged(&before, d.path());
}

#[test]
fn r14_adzuna_with_departements() {
    let d = tempdir();
    let out = run(cmd(d.path())
        .env("ADZUNA_APP_ID", "demo-app")
        .env("ADZUNA_APP_KEY", "demo-key")
        .args([
            "--source",
            "adzuna",
            "--departements",
            "75",
            "--adzuna-quota-file",
            "q.json",
        ]));
    expect(
        &out,
        2,
        &[
            "--departements filters France Travail only",
            "remove --departements, use --adzuna-where",
        ],
    );
    unchanged(&BTreeMap::new(), d.path());
}

#[test]
fn r15_plain_http_to_a_real_host() {
    let d = tempdir();
    let out = ft(
        d.path(),
        &[
            "--api-url",
            "http://api.francetravail.io/partenaire/offresdemploi",
        ],
    );
    expect(
        &out,
        2,
        &[
            "--api-url / FRANCE_TRAVAIL_API_URL is `http://api.francetravail.io/partenaire/offresdemploi`",
            "plain http:// is only allowed for a loopback host",
            "Use an https:// URL",
        ],
    );
    unchanged(&BTreeMap::new(), d.path());
}

// ---------------------------------------------------------------------------------------------
// Credentials and configuration.

#[test]
fn r16_missing_france_travail_credentials() {
    let d = tempdir();
    let out = run(cmd(d.path())
        .env_remove("FRANCE_TRAVAIL_KEY")
        .args(["--output", "jobs.csv"]));
    expect(
        &out,
        1,
        &[
            "France Travail credentials are missing (FRANCE_TRAVAIL_KEY not set)",
            "Set FRANCE_TRAVAIL_ID and FRANCE_TRAVAIL_KEY",
            "ftcollect demo",
        ],
    );
    unchanged(&BTreeMap::new(), d.path());
}

#[test]
fn r17_wrong_france_travail_credentials() {
    let sim = sim(1500);
    let d = tempdir();
    complete_run(d.path(), &sim);
    let before = files(d.path());
    let out = run(cmd(d.path())
        .env("FRANCE_TRAVAIL_KEY", "not-the-secret")
        .args(["--output", "jobs.csv"])
        .args(at(&sim)));
    expect(
        &out,
        1,
        &[
            "France Travail refused the credentials",
            "Check FRANCE_TRAVAIL_ID and FRANCE_TRAVAIL_KEY",
        ],
    );
    assert!(!out.stderr.contains("not-the-secret"));
    // Refused before anything was touched: the earlier output is still in place.
    unchanged(&before, d.path());
}

#[test]
fn r18_missing_adzuna_keys() {
    let d = tempdir();
    let out = ft(
        d.path(),
        &["--source", "adzuna", "--adzuna-quota-file", "q.json"],
    );
    expect(
        &out,
        1,
        &[
            "Adzuna keys are missing (ADZUNA_APP_ID and ADZUNA_APP_KEY not set)",
            "Set ADZUNA_APP_ID and ADZUNA_APP_KEY",
            "--source france-travail",
        ],
    );
    unchanged(&BTreeMap::new(), d.path());
}

#[test]
fn r19_wrong_adzuna_key() {
    let sim = sim(100);
    let d = tempdir();
    let out = run(cmd(d.path())
        .env("ADZUNA_APP_ID", "demo-app")
        .env("ADZUNA_APP_KEY", "not-the-key")
        .args([
            "--source",
            "adzuna",
            "--output",
            "jobs.csv",
            "--adzuna-url",
            &sim.adzuna_url(),
            "--adzuna-quota-file",
            "q.json",
            "--adzuna-delay",
            "0",
            "--now",
            &sim.now().to_rfc3339(),
            "--quiet",
        ]));
    expect(
        &out,
        1,
        &[
            "Adzuna refused the application keys",
            "Check ADZUNA_APP_ID and ADZUNA_APP_KEY",
        ],
    );
    assert!(!out.stderr.contains("not-the-key"));
    // No offer was written; the quota ledger stays readable.
    assert!(ids(&d.path().join("jobs.csv")).is_empty());
    serde_json::from_slice::<serde_json::Value>(&std::fs::read(d.path().join("q.json")).unwrap())
        .unwrap();
}

#[test]
fn r20_dotenv_with_a_bad_line() {
    let d = tempdir();
    std::fs::write(
        d.path().join(".env"),
        "FRANCE_TRAVAIL_ID=demo-id\nFRANCE_TRAVAIL_KEY=my secret value\n",
    )
    .unwrap();
    let before = files(d.path());
    let out = run(cmd(d.path())
        .env_remove("FRANCE_TRAVAIL_ID")
        .env_remove("FRANCE_TRAVAIL_KEY")
        .args(["--output", "jobs.csv"]));
    expect(
        &out,
        1,
        &[
            ".env cannot be parsed: line 2 (the value of FRANCE_TRAVAIL_KEY) is not of the form NAME=value",
            "Fix that line (quote a value holding spaces",
            "or remove the file",
        ],
    );
    assert!(!out.stderr.contains("secret value"), "{}", out.stderr);
    unchanged(&before, d.path());
}

// ---------------------------------------------------------------------------------------------
// The API's address.

#[test]
fn r21_unreachable_api() {
    let d = tempdir();
    let port = closed_port();
    let args = [
        "--output",
        "jobs.csv",
        "--max-attempts",
        "2",
        "--timeout",
        "2",
    ];
    let out = run(cmd(d.path()).args(args).args([
        "--api-url",
        &format!("http://127.0.0.1:{port}/partenaire/offresdemploi"),
        "--token-url",
        &format!("http://127.0.0.1:{port}/token"),
        "--now",
        &sim_now().to_rfc3339(),
        "--rate-limit-delay",
        "0",
        "--quiet",
    ]));
    expect(
        &out,
        3,
        &[
            "collection INCOMPLETE",
            "the token request failed after 2 attempts",
            "Connection refused",
            "check the network and the API and token URLs (--api-url and --token-url)",
            "run the same command again",
        ],
    );
    assert!(checkpoint::path_for(&d.path().join("jobs.csv")).is_file());
    // The API back: the same command finishes the collection.
    let sim = sim(1500);
    let again = run(cmd(d.path()).args(args).args(at(&sim)));
    expect(&again, 0, &[]);
    assert!(!ids(&d.path().join("jobs.csv")).is_empty());
}

#[test]
fn r22_api_url_of_something_else() {
    let sim = sim(1500);
    let d = tempdir();
    complete_run(d.path(), &sim);
    let before = files(d.path());
    let out = run(cmd(d.path()).args(["--output", "jobs.csv"]).args([
        "--api-url",
        &format!("{}/not/the/api", sim.base_url()),
        "--token-url",
        &sim.token_url(),
        "--now",
        &sim.now().to_rfc3339(),
        "--rate-limit-delay",
        "0",
        "--quiet",
    ]));
    expect(
        &out,
        1,
        &[
            "answered HTTP 404",
            "this does not look like the France Travail API",
            "Check --api-url / FRANCE_TRAVAIL_API_URL (it ends with /partenaire/offresdemploi)",
        ],
    );
    preserved(&before, d.path());
}

#[test]
fn r23_token_url_of_a_web_page() {
    let (base, searches) = stub(Arc::new(Mutex::new(Page {
        status: 204,
        body: String::new(),
        content_range: None,
    })));
    let d = tempdir();
    let out = run(cmd(d.path()).args(["--output", "jobs.csv"]).args([
        "--api-url",
        &format!("{base}/api"),
        "--token-url",
        &format!("{base}/welcome.html"),
        "--quiet",
    ]));
    expect(
        &out,
        1,
        &[
            "answered 200 without an access token",
            "check --token-url / FRANCE_TRAVAIL_TOKEN_URL",
        ],
    );
    assert_eq!(searches.load(Ordering::SeqCst), 0);
    unchanged(&BTreeMap::new(), d.path());
}

// ---------------------------------------------------------------------------------------------
// Where the output goes.

#[test]
fn r24_output_is_a_directory() {
    let d = tempdir();
    std::fs::create_dir(d.path().join("jobs.csv")).unwrap();
    let sim = sim(100);
    let out = ft_at(d.path(), &sim, &["--output", "jobs.csv"]);
    expect(
        &out,
        1,
        &[
            "--output jobs.csv is a directory",
            "give a file path such as jobs.csv/jobs.csv",
        ],
    );
    assert!(d.path().join("jobs.csv").is_dir());
    assert_eq!(files(d.path()).len(), 0);
}

#[test]
fn r25_output_under_a_regular_file() {
    let d = tempdir();
    std::fs::write(d.path().join("data"), "not a directory").unwrap();
    let before = files(d.path());
    let sim = sim(100);
    let out = ft_at(d.path(), &sim, &["--output", "data/2026/jobs.csv"]);
    expect(
        &out,
        1,
        &[
            "data is a file, not a directory",
            "Choose an --output in a directory",
        ],
    );
    unchanged(&before, d.path());
}

#[test]
fn r26_output_in_a_directory_that_cannot_be_written() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempdir();
    let ro = d.path().join("read-only");
    std::fs::create_dir(&ro).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    // Root writes through permissions: then use a directory nobody can create files in.
    let privileged = std::fs::write(ro.join("probe"), "").is_ok();
    let _ = std::fs::remove_file(ro.join("probe"));
    let target = if privileged {
        PathBuf::from("/proc/ftcollect-bad-input.csv")
    } else {
        ro.join("jobs.csv")
    };
    let sim = sim(100);
    let out = ft_at(d.path(), &sim, &["--output", target.to_str().unwrap()]);
    expect(
        &out,
        1,
        &[
            &format!("cannot create {}", target.display()),
            "choose an --output in a directory you can write to",
        ],
    );
    if !privileged {
        assert!(
            out.stderr.contains("check the permissions"),
            "{}",
            out.stderr
        );
    }
    assert!(!target.exists());
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(files(d.path()).len(), 0);
}

#[test]
fn r27_output_on_a_full_device() {
    use std::os::unix::fs::FileTypeExt;
    let d = tempdir();
    let sim = sim(100);
    let out = ft_at(d.path(), &sim, &["--output", "/dev/full"]);
    expect(
        &out,
        1,
        &[
            "cannot write /dev/full",
            "No space left on device",
            "the disk is full: free some space, then run the same command again",
        ],
    );
    assert!(
        std::fs::metadata("/dev/full")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    for p in std::fs::read_dir("/dev").unwrap().flatten() {
        let name = p.file_name().to_string_lossy().into_owned();
        assert!(
            !name.starts_with("full.") && !name.starts_with(".full."),
            "{name} left in /dev"
        );
    }
}

#[test]
fn r28_disk_full_during_a_run() {
    let sim = sim(2000);
    let d = tempdir();
    let out = disk_full_run(d.path(), &sim);
    expect(
        &out,
        1,
        &[
            "cannot write the raw archive",
            "No space left on device",
            "the disk is full: free some space, then run the same command again to resume",
        ],
    );
    // The checkpoint describes a durable, well-formed prefix of the CSV.
    let csv = d.path().join("jobs.csv");
    let cp = Checkpoint::load(&checkpoint::path_for(&csv)).unwrap();
    assert!(cp.csv_rows > 0);
    let bytes = std::fs::read(&csv).unwrap();
    let prefix = bytes[..cp.csv_bytes as usize].to_vec();
    let kept = csv::Reader::from_reader(&prefix[..]).records().count() as u64;
    assert_eq!(kept, cp.csv_rows);
    // Space freed: the same command resumes and ends with exactly the query's offers.
    std::fs::remove_file(d.path().join("raw/slice-00001.jsonl.gz")).unwrap();
    let mut args = partial_args();
    args.extend(["--raw-dir", "raw"]);
    expect(&ft_at(d.path(), &sim, &args), 0, &[]);
    assert!(std::fs::read(&csv).unwrap().starts_with(&prefix));
    let got = ids(&csv);
    let set: BTreeSet<String> = got.iter().cloned().collect();
    assert_eq!(got.len(), set.len(), "no duplicate");
    assert_eq!(set, partial_expected(&sim));
}

// ---------------------------------------------------------------------------------------------
// Checkpoints and existing outputs.

#[test]
fn r29_corrupt_checkpoint() {
    let sim = sim(2000);
    let d = tempdir();
    interrupted(d.path(), &sim);
    let cp = checkpoint::path_for(&d.path().join("jobs.csv"));
    std::fs::write(&cp, b"\x00\x01 this is not JSON").unwrap();
    let before = files(d.path());
    let out = ft_at(d.path(), &sim, &partial_args());
    expect(
        &out,
        1,
        &[
            "the checkpoint jobs.csv.checkpoint is damaged or was not written by ftcollect",
            "Nothing was changed",
            "with --restart",
        ],
    );
    unchanged(&before, d.path());
    // The fix the message gives: --restart starts over and keeps both files as .bak.
    let mut args = partial_args();
    args.push("--restart");
    expect(&ft_at(d.path(), &sim, &args), 0, &[]);
    preserved(&before, d.path());
}

#[test]
fn r30_truncated_checkpoint() {
    let sim = sim(2000);
    let d = tempdir();
    interrupted(d.path(), &sim);
    let cp = checkpoint::path_for(&d.path().join("jobs.csv"));
    let bytes = std::fs::read(&cp).unwrap();
    std::fs::write(&cp, &bytes[..bytes.len() / 2]).unwrap();
    let before = files(d.path());
    let out = ft_at(d.path(), &sim, &partial_args());
    expect(
        &out,
        1,
        &[
            "is damaged or was not written by ftcollect (EOF while parsing",
            "with --restart",
        ],
    );
    unchanged(&before, d.path());
}

#[test]
fn r31_checkpoint_of_another_query() {
    let sim = sim(2000);
    let d = tempdir();
    interrupted(d.path(), &sim);
    let before = files(d.path());
    let mut args = partial_args();
    args.extend(["--months", "6"]);
    let out = ft_at(d.path(), &sim, &args);
    expect(
        &out,
        2,
        &[
            "jobs.csv.checkpoint belongs to another query (--months was 12, now 6)",
            "Run the same command as before to resume it, or add --restart",
        ],
    );
    unchanged(&before, d.path());
}

#[test]
fn r32_output_with_a_foreign_header() {
    let d = tempdir();
    std::fs::write(d.path().join("jobs.csv"), "name,age\nbob,33\n").unwrap();
    let before = files(d.path());
    let sim = sim(100);
    let out = ft_at(d.path(), &sim, &["--output", "jobs.csv"]);
    expect(
        &out,
        1,
        &[
            "jobs.csv exists and is not a CSV written by ftcollect (column 1 is `name`, expected `id`)",
            "It was left untouched: choose another --output or move the file away",
        ],
    );
    unchanged(&before, d.path());
}

#[test]
fn r33_csv_shorter_than_its_checkpoint() {
    let sim = sim(2000);
    let d = tempdir();
    let cp = interrupted(d.path(), &sim);
    let csv = d.path().join("jobs.csv");
    let bytes = std::fs::read(&csv).unwrap();
    std::fs::write(&csv, &bytes[..cp.csv_bytes as usize - 10]).unwrap();
    let before = files(d.path());
    let out = ft_at(d.path(), &sim, &partial_args());
    expect(
        &out,
        1,
        &[
            &format!(
                "is shorter ({} bytes) than the checkpoint recorded ({} bytes)",
                cp.csv_bytes - 10,
                cp.csv_bytes
            ),
            "modified outside ftcollect",
            "Run with --restart",
        ],
    );
    unchanged(&before, d.path());
}

#[test]
fn r34_csv_replaced_by_another_file() {
    let sim = sim(2000);
    let d = tempdir();
    let cp = interrupted(d.path(), &sim);
    let other = "x".repeat(cp.csv_bytes as usize + 100);
    std::fs::write(d.path().join("jobs.csv"), other).unwrap();
    let before = files(d.path());
    let out = ft_at(d.path(), &sim, &partial_args());
    expect(
        &out,
        1,
        &[
            "jobs.csv no longer starts with ftcollect's header",
            "Nothing was changed",
            "Run with --restart",
        ],
    );
    unchanged(&before, d.path());
}

#[test]
fn r35_csv_gone_but_checkpoint_left() {
    let sim = sim(2000);
    let d = tempdir();
    interrupted(d.path(), &sim);
    std::fs::remove_file(d.path().join("jobs.csv")).unwrap();
    let before = files(d.path());
    let out = ft_at(d.path(), &sim, &partial_args());
    expect(
        &out,
        1,
        &[
            "the checkpoint jobs.csv.checkpoint exists but jobs.csv is gone",
            "Run with --restart",
        ],
    );
    unchanged(&before, d.path());
}

// ---------------------------------------------------------------------------------------------
// `normalize` inputs: each stops with a message, and the previous output stays as it was.

fn normalize_rejects(name: &str, bytes: &[u8], phrases: &[&str]) {
    let d = tempdir();
    std::fs::write(d.path().join(name), bytes).unwrap();
    std::fs::write(d.path().join("out.csv"), "the previous output\n").unwrap();
    let before = files(d.path());
    let out = ft(d.path(), &["normalize", name, "--output", "out.csv"]);
    expect(&out, 1, phrases);
    unchanged(&before, d.path());
}

#[test]
fn r36_normalize_malformed_json() {
    normalize_rejects(
        "page.json",
        br#"{"resultats": [{"id": 1234,}]}"#,
        &[
            "page.json, line 1, column 28: malformed JSON",
            "expected a France Travail search response",
        ],
    );
}

#[test]
fn r37_normalize_truncated_json() {
    normalize_rejects(
        "page.json",
        br#"{"resultats": [{"id": "123ABCD", "intitule": "Data engi"#,
        &[
            "page.json, line 1, column 55: malformed JSON (EOF while parsing a string)",
            "check that the file is complete (not truncated)",
        ],
    );
}

#[test]
fn r38_normalize_non_utf8() {
    normalize_rejects(
        "page.json",
        b"{\"resultats\": [{\"id\": \"1\", \"intitule\": \"Ing\xe9nieur\"}]}",
        &[
            "page.json, line 1",
            "the bytes are not valid UTF-8",
            "re-encode the file (e.g. `iconv -f latin1 -t utf-8`)",
        ],
    );
}

#[test]
fn r39_normalize_empty_file() {
    normalize_rejects(
        "page.json",
        b"",
        &[
            "page.json: the input is empty",
            "expected a France Travail search response",
        ],
    );
}

#[test]
fn r40_normalize_damaged_gzip() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, offer_json("123ABCD", "48.85").as_bytes()).unwrap();
    let bytes = gz.finish().unwrap();
    normalize_rejects(
        "page.json.gz",
        &bytes[..bytes.len() / 2],
        &[
            "page.json.gz: the gzip data is damaged",
            "the archive may have been cut short",
            "Copy it again",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// `convert` inputs and outputs.

/// A CSV written by `normalize` from one offer.
fn our_csv(dir: &Path) -> PathBuf {
    std::fs::write(dir.join("offer.json"), offer_json("123ABCD", "48.85")).unwrap();
    expect(
        &ft(dir, &["normalize", "offer.json", "--output", "ours.csv"]),
        0,
        &[],
    );
    std::fs::remove_file(dir.join("offer.json")).unwrap();
    dir.join("ours.csv")
}

#[test]
fn r41_convert_a_foreign_csv() {
    let d = tempdir();
    std::fs::write(d.path().join("other.csv"), "name,age\nbob,33\n").unwrap();
    std::fs::write(d.path().join("out.parquet"), "the previous Parquet file").unwrap();
    let before = files(d.path());
    let out = ft(d.path(), &["convert", "other.csv", "out.parquet"]);
    expect(
        &out,
        1,
        &[
            "other.csv is not a CSV written by ftcollect: column 1 is `name` where the schema has `id`",
            "Only files written by `ftcollect collect` or `ftcollect normalize` can be converted",
        ],
    );
    unchanged(&before, d.path());
}

#[test]
fn r42_convert_a_csv_with_a_bad_cell() {
    let d = tempdir();
    let csv_path = our_csv(d.path());
    let text = std::fs::read_to_string(&csv_path).unwrap();
    std::fs::write(&csv_path, text.replace(",48.85,", ",north,")).unwrap();
    std::fs::write(d.path().join("out.parquet"), "the previous Parquet file").unwrap();
    let before = files(d.path());
    let out = ft(d.path(), &["convert", "ours.csv", "out.parquet"]);
    expect(
        &out,
        1,
        &[
            "ours.csv row 1: column `latitude` holds \"north\", which is not a decimal number",
            "restore that cell (or remove the row)",
            "Nothing was written",
        ],
    );
    unchanged(&before, d.path());
}

#[test]
fn r43_convert_into_a_directory() {
    let d = tempdir();
    our_csv(d.path());
    std::fs::create_dir(d.path().join("out")).unwrap();
    let before = files(d.path());
    let out = ft(d.path(), &["convert", "ours.csv", "out"]);
    expect(
        &out,
        2,
        &[
            "out is a directory",
            "give a Parquet file path such as out/jobs.parquet",
        ],
    );
    unchanged(&before, d.path());
}

// ---------------------------------------------------------------------------------------------
// What the API sends.

#[test]
fn r44_page_with_a_field_of_the_wrong_type() {
    let page = Page {
        status: 200,
        body: format!(
            r#"{{"resultats":[{},{}]}}"#,
            offer_json("100AAAA", "\"north\""),
            offer_json("100BBBB", "48.85")
        ),
        content_range: Some("offres 0-1/2".into()),
    };
    let (base, _) = stub(Arc::new(Mutex::new(page)));
    let d = tempdir();
    let out = ft_stub(d.path(), &base, &["--output", "jobs.csv"]);
    expect(
        &out,
        0,
        &[
            "collection complete",
            "offers written:     2",
            "field warnings:     1 (see the summary file)",
        ],
    );
    let csv = d.path().join("jobs.csv");
    assert_eq!(ids(&csv), ["100AAAA", "100BBBB"], "no offer dropped");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("jobs.csv.summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["warnings"]["lieuTravail.latitude"], 1, "{summary}");
}

#[test]
fn r45_empty_page_with_206() {
    let page = Arc::new(Mutex::new(Page {
        status: 206,
        body: r#"{"resultats":[]}"#.into(),
        content_range: Some("offres 0-149/300".into()),
    }));
    let (base, searches) = stub(page.clone());
    let d = tempdir();
    let args = ["--output", "jobs.csv", "--max-attempts", "2"];
    let out = ft_stub(d.path(), &base, &args);
    expect(
        &out,
        3,
        &[
            "collection INCOMPLETE",
            "HTTP 206 with no offer although Content-Range announces 300",
            "the checkpoint is kept and nothing written is lost",
            "run the same command again",
        ],
    );
    assert_eq!(searches.load(Ordering::SeqCst), 2, "retried, then given up");
    let csv = d.path().join("jobs.csv");
    assert!(ids(&csv).is_empty());
    assert!(checkpoint::path_for(&csv).is_file());
    // The API sane again: the same command finishes.
    *page.lock().unwrap() = Page {
        status: 200,
        body: format!(r#"{{"resultats":[{}]}}"#, offer_json("100AAAA", "48.85")),
        content_range: Some("offres 0-0/1".into()),
    };
    expect(
        &ft_stub(d.path(), &base, &args),
        0,
        &["collection complete"],
    );
    assert_eq!(ids(&csv), ["100AAAA"]);
}

#[test]
fn r46_no_content_on_a_probe() {
    let (base, _) = stub(Arc::new(Mutex::new(Page {
        status: 204,
        body: String::new(),
        content_range: None,
    })));
    let d = tempdir();
    let out = ft_stub(d.path(), &base, &["--output", "jobs.csv"]);
    expect(
        &out,
        0,
        &[
            "collection complete",
            "offers written:     0",
            "announced by API:   0 (equal)",
        ],
    );
    assert!(ids(&d.path().join("jobs.csv")).is_empty());
}

// ---------------------------------------------------------------------------------------------
// History datasets.

fn sync_args(sim: &SimHandle, ds: &str) -> Vec<String> {
    let mut v: Vec<String> = ["sync", "--dataset", ds, "--months", "3"]
        .map(String::from)
        .to_vec();
    v.extend(at(sim));
    v
}

#[test]
fn r47_sync_on_a_locked_dataset() {
    let sim = sim(1500);
    let d = tempdir();
    expect(&run(cmd(d.path()).args(sync_args(&sim, "ds"))), 0, &[]);
    let ds = d.path().join("ds");
    let lock = DatasetLock::acquire(&Layout::new(&ds), "test").unwrap();
    let before = files(d.path());
    let out = run(cmd(d.path()).args(sync_args(&sim, "ds")));
    expect(
        &out,
        75,
        &[
            &format!(
                "another ftcollect process holds the lock on ds (pid {}",
                std::process::id()
            ),
            "Wait for it to finish (or stop it) and run this command again",
        ],
    );
    unchanged(&before, d.path());
    drop(lock);
}

#[test]
fn r48_sync_into_a_folder_that_is_not_a_dataset() {
    let sim = sim(100);
    let d = tempdir();
    std::fs::create_dir(d.path().join("photos")).unwrap();
    std::fs::write(d.path().join("photos/cat.jpg"), "a cat").unwrap();
    let before = files(d.path());
    let out = run(cmd(d.path()).args(sync_args(&sim, "photos")));
    expect(
        &out,
        2,
        &[
            "--dataset photos is not an ftcollect history dataset: it has no manifest.json but holds `cat.jpg`",
            "Give a new or empty directory",
        ],
    );
    // Not even a lock file was added.
    unchanged(&before, d.path());
}

#[test]
fn r49_history_of_a_missing_dataset() {
    // Exit 1, not 2: the command line is right, the directory holds nothing yet.
    refused_in_an_empty_dir(
        &["history", "--dataset", "nowhere"],
        1,
        &[
            "--dataset nowhere holds no history dataset yet (no manifest.json)",
            "run `ftcollect sync --dataset nowhere` first",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// One writer per output, outputs checked before the first API call (issue 14).

#[test]
fn r50_collect_on_an_output_another_process_writes() {
    let sim = sim(1500);
    let d = tempdir();
    complete_run(d.path(), &sim);
    let out = d.path().join("jobs.csv");
    let lock = ftcollect::lock::lock_output(&out, "collect").unwrap();
    let before = files(d.path());
    let searches = sim.search_requests();
    let r = ft_at(d.path(), &sim, &["--output", "jobs.csv"]);
    expect(
        &r,
        75,
        &[
            &format!(
                "another ftcollect process is writing jobs.csv (pid {}, collect, since",
                std::process::id()
            ),
            "Nothing was changed: wait for it to finish (or stop it) and run this command again",
        ],
    );
    unchanged(&before, d.path());
    // Refused before any search.
    assert_eq!(sim.search_requests(), searches);
    drop(lock);
}

#[test]
fn r51_parquet_in_a_directory_that_cannot_be_written() {
    let sim = sim(100);
    let d = tempdir();
    let target = "/proc/ftcollect-bad-input/jobs.parquet";
    let r = ft_at(
        d.path(),
        &sim,
        &["--output", "jobs.csv", "--parquet", target],
    );
    expect(
        &r,
        1,
        &[
            &format!(
                "cannot create the Parquet file {target}: choose a --parquet path in a directory you can write to"
            ),
            "Nothing was collected yet",
        ],
    );
    assert!(
        !r.stderr.contains(".tmp-"),
        "no temporary name: {}",
        r.stderr
    );
    assert_eq!(sim.requests().len(), 0, "found before the first API call");
    assert_eq!(files(d.path()).len(), 0);
}
