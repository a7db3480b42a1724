//! Adzuna's part of a collection: which phrases to search, how far each one got, and what to say
//! about it at the end.
//!
//! Why: Adzuna has no ROME codes and no date range, and its quota makes a complete collection span
//! several runs. Each ROME code becomes a search phrase (`what`, see [`phrases`]), `--months` becomes
//! `max_days_old`, and each phrase is paged newest first (`sort_by=date`) until an empty or short
//! page, or until `count` is reached. Invariants: one Adzuna page is in flight at a time (the phrases
//! are searched in order, so which ROME code an offer is credited to never depends on thread timing,
//! and Adzuna is never hit in parallel); a page is marked done only after its offers were handed to
//! the writer; the state (phrase, next page, done) is saved in the checkpoint's `adzuna` slot, so a
//! run stopped by the quota resumes at the exact page where it stopped.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::collect::source::{
    Failure, Fetched, Request, Source, SourceContext, SourceProgress, SourceVerdict, Ticket,
    normalize_page,
};
use crate::collect::{CollectConfig, encode};
use crate::error::{ApiError, Error, QueryApi, QueryChange, QueryField, ResumeError};
use crate::http::stats::ApiStats;
use crate::http::{RateLimiter, Transport};
use crate::normalize::{Warnings, normalize_adzuna};
use crate::source::adzuna::client::AdzunaPage;
use crate::source::adzuna::{
    self, AdzunaClient, AdzunaKeys, Limits, QuotaClock, QuotaLedger, SearchQuery, ShiftedClock,
    SystemClock,
};
use crate::source::france_travail::CreationWindow;
use crate::source::france_travail::plan::PageResult;

/// Where and how to reach Adzuna.
#[derive(Clone, Debug)]
pub struct AdzunaSettings {
    /// `ADZUNA_API_URL` (ends with `/v1/api`).
    pub api_url: String,
    /// `fr`, `gb`, … (the path's `{country}`).
    pub country: String,
    pub keys: AdzunaKeys,
    /// The persistent quota ledger (`--adzuna-quota-file`).
    pub quota_file: PathBuf,
    pub limits: Limits,
    /// Minimum time between two Adzuna requests.
    pub rate_limit_delay: Duration,
    /// `where`: a place name or postcode.
    pub where_: Option<String>,
    /// `category`: an Adzuna category tag (`it-jobs`).
    pub category: Option<String>,
}

impl AdzunaSettings {
    /// Settings with Adzuna's defaults: country `fr`, the free quota, one call every 2.4 s.
    pub fn new(
        api_url: impl Into<String>,
        keys: AdzunaKeys,
        quota_file: impl Into<PathBuf>,
    ) -> Self {
        let limits = Limits::default();
        AdzunaSettings {
            api_url: api_url.into(),
            country: "fr".into(),
            keys,
            quota_file: quota_file.into(),
            limits,
            rate_limit_delay: default_delay(&limits),
            where_: None,
            category: None,
        }
    }
}

/// One minute divided by the minute limit: 2.4 s for Adzuna's 25 calls a minute.
pub fn default_delay(limits: &Limits) -> Duration {
    Duration::from_secs(60) / limits.minute.max(1)
}

/// One search phrase and the ROME code it stands for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phrase {
    pub what: String,
    pub code_rome: Option<String>,
}

