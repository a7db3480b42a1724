//! The sources and their credentials: `--source`, the France Travail endpoints and credentials,
//! the Adzuna options and keys (from the environment or `.env`).

use std::time::Duration;

use crate::cli::args::{CollectArgs, SourceArg};
use ftcollect::collect::{FranceTravailSettings, Sources};
use ftcollect::config::Env;
use ftcollect::error::Error;
use ftcollect::http;
use ftcollect::secret::Credentials;
use ftcollect::source::adzuna::collector::{AdzunaSettings, default_delay, phrases};
use ftcollect::source::adzuna::{self, AdzunaKeys, COUNTRIES};
use ftcollect::source::france_travail::{DEFAULT_API_URL, DEFAULT_TOKEN_URL};

use ftcollect::collect::checkpoint::QueryKey;

/// `--source`'s values as the library's [`Sources`].
pub fn sources_of(values: &[SourceArg]) -> Sources {
    Sources {
        france_travail: values.contains(&SourceArg::FranceTravail),
        adzuna: values.contains(&SourceArg::Adzuna),
    }
}

/// Checks `--adzuna-country`: one of the countries Adzuna serves, lower-cased.
pub fn check_adzuna_country(given: &str) -> Result<String, Error> {
    let country = given.trim().to_ascii_lowercase();
    if !COUNTRIES.contains(&country.as_str()) {
        return Err(Error::Usage(format!(
            "--adzuna-country: `{}` is not a country Adzuna serves. Use one of {}.",
            given,
            COUNTRIES.join(", ")
        )));
    }
    Ok(country)
}

/// The France Travail endpoints (`--api-url`, `--token-url`), checked; credentials come later,
/// only when France Travail is collected.
pub fn resolve_endpoints(a: &CollectArgs) -> Result<(String, String), Error> {
    let api_url = a
        .api_url
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_API_URL.to_string());
    let token_url = a
        .token_url
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_TOKEN_URL.to_string());
    base_url(&api_url, "--api-url / FRANCE_TRAVAIL_API_URL")?;
    base_url(&token_url, "--token-url / FRANCE_TRAVAIL_TOKEN_URL")?;
    Ok((api_url, token_url))
}

/// `url` checked as the base URL given by `option`; a usage error naming it otherwise.
fn base_url(url: &str, option: &str) -> Result<(), Error> {
    http::check_base_url(url).map_err(|p| Error::Usage(p.describe(option, url)))
}

/// The sources to read and the settings of each.
pub struct SourceSettings {
    pub sources: Sources,
    pub france_travail: FranceTravailSettings,
    pub adzuna: Option<AdzunaSettings>,
}

/// Resolves `--source` and each source's settings and credentials.
pub fn resolve(
    a: &CollectArgs,
    query: &QueryKey,
    endpoints: (String, String),
    env: Env,
) -> Result<SourceSettings, Error> {
    let sources = sources_of(&a.source);
    if !sources.france_travail && !sources.adzuna {
        return Err(Error::Usage(
            "--source is empty: give france-travail, adzuna, or both (france-travail,adzuna)."
                .into(),
        ));
    }
    let adzuna = if sources.adzuna {
        if query.departements.is_some() {
            return Err(Error::Usage(
                "--departements filters France Travail only and Adzuna has no département filter: remove \
                 --departements, use --adzuna-where for Adzuna, or collect Adzuna in a separate run."
                    .into(),
            ));
        }
        // Checked here so that an unknown ROME code is reported before anything starts.
        phrases(&query.rome_codes, query.search.as_deref())?;
        Some(resolve_adzuna(a, env)?)
    } else {
        None
    };
    // France Travail credentials are needed only when France Travail is collected.
    let credentials = if sources.france_travail {
        credentials(env)?
    } else {
        Credentials::new("", "")
    };
    let (api_url, token_url) = endpoints;
    Ok(SourceSettings {
        sources,
        france_travail: FranceTravailSettings {
            api_url,
            token_url,
            credentials,
        },
        adzuna,
    })
}

