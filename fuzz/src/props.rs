//! The properties the fuzz targets check, and the structure-aware generators that feed them.
//!
//! Shared by the `cargo fuzz` targets (`fuzz/fuzz_targets/*.rs`, driven by libFuzzer's bytes) and by
//! the normal test suite (`tests/it/fuzz_regressions.rs`, which replays every input the fuzzers ever
//! found plus a short seeded run of the generators). It depends only on crates the main package
//! already has (`ftcollect`, `serde_json`, `chrono`, `csv`), so both can compile it.
//!
//! Each `check_*` function panics (with the input in the message) when a property fails.

#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use ftcollect::http::retry::{MAX_RETRY_AFTER, parse_retry_after};
use ftcollect::http::{RateLimiter, RetryPolicy};
use ftcollect::normalize::offer::COLUMN_COUNT;
use ftcollect::normalize::salary::{
    ANNUAL_RANGE, DEFAULT_MONTHS, HOURLY_RANGE, HOURS_PER_MONTH, MONTHLY_RANGE,
};
use ftcollect::normalize::{
    NormalizedOffer, Period, Warnings, normalize_adzuna, normalize_france_travail,
    normalize_france_travail_owned, parse_salary,
};
use ftcollect::source::adzuna::model::{RawJob, SearchBody as AdzunaBody};
use ftcollect::source::france_travail::model::{RawOffer, SearchBody};
use ftcollect::source::france_travail::params::parse_content_range;
use serde_json::{Map, Number, Value};

/// A source of choices: libFuzzer's bytes (through `arbitrary`) in the fuzz targets, a seeded PRNG
/// in the test suite.
pub trait Choices {
    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize;
    /// 64 arbitrary bits.
    fn bits(&mut self) -> u64;
    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------------------------------------
// Salary labels

/// Checks `parse_salary` on one label: finite amounts, suspect ⇒ nothing annualized, annual values
/// within the band of their basis, determinism.
pub fn check_salary(label: &str) {
    let s = parse_salary(label);
    assert_eq!(s, parse_salary(label), "not deterministic: {label:?}");
    for v in [s.min, s.max, s.months].into_iter().flatten() {
        assert!(v.is_finite(), "non-finite amount in {s:?} from {label:?}");
    }
    if let Some(m) = s.months {
        assert!(m > 0.0, "{label:?}");
    }
    assert_eq!(s.currency.is_some(), s.has_amount(), "{label:?}");
    if !s.has_amount() {
        assert_eq!(
            (s.basis, s.annual_min, s.annual_max, s.suspect),
            (None, None, None, false),
            "{label:?}"
        );
        return;
    }
    if s.suspect {
        if s.period_inferred {
            // Issue 17: a suspect label is re-read only in the one period all its amounts are
            // typical of, and then it is annualized.
            let (lo, hi) = match (s.min, s.max) {
                (Some(a), Some(b)) if b < a => (Some(b), Some(a)),
                (a, b) => (a, b),
            };
            assert_eq!(
                s.basis,
                ftcollect::normalize::salary::corrected_basis(lo, hi),
                "{label:?}"
            );
            assert!(
                s.annual_min.is_some() || s.annual_max.is_some(),
                "{label:?}"
            );
            return;
        }
        assert_eq!(
            (s.annual_min, s.annual_max),
            (None, None),
            "a suspect salary was annualized: {label:?}"
        );
        return;
    }
    let basis = s
        .basis
        .unwrap_or_else(|| panic!("not suspect, no basis: {label:?}"));
    let (low, high) = match basis {
        Period::Horaire => HOURLY_RANGE,
        Period::Mensuel => MONTHLY_RANGE,
        _ => ANNUAL_RANGE,
    };
    let paid = s
        .months
        .filter(|m| (12.0..=16.0).contains(m))
        .unwrap_or(DEFAULT_MONTHS);
    let factor = match basis {
        Period::Horaire => HOURS_PER_MONTH * paid,
        Period::Mensuel => paid,
        _ => 1.0,
    };
    // The plausible band of an annual value of this basis (rounded to the cent).
    let (band_low, band_high) = (low * factor - 0.01, high * factor + 0.01);
    let annual: Vec<f64> = [s.annual_min, s.annual_max].into_iter().flatten().collect();
    assert!(
        !annual.is_empty(),
        "an amount, not suspect, not annualized: {label:?}"
    );
    for a in &annual {
        assert!(
            a.is_finite() && *a >= band_low && *a <= band_high,
            "annual {a} outside [{band_low}, {band_high}] for {basis:?}: {label:?}"
        );
        // Overall: nothing below 5 000 € or above 500 € an hour all year long.
        assert!(
            (3_600.0 - 0.01..=500.0 * HOURS_PER_MONTH * 16.0 + 0.01).contains(a),
            "{label:?}"
        );
    }
    if let (Some(a), Some(b)) = (s.annual_min, s.annual_max) {
        assert!(a <= b, "annual_min > annual_max: {label:?}");
    }
    // Each annual value is its amount × the factor, to the cent.
    let amounts: Vec<f64> = match (s.min, s.max) {
        (Some(a), Some(b)) => vec![a.min(b), a.max(b)],
        (a, b) => [a, b].into_iter().flatten().collect(),
    };
    for (amount, a) in amounts.iter().zip(&annual) {
        assert!(
            (amount * factor - a).abs() <= 0.005 + 1e-9 * a.abs(),
            "{amount} × {factor} ≠ {a}: {label:?}"
        );
    }
}

/// A salary label in one of the real shapes (`docs/france-travail-api.md`), and what it says.
#[derive(Debug, Clone)]
pub struct SalaryCase {
    pub label: String,
    pub period: Option<Period>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub months: Option<f64>,
}

/// An amount in cents written the way the API (or a person) writes it: `35000,00`, `40000.0`,
/// `2630.38`, `35000`, `1 800,00`.
fn write_amount(c: &mut impl Choices, cents: u64) -> String {
    let (units, frac) = (cents / 100, cents % 100);
    let grouped = || {
        let digits = units.to_string();
        let mut out = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(' ');
            }
            out.push(ch);
        }
        out
    };
    match c.below(6) {
        0 => format!("{units},{frac:02}"),
        1 => format!("{units}.{frac:02}"),
        2 if frac % 10 == 0 => format!("{units}.{}", frac / 10),
        3 if frac == 0 => format!("{units}"),
        4 => format!("{},{frac:02}", grouped()),
        5 if frac % 10 == 0 => format!("{},{}", grouped(), frac / 10),
        _ => format!("{units},{frac:02}"),
    }
}

