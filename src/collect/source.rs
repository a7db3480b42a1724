//! A source of offers as the collection engine sees it.
//!
//! The engine knows no source by name: it asks each registered [`Source`] for its next request,
//! runs the request on a worker, writes the offers that come back, and hands the answer (or the
//! failure) back to the source that asked. Each source owns its client, its planner and its
//! checkpoint state (a typed value of its own, stored under its name in the checkpoint).
//!
//! Invariants a source keeps: a [`Ticket`] it hands out names one request of the current run and
//! is answered exactly once (`on_page` or `on_error`); `state()` describes only pages whose answer
//! was handed to it, so a checkpoint never claims a page whose rows are not in the CSV; and
//! `verdict().complete` is true only when the source can prove it fetched every offer it plans to.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::CollectConfig;
use crate::error::{ApiError, Error};
use crate::http::stats::ApiStats;
use crate::normalize::{NormalizedOffer, Warnings};
use crate::sink::csv::EncodedRows;
use crate::source::france_travail::CreationWindow;
use crate::source::france_travail::reconcile::Reconciliation;

/// What a worker hands back for one page.
pub struct Fetched {
    pub result: PageResult,
    pub offers: Vec<NormalizedOffer>,
    /// The offers already encoded as CSV rows (by the worker, off the writer's thread).
    pub rows: EncodedRows,
    /// Warnings about the page itself (counted each time it is fetched).
    pub warnings: Warnings,
    /// Warnings about each offer, beside `offers` (counted only for the offers written, so a
    /// page fetched twice does not count its offers' warnings twice).
    pub offer_warnings: Vec<Warnings>,
    pub body: Vec<u8>,
    /// Raw results on the page (a source may judge its pages by them, not by the kept offers).
    pub received: usize,
    /// When the page was fetched (kept in the raw archive for `normalize`).
    pub fetched_at: DateTime<Utc>,
}

/// The normalized offers of a page's raw items, each with its own warnings (see
/// [`Fetched::offer_warnings`]); an item that yields no offer has its warnings added to the
/// page's `warnings`.
pub fn normalize_page<T>(
    items: impl ExactSizeIterator<Item = T>,
    warnings: &mut Warnings,
    mut normalize: impl FnMut(T, &mut Warnings) -> Option<NormalizedOffer>,
) -> (Vec<NormalizedOffer>, Vec<Warnings>) {
    let mut offers = Vec::with_capacity(items.len());
    let mut offer_warnings = Vec::with_capacity(items.len());
    for item in items {
        let mut w = Warnings::default();
        match normalize(item, &mut w) {
            Some(offer) => {
                offers.push(offer);
                offer_warnings.push(w);
            }
            None => warnings.merge(&w),
        }
    }
    (offers, offer_warnings)
}

/// One request of a source, named so its answer finds its way back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ticket(pub u64);

/// The work a worker runs for a request (blocking: it waits for the rate limiter and the API).
pub type Fetch = Box<dyn FnOnce() -> Result<Fetched, ApiError> + Send>;

/// A request ready to run.
pub struct Request {
    pub ticket: Ticket,
    pub fetch: Fetch,
}

/// What a failed request means for the run.
#[derive(Debug)]
pub enum Failure {
    /// The run stops handing out requests; this is its error.
    Stop(ApiError),
    /// The request failed after its retries: logged and counted (too many in a row stop the run).
    Counted {
        what: String,
        unit: &'static str,
        error: ApiError,
    },
    /// Nothing more to do (an interruption, or a failure the source handles itself).
    Handled,
}

/// Where a source stands, for the progress display.
#[derive(Clone, Copy, Debug, Default)]
pub struct SourceProgress {
    pub units_finished: u64,
    pub units: u64,
    pub pages_owed: u64,
    /// The offers the source's API announced for the whole query, once known.
    pub expected: Option<u64>,
}

/// A source's verdict at the end of a run.
#[derive(Debug, Default)]
pub struct SourceVerdict {
    /// Every offer the source plans to fetch was fetched, and it can show it.
    pub complete: bool,
    /// A rerun can fetch what is missing: the checkpoint is kept.
    pub resumable: bool,
    pub problems: Vec<String>,
    pub notes: Vec<String>,
    /// For the summary: the total the API announced, the planner's slice counts and the
    /// reconciliation, from a source that has them.
    pub announced_total: Option<u64>,
    pub slices: Option<PlanCounts>,
    pub reconciliation: Option<Reconciliation>,
}

/// A source of offers: its client, its planner and its checkpoint state.
pub trait Source {
    /// The source's name, as in the output's `source` column.
    fn name(&self) -> &'static str;
    /// The next request, if one is ready now.
    fn next_request(&mut self) -> Option<Request>;
    /// The raw archive's slice number and description for a request's page.
    fn raw_label(&self, ticket: Ticket) -> (u32, String);
    /// A page arrived and `kept` of its offers were new rows; true when it finished a unit of
    /// work (a slice, a phrase), which is a good moment for a checkpoint.
    fn on_page(&mut self, ticket: Ticket, fetched: &Fetched, kept: u64) -> bool;
    /// A request failed after its retries, or was cancelled.
    fn on_error(&mut self, ticket: Ticket, error: ApiError) -> Failure;
    /// Starts the source's plan: fresh when `saved` is `None`, else from its checkpoint state
    /// (refused when it was saved for another query). Called once, after the output is ready.
    fn resume(
        &mut self,
        config: &CollectConfig,
        window: CreationWindow,
        saved: Option<&serde_json::Value>,
    ) -> Result<(), Error>;
    /// The source's checkpoint state.
    fn state(&self) -> Result<serde_json::Value, Error>;
    fn progress(&self) -> SourceProgress;
    /// The end of the run: is the source's part complete, and what the summary must say.
    fn verdict(&self, interrupted: bool, rows_written: u64) -> SourceVerdict;
}

/// What every source is built from.
pub struct SourceContext<'a> {
    pub config: &'a CollectConfig,
    /// The counters every source's requests count into (one API line in the summary).
    pub stats: std::sync::Arc<ApiStats>,
}

/// Builds a source for a run, or `None` when the run does not use it. It checks what it can
/// before any file is touched (credentials, codes) and plans nothing yet ([`Source::resume`]).
pub type SourceFactory = fn(&SourceContext) -> Result<Option<Box<dyn Source>>, Error>;

/// The sources a collection can use, in the order their requests are handed out.
pub fn registered() -> Vec<SourceFactory> {
    vec![
        crate::source::adzuna::collector::AdzunaSource::build,
        crate::source::france_travail::collector::FranceTravailSource::build,
    ]
}

/// What a page brought back (what a planner needs of it).
#[derive(Clone, Debug, Default)]
pub struct PageResult {
    /// The `Content-Range` total (`None` on a 204 without one).
    pub total: Option<u64>,
    /// Ids of the offers of the page, in page order.
    pub ids: Vec<String>,
    /// Their creation times (seconds since the epoch), in page order.
    pub created: Vec<Option<i64>>,
    /// How many offers the `Content-Range` said the page holds.
    pub declared: Option<u64>,
}

/// Counters for the summary.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanCounts {
    pub slices: u64,
    pub done: u64,
    pub split: u64,
    pub capped: u64,
    pub failed: u64,
    pub pending: u64,
    /// Offers a capped slice could not reach: its total minus the distinct offers held.
    pub unreachable_offers: u64,
    /// Kept for the summary's format (the seek paging leaves no gap to check).
    pub gaps: u64,
}
