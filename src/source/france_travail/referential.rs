//! The query's ROME codes checked against the API's own list (`GET /v2/referentiel/metiers`),
//! once per run, before any file is touched.
//!
//! Why: a mistyped code (`--rome M9999`) matches nothing, and a scheduled run would then record an
//! empty dataset every day. Invariants: one referential call per run; only a code absent from a
//! list the API did serve is refused (a referential that cannot be read — an older API, a stub,
//! a network failure — is logged and the codes pass unchecked, since the search itself is the
//! authority); refused credentials and an interruption are left to the run, which reports them as
//! it always does.

use crate::error::{ApiError, Error};

use crate::source::france_travail::FranceTravailClient;

/// Checks `codes` against the referential the API serves. `Err` only for codes it does not list
/// ([`Error::UnknownRomeCodes`]).
pub fn check_rome_codes(client: &FranceTravailClient, codes: &[String]) -> Result<(), Error> {
    let listed = match client.referentiel("metiers") {
        Ok(v) => v,
        // The run meets them again at once and reports them as it always does (credentials
        // refused: exit 1; interrupted: a checkpoint and exit 130).
        Err(e @ (ApiError::Credentials { .. } | ApiError::Interrupted)) => {
            log::debug!("the ROME referential was not read ({e}): the run reports it");
            return Ok(());
        }
        Err(e) => {
            log::warn!(
                "the ROME referential could not be read ({e}): the ROME codes are not checked"
            );
            return Ok(());
        }
    };
    if listed.is_empty() {
        log::warn!("the ROME referential is empty: the ROME codes are not checked");
        return Ok(());
    }
    let unknown: Vec<String> = codes
        .iter()
        .filter(|c| !listed.iter().any(|r| r.code == **c))
        .cloned()
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    // Listed codes of the same family (letter and first two digits) as the first unknown one.
    let family = &unknown[0][..unknown[0].len().min(3)];
    let near = listed
        .iter()
        .filter(|r| r.code.starts_with(family))
        .take(5)
        .map(|r| format!("{} ({})", r.code, r.libelle))
        .collect();
    Err(Error::UnknownRomeCodes {
        unknown,
        listed: listed.len(),
        near,
    })
}
