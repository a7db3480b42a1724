//! The grid strategy: the seed's systematic search, département × ROME code × calendar month.
//!
//! Invariant: the grid covers the whole query. Offers without a département match no
//! département-filtered query, so each ROME code × month also gets one unfiltered slice (the
//! "national complement"); slices over the cap are cut like any other (by time first).

use chrono::{DateTime, Datelike, TimeZone, Utc};

use super::adaptive::all_departements;
use super::slice::SliceSpec;
use crate::source::france_travail::CreationWindow;

/// Calendar months (UTC) covering `window`, clipped to it; adjacent windows share their boundary.
pub fn months(window: CreationWindow) -> Vec<CreationWindow> {
    let mut out = Vec::new();
    let mut start = window.min;
    while start < window.max {
        let next = next_month(start).min(window.max);
        out.push(CreationWindow {
            min: start,
            max: next,
        });
        start = next;
    }
    out
}

fn next_month(t: DateTime<Utc>) -> DateTime<Utc> {
    let (y, m) = if t.month() == 12 {
        (t.year() + 1, 1)
    } else {
        (t.year(), t.month() + 1)
    };
    Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0).single().unwrap_or(t)
}

/// The grid's slices: for each département (all 101 by default, plus the national complement),
/// each ROME code and each month.
pub fn roots(
    rome_codes: &[String],
    departements: Option<&[String]>,
    window: CreationWindow,
) -> Vec<SliceSpec> {
    let (depts, complement) = match departements {
        Some(d) => (d.to_vec(), false),
        None => (all_departements(), true),
    };
    let mut out = Vec::new();
    for month in months(window) {
        for rome in rome_codes {
            for d in &depts {
                out.push(SliceSpec {
                    type_contrat: Vec::new(),
                    rome_codes: vec![rome.clone()],
                    departements: vec![d.clone()],
                    window: month,
                });
            }
            if complement {
                out.push(SliceSpec {
                    type_contrat: Vec::new(),
                    rome_codes: vec![rome.clone()],
                    departements: Vec::new(),
                    window: month,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_calendar_months_sharing_boundaries() {
        let w = CreationWindow {
            min: Utc.with_ymd_and_hms(2025, 11, 15, 10, 0, 0).unwrap(),
            max: Utc.with_ymd_and_hms(2026, 2, 3, 8, 0, 0).unwrap(),
        };
        let m = months(w);
        assert_eq!(m.len(), 4);
        assert_eq!(m[0].min, w.min);
        assert_eq!(
            m[0].max,
            Utc.with_ymd_and_hms(2025, 12, 1, 0, 0, 0).unwrap()
        );
        assert_eq!(m[1].max, Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap());
        assert_eq!(m[3].min, Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap());
        assert_eq!(m[3].max, w.max);
        for pair in m.windows(2) {
            assert_eq!(pair[0].max, pair[1].min);
        }
    }

    #[test]
    fn grid_size() {
        let w = CreationWindow {
            min: Utc.with_ymd_and_hms(2025, 11, 15, 10, 0, 0).unwrap(),
            max: Utc.with_ymd_and_hms(2026, 2, 3, 8, 0, 0).unwrap(),
        };
        let codes = vec!["M1811".to_string(), "M1405".to_string()];
        assert_eq!(roots(&codes, None, w).len(), 4 * 2 * 102);
        let d = vec!["75".to_string()];
        assert_eq!(roots(&codes, Some(&d), w).len(), 4 * 2);
    }
}
