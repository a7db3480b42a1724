//! Adzuna raw job → one row of the normalized schema (the same 66 columns as France Travail).
//!
//! Why: analysts want both sources in one file, so every Adzuna field lands in the column that
//! means the same thing (`docs/schema.md`, column "Adzuna source"). [`normalize_adzuna`] is a pure
//! function of the raw job, its context (country, the ROME code whose phrase found it) and the fetch
//! time. Invariants, as for France Travail: it never panics; a job is dropped only when it has no
//! usable `id` (counted as `adzuna: offer without id`); a value of an unexpected type becomes null
//! and is counted under `adzuna.<field>`; free text is copied verbatim except Adzuna's search
//! highlight tags (`<strong>`, `</strong>`), which are markup Adzuna adds, not text of the advert.
//! Specific rules:
//! - `redirect_url` loses every `utm_*` parameter (they carry the user's app id) and is used for
//!   both `application_url` and `source_url`; the other parameters are kept byte for byte;
//! - a predicted salary (`salary_is_predicted` = "1") keeps `salary_min`/`salary_max` but is never
//!   annualized: `salary_annual_*` are null unless the advert gave the salary ("0");
//! - `salary_currency` (the country's) and `salary_period` (`annuel`) are set only when an amount is;
//! - `department_code`/`region_name` come from `location.area` for French jobs only, through the
//!   same département table as France Travail (never guessed).

use chrono::{DateTime, Utc};

use super::departements::DEPARTEMENTS;
use super::duplicates::duplicate_group;
use super::france_travail::parse_timestamp;
use super::location::{Coordinates, check_coordinates, lone_coordinate, region_named};
use super::offer::NormalizedOffer;
use super::remote::{fold, remote_work};
use super::warnings::{Warnings, code, get};
use crate::source::adzuna::model::RawJob;
use crate::source::adzuna::{country_of_url, currency_of};
use crate::source::lenient::Lenient;

/// `application_url_source` of an Adzuna row: the advert's `redirect_url`.
pub const URL_FROM_REDIRECT: &str = "redirect_url";
/// `salary_source` of an Adzuna row with an amount.
pub const SALARY_FROM_ADZUNA: &str = "adzuna";
/// `department_source` of an Adzuna row: `location.area`.
pub const AREA: &str = "area";

/// The `source` column of Adzuna rows.
pub const SOURCE: &str = "adzuna";
/// The `origin_partner` column of Adzuna rows.
pub const ORIGIN_PARTNER: &str = "Adzuna";

/// Free text without Adzuna's highlight tags.
fn text(s: &str) -> String {
    if s.contains("strong>") {
        s.replace("<strong>", "").replace("</strong>", "")
    } else {
        s.to_string()
    }
}

/// `url` without its `utm_*` query parameters; every other byte is kept as it was.
pub fn strip_tracking(url: &str) -> String {
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((a, f)) => (a, Some(f)),
        None => (url, None),
    };
    let Some((base, query)) = before_fragment.split_once('?') else {
        return url.to_string();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|seg| {
            if seg.is_empty() {
                return false;
            }
            let key = form_urlencoded::parse(seg.as_bytes())
                .next()
                .map(|(k, _)| k.into_owned())
                .unwrap_or_default();
            !key.to_ascii_lowercase().starts_with("utm_")
        })
        .collect();
    let mut out = base.to_string();
    if !kept.is_empty() {
        out.push('?');
        out.push_str(&kept.join("&"));
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

fn key(s: &str) -> String {
    fold(s)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// The département named by a `location.area` element (`Hauts-de-Seine` → `92`), ignoring case,
/// accents, spaces, hyphens and apostrophes.
pub fn departement_named(name: &str) -> Option<&'static str> {
    let k = key(name);
    if k.is_empty() {
        return None;
    }
    DEPARTEMENTS
        .iter()
        .find(|d| key(d.name) == k)
        .map(|d| d.code)
}

/// Département and region of a French job from `location.area` (`["France", region, département,
/// …]`): the first element after the country that names a département gives both; otherwise an
/// element that names a region gives the region alone.
pub fn place_of_area(area: &[&str]) -> (Option<&'static str>, Option<&'static str>) {
    let below_country = area.get(1..).unwrap_or(&[]);
    for a in below_country {
        if let Some(code) = departement_named(a) {
            let region = DEPARTEMENTS
                .iter()
                .find(|d| d.code == code)
                .map(|d| d.region);
            return (Some(code), region);
        }
    }
    (None, below_country.iter().find_map(|a| region_named(a)))
}

/// Coordinates outside France: kept unless impossible (off the globe, or exactly 0, 0).
fn world_coordinates(lat: Option<f64>, lon: Option<f64>) -> Coordinates {
    match (lat, lon) {
        (Some(a), Some(o))
            if !a.is_finite()
                || !o.is_finite()
                || a.abs() > 90.0
                || o.abs() > 180.0
                || (a == 0.0 && o == 0.0) =>
        {
            Coordinates {
                dropped: true,
                ..Coordinates::default()
            }
        }
        (Some(_), Some(_)) => Coordinates {
            latitude: lat,
            longitude: lon,
            ..Coordinates::default()
        },
        _ => lone_coordinate(lat, lon),
    }
}

/// The country of a job when the caller does not know it: the landing URL's host, else the first
/// area element.
fn infer_country(redirect: Option<&str>, area: &[&str]) -> Option<&'static str> {
    if let Some(c) = redirect.and_then(country_of_url) {
        return Some(c);
    }
    match area.first().map(|a| key(a)).as_deref() {
        Some("france") => Some("fr"),
        Some("uk") | Some("unitedkingdom") => Some("gb"),
        Some("us") | Some("usa") | Some("unitedstates") => Some("us"),
        Some("deutschland") | Some("germany") => Some("de"),
        _ => None,
    }
}

