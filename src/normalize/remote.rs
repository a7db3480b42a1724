//! Does an offer say anything explicit about télétravail? A small keyword matcher.
//!
//! The `remote_work` column is true only on an explicit mention of télétravail / remote work, false only
//! on an explicit refusal ("pas de télétravail", "télétravail : non", "100% présentiel"), and null when
//! the text says nothing: the invariant is that silence never becomes `false`. The text is folded once
//! (lowercase, accents stripped, whitespace runs collapsed) into a reused per-thread byte buffer, then
//! scanned word by word; only the few words that matter trigger a look at their neighbourhood, so the
//! cost is two linear passes over the description with no allocation in the steady state.
//! Shared by every source (France Travail and Adzuna apply the same rule).

use std::cell::RefCell;

/// Appends `src` to `out`, folded for matching: lowercase, Latin accents stripped (`é` → `e`, `œ` → `oe`),
/// typographic apostrophes and dashes made ASCII, each run of whitespace (including no-break spaces)
/// collapsed to one space, or to one `\n` when the run held a line break. `out` stays valid UTF-8:
/// only ASCII bytes and whole encoded characters are pushed. ASCII, the bulk of any text, takes
/// fast paths (eight bytes at a time where no space needs collapsing, else a byte at a time); only
/// other characters are decoded.
pub(crate) fn fold_into(src: &str, out: &mut Vec<u8>) {
    // 0: no pending whitespace; 1: pending space; 2: pending newline.
    let mut pending = 0u8;
    let bytes = src.as_bytes();
    out.reserve(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        // The fast path: eight printable ASCII bytes whose spaces need no collapsing.
        if let Some(block) = bytes.get(i..i + 8) {
            let x = u64::from_le_bytes(block.try_into().expect("8 bytes"));
            if let Some(lower) = plain_ascii_block(x, pending != 0) {
                if pending != 0 {
                    flush_space(&mut pending, out);
                }
                out.extend_from_slice(&lower.to_le_bytes());
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        // Printable ASCII, one compare, one push into reserved space.
        if b > b' ' && b < 0x80 {
            if pending != 0 {
                flush_space(&mut pending, out);
            }
            out.push(b.to_ascii_lowercase());
            i += 1;
            continue;
        }
        if b < 0x80 {
            i += 1;
            match b {
                b'\n' | b'\r' => pending = 2,
                b' ' | b'\t' | 0x0B | 0x0C => pending = pending.max(1),
                _ => {
                    flush_space(&mut pending, out);
                    out.push(b);
                }
            }
            continue;
        }
        // `i` is always on a character boundary: it only ever advances by whole characters.
        let Some(c) = src.get(i..).and_then(|rest| rest.chars().next()) else {
            break;
        };
        i += c.len_utf8();
        if c.is_whitespace() {
            pending = pending.max(1);
            continue;
        }
        flush_space(&mut pending, out);
        let ascii: &[u8] = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => {
                b"a"
            }
            'ç' | 'Ç' => b"c",
            'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => b"e",
            'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => b"i",
            'ñ' | 'Ñ' => b"n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' => b"o",
            'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => b"u",
            'ý' | 'ÿ' | 'Ý' | 'Ÿ' => b"y",
            'œ' | 'Œ' => b"oe",
            'æ' | 'Æ' => b"ae",
            '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{00B4}' => b"'",
            '\u{2010}'..='\u{2015}' => b"-",
            // Combining accents (decomposed text): drop them, the base letter was already pushed.
            '\u{0300}'..='\u{036F}' => b"",
            _ => {
                let mut buf = [0u8; 4];
                for l in c.to_lowercase() {
                    out.extend_from_slice(l.encode_utf8(&mut buf).as_bytes());
                }
                continue;
            }
        };
        out.extend_from_slice(ascii);
    }
}

/// Eight bytes (little-endian) folded at once when [`fold_into`] would copy them as they are,
/// lowercased: all in `0x20..=0x7F`, no two spaces in a row, none last (the next byte may be
/// whitespace), and none first after pending whitespace. `None` otherwise. Per-byte flags are
/// exact: no sum below carries into the next byte.
fn plain_ascii_block(x: u64, after_space: bool) -> Option<u64> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    // Not ASCII, or a control character (b < 0x20 ⇔ b + 0x60 < 0x80 for ASCII).
    if x & HIGH != 0 || (x + 0x60 * ONES) & HIGH != HIGH {
        return None;
    }
    let y = x ^ (ONES * u64::from(b' '));
    let spaces = !(((y & LOW7) + LOW7) | y) & HIGH;
    if spaces & (spaces >> 8) != 0 || spaces >> 56 != 0 || (after_space && spaces & 0x80 != 0) {
        return None;
    }
    let upper = (x + (0x80 - u64::from(b'A')) * ONES) & !(x + (0x80 - u64::from(b'Z') - 1) * ONES);
    Some(x | ((upper & HIGH) >> 2))
}

fn flush_space(pending: &mut u8, out: &mut Vec<u8>) {
    match *pending {
        1 => out.push(b' '),
        2 => out.push(b'\n'),
        _ => {}
    }
    *pending = 0;
}

