//! What comes due: the reviews waiting for a unit (its dashboard, `GET …/cooperation/due`); the
//! half-year report counts programmes and reviews itself (`reports::figures`).

use super::model::{add_days, DUE_SOON_DAYS};
use crate::db::Db;
use serde::Serialize;
use sqlx::Row;

/// A review waiting to be held, as a dashboard lists it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "CoopReviewDue")]
pub struct DueReview {
    pub review_id: i64,
    pub programme_id: i64,
    pub title: String,
    pub kind: String,
    pub due_on: String,
    /// due (within 14 days) or overdue
    pub state: &'static str,
}

/// Reviews waiting to be held (due within 14 days, or overdue) of the programmes the unit owns
/// or that cover it (the unit itself, not its subtree: what waits for this unit's officers).
pub async fn due_for_unit(db: &Db, unit_id: i64) -> Result<Vec<DueReview>, sqlx::Error> {
    let today = crate::db::today();
    let until = add_days(&today, DUE_SOON_DAYS);
    let rows = sqlx::query(
        "SELECT r.id, p.id, p.title, r.kind, r.due_on FROM coop_reviews r \
         JOIN coop_programmes p ON p.id = r.programme_id \
         WHERE r.held_on IS NULL AND r.due_on <= $2 AND (p.unit_id = $1 OR EXISTS \
         (SELECT 1 FROM coop_programme_units c WHERE c.programme_id = p.id AND c.unit_id = $1)) \
         ORDER BY r.due_on, r.id LIMIT 100",
    )
    .bind(unit_id)
    .bind(until)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let due_on: String = r.try_get(4)?;
            Ok(DueReview {
                review_id: r.try_get(0)?,
                programme_id: r.try_get(1)?,
                title: r.try_get(2)?,
                kind: r.try_get(3)?,
                state: if due_on.as_str() < today.as_str() {
                    "overdue"
                } else {
                    "due"
                },
                due_on,
            })
        })
        .collect()
}
