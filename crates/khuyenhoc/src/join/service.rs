//! Registering by join link, and the officer's confirmation or refusal.
//!
//! What a stranger is told never depends on the phone number: a new account, a registration
//! waiting to be merged into an officer's record, and a number that already has an account (or a
//! registration waiting) all answer the same "received" page, and the last changes nothing.

use super::model::{self, Registration};
use crate::accounts::service::{self as people, NewPerson};
use crate::audit::{self, Actor, Change};
use crate::auth::{password, perm, session, Viewer};
use crate::db::{is_unique_violation, now, Db, Tx};
use crate::error::{AppError, FieldError};
use crate::org::model::Unit;
use crate::state::AppState;
use khuyenhoc_domain::{EmailAddress, Invalid, Level, PhoneNumber};
use serde::Deserialize;

/// The join form as typed; every field is text so that bad input is answered field by field.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct JoinForm {
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub birth_year: String,
    #[serde(default)]
    pub gender: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub pin: String,
    #[serde(default)]
    pub consent: String,
}

/// The unit a join link names: an open branch or commune, else "not found".
pub async fn joinable(db: &Db, code: &str) -> Result<Unit, AppError> {
    let code = crate::org::service::parse_code(code).map_err(|_| AppError::NotFound)?;
    crate::org::model::by_code(db, code.as_str())
        .await?
        .filter(|u| matches!(u.level, Level::Branch | Level::Commune) && u.is_open())
        .ok_or(AppError::NotFound)
}

/// A form's fields once checked.
struct Checked {
    person: NewPerson,
    phone: PhoneNumber,
    email: Option<EmailAddress>,
    secret: String,
}

