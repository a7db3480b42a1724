//! The plan against an in-memory API with every behaviour the documentation leaves open.

use super::*;
use chrono::TimeZone;
use std::collections::{BTreeSet, HashSet};

#[derive(Clone)]
struct Offer {
    id: String,
    created: i64,
    dept: Option<&'static str>,
    rome: &'static str,
    contract: &'static str,
}

/// An in-memory search API: sorted by creation time descending, bounds read per `reading`,
/// optional unstable ties, churn, short pages and total jitter.
struct Fake {
    online: Vec<Offer>,
    reading: BoundReading,
    unstable: bool,
    churn: Option<(usize, usize, i64)>,
    short_rate: f64,
    jitter: i64,
    /// An offer left out of every page (but counted in the totals) for this many calls: a
    /// back-end shard that lies.
    hide: Option<(String, u64)>,
    rng: fastrand::Rng,
    calls: u64,
    next_id: u64,
    now: i64,
    /// Everything ever online, and ids withdrawn.
    ever: BTreeSet<String>,
    withdrawn: BTreeSet<String>,
    start: BTreeSet<String>,
}

const DEPTS: [&str; 6] = ["75", "69", "13", "2A", "971", "33"];
const ROMES: [&str; 2] = ["M1811", "M1405"];
const CONTRACTS: [&str; 3] = ["CDI", "CDD", "MIS"];

impl Fake {
    fn new(offers: Vec<Offer>, now: i64) -> Fake {
        let ids: BTreeSet<String> = offers.iter().map(|o| o.id.clone()).collect();
        Fake {
            online: offers,
            reading: BoundReading::default(),
            unstable: false,
            churn: None,
            short_rate: 0.0,
            jitter: 0,
            hide: None,
            rng: fastrand::Rng::with_seed(11),
            calls: 0,
            next_id: 10_000_000,
            now,
            ever: ids.clone(),
            withdrawn: BTreeSet::new(),
            start: ids,
        }
    }

    /// The offers online from the start to now (what a complete run must hold) in `w`.
    fn stayed(&self, w: CreationWindow) -> BTreeSet<String> {
        self.start
            .iter()
            .filter(|i| !self.withdrawn.contains(*i))
            .filter(|i| {
                self.online.iter().find(|o| &&o.id == i).is_some_and(|o| {
                    o.created >= w.min.timestamp() && o.created <= w.max.timestamp()
                })
            })
            .cloned()
            .collect()
    }

    fn churn(&mut self) {
        let Some((withdraw, publish, lag)) = self.churn else {
            return;
        };
        for _ in 0..withdraw {
            if self.online.is_empty() {
                break;
            }
            let i = self.rng.usize(..self.online.len());
            let o = self.online.swap_remove(i);
            self.withdrawn.insert(o.id);
        }
        for _ in 0..publish {
            self.next_id += 1;
            let o = Offer {
                id: format!("N{}", self.next_id),
                created: self.now - self.rng.i64(0..=lag),
                dept: Some(DEPTS[self.rng.usize(..DEPTS.len())]),
                rome: ROMES[self.rng.usize(..2)],
                contract: CONTRACTS[self.rng.usize(..3)],
            };
            self.ever.insert(o.id.clone());
            self.online.push(o);
        }
    }

