//! The simulated world of offers: generated from a seed, queried like the real search engine.
//!
//! Each offer is a compact record (dates, département, ROME code, contract, text template indices);
//! its full JSON is rendered on demand from the seed, so a universe of a million offers stays small.
//! Invariants: the same seed, size and start time give the same offers, ids and texts; an offer is
//! visible at time `t` only while `created <= t < withdrawn` (the API serves active offers only);
//! results are ordered deterministically (creation date descending, then a fixed tie-break), so
//! pages never overlap or skip while the universe does not change.
//! Planted duplicates (issue 17): a share of the offers ([`UniverseConfig::reposts`]) are reposts —
//! a new id and new dates for the content of an earlier offer with an employer and a département
//! (its title upper-cased for half of them) — and [`Universe::reposts`] is the truth. About 2% of
//! descriptions are HTML-escaped (`t&eacute;l&eacute;travail`), as in the real files (14 of 638).
//! The churn behaviour (see `behaviour.rs`) is the one mutable part: it withdraws offers and
//! publishes new ones (ids past the generated ones) in an overlay that `search_live`, `rec_by_id`
//! and `truth` read; the generated records themselves never change.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;

use super::catalog::{self, ROMES};
use super::geo::{self, DEPTS};

mod ids;
mod keywords;
mod render;
use ids::IdCodec;
pub use keywords::fold;
use keywords::{KeywordMatcher, WordIndex};
use render::render;
pub use render::{
    Competence, Contact, ContexteTravail, Entreprise, Exigence, Formation, LieuTravail,
    OrigineOffre, Partenaire, Qualite, Salaire, SimOffer,
};

const DAY_MS: i64 = 86_400_000;
const NO_DEPT: u8 = u8::MAX;
const NO_PARA: u8 = u8::MAX;
/// Offers generated for the future (they appear as the clock moves), per day, relative to the size.
const FUTURE_LIFETIME_DAYS: f64 = 40.0;

/// How the universe is built.
#[derive(Clone, Debug)]
pub struct UniverseConfig {
    pub seed: u64,
    /// Offers active at `now`.
    pub offers: usize,
    /// Creation dates of the active offers spread over this many months before `now`.
    pub months: u32,
    /// The simulator's start time.
    pub now: DateTime<Utc>,
    /// Days after `now` for which new offers are generated (they appear as the clock moves).
    pub future_days: u32,
    /// Reposts added on top of the generated offers, as a share of `offers`.
    pub reposts: f64,
}

/// The share of reposts in a default universe: the real files hold 7 extra copies in 638 offers
/// (1.1%); partner feeds repost more in a live market.
pub const REPOST_SHARE: f64 = 0.02;

/// The share of HTML-escaped descriptions (14 of the 638 real offers).
const ESCAPED_SHARE: f64 = 0.022;

/// One offer, compactly.
#[derive(Clone, Copy, Debug)]
pub struct Rec {
    pub created: i64,
    pub withdrawn: i64,
    /// 0 when the offer is never updated.
    pub updated: i64,
    pub idx: u32,
    /// The offer whose content (title, employer, place, texts) this one shows: its own index,
    /// or for a repost the original's.
    pub content: u32,
    pub dept: u8,
    pub rome: u8,
    pub contract: u8,
    pub title: u8,
    pub paras: [u8; 3],
    /// For offers without a département: which place name (`France`, a region).
    pub place: u8,
}

impl Rec {
    pub fn is_active(&self, now: i64) -> bool {
        self.created <= now && now < self.withdrawn
    }
    /// `dateActualisation` as seen at `now`.
    pub fn actualised(&self, now: i64) -> i64 {
        if self.updated != 0 && self.updated <= now {
            self.updated
        } else {
            self.created + 487
        }
    }
    pub fn dept_code(&self) -> Option<&'static str> {
        (self.dept != NO_DEPT).then(|| DEPTS[self.dept as usize].code)
    }
    pub fn rome_code(&self) -> &'static str {
        ROMES[self.rome as usize].code
    }
}

