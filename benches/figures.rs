//! The benchmark harness: every figure of the performance issue, measured side by side and written
//! to BENCHMARKS.md. Run through `bench/run` (which prepares the pandas baseline's venv):
//!
//!     bench/run              # full run, writes BENCHMARKS.md
//!     bench/run --tiny       # smoke run, asserts nothing, writes nothing
//!     bench/run --only real  # some sections (efficiency, rate, cpu, pandas, real, memory,
//!                            # resume, headroom, completeness): prints the table, writes nothing
//!
//! The `real` section measures real offers: the fixtures of `../shared/fixtures/real/` replicated
//! with unique ids into a ~164 MB JSON Lines file at run time (never committed).
//!
//! Every timed figure is the median of several runs; counts (calls) are deterministic per seed and
//! the median is taken over seeds.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use ftcollect::collect::{self, CollectConfig, DEFAULT_ROME_CODES, FranceTravailSettings};
use ftcollect::http::{Cancel, HttpSettings, RateLimiter, RetryPolicy, Transport};
use ftcollect::normalize::{Warnings, normalize_france_travail_owned};
use ftcollect::secret::Credentials;
use ftcollect::simulator::{
    self, Behaviours, BulkSecond, Churn, Grain, Query, ShortPages, SimConfig, SimHandle, Storm,
};
use ftcollect::source::france_travail::model::SearchBody;
use ftcollect::source::france_travail::plan::{self, Strategy};
use ftcollect::source::france_travail::{FranceTravailClient, SearchParams, Sort};

/// Share of the universe that matches the default query over 12 months (measured: ~0.576).
const MATCH_SHARE: f64 = 0.576;

struct Ctx {
    tiny: bool,
    runs: usize,
    exe: PathBuf,
    tmp: tempfile::TempDir,
    rows: Vec<[String; 4]>,
    /// behaviour, offers (stayed / ever), missing, duplicates, calls / bound, exit code.
    completeness: Vec<[String; 6]>,
    notes: Vec<String>,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn now0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap()
}

fn sim(offers: usize, seed: u64, f: impl FnOnce(&mut SimConfig)) -> SimHandle {
    let mut c = SimConfig {
        offers,
        seed,
        now: Some(now0()),
        rate_limit: 0.0,
        future_days: 0,
        threads: 32,
        ..Default::default()
    };
    f(&mut c);
    simulator::start(c).expect("simulator")
}

fn config(sim: &SimHandle, out: &Path) -> CollectConfig {
    let mut c = CollectConfig::new(
        out,
        FranceTravailSettings {
            api_url: sim.api_url(),
            token_url: sim.token_url(),
            credentials: Credentials::new("demo-id", "demo-secret"),
        },
    );
    c.now = Some(sim.now());
    c.rate_limit_delay = Duration::ZERO;
    c.retry = RetryPolicy {
        max_attempts: 8,
        base_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(500),
        ..RetryPolicy::default()
    };
    c
}

fn rome_idx() -> Vec<u8> {
    DEFAULT_ROME_CODES
        .iter()
        .map(|c| {
            ftcollect::simulator::catalog::ROMES
                .iter()
                .position(|r| r.code == *c)
                .unwrap() as u8
        })
        .collect()
}

fn expected(sim: &SimHandle) -> BTreeSet<String> {
    let w = plan::window_for(sim.now(), 12);
    let q = Query {
        romes: Some(rome_idx()),
        window: Some((w.min.timestamp_millis(), w.max.timestamp_millis())),
        ..Default::default()
    };
    sim.expected_ids(&q).into_iter().collect()
}

fn csv_ids(path: &Path) -> BTreeSet<String> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.records().map(|x| x.unwrap()[0].to_string()).collect()
}

fn client(sim: &SimHandle) -> FranceTravailClient {
    let t = Transport::new(
        &HttpSettings::default(),
        Arc::new(RateLimiter::new(Duration::ZERO)),
        RetryPolicy::default(),
        Cancel::new(),
    );
    FranceTravailClient::new(
        &sim.api_url(),
        &sim.token_url(),
        Credentials::new("demo-id", "demo-secret"),
        t,
    )
}

/// The seed's approach: ROME code × calendar month, pages of 150 until 1000 results.
fn seed_approach(sim: &SimHandle) -> (u64, BTreeSet<String>) {
    let c = client(sim);
    let w = plan::window_for(sim.now(), 12);
    let mut ids = BTreeSet::new();
    let before = sim.search_requests();
    for month in plan::grid::months(w) {
        for code in DEFAULT_ROME_CODES {
            let mut start = 0;
            while start < 1000 {
                let p = SearchParams {
                    rome_codes: vec![code.into()],
                    window: Some(month),
                    range: Some((start, start + 149)),
                    sort: Some(Sort::CreationDesc),
                    ..Default::default()
                };
                let page = c.search(&p).unwrap();
                ids.extend(page.offers.iter().filter_map(|o| o.id.get().cloned()));
                let total = page.total.unwrap_or(0);
                start += 150;
                if start as u64 >= total {
                    break;
                }
            }
        }
    }
    ((sim.search_requests() - before) as u64, ids)
}

/// The spacing of the efficiency runs: requests at 200/s, so that, as against the real API, a
/// request takes longer than the spacing and the workers must overlap to use every slot.
const EFFICIENCY_SPACING: Duration = Duration::from_millis(5);

