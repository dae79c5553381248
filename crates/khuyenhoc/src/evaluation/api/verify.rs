//! Certificates through the API: public verification, the signed credential, revocation.

use super::{ReasonBody, StatusListEntry, Verification};
use crate::auth::ApiViewer;
use crate::error::{ApiResult, AppError};
use crate::evaluation::certificates::{self, Certificate};
use crate::state::AppState;
use crate::web::extract::ApiJson;
use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use serde_json::Value;

/// A certificate's signed credential, answered exactly as it was stored when issued (a
/// signature covers it); its schema is the one of the type that built it.
#[derive(Serialize, schemars::JsonSchema)]
#[serde(transparent)]
#[schemars(with = "khuyenhoc_docs::SignedCredential")]
pub struct StoredCredential(Value);

pub async fn verify(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<Verification>> {
    let c = certificates::by_code(&state.db, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    let credential: Option<Value> = serde_json::from_str(&c.credential).ok();
    let bit = match &credential {
        Some(v) => crate::credentials::status::bit_of(&state.db, v).await?,
        None => None,
    };
    let url = credential.as_ref().and_then(|v| {
        v["credentialStatus"]["statusListCredential"]
            .as_str()
            .map(str::to_owned)
    });
    let mut out: Verification = c.into();
    out.status_list = bit.zip(url).map(|(b, url)| StatusListEntry {
        status: if b.revoked { "revoked" } else { "active" },
        url,
        index: b.index,
    });
    Ok(Json(out))
}

pub async fn credential(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
) -> ApiResult<Json<StoredCredential>> {
    let c = certificates::for_viewer(&state.db, &v, &code).await?;
    let credential: Value = serde_json::from_str(&c.credential).map_err(|e| {
        AppError::Internal(anyhow::anyhow!(
            "stored credential of {} is not JSON: {e}",
            c.code
        ))
    })?;
    Ok(Json(StoredCredential(credential)))
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
