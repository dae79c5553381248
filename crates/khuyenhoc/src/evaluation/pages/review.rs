//! Officers' pages on one evaluation: the evaluation page, the branch check, returning, and the
//! commune's review with recognition.

use super::{after, load, shown, ShownGroup};
use crate::accounts::pages::parse_id;
use crate::auth::{perm, Viewer};
use crate::error::{AppError, PageResult};
use crate::evaluation::certificates::{self, Certificate};
use crate::evaluation::lifecycle::Status;
use crate::evaluation::model::{self, Evaluation, Event};
use crate::evaluation::score::Scored;
use crate::evaluation::service::{self, Adjustment, Decision};
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::layout::{render, Chrome, FormErrors};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Template)]
#[template(path = "evaluation.html")]
pub struct EvaluationPage {
    pub c: Chrome,
    pub e: Evaluation,
    pub title_vi: String,
    pub title_en: String,
    /// The form group's name (Vietnamese, English), when the set has form groups.
    pub form_group_name: Option<(String, String)>,
    pub groups: Vec<ShownGroup>,
    pub scored: Scored,
    pub events: Vec<Event>,
    pub editable: bool,
    pub can_check: bool,
    pub can_enter: bool,
    pub can_review: bool,
    pub certificate: Option<Certificate>,
    pub can_revoke: bool,
    pub errors: FormErrors,
    pub problem: Option<(String, String)>,
    /// Whether the viewer may open the unit's page (officers in scope): the breadcrumb leads
    /// there, else home.
    pub unit_link: bool,
}

pub(super) async fn evaluation_page(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    problem: Option<(String, String)>,
) -> PageResult<Html<String>> {
    let l = load(state, v, id).await?;
    // No one acts as an officer on their own record (the service refuses it too).
    let own = crate::evaluation::service::own(&state.db, v, &l.e).await?;
    let officer = |right: &str| v.position_for(right, &l.e.unit_path).filter(|_| !own);
    let reviewer = officer(perm::EVALUATION_RECOGNISE).is_some();
    let code: Option<String> = sqlx::query_scalar(
        "SELECT code FROM certificates WHERE evaluation_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(l.e.id)
    .fetch_optional(&state.db.pool)
    .await?;
    let certificate = match code {
        Some(code) => certificates::by_code(&state.db, &code).await?,
        None => None,
    };
    render(&EvaluationPage {
        c,
        title_vi: l.set.title().vi.clone(),
        form_group_name: l
            .e
            .form_group
            .as_deref()
            .and_then(|code| l.set.form_groups().iter().find(|g| g.code == code))
            .map(|g| (g.name.vi.clone(), g.name.en.clone())),
        title_en: l.set.title().en.clone(),
        groups: shown(&l),
        events: model::events(&state.db, l.e.id).await?,
        editable: l.e.status.editable(),
        can_enter: officer(perm::EVALUATION_ENTER).is_some(),
        can_check: officer(perm::EVALUATION_CHECK).is_some() && l.e.status == Status::Submitted,
        can_review: reviewer && matches!(l.e.status, Status::Submitted | Status::Checked),
        can_revoke: reviewer && certificate.as_ref().is_some_and(|c| !c.revoked),
        certificate,
        scored: l.scored,
        unit_link: v.can_read(&l.e.unit_path),
        e: l.e,
        errors: FormErrors::default(),
        problem,
    })
}

pub async fn show(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Html<String>> {
    evaluation_page(&state, c, &v, &id, None).await
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn check(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<NoteForm>,
) -> PageResult<Response> {
    let note = Some(f.note.trim()).filter(|n| !n.is_empty());
    let r = service::check(&state, &v, parse_id(&id)?, note).await;
    after(&state, c, &v, &id, r).await
}

pub async fn return_back(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<NoteForm>,
) -> PageResult<Response> {
    let r = service::return_back(&state, &v, parse_id(&id)?, &f.reason).await;
    after(&state, c, &v, &id, r).await
}

#[derive(Template)]
#[template(path = "evaluation_review.html")]
pub struct ReviewPage {
    pub c: Chrome,
    pub e: Evaluation,
    pub title_vi: String,
    pub groups: Vec<ShownGroup>,
    pub scored: Scored,
    pub today: String,
    pub problem: Option<(String, String)>,
}

pub(super) async fn review_view(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    problem: Option<(String, String)>,
) -> PageResult<Html<String>> {
    let l = load(state, v, id).await?;
    if v.position_for(perm::EVALUATION_RECOGNISE, &l.e.unit_path)
        .is_none()
    {
        return Err(AppError::NotFound.into());
    }
    render(&ReviewPage {
        c,
        title_vi: l.set.title().vi.clone(),
        groups: shown(&l),
        scored: l.scored,
        today: state.clock.vn_today().format("%Y-%m-%d").to_string(),
        e: l.e,
        problem,
    })
}

pub async fn review_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Html<String>> {
    review_view(&state, c, &v, &id, None).await
}

pub async fn review(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let mut adjustments: BTreeMap<String, Adjustment> = BTreeMap::new();
    for (k, val) in &pairs {
        if let Some(code) = k.strip_prefix("adj_") {
            let adjusted = if val.trim().is_empty() {
                None
            } else {
                val.trim().parse::<u32>().ok()
            };
            if adjusted.is_none() && !val.trim().is_empty() {
                return Ok((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    review_view(
                        &state,
                        c,
                        &v,
                        &id,
                        Some((
                            format!("«{val}» không phải là số"),
                            format!("“{val}” is not a number"),
                        )),
                    )
                    .await?,
                )
                    .into_response());
            }
            adjustments.entry(code.to_owned()).or_default().adjusted = adjusted;
        } else if let Some(code) = k.strip_prefix("comment_") {
            adjustments.entry(code.to_owned()).or_default().comment = Some(val.clone());
        }
    }
    let decision = if get("decision") == "not_recognise" {
        Decision::NotRecognise {
            reason: get("reason"),
        }
    } else {
        Decision::Recognise {
            decision_no: get("decision_no"),
            decision_date: get("decision_date"),
        }
    };
    match service::review(&state, &v, parse_id(&id)?, &adjustments, &decision).await {
        Ok(e) => Ok(Redirect::to(&format!("/evaluations/{}", e.id)).into_response()),
        Err(
            e @ (AppError::Unprocessable { .. }
            | AppError::BadRequest { .. }
            | AppError::Invalid(_)),
        ) => {
            let status = e.status();
            let (vi, en) = e.messages();
            Ok((
                status,
                review_view(&state, c, &v, &id, Some((vi, en))).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}
