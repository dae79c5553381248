//! Synthetic national data (`khuyenhoc gen --scale S [--seed N]`): a database filled with
//! realistic data on the real 2025 map, for load tests and demonstrations at country scale.
//!
//! At `--scale 1`: about 100,000 branches (≈30 per commune), 4.5 million people with
//! Vietnamese names, 1.1 million members, 10 million citizen evaluations over 2024–2026, families,
//! clans and organisations with their members and evaluations, community and unit evaluations of
//! the branches, funds at every level with 1 million balanced ledger entries and gap-free
//! voucher numbers, populations, the reports of communes and provinces for 2025-Y and 2026-H1,
//! and the live counters rebuilt from the raw rows. Smaller scales take a share of everything
//! (communes are sampled systematically, so a small scale still spreads over the country).
//!
//! Invariants:
//! - **Deterministic**: the same scale and seed on the same prepared database give identical rows
//!   (ids included). Every random draw comes from a `StdRng` seeded from the seed and the name of
//!   the phase; times are fixed dates, never the clock. [`checksum`] sums the rows so that two
//!   runs (or two backends) can be compared.
//! - **Once per database**: the first thing written is an audit entry (entity `synthetic_data`)
//!   that marks the database; a second run is refused.
//! - **Fast**: rows go in multi-row INSERTs inside large transactions ([`bulk`]); indexes and
//!   foreign keys stay in place, so the data is checked like any other.
//! - **Counted**: the live report counters are rebuilt from the raw rows by set-based SQL
//!   ([`counters::rebuild`]), with exactly the rules of `reports::counters::recount`.

mod bulk;
mod checksum;
pub mod counters;
mod evals;
mod groups;
mod ledger;
mod map;
mod names;
mod people;
mod reports;

pub use checksum::checksum;

use crate::config::Settings;
use crate::db::{Backend, Db};
use anyhow::Context;
use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::SeedableRng;
use sqlx::Row;
use std::collections::BTreeMap;
use std::time::Instant;

/// `khuyenhoc gen`.
#[derive(clap::Args, Debug, Clone)]
pub struct GenArgs {
    /// How much data: 1 = 100,000 branches, 10 million citizen evaluations, 1 million ledger
    /// entries; 0.01 for a quick run. A decimal from 0.0001 to 10.
    #[arg(long, value_parser = parse_scale)]
    pub scale: f64,
    /// The seed of every random choice: the same seed gives the same data.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Print a checksum of the generated rows at the end (reads them all again), to compare
    /// two runs or two backends.
    #[arg(long)]
    pub checksum: bool,
}

pub const MIN_SCALE: f64 = 0.0001;
pub const MAX_SCALE: f64 = 10.0;

/// Reads `--scale`: a decimal number (`0.01`, `1`, `2.5`; a comma is accepted as the decimal
/// mark) from [`MIN_SCALE`] to [`MAX_SCALE`].
pub fn parse_scale(s: &str) -> Result<f64, String> {
    let bad = || {
        format!(
            "--scale phải là một số thập phân từ 0.0001 đến 10 (ví dụ 0.01 hoặc 1), không phải {s:?} / \
             --scale must be a decimal number from 0.0001 to 10 (e.g. 0.01 or 1), not {s:?}"
        )
    };
    let v: f64 = s.trim().replace(',', ".").parse().map_err(|_| bad())?;
    if v.is_finite() && (MIN_SCALE..=MAX_SCALE).contains(&v) {
        Ok(v)
    } else {
        Err(bad())
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub scale: f64,
    pub seed: u64,
    /// No progress lines (tests).
    pub quiet: bool,
}

/// The time and size of one phase.
#[derive(Debug, Clone)]
pub struct Phase {
    pub name: &'static str,
    pub rows: u64,
    pub seconds: f64,
}

/// What a run wrote: rows per table (and per evaluation model as `evaluations.{model}`), and the
/// phases with their times.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub counts: BTreeMap<String, u64>,
    pub phases: Vec<Phase>,
}

impl Summary {
    pub fn count(&self, key: &str) -> u64 {
        self.counts.get(key).copied().unwrap_or(0)
    }

    fn add(&mut self, key: &str, n: u64) {
        *self.counts.entry(key.to_owned()).or_insert(0) += n;
    }

