//! France Travail raw offer → one row of the normalized schema.
//!
//! [`normalize_france_travail`] is a pure function of the raw offer and the fetch time: the same input
//! always gives the same row, whatever the thread. It fills every one of the 66 columns (Adzuna-only
//! ones get their documented France Travail value, e.g. `salary_predicted` = false). The invariants:
//! it never panics; an offer is dropped only when it has no usable `id` (counted as
//! `offer without id`); a raw value of an unexpected type (`Lenient::Invalid`) becomes null and is
//! counted under its raw field path (`lieuTravail.latitude`); free text (title, description, salary
//! comment) is copied verbatim. Parsing rules live in `salary`, `location` and `remote`, and in the
//! small parsers below (contract duration, experience, dates); `docs/schema.md` documents them all.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};

use super::duplicates::duplicate_group;
use super::location::{Evidence, check_coordinates, place_with};
use super::offer::NormalizedOffer;
use super::remote::{fold, remote_work_with_exercise};
use super::salary::{Salary, parse_salary_on, weekly_hours};
use super::salary_comment::parse_salary_comment;
use super::warnings::{Warnings, code, get};
use crate::source::france_travail::model::RawOffer;
use crate::source::lenient::Lenient;

/// The `source` column of France Travail rows.
pub const SOURCE: &str = "france_travail";

/// Days in an average month (365.25 / 12), to express contract durations given in days or weeks.
pub const DAYS_PER_MONTH: f64 = 30.4375;

fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_string)
}

fn copy<T: Copy>(field: &Lenient<T>, path: &'static str, w: &mut Warnings) -> Option<T> {
    get(field, path, w).copied()
}

/// The non-blank `label` of each element of a list of objects (`competences[].libelle`).
fn labels<T>(
    list: &Lenient<Vec<Lenient<T>>>,
    list_path: &'static str,
    elem_path: &'static str,
    label_path: &'static str,
    label: impl Fn(&T) -> &Lenient<String>,
    w: &mut Warnings,
) -> Option<Vec<String>> {
    let items = get(list, list_path, w)?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if let Some(v) = get(item, elem_path, w)
            && let Some(s) = code(label(v), label_path, w)
        {
            out.push(s.to_string());
        }
    }
    Some(out)
}

/// Parses an API timestamp to UTC: RFC 3339 (`2024-11-28T14:23:11.470Z`, `…+01:00`, no fraction),
/// or the same without a zone (taken as UTC), or a bare date (midnight UTC). The result is what the
/// outputs can store (see [`storable`]); a time they cannot hold is `None` (unparsable).
pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    parse_any_timestamp(s).and_then(storable)
}

/// A timestamp as the CSV and Parquet columns hold it: whole milliseconds, no leap second (a leap
/// second becomes its last millisecond, 23:59:59.999), in the years 0000–9999 that RFC 3339 can
/// write. Found by fuzzing: `….4705Z`, `…T23:59:60Z`, `0000-01-01T00:00:00+01:00` (year −1 in UTC)
/// or `12345-01-01` gave rows that did not read back identically from the CSV, or not at all.
fn storable(t: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if !(0..=9999).contains(&t.year()) {
        return None;
    }
    let nanos = t.nanosecond().min(999_999_999);
    t.with_nanosecond(nanos / 1_000_000 * 1_000_000)
}

