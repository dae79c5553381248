//! Registering people, officer resets and password changes.

use super::model::{self, Lookup, Person};
use crate::audit::{self, Actor, Change};
use crate::auth::{password, perm, session, Viewer};
use crate::db::{is_unique_violation, now, Db, Tx};
use crate::error::{AppError, FieldError};
use crate::org::service::with_right;
use khuyenhoc_domain::{EmailAddress, Gender, Invalid, NationalId, PersonName, PhoneNumber};
use serde::Deserialize;

/// A new person as typed into a form or sent to the API; every field is text so that bad input
/// is answered field by field.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct NewPerson {
    pub full_name: String,
    #[serde(default)]
    pub birth_year: Option<String>,
    #[serde(default)]
    pub gender: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub national_id: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
}

/// A new person's fields once checked (`bulk` writes many of them).
pub(super) struct Valid {
    pub(super) name: PersonName,
    pub(super) birth_year: Option<i64>,
    pub(super) gender: Option<Gender>,
    pub(super) phone: Option<PhoneNumber>,
    pub(super) email: Option<EmailAddress>,
    pub(super) national_id: Option<NationalId>,
    password: Option<String>,
}

pub(super) fn present(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

pub(super) fn validate(input: &NewPerson) -> Result<Valid, AppError> {
    let mut errors = vec![];
    let mut check = |field: &'static str, r: Result<(), Invalid>| {
        if let Err(e) = r {
            errors.push(FieldError::new(field, e));
        }
    };
    let name = PersonName::parse(&input.full_name);
    check("full_name", name.clone().map(|_| ()));
    let this_year = i64::from(chrono::Datelike::year(&chrono::Utc::now()));
    let birth_year = present(&input.birth_year).map(|y| {
        y.parse::<i64>()
            .ok()
            .filter(|y| (1900..=this_year).contains(y))
    });
    check(
        "birth_year",
        match birth_year {
            Some(None) => Err(Invalid::new("Năm sinh không hợp lệ", "Invalid birth year")),
            _ => Ok(()),
        },
    );
    let gender = present(&input.gender).map(Gender::parse).transpose();
    check("gender", gender.clone().map(|_| ()));
    let phone = present(&input.phone).map(PhoneNumber::parse).transpose();
    check("phone", phone.clone().map(|_| ()));
    let email = present(&input.email).map(EmailAddress::parse).transpose();
    check("email", email.clone().map(|_| ()));
    let national_id = present(&input.national_id)
        .map(NationalId::parse)
        .transpose();
    check("national_id", national_id.clone().map(|_| ()));
    let pw = present(&input.password).map(str::to_owned);
    if let Some(p) = &pw {
        check("password", password::check_strength(p));
    }
    if let (Ok(name), Ok(gender), Ok(phone), Ok(email), Ok(national_id), true) =
        (name, gender, phone, email, national_id, errors.is_empty())
    {
        return Ok(Valid {
            name,
            birth_year: birth_year.flatten(),
            gender,
            phone,
            email,
            national_id,
            password: pw,
        });
    }
    Err(AppError::Invalid(errors))
}

pub(super) fn conflict(e: sqlx::Error) -> AppError {
    for (index, field, vi, en) in [
        (
            "people_phone",
            "phone",
            "Số điện thoại này đã gắn với một tài khoản. Nếu đúng là người bạn đang đăng ký, hãy tìm họ trong danh sách của đơn vị; nếu họ thuộc đơn vị khác, hãy đề nghị đơn vị đó chuyển họ sang đơn vị của bạn",
            "This phone number already belongs to an account. If it is the person you are registering, find them in your unit's list; if they belong to another unit, ask that unit to transfer them to yours",
        ),
        (
            "people_email",
            "email",
            "Email này đã gắn với một tài khoản. Nếu đúng là người bạn đang đăng ký, hãy tìm họ trong danh sách của đơn vị; nếu họ thuộc đơn vị khác, hãy đề nghị đơn vị đó chuyển họ sang đơn vị của bạn",
            "This email already belongs to an account. If it is the person you are registering, find them in your unit's list; if they belong to another unit, ask that unit to transfer them to yours",
        ),
        (
            "people_national_id",
            "national_id",
            "Số CCCD này đã gắn với một tài khoản. Nếu đúng là người bạn đang đăng ký, hãy tìm họ trong danh sách của đơn vị; nếu họ thuộc đơn vị khác, hãy đề nghị đơn vị đó chuyển họ sang đơn vị của bạn",
            "This ID number already belongs to an account. If it is the person you are registering, find them in your unit's list; if they belong to another unit, ask that unit to transfer them to yours",
        ),
    ] {
        if is_unique_violation(&e, index) {
            return AppError::Conflict(FieldError::new(field, Invalid::new(vi, en)));
        }
    }
    e.into()
}

