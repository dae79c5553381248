//! Registrations in the database: the queue of a unit's subtree, one registration, counts.

use crate::db::Db;
use crate::error::AppError;
use crate::web::list::{Cursor, ListPage, Order, Search};
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
    /// The folded name: the key of the list by name.
    #[serde(skip)]
    pub name_folded: String,
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
    r.status, r.reason, r.created_at, r.person_id, m.id, m.full_name, m.birth_year, u.id, u.path, \
    r.name_folded FROM registrations r JOIN units u ON u.id = r.unit_id LEFT JOIN people m ON m.id = r.match_person_id";

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
        name_folded: r.try_get(17)?,
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

/// What the queue shows: a status, a search over name or phone, an order (oldest first unless
/// asked), a page by key.
#[derive(Debug, Clone)]
pub struct Query {
    /// The unit whose subtree is listed.
    pub path: String,
    pub status: String,
    /// The search box as typed (shown back on the page).
    pub q: String,
    /// A folded name or phone digits.
    pub search: Option<Search>,
    pub sort: Order,
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

impl Query {
    /// How many registrations match.
    pub async fn count(&self, db: &Db) -> Result<i64, sqlx::Error> {
        let (w, args) = self.clause();
        let sql = format!(
            "SELECT COUNT(*) FROM registrations r JOIN units u ON u.id = r.unit_id WHERE {w}"
        );
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for a in args {
            q = q.bind(a);
        }
        q.fetch_one(&db.pool).await
    }

    /// Up to `limit` registrations after `cursor` in the query's order, and the cursor after
    /// the last one when more may follow.
    pub async fn rows(
        &self,
        db: &Db,
        cursor: Option<&Cursor>,
        limit: i64,
    ) -> Result<(Vec<Registration>, Option<Cursor>), AppError> {
        let (name, time, id) = ("r.name_folded", "r.created_at", "r.id");
        let (mut w, mut args) = self.clause();
        if let Some(c) = cursor {
            w += " AND ";
            w += &self.sort.after(c, name, time, id, &mut args)?;
        }
        let sql = format!(
            "{SELECT} WHERE {w} ORDER BY {} LIMIT {}",
            self.sort.order_by(name, time, id),
            limit + 1
        );
        let mut lq = sqlx::query(&sql);
        for a in args {
            lq = lq.bind(a);
        }
        let rows = lq.fetch_all(&db.pool).await?;
        let sort = self.sort;
        crate::web::list::keep(&rows, limit, |r| {
            let reg = from_row(r)?;
            let key = sort.key(&reg.name_folded, reg.created_at, reg.id);
            Ok::<_, sqlx::Error>((reg, key))
        })
        .map_err(AppError::from)
    }
}

/// One page of registrations under a unit in the query's order, and how many match in all.
pub async fn list(db: &Db, q: &Query) -> Result<ListPage<Registration>, AppError> {
    let (items, next) = q.rows(db, q.cursor.as_ref(), q.per_page).await?;
    Ok(ListPage {
        items,
        total: q.count(db).await?,
        next_cursor: next.map(|c| c.encode()),
    })
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

impl crate::web::export::Export for Query {
    type Row = Registration;

    fn sheet(&self) -> crate::web::export::Sheet {
        crate::web::export::Sheet {
            name: "Đăng ký",
            columns: &[
                ("Họ và tên", 32.0),
                ("Năm sinh", 10.0),
                ("Giới tính", 10.0),
                ("Số điện thoại", 16.0),
                ("Thư điện tử", 28.0),
                ("Đơn vị", 34.0),
                ("Trạng thái", 16.0),
                ("Lý do", 30.0),
                ("Ngày đăng ký", 14.0),
                ("Mã đăng ký", 12.0),
            ],
            what_vi: "đăng ký",
            what_en: "registrations",
        }
    }

    crate::web::export::by_key!(Registration);

    fn cells(&self, r: &Registration) -> Vec<crate::web::export::Cell> {
        let status = match r.status.as_str() {
            "confirmed" => "Đã xác nhận",
            "rejected" => "Đã từ chối",
            _ => "Chờ xác nhận",
        };
        vec![
            (&r.full_name).into(),
            r.birth_year.into(),
            r.gender_vi().into(),
            (&r.phone).into(),
            r.email.as_deref().into(),
            (&r.unit_name).into(),
            status.into(),
            r.reason.as_deref().into(),
            crate::i18n::date_of(&Some(r.created_at)).into(),
            r.id.into(),
        ]
    }
}
