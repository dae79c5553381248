//! One person's lifelong-learning record, read from the tables that hold its parts: one query
//! per kind (evaluations, certificates, scholarships and awards, trainings), each in order over
//! the years. A person's record is small (one evaluation per model and year, a few payments):
//! each kind is read whole up to [`CAP`] rows, and the record says when one was cut.

use crate::db::Db;
use crate::error::AppError;
use serde::Serialize;
use sqlx::Row;

/// The most rows of one kind a record carries (a lifetime holds far fewer; `capped` says so
/// when one kind reached it).
pub const CAP: i64 = 500;

/// Who reads the record decides what of the person it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The person, or an officer in scope: the phone and the masked ID number.
    Inside,
    /// A stranger through a share link: no ID number, the phone masked.
    Shared,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "LearningRecord")]
pub struct Record {
    /// When this copy was read (RFC 3339, UTC).
    pub generated_at: String,
    pub person: RecordPerson,
    /// Learning title evaluations, oldest year first.
    pub evaluations: Vec<RecordEvaluation>,
    /// Certificates of the titles recognised, oldest first (revoked ones too, marked).
    pub certificates: Vec<RecordCertificate>,
    /// Scholarships and awards paid to the person, oldest first (a reversed payment is left out).
    pub awards: Vec<RecordAward>,
    /// Trainings attended, oldest first: empty until meetings exist (see [`trainings`]).
    pub trainings: Vec<RecordTraining>,
    /// Whether one kind reached [`CAP`] rows and was cut there.
    pub capped: bool,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "LearningRecordPerson")]
pub struct RecordPerson {
    pub id: i64,
    pub full_name: String,
    pub birth_year: Option<i64>,
    pub unit_name: String,
    /// The phone; masked (`090*****02`) on a shared record.
    pub phone: Option<String>,
    /// The ID number, masked; never on a shared record.
    pub national_id_masked: Option<String>,
    #[serde(skip)]
    pub unit_path: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "LearningRecordEvaluation")]
pub struct RecordEvaluation {
    pub id: i64,
    /// `citizen`, `family`, …
    pub model: String,
    pub year: i64,
    pub unit_name: String,
    /// The lifecycle status code (`registered`, …, `recognised`).
    pub status: String,
    /// Whether the title was revoked after recognition.
    pub revoked: bool,
    pub total: i64,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "LearningRecordCertificate")]
pub struct RecordCertificate {
    /// The certificate code; its public page is `/verify/{code}`.
    pub code: String,
    pub model: String,
    pub title_vi: String,
    pub year: i64,
    pub decision_no: String,
    /// `YYYY-MM-DD`.
    pub decision_date: String,
    /// `YYYY-MM-DD`.
    pub valid_until: String,
    /// `valid`, `expired` or `revoked`.
    pub status: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "LearningRecordAward")]
pub struct RecordAward {
    /// `scholarship` or `award`.
    pub kind: String,
    pub programme: String,
    /// The fund's unit.
    pub unit_name: String,
    /// Whole đồng.
    pub amount: i64,
    /// The payment's day, `YYYY-MM-DD`.
    pub paid_on: String,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "LearningRecordTraining")]
pub struct RecordTraining {
    pub title: String,
    pub unit_name: String,
    /// `YYYY-MM-DD`.
    pub held_on: String,
}

impl RecordCertificate {
    pub fn status_words(&self) -> (&'static str, &'static str) {
        match self.status.as_str() {
            "valid" => ("Còn hiệu lực", "Valid"),
            "expired" => ("Đã hết hạn", "Expired"),
            _ => ("Đã bị thu hồi", "Revoked"),
        }
    }
}

impl RecordAward {
    pub fn kind_words(&self) -> (&'static str, &'static str) {
        if self.kind == "award" {
            ("Giải thưởng", "Award")
        } else {
            ("Học bổng", "Scholarship")
        }
    }
}

/// "0900000002" → "090*****02": enough to recognise, not to call.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() <= 5 {
        return "*".repeat(chars.len());
    }
    let keep_end = chars.len() - 2;
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < 3 || i >= keep_end { *c } else { '*' })
        .collect()
}

