//! Transfers between funds (a payment voucher in the sender, a receipt in the receiver, linked)
//! and reversals, which negate an entry (both halves of a transfer) and leave it as it was.

use super::input::{invalid, parse_amount, parse_date};
use super::open::with_right;
use crate::audit::Actor;
use crate::auth::{perm, Viewer};
use crate::db::{Db, Tx};
use crate::error::AppError;
use crate::funds::ledger::{post, stored_entry, Posting};
use crate::funds::model;
use crate::state::AppState;
use khuyenhoc_domain::Invalid;
use khuyenhoc_ledger::{Account, Date, Entry, FundId};
use sqlx::Row;

#[allow(clippy::too_many_arguments)] // each argument is one field of the transfer form
/// Moves money from one fund to another: a payment voucher in the sending fund and a receipt in
/// the receiving one, linked. The receiving fund may be any fund (a commune sends to its
/// province); the sender needs `fund.post` on its own fund.
pub async fn transfer(
    state: &AppState,
    v: &Viewer,
    from_id: i64,
    to_id: i64,
    asset: &str,
    amount: &serde_json::Value,
    date: Option<&str>,
    description: &str,
) -> Result<(i64, i64), AppError> {
    let db = &state.db;
    let (from, actor) = with_right(db, v, from_id, perm::FUND_POST).await?;
    let to = model::by_id(db, to_id).await?.ok_or_else(|| {
        invalid(
            "to_fund",
            Invalid::new("Không có quỹ nhận này", "No such receiving fund"),
        )
    })?;
    let asset = Account::parse(asset).map_err(|e| invalid("asset", e))?;
    if !asset.is_asset() {
        return Err(invalid("asset", khuyenhoc_ledger::errors::NOT_ASSET));
    }
    let amount = parse_amount(amount)?;
    let date = parse_date(date)?;
    let t = Entry::transfer(FundId(from.id), FundId(to.id), asset, amount)
        .map_err(|e| invalid("to_fund", e))?;
    let description = khuyenhoc_domain::text::clean(description);
    let description = if description.is_empty() {
        format!("Chuyển từ {} sang {}", from.name, to.name)
    } else {
        description
    };
    let mut tx = db.begin().await?;
    let base = |fund_id: i64, entry: Entry, kind: &str, pair_id: Option<i64>| Posting {
        fund_id,
        entry,
        kind: kind.to_owned(),
        occurred_on: date,
        description: description.clone(),
        donor_id: None,
        pledge_id: None,
        programme_id: None,
        in_kind_note: None,
        reverses_id: None,
        pair_id,
        idempotency_key: None,
    };
    let out_id = post(
        &mut tx,
        actor,
        from.unit_id,
        &base(from.id, t.out, "transfer_out", None),
    )
    .await?;
    let in_id = post(
        &mut tx,
        actor,
        to.unit_id,
        &base(to.id, t.into, "transfer_in", Some(out_id)),
    )
    .await?;
    tx.commit().await?;
    Ok((out_id, in_id))
}

/// Corrects a mistake: posts an entry that negates every line of the original (and of its
/// transfer pair), linked to it. The original stays as it was.
pub async fn reverse(
    state: &AppState,
    v: &Viewer,
    entry_id: i64,
    reason: &str,
) -> Result<i64, AppError> {
    let db = &state.db;
    let row = sqlx::query("SELECT fund_id, kind, pair_id FROM ledger_entries WHERE id = $1")
        .bind(entry_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let (fund_id, kind, pair_id): (i64, String, Option<i64>) =
        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    let (_, actor) = with_right(db, v, fund_id, perm::FUND_POST).await?;
    if kind == "reversal" {
        return Err(AppError::bad_request(
            "Không đảo một bút toán đảo; hãy ghi bút toán mới",
            "A reversal is not reversed; post a new entry",
        ));
    }
    let reversed: Option<i64> =
        sqlx::query_scalar("SELECT id FROM ledger_entries WHERE reverses_id = $1")
            .bind(entry_id)
            .fetch_optional(&db.pool)
            .await?;
    if reversed.is_some() {
        return Err(AppError::bad_request(
            "Bút toán này đã được đảo rồi",
            "This entry has already been reversed",
        ));
    }
    let reason = khuyenhoc_domain::text::clean(reason);
    if reason.chars().count() < 3 {
        return Err(invalid(
            "reason",
            Invalid::new(
                "Cần ghi lý do đảo bút toán",
                "Give the reason for the reversal",
            ),
        ));
    }
    let other = other_half(db, entry_id, &kind, pair_id).await?;
    let today = parse_date(None)?;
    let mut tx = db.begin().await?;
    let mut first = None;
    let mut halves = vec![entry_id];
    halves.extend(other);
    halves.sort_unstable();
    for id in halves {
        let new_id = reverse_one(&mut tx, actor, id, today, &reason, first).await?;
        first = first.or(Some(new_id));
    }
    tx.commit().await?;
    first.ok_or(AppError::NotFound)
}

/// The other half of a transfer, which is reversed with it.
async fn other_half(
    db: &Db,
    entry_id: i64,
    kind: &str,
    pair_id: Option<i64>,
) -> Result<Option<i64>, AppError> {
    Ok(match kind {
        "transfer_in" => pair_id,
        "transfer_out" => {
            sqlx::query_scalar("SELECT id FROM ledger_entries WHERE pair_id = $1")
                .bind(entry_id)
                .fetch_optional(&db.pool)
                .await?
        }
        _ => None,
    })
}

/// Posts the entry negating entry `id`, linked to the first reversal of the same correction
/// (`pair_id`) when it is the second half of a transfer.
async fn reverse_one(
    tx: &mut Tx<'_>,
    actor: Actor,
    id: i64,
    today: Date,
    reason: &str,
    pair_id: Option<i64>,
) -> Result<i64, AppError> {
    let original = stored_entry(tx, id).await?;
    let fund: i64 = sqlx::query_scalar("SELECT fund_id FROM ledger_entries WHERE id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    let unit_id: i64 = sqlx::query_scalar("SELECT unit_id FROM funds WHERE id = $1")
        .bind(fund)
        .fetch_one(&mut **tx)
        .await?;
    // A reversed fulfilment no longer counts toward its pledge.
    let pledge_id: Option<i64> =
        sqlx::query_scalar("SELECT pledge_id FROM ledger_entries WHERE id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
    let posting = Posting {
        fund_id: fund,
        entry: original.reversal(),
        kind: "reversal".into(),
        occurred_on: today,
        description: format!("Đảo bút toán số {id}: {reason}"),
        donor_id: None,
        pledge_id,
        programme_id: None,
        in_kind_note: None,
        reverses_id: Some(id),
        pair_id,
        idempotency_key: None,
    };
    post(tx, actor, unit_id, &posting).await
}
