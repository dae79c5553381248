//! The inbox (`notices`) and each person's channels (`notify_channels`).

use super::Rendered;
use crate::db::{Db, Tx};
use crate::error::AppError;
use crate::web::list::{page_of, Cursor, ListPage, Search};
use sqlx::Row;

/// Notices on one page of the inbox page.
pub const PAGE: i64 = 20;

#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "Notification")]
pub struct Stored {
    pub id: i64,
    /// The machine name (`evaluation_returned`, …).
    pub kind: String,
    pub text_vi: String,
    pub text_en: String,
    /// A path of this site the notice is about.
    pub link: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds; absent while unread.
    pub read_at: Option<i64>,
}

pub async fn insert(tx: &mut Tx<'_>, person_id: i64, r: &Rendered) -> Result<i64, AppError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO notices (person_id, kind, text_vi, text_en, link, created_at, text_folded) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(person_id)
    .bind(r.kind)
    .bind(&r.vi)
    .bind(&r.en)
    .bind(&r.link)
    .bind(crate::db::now())
    .bind(khuyenhoc_domain::text::fold(&r.vi))
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

/// The page of a report, for its notices.
pub async fn report_link(tx: &mut Tx<'_>, report_id: i64) -> Result<Option<String>, AppError> {
    let row = sqlx::query(
        "SELECT u.code, r.period FROM reports r JOIN units u ON u.id = r.unit_id WHERE r.id = $1",
    )
    .bind(report_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match row {
        Some(r) => Some(format!(
            "/units/{}/reports/{}",
            r.try_get::<String, _>(0)?,
            r.try_get::<String, _>(1)?
        )),
        None => None,
    })
}

fn stored(r: &sqlx::any::AnyRow) -> Result<Stored, sqlx::Error> {
    Ok(Stored {
        id: r.try_get(0)?,
        kind: r.try_get(1)?,
        text_vi: r.try_get(2)?,
        text_en: r.try_get(3)?,
        link: r.try_get(4)?,
        created_at: r.try_get(5)?,
        read_at: r.try_get(6)?,
    })
}

const COLUMNS: &str = "id, kind, text_vi, text_en, link, created_at, read_at";

/// What a person's inbox lists: unread only or all, a search of the text (folded).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub person_id: i64,
    pub unread: bool,
    pub search: Option<Search>,
}

impl Filter {
    fn clause(&self) -> (String, Vec<String>) {
        let mut w = format!("person_id = {}", self.person_id);
        let mut args = vec![];
        if self.unread {
            w += " AND read_at IS NULL";
        }
        if let Some(s) = &self.search {
            args.push(s.pattern());
            w += " AND text_folded LIKE $1 ESCAPE '\\'";
        }
        (w, args)
    }
}

/// One page of a person's notices, newest first (by id: keyset), and how many match.
pub async fn list(
    db: &Db,
    f: &Filter,
    cursor: Option<&Cursor>,
    per_page: i64,
) -> Result<ListPage<Stored>, AppError> {
    let (w, args) = f.clause();
    let after = match cursor {
        Some(c) => format!(" AND id < {}", c.id),
        None => String::new(),
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM notices WHERE {w}{after} ORDER BY id DESC LIMIT {}",
        per_page + 1
    );
    let mut q = sqlx::query(&sql);
    for a in &args {
        q = q.bind(a.clone());
    }
    let rows = q.fetch_all(&db.pool).await?;
    let count_sql = format!("SELECT COUNT(*) FROM notices WHERE {w}");
    let mut cq = sqlx::query_scalar::<_, i64>(&count_sql);
    for a in args {
        cq = cq.bind(a);
    }
    let total = cq.fetch_one(&db.pool).await?;
    let rows = rows.iter().map(stored).collect::<Result<Vec<_>, _>>()?;
    Ok(page_of(rows, per_page, total, |n| Cursor {
        key: serde_json::json!(n.id),
        id: n.id,
    }))
}

/// Fills `text_folded` of notices written before it existed, 2,000 rows per transaction; run
/// at start-up, a no-op once done. Returns how many rows it filled.
pub async fn backfill(db: &Db) -> Result<u64, sqlx::Error> {
    let mut filled = 0;
    loop {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, text_vi FROM notices WHERE text_folded IS NULL ORDER BY id LIMIT 2000",
        )
        .fetch_all(&db.pool)
        .await?;
        if rows.is_empty() {
            return Ok(filled);
        }
        let mut tx = db.begin().await?;
        for (id, text) in &rows {
            sqlx::query("UPDATE notices SET text_folded = $1 WHERE id = $2")
                .bind(khuyenhoc_domain::text::fold(text))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        filled += rows.len() as u64;
    }
}

/// The newest `limit` notices of a person, for their copy of their data.
pub async fn newest(db: &Db, person_id: i64, limit: i64) -> Result<Vec<Stored>, AppError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM notices WHERE person_id = $1 ORDER BY id DESC LIMIT $2"
    ))
    .bind(person_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(stored).collect::<Result<_, _>>()?)
}

