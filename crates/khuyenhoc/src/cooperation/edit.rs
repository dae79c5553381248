//! Changes to a programme once it exists: commitments added and marked done, reviews added and
//! recorded as held, files attached. Each asks `service::editable` first (`unit.manage` over
//! the owning unit, else "not found") and writes its audit entry in the same transaction.

use super::model::{self, Detail};
use super::service::{
    commitment, day, editable, insert_commitment, insert_review, invalid, required, review_kind,
    NewCommitment, NewReview,
};
use crate::audit::{self, Change};
use crate::auth::Viewer;
use crate::db::{now, today, Db};
use crate::error::AppError;
use khuyenhoc_domain::limits;
use serde::Deserialize;

/// Adds a commitment to the programme `id`.
pub async fn add_commitment(
    db: &Db,
    v: &Viewer,
    id: i64,
    c: &NewCommitment,
) -> Result<Detail, AppError> {
    let (p, actor) = editable(db, v, id).await?;
    let partners: Vec<(i64,)> =
        sqlx::query_as("SELECT partner_id FROM coop_programme_partners WHERE programme_id = $1")
            .bind(p.id)
            .fetch_all(&db.pool)
            .await?;
    let ids: Vec<i64> = partners.into_iter().map(|r| r.0).collect();
    let (what, partner, due) = commitment(&ids, c)?;
    let mut tx = db.begin().await?;
    let cid = insert_commitment(&mut tx, p.id, &what, partner, &due).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(p.unit_id),
            entity: "coop_commitment",
            entity_id: cid.to_string(),
            action: "create",
            before: None,
            after: Some(serde_json::json!({"programme_id": p.id, "what": what, "partner_id": partner, "due_on": due})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(model::detail(db, p).await?)
}

/// Marks a commitment of the programme `id` done on a day (today when not given).
pub async fn commitment_done(
    db: &Db,
    v: &Viewer,
    id: i64,
    commitment_id: i64,
    done_on: Option<&str>,
) -> Result<Detail, AppError> {
    let (p, actor) = editable(db, v, id).await?;
    let done = match done_on.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => day("done_on", s)?,
        None => today(),
    };
    if done > today() {
        return Err(invalid(
            "done_on",
            "Ngày hoàn thành không được sau hôm nay",
            "The day it was done cannot be after today",
        ));
    }
    let mut tx = db.begin().await?;
    let before: Option<Option<String>> = sqlx::query_scalar(
        "SELECT done_on FROM coop_commitments WHERE id = $1 AND programme_id = $2",
    )
    .bind(commitment_id)
    .bind(p.id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(before) = before else {
        return Err(AppError::NotFound);
    };
    sqlx::query("UPDATE coop_commitments SET done_on = $1 WHERE id = $2")
        .bind(&done)
        .bind(commitment_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(p.unit_id),
            entity: "coop_commitment",
            entity_id: commitment_id.to_string(),
            action: "complete",
            before: Some(serde_json::json!({"done_on": before})),
            after: Some(serde_json::json!({"done_on": done})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(model::detail(db, p).await?)
}

/// Adds a review the programme foresees.
pub async fn add_review(db: &Db, v: &Viewer, id: i64, r: &NewReview) -> Result<Detail, AppError> {
    let (p, actor) = editable(db, v, id).await?;
    let kind = review_kind(&r.kind)?;
    let due = day("due_on", &r.due_on)?;
    let mut tx = db.begin().await?;
    let rid = insert_review(&mut tx, p.id, kind, &due).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(p.unit_id),
            entity: "coop_review",
            entity_id: rid.to_string(),
            action: "create",
            before: None,
            after: Some(serde_json::json!({"programme_id": p.id, "kind": kind, "due_on": due})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(model::detail(db, p).await?)
}

/// A review as held, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Held {
    #[serde(default)]
    pub held_on: String,
    #[serde(default)]
    pub results: String,
}

/// Records that a review was held: its day (not after today) and results. A held review leaves
/// the dashboards and is reminded no more.
pub async fn review_held(
    db: &Db,
    v: &Viewer,
    id: i64,
    review_id: i64,
    h: &Held,
) -> Result<Detail, AppError> {
    let (p, actor) = editable(db, v, id).await?;
    let held = day("held_on", &h.held_on)?;
    if held > today() {
        return Err(invalid(
            "held_on",
            "Ngày tổ chức không được sau hôm nay",
            "The day it was held cannot be after today",
        ));
    }
    let results = required("results", &h.results, &limits::LONG_TEXT)?;
    let mut tx = db.begin().await?;
    let before = sqlx::query_as::<_, (Option<String>, Option<String>)>(
        "SELECT held_on, results FROM coop_reviews WHERE id = $1 AND programme_id = $2",
    )
    .bind(review_id)
    .bind(p.id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    sqlx::query("UPDATE coop_reviews SET held_on = $1, results = $2 WHERE id = $3")
        .bind(&held)
        .bind(&results)
        .bind(review_id)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(p.unit_id),
            entity: "coop_review",
            entity_id: review_id.to_string(),
            action: "held",
            before: Some(serde_json::json!({"held_on": before.0, "results": before.1})),
            after: Some(serde_json::json!({"held_on": held, "results": results})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(model::detail(db, p).await?)
}

/// Attaches a file (a PDF or a photo, checked by `files::prepare`) to the programme, or to one
/// of its reviews.
pub async fn attach(
    state: &crate::state::AppState,
    v: &Viewer,
    id: i64,
    review_id: Option<i64>,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<model::Attachment, AppError> {
    let db = &state.db;
    let (p, actor) = editable(db, v, id).await?;
    if let Some(r) = review_id {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT id FROM coop_reviews WHERE id = $1 AND programme_id = $2")
                .bind(r)
                .bind(p.id)
                .fetch_optional(&db.pool)
                .await?;
        found.ok_or(AppError::NotFound)?;
    }
    let name = limits::NAME.fit(file_name);
    let name = if name.is_empty() {
        "tep".to_owned()
    } else {
        name
    };
    let prepared = tokio::task::spawn_blocking(move || crate::files::prepare(&bytes))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::field("file", e))?;
    let size = i64::try_from(prepared.bytes.len()).unwrap_or(i64::MAX);
    let content_type = prepared.content_type;
    let key = state
        .files
        .put("cooperation", prepared.bytes)
        .await
        .map_err(AppError::Internal)?;
    let written = async {
        let mut tx = db.begin().await?;
        let fid: i64 = sqlx::query_scalar(
            "INSERT INTO coop_files (programme_id, review_id, object_key, file_name, content_type, size_bytes, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(p.id)
        .bind(review_id)
        .bind(&key)
        .bind(&name)
        .bind(content_type)
        .bind(size)
        .bind(now())
        .bind(v.person_id)
        .fetch_one(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            actor,
            Change {
                unit_id: Some(p.unit_id),
                entity: "coop_file",
                entity_id: fid.to_string(),
                action: "attach",
                before: None,
                after: Some(serde_json::json!({"programme_id": p.id, "review_id": review_id, "file_name": name, "size_bytes": size})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok::<i64, sqlx::Error>(fid)
    }
    .await;
    match written {
        Ok(fid) => Ok(model::Attachment {
            id: fid,
            review_id,
            file_name: name,
            content_type: content_type.to_owned(),
            size_bytes: size,
            object_key: key,
        }),
        Err(e) => {
            state.files.forget(&key).await;
            Err(e.into())
        }
    }
}
