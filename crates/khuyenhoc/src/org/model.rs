//! Units in the database: named steps that read and write them.

use super::path_upper_bound;
use crate::auth::InScope;
use crate::db::{Db, Tx};
use khuyenhoc_domain::Level;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, PartialEq, Eq, schemars::JsonSchema)]
pub struct Unit {
    pub id: i64,
    pub code: String,
    pub level: Level,
    pub kind: String,
    pub name: String,
    pub parent_code: Option<String>,
    pub parent_name: Option<String>,
    #[serde(skip)]
    pub parent_id: Option<i64>,
    #[serde(skip)]
    pub path: String,
    /// YYYY-MM-DD
    pub valid_from: String,
    /// YYYY-MM-DD, the first day it no longer exists (exclusive); null while open
    pub valid_to: Option<String>,
}

impl Unit {
    pub fn is_open(&self) -> bool {
        self.valid_to.is_none()
    }
    /// How a URL names this unit: its code while it is open, `CODE@YEAR` (the last year it
    /// existed) once closed, so that an old unit whose code a today's unit took is still reached.
    pub fn url_ref(&self) -> String {
        match &self.valid_to {
            None => self.code.clone(),
            Some(to) => {
                let year: i32 = to.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
                let last = if to.ends_with("-01-01") {
                    year - 1
                } else {
                    year
                };
                format!("{}@{last}", self.code)
            }
        }
    }
    /// An old unit of the map before 1 July 2025 (or another closed official unit): read-only.
    pub fn is_historical(&self) -> bool {
        !self.is_open() && !self.is_branch()
    }
    pub fn is_branch(&self) -> bool {
        self.level == Level::Branch
    }
    /// Vietnamese and English names of the unit's kind.
    pub fn kind_labels(&self) -> (&'static str, &'static str) {
        kind_labels(&self.kind)
    }
    pub fn kind_vi(&self) -> &'static str {
        self.kind_labels().0
    }
    pub fn kind_en(&self) -> &'static str {
        self.kind_labels().1
    }
}

impl InScope for Unit {
    fn scope_path(&self) -> &str {
        &self.path
    }
}

pub fn kind_labels(kind: &str) -> (&'static str, &'static str) {
    use khuyenhoc_domain::BranchKind;
    match kind {
        "central" => ("Trung ương Hội", "Central office"),
        "thanh_pho" => ("Thành phố trực thuộc trung ương", "Centrally governed city"),
        "tinh" => ("Tỉnh", "Province"),
        "xa" => ("Xã", "Commune"),
        "phuong" => ("Phường", "Ward"),
        "dac_khu" => ("Đặc khu", "Special zone"),
        "thi_tran" => ("Thị trấn", "Township"),
        "huyen" => ("Huyện", "Rural district"),
        "quan" => ("Quận", "Urban district"),
        "thi_xa" => ("Thị xã", "District-level town"),
        "thanh_pho_thuoc_tinh" => ("Thành phố thuộc tỉnh", "Provincial city"),
        k => match BranchKind::parse(k) {
            Ok(b) => (b.label_vi(), b.label_en()),
            Err(_) => ("Khác", "Other"),
        },
    }
}

const COLUMNS: &str = "u.id, u.code, u.level, u.kind, u.name, p.code, u.parent_id, u.path, u.valid_from, u.valid_to, p.name";
const FROM: &str = "FROM units u LEFT JOIN units p ON p.id = u.parent_id";

fn from_row(r: &AnyRow) -> Result<Unit, sqlx::Error> {
    Ok(Unit {
        id: r.try_get(0)?,
        code: r.try_get(1)?,
        level: crate::auth::level_of(&r.try_get::<String, _>(2)?)?,
        kind: r.try_get(3)?,
        name: r.try_get(4)?,
        parent_code: r.try_get(5)?,
        parent_id: r.try_get(6)?,
        path: r.try_get(7)?,
        valid_from: r.try_get(8)?,
        valid_to: r.try_get(9)?,
        parent_name: r.try_get(10)?,
    })
}

/// The unit with this code today: the one valid today, else (a closed branch, an old unit whose
/// code nobody took) the latest unit that had the code. One indexed query (`units_code_from`).
pub async fn by_code(db: &Db, code: &str) -> Result<Option<Unit>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE u.code = $1 \
         ORDER BY CASE WHEN u.valid_from <= $2 AND (u.valid_to IS NULL OR u.valid_to > $2) THEN 0 ELSE 1 END, \
         u.valid_from DESC LIMIT 1"
    );
    one(db, sqlx::query(&sql).bind(code).bind(crate::db::today())).await
}

