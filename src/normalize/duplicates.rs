//! Duplicate detection: the same job posted more than once (a partner feed's reposts under new
//! ids, an Adzuna copy of a France Travail offer), marked by a shared `duplicate_group` value.
//!
//! A row's key ([`fingerprint`]) is the FNV-1a hash of four normalized parts, all of which both
//! sources fill the same way:
//! - the title: folded (lower case, no accents), alphanumeric words, gender markers (`H/F`, `F/H`,
//!   `H/F/X`) dropped;
//! - the employer: the same, legal forms (`SAS`, `SARL`, …) dropped;
//! - the place: the département code and the commune's name — France Travail's
//!   `lieuTravail.libelle` without its `NN - ` prefix, Adzuna's `location.display_name` up to its
//!   first comma (its most precise area) — with `St`/`Ste` spelled out, ordinals (`14e`, `1er`)
//!   and leading zeros read as numbers, and the words `arrondissement` and `cedex` dropped.
//!   Postal and commune codes are not used: Adzuna has neither;
//! - the opening of the description: its first [`DESCRIPTION_WORDS`] words, HTML entities
//!   decoded. Adzuna serves the first ~500 characters of the advert, so its copy has the same
//!   opening; this is the text similarity that separates an agency's different missions posted
//!   under one title (143KHYK / 143KHYL) where France Travail's ROME code did before, which
//!   Adzuna rows lack.
//!
//! The contract is not used: Adzuna knows only `permanent`/`contract` and is often silent, and
//! the description's opening already tells two contracts of one employer apart when they differ.
//!
//! Invariants: the id, `dup-<16 hex digits>`, is a function of the row alone ([`group_id`]), so
//! the same job gets the same value in every run, every resume, every collection and every source
//! — rows sharing a value are duplicates, a value held by one row is a job seen once. A row
//! without a title, an employer or a place has no value (too little to tell two jobs apart). Rows
//! are never dropped or reordered: analysts choose to deduplicate.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

use super::offer::NormalizedOffer;
use super::remote::{decode_entities, fold_into};

/// Words dropped from titles: gender markers (`H/F`, `F/H`, `H/F/X`) and their letters.
const TITLE_NOISE: [&str; 4] = ["h", "f", "x", "hf"];

/// Words dropped from employer names: legal forms.
const EMPLOYER_NOISE: [&str; 6] = ["sa", "sas", "sarl", "sasu", "eurl", "groupe"];

/// Words dropped from place names.
const PLACE_NOISE: [&str; 2] = ["arrondissement", "cedex"];

/// How many opening words of the description enter the key.
pub const DESCRIPTION_WORDS: usize = 16;

thread_local! {
    /// Per-thread buffer for folded text (the key allocates nothing per row).
    static FOLDED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Calls `each` with the first `limit` folded (lower case, no accents), alphanumeric words of `s`
/// that are not in `noise`, passed through `map`.
fn each_word(
    s: &str,
    noise: &[&str],
    map: fn(&str) -> Cow<'_, str>,
    limit: usize,
    mut each: impl FnMut(&str),
) {
    let mut run = |buf: &mut Vec<u8>| {
        buf.clear();
        fold_into(s, buf);
        let folded = String::from_utf8_lossy(buf);
        for w in folded
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty() && !noise.contains(w))
            .take(limit)
        {
            each(&map(w));
        }
    };
    FOLDED.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => run(&mut buf),
        Err(_) => run(&mut Vec::new()),
    });
}

/// A word as it is.
fn same(w: &str) -> Cow<'_, str> {
    Cow::Borrowed(w)
}

/// A place word as both sources spell it: `st` → `saint`, `14e`/`1er`/`08` → `14`/`1`/`8`.
fn place_word(w: &str) -> Cow<'_, str> {
    match w {
        "st" => return Cow::Borrowed("saint"),
        "ste" => return Cow::Borrowed("sainte"),
        _ => {}
    }
    let digits = w.bytes().take_while(u8::is_ascii_digit).count();
    let suffix = &w[digits..];
    if digits > 0 && ["", "e", "er", "eme", "ieme"].contains(&suffix) {
        let n = w[..digits].trim_start_matches('0');
        return if n.is_empty() {
            Cow::Borrowed("0")
        } else if n.len() == w.len() {
            Cow::Borrowed(w)
        } else {
            Cow::Owned(n.to_string())
        };
    }
    Cow::Borrowed(w)
}

