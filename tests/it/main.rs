//! The integration tests: one binary, one module per area, a small harness.

mod adzuna;
mod client;
mod collect;
mod faults;
mod harness;
mod kill;
mod normalize;
mod parquet;

// History datasets (`sync`, `history`).
mod history;

// The bad-input catalogue (docs/bad-input.md).
mod bad_input;
