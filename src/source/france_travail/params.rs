//! The typed parameters of `GET /v2/offres/search`, and their rules.
//!
//! Invariant: a [`SearchParams`] that passes [`SearchParams::validate`] is accepted by the API (the
//! simulator enforces the same rules from the same constants); the creation window is always sent
//! as both bounds in the exact `yyyy-MM-ddTHH:mm:ssZ` format.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// Most offers one page can hold.
pub const MAX_PAGE_SIZE: u32 = 150;
/// Highest first index of a range.
pub const MAX_RANGE_START: u32 = 3000;
/// Highest last index of a range.
pub const MAX_RANGE_END: u32 = 3149;
/// Offers reachable for one query: `MAX_RANGE_END + 1`.
pub const RESULT_CAP: u32 = MAX_RANGE_END + 1;
/// Most départements in one query.
pub const MAX_DEPARTEMENTS: usize = 5;
/// Most ROME codes in one query.
pub const MAX_ROME_CODES: usize = 200;
/// Most communes in one query.
pub const MAX_COMMUNES: usize = 5;
/// Accepted values of `publieeDepuis`.
pub const PUBLIEE_DEPUIS: [u32; 5] = [1, 3, 7, 14, 31];
/// The exact date format of `minCreationDate` / `maxCreationDate`.
pub const DATE_FORMAT: &str = "%Y-%m-%dT%H:%M:%SZ";

/// Formats a creation bound (UTC, seconds, literal `Z`).
pub fn format_date(d: &DateTime<Utc>) -> String {
    d.format(DATE_FORMAT).to_string()
}

/// Parses a creation bound in the API's exact format.
pub fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    if s.len() != 20 {
        return None;
    }
    NaiveDateTime::parse_from_str(s, DATE_FORMAT)
        .ok()
        .map(|n| Utc.from_utc_datetime(&n))
}

/// The sort orders of the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sort {
    /// `0`: relevance, then creation date.
    Relevance = 0,
    /// `1`: creation date, newest first.
    CreationDesc = 1,
    /// `2`: distance.
    Distance = 2,
}

/// A creation-date window, both bounds included as far as the API is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreationWindow {
    pub min: DateTime<Utc>,
    pub max: DateTime<Utc>,
}

/// Every documented search parameter that the collector can use.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchParams {
    /// `codeROME`: up to 200 codes.
    pub rome_codes: Vec<String>,
    /// `departement`: up to 5 codes.
    pub departements: Vec<String>,
    /// `motsCles`: keywords, AND-combined, each at least 2 characters.
    pub mots_cles: Option<String>,
    /// `minCreationDate` + `maxCreationDate`.
    pub window: Option<CreationWindow>,
    /// `publieeDepuis`: 1, 3, 7, 14 or 31 days.
    pub publiee_depuis: Option<u32>,
    /// `range`: first and last index, inclusive.
    pub range: Option<(u32, u32)>,
    /// `sort`.
    pub sort: Option<Sort>,
    /// `typeContrat`: CDI, CDD, MIS, …
    pub type_contrat: Vec<String>,
    /// `natureContrat`: E1, E2, FS, …
    pub nature_contrat: Vec<String>,
    /// `commune`: INSEE codes, up to 5.
    pub commune: Vec<String>,
    /// `distance` around the commune, km.
    pub distance: Option<u32>,
    /// `region`: a region code.
    pub region: Option<String>,
    /// `paysContinent`.
    pub pays_continent: Option<String>,
    /// `experience`: 1, 2 or 3.
    pub experience: Option<String>,
    /// `qualification`: 0 (non-cadre) or 9 (cadre).
    pub qualification: Option<String>,
    /// `tempsPlein`.
    pub temps_plein: Option<bool>,
    /// `origineOffre`: 1 France Travail, 2 partner.
    pub origine_offre: Option<u8>,
    /// `accesTravailleurHandicape`.
    pub acces_travailleur_handicape: Option<bool>,
}

