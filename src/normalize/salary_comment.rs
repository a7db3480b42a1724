//! A salary written only in France Travail's free salary comment (`salaire.commentaire`):
//! `2700 à 2800€ NET/ mois`, `1977€ BRUT/mois`, `A partir de 45 k€ annuel brut`, `Entre 12 et 14€ brut`.
//!
//! Read only when the label (`salaire.libelle`) gives no amount. The invariants: a comment gives a
//! salary only when it is unmistakably one — one or two amounts, and a currency sign or word (`€`,
//! `euro(s)`, `k`), a `brut`/`net`, or a period word next to them, or the comment being the bare
//! number alone (`1645,58`); anything else (`poste cadre au forfait-groupe 6`, three amounts, a
//! percentage, hours, an ordinal like `13ème`) gives nothing. Amounts are exactly the numbers
//! written (a `k` multiplies by 1000, and a `k` on one amount applies to a bare amount below 1000 in
//! the same comment: `entre 45 et 55K` is 45000 to 55000). The period is the period word when there
//! is exactly one kind (`mois`/`mensuel` → monthly, `an`/`annuel`/`année` → annual,
//! `heure`/`horaire`/`/h` → hourly), otherwise it is inferred from the size like an `autre` label
//! (and `period_inferred` says so). `brut` or `net` is read when the comment says exactly one.

use super::remote::fold;
use super::salary::{Period, Salary, finish_comment};

/// One number of a comment, with its `k`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Amount {
    value: f64,
    thousands: bool,
}

/// What the words of a comment say.
#[derive(Default, Debug)]
struct Words {
    currency: bool,
    brut: bool,
    net: bool,
    monthly: bool,
    annual: bool,
    hourly: bool,
}

/// The salary a comment states, or `None` when it states none unmistakably. `weekly_hours` is the
/// offer's (for an hourly amount).
pub fn parse_salary_comment(comment: &str, weekly_hours: Option<f64>) -> Option<Salary> {
    let t = fold(comment);
    let b = t.as_bytes();
    let mut amounts: Vec<Amount> = Vec::with_capacity(2);
    let mut words = Words::default();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let prev = i.checked_sub(1).map(|j| b[j]);
        if c.is_ascii_digit() && !prev.is_some_and(|p| p.is_ascii_alphanumeric() || p == b'/') {
            let (amount, end) = number(b, i)?;
            if let Some(a) = amount {
                amounts.push(a);
            }
            i = end;
            continue;
        }
        if c.is_ascii_alphabetic() {
            let end = i + b[i..]
                .iter()
                .take_while(|x| x.is_ascii_alphabetic())
                .count();
            word(&t[i..end], prev, &mut words);
            i = end;
            continue;
        }
        if b[i..].starts_with("€".as_bytes()) {
            words.currency = true;
        }
        i += 1;
    }
    if amounts.is_empty() || amounts.len() > 2 {
        return None;
    }
    let bare = t
        .trim()
        .bytes()
        .all(|x| x.is_ascii_digit() || x == b',' || x == b'.');
    let marked = words.currency || words.brut || words.net || amounts.iter().any(|a| a.thousands);
    let period_word = [words.monthly, words.annual, words.hourly]
        .iter()
        .filter(|w| **w)
        .count();
    if !(bare || marked || period_word > 0) {
        return None;
    }
    let k = amounts.iter().any(|a| a.thousands);
    let value = |a: &Amount| {
        if a.thousands || (k && a.value < 1000.0) {
            a.value * 1000.0
        } else {
            a.value
        }
    };
    let period = match (words.monthly, words.annual, words.hourly) {
        (true, false, false) => Some(Period::Mensuel),
        (false, true, false) => Some(Period::Annuel),
        (false, false, true) => Some(Period::Horaire),
        _ => None,
    };
    let gross_net = match (words.brut, words.net) {
        (true, false) => Some("brut"),
        (false, true) => Some("net"),
        _ => None,
    };
    let s = Salary {
        period,
        min: amounts.first().map(value),
        max: amounts.get(1).map(value),
        gross_net,
        ..Salary::default()
    };
    Some(finish_comment(s, weekly_hours))
}

