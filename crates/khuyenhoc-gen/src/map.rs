//! The map: the real provinces and communes as stored, and generated branches under the
//! communes (≈30 per commune at scale 1), coded `{commune}-{n}` after the commune's
//! `branch_seq` like `org::model::insert` makes them.

use super::bulk::{Batch, Sink, V};
use super::names::{BranchNaming, Region, HAMLETS, MOUNTAIN_VILLAGES};
use super::{at, date, Branch, Commune, Ctx, Province, Summary, EPOCH_DATE, KINDS};
use khuyenhoc::db::Db;
use rand::distributions::{Distribution, WeightedIndex};
use rand::seq::SliceRandom;
use rand::Rng;
use sqlx::Row;
use std::collections::BTreeMap;

/// The open provinces and communes, by code.
pub async fn load(db: &Db) -> anyhow::Result<(Vec<Province>, Vec<Commune>)> {
    let mut provinces: Vec<Province> = sqlx::query(
        "SELECT id, code, name, path FROM units WHERE level = 'province' AND valid_to IS NULL",
    )
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(Province {
            id: r.try_get(0)?,
            code: r.try_get(1)?,
            name: r.try_get(2)?,
            path: r.try_get(3)?,
        })
    })
    .collect::<Result<_, sqlx::Error>>()?;
    provinces.sort_by(|a, b| a.code.cmp(&b.code));
    let index: BTreeMap<String, usize> = provinces
        .iter()
        .enumerate()
        .map(|(i, p)| (p.code.clone(), i))
        .collect();
    let rows = sqlx::query(
        "SELECT id, code, name, kind, path, branch_seq FROM units WHERE level = 'commune' AND valid_to IS NULL",
    )
    .fetch_all(&db.pool)
    .await?;
    // The disadvantaged-area flags in force: the latest row of each commune and year.
    let mut marked: BTreeMap<i64, std::collections::BTreeSet<i64>> = BTreeMap::new();
    for r in sqlx::query(
        "SELECT unit_id, year FROM unit_disadvantaged WHERE disadvantaged = 1 AND id IN \
         (SELECT MAX(id) FROM unit_disadvantaged GROUP BY unit_id, year)",
    )
    .fetch_all(&db.pool)
    .await?
    {
        marked
            .entry(r.try_get(0)?)
            .or_default()
            .insert(r.try_get(1)?);
    }
    let mut communes = vec![];
    for r in rows {
        let path: String = r.try_get(4)?;
        let Some(province) = path.split('/').nth(2).and_then(|p| index.get(p)) else {
            continue;
        };
        let id: i64 = r.try_get(0)?;
        communes.push(Commune {
            id,
            code: r.try_get(1)?,
            name: r.try_get(2)?,
            kind: r.try_get(3)?,
            path,
            branch_seq: r.try_get(5)?,
            disadvantaged: marked.remove(&id).unwrap_or_default(),
            province: *province,
            branches: 0..0,
        });
    }
    communes.sort_by(|a, b| a.code.cmp(&b.code));
    Ok((provinces, communes))
}

/// Relative size of a commune by its kind (wards are denser, special zones small islands).
fn kind_weight(kind: &str) -> f64 {
    match kind {
        "phuong" => 1.15,
        "dac_khu" => 0.4,
        _ => 1.0,
    }
}

/// Weights of the branch kinds ([`KINDS`]) in a rural commune and in a ward.
const KIND_WEIGHTS_RURAL: [u32; 5] = [850, 90, 30, 18, 12];
const KIND_WEIGHTS_WARD: [u32; 5] = [790, 100, 45, 50, 15];