fn efficiency(ctx: &mut Ctx) {
    let targets: &[usize] = if ctx.tiny {
        &[2_000]
    } else {
        &[20_000, 100_000, 500_000]
    };
    for &n in targets {
        let (mut ad, mut gr, mut sd, mut grid_cov, mut seed_cov, mut actual) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        for seed in 1..=ctx.runs as u64 {
            let s = sim((n as f64 / MATCH_SHARE) as usize, seed, |_| {});
            let want = expected(&s);
            let minimal = (want.len() as f64 / 150.0).ceil();
            actual.push(want.len() as f64);
            for strategy in [Strategy::Adaptive, Strategy::Grid] {
                let out = ctx
                    .tmp
                    .path()
                    .join(format!("eff-{n}-{seed}-{strategy}.csv"));
                let mut c = config(&s, &out);
                c.strategy = strategy;
                c.workers = 16;
                c.rate_limit_delay = EFFICIENCY_SPACING;
                let before = s.search_requests();
                collect::collect(&c).unwrap();
                let calls = (s.search_requests() - before) as f64;
                let got = csv_ids(&out);
                assert_eq!(got, want, "{strategy} is complete");
                let _ = std::fs::remove_file(&out);
                match strategy {
                    Strategy::Adaptive => ad.push(calls / minimal),
                    Strategy::Grid => {
                        gr.push(calls / minimal);
                        grid_cov.push(got.len() as f64 / want.len() as f64);
                    }
                }
            }
            let (calls, ids) = seed_approach(&s);
            sd.push(calls as f64 / minimal);
            seed_cov.push(ids.intersection(&want).count() as f64 / want.len() as f64);
        }
        let n_actual = median(actual);
        ctx.rows.push([
            format!("call efficiency, N = {:.0}k", n_actual / 1000.0),
            format!(
                "adaptive {:.3}; grid {:.2} (coverage {:.1}%); seed {:.2} (coverage {:.1}%)",
                median(ad.clone()),
                median(gr),
                100.0 * median(grid_cov),
                median(sd),
                100.0 * median(seed_cov)
            ),
            "adaptive ≤ 1.10 (16 workers, 5 ms spacing)".into(),
            ok(median(ad) <= 1.10),
        ]);
    }
}

fn ok(b: bool) -> String {
    if b { "met".into() } else { "NOT MET".into() }
}

/// Achieved requests per second at the server, over a collection at default settings.
fn rate_run(latency_ms: u64, workers: usize, requests: usize) -> (f64, u64) {
    let universe = ((requests * 150) as f64 / MATCH_SHARE) as usize;
    let s = sim(universe, 5, |c| {
        c.rate_limit = 10.0;
        c.burst = 10.0;
        c.latency = Duration::from_millis(latency_ms);
    });
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rate.csv");
    let mut c = config(&s, &out);
    let defaults = CollectConfig::new("x", c.france_travail.clone());
    c.rate_limit_delay = defaults.rate_limit_delay;
    c.workers = workers;
    collect::collect(&c).unwrap();
    let arrivals: Vec<Duration> = s
        .requests()
        .iter()
        .filter(|r| r.endpoint == ftcollect::simulator::Endpoint::Search)
        .map(|r| r.at)
        .collect();
    let span = (*arrivals.iter().max().unwrap() - *arrivals.iter().min().unwrap()).as_secs_f64();
    let rate = (arrivals.len() - 1) as f64 / span;
    (
        rate / 10.0,
        s.throttled() + s.requests().iter().filter(|r| r.status == 429).count() as u64,
    )
}

fn rate(ctx: &mut Ctx) {
    let requests = if ctx.tiny { 15 } else { 250 };
    let default_workers = CollectConfig::new(
        "x",
        FranceTravailSettings {
            api_url: String::new(),
            token_url: String::new(),
            credentials: Credentials::new("", ""),
        },
    )
    .workers;
    for latency in [150u64, 600] {
        let mut util = vec![];
        let mut throttled = 0;
        for _ in 0..ctx.runs {
            let (u, t) = rate_run(latency, default_workers, requests);
            util.push(u);
            throttled += t;
        }
        let u = median(util);
        ctx.rows.push([
            format!("rate utilization, {latency} ms latency"),
            format!(
                "{u:.3} of 10 req/s, {throttled} × 429 ({default_workers} workers, delay 0.1 s)"
            ),
            "≥ 0.95, zero 429".into(),
            ok(u >= 0.95 && throttled == 0),
        ]);
    }
    if !ctx.tiny {
        let mut sweep = Vec::new();
        for w in 4..=default_workers {
            let (u, t) = rate_run(600, w, 150);
            sweep.push(format!("{w} workers: {u:.3} ({t} × 429)"));
        }
        ctx.notes.push(format!(
            "Worker sweep at 600 ms latency (one run each): {}.",
            sweep.join("; ")
        ));
    }
}

/// Raw pages of `n` realistic offers, as the simulator serves them.
fn pages(n: usize) -> Vec<Vec<u8>> {
    let s = sim((n as f64 * 1.05) as usize, 11, |_| {});
    let now = s.now().timestamp_millis();
    let u = s.universe();
    let mut out = Vec::new();
    let mut pos = 0u32;
    while (pos as usize) < n.min(u.len()) {
        let end = (pos as usize + 150).min(n.min(u.len()));
        let offers: Vec<_> = (pos..end as u32).map(|p| u.render(p, now)).collect();
        out.push(serde_json::to_vec(&serde_json::json!({ "resultats": offers })).unwrap());
        pos = end as u32;
    }
    out
}

fn cpu(ctx: &mut Ctx) -> Vec<Vec<u8>> {
    let n = if ctx.tiny { 3_000 } else { 200_000 };
    let data = pages(n);
    cpu_on(ctx, "CPU", &data, n);
    data
}

