//! Live figures of units for a period, for the structure as of a date: the unit's counters (and
//! those of the units it succeeded, so a commune merged in 2025 brings its 2024 figures to its
//! successor), its open branches by kind on that date, and its population. Everything is read
//! for many units at once (a roll-up's children, a cluster's provinces) in a fixed number of
//! queries per unit, never by scanning evaluations or ledger lines.

use crate::db::Db;
use crate::org::path_upper_bound;
use khuyenhoc_reports::Period;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

/// Base metric → value.
pub type Base = BTreeMap<String, i64>;

/// The little the figures need to know of a unit.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UnitRef {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub level: String,
    #[serde(skip)]
    pub path: String,
}

impl From<&crate::org::model::Unit> for UnitRef {
    fn from(u: &crate::org::model::Unit) -> Self {
        UnitRef {
            id: u.id,
            code: u.code.clone(),
            name: u.name.clone(),
            level: u.level.clone(),
            path: u.path.clone(),
        }
    }
}

/// The units open on `as_of` directly below `parent`, by code.
pub async fn children(db: &Db, parent_id: i64, as_of: &str) -> Result<Vec<UnitRef>, sqlx::Error> {
    sqlx::query(
        "SELECT id, code, name, level, path FROM units WHERE parent_id = $1 AND valid_from <= $2 \
         AND (valid_to IS NULL OR valid_to > $2) ORDER BY code",
    )
    .bind(parent_id)
    .bind(as_of)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(|r| {
        Ok(UnitRef {
            id: r.try_get(0)?,
            code: r.try_get(1)?,
            name: r.try_get(2)?,
            level: r.try_get(3)?,
            path: r.try_get(4)?,
        })
    })
    .collect()
}

/// For each unit, the units whose figures it carries (itself with weight 1000, and the units
/// it succeeded on or before `as_of`, with their share in permille), following chains.
async fn carried(
    db: &Db,
    units: &[UnitRef],
    as_of: &str,
) -> Result<Vec<Vec<(i64, i64)>>, sqlx::Error> {
    let mut out: Vec<Vec<(i64, i64)>> = units.iter().map(|u| vec![(u.id, 1000)]).collect();
    // Up to four generations of successions (a merger of mergers); each round is one query.
    let mut frontier: Vec<(usize, i64, i64)> = units
        .iter()
        .enumerate()
        .map(|(i, u)| (i, u.id, 1000))
        .collect();
    for _ in 0..4 {
        if frontier.is_empty() {
            break;
        }
        let ids: BTreeSet<i64> = frontier.iter().map(|f| f.1).collect();
        let marks: Vec<String> = (2..ids.len() + 2).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT s.successor_id, s.predecessor_id, s.share_permille, p.path FROM unit_successions s \
             JOIN units p ON p.id = s.predecessor_id WHERE s.effective_date <= $1 AND s.successor_id IN ({})",
            marks.join(", ")
        );
        let mut q = sqlx::query(&sql).bind(as_of);
        for id in &ids {
            q = q.bind(id);
        }
        let rows = q.fetch_all(&db.pool).await?;
        let mut next = vec![];
        for (i, succ, weight) in &frontier {
            for r in &rows {
                if r.try_get::<i64, _>(0)? != *succ {
                    continue;
                }
                let pred: i64 = r.try_get(1)?;
                let share: Option<i64> = r.try_get(2)?;
                let path: String = r.try_get(3)?;
                // A predecessor inside the unit's own subtree is already in its counters.
                if path.starts_with(&units[*i].path) || out[*i].iter().any(|(u, _)| *u == pred) {
                    continue;
                }
                let w = weight * share.unwrap_or(1000) / 1000;
                out[*i].push((pred, w));
                next.push((*i, pred, w));
            }
        }
        frontier = next;
    }
    Ok(out)
}

/// The counter periods a report period reads: stocks (""), the year (evaluations), the halves
/// (flows).
fn counter_periods(period: &Period) -> Vec<String> {
    let mut p = vec![String::new(), period.year.to_string()];
    p.extend(period.halves());
    p
}

