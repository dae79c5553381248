//! Writing a batch: every accepted row in ONE transaction, or nothing. Rows go in chunks of
//! `CHUNK`, each chunk a few multi-row statements through the services (`accounts::bulk` for
//! the new people, `evaluation::bulk` for the evaluations and their events, `audit::record_many`
//! for the entries `service::register`, `save_answers` and `submit` would write), a progress line
//! after each. A chunk that fails is rolled back to its savepoint and written again row by row,
//! so that the refusal names the row (another officer registered the same person or phone at
//! the same moment); then nothing is kept. The counters move once per unit at the end.

use super::check::{Accepted, Who};
use super::{CitizenBatch, BATCH_ENTITY};
use crate::accounts::bulk::{self as people, Ready};
use crate::accounts::service::NewPerson;
use crate::audit::{self, Actor, Change};
use crate::auth::perm;
use crate::db::{is_unique_violation, Tx};
use crate::error::AppError;
use crate::evaluation::bulk::{self, Deltas, Event, NewEvaluation};
use crate::evaluation::lifecycle::{Status, Step};
use crate::evaluation::model::{Acting, Answer, Answers};
use crate::sheets::{Checked, Commit, Progress, RowRefusal, Saved};
use crate::state::AppState;
use std::collections::BTreeMap;

/// Rows written between two progress lines, and per savepoint.
const CHUNK: usize = 200;

/// What every row of one commit shares.
struct Writer<'a> {
    b: &'a CitizenBatch,
    sha256: &'a str,
    /// Who adds new people: the officer in their position over the unit.
    people_actor: Actor,
    /// The status every row ends in: registered, then submitted on the citizen's behalf.
    status: Status,
}

/// One row to write: its Excel row number and what it writes.
type Row<'a> = (u32, &'a Accepted);

fn new_person(a: &Accepted) -> Option<NewPerson> {
    let Who::New {
        name,
        phone,
        birth_year,
        gender,
    } = &a.who
    else {
        return None;
    };
    Some(NewPerson {
        full_name: name.clone(),
        birth_year: birth_year.map(|y| y.to_string()),
        gender: gender.map(|g| g.code().to_owned()),
        phone: phone.clone(),
        ..NewPerson::default()
    })
}

fn answers_of(a: &Accepted) -> Answers {
    a.values
        .iter()
        .map(|(k, v)| {
            let answer = Answer {
                value: Some(*v),
                ..Answer::default()
            };
            (k.clone(), answer)
        })
        .collect()
}

