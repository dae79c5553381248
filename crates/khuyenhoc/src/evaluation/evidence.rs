//! Evidence (minh chứng): a photo, a PDF or a note tied to one indicator of an evaluation.
//! Files are checked by their bytes and photos reduced (see `crate::files`) before storing.

use super::model::{self, Evaluation, Evidence};
use super::{service, sets};
use crate::audit::{self, Actor, Change};
use crate::auth::{perm, Viewer};
use crate::db::now;
use crate::error::AppError;
use crate::files::{self, Kind};
use crate::state::AppState;
use khuyenhoc_criteria::EvidenceKind;
use khuyenhoc_domain::Invalid;

/// Attaches a file or a note to an indicator, while the evaluation is still editable; the new
/// evidence row's id.
pub async fn attach(
    state: &AppState,
    v: &Viewer,
    id: i64,
    indicator: &str,
    file: Option<(String, Vec<u8>)>,
    note: &str,
) -> Result<i64, AppError> {
    let e = service::visible(&state.db, v, id).await?;
    let actor = attaching(state, v, &e).await?;
    let set = sets::by_id(state, e.set_id).await?;
    let ind = set.indicator(indicator).ok_or_else(|| {
        AppError::field(
            "indicator",
            Invalid::new("Không có chỉ số này", "No such indicator"),
        )
    })?;
    let note = khuyenhoc_domain::text::clean(note);
    if note.chars().count() > 2000 {
        return Err(AppError::field(
            "note",
            Invalid::new(
                "Ghi chú tối đa 2000 ký tự",
                "A note has at most 2,000 characters",
            ),
        ));
    }
    let (kind, prepared) = prepare(file, &note).await?;
    if !ind.evidence.kinds.contains(&kind) {
        return Err(AppError::field(
            "file",
            Invalid::new(
                "Chỉ số này không nhận loại minh chứng này",
                "This indicator does not take this kind of evidence",
            ),
        ));
    }
    let stored = match prepared {
        Some((name, p)) => Some(store(state, &name, p).await?),
        None => None,
    };
    record(state, actor, &e, indicator, kind, stored, &note).await
}

/// Who attaches: the subject, the household head (as themself) or an officer who enters
/// evaluations (in that position), and only while the evaluation is editable.
async fn attaching(state: &AppState, v: &Viewer, e: &Evaluation) -> Result<Actor, AppError> {
    let own = e.subject_kind == "person" && e.subject_id == v.person_id;
    let officer = v.position_for(perm::EVALUATION_ENTER, &e.unit_path);
    let head: Option<i64> = if e.subject_kind == "group" {
        sqlx::query_scalar("SELECT head_person_id FROM learning_groups WHERE id = $1")
            .bind(e.subject_id)
            .fetch_one(&state.db.pool)
            .await?
    } else {
        None
    };
    if !own && officer.is_none() && head != Some(v.person_id) {
        return Err(AppError::NotFound);
    }
    if !e.status.editable() {
        return Err(AppError::bad_request(
            "Hồ sơ đã nộp, không thêm minh chứng được nữa",
            "The evaluation is submitted: evidence can no longer be added",
        ));
    }
    let position = if own || head == Some(v.person_id) {
        None
    } else {
        officer.map(|p| p.position_id)
    };
    Ok(Actor::new(v.person_id, position))
}

/// The kind of evidence, and the file checked by its bytes (photos reduced) when there is one.
async fn prepare(
    file: Option<(String, Vec<u8>)>,
    note: &str,
) -> Result<(EvidenceKind, Option<(String, files::Prepared)>), AppError> {
    match file {
        Some((name, bytes)) => {
            let prepared = tokio::task::spawn_blocking(move || files::prepare(&bytes))
                .await
                .map_err(|e| anyhow::anyhow!(e))?
                .map_err(|e| AppError::field("file", e))?;
            let kind = match prepared.kind {
                Kind::Photo => EvidenceKind::Photo,
                Kind::Document => EvidenceKind::Document,
            };
            Ok((kind, Some((name, prepared))))
        }
        None if !note.is_empty() => Ok((EvidenceKind::Note, None)),
        None => Err(AppError::field(
            "file",
            Invalid::new(
                "Hãy chọn ảnh, tệp PDF hoặc viết ghi chú",
                "Choose a photo or a PDF, or write a note",
            ),
        )),
    }
}

