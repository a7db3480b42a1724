//! Cutting a slice by a filter that partitions the offers, for a grain unit (one creation second,
//! usually) holding more offers than a page.
//!
//! Invariant: a cut never claims completeness by itself. Its parts are checked by totals (the API
//! may leave offers out of every part: filtering on an attribute excludes offers where it is
//! empty, e.g. offers without a département); what the parts do not cover is fetched through the
//! parent, whose own pages are repeated until the offers held reach its total.

use super::adaptive::all_departements;
use super::slice::{Origin, SliceSpec};
use crate::source::france_travail::params::MAX_DEPARTEMENTS;

/// Contract types (`typeContrat`) the API documents; an offer has exactly one.
pub const CONTRACT_TYPES: &[&str] = &[
    "CDI", "CDD", "MIS", "SAI", "DDI", "DIN", "FRA", "LIB", "CCE", "TTI", "DDT",
];

/// At most this many parts per ROME cut (a query may carry up to 200 codes).
const MAX_ROME_PARTS: usize = 8;

/// The next cut of `spec`, by the first filter it does not use yet: ROME code groups, single ROME
/// codes, contract types, département groups, single départements. Empty when nothing is left.
/// Filters every offer carries (ROME code, contract type) come first: their parts add up to the
/// whole; a département cut leaves out the offers without one, which only the parent reaches.
pub fn cut(spec: &SliceSpec) -> Vec<(Origin, SliceSpec)> {
    let with = |f: &dyn Fn(&mut SliceSpec)| {
        let mut s = spec.clone();
        f(&mut s);
        s
    };
    if spec.rome_codes.len() > 1 {
        let size = spec.rome_codes.len().div_ceil(MAX_ROME_PARTS);
        return spec
            .rome_codes
            .chunks(size)
            .map(|g| (Origin::RomeCode, with(&|s| s.rome_codes = g.to_vec())))
            .collect();
    }
    if spec.type_contrat.is_empty() {
        return CONTRACT_TYPES
            .iter()
            .map(|c| {
                (
                    Origin::ContractType,
                    with(&|s| s.type_contrat = vec![c.to_string()]),
                )
            })
            .collect();
    }
    if spec.departements.is_empty() {
        return all_departements()
            .chunks(MAX_DEPARTEMENTS)
            .map(|g| {
                let g = g.to_vec();
                (Origin::Departements, with(&|s| s.departements = g.clone()))
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
                    with(&|s| s.departements = vec![d.clone()]),
                )
            })
            .collect();
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::france_travail::CreationWindow;

    #[test]
    fn cuts_go_rome_then_contract_then_departements() {
        let mut spec = SliceSpec {
            rome_codes: vec!["M1811".into(), "M1405".into()],
            departements: vec![],
            type_contrat: vec![],
            window: CreationWindow {
                min: Default::default(),
                max: Default::default(),
            },
        };
        let c = cut(&spec);
        assert_eq!(c.len(), 2);
        assert_eq!(c[1].1.rome_codes, vec!["M1405".to_string()]);
        spec.rome_codes = vec!["M1811".into()];
        assert_eq!(cut(&spec).len(), CONTRACT_TYPES.len());
        spec.type_contrat = vec!["CDI".into()];
        let c = cut(&spec);
        assert_eq!(c.len(), 21);
        assert_eq!(
            c.iter().map(|(_, s)| s.departements.len()).sum::<usize>(),
            101
        );
        spec.departements = vec!["75".into(), "69".into()];
        assert_eq!(cut(&spec).len(), 2);
        spec.departements = vec!["75".into()];
        assert!(cut(&spec).is_empty());
    }
}
