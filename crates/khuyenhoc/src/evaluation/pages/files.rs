//! Evidence uploaded from a page and served back to those who may read it.

use super::group_view;
use super::review::evaluation_page;
use crate::accounts::pages::parse_id;
use crate::auth::Viewer;
use crate::error::{AppError, PageError, PageResult};
use crate::state::AppState;
use crate::web::layout::Chrome;
use axum::extract::multipart::MultipartError;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

pub async fn add_evidence(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    mut form: Multipart,
) -> PageResult<Response> {
    let mut indicator = String::new();
    let mut note = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut back = String::new();
    // A body beyond the size limit is 413, like every other form; anything else unreadable 400.
    let unreadable = |e: MultipartError| {
        PageError(if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::bad_request("Không đọc được tệp gửi lên", "The upload could not be read")
        })
    };
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        match field.name().unwrap_or_default() {
            "indicator" => indicator = field.text().await.map_err(unreadable)?,
            "note" => note = field.text().await.map_err(unreadable)?,
            "back" => back = field.text().await.map_err(unreadable)?,
            "file" => {
                let name = field.file_name().unwrap_or("tep").to_owned();
                let bytes = field.bytes().await.map_err(unreadable)?;
                if !bytes.is_empty() {
                    file = Some((name, bytes.to_vec()));
                }
            }
            _ => {}
        }
    }
    let r =
        crate::evaluation::evidence::attach(&state, &v, parse_id(&id)?, &indicator, file, &note)
            .await;
    let back = if back.starts_with(&format!("/evaluations/{id}")) {
        back
    } else {
        format!("/evaluations/{id}")
    };
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
                Some(n) => group_view(&state, c, &v, &id, &n, Some(msg)).await?,
                None => evaluation_page(&state, c, &v, &id, Some(msg)).await?,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
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