/// Folds `src` into a new string (see [`fold_into`]).
pub(crate) fn fold(src: &str) -> String {
    let mut v = Vec::with_capacity(src.len());
    fold_into(src, &mut v);
    String::from_utf8(v).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

thread_local! {
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// The remote-work verdict of some free texts (description, working conditions…), taken together:
/// `Some(true)` when one of them mentions télétravail without negating it, else `Some(false)` when
/// one refuses it explicitly, else `None`.
pub fn remote_work<'a, I>(texts: I) -> Option<bool>
where
    I: IntoIterator<Item = &'a str>,
{
    remote_work_with_exercise(texts, std::iter::empty())
}

/// [`remote_work`] where `exercise` are France Travail's short working-condition fields
/// (`complementExercice`, `conditionExercice`): in them, and only there, the abbreviation `TT`
/// ([`EXERCISE_ONLY`]) is a mention too ("TT possible"); in a description "TT" usually means temp
/// work ("Fast TT", "BREST TT"). HTML entities (`t&eacute;l&eacute;travail`) are decoded before any
/// matching, in every text.
pub fn remote_work_with_exercise<'a, I, J>(texts: I, exercise: J) -> Option<bool>
where
    I: IntoIterator<Item = &'a str>,
    J: IntoIterator<Item = &'a str>,
{
    let texts: Vec<std::borrow::Cow<'a, str>> = texts.into_iter().map(decode_entities).collect();
    let exercise: Vec<std::borrow::Cow<'a, str>> =
        exercise.into_iter().map(decode_entities).collect();
    // Most texts say nothing about remote work: a cheap scan of the raw bytes for the words that
    // can matter skips the folding and the full scan for them.
    let main = texts.iter().any(|t| might_mention(t.as_bytes()));
    let short = !exercise.is_empty();
    if !main && !short {
        return None;
    }
    with_scratch(|buf| {
        let mut tally = Tally::default();
        if main {
            buf.clear();
            for t in &texts {
                fold_into(t, buf);
                buf.push(b'\n');
            }
            tally_folded(buf, false, &mut tally);
        }
        if short {
            buf.clear();
            for t in &exercise {
                fold_into(t, buf);
                buf.push(b'\n');
            }
            tally_folded(buf, true, &mut tally);
        }
        tally.verdict()
    })
}

/// `text` with its HTML entities decoded (`&eacute;` → `é`, `&rsquo;` → `’`, `&#8217;` → `’`);
/// borrowed as is when it holds no `&`.
pub fn decode_entities(text: &str) -> std::borrow::Cow<'_, str> {
    if text.as_bytes().contains(&b'&') {
        html_escape::decode_html_entities(text)
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Runs `f` with the per-thread scratch buffer (a fresh one on a re-entrant call).
fn with_scratch<R>(f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            let r = f(&mut buf);
            // Do not keep a huge buffer alive because of one huge description.
            if buf.capacity() > 1 << 20 {
                *buf = Vec::new();
            }
            r
        }
        // Re-entrant call (cannot happen today): fall back to a fresh buffer.
        Err(_) => f(&mut Vec::new()),
    })
}

/// The French word for hybrid work, a mention only after one of [`HYBRIDE_BEFORE`]
/// ("Poste hybride", "mode hybride"), never alone ("environnement hybride cloud").
pub const HYBRIDE: &str = "hybride";

/// Endings before `hybride` that make it a mention of hybrid work.
pub const HYBRIDE_BEFORE: [&str; 9] = [
    "poste",
    "poste en",
    "travail",
    "mode",
    "en mode",
    "rythme",
    "organisation",
    "fonctionnement",
    "format",
];

/// The English word, a mention of hybrid work unless followed by one of [`HYBRID_TECHNICAL`]
/// ("hybrid working model", "hybrid working available", "Hybrid", "#LI-Hybrid").
pub const HYBRID: &str = "hybrid";

/// Words after `hybrid` that make it a technical term, not a way of working.
pub const HYBRID_TECHNICAL: [&str; 24] = [
    "cloud",
    "clouds",
    "app",
    "apps",
    "application",
    "applications",
    "mobile",
    "vehicle",
    "vehicles",
    "car",
    "cars",
    "engine",
    "engines",
    "electric",
    "infrastructure",
    "infrastructures",
    "environment",
    "environments",
    "architecture",
    "architectures",
    "system",
    "systems",
    "integration",
    "network",
];

/// Words that are mentions only in the short working-condition fields (`complementExercice`,
/// `conditionExercice`): "TT possible".
pub const EXERCISE_ONLY: [&str; 1] = ["tt"];

/// Words after `remote` that make it a technical term, not remote work.
const REMOTE_TECHNICAL: [&str; 9] = [
    "access",
    "desktop",
    "control",
    "controle",
    "sensing",
    "monitoring",
    "support",
    "management",
    "server",
];

/// Endings of the text before a mention that negate it ("pas de télétravail").
const NEGATING_BEFORE: [&str; 30] = [
    "pas de",
    "pas d'",
    "pas du",
    "pas le",
    "pas en",
    "sans",
    "sans possibilite de",
    "aucun",
    "aucune",
    "aucune possibilite de",
    "pas de possibilite de",
    "ni",
    "ni de",
    "no",
    "not",
    "non",
    "jamais de",
    "non eligible au",
    "non eligible a",
    "pas eligible au",
    "pas eligible a",
    "ne permet pas le",
    "ne permet pas de",
    "ne permet pas",
    "pas de jour de",
    "pas de jours de",
    "aucun jour de",
    "n'est pas ouvert au",
    "n'ouvre pas droit au",
    "interdiction de",
];