/// The generated offers, sorted by creation date descending.
pub struct Universe {
    pub config: UniverseConfig,
    recs: Vec<Rec>,
    /// Position in `recs` of each offer index.
    pos_of_idx: Vec<u32>,
    ids: IdCodec,
    words: WordIndex,
    tables: Tables,
    /// Planted reposts: (repost index, original index).
    reposts: Vec<(u32, u32)>,
    /// Churn: offers withdrawn and published while the simulator runs (see [`Universe::churn`]).
    live: RwLock<Live>,
    churned: AtomicBool,
}

/// Cumulative weight tables of the random draws.
struct Tables {
    dept: Vec<f64>,
    rome: Vec<f64>,
    contract: Vec<f64>,
}

/// Offers added at generation time on top of `UniverseConfig::offers`, all sharing one exact
/// creation timestamp (a partner's bulk import).
#[derive(Clone, Debug)]
pub struct Group {
    pub offers: u32,
    /// Creation time, milliseconds (shared by every offer of the group).
    pub created: i64,
    /// Index in `ROMES` / `DEPTS`; `None` draws as usual.
    pub rome: Option<u8>,
    pub dept: Option<u8>,
}

/// The moving part of the stock. A search result is a list of *handles*: a handle below
/// `recs.len()` is a position in `recs`, `recs.len() + k` is the k-th published offer (whose index,
/// and so id, is the same number).
#[derive(Default)]
struct Live {
    /// Churn steps applied so far (one per search request).
    step: u64,
    /// Handle -> (step, time in ms) of its withdrawal.
    withdrawn: HashMap<u32, (u64, i64)>,
    /// Published offers and the step that published them.
    published: Vec<(Rec, u64)>,
}

/// A point of the churn history (see [`Universe::mark`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    step: u64,
    now: i64,
}

impl Mark {
    /// Churn steps applied before this point.
    pub fn step(&self) -> u64 {
        self.step
    }
}

/// What the Adzuna universe needs to show a copy of a France Travail offer.
#[derive(Clone, Debug)]
pub struct CopySource {
    /// The France Travail offer's id.
    pub id: String,
    pub title: String,
    pub company: &'static str,
    /// Index in `DEPTS`.
    pub dept: u8,
    /// The town as France Travail's libelle names it (`PARIS 08`, `SAINT BRIEUC`).
    pub town: String,
    pub description: String,
    /// `typeContrat`.
    pub contract: &'static str,
    pub created: i64,
}

/// A parsed search (already validated by the server).
#[derive(Clone, Debug, Default)]
pub struct Query {
    pub romes: Option<Vec<u8>>,
    pub depts: Option<Vec<u8>>,
    /// Creation window, milliseconds, both bounds included at second granularity.
    pub window: Option<(i64, i64)>,
    pub publiee_depuis_days: Option<u32>,
    /// Folded keywords, AND-combined.
    pub keywords: Vec<String>,
    pub contracts: Option<Vec<u8>>,
    pub communes: Option<Vec<String>>,
    pub relevance_sort: bool,
}

impl Universe {
    pub fn generate(config: UniverseConfig) -> Universe {
        Self::generate_with(config, &[])
    }

