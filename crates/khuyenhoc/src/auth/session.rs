//! Login sessions: a random id in an HttpOnly cookie; the database keeps only its hash.

use crate::db::{now, Db};
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::CookieJar;

pub const COOKIE: &str = "kh_session";
/// The cookie's name over https: `__Host-` keeps subdomains and plain-http pages from setting
/// one (a session planted by someone else would carry a CSRF token they know).
pub const SECURE_COOKIE: &str = "__Host-kh_session";

pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_COOKIE
    } else {
        COOKIE
    }
}

/// The session id a request carries.
pub fn id_of(jar: &CookieJar, secure: bool) -> Option<String> {
    jar.get(cookie_name(secure)).map(|c| c.value().to_owned())
}

#[tracing::instrument(skip(db))]
pub async fn create(db: &Db, person_id: i64, hours: i64) -> Result<String, sqlx::Error> {
    let token = super::random_secret();
    let t = now();
    sqlx::query("INSERT INTO sessions (token_hash, person_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(super::secret_hash(&token))
        .bind(person_id)
        .bind(t)
        .bind(t + hours * 3600)
        .execute(&db.pool)
        .await?;
    Ok(token)
}

/// The person of a live session.
pub async fn person_of(db: &Db, token: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT person_id FROM sessions WHERE token_hash = $1 AND expires_at > $2")
        .bind(super::secret_hash(token))
        .bind(now())
        .fetch_optional(&db.pool)
        .await
}

pub async fn end(db: &Db, token: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(super::secret_hash(token))
        .execute(&db.pool)
        .await
        .map(|_| ())
}

/// Ends every session of a person (after a password change or reset).
pub async fn end_all(tx: &mut crate::db::Tx<'_>, person_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE person_id = $1")
        .bind(person_id)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

pub fn cookie(token: String, secure: bool, hours: i64) -> Cookie<'static> {
    Cookie::build((cookie_name(secure), token))
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .path("/")
        .max_age(time_duration(hours))
        .build()
}

fn time_duration(hours: i64) -> time::Duration {
    time::Duration::hours(hours)
}