    fn phase(&mut self, name: &'static str, rows: u64, started: Instant, quiet: bool) {
        let seconds = started.elapsed().as_secs_f64();
        if !quiet {
            println!(
                "{name:<22} {:>12} rows {:>8.1} s {:>10} rows/s",
                thousands(rows),
                seconds,
                thousands((rows as f64 / seconds.max(1e-3)) as u64)
            );
        }
        self.phases.push(Phase {
            name,
            rows,
            seconds,
        });
    }
}

/// 1234567 → "1,234,567".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let groups: Vec<&str> = digits
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|g| std::str::from_utf8(g).unwrap_or(""))
        .collect();
    groups.join(",")
}

/// The command: opens and prepares the database like every other command, then generates.
pub async fn run(settings: &Settings, args: GenArgs) -> anyhow::Result<()> {
    let db = Db::connect(
        &settings.database_url,
        settings.database_max_connections.max(2),
        settings.sqlite_synchronous,
    )
    .await?;
    crate::prepare(&db).await?;
    println!(
        "Sinh dữ liệu mẫu toàn quốc: scale {}, seed {} / generating national synthetic data: scale {}, seed {}",
        args.scale, args.seed, args.scale, args.seed
    );
    let started = Instant::now();
    let summary = generate(
        &db,
        &Options {
            scale: args.scale,
            seed: args.seed,
            quiet: false,
        },
    )
    .await?;
    let total: u64 = summary.phases.iter().map(|p| p.rows).sum();
    println!(
        "Xong / done: {} rows in {:.1} s",
        thousands(total),
        started.elapsed().as_secs_f64()
    );
    for (k, v) in &summary.counts {
        println!("  {k:<28} {:>12}", thousands(*v));
    }
    if args.checksum {
        println!("checksum {}", checksum(&db).await?);
    }
    db.pool.close().await;
    Ok(())
}

/// The marker of a database that already holds generated data: the `after_json` of its audit
/// entry.
pub async fn marker(db: &Db) -> anyhow::Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT after_json FROM audit_log WHERE entity = 'synthetic_data' ORDER BY id LIMIT 1",
    )
    .fetch_optional(&db.pool)
    .await?)
}

/// Fills the database (prepared by `crate::prepare`) with synthetic data. Refuses a database
/// that already holds generated data.
pub async fn generate(db: &Db, opts: &Options) -> anyhow::Result<Summary> {
    if let Some(m) = marker(db).await? {
        anyhow::bail!(
            "Cơ sở dữ liệu này đã có dữ liệu mẫu ({m}); hãy sinh vào một cơ sở dữ liệu mới \
             (xoá tệp SQLite, hoặc tạo database PostgreSQL mới) / this database already holds \
             generated data ({m}): generate into a new one (delete the SQLite file, or create a \
             new PostgreSQL database). The marker is the audit_log entry with entity = 'synthetic_data'."
        );
    }
    let mut cx = Ctx::load(db, opts).await?;
    let mut s = Summary::default();
    let q = opts.quiet;

    let t = Instant::now();
    let n = map::branches(db, &mut cx, &mut s).await?;
    s.phase("branches", n, t, q);
    let t = Instant::now();
    let n = people::people(db, &mut cx, &mut s).await?;
    s.phase("people", n, t, q);
    let t = Instant::now();
    let n = people::members(db, &mut cx, &mut s).await?;
    s.phase("members, populations", n, t, q);
    let t = Instant::now();
    let n = groups::groups(db, &mut cx, &mut s).await?;
    s.phase("families, clans, orgs", n, t, q);
    let t = Instant::now();
    let n = evals::citizens(db, &mut cx, &mut s).await?;
    s.phase("citizen evaluations", n, t, q);
    let t = Instant::now();
    let n = evals::groups_and_units(db, &mut cx, &mut s).await?;
    s.phase("other evaluations", n, t, q);
    let t = Instant::now();
    let n = ledger::funds(db, &mut cx, &mut s).await?;
    s.phase("funds and ledger", n, t, q);
    let t = Instant::now();
    let n = counters::rebuild(db).await?;
    s.add("counters", n);
    s.phase("counters", n, t, q);
    // Statistics of the map: without them SQLite counts a unit's branches (`reports::figures`)
    // by scanning every branch of the country through `units_level_code` instead of the path
    // range, which makes each report's figures cost tens of milliseconds at scale 1.
    if db.backend == Backend::Sqlite {
        sqlx::query("ANALYZE units").execute(&db.pool).await?;
    }
    let t = Instant::now();
    let n = reports::reports(db, &mut cx, &mut s).await?;
    s.phase("reports", n, t, q);
    let t = Instant::now();
    finish(db, &cx, &s).await?;
    s.phase("finish", 0, t, q);
    Ok(s)
}

