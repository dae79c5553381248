//! Posting to the ledger: every movement is a balanced entry (checked by `khuyenhoc-ledger`)
//! written with its lines, a voucher number and an audit entry in one transaction. Entries are
//! never changed (the database refuses it); a mistake is corrected by a reversing entry.
//!
//! Before anything is written, the posting is held to the caps of `khuyenhoc_ledger::dong`
//! and to the fund's own rule: the fund's balance stays within ±10^15 đ, and does not go below
//! zero unless the fund allows an overdraft (a reversal, which puts the books back as they
//! should have been, is not refused for that); the half-year totals of its categories at the
//! fund's unit and every unit above it stay within ±10^15 đ (`reports::counters::add_within`).

use crate::audit::{self, Actor, Change};
use crate::db::{now, Backend, Tx};
use crate::error::AppError;
use crate::funds::model::{joined, split_sum};
use khuyenhoc_ledger::{errors, Date, Dong, Entry, FundId, VoucherKind, VoucherNumber};

/// A movement ready to post.
#[derive(Debug, Clone)]
pub struct Posting {
    pub fund_id: i64,
    pub entry: Entry,
    /// donation, membership_fee, piggy_bank, other_income, scholarship, award, teacher_support,
    /// other_expense, transfer_out, transfer_in, reversal
    pub kind: String,
    pub occurred_on: Date,
    pub description: String,
    pub donor_id: Option<i64>,
    pub pledge_id: Option<i64>,
    pub programme_id: Option<i64>,
    pub in_kind_note: Option<String>,
    pub reverses_id: Option<i64>,
    pub pair_id: Option<i64>,
    /// The key the request came with (see `funds::idempotency`), noted on the entry it answers.
    pub idempotency_key: Option<String>,
}

/// The next voucher number of a fund for a year and kind, without gaps: the counter row is
/// advanced inside the posting transaction (a row lock on PostgreSQL, the write lock on SQLite).
async fn next_voucher(
    tx: &mut Tx<'_>,
    fund_id: i64,
    year: u16,
    kind: VoucherKind,
) -> Result<String, AppError> {
    sqlx::query("INSERT INTO voucher_counters (fund_id, year, kind, last_no) VALUES ($1, $2, $3, 0) ON CONFLICT (fund_id, year, kind) DO NOTHING")
        .bind(fund_id)
        .bind(i64::from(year))
        .bind(kind.prefix())
        .execute(&mut **tx)
        .await?;
    let n: i64 = sqlx::query_scalar("UPDATE voucher_counters SET last_no = last_no + 1 WHERE fund_id = $1 AND year = $2 AND kind = $3 RETURNING last_no")
        .bind(fund_id)
        .bind(i64::from(year))
        .bind(kind.prefix())
        .fetch_one(&mut **tx)
        .await?;
    let seq = u32::try_from(n).map_err(|_| anyhow::anyhow!("voucher counter overflow"))?;
    Ok(VoucherNumber::new(kind, year, seq)
        .map_err(|e| AppError::Unprocessable {
            vi: e.vi.into(),
            en: e.en.into(),
        })?
        .to_string())
}

