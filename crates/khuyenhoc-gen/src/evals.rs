//! Evaluations for 2024, 2025 and 2026: citizens (about 2.2 per person over the three years, in
//! the form group of their age and work), families, clans and organisations (groups), and the
//! branches themselves (villages as Learning Communities, institutions as Learning Units). The
//! status mix follows the year: 2024 is closed, 2025 mostly decided, 2026 under way. Answers
//! are left empty (`{}`); the total, pass and level are set as the set's rules give them.

use super::bulk::{Batch, Sink, V};
use super::{at, date, day_between, Ctx, SetInfo, Summary, YEARS};
use khuyenhoc::db::Db;
use rand::distributions::{Distribution, WeightedIndex};
use rand::rngs::StdRng;
use rand::Rng;

const STATUSES: [&str; 6] = [
    "registered",
    "submitted",
    "checked",
    "returned",
    "recognised",
    "not_recognised",
];

/// Status weights (per mille, in the order of [`STATUSES`]) by year.
fn status_weights(year: i32) -> [u32; 6] {
    match year {
        2024 => [20, 10, 10, 0, 820, 140],
        2025 => [60, 80, 100, 20, 640, 100],
        _ => [500, 220, 120, 30, 100, 30],
    }
}

/// The share of people registering as Learning Citizens each year.
fn citizen_share(year: i32) -> f64 {
    match year {
        2024 => 0.62,
        2025 => 0.75,
        _ => 0.85,
    }
}

fn batch() -> Batch {
    Batch::with_fixed(
        "evaluations",
        &[
            "id",
            "model",
            "subject_kind",
            "subject_id",
            "subject_name",
            "subject_folded",
            "unit_id",
            "year",
            "set_id",
            "form_group",
            "disadvantaged",
            "status",
            "total",
            "passed",
            "level",
            "created_at",
            "updated_at",
        ],
        &[("answers", "'{}'")],
    )
}

/// An evaluation's outcome fields: (status, total, passed, level, created_at, updated_at).
struct Outcome {
    status: &'static str,
    total: i64,
    passed: bool,
    level: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

fn outcome(
    rng: &mut StdRng,
    statuses: &WeightedIndex<u32>,
    set: &SetInfo,
    disadvantaged: bool,
    year: i32,
) -> Outcome {
    let status = STATUSES[statuses.sample(rng)];
    let max = set.max_total;
    let pass = if disadvantaged {
        set.reduced.unwrap_or(set.threshold)
    } else {
        set.threshold
    }
    .min(max);
    let total = match status {
        "registered" => 0,
        "recognised" => rng.gen_range(pass..=max),
        "not_recognised" => {
            let low = pass * 4 / 10;
            if pass > low {
                rng.gen_range(low..pass)
            } else {
                0
            }
        }
        _ => rng.gen_range((max / 2)..=max),
    };
    let passed = !matches!(status, "registered" | "not_recognised") && total >= pass;
    let registered = day_between(rng, date((year, 2, 1)), date((year, 5, 31)));
    let end = if year >= 2026 {
        date(super::AS_OF)
    } else {
        date((year, 12, 20))
    };
    let updated = if status == "registered" {
        registered
    } else {
        day_between(rng, registered, end)
    };
    Outcome {
        status,
        total: i64::from(total),
        passed,
        level: if passed { set.level(total) } else { None },
        created_at: at(registered, rng.gen_range(7 * 3600..17 * 3600)),
        updated_at: at(updated, rng.gen_range(7 * 3600..17 * 3600)),
    }
}

/// The fields of an evaluation row before its outcome.
struct Subject<'a> {
    model: &'static str,
    kind: &'static str,
    id: i64,
    name: String,
    unit_id: i64,
    set: &'a SetInfo,
    form_group: Option<String>,
    disadvantaged: bool,
}

fn row(id: i64, s: Subject<'_>, year: i32, o: Outcome) -> [V; 17] {
    let folded = khuyenhoc_domain::text::fold(&s.name);
    [
        V::I(id),
        V::S(s.model),
        V::S(s.kind),
        V::I(s.id),
        V::T(s.name),
        V::T(folded),
        V::I(s.unit_id),
        V::I(i64::from(year)),
        V::I(s.set.id),
        V::opt_t(s.form_group),
        V::I(i64::from(s.disadvantaged)),
        V::S(o.status),
        V::I(o.total),
        V::I(i64::from(o.passed)),
        V::opt_i(o.level),
        V::I(o.created_at),
        V::I(o.updated_at),
    ]
}

