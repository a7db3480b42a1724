//! Support for the fuzz targets: the shared properties and generators ([`props`], also compiled into
//! the test suite) and a [`props::Choices`] over libFuzzer's bytes.

pub mod props;

use std::path::PathBuf;
use std::sync::OnceLock;

use arbitrary::Unstructured;
use serde_json::Value;

/// libFuzzer's bytes as choices (zeros once they run out).
pub struct Bytes<'a>(pub Unstructured<'a>);

impl props::Choices for Bytes<'_> {
    fn below(&mut self, n: usize) -> usize {
        self.0.int_in_range(0..=n.saturating_sub(1)).unwrap_or(0)
    }
    fn bits(&mut self) -> u64 {
        self.0.arbitrary().unwrap_or(0)
    }
}

/// The real payloads: `$FTCOLLECT_REAL_FIXTURES`, else `../shared/fixtures/real` beside the project.
pub fn fixtures_dir() -> PathBuf {
    std::env::var_os("FTCOLLECT_REAL_FIXTURES").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../shared/fixtures/real"
            ))
        },
        PathBuf::from,
    )
}

/// The real France Travail offers, loaded once.
pub fn france_travail_bases() -> &'static [Value] {
    static BASES: OnceLock<Vec<Value>> = OnceLock::new();
    BASES.get_or_init(|| props::real_france_travail_offers(&fixtures_dir()))
}

/// The real Adzuna jobs, loaded once.
pub fn adzuna_bases() -> &'static [Value] {
    static BASES: OnceLock<Vec<Value>> = OnceLock::new();
    BASES.get_or_init(|| props::real_adzuna_jobs(&fixtures_dir()))
}

/// Splits an input into its mode (first byte) and the rest.
pub fn mode(data: &[u8], modes: u8) -> (u8, &[u8]) {
    match data.split_first() {
        Some((m, rest)) => (m % modes, rest),
        None => (0, data),
    }
}
