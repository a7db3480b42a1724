//! # ftcollect
//!
//! Builds complete, trustworthy job-offer datasets from the France Travail "Offres d'emploi v2" API
//! (and Adzuna). The pipeline, one module per step: the [`plan`] yields slices of the query small
//! enough for the API's 3150-result cap; the [`collect`] engine hands their pages to a small pool of
//! blocking workers that call a [`source`] client (which waits on the shared [`http::limiter`],
//! retries, renews tokens); [`normalize`] turns raw offers into rows of one schema; a single writer
//! dedups them, writes the [`sink`]s and checkpoints so a killed run resumes exactly.
//! The [`simulator`] is a faithful local copy of the APIs for tests, benchmarks and the demo.
//! [`history`] turns scheduled collections into a dataset that remembers every offer's sightings.
//!
//! The library knows no command line: it takes typed configurations ([`collect::CollectConfig`],
//! [`history::SyncConfig`], [`simulator::SimConfig`]) and returns typed [`Error`]s whose `Display`
//! names no option. The binary (`src/main.rs`, `src/cli/`) parses flags, resolves them into those
//! configurations, renders errors with the options to change and maps results to exit codes
//! through [`exit::code_for`]. See `docs/architecture.md`.

pub mod api;
pub mod clock;
pub mod collect;
pub mod config;
pub mod error;
pub mod exit;
pub mod fsutil;
pub mod history;
pub mod http;
pub mod lock;
pub mod logging;
pub mod normalize;
pub mod secret;
#[cfg(feature = "simulator")]
pub mod simulator;
pub mod sink;
pub mod source;
pub mod testhook;

pub use error::{ApiError, Error};
pub use exit::ExitCode;
