//! The blocking Adzuna client: `GET {base}/jobs/{country}/search/{page}`.
//!
//! Why: Adzuna authenticates with `app_id`/`app_key` *in the query string* and is metered per
//! minute, day, week and month. Invariants: every request goes through [`Transport::run`] (the
//! limiter, the retries, the counters) and, when a ledger is attached, takes a slot of the
//! persistent [`QuotaLedger`] before it is sent — a full window stops before the call; a 401 is a
//! credentials error naming `ADZUNA_APP_ID`/`ADZUNA_APP_KEY`; a 400 (Adzuna answers an HTML page
//! to an unknown parameter name) is never retried; 429, 5xx, timeouts, cut connections and
//! unreadable bodies are retried. The app key never leaves this module: requests are described
//! without their query string, and every text taken from the server or the HTTP stack is scrubbed
//! of the key before it reaches an error or a log line.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::model::{RawJob, SearchBody};
use super::quota::QuotaLedger;
use crate::error::{ApiError, Endpoint};
use crate::http::{self, Attempt, RetryCause, Transport};
use crate::secret::Secret;
use crate::source::lenient::{self, Lenient};

/// The production API base (`ADZUNA_API_URL`).
pub const DEFAULT_API_URL: &str = "https://api.adzuna.com/v1/api";
/// Most results one page can hold.
pub const MAX_RESULTS_PER_PAGE: u32 = 50;
/// The countries Adzuna serves (the path's `{country}`).
pub const COUNTRIES: [&str; 19] = [
    "at", "au", "be", "br", "ca", "ch", "de", "es", "fr", "gb", "in", "it", "mx", "nl", "nz", "pl",
    "sg", "us", "za",
];

/// A page is far below this; anything larger is refused.
const BODY_LIMIT: u64 = 16 << 20;

/// Adzuna application keys (`ADZUNA_APP_ID`, `ADZUNA_APP_KEY`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdzunaKeys {
    pub app_id: String,
    pub app_key: Secret,
}

impl AdzunaKeys {
    pub fn new(app_id: impl Into<String>, app_key: impl Into<Secret>) -> Self {
        AdzunaKeys {
            app_id: app_id.into(),
            app_key: app_key.into(),
        }
    }
}

/// The parameters of one search page.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchQuery {
    /// 1-based.
    pub page: u32,
    /// At most [`MAX_RESULTS_PER_PAGE`].
    pub results_per_page: u32,
    /// `what`: keywords, all of which must match.
    pub what: Option<String>,
    /// `where`: a place name or postcode.
    pub where_: Option<String>,
    /// `category`: a tag such as `it-jobs`.
    pub category: Option<String>,
    pub max_days_old: Option<u32>,
    /// `sort_by=date` (newest first): pages stay stable while new jobs arrive.
    pub sort_by_date: bool,
}

impl SearchQuery {
    /// The query pairs, credentials excluded, in a fixed order.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = vec![(
            "results_per_page",
            self.results_per_page
                .clamp(1, MAX_RESULTS_PER_PAGE)
                .to_string(),
        )];
        if let Some(w) = &self.what {
            q.push(("what", w.clone()));
        }
        if let Some(w) = &self.where_ {
            q.push(("where", w.clone()));
        }
        if let Some(c) = &self.category {
            q.push(("category", c.clone()));
        }
        if let Some(d) = self.max_days_old {
            q.push(("max_days_old", d.to_string()));
        }
        if self.sort_by_date {
            q.push(("sort_by", "date".into()));
        }
        q
    }

    /// A description for errors and logs (never the URL: it would carry the key).
    pub fn describe(&self, country: &str) -> String {
        let mut s = format!("Adzuna search ({country}");
        if let Some(w) = &self.what {
            s.push_str(&format!(", what {w:?}"));
        }
        if let Some(w) = &self.where_ {
            s.push_str(&format!(", where {w:?}"));
        }
        s.push_str(&format!(") page {}", self.page));
        s
    }
}

/// One page of results.
#[derive(Debug, Clone)]
pub struct AdzunaPage {
    /// `count`: jobs matching the query, all pages.
    pub count: Option<u64>,
    /// The jobs, in page order (elements that were not objects are left out).
    pub jobs: Vec<RawJob>,
    /// Elements of `results` that were not objects.
    pub skipped: u64,
    /// Elements of `results`, objects or not (what the short-page rule looks at).
    pub received: usize,
    /// The body as received (for the raw archive).
    pub body: Vec<u8>,
    pub fetched_at: DateTime<Utc>,
}

/// An Adzuna client; cheap to clone (shared agent, limiter, counters and ledger).
#[derive(Clone)]
pub struct AdzunaClient {
    api_url: String,
    country: String,
    keys: AdzunaKeys,
    transport: Transport,
    quota: Option<Arc<QuotaLedger>>,
    calls: Arc<AtomicU64>,
}