/// Cents for an amount: mostly near the real ones of the period, sometimes anything.
fn cents_for(c: &mut impl Choices, period: Option<Period>) -> u64 {
    let (lo, hi) = match (c.below(4), period) {
        (0, _) => (0, 1_000_000_000),
        (1, _) => (0, 100_000),
        (_, Some(Period::Horaire)) => (900, 6_000),
        (_, Some(Period::Mensuel)) => (100_000, 1_500_000),
        (_, Some(Period::Annuel)) => (1_500_000, 20_000_000),
        _ => (500, 20_000_000),
    };
    lo + c.bits() % (hi - lo + 1)
}

/// A label of a real shape, with its expected parse.
pub fn salary_case(c: &mut impl Choices) -> SalaryCase {
    let (word, period) = *c.pick(&[
        ("Annuel", Some(Period::Annuel)),
        ("Mensuel", Some(Period::Mensuel)),
        ("Horaire", Some(Period::Horaire)),
        ("Autre", Some(Period::Autre)),
        ("", None),
    ]);
    let euros = *c.pick(&[" Euros", " Euros", " euros", "€", " €"]);
    let mut label = String::from(word);
    label.push_str(if word.is_empty() { "De " } else { " de " });
    let min_cents = cents_for(c, period);
    let min = min_cents as f64 / 100.0;
    label.push_str(&write_amount(c, min_cents));
    label.push_str(euros);
    let max = if c.one_in(2) {
        let cents = if c.one_in(4) {
            cents_for(c, period)
        } else {
            min_cents + c.bits() % (min_cents / 2 + 2)
        };
        label.push_str(" à ");
        label.push_str(&write_amount(c, cents));
        label.push_str(euros);
        Some(cents as f64 / 100.0)
    } else {
        None
    };
    let months = if c.one_in(2) {
        let (text, value) = *c.pick(&[
            ("0.0", 0.0),
            ("12", 12.0),
            ("12.0", 12.0),
            ("12.5", 12.5),
            ("13", 13.0),
            ("13.0", 13.0),
            ("13,5", 13.5),
            ("6", 6.0),
            ("17", 17.0),
        ]);
        label.push_str(" sur ");
        label.push_str(text);
        label.push_str(" mois");
        (value > 0.0).then_some(value)
    } else {
        None
    };
    SalaryCase {
        label,
        period,
        min: Some(min),
        max,
        months,
    }
}

/// Checks a label of a real shape: the general properties, and the exact amounts written.
pub fn check_salary_case(case: &SalaryCase) {
    check_salary(&case.label);
    let s = parse_salary(&case.label);
    assert_eq!(
        (s.period, s.min, s.max, s.months),
        (case.period, case.min, case.max, case.months),
        "{:?}",
        case.label
    );
}

