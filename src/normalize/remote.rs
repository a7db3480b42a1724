//! Does an offer say anything explicit about télétravail? A small keyword matcher.
//!
//! The `remote_work` column is true only on an explicit mention of télétravail / remote work, false only
//! on an explicit refusal ("pas de télétravail", "télétravail : non", "100% présentiel"), and null when
//! the text says nothing: the invariant is that silence never becomes `false`. The text is folded once
//! (lowercase, accents stripped, whitespace runs collapsed) into a reused per-thread buffer, then
//! scanned word by word; only the few words that matter trigger a look at their neighbourhood, so the
//! cost is two linear passes over the description with no allocation in the steady state.
//! Shared by every source (France Travail and Adzuna apply the same rule).

use std::cell::RefCell;

/// Appends `src` to `out`, folded for matching: lowercase, Latin accents stripped (`é` → `e`, `œ` → `oe`),
/// typographic apostrophes and dashes made ASCII, each run of whitespace (including no-break spaces)
/// collapsed to one space, or to one `\n` when the run held a line break.
pub(crate) fn fold_into(src: &str, out: &mut String) {
    // 0: no pending whitespace; 1: pending space; 2: pending newline.
    let mut pending = 0u8;
    for c in src.chars() {
        if c.is_whitespace() {
            pending = if c == '\n' || c == '\r' || pending == 2 {
                2
            } else {
                1
            };
            continue;
        }
        match pending {
            1 => out.push(' '),
            2 => out.push('\n'),
            _ => {}
        }
        pending = 0;
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => {
                out.push('a')
            }
            'ç' | 'Ç' => out.push('c'),
            'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' => out.push('e'),
            'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => out.push('i'),
            'ñ' | 'Ñ' => out.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' => out.push('o'),
            'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => out.push('u'),
            'ý' | 'ÿ' | 'Ý' | 'Ÿ' => out.push('y'),
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{00B4}' => out.push('\''),
            '\u{2010}'..='\u{2015}' => out.push('-'),
            // Combining accents (decomposed text): drop them, the base letter was already pushed.
            '\u{0300}'..='\u{036F}' => {}
            _ => out.extend(c.to_lowercase()),
        }
    }
}

/// Folds `src` into a new string (see [`fold_into`]).
pub(crate) fn fold(src: &str) -> String {
    let mut s = String::with_capacity(src.len());
    fold_into(src, &mut s);
    s
}

thread_local! {
    static SCRATCH: RefCell<String> = const { RefCell::new(String::new()) };
}

/// The remote-work verdict of some free texts (description, working conditions…), taken together:
/// `Some(true)` when one of them mentions télétravail without negating it, else `Some(false)` when
/// one refuses it explicitly, else `None`.
pub fn remote_work<'a, I>(texts: I) -> Option<bool>
where
    I: IntoIterator<Item = &'a str>,
{
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            buf.clear();
            for t in texts {
                fold_into(t, &mut buf);
                buf.push('\n');
            }
            let verdict = verdict_of_folded(&buf);
            // Do not keep a huge buffer alive because of one huge description.
            if buf.capacity() > 1 << 20 {
                *buf = String::new();
            }
            verdict
        }
        // Re-entrant call (cannot happen today): fall back to a fresh buffer.
        Err(_) => {
            let mut buf = String::new();
            for t in texts {
                fold_into(t, &mut buf);
                buf.push('\n');
            }
            verdict_of_folded(&buf)
        }
    })
}

/// Words after `remote` that make it a technical term, not remote work.
const REMOTE_TECHNICAL: [&str; 9] = [
    "access",
    "desktop",
    "control",
    "controle",
    "sensing",
    "monitoring",
    "support",
    "management",
    "server",
];

/// Endings of the text before a mention that negate it ("pas de télétravail").
const NEGATING_BEFORE: [&str; 30] = [
    "pas de",
    "pas d'",
    "pas du",
    "pas le",
    "pas en",
    "sans",
    "sans possibilite de",
    "aucun",
    "aucune",
    "aucune possibilite de",
    "pas de possibilite de",
    "ni",
    "ni de",
    "no",
    "not",
    "non",
    "jamais de",
    "non eligible au",
    "non eligible a",
    "pas eligible au",
    "pas eligible a",
    "ne permet pas le",
    "ne permet pas de",
    "ne permet pas",
    "pas de jour de",
    "pas de jours de",
    "aucun jour de",
    "n'est pas ouvert au",
    "n'ouvre pas droit au",
    "interdiction de",
];

/// Endings before a mention that refuse only *full* remote ("pas de full remote"): neither yes nor no.
const NEGATING_FULL_BEFORE: [&str; 8] = [
    "pas de full",
    "pas du full",
    "pas en full",
    "pas de 100%",
    "pas de 100 %",
    "pas 100%",
    "pas a 100%",
    "pas en 100%",
];