/// Refuses a posting that would take the fund's balance beyond the caps or below zero (see the
/// module documentation). A posting that lowers the balance first locks the fund's row on
/// PostgreSQL, so two payments cannot both spend the same money; SQLite has one writer already.
/// The lock is `FOR NO KEY UPDATE`: it excludes other spenders but not the `FOR KEY SHARE` that
/// every insert referencing the fund takes for its foreign key (a receipt, a transfer coming in),
/// which `FOR UPDATE` would, and did: a payment and two crossing transfers deadlocked.
async fn guard(tx: &mut Tx<'_>, p: &Posting) -> Result<(), AppError> {
    let change: i128 = p
        .entry
        .lines()
        .iter()
        .filter(|l| l.fund.0 == p.fund_id && l.account.is_asset())
        .map(|l| i128::from(l.amount.get()))
        .sum();
    if change == 0 {
        return Ok(());
    }
    if change < 0 && tx.backend() == Backend::Postgres {
        sqlx::query("SELECT id FROM funds WHERE id = $1 FOR NO KEY UPDATE")
            .bind(p.fund_id)
            .execute(&mut **tx)
            .await?;
    }
    let sql = format!(
        "SELECT f.overdraft, {} FROM funds f LEFT JOIN ledger_lines l ON l.fund_id = f.id AND l.account IN ('cash', 'bank', 'in_kind') \
         WHERE f.id = $1 GROUP BY f.id, f.overdraft",
        split_sum("l.amount")
    );
    let row = sqlx::query(&sql)
        .bind(p.fund_id)
        .fetch_one(&mut **tx)
        .await?;
    let overdraft = sqlx::Row::try_get::<i64, _>(&row, 0)? != 0;
    let balance = i128::from(joined(&row, 1)?);
    let after = balance + change;
    let cap = i128::from(Dong::MAX_BALANCE.get());
    if !(-cap..=cap).contains(&after) {
        return Err(AppError::field("amount", errors::FUND_FULL));
    }
    if change < 0 && after < 0 && !overdraft && p.kind != "reversal" {
        return Err(overdrawn(balance, -change));
    }
    Ok(())
}

/// A payment larger than what the fund holds, said with both amounts.
fn overdrawn(balance: i128, amount: i128) -> AppError {
    let dong = |v: i128| Dong::new(i64::try_from(v).unwrap_or(i64::MAX)).to_string();
    AppError::Unprocessable {
        vi: format!(
            "Quỹ chỉ còn {}, không đủ chi {}. Quỹ này không được chi vượt số dư: hãy ghi khoản thu trước, hoặc người quản lý quỹ cho phép chi vượt số dư",
            dong(balance),
            dong(amount)
        ),
        en: format!(
            "The fund holds only {}, not enough to pay {}. This fund may not be overdrawn: record the money coming in first, or have its manager allow overdrafts",
            dong(balance),
            dong(amount)
        ),
    }
}

/// Whether `e` violates the unique index `index` of `ledger_entries`. PostgreSQL names the index;
/// SQLite names the columns (`UNIQUE constraint failed: ledger_entries.reverses_id`), compared
/// here by the last one.
fn violates(e: &sqlx::Error, index: &str, last_column: &str) -> bool {
    let sqlx::Error::Database(d) = e else {
        return false;
    };
    d.constraint() == Some(index)
        || (d.is_unique_violation()
            && d.message().starts_with("UNIQUE constraint failed: ")
            && d.message().ends_with(last_column))
}

