//! The France Travail client against the in-process simulator: every status path.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use ftcollect::error::ApiError;
use ftcollect::simulator::{FaultConfig, Query};
use ftcollect::source::france_travail::params::parse_date;
use ftcollect::source::france_travail::{CreationWindow, SearchParams, Sort};

use crate::harness::*;

fn all_pages(
    c: &ftcollect::source::france_travail::FranceTravailClient,
    base: &SearchParams,
) -> (Vec<String>, u64) {
    let mut ids = Vec::new();
    let mut start = 0u32;
    let mut total = 0;
    loop {
        let mut p = base.clone();
        p.range = Some((start, start + 149));
        let page = c.search(&p).expect("page");
        total = page.total.unwrap_or(total);
        ids.extend(page.offers.iter().map(|o| o.id.get().unwrap().clone()));
        start += 150;
        if start as u64 >= total {
            return (ids, total);
        }
    }
}

#[test]
fn pages_loop_on_the_total_and_return_exactly_the_matching_offers() {
    let sim = sim(3000);
    let c = client(&sim);
    let params = SearchParams {
        rome_codes: vec!["M1811".into()],
        sort: Some(Sort::CreationDesc),
        ..Default::default()
    };
    let (ids, total) = all_pages(&c, &params);
    let expected = sim.expected_ids(&Query {
        romes: Some(vec![0]),
        ..Default::default()
    });
    assert_eq!(total as usize, expected.len());
    assert_eq!(ids, expected, "same offers, same order, no overlap");
    // Statuses: 206 for every page but the last, 200 for the last.
    let reqs = sim.requests();
    let statuses: Vec<u16> = reqs
        .iter()
        .filter(|r| r.range.is_some())
        .map(|r| r.status)
        .collect();
    assert!(statuses[..statuses.len() - 1].iter().all(|&s| s == 206));
    assert_eq!(*statuses.last().unwrap(), 200);
}

#[test]
fn a_page_past_the_end_is_204_with_no_offers() {
    let sim = sim(200);
    let c = client(&sim);
    let p = SearchParams {
        rome_codes: vec!["K1906".into()],
        range: Some((3000, 3149)),
        ..Default::default()
    };
    let page = c.search(&p).unwrap();
    assert_eq!(page.status, 204);
    assert!(page.offers.is_empty());
    assert_eq!(page.total, None);
}

#[test]
fn a_window_is_sent_with_both_bounds() {
    let sim = sim(2000);
    let c = client(&sim);
    let w = CreationWindow {
        min: parse_date("2026-10-01T00:00:00Z").unwrap(),
        max: parse_date("2026-10-15T00:00:00Z").unwrap(),
    };
    let p = SearchParams {
        window: Some(w),
        range: Some((0, 149)),
        ..Default::default()
    };
    let page = c.search(&p).unwrap();
    let q = Query {
        window: Some((w.min.timestamp_millis(), w.max.timestamp_millis())),
        ..Default::default()
    };
    assert_eq!(page.total, Some(sim.expected_ids(&q).len() as u64));
    let last = sim.requests().pop().unwrap();
    assert!(
        last.query
            .contains("minCreationDate=2026-10-01T00:00:00Z&maxCreationDate=2026-10-15T00:00:00Z"),
        "{}",
        last.query
    );
}

#[test]
fn a_400_carries_the_api_message_and_is_not_retried() {
    let sim = sim(100);
    let c = client(&sim);
    let p = SearchParams {
        departements: vec!["20".into()],
        ..Default::default()
    };
    let err = c.search(&p).unwrap_err();
    assert_eq!(
        err,
        ApiError::BadRequest {
            status: 400,
            message: "Valeur du paramètre « departement » incorrecte.".into()
        }
    );
    assert_eq!(sim.search_requests(), 1);
}

#[test]
fn wrong_credentials_are_a_clear_error_without_the_secret() {
    let sim = sim(100);
    let c = client_with(
        &sim,
        Duration::ZERO,
        Duration::from_secs(5),
        "demo-id",
        "not-the-secret-xyz",
    );
    let err = c.search(&SearchParams::default()).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ApiError::Credentials { .. }), "{err:?}");
    assert!(
        msg.contains("invalid_client")
            && msg.contains("FRANCE_TRAVAIL_ID")
            && msg.contains("FRANCE_TRAVAIL_KEY"),
        "{msg}"
    );
    assert!(
        !msg.contains("not-the-secret-xyz") && !format!("{err:?}").contains("not-the-secret-xyz")
    );
    assert_eq!(sim.search_requests(), 0);
}

