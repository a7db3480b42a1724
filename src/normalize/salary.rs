//! Parsing France Travail salary labels (`salaire.libelle`) into numbers, and annualizing them.
//!
//! The API gives the salary only as French text: `Annuel de 35000,00 Euros à 45000,00 Euros`,
//! `Mensuel de 2630.38 Euros à 2737.0 Euros sur 12.0 mois`, `Horaire de 11,65 Euros`, `Autre de …`,
//! bare `De … à …`, or even `Annuel de` with no amount. This module turns a label into its period,
//! amounts as written, paid months and an annual EUR equivalent. It is a pure function that never
//! panics. The invariants: amounts are never invented (min and max are exactly the numbers written,
//! in the order written), and an amount implausible for its period is flagged `suspect` and is never
//! annualized (the annual columns stay null rather than carrying a guess).
//!
//! Rules (also in `docs/schema.md`):
//! - period from the first word (`annuel`, `mensuel`, `horaire`, `autre`; case-insensitive); a label
//!   starting with `De` has no period (`None`). Amounts follow `de` (min), `à` (max), `sur … mois` (months).
//! - numbers: comma or dot decimals, integers, spaces as thousands separators (`1 800,00`).
//! - months: `sur 0.0 mois` (or any non-positive count) is unknown (`None`).
//! - annualization basis: the stated period; for `autre` or no period, inferred from the smaller amount
//!   (see [`infer_basis`]). Hourly × 151.67 × months, monthly × months, annual as is, where months is
//!   the stated count when it lies in 12…16 and 12 otherwise. Results are rounded to the cent.
//!   When min > max the annual pair is computed in sorted order (annual_min ≤ annual_max).
//! - suspect: an amount outside the plausible band of its basis (hourly 5…<500, monthly 300…<20000,
//!   annual 5000…<500000), or a period that cannot be inferred.

/// A salary period, as the `salary_period` column spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    Horaire,
    Mensuel,
    Annuel,
    Autre,
}

impl Period {
    /// The column's spelling: `horaire`, `mensuel`, `annuel`, `autre`.
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Horaire => "horaire",
            Period::Mensuel => "mensuel",
            Period::Annuel => "annuel",
            Period::Autre => "autre",
        }
    }
}

/// Legal monthly working hours of a full-time job in France (35 h × 52 / 12).
pub const HOURS_PER_MONTH: f64 = 151.67;

/// Paid months assumed when the label gives none (or an implausible count).
pub const DEFAULT_MONTHS: f64 = 12.0;

/// Plausible amounts per period, `[low, high)`. Outside them an amount is `suspect`.
pub const HOURLY_RANGE: (f64, f64) = (5.0, 500.0);
pub const MONTHLY_RANGE: (f64, f64) = (300.0, 20_000.0);
pub const ANNUAL_RANGE: (f64, f64) = (5_000.0, 500_000.0);

/// A parsed salary label.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Salary {
    /// The period the label states (`None` for a bare `De …` or an unrecognised label).
    pub period: Option<Period>,
    /// The first amount, as written.
    pub min: Option<f64>,
    /// The second amount, as written (may be smaller than `min`).
    pub max: Option<f64>,
    /// `EUR` when an amount is present.
    pub currency: Option<&'static str>,
    /// `sur N mois` when N > 0.
    pub months: Option<f64>,
    /// The period used to annualize: the stated one, or the one inferred for `autre` / no period.
    /// `None` when there is no amount or the period cannot be inferred.
    pub basis: Option<Period>,
    /// The smaller amount, annualized in EUR; `None` when suspect.
    pub annual_min: Option<f64>,
    /// The larger amount, annualized in EUR; `None` when suspect or when the label has one amount.
    pub annual_max: Option<f64>,
    /// An amount is implausible for its period (mislabelled period, extra zero…).
    pub suspect: bool,
    /// The annual figures use a period other than the one stated: inferred for `autre` / no period /
    /// a comment without a period word, or corrected for a suspect label whose amounts all fit one
    /// other period (see [`corrected_basis`]).
    pub period_inferred: bool,
    /// For an hourly basis: `true` when the weekly hours were read from the offer, `false` when the
    /// legal 35 h were assumed. `None` for other bases.
    pub hours_read: Option<bool>,
    /// `brut` or `net` when the text says so (comments only: labels never do).
    pub gross_net: Option<&'static str>,
}

