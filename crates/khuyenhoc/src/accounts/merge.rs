//! Merging two records of the same person: an officer over both ([`Viewer::position_over_person`]
//! for each) keeps one and removes the other. Every column that references `people(id)` — read
//! from the database schema itself, so a table added later is not forgotten — is moved to the
//! kept record, except the append-only ones (the audit log, the ledger), which keep naming the
//! removed id; `person_merges` (removed → kept) resolves it. The removed record stays as an empty
//! row (no phone, email, ID number or password), its sessions and API tokens ended.

use super::model::{self, Lookup, Person};
use super::service::acting_over;
use crate::audit::{self, Change};
use crate::auth::Viewer;
use crate::db::{now, Backend, Db, Tx};
use crate::error::AppError;
use khuyenhoc_domain::{limits, Invalid};
use serde::Serialize;
use sqlx::Row;

/// Columns that reference people and are never rewritten: append-only tables, and the merge
/// record itself.
pub const KEPT_AS_WRITTEN: &[(&str, &str)] = &[
    ("audit_log", "person_id"),
    ("ledger_entries", "person_id"),
    ("person_merges", "merged_id"),
];

/// Every (table, column) of the schema with a foreign key to `people(id)`.
pub async fn referencing_columns(tx: &mut Tx<'_>) -> Result<Vec<(String, String)>, sqlx::Error> {
    let sql = match tx.backend() {
        Backend::Sqlite => {
            "SELECT m.name, f.\"from\" FROM sqlite_master m, pragma_foreign_key_list(m.name) f \
             WHERE m.type = 'table' AND f.\"table\" = 'people' ORDER BY 1, 2"
        }
        Backend::Postgres => {
            "SELECT c.conrelid::regclass::text, a.attname::text FROM pg_constraint c \
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) \
             WHERE c.contype = 'f' AND c.confrelid = 'people'::regclass ORDER BY 1, 2"
        }
    };
    sqlx::query(sql)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// What a merge moved.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "PersonMerged")]
pub struct Merged {
    pub kept: Person,
    pub removed_id: i64,
    /// Rows moved per `table.column`.
    pub moved: std::collections::BTreeMap<String, u64>,
}

/// The kept record of a person id: itself, or the record it was merged into.
pub async fn resolve(db: &Db, person_id: i64) -> Result<i64, sqlx::Error> {
    let mut id = person_id;
    // A chain (a record merged into one merged later) is followed to its end.
    for _ in 0..16 {
        let next: Option<i64> =
            sqlx::query_scalar("SELECT kept_id FROM person_merges WHERE merged_id = $1")
                .bind(id)
                .fetch_optional(&db.pool)
                .await?;
        match next {
            Some(n) => id = n,
            None => break,
        }
    }
    Ok(id)
}

/// Both records, if the viewer may act on both (for the side-by-side page too).
pub async fn both(
    db: &Db,
    viewer: &Viewer,
    kept_id: i64,
    removed_id: i64,
) -> Result<(Person, Person), AppError> {
    let mut found = vec![];
    for id in [kept_id, removed_id] {
        let p = model::find_visible(db, viewer, &Lookup::Id(id))
            .await?
            .ok_or(AppError::NotFound)?;
        if p.id == viewer.person_id {
            return Err(AppError::NotFound);
        }
        acting_over(&db.pool, viewer, &p).await?;
        found.push(p);
    }
    // A record merged already is gone.
    let merged: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM person_merges WHERE merged_id IN ($1, $2)")
            .bind(kept_id)
            .bind(removed_id)
            .fetch_one(&db.pool)
            .await?;
    if merged > 0 {
        return Err(AppError::NotFound);
    }
    let removed = found.pop().ok_or(AppError::NotFound)?;
    let kept = found.pop().ok_or(AppError::NotFound)?;
    if kept.id == removed.id {
        return Err(AppError::field(
            "other",
            Invalid::new(
                "Hãy chọn hai hồ sơ khác nhau",
                "Choose two different records",
            ),
        ));
    }
    Ok((kept, removed))
}

fn refuse(vi: &str, en: &str) -> AppError {
    AppError::bad_request(vi, en)
}

/// What blocks a merge: two memberships, or evaluations of the same model and year.
async fn conflicts(tx: &mut Tx<'_>, kept: i64, removed: i64) -> Result<(), AppError> {
    let members: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE person_id IN ($1, $2)")
            .bind(kept)
            .bind(removed)
            .fetch_one(&mut **tx)
            .await?;
    if members > 1 {
        return Err(refuse(
            "Cả hai hồ sơ đều là hội viên: hãy cho một hồ sơ thôi làm hội viên trước khi gộp",
            "Both records are members: end one membership before merging",
        ));
    }
    let same_year: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM evaluations a JOIN evaluations b ON a.model = b.model AND a.year = b.year \
         WHERE a.subject_kind = 'person' AND b.subject_kind = 'person' AND a.subject_id = $1 AND b.subject_id = $2",
    )
    .bind(kept)
    .bind(removed)
    .fetch_one(&mut **tx)
    .await?;
    if same_year > 0 {
        return Err(refuse(
            "Hai hồ sơ có đánh giá cùng mô hình trong cùng một năm: hãy xử lý một đánh giá trước khi gộp",
            "The two records have evaluations of the same model in the same year: settle one before merging",
        ));
    }
    Ok(())
}