/// The phrases of a collection: `--search` alone (no ROME code is credited), or the phrase of each
/// ROME code from [`adzuna::ROME_PHRASES`]. A code without a phrase is an error naming it.
pub fn phrases(rome_codes: &[String], search: Option<&str>) -> Result<Vec<Phrase>, Error> {
    if let Some(s) = search.map(str::trim).filter(|s| !s.is_empty()) {
        return Ok(vec![Phrase {
            what: s.to_string(),
            code_rome: None,
        }]);
    }
    let unknown: Vec<&str> = rome_codes
        .iter()
        .map(String::as_str)
        .filter(|c| adzuna::phrase_for(c).is_none())
        .collect();
    if !unknown.is_empty() {
        let known: Vec<String> = adzuna::ROME_PHRASES
            .iter()
            .map(|(c, p)| format!("{c} ({p})"))
            .collect();
        return Err(Error::NoAdzunaPhrase {
            unknown: unknown.iter().map(|c| c.to_string()).collect(),
            known,
        });
    }
    Ok(rome_codes
        .iter()
        .filter_map(|c| {
            adzuna::phrase_for(c).map(|p| Phrase {
                what: p.to_string(),
                code_rome: Some(c.to_ascii_uppercase()),
            })
        })
        .collect())
}

/// How far one phrase got.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhraseState {
    pub what: String,
    pub code_rome: Option<String>,
    /// The next page to fetch (1-based).
    pub next_page: u32,
    /// `count` from the last page received.
    pub count: Option<u64>,
    /// Results received so far.
    pub received: u64,
    pub done: bool,
    /// The error of the run that gave up on this phrase (retried on the next run).
    pub failed: Option<String>,
}

/// What the checkpoint's `adzuna` slot holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdzunaState {
    pub country: String,
    #[serde(rename = "where")]
    pub where_: Option<String>,
    pub category: Option<String>,
    pub max_days_old: u32,
    pub results_per_page: u32,
    pub phrases: Vec<PhraseState>,
    /// HTTP calls made to Adzuna by the runs before this one.
    pub calls: u64,
}

/// One Adzuna page to fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdzunaTask {
    pub phrase: u32,
    pub page: u32,
}

/// Adzuna's plan for this run.
#[derive(Debug)]
pub struct AdzunaPlan {
    state: AdzunaState,
    in_flight: Option<AdzunaTask>,
    /// Why no further call is made this run (a full quota window).
    quota_stop: Option<String>,
}

impl AdzunaPlan {
    /// A fresh plan, or the one saved in a checkpoint (which must be for the same Adzuna query).
    pub fn start(
        settings: &AdzunaSettings,
        months: u32,
        results_per_page: u32,
        phrases: Vec<Phrase>,
        saved: Option<&serde_json::Value>,
    ) -> Result<AdzunaPlan, Error> {
        let fresh = AdzunaState {
            country: settings.country.clone(),
            where_: settings.where_.clone(),
            category: settings.category.clone(),
            max_days_old: adzuna::max_days_old(months),
            results_per_page: results_per_page.clamp(1, adzuna::MAX_RESULTS_PER_PAGE),
            phrases: phrases
                .into_iter()
                .map(|p| PhraseState {
                    what: p.what,
                    code_rome: p.code_rome,
                    next_page: 1,
                    count: None,
                    received: 0,
                    done: false,
                    failed: None,
                })
                .collect(),
            calls: 0,
        };
        let Some(saved) = saved else {
            return Ok(AdzunaPlan {
                state: fresh,
                in_flight: None,
                quota_stop: None,
            });
        };
        let mut state: AdzunaState = serde_json::from_value(saved.clone()).map_err(|e| {
            Error::Resume(ResumeError::SourcePartDamaged {
                source: "Adzuna".into(),
                reason: e.to_string(),
            })
        })?;
        let phrases_of = |s: &AdzunaState| {
            format!(
                "{:?}",
                s.phrases
                    .iter()
                    .map(|p| (&p.what, &p.code_rome))
                    .collect::<Vec<_>>()
            )
        };
        let diff = [
            (
                QueryField::AdzunaCountry,
                format!("{:?}", state.country),
                format!("{:?}", fresh.country),
            ),
            (
                QueryField::AdzunaWhere,
                format!("{:?}", state.where_),
                format!("{:?}", fresh.where_),
            ),
            (
                QueryField::AdzunaCategory,
                format!("{:?}", state.category),
                format!("{:?}", fresh.category),
            ),
            (
                QueryField::AdzunaResultsPerPage,
                state.results_per_page.to_string(),
                fresh.results_per_page.to_string(),
            ),
            (
                QueryField::AdzunaPhrases,
                phrases_of(&state),
                phrases_of(&fresh),
            ),
        ]
        .into_iter()
        .find(|(_, a, b)| a != b);
        if let Some((field, was, now)) = diff {
            return Err(Error::CheckpointOfAnotherQuery {
                checkpoint: None,
                change: QueryChange { field, was, now },
            });
        }
        // Phrases that failed last time are tried again.
        for p in &mut state.phrases {
            p.failed = None;
        }
        Ok(AdzunaPlan {
            state,
            in_flight: None,
            quota_stop: None,
        })
    }

