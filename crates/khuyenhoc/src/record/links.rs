//! Share links of a lifelong-learning record: the person makes one with an expiry (1 to
//! [`MAX_DAYS`] days) and may withdraw it; a stranger holding it reads the record (no ID
//! number, the phone masked) until then. The token (256 random bits) is shown once; only its
//! SHA-256 is kept, so a copy of the database opens nothing. Every reading is counted.
//! Times come from the caller (the app clock), so tests can move past an expiry.

use crate::audit::{self, Actor, Change};
use crate::auth::{random_secret, secret_hash};
use crate::db::Db;
use crate::error::AppError;
use khuyenhoc_domain::Invalid;
use serde::Serialize;
use sqlx::Row;

/// The longest a link may live, in days.
pub const MAX_DAYS: i64 = 90;
/// The most links of one person open at once (not expired, not withdrawn).
pub const MAX_OPEN: i64 = 20;
/// The most links a person's list shows (newest first).
pub const LIST_CAP: i64 = 100;

const DAY: i64 = 86_400;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "RecordLink")]
pub struct Link {
    pub id: i64,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds: the link opens nothing from then on.
    pub expires_at: i64,
    /// Unix seconds, once withdrawn.
    pub withdrawn_at: Option<i64>,
    /// How many times the record was read through the link.
    pub views: i64,
    /// `open`, `expired` or `withdrawn`.
    pub state: String,
}

impl Link {
    pub fn state_words(&self) -> (&'static str, &'static str) {
        match self.state.as_str() {
            "open" => ("Đang mở", "Open"),
            "expired" => ("Đã hết hạn", "Expired"),
            _ => ("Đã thu hồi", "Withdrawn"),
        }
    }
    pub fn expires_day(&self) -> String {
        crate::i18n::date_of(&Some(self.expires_at))
    }
    pub fn created_day(&self) -> String {
        crate::i18n::date_of(&Some(self.created_at))
    }
}

/// A link just made: its row, and the token (shown this once).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "RecordLinkCreated")]
pub struct Created {
    pub link: Link,
    /// The secret part of the link's address (`/shared/record/{token}`); not kept by the
    /// program, so it cannot be shown again.
    pub token: String,
}

/// What a token opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// The record of this person, and when the link expires (the reading was counted).
    Person(i64, i64),
    Expired,
    Withdrawn,
    /// No such link (a mistyped or made-up token).
    Unknown,
}

fn state(expires_at: i64, withdrawn_at: Option<i64>, now: i64) -> &'static str {
    if withdrawn_at.is_some() {
        "withdrawn"
    } else if expires_at <= now {
        "expired"
    } else {
        "open"
    }
}

fn from_row(r: &sqlx::any::AnyRow, now: i64) -> Result<Link, sqlx::Error> {
    let expires_at: i64 = r.try_get(2)?;
    let withdrawn_at: Option<i64> = r.try_get(3)?;
    Ok(Link {
        id: r.try_get(0)?,
        created_at: r.try_get(1)?,
        expires_at,
        withdrawn_at,
        views: r.try_get(4)?,
        state: state(expires_at, withdrawn_at, now).to_owned(),
    })
}

const COLUMNS: &str = "id, created_at, expires_at, withdrawn_at, views";

fn days_refused() -> AppError {
    AppError::field(
        "days",
        Invalid::new(
            "Số ngày hiệu lực từ 1 đến 90",
            "The link lasts from 1 to 90 days",
        ),
    )
}

/// The number of days typed: a whole number from 1 to [`MAX_DAYS`].
pub fn parse_days(typed: &str) -> Result<i64, AppError> {
    typed
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|d| (1..=MAX_DAYS).contains(d))
        .ok_or_else(days_refused)
}

