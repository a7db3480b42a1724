//! Parquet output: types as DuckDB and pyarrow see them, cell-for-cell agreement with the CSV,
//! resume, size, `convert`.

use std::path::Path;
use std::time::Duration;

use ftcollect::collect::{self, RunStatus};

use crate::collect::{config, csv_ids};
use crate::harness::*;

const CHECK: &str = r#"
import sys, json, csv, duckdb, pyarrow.parquet as pq, datetime
csv.field_size_limit(10**9)
pq_path, csv_path = sys.argv[1], sys.argv[2]
con = duckdb.connect()
types = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM '{pq_path}'").fetchall()}
count = con.execute(f"SELECT count(*) FROM '{pq_path}'").fetchone()[0]
table = pq.read_table(pq_path)
meta = {k.decode(): v.decode() for k, v in (pq.ParquetFile(pq_path).metadata.metadata or {}).items()}
rows = table.to_pylist()
with open(csv_path, newline='', encoding='utf-8') as f:
    reader = csv.reader(f)
    header = next(reader)
    csv_rows = list(reader)
def text(v):
    if v is None: return ''
    if isinstance(v, bool): return 'true' if v else 'false'
    if isinstance(v, datetime.datetime):
        return v.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (v.microsecond // 1000)
    if isinstance(v, list): return v
    return v
mismatches = []
step = max(1, len(rows) // 50)
sampled = 0
for i in range(0, len(rows), step):
    if sampled == 50: break
    sampled += 1
    r = rows[i]; c = csv_rows[i]
    for j, name in enumerate(header):
        a, b = text(r[name]), c[j]
        if isinstance(a, list): ok = b != '' and json.loads(b) == a
        elif isinstance(a, float): ok = b != '' and float(b) == a
        elif isinstance(a, int): ok = b != '' and int(b) == a
        else: ok = a == b
        if not ok: mismatches.append([i, name, repr(a)[:80], b[:80]])
print(json.dumps({"types": types, "count": count, "csv_rows": len(csv_rows), "sampled": sampled,
                  "mismatches": mismatches[:10], "meta": meta, "header": header,
                  "multiline": sum(1 for r in csv_rows if '\n' in r[3]), "quoted": sum(1 for r in csv_rows if '"' in r[3])}))
"#;

#[test]
fn duckdb_and_pyarrow_read_the_right_types_and_the_same_cells_as_the_csv() {
    let sim = sim(6000);
    let dir = tempdir();
    let out = dir.path().join("jobs.csv");
    let pq = dir.path().join("jobs.parquet");
    let mut c = config(&sim, &out);
    c.parquet = Some(pq.clone());
    let o = collect::collect(&c).unwrap();
    assert_eq!(o.status, RunStatus::Complete);
    assert_eq!(o.summary.unwrap().parquet.as_deref(), Some(pq.as_path()));
    let r = run_python(CHECK, &[pq.to_str().unwrap(), out.to_str().unwrap()]);
    let csv_rows = csv_ids(&out).len() as u64;
    assert_eq!(r["count"], csv_rows);
    assert_eq!(r["csv_rows"], csv_rows);
    assert_eq!(r["types"]["date_created"], "TIMESTAMP WITH TIME ZONE");
    assert_eq!(r["types"]["salary_annual_min"], "DOUBLE");
    assert_eq!(r["types"]["skills"], "VARCHAR[]");
    assert_eq!(r["types"]["remote_work"], "BOOLEAN");
    assert_eq!(r["types"]["positions"], "INTEGER");
    assert_eq!(r["types"]["id"], "VARCHAR");
    // The columns issue 17 added.
    for (column, kind) in [
        ("application_url_source", "VARCHAR"),
        ("salary_source", "VARCHAR"),
        ("salary_gross_net", "VARCHAR"),
        ("salary_annual_period", "VARCHAR"),
        ("salary_period_inferred", "BOOLEAN"),
        ("weekly_hours", "DOUBLE"),
        ("salary_hours_read", "BOOLEAN"),
        ("department_source", "VARCHAR"),
        ("nature_contrat", "VARCHAR"),
        ("offres_manque_candidats", "BOOLEAN"),
        ("salary_complements", "VARCHAR[]"),
        ("deplacement", "VARCHAR"),
        ("contexte_travail", "VARCHAR[]"),
        ("duplicate_group", "VARCHAR"),
    ] {
        assert_eq!(r["types"][column], kind, "{column}");
    }
    assert_eq!(
        r["types"].as_object().unwrap().len(),
        ftcollect::normalize::offer::COLUMN_COUNT
    );
    assert_eq!(r["sampled"], 50);
    assert_eq!(
        r["mismatches"],
        serde_json::json!([]),
        "Parquet and CSV agree cell for cell"
    );
    assert!(
        r["multiline"].as_u64().unwrap() > 0 && r["quoted"].as_u64().unwrap() > 0,
        "descriptions with line breaks and quotes survived"
    );
    assert_eq!(r["meta"]["ftcollect.version"], env!("CARGO_PKG_VERSION"));
    assert!(
        r["meta"]["ftcollect.query"]
            .as_str()
            .unwrap()
            .contains("M1811")
    );
    assert!(
        r["meta"]["ftcollect.run_time"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
}

const PY_CSV: &str = r#"
import sys, json, csv
csv.field_size_limit(10**9)
with open(sys.argv[1], newline='', encoding='utf-8') as f:
    print(json.dumps(list(csv.reader(f))))
"#;

#[test]
fn the_csv_round_trips_through_the_csv_crate_and_python_csv_with_the_same_cells() {
    let sim = sim(1500);
    let dir = tempdir();
    let out = dir.path().join("rt.csv");
    collect::collect(&config(&sim, &out)).unwrap();
    let mut rust_rows: Vec<Vec<String>> = Vec::new();
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(&out)
        .unwrap();
    for rec in r.records() {
        rust_rows.push(rec.unwrap().iter().map(str::to_string).collect());
    }
    let py = run_python(PY_CSV, &[out.to_str().unwrap()]);
    let py_rows: Vec<Vec<String>> = serde_json::from_value(py).unwrap();
    assert_eq!(py_rows.len(), rust_rows.len());
    assert_eq!(py_rows, rust_rows);
    assert!(
        rust_rows.iter().any(|r| r[3].contains("\r\n")),
        "a description with CRLF is in the sample"
    );
    // The CSV cells decode back to the schema's types.
    for row in &rust_rows[1..] {
        ftcollect::normalize::NormalizedOffer::from_csv_fields(row.iter().map(String::as_str))
            .unwrap();
    }
}

pub(crate) fn parquet_ids(path: &Path) -> Vec<String> {
    use arrow_array::cast::AsArray;
    let f = std::fs::File::open(path).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap()
        .build()
        .unwrap();
    let mut ids = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        let col = batch.column(0).as_string::<i32>();
        ids.extend(col.iter().map(|s| s.unwrap().to_string()));
    }
    ids
}

#[test]
fn an_interrupted_then_resumed_collection_ends_with_a_parquet_of_exactly_the_csv_rows() {
    let sim = sim(15_000);
    let dir = tempdir();
    let out = dir.path().join("p.csv");
    let pq = dir.path().join("p.parquet");
    let run = || {
        collect_binary(
            &sim,
            &[
                "--output",
                out.to_str().unwrap(),
                "--parquet",
                pq.to_str().unwrap(),
                "--rate-limit-delay",
                "0.02",
                "--quiet",
            ],
        )
        .spawn()
        .unwrap()
    };
    let mut child = run();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0) < 2_000_000
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!pq.exists(), "no Parquet file from a killed run");
    assert_eq!(run().wait().unwrap().code(), Some(0));
    let csv = csv_ids(&out);
    let pids = parquet_ids(&pq);
    assert_eq!(
        pids, csv,
        "the Parquet file holds exactly the CSV's rows, in order"
    );
}

#[test]
fn convert_refuses_a_foreign_csv_naming_the_column_and_converts_ours() {
    let dir = tempdir();
    let foreign = dir.path().join("foreign.csv");
    std::fs::write(&foreign, "id,source,titre\n1,x,y\n").unwrap();
    let out = dir.path().join("f.parquet");
    let exe = env!("CARGO_BIN_EXE_ftcollect");
    let o = std::process::Command::new(exe)
        .args(["convert", foreign.to_str().unwrap(), out.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("column 3 is `titre` where the schema has `title`"),
        "{err}"
    );
    assert!(!out.exists());

    let sim = sim(800);
    let csv = dir.path().join("ours.csv");
    collect::collect(&config(&sim, &csv)).unwrap();
    let o = std::process::Command::new(exe)
        .args(["convert", csv.to_str().unwrap(), out.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(parquet_ids(&out), csv_ids(&csv));
}

#[test]
fn parquet_is_at_most_35_percent_of_the_csv_for_100k_offers() {
    // About 100k matching offers: the default ROME codes are ~45% of the universe.
    let sim = sim(230_000);
    let dir = tempdir();
    let out = dir.path().join("big.csv");
    let pq = dir.path().join("big.parquet");
    let mut c = config(&sim, &out);
    c.parquet = Some(pq.clone());
    c.workers = 8;
    let o = collect::collect(&c).unwrap();
    let rows = o.summary.unwrap().offers_written;
    let csv_len = std::fs::metadata(&out).unwrap().len();
    let pq_len = std::fs::metadata(&pq).unwrap().len();
    let ratio = pq_len as f64 / csv_len as f64;
    eprintln!("{rows} offers: CSV {csv_len} bytes, Parquet {pq_len} bytes, ratio {ratio:.3}");
    assert!(rows >= 95_000, "{rows}");
    assert!(ratio <= 0.35, "ratio {ratio:.3}");
}