fn present(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// The secret the person chose: a password (8 to 128 characters), or a PIN of six digits.
fn secret(f: &JoinForm) -> Result<String, FieldError> {
    if let Some(pin) = present(&f.pin) {
        let six = pin.chars().count() == 6 && pin.chars().all(|c| c.is_ascii_digit());
        return if six {
            Ok(pin)
        } else {
            Err(FieldError::new(
                "pin",
                Invalid::new("Mã PIN phải gồm đúng 6 chữ số", "A PIN is exactly 6 digits"),
            ))
        };
    }
    if f.password.is_empty() {
        return Err(FieldError::new(
            "password",
            Invalid::new(
                "Hãy đặt mật khẩu (ít nhất 8 ký tự) hoặc mã PIN 6 chữ số",
                "Choose a password (at least 8 characters) or a 6-digit PIN",
            ),
        ));
    }
    password::check_strength(&f.password).map_err(|e| FieldError::new("password", e))?;
    Ok(f.password.clone())
}

fn required(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    value: &str,
    vi: &'static str,
    en: &'static str,
) {
    if value.trim().is_empty() && !errors.iter().any(|e| e.field == field) {
        errors.push(FieldError::new(field, Invalid::new(vi, en)));
    }
}

/// Checks the form with the rules of every person record (`accounts::service::check`), plus
/// what joining needs: a phone and birth year, a password or PIN, and consent.
fn check(f: &JoinForm) -> Result<Checked, AppError> {
    let person = NewPerson {
        full_name: f.full_name.clone(),
        birth_year: present(&f.birth_year),
        gender: present(&f.gender),
        phone: present(&f.phone),
        email: present(&f.email),
        national_id: None,
        password: None,
    };
    let mut errors = match people::check(&person) {
        Ok(()) => vec![],
        Err(AppError::Invalid(errors)) => errors,
        Err(e) => return Err(e),
    };
    required(
        &mut errors,
        "birth_year",
        &f.birth_year,
        "Hãy nhập năm sinh",
        "Enter your birth year",
    );
    required(
        &mut errors,
        "phone",
        &f.phone,
        "Hãy nhập số điện thoại để đăng nhập",
        "Enter a phone number to log in with",
    );
    if let Err(e) = secret(f) {
        errors.push(e);
    }
    if f.consent.trim().is_empty() {
        errors.push(FieldError::new(
            "consent",
            Invalid::new(
                "Hãy đọc và đồng ý với thông báo xử lý dữ liệu cá nhân",
                "Read and agree to the personal data notice",
            ),
        ));
    }
    let phone = person.phone.as_deref().map(PhoneNumber::parse);
    let email = person.email.as_deref().map(EmailAddress::parse).transpose();
    match (errors.is_empty(), phone, email, secret(f)) {
        (true, Some(Ok(phone)), Ok(email), Ok(secret)) => Ok(Checked {
            person,
            phone,
            email,
            secret,
        }),
        _ => Err(AppError::Invalid(errors)),
    }
}

/// Registers a stranger at the unit of a join link. `client` is the key of the client address
/// (the real one behind trusted proxies). Attempts are counted per phone and per client, and
/// back off like logins. `Ok` says only "received", whatever was done.
pub async fn register(
    state: &AppState,
    code: &str,
    form: &JoinForm,
    client: &str,
) -> Result<(), AppError> {
    let unit = joinable(&state.db, code).await?;
    let c = check(form)?;
    let key_phone = format!("join:phone:{}", c.phone.as_str());
    let key_client = format!("join:ip:{client}");
    let too_many = |retry_after| AppError::TooManyRequests { retry_after };
    state.throttle.check(&key_phone, 1).map_err(too_many)?;
    state.throttle.check(&key_client, 4).map_err(too_many)?;
    state.throttle.fail(&key_phone);
    state.throttle.fail(&key_client);
    // Hashed whatever happens next, so a known number takes as long as a new one.
    let hash = password::hash(c.secret.clone()).await?;
    let mut tx = state.db.begin().await?;
    match write(&mut tx, &unit, &c, hash).await {
        Ok(true) => tx.commit().await?,
        // A number already known: nothing is stored, the answer is the same.
        Ok(false) => tx.rollback().await?,
        // The same number or email taken meanwhile by someone else's registration.
        Err(AppError::Conflict(_)) => tx.rollback().await?,
        Err(e) => return Err(e),
    }
    Ok(())
}

/// Stores the registration; `false` when the phone or email is already taken (nothing written).
async fn write(tx: &mut Tx<'_>, unit: &Unit, c: &Checked, hash: String) -> Result<bool, AppError> {
    let phone = c.phone.as_str().to_owned();
    let email = c.email.as_ref().map(|e| e.as_str().to_owned());
    let waiting: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM registrations WHERE status = 'pending' AND (phone = $1 OR email = $2)",
    )
    .bind(&phone)
    .bind(&email)
    .fetch_one(&mut **tx)
    .await?;
    let email_taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM people WHERE email = $1")
        .bind(&email)
        .fetch_one(&mut **tx)
        .await?;
    if waiting > 0 || email_taken > 0 {
        return Ok(false);
    }
    let existing = sqlx::query_as::<_, (i64, Option<String>, String, i64)>(
        "SELECT p.id, p.password_hash, u.path, \
         (SELECT COUNT(*) FROM registrations r WHERE r.person_id = p.id) \
         FROM people p JOIN units u ON u.id = p.unit_id WHERE p.phone = $1",
    )
    .bind(&phone)
    .fetch_optional(&mut **tx)
    .await?;
    let matched = match existing {
        None => None,
        // A record an officer made under this unit, never given a login: the applicant gets a
        // pending record of their own (without the phone, which the officer's record holds;
        // they log in by it through the registration), merged into it on confirmation.
        Some((id, None, path, 0)) if path.starts_with(&unit.path) => Some(id),
        Some(_) => return Ok(false),
    };
    let own = NewPerson {
        phone: if matched.is_some() {
            None
        } else {
            c.person.phone.clone()
        },
        ..c.person.clone()
    };
    let id = people::insert_in(tx, Actor::SYSTEM, unit.id, &own).await?;
    sqlx::query("UPDATE people SET password_hash = $1 WHERE id = $2")
        .bind(&hash)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    insert(tx, unit, c, Some(id), matched, hash).await?;
    Ok(true)
}

