//! The simulated Adzuna search API (`/adzuna/v1/api/jobs/{country}/search/{page}`).
//!
//! Why: the Adzuna client, its quota ledger and the mixed collection must be testable offline, and
//! the real API is metered. Invariants: a deterministic universe (same seed, size and start time →
//! same jobs, ids and texts) served with the real response shape — optional keys omitted rather than
//! null, `__CLASS__` keys, a key order that varies from job to job, `salary_is_predicted` as "0"/"1",
//! `redirect_url` carrying `utm_source=<app id>`; the real failure modes — an HTML 400 page for an
//! unknown parameter name, a JSON 401 `AUTH_FAIL` for bad keys; and the quota enforced on the
//! server's side, in calendar windows (UTC minute, day, ISO week, month), on the *Adzuna clock*: the
//! simulated clock plus the real time elapsed since the start, so the minute window rolls by itself
//! and a test rolls the day over with `SimHandle::advance`. A refused call gets a 429 with
//! `Retry-After` up to the window's end (an assumption: Adzuna does not document that answer).
//!
//! Search semantics: `what` keeps the jobs whose title and description hold every word (accents and
//! case ignored); `max_days_old` keeps the jobs created at most that many days before the Adzuna
//! clock; `results_per_page` defaults to 10 and is capped at 50; `sort_by=date` orders newest first,
//! any other order is by id; `count` is the number of matching jobs. Only the `fr` universe holds jobs:
//! any other country answers `count` 0.
//!
//! Copies (issue 17): on top of its own jobs, the universe holds copies of France Travail offers
//! ([`COPY_SHARE`] of its size by default), shown the way Adzuna aggregates them: the title (without
//! `(H/F)` for half of them), the employer, `Town, Département` with the area list (Paris
//! arrondissements as `Paris 8e Arrondissement`), the first 500 characters of the text on one line
//! with an ellipsis, `permanent`/`contract` for a CDI/CDD, created up to three days later.
//! [`AdzunaSim::copies`] is the truth.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};

use chrono::{DateTime, Datelike, TimeZone, Utc};
use serde_json::{Value, json};

use super::catalog::COMPANIES;
use super::geo::DEPTS;
use super::server::{Reply, State};
use super::universe::{CopySource, fold};
use crate::normalize::departements;
use crate::secret::Secret;
use crate::source::adzuna::{COUNTRIES, Limits};

const DAY_MS: i64 = 86_400_000;
/// Jobs are created at most this many days before the start.
pub const MAX_AGE_DAYS: i64 = 300;
/// Copies of France Travail offers in a default universe, as a share of its size: Adzuna France
/// aggregates France Travail's offers, so many of its jobs are such copies.
pub const COPY_SHARE: f64 = 0.2;
/// The length of the text Adzuna shows, in characters.
const SNIPPET_CHARS: usize = 500;

/// The parameter names the API accepts (any other one gets the HTML 400 page).
const KNOWN_PARAMS: &[&str] = &[
    "app_id",
    "app_key",
    "results_per_page",
    "what",
    "what_and",
    "what_phrase",
    "what_or",
    "what_exclude",
    "title_only",
    "where",
    "distance",
    "location0",
    "location1",
    "location2",
    "location3",
    "location4",
    "location5",
    "location6",
    "location7",
    "max_days_old",
    "category",
    "sort_by",
    "sort_dir",
    "salary_min",
    "salary_max",
    "salary_include_unknown",
    "full_time",
    "part_time",
    "contract",
    "permanent",
    "company",
    "content-type",
];

/// The Adzuna side of the simulator's settings. `Debug` hides the app key.
#[derive(Clone, Debug)]
pub struct AdzunaSimConfig {
    pub app_id: String,
    pub app_key: Secret,
    /// Jobs in the universe.
    pub offers: usize,
    /// Calls allowed per calendar minute, day, ISO week and month (UTC).
    pub limits: Limits,
}

