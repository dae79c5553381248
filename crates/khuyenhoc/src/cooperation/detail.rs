//! The page of one cooperation programme and its forms: commitments added and marked done,
//! reviews added and recorded as held, files attached and downloaded.

use super::api::{no_file, read_upload};
use super::edit::{self, Held};
use super::model::Labels;
use super::model::{self, Detail};
use super::service::{self, NewCommitment, NewReview};
use crate::accounts::pages::parse_id;
use crate::auth::Viewer;
use crate::error::{AppError, PageResult};
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::layout::{render, Chrome, FormErrors};
use crate::web::route::{r, Access, Route};
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        r(M::GET, "/cooperation/{id}", Officer, "A cooperation programme: partners, units, commitments, reviews, files", detail_page),
        r(M::POST, "/cooperation/{id}/commitments", Officer, "Add a commitment to a programme", add_commitment),
        r(M::POST, "/cooperation/{id}/commitments/{cid}/done", Officer, "Mark a commitment done", commitment_done),
        r(M::POST, "/cooperation/{id}/reviews", Officer, "Add a review a programme foresees", add_review),
        r(M::POST, "/cooperation/{id}/reviews/{rid}/held", Officer, "Record a review as held with its results", review_held),
        r(M::POST, "/cooperation/{id}/files", Officer, "Attach a file to a programme or one of its reviews", attach),
        r(M::GET, "/cooperation/{id}/files/{fid}", Officer, "Download a file of a programme", download),
    ]
}

fn kind_vi(code: &str) -> &'static str {
    model::kind_labels(code).0
}
fn kind_en(code: &str) -> &'static str {
    model::kind_labels(code).1
}

#[derive(Template)]
#[template(path = "cooperation.html")]
pub struct DetailPage {
    pub c: Chrome,
    pub d: Detail,
    pub can_edit: bool,
    pub errors: FormErrors,
    pub today: String,
    pub labels: Labels,
    /// The unit whose list of programmes the breadcrumb leads to: the owner for those who read
    /// it, else the reader's own unit under a covered one.
    pub back: (String, String),
}

impl DetailPage {
    pub fn day(&self, iso: &str) -> String {
        crate::i18n::day(iso)
    }
    pub fn kind_vi(&self, k: &str) -> &'static str {
        kind_vi(k)
    }
    pub fn kind_en(&self, k: &str) -> &'static str {
        kind_en(k)
    }
    pub fn review_vi(&self, k: &str) -> &'static str {
        model::review_labels(k).0
    }
    pub fn review_en(&self, k: &str) -> &'static str {
        model::review_labels(k).1
    }
    /// A state in words (Vietnamese, English).
    pub fn state_vi(&self, s: &str) -> &'static str {
        state_labels(s).0
    }
    pub fn state_en(&self, s: &str) -> &'static str {
        state_labels(s).1
    }
    pub fn kb(&self, n: &i64) -> i64 {
        (*n + 1023) / 1024
    }
}

/// The states of commitments and reviews in words.
pub fn state_labels(s: &str) -> (&'static str, &'static str) {
    match s {
        "done" => ("Đã hoàn thành", "Done"),
        "late" => ("Quá hạn", "Late"),
        "held" => ("Đã tổ chức", "Held"),
        "due" => ("Sắp đến hạn", "Coming due"),
        "overdue" => ("Quá hạn", "Overdue"),
        "planned" => ("Theo kế hoạch", "Planned"),
        _ => ("Đang thực hiện", "Open"),
    }
}

async fn detail_view(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    errors: FormErrors,
) -> Result<axum::response::Html<String>, crate::error::PageError> {
    let d = service::read(&state.db, v, parse_id(id)?).await?;
    let p = &d.programme;
    let back = if v.can_read(&p.unit_path) {
        (p.unit_code.clone(), p.unit_name.clone())
    } else {
        v.positions
            .iter()
            .find(|h| d.units.iter().any(|u| h.unit_path.starts_with(&u.path)))
            .map_or_else(
                || (p.unit_code.clone(), p.unit_name.clone()),
                |h| (h.unit_code.clone(), h.unit_name.clone()),
            )
    };
    render(&DetailPage {
        back,
        c,
        can_edit: service::may_edit(v, &d.programme),
        d,
        errors,
        today: crate::db::today(),
        labels: Labels,
    })
}

