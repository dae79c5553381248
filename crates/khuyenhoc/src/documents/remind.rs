//! Reminders to the overdue recipients of a sender: asked with one action, sent by a job of the
//! queue as a notice to every officer of each unit still overdue.

use super::model::{self, Document};
use super::service::{today, wrong_state};
use crate::audit::{self, Change};
use crate::auth::{perm, Viewer};
use crate::db::{now, Db};
use crate::error::AppError;
use crate::state::AppState;
use serde::Deserialize;
use sqlx::Row;

/// Job kind: reminders to the overdue recipients of a document.
pub const REMIND_JOB: &str = "documents.remind";

/// The sending side the viewer acts for on a document: the issuer (`None`), or a unit the
/// viewer acts for that forwarded it (`Some(unit)`), named by `via` (a unit code).
pub async fn sender(
    state: &AppState,
    v: &Viewer,
    doc: &Document,
    via: Option<&str>,
) -> Result<(Option<i64>, String), AppError> {
    match via.map(str::trim).filter(|c| !c.is_empty()) {
        None => {
            if !v.can_read(&doc.unit_path) {
                return Err(AppError::NotFound);
            }
            Ok((None, doc.unit_path.clone()))
        }
        Some(code) => {
            let unit = crate::org::model::by_code(&state.db, code).await?;
            let unit = v.read(unit)?;
            Ok((Some(unit.id), unit.path))
        }
    }
}

/// Asks for reminders to every overdue recipient of the sender (the issuer, or the forwarding
/// unit `via`): a job sends each officer of those units a notice. Returns how many units are
/// overdue now.
pub async fn remind(
    state: &AppState,
    v: &Viewer,
    id: i64,
    via: Option<&str>,
) -> Result<i64, AppError> {
    let doc = model::readable(&state.db, v, id).await?;
    let (via_id, path) = sender(state, v, &doc, via).await?;
    let actor = v.actor_for(perm::DOCUMENT_ISSUE, &path)?;
    let today = today(state);
    let counts = model::counts(&state.db, &doc, via_id, &today).await?;
    if doc.state != "issued" || counts.overdue == 0 {
        return Err(wrong_state(
            "Không có đơn vị nào quá hạn trả lời",
            "No unit is overdue",
        ));
    }
    let mut tx = state.db.begin().await?;
    let payload = serde_json::json!({"document_id": id, "via": via_id, "today": today}).to_string();
    crate::jobs::enqueue(&mut tx, REMIND_JOB, &payload, now()).await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(doc.unit_id),
            entity: "document",
            entity_id: id.to_string(),
            action: "remind",
            before: None,
            after: Some(serde_json::json!({"overdue": counts.overdue, "via": via_id})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(counts.overdue)
}

#[derive(Deserialize)]
struct RemindPayload {
    document_id: i64,
    via: Option<i64>,
    today: String,
}

/// The reminder job: a notice to every officer (an open position) of each unit still overdue,
/// and the time of the reminder on its entry, in one transaction.
pub async fn remind_job(job: crate::jobs::Job) -> Result<(), String> {
    let p: RemindPayload = serde_json::from_str(&job.payload).map_err(|e| e.to_string())?;
    send_reminders(&job.state.db, &p)
        .await
        .map_err(|e| format!("{e:?}"))
}

async fn send_reminders(db: &Db, p: &RemindPayload) -> Result<(), AppError> {
    let Some(doc) = model::by_id(&db.pool, p.document_id).await? else {
        return Ok(());
    };
    if doc.state != "issued" || doc.reply_due.as_ref().is_none_or(|d| *d >= p.today) {
        return Ok(());
    }
    let via = match p.via {
        None => "r.via_unit_id IS NULL".to_owned(),
        Some(u) => format!("r.via_unit_id = {u}"),
    };
    let mut tx = db.begin().await?;
    let rows = sqlx::query(&format!(
        "SELECT r.id, h.person_id FROM document_recipients r \
         JOIN positions ps ON ps.unit_id = r.unit_id AND ps.closed_at IS NULL \
         JOIN position_holdings h ON h.position_id = ps.id AND h.to_at IS NULL \
         WHERE r.document_id = $1 AND {via} AND r.replied_at IS NULL ORDER BY r.id, h.person_id"
    ))
    .bind(doc.id)
    .fetch_all(&mut *tx)
    .await?;
    let what = doc.symbol.clone().unwrap_or_default();
    let due = crate::i18n::day(doc.reply_due.as_deref().unwrap_or_default());
    let mut told = std::collections::HashSet::new();
    for r in &rows {
        let person: i64 = r.try_get(1)?;
        let rid: i64 = r.try_get(0)?;
        if !told.insert((rid, person)) {
            continue;
        }
        crate::notify::send(
            &mut tx,
            person,
            crate::notify::Notice::Text {
                vi: format!(
                    "Nhắc: văn bản số {what} của {} cần trả lời trước ngày {due}; đơn vị bạn chưa trả lời.",
                    doc.unit_name
                ),
                en: format!(
                    "Reminder: document {what} from {} asked for a reply by {due}; your unit has not replied.",
                    doc.unit_name
                ),
            },
        )
        .await?;
    }
    sqlx::query(&format!(
        "UPDATE document_recipients SET reminded_at = $1 WHERE document_id = $2 AND {} AND replied_at IS NULL",
        via.replace("r.", "")
    ))
    .bind(now())
    .bind(doc.id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
