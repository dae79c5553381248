//! Loading the official list of administrative units (the 2025 list ships inside the binary,
//! from `data/units-2025.csv`). Importing is idempotent: units already present are left alone.

use crate::audit::{self, Actor, Change};
use crate::db::{now, Db, Tx};
use anyhow::{bail, Context};
use khuyenhoc_domain::{text, UnitCode};
use std::collections::BTreeMap;

/// The 2025 list: 34 provinces, 3,321 communes, official codes (General Statistics Office).
pub const UNITS_2025: &str = include_str!("../../../../data/units-2025.csv");
/// The day the 2025 reorganisation took effect.
pub const EFFECTIVE_2025: &str = "2025-07-01";
pub const CENTRAL_NAME: &str = "Trung ương Hội Khuyến học Việt Nam";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub province: (UnitCode, String, &'static str),
    pub commune: (UnitCode, String, &'static str),
}

fn province_kind(t: &str) -> Option<&'static str> {
    match t {
        "tỉnh" => Some("tinh"),
        "thành phố trung ương" => Some("thanh_pho"),
        _ => None,
    }
}

fn commune_kind(t: &str) -> Option<&'static str> {
    match t {
        "xã" => Some("xa"),
        "phường" => Some("phuong"),
        "đặc khu" => Some("dac_khu"),
        _ => None,
    }
}

/// Parses the CSV; every bad line is reported with its line number.
pub fn parse(csv_text: &str) -> anyhow::Result<Vec<Row>> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers()?.clone();
    let want = [
        "province_code",
        "province_name",
        "province_type",
        "commune_code",
        "commune_name",
        "commune_type",
    ];
    if headers.iter().collect::<Vec<_>>() != want {
        bail!("unexpected header: want {}", want.join(","));
    }
    let mut rows = vec![];
    let mut errors = vec![];
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let f = |k: usize| text::clean(rec.get(k).unwrap_or(""));
        let pcode = f(0)
            .parse::<u32>()
            .ok()
            .and_then(|n| UnitCode::province(n).ok());
        let ccode = f(3)
            .parse::<u32>()
            .ok()
            .and_then(|n| UnitCode::commune(n).ok());
        match (pcode, province_kind(&f(2)), ccode, commune_kind(&f(5))) {
            (Some(pc), Some(pk), Some(cc), Some(ck)) if !f(1).is_empty() && !f(4).is_empty() => {
                rows.push(Row {
                    province: (pc, f(1), pk),
                    commune: (cc, f(4), ck),
                })
            }
            _ => errors.push(format!("line {line}: bad code, name or type")),
        }
    }
    if !errors.is_empty() {
        bail!("{} bad lines:\n{}", errors.len(), errors.join("\n"));
    }
    Ok(rows)
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub provinces: usize,
    pub communes: usize,
    pub inserted: u64,
}

async fn ensure_central(tx: &mut Tx<'_>) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO units (code, level, kind, name, name_folded, parent_id, path, valid_from, created_at) \
         VALUES ('VN', 'central', 'central', $1, $2, NULL, '/VN/', '1930-01-01', $3) ON CONFLICT (code) DO NOTHING",
    )
    .bind(CENTRAL_NAME)
    .bind(text::fold(CENTRAL_NAME))
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Multi-row insert of (code, level, kind, name, parent code, path); existing codes are skipped.
async fn insert_batch(
    tx: &mut Tx<'_>,
    level: &str,
    batch: &[(String, String, String, String, String)],
    from: &str,
) -> anyhow::Result<u64> {
    if batch.is_empty() {
        return Ok(0);
    }
    let mut sql = String::from(
        "INSERT INTO units (code, level, kind, name, name_folded, parent_id, path, valid_from, created_at) VALUES ",
    );
    let per = 6;
    for i in 0..batch.len() {
        let b = i * per;
        if i > 0 {
            sql.push(',');
        }
        sql += &format!(
            "(${}, '{level}', ${}, ${}, ${}, (SELECT id FROM units WHERE code = ${}), ${}, '{from}', {})",
            b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, now()
        );
    }
    sql += " ON CONFLICT (code) DO NOTHING";
    let mut q = sqlx::query(&sql);
    for (code, kind, name, parent, path) in batch {
        q = q
            .bind(code.clone())
            .bind(kind.clone())
            .bind(name.clone())
            .bind(text::fold(name))
            .bind(parent.clone())
            .bind(path.clone());
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
                "VN".to_owned(),
                format!("/VN/{code}/"),
            )
        })
        .collect();
    let mut inserted = insert_batch(&mut tx, "province", &pbatch, valid_from)
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
                p.clone(),
                format!("/VN/{p}/{c}/"),
            )
        })
        .collect();
    for chunk in cbatch.chunks(500) {
        inserted += insert_batch(&mut tx, "commune", chunk, valid_from)
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

    #[test]
    fn bad_lines_are_reported_with_their_number() {
        let text = "province_code,province_name,province_type,commune_code,commune_name,commune_type\n1,Hà Nội,tỉnh,4,Ba Đình,phường\nx,Hà Nội,tỉnh,4,Ba Đình,phường\n";
        let err = parse(text).expect_err("line 3 is bad").to_string();
        assert!(err.contains("line 3"), "{err}");
    }
}