impl std::fmt::Debug for AdzunaClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdzunaClient")
            .field("api_url", &self.api_url)
            .field("country", &self.country)
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize, Default)]
struct AdzunaError {
    #[serde(default)]
    exception: String,
    #[serde(default)]
    display: String,
}

impl AdzunaClient {
    /// A client for `api_url` (ending in `/v1/api`) and `country` (`fr`, `gb`, …). With a `quota`
    /// ledger, every attempt takes a slot of it first.
    pub fn new(
        api_url: &str,
        country: &str,
        keys: AdzunaKeys,
        transport: Transport,
        quota: Option<Arc<QuotaLedger>>,
    ) -> Self {
        AdzunaClient {
            api_url: api_url.trim_end_matches('/').to_string(),
            country: country.to_string(),
            keys,
            transport,
            quota,
            calls: Arc::new(AtomicU64::new(0)),
        }
    }

    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    pub fn country(&self) -> &str {
        &self.country
    }

    pub fn quota(&self) -> Option<&QuotaLedger> {
        self.quota.as_deref()
    }

    /// HTTP requests sent by this client (and its clones), retries included.
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Replaces every occurrence of the app key (raw or percent-encoded) by `***`.
    fn scrub(&self, text: &str) -> String {
        let key = self.keys.app_key.expose();
        if key.is_empty() {
            return text.to_string();
        }
        let encoded: String = form_urlencoded::byte_serialize(key.as_bytes()).collect();
        let mut out = text.replace(key, "***");
        if encoded != key {
            out = out.replace(&encoded, "***");
            out = out.replace(&encoded.replace('+', "%20"), "***");
        }
        out
    }

    /// `GET /jobs/{country}/search/{page}`.
    pub fn search(&self, q: &SearchQuery) -> Result<AdzunaPage, ApiError> {
        if q.page == 0 {
            return Err(ApiError::BadRequest {
                status: 400,
                message: "Adzuna pages are numbered from 1".into(),
            });
        }
        let url = format!("{}/jobs/{}/search/{}", self.api_url, self.country, q.page);
        let what = q.describe(&self.country);
        let pairs = q.pairs();
        let t = &self.transport;
        let page = t.run(&what, true, |agent| {
            if let Some(ledger) = &self.quota
                && let Err(e) = ledger.acquire(&t.cancel)
            {
                return Attempt::Fail(e);
            }
            self.calls.fetch_add(1, Ordering::Relaxed);
            t.stats.record_search_request();
            let mut req = agent
                .get(&url)
                .header("Accept", "application/json")
                .query("app_id", &self.keys.app_id)
                .query("app_key", self.keys.app_key.expose());
            for (k, v) in &pairs {
                req = req.query(*k, v);
            }
            let mut resp = match req.call() {
                Ok(r) => r,
                Err(e) => {
                    return match http::transport_retry::<AdzunaPage>(&t.stats, &e) {
                        Attempt::Retry {
                            cause,
                            retry_after,
                            detail,
                        } => Attempt::Retry {
                            cause,
                            retry_after,
                            detail: self.scrub(&detail),
                        },
                        other => other,
                    };
                }
            };
            let status = resp.status().as_u16();
            t.stats.record_status(status);
            let retry_after = http::header(&resp, "retry-after")
                .and_then(|v| http::retry::parse_retry_after(v, Utc::now()));
            let body = match http::read_body(&mut resp, BODY_LIMIT) {
                Ok(b) => b,
                Err(a) => return a,
            };
            match status {
                200 => match parse_page(body) {
                    Ok(p) => Attempt::Done(p),
                    Err(detail) => Attempt::Retry {
                        cause: RetryCause::BadBody,
                        retry_after: None,
                        detail: self.scrub(&detail),
                    },
                },
                401 | 403 => Attempt::Fail(ApiError::Credentials {
                    message: format!(
                        "Adzuna refused the application keys (HTTP {status}{}) for {what}. Check ADZUNA_APP_ID and \
                         ADZUNA_APP_KEY (from your application at https://developer.adzuna.com/admin/applications).",
                        exception(&body)
                            .map(|e| format!(" {}", self.scrub(&e)))
                            .unwrap_or_default()
                    ),
                }),
                400 => Attempt::Fail(match serde_json::from_slice::<AdzunaError>(&body) {
                    Ok(e) if !(e.display.is_empty() && e.exception.is_empty()) => ApiError::BadRequest {
                        status,
                        message: self.scrub(&format!("Adzuna rejected {what}: {} {}", e.exception, e.display)),
                    },
                    _ => ApiError::UnsupportedParameters {
                        what: what.clone(),
                        params: pairs.iter().map(|(k, _)| *k).chain(["app_id", "app_key"]).map(String::from).collect(),
                    },
                }),
                429 => {
                    let patience = t.retry.max_backoff;
                    match retry_after {
                        // A wait longer than any back-off: Adzuna's own counters are exhausted
                        // (another machine may share the keys). Stop, like a full window.
                        Some(w) if w > patience && w > Duration::from_secs(60) => {
                            Attempt::Fail(ApiError::Quota {
                                window: "server-side".into(),
                                limit: 0,
                                // `w` is at most `MAX_RETRY_AFTER`; still, never panic on a date.
                                reopens_at: chrono::Duration::from_std(w)
                                    .ok()
                                    .and_then(|d| Utc::now().checked_add_signed(d))
                                    .unwrap_or(chrono::DateTime::<Utc>::MAX_UTC),
                            })
                        }
                        _ => Attempt::Retry {
                            cause: RetryCause::RateLimited,
                            retry_after,
                            detail: "HTTP 429 (rate limited)".into(),
                        },
                    }
                }
                500..=599 => Attempt::Retry {
                    cause: RetryCause::ServerError,
                    retry_after: None,
                    detail: self.scrub(&format!("HTTP {status}: {}", crate::http::snippet(&body))),
                },
                s => Attempt::Fail(ApiError::WrongEndpoint {
                    endpoint: Endpoint::Adzuna,
                    observed: format!(
                        "{}/jobs/{}/search/{} answered HTTP {s} to {what}: this does not look like the Adzuna API",
                        self.scrub(&self.api_url),
                        self.country,
                        q.page
                    ),
                }),
            }
        })?;
        t.stats.record_offers(page.jobs.len());
        Ok(page)
    }
}

