//! Certificates from a page: the PDF, the signed credential, revocation, and the public
//! verification page.

use super::{evaluation_page, NoteForm};
use crate::auth::{OptionalViewer, Viewer};
use crate::error::{AppError, PageResult};
use crate::evaluation::certificates::{self, Certificate};
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::layout::{render, Chrome};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

pub async fn certificate_pdf(
    State(state): State<AppState>,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let cert = certificates::for_viewer(&state.db, &v, &code).await?;
    let pdf = certificates::pdf(&state, &cert).await?;
    let disposition = format!("inline; filename=\"giay-chung-nhan-{}.pdf\"", cert.code);
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        pdf,
    )
        .into_response())
}

pub async fn credential(
    State(state): State<AppState>,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let cert = certificates::for_viewer(&state.db, &v, &code).await?;
    let disposition = format!("attachment; filename=\"chung-nhan-{}.json\"", cert.code);
    Ok((
        [
            (header::CONTENT_TYPE, "application/vc+json".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        cert.credential,
    )
        .into_response())
}

pub async fn revoke(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<NoteForm>,
) -> PageResult<Response> {
    match certificates::revoke(&state.db, &v, &code, &f.reason).await {
        Ok(cert) => {
            Ok(Redirect::to(&format!("/evaluations/{}", cert.evaluation_id)).into_response())
        }
        Err(e @ (AppError::Invalid(_) | AppError::BadRequest { .. })) => {
            let cert = certificates::for_viewer(&state.db, &v, &code).await?;
            let (vi, en) = e.messages();
            Ok((
                e.status(),
                evaluation_page(
                    &state,
                    c,
                    &v,
                    &cert.evaluation_id.to_string(),
                    Some((vi, en)),
                )
                .await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "verify.html")]
pub struct VerifyPage {
    pub c: Chrome,
    pub cert: Option<Certificate>,
    pub code: String,
    /// The credential's bit in its issuer's revocation status list, as verifiers read it.
    pub bit: Option<crate::credentials::status::Bit>,
}

pub async fn verify(
    State(state): State<AppState>,
    c: Chrome,
    _v: OptionalViewer,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let cert = certificates::by_code(&state.db, &code).await?;
    let bit = match &cert {
        Some(c) => match serde_json::from_str(&c.credential) {
            Ok(v) => crate::credentials::status::bit_of(&state.db, &v).await?,
            Err(_) => None,
        },
        None => None,
    };
    let status = if cert.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let code: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(16)
        .collect();
    Ok((status, render(&VerifyPage { c, cert, code, bit })?).into_response())
}
