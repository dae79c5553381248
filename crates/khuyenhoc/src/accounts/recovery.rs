//! Password recovery. With an email address: a one-time link (30 minutes, single use, the
//! secret stored only as its SHA-256), requested from `/password/forgot`, throttled per address
//! and per client, answered the same whether or not the address belongs to anyone. Without one:
//! the officer's temporary password (`service::reset_password`), or a one-time code the officer
//! reads out on the phone, with which the person sets a password once (24 hours).

use super::model::LoginName;
use crate::audit::{self, Actor, Change};
use crate::auth::client::Client;
use crate::auth::{password, secret_hash, Viewer};
use crate::db::{now, Db, Tx};
use crate::error::AppError;
use crate::state::AppState;
use khuyenhoc_domain::Invalid;
use sqlx::Row;

/// How long an emailed link works.
pub const LINK_SECONDS: i64 = 30 * 60;
/// How long an officer's code works.
pub const CODE_SECONDS: i64 = 24 * 3600;

fn throttled(state: &AppState, keys: &[(String, u32)]) -> Result<(), AppError> {
    for (k, factor) in keys {
        state
            .throttle
            .check(k, *factor)
            .map_err(|retry_after| AppError::TooManyRequests { retry_after })?;
    }
    for (k, _) in keys {
        state.throttle.fail(k);
    }
    Ok(())
}