fn parse_any_timestamp(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(t) = DateTime::parse_from_str(s, f) {
            return Some(t.with_timezone(&Utc));
        }
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

fn timestamp(
    field: &Lenient<String>,
    path: &'static str,
    bad: &'static str,
    w: &mut Warnings,
) -> Option<DateTime<Utc>> {
    let s = code(field, path, w)?;
    let t = parse_timestamp(s);
    if t.is_none() {
        w.note(bad);
    }
    t
}

/// Splits a token like `12Mois` or `3` into its leading number (comma or dot decimals) and the rest.
fn leading_number(tok: &str) -> Option<(f64, &str)> {
    let end = tok
        .find(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.'))
        .unwrap_or(tok.len());
    let num = tok[..end].trim_end_matches([',', '.']);
    if num.is_empty() || !num.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    let v: f64 = num.replace(',', ".").parse().ok()?;
    v.is_finite().then_some((v, &tok[num.len()..]))
}

/// Time units met in France Travail labels.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Unit {
    Day,
    Week,
    Month,
    Year,
}

fn unit_of(word: &str) -> Option<Unit> {
    let w = word.trim_start_matches(['(', ' ']).to_lowercase();
    if w.starts_with("mois") {
        Some(Unit::Month)
    } else if w.starts_with("jour") {
        Some(Unit::Day)
    } else if w.starts_with("semaine") {
        Some(Unit::Week)
    } else if w.starts_with("an") || w.starts_with("année") || w.starts_with("annee") {
        Some(Unit::Year)
    } else {
        None
    }
}

/// The first `<number> <unit>` of a text (`15 Jour(s)`, `3 An(s)`, `12Mois`).
fn first_quantity(text: &str) -> Option<(f64, Unit)> {
    let mut tokens = text.split_whitespace().peekable();
    while let Some(tok) = tokens.next() {
        let Some((n, rest)) = leading_number(tok) else {
            continue;
        };
        let unit = if rest.is_empty() {
            tokens.peek().and_then(|next| unit_of(next))
        } else {
            unit_of(rest)
        };
        if let Some(u) = unit {
            return Some((n, u));
        }
    }
    None
}

/// The contract duration in months, from `typeContratLibelle`: `CDD - 12 Mois` → 12,
/// `Mission intérimaire - 15 Jour(s)` → 15 / 30.4375 = 0.49, `… - 2 Semaine(s)` → 14 / 30.4375 = 0.46,
/// `… - 1 An(s)` → 12. Days and weeks are rounded to the hundredth of a month. `None` without a duration.
pub fn contract_duration_months(libelle: &str) -> Option<f64> {
    let tail = libelle.rsplit_once(" - ").map_or(libelle, |(_, t)| t);
    let (n, unit) = first_quantity(tail)?;
    let round = |m: f64| (m * 100.0).round() / 100.0;
    Some(match unit {
        Unit::Month => n,
        Unit::Year => n * 12.0,
        Unit::Day => round(n / DAYS_PER_MONTH),
        Unit::Week => round(n * 7.0 / DAYS_PER_MONTH),
    })
}

/// True when `typeContratLibelle` says more than the contract type: it carries a duration or a
/// detail after ` - ` (`CDD - 12 Mois`), unlike `CDI`, `Contrat à durée indéterminée` or
/// `Profession libérale`.
pub fn label_says_more(libelle: &str) -> bool {
    libelle.contains(" - ") || libelle.bytes().any(|b| b.is_ascii_digit())
}

/// Required experience in months, from `experienceLibelle`: `Expérience exigée de 3 An(s)` → 36,
/// `6 Mois` → 6, `2 ans` → 24, `1 an - dans le batiment` → 12, `Débutant accepté` → 0,
/// `Expérience exigée` (no number) → `None`. Only the part before ` - ` is read (the rest is a comment).
pub fn experience_months(libelle: &str) -> Option<i32> {
    let head = libelle.split_once(" - ").map_or(libelle, |(h, _)| h);
    match first_quantity(head) {
        Some((n, Unit::Year)) => to_i32(n * 12.0),
        Some((n, Unit::Month)) => to_i32(n),
        Some((n, Unit::Week)) => to_i32(n * 7.0 / DAYS_PER_MONTH),
        Some((n, Unit::Day)) => to_i32(n / DAYS_PER_MONTH),
        None => {
            let h = head.trim_start().to_lowercase();
            (h.starts_with("débutant") || h.starts_with("debutant")).then_some(0)
        }
    }
}

fn to_i32(v: f64) -> Option<i32> {
    let r = v.round();
    (r.is_finite() && r >= 0.0 && r <= f64::from(i32::MAX)).then_some(r as i32)
}

/// The `experience_required` label of an `experienceExige` code.
pub fn experience_required(code: &str) -> Option<&'static str> {
    match code.trim() {
        "D" | "d" => Some("Débutant accepté"),
        "S" | "s" => Some("Expérience souhaitée"),
        "E" | "e" => Some("Expérience exigée"),
        _ => None,
    }
}

/// Normalizes one France Travail offer. `None` only when it has no usable id (blank, absent, null or
/// of the wrong type), which is counted in `warnings` as `offer without id`.
pub fn normalize_france_travail(
    raw: &RawOffer,
    fetched_at: DateTime<Utc>,
    warnings: &mut Warnings,
) -> Option<NormalizedOffer> {
    let mut o = normalize_with(raw, &raw.description, fetched_at, warnings)?;
    o.description = raw.description.get().filter(|d| !d.is_empty()).cloned();
    o.duplicate_group = duplicate_group(&o);
    Some(o)
}

