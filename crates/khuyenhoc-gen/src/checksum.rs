//! An order-independent checksum of the generated data: every row of the tables the generator
//! writes, read as text on either backend, hashed, and the row hashes added up per table. Two
//! databases prepared the same way and filled with the same scale and seed give the same sum,
//! whatever order the rows are stored or read in (and whichever backend holds them).

use khuyenhoc::db::Db;
use sha2::{Digest, Sha256};

/// (table, key column to read the table in ranges of, range width, columns).
const TABLES: &[(&str, &str, i64, &[&str])] = &[
    (
        "units",
        "id",
        50_000,
        &[
            "id",
            "code",
            "level",
            "kind",
            "name",
            "name_folded",
            "parent_id",
            "path",
            "valid_from",
            "branch_seq",
            "CASE WHEN level = 'branch' THEN created_at END",
        ],
    ),
    (
        "people",
        "id",
        50_000,
        &[
            "id",
            "full_name",
            "name_folded",
            "birth_year",
            "gender",
            "phone",
            "unit_id",
            "created_at",
        ],
    ),
    (
        "members",
        "id",
        50_000,
        &[
            "id",
            "person_id",
            "branch_id",
            "card_no",
            "joined_on",
            "status",
            "status_on",
            "sectors",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "unit_populations",
        "unit_id",
        50_000,
        &["unit_id", "year", "population", "updated_at"],
    ),
    (
        "learning_groups",
        "id",
        50_000,
        &[
            "id",
            "kind",
            "unit_id",
            "name",
            "head_person_id",
            "created_at",
        ],
    ),
    (
        "group_members",
        "id",
        50_000,
        &[
            "id",
            "group_id",
            "person_id",
            "adult",
            "created_at",
            "accepted_at",
        ],
    ),
    (
        "evaluations",
        "id",
        50_000,
        &[
            "id",
            "model",
            "subject_kind",
            "subject_id",
            "subject_name",
            "unit_id",
            "year",
            "set_id",
            "form_group",
            "disadvantaged",
            "status",
            "answers",
            "total",
            "passed",
            "level",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "funds",
        "id",
        50_000,
        &[
            "id",
            "unit_id",
            "code",
            "name",
            "kind",
            "public",
            "created_at",
        ],
    ),
    (
        "donors",
        "id",
        50_000,
        &["id", "unit_id", "kind", "name", "phone", "created_at"],
    ),
    (
        "ledger_entries",
        "id",
        50_000,
        &[
            "id",
            "fund_id",
            "kind",
            "occurred_on",
            "description",
            "donor_id",
            "voucher_no",
            "in_kind_note",
            "created_at",
        ],
    ),
    (
        "ledger_lines",
        "id",
        50_000,
        &["id", "entry_id", "fund_id", "account", "amount"],
    ),
    (
        "voucher_counters",
        "fund_id",
        50_000,
        &["fund_id", "year", "kind", "last_no"],
    ),
    (
        "reports",
        "id",
        5_000,
        &[
            "id",
            "unit_id",
            "period",
            "templates",
            "status",
            "entries",
            "snapshot",
            "number_symbol",
            "signer_name",
            "submitted_at",
            "decided_at",
            "return_reason",
            "created_at",
            "updated_at",
        ],
    ),
    (
        "counters",
        "unit_id",
        2_000,
        &["unit_id", "period", "metric", "value"],
    ),
];

/// The checksum of the generated tables (hex).
pub async fn checksum(db: &Db) -> anyhow::Result<String> {
    let mut all = Sha256::new();
    for (table, key, width, cols) in TABLES {
        let (sum, count) = table_sum(db, table, key, *width, cols).await?;
        all.update(format!("{table}:{count}:{sum:032x};").as_bytes());
    }
    Ok(hex::encode(all.finalize()))
}

async fn table_sum(
    db: &Db,
    table: &str,
    key: &str,
    width: i64,
    cols: &[&str],
) -> anyhow::Result<(u128, u64)> {
    let max: Option<i64> = sqlx::query_scalar(&format!("SELECT MAX({key}) FROM {table}"))
        .fetch_one(&db.pool)
        .await?;
    let select: Vec<String> = cols.iter().map(|c| format!("CAST({c} AS TEXT)")).collect();
    let sql = format!(
        "SELECT {} FROM {table} WHERE {key} >= $1 AND {key} < $2",
        select.join(", ")
    );
    let (mut sum, mut count) = (0u128, 0u64);
    let mut lo = 0;
    while lo <= max.unwrap_or(-1) {
        let rows = sqlx::query(&sql)
            .bind(lo)
            .bind(lo + width)
            .fetch_all(&db.pool)
            .await?;
        for r in &rows {
            let mut h = Sha256::new();
            for i in 0..cols.len() {
                let v: Option<String> = sqlx::Row::try_get(r, i)?;
                match v {
                    Some(s) => {
                        h.update([1u8]);
                        h.update(s.as_bytes());
                    }
                    None => h.update([0u8]),
                }
                h.update([0x1f]);
            }
            let d = h.finalize();
            let mut first = [0u8; 16];
            first.copy_from_slice(&d[..16]);
            sum = sum.wrapping_add(u128::from_le_bytes(first));
            count += 1;
        }
        lo += width;
    }
    Ok((sum, count))
}
