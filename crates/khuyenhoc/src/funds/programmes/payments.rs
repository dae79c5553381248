//! Paying a round's selected recipients (one payment voucher each, within the budget and the
//! fund's balance, once per idempotency key) and publishing the list.

use super::{by_id, Programme};
use crate::audit::{self, Change};
use crate::auth::{perm, Viewer};
use crate::db::{Db, Tx};
use crate::error::AppError;
use crate::funds::idempotency;
use crate::funds::ledger::{post, Posting};
use crate::funds::service::with_right;
use crate::state::AppState;
use khuyenhoc_ledger::{Account, Date, Dong, Entry, FundId};
use sqlx::Row;

/// Pays every selected recipient not yet paid: one payment entry each, within the round's
/// budget and the fund's balance (a payment the fund cannot afford refuses the whole call). A
/// published round stays published: a late recipient joins its public list. With an
/// idempotency key, a retry answers the first call's count (see `funds::idempotency`). Returns
/// how many were paid and whether now. Paying carries out decisions, each made by an officer
/// other than the nominator (`rounds::decide`), so anyone with `fund.post` pays, the nominator
/// included: the second pair of eyes was the decision.
pub async fn pay(
    state: &AppState,
    v: &Viewer,
    programme_id: i64,
    asset: &str,
    key: Option<&str>,
) -> Result<(usize, bool), AppError> {
    let db = &state.db;
    let p = by_id(db, programme_id).await?.ok_or(AppError::NotFound)?;
    let (f, actor) = with_right(db, v, p.fund_id, perm::FUND_POST).await?;
    let request = serde_json::json!({ "asset": asset });
    let operation = "POST /api/v1/programmes/{id}/payments";
    let claim = idempotency::claim(v.person_id, key, operation, p.id, &request)?;
    if let Some(n) = idempotency::replay(db, claim.as_ref()).await? {
        return Ok((n, false));
    }
    let asset = Account::parse(asset).map_err(|e| AppError::field("asset", e))?;
    let category = if p.kind == "award" {
        Account::Award
    } else {
        Account::Scholarship
    };
    let today = Date::parse(&crate::db::today()).map_err(|e| AppError::field("date", e))?;
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE programmes SET status = 'paying' WHERE id = $1 AND status <> 'published'")
        .bind(p.id)
        .execute(&mut *tx)
        .await?;
    let rows = selected(&mut tx, &p).await?;
    for (i, (nid, name)) in rows.iter().enumerate() {
        let entry = Entry::payment(FundId(f.id), asset, Dong::new(p.amount_each), category)
            .map_err(|e| AppError::field("asset", e))?;
        let posting = Posting {
            fund_id: f.id,
            entry,
            kind: category.code().to_owned(),
            occurred_on: today,
            description: format!("{}: {}", p.name, name),
            donor_id: None,
            pledge_id: None,
            programme_id: Some(p.id),
            in_kind_note: None,
            reverses_id: None,
            pair_id: None,
            // The key is noted on the first payment of the call.
            idempotency_key: claim
                .as_ref()
                .filter(|_| i == 0)
                .map(|c| c.key().to_owned()),
        };
        let entry_id = post(&mut tx, actor, f.unit_id, &posting).await?;
        sqlx::query("UPDATE nominations SET status = 'paid', payment_entry_id = $1 WHERE id = $2")
            .bind(entry_id)
            .bind(nid)
            .execute(&mut *tx)
            .await?;
    }
    idempotency::commit(db, claim.as_ref(), tx, rows.len()).await
}

/// The selected nominations not yet paid (id, name), if paying them keeps the round within its
/// budget (counted with those paid before, in `i128`).
async fn selected(tx: &mut Tx<'_>, p: &Programme) -> Result<Vec<(i64, String)>, AppError> {
    let rows = sqlx::query("SELECT id, full_name FROM nominations WHERE programme_id = $1 AND status = 'selected' ORDER BY id")
        .bind(p.id)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<Vec<(i64, String)>, sqlx::Error>>()?;
    let paid_before: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM nominations WHERE programme_id = $1 AND status = 'paid'",
    )
    .bind(p.id)
    .fetch_one(&mut **tx)
    .await?;
    if let Some(budget) = p.budget {
        let people = i128::try_from(rows.len()).unwrap_or(i128::MAX) + i128::from(paid_before);
        if people * i128::from(p.amount_each) > i128::from(budget) {
            return Err(AppError::bad_request(
                "Số người được chọn vượt ngân sách của đợt",
                "The selected recipients exceed the round's budget",
            ));
        }
    }
    Ok(rows)
}

/// Publishes the list of recipients: once something was paid (`paying`); a round still taking
/// nominations or being decided has no list yet, a published one is published already.
pub async fn publish(db: &Db, v: &Viewer, programme_id: i64) -> Result<(), AppError> {
    let p = by_id(db, programme_id).await?.ok_or(AppError::NotFound)?;
    let (_, actor) = with_right(db, v, p.fund_id, perm::FUND_MANAGE).await?;
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE programmes SET status = 'published' WHERE id = $1 AND status = 'paying'",
    )
    .bind(p.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if done == 0 {
        return Err(if p.status == "published" {
            AppError::bad_request(
                "Danh sách của đợt này đã công bố",
                "This round's list is already published",
            )
        } else {
            AppError::bad_request(
                "Chưa công bố được: danh sách chỉ công bố sau khi đã chi trả cho người được chọn",
                "Not yet: the list is published once the selected recipients have been paid",
            )
        });
    }
    let change = Change {
        unit_id: Some(p.unit_id),
        entity: "programme",
        entity_id: p.id.to_string(),
        action: "publish",
        before: Some(serde_json::json!({"status": p.status})),
        after: Some(serde_json::json!({"status": "published"})),
    };
    audit::record(&mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(())
}
