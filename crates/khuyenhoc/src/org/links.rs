//! Dated moves: the parent links a move replaced (`unit_parent_links`, README "Dated moves").
//! `units.parent_id` and `units.path` are today's structure; a unit moved keeps one row per
//! former link with its lifetime, so "the parent of U on D" is one indexed lookup.

use crate::db::Db;
use sqlx::Row;
use std::collections::BTreeMap;

/// The parent of the unit `u` on the day bound at `day` (`$2`) of a statement: the first parent
/// link a dated move replaced (`unit_parent_links`) that ended after that day, else today's.
/// The links of a unit follow each other without a gap, so that is the link covering the day,
/// or the unit's first link for a day before it (a unit stands under its first parent for the
/// time before it opened, as it did before any move).
pub fn parent_on(day: &str) -> String {
    format!(
        "COALESCE((SELECT l.parent_id FROM unit_parent_links l \
         WHERE l.unit_id = u.id AND l.valid_to > {day} ORDER BY l.valid_to LIMIT 1), u.parent_id)"
    )
}

/// Every unit's parent today and every former link, held for a walk over many facts
/// (`reports::counters::recount`).
pub struct Links {
    parent: BTreeMap<i64, Option<i64>>,
    former: BTreeMap<i64, Vec<(String, i64)>>,
}

impl Links {
    pub async fn load(db: &Db) -> Result<Self, sqlx::Error> {
        let mut parent = BTreeMap::new();
        for r in sqlx::query("SELECT id, parent_id FROM units")
            .fetch_all(&db.pool)
            .await?
        {
            parent.insert(r.try_get(0)?, r.try_get(1)?);
        }
        let mut former: BTreeMap<i64, Vec<(String, i64)>> = BTreeMap::new();
        for r in sqlx::query("SELECT unit_id, valid_to, parent_id FROM unit_parent_links")
            .fetch_all(&db.pool)
            .await?
        {
            former
                .entry(r.try_get(0)?)
                .or_default()
                .push((r.try_get(1)?, r.try_get(2)?));
        }
        Ok(Links { parent, former })
    }

    pub fn exists(&self, unit: i64) -> bool {
        self.parent.contains_key(&unit)
    }

    /// The parent of `unit` on `day`, as [`parent_on`] reads it.
    pub fn parent_on(&self, unit: i64, day: &str) -> Option<i64> {
        let dated = self.former.get(&unit).and_then(|l| {
            l.iter()
                .filter(|(to, _)| to.as_str() > day)
                .min_by(|a, b| a.0.cmp(&b.0))
                .map(|(_, p)| *p)
        });
        dated.or_else(|| self.parent.get(&unit).copied().flatten())
    }
}
