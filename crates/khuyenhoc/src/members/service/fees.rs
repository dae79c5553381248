//! Membership fees, posted as receipts of the branch's fund (or the commune's) with a voucher.

use super::{invalid, parse_day, this_year, visible, FIRST_YEAR};
use crate::audit::{self, Actor, Change};
use crate::auth::{perm, Viewer};
use crate::db::{now, Db, Tx};
use crate::error::AppError;
use crate::funds::idempotency;
use crate::funds::ledger::{post, Posting};
use crate::funds::model::Fund;
use crate::members::model::Member;
use khuyenhoc_domain::Invalid;
use khuyenhoc_ledger::{Account, Date, Entry, FundId};
use serde::{Deserialize, Serialize};

/// A fee payment as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewFee {
    /// Whole đồng: 50000, "50.000", "50 nghìn"…
    pub amount: serde_json::Value,
    /// The year the fee is for; this year when omitted.
    #[serde(default)]
    pub year: Option<serde_json::Value>,
    /// A fund of the member's branch, or of its commune when the branch has none; the first
    /// such fund the viewer posts to when omitted.
    #[serde(default)]
    pub fund_id: Option<i64>,
    /// cash (default) or bank
    #[serde(default)]
    pub asset: Option<String>,
    /// The day the money came in: YYYY-MM-DD or DD/MM/YYYY; today when omitted.
    #[serde(default)]
    pub date: Option<String>,
}

/// The funds a member's fee may go to: the branch's, or the commune's when the branch has none.
pub async fn fee_funds(db: &Db, m: &Member) -> Result<Vec<Fund>, AppError> {
    let mut out = vec![];
    for unit in [Some(m.branch_id), m.commune_id].into_iter().flatten() {
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM funds WHERE unit_id = $1 ORDER BY id")
                .bind(unit)
                .fetch_all(&db.pool)
                .await?;
        for id in ids {
            if let Some(f) = crate::funds::model::by_id(db, id).await? {
                out.push(f);
            }
        }
        if !out.is_empty() {
            break;
        }
    }
    Ok(out)
}

pub(super) fn parse_year(
    v: Option<&serde_json::Value>,
    field: &'static str,
) -> Result<i64, AppError> {
    let bad = || {
        invalid(
            field,
            Invalid::new(
                "Năm không hợp lệ (từ 1996 đến năm sau)",
                "Invalid year (from 1996 to next year)",
            ),
        )
    };
    let y = match v {
        None | Some(serde_json::Value::Null) => return Ok(this_year()),
        Some(serde_json::Value::Number(n)) => n.as_i64().ok_or_else(bad)?,
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => return Ok(this_year()),
        Some(serde_json::Value::String(s)) => s.trim().parse::<i64>().map_err(|_| bad())?,
        Some(_) => return Err(bad()),
    };
    if (FIRST_YEAR..=this_year() + 1).contains(&y) {
        Ok(y)
    } else {
        Err(bad())
    }
}

/// The fund a member's fee goes to (the one asked for, or the first the viewer posts to), and
/// the viewer's position with `fund.post` on it.
pub(super) async fn fee_fund(
    db: &Db,
    v: &Viewer,
    m: &Member,
    fund_id: Option<i64>,
) -> Result<(Fund, Actor), AppError> {
    let funds = fee_funds(db, m).await?;
    if funds.is_empty() {
        return Err(invalid(
            "fund_id",
            Invalid::new(
                "Chi hội và xã, phường của hội viên chưa có quỹ để ghi hội phí",
                "Neither the member's branch nor its commune has a fund to receive the fee",
            ),
        ));
    }
    let fund = match fund_id {
        Some(fid) => funds.into_iter().find(|x| x.id == fid).ok_or_else(|| {
            invalid(
                "fund_id",
                Invalid::new(
                    "Hội phí ghi vào quỹ của chi hội (hoặc của xã, phường khi chi hội chưa có quỹ)",
                    "A fee goes to a fund of the member's branch (or of its commune when the branch has none)",
                ),
            )
        })?,
        None => funds
            .into_iter()
            .find(|x| v.position_for(perm::FUND_POST, &x.unit_path).is_some())
            .ok_or(AppError::NotFound)?,
    };
    let actor = v.actor_for(perm::FUND_POST, &fund.unit_path)?;
    Ok((fund, actor))
}

