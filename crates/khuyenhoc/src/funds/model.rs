//! Funds and donors in the database.

use crate::db::Db;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Fund {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub public: bool,
    /// Whether a payment may take the fund below zero (otherwise it is refused).
    pub overdraft: bool,
    pub unit_code: String,
    pub unit_name: String,
    #[serde(skip)]
    pub unit_id: i64,
    #[serde(skip)]
    pub unit_path: String,
}

impl crate::auth::InScope for Fund {
    fn scope_path(&self) -> &str {
        &self.unit_path
    }
}

impl Fund {
    pub fn kind_vi(&self) -> &'static str {
        match self.kind.as_str() {
            "scholarship" => "Quỹ học bổng",
            "named" => "Quỹ mang tên",
            _ => "Quỹ khuyến học",
        }
    }
}

pub(crate) const SELECT: &str = "SELECT f.id, f.code, f.name, f.kind, f.public, u.code, u.name, u.id, u.path, f.overdraft FROM funds f JOIN units u ON u.id = f.unit_id";

pub(crate) fn from_row(r: &AnyRow) -> Result<Fund, sqlx::Error> {
    Ok(Fund {
        id: r.try_get(0)?,
        code: r.try_get(1)?,
        name: r.try_get(2)?,
        kind: r.try_get(3)?,
        public: r.try_get::<i64, _>(4)? != 0,
        unit_code: r.try_get(5)?,
        unit_name: r.try_get(6)?,
        unit_id: r.try_get(7)?,
        unit_path: r.try_get(8)?,
        overdraft: r.try_get::<i64, _>(9)? != 0,
    })
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Fund>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE f.id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| from_row(&r))
        .transpose()
}

/// Funds of every unit under `path` (the unit itself included).
pub async fn in_subtree(db: &Db, path: &str) -> Result<Vec<Fund>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE u.path >= $1 AND u.path < $2 ORDER BY u.path, f.code");
    sqlx::query(&sql)
        .bind(path)
        .bind(crate::org::path_upper_bound(path))
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// The select list of a sum of money that cannot overflow, however many rows it adds: two
/// columns, the sum of the whole millions and the sum of the rest. A stored amount is at most
/// 10^15 đ, so each part grows by at most 10^9 a row and would need 9·10^9 rows to overflow;
/// the total itself is bounded by the caps (`khuyenhoc_ledger::dong`). A plain `SUM` of a
/// fund's lines could overflow on the way in SQLite (a receipt and its reversal, again and
/// again), which refuses the whole query. Integer division and remainder truncate toward zero
/// on both backends, so `amount = millions × 10^6 + rest` row by row.
pub fn split_sum(column: &str) -> String {
    format!(
        "CAST(COALESCE(SUM({column} / 1000000), 0) AS BIGINT), CAST(COALESCE(SUM({column} % 1000000), 0) AS BIGINT)"
    )
}

/// The two columns of [`split_sum`] starting at `first`, joined. A total beyond `i64` cannot
/// come from amounts within the caps; it is logged and shown at the limit rather than making
/// the page unavailable.
pub fn joined(r: &AnyRow, first: usize) -> Result<i64, sqlx::Error> {
    let millions: i64 = r.try_get(first)?;
    let rest: i64 = r.try_get(first + 1)?;
    let total = i128::from(millions) * 1_000_000 + i128::from(rest);
    Ok(i64::try_from(total).unwrap_or_else(|_| {
        tracing::error!(total = %total, "a sum of money beyond i64: data stored beyond the caps");
        if total < 0 {
            i64::MIN
        } else {
            i64::MAX
        }
    }))
}

/// The fund's balance per asset account (cash, bank, in kind): the sum of its lines.
pub async fn balances(db: &Db, fund_id: i64) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let sql = format!(
        "SELECT account, {} FROM ledger_lines WHERE fund_id = $1 AND account IN ('cash', 'bank', 'in_kind') GROUP BY account ORDER BY account",
        split_sum("amount")
    );
    sqlx::query(&sql)
        .bind(fund_id)
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(|r| Ok((r.try_get(0)?, joined(&r, 1)?)))
        .collect()
}

