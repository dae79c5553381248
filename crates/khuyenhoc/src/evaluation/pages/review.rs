//! Officers' pages on one evaluation: the evaluation page, the branch check, returning, and the
//! commune's review with recognition.

use super::{load, shown, ShownGroup};
use crate::accounts::pages::parse_id;
use crate::auth::{perm, Viewer};
use crate::error::{AppError, PageResult};
use crate::evaluation::certificates::{self, Certificate};
use crate::evaluation::lifecycle::Status;
use crate::evaluation::model::{self, Evaluation, Event};
use crate::evaluation::score::Scored;
use crate::evaluation::service::{self, Adjustment, Decision};
use crate::evaluation::worklist::next::{after_action, done_message, From, NavQuery};
use crate::state::AppState;
use crate::web::extract::{PageForm, PageQuery};
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
    pub nav: Nav,
    /// The return form's reason and the check's note as typed, kept when refused.
    pub typed_reason: String,
    pub typed_note: String,
}

impl EvaluationPage {
    /// An officer who may act on it sees every answer and its evidence on this page, above the
    /// check (the check is confirmed below what it confirms).
    pub fn officer_view(&self) -> bool {
        self.can_check || self.can_review
    }
}

/// The list around an evaluation page: `from` (the list's address, checked), `from_qs`
/// (`?from=…` for links, or empty), `back` (the list, for the breadcrumb), `notice`.
#[derive(Debug, Default, Clone)]
pub struct Nav {
    pub from: String,
    pub from_qs: String,
    pub back: Option<String>,
    pub notice: Option<(String, String)>,
}

impl Nav {
    pub fn of(from: &str, done: &str, next: bool) -> Nav {
        let list = From::parse(from);
        Nav {
            from: list.as_ref().map(From::href).unwrap_or_default(),
            from_qs: list
                .as_ref()
                .map(|l| format!("?{}", l.param()))
                .unwrap_or_default(),
            back: list.as_ref().map(From::href),
            notice: done_message(done, next),
        }
    }
}

pub(super) async fn evaluation_page(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    problem: Option<(String, String)>,
) -> PageResult<Html<String>> {
    evaluation_page_with(state, c, v, id, problem, Refused::default()).await
}

/// A refused check or return: the errors next to their fields, what was typed, the list.
#[derive(Default)]
pub struct Refused {
    pub errors: FormErrors,
    pub nav: Nav,
    pub reason: String,
    pub note: String,
}

async fn evaluation_page_with(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    problem: Option<(String, String)>,
    refused: Refused,
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
        errors: refused.errors,
        problem,
        nav: refused.nav,
        typed_reason: refused.reason,
        typed_note: refused.note,
    })
}

pub async fn show(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<NavQuery>,
) -> PageResult<Html<String>> {
    let refused = Refused {
        nav: Nav::of(&q.from, &q.done, true),
        ..Refused::default()
    };
    evaluation_page_with(&state, c, &v, &id, None, refused).await
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub reason: String,
    /// The worklist the evaluation was opened from.
    #[serde(default)]
    pub from: String,
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
    after_officer(&state, c, &v, &id, r, f, "check").await
}

pub async fn return_back(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<NoteForm>,
) -> PageResult<Response> {
    let r = service::return_back(&state, &v, parse_id(&id)?, &f.reason).await;
    after_officer(&state, c, &v, &id, r, f, "return").await
}