/// Someone asks for a link for `email`. Whether or not a person has that address, the answer is
/// the same (`Ok`); when one has, a link is stored and mailed (a job). Throttled per address and
/// per client: each request counts.
pub async fn request_link(state: &AppState, email: &str, client: &Client) -> Result<(), AppError> {
    if email.trim().is_empty() {
        return Err(AppError::field(
            "email",
            Invalid::new("Hãy nhập địa chỉ email", "Enter an email address"),
        ));
    }
    let email = khuyenhoc_domain::EmailAddress::parse(email)
        .map_err(|e| AppError::field("email", e))?
        .as_str()
        .to_owned();
    throttled(
        state,
        &[
            (format!("forgot:email:{email}"), 1),
            (format!("forgot:ip:{}", client.key()), 4),
        ],
    )?;
    let person: Option<(i64, String, i64)> =
        sqlx::query("SELECT id, full_name, unit_id FROM people WHERE email = $1")
            .bind(&email)
            .fetch_optional(&state.db.pool)
            .await?
            .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .transpose()?;
    let Some((person_id, name, unit_id)) = person else {
        return Ok(());
    };
    let token = crate::auth::random_secret();
    let link = format!("{}/password/reset/{token}", state.settings.base_url());
    let mut tx = state.db.begin().await?;
    store(
        &mut tx,
        person_id,
        "link",
        &secret_hash(&token),
        now() + LINK_SECONDS,
        None,
    )
    .await?;
    let body = format!(
        "Chào {name},\n\nCó người (có thể là bạn) vừa yêu cầu đặt lại mật khẩu Khuyến học. Mở liên kết sau trong 30 phút để đặt mật khẩu mới; liên kết chỉ dùng được một lần:\n\n{link}\n\nNếu không phải bạn, hãy bỏ qua thư này: mật khẩu của bạn không đổi.\n\n---\nSomeone (perhaps you) asked to reset your Khuyến học password. Open this link within 30 minutes to set a new one; it works once:\n\n{link}\n\nIf it was not you, ignore this email: your password is unchanged.\n"
    );
    crate::notify::deliver::enqueue_mail(
        &mut tx,
        &email,
        "Khuyến học: đặt lại mật khẩu / reset your password",
        &body,
    )
    .await?;
    audit::record(
        &mut tx,
        Actor::SYSTEM,
        Change {
            unit_id: Some(unit_id),
            entity: "person",
            entity_id: person_id.to_string(),
            action: "recovery_link",
            before: None,
            after: Some(serde_json::json!({"expires_in_minutes": LINK_SECONDS / 60})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn store(
    tx: &mut Tx<'_>,
    person_id: i64,
    kind: &str,
    hash: &str,
    expires_at: i64,
    by: Option<i64>,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO password_resets (person_id, kind, token_hash, expires_at, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(person_id)
    .bind(kind)
    .bind(hash)
    .bind(expires_at)
    .bind(by)
    .bind(now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Whether a link's token is still good (unused, not expired): the person it is for.
pub async fn link_person(db: &Db, token: &str) -> Result<Option<i64>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT person_id FROM password_resets WHERE token_hash = $1 AND kind = 'link' \
         AND used_at IS NULL AND expires_at > $2",
    )
    .bind(secret_hash(token))
    .bind(now())
    .fetch_optional(&db.pool)
    .await?)
}

fn gone() -> AppError {
    AppError::bad_request(
        "Liên kết hoặc mã này không dùng được nữa (đã dùng hoặc đã hết hạn). Hãy yêu cầu lại.",
        "This link or code no longer works (used or expired). Ask for a new one.",
    )
}

/// Uses a reset (by its hash) once and sets the new password; every session and token ends.
async fn use_reset(db: &Db, hash: &str, kind: &str, new: &str) -> Result<i64, AppError> {
    password::check_strength(new).map_err(|e| AppError::field("new", e))?;
    let pw = password::hash(new.to_owned()).await?;
    let mut tx = db.begin().await?;
    let t = now();
    let person: Option<i64> = sqlx::query_scalar(
        "UPDATE password_resets SET used_at = $1 WHERE token_hash = $2 AND kind = $3 \
         AND used_at IS NULL AND expires_at > $1 RETURNING person_id",
    )
    .bind(t)
    .bind(hash)
    .bind(kind)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(person_id) = person else {
        return Err(gone());
    };
    let revoked = super::service::set_password(&mut tx, person_id, pw, false).await?;
    let unit_id: i64 = sqlx::query_scalar("SELECT unit_id FROM people WHERE id = $1")
        .bind(person_id)
        .fetch_one(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        Actor::new(person_id, None),
        Change {
            unit_id: Some(unit_id),
            entity: "person",
            entity_id: person_id.to_string(),
            action: if kind == "link" {
                "recover_by_link"
            } else {
                "recover_by_code"
            },
            before: None,
            after: Some(serde_json::json!({ "tokens_revoked": revoked })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(person_id)
}

/// Sets a new password with an emailed link's token (once).
pub async fn reset_with_link(db: &Db, token: &str, new: &str) -> Result<i64, AppError> {
    use_reset(db, &secret_hash(token), "link", new).await
}

fn code_hash(person_id: i64, code: &str) -> String {
    secret_hash(&format!("code:{person_id}:{code}"))
}

/// An officer in scope makes a one-time code for a person without email (any earlier code of
/// theirs stops working). Returns the code, to read out on the phone.
pub async fn issue_code(
    db: &Db,
    viewer: &Viewer,
    person_id: i64,
) -> Result<(super::model::Person, String), AppError> {
    use super::model::{find_visible, Lookup};
    let person = find_visible(db, viewer, &Lookup::Id(person_id))
        .await?
        .ok_or(AppError::NotFound)?;
    super::service::acting_over(&db.pool, viewer, &person).await?;
    if person.phone.is_none() {
        return Err(AppError::bad_request(
            "Người này chưa có số điện thoại để đăng nhập",
            "This person has no phone number to log in with",
        ));
    }
    let code: String = {
        use rand::Rng;
        let n: u32 = rand::rngs::OsRng.gen_range(0..100_000_000);
        format!("{n:08}")
    };
    let mut tx = db.begin().await?;
    let actor = super::service::acting_over(&mut *tx, viewer, &person).await?;
    sqlx::query("UPDATE password_resets SET used_at = $1 WHERE person_id = $2 AND kind = 'code' AND used_at IS NULL")
        .bind(now())
        .bind(person.id)
        .execute(&mut *tx)
        .await?;
    store(
        &mut tx,
        person.id,
        "code",
        &code_hash(person.id, &code),
        now() + CODE_SECONDS,
        Some(viewer.person_id),
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(person.unit_id),
            entity: "person",
            entity_id: person.id.to_string(),
            action: "recovery_code",
            before: None,
            after: Some(serde_json::json!({"expires_in_hours": CODE_SECONDS / 3600})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((person, code))
}

/// The person sets a password with the code an officer gave them (once), throttled per phone
/// and per client like a login.
pub async fn reset_with_code(
    state: &AppState,
    phone: &str,
    code: &str,
    new: &str,
    client: &Client,
) -> Result<i64, AppError> {
    let name = LoginName::parse(phone);
    let LoginName::Phone(_) = &name else {
        return Err(AppError::field(
            "phone",
            Invalid::new("Hãy nhập số điện thoại", "Enter a phone number"),
        ));
    };
    let keys = [
        (format!("code:{}", name.throttle_key()), 1),
        (format!("code:ip:{}", client.key()), 4),
    ];
    for (k, factor) in &keys {
        state
            .throttle
            .check(k, *factor)
            .map_err(|retry_after| AppError::TooManyRequests { retry_after })?;
    }
    let person = super::model::credentials(&state.db, &name)
        .await?
        .map(|p| p.0);
    let hash = code_hash(person.unwrap_or(0), code.trim());
    match use_reset(&state.db, &hash, "code", new).await {
        Ok(id) => {
            for (k, _) in &keys {
                state.throttle.clear(k);
            }
            Ok(id)
        }
        Err(e) => {
            if !matches!(e, AppError::Invalid(_)) {
                for (k, _) in &keys {
                    state.throttle.fail(k);
                }
            }
            Err(e)
        }
    }
}