#[test]
fn an_expired_token_is_renewed_and_the_request_replayed() {
    let sim = sim_with(500, |c| c.token_ttl = Duration::from_secs(1));
    let c = client(&sim);
    let p = SearchParams {
        range: Some((0, 9)),
        ..Default::default()
    };
    c.search(&p).unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    c.search(&p).unwrap();
    let stats = c.transport().stats.snapshot();
    // The second search found the cached token stale (renewed before expiry) or got a 401 and
    // renewed: either way two tokens were issued and both searches succeeded.
    assert_eq!(stats.token_requests, 2, "{stats:?}");
}

#[test]
fn a_401_renews_the_token_once_then_replays() {
    let sim = sim(500);
    let c = client(&sim);
    let p = SearchParams {
        range: Some((0, 9)),
        ..Default::default()
    };
    c.search(&p).unwrap();
    // Every token is refused: the client renews once, replays, and gives up with a credentials error.
    sim.set_reject_tokens(true);
    let err = c.search(&p).unwrap_err();
    assert!(matches!(err, ApiError::Credentials { .. }), "{err:?}");
    let stats = c.transport().stats.snapshot();
    assert_eq!(stats.token_renewals_after_401, 1);
    assert_eq!(stats.status(401), 2);
    assert_eq!(stats.token_requests, 2);
    sim.set_reject_tokens(false);
    c.search(&p).unwrap();
}

#[test]
fn a_detail_and_a_referential() {
    let sim = sim(300);
    let c = client(&sim);
    let id = sim.expected_ids(&Query::default())[5].clone();
    let offer = c.offer(&id).unwrap().unwrap();
    assert_eq!(offer.id.get().unwrap(), &id);
    assert!(c.offer("999ZZZZ").is_ok());
    let deps = c.referentiel("departements").unwrap();
    assert_eq!(deps.len(), 101);
}