/// Reads the number starting at `i`: digits, thousands groups (`3 254`, `42,000`, `1.800`), a decimal
/// part of one or two digits, then an optional `k`. Returns `None` (the whole comment is refused)
/// for a number too odd to read; `Some((None, end))` for a number that is not an amount (followed by
/// `%`, a letter other than `k`, a `/` and a digit, or a `h` of hours).
fn number(b: &[u8], start: usize) -> Option<(Option<Amount>, usize)> {
    let digits = |from: usize| b[from..].iter().take_while(|x| x.is_ascii_digit()).count();
    let mut i = start + digits(start);
    let mut text: String = std::str::from_utf8(&b[start..i]).ok()?.to_string();
    // Thousands groups: after at most three leading digits, a separator followed by exactly three
    // digits and no further digit.
    let grouped = text.len() <= 3;
    while grouped && i + 4 <= b.len() && matches!(b[i], b' ' | b',' | b'.') && digits(i + 1) == 3 {
        text.push_str(std::str::from_utf8(&b[i + 1..i + 4]).ok()?);
        i += 4;
    }
    // Decimal part: one or two digits.
    if i + 1 < b.len() && matches!(b[i], b',' | b'.') {
        let d = digits(i + 1);
        if (1..=2).contains(&d) {
            text.push('.');
            text.push_str(std::str::from_utf8(&b[i + 1..i + 1 + d]).ok()?);
            i += 1 + d;
        }
    }
    let value: f64 = text.parse().ok().filter(|v: &f64| v.is_finite())?;
    // What follows: `k` (thousands), or a sign that this is not an amount.
    let mut j = i;
    while b.get(j) == Some(&b' ') {
        j += 1;
    }
    let next = b.get(j).copied();
    let after_next = b.get(j + 1).copied();
    if next == Some(b'k') && !after_next.is_some_and(|x| x.is_ascii_alphabetic()) {
        let amount = Amount {
            value,
            thousands: true,
        };
        return Some((Some(amount), j + 1));
    }
    let glued_letter = b.get(i).is_some_and(|x| x.is_ascii_alphabetic());
    let percent = next == Some(b'%');
    let date = b.get(i) == Some(&b'/') && b.get(i + 1).is_some_and(u8::is_ascii_digit);
    let hours = next == Some(b'h') && !after_next.is_some_and(|x| x.is_ascii_alphabetic());
    if glued_letter || percent || date || hours {
        return Some((None, i));
    }
    Some((
        Some(Amount {
            value,
            thousands: false,
        }),
        i,
    ))
}

