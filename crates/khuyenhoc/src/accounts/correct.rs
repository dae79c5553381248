//! Correcting a person's record (`PATCH /api/v1/people/{id}`): the person corrects their own
//! name, birth year and gender, and asks for a new phone or email confirmed by a code; an
//! officer over the person ([`Viewer::position_over_person`]) corrects any field, a phone or
//! email with their confirmation that the owner agreed (audited), or by the owner's code. A name
//! that a certificate in force already carries needs a reason: the certificate is reissued with
//! the new name and the old one revoked, in the same transaction.

use super::model::{self, Lookup, Person};
use super::service::{acting_over, conflict, present};
use crate::audit::{self, Actor, Change};
use crate::auth::{secret_hash, Viewer};
use crate::db::{now, Tx};
use crate::error::{AppError, FieldError};
use crate::evaluation::certificates;
use crate::state::AppState;
use khuyenhoc_domain::{limits, EmailAddress, Gender, Invalid, PersonName, PhoneNumber};
use serde::{Deserialize, Deserializer, Serialize};

/// A code sent for a phone or email change is valid this long.
pub const CODE_SECONDS: i64 = 30 * 60;
/// Wrong codes allowed on one change before it must be asked again.
pub const CODE_ATTEMPTS: i64 = 5;

/// The fields to correct; a field left out stays as it is, an empty one is cleared (all but
/// the name). `unit_code` moves the person (see `moves`).
#[derive(Debug, Default, Deserialize)]
pub struct Correction {
    #[serde(default)]
    pub full_name: Option<String>,
    /// A year (1900 to this one), as a number or text; empty to clear.
    #[serde(default, deserialize_with = "text_or_number")]
    pub birth_year: Option<String>,
    /// `female`, `male` or `other`; empty to clear.
    #[serde(default)]
    pub gender: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// The new home unit (an officer over both units).
    #[serde(default)]
    pub unit_code: Option<String>,
    /// Why: required when a certificate carries the old name, and for a move.
    #[serde(default)]
    pub reason: Option<String>,
    /// The officer confirms the owner agreed to the new phone or email (audited).
    #[serde(default, deserialize_with = "flag")]
    pub confirm_contact: bool,
}

fn text_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(other) => Some(other.to_string()),
    })
}

/// `true`, or a checkbox's "on" / "1" / "true" from a form.
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::Bool(b)) => b,
        Some(serde_json::Value::String(s)) => matches!(s.as_str(), "on" | "1" | "true"),
        _ => false,
    })
}