/// The commune's (or area's) name in a location label: up to the first comma (Adzuna's
/// `Sceaux, Antony`), without a leading `NN - ` code (France Travail's `92 - SCEAUX`).
fn place_name(label: &str) -> &str {
    let label = label.split(',').next().unwrap_or("").trim();
    match label.split_once(" - ") {
        Some((code, rest))
            if code.len() <= 3 && code.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            rest.trim()
        }
        _ => label,
    }
}

/// The opening of a description, cut on a character boundary before its
/// ([`DESCRIPTION_WORDS`] + 1)th alphanumeric run — three times further once an `&` is met (an
/// entity splits a word until decoded) — its HTML entities decoded: only this much is read,
/// whatever the description's length.
fn description_prefix(d: &str) -> Cow<'_, str> {
    let mut runs = 0;
    let mut in_word = false;
    let mut margin = 1;
    let mut end = d.len();
    for (i, c) in d.char_indices() {
        if c == '&' {
            margin = 3;
        }
        let alnum = c.is_alphanumeric();
        if alnum && !in_word {
            runs += 1;
            if runs > DESCRIPTION_WORDS * margin {
                end = i;
                break;
            }
        }
        in_word = alnum;
    }
    decode_entities(&d[..end])
}

/// FNV-1a, 64 bits (small, stable across platforms and Rust versions, unlike `DefaultHasher`),
/// over the key's parts: each part's words joined by one space, each part ended by `0xFF`.
struct KeyHasher {
    h: u64,
    words: usize,
}

impl KeyHasher {
    fn new() -> Self {
        KeyHasher {
            h: 0xcbf2_9ce4_8422_2325,
            words: 0,
        }
    }
    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.h ^= u64::from(b);
            self.h = self.h.wrapping_mul(0x0000_0100_0000_01B3);
        }
    }
    fn word(&mut self, w: &str) {
        if self.words > 0 {
            self.bytes(b" ");
        }
        self.bytes(w.as_bytes());
        self.words += 1;
    }
    /// Ends a part; returns its number of words.
    fn end_part(&mut self) -> usize {
        self.bytes(&[0xFF]);
        std::mem::take(&mut self.words)
    }
}

/// A row's key, or `None` when it lacks a title, an employer or a place.
pub fn fingerprint(o: &NormalizedOffer) -> Option<u64> {
    let company = o.company_name.as_deref()?;
    let mut h = KeyHasher::new();
    each_word(
        &decode_entities(&o.title),
        &TITLE_NOISE,
        same,
        usize::MAX,
        |w| h.word(w),
    );
    if h.end_part() == 0 {
        return None;
    }
    each_word(
        &decode_entities(company),
        &EMPLOYER_NOISE,
        same,
        usize::MAX,
        |w| h.word(w),
    );
    if h.end_part() == 0 {
        return None;
    }
    let dept = o.department_code.as_deref().unwrap_or("");
    h.bytes(dept.as_bytes());
    h.bytes(b" ");
    let label = place_name(o.location_name.as_deref().unwrap_or(""));
    each_word(label, &PLACE_NOISE, place_word, usize::MAX, |w| h.word(w));
    if h.end_part() == 0 && dept.is_empty() {
        return None;
    }
    if let Some(d) = o.description.as_deref() {
        each_word(&description_prefix(d), &[], same, DESCRIPTION_WORDS, |w| {
            h.word(w)
        });
    }
    h.end_part();
    Some(h.h)
}

/// The `duplicate_group` value of a row (see the module's invariants).
pub fn duplicate_group(o: &NormalizedOffer) -> Option<String> {
    fingerprint(o).map(group_id)
}

/// The id of a fingerprint's group.
pub fn group_id(fingerprint: u64) -> String {
    format!("dup-{fingerprint:016x}")
}

/// The key of a `duplicate_group` value (`dup-<16 hex>`), or `None` for anything else.
pub fn parse_group_id(value: &str) -> Option<u64> {
    let hex = value.strip_prefix("dup-")?;
    (hex.len() == 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| u64::from_str_radix(hex, 16).ok())
        .flatten()
}

