//! `normalize` as a library operation: raw API material (files, gzip, stdin) in, CSV (and
//! Parquet) rows of the schema out, streamed in bounded memory and normalized on all cores.
//!
//! One reader thread goes through the inputs in order and cuts each into chunks that decode on
//! their own ([`super::chunk`]); each chunk is decoded, normalized and CSV-encoded on the rayon
//! pool; the calling thread writes the chunks' rows in input order, skipping offers already
//! written (`(source, id)`, [`crate::collect::dedup::SeenSet`]), and feeds the Parquet sink.
//! Invariants: the output is the same, byte for byte, as reading every input whole and
//! normalizing it in one go (`tests/it/normalize_stream.rs` holds that reference); at most
//! [`NormalizeConfig::in_flight`] chunks are read but not yet written, so memory does not grow
//! with the input; the first error in input order stops the run (a malformed chunk, an input
//! that cannot be read, a damaged gzip stream, an empty input) and a CSV file is replaced only by
//! a complete one (written to a temporary, renamed at the end).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;

use chrono::{DateTime, Utc};

use super::chunk::{self, Chunk, Chunker};
use super::input::{InputError, InputErrorKind, RawRecord, read_records};
use super::offer::NormalizedOffer;
use super::warnings::Warnings;
use crate::collect::dedup::SeenSet;
use crate::error::Error;
use crate::sink::csv as csv_sink;
use crate::sink::parquet::ParquetSink;
use crate::source::adzuna::model::RawJob;
use crate::source::france_travail::model::RawOffer;

/// Where raw material is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

/// Which API's material the inputs hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Material {
    FranceTravail,
    /// Adzuna; `country` is the searches' country (`fr`, `gb`…), inferred per job when `None`.
    Adzuna {
        country: Option<String>,
    },
}

/// What to normalize.
#[derive(Debug, Clone)]
pub struct NormalizeConfig {
    pub inputs: Vec<Input>,
    pub material: Material,
    /// `date_extraction` of offers whose page carries no fetch time (all but raw archives).
    pub fetched_at: DateTime<Utc>,
    /// Size at which an input is cut into chunks when it can be.
    pub chunk_bytes: usize,
    /// Chunks read but not yet written, at most.
    pub in_flight: usize,
}

impl NormalizeConfig {
    pub fn new(inputs: Vec<Input>, material: Material, fetched_at: DateTime<Utc>) -> Self {
        NormalizeConfig {
            inputs,
            material,
            fetched_at,
            chunk_bytes: chunk::TARGET,
            in_flight: 2 * rayon::current_num_threads().max(1) + 2,
        }
    }
}

/// What a run wrote.
#[derive(Debug, Default)]
pub struct NormalizeReport {
    pub written: u64,
    pub duplicates: u64,
    pub warnings: Warnings,
}