/// The unit that had this code on `date` (`YYYY-MM-DD`; `valid_to` is exclusive): codes are
/// unique among the units valid on one day (31120 was Phường An Hòa until 30/06/2025, Phường
/// Cái Khế since).
pub async fn by_code_on(db: &Db, code: &str, date: &str) -> Result<Option<Unit>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE u.code = $1 AND u.valid_from <= $2 \
         AND (u.valid_to IS NULL OR u.valid_to > $2) ORDER BY u.valid_from DESC LIMIT 1"
    );
    one(db, sqlx::query(&sql).bind(code).bind(date)).await
}

/// The unit that had this code on some day of `year`, the latest such (`/units/31120@2024`).
pub async fn by_code_in_year(db: &Db, code: &str, year: i32) -> Result<Option<Unit>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE u.code = $1 AND u.valid_from <= $2 \
         AND (u.valid_to IS NULL OR u.valid_to > $3) ORDER BY u.valid_from DESC LIMIT 1"
    );
    let q = sqlx::query(&sql)
        .bind(code)
        .bind(format!("{year:04}-12-31"))
        .bind(format!("{year:04}-01-01"));
    one(db, q).await
}

/// How a unit is named in a URL: its code (today's unit) or `CODE@YEAR` (the unit that had the
/// code that year). Returns the code and the year.
pub fn split_ref(reference: &str) -> (&str, Option<i32>) {
    match reference.split_once('@') {
        Some((code, year)) => match year.parse::<i32>() {
            Ok(y) if (1900..=2200).contains(&y) && year.len() == 4 => (code, Some(y)),
            _ => (reference, None),
        },
        None => (reference, None),
    }
}

/// The unit a URL names: `31120` (today's) or `31120@2024`.
pub async fn by_ref(db: &Db, reference: &str) -> Result<Option<Unit>, sqlx::Error> {
    match split_ref(reference) {
        (code, Some(year)) => by_code_in_year(db, code, year).await,
        (code, None) => by_code(db, code).await,
    }
}

async fn one<'q>(
    db: &Db,
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
) -> Result<Option<Unit>, sqlx::Error> {
    q.fetch_optional(&db.pool)
        .await?
        .map(|r| from_row(&r))
        .transpose()
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Unit>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} {FROM} WHERE u.id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| from_row(&r))
        .transpose()
}

/// What to list. Every filter is optional; `scope_roots` limits the answer to the subtrees the
/// reader may see (an empty list means nothing).
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub scope_roots: Vec<String>,
    pub level: Option<Level>,
    pub parent_id: Option<i64>,
    /// Folded search text (see `khuyenhoc_domain::text::fold`).
    pub search: Option<String>,
    /// `YYYY-MM-DD`: only units that existed that day. Without it, only units open today.
    pub as_of: Option<String>,
    pub include_closed: bool,
    /// Rows after this one in the list's order (by path; the path is the key, then the id).
    pub after: Option<crate::web::list::Cursor>,
    pub limit: i64,
}

/// Up to `limit` units in path order (after `q.after`), and the total count that matched the
/// filter. Keyset paging: the path is unique and indexed, so page 200 costs what page 1 costs.
pub async fn list(db: &Db, q: &Query) -> Result<(Vec<Unit>, i64), crate::error::AppError> {
    if q.scope_roots.is_empty() {
        return Ok((vec![], 0));
    }
    let mut args: Vec<String> = vec![];
    let mut conds: Vec<String> = vec![];
    let mut scope = vec![];
    for root in &q.scope_roots {
        args.push(root.clone());
        args.push(path_upper_bound(root));
        scope.push(format!(
            "(u.path >= ${} AND u.path < ${})",
            args.len() - 1,
            args.len()
        ));
    }
    conds.push(format!("({})", scope.join(" OR ")));
    if let Some(level) = q.level {
        args.push(level.code().to_owned());
        conds.push(format!("u.level = ${}", args.len()));
    }
    if let Some(p) = q.parent_id {
        conds.push(format!("u.parent_id = {p}"));
    }
    if let Some(s) = q.search.as_deref().filter(|s| !s.is_empty()) {
        let escaped = s
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        args.push(format!("%{escaped}%"));
        conds.push(format!("u.name_folded LIKE ${} ESCAPE '\\'", args.len()));
    }
    if let Some(d) = &q.as_of {
        args.push(d.clone());
        let n = args.len();
        conds.push(format!(
            "u.valid_from <= ${n} AND (u.valid_to IS NULL OR u.valid_to > ${n})"
        ));
    } else if !q.include_closed {
        conds.push("u.valid_to IS NULL".into());
    }
    let where_ = conds.join(" AND ");
    let count_sql = format!("SELECT COUNT(*) FROM units u WHERE {where_}");
    let mut cq = sqlx::query_scalar::<_, i64>(&count_sql);
    for a in &args {
        cq = cq.bind(a.clone());
    }
    let total = cq.fetch_one(&db.pool).await?;
    let mut where_ = where_;
    if let Some(c) = &q.after {
        args.push(c.text()?.to_owned());
        let n = args.len();
        where_ += &format!(
            " AND (u.path > ${n} OR (u.path = ${n} AND u.id > {}))",
            c.id
        );
    }
    let sql = format!(
        "SELECT {COLUMNS} {FROM} WHERE {where_} ORDER BY u.path, u.id LIMIT {}",
        q.limit.clamp(1, 1000),
    );
    let mut lq = sqlx::query(&sql);
    for a in args {
        lq = lq.bind(a);
    }
    let units = lq
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<_, _>>()?;
    Ok((units, total))
}

