//! The raw archive (`--raw-dir`): every page body as the API sent it, for replay by `normalize`.
//!
//! Layout: `DIR/slice-NNNNN.jsonl.gz` holds the pages of one slice, one JSON document per line
//! (the search response as received, re-encoded on one line only if it spanned several), each
//! line its own gzip member so a crash can only tear the last one; `DIR/slices.jsonl` maps slice
//! numbers to their query. The time the page was fetched is kept as a first key of the document,
//! `"ftcollect_fetched_at":"<RFC 3339>"`, spliced in front of the API's own keys (which follow
//! byte for byte); readers that do not know it ignore an unknown key, and `normalize` uses it for
//! `date_extraction` ([`split_fetched`]). Invariant: append-only; a resumed run appends the pages
//! it fetches again, so a replay may see an offer twice (`normalize` output is keyed by id).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use flate2::Compression;
use flate2::write::GzEncoder;

/// How an archive line starts: `{"ftcollect_fetched_at":"`, the key that carries a page's fetch
/// time.
pub const FETCHED_AT_PREFIX: &str = "{\"ftcollect_fetched_at\":\"";

/// `body` (one JSON document on one line) with `"ftcollect_fetched_at":"T"` as its first key; a
/// document that is not an object is returned as it is.
pub fn with_fetched_at(body: &[u8], fetched_at: DateTime<Utc>) -> Vec<u8> {
    let Some(open) = body.iter().position(|b| !b.is_ascii_whitespace()) else {
        return body.to_vec();
    };
    if body[open] != b'{' {
        return body.to_vec();
    }
    let rest = &body[open + 1..];
    let empty = rest
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_none_or(|b| *b == b'}');
    let stamp = format!(
        "{FETCHED_AT_PREFIX}{}\"{}",
        crate::normalize::offer::format_ts(&fetched_at),
        if empty { "" } else { "," }
    );
    let mut out = Vec::with_capacity(body.len() + stamp.len());
    out.extend_from_slice(&body[..open]);
    out.extend_from_slice(stamp.as_bytes());
    out.extend_from_slice(rest);
    out
}

/// One document of the archive and the fetch time it carries.
pub type Stamped<'a> = (Option<DateTime<Utc>>, &'a [u8]);

/// Splits archive material into its documents with their fetch times, when it holds any: `None`
/// for material without the key (then it is read as a whole, as before), else one part per line
/// with the time its line carries (`None` for a line without it).
pub fn split_fetched(bytes: &[u8]) -> Option<Vec<Stamped<'_>>> {
    memchr::memmem::find(bytes, FETCHED_AT_PREFIX.as_bytes())?;
    let parts = bytes
        .split(|b| *b == b'\n')
        .filter(|l| l.iter().any(|b| !b.is_ascii_whitespace()))
        .map(|line| (fetched_at_of(line), line))
        .collect();
    Some(parts)
}

/// The fetch time an archive line starts with, if any.
pub fn fetched_at_of(line: &[u8]) -> Option<DateTime<Utc>> {
    line.trim_ascii_start()
        .strip_prefix(FETCHED_AT_PREFIX.as_bytes())
        .and_then(|r| r.iter().position(|b| *b == b'"').map(|end| &r[..end]))
        .and_then(|t| std::str::from_utf8(t).ok())
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

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

    /// Appends one page body of slice `slice` (described by `describe` the first time), fetched
    /// at `fetched_at`.
    pub fn append(
        &mut self,
        slice: u32,
        describe: &str,
        body: &[u8],
        fetched_at: DateTime<Utc>,
    ) -> io::Result<()> {
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
        let body = with_fetched_at(body, fetched_at);
        let path = self.dir.join(format!("slice-{slice:05}.jsonl.gz"));
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let mut gz = GzEncoder::new(file, Compression::fast());
        gz.write_all(&body)?;
        gz.write_all(b"\n")?;
        let file: File = gz.finish()?;
        file.sync_data()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fetch_time_is_spliced_in_front_and_read_back_per_line() {
        let t = DateTime::parse_from_rfc3339("2026-11-01T12:00:00.250Z")
            .unwrap()
            .with_timezone(&Utc);
        let page = br#"{"resultats":[{"id":"1"}]}"#;
        let stamped = with_fetched_at(page, t);
        assert_eq!(
            stamped,
            br#"{"ftcollect_fetched_at":"2026-11-01T12:00:00.250Z","resultats":[{"id":"1"}]}"#
        );
        assert_eq!(
            with_fetched_at(b"{}", t),
            br#"{"ftcollect_fetched_at":"2026-11-01T12:00:00.250Z"}"#
        );
        assert_eq!(with_fetched_at(b"[1]", t), b"[1]");
        let mut two = stamped.clone();
        two.extend_from_slice(b"\n{\"resultats\":[]}\n");
        let parts = split_fetched(&two).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].0, Some(t));
        assert_eq!(parts[1].0, None);
        assert!(split_fetched(page).is_none());
    }
}