/// What a correction did.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "PersonCorrected")]
pub struct Corrected {
    pub person: Person,
    /// The fields changed now.
    pub changed: Vec<String>,
    /// A phone or email change waiting for the owner's code (sent to them).
    pub pending_contact: Option<PendingContact>,
    /// Certificates issued anew with the corrected name (the old ones are revoked).
    pub reissued_certificates: Vec<String>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct PendingContact {
    /// `phone` or `email`.
    pub field: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// The checked new values, only those that differ from the record.
#[derive(Default)]
struct Changes {
    full_name: Option<PersonName>,
    birth_year: Option<Option<i64>>,
    gender: Option<Option<Gender>>,
    phone: Option<Option<PhoneNumber>>,
    email: Option<Option<EmailAddress>>,
    reason: String,
}

impl Changes {
    fn names(&self) -> Vec<String> {
        [
            ("full_name", self.full_name.is_some()),
            ("birth_year", self.birth_year.is_some()),
            ("gender", self.gender.is_some()),
            ("phone", self.phone.is_some()),
            ("email", self.email.is_some()),
        ]
        .into_iter()
        .filter(|(_, on)| *on)
        .map(|(n, _)| n.to_owned())
        .collect()
    }
    fn contact(&self) -> bool {
        self.phone.is_some() || self.email.is_some()
    }
}

fn check(p: &Person, c: &Correction) -> Result<Changes, AppError> {
    let mut errors = vec![];
    let mut out = Changes::default();
    let mut err = |field: &'static str, e: Invalid| errors.push(FieldError::new(field, e));
    if let Some(n) = &c.full_name {
        match PersonName::parse(n) {
            Ok(n) if n.as_str() != p.full_name => out.full_name = Some(n),
            Ok(_) => {}
            Err(e) => err("full_name", e),
        }
    }
    if c.birth_year.is_some() {
        let this_year = i64::from(chrono::Datelike::year(&chrono::Utc::now()));
        match present(&c.birth_year).map(|y| {
            y.parse::<i64>()
                .ok()
                .filter(|y| (1900..=this_year).contains(y))
        }) {
            Some(None) => err(
                "birth_year",
                Invalid::new("Năm sinh không hợp lệ", "Invalid birth year"),
            ),
            Some(Some(y)) if Some(y) != p.birth_year => out.birth_year = Some(Some(y)),
            None if p.birth_year.is_some() => out.birth_year = Some(None),
            _ => {}
        }
    }
    if c.gender.is_some() {
        match present(&c.gender).map(Gender::parse).transpose() {
            Ok(g) if g.map(|g| g.code()) != p.gender.as_deref() => out.gender = Some(g),
            Ok(_) => {}
            Err(e) => err("gender", e),
        }
    }
    if c.phone.is_some() {
        match present(&c.phone).map(PhoneNumber::parse).transpose() {
            Ok(v) if v.as_ref().map(|x| x.as_str()) != p.phone.as_deref() => out.phone = Some(v),
            Ok(_) => {}
            Err(e) => err("phone", e),
        }
    }
    if c.email.is_some() {
        match present(&c.email).map(EmailAddress::parse).transpose() {
            Ok(v) if v.as_ref().map(|x| x.as_str()) != p.email.as_deref() => out.email = Some(v),
            Ok(_) => {}
            Err(e) => err("email", e),
        }
    }
    match limits::DESCRIPTION.check(c.reason.as_deref().unwrap_or_default()) {
        Ok(r) => out.reason = r,
        Err(e) => err("reason", e),
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(AppError::Invalid(errors))
    }
}

fn nothing_to_do() -> AppError {
    AppError::bad_request(
        "Không có thông tin nào thay đổi",
        "Nothing to change: every field is as it was",
    )
}

/// Refuses a phone or email that belongs to someone else, without saying whose.
async fn contact_free(state: &AppState, person_id: i64, ch: &Changes) -> Result<(), AppError> {
    let taken = |field: &'static str, vi: &'static str, en: &'static str| {
        AppError::Conflict(FieldError::new(field, Invalid::new(vi, en)))
    };
    if let Some(Some(phone)) = &ch.phone {
        let other: Option<i64> =
            sqlx::query_scalar("SELECT id FROM people WHERE phone = $1 AND id <> $2")
                .bind(phone.as_str())
                .bind(person_id)
                .fetch_optional(&state.db.pool)
                .await?;
        if other.is_some() {
            return Err(taken(
                "phone",
                "Số điện thoại này đã gắn với một tài khoản khác",
                "This phone number already belongs to another account",
            ));
        }
    }
    if let Some(Some(email)) = &ch.email {
        let other: Option<i64> =
            sqlx::query_scalar("SELECT id FROM people WHERE email = $1 AND id <> $2")
                .bind(email.as_str())
                .bind(person_id)
                .fetch_optional(&state.db.pool)
                .await?;
        if other.is_some() {
            return Err(taken(
                "email",
                "Email này đã gắn với một tài khoản khác",
                "This email already belongs to another account",
            ));
        }
    }
    Ok(())
}

/// Who corrects: the person on their own record, or an officer (with the position used).
#[derive(Clone, Copy)]
enum By {
    Themself(Actor),
    Officer(Actor),
}

impl By {
    fn actor(self) -> Actor {
        match self {
            By::Themself(a) | By::Officer(a) => a,
        }
    }
    fn label(self) -> &'static str {
        match self {
            By::Themself(_) => "self",
            By::Officer(_) => "officer",
        }
    }
}

/// A correction that names another unit is a move (officers only, nothing else changed).
async fn move_instead(
    state: &AppState,
    viewer: &Viewer,
    person: &Person,
    by: By,
    ch: &Changes,
    code: &str,
) -> Result<Corrected, AppError> {
    if matches!(by, By::Themself(_)) {
        return Err(refused_self());
    }
    if !ch.names().is_empty() {
        return Err(AppError::bad_request(
            "Chuyển đơn vị là một việc riêng: hãy sửa thông tin trước, rồi chuyển đơn vị",
            "Moving to another unit is a step of its own: correct the fields first, then move",
        ));
    }
    let person = super::moves::move_person(&state.db, viewer, person.id, code, &ch.reason).await?;
    Ok(Corrected {
        person,
        changed: vec!["unit_code".into()],
        pending_contact: None,
        reissued_certificates: vec![],
    })
}

