//! The batch import of Learning Citizen forms through the API (issue 16, item 8): the twins of
//! the batch page's two forms, through the same import (`CitizenBatch`) and the pipeline's API
//! steps (`sheets::api`): an upload answers the preview (every row, accepted or refused with its
//! reasons, and an `import_id`), and the confirmation writes every accepted row, all or nothing.

use super::{entry_unit, pages, parse_year, CitizenBatch, MAX_UPLOAD_BYTES};
use crate::auth::ApiViewer;
use crate::error::ApiResult;
use crate::sheets::api::{self as flow, Previewed, Saved};
use crate::sheets::upload;
use crate::state::AppState;
use crate::web::route::{api, Access, Route};
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::Json;
use serde_json::{json, Value};

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        upload::body_limit(api(M::POST, "/api/v1/units/{code}/evaluations/import", Officer, "Preview a filled Excel workbook of Learning Citizen forms (multipart: file, year): every row's outcome and an import_id; nothing saved", preview), MAX_UPLOAD_BYTES),
        api(M::POST, "/api/v1/units/{code}/evaluations/import/{id}/confirm", Officer, "Save the accepted rows of a previewed workbook, all or nothing", confirm),
    ]
}

pub async fn preview(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<Json<Previewed>> {
    let unit = entry_unit(&state, &v, &code).await?;
    let up = upload::read(form, &["year"]).await?;
    let year = parse_year(up.field("year"))?;
    let p = pages::pages(&unit, year);
    let batch = CitizenBatch::new(&state, v, unit, year, p).await?;
    Ok(Json(flow::preview(&state, batch, up, Some(year)).await?))
}

pub async fn confirm(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((code, id)): Path<(String, String)>,
) -> ApiResult<Json<Saved>> {
    let unit = entry_unit(&state, &v, &code).await?;
    let f = flow::confirm_of(&id)?;
    let year = parse_year(Some(&f.year))?;
    let p = pages::pages(&unit, year);
    let batch = CitizenBatch::new(&state, v, unit, year, p).await?;
    Ok(Json(flow::commit(&state, batch, f).await?))
}

/// The request bodies of these routes, for the OpenAPI document.
pub fn body_schema(method: &str, path: &str) -> Option<Value> {
    match (method, path) {
        ("post", "/api/v1/units/{code}/evaluations/import") => Some(json!({
            "x-media": "multipart/form-data",
            "type": "object",
            "properties": {
                "file": {"type": "string", "contentMediaType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "description": "the workbook made from the unit's template (GET /units/{code}/batch/template.xlsx)"},
                "year": {"type": "string", "description": "the year evaluated (default: this year)"}
            },
            "required": ["file"],
        })),
        ("post", "/api/v1/units/{code}/evaluations/import/{id}/confirm") => Some(json!({
            "type": "object", "properties": {}, "required": [], "additionalProperties": false
        })),
        _ => None,
    }
}
