//! The blocking France Travail client: search pages, single offers, referentials.
//!
//! Invariant: success is 200 or 206 with a `Content-Range` total (204 is an empty page); a 400
//! carries the API's message and is never retried; a 401 renews the shared token once and replays;
//! 429, 5xx, timeouts, cut connections and unreadable bodies are retried through [`Transport::run`].

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::auth::TokenCache;
use super::model::{RawOffer, Referentiel, SearchBody};
use super::params::{SearchParams, parse_content_range};
use crate::error::{ApiError, Endpoint};
use crate::http::{self, Attempt, RetryCause, Transport};
use crate::secret::Credentials;
use crate::source::lenient;

/// The production API base (`FRANCE_TRAVAIL_API_URL`).
pub const DEFAULT_API_URL: &str = "https://api.francetravail.io/partenaire/offresdemploi";
/// The production token URL (`FRANCE_TRAVAIL_TOKEN_URL`).
pub const DEFAULT_TOKEN_URL: &str =
    "https://entreprise.francetravail.fr/connexion/oauth2/access_token?realm=%2Fpartenaire";

/// Bodies larger than this are refused (a page of 150 offers is well under 2 MB).
const BODY_LIMIT: u64 = 64 << 20;

/// One page of search results.
#[derive(Debug, Clone)]
pub struct SearchPage {
    /// 200, 204 or 206.
    pub status: u16,
    pub offers: Vec<RawOffer>,
    /// The total from `Content-Range` (`None` on a 204 without one).
    pub total: Option<u64>,
    /// The range the API says it returned.
    pub range: Option<(u64, u64)>,
    /// The body as received (for the raw archive); empty on 204.
    pub body: Vec<u8>,
    /// When the page arrived.
    pub fetched_at: DateTime<Utc>,
}

/// A France Travail client; cheap to clone (shared agent, token cache, limiter and counters).
#[derive(Clone, Debug)]
pub struct FranceTravailClient {
    api_url: String,
    transport: Transport,
    tokens: Arc<TokenCache>,
}

#[derive(Deserialize, Default)]
struct ApiMessage {
    #[serde(default)]
    message: String,
}

enum Parsed<T> {
    Ok(T),
    /// 204 / 404 on a detail: nothing there.
    Empty,
}

impl FranceTravailClient {
    /// A client for `api_url` (without `/v2`), authenticating at `token_url`.
    pub fn new(
        api_url: &str,
        token_url: &str,
        credentials: Credentials,
        transport: Transport,
    ) -> Self {
        FranceTravailClient {
            api_url: api_url.trim_end_matches('/').to_string(),
            transport,
            tokens: Arc::new(TokenCache::new(token_url.to_string(), credentials)),
        }
    }

    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Fetches (and caches) an access token, so a run can check its credentials and token URL
    /// before it writes anything.
    pub fn authenticate(&self) -> Result<(), ApiError> {
        self.tokens.bearer(&self.transport).map(|_| ())
    }

    /// `GET /v2/offres/search`.
    pub fn search(&self, params: &SearchParams) -> Result<SearchPage, ApiError> {
        params.validate().map_err(|message| ApiError::BadRequest {
            status: 400,
            message,
        })?;
        let url = format!("{}/v2/offres/search", self.api_url);
        let pairs = params.query_pairs();
        let what = match params.range {
            Some((p, d)) => format!("search page {p}-{d}"),
            None => "search".to_string(),
        };
        let page = self.get(&what, &url, &pairs, true, |status, resp, body| {
            if status == 204 {
                let total = http::header(resp, "content-range")
                    .and_then(parse_content_range)
                    .map(|(_, t)| t);
                return Ok(Parsed::Ok(SearchPage {
                    status,
                    offers: Vec::new(),
                    total,
                    range: None,
                    body: Vec::new(),
                    fetched_at: Utc::now(),
                }));
            }
            let Some((range, total)) =
                http::header(resp, "content-range").and_then(parse_content_range)
            else {
                return Err(format!(
                    "HTTP {status} without a readable Content-Range header"
                ));
            };
            let parsed: SearchBody = lenient::from_slice(&body)
                .map_err(|e| format!("unreadable search body: {e}"))?;
            // Offers announced from this position but none sent: a broken answer, not the end
            // (the end is a 204). Retried, so a slice is never finished on an empty page.
            let start = params.range.map_or(0, |(a, _)| u64::from(a));
            if parsed.resultats.is_empty() && total > start {
                return Err(format!(
                    "HTTP {status} with no offer although Content-Range announces {total} (from {start})"
                ));
            }
            Ok(Parsed::Ok(SearchPage {
                status,
                offers: parsed.resultats,
                total: Some(total),
                range,
                body,
                fetched_at: Utc::now(),
            }))
        })?;
        match page {
            Parsed::Ok(p) => {
                self.transport.stats.record_offers(p.offers.len());
                Ok(p)
            }
            Parsed::Empty => unreachable!("search never maps to Empty"),
        }
    }

