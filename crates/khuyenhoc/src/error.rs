//! One error type for every handler, answered as `application/problem+json` for the API and as
//! an error page for people. 5xx errors are logged with their cause and answered opaquely.

use crate::web::layout::ErrorPage;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use khuyenhoc_domain::Invalid;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message_vi: &'static str,
    pub message_en: &'static str,
}

impl FieldError {
    pub fn new(field: &'static str, e: Invalid) -> Self {
        Self {
            field,
            message_vi: e.vi,
            message_en: e.en,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("not signed in")]
    Unauthenticated,
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("bad request: {en}")]
    BadRequest { vi: String, en: String },
    #[error("unprocessable: {en}")]
    Unprocessable { vi: String, en: String },
    #[error("conflict: {0:?}")]
    Conflict(FieldError),
    #[error("too many attempts")]
    TooManyRequests { retry_after: u64 },
    #[error("payload too large")]
    PayloadTooLarge,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => AppError::NotFound,
            e => AppError::Internal(e.into()),
        }
    }
}

impl AppError {
    pub fn field(field: &'static str, e: Invalid) -> Self {
        AppError::Invalid(vec![FieldError::new(field, e)])
    }

    pub fn bad_request(vi: impl Into<String>, en: impl Into<String>) -> Self {
        AppError::BadRequest {
            vi: vi.into(),
            en: en.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// (Vietnamese, English) title of the error.
    pub fn titles(&self) -> (String, String) {
        let (vi, en): (&str, &str) = match self {
            AppError::NotFound => ("Không tìm thấy", "Not found"),
            AppError::Unauthenticated => ("Bạn cần đăng nhập", "Please log in"),
            AppError::Forbidden(_) => (
                "Yêu cầu bị từ chối. Vui lòng tải lại trang và thử lại",
                "Request refused. Please reload the page and try again",
            ),
            AppError::Invalid(_) => ("Dữ liệu chưa hợp lệ", "Some fields are invalid"),
            AppError::BadRequest { vi, en } | AppError::Unprocessable { vi, en } => {
                return (vi.clone(), en.clone())
            }
            AppError::Conflict(f) => (f.message_vi, f.message_en),
            AppError::TooManyRequests { .. } => (
                "Bạn đã thử quá nhiều lần. Vui lòng đợi rồi thử lại",
                "Too many attempts. Please wait and try again",
            ),
            AppError::PayloadTooLarge => ("Dữ liệu gửi lên quá lớn", "The request is too large"),
            AppError::Internal(_) => (
                "Đã có lỗi ở máy chủ. Dữ liệu của bạn chưa bị mất; vui lòng thử lại",
                "Something went wrong on the server. Please try again",
            ),
        };
        (vi.to_owned(), en.to_owned())
    }

    /// What a page shows for this error: the field messages joined for invalid input, else the
    /// titles (Vietnamese, English).
    pub fn messages(&self) -> (String, String) {
        match self {
            AppError::Invalid(f) => field_messages(f),
            other => other.titles(),
        }
    }

    fn fields(&self) -> Vec<FieldError> {
        match self {
            AppError::Invalid(f) => f.clone(),
            AppError::Conflict(f) => vec![f.clone()],
            _ => vec![],
        }
    }

    fn log(&self) {
        if let AppError::Internal(e) = self {
            tracing::error!(error = ?e, "internal error");
        }
    }
}

/// Field messages joined into one line each (Vietnamese, English).
pub fn field_messages(f: &[FieldError]) -> (String, String) {
    let vi = f
        .iter()
        .map(|x| x.message_vi)
        .collect::<Vec<_>>()
        .join("; ");
    let en = f
        .iter()
        .map(|x| x.message_en)
        .collect::<Vec<_>>()
        .join("; ");
    (vi, en)
}

#[derive(Serialize)]
struct Problem {
    #[serde(rename = "type")]
    kind: &'static str,
    title: String,
    title_en: String,
    status: u16,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldError>,
}

/// An error answered as `application/problem+json` (RFC 9457).
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.log();
        let status = self.0.status();
        let (title, title_en) = self.0.titles();
        let body = Problem {
            kind: "about:blank",
            title,
            title_en,
            status: status.as_u16(),
            errors: self.0.fields(),
        };
        let json = serde_json::to_vec(&body).unwrap_or_default();
        let mut resp = (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            json,
        )
            .into_response();
        if let AppError::TooManyRequests { retry_after } = self.0 {
            if let Ok(v) = retry_after.to_string().parse() {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp
    }
}

/// An error answered as an HTML page; a visitor who is not signed in is sent to the login page.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        self.0.log();
        if let AppError::Unauthenticated = self.0 {
            return axum::response::Redirect::to("/login").into_response();
        }
        let status = self.0.status();
        let (title_vi, title_en) = self.0.titles();
        let page = ErrorPage {
            status: status.as_u16(),
            title_vi,
            title_en,
            fields: self.0.fields(),
        };
        (status, page.render_html()).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
pub type PageResult<T> = Result<T, PageError>;