/// Registers a person whose home unit is `unit_code` (a unit in the viewer's scope).
pub async fn create(
    db: &Db,
    viewer: &Viewer,
    unit_code: &str,
    input: &NewPerson,
) -> Result<Person, AppError> {
    let (unit, actor) = with_right(db, viewer, unit_code, perm::PERSON_MANAGE).await?;
    insert(db, actor, unit.id, input).await
}

/// Inserts a person with the given actor (also used by `admin create` and the demo).
pub async fn insert(
    db: &Db,
    actor: Actor,
    unit_id: i64,
    input: &NewPerson,
) -> Result<Person, AppError> {
    let v = validate(input)?;
    let hash = match v.password.clone() {
        Some(p) => Some(password::hash(p).await?),
        None => None,
    };
    let mut tx = db.begin().await?;
    let id = write(&mut tx, actor, unit_id, &v, hash).await?;
    tx.commit().await?;
    model::by_id(db, id).await?.ok_or(AppError::NotFound)
}

/// Checks a new person's fields without writing anything (for previews of imports).
pub fn check(input: &NewPerson) -> Result<(), AppError> {
    validate(input).map(|_| ())
}

/// Inserts a person without a password inside the caller's transaction, with its audit entry:
/// for records created together with the person (a member). Returns the person's id.
pub async fn insert_in(
    tx: &mut Tx<'_>,
    actor: Actor,
    unit_id: i64,
    input: &NewPerson,
) -> Result<i64, AppError> {
    let v = validate(input)?;
    write(tx, actor, unit_id, &v, None).await
}

async fn write(
    tx: &mut Tx<'_>,
    actor: Actor,
    unit_id: i64,
    v: &Valid,
    hash: Option<String>,
) -> Result<i64, AppError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO people (full_name, name_folded, birth_year, gender, phone, email, national_id, unit_id, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(v.name.as_str())
    .bind(khuyenhoc_domain::text::fold(v.name.as_str()))
    .bind(v.birth_year)
    .bind(v.gender.map(|g| g.code()))
    .bind(v.phone.as_ref().map(|p| p.as_str().to_owned()))
    .bind(v.email.as_ref().map(|e| e.as_str().to_owned()))
    .bind(v.national_id.as_ref().map(|n| n.expose().to_owned()))
    .bind(unit_id)
    .bind(hash)
    .bind(now())
    .fetch_one(&mut **tx)
    .await
    .map_err(conflict)?;
    let after = serde_json::json!({
        "full_name": v.name.as_str(), "birth_year": v.birth_year, "gender": v.gender.map(|g| g.code()),
        "phone": v.phone.as_ref().map(|p| p.as_str()), "email": v.email.as_ref().map(|e| e.as_str()),
        "national_id": v.national_id.as_ref().map(|n| khuyenhoc_domain::identity::mask_national_id(n.expose())),
    });
    audit::record(
        tx,
        actor,
        Change {
            unit_id: Some(unit_id),
            entity: "person",
            entity_id: id.to_string(),
            action: "create",
            before: None,
            after: Some(after),
        },
    )
    .await?;
    Ok(id)
}

/// The position through which the viewer may act on a person's account: the person is in
/// scope, and every position they hold lies strictly below the viewer's rights
/// ([`Viewer::position_over_person`]). Anything else is "not found", as out of scope is
/// everywhere. The only change an officer makes to another person's account today is a
/// password reset; a future edit of a person goes through here too.
pub(crate) async fn acting_over<'e, E>(
    exec: E,
    viewer: &Viewer,
    person: &Person,
) -> Result<Actor, AppError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let held = crate::auth::held_positions(exec, person.id).await?;
    let pos = viewer
        .position_over_person(&person.unit_path, &held)
        .ok_or(AppError::NotFound)?;
    Ok(Actor::new(viewer.person_id, Some(pos.position_id)))
}

