//! `ftcollect normalize` output, byte for byte, against a reference built in the test from the
//! per-offer library functions (the input reader, the normalizers, `encode_rows`, the dedup set):
//! the pipeline the command had before it streamed, kept here as [`reference_csv`]. Inputs: every
//! real fixture (`../shared/fixtures/real/`, never copied here) and large inputs made at test time
//! from their offers replicated with unique ids (JSON Lines, one big JSON array, a search
//! response, a gzip raw archive with fetch times, several inputs with duplicates across them).
//! And a malformed line in the middle of a large input: the reference reader's error, no output.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Utc};
use ftcollect::collect::dedup::SeenSet;
use ftcollect::normalize::{self, NormalizedOffer, Warnings};
use ftcollect::sink::csv as csv_sink;
use serde_json::Value;

use crate::harness::{real_fixtures, tempdir};

#[derive(Clone, Copy, PartialEq)]
enum Src {
    FranceTravail,
    Adzuna,
}

/// The CSV the command wrote before streaming: every input read whole, offers normalized, rows
/// encoded, deduplicated by `(source, id)` across inputs, in input order.
fn reference_csv(inputs: &[(String, Vec<u8>)], src: Src, fetched_at: DateTime<Utc>) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = csv_sink::writer(&mut out).unwrap();
        w.flush().unwrap();
    }
    let mut seen = SeenSet::new();
    for (name, bytes) in inputs {
        let offers = reference_offers(name, bytes, src, fetched_at);
        let rows = csv_sink::encode_rows(&offers).unwrap();
        let mut start = 0;
        for (o, &end) in offers.iter().zip(&rows.ends) {
            if seen.insert(&o.source, &o.id) {
                out.extend_from_slice(&rows.bytes[start..end]);
            }
            start = end;
        }
    }
    out
}

fn reference_offers(
    name: &str,
    bytes: &[u8],
    src: Src,
    fetched_at: DateTime<Utc>,
) -> Vec<NormalizedOffer> {
    let mut warnings = Warnings::default();
    let segments: Vec<(String, DateTime<Utc>, &[u8])> =
        match ftcollect::sink::raw::split_fetched(bytes) {
            Some(parts) => parts
                .into_iter()
                .enumerate()
                .map(|(i, (at, line))| {
                    (
                        format!("{name} line {}", i + 1),
                        at.unwrap_or(fetched_at),
                        line,
                    )
                })
                .collect(),
            None => vec![(name.to_string(), fetched_at, bytes)],
        };
    let mut offers = Vec::new();
    for (name, fetched_at, bytes) in segments {
        match src {
            Src::FranceTravail => {
                for raw in normalize::read_offers(&name, bytes) {
                    offers.extend(normalize::normalize_france_travail_owned(
                        raw.unwrap(),
                        fetched_at,
                        &mut warnings,
                    ));
                }
            }
            Src::Adzuna => {
                for raw in normalize::read_adzuna_jobs(&name, bytes) {
                    offers.extend(normalize::normalize_adzuna(
                        &raw.unwrap(),
                        None,
                        None,
                        fetched_at,
                        &mut warnings,
                    ));
                }
            }
        }
    }
    offers
}

/// The first error the reference reader meets in `bytes`, as the command prints it.
fn reference_error(name: &str, bytes: &[u8]) -> String {
    normalize::read_offers(name, bytes)
        .find_map(Result::err)
        .expect("the input has an error")
        .to_string()
}

/// Runs `ftcollect normalize ARGS` in `dir`; (success, stderr).
fn normalize_in(dir: &Path, args: &[&str]) -> (bool, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_ftcollect"))
        .arg("normalize")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

/// The one `date_extraction` of a CSV written by `normalize` (the time of the run).
fn run_time(csv: &[u8]) -> DateTime<Utc> {
    let mut r = csv::Reader::from_reader(csv);
    let at = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "date_extraction")
        .unwrap();
    let times: std::collections::BTreeSet<String> =
        r.records().map(|x| x.unwrap()[at].to_string()).collect();
    assert_eq!(times.len(), 1, "{times:?}");
    let t = times.into_iter().next().unwrap();
    DateTime::parse_from_rfc3339(&t)
        .unwrap()
        .with_timezone(&Utc)
}

/// Normalizes `files` (in `dir`) with the command and checks its output against the reference,
/// byte for byte; returns the number of rows.
fn same_as_reference(dir: &Path, files: &[&str], src: Src) -> usize {
    let mut args: Vec<&str> = Vec::new();
    if src == Src::Adzuna {
        args.extend(["--source", "adzuna"]);
    }
    args.extend(files);
    args.extend(["--output", "out.csv"]);
    let (ok, err) = normalize_in(dir, &args);
    assert!(ok, "{err}");
    let got = std::fs::read(dir.join("out.csv")).unwrap();
    let inputs: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|f| (f.to_string(), read_maybe_gz(&dir.join(f))))
        .collect();
    let stamped = inputs
        .iter()
        .any(|(_, b)| ftcollect::sink::raw::split_fetched(b).is_some());
    // Stamped pages carry their own fetch time; other inputs get the run's.
    let at = if stamped { Utc::now() } else { run_time(&got) };
    let want = reference_csv(&inputs, src, at);
    assert!(
        got == want,
        "{files:?}: {} bytes written, {} expected; first difference at byte {}",
        got.len(),
        want.len(),
        got.iter()
            .zip(&want)
            .position(|(a, b)| a != b)
            .unwrap_or(got.len().min(want.len()))
    );
    csv::Reader::from_reader(&got[..]).records().count()
}

