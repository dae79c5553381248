//! Funds and pledges as lists that scale (issue 16): a unit's funds in name order and a fund's
//! pledges newest first, each paged by key, searched without diacritics in the stored
//! `name_folded` of funds and donors (migration 0017, written at creation, filled for older rows
//! by [`backfill`]), counted as filtered. A page of funds reads its balances in one query.

use super::model::{self, Fund};
use super::service::Pledge;
use crate::db::Db;
use crate::error::AppError;
use crate::web::list::{page_of, per_page, Cursor, ListPage, Search};
use khuyenhoc_domain::Invalid;
use sqlx::Row;

/// A name folded as the search box folds it: no diacritics, lower case, single spaces.
pub fn folded(name: &str) -> String {
    khuyenhoc_domain::text::fold(name)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Fills the folded names of funds and donors made before they existed, 2,000 rows per
/// transaction; run at start-up, a no-op once done. Returns how many rows it filled.
pub async fn backfill(db: &Db) -> Result<u64, sqlx::Error> {
    let mut filled = 0;
    for table in ["funds", "donors"] {
        loop {
            let rows: Vec<(i64, String)> = sqlx::query_as(&format!(
                "SELECT id, name FROM {table} WHERE name_folded IS NULL ORDER BY id LIMIT 2000"
            ))
            .fetch_all(&db.pool)
            .await?;
            if rows.is_empty() {
                break;
            }
            let mut tx = db.begin().await?;
            for (id, name) in &rows {
                sqlx::query(&format!(
                    "UPDATE {table} SET name_folded = $1 WHERE id = $2"
                ))
                .bind(folded(name))
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            filled += rows.len() as u64;
        }
    }
    Ok(filled)
}

/// The search box's value as a `LIKE` pattern on a folded name (digits are searched as text).
fn pattern(q: Option<&str>) -> Option<String> {
    q.and_then(Search::parse).map(|s| s.pattern())
}

/// The filter of a unit's funds: the subtree, a kind, and words of the name or code.
pub struct FundFilter {
    path: String,
    kind: Option<String>,
    pattern: Option<String>,
}

impl FundFilter {
    /// A kind other than general, scholarship or named is refused on `kind` (422).
    pub fn parse(path: &str, kind: Option<&str>, q: Option<&str>) -> Result<Self, AppError> {
        let kind = kind.map(str::trim).filter(|k| !k.is_empty());
        if let Some(k) = kind {
            if !matches!(k, "general" | "scholarship" | "named") {
                return Err(AppError::field(
                    "kind",
                    Invalid::new(
                        "Loại quỹ là general, scholarship hoặc named",
                        "A fund kind is general, scholarship or named",
                    ),
                ));
            }
        }
        Ok(FundFilter {
            path: path.to_owned(),
            kind: kind.map(str::to_owned),
            pattern: pattern(q),
        })
    }

    fn clause(&self) -> (String, Vec<String>) {
        let mut args = vec![self.path.clone(), crate::org::path_upper_bound(&self.path)];
        let mut w = vec!["u.path >= $1 AND u.path < $2".to_owned()];
        if let Some(k) = &self.kind {
            args.push(k.clone());
            w.push(format!("f.kind = ${}", args.len()));
        }
        if let Some(p) = &self.pattern {
            args.push(p.clone());
            let n = args.len();
            w.push(format!(
                "(f.name_folded LIKE ${n} ESCAPE '\\' OR LOWER(f.code) LIKE ${n} ESCAPE '\\')"
            ));
        }
        (w.join(" AND "), args)
    }

    /// How many funds match.
    pub async fn count(&self, db: &Db) -> Result<i64, sqlx::Error> {
        let (w, args) = self.clause();
        let sql =
            format!("SELECT COUNT(*) FROM funds f JOIN units u ON u.id = f.unit_id WHERE {w}");
        let mut count = sqlx::query_scalar::<_, i64>(&sql);
        for a in &args {
            count = count.bind(a);
        }
        count.fetch_one(&db.pool).await
    }

    /// Up to `limit` funds after `cursor` in name order (folded name, then id), and the cursor
    /// after the last one when more may follow.
    pub async fn rows(
        &self,
        db: &Db,
        cursor: Option<&Cursor>,
        limit: i64,
    ) -> Result<(Vec<Fund>, Option<Cursor>), AppError> {
        let (mut w, mut args) = self.clause();
        if let Some(c) = cursor {
            args.push(c.text()?.to_owned());
            let k = format!("${}", args.len());
            w += &format!(
                " AND (f.name_folded > {k} OR (f.name_folded = {k} AND f.id > {}))",
                c.id
            );
        }
        let (cols, from) = model::SELECT
            .split_once(" FROM ")
            .unwrap_or((model::SELECT, ""));
        let sql = format!(
            "{cols}, COALESCE(f.name_folded, '') FROM {from} WHERE {w} ORDER BY f.name_folded, f.id LIMIT {}",
            limit + 1
        );
        let mut q = sqlx::query(&sql);
        for a in &args {
            q = q.bind(a);
        }
        let rows = q.fetch_all(&db.pool).await?;
        crate::web::list::keep(&rows, limit, |r| {
            let f = model::from_row(r)?;
            let key = Cursor {
                key: serde_json::json!(r.try_get::<String, _>(10)?),
                id: f.id,
            };
            Ok::<_, sqlx::Error>((f, key))
        })
        .map_err(AppError::from)
    }

    /// One page of funds in name order (folded name, then id) after `cursor`.
    pub async fn page(
        &self,
        db: &Db,
        cursor: Option<&str>,
        asked: Option<i64>,
    ) -> Result<ListPage<Fund>, AppError> {
        let n = per_page(asked)?;
        let after = Cursor::decode(cursor.unwrap_or(""))?;
        let (items, next) = self.rows(db, after.as_ref(), n).await?;
        Ok(ListPage {
            items,
            total: self.count(db).await?,
            next_cursor: next.map(|c| c.encode()),
        })
    }
}

/// A fund with its balance per asset account (cash, bank, in kind) and their sum.
pub struct FundRow {
    pub fund: Fund,
    pub assets: [i64; 3],
    pub total: i64,
}

impl crate::web::export::Export for FundFilter {
    type Row = FundRow;

    fn sheet(&self) -> crate::web::export::Sheet {
        crate::web::export::Sheet {
            name: "Quỹ",
            columns: &[
                ("Mã quỹ", 16.0),
                ("Tên quỹ", 36.0),
                ("Loại", 18.0),
                ("Đơn vị", 34.0),
                ("Tiền mặt, đồng", 18.0),
                ("Tiền gửi ngân hàng, đồng", 18.0),
                ("Hiện vật, đồng", 18.0),
                ("Tổng, đồng", 18.0),
                ("Mã số", 10.0),
            ],
            what_vi: "quỹ",
            what_en: "funds",
        }
    }

    async fn total(&self, db: &Db) -> Result<i64, AppError> {
        Ok(self.count(db).await?)
    }

    async fn chunk(
        &self,
        db: &Db,
        cursor: Option<&Cursor>,
        limit: i64,
    ) -> Result<(Vec<FundRow>, Option<Cursor>), AppError> {
        let (funds, next) = self.rows(db, cursor, limit).await?;
        let ids: Vec<i64> = funds.iter().map(|f| f.id).collect();
        let stored = balances_of(db, &ids).await?;
        let mut rows = Vec::with_capacity(funds.len());
        for fund in funds {
            let mut assets = [0i64; 3];
            for (slot, account) in assets.iter_mut().zip(["cash", "bank", "in_kind"]) {
                *slot = stored
                    .iter()
                    .find(|(id, a, _)| *id == fund.id && a == account)
                    .map_or(0, |b| b.2);
            }
            let total = assets
                .iter()
                .try_fold(0i64, |sum, n| sum.checked_add(*n))
                .ok_or_else(|| anyhow::anyhow!("balance of fund {} overflows", fund.id))?;
            rows.push(FundRow {
                fund,
                assets,
                total,
            });
        }
        Ok((rows, next))
    }

    fn cells(&self, r: &FundRow) -> Vec<crate::web::export::Cell> {
        use crate::web::export::Cell;
        vec![
            (&r.fund.code).into(),
            (&r.fund.name).into(),
            r.fund.kind_vi().into(),
            (&r.fund.unit_name).into(),
            Cell::Money(r.assets[0]),
            Cell::Money(r.assets[1]),
            Cell::Money(r.assets[2]),
            Cell::Money(r.total),
            r.fund.id.into(),
        ]
    }
}

/// The balances per asset account of several funds in one query: (fund, account, amount).
pub async fn balances_of(db: &Db, ids: &[i64]) -> Result<Vec<(i64, String, i64)>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let list = ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT fund_id, account, {} FROM ledger_lines WHERE fund_id IN ({list}) AND account IN ('cash', 'bank', 'in_kind') GROUP BY fund_id, account",
        model::split_sum("amount")
    );
    sqlx::query(&sql)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, model::joined(r, 2)?)))
        .collect()
}