    /// [`Universe::generate`] plus `groups` (bulk imports) after the regular offers: the regular
    /// offers stay the same as without groups.
    pub fn generate_with(config: UniverseConfig, groups: &[Group]) -> Universe {
        let mut rng = fastrand::Rng::with_seed(config.seed);
        let now = config.now.timestamp_millis();
        let span = (config.months.max(1) as f64 * 30.4375 * DAY_MS as f64) as i64;
        let tables = Tables {
            dept: cumulative(DEPTS.iter().map(|d| d.weight)),
            rome: cumulative(ROMES.iter().map(|r| r.weight)),
            contract: cumulative(catalog::CONTRACTS.iter().map(|c| c.1 as f64)),
        };
        let future =
            ((config.offers as f64) * config.future_days as f64 / FUTURE_LIFETIME_DAYS) as usize;
        let total = config.offers + future;
        let mut recs = Vec::with_capacity(total);
        for i in 0..total {
            let (created, withdrawn) = if i < config.offers {
                // Active offers: most were created recently (older ones have been withdrawn), with a
                // long tail over the whole span.
                let age = if rng.f64() < 0.7 {
                    (exp(&mut rng, 25.0) * DAY_MS as f64) as i64 % span
                } else {
                    (rng.f64() * span as f64) as i64
                };
                let created = now - age.clamp(1000, span - 1000);
                let withdrawn = now + 3_600_000 + (exp(&mut rng, 30.0) * DAY_MS as f64) as i64;
                (created, withdrawn)
            } else {
                let created =
                    now + 1000 + (rng.f64() * (config.future_days as f64) * DAY_MS as f64) as i64;
                (
                    created,
                    created + 3_600_000 + (exp(&mut rng, 35.0) * DAY_MS as f64) as i64,
                )
            };
            recs.push(make_rec(
                &mut rng, &tables, i as u32, created, withdrawn, None, None, true,
            ));
        }
        let mut grng = fastrand::Rng::with_seed(config.seed ^ 0xB01C);
        for g in groups {
            for _ in 0..g.offers {
                let idx = recs.len() as u32;
                let withdrawn =
                    g.created.max(now) + 3_600_000 + (exp(&mut grng, 30.0) * DAY_MS as f64) as i64;
                recs.push(make_rec(
                    &mut grng, &tables, idx, g.created, withdrawn, g.rome, g.dept, false,
                ));
            }
        }
        let ids = IdCodec::new(config.seed);
        let mut u = Universe {
            config,
            recs,
            pos_of_idx: Vec::new(),
            ids,
            words: WordIndex::build(),
            tables,
            reposts: Vec::new(),
            live: RwLock::new(Live::default()),
            churned: AtomicBool::new(false),
        };
        u.plant_reposts();
        u.recs
            .sort_unstable_by(|x, y| y.created.cmp(&x.created).then(x.idx.cmp(&y.idx)));
        u.pos_of_idx = vec![0u32; u.recs.len()];
        for (p, r) in u.recs.iter().enumerate() {
            u.pos_of_idx[r.idx as usize] = p as u32;
        }
        u
    }

    /// Adds `reposts × offers` reposts (after every other draw, from their own random stream, so
    /// the other offers do not change) and records (repost, original) indices. An original has an
    /// employer and a département (an anonymous repost cannot be told from another anonymous
    /// offer), is not itself a repost, and is reposted at most once.
    fn plant_reposts(&mut self) {
        let wanted = (self.config.offers as f64 * self.config.reposts).round() as usize;
        let mut rng = fastrand::Rng::with_seed(self.config.seed ^ 0x5E90_5700);
        let now = self.config.now.timestamp_millis();
        let originals = self.recs.len();
        let mut used = HashSet::new();
        let mut tries = 0;
        while self.reposts.len() < wanted && originals > 0 && tries < wanted * 20 {
            tries += 1;
            let o = self.recs[rng.usize(..originals)];
            if o.dept == NO_DEPT
                || render(self, &o, now).entreprise.nom.is_none()
                || !used.insert(o.idx)
            {
                continue;
            }
            let idx = self.recs.len() as u32;
            // Reposted a few hours to a few weeks later, while or after the original is online.
            let created = o.created + 3_600_000 + (exp(&mut rng, 6.0) * DAY_MS as f64) as i64;
            let withdrawn = created + 3_600_000 + (exp(&mut rng, 30.0) * DAY_MS as f64) as i64;
            self.recs.push(Rec {
                created: created / 1000 * 1000,
                withdrawn,
                updated: 0,
                idx,
                ..o
            });
            self.reposts.push((idx, o.idx));
        }
    }

    pub fn len(&self) -> usize {
        self.recs.len()
    }