/// The person's record as `audience` may read it; not found for an unknown person.
pub async fn gather(db: &Db, person_id: i64, audience: Audience) -> Result<Record, AppError> {
    let p = crate::accounts::model::by_id(db, person_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let person = RecordPerson {
        id: p.id,
        full_name: p.full_name,
        birth_year: p.birth_year,
        unit_name: p.unit_name,
        phone: match audience {
            Audience::Inside => p.phone,
            Audience::Shared => p.phone.as_deref().map(mask_phone),
        },
        national_id_masked: match audience {
            Audience::Inside => p.national_id_masked,
            Audience::Shared => None,
        },
        unit_path: p.unit_path,
    };
    let evaluations = evaluations(db, person_id).await?;
    let certificates = certificates(db, person_id).await?;
    let awards = awards(db, person_id).await?;
    let trainings = trainings(db, person_id).await?;
    let cap = usize::try_from(CAP).unwrap_or(usize::MAX);
    let capped = [
        evaluations.len(),
        certificates.len(),
        awards.len(),
        trainings.len(),
    ]
    .iter()
    .any(|n| *n >= cap);
    Ok(Record {
        generated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        person,
        evaluations,
        certificates,
        awards,
        trainings,
        capped,
    })
}

async fn evaluations(db: &Db, person_id: i64) -> Result<Vec<RecordEvaluation>, AppError> {
    let rows = sqlx::query(
        "SELECT e.id, e.model, e.year, u.name, e.status, e.revoked_at, e.total FROM evaluations e \
         JOIN units u ON u.id = e.unit_id WHERE e.subject_kind = 'person' AND e.subject_id = $1 \
         ORDER BY e.year, e.id LIMIT $2",
    )
    .bind(person_id)
    .bind(CAP)
    .fetch_all(&db.pool)
    .await?;
    let out = rows
        .iter()
        .map(|r| {
            Ok(RecordEvaluation {
                id: r.try_get(0)?,
                model: r.try_get(1)?,
                year: r.try_get(2)?,
                unit_name: r.try_get(3)?,
                status: r.try_get(4)?,
                revoked: r.try_get::<Option<i64>, _>(5)?.is_some(),
                total: r.try_get(6)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(out)
}

async fn certificates(db: &Db, person_id: i64) -> Result<Vec<RecordCertificate>, AppError> {
    let rows = sqlx::query(
        "SELECT c.code, e.model, cs.title_vi, e.year, r.decision_no, r.decision_date, r.valid_until, c.revoked_at \
         FROM certificates c JOIN evaluations e ON e.id = c.evaluation_id \
         JOIN criteria_sets cs ON cs.id = e.set_id JOIN recognitions r ON r.evaluation_id = e.id \
         WHERE e.subject_kind = 'person' AND e.subject_id = $1 ORDER BY e.year, c.id LIMIT $2",
    )
    .bind(person_id)
    .bind(CAP)
    .fetch_all(&db.pool)
    .await?;
    let today = crate::db::today();
    let out = rows
        .iter()
        .map(|r| {
            let valid_until: String = r.try_get(6)?;
            let status = if r.try_get::<Option<i64>, _>(7)?.is_some() {
                "revoked"
            } else if valid_until < today {
                "expired"
            } else {
                "valid"
            };
            Ok(RecordCertificate {
                code: r.try_get(0)?,
                model: r.try_get(1)?,
                title_vi: r.try_get(2)?,
                year: r.try_get(3)?,
                decision_no: r.try_get(4)?,
                decision_date: r.try_get(5)?,
                valid_until,
                status: status.to_owned(),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(out)
}

async fn awards(db: &Db, person_id: i64) -> Result<Vec<RecordAward>, AppError> {
    let rows = sqlx::query(
        "SELECT p.kind, p.name, u.name, p.amount_each, le.occurred_on FROM nominations n \
         JOIN programmes p ON p.id = n.programme_id JOIN funds f ON f.id = p.fund_id \
         JOIN units u ON u.id = f.unit_id JOIN ledger_entries le ON le.id = n.payment_entry_id \
         WHERE n.person_id = $1 AND n.status = 'paid' \
         AND NOT EXISTS (SELECT 1 FROM ledger_entries x WHERE x.reverses_id = le.id) \
         ORDER BY le.occurred_on, n.id LIMIT $2",
    )
    .bind(person_id)
    .bind(CAP)
    .fetch_all(&db.pool)
    .await?;
    let out = rows
        .iter()
        .map(|r| {
            Ok(RecordAward {
                kind: r.try_get(0)?,
                programme: r.try_get(1)?,
                unit_name: r.try_get(2)?,
                amount: r.try_get(3)?,
                paid_on: r.try_get(4)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(out)
}

/// The trainings (meetings of kind `training`) a person was marked present at, oldest first,
/// at most [`CAP`] rows; the day is the training's start in Vietnam.
pub async fn trainings(db: &Db, person_id: i64) -> Result<Vec<RecordTraining>, AppError> {
    let rows = sqlx::query(
        "SELECT m.title, u.name, m.starts_at FROM meeting_attendance a \
         JOIN meetings m ON m.id = a.meeting_id JOIN units u ON u.id = m.unit_id \
         WHERE a.person_id = $1 AND m.kind = 'training' ORDER BY m.starts_at, m.id LIMIT $2",
    )
    .bind(person_id)
    .bind(CAP)
    .fetch_all(&db.pool)
    .await?;
    let out = rows
        .iter()
        .map(|r| {
            let start: i64 = r.try_get(2)?;
            Ok(RecordTraining {
                title: r.try_get(0)?,
                unit_name: r.try_get(1)?,
                held_on: crate::meetings::model::vn_time(start)
                    .get(..10)
                    .unwrap_or_default()
                    .to_owned(),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::mask_phone;

    #[test]
    fn phones_are_masked_in_the_middle() {
        assert_eq!(mask_phone("0900000002"), "090*****02");
        assert_eq!(mask_phone("+84912345678"), "+84*******78");
        assert_eq!(mask_phone("123"), "***");
    }
}