    pub fn state(&self) -> &AdzunaState {
        &self.state
    }

    /// The next page to fetch: none while one is in flight, after a quota stop, or when every
    /// phrase is done or failed.
    pub fn next_task(&mut self) -> Option<AdzunaTask> {
        if self.in_flight.is_some() || self.quota_stop.is_some() {
            return None;
        }
        let (i, p) = self
            .state
            .phrases
            .iter()
            .enumerate()
            .find(|(_, p)| !p.done && p.failed.is_none())?;
        let t = AdzunaTask {
            phrase: i as u32,
            page: p.next_page,
        };
        self.in_flight = Some(t);
        Some(t)
    }

    /// The search parameters of a task.
    pub fn query(&self, t: AdzunaTask) -> SearchQuery {
        let s = &self.state;
        SearchQuery {
            page: t.page,
            results_per_page: s.results_per_page,
            what: Some(s.phrases[t.phrase as usize].what.clone()),
            where_: s.where_.clone(),
            category: s.category.clone(),
            max_days_old: Some(s.max_days_old),
            sort_by_date: true,
        }
    }

    /// The ROME code credited with the offers of a task.
    pub fn code_rome(&self, t: AdzunaTask) -> Option<&str> {
        self.state.phrases[t.phrase as usize].code_rome.as_deref()
    }

    /// A short description of a task, for the raw archive and messages.
    pub fn describe(&self, t: AdzunaTask) -> String {
        self.query(t).describe(&self.state.country)
    }

    /// A page arrived (its offers are written): move to the next page, or finish the phrase on an
    /// empty or short page, or when `count` is reached. True when the phrase finished.
    pub fn on_page(&mut self, t: AdzunaTask, received: usize, count: Option<u64>) -> bool {
        self.in_flight = None;
        let rpp = u64::from(self.state.results_per_page);
        let p = &mut self.state.phrases[t.phrase as usize];
        p.received += received as u64;
        p.count = count.or(p.count);
        p.next_page = t.page + 1;
        p.done = received == 0
            || (received as u64) < rpp
            || count.is_some_and(|c| u64::from(t.page) * rpp >= c);
        p.done
    }

    /// A page failed after its retries: the phrase stops for this run (retried on the next one).
    pub fn on_failure(&mut self, t: AdzunaTask, error: String) {
        self.in_flight = None;
        self.state.phrases[t.phrase as usize].failed = Some(error);
    }

    /// A quota window is full: no more Adzuna calls this run; the page stays to do.
    pub fn on_quota(&mut self, _t: AdzunaTask, message: String) {
        self.in_flight = None;
        self.quota_stop = Some(message);
    }

    /// The page was not fetched (interrupted): it stays to do.
    pub fn on_cancelled(&mut self, _t: AdzunaTask) {
        self.in_flight = None;
    }

    pub fn is_complete(&self) -> bool {
        self.state.phrases.iter().all(|p| p.done)
    }

    pub fn stopped_by_quota(&self) -> bool {
        self.quota_stop.is_some()
    }

    /// The checkpoint slot, with the calls of this run (`calls_now`) added.
    pub fn to_value(&self, calls_now: u64) -> serde_json::Value {
        let mut s = self.state.clone();
        s.calls += calls_now;
        serde_json::to_value(&s).unwrap_or(serde_json::Value::Null)
    }