/// Parse only, pages → rows, pages → CSV, pages → Parquet on `data` (search pages of `n`
/// offers), one thread; rows labelled with `label`.
fn cpu_on(ctx: &mut Ctx, label: &str, data: &[Vec<u8>], n: usize) {
    let bytes: usize = data.iter().map(Vec::len).sum();
    let fetched_at = Utc::now();
    let mut parse = vec![];
    let mut to_csv = vec![];
    let mut to_pq = vec![];
    let mut norm_only = vec![];
    let mut io_floor = vec![];
    for _ in 0..ctx.runs {
        let t = Instant::now();
        let mut w = Warnings::default();
        let mut kept = 0usize;
        for p in data {
            let b: SearchBody = serde_json::from_slice(p).unwrap();
            for o in b.resultats {
                kept += normalize_france_travail_owned(o, fetched_at, &mut w).is_some() as usize;
            }
        }
        norm_only.push(t.elapsed().as_secs_f64());
        assert_eq!(kept, n);

        let t = Instant::now();
        let mut count = 0;
        for p in data {
            let b: SearchBody = serde_json::from_slice(p).unwrap();
            count += b.resultats.len();
        }
        parse.push(t.elapsed().as_secs_f64());
        assert_eq!(count, n);

        let path = ctx.tmp.path().join("cpu.csv");
        let t = Instant::now();
        let mut sink = ftcollect::sink::csv::CsvSink::create(&path).unwrap();
        let mut w = Warnings::default();
        for p in data {
            let b: SearchBody = serde_json::from_slice(p).unwrap();
            for o in b.resultats {
                sink.write(&normalize_france_travail_owned(o, fetched_at, &mut w).unwrap())
                    .unwrap();
            }
        }
        sink.sync().unwrap();
        to_csv.push(t.elapsed().as_secs_f64());

        // What the file system alone costs the CSV stage: the same bytes, from memory, written
        // to a new file (1 MB writes, as the sink's) and synced.
        let csv = std::fs::read(&path).unwrap();
        let copy = ctx.tmp.path().join("cpu-copy.csv");
        let t = Instant::now();
        let mut f = std::fs::File::create(&copy).unwrap();
        for piece in csv.chunks(1 << 20) {
            f.write_all(piece).unwrap();
        }
        f.sync_data().unwrap();
        io_floor.push(t.elapsed().as_secs_f64());
        drop((f, csv));
        std::fs::remove_file(&copy).unwrap();

        let path = ctx.tmp.path().join("cpu.parquet");
        let t = Instant::now();
        let mut sink = ftcollect::sink::parquet::ParquetSink::create(&path, vec![]).unwrap();
        for p in data {
            let b: SearchBody = serde_json::from_slice(p).unwrap();
            for o in b.resultats {
                sink.write(&normalize_france_travail_owned(o, fetched_at, &mut w).unwrap())
                    .unwrap();
            }
        }
        sink.finish().unwrap();
        to_pq.push(t.elapsed().as_secs_f64());
    }
    let mb = bytes as f64 / 1e6;
    let (p, c, q) = (median(parse), median(to_csv), median(to_pq));
    let line = |s: f64| format!("{:.0} offers/s, {:.0} MB/s", n as f64 / s, mb / s);
    ctx.rows.push([
        format!("{label}: parse only ({n} offers, {mb:.0} MB, 1 thread)"),
        line(p),
        "the stage's practical limit".into(),
        "—".into(),
    ]);
    let nn = median(norm_only);
    ctx.rows.push([
        format!("{label}: pages → normalized rows (no output)"),
        format!("{} = {:.0}% of parse-only", line(nn), 100.0 * p / nn),
        "—".into(),
        "—".into(),
    ]);
    let io = median(io_floor);
    ctx.rows.push([
        format!("{label}: pages → normalized CSV"),
        format!(
            "{} = {:.0}% of parse-only; of its {c:.2} s, {io:.2} s is the file system's (the same bytes written alone and synced)",
            line(c),
            100.0 * p / c
        ),
        "≥ 50% of parse-only".into(),
        ok(p / c >= 0.5),
    ]);
    ctx.rows.push([
        format!("{label}: pages → Parquet"),
        format!("{} = {:.0}% of parse-only", line(q), 100.0 * p / q),
        "—".into(),
        "—".into(),
    ]);
}

/// The France Travail offers of the real fixtures (`../shared/fixtures/real/ft_*.json`), or
/// `None` when this machine does not have them.
fn real_offers() -> Option<Vec<serde_json::Value>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/real");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with("ft_") && n.ends_with(".json")
        })
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        match serde_json::from_slice(&std::fs::read(f).unwrap()).unwrap() {
            serde_json::Value::Array(a) => out.extend(a),
            serde_json::Value::Object(mut o) if o.contains_key("resultats") => {
                if let Some(serde_json::Value::Array(a)) = o.remove("resultats") {
                    out.extend(a)
                }
            }
            o => out.push(o),
        }
    }
    (!out.is_empty()).then_some(out)
}

/// `copies` copies of `offers`, each with a unique 7-character id (as the API's), as JSON lines.
fn replicated_lines(offers: &[serde_json::Value], copies: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::with_capacity(offers.len() * copies);
    let mut n = 0u64;
    for _ in 0..copies {
        for o in offers {
            let mut o = o.clone();
            o["id"] = serde_json::Value::String(format!("{n:07}"));
            n += 1;
            out.push(serde_json::to_vec(&o).unwrap());
        }
    }
    out
}

/// Wall time (s) and peak RSS (MB) of a command, from `/usr/bin/time` (exact: the kernel's
/// maximum resident set of the child), or by polling when it is missing.
fn timed(cmd: &mut Command) -> (f64, f64) {
    let time = Path::new("/usr/bin/time");
    let t = Instant::now();
    if time.exists() {
        let mut c = Command::new(time);
        c.arg("-f")
            .arg("%M")
            .arg(cmd.get_program())
            .args(cmd.get_args());
        if let Some(d) = cmd.get_current_dir() {
            c.current_dir(d);
        }
        let o = c.stdout(Stdio::null()).output().unwrap();
        let wall = t.elapsed().as_secs_f64();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{err}");
        let kb: f64 = err
            .lines()
            .last()
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or(f64::NAN);
        return (wall, kb / 1024.0);
    }
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (mb, okk) = peak_rss_mb(child);
    assert!(okk);
    (t.elapsed().as_secs_f64(), mb)
}

