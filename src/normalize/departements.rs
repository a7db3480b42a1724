//! The 101 French départements, their names and their regions (the 18 regions since 2016).
//!
//! One static table shared by the normalizer (département → region), the collector (which codes the
//! API's `departement` filter accepts) and the simulator. The invariant: the table holds exactly the
//! 101 codes the API accepts (`01`…`19`, `2A`, `2B`, `21`…`95`, `971`…`974`, `976`; no `20`, no `975`,
//! no `977`/`978`), in that order, and every region named is one of [`REGIONS`]. Lookups are O(1):
//! a code maps arithmetically to its row.

/// One département.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Departement {
    /// The INSEE code: `01`…`95`, `2A`, `2B`, `971`…`976`.
    pub code: &'static str,
    /// The name, with its official spelling.
    pub name: &'static str,
    /// The region's name, one of [`REGIONS`].
    pub region: &'static str,
}

const fn d(code: &'static str, name: &'static str, region: &'static str) -> Departement {
    Departement { code, name, region }
}

const ARA: &str = "Auvergne-Rhône-Alpes";
const BFC: &str = "Bourgogne-Franche-Comté";
const BRE: &str = "Bretagne";
const CVL: &str = "Centre-Val de Loire";
const COR: &str = "Corse";
const GES: &str = "Grand Est";
const HDF: &str = "Hauts-de-France";
const IDF: &str = "Île-de-France";
const NOR: &str = "Normandie";
const NAQ: &str = "Nouvelle-Aquitaine";
const OCC: &str = "Occitanie";
const PDL: &str = "Pays de la Loire";
const PAC: &str = "Provence-Alpes-Côte d'Azur";
const GUA: &str = "Guadeloupe";
const MTQ: &str = "Martinique";
const GUY: &str = "Guyane";
const REU: &str = "La Réunion";
const MAY: &str = "Mayotte";

/// The 18 regions (13 metropolitan, 5 overseas), as spelled in [`DEPARTEMENTS`].
pub const REGIONS: [&str; 18] = [
    ARA, BFC, BRE, CVL, COR, GES, HDF, IDF, NOR, NAQ, OCC, PDL, PAC, GUA, MTQ, GUY, REU, MAY,
];

/// The 101 départements, in the API's order.
pub const DEPARTEMENTS: [Departement; 101] = [
    d("01", "Ain", ARA),
    d("02", "Aisne", HDF),
    d("03", "Allier", ARA),
    d("04", "Alpes-de-Haute-Provence", PAC),
    d("05", "Hautes-Alpes", PAC),
    d("06", "Alpes-Maritimes", PAC),
    d("07", "Ardèche", ARA),
    d("08", "Ardennes", GES),
    d("09", "Ariège", OCC),
    d("10", "Aube", GES),
    d("11", "Aude", OCC),
    d("12", "Aveyron", OCC),
    d("13", "Bouches-du-Rhône", PAC),
    d("14", "Calvados", NOR),
    d("15", "Cantal", ARA),
    d("16", "Charente", NAQ),
    d("17", "Charente-Maritime", NAQ),
    d("18", "Cher", CVL),
    d("19", "Corrèze", NAQ),
    d("2A", "Corse-du-Sud", COR),
    d("2B", "Haute-Corse", COR),
    d("21", "Côte-d'Or", BFC),
    d("22", "Côtes-d'Armor", BRE),
    d("23", "Creuse", NAQ),
    d("24", "Dordogne", NAQ),
    d("25", "Doubs", BFC),
    d("26", "Drôme", ARA),
    d("27", "Eure", NOR),
    d("28", "Eure-et-Loir", CVL),
    d("29", "Finistère", BRE),
    d("30", "Gard", OCC),
    d("31", "Haute-Garonne", OCC),
    d("32", "Gers", OCC),
    d("33", "Gironde", NAQ),
    d("34", "Hérault", OCC),
    d("35", "Ille-et-Vilaine", BRE),
    d("36", "Indre", CVL),
    d("37", "Indre-et-Loire", CVL),
    d("38", "Isère", ARA),
    d("39", "Jura", BFC),
    d("40", "Landes", NAQ),
    d("41", "Loir-et-Cher", CVL),
    d("42", "Loire", ARA),
    d("43", "Haute-Loire", ARA),
    d("44", "Loire-Atlantique", PDL),
    d("45", "Loiret", CVL),
    d("46", "Lot", OCC),
    d("47", "Lot-et-Garonne", NAQ),
    d("48", "Lozère", OCC),
    d("49", "Maine-et-Loire", PDL),
    d("50", "Manche", NOR),
    d("51", "Marne", GES),
    d("52", "Haute-Marne", GES),
    d("53", "Mayenne", PDL),
    d("54", "Meurthe-et-Moselle", GES),
    d("55", "Meuse", GES),
    d("56", "Morbihan", BRE),
    d("57", "Moselle", GES),
    d("58", "Nièvre", BFC),
    d("59", "Nord", HDF),
    d("60", "Oise", HDF),
    d("61", "Orne", NOR),
    d("62", "Pas-de-Calais", HDF),
    d("63", "Puy-de-Dôme", ARA),
    d("64", "Pyrénées-Atlantiques", NAQ),
    d("65", "Hautes-Pyrénées", OCC),
    d("66", "Pyrénées-Orientales", OCC),
    d("67", "Bas-Rhin", GES),
    d("68", "Haut-Rhin", GES),
    d("69", "Rhône", ARA),
    d("70", "Haute-Saône", BFC),
    d("71", "Saône-et-Loire", BFC),
    d("72", "Sarthe", PDL),
    d("73", "Savoie", ARA),
    d("74", "Haute-Savoie", ARA),
    d("75", "Paris", IDF),
    d("76", "Seine-Maritime", NOR),
    d("77", "Seine-et-Marne", IDF),
    d("78", "Yvelines", IDF),
    d("79", "Deux-Sèvres", NAQ),
    d("80", "Somme", HDF),
    d("81", "Tarn", OCC),
    d("82", "Tarn-et-Garonne", OCC),
    d("83", "Var", PAC),
    d("84", "Vaucluse", PAC),
    d("85", "Vendée", PDL),
    d("86", "Vienne", NAQ),
    d("87", "Haute-Vienne", NAQ),
    d("88", "Vosges", GES),
    d("89", "Yonne", BFC),
    d("90", "Territoire de Belfort", BFC),
    d("91", "Essonne", IDF),
    d("92", "Hauts-de-Seine", IDF),
    d("93", "Seine-Saint-Denis", IDF),
    d("94", "Val-de-Marne", IDF),
    d("95", "Val-d'Oise", IDF),
    d("971", "Guadeloupe", GUA),
    d("972", "Martinique", MTQ),
    d("973", "Guyane", GUY),
    d("974", "La Réunion", REU),
    d("976", "Mayotte", MAY),
];