/// For each row, in order, its group id when another row of `rows` shares its fingerprint.
pub fn duplicate_groups(rows: &[NormalizedOffer]) -> Vec<Option<String>> {
    let prints: Vec<Option<u64>> = rows.iter().map(fingerprint).collect();
    let mut count: HashMap<u64, u32> = HashMap::with_capacity(rows.len());
    for p in prints.iter().flatten() {
        *count.entry(*p).or_default() += 1;
    }
    prints
        .into_iter()
        .map(|p| p.filter(|p| count[p] > 1).map(group_id))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(id: &str, title: &str, company: Option<&str>, place: &str) -> NormalizedOffer {
        NormalizedOffer {
            id: id.into(),
            title: title.into(),
            company_name: company.map(Into::into),
            location_name: Some(place.into()),
            department_code: Some(place[..2].into()),
            description: Some("Rejoignez notre &eacute;quipe data.".into()),
            ..Default::default()
        }
    }

    #[test]
    fn same_job_same_group_and_a_stable_id() {
        let rows = [
            offer(
                "1",
                "Data engineer (H/F)",
                Some("ACME SAS"),
                "75 - PARIS 08",
            ),
            offer(
                "2",
                "DATA ENGINEER F/H",
                Some("Acme"),
                "75 - Paris 8e Arrondissement, Paris",
            ),
            offer("3", "Data engineer", Some("Acme"), "69 - LYON 01"),
            offer("4", "Data analyst", Some("Acme"), "75 - PARIS 08"),
            offer("5", "Data engineer", None, "75 - PARIS 08"),
            offer("6", "Data engineer", None, "75 - PARIS 08"),
        ];
        let g = duplicate_groups(&rows);
        assert!(g[0].is_some());
        assert_eq!(g[0], g[1]);
        assert_eq!(&g[2..], &[None, None, None, None]);
        // The id depends on the job only.
        assert_eq!(
            duplicate_groups(&[rows[1].clone(), rows[0].clone()])[0],
            g[0]
        );
        assert_eq!(g[0].as_deref().map(str::len), Some(20));
        assert_eq!(duplicate_group(&rows[0]), g[0]);
        assert_eq!(duplicate_group(&rows[4]), None);
        let id = g[0].as_deref().unwrap();
        assert_eq!(parse_group_id(id).map(group_id).as_deref(), Some(id));
        assert_eq!(parse_group_id("dup-xyz"), None);
        assert_eq!(parse_group_id(""), None);
    }

    /// The words of `s` as the key reads them, joined by one space.
    fn joined(s: &str, noise: &[&str], map: fn(&str) -> Cow<'_, str>, limit: usize) -> String {
        let mut out: Vec<String> = Vec::new();
        each_word(s, noise, map, limit, |w| out.push(w.to_string()));
        out.join(" ")
    }

    fn description_opening(d: Option<&str>) -> String {
        d.map(|d| joined(&description_prefix(d), &[], same, DESCRIPTION_WORDS))
            .unwrap_or_default()
    }

    #[test]
    fn places_of_both_sources_read_alike() {
        assert_eq!(place_name("92 - SCEAUX"), "SCEAUX");
        assert_eq!(place_name("Sceaux, Antony"), "Sceaux");
        assert_eq!(place_name("2A - AJACCIO"), "AJACCIO");
        assert_eq!(place_name("Saint-Denis - Centre"), "Saint-Denis - Centre");
        let key = |label: &str| joined(place_name(label), &PLACE_NOISE, place_word, usize::MAX);
        assert_eq!(key("42 - ST ETIENNE"), "saint etienne");
        assert_eq!(key("Saint-Étienne, Loire"), "saint etienne");
        assert_eq!(key("69 - LYON 02"), "lyon 2");
        assert_eq!(key("Lyon 2e Arrondissement, Lyon"), "lyon 2");
        assert_eq!(key("75 - PARIS CEDEX 01"), "paris 1");
        assert_eq!(key("75 - Paris 1er Arrondissement"), "paris 1");
    }

    #[test]
    fn the_opening_of_the_description_tells_two_missions_apart() {
        assert_eq!(
            description_opening(Some("Un   t&eacute;l&eacute;travail\npartiel")),
            "un teletravail partiel"
        );
        let long = "mot ".repeat(200);
        assert_eq!(
            description_opening(Some(&long)),
            vec!["mot"; DESCRIPTION_WORDS].join(" ")
        );
        // An Adzuna snippet (the opening, cut, with an ellipsis) keys like the whole advert.
        let full = format!(
            "{} et la suite de l'annonce",
            "Nous recrutons un technicien ".repeat(6)
        );
        let snippet = format!("{}…", &full[..120]);
        assert_eq!(
            description_opening(Some(&full)),
            description_opening(Some(&snippet))
        );
        assert_eq!(description_opening(None), "");
        // An entity near the cut widens it: the word is read whole once decoded.
        let near = format!("{}t&eacute;l&eacute;travail partiel", "mot ".repeat(14));
        assert_eq!(
            description_opening(Some(&near)),
            format!("{}teletravail partiel", "mot ".repeat(14))
        );
    }
}
