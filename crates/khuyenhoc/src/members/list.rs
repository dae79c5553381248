//! The member list of a unit that scales (issue 16, item 1): members of the branches under a
//! unit, paged by key in name order (the folded name, then the id), searched by name without
//! diacritics or by phone digits, filtered by status, sector and branch, counted and exported
//! as filtered (`export`). The page and the API share the filter of this file.

use super::model::{self, Member};
use super::{SECTORS, STATUSES};
use crate::auth::Viewer;
use crate::db::Db;
use crate::error::AppError;
use crate::org::model::Unit;
use crate::web::list::{Cursor, ListPage, Order, Search};
use khuyenhoc_domain::Invalid;
use serde::Deserialize;

/// The filter as a page's form or the API's query string sends it: every field text, empty
/// meaning "any", so that a bad value is answered on its own field.
#[derive(Debug, Default, Clone, Deserialize, PartialEq, Eq)]
pub struct ListArgs {
    /// A name (with or without diacritics) or a phone number.
    #[serde(default)]
    pub q: String,
    /// active, left or deceased.
    #[serde(default)]
    pub status: String,
    /// university, enterprise, armed_forces or party.
    #[serde(default)]
    pub sector: String,
    /// A branch (or any unit) under the list's unit.
    #[serde(default)]
    pub branch: String,
    /// name (the default), newest or oldest.
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub cursor: String,
    #[serde(default)]
    pub per_page: Option<i64>,
}

/// A checked filter over the branches under `path`.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub path: String,
    pub status: Option<&'static str>,
    pub sector: Option<&'static str>,
    pub search: Option<Search>,
    pub sort: Order,
}

