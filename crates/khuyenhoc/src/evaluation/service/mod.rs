//! The lifecycle operations, shared by the pages, the API and the batch import. Each one checks
//! who may act (the subject themself, a household head, or an officer whose position covers the
//! evaluation's unit), moves the state machine, records an event and an audit entry in the same
//! transaction. Outside the viewer's scope everything answers "not found".

use super::lifecycle::Status;
use super::model::{self, Answers, Evaluation};
use super::score;
use crate::audit::{self, Actor, Change};
use crate::auth::Viewer;
use crate::db::{now, Db, Tx};
use crate::error::AppError;
use crate::reports::counters;

pub use super::model::Acting;

mod answers;
mod register;
mod review;
pub use answers::*;
pub use register::*;
pub use review::*;

/// The subject of a new evaluation.
#[derive(Debug, Clone)]
pub enum SubjectRef {
    Person(i64),
    Group(i64),
    Unit(String),
}

struct Subject {
    kind: &'static str,
    id: i64,
    name: String,
    unit_id: i64,
    unit_path: String,
    head_person_id: Option<i64>,
}

async fn subject(db: &Db, r: &SubjectRef) -> Result<Subject, AppError> {
    use sqlx::Row;
    let row = match r {
        SubjectRef::Person(id) => sqlx::query("SELECT pe.id, pe.full_name, u.id, u.path, pe.id FROM people pe JOIN units u ON u.id = pe.unit_id WHERE pe.id = $1").bind(*id).fetch_optional(&db.pool).await?,
        SubjectRef::Group(id) => sqlx::query("SELECT g.id, g.name, u.id, u.path, g.head_person_id FROM learning_groups g JOIN units u ON u.id = g.unit_id WHERE g.id = $1").bind(*id).fetch_optional(&db.pool).await?,
        SubjectRef::Unit(code) => sqlx::query("SELECT u.id, u.name, u.id, u.path, NULL FROM units u WHERE u.code = $1 AND u.valid_to IS NULL").bind(code.as_str()).fetch_optional(&db.pool).await?,
    };
    let row = row.ok_or(AppError::NotFound)?;
    Ok(Subject {
        kind: match r {
            SubjectRef::Person(_) => "person",
            SubjectRef::Group(_) => "group",
            SubjectRef::Unit(_) => "unit",
        },
        id: row.try_get(0)?,
        name: row.try_get(1)?,
        unit_id: row.try_get(2)?,
        unit_path: row.try_get(3)?,
        head_person_id: row.try_get(4)?,
    })
}

/// The viewer acts for themself, as a household head, or as an officer with `right`.
fn acting(
    viewer: &Viewer,
    subject_kind: &str,
    subject_id: i64,
    head: Option<i64>,
    unit_path: &str,
    right: &str,
) -> Option<Acting> {
    if subject_kind == "person" && subject_id == viewer.person_id {
        return Some(Acting {
            actor: Actor::new(viewer.person_id, None),
            on_behalf: false,
        });
    }
    if subject_kind == "group" && head == Some(viewer.person_id) {
        return Some(Acting {
            actor: Actor::new(viewer.person_id, None),
            on_behalf: true,
        });
    }
    viewer.position_for(right, unit_path).map(|p| Acting {
        actor: Actor::new(viewer.person_id, Some(p.position_id)),
        on_behalf: true,
    })
}

async fn head_of(db: &Db, e: &Evaluation) -> Result<Option<i64>, sqlx::Error> {
    if e.subject_kind != "group" {
        return Ok(None);
    }
    sqlx::query_scalar("SELECT head_person_id FROM learning_groups WHERE id = $1")
        .bind(e.subject_id)
        .fetch_one(&db.pool)
        .await
}

/// The evaluation, if the viewer may read it (its subject, a household head, or an officer
/// whose unit covers it).
pub async fn visible(db: &Db, viewer: &Viewer, id: i64) -> Result<Evaluation, AppError> {
    let e = model::by_id(db, id).await?.ok_or(AppError::NotFound)?;
    let head = head_of(db, &e).await?;
    let own = (e.subject_kind == "person" && e.subject_id == viewer.person_id)
        || head == Some(viewer.person_id);
    if own || viewer.can_read(&e.unit_path) {
        Ok(e)
    } else {
        Err(AppError::NotFound)
    }
}

async fn event(
    tx: &mut Tx<'_>,
    evaluation_id: i64,
    acting: Acting,
    action: &str,
    note: Option<&str>,
) -> Result<(), sqlx::Error> {
    let e = super::bulk::Event {
        evaluation_id,
        acting,
        action,
        note,
    };
    super::bulk::events(tx, &[e]).await
}

async fn audit_step(
    tx: &mut Tx<'_>,
    a: Acting,
    e: &Evaluation,
    action: &str,
    before: serde_json::Value,
    after: serde_json::Value,
) -> Result<(), sqlx::Error> {
    let change = Change {
        unit_id: Some(e.unit_id),
        entity: "evaluation",
        entity_id: e.id.to_string(),
        action,
        before: Some(before),
        after: Some(after),
    };
    audit::record(tx, a.actor, change).await
}

/// Whether the commune of a unit path is marked as a disadvantaged area for `year`
/// (`org::disadvantaged`).
pub(crate) async fn disadvantaged(
    db: &Db,
    unit_path: &str,
    year: i64,
) -> Result<bool, sqlx::Error> {
    crate::org::disadvantaged::is_marked(db, unit_path, year).await
}