/// Real offers (the real fixtures replicated with unique ids, made at run time, never
/// committed): the CPU stages, `normalize` on one input and on 8, the plain-Python normalizer,
/// pandas, and peak RSS at ~160 MB and ≥ 1.5 GB of input.
fn real(ctx: &mut Ctx) {
    let Some(offers) = real_offers() else {
        ctx.rows.push([
            "real offers".into(),
            "skipped: ../shared/fixtures/real not found".into(),
            "—".into(),
            "—".into(),
        ]);
        return;
    };
    let copies = if ctx.tiny { 2 } else { 64 };
    let lines = replicated_lines(&offers, copies);
    let n = lines.len();
    // In memory, as search pages of 150: the CPU stages.
    let pages: Vec<Vec<u8>> = lines
        .chunks(150)
        .map(|c| {
            let mut p = b"{\"resultats\":[".to_vec();
            p.extend_from_slice(&c.join(&b","[..]));
            p.extend_from_slice(b"]}");
            p
        })
        .collect();
    cpu_on(ctx, "CPU, real offers", &pages, n);
    // On disk: one JSON Lines file, the same split into 8, and the pages for pandas.
    let dir = ctx.tmp.path().join("real");
    let pages_dir = dir.join("pages");
    std::fs::create_dir_all(&pages_dir).unwrap();
    let bulk = dir.join("bulk.jsonl");
    let mut joined = lines.join(&b"\n"[..]);
    joined.push(b'\n');
    std::fs::write(&bulk, &joined).unwrap();
    let mb = joined.len() as f64 / 1e6;
    let mut parts = Vec::new();
    for (i, part) in lines.chunks(n.div_ceil(8)).enumerate() {
        let p = dir.join(format!("part-{i}.jsonl"));
        let mut b = part.join(&b"\n"[..]);
        b.push(b'\n');
        std::fs::write(&p, b).unwrap();
        parts.push(p);
    }
    for (i, p) in pages.iter().enumerate() {
        std::fs::write(pages_dir.join(format!("page-{i:05}.json")), p).unwrap();
    }
    drop((pages, joined, lines));
    let out = dir.join("out.csv");
    let normalize = |inputs: &[PathBuf]| {
        let mut c = Command::new(&ctx.exe);
        c.arg("normalize").args(inputs).arg("--output").arg(&out);
        c
    };
    let (mut one, mut eight, mut py, mut pd) = (vec![], vec![], vec![], vec![]);
    let (mut one_rss, mut eight_rss) = (vec![], vec![]);
    let python = std::env::var("FTCOLLECT_BENCH_PYTHON").ok();
    let plain = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/plain_normalizer.py");
    let pandas = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/pandas_baseline.py");
    let (mut py_rows, mut pd_rows) = (0usize, 0usize);
    for _ in 0..ctx.runs {
        let (t, m) = timed(&mut normalize(std::slice::from_ref(&bulk)));
        one.push(t);
        one_rss.push(m);
        assert_eq!(csv_ids(&out).len(), n);
        let (t, m) = timed(&mut normalize(&parts));
        eight.push(t);
        eight_rss.push(m);
        assert_eq!(csv_ids(&out).len(), n);
        let py_out = dir.join("plain.csv");
        let t = Instant::now();
        let o = Command::new(python.as_deref().unwrap_or("python3"))
            .arg(&plain)
            .arg(&py_out)
            .arg(&bulk)
            .output()
            .unwrap();
        py.push(t.elapsed().as_secs_f64());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        py_rows = String::from_utf8_lossy(&o.stdout).trim().parse().unwrap();
        if let Some(py) = &python {
            let t = Instant::now();
            let o = Command::new(py)
                .arg(&pandas)
                .arg(&pages_dir)
                .arg(dir.join("pandas.csv"))
                .output()
                .unwrap();
            pd.push(t.elapsed().as_secs_f64());
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            pd_rows = String::from_utf8_lossy(&o.stdout).trim().parse().unwrap();
        }
    }
    let (one, eight, py) = (median(one), median(eight), median(py));
    let (one_rss, eight_rss) = (median(one_rss), median(eight_rss));
    ctx.rows.push([
        format!("normalize, real offers: 1 input ({n} offers, {mb:.0} MB JSON Lines)"),
        format!(
            "{one:.2} s ({:.0} MB/s), peak RSS {one_rss:.0} MB; plain Python {py:.2} s ({py_rows} rows): {:.1}× faster",
            mb / one,
            py / one
        ),
        "≥ 10× the plain-Python normalizer, peak RSS ≤ 150 MB".into(),
        if ctx.tiny {
            "—".into()
        } else {
            ok(py / one >= 10.0 && one_rss <= 150.0)
        },
    ]);
    ctx.rows.push([
        "normalize, real offers: the same in 8 inputs".into(),
        format!(
            "{eight:.2} s ({:.0} MB/s), peak RSS {eight_rss:.0} MB",
            mb / eight
        ),
        "—".into(),
        "—".into(),
    ]);
    if !pd.is_empty() {
        let pd = median(pd);
        ctx.rows.push([
            "versus pandas json_normalize, real offers (pages of 150)".into(),
            format!(
                "pandas {pd:.2} s ({pd_rows} rows): normalize {:.1}× faster",
                pd / one
            ),
            "—".into(),
            "—".into(),
        ]);
    }
    if ctx.tiny {
        return;
    }
    // ≥ 1.5 GB: the one-input file ten times over (ids unique again), one run.
    let big = dir.join("big.jsonl");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
        let mut k = 0u64;
        for _ in 0..copies * 10 {
            for o in &offers {
                let mut o = o.clone();
                o["id"] = serde_json::Value::String(format!("{k:07}"));
                k += 1;
                serde_json::to_writer(&mut f, &o).unwrap();
                f.write_all(b"\n").unwrap();
            }
        }
        f.flush().unwrap();
    }
    let big_mb = std::fs::metadata(&big).unwrap().len() as f64 / 1e6;
    let (t, m) = timed(&mut normalize(std::slice::from_ref(&big)));
    assert_eq!(csv_ids(&out).len(), n * 10);
    let _ = std::fs::remove_file(&big);
    let _ = std::fs::remove_file(&out);
    ctx.rows.push([
        format!(
            "normalize, real offers: 1 input of {big_mb:.0} MB ({} offers)",
            n * 10
        ),
        format!("{t:.1} s ({:.0} MB/s), peak RSS {m:.0} MB", big_mb / t),
        "peak RSS ≤ 150 MB".into(),
        ok(m <= 150.0),
    ]);
}

