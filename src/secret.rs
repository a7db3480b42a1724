//! A string that must never be shown: client secrets, API keys, access tokens.
//!
//! Invariant: `Debug` and `Display` print `***`; the value is reachable only through
//! [`Secret::expose`], which the HTTP code calls at the moment it builds a request.

use std::fmt;

#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }

    /// The secret value, for building a request. Never log or format the result.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_string())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// France Travail application credentials (`FRANCE_TRAVAIL_ID`, `FRANCE_TRAVAIL_KEY`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: Secret,
}

impl Credentials {
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Credentials {
            client_id: client_id.into(),
            client_secret: Secret::new(client_secret),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_redact() {
        let c = Credentials::new("my-id", "s3cr3t-value");
        let shown = format!("{c:?} {} {:?}", c.client_secret, c.client_secret);
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("my-id"));
        assert_eq!(c.client_secret.expose(), "s3cr3t-value");
    }
}