#[test]
fn fault_injection_500_pages_all_fetched_and_retries_match_the_faults() {
    let sim = sim_with(4000, |c| {
        c.faults = FaultConfig {
            slow_for: Duration::from_millis(1500),
            ..FaultConfig::spread(0.2)
        };
    });
    let c = Arc::new(client_with(
        &sim,
        Duration::ZERO,
        Duration::from_secs(1),
        "demo-id",
        "demo-secret",
    ));
    let base = SearchParams {
        sort: Some(Sort::CreationDesc),
        ..Default::default()
    };
    let expected = sim.expected_ids(&Query::default());
    let total = expected.len() as u32;
    // 500 page requests from 4 threads: the 20 pages of size 150 + 480 smaller pages.
    let ranges: Vec<(u32, u32)> = (0..500u32)
        .map(|i| {
            let start = (i * 37) % 3000;
            (start, start + if i < 20 { 149 } else { 9 })
        })
        .collect();
    let chunks: Vec<Vec<(u32, u32)>> = ranges.chunks(125).map(|c| c.to_vec()).collect();
    let handles: Vec<_> = chunks
        .into_iter()
        .map(|chunk| {
            let c = c.clone();
            let base = base.clone();
            let expected = expected.clone();
            std::thread::spawn(move || {
                for (a, b) in chunk {
                    let mut p = base.clone();
                    p.range = Some((a, b));
                    let page = c.search(&p).expect("every page is eventually fetched");
                    assert_eq!(page.total, Some(total as u64));
                    let got: Vec<&String> =
                        page.offers.iter().map(|o| o.id.get().unwrap()).collect();
                    let want: Vec<&String> = expected[a as usize..=(b.min(total - 1)) as usize]
                        .iter()
                        .collect();
                    assert_eq!(got, want, "page {a}-{b}");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let stats = c.transport().stats.snapshot();
    let injected = sim.faults_injected();
    eprintln!("injected {injected:?}\nclient {stats:?}");
    assert!(injected.total() > 50, "faults were injected: {injected:?}");
    assert_eq!(stats.retries.server_error, injected.server_errors());
    assert_eq!(
        stats.retries.rate_limited,
        injected.too_many() + sim.throttled()
    );
    assert_eq!(stats.retries.bad_body, injected.truncated);
    assert_eq!(stats.retries.connection, injected.dropped);
    assert_eq!(stats.retries.timeout, injected.slow);
}

#[test]
fn thirty_requests_from_four_threads_respect_the_limit_and_see_no_429() {
    let sim = sim_with(1000, |c| c.rate_limit = 10.0);
    let delay = Duration::from_millis(100);
    let c = Arc::new(client_with(
        &sim,
        delay,
        Duration::from_secs(5),
        "demo-id",
        "demo-secret",
    ));
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let c = c.clone();
            std::thread::spawn(move || {
                let n = if t < 2 { 8 } else { 7 };
                for i in 0..n {
                    let p = SearchParams {
                        range: Some((i * 10, i * 10 + 9)),
                        ..Default::default()
                    };
                    c.search(&p).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let arrivals: Vec<Duration> = sim
        .requests()
        .iter()
        .filter(|r| r.range.is_some())
        .map(|r| r.at)
        .collect();
    assert_eq!(arrivals.len(), 30);
    assert_eq!(sim.throttled(), 0, "no 429");
    let mut sorted = arrivals.clone();
    sorted.sort();
    // Lower bound only. Each arrival is delayed by the loopback and the server's scheduling by a variable amount
    // (tens of ms on a loaded machine), so one gap can look shorter by that much: the per-gap
    // bound allows it, and the bound on each arrival since the first — where jitter does not add
    // up — still catches a limiter that lets requests bunch.
    let jitter = Duration::from_millis(50);
    for w in sorted.windows(2) {
        assert!(
            w[1] - w[0] + jitter >= delay,
            "two arrivals {:?} apart",
            w[1] - w[0]
        );
    }
    for (i, t) in sorted.iter().enumerate().skip(1) {
        assert!(
            *t - sorted[0] + jitter >= delay * i as u32,
            "arrival {i} too early: {:?}",
            *t - sorted[0]
        );
    }
    let ids: BTreeSet<u16> = sim.requests().iter().map(|r| r.status).collect();
    assert!(!ids.contains(&429));
}

#[test]
fn the_simulate_command_keeps_serving_when_its_stdout_is_closed() {
    // A script that reads the banner's first line and closes the pipe (the benchmarks did) made
    // the next line's write fail, and `println!` panicked: the simulator died under its client.
    // Here the pipe is closed before the first line, so every write of the banner fails.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ftcollect"))
        .args(["simulate", "--port", &port.to_string(), "--offers", "50"])
        .stdout(writer)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let url =
        format!("http://127.0.0.1:{port}/partenaire/offresdemploi/v2/referentiel/departements");
    let mut status = None;
    for _ in 0..100 {
        std::thread::sleep(Duration::from_millis(50));
        if let Ok(r) = agent.get(&url).call() {
            status = Some(r.status().as_u16());
            break;
        }
    }
    std::thread::sleep(Duration::from_millis(200));
    let exited = child.try_wait().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        exited, None,
        "the simulator exited once its stdout was closed"
    );
    assert_eq!(status, Some(401), "a request without a token");
}

// ---------------------------------------------------------------------------------------------
// 429 storms and the API's rate-limit headers (a stub server: the simulator's storm is elsewhere)

/// 429 for the first `storm`, every third one without `Retry-After`, then empty pages (204).
fn storm(storm: Duration, retry_after: &'static str) -> StubApi {
    StubApi::start(move |at, n| {
        if at < storm {
            let mut h = vec![];
            if n % 3 != 2 {
                h.push(("Retry-After", retry_after.to_string()));
            }
            (429, h)
        } else {
            (204, vec![])
        }
    })
}

#[test]
fn a_six_second_429_storm_is_waited_out_by_all_workers_together() {
    let api = storm(Duration::from_secs(6), "2");
    let c = Arc::new(api.client(Duration::from_secs(60)));
    let start = std::time::Instant::now();
    let handles: Vec<_> = (0..3)
        .map(|_| {
            let c = c.clone();
            std::thread::spawn(move || c.search(&SearchParams::default()))
        })
        .collect();
    for h in handles {
        let page = h.join().unwrap().expect("the storm is waited out");
        assert_eq!(page.status, 204);
    }
    let elapsed = start.elapsed();
    let hits = api.hits();
    let too_many: Vec<_> = hits.iter().filter(|h| h.status == 429).collect();
    let stats = c.transport().stats.snapshot();
    eprintln!(
        "{} requests, {} 429s, waited {:.2} s in {:.2} s",
        hits.len(),
        too_many.len(),
        stats.throttle_wait_seconds,
        elapsed.as_secs_f64()
    );
    assert!(elapsed >= Duration::from_secs(5), "{elapsed:?}");
    assert!(too_many.len() >= 3, "{hits:?}");
    assert_eq!(stats.throttled_responses, too_many.len() as u64);
    assert_eq!(stats.retries.rate_limited, too_many.len() as u64);
    assert_eq!(stats.status(429), too_many.len() as u64);
    assert!(stats.throttle_wait_seconds >= 5.0, "{stats:?}");
    // Wall time, counted once for the three workers waiting together.
    assert!(
        stats.throttle_wait_seconds <= elapsed.as_secs_f64() + 0.5,
        "{stats:?} in {elapsed:?}"
    );
    // After a `Retry-After: 2`, no worker asks again before the 2 s are over (a request already
    // on its way when the 429 left may land just after it).
    for h in &too_many {
        if h.retry_after.is_none() {
            continue;
        }
        let early = hits.iter().find(|o| {
            o.at > h.at + Duration::from_millis(150)
                && o.at + Duration::from_millis(100) < h.at + Duration::from_secs(2)
        });
        assert!(early.is_none(), "{early:?} during the wait asked at {h:?}");
    }
}

#[test]
fn past_the_429_budget_the_request_fails_with_an_error_naming_the_budget_and_the_option() {
    let api = storm(Duration::from_secs(6), "2");
    let c = api.client(Duration::from_secs(3));
    let start = std::time::Instant::now();
    let e = c.search(&SearchParams::default()).unwrap_err();
    let elapsed = start.elapsed();
    match &e {
        ApiError::ThrottleBudget { budget, waited, .. } => {
            assert_eq!(*budget, Duration::from_secs(3));
            assert!(*waited <= Duration::from_secs(3), "{waited:?}");
        }
        other => panic!("expected ThrottleBudget, got {other:?}"),
    }
    let m = e.to_string();
    assert!(
        m.contains("retry.throttle_budget") && m.contains("3s"),
        "{m}"
    );
    assert!(
        elapsed < Duration::from_secs(5),
        "gave up late: {elapsed:?}"
    );
    assert_eq!(
        ftcollect::exit::code_for(&ftcollect::error::Error::Api(e)).code(),
        3,
        "like an outage: incomplete, resumable"
    );
    let stats = c.transport().stats.snapshot();
    assert!(stats.throttle_wait_seconds <= 3.0, "{stats:?}");
    assert_eq!(stats.throttled_responses, api.hits().len() as u64);
}

#[test]
fn a_retry_after_http_date_is_honoured_in_full_past_max_backoff() {
    let api = StubApi::start(|_, n| {
        if n == 0 {
            let when = chrono::Utc::now() + chrono::TimeDelta::seconds(4);
            let date = when.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
            (429, vec![("Retry-After", date)])
        } else {
            (204, vec![])
        }
    });
    let c = api.client(Duration::from_secs(60));
    assert!(c.transport().retry.max_backoff < Duration::from_secs(1));
    c.search(&SearchParams::default()).unwrap();
    let hits = api.hits();
    assert_eq!(hits.len(), 2, "{hits:?}");
    // The date has whole seconds: 3 to 4 s from the 429.
    let gap = hits[1].at - hits[0].at;
    assert!(gap >= Duration::from_millis(2900), "retried after {gap:?}");
    let stats = c.transport().stats.snapshot();
    assert!(stats.throttle_wait_seconds >= 2.9, "{stats:?}");
    assert_eq!(stats.throttled_responses, 1);
}

#[test]
fn an_announced_rate_of_4_per_second_spaces_requests_by_a_quarter_second() {
    let api = StubApi::start(|_, _| {
        (
            204,
            vec![
                (ftcollect::http::HEADER_REPLENISH_RATE, "4".to_string()),
                (ftcollect::http::HEADER_BURST_CAPACITY, "4".to_string()),
                (ftcollect::http::HEADER_REMAINING, "3".to_string()),
            ],
        )
    });
    let c = api.client(Duration::from_secs(60));
    assert_eq!(c.transport().limiter.base_delay(), Duration::ZERO);
    for _ in 0..6 {
        c.search(&SearchParams::default()).unwrap();
    }
    assert_eq!(
        c.transport().limiter.effective_base(),
        Duration::from_millis(250)
    );
    let hits = api.hits();
    assert_eq!(hits.len(), 6);
    let jitter = Duration::from_millis(30);
    for w in hits.windows(2) {
        let gap = w[1].at - w[0].at;
        assert!(gap + jitter >= Duration::from_millis(250), "{gap:?} apart");
    }
    assert!(hits[5].at - hits[0].at + jitter >= Duration::from_millis(1250));
}
