//! Reminders of a meeting: queued once per meeting and stage when the invitations are sent
//! (`meetings.remind:{id}:{stage}`, the day before and the hour before), told to every
//! participant by the job when it runs.

use super::model;
use crate::db::Db;
use crate::error::AppError;
use crate::jobs::Job;

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
    super::service::tell(&mut tx, id, &vi, &en).await?;
    tx.commit().await?;
    Ok(())
}
