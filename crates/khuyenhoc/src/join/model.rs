//! Registrations in the database: the queue of a unit's subtree, one registration, counts.

use crate::db::Db;
use crate::error::AppError;
use crate::web::list::{page_of, Cursor, ListPage, Search};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

/// A record an officer made for the same phone: confirming attaches the new login to it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "RegistrationMatch")]
pub struct Match {
    pub person_id: i64,
    pub full_name: String,
    pub birth_year: Option<i64>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "Registration")]
pub struct Registration {
    pub id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub full_name: String,
    pub birth_year: Option<i64>,
    /// female, male or other
    pub gender: Option<String>,
    pub phone: String,
    pub email: Option<String>,
    /// pending, confirmed or rejected
    pub status: String,
    pub reason: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// The applicant's own record, pending until confirmed (merged into `matched` then, if any).
    pub person_id: Option<i64>,
    /// The officer-made record with the same phone, if any.
    pub matched: Option<Match>,
    #[serde(skip)]
    pub unit_id: i64,
    #[serde(skip)]
    pub unit_path: String,
}

impl Registration {
    pub fn gender_vi(&self) -> &'static str {
        match self.gender.as_deref().map(khuyenhoc_domain::Gender::parse) {
            Some(Ok(g)) => g.label_vi(),
            _ => "",
        }
    }
    pub fn gender_en(&self) -> &'static str {
        match self.gender.as_deref().map(khuyenhoc_domain::Gender::parse) {
            Some(Ok(g)) => g.label_en(),
            _ => "",
        }
    }
    pub fn is_pending(&self) -> bool {
        self.status == "pending"
    }
}

const SELECT: &str = "SELECT r.id, u.code, u.name, r.full_name, r.birth_year, r.gender, r.phone, r.email, \
    r.status, r.reason, r.created_at, r.person_id, m.id, m.full_name, m.birth_year, u.id, u.path \
    FROM registrations r JOIN units u ON u.id = r.unit_id LEFT JOIN people m ON m.id = r.match_person_id";

fn from_row(r: &AnyRow) -> Result<Registration, sqlx::Error> {
    let matched = match r.try_get::<Option<i64>, _>(12)? {
        Some(person_id) => Some(Match {
            person_id,
            full_name: r.try_get(13)?,
            birth_year: r.try_get(14)?,
        }),
        None => None,
    };
    Ok(Registration {
        id: r.try_get(0)?,
        unit_code: r.try_get(1)?,
        unit_name: r.try_get(2)?,
        full_name: r.try_get(3)?,
        birth_year: r.try_get(4)?,
        gender: r.try_get(5)?,
        phone: r.try_get(6)?,
        email: r.try_get(7)?,
        status: r.try_get(8)?,
        reason: r.try_get(9)?,
        created_at: r.try_get(10)?,
        person_id: r.try_get(11)?,
        matched,
        unit_id: r.try_get(15)?,
        unit_path: r.try_get(16)?,
    })
}

pub async fn by_id<'e, E>(exec: E, id: i64) -> Result<Option<Registration>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("{SELECT} WHERE r.id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(exec)
        .await?
        .map(|r| from_row(&r))
        .transpose()
}

/// What the queue shows: a status, a search over name or phone, a page (by key, oldest first).
#[derive(Debug, Clone)]
pub struct Query {
    /// The unit whose subtree is listed.
    pub path: String,
    pub status: String,
    /// The search box as typed (shown back on the page).
    pub q: String,
    /// A folded name or phone digits.
    pub search: Option<Search>,
    pub cursor: Option<Cursor>,
    pub per_page: i64,
}

impl Query {
    /// The WHERE clause and its text arguments.
    fn clause(&self) -> (String, Vec<String>) {
        let mut args = vec![
            self.path.clone(),
            crate::org::path_upper_bound(&self.path),
            self.status.clone(),
        ];
        let mut w = "u.path >= $1 AND u.path < $2 AND r.status = $3".to_owned();
        match &self.search {
            Some(s @ Search::Name(_)) => {
                args.push(s.pattern());
                w += " AND r.name_folded LIKE $4 ESCAPE '\\'";
            }
            Some(s @ Search::Phone(_)) => {
                args.push(s.pattern());
                w += " AND r.phone LIKE $4 ESCAPE '\\'";
            }
            None => {}
        }
        (w, args)
    }
}

/// One page of registrations under a unit, oldest first (by `created_at`, then id), and how
/// many match in all.
pub async fn list(db: &Db, q: &Query) -> Result<ListPage<Registration>, AppError> {
    let (w, args) = q.clause();
    let count_sql =
        format!("SELECT COUNT(*) FROM registrations r JOIN units u ON u.id = r.unit_id WHERE {w}");
    let mut cq = sqlx::query_scalar::<_, i64>(&count_sql);
    for a in &args {
        cq = cq.bind(a.clone());
    }
    let total = cq.fetch_one(&db.pool).await?;
    let after = match &q.cursor {
        Some(c) => {
            let (k, i) = (c.int()?, c.id);
            format!(" AND (r.created_at > {k} OR (r.created_at = {k} AND r.id > {i}))")
        }
        None => String::new(),
    };
    let sql = format!(
        "{SELECT} WHERE {w}{after} ORDER BY r.created_at, r.id LIMIT {}",
        q.per_page + 1
    );
    let mut lq = sqlx::query(&sql);
    for a in args {
        lq = lq.bind(a);
    }
    let rows = lq
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(page_of(rows, q.per_page, total, |r| Cursor {
        key: serde_json::json!(r.created_at),
        id: r.id,
    }))
}

/// How many registrations wait under a unit (for the unit page's link).
pub async fn pending_count(db: &Db, path: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM registrations r JOIN units u ON u.id = r.unit_id \
         WHERE u.path >= $1 AND u.path < $2 AND r.status = 'pending'",
    )
    .bind(path)
    .bind(crate::org::path_upper_bound(path))
    .fetch_one(&db.pool)
    .await
}
