//! Officers' daily digest: once a day (08:00 in Vietnam), each officer with evaluations waiting
//! in their queues (submitted ones to check, checked ones to review) gets one notice counting
//! them. The job of a day exists once (`jobs::enqueue_once`), however many servers tick.

use crate::auth::{perm, Viewer};
use crate::jobs::Job;
use sqlx::Row;

const VIETNAM: i64 = 7 * 3600;

/// The key, payload and time of the digest of the day `now` falls in (Vietnam time).
pub fn when(now: i64) -> (String, String, i64) {
    let local_midnight = (now + VIETNAM).div_euclid(86_400) * 86_400;
    let date = chrono::DateTime::from_timestamp(local_midnight, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let at = local_midnight - VIETNAM + 8 * 3600;
    (format!("{}:{date}", super::DIGEST_JOB), "{}".to_owned(), at)
}

/// One officer's waiting work: (unit code, to check, to review).
struct Waiting {
    person_id: i64,
    units: Vec<(String, i64, i64)>,
}

async fn count(db: &crate::db::Db, status: &str, path: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM evaluations e JOIN units u ON u.id = e.unit_id \
         WHERE e.status = $1 AND u.path >= $2 AND u.path < $3",
    )
    .bind(status)
    .bind(path)
    .bind(crate::org::path_upper_bound(path))
    .fetch_one(&db.pool)
    .await
}

async fn waiting(db: &crate::db::Db) -> Result<Vec<Waiting>, sqlx::Error> {
    let people: Vec<i64> = sqlx::query(
        "SELECT DISTINCT person_id FROM position_holdings WHERE to_at IS NULL ORDER BY person_id",
    )
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| r.try_get(0))
    .collect::<Result<_, _>>()?;
    let mut out = vec![];
    for person_id in people {
        let positions = crate::auth::held_positions(&db.pool, person_id).await?;
        let v = Viewer {
            person_id,
            full_name: String::new(),
            home_unit_id: 0,
            must_change_password: false,
            positions: positions.clone(),
            unread_notices: 0,
        };
        let mut units = vec![];
        for p in &positions {
            let check = v
                .position_for(perm::EVALUATION_CHECK, &p.unit_path)
                .is_some();
            let review = v
                .position_for(perm::EVALUATION_RECOGNISE, &p.unit_path)
                .is_some();
            let to_check = if check {
                count(db, "submitted", &p.unit_path).await?
            } else {
                0
            };
            let to_review = if review {
                count(db, "checked", &p.unit_path).await?
            } else {
                0
            };
            if to_check + to_review > 0 {
                units.push((p.unit_code.clone(), to_check, to_review));
            }
        }
        if !units.is_empty() {
            out.push(Waiting { person_id, units });
        }
    }
    Ok(out)
}

/// The digest job: counts first, then every notice in one transaction.
pub async fn job(job: Job) -> Result<(), String> {
    let db = &job.state.db;
    let list = waiting(db).await.map_err(|e| e.to_string())?;
    if list.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await.map_err(|e| e.to_string())?;
    for w in list {
        let (check, review) = w.units.iter().fold((0, 0), |(c, r), u| (c + u.1, r + u.2));
        let codes: Vec<&str> = w.units.iter().map(|u| u.0.as_str()).collect();
        let notice = super::Notice::Text {
            vi: format!(
                "Việc đang chờ: {check} bản tự đánh giá cần kiểm tra, {review} bản cần xét duyệt (đơn vị {}). Xem tại /units/{}/evaluations",
                codes.join(", "),
                codes.first().copied().unwrap_or_default()
            ),
            en: format!(
                "Waiting for you: {check} self-assessments to check, {review} to review (units {}). See /units/{}/evaluations",
                codes.join(", "),
                codes.first().copied().unwrap_or_default()
            ),
        };
        super::send(&mut tx, w.person_id, notice)
            .await
            .map_err(|e| e.to_string())?;
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(())
}