/// Beginnings of the text after a mention that negate it ("télétravail : non", "… n'est pas possible").
const NEGATING_AFTER: [&str; 14] = [
    "non",
    "impossible",
    "exclu",
    "exclus",
    "interdit",
    "pas possible",
    "pas autorise",
    "pas envisageable",
    "pas propose",
    "n'est pas",
    "n est pas",
    "no",
    "not",
    "aucun",
];

/// Beginnings after a negated mention that make the refusal one of *full* remote only.
const FULL_AFTER: [&str; 6] = [
    "a 100%",
    "a 100 %",
    "complet",
    "total",
    "integral",
    "a temps plein",
];

/// Endings before `presentiel` that make it a refusal of télétravail ("100% présentiel").
const PRESENTIEL_BEFORE: [&str; 17] = [
    "100%",
    "100 %",
    "100% en",
    "100 % en",
    "full",
    "tout en",
    "uniquement",
    "uniquement en",
    "exclusivement",
    "exclusivement en",
    "totalement",
    "totalement en",
    "entierement",
    "entierement en",
    "poste en",
    "poste : en",
    "poste: en",
];

/// Beginnings after `presentiel` that make it a refusal ("présentiel uniquement").
const PRESENTIEL_AFTER: [&str; 5] = [
    "uniquement",
    "exclusivement",
    "obligatoire",
    "a 100%",
    "a 100 %",
];

/// Endings before `site` that make it a refusal ("uniquement sur site").
const SITE_BEFORE: [&str; 5] = [
    "uniquement sur",
    "exclusivement sur",
    "100% sur",
    "100 % sur",
    "totalement sur",
];

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// The text before `at` within its sentence (at most 64 bytes), right-trimmed.
fn before(t: &str, at: usize) -> &str {
    let mut start = at.saturating_sub(64);
    while !t.is_char_boundary(start) {
        start += 1;
    }
    let w = &t[start..at];
    let w = match w.rfind(['.', '!', '?', ';', '\n']) {
        Some(i) => &w[i + 1..],
        None => w,
    };
    w.trim_end_matches([' ', ':', '-', '(', '"', '\''])
}

/// The text after `at` with leading separators skipped (spaces, `:`, `-`, `=`, `(`, quotes, line breaks).
fn after(t: &str, at: usize) -> &str {
    t[at..].trim_start_matches([' ', ':', '-', '=', '(', '"', '\n', '*', '>'])
}

/// `w` ends with `suffix` at a word boundary.
fn ends_with_word(w: &str, suffix: &str) -> bool {
    w.ends_with(suffix) && {
        let i = w.len() - suffix.len();
        i == 0 || !is_word_byte(w.as_bytes()[i - 1])
    }
}

/// `w` starts with `prefix` at a word boundary.
fn starts_with_word(w: &str, prefix: &str) -> bool {
    w.starts_with(prefix)
        && w.as_bytes()
            .get(prefix.len())
            .is_none_or(|b| !is_word_byte(*b))
}

#[derive(Default)]
struct Tally {
    yes: u32,
    no: u32,
}

impl Tally {
    /// A mention of remote work spanning `s..e`: counts it as yes, no or nothing after looking around.
    fn mention(&mut self, t: &str, s: usize, e: usize) {
        let pre = before(t, s);
        let post = after(t, e);
        if NEGATING_FULL_BEFORE.iter().any(|x| ends_with_word(pre, x)) {
            return;
        }
        if NEGATING_BEFORE.iter().any(|x| ends_with_word(pre, x)) {
            if !FULL_AFTER.iter().any(|x| starts_with_word(post, x)) {
                self.no += 1;
            }
            return;
        }
        if NEGATING_AFTER.iter().any(|x| starts_with_word(post, x)) {
            self.no += 1;
            return;
        }
        self.yes += 1;
    }
}

