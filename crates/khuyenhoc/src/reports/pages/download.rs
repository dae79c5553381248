//! Files sent back: the report as Excel or a printable PDF, and how every download of these
//! pages is named and typed.

use crate::auth::Viewer;
use crate::error::PageResult;
use crate::reports::service;
use crate::state::AppState;
use crate::web::extract::PageQuery;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct FormatQuery {
    #[serde(default)]
    pub format: String,
    #[serde(default)]
    pub as_of: String,
}

pub(super) fn download(bytes: Vec<u8>, content_type: &str, name: &str) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The content type of an Excel workbook.
pub(super) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub async fn export(
    State(state): State<AppState>,
    v: Viewer,
    Path((code, period)): Path<(String, String)>,
    PageQuery(q): PageQuery<FormatQuery>,
) -> PageResult<Response> {
    let r = service::get(&state, &v, &code, &period).await?;
    let name = format!("bao-cao-{}-{}", r.unit.code, r.period);
    match q.format.as_str() {
        "pdf" => {
            let pdf = crate::reports::export::report_pdf(&state.db, &r).await?;
            Ok(download(pdf, "application/pdf", &format!("{name}.pdf")))
        }
        _ => {
            let x = crate::reports::export::report_xlsx(&r)
                .map_err(|e| anyhow::anyhow!("xlsx: {e}"))?;
            Ok(download(x, XLSX, &format!("{name}.xlsx")))
        }
    }
}
