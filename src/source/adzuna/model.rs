//! The raw Adzuna search response, as the API sends it.
//!
//! Why: Adzuna omits optional keys (coordinates, salaries, contract fields) instead of sending
//! null, sends `salary_is_predicted` as the string `"0"`/`"1"`, varies key order, and decorates every
//! object with a `__CLASS__` key. Invariant: decoding a syntactically valid response never fails
//! because of a field's type or a missing key — every field is a [`Lenient`], unknown keys (including
//! `__CLASS__`) are ignored, and the normalizer decides what a missing or mistyped value means.

use serde::Deserialize;

use crate::lenient_map;
use crate::source::lenient::Lenient;

type S = Lenient<String>;
type F = Lenient<f64>;

/// One job of `results`.
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default, remote = "Self")]
pub struct RawJob {
    /// A string of digits.
    pub id: S,
    pub adref: S,
    pub title: S,
    /// A snippet of about 500 characters.
    pub description: S,
    /// `2025-07-10T12:38:15Z`.
    pub created: S,
    /// The Adzuna landing page; carries `utm_source=<app id>`.
    pub redirect_url: S,
    pub company: Lenient<Company>,
    pub location: Lenient<Location>,
    pub category: Lenient<Category>,
    pub latitude: F,
    pub longitude: F,
    pub salary_min: F,
    pub salary_max: F,
    /// `"1"` when Adzuna estimated the salary, `"0"` when the advert gave it.
    pub salary_is_predicted: S,
    /// `permanent` or `contract`.
    pub contract_type: S,
    /// `full_time` or `part_time`.
    pub contract_time: S,
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default, remote = "Self")]
pub struct Company {
    pub display_name: S,
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default, remote = "Self")]
pub struct Location {
    pub display_name: S,
    /// From the country down: `["France", "Ile-de-France", "Hauts-de-Seine", "Antony"]`.
    pub area: Lenient<Vec<S>>,
}

#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default, remote = "Self")]
pub struct Category {
    pub tag: S,
    pub label: S,
}

lenient_map!(RawJob, Company, Location, Category, SearchBody);

/// The body of `GET /jobs/{country}/search/{page}`.
#[derive(Deserialize, Debug, Default)]
#[serde(default, remote = "Self")]
pub struct SearchBody {
    /// How many jobs match the query (all pages).
    pub count: Lenient<f64>,
    pub mean: F,
    pub results: Lenient<Vec<Lenient<RawJob>>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_keys_class_keys_and_odd_types() {
        let body: SearchBody = serde_json::from_str(
            r#"{"__CLASS__":"Adzuna::API::Response::JobSearchResults","count":2,"results":[
                {"__CLASS__":"Adzuna::API::Response::Job","id":"5291949745","salary_is_predicted":"1",
                 "location":{"area":["US","Maryland"],"__CLASS__":"x","display_name":"Barstow"},"salary_min":119228.48},
                {"id":"42","latitude":"north","company":[1],"created":"2025-07-08T10:17:46Z"},
                null
            ]}"#,
        )
        .unwrap();
        assert_eq!(body.count, Lenient::Value(2.0));
        let results = body.results.get().unwrap();
        assert_eq!(results.len(), 3);
        let a = results[0].get().unwrap();
        assert_eq!(a.id.get().map(String::as_str), Some("5291949745"));
        assert_eq!(a.salary_is_predicted.get().map(String::as_str), Some("1"));
        assert_eq!(a.latitude, Lenient::Absent);
        assert_eq!(a.salary_min, Lenient::Value(119228.48));
        let area = a.location.get().unwrap().area.get().unwrap();
        assert_eq!(area.len(), 2);
        let b = results[1].get().unwrap();
        assert!(b.latitude.is_invalid());
        assert!(b.company.is_invalid());
        assert!(matches!(results[2], Lenient::Null));
    }
}
