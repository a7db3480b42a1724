//! The verdict of a run: its status (hence its exit code, through `crate::exit::code_for`),
//! whether its checkpoint is kept, and what the run itself (not a source) must report.
//!
//! Invariants: `Complete` only when nothing interrupted or stopped the run and every source
//! proved its part complete; an interruption always wins (exit 130, checkpoint kept); the
//! checkpoint is removed only when a rerun could fetch nothing more.

use super::summary::RunStatus;
use crate::error::ApiError;

/// What the verdict is drawn from.
#[derive(Debug)]
pub struct Facts<'a> {
    pub interrupted: bool,
    /// The error that stopped the run, if one did.
    pub fatal: Option<&'a ApiError>,
    /// Every source proved its part complete.
    pub sources_complete: bool,
    /// A source left work a rerun can do.
    pub sources_resumable: bool,
}

/// The run's status.
pub fn status(f: &Facts) -> RunStatus {
    if f.interrupted {
        RunStatus::Interrupted
    } else if f.fatal.is_none() && f.sources_complete {
        RunStatus::Complete
    } else {
        RunStatus::Incomplete
    }
}

/// Whether the checkpoint stays for a rerun (capped slices alone cannot be helped by one).
pub fn keeps_checkpoint(f: &Facts) -> bool {
    f.interrupted || f.fatal.is_some() || f.sources_resumable
}

/// The run's own problems for the summary (the sources report theirs).
pub fn run_problems(f: &Facts) -> Vec<String> {
    match f.fatal {
        Some(e @ ApiError::ThrottleBudget { .. }) => vec![e.to_string()],
        _ => Vec::new(),
    }
}

/// A complete query the API announced 0 offers for: most likely a mistake (a keyword typo),
/// which a scheduled run would otherwise repeat silently. The run still ends complete (exit 0:
/// an empty answer is a true answer); the warning goes to stderr and into the summary's notes.
pub fn empty_query_warning(status: RunStatus, announced_total: Option<u64>) -> Option<String> {
    (status == RunStatus::Complete && announced_total == Some(0)).then(|| {
        "warning: the query matched no offer at all (the API announced 0 for it): check its ROME codes, \
         keywords and départements"
            .to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn facts(
        interrupted: bool,
        fatal: Option<&ApiError>,
        complete: bool,
        resumable: bool,
    ) -> Facts<'_> {
        Facts {
            interrupted,
            fatal,
            sources_complete: complete,
            sources_resumable: resumable,
        }
    }

    fn budget() -> ApiError {
        ApiError::ThrottleBudget {
            what: "search page 0-149".into(),
            budget: Duration::from_secs(1800),
            waited: Duration::from_secs(1801),
        }
    }

    #[test]
    fn complete_only_when_every_source_proved_it_and_nothing_stopped_the_run() {
        assert_eq!(
            status(&facts(false, None, true, false)),
            RunStatus::Complete
        );
        assert_eq!(
            status(&facts(false, None, false, false)),
            RunStatus::Incomplete
        );
        let e = budget();
        assert_eq!(
            status(&facts(false, Some(&e), true, false)),
            RunStatus::Incomplete
        );
        assert_eq!(crate::exit::code_for(RunStatus::Complete).code(), 0);
        assert_eq!(crate::exit::code_for(RunStatus::Incomplete).code(), 3);
    }

    #[test]
    fn an_interruption_wins_and_keeps_the_checkpoint() {
        let e = budget();
        let f = facts(true, Some(&e), true, false);
        assert_eq!(status(&f), RunStatus::Interrupted);
        assert_eq!(crate::exit::code_for(RunStatus::Interrupted).code(), 130);
        assert!(keeps_checkpoint(&f));
    }

    #[test]
    fn the_checkpoint_goes_only_when_a_rerun_could_fetch_nothing_more() {
        // Complete, or incomplete only by capped slices (a rerun cannot help those).
        assert!(!keeps_checkpoint(&facts(false, None, true, false)));
        assert!(!keeps_checkpoint(&facts(false, None, false, false)));
        // Failed or pending work, or a stop.
        assert!(keeps_checkpoint(&facts(false, None, false, true)));
        let e = budget();
        assert!(keeps_checkpoint(&facts(false, Some(&e), true, false)));
    }

    #[test]
    fn the_throttle_budget_is_named_in_the_problems() {
        let e = budget();
        let p = run_problems(&facts(false, Some(&e), true, false));
        assert_eq!(p, vec![e.to_string()]);
        let other = ApiError::Interrupted;
        assert!(run_problems(&facts(false, Some(&other), true, false)).is_empty());
    }

    #[test]
    fn an_empty_complete_query_is_warned_about_and_nothing_else() {
        assert!(empty_query_warning(RunStatus::Complete, Some(0)).is_some());
        assert!(empty_query_warning(RunStatus::Complete, Some(3)).is_none());
        assert!(empty_query_warning(RunStatus::Incomplete, Some(0)).is_none());
        assert!(empty_query_warning(RunStatus::Complete, None).is_none());
    }
}
