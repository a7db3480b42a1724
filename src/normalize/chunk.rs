//! Cutting one input into chunks that parse on their own, so `normalize` reads in bounded memory
//! and parses chunks in parallel.
//!
//! A single pass over the bytes tracks just enough of JSON's lexical structure (strings, escapes,
//! nesting depth, the keys of a top-level object) to find places where a chunk may end:
//! - between two top-level values, at whitespace (JSON Lines: after a line);
//! - inside a *streamed array* — a top-level array, or the `resultats`/`results` array of a
//!   top-level search response (the first such key, as the reader takes) — before the comma that
//!   separates two offers. Such a chunk is closed with a synthetic `]` (or `]}`), and the next
//!   one starts with a synthetic `[null` (or `{"resultats":[null`) before that comma: each chunk
//!   is a document the reader decodes alone, and the reader skips that leading `null`
//!   ([`Chunk::skip_first`]).
//!
//! Invariants: the original bytes of the chunks, without their synthetic prefix and suffix, are
//! the input (after a leading BOM) in order, none left out; [`Chunk::line`] and [`Chunk::column`]
//! locate the first original byte, so an error the reader reports inside a chunk is moved to its
//! place in the whole input and says exactly what reading the whole input at once said. A chunk
//! grows past the target only while no cut is possible (one long offer); at the cap it is handed
//! over as it is ([`Chunk::overflow`]) and the input ends there: its decoding fails, either at the
//! malformed byte that kept the structure open (a truncated line in JSON Lines) or, for a single
//! value larger than the cap, at its end ([`super::InputErrorKind::TooLarge`]). A raw control
//! character inside a string (a line cut inside a string) ends the input at once the same way.
//! Raw archives (lines starting with `{"ftcollect_fetched_at":"…`) are cut only between lines:
//! each line is its own document ([`Chunk::archive_line`]).

use std::io::{self, BufRead};

use crate::sink::raw::FETCHED_AT_PREFIX;

/// Default size at which a chunk is cut when it can be.
pub const TARGET: usize = 1 << 20;
/// Size at which a chunk that could not be cut is handed over as it is (an error follows).
pub const CAP: usize = 64 << 20;

/// A part of an input that decodes on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The synthetic prefix (if any), original bytes, and the synthetic suffix (if any).
    pub bytes: Vec<u8>,
    /// Length of the synthetic prefix.
    pub prefix: usize,
    /// 1-based line and column in the input of the first original byte.
    pub line: usize,
    pub column: usize,
    /// For a raw archive: the number (1-based, blank lines not counted) of its first line.
    pub archive_line: Option<usize>,
    /// Handed over at [`CAP`] (or at a raw control character in a string, or an unmatched
    /// closing bracket): the last chunk of the input, which fails to decode.
    pub overflow: bool,
}

