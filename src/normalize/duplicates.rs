//! Duplicate detection over a collection: the same job posted more than once (a partner feed's
//! reposts under new ids, an Adzuna copy of a France Travail offer).
//!
//! A row's fingerprint is the hash of normalized parts: title, employer, place, contract and, for
//! France Travail rows, the ROME code (see [`fingerprint`]). Rows sharing a fingerprint form a group; [`duplicate_groups`] gives each row
//! of a group of two or more the group's id, `dup-<16 hex digits>`, derived from the fingerprint
//! alone, so the same job gets the same id in every run and every collection (stable). Invariants:
//! a row without a title, an employer or a place is never grouped (too little to tell two jobs
//! apart); rows are never dropped or reordered — analysts choose to deduplicate.
//!
//! Not done yet (issue 17): wiring the id into the outputs (a `duplicate_group` column), matching
//! across sources (Adzuna rows carry no ROME code of their own and no postal code, so an Adzuna copy
//! of a France Travail offer does not get its fingerprint), text similarity over descriptions, and
//! `repost_of` in history datasets.

use std::collections::HashMap;

use super::offer::NormalizedOffer;
use super::remote::fold;

/// Words dropped from titles: gender markers (`H/F`, `F/H`, `H/F/X`) and their letters.
const TITLE_NOISE: [&str; 4] = ["h", "f", "x", "hf"];

/// Words dropped from employer names: legal forms.
const EMPLOYER_NOISE: [&str; 6] = ["sa", "sas", "sarl", "sasu", "eurl", "groupe"];

/// The folded, alphanumeric words of `s` without `noise`, joined by one space.
fn words(s: &str, noise: &[&str]) -> String {
    let folded = fold(s);
    let mut out = String::with_capacity(folded.len());
    for w in folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !noise.contains(w))
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// The place part of a fingerprint: the postal code, else the commune code, else the département
/// with the folded location name; `None` without any.
fn place_key(o: &NormalizedOffer) -> Option<String> {
    if let Some(p) = o.postal_code.as_deref().filter(|p| !p.trim().is_empty()) {
        return Some(format!("p{}", p.trim()));
    }
    if let Some(c) = o.commune_code.as_deref().filter(|c| !c.trim().is_empty()) {
        return Some(format!("c{}", c.trim()));
    }
    let d = o.department_code.as_deref()?;
    Some(format!(
        "d{d} {}",
        words(o.location_name.as_deref().unwrap_or(""), &[])
    ))
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

/// A row's fingerprint, or `None` when it lacks a title, an employer or a place.
pub fn fingerprint(o: &NormalizedOffer) -> Option<u64> {
    let title = words(&o.title, &TITLE_NOISE);
    let employer = words(o.company_name.as_deref()?, &EMPLOYER_NOISE);
    if title.is_empty() || employer.is_empty() {
        return None;
    }
    let place = place_key(o)?;
    let contract = o.contract_type.as_deref().unwrap_or("");
    // Within France Travail the ROME code tells apart an agency's different jobs under one title
    // (143KHYK / 143KHYL: two ADEQUAT INTERIM operator missions, codes H1503 and H2901, posted a
    // second apart). Other sources have no code of their own, so the code is only used there.
    let rome = match o.source.as_str() {
        super::france_travail::SOURCE => o.code_rome.as_deref().unwrap_or(""),
        _ => "",
    };
    Some(fnv1a(&[&title, &employer, &place, contract, rome]))
}

/// The id of a fingerprint's group.
pub fn group_id(fingerprint: u64) -> String {
    format!("dup-{fingerprint:016x}")
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

    fn offer(
        id: &str,
        title: &str,
        company: Option<&str>,
        postal: Option<&str>,
    ) -> NormalizedOffer {
        NormalizedOffer {
            id: id.into(),
            title: title.into(),
            company_name: company.map(Into::into),
            postal_code: postal.map(Into::into),
            contract_type: Some("CDI".into()),
            ..Default::default()
        }
    }

    #[test]
    fn same_job_same_group_and_a_stable_id() {
        let rows = [
            offer("1", "Data engineer (H/F)", Some("ACME SAS"), Some("75008")),
            offer("2", "DATA ENGINEER F/H", Some("Acme"), Some("75008")),
            offer("3", "Data engineer", Some("Acme"), Some("69001")),
            offer("4", "Data analyst", Some("Acme"), Some("75008")),
            offer("5", "Data engineer", None, Some("75008")),
            offer("6", "Data engineer", None, Some("75008")),
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
    }
}