/// The row of `code` in [`DEPARTEMENTS`], computed without a search. Codes are exact (`2A`, not `2a`).
fn index_of(code: &str) -> Option<usize> {
    match code.as_bytes() {
        [b'2', b'A'] => Some(19),
        [b'2', b'B'] => Some(20),
        &[a, b] if a.is_ascii_digit() && b.is_ascii_digit() => {
            let n = usize::from(a - b'0') * 10 + usize::from(b - b'0');
            // 01…19 sit at 0…18; 2A and 2B at 19 and 20; 21…95 at 21…95.
            match n {
                1..=19 => Some(n - 1),
                21..=95 => Some(n),
                _ => None,
            }
        }
        [b'9', b'7', c @ b'1'..=b'4'] => Some(96 + usize::from(c - b'1')),
        [b'9', b'7', b'6'] => Some(100),
        _ => None,
    }
}

/// The département with this exact code.
pub fn departement(code: &str) -> Option<&'static Departement> {
    index_of(code).map(|i| &DEPARTEMENTS[i])
}

/// True when `code` is one of the 101 département codes (exact spelling: `2A`, `01`).
pub fn is_departement(code: &str) -> bool {
    index_of(code).is_some()
}

/// The region of the département `code`.
pub fn region_of(code: &str) -> Option<&'static str> {
    departement(code).map(|d| d.region)
}

/// The name of the département `code`.
pub fn name_of(code: &str) -> Option<&'static str> {
    departement(code).map(|d| d.name)
}

/// True for the five overseas départements (`971`…`974`, `976`).
pub fn is_overseas(code: &str) -> bool {
    is_departement(code) && code.len() == 3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_holds_the_101_api_codes_in_order_and_indexing_agrees() {
        let mut expected: Vec<String> = (1..=19).map(|n| format!("{n:02}")).collect();
        expected.push("2A".into());
        expected.push("2B".into());
        expected.extend((21..=95).map(|n| n.to_string()));
        expected.extend(["971", "972", "973", "974", "976"].map(String::from));
        let codes: Vec<&str> = DEPARTEMENTS.iter().map(|d| d.code).collect();
        assert_eq!(codes, expected);
        for (i, d) in DEPARTEMENTS.iter().enumerate() {
            assert_eq!(index_of(d.code), Some(i), "{}", d.code);
            assert!(REGIONS.contains(&d.region), "{}", d.region);
        }
        // The official number of départements per region.
        let per_region = [12, 8, 4, 6, 2, 10, 5, 8, 5, 12, 13, 5, 6, 1, 1, 1, 1, 1];
        for (r, n) in REGIONS.iter().zip(per_region) {
            assert_eq!(
                DEPARTEMENTS.iter().filter(|d| d.region == *r).count(),
                n,
                "{r}"
            );
        }
    }

    #[test]
    fn non_codes_are_rejected() {
        for c in [
            "", "0", "00", "20", "96", "99", "2C", "2a", "970", "975", "977", "978", "984", "988",
            "1", "100", "7", "075", "75 ", "9710", "é",
        ] {
            assert!(!is_departement(c), "{c:?}");
            assert_eq!(region_of(c), None);
        }
    }

    #[test]
    fn regions_of_edge_codes() {
        assert_eq!(region_of("75"), Some("Île-de-France"));
        assert_eq!(region_of("2A"), Some("Corse"));
        assert_eq!(region_of("2B"), Some("Corse"));
        assert_eq!(region_of("01"), Some("Auvergne-Rhône-Alpes"));
        assert_eq!(region_of("971"), Some("Guadeloupe"));
        assert_eq!(region_of("974"), Some("La Réunion"));
        assert_eq!(region_of("976"), Some("Mayotte"));
        assert_eq!(region_of("13"), Some("Provence-Alpes-Côte d'Azur"));
        assert_eq!(region_of("44"), Some("Pays de la Loire"));
        assert_eq!(region_of("90"), Some("Bourgogne-Franche-Comté"));
        assert_eq!(name_of("2B"), Some("Haute-Corse"));
        assert_eq!(name_of("95"), Some("Val-d'Oise"));
        assert!(is_overseas("973"));
        assert!(!is_overseas("97"));
        assert!(!is_overseas("75"));
    }
}
