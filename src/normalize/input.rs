//! Reading raw API material (files or stdin) for `ftcollect normalize`.
//!
//! One input may hold a search response (`{"resultats": […], …}` from France Travail,
//! `{"results": […], …}` from Adzuna), a single offer object, a JSON array of offers, or JSON Lines
//! where each line is any of those three. The raw type ([`RawRecord`]) says which key holds a search
//! response's offers. The shape is detected per JSON value, so a pretty-printed document and JSON
//! Lines are read by the same code: a stream of whitespace-separated JSON values parsed straight
//! from the bytes with serde_json, each value once (an object is decoded as an offer while its keys
//! go by, unless a results key makes it a search response), as text when the whole input is valid
//! UTF-8 (checked once, so strings are not checked again one by one).
//! The invariants: a syntactically valid input never fails because of a field's type (the raw model
//! is lenient); elements that are not objects are skipped and counted, never fatal; malformed JSON or
//! non-UTF-8 bytes stop the input with an [`InputError`] naming the input, the line and column, what
//! is wrong and what to do.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::warnings::Warnings;
use crate::source::adzuna::model::RawJob;
use crate::source::france_travail::model::RawOffer;
use crate::source::lenient::{self, Lenient, Shaped};

/// A raw offer type that `normalize` reads: what a search response calls its list of offers, and
/// what to tell a user whose input is not of that API.
pub trait RawRecord: for<'de> Deserialize<'de> + Shaped {
    /// `resultats` (France Travail) or `results` (Adzuna).
    const RESULTS_KEY: &'static str;
    const ADVICE: &'static str;
}

impl RawRecord for RawOffer {
    const RESULTS_KEY: &'static str = "resultats";
    const ADVICE: &'static str = ADVICE;
}

impl RawRecord for RawJob {
    const RESULTS_KEY: &'static str = "results";
    const ADVICE: &'static str = ADZUNA_ADVICE;
}

/// What the user should do about a bad input.
const ADVICE: &str = "expected a France Travail search response ({\"resultats\": [...]}), an offer object, a JSON array \
                      of offers, or JSON Lines of these; check that the file is complete (not truncated) and is the \
                      raw API output";
const ADZUNA_ADVICE: &str = "expected an Adzuna search response ({\"results\": [...]}), a job object, a JSON array of \
                             jobs, or JSON Lines of these; check that the file is complete (not truncated) and is the \
                             raw API output";

/// Why an input could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputErrorKind {
    /// The bytes are not UTF-8.
    NotUtf8,
    /// The text is not JSON (or is truncated).
    Json(String),
    /// A JSON value that cannot hold offers (a string, a number…).
    NotOffers(&'static str),
    /// A search response whose `resultats` is not an array.
    BadResultats,
    /// Nothing but whitespace.
    Empty,
    /// Gzip data that cannot be decompressed (cut short).
    Gzip(String),
    /// One JSON value larger than this many MiB that is not read in parts (see
    /// [`super::chunk`]): anything but a JSON array or a search response's list of offers.
    TooLarge(usize),
}

/// An input that could not be read, with where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The input's name (a path, or `stdin`).
    pub input: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    pub kind: InputErrorKind,
    /// What the input should look like (depends on the source).
    pub advice: &'static str,
    /// The search response's list key (`resultats`, `results`).
    pub results_key: &'static str,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.input)?;
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, ", line {l}, column {c}")?,
            (Some(l), None) => write!(f, ", line {l}")?,
            _ => {}
        }
        let advice = self.advice;
        match &self.kind {
            InputErrorKind::NotUtf8 => write!(
                f,
                ": the bytes are not valid UTF-8; the API sends UTF-8 JSON: re-encode the file (e.g. `iconv -f latin1 -t utf-8`) \
                 or check it is not compressed"
            ),
            InputErrorKind::Json(msg) => write!(f, ": malformed JSON ({msg}); {advice}"),
            InputErrorKind::NotOffers(what) => {
                write!(f, ": found {what} where offers were expected; {advice}")
            }
            InputErrorKind::BadResultats => {
                write!(
                    f,
                    ": `{}` is not an array of offers; {advice}",
                    self.results_key
                )
            }
            InputErrorKind::Empty => write!(f, ": the input is empty; {advice}"),
            InputErrorKind::Gzip(msg) => write!(
                f,
                ": the gzip data is damaged ({msg}); the archive may have been cut short. Copy it again \
                 from where it came from, or normalize what `zcat` can still read of it."
            ),
            InputErrorKind::TooLarge(mib) => write!(
                f,
                ": a single JSON value runs past {mib} MiB without ending; only a JSON array of offers \
                 and the `{}` of a search response are read in parts, any other value must be smaller \
                 (split it into one offer a line, e.g. `jq -c '.[]'`); {advice}",
                self.results_key
            ),
        }
    }
}

