//! The shared state of a run: the map, the criteria sets, what earlier phases made (branches,
//! people, groups) and the next id of every table.

use crate::plan::{stream, Plan};
use crate::{groups, map, names, Options};
use anyhow::Context;
use khuyenhoc::db::Db;
use rand::rngs::StdRng;
use sqlx::Row;
use std::collections::BTreeMap;

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
    /// The years the commune is marked as a disadvantaged area (`unit_disadvantaged`).
    pub disadvantaged: std::collections::BTreeSet<i64>,
    /// Index into `Ctx::provinces`.
    pub province: usize,
    /// Branches generated here (indexes into `Ctx::branches`).
    pub branches: std::ops::Range<usize>,
}

impl Commune {
    /// Whether the commune is marked as a disadvantaged area in `year`.
    pub fn disadvantaged_in(&self, year: i64) -> bool {
        self.disadvantaged.contains(&year)
    }
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
    pub(crate) next: BTreeMap<&'static str, i64>,
}

impl Ctx {
    pub(crate) async fn load(db: &Db, opts: &Options) -> anyhow::Result<Ctx> {
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
pub(crate) const TABLES_WITH_IDS: &[&str] = &[
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