async fn detail_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    Ok(detail_view(&state, c, &v, &id, FormErrors::default())
        .await?
        .into_response())
}

/// The answer to a form of the programme page: back to it, or the page again with the message
/// of a refused field.
async fn answered<T>(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    r: Result<T, AppError>,
    anchor: &str,
) -> PageResult<Response> {
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/cooperation/{id}#{anchor}")).into_response()),
        Err(AppError::Invalid(e)) => {
            let page = detail_view(state, c, v, id, FormErrors(e)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The commitment form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct CommitmentForm {
    #[serde(default)]
    pub what: String,
    #[serde(default)]
    pub partner_id: String,
    #[serde(default)]
    pub due_on: String,
}

async fn add_commitment(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<CommitmentForm>,
) -> PageResult<Response> {
    let pid = parse_id(&id)?;
    let partner_id = match f.partner_id.trim() {
        "" => None,
        s => Some(parse_id(s)?),
    };
    let body = NewCommitment {
        what: f.what,
        partner_id,
        due_on: f.due_on,
    };
    let r = edit::add_commitment(&state.db, &v, pid, &body).await;
    answered(&state, c, &v, &id, r, "commitments").await
}

/// The day a commitment was done, as typed.
#[derive(Debug, Default, Deserialize)]
pub struct DoneForm {
    #[serde(default)]
    pub done_on: String,
}

async fn commitment_done(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path((id, cid)): Path<(String, String)>,
    PageForm(f): PageForm<DoneForm>,
) -> PageResult<Response> {
    let r = edit::commitment_done(
        &state.db,
        &v,
        parse_id(&id)?,
        parse_id(&cid)?,
        Some(f.done_on.as_str()),
    )
    .await;
    answered(&state, c, &v, &id, r, "commitments").await
}

/// The review form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub due_on: String,
}

async fn add_review(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<ReviewForm>,
) -> PageResult<Response> {
    let body = NewReview {
        kind: f.kind,
        due_on: f.due_on,
    };
    let r = edit::add_review(&state.db, &v, parse_id(&id)?, &body).await;
    answered(&state, c, &v, &id, r, "reviews").await
}

/// The held review form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct HeldForm {
    #[serde(default)]
    pub held_on: String,
    #[serde(default)]
    pub results: String,
}

async fn review_held(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path((id, rid)): Path<(String, String)>,
    PageForm(f): PageForm<HeldForm>,
) -> PageResult<Response> {
    let body = Held {
        held_on: f.held_on,
        results: f.results,
    };
    let r = edit::review_held(&state.db, &v, parse_id(&id)?, parse_id(&rid)?, &body).await;
    answered(&state, c, &v, &id, r, "reviews").await
}

async fn attach(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult<Response> {
    let pid = parse_id(&id)?;
    service::read(&state.db, &v, pid).await?;
    let form = form.map_err(|_| {
        AppError::bad_request("Không đọc được tệp gửi lên", "The upload could not be read")
    })?;
    let u = read_upload(form).await?;
    let r = match u.file {
        Some((name, bytes)) => edit::attach(&state, &v, pid, u.review_id, &name, bytes).await,
        None => Err(no_file()),
    };
    answered(&state, c, &v, &id, r, "files").await
}

async fn download(
    State(state): State<AppState>,
    v: Viewer,
    Path((id, fid)): Path<(String, String)>,
) -> PageResult<Response> {
    let d = service::read(&state.db, &v, parse_id(&id)?).await?;
    let fid = parse_id(&fid)?;
    let f = d
        .files
        .into_iter()
        .find(|f| f.id == fid)
        .ok_or(AppError::NotFound)?;
    let bytes = state
        .files
        .get(&f.object_key)
        .await
        .map_err(AppError::Internal)?;
    let name: String = f
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, f.content_type),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
