//! `motsCles` matching: folded words (no case, no accents), an index of the words each title
//! and description template holds, and a matcher that AND-combines the keywords.

use super::*;

/// Lowercases and strips French accents, for keyword matching.
pub fn fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'à' | 'â' | 'ä' | 'À' | 'Â' | 'Ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
            'î' | 'ï' | 'Î' | 'Ï' => 'i',
            'ô' | 'ö' | 'Ô' | 'Ö' => 'o',
            'ù' | 'û' | 'ü' | 'Ù' | 'Û' | 'Ü' => 'u',
            'ç' | 'Ç' => 'c',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

pub(super) fn words_of(s: &str) -> HashSet<String> {
    fold(s)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Which text templates contain which words.
pub(super) struct WordIndex {
    titles: Vec<Vec<HashSet<String>>>,
    labels: Vec<HashSet<String>>,
    paragraphs: Vec<HashSet<String>>,
}

/// For one keyword: which title templates (per ROME code), ROME labels and paragraphs contain it.
type KeywordHits = (Vec<Vec<bool>>, Vec<bool>, Vec<bool>);

pub(super) struct KeywordMatcher {
    per_kw: Vec<KeywordHits>,
}

impl WordIndex {
    pub(super) fn build() -> Self {
        WordIndex {
            titles: ROMES
                .iter()
                .map(|r| r.titles.iter().map(|t| words_of(t)).collect())
                .collect(),
            labels: ROMES.iter().map(|r| words_of(r.label)).collect(),
            paragraphs: catalog::PARAGRAPHS.iter().map(|p| words_of(p)).collect(),
        }
    }

    pub(super) fn matcher(&self, keywords: &[String]) -> Option<KeywordMatcher> {
        if keywords.is_empty() {
            return None;
        }
        let per_kw = keywords
            .iter()
            .map(|k| {
                (
                    self.titles
                        .iter()
                        .map(|ts| ts.iter().map(|t| t.contains(k)).collect())
                        .collect(),
                    self.labels.iter().map(|l| l.contains(k)).collect(),
                    self.paragraphs.iter().map(|p| p.contains(k)).collect(),
                )
            })
            .collect();
        Some(KeywordMatcher { per_kw })
    }
}

impl KeywordMatcher {
    pub(super) fn matches(&self, r: &Rec) -> bool {
        self.per_kw.iter().all(|(titles, labels, paras)| {
            titles[r.rome as usize][r.title as usize]
                || labels[r.rome as usize]
                || r.paras.iter().any(|&p| p != NO_PARA && paras[p as usize])
        })
    }
    pub(super) fn title_hits(&self, r: &Rec) -> usize {
        self.per_kw
            .iter()
            .filter(|(t, _, _)| t[r.rome as usize][r.title as usize])
            .count()
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering: the API's JSON shape, fields present at the frequencies of the real payloads.