    /// `n` offers for the Adzuna universe to copy (drawn from their own random stream): active at
    /// the start, with an employer and a département, not reposts, each copied once.
    pub fn adzuna_copy_sources(&self, n: usize) -> Vec<CopySource> {
        let mut rng = fastrand::Rng::with_seed(self.config.seed ^ 0xAD2A_C0B1);
        let now = self.config.now.timestamp_millis();
        let mut used = HashSet::new();
        let mut out = Vec::with_capacity(n);
        let mut tries = 0;
        while out.len() < n && !self.recs.is_empty() && tries < n * 50 {
            tries += 1;
            let r = self.recs[rng.usize(..self.recs.len())];
            if r.dept == NO_DEPT || r.content != r.idx || !r.is_active(now) || !used.insert(r.idx) {
                continue;
            }
            let o = render(self, &r, now);
            let Some(company) = o.entreprise.nom else {
                continue;
            };
            let town = o
                .lieu_travail
                .libelle
                .split_once(" - ")
                .map_or(o.lieu_travail.libelle.as_str(), |(_, t)| t)
                .to_string();
            out.push(CopySource {
                id: o.id,
                title: o.intitule,
                company,
                dept: r.dept,
                town,
                description: o.description,
                contract: o.type_contrat,
                created: r.created,
            });
        }
        out
    }

    /// The truth of the planted reposts: (repost id, id of the offer it reposts).
    pub fn reposts(&self) -> Vec<(String, String)> {
        self.reposts
            .iter()
            .map(|&(r, o)| (self.ids.encode(r), self.ids.encode(o)))
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.recs.is_empty()
    }

    pub fn recs(&self) -> &[Rec] {
        &self.recs
    }

    pub fn id_of(&self, rec: &Rec) -> String {
        self.ids.encode(rec.idx)
    }

    /// The offer with this id, as it stands now: a published offer (churn) is found too, and a
    /// withdrawn one carries its withdrawal time.
    pub fn rec_by_id(&self, id: &str) -> Option<Rec> {
        let idx = self.ids.decode(id)?;
        let handle = match self.pos_of_idx.get(idx as usize) {
            Some(&pos) => pos,
            None if self.churned.load(Relaxed) => {
                let live = self.live.read().unwrap_or_else(|e| e.into_inner());
                let k = (idx as usize).checked_sub(self.recs.len())?;
                live.published.get(k)?;
                idx
            }
            None => return None,
        };
        Some(self.rec_at(handle))
    }

    /// The offer behind a search handle (see [`Universe::search_live`]), withdrawals applied.
    pub fn rec_at(&self, handle: u32) -> Rec {
        let base = self.recs.len();
        if !self.churned.load(Relaxed) {
            return self.recs[handle as usize];
        }
        let live = self.live.read().unwrap_or_else(|e| e.into_inner());
        let mut r = if (handle as usize) < base {
            self.recs[handle as usize]
        } else {
            live.published[handle as usize - base].0
        };
        if let Some(&(_, at)) = live.withdrawn.get(&handle) {
            r.withdrawn = r.withdrawn.min(at);
        }
        r
    }

    /// Renders the offer behind a search handle.
    pub fn render_handle(&self, handle: u32, now: i64) -> SimOffer {
        if (handle as usize) < self.recs.len() {
            return self.render(handle, now);
        }
        render(self, &self.rec_at(handle), now)
    }

    /// The contract type index of the offer behind a handle.
    pub fn contract_at(&self, handle: u32) -> u8 {
        match self.recs.get(handle as usize) {
            Some(r) => r.contract,
            None => self.rec_at(handle).contract,
        }
    }

    /// Like [`Universe::search`], with the churn applied: withdrawn offers left out, published
    /// ones merged in (creation date descending, then index). Returns handles (positions in
    /// `recs()` for the generated offers).
    pub fn search_live(&self, q: &Query, now: i64) -> Vec<u32> {
        if !self.churned.load(Relaxed) {
            return self.search(q, now);
        }
        let live = self.live.read().unwrap_or_else(|e| e.into_inner());
        let mut out = self.search(q, now);
        out.retain(|h| !live.withdrawn.contains_key(h));
        let since = q.publiee_depuis_days.map(|d| now - d as i64 * DAY_MS);
        let kw = self.words.matcher(&q.keywords);
        let base = self.recs.len();
        let before = out.len();
        for (k, (r, _)) in live.published.iter().enumerate() {
            let h = (base + k) as u32;
            if !r.is_active(now) || live.withdrawn.contains_key(&h) {
                continue;
            }
            if let Some((min, max)) = q.window
                && (r.created < min || r.created > max + 999)
            {
                continue;
            }
            if self.passes(q, r, since, kw.as_ref()) {
                out.push(h);
            }
        }
        if out.len() > before {
            let key = |h: u32| {
                let r = if (h as usize) < base {
                    &self.recs[h as usize]
                } else {
                    &live.published[h as usize - base].0
                };
                (std::cmp::Reverse(r.created), r.idx)
            };
            out.sort_by_key(|&h| key(h));
            if q.relevance_sort
                && let Some(m) = &kw
            {
                out.sort_by_key(|&h| {
                    let r = if (h as usize) < base {
                        &self.recs[h as usize]
                    } else {
                        &live.published[h as usize - base].0
                    };
                    std::cmp::Reverse(m.title_hits(r))
                });
            }
        }
        out
    }