impl Default for AdzunaSimConfig {
    fn default() -> Self {
        AdzunaSimConfig {
            app_id: "demo-app".into(),
            app_key: "demo-key".into(),
            offers: 2_000,
            limits: Limits::default(),
        }
    }
}

/// A family of jobs: the titles it uses and what its descriptions say.
struct Family {
    titles: &'static [&'static str],
    lead: &'static str,
    category: (&'static str, &'static str),
    weight: f64,
}

const FAMILIES: &[Family] = &[
    Family {
        titles: &[
            "Data Engineer (H/F)",
            "Data engineer confirmé",
            "Senior Data Engineer - Cloud",
            "Ingénieur data engineer Spark / Scala",
        ],
        lead: "Nous recherchons un data engineer pour construire nos pipelines de données (Spark, Airflow, dbt).",
        category: ("it-jobs", "Emplois Informatique"),
        weight: 22.0,
    },
    Family {
        titles: &[
            "Data Scientist (H/F)",
            "Data scientist NLP",
            "Data Scientist senior - pricing",
        ],
        lead: "Rejoignez l'équipe en tant que data scientist : modèles de prévision, expérimentation, Python.",
        category: ("it-jobs", "Emplois Informatique"),
        weight: 15.0,
    },
    Family {
        titles: &[
            "Ingénieur DevOps (H/F)",
            "DevOps AWS / Kubernetes",
            "SRE - DevOps confirmé",
        ],
        lead: "Au sein de l'équipe plateforme, l'ingénieur devops automatise les déploiements (Terraform, GitLab CI).",
        category: ("it-jobs", "Emplois Informatique"),
        weight: 13.0,
    },
    Family {
        titles: &[
            "Consultant Business Intelligence (H/F)",
            "Analyste business intelligence Power BI",
        ],
        lead: "Vous concevez les tableaux de bord business intelligence de nos clients (Power BI, SQL).",
        category: ("consultancy-jobs", "Emplois Conseil"),
        weight: 9.0,
    },
    Family {
        titles: &[
            "Délégué à la protection des données (DPO) H/F",
            "DPO - Délégué à la protection des données",
        ],
        lead: "Le délégué à la protection des données pilote la conformité RGPD du groupe.",
        category: ("legal-jobs", "Emplois Juridique"),
        weight: 4.0,
    },
    Family {
        titles: &[
            "Comptable (H/F)",
            "Commercial terrain B2B",
            "Chef de projet marketing",
            "Développeur Java",
        ],
        lead: "Poste en CDI dans une entreprise en croissance, équipe bienveillante.",
        category: ("accounting-finance-jobs", "Emplois Comptabilité et Finance"),
        weight: 37.0,
    },
];

const EXTRAS: &[&str] = &[
    "Vous travaillerez en lien étroit avec l'équipe data engineer.",
    "Une culture devops est appréciée.",
    "Télétravail possible deux jours par semaine.",
    "Poste 100% présentiel.",
    "Mutuelle, tickets restaurant et RTT.",
    "Environnement international, anglais courant souhaité.",
];

/// One job, compactly.
struct Job {
    id: u64,
    created: i64,
    family: u8,
    title: u8,
    extras: [u8; 2],
    dept: u8,
    /// Only the region in `area` (no département).
    region_only: bool,
    coords: bool,
    /// 0: no salary, 1: advertised, 2: predicted.
    salary_kind: u8,
    salary: (f64, f64),
    contract_type: Option<&'static str>,
    contract_time: Option<&'static str>,
    company: u8,
    words: HashSet<String>,
    /// A copy of a France Travail offer shows its content instead.
    copy: Option<Box<CopySource>>,
    /// The description's opening sentence.
    hook: String,
}

/// The Adzuna side of the simulator.
pub struct AdzunaSim {
    config: AdzunaSimConfig,
    /// Newest first, then by id.
    jobs: Vec<Job>,
    /// Adzuna-clock times (ms) of the calls counted against the quota.
    calls: Mutex<Vec<i64>>,
    refused: AtomicU64,
    fail_next: AtomicU32,
}

