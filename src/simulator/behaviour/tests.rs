//! One test per behaviour, over real HTTP against the in-process simulator.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration as Days, TimeZone, Utc};

use super::*;
use crate::simulator::{self, Query, SimConfig, SimHandle};

const OFFERS: usize = 3000;

fn now0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 13, 0, 0).unwrap()
}

fn sim(b: Behaviours) -> SimHandle {
    simulator::start(SimConfig {
        offers: OFFERS,
        seed: 3,
        now: Some(now0()),
        rate_limit: 0.0,
        future_days: 0,
        threads: 4,
        behaviours: b,
        ..Default::default()
    })
    .expect("simulator starts")
}

fn bulk(offers: u32, age_seconds: i64) -> BulkSecond {
    BulkSecond {
        offers,
        rome: None,
        departement: None,
        age_seconds: Some(age_seconds),
    }
}

struct Answer {
    status: u16,
    content_range: Option<String>,
    retry_after: Option<String>,
    remaining: Option<String>,
    /// (id, dateCreation) of each offer, in order.
    offers: Vec<(String, String)>,
}

impl Answer {
    fn total(&self) -> u32 {
        let cr = self.content_range.as_deref().expect("a Content-Range");
        cr.rsplit('/').next().unwrap().parse().unwrap()
    }
    fn ids(&self) -> Vec<String> {
        self.offers.iter().map(|o| o.0.clone()).collect()
    }
}

struct Api {
    agent: ureq::Agent,
    base: String,
    token: String,
}

impl Api {
    fn new(sim: &SimHandle) -> Api {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut resp = agent
            .post(&sim.token_url())
            .send_form([
                ("grant_type", "client_credentials"),
                ("client_id", "demo-id"),
                ("client_secret", "demo-secret"),
                ("scope", "api_offresdemploiv2 o2dsoffre"),
            ])
            .expect("token");
        let body: serde_json::Value =
            serde_json::from_slice(&resp.body_mut().read_to_vec().unwrap()).unwrap();
        Api {
            agent,
            base: sim.api_url(),
            token: body["access_token"].as_str().unwrap().to_string(),
        }
    }

