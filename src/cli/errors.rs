//! The error reporter: the one place where the library's typed errors become the text the user
//! reads, naming the options to change (the library's own `Display` names none), with hints for
//! I/O causes (nextest keeps hints in its CLI layer the same way).

use std::io;

use ftcollect::error::{
    ApiError, EndpointSetting, Error, FileError, QueryApi, QueryChange, QueryField, ResumeError,
    RowProblem,
};
use ftcollect::history::dataset::MANIFEST;

/// The option (or options) that set a query field.
pub fn option_for(field: QueryField) -> &'static str {
    match field {
        QueryField::Sources => "--source",
        QueryField::RomeCodes => "--rome",
        QueryField::Departements => "--departements",
        QueryField::Search => "--search",
        QueryField::Months => "--months",
        QueryField::Strategy => "--strategy",
        QueryField::ResultsPerPage => "--results-per-page",
        QueryField::AdzunaCountry => "--adzuna-country",
        QueryField::AdzunaWhere => "--adzuna-where",
        QueryField::AdzunaCategory => "--adzuna-category",
        QueryField::AdzunaResultsPerPage => "--results-per-page (Adzuna)",
        QueryField::AdzunaPhrases => "the Adzuna phrases (--rome / --search)",
    }
}

/// The option (and variable) that set an endpoint.
fn endpoint_option(s: EndpointSetting) -> &'static str {
    match s {
        EndpointSetting::FranceTravailApiUrl => "--api-url / FRANCE_TRAVAIL_API_URL",
        EndpointSetting::FranceTravailTokenUrl => "--token-url / FRANCE_TRAVAIL_TOKEN_URL",
        EndpointSetting::AdzunaUrl => "--adzuna-url / ADZUNA_API_URL",
        EndpointSetting::AdzunaCountry => "--adzuna-country",
    }
}

/// The library names the configuration fields a user may change (`CollectConfig`'s and
/// `RetryPolicy`'s) in its messages; the command line's user reads the options that set them.
const FIELD_OPTIONS: [(&str, &str); 5] = [
    (
        "budget (retry.throttle_budget)",
        "--max-throttle-wait (e.g. 2h)",
    ),
    ("(api_url, token_url)", "(--api-url and --token-url)"),
    ("the configured rate_limit_delay", "--rate-limit-delay"),
    ("retry.throttle_budget", "--max-throttle-wait"),
    ("choose an output in", "choose an --output in"),
];

/// `text` (a library message or summary) with the configuration fields it names replaced by the
/// options that set them.
pub fn with_options(text: &str) -> String {
    FIELD_OPTIONS
        .iter()
        .fold(text.to_string(), |t, (field, option)| {
            t.replace(field, option)
        })
}

/// "option was X, now Y".
fn change(c: &QueryChange) -> String {
    format!("{} was {}, now {}", option_for(c.field), c.was, c.now)
}

