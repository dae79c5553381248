//! Donors and pledges: the donor recorded with a receipt or a pledge, a pledge (cam kết ủng hộ)
//! with what has arrived against it, and the pledge a receipt fulfils.

use super::input::{invalid, limited, parse_amount, typed_date};
use super::open::with_right;
use crate::audit::{self, Change};
use crate::auth::{perm, Viewer};
use crate::db::{now, Db};
use crate::error::AppError;
use crate::funds::idempotency;
use khuyenhoc_domain::{limits, Invalid};
use khuyenhoc_ledger::{Account, AccountKind};
use serde::{Deserialize, Serialize};
use sqlx::Row;

pub(super) async fn donor(
    tx: &mut crate::db::Tx<'_>,
    unit_id: i64,
    kind: Option<&str>,
    name: Option<&str>,
) -> Result<Option<i64>, AppError> {
    let name = limited("party", name, &limits::NAME)?;
    let kind = match (kind.map(str::trim), &name) {
        (_, None) => "anonymous",
        (Some("organisation"), _) => "organisation",
        _ => "person",
    };
    let name = name.unwrap_or_else(|| "Ẩn danh".into());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO donors (unit_id, kind, name, name_folded, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(unit_id)
    .bind(kind)
    .bind(&name)
    .bind(crate::funds::list::folded(&name))
    .bind(now())
    .fetch_one(&mut **tx)
    .await?;
    Ok(Some(id))
}

/// The pledge (and its donor) a receipt fulfils: it must belong to the same fund, and only
/// income fulfils a pledge.
pub(super) async fn pledge_of(
    db: &Db,
    fund_id: i64,
    pledge_id: Option<i64>,
    category: Account,
) -> Result<Option<(i64, i64)>, AppError> {
    let Some(pid) = pledge_id else {
        return Ok(None);
    };
    let row = sqlx::query("SELECT donor_id FROM pledges WHERE id = $1 AND fund_id = $2")
        .bind(pid)
        .bind(fund_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| {
            invalid(
                "pledge_id",
                Invalid::new(
                    "Quỹ này không có cam kết này",
                    "This fund has no such pledge",
                ),
            )
        })?;
    if category.kind() != AccountKind::Income {
        return Err(invalid(
            "pledge_id",
            Invalid::new(
                "Chỉ khoản thu mới thực hiện cam kết",
                "Only income fulfils a pledge",
            ),
        ));
    }
    Ok(Some((pid, row.try_get::<i64, _>(0)?)))
}

/// A donor's promise to give, and how much of it has arrived.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct Pledge {
    pub id: i64,
    pub donor: String,
    pub amount: i64,
    pub due_on: Option<String>,
    pub note: Option<String>,
    /// The money received against it (reversed receipts excluded).
    pub fulfilled: i64,
    pub remaining: i64,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewPledge {
    #[serde(default)]
    pub party: Option<String>,
    #[serde(default)]
    pub party_kind: Option<String>,
    pub amount: serde_json::Value,
    #[serde(default)]
    pub due_on: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Records a pledge (cam kết ủng hộ). No money moves until a receipt fulfils it. With an
/// idempotency key, a retry answers the first pledge (see `funds::idempotency`).
pub async fn pledge(
    db: &Db,
    v: &Viewer,
    fund_id: i64,
    n: &NewPledge,
    key: Option<&str>,
) -> Result<(i64, bool), AppError> {
    let (f, actor) = with_right(db, v, fund_id, perm::FUND_POST).await?;
    let claim = idempotency::claim(v.person_id, key, "POST /api/v1/funds/{id}/pledges", f.id, n)?;
    if let Some(id) = idempotency::replay(db, claim.as_ref()).await? {
        return Ok((id, false));
    }
    let amount = parse_amount(&n.amount)?;
    let due = match n.due_on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(d) => Some(typed_date("due_on", Some(d))?.to_string()),
        None => None,
    };
    let note = limited("note", n.note.as_deref(), &limits::NOTE)?;
    let mut tx = db.begin().await?;
    let party = (n.party_kind.as_deref(), n.party.as_deref());
    let donor_id = donor(&mut tx, f.unit_id, party.0, party.1).await?;
    let id: i64 = sqlx::query_scalar("INSERT INTO pledges (fund_id, donor_id, amount, due_on, note, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
        .bind(f.id)
        .bind(donor_id)
        .bind(amount.get())
        .bind(&due)
        .bind(&note)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
    let after = serde_json::json!({"fund": f.id, "amount": amount.get(), "due_on": due});
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(f.unit_id),
            entity: "pledge",
            entity_id: id.to_string(),
            action: "create",
            before: None,
            after: Some(after),
        },
    )
    .await?;
    idempotency::commit(db, claim.as_ref(), tx, id).await
}

/// A fund's pledges with what has been received against each.
pub async fn pledges(db: &Db, fund_id: i64) -> Result<Vec<Pledge>, AppError> {
    let mut rows = pledges_where(db, fund_id, "p.fund_id = $1", None, i64::MAX).await?;
    rows.reverse();
    Ok(rows)
}

/// One pledge of a fund.
pub async fn pledge_by_id(db: &Db, fund_id: i64, id: i64) -> Result<Option<Pledge>, AppError> {
    let w = format!("p.fund_id = $1 AND p.id = {id}");
    Ok(pledges_where(db, fund_id, &w, None, 1).await?.pop())
}

/// Up to `limit` of a fund's pledges matching `w` (binding the fund as `$1` and, when given,
/// `pattern` as `$2`), newest first.
pub(crate) async fn pledges_where(
    db: &Db,
    fund_id: i64,
    w: &str,
    pattern: Option<&str>,
    limit: i64,
) -> Result<Vec<Pledge>, AppError> {
    let sql = format!(
        "SELECT p.id, d.name, p.amount, p.due_on, p.note, {} \
         FROM pledges p JOIN donors d ON d.id = p.donor_id LEFT JOIN ledger_entries e ON e.pledge_id = p.id \
         LEFT JOIN ledger_lines l ON l.entry_id = e.id AND l.fund_id = p.fund_id AND l.account IN ('cash', 'bank', 'in_kind') \
         WHERE {w} GROUP BY p.id, d.name, p.amount, p.due_on, p.note ORDER BY p.id DESC{}",
        crate::funds::model::split_sum("l.amount"),
        if limit == i64::MAX { String::new() } else { format!(" LIMIT {limit}") }
    );
    let mut q = sqlx::query(&sql).bind(fund_id);
    if let Some(p) = pattern {
        q = q.bind(p);
    }
    let rows = q.fetch_all(&db.pool).await?;
    rows.into_iter()
        .map(|r| {
            let amount: i64 = r.try_get(2)?;
            let fulfilled = crate::funds::model::joined(&r, 5)?;
            Ok(Pledge {
                id: r.try_get(0)?,
                donor: r.try_get(1)?,
                amount,
                due_on: r.try_get(3)?,
                note: r.try_get(4)?,
                fulfilled,
                remaining: amount.saturating_sub(fulfilled).max(0),
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}
