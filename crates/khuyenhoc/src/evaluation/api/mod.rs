//! JSON API of learning models under `/api/v1/evaluations`, `/api/v1/criteria`,
//! `/api/v1/certificates`. Every handler is a thin shell over `service`, `certificates` and
//! `score`: it parses the request into their types and shapes their answers as JSON.
//! Outside the viewer's scope everything answers 404, like a missing record.

use super::model::{self};
use super::service::{self, Register, SubjectRef};
use crate::accounts::pages::parse_id;
use crate::auth::ApiViewer;
use crate::error::{ApiResult, AppError, FieldError};
use crate::state::AppState;
use crate::web::extract::ApiJson;
use crate::web::extract::OptionalJson;
use crate::web::route::{api, Access, Route};
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::Json;
use khuyenhoc_domain::Invalid;

mod counts;
mod criteria;
mod evidence;
mod parse;
mod schema;
mod shapes;
mod verify;
pub use counts::{unit_counts, Counts};
pub use criteria::*;
pub use evidence::{attach_evidence, list_evidence, replace_evidence};
use parse::{decision, model_code, note, subject_ref};
pub use schema::*;
pub use shapes::*;
pub use verify::*;

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        api(M::GET, "/api/v1/criteria", SignedIn, "Criteria sets: national defaults and province variants", list_criteria),
        api(M::GET, "/api/v1/criteria/{id}", SignedIn, "One criteria set, parsed, with its TOML source", get_criteria),
        api(M::GET, "/api/v1/criteria/{id}/diff", SignedIn, "A province variant beside the national set it copies", diff_criteria),
        api(M::POST, "/api/v1/criteria/{id}/variant", Officer, "Copy a national set as a draft variant of your province", copy_criteria),
        api(M::PUT, "/api/v1/criteria/{id}", Officer, "Edit a draft variant: the form's fields or a TOML text; every error refuses it", edit_criteria),
        api(M::POST, "/api/v1/criteria/{id}/activate", Officer, "Make a draft variant effective from its year", activate_criteria),
        api(M::POST, "/api/v1/evaluations", SignedIn, "Register for a title (yourself, or someone in your scope on their behalf)", register),
        api(M::GET, "/api/v1/me/evaluations", SignedIn, "My own evaluations", mine),
        api(M::GET, "/api/v1/evaluations/{id}", SignedIn, "One evaluation with its live score, history and evidence", get),
        api(M::PUT, "/api/v1/evaluations/{id}/answers", SignedIn, "Save self-assessment answers (null clears one)", save_answers),
        api(M::GET, "/api/v1/criteria/{id}/forms/{group}", SignedIn, "Blank paper form (PDF) of a form group, as the page prints it: sets in force for anyone signed in, drafts for their province's officers", counts::blank_form),
        api(M::GET, "/api/v1/units/{code}/counts", Officer, "A unit's live figures: what its officers' home page shows (waiting work, reports, key figures) and the registrations and recognitions of a year by title and form group, with the national targets", unit_counts),
        api(M::GET, "/api/v1/evaluations/{id}/evidence", SignedIn, "The evidence of an evaluation (whoever may read it)", list_evidence),
        super::pages::upload(api(M::POST, "/api/v1/evaluations/{id}/evidence", SignedIn, "Attach a photo, a PDF or a note to an indicator (multipart, as the page's form), while the evaluation is editable", attach_evidence)),
        super::pages::upload(api(M::PUT, "/api/v1/evidence/{id}", SignedIn, "Replace an evidence file before submission (its owner; multipart field file)", replace_evidence)),
        api(M::DELETE, "/api/v1/evidence/{id}", SignedIn, "Remove a piece of evidence before submission (its owner); answers the evaluation", remove_evidence),
        api(M::POST, "/api/v1/evaluations/{id}/submit", SignedIn, "Submit a self-assessment for checking", submit),
        api(M::POST, "/api/v1/evaluations/{id}/check", Officer, "Branch check of a submitted evaluation", check),
        api(M::POST, "/api/v1/evaluations/{id}/return", Officer, "Return an evaluation to its subject with a reason", return_back),
        api(M::POST, "/api/v1/evaluations/{id}/review", Officer, "Commune review: adjust indicators, recognise or not", review),
        api(M::GET, "/api/v1/certificates/{code}", Public, "Verify a certificate (the holder's name is masked)", verify),
        api(M::GET, "/api/v1/certificates/{code}/credential", SignedIn, "The signed Open Badges 3.0 credential of a certificate", credential),
        api(M::POST, "/api/v1/certificates/{code}/revoke", Officer, "Revoke a certificate with a reason", revoke),
    ]
}

// ---------------------------------------------------------------------------------------------
// Evaluations

pub async fn register(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    ApiJson(b): ApiJson<NewEvaluation>,
) -> ApiResult<(StatusCode, Json<Detail>)> {
    let reg = Register {
        model: model_code("model", &b.model)?,
        subject: subject_ref(v.person_id, b.subject)?,
        year: b.year,
        form_group: b.form_group,
    };
    let e = match service::register(&state, &v, &reg).await {
        Ok(e) => e,
        Err(AppError::Internal(cause)) => {
            return Err(duplicate(&state, &v, &reg)
                .await?
                .unwrap_or(AppError::Internal(cause))
                .into())
        }
        Err(e) => return Err(e.into()),
    };
    Ok((StatusCode::CREATED, Json(detail(&state, e, None).await?)))
}

