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
//!   and leading zeros read as numbers, and `arrondissement`/`cedex` (and a cedex number) dropped.
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

use std::collections::HashMap;

use super::offer::NormalizedOffer;
use super::remote::{decode_entities, fold};

/// Words dropped from titles: gender markers (`H/F`, `F/H`, `H/F/X`) and their letters.
const TITLE_NOISE: [&str; 4] = ["h", "f", "x", "hf"];

/// Words dropped from employer names: legal forms.
const EMPLOYER_NOISE: [&str; 6] = ["sa", "sas", "sarl", "sasu", "eurl", "groupe"];

/// Words dropped from place names.
const PLACE_NOISE: [&str; 2] = ["arrondissement", "cedex"];

/// How many opening words of the description enter the key.
pub const DESCRIPTION_WORDS: usize = 16;

/// The folded, alphanumeric words of `s` without `noise`, each passed through `map`, joined by
/// one space.
fn words_with(s: &str, noise: &[&str], map: fn(&str) -> std::borrow::Cow<'_, str>) -> String {
    let folded = fold(s);
    let mut out = String::with_capacity(folded.len());
    for w in folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !noise.contains(w))
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&map(w));
    }
    out
}

/// The folded, alphanumeric words of `s` without `noise`, joined by one space.
fn words(s: &str, noise: &[&str]) -> String {
    words_with(s, noise, |w| std::borrow::Cow::Borrowed(w))
}

/// A place word as both sources spell it: `st` → `saint`, `14e`/`1er`/`08` → `14`/`1`/`8`.
fn place_word(w: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    match w {
        "st" => return Cow::Borrowed("saint"),
        "ste" => return Cow::Borrowed("sainte"),
        _ => {}
    }
    let digits = w.bytes().take_while(u8::is_ascii_digit).count();
    let suffix = &w[digits..];
    if digits > 0 && ["", "e", "er", "eme", "ieme"].contains(&suffix) {
        let n = w[..digits].trim_start_matches('0');
        return Cow::Owned(if n.is_empty() { "0".into() } else { n.into() });
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

/// The place part of a key: the département code and the normalized place name; `None` without
/// either.
fn place_key(o: &NormalizedOffer) -> Option<String> {
    let name = words_with(
        place_name(o.location_name.as_deref().unwrap_or("")),
        &PLACE_NOISE,
        place_word,
    );
    let dept = o.department_code.as_deref().unwrap_or("");
    if dept.is_empty() && name.is_empty() {
        return None;
    }
    Some(format!("{dept} {name}"))
}

/// The first [`DESCRIPTION_WORDS`] words of the description, folded (empty without one). Only
/// the opening is decoded and folded, whatever the description's length.
fn description_opening(description: Option<&str>) -> String {
    let Some(d) = description else {
        return String::new();
    };
    // Cut after the wanted number of alphanumeric runs (plus a margin for entities, which may
    // split a word until decoded), on a character boundary.
    let mut runs = 0;
    let mut in_word = false;
    let mut end = d.len();
    for (i, c) in d.char_indices() {
        let alnum = c.is_alphanumeric();
        if alnum && !in_word {
            runs += 1;
            if runs > DESCRIPTION_WORDS * 3 {
                end = i;
                break;
            }
        }
        in_word = alnum;
    }
    let decoded = decode_entities(&d[..end]);
    let all = words(&decoded, &[]);
    all.split(' ')
        .take(DESCRIPTION_WORDS)
        .collect::<Vec<_>>()
        .join(" ")
}

/// FNV-1a, 64 bits: small, stable across platforms and Rust versions (unlike `DefaultHasher`).
fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0xFF]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01B3);
        }
    }
    h
}

/// A row's key, or `None` when it lacks a title, an employer or a place.
pub fn fingerprint(o: &NormalizedOffer) -> Option<u64> {
    let title = words(&decode_entities(&o.title), &TITLE_NOISE);
    let employer = words(
        &decode_entities(o.company_name.as_deref()?),
        &EMPLOYER_NOISE,
    );
    if title.is_empty() || employer.is_empty() {
        return None;
    }
    let place = place_key(o)?;
    let opening = description_opening(o.description.as_deref());
    Some(fnv1a(&[&title, &employer, &place, &opening]))
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

    #[test]
    fn places_of_both_sources_read_alike() {
        assert_eq!(place_name("92 - SCEAUX"), "SCEAUX");
        assert_eq!(place_name("Sceaux, Antony"), "Sceaux");
        assert_eq!(place_name("2A - AJACCIO"), "AJACCIO");
        assert_eq!(place_name("Saint-Denis - Centre"), "Saint-Denis - Centre");
        let key = |label: &str| words_with(place_name(label), &PLACE_NOISE, place_word);
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
    }
}