impl std::error::Error for InputError {}

impl InputError {
    /// The error of a part of an input moved to its place in the whole input: the part's first
    /// original byte is at `line`, `column`, after `prefix` bytes that are not in the input.
    pub fn relocated(mut self, line: usize, column: usize, prefix: usize) -> InputError {
        match (self.line, self.column) {
            (Some(1), c) => {
                self.line = Some(line);
                self.column = c.map(|c| (column + c).saturating_sub(1 + prefix).max(1));
            }
            (Some(l), _) => self.line = Some(line + l - 1),
            (None, _) => {}
        }
        self
    }

    /// The error for an input that holds nothing but whitespace.
    pub fn empty<T: RawRecord>(input: &str) -> InputError {
        InputError {
            input: input.to_string(),
            line: None,
            column: None,
            kind: InputErrorKind::Empty,
            advice: T::ADVICE,
            results_key: T::RESULTS_KEY,
        }
    }
}

/// One JSON value of the input, classified.
enum Doc<T> {
    /// A JSON array of offers, or a search response's `resultats`.
    Offers(Vec<Lenient<T>>),
    /// An object without `resultats`: a single offer (decoded as it was read).
    Offer(T),
    /// A search response with `resultats: null`.
    NoResults,
    BadResultats,
    Other(&'static str),
}

impl<'de, T: RawRecord> Deserialize<'de> for Doc<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DocVisitor(std::marker::PhantomData))
    }
}

/// A map handed to the offer's decoder with the first results key taken out (its value decoded
/// into `found`) and any later results key skipped with its value, as a search response's reader
/// takes them.
struct ResultsWatch<A, T> {
    inner: A,
    found: Option<Doc<T>>,
}

impl<'de, A: MapAccess<'de>, T: RawRecord> MapAccess<'de> for &mut ResultsWatch<A, T> {
    type Error = A::Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        loop {
            let Some(key) = self.inner.next_key::<Key<'de>>()? else {
                return Ok(None);
            };
            if key.as_str() != T::RESULTS_KEY {
                return match key {
                    Key::Borrowed(k) => seed
                        .deserialize(de::value::BorrowedStrDeserializer::<A::Error>::new(k))
                        .map(Some),
                    Key::Owned(k) => seed
                        .deserialize(de::IntoDeserializer::<A::Error>::into_deserializer(k))
                        .map(Some),
                };
            }
            if self.found.is_none() {
                self.found = Some(match self.inner.next_value::<Lenient<Vec<Lenient<T>>>>()? {
                    Lenient::Value(v) => Doc::Offers(v),
                    Lenient::Null | Lenient::Absent => Doc::NoResults,
                    Lenient::Invalid => Doc::BadResultats,
                });
            } else {
                self.inner.next_value::<IgnoredAny>()?;
            }
        }
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, A::Error> {
        self.inner.next_value_seed(seed)
    }
}

/// An object key, borrowed from the input unless it held escapes.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(k) => k,
            Key::Owned(k) => k,
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v.to_string()))
            }
        }
        d.deserialize_str(V)
    }
}