pub async fn unread(db: &Db, person_id: i64) -> Result<i64, AppError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM notices WHERE person_id = $1 AND read_at IS NULL")
            .bind(person_id)
            .fetch_one(&db.pool)
            .await?,
    )
}

/// Marks one of the person's notices read (`NotFound` for someone else's), or all of them.
pub async fn mark_read(db: &Db, person_id: i64, id: Option<i64>) -> Result<(), AppError> {
    let t = crate::db::now();
    match id {
        Some(id) => {
            let n: Option<i64> =
                sqlx::query_scalar("SELECT id FROM notices WHERE id = $1 AND person_id = $2")
                    .bind(id)
                    .bind(person_id)
                    .fetch_optional(&db.pool)
                    .await?;
            if n.is_none() {
                return Err(AppError::NotFound);
            }
            sqlx::query("UPDATE notices SET read_at = $1 WHERE id = $2 AND read_at IS NULL")
                .bind(t)
                .bind(id)
                .execute(&db.pool)
                .await?;
        }
        None => {
            sqlx::query("UPDATE notices SET read_at = $1 WHERE person_id = $2 AND read_at IS NULL")
                .bind(t)
                .bind(person_id)
                .execute(&db.pool)
                .await?;
        }
    }
    Ok(())
}

/// A notice with what its deliveries need: the person's name, phone and email.
pub struct ForDelivery {
    pub notice: Stored,
    pub person_id: i64,
    pub full_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

pub async fn for_delivery(db: &Db, notice_id: i64) -> Result<Option<ForDelivery>, AppError> {
    let row = sqlx::query(
        "SELECT n.id, n.kind, n.text_vi, n.text_en, n.link, n.created_at, n.read_at, \
         p.id, p.full_name, p.phone, p.email \
         FROM notices n JOIN people p ON p.id = n.person_id WHERE n.id = $1",
    )
    .bind(notice_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    Ok(Some(ForDelivery {
        notice: stored(&r)?,
        person_id: r.try_get(7)?,
        full_name: r.try_get(8)?,
        phone: r.try_get(9)?,
        email: r.try_get(10)?,
    }))
}

/// The channels a person chose beside the inbox.
#[derive(Debug, Clone, Copy, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "NotificationChannels")]
pub struct Channels {
    /// Email notices (sent only when the person has an email address).
    pub email: bool,
    /// The outgoing webhook (an SMS or Zalo gateway the Association runs).
    pub webhook: bool,
    /// Whether the person has an email address.
    pub has_email: bool,
}

const CHANNELS: &str = "SELECT p.email, c.email, c.webhook FROM people p \
     LEFT JOIN notify_channels c ON c.person_id = p.id WHERE p.id = $1";

fn channels_of(row: Option<sqlx::any::AnyRow>) -> Result<Channels, AppError> {
    let Some(r) = row else {
        return Err(AppError::NotFound);
    };
    let address: Option<String> = r.try_get(0)?;
    let email: Option<i64> = r.try_get(1)?;
    let webhook: Option<i64> = r.try_get(2)?;
    Ok(Channels {
        email: email.unwrap_or(1) != 0,
        webhook: webhook.unwrap_or(0) != 0,
        has_email: address.is_some_and(|a| !a.is_empty()),
    })
}

pub async fn channels(db: &Db, person_id: i64) -> Result<Channels, AppError> {
    let row = sqlx::query(CHANNELS)
        .bind(person_id)
        .fetch_optional(&db.pool)
        .await?;
    channels_of(row)
}

pub async fn channels_tx(tx: &mut Tx<'_>, person_id: i64) -> Result<Channels, AppError> {
    let row = sqlx::query(CHANNELS)
        .bind(person_id)
        .fetch_optional(&mut **tx)
        .await?;
    channels_of(row)
}

/// Stores a person's choice, audited.
pub async fn set_channels(
    db: &Db,
    person_id: i64,
    email: bool,
    webhook: bool,
) -> Result<(), AppError> {
    let before = channels(db, person_id).await?;
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO notify_channels (person_id, email, webhook, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (person_id) DO UPDATE SET email = $2, webhook = $3, updated_at = $4",
    )
    .bind(person_id)
    .bind(i64::from(email))
    .bind(i64::from(webhook))
    .bind(crate::db::now())
    .execute(&mut *tx)
    .await?;
    crate::audit::record(
        &mut tx,
        crate::audit::Actor::new(person_id, None),
        crate::audit::Change {
            entity: "notify_channels",
            entity_id: person_id.to_string(),
            unit_id: None,
            action: "update",
            before: Some(serde_json::json!({"email": before.email, "webhook": before.webhook})),
            after: Some(serde_json::json!({"email": email, "webhook": webhook})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