/// The first day of the synthetic data's clock: what `created_at` counts from.
pub const EPOCH_DATE: (i32, u32, u32) = (2025, 7, 1);
/// The day the synthetic data describes ("today" for it): the end of 2026-H1.
pub const AS_OF: (i32, u32, u32) = (2026, 6, 30);
/// Years of evaluations.
pub const YEARS: [i32; 3] = [2024, 2025, 2026];

pub fn date(ymd: (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(ymd.0, ymd.1, ymd.2).unwrap_or(NaiveDate::MIN)
}

/// Unix seconds of a day plus `secs` seconds.
pub fn at(d: NaiveDate, secs: i64) -> i64 {
    (d - date((1970, 1, 1))).num_days() * 86_400 + secs
}

/// A day between `from` and `to` (both included).
pub fn day_between(rng: &mut StdRng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    use rand::Rng;
    let span = (to - from).num_days().max(0);
    from + chrono::Duration::days(rng.gen_range(0..=span))
}

pub fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The random stream of one phase (and one part of it): independent of every other stream, so
/// a phase draws the same numbers whatever the phases before it did.
pub fn stream(seed: u64, name: &str, part: u64) -> StdRng {
    // FNV-1a of the name, then SplitMix64 of the three.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut x = seed ^ h.rotate_left(17) ^ part.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    StdRng::seed_from_u64(x ^ (x >> 31))
}

/// Systematic sampling: spreads `total` items over buckets in proportion to `weights`, so that
/// each bucket gets the floor or the ceiling of its share, and small totals land on buckets
/// spread evenly along the list (with a random start).
pub fn allocate(total: u64, weights: &[f64], rng: &mut StdRng) -> Vec<u64> {
    use rand::Rng;
    let sum: f64 = weights.iter().sum();
    if total == 0 || sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let step = sum / total as f64;
    let start = rng.gen_range(0.0..step);
    // Points start + k·step at or below x.
    let upto = |x: f64| -> u64 {
        if x < start {
            0
        } else {
            (((x - start) / step).floor() as u64 + 1).min(total)
        }
    };
    let mut out = Vec::with_capacity(weights.len());
    let (mut acc, mut before) = (0.0, 0);
    for (i, w) in weights.iter().enumerate() {
        acc += w;
        let now = if i + 1 == weights.len() {
            total
        } else {
            upto(acc)
        };
        out.push(now.saturating_sub(before));
        before = now.max(before);
    }
    out
}

/// Targets at a scale.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub branches: u64,
    pub people: u64,
    pub ledger_entries: u64,
    pub families: u64,
    pub clans: u64,
    pub organisations: u64,
}

impl Plan {
    pub fn at(scale: f64) -> Plan {
        let n = |base: f64| (base * scale).round() as u64;
        Plan {
            branches: n(100_000.0).max(1),
            people: n(4_500_000.0).max(1),
            ledger_entries: n(1_000_000.0),
            families: n(400_000.0),
            clans: n(20_000.0),
            organisations: n(10_000.0),
        }
    }
}

/// A commune of the map.
#[derive(Debug, Clone)]
pub struct Commune {
    pub id: i64,
    pub code: String,
    pub name: String,
    /// `xa`, `phuong`, `dac_khu`.
    pub kind: String,
    pub path: String,
    pub branch_seq: i64,
    pub disadvantaged: bool,
    /// Index into `Ctx::provinces`.
    pub province: usize,
    /// Branches generated here (indexes into `Ctx::branches`).
    pub branches: std::ops::Range<usize>,
}

#[derive(Debug, Clone)]
pub struct Province {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub path: String,
}

/// Branch kinds generated, by index.
pub const KINDS: [&str; 5] = ["village", "school", "agency", "enterprise", "armed_forces"];

#[derive(Debug, Clone)]
pub struct Branch {
    pub id: i64,
    pub commune: usize,
    /// Index into [`KINDS`].
    pub kind: u8,
    pub name: String,
    /// People of the branch: indexes into `Ctx::people` (their ids are `first_person_id + i`).
    pub people: std::ops::Range<usize>,
}

