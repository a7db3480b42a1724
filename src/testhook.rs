//! Test hooks: named points where a process can be made to stop, so a test can SIGKILL it there.
//!
//! When `FTCOLLECT_TEST_PAUSE_AT` is `stage` (or `stage:N`, the N-th time the stage is reached), the
//! process prints `ftcollect: paused at stage <stage> (FTCOLLECT_TEST_PAUSE_AT), pid <pid>` on stderr and sleeps forever.
//! Invariant: without the variable, a pause point costs one environment lookup and does nothing;
//! without the `testhook` feature (a lean `--no-default-features` build) it compiles to nothing.

#[cfg(feature = "testhook")]
use std::collections::HashMap;
#[cfg(feature = "testhook")]
use std::sync::Mutex;
#[cfg(feature = "testhook")]
use std::time::Duration;

/// The environment variable naming the stage to stop at.
pub const PAUSE_ENV: &str = "FTCOLLECT_TEST_PAUSE_AT";

/// The stages of a collection, `convert` and the Parquet writer (`sync` adds its own, see
/// `history::STAGES`).
pub const STAGES: &[&str] = &[
    // A checkpoint's temporary file is written and synced; the rename has not happened.
    "checkpoint-write",
    // A page's rows were appended to the CSV (not yet synced nor checkpointed).
    "csv-append",
    // A Parquet file is complete under its temporary name; the rename has not happened.
    "parquet-rename",
];

#[cfg(feature = "testhook")]
static REACHED: Mutex<Option<HashMap<String, u64>>> = Mutex::new(None);

/// Without the `testhook` feature: nothing.
#[cfg(not(feature = "testhook"))]
#[inline(always)]
pub fn pause_point(_stage: &str) {}

/// Stops here forever if [`PAUSE_ENV`] names `stage` (and this is its N-th occurrence).
#[cfg(feature = "testhook")]
pub fn pause_point(stage: &str) {
    let Some(v) = std::env::var_os(PAUSE_ENV) else {
        return;
    };
    let v = v.to_string_lossy();
    let (name, nth) = match v.split_once(':') {
        Some((n, k)) => (n, k.parse::<u64>().unwrap_or(1)),
        None => (v.as_ref(), 1),
    };
    if name != stage {
        return;
    }
    let count = {
        let mut reached = REACHED.lock().unwrap_or_else(|e| e.into_inner());
        let c = reached
            .get_or_insert_with(HashMap::new)
            .entry(stage.to_string())
            .or_insert(0);
        *c += 1;
        *c
    };
    if count == nth {
        eprintln!(
            "ftcollect: paused at stage {stage} ({PAUSE_ENV}), pid {}",
            std::process::id()
        );
        loop {
            std::thread::sleep(Duration::from_secs(60));
        }
    }
}
