//! Where an offer is: département, region and coordinates from France Travail's `lieuTravail`.
//!
//! `lieuTravail.libelle` is `"<dép> - <commune>"` (`75 - Paris 15e Arrondissement`, `2A - SARROLA
//! CARCOPINO`, `971 - BASSE TERRE`), a bare code (`75`), or a place that is not a département
//! (`France`, `Ile-de-France`, `977 - Saint Barthélémy`, `Québec Canada`). The invariants: a
//! département code is only ever one of the 101 codes of [`super::departements`] (never guessed for
//! "France", a region, abroad or an overseas collectivity), and coordinates are only repaired when the
//! repair is unambiguous (a swapped metropolitan pair) and otherwise kept or nulled, never moved.
//!
//! Rules:
//! - the département comes from the code before ` - ` in the libelle when it is one; a code-like prefix
//!   that is not a département (`977`, `978`, `99`) means "no département"; otherwise (no code, or the
//!   old Corsican `20`) it falls back to the INSEE `commune` code: its first two characters, `2A`/`2B`,
//!   or its first three for `97x`. An offer whose `pays` is not France has no département.
//! - the region comes from the département table; when there is no département and the whole libelle is
//!   a region's name (`Ile-de-France`, `Grand Est`), that region (official spelling).
//! - coordinates: outside the world (|lat| > 90, |lon| > 180) or exactly (0, 0) → both null. A pair
//!   with latitude outside 41…52 whose longitude is inside 41…52 and whose latitude is inside −5.5…10 is
//!   a swapped metropolitan pair: swapped back. Overseas départements are never touched. A lone
//!   latitude or longitude is kept when it is on the globe, dropped otherwise.

use super::departements::{REGIONS, departement, is_overseas};
use super::remote::fold;

/// Metropolitan France's bounding box (latitude, longitude), with margins.
pub const METRO_LATITUDE: (f64, f64) = (41.0, 52.0);
pub const METRO_LONGITUDE: (f64, f64) = (-5.5, 10.0);

/// What the code at the head of a `lieuTravail.libelle` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LibelleCode {
    /// A département code (canonical spelling from the table).
    Departement(&'static str),
    /// A code that is not a département (`977`, `978`, `99`): the place is known not to be in one.
    NotDepartement,
    /// No usable code (`France`, a region, a city name, the old Corsican `20`): look elsewhere.
    Unknown,
}

/// Reads the code at the head of a libelle: `75 - PARIS 08` → `75`, `2a - X` → `2A`, `75` → `75`.
pub fn libelle_code(libelle: &str) -> LibelleCode {
    let t = libelle.trim_start();
    let end = t
        .find(|c: char| c.is_whitespace() || c == '-')
        .unwrap_or(t.len());
    let head = &t[..end];
    let b = head.as_bytes();
    let code_like = match b.len() {
        2 | 3 => b.iter().all(u8::is_ascii_digit),
        _ => false,
    } || matches!(b, [b'2', b'A' | b'B' | b'a' | b'b']);
    if !code_like {
        return LibelleCode::Unknown;
    }
    let upper = [b[0], b[1].to_ascii_uppercase()];
    let code = match b.len() {
        2 => std::str::from_utf8(&upper).ok(),
        _ => Some(head),
    };
    match code.and_then(departement) {
        Some(d) => LibelleCode::Departement(d.code),
        None if head == "20" => LibelleCode::Unknown,
        None => LibelleCode::NotDepartement,
    }
}

/// The département of an INSEE commune code: `75108` → `75`, `2A271` → `2A`, `97411` → `974`.
pub fn commune_departement(commune: &str) -> Option<&'static str> {
    let c = commune.trim();
    if c.len() != 5 || !c.is_ascii() {
        return None;
    }
    let code = if c.starts_with("97") {
        &c[..3]
    } else {
        &c[..2]
    };
    let upper = code.to_ascii_uppercase();
    departement(&upper).map(|d| d.code)
}

/// The région named by a whole libelle (`Ile-de-France` → `Île-de-France`), ignoring case, accents,
/// spaces, hyphens and apostrophes.
pub fn region_named(libelle: &str) -> Option<&'static str> {
    let key = |s: &str| -> String {
        fold(s)
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect()
    };
    let k = key(libelle);
    if k.is_empty() {
        return None;
    }
    if let Some(r) = REGIONS.iter().find(|r| key(r) == k) {
        return Some(r);
    }
    match k.as_str() {
        "reunion" => Some("La Réunion"),
        "paca" => Some("Provence-Alpes-Côte d'Azur"),
        "centre" => Some("Centre-Val de Loire"),
        _ => None,
    }
}