fn read_maybe_gz(p: &Path) -> Vec<u8> {
    let raw = std::fs::read(p).unwrap();
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(&raw[..]), &mut out)
            .unwrap();
        return out;
    }
    raw
}

/// The `ft_*` or `adzuna_*` fixtures, sorted.
fn fixtures(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with(prefix) && n.ends_with(".json")
        })
        .collect();
    v.sort();
    v
}

/// Every France Travail offer of the real fixtures, as JSON values.
fn real_ft_offers(dir: &Path) -> Vec<Value> {
    let mut out = Vec::new();
    for f in fixtures(dir, "ft_") {
        let v: Value = serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap();
        match v {
            Value::Array(a) => out.extend(a),
            Value::Object(mut o) if o.contains_key("resultats") => match o.remove("resultats") {
                Some(Value::Array(a)) => out.extend(a),
                _ => unreachable!(),
            },
            o => out.push(o),
        }
    }
    out
}

/// `copies` copies of every real offer, each with a unique 7-character id (as the API's).
fn replicated(offers: &[Value], copies: usize) -> Vec<Value> {
    let mut out = Vec::with_capacity(offers.len() * copies);
    let mut n = 0u64;
    for _ in 0..copies {
        for o in offers {
            let mut o = o.clone();
            o["id"] = Value::String(format!("{n:0>7}"));
            n += 1;
            out.push(o);
        }
    }
    out
}

fn json_lines(offers: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for o in offers {
        serde_json::to_writer(&mut out, o).unwrap();
        out.push(b'\n');
    }
    out
}

#[test]
fn every_real_fixture_gives_the_reference_output() {
    let Some(dir) = real_fixtures() else { return };
    let ft = fixtures(&dir, "ft_");
    let az = fixtures(&dir, "adzuna_");
    assert_eq!((ft.len(), az.len()), (7, 3));
    let d = tempdir();
    let names = |v: &[PathBuf]| -> Vec<String> {
        v.iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    };
    for p in ft.iter().chain(&az) {
        std::fs::copy(p, d.path().join(p.file_name().unwrap())).unwrap();
    }
    let mut rows = 0;
    for n in names(&ft) {
        rows += same_as_reference(d.path(), &[&n], Src::FranceTravail);
    }
    assert_eq!(rows, 638);
    for n in names(&az) {
        rows += same_as_reference(d.path(), &[&n], Src::Adzuna);
    }
    assert_eq!(rows, 638 + 70);
    // All of them in one run (offers of several files once each).
    let all = names(&ft);
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    let n = same_as_reference(d.path(), &all, Src::FranceTravail);
    assert!(n <= 638 && n > 600, "{n}");
}

#[test]
fn large_replicated_inputs_give_the_reference_output() {
    let Some(dir) = real_fixtures() else { return };
    let offers = replicated(&real_ft_offers(&dir), 12);
    assert_eq!(offers.len(), 638 * 12);
    let d = tempdir();
    let p = |n: &str| d.path().join(n);
    // JSON Lines, one offer a line (~30 MB).
    let lines = json_lines(&offers);
    assert!(lines.len() > 25_000_000, "{}", lines.len());
    std::fs::write(p("bulk.jsonl"), &lines).unwrap();
    assert_eq!(
        same_as_reference(d.path(), &["bulk.jsonl"], Src::FranceTravail),
        offers.len()
    );
    // One pretty-printed JSON array, and one search response, of all of them.
    let array = serde_json::to_vec_pretty(&offers).unwrap();
    std::fs::write(p("array.json"), &array).unwrap();
    assert_eq!(
        same_as_reference(d.path(), &["array.json"], Src::FranceTravail),
        offers.len()
    );
    let response = serde_json::to_vec(&serde_json::json!({
        "resultats": offers,
        "filtresPossibles": [{"filtre": "typeContrat", "agregation": []}]
    }))
    .unwrap();
    std::fs::write(p("response.json"), &response).unwrap();
    assert_eq!(
        same_as_reference(d.path(), &["response.json"], Src::FranceTravail),
        offers.len()
    );
    // Eight inputs: pages of 150 offers a line, the second half of the files repeating the first
    // half's offers (skipped as duplicates), one of them gzip.
    let mut files = Vec::new();
    let half = offers.len() / 2;
    for i in 0..8 {
        let part = if i < 4 {
            &offers[i * half / 4..(i + 1) * half / 4]
        } else {
            &offers[(i - 4) * half / 8..(i - 3) * half / 8]
        };
        let mut b = Vec::new();
        for page in part.chunks(150) {
            serde_json::to_writer(&mut b, &serde_json::json!({"resultats": page})).unwrap();
            b.push(b'\n');
        }
        let name = format!("part-{i}.jsonl");
        if i == 2 {
            let name = format!("{name}.gz");
            let mut gz = flate2::write::GzEncoder::new(
                std::fs::File::create(p(&name)).unwrap(),
                flate2::Compression::fast(),
            );
            gz.write_all(&b).unwrap();
            gz.finish().unwrap();
            files.push(name);
        } else {
            std::fs::write(p(&name), &b).unwrap();
            files.push(name);
        }
    }
    let names: Vec<&str> = files.iter().map(String::as_str).collect();
    assert_eq!(
        same_as_reference(d.path(), &names, Src::FranceTravail),
        half / 4 * 4
    );
}