    /// `GET /v2/offres/{id}`: `None` when the offer was withdrawn (204 or 404).
    pub fn offer(&self, id: &str) -> Result<Option<RawOffer>, ApiError> {
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(ApiError::BadRequest {
                status: 400,
                message: format!("invalid offer id {id:?}"),
            });
        }
        let url = format!("{}/v2/offres/{id}", self.api_url);
        let r = self.get(
            &format!("offer {id}"),
            &url,
            &[],
            false,
            |status, _, body| {
                if status == 204 {
                    return Ok(Parsed::Empty);
                }
                lenient::from_slice::<RawOffer>(&body)
                    .map(Parsed::Ok)
                    .map_err(|e| format!("unreadable offer body: {e}"))
            },
        )?;
        Ok(match r {
            Parsed::Ok(o) => Some(o),
            Parsed::Empty => None,
        })
    }

    /// `GET /v2/referentiel/{name}` (`departements`, `regions`, `metiers`, …).
    pub fn referentiel(&self, name: &str) -> Result<Vec<Referentiel>, ApiError> {
        let url = format!("{}/v2/referentiel/{name}", self.api_url);
        let r = self.get(
            &format!("referential {name}"),
            &url,
            &[],
            false,
            |_, _, body| {
                serde_json::from_slice::<Vec<Referentiel>>(&body)
                    .map(Parsed::Ok)
                    .map_err(|e| format!("unreadable referential body: {e}"))
            },
        )?;
        Ok(match r {
            Parsed::Ok(v) => v,
            Parsed::Empty => Vec::new(),
        })
    }

    /// One authenticated GET with the full status handling. `parse` turns a 2xx into a value or a
    /// description of why the body is unusable (retried as a bad body).
    fn get<T>(
        &self,
        what: &str,
        url: &str,
        query: &[(&'static str, String)],
        is_search: bool,
        parse: impl Fn(u16, &ureq::http::Response<ureq::Body>, Vec<u8>) -> Result<Parsed<T>, String>,
    ) -> Result<Parsed<T>, ApiError> {
        let t = &self.transport;
        // A 401 right after a renewal means the credentials themselves are refused.
        let mut renewed_after_401 = false;
        t.run(what, true, |agent| {
            let bearer = match self.tokens.bearer(t) {
                Ok(b) => b,
                Err(e) => return Attempt::Fail(e),
            };
            if is_search {
                t.stats.record_search_request();
            }
            let mut req = agent.get(url).header("Authorization", bearer.header.expose()).header("Accept", "application/json");
            for (k, v) in query {
                req = req.query(*k, v);
            }
            let mut resp = match req.call() {
                Ok(r) => r,
                Err(e) => {
                    renewed_after_401 = false;
                    return http::transport_retry(&t.stats, &e);
                }
            };
            let status = resp.status().as_u16();
            t.stats.record_status(status);
            t.observe_rate_headers(&resp);
            if status == 401 {
                if renewed_after_401 {
                    return Attempt::Fail(ApiError::Credentials {
                        message: "France Travail answered 401 to a freshly issued token: the credentials are \
                                  accepted by the token endpoint but not by the API. Check that the application \
                                  of FRANCE_TRAVAIL_ID is subscribed to the API \"Offres d'emploi v2\"."
                            .to_string(),
                    });
                }
                renewed_after_401 = true;
                t.stats.record_token_renewal_after_401();
                self.tokens.invalidate(bearer.generation);
                return Attempt::Replay;
            }
            renewed_after_401 = false;
            let retry_after = http::header(&resp, "retry-after").and_then(|v| http::retry::parse_retry_after(v, Utc::now()));
            let body = match http::read_body(&mut resp, BODY_LIMIT) {
                Ok(b) => b,
                Err(a) => return a,
            };
            match status {
                200 | 206 | 204 => match parse(status, &resp, body) {
                    Ok(v) => Attempt::Done(v),
                    Err(detail) => Attempt::Retry { cause: RetryCause::BadBody, retry_after: None, detail },
                },
                400 => {
                    let m: ApiMessage = serde_json::from_slice(&body).unwrap_or_default();
                    let message = if m.message.is_empty() { crate::http::snippet(&body) } else { m.message };
                    Attempt::Fail(ApiError::BadRequest { status, message })
                }
                403 => Attempt::Fail(ApiError::Credentials {
                    message: format!(
                        "France Travail answered 403 to {what}: the application of FRANCE_TRAVAIL_ID is not allowed \
                         to use this API. Subscribe it to \"Offres d'emploi v2\" on francetravail.io."
                    ),
                }),
                404 if !is_search => match parse(204, &resp, Vec::new()) {
                    Ok(v) => Attempt::Done(v),
                    Err(detail) => Attempt::Retry { cause: RetryCause::BadBody, retry_after: None, detail },
                },
                429 => Attempt::Retry { cause: RetryCause::RateLimited, retry_after, detail: "HTTP 429 (rate limited)".into() },
                500..=599 => Attempt::Retry {
                    cause: RetryCause::ServerError,
                    retry_after: None,
                    detail: format!("HTTP {status}: {}", crate::http::snippet(&body)),
                },
                s => Attempt::Fail(ApiError::WrongEndpoint {
                    endpoint: Endpoint::FranceTravailApi,
                    observed: format!(
                        "{url} answered HTTP {s} to {what}: this does not look like the France Travail API"
                    ),
                }),
            }
        })
    }
}