    /// One churn step at `now`: withdraws up to `withdraw` random online offers and publishes
    /// `publish` new ones created a random lag in `[0, max_lag_ms]` before `now` (half of them
    /// among `favoured` ROME codes, the others drawn as usual). Returns (withdrawn, published).
    pub fn churn(
        &self,
        withdraw: u32,
        publish: u32,
        max_lag_ms: i64,
        favoured: &[u8],
        now: i64,
        rng: &mut fastrand::Rng,
    ) -> (u32, u32) {
        let mut live = self.live.write().unwrap_or_else(|e| e.into_inner());
        self.churned.store(true, Relaxed);
        live.step += 1;
        let step = live.step;
        let base = self.recs.len();
        let mut withdrawn = 0;
        let mut tries = 0u32;
        while withdrawn < withdraw && tries < withdraw.saturating_mul(200).max(200) {
            tries += 1;
            let n = base + live.published.len();
            if n == 0 {
                break;
            }
            let h = rng.u32(..n as u32);
            let r = if (h as usize) < base {
                &self.recs[h as usize]
            } else {
                &live.published[h as usize - base].0
            };
            if !r.is_active(now) || live.withdrawn.contains_key(&h) {
                continue;
            }
            live.withdrawn.insert(h, (step, now));
            withdrawn += 1;
        }
        for _ in 0..publish {
            let idx = (base + live.published.len()) as u32;
            let created = now - rng.i64(0..=max_lag_ms.max(0));
            let wd = now + 3_600_000 + (exp(rng, 30.0) * DAY_MS as f64) as i64;
            let rome =
                (!favoured.is_empty() && rng.bool()).then(|| favoured[rng.usize(..favoured.len())]);
            let r = make_rec(rng, &self.tables, idx, created, wd, rome, None, false);
            live.published.push((r, step));
        }
        (withdrawn, publish)
    }

    /// The current point of the churn history.
    pub fn mark(&self, now: i64) -> Mark {
        let live = self.live.read().unwrap_or_else(|e| e.into_inner());
        Mark {
            step: live.step,
            now,
        }
    }

    /// Offers withdrawn and published by the churn so far.
    pub fn churn_counts(&self) -> (u64, u64) {
        let live = self.live.read().unwrap_or_else(|e| e.into_inner());
        (live.withdrawn.len() as u64, live.published.len() as u64)
    }

    /// Ids matching `q` online at every moment from `mark` to `now` (first set) and at some moment
    /// (second set). The window is read as asked: both bounds included, at second level.
    pub fn truth(&self, mark: &Mark, q: &Query, now: i64) -> (BTreeSet<String>, BTreeSet<String>) {
        let live = self.live.read().unwrap_or_else(|e| e.into_inner());
        let since = q.publiee_depuis_days.map(|d| now - d as i64 * DAY_MS);
        let kw = self.words.matcher(&q.keywords);
        let window = q
            .window
            .map(|(a, b)| (a.div_euclid(1000), b.div_euclid(1000)));
        let (mut stayed, mut ever) = (BTreeSet::new(), BTreeSet::new());
        let all = self
            .recs
            .iter()
            .map(|r| (r, 0u64))
            .chain(live.published.iter().map(|(r, s)| (r, *s)));
        for (h, (r, published)) in all.enumerate() {
            let w = live
                .withdrawn
                .get(&(h as u32))
                .map_or(u64::MAX, |&(s, _)| s);
            let ever_online = published <= live.step
                && w > mark.step
                && r.created <= now
                && r.withdrawn > mark.now;
            if !ever_online {
                continue;
            }
            if let Some((min, max)) = window {
                let s = r.created.div_euclid(1000);
                if s < min || s > max {
                    continue;
                }
            }
            if !self.passes(q, r, since, kw.as_ref()) {
                continue;
            }
            let id = self.id_of(r);
            if published <= mark.step && w == u64::MAX && r.created <= mark.now && r.withdrawn > now
            {
                stayed.insert(id.clone());
            }
            ever.insert(id);
        }
        (stayed, ever)
    }