    fn page(&mut self, p: &SearchParams) -> PageResult {
        self.calls += 1;
        self.churn();
        let r = self.reading;
        let trunc = |t: i64| t - t.rem_euclid(r.grain);
        let w = p.window.unwrap();
        let (lo, hi) = (trunc(w.min.timestamp()), trunc(w.max.timestamp()));
        let mut hits: Vec<&Offer> = self
            .online
            .iter()
            .filter(|o| {
                (if r.min_exclusive {
                    o.created > lo
                } else {
                    o.created >= lo
                }) && (if r.max_exclusive {
                    o.created < hi
                } else {
                    o.created <= hi
                }) && p.rome_codes.iter().any(|c| c == o.rome)
                    && (p.departements.is_empty()
                        || o.dept
                            .is_some_and(|d| p.departements.iter().any(|x| x == d)))
                    && (p.type_contrat.is_empty() || p.type_contrat.iter().any(|x| x == o.contract))
            })
            .collect();
        let keys: Vec<u64> = (0..hits.len()).map(|_| self.rng.u64(..)).collect();
        let mut order: Vec<usize> = (0..hits.len()).collect();
        if self.unstable {
            order.sort_by(|&a, &b| {
                hits[b]
                    .created
                    .cmp(&hits[a].created)
                    .then(keys[a].cmp(&keys[b]))
            });
        } else {
            order.sort_by(|&a, &b| {
                hits[b]
                    .created
                    .cmp(&hits[a].created)
                    .then(hits[a].id.cmp(&hits[b].id))
            });
        }
        hits = order.into_iter().map(|i| hits[i]).collect();
        let total = hits.len() as u64;
        let (first, last) = p.range.unwrap();
        let mut page: Vec<&Offer> = hits
            .iter()
            .skip(first as usize)
            .take((last - first + 1) as usize)
            .copied()
            .collect();
        if let Some((id, until)) = &self.hide
            && self.calls <= *until
        {
            page.retain(|o| &o.id != id);
        }
        let asked = page.len() as u64;
        if (last as u64) + 1 < total && page.len() > 1 && self.rng.f64() < self.short_rate {
            page.truncate(self.rng.usize(1..page.len()));
        }
        let shown = if total > 0 && self.jitter > 0 {
            let j = self.rng.i64(-self.jitter..=self.jitter);
            (total as i64 + j).max(first as i64 + page.len() as i64) as u64
        } else {
            total
        };
        PageResult {
            total: (total > 0).then_some(shown),
            ids: page.iter().map(|o| o.id.clone()).collect(),
            created: page.iter().map(|o| Some(o.created)).collect(),
            declared: (total > 0).then_some(asked),
        }
    }
}

fn window() -> CreationWindow {
    CreationWindow {
        min: Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
        max: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    }
}

fn codes() -> Vec<String> {
    ROMES.iter().map(|s| s.to_string()).collect()
}

/// `n` offers over the window, most of them recent, on distinct-ish seconds.
fn universe(n: usize, seed: u64) -> Vec<Offer> {
    let w = window();
    let span = (w.max - w.min).num_seconds();
    let mut rng = fastrand::Rng::with_seed(seed);
    (0..n)
        .map(|i| {
            let age = (rng.f64().powi(3) * span as f64) as i64;
            Offer {
                id: format!("O{i}"),
                created: w.max.timestamp() - age,
                dept: (rng.f64() > 0.02).then(|| DEPTS[rng.usize(..DEPTS.len())]),
                rome: ROMES[rng.usize(..2)],
                contract: CONTRACTS[rng.usize(..3)],
            }
        })
        .collect()
}

/// `n` offers sharing the second `t`.
fn bulk(n: usize, t: i64, prefix: &str, seed: u64, one_dept: Option<&'static str>) -> Vec<Offer> {
    let mut rng = fastrand::Rng::with_seed(seed);
    (0..n)
        .map(|i| Offer {
            id: format!("{prefix}{i}"),
            created: t,
            dept: one_dept.or_else(|| (rng.f64() > 0.02).then(|| DEPTS[rng.usize(..DEPTS.len())])),
            rome: if one_dept.is_some() {
                "M1811"
            } else {
                ROMES[rng.usize(..2)]
            },
            contract: CONTRACTS[rng.usize(..3)],
        })
        .collect()
}

/// Runs the plan with up to `parallel` requests in flight, answered in a shuffled order.
fn run(plan: &mut Plan, api: &mut Fake, parallel: usize) -> Vec<String> {
    let w = window();
    plan.set_parallelism(parallel);
    let mut rng = fastrand::Rng::with_seed(5);
    let mut held = HashSet::new();
    let mut written = Vec::new();
    let mut flight: Vec<PageTask> = Vec::new();
    loop {
        while flight.len() < parallel {
            match plan.next_task() {
                Some(t) => flight.push(t),
                None => break,
            }
        }
        if flight.is_empty() {
            break;
        }
        let t = flight.swap_remove(rng.usize(..flight.len()));
        let r = api.page(&plan.params(t));
        let mut n = 0;
        for (id, c) in r.ids.iter().zip(&r.created) {
            let c = c.unwrap();
            if c >= w.min.timestamp() && c <= w.max.timestamp() && held.insert(id.clone()) {
                written.push(id.clone());
                n += 1;
            }
        }
        plan.on_page(t, &r, n);
    }
    assert!(plan.is_idle());
    written
}

