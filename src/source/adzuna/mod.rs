//! Adzuna's job search API: the second source, metered by a persistent quota.
//!
//! Why: Adzuna aggregates adverts from many job boards France Travail never sees. The raw model is
//! lenient like France Travail's, the client goes through the same transport (limiter, retries), and
//! the [`quota`] ledger keeps every run within Adzuna's minute/day/week/month windows. Invariant:
//! nothing outside this module speaks to Adzuna, and the app key never leaves it.

pub mod client;
pub mod collector;
pub mod model;
pub mod quota;

pub use client::{
    AdzunaClient, AdzunaKeys, AdzunaPage, COUNTRIES, DEFAULT_API_URL, MAX_RESULTS_PER_PAGE,
    SearchQuery,
};
pub use model::RawJob;
pub use quota::{Limits, QuotaClock, QuotaLedger, ShiftedClock, SystemClock, Window};

/// Adzuna has no ROME codes: each default code is searched as a phrase (`what`). The table is
/// documented in `docs/adzuna.md`; `--search` replaces it.
pub const ROME_PHRASES: [(&str, &str); 5] = [
    ("M1811", "data engineer"),
    ("M1405", "data scientist"),
    ("M1827", "devops"),
    ("M1851", "business intelligence"),
    ("K1906", "délégué à la protection des données"),
];

/// The search phrase standing for a ROME code.
pub fn phrase_for(code: &str) -> Option<&'static str> {
    ROME_PHRASES
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code))
        .map(|(_, p)| *p)
}

/// Adzuna has no creation-date filter, only `max_days_old`: `months` calendar months are covered by
/// `months × 31` days (never less than the months asked for).
pub fn max_days_old(months: u32) -> u32 {
    months.saturating_mul(31)
}

/// The ISO 4217 currency of a country's salaries.
pub fn currency_of(country: &str) -> Option<&'static str> {
    Some(match country {
        "at" | "be" | "de" | "es" | "fr" | "it" | "nl" => "EUR",
        "gb" => "GBP",
        "us" => "USD",
        "au" => "AUD",
        "br" => "BRL",
        "ca" => "CAD",
        "ch" => "CHF",
        "in" => "INR",
        "mx" => "MXN",
        "nz" => "NZD",
        "pl" => "PLN",
        "sg" => "SGD",
        "za" => "ZAR",
        _ => return None,
    })
}

/// The country of an Adzuna landing URL's host (`www.adzuna.co.uk` → `gb`), for material whose
/// country is not given.
pub fn country_of_url(url: &str) -> Option<&'static str> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest
        .split(['/', '?', '#', ':'])
        .next()?
        .to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let tld = host.strip_prefix("adzuna.")?;
    Some(match tld {
        "at" => "at",
        "com.au" => "au",
        "be" => "be",
        "com.br" => "br",
        "ca" => "ca",
        "ch" => "ch",
        "de" => "de",
        "es" => "es",
        "fr" => "fr",
        "co.uk" => "gb",
        "in" => "in",
        "it" => "it",
        "com.mx" => "mx",
        "nl" => "nl",
        "co.nz" => "nz",
        "pl" => "pl",
        "sg" => "sg",
        "com" => "us",
        "co.za" => "za",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables() {
        assert_eq!(phrase_for("m1811"), Some("data engineer"));
        assert_eq!(phrase_for("A1101"), None);
        assert_eq!(max_days_old(12), 372);
        for c in COUNTRIES {
            assert!(currency_of(c).is_some(), "{c}");
        }
        assert_eq!(currency_of("xx"), None);
        assert_eq!(
            country_of_url("https://www.adzuna.co.uk/land/ad/4058869031?se=x"),
            Some("gb")
        );
        assert_eq!(
            country_of_url("https://www.adzuna.com/land/ad/1"),
            Some("us")
        );
        assert_eq!(
            country_of_url("https://www.adzuna.fr/land/ad/1"),
            Some("fr")
        );
        assert_eq!(country_of_url("https://example.com/adzuna.fr"), None);
    }
}
