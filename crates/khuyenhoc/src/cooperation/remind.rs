//! Reviews coming due, reminded through notifications. Once a day (08:00 in Vietnam) the tick
//! job looks at every review not yet held whose day is at most 14 days away or has passed, and
//! enqueues one reminder per review and stage with `jobs::enqueue_once`: `soon` (within the 14
//! days before), `today` (on the day), `overdue` (after it). The key names the review and the
//! stage, so each is sent once however many days and servers tick. A reminder job tells the
//! officers holding a position at the owning unit or at a unit the programme covers; a review
//! held in the meantime is reminded no more.

use super::model::{add_days, review_labels, DUE_SOON_DAYS};
use crate::db::{today, Db};
use crate::error::AppError;
use crate::jobs::Job;
use crate::notify::Notice;
use sqlx::Row;

/// The daily tick and the reminders.
pub const TICK_JOB: &str = "cooperation.reviews";
pub const REMIND_JOB: &str = "cooperation.remind";

const VIETNAM: i64 = 7 * 3600;

/// The key, payload and time of the tick of the day `now` falls in (Vietnam time).
pub fn when(now: i64) -> (String, String, i64) {
    let local_midnight = (now + VIETNAM).div_euclid(86_400) * 86_400;
    let date = chrono::DateTime::from_timestamp(local_midnight, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let at = local_midnight - VIETNAM + 8 * 3600;
    (format!("{TICK_JOB}:{date}"), "{}".to_owned(), at)
}

/// The stage of a review's reminder on `today`, if it is reminded at all.
pub fn stage(due_on: &str, today: &str) -> Option<&'static str> {
    if due_on < today {
        Some("overdue")
    } else if due_on == today {
        Some("today")
    } else if due_on <= add_days(today, DUE_SOON_DAYS).as_str() {
        Some("soon")
    } else {
        None
    }
}

/// Enqueues the reminders due on `today` (each review and stage once). Returns how many this
/// call added.
pub async fn tick(db: &Db, today: &str) -> Result<usize, AppError> {
    let until = add_days(today, DUE_SOON_DAYS);
    let rows = sqlx::query(
        "SELECT id, due_on FROM coop_reviews WHERE held_on IS NULL AND due_on <= $1 ORDER BY id",
    )
    .bind(until)
    .fetch_all(&db.pool)
    .await?;
    let mut tx = db.begin().await?;
    let mut added = 0;
    for r in rows {
        let id: i64 = r.try_get(0)?;
        let due: String = r.try_get(1)?;
        let Some(stage) = stage(&due, today) else {
            continue;
        };
        let payload = serde_json::json!({"review_id": id, "stage": stage}).to_string();
        let key = format!("{REMIND_JOB}:{id}:{stage}");
        if crate::jobs::enqueue_once(&mut tx, &key, REMIND_JOB, &payload, crate::db::now()).await? {
            added += 1;
        }
    }
    tx.commit().await?;
    Ok(added)
}

/// The tick job: the reminders of today.
pub async fn tick_job(job: Job) -> Result<(), String> {
    tick(&job.state.db, &today())
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The people to tell about a programme's review: holders of an open position at the owning
/// unit or at a unit it covers.
async fn officers(tx: &mut crate::db::Tx<'_>, programme_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT DISTINCT h.person_id FROM position_holdings h JOIN positions s ON s.id = h.position_id \
         WHERE h.to_at IS NULL AND (s.unit_id = (SELECT unit_id FROM coop_programmes WHERE id = $1) \
         OR s.unit_id IN (SELECT unit_id FROM coop_programme_units WHERE programme_id = $1)) \
         ORDER BY h.person_id",
    )
    .bind(programme_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// One reminder: every officer concerned is told, in one transaction.
pub async fn remind_job(job: Job) -> Result<(), String> {
    #[derive(serde::Deserialize)]
    struct Payload {
        review_id: i64,
        stage: String,
    }
    let p: Payload = serde_json::from_str(&job.payload).map_err(|e| e.to_string())?;
    remind(&job.state.db, p.review_id, &p.stage)
        .await
        .map_err(|e| e.to_string())
}

async fn remind(db: &Db, review_id: i64, stage: &str) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let row = sqlx::query(
        "SELECT r.kind, r.due_on, r.held_on, p.id, p.title FROM coop_reviews r \
         JOIN coop_programmes p ON p.id = r.programme_id WHERE r.id = $1",
    )
    .bind(review_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(());
    };
    let held: Option<String> = row.try_get(2)?;
    if held.is_some() {
        return Ok(());
    }
    let kind: String = row.try_get(0)?;
    let due: String = row.try_get(1)?;
    let programme_id: i64 = row.try_get(3)?;
    let title: String = row.try_get(4)?;
    let (kind_vi, kind_en) = review_labels(&kind);
    let day = crate::i18n::day(&due);
    let (vi, en) = match stage {
        "overdue" => (
            format!("{kind_vi} chương trình phối hợp “{title}” đã quá hạn ({day}) mà chưa được ghi nhận. Xem tại /cooperation/{programme_id}"),
            format!("The {} of the cooperation programme “{title}” is overdue ({day}) and not yet recorded. See /cooperation/{programme_id}", kind_en.to_lowercase()),
        ),
        "today" => (
            format!("Hôm nay ({day}) là hạn {} chương trình phối hợp “{title}”. Xem tại /cooperation/{programme_id}", kind_vi.to_lowercase()),
            format!("The {} of the cooperation programme “{title}” is due today ({day}). See /cooperation/{programme_id}", kind_en.to_lowercase()),
        ),
        _ => (
            format!("Sắp đến hạn {} chương trình phối hợp “{title}”: {day}. Xem tại /cooperation/{programme_id}", kind_vi.to_lowercase()),
            format!("The {} of the cooperation programme “{title}” comes due on {day}. See /cooperation/{programme_id}", kind_en.to_lowercase()),
        ),
    };
    for person in officers(&mut tx, programme_id).await? {
        crate::notify::send(
            &mut tx,
            person,
            Notice::Text {
                vi: vi.clone(),
                en: en.clone(),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_follow_the_days() {
        assert_eq!(stage("2026-01-20", "2026-01-01"), None);
        assert_eq!(stage("2026-01-15", "2026-01-01"), Some("soon"));
        assert_eq!(stage("2026-01-01", "2026-01-01"), Some("today"));
        assert_eq!(stage("2025-12-31", "2026-01-01"), Some("overdue"));
    }
}
