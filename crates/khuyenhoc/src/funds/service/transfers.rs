//! Transfers between funds (a payment voucher in the sender, a receipt in the receiver, linked)
//! and reversals, which negate an entry (both halves of a transfer) and leave it as it was.
//!
//! A transfer goes to a fund the sender may post to, or to a fund of a unit above the sending
//! fund's unit (a commune hands money up to its province); any other fund is refused, with the
//! advice to ask that unit, so nobody writes into books they do not keep. Only the sending side
//! reverses a transfer: the receiving treasurer cannot undo the sender's half.

use super::input::{invalid, limited, parse_amount, parse_date};
use super::open::with_right;
use crate::audit::Actor;
use crate::auth::{perm, Viewer};
use crate::db::{Db, Tx};
use crate::error::AppError;
use crate::funds::idempotency;
use crate::funds::ledger::{post, stored_entry, Posting};
use crate::funds::model::{self, Fund};
use crate::state::AppState;
use khuyenhoc_domain::{limits, Invalid};
use khuyenhoc_ledger::{Account, Date, Entry, FundId};
use serde::{Deserialize, Serialize};
use sqlx::Row;

/// A transfer as typed: the receiving fund, the asset, the amount, the day, why.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewTransfer {
    pub to_fund_id: i64,
    /// cash, bank or in_kind
    #[serde(default = "cash")]
    pub asset: String,
    pub amount: serde_json::Value,
    /// YYYY-MM-DD or DD/MM/YYYY; today when empty
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

fn cash() -> String {
    "cash".into()
}

const NOT_YOURS: Invalid = Invalid::new(
    "Chỉ chuyển được vào quỹ bạn được ghi sổ hoặc quỹ của đơn vị cấp trên. Muốn chuyển cho đơn vị khác, hãy đề nghị đơn vị đó (hoặc đơn vị cấp trên chung) nhận khoản chuyển",
    "Money goes only to a fund you post to or to a fund of a unit above; to send it elsewhere, ask that unit (or the unit above both) to receive it",
);

/// The receiving fund, if the transfer may go there; the same answer for a fund that does not
/// exist and one outside the rule, so nothing is learned of other units' books.
async fn receiving(db: &Db, v: &Viewer, from: &Fund, to_id: i64) -> Result<Fund, AppError> {
    let to = model::by_id(db, to_id)
        .await?
        .filter(|to| {
            v.position_for(perm::FUND_POST, &to.unit_path).is_some()
                || from.unit_path.starts_with(&to.unit_path)
        })
        .ok_or_else(|| invalid("to_fund", NOT_YOURS))?;
    Ok(to)
}

/// Moves money from one fund to another: a payment voucher in the sending fund and a receipt in
/// the receiving one, linked. The sender needs `fund.post` on its own fund; the receiving fund
/// is one it may post to, or a fund of a unit above (see the module documentation). With an
/// idempotency key, a retry answers the first transfer. Returns the two halves (sending first)
/// and whether they were posted now.
pub async fn transfer(
    state: &AppState,
    v: &Viewer,
    from_id: i64,
    t: &NewTransfer,
    key: Option<&str>,
) -> Result<((i64, i64), bool), AppError> {
    let db = &state.db;
    let (from, actor) = with_right(db, v, from_id, perm::FUND_POST).await?;
    let claim = idempotency::claim(
        v.person_id,
        key,
        "POST /api/v1/funds/{id}/transfers",
        from.id,
        t,
    )?;
    if let Some(ids) = idempotency::replay(db, claim.as_ref()).await? {
        return Ok((ids, false));
    }
    let to = receiving(db, v, &from, t.to_fund_id).await?;
    let asset = Account::parse(&t.asset).map_err(|e| invalid("asset", e))?;
    if !asset.is_asset() {
        return Err(invalid("asset", khuyenhoc_ledger::errors::NOT_ASSET));
    }
    let amount = parse_amount(&t.amount)?;
    let date = parse_date(t.date.as_deref())?;
    let halves = Entry::transfer(FundId(from.id), FundId(to.id), asset, amount)
        .map_err(|e| invalid("to_fund", e))?;
    let description = limited(
        "description",
        t.description.as_deref(),
        &limits::DESCRIPTION,
    )?
    .unwrap_or_else(|| format!("Chuyển từ {} sang {}", from.name, to.name));
    let key = claim.as_ref().map(|c| c.key().to_owned());
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
        // The key is noted on the sending half, the entry the request is answered with.
        idempotency_key: if pair_id.is_none() { key.clone() } else { None },
    };
    let mut tx = db.begin().await?;
    let out = base(from.id, halves.out, "transfer_out", None);
    let out_id = post(&mut tx, actor, from.unit_id, &out).await?;
    let into = base(to.id, halves.into, "transfer_in", Some(out_id));
    let in_id = post(&mut tx, actor, to.unit_id, &into).await?;
    idempotency::commit(db, claim.as_ref(), tx, (out_id, in_id)).await
}