/// The conflict to answer when the registration failed inside the database because the subject
/// is already registered for this title and year (`service::register` recognises the unique
/// index by name on PostgreSQL only: SQLite names the columns, not the index). Only called after
/// the service let the viewer act for the subject, and only answered when they can read it.
async fn duplicate(
    state: &AppState,
    v: &crate::auth::Viewer,
    reg: &Register,
) -> Result<Option<AppError>, AppError> {
    const BY_ID: &str = "SELECT id FROM evaluations WHERE model = $1 AND year = $2 AND subject_kind = $3 AND subject_id = $4";
    const BY_CODE: &str = "SELECT e.id FROM evaluations e JOIN units u ON u.id = e.subject_id \
        WHERE e.model = $1 AND e.year = $2 AND e.subject_kind = $3 AND u.code = $4 AND u.valid_to IS NULL";
    let q = match &reg.subject {
        SubjectRef::Person(id) => sqlx::query_scalar(BY_ID)
            .bind(&reg.model)
            .bind(reg.year)
            .bind("person")
            .bind(*id),
        SubjectRef::Group(id) => sqlx::query_scalar(BY_ID)
            .bind(&reg.model)
            .bind(reg.year)
            .bind("group")
            .bind(*id),
        SubjectRef::Unit(code) => sqlx::query_scalar(BY_CODE)
            .bind(&reg.model)
            .bind(reg.year)
            .bind("unit")
            .bind(code.as_str()),
    };
    let existing: Option<i64> = q.fetch_optional(&state.db.pool).await?;
    let Some(id) = existing else { return Ok(None) };
    if service::visible(&state.db, v, id).await.is_err() {
        return Ok(None);
    }
    Ok(Some(AppError::Conflict(FieldError::new(
        "year",
        Invalid::new(
            "Đã đăng ký danh hiệu này cho năm này rồi",
            "Already registered for this title and year",
        ),
    ))))
}

pub async fn mine(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    crate::web::extract::ApiQuery(q): crate::web::extract::ApiQuery<
        crate::web::list_small::SmallQuery,
    >,
) -> ApiResult<Json<crate::web::list::ListPage<Summary>>> {
    let items = model::for_person(&state.db, v.person_id)
        .await
        .map_err(AppError::from)?;
    let rows: Vec<Summary> = items.into_iter().map(Summary::from).collect();
    // The latest year first.
    let key = |s: &Summary| format!("{:04}", 9999 - s.year.clamp(0, 9999));
    Ok(Json(crate::web::list_small::page_small(
        rows,
        q.q.as_deref(),
        q.cursor.as_deref(),
        q.per_page,
        |s| format!("{} {} {}", s.subject_name, s.year, s.unit_name),
        |s| (key(s), s.id),
    )?))
}

pub async fn get(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<Detail>> {
    let e = service::visible(&state.db, &v, parse_id(&id)?).await?;
    Ok(Json(detail(&state, e, None).await?))
}

pub async fn save_answers(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<AnswersBody>,
) -> ApiResult<Json<Detail>> {
    let id = parse_id(&id)?;
    if b.answers.is_empty() {
        // Scope first, so that an empty body learns nothing about others' evaluations.
        service::visible(&state.db, &v, id).await?;
        return Err(AppError::field(
            "answers",
            Invalid::new("Chưa có câu trả lời nào", "Give at least one answer"),
        )
        .into());
    }
    let (e, scored) = service::save_answers(&state, &v, id, &b.answers).await?;
    Ok(Json(detail(&state, e, Some(scored)).await?))
}

pub async fn submit(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    OptionalJson(_): OptionalJson<NoBody>,
) -> ApiResult<Json<Detail>> {
    let e = service::submit(&state, &v, parse_id(&id)?).await?;
    Ok(Json(detail(&state, e, None).await?))
}

/// The owner removes a piece of evidence while the evaluation is a draft or returned.
pub async fn remove_evidence(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<Detail>> {
    let evaluation = super::evidence::remove(&state, &v, parse_id(&id)?).await?;
    let e = service::visible(&state.db, &v, evaluation).await?;
    Ok(Json(detail(&state, e, None).await?))
}

pub async fn check(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    OptionalJson(b): OptionalJson<NoteBody>,
) -> ApiResult<Json<Detail>> {
    let id = parse_id(&id)?;
    let note = note("note", b.note.as_deref())?;
    let e = service::check(&state, &v, id, note.as_deref()).await?;
    Ok(Json(detail(&state, e, None).await?))
}

pub async fn return_back(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReasonBody>,
) -> ApiResult<Json<Detail>> {
    let e = service::return_back(&state, &v, parse_id(&id)?, &b.reason).await?;
    Ok(Json(detail(&state, e, None).await?))
}

pub async fn review(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ReviewBody>,
) -> ApiResult<Json<Detail>> {
    let id = parse_id(&id)?;
    // Scope before validation, so that out-of-scope callers get the same 404 as for a missing id.
    service::visible(&state.db, &v, id).await?;
    let (adjustments, decision) = decision(b)?;
    let e = service::review(&state, &v, id, &adjustments, &decision).await?;
    Ok(Json(detail(&state, e, None).await?))
}

// ---------------------------------------------------------------------------------------------
// OpenAPI