/// Revokes every API token of a person still in force; how many.
async fn revoke_tokens(tx: &mut Tx<'_>, person_id: i64) -> Result<u64, sqlx::Error> {
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE person_id = $2 AND revoked_at IS NULL")
        .bind(now())
        .bind(person_id)
        .execute(&mut **tx)
        .await
        .map(|r| r.rows_affected())
}

/// Sets a person's password hash; every session and API token of theirs ends with the old
/// password, so a stolen one dies with it. Returns how many tokens were revoked.
pub(crate) async fn set_password(
    tx: &mut Tx<'_>,
    person_id: i64,
    hash: String,
    temporary: bool,
) -> Result<u64, sqlx::Error> {
    sqlx::query("UPDATE people SET password_hash = $1, must_change_password = $2 WHERE id = $3")
        .bind(hash)
        .bind(i64::from(temporary))
        .bind(person_id)
        .execute(&mut **tx)
        .await?;
    session::end_all(tx, person_id).await?;
    revoke_tokens(tx, person_id).await
}

/// An officer sets a temporary password for a person in scope who has no email; the person must
/// change it before doing anything else, and their sessions and API tokens end. Returns the
/// temporary password.
pub async fn reset_password(
    db: &Db,
    viewer: &Viewer,
    person_id: i64,
) -> Result<(Person, String), AppError> {
    let person = model::find_visible(db, viewer, &Lookup::Id(person_id))
        .await?
        .ok_or(AppError::NotFound)?;
    acting_over(&db.pool, viewer, &person).await?;
    if person.email.is_some() {
        return Err(AppError::bad_request(
            "Người này có email nên cán bộ không đặt lại mật khẩu thay được",
            "This person has an email address, so an officer cannot reset their password",
        ));
    }
    if person.phone.is_none() {
        return Err(AppError::bad_request(
            "Người này chưa có số điện thoại để đăng nhập",
            "This person has no phone number to log in with",
        ));
    }
    let temp = password::temporary();
    let hash = password::hash(temp.clone()).await?;
    let mut tx = db.begin().await?;
    // Asked again inside the transaction: a position handed to the person meanwhile counts.
    let actor = acting_over(&mut *tx, viewer, &person).await?;
    let revoked = set_password(&mut tx, person.id, hash, true).await?;
    let change = Change {
        unit_id: Some(person.unit_id),
        entity: "person",
        entity_id: person.id.to_string(),
        action: "reset_password",
        before: None,
        after: Some(serde_json::json!({ "tokens_revoked": revoked })),
    };
    audit::record(&mut tx, actor, change).await?;
    tx.commit().await?;
    Ok((person, temp))
}

/// The viewer changes their own password (the current one is required); all their sessions and
/// API tokens end.
pub async fn change_password(
    db: &Db,
    viewer: &Viewer,
    current: &str,
    new: &str,
) -> Result<(), AppError> {
    let stored: Option<String> =
        sqlx::query_scalar("SELECT password_hash FROM people WHERE id = $1")
            .bind(viewer.person_id)
            .fetch_one(&db.pool)
            .await?;
    if !password::verify(current.to_owned(), stored).await? {
        return Err(AppError::field(
            "current",
            Invalid::new(
                "Mật khẩu hiện tại không đúng",
                "The current password is wrong",
            ),
        ));
    }
    password::check_strength(new).map_err(|e| AppError::field("new", e))?;
    let hash = password::hash(new.to_owned()).await?;
    let mut tx = db.begin().await?;
    // The caller opens a new session for the person who changed it.
    let revoked = set_password(&mut tx, viewer.person_id, hash, false).await?;
    let change = Change {
        unit_id: Some(viewer.home_unit_id),
        entity: "person",
        entity_id: viewer.person_id.to_string(),
        action: "change_password",
        before: None,
        after: Some(serde_json::json!({ "tokens_revoked": revoked })),
    };
    audit::record(&mut tx, Actor::new(viewer.person_id, None), change).await?;
    tx.commit().await?;
    Ok(())
}