/// Issue 17: the cost of duplicate detection at 1M offers (with 2% planted reposts). The key is
/// computed by the normalizer (part of every row's CPU time): timed here alone, over the same
/// rows, against the whole page → row time (parse + normalize, key included); then the grouping of
/// the 1M keys (the count an analyst's `GROUP BY duplicate_group` does) is timed on its own.
/// Pages are rendered and parsed one at a time, so memory stays small.
fn duplicates(ctx: &mut Ctx) {
    use ftcollect::simulator::{Universe, UniverseConfig};
    let n = if ctx.tiny { 10_000 } else { 1_000_000 };
    let u = Universe::generate(UniverseConfig {
        seed: 17,
        offers: n,
        months: 14,
        now: now0(),
        future_days: 0,
        reposts: 0.02,
    });
    let now = now0().timestamp_millis();
    let simulated = dup_cost(ctx.runs, u.len(), |start, end| {
        serde_json::to_vec(&serde_json::json!({
            "resultats": (start as u32..end as u32).map(|p| u.render(p, now)).collect::<Vec<_>>()
        }))
        .unwrap()
    });
    ctx.rows.push(simulated.row(&format!(
        "duplicate detection at {}k offers (2% planted reposts)",
        u.len() / 1000
    )));
    // Real-shaped offers (the real fixtures replicated with unique ids): long descriptions make
    // rows dearer and keys no dearer (the key reads the description's first 16 words only). Every
    // copy of an offer is a duplicate of the others, so the grouping counts few large groups.
    let Some(offers) = real_offers() else {
        return;
    };
    let real = dup_cost(ctx.runs, n, |start, end| {
        let page: Vec<serde_json::Value> = (start..end)
            .map(|p| {
                let mut o = offers[p % offers.len()].clone();
                o["id"] = serde_json::Value::String(format!("{p:07}"));
                o
            })
            .collect();
        serde_json::to_vec(&serde_json::json!({ "resultats": page })).unwrap()
    });
    ctx.rows.push(real.row(&format!(
        "duplicate detection at {}k real offers (the {} real fixture offers replicated)",
        n / 1000,
        offers.len()
    )));
}

/// What keying and grouping cost beside turning the same pages into normalized rows (medians).
struct DupCost {
    rows: f64,
    key: f64,
    group: f64,
    keyed: usize,
    groups: usize,
    grouped: usize,
}

impl DupCost {
    fn row(&self, figure: &str) -> [String; 4] {
        let share = (self.key + self.group) / self.rows;
        [
            figure.into(),
            format!(
                "key {:.2} s + grouping {:.2} s = {:.1}% of pages → normalized rows ({:.1} s, key included); \
                 {} rows keyed, {} groups of {} rows",
                self.key,
                self.group,
                100.0 * share,
                self.rows,
                self.keyed,
                self.groups,
                self.grouped
            ),
            "must not dominate: ≤ 10% of the rows' CPU time".into(),
            ok(share <= 0.10),
        ]
    }
}

/// Times, over `n` offers in pages of 150 (`page(start, end)` gives a page's JSON), the pages →
/// normalized rows stage, the duplicate key of each row, and the grouping of the keys.
fn dup_cost(runs: usize, n: usize, page: impl Fn(usize, usize) -> Vec<u8>) -> DupCost {
    use ftcollect::normalize::duplicates::{duplicate_group, fingerprint};
    let fetched_at = Utc::now();
    let (mut rows_s, mut key_s, mut group_s) = (vec![], vec![], vec![]);
    let (mut groups, mut grouped, mut keyed) = (0usize, 0usize, 0usize);
    for _ in 0..runs {
        let (mut rows_t, mut key_t) = (Duration::ZERO, Duration::ZERO);
        let mut keys: Vec<u64> = Vec::with_capacity(n);
        let mut w = Warnings::default();
        for start in (0..n).step_by(150) {
            let page = page(start, (start + 150).min(n));
            let t = Instant::now();
            let b: SearchBody = serde_json::from_slice(&page).unwrap();
            let rows: Vec<_> = b
                .resultats
                .into_iter()
                .filter_map(|o| normalize_france_travail_owned(o, fetched_at, &mut w))
                .collect();
            rows_t += t.elapsed();
            let t = Instant::now();
            for r in &rows {
                std::hint::black_box(duplicate_group(r));
            }
            key_t += t.elapsed();
            keys.extend(rows.iter().filter_map(fingerprint));
        }
        let t = Instant::now();
        let mut count: std::collections::HashMap<u64, u32> =
            std::collections::HashMap::with_capacity(keys.len());
        for k in &keys {
            *count.entry(*k).or_default() += 1;
        }
        groups = count.values().filter(|c| **c > 1).count();
        grouped = count
            .values()
            .filter(|c| **c > 1)
            .map(|c| *c as usize)
            .sum();
        group_s.push(t.elapsed().as_secs_f64());
        keyed = keys.len();
        rows_s.push(rows_t.as_secs_f64());
        key_s.push(key_t.as_secs_f64());
    }
    DupCost {
        rows: median(rows_s),
        key: median(key_s),
        group: median(group_s),
        keyed,
        groups,
        grouped,
    }
}

fn pandas(ctx: &mut Ctx, data: &[Vec<u8>]) {
    let Ok(py) = std::env::var("FTCOLLECT_BENCH_PYTHON") else {
        ctx.rows.push([
            "versus pandas".into(),
            "skipped: run through bench/run".into(),
            "≥ 20× faster, same row count".into(),
            "—".into(),
        ]);
        return;
    };
    let dir = ctx.tmp.path().join("pages");
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for (i, p) in data.iter().enumerate() {
        let f = dir.join(format!("page-{i:05}.json"));
        std::fs::write(&f, p).unwrap();
        files.push(f);
    }
    let n: usize = data
        .iter()
        .map(|p| {
            serde_json::from_slice::<SearchBody>(p)
                .unwrap()
                .resultats
                .len()
        })
        .sum();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/pandas_baseline.py");
    let (mut ours, mut theirs) = (vec![], vec![]);
    let mut their_rows = 0;
    for _ in 0..ctx.runs {
        let out = ctx.tmp.path().join("ours.csv");
        let t = Instant::now();
        let st = Command::new(&ctx.exe)
            .arg("normalize")
            .args(&files)
            .arg("--output")
            .arg(&out)
            .stderr(Stdio::null())
            .status()
            .unwrap();
        ours.push(t.elapsed().as_secs_f64());
        assert!(st.success());
        assert_eq!(csv_ids(&out).len(), n);
        let out = ctx.tmp.path().join("pandas.csv");
        let t = Instant::now();
        let o = Command::new(&py)
            .arg(&script)
            .arg(&dir)
            .arg(&out)
            .output()
            .unwrap();
        theirs.push(t.elapsed().as_secs_f64());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        their_rows = String::from_utf8_lossy(&o.stdout)
            .trim()
            .parse::<usize>()
            .unwrap();
    }
    let (a, b) = (median(ours), median(theirs));
    ctx.rows.push([
        format!("versus pandas json_normalize ({n} offers)"),
        format!("ftcollect normalize {a:.2} s, pandas {b:.2} s: {:.1}× faster; rows {n} vs {their_rows}", b / a),
        "≥ 20× faster, same row count".into(),
        ok(b / a >= 20.0 && their_rows == n),
    ]);
}