impl Salary {
    /// True when the label carried at least one amount.
    pub fn has_amount(&self) -> bool {
        self.min.is_some() || self.max.is_some()
    }
}

/// Which slot the next number fills.
#[derive(Clone, Copy, PartialEq)]
enum Slot {
    Min,
    Max,
    Months,
}

/// Parses a salary label, annualizing hourly amounts on the legal 35 h week. Never panics; an
/// unrecognised label gives an empty [`Salary`].
pub fn parse_salary(libelle: &str) -> Salary {
    parse_salary_on(libelle, None)
}

/// [`parse_salary`] with the offer's weekly hours (read from `dureeTravailLibelle` by
/// [`weekly_hours`]): an hourly amount is annualized on them instead of the assumed 35 h.
pub fn parse_salary_on(libelle: &str, weekly_hours: Option<f64>) -> Salary {
    let mut period = None;
    let mut min = None;
    let mut max = None;
    let mut months = None;
    let mut slot: Option<Slot> = None;
    // The number being assembled (digits of a thousands-separated amount may span tokens).
    let mut pending: Option<(String, Slot)> = None;

    let flush = |pending: &mut Option<(String, Slot)>,
                 min: &mut Option<f64>,
                 max: &mut Option<f64>,
                 months: &mut Option<f64>| {
        if let Some((text, s)) = pending.take()
            && let Some(v) = parse_number(&text)
        {
            let target = match s {
                Slot::Min => min,
                Slot::Max => max,
                Slot::Months => months,
            };
            if target.is_none() {
                *target = Some(v);
            }
        }
    };

    for (i, raw) in libelle.split_whitespace().enumerate() {
        let tok =
            raw.trim_matches(|c: char| matches!(c, ',' | ';' | ':' | '(' | ')') && raw.len() > 1);
        let lower = tok.to_lowercase();
        let word = lower.trim_end_matches('€');
        if i == 0 {
            let p = match word {
                "annuel" | "annuelle" => Some(Period::Annuel),
                "mensuel" | "mensuelle" => Some(Period::Mensuel),
                "horaire" => Some(Period::Horaire),
                "autre" => Some(Period::Autre),
                _ => None,
            };
            if p.is_some() {
                period = p;
                continue;
            }
        }
        if is_numeric_token(word) {
            match &mut pending {
                // `1 800,00`: a group of exactly three digits continues the number being read.
                Some((text, _)) if continues_number(text, word) => text.push_str(word),
                _ => {
                    flush(&mut pending, &mut min, &mut max, &mut months);
                    let s = slot.unwrap_or(if min.is_none() { Slot::Min } else { Slot::Max });
                    pending = Some((word.to_string(), s));
                    // A second bare number goes to max.
                    slot = if s == Slot::Min { None } else { slot };
                }
            }
            // A currency sign glued to the number ends it.
            if tok.ends_with('€') {
                flush(&mut pending, &mut min, &mut max, &mut months);
            }
            continue;
        }
        flush(&mut pending, &mut min, &mut max, &mut months);
        match word {
            "de" | "du" | "entre" => slot = Some(Slot::Min),
            "à" | "a" | "au" | "et" | "-" => slot = Some(Slot::Max),
            "sur" => slot = Some(Slot::Months),
            _ => slot = None,
        }
    }
    flush(&mut pending, &mut min, &mut max, &mut months);

    finish(
        Salary {
            period,
            min,
            max,
            months: months.filter(|m| *m > 0.0),
            ..Salary::default()
        },
        weekly_hours,
    )
}