/// Live base figures of each unit for `period`, for the structure as of `as_of`.
pub async fn live(
    db: &Db,
    units: &[UnitRef],
    period: &Period,
    as_of: &str,
) -> Result<Vec<Base>, sqlx::Error> {
    let mut out: Vec<Base> = vec![Base::new(); units.len()];
    if units.is_empty() {
        return Ok(out);
    }
    let carried = carried(db, units, as_of).await?;
    let ids: BTreeSet<i64> = carried.iter().flatten().map(|(id, _)| *id).collect();
    let periods = counter_periods(period);
    let mut n = 0;
    let mut mark = || {
        n += 1;
        format!("${n}")
    };
    let id_marks: Vec<String> = ids.iter().map(|_| mark()).collect();
    let period_marks: Vec<String> = periods.iter().map(|_| mark()).collect();
    let sql = format!(
        "SELECT unit_id, metric, CAST(SUM(value) AS BIGINT) FROM counters WHERE unit_id IN ({}) AND period IN ({}) GROUP BY unit_id, metric",
        id_marks.join(", "),
        period_marks.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for id in &ids {
        q = q.bind(id);
    }
    for p in &periods {
        q = q.bind(p);
    }
    let mut by_unit: BTreeMap<i64, Base> = BTreeMap::new();
    for r in q.fetch_all(&db.pool).await? {
        let v: Option<i64> = r.try_get(2)?;
        by_unit
            .entry(r.try_get(0)?)
            .or_default()
            .insert(r.try_get(1)?, v.unwrap_or(0));
    }
    for (i, carry) in carried.iter().enumerate() {
        for (id, weight) in carry {
            let Some(b) = by_unit.get(id) else { continue };
            for (m, v) in b {
                // Stocks (members now) belong to the successor alone: only flows and yearly
                // figures of a predecessor are carried.
                if *weight != 1000
                    && (m.starts_with("members.active") || m.starts_with("members.sector"))
                {
                    continue;
                }
                *out[i].entry(m.clone()).or_insert(0) += v * weight / 1000;
            }
        }
    }
    for (i, u) in units.iter().enumerate() {
        branches(db, u, as_of, &mut out[i]).await?;
        let pop = population(db, u, i64::from(period.year)).await?;
        out[i].insert("population".into(), pop);
    }
    Ok(out)
}

/// Open branches under the unit on `as_of`, by kind, with the totals the template uses.
async fn branches(db: &Db, u: &UnitRef, as_of: &str, base: &mut Base) -> Result<(), sqlx::Error> {
    let rows = sqlx::query(
        "SELECT kind, COUNT(*) FROM units WHERE path >= $1 AND path < $2 AND level = 'branch' \
         AND valid_from <= $3 AND (valid_to IS NULL OR valid_to > $3) GROUP BY kind",
    )
    .bind(&u.path)
    .bind(path_upper_bound(&u.path))
    .bind(as_of)
    .fetch_all(&db.pool)
    .await?;
    let (mut total, mut village) = (0, 0);
    for r in rows {
        let kind: String = r.try_get(0)?;
        let n: i64 = r.try_get(1)?;
        total += n;
        if kind == "village" {
            village += n;
        }
        base.insert(format!("branches.{kind}"), n);
    }
    base.insert("branches.total".into(), total);
    base.insert("branches.village".into(), village);
    base.insert("branches.boards".into(), total - village);
    Ok(())
}

/// The population of a unit for a year: its own figure when recorded, otherwise the sum of the
/// nearest recorded figures below it.
pub async fn population(db: &Db, u: &UnitRef, year: i64) -> Result<i64, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT u.path, p.population FROM unit_populations p JOIN units u ON u.id = p.unit_id \
         WHERE p.year = $1 AND u.path >= $2 AND u.path < $3 ORDER BY u.path",
    )
    .bind(year)
    .bind(&u.path)
    .bind(path_upper_bound(&u.path))
    .fetch_all(&db.pool)
    .await?;
    let mut top: Vec<(String, i64)> = vec![];
    for r in rows {
        let path: String = r.try_get(0)?;
        // Sorted by path, so an ancestor comes before its descendants.
        if top.iter().any(|(p, _)| path.starts_with(p.as_str())) {
            continue;
        }
        top.push((path, r.try_get(1)?));
    }
    Ok(top.iter().map(|(_, n)| n).sum())
}
