//! Attendance and what follows a meeting: who may attend, checking in with the code, the host
//! marking present (each once, audited), documents linked, the minutes issued as a document.

use super::model::{self, Detail, Meeting};
use super::service::{invalid, managed, read, wrong_state};
use crate::audit::{self, Actor, Change};
use crate::auth::Viewer;
use crate::db::{now, Tx};
use crate::documents::recipients::Choice;
use crate::error::AppError;
use crate::state::AppState;
use serde::Deserialize;

/// Whether the person may attend: invited by name, or holding a position at the host or at an
/// invited unit.
async fn may_attend(tx: &mut Tx<'_>, id: i64, person_id: i64) -> Result<bool, sqlx::Error> {
    let hit: Option<i64> = sqlx::query_scalar(
        "SELECT person_id FROM meeting_people WHERE meeting_id = $1 AND person_id = $2 \
         UNION SELECT h.person_id FROM position_holdings h JOIN positions s ON s.id = h.position_id \
         WHERE h.person_id = $2 AND h.to_at IS NULL AND (s.unit_id = (SELECT unit_id FROM meetings WHERE id = $1) \
         OR s.unit_id IN (SELECT unit_id FROM meeting_units WHERE meeting_id = $1))",
    )
    .bind(id)
    .bind(person_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(hit.is_some())
}

/// Marks a person present (`how`: host or code), once, with its audit entry.
async fn mark(
    tx: &mut Tx<'_>,
    m: &Meeting,
    person_id: i64,
    how: &str,
    actor: Actor,
) -> Result<(), AppError> {
    let id = m.id;
    let done = sqlx::query(
        "INSERT INTO meeting_attendance (meeting_id, person_id, how, at, marked_by) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (meeting_id, person_id) DO NOTHING",
    )
    .bind(id)
    .bind(person_id)
    .bind(how)
    .bind(now())
    .bind(actor.person_id)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 1 {
        let action = if how == "code" {
            "check_in"
        } else {
            "mark_present"
        };
        audit::record(
            tx,
            actor,
            Change {
                unit_id: Some(m.unit_id),
                entity: "meeting_attendance",
                entity_id: format!("{id}:{person_id}"),
                action,
                before: None,
                after: Some(serde_json::json!({ "how": how })),
            },
        )
        .await?;
    }
    Ok(())
}

/// A participant checks in with the code shown in the room, only while the meeting is open
/// (from 30 minutes before the start to the end). A wrong code and a code outside that time are
/// refused alike; the code is 8 characters of 32 (40 bits), so guessing it in the hours it
/// is valid is hopeless.
pub async fn check_in(
    state: &AppState,
    v: &Viewer,
    id: i64,
    code: &str,
) -> Result<Detail, AppError> {
    let m = model::readable(&state.db, v, id).await?;
    let typed: String = code
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_uppercase();
    let open = m.is_open_at(state.clock.now().timestamp());
    if !open || !crate::auth::same_secret(&typed, &m.checkin_code) {
        return Err(invalid(
            "code",
            "Mã điểm danh không đúng hoặc cuộc họp không diễn ra lúc này",
            "The check-in code is wrong, or the meeting is not on now",
        ));
    }
    let mut tx = state.db.begin().await?;
    if !may_attend(&mut tx, id, v.person_id).await? {
        return Err(AppError::NotFound);
    }
    mark(
        &mut tx,
        &m,
        v.person_id,
        "code",
        Actor::new(v.person_id, None),
    )
    .await?;
    tx.commit().await?;
    read(state, v, id).await
}

/// The host marks a participant present (from 30 minutes before the start; also after the end,
/// to complete the list).
pub async fn mark_present(
    state: &AppState,
    v: &Viewer,
    id: i64,
    person_id: i64,
) -> Result<Detail, AppError> {
    let (m, actor) = managed(&state.db, v, id).await?;
    if state.clock.now().timestamp() < m.start - model::OPENS_BEFORE {
        return Err(wrong_state(
            "Cuộc họp chưa bắt đầu",
            "The meeting has not started",
        ));
    }
    let mut tx = state.db.begin().await?;
    if !may_attend(&mut tx, id, person_id).await? {
        return Err(invalid(
            "person_id",
            "Người này không được mời dự cuộc họp",
            "This person is not invited to the meeting",
        ));
    }
    mark(&mut tx, &m, person_id, "host", actor).await?;
    tx.commit().await?;
    read(state, v, id).await
}

/// Links a document to the meeting (the host; a document the host reads).
pub async fn link_document(
    state: &AppState,
    v: &Viewer,
    id: i64,
    document_id: i64,
) -> Result<Detail, AppError> {
    let (m, actor) = managed(&state.db, v, id).await?;
    crate::documents::model::readable(&state.db, v, document_id)
        .await
        .map_err(|_| {
            invalid(
                "document_id",
                "Không tìm thấy văn bản này",
                "No such document",
            )
        })?;
    let mut tx = state.db.begin().await?;
    let done = sqlx::query(
        "INSERT INTO meeting_documents (meeting_id, document_id) VALUES ($1, $2) \
         ON CONFLICT (meeting_id, document_id) DO NOTHING",
    )
    .bind(id)
    .bind(document_id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 1 {
        audit::record(
            &mut tx,
            actor,
            Change {
                unit_id: Some(m.unit_id),
                entity: "meeting",
                entity_id: id.to_string(),
                action: "link_document",
                before: None,
                after: Some(serde_json::json!({"document_id": document_id})),
            },
        )
        .await?;
    }
    tx.commit().await?;
    read(state, v, id).await
}

/// The minutes as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Minutes {
    /// The summary (trích yếu) of the minutes.
    #[serde(default)]
    pub summary: String,
    /// The position that signs (a position of the host unit).
    #[serde(default)]
    pub signer_position_id: i64,
}

/// Writes the minutes after the meeting as a document (biên bản) of the host addressed to the
/// units that attended (answered "attend" or had someone present): drafted through the
/// documents service, and signed and issued at once when the viewer holds the signer position
/// (otherwise it waits in the outgoing register for its signer).
pub async fn minutes(
    state: &AppState,
    v: &Viewer,
    id: i64,
    f: &Minutes,
) -> Result<Detail, AppError> {
    let (m, actor) = managed(&state.db, v, id).await?;
    if state.clock.now().timestamp() < m.end {
        return Err(wrong_state(
            "Biên bản được lập sau khi cuộc họp kết thúc",
            "The minutes are written after the meeting ends",
        ));
    }
    if m.minutes_document_id.is_some() {
        return Err(wrong_state(
            "Cuộc họp đã có biên bản",
            "The meeting has minutes already",
        ));
    }
    let codes: Vec<String> = sqlx::query_scalar(
        "SELECT u.code FROM meeting_units mu JOIN units u ON u.id = mu.unit_id \
         WHERE mu.meeting_id = $1 AND (mu.answer = 'attend' OR EXISTS ( \
           SELECT 1 FROM meeting_attendance a JOIN position_holdings h ON h.person_id = a.person_id \
           AND h.to_at IS NULL JOIN positions s ON s.id = h.position_id \
           WHERE a.meeting_id = mu.meeting_id AND s.unit_id = mu.unit_id)) ORDER BY u.path",
    )
    .bind(id)
    .fetch_all(&state.db.pool)
    .await?;
    if codes.is_empty() {
        return Err(wrong_state(
            "Chưa có điểm cầu nào tham dự để gửi biên bản",
            "No invited unit attended to send the minutes to",
        ));
    }
    let input = crate::documents::service::NewDocument {
        type_code: "bb".into(),
        summary: f.summary.clone(),
        signer_position_id: f.signer_position_id,
        urgency: None,
        reply_due: None,
        recipients: vec![Choice::Units { codes }],
    };
    let doc = crate::documents::service::create(state, v, &m.unit_code, &input).await?;
    let mut tx = state.db.begin().await?;
    let taken = sqlx::query(
        "UPDATE meetings SET minutes_document_id = $1 WHERE id = $2 AND minutes_document_id IS NULL",
    )
    .bind(doc.id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if taken.rows_affected() != 1 {
        return Err(wrong_state(
            "Cuộc họp đã có biên bản",
            "The meeting has minutes already",
        ));
    }
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(m.unit_id),
            entity: "meeting",
            entity_id: id.to_string(),
            action: "minutes",
            before: None,
            after: Some(serde_json::json!({"document_id": doc.id})),
        },
    )
    .await?;
    tx.commit().await?;
    if v.positions
        .iter()
        .any(|p| p.position_id == doc.signer_position_id)
    {
        crate::documents::service::sign(state, v, doc.id).await?;
        crate::documents::service::issue(state, v, doc.id).await?;
    }
    read(state, v, id).await
}