/// A new phone or email the owner has not confirmed waits for their code: taken out of the
/// changes written now, and returned. Refused when the owner has no email to receive it.
#[allow(clippy::type_complexity)]
fn contact_plan(
    person: &Person,
    by: By,
    confirmed: bool,
    ch: &mut Changes,
) -> Result<Option<(Option<Option<PhoneNumber>>, Option<Option<EmailAddress>>)>, AppError> {
    if !ch.contact() || (matches!(by, By::Officer(_)) && confirmed) {
        return Ok(None);
    }
    if person.email.is_none() {
        return Err(match by {
            By::Themself(_) => refused_self(),
            By::Officer(_) => AppError::field(
                "confirm_contact",
                Invalid::new(
                    "Người này chưa có email để nhận mã xác nhận: hãy hỏi chính chủ rồi đánh dấu «Tôi đã xác nhận với chủ tài khoản»",
                    "This person has no email to receive a code: ask the owner, then tick “I confirmed with the owner”",
                ),
            ),
        });
    }
    if ch.phone.is_some() && ch.email.is_some() {
        return Err(AppError::bad_request(
            "Mỗi lần chỉ đổi một trong hai: số điện thoại hoặc email",
            "Change the phone or the email, one at a time",
        ));
    }
    Ok(Some((ch.phone.take(), ch.email.take())))
}

/// The certificates in force that carry another name than the corrected one; a reason is
/// required when there are any.
async fn certificates_to_reissue(
    state: &AppState,
    person_id: i64,
    ch: &Changes,
) -> Result<Vec<certificates::InForce>, AppError> {
    let Some(n) = &ch.full_name else {
        return Ok(vec![]);
    };
    let certs: Vec<_> = certificates::in_force_for_person(state, person_id)
        .await?
        .into_iter()
        .filter(|c| c.holder_name != n.as_str())
        .collect();
    if !certs.is_empty() && ch.reason.chars().count() < 3 {
        return Err(AppError::field(
            "reason",
            Invalid::new(
                "Giấy chứng nhận đã mang tên cũ: hãy ghi lý do sửa tên (giấy sẽ được cấp lại với tên mới)",
                "A certificate already carries the old name: give the reason (it will be reissued with the new name)",
            ),
        ));
    }
    Ok(certs)
}

/// Corrects the person `person_id` as `viewer` may (see the module).
pub async fn correct(
    state: &AppState,
    viewer: &Viewer,
    person_id: i64,
    c: &Correction,
) -> Result<Corrected, AppError> {
    let db = &state.db;
    let person = model::find_visible(db, viewer, &Lookup::Id(person_id))
        .await?
        .ok_or(AppError::NotFound)?;
    let by = if person.id == viewer.person_id {
        By::Themself(Actor::new(viewer.person_id, None))
    } else {
        By::Officer(acting_over(&db.pool, viewer, &person).await?)
    };
    let mut ch = check(&person, c)?;
    if let Some(code) = present(&c.unit_code).filter(|code| *code != person.unit_code) {
        return move_instead(state, viewer, &person, by, &ch, code).await;
    }
    if ch.names().is_empty() {
        return Err(nothing_to_do());
    }
    if matches!(by, By::Themself(_)) && c.confirm_contact {
        return Err(refused_self());
    }
    contact_free(state, person.id, &ch).await?;
    let pending = contact_plan(&person, by, c.confirm_contact, &mut ch)?;
    let certs = certificates_to_reissue(state, person.id, &ch).await?;
    let key = if certs.is_empty() {
        None
    } else {
        Some(crate::credentials::signer(state).await?)
    };
    let mut tx = db.begin().await?;
    let by = match by {
        // Asked again inside the transaction: a position handed to the person meanwhile counts.
        By::Officer(_) => By::Officer(acting_over(&mut *tx, viewer, &person).await?),
        own => own,
    };
    let changed = write(&mut tx, &person, &ch, by, c.confirm_contact).await?;
    let reissued = match &key {
        Some(key) => {
            let name = ch
                .full_name
                .as_ref()
                .map(PersonName::as_str)
                .unwrap_or_default();
            certificates::reissue(&mut tx, key, &certs, name, &ch.reason, by.actor()).await?
        }
        None => vec![],
    };
    let pending_contact = match pending {
        Some((phone, email)) => Some(ask_code(&mut tx, &person, phone, email, by).await?),
        None => None,
    };
    tx.commit().await?;
    if changed.is_empty() && pending_contact.is_none() {
        return Err(nothing_to_do());
    }
    Ok(Corrected {
        person: model::by_id(db, person.id)
            .await?
            .ok_or(AppError::NotFound)?,
        changed,
        pending_contact,
        reissued_certificates: reissued,
    })
}