async fn insert(
    tx: &mut Tx<'_>,
    unit: &Unit,
    c: &Checked,
    person_id: Option<i64>,
    matched: Option<i64>,
    hash: String,
) -> Result<(), AppError> {
    let p = &c.person;
    let name = khuyenhoc_domain::PersonName::parse(&p.full_name)
        .map_err(|e| AppError::field("full_name", e))?;
    let birth_year = p.birth_year.as_deref().and_then(|y| y.parse::<i64>().ok());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO registrations (unit_id, person_id, match_person_id, full_name, name_folded, birth_year, gender, phone, email, password_hash, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $11) RETURNING id",
    )
    .bind(unit.id)
    .bind(person_id)
    .bind(matched)
    .bind(name.as_str())
    .bind(khuyenhoc_domain::text::fold(name.as_str()))
    .bind(birth_year)
    .bind(p.gender.clone())
    .bind(c.phone.as_str())
    .bind(c.email.as_ref().map(|e| e.as_str().to_owned()))
    .bind(hash)
    .bind(now())
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e, "registrations_pending_phone") {
            AppError::Conflict(FieldError::new("phone", Invalid::new("Đã có đăng ký", "Registered already")))
        } else {
            e.into()
        }
    })?;
    let change = Change {
        unit_id: Some(unit.id),
        entity: "registration",
        entity_id: id.to_string(),
        action: "create",
        before: None,
        after: Some(serde_json::json!({
            "full_name": name.as_str(), "phone": c.phone.as_str(), "person_id": person_id,
            "match_person_id": matched,
        })),
    };
    audit::record(tx, Actor::SYSTEM, change).await?;
    Ok(())
}

/// The registration and the position through which the viewer decides it (`person.manage`
/// over its unit); "not found" out of scope.
async fn deciding(db: &Db, viewer: &Viewer, id: i64) -> Result<(Registration, Actor), AppError> {
    let reg = model::by_id(&db.pool, id).await?;
    let reg = reg
        .filter(|r| viewer.can_read(&r.unit_path))
        .ok_or(AppError::NotFound)?;
    let actor = viewer.actor_for(perm::PERSON_MANAGE, &reg.unit_path)?;
    if !reg.is_pending() {
        return Err(AppError::Conflict(FieldError::new(
            "status",
            Invalid::new(
                "Đăng ký này đã được xử lý",
                "This registration was already decided",
            ),
        )));
    }
    Ok((reg, actor))
}

/// Marks a pending registration decided; `false` when someone decided it meanwhile.
async fn decide(
    tx: &mut Tx<'_>,
    viewer: &Viewer,
    id: i64,
    status: &str,
    reason: Option<&str>,
    person_id: Option<i64>,
) -> Result<(), AppError> {
    let n = sqlx::query(
        "UPDATE registrations SET status = $1, reason = $2, decided_at = $3, decided_by = $4, \
         person_id = COALESCE(person_id, $5), password_hash = NULL WHERE id = $6 AND status = 'pending'",
    )
    .bind(status)
    .bind(reason)
    .bind(now())
    .bind(viewer.person_id)
    .bind(person_id)
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if n == 1 {
        Ok(())
    } else {
        Err(AppError::Conflict(FieldError::new(
            "status",
            Invalid::new(
                "Đăng ký này đã được xử lý",
                "This registration was already decided",
            ),
        )))
    }
}

/// The officer confirms a registration. A plain one: the pending account becomes a full one.
/// One that matched an officer-made record: the login (password or PIN, and the email if the
/// record had none) is attached to that record, which stays the one person; nothing else of
/// it changes. Returns the registration as decided.
pub async fn confirm(db: &Db, viewer: &Viewer, id: i64) -> Result<Registration, AppError> {
    let (reg, actor) = deciding(db, viewer, id).await?;
    let mut tx = db.begin().await?;
    let hash: Option<String> =
        sqlx::query_scalar("SELECT password_hash FROM registrations WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    let person_id = match &reg.matched {
        Some(m) => {
            merge(&mut tx, viewer, &reg, m.person_id, hash).await?;
            m.person_id
        }
        None => reg.person_id.ok_or(AppError::NotFound)?,
    };
    decide(&mut tx, viewer, id, "confirmed", None, Some(person_id)).await?;
    let change = Change {
        unit_id: Some(reg.unit_id),
        entity: "registration",
        entity_id: id.to_string(),
        action: if reg.matched.is_some() {
            "confirm_merge"
        } else {
            "confirm"
        },
        before: Some(serde_json::json!({"status": "pending"})),
        after: Some(serde_json::json!({"status": "confirmed", "person_id": person_id})),
    };
    audit::record(&mut tx, actor, change).await?;
    crate::notify::send(
        &mut tx,
        person_id,
        crate::notify::Notice::RegistrationConfirmed {
            unit_name: reg.unit_name.clone(),
        },
    )
    .await?;
    tx.commit().await?;
    model::by_id(&db.pool, id).await?.ok_or(AppError::NotFound)
}