fn parse_page(body: Vec<u8>) -> Result<AdzunaPage, String> {
    let parsed: SearchBody =
        lenient::from_slice(&body).map_err(|e| format!("unreadable search body: {e}"))?;
    let results = match parsed.results {
        Lenient::Value(v) => v,
        Lenient::Absent | Lenient::Null => Vec::new(),
        Lenient::Invalid => return Err("`results` is not an array".into()),
    };
    let received = results.len();
    let mut skipped = 0;
    let jobs = results
        .into_iter()
        .filter_map(|r| match r {
            Lenient::Value(j) => Some(j),
            _ => {
                skipped += 1;
                None
            }
        })
        .collect();
    let count = parsed
        .count
        .get()
        .filter(|c| c.is_finite() && **c >= 0.0)
        .map(|c| *c as u64);
    Ok(AdzunaPage {
        count,
        jobs,
        skipped,
        received,
        body,
        fetched_at: Utc::now(),
    })
}

/// `AUTH_FAIL` from `{"exception":"AUTH_FAIL",…}`.
fn exception(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<AdzunaError>(body)
        .ok()
        .map(|e| e.exception)
        .filter(|e| !e.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{Cancel, HttpSettings, RateLimiter, RetryPolicy};

    fn client(key: &str) -> AdzunaClient {
        let t = Transport::new(
            &HttpSettings::default(),
            Arc::new(RateLimiter::new(Duration::ZERO)),
            RetryPolicy::default(),
            Cancel::new(),
        );
        AdzunaClient::new(
            "https://api.adzuna.com/v1/api/",
            "fr",
            AdzunaKeys::new("id", key),
            t,
            None,
        )
    }

    #[test]
    fn scrub_removes_the_key_in_every_spelling() {
        let c = client("k3y/with space+plus");
        let s =
            c.scrub("a k3y/with space+plus b k3y%2Fwith+space%2Bplus c k3y%2Fwith%20space%2Bplus");
        assert_eq!(s, "a *** b *** c ***");
        assert!(!format!("{c:?}").contains("k3y"));
    }

    #[test]
    fn query_pairs_and_description() {
        let q = SearchQuery {
            page: 3,
            results_per_page: 150,
            what: Some("data engineer".into()),
            max_days_old: Some(372),
            sort_by_date: true,
            ..Default::default()
        };
        assert_eq!(
            q.pairs(),
            vec![
                ("results_per_page", "50".to_string()),
                ("what", "data engineer".to_string()),
                ("max_days_old", "372".to_string()),
                ("sort_by", "date".to_string()),
            ]
        );
        assert_eq!(
            q.describe("fr"),
            "Adzuna search (fr, what \"data engineer\") page 3"
        );
    }

    #[test]
    fn pages_parse_leniently() {
        let p = parse_page(
            br#"{"count":1562532,"mean":45200.19,"results":[{"id":"1"},null,{"id":"2"}],"__CLASS__":"x"}"#
                .to_vec(),
        )
        .unwrap();
        assert_eq!(p.count, Some(1562532));
        assert_eq!((p.jobs.len(), p.skipped, p.received), (2, 1, 3));
        assert!(parse_page(b"<html>".to_vec()).is_err());
        assert!(parse_page(br#"{"results":"x"}"#.to_vec()).is_err());
        assert_eq!(parse_page(br#"{"count":0}"#.to_vec()).unwrap().received, 0);
    }
}
