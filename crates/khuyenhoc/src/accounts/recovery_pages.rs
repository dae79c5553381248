//! Pages and API of password recovery (`recovery`): the forgot-password form, the emailed
//! link's page, the page for a code an officer read out, and the officer's "make a code".

use super::recovery;
use crate::auth::client;
use crate::auth::Viewer;
use crate::error::{ApiResult, AppError, PageResult};
use crate::state::AppState;
use crate::web::extract::{ApiJson, PageForm};
use crate::web::layout::{render, Chrome, FormErrors};
use crate::web::route::{api, r, Access, Route};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, Extensions, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

/// What every forgot-password request is told, whether or not the address is known.
pub const SENT: (&str, &str) = (
    "Nếu địa chỉ này thuộc về một tài khoản, chúng tôi vừa gửi tới đó một liên kết để đặt mật khẩu mới (dùng được một lần, trong 30 phút). Hãy xem hộp thư, cả mục thư rác.",
    "If this address belongs to an account, we have just sent it a link to set a new password (it works once, for 30 minutes). Check your inbox, and the spam folder.",
);

#[derive(Template)]
#[template(path = "password_forgot.html")]
pub struct ForgotPage {
    pub c: Chrome,
    pub email: String,
    pub errors: FormErrors,
    pub message: Option<(String, String)>,
    pub sent: bool,
}

async fn forgot_page(c: Chrome) -> PageResult<Html<String>> {
    render(&ForgotPage {
        c,
        email: String::new(),
        errors: FormErrors::default(),
        message: None,
        sent: false,
    })
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    pub email: String,
}

/// How a form shows an error: its status, the messages beside fields, the one above them, and
/// the seconds to wait (`Retry-After`).
type Shown = (
    StatusCode,
    FormErrors,
    Option<(String, String)>,
    Option<u64>,
);

/// An error a recovery form shows beside its fields or above them, with its status; any other
/// error is answered as an error page.
fn shown(e: AppError) -> Result<Shown, AppError> {
    match e {
        AppError::Invalid(f) => Ok((StatusCode::UNPROCESSABLE_ENTITY, FormErrors(f), None, None)),
        AppError::BadRequest { vi, en } => Ok((
            StatusCode::BAD_REQUEST,
            FormErrors::default(),
            Some((vi, en)),
            None,
        )),
        AppError::TooManyRequests { retry_after } => Ok((
            StatusCode::TOO_MANY_REQUESTS,
            FormErrors::default(),
            Some(super::login::wait_message(retry_after)),
            Some(retry_after),
        )),
        e => Err(e),
    }
}

fn with_retry(mut resp: Response, retry: Option<u64>) -> Response {
    if let Some(s) = retry {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(s));
    }
    resp
}

async fn forgot(
    State(state): State<AppState>,
    c: Chrome,
    ext: Extensions,
    headers: HeaderMap,
    PageForm(f): PageForm<ForgotForm>,
) -> PageResult<Response> {
    let from = client::client(&ext, &headers, &state.settings.proxies());
    let email = f.email.trim().to_owned();
    let (status, errors, message, retry, sent) =
        match recovery::request_link(&state, &email, &from).await {
            Ok(()) => (StatusCode::OK, FormErrors::default(), None, None, true),
            Err(e) => {
                let (s, f, m, r) = shown(e)?;
                (s, f, m, r, false)
            }
        };
    let page = render(&ForgotPage {
        c,
        email,
        errors,
        message,
        sent,
    })?;
    Ok(with_retry((status, page).into_response(), retry))
}

/// The API's answer to a forgot-password request: the same for every address.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "PasswordForgotAnswer")]
pub struct ForgotAnswer {
    pub message_vi: String,
    pub message_en: String,
}

async fn forgot_api(
    State(state): State<AppState>,
    ext: Extensions,
    headers: HeaderMap,
    ApiJson(f): ApiJson<ForgotForm>,
) -> ApiResult<Json<ForgotAnswer>> {
    let from = client::client(&ext, &headers, &state.settings.proxies());
    recovery::request_link(&state, &f.email, &from).await?;
    Ok(Json(ForgotAnswer {
        message_vi: SENT.0.to_owned(),
        message_en: SENT.1.to_owned(),
    }))
}

#[derive(Template)]
#[template(path = "password_reset.html")]
pub struct ResetPage {
    pub c: Chrome,
    /// The form's address: `/password/reset/{token}` or `/password/code`.
    pub action: String,
    /// Whether the form asks for the phone number and the officer's code.
    pub with_code: bool,
    pub phone: String,
    pub valid: bool,
    pub done: bool,
    pub errors: FormErrors,
    pub message: Option<(String, String)>,
}

