//! The run's tally of anomalies met while normalizing.
//!
//! Normalization never fails and never drops an offer because of a bad field: it writes null and
//! counts what it saw here instead, so a run summary can say "`lieuTravail.latitude`: 3 values of an
//! unexpected type" rather than hiding the problem. The invariant: every `Lenient::Invalid` that the
//! normalizer meets, and every other anomaly it repairs or skips, adds exactly one to one named counter.
//! Counters are keyed by the raw field path (`lieuTravail.latitude`) or by a short description
//! (`offer without id`), and iterate in name order so summaries are stable.

use crate::source::lenient::Lenient;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Counts of anomalies by name, for one run (or one worker, to be [`merge`](Warnings::merge)d).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Warnings {
    counts: BTreeMap<String, u64>,
}

impl Warnings {
    /// Counts one occurrence of `what`. Allocates only the first time a name is seen.
    pub fn note(&mut self, what: &'static str) {
        self.add(what, 1);
    }

    /// Counts `n` occurrences of `what`.
    pub fn add(&mut self, what: &str, n: u64) {
        if n == 0 {
            return;
        }
        match self.counts.get_mut(what) {
            Some(c) => *c = c.saturating_add(n),
            None => {
                self.counts.insert(what.to_string(), n);
            }
        }
    }

    /// Adds every counter of `other` to this tally.
    pub fn merge(&mut self, other: &Warnings) {
        for (name, n) in &other.counts {
            self.add(name, *n);
        }
    }

    /// The sum of all counters.
    pub fn total(&self) -> u64 {
        self.counts.values().fold(0u64, |a, n| a.saturating_add(*n))
    }

    /// The counter for `what` (0 when never noted).
    pub fn count(&self, what: &str) -> u64 {
        self.counts.get(what).copied().unwrap_or(0)
    }

    /// True when nothing was noted.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The counters as (name, count), sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> + '_ {
        self.counts.iter().map(|(k, v)| (k.as_str(), *v))
    }
}

/// A well-typed raw value, or `None`; an `Invalid` one is counted under `path`. The one place a
/// raw field becomes a value or a counted warning (both sources use it).
pub(crate) fn get<'a, T>(
    field: &'a Lenient<T>,
    path: &'static str,
    w: &mut Warnings,
) -> Option<&'a T> {
    match field {
        Lenient::Value(v) => Some(v),
        Lenient::Invalid => {
            w.note(path);
            None
        }
        Lenient::Absent | Lenient::Null => None,
    }
}

/// A string that is not free text: blank strings are null.
pub(crate) fn code<'a>(
    field: &'a Lenient<String>,
    path: &'static str,
    w: &mut Warnings,
) -> Option<&'a str> {
    get(field, path, w)
        .map(String::as_str)
        .filter(|s| !s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_merges_and_sorts() {
        let mut a = Warnings::default();
        assert!(a.is_empty());
        a.note("lieuTravail.latitude");
        a.note("lieuTravail.latitude");
        a.note("id");
        let mut b = Warnings::default();
        b.note("offer without id");
        b.note("id");
        a.merge(&b);
        assert_eq!(a.total(), 5);
        assert_eq!(a.count("id"), 2);
        assert_eq!(a.count("nothing"), 0);
        let v: Vec<_> = a.iter().collect();
        assert_eq!(
            v,
            vec![
                ("id", 2),
                ("lieuTravail.latitude", 2),
                ("offer without id", 1)
            ]
        );
    }

    #[test]
    fn serializes_as_a_plain_json_object() {
        let mut w = Warnings::default();
        w.note("salaire.libelle");
        w.add("offer without id", 3);
        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(json, r#"{"offer without id":3,"salaire.libelle":1}"#);
        let back: Warnings = serde_json::from_str(&json).unwrap();
        assert_eq!(back, w);
    }
}