impl Chunk {
    /// Whether the first array element of the chunk is the synthetic `null` to skip: it is when
    /// the chunk has a synthetic prefix (which always ends with that `null`).
    pub fn skip_first(&self) -> bool {
        self.prefix > 0
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Top {
    Array,
    Object,
}

/// The lexical state of the scan between two bytes.
#[derive(Default)]
struct Scan {
    depth: usize,
    in_str: bool,
    escaped: bool,
    top: Option<Top>,
    /// Inside a depth-1 string of a top-level object: how much of the results key it matched.
    key_at: usize,
    key_ok: bool,
    /// The last depth-1 string of the top-level object was the results key.
    last_was_key: bool,
    /// A `:` after the first results key was seen: the next value is the results value.
    results_value_next: bool,
    /// The results key was met in this object already (only the first one counts).
    results_seen: bool,
    /// Depth of the elements of the streamed array being read, if any.
    stream: Option<usize>,
    /// Anything but whitespace was seen.
    content: bool,
    /// Anything but whitespace was seen in the current chunk (its synthetic prefix aside).
    chunk_content: bool,
    /// Archive mode: the current line holds something.
    line_content: bool,
    /// Archive mode: lines that held something, so far.
    archive_lines: usize,
}

/// Where the next byte is.
struct Pos {
    line: usize,
    line_start: u64,
    offset: u64,
}

impl Pos {
    fn advance(&mut self, b: u8) {
        self.offset += 1;
        if b == b'\n' {
            self.line += 1;
            self.line_start = self.offset;
        }
    }

    fn column(&self) -> usize {
        (self.offset - self.line_start) as usize + 1
    }
}

/// What the scan of some bytes ended on.
#[derive(PartialEq)]
enum Stop {
    /// Everything was scanned.
    End,
    /// A cut is due after the bytes used.
    Cut,
    /// The input cannot decode past the bytes used.
    Broken,
}

/// Scans JSON values from `avail` (see the module doc); returns the bytes used and why it stopped.
/// A cut is due once `filled` (the chunk's size so far) plus the bytes used reaches `target`.
fn scan_values(
    s: &mut Scan,
    p: &mut Pos,
    key: &[u8],
    avail: &[u8],
    filled: usize,
    target: usize,
) -> (usize, Stop) {
    let mut i = 0;
    while i < avail.len() {
        if s.in_str && !s.escaped && !s.key_ok {
            // The bulk of any input: a string's text, up to its next quote or backslash.
            let j = plain_string_run(&avail[i..]);
            if j > 0 {
                // No line break among them: only the offset moves.
                p.offset += j as u64;
                i += j;
                continue;
            }
        }
        let b = avail[i];
        i += 1;
        if s.in_str {
            if s.escaped {
                s.escaped = false;
            } else if b == b'\\' {
                s.escaped = true;
                s.key_ok = false;
            } else if b == b'"' {
                s.in_str = false;
                if s.depth == 1 && s.top == Some(Top::Object) {
                    s.last_was_key = s.key_ok && s.key_at == key.len();
                }
            } else if b < 0x20 {
                // Never valid in a string: the input cannot decode past here.
                p.advance(b);
                return (i, Stop::Broken);
            } else if s.key_ok {
                if s.key_at < key.len() && key[s.key_at] == b {
                    s.key_at += 1;
                } else {
                    s.key_ok = false;
                }
            }
            p.advance(b);
            continue;
        }
        if b.is_ascii_whitespace() {
            p.advance(b);
            if s.depth == 0 && s.chunk_content && filled + i >= target {
                return (i, Stop::Cut);
            }
            continue;
        }
        let had_content = std::mem::replace(&mut s.chunk_content, true);
        s.content = true;
        if s.depth == 0 && matches!(b, b'{' | b'[') {
            s.top = Some(if b == b'[' { Top::Array } else { Top::Object });
            s.results_seen = false;
            s.results_value_next = false;
            s.last_was_key = false;
        }
        if s.results_value_next && s.depth == 1 {
            s.results_value_next = false;
            if b == b'[' {
                s.stream = Some(2);
            }
        }
        match b {
            b'"' => {
                s.in_str = true;
                s.key_at = 0;
                s.key_ok = s.depth == 1;
            }
            b'{' | b'[' => {
                s.depth += 1;
                if s.depth == 1 && b == b'[' {
                    s.stream = Some(1);
                }
            }
            b'}' | b']' => {
                if s.depth == 0 {
                    // A closing bracket with nothing open: the input cannot decode here.
                    p.advance(b);
                    return (i, Stop::Broken);
                }
                s.depth -= 1;
                if s.stream.is_some_and(|d| s.depth < d) {
                    s.stream = None;
                }
            }
            b':' if s.depth == 1 && s.top == Some(Top::Object) => {
                if s.last_was_key && !s.results_seen {
                    s.results_value_next = true;
                }
                s.results_seen |= s.last_was_key;
                s.last_was_key = false;
            }
            // Cut before this comma; the next chunk starts with it.
            b',' if s.stream == Some(s.depth) && had_content && filled + i > target => {
                s.chunk_content = false;
                return (i - 1, Stop::Cut);
            }
            _ => {}
        }
        p.advance(b);
    }
    (avail.len(), Stop::End)
}

/// How many bytes from the start of `b` are plain string text: the index of the first quote,
/// backslash or control character (which the byte-by-byte scan then handles), or `b.len()`.
/// Eight bytes at a time: the lowest flagged byte of a word is always a true match (a borrow only
/// ever flags bytes above one).
fn plain_string_run(b: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v;
    let mut i = 0;
    while let Some(word) = b.get(i..i + 8) {
        let x = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        let hits = (zero_byte(x ^ (ONES * u64::from(b'"')))
            | zero_byte(x ^ (ONES * u64::from(b'\\')))
            | (x.wrapping_sub(ONES * 0x20) & !x))
            & HIGH;
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + b[i..]
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .unwrap_or(b.len() - i)
}

/// Archive mode: scans lines; a cut is due after a line once the chunk reached `target`.
fn scan_lines(
    s: &mut Scan,
    p: &mut Pos,
    avail: &[u8],
    filled: usize,
    target: usize,
) -> (usize, Stop) {
    let mut at = 0;
    while at < avail.len() {
        let (seg, newline) = match avail[at..].iter().position(|b| *b == b'\n') {
            Some(n) => (&avail[at..at + n + 1], true),
            None => (&avail[at..], false),
        };
        if seg.iter().any(|b| !b.is_ascii_whitespace()) {
            s.line_content = true;
            s.content = true;
        }
        at += seg.len();
        p.offset += seg.len() as u64;
        if newline {
            p.line += 1;
            p.line_start = p.offset;
            if std::mem::take(&mut s.line_content) {
                s.archive_lines += 1;
            }
            if filled + at >= target {
                return (at, Stop::Cut);
            }
        }
    }
    (avail.len(), Stop::End)
}

/// Scans values, or archive lines, appending what it scanned to `buf` (the chunk under way).
fn scan(
    s: &mut Scan,
    p: &mut Pos,
    key: &[u8],
    archive: bool,
    avail: &[u8],
    buf: &mut Vec<u8>,
    target: usize,
) -> (usize, Stop) {
    let r = if archive {
        scan_lines(s, p, avail, buf.len(), target)
    } else {
        scan_values(s, p, key, avail, buf.len(), target)
    };
    // What was scanned joins the chunk under way.
    buf.extend_from_slice(&avail[..r.0]);
    r
}

/// Cuts an input (after its BOM) into [`Chunk`]s.
pub struct Chunker<R> {
    reader: R,
    key: &'static str,
    target: usize,
    cap: usize,
    archive: Option<bool>,
    scan: Scan,
    pos: Pos,
    /// The chunk being built (its prefix, then original bytes).
    buf: Vec<u8>,
    prefix: usize,
    start_line: usize,
    start_column: usize,
    chunk_first_line: usize,
    /// The first bytes of the input (read to recognize an archive), and how many were scanned.
    head: Vec<u8>,
    head_at: usize,
    done: bool,
}

impl<R: BufRead> Chunker<R> {
    /// Chunks of `reader`, whose search responses keep their offers under `results_key`, cut at
    /// about `target` bytes when they can be ([`TARGET`] by default), handed over as they are at
    /// `cap` ([`CAP`]).
    pub fn with_sizes(reader: R, results_key: &'static str, target: usize, cap: usize) -> Self {
        Chunker {
            reader,
            key: results_key,
            target: target.max(1),
            cap: cap.max(target.max(1)),
            archive: None,
            scan: Scan::default(),
            pos: Pos {
                line: 1,
                line_start: 0,
                offset: 0,
            },
            buf: Vec::new(),
            prefix: 0,
            start_line: 1,
            start_column: 1,
            chunk_first_line: 1,
            head: Vec::new(),
            head_at: 0,
            done: false,
        }
    }

    /// Whether the input held anything but whitespace (known once the iterator has ended).
    pub fn had_content(&self) -> bool {
        self.scan.content
    }

    /// Decides from the first bytes whether the input is a raw archive (its first document starts
    /// with the fetch-time stamp), drops a BOM, and scans those bytes.
    fn start(&mut self) -> io::Result<()> {
        let mut head = Vec::new();
        while head.len() < 4096 {
            let avail = match self.reader.fill_buf() {
                Ok(a) => a,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if avail.is_empty() {
                break;
            }
            let n = avail.len().min(4096 - head.len());
            head.extend_from_slice(&avail[..n]);
            self.reader.consume(n);
            let body = head.trim_ascii_start();
            if body.len() >= FETCHED_AT_PREFIX.len()
                || !FETCHED_AT_PREFIX.as_bytes().starts_with(body)
            {
                break;
            }
        }
        let archive = head
            .trim_ascii_start()
            .starts_with(FETCHED_AT_PREFIX.as_bytes());
        self.archive = Some(archive);
        let bom = "\u{feff}".as_bytes();
        let body = match head.strip_prefix(bom) {
            Some(rest) if !archive => rest,
            _ => &head[..],
        };
        self.head = body.to_vec();
        Ok(())
    }

    fn next_chunk(&mut self) -> io::Result<Option<Chunk>> {
        if self.done {
            return Ok(None);
        }
        if self.archive.is_none() {
            self.start()?;
        }
        loop {
            let archive = self.archive == Some(true);
            let (key, target) = (self.key.as_bytes(), self.target);
            // The first bytes (read to recognize an archive) come before the reader's.
            let from_head = self.head_at < self.head.len();
            let avail = if from_head {
                &self.head[self.head_at..]
            } else {
                match self.reader.fill_buf() {
                    Ok(a) => a,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        self.done = true;
                        return Err(e);
                    }
                }
            };
            if avail.is_empty() {
                self.done = true;
                return Ok(self.last_chunk());
            }
            let (used, stop) = scan(
                &mut self.scan,
                &mut self.pos,
                key,
                archive,
                avail,
                &mut self.buf,
                target,
            );
            if from_head {
                self.head_at += used;
            } else {
                self.reader.consume(used);
            }
            match stop {
                Stop::Broken => {
                    self.done = true;
                    return Ok(Some(self.emit("", true)));
                }
                Stop::Cut => return Ok(Some(self.cut())),
                Stop::End if self.buf.len() >= self.cap => {
                    self.done = true;
                    return Ok(Some(self.emit("", true)));
                }
                Stop::End => {}
            }
        }
    }

    /// Takes the current chunk out (with `suffix` appended); the next starts at the position.
    fn emit(&mut self, suffix: &str, overflow: bool) -> Chunk {
        let mut bytes = std::mem::take(&mut self.buf);
        bytes.extend_from_slice(suffix.as_bytes());
        let c = Chunk {
            bytes,
            prefix: self.prefix,
            line: self.start_line,
            column: self.start_column,
            archive_line: (self.archive == Some(true)).then_some(self.chunk_first_line),
            overflow,
        };
        self.prefix = 0;
        self.start_line = self.pos.line;
        self.start_column = self.pos.column();
        self.chunk_first_line = self.scan.archive_lines + 1;
        self.scan.chunk_content = false;
        c
    }

    /// The chunk due at a cut: between top-level values (or archive lines) as it is; inside a
    /// streamed array closed by synthetic text, the next chunk opening it again.
    fn cut(&mut self) -> Chunk {
        if self.archive == Some(true) || self.scan.depth == 0 {
            return self.emit("", false);
        }
        let (open, close) = match self.scan.stream {
            Some(1) => ("[null".to_string(), "]"),
            _ => (format!("{{\"{}\":[null", self.key), "]}"),
        };
        let c = self.emit(close, false);
        self.buf.extend_from_slice(open.as_bytes());
        self.prefix = open.len();
        c
    }

    fn last_chunk(&mut self) -> Option<Chunk> {
        if self.prefix == 0 && self.buf.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        Some(self.emit("", false))
    }
}

impl<R: BufRead> Iterator for Chunker<R> {
    type Item = io::Result<Chunk>;

    fn next(&mut self) -> Option<io::Result<Chunk>> {
        self.next_chunk().transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_string_run_stops_at_the_first_quote_backslash_or_control_character() {
        let naive = |b: &[u8]| {
            b.iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                .unwrap_or(b.len())
        };
        let mut texts: Vec<Vec<u8>> = vec![
            "Télétravail 2 jours\\n\"x\"".into(),
            "ÿÿÿÿÿÿÿÿ\u{1f}é".into(),
            vec![0x80, 0xFF, 0x21, 0x20, 0x7F, 0x1F, b'"'],
            vec![0x21; 40],
            b"\x00abcdefgh".to_vec(),
        ];
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..2000 {
            let n = rng.usize(0..40);
            texts.push(
                (0..n)
                    .map(|_| match rng.u8(0..10) {
                        0 => b'"',
                        1 => b'\\',
                        2 => rng.u8(0..0x20),
                        3..=5 => rng.u8(0x80..=0xFF),
                        _ => rng.u8(0x20..0x80),
                    })
                    .collect(),
            );
        }
        for t in &texts {
            for start in 0..=t.len() {
                assert_eq!(plain_string_run(&t[start..]), naive(&t[start..]), "{t:?}");
            }
        }
    }
}
