//! Evidence uploaded from a page and served back to those who may read it.

use super::group_view;
use super::review::evaluation_page;
use crate::accounts::pages::parse_id;
use crate::auth::Viewer;
use crate::error::{AppError, PageResult};
use crate::state::AppState;
use crate::web::layout::Chrome;
use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

/// The fields of an evidence form: indicator, note, back (where to return) and the file. The
/// API reads the same form (`evaluation::api::evidence`).
#[derive(Default)]
pub struct EvidenceForm {
    pub indicator: String,
    pub note: String,
    pub back: String,
    pub file: Option<(String, Vec<u8>)>,
}

/// Reads an evidence form within the upload's size limit (413 beyond it).
pub async fn read_form(mut form: Multipart) -> Result<EvidenceForm, AppError> {
    let mut f = EvidenceForm::default();
    // A body beyond the size limit is 413, like every other form; anything else unreadable 400.
    let unreadable = |e: MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::bad_request("Không đọc được tệp gửi lên", "The upload could not be read")
        }
    };
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        match field.name().unwrap_or_default() {
            "indicator" => f.indicator = field.text().await.map_err(unreadable)?,
            "note" => f.note = field.text().await.map_err(unreadable)?,
            "back" => f.back = field.text().await.map_err(unreadable)?,
            "file" => {
                let name = field.file_name().unwrap_or("tep").to_owned();
                let bytes = field.bytes().await.map_err(unreadable)?;
                if !bytes.is_empty() {
                    f.file = Some((name, bytes.to_vec()));
                }
            }
            _ => {}
        }
    }
    Ok(f)
}

/// Where to go after an evidence form of evaluation `id`: back to the page it came from when
/// that is one of this evaluation's, else the evaluation's page.
fn back_to(id: &str, back: String) -> String {
    if back.starts_with(&format!("/evaluations/{id}")) {
        back
    } else {
        format!("/evaluations/{id}")
    }
}

/// The answer to an evidence form: the page it came from, or that page again with the message
/// of a refused field.
async fn answered(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    back: String,
    r: Result<(), AppError>,
) -> PageResult<Response> {
    let back = back_to(id, back);
    // The question group the form was on, when it came from one; else the evaluation's page.
    let group = back
        .strip_prefix(&format!("/evaluations/{id}/groups/"))
        .filter(|n| n.parse::<usize>().is_ok())
        .map(str::to_owned);
    match r {
        Ok(()) => Ok(Redirect::to(&back).into_response()),
        Err(AppError::Invalid(f)) => {
            let msg = crate::error::field_messages(&f);
            let page = match group {
                Some(n) => group_view(state, c, v, id, &n, Some(msg)).await?,
                None => evaluation_page(state, c, v, id, Some(msg)).await?,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn add_evidence(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    form: Multipart,
) -> PageResult<Response> {
    let f = read_form(form).await?;
    let r = crate::evaluation::evidence::attach(
        &state,
        &v,
        parse_id(&id)?,
        &f.indicator,
        f.file,
        &f.note,
    )
    .await
    .map(|_| ());
    answered(&state, c, &v, &id, f.back, r).await
}

/// The evaluation a piece of evidence belongs to (its id as text), or 404.
async fn evaluation_of(state: &AppState, evidence_id: i64) -> Result<String, AppError> {
    let id: Option<i64> = sqlx::query_scalar("SELECT evaluation_id FROM evidence WHERE id = $1")
        .bind(evidence_id)
        .fetch_optional(&state.db.pool)
        .await?;
    id.map(|i| i.to_string()).ok_or(AppError::NotFound)
}

#[derive(serde::Deserialize)]
pub struct BackForm {
    #[serde(default)]
    pub back: String,
}

/// The owner removes a piece of evidence before submission.
pub async fn remove_evidence(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    crate::web::extract::PageForm(f): crate::web::extract::PageForm<BackForm>,
) -> PageResult<Response> {
    let evidence_id = parse_id(&id)?;
    let evaluation = evaluation_of(&state, evidence_id).await?;
    let r = crate::evaluation::evidence::remove(&state, &v, evidence_id).await;
    answered(&state, c, &v, &evaluation, f.back, r.map(|_| ())).await
}

/// The owner replaces an evidence file before submission.
pub async fn replace_evidence(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    form: Multipart,
) -> PageResult<Response> {
    let evidence_id = parse_id(&id)?;
    let f = read_form(form).await?;
    let evaluation = evaluation_of(&state, evidence_id).await?;
    let r = crate::evaluation::evidence::replace(&state, &v, evidence_id, f.file).await;
    answered(&state, c, &v, &evaluation, f.back, r.map(|_| ())).await
}

pub async fn evidence_file(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let (ev, bytes) = crate::evaluation::evidence::file(&state, &v, parse_id(&id)?).await?;
    let ct = ev
        .content_type
        .clone()
        .unwrap_or_else(|| "application/octet-stream".into());
    Ok(download(
        &ct,
        ev.file_name.as_deref().unwrap_or("tep"),
        bytes,
    ))
}

/// A stored file as a download. Only photos (which the upload re-encoded, so they carry no
/// script) open in the browser; anything else is saved as a file. Either way the answer runs in
/// a sandbox (`Content-Security-Policy: sandbox`): even a file that a browser would render
/// cannot run script or reach the site's cookies. Personal data: the edge adds `no-store`.
pub fn download(content_type: &str, name: &str, bytes: impl IntoResponse) -> Response {
    let photo = matches!(content_type, "image/jpeg" | "image/png" | "image/webp");
    let how = if photo { "inline" } else { "attachment" };
    let ascii: String = name
        .chars()
        .map(|c| match c {
            c if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') => c,
            _ => '_',
        })
        .collect();
    let utf8 = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    let disposition = format!("{how}; filename=\"{ascii}\"; filename*=UTF-8''{utf8}");
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CONTENT_SECURITY_POLICY, "sandbox".to_owned()),
        ],
        bytes,
    )
        .into_response()
}
