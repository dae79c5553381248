//! A fund's ledger as a list that scales (issue 16, item 1): its entries newest first (by day,
//! then id), paged by key, searched without diacritics in the description and the donor's name
//! (`ledger_entry_search`, written with every entry), filtered by a date range or a year, the
//! kind (a category, transfer_in, transfer_out, reversal) and an account a line moves, counted
//! and exported as filtered (`export`). The page and the API share the filter of this file.

pub mod export;

use super::model::{self, StoredEntry};
use crate::db::{Db, Tx};
use crate::error::AppError;
use crate::web::list::{Cursor, ListPage, Search};
use khuyenhoc_domain::Invalid;
use khuyenhoc_ledger::{Account, Date};
use serde::Deserialize;

/// The filter as a page's form or the API's query string sends it: every field text, empty
/// meaning "any", so that a bad value is answered on its own field.
#[derive(Debug, Default, Clone, Deserialize, PartialEq, Eq)]
pub struct ListArgs {
    /// Words of the description or the donor's name, with or without diacritics.
    #[serde(default)]
    pub q: String,
    /// First day, YYYY-MM-DD or DD/MM/YYYY.
    #[serde(default)]
    pub from: String,
    /// Last day.
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub year: String,
    /// A category code, transfer_in, transfer_out or reversal.
    #[serde(default)]
    pub kind: String,
    /// An account one of the entry's lines moves: cash, bank, in_kind or a category.
    #[serde(default)]
    pub account: String,
    #[serde(default)]
    pub cursor: String,
    #[serde(default)]
    pub per_page: Option<i64>,
}

/// A checked filter over the entries of one fund.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub fund_id: i64,
    pub from: Option<String>,
    pub to: Option<String>,
    pub kind: Option<String>,
    pub account: Option<String>,
    pub search: Option<Search>,
}