impl SearchParams {
    /// Checks the API's rules; the error is the API's own French message where it has one.
    pub fn validate(&self) -> Result<(), String> {
        if let Some((p, d)) = self.range {
            check_range(p, d)?;
        }
        if self.departements.len() > MAX_DEPARTEMENTS {
            return Err(param_error("departement"));
        }
        if self.rome_codes.len() > MAX_ROME_CODES {
            return Err(param_error("codeROME"));
        }
        if self.commune.len() > MAX_COMMUNES {
            return Err(param_error("commune"));
        }
        if let Some(p) = self.publiee_depuis
            && !PUBLIEE_DEPUIS.contains(&p)
        {
            return Err(param_error("publieeDepuis"));
        }
        if let Some(m) = &self.mots_cles {
            check_mots_cles(m)?;
        }
        if let Some(w) = &self.window
            && w.min > w.max
        {
            return Err("La date de début doit être antérieure à la date de fin.".to_string());
        }
        Ok(())
    }

    /// The query string pairs, in a fixed order.
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::with_capacity(8);
        let list = |v: &[String]| v.join(",");
        if !self.rome_codes.is_empty() {
            q.push(("codeROME", list(&self.rome_codes)));
        }
        if !self.departements.is_empty() {
            q.push(("departement", list(&self.departements)));
        }
        if let Some(m) = &self.mots_cles {
            q.push(("motsCles", m.clone()));
        }
        if let Some(w) = &self.window {
            q.push(("minCreationDate", format_date(&w.min)));
            q.push(("maxCreationDate", format_date(&w.max)));
        }
        if let Some(p) = self.publiee_depuis {
            q.push(("publieeDepuis", p.to_string()));
        }
        if !self.type_contrat.is_empty() {
            q.push(("typeContrat", list(&self.type_contrat)));
        }
        if !self.nature_contrat.is_empty() {
            q.push(("natureContrat", list(&self.nature_contrat)));
        }
        if !self.commune.is_empty() {
            q.push(("commune", list(&self.commune)));
        }
        if let Some(d) = self.distance {
            q.push(("distance", d.to_string()));
        }
        if let Some(r) = &self.region {
            q.push(("region", r.clone()));
        }
        if let Some(p) = &self.pays_continent {
            q.push(("paysContinent", p.clone()));
        }
        if let Some(e) = &self.experience {
            q.push(("experience", e.clone()));
        }
        if let Some(v) = &self.qualification {
            q.push(("qualification", v.clone()));
        }
        if let Some(v) = self.temps_plein {
            q.push(("tempsPlein", v.to_string()));
        }
        if let Some(v) = self.origine_offre {
            q.push(("origineOffre", v.to_string()));
        }
        if let Some(v) = self.acces_travailleur_handicape {
            q.push(("accesTravailleurHandicape", v.to_string()));
        }
        if let Some(s) = self.sort {
            q.push(("sort", (s as u8).to_string()));
        }
        if let Some((p, d)) = self.range {
            q.push(("range", format!("{p}-{d}")));
        }
        q
    }
}

/// The API's message for an unusable parameter value.
pub fn param_error(name: &str) -> String {
    format!("Valeur du paramètre « {name} » incorrecte.")
}

/// The API's range rules.
pub fn check_range(p: u32, d: u32) -> Result<(), String> {
    if d < p {
        return Err(param_error("range"));
    }
    if d - p + 1 > MAX_PAGE_SIZE {
        return Err("La plage de résultats demandée est trop importante.".to_string());
    }
    if p > MAX_RANGE_START {
        return Err("La position de début doit être inférieure ou égale à 3000.".to_string());
    }
    if d > MAX_RANGE_END {
        return Err("La position de fin doit être inférieure ou égale à 3149.".to_string());
    }
    Ok(())
}

/// `motsCles`: comma-separated keywords of at least 2 characters each.
pub fn check_mots_cles(m: &str) -> Result<(), String> {
    let words = keywords(m);
    if words.is_empty() || words.iter().any(|w| w.chars().count() < 2) {
        return Err("Le mot-clé doit contenir au moins 2 caractères.".to_string());
    }
    Ok(())
}

/// Splits a `motsCles` value into its keywords (commas and spaces separate them).
pub fn keywords(m: &str) -> Vec<&str> {
    m.split([',', ' '])
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .collect()
}