/// The province code in a unit path (`/VN/01/…` → `01`), `VN` for the centre.
pub(crate) fn province_of(unit_path: &str) -> &str {
    unit_path
        .trim_matches('/')
        .split('/')
        .nth(1)
        .unwrap_or("VN")
}

/// Messages joined into one line each (Vietnamese, English).
fn joined<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> (String, String) {
    let (vi, en): (Vec<&str>, Vec<&str>) = pairs.unzip();
    (vi.join("; "), en.join("; "))
}

/// The live counters an evaluation's change moves, from what the locked row says it was to
/// what it becomes. Built without reading the database again; applied by the caller as the last
/// step before commit, so the shared counter rows of the commune, province and centre stay
/// locked only for that statement and the commit.
pub(crate) struct CounterMove {
    before: counters::EvalFacts,
    after: counters::EvalFacts,
}

impl CounterMove {
    fn of(e: &Evaluation, next: Status) -> Self {
        let before = counters::EvalFacts {
            unit_id: e.unit_id,
            year: e.year,
            model: e.model.clone(),
            form_group: e.form_group.clone(),
            status: e.status.code().to_owned(),
            // A status still moves only before recognition: a revoked title never moves again.
            revoked: false,
        };
        let after = counters::EvalFacts {
            status: next.code().to_owned(),
            ..before.clone()
        };
        CounterMove { before, after }
    }

    pub(crate) async fn apply(self, tx: &mut Tx<'_>) -> Result<(), sqlx::Error> {
        counters::evaluation_changed(tx, Some(&self.before), Some(&self.after)).await
    }
}

/// Changes the status of a locked evaluation; the caller applies the returned counter move.
async fn set_status(
    tx: &mut Tx<'_>,
    e: &Evaluation,
    next: Status,
) -> Result<CounterMove, AppError> {
    sqlx::query("UPDATE evaluations SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(next.code())
        .bind(now())
        .bind(e.id)
        .execute(&mut **tx)
        .await?;
    Ok(CounterMove::of(e, next))
}

/// Locks the evaluation row for the rest of the transaction and reads it again.
pub(crate) async fn lock(tx: &mut Tx<'_>, id: i64) -> Result<Evaluation, AppError> {
    model::lock_tx(tx, id).await?.ok_or(AppError::NotFound)
}

fn not_now(step: &str) -> AppError {
    AppError::bad_request(
        format!("Không thể {step} ở bước này của hồ sơ"),
        format!(
            "This evaluation cannot be {step_en} at its current step",
            step_en = match step {
                "sửa" => "changed",
                "nộp" => "submitted",
                "kiểm tra" => "checked",
                "trả lại" => "returned",
                _ => "reviewed",
            }
        ),
    )
}

/// Writes the answers, score and status of a locked evaluation, and the disadvantaged-area flag
/// the score used; the caller applies the returned counter move.
async fn write_state(
    tx: &mut Tx<'_>,
    e: &Evaluation,
    status: Status,
    answers: &Answers,
    sc: &score::Scored,
) -> Result<CounterMove, AppError> {
    let answers = serde_json::to_string(answers).map_err(|err| anyhow::anyhow!(err))?;
    sqlx::query("UPDATE evaluations SET status = $1, answers = $2, total = $3, passed = $4, level = $5, updated_at = $6, disadvantaged = $7 WHERE id = $8")
        .bind(status.code())
        .bind(answers)
        .bind(sc.total)
        .bind(i64::from(sc.passed))
        .bind(sc.level)
        .bind(now())
        .bind(i64::from(sc.disadvantaged))
        .bind(e.id)
        .execute(&mut **tx)
        .await?;
    Ok(CounterMove::of(e, status))
}

/// An officer acts with `right` over the evaluation's unit.
/// Whether the evaluation is the viewer's own: theirs as a person, or a group's they head.
pub(crate) async fn own(db: &Db, viewer: &Viewer, e: &Evaluation) -> Result<bool, sqlx::Error> {
    Ok(
        (e.subject_kind == "person" && e.subject_id == viewer.person_id)
            || head_of(db, e).await? == Some(viewer.person_id),
    )
}

/// No one checks, reviews, recognises or revokes their own record, whatever their positions.
pub(crate) fn own_record() -> AppError {
    AppError::Refused {
        vi: "Đây là hồ sơ của chính bạn: bạn không thể kiểm tra, xét, công nhận hay thu hồi nó. Một cán bộ khác của chi hội, hội khuyến học xã hoặc cấp trên phải làm việc này".into(),
        en: "This is your own record: you cannot check, review, recognise or revoke it. Another officer of the branch, the commune association or a level above must do it".into(),
    }
}

/// The viewer as an officer with `right` over the evaluation, never over their own.
pub(crate) async fn officer(
    db: &Db,
    viewer: &Viewer,
    e: &Evaluation,
    right: &str,
) -> Result<Acting, AppError> {
    let acting = officer_of(viewer, e, right)?;
    if own(db, viewer, e).await? {
        return Err(own_record());
    }
    Ok(acting)
}

fn officer_of(viewer: &Viewer, e: &Evaluation, right: &str) -> Result<Acting, AppError> {
    Ok(Acting {
        actor: viewer.actor_for(right, &e.unit_path)?,
        on_behalf: false,
    })
}