/// Records what one word says. `prev` is the byte before it (`/h`, `/an`).
fn word(w: &str, prev: Option<u8>, words: &mut Words) {
    match w {
        "euro" | "euros" | "eur" => words.currency = true,
        "brut" | "bruts" | "brute" | "brutes" => words.brut = true,
        "net" | "nets" | "nette" | "nettes" => words.net = true,
        "mois" | "mensuel" | "mensuelle" | "mensuels" | "mensuelles" => words.monthly = true,
        "an" | "ans" | "annuel" | "annuelle" | "annuels" | "annuelles" | "annee" => {
            words.annual = true
        }
        "heure" | "heures" | "horaire" | "horaires" => words.hourly = true,
        "h" if prev == Some(b'/') => words.hourly = true,
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (min, max, period, annual min, annual max, brut/net, period inferred)
    type Got = (
        Option<f64>,
        Option<f64>,
        Option<Period>,
        Option<f64>,
        Option<f64>,
        Option<&'static str>,
        bool,
    );

    fn got(c: &str) -> Option<Got> {
        parse_salary_comment(c, None).map(|s| {
            (
                s.min,
                s.max,
                s.period,
                s.annual_min,
                s.annual_max,
                s.gross_net,
                s.period_inferred,
            )
        })
    }

    use Period::*;

    /// Every real comment with a digit among the offers whose label has no amount (18 of 19 read).
    #[test]
    fn the_real_comments() {
        let m = Some(Mensuel);
        let a = Some(Annuel);
        let h = Some(Horaire);
        let cases: [(&str, Option<Got>); 19] = [
            (
                "2100€ net nourri / logé",
                Some((
                    Some(2100.0),
                    None,
                    None,
                    Some(25200.0),
                    None,
                    Some("net"),
                    true,
                )),
            ),
            (
                "2000€ net et + si expérience",
                Some((
                    Some(2000.0),
                    None,
                    None,
                    Some(24000.0),
                    None,
                    Some("net"),
                    true,
                )),
            ),
            (
                "1645,58",
                Some((Some(1645.58), None, None, Some(19746.96), None, None, true)),
            ),
            (
                "A partir de 45 k€ annuel brut",
                Some((
                    Some(45000.0),
                    None,
                    a,
                    Some(45000.0),
                    None,
                    Some("brut"),
                    false,
                )),
            ),
            (
                "50K€ - 60K€ par an",
                Some((
                    Some(50000.0),
                    Some(60000.0),
                    a,
                    Some(50000.0),
                    Some(60000.0),
                    None,
                    false,
                )),
            ),
            (
                "1977€ BRUT/mois",
                Some((
                    Some(1977.0),
                    None,
                    m,
                    Some(23724.0),
                    None,
                    Some("brut"),
                    false,
                )),
            ),
            (
                "A partir de 35K annuel",
                Some((Some(35000.0), None, a, Some(35000.0), None, None, false)),
            ),
            (
                "A partir de 42,000 euros bruts",
                Some((
                    Some(42000.0),
                    None,
                    None,
                    Some(42000.0),
                    None,
                    Some("brut"),
                    true,
                )),
            ),
            (
                "entre 45 et 55K brut annuel",
                Some((
                    Some(45000.0),
                    Some(55000.0),
                    a,
                    Some(45000.0),
                    Some(55000.0),
                    Some("brut"),
                    false,
                )),
            ),
            (
                "A partir de 36K, selon profil",
                Some((Some(36000.0), None, None, Some(36000.0), None, None, true)),
            ),
            (
                "Selon profil, à partir de 38K€ brut",
                Some((
                    Some(38000.0),
                    None,
                    None,
                    Some(38000.0),
                    None,
                    Some("brut"),
                    true,
                )),
            ),
            (
                "A partir de 3 254 euros brut/mois",
                Some((
                    Some(3254.0),
                    None,
                    m,
                    Some(39048.0),
                    None,
                    Some("brut"),
                    false,
                )),
            ),
            (
                "3002.90€ brut mensuel",
                Some((
                    Some(3002.9),
                    None,
                    m,
                    Some(36034.8),
                    None,
                    Some("brut"),
                    false,
                )),
            ),
            (
                "Entre 12 et 14€ brut",
                Some((
                    Some(12.0),
                    Some(14.0),
                    None,
                    Some(21840.48),
                    Some(25480.56),
                    Some("brut"),
                    true,
                )),
            ),
            (
                "11,65€ de l'heure",
                Some((Some(11.65), None, h, Some(21203.47), None, None, false)),
            ),
            (
                "2700 à 2800€ NET/ mois",
                Some((
                    Some(2700.0),
                    Some(2800.0),
                    m,
                    Some(32400.0),
                    Some(33600.0),
                    Some("net"),
                    false,
                )),
            ),
            (
                "1500 Net  voir COEF",
                Some((
                    Some(1500.0),
                    None,
                    None,
                    Some(18000.0),
                    None,
                    Some("net"),
                    true,
                )),
            ),
            ("poste cadre au forfait-groupe 6", None),
            (
                "A partir de 2336 euros brut mensuel",
                Some((
                    Some(2336.0),
                    None,
                    m,
                    Some(28032.0),
                    None,
                    Some("brut"),
                    false,
                )),
            ),
        ];
        for (c, want) in cases {
            assert_eq!(got(c), want, "{c}");
        }
    }

    #[test]
    fn what_is_not_a_salary() {
        for c in [
            "",
            "Selon profil",
            "13ème mois",
            "prime de 10%",
            "35h + 5 h supp",
            "du 06/12 au 10/12",
            "1 2 3 €",
            "voir grille CCN 66",
        ] {
            assert_eq!(got(c), None, "{c}");
        }
    }

    #[test]
    fn hours_and_odd_text() {
        let s = parse_salary_comment("12€ de l'heure", Some(39.0)).unwrap();
        // 12 × 169 × 12
        assert_eq!((s.annual_min, s.hours_read), (Some(24336.0), Some(true)));
        for c in [
            "€€€",
            "k€",
            "99999999999999999999999 €",
            "1,",
            "1.",
            "é 1 ü €",
            "1 000 000 000 €",
        ] {
            let _ = parse_salary_comment(c, None);
        }
    }
}
