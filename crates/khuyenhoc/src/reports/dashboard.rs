//! An officer's home dashboard for one of their units: the subtree's key figures (read from the
//! live counters) and the work waiting (the unit's own report, reports of the units below to
//! decide or still missing, evaluations waiting for this unit's officers).
//!
//! What waits for whom: a branch checks what was submitted in it (`eval.pending` less
//! `eval.checked` at the branch); a commune or a higher unit reviews what its branches checked
//! (`eval.checked` of its subtree) and what was submitted straight to the unit itself, where no
//! branch checks first. Each count leads to the list filtered on that status.

use super::figures::{self, UnitRef};
use super::service::{state_of, Status};
use crate::db::{today, Db};
use crate::error::AppError;
use khuyenhoc_domain::Level;
use khuyenhoc_reports::{derive, Period, Template};
use sqlx::Row;

#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "UnitDashboard")]
pub struct Dashboard {
    pub period: String,
    pub period_vi: String,
    pub period_en: String,
    /// The year of the evaluations counted.
    pub year: i64,
    /// The unit's own report: state (not_started, draft, submitted, late, returned, accepted).
    pub own_state: &'static str,
    pub deadline: Option<String>,
    pub members: i64,
    pub citizens_recognised: i64,
    pub receipts: i64,
    /// Evaluations waiting for this unit's officers: submitted ones at a branch (to check),
    /// checked ones below and submitted ones at the unit itself elsewhere (to review).
    pub evaluations_waiting: i64,
    /// The status the waiting evaluations are listed by: `submitted` (a branch) or `checked`.
    pub waiting_status: &'static str,
    /// Reports of the units below handed in and waiting for a decision.
    pub reports_to_decide: usize,
    /// Units below that have not handed in their report.
    pub reports_missing: usize,
    pub children: usize,
    /// Reviews of cooperation programmes the unit owns or that cover it, not yet held: due
    /// within 14 days or overdue (`cooperation::due::due_for_unit`).
    pub reviews_due: usize,
}

#[allow(clippy::too_many_lines)] // the dashboard's figures, one after another
pub async fn for_unit(db: &Db, unit: &UnitRef) -> Result<Dashboard, AppError> {
    let day = today();
    let p = Period::current(&day);
    let t = Template::national();
    let base = figures::live(db, std::slice::from_ref(unit), &p, &day)
        .await?
        .pop()
        .unwrap_or_default();
    let sum_of = |prefix: &str| -> i64 {
        figures::total(
            base.iter()
                .filter(|(k, _)| k.starts_with(prefix))
                .map(|(_, v)| v),
        )
    };
    let (waiting, waiting_status) = if unit.level == Level::Branch {
        (
            sum_of("eval.pending.") - sum_of("eval.checked."),
            "submitted",
        )
    } else {
        (
            sum_of("eval.checked.") + submitted_here(db, unit.id, i64::from(p.year)).await?,
            "checked",
        )
    };
    let own: Option<String> =
        sqlx::query_scalar("SELECT status FROM reports WHERE unit_id = $1 AND period = $2")
            .bind(unit.id)
            .bind(p.to_string())
            .fetch_optional(&db.pool)
            .await?;
    let deadline = t.deadline(&p, unit.level.code());
    let own_state = state_of(
        own.as_deref().map_or(Status::NotStarted, Status::parse),
        deadline.as_deref(),
        &day,
    );
    let kids = if unit.level == Level::Branch {
        vec![]
    } else {
        figures::children(db, unit.id, &day).await?
    };
    let mut to_decide = 0;
    let mut handed_in = 0;
    if !kids.is_empty() {
        let rows = sqlx::query(
            "SELECT r.status FROM reports r JOIN units u ON u.id = r.unit_id WHERE r.period = $1 AND u.parent_id = $2",
        )
        .bind(p.to_string())
        .bind(unit.id)
        .fetch_all(&db.pool)
        .await?;
        for r in rows {
            let s = Status::parse(&r.try_get::<String, _>(0)?);
            if s == Status::Submitted {
                to_decide += 1;
            }
            if s.is_in() {
                handed_in += 1;
            }
        }
    }
    Ok(Dashboard {
        period: p.to_string(),
        period_vi: p.label_vi(),
        period_en: p.label_en(),
        year: i64::from(p.year),
        own_state,
        deadline,
        members: derive("members.active", &base).unwrap_or(0),
        citizens_recognised: derive("eval.recognised.citizen", &base).unwrap_or(0),
        receipts: derive("fund.receipts", &base).unwrap_or(0),
        evaluations_waiting: waiting,
        waiting_status,
        reports_to_decide: to_decide,
        reports_missing: kids.len().saturating_sub(handed_in),
        children: kids.len(),
        reviews_due: crate::cooperation::due::due_for_unit(db, unit.id)
            .await?
            .len(),
    })
}

/// Evaluations submitted straight to a unit that is not a branch (no branch checks them first),
/// in the year (as the counters read it): the unit's own rows only (`evaluations_unit_year`).
async fn submitted_here(db: &Db, unit_id: i64, year: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM evaluations WHERE unit_id = $1 AND year = $2 AND status = 'submitted'",
    )
    .bind(unit_id)
    .bind(year)
    .fetch_one(&db.pool)
    .await
}
