//! The adaptive strategy: start broad, cut only what exceeds the cap.
//!
//! Invariant: the roots partition the query (all ROME codes in one list, no département filter
//! unless the user gave départements, then groups of five), and a cut that is not by time
//! partitions its slice too — except that offers without a département are only reachable through
//! the unfiltered parent, which is why that parent is still paged to the cap.

use super::slice::{Origin, SliceSpec};
use crate::source::france_travail::CreationWindow;
use crate::source::france_travail::params::{MAX_DEPARTEMENTS, MAX_ROME_CODES};

/// Every département code the API knows, in its order.
pub fn all_departements() -> Vec<String> {
    crate::simulator::geo::DEPTS
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
                rome_codes: r.clone(),
                departements: d.clone(),
                window,
            });
        }
    }
    out
}

/// How to cut a slice over the cap whose window cannot shrink: by département groups (when it has
/// no département filter), by single départements, then by single ROME codes. Empty when nothing
/// is left to cut.
pub fn cut_without_time(spec: &SliceSpec) -> Vec<(Origin, SliceSpec)> {
    if spec.departements.is_empty() {
        return all_departements()
            .chunks(MAX_DEPARTEMENTS)
            .map(|g| {
                (
                    Origin::Departements,
                    SliceSpec {
                        departements: g.to_vec(),
                        ..spec.clone()
                    },
                )
            })
            .collect();
    }
    if spec.departements.len() > 1 {
        return spec
            .departements
            .iter()
            .map(|d| {
                (
                    Origin::Departements,
                    SliceSpec {
                        departements: vec![d.clone()],
                        ..spec.clone()
                    },
                )
            })
            .collect();
    }
    if spec.rome_codes.len() > 1 {
        return spec
            .rome_codes
            .iter()
            .map(|r| {
                (
                    Origin::RomeCode,
                    SliceSpec {
                        rome_codes: vec![r.clone()],
                        ..spec.clone()
                    },
                )
            })
            .collect();
    }
    Vec::new()
}