/// The département and region of a work place.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Place {
    pub department_code: Option<&'static str>,
    pub region_name: Option<&'static str>,
    /// Where the département came from: [`FROM_LIBELLE`], [`FROM_COMMUNE`] or [`FROM_COMMUNE_OVER_PAYS`].
    pub department_source: Option<&'static str>,
}

/// `department_source` values.
pub const FROM_LIBELLE: &str = "libelle";
pub const FROM_COMMUNE: &str = "commune";
pub const FROM_COMMUNE_OVER_PAYS: &str = "commune_over_pays";

/// The same place's other fields, used to overrule a `pays` that contradicts them.
#[derive(Clone, Copy, Debug, Default)]
pub struct Evidence<'a> {
    pub postal_code: Option<&'a str>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// The département of a French postal code: `44000` → `44`, `20000` → none (Corsica's postal codes
/// start with 20 for both départements), `97400` → `974`.
pub fn postal_departement(postal: &str) -> Option<&'static str> {
    let p = postal.trim();
    if p.len() != 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let code = if p.starts_with("97") {
        &p[..3]
    } else {
        &p[..2]
    };
    departement(code).map(|d| d.code)
}

/// Locates an offer from its `lieuTravail.libelle`, `lieuTravail.commune` and `pays`.
pub fn place(libelle: Option<&str>, commune: Option<&str>, pays: Option<&str>) -> Place {
    place_with(libelle, commune, pays, Evidence::default())
}

/// [`place`], where a `pays` other than France is overruled when everything else places the offer
/// in one French département: the libelle has no code (`Rome`), the commune code and the postal code
/// give the same département, and the coordinates, when present, lie in metropolitan France (for a
/// metropolitan département). Real case: 143KJFL, `pays` `Italie`, libelle `Rome`, commune 44109,
/// postal code 44000, coordinates in Nantes → 44, Pays de la Loire, `commune_over_pays`.
pub fn place_with(
    libelle: Option<&str>,
    commune: Option<&str>,
    pays: Option<&str>,
    evidence: Evidence<'_>,
) -> Place {
    let abroad = pays.is_some_and(|p| {
        let p = p.trim();
        !p.is_empty() && fold(p) != "france"
    });
    let from_libelle = libelle.map_or(LibelleCode::Unknown, libelle_code);
    if abroad {
        return overruled_pays(from_libelle, commune, evidence).unwrap_or_default();
    }
    let (department_code, department_source) = match from_libelle {
        LibelleCode::Departement(c) => (Some(c), Some(FROM_LIBELLE)),
        LibelleCode::NotDepartement => (None, None),
        LibelleCode::Unknown => match commune.and_then(commune_departement) {
            Some(c) => (Some(c), Some(FROM_COMMUNE)),
            None => (None, None),
        },
    };
    let region_name = match department_code {
        Some(c) => departement(c).map(|d| d.region),
        None if from_libelle == LibelleCode::Unknown => libelle.and_then(region_named),
        None => None,
    };
    Place {
        department_code,
        region_name,
        department_source,
    }
}

/// The place of an offer whose `pays` is not France but whose other fields agree on a French
/// département (see [`place_with`]).
fn overruled_pays(
    from_libelle: LibelleCode,
    commune: Option<&str>,
    e: Evidence<'_>,
) -> Option<Place> {
    if from_libelle != LibelleCode::Unknown {
        return None;
    }
    let c = commune.and_then(commune_departement)?;
    if e.postal_code.and_then(postal_departement) != Some(c) {
        return None;
    }
    if !is_overseas(c) {
        let inside = |v: Option<f64>, r| v.is_none_or(|v| within(v, r));
        if !(inside(e.latitude, METRO_LATITUDE) && inside(e.longitude, METRO_LONGITUDE)) {
            return None;
        }
    }
    Some(Place {
        department_code: Some(c),
        region_name: departement(c).map(|d| d.region),
        department_source: Some(FROM_COMMUNE_OVER_PAYS),
    })
}