/// Words and pieces of real labels, for mutations.
const SALARY_WORDS: &[&str] = &[
    "Annuel",
    "Mensuel",
    "Horaire",
    "Autre",
    "De",
    "de",
    "à",
    "a",
    "au",
    "et",
    "-",
    "entre",
    "sur",
    "mois",
    "Euros",
    "€",
    "k€",
    "1",
    "800,00",
    "35000,00",
    "40000.0",
    "2630.38",
    "12.0",
    "0.0",
    "11,65",
    ",",
    ".",
    ",,",
    "..",
    "1.800.000",
    "1,800.50",
    "999999999",
    "000",
    "0",
    "1e9",
    "é",
    "(",
    ")",
    ";",
    ":",
    "\u{a0}",
    "\t",
    "\n",
    "MENSUEL",
    "ANNUELLE",
];

/// A label of a real shape, then mangled: tokens inserted, deleted, duplicated, case changed, bytes
/// flipped. Only the general properties apply to it.
pub fn mutated_salary_label(c: &mut impl Choices) -> String {
    let base = salary_case(c).label;
    let mut tokens: Vec<String> = base.split(' ').map(str::to_string).collect();
    for _ in 0..=c.below(4) {
        let at = c.below(tokens.len() + 1);
        match c.below(6) {
            0 => tokens.insert(at, c.pick(SALARY_WORDS).to_string()),
            1 if at < tokens.len() => {
                tokens.remove(at);
            }
            2 if at < tokens.len() => {
                let t = tokens[at].clone();
                tokens.insert(at, t);
            }
            3 if at < tokens.len() => tokens[at] = tokens[at].to_uppercase(),
            4 if at < tokens.len() => {
                let mut chars: Vec<char> = tokens[at].chars().collect();
                if !chars.is_empty() {
                    let i = c.below(chars.len());
                    chars[i] = *c.pick(&['0', '9', ',', '.', ' ', 'e', '€', '-', 'à']);
                }
                tokens[at] = chars.into_iter().collect();
            }
            _ => tokens.insert(at, random_digits(c)),
        }
    }
    tokens.join(if c.one_in(8) { "  " } else { " " })
}

fn random_digits(c: &mut impl Choices) -> String {
    let long = c.one_in(8);
    let n = 1 + c.below(if long { 400 } else { 12 });
    (0..n)
        .map(|_| *c.pick(&['0', '1', '5', '9', '9', ',', '.']))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Content-Range

/// Checks `parse_content_range`: a range shown has first ≤ last < total; what parses re-parses
/// identically once written back in the API's form.
pub fn check_content_range(value: &str) {
    let r = parse_content_range(value);
    assert_eq!(r, parse_content_range(value));
    match r {
        Some((Some((a, b)), total)) => {
            assert!(a <= b, "first > last: {value:?}");
            assert!(b < total, "last ≥ total: {value:?}");
            assert_eq!(
                parse_content_range(&format!("offres {a}-{b}/{total}")),
                r,
                "{value:?}"
            );
        }
        Some((None, total)) => {
            assert_eq!(
                parse_content_range(&format!("offres */{total}")),
                r,
                "{value:?}"
            );
        }
        None => {}
    }
}

/// What `parse_content_range` returns.
pub type ContentRange = Option<(Option<(u64, u64)>, u64)>;

/// A number for a `Content-Range`: anything, near the API's, or near `u64::MAX`.
fn range_number(c: &mut impl Choices) -> u64 {
    match c.below(4) {
        0 => c.bits(),
        1 => c.bits() % 4000,
        2 => c.bits() % 200,
        _ => u64::MAX - c.bits() % 3,
    }
}

/// A `Content-Range` value: the API's shape with arbitrary numbers (and what it must parse to), or
/// a variation of it (spaces, `*`, signs, missing parts; only the general properties apply).
pub fn content_range_value(c: &mut impl Choices) -> (String, Option<ContentRange>) {
    let (a, b, t) = (range_number(c), range_number(c), range_number(c));
    let canonical = format!("offres {a}-{b}/{t}");
    if c.one_in(2) {
        let expected = (a <= b && b < t).then_some((Some((a, b)), t));
        return (canonical, Some(expected));
    }
    let mut s = canonical;
    for _ in 0..=c.below(3) {
        let piece = *c.pick(&[
            " ",
            "*",
            "+",
            "-",
            "/",
            "0",
            "\t",
            "offres",
            "\u{a0}",
            "",
            "99999999999999999999",
        ]);
        let at = c.below(s.len() + 1);
        if s.is_char_boundary(at) {
            s.insert_str(at, piece);
        }
    }
    (s, None)
}

// ---------------------------------------------------------------------------------------------
// Retry-After

/// Checks `parse_retry_after` the way the clients use it: never more than [`MAX_RETRY_AFTER`],
/// never honoured past the policy's 429 budget, and usable as an offset from now (the Adzuna client computes
/// when its quota reopens as `now + wait`).
pub fn check_retry_after(value: &str, now: DateTime<Utc>) {
    let w = parse_retry_after(value, now);
    assert_eq!(w, parse_retry_after(value, now));
    let Some(w) = w else { return };
    assert!(w <= MAX_RETRY_AFTER, "{w:?} from {value:?}");
    let policy = RetryPolicy::default();
    let limiter = RateLimiter::new(Duration::ZERO);
    match limiter.penalize_within(w, policy.throttle_budget) {
        Ok(added) => assert!(added <= w && added <= policy.throttle_budget),
        Err(_) => assert!(w > policy.throttle_budget, "{w:?} refused from {value:?}"),
    }
    let delta = TimeDelta::from_std(w).unwrap_or_else(|_| panic!("{w:?} from {value:?}"));
    assert!(
        now.checked_add_signed(delta).is_some(),
        "now + {w:?} overflows: {value:?}"
    );
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        let expected = v
            .parse::<u64>()
            .map_or(MAX_RETRY_AFTER, Duration::from_secs)
            .min(MAX_RETRY_AFTER);
        assert_eq!(w, expected, "{value:?}");
    }
}