/// Endings before a mention that refuse only *full* remote ("pas de full remote"): neither yes nor no.
const NEGATING_FULL_BEFORE: [&str; 8] = [
    "pas de full",
    "pas du full",
    "pas en full",
    "pas de 100%",
    "pas de 100 %",
    "pas 100%",
    "pas a 100%",
    "pas en 100%",
];

/// Beginnings of the text after a mention that negate it ("télétravail : non", "… n'est pas possible").
const NEGATING_AFTER: [&str; 14] = [
    "non",
    "impossible",
    "exclu",
    "exclus",
    "interdit",
    "pas possible",
    "pas autorise",
    "pas envisageable",
    "pas propose",
    "n'est pas",
    "n est pas",
    "no",
    "not",
    "aucun",
];

/// Beginnings after a negated mention that make the refusal one of *full* remote only.
const FULL_AFTER: [&str; 6] = [
    "a 100%",
    "a 100 %",
    "complet",
    "total",
    "integral",
    "a temps plein",
];

/// Endings before `presentiel` that make it a refusal of télétravail ("100% présentiel").
const PRESENTIEL_BEFORE: [&str; 17] = [
    "100%",
    "100 %",
    "100% en",
    "100 % en",
    "full",
    "tout en",
    "uniquement",
    "uniquement en",
    "exclusivement",
    "exclusivement en",
    "totalement",
    "totalement en",
    "entierement",
    "entierement en",
    "poste en",
    "poste : en",
    "poste: en",
];

/// Beginnings after `presentiel` that make it a refusal ("présentiel uniquement").
const PRESENTIEL_AFTER: [&str; 5] = [
    "uniquement",
    "exclusivement",
    "obligatoire",
    "a 100%",
    "a 100 %",
];

/// Endings before `site` that make it a refusal ("uniquement sur site").
const SITE_BEFORE: [&str; 5] = [
    "uniquement sur",
    "exclusivement sur",
    "100% sur",
    "100 % sur",
    "totalement sur",
];

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// The text before `at` within its sentence (at most 64 bytes), right-trimmed.
fn before(t: &[u8], at: usize) -> &[u8] {
    let mut w = &t[at.saturating_sub(64)..at];
    if let Some(i) = w
        .iter()
        .rposition(|b| matches!(b, b'.' | b'!' | b'?' | b';' | b'\n'))
    {
        w = &w[i + 1..];
    }
    while let [rest @ .., b' ' | b':' | b'-' | b'(' | b'"' | b'\''] = w {
        w = rest;
    }
    w
}

/// The text after `at` with leading separators skipped (spaces, `:`, `-`, `=`, `(`, quotes, line breaks).
fn after(t: &[u8], at: usize) -> &[u8] {
    let mut w = &t[at.min(t.len())..];
    while let [
        b' ' | b':' | b'-' | b'=' | b'(' | b'"' | b'\n' | b'*' | b'>',
        rest @ ..,
    ] = w
    {
        w = rest;
    }
    w
}

/// `w` ends with `suffix` at a word boundary.
fn ends_with_word(w: &[u8], suffix: &str) -> bool {
    let s = suffix.as_bytes();
    w.ends_with(s) && {
        let i = w.len() - s.len();
        i == 0 || !is_word_byte(w[i - 1])
    }
}

/// `w` starts with `prefix` at a word boundary.
fn starts_with_word(w: &[u8], prefix: &str) -> bool {
    let p = prefix.as_bytes();
    w.starts_with(p) && w.get(p.len()).is_none_or(|b| !is_word_byte(*b))
}

#[derive(Default)]
struct Tally {
    yes: u32,
    no: u32,
}

impl Tally {
    fn verdict(&self) -> Option<bool> {
        if self.yes > 0 {
            Some(true)
        } else if self.no > 0 {
            Some(false)
        } else {
            None
        }
    }

    /// A mention of remote work spanning `s..e`: counts it as yes, no or nothing after looking around.
    fn mention(&mut self, t: &[u8], s: usize, e: usize) {
        let pre = before(t, s);
        let post = after(t, e);
        if NEGATING_FULL_BEFORE.iter().any(|x| ends_with_word(pre, x)) {
            return;
        }
        if NEGATING_BEFORE.iter().any(|x| ends_with_word(pre, x)) {
            if !FULL_AFTER.iter().any(|x| starts_with_word(post, x)) {
                self.no += 1;
            }
            return;
        }
        if NEGATING_AFTER.iter().any(|x| starts_with_word(post, x)) {
            self.no += 1;
            return;
        }
        self.yes += 1;
    }
}

/// `t[at..]` starts with `word` followed by a word boundary.
fn word_at(t: &[u8], at: usize, word: &[u8]) -> bool {
    t[at..].starts_with(word) && t.get(at + word.len()).is_none_or(|b| !is_word_byte(*b))
}

/// Byte classes for the scan: [`WORD`] for `[a-z0-9]` (folded text has no uppercase ASCII) and
/// [`TRIGGER`] for the first letters of the words that matter.
const WORD: u8 = 1;
const TRIGGER: u8 = 2;
static CLASS: [u8; 256] = {
    let mut c = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        if b.is_ascii_alphanumeric() {
            c[i] = WORD;
        }
        if matches!(b, b't' | b'r' | b'p' | b's' | b'h') {
            c[i] |= TRIGGER;
        }
        i += 1;
    }
    c
};

