//! Reports of the communes with generated branches and of their provinces, for 2025-Y and
//! 2026-H1: drafts, handed-in reports (with their snapshot, computed from the rebuilt counters
//! by `reports::figures::live` and `reports::service::lines` exactly as a submission does),
//! returned and accepted ones.

use super::bulk::{Batch, Sink, V};
use super::{at, date, day_between, names, ymd, Ctx, Summary, AS_OF};
use khuyenhoc::db::Db;
use khuyenhoc::reports::figures::{self, UnitRef};
use khuyenhoc::reports::service::{lines, template_for, Entries, Snapshot};
use khuyenhoc_reports::{Period, Source, Template};
use rand::distributions::{Distribution, WeightedIndex};
use rand::rngs::StdRng;
use rand::Rng;
use std::collections::BTreeMap;

const STATUSES: [&str; 5] = ["", "draft", "submitted", "returned", "accepted"];

/// Weights of [`STATUSES`] ("" = not started) by period and level.
fn weights(period: &str, province: bool) -> [u32; 5] {
    match (period, province) {
        ("2025-Y", false) => [4, 8, 25, 3, 60],
        ("2025-Y", true) => [0, 0, 40, 0, 60],
        (_, false) => [20, 40, 30, 2, 8],
        (_, true) => [30, 50, 20, 0, 0],
    }
}

/// When the reports of a period are written: (opened from, submitted until).
fn window(period: &str) -> ((i32, u32, u32), (i32, u32, u32)) {
    if period == "2025-Y" {
        ((2025, 11, 15), (2025, 12, 18))
    } else {
        ((2026, 5, 20), (2026, 6, 20))
    }
}

struct Planned {
    unit: UnitRef,
    status: &'static str,
    created: chrono::NaiveDate,
    submitted: Option<chrono::NaiveDate>,
    decided: Option<chrono::NaiveDate>,
    entries: Entries,
    signer: String,
    number: i64,
}

fn typed(t: &Template, rng: &mut StdRng) -> Entries {
    let mut e = Entries::default();
    for i in &t.indicators {
        match &i.source {
            Source::Number => {
                e.numbers.insert(i.key.clone(), rng.gen_range(2..60));
            }
            Source::Text => {
                e.texts
                    .insert(i.key.clone(), names::report_text(&i.key, rng));
            }
            Source::Computed(_) => {}
        }
    }
    e
}

/// The communes with generated branches and their provinces.
fn units(cx: &Ctx) -> Vec<UnitRef> {
    let mut provinces = BTreeMap::new();
    let mut out = vec![];
    for c in cx.communes.iter().filter(|c| !c.branches.is_empty()) {
        out.push(UnitRef {
            id: c.id,
            code: c.code.clone(),
            name: c.name.clone(),
            level: khuyenhoc_domain::Level::Commune,
            path: c.path.clone(),
        });
        let p = &cx.provinces[c.province];
        provinces.entry(p.code.clone()).or_insert_with(|| UnitRef {
            id: p.id,
            code: p.code.clone(),
            name: p.name.clone(),
            level: khuyenhoc_domain::Level::Province,
            path: p.path.clone(),
        });
    }
    out.extend(provinces.into_values());
    out
}

pub async fn reports(db: &Db, cx: &mut Ctx, s: &mut Summary) -> anyhow::Result<u64> {
    let all = units(cx);
    let mut templates: BTreeMap<String, (Template, String)> = BTreeMap::new();
    for u in &all {
        let province = khuyenhoc::reports::service::province_code(&u.path).unwrap_or_default();
        if let std::collections::btree_map::Entry::Vacant(slot) = templates.entry(province) {
            let t = template_for(db, &u.path)
                .await
                .map_err(|e| anyhow::anyhow!("report template of {}: {e:?}", u.code))?;
            slot.insert(t);
        }
    }
    let mut sink = Sink::new(db, cx.quiet).await?;
    let mut batch = Batch::new(
        "reports",
        &[
            "id",
            "unit_id",
            "period",
            "templates",
            "status",
            "entries",
            "snapshot",
            "number_symbol",
            "signer_name",
            "submitted_at",
            "decided_at",
            "return_reason",
            "created_at",
            "updated_at",
        ],
    );
    for (pi, period) in ["2025-Y", "2026-H1"].into_iter().enumerate() {
        let planned = plan(cx, &all, &templates, pi, period)?;
        write(db, cx, &mut sink, &mut batch, &templates, period, planned).await?;
    }
    sink.finish(&mut [&mut batch]).await?;
    s.add("reports", batch.written);
    Ok(batch.written)
}