#[test]
fn a_large_raw_archive_gives_the_reference_output() {
    let Some(dir) = real_fixtures() else { return };
    let offers = replicated(&real_ft_offers(&dir), 4);
    let d = tempdir();
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(d.path().join("slice-00000.jsonl.gz")).unwrap(),
        flate2::Compression::fast(),
    );
    for (i, page) in offers.chunks(150).enumerate() {
        let body = serde_json::to_vec(&serde_json::json!({"resultats": page})).unwrap();
        let at = DateTime::parse_from_rfc3339("2025-03-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
            + chrono::Duration::seconds(i as i64);
        let mut line = ftcollect::sink::raw::with_fetched_at(&body, at);
        line.push(b'\n');
        gz.write_all(&line).unwrap();
    }
    gz.finish().unwrap();
    assert_eq!(
        same_as_reference(d.path(), &["slice-00000.jsonl.gz"], Src::FranceTravail),
        offers.len()
    );
}

#[test]
fn a_malformed_line_in_a_large_input_gives_the_readers_error_and_no_output() {
    let Some(dir) = real_fixtures() else { return };
    let offers = replicated(&real_ft_offers(&dir), 6);
    let d = tempdir();
    let good = json_lines(&offers);
    let middle = offers.len() / 2;
    let line_start = |n: usize| -> usize {
        good.split_inclusive(|b| *b == b'\n')
            .take(n)
            .map(<[u8]>::len)
            .sum()
    };
    let (s, e) = (line_start(middle), line_start(middle + 1));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        // Cut inside a string (the rest of the line lost).
        ("cut_in_string", [&good[..s + 40], &good[e - 1..]].concat()),
        // Cut after a complete member: the next line starts where a key was expected.
        ("cut_after_member", {
            let line = &good[s..e];
            let comma = s + line.iter().position(|b| *b == b',').unwrap() + 1;
            [&good[..comma], &good[e - 1..]].concat()
        }),
        // A line with a trailing comma.
        (
            "trailing_comma",
            [&good[..e - 2], b",}\n", &good[e..]].concat(),
        ),
        // The input cut in the middle of a line (the end of the file lost).
        ("truncated", good[..s + 1000].to_vec()),
    ];
    for (name, bytes) in cases {
        let file = format!("{name}.jsonl");
        std::fs::write(d.path().join(&file), &bytes).unwrap();
        std::fs::write(d.path().join("out.csv"), "the previous output\n").unwrap();
        let (ok, err) = normalize_in(d.path(), &[&file, "--output", "out.csv"]);
        assert!(!ok, "{name}");
        let want = reference_error(&file, &bytes);
        assert!(
            [middle + 1, middle + 2].iter().any(|l| [",", ":"]
                .iter()
                .any(|sep| want.contains(&format!("line {l}{sep}")))),
            "{name}: {want}"
        );
        assert!(err.contains(&want), "{name}: expected {want:?}\ngot: {err}");
        assert_eq!(
            std::fs::read_to_string(d.path().join("out.csv")).unwrap(),
            "the previous output\n",
            "{name}"
        );
        let left: Vec<String> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("out.csv") && n != "out.csv")
            .collect();
        assert!(left.iter().all(|n| n == "out.csv.lock"), "{name}: {left:?}");
    }
}

#[test]
fn a_large_input_on_stdin_gives_the_reference_output() {
    let Some(dir) = real_fixtures() else { return };
    let offers = replicated(&real_ft_offers(&dir), 4);
    let lines = json_lines(&offers);
    let d = tempdir();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ftcollect"))
        .args(["normalize", "-", "--output", "out.csv"])
        .current_dir(d.path())
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feed = std::thread::spawn(move || stdin.write_all(&lines).unwrap());
    let o = child.wait_with_output().unwrap();
    feed.join().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got = std::fs::read(d.path().join("out.csv")).unwrap();
    let want = reference_csv(
        &[("stdin".to_string(), json_lines(&offers))],
        Src::FranceTravail,
        run_time(&got),
    );
    assert!(
        got == want,
        "{} bytes written, {} expected",
        got.len(),
        want.len()
    );
}
