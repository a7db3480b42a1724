//! OAuth2 client-credentials tokens for France Travail, cached and shared by every worker.
//!
//! Invariant: at most one thread fetches a token at a time; a cached token is used until
//! `RENEW_MARGIN` before it expires (or a 401 invalidates it); the secret and the token never appear
//! in a log line or an error message.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::error::{ApiError, Endpoint};
use crate::http::{self, Attempt, RetryCause, Transport};
use crate::secret::{Credentials, Secret};

/// The scope the offers API needs.
pub const SCOPE: &str = "api_offresdemploiv2 o2dsoffre";
/// Renew this long before `expires_in` runs out (less for very short-lived tokens).
pub const RENEW_MARGIN: Duration = Duration::from_secs(60);

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(Deserialize, Default)]
struct OAuthError {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
}

struct Cached {
    token: Secret,
    renew_at: Instant,
    generation: u64,
}

/// A bearer token and the generation it belongs to (to invalidate exactly that one on a 401).
pub struct Bearer {
    pub header: Secret,
    pub generation: u64,
}

/// The shared token cache.
pub struct TokenCache {
    token_url: String,
    credentials: Credentials,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    cached: Option<Cached>,
    generation: u64,
    /// Set once `invalid_scope`/`invalid_client` was answered to the plain scope: add the
    /// `application_<id>` scope some applications need.
    extra_scope: bool,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("token_url", &self.token_url)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    pub fn new(token_url: String, credentials: Credentials) -> Self {
        TokenCache {
            token_url,
            credentials,
            state: Mutex::new(State::default()),
        }
    }

    /// A valid token, fetched if the cache is empty or about to expire.
    pub fn bearer(&self, transport: &Transport) -> Result<Bearer, ApiError> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = &state.cached
            && Instant::now() < c.renew_at
        {
            return Ok(Bearer {
                header: Secret::new(format!("Bearer {}", c.token.expose())),
                generation: c.generation,
            });
        }
        // Holding the lock while fetching: the other workers wait for this token instead of
        // fetching their own.
        let fetched_at = Instant::now();
        let (token, ttl) = self.fetch(transport, &mut state)?;
        state.generation += 1;
        let margin = RENEW_MARGIN.min(ttl / 4);
        let generation = state.generation;
        state.cached = Some(Cached {
            token: token.clone(),
            renew_at: fetched_at + ttl.saturating_sub(margin),
            generation,
        });
        log::debug!(
            "new France Travail access token (valid {} s)",
            ttl.as_secs()
        );
        Ok(Bearer {
            header: Secret::new(format!("Bearer {}", token.expose())),
            generation,
        })
    }

    /// Forgets the token of `generation` (a 401 answered it), unless it was already replaced.
    pub fn invalidate(&self, generation: u64) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state
            .cached
            .as_ref()
            .is_some_and(|c| c.generation == generation)
        {
            state.cached = None;
        }
    }

    fn fetch(
        &self,
        transport: &Transport,
        state: &mut State,
    ) -> Result<(Secret, Duration), ApiError> {
        loop {
            let scope = if state.extra_scope {
                format!("{SCOPE} application_{}", self.credentials.client_id)
            } else {
                SCOPE.to_string()
            };
            let result = transport.run("the token request", false, |agent| {
                self.attempt(transport, agent, &scope)
            });
            match result {
                Err(ApiError::Credentials { .. }) if !state.extra_scope => {
                    // Some applications need `application_<client_id>` in the scope: try once with it.
                    state.extra_scope = true;
                    continue;
                }
                other => return other,
            }
        }
    }

    fn attempt(
        &self,
        transport: &Transport,
        agent: &ureq::Agent,
        scope: &str,
    ) -> Attempt<(Secret, Duration)> {
        transport.stats.record_token_request();
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.credentials.client_id.as_str()),
            ("client_secret", self.credentials.client_secret.expose()),
            ("scope", scope),
        ];
        let mut resp = match agent.post(&self.token_url).send_form(form) {
            Ok(r) => r,
            Err(e) => return http::transport_retry(&transport.stats, &e),
        };
        let status = resp.status().as_u16();
        let body = match http::read_body(&mut resp, 1 << 20) {
            Ok(b) => b,
            Err(a) => return a,
        };
        match status {
            200 => match serde_json::from_slice::<TokenResponse>(&body) {
                Ok(t) if !t.access_token.is_empty() => {
                    let ttl = Duration::from_secs(t.expires_in.unwrap_or(1499).max(1));
                    Attempt::Done((Secret::new(t.access_token), ttl))
                }
                _ => Attempt::Fail(ApiError::WrongEndpoint {
                    endpoint: Endpoint::FranceTravailToken,
                    observed: format!(
                        "the token endpoint {} answered 200 without an access token",
                        self.token_url
                    ),
                }),
            },
            400 | 401 | 403 => {
                let e: OAuthError = serde_json::from_slice(&body).unwrap_or_default();
                let what = if e.error.is_empty() {
                    format!("HTTP {status}")
                } else {
                    e.error.clone()
                };
                let detail = if e.error_description.is_empty() {
                    String::new()
                } else {
                    format!(": {}", e.error_description)
                };
                Attempt::Fail(ApiError::Credentials {
                    message: format!(
                        "France Travail refused the credentials ({what}{detail}). Check FRANCE_TRAVAIL_ID and \
                         FRANCE_TRAVAIL_KEY (environment or .env) against your application on francetravail.io, \
                         and that the application is subscribed to the API \"Offres d'emploi v2\"."
                    ),
                })
            }
            429 => Attempt::Retry {
                cause: RetryCause::RateLimited,
                retry_after: http::header(&resp, "retry-after")
                    .and_then(|v| http::retry::parse_retry_after(v, chrono::Utc::now())),
                detail: "token endpoint answered 429".into(),
            },
            s if s >= 500 => Attempt::Retry {
                cause: RetryCause::ServerError,
                retry_after: None,
                detail: format!("token endpoint answered HTTP {s}"),
            },
            s => Attempt::Fail(ApiError::WrongEndpoint {
                endpoint: Endpoint::FranceTravailToken,
                observed: format!(
                    "the token endpoint {} answered HTTP {s}: it does not look like the France Travail \
                     token endpoint",
                    self.token_url
                ),
            }),
        }
    }
}
