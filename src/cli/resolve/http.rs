//! HTTP behaviour: `--timeout`, `--max-attempts`, `--max-throttle-wait`, `--rate-limit-delay`,
//! `--workers`. Clap's value parsers already checked the ranges: nothing here can fail.

use std::time::Duration;

use crate::cli::args::CollectArgs;
use ftcollect::http::{HttpSettings, RetryPolicy};

/// How requests are made and paced.
#[derive(Clone, Debug)]
pub struct HttpOptions {
    pub http: HttpSettings,
    pub retry: RetryPolicy,
    pub rate_limit_delay: Duration,
    pub workers: usize,
}

pub fn resolve(a: &CollectArgs) -> HttpOptions {
    HttpOptions {
        http: HttpSettings {
            request_timeout: Duration::from_secs_f64(a.timeout),
            ..HttpSettings::default()
        },
        retry: RetryPolicy {
            max_attempts: a.max_attempts,
            throttle_budget: a.max_throttle_wait,
            ..RetryPolicy::default()
        },
        rate_limit_delay: Duration::from_secs_f64(a.rate_limit_delay),
        workers: a.workers as usize,
    }
}
