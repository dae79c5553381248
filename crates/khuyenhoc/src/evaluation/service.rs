//! The lifecycle operations, shared by the pages, the API and the batch import. Each one checks
//! who may act (the subject themself, a household head, or an officer whose position covers the
//! evaluation's unit), moves the state machine, records an event and an audit entry in the same
//! transaction. Outside the viewer's scope everything answers "not found".

use super::lifecycle::{Status, Step};
use super::model::{self, Answers, Evaluation};
use super::{score, sets};
use crate::audit::{self, Actor, Change};
use crate::auth::{perm, Viewer};
use crate::db::{is_unique_violation, now, Db, Tx};
use crate::error::{AppError, FieldError};
use crate::reports::counters;
use crate::state::AppState;
use khuyenhoc_domain::Invalid;
use std::collections::BTreeMap;

pub use super::model::Acting;

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
    a: Acting,
    action: &str,
    note: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO evaluation_events (evaluation_id, at, person_id, position_id, on_behalf, action, note) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(evaluation_id)
        .bind(now())
        .bind(a.actor.person_id)
        .bind(a.actor.position_id)
        .bind(i64::from(a.on_behalf))
        .bind(action)
        .bind(note)
        .execute(&mut **tx)
        .await
        .map(|_| ())
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

/// Whether the commune of a unit path is marked as a disadvantaged area.
async fn disadvantaged(db: &Db, unit_path: &str) -> Result<bool, sqlx::Error> {
    let codes: Vec<&str> = unit_path.trim_matches('/').split('/').collect();
    let Some(commune) = codes.get(2) else {
        return Ok(false);
    };
    let flag: Option<i64> = sqlx::query_scalar("SELECT disadvantaged FROM units WHERE code = $1")
        .bind(*commune)
        .fetch_optional(&db.pool)
        .await?;
    Ok(flag.unwrap_or(0) != 0)
}

fn province_of(unit_path: &str) -> &str {
    unit_path
        .trim_matches('/')
        .split('/')
        .nth(1)
        .unwrap_or("VN")
}

#[derive(Debug, Clone)]
pub struct Register {
    pub model: String,
    pub subject: SubjectRef,
    pub year: i64,
    pub form_group: Option<String>,
}

