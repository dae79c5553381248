//! The audit log: every write records who (person and the position they acted in), when, on
//! which entity, the action, and the record before and after. Rows are only ever inserted; the
//! database refuses UPDATE and DELETE on both backends (triggers in the first migration).

pub mod api;
pub mod names;
pub mod pages;

use crate::db::{now, rows, Db, Tx};
use serde::Serialize;
use sqlx::Row;

/// Who did something: the person, and the position whose rights they used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub person_id: Option<i64>,
    pub position_id: Option<i64>,
}

impl Actor {
    pub const SYSTEM: Actor = Actor {
        person_id: None,
        position_id: None,
    };
    pub fn new(person_id: i64, position_id: Option<i64>) -> Self {
        Actor {
            person_id: Some(person_id),
            position_id,
        }
    }
}

/// One change to write to the log.
pub struct Change<'a> {
    pub unit_id: Option<i64>,
    pub entity: &'a str,
    pub entity_id: String,
    pub action: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

pub fn json<T: Serialize>(v: &T) -> Option<serde_json::Value> {
    serde_json::to_value(v).ok()
}

#[tracing::instrument(skip(tx, change), fields(entity = change.entity, action = change.action))]
pub async fn record(tx: &mut Tx<'_>, actor: Actor, change: Change<'_>) -> Result<(), sqlx::Error> {
    names::check(change.entity, change.action);
    sqlx::query(
        "INSERT INTO audit_log (at, person_id, position_id, unit_id, entity, entity_id, action, before_json, after_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(now())
    .bind(actor.person_id)
    .bind(actor.position_id)
    .bind(change.unit_id)
    .bind(change.entity)
    .bind(change.entity_id)
    .bind(change.action)
    .bind(change.before.map(|v| v.to_string()))
    .bind(change.after.map(|v| v.to_string()))
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Entries per statement of `record_many`: a caller with a very long list hands them over this
/// many at a time, so that the whole list is never built at once.
pub const MANY_PER_STATEMENT: usize = 3000;

/// Records many changes in the caller's transaction, many rows per statement (the imports: an
/// entry per person, member or evaluation written). All get the same time.
pub async fn record_many(
    tx: &mut Tx<'_>,
    entries: Vec<(Actor, Change<'_>)>,
) -> Result<(), sqlx::Error> {
    let at = now();
    let per = rows::per_statement(9, MANY_PER_STATEMENT);
    let mut entries = entries.into_iter();
    loop {
        let chunk: Vec<(Actor, Change<'_>)> = entries.by_ref().take(per).collect();
        if chunk.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO audit_log (at, person_id, position_id, unit_id, entity, entity_id, action, before_json, after_json) VALUES {}",
            rows::values(tx.backend(), chunk.len(), &rows::row_of(9, ""))
        );
        let mut q = sqlx::query(&sql);
        for (actor, c) in chunk {
            names::check(c.entity, c.action);
            q = q
                .bind(at)
                .bind(actor.person_id)
                .bind(actor.position_id)
                .bind(c.unit_id)
                .bind(c.entity)
                .bind(c.entity_id)
                .bind(c.action)
                .bind(c.before.map(|v| v.to_string()))
                .bind(c.after.map(|v| v.to_string()));
        }
        q.execute(&mut **tx).await?;
    }
}

/// When `entity` `entity_id` was first recorded with `action`, as people read a time: an
/// imported workbook (named by its SHA-256) is never imported twice.
pub async fn first_time(
    db: &Db,
    entity: &str,
    entity_id: &str,
    action: &str,
) -> Result<Option<String>, sqlx::Error> {
    let at: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(at) FROM audit_log WHERE entity = $1 AND entity_id = $2 AND action = $3",
    )
    .bind(entity)
    .bind(entity_id)
    .bind(action)
    .fetch_one(&db.pool)
    .await?;
    Ok(at.map(format_time))
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "AuditEntry")]
pub struct Entry {
    pub id: i64,
    pub at: i64,
    pub at_text: String,
    pub person_id: Option<i64>,
    pub person_name: Option<String>,
    pub position_id: Option<i64>,
    pub position_name: Option<String>,
    pub unit_code: Option<String>,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Entry {
    /// What was done, in words (`names::describe`).
    pub fn what(&self, en: bool) -> String {
        names::describe(&self.entity, &self.action, en)
    }
}

/// What to list: one record's history, or everything in the given subtrees.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// Unit paths the reader may see; an entry shows when its unit lies under one of them.
    pub scope_roots: Vec<String>,
    /// Who acted: a name without diacritics or a phone.
    pub search: Option<crate::web::list::Search>,
}

/// The FROM of the list: entries with who acted, in which position, under which unit.
const FROM: &str = "FROM audit_log a LEFT JOIN people pe ON pe.id = a.person_id \
     LEFT JOIN positions po ON po.id = a.position_id LEFT JOIN position_types pt ON pt.id = po.type_id \
     LEFT JOIN units pu ON pu.id = po.unit_id \
     LEFT JOIN units u ON u.id = a.unit_id";

impl Filter {
    /// The WHERE clause and its text arguments; `None` when the reader has no scope.
    fn clause(&self) -> Option<(String, Vec<String>)> {
        use crate::web::list::Search;
        let mut w = String::from("1 = 1");
        let mut args: Vec<String> = vec![];
        if let Some(e) = &self.entity {
            args.push(e.clone());
            w += &format!(" AND a.entity = ${}", args.len());
        }
        if let Some(id) = &self.entity_id {
            args.push(id.clone());
            w += &format!(" AND a.entity_id = ${}", args.len());
        }
        match &self.search {
            Some(s @ Search::Name(_)) => {
                args.push(s.pattern());
                w += &format!(" AND pe.name_folded LIKE ${} ESCAPE '\\'", args.len());
            }
            Some(s @ Search::Phone(_)) => {
                args.push(s.pattern());
                w += &format!(" AND pe.phone LIKE ${} ESCAPE '\\'", args.len());
            }
            None => {}
        }
        let mut scope = vec![];
        for root in &self.scope_roots {
            args.push(root.clone());
            args.push(crate::org::path_upper_bound(root));
            scope.push(format!(
                "(u.path >= ${} AND u.path < ${})",
                args.len() - 1,
                args.len()
            ));
        }
        if scope.is_empty() {
            return None;
        }
        w += &format!(" AND ({})", scope.join(" OR "));
        Some((w, args))
    }

    /// How many entries match.
    pub async fn count(&self, db: &Db) -> Result<i64, sqlx::Error> {
        let Some((w, args)) = self.clause() else {
            return Ok(0);
        };
        let sql = format!("SELECT COUNT(*) {FROM} WHERE {w}");
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for a in args {
            q = q.bind(a);
        }
        q.fetch_one(&db.pool).await
    }

    /// One page, newest first, by key (the id): entries older than the cursor's.
    pub async fn page(
        &self,
        db: &Db,
        cursor: Option<&crate::web::list::Cursor>,
        per_page: i64,
    ) -> Result<crate::web::list::ListPage<Entry>, crate::error::AppError> {
        let rows = list(db, self, cursor.map(|c| c.id), per_page + 1).await?;
        let total = self.count(db).await?;
        Ok(crate::web::list::page_of(rows, per_page, total, |e| {
            crate::web::list::Cursor {
                key: serde_json::json!(e.id),
                id: e.id,
            }
        }))
    }
}

impl crate::web::export::Export for Filter {
    type Row = Entry;

    fn sheet(&self) -> crate::web::export::Sheet {
        crate::web::export::Sheet {
            name: "Nhật ký",
            columns: &[
                ("Thời gian", 18.0),
                ("Người thực hiện", 28.0),
                ("Chức vụ", 34.0),
                ("Đơn vị", 12.0),
                ("Việc đã làm", 40.0),
                ("Hồ sơ", 14.0),
                ("Mã mục", 10.0),
            ],
            what_vi: "mục nhật ký",
            what_en: "entries",
        }
    }

    async fn total(&self, db: &Db) -> Result<i64, crate::error::AppError> {
        Ok(self.count(db).await?)
    }

    async fn chunk(
        &self,
        db: &Db,
        cursor: Option<&crate::web::list::Cursor>,
        limit: i64,
    ) -> Result<(Vec<Entry>, Option<crate::web::list::Cursor>), crate::error::AppError> {
        let rows = list(db, self, cursor.map(|c| c.id), limit + 1).await?;
        crate::web::list::keep(&rows, limit, |e| {
            let key = crate::web::list::Cursor {
                key: serde_json::json!(e.id),
                id: e.id,
            };
            Ok::<_, crate::error::AppError>((e.clone(), key))
        })
    }

    fn cells(&self, e: &Entry) -> Vec<crate::web::export::Cell> {
        vec![
            (&e.at_text).into(),
            e.person_name.as_deref().into(),
            e.position_name.as_deref().into(),
            e.unit_code.as_deref().into(),
            e.what(false).into(),
            (&e.entity_id).into(),
            e.id.into(),
        ]
    }
}

/// Up to `limit` entries newest first, older than `before_id` when given.
pub async fn list(
    db: &Db,
    f: &Filter,
    before_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Entry>, sqlx::Error> {
    let Some((mut w, args)) = f.clause() else {
        return Ok(vec![]);
    };
    if let Some(b) = before_id {
        w += &format!(" AND a.id < {b}");
    }
    let sql = format!(
        "SELECT a.id, a.at, a.person_id, pe.full_name, a.position_id, pt.name_vi, u.code, a.entity, a.entity_id, a.action, a.before_json, a.after_json, pu.name \
         {FROM} WHERE {w} ORDER BY a.id DESC LIMIT {}",
        limit.clamp(1, 2000)
    );
    let mut q = sqlx::query(&sql);
    for a in args {
        q = q.bind(a);
    }
    let rows = q.fetch_all(&db.pool).await?;
    rows.into_iter()
        .map(|r| {
            let at: i64 = r.try_get(1)?;
            let pos_type: Option<String> = r.try_get(5)?;
            let pos_unit: Option<String> = r.try_get(12)?;
            Ok(Entry {
                id: r.try_get(0)?,
                at,
                at_text: format_time(at),
                person_id: r.try_get(2)?,
                person_name: r.try_get(3)?,
                position_id: r.try_get(4)?,
                position_name: pos_type.map(|t| match pos_unit {
                    Some(u) => format!("{t} — {u}"),
                    None => t,
                }),
                unit_code: r.try_get(6)?,
                entity: r.try_get(7)?,
                entity_id: r.try_get(8)?,
                action: r.try_get(9)?,
                before: r.try_get(10)?,
                after: r.try_get(11)?,
            })
        })
        .collect()
}

/// Time as people in Vietnam read it: `27/11/2026 22:48` (UTC+7).
pub fn format_time(at: i64) -> String {
    let offset = chrono::FixedOffset::east_opt(7 * 3600);
    match (chrono::DateTime::from_timestamp(at, 0), offset) {
        (Some(t), Some(o)) => t.with_timezone(&o).format("%d/%m/%Y %H:%M").to_string(),
        _ => at.to_string(),
    }
}
