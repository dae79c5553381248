//! One error type for every handler, answered as `application/problem+json` for the API and as
//! an error page for people. 5xx errors are logged with their cause and answered opaquely.

use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
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
    /// Refused for a reason the person can act on, said in the answer (403).
    #[error("refused: {en}")]
    Refused { vi: String, en: String },
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("bad request: {en}")]
    BadRequest { vi: String, en: String },
    #[error("unprocessable: {en}")]
    Unprocessable { vi: String, en: String },
    #[error("conflict: {0:?}")]
    Conflict(FieldError),
    /// Rows of a bulk action that cannot be acted on, each with its reason; nothing was
    /// written (422).
    #[error("rows refused: {}", .0.len())]
    Rows(Vec<RowRefusal>),
    #[error("too many attempts")]
    TooManyRequests { retry_after: u64 },
    #[error("payload too large")]
    PayloadTooLarge,
    /// The database could not take the work now (no free connection in time, SQLite's writer
    /// busy, a PostgreSQL deadlock or serialization failure): nothing was written, and the
    /// client may send the same request again (503 with Retry-After).
    #[error("busy: {0}")]
    Busy(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => AppError::NotFound,
            sqlx::Error::PoolTimedOut => AppError::Busy("no free database connection".into()),
            sqlx::Error::Database(d) if is_busy_code(d.code().as_deref()) => {
                AppError::Busy(d.message().to_owned())
            }
            e => AppError::Internal(e.into()),
        }
    }
}

/// SQLite: BUSY and its extended codes, LOCKED; PostgreSQL: serialization failure, deadlock,
/// lock not available. Each means the transaction was rolled back and may simply be retried.
fn is_busy_code(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("5" | "6" | "261" | "517" | "773" | "40001" | "40P01" | "55P03")
    )
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
            AppError::Forbidden(_) | AppError::Refused { .. } => StatusCode::FORBIDDEN,
            AppError::Invalid(_) | AppError::Rows(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// (Vietnamese, English) title of the error.
    pub fn titles(&self) -> (String, String) {
        let (vi, en): (&str, &str) = match self {
            AppError::NotFound => ("Không tìm thấy trang", "Page not found"),
            AppError::Unauthenticated => ("Bạn cần đăng nhập", "Please log in"),
            AppError::Forbidden(_) => (
                "Yêu cầu bị từ chối. Vui lòng tải lại trang và thử lại",
                "Request refused. Please reload the page and try again",
            ),
            AppError::Invalid(_) => ("Dữ liệu chưa hợp lệ", "Some fields are invalid"),
            AppError::BadRequest { vi, en }
            | AppError::Unprocessable { vi, en }
            | AppError::Refused { vi, en } => return (vi.clone(), en.clone()),
            AppError::Conflict(f) => (f.message_vi, f.message_en),
            AppError::Rows(_) => (
                "Có hồ sơ không thể xử lý; chưa có gì được ghi",
                "Some rows cannot be acted on; nothing was written",
            ),
            AppError::TooManyRequests { .. } => (
                "Bạn đã thử quá nhiều lần. Vui lòng đợi rồi thử lại",
                "Too many attempts. Please wait and try again",
            ),
            AppError::PayloadTooLarge => ("Dữ liệu gửi lên quá lớn", "The request is too large"),
            AppError::Busy(_) => (
                "Máy chủ đang bận, dữ liệu chưa được ghi. Vui lòng gửi lại sau giây lát",
                "The server is busy and nothing was saved. Please send again in a moment",
            ),
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
            AppError::Rows(rows) => {
                let (vi, en) = self.titles();
                let each = |f: fn(&RowRefusal) -> &str| {
                    rows.iter()
                        .map(|r| format!("{} (số {}): {}", r.name, r.id, f(r)))
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                (
                    format!("{vi}: {}", each(|r| &r.message)),
                    format!("{en}: {}", each(|r| &r.message_en)),
                )
            }
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
        match self {
            AppError::Internal(e) => tracing::error!(error = ?e, "internal error"),
            AppError::Busy(why) => tracing::warn!(why, "busy: answered 503"),
            _ => {}
        }
    }

    /// Seconds a client should wait before sending the request again, when that helps.
    fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::TooManyRequests { retry_after } => Some(*retry_after),
            AppError::Busy(_) => Some(1),
            _ => None,
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

/// One row a bulk action refused: which, and why.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RowRefusal {
    pub id: i64,
    pub name: String,
    pub message: String,
    pub message_en: String,
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
    /// The rows a bulk action refused.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    rows: Vec<RowRefusal>,
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
            rows: match &self.0 {
                AppError::Rows(r) => r.clone(),
                _ => vec![],
            },
        };
        let json = serde_json::to_vec(&body).unwrap_or_default();
        let mut resp = (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            json,
        )
            .into_response();
        if let Some(v) = self
            .0
            .retry_after()
            .and_then(|s| s.to_string().parse().ok())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
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
            en: false,
        };
        let mut resp = (status, page.render_html()).into_response();
        // `web::localize_error_pages` renders it again in the reader's language.
        resp.extensions_mut().insert(page);
        if let Some(v) = self
            .0
            .retry_after()
            .and_then(|s| s.to_string().parse().ok())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
pub type PageResult<T> = Result<T, PageError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_database_is_a_503_with_retry_after() {
        let e = AppError::from(sqlx::Error::PoolTimedOut);
        assert!(matches!(e, AppError::Busy(_)));
        let resp = ApiError(e).into_response();
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            resp.headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
            Some("1")
        );
        let page = PageError(AppError::Busy("locked".into())).into_response();
        assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(page.headers().contains_key(header::RETRY_AFTER));
    }

    #[test]
    fn busy_codes_of_both_backends() {
        for code in ["5", "517", "40001", "40P01"] {
            assert!(is_busy_code(Some(code)), "{code}");
        }
        for code in ["19", "2067", "23505", "42P01"] {
            assert!(!is_busy_code(Some(code)), "{code}");
        }
        assert!(!is_busy_code(None));
        assert!(!matches!(
            AppError::from(sqlx::Error::RowNotFound),
            AppError::Busy(_)
        ));
    }
}

/// The error page: its status, title in both languages and the fields at fault, shown in the
/// reader's language (`en`).
#[derive(Template, Clone)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub status: u16,
    pub title_vi: String,
    pub title_en: String,
    pub fields: Vec<FieldError>,
    pub en: bool,
}

impl ErrorPage {
    pub fn render_html(&self) -> Html<String> {
        Html(
            self.render()
                .unwrap_or_else(|_| format!("{} / {}", self.title_vi, self.title_en)),
        )
    }
}