    fn get(&self, path_and_query: &str) -> Answer {
        let mut resp = self
            .agent
            .get(format!("{}/v2/{path_and_query}", self.base))
            .header("Authorization", format!("Bearer {}", self.token))
            .call()
            .expect("an HTTP answer");
        let h = |n: &str| {
            resp.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let (content_range, retry_after, remaining) = (
            h("Content-Range"),
            h("Retry-After"),
            h("x-ratelimit-remaining-clientidlimiter"),
        );
        let status = resp.status().as_u16();
        let raw = resp.body_mut().read_to_vec().unwrap();
        let offers = if status == 200 || status == 206 {
            let v: serde_json::Value = serde_json::from_slice(&raw).unwrap();
            v["resultats"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|o| {
                            (
                                o["id"].as_str().unwrap().to_string(),
                                o["dateCreation"].as_str().unwrap().to_string(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        Answer {
            status,
            content_range,
            retry_after,
            remaining,
            offers,
        }
    }

    fn search(&self, query: &str) -> Answer {
        self.get(&format!("offres/search?sort=1&{query}"))
    }
}

fn fmt(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn window(min: DateTime<Utc>, max: DateTime<Utc>) -> String {
    format!("minCreationDate={}&maxCreationDate={}", fmt(min), fmt(max))
}

fn query(min: DateTime<Utc>, max: DateTime<Utc>) -> Query {
    Query {
        window: Some((min.timestamp_millis(), max.timestamp_millis())),
        ..Default::default()
    }
}

/// Every offer of a query, page by page.
fn all(api: &Api, q: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut first = 0;
    loop {
        let a = api.search(&format!("{q}&range={first}-{}", first + 149));
        if a.status == 204 {
            break;
        }
        out.extend(a.offers.iter().cloned());
        if a.status == 200 {
            break;
        }
        first += 150;
    }
    out
}

#[test]
fn a_bulk_second_holds_its_500_offers_at_one_timestamp() {
    let sim = sim(Behaviours {
        bulk: vec![bulk(500, 3600)],
        ..Default::default()
    });
    let t = now0() - Days::seconds(3600);
    let extra: Vec<_> = sim.universe().recs()[..]
        .iter()
        .filter(|r| r.idx as usize >= OFFERS)
        .collect();
    assert_eq!(extra.len(), 500);
    let ts = extra[0].created;
    assert!(
        extra.iter().all(|r| r.created == ts),
        "one exact millisecond"
    );
    assert_eq!(ts.div_euclid(1000), t.timestamp());
    let api = Api::new(&sim);
    let first = api.search(&window(t, t));
    assert_eq!(first.status, 206);
    let got = all(&api, &window(t, t));
    assert_eq!(got.len() as u32, first.total());
    assert_eq!(got.len(), sim.expected_ids(&query(t, t)).len());
    let stamp = crate::normalize::offer::format_ts(&DateTime::from_timestamp_millis(ts).unwrap());
    let at_bulk = got.iter().filter(|o| o.1 == stamp).count();
    assert_eq!(at_bulk, 500, "{stamp}: {:?}", &got[..3]);
    let ids: BTreeSet<_> = got.iter().map(|o| o.0.clone()).collect();
    assert_eq!(ids.len(), got.len(), "no duplicate over the pages");
    // Bulk offers render like the others and are found by id.
    let one = &got[0].0;
    assert!(sim.universe().rec_by_id(one).is_some());
    assert_eq!(api.get(&format!("offres/{one}")).status, 200);
}

#[test]
fn an_exclusive_max_leaves_out_the_offers_exactly_at_max() {
    let sim = sim(Behaviours {
        bulk: vec![bulk(50, 100)],
        max_exclusive: true,
        ..Default::default()
    });
    let t = now0() - Days::seconds(100);
    let at_t = sim.expected_ids(&query(t, t)).len();
    assert!(at_t >= 50);
    let api = Api::new(&sim);
    assert_eq!(api.search(&window(t, t)).status, 204);
    let min = t - Days::hours(6);
    let inclusive = sim.expected_ids(&query(min, t)).len();
    let a = api.search(&window(min, t));
    assert_eq!(a.total() as usize, inclusive - at_t);
    // The min bound stays inclusive: [t, t+1s] with the max excluded holds exactly the offers of t.
    let b = api.search(&window(t, t + Days::seconds(1)));
    assert_eq!(b.total() as usize, at_t);
}

#[test]
fn minute_grain_reads_a_bound_as_its_minute() {
    // 12:34:00 and 12:34:56 (now is 13:00:00).
    let sim = sim(Behaviours {
        bulk: vec![bulk(30, 26 * 60), bulk(20, 26 * 60 - 56)],
        grain: Grain::Minute,
        ..Default::default()
    });
    let t0 = Utc.with_ymd_and_hms(2026, 6, 1, 12, 34, 0).unwrap();
    let t56 = Utc.with_ymd_and_hms(2026, 6, 1, 12, 34, 56).unwrap();
    let want: BTreeSet<String> = sim.expected_ids(&query(t0, t0)).into_iter().collect();
    let at56: BTreeSet<String> = sim.expected_ids(&query(t56, t56)).into_iter().collect();
    assert!(want.len() >= 30 && at56.len() >= 20);
    let api = Api::new(&sim);
    let got: BTreeSet<String> = all(&api, &window(t56, t56))
        .into_iter()
        .map(|o| o.0)
        .collect();
    assert_eq!(got, want, "the offers of 12:34:00, not those of :56");
    assert!(got.is_disjoint(&at56));
}

#[test]
fn unstable_order_shuffles_ties_only() {
    let sim = sim(Behaviours {
        bulk: vec![bulk(100, 500)],
        unstable_order: true,
        ..Default::default()
    });
    let t = now0() - Days::seconds(500);
    let api = Api::new(&sim);
    let q = format!("{}&range=0-149", window(t, t));
    let a = api.search(&q);
    let b = api.search(&q);
    assert_eq!(a.status, 200);
    assert!(a.offers.len() >= 100);
    assert_ne!(a.ids(), b.ids(), "a fresh order per request");
    let (sa, sb): (BTreeSet<_>, BTreeSet<_>) =
        (a.ids().into_iter().collect(), b.ids().into_iter().collect());
    assert_eq!(sa, sb, "the same set");
    // The date order still holds over a wider window.
    let wide = api.search(&format!(
        "{}&range=0-149",
        window(t - Days::days(3), t + Days::days(1))
    ));
    for w in wide.offers.windows(2) {
        assert!(w[0].1 >= w[1].1, "creation date descending");
    }
}

#[test]
fn churn_moves_the_stock_and_the_truth_follows() {
    let sim = sim(Behaviours {
        churn: Some(Churn {
            withdraw_per_request: 3,
            publish_per_request: 5,
            max_lag: std::time::Duration::from_secs(86_400),
        }),
        ..Default::default()
    });
    let q = Query::default();
    let mark = sim.mark();
    let before: BTreeSet<String> = sim.expected_ids(&q).into_iter().collect();
    assert_eq!(before.len(), OFFERS);
    let t = sim.truth(&mark, &q);
    assert_eq!((&t.stayed, &t.ever), (&before, &before), "no churn yet");
    let api = Api::new(&sim);
    let k = 10;
    let mut last = None;
    for _ in 0..k {
        last = Some(api.search("range=0-149"));
    }
    assert_eq!(sim.churn_counts(), (3 * k, 5 * k));
    let after: BTreeSet<String> = sim.expected_ids(&q).into_iter().collect();
    assert_eq!(last.unwrap().total() as usize, after.len());
    let withdrawn: BTreeSet<_> = before.difference(&after).cloned().collect();
    let published: BTreeSet<_> = after.difference(&before).cloned().collect();
    // Some publications may have been withdrawn again.
    assert_eq!(
        withdrawn.len() + (5 * k as usize - published.len()),
        3 * k as usize
    );
    let t = sim.truth(&mark, &q);
    assert!(t.stayed.is_subset(&t.ever));
    assert_eq!(
        t.stayed,
        before
            .intersection(&after)
            .cloned()
            .collect::<BTreeSet<_>>()
    );
    assert!(t.stayed.is_disjoint(&withdrawn));
    assert!(t.stayed.is_disjoint(&published));
    assert_eq!(t.ever.len(), OFFERS + 5 * k as usize);
    assert!(before.union(&after).all(|id| t.ever.contains(id)));
    // A withdrawn offer is gone from the detail endpoint; a published one is there, and decodes.
    let gone = withdrawn.iter().next().unwrap();
    assert_eq!(api.get(&format!("offres/{gone}")).status, 204);
    let new = published.iter().next().unwrap();
    assert!(sim.universe().rec_by_id(new).is_some());
    assert_eq!(api.get(&format!("offres/{new}")).status, 200);
    // A mark taken now: the truth is the current stock.
    let m2 = sim.mark();
    assert_eq!(sim.truth(&m2, &q).stayed, after);
}

#[test]
fn short_pages_carry_fewer_offers_with_the_declared_range() {
    for honest in [true, false] {
        let sim = sim(Behaviours {
            short_pages: Some(ShortPages {
                rate: 0.5,
                honest_range: honest,
            }),
            ..Default::default()
        });
        let api = Api::new(&sim);
        let (mut short, mut full) = (0, 0);
        for _ in 0..40 {
            let a = api.search("range=0-149");
            assert_eq!(a.status, 206);
            let n = a.offers.len();
            assert!((1..=150).contains(&n));
            let cr = a.content_range.clone().unwrap();
            if n < 150 {
                short += 1;
                let want = if honest {
                    format!("offres 0-{}/{OFFERS}", n - 1)
                } else {
                    format!("offres 0-149/{OFFERS}")
                };
                assert_eq!(cr, want);
            } else {
                full += 1;
                assert_eq!(cr, format!("offres 0-149/{OFFERS}"));
            }
        }
        assert!(short >= 8 && full >= 8, "{short} short, {full} full");
        // The last page (200) is never cut.
        let last = api.search(&format!("range={}-{}", OFFERS - 100, OFFERS - 1));
        assert_eq!((last.status, last.offers.len()), (200, 100));
    }
}

#[test]
fn total_jitter_moves_the_declared_total() {
    let sim = sim(Behaviours {
        total_jitter: 50,
        ..Default::default()
    });
    let api = Api::new(&sim);
    let totals: BTreeSet<u32> = (0..10).map(|_| api.search("range=0-149").total()).collect();
    assert!(totals.len() > 1, "{totals:?}");
    assert!(
        totals
            .iter()
            .all(|&t| (OFFERS as u32 - 50..=OFFERS as u32 + 50).contains(&t))
    );
    // Never below what the page itself shows.
    let a = api.search(&format!("range={}-{}", OFFERS - 150, OFFERS - 1));
    assert!(a.total() >= OFFERS as u32);
}

#[test]
fn storms_answer_429_with_and_without_retry_after() {
    let quiet = sim(Behaviours::default());
    let a = Api::new(&quiet).search("range=0-0");
    assert_eq!(a.status, 206);
    assert!(
        a.remaining.is_some(),
        "x-ratelimit-remaining on every answer"
    );
    assert_eq!(quiet.storm_429s(), 0);

    let stormy = sim(Behaviours {
        storm: Some(Storm {
            period: std::time::Duration::from_secs(3600),
            on: std::time::Duration::from_secs(3600),
            retry_after_secs: 7,
            without_header: 0.3,
        }),
        ..Default::default()
    });
    let api = Api::new(&stormy);
    let n = 200;
    let mut without = 0;
    for _ in 0..n {
        let a = api.search("range=0-0");
        assert_eq!(a.status, 429);
        match a.retry_after.as_deref() {
            Some(v) => assert_eq!(v, "7"),
            None => without += 1,
        }
    }
    assert_eq!(stormy.storm_429s(), n);
    let share = without as f64 / n as f64;
    assert!((0.2..=0.4).contains(&share), "{share}");

    // Off phase: a storm that lasts no time at all never answers 429.
    let calm = sim(Behaviours {
        storm: Some(Storm {
            period: std::time::Duration::from_secs(3600),
            on: std::time::Duration::ZERO,
            retry_after_secs: 7,
            without_header: 0.0,
        }),
        ..Default::default()
    });
    assert_eq!(Api::new(&calm).search("range=0-0").status, 206);
    assert_eq!(calm.storm_429s(), 0);
}

#[test]
fn effective_window_truncates_then_compares() {
    let b = Behaviours {
        grain: Grain::Day,
        min_exclusive: true,
        ..Default::default()
    };
    let t = Utc
        .with_ymd_and_hms(2026, 6, 1, 12, 34, 56)
        .unwrap()
        .timestamp_millis();
    let day = Utc
        .with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
        .unwrap()
        .timestamp_millis();
    assert_eq!(b.effective_window((t, t)), (day + 1000, day));
    assert_eq!(
        Behaviours::default().effective_window((t, t + 5)),
        (t, t + 5)
    );
}