/// A time the check runs at: around today, or anywhere chrono can represent a year of.
pub fn some_now(c: &mut impl Choices) -> DateTime<Utc> {
    let base = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
    match c.below(3) {
        0 => base,
        1 => base + TimeDelta::seconds((c.bits() % 4_000_000_000) as i64 - 2_000_000_000),
        _ => Utc
            .timestamp_opt((c.bits() % 250_000_000_000) as i64, 0)
            .single()
            .unwrap_or(base),
    }
}

/// A `Retry-After` value: seconds (small, huge, fractional, signed), HTTP dates (past, future, far
/// future), garbage.
pub fn retry_after_value(c: &mut impl Choices) -> String {
    match c.below(7) {
        0 => (c.bits() % 1000).to_string(),
        1 => c.bits().to_string(),
        2 => format!("{}{}", c.bits(), c.bits()),
        3 => format!("{}.{}", c.bits() % 100_000_000_000, c.bits() % 1000),
        4 => {
            let year = 1 + c.below(9999);
            let day = 1 + c.below(28);
            format!(
                "{}, {day:02} {} {year:04} {:02}:{:02}:{:02} {}",
                c.pick(&["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]),
                c.pick(&["Jan", "Feb", "Oct", "Dec"]),
                c.below(24),
                c.below(60),
                c.below(61),
                c.pick(&["GMT", "+0000", "-2359", "+2359", "UT"])
            )
        }
        5 => c
            .pick(&[
                "-0", "-1", "+5", "0.0", "1e9", "1e300", "inf", "NaN", "1e-300", " 7 ", "", "0x10",
            ])
            .to_string(),
        _ => random_string(c, 30),
    }
}

// ---------------------------------------------------------------------------------------------
// Raw offers: decoding, normalizing, the CSV round trip

/// The time rows are stamped with in the checks.
pub fn fetched_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap()
}

/// True when `data` is one JSON object that `serde_json::Value` accepts (no number beyond f64's
/// range, nesting under serde_json's limit of 128).
fn is_json_object(data: &[u8]) -> bool {
    matches!(serde_json::from_slice::<Value>(data), Ok(Value::Object(_)))
}

/// Checks the France Travail decoder and normalizer on arbitrary bytes: a JSON object always decodes
/// as a `RawOffer`; a search body never panics; every decoded offer passes [`check_raw_offer`].
pub fn check_france_travail_bytes(data: &[u8]) {
    let raw = ftcollect::source::lenient::from_slice::<RawOffer>(data);
    if is_json_object(data) {
        assert!(
            raw.is_ok(),
            "a JSON object failed to decode as RawOffer ({}): {}",
            raw.as_ref()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default(),
            String::from_utf8_lossy(data)
        );
    }
    if let Ok(body) = ftcollect::source::lenient::from_slice::<SearchBody>(data) {
        for o in &body.resultats {
            check_raw_offer(o);
        }
    }
    if let Ok(raw) = raw {
        check_raw_offer(&raw);
    }
}

/// Normalizes a raw France Travail offer both ways (borrowed and owned): same row, same warnings,
/// deterministic, and the row survives the CSV encoding.
pub fn check_raw_offer(raw: &RawOffer) {
    let mut w1 = Warnings::default();
    let a = normalize_france_travail(raw, fetched_at(), &mut w1);
    let mut w2 = Warnings::default();
    let b = normalize_france_travail_owned(raw.clone(), fetched_at(), &mut w2);
    assert_eq!(a, b, "borrowed and owned normalizations differ: {raw:?}");
    assert_eq!(w1, w2, "{raw:?}");
    let Some(o) = a else {
        assert!(w1.count("offer without id") == 1, "{raw:?}");
        return;
    };
    check_row(&o);
    if let Some(label) = &o.salary_text {
        check_salary(label);
    }
}

/// Checks the Adzuna decoder and normalizer on arbitrary bytes, in every country context.
pub fn check_adzuna_bytes(data: &[u8]) {
    let raw = ftcollect::source::lenient::from_slice::<RawJob>(data);
    if is_json_object(data) {
        assert!(
            raw.is_ok(),
            "a JSON object failed to decode as RawJob ({}): {}",
            raw.as_ref()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default(),
            String::from_utf8_lossy(data)
        );
        let body = ftcollect::source::lenient::from_slice::<AdzunaBody>(data);
        assert!(
            body.is_ok(),
            "a JSON object failed to decode as an Adzuna search body: {}",
            String::from_utf8_lossy(data)
        );
    }
    if let Ok(body) = ftcollect::source::lenient::from_slice::<AdzunaBody>(data) {
        for j in body.results.get().into_iter().flatten() {
            if let Some(j) = j.get() {
                check_raw_job(j);
            }
        }
    }
    if let Ok(raw) = raw {
        check_raw_job(&raw);
    }
}

/// Normalizes a raw Adzuna job in several contexts: deterministic, and the row survives the CSV
/// encoding.
pub fn check_raw_job(raw: &RawJob) {
    for (country, rome) in [
        (None, None),
        (Some("fr"), Some("M1811")),
        (Some("gb"), None),
        (Some("us"), None),
        (Some("FR"), None),
        (Some("zz"), None),
    ] {
        let mut w1 = Warnings::default();
        let a = normalize_adzuna(raw, country, rome, fetched_at(), &mut w1);
        let mut w2 = Warnings::default();
        let b = normalize_adzuna(raw, country, rome, fetched_at(), &mut w2);
        assert_eq!(a, b, "{raw:?}");
        assert_eq!(w1, w2, "{raw:?}");
        if let Some(o) = a {
            check_row(&o);
            if let Some(url) = &o.application_url {
                assert!(
                    !has_tracking_parameter(url),
                    "tracking parameter kept: {url:?}"
                );
            }
        }
    }
}

/// True when a query parameter of `url` is named `utm_…` (any case, percent-encoded or not).
fn has_tracking_parameter(url: &str) -> bool {
    let before_fragment = url.split('#').next().unwrap_or("");
    let Some((_, query)) = before_fragment.split_once('?') else {
        return false;
    };
    query.split('&').any(|seg| {
        let key = seg.split('=').next().unwrap_or("").replace('+', " ");
        let b = key.as_bytes();
        let mut decoded = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            match (
                b[i],
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            ) {
                (b'%', Some(h), Some(l)) => {
                    decoded.push((h * 16 + l) as u8);
                    i += 3;
                }
                (c, _, _) => {
                    decoded.push(c);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&decoded)
            .to_lowercase()
            .starts_with("utm_")
    })
}

/// A normalized row: finite numbers, and the CSV encoding (`encode_rows`, read back with the `csv`
/// crate, decoded by `from_csv_fields`) gives back the same values.
pub fn check_row(o: &NormalizedOffer) {
    assert!(!o.id.trim().is_empty());
    for v in [
        o.latitude,
        o.longitude,
        o.salary_min,
        o.salary_max,
        o.contract_duration_months,
        o.salary_months,
        o.salary_annual_min,
        o.salary_annual_max,
    ]
    .into_iter()
    .flatten()
    {
        assert!(v.is_finite(), "non-finite value in {o:?}");
    }
    if let Some(lat) = o.latitude {
        assert!(lat.abs() <= 90.0, "{o:?}");
    }
    if let Some(lon) = o.longitude {
        assert!(lon.abs() <= 180.0, "{o:?}");
    }
    if o.salary_suspect == Some(true) && o.salary_period_inferred != Some(true) {
        assert_eq!((o.salary_annual_min, o.salary_annual_max), (None, None));
    }
    let rows = ftcollect::sink::csv::encode_rows(std::slice::from_ref(o)).expect("encode");
    assert_eq!(rows.ends, vec![rows.bytes.len()]);
    // As in a real file: the header first (a reader would strip a BOM starting the first line).
    let mut file = ftcollect::normalize::offer::header()
        .collect::<Vec<_>>()
        .join(",")
        .into_bytes();
    file.push(b'\n');
    file.extend_from_slice(&rows.bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(&file[..]);
    let mut records = reader.records();
    let rec = records
        .next()
        .expect("one row")
        .unwrap_or_else(|e| panic!("the row does not read back as CSV ({e}): {o:?}"));
    assert!(records.next().is_none(), "one row became several: {o:?}");
    assert_eq!(rec.len(), COLUMN_COUNT);
    let back = NormalizedOffer::from_csv_fields(rec.iter())
        .unwrap_or_else(|e| panic!("the row does not decode ({e}): {o:?}"));
    assert_eq!(&back, o, "the CSV round trip changed the row");
}

// ---------------------------------------------------------------------------------------------
// Structure-aware JSON: real offers with fields replaced by random values of random types

/// Field names of the France Travail model (camelCase, as the API spells them).
pub const FT_KEYS: &[&str] = &[
    "id",
    "intitule",
    "description",
    "dateCreation",
    "dateActualisation",
    "lieuTravail",
    "libelle",
    "latitude",
    "longitude",
    "codePostal",
    "commune",
    "romeCode",
    "romeLibelle",
    "appellationlibelle",
    "entreprise",
    "nom",
    "logo",
    "url",
    "entrepriseAdaptee",
    "typeContrat",
    "typeContratLibelle",
    "natureContrat",
    "experienceExige",
    "experienceLibelle",
    "experienceCommentaire",
    "formations",
    "codeFormation",
    "domaineLibelle",
    "niveauLibelle",
    "commentaire",
    "exigence",
    "langues",
    "permis",
    "competences",
    "code",
    "qualitesProfessionnelles",
    "salaire",
    "complement1",
    "complement2",
    "listeComplements",
    "dureeTravailLibelle",
    "dureeTravailLibelleConverti",
    "alternance",
    "nombrePostes",
    "accessibleTH",
    "deplacementCode",
    "deplacementLibelle",
    "qualificationCode",
    "qualificationLibelle",
    "codeNAF",
    "secteurActivite",
    "secteurActiviteLibelle",
    "trancheEffectifEtab",
    "complementExercice",
    "conditionExercice",
    "offresManqueCandidats",
    "contexteTravail",
    "horaires",
    "conditionsExercice",
    "employeurHandiEngage",
    "contact",
    "urlPostulation",
    "urlRecruteur",
    "origineOffre",
    "origine",
    "urlOrigine",
    "partenaires",
    "pays",
    "resultats",
];

/// Field names of the Adzuna model.
pub const ADZUNA_KEYS: &[&str] = &[
    "id",
    "adref",
    "title",
    "description",
    "created",
    "redirect_url",
    "company",
    "display_name",
    "location",
    "area",
    "category",
    "tag",
    "label",
    "latitude",
    "longitude",
    "salary_min",
    "salary_max",
    "salary_is_predicted",
    "contract_type",
    "contract_time",
    "__CLASS__",
    "count",
    "mean",
    "results",
];

/// Strings that reach the parsers behind the fields: dates, salary labels, contract labels,
/// experience labels, coordinates as text, URLs, codes, and odd text.
const STRINGS: &[&str] = &[
    "",
    " ",
    "2024-11-28T14:23:11.470Z",
    "2024-11-28T14:23:11.4705Z",
    "2024-11-28T14:23:11.999999999Z",
    "2024-11-28T23:59:60Z",
    "2024-12-31T23:59:60.5+01:00",
    "2024-11-28T14:23:11",
    "2024-11-28 14:23:11+0100",
    "2024-11-28",
    "12345-01-01",
    "+12345-01-01T00:00:00",
    "-0001-01-01",
    "0000-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999+00:00",
    "0000-01-01T00:00:00+01:00",
    "Mensuel de 2630.38 Euros à 2737.0 Euros sur 12.0 mois",
    "Annuel de 35000,00 Euros à 45000,00 Euros",
    "Horaire de 11,65 Euros",
    "Autre de 400 Euros",
    "De 20000,00 Euros à 20000,00 Euros",
    "Annuel de",
    "CDD - 12 Mois",
    "Mission intérimaire - 15 Jour(s)",
    "CDD - 999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999 An(s)",
    "Intérim - 2 Semaine(s)",
    "Expérience exigée de 3 An(s)",
    "99999999999999 An(s)",
    "Débutant accepté",
    "75 - Paris 15e Arrondissement",
    "2A - SARROLA CARCOPINO",
    "971 - BASSE TERRE",
    "75108",
    "France",
    "Belgique",
    "D",
    "E",
    "1",
    "2",
    "0",
    "https://www.adzuna.fr/land/ad/1?se=x&utm_source=0a1b2c3d&v=1",
    "https://x/a?utm_source=1#frag",
    "?&utm_x=&&",
    "permanent",
    "contract",
    "full_time",
    "part_time",
    "Hauts-de-Seine",
    "Ile-de-France",
    "Télétravail possible",
    "pas de télétravail",
    "<strong>Data</strong> engineer",
    "\u{0}",
    "\"\r\n,\\",
    "\u{feff}x",
    "é𝔘\u{200b}",
];

/// A random string: a known interesting one, one with random characters, or a mix.
fn random_string(c: &mut impl Choices, max_len: usize) -> String {
    match c.below(3) {
        0 => c.pick(STRINGS).to_string(),
        1 => {
            let mut s = c.pick(STRINGS).to_string();
            let extra = random_string(c, max_len / 2 + 1);
            let at = c.below(s.chars().count() + 1);
            let byte = s.char_indices().nth(at).map_or(s.len(), |(i, _)| i);
            s.insert_str(byte, &extra);
            s
        }
        _ => {
            let n = c.below(max_len + 1);
            (0..n)
                .map(|_| match c.below(5) {
                    0 => *c.pick(&['\n', '\r', '"', ',', '\\', '\t', ' ', '\u{0}', '\u{7f}']),
                    1 => char::from_u32(c.bits() as u32 % 0x11_0000).unwrap_or('?'),
                    2 => *c.pick(&['0', '1', '9', '.', ',', '-', ':', 'T', 'Z', '+']),
                    _ => (b'a' + (c.below(26) as u8)) as char,
                })
                .collect()
        }
    }
}

/// A finite f64 that stresses the parsers and range checks.
fn random_float(c: &mut impl Choices) -> f64 {
    let f = match c.below(3) {
        0 => *c.pick(&[
            0.0,
            -0.0,
            1.0,
            -1.0,
            48.87,
            2.35,
            -2.35,
            90.0,
            -90.0,
            90.000001,
            180.0,
            180.5,
            1e15,
            9.0e15,
            9.3e18,
            1e300,
            -1e300,
            5e-324,
            f64::MAX,
            f64::MIN,
            16.5,
            4.9,
        ]),
        1 => (c.bits() % 2_000_000) as f64 / 1000.0 - 1000.0,
        _ => f64::from_bits(c.bits()),
    };
    if f.is_finite() { f } else { 0.5 }
}

/// A random JSON value of a random type.
pub fn random_value(c: &mut impl Choices, keys: &[&str], depth: u32) -> Value {
    let kinds = if depth >= 4 { 7 } else { 9 };
    match c.below(kinds) {
        0 => Value::Null,
        1 => Value::Bool(c.one_in(2)),
        2 => Value::from(c.bits() as i64 >> c.below(64)),
        3 => Value::from(c.bits()),
        4 => Number::from_f64(random_float(c)).map_or(Value::Null, Value::Number),
        5 | 6 => Value::String(random_string(c, 40)),
        7 => Value::Array(
            (0..c.below(4))
                .map(|_| random_value(c, keys, depth + 1))
                .collect(),
        ),
        _ => {
            let mut m = Map::new();
            for _ in 0..c.below(4) {
                m.insert(c.pick(keys).to_string(), random_value(c, keys, depth + 1));
            }
            Value::Object(m)
        }
    }
}

/// Replaces, inserts or removes one value somewhere in `v` (walking down at random).
pub fn mutate(v: &mut Value, c: &mut impl Choices, keys: &[&str], depth: u32) {
    match v {
        Value::Object(m) if !m.is_empty() && !c.one_in(4) => {
            let existing: Vec<String> = m.keys().cloned().collect();
            match c.below(5) {
                0 | 1 => {
                    let k = c.pick(&existing).clone();
                    if let Some(child) = m.get_mut(&k) {
                        mutate(child, c, keys, depth + 1);
                    }
                }
                2 => {
                    let k = c.pick(&existing).clone();
                    m.remove(&k);
                }
                3 => {
                    let k = c.pick(&existing).clone();
                    m.insert(k, random_value(c, keys, depth + 1));
                }
                _ => {
                    m.insert(c.pick(keys).to_string(), random_value(c, keys, depth + 1));
                }
            }
        }
        Value::Array(a) if !a.is_empty() && !c.one_in(4) => {
            let i = c.below(a.len());
            match c.below(4) {
                0 | 1 => mutate(&mut a[i], c, keys, depth + 1),
                2 => {
                    a.remove(i);
                }
                _ => a.insert(i, random_value(c, keys, depth + 1)),
            }
        }
        _ => *v = random_value(c, keys, depth),
    }
}

/// A real offer (chosen among `bases`) with 1 to 8 values replaced by random values of random types.
pub fn mutated_offer(bases: &[Value], c: &mut impl Choices, keys: &[&str]) -> Value {
    let mut v = c.pick(bases).clone();
    for _ in 0..=c.below(8) {
        mutate(&mut v, c, keys, 0);
    }
    v
}

/// France Travail offers of the real payloads in `dir` (one value per offer), or a small
/// hand-written one when the directory is missing.
pub fn real_france_travail_offers(dir: &Path) -> Vec<Value> {
    let mut out = Vec::new();
    for name in [
        "ft_offer_2024-11_184TRJB.json",
        "ft_offers_2025-01_5.json",
        "ft_offers_2024-11_178.json",
        "ft_offers_2024-02_150.json",
        "ft_offers_2022-11_148.json",
        "ft_search_response_2024-07_6offers.json",
        "ft_search_response_2024-11_150offers.json",
    ] {
        let Ok(bytes) = std::fs::read(dir.join(name)) else {
            continue;
        };
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Array(a)) => out.extend(a),
            Ok(Value::Object(mut m)) => match m.remove("resultats") {
                Some(Value::Array(a)) => out.extend(a),
                _ => out.push(Value::Object(m)),
            },
            _ => {}
        }
    }
    if out.is_empty() {
        out.push(serde_json::json!({
            "id": "184TRJB", "intitule": "Data engineer", "description": "Télétravail partiel",
            "dateCreation": "2024-11-28T14:23:11.470Z", "dateActualisation": "2024-11-28T14:23:12.000Z",
            "lieuTravail": {"libelle": "75 - Paris 8e", "latitude": 48.87, "longitude": 2.31,
                            "codePostal": "75008", "commune": "75108"},
            "romeCode": "M1811", "typeContrat": "CDD", "typeContratLibelle": "CDD - 12 Mois",
            "experienceExige": "E", "experienceLibelle": "Expérience exigée de 3 An(s)",
            "competences": [{"code": "1", "libelle": "SQL", "exigence": "E"}],
            "salaire": {"libelle": "Mensuel de 40000.0 Euros à 50000.0 Euros sur 12.0 mois",
                        "commentaire": "", "listeComplements": [{"code": "17", "libelle": "Mutuelle"}]},
            "nombrePostes": 1, "accessibleTH": false,
            "origineOffre": {"origine": "2", "urlOrigine": "https://x/1", "partenaires": [{"nom": "INDEED"}]},
            "contexteTravail": {"horaires": ["35H"], "conditionsExercice": ["télétravail"]}
        }));
    }
    out
}

/// Adzuna jobs of the real payloads in `dir`, or a small hand-written one.
pub fn real_adzuna_jobs(dir: &Path) -> Vec<Value> {
    let mut out = Vec::new();
    for name in [
        "adzuna_search_fr_2022-02_10results.json",
        "adzuna_search_gb_2023-05_50results.json",
        "adzuna_search_us_2025-07_10results.json",
    ] {
        let Ok(bytes) = std::fs::read(dir.join(name)) else {
            continue;
        };
        if let Ok(Value::Object(mut m)) = serde_json::from_slice::<Value>(&bytes)
            && let Some(Value::Array(a)) = m.remove("results")
        {
            out.extend(a);
        }
    }
    if out.is_empty() {
        out.push(serde_json::json!({
            "__CLASS__": "Adzuna::API::Response::Job", "id": "5291949745", "adref": "x",
            "title": "<strong>Data</strong> engineer", "description": "Remote possible",
            "created": "2025-07-10T12:38:15Z",
            "redirect_url": "https://www.adzuna.fr/land/ad/1?se=a&utm_medium=api&utm_source=0a1b2c3d&v=1",
            "company": {"display_name": "ACME"},
            "location": {"display_name": "Antony, Hauts-de-Seine",
                         "area": ["France", "Ile-de-France", "Hauts-de-Seine", "Antony"]},
            "category": {"tag": "it-jobs", "label": "IT"}, "latitude": 48.75, "longitude": 2.29,
            "salary_min": 50000, "salary_max": 60000.5, "salary_is_predicted": "0",
            "contract_type": "permanent", "contract_time": "full_time"
        }));
    }
    out
}
