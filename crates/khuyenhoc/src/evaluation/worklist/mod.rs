//! The officer's worklist of evaluations (issue 16, items 1 and 2): the list of a unit's
//! subtree paged by key, searched by name (without diacritics) or phone, filtered by branch,
//! year, model, form group and status, sorted, counted and exported to Excel as filtered
//! (`export`); work in bulk over the rows picked or over everything the filter matches (`bulk`),
//! recognition under one decision with its annex (`decision`). The page (`pages`) and the API
//! (`api`) share the filter of this file.

pub mod api;
pub mod bulk;
pub mod decision;
pub mod export;
pub mod next;
pub mod pages;

use super::lifecycle::Status;
use super::model::{self, Evaluation};
use crate::auth::Viewer;
use crate::db::{Db, Tx};
use crate::error::AppError;
use crate::org::model::Unit;
use crate::web::list::{Cursor, ListPage, Search};
use khuyenhoc_domain::Invalid;
use serde::Deserialize;

/// The filter as a page's form or the API's query string sends it: every field text, empty
/// meaning "any", so that a bad value is answered on its own field.
#[derive(Debug, Default, Clone, Deserialize, PartialEq, Eq)]
pub struct ListArgs {
    /// A branch (or any unit) under the list's unit.
    #[serde(default)]
    pub branch: String,
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub form_group: String,
    #[serde(default)]
    pub status: String,
    /// A name (any spelling, with or without diacritics) or a phone number.
    #[serde(default)]
    pub q: String,
    /// `recent` (default), `oldest` (the queue, longest waiting first), `name`, `total`.
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub cursor: String,
    #[serde(default)]
    pub per_page: Option<i64>,
}

/// The order of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Last changed first.
    #[default]
    Recent,
    /// Longest unchanged first: a queue in the order it arrived.
    Oldest,
    /// By name, A to Z (folded).
    Name,
    /// Highest total first.
    Total,
}

impl Sort {
    pub fn parse(s: &str) -> Result<Sort, AppError> {
        Ok(match s.trim() {
            "" | "recent" => Sort::Recent,
            "oldest" => Sort::Oldest,
            "name" => Sort::Name,
            "total" => Sort::Total,
            _ => {
                return Err(AppError::field(
                    "sort",
                    Invalid::new(
                        "Sắp xếp theo: recent, oldest, name hoặc total",
                        "Sort by recent, oldest, name or total",
                    ),
                ))
            }
        })
    }

    pub fn code(self) -> &'static str {
        match self {
            Sort::Recent => "recent",
            Sort::Oldest => "oldest",
            Sort::Name => "name",
            Sort::Total => "total",
        }
    }

    /// (ORDER BY, the keyset condition after a cursor `$k`/`$i`, the row's key).
    fn sql(self) -> (&'static str, &'static str) {
        match self {
            Sort::Recent => (
                "e.updated_at DESC, e.id DESC",
                "(e.updated_at < {k} OR (e.updated_at = {k} AND e.id < {i}))",
            ),
            Sort::Oldest => (
                "e.updated_at ASC, e.id ASC",
                "(e.updated_at > {k} OR (e.updated_at = {k} AND e.id > {i}))",
            ),
            Sort::Name => (
                "e.subject_folded ASC, e.id ASC",
                "(e.subject_folded > {k} OR (e.subject_folded = {k} AND e.id > {i}))",
            ),
            Sort::Total => (
                "e.total DESC, e.id DESC",
                "(e.total < {k} OR (e.total = {k} AND e.id < {i}))",
            ),
        }
    }

    fn key_of(self, e: &Evaluation, updated_at: i64, folded: &str) -> serde_json::Value {
        match self {
            Sort::Recent | Sort::Oldest => serde_json::json!(updated_at),
            Sort::Name => serde_json::json!(folded),
            Sort::Total => serde_json::json!(e.total),
        }
    }
}

/// A subtree of at most this many units is read unit by unit and merged (see `Filter::rows`).
const MERGED_UNITS: usize = 64;

/// A checked filter over the subtree at `path`.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub path: String,
    pub year: Option<i64>,
    pub model: Option<String>,
    pub form_group: Option<String>,
    pub status: Option<Status>,
    /// With `status` recognised: only revoked titles (`Some(true)`, the filter value `revoked`)
    /// or only titles in force (`Some(false)`, the value `recognised`).
    pub revoked: Option<bool>,
    /// Any of these statuses (the items waiting for an officer), besides `status`.
    pub any_of: Vec<Status>,
    /// Leave out this evaluation (the one just acted on).
    pub except: Option<i64>,
    pub search: Option<Search>,
    pub sort: Sort,
}