/// The verdict on text already folded by [`fold_into`].
fn verdict_of_folded(t: &str) -> Option<bool> {
    let b = t.as_bytes();
    let mut tally = Tally::default();
    let mut i = 0;
    while i < b.len() {
        if !is_word_byte(b[i]) {
            i += 1;
            continue;
        }
        let s = i;
        while i < b.len() && is_word_byte(b[i]) {
            i += 1;
        }
        let e = i;
        let w = &t[s..e];
        // Dispatch on the first byte: most words are rejected by one comparison.
        match b[s] {
            b't' if w.starts_with("teletravail") => tally.mention(t, s, e),
            b't' if w == "tele" => {
                let rest = &t[e..];
                if rest.starts_with("-travail") || rest.starts_with(" travail") {
                    tally.mention(t, s, e + 8);
                }
            }
            b't' if w == "travail" && t[e..].starts_with(" a distance") => {
                tally.mention(t, s, e + 11)
            }
            b'r' if w == "remote" => {
                let next = after(t, e);
                if !REMOTE_TECHNICAL.iter().any(|x| starts_with_word(next, x)) {
                    tally.mention(t, s, e);
                }
            }
            b'p' if w == "presentiel" => {
                let pre = before(t, s);
                let post = after(t, e);
                if PRESENTIEL_BEFORE.iter().any(|x| ends_with_word(pre, x))
                    || PRESENTIEL_AFTER.iter().any(|x| starts_with_word(post, x))
                {
                    tally.no += 1;
                }
            }
            b's' if w == "site" => {
                let pre = before(t, s);
                if SITE_BEFORE.iter().any(|x| ends_with_word(pre, x))
                    || (ends_with_word(pre, "sur") && starts_with_word(after(t, e), "uniquement"))
                {
                    tally.no += 1;
                }
            }
            _ => {}
        }
    }
    if tally.yes > 0 {
        Some(true)
    } else if tally.no > 0 {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rw(s: &str) -> Option<bool> {
        remote_work([s])
    }

    #[test]
    fn folding() {
        assert_eq!(
            fold("Télétravail  POSSIBLE\u{a0}:\u{202f}Œuvre"),
            "teletravail possible : oeuvre"
        );
        assert_eq!(fold("a \n\n b\t c"), "a\nb c");
        assert_eq!(fold("l\u{2019}équipe — Zoé"), "l'equipe - zoe");
        // Decomposed accents.
        assert_eq!(fold("te\u{301}le\u{301}travail"), "teletravail");
        assert_eq!(fold(""), "");
    }

    #[test]
    fn explicit_mentions_are_true() {
        for s in [
            "Télétravail",
            "télétravail partiel possible",
            "TELETRAVAIL 2 jours par semaine",
            "2 jours de télétravail par semaine",
            "Poste en full remote",
            "remote possible",
            "Possibilité de télé-travail",
            "Une partie des activités du poste est télétravaillable",
            "La flexibilité du travail à distance",
            "Télétravail : oui",
            "Télétravail: Hybride",
            "Ce poste est prévu à 100% en télétravail.",
            "Télétravail : Bien sûr le télétravail est possible",
        ] {
            assert_eq!(rw(s), Some(true), "{s}");
        }
    }

    #[test]
    fn explicit_refusals_are_false() {
        for s in [
            "Pas de télétravail.",
            "pas de teletravail",
            "Télétravail non possible",
            "télétravail : Non",
            "Télétravail: Non  Votre profil : …",
            "Le télétravail n'est pas possible sur ce poste",
            "Poste 100% présentiel",
            "100 % en présentiel",
            "Sans télétravail",
            "aucun télétravail",
            "Lieu du poste : En présentiel",
            "Travail en présentiel uniquement",
            "Poste uniquement sur site",
            "Le poste ne permet pas le télétravail",
            "no remote",
            "Télétravail impossible",
        ] {
            assert_eq!(rw(s), Some(false), "{s}");
        }
    }

    #[test]
    fn silence_and_lookalikes_are_null() {
        for s in [
            "",
            "Développeur Java, CDI, Paris",
            "Intervention sur site ou à distance",
            "Remote Access VPN, Remote Desktop",
            "environnement hybride cloud",
            "Formations en présentiel et/ou à distance",
            "Un entretien en présentiel",
            "télévision et travail",
            "pas de full remote",
            "Pas de télétravail à 100%",
            "administration de sites web",
        ] {
            assert_eq!(rw(s), None, "{s}");
        }
    }

    #[test]
    fn a_real_mention_wins_over_a_refusal_elsewhere() {
        assert_eq!(
            rw("Pas de télétravail pendant la période d'essai. Ensuite 2 jours de télétravail."),
            Some(true)
        );
        assert_eq!(
            rw("100% présentiel le premier mois, puis télétravail possible"),
            Some(true)
        );
        assert_eq!(
            rw("Pas de télétravail. Poste 100% présentiel."),
            Some(false)
        );
    }

    #[test]
    fn several_texts_are_taken_together_and_never_joined_into_one_word() {
        assert_eq!(
            remote_work(["Développeur", "Télétravail : non"]),
            Some(false)
        );
        assert_eq!(remote_work(["pas de", "télétravail"]), Some(true));
        assert_eq!(remote_work(Vec::<&str>::new()), None);
    }

    #[test]
    fn never_panics_on_odd_text() {
        let long = "é ".repeat(100) + "télétravail" + &" ü".repeat(100);
        assert_eq!(rw(&long), Some(true));
        for s in [
            "tele",
            "tele-",
            "travail a",
            "remote",
            "présentiel",
            "site",
            "€€€télétravail€",
            "\u{301}",
        ] {
            let _ = rw(s);
        }
    }
}