fn refused_self() -> AppError {
    AppError::Refused {
        vi: "Việc này cần cán bộ chi hội hoặc cán bộ hội cấp trên làm cho bạn".into(),
        en: "This needs an officer of your branch or above".into(),
    }
}

/// Writes the changed fields with their audit entry; the names of the fields written.
async fn write(
    tx: &mut Tx<'_>,
    p: &Person,
    ch: &Changes,
    by: By,
    confirmed: bool,
) -> Result<Vec<String>, AppError> {
    let names = ch.names();
    if names.is_empty() {
        return Ok(names);
    }
    let name = ch
        .full_name
        .as_ref()
        .map_or(p.full_name.as_str(), PersonName::as_str);
    let birth_year = ch.birth_year.unwrap_or(p.birth_year);
    let gender = ch
        .gender
        .map_or(p.gender.clone(), |g| g.map(|g| g.code().to_owned()));
    let phone = ch.phone.as_ref().map_or(p.phone.clone(), |x| {
        x.as_ref().map(|x| x.as_str().to_owned())
    });
    let email = ch.email.as_ref().map_or(p.email.clone(), |x| {
        x.as_ref().map(|x| x.as_str().to_owned())
    });
    sqlx::query("UPDATE people SET full_name = $1, name_folded = $2, birth_year = $3, gender = $4, phone = $5, email = $6 WHERE id = $7")
        .bind(name)
        .bind(khuyenhoc_domain::text::fold(name))
        .bind(birth_year)
        .bind(&gender)
        .bind(&phone)
        .bind(&email)
        .bind(p.id)
        .execute(&mut **tx)
        .await
        .map_err(conflict)?;
    if ch.full_name.is_some() {
        sqlx::query("UPDATE evaluations SET subject_name = $1, subject_folded = $3 WHERE subject_kind = 'person' AND subject_id = $2")
            .bind(name)
            .bind(p.id)
            .bind(crate::evaluation::worklist::folded(name))
            .execute(&mut **tx)
            .await?;
    }
    let before = serde_json::json!({
        "full_name": p.full_name, "birth_year": p.birth_year, "gender": p.gender,
        "phone": p.phone, "email": p.email,
    });
    let mut after = serde_json::json!({
        "full_name": name, "birth_year": birth_year, "gender": gender, "phone": phone, "email": email,
        "by": by.label(), "reason": ch.reason,
    });
    if ch.contact() && confirmed {
        after["contact_confirmed_by_officer"] = serde_json::Value::Bool(true);
    }
    let change = Change {
        unit_id: Some(p.unit_id),
        entity: "person",
        entity_id: p.id.to_string(),
        action: "correct",
        before: Some(before),
        after: Some(after),
    };
    audit::record(tx, by.actor(), change).await?;
    Ok(names)
}

/// A new 6-digit code.
fn six_digits() -> String {
    use rand::Rng;
    format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000))
}

/// Stores a phone or email change waiting for the owner's code, and sends the code.
async fn ask_code(
    tx: &mut Tx<'_>,
    p: &Person,
    phone: Option<Option<PhoneNumber>>,
    email: Option<Option<EmailAddress>>,
    by: By,
) -> Result<PendingContact, AppError> {
    let (field, value) = match (phone, email) {
        (Some(v), _) => (
            "phone",
            v.map(|v| v.as_str().to_owned()).unwrap_or_default(),
        ),
        (None, Some(v)) => (
            "email",
            v.map(|v| v.as_str().to_owned()).unwrap_or_default(),
        ),
        (None, None) => return Err(nothing_to_do()),
    };
    let code = six_digits();
    let t = now();
    // One change waits at a time: a new request replaces the one before.
    sqlx::query("DELETE FROM contact_changes WHERE person_id = $1 AND done_at IS NULL")
        .bind(p.id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO contact_changes (person_id, field, new_value, code_hash, created_at, expires_at, requested_by) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(p.id)
        .bind(field)
        .bind(&value)
        .bind(secret_hash(&code))
        .bind(t)
        .bind(t + CODE_SECONDS)
        .bind(by.actor().person_id)
        .execute(&mut **tx)
        .await?;
    let change = Change {
        unit_id: Some(p.unit_id),
        entity: "person",
        entity_id: p.id.to_string(),
        action: "contact_change_requested",
        before: None,
        after: Some(serde_json::json!({ "field": field, "by": by.label() })),
    };
    audit::record(tx, by.actor(), change).await?;
    crate::notify::send(tx, p.id, crate::notify::Notice::PhoneChangeCode { code }).await?;
    Ok(PendingContact {
        field: field.to_owned(),
        expires_at: t + CODE_SECONDS,
    })
}
