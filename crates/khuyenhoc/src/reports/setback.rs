//! Figures read by today's paths (branches by kind, members at a past day), set back to the
//! structure of an earlier day (dated moves, `org::links`).
//!
//! A unit whose parent link changed after the day (a *moved* unit) takes its own part of the
//! figures away from the units above it today and gives it to the units above it on the day.
//! Its own part is its subtree's figures today less those of the moved units nested in that
//! subtree (each of those moves on its own), so a branch moved into a commune that later moved
//! to another province is counted once, where it stood on the day. "Above" is read by unit ids
//! through the parent links in force (today's `parent_id`, the day's `links::parent_on`), never by
//! the path recorded at a move, which a later move of an ancestor makes stale.

use crate::db::Db;
use crate::reports::unit_ref::{unit_ref, Base, UnitRef};
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

/// A unit moved after the day, with the units above it today and on the day.
pub struct Moved {
    pub unit: UnitRef,
    above_now: BTreeSet<i64>,
    above_then: BTreeSet<i64>,
}

/// The units whose parent link changed after `day` (none when nothing ever moved: one indexed
/// query), with their ancestors today and on `day` (two recursive queries over those units).
pub async fn moved_after(db: &Db, day: &str) -> Result<Vec<Moved>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT u.id, u.code, u.name, u.level, u.path FROM units u WHERE u.id IN \
         (SELECT unit_id FROM unit_parent_links WHERE valid_to > $1) ORDER BY u.path",
    )
    .bind(day)
    .fetch_all(&db.pool)
    .await?;
    let mut moved = vec![];
    for r in &rows {
        moved.push(Moved {
            unit: unit_ref(r)?,
            above_now: BTreeSet::new(),
            above_then: BTreeSet::new(),
        });
    }
    if moved.is_empty() {
        return Ok(moved);
    }
    let ids: Vec<i64> = moved.iter().map(|m| m.unit.id).collect();
    let now = ancestors(db, &ids, "u.parent_id", None).await?;
    let then = ancestors(db, &ids, &crate::org::links::parent_on("$1"), Some(day)).await?;
    for m in &mut moved {
        m.above_now = now.get(&m.unit.id).cloned().unwrap_or_default();
        m.above_then = then.get(&m.unit.id).cloned().unwrap_or_default();
    }
    Ok(moved)
}

/// The ancestors of each of `ids` following `parent` (an expression over the unit `u`; `$1` is
/// `day` when given).
async fn ancestors(
    db: &Db,
    ids: &[i64],
    parent: &str,
    day: Option<&str>,
) -> Result<BTreeMap<i64, BTreeSet<i64>>, sqlx::Error> {
    let first = usize::from(day.is_some()) + 1;
    let marks: Vec<String> = (first..first + ids.len())
        .map(|n| format!("${n}"))
        .collect();
    let marks = marks.join(", ");
    let sql = format!(
        "WITH RECURSIVE up (root, id, depth) AS ( \
             SELECT u.id, {parent}, 0 FROM units u WHERE u.id IN ({marks}) \
             UNION ALL \
             SELECT up.root, {parent}, up.depth + 1 FROM up JOIN units u ON u.id = up.id \
             WHERE up.depth < 8) \
         SELECT root, id FROM up WHERE id IS NOT NULL"
    );
    let mut q = sqlx::query(&sql);
    if let Some(day) = day {
        q = q.bind(day.to_owned());
    }
    for id in ids {
        q = q.bind(*id);
    }
    let mut out: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for r in q.fetch_all(&db.pool).await? {
        out.entry(r.try_get(0)?).or_default().insert(r.try_get(1)?);
    }
    Ok(out)
}

/// The moved units, as the figures' readers take them.
pub fn refs(moved: &[Moved]) -> Vec<UnitRef> {
    moved.iter().map(|m| m.unit.clone()).collect()
}

/// Sets `out` (the figures of `units`, read by today's paths) back to the day of `moved`:
/// `theirs` holds each moved unit's subtree figures read the same way; only the metrics `keep`
/// selects move.
pub fn shift(
    units: &[UnitRef],
    moved: &[Moved],
    theirs: &[Base],
    out: &mut [Base],
    keep: impl Fn(&str) -> bool,
) {
    // Own parts: a moved unit's subtree less the moved units nearest below it today.
    let mut own: Vec<Base> = theirs
        .iter()
        .map(|b| {
            b.iter()
                .filter(|(k, _)| keep(k))
                .map(|(k, v)| (k.clone(), *v))
                .collect()
        })
        .collect();
    for (j, inner) in moved.iter().enumerate() {
        let nearest = moved
            .iter()
            .enumerate()
            .filter(|(i, m)| {
                *i != j
                    && inner.unit.path.starts_with(&m.unit.path)
                    && m.unit.path != inner.unit.path
            })
            .max_by_key(|(_, m)| m.unit.path.len())
            .map(|(i, _)| i);
        if let (Some(i), Some(sub)) = (nearest, theirs.get(j)) {
            if let Some(o) = own.get_mut(i) {
                for (k, v) in sub.iter().filter(|(k, _)| keep(k)) {
                    *o.entry(k.clone()).or_insert(0) -= v;
                }
            }
        }
    }
    for (u, base) in units.iter().zip(out.iter_mut()) {
        for (m, part) in moved.iter().zip(&own) {
            let sign =
                i64::from(m.above_then.contains(&u.id)) - i64::from(m.above_now.contains(&u.id));
            if sign == 0 {
                continue;
            }
            for (k, v) in part {
                *base.entry(k.clone()).or_insert(0) += sign * v;
            }
        }
    }
}