/// The message for `e` as the command line's user reads it (without the `error: ` prefix and the
/// cause chain).
pub fn message(e: &Error) -> String {
    match e {
        Error::Resume(r) => resume_message(r),
        Error::Api(ApiError::QueryRejected { api, cause }) => format!(
            "the API rejected the query: {} Check {}",
            cause.rejection(&endpoint_option, "the Adzuna options"),
            match api {
                QueryApi::FranceTravail => "--rome, --departements and --search.",
                QueryApi::Adzuna => "--search and the --adzuna-* options.",
            }
        ),
        Error::Api(ApiError::WrongEndpoint { endpoint, observed }) => {
            endpoint.advise(observed, &endpoint_option)
        }
        Error::QuotaFile(q) | Error::Api(ApiError::QuotaFile(q)) => {
            q.describe("--adzuna-quota-file", "--adzuna-limits")
        }
        Error::NoSource => {
            "--source names no API: give france-travail, adzuna, or both separated by a comma."
                .into()
        }
        Error::CheckpointOfAnotherQuery {
            checkpoint,
            change: c,
        } => format!(
            "{} ({}). Run the same command as before to resume it, or add --restart to start over \
             (the existing output is moved to a .bak file).",
            match checkpoint {
                Some(p) => format!("{} belongs to another query", p.display()),
                None => "the checkpoint belongs to another Adzuna query".into(),
            },
            change(c)
        ),
        Error::DatasetOfAnotherQuery { dataset, change: c } => format!(
            "{} holds the history of another query ({}). A dataset follows one query, or its \
             withdrawals would mean nothing: run with the dataset's options, or give another --dataset.",
            dataset.display(),
            change(c)
        ),
        Error::UnfinishedRunOfAnotherQuery {
            dataset,
            work,
            change: c,
        } => format!(
            "{} holds an unfinished run started with other options ({}). Run sync with the \
             options it was started with to finish it, or delete {} to drop it.",
            dataset.display(),
            change(c),
            work.display()
        ),
        Error::OutputIsDirectory { output } => format!(
            "--output {} is a directory: give a file path such as {}/jobs.csv",
            output.display(),
            output.display()
        ),
        Error::OutputUnderFile { output, file } => format!(
            "--output {}: {} is a file, not a directory, so the output cannot be created under it. \
             Choose an --output in a directory (it is created if needed).",
            output.display(),
            file.display()
        ),
        Error::ParquetCreate { parquet, .. } => format!(
            "cannot create the Parquet file {}: choose a --parquet path in a directory you can write to. \
             Nothing was collected yet.",
            parquet.display()
        ),
        Error::ParquetNotWritten {
            csv,
            parquet,
            rows,
            cause,
        } => format!(
            "the collection is complete in {} ({rows} offers), but the Parquet file {} could not be written: {}. \
             Fix that, then run `ftcollect convert {} {}` (or the same command again: it fetches nothing more).",
            csv.display(),
            parquet.display(),
            message(cause),
            csv.display(),
            parquet.display()
        ),
        Error::ForeignOutput {
            output,
            position,
            found,
            expected,
        } => format!(
            "{} exists and is not a CSV written by ftcollect (column {position} is `{found}`, expected `{expected}`). \
             It was left untouched: choose another --output or move the file away.",
            output.display()
        ),
        Error::DatasetIsFile { dataset } => format!(
            "--dataset {} is a file: give a directory (it is created if needed).",
            dataset.display()
        ),
        Error::NotADataset { dataset, found } => format!(
            "--dataset {} is not an ftcollect history dataset: it has no {MANIFEST} but holds `{found}`. \
             Give a new or empty directory (it is created if needed).",
            dataset.display()
        ),
        Error::NoDataset { dataset } => format!(
            "--dataset {} holds no history dataset yet (no {MANIFEST}): run `ftcollect sync --dataset {}` first.",
            dataset.display(),
            dataset.display()
        ),
        Error::UnknownRomeCodes {
            unknown,
            listed,
            near,
        } => format!(
            "--rome: {} {} not among the {listed} ROME codes the API serves (/v2/referentiel/metiers), so the query \
             would match nothing.{} Nothing was written: fix --rome.",
            unknown.join(", "),
            if unknown.len() == 1 { "is" } else { "are" },
            if near.is_empty() {
                String::new()
            } else {
                format!(" Codes of that family: {}.", near.join(", "))
            }
        ),
        Error::NoAdzunaPhrase { unknown, known } => format!(
            "--source adzuna: no Adzuna search phrase for the ROME code(s) {}. Adzuna has no ROME codes, so each code \
             is searched as a phrase; phrases exist for {}. Give the words to search with --search, or collect those \
             codes from France Travail only.",
            unknown.join(", "),
            known.join(", ")
        ),
        Error::File(f) => file_message(f),
        Error::Internal { what } => format!(
            "internal error: {what}. This is a bug in ftcollect: please report it with the command you ran."
        ),
        e => with_options(&e.to_string()),
    }
}