/// Coordinates after checking.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Coordinates {
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// The pair arrived swapped and was put back.
    pub swapped: bool,
    /// The pair was impossible (off the globe, or exactly 0, 0) and was dropped.
    pub dropped: bool,
}

fn within(v: f64, (lo, hi): (f64, f64)) -> bool {
    v >= lo && v <= hi
}

/// A latitude or a longitude without the other: kept when it is on the globe, dropped otherwise
/// (found by fuzzing: a lone longitude of 1.9e14 reached the output).
pub fn lone_coordinate(latitude: Option<f64>, longitude: Option<f64>) -> Coordinates {
    let lat_ok = latitude.is_none_or(|v| v.is_finite() && v.abs() <= 90.0);
    let lon_ok = longitude.is_none_or(|v| v.is_finite() && v.abs() <= 180.0);
    Coordinates {
        latitude: latitude.filter(|_| lat_ok),
        longitude: longitude.filter(|_| lon_ok),
        swapped: false,
        dropped: !(lat_ok && lon_ok),
    }
}

/// Checks a latitude/longitude pair for the département `department` (see the module rules).
pub fn check_coordinates(
    latitude: Option<f64>,
    longitude: Option<f64>,
    department: Option<&str>,
) -> Coordinates {
    let (Some(lat), Some(lon)) = (latitude, longitude) else {
        return lone_coordinate(latitude, longitude);
    };
    if !lat.is_finite()
        || !lon.is_finite()
        || lat.abs() > 90.0
        || lon.abs() > 180.0
        || (lat == 0.0 && lon == 0.0)
    {
        // A latitude above 90 may be a swapped pair far from France: still impossible as given.
        return Coordinates {
            dropped: true,
            ..Coordinates::default()
        };
    }
    let overseas = department.is_some_and(is_overseas);
    if !overseas
        && !within(lat, METRO_LATITUDE)
        && within(lon, METRO_LATITUDE)
        && within(lat, METRO_LONGITUDE)
    {
        return Coordinates {
            latitude: Some(lon),
            longitude: Some(lat),
            swapped: true,
            dropped: false,
        };
    }
    Coordinates {
        latitude: Some(lat),
        longitude: Some(lon),
        ..Coordinates::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(libelle: &str, commune: Option<&str>) -> Option<&'static str> {
        place(Some(libelle), commune, None).department_code
    }

    #[test]
    fn codes_from_the_libelle() {
        assert_eq!(dep("75 - Paris 15e Arrondissement", None), Some("75"));
        assert_eq!(dep("75 - PARIS 08", Some("75108")), Some("75"));
        assert_eq!(dep("75 - Paris (Dept.)", None), Some("75"));
        assert_eq!(dep("75", Some("75056")), Some("75"));
        assert_eq!(dep("2A - SARROLA CARCOPINO", None), Some("2A"));
        assert_eq!(dep("2b - BASTIA", None), Some("2B"));
        assert_eq!(dep("971 - BASSE TERRE", None), Some("971"));
        assert_eq!(dep("974 - Région Est et Ouest", None), Some("974"));
        assert_eq!(dep("976 - MAMOUDZOU", None), Some("976"));
        assert_eq!(dep("01 - BOURG EN BRESSE", None), Some("01"));
        assert_eq!(dep("  65 - Pyrénées (Hautes)", None), Some("65"));
    }

    #[test]
    fn places_without_a_departement() {
        assert_eq!(place(Some("France"), None, None), Place::default());
        assert_eq!(dep("977 - Saint Barthélémy", Some("97701")), None);
        // Saint-Barthélemy was once a commune of Guadeloupe: the libelle wins.
        assert_eq!(dep("977 - Saint Barthélémy", Some("97123")), None);
        assert_eq!(dep("978 - Saint Martin", None), None);
        assert_eq!(dep("975 - Saint Pierre et Miquelon", None), None);
        assert_eq!(dep("99 - Belgique", None), None);
        assert_eq!(dep("Québec Canada", None), None);
        // Abroad per `pays`, whatever the commune says.
        assert_eq!(
            place(Some("Rome"), Some("44109"), Some("Italie")),
            Place::default()
        );
    }

    #[test]
    fn fallback_to_the_commune() {
        assert_eq!(dep("Rome", Some("44109")), Some("44"));
        assert_eq!(dep("France", Some("2A004")), Some("2A"));
        assert_eq!(dep("20 - AJACCIO", Some("2A004")), Some("2A"));
        assert_eq!(dep("20 - AJACCIO", None), None);
        assert_eq!(
            place(None, Some("97411"), Some("France")).department_code,
            Some("974")
        );
        assert_eq!(commune_departement("2b033"), Some("2B"));
        assert_eq!(commune_departement("97701"), None);
        assert_eq!(commune_departement("20004"), None);
        assert_eq!(commune_departement("7510"), None);
        assert_eq!(commune_departement("751é8"), None);
        assert_eq!(commune_departement(""), None);
    }

    #[test]
    fn regions() {
        assert_eq!(
            place(Some("75 - Paris"), None, None).region_name,
            Some("Île-de-France")
        );
        assert_eq!(
            place(Some("2A - AJACCIO"), None, None).region_name,
            Some("Corse")
        );
        assert_eq!(
            place(Some("971 - BASSE TERRE"), None, None).region_name,
            Some("Guadeloupe")
        );
        assert_eq!(
            place(Some("Ile-de-France"), None, None).region_name,
            Some("Île-de-France")
        );
        assert_eq!(
            place(Some("Ile-de-France"), None, None).department_code,
            None
        );
        assert_eq!(
            place(Some("Grand Est"), None, None).region_name,
            Some("Grand Est")
        );
        assert_eq!(
            place(Some("PROVENCE ALPES COTE D'AZUR"), None, None).region_name,
            Some("Provence-Alpes-Côte d'Azur")
        );
        assert_eq!(
            place(Some("Réunion"), None, None).region_name,
            Some("La Réunion")
        );
        assert_eq!(place(Some("France"), None, None).region_name, None);
        assert_eq!(
            place(Some("977 - Saint Barthélémy"), None, None).region_name,
            None
        );
    }

    #[test]
    fn coordinates() {
        let c = |a, b, d| check_coordinates(Some(a), Some(b), d);
        // Normal metropolitan pair.
        assert_eq!(c(48.873635, 2.3116, Some("75")).latitude, Some(48.873635));
        // Swapped pairs (Bordeaux, Paris), with or without a known département.
        let s = c(-0.580036, 44.841225, Some("33"));
        assert_eq!(
            (s.latitude, s.longitude, s.swapped),
            (Some(44.841225), Some(-0.580036), true)
        );
        let s = c(2.320041, 48.858889, None);
        assert_eq!(
            (s.latitude, s.longitude, s.swapped),
            (Some(48.858889), Some(2.320041), true)
        );
        // Overseas pairs are left alone: La Réunion, Mayotte (longitude 45 is inside 41…52), Guyane.
        for (a, b, d) in [
            (-20.9, 55.4, Some("974")),
            (-12.78, 45.23, Some("976")),
            (-12.78, 45.23, None),
            (4.93, -52.3, Some("973")),
        ] {
            let s = c(a, b, d);
            assert_eq!(
                (s.latitude, s.longitude, s.swapped),
                (Some(a), Some(b), false)
            );
        }
        // Impossible pairs are dropped.
        assert!(c(0.0, 0.0, None).dropped);
        let s = c(95.0, 2.0, None);
        assert_eq!((s.latitude, s.longitude, s.dropped), (None, None, true));
        // A lone value is kept as is when it is on the globe, dropped otherwise (found by fuzzing).
        let s = check_coordinates(Some(48.0), None, None);
        assert_eq!((s.latitude, s.longitude), (Some(48.0), None));
        let s = check_coordinates(None, Some(197714755723337.0), None);
        assert_eq!((s.latitude, s.longitude, s.dropped), (None, None, true));
        let s = check_coordinates(Some(-90.5), None, Some("75"));
        assert_eq!((s.latitude, s.longitude, s.dropped), (None, None, true));
        let s = check_coordinates(None, Some(-180.0), None);
        assert_eq!((s.longitude, s.dropped), (Some(-180.0), false));
    }

    #[test]
    fn odd_libelles_never_panic() {
        for l in [
            "", " ", "-", "é", "2", "2A", "97", "974", "9999 - X", "2Aé", "é - 75", "75-Paris",
            "\u{301}",
        ] {
            let _ = place(Some(l), Some(l), Some(l));
            let _ = libelle_code(l);
        }
        assert_eq!(libelle_code("75-Paris"), LibelleCode::Departement("75"));
    }
}
