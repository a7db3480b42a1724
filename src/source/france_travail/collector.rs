//! France Travail as a source of the collection: its client, its planner (`crate::source::france_travail::plan`) and
//! the plan's state as its checkpoint state.
//!
//! Invariants: a page is handed to the plan only after its offers were written (the engine calls
//! `on_page` after the CSV append), and the plan keeps only as many slices busy as the rate
//! limiter can use (a slice cut for parallelism costs about one request more).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::DateTime;

use super::reconcile::Reconciliation;
use crate::collect::source::{
    Failure, Fetched, Request, Source, SourceContext, SourceProgress, SourceVerdict, Ticket,
    normalize_page,
};
use crate::collect::{CollectConfig, encode};
use crate::error::{ApiError, Error, QueryApi, ResumeError};
use crate::http::stats::ApiStats;
use crate::http::{RateLimiter, Transport};
use crate::normalize::{Warnings, normalize_france_travail_owned};
use crate::source::france_travail::plan::{
    self, PageResult, PageTask, Plan, PlanState, SliceState, Strategy,
};
use crate::source::france_travail::{CreationWindow, FranceTravailClient, SearchPage};

/// The name of the source (the output's `source` column and the checkpoint's key).
pub const NAME: &str = crate::normalize::france_travail::SOURCE;

pub struct FranceTravailSource {
    plan: Plan,
    client: FranceTravailClient,
    workers: usize,
    tickets: HashMap<Ticket, PageTask>,
    next_ticket: u64,
    /// The last failure after retries, for the verdict.
    last_failure: Option<String>,
}

/// The client of a run: the shared counters, its own limiter, keep-alive for every worker.
pub fn client_for(c: &CollectConfig, stats: Arc<ApiStats>) -> FranceTravailClient {
    let limiter = Arc::new(RateLimiter::new(c.rate_limit_delay));
    let mut http = c.http.clone();
    http.max_idle_per_host = http.max_idle_per_host.max(c.workers);
    let mut transport = Transport::new(&http, limiter, c.retry.clone(), c.cancel.clone());
    transport.stats = stats;
    FranceTravailClient::new(
        &c.france_travail.api_url,
        &c.france_travail.token_url,
        c.france_travail.credentials.clone(),
        transport,
    )
}

/// The plan a fresh run starts from.
pub fn new_plan(c: &CollectConfig, window: CreationWindow) -> Plan {
    let roots = match c.strategy {
        Strategy::Adaptive => {
            plan::adaptive::roots(&c.rome_codes, c.departements.as_deref(), window)
        }
        Strategy::Grid => plan::grid::roots(&c.rome_codes, c.departements.as_deref(), window),
    };
    let mut plan = Plan::new(c.strategy, c.results_per_page, c.search.clone(), roots);
    plan.set_parallelism(c.workers);
    plan
}

impl FranceTravailSource {
    /// Registered in [`super::source::registered`]: checks the ROME codes and the credentials
    /// before anything is written (refused ones stop the run; an unreachable token endpoint is
    /// left to the run, which retries it and keeps a checkpoint).
    pub fn build(ctx: &SourceContext) -> Result<Option<Box<dyn Source>>, Error> {
        let c = ctx.config;
        if !c.sources.france_travail {
            return Ok(None);
        }
        let client = client_for(c, ctx.stats.clone());
        super::referential::check_rome_codes(&client, &c.rome_codes)?;
        match client.authenticate() {
            Err(e) if e.is_fatal() => return Err(Error::Api(e)),
            Err(e) => log::debug!("the first token request failed ({e}): the run retries it"),
            Ok(()) => {}
        }
        // Planned in `resume`, once the output is ready.
        let plan = Plan::new(c.strategy, c.results_per_page, None, Vec::new());
        Ok(Some(Box::new(FranceTravailSource {
            plan,
            client,
            workers: c.workers.max(1),
            tickets: HashMap::new(),
            next_ticket: 0,
            last_failure: None,
        })))
    }

    /// Slices worth keeping busy at once: the workers, or fewer when fewer requests in flight
    /// already use every slot of the rate limiter.
    fn useful_parallelism(&self) -> usize {
        self.client
            .transport()
            .limiter
            .in_flight_to_saturate()
            .map_or(self.workers, |n| n.min(self.workers))
    }

    fn describe(&self, task: PageTask) -> String {
        self.plan.slice_of(task).map_or_else(
            || "a request from before the plan started over".to_string(),
            |s| s.spec.describe(),
        )
    }

    fn slice_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for s in self.plan.slices() {
            if let Some(error) = &s.error {
                problems.push(format!("failed slice {}: {error}", s.spec.describe()));
                continue;
            }
            match &s.state {
                SliceState::Failed { error } => {
                    problems.push(format!("failed slice {}: {error}", s.spec.describe()))
                }
                SliceState::Capped { total, reachable } => problems.push(format!(
                    "capped slice {}: {total} offers, {reachable} reached, {} out of reach even after cutting by every filter",
                    s.spec.describe(),
                    total - reachable
                )),
                _ => {}
            }
        }
        problems
    }
}