/// After a check or a return: the next waiting evaluation of the list it came from (or the
/// list, or the evaluation); refused: the page again, the error next to its field, what was
/// typed kept.
async fn after_officer(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    r: Result<Evaluation, AppError>,
    f: NoteForm,
    action: &str,
) -> PageResult<Response> {
    match r {
        Ok(e) => {
            let to = after_action(state, v, &f.from, e.id, action).await?;
            Ok(Redirect::to(&to).into_response())
        }
        Err(
            e @ (AppError::Unprocessable { .. }
            | AppError::BadRequest { .. }
            | AppError::Invalid(_)
            | AppError::Conflict(_)),
        ) => {
            let status = e.status();
            let (errors, problem) = match e {
                AppError::Invalid(f) => (FormErrors(f), None),
                e => (FormErrors::default(), Some(e.messages())),
            };
            let refused = Refused {
                errors,
                nav: Nav::of(&f.from, "", false),
                reason: f.reason,
                note: f.note,
            };
            Ok((
                status,
                evaluation_page_with(state, c, v, id, problem, refused).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
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
    pub errors: FormErrors,
    /// The indicator whose reviewed score is not a number, by code.
    pub bad_adj: Option<String>,
    /// The indicator whose score was changed without a comment, by code.
    pub bad_comment: Option<String>,
    /// Messages of errors with no field on this form (shown at the top).
    pub other: Vec<(String, String)>,
    /// The first field to fix (focused, and linked from the top).
    pub first_invalid: Option<String>,
    /// Every field as sent, kept when the review is refused.
    pub typed: Vec<(String, String)>,
    pub not_recognise: bool,
    /// The worklist the evaluation was opened from (its address), or empty.
    pub from: String,
    pub from_qs: String,
    pub back: Option<String>,
}

impl ReviewPage {
    /// What was typed in field `name`, or `default` when nothing was sent.
    pub fn typed(&self, name: &str, default: &str) -> String {
        self.typed
            .iter()
            .find(|(n, _)| n == name)
            .map_or_else(|| default.to_owned(), |(_, v)| v.clone())
    }
    /// The same for an indicator's field (`adj_`, `comment_` and its code).
    pub fn typed_field(&self, prefix: &str, code: &str, default: &str) -> String {
        self.typed(&format!("{prefix}{code}"), default)
    }
    pub fn bad_adj(&self, code: &str) -> bool {
        self.bad_adj.as_deref() == Some(code)
    }
    pub fn bad_comment(&self, code: &str) -> bool {
        self.bad_comment.as_deref() == Some(code)
    }
    pub fn focus(&self, name: &str) -> bool {
        self.first_invalid.as_deref() == Some(name)
    }
    pub fn focus_field(&self, prefix: &str, code: &str) -> bool {
        self.focus(&format!("{prefix}{code}"))
    }
}

/// A review sent back: its errors and what was typed.
#[derive(Default)]
pub struct ReviewSent {
    pub problem: Option<(String, String)>,
    pub errors: FormErrors,
    pub bad_adj: Option<String>,
    pub typed: Vec<(String, String)>,
    pub from: String,
}

pub(super) async fn review_view(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    sent: ReviewSent,
) -> PageResult<Html<String>> {
    let l = load(state, v, id).await?;
    if v.position_for(perm::EVALUATION_RECOGNISE, &l.e.unit_path)
        .is_none()
    {
        return Err(AppError::NotFound.into());
    }
    let nav = Nav::of(&sent.from, "", false);
    let groups = shown(&l);
    // "A changed score needs a comment": beside the comment of the first score changed without one.
    let bad_comment = sent.errors.get("comment").and_then(|_| {
        let typed = |name: String| {
            sent.typed
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.trim().to_owned())
                .unwrap_or_default()
        };
        groups
            .iter()
            .flat_map(|g| g.indicators.iter())
            .find(|i| {
                let adj = typed(format!("adj_{}", i.code)).parse::<u32>().ok();
                adj.is_some() && adj != i.value && typed(format!("comment_{}", i.code)).is_empty()
            })
            .map(|i| i.code.clone())
    });
    // Errors with no field of their own on this form, shown at the top.
    let placed = ["decision_no", "decision_date", "reason"];
    let other: Vec<(String, String)> = sent
        .errors
        .0
        .iter()
        .filter(|e| !(placed.contains(&e.field) || (e.field == "comment" && bad_comment.is_some())))
        .map(|e| (e.message_vi.to_owned(), e.message_en.to_owned()))
        .collect();
    render(&ReviewPage {
        c,
        title_vi: l.set.title().vi.clone(),
        groups,
        scored: l.scored,
        today: state.clock.vn_today().format("%Y-%m-%d").to_string(),
        e: l.e,
        problem: sent.problem,
        first_invalid: sent
            .bad_adj
            .as_ref()
            .map(|c| format!("adj_{c}"))
            .or_else(|| bad_comment.as_ref().map(|c| format!("comment_{c}")))
            .or_else(|| {
                ["decision_no", "decision_date", "reason"]
                    .into_iter()
                    .find(|f| sent.errors.get(f).is_some())
                    .map(str::to_owned)
            }),
        not_recognise: sent
            .typed
            .iter()
            .any(|(n, v)| n == "decision" && v == "not_recognise"),
        errors: sent.errors,
        bad_adj: sent.bad_adj,
        bad_comment,
        other,
        typed: sent.typed,
        from: nav.from,
        from_qs: nav.from_qs,
        back: nav.back,
    })
}

pub async fn review_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<NavQuery>,
) -> PageResult<Html<String>> {
    let sent = ReviewSent {
        from: q.from,
        ..ReviewSent::default()
    };
    review_view(&state, c, &v, &id, sent).await
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
                let sent = ReviewSent {
                    bad_adj: Some(code.to_owned()),
                    from: get("from"),
                    typed: pairs.clone(),
                    ..ReviewSent::default()
                };
                return Ok((
                    StatusCode::UNPROCESSABLE_ENTITY,
                    review_view(&state, c, &v, &id, sent).await?,
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
    let action = match decision {
        Decision::NotRecognise { .. } => "not_recognise",
        Decision::Recognise { .. } => "recognise",
    };
    match service::review(&state, &v, parse_id(&id)?, &adjustments, &decision).await {
        Ok(e) => {
            let to = after_action(&state, &v, &get("from"), e.id, action).await?;
            Ok(Redirect::to(&to).into_response())
        }
        Err(
            e @ (AppError::Unprocessable { .. }
            | AppError::BadRequest { .. }
            | AppError::Invalid(_)),
        ) => {
            let status = e.status();
            let (errors, problem) = match e {
                AppError::Invalid(f) => (FormErrors(f), None),
                e => (FormErrors::default(), Some(e.messages())),
            };
            let sent = ReviewSent {
                problem,
                errors,
                from: get("from"),
                typed: pairs.clone(),
                ..ReviewSent::default()
            };
            Ok((status, review_view(&state, c, &v, &id, sent).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