/// [`normalize_france_travail`] on an offer the caller gives away: the description and the fields
/// copied verbatim are moved into the row instead of copied (fewer allocations on the hot path).
/// Same result, same warnings.
pub fn normalize_france_travail_owned(
    mut raw: RawOffer,
    fetched_at: DateTime<Utc>,
    warnings: &mut Warnings,
) -> Option<NormalizedOffer> {
    let w = warnings;
    // An offer without a usable id is dropped before anything is moved or counted, as the
    // borrowed path does (found by the fuzz property: otherwise its invalid fields were counted).
    if raw.id.get().is_none_or(|id| id.trim().is_empty()) {
        return normalize_with(&raw, &raw.description, fetched_at, w);
    }
    let description = std::mem::take(&mut raw.description);
    // Fields used only verbatim are taken out first (`normalize_with` then sees them absent).
    let category = take(&mut raw.rome_libelle, "romeLibelle", w);
    let sector = take(
        &mut raw.secteur_activite_libelle,
        "secteurActiviteLibelle",
        w,
    );
    let qualification = take(&mut raw.qualification_libelle, "qualificationLibelle", w);
    let naf_code = take(&mut raw.code_naf, "codeNAF", w);
    let company_size = take(&mut raw.tranche_effectif_etab, "trancheEffectifEtab", w);
    let appellation = take(&mut raw.appellation_libelle, "appellationlibelle", w);
    let code_rome = take(&mut raw.rome_code, "romeCode", w);
    let working_hours = take(
        &mut raw.duree_travail_libelle_converti,
        "dureeTravailLibelleConverti",
        w,
    );
    let skills = take_labels(
        &mut raw.competences,
        ["competences", "competences[]", "competences[].libelle"],
        |c| &mut c.libelle,
        w,
    );
    let langues = take_labels(
        &mut raw.langues,
        ["langues", "langues[]", "langues[].libelle"],
        |l| &mut l.libelle,
        w,
    );
    let licences = take_labels(
        &mut raw.permis,
        ["permis", "permis[]", "permis[].libelle"],
        |p| &mut p.libelle,
        w,
    );
    let education = take_labels(
        &mut raw.formations,
        ["formations", "formations[]", "formations[].niveauLibelle"],
        |f| &mut f.niveau_libelle,
        w,
    );
    let mut o = normalize_with(&raw, &description, fetched_at, w)?;
    o.description = description.into_option().filter(|d| !d.is_empty());
    o.category = category;
    o.sector = sector;
    o.qualification = qualification;
    o.naf_code = naf_code;
    o.company_size = company_size;
    o.appellation = appellation;
    o.code_rome = code_rome;
    o.working_hours = working_hours.or(o.working_hours.take());
    o.skills = skills;
    o.langues = langues;
    o.driving_licences = licences;
    o.education_levels = education;
    o.duplicate_group = duplicate_group(&o);
    Some(o)
}

/// [`code`] by move: the field is left absent.
fn take(field: &mut Lenient<String>, path: &'static str, w: &mut Warnings) -> Option<String> {
    match std::mem::take(field) {
        Lenient::Value(v) => (!v.trim().is_empty()).then_some(v),
        Lenient::Invalid => {
            w.note(path);
            None
        }
        Lenient::Absent | Lenient::Null => None,
    }
}

/// [`labels`] by move: the list is left absent.
fn take_labels<T>(
    list: &mut Lenient<Vec<Lenient<T>>>,
    [list_path, elem_path, label_path]: [&'static str; 3],
    label: impl Fn(&mut T) -> &mut Lenient<String>,
    w: &mut Warnings,
) -> Option<Vec<String>> {
    let items = match std::mem::take(list) {
        Lenient::Value(v) => v,
        Lenient::Invalid => {
            w.note(list_path);
            return None;
        }
        Lenient::Absent | Lenient::Null => return None,
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Lenient::Value(mut v) => {
                if let Some(s) = take(label(&mut v), label_path, w) {
                    out.push(s);
                }
            }
            Lenient::Invalid => w.note(elem_path),
            Lenient::Absent | Lenient::Null => {}
        }
    }
    Some(out)
}