pub async fn register(
    state: &AppState,
    viewer: &Viewer,
    r: &Register,
) -> Result<Evaluation, AppError> {
    let db = &state.db;
    let s = subject(db, &r.subject).await?;
    let a = acting(
        viewer,
        s.kind,
        s.id,
        s.head_person_id,
        &s.unit_path,
        perm::EVALUATION_ENTER,
    )
    .ok_or(AppError::NotFound)?;
    let this_year = i64::from(chrono::Datelike::year(&chrono::Utc::now()));
    if r.year < 2020 || r.year > this_year + 1 {
        return Err(AppError::field(
            "year",
            Invalid::new("Năm đăng ký không hợp lệ", "Invalid year"),
        ));
    }
    score::check_subject(&r.model, s.kind)?;
    let (set_id, set) = sets::effective(state, &r.model, province_of(&s.unit_path), r.year).await?;
    let form_group = score::check_form_group(&set, r.form_group.as_deref())?;
    let flag = disadvantaged(db, &s.unit_path).await?;
    let t = now();
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO evaluations (model, subject_kind, subject_id, subject_name, unit_id, year, set_id, form_group, disadvantaged, status, answers, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'registered', '{}', $10, $10) RETURNING id",
    )
    .bind(&r.model)
    .bind(s.kind)
    .bind(s.id)
    .bind(&s.name)
    .bind(s.unit_id)
    .bind(r.year)
    .bind(set_id)
    .bind(&form_group)
    .bind(i64::from(flag))
    .bind(t)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e, "evaluations_subject_year") {
            AppError::Conflict(FieldError::new("year", Invalid::new("Đã đăng ký danh hiệu này cho năm này rồi", "Already registered for this title and year")))
        } else {
            e.into()
        }
    })?;
    let e = model::by_id_tx(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let facts = counters::EvalFacts::load(&mut tx, id).await?;
    counters::evaluation_changed(&mut tx, None, facts.as_ref()).await?;
    event(&mut tx, id, a, "register", None).await?;
    audit_step(&mut tx, a, &e, "register", serde_json::json!(null), serde_json::json!({"model": r.model, "year": r.year, "form_group": form_group, "set_id": set_id})).await?;
    tx.commit().await?;
    Ok(e)
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
struct CounterMove {
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
        };
        let after = counters::EvalFacts {
            status: next.code().to_owned(),
            ..before.clone()
        };
        CounterMove { before, after }
    }

    async fn apply(self, tx: &mut Tx<'_>) -> Result<(), sqlx::Error> {
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
async fn lock(tx: &mut Tx<'_>, id: i64) -> Result<Evaluation, AppError> {
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

/// Writes the answers, score and status of a locked evaluation; the caller applies the returned
/// counter move.
async fn write_state(
    tx: &mut Tx<'_>,
    e: &Evaluation,
    status: Status,
    answers: &Answers,
    sc: &score::Scored,
) -> Result<CounterMove, AppError> {
    let answers = serde_json::to_string(answers).map_err(|err| anyhow::anyhow!(err))?;
    sqlx::query("UPDATE evaluations SET status = $1, answers = $2, total = $3, passed = $4, level = $5, updated_at = $6 WHERE id = $7")
        .bind(status.code())
        .bind(answers)
        .bind(sc.total)
        .bind(i64::from(sc.passed))
        .bind(sc.level)
        .bind(now())
        .bind(e.id)
        .execute(&mut **tx)
        .await?;
    Ok(CounterMove::of(e, status))
}

/// Saves answers (indicator code → points or count; `None` clears). Only while editable.
pub async fn save_answers(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    values: &BTreeMap<String, Option<u32>>,
) -> Result<(Evaluation, score::Scored), AppError> {
    let db = &state.db;
    let e = visible(db, viewer, id).await?;
    let head = head_of(db, &e).await?;
    let a = acting(
        viewer,
        &e.subject_kind,
        e.subject_id,
        head,
        &e.unit_path,
        perm::EVALUATION_ENTER,
    )
    .ok_or(AppError::NotFound)?;
    let set = sets::by_id(state, e.set_id).await?;
    score::check_values(&set, e.form_group.as_deref(), values)?;
    let mut tx = db.begin().await?;
    let e = lock(&mut tx, id).await?;
    if !e.status.editable() {
        return Err(not_now("sửa"));
    }
    let mut answers = e.answers.clone();
    for (code, v) in values {
        let entry = answers.entry(code.clone()).or_default();
        entry.value = *v;
    }
    let sc = score::score_in(&mut tx, &set, &e, &answers).await?;
    let moved = write_state(&mut tx, &e, e.status, &answers, &sc).await?;
    let before: BTreeMap<&String, Option<u32>> = values
        .keys()
        .map(|k| (k, e.answers.get(k).and_then(|x| x.value)))
        .collect();
    audit_step(
        &mut tx,
        a,
        &e,
        "save_answers",
        serde_json::json!(before),
        serde_json::json!(values),
    )
    .await?;
    moved.apply(&mut tx).await?;
    tx.commit().await?;
    let e = model::by_id(db, id).await?.ok_or(AppError::NotFound)?;
    Ok((e, sc))
}

pub async fn submit(state: &AppState, viewer: &Viewer, id: i64) -> Result<Evaluation, AppError> {
    let db = &state.db;
    let e = visible(db, viewer, id).await?;
    let head = head_of(db, &e).await?;
    let a = acting(
        viewer,
        &e.subject_kind,
        e.subject_id,
        head,
        &e.unit_path,
        perm::EVALUATION_ENTER,
    )
    .ok_or(AppError::NotFound)?;
    let set = sets::by_id(state, e.set_id).await?;
    let mut tx = db.begin().await?;
    let e = lock(&mut tx, id).await?;
    let next = e.status.after(Step::Submit).ok_or_else(|| not_now("nộp"))?;
    let sc = score::score_in(&mut tx, &set, &e, &e.answers).await?;
    if !sc.missing.is_empty() {
        let (vi, en) = joined(sc.missing.iter().map(|m| (m.1.as_str(), m.2.as_str())));
        return Err(AppError::Unprocessable {
            vi: format!("Chưa thể nộp: {vi}"),
            en: format!("Not ready to submit: {en}"),
        });
    }
    let moved = write_state(&mut tx, &e, next, &e.answers, &sc).await?;
    event(&mut tx, id, a, "submit", None).await?;
    audit_step(
        &mut tx,
        a,
        &e,
        "submit",
        serde_json::json!({"status": e.status.code()}),
        serde_json::json!({"status": next.code(), "total": sc.total}),
    )
    .await?;
    moved.apply(&mut tx).await?;
    tx.commit().await?;
    model::by_id(db, id).await?.ok_or(AppError::NotFound)
}

/// An officer acts with `right` over the evaluation's unit.
fn officer(viewer: &Viewer, e: &Evaluation, right: &str) -> Result<Acting, AppError> {
    Ok(Acting {
        actor: viewer.actor_for(right, &e.unit_path)?,
        on_behalf: false,
    })
}

/// The branch checks a submitted evaluation.
pub async fn check(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    note: Option<&str>,
) -> Result<Evaluation, AppError> {
    let db = &state.db;
    let e = visible(db, viewer, id).await?;
    let a = officer(viewer, &e, perm::EVALUATION_CHECK)?;
    let mut tx = db.begin().await?;
    let e = lock(&mut tx, id).await?;
    let next = e
        .status
        .after(Step::Check)
        .ok_or_else(|| not_now("kiểm tra"))?;
    let moved = set_status(&mut tx, &e, next).await?;
    event(&mut tx, id, a, "check", note).await?;
    audit_step(
        &mut tx,
        a,
        &e,
        "check",
        serde_json::json!({"status": e.status.code()}),
        serde_json::json!({"status": next.code(), "note": note}),
    )
    .await?;
    moved.apply(&mut tx).await?;
    tx.commit().await?;
    model::by_id(db, id).await?.ok_or(AppError::NotFound)
}

fn need_reason(reason: &str) -> Result<String, AppError> {
    let r = khuyenhoc_domain::text::clean(reason);
    if r.chars().count() < 3 || r.chars().count() > 2000 {
        return Err(AppError::field(
            "reason",
            Invalid::new(
                "Cần ghi rõ lý do (từ 3 đến 2000 ký tự)",
                "Give a reason (3 to 2,000 characters)",
            ),
        ));
    }
    Ok(r)
}

/// The branch or the commune returns the evaluation to its subject, with a reason.
pub async fn return_back(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    reason: &str,
) -> Result<Evaluation, AppError> {
    let db = &state.db;
    let reason = need_reason(reason)?;
    let e = visible(db, viewer, id).await?;
    let a = officer(viewer, &e, perm::EVALUATION_RECOGNISE)
        .or_else(|_| officer(viewer, &e, perm::EVALUATION_CHECK))?;
    let mut tx = db.begin().await?;
    let e = lock(&mut tx, id).await?;
    let next = e
        .status
        .after(Step::Return)
        .ok_or_else(|| not_now("trả lại"))?;
    let moved = set_status(&mut tx, &e, next).await?;
    event(&mut tx, id, a, "return", Some(&reason)).await?;
    audit_step(
        &mut tx,
        a,
        &e,
        "return",
        serde_json::json!({"status": e.status.code()}),
        serde_json::json!({"status": next.code(), "reason": reason}),
    )
    .await?;
    moved.apply(&mut tx).await?;
    tx.commit().await?;
    model::by_id(db, id).await?.ok_or(AppError::NotFound)
}

/// A reviewer's change to one indicator.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Adjustment {
    pub adjusted: Option<u32>,
    pub comment: Option<String>,
}

/// The commune's decision.
#[derive(Debug, Clone)]
pub enum Decision {
    Recognise {
        decision_no: String,
        decision_date: String,
    },
    NotRecognise {
        reason: String,
    },
}

/// The answers with the reviewer's adjustments: values checked against the set, each changed
/// score with its comment.
fn adjusted(
    set: &khuyenhoc_criteria::CriteriaSet,
    e: &Evaluation,
    adjustments: &BTreeMap<String, Adjustment>,
) -> Result<Answers, AppError> {
    let values: BTreeMap<String, Option<u32>> = adjustments
        .iter()
        .map(|(k, v)| (k.clone(), v.adjusted))
        .collect();
    score::check_values(set, e.form_group.as_deref(), &values)?;
    let mut answers = e.answers.clone();
    for (code, adj) in adjustments {
        let entry = answers.entry(code.clone()).or_default();
        let comment = adj
            .comment
            .as_deref()
            .map(khuyenhoc_domain::text::clean)
            .filter(|c| !c.is_empty());
        if adj.adjusted.is_some() && adj.adjusted != entry.value && comment.is_none() {
            return Err(AppError::field(
                "comment",
                Invalid::new(
                    "Khi sửa điểm cần ghi nhận xét",
                    "A changed score needs a comment",
                ),
            ));
        }
        entry.adjusted = adj.adjusted.filter(|v| Some(*v) != entry.value);
        entry.comment = comment;
    }
    Ok(answers)
}

/// The commune reviews: adjusts indicators (each change needs a comment) and decides.
pub async fn review(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    adjustments: &BTreeMap<String, Adjustment>,
    decision: &Decision,
) -> Result<Evaluation, AppError> {
    let db = &state.db;
    let e = visible(db, viewer, id).await?;
    let a = officer(viewer, &e, perm::EVALUATION_RECOGNISE)?;
    let set = sets::by_id(state, e.set_id).await?;
    let answers = adjusted(&set, &e, adjustments)?;
    let key = match decision {
        Decision::Recognise { .. } => Some(super::certificates::signing_key(db).await?),
        Decision::NotRecognise { .. } => None,
    };
    let mut tx = db.begin().await?;
    let current = lock(&mut tx, id).await?;
    let sc = score::score_in(&mut tx, &set, &current, &answers).await?;
    let (step, note) = match decision {
        Decision::Recognise { .. } => (Step::Recognise, None),
        Decision::NotRecognise { reason } => (Step::NotRecognise, Some(need_reason(reason)?)),
    };
    let next = current.status.after(step).ok_or_else(|| not_now("xét"))?;
    if let Decision::Recognise {
        decision_no,
        decision_date,
    } = decision
    {
        if !sc.passed {
            let (vi, en) = joined(sc.reasons.iter().map(|r| (r.0.as_str(), r.1.as_str())));
            return Err(AppError::Unprocessable {
                vi: format!("Hồ sơ chưa đạt tiêu chí nên chưa thể công nhận: {vi}"),
                en: format!("The evaluation does not meet the criteria: {en}"),
            });
        }
        let key = key
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("no signing key"))?;
        super::certificates::recognise(
            &mut tx,
            state,
            key,
            &current,
            &set,
            a,
            decision_no,
            decision_date,
            sc.total,
        )
        .await?;
    }
    let moved = write_state(&mut tx, &current, next, &answers, &sc).await?;
    event(&mut tx, id, a, next.code(), note.as_deref()).await?;
    audit_step(
        &mut tx,
        a,
        &current,
        next.code(),
        serde_json::json!({"status": current.status.code(), "answers": current.answers}),
        serde_json::json!({"status": next.code(), "answers": answers, "total": sc.total}),
    )
    .await?;
    moved.apply(&mut tx).await?;
    tx.commit().await?;
    model::by_id(db, id).await?.ok_or(AppError::NotFound)
}
