//! The people of a unit's subtree as a list that scales (issue 16, item 1): paged by key
//! (folded name, then id), searched by name without diacritics or by phone, narrowed to a
//! branch, counted, exported to Excel as filtered (`export`). The page (`pages`) and the API
//! (`api`) share the filter of this file.

pub mod api;
pub mod export;
pub mod pages;

use super::model::{self, Person};
use crate::auth::Viewer;
use crate::db::Db;
use crate::error::AppError;
use crate::org::model::Unit;
use crate::web::list::{Cursor, ListPage, Order, Search};
use khuyenhoc_domain::Invalid;
use serde::Deserialize;

/// The filter as a page's form or the API's query string sends it (empty meaning "any").
#[derive(Debug, Default, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// A unit under the list's unit: only the people of its subtree.
    #[serde(default)]
    pub branch: String,
    /// A name (any spelling, with or without diacritics) or a phone number.
    #[serde(default)]
    pub q: String,
    /// name (the default), newest or oldest.
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub cursor: String,
    #[serde(default)]
    pub per_page: Option<i64>,
}

/// A checked filter: the people whose home unit lies under `path`.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub path: String,
    pub search: Option<Search>,
    pub sort: Order,
}

impl Filter {
    /// The filter of `args` under `unit` (visible to the viewer); a branch outside the unit's
    /// subtree, or one the viewer may not read, is "not found" on `branch`.
    pub async fn parse(
        db: &Db,
        viewer: &Viewer,
        unit: &Unit,
        args: &ListArgs,
    ) -> Result<Filter, AppError> {
        let mut path = unit.path.clone();
        let branch = args.branch.trim();
        if !branch.is_empty() {
            let b = crate::org::service::visible(db, viewer, branch)
                .await
                .ok()
                .filter(|b| b.path.starts_with(&unit.path))
                .ok_or_else(|| {
                    AppError::field(
                        "branch",
                        Invalid::new(
                            "Không có đơn vị này trong danh sách",
                            "No such unit in this list",
                        ),
                    )
                })?;
            path = b.path;
        }
        Ok(Filter {
            path,
            search: Search::parse(&args.q),
            sort: Order::parse(&args.sort, Order::Name)?,
        })
    }

    /// The WHERE clause and its text arguments. People merged into another record are left out.
    fn clause(&self) -> (String, Vec<String>) {
        let mut args = vec![self.path.clone(), crate::org::path_upper_bound(&self.path)];
        let mut w = "u.path >= $1 AND u.path < $2 \
            AND NOT EXISTS (SELECT 1 FROM person_merges pm WHERE pm.merged_id = pe.id)"
            .to_owned();
        match &self.search {
            Some(s @ Search::Name(_)) => {
                args.push(s.pattern());
                w += " AND pe.name_folded LIKE $3 ESCAPE '\\'";
            }
            Some(s @ Search::Phone(_)) => {
                args.push(s.pattern());
                w += " AND pe.phone LIKE $3 ESCAPE '\\'";
            }
            None => {}
        }
        (w, args)
    }

    /// How many people match.
    pub async fn count(&self, db: &Db) -> Result<i64, sqlx::Error> {
        let (w, args) = self.clause();
        let sql =
            format!("SELECT COUNT(*) FROM people pe JOIN units u ON u.id = pe.unit_id WHERE {w}");
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for a in args {
            q = q.bind(a);
        }
        q.fetch_one(&db.pool).await
    }

    /// Up to `limit` people after `cursor` in the filter's order (folded name, newest or oldest
    /// first; the id breaks ties), and the cursor after the last one when there may be more.
    pub async fn rows(
        &self,
        db: &Db,
        cursor: Option<&Cursor>,
        limit: i64,
    ) -> Result<(Vec<Person>, Option<Cursor>), AppError> {
        let (name, time, id) = ("pe.name_folded", "pe.created_at", "pe.id");
        let (mut w, mut args) = self.clause();
        if let Some(c) = cursor {
            w += " AND ";
            w += &self.sort.after(c, name, time, id, &mut args)?;
        }
        let sql = format!(
            "{}, pe.name_folded, pe.created_at FROM people pe JOIN units u ON u.id = pe.unit_id \
             WHERE {w} ORDER BY {} LIMIT {}",
            model::SELECT
                .split_once(" FROM ")
                .map_or(model::SELECT, |s| s.0),
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
            let p = model::from_row(r)?;
            let folded: String = r.try_get(13)?;
            let at: i64 = r.try_get(14)?;
            let key = sort.key(&folded, at, p.id);
            Ok((p, key))
        })
    }

    /// One page of the list.
    pub async fn page(
        &self,
        db: &Db,
        cursor: &str,
        per_page: i64,
    ) -> Result<ListPage<Person>, AppError> {
        let cursor = Cursor::decode(cursor)?;
        let (items, next) = self.rows(db, cursor.as_ref(), per_page).await?;
        Ok(ListPage {
            items,
            total: self.count(db).await?,
            next_cursor: next.map(|c| c.encode()),
        })
    }
}