/// The mapping, with the description passed apart; the row's `description` is left empty for the
/// caller to fill (by copy or by move).
fn normalize_with(
    raw: &RawOffer,
    raw_description: &Lenient<String>,
    fetched_at: DateTime<Utc>,
    warnings: &mut Warnings,
) -> Option<NormalizedOffer> {
    let w = warnings;
    let Some(id) = code(&raw.id, "id", w) else {
        w.note("offer without id");
        return None;
    };

    let title = get(&raw.intitule, "intitule", w)
        .cloned()
        .unwrap_or_default();
    let description = get(raw_description, "description", w);

    // Location.
    let lieu = get(&raw.lieu_travail, "lieuTravail", w);
    let (libelle, lat, lon, postal, commune) = match lieu {
        Some(l) => (
            code(&l.libelle, "lieuTravail.libelle", w),
            copy(&l.latitude, "lieuTravail.latitude", w),
            copy(&l.longitude, "lieuTravail.longitude", w),
            code(&l.code_postal, "lieuTravail.codePostal", w),
            code(&l.commune, "lieuTravail.commune", w),
        ),
        None => (None, None, None, None, None),
    };
    let pays = code(&raw.pays, "pays", w);
    let evidence = Evidence {
        postal_code: postal,
        latitude: lat,
        longitude: lon,
    };
    let where_ = place_with(libelle, commune, pays, evidence);
    let coords = check_coordinates(lat, lon, where_.department_code);
    if coords.swapped {
        w.note("lieuTravail (latitude and longitude swapped)");
    }
    if coords.dropped {
        w.note("lieuTravail (impossible coordinates dropped)");
    }

    // Contract.
    let contract_type = code(&raw.type_contrat, "typeContrat", w);
    let contract_label = code(&raw.type_contrat_libelle, "typeContratLibelle", w);

    // Experience.
    let experience_code = code(&raw.experience_exige, "experienceExige", w);
    let experience_required = experience_code.and_then(experience_required);
    if experience_code.is_some() && experience_required.is_none() {
        w.note("experienceExige (unknown code)");
    }
    let experience_label = code(&raw.experience_libelle, "experienceLibelle", w);

    // Company.
    let entreprise = get(&raw.entreprise, "entreprise", w);
    let company_name = entreprise.and_then(|e| code(&e.nom, "entreprise.nom", w));

    // Working time: the weekly hours the label states annualize an hourly salary.
    let working_hours_text = code(&raw.duree_travail_libelle, "dureeTravailLibelle", w);
    let hours = working_hours_text.and_then(weekly_hours);

    // Salary: the label, else an amount stated in the comment.
    let salaire = get(&raw.salaire, "salaire", w);
    let salary_text = salaire.and_then(|s| code(&s.libelle, "salaire.libelle", w));
    let mut salary = salary_text
        .map(|l| parse_salary_on(l, hours))
        .unwrap_or_default();
    if salary_text.is_some() && salary.period.is_none() && !salary.has_amount() {
        w.note("salaire.libelle (unrecognised)");
    }
    let mut salary_source = salary.has_amount().then_some(SALARY_FROM_LABEL);
    let commentaire = salaire.and_then(|s| s.commentaire.get()); // counted by `salary_comment`
    if !salary.has_amount()
        && let Some(from_comment) = commentaire.and_then(|c| parse_salary_comment(c, hours))
    {
        salary = Salary {
            // The label's period word (`Annuel de`, no amount) yields to the comment's.
            period: from_comment.period,
            ..from_comment
        };
        salary_source = Some(SALARY_FROM_COMMENT);
    }
    let salary_comment = salaire.and_then(|s| salary_comment(s, w));
    let salary_complements = salaire.and_then(salary_complements);

    // Origin.
    let origine = get(&raw.origine_offre, "origineOffre", w);
    let origin_partner = origine.and_then(|o| {
        let first = get(&o.partenaires, "origineOffre.partenaires", w)
            .and_then(|p| p.first())
            .and_then(|p| get(p, "origineOffre.partenaires[]", w))
            .and_then(|p| code(&p.nom, "origineOffre.partenaires[].nom", w));
        match first {
            Some(n) => Some(n.to_string()),
            None => (code(&o.origine, "origineOffre.origine", w) == Some("1"))
                .then(|| "France Travail".to_string()),
        }
    });
    let source_url = origine.and_then(|o| code(&o.url_origine, "origineOffre.urlOrigine", w));
    let contact_url = get(&raw.contact, "contact", w)
        .and_then(|c| code(&c.url_postulation, "contact.urlPostulation", w));
    let partner = origine.and_then(|o| partner_url(o, w));
    let (application_url, application_url_source) = match (contact_url, partner) {
        (Some(u), _) => (Some(u), Some(URL_FROM_CONTACT)),
        (None, Some(u)) => (Some(u), Some(URL_FROM_PARTNER)),
        (None, None) => (None, None),
    };

    // Remote work: title, description, working time and working conditions together; the short
    // exercise fields also with their own abbreviations ("TT possible").
    let complement_exercice = code(&raw.complement_exercice, "complementExercice", w);
    let condition_exercice = code(&raw.condition_exercice, "conditionExercice", w);
    let mut context: Vec<&str> = Vec::new();
    if let Some(ctx) = get(&raw.contexte_travail, "contexteTravail", w) {
        for (list, path, elem) in [
            (
                &ctx.horaires,
                "contexteTravail.horaires",
                "contexteTravail.horaires[]",
            ),
            (
                &ctx.conditions_exercice,
                "contexteTravail.conditionsExercice",
                "contexteTravail.conditionsExercice[]",
            ),
        ] {
            for item in get(list, path, w).into_iter().flatten() {
                if let Some(s) = get(item, elem, w) {
                    context.push(s);
                }
            }
        }
    }
    let remote = remote_work_with_exercise(
        [title.as_str()]
            .into_iter()
            .chain(description.map(String::as_str))
            .chain(working_hours_text)
            .chain(context.iter().copied()),
        complement_exercice.into_iter().chain(condition_exercice),
    );
    let contexte_travail =
        (!context.is_empty() || complement_exercice.is_some() || condition_exercice.is_some())
            .then(|| {
                context
                    .iter()
                    .copied()
                    .chain(complement_exercice)
                    .chain(condition_exercice)
                    .map(str::to_string)
                    .collect::<Vec<String>>()
            });

    let positions = copy(&raw.nombre_postes, "nombrePostes", w).and_then(|n| {
        let v = i32::try_from(n).ok();
        if v.is_none() {
            w.note("nombrePostes (out of range)");
        }
        v
    });

    Some(NormalizedOffer {
        id: id.to_string(),
        source: SOURCE.to_string(),
        title,
        description: None,
        company_name: owned(company_name),
        location_name: owned(libelle),
        latitude: coords.latitude,
        longitude: coords.longitude,
        date_created: timestamp(
            &raw.date_creation,
            "dateCreation",
            "dateCreation (unparsable)",
            w,
        ),
        date_updated: timestamp(
            &raw.date_actualisation,
            "dateActualisation",
            "dateActualisation (unparsable)",
            w,
        ),
        contract_type: owned(contract_type),
        contract_duration: owned(contract_label.filter(|l| label_says_more(l))),
        working_hours: owned(code(
            &raw.duree_travail_libelle_converti,
            "dureeTravailLibelleConverti",
            w,
        ))
        .or_else(|| {
            working_hours_text
                .and_then(full_or_part_time)
                .map(str::to_string)
        }),
        salary_min: salary.min,
        salary_max: salary.max,
        salary_currency: salary.currency.map(str::to_string),
        salary_period: salary.period.map(|p| p.as_str().to_string()),
        experience_required: experience_required.map(str::to_string),
        category: owned(code(&raw.rome_libelle, "romeLibelle", w)),
        sector: owned(code(
            &raw.secteur_activite_libelle,
            "secteurActiviteLibelle",
            w,
        )),
        application_url: owned(application_url),
        source_url: owned(source_url),
        skills: labels(
            &raw.competences,
            "competences",
            "competences[]",
            "competences[].libelle",
            |c| &c.libelle,
            w,
        ),
        remote_work: remote,
        is_handicap_accessible: copy(&raw.accessible_th, "accessibleTH", w),
        code_rome: owned(code(&raw.rome_code, "romeCode", w)),
        langues: labels(
            &raw.langues,
            "langues",
            "langues[]",
            "langues[].libelle",
            |l| &l.libelle,
            w,
        ),
        date_extraction: Some(fetched_at),
        department_code: where_.department_code.map(str::to_string),
        region_name: where_.region_name.map(str::to_string),
        commune_code: owned(commune),
        postal_code: owned(postal),
        contract_duration_months: contract_label.and_then(contract_duration_months),
        working_hours_text: owned(working_hours_text),
        is_alternance: copy(&raw.alternance, "alternance", w),
        experience_code: owned(experience_code),
        experience_months: experience_label.and_then(experience_months),
        qualification: owned(code(&raw.qualification_libelle, "qualificationLibelle", w)),
        naf_code: owned(code(&raw.code_naf, "codeNAF", w)),
        company_size: owned(code(&raw.tranche_effectif_etab, "trancheEffectifEtab", w)),
        positions,
        appellation: owned(code(&raw.appellation_libelle, "appellationlibelle", w)),
        origin_partner,
        salary_text: owned(salary_text),
        salary_comment,
        salary_months: salary.months,
        salary_annual_min: salary.annual_min,
        salary_annual_max: salary.annual_max,
        salary_suspect: salary.has_amount().then_some(salary.suspect),
        salary_predicted: Some(false),
        driving_licences: labels(
            &raw.permis,
            "permis",
            "permis[]",
            "permis[].libelle",
            |p| &p.libelle,
            w,
        ),
        education_levels: labels(
            &raw.formations,
            "formations",
            "formations[]",
            "formations[].niveauLibelle",
            |f| &f.niveau_libelle,
            w,
        ),
        application_url_source: application_url_source.map(str::to_string),
        salary_source: salary_source.map(str::to_string),
        salary_gross_net: salary.gross_net.map(str::to_string),
        salary_annual_period: salary
            .annual_min
            .or(salary.annual_max)
            .and(salary.basis)
            .map(|p| p.as_str().to_string()),
        salary_period_inferred: salary.has_amount().then_some(salary.period_inferred),
        weekly_hours: hours,
        salary_hours_read: salary
            .annual_min
            .or(salary.annual_max)
            .and(salary.hours_read),
        department_source: where_.department_source.map(str::to_string),
        nature_contrat: owned(code(&raw.nature_contrat, "natureContrat", w)),
        offres_manque_candidats: copy(&raw.offres_manque_candidats, "offresManqueCandidats", w),
        salary_complements,
        deplacement: owned(code(&raw.deplacement_libelle, "deplacementLibelle", w)),
        contexte_travail,
        // Set by the callers once the description is in place.
        duplicate_group: None,
    })
}

