//! The raw France Travail offer, as the API sends it.
//!
//! Every documented field is typed, every field is a [`Lenient`] (absent keys are omitted by the API,
//! and a value of an unexpected type must not lose the offer), and unknown keys are ignored so a new
//! API field never breaks a run. Serialization is not needed: raw pages are archived as received.

use serde::Deserialize;

use crate::lenient_map;
use crate::source::lenient::Lenient;

type S = Lenient<String>;
type F = Lenient<f64>;
type I = Lenient<i64>;
type B = Lenient<bool>;
type L<T> = Lenient<Vec<Lenient<T>>>;

/// One offer of `GET /v2/offres/search` (in `resultats`) or `GET /v2/offres/{id}`.
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default, rename_all = "camelCase", remote = "Self")]
pub struct RawOffer {
    pub id: S,
    pub intitule: S,
    pub description: S,
    pub date_creation: S,
    pub date_actualisation: S,
    pub lieu_travail: Lenient<LieuTravail>,
    pub rome_code: S,
    pub rome_libelle: S,
    /// Sic: the API spells it with a lowercase `l`.
    #[serde(rename = "appellationlibelle")]
    pub appellation_libelle: S,
    pub entreprise: Lenient<Entreprise>,
    pub type_contrat: S,
    pub type_contrat_libelle: S,
    pub nature_contrat: S,
    pub experience_exige: S,
    pub experience_libelle: S,
    pub experience_commentaire: S,
    pub formations: L<Formation>,
    pub langues: L<Libelle>,
    pub permis: L<Libelle>,
    pub competences: L<Competence>,
    pub qualites_professionnelles: L<Libelle>,
    pub salaire: Lenient<Salaire>,
    pub duree_travail_libelle: S,
    pub duree_travail_libelle_converti: S,
    pub alternance: B,
    pub nombre_postes: I,
    #[serde(rename = "accessibleTH")]
    pub accessible_th: B,
    pub deplacement_code: S,
    pub deplacement_libelle: S,
    pub qualification_code: S,
    pub qualification_libelle: S,
    #[serde(rename = "codeNAF")]
    pub code_naf: S,
    pub secteur_activite: S,
    pub secteur_activite_libelle: S,
    pub tranche_effectif_etab: S,
    pub complement_exercice: S,
    pub condition_exercice: S,
    pub offres_manque_candidats: B,
    pub contexte_travail: Lenient<ContexteTravail>,
    pub entreprise_adaptee: B,
    pub employeur_handi_engage: B,
    pub contact: Lenient<Contact>,
    pub origine_offre: Lenient<OrigineOffre>,
    pub pays: S,
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default, rename_all = "camelCase", remote = "Self")]
pub struct LieuTravail {
    pub libelle: S,
    pub latitude: F,
    pub longitude: F,
    pub code_postal: S,
    pub commune: S,
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default, rename_all = "camelCase", remote = "Self")]
pub struct Entreprise {
    pub nom: S,
    pub description: S,
    pub logo: S,
    pub url: S,
    pub entreprise_adaptee: B,
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default, rename_all = "camelCase", remote = "Self")]
pub struct Formation {
    pub code_formation: S,
    pub domaine_libelle: S,
    pub niveau_libelle: S,
    pub commentaire: S,
    pub exigence: S,
}

/// `langues[]`, `permis[]`, `qualitesProfessionnelles[]`.
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default, rename_all = "camelCase", remote = "Self")]
pub struct Libelle {
    pub libelle: S,
    pub exigence: S,
    pub description: S,
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default, rename_all = "camelCase", remote = "Self")]
pub struct Competence {
    pub code: S,
    pub libelle: S,
    pub exigence: S,
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default, rename_all = "camelCase", remote = "Self")]
pub struct Salaire {
    pub libelle: S,
    pub commentaire: S,
    pub complement1: S,
    pub complement2: S,
    pub liste_complements: L<CodeLibelle>,
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default, rename_all = "camelCase", remote = "Self")]
pub struct CodeLibelle {
    pub code: S,
    pub libelle: S,
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default, rename_all = "camelCase", remote = "Self")]
pub struct ContexteTravail {
    pub horaires: Lenient<Vec<S>>,
    pub conditions_exercice: Lenient<Vec<S>>,
}

/// Personal data: only `url_postulation` reaches the normalized output.
#[derive(Deserialize, Default, Clone)]
#[serde(default, rename_all = "camelCase", remote = "Self")]
pub struct Contact {
    pub url_postulation: S,
    pub url_recruteur: S,
}

impl std::fmt::Debug for Contact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contact")
            .field("url_postulation", &self.url_postulation)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default, rename_all = "camelCase", remote = "Self")]
pub struct OrigineOffre {
    pub origine: S,
    pub url_origine: S,
    pub partenaires: L<Partenaire>,
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default, rename_all = "camelCase", remote = "Self")]
pub struct Partenaire {
    pub nom: S,
    pub url: S,
    pub logo: S,
}

lenient_map!(
    RawOffer,
    LieuTravail,
    Entreprise,
    Formation,
    Libelle,
    Competence,
    Salaire,
    CodeLibelle,
    ContexteTravail,
    Contact,
    OrigineOffre,
    Partenaire,
    SearchBody,
);

/// The body of `GET /v2/offres/search`.
#[derive(Deserialize, Debug, Default)]
#[serde(default, rename_all = "camelCase", remote = "Self")]
pub struct SearchBody {
    pub resultats: Vec<RawOffer>,
}

/// One entry of a referential (`GET /v2/referentiel/departements`, …).
#[derive(Deserialize, serde::Serialize, Debug, Clone, PartialEq)]
pub struct Referentiel {
    pub code: String,
    pub libelle: String,
}