    /// Pages still to fetch: exact for phrases whose `count` is known, 1 for the others.
    pub fn pages_owed(&self) -> u64 {
        let rpp = u64::from(self.state.results_per_page);
        self.state
            .phrases
            .iter()
            .filter(|p| !p.done)
            .map(|p| match p.count {
                Some(c) => c
                    .div_ceil(rpp)
                    .saturating_sub(u64::from(p.next_page) - 1)
                    .max(1),
                None => 1,
            })
            .sum()
    }

    /// Why the Adzuna part is incomplete, one line per problem.
    pub fn problems(&self, interrupted: bool) -> Vec<String> {
        let mut out = Vec::new();
        let pending = self.state.phrases.iter().filter(|p| !p.done).count();
        let total = self.state.phrases.len();
        if let Some(q) = &self.quota_stop {
            out.push(format!(
                "Adzuna stopped before a call: {q}. {pending} of {total} phrase(s) unfinished; run the same command \
                 again after that time to resume."
            ));
        }
        for p in &self.state.phrases {
            if let Some(e) = &p.failed {
                out.push(format!(
                    "failed Adzuna search {:?} page {}: {e}",
                    p.what, p.next_page
                ));
            }
        }
        let failed = self
            .state
            .phrases
            .iter()
            .filter(|p| p.failed.is_some())
            .count();
        if self.quota_stop.is_none() && !interrupted && pending > failed {
            out.push(format!(
                "{} Adzuna phrase(s) not finished: run the same command again to resume",
                pending - failed
            ));
        }
        out
    }

    /// The report for the summary's notes: what was collected, the calls, the quota, and whether
    /// what Adzuna announces fits in what the quota still allows.
    pub fn notes(&self, client: &AdzunaClient, offers_written: u64) -> Vec<String> {
        let s = &self.state;
        let calls_now = client.calls();
        let mut out = vec![format!(
            "Adzuna ({}): {offers_written} offer(s) written from {} phrase(s) ({} done); {calls_now} call(s) this run, \
             {} for this collection",
            s.country,
            s.phrases.len(),
            s.phrases.iter().filter(|p| p.done).count(),
            s.calls + calls_now
        )];
        let Some(ledger) = client.quota() else {
            return out;
        };
        let usage = match ledger.usage() {
            Ok(u) => u,
            Err(e) => {
                out.push(e.to_string());
                return out;
            }
        };
        out.push(format!(
            "Adzuna quota now: {} (rolling windows, {})",
            usage.describe(),
            ledger.path().display()
        ));
        if !self.is_complete() {
            let owed = self.pages_owed();
            let (window, left) = usage.remaining_today();
            let announced: u64 = s
                .phrases
                .iter()
                .filter(|p| !p.done)
                .filter_map(|p| p.count)
                .sum();
            if owed > u64::from(left) {
                let per_day = u64::from(usage.limits.day.max(1));
                out.push(format!(
                    "Adzuna announces more than the quota allows now: about {owed} page(s) of {} still to fetch \
                     ({announced} offer(s) announced for the unfinished phrases), and the {} window has {left} call(s) \
                     left ({} per {}). Finishing takes about {} more day(s) of runs at {per_day} calls a day.",
                    s.results_per_page,
                    window.name(),
                    usage.limits.of(window),
                    window.name(),
                    owed.saturating_sub(u64::from(left)).div_ceil(per_day).max(1),
                ));
            }
        }
        out
    }
}

/// Raw archive slice numbers of Adzuna phrases (France Travail slices count from 0).
const RAW_SLICE_BASE: u32 = 1_000_000;

/// Adzuna as a source of the collection: its client (own limiter, persistent quota ledger) and
/// its plan, which is its checkpoint state.
pub struct AdzunaSource {
    settings: AdzunaSettings,
    phrases: Vec<Phrase>,
    plan: Option<AdzunaPlan>,
    client: AdzunaClient,
    tickets: HashMap<Ticket, AdzunaTask>,
    next_ticket: u64,
}

