//! The receipts-and-payments report of one fund or of a whole subtree, transfers inside the set
//! left out.

use crate::db::Db;
use crate::error::AppError;
use crate::funds::model::{self, Fund};
use khuyenhoc_ledger::{Account, Date, Dong, FundId, Period, ReceiptsPayments, ReportLine};
use sqlx::Row;
use std::collections::BTreeSet;

/// The funds of a unit's subtree as a set.
pub async fn subtree_funds(db: &Db, path: &str) -> Result<Vec<Fund>, AppError> {
    Ok(model::in_subtree(db, path).await?)
}

/// The consolidated report of a unit's subtree over a period: read from the fund totals
/// (`funds::totals`) when the period is made of whole half-years, else from the ledger lines of
/// the subtree's funds ([`report`]); the figures are the same either way.
pub async fn unit_report(
    db: &Db,
    unit_id: i64,
    path: &str,
    period: Period,
) -> Result<ReceiptsPayments, AppError> {
    if let Some(r) = crate::funds::totals::report(db, unit_id, period).await? {
        return Ok(r);
    }
    let ids: Vec<i64> = subtree_funds(db, path)
        .await?
        .iter()
        .map(|f| f.id)
        .collect();
    report(db, &ids, period).await
}

/// Receipts and payments of a set of funds over a period: transfers between funds of the set
/// are internal and left out.
pub async fn report(db: &Db, funds: &[i64], period: Period) -> Result<ReceiptsPayments, AppError> {
    let set: BTreeSet<FundId> = funds.iter().map(|f| FundId(*f)).collect();
    let mut lines = vec![];
    if !funds.is_empty() {
        let list = funds
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT l.fund_id, l.account, l.amount, e.occurred_on, \
             CASE WHEN l.account = 'transfer_in' THEN (SELECT p.fund_id FROM ledger_entries p WHERE p.id = e.pair_id) \
                  WHEN l.account = 'transfer_out' THEN (SELECT p.fund_id FROM ledger_entries p WHERE p.pair_id = e.id) END \
             FROM ledger_lines l JOIN ledger_entries e ON e.id = l.entry_id WHERE l.fund_id IN ({list}) AND e.occurred_on <= $1"
        );
        for r in sqlx::query(&sql)
            .bind(period.to().to_string())
            .fetch_all(&db.pool)
            .await?
        {
            let account = Account::parse(&r.try_get::<String, _>(1)?)
                .map_err(|e| anyhow::anyhow!("stored account: {e}"))?;
            let on = Date::parse(&r.try_get::<String, _>(3)?)
                .map_err(|e| anyhow::anyhow!("stored date: {e}"))?;
            let counterpart: Option<i64> = r.try_get(4)?;
            lines.push(ReportLine {
                fund: FundId(r.try_get(0)?),
                account,
                amount: Dong::new(r.try_get(2)?),
                on,
                transfer_counterpart_fund: counterpart.map(FundId),
            });
        }
    }
    khuyenhoc_ledger::receipts_and_payments(&set, period, lines.iter()).map_err(|e| {
        AppError::Unprocessable {
            vi: e.vi.into(),
            en: e.en.into(),
        }
    })
}