/// `salary_source` values.
pub const SALARY_FROM_LABEL: &str = "libelle";
pub const SALARY_FROM_COMMENT: &str = "commentaire";

/// `application_url_source` values.
pub const URL_FROM_CONTACT: &str = "contact";
pub const URL_FROM_PARTNER: &str = "partenaire";

/// The first non-blank `origineOffre.partenaires[].url`, verbatim: a partner offer's apply page.
fn partner_url<'a>(
    o: &'a crate::source::france_travail::model::OrigineOffre,
    w: &mut Warnings,
) -> Option<&'a str> {
    // The list and its elements' types are counted by `origin_partner`; here only the urls.
    let mut found = None;
    for p in o.partenaires.get()?.iter().filter_map(Lenient::get) {
        let url = code(&p.url, "origineOffre.partenaires[].url", w);
        found = found.or(url);
    }
    found
}

/// `Temps plein` or `Temps partiel` when a `dureeTravailLibelle` is only that (any case, accents and
/// spaces): the value `dureeTravailLibelleConverti` would have given.
pub fn full_or_part_time(libelle: &str) -> Option<&'static str> {
    match fold(libelle.trim()).as_str() {
        "temps plein" => Some("Temps plein"),
        "temps partiel" => Some("Temps partiel"),
        _ => None,
    }
}

