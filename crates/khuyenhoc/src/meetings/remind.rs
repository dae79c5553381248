//! Reminders of a meeting: queued once per meeting and stage when the invitations are sent
//! (`meetings.remind:{id}:{stage}`, the day before and the hour before), told to every
//! participant by the job when it runs.

use super::model;
use crate::db::Db;
use crate::db::Tx;
use crate::error::AppError;
use crate::jobs::Job;
use crate::notify::Notice;

pub const REMIND_JOB: &str = "meetings.remind";

/// The stages of the reminders and how long before the start each goes.
pub const STAGES: [(&str, i64); 2] = [("day", 86_400), ("hour", 3_600)];

pub async fn remind_job(job: Job) -> Result<(), String> {
    #[derive(serde::Deserialize)]
    struct Payload {
        meeting_id: i64,
        stage: String,
    }
    let p: Payload = serde_json::from_str(&job.payload).map_err(|e| e.to_string())?;
    remind(&job.state.db, p.meeting_id, &p.stage)
        .await
        .map_err(|e| e.to_string())
}

/// Tells every participant that the meeting comes (`stage`: day or hour).
pub async fn remind(db: &Db, id: i64, stage: &str) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let Some(m) = model::by_id(&mut *tx, id).await? else {
        return Ok(());
    };
    let when = model::vn_words(m.start);
    let (soon_vi, soon_en) = if stage == "hour" {
        ("sau một giờ nữa", "in an hour")
    } else {
        ("ngày mai", "tomorrow")
    };
    let vi = format!(
        "Nhắc lịch: “{}” bắt đầu {soon_vi} ({when}). Xem tại /meetings/{id}",
        m.title
    );
    let en = format!(
        "Reminder: “{}” starts {soon_en} ({when}). See /meetings/{id}",
        m.title
    );
    tell(&mut tx, id, &vi, &en).await?;
    tx.commit().await?;
    Ok(())
}

/// The people a meeting's notices go to: those invited by name and the holders of a position at
/// an invited unit, each once.
async fn participants(tx: &mut Tx<'_>, id: i64) -> Result<Vec<i64>, sqlx::Error> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT person_id FROM meeting_people WHERE meeting_id = $1 \
         UNION SELECT h.person_id FROM meeting_units mu JOIN positions s ON s.unit_id = mu.unit_id \
         JOIN position_holdings h ON h.position_id = s.id AND h.to_at IS NULL WHERE mu.meeting_id = $1 \
         ORDER BY 1",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Tells every participant of the meeting `id` something, in the caller's transaction.
pub(super) async fn tell(tx: &mut Tx<'_>, id: i64, vi: &str, en: &str) -> Result<(), AppError> {
    for person in participants(tx, id).await? {
        let notice = Notice::Text {
            vi: vi.to_owned(),
            en: en.to_owned(),
        };
        crate::notify::send(tx, person, notice).await?;
    }
    Ok(())
}