/// A file in a state ftcollect cannot use, with the command that gets out of it where there is one.
fn file_message(f: &FileError) -> String {
    match f {
        FileError::OlderSchema {
            table,
            columns,
            now,
        } => format!(
            "{} was written by an older ftcollect whose offer schema had {columns} columns; this version \
             writes {now} (docs/schema.md) and does not migrate a dataset. Start a new dataset \
             (`ftcollect sync --dataset NEW_DIR …`) or keep the older ftcollect for this one; nothing was changed.",
            table.display()
        ),
        FileError::ForeignCsv {
            csv,
            position,
            found,
            expected,
        } => format!(
            "{} is not a CSV written by ftcollect: column {position} is `{found}` where the schema has `{expected}`. \
             Only files written by `ftcollect collect` or `ftcollect normalize` can be converted.",
            csv.display()
        ),
        FileError::CsvRow {
            csv,
            row,
            problem: RowProblem::Cell { reason },
        } => format!(
            "{} row {row}: {reason}. The file was changed after ftcollect wrote it: restore that cell (or \
             remove the row), or write the CSV again with `ftcollect normalize` from the raw pages. \
             Nothing was written.",
            csv.display()
        ),
        f => f.to_string(),
    }
}

/// Why a collection cannot resume, with the fix: `--restart`.
fn resume_message(r: &ResumeError) -> String {
    match r {
        ResumeError::CheckpointFormat { tool, .. } => format!(
            "{}. Nothing was changed. Finish it with the version that wrote it ({tool}), or run with --restart \
             to start over.",
            r.problem()
        ),
        _ => format!(
            "{}. Nothing was changed. Run with --restart to start over (the current output and checkpoint are \
             kept as .bak files).",
            r.problem()
        ),
    }
}

/// Renders an error and its cause chain, one cause per line: what `main` prints.
pub fn render(err: &Error) -> String {
    let mut out = format!("error: {}", message(err));
    let mut cause = std::error::Error::source(err);
    while let Some(c) = cause {
        out.push_str(&format!("\n  caused by: {c}"));
        if let Some(hint) = io_hint(c) {
            out.push_str(&format!("\n  hint: {hint}"));
        }
        cause = c.source();
    }
    out
}