fn plan(
    cx: &Ctx,
    all: &[UnitRef],
    templates: &BTreeMap<String, (Template, String)>,
    pi: usize,
    period: &str,
) -> anyhow::Result<Vec<Planned>> {
    let (from, until) = window(period);
    let mut out = vec![];
    for (ui, u) in all.iter().enumerate() {
        let mut rng = cx.rng("reports", (pi as u64) << 32 | ui as u64);
        let dist = WeightedIndex::new(weights(
            period,
            u.level == khuyenhoc_domain::Level::Province,
        ))?;
        let status = STATUSES[dist.sample(&mut rng)];
        if status.is_empty() {
            continue;
        }
        let province = khuyenhoc::reports::service::province_code(&u.path).unwrap_or_default();
        let Some((t, _)) = templates.get(&province) else {
            continue;
        };
        let created = day_between(&mut rng, date(from), date(until));
        let submitted = (status != "draft").then(|| day_between(&mut rng, created, date(until)));
        let decided = match (status, submitted) {
            ("returned" | "accepted", Some(d)) => {
                let last = (d + chrono::Duration::days(20)).min(date(AS_OF));
                Some(day_between(&mut rng, d, last))
            }
            _ => None,
        };
        let signer = cx.names.full(&cx.names.draw(rng.gen_bool(0.4), &mut rng));
        out.push(Planned {
            unit: u.clone(),
            status,
            created,
            submitted,
            decided,
            entries: typed(t, &mut rng),
            signer,
            number: rng.gen_range(5..150),
        });
    }
    Ok(out)
}

async fn write(
    db: &Db,
    cx: &mut Ctx,
    sink: &mut Sink,
    batch: &mut Batch,
    templates: &BTreeMap<String, (Template, String)>,
    period: &str,
    planned: Vec<Planned>,
) -> anyhow::Result<()> {
    let p = Period::parse(period).map_err(|(_, en)| anyhow::anyhow!(en))?;
    for chunk in planned.chunks(500) {
        // The live figures of the chunk's handed-in reports, as of their submission day.
        let mut bases = BTreeMap::new();
        let mut by_day: BTreeMap<chrono::NaiveDate, Vec<usize>> = BTreeMap::new();
        for (i, r) in chunk.iter().enumerate() {
            if let Some(d) = r.submitted {
                by_day.entry(d).or_default().push(i);
            }
        }
        for (day, idx) in by_day {
            let units: Vec<UnitRef> = idx.iter().map(|i| chunk[*i].unit.clone()).collect();
            let live = figures::live(db, &units, &p, &ymd(day)).await?;
            bases.extend(idx.into_iter().zip(live));
        }
        for (i, r) in chunk.iter().enumerate() {
            let province =
                khuyenhoc::reports::service::province_code(&r.unit.path).unwrap_or_default();
            let Some((t, tag)) = templates.get(&province) else {
                continue;
            };
            let snapshot = match (r.submitted, bases.remove(&i)) {
                (Some(d), Some(base)) => {
                    let snap = Snapshot {
                        as_of: ymd(d),
                        taken_at: at(d, 10 * 3600),
                        lines: lines(t, &base, &r.entries),
                        base,
                    };
                    Some(serde_json::to_string(&snap)?)
                }
                _ => None,
            };
            let submitted_at = r.submitted.map(|d| at(d, 10 * 3600));
            let decided_at = r.decided.map(|d| at(d, 15 * 3600));
            let created_at = at(r.created, 9 * 3600);
            let id = cx.id("reports");
            let row = [
                V::I(id),
                V::I(r.unit.id),
                V::S(if period == "2025-Y" {
                    "2025-Y"
                } else {
                    "2026-H1"
                }),
                V::T(tag.clone()),
                V::S(r.status),
                V::T(serde_json::to_string(&r.entries)?),
                V::opt_t(snapshot),
                V::opt_t(r.submitted.map(|_| format!("{}/{}", r.number, t.symbol))),
                V::T(r.signer.clone()),
                V::opt_i(submitted_at),
                V::opt_i(decided_at),
                V::opt_t((r.status == "returned").then(|| {
                    "Số liệu quỹ khuyến học chưa khớp với sổ sách; đề nghị rà soát và nộp lại."
                        .to_owned()
                })),
                V::I(created_at),
                V::I(decided_at.or(submitted_at).unwrap_or(created_at)),
            ];
            sink.add(batch, row).await?;
        }
    }
    Ok(())
}