    /// The filters of a search other than the window and the activity.
    fn passes(&self, q: &Query, r: &Rec, since: Option<i64>, kw: Option<&KeywordMatcher>) -> bool {
        if let Some(s) = since
            && r.created < s
        {
            return false;
        }
        if let Some(romes) = &q.romes
            && !romes.contains(&r.rome)
        {
            return false;
        }
        if let Some(depts) = &q.depts
            && !depts.contains(&r.dept)
        {
            return false;
        }
        if let Some(c) = &q.contracts
            && !c.contains(&r.contract)
        {
            return false;
        }
        if let Some(communes) = &q.communes
            && !communes
                .iter()
                .any(|c| Some(c.as_str()) == commune_of(r).map(|x| x.0))
        {
            return false;
        }
        if let Some(m) = kw
            && !m.matches(r)
        {
            return false;
        }
        true
    }

    /// Positions (in creation-descending order) of the offers matching `q` at `now`.
    pub fn search(&self, q: &Query, now: i64) -> Vec<u32> {
        // The window selects a contiguous run of the sorted records.
        let (lo, hi) = match q.window {
            Some((min, max)) => {
                let max_incl = max + 999;
                let start = self.recs.partition_point(|r| r.created > max_incl);
                let end = self.recs.partition_point(|r| r.created >= min);
                (start, end.max(start))
            }
            None => (0, self.recs.len()),
        };
        let since = q.publiee_depuis_days.map(|d| now - d as i64 * DAY_MS);
        let kw = self.words.matcher(&q.keywords);
        let mut out: Vec<u32> = Vec::new();
        for (p, r) in self.recs[lo..hi].iter().enumerate() {
            if r.is_active(now) && self.passes(q, r, since, kw.as_ref()) {
                out.push((lo + p) as u32);
            }
        }
        if q.relevance_sort
            && let Some(m) = &kw
        {
            // Relevance first (keywords in the title), then the date order; stable.
            out.sort_by_key(|&p| std::cmp::Reverse(m.title_hits(&self.recs[p as usize])));
        }
        out
    }

    /// Renders the offer at position `pos` as the API's JSON object, as seen at `now`.
    pub fn render(&self, pos: u32, now: i64) -> SimOffer {
        render(self, &self.recs[pos as usize], now)
    }

    /// Renders by record.
    pub fn render_rec(&self, rec: &Rec, now: i64) -> SimOffer {
        render(self, rec, now)
    }

    /// Ids of the active offers at `now` matching `q` (for tests: the exact expected set).
    pub fn ids_matching(&self, q: &Query, now: i64) -> Vec<String> {
        self.search_live(q, now)
            .into_iter()
            .map(|h| self.id_of(&self.rec_at(h)))
            .collect()
    }
}

