//! The raw archive (`--raw-dir`): every page body as the API sent it, for replay by `normalize`.
//!
//! Layout: `DIR/slice-NNNNN.jsonl.gz` holds the pages of one slice, one JSON document per line
//! (the search response exactly as received, re-encoded on one line only if it spanned several),
//! each line its own gzip member so a crash can only tear the last one; `DIR/slices.jsonl` maps
//! slice numbers to their query. Invariant: append-only; a resumed run appends the pages it
//! fetches again, so a replay may see an offer twice (`normalize` output is keyed by id).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;

pub struct RawArchive {
    dir: PathBuf,
    known: std::collections::HashSet<u32>,
}

impl RawArchive {
    pub fn open(dir: &Path) -> io::Result<RawArchive> {
        fs::create_dir_all(dir)?;
        Ok(RawArchive {
            dir: dir.to_path_buf(),
            known: Default::default(),
        })
    }

    /// Appends one page body of slice `slice` (described by `describe` the first time).
    pub fn append(&mut self, slice: u32, describe: &str, body: &[u8]) -> io::Result<()> {
        if body.is_empty() {
            return Ok(());
        }
        if self.known.insert(slice) {
            let line = serde_json::json!({"slice": slice, "query": describe});
            let mut f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(self.dir.join("slices.jsonl"))?;
            writeln!(f, "{line}")?;
        }
        let one_line: Vec<u8>;
        let body = if body.contains(&b'\n') {
            // JSON Lines needs one document per line: re-encode compactly (no value changes).
            let v: serde_json::Value = serde_json::from_slice(body).map_err(io::Error::other)?;
            one_line = serde_json::to_vec(&v).map_err(io::Error::other)?;
            &one_line
        } else {
            body
        };
        let path = self.dir.join(format!("slice-{slice:05}.jsonl.gz"));
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let mut gz = GzEncoder::new(file, Compression::fast());
        gz.write_all(body)?;
        gz.write_all(b"\n")?;
        let file: File = gz.finish()?;
        file.sync_data()
    }
}
