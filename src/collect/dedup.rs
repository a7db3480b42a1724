//! The set of offers already written in this run, keyed by `(source, id)`.
//!
//! Invariant: memory is a compact key per offer, never the rows: France Travail ids (7 ASCII
//! characters) and Adzuna ids (digits) pack into a `u64` with a source tag; anything else is kept
//! as a boxed string.

use std::collections::HashSet;

#[derive(Default)]
pub struct SeenSet {
    packed: HashSet<u64>,
    other: HashSet<Box<str>>,
}

fn source_tag(source: &str) -> u8 {
    match source {
        "france_travail" => 1,
        "adzuna" => 2,
        _ => 0,
    }
}

fn pack(source: &str, id: &str) -> Option<u64> {
    let tag = source_tag(source);
    match tag {
        1 if id.len() <= 7 && id.is_ascii() => {
            let mut v = 1u64 << 56;
            for (i, b) in id.bytes().enumerate() {
                v |= (b as u64) << (i * 8);
            }
            Some(v)
        }
        2 if !id.is_empty()
            && id.len() <= 16
            && id.bytes().all(|b| b.is_ascii_digit())
            && !id.starts_with('0') =>
        {
            let n: u64 = id.parse().ok()?;
            (n < (1u64 << 56)).then_some(n | (2u64 << 56))
        }
        _ => None,
    }
}

impl SeenSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the offer; true if it was not seen before.
    pub fn insert(&mut self, source: &str, id: &str) -> bool {
        match pack(source, id) {
            Some(k) => self.packed.insert(k),
            None => self
                .other
                .insert(format!("{source}\u{1f}{id}").into_boxed_str()),
        }
    }

    pub fn contains(&self, source: &str, id: &str) -> bool {
        match pack(source, id) {
            Some(k) => self.packed.contains(&k),
            None => self.other.contains(format!("{source}\u{1f}{id}").as_str()),
        }
    }

    pub fn len(&self) -> usize {
        self.packed.len() + self.other.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_per_source_and_exact() {
        let mut s = SeenSet::new();
        assert!(s.insert("france_travail", "184TRJB"));
        assert!(!s.insert("france_travail", "184TRJB"));
        assert!(s.insert("france_travail", "184TRJC"));
        assert!(s.insert("france_travail", "184TRJ"));
        assert!(s.insert("adzuna", "5291949745"));
        assert!(!s.insert("adzuna", "5291949745"));
        // Same text, other source: another offer.
        assert!(s.insert("adzuna", "184TRJB"));
        assert!(s.insert("france_travail", "5291949745"));
        // Leading zeros and odd ids are kept exactly.
        assert!(s.insert("adzuna", "0123"));
        assert!(s.insert("adzuna", "123"));
        assert!(s.insert("france_travail", "ÉTÉ1"));
        assert!(s.contains("france_travail", "ÉTÉ1"));
        assert_eq!(s.len(), 9);
    }
}
