//! An officer's home dashboard for one of their units: the subtree's key figures (read from the
//! live counters) and the work waiting (the unit's own report, reports of the units below to
//! decide or still missing, evaluations waiting for a check or review).

use super::figures::{self, UnitRef};
use super::service::{state_of, Status};
use crate::db::{today, Db};
use crate::error::AppError;
use khuyenhoc_domain::Level;
use khuyenhoc_reports::{derive, Period, Template};
use sqlx::Row;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Dashboard {
    pub period: String,
    pub period_vi: String,
    /// The unit's own report: state (not_started, draft, submitted, late, returned, accepted).
    pub own_state: &'static str,
    pub deadline: Option<String>,
    pub members: i64,
    pub citizens_recognised: i64,
    pub receipts: i64,
    /// Evaluations submitted or checked, waiting for the next step.
    pub evaluations_waiting: i64,
    /// Reports of the units below handed in and waiting for a decision.
    pub reports_to_decide: usize,
    /// Units below that have not handed in their report.
    pub reports_missing: usize,
    pub children: usize,
}

pub async fn for_unit(db: &Db, unit: &UnitRef) -> Result<Dashboard, AppError> {
    let day = today();
    let p = Period::current(&day);
    let t = Template::national();
    let base = figures::live(db, std::slice::from_ref(unit), &p, &day)
        .await?
        .pop()
        .unwrap_or_default();
    let waiting: i64 = base
        .iter()
        .filter(|(k, _)| k.starts_with("eval.pending."))
        .map(|(_, v)| v)
        .sum();
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
        own_state,
        deadline,
        members: derive("members.active", &base),
        citizens_recognised: derive("eval.recognised.citizen", &base),
        receipts: derive("fund.receipts", &base),
        evaluations_waiting: waiting,
        reports_to_decide: to_decide,
        reports_missing: kids.len().saturating_sub(handed_in),
        children: kids.len(),
    })
}
