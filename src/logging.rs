//! Logging: `env_logger` behind a filter that keeps the HTTP stack's byte dumps out.
//!
//! At TRACE level, `ureq` and `ureq_proto` log whole request lines and raw bytes — the
//! `Authorization` header, the token request's form body (the client secret) and Adzuna's query
//! string (its app key). Invariant: whatever `RUST_LOG` says, no TRACE record from the HTTP or TLS
//! stack is ever written; their DEBUG records (which redact headers and paths) still are.

use log::{Level, Log, Metadata, Record};

/// Targets whose TRACE records may carry secrets.
const TRACE_BLOCKED: [&str; 3] = ["ureq", "rustls", "webpki"];

/// Whether a record is dropped whatever the configured level.
pub fn is_blocked(target: &str, level: Level) -> bool {
    level == Level::Trace && TRACE_BLOCKED.iter().any(|t| target.starts_with(t))
}

struct Filtered(env_logger::Logger);

impl Log for Filtered {
    fn enabled(&self, m: &Metadata) -> bool {
        !is_blocked(m.target(), m.level()) && self.0.enabled(m)
    }
    fn log(&self, r: &Record) {
        if self.enabled(r.metadata()) {
            self.0.log(r);
        }
    }
    fn flush(&self) {
        self.0.flush();
    }
}

/// Installs the logger: `RUST_LOG` if set, else `info` (`error` when quiet).
pub fn init(quiet: bool) {
    let default = if quiet { "error" } else { "info" };
    let logger =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(default))
            .format_target(false)
            .build();
    let max = logger.filter();
    if log::set_boxed_logger(Box::new(Filtered(logger))).is_ok() {
        log::set_max_level(max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_http_stack_never_logs_at_trace() {
        assert!(is_blocked("ureq_proto::util", Level::Trace));
        assert!(is_blocked("ureq::run", Level::Trace));
        assert!(is_blocked("rustls::client", Level::Trace));
        assert!(!is_blocked("ureq::run", Level::Debug));
        assert!(!is_blocked("ftcollect::collect", Level::Trace));
    }
}