/// Merges the record `removed_id` into `kept_id` (see the module).
pub async fn merge(
    db: &Db,
    viewer: &Viewer,
    kept_id: i64,
    removed_id: i64,
    reason: &str,
) -> Result<Merged, AppError> {
    let reason = limits::DESCRIPTION
        .check(reason)
        .map_err(|e| AppError::field("reason", e))?;
    if reason.chars().count() < 3 {
        return Err(AppError::field(
            "reason",
            Invalid::new("Cần ghi lý do gộp", "Give the reason for merging"),
        ));
    }
    let (kept, removed) = both(db, viewer, kept_id, removed_id).await?;
    let mut tx = db.begin().await?;
    let actor = acting_over(&mut *tx, viewer, &kept).await?;
    acting_over(&mut *tx, viewer, &removed).await?;
    let moved = merge_in(
        &mut tx,
        viewer.person_id,
        actor,
        (kept.id, removed.id),
        &reason,
    )
    .await?;
    tx.commit().await?;
    Ok(Merged {
        kept: model::by_id(db, kept.id).await?.ok_or(AppError::NotFound)?,
        removed_id: removed.id,
        moved,
    })
}

/// The merge itself, in the caller's transaction, once the caller has checked that the actor
/// may act on both records: the conflicts, every reference moved, `person_merges` and the two
/// audit entries. Used by [`merge`] and by a join confirmation (`join::service`).
pub(crate) async fn merge_in(
    tx: &mut Tx<'_>,
    by: i64,
    actor: audit::Actor,
    (kept, removed): (i64, i64),
    reason: &str,
) -> Result<std::collections::BTreeMap<String, u64>, AppError> {
    conflicts(tx, kept, removed).await?;
    let moved = move_references(tx, kept, removed).await?;
    sqlx::query("INSERT INTO person_merges (merged_id, kept_id, at, merged_by, position_id, reason) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(removed)
        .bind(kept)
        .bind(now())
        .bind(by)
        .bind(actor.position_id)
        .bind(reason)
        .execute(&mut **tx)
        .await?;
    let after = serde_json::json!({
        "kept": kept, "removed": removed, "reason": reason, "moved": moved,
    });
    for (id, action) in [(kept, "merge"), (removed, "merged_into")] {
        let unit_id: i64 = sqlx::query_scalar("SELECT unit_id FROM people WHERE id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
        let change = Change {
            unit_id: Some(unit_id),
            entity: "person",
            entity_id: id.to_string(),
            action,
            before: None,
            after: Some(after.clone()),
        };
        audit::record(tx, actor, change).await?;
    }
    Ok(moved)
}

/// Ends what belonged to the removed record alone, then moves every other reference.
async fn move_references(
    tx: &mut Tx<'_>,
    kept: i64,
    removed: i64,
) -> Result<std::collections::BTreeMap<String, u64>, AppError> {
    // Sessions, API tokens, idempotency keys, waiting contact changes and unused recovery links
    // end with the record.
    for sql in [
        "DELETE FROM sessions WHERE person_id = $1",
        "DELETE FROM api_tokens WHERE person_id = $1",
        "DELETE FROM idempotency_keys WHERE person_id = $1",
        "DELETE FROM contact_changes WHERE person_id = $1",
        "DELETE FROM password_resets WHERE person_id = $1 AND used_at IS NULL",
    ] {
        sqlx::query(sql).bind(removed).execute(&mut **tx).await?;
    }
    // One row of channels per person: the kept record's choice stays; the removed one's moves
    // only where the kept record has made none.
    sqlx::query(
        "DELETE FROM notify_channels WHERE person_id = $1 \
         AND EXISTS (SELECT 1 FROM notify_channels k WHERE k.person_id = $2)",
    )
    .bind(removed)
    .bind(kept)
    .execute(&mut **tx)
    .await?;
    // A group both belong to keeps the kept record's membership.
    sqlx::query("DELETE FROM group_members WHERE person_id = $1 AND group_id IN (SELECT group_id FROM group_members WHERE person_id = $2)")
        .bind(removed)
        .bind(kept)
        .execute(&mut **tx)
        .await?;
    let mut moved = std::collections::BTreeMap::new();
    let n = sqlx::query(
        "UPDATE evaluations SET subject_id = $1 WHERE subject_kind = 'person' AND subject_id = $2",
    )
    .bind(kept)
    .bind(removed)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    moved.insert("evaluations.subject_id".to_owned(), n);
    for (table, column) in referencing_columns(tx).await? {
        if KEPT_AS_WRITTEN.contains(&(table.as_str(), column.as_str())) {
            continue;
        }
        // Names come from the schema, never from a request.
        let sql = format!("UPDATE {table} SET {column} = $1 WHERE {column} = $2");
        let n = sqlx::query(&sql)
            .bind(kept)
            .bind(removed)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        if n > 0 {
            moved.insert(format!("{table}.{column}"), n);
        }
    }
    // The kept record takes the contact details it lacks; the removed one is emptied first.
    let row = sqlx::query("SELECT phone, email, national_id FROM people WHERE id = $1")
        .bind(removed)
        .fetch_one(&mut **tx)
        .await?;
    let (phone, email, nid): (Option<String>, Option<String>, Option<String>) =
        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    sqlx::query("UPDATE people SET phone = NULL, email = NULL, national_id = NULL, password_hash = NULL, must_change_password = 0 WHERE id = $1")
        .bind(removed)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE people SET phone = COALESCE(phone, $1), email = COALESCE(email, $2), national_id = COALESCE(national_id, $3) WHERE id = $4")
        .bind(phone)
        .bind(email)
        .bind(nid)
        .bind(kept)
        .execute(&mut **tx)
        .await?;
    Ok(moved)
}