/// Normalizes one Adzuna job. `country` is the search's country (`fr`, `gb`, …; inferred from the
/// job when `None`); `code_rome` is the ROME code whose search phrase found it, if any. `None` only
/// when the job has no usable id (counted as `adzuna: offer without id`).
pub fn normalize_adzuna(
    raw: &RawJob,
    country: Option<&str>,
    code_rome: Option<&str>,
    fetched_at: DateTime<Utc>,
    warnings: &mut Warnings,
) -> Option<NormalizedOffer> {
    let w = warnings;
    let Some(id) = code(&raw.id, "adzuna.id", w) else {
        w.note("adzuna: offer without id");
        return None;
    };
    let title = get(&raw.title, "adzuna.title", w)
        .map(|s| text(s))
        .unwrap_or_default();
    // Free text that is empty (perhaps once the highlight tags are gone) is null, as in the CSV.
    let description = get(&raw.description, "adzuna.description", w)
        .map(|s| text(s))
        .filter(|s| !s.is_empty());

    // Location.
    let location = get(&raw.location, "adzuna.location", w);
    let location_name = location
        .and_then(|l| code(&l.display_name, "adzuna.location.display_name", w))
        .map(text)
        .filter(|s| !s.is_empty());
    let mut area: Vec<&str> = Vec::new();
    if let Some(items) = location.and_then(|l| get(&l.area, "adzuna.location.area", w)) {
        for a in items {
            if let Some(s) = code(a, "adzuna.location.area[]", w) {
                area.push(s);
            }
        }
    }
    let redirect = code(&raw.redirect_url, "adzuna.redirect_url", w);
    let country = match country {
        Some(c) => Some(c.to_ascii_lowercase()),
        None => infer_country(redirect, &area).map(str::to_string),
    };
    let french = country.as_deref() == Some("fr");
    let (department_code, region_name) = if french {
        place_of_area(&area)
    } else {
        (None, None)
    };
    let lat = get(&raw.latitude, "adzuna.latitude", w).copied();
    let lon = get(&raw.longitude, "adzuna.longitude", w).copied();
    // The swap repair only knows metropolitan France; elsewhere impossible pairs are just dropped.
    let coords = if french {
        check_coordinates(lat, lon, department_code)
    } else {
        world_coordinates(lat, lon)
    };
    if coords.swapped {
        w.note("adzuna.latitude/longitude (swapped)");
    }
    if coords.dropped {
        w.note("adzuna.latitude/longitude (impossible coordinates dropped)");
    }

    // Contract.
    let contract_type = code(&raw.contract_type, "adzuna.contract_type", w).and_then(|c| {
        let mapped = match c {
            "permanent" => Some("CDI"),
            "contract" => Some("CDD"),
            _ => None,
        };
        if mapped.is_none() {
            w.note("adzuna.contract_type (unknown value)");
        }
        mapped
    });
    let working_hours = code(&raw.contract_time, "adzuna.contract_time", w).and_then(|c| {
        let mapped = match c {
            "full_time" => Some("Temps plein"),
            "part_time" => Some("Temps partiel"),
            _ => None,
        };
        if mapped.is_none() {
            w.note("adzuna.contract_time (unknown value)");
        }
        mapped
    });

    // Salary.
    let amount = |f: &Lenient<f64>, path: &'static str, w: &mut Warnings| {
        get(f, path, w).copied().filter(|v| {
            let ok = v.is_finite() && *v >= 0.0;
            if !ok {
                w.note("adzuna.salary (negative or not finite)");
            }
            ok
        })
    };
    let salary_min = amount(&raw.salary_min, "adzuna.salary_min", w);
    let salary_max = amount(&raw.salary_max, "adzuna.salary_max", w);
    let has_amount = salary_min.is_some() || salary_max.is_some();
    let predicted = code(&raw.salary_is_predicted, "adzuna.salary_is_predicted", w).and_then(|p| {
        match p.trim() {
            "1" => Some(true),
            "0" => Some(false),
            _ => {
                w.note("adzuna.salary_is_predicted (unknown value)");
                None
            }
        }
    });
    let advertised = predicted == Some(false);
    let currency = country.as_deref().and_then(currency_of);
    if has_amount && currency.is_none() {
        w.note("adzuna: salary in an unknown country's currency");
    }

    let category = get(&raw.category, "adzuna.category", w)
        .and_then(|c| code(&c.label, "adzuna.category.label", w));
    let company_name = get(&raw.company, "adzuna.company", w)
        .and_then(|c| code(&c.display_name, "adzuna.company.display_name", w));
    let created = code(&raw.created, "adzuna.created", w).and_then(|s| {
        let t = parse_timestamp(s);
        if t.is_none() {
            w.note("adzuna.created (unparsable)");
        }
        t
    });
    let url = redirect.map(strip_tracking).filter(|u| !u.is_empty());
    let remote = remote_work([title.as_str()].into_iter().chain(description.as_deref()));
    let url_source = url.as_ref().map(|_| URL_FROM_REDIRECT.to_string());
    let advertised_amount = advertised && has_amount;

    let mut row = NormalizedOffer {
        id: id.to_string(),
        source: SOURCE.to_string(),
        title,
        description,
        company_name: company_name.map(text).filter(|s| !s.is_empty()),
        location_name,
        latitude: coords.latitude,
        longitude: coords.longitude,
        date_created: created,
        date_updated: created,
        contract_type: contract_type.map(str::to_string),
        contract_duration: None,
        working_hours: working_hours.map(str::to_string),
        salary_min,
        salary_max,
        salary_currency: currency.filter(|_| has_amount).map(str::to_string),
        salary_period: has_amount.then(|| "annuel".to_string()),
        experience_required: None,
        category: category.map(str::to_string),
        sector: None,
        application_url: url.clone(),
        source_url: url,
        skills: None,
        remote_work: remote,
        is_handicap_accessible: None,
        code_rome: code_rome.map(str::to_string),
        langues: None,
        date_extraction: Some(fetched_at),
        department_code: department_code.map(str::to_string),
        region_name: region_name.map(str::to_string),
        commune_code: None,
        postal_code: None,
        contract_duration_months: None,
        working_hours_text: None,
        is_alternance: None,
        experience_code: None,
        experience_months: None,
        qualification: None,
        naf_code: None,
        company_size: None,
        positions: None,
        appellation: None,
        origin_partner: Some(ORIGIN_PARTNER.to_string()),
        salary_text: None,
        salary_comment: None,
        salary_months: None,
        salary_annual_min: salary_min.filter(|_| advertised),
        salary_annual_max: salary_max.filter(|_| advertised),
        salary_suspect: has_amount.then_some(false),
        salary_predicted: predicted,
        driving_licences: None,
        education_levels: None,
        application_url_source: url_source,
        salary_source: has_amount.then(|| SALARY_FROM_ADZUNA.to_string()),
        salary_gross_net: None,
        salary_annual_period: advertised_amount.then(|| "annuel".to_string()),
        salary_period_inferred: has_amount.then_some(false),
        weekly_hours: None,
        salary_hours_read: None,
        department_source: department_code.map(|_| AREA.to_string()),
        nature_contrat: None,
        offres_manque_candidats: None,
        salary_complements: None,
        deplacement: None,
        contexte_travail: None,
        duplicate_group: None,
    };
    row.duplicate_group = duplicate_group(&row);
    Some(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(json: &str) -> RawJob {
        serde_json::from_str(json).unwrap()
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn tracking_parameters_go_and_the_rest_stays_byte_for_byte() {
        assert_eq!(
            strip_tracking(
                "https://www.adzuna.fr/land/ad/2742818369?se=YMHu-VKH7BGgE7AJP-SUTw&utm_medium=api&utm_source=0a1b2c3d&v=43CA"
            ),
            "https://www.adzuna.fr/land/ad/2742818369?se=YMHu-VKH7BGgE7AJP-SUTw&v=43CA"
        );
        assert_eq!(
            strip_tracking("https://x/a?utm_source=1&UTM_Medium=2#top"),
            "https://x/a#top"
        );
        assert_eq!(
            strip_tracking("https://x/a?q=a%20b&&utm_x=1"),
            "https://x/a?q=a%20b"
        );
        assert_eq!(strip_tracking("https://x/a"), "https://x/a");
    }

    #[test]
    fn areas_name_departements_and_regions() {
        assert_eq!(
            place_of_area(&["France", "Ile-de-France", "Hauts-de-Seine", "Antony"]),
            (Some("92"), Some("Île-de-France"))
        );
        assert_eq!(
            place_of_area(&["France", "Provence-Alpes-Côte d'Azur", "Var", "Toulon"]),
            (Some("83"), Some("Provence-Alpes-Côte d'Azur"))
        );
        assert_eq!(
            place_of_area(&["France", "Grand-Est"]),
            (None, Some("Grand Est"))
        );
        assert_eq!(place_of_area(&["France"]), (None, None));
        assert_eq!(departement_named("cotes d'armor"), Some("22"));
    }

    #[test]
    fn a_predicted_salary_is_kept_but_not_annualized() {
        let mut w = Warnings::default();
        let o = normalize_adzuna(
            &job(
                r#"{"id":"7","title":"<strong>Data</strong> engineer","salary_min":50000,"salary_max":60000.5,
                    "salary_is_predicted":"1","contract_type":"contract","contract_time":"part_time",
                    "created":"2025-07-10T12:38:15Z","redirect_url":"https://www.adzuna.com/land/ad/7?utm_source=me&v=1"}"#,
            ),
            None,
            Some("M1811"),
            now(),
            &mut w,
        )
        .unwrap();
        assert_eq!(o.title, "Data engineer");
        assert_eq!((o.salary_min, o.salary_max), (Some(50000.0), Some(60000.5)));
        assert_eq!(o.salary_predicted, Some(true));
        assert_eq!((o.salary_annual_min, o.salary_annual_max), (None, None));
        assert_eq!(o.salary_currency.as_deref(), Some("USD"));
        assert_eq!(o.salary_period.as_deref(), Some("annuel"));
        assert_eq!(o.contract_type.as_deref(), Some("CDD"));
        assert_eq!(o.working_hours.as_deref(), Some("Temps partiel"));
        assert_eq!(o.code_rome.as_deref(), Some("M1811"));
        assert_eq!(
            o.application_url.as_deref(),
            Some("https://www.adzuna.com/land/ad/7?v=1")
        );
        assert_eq!(o.date_created, o.date_updated);
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn odd_values_become_null_and_are_counted() {
        let mut w = Warnings::default();
        let o = normalize_adzuna(
            &job(
                r#"{"id":"8","latitude":"x","salary_is_predicted":2,"contract_type":"freelance",
                    "created":"yesterday","salary_min":-5,"location":{"area":"France"}}"#,
            ),
            Some("fr"),
            None,
            now(),
            &mut w,
        )
        .unwrap();
        assert_eq!(o.latitude, None);
        assert_eq!(o.salary_predicted, None);
        assert_eq!(o.contract_type, None);
        assert_eq!(o.date_created, None);
        assert_eq!(o.salary_min, None);
        assert_eq!(o.salary_currency, None);
        assert_eq!(o.salary_suspect, None);
        for k in [
            "adzuna.latitude",
            "adzuna.salary_is_predicted",
            "adzuna.contract_type (unknown value)",
            "adzuna.created (unparsable)",
            "adzuna.salary (negative or not finite)",
            "adzuna.location.area",
        ] {
            assert_eq!(w.count(k), 1, "{k}: {w:?}");
        }
        let mut w = Warnings::default();
        assert!(normalize_adzuna(&job(r#"{"id":12}"#), None, None, now(), &mut w).is_none());
        assert_eq!(w.count("adzuna: offer without id"), 1);
    }
}