/// Merges the applicant's pending record into the officer-made record `target` (everything they
/// drafted moves with it, through `accounts::merge::merge_in`; their open sessions go on as the
/// kept record) and attaches the registration's login to it: only if the viewer may act on that
/// person (rights never climb) and it still has no login.
async fn merge(
    tx: &mut Tx<'_>,
    viewer: &Viewer,
    reg: &Registration,
    target: i64,
    hash: Option<String>,
) -> Result<(), AppError> {
    let path: String = sqlx::query_scalar(
        "SELECT u.path FROM people p JOIN units u ON u.id = p.unit_id WHERE p.id = $1",
    )
    .bind(target)
    .fetch_one(&mut **tx)
    .await?;
    let held = crate::auth::held_positions(&mut **tx, target).await?;
    let pos = viewer
        .position_over_person(&path, &held)
        .ok_or(AppError::NotFound)?;
    let actor = Actor::new(viewer.person_id, Some(pos.position_id));
    if let Some(own) = reg.person_id.filter(|p| *p != target) {
        sqlx::query("UPDATE sessions SET person_id = $1 WHERE person_id = $2")
            .bind(target)
            .bind(own)
            .execute(&mut **tx)
            .await?;
        let reason = format!("Đăng ký tham gia số {} / registration {}", reg.id, reg.id);
        crate::accounts::merge::merge_in(tx, viewer.person_id, actor, (target, own), &reason)
            .await?;
    }
    let n = sqlx::query(
        "UPDATE people SET password_hash = $1, email = COALESCE(email, $2), \
         birth_year = COALESCE(birth_year, $3), gender = COALESCE(gender, $4) \
         WHERE id = $5 AND password_hash IS NULL",
    )
    .bind(hash)
    .bind(reg.email.clone())
    .bind(reg.birth_year)
    .bind(reg.gender.clone())
    .bind(target)
    .execute(&mut **tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e, "people_email") {
            AppError::Conflict(FieldError::new("email", Invalid::new(
                "Email của đăng ký đã thuộc một tài khoản khác; hãy từ chối và nhờ người đăng ký bỏ email",
                "The registration's email belongs to another account; reject it and ask for none",
            )))
        } else {
            e.into()
        }
    })?
    .rows_affected();
    if n != 1 {
        return Err(AppError::Conflict(FieldError::new(
            "status",
            Invalid::new(
                "Hồ sơ này đã có tài khoản đăng nhập; hãy từ chối đăng ký",
                "This record already has a login; reject the registration",
            ),
        )));
    }
    let change = Change {
        unit_id: Some(reg.unit_id),
        entity: "person",
        entity_id: target.to_string(),
        action: "join_merge",
        before: None,
        after: Some(
            serde_json::json!({"registration_id": reg.id, "email_added": reg.email.is_some()}),
        ),
    };
    audit::record(tx, actor, change).await?;
    Ok(())
}

/// The officer refuses a registration with a reason. The pending account loses its login (its
/// sessions and API tokens end); its record stays for the history.
pub async fn reject(
    db: &Db,
    viewer: &Viewer,
    id: i64,
    reason: &str,
) -> Result<Registration, AppError> {
    let reason = khuyenhoc_domain::limits::NOTE
        .check(reason)
        .map_err(|e| AppError::field("reason", e))?;
    if reason.is_empty() {
        return Err(AppError::field(
            "reason",
            Invalid::new("Hãy ghi lý do từ chối", "Give the reason for refusing"),
        ));
    }
    let (reg, actor) = deciding(db, viewer, id).await?;
    let mut tx = db.begin().await?;
    decide(&mut tx, viewer, id, "rejected", Some(&reason), None).await?;
    if let Some(p) = reg.person_id {
        sqlx::query("UPDATE people SET password_hash = NULL WHERE id = $1")
            .bind(p)
            .execute(&mut *tx)
            .await?;
        session::end_all(&mut tx, p).await?;
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE person_id = $2 AND revoked_at IS NULL",
        )
        .bind(now())
        .bind(p)
        .execute(&mut *tx)
        .await?;
    }
    let change = Change {
        unit_id: Some(reg.unit_id),
        entity: "registration",
        entity_id: id.to_string(),
        action: "reject",
        before: Some(serde_json::json!({"status": "pending"})),
        after: Some(serde_json::json!({"status": "rejected", "reason": reason})),
    };
    audit::record(&mut tx, actor, change).await?;
    tx.commit().await?;
    model::by_id(&db.pool, id).await?.ok_or(AppError::NotFound)
}