/// One raw character folded the way [`fold_into`] folds it, restricted to what the trigger words
/// need: ASCII lowercased, and the Latin-1 accented vowels, `ç`/`ñ`/`ý`/`ÿ` (2-byte UTF-8 `C3 xx`)
/// and `Ÿ` (`C5 B8`) mapped to their base letter. Returns the folded byte and the number of raw bytes read, skipping any
/// combining accents (U+0300–U+036F) that follow. `None` for any other non-ASCII character.
fn fold_char(t: &[u8], i: usize) -> Option<(u8, usize)> {
    let b = *t.get(i)?;
    let (c, mut n) = if b < 0x80 {
        (b.to_ascii_lowercase(), 1)
    } else if b == 0xC3 {
        let c = match t.get(i + 1)? {
            0x80..=0x85 | 0xA0..=0xA5 => b'a',
            0x87 | 0xA7 => b'c',
            0x88..=0x8B | 0xA8..=0xAB => b'e',
            0x8C..=0x8F | 0xAC..=0xAF => b'i',
            0x91 | 0xB1 => b'n',
            0x92..=0x96 | 0xB2..=0xB6 => b'o',
            0x99..=0x9C | 0xB9..=0xBC => b'u',
            0x9D | 0xBD | 0xBF => b'y',
            _ => return None,
        };
        (c, 2)
    } else if b == 0xC5 && t.get(i + 1) == Some(&0xB8) {
        (b'y', 2)
    } else {
        return None;
    };
    // Combining accents: `CC 80`..`CD AF`.
    while let (Some(&x), Some(&y)) = (t.get(i + n), t.get(i + n + 1)) {
        if (x == 0xCC && (0x80..=0xBF).contains(&y)) || (x == 0xCD && (0x80..=0xAF).contains(&y)) {
            n += 2;
        } else {
            break;
        }
    }
    Some((c, n))
}

/// Whether the raw text at `i` folds to `word` (ASCII, lowercase). Returns the raw end.
fn folds_to(t: &[u8], mut i: usize, word: &[u8]) -> Option<usize> {
    for &w in word {
        let (c, n) = fold_char(t, i)?;
        if c != w {
            return None;
        }
        i += n;
    }
    Some(i)
}

/// A conservative pre-check on raw text: false only when the full scan (`tally_folded` on the
/// folded texts) would count no mention and no refusal. The [`EXERCISE_ONLY`] words are not looked for: those
/// fields are always scanned. Never false when a trigger is present; may be true without one.
///
/// Every trigger word starts with `t`, `r`, `p`, `s` or `h` (ASCII, either case: no accented
/// form of these letters folds to them) at a word start; the scan finds those places eight bytes
/// at a time ([`trigger_letters_at_word_starts`]) and looks closer only there
/// ([`candidate_at`]). Text with combining accents (which may follow any letter) takes the
/// word-by-word scan.
fn might_mention(t: &[u8]) -> bool {
    if memchr::memchr2(0xCC, 0xCD, t).is_some() {
        return might_mention_scan(t);
    }
    let mut i = 0;
    // The byte before the block: none at the start, which is not a letter or digit.
    let mut prev = b' ';
    while let Some(block) = t.get(i..i + 8) {
        let x = u64::from_le_bytes(block.try_into().expect("8 bytes"));
        let mut starts = trigger_letters_at_word_starts(x, prev);
        while starts != 0 {
            let k = i + (starts.trailing_zeros() / 8) as usize;
            starts &= starts - 1;
            if second_letter_fits(t, k) && candidate_at(t, k) {
                return true;
            }
        }
        prev = block[7];
        i += 8;
    }
    (i..t.len()).any(|k| {
        matches!(t[k] | 0x20, b't' | b'r' | b'p' | b's' | b'h')
            && (k == 0 || !t[k - 1].is_ascii_alphanumeric())
            && second_letter_fits(t, k)
            && candidate_at(t, k)
    })
}

/// A quick filter before [`candidate_at`]: the byte after the trigger letter at `i` can be the
/// second letter of a trigger word (`te`/`tr`, `re`, `pr`, `si`, `hy`, or their accented forms).
fn second_letter_fits(t: &[u8], i: usize) -> bool {
    let Some(&next) = t.get(i + 1) else {
        return false;
    };
    match (t[i] | 0x20, next | 0x20) {
        (b't', b'e' | b'r') | (b'r', b'e') | (b'p', b'r') | (b's', b'i') | (b'h', b'y') => true,
        // An accented second letter: `é…` (`C3 xx`), or `ý`/`ÿ` (`C3 xx`) and `Ÿ` (`C5 B8`).
        (b't' | b'r' | b's', _) => next == 0xC3,
        (b'h', _) => next == 0xC3 || next == 0xC5,
        _ => false,
    }
}

