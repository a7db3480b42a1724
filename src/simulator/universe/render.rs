//! An offer as the API serves it: the JSON types of a search result and `render`, which builds
//! one from a record and the seed (texts, salary labels, contacts, partner URLs, escaped
//! descriptions) at the time it is asked.

use super::*;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SimOffer {
    pub id: String,
    pub intitule: String,
    pub description: String,
    pub date_creation: String,
    pub date_actualisation: String,
    pub lieu_travail: LieuTravail,
    pub rome_code: &'static str,
    pub rome_libelle: &'static str,
    #[serde(rename = "appellationlibelle")]
    pub appellation_libelle: &'static str,
    pub entreprise: Entreprise,
    pub type_contrat: &'static str,
    pub type_contrat_libelle: String,
    pub nature_contrat: &'static str,
    pub experience_exige: &'static str,
    pub experience_libelle: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub formations: Vec<Formation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub langues: Vec<Exigence>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub permis: Vec<Exigence>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub competences: Vec<Competence>,
    pub salaire: Salaire,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duree_travail_libelle: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duree_travail_libelle_converti: Option<&'static str>,
    pub alternance: bool,
    pub contact: Contact,
    pub agence: serde_json::Map<String, serde_json::Value>,
    pub nombre_postes: u32,
    #[serde(rename = "accessibleTH")]
    pub accessible_th: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qualification_code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qualification_libelle: Option<&'static str>,
    #[serde(rename = "codeNAF", skip_serializing_if = "Option::is_none")]
    pub code_naf: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secteur_activite: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secteur_activite_libelle: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tranche_effectif_etab: Option<&'static str>,
    pub origine_offre: OrigineOffre,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offres_manque_candidats: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub qualites_professionnelles: Vec<Qualite>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deplacement_code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deplacement_libelle: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experience_commentaire: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complement_exercice: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contexte_travail: Option<ContexteTravail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pays: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LieuTravail {
    pub libelle: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_postal: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commune: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entreprise {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nom: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<&'static str>,
    pub entreprise_adaptee: bool,
}

#[derive(Serialize)]
pub struct Qualite {
    pub libelle: &'static str,
    pub description: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContexteTravail {
    pub horaires: Vec<&'static str>,
    pub conditions_exercice: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Formation {
    pub niveau_libelle: &'static str,
    pub exigence: &'static str,
}

#[derive(Serialize)]
pub struct Exigence {
    pub libelle: &'static str,
    pub exigence: &'static str,
}

#[derive(Serialize)]
pub struct Competence {
    pub code: &'static str,
    pub libelle: &'static str,
    pub exigence: &'static str,
}

#[derive(Serialize, Default)]
pub struct Salaire {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub libelle: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commentaire: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complement1: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complement2: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    pub nom: &'static str,
    pub coordonnees1: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub courriel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url_postulation: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrigineOffre {
    pub origine: &'static str,
    pub url_origine: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub partenaires: Vec<Partenaire>,
}

#[derive(Serialize)]
pub struct Partenaire {
    pub nom: &'static str,
    pub url: String,
    pub logo: &'static str,
}

pub(super) fn ts(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|d| crate::normalize::offer::format_ts(&d))
        .unwrap_or_default()
}

pub(super) fn chance(rng: &mut fastrand::Rng, p: f64) -> bool {
    rng.f64() < p
}

pub(super) fn one<'a, T>(rng: &mut fastrand::Rng, xs: &'a [T]) -> &'a T {
    &xs[rng.usize(..xs.len())]
}

/// A salary label in one of the real shapes (see the API reference), or none.
pub(super) fn salary_label(rng: &mut fastrand::Rng, rome: &str) -> Option<String> {
    if !chance(rng, 0.36) {
        return None;
    }
    let tech = rome.starts_with('M') || rome == "K1906";
    let comma = |v: f64| format!("{v:.2}").replace('.', ",");
    let dot = |v: f64| format!("{v:.1}");
    let months = *one(rng, &["12", "12.0", "12.5", "13", "13.0", "13.5"]);
    let shape = rng.u32(0..100);
    let annual_lo = if tech {
        38_000.0 + (rng.u32(0..30) as f64) * 1000.0
    } else {
        22_000.0 + (rng.u32(0..10) as f64) * 1000.0
    };
    let annual_hi = annual_lo + (rng.u32(0..15) as f64) * 1000.0;
    let monthly_lo = (annual_lo / 12.0 * 100.0).round() / 100.0;
    let monthly_hi = (annual_hi / 12.0 * 100.0).round() / 100.0;
    let hourly = [11.65, 11.88, 12.5, 13.0, 14.2][rng.usize(..5)];
    Some(match shape {
        0..=21 => format!(
            "Annuel de {} Euros à {} Euros sur {months} mois",
            dot(annual_lo),
            dot(annual_hi)
        ),
        22..=29 => format!(
            "Annuel de {} Euros à {} Euros",
            comma(annual_lo),
            comma(annual_hi)
        ),
        30..=33 => format!("Annuel de {} Euros sur {months} mois", dot(annual_lo)),
        34..=51 => format!(
            "Mensuel de {} Euros à {} Euros sur {months} mois",
            monthly_lo, monthly_hi
        ),
        52..=59 => format!(
            "Mensuel de {} Euros sur 12 mois",
            comma(monthly_lo).replace(',', ".")
        ),
        60..=62 => format!("Mensuel de {} Euros", comma(monthly_lo)),
        63..=70 => format!(
            "Horaire de {} Euros à {} Euros sur {months} mois",
            comma(hourly),
            hourly + 1.0
        ),
        71..=76 => format!(
            "Horaire de {} Euros à {} Euros",
            comma(hourly),
            comma(hourly + 1.5)
        ),
        77..=80 => format!("Horaire de {} Euros", comma(hourly)),
        81..=82 => format!("Horaire de {hourly} Euros sur 0.0 mois"),
        83..=84 => format!(
            "Autre de {} Euros à {} Euros",
            comma(annual_lo),
            comma(annual_hi)
        ),
        85..=86 => format!("De {} Euros à {} Euros", comma(annual_lo), comma(annual_lo)),
        87 => "Annuel de".to_string(),
        88 => "Annuel de 486,00 Euros à 1801,00 Euros".to_string(),
        89 => format!(
            "Mensuel de {} Euros à {} Euros sur 12.0 mois",
            dot(annual_lo),
            dot(annual_hi)
        ),
        90 => format!(
            "Annuel de {} Euros à {} Euros",
            comma(annual_hi + 20_000.0),
            comma(annual_lo)
        ),
        91 => format!(
            "Mensuel de {} Euros à {} Euros",
            dot(monthly_lo * 100.0),
            dot(monthly_hi * 100.0)
        ),
        92 => "Annuel de 11,00 Euros".to_string(),
        _ => format!(
            "Mensuel de {} Euros à {} Euros sur {months} mois",
            comma(monthly_lo),
            comma(monthly_hi)
        ),
    })
}

// `*one(..)` copies a `&'static str` out of a table; auto-deref would shorten its lifetime.
#[allow(clippy::explicit_auto_deref)]
pub(super) fn render(u: &Universe, r: &Rec, now: i64) -> SimOffer {
    // Seeded by the content's offer: a repost renders the original's texts and employer.
    let mut rng = fastrand::Rng::with_seed(
        u.config.seed ^ (r.content as u64).wrapping_mul(0x2545_F491_4F6C_DD1D),
    );
    let rome = &ROMES[r.rome as usize];
    let id = u.id_of(r);
    let updated = r.updated != 0 && r.updated <= now;

    let mut description = String::with_capacity(600);
    for (i, &p) in r.paras.iter().filter(|&&p| p != NO_PARA).enumerate() {
        if i > 0 {
            description.push_str("\n\n");
        }
        description.push_str(catalog::PARAGRAPHS[p as usize]);
    }
    if updated {
        description.push_str("\n\nMise à jour : le poste est toujours à pourvoir.");
    }

    let lieu = match commune_of(r) {
        Some((insee, postal, town, lat, lon)) => {
            let with_coords = chance(&mut rng, 0.79);
            let swapped = chance(&mut rng, 0.01);
            let (lat, lon) = (
                lat + (rng.f64() - 0.5) * 0.02,
                lon + (rng.f64() - 0.5) * 0.02,
            );
            let (lat, lon) = ((lat * 1e6).round() / 1e6, (lon * 1e6).round() / 1e6);
            LieuTravail {
                libelle: format!("{} - {}", DEPTS[r.dept as usize].code, town),
                latitude: with_coords.then_some(if swapped { lon } else { lat }),
                longitude: with_coords.then_some(if swapped { lat } else { lon }),
                code_postal: chance(&mut rng, 0.99).then_some(postal),
                commune: Some(insee),
            }
        }
        None => LieuTravail {
            libelle: geo::NO_DEPT_PLACES[r.place as usize].to_string(),
            latitude: None,
            longitude: None,
            code_postal: None,
            commune: None,
        },
    };

    let (contract, _, labels) = catalog::CONTRACTS[r.contract as usize];
    let label = *one(&mut rng, labels);
    let type_contrat_libelle = if label.contains("{}") {
        let n = if label.contains("Jour") {
            *one(&mut rng, &[5u32, 10, 15])
        } else {
            *one(&mut rng, &[1u32, 3, 6, 12, 18])
        };
        label.replace("{}", &n.to_string())
    } else {
        label.to_string()
    };

    let (experience_exige, experience_libelle) = match rng.u32(0..10) {
        0..=3 => ("D", "Débutant accepté".to_string()),
        4..=5 => ("E", format!("Expérience exigée de {} An(s)", rng.u32(1..6))),
        6 => ("E", format!("{} An(s)", rng.u32(1..8))),
        7 => ("S", "6 Mois".to_string()),
        8 => ("E", format!("{} ans", rng.u32(2..6))),
        _ => ("S", "Expérience souhaitée".to_string()),
    };

    let salaire = Salaire {
        libelle: salary_label(&mut rng, rome.code),
        commentaire: chance(&mut rng, 0.18).then(|| *one(&mut rng, catalog::SALARY_COMMENTS)),
        complement1: chance(&mut rng, 0.3).then(|| *one(&mut rng, catalog::SALARY_COMPLEMENTS)),
        complement2: chance(&mut rng, 0.12).then(|| *one(&mut rng, catalog::SALARY_COMPLEMENTS)),
    };

    let competences = if chance(&mut rng, 0.64) {
        let n = rng.usize(1..6);
        let start = rng.usize(..catalog::SKILLS.len());
        (0..n)
            .map(|k| {
                let (code, libelle) = catalog::SKILLS[(start + k) % catalog::SKILLS.len()];
                Competence {
                    code,
                    libelle,
                    exigence: if k == 0 { "E" } else { "S" },
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let formations = if chance(&mut rng, 0.17) {
        vec![Formation {
            niveau_libelle: *one(&mut rng, catalog::EDUCATION),
            exigence: "S",
        }]
    } else {
        Vec::new()
    };
    let langues = if chance(&mut rng, 0.09) {
        vec![Exigence {
            libelle: *one(&mut rng, catalog::LANGUAGES),
            exigence: "S",
        }]
    } else {
        Vec::new()
    };
    let permis = if chance(&mut rng, 0.21) {
        vec![Exigence {
            libelle: *one(&mut rng, catalog::LICENCES),
            exigence: "E",
        }]
    } else {
        Vec::new()
    };
    let hours = chance(&mut rng, 0.76).then(|| *one(&mut rng, catalog::WORK_HOURS));
    let qualification = chance(&mut rng, 0.76).then(|| *one(&mut rng, catalog::QUALIFICATIONS));
    let naf = chance(&mut rng, 0.57).then(|| *one(&mut rng, catalog::NAFS));
    let partner = chance(&mut rng, 0.26).then(|| *one(&mut rng, catalog::PARTNERS));
    let nature = *one(&mut rng, catalog::NATURES);
    let travel = chance(&mut rng, 0.21).then(|| *one(&mut rng, catalog::TRAVEL));

    // New shapes drawn from their own stream (the draws above stay as they were): an opening
    // sentence, an HTML-escaped description, and a repost's title upper-cased for half of them.
    let mut shapes =
        fastrand::Rng::with_seed(u.config.seed ^ (r.content as u64).wrapping_mul(0x9E37_79B9));
    description.insert_str(0, &(catalog::hook(&mut shapes) + "\n\n"));
    if chance(&mut shapes, ESCAPED_SHARE) {
        description = escape_entities(&description);
    }
    let title = rome.titles[r.title as usize];
    let intitule = if r.content != r.idx && r.idx.is_multiple_of(2) {
        title.to_uppercase()
    } else {
        title.to_string()
    };

    SimOffer {
        intitule,
        description,
        date_creation: ts(r.created),
        date_actualisation: ts(r.actualised(now)),
        lieu_travail: lieu,
        rome_code: rome.code,
        rome_libelle: rome.label,
        appellation_libelle: *one(&mut rng, rome.appellations),
        entreprise: Entreprise {
            nom: chance(&mut rng, 0.76).then(|| *one(&mut rng, catalog::COMPANIES)),
            description: chance(&mut rng, 0.44).then(|| *one(&mut rng, catalog::COMPANY_DESCRIPTIONS)),
            logo: chance(&mut rng, 0.22).then_some("https://entreprise.francetravail.fr/static/img/logos/example.png"),
            url: chance(&mut rng, 0.20).then_some("https://www.example.invalid"),
            entreprise_adaptee: false,
        },
        type_contrat: contract,
        type_contrat_libelle,
        nature_contrat: nature,
        experience_exige,
        experience_libelle,
        formations,
        langues,
        permis,
        competences,
        salaire,
        duree_travail_libelle: hours.map(|h| h.0),
        duree_travail_libelle_converti: hours.map(|h| h.1),
        alternance: nature != "Contrat travail",
        contact: Contact {
            nom: "Contact (redacted)",
            coordonnees1: "Adresse (redacted)",
            courriel: chance(&mut rng, 0.2).then(|| format!("Pour postuler, utiliser le lien suivant : https://candidat.francetravail.fr/offres/recherche/detail/{id}")),
            url_postulation: chance(&mut rng, 0.37)
                .then(|| format!("https://recrutement.example.invalid/offre/{id}")),
        },
        agence: serde_json::Map::new(),
        nombre_postes: if updated { 2 } else { 1 },
        accessible_th: chance(&mut rng, 0.1),
        qualification_code: qualification.map(|q| q.0),
        qualification_libelle: qualification.map(|q| q.1),
        code_naf: naf.map(|n| n.0),
        secteur_activite: naf.map(|n| n.1),
        secteur_activite_libelle: naf.map(|n| n.2),
        tranche_effectif_etab: chance(&mut rng, 0.6)
            .then(|| *one(&mut rng, catalog::COMPANY_SIZES)),
        origine_offre: OrigineOffre {
            origine: if partner.is_some() { "2" } else { "1" },
            url_origine: format!("https://candidat.francetravail.fr/offres/recherche/detail/{id}"),
            partenaires: partner
                .map(|nom| {
                    vec![Partenaire {
                        nom,
                        url: format!("https://partner.example.invalid/{id}"),
                        logo: "https://partner.example.invalid/logo.png",
                    }]
                })
                .unwrap_or_default(),
        },
        offres_manque_candidats: chance(&mut rng, 0.73).then_some(false),
        qualites_professionnelles: if chance(&mut rng, 0.28) {
            let start = rng.usize(..catalog::QUALITIES.len());
            (0..3)
                .map(|k| {
                    let (libelle, description) = catalog::QUALITIES[(start + k) % catalog::QUALITIES.len()];
                    Qualite { libelle, description }
                })
                .collect()
        } else {
            Vec::new()
        },
        deplacement_code: travel.map(|t| t.0),
        deplacement_libelle: travel.map(|t| t.1),
        experience_commentaire: chance(&mut rng, 0.05).then_some("sur un poste similaire"),
        complement_exercice: chance(&mut rng, 0.02).then_some("Poste ouvert aux personnes en situation de handicap"),
        contexte_travail: chance(&mut rng, 0.10).then(|| ContexteTravail {
            horaires: vec!["Travail en journée", "Horaires variables"],
            conditions_exercice: vec!["Télétravail partiel possible"],
        }),
        pays: chance(&mut rng, 0.23).then_some("France"),
        id,
    }
}
