//! Login and logout. Failed attempts back off per account and per client address; the answer
//! never says whether the login name exists, and takes as long either way.

use crate::accounts::model::LoginName;
use crate::auth::client::{self, Client};
use crate::auth::{password, session};
use crate::db::Db;
use crate::error::{AppError, PageResult};
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::layout::{render, Chrome};
use crate::web::route::{r, Access, Route};
use askama::Template;
use axum::extract::State;
use axum::http::{header, Extensions, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub c: Chrome,
    pub login: String,
    pub error: Option<(String, String)>,
    /// Where to go after logging in: a path of this site (`same_site_path`), `/` by default.
    pub next: String,
    /// The field asks for an email (letter keyboard) instead of a phone number (digits).
    pub by_email: bool,
}

impl LoginPage {
    /// The link that switches the field between phone and email, keeping `next`.
    pub fn switch_href(&self) -> String {
        let next: String = url::form_urlencoded::byte_serialize(self.next.as_bytes()).collect();
        let by = if self.by_email { "phone" } else { "email" };
        format!("/login?by={by}&next={next}")
    }
}

#[derive(Deserialize, Default)]
pub struct LoginQuery {
    #[serde(default)]
    pub next: String,
    #[serde(default)]
    pub by: String,
}

pub async fn page(
    c: Chrome,
    viewer: crate::auth::OptionalViewer,
    crate::web::extract::PageQuery(q): crate::web::extract::PageQuery<LoginQuery>,
) -> PageResult<Response> {
    let next = same_site_path(&q.next);
    if viewer.0.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    Ok(render(&LoginPage {
        c,
        login: String::new(),
        error: None,
        next,
        by_email: q.by == "email",
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub login: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub next: String,
}

/// Checks a login name and password; `Ok(None)` for a wrong pair. Failures are counted per
/// account (however its phone number or email was typed) and per client address (the real one
/// behind trusted proxies), each backing off on its own.
pub async fn authenticate(
    state: &AppState,
    login: &str,
    pw: &str,
    client: &Client,
) -> Result<Option<i64>, AppError> {
    let name = LoginName::parse(login);
    let key_login = format!("login:{}", name.throttle_key());
    let key_ip = format!("ip:{}", client.key());
    let too_many = |retry_after| AppError::TooManyRequests { retry_after };
    state.throttle.check(&key_login, 1).map_err(too_many)?;
    state.throttle.check(&key_ip, 4).map_err(too_many)?;
    let (person, stored) = match crate::accounts::model::credentials(&state.db, &name).await? {
        Some((id, hash)) => (Some(id), hash),
        None => (None, None),
    };
    let ok = password::verify(pw.to_owned(), stored).await?;
    match (ok, person) {
        (true, Some(id)) => {
            state.throttle.clear(&key_login);
            Ok(Some(id))
        }
        _ => {
            state.throttle.fail(&key_login);
            state.throttle.fail(&key_ip);
            Ok(None)
        }
    }
}

/// The login form again with a message, and the status to answer it with.
fn refused(
    c: Chrome,
    login: String,
    next: String,
    status: StatusCode,
    error: (String, String),
) -> PageResult<Response> {
    let by_email = login.contains('@');
    let page = render(&LoginPage {
        c,
        login,
        error: Some(error),
        next,
        by_email,
    })?;
    Ok((status, page).into_response())
}

/// "Wait N seconds / minutes", in both languages.
pub(crate) fn wait_message(seconds: u64) -> (String, String) {
    let (vi, en) = if seconds < 120 {
        (format!("{seconds} giây"), format!("{seconds} seconds"))
    } else {
        let m = seconds.div_ceil(60);
        (format!("{m} phút"), format!("{m} minutes"))
    };
    (
        format!("Bạn đã thử quá nhiều lần. Vui lòng đợi {vi} rồi thử lại"),
        format!("Too many attempts. Please wait {en} and try again"),
    )
}

pub async fn submit(
    State(state): State<AppState>,
    c: Chrome,
    jar: CookieJar,
    ext: Extensions,
    headers: HeaderMap,
    PageForm(form): PageForm<LoginForm>,
) -> PageResult<Response> {
    let from = client::client(&ext, &headers, &state.settings.proxies());
    let login = form.login.trim().to_owned();
    let next = same_site_path(&form.next);
    if login.is_empty() || form.password.is_empty() {
        // Nothing typed is not a wrong password, and costs no attempt.
        let error = (
            "Hãy nhập số điện thoại và mật khẩu".to_owned(),
            "Enter your phone number and password".to_owned(),
        );
        return refused(c, login, next, StatusCode::UNPROCESSABLE_ENTITY, error);
    }
    let person = match authenticate(&state, &login, &form.password, &from).await {
        Ok(Some(id)) => id,
        Ok(None) => {
            let error = (
                "Số điện thoại/email hoặc mật khẩu không đúng".to_owned(),
                "Wrong phone/email or password".to_owned(),
            );
            return refused(c, login, next, StatusCode::UNAUTHORIZED, error);
        }
        Err(AppError::TooManyRequests { retry_after }) => {
            let mut resp = refused(
                c,
                login,
                next,
                StatusCode::TOO_MANY_REQUESTS,
                wait_message(retry_after),
            )?;
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            return Ok(resp);
        }
        Err(e) => return Err(e.into()),
    };
    let hours = state.settings.session_hours;
    let token = session::create(&state.db, person, hours).await?;
    let jar = crate::auth::begin_session(jar, token, state.settings.secure_cookies(), hours);
    Ok((jar, Redirect::to(&next)).into_response())
}

pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
) -> PageResult<impl IntoResponse> {
    let secure = state.settings.secure_cookies();
    if let Some(sid) = session::id_of(&jar, secure) {
        end(&state.db, &sid).await?;
    }
    Ok((
        crate::auth::end_session(jar, secure),
        Redirect::to("/login"),
    ))
}

async fn end(db: &Db, token: &str) -> Result<(), AppError> {
    session::end(db, token).await.map_err(Into::into)
}

#[derive(Deserialize)]
pub struct LangQuery {
    #[serde(default)]
    pub next: String,
}

/// A path of this site to go to after a switch, or `/`. The text is parsed as a URL relative to
/// this site, and only a result on this site is kept: `//evil.example`, `/\evil.example` and
/// text with control characters or spaces (which browsers drop: `/\t/evil.example` reads as
/// `//evil.example`) all lead to `/`. What comes back is the parsed path and query, so it is
/// always a valid `Location`.
pub fn same_site_path(next: &str) -> String {
    let plain = next.starts_with('/')
        && !next.starts_with("//")
        && !next
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace());
    let base = url::Url::parse("http://this.site.invalid/").ok();
    let parsed = base
        .as_ref()
        .filter(|_| plain)
        .and_then(|b| b.join(next).ok().map(|u| (b, u)));
    match parsed {
        Some((b, u)) if u.origin() == b.origin() => match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        },
        _ => "/".into(),
    }
}

/// Switches the interface language and goes back to the page (only a path of this site).
pub async fn switch_lang(
    axum::extract::Path(code): axum::extract::Path<String>,
    jar: CookieJar,
    crate::web::extract::PageQuery(q): crate::web::extract::PageQuery<LangQuery>,
) -> impl IntoResponse {
    let value = if code == "en" { "en" } else { "vi" };
    let next = same_site_path(&q.next);
    let cookie = axum_extra::extract::cookie::Cookie::build(("lang", value))
        .path("/")
        .same_site(axum_extra::extract::cookie::SameSite::Lax)
        .max_age(time::Duration::days(365))
        .build();
    (jar.add(cookie), Redirect::to(&next))
}

/// The routes this file serves, with their access rules.
#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        r(M::GET, "/login", Public, "Login form", page),
        r(M::POST, "/login", Public, "Log in", submit),
        r(M::POST, "/logout", Public, "Log out", logout),
        r(M::GET, "/lang/{code}", Public, "Switch the interface language", switch_lang),
    ]
}