/// The Adzuna client of a run: its own limiter, the run's counters, the persistent quota ledger
/// (whose clock starts at the run's `now` when given, so simulations can move it).
fn client_for(
    c: &CollectConfig,
    s: &AdzunaSettings,
    stats: Arc<ApiStats>,
) -> Result<AdzunaClient, Error> {
    let clock: Arc<dyn QuotaClock> = match c.now {
        Some(t) => Arc::new(ShiftedClock::starting_at(t)),
        None => Arc::new(SystemClock),
    };
    let ledger = QuotaLedger::open(&s.quota_file, &s.keys.app_id, s.limits, clock)
        .map_err(Error::QuotaFile)?;
    let limiter = Arc::new(RateLimiter::new(s.rate_limit_delay));
    let mut transport = Transport::new(&c.http, limiter, c.retry.clone(), c.cancel.clone());
    transport.stats = stats;
    Ok(AdzunaClient::new(
        &s.api_url,
        &s.country,
        s.keys.clone(),
        transport,
        Some(Arc::new(ledger)),
    ))
}

impl AdzunaSource {
    /// Registered in [`super::source::registered`].
    pub fn build(ctx: &SourceContext) -> Result<Option<Box<dyn Source>>, Error> {
        let c = ctx.config;
        if !c.sources.adzuna {
            return Ok(None);
        }
        let Some(settings) = c.adzuna.clone() else {
            return Err(Error::SourceWithoutSettings {
                source: "Adzuna".into(),
            });
        };
        let phrases = phrases(&c.rome_codes, c.search.as_deref())?;
        let client = client_for(c, &settings, ctx.stats.clone())?;
        Ok(Some(Box::new(AdzunaSource {
            settings,
            phrases,
            plan: None,
            client,
            tickets: HashMap::new(),
            next_ticket: 0,
        })))
    }
}

impl Source for AdzunaSource {
    fn name(&self) -> &'static str {
        crate::normalize::adzuna::SOURCE
    }

    fn next_request(&mut self) -> Option<Request> {
        let plan = self.plan.as_mut()?;
        let t = plan.next_task()?;
        let ticket = Ticket(self.next_ticket);
        self.next_ticket += 1;
        self.tickets.insert(ticket, t);
        let (query, code_rome, z) = (
            plan.query(t),
            plan.code_rome(t).map(str::to_string),
            self.client.clone(),
        );
        Some(Request {
            ticket,
            fetch: Box::new(move || z.search(&query).map(|page| fetched(&z, page, code_rome))),
        })
    }

    fn raw_label(&self, ticket: Ticket) -> (u32, String) {
        match (self.tickets.get(&ticket), &self.plan) {
            (Some(&t), Some(plan)) => (RAW_SLICE_BASE + t.phrase, plan.describe(t)),
            _ => (u32::MAX, "an unknown Adzuna request".into()),
        }
    }

    fn on_page(&mut self, ticket: Ticket, fetched: &Fetched, _kept: u64) -> bool {
        match (self.tickets.remove(&ticket), self.plan.as_mut()) {
            (Some(t), Some(plan)) => plan.on_page(t, fetched.received, fetched.result.total),
            _ => false,
        }
    }

    fn on_error(&mut self, ticket: Ticket, e: ApiError) -> Failure {
        let (Some(t), Some(a)) = (self.tickets.remove(&ticket), self.plan.as_mut()) else {
            return Failure::Handled;
        };
        match e {
            ApiError::Interrupted => {
                a.on_cancelled(t);
                Failure::Handled
            }
            ApiError::Quota { .. } => {
                // Only Adzuna stops: the other sources go on.
                log::warn!("{e}: no more Adzuna calls in this run");
                a.on_quota(t, e.to_string());
                Failure::Handled
            }
            e @ (ApiError::BadRequest { .. } | ApiError::UnsupportedParameters { .. }) => {
                a.on_cancelled(t);
                Failure::Stop(ApiError::QueryRejected {
                    api: QueryApi::Adzuna,
                    cause: Box::new(e),
                })
            }
            e if e.is_fatal() => {
                a.on_cancelled(t);
                Failure::Stop(e)
            }
            e => {
                let what = a.describe(t);
                a.on_failure(t, e.to_string());
                Failure::Counted {
                    what,
                    unit: "pages",
                    error: e,
                }
            }
        }
    }

    fn resume(
        &mut self,
        c: &CollectConfig,
        _window: CreationWindow,
        saved: Option<&serde_json::Value>,
    ) -> Result<(), Error> {
        self.plan = Some(AdzunaPlan::start(
            &self.settings,
            c.months,
            c.results_per_page,
            std::mem::take(&mut self.phrases),
            saved,
        )?);
        Ok(())
    }

    fn state(&self) -> Result<serde_json::Value, Error> {
        Ok(self
            .plan
            .as_ref()
            .map_or(serde_json::Value::Null, |a| a.to_value(self.client.calls())))
    }

    fn progress(&self) -> SourceProgress {
        let Some(a) = &self.plan else {
            return SourceProgress::default();
        };
        let phrases = &a.state().phrases;
        SourceProgress {
            units_finished: phrases.iter().filter(|p| p.done).count() as u64,
            units: phrases.len() as u64,
            pages_owed: a.pages_owed(),
            expected: None,
        }
    }

    fn verdict(&self, interrupted: bool, rows_written: u64) -> SourceVerdict {
        let Some(a) = &self.plan else {
            return SourceVerdict::default();
        };
        let complete = a.is_complete();
        SourceVerdict {
            complete,
            resumable: !complete,
            problems: a.problems(interrupted),
            notes: a.notes(&self.client, rows_written),
            ..SourceVerdict::default()
        }
    }
}