fn words_of(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(fold)
}

/// Adzuna's spelling of some regions.
fn adzuna_region(r: &str) -> String {
    match r {
        "Île-de-France" => "Ile-de-France".into(),
        "Grand Est" => "Grand-Est".into(),
        "Hauts-de-France" => "Hauts-De-France".into(),
        other => other.into(),
    }
}

/// A France Travail town as Adzuna names it: `PARIS 08` → `Paris 8e Arrondissement`,
/// `SAINT BRIEUC` → `Saint Brieuc`.
fn adzuna_town(town: &str) -> String {
    if let Some(n) = town
        .to_ascii_uppercase()
        .strip_prefix("PARIS ")
        .and_then(|n| n.parse::<u32>().ok())
    {
        return format!(
            "Paris {n}{} Arrondissement",
            if n == 1 { "er" } else { "e" }
        );
    }
    title_case(town)
}

fn title_case(s: &str) -> String {
    s.split(' ')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f
                    .to_uppercase()
                    .chain(c.flat_map(char::to_lowercase))
                    .collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl AdzunaSim {
    /// Generates the universe for a simulator started at `now`, with a copy of each of `copies`.
    pub fn new(
        config: AdzunaSimConfig,
        seed: u64,
        now: DateTime<Utc>,
        copies: Vec<CopySource>,
    ) -> AdzunaSim {
        let mut rng = fastrand::Rng::with_seed(seed ^ 0xAD2A);
        let now = now.timestamp_millis();
        let total_weight: f64 = FAMILIES.iter().map(|f| f.weight).sum();
        let dept_weight: f64 = DEPTS.iter().map(|d| d.weight).sum();
        let mut ids = HashSet::new();
        // Openings from their own stream (the draws below stay as they were).
        let mut hooks = fastrand::Rng::with_seed(seed ^ 0x400C);
        let mut jobs: Vec<Job> = (0..config.offers)
            .map(|_| {
                let mut id = 4_000_000_000 + rng.u64(0..900_000_000);
                while !ids.insert(id) {
                    id += 1;
                }
                let mut x = rng.f64() * total_weight;
                let family = FAMILIES
                    .iter()
                    .position(|f| {
                        x -= f.weight;
                        x < 0.0
                    })
                    .unwrap_or(FAMILIES.len() - 1) as u8;
                let mut y = rng.f64() * dept_weight;
                let dept = DEPTS
                    .iter()
                    .position(|d| {
                        y -= d.weight;
                        y < 0.0
                    })
                    .unwrap_or(0) as u8;
                let f = &FAMILIES[family as usize];
                let title = rng.u8(0..f.titles.len() as u8);
                // The first extra sentence links some jobs to another phrase; none for most.
                let extras = [
                    if rng.f64() < 0.2 {
                        rng.u8(0..2)
                    } else {
                        u8::MAX
                    },
                    if rng.f64() < 0.6 {
                        rng.u8(2..EXTRAS.len() as u8)
                    } else {
                        u8::MAX
                    },
                ];
                // Seconds only, like the API.
                let age = rng.i64(3_600_000..MAX_AGE_DAYS * DAY_MS);
                let created = (now - age) / 1000 * 1000;
                let salary_kind = match rng.f64() {
                    r if r < 0.4 => 0,
                    r if r < 0.7 => 1,
                    _ => 2,
                };
                let salary = match salary_kind {
                    1 => {
                        let lo = rng.u32(30..70) as f64 * 1000.0;
                        (lo, lo + rng.u32(0..15) as f64 * 1000.0)
                    }
                    2 => {
                        let v = (rng.f64() * 50_000.0 + 30_000.0) * 100.0;
                        let v = v.round() / 100.0;
                        (v, v)
                    }
                    _ => (0.0, 0.0),
                };
                let contract_type = match rng.u8(0..10) {
                    0..=4 => Some("permanent"),
                    5..=6 => Some("contract"),
                    _ => None,
                };
                let contract_time = match rng.u8(0..20) {
                    0..=11 => Some("full_time"),
                    12 => Some("part_time"),
                    _ => None,
                };
                let mut job = Job {
                    id,
                    created,
                    family,
                    title,
                    extras,
                    dept,
                    region_only: rng.f64() < 0.05,
                    coords: rng.f64() < 0.9,
                    salary_kind,
                    salary,
                    contract_type,
                    contract_time,
                    company: rng.u8(0..COMPANIES.len() as u8),
                    words: HashSet::new(),
                    copy: None,
                    hook: super::catalog::hook(&mut hooks),
                };
                let text = format!("{} {}", job.title(), job.description());
                job.words = words_of(&text).collect();
                job
            })
            .collect();
        // The copies, from their own random stream (the jobs above do not change).
        let mut crng = fastrand::Rng::with_seed(seed ^ 0x00C0_B1E5);
        for c in copies {
            let mut id = 4_000_000_000 + crng.u64(0..900_000_000);
            while !ids.insert(id) {
                id += 1;
            }
            let created =
                (c.created + crng.i64(3_600_000..3 * DAY_MS)).min(now - 60_000) / 1000 * 1000;
            let contract_type = match c.contract {
                "CDI" => Some("permanent"),
                "CDD" => Some("contract"),
                _ => None,
            };
            let mut job = Job {
                id,
                created,
                family: (FAMILIES.len() - 1) as u8,
                title: 0,
                extras: [u8::MAX; 2],
                dept: c.dept,
                region_only: false,
                coords: crng.f64() < 0.9,
                salary_kind: 0,
                salary: (0.0, 0.0),
                contract_type,
                contract_time: Some("full_time"),
                company: 0,
                words: HashSet::new(),
                copy: Some(Box::new(c)),
                hook: String::new(),
            };
            let text = format!("{} {}", job.title(), job.description());
            job.words = words_of(&text).collect();
            jobs.push(job);
        }
        jobs.sort_by(|a, b| b.created.cmp(&a.created).then(a.id.cmp(&b.id)));
        AdzunaSim {
            config,
            jobs,
            calls: Mutex::new(Vec::new()),
            refused: AtomicU64::new(0),
            fail_next: AtomicU32::new(0),
        }
    }

    /// The truth of the copies: (Adzuna id, France Travail id).
    pub fn copies(&self) -> Vec<(String, String)> {
        self.jobs
            .iter()
            .filter_map(|j| Some((j.id.to_string(), j.copy.as_ref()?.id.clone())))
            .collect()
    }

    /// The Adzuna clock: the simulated clock plus the real time since the simulator started.
    pub fn now_ms(state: &State) -> i64 {
        state.now_ms() + state.started.elapsed().as_millis() as i64
    }

    /// Ids of the jobs a search for `what` (every word, accents and case ignored) within
    /// `max_days_old` returns at Adzuna-clock time `now_ms`, in the order `sort_by=date` serves them.
    pub fn ids_matching(&self, what: &str, max_days_old: Option<u32>, now_ms: i64) -> Vec<String> {
        self.matching(what, max_days_old, now_ms)
            .map(|j| j.id.to_string())
            .collect()
    }

    fn matching<'a>(
        &'a self,
        what: &str,
        max_days_old: Option<u32>,
        now_ms: i64,
    ) -> impl Iterator<Item = &'a Job> + 'a {
        let wanted: Vec<String> = words_of(what).collect();
        let oldest = max_days_old.map(|d| now_ms - i64::from(d) * DAY_MS);
        self.jobs.iter().filter(move |j| {
            oldest.is_none_or(|o| j.created >= o) && wanted.iter().all(|w| j.words.contains(w))
        })
    }

    /// Calls counted against the quota so far.
    pub fn calls(&self) -> u64 {
        self.calls.lock().unwrap_or_else(|e| e.into_inner()).len() as u64
    }

    /// Calls refused because a quota window was full.
    pub fn refused(&self) -> u64 {
        self.refused.load(Relaxed)
    }

    /// The next `n` authenticated calls answer 503.
    pub fn fail_next(&self, n: u32) {
        self.fail_next.store(n, Relaxed);
    }

    pub fn len(&self) -> usize {
        self.jobs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    pub fn handle(&self, state: &State, path: &str, pairs: &[(String, String)]) -> Reply {
        let Some(rest) = path.strip_prefix("/adzuna/v1/api/jobs/") else {
            return html(404, "Not Found", "No such API endpoint.");
        };
        let parts: Vec<&str> = rest.split('/').collect();
        let (country, page) = match parts.as_slice() {
            [country, "search", page] => (*country, *page),
            _ => return html(404, "Not Found", "No such API endpoint."),
        };
        if let Some((k, _)) = pairs
            .iter()
            .find(|(k, _)| !KNOWN_PARAMS.contains(&k.as_str()))
        {
            return html(400, "Bad Request", &format!("Unknown parameter: {k}"));
        }
        let param = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        if param("app_id") != Some(self.config.app_id.as_str())
            || param("app_key") != Some(self.config.app_key.expose())
        {
            return Reply::json(
                401,
                br#"{"exception":"AUTH_FAIL","doc":"https://api.adzuna.com/v1/doc","display":"Authorisation failed"}"#
                    .to_vec(),
            );
        }
        let now = Self::now_ms(state);
        if let Err(reply) = self.count_call(now) {
            return reply;
        }
        if self
            .fail_next
            .fetch_update(Relaxed, Relaxed, |n| n.checked_sub(1))
            .is_ok()
        {
            return html(503, "Service Unavailable", "Please try again later.");
        }
        let Ok(page) = page.parse::<u32>() else {
            return html(400, "Bad Request", "The page must be a number.");
        };
        let number = |name: &str| -> Result<Option<u32>, Reply> {
            match param(name) {
                None => Ok(None),
                Some(v) => v.trim().parse::<u32>().map(Some).map_err(|_| {
                    Reply::json(
                        400,
                        json!({"exception": "BAD_ARGUMENT", "doc": "https://api.adzuna.com/v1/doc",
                               "display": format!("{name} must be a whole number")})
                        .to_string()
                        .into_bytes(),
                    )
                }),
            }
        };
        let rpp = match number("results_per_page") {
            Ok(v) => v.unwrap_or(10).clamp(1, 50),
            Err(r) => return r,
        };
        let max_days_old = match number("max_days_old") {
            Ok(v) => v,
            Err(r) => return r,
        };
        let what = param("what").unwrap_or("");
        let by_date = param("sort_by") == Some("date");
        let mut hits: Vec<&Job> = if country == "fr" {
            self.matching(what, max_days_old, now).collect()
        } else if COUNTRIES.contains(&country) {
            Vec::new()
        } else {
            return html(404, "Not Found", "Unknown country.");
        };
        if !by_date {
            hits.sort_by_key(|j| j.id);
        }
        let count = hits.len();
        let salaries: Vec<f64> = hits
            .iter()
            .filter(|j| j.salary_kind != 0)
            .map(|j| j.salary.0)
            .collect();
        let mean = if salaries.is_empty() {
            0.0
        } else {
            (salaries.iter().sum::<f64>() / salaries.len() as f64 * 100.0).round() / 100.0
        };
        let first = (page.max(1) as usize - 1).saturating_mul(rpp as usize);
        let mut body = String::with_capacity(1024 * rpp as usize);
        body.push_str("{\"__CLASS__\":\"Adzuna::API::Response::JobSearchResults\",\"results\":[");
        for (i, j) in hits.iter().skip(first).take(rpp as usize).enumerate() {
            if i > 0 {
                body.push(',');
            }
            self.render(j, &mut body);
        }
        let _ = write!(body, "],\"count\":{count},\"mean\":{mean}}}");
        Reply::json(200, body.into_bytes())
    }

    /// Counts a call in the calendar windows, or refuses it when one is full.
    fn count_call(&self, now: i64) -> Result<(), Reply> {
        let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        let t = Utc.timestamp_millis_opt(now).single().unwrap_or_default();
        let minute = now - now.rem_euclid(60_000);
        let day = now - now.rem_euclid(DAY_MS);
        let week = day - i64::from(t.weekday().num_days_from_monday()) * DAY_MS;
        let month = Utc
            .with_ymd_and_hms(t.year(), t.month(), 1, 0, 0, 0)
            .single()
            .map_or(day, |d| d.timestamp_millis());
        let next_month = if t.month() == 12 {
            Utc.with_ymd_and_hms(t.year() + 1, 1, 1, 0, 0, 0)
        } else {
            Utc.with_ymd_and_hms(t.year(), t.month() + 1, 1, 0, 0, 0)
        }
        .single()
        .map_or(day + 31 * DAY_MS, |d| d.timestamp_millis());
        let l = &self.config.limits;
        let windows = [
            ("minute", minute, minute + 60_000, l.minute),
            ("day", day, day + DAY_MS, l.day),
            ("week", week, week + 7 * DAY_MS, l.week),
            ("month", month, next_month, l.month),
        ];
        for (name, start, end, limit) in windows.iter().rev() {
            let n = calls.iter().filter(|&&c| c >= *start && c < *end).count();
            if n >= *limit as usize {
                self.refused.fetch_add(1, Relaxed);
                let wait = ((end - now) as f64 / 1000.0).ceil().max(1.0) as u64;
                return Err(Reply::json(
                    429,
                    json!({"exception": "TOO_MANY_REQUESTS", "doc": "https://api.adzuna.com/v1/doc",
                           "display": format!("The {name} limit of {limit} calls is reached.")})
                    .to_string()
                    .into_bytes(),
                )
                .with("Retry-After", wait.to_string()));
            }
        }
        calls.push(now);
        Ok(())
    }

    fn render(&self, j: &Job, out: &mut String) {
        let mut rng = fastrand::Rng::with_seed(j.id);
        let f = &FAMILIES[j.family as usize];
        let d = &DEPTS[j.dept as usize];
        let dept = departements::departement(d.code);
        let town = match &j.copy {
            Some(c) => adzuna_town(&c.town),
            None => title_case(d.town),
        };
        let region = dept.map(|x| adzuna_region(x.region)).unwrap_or_default();
        let dept_name = dept.map_or("", |x| x.name);
        let mut area = vec![json!("France"), json!(region)];
        if !j.region_only {
            area.push(json!(dept_name));
            area.push(json!(town));
        }
        let display = if j.region_only {
            region.clone()
        } else {
            format!("{town}, {dept_name}")
        };
        let created = Utc
            .timestamp_millis_opt(j.created)
            .single()
            .unwrap_or_default()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        let se: String = (0..22).map(|_| rng.alphanumeric()).collect();
        let v: String = (0..40)
            .map(|_| b"0123456789ABCDEF"[rng.usize(0..16)] as char)
            .collect();
        let company = object(
            &mut rng,
            vec![
                (
                    "__CLASS__",
                    json!("Adzuna::API::Response::Company").to_string(),
                ),
                (
                    "display_name",
                    json!(
                        j.copy
                            .as_ref()
                            .map_or(COMPANIES[j.company as usize], |c| c.company)
                    )
                    .to_string(),
                ),
            ],
        );
        let location = object(
            &mut rng,
            vec![
                (
                    "__CLASS__",
                    json!("Adzuna::API::Response::Location").to_string(),
                ),
                ("display_name", json!(display).to_string()),
                ("area", Value::Array(area).to_string()),
            ],
        );
        let category = object(
            &mut rng,
            vec![
                (
                    "__CLASS__",
                    json!("Adzuna::API::Response::Category").to_string(),
                ),
                ("tag", json!(f.category.0).to_string()),
                ("label", json!(f.category.1).to_string()),
            ],
        );
        let redirect = format!(
            "https://www.adzuna.fr/land/ad/{}?se={se}&utm_medium=api&utm_source={}&v={v}",
            j.id, self.config.app_id
        );
        let mut fields: Vec<(&str, String)> = vec![
            ("__CLASS__", json!("Adzuna::API::Response::Job").to_string()),
            ("id", json!(j.id.to_string()).to_string()),
            (
                "adref",
                json!(format!("eyJhbGciOiJIUzI1NiJ9.{se}")).to_string(),
            ),
            ("title", json!(j.title()).to_string()),
            ("description", json!(j.description()).to_string()),
            ("created", json!(created).to_string()),
            ("redirect_url", json!(redirect).to_string()),
            ("company", company),
            ("location", location),
            ("category", category),
            (
                "salary_is_predicted",
                json!(if j.salary_kind == 2 { "1" } else { "0" }).to_string(),
            ),
        ];
        if j.coords {
            let lat = ((d.lat + (j.id % 100) as f64 / 2000.0) * 1e5).round() / 1e5;
            let lon = ((d.lon - (j.id % 77) as f64 / 2000.0) * 1e5).round() / 1e5;
            fields.push(("latitude", json!(lat).to_string()));
            fields.push(("longitude", json!(lon).to_string()));
        }
        match j.salary_kind {
            // Advertised salaries are whole numbers, sent as integers.
            1 => {
                fields.push(("salary_min", json!(j.salary.0 as u64).to_string()));
                fields.push(("salary_max", json!(j.salary.1 as u64).to_string()));
            }
            2 => {
                fields.push(("salary_min", json!(j.salary.0).to_string()));
                fields.push(("salary_max", json!(j.salary.1).to_string()));
            }
            _ => {}
        }
        if let Some(c) = j.contract_type {
            fields.push(("contract_type", json!(c).to_string()));
        }
        if let Some(c) = j.contract_time {
            fields.push(("contract_time", json!(c).to_string()));
        }
        out.push_str(&object(&mut rng, fields));
    }
}

impl Job {
    fn title(&self) -> &str {
        match &self.copy {
            // Half of the copies lose the gender marker.
            Some(c) if self.id.is_multiple_of(2) => c.title.trim_end_matches(" (H/F)"),
            Some(c) => &c.title,
            None => FAMILIES[self.family as usize].titles[self.title as usize],
        }
    }

    fn description(&self) -> String {
        if let Some(c) = &self.copy {
            let mut s: String = c
                .description
                .chars()
                .take(SNIPPET_CHARS)
                .map(|ch| if ch == '\n' { ' ' } else { ch })
                .collect();
            s.push('…');
            return s;
        }
        let mut s = format!("{} {}", self.hook, FAMILIES[self.family as usize].lead);
        for e in self.extras {
            if let Some(x) = EXTRAS.get(e as usize) {
                s.push(' ');
                s.push_str(x);
            }
        }
        s.push_str(" Postulez sur le site du recruteur…");
        s
    }
}

/// A JSON object (values already encoded) whose keys come in a shuffled order, like the real API's.
fn object(rng: &mut fastrand::Rng, mut fields: Vec<(&str, String)>) -> String {
    rng.shuffle(&mut fields);
    let mut s = String::from("{");
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "{}:{v}", Value::String((*k).to_string()));
    }
    s.push('}');
    s
}

fn html(status: u16, title: &str, message: &str) -> Reply {
    let body = format!(
        "<!DOCTYPE html>\n<html><head><title>{status} {title}</title></head>\n<body><h1>{title}</h1>\n<p>{message}</p>\n</body></html>\n"
    );
    Reply {
        status,
        body: body.into_bytes(),
        headers: vec![("Content-Type", "text/html; charset=utf-8".into())],
    }
}