/// Fills the basis, the suspect flag and the annual figures of a salary whose period, amounts and
/// months are read.
fn finish(mut s: Salary, weekly_hours: Option<f64>) -> Salary {
    if !s.has_amount() {
        return s;
    }
    s.currency = Some("EUR");
    let (min, max) = (s.min, s.max);
    let (lo, hi) = match (min, max) {
        (Some(a), Some(b)) if b < a => (Some(b), Some(a)),
        (a, b) => (a, b),
    };
    let stated = match s.period {
        Some(Period::Autre) | None => None,
        p => p,
    };
    let Some(mut basis) = stated.or_else(|| lo.or(hi).and_then(infer_basis)) else {
        s.suspect = true;
        return s;
    };
    s.suspect = !fits(basis, lo, hi);
    if s.suspect {
        // A stated period the amounts do not fit: read them in the one other period they all fit,
        // if there is exactly one (`Mensuel de 35000 à 50000` is annual). The label stays suspect.
        match corrected_basis(lo, hi).filter(|c| Some(*c) != stated && stated.is_some()) {
            Some(c) => basis = c,
            None => {
                s.basis = Some(basis);
                return s;
            }
        }
    }
    s.basis = Some(basis);
    s.period_inferred = stated != Some(basis);
    let paid = s
        .months
        .filter(|m| (12.0..=16.0).contains(m))
        .unwrap_or(DEFAULT_MONTHS);
    let hours_per_month = match weekly_hours {
        Some(h) => monthly_hours(h),
        None => HOURS_PER_MONTH,
    };
    if basis == Period::Horaire {
        s.hours_read = Some(weekly_hours.is_some());
    }
    let annualize = |v: f64| {
        let a = match basis {
            Period::Horaire => v * hours_per_month * paid,
            Period::Mensuel => v * paid,
            _ => v,
        };
        (a * 100.0).round() / 100.0
    };
    if min.is_some() && max.is_some() {
        s.annual_min = lo.map(annualize);
        s.annual_max = hi.map(annualize);
    } else {
        s.annual_min = min.map(annualize);
        s.annual_max = max.map(annualize);
    }
    s
}

/// [`finish`] for a salary read from a comment (no paid months).
pub(crate) fn finish_comment(s: Salary, weekly_hours: Option<f64>) -> Salary {
    finish(s, weekly_hours)
}

/// Every amount lies in the plausible band of `basis`.
fn fits(basis: Period, lo: Option<f64>, hi: Option<f64>) -> bool {
    let (low, high) = match basis {
        Period::Horaire => HOURLY_RANGE,
        Period::Mensuel => MONTHLY_RANGE,
        _ => ANNUAL_RANGE,
    };
    [lo, hi]
        .into_iter()
        .flatten()
        .all(|v| v.is_finite() && v >= low && v < high)
}

/// Typical amounts per period, `[low, high)`, narrower than the plausible bands: a suspect label is
/// re-read in another period only when all its amounts are typical of that one period.
pub const TYPICAL_HOURLY: (f64, f64) = (5.0, 150.0);
pub const TYPICAL_MONTHLY: (f64, f64) = (700.0, 10_000.0);
pub const TYPICAL_ANNUAL: (f64, f64) = (10_000.0, 150_000.0);

/// The one period all the amounts are typical of (see the `TYPICAL_*` bands), if any:
/// 35000 and 50000 → annual, 2080 and 2147 → monthly, 11 → hourly, 400000 → none, 486 and 1801 → none.
pub fn corrected_basis(lo: Option<f64>, hi: Option<f64>) -> Option<Period> {
    let of = |v: f64| {
        [
            (Period::Horaire, TYPICAL_HOURLY),
            (Period::Mensuel, TYPICAL_MONTHLY),
            (Period::Annuel, TYPICAL_ANNUAL),
        ]
        .into_iter()
        .find(|(_, (a, b))| v >= *a && v < *b)
        .map(|(p, _)| p)
    };
    let mut found = None;
    for v in [lo, hi].into_iter().flatten() {
        let p = of(v)?;
        if found.is_some_and(|f| f != p) {
            return None;
        }
        found = Some(p);
    }
    found
}

