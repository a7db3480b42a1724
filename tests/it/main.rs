//! The integration tests: one binary, one module per area, a small harness.

mod adzuna;
mod client;
mod collect;
mod completeness;
mod cron;
mod duplicates;
mod faults;
mod harness;
mod kill;
mod locks;
mod normalize;
mod normalize_stream;
mod parquet;
mod secrets;
mod third_source;

// What the fuzzers found, and a short run of their properties (`fuzz/`, `docs/fuzzing.md`).
mod fuzz_regressions;

// History datasets (`sync`, `history`).
mod history;

// The bad-input catalogue (docs/bad-input.md).
mod bad_input;