/// One line of a stored entry. Debit positive, credit negative.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "LedgerLine")]
pub struct StoredLine {
    pub fund_id: i64,
    pub account: String,
    pub amount: i64,
}

/// A stored entry with its lines, as the API shows it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "LedgerEntry")]
pub struct StoredEntry {
    pub id: i64,
    pub fund_id: i64,
    /// The category (donation, scholarship, ...), transfer_in / transfer_out, or reversal.
    pub kind: String,
    pub occurred_on: String,
    pub description: String,
    /// PT-YYYY-NNNNNN (receipt) or PC-YYYY-NNNNNN (payment); none when the assets do not change.
    pub voucher_no: Option<String>,
    pub donor: Option<String>,
    pub in_kind_note: Option<String>,
    pub programme_id: Option<i64>,
    /// The entry this one reverses.
    pub reverses_id: Option<i64>,
    /// The entry that reverses this one.
    pub reversed_by: Option<i64>,
    /// The other half of a transfer (set on the receiving half).
    pub pair_id: Option<i64>,
    /// The change of the fund's assets: positive for a receipt, negative for a payment.
    pub change: i64,
    pub person_id: Option<i64>,
    pub position_id: Option<i64>,
    pub created_at: i64,
    pub lines: Vec<StoredLine>,
}

pub(crate) const ENTRY_SELECT: &str = "SELECT e.id, e.fund_id, e.kind, e.occurred_on, e.description, e.voucher_no, d.name, e.in_kind_note, e.programme_id, \
    e.reverses_id, (SELECT r.id FROM ledger_entries r WHERE r.reverses_id = e.id), e.pair_id, e.person_id, e.position_id, e.created_at \
    FROM ledger_entries e LEFT JOIN donors d ON d.id = e.donor_id";

pub(crate) fn entry_from_row(r: &AnyRow) -> Result<StoredEntry, sqlx::Error> {
    Ok(StoredEntry {
        id: r.try_get(0)?,
        fund_id: r.try_get(1)?,
        kind: r.try_get(2)?,
        occurred_on: r.try_get(3)?,
        description: r.try_get(4)?,
        voucher_no: r.try_get(5)?,
        donor: r.try_get(6)?,
        in_kind_note: r.try_get(7)?,
        programme_id: r.try_get(8)?,
        reverses_id: r.try_get(9)?,
        reversed_by: r.try_get(10)?,
        pair_id: r.try_get(11)?,
        change: 0,
        person_id: r.try_get(12)?,
        position_id: r.try_get(13)?,
        created_at: r.try_get(14)?,
        lines: vec![],
    })
}

/// Adds the lines (and the asset change of the entry's fund) to entries read without them.
pub(crate) async fn with_lines(
    db: &Db,
    mut entries: Vec<StoredEntry>,
) -> Result<Vec<StoredEntry>, sqlx::Error> {
    if entries.is_empty() {
        return Ok(entries);
    }
    // Ids come from the database as integers: the list is safe to inline.
    let ids = entries
        .iter()
        .map(|e| e.id.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("SELECT entry_id, fund_id, account, amount FROM ledger_lines WHERE entry_id IN ({ids}) ORDER BY id");
    for r in sqlx::query(&sql).fetch_all(&db.pool).await? {
        let entry_id: i64 = r.try_get(0)?;
        let line = StoredLine {
            fund_id: r.try_get(1)?,
            account: r.try_get(2)?,
            amount: r.try_get(3)?,
        };
        if let Some(e) = entries.iter_mut().find(|e| e.id == entry_id) {
            if line.fund_id == e.fund_id
                && matches!(line.account.as_str(), "cash" | "bank" | "in_kind")
            {
                e.change = e.change.saturating_add(line.amount);
            }
            e.lines.push(line);
        }
    }
    Ok(entries)
}

/// One entry with its lines.
pub async fn entry(db: &Db, id: i64) -> Result<Option<StoredEntry>, sqlx::Error> {
    let sql = format!("{ENTRY_SELECT} WHERE e.id = $1");
    let Some(row) = sqlx::query(&sql).bind(id).fetch_optional(&db.pool).await? else {
        return Ok(None);
    };
    Ok(with_lines(db, vec![entry_from_row(&row)?]).await?.pop())
}
