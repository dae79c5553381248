//! People in the database. The national ID number is stored whole and leaves this module only
//! masked (`0012******89`).

use crate::auth::Viewer;
use crate::db::Db;
use khuyenhoc_domain::identity::mask_national_id;
use khuyenhoc_domain::PhoneNumber;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Person {
    pub id: i64,
    pub full_name: String,
    pub birth_year: Option<i64>,
    pub gender: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub national_id_masked: Option<String>,
    pub unit_code: String,
    pub unit_name: String,
    #[serde(skip)]
    pub unit_path: String,
    #[serde(skip)]
    pub unit_id: i64,
    pub has_password: bool,
    pub must_change_password: bool,
}

impl Person {
    pub fn gender_labels(&self) -> (&'static str, &'static str) {
        match self.gender.as_deref().map(khuyenhoc_domain::Gender::parse) {
            Some(Ok(g)) => (g.label_vi(), g.label_en()),
            _ => ("", ""),
        }
    }
}

pub const SELECT: &str =
    "SELECT pe.id, pe.full_name, pe.birth_year, pe.gender, pe.phone, pe.email, pe.national_id, \
    u.code, u.name, u.path, u.id, pe.password_hash, pe.must_change_password \
    FROM people pe JOIN units u ON u.id = pe.unit_id";

pub fn from_row(r: &AnyRow) -> Result<Person, sqlx::Error> {
    Ok(Person {
        id: r.try_get(0)?,
        full_name: r.try_get(1)?,
        birth_year: r.try_get(2)?,
        gender: r.try_get(3)?,
        phone: r.try_get(4)?,
        email: r.try_get(5)?,
        national_id_masked: r
            .try_get::<Option<String>, _>(6)?
            .map(|n| mask_national_id(&n)),
        unit_code: r.try_get(7)?,
        unit_name: r.try_get(8)?,
        unit_path: r.try_get(9)?,
        unit_id: r.try_get(10)?,
        has_password: r.try_get::<Option<String>, _>(11)?.is_some(),
        must_change_password: r.try_get::<i64, _>(12)? != 0,
    })
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Person>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE pe.id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| from_row(&r))
        .transpose()
}

pub async fn for_unit(db: &Db, unit_id: i64, limit: i64) -> Result<Vec<Person>, sqlx::Error> {
    let sql = format!(
        "{SELECT} WHERE pe.unit_id = $1 \
         AND NOT EXISTS (SELECT 1 FROM person_merges pm WHERE pm.merged_id = pe.id) \
         ORDER BY pe.name_folded, pe.id LIMIT {}",
        limit.clamp(1, 1000)
    );
    sqlx::query(&sql)
        .bind(unit_id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// How a form names a person: by id or by phone number.
#[derive(Debug, Clone)]
pub enum Lookup {
    Id(i64),
    Phone(PhoneNumber),
}

/// The person, if the viewer may see them: themself, or anyone whose unit is in scope.
pub async fn find_visible(
    db: &Db,
    viewer: &Viewer,
    lookup: &Lookup,
) -> Result<Option<Person>, sqlx::Error> {
    let person = match lookup {
        Lookup::Id(id) => by_id(db, *id).await?,
        Lookup::Phone(p) => {
            let sql = format!("{SELECT} WHERE pe.phone = $1");
            sqlx::query(&sql)
                .bind(p.as_str())
                .fetch_optional(&db.pool)
                .await?
                .map(|r| from_row(&r))
                .transpose()?
        }
    };
    Ok(person.filter(|p| p.id == viewer.person_id || viewer.can_read(&p.unit_path)))
}

/// A login name as the person typed it, read the way the accounts are stored: a phone number in
/// any usual form (`0900.000.002`, `+84900000002`) is that number, anything else an email in
/// lowercase. One account has one login name, whatever was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginName {
    Phone(PhoneNumber),
    Email(String),
}

impl LoginName {
    pub fn parse(typed: &str) -> LoginName {
        match PhoneNumber::parse(typed) {
            Ok(phone) => LoginName::Phone(phone),
            Err(_) => LoginName::Email(typed.trim().to_lowercase()),
        }
    }

    /// The key the login throttle counts this account's failures under.
    pub fn throttle_key(&self) -> String {
        match self {
            LoginName::Phone(p) => format!("phone:{}", p.as_str()),
            LoginName::Email(e) => format!("email:{e}"),
        }
    }
}

/// The person and stored password hash for a login name.
pub async fn credentials(
    db: &Db,
    login: &LoginName,
) -> Result<Option<(i64, Option<String>)>, sqlx::Error> {
    let (sql, value) = match login {
        // The record with this number and a login; else the applicant's own pending record of a
        // registration waiting to be merged into an officer-made record of this number (it holds
        // no phone until then); else the record with the number and no login.
        LoginName::Phone(phone) => (
            "SELECT id, password_hash, 0 FROM people WHERE phone = $1 AND password_hash IS NOT NULL \
             UNION ALL SELECT p.id, p.password_hash, 1 FROM registrations r JOIN people p ON p.id = r.person_id \
             WHERE r.phone = $1 AND r.status = 'pending' AND r.match_person_id IS NOT NULL \
             UNION ALL SELECT id, password_hash, 2 FROM people WHERE phone = $1 AND password_hash IS NULL \
             ORDER BY 3 LIMIT 1",
            phone.as_str().to_owned(),
        ),
        LoginName::Email(email) => (
            "SELECT id, password_hash FROM people WHERE email = $1",
            email.clone(),
        ),
    };
    let row = sqlx::query(sql)
        .bind(value)
        .fetch_optional(&db.pool)
        .await?;
    row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
}