/// A person as the later phases need them.
#[derive(Debug, Clone, Copy)]
pub struct Person {
    pub branch: u32,
    pub birth_year: u16,
    /// Index into the citizen form groups of [`SetInfo::form_groups`].
    pub form_group: u8,
    pub name: names::NameIdx,
}

/// What the generator needs of a criteria set.
#[derive(Debug, Clone)]
pub struct SetInfo {
    pub id: i64,
    pub version: i64,
    pub threshold: u32,
    pub reduced: Option<u32>,
    pub levels: Vec<(u8, u32)>,
    pub max_total: u32,
    pub form_groups: Vec<String>,
}

impl SetInfo {
    /// The level reached with `total` points, when the set has levels.
    pub fn level(&self, total: u32) -> Option<i64> {
        self.levels
            .iter()
            .filter(|(_, t)| total >= *t)
            .map(|(l, _)| i64::from(*l))
            .max()
    }
}

/// The shared state of a run.
pub struct Ctx {
    pub seed: u64,
    pub plan: Plan,
    pub quiet: bool,
    pub names: names::Names,
    pub provinces: Vec<Province>,
    pub communes: Vec<Commune>,
    pub branches: Vec<Branch>,
    pub people: Vec<Person>,
    pub first_person_id: i64,
    pub groups: Vec<groups::Group>,
    pub scale: f64,
    /// National criteria sets by model, oldest version first.
    pub sets: BTreeMap<String, Vec<SetInfo>>,
    /// Phones already taken before the run.
    pub taken_phones: std::collections::HashSet<String>,
    /// Next id per table.
    next: BTreeMap<&'static str, i64>,
}

impl Ctx {
    async fn load(db: &Db, opts: &Options) -> anyhow::Result<Ctx> {
        let (provinces, communes) = map::load(db).await?;
        anyhow::ensure!(
            !communes.is_empty(),
            "the database has no communes: run `khuyenhoc import-units` first"
        );
        let sets = load_sets(db).await?;
        for model in ["citizen", "family", "clan", "community", "unit"] {
            anyhow::ensure!(
                sets.get(model).is_some_and(|v| !v.is_empty()),
                "no national {model} criteria set is stored"
            );
        }
        let taken_phones = sqlx::query_scalar("SELECT phone FROM people WHERE phone IS NOT NULL")
            .fetch_all(&db.pool)
            .await?
            .into_iter()
            .collect();
        let mut next = BTreeMap::new();
        for table in TABLES_WITH_IDS {
            let max: Option<i64> = sqlx::query_scalar(&format!("SELECT MAX(id) FROM {table}"))
                .fetch_one(&db.pool)
                .await?;
            next.insert(*table, max.unwrap_or(0) + 1);
        }
        Ok(Ctx {
            seed: opts.seed,
            plan: Plan::at(opts.scale),
            quiet: opts.quiet,
            names: names::Names::new()?,
            provinces,
            communes,
            branches: vec![],
            people: vec![],
            first_person_id: 0,
            groups: vec![],
            scale: opts.scale,
            sets,
            taken_phones,
            next,
        })
    }

    /// The next id of a table (ids are given by the generator, so that rows can point at each
    /// other without reading anything back).
    pub fn id(&mut self, table: &'static str) -> i64 {
        let slot = self.next.entry(table).or_insert(1);
        let id = *slot;
        *slot += 1;
        id
    }

    pub fn rng(&self, name: &str, part: u64) -> StdRng {
        stream(self.seed, name, part)
    }

    /// The set an evaluation of `model` in `year` is made under: the newest national version
    /// not after the year, else the oldest one (the program ships 2025 sets only, so 2024
    /// evaluations are made under them).
    pub fn set(&self, model: &str, year: i32) -> anyhow::Result<&SetInfo> {
        let list = self
            .sets
            .get(model)
            .with_context(|| format!("no {model} set"))?;
        list.iter()
            .rev()
            .find(|s| s.version <= i64::from(year))
            .or_else(|| list.first())
            .with_context(|| format!("no {model} set"))
    }

    pub fn person_id(&self, index: usize) -> i64 {
        self.first_person_id + index as i64
    }

