//! Many evaluations at once, inside the caller's transaction (what an import enters), and the
//! one function that writes evaluation events (`events`: `service` writes its single events
//! through it too). Statuses come from the lifecycle (`Status::after`); the live counters of
//! new evaluations are summed per unit and year and applied once, as the last step before
//! commit (`Deltas`).

use super::lifecycle::Status;
use super::model::{Acting, Answers};
use crate::db::{now, rows, Db, Tx};
use crate::reports::counters;
use sqlx::Row;
use std::collections::BTreeMap;

/// A new evaluation, with its answers and score.
#[derive(Debug, Clone)]
pub struct NewEvaluation<'a> {
    pub model: &'a str,
    pub subject_kind: &'a str,
    pub subject_id: i64,
    pub subject_name: &'a str,
    pub unit_id: i64,
    pub year: i64,
    pub set_id: i64,
    pub form_group: Option<&'a str>,
    pub disadvantaged: bool,
    pub status: Status,
    pub answers: &'a Answers,
    pub total: i64,
    pub passed: bool,
    pub level: Option<i64>,
}

/// Inserts the evaluations; their ids in the same order. A subject evaluated already for the
/// model and year fails on the unique index `evaluations_subject_year`.
pub async fn insert_many(
    tx: &mut Tx<'_>,
    new: &[NewEvaluation<'_>],
) -> Result<Vec<i64>, sqlx::Error> {
    let t = now();
    let backend = tx.backend();
    let mut ids = Vec::with_capacity(new.len());
    for chunk in new.chunks(rows::per_statement(17, 2000)) {
        let sql = format!(
            "INSERT INTO evaluations (model, subject_kind, subject_id, subject_name, subject_folded, unit_id, year, set_id, form_group, disadvantaged, status, answers, total, passed, level, created_at, updated_at) \
             VALUES {} RETURNING id, subject_id",
            rows::values(backend, chunk.len(), &rows::row_of(17, ""))
        );
        let mut q = sqlx::query(&sql);
        for e in chunk {
            let answers = serde_json::to_string(e.answers)
                .map_err(|err| sqlx::Error::Encode(Box::new(err)))?;
            q = q
                .bind(e.model)
                .bind(e.subject_kind)
                .bind(e.subject_id)
                .bind(e.subject_name)
                .bind(super::worklist::folded(e.subject_name))
                .bind(e.unit_id)
                .bind(e.year)
                .bind(e.set_id)
                .bind(e.form_group)
                .bind(i64::from(e.disadvantaged))
                .bind(e.status.code())
                .bind(answers)
                .bind(e.total)
                .bind(i64::from(e.passed))
                .bind(e.level)
                .bind(t)
                .bind(t);
        }
        let back = q.fetch_all(&mut **tx).await?;
        // Rows come back in the order of the VALUES; this is checked, never assumed.
        if back.len() != chunk.len() {
            return Err(sqlx::Error::Protocol(format!(
                "inserted {} evaluations, got {} ids back",
                chunk.len(),
                back.len()
            )));
        }
        for (r, e) in back.iter().zip(chunk) {
            if r.try_get::<i64, _>(1)? != e.subject_id {
                return Err(sqlx::Error::Protocol(
                    "the ids of new evaluations came back out of order".into(),
                ));
            }
            ids.push(r.try_get(0)?);
        }
    }
    Ok(ids)
}

/// One event of an evaluation's history: who acted, in which capacity, and what.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    pub evaluation_id: i64,
    pub acting: Acting,
    pub action: &'a str,
    pub note: Option<&'a str>,
}

/// Writes events, many per statement. The only writer of `evaluation_events`.
pub async fn events(tx: &mut Tx<'_>, events: &[Event<'_>]) -> Result<(), sqlx::Error> {
    let t = now();
    let backend = tx.backend();
    for chunk in events.chunks(rows::per_statement(7, 3000)) {
        let sql = format!(
            "INSERT INTO evaluation_events (evaluation_id, at, person_id, position_id, on_behalf, action, note) VALUES {}",
            rows::values(backend, chunk.len(), &rows::row_of(7, ""))
        );
        let mut q = sqlx::query(&sql);
        for e in chunk {
            q = q
                .bind(e.evaluation_id)
                .bind(t)
                .bind(e.acting.actor.person_id)
                .bind(e.acting.actor.position_id)
                .bind(i64::from(e.acting.on_behalf))
                .bind(e.action)
                .bind(e.note);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// The evaluation of a subject for a model and year, if there is one.
pub async fn registered(
    db: &Db,
    model: &str,
    subject_kind: &str,
    subject_id: i64,
    year: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT id FROM evaluations WHERE model = $1 AND subject_kind = $2 AND subject_id = $3 AND year = $4",
    )
    .bind(model)
    .bind(subject_kind)
    .bind(subject_id)
    .bind(year)
    .fetch_optional(&db.pool)
    .await
}

/// The live counters new evaluations move, summed per unit and year.
#[derive(Debug, Default)]
pub struct Deltas(BTreeMap<(i64, i64), Vec<(String, i64)>>);

impl Deltas {
    pub fn add(&mut self, e: &NewEvaluation<'_>) {
        let facts = counters::EvalFacts {
            unit_id: e.unit_id,
            year: e.year,
            model: e.model.to_owned(),
            form_group: e.form_group.map(str::to_owned),
            status: e.status.code().to_owned(),
            revoked: false,
        };
        self.0
            .entry((e.unit_id, e.year))
            .or_default()
            .extend(facts.metrics());
    }

    /// Adds the sums to the counters (at each unit and its ancestors), in the transaction that
    /// wrote the evaluations: the last step before its commit.
    pub async fn apply(self, tx: &mut Tx<'_>) -> Result<(), sqlx::Error> {
        for ((unit, year), d) in &self.0 {
            counters::add(tx, *unit, &year.to_string(), d).await?;
        }
        Ok(())
    }
}