/// Peak RSS (VmHWM) of a child process, polled until it exits.
fn peak_rss_mb(mut child: std::process::Child) -> (f64, bool) {
    let pid = child.id();
    let mut peak = 0u64;
    loop {
        if let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/status"))
            && let Some(l) = s.lines().find(|l| l.starts_with("VmHWM:"))
        {
            peak = peak.max(
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0),
            );
        }
        if let Some(st) = child.try_wait().unwrap() {
            return (peak as f64 / 1024.0, st.success());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A simulator in its own process (so its memory is not counted), with its base URL.
fn external_sim(exe: &Path, offers: usize) -> (std::process::Child, String) {
    let mut child = Command::new(exe)
        .args([
            "simulate",
            "--port",
            "0",
            "--rate-limit",
            "0",
            "--future-days",
            "0",
            "--offers",
            &offers.to_string(),
            "--now",
            &now0().to_rfc3339(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_string();
    (child, base)
}

fn collect_cmd(exe: &Path, base: &str, out: &Path, extra: &[&str]) -> Command {
    let mut c = Command::new(exe);
    c.args([
        "--output",
        out.to_str().unwrap(),
        "--quiet",
        "--now",
        &now0().to_rfc3339(),
    ])
    .args([
        "--api-url",
        &format!("{base}/partenaire/offresdemploi"),
        "--token-url",
        &format!("{base}/connexion/oauth2/access_token?realm=%2Fpartenaire"),
    ])
    .args(extra)
    .env("FRANCE_TRAVAIL_ID", "demo-id")
    .env("FRANCE_TRAVAIL_KEY", "demo-secret")
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    c
}

fn memory(ctx: &mut Ctx) {
    let sizes: &[usize] = if ctx.tiny {
        &[2_000]
    } else {
        &[100_000, 1_000_000]
    };
    let mut peaks = Vec::new();
    for &n in sizes {
        let (mut sim_child, base) = external_sim(&ctx.exe, (n as f64 / MATCH_SHARE) as usize);
        let runs = if n >= 1_000_000 { 1 } else { ctx.runs };
        let mut m = vec![];
        for r in 0..runs {
            let out = ctx.tmp.path().join(format!("mem-{n}-{r}.csv"));
            let child = collect_cmd(&ctx.exe, &base, &out, &["--rate-limit-delay", "0"])
                .spawn()
                .unwrap();
            let (mb, okk) = peak_rss_mb(child);
            assert!(okk, "collect succeeded");
            m.push(mb);
            let _ = std::fs::remove_file(&out);
        }
        let _ = sim_child.kill();
        let _ = sim_child.wait();
        peaks.push((n, median(m)));
    }
    let line: Vec<String> = peaks
        .iter()
        .map(|(n, mb)| format!("{:.0}k offers: {mb:.0} MB", *n as f64 / 1000.0))
        .collect();
    let (met, growth) = if peaks.len() == 2 {
        (
            peaks[1].1 <= 150.0 && peaks[1].1 - peaks[0].1 <= 60.0,
            peaks[1].1 - peaks[0].1,
        )
    } else {
        (true, 0.0)
    };
    ctx.rows.push([
        "memory: peak RSS of collect".into(),
        format!("{}; growth {growth:.0} MB", line.join(", ")),
        "≤ 150 MB at 1M, growth ≤ 60 MB".into(),
        if ctx.tiny { "—".into() } else { ok(met) },
    ]);
}

fn resume(ctx: &mut Ctx) {
    let n = if ctx.tiny { 3_000 } else { 30_000 };
    let interval = 100u64;
    let mut rows = vec![];
    let mut met = true;
    for run in 0..ctx.runs {
        let s = sim((n as f64 / MATCH_SHARE) as usize, 20 + run as u64, |_| {});
        let clean_out = ctx.tmp.path().join(format!("clean-{run}.csv"));
        let before = s.search_requests();
        collect::collect(&config(&s, &clean_out)).unwrap();
        let clean = (s.search_requests() - before) as u64;
        let want = csv_ids(&clean_out);
        let out = ctx.tmp.path().join(format!("resume-{run}.csv"));
        let base = s.base_url().to_string();
        let start = s.search_requests();
        let mut child = collect_cmd(
            &ctx.exe,
            &base,
            &out,
            &[
                "--rate-limit-delay",
                "0.02",
                "--checkpoint-interval",
                &interval.to_string(),
            ],
        )
        .spawn()
        .unwrap();
        let half = want.len() / 2;
        // Progress from the checkpoint (rows of the CSV's durable prefix): counting the CSV's
        // newlines would count the line breaks inside descriptions too.
        let cp = out.with_extension("csv.checkpoint");
        let checkpointed_rows = || {
            std::fs::read(&cp)
                .ok()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                .and_then(|v| v["csv_rows"].as_u64())
                .unwrap_or(0)
        };
        loop {
            if checkpointed_rows() as usize > half {
                break;
            }
            assert!(
                child.try_wait().unwrap().is_none(),
                "the collection ended before half of its rows"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let kept = checkpointed_rows();
        let before_kill = (s.search_requests() - start) as u64;
        let owed = clean.saturating_sub(before_kill);
        let t = s.search_requests();
        let st = collect_cmd(
            &ctx.exe,
            &base,
            &out,
            &[
                "--rate-limit-delay",
                "0",
                "--checkpoint-interval",
                &interval.to_string(),
            ],
        )
        .status()
        .unwrap();
        assert!(st.success());
        let resumed = (s.search_requests() - t) as u64;
        assert_eq!(csv_ids(&out), want, "resumed run complete");
        let allowance = interval.div_ceil(150);
        met &= resumed <= owed + allowance;
        rows.push(format!(
            "killed with {:.0}% of the rows checkpointed: {resumed} calls after the kill, {owed} still owed (+{allowance} allowed)",
            kept as f64 * 100.0 / want.len() as f64
        ));
    }
    ctx.rows.push([
        format!("resume cost after a kill at 50% ({n} offers)"),
        rows.join("; "),
        "≤ calls still owed + one checkpoint interval of pages".into(),
        ok(met),
    ]);
}

fn headroom(ctx: &mut Ctx) {
    let s = sim(100_000, 3, |_| {});
    let secs = if ctx.tiny { 1.0 } else { 5.0 };
    let threads = 16;
    let total = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let c = client(&s);
            let total = total.clone();
            std::thread::spawn(move || {
                let mut i = t * 7;
                while Instant::now() < deadline {
                    let start = (i % 20) * 150;
                    let p = SearchParams {
                        rome_codes: vec![DEFAULT_ROME_CODES[i as usize % 5].into()],
                        range: Some((start, start + 149)),
                        sort: Some(Sort::CreationDesc),
                        ..Default::default()
                    };
                    c.search(&p).unwrap();
                    total.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    i += 1;
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let rps = total.load(std::sync::atomic::Ordering::Relaxed) as f64 / secs;
    ctx.rows.push([
        "simulator headroom (no rate limit, pages of 150)".into(),
        format!("{rps:.0} req/s = {:.0}× the client's 10 req/s", rps / 10.0),
        "≥ 20×".into(),
        ok(rps >= 200.0),
    ]);
}

/// One collection against a simulator with `b`, checked against the oracle.
fn completeness_run(ctx: &mut Ctx, name: &str, offers: usize, b: Behaviours, strategy: Strategy) {
    let sim = sim(offers, 7, |c| {
        c.behaviours = b;
        c.future_days = 30;
    });
    let w = plan::window_for(sim.now(), 12);
    let q = Query {
        romes: Some(rome_idx()),
        window: Some((w.min.timestamp_millis(), w.max.timestamp_millis())),
        ..Default::default()
    };
    let mark = sim.mark();
    let out = ctx
        .tmp
        .path()
        .join(format!("complete-{}.csv", ctx.completeness.len()));
    let mut c = config(&sim, &out);
    c.quiet = true;
    c.strategy = strategy;
    c.workers = if strategy == Strategy::Grid { 16 } else { 7 };
    c.retry.throttle_budget = Duration::from_secs(1800);
    let before = sim.search_requests();
    let outcome = collect::collect(&c);
    let calls = (sim.search_requests() - before) as u64;
    let truth = sim.truth(&mark, &q);
    let mut r = csv::Reader::from_path(&out).unwrap();
    let ids: Vec<String> = r.records().map(|x| x.unwrap()[0].to_string()).collect();
    let set: BTreeSet<String> = ids.iter().cloned().collect();
    let missing = truth.stayed.difference(&set).count();
    let foreign = set.difference(&truth.ever).count();
    let bound = (truth.stayed.len() as u64).div_ceil(150).max(1);
    let code = match &outcome {
        Ok(o) => ftcollect::exit::code_for(o.status).code().to_string(),
        Err(e) => format!("{} ({e})", ftcollect::exit::code_for(e).code()),
    };
    let waited = outcome
        .as_ref()
        .ok()
        .and_then(|o| o.summary.as_ref())
        .map(|s| s.api.throttle_wait_seconds)
        .unwrap_or(0.0);
    let code = if waited > 0.0 {
        format!("{code} (waited {waited:.0} s on 429s)")
    } else {
        code
    };
    eprintln!(
        "completeness: {name}: missing {missing}, foreign {foreign}, calls {calls}, exit {code}"
    );
    ctx.completeness.push([
        name.to_string(),
        format!("{} / {}", truth.stayed.len(), truth.ever.len()),
        format!("{missing}, {foreign}"),
        (ids.len() - set.len()).to_string(),
        format!("{calls} / {bound} = {:.2}", calls as f64 / bound as f64),
        code,
    ]);
}

fn completeness(ctx: &mut Ctx) {
    let n = if ctx.tiny { 5_000 } else { 60_000 };
    let bulk = |offers: u32, days: i64| BulkSecond {
        offers,
        rome: None,
        departement: None,
        age_seconds: Some(days * 86_400 + 1_234),
    };
    let churn = |w: u32, p: u32, lag_s: u64| Churn {
        withdraw_per_request: w,
        publish_per_request: p,
        max_lag: Duration::from_secs(lag_s),
    };
    let storm = Storm {
        period: Duration::from_secs(20),
        on: Duration::from_secs(12),
        retry_after_secs: 10,
        without_header: 0.3,
    };
    let d = Behaviours::default;
    let mut cases: Vec<(&str, Behaviours, Strategy)> = vec![
        ("none (the plain simulator)", d(), Strategy::Adaptive),
        (
            "bulk seconds: 9000 + 3300 offers",
            Behaviours {
                bulk: vec![bulk(9_000, 30), bulk(3_300, 3)],
                ..d()
            },
            Strategy::Adaptive,
        ),
        (
            "maxCreationDate exclusive + a bulk second of 3300",
            Behaviours {
                max_exclusive: true,
                bulk: vec![bulk(3_300, 10)],
                ..d()
            },
            Strategy::Adaptive,
        ),
        (
            "minCreationDate exclusive + a bulk second of 3300",
            Behaviours {
                min_exclusive: true,
                bulk: vec![bulk(3_300, 10)],
                ..d()
            },
            Strategy::Adaptive,
        ),
        (
            "bounds truncated to the minute",
            Behaviours {
                grain: Grain::Minute,
                ..d()
            },
            Strategy::Adaptive,
        ),
        (
            "bounds truncated to the day",
            Behaviours {
                grain: Grain::Day,
                ..d()
            },
            Strategy::Adaptive,
        ),
        (
            "unstable order + bulk seconds 9000 + 3300",
            Behaviours {
                unstable_order: true,
                bulk: vec![bulk(9_000, 30), bulk(3_300, 3)],
                ..d()
            },
            Strategy::Adaptive,
        ),
        (
            "unstable order + 150 batches of 30",
            Behaviours {
                unstable_order: true,
                batches: Some((150, 30)),
                ..d()
            },
            Strategy::Adaptive,
        ),
        (
            "churn 3 + 3 per request (new offers dated now)",
            Behaviours {
                churn: Some(churn(3, 3, 0)),
                ..d()
            },
            Strategy::Adaptive,
        ),
        (
            "churn 3 + 3 per request, lag ≤ 20 days, unstable order",
            Behaviours {
                churn: Some(churn(3, 3, 20 * 86_400)),
                unstable_order: true,
                ..d()
            },
            Strategy::Adaptive,
        ),
        (
            "short 206 pages (20%, honest Content-Range)",
            Behaviours {
                short_pages: Some(ShortPages {
                    rate: 0.2,
                    honest_range: true,
                }),
                ..d()
            },
            Strategy::Adaptive,
        ),
        (
            "short 206 pages (20%, Content-Range claims the full range)",
            Behaviours {
                short_pages: Some(ShortPages {
                    rate: 0.2,
                    honest_range: false,
                }),
                ..d()
            },
            Strategy::Adaptive,
        ),
        (
            "totals drifting ±20",
            Behaviours {
                total_jitter: 20,
                ..d()
            },
            Strategy::Adaptive,
        ),
        (
            "429 storm: 12 s of every 20 s, Retry-After 10, 30% without",
            Behaviours {
                storm: Some(storm.clone()),
                ..d()
            },
            Strategy::Adaptive,
        ),
        (
            "4000 offers in one second, one ROME code, one département",
            Behaviours {
                bulk: vec![BulkSecond {
                    offers: 4_000,
                    rome: Some("M1811".into()),
                    departement: Some("75".into()),
                    age_seconds: Some(86_400 * 4),
                }],
                unstable_order: true,
                ..d()
            },
            Strategy::Adaptive,
        ),
        (
            "all combined (bulk, batches, exclusive max, unstable, churn, short pages, ±20)",
            Behaviours {
                bulk: vec![bulk(5_000, 15)],
                batches: Some((100, 30)),
                max_exclusive: true,
                unstable_order: true,
                churn: Some(churn(2, 2, 3_600)),
                short_pages: Some(ShortPages {
                    rate: 0.1,
                    honest_range: false,
                }),
                total_jitter: 20,
                ..d()
            },
            Strategy::Adaptive,
        ),
        (
            "grid: bulk second 3300 + unstable order",
            Behaviours {
                unstable_order: true,
                bulk: vec![bulk(3_300, 5)],
                ..d()
            },
            Strategy::Grid,
        ),
    ];
    if ctx.tiny {
        cases.retain(|(name, ..)| {
            !name.starts_with("429") && !name.starts_with("grid") && !name.contains("day")
        });
    }
    for (name, b, strategy) in cases {
        completeness_run(ctx, name, n, b, strategy);
    }
}

fn machine() -> String {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map(|kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0))
        .unwrap_or_default();
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_default();
    format!("{cores} cores ({cpu}), {mem} memory")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let tiny = args.iter().any(|a| a == "--tiny");
    let write = args
        .iter()
        .position(|a| a == "--write")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let only: Option<String> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let exe = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/ftcollect");
    assert!(
        exe.exists(),
        "build the binary first: cargo build --release (bench/run does it)"
    );
    let mut ctx = Ctx {
        tiny,
        runs: if tiny { 1 } else { 3 },
        exe,
        tmp: tempfile::tempdir().unwrap(),
        rows: vec![],
        completeness: vec![],
        notes: vec![],
    };
    let started = Instant::now();
    let want = |s: &str| only.as_deref().is_none_or(|o| o.split(',').any(|x| x == s));
    if want("efficiency") {
        efficiency(&mut ctx);
    }
    if want("rate") {
        rate(&mut ctx);
    }
    let data = if want("cpu") || want("pandas") {
        Some(cpu(&mut ctx))
    } else {
        None
    };
    if want("pandas")
        && let Some(d) = &data
    {
        pandas(&mut ctx, d);
    }
    if want("real") {
        real(&mut ctx);
    }
    if want("memory") {
        memory(&mut ctx);
    }
    if want("resume") {
        resume(&mut ctx);
    }
    if want("headroom") {
        headroom(&mut ctx);
    }
    if want("completeness") {
        completeness(&mut ctx);
    }
    if want("duplicates") {
        duplicates(&mut ctx);
    }
    let mut table = String::from("| figure | measured | target | status |\n|---|---|---|---|\n");
    for r in &ctx.rows {
        table.push_str(&format!("| {} | {} | {} | {} |\n", r[0], r[1], r[2], r[3]));
    }
    if !ctx.completeness.is_empty() {
        table.push_str(
            "\n### Completeness against the behaviours the API's documentation leaves open\n\n\
             Each row: one collection (adaptive unless named, 12 months, default ROME codes, 7 workers) \
             against the simulator with that behaviour; *missing* counts offers online during the whole run \
             that are not in the output (the simulator's oracle), *foreign* offers written that never matched, \
             *calls / bound* the search calls over `ceil(offers online throughout / 150)`.\n\n\
             | behaviour | offers (online throughout / ever) | missing, foreign | duplicates | calls / bound | exit code |\n|---|---|---|---|---|---|\n",
        );
        for r in &ctx.completeness {
            table.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                r[0], r[1], r[2], r[3], r[4], r[5]
            ));
        }
    }
    println!("{table}");
    for n in &ctx.notes {
        println!("{n}");
    }
    println!("(benchmarks took {:.0} s)", started.elapsed().as_secs_f64());
    if let Some(path) = write {
        let mut f = std::fs::File::create(&path).unwrap();
        writeln!(
            f,
            "# Benchmarks\n\nProduced by `bench/run` in one run on {} ({:.0} s).\n\n- machine: {}\n- command: `bench/run` (= `cargo bench --bench figures -- --write BENCHMARKS.md` after creating the pandas venv)\n- every timed figure is the median of {} runs; call counts are the median over {} seeds; comparisons are measured side by side in the same run.\n\n{table}",
            Utc::now().format("%Y-%m-%d %H:%M UTC"),
            started.elapsed().as_secs_f64(),
            machine(),
            ctx.runs,
            ctx.runs
        )
        .unwrap();
        for n in &ctx.notes {
            writeln!(f, "{n}\n").unwrap();
        }
        eprintln!("wrote {path}");
    }
}
