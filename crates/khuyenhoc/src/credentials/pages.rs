//! The public documents a verifier fetches: the DID documents where `did:web` resolution looks
//! for them (`/.well-known/did.json` for the Association's `did:web:HOST`,
//! `/units/{code}/did.json` for a unit's `did:web:HOST:units:CODE`), listing every key that ever
//! signed; and each issuing unit's signed revocation status list, `/units/{code}/status`.

use super::{did_of, public_keys, signer, status, unit_did};
use crate::error::{AppError, PageResult};
use crate::state::AppState;
use crate::web::route::{r, Access, Route};
use axum::extract::{Path, State};
use axum::http::{header, Method};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    #[rustfmt::skip]
    let routes = vec![
        r(M::GET, "/.well-known/did.json", Public, "The Association's DID document (did:web): every key that ever signed a credential", association_did),
        r(M::GET, "/units/{code}/did.json", Public, "An issuing unit's DID document (did:web:HOST:units:CODE): every key that ever signed", unit_did_document),
        r(M::GET, "/units/{code}/status", Public, "An issuing unit's signed revocation status list (W3C Bitstring Status List)", status_list),
    ];
    routes
}

fn json_answer(v: &Value) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        v.to_string(),
    )
        .into_response()
}

/// The DID document of `did`, publishing `keys` for assertions.
pub fn did_document(did: &str, keys: &[String]) -> Value {
    let ids: Vec<String> = keys.iter().map(|k| format!("{did}#{k}")).collect();
    let methods: Vec<Value> = keys
        .iter()
        .zip(&ids)
        .map(|(k, id)| {
            json!({
                "id": id,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": k,
            })
        })
        .collect();
    json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
    })
}

/// The Association's DID, or not found while no public address is configured.
fn association(state: &AppState) -> Result<String, AppError> {
    state
        .settings
        .public_url
        .as_deref()
        .and_then(did_of)
        .ok_or(AppError::NotFound)
}

async fn unit_exists(state: &AppState, code: &str) -> Result<bool, AppError> {
    if code.is_empty() || code.len() > 40 {
        return Ok(false);
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM units WHERE code = $1")
        .bind(code)
        .fetch_one(&state.db.pool)
        .await?;
    Ok(n > 0)
}

pub async fn association_did(State(state): State<AppState>) -> PageResult<Response> {
    let did = association(&state)?;
    let keys = public_keys(&state.db).await?;
    Ok(json_answer(&did_document(&did, &keys)))
}

pub async fn unit_did_document(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let did = association(&state)?;
    if !unit_exists(&state, &code).await? {
        return Err(AppError::NotFound.into());
    }
    let keys = public_keys(&state.db).await?;
    Ok(json_answer(&did_document(&unit_did(&did, &code), &keys)))
}

pub async fn status_list(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> PageResult<Response> {
    if !unit_exists(&state, &code).await? {
        return Err(AppError::NotFound.into());
    }
    let signer = signer(&state).await?;
    let list = status::list_credential(&state.db, &signer, &code).await?;
    Ok(json_answer(&list))
}