fn present(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

impl Filter {
    /// The filter of `args` under `unit` (already visible to the viewer); a branch outside the
    /// unit's subtree, or one the viewer may not read, is "not found" on `branch`.
    pub async fn parse(
        db: &Db,
        viewer: &Viewer,
        unit: &Unit,
        args: &ListArgs,
    ) -> Result<Filter, AppError> {
        let mut path = unit.path.clone();
        if let Some(code) = present(&args.branch) {
            let branch = crate::org::service::visible(db, viewer, &code)
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
            path = branch.path;
        }
        let year = match present(&args.year) {
            None => None,
            Some(y) => Some(
                y.parse::<i64>()
                    .ok()
                    .filter(|y| (2000..=2200).contains(y))
                    .ok_or_else(|| {
                        AppError::field(
                            "year",
                            Invalid::new("Năm không hợp lệ", "Not a valid year"),
                        )
                    })?,
            ),
        };
        let model = match present(&args.model) {
            None => None,
            Some(m) => Some(
                khuyenhoc_criteria::Model::from_code(&m)
                    .map(|m| m.code().to_owned())
                    .ok_or_else(|| {
                        AppError::field(
                            "model",
                            Invalid::new("Không có danh hiệu này", "No such title"),
                        )
                    })?,
            ),
        };
        let form_group = present(&args.form_group)
            .filter(|g| g.len() <= 40 && g.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
        let (status, revoked) = match present(&args.status).as_deref() {
            None => (None, None),
            // A revoked title was recognised, then withdrawn: its own value in the list.
            Some("revoked") => (Some(Status::Recognised), Some(true)),
            Some("recognised") => (Some(Status::Recognised), Some(false)),
            Some(s) => (
                Some(Status::parse(s).ok_or_else(|| {
                    AppError::field(
                        "status",
                        Invalid::new("Không có trạng thái này", "No such status"),
                    )
                })?),
                None,
            ),
        };
        Ok(Filter {
            path,
            year,
            model,
            form_group,
            status,
            revoked,
            any_of: vec![],
            except: None,
            search: Search::parse(&args.q),
            sort: Sort::parse(&args.sort)?,
        })
    }

    /// The WHERE clause and its arguments (all text; numbers are written in the clause).
    fn clause(&self) -> (String, Vec<String>) {
        let mut args = vec![self.path.clone(), crate::org::path_upper_bound(&self.path)];
        let mut w = vec!["u.path >= $1 AND u.path < $2".to_owned()];
        if let Some(y) = self.year {
            w.push(format!("e.year = {y}"));
        }
        let mut text = |w: &mut Vec<String>, cond: &str, v: String| {
            args.push(v);
            w.push(cond.replace("{}", &format!("${}", args.len())));
        };
        if let Some(m) = &self.model {
            text(&mut w, "e.model = {}", m.clone());
        }
        if let Some(g) = &self.form_group {
            text(&mut w, "e.form_group = {}", g.clone());
        }
        if let Some(s) = self.status {
            text(&mut w, "e.status = {}", s.code().to_owned());
        }
        // A revoked title is no longer recognised, in a list as in every count.
        match self.revoked {
            Some(true) => w.push("e.revoked_at IS NOT NULL".to_owned()),
            Some(false) => w.push("e.revoked_at IS NULL".to_owned()),
            None => {}
        }
        if !self.any_of.is_empty() {
            // Status codes are the program's own words: written in the clause.
            let codes: Vec<String> = self
                .any_of
                .iter()
                .map(|s| format!("'{}'", s.code()))
                .collect();
            w.push(format!("e.status IN ({})", codes.join(", ")));
        }
        if let Some(id) = self.except {
            w.push(format!("e.id <> {id}"));
        }
        match &self.search {
            Some(s @ Search::Name(_)) => {
                text(&mut w, "e.subject_folded LIKE {} ESCAPE '\\'", s.pattern());
            }
            Some(s @ Search::Phone(_)) => text(
                &mut w,
                "e.subject_kind = 'person' AND e.subject_id IN (SELECT p.id FROM people p WHERE p.phone LIKE {} ESCAPE '\\')",
                s.pattern(),
            ),
            None => {}
        }
        (w.join(" AND "), args)
    }

    /// How many evaluations match.
    pub async fn count(&self, db: &Db) -> Result<i64, sqlx::Error> {
        let (w, args) = self.clause();
        let sql = format!(
            "SELECT COUNT(*) FROM evaluations e JOIN units u ON u.id = e.unit_id WHERE {w}"
        );
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for a in args {
            q = q.bind(a);
        }
        q.fetch_one(&db.pool).await
    }

    /// The units of the filter's subtree, by id, when there are at most `MERGED_UNITS + 1`.
    async fn subtree_units(&self, db: &Db) -> Result<Vec<i64>, sqlx::Error> {
        sqlx::query_scalar(&format!(
            "SELECT id FROM units WHERE path >= $1 AND path < $2 ORDER BY id LIMIT {}",
            MERGED_UNITS + 1
        ))
        .bind(&self.path)
        .bind(crate::org::path_upper_bound(&self.path))
        .fetch_all(&db.pool)
        .await
    }

    /// Up to `limit` evaluations after `cursor` in the filter's order, and the cursor after the
    /// last one when there may be more.
    pub async fn rows(
        &self,
        db: &Db,
        cursor: Option<&Cursor>,
        limit: i64,
    ) -> Result<(Vec<Evaluation>, Option<Cursor>), AppError> {
        let (mut w, mut args) = self.clause();
        let (order, after) = self.sort.sql();
        if let Some(c) = cursor {
            let key = match self.sort {
                Sort::Name => c.text()?.to_owned(),
                _ => c.int()?.to_string(),
            };
            let k = match self.sort {
                Sort::Name => {
                    args.push(key);
                    format!("${}", args.len())
                }
                // A number: written in the clause, never text compared with a number column.
                _ => key,
            };
            w += " AND ";
            w += &after.replace("{k}", &k).replace("{i}", &c.id.to_string());
        }
        let columns = format!(
            "{}, e.updated_at, COALESCE(e.subject_folded, '') AS folded",
            model::SELECT
                .split_once(" FROM ")
                .map_or(model::SELECT, |s| s.0)
                .trim_start_matches("SELECT ")
        );
        let from = "evaluations e JOIN units u ON u.id = e.unit_id";
        let units = self.subtree_units(db).await?;
        let sql = if (2..=MERGED_UNITS).contains(&units.len()) {
            // A subtree of a few units (a commune and its branches): the first rows of each unit
            // in the list's order, each one range of the index (unit_id, year, updated_at, id),
            // merged. The page then costs the same at 10 and at 10,000 evaluations, where one
            // query over the subtree would sort every row of it.
            let arms: Vec<String> = units
                .iter()
                .enumerate()
                .map(|(k, id)| {
                    format!(
                        "SELECT * FROM (SELECT {columns} FROM {from} WHERE e.unit_id = {id} AND {w} ORDER BY {order} LIMIT {}) AS a{k}",
                        limit + 1
                    )
                })
                .collect();
            let outer = order
                .replace("e.subject_folded", "t.folded")
                .replace("e.", "t.");
            format!(
                "SELECT * FROM ({}) AS t ORDER BY {outer} LIMIT {}",
                arms.join(" UNION ALL "),
                limit + 1
            )
        } else {
            format!(
                "SELECT {columns} FROM {from} WHERE {w} ORDER BY {order} LIMIT {}",
                limit + 1
            )
        };
        let mut q = sqlx::query(&sql);
        for a in args {
            q = q.bind(a);
        }
        let rows = q.fetch_all(&db.pool).await?;
        crate::web::list::keep(&rows, limit, |r| {
            use sqlx::Row;
            let e = model::from_row(r)?;
            let updated_at: i64 = r.try_get(19)?;
            let folded: String = r.try_get(20)?;
            let key = Cursor {
                key: self.sort.key_of(&e, updated_at, &folded),
                id: e.id,
            };
            Ok::<_, AppError>((e, key))
        })
    }

    /// One page of the list.
    pub async fn page(
        &self,
        db: &Db,
        cursor: &str,
        per_page: i64,
    ) -> Result<ListPage<Evaluation>, AppError> {
        let cursor = Cursor::decode(cursor)?;
        let (items, next) = self.rows(db, cursor.as_ref(), per_page).await?;
        Ok(ListPage {
            items,
            total: self.count(db).await?,
            next_cursor: next.map(|c| c.encode()),
        })
    }
}

/// The query string of `args` without the cursor (and the year made explicit).
pub(crate) fn query_string(args: &ListArgs, year: i64) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("year", &year.to_string());
    for (k, v) in [
        ("branch", &args.branch),
        ("model", &args.model),
        ("form_group", &args.form_group),
        ("status", &args.status),
        ("q", &args.q),
        ("sort", &args.sort),
    ] {
        if !v.trim().is_empty() {
            q.append_pair(k, v.trim());
        }
    }
    q.finish()
}

/// The folded name written with an evaluation (its search and sort key).
pub fn folded(name: &str) -> String {
    khuyenhoc_domain::text::fold(name)
}

/// Fills `subject_folded` of evaluations made before it existed, 2,000 rows per transaction;
/// run at start-up, a no-op once done. Returns how many rows it filled.
pub async fn backfill(db: &Db) -> Result<u64, sqlx::Error> {
    let mut filled = 0;
    loop {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, subject_name FROM evaluations WHERE subject_folded IS NULL ORDER BY id LIMIT 2000",
        )
        .fetch_all(&db.pool)
        .await?;
        if rows.is_empty() {
            return Ok(filled);
        }
        let mut tx: Tx<'_> = db.begin().await?;
        for (id, name) in &rows {
            sqlx::query("UPDATE evaluations SET subject_folded = $1 WHERE id = $2")
                .bind(folded(name))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        filled += rows.len() as u64;
    }
}