fn new_plan() -> Plan {
    Plan::new(
        Strategy::Adaptive,
        150,
        None,
        adaptive::roots(&codes(), None, window()),
    )
}

/// Runs and checks: every offer online throughout is held, nothing outside what ever existed,
/// no duplicate; returns (calls, counts).
fn check(api: &mut Fake, parallel: usize) -> (u64, PlanCounts, Plan) {
    let mut plan = new_plan();
    let written = run(&mut plan, api, parallel);
    let set: BTreeSet<String> = written.iter().cloned().collect();
    assert_eq!(set.len(), written.len(), "no duplicate");
    let stayed = api.stayed(window());
    let missing: Vec<_> = stayed.difference(&set).take(5).collect();
    for m in &missing {
        let o = api.online.iter().find(|o| &&o.id == m).unwrap();
        eprintln!(
            "missing {m} at {} dept {:?} rome {} contract {}",
            o.created, o.dept, o.rome, o.contract
        );
        for s in plan.slices() {
            if s.spec.min() <= o.created && o.created <= s.spec.max() {
                eprintln!(
                    "  {:?} {:?} {} ids {} first {:?}",
                    s.origin,
                    s.state,
                    s.spec.describe(),
                    s.ids.len(),
                    s.first_total
                );
            }
        }
    }
    assert!(
        missing.is_empty(),
        "missing {} e.g. {missing:?}",
        stayed.difference(&set).count()
    );
    assert!(set.is_subset(&api.ever), "nothing that never existed");
    (api.calls, plan.counts(), plan)
}

fn minimal(n: usize) -> u64 {
    (n as u64).div_ceil(150)
}

#[test]
fn plain_universe_is_complete_near_the_minimum_of_calls() {
    let mut api = Fake::new(universe(30_000, 3), window().max.timestamp());
    let (calls, c, plan) = check(&mut api, 7);
    eprintln!("{c:?} {:?}", plan.observed());
    assert_eq!((c.failed, c.capped, c.pending), (0, 0, 0), "{c:?}");
    assert!(
        calls as f64 <= 1.10 * minimal(30_000) as f64,
        "{calls} calls for {}",
        minimal(30_000)
    );
    assert_eq!(plan.announced_total(), Some(30_000));
    let rec = plan.recounts();
    assert_eq!(rec.len(), 1);
    assert_eq!((rec[0].1, rec[0].2, rec[0].3), (30_000, 30_000, 30_000));
    assert_eq!(plan.observed().bounds, Some(BoundReading::default()));
}

#[test]
fn bulk_seconds_with_unstable_order_are_complete() {
    let w = window();
    let mut offers = universe(20_000, 4);
    offers.extend(bulk(5_000, w.max.timestamp() - 86_400 * 40, "B", 1, None));
    offers.extend(bulk(3_300, w.max.timestamp() - 86_400 * 2, "C", 2, None));
    for k in 0..150 {
        offers.extend(bulk(
            30,
            w.max.timestamp() - 7_000 * k - 13,
            &format!("P{k}-"),
            k as u64,
            None,
        ));
    }
    let n = offers.len();
    let mut api = Fake::new(offers, w.max.timestamp());
    api.unstable = true;
    let (calls, c, _) = check(&mut api, 7);
    assert_eq!((c.failed, c.capped, c.pending), (0, 0, 0), "{c:?}");
    eprintln!(
        "bulk + unstable: {calls} calls for a minimum of {}",
        minimal(n)
    );
}

#[test]
fn a_crowded_second_in_one_departement_and_code_is_cut_by_contract() {
    let w = window();
    let mut offers = universe(5_000, 5);
    offers.extend(bulk(4_000, w.max.timestamp() - 86_400, "X", 3, Some("75")));
    let mut api = Fake::new(offers, w.max.timestamp());
    api.unstable = true;
    let (_, c, _) = check(&mut api, 4);
    assert_eq!((c.failed, c.capped), (0, 0), "{c:?}");
}