/// France Travail credentials from the environment (or `.env`, loaded by `main`).
pub fn credentials(env: Env) -> Result<Credentials, Error> {
    match (env("FRANCE_TRAVAIL_ID"), env("FRANCE_TRAVAIL_KEY")) {
        (Some(id), Some(key)) => Ok(Credentials::new(id.trim(), key.trim())),
        (id, key) => {
            let missing: Vec<&str> = [
                ("FRANCE_TRAVAIL_ID", id.is_none()),
                ("FRANCE_TRAVAIL_KEY", key.is_none()),
            ]
            .iter()
            .filter(|(_, m)| *m)
            .map(|(n, _)| *n)
            .collect();
            Err(Error::Config(format!(
                "France Travail credentials are missing ({} not set). Set FRANCE_TRAVAIL_ID and FRANCE_TRAVAIL_KEY in the \
                 environment or in a .env file (see .env.example; keys come from francetravail.io). \
                 To try ftcollect without credentials, run `ftcollect demo`.",
                missing.join(" and ")
            )))
        }
    }
}

/// Adzuna application keys from the environment (or `.env`): needed only for `--source adzuna`.
pub fn adzuna_keys(env: Env) -> Result<AdzunaKeys, Error> {
    match (env("ADZUNA_APP_ID"), env("ADZUNA_APP_KEY")) {
        (Some(id), Some(key)) => Ok(AdzunaKeys::new(id.trim(), key.trim())),
        (id, key) => {
            let missing: Vec<&str> = [
                ("ADZUNA_APP_ID", id.is_none()),
                ("ADZUNA_APP_KEY", key.is_none()),
            ]
            .iter()
            .filter(|(_, m)| *m)
            .map(|(n, _)| *n)
            .collect();
            Err(Error::Config(format!(
                "Adzuna keys are missing ({} not set), and --source includes adzuna. Set ADZUNA_APP_ID and ADZUNA_APP_KEY \
                 in the environment or in a .env file (keys come from https://developer.adzuna.com/), or collect from \
                 France Travail only (--source france-travail). To try Adzuna without keys, run \
                 `ftcollect demo --source france-travail,adzuna`.",
                missing.join(" and ")
            )))
        }
    }
}

/// Resolves the Adzuna options of `collect` (`--source` includes adzuna).
fn resolve_adzuna(a: &CollectArgs, env: Env) -> Result<AdzunaSettings, Error> {
    let keys = adzuna_keys(env)?;
    let api_url = a
        .adzuna_url
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| adzuna::DEFAULT_API_URL.to_string());
    base_url(&api_url, "--adzuna-url / ADZUNA_API_URL")?;
    let country = check_adzuna_country(&a.adzuna_country)?;
    let quota_file = match &a.adzuna_quota_file {
        Some(p) if p.as_os_str().is_empty() => {
            return Err(Error::Usage(
                "--adzuna-quota-file is empty: give a file path such as ~/.local/state/ftcollect/adzuna-quota.json."
                    .into(),
            ));
        }
        Some(p) => p.clone(),
        None => adzuna::quota::default_path(env).ok_or_else(|| {
            Error::Config(
                "neither XDG_STATE_HOME nor HOME is set, so there is no default place for the Adzuna quota file: \
                 give one with --adzuna-quota-file."
                    .into(),
            )
        })?,
    };
    let mut s = AdzunaSettings::new(api_url, keys, quota_file);
    s.country = country;
    s.limits = a.adzuna_limits;
    s.rate_limit_delay = match a.adzuna_delay {
        Some(d) => Duration::from_secs_f64(d),
        None => default_delay(&s.limits),
    };
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    s.where_ = text(&a.adzuna_where);
    s.category = text(&a.adzuna_category);
    Ok(s)
}