/// One offer's random fields, drawn in a fixed order (the regular offers' draws must not change).
/// `rome`/`dept` override the drawn values; `jitter` moves the creation time within its second
/// (half of the offers keep the exact second, so second-level collisions happen).
#[allow(clippy::too_many_arguments)]
fn make_rec(
    rng: &mut fastrand::Rng,
    tables: &Tables,
    idx: u32,
    created: i64,
    withdrawn: i64,
    rome: Option<u8>,
    dept: Option<u8>,
    jitter: bool,
) -> Rec {
    let updated = if rng.f64() < 0.15 {
        let t = created + ((withdrawn - created) as f64 * rng.f64()) as i64;
        if t > created + 60_000 && t < withdrawn {
            t
        } else {
            0
        }
    } else {
        0
    };
    let drawn_dept = if rng.f64() < geo::NO_DEPT_SHARE {
        NO_DEPT
    } else {
        pick(&tables.dept, rng) as u8
    };
    let dept = dept.unwrap_or(drawn_dept);
    let drawn_rome = pick(&tables.rome, rng) as u8;
    let rome = rome.unwrap_or(drawn_rome);
    let title = rng.usize(..ROMES[rome as usize].titles.len()) as u8;
    let contract = pick(&tables.contract, rng) as u8;
    let n = catalog::PARAGRAPHS.len();
    let a = rng.usize(..n) as u8;
    let b = rng.usize(..n) as u8;
    let c = if rng.bool() {
        rng.usize(..n) as u8
    } else {
        NO_PARA
    };
    let place = rng.usize(..geo::NO_DEPT_PLACES.len()) as u8;
    let created = if jitter {
        created - created.rem_euclid(1000) + if rng.f64() < 0.5 { 0 } else { rng.i64(0..1000) }
    } else {
        created
    };
    Rec {
        created,
        withdrawn,
        updated,
        idx,
        content: idx,
        dept,
        rome,
        contract,
        title,
        paras: [a, b, c],
        place,
    }
}

/// `text` with its accented letters and apostrophes as HTML entities, as some partner feeds send
/// descriptions (`t&eacute;l&eacute;travail`, `l&#39;&eacute;quipe`).
fn escape_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            'é' => out.push_str("&eacute;"),
            'è' => out.push_str("&egrave;"),
            'ê' => out.push_str("&ecirc;"),
            'à' => out.push_str("&agrave;"),
            'ç' => out.push_str("&ccedil;"),
            'ô' => out.push_str("&ocirc;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn exp(rng: &mut fastrand::Rng, mean: f64) -> f64 {
    -mean * (1.0 - rng.f64()).ln()
}

fn cumulative(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut acc = 0.0;
    let mut v: Vec<f64> = weights
        .map(|w| {
            acc += w;
            acc
        })
        .collect();
    for x in &mut v {
        *x /= acc;
    }
    v
}

fn pick(table: &[f64], rng: &mut fastrand::Rng) -> usize {
    let x = rng.f64();
    table.partition_point(|&c| c <= x).min(table.len() - 1)
}