#[test]
fn an_uncuttable_second_over_the_cap_is_capped_with_the_exact_count() {
    let w = window();
    let t = w.max.timestamp() - 3_600;
    let mut offers = universe(2_000, 6);
    // 4000 offers in one second, one département, one code, one contract: 850 out of reach.
    offers.extend((0..4000).map(|i| Offer {
        id: format!("Z{i}"),
        created: t,
        dept: Some("75"),
        rome: "M1811",
        contract: "CDI",
    }));
    let mut api = Fake::new(offers, w.max.timestamp());
    let mut plan = new_plan();
    let written = run(&mut plan, &mut api, 4);
    let c = plan.counts();
    for s in plan
        .slices()
        .iter()
        .filter(|s| matches!(s.state, SliceState::Capped { .. }))
    {
        eprintln!(
            "capped {:?} {:?} {} parent {:?}",
            s.origin,
            s.state,
            s.spec.describe(),
            s.parent.map(|p| plan.slice(p).spec.describe())
        );
    }
    for s in plan.slices().iter().filter(|s| {
        s.origin == Origin::Unit || s.origin == Origin::ContractType && s.first_total > Some(0)
    }) {
        eprintln!(
            "unit {} {:?} {:?} parent {:?}",
            s.id, s.origin, s.state, s.parent
        );
    }
    assert_eq!(c.capped, 1, "{c:?}");
    assert_eq!(c.unreachable_offers, 850);
    let z = written.iter().filter(|i| i.starts_with('Z')).count();
    assert_eq!(z, 3150);
    // Everything else is held.
    let set: BTreeSet<String> = written.into_iter().collect();
    assert!(
        api.stayed(w)
            .iter()
            .filter(|i| !i.starts_with('Z'))
            .all(|i| set.contains(i))
    );
}

#[test]
fn every_bound_reading_is_detected_and_covered() {
    let w = window();
    for reading in [
        BoundReading {
            min_exclusive: true,
            max_exclusive: false,
            grain: 1,
        },
        BoundReading {
            min_exclusive: false,
            max_exclusive: true,
            grain: 1,
        },
        BoundReading {
            min_exclusive: true,
            max_exclusive: true,
            grain: 1,
        },
        BoundReading {
            min_exclusive: false,
            max_exclusive: false,
            grain: 60,
        },
        BoundReading {
            min_exclusive: false,
            max_exclusive: false,
            grain: 86_400,
        },
    ] {
        let mut offers = universe(8_000, 7);
        offers.extend(bulk(900, w.max.timestamp() - 86_400 * 3, "B", 9, None));
        let mut api = Fake::new(offers, w.max.timestamp());
        api.reading = reading;
        let (calls, c, plan) = check(&mut api, 5);
        assert_eq!(
            (c.failed, c.capped, c.pending),
            (0, 0, 0),
            "{reading:?}: {c:?}"
        );
        // Rows written by answers that arrived after the restart still count for the root.
        let rec = plan.recounts();
        assert_eq!(rec[0].3, rec[0].2, "{reading:?}: rows counted for the root");
        let found = plan.observed().bounds.unwrap();
        assert_eq!(found.grain, reading.grain, "{reading:?}");
        if reading.grain == 1 {
            assert_eq!(found, reading);
        }
        eprintln!(
            "{reading:?}: {calls} calls for a minimum of {}",
            minimal(8_900)
        );
    }
}

