//! Evidence through the API (issue 16, item 8): the twins of the evaluation page's evidence
//! forms. The same multipart form (`indicator`, `note`, `file`) within the same size limit, read
//! by the page's reader, and the same service calls (`evaluation::evidence`): who may attach,
//! the kinds an indicator takes, the checks by content and the audit entries are theirs.

use crate::accounts::pages::parse_id;
use crate::auth::ApiViewer;
use crate::error::{ApiResult, AppError};
use crate::evaluation::model::{self, Evidence};
use crate::evaluation::pages::read_form;
use crate::evaluation::{evidence, service};
use crate::state::AppState;
use crate::web::extract::ApiQuery;
use crate::web::list::ListPage;
use crate::web::list_small::{page_small, SmallQuery};
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

/// The evidence of an evaluation, for whoever may read it.
pub async fn list_evidence(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<SmallQuery>,
) -> ApiResult<Json<ListPage<Evidence>>> {
    let e = service::visible(&state.db, &v, parse_id(&id)?).await?;
    let items = model::evidence(&state.db, e.id)
        .await
        .map_err(AppError::from)?;
    Ok(Json(page_small(
        items,
        q.q.as_deref(),
        q.cursor.as_deref(),
        q.per_page,
        |x| format!("{} {}", x.indicator, x.note.as_deref().unwrap_or_default()),
        |x| (format!("{:020}", x.id), x.id),
    )?))
}

/// The multipart form, or a problem answer (400) for a request that is not one: axum's own
/// rejection is plain text, which the API never answers.
fn multipart(form: Result<Multipart, MultipartRejection>) -> Result<Multipart, AppError> {
    form.map_err(|e| {
        AppError::bad_request(
            "Cần gửi biểu mẫu multipart/form-data (indicator, note, file)",
            format!("Send a multipart/form-data form (indicator, note, file): {e}"),
        )
    })
}

/// One piece of evidence of an evaluation, as stored.
async fn one(state: &AppState, evaluation: i64, id: i64) -> Result<Evidence, AppError> {
    model::evidence(&state.db, evaluation)
        .await?
        .into_iter()
        .find(|x| x.id == id)
        .ok_or(AppError::NotFound)
}

/// Attaches a photo, a PDF or a note to an indicator (the page's form, as multipart).
pub async fn attach_evidence(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<Evidence>)> {
    let evaluation = parse_id(&id)?;
    // Scope first: a caller who may not read the evaluation learns nothing from the form.
    service::visible(&state.db, &v, evaluation).await?;
    let f = read_form(multipart(form)?).await?;
    let added = evidence::attach(&state, &v, evaluation, &f.indicator, f.file, &f.note).await?;
    Ok((
        StatusCode::CREATED,
        Json(one(&state, evaluation, added).await?),
    ))
}

/// Replaces the file of a piece of evidence (its owner, before submission).
pub async fn replace_evidence(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<Json<Evidence>> {
    let id = parse_id(&id)?;
    let f = read_form(multipart(form)?).await?;
    let evaluation = evidence::replace(&state, &v, id, f.file).await?;
    Ok(Json(one(&state, evaluation, id).await?))
}

/// The multipart request bodies of these routes, for the OpenAPI document.
pub fn body_schema(method: &str, path: &str) -> Option<Value> {
    let file = json!({"type": "string", "contentMediaType": "application/octet-stream", "description": "a photo (JPEG, PNG, WebP: reduced on arrival, at most 12 MB) or a PDF (at most 8 MB), checked by its content"});
    Some(match (method, path) {
        ("post", "/api/v1/evaluations/{id}/evidence") => json!({
            "x-media": "multipart/form-data",
            "type": "object",
            "properties": {
                "indicator": {"type": "string", "description": "the indicator's code in the evaluation's criteria set"},
                "note": {"type": "string", "maxLength": khuyenhoc_domain::limits::LONG_TEXT.max, "description": "a note; alone, the evidence is the note"},
                "file": file,
            },
            "required": ["indicator"],
        }),
        ("put", "/api/v1/evidence/{id}") => json!({
            "x-media": "multipart/form-data",
            "type": "object",
            "properties": {"file": file},
            "required": ["file"],
        }),
        _ => return None,
    })
}
