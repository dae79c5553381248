//! Registering an evaluation: for oneself, for a household, or by an officer on someone's behalf.

use super::{acting, audit_step, disadvantaged, event, province_of, subject, SubjectRef};
use crate::auth::{perm, Viewer};
use crate::db::{is_unique_violation, now};
use crate::error::{AppError, FieldError};
use crate::evaluation::model::{self, Evaluation};
use crate::evaluation::{score, sets};
use crate::reports::counters;
use crate::state::AppState;
use khuyenhoc_domain::Invalid;

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
    let this_year = i64::from(chrono::Datelike::year(&state.clock.vn_today()));
    if r.year < 2020 || r.year > this_year + 1 {
        return Err(AppError::field(
            "year",
            Invalid::new("Năm đăng ký không hợp lệ", "Invalid year"),
        ));
    }
    score::check_subject(&r.model, s.kind)?;
    let (set_id, set) = sets::effective(state, &r.model, province_of(&s.unit_path), r.year).await?;
    let form_group = score::check_form_group(&set, r.form_group.as_deref())?;
    let flag = disadvantaged(db, &s.unit_path, r.year).await?;
    let t = now();
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO evaluations (model, subject_kind, subject_id, subject_name, subject_folded, unit_id, year, set_id, form_group, disadvantaged, status, answers, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $11, $5, $6, $7, $8, $9, 'registered', '{}', $10, $10) RETURNING id",
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
    .bind(crate::evaluation::worklist::folded(&s.name))
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