/// Normalizes into the CSV file `output` (a temporary renamed into place once complete: an
/// existing file is replaced only by a complete output, and left as it was on an error), and
/// into `parquet` when given.
pub fn normalize_to_file(
    cfg: &NormalizeConfig,
    output: &Path,
    parquet: Option<&mut ParquetSink>,
) -> Result<NormalizeReport, Error> {
    let tmp = crate::fsutil::temp_path(output);
    let cannot = |e: io::Error| Error::io(format!("cannot write {}", output.display()), e);
    let mut f = File::create(&tmp)
        .map_err(|e| Error::io(format!("cannot create {}", output.display()), e))?;
    let done = normalize_to_writer(cfg, &mut f, parquet)
        .and_then(|r| f.sync_all().map(|_| r).map_err(cannot));
    drop(f);
    match done {
        Ok(r) => {
            crate::fsutil::rename_durable(&tmp, output).map_err(cannot)?;
            Ok(r)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Normalizes into `w` (the CSV header, then the rows), and into `parquet` when given.
pub fn normalize_to_writer(
    cfg: &NormalizeConfig,
    w: &mut dyn Write,
    parquet: Option<&mut ParquetSink>,
) -> Result<NormalizeReport, Error> {
    // Small: a chunk's rows (hundreds of kilobytes) then go to `w` in one write, not through a copy.
    let mut out = io::BufWriter::with_capacity(64 << 10, w);
    csv_sink::writer(&mut out)
        .and_then(|mut h| h.flush())
        .map_err(write_error)?;
    let in_flight = cfg.in_flight.max(1);
    let (tx, rx) = mpsc::channel::<Msg>();
    let (credit_tx, credit_rx) = mpsc::sync_channel::<()>(in_flight);
    for _ in 0..in_flight {
        let _ = credit_tx.send(());
    }
    let mut report = NormalizeReport::default();
    std::thread::scope(|scope| {
        scope.spawn(move || read_inputs(cfg, tx, credit_rx));
        write_in_order(rx, credit_tx, &mut out, parquet, &mut report)
    })?;
    out.flush().map_err(write_error)?;
    Ok(report)
}

fn write_error(e: io::Error) -> Error {
    Error::io("cannot write the CSV output", e)
}

/// One chunk decoded, normalized and encoded.
struct Part {
    offers: Vec<NormalizedOffer>,
    rows: csv_sink::EncodedRows,
    warnings: Warnings,
}

enum Msg {
    /// The result of the chunk (or input error) numbered `.0`.
    Done(u64, Result<Part, Error>),
    /// No more: `.0` results were sent.
    End(u64),
}

/// Writes the results in order; hands a credit back to the reader after each.
fn write_in_order(
    rx: mpsc::Receiver<Msg>,
    credits: mpsc::SyncSender<()>,
    out: &mut impl Write,
    mut parquet: Option<&mut ParquetSink>,
    report: &mut NormalizeReport,
) -> Result<(), Error> {
    let mut seen = SeenSet::new();
    let mut pending: BTreeMap<u64, Result<Part, Error>> = BTreeMap::new();
    let (mut next, mut end) = (0u64, None);
    loop {
        while let Some(part) = pending.remove(&next) {
            let part = part?;
            report.warnings.merge(&part.warnings);
            // Rows are written in runs: from `run` to the row before the next duplicate.
            let (mut start, mut run) = (0, 0);
            for (o, &stop) in part.offers.iter().zip(&part.rows.ends) {
                if seen.insert(&o.source, &o.id) {
                    if let Some(pq) = parquet.as_deref_mut() {
                        pq.write(o)?;
                    }
                    report.written += 1;
                } else {
                    out.write_all(&part.rows.bytes[run..start])
                        .map_err(write_error)?;
                    run = stop;
                    report.duplicates += 1;
                }
                start = stop;
            }
            out.write_all(&part.rows.bytes[run..start])
                .map_err(write_error)?;
            next += 1;
            let _ = credits.send(());
        }
        if end == Some(next) {
            return Ok(());
        }
        match rx.recv() {
            Ok(Msg::Done(seq, r)) => {
                pending.insert(seq, r);
            }
            Ok(Msg::End(n)) => end = Some(n),
            // The reader is gone without its end (cannot happen): what was sent is written.
            Err(_) => return Ok(()),
        }
    }
}

/// What every chunk's decoding needs.
struct Job {
    name: Arc<str>,
    material: Arc<Material>,
    fetched_at: DateTime<Utc>,
}

/// The reader thread: inputs in order, chunks to the pool, results numbered in order.
fn read_inputs(cfg: &NormalizeConfig, tx: mpsc::Sender<Msg>, credits: mpsc::Receiver<()>) {
    let material = Arc::new(cfg.material.clone());
    let mut seq = 0u64;
    for input in &cfg.inputs {
        match read_input(cfg, input, &material, &tx, &credits, &mut seq) {
            Ok(true) => {}
            // The writer stopped (an error in an earlier chunk).
            Ok(false) => break,
            Err(e) => {
                if credits.recv().is_ok() {
                    let _ = tx.send(Msg::Done(seq, Err(e)));
                    seq += 1;
                }
                break;
            }
        }
    }
    let _ = tx.send(Msg::End(seq));
}

/// Reads one input into numbered chunk jobs; false when the writer stopped.
fn read_input(
    cfg: &NormalizeConfig,
    input: &Input,
    material: &Arc<Material>,
    tx: &mpsc::Sender<Msg>,
    credits: &mpsc::Receiver<()>,
    seq: &mut u64,
) -> Result<bool, Error> {
    let (name, reader, gzip) = open(input)?;
    let key = match cfg.material {
        Material::FranceTravail => RawOffer::RESULTS_KEY,
        Material::Adzuna { .. } => RawJob::RESULTS_KEY,
    };
    let name: Arc<str> = name.into();
    let mut chunks = Chunker::with_sizes(reader, key, cfg.chunk_bytes, chunk::CAP);
    for c in &mut chunks {
        let c = c.map_err(|e| read_error(&name, gzip, e))?;
        if credits.recv().is_err() {
            return Ok(false);
        }
        let job = Job {
            name: name.clone(),
            material: material.clone(),
            fetched_at: cfg.fetched_at,
        };
        let (tx, n) = (tx.clone(), *seq);
        *seq += 1;
        rayon::spawn(move || {
            let _ = tx.send(Msg::Done(n, decode(&job, c)));
        });
    }
    if !chunks.had_content() {
        let e = match cfg.material {
            Material::FranceTravail => InputError::empty::<RawOffer>(&name),
            Material::Adzuna { .. } => InputError::empty::<RawJob>(&name),
        };
        return Err(Error::Input(e));
    }
    Ok(true)
}

/// Opens an input, decompressing gzip (recognized by its magic bytes).
fn open(input: &Input) -> Result<(String, Box<dyn BufRead + Send>, bool), Error> {
    const BUFFER: usize = 256 << 10;
    let (name, raw): (String, Box<dyn io::Read + Send>) = match input {
        Input::Stdin => ("stdin".to_string(), Box::new(io::stdin())),
        Input::File(p) => (
            p.display().to_string(),
            Box::new(
                File::open(p).map_err(|e| Error::io(format!("cannot read {}", p.display()), e))?,
            ),
        ),
    };
    let mut raw = BufReader::with_capacity(BUFFER, raw);
    let magic = loop {
        match raw.fill_buf() {
            Ok(b) => break b.starts_with(&[0x1f, 0x8b]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(read_error(&name, false, e)),
        }
    };
    if magic {
        let gz = flate2::bufread::MultiGzDecoder::new(raw);
        return Ok((name, Box::new(BufReader::with_capacity(BUFFER, gz)), true));
    }
    Ok((name, Box::new(raw), false))
}

fn read_error(name: &str, gzip: bool, e: io::Error) -> Error {
    if gzip {
        Error::Input(InputError {
            input: name.to_string(),
            line: None,
            column: None,
            kind: InputErrorKind::Gzip(e.to_string()),
            advice: "",
            results_key: "",
        })
    } else {
        Error::io(format!("cannot read {name}"), e)
    }
}

/// Decodes, normalizes and encodes one chunk.
fn decode(job: &Job, c: Chunk) -> Result<Part, Error> {
    let mut warnings = Warnings::default();
    let mut offers = Vec::new();
    let w = &mut warnings;
    let r = match &*job.material {
        Material::FranceTravail => each_record::<RawOffer>(job, &c, w, |raw, at, w| {
            offers.extend(super::normalize_france_travail_owned(raw, at, w))
        }),
        Material::Adzuna { country } => each_record::<RawJob>(job, &c, w, |raw, at, w| {
            offers.extend(super::normalize_adzuna(
                &raw,
                country.as_deref(),
                None,
                at,
                w,
            ))
        }),
    };
    r.map_err(Error::Input)?;
    let rows =
        csv_sink::encode_rows(&offers).map_err(|e| Error::io("cannot encode CSV rows", e))?;
    Ok(Part {
        offers,
        rows,
        warnings,
    })
}

/// Calls `each` on every record of the chunk with its fetch time; the first error, placed in the
/// whole input.
fn each_record<T: RawRecord>(
    job: &Job,
    c: &Chunk,
    warnings: &mut Warnings,
    mut each: impl FnMut(T, DateTime<Utc>, &mut Warnings),
) -> Result<(), InputError> {
    if let Some(first) = c.archive_line {
        // A raw archive: each line is a document of its own, named by its number.
        let lines = c
            .bytes
            .split(|b| *b == b'\n')
            .filter(|l| l.iter().any(|b| !b.is_ascii_whitespace()));
        for (i, line) in lines.enumerate() {
            let at = crate::sink::raw::fetched_at_of(line).unwrap_or(job.fetched_at);
            let mut it = read_records::<T>(&job.name, line);
            for r in &mut it {
                match r {
                    Ok(t) => each(t, at, warnings),
                    Err(mut e) => {
                        // Named by its line only when it fails (no name built per line).
                        e.input = format!("{} line {}", job.name, first + i);
                        return Err(too_large(e, c.overflow));
                    }
                }
            }
            warnings.merge(it.warnings());
        }
        return Ok(());
    }
    let mut it = read_records::<T>(&job.name, &c.bytes).skipping_first(c.skip_first());
    for r in &mut it {
        match r {
            Ok(t) => each(t, job.fetched_at, warnings),
            Err(e) => {
                return Err(too_large(
                    e.relocated(c.line, c.column, c.prefix),
                    c.overflow,
                ));
            }
        }
    }
    warnings.merge(it.warnings());
    if c.overflow {
        // A chunk handed over at the cap always ends inside a value.
        return Err(InputError {
            input: job.name.to_string(),
            line: None,
            column: None,
            kind: InputErrorKind::TooLarge(chunk::CAP >> 20),
            advice: T::ADVICE,
            results_key: T::RESULTS_KEY,
        });
    }
    Ok(())
}

/// An error at the end of a chunk handed over at the cap is the value's size, not truncation.
fn too_large(mut e: InputError, overflow: bool) -> InputError {
    if overflow && matches!(&e.kind, InputErrorKind::Json(m) if m.starts_with("EOF while parsing"))
    {
        e.kind = InputErrorKind::TooLarge(chunk::CAP >> 20);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids yielded, then the first error, and the warnings: read whole.
    fn whole(bytes: &[u8]) -> (Vec<String>, Option<String>, Vec<(String, u64)>) {
        let mut it = read_records::<RawOffer>("in", bytes);
        let (mut ids, mut err) = (Vec::new(), None);
        for r in &mut it {
            match r {
                Ok(o) => ids.push(o.id.into_option().unwrap_or_default()),
                Err(e) => err = Some(e.to_string()),
            }
        }
        let w = it
            .warnings()
            .iter()
            .map(|(k, n)| (k.to_string(), n))
            .collect();
        (ids, err, w)
    }

    /// The same, read in chunks of about `target` bytes.
    fn chunked(bytes: &[u8], target: usize) -> (Vec<String>, Option<String>, Vec<(String, u64)>) {
        let job = Job {
            name: "in".into(),
            material: Arc::new(Material::FranceTravail),
            fetched_at: Utc::now(),
        };
        let mut chunks = Chunker::with_sizes(bytes, "resultats", target, 1 << 20);
        let (mut ids, mut err, mut warnings) = (Vec::new(), None, Warnings::default());
        for c in &mut chunks {
            let c = c.unwrap();
            let r = each_record::<RawOffer>(&job, &c, &mut warnings, |o, _, _| {
                ids.push(o.id.into_option().unwrap_or_default())
            });
            if let Err(e) = r {
                err = Some(e.to_string());
                break;
            }
        }
        if err.is_none() && !chunks.had_content() {
            err = Some(InputError::empty::<RawOffer>("in").to_string());
        }
        let w = warnings.iter().map(|(k, n)| (k.to_string(), n)).collect();
        (ids, err, w)
    }

    const DOCS: [&str; 6] = [
        "{\"id\":\"A\",\"description\":\"[{\\\"resultats\\\": ]}\\\\\"}\n[{\"id\":\"B\"}, 3, null, {\"id\":\"C\",\"id\":\"X\"}]\n",
        "{\"filtresPossibles\":[{\"a\":[1,2]}],\"resultats\":[\n  {\"id\":\"D\",\"lieuTravail\":{\"libelle\":\"75 - Paris\"}},\n  {\"id\":\"E\"},\n  {\"id\":\"F\"}\n],\"resultats\":[{\"id\":\"Y\"}],\"x\":\"resultats\"}\n",
        "\u{feff}[\n {\"id\":\"G\"},\n {\"id\":\"H\"},\n {\"id\":\"I\",\"intitule\":\"a, b\"}\n]  {\"resultats\":null} {\"id\":\"J\"}\r\n",
        "{\"resultats\":[{\"id\":\"K\"},{\"id\":\"L\"}],\"tail\":{\"b\":[]}} {\"x\":1,\"resultats\":[{\"id\":\"M\"}]}\n42\n",
        "[{\"id\":\"N\"},{\"id\":\"O\"},]\n",
        "{\"id\":\"P\"}\n{\"id\":\"Q\",\n{\"id\":\"R\"}\n",
    ];

    #[test]
    fn chunks_read_like_the_whole_input_at_every_cut_and_every_size() {
        for doc in DOCS {
            let doc = doc.as_bytes();
            for cut in 0..=doc.len() {
                let input = &doc[..cut];
                let want = whole(input);
                for target in [1, 2, 7, 40, 1 << 20] {
                    let mut got = chunked(input, target);
                    // On an error nothing is written: only the error counts (a chunk before it
                    // may have yielded offers that the whole document's failure did not).
                    if want.1.is_some() {
                        got.0.clone_from(&want.0);
                        got.2.clone_from(&want.2);
                    }
                    assert_eq!(
                        got,
                        want,
                        "target {target}, input {:?}",
                        String::from_utf8_lossy(input)
                    );
                }
            }
        }
    }

    #[test]
    fn a_big_array_is_cut_into_many_chunks_each_decoding_alone() {
        let offers: Vec<String> = (0..500).map(|i| format!("{{\"id\":\"{i:07}\"}}")).collect();
        let array = format!("[{}]", offers.join(",\n"));
        let response = format!(
            "{{\"resultats\":[{}],\"filtresPossibles\":[]}}",
            offers.join(",")
        );
        for input in [array, response] {
            let chunks: Vec<Chunk> =
                Chunker::with_sizes(input.as_bytes(), "resultats", 1000, 1 << 20)
                    .map(Result::unwrap)
                    .collect();
            assert!(chunks.len() > 5, "{}", chunks.len());
            assert!(chunks.iter().all(|c| c.bytes.len() < 1100));
            assert_eq!(chunked(input.as_bytes(), 1000), whole(input.as_bytes()));
            assert_eq!(chunked(input.as_bytes(), 1000).0.len(), 500);
        }
    }

    #[test]
    fn a_value_past_the_cap_is_too_large_and_a_cut_string_stops_at_once() {
        let big = format!(
            "{{\"id\":\"A\",\"description\":\"{}\"}}\n",
            "x".repeat(5000)
        );
        let job = Job {
            name: "in".into(),
            material: Arc::new(Material::FranceTravail),
            fetched_at: Utc::now(),
        };
        let chunks: Vec<Chunk> = Chunker::with_sizes(big.as_bytes(), "resultats", 100, 1000)
            .map(Result::unwrap)
            .collect();
        assert_eq!(chunks.len(), 1);
        assert!(chunks[0].overflow);
        let e = each_record::<RawOffer>(&job, &chunks[0], &mut Warnings::default(), |_, _, _| {})
            .unwrap_err();
        assert_eq!(e.kind, InputErrorKind::TooLarge(chunk::CAP >> 20));
        // A line cut inside a string, followed by a megabyte of offers: one chunk, then the end.
        let mut input = b"{\"id\":\"A\"}\n{\"id\":\"B".to_vec();
        for i in 0..20_000 {
            input.extend_from_slice(format!("\n{{\"id\":\"{i:07}\"}}").as_bytes());
        }
        let chunks: Vec<Chunk> = Chunker::with_sizes(&input[..], "resultats", 1 << 20, 1 << 30)
            .map(Result::unwrap)
            .collect();
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].bytes, b"{\"id\":\"A\"}\n{\"id\":\"B\n");
        assert_eq!(chunked(&input, 1 << 20), whole(&input));
    }
}