/// The three audit entries of a row's evaluation (`evaluation` = (id, unit id)): register,
/// save_answers and submit, as the service writes them.
fn audit_steps<'a>(
    w: &Writer<'_>,
    n: u32,
    a: &Accepted,
    actor: Actor,
    evaluation: (i64, i64),
) -> [(Actor, Change<'a>); 3] {
    let (id, unit_id) = evaluation;
    let change = |action, before, after| Change {
        unit_id: Some(unit_id),
        entity: "evaluation",
        entity_id: id.to_string(),
        action,
        before: Some(before),
        after: Some(after),
    };
    let b = w.b;
    let register = serde_json::json!({"model": "citizen", "year": b.year, "form_group": a.form_group, "set_id": b.set_id, "batch": w.sha256, "row": n});
    let before: BTreeMap<&String, Option<u32>> = a.values.keys().map(|k| (k, None)).collect();
    let submitted = serde_json::json!({"status": w.status.code(), "total": a.total});
    [
        (actor, change("register", serde_json::json!(null), register)),
        (
            actor,
            change(
                "save_answers",
                serde_json::json!(before),
                serde_json::json!(a.values),
            ),
        ),
        (
            actor,
            change(
                "submit",
                serde_json::json!({"status": Status::Registered.code()}),
                submitted,
            ),
        ),
    ]
}

/// Writes rows as `service::register`, `save_answers` and `submit` would: each evaluation ends
/// in the status the lifecycle gives, with its answers and total, two events (register, submit,
/// on behalf when the officer is not the subject) and three audit entries. `people` are the new
/// people of these rows, in order.
async fn write_rows(
    tx: &mut Tx<'_>,
    w: &Writer<'_>,
    rows: &[Row<'_>],
    people: &[Ready],
    deltas: &mut Deltas,
) -> Result<(), sqlx::Error> {
    let b = w.b;
    let mut new_ids = people::insert_many(tx, w.people_actor, people, Some("batch"))
        .await?
        .into_iter();
    let mut subjects = Vec::with_capacity(rows.len());
    for (_, a) in rows {
        subjects.push(match &a.who {
            Who::Existing { id, unit_id, name } => (*id, *unit_id, name.as_str()),
            Who::New { name, .. } => {
                let id = new_ids
                    .next()
                    .ok_or_else(|| sqlx::Error::Protocol("a new person has no id".into()))?;
                (id, b.unit.id, name.as_str())
            }
        });
    }
    let answers: Vec<Answers> = rows.iter().map(|(_, a)| answers_of(a)).collect();
    let new: Vec<NewEvaluation> = rows
        .iter()
        .zip(&subjects)
        .zip(&answers)
        .map(|(((_, a), (person, unit, name)), answers)| NewEvaluation {
            model: "citizen",
            subject_kind: "person",
            subject_id: *person,
            subject_name: name,
            unit_id: *unit,
            year: b.year,
            set_id: b.set_id,
            form_group: a.form_group.as_deref(),
            disadvantaged: a.disadvantaged,
            status: w.status,
            answers,
            total: a.total,
            passed: a.passed,
            level: a.level,
        })
        .collect();
    let ids = bulk::insert_many(tx, &new).await?;
    let notes: Vec<String> = rows
        .iter()
        .map(|(n, _)| format!("Nhập theo lô từ tệp Excel, dòng {n}"))
        .collect();
    let mut events = Vec::with_capacity(rows.len() * 2);
    let mut entries = Vec::with_capacity(rows.len() * 3);
    for ((((n, a), (person, unit, _)), id), note) in
        rows.iter().zip(&subjects).zip(&ids).zip(&notes)
    {
        let acting = Acting {
            actor: Actor::new(b.viewer.person_id, Some(a.enter_position)),
            on_behalf: *person != b.viewer.person_id,
        };
        let event = |action, note| Event {
            evaluation_id: *id,
            acting,
            action,
            note,
        };
        events.push(event("register", Some(note.as_str())));
        events.push(event("submit", None));
        entries.extend(audit_steps(w, *n, a, acting.actor, (*id, *unit)));
    }
    bulk::events(tx, &events).await?;
    audit::record_many(tx, entries).await?;
    for e in &new {
        deltas.add(e);
    }
    Ok(())
}

/// Writes a chunk of rows under a savepoint. When it fails, the chunk is rolled back and its
/// rows written again one at a time, to find the row that fails (the transaction is abandoned
/// after that either way): `Ok(Err((row, error)))`.
async fn chunk(
    tx: &mut Tx<'_>,
    w: &Writer<'_>,
    rows: &[Row<'_>],
    people: &[Ready],
    deltas: &mut Deltas,
) -> Result<Result<(), (u32, sqlx::Error)>, sqlx::Error> {
    sqlx::query("SAVEPOINT batch_chunk")
        .execute(&mut **tx)
        .await?;
    let first = match write_rows(tx, w, rows, people, deltas).await {
        Ok(()) => {
            sqlx::query("RELEASE SAVEPOINT batch_chunk")
                .execute(&mut **tx)
                .await?;
            return Ok(Ok(()));
        }
        Err(e) => e,
    };
    sqlx::query("ROLLBACK TO SAVEPOINT batch_chunk")
        .execute(&mut **tx)
        .await?;
    let mut people = people;
    for row in rows {
        let (mine, rest) = people.split_at(usize::from(row.1.is_new()).min(people.len()));
        people = rest;
        let one = std::slice::from_ref(row);
        if let Err(e) = write_rows(tx, w, one, mine, &mut Deltas::default()).await {
            return Ok(Err((row.0, e)));
        }
    }
    Ok(Err((rows.first().map_or(0, |r| r.0), first)))
}

/// A row that failed inside the transaction: a known conflict is shown, anything else is a 500.
fn failure(row: u32, year: i64, e: sqlx::Error) -> Result<RowRefusal, AppError> {
    let (vi, en) = if is_unique_violation(&e, "people_phone") {
        (
            "Số điện thoại này vừa được đăng ký cho một người khác".to_owned(),
            "This phone number has just been registered for someone else".to_owned(),
        )
    } else if is_unique_violation(&e, "evaluations_subject_year") {
        (
            format!("Người này vừa được đăng ký danh hiệu Công dân học tập năm {year}"),
            format!(
                "This person has just been registered for the Learning Citizen title in {year}"
            ),
        )
    } else {
        return Err(e.into());
    };
    Ok(RowRefusal { row, vi, en })
}

/// The batch's own audit entry, named by the workbook's SHA-256: the same workbook is never
/// imported twice.
async fn record(
    tx: &mut Tx<'_>,
    b: &CitizenBatch,
    commit: Commit<'_>,
    saved: Saved,
) -> Result<(), sqlx::Error> {
    let actor = Actor::new(
        b.viewer.person_id,
        b.viewer
            .position_for(perm::EVALUATION_ENTER, &b.unit.path)
            .map(|p| p.position_id),
    );
    let after = serde_json::json!({
        "year": b.year, "set_id": b.set_id, "key": commit.key, "rows": commit.rows_read,
        "evaluations": saved.rows, "new_people": saved.new_people,
        "skipped": commit.rows_read - saved.rows,
    });
    let change = Change {
        unit_id: Some(b.unit.id),
        entity: BATCH_ENTITY,
        entity_id: commit.sha256.to_owned(),
        action: "import",
        before: None,
        after: Some(after),
    };
    audit::record(tx, actor, change).await
}

/// Writes every accepted row in one transaction, or nothing.
pub async fn batch(
    b: &CitizenBatch,
    state: &AppState,
    rows: &[Checked<Accepted>],
    commit: Commit<'_>,
    progress: &Progress,
) -> Result<Result<Saved, RowRefusal>, AppError> {
    let accepted: Vec<Row> = rows
        .iter()
        .filter_map(|r| r.outcome.as_ref().ok().map(|a| (r.number, a)))
        .collect();
    let status = Status::Registered
        .after(Step::Submit)
        .ok_or_else(|| anyhow::anyhow!("a registered evaluation cannot be submitted"))?;
    // Every new person is checked as `accounts` checks one, before the transaction begins.
    let persons: Vec<(u32, NewPerson)> = accepted
        .iter()
        .filter_map(|(n, a)| new_person(a).map(|p| (*n, p)))
        .collect();
    let ready = match people::ready(persons.iter().map(|(_, p)| (b.unit.id, p))) {
        Ok(r) => r,
        Err((i, e)) => {
            let (vi, en) = e.messages();
            let row = persons.get(i).map_or(0, |p| p.0);
            return Ok(Err(RowRefusal { row, vi, en }));
        }
    };
    progress.line(
        format!(
            "Đang ghi {} dòng hợp lệ trong một lần: nếu một dòng không ghi được, không dòng nào được lưu.",
            accepted.len()
        ),
        format!(
            "Writing {} valid rows in one go: if one row cannot be written, none is saved.",
            accepted.len()
        ),
    );
    let w = Writer {
        b,
        sha256: commit.sha256,
        people_actor: Actor::new(
            b.viewer.person_id,
            b.viewer
                .position_for(perm::PERSON_MANAGE, &b.unit.path)
                .map(|p| p.position_id),
        ),
        status,
    };
    let mut tx = state.db.begin().await?;
    let mut deltas = Deltas::default();
    let (mut saved, mut next_person) = (Saved::default(), 0);
    for rows in accepted.chunks(CHUNK) {
        let new = rows.iter().filter(|r| r.1.is_new()).count();
        let mine = ready
            .get(next_person..next_person + new)
            .unwrap_or_default();
        next_person += new;
        if let Err((n, e)) = chunk(&mut tx, &w, rows, mine, &mut deltas).await? {
            drop(tx);
            tracing::warn!(row = n, error = %e, "batch commit rolled back");
            return failure(n, b.year, e).map(Err);
        }
        saved.rows += rows.len();
        saved.new_people += new;
        tracing::info!(unit = %b.unit.code, written = saved.rows, of = accepted.len(), "batch commit in progress");
        progress.wrote(saved.rows, accepted.len());
    }
    deltas.apply(&mut tx).await?;
    record(&mut tx, b, commit, saved).await?;
    tx.commit().await?;
    Ok(Ok(saved))
}