/// A stored file: its key in the file store, its name as given (at most 200 characters), its
/// content type and size.
struct Stored {
    key: String,
    name: String,
    content_type: &'static str,
    size: i64,
}

async fn store(state: &AppState, name: &str, p: files::Prepared) -> Result<Stored, AppError> {
    let size = i64::try_from(p.bytes.len()).unwrap_or(i64::MAX);
    let key = state.files.put("evidence", p.bytes).await?;
    Ok(Stored {
        key,
        name: khuyenhoc_domain::text::clean(name)
            .chars()
            .take(200)
            .collect(),
        content_type: p.content_type,
        size,
    })
}

/// The evidence row and its audit entry, in one transaction; the row's id.
async fn record(
    state: &AppState,
    actor: Actor,
    e: &Evaluation,
    indicator: &str,
    kind: EvidenceKind,
    stored: Option<Stored>,
    note: &str,
) -> Result<i64, AppError> {
    let (key, name, ct, size) = match stored {
        Some(s) => (
            Some(s.key),
            Some(s.name),
            Some(s.content_type),
            Some(s.size),
        ),
        None => (None, None, None, None),
    };
    let mut tx = state.db.begin().await?;
    let eid: i64 = sqlx::query_scalar(
        "INSERT INTO evidence (evaluation_id, indicator, kind, object_key, file_name, content_type, size_bytes, note, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(e.id)
    .bind(indicator)
    .bind(kind.code())
    .bind(&key)
    .bind(&name)
    .bind(ct)
    .bind(size)
    .bind(Some(note.to_owned()).filter(|n| !n.is_empty()))
    .bind(now())
    .bind(actor.person_id)
    .fetch_one(&mut *tx)
    .await?;
    let after = serde_json::json!({"evaluation": e.id, "indicator": indicator, "kind": kind.code(), "file_name": name, "size": size});
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(e.unit_id),
            entity: "evidence",
            entity_id: eid.to_string(),
            action: "attach",
            before: None,
            after: Some(after),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(eid)
}

/// An evidence file, for whoever may read its evaluation.
pub async fn file(
    state: &AppState,
    v: &Viewer,
    evidence_id: i64,
) -> Result<(Evidence, bytes::Bytes), AppError> {
    let evaluation_id: i64 = sqlx::query_scalar("SELECT evaluation_id FROM evidence WHERE id = $1")
        .bind(evidence_id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    service::visible(&state.db, v, evaluation_id).await?;
    let ev = model::evidence(&state.db, evaluation_id)
        .await?
        .into_iter()
        .find(|x| x.id == evidence_id)
        .ok_or(AppError::NotFound)?;
    let key = ev.object_key.clone().ok_or(AppError::NotFound)?;
    let bytes = state.files.get(&key).await?;
    Ok((ev, bytes))
}

/// The evidence row and its evaluation, for its owner while the evaluation is editable. The
/// owner is the evaluation's subject, or the head of the group evaluated; everyone else (an
/// officer in scope included) gets the 404 of evidence that does not exist.
async fn owned(
    state: &AppState,
    v: &Viewer,
    evidence_id: i64,
) -> Result<(Evaluation, Evidence), AppError> {
    let evaluation_id: i64 = sqlx::query_scalar("SELECT evaluation_id FROM evidence WHERE id = $1")
        .bind(evidence_id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let e = service::visible(&state.db, v, evaluation_id).await?;
    let owner = is_owner(state, v, &e).await?;
    if !owner {
        return Err(AppError::NotFound);
    }
    if !e.status.editable() {
        return Err(AppError::bad_request(
            "Hồ sơ đã nộp, không gỡ hay thay minh chứng được nữa",
            "The evaluation is submitted: evidence can no longer be removed or replaced",
        ));
    }
    let ev = model::evidence(&state.db, evaluation_id)
        .await?
        .into_iter()
        .find(|x| x.id == evidence_id)
        .ok_or(AppError::NotFound)?;
    Ok((e, ev))
}

/// Whether the viewer owns the evaluation's evidence: its subject, or the head of the group.
pub async fn is_owner(state: &AppState, v: &Viewer, e: &Evaluation) -> Result<bool, AppError> {
    Ok(match e.subject_kind.as_str() {
        "person" => e.subject_id == v.person_id,
        "group" => {
            let head: Option<i64> =
                sqlx::query_scalar("SELECT head_person_id FROM learning_groups WHERE id = $1")
                    .bind(e.subject_id)
                    .fetch_one(&state.db.pool)
                    .await?;
            head == Some(v.person_id)
        }
        _ => false,
    })
}

/// Only while the evaluation is still editable: a submission meanwhile wins, and the change
/// is refused in the same words as [`owned`].
const STILL_EDITABLE: &str =
    "evaluation_id IN (SELECT id FROM evaluations WHERE id = $2 AND status IN ('registered', 'returned'))";

fn submitted_meanwhile() -> AppError {
    AppError::bad_request(
        "Hồ sơ đã nộp, không gỡ hay thay minh chứng được nữa",
        "The evaluation is submitted: evidence can no longer be removed or replaced",
    )
}

fn described(ev: &Evidence) -> serde_json::Value {
    serde_json::json!({"indicator": ev.indicator, "kind": ev.kind, "file_name": ev.file_name, "size": ev.size_bytes, "note": ev.note})
}

/// Removes a piece of evidence (its owner, before submission); the stored file is deleted after
/// the commit. Returns the evaluation's id.
pub async fn remove(state: &AppState, v: &Viewer, evidence_id: i64) -> Result<i64, AppError> {
    let (e, ev) = owned(state, v, evidence_id).await?;
    let mut tx = state.db.begin().await?;
    let sql = format!("DELETE FROM evidence WHERE id = $1 AND {STILL_EDITABLE}");
    let gone = sqlx::query(&sql)
        .bind(evidence_id)
        .bind(e.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if gone != 1 {
        return Err(submitted_meanwhile());
    }
    let change = Change {
        unit_id: Some(e.unit_id),
        entity: "evidence",
        entity_id: evidence_id.to_string(),
        action: "remove",
        before: Some(described(&ev)),
        after: None,
    };
    audit::record(&mut tx, Actor::new(v.person_id, None), change).await?;
    tx.commit().await?;
    if let Some(key) = &ev.object_key {
        state.files.forget(key).await;
    }
    Ok(e.id)
}

/// Replaces the file of a piece of evidence (its owner, before submission) with another the
/// indicator accepts; the old file is deleted after the commit. Returns the evaluation's id.
pub async fn replace(
    state: &AppState,
    v: &Viewer,
    evidence_id: i64,
    file: Option<(String, Vec<u8>)>,
) -> Result<i64, AppError> {
    let (e, ev) = owned(state, v, evidence_id).await?;
    let Some(file) = file else {
        return Err(AppError::field(
            "file",
            Invalid::new("Hãy chọn ảnh hoặc tệp PDF", "Choose a photo or a PDF"),
        ));
    };
    let set = sets::by_id(state, e.set_id).await?;
    let (kind, prepared) = prepare(Some(file), "").await?;
    let accepted = set
        .indicator(&ev.indicator)
        .is_some_and(|i| i.evidence.kinds.contains(&kind));
    if !accepted {
        return Err(AppError::field(
            "file",
            Invalid::new(
                "Chỉ số này không nhận loại minh chứng này",
                "This indicator does not take this kind of evidence",
            ),
        ));
    }
    let Some((name, p)) = prepared else {
        return Err(AppError::NotFound);
    };
    let s = store(state, &name, p).await?;
    let mut tx = state.db.begin().await?;
    let sql = format!(
        "UPDATE evidence SET kind = $3, object_key = $4, file_name = $5, content_type = $6, size_bytes = $7 \
         WHERE id = $1 AND {STILL_EDITABLE}"
    );
    let changed = sqlx::query(&sql)
        .bind(evidence_id)
        .bind(e.id)
        .bind(kind.code())
        .bind(&s.key)
        .bind(&s.name)
        .bind(s.content_type)
        .bind(s.size)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if changed != 1 {
        drop(tx);
        state.files.forget(&s.key).await;
        return Err(submitted_meanwhile());
    }
    let after = serde_json::json!({"indicator": ev.indicator, "kind": kind.code(), "file_name": s.name, "size": s.size});
    let change = Change {
        unit_id: Some(e.unit_id),
        entity: "evidence",
        entity_id: evidence_id.to_string(),
        action: "replace",
        before: Some(described(&ev)),
        after: Some(after),
    };
    audit::record(&mut tx, Actor::new(v.person_id, None), change).await?;
    tx.commit().await?;
    if let Some(key) = &ev.object_key {
        state.files.forget(key).await;
    }
    Ok(e.id)
}
