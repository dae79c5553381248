//! Posting to the ledger: every movement is a balanced entry (checked by `khuyenhoc-ledger`)
//! written with its lines, a voucher number and an audit entry in one transaction. Entries are
//! never changed (the database refuses it); a mistake is corrected by a reversing entry.

use crate::audit::{self, Actor, Change};
use crate::db::{now, Tx};
use crate::error::AppError;
use khuyenhoc_ledger::{Date, Entry, FundId, VoucherKind, VoucherNumber};

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

/// Whether `e` violates the unique index `index` of `ledger_entries`. PostgreSQL names the index;
/// SQLite names the columns (`UNIQUE constraint failed: ledger_entries.person_id,
/// ledger_entries.idempotency_key`), and `db::is_unique_violation` takes any multi-column
/// violation of the table for any of its indexes, so the last column is compared here.
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
    let voucher = match p.entry.voucher_kind() {
        Some(kind) => Some(next_voucher(tx, p.fund_id, p.occurred_on.year(), kind).await?),
        None => None,
    };
    let id = insert_entry(tx, actor, p, voucher.as_deref()).await?;
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
    Ok(id)
}

/// The `ledger_entries` row of a posting. An entry reversed twice or an idempotency key used
/// twice by the same person is refused by the database's unique indexes, answered in words.
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
        } else if violates(&e, "ledger_entries_idempotency", "ledger_entries.idempotency_key") {
            AppError::Conflict(crate::error::FieldError::new(
                "idempotency_key",
                khuyenhoc_domain::Invalid::new("Yêu cầu này đã được ghi sổ", "This request was already posted"),
            ))
        } else {
            e.into()
        }
    })
}

/// Live report counters of the fund's unit and its ancestors, in the same transaction, written
/// last: the rows of the province and the centre are shared by every posting in the country.
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
    crate::reports::counters::add(
        tx,
        fund_unit,
        &crate::reports::counters::half_of(&p.occurred_on.to_string()),
        &crate::reports::counters::ledger_deltas(&by_account),
    )
    .await?;
    Ok(())
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