/// The asset a fee comes in as: cash (the default) or a bank transfer.
fn fee_asset(asset: Option<&str>) -> Result<Account, AppError> {
    match asset.map(str::trim) {
        None | Some("" | "cash") => Ok(Account::Cash),
        Some("bank") => Ok(Account::Bank),
        Some(_) => Err(invalid(
            "asset",
            Invalid::new(
                "Hội phí nộp bằng tiền mặt hoặc chuyển khoản",
                "A fee is paid in cash or by bank transfer",
            ),
        )),
    }
}

/// The member as the donor of the fee's receipt.
async fn fee_donor(tx: &mut Tx<'_>, unit_id: i64, name: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO donors (unit_id, kind, name, name_folded, created_at) VALUES ($1, 'person', $2, $3, $4) RETURNING id",
    )
    .bind(unit_id)
    .bind(name)
    .bind(crate::funds::list::folded(name))
    .bind(now())
    .fetch_one(&mut **tx)
    .await
}

/// Records a membership fee: a receipt of category `membership_fee` in the fund's books
/// (voucher numbered like any receipt) and the member's fee row, in one transaction. The viewer
/// needs `fund.post` on the fund. With an idempotency key, a retry returns the first fee (see
/// `funds::idempotency`). Returns the fee's id and whether it was posted now.
pub async fn pay_fee(
    db: &Db,
    v: &Viewer,
    id: i64,
    f: &NewFee,
    key: Option<&str>,
) -> Result<(i64, bool), AppError> {
    let m = visible(db, v, id).await?;
    let claim = idempotency::claim(v.person_id, key, "POST /api/v1/members/{id}/fees", m.id, f)?;
    if let Some(fee) = idempotency::replay(db, claim.as_ref()).await? {
        return Ok((fee, false));
    }
    let (fund, actor) = fee_fund(db, v, &m, f.fund_id).await?;
    let amount = crate::funds::service::parse_amount(&f.amount)?;
    let year = parse_year(f.year.as_ref(), "year")?;
    let day = parse_day(f.date.as_deref(), "date")?;
    let date = Date::parse_typed(&day).map_err(|e| invalid("date", e))?;
    let asset = fee_asset(f.asset.as_deref())?;
    let entry = Entry::receipt(FundId(fund.id), asset, amount, Account::MembershipFee)
        .map_err(|e| invalid("amount", e))?;
    let mut tx = db.begin().await?;
    let donor = fee_donor(&mut tx, fund.unit_id, &m.full_name).await?;
    let posting = Posting {
        fund_id: fund.id,
        entry,
        kind: Account::MembershipFee.code().to_owned(),
        occurred_on: date,
        description: format!("Hội phí năm {year}: {}", m.full_name),
        donor_id: Some(donor),
        pledge_id: None,
        programme_id: None,
        in_kind_note: None,
        reverses_id: None,
        pair_id: None,
        idempotency_key: claim.as_ref().map(|c| c.key().to_owned()),
    };
    let entry_id = post(&mut tx, actor, fund.unit_id, &posting).await?;
    let fee_id: i64 = sqlx::query_scalar(
        "INSERT INTO member_fees (member_id, entry_id, year, amount, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(m.id)
    .bind(entry_id)
    .bind(year)
    .bind(amount.get())
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(m.branch_id),
            entity: "member",
            entity_id: m.id.to_string(),
            action: "fee",
            before: None,
            after: Some(serde_json::json!({"fee_id": fee_id, "entry_id": entry_id, "fund_id": fund.id, "year": year, "amount": amount.get(), "on": day})),
        },
    )
    .await?;
    idempotency::commit(db, claim.as_ref(), tx, fee_id).await
}