fn present(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

fn day(field: &'static str, s: &str) -> Result<String, AppError> {
    Date::parse_typed(s)
        .map(|d| d.to_string())
        .map_err(|e| AppError::field(field, e))
}

impl Filter {
    /// The filter of `args` over the fund `fund_id` (already visible to the viewer).
    pub fn parse(fund_id: i64, args: &ListArgs) -> Result<Filter, AppError> {
        let mut from = present(&args.from).map(|s| day("from", s)).transpose()?;
        let mut to = present(&args.to).map(|s| day("to", s)).transpose()?;
        if let Some(y) = present(&args.year) {
            let y = y
                .parse::<i64>()
                .ok()
                .filter(|y| (2000..=2100).contains(y))
                .ok_or_else(|| {
                    AppError::field("year", Invalid::new("Năm không hợp lệ", "Not a valid year"))
                })?;
            let (a, b) = (format!("{y}-01-01"), format!("{y}-12-31"));
            from = Some(from.map_or(a.clone(), |f| f.max(a)));
            to = Some(to.map_or(b.clone(), |t| t.min(b)));
        }
        let kind = match present(&args.kind) {
            None => None,
            Some(k @ ("transfer_in" | "transfer_out" | "reversal")) => Some(k.to_owned()),
            Some(k) => Some(
                Account::parse(k)
                    .ok()
                    .filter(|a| !a.is_asset() && !a.is_transfer())
                    .map(|a| a.code().to_owned())
                    .ok_or_else(|| {
                        AppError::field(
                            "kind",
                            Invalid::new("Không có loại bút toán này", "No such kind of entry"),
                        )
                    })?,
            ),
        };
        let account = match present(&args.account) {
            None => None,
            Some(a) => Some(
                Account::parse(a)
                    .map(|a| a.code().to_owned())
                    .map_err(|_| {
                        AppError::field(
                            "account",
                            Invalid::new("Không có tài khoản này", "No such account"),
                        )
                    })?,
            ),
        };
        Ok(Filter {
            fund_id,
            from,
            to,
            kind,
            account,
            // Phone digits mean nothing here: every search is words.
            search: present(&args.q).and_then(|q| {
                let folded = khuyenhoc_domain::text::fold(q);
                let folded = folded.split_whitespace().collect::<Vec<_>>().join(" ");
                (!folded.is_empty()).then_some(Search::Name(folded))
            }),
        })
    }

    /// The WHERE clause and its arguments (all text; the fund's id is written in the clause).
    fn clause(&self) -> (String, Vec<String>) {
        let mut args: Vec<String> = vec![];
        let mut w = vec![format!("e.fund_id = {}", self.fund_id)];
        let mut text = |w: &mut Vec<String>, cond: &str, v: String| {
            args.push(v);
            w.push(cond.replace("{}", &format!("${}", args.len())));
        };
        if let Some(f) = &self.from {
            text(&mut w, "e.occurred_on >= {}", f.clone());
        }
        if let Some(t) = &self.to {
            text(&mut w, "e.occurred_on <= {}", t.clone());
        }
        if let Some(k) = &self.kind {
            text(&mut w, "e.kind = {}", k.clone());
        }
        if let Some(a) = &self.account {
            text(
                &mut w,
                "EXISTS (SELECT 1 FROM ledger_lines l WHERE l.entry_id = e.id AND l.fund_id = e.fund_id AND l.account = {})",
                a.clone(),
            );
        }
        if let Some(s) = &self.search {
            let cond = format!(
                "e.id IN (SELECT s.entry_id FROM ledger_entry_search s WHERE s.fund_id = {} AND s.folded LIKE {{}} ESCAPE '\\')",
                self.fund_id
            );
            text(&mut w, &cond, s.pattern());
        }
        (w.join(" AND "), args)
    }

    /// How many entries match.
    pub async fn count(&self, db: &Db) -> Result<i64, sqlx::Error> {
        let (w, args) = self.clause();
        let sql = format!("SELECT COUNT(*) FROM ledger_entries e WHERE {w}");
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for a in args {
            q = q.bind(a);
        }
        q.fetch_one(&db.pool).await
    }

    /// Up to `limit` entries after `cursor`, newest first, with their lines; and the cursor
    /// after the last one when there are more.
    pub async fn rows(
        &self,
        db: &Db,
        cursor: Option<&Cursor>,
        limit: i64,
    ) -> Result<(Vec<StoredEntry>, Option<Cursor>), AppError> {
        let (mut w, mut args) = self.clause();
        if let Some(c) = cursor {
            args.push(c.text()?.to_owned());
            let k = format!("${}", args.len());
            w += &format!(
                " AND (e.occurred_on < {k} OR (e.occurred_on = {k} AND e.id < {}))",
                c.id
            );
        }
        let sql = format!(
            "{} WHERE {w} ORDER BY e.occurred_on DESC, e.id DESC LIMIT {}",
            model::ENTRY_SELECT,
            limit + 1
        );
        let mut q = sqlx::query(&sql);
        for a in args {
            q = q.bind(a);
        }
        let rows = q.fetch_all(&db.pool).await?;
        let keep = usize::try_from(limit).unwrap_or(0);
        let more = rows.len() > keep;
        let entries = rows
            .iter()
            .take(keep)
            .map(model::entry_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        let entries = model::with_lines(db, entries).await?;
        let next = entries.last().filter(|_| more).map(|e| Cursor {
            key: serde_json::json!(e.occurred_on),
            id: e.id,
        });
        Ok((entries, next))
    }

    /// One page of the ledger.
    pub async fn page(
        &self,
        db: &Db,
        cursor: &str,
        per_page: i64,
    ) -> Result<ListPage<StoredEntry>, AppError> {
        let cursor = Cursor::decode(cursor)?;
        let (items, next) = self.rows(db, cursor.as_ref(), per_page).await?;
        Ok(ListPage {
            items,
            total: self.count(db).await?,
            next_cursor: next.map(|c| c.encode()),
        })
    }
}

/// The search text of an entry: its description and its donor's name, folded.
fn folded(description: &str, donor: Option<&str>) -> String {
    let text = match donor {
        Some(d) => format!("{description} {d}"),
        None => description.to_owned(),
    };
    khuyenhoc_domain::text::fold(&text)
}

/// Writes the search text of a new entry, in its posting transaction.
pub async fn index(
    tx: &mut Tx<'_>,
    entry_id: i64,
    fund_id: i64,
    description: &str,
    donor_id: Option<i64>,
) -> Result<(), sqlx::Error> {
    let donor: Option<String> = match donor_id {
        Some(d) => {
            sqlx::query_scalar("SELECT name FROM donors WHERE id = $1")
                .bind(d)
                .fetch_optional(&mut **tx)
                .await?
        }
        None => None,
    };
    sqlx::query("INSERT INTO ledger_entry_search (entry_id, fund_id, folded) VALUES ($1, $2, $3)")
        .bind(entry_id)
        .bind(fund_id)
        .bind(folded(description, donor.as_deref()))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Fills the search text of entries posted before it existed, 2,000 entries per transaction;
/// run at start-up, a no-op once done. Returns how many entries it filled.
pub async fn backfill(db: &Db) -> Result<u64, sqlx::Error> {
    let mut filled = 0;
    loop {
        let rows: Vec<(i64, i64, String, Option<String>)> = sqlx::query_as(
            "SELECT e.id, e.fund_id, e.description, d.name FROM ledger_entries e LEFT JOIN donors d ON d.id = e.donor_id \
             WHERE NOT EXISTS (SELECT 1 FROM ledger_entry_search s WHERE s.entry_id = e.id) ORDER BY e.id LIMIT 2000",
        )
        .fetch_all(&db.pool)
        .await?;
        if rows.is_empty() {
            return Ok(filled);
        }
        let mut tx: Tx<'_> = db.begin().await?;
        for (id, fund_id, description, donor) in &rows {
            sqlx::query(
                "INSERT INTO ledger_entry_search (entry_id, fund_id, folded) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(fund_id)
            .bind(folded(description, donor.as_deref()))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        filled += rows.len() as u64;
    }
}
