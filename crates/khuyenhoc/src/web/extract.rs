//! Extractors whose rejections speak our format: problem+json with a Vietnamese and an English
//! message for the API, an error page for forms.
//!
//! JSON bodies and submitted forms are also refused (422, the field named) when a text holds a
//! control character other than a line break or a tab: it prints as nothing, breaks documents,
//! and PostgreSQL refuses a NUL outright. Each capability then checks its own fields' lengths
//! (`khuyenhoc_domain::limits`).

use crate::error::{ApiError, AppError, PageError};
use axum::body::{Body, Bytes};
use axum::extract::rejection::{FormRejection, JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn from_status(status: StatusCode, detail: String) -> AppError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return AppError::PayloadTooLarge;
    }
    if status == StatusCode::UNPROCESSABLE_ENTITY {
        return AppError::Unprocessable {
            vi: format!("Dữ liệu gửi lên sai kiểu hoặc có trường lạ: {detail}"),
            en: format!("The request has a field of the wrong type or an unknown field: {detail}"),
        };
    }
    AppError::bad_request(
        format!("Dữ liệu gửi lên không đọc được: {detail}"),
        format!("The request body could not be read: {detail}"),
    )
}

/// The first text of a JSON value holding a forbidden control character, as a path
/// (`lines[2].description`; a key that holds one is named itself).
fn control_in(v: &Value, at: &str) -> Option<String> {
    let bad = |s: &str| s.chars().any(khuyenhoc_domain::limits::is_forbidden);
    match v {
        Value::String(s) if bad(s) => Some(at.to_owned()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, x)| control_in(x, &format!("{at}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, x)| {
            let path = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}.{k}")
            };
            if bad(k) {
                Some(path)
            } else {
                control_in(x, &path)
            }
        }),
        _ => None,
    }
}

/// The answer to a text with a control character, naming its field.
fn control_character(field: &str) -> AppError {
    let field: String = field
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect();
    AppError::Unprocessable {
        vi: format!(
            "Trường \"{field}\": {}",
            khuyenhoc_domain::limits::CONTROL.vi
        ),
        en: format!(
            "Field \"{field}\": {}",
            khuyenhoc_domain::limits::CONTROL.en
        ),
    }
}

/// A JSON body; a malformed one is answered 400 (413 when too large) as problem+json, one of
/// the wrong shape or with a control character in a text 422.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<Value>::from_request(req, state).await {
            Ok(axum::Json(v)) => {
                if let Some(field) = control_in(&v, "") {
                    return Err(ApiError(control_character(&field)));
                }
                serde_json::from_value(v)
                    .map(ApiJson)
                    .map_err(|e| ApiError(json_error(&e)))
            }
            Err(e @ JsonRejection::MissingJsonContentType(_)) => {
                Err(ApiError(AppError::bad_request(
                    "Cần gửi dữ liệu dạng JSON (Content-Type: application/json)",
                    format!("Send JSON (Content-Type: application/json): {e}"),
                )))
            }
            Err(e) => Err(ApiError(from_status(e.status(), e.body_text()))),
        }
    }
}

/// The `Idempotency-Key` header of a request that posts money, if sent (see
/// `funds::idempotency`); a value that is not visible ASCII answers 422 naming the key, the same
/// for every target, so it tells nothing about what the caller may not see.
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        match parts.headers.get("idempotency-key") {
            None => Ok(IdempotencyKey(None)),
            Some(v) => v
                .to_str()
                .map(|s| IdempotencyKey(Some(s.to_owned())))
                .map_err(|_| {
                    ApiError(AppError::field(
                        "idempotency_key",
                        khuyenhoc_domain::Invalid::new(
                            "Khoá chống gửi trùng không hợp lệ",
                            "Invalid idempotency key",
                        ),
                    ))
                }),
        }
    }
}

/// Query parameters of an API request.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|e: QueryRejection| {
                ApiError(AppError::bad_request(
                    format!("Tham số truy vấn không hợp lệ: {}", e.body_text()),
                    format!("Invalid query parameters: {}", e.body_text()),
                ))
            })
    }
}

/// Query parameters of a page.
pub struct PageQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for PageQuery<T> {
    type Rejection = PageError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| PageQuery(q.0))
            .map_err(|e: QueryRejection| PageError(from_status(e.status(), e.body_text())))
    }
}

/// A submitted form; a malformed one gets an error page, a control character in a field 422.
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for PageForm<T> {
    type Rejection = PageError;
    async fn from_request(req: Request, state: &S) -> Result<Self, PageError> {
        let encoded = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let req = if encoded {
            // Read the body within the same size limit, look at its fields, then hand it on.
            let (parts, body) = req.into_parts();
            let mut read = Request::new(body);
            *read.extensions_mut() = parts.extensions.clone();
            let bytes = Bytes::from_request(read, state)
                .await
                .map_err(|e| PageError(from_status(e.status(), e.body_text())))?;
            let control = url::form_urlencoded::parse(&bytes).find(|(k, v)| {
                k.chars()
                    .chain(v.chars())
                    .any(khuyenhoc_domain::limits::is_forbidden)
            });
            if let Some((field, _)) = control {
                return Err(PageError(control_character(&field)));
            }
            Request::from_parts(parts, Body::from(bytes))
        } else {
            req
        };
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|f| PageForm(f.0))
            .map_err(|e: FormRejection| PageError(from_status(e.status(), e.body_text())))
    }
}

/// An optional JSON body: nothing, blanks or `null` mean the default. A body that is there must
/// be valid JSON of the right shape, answered like `ApiJson` otherwise.
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default, S: Send + Sync> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError(AppError::PayloadTooLarge)
            } else {
                ApiError(AppError::bad_request(
                    "Không đọc được dữ liệu gửi lên",
                    format!("The request body could not be read: {e}"),
                ))
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        match serde_json::from_slice::<Value>(&bytes).map_err(|e| ApiError(json_error(&e)))? {
            Value::Null => Ok(OptionalJson(T::default())),
            v if control_in(&v, "").is_some() => {
                let field = control_in(&v, "").unwrap_or_default();
                Err(ApiError(control_character(&field)))
            }
            v => serde_json::from_value(v)
                .map(OptionalJson)
                .map_err(|e| ApiError(json_error(&e))),
        }
    }
}

fn json_error(e: &serde_json::Error) -> AppError {
    if e.is_data() {
        AppError::Unprocessable {
            vi: format!("Dữ liệu gửi lên sai kiểu hoặc có trường lạ: {e}"),
            en: format!("The request has a field of the wrong type or an unknown field: {e}"),
        }
    } else {
        AppError::bad_request(
            format!("Dữ liệu gửi lên không đọc được: {e}"),
            format!("The request body could not be read: {e}"),
        )
    }
}