fn io_hint(e: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    let io = e.downcast_ref::<io::Error>()?;
    match io.kind() {
        io::ErrorKind::PermissionDenied => {
            Some("check the permissions of the file and its directory")
        }
        io::ErrorKind::StorageFull => {
            Some("the disk is full: free some space, then run the same command again to resume")
        }
        io::ErrorKind::QuotaExceeded => Some(
            "your disk quota is used up: free some space, then run the same command again to resume",
        ),
        io::ErrorKind::FileTooLarge => Some(
            "the file reached a size limit (`ulimit -f` or the file system's maximum): raise the limit or \
             choose another file system, then run the same command again to resume",
        ),
        io::ErrorKind::NotADirectory => Some("a part of the path is a file, not a directory"),
        io::ErrorKind::IsADirectory => Some("give a file path, not a directory"),
        io::ErrorKind::ReadOnlyFilesystem => {
            Some("the file system is read-only: choose another output path")
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ftcollect::error::{Endpoint, QuotaError, QuotaProblem};
    use std::path::PathBuf;

    /// One error of each typed kind whose user text names options.
    fn typed() -> Vec<Error> {
        let change = |field| QueryChange {
            field,
            was: "12".into(),
            now: "6".into(),
        };
        vec![
            Error::NoSource,
            Error::CheckpointOfAnotherQuery {
                checkpoint: Some(PathBuf::from("jobs.csv.checkpoint")),
                change: change(QueryField::Months),
            },
            Error::CheckpointOfAnotherQuery {
                checkpoint: None,
                change: change(QueryField::AdzunaPhrases),
            },
            Error::DatasetOfAnotherQuery {
                dataset: "h".into(),
                change: change(QueryField::Months),
            },
            Error::OutputIsDirectory {
                output: "out".into(),
            },
            Error::Resume(ResumeError::OutputGone {
                checkpoint: "jobs.csv.checkpoint".into(),
                output: "jobs.csv".into(),
            }),
            Error::NotADataset {
                dataset: "photos".into(),
                found: "cat.jpg".into(),
            },
            Error::NoAdzunaPhrase {
                unknown: vec!["A1101".into()],
                known: vec!["M1811 (data engineer)".into()],
            },
            Error::QuotaFile(QuotaError {
                path: "q.json".into(),
                problem: QuotaProblem::Damaged {
                    reason: "EOF".into(),
                },
            }),
            Error::Api(ApiError::WrongEndpoint {
                endpoint: Endpoint::FranceTravailToken,
                observed: "the token endpoint http://x answered HTTP 404".into(),
            }),
            Error::Api(ApiError::QueryRejected {
                api: QueryApi::FranceTravail,
                cause: Box::new(ApiError::BadRequest {
                    status: 400,
                    message: "motsCles is invalid.".into(),
                }),
            }),
            Error::Api(ApiError::QueryRejected {
                api: QueryApi::Adzuna,
                cause: Box::new(ApiError::UnsupportedParameters {
                    what: "page 1 of \"devops\"".into(),
                    params: vec!["what".into(), "app_id".into()],
                }),
            }),
        ]
    }

    #[test]
    fn the_user_reads_the_options_the_library_names_none() {
        for e in typed() {
            let user = message(&e);
            let library = e.to_string();
            assert!(user.contains("--"), "{user}");
            assert!(!library.contains("--"), "{library}");
        }
    }

    #[test]
    fn a_parquet_failure_after_the_collection_says_the_csv_is_complete() {
        let e = Error::ParquetNotWritten {
            csv: "data/jobs.csv".into(),
            parquet: "data/jobs.parquet".into(),
            rows: 1234,
            cause: Box::new(Error::io(
                "cannot create data/jobs.parquet",
                io::Error::from(io::ErrorKind::StorageFull),
            )),
        };
        let m = message(&e);
        assert!(
            m.starts_with(
                "the collection is complete in data/jobs.csv (1234 offers), but the Parquet file data/jobs.parquet \
                 could not be written: cannot create data/jobs.parquet."
            ),
            "{m}"
        );
        assert!(
            m.contains("run `ftcollect convert data/jobs.csv data/jobs.parquet`"),
            "{m}"
        );
        assert!(!m.contains(".tmp-"), "{m}");
        assert!(
            render(&e).contains("hint: the disk is full"),
            "{}",
            render(&e)
        );
        assert_eq!(ftcollect::exit::code_for(&e).code(), 1);
    }

    #[test]
    fn the_messages_are_the_ones_the_library_used_to_build() {
        let e = typed();
        assert_eq!(
            message(&e[1]),
            "jobs.csv.checkpoint belongs to another query (--months was 12, now 6). Run the same command \
             as before to resume it, or add --restart to start over (the existing output is moved to a .bak file)."
        );
        assert_eq!(
            message(&e[9]),
            "the token endpoint http://x answered HTTP 404; check --token-url / FRANCE_TRAVAIL_TOKEN_URL"
        );
        assert_eq!(
            message(&e[10]),
            "the API rejected the query: motsCles is invalid. Check --rome, --departements and --search."
        );
        assert_eq!(
            message(&e[11]),
            "the API rejected the query: Adzuna answered page 1 of \"devops\" with a non-JSON 400 page: it does \
             not support one of the parameter names sent. Check --adzuna-url / ADZUNA_API_URL (it ends with \
             /v1/api) and the Adzuna options; the parameters sent were what, app_id. Check --search and the \
             --adzuna-* options."
        );
        assert!(
            message(&e[8]).ends_with(
                "delete it and lower --adzuna-limits for a month (the calls it held are forgotten)"
            ),
            "{}",
            message(&e[8])
        );
    }
}