fn present(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

/// A unit named in a filter: under `unit` and readable by the viewer, or "not found" on `field`.
pub(crate) async fn unit_below(
    db: &Db,
    viewer: &Viewer,
    unit: &Unit,
    code: &str,
    field: &'static str,
) -> Result<Unit, AppError> {
    crate::org::service::visible(db, viewer, code)
        .await
        .ok()
        .filter(|b| b.path.starts_with(&unit.path))
        .ok_or_else(|| {
            AppError::field(
                field,
                Invalid::new(
                    "Không có đơn vị này trong danh sách",
                    "No such unit in this list",
                ),
            )
        })
}

impl Filter {
    /// The filter of `args` under `unit` (already visible to the viewer).
    pub async fn parse(
        db: &Db,
        viewer: &Viewer,
        unit: &Unit,
        args: &ListArgs,
    ) -> Result<Filter, AppError> {
        let path = match present(&args.branch) {
            Some(code) => unit_below(db, viewer, unit, code, "branch").await?.path,
            None => unit.path.clone(),
        };
        let pick = |typed: &str,
                    list: &[(&'static str, &'static str, &'static str)],
                    field: &'static str,
                    e: Invalid|
         -> Result<Option<&'static str>, AppError> {
            match present(typed) {
                None => Ok(None),
                Some(s) => list
                    .iter()
                    .find(|x| x.0 == s)
                    .map(|x| Some(x.0))
                    .ok_or_else(|| AppError::field(field, e)),
            }
        };
        let status = pick(
            &args.status,
            STATUSES,
            "status",
            Invalid::new(
                "Trạng thái là active, left hoặc deceased",
                "status is active, left or deceased",
            ),
        )?;
        let sector = pick(
            &args.sector,
            SECTORS,
            "sector",
            Invalid::new(
                "Lĩnh vực là university, enterprise, armed_forces hoặc party",
                "sector is university, enterprise, armed_forces or party",
            ),
        )?;
        Ok(Filter {
            path,
            status,
            sector,
            search: Search::parse(&args.q),
            sort: Order::parse(&args.sort, Order::Name)?,
        })
    }

    /// The WHERE clause and its arguments (all text).
    fn clause(&self) -> (String, Vec<String>) {
        let mut args = vec![self.path.clone(), crate::org::path_upper_bound(&self.path)];
        let mut w = vec!["b.path >= $1 AND b.path < $2".to_owned()];
        let mut text = |w: &mut Vec<String>, cond: &str, v: String| {
            args.push(v);
            w.push(cond.replace("{}", &format!("${}", args.len())));
        };
        if let Some(s) = self.status {
            text(&mut w, "m.status = {}", s.to_owned());
        }
        if let Some(s) = self.sector {
            text(
                &mut w,
                "(' ' || m.sectors || ' ') LIKE {}",
                format!("% {s} %"),
            );
        }
        match &self.search {
            Some(s @ Search::Name(_)) => {
                text(&mut w, "pe.name_folded LIKE {} ESCAPE '\\'", s.pattern());
            }
            Some(s @ Search::Phone(_)) => {
                text(&mut w, "pe.phone LIKE {} ESCAPE '\\'", s.pattern());
            }
            None => {}
        }
        (w.join(" AND "), args)
    }

    /// How many members match.
    pub async fn count(&self, db: &Db) -> Result<i64, sqlx::Error> {
        let (w, args) = self.clause();
        let sql = format!(
            "SELECT COUNT(*) FROM members m JOIN people pe ON pe.id = m.person_id JOIN units b ON b.id = m.branch_id WHERE {w}"
        );
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for a in args {
            q = q.bind(a);
        }
        q.fetch_one(&db.pool).await
    }

    /// Up to `limit` members after `cursor` in the filter's order (folded name, newest or oldest
    /// first; the member's id breaks ties, one row per member across the joins), and the cursor
    /// after the last one when there are more.
    pub async fn rows(
        &self,
        db: &Db,
        cursor: Option<&Cursor>,
        limit: i64,
    ) -> Result<(Vec<Member>, Option<Cursor>), AppError> {
        let (name, time, id) = ("pe.name_folded", "m.created_at", "m.id");
        let (mut w, mut args) = self.clause();
        if let Some(c) = cursor {
            w += " AND ";
            w += &self.sort.after(c, name, time, id, &mut args)?;
        }
        let (cols, from) = model::SELECT
            .split_once(" FROM ")
            .unwrap_or((model::SELECT, ""));
        let sql = format!(
            "{cols}, pe.name_folded FROM {from} WHERE {w} ORDER BY {} LIMIT {}",
            self.sort.order_by(name, time, id),
            limit + 1
        );
        let mut q = sqlx::query(&sql);
        for a in args {
            q = q.bind(a);
        }
        let rows = q.fetch_all(&db.pool).await?;
        let sort = self.sort;
        crate::web::list::keep(&rows, limit, |r| {
            use sqlx::Row;
            let m = model::from_row(r)?;
            let folded: String = r.try_get(18)?;
            let key = sort.key(&folded, m.created_at, m.id);
            Ok((m, key))
        })
    }

    /// One page of the list.
    pub async fn page(
        &self,
        db: &Db,
        cursor: &str,
        per_page: i64,
    ) -> Result<ListPage<Member>, AppError> {
        let cursor = Cursor::decode(cursor)?;
        let (items, next) = self.rows(db, cursor.as_ref(), per_page).await?;
        Ok(ListPage {
            items,
            total: self.count(db).await?,
            next_cursor: next.map(|c| c.encode()),
        })
    }
}

/// One page of a member's fees, newest year first (then the newest fee), filtered by `year`,
/// `q` searching the voucher number ("PT-2026" finds that year's receipts).
pub async fn fees_page(
    db: &Db,
    member_id: i64,
    year: Option<i64>,
    q: &str,
    cursor: &str,
    per_page: i64,
) -> Result<ListPage<model::Fee>, AppError> {
    let cursor = Cursor::decode(cursor)?;
    let mut w = format!("f.member_id = {member_id}");
    if let Some(y) = year {
        w += &format!(" AND f.year = {y}");
    }
    let mut args = vec![];
    if let Some(s) = Search::parse(q) {
        let v = match &s {
            Search::Name(v) | Search::Phone(v) => v.clone(),
        };
        args.push(Search::Name(v).pattern());
        w += " AND LOWER(COALESCE(e.voucher_no, '')) LIKE $1 ESCAPE '\\'";
    }
    let from = "member_fees f JOIN ledger_entries e ON e.id = f.entry_id";
    let count_sql = format!("SELECT COUNT(*) FROM {from} WHERE {w}");
    let mut cq = sqlx::query_scalar::<_, i64>(&count_sql);
    for a in &args {
        cq = cq.bind(a.clone());
    }
    let total = cq.fetch_one(&db.pool).await?;
    if let Some(c) = &cursor {
        let k = c.int()?;
        w += &format!(" AND (f.year < {k} OR (f.year = {k} AND f.id < {}))", c.id);
    }
    let sql = format!(
        "{} WHERE {w} ORDER BY f.year DESC, f.id DESC LIMIT {}",
        model::FEE_SELECT,
        per_page + 1
    );
    let mut lq = sqlx::query(&sql);
    for a in args {
        lq = lq.bind(a);
    }
    let rows = lq
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(model::fee_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(crate::web::list::page_of(rows, per_page, total, |f| {
        Cursor {
            key: serde_json::json!(f.year),
            id: f.id,
        }
    }))
}