/// Of eight bytes (little-endian) preceded by `prev`, those that are `t`, `r`, `p`, `s` or `h`
/// (either case) after a byte that is not an ASCII letter or digit: their high bits set. Every
/// per-byte flag is exact (no sum below carries into the next byte).
fn trigger_letters_at_word_starts(x: u64, prev: u8) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let zero = |y: u64| !(((y & LOW7) + LOW7) | y) & HIGH;
    // `b >= lo` for bytes below 0x80 (`lo` in 1..=0x80): the high bit of `b + 0x80 - lo`.
    let at_least = |b: u64, lo: u64| (b + (0x80 - lo) * ONES) & HIGH;
    let lower = x | (0x20 * ONES);
    let letters = [b't', b'r', b'p', b's', b'h']
        .iter()
        .fold(0, |m, &c| m | zero(lower ^ (ONES * u64::from(c))));
    let before = (x << 8) | u64::from(prev);
    let ascii = !before & HIGH;
    let folded = (before | (0x20 * ONES)) & LOW7;
    let plain = before & LOW7;
    let letter = at_least(folded, u64::from(b'a')) & !at_least(folded, u64::from(b'z') + 1);
    let digit = at_least(plain, u64::from(b'0')) & !at_least(plain, u64::from(b'9') + 1);
    letters & !((letter | digit) & ascii)
}

/// Whether a word starting at `i` with one of the trigger letters may be (the start of) a
/// mention or a refusal: `tele` followed by `travail` (any separators between), `travail` then
/// `a`, `remote`, `presentiel`, `hybrid…`, or `site` after `sur`. Conservative where raw bytes
/// leave a doubt (an accented letter near `sur`).
fn candidate_at(t: &[u8], i: usize) -> bool {
    match t[i] | 0x20 {
        b't' => {
            folds_to(t, i, b"tele")
                .is_some_and(|e| folds_to(t, skip_separators(t, e), b"travail").is_some())
                || travail_a_at(t, i)
        }
        b's' => trigger_at(t, i) && sur_before(t, i),
        _ => trigger_at(t, i),
    }
}

/// The first byte at or after `j` that is an ASCII letter or digit, or starts an accented letter.
fn skip_separators(t: &[u8], mut j: usize) -> usize {
    while j < t.len() && !t[j].is_ascii_alphanumeric() && t[j] != 0xC3 {
        j += 1;
    }
    j
}

/// `travail` at `i`, then (whatever the spaces between) `a`: "travail à distance".
fn travail_a_at(t: &[u8], i: usize) -> bool {
    folds_to(t, i, b"travail")
        .is_some_and(|e| fold_char(t, skip_separators(t, e)).is_some_and(|(c, _)| c == b'a'))
}

/// The last letter or digit before `i`, separators (and any non-ASCII byte) skipped: its end.
fn word_end_before(t: &[u8], i: usize) -> usize {
    let mut j = i;
    while j > 0 && !t[j - 1].is_ascii_alphanumeric() {
        j -= 1;
    }
    j
}

/// Whether the word before `i` may fold to `sur` (`sur`, `SUR`, `sûr`): the raw word `sur`, or a
/// non-ASCII byte near its end, or `sur` ending a longer word 61 or more bytes back (all left to
/// the full scan: [`before`] looks 64 folded bytes back and takes its window's first byte as a
/// word start, and folding never lengthens the separators between).
fn sur_before(t: &[u8], i: usize) -> bool {
    let j = word_end_before(t, i);
    if t[j.saturating_sub(5)..j].iter().any(|b| *b >= 0x80) {
        return true;
    }
    j >= 3
        && t[j - 3..j].eq_ignore_ascii_case(b"sur")
        && (j == 3 || !is_word_byte(t[j - 4]) || i - (j - 3) >= 64)
}

/// The word-by-word scan, for text with combining accents: looser than [`might_mention`] (any
/// word starting `tele`, any `site`), never stricter.
fn might_mention_scan(t: &[u8]) -> bool {
    // `trigger_at` looks only at word starts.
    (0..t.len()).any(|i| trigger_at(t, i))
}

/// Whether a word starting a trigger begins at `i`.
fn trigger_at(t: &[u8], i: usize) -> bool {
    if i > 0 && t[i - 1].is_ascii_alphanumeric() {
        return false;
    }
    match t[i] | 0x20 {
        b't' => folds_to(t, i, b"tele").is_some() || travail_a_at(t, i),
        b'r' => folds_to(t, i, b"remote").is_some(),
        b'h' => folds_to(t, i, HYBRID.as_bytes()).is_some(),
        b'p' => folds_to(t, i, b"presentiel").is_some(),
        b's' => folds_to(t, i, b"site").is_some(),
        _ => false,
    }
}

/// The verdict on text already folded by [`fold_into`].
#[cfg(test)]
fn verdict_of_folded(t: &[u8]) -> Option<bool> {
    let mut tally = Tally::default();
    tally_folded(t, false, &mut tally);
    tally.verdict()
}

