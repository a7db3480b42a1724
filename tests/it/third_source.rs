//! A third source added from outside the engine: its own module (this one) plus one
//! registration line, and the engine collects it beside France Travail — rows, checkpoint state,
//! verdict and summary — without knowing its name.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use ftcollect::collect::source::PageResult;
use ftcollect::collect::source::{
    Failure, Fetched, Request, SourceContext, SourceProgress, SourceVerdict, Ticket,
};
use ftcollect::collect::{self, CollectConfig, RunStatus, Source};
use ftcollect::error::{ApiError, Error, ResumeError};
use ftcollect::normalize::{NormalizedOffer, Warnings};
use ftcollect::sink::csv::EncodedRows;
use ftcollect::source::france_travail::CreationWindow;

use super::collect::{config, csv_ids, expected};
use super::harness::{sim, tempdir};

const NAME: &str = "fake_jobs";
const PAGES: usize = 3;
const PER_PAGE: usize = 7;

/// A source serving `PAGES` fixed pages; its checkpoint state is the set of pages done.
struct FakeJobs {
    done: BTreeSet<usize>,
    asked: HashMap<Ticket, usize>,
    next_ticket: u64,
}

fn page(n: usize) -> Vec<NormalizedOffer> {
    (0..PER_PAGE)
        .map(|i| NormalizedOffer {
            id: format!("FAKE-{n}-{i}"),
            source: NAME.into(),
            title: format!("fake job {i} of page {n}"),
            ..Default::default()
        })
        .collect()
}

impl FakeJobs {
    fn build(_: &SourceContext) -> Result<Option<Box<dyn Source>>, Error> {
        Ok(Some(Box::new(FakeJobs {
            done: BTreeSet::new(),
            asked: HashMap::new(),
            next_ticket: 0,
        })))
    }
}

impl Source for FakeJobs {
    fn name(&self) -> &'static str {
        NAME
    }

    fn next_request(&mut self) -> Option<Request> {
        let n =
            (0..PAGES).find(|n| !self.done.contains(n) && !self.asked.values().any(|a| a == n))?;
        let ticket = Ticket(self.next_ticket);
        self.next_ticket += 1;
        self.asked.insert(ticket, n);
        Some(Request {
            ticket,
            fetch: Box::new(move || {
                let offers = page(n);
                Ok(Fetched {
                    result: PageResult::default(),
                    offer_warnings: vec![Warnings::default(); offers.len()],
                    received: offers.len(),
                    offers,
                    rows: EncodedRows::default(),
                    warnings: Warnings::default(),
                    body: format!("{{\"page\":{n}}}").into_bytes(),
                    fetched_at: chrono::Utc::now(),
                })
            }),
        })
    }

    fn raw_label(&self, ticket: Ticket) -> (u32, String) {
        let n = self.asked.get(&ticket).copied().unwrap_or(0);
        (3_000_000 + n as u32, format!("fake page {n}"))
    }

    fn on_page(&mut self, ticket: Ticket, _: &Fetched, _: u64) -> bool {
        let n = self.asked.remove(&ticket).expect("a ticket of ours");
        self.done.insert(n)
    }

    fn on_error(&mut self, ticket: Ticket, error: ApiError) -> Failure {
        self.asked.remove(&ticket);
        Failure::Counted {
            what: "a fake page".into(),
            unit: "pages",
            error,
        }
    }

    fn resume(
        &mut self,
        _: &CollectConfig,
        _: CreationWindow,
        saved: Option<&serde_json::Value>,
    ) -> Result<(), Error> {
        if let Some(v) = saved {
            self.done = serde_json::from_value(v.clone()).map_err(|e| {
                Error::Resume(ResumeError::SourcePartDamaged {
                    source: "the third source".into(),
                    reason: e.to_string(),
                })
            })?;
        }
        Ok(())
    }

    fn state(&self) -> Result<serde_json::Value, Error> {
        Ok(serde_json::json!(self.done))
    }

    fn progress(&self) -> SourceProgress {
        SourceProgress {
            units_finished: self.done.len() as u64,
            units: PAGES as u64,
            ..SourceProgress::default()
        }
    }

    fn verdict(&self, _: bool, rows: u64) -> SourceVerdict {
        let complete = self.done.len() == PAGES;
        SourceVerdict {
            complete,
            resumable: !complete,
            notes: vec![format!("{NAME}: {rows} offer(s)")],
            ..SourceVerdict::default()
        }
    }
}

#[test]
fn a_third_source_needs_its_module_and_one_registration_line() {
    let sim = sim(3_000);
    let d = tempdir();
    let out = d.path().join("jobs.csv");
    let c = config(&sim, &out);
    let mut sources = collect::source::registered();
    sources.push(FakeJobs::build); // the registration line
    let outcome = collect::collect_with(&c, &sources).unwrap();
    assert_eq!(outcome.status, RunStatus::Complete);
    let ids: BTreeSet<String> = csv_ids(&out).into_iter().collect();
    let fake: BTreeSet<String> = (0..PAGES).flat_map(page).map(|o| o.id).collect();
    let mut want = expected(&sim, 12);
    want.extend(fake.iter().cloned());
    assert_eq!(
        ids, want,
        "France Travail's offers and the fake source's, exactly"
    );
    let s = outcome.summary.unwrap();
    let by: BTreeMap<&str, u64> = s
        .offers_by_source
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(by.get(NAME), Some(&((PAGES * PER_PAGE) as u64)));
    assert_eq!(
        by.get("france_travail"),
        Some(&(expected(&sim, 12).len() as u64))
    );
    assert!(
        s.notes
            .contains(&format!("{NAME}: {} offer(s)", PAGES * PER_PAGE))
    );
}