/// How many open units lie under `path` (the unit itself excluded): one range scan.
pub async fn count_below(db: &Db, path: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM units WHERE path > $1 AND path < $2 AND valid_to IS NULL",
    )
    .bind(path)
    .bind(path_upper_bound(path))
    .fetch_one(&db.pool)
    .await
}

/// The chain from the root down to the unit's parent, for breadcrumbs: by parent id (codes are
/// not unique over time), one recursive query.
pub async fn ancestors(db: &Db, unit: &Unit) -> Result<Vec<Unit>, sqlx::Error> {
    let Some(parent) = unit.parent_id else {
        return Ok(vec![]);
    };
    let sql = format!(
        "WITH RECURSIVE chain(id, parent_id) AS ( \
           SELECT id, parent_id FROM units WHERE id = $1 \
           UNION ALL SELECT x.id, x.parent_id FROM units x JOIN chain c ON x.id = c.parent_id) \
         SELECT {COLUMNS} {FROM} JOIN chain ON chain.id = u.id ORDER BY length(u.path)"
    );
    sqlx::query(&sql)
        .bind(parent)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// One succession link seen from one side: the unit on the other side, its share in permille
/// (null: not set) and the day it took effect.
pub type Link = (Unit, Option<i64>, String);

async fn links(db: &Db, unit_id: i64, successors: bool) -> Result<Vec<Link>, sqlx::Error> {
    let (mine, other) = if successors {
        ("predecessor_id", "successor_id")
    } else {
        ("successor_id", "predecessor_id")
    };
    let sql = format!(
        "SELECT {COLUMNS}, s.share_permille, s.effective_date {FROM} \
         JOIN unit_successions s ON s.{other} = u.id WHERE s.{mine} = $1 ORDER BY u.path, u.id"
    );
    let rows = sqlx::query(&sql).bind(unit_id).fetch_all(&db.pool).await?;
    rows.iter()
        .map(|r| Ok((from_row(r)?, r.try_get(11)?, r.try_get(12)?)))
        .collect()
}

/// The units an old unit became (one step), with their shares.
pub async fn successors(db: &Db, unit_id: i64) -> Result<Vec<Link>, sqlx::Error> {
    links(db, unit_id, true).await
}

/// The units a unit came from (one step), with the share of each that it took.
pub async fn predecessors(db: &Db, unit_id: i64) -> Result<Vec<Link>, sqlx::Error> {
    links(db, unit_id, false).await
}

/// Records that `predecessor` became (a share of) `successor` on `date`, and closes the
/// predecessor that day if it is still open.
pub async fn record_succession(
    tx: &mut Tx<'_>,
    predecessor_id: i64,
    successor_id: i64,
    share_permille: Option<i64>,
    date: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO unit_successions (predecessor_id, successor_id, share_permille, effective_date) VALUES ($1, $2, $3, $4)")
        .bind(predecessor_id)
        .bind(successor_id)
        .bind(share_permille)
        .bind(date)
        .execute(&mut **tx)
        .await?;
    sqlx::query("UPDATE units SET valid_to = $1 WHERE id = $2 AND valid_to IS NULL")
        .bind(date)
        .bind(predecessor_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A new unit row, for imports and for opening branches.
pub struct NewUnit<'a> {
    pub code: &'a str,
    pub level: Level,
    pub kind: &'a str,
    pub name: &'a str,
    pub parent: Option<(&'a str, i64)>,
    pub valid_from: &'a str,
}

pub async fn insert(tx: &mut Tx<'_>, u: &NewUnit<'_>) -> Result<i64, sqlx::Error> {
    let path = match u.parent {
        Some((parent_path, _)) => format!("{parent_path}{}/", u.code),
        None => format!("/{}/", u.code),
    };
    sqlx::query_scalar(
        "INSERT INTO units (code, level, kind, name, name_folded, parent_id, path, valid_from, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(u.code)
    .bind(u.level.code())
    .bind(u.kind)
    .bind(u.name)
    .bind(khuyenhoc_domain::text::fold(u.name))
    .bind(u.parent.map(|p| p.1))
    .bind(path)
    .bind(u.valid_from)
    .bind(crate::db::now())
    .fetch_one(&mut **tx)
    .await
}