struct DocVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: RawRecord> Visitor<'de> for DocVisitor<T> {
    type Value = Doc<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an offer, an array of offers or a search response")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Doc<T>, A::Error> {
        let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(o) = seq.next_element::<Lenient<T>>()? {
            v.push(o);
        }
        Ok(Doc::Offers(v))
    }

    /// The object is decoded as an offer while its keys go by; the first results key, if any,
    /// makes it a search response instead (its value read apart, the offer thrown away). One
    /// pass over the bytes either way.
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Doc<T>, A::Error> {
        let mut watch = ResultsWatch {
            inner: map,
            found: None,
        };
        let offer = T::deserialize(de::value::MapAccessDeserializer::new(&mut watch))?;
        Ok(watch.found.unwrap_or(Doc::Offer(offer)))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Doc<T>, E> {
        Ok(Doc::Other("a JSON string"))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Doc<T>, E> {
        Ok(Doc::Other("a JSON boolean"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Doc<T>, E> {
        Ok(Doc::Other("a JSON number"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Doc<T>, E> {
        Ok(Doc::Other("a JSON number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Doc<T>, E> {
        Ok(Doc::Other("a JSON number"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Doc<T>, E> {
        Ok(Doc::Other("a JSON null"))
    }
}

/// The 1-based line and column of byte `offset`.
fn line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let col = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
    (line, col)
}

/// The documents of an input. Input that is valid UTF-8 (checked once, in one pass) is read as
/// text, so serde_json does not validate each string again; other input is read as bytes, where
/// the decoder stops at the first invalid string as before and [`RawOffers`] names the cause.
enum Stream<'a, T> {
    Text(serde_json::StreamDeserializer<'a, serde_json::de::StrRead<'a>, Doc<T>>),
    Bytes(serde_json::StreamDeserializer<'a, serde_json::de::SliceRead<'a>, Doc<T>>),
}

impl<'a, T: RawRecord> Stream<'a, T> {
    fn new(bytes: &'a [u8]) -> Self {
        match simdutf8::basic::from_utf8(bytes) {
            Ok(text) => Stream::Text(serde_json::Deserializer::from_str(text).into_iter()),
            Err(_) => Stream::Bytes(serde_json::Deserializer::from_slice(bytes).into_iter()),
        }
    }

    fn next(&mut self) -> Option<serde_json::Result<Doc<T>>> {
        match self {
            Stream::Text(s) => s.next(),
            Stream::Bytes(s) => s.next(),
        }
    }

    fn byte_offset(&self) -> usize {
        match self {
            Stream::Text(s) => s.byte_offset(),
            Stream::Bytes(s) => s.byte_offset(),
        }
    }
}

/// The raw offers of one input, in order. Iterating yields each offer, or one error after which the
/// iterator ends. Array elements that are not objects are skipped and counted in [`Self::warnings`].
pub struct RawOffers<'a, T = RawOffer> {
    name: String,
    bytes: &'a [u8],
    stream: Option<Stream<'a, T>>,
    pending: std::vec::IntoIter<Lenient<T>>,
    values: usize,
    warnings: Warnings,
    failed: bool,
    /// Where `stream` starts in `bytes` (not 0 once it restarted at a document repeating a key).
    base: usize,
    /// Whether `stream` decodes with repeated keys skipped (see `lenient::from_slice`).
    skip_repeated_keys: bool,
    /// Array elements still to drop unseen (a chunk's synthetic leading `null`).
    skip: usize,
}

/// Reads the France Travail offers of one input (`name` is used in error messages: a path or `stdin`).
pub fn read_offers<'a>(name: &str, bytes: &'a [u8]) -> RawOffers<'a> {
    read_records(name, bytes)
}

/// Reads the Adzuna jobs of one input (search responses, jobs, arrays, JSON Lines).
pub fn read_adzuna_jobs<'a>(name: &str, bytes: &'a [u8]) -> RawOffers<'a, RawJob> {
    read_records(name, bytes)
}

/// Reads the raw records of type `T` of one input.
pub fn read_records<'a, T: RawRecord>(name: &str, bytes: &'a [u8]) -> RawOffers<'a, T> {
    RawOffers {
        name: name.to_string(),
        bytes,
        stream: None,
        pending: Vec::new().into_iter(),
        values: 0,
        warnings: Warnings::default(),
        failed: false,
        base: 0,
        skip_repeated_keys: false,
        skip: 0,
    }
}

/// Reads all the offers of one input, or its first error; skipped elements are added to `warnings`.
pub fn read_all(
    name: &str,
    bytes: &[u8],
    warnings: &mut Warnings,
) -> Result<Vec<RawOffer>, InputError> {
    let mut it = read_offers(name, bytes);
    let mut out = Vec::new();
    for o in &mut it {
        out.push(o?);
    }
    warnings.merge(it.warnings());
    Ok(out)
}

impl<T: RawRecord> RawOffers<'_, T> {
    /// Drops the first array element unseen (not yielded, not counted): the synthetic `null` a
    /// [`super::chunk::Chunk`] that continues an array starts with.
    pub fn skipping_first(mut self, skip: bool) -> Self {
        self.skip = usize::from(skip);
        self
    }

    /// Anomalies met so far (array elements that were not offers).
    pub fn warnings(&self) -> &Warnings {
        &self.warnings
    }

    fn error(&mut self, offset: Option<usize>, kind: InputErrorKind) -> InputError {
        self.failed = true;
        let (line, column) = match offset {
            Some(o) => {
                let (l, c) = line_col(self.bytes, o);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        InputError {
            input: self.name.clone(),
            line,
            column,
            kind,
            advice: T::ADVICE,
            results_key: T::RESULTS_KEY,
        }
    }

    fn json_error(&mut self, e: &serde_json::Error) -> InputError {
        self.failed = true;
        // Bytes that are not UTF-8 make serde_json fail somewhere: name the real cause. (Only the
        // byte reader, for input that failed the UTF-8 check, can get here for that reason.)
        if let Err(u) = std::str::from_utf8(self.bytes) {
            return self.error(Some(u.valid_up_to()), InputErrorKind::NotUtf8);
        }
        let msg = e.to_string();
        // serde_json appends " at line L column C": the error shows them separately.
        let msg = match msg.rfind(" at line ") {
            Some(i) => msg[..i].to_string(),
            None => msg,
        };
        // The stream's positions are relative to where it started.
        let (line, column) = match (e.line(), e.column()) {
            (0, _) => (0, 0),
            (l, c) if self.base > 0 => {
                let (bl, bc) = line_col(self.bytes, self.base);
                (bl + l - 1, if l == 1 { bc + c - 1 } else { c })
            }
            lc => lc,
        };
        InputError {
            input: self.name.clone(),
            line: (line > 0).then_some(line),
            column: (column > 0).then_some(column),
            kind: InputErrorKind::Json(msg),
            advice: T::ADVICE,
            results_key: T::RESULTS_KEY,
        }
    }
}

impl<T: RawRecord> Iterator for RawOffers<'_, T> {
    type Item = Result<T, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            for o in self.pending.by_ref() {
                if self.skip > 0 {
                    self.skip -= 1;
                    continue;
                }
                match o {
                    Lenient::Value(o) => return Some(Ok(o)),
                    Lenient::Null | Lenient::Absent => {
                        self.warnings.note("input: null instead of an offer")
                    }
                    Lenient::Invalid => self.warnings.note("input: non-object instead of an offer"),
                }
            }
            if self.failed {
                return None;
            }
            if self.stream.is_none() {
                let body = self
                    .bytes
                    .strip_prefix("\u{feff}".as_bytes())
                    .unwrap_or(self.bytes);
                if body.iter().all(u8::is_ascii_whitespace) {
                    return Some(Err(self.error(None, InputErrorKind::Empty)));
                }
                // Offsets below are relative to `body`; a BOM is 3 bytes and never holds a newline.
                self.bytes = body;
                self.stream = Some(Stream::new(body));
            }
            let stream = self.stream.as_mut()?;
            let start = self.base + stream.byte_offset();
            let next = if self.skip_repeated_keys {
                lenient::skipping_repeated_keys(|| stream.next())
            } else {
                stream.next()
            };
            let end = self.base + stream.byte_offset();
            let doc = match next {
                None => {
                    self.failed = true;
                    return None;
                }
                // A document with an object that repeats a key: the derived code refuses it, so the
                // rest of the input, from this document on, is decoded with repeated keys skipped.
                Some(Err(e)) if !self.skip_repeated_keys && lenient::is_repeated_key(&e) => {
                    self.skip_repeated_keys = true;
                    self.base = start;
                    self.stream = Some(Stream::new(&self.bytes[start..]));
                    continue;
                }
                Some(Err(e)) => return Some(Err(self.json_error(&e))),
                Some(Ok(doc)) => doc,
            };
            self.values += 1;
            match doc {
                Doc::Offers(v) => self.pending = v.into_iter(),
                Doc::NoResults => {}
                Doc::Offer(o) => return Some(Ok(o)),
                Doc::BadResultats => {
                    let at = start
                        + self.bytes[start..end]
                            .iter()
                            .take_while(|b| b.is_ascii_whitespace())
                            .count();
                    return Some(Err(self.error(Some(at), InputErrorKind::BadResultats)));
                }
                Doc::Other(what) => {
                    let at = start
                        + self.bytes[start..end]
                            .iter()
                            .take_while(|b| b.is_ascii_whitespace())
                            .count();
                    return Some(Err(self.error(Some(at), InputErrorKind::NotOffers(what))));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(name: &str, input: &str) -> Result<Vec<String>, InputError> {
        let mut w = Warnings::default();
        read_all(name, input.as_bytes(), &mut w).map(|v| {
            v.into_iter()
                .map(|o| o.id.into_option().unwrap_or_default())
                .collect()
        })
    }

    #[test]
    fn the_four_shapes() {
        assert_eq!(
            ids(
                "a",
                r#"{"resultats":[{"id":"A"},{"id":"B"}],"filtresPossibles":[]}"#
            )
            .unwrap(),
            ["A", "B"]
        );
        assert_eq!(
            ids(
                "a",
                r#"{"filtresPossibles":[{"x":1}],"resultats":[{"id":"A"}]}"#
            )
            .unwrap(),
            ["A"]
        );
        assert_eq!(ids("a", r#"{"id":"A","intitule":"x"}"#).unwrap(), ["A"]);
        assert_eq!(
            ids("a", "[\n {\"id\":\"A\"},\n {\"id\":\"B\"}\n]\n").unwrap(),
            ["A", "B"]
        );
        let jsonl = "{\"id\":\"A\"}\n[{\"id\":\"B\"},{\"id\":\"C\"}]\n\n{\"resultats\":[{\"id\":\"D\"}]}\r\n";
        assert_eq!(ids("a", jsonl).unwrap(), ["A", "B", "C", "D"]);
        assert_eq!(ids("a", "\u{feff}{\"id\":\"A\"}").unwrap(), ["A"]);
        assert_eq!(
            ids("a", r#"{"resultats":null}"#).unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(ids("a", "[]").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn non_objects_in_arrays_are_skipped_and_counted() {
        let mut w = Warnings::default();
        let v = read_all("a", br#"[{"id":"A"}, 3, null, "x", {"id":"B"}]"#, &mut w).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(w.count("input: non-object instead of an offer"), 2);
        assert_eq!(w.count("input: null instead of an offer"), 1);
    }

    #[test]
    fn malformed_json_names_the_input_and_the_line() {
        let e = ids(
            "offers.jsonl",
            "{\"id\":\"A\"}\n{\"id\":\"B\"}\n{\"id\": \"C\",,}\n{\"id\":\"D\"}\n",
        )
        .unwrap_err();
        assert_eq!(e.line, Some(3));
        let msg = e.to_string();
        assert!(msg.starts_with("offers.jsonl, line 3, column "), "{msg}");
        assert!(msg.contains("malformed JSON"), "{msg}");
        assert!(msg.contains("check that the file is complete"), "{msg}");

        let e = ids("page.json", "{\"resultats\":[{\"id\":\"A\"}").unwrap_err();
        assert!(matches!(e.kind, InputErrorKind::Json(_)));
        assert_eq!(e.line, Some(1));

        let e = ids("x", "\"hello\"").unwrap_err();
        assert_eq!(e.kind, InputErrorKind::NotOffers("a JSON string"));
        let e = ids("x", "{\"id\":\"A\"}\n42\n").unwrap_err();
        assert_eq!((e.line, e.column), (Some(2), Some(1)));
        let e = ids("x", r#"{"resultats":"nope"}"#).unwrap_err();
        assert_eq!(e.kind, InputErrorKind::BadResultats);
        let e = ids("stdin", "  \n ").unwrap_err();
        assert_eq!(e.kind, InputErrorKind::Empty);
        assert!(e.to_string().starts_with("stdin: the input is empty"));
    }

    #[test]
    fn a_repeated_key_keeps_its_first_value_and_positions_stay_right() {
        // Line 2 repeats keys (the derived code refuses it): the input restarts there with repeated
        // keys skipped; nothing is yielded twice, and a later error still names its own line.
        let input = "{\"id\":\"A\"}\n{\"resultats\":[{\"id\":\"B\",\"id\":\"X\"}]} [{\"id\":\"C\",\"intitule\":\"c\",\"intitule\":1}]\n{\"id\":\"D\",\"id\":\"Y\"}\n";
        assert_eq!(ids("a", input).unwrap(), ["A", "B", "C", "D"]);
        let e = ids("a", &format!("{input}  {{\"id\": \"E\",,}}\n")).unwrap_err();
        assert_eq!((e.line, e.column), (Some(4), Some(14)), "{e}");
        // The same positions as in the same input without the repeated key.
        for tail in [" 42", " {\"id\":", " {\"id\":\"C\"}\n\n  [1, {\"id\":}]"] {
            let repeated = ids(
                "a",
                &format!("{{\"id\":\"A\"}} {{\"id\":\"B\",\"id\":1}}{tail}"),
            );
            let distinct = ids(
                "a",
                &format!("{{\"id\":\"A\"}} {{\"id\":\"B\",\"xx\":1}}{tail}"),
            );
            let (r, d) = (repeated.unwrap_err(), distinct.unwrap_err());
            assert_eq!(
                (r.line, r.column, &r.kind),
                (d.line, d.column, &d.kind),
                "{tail}"
            );
            assert!(r.line > Some(1) || r.column >= Some(30), "{r}");
        }
    }

    #[test]
    fn offers_before_an_error_are_yielded() {
        let mut it = read_offers("x", b"{\"id\":\"A\"}\n{oops}\n{\"id\":\"B\"}");
        assert!(it.next().unwrap().is_ok());
        assert!(it.next().unwrap().is_err());
        assert!(it.next().is_none());
    }

    #[test]
    fn non_utf8_is_reported_with_its_line() {
        let mut bytes = b"{\"id\":\"A\"}\n{\"id\":\"".to_vec();
        bytes.push(0xE9); // Latin-1 é
        bytes.extend_from_slice(b"\"}\n");
        let mut w = Warnings::default();
        let e = read_all("latin1.json", &bytes, &mut w).unwrap_err();
        assert_eq!(e.kind, InputErrorKind::NotUtf8);
        assert_eq!((e.line, e.column), (Some(2), Some(8)));
        let msg = e.to_string();
        assert!(
            msg.starts_with("latin1.json, line 2, column 8: the bytes are not valid UTF-8"),
            "{msg}"
        );
        assert!(msg.contains("iconv"), "{msg}");
    }

    #[test]
    fn adzuna_shapes_use_results_and_their_own_advice() {
        let ids = |input: &str| -> Result<Vec<String>, InputError> {
            read_adzuna_jobs("a", input.as_bytes())
                .map(|r| r.map(|j| j.id.into_option().unwrap_or_default()))
                .collect()
        };
        assert_eq!(
            ids(r#"{"__CLASS__":"x","count":2,"results":[{"id":"1"},{"id":"2"}],"mean":3.5}"#)
                .unwrap(),
            ["1", "2"]
        );
        assert_eq!(ids(r#"{"id":"7","title":"x"}"#).unwrap(), ["7"]);
        assert_eq!(
            ids("[{\"id\":\"1\"}]\n{\"results\":[{\"id\":\"2\"}]}").unwrap(),
            ["1", "2"]
        );
        let e = ids(r#"{"results":3}"#).unwrap_err();
        assert_eq!(e.kind, InputErrorKind::BadResultats);
        let msg = e.to_string();
        assert!(
            msg.contains("`results` is not an array") && msg.contains("Adzuna"),
            "{msg}"
        );
        // France Travail inputs keep their own key and advice.
        let e = read_all("b", br#"{"resultats":3}"#, &mut Warnings::default()).unwrap_err();
        assert!(
            e.to_string().contains("`resultats` is not an array")
                && e.to_string().contains("France Travail")
        );
    }

    #[test]
    fn every_truncation_is_an_error_or_offers_never_a_panic() {
        let doc = r#"{"resultats":[{"id":"A","salaire":{"libelle":"Annuel de 35000,00 Euros"},"lieuTravail":{"libelle":"75 - Paris","latitude":48.8}},{"id":"B","competences":[{"libelle":"é"}]}],"filtresPossibles":[{"agregation":[]}]}"#;
        for cut in 0..=doc.len() {
            let mut w = Warnings::default();
            match read_all("cut", &doc.as_bytes()[..cut], &mut w) {
                Ok(v) => assert!(v.len() <= 2),
                Err(e) => assert!(e.to_string().starts_with("cut"), "{e}"),
            }
        }
    }

    #[test]
    fn wrong_field_types_never_fail_the_input() {
        let mut w = Warnings::default();
        let v = read_all(
            "x",
            br#"[{"id":1,"lieuTravail":"Paris","salaire":[1],"competences":{"a":1}}]"#,
            &mut w,
        )
        .unwrap();
        assert_eq!(v.len(), 1);
        assert!(v[0].id.is_invalid());
        assert!(v[0].lieu_travail.is_invalid());
    }
}
