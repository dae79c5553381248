//! Many citizens at once for the worklist tests: people and their Learning Citizen evaluations
//! written straight through the library's bulk writers (what an Excel batch writes), then the
//! live counters rebuilt from the rows, so that a commune holds thousands in seconds.

use super::{TestApp, CITIZEN_INDICATORS};
use khuyenhoc::db::rows;
use khuyenhoc::evaluation::lifecycle::Status;
use khuyenhoc::evaluation::model::{Answer, Answers};

/// One citizen of the fixture.
pub struct Citizen {
    pub name: String,
    pub phone: String,
    pub status: Status,
}

/// Writes `people` under the branch `branch` with a Learning Citizen evaluation of `year` each
/// (form group "farmer", 9 points everywhere: it passes), then recounts the live counters.
/// Returns the evaluations' ids in the order given.
pub async fn citizens(app: &TestApp, branch: &str, year: i32, people: &[Citizen]) -> Vec<i64> {
    let unit_id: i64 = sqlx::query_scalar("SELECT id FROM units WHERE code = $1")
        .bind(branch)
        .fetch_one(&app.db.pool)
        .await
        .expect("branch");
    let (set_id, _) =
        khuyenhoc::evaluation::sets::effective(&app.state, "citizen", "01", i64::from(year))
            .await
            .expect("the citizen set");
    let answers: Answers = CITIZEN_INDICATORS
        .iter()
        .map(|c| {
            (
                (*c).to_owned(),
                Answer {
                    value: Some(9),
                    ..Answer::default()
                },
            )
        })
        .collect();
    let mut tx = app.db.begin().await.expect("tx");
    let backend = tx.backend();
    let mut person_ids = Vec::with_capacity(people.len());
    for chunk in people.chunks(500) {
        let sql = format!(
            "INSERT INTO people (full_name, name_folded, phone, birth_year, unit_id, created_at) VALUES {} RETURNING id",
            rows::values(backend, chunk.len(), &rows::row_of(6, ""))
        );
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for p in chunk {
            q = q
                .bind(p.name.clone())
                .bind(khuyenhoc_domain::text::fold(&p.name))
                .bind(p.phone.clone())
                .bind(1980_i64)
                .bind(unit_id)
                .bind(1_i64);
        }
        person_ids.extend(q.fetch_all(&mut *tx).await.expect("people"));
    }
    let new: Vec<khuyenhoc::evaluation::bulk::NewEvaluation<'_>> = people
        .iter()
        .zip(&person_ids)
        .map(|(p, id)| khuyenhoc::evaluation::bulk::NewEvaluation {
            model: "citizen",
            subject_kind: "person",
            subject_id: *id,
            subject_name: &p.name,
            unit_id,
            year: i64::from(year),
            set_id,
            form_group: Some("farmer"),
            disadvantaged: false,
            status: p.status,
            answers: &answers,
            total: 90,
            passed: true,
            level: None,
        })
        .collect();
    let ids = khuyenhoc::evaluation::bulk::insert_many(&mut tx, &new)
        .await
        .expect("evaluations");
    tx.commit().await.expect("commit");
    khuyenhoc::reports::counters::recount(&app.db, true)
        .await
        .expect("recount");
    ids
}