/// An Adzuna page, normalized and encoded by the worker.
fn fetched(z: &AdzunaClient, page: AdzunaPage, code_rome: Option<String>) -> Fetched {
    let mut warnings = Warnings::default();
    warnings.add("adzuna: non-object instead of a job", page.skipped);
    let (offers, offer_warnings) = normalize_page(page.jobs.iter(), &mut warnings, |j, w| {
        normalize_adzuna(
            j,
            Some(z.country()),
            code_rome.as_deref(),
            page.fetched_at,
            w,
        )
    });
    Fetched {
        result: PageResult {
            total: page.count,
            ..Default::default()
        },
        rows: encode(&offers),
        offers,
        warnings,
        offer_warnings,
        body: page.body,
        received: page.received,
        fetched_at: page.fetched_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> AdzunaSettings {
        AdzunaSettings::new(
            "https://api.adzuna.com/v1/api",
            AdzunaKeys::new("id", "key"),
            "/tmp/q.json",
        )
    }

    fn codes(c: &[&str]) -> Vec<String> {
        c.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn phrases_come_from_the_table_or_from_search() {
        let p = phrases(&codes(&["M1811", "K1906"]), None).unwrap();
        assert_eq!(
            p,
            vec![
                Phrase {
                    what: "data engineer".into(),
                    code_rome: Some("M1811".into())
                },
                Phrase {
                    what: "délégué à la protection des données".into(),
                    code_rome: Some("K1906".into())
                },
            ]
        );
        let e = phrases(&codes(&["M1811", "A1101", "B1234"]), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("A1101, B1234") && e.contains("keywords"), "{e}");
        let p = phrases(&codes(&["A1101"]), Some(" rust ")).unwrap();
        assert_eq!(
            p,
            vec![Phrase {
                what: "rust".into(),
                code_rome: None
            }]
        );
        assert_eq!(
            default_delay(&Limits::default()),
            Duration::from_millis(2400)
        );
    }

    #[test]
    fn paging_stops_on_a_short_page_an_empty_page_or_the_count() {
        let mut plan = AdzunaPlan::start(
            &settings(),
            12,
            150,
            phrases(&codes(&["M1811", "M1405", "M1827"]), None).unwrap(),
            None,
        )
        .unwrap();
        assert_eq!(plan.state().results_per_page, 50);
        assert_eq!(plan.state().max_days_old, 372);
        let t = plan.next_task().unwrap();
        assert_eq!(t, AdzunaTask { phrase: 0, page: 1 });
        assert_eq!(plan.next_task(), None, "one page in flight at a time");
        let q = plan.query(t);
        assert_eq!(q.what.as_deref(), Some("data engineer"));
        assert!(q.sort_by_date);
        assert!(!plan.on_page(t, 50, Some(120)));
        let t = plan.next_task().unwrap();
        assert_eq!(t.page, 2);
        assert_eq!(plan.pages_owed(), 2 + 1 + 1);
        assert!(!plan.on_page(t, 50, Some(120)));
        let t = plan.next_task().unwrap();
        assert!(plan.on_page(t, 20, Some(120)), "short page");
        let t = plan.next_task().unwrap();
        assert_eq!(t, AdzunaTask { phrase: 1, page: 1 });
        assert!(plan.on_page(t, 50, Some(50)), "count reached");
        let t = plan.next_task().unwrap();
        plan.on_failure(t, "HTTP 503".into());
        assert_eq!(plan.next_task(), None);
        assert!(!plan.is_complete());
        let problems = plan.problems(false);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("\"devops\" page 1: HTTP 503"));

        // Resumed: the failed phrase is tried again at its page.
        let saved = plan.to_value(7);
        let mut again = AdzunaPlan::start(
            &settings(),
            12,
            150,
            phrases(&codes(&["M1811", "M1405", "M1827"]), None).unwrap(),
            Some(&saved),
        )
        .unwrap();
        assert_eq!(again.state().calls, 7);
        let t = again.next_task().unwrap();
        assert_eq!(t, AdzunaTask { phrase: 2, page: 1 });
        assert!(again.on_page(t, 0, Some(0)), "empty page");
        assert!(again.is_complete());
        assert!(again.problems(false).is_empty());
    }

    #[test]
    fn a_quota_stop_keeps_the_page_and_a_checkpoint_of_another_query_is_refused() {
        let ph = phrases(&codes(&["M1811"]), None).unwrap();
        let mut plan = AdzunaPlan::start(&settings(), 12, 50, ph.clone(), None).unwrap();
        let t = plan.next_task().unwrap();
        plan.on_page(t, 50, Some(500));
        let t = plan.next_task().unwrap();
        plan.on_quota(t, "the Adzuna day quota (20 calls) is used up".into());
        assert_eq!(plan.next_task(), None);
        assert!(plan.stopped_by_quota());
        assert_eq!(plan.pages_owed(), 9);
        let p = plan.problems(false);
        assert!(
            p[0].contains("day quota (20 calls)") && p[0].contains("1 of 1 phrase"),
            "{p:?}"
        );
        let saved = plan.to_value(2);
        let resumed = AdzunaPlan::start(&settings(), 12, 50, ph.clone(), Some(&saved)).unwrap();
        assert_eq!(resumed.state().phrases[0].next_page, 2);

        let mut gb = settings();
        gb.country = "gb".into();
        let e = AdzunaPlan::start(&gb, 12, 50, ph, Some(&saved)).unwrap_err();
        assert!(
            matches!(
                &e,
                Error::CheckpointOfAnotherQuery { checkpoint: None, change }
                    if change.field == QueryField::AdzunaCountry
                        && change.was == "\"fr\"" && change.now == "\"gb\""
            ),
            "{e}"
        );
        let e = AdzunaPlan::start(
            &settings(),
            12,
            50,
            phrases(&codes(&["M1405"]), None).unwrap(),
            Some(&saved),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("phrases"), "{e}");
    }
}