impl Source for FranceTravailSource {
    fn name(&self) -> &'static str {
        NAME
    }

    fn next_request(&mut self) -> Option<Request> {
        let task = self.plan.next_task()?;
        let ticket = Ticket(self.next_ticket);
        self.next_ticket += 1;
        self.tickets.insert(ticket, task);
        let (params, client) = (self.plan.params(task), self.client.clone());
        Some(Request {
            ticket,
            fetch: Box::new(move || client.search(&params).map(fetched)),
        })
    }

    fn raw_label(&self, ticket: Ticket) -> (u32, String) {
        match self.tickets.get(&ticket) {
            Some(&task) => (task.slice, self.describe(task)),
            None => (u32::MAX, "an unknown request".into()),
        }
    }

    fn on_page(&mut self, ticket: Ticket, fetched: &Fetched, kept: u64) -> bool {
        let Some(task) = self.tickets.remove(&ticket) else {
            return false;
        };
        self.plan.set_parallelism(self.useful_parallelism());
        let finished = |plan: &Plan| plan.slice_of(task).is_some_and(|s| s.is_finished());
        let was_finished = finished(&self.plan);
        self.plan.on_page(task, &fetched.result, kept);
        !was_finished && finished(&self.plan)
    }

    fn on_error(&mut self, ticket: Ticket, e: ApiError) -> Failure {
        let Some(task) = self.tickets.remove(&ticket) else {
            return Failure::Handled;
        };
        match e {
            ApiError::Interrupted => {
                self.plan.on_cancelled(task);
                Failure::Handled
            }
            e if e.is_fatal() => {
                self.plan.on_cancelled(task);
                Failure::Stop(e)
            }
            ApiError::BadRequest { message, .. }
                if self
                    .plan
                    .slice_of(task)
                    .is_some_and(|s| s.origin == plan::Origin::Root && s.first_total.is_none()) =>
            {
                self.plan.on_cancelled(task);
                Failure::Stop(ApiError::QueryRejected {
                    api: QueryApi::FranceTravail,
                    cause: Box::new(ApiError::BadRequest {
                        status: 400,
                        message,
                    }),
                })
            }
            e => {
                let what = match self.plan.slice_of(task) {
                    Some(s) => format!("slice {}", s.spec.describe()),
                    None => "a request from before the plan started over".into(),
                };
                self.plan.on_failure(task, e.to_string());
                self.last_failure = Some(e.to_string());
                Failure::Counted {
                    what,
                    unit: "slices",
                    error: e,
                }
            }
        }
    }

    fn resume(
        &mut self,
        c: &CollectConfig,
        window: CreationWindow,
        saved: Option<&serde_json::Value>,
    ) -> Result<(), Error> {
        self.plan = match saved {
            Some(v) => {
                Plan::restore(serde_json::from_value::<PlanState>(v.clone()).map_err(|e| {
                    Error::Resume(ResumeError::SourcePartDamaged {
                        source: "France Travail".into(),
                        reason: e.to_string(),
                    })
                })?)
            }
            None => new_plan(c, window),
        };
        Ok(())
    }

    fn state(&self) -> Result<serde_json::Value, Error> {
        serde_json::to_value(self.plan.state()).map_err(|e| Error::Internal {
            what: format!("cannot encode the plan: {e}"),
        })
    }

    fn progress(&self) -> SourceProgress {
        let counts = self.plan.counts();
        SourceProgress {
            units_finished: counts.done + counts.split + counts.capped,
            units: counts.slices,
            pages_owed: self.plan.pages_owed(),
            expected: self.plan.announced_total(),
        }
    }

    fn verdict(&self, interrupted: bool, _rows_written: u64) -> SourceVerdict {
        let counts = self.plan.counts();
        let reconciliation = Reconciliation::of(&self.plan);
        let mut problems = self.slice_problems();
        problems.extend(reconciliation.problems());
        if counts.failed > 0 {
            problems.push(format!(
                "{} slice(s) failed after their retries: the checkpoint is kept and nothing written is lost. \
                 If the API could not be reached, check the network and the API and token URLs (api_url, token_url); then run the same \
                 command again to fetch what is missing",
                counts.failed
            ));
        }
        if counts.pending > 0 && !interrupted {
            problems.push(format!(
                "{} slice(s) not finished{}: run the same command again to resume",
                counts.pending,
                self.last_failure
                    .as_ref()
                    .map(|l| format!(" (last error: {l})"))
                    .unwrap_or_default()
            ));
        }
        SourceVerdict {
            complete: counts.failed == 0
                && counts.pending == 0
                && counts.capped == 0
                && reconciliation.unexplained_gap == 0,
            resumable: counts.failed > 0 || counts.pending > 0,
            problems,
            notes: Vec::new(),
            announced_total: self.plan.announced_total(),
            slices: Some(counts),
            reconciliation: Some(reconciliation),
        }
    }
}

/// A France Travail page, normalized and encoded by the worker.
fn fetched(page: SearchPage) -> Fetched {
    let mut warnings = Warnings::default();
    let created = page
        .offers
        .iter()
        .map(|o| {
            o.date_creation
                .get()
                .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
                .map(|d| d.timestamp())
        })
        .collect();
    let ids = page
        .offers
        .iter()
        .map(|o| o.id.get().map(|s| s.to_string()).unwrap_or_default())
        .collect();
    let declared = page.range.map(|(a, b)| b.saturating_sub(a) + 1);
    let fetched_at = page.fetched_at;
    let (offers, offer_warnings) =
        normalize_page(page.offers.into_iter(), &mut warnings, |o, w| {
            normalize_france_travail_owned(o, fetched_at, w)
        });
    Fetched {
        result: PageResult {
            total: page.total,
            ids,
            created,
            declared,
        },
        rows: encode(&offers),
        offers,
        warnings,
        offer_warnings,
        body: page.body,
        received: 0,
        fetched_at,
    }
}
