//! Loading the official list of administrative units (the 2025 list ships inside the binary,
//! from `data/units-2025.csv`; the CSV is parsed by `khuyenhoc_sheets::units_csv`). Importing is
//! idempotent: units already present are left alone.

use crate::audit::{self, Actor, Change};
use crate::db::{now, rows, Db, Tx};
use anyhow::Context;
use khuyenhoc_domain::{text, Level};
use std::collections::BTreeMap;

/// The 2025 list: 34 provinces, 3,321 communes, official codes (General Statistics Office).
pub const UNITS_2025: &str = include_str!("../../../../data/units-2025.csv");
/// The day the 2025 reorganisation took effect.
pub const EFFECTIVE_2025: &str = "2025-07-01";
pub const CENTRAL_NAME: &str = "Trung ương Hội Khuyến học Việt Nam";

/// The CSV itself is read by `khuyenhoc_sheets::units_csv` (no database), so that its fuzz
/// target needs only the small crate.
pub use khuyenhoc_sheets::units_csv::{parse, Row};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub provinces: usize,
    pub communes: usize,
    pub inserted: u64,
}

async fn ensure_central(tx: &mut Tx<'_>) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO units (code, level, kind, name, name_folded, parent_id, path, valid_from, created_at) \
         VALUES ('VN', 'central', 'central', $1, $2, NULL, '/VN/', '1930-01-01', $3) ON CONFLICT DO NOTHING",
    )
    .bind(CENTRAL_NAME)
    .bind(text::fold(CENTRAL_NAME))
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Multi-row insert of (code, kind, name, parent path, path) at `level`; units already there
/// (same code and start, or same path) are skipped. The parent is found by its path: codes are
/// unique only among the units of one day.
async fn insert_batch(
    tx: &mut Tx<'_>,
    level: Level,
    batch: &[(String, String, String, String, String)],
    from: &str,
) -> anyhow::Result<u64> {
    if batch.is_empty() {
        return Ok(0);
    }
    let row = "(?, ?, ?, ?, ?, (SELECT id FROM units WHERE path = ?), ?, ?, ?)";
    let sql = format!(
        "INSERT INTO units (code, level, kind, name, name_folded, parent_id, path, valid_from, created_at) \
         VALUES {} ON CONFLICT DO NOTHING",
        rows::values(tx.backend(), batch.len(), row)
    );
    let mut q = sqlx::query(&sql);
    let at = now();
    for (code, kind, name, parent, path) in batch {
        q = q
            .bind(code.clone())
            .bind(level.code())
            .bind(kind.clone())
            .bind(name.clone())
            .bind(text::fold(name))
            .bind(parent.clone())
            .bind(path.clone())
            .bind(from.to_owned())
            .bind(at);
    }
    Ok(q.execute(&mut **tx).await?.rows_affected())
}

/// Imports the rows as units valid from `valid_from`, in one transaction.
pub async fn import(db: &Db, rows: &[Row], valid_from: &str) -> anyhow::Result<Outcome> {
    anyhow::ensure!(
        chrono::NaiveDate::parse_from_str(valid_from, "%Y-%m-%d").is_ok(),
        "valid_from must be YYYY-MM-DD"
    );
    let mut provinces: BTreeMap<String, (String, String)> = BTreeMap::new();
    for r in rows {
        provinces
            .entry(r.province.0.to_string())
            .or_insert((r.province.1.clone(), r.province.2.to_owned()));
    }
    let mut tx = db.begin().await?;
    ensure_central(&mut tx).await?;
    let pbatch: Vec<_> = provinces
        .iter()
        .map(|(code, (name, kind))| {
            (
                code.clone(),
                kind.clone(),
                name.clone(),
                "/VN/".to_owned(),
                format!("/VN/{code}/"),
            )
        })
        .collect();
    let mut inserted = insert_batch(&mut tx, Level::Province, &pbatch, valid_from)
        .await
        .context("provinces")?;
    let cbatch: Vec<_> = rows
        .iter()
        .map(|r| {
            let (p, c) = (r.province.0.to_string(), r.commune.0.to_string());
            (
                c.clone(),
                r.commune.2.to_owned(),
                r.commune.1.clone(),
                format!("/VN/{p}/"),
                format!("/VN/{p}/{c}/"),
            )
        })
        .collect();
    for chunk in cbatch.chunks(500) {
        inserted += insert_batch(&mut tx, Level::Commune, chunk, valid_from)
            .await
            .context("communes")?;
    }
    audit::record(
        &mut tx,
        Actor::SYSTEM,
        Change {
            unit_id: None,
            entity: "unit_import",
            entity_id: valid_from.to_owned(),
            action: "import",
            before: None,
            after: Some(serde_json::json!({"provinces": provinces.len(), "communes": rows.len(), "inserted": inserted})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Outcome {
        provinces: provinces.len(),
        communes: rows.len(),
        inserted,
    })
}

/// Imports the list that ships in the binary.
pub async fn import_builtin(db: &Db) -> anyhow::Result<Outcome> {
    import(db, &parse(UNITS_2025)?, EFFECTIVE_2025).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_list_has_the_official_counts() {
        let rows = parse(UNITS_2025).expect("the shipped list parses");
        assert_eq!(rows.len(), 3321);
        let provinces: std::collections::BTreeSet<_> =
            rows.iter().map(|r| r.province.0.clone()).collect();
        assert_eq!(provinces.len(), 34);
        let count = |k: &str| rows.iter().filter(|r| r.commune.2 == k).count();
        assert_eq!(
            (count("xa"), count("phuong"), count("dac_khu")),
            (2621, 687, 13)
        );
        assert!(rows
            .iter()
            .any(|r| r.commune.0.as_str() == "00004" && r.commune.1 == "Phường Ba Đình"));
    }
}
