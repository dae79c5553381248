//! JSON API of learning models under `/api/v1/evaluations`, `/api/v1/criteria`,
//! `/api/v1/certificates`. Every handler is a thin shell over `service`, `certificates` and
//! `score`: it parses the request into their types and shapes their answers as JSON.
//! Outside the viewer's scope everything answers 404, like a missing record.

use super::certificates::{self, Certificate};
use super::lifecycle::Status;
use super::model::{self, Evaluation, Event, Evidence};
use super::score::{self, Scored};
use super::service::{self, Adjustment, Decision, Register, SubjectRef};
use super::sets;
use crate::accounts::pages::parse_id;
use crate::auth::ApiViewer;
use crate::error::{ApiResult, AppError, FieldError};
use crate::org::api::Page;
use crate::state::AppState;
use crate::web::extract::OptionalJson;
use crate::web::extract::{ApiJson, ApiQuery};
use crate::web::route::{r, Access, Route};
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::Json;
use khuyenhoc_criteria::{CriteriaSet, IndicatorOutcome, Model};
use khuyenhoc_domain::Invalid;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::Row;
use std::collections::BTreeMap;

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        r(M::GET, "/api/v1/criteria", SignedIn, "Criteria sets: national defaults and province variants", list_criteria),
        r(M::GET, "/api/v1/criteria/{id}", SignedIn, "One criteria set, parsed, with its TOML source", get_criteria),
        r(M::POST, "/api/v1/evaluations", SignedIn, "Register for a title (yourself, or someone in your scope on their behalf)", register),
        r(M::GET, "/api/v1/evaluations", Officer, "Evaluations under a unit in scope (paginated, with total)", list),
        r(M::GET, "/api/v1/me/evaluations", SignedIn, "My own evaluations", mine),
        r(M::GET, "/api/v1/evaluations/{id}", SignedIn, "One evaluation with its live score, history and evidence", get),
        r(M::PUT, "/api/v1/evaluations/{id}/answers", SignedIn, "Save self-assessment answers (null clears one)", save_answers),
        r(M::POST, "/api/v1/evaluations/{id}/submit", SignedIn, "Submit a self-assessment for checking", submit),
        r(M::POST, "/api/v1/evaluations/{id}/check", Officer, "Branch check of a submitted evaluation", check),
        r(M::POST, "/api/v1/evaluations/{id}/return", Officer, "Return an evaluation to its subject with a reason", return_back),
        r(M::POST, "/api/v1/evaluations/{id}/review", Officer, "Commune review: adjust indicators, recognise or not", review),
        r(M::GET, "/api/v1/certificates/{code}", Public, "Verify a certificate (the holder's name is masked)", verify),
        r(M::GET, "/api/v1/certificates/{code}/credential", SignedIn, "The signed Open Badges 3.0 credential of a certificate", credential),
        r(M::POST, "/api/v1/certificates/{code}/revoke", Officer, "Revoke a certificate with a reason", revoke),
    ]
}

// ---------------------------------------------------------------------------------------------
// Request bodies

