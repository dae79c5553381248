//! Extractors whose rejections speak our format: problem+json with a Vietnamese and an English
//! message for the API, an error page for forms.

use crate::error::{ApiError, AppError, PageError};
use axum::body::Bytes;
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

/// A JSON body; a malformed one is answered 400 (413 when too large) as problem+json.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
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

/// A submitted form; a malformed one gets an error page.
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for PageForm<T> {
    type Rejection = PageError;
    async fn from_request(req: Request, state: &S) -> Result<Self, PageError> {
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