/// Parses `Content-Range: offres 0-149/496` (also `offres */0`, `metiers */1911`).
/// Returns the range shown, if any, and the total. A range shown always has first ≤ last < total.
pub fn parse_content_range(value: &str) -> Option<(Option<(u64, u64)>, u64)> {
    let v = value.trim();
    let (_unit, rest) = v.split_once(' ')?;
    let (range, total) = rest.trim().split_once('/')?;
    let total: u64 = total.trim().parse().ok()?;
    if range.trim() == "*" {
        return Some((None, total));
    }
    let (a, b) = range.trim().split_once('-')?;
    let a: u64 = a.trim().parse().ok()?;
    let b: u64 = b.trim().parse().ok()?;
    // RFC 9110 §14.4: invalid when last < first or when last ≥ the complete length (the API clips
    // `last` to `total - 1`).
    if b < a || b >= total {
        return None;
    }
    Some((Some((a, b)), total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_shapes() {
        assert_eq!(
            parse_content_range("offres 0-149/496"),
            Some((Some((0, 149)), 496))
        );
        assert_eq!(
            parse_content_range("offres 300-352/353"),
            Some((Some((300, 352)), 353))
        );
        assert_eq!(parse_content_range("offres */0"), Some((None, 0)));
        assert_eq!(parse_content_range("metiers */1911"), Some((None, 1911)));
        assert_eq!(
            parse_content_range(" offres  0-0/1 "),
            Some((Some((0, 0)), 1))
        );
        for bad in [
            "",
            "offres",
            "offres 0-149",
            "offres a-b/3",
            "offres 5-2/9",
            // Found by fuzzing: a range ending at or past the total is inconsistent.
            "offres 0-149/100",
            "offres 0-0/0",
            "offres 42880953540608-18446744073709551615/0",
            "offres 0-1/x",
            "0-149/496",
        ] {
            assert_eq!(parse_content_range(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn range_rules_and_messages() {
        assert!(check_range(0, 149).is_ok());
        assert!(check_range(3000, 3149).is_ok());
        assert_eq!(
            check_range(0, 150).unwrap_err(),
            "La plage de résultats demandée est trop importante."
        );
        assert_eq!(
            check_range(3001, 3010).unwrap_err(),
            "La position de début doit être inférieure ou égale à 3000."
        );
        assert_eq!(
            check_range(3000, 3150).unwrap_err(),
            "La plage de résultats demandée est trop importante."
        );
        assert_eq!(
            check_range(10, 5).unwrap_err(),
            "Valeur du paramètre « range » incorrecte."
        );
    }

    #[test]
    fn dates_round_trip_in_the_exact_format() {
        let d = parse_date("2024-11-28T14:23:11Z").unwrap();
        assert_eq!(format_date(&d), "2024-11-28T14:23:11Z");
        assert_eq!(parse_date("2024-11-28T14:23:11.000Z"), None);
        assert_eq!(parse_date("2024-11-28 14:23:11Z"), None);
        assert_eq!(parse_date("2024-11-28T14:23:11"), None);
    }

    #[test]
    fn query_pairs_send_both_bounds() {
        let p = SearchParams {
            rome_codes: vec!["M1811".into(), "M1405".into()],
            departements: vec!["75".into(), "2A".into()],
            window: Some(CreationWindow {
                min: parse_date("2024-01-01T00:00:00Z").unwrap(),
                max: parse_date("2024-02-01T00:00:00Z").unwrap(),
            }),
            range: Some((150, 299)),
            sort: Some(Sort::CreationDesc),
            ..Default::default()
        };
        assert!(p.validate().is_ok());
        let q = p.query_pairs();
        assert_eq!(
            q,
            vec![
                ("codeROME", "M1811,M1405".to_string()),
                ("departement", "75,2A".to_string()),
                ("minCreationDate", "2024-01-01T00:00:00Z".to_string()),
                ("maxCreationDate", "2024-02-01T00:00:00Z".to_string()),
                ("sort", "1".to_string()),
                ("range", "150-299".to_string()),
            ]
        );
    }

    #[test]
    fn validation() {
        let six = SearchParams {
            departements: vec!["01".into(); 6],
            ..Default::default()
        };
        assert_eq!(
            six.validate().unwrap_err(),
            "Valeur du paramètre « departement » incorrecte."
        );
        let pd = SearchParams {
            publiee_depuis: Some(2),
            ..Default::default()
        };
        assert!(pd.validate().is_err());
        let kw = SearchParams {
            mots_cles: Some("data,a".into()),
            ..Default::default()
        };
        assert!(kw.validate().is_err());
        assert_eq!(
            keywords("data engineer, python"),
            vec!["data", "engineer", "python"]
        );
    }
}