/// Corrects a mistake: posts an entry that negates every line of the original (and of its
/// transfer pair), linked to it. The original stays as it was. A transfer is reversed by its
/// sending side only. With an idempotency key, a retry answers the first reversal. Returns the
/// first reversing entry and whether it was posted now.
pub async fn reverse(
    state: &AppState,
    v: &Viewer,
    entry_id: i64,
    reason: &str,
    key: Option<&str>,
) -> Result<(i64, bool), AppError> {
    let db = &state.db;
    let row = sqlx::query("SELECT fund_id, kind, pair_id FROM ledger_entries WHERE id = $1")
        .bind(entry_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let (fund_id, kind, pair_id): (i64, String, Option<i64>) =
        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    let (_, actor) = with_right(db, v, fund_id, perm::FUND_POST).await?;
    let request = serde_json::json!({ "reason": reason });
    let operation = "POST /api/v1/entries/{id}/reversal";
    let claim = idempotency::claim(v.person_id, key, operation, entry_id, &request)?;
    if let Some(id) = idempotency::replay(db, claim.as_ref()).await? {
        return Ok((id, false));
    }
    let reason = reversible(db, entry_id, &kind, reason).await?;
    let other = other_half(db, entry_id, &kind, pair_id).await?;
    let actor = match (kind.as_str(), other) {
        ("transfer_in", Some(sending)) => sender(db, v, sending).await?,
        _ => actor,
    };
    let today = parse_date(None)?;
    let mut tx = db.begin().await?;
    let mut first = None;
    let mut halves = vec![entry_id];
    halves.extend(other);
    halves.sort_unstable();
    for id in halves {
        let key = claim.as_ref().filter(|_| first.is_none()).map(|c| c.key());
        let new_id = reverse_one(&mut tx, actor, id, today, &reason, first, key).await?;
        first = first.or(Some(new_id));
    }
    let first = first.ok_or(AppError::NotFound)?;
    idempotency::commit(db, claim.as_ref(), tx, first).await
}

/// The reason of a reversal, if the entry may be reversed: not a reversal itself, not reversed
/// already, and a reason given.
async fn reversible(db: &Db, entry_id: i64, kind: &str, reason: &str) -> Result<String, AppError> {
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
    let reason = limited("reason", Some(reason), &limits::DESCRIPTION)?.unwrap_or_default();
    if reason.chars().count() < 3 {
        return Err(invalid(
            "reason",
            Invalid::new(
                "Cần ghi lý do đảo bút toán",
                "Give the reason for the reversal",
            ),
        ));
    }
    Ok(reason)
}

/// The viewer's position on the sending fund of a transfer, asked from its receiving half: only
/// the sender reverses a transfer.
async fn sender(db: &Db, v: &Viewer, sending_half: i64) -> Result<Actor, AppError> {
    let fund: i64 = sqlx::query_scalar("SELECT fund_id FROM ledger_entries WHERE id = $1")
        .bind(sending_half)
        .fetch_one(&db.pool)
        .await?;
    match with_right(db, v, fund, perm::FUND_POST).await {
        Ok((_, actor)) => Ok(actor),
        Err(AppError::NotFound) => Err(AppError::bad_request(
            "Khoản chuyển quỹ chỉ do bên chuyển đảo được. Nếu khoản nhận này sai, hãy đề nghị đơn vị đã chuyển đảo bút toán",
            "Only the sending side reverses a transfer. If this receipt is wrong, ask the unit that sent it to reverse it",
        )),
        Err(e) => Err(e),
    }
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
    key: Option<&str>,
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
        idempotency_key: key.map(str::to_owned),
    };
    post(tx, actor, unit_id, &posting).await
}
