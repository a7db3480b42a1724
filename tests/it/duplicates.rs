//! Duplicate detection against the simulator's planted duplicates (issue 17): France Travail
//! reposts (a new id for an earlier offer's job) and Adzuna copies of France Travail offers,
//! collected together into one CSV. The truth is `SimHandle::planted_duplicates`; a group is right
//! when every row in it is the same planted job.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use ftcollect::collect::{self, RunStatus};
use ftcollect::error::Error;
use ftcollect::normalize::NormalizedOffer;
use ftcollect::simulator::{AdzunaSimConfig, DuplicateShapes};
use ftcollect::source::adzuna::Limits;

use crate::harness::*;

const KEY: &str = "dup-test-key";

/// Every row of a CSV this tool wrote.
fn read_rows(path: &std::path::Path) -> Vec<NormalizedOffer> {
    let mut rows = Vec::new();
    ftcollect::sink::csv::read_offers(
        std::fs::File::open(path).unwrap(),
        |e| Error::Usage(format!("{e:?}")),
        |o| {
            rows.push(o);
            Ok(())
        },
    )
    .unwrap();
    rows
}

/// The planted job of each `source/id`: the root of its chain of duplicates.
fn jobs_of(pairs: &[(String, String)]) -> HashMap<String, String> {
    let parent: HashMap<&str, &str> = pairs
        .iter()
        .map(|(d, o)| (d.as_str(), o.as_str()))
        .collect();
    let root = |k: &str| {
        let mut k = k.to_string();
        while let Some(p) = parent.get(k.as_str()) {
            k = p.to_string();
        }
        k
    };
    pairs
        .iter()
        .flat_map(|(d, o)| [d, o])
        .map(|k| (k.clone(), root(k)))
        .collect()
}

#[test]
fn planted_reposts_and_adzuna_copies_are_grouped_and_the_groups_are_right() {
    // Limits no run comes near, on both sides.
    let limits = Limits {
        minute: 100_000,
        day: 100_000,
        week: 100_000,
        month: 100_000,
    };
    let sim = sim_with(10_000, |c| {
        c.duplicates = DuplicateShapes::REALISTIC;
        c.adzuna = AdzunaSimConfig {
            app_key: KEY.into(),
            offers: 2_000,
            limits,
            ..Default::default()
        };
    });
    let dir = tempdir();
    let out = dir.path().join("mixed.csv");
    let c = crate::adzuna::mixed_config(&sim, dir.path(), &out, KEY, limits);
    let outcome = collect::collect(&c).unwrap();
    assert_eq!(outcome.status, RunStatus::Complete);

    let rows = read_rows(&out);
    // The value is a function of the row's own columns: recomputed from the CSV it is the same, so
    // a resume, a Parquet conversion or a history dataset can never disagree with the first write.
    assert!(
        rows.iter()
            .all(|r| r.duplicate_group == ftcollect::normalize::duplicates::duplicate_group(r))
    );
    let group: HashMap<String, Option<&str>> = rows
        .iter()
        .map(|r| {
            (
                format!("{}/{}", r.source, r.id),
                r.duplicate_group.as_deref(),
            )
        })
        .collect();
    let planted = sim.planted_duplicates();
    let reposts = planted
        .iter()
        .filter(|(d, _)| d.starts_with("france_travail/"))
        .count();
    // Pairs whose two rows were both collected (the query sees only some ROME codes and months).
    let collected: Vec<&(String, String)> = planted
        .iter()
        .filter(|(d, o)| group.contains_key(d) && group.contains_key(o))
        .collect();
    let grouped = collected
        .iter()
        .filter(|(d, o)| group[d].is_some() && group[d] == group[o])
        .count();
    let missed: Vec<&&(String, String)> = collected
        .iter()
        .filter(|(d, o)| !(group[d].is_some() && group[d] == group[o]))
        .collect();

    // Every group formed, checked against the truth.
    let jobs = jobs_of(&planted);
    let mut groups: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (k, g) in &group {
        if let Some(g) = g {
            groups.entry(g).or_default().push(k.clone());
        }
    }
    groups.retain(|_, members| members.len() > 1);
    let wrong: Vec<&Vec<String>> = groups
        .values()
        .filter(|members| {
            let roots: BTreeSet<Option<&String>> = members.iter().map(|m| jobs.get(m)).collect();
            roots.len() != 1 || roots.contains(&None)
        })
        .collect();
    let row: HashMap<String, &NormalizedOffer> = rows
        .iter()
        .map(|r| (format!("{}/{}", r.source, r.id), r))
        .collect();
    let cross: Vec<&&(String, String)> = collected
        .iter()
        .filter(|(d, _)| d.starts_with("adzuna/"))
        .collect();
    // The copies differ from their originals the way Adzuna's do, and the key reads through it.
    let retitled = cross
        .iter()
        .filter(|(d, o)| row[d].title != row[o].title)
        .count();
    let paris = cross
        .iter()
        .filter(|(d, _)| {
            row[d]
                .location_name
                .as_deref()
                .is_some_and(|l| l.contains("Arrondissement"))
        })
        .count();
    let snippets = cross
        .iter()
        .filter(|(d, o)| row[d].description != row[o].description)
        .count();
    let escaped = rows
        .iter()
        .filter(|r| {
            r.description
                .as_deref()
                .is_some_and(|d| d.contains("&eacute;"))
        })
        .count();
    let upper = collected
        .iter()
        .filter(|(d, _)| {
            d.starts_with("france_travail/") && row[d].title == row[d].title.to_uppercase()
        })
        .count();
    assert_eq!(rows.len(), 7_324);
    // Planted: 200 reposts (2% of 10,000) and 400 copies (20% of Adzuna's 2,000); the query (five
    // ROME codes, 12 months, five Adzuna phrases) collects both rows of 166 pairs.
    assert_eq!((planted.len(), reposts), (600, 200));
    assert_eq!((collected.len(), cross.len()), (166, 147));
    // Recall: every collected pair is grouped (>= 0.99 required).
    assert_eq!(missed, Vec::<&&(String, String)>::new());
    assert_eq!(grouped, 166);
    // Precision: 166 groups formed, none wrong (<= 1% required): no two different jobs share a key.
    assert_eq!(groups.len(), 166);
    assert_eq!(wrong, Vec::<&Vec<String>>::new());
    // The shapes the key reads through: 25 copies retitled (no `(H/F)`), 26 Paris copies named
    // `Paris 8e Arrondissement` where France Travail says `PARIS 08`, every copy's text a one-line
    // 500-character snippet, 10 reposts upper-cased, 127 escaped descriptions in the file.
    assert_eq!(
        (retitled, paris, snippets, upper, escaped),
        (25, 26, 147, 10, 127)
    );
}