impl ResetPage {
    fn new(c: Chrome, action: String, with_code: bool) -> Self {
        ResetPage {
            c,
            action,
            with_code,
            phone: String::new(),
            valid: true,
            done: false,
            errors: FormErrors::default(),
            message: None,
        }
    }
}

async fn reset_page(
    State(state): State<AppState>,
    c: Chrome,
    Path(token): Path<String>,
) -> PageResult<Response> {
    let mut page = ResetPage::new(c, format!("/password/reset/{token}"), false);
    page.valid = recovery::link_person(&state.db, &token).await?.is_some();
    let status = if page.valid {
        StatusCode::OK
    } else {
        StatusCode::GONE
    };
    Ok((status, render(&page)?).into_response())
}

#[derive(Deserialize)]
pub struct NewPasswordForm {
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub new: String,
    #[serde(default)]
    pub confirm: String,
}

fn differ() -> AppError {
    AppError::field(
        "confirm",
        khuyenhoc_domain::Invalid::new(
            "Hai lần nhập mật khẩu mới không khớp",
            "The two new passwords differ",
        ),
    )
}

async fn finish(page: ResetPage, outcome: Result<i64, AppError>) -> PageResult<Response> {
    let mut page = page;
    match outcome {
        Ok(_) => {
            page.done = true;
            Ok(render(&page)?.into_response())
        }
        Err(e) => {
            let (status, errors, message, retry) = shown(e)?;
            page.errors = errors;
            page.message = message;
            Ok(with_retry((status, render(&page)?).into_response(), retry))
        }
    }
}

async fn reset(
    State(state): State<AppState>,
    c: Chrome,
    Path(token): Path<String>,
    PageForm(f): PageForm<NewPasswordForm>,
) -> PageResult<Response> {
    let page = ResetPage::new(c, format!("/password/reset/{token}"), false);
    let outcome = if f.new == f.confirm {
        recovery::reset_with_link(&state.db, &token, &f.new).await
    } else {
        Err(differ())
    };
    finish(page, outcome).await
}

async fn code_page(c: Chrome) -> PageResult<Html<String>> {
    render(&ResetPage::new(c, "/password/code".into(), true))
}

async fn with_code(
    State(state): State<AppState>,
    c: Chrome,
    ext: Extensions,
    headers: HeaderMap,
    PageForm(f): PageForm<NewPasswordForm>,
) -> PageResult<Response> {
    let from = client::client(&ext, &headers, &state.settings.proxies());
    let mut page = ResetPage::new(c, "/password/code".into(), true);
    page.phone = f.phone.trim().to_owned();
    let outcome = if f.new == f.confirm {
        recovery::reset_with_code(&state, &f.phone, &f.code, &f.new, &from).await
    } else {
        Err(differ())
    };
    finish(page, outcome).await
}

async fn issue_code(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Html<String>> {
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let (person, code) = recovery::issue_code(&state.db, &v, id).await?;
    render(&super::pages::SecretPage {
        c,
        heading: ("Mã đặt lại mật khẩu", "Password reset code"),
        explain: (
            "Đọc mã này cho người dùng qua điện thoại. Họ mở trang Đăng nhập › Có mã từ cán bộ (/password/code), nhập số điện thoại, mã và mật khẩu mới. Mã dùng được một lần trong 24 giờ; mã cũ của họ không dùng được nữa.",
            "Read this code to the person on the phone. They open Log in › I have a code from an officer (/password/code) and enter their phone number, the code and a new password. The code works once within 24 hours; any earlier code of theirs no longer works.",
        ),
        secret: code,
        back: format!("/people/{}", person.id),
    })
}

/// The request body of this file's API route, for the OpenAPI document.
pub fn body_schema(method: &str, path: &str) -> Option<serde_json::Value> {
    match (method, path) {
        ("post", "/api/v1/password/forgot") => Some(serde_json::json!({
            "type": "object",
            "properties": {"email": {"type": "string", "maxLength": 254}},
            "required": ["email"],
            "additionalProperties": false
        })),
        _ => None,
    }
}

/// The routes this file serves, with their access rules.
#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        r(M::GET, "/password/forgot", Public, "Forgot-password form", forgot_page),
        r(M::POST, "/password/forgot", Public, "Ask for a one-time link by email", forgot),
        api(M::POST, "/api/v1/password/forgot", Public, "Ask for a one-time password link by email (the answer never says whether the address exists)", forgot_api),
        r(M::GET, "/password/reset/{token}", Public, "Set a new password with an emailed link", reset_page),
        r(M::POST, "/password/reset/{token}", Public, "Set a new password with an emailed link (once)", reset),
        r(M::GET, "/password/code", Public, "Set a new password with an officer's code", code_page),
        r(M::POST, "/password/code", Public, "Set a new password with an officer's code (once)", with_code),
        r(M::POST, "/people/{id}/recovery-code", Officer, "Make a one-time code to read out to a person without email", issue_code),
    ]
}