/// The commune of an offer: (INSEE code, postal code, town, lat, lon).
fn commune_of(r: &Rec) -> Option<(&'static str, &'static str, &'static str, f64, f64)> {
    let d = DEPTS.get(r.dept as usize)?;
    if d.code == "75" {
        let (town, insee, postal, lat, lon) = geo::PARIS[r.content as usize % geo::PARIS.len()];
        return Some((insee, postal, town, lat, lon));
    }
    Some((d.insee, d.postal, d.town, d.lat, d.lon))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Universe {
        Universe::generate(UniverseConfig {
            seed: 42,
            offers: 5000,
            months: 14,
            now: Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap(),
            future_days: 10,
            reposts: 0.0,
        })
    }

    #[test]
    fn ids_are_unique_and_decode() {
        let u = small();
        let mut seen = HashSet::new();
        for r in u.recs() {
            let id = u.id_of(r);
            assert_eq!(id.len(), 7);
            assert!(seen.insert(id.clone()));
            assert_eq!(u.rec_by_id(&id).unwrap().idx, r.idx);
        }
        assert!(u.rec_by_id("bad").is_none());
    }

    #[test]
    fn same_seed_same_universe() {
        let a = small();
        let b = small();
        let now = a.config.now.timestamp_millis();
        assert_eq!(a.len(), b.len());
        for p in [0u32, 10, 999, 4000] {
            let x = serde_json::to_string(&a.render(p, now)).unwrap();
            let y = serde_json::to_string(&b.render(p, now)).unwrap();
            assert_eq!(x, y);
        }
    }

    #[test]
    fn planted_reposts_show_their_originals_content_under_a_new_id() {
        let mut config = small().config.clone();
        config.reposts = REPOST_SHARE;
        let u = Universe::generate(config);
        let plain = small();
        let reposts = u.reposts();
        assert_eq!(reposts.len(), 100, "2% of 5000");
        assert_eq!(u.len(), plain.len() + 100);
        // The other offers are unchanged.
        let now = u.config.now.timestamp_millis();
        for p in [0u32, 77, 4000] {
            let r = plain.recs()[p as usize];
            let same = u.rec_by_id(&plain.id_of(&r)).unwrap();
            assert_eq!(
                serde_json::to_string(&render(&u, &same, now)).unwrap(),
                serde_json::to_string(&plain.render(p, now)).unwrap()
            );
        }
        for (repost, original) in &reposts {
            let (r, o) = (u.rec_by_id(repost).unwrap(), u.rec_by_id(original).unwrap());
            assert!(r.created > o.created);
            let (r, o) = (render(&u, &r, now), render(&u, &o, now));
            assert_ne!(r.id, o.id);
            assert_eq!(r.intitule.to_lowercase(), o.intitule.to_lowercase());
            assert_eq!(r.entreprise.nom, o.entreprise.nom);
            assert!(o.entreprise.nom.is_some());
            assert_eq!(r.lieu_travail.libelle, o.lieu_travail.libelle);
            // The original may have been updated since (a line appended).
            assert!(o.description.starts_with(&r.description));
        }
        let upper = reposts
            .iter()
            .filter(|(r, _)| {
                let o = render(&u, &u.rec_by_id(r).unwrap(), now);
                o.intitule == o.intitule.to_uppercase()
            })
            .count();
        assert!((30..=70).contains(&upper), "{upper}");
    }

    #[test]
    fn some_descriptions_are_html_escaped() {
        let u = small();
        let now = u.config.now.timestamp_millis();
        let escaped = (0..5000u32)
            .filter(|&p| u.render(p, now).description.contains("&eacute;"))
            .count();
        // 2.2% drawn; a few escaped texts have no é.
        assert!((70..=150).contains(&escaped), "{escaped}");
        assert_eq!(
            escape_entities("l'équipe à Besançon"),
            "l&#39;&eacute;quipe &agrave; Besan&ccedil;on"
        );
    }

    #[test]
    fn active_offers_and_window() {
        let u = small();
        let now = u.config.now.timestamp_millis();
        let all = u.search(&Query::default(), now);
        assert_eq!(all.len(), 5000, "every non-future offer is active at start");
        let later = now + 30 * DAY_MS;
        let after = u.search(&Query::default(), later);
        assert_ne!(after.len(), 5000);
        // A window selects exactly the offers created in it (seconds, inclusive).
        let min = now - 10 * DAY_MS;
        let q = Query {
            window: Some((min - min % 1000, now - now % 1000)),
            ..Default::default()
        };
        let got = u.search(&q, now);
        let expected = u
            .recs()
            .iter()
            .filter(|r| r.is_active(now) && r.created >= min - min % 1000 && r.created <= now)
            .count();
        assert_eq!(got.len(), expected);
        // Results are in creation-descending order.
        for w in got.windows(2) {
            assert!(u.recs()[w[0] as usize].created >= u.recs()[w[1] as usize].created);
        }
    }

    #[test]
    fn keywords_are_and_combined_and_accent_insensitive() {
        let u = small();
        let now = u.config.now.timestamp_millis();
        let de = u.search(
            &Query {
                keywords: vec!["data".into(), "engineer".into()],
                ..Default::default()
            },
            now,
        );
        let d = u.search(
            &Query {
                keywords: vec!["data".into()],
                ..Default::default()
            },
            now,
        );
        assert!(!de.is_empty() && de.len() < d.len());
        let t = u.search(
            &Query {
                keywords: vec![fold("télétravail")],
                ..Default::default()
            },
            now,
        );
        let t2 = u.search(
            &Query {
                keywords: vec!["teletravail".into()],
                ..Default::default()
            },
            now,
        );
        assert_eq!(t, t2);
        assert!(!t.is_empty());
    }
}