#[test]
fn churn_short_pages_and_jitter_lose_nothing_that_stayed_online() {
    for (churn, short, jitter) in [
        (Some((3, 3, 86_400 * 20)), 0.0, 0),
        (None, 0.2, 0),
        (None, 0.0, 20),
        (Some((2, 2, 3_600)), 0.1, 20),
    ] {
        let w = window();
        let mut offers = universe(15_000, 8);
        offers.extend(bulk(2_000, w.max.timestamp() - 86_400 * 5, "B", 4, None));
        let mut api = Fake::new(offers, w.max.timestamp());
        api.unstable = true;
        api.churn = churn;
        api.short_rate = short;
        api.jitter = jitter;
        let (calls, c, plan) = check(&mut api, 7);
        for s in plan
            .slices()
            .iter()
            .filter(|s| matches!(s.state, SliceState::Capped { .. }))
        {
            eprintln!("capped {:?} {:?} {}", s.origin, s.state, s.spec.describe());
        }
        assert_eq!(
            (c.failed, c.capped, c.pending),
            (0, 0, 0),
            "{churn:?} {short} {jitter} {c:?}"
        );
        eprintln!(
            "churn {churn:?} short {short} jitter {jitter}: {calls} calls, {:?}",
            plan.observed()
        );
    }
}

#[test]
fn a_resume_anywhere_gives_the_same_set() {
    let w = window();
    let mut offers = universe(6_000, 9);
    offers.extend(bulk(1_000, w.max.timestamp() - 86_400 * 5, "B", 4, None));
    for crash_after in [1, 2, 5, 13, 30, 45] {
        let mut api = Fake::new(offers.clone(), w.max.timestamp());
        api.unstable = true;
        let mut plan = new_plan();
        plan.set_parallelism(4);
        let mut held = HashSet::new();
        for _ in 0..crash_after {
            let Some(t) = plan.next_task() else { break };
            let r = api.page(&plan.params(t));
            let n = r.ids.iter().filter(|i| held.insert((*i).clone())).count() as u64;
            plan.on_page(t, &r, n);
        }
        // Requests handed out but lost with the process.
        let _lost: Vec<_> = (0..3).filter_map(|_| plan.next_task()).collect();
        let json = serde_json::to_string(&plan.state()).unwrap();
        let mut restored = Plan::restore(serde_json::from_str(&json).unwrap());
        let written = run(&mut restored, &mut api, 4);
        held.extend(written);
        let want = api.stayed(w);
        assert!(
            want.iter().all(|i| held.contains(i)),
            "crash after {crash_after}"
        );
        let c = restored.counts();
        assert_eq!(
            (c.failed, c.capped, c.pending),
            (0, 0, 0),
            "crash after {crash_after}"
        );
    }
}

#[test]
fn small_page_sizes_respect_the_range_rules() {
    let mut plan = Plan::new(Strategy::Adaptive, 7, None, vec![]);
    assert_eq!(plan.cap(), 3003);
    assert_eq!(plan.range(428), (2996, 3002));
    plan.page_size = 150;
    assert_eq!(plan.cap(), 3150);
    assert_eq!(plan.range(20), (3000, 3149));
    plan.page_size = 100;
    assert_eq!(plan.cap(), 3100);
}

#[test]
fn a_page_that_leaves_an_offer_out_is_caught_by_the_recount() {
    use crate::source::france_travail::reconcile::Reconciliation;
    let w = window();
    let offers = universe(6_000, 12);
    let victim = offers[17].id.clone();
    // Hidden until the first recount (a clean run's calls): the recheck finds it.
    let mut clean = Fake::new(offers.clone(), w.max.timestamp());
    run(&mut new_plan(), &mut clean, 4);
    let mut api = Fake::new(offers.clone(), w.max.timestamp());
    api.hide = Some((victim.clone(), clean.calls));
    let mut plan = new_plan();
    let written = run(&mut plan, &mut api, 4);
    assert!(written.contains(&victim));
    let rec = Reconciliation::of(&plan);
    assert_eq!(rec.observed.rechecks, 1);
    assert_eq!(rec.unexplained_gap, 0);
    assert!(rec.problems().is_empty());
    // Hidden for ever: collected twice, still one short, and the recount says so.
    let mut api = Fake::new(offers, w.max.timestamp());
    api.hide = Some((victim.clone(), u64::MAX));
    let mut plan = new_plan();
    let written = run(&mut plan, &mut api, 4);
    assert!(!written.contains(&victim));
    let rec = Reconciliation::of(&plan);
    assert_eq!(rec.observed.rechecks, 1);
    assert_eq!(rec.unexplained_gap, 1);
    let p = rec.problems();
    assert_eq!(p.len(), 1);
    assert!(p[0].contains("1 missing"), "{p:?}");
}