/// The benefits of a salary: `complement1`, `complement2` and each `listeComplements[].libelle`,
/// verbatim, blank parts and exact repeats skipped; `None` when there is none. Values of the wrong
/// type are counted once, by [`salary_comment`], which reads the same fields.
fn salary_complements(s: &crate::source::france_travail::model::Salaire) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |p: Option<&String>| {
        if let Some(p) = p
            && !p.trim().is_empty()
            && !out.contains(p)
        {
            out.push(p.clone());
        }
    };
    push(s.complement1.get());
    push(s.complement2.get());
    for c in s
        .liste_complements
        .get()
        .into_iter()
        .flatten()
        .filter_map(Lenient::get)
    {
        push(c.libelle.get());
    }
    (!out.is_empty()).then_some(out)
}

/// `salaire.commentaire`, `complement1`, `complement2` and `listeComplements[].libelle`, verbatim,
/// joined with ` | ` (blank parts and exact repeats skipped); `None` when no part is left (an empty
/// `commentaire` alone: the CSV round-trip property of the fuzz targets showed the CSV turning `""`
/// into null).
fn salary_comment(
    s: &crate::source::france_travail::model::Salaire,
    w: &mut Warnings,
) -> Option<String> {
    fn push<'a>(parts: &mut Vec<&'a str>, p: Option<&'a String>) {
        if let Some(p) = p
            && !p.trim().is_empty()
            && !parts.contains(&p.as_str())
        {
            parts.push(p);
        }
    }
    let commentaire = get(&s.commentaire, "salaire.commentaire", w);
    let mut parts: Vec<&str> = Vec::with_capacity(4);
    push(&mut parts, commentaire);
    push(&mut parts, get(&s.complement1, "salaire.complement1", w));
    push(&mut parts, get(&s.complement2, "salaire.complement2", w));
    for item in get(&s.liste_complements, "salaire.listeComplements", w)
        .into_iter()
        .flatten()
    {
        if let Some(c) = get(item, "salaire.listeComplements[]", w) {
            push(
                &mut parts,
                get(&c.libelle, "salaire.listeComplements[].libelle", w),
            );
        }
    }
    (!parts.is_empty()).then(|| parts.join(" | "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_owned_path_gives_the_same_rows_and_warnings_on_the_real_fixtures() {
        let dir = std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/fixtures/real"
        ));
        if !dir.exists() {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but the real fixtures are missing at {}",
                dir.display()
            );
            eprintln!("SKIPPED: real fixtures not found at {}", dir.display());
            return;
        }
        let t = ts("2026-11-28T00:00:00Z");
        let mut checked = 0;
        let ours = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures"));
        let files = std::fs::read_dir(dir)
            .unwrap()
            .chain(std::fs::read_dir(ours).unwrap());
        for e in files.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.starts_with("ft_") {
                continue;
            }
            let bytes = std::fs::read(e.path()).unwrap();
            let mut w = Warnings::default();
            for raw in crate::normalize::read_all(&name, &bytes, &mut w).unwrap() {
                let (mut a, mut b) = (Warnings::default(), Warnings::default());
                let x = normalize_france_travail(&raw, t, &mut a);
                let y = normalize_france_travail_owned(raw, t, &mut b);
                assert_eq!(x, y);
                assert_eq!(a.iter().collect::<Vec<_>>(), b.iter().collect::<Vec<_>>());
                checked += 1;
            }
        }
        assert!(checked >= 600);
    }

    fn ts(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn timestamps() {
        assert_eq!(
            parse_timestamp("2024-11-28T14:23:11.470Z"),
            Some(ts("2024-11-28T14:23:11.470Z"))
        );
        assert_eq!(
            parse_timestamp("2024-11-28T14:23:11Z"),
            Some(ts("2024-11-28T14:23:11Z"))
        );
        assert_eq!(
            parse_timestamp("2024-11-28T15:23:11+01:00"),
            Some(ts("2024-11-28T14:23:11Z"))
        );
        assert_eq!(
            parse_timestamp("2024-11-28T15:23:11.5+0100"),
            Some(ts("2024-11-28T14:23:11.5Z"))
        );
        assert_eq!(
            parse_timestamp("2024-11-28T14:23:11.470"),
            Some(ts("2024-11-28T14:23:11.470Z"))
        );
        assert_eq!(
            parse_timestamp("2024-11-28 14:23:11"),
            Some(ts("2024-11-28T14:23:11Z"))
        );
        assert_eq!(
            parse_timestamp("2024-11-28"),
            Some(ts("2024-11-28T00:00:00Z"))
        );
        for bad in ["", "yesterday", "2024-13-01T00:00:00Z", "28/11/2024"] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
        // Found by fuzzing: what the CSV cannot write back identically.
        assert_eq!(
            parse_timestamp("2024-11-28T14:23:11.4705Z"),
            Some(ts("2024-11-28T14:23:11.470Z"))
        );
        assert_eq!(
            parse_timestamp("2024-12-31T23:59:60.5Z"),
            Some(ts("2024-12-31T23:59:59.999Z"))
        );
        assert_eq!(
            parse_timestamp("0000-01-01T00:30:00+00:00"),
            Some(ts("0000-01-01T00:30:00Z"))
        );
        for bad in [
            "0000-01-01T00:00:00+01:00",
            "12345-01-01",
            "+12345-01-01T00:00:00",
            "-0001-01-01",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn contract_durations() {
        assert_eq!(contract_duration_months("CDD - 12 Mois"), Some(12.0));
        assert_eq!(
            contract_duration_months("Contrat à durée déterminée - 1 Mois"),
            Some(1.0)
        );
        assert_eq!(
            contract_duration_months("Mission intérimaire - 15 Jour(s)"),
            Some(0.49)
        );
        assert_eq!(
            contract_duration_months("Mission intérimaire - 5 Jour(s)"),
            Some(0.16)
        );
        assert_eq!(contract_duration_months("Intérim - 5 Jour(s)"), Some(0.16));
        assert_eq!(
            contract_duration_months("Intérim - 2 Semaine(s)"),
            Some(0.46)
        );
        assert_eq!(contract_duration_months("CDD - 1 An(s)"), Some(12.0));
        assert_eq!(contract_duration_months("CDD - 18Mois"), Some(18.0));
        assert_eq!(
            contract_duration_months("Contrat travail saisonnier - 4 Mois"),
            Some(4.0)
        );
        assert_eq!(contract_duration_months("CDD - 1,5 Mois"), Some(1.5));
        for none in [
            "CDI",
            "Contrat à durée indéterminée",
            "Profession libérale",
            "",
            "CDD - Mois",
            "-",
            " - ",
        ] {
            assert_eq!(contract_duration_months(none), None, "{none}");
        }
        assert!(label_says_more("CDD - 12 Mois"));
        assert!(label_says_more("Intérim - 5 Jour(s)"));
        assert!(!label_says_more("CDI"));
        assert!(!label_says_more("Contrat à durée indéterminée"));
        assert!(!label_says_more("Profession libérale"));
    }

    #[test]
    fn experience() {
        assert_eq!(experience_months("Expérience exigée de 3 An(s)"), Some(36));
        assert_eq!(
            experience_months("Expérience souhaitée de 1 An(s)"),
            Some(12)
        );
        assert_eq!(experience_months("6 Mois"), Some(6));
        assert_eq!(experience_months("6 mois"), Some(6));
        assert_eq!(experience_months("2 ans"), Some(24));
        assert_eq!(experience_months("1 an - dans le batiment"), Some(12));
        assert_eq!(experience_months("3 ans - sur 2 postes"), Some(36));
        assert_eq!(
            experience_months("1 An(s) - Connaissance des sciences de la terr"),
            Some(12)
        );
        assert_eq!(experience_months("Débutant accepté"), Some(0));
        assert_eq!(
            experience_months("Débutant accepté - ou expérience"),
            Some(0)
        );
        assert_eq!(experience_months("DEBUTANT ACCEPTE"), Some(0));
        assert_eq!(experience_months("Expérience exigée"), None);
        assert_eq!(experience_months("Expérience souhaitée"), None);
        assert_eq!(experience_months("1,5 An(s)"), Some(18));
        assert_eq!(experience_months(""), None);
        assert_eq!(experience_required("D"), Some("Débutant accepté"));
        assert_eq!(experience_required("S"), Some("Expérience souhaitée"));
        assert_eq!(experience_required("E"), Some("Expérience exigée"));
        assert_eq!(experience_required("X"), None);
    }

    #[test]
    fn missing_or_blank_id_drops_the_offer_and_counts_it() {
        let mut w = Warnings::default();
        let now = ts("2025-01-01T00:00:00Z");
        let raw: RawOffer = serde_json::from_str(r#"{"intitule":"x"}"#).unwrap();
        assert!(normalize_france_travail(&raw, now, &mut w).is_none());
        let raw: RawOffer = serde_json::from_str(r#"{"id":"  "}"#).unwrap();
        assert!(normalize_france_travail(&raw, now, &mut w).is_none());
        let raw: RawOffer = serde_json::from_str(r#"{"id":12345}"#).unwrap();
        assert!(normalize_france_travail(&raw, now, &mut w).is_none());
        assert_eq!(w.count("offer without id"), 3);
        assert_eq!(w.count("id"), 1);
    }

    #[test]
    fn minimal_offer() {
        let mut w = Warnings::default();
        let now = ts("2025-01-01T00:00:00Z");
        let raw: RawOffer = serde_json::from_str(r#"{"id":"X1"}"#).unwrap();
        let o = normalize_france_travail(&raw, now, &mut w).unwrap();
        assert_eq!(o.id, "X1");
        assert_eq!(o.source, "france_travail");
        assert_eq!(o.title, "");
        assert_eq!(o.date_extraction, Some(now));
        assert_eq!(o.salary_predicted, Some(false));
        assert_eq!(o.salary_suspect, None);
        assert_eq!(o.skills, None);
        assert_eq!(o.remote_work, None);
        assert!(w.is_empty());
    }

    #[test]
    fn salary_comment_joins_verbatim() {
        let mut w = Warnings::default();
        let now = ts("2025-01-01T00:00:00Z");
        let raw: RawOffer = serde_json::from_str(
            r#"{"id":"X2","salaire":{"libelle":"Mensuel de 1800 Euros","commentaire":" selon\nprofil ","complement1":"Primes","complement2":"Primes",
                "listeComplements":[{"code":"1","libelle":"Mutuelle"},{"code":"2"},3]}}"#,
        )
        .unwrap();
        let o = normalize_france_travail(&raw, now, &mut w).unwrap();
        assert_eq!(
            o.salary_comment.as_deref(),
            Some(" selon\nprofil  | Primes | Mutuelle")
        );
        assert_eq!(w.count("salaire.listeComplements[]"), 1);
        let raw: RawOffer =
            serde_json::from_str(r#"{"id":"X3","salaire":{"commentaire":""}}"#).unwrap();
        let o = normalize_france_travail(&raw, now, &mut w).unwrap();
        assert_eq!(o.salary_comment, None);
        let raw: RawOffer = serde_json::from_str(r#"{"id":"X4","salaire":{}}"#).unwrap();
        let o = normalize_france_travail(&raw, now, &mut w).unwrap();
        assert_eq!(o.salary_comment, None);
    }
}