/// Makes a link to `person_id`'s record, open `days` days from `now`, audited as theirs.
pub async fn create(db: &Db, person_id: i64, days: i64, now: i64) -> Result<Created, AppError> {
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(days_refused());
    }
    let token = random_secret();
    let mut tx = db.begin().await?;
    let open: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM record_links WHERE person_id = $1 AND withdrawn_at IS NULL AND expires_at > $2",
    )
    .bind(person_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    if open >= MAX_OPEN {
        return Err(AppError::bad_request(
            "Bạn đã có 20 liên kết đang mở: hãy thu hồi bớt trước khi tạo thêm",
            "You have 20 open links already: withdraw some before making another",
        ));
    }
    let expires_at = now + days * DAY;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO record_links (person_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(person_id)
    .bind(secret_hash(&token))
    .bind(now)
    .bind(expires_at)
    .fetch_one(&mut *tx)
    .await?;
    let change = Change {
        unit_id: None,
        entity: "record_link",
        entity_id: id.to_string(),
        action: "create",
        before: None,
        after: Some(
            serde_json::json!({"person": person_id, "days": days, "expires_at": expires_at}),
        ),
    };
    audit::record(&mut tx, Actor::new(person_id, None), change).await?;
    tx.commit().await?;
    let link = Link {
        id,
        created_at: now,
        expires_at,
        withdrawn_at: None,
        views: 0,
        state: "open".to_owned(),
    };
    Ok(Created { link, token })
}

/// Withdraws one of `person_id`'s links (not found: someone else's, or none such); withdrawing
/// a withdrawn link is refused.
pub async fn withdraw(db: &Db, person_id: i64, id: i64, now: i64) -> Result<Link, AppError> {
    let mut tx = db.begin().await?;
    let found: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT withdrawn_at FROM record_links WHERE id = $1 AND person_id = $2",
    )
    .bind(id)
    .bind(person_id)
    .fetch_optional(&mut *tx)
    .await?;
    match found {
        None => return Err(AppError::NotFound),
        Some(Some(_)) => {
            return Err(AppError::bad_request(
                "Liên kết này đã được thu hồi",
                "This link is withdrawn already",
            ))
        }
        Some(None) => {}
    }
    sqlx::query("UPDATE record_links SET withdrawn_at = $1 WHERE id = $2 AND withdrawn_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let change = Change {
        unit_id: None,
        entity: "record_link",
        entity_id: id.to_string(),
        action: "withdraw",
        before: None,
        after: Some(serde_json::json!({"person": person_id})),
    };
    audit::record(&mut tx, Actor::new(person_id, None), change).await?;
    let sql = format!("SELECT {COLUMNS} FROM record_links WHERE id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_one(&mut *tx).await?;
    tx.commit().await?;
    Ok(from_row(&row, now)?)
}

/// The person's links, newest first (at most [`LIST_CAP`]).
pub async fn list(db: &Db, person_id: i64, now: i64) -> Result<Vec<Link>, AppError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM record_links WHERE person_id = $1 ORDER BY id DESC LIMIT $2"
    );
    let rows = sqlx::query(&sql)
        .bind(person_id)
        .bind(LIST_CAP)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .iter()
        .map(|r| from_row(r, now))
        .collect::<Result<Vec<_>, sqlx::Error>>()?)
}

/// What `token` opens at `now`; an open link's reading is counted.
pub async fn open(db: &Db, token: &str, now: i64) -> Result<Opened, AppError> {
    // A token is 64 hex digits; anything else is no link, without a query.
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(Opened::Unknown);
    }
    let hash = secret_hash(&token.to_ascii_lowercase());
    let row = sqlx::query(
        "SELECT id, person_id, expires_at, withdrawn_at FROM record_links WHERE token_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(&db.pool)
    .await?;
    let Some(r) = row else {
        return Ok(Opened::Unknown);
    };
    let (id, person_id, expires_at, withdrawn_at): (i64, i64, i64, Option<i64>) =
        (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
    match state(expires_at, withdrawn_at, now) {
        "withdrawn" => return Ok(Opened::Withdrawn),
        "expired" => return Ok(Opened::Expired),
        _ => {}
    }
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE record_links SET views = views + 1, last_viewed_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Opened::Person(person_id, expires_at))
}