pub async fn citizens(db: &Db, cx: &mut Ctx, s: &mut Summary) -> anyhow::Result<u64> {
    let mut sink = Sink::new(db, cx.quiet).await?;
    let mut b = batch();
    for year in YEARS {
        let set = cx.set("citizen", year)?.clone();
        let statuses = WeightedIndex::new(status_weights(year))?;
        for bi in 0..cx.branches.len() {
            let mut rng = cx.rng("citizen", (year as u64) << 32 | bi as u64);
            let disadvantaged = cx
                .commune_of(bi)
                .is_some_and(|c| c.disadvantaged_in(i64::from(year)));
            let branch_id = cx.branches[bi].id;
            for p in cx.branches[bi].people.clone() {
                let person = cx.people[p];
                let age = i64::from(year) - i64::from(person.birth_year);
                let share = citizen_share(year) * if age >= 75 { 0.6 } else { 1.0 };
                if age < 10 || !rng.gen_bool(share) {
                    continue;
                }
                let o = outcome(&mut rng, &statuses, &set, disadvantaged, year);
                let subject = Subject {
                    model: "citizen",
                    kind: "person",
                    id: cx.person_id(p),
                    name: cx.names.full(&person.name),
                    unit_id: branch_id,
                    set: &set,
                    form_group: set.form_groups.get(usize::from(person.form_group)).cloned(),
                    disadvantaged,
                };
                let id = cx.id("evaluations");
                sink.add(&mut b, row(id, subject, year, o)).await?;
            }
        }
    }
    sink.finish(&mut [&mut b]).await?;
    s.add("evaluations", b.written);
    s.add("evaluations.citizen", b.written);
    Ok(b.written)
}

/// Families, clans, organisations (as Learning Units) and the branches themselves.
pub async fn groups_and_units(db: &Db, cx: &mut Ctx, s: &mut Summary) -> anyhow::Result<u64> {
    let mut sink = Sink::new(db, cx.quiet).await?;
    let mut b = batch();
    let mut per_model = std::collections::BTreeMap::<&str, u64>::new();
    for year in YEARS {
        let statuses = WeightedIndex::new(status_weights(year))?;
        let mut rng = cx.rng("group-evaluations", year as u64);
        for g in 0..cx.groups.len() {
            let (model, share) = match cx.groups[g].kind {
                0 => ("family", [0.55, 0.65, 0.72]),
                1 => ("clan", [0.6, 0.62, 0.66]),
                _ => ("unit", [0.6, 0.6, 0.65]),
            };
            if !rng.gen_bool(share[(year - 2024) as usize]) {
                continue;
            }
            let branch = cx.groups[g].branch as usize;
            let set = cx.set(model, year)?.clone();
            let disadvantaged = cx
                .commune_of(branch)
                .is_some_and(|c| c.disadvantaged_in(i64::from(year)));
            let o = outcome(&mut rng, &statuses, &set, disadvantaged, year);
            let subject = Subject {
                model,
                kind: "group",
                id: cx.groups[g].id,
                name: cx.groups[g].name.clone(),
                unit_id: cx.branches[branch].id,
                set: &set,
                form_group: None,
                disadvantaged,
            };
            let id = cx.id("evaluations");
            sink.add(&mut b, row(id, subject, year, o)).await?;
            *per_model.entry(model).or_default() += 1;
        }
        for bi in 0..cx.branches.len() {
            let (model, share) = if cx.branches[bi].kind == 0 {
                ("community", 0.5)
            } else {
                ("unit", 0.6)
            };
            if !rng.gen_bool(share) {
                continue;
            }
            let set = cx.set(model, year)?.clone();
            let disadvantaged = cx
                .commune_of(bi)
                .is_some_and(|c| c.disadvantaged_in(i64::from(year)));
            let o = outcome(&mut rng, &statuses, &set, disadvantaged, year);
            let subject = Subject {
                model,
                kind: "unit",
                id: cx.branches[bi].id,
                name: cx.branches[bi].name.clone(),
                unit_id: cx.branches[bi].id,
                set: &set,
                form_group: None,
                disadvantaged,
            };
            let id = cx.id("evaluations");
            sink.add(&mut b, row(id, subject, year, o)).await?;
            *per_model.entry(model).or_default() += 1;
        }
    }
    sink.finish(&mut [&mut b]).await?;
    s.add("evaluations", b.written);
    for (model, n) in per_model {
        s.add(&format!("evaluations.{model}"), n);
    }
    Ok(b.written)
}