/// Counts the mentions and refusals of text already folded by [`fold_into`]; `exercise` also counts
/// the [`EXERCISE_ONLY`] words.
fn tally_folded(t: &[u8], exercise: bool, tally: &mut Tally) {
    // Only words starting with t, r, p, s or h can matter: look at those word starts and nothing else.
    let mut prev_is_word = false;
    for (s, &b) in t.iter().enumerate() {
        let class = CLASS[usize::from(b)];
        let starts_word = !prev_is_word;
        prev_is_word = class & WORD != 0;
        if !starts_word || class & TRIGGER == 0 {
            continue;
        }
        match b {
            b't' if t[s..].starts_with(b"teletravail") => {
                let e = s + t[s..]
                    .iter()
                    .position(|c| !is_word_byte(*c))
                    .unwrap_or(t.len() - s);
                tally.mention(t, s, e);
            }
            b't' if word_at(t, s, b"tele") => {
                let rest = &t[s + 4..];
                if rest.starts_with(b"-travail") || rest.starts_with(b" travail") {
                    tally.mention(t, s, s + 12);
                }
            }
            b't' if t[s..].starts_with(b"travail a distance") => tally.mention(t, s, s + 18),
            b'r' if word_at(t, s, b"remote") => {
                let next = after(t, s + 6);
                if !REMOTE_TECHNICAL.iter().any(|x| starts_with_word(next, x)) {
                    tally.mention(t, s, s + 6);
                }
            }
            b'p' if word_at(t, s, b"presentiel") => {
                let pre = before(t, s);
                let post = after(t, s + 10);
                if PRESENTIEL_BEFORE.iter().any(|x| ends_with_word(pre, x))
                    || PRESENTIEL_AFTER.iter().any(|x| starts_with_word(post, x))
                {
                    tally.no += 1;
                }
            }
            b's' if word_at(t, s, b"site") => {
                let pre = before(t, s);
                if SITE_BEFORE.iter().any(|x| ends_with_word(pre, x))
                    || (ends_with_word(pre, "sur")
                        && starts_with_word(after(t, s + 4), "uniquement"))
                {
                    tally.no += 1;
                }
            }
            b'h' if t[s..].starts_with(HYBRID.as_bytes()) => {
                let e = s + t[s..]
                    .iter()
                    .position(|c| !is_word_byte(*c))
                    .unwrap_or(t.len() - s);
                let word = &t[s..e];
                if word == HYBRIDE.as_bytes() {
                    let pre = before(t, s);
                    if let Some(x) = HYBRIDE_BEFORE.iter().find(|x| ends_with_word(pre, x)) {
                        // The mention starts at its first word ("poste hybride"), so a negation
                        // before it ("pas de poste hybride") is seen.
                        let pre_end = pre.as_ptr() as usize - t.as_ptr() as usize + pre.len();
                        tally.mention(t, pre_end - x.len(), e);
                    }
                } else if word == HYBRID.as_bytes() {
                    let next = after(t, e);
                    if !HYBRID_TECHNICAL.iter().any(|x| starts_with_word(next, x)) {
                        tally.mention(t, s, e);
                    }
                }
            }
            b't' if exercise && EXERCISE_ONLY.iter().any(|w| word_at(t, s, w.as_bytes())) => {
                tally.mention(t, s, s + 2);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {

    /// Every string of every real fixture (when present), and their tails.
    fn real_texts() -> Vec<String> {
        fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
            match v {
                serde_json::Value::String(s) => out.push(s.clone()),
                serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
                serde_json::Value::Object(o) => o.values().for_each(|x| strings(x, out)),
                _ => {}
            }
        }
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/real");
        let mut out = Vec::new();
        assert!(
            std::path::Path::new(dir).is_dir() || std::env::var_os("CI").is_none(),
            "CI is set but the real fixtures are missing at {dir}"
        );
        for e in std::fs::read_dir(dir).into_iter().flatten() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "json") {
                let v: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
                strings(&v, &mut out);
            }
        }
        out
    }

    #[test]
    fn the_pre_check_never_hides_a_verdict_on_real_texts() {
        let mut texts: Vec<String> = [
            "Télétravail possible",
            "TÉLÉTRAVAIL",
            "tèletravail",
            "te\u{301}le\u{301}travail",
            "travail à distance",
            "Travail  \u{e0} distance",
            "trÀvail a",
            "REMOTE",
            "rémote",
            "remöte",
            "Hybride",
            "hybrid",
            "Présentiel",
            "PRÉSENTIEL",
            "sur site",
            "SÎTE",
            "síte",
            "entretel",
            "xremote",
            "a-remote",
            "1site",
            "é-site",
            "",
            "t",
            "te",
            "tél",
            "\u{c3}",
            "pas de télé",
            "stite",
            "ttele",
            "remotele",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        texts.extend(real_texts());
        let mut checked = 0;
        for t in &texts {
            for (i, _) in t.char_indices().step_by(7) {
                let rest = &t[i..];
                if !might_mention(rest.as_bytes()) {
                    let mut folded = Vec::new();
                    fold_into(rest, &mut folded);
                    folded.push(b'\n');
                    assert_eq!(verdict_of_folded(&folded), None, "{rest:?}");
                }
                checked += 1;
            }
        }
        assert!(checked > 30);
    }
    use super::*;

    fn rw(s: &str) -> Option<bool> {
        let v = remote_work([s]);
        // The pre-check never hides a verdict: the full path agrees.
        let mut folded = Vec::new();
        fold_into(s, &mut folded);
        folded.push(b'\n');
        assert_eq!(
            v,
            verdict_of_folded(&folded),
            "pre-check changed the verdict of {s:?}"
        );
        v
    }

    #[test]
    fn the_pre_check_is_conservative_on_random_texts() {
        let words = [
            "Télé",
            "TELE",
            "te\u{301}le\u{301}",
            "travail",
            "à",
            "A",
            "\u{a0}",
            "distance",
            "REMOTE",
            "remote",
            "Présentiel",
            "PRÉSENTIEL",
            "site",
            "Site",
            "pas",
            "de",
            "100%",
            "uniquement",
            "sur",
            "non",
            ":",
            "-",
            "\n",
            " ",
            "«",
            "»",
            "sûr",
            "SUR",
            "l",
            "e",
            "tel",
            "tele-travail",
            "TRAVAIL",
            "\u{2010}",
            "hybride",
            "hÿbrid",
            "HŸBRIDE",
            "poste",
            "::::::::::::::::::::::::::::::::",
            "oui",
            "possible",
            "x",
            "é",
            "œuvre",
            "\u{2019}",
            "ﬁ",
        ];
        let mut rng = fastrand::Rng::with_seed(99);
        for _ in 0..20_000 {
            let n = rng.usize(1..12);
            let text: String = (0..n)
                .map(|_| words[rng.usize(..words.len())])
                .collect::<Vec<_>>()
                .join(if rng.bool() { " " } else { "" });
            rw(&text);
        }
    }

    /// The byte-at-a-time fold, as it was before the eight-byte path.
    fn fold_reference(src: &str) -> Vec<u8> {
        let mut out = Vec::new();
        let mut pending = 0u8;
        for c in src.chars() {
            if c.is_ascii() && c > ' ' {
                flush_space(&mut pending, &mut out);
                out.push(c.to_ascii_lowercase() as u8);
            } else if c == '\n' || c == '\r' {
                pending = 2;
            } else if c.is_whitespace() {
                pending = pending.max(1);
            } else if c.is_ascii() {
                flush_space(&mut pending, &mut out);
                out.push(c as u8);
            } else {
                let mut one = Vec::new();
                let mut buf = [0u8; 4];
                fold_into(c.encode_utf8(&mut buf), &mut one);
                flush_space(&mut pending, &mut out);
                out.extend_from_slice(&one);
            }
        }
        out
    }

    #[test]
    fn the_eight_byte_fold_agrees_with_the_byte_at_a_time_fold() {
        let mut texts = real_texts();
        let pieces = [
            "a",
            "B",
            "Z",
            "@",
            "[",
            "`",
            "{",
            " ",
            "  ",
            "\n",
            "\t",
            "\r\n",
            "\u{a0}",
            "é",
            "É",
            "\u{7f}",
            "\u{1}",
            "Télétravail",
            "SITE",
            "-",
            "\u{2019}",
            "œ",
        ];
        let mut rng = fastrand::Rng::with_seed(3);
        for _ in 0..5000 {
            let n = rng.usize(0..30);
            texts.push((0..n).map(|_| pieces[rng.usize(..pieces.len())]).collect());
        }
        for t in &texts {
            let mut got = Vec::new();
            fold_into(t, &mut got);
            assert_eq!(got, fold_reference(t), "{t:?}");
        }
    }

    #[test]
    fn word_starts_eight_bytes_at_a_time_match_the_byte_at_a_time_answer() {
        let pick = [
            b't', b'T', b'r', b'R', b'p', b's', b'S', b'h', b'H', b'a', b'z', b'Z', b'0',
        ];
        let other = [
            b' ', b'9', b'@', b'[', b'`', b'{', b'-', 0x80, 0xC3, 0xA9, 0xFF, 0x00, 0x7F,
        ];
        let mut rng = fastrand::Rng::with_seed(11);
        for _ in 0..200_000 {
            let mut bytes = [0u8; 9];
            for b in &mut bytes {
                *b = match rng.u8(0..4) {
                    0 => pick[rng.usize(..pick.len())],
                    1 => other[rng.usize(..other.len())],
                    _ => rng.u8(..),
                };
            }
            let x = u64::from_le_bytes(bytes[1..].try_into().unwrap());
            let mut want = 0u64;
            for k in 0..8 {
                let (b, before) = (bytes[k + 1], bytes[k]);
                if matches!(b | 0x20, b't' | b'r' | b'p' | b's' | b'h')
                    && !before.is_ascii_alphanumeric()
                {
                    want |= 0x80 << (8 * k);
                }
            }
            assert_eq!(
                trigger_letters_at_word_starts(x, bytes[0]),
                want,
                "{bytes:?}"
            );
        }
    }

    #[test]
    fn folding() {
        assert_eq!(
            fold("Télétravail  POSSIBLE\u{a0}:\u{202f}Œuvre"),
            "teletravail possible : oeuvre"
        );
        assert_eq!(fold("a \n\n b\t c"), "a\nb c");
        assert_eq!(fold("l\u{2019}équipe — Zoé"), "l'equipe - zoe");
        // Decomposed accents.
        assert_eq!(fold("te\u{301}le\u{301}travail"), "teletravail");
        assert_eq!(fold(""), "");
    }

    #[test]
    fn explicit_mentions_are_true() {
        for s in [
            "hÿbrid",
            "HŸBRID",
            "Poste hýbride",
            "Télétravail",
            "télétravail partiel possible",
            "TELETRAVAIL 2 jours par semaine",
            "2 jours de télétravail par semaine",
            "Poste en full remote",
            "remote possible",
            "Possibilité de télé-travail",
            "Une partie des activités du poste est télétravaillable",
            "La flexibilité du travail à distance",
            "Télétravail : oui",
            "Télétravail: Hybride",
            "Ce poste est prévu à 100% en télétravail.",
            "Télétravail : Bien sûr le télétravail est possible",
        ] {
            assert_eq!(rw(s), Some(true), "{s}");
        }
    }

    #[test]
    fn explicit_refusals_are_false() {
        let window_edge = format!("asur{} site uniquement", ":".repeat(60));
        assert_eq!(rw(&window_edge), Some(false));
        for s in [
            "Pas de télétravail.",
            "pas de teletravail",
            "Télétravail non possible",
            "télétravail : Non",
            "Télétravail: Non  Votre profil : …",
            "Le télétravail n'est pas possible sur ce poste",
            "Poste 100% présentiel",
            "100 % en présentiel",
            "Sans télétravail",
            "aucun télétravail",
            "Lieu du poste : En présentiel",
            "Travail en présentiel uniquement",
            "Poste uniquement sur site",
            "Le poste ne permet pas le télétravail",
            "no remote",
            "Télétravail impossible",
        ] {
            assert_eq!(rw(s), Some(false), "{s}");
        }
    }

    #[test]
    fn silence_and_lookalikes_are_null() {
        for s in [
            "",
            "Développeur Java, CDI, Paris",
            "Intervention sur site ou à distance",
            "Remote Access VPN, Remote Desktop",
            "environnement hybride cloud",
            "Formations en présentiel et/ou à distance",
            "Un entretien en présentiel",
            "télévision et travail",
            "pas de full remote",
            "Pas de télétravail à 100%",
            "administration de sites web",
        ] {
            assert_eq!(rw(s), None, "{s}");
        }
    }

    #[test]
    fn hybrid_work_is_a_mention_and_hybrid_technology_is_not() {
        for s in [
            "Poste hybride : Travail/bureau",
            "en adoptant un mode hybride mi présentiel",
            "un rythme de travail hybride jusqu'à 50 %",
            "based in Cardiff on a hybrid working model.",
            "Location: Cheltenham (hybrid working available)",
            "£45,000 - £55,000 Hybrid Bonus Package",
            "Data Engineer - Hybrid",
            "#LI-HYBRID #NANTES",
        ] {
            assert_eq!(rw(s), Some(true), "{s}");
        }
        for s in [
            "un environnement hybride cloud, on prem",
            "des patterns d'architectures data hybride sur le cloud AWS",
            "dans un environnement on-premises et hybride.",
            "Experience with hybrid cloud and hybrid infrastructure",
            "hybrid vehicles and hybrid systems",
        ] {
            assert_eq!(rw(s), None, "{s}");
        }
        assert_eq!(rw("Pas de poste hybride"), Some(false));
    }

    #[test]
    fn html_entities_are_decoded_before_matching() {
        assert_eq!(
            remote_work(["1 jour de t&eacute;l&eacute;travail par semaine"]),
            Some(true)
        );
        assert_eq!(
            remote_work(["Pas de t&eacute;l&eacute;travail"]),
            Some(false)
        );
        assert_eq!(
            remote_work(["T&Eacute;L&Eacute;TRAVAIL&nbsp;: non"]),
            Some(false)
        );
        assert_eq!(
            decode_entities("l&rsquo;&eacute;quipe &amp; co"),
            "l\u{2019}équipe & co"
        );
        assert!(matches!(
            decode_entities("sans entité"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn tt_counts_only_in_the_exercise_fields() {
        assert_eq!(remote_work_with_exercise([], ["TT possible"]), Some(true));
        assert_eq!(
            remote_work_with_exercise(["Data engineer"], ["tt"]),
            Some(true)
        );
        assert_eq!(remote_work_with_exercise([], ["Pas de TT"]), Some(false));
        assert_eq!(remote_work_with_exercise([], ["Jours RTT"]), None);
        assert_eq!(remote_work_with_exercise([], ["Temps plein"]), None);
        // In a description "TT" is temp work.
        assert_eq!(
            remote_work(["Fast TT recrute", "BREST TT", "TT possible"]),
            None
        );
        // The exercise fields still count the ordinary mentions.
        assert_eq!(
            remote_work_with_exercise([], ["Télétravail 2 jours"]),
            Some(true)
        );
    }

    #[test]
    fn a_real_mention_wins_over_a_refusal_elsewhere() {
        assert_eq!(
            rw("Pas de télétravail pendant la période d'essai. Ensuite 2 jours de télétravail."),
            Some(true)
        );
        assert_eq!(
            rw("100% présentiel le premier mois, puis télétravail possible"),
            Some(true)
        );
        assert_eq!(
            rw("Pas de télétravail. Poste 100% présentiel."),
            Some(false)
        );
    }

    #[test]
    fn several_texts_are_taken_together_and_never_joined_into_one_word() {
        assert_eq!(
            remote_work(["Développeur", "Télétravail : non"]),
            Some(false)
        );
        assert_eq!(remote_work(["pas de", "télétravail"]), Some(true));
        assert_eq!(remote_work(Vec::<&str>::new()), None);
    }

    #[test]
    fn never_panics_on_odd_text() {
        let long = "é ".repeat(100) + "télétravail" + &" ü".repeat(100);
        assert_eq!(rw(&long), Some(true));
        for s in [
            "tele",
            "tele-",
            "travail a",
            "remote",
            "présentiel",
            "site",
            "€€€télétravail€",
            "\u{301}",
        ] {
            let _ = rw(s);
        }
    }
}