/// Writes the entry, its lines, its voucher number and the audit entry. Returns the entry id.
pub async fn post(
    tx: &mut Tx<'_>,
    actor: Actor,
    unit_id: i64,
    p: &Posting,
) -> Result<i64, AppError> {
    guard(tx, p).await?;
    let voucher = match p.entry.voucher_kind() {
        Some(kind) => Some(next_voucher(tx, p.fund_id, p.occurred_on.year(), kind).await?),
        None => None,
    };
    let id = insert_entry(tx, actor, p, voucher.as_deref()).await?;
    super::entries::index(tx, id, p.fund_id, &p.description, p.donor_id).await?;
    for line in p.entry.lines() {
        sqlx::query(
            "INSERT INTO ledger_lines (entry_id, fund_id, account, amount) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(line.fund.0)
        .bind(line.account.code())
        .bind(line.amount.get())
        .execute(&mut **tx)
        .await?;
    }
    let lines: Vec<serde_json::Value> = p.entry.lines().iter().map(|l| serde_json::json!({"fund": l.fund.0, "account": l.account.code(), "amount": l.amount.get()})).collect();
    let after = serde_json::json!({"kind": p.kind, "voucher": voucher, "on": p.occurred_on.to_string(), "description": p.description, "lines": lines, "reverses": p.reverses_id});
    audit::record(
        tx,
        actor,
        Change {
            unit_id: Some(unit_id),
            entity: "ledger_entry",
            entity_id: id.to_string(),
            action: "post",
            before: None,
            after: Some(after),
        },
    )
    .await?;
    count(tx, p).await?;
    let posted = super::totals::Posted {
        fund_id: p.fund_id,
        entry: &p.entry,
        occurred_on: p.occurred_on,
        pair_id: p.pair_id,
    };
    super::totals::on_post(tx, posted).await?;
    Ok(id)
}

/// The `ledger_entries` row of a posting. An entry reversed twice is refused by the database's
/// unique index, answered in words.
async fn insert_entry(
    tx: &mut Tx<'_>,
    actor: Actor,
    p: &Posting,
    voucher: Option<&str>,
) -> Result<i64, AppError> {
    sqlx::query_scalar(
        "INSERT INTO ledger_entries (fund_id, kind, occurred_on, description, donor_id, pledge_id, programme_id, voucher_no, reverses_id, pair_id, \
         in_kind_note, idempotency_key, person_id, position_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
    )
    .bind(p.fund_id)
    .bind(&p.kind)
    .bind(p.occurred_on.to_string())
    .bind(&p.description)
    .bind(p.donor_id)
    .bind(p.pledge_id)
    .bind(p.programme_id)
    .bind(voucher)
    .bind(p.reverses_id)
    .bind(p.pair_id)
    .bind(&p.in_kind_note)
    .bind(&p.idempotency_key)
    .bind(actor.person_id)
    .bind(actor.position_id)
    .bind(now())
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| {
        if violates(&e, "ledger_entries_reverses", "ledger_entries.reverses_id") {
            AppError::bad_request("Bút toán này đã được đảo rồi", "This entry has already been reversed")
        } else {
            e.into()
        }
    })
}

/// Live report counters of the fund's unit and its ancestors, in the same transaction, written
/// last: the rows of the province and the centre are shared by every posting in the country.
/// A posting that would take a half-year total beyond its cap is refused here, before any
/// counter moves (the transaction is then dropped with everything it wrote).
async fn count(tx: &mut Tx<'_>, p: &Posting) -> Result<(), AppError> {
    let fund_unit: i64 = sqlx::query_scalar("SELECT unit_id FROM funds WHERE id = $1")
        .bind(p.fund_id)
        .fetch_one(&mut **tx)
        .await?;
    let by_account: Vec<(khuyenhoc_ledger::Account, i64)> = p
        .entry
        .lines()
        .iter()
        .map(|l| (l.account, l.amount.get()))
        .collect();
    let over = crate::reports::counters::add_within(
        tx,
        fund_unit,
        &crate::reports::counters::half_of(&p.occurred_on.to_string()),
        &crate::reports::counters::ledger_deltas(&by_account),
        Dong::MAX_HALF_YEAR.get(),
    )
    .await?;
    match over {
        None => Ok(()),
        Some(_) => Err(AppError::field("amount", errors::HALF_YEAR_FULL)),
    }
}

/// The lines of a stored entry, rebuilt and checked again (for reversals).
pub async fn stored_entry(tx: &mut Tx<'_>, entry_id: i64) -> Result<Entry, AppError> {
    use sqlx::Row;
    let rows = sqlx::query(
        "SELECT fund_id, account, amount FROM ledger_lines WHERE entry_id = $1 ORDER BY id",
    )
    .bind(entry_id)
    .fetch_all(&mut **tx)
    .await?;
    let mut lines = vec![];
    for r in rows {
        let account = khuyenhoc_ledger::Account::parse(&r.try_get::<String, _>(1)?)
            .map_err(|e| anyhow::anyhow!("stored account: {e}"))?;
        lines.push(khuyenhoc_ledger::Line::new(
            FundId(r.try_get(0)?),
            account,
            khuyenhoc_ledger::Dong::new(r.try_get(2)?),
        ));
    }
    Entry::new(lines)
        .map_err(|e| anyhow::anyhow!("stored entry {entry_id} does not balance: {e}").into())
}
