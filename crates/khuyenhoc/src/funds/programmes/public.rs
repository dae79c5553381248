//! The published list of a round, as anyone may see it: minors by initials and commune only.

use super::{by_id, Programme};
use crate::db::Db;
use crate::error::AppError;
use serde::Serialize;
use sqlx::Row;

/// One line of the public list.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct PublicRecipient {
    pub name: String,
    pub commune: String,
    pub amount: i64,
}

/// "Nguyễn Văn An" → "N.V.A."
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .map(|c| format!("{}.", c.to_uppercase()))
        .collect()
}

/// The published list: minors as initials and commune only; adults by full name when the unit
/// chose so, else initials too.
pub async fn public_list(
    db: &Db,
    programme_id: i64,
) -> Result<(Programme, Vec<PublicRecipient>), AppError> {
    let p = by_id(db, programme_id).await?.ok_or(AppError::NotFound)?;
    if p.status != "published" {
        return Err(AppError::NotFound);
    }
    let rows = sqlx::query("SELECT n.full_name, n.minor, u.path FROM nominations n JOIN units u ON u.id = n.unit_id WHERE n.programme_id = $1 AND n.status = 'paid' ORDER BY n.id")
        .bind(p.id)
        .fetch_all(&db.pool)
        .await?;
    let mut out = vec![];
    for r in rows {
        let (name, minor, path): (String, i64, String) =
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
        let commune_path = crate::org::ancestor_path(&path, 2).unwrap_or_default();
        let commune: String = sqlx::query_scalar("SELECT name FROM units WHERE path = $1")
            .bind(&commune_path)
            .fetch_optional(&db.pool)
            .await?
            .unwrap_or_default();
        let name = if minor == 0 && p.show_full_names {
            name
        } else {
            initials(&name)
        };
        out.push(PublicRecipient {
            name,
            commune,
            amount: p.amount_each,
        });
    }
    Ok((p, out))
}

#[cfg(test)]
mod tests {
    #[test]
    fn initials_of_vietnamese_names() {
        assert_eq!(super::initials("Nguyễn Văn An"), "N.V.A.");
        assert_eq!(super::initials("đỗ thị lan"), "Đ.T.L.");
    }
}