/// Exactly one of the three: a person, a family/clan/organisation, or a unit by code.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SubjectBody {
    pub person_id: Option<i64>,
    pub group_id: Option<i64>,
    pub unit_code: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEvaluation {
    pub model: String,
    /// Omitted: the signed-in person themself.
    pub subject: Option<SubjectBody>,
    pub year: i64,
    pub form_group: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswersBody {
    pub answers: BTreeMap<String, Option<u32>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NoBody {}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    pub note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentBody {
    pub adjusted: Option<u32>,
    pub comment: Option<String>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    Recognise,
    NotRecognise,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    #[serde(default)]
    pub adjustments: BTreeMap<String, AdjustmentBody>,
    pub decision: DecisionKind,
    pub decision_no: Option<String>,
    pub decision_date: Option<String>,
    pub reason: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub unit: Option<String>,
    pub year: Option<i64>,
    pub model: Option<String>,
    pub status: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CriteriaQuery {
    pub model: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Answers

/// One line of an evaluation list.
#[derive(Serialize)]
pub struct Summary {
    pub id: i64,
    pub model: String,
    pub subject_kind: String,
    pub subject_id: i64,
    pub subject_name: String,
    pub unit_code: String,
    pub unit_name: String,
    pub year: i64,
    pub form_group: Option<String>,
    pub status: Status,
    pub status_vi: &'static str,
    pub status_en: &'static str,
    pub total: i64,
    pub passed: bool,
    pub level: Option<i64>,
}

impl From<Evaluation> for Summary {
    fn from(e: Evaluation) -> Self {
        Summary {
            id: e.id,
            status_vi: e.status_vi(),
            status_en: e.status_en(),
            model: e.model,
            subject_kind: e.subject_kind,
            subject_id: e.subject_id,
            subject_name: e.subject_name,
            unit_code: e.unit_code,
            unit_name: e.unit_name,
            year: e.year,
            form_group: e.form_group,
            status: e.status,
            total: e.total,
            passed: e.passed,
            level: e.level,
        }
    }
}

#[derive(Serialize)]
pub struct Message {
    pub vi: String,
    pub en: String,
}

#[derive(Serialize)]
pub struct Missing {
    pub code: String,
    pub vi: String,
    pub en: String,
}

/// The live score: what the evaluation earns now under its criteria set.
#[derive(Serialize)]
pub struct ScoreView {
    pub total: i64,
    pub max_total: i64,
    pub threshold: i64,
    pub passed: bool,
    pub level: Option<i64>,
    /// What still lacks an answer or evidence.
    pub missing: Vec<Missing>,
    /// Every reason for not passing; empty exactly when `passed`.
    pub reasons: Vec<Message>,
    pub indicators: Vec<IndicatorOutcome>,
}

impl From<Scored> for ScoreView {
    fn from(s: Scored) -> Self {
        ScoreView {
            total: s.total,
            max_total: s.max_total,
            threshold: s.threshold,
            passed: s.passed,
            level: s.level,
            missing: s
                .missing
                .into_iter()
                .map(|(code, vi, en)| Missing { code, vi, en })
                .collect(),
            reasons: s
                .reasons
                .into_iter()
                .map(|(vi, en)| Message { vi, en })
                .collect(),
            indicators: s.outcome.indicators,
        }
    }
}

#[derive(Serialize)]
pub struct SetInfo {
    pub id: i64,
    pub code: String,
    pub model: Model,
    pub version: u16,
    pub owner: String,
    pub title_vi: String,
    pub title_en: String,
}

/// One evaluation as its subject or an officer in scope sees it.
#[derive(Serialize)]
pub struct Detail {
    pub evaluation: Evaluation,
    pub status_vi: &'static str,
    pub status_en: &'static str,
    pub criteria: SetInfo,
    pub score: ScoreView,
    pub events: Vec<Event>,
    pub evidence: Vec<Evidence>,
    pub certificate: Option<Certificate>,
}

async fn detail(
    state: &AppState,
    e: Evaluation,
    scored: Option<Scored>,
) -> Result<Detail, AppError> {
    let set = sets::by_id(state, e.set_id).await?;
    let scored = match scored {
        Some(s) => s,
        None => score::score(state, &set, &e, &e.answers).await?,
    };
    let code: Option<String> =
        sqlx::query_scalar("SELECT code FROM certificates WHERE evaluation_id = $1")
            .bind(e.id)
            .fetch_optional(&state.db.pool)
            .await?;
    let certificate = match code {
        Some(code) => certificates::by_code(&state.db, &code).await?,
        None => None,
    };
    Ok(Detail {
        status_vi: e.status_vi(),
        status_en: e.status_en(),
        criteria: SetInfo {
            id: e.set_id,
            code: set.code().to_owned(),
            model: set.model(),
            version: set.version(),
            owner: set.owner().to_string(),
            title_vi: set.title().vi.clone(),
            title_en: set.title().en.clone(),
        },
        score: scored.into(),
        events: model::events(&state.db, e.id).await?,
        evidence: model::evidence(&state.db, e.id).await?,
        certificate,
        evaluation: e,
    })
}

/// A certificate as anyone may see it: never the holder's full name.
#[derive(Serialize)]
pub struct Verification {
    pub code: String,
    pub model: String,
    pub title: String,
    pub year: i64,
    pub holder: String,
    pub issuer: String,
    pub province: String,
    pub decision_no: String,
    pub decision_date: String,
    pub valid_until: String,
    /// `valid`, `expired` or `revoked`.
    pub status: &'static str,
    pub status_vi: &'static str,
    pub status_en: &'static str,
}

impl From<Certificate> for Verification {
    fn from(c: Certificate) -> Self {
        Verification {
            status: c.status,
            status_vi: c.status_vi(),
            status_en: c.status_en(),
            code: c.code,
            model: c.model,
            title: c.title_vi,
            year: c.year,
            holder: c.holder_masked,
            issuer: c.issuer_name,
            province: c.province_name,
            decision_no: c.decision_no,
            decision_date: c.decision_date,
            valid_until: c.valid_until,
        }
    }
}

#[derive(Serialize)]
pub struct SetLine {
    pub id: i64,
    pub code: String,
    pub model: String,
    pub version: i64,
    pub owner: String,
    pub based_on_id: Option<i64>,
    pub title: String,
    pub status: String,
}

#[derive(Serialize)]
pub struct SetDetail {
    pub id: i64,
    pub owner: String,
    pub status: String,
    pub set: CriteriaSet,
    pub source: String,
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn model_code(field: &'static str, s: &str) -> Result<String, AppError> {
    Model::from_code(s.trim())
        .map(|m| m.code().to_owned())
        .ok_or_else(|| {
            AppError::field(
                field,
                Invalid::new("Không có danh hiệu này", "No such title"),
            )
        })
}

/// A free-text note: cleaned, at most 2,000 characters, blank = none.
fn note(field: &'static str, s: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(s) = s
        .map(khuyenhoc_domain::text::clean)
        .filter(|s| !s.is_empty())
    else {
        return Ok(None);
    };
    if s.chars().count() > 2000 {
        return Err(AppError::field(
            field,
            Invalid::new(
                "Ghi chú dài quá 2000 ký tự",
                "The note is longer than 2,000 characters",
            ),
        ));
    }
    Ok(Some(s))
}

fn subject_ref(viewer_id: i64, s: Option<SubjectBody>) -> Result<SubjectRef, AppError> {
    let s = s.unwrap_or(SubjectBody {
        person_id: Some(viewer_id),
        ..SubjectBody::default()
    });
    match (s.person_id, s.group_id, s.unit_code) {
        (Some(id), None, None) => Ok(SubjectRef::Person(id)),
        (None, Some(id), None) => Ok(SubjectRef::Group(id)),
        (None, None, Some(code)) => Ok(SubjectRef::Unit(code.trim().to_owned())),
        _ => Err(AppError::field(
            "subject",
            Invalid::new(
                "Cần đúng một trong ba trường person_id, group_id, unit_code",
                "Give exactly one of person_id, group_id, unit_code",
            ),
        )),
    }
}

fn decision(b: ReviewBody) -> Result<(BTreeMap<String, Adjustment>, Decision), AppError> {
    let only = |field: &'static str, vi: &'static str, en: &'static str| {
        Err(AppError::field(field, Invalid::new(vi, en)))
    };
    let decision = match b.decision {
        DecisionKind::Recognise => {
            if b.reason.is_some() {
                return only(
                    "reason",
                    "Lý do chỉ dùng khi không công nhận",
                    "reason goes only with not_recognise",
                );
            }
            let no = b
                .decision_no
                .map(|s| khuyenhoc_domain::text::clean(&s))
                .filter(|s| !s.is_empty());
            let Some(decision_no) = no else {
                return only(
                    "decision_no",
                    "Cần số quyết định công nhận",
                    "Give the decision number",
                );
            };
            let Some(date) = b.decision_date.filter(|s| !s.trim().is_empty()) else {
                return only(
                    "decision_date",
                    "Cần ngày quyết định",
                    "Give the decision date",
                );
            };
            let date = certificates::parse_date("decision_date", &date)?;
            Decision::Recognise {
                decision_no,
                decision_date: date.format("%Y-%m-%d").to_string(),
            }
        }
        DecisionKind::NotRecognise => {
            if b.decision_no.is_some() || b.decision_date.is_some() {
                return only(
                    "decision_no",
                    "Số và ngày quyết định chỉ dùng khi công nhận",
                    "decision_no and decision_date go only with recognise",
                );
            }
            Decision::NotRecognise {
                reason: b.reason.unwrap_or_default(),
            }
        }
    };
    let adjustments = b
        .adjustments
        .into_iter()
        .map(|(code, a)| {
            (
                code,
                Adjustment {
                    adjusted: a.adjusted,
                    comment: a.comment,
                },
            )
        })
        .collect();
    Ok((adjustments, decision))
}

fn page_args(page: Option<i64>, per_page: Option<i64>) -> Result<(i64, i64), AppError> {
    let page = page.unwrap_or(1);
    let per_page = per_page.unwrap_or(50);
    if !(1..=1_000_000).contains(&page) {
        return Err(AppError::field(
            "page",
            Invalid::new("Số trang phải từ 1", "page must be 1 or more"),
        ));
    }
    if !(1..=500).contains(&per_page) {
        return Err(AppError::field(
            "per_page",
            Invalid::new(
                "Mỗi trang có từ 1 đến 500 mục",
                "per_page must be between 1 and 500",
            ),
        ));
    }
    Ok((page, per_page))
}

// ---------------------------------------------------------------------------------------------
// Criteria sets

/// Sets in force are for everyone (a citizen fills in the one that applies to them); drafts
/// only for officers of the province that owns them (and the central office), as on the pages.
fn may_read_set(v: &crate::auth::Viewer, owner: &str, status: &str) -> bool {
    status == "active"
        || (v.is_officer() && (owner == "VN" || v.can_read(&format!("/VN/{owner}/"))))
}

pub async fn list_criteria(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    ApiQuery(q): ApiQuery<CriteriaQuery>,
) -> ApiResult<Json<Vec<SetLine>>> {
    let model = q
        .model
        .as_deref()
        .map(|m| model_code("model", m))
        .transpose()?;
    let sql = "SELECT id, code, model, version, owner_code, based_on_id, title_vi, status FROM criteria_sets \
               WHERE ($1 = '' OR model = $1) \
               ORDER BY model, CASE WHEN owner_code = 'VN' THEN 0 ELSE 1 END, owner_code, version DESC";
    let rows = sqlx::query(sql)
        .bind(model.unwrap_or_default())
        .fetch_all(&state.db.pool)
        .await?;
    let mut lines = Vec::with_capacity(rows.len());
    for r in &rows {
        let line = SetLine {
            id: r.try_get(0)?,
            code: r.try_get(1)?,
            model: r.try_get(2)?,
            version: r.try_get(3)?,
            owner: r.try_get(4)?,
            based_on_id: r.try_get(5)?,
            title: r.try_get(6)?,
            status: r.try_get(7)?,
        };
        if may_read_set(&v, &line.owner, &line.status) {
            lines.push(line);
        }
    }
    Ok(Json(lines))
}

pub async fn get_criteria(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<SetDetail>> {
    let id = parse_id(&id)?;
    let row = sqlx::query("SELECT owner_code, status, source FROM criteria_sets WHERE id = $1")
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let owner: String = row.try_get(0)?;
    let status: String = row.try_get(1)?;
    let source: String = row.try_get(2)?;
    if !may_read_set(&v, &owner, &status) {
        return Err(AppError::NotFound.into());
    }
    let set = sets::by_id(&state, id).await?;
    Ok(Json(SetDetail {
        id,
        owner,
        status,
        set: (*set).clone(),
        source,
    }))
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

pub async fn list(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Page<Summary>>> {
    if !v.is_officer() {
        return Err(AppError::NotFound.into());
    }
    let (page, per_page) = page_args(q.page, q.per_page)?;
    let model = q
        .model
        .as_deref()
        .map(|m| model_code("model", m))
        .transpose()?;
    let status = match q.status.as_deref() {
        Some(s) => Some(
            Status::parse(s.trim())
                .ok_or_else(|| {
                    AppError::field(
                        "status",
                        Invalid::new("Không có trạng thái này", "No such status"),
                    )
                })?
                .code()
                .to_owned(),
        ),
        None => None,
    };
    let path = match q.unit.as_deref() {
        Some(code) => {
            let code =
                khuyenhoc_domain::UnitCode::parse(code).map_err(|e| AppError::field("unit", e))?;
            crate::org::service::visible(&state.db, &v, code.as_str())
                .await?
                .path
        }
        None => match v.scope_roots().as_slice() {
            [one] => one.clone(),
            _ => {
                return Err(AppError::field(
                    "unit",
                    Invalid::new(
                        "Hãy chọn đơn vị (tham số unit)",
                        "Give the unit (the unit parameter)",
                    ),
                )
                .into())
            }
        },
    };
    let query = model::Query {
        path,
        year: q.year,
        model,
        status,
        limit: per_page,
        offset: (page - 1) * per_page,
    };
    let (items, total) = model::list(&state.db, &query)
        .await
        .map_err(AppError::from)?;
    Ok(Json(Page {
        items: items.into_iter().map(Summary::from).collect(),
        total,
        page,
        per_page,
    }))
}

pub async fn mine(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
) -> ApiResult<Json<Vec<Summary>>> {
    let items = model::for_person(&state.db, v.person_id)
        .await
        .map_err(AppError::from)?;
    Ok(Json(items.into_iter().map(Summary::from).collect()))
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
// Certificates

pub async fn verify(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<Verification>> {
    let c = certificates::by_code(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(c.into()))
}

pub async fn credential(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
) -> ApiResult<Json<Value>> {
    let c = certificates::for_viewer(&state.db, &v, &code).await?;
    let credential: Value = serde_json::from_str(&c.credential).map_err(|e| {
        AppError::Internal(anyhow::anyhow!(
            "stored credential of {} is not JSON: {e}",
            c.code
        ))
    })?;
    Ok(Json(credential))
}

pub async fn revoke(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<ReasonBody>,
) -> ApiResult<Json<Certificate>> {
    Ok(Json(
        certificates::revoke(&state.db, &v, &code, &b.reason).await?,
    ))
}

// ---------------------------------------------------------------------------------------------
// OpenAPI

/// Request body schemas of these routes, for the OpenAPI document.
pub fn body_schema(method: &str, path: &str) -> Option<Value> {
    let s = |props: Value, required: Value| json!({"type": "object", "properties": props, "required": required, "additionalProperties": false});
    let models: Vec<&str> = Model::ALL.iter().map(|m| m.code()).collect();
    let reason = || {
        s(
            json!({"reason": {"type": "string", "minLength": 3, "maxLength": 2000}}),
            json!(["reason"]),
        )
    };
    Some(match (method, path) {
        ("post", "/api/v1/evaluations") => s(
            json!({
                "model": {"type": "string", "enum": models},
                "subject": {
                    "type": "object",
                    "description": "Exactly one of person_id, group_id, unit_code; omitted: yourself",
                    "properties": {"person_id": {"type": "integer"}, "group_id": {"type": "integer"}, "unit_code": {"type": "string"}},
                    "additionalProperties": false
                },
                "year": {"type": "integer", "description": "from 2020 to next year"},
                "form_group": {"type": ["string", "null"], "description": "a form group code of the criteria set (citizen: farmer, worker, official, student)"}
            }),
            json!(["model", "year"]),
        ),
        ("put", "/api/v1/evaluations/{id}/answers") => s(
            json!({"answers": {
                "type": "object",
                "description": "indicator code → points (scale), 1/0 (yes/no) or a count; null clears the answer",
                "additionalProperties": {"type": ["integer", "null"], "minimum": 0}
            }}),
            json!(["answers"]),
        ),
        ("post", "/api/v1/evaluations/{id}/submit") => s(json!({}), json!([])),
        ("post", "/api/v1/evaluations/{id}/check") => s(
            json!({"note": {"type": ["string", "null"], "maxLength": 2000}}),
            json!([]),
        ),
        ("post", "/api/v1/evaluations/{id}/return")
        | ("post", "/api/v1/certificates/{code}/revoke") => reason(),
        ("post", "/api/v1/evaluations/{id}/review") => s(
            json!({
                "adjustments": {
                    "type": "object",
                    "description": "indicator code → the reviewer's points and a comment (a changed score needs a comment)",
                    "additionalProperties": {
                        "type": "object",
                        "properties": {"adjusted": {"type": ["integer", "null"], "minimum": 0}, "comment": {"type": ["string", "null"]}},
                        "additionalProperties": false
                    }
                },
                "decision": {"type": "string", "enum": ["recognise", "not_recognise"]},
                "decision_no": {"type": "string", "description": "with recognise"},
                "decision_date": {"type": "string", "description": "with recognise: YYYY-MM-DD or DD/MM/YYYY, not in the future"},
                "reason": {"type": "string", "description": "with not_recognise"}
            }),
            json!(["decision"]),
        ),
        _ => return None,
    })
}

/// Query parameters of these routes, for the OpenAPI document.
pub fn query_params(path: &str) -> Vec<Value> {
    let p = |name: &str, ty: &str, desc: &str| json!({"name": name, "in": "query", "required": false, "schema": {"type": ty}, "description": desc});
    match path {
        "/api/v1/evaluations" => vec![
            p("unit", "string", "code of a unit in scope (GET; optional when you hold positions in one subtree only)"),
            p("year", "integer", "the year evaluated"),
            p("model", "string", "citizen, family, clan, community or unit"),
            p("status", "string", "registered, submitted, checked, returned, recognised or not_recognised"),
            p("page", "integer", "from 1"),
            p("per_page", "integer", "1 to 500, default 50"),
        ],
        "/api/v1/criteria" => vec![p("model", "string", "citizen, family, clan, community or unit")],
        _ => vec![],
    }
}
