//! `prepare` on crafted outputs and checkpoints: what resumes, what is refused, what is kept.

use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};

use super::*;
use crate::collect::checkpoint::{self, FORMAT_VERSION};
use crate::collect::engine::query_key;
use crate::collect::{FranceTravailSettings, RunStatus};
use crate::normalize::NormalizedOffer;
use crate::secret::Credentials;

fn config(out: &Path) -> CollectConfig {
    CollectConfig::new(
        out,
        FranceTravailSettings {
            api_url: "http://127.0.0.1:9/partenaire/offresdemploi".into(),
            token_url: "http://127.0.0.1:9/token".into(),
            credentials: Credentials::new("id", "secret"),
        },
    )
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
}

fn offer(id: &str) -> NormalizedOffer {
    NormalizedOffer {
        id: id.into(),
        source: "france_travail".into(),
        title: format!("offer {id}"),
        ..Default::default()
    }
}

/// A run that wrote `ids`, checkpointed after the first `durable` of them, and was killed.
fn killed_run(dir: &Path, ids: &[&str], durable: usize) -> (CollectConfig, PathBuf) {
    let out = dir.join("jobs.csv");
    let c = config(&out);
    let cp_path = checkpoint::path_for(&out);
    let Start {
        mut sink, window, ..
    } = prepare(&c, now(), &cp_path).unwrap();
    for id in &ids[..durable] {
        sink.write(&offer(id)).unwrap();
    }
    let bytes = sink.sync().unwrap();
    Checkpoint {
        format: FORMAT_VERSION,
        tool: "test".into(),
        query: query_key(&c),
        window,
        csv_bytes: bytes,
        csv_rows: durable as u64,
        sources: BTreeMap::from([("france_travail".into(), serde_json::json!({"kept": true}))]),
        carry: Carry {
            runs: 1,
            ..Carry::default()
        },
        updated_at: now(),
    }
    .save(&cp_path)
    .unwrap();
    for id in &ids[durable..] {
        sink.write(&offer(id)).unwrap();
    }
    sink.sync().unwrap();
    (c, cp_path)
}

fn resume_error(r: Result<Start, Error>) -> ResumeError {
    match r {
        Err(Error::Resume(e)) => e,
        Err(e) => panic!("expected a resume error, got {e}"),
        Ok(_) => panic!("expected a resume error, got a start"),
    }
}

#[test]
fn a_killed_run_resumes_with_its_durable_rows_and_its_sources_states() {
    let d = tempfile::tempdir().unwrap();
    let (c, cp) = killed_run(d.path(), &["A1", "A2", "A3", "A4"], 3);
    let start = prepare(&c, now(), &cp).unwrap();
    assert_eq!(
        start.sink.rows(),
        3,
        "the row written after the checkpoint is dropped"
    );
    assert_eq!(start.carry.runs, 1);
    assert_eq!(
        start.saved.get("france_travail"),
        Some(&serde_json::json!({"kept": true}))
    );
    assert_eq!(start.rows_by_source.get("france_travail"), Some(&3));
    let mut seen = start.seen;
    assert!(!seen.insert("france_travail", "A3"), "A3 is known");
    assert!(
        seen.insert("france_travail", "A4"),
        "A4 will be fetched again"
    );
}

#[test]
fn a_truncated_output_is_refused_and_left_as_it_is() {
    let d = tempfile::tempdir().unwrap();
    let (c, cp) = killed_run(d.path(), &["A1", "A2", "A3"], 3);
    let bytes = std::fs::read(&c.output).unwrap();
    std::fs::write(&c.output, &bytes[..bytes.len() - 10]).unwrap();
    let e = resume_error(prepare(&c, now(), &cp));
    assert!(
        matches!(e, ResumeError::OutputShorter { len, recorded, .. } if len + 10 == recorded),
        "{e:?}"
    );
    assert_eq!(
        std::fs::read(&c.output).unwrap(),
        &bytes[..bytes.len() - 10]
    );
    assert!(cp.exists(), "the checkpoint is kept");
}

#[test]
fn rows_changed_in_the_durable_prefix_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let (c, cp) = killed_run(d.path(), &["A1", "A2", "A3"], 3);
    let text = std::fs::read_to_string(&c.output).unwrap();
    // Same length, one row fewer: two rows merged into one quoted field.
    let edited = text.replacen("\nA2,", "\"A2,", 1);
    let edited = format!("{edited}\"");
    std::fs::write(&c.output, &edited[..text.len()]).unwrap();
    let e = resume_error(prepare(&c, now(), &cp));
    assert!(
        matches!(
            e,
            ResumeError::OutputRowsChanged { .. }
                | ResumeError::OutputRowColumns { .. }
                | ResumeError::OutputUnreadable { .. }
        ),
        "{e:?}"
    );
}

#[test]
fn a_changed_header_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let (c, cp) = killed_run(d.path(), &["A1"], 1);
    let text = std::fs::read_to_string(&c.output).unwrap();
    std::fs::write(&c.output, text.replacen("id,", "ID,", 1)).unwrap();
    let e = resume_error(prepare(&c, now(), &cp));
    assert!(
        matches!(e, ResumeError::OutputHeaderChanged { .. }),
        "{e:?}"
    );
}

#[test]
fn a_checkpoint_without_its_output_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let (c, cp) = killed_run(d.path(), &["A1"], 1);
    std::fs::remove_file(&c.output).unwrap();
    let e = resume_error(prepare(&c, now(), &cp));
    assert!(matches!(e, ResumeError::OutputGone { .. }), "{e:?}");
}

#[test]
fn a_checkpoint_of_another_query_is_refused_with_the_difference() {
    let d = tempfile::tempdir().unwrap();
    let (mut c, cp) = killed_run(d.path(), &["A1"], 1);
    c.months = 6;
    match prepare(&c, now(), &cp) {
        Err(Error::CheckpointOfAnotherQuery { change, .. }) => {
            assert_eq!(change.field, crate::error::QueryField::Months);
            assert_eq!((change.was.as_str(), change.now.as_str()), ("12", "6"));
        }
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("resumed another query"),
    }
}

#[test]
fn a_damaged_checkpoint_is_refused_and_restart_moves_both_files_aside() {
    let d = tempfile::tempdir().unwrap();
    let (mut c, cp) = killed_run(d.path(), &["A1", "A2"], 2);
    std::fs::write(&cp, b"{\"format\": 3, \"tool\": ").unwrap();
    let e = resume_error(prepare(&c, now(), &cp));
    assert!(matches!(e, ResumeError::CheckpointDamaged { .. }), "{e:?}");
    let before = std::fs::read(&c.output).unwrap();
    c.restart = true;
    let start = prepare(&c, now(), &cp).unwrap();
    assert_eq!(start.sink.rows(), 0, "a fresh output");
    assert!(start.saved.is_empty());
    let aside: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("jobs.csv.bak-"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(std::fs::read(d.path().join(&aside[0])).unwrap(), before);
}

#[test]
fn a_file_that_is_not_ours_is_never_touched() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("jobs.csv");
    std::fs::write(&out, "name,salary\nx,1\n").unwrap();
    let c = config(&out);
    match prepare(&c, now(), &checkpoint::path_for(&out)) {
        Err(Error::ForeignOutput { position, .. }) => assert_eq!(position, 1),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("wrote over a foreign file"),
    }
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "name,salary\nx,1\n");
    let _ = RunStatus::Complete;
}
