//! The adaptive strategy: start broad, cut only what exceeds the cap.
//!
//! Invariant: the roots partition the query (all ROME codes in one list, no département filter
//! unless the user gave départements, then groups of five); everything finer is decided by the
//! plan from what the API returns.

use super::slice::SliceSpec;
use crate::source::france_travail::CreationWindow;
use crate::source::france_travail::params::{MAX_DEPARTEMENTS, MAX_ROME_CODES};

/// Every département code the API knows, in its order (the one shared table,
/// [`crate::normalize::departements`]).
pub fn all_departements() -> Vec<String> {
    crate::normalize::departements::DEPARTEMENTS
        .iter()
        .map(|d| d.code.to_string())
        .collect()
}

/// The starting slices: the whole window, all ROME codes together (in lists of at most 200), and
/// no département filter — or the user's départements in groups of five.
pub fn roots(
    rome_codes: &[String],
    departements: Option<&[String]>,
    window: CreationWindow,
) -> Vec<SliceSpec> {
    let rome_groups: Vec<Vec<String>> = rome_codes
        .chunks(MAX_ROME_CODES)
        .map(|c| c.to_vec())
        .collect();
    let dept_groups: Vec<Vec<String>> = match departements {
        None => vec![Vec::new()],
        Some(d) => d.chunks(MAX_DEPARTEMENTS).map(|c| c.to_vec()).collect(),
    };
    let mut out = Vec::new();
    for r in &rome_groups {
        for d in &dept_groups {
            out.push(SliceSpec {
                type_contrat: Vec::new(),
                rome_codes: r.clone(),
                departements: d.clone(),
                window,
            });
        }
    }
    out
}
