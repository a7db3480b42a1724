//! The environment: variables read through a lookup function (so resolution is testable without
//! touching the process environment) and the `.env` file. No command-line types here: the binary's
//! `cli::resolve` turns flags and these variables into typed configurations.

use crate::error::{EnvFileProblem, Error};

/// Reads an environment variable (`std::env::var` in production).
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment, with empty values treated as unset.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Loads the `.env` file of the current directory or its nearest ancestor (as `dotenvy` finds it)
/// into the environment, without overriding variables already set. No file is fine; a file that
/// cannot be parsed is an error naming the file, the line and the variable — never the value, which
/// may be a secret.
pub fn load_dotenv() -> Result<(), Error> {
    let Ok(cwd) = std::env::current_dir() else {
        return Ok(());
    };
    let Some(path) = cwd
        .ancestors()
        .map(|d| d.join(".env"))
        .find(|p| p.is_file())
    else {
        return Ok(());
    };
    match dotenvy::from_path(&path) {
        Ok(()) => Ok(()),
        Err(dotenvy::Error::LineParse(bad, _)) => {
            let content = std::fs::read_to_string(&path).unwrap_or_default();
            Err(Error::EnvFile {
                problem: EnvFileProblem::Line {
                    which: bad_line(&content, &bad),
                },
                path,
            })
        }
        Err(dotenvy::Error::Io(e)) => Err(Error::io(
            format!(
                "the .env file {} cannot be read: fix its permissions, or remove it",
                path.display()
            ),
            e,
        )),
        Err(e) => Err(Error::EnvFile {
            path,
            problem: EnvFileProblem::Other {
                reason: e.to_string(),
            },
        }),
    }
}

/// Which line of a `.env` file `dotenvy` cannot parse (`bad` is the text it stopped at), by
/// number and variable name, never by value.
fn bad_line(content: &str, bad: &str) -> String {
    let at = (!bad.trim().is_empty())
        .then(|| content.find(bad.trim_end()))
        .flatten()
        .map(|offset| content[..offset].matches('\n').count());
    let line = at.and_then(|i| content.lines().nth(i));
    let name = line
        .map(|l| l.trim_start())
        .map(|l| l.strip_prefix("export ").unwrap_or(l))
        .and_then(|l| l.split_once('='))
        .map(|(n, _)| n.trim())
        .filter(|n| {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        });
    match (at, name) {
        (Some(i), Some(n)) => format!("line {} (the value of {n})", i + 1),
        (Some(i), None) => format!("line {}", i + 1),
        (None, _) => "a line".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_dotenv_line_is_named_by_number_and_variable_never_by_value() {
        let which = bad_line(
            "FRANCE_TRAVAIL_ID=id\nFRANCE_TRAVAIL_KEY=my secret value\n",
            "my secret value",
        );
        assert_eq!(which, "line 2 (the value of FRANCE_TRAVAIL_KEY)");
        let m = Error::EnvFile {
            path: "/x/.env".into(),
            problem: EnvFileProblem::Line { which },
        }
        .to_string();
        assert!(
            m.starts_with(
                "the .env file /x/.env cannot be parsed: line 2 (the value of FRANCE_TRAVAIL_KEY) \
                 is not of the form NAME=value"
            ) && !m.contains("secret value"),
            "{m}"
        );
        assert_eq!(bad_line("A=1\n\njust words\n", "just words"), "line 3");
        assert_eq!(bad_line("A=1\n", ""), "a line");
    }
}
