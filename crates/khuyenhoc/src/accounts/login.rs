//! Login and logout. Failed attempts are throttled per login name and per client address;
//! the answer never says whether the login name exists.

use crate::auth::{password, session};
use crate::db::Db;
use crate::error::{AppError, PageResult};
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::layout::{render, Chrome};
use crate::web::route::{r, Access, Route};
use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::Extensions;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use std::net::SocketAddr;

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub c: Chrome,
    pub login: String,
    pub error: Option<(&'static str, &'static str)>,
}

pub async fn page(c: Chrome, viewer: crate::auth::OptionalViewer) -> PageResult<Response> {
    if viewer.0.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    Ok(render(&LoginPage {
        c,
        login: String::new(),
        error: None,
    })?
    .into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub login: String,
    #[serde(default)]
    pub password: String,
}

fn client_ip(ext: &Extensions) -> String {
    ext.get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "local".into())
}

/// Checks a login name and password; `Ok(None)` for a wrong pair.
pub async fn authenticate(
    state: &AppState,
    login: &str,
    pw: &str,
    ip: &str,
) -> Result<Option<i64>, AppError> {
    let key_login = format!("login:{}", khuyenhoc_domain::text::fold(login));
    let key_ip = format!("ip:{ip}");
    state
        .throttle
        .check(&key_login, 1)
        .map_err(|retry_after| AppError::TooManyRequests { retry_after })?;
    state
        .throttle
        .check(&key_ip, 4)
        .map_err(|retry_after| AppError::TooManyRequests { retry_after })?;
    let creds = crate::accounts::model::credentials(&state.db, login).await?;
    let (person, stored) = match creds {
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

pub async fn submit(
    State(state): State<AppState>,
    c: Chrome,
    jar: CookieJar,
    ext: Extensions,
    PageForm(form): PageForm<LoginForm>,
) -> PageResult<Response> {
    let ip = client_ip(&ext);
    let login = form.login.trim().to_owned();
    let attempt = authenticate(&state, &login, &form.password, &ip).await;
    let person = match attempt {
        Ok(Some(id)) => id,
        Ok(None) => {
            let error = Some((
                "Số điện thoại/email hoặc mật khẩu không đúng",
                "Wrong phone/email or password",
            ));
            let page = render(&LoginPage { c, login, error })?;
            return Ok((axum::http::StatusCode::UNAUTHORIZED, page).into_response());
        }
        Err(AppError::TooManyRequests { .. }) => {
            let error = Some((
                "Bạn đã thử quá nhiều lần. Vui lòng đợi 15 phút rồi thử lại",
                "Too many attempts. Please wait 15 minutes and try again",
            ));
            let page = render(&LoginPage { c, login, error })?;
            return Ok((axum::http::StatusCode::TOO_MANY_REQUESTS, page).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let hours = state.settings.session_hours;
    let token = session::create(&state.db, person, hours).await?;
    let jar = jar.add(session::cookie(
        token,
        state.settings.secure_cookies(),
        hours,
    ));
    Ok((jar, Redirect::to("/")).into_response())
}

pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
) -> PageResult<impl IntoResponse> {
    if let Some(c) = jar.get(session::COOKIE) {
        end(&state.db, c.value()).await?;
    }
    Ok((
        jar.remove(axum_extra::extract::cookie::Cookie::build(session::COOKIE).path("/")),
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

/// Switches the interface language and goes back to the page (only to a local path).
pub async fn switch_lang(
    axum::extract::Path(code): axum::extract::Path<String>,
    jar: CookieJar,
    crate::web::extract::PageQuery(q): crate::web::extract::PageQuery<LangQuery>,
) -> impl IntoResponse {
    let value = if code == "en" { "en" } else { "vi" };
    let next = if q.next.starts_with('/') && !q.next.starts_with("//") && !q.next.contains('\\') {
        q.next
    } else {
        "/".into()
    };
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