    pub fn commune_of(&self, branch: usize) -> Option<&Commune> {
        self.branches
            .get(branch)
            .and_then(|b| self.communes.get(b.commune))
    }
}

/// Tables whose ids the generator gives.
const TABLES_WITH_IDS: &[&str] = &[
    "units",
    "people",
    "members",
    "learning_groups",
    "group_members",
    "evaluations",
    "funds",
    "donors",
    "ledger_entries",
    "ledger_lines",
    "reports",
    "audit_log",
];

async fn load_sets(db: &Db) -> anyhow::Result<BTreeMap<String, Vec<SetInfo>>> {
    let rows = sqlx::query(
        "SELECT id, model, version, source FROM criteria_sets WHERE owner_code = 'VN' AND status = 'active' ORDER BY model, version",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut out: BTreeMap<String, Vec<SetInfo>> = BTreeMap::new();
    for r in rows {
        let id: i64 = r.try_get(0)?;
        let model: String = r.try_get(1)?;
        let source: String = r.try_get(3)?;
        let set = khuyenhoc_criteria::CriteriaSet::parse(&source)
            .map_err(|e| anyhow::anyhow!("stored criteria set {id} does not parse: {e:?}"))?;
        let pass = set.pass();
        out.entry(model).or_default().push(SetInfo {
            id,
            version: r.try_get(2)?,
            threshold: pass.threshold,
            reduced: pass.reduced.iter().map(|r| r.threshold).min(),
            levels: pass.levels.iter().map(|l| (l.level, l.threshold)).collect(),
            max_total: set.max_total(None).max(1),
            form_groups: set.form_groups().iter().map(|f| f.code.clone()).collect(),
        });
    }
    Ok(out)
}

/// Sequences (PostgreSQL), the closing marker, statistics.
async fn finish(db: &Db, cx: &Ctx, s: &Summary) -> anyhow::Result<()> {
    let counts: serde_json::Map<String, serde_json::Value> = s
        .counts
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::json!(v)))
        .collect();
    let id = cx.next.get("audit_log").copied().unwrap_or(1);
    sqlx::query(
        "INSERT INTO audit_log (id, at, entity, entity_id, action, after_json) VALUES ($1, $2, 'synthetic_data', $3, 'complete', $4)",
    )
    .bind(id)
    .bind(at(date(AS_OF), 0))
    .bind(format!("seed {}", cx.seed))
    .bind(serde_json::Value::Object(counts).to_string())
    .execute(&db.pool)
    .await?;
    if db.backend == Backend::Postgres {
        // Ids were given explicitly: the identity sequences continue after them.
        for table in TABLES_WITH_IDS {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            ))
            .execute(&db.pool)
            .await?;
        }
        sqlx::query("ANALYZE").execute(&db.pool).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_is_a_decimal_in_range() {
        assert_eq!(parse_scale("0.01"), Ok(0.01));
        assert_eq!(parse_scale("1"), Ok(1.0));
        assert_eq!(parse_scale("0,5"), Ok(0.5));
        for bad in ["", "abc", "0", "-1", "11", "NaN", "inf", "0.00001"] {
            let e = parse_scale(bad).expect_err(bad);
            assert!(
                e.contains("số thập phân") && e.contains("decimal number"),
                "{e}"
            );
        }
    }

    #[test]
    fn allocation_is_exact_and_proportional() {
        let mut rng = stream(1, "t", 0);
        let w = vec![1.0, 2.0, 3.0, 0.0, 4.0];
        let a = allocate(1000, &w, &mut rng);
        assert_eq!(a.iter().sum::<u64>(), 1000);
        assert!((99..=101).contains(&a[0]) && a[3] == 0 && (399..=401).contains(&a[4]));
        let few = allocate(3, &vec![1.0; 3321], &mut rng);
        assert_eq!(few.iter().sum::<u64>(), 3);
        assert!(few.iter().all(|n| *n <= 1));
    }

    #[test]
    fn streams_are_stable_and_distinct() {
        use rand::Rng;
        let a: u64 = stream(7, "people", 3).gen();
        let b: u64 = stream(7, "people", 3).gen();
        let c: u64 = stream(7, "people", 4).gen();
        let d: u64 = stream(8, "people", 3).gen();
        assert_eq!(a, b);
        assert!(a != c && a != d);
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(12), "12");
    }
}