/// One page of a fund's pledges, newest first (by id), searched in the donor's folded name.
pub async fn pledges(
    db: &Db,
    fund_id: i64,
    q: Option<&str>,
    cursor: Option<&str>,
    asked: Option<i64>,
) -> Result<ListPage<Pledge>, AppError> {
    let n = per_page(asked)?;
    let after = Cursor::decode(cursor.unwrap_or(""))?;
    let pattern = pattern(q);
    let mut w = "p.fund_id = $1".to_owned();
    if pattern.is_some() {
        w += " AND d.name_folded LIKE $2 ESCAPE '\\'";
    }
    let count_sql =
        format!("SELECT COUNT(*) FROM pledges p JOIN donors d ON d.id = p.donor_id WHERE {w}");
    let mut count = sqlx::query_scalar::<_, i64>(&count_sql).bind(fund_id);
    if let Some(p) = &pattern {
        count = count.bind(p);
    }
    let total = count.fetch_one(&db.pool).await?;
    if let Some(c) = &after {
        w += &format!(" AND p.id < {}", c.int()?);
    }
    let rows = super::service::pledges_where(db, fund_id, &w, pattern.as_deref(), n + 1).await?;
    Ok(page_of(rows, n, total, |p| Cursor {
        key: serde_json::json!(p.id),
        id: p.id,
    }))
}