/// Monthly hours of a `weekly`-hour week (× 52 / 12), rounded to the hundredth: 35 → 151.67 (the
/// legal figure, [`HOURS_PER_MONTH`]), 39 → 169.0, 26 → 112.67.
pub fn monthly_hours(weekly: f64) -> f64 {
    (weekly * 52.0 / 12.0 * 100.0).round() / 100.0
}

/// Plausible weekly hours `[low, high]`: a figure outside is not taken as the week's hours.
pub const WEEKLY_HOURS_RANGE: (f64, f64) = (1.0, 60.0);

/// The weekly hours at the head of a `dureeTravailLibelle`: `35H` → 35, `39H Travail en journée` → 39,
/// `37H30` → 37.5, `36H50` → 36.83 (hours and minutes, rounded to the hundredth), `35 H  Travail…`
/// → 35, `26H Autre` → 26. `None` for `Temps plein`, `temps partiel`, a figure outside 1…60 h or
/// minutes ≥ 60.
pub fn weekly_hours(libelle: &str) -> Option<f64> {
    let t = libelle.trim_start().as_bytes();
    let digits = t.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 2 {
        return None;
    }
    let hours: f64 = std::str::from_utf8(&t[..digits]).ok()?.parse().ok()?;
    let mut i = digits;
    while t.get(i) == Some(&b' ') {
        i += 1;
    }
    if !matches!(t.get(i), Some(b'H' | b'h')) {
        return None;
    }
    i += 1;
    let m_digits = t[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    let after = t.get(i + m_digits);
    if m_digits > 2 || after.is_some_and(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let minutes: f64 = if m_digits == 0 {
        0.0
    } else {
        std::str::from_utf8(&t[i..i + m_digits])
            .ok()?
            .parse()
            .ok()?
    };
    if minutes >= 60.0 {
        return None;
    }
    let h = ((hours + minutes / 60.0) * 100.0).round() / 100.0;
    (WEEKLY_HOURS_RANGE.0..=WEEKLY_HOURS_RANGE.1)
        .contains(&h)
        .then_some(h)
}

/// The period an amount of an `autre` or period-less label most plausibly is, from its size:
/// 5…<150 hourly, 700…<10000 monthly, 10000…<500000 annual. Amounts in the gaps (below 5, 150…<700)
/// or above are ambiguous or implausible: `None`, and the salary is suspect.
pub fn infer_basis(amount: f64) -> Option<Period> {
    if !amount.is_finite() {
        None
    } else if (5.0..150.0).contains(&amount) {
        Some(Period::Horaire)
    } else if (700.0..10_000.0).contains(&amount) {
        Some(Period::Mensuel)
    } else if (10_000.0..ANNUAL_RANGE.1).contains(&amount) {
        Some(Period::Annuel)
    } else {
        None
    }
}

/// A token made only of digits and `,` / `.` separators, with at least one digit.
fn is_numeric_token(t: &str) -> bool {
    t.bytes().any(|b| b.is_ascii_digit())
        && t.bytes()
            .all(|b| b.is_ascii_digit() || b == b',' || b == b'.')
}

/// `next` continues the integer `prev` as a thousands group: `1` + `800,00`, `1800` + `000`.
fn continues_number(prev: &str, next: &str) -> bool {
    let prev_ok = (1..=9).contains(&prev.len()) && prev.bytes().all(|b| b.is_ascii_digit());
    let n = next.as_bytes();
    let lead = n.iter().take_while(|b| b.is_ascii_digit()).count();
    prev_ok && lead == 3 && n.get(3).is_none_or(|b| *b == b',' || *b == b'.')
}

/// Parses `35000`, `35000,00`, `40000.0`, `1.800,50`, `1,800.50`. The last separator is the decimal
/// point when it is followed by 1–2 digits or when it is the only one; others are thousands separators.
fn parse_number(t: &str) -> Option<f64> {
    let t = t.trim_matches(|c| c == ',' || c == '.');
    if t.is_empty() {
        return None;
    }
    let last_sep = t.rfind([',', '.']);
    let mut s = String::with_capacity(t.len());
    match last_sep {
        None => s.push_str(t),
        Some(i) => {
            let seps = t.bytes().filter(|b| *b == b',' || *b == b'.').count();
            let frac_len = t.len() - i - 1;
            let decimal = seps == 1 || frac_len != 3;
            for (j, c) in t.char_indices() {
                if c.is_ascii_digit() {
                    s.push(c);
                } else if j == i && decimal {
                    s.push('.');
                }
            }
        }
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Salary {
        parse_salary(s)
    }

    #[test]
    fn annual_shapes() {
        let s = p("Annuel de 35000,00 Euros à 45000,00 Euros");
        assert_eq!(s.period, Some(Period::Annuel));
        assert_eq!(
            (s.min, s.max, s.months),
            (Some(35000.0), Some(45000.0), None)
        );
        assert_eq!(
            (s.annual_min, s.annual_max, s.suspect),
            (Some(35000.0), Some(45000.0), false)
        );
        assert_eq!(s.currency, Some("EUR"));

        let s = p("Annuel de 40000.0 Euros à 45000.0 Euros sur 12.0 mois");
        assert_eq!(
            (s.min, s.max, s.months),
            (Some(40000.0), Some(45000.0), Some(12.0))
        );
        assert_eq!((s.annual_min, s.annual_max), (Some(40000.0), Some(45000.0)));

        // Annual amounts are annual whatever the paid months.
        let s = p("Annuel de 33000.0 Euros sur 12.5 mois");
        assert_eq!((s.min, s.max, s.months), (Some(33000.0), None, Some(12.5)));
        assert_eq!((s.annual_min, s.annual_max), (Some(33000.0), None));

        let s = p("Annuel de 29277,53 Euros sur 12 mois");
        assert_eq!((s.min, s.annual_min), (Some(29277.53), Some(29277.53)));
    }

    #[test]
    fn monthly_and_hourly_shapes() {
        let s = p("Mensuel de 2630.38 Euros à 2737.0 Euros sur 12.0 mois");
        assert_eq!(
            (s.period, s.min, s.max),
            (Some(Period::Mensuel), Some(2630.38), Some(2737.0))
        );
        assert_eq!(
            (s.annual_min, s.annual_max),
            (Some(31564.56), Some(32844.0))
        );

        let s = p("Mensuel de 1801.80 Euros sur 12 mois");
        assert_eq!(
            (s.min, s.max, s.months, s.annual_min),
            (Some(1801.8), None, Some(12.0), Some(21621.6))
        );

        let s = p("Mensuel de 2000.0 Euros sur 13.0 mois");
        assert_eq!(s.annual_min, Some(26000.0));

        let s = p("Mensuel de 1764,00 Euros");
        assert_eq!(
            (s.min, s.months, s.annual_min),
            (Some(1764.0), None, Some(21168.0))
        );

        let s = p("Horaire de 11,65 Euros");
        assert_eq!(
            (s.period, s.min, s.max),
            (Some(Period::Horaire), Some(11.65), None)
        );
        // 11.65 × 151.67 × 12 = 21203.466
        assert_eq!(s.annual_min, Some(21203.47));

        let s = p("Horaire de 11.88 Euros sur 0.0 mois");
        assert_eq!((s.min, s.months), (Some(11.88), None));
        assert_eq!(s.annual_min, Some(21622.08)); // 11.88 × 151.67 × 12 = 21622.0752

        let s = p("Horaire de 11,65 Euros à 13 Euros sur 12 mois");
        assert_eq!(
            (s.min, s.max, s.months),
            (Some(11.65), Some(13.0), Some(12.0))
        );
        assert_eq!(s.annual_max, Some(23660.52)); // 13 × 151.67 × 12
    }

    #[test]
    fn autre_and_bare_de_infer_their_basis() {
        let s = p("Autre de 30000,00 Euros à 40000,00 Euros");
        assert_eq!(
            (s.period, s.basis),
            (Some(Period::Autre), Some(Period::Annuel))
        );
        assert_eq!(
            (s.annual_min, s.annual_max, s.suspect),
            (Some(30000.0), Some(40000.0), false)
        );

        let s = p("De 20000,00 Euros à 20000,00 Euros");
        assert_eq!((s.period, s.basis), (None, Some(Period::Annuel)));
        assert_eq!(
            (s.min, s.max, s.annual_min),
            (Some(20000.0), Some(20000.0), Some(20000.0))
        );

        let s = p("Autre de 1800 Euros");
        assert_eq!(
            (s.basis, s.annual_min),
            (Some(Period::Mensuel), Some(21600.0))
        );

        let s = p("Autre de 12,50 Euros sur 12 mois");
        assert_eq!(
            (s.basis, s.annual_min),
            (Some(Period::Horaire), Some(22750.5))
        );

        // Ambiguous size: suspect, nothing annualized.
        let s = p("Autre de 400 Euros");
        assert_eq!((s.basis, s.suspect, s.annual_min), (None, true, None));
        // The larger amount must fit the inferred basis too.
        let s = p("Autre de 3000 Euros à 45000 Euros");
        assert_eq!(
            (s.basis, s.suspect, s.annual_min),
            (Some(Period::Mensuel), true, None)
        );
    }

    #[test]
    fn no_amount() {
        let s = p("Annuel de");
        assert_eq!(s.period, Some(Period::Annuel));
        assert!(!s.has_amount());
        assert_eq!(
            (s.currency, s.annual_min, s.suspect, s.basis),
            (None, None, false, None)
        );
        assert_eq!(p(""), Salary::default());
        assert_eq!(p("Selon profil"), Salary::default());
    }

    #[test]
    fn anomalies_are_suspect_and_never_annualized() {
        for l in [
            "Mensuel de 400000.0 Euros à 450000.0 Euros", // extra zero
            "Annuel de 486,00 Euros à 1801,00 Euros",     // 486 is typical of no period
            "Horaire de 2,50 Euros",
            "Mensuel de 150,00 Euros",
            "Annuel de 900000 Euros",
            "Mensuel de 0 Euros",
        ] {
            let s = p(l);
            assert!(s.suspect, "{l}");
            assert!(s.has_amount(), "{l}");
            assert_eq!((s.annual_min, s.annual_max), (None, None), "{l}");
            assert!(!s.period_inferred, "{l}");
        }
        // The amounts themselves are kept as written.
        let s = p("Mensuel de 40000.0 Euros à 50000.0 Euros sur 12.0 mois");
        assert_eq!(
            (s.min, s.max, s.months, s.currency),
            (Some(40000.0), Some(50000.0), Some(12.0), Some("EUR"))
        );
    }

    #[test]
    fn a_suspect_label_whose_amounts_fit_one_other_period_is_read_in_it() {
        // (label, corrected basis, annual min, annual max): the label stays suspect, the period is
        // marked inferred.
        for (l, basis, amin, amax) in [
            (
                "Mensuel de 40000.0 Euros à 50000.0 Euros sur 12.0 mois",
                Period::Annuel,
                Some(40000.0),
                Some(50000.0),
            ),
            (
                "Annuel de 2080,00 Euros à 2147,00 Euros",
                Period::Mensuel,
                Some(24960.0),
                Some(25764.0),
            ),
            // 11 × 151.67 × 12
            (
                "Annuel de 11,00 Euros",
                Period::Horaire,
                Some(20020.44),
                None,
            ),
            (
                "Horaire de 1800,00 Euros",
                Period::Mensuel,
                Some(21600.0),
                None,
            ),
        ] {
            let s = p(l);
            assert!(s.suspect, "{l}");
            assert!(s.period_inferred, "{l}");
            assert_eq!(s.basis, Some(basis), "{l}");
            assert_eq!((s.annual_min, s.annual_max), (amin, amax), "{l}");
        }
        assert_eq!(corrected_basis(Some(486.0), Some(1801.0)), None);
        assert_eq!(corrected_basis(Some(400000.0), None), None);
        assert_eq!(corrected_basis(Some(9000.0), Some(12000.0)), None);
    }

    #[test]
    fn hourly_amounts_use_the_weekly_hours_read() {
        // 168FGDD: 26H a week → 112.67 h a month: 11.65 × 112.67 × 12 = 15751.27 (not 21203.47).
        let s = parse_salary_on("Horaire de 11,65 Euros", Some(26.0));
        assert_eq!((s.annual_min, s.hours_read), (Some(15751.27), Some(true)));
        // 39H → 169 h a month.
        let s = parse_salary_on("Horaire de 11,65 Euros à 13,00 Euros", Some(39.0));
        assert_eq!((s.annual_min, s.annual_max), (Some(23626.2), Some(26364.0)));
        // 35H read gives the legal figure exactly.
        let s = parse_salary_on("Horaire de 11,65 Euros", Some(35.0));
        assert_eq!((s.annual_min, s.hours_read), (Some(21203.47), Some(true)));
        let s = parse_salary_on("Horaire de 11,65 Euros", None);
        assert_eq!((s.annual_min, s.hours_read), (Some(21203.47), Some(false)));
        // Hours do not touch other periods.
        let s = parse_salary_on("Mensuel de 1800 Euros", Some(26.0));
        assert_eq!((s.annual_min, s.hours_read), (Some(21600.0), None));
        assert_eq!(monthly_hours(35.0), HOURS_PER_MONTH);
    }

    #[test]
    fn weekly_hours_from_the_working_time_label() {
        for (l, h) in [
            ("35H", Some(35.0)),
            ("39H Travail en journée", Some(39.0)),
            ("35H\nTravail en journée", Some(35.0)),
            ("37H30", Some(37.5)),
            ("36H50", Some(36.83)),
            ("39H10\nTravail en journée", Some(39.17)),
            ("37H4", Some(37.07)),
            ("35 H  Travail en journée", Some(35.0)),
            ("26H Autre", Some(26.0)),
            ("17H30 Travail en journée", Some(17.5)),
            ("Temps plein", None),
            ("temps partiel", None),
            ("0H", None),
            ("99H", None),
            ("35H75", None),
            ("350H", None),
            ("35Heures", None),
            ("", None),
        ] {
            assert_eq!(weekly_hours(l), h, "{l:?}");
        }
    }

    #[test]
    fn min_above_max_keeps_the_order_written_but_annualizes_sorted() {
        let s = p("Annuel de 60000,00 Euros à 40000,00 Euros");
        assert_eq!((s.min, s.max), (Some(60000.0), Some(40000.0)));
        assert_eq!((s.annual_min, s.annual_max), (Some(40000.0), Some(60000.0)));
        assert!(!s.suspect);
    }

    #[test]
    fn months_outside_12_to_16_annualize_with_12() {
        let s = p("Mensuel de 2000 Euros sur 13,5 mois");
        assert_eq!((s.months, s.annual_min), (Some(13.5), Some(27000.0)));
        let s = p("Mensuel de 2000 Euros sur 6 mois");
        assert_eq!((s.months, s.annual_min), (Some(6.0), Some(24000.0)));
        let s = p("Horaire de 12 Euros sur 13 mois");
        assert_eq!(s.annual_min, Some(23660.52)); // 12 × 151.67 × 13
    }

    #[test]
    fn tolerant_spelling() {
        let s = p("  MENSUEL   DE 1 800,00   euros  À 2 100,50 EUROS  SUR 12 MOIS ");
        assert_eq!(
            (s.period, s.min, s.max, s.months),
            (
                Some(Period::Mensuel),
                Some(1800.0),
                Some(2100.5),
                Some(12.0)
            )
        );
        let s = p("mensuel de 1800€ à 2000€");
        assert_eq!((s.min, s.max), (Some(1800.0), Some(2000.0)));
        let s = p("Annuel de 42.000,00 Euros");
        assert_eq!(s.min, Some(42000.0));
        let s = p("Annuel de 42,000.50 Euros");
        assert_eq!(s.min, Some(42000.5));
        let s = p("Annuel de 35000 Euros");
        assert_eq!(s.min, Some(35000.0));
        let s = p("Horaire de 13,5 Euros à 14,5 Euros");
        assert_eq!((s.min, s.max), (Some(13.5), Some(14.5)));
    }

    #[test]
    fn number_parsing() {
        assert_eq!(parse_number("35000,00"), Some(35000.0));
        assert_eq!(parse_number("40000.0"), Some(40000.0));
        assert_eq!(parse_number("2630.38"), Some(2630.38));
        assert_eq!(parse_number("12"), Some(12.0));
        assert_eq!(parse_number("1.800.000"), Some(1_800_000.0));
        assert_eq!(parse_number("3534.2"), Some(3534.2));
        assert_eq!(parse_number(","), None);
        assert_eq!(parse_number(""), None);
    }

    #[test]
    fn never_panics() {
        for l in [
            "de",
            "à",
            "sur",
            "Annuel de Euros à Euros sur mois",
            "Annuel de ,,, Euros",
            "Horaire de 99999999999999999999999999999 Euros",
            "Mensuel 1 2 3 4 5 6",
            "€",
            "de 1e5 Euros",
            "Autre",
            "De",
            "à 2000 Euros",
            "sur 12 mois",
            "1 1 1 1 1 1 1 1 1 1",
            "Mensuel de 1\u{a0}800,00 Euros",
            "é ü 𝔘",
        ] {
            let s = p(l);
            if let Some(v) = s.annual_min {
                assert!(v.is_finite());
            }
        }
        // Seeded random labels built from the vocabulary of real ones.
        let words = [
            "Annuel",
            "Mensuel",
            "Horaire",
            "Autre",
            "De",
            "de",
            "à",
            "sur",
            "mois",
            "Euros",
            "€",
            "1",
            "800,00",
            "35000,00",
            "40000.0",
            "12.0",
            "0.0",
            "11,65",
            ",",
            ".",
            "-",
            "1e9",
            "999999999999",
            "é",
            "",
        ];
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..20_000 {
            let n = rng.usize(0..10);
            let label: Vec<&str> = (0..n).map(|_| words[rng.usize(0..words.len())]).collect();
            let s = p(&label.join(" "));
            for v in [s.annual_min, s.annual_max].into_iter().flatten() {
                assert!(v.is_finite() && v >= 0.0, "{label:?}");
            }
            assert!(
                !(s.suspect
                    && !s.period_inferred
                    && (s.annual_min.is_some() || s.annual_max.is_some())),
                "{label:?}"
            );
            assert_eq!(s.currency.is_some(), s.has_amount(), "{label:?}");
        }
        // A label with only a max.
        let s = p("Mensuel à 2000 Euros");
        assert_eq!(
            (s.min, s.max, s.annual_max),
            (None, Some(2000.0), Some(24000.0))
        );
    }
}
