//! Saving answers while the evaluation is editable, and submitting it.

use super::{acting, audit_step, event, head_of, joined, lock, not_now, visible, write_state};
use crate::auth::{perm, Viewer};
use crate::error::AppError;
use crate::evaluation::lifecycle::Step;
use crate::evaluation::model::{self, Evaluation};
use crate::evaluation::{score, sets};
use crate::state::AppState;
use std::collections::BTreeMap;

/// Saves answers (indicator code → points or count; `None` clears). Only while editable.
pub async fn save_answers(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    values: &BTreeMap<String, Option<u32>>,
) -> Result<(Evaluation, score::Scored), AppError> {
    let db = &state.db;
    let e = visible(db, viewer, id).await?;
    let head = head_of(db, &e).await?;
    let a = acting(
        viewer,
        &e.subject_kind,
        e.subject_id,
        head,
        &e.unit_path,
        perm::EVALUATION_ENTER,
    )
    .ok_or(AppError::NotFound)?;
    let set = sets::by_id(state, e.set_id).await?;
    score::check_values(&set, e.form_group.as_deref(), values)?;
    let mut tx = db.begin().await?;
    let e = lock(&mut tx, id).await?;
    if !e.status.editable() {
        return Err(not_now("sửa"));
    }
    let mut answers = e.answers.clone();
    for (code, v) in values {
        let entry = answers.entry(code.clone()).or_default();
        entry.value = *v;
    }
    let sc = score::score_in(&mut tx, &set, &e, &answers).await?;
    let moved = write_state(&mut tx, &e, e.status, &answers, &sc).await?;
    let before: BTreeMap<&String, Option<u32>> = values
        .keys()
        .map(|k| (k, e.answers.get(k).and_then(|x| x.value)))
        .collect();
    audit_step(
        &mut tx,
        a,
        &e,
        "save_answers",
        serde_json::json!(before),
        serde_json::json!(values),
    )
    .await?;
    moved.apply(&mut tx).await?;
    tx.commit().await?;
    let e = model::by_id(db, id).await?.ok_or(AppError::NotFound)?;
    Ok((e, sc))
}

pub async fn submit(state: &AppState, viewer: &Viewer, id: i64) -> Result<Evaluation, AppError> {
    let db = &state.db;
    let e = visible(db, viewer, id).await?;
    let head = head_of(db, &e).await?;
    let a = acting(
        viewer,
        &e.subject_kind,
        e.subject_id,
        head,
        &e.unit_path,
        perm::EVALUATION_ENTER,
    )
    .ok_or(AppError::NotFound)?;
    let set = sets::by_id(state, e.set_id).await?;
    let mut tx = db.begin().await?;
    let e = lock(&mut tx, id).await?;
    let next = e.status.after(Step::Submit).ok_or_else(|| not_now("nộp"))?;
    refuse_pending(&mut tx, viewer, &e).await?;
    let sc = score::score_in(&mut tx, &set, &e, &e.answers).await?;
    if !sc.missing.is_empty() {
        let (vi, en) = joined(sc.missing.iter().map(|m| (m.1.as_str(), m.2.as_str())));
        return Err(AppError::Unprocessable {
            vi: format!("Chưa thể nộp: {vi}"),
            en: format!("Not ready to submit: {en}"),
        });
    }
    let moved = write_state(&mut tx, &e, next, &e.answers, &sc).await?;
    event(&mut tx, id, a, "submit", None).await?;
    audit_step(
        &mut tx,
        a,
        &e,
        "submit",
        serde_json::json!({"status": e.status.code()}),
        serde_json::json!({"status": next.code(), "total": sc.total}),
    )
    .await?;
    moved.apply(&mut tx).await?;
    tx.commit().await?;
    model::by_id(db, id).await?.ok_or(AppError::NotFound)
}

/// Nothing is submitted by or for a person whose registration by join link waits for an
/// officer (`accounts::pending`).
async fn refuse_pending(
    tx: &mut crate::db::Tx<'_>,
    viewer: &Viewer,
    e: &Evaluation,
) -> Result<(), AppError> {
    use crate::accounts::pending::{is_pending, NOT_YET};
    let subject_pending = e.subject_kind == "person" && is_pending(&mut **tx, e.subject_id).await?;
    if subject_pending || is_pending(&mut **tx, viewer.person_id).await? {
        return Err(AppError::Unprocessable {
            vi: NOT_YET.vi.to_owned(),
            en: NOT_YET.en.to_owned(),
        });
    }
    Ok(())
}
