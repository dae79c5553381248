//! The receiving side's changes, each with its audit entry: opening (the first officer of the
//! receiving unit), acknowledging, replying, forwarding to units below.

use super::model::{self, Entry};
use super::recipients::{self, Choice};
use super::service::{deliver, field, today, wrong_state};
use crate::audit::{self, Actor, Change};
use crate::auth::{perm, Viewer};
use crate::db::now;
use crate::error::AppError;
use crate::state::AppState;
use khuyenhoc_domain::limits;

/// A recipient's entry the viewer reads (a unit it reads received it); "not found" otherwise.
pub async fn entry(state: &AppState, v: &Viewer, rid: i64) -> Result<Entry, AppError> {
    let e = model::entry_by_id(&state.db.pool, rid, &today(state)).await?;
    v.read(e)
}

/// Marks an entry opened the first time an officer of the receiving unit itself opens it (with
/// `document.issue`; a unit above opening it does not mark it). Returns the entry as it is now.
pub async fn open(state: &AppState, v: &Viewer, rid: i64) -> Result<Entry, AppError> {
    let (e, _) = v.act(
        model::entry_by_id(&state.db.pool, rid, &today(state)).await?,
        perm::DOCUMENT_ISSUE,
    )?;
    let Some(own) = v.positions.iter().find(|p| p.unit_id == e.unit_id) else {
        return Ok(e);
    };
    if e.opened_at.is_some() {
        return Ok(e);
    }
    let actor = Actor::new(v.person_id, Some(own.position_id));
    let mut tx = state.db.begin().await?;
    let done = sqlx::query(
        "UPDATE document_recipients SET opened_at = $1, opened_by = $2 WHERE id = $3 AND opened_at IS NULL",
    )
    .bind(now())
    .bind(v.person_id)
    .bind(rid)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 1 {
        audit::record(
            &mut tx,
            actor,
            Change {
                unit_id: Some(e.unit_id),
                entity: "document_entry",
                entity_id: rid.to_string(),
                action: "open",
                before: None,
                after: Some(serde_json::json!({"document_id": e.document_id})),
            },
        )
        .await?;
    }
    let after = model::entry_by_id(&mut *tx, rid, &today(state))
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(after)
}

/// The entry with `document.issue` over its unit, for a change of it; a recalled document takes
/// none.
pub(super) async fn entry_to_act(
    state: &AppState,
    v: &Viewer,
    rid: i64,
) -> Result<(Entry, Actor), AppError> {
    let (e, actor) = v.act(
        model::entry_by_id(&state.db.pool, rid, &today(state)).await?,
        perm::DOCUMENT_ISSUE,
    )?;
    if e.recalled {
        return Err(wrong_state(
            "Văn bản đã bị thu hồi",
            "The document has been recalled",
        ));
    }
    Ok((e, actor))
}

/// Acknowledges receipt (đã nhận); opens the entry too when nobody had. Done once: a second
/// acknowledgement changes nothing.
pub async fn acknowledge(state: &AppState, v: &Viewer, rid: i64) -> Result<Entry, AppError> {
    let (e, actor) = entry_to_act(state, v, rid).await?;
    if e.acknowledged_at.is_some() {
        return Ok(e);
    }
    let t = now();
    let mut tx = state.db.begin().await?;
    let done = sqlx::query(
        "UPDATE document_recipients SET acknowledged_at = $1, acknowledged_by = $2, \
         opened_at = COALESCE(opened_at, $1), opened_by = COALESCE(opened_by, $2) \
         WHERE id = $3 AND acknowledged_at IS NULL",
    )
    .bind(t)
    .bind(v.person_id)
    .bind(rid)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 1 {
        audit::record(
            &mut tx,
            actor,
            Change {
                unit_id: Some(e.unit_id),
                entity: "document_entry",
                entity_id: rid.to_string(),
                action: "acknowledge",
                before: None,
                after: Some(serde_json::json!({"document_id": e.document_id})),
            },
        )
        .await?;
    }
    let after = model::entry_by_id(&mut *tx, rid, &today(state))
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(after)
}

/// Replies to a document that asks for a reply (once), acknowledging it too.
pub async fn reply(state: &AppState, v: &Viewer, rid: i64, text: &str) -> Result<Entry, AppError> {
    let (e, actor) = entry_to_act(state, v, rid).await?;
    if e.reply_due.is_none() {
        return Err(wrong_state(
            "Văn bản này không yêu cầu trả lời",
            "This document asks for no reply",
        ));
    }
    let text = limits::LONG_TEXT
        .check(text)
        .map_err(|err| AppError::field("text", err))?;
    if text.is_empty() {
        return Err(field("text", "Hãy nhập nội dung trả lời", "Type the reply"));
    }
    let t = now();
    let mut tx = state.db.begin().await?;
    let done = sqlx::query(
        "UPDATE document_recipients SET replied_at = $1, replied_by = $2, reply_text = $3, \
         acknowledged_at = COALESCE(acknowledged_at, $1), acknowledged_by = COALESCE(acknowledged_by, $2), \
         opened_at = COALESCE(opened_at, $1), opened_by = COALESCE(opened_by, $2) \
         WHERE id = $4 AND replied_at IS NULL",
    )
    .bind(t)
    .bind(v.person_id)
    .bind(&text)
    .bind(rid)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(wrong_state(
            "Đơn vị đã trả lời văn bản này",
            "The unit has already replied",
        ));
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(e.unit_id),
            entity: "document_entry",
            entity_id: rid.to_string(),
            action: "reply",
            before: None,
            after: Some(serde_json::json!({"document_id": e.document_id, "text": text})),
        },
    )
    .await?;
    let after = model::entry_by_id(&mut *tx, rid, &today(state))
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(after)
}

/// Forwards a received document to units below the receiving unit: each gets its own entry,
/// numbered in its own incoming register; units that hold it already are left alone. Returns
/// how many units it went to.
pub async fn forward(
    state: &AppState,
    v: &Viewer,
    rid: i64,
    choices: &[Choice],
) -> Result<usize, AppError> {
    let (e, actor) = entry_to_act(state, v, rid).await?;
    let year: i64 = today(state)[..4].parse().unwrap_or(e.year);
    let mut tx = state.db.begin().await?;
    let receivers = recipients::resolve(&mut tx, &e.unit_path, choices).await?;
    let made = deliver(&mut tx, e.document_id, &receivers, Some(e.unit_id), year).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(e.unit_id),
            entity: "document_entry",
            entity_id: rid.to_string(),
            action: "forward",
            before: None,
            after: Some(serde_json::json!({"document_id": e.document_id, "units": made})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(made)
}