pub async fn branches(db: &Db, cx: &mut Ctx, s: &mut Summary) -> anyhow::Result<u64> {
    let mut rng = cx.rng("branches", 0);
    let weights: Vec<f64> = cx
        .communes
        .iter()
        .map(|c| kind_weight(&c.kind) * rng.gen_range(0.6..1.4))
        .collect();
    let counts = super::allocate(cx.plan.branches, &weights, &mut rng);
    let mut sink = Sink::new(db, cx.quiet).await?;
    mark(&mut sink, cx).await?;
    let mut units = Batch::with_fixed(
        "units",
        &[
            "id",
            "code",
            "kind",
            "name",
            "name_folded",
            "parent_id",
            "path",
            "created_at",
        ],
        &[
            ("level", "'branch'"),
            ("valid_from", "'2025-07-01'"),
            ("branch_seq", "0"),
        ],
    );
    let created = at(date(EPOCH_DATE), 0);
    for ci in 0..cx.communes.len() {
        let n = counts.get(ci).copied().unwrap_or(0) as usize;
        let first = cx.branches.len();
        for (k, (kind, name)) in plan_commune(cx, ci, n)?.into_iter().enumerate() {
            let c = &cx.communes[ci];
            let code = format!("{}-{}", c.code, c.branch_seq + k as i64 + 1);
            let path = format!("{}{code}/", c.path);
            let parent = c.id;
            let id = cx.id("units");
            let folded = khuyenhoc_domain::text::fold(&name);
            sink.add(
                &mut units,
                [
                    V::I(id),
                    V::T(code),
                    V::S(KINDS[usize::from(kind)]),
                    V::T(name.clone()),
                    V::T(folded),
                    V::I(parent),
                    V::T(path),
                    V::I(created),
                ],
            )
            .await?;
            cx.branches.push(Branch {
                id,
                commune: ci,
                kind,
                name,
                people: 0..0,
            });
        }
        cx.communes[ci].branches = first..cx.branches.len();
    }
    sink.flush(&mut units).await?;
    // The commune's sequence continues after the generated branches.
    for c in cx.communes.iter().filter(|c| !c.branches.is_empty()) {
        sqlx::query("UPDATE units SET branch_seq = $1 WHERE id = $2")
            .bind(c.branch_seq + c.branches.len() as i64)
            .bind(c.id)
            .execute(&mut **sink.tx()?)
            .await?;
    }
    let n = units.written;
    sink.finish(&mut [&mut units]).await?;
    s.add("branches", n);
    Ok(n)
}

/// The kinds and names of a commune's `n` branches: mostly villages.
fn plan_commune(cx: &Ctx, ci: usize, n: usize) -> anyhow::Result<Vec<(u8, String)>> {
    if n == 0 {
        return Ok(vec![]);
    }
    let c = &cx.communes[ci];
    let mut rng = cx.rng("branch-kinds", ci as u64);
    let ward = c.kind == "phuong";
    let dist = WeightedIndex::new(if ward {
        KIND_WEIGHTS_WARD
    } else {
        KIND_WEIGHTS_RURAL
    })?;
    let region = cx
        .provinces
        .get(c.province)
        .map_or(Region::Other, |p| Region::of_province(&p.code));
    let list_len = if region == Region::Mountain {
        MOUNTAIN_VILLAGES.len()
    } else {
        HAMLETS.len()
    };
    let mut order: Vec<usize> = (0..list_len).collect();
    order.shuffle(&mut rng);
    let naming = BranchNaming {
        commune_name: &c.name,
        ward,
        region,
        hamlet_order: &order,
    };
    let mut per_kind = [0usize; KINDS.len()];
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let kind = dist.sample(&mut rng);
        let name = naming.name(KINDS[kind], per_kind[kind]);
        per_kind[kind] += 1;
        out.push((kind as u8, name));
    }
    Ok(out)
}

/// The marker: the database holds generated data (written before anything else).
async fn mark(sink: &mut Sink, cx: &mut Ctx) -> anyhow::Result<()> {
    let id = cx.id("audit_log");
    let plan = cx.plan;
    let after = serde_json::json!({
        "seed": cx.seed,
        "scale": cx.scale,
        "branches": plan.branches,
        "people": plan.people,
        "ledger_entries": plan.ledger_entries,
    });
    sqlx::query(
        "INSERT INTO audit_log (id, at, entity, entity_id, action, after_json) VALUES ($1, $2, 'synthetic_data', $3, 'generate', $4)",
    )
    .bind(id)
    .bind(at(date(EPOCH_DATE), 0))
    .bind(format!("seed {}", cx.seed))
    .bind(after.to_string())
    .execute(&mut **sink.tx()?)
    .await?;
    Ok(())
}
