//! The query: what to collect (`--rome`, `--departements`, `--search`, `--months`, `--strategy`,
//! `--results-per-page`), checked and typed.

use crate::cli::args::{CollectArgs, SourceArg, StrategyArg};
use ftcollect::collect::DEFAULT_ROME_CODES;
use ftcollect::collect::checkpoint::QueryKey;
use ftcollect::error::Error;
use ftcollect::normalize::departements;
use ftcollect::source::france_travail::plan::Strategy;

/// Resolves the query options into the key a checkpoint and a dataset record.
pub fn resolve(a: &CollectArgs) -> Result<QueryKey, Error> {
    let rome_codes = if a.rome.is_empty() {
        DEFAULT_ROME_CODES.iter().map(|s| s.to_string()).collect()
    } else {
        check_rome_codes(&a.rome)?
    };
    let departements = if a.departements.is_empty() {
        None
    } else {
        Some(check_departements(&a.departements)?)
    };
    let search = match a.search.as_deref().map(str::trim) {
        None => None,
        // An empty value (often an unset shell variable) would silently collect everything.
        Some("") => {
            return Err(Error::Usage(
                "--search is empty: give keywords (e.g. --search \"data engineer\"), or omit --search to collect \
                 every offer of the ROME codes."
                    .into(),
            ));
        }
        Some(s) => {
            // France Travail's `motsCles` rule; Adzuna's `what` takes any words.
            if a.source.contains(&SourceArg::FranceTravail) {
                ftcollect::source::france_travail::params::check_mots_cles(s).map_err(|_| {
                    let short: Vec<&str> = ftcollect::source::france_travail::params::keywords(s)
                        .into_iter()
                        .filter(|w| w.chars().count() < 2)
                        .collect();
                    Error::Usage(if short.is_empty() {
                        format!(
                            "--search `{s}` holds no keyword: give words of at least 2 characters, or omit --search."
                        )
                    } else {
                        format!(
                            "--search `{s}`: France Travail needs at least 2 characters in every keyword, and `{}` \
                             {} shorter. Remove the short word(s) or lengthen them (e.g. `r` → `rust`).",
                            short.join("`, `"),
                            if short.len() > 1 { "are" } else { "is" }
                        )
                    })
                })?;
            }
            Some(s.to_string())
        }
    };
    Ok(QueryKey {
        sources: super::sources::sources_of(&a.source).names(),
        rome_codes,
        departements,
        search,
        months: a.months,
        strategy: match a.strategy {
            StrategyArg::Adaptive => Strategy::Adaptive,
            StrategyArg::Grid => Strategy::Grid,
        },
        results_per_page: a.results_per_page,
    })
}

/// Checks ROME codes: one letter A–N and four digits.
pub fn check_rome_codes(codes: &[String]) -> Result<Vec<String>, Error> {
    let mut out: Vec<String> = Vec::new();
    for c in codes {
        let c = c.trim().to_ascii_uppercase();
        if c.is_empty() {
            continue;
        }
        let b = c.as_bytes();
        let ok =
            b.len() == 5 && (b'A'..=b'N').contains(&b[0]) && b[1..].iter().all(u8::is_ascii_digit);
        if !ok {
            return Err(Error::Usage(format!(
                "--rome: `{c}` is not a ROME code. A ROME code is a letter A–N and four digits, such as M1811 (data engineer); \
                 separate several with commas."
            )));
        }
        if !out.contains(&c) {
            out.push(c);
        }
    }
    if out.is_empty() {
        return Err(Error::Usage(
            "--rome is empty: give at least one ROME code, such as M1811.".into(),
        ));
    }
    Ok(out)
}

/// Checks département codes against the API's 101 codes (`1` is read as `01`).
pub fn check_departements(codes: &[String]) -> Result<Vec<String>, Error> {
    let mut out: Vec<String> = Vec::new();
    for c in codes {
        let mut c = c.trim().to_ascii_uppercase();
        if c.is_empty() {
            continue;
        }
        if c.len() == 1 && c.as_bytes()[0].is_ascii_digit() {
            c = format!("0{c}");
        }
        if !departements::is_departement(&c) {
            let hint = if c == "20" {
                " Corsica is 2A and 2B."
            } else {
                ""
            };
            return Err(Error::Usage(format!(
                "--departements: `{c}` is not a département code the API knows. Use 01…19, 2A, 2B, 21…95, 971, 972, 973, 974 or 976.{hint}"
            )));
        }
        if !out.contains(&c) {
            out.push(c);
        }
    }
    if out.is_empty() {
        return Err(Error::Usage(
            "--departements is empty: omit it to collect every département.".into(),
        ));
    }
    Ok(out)
}
