//! Rules applied to every request at the edge, after routing, from the route table's access
//! rules: a temporary password opens nothing but the way to change it, and answers with personal
//! data are never stored by a browser or a proxy.

use crate::auth::OptionalViewer;
use crate::error::{ApiError, AppError};
use crate::web::route::{Access, Route};
use axum::extract::{MatchedPath, Request};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use std::sync::Arc;

/// The access rule of each route, by method and path pattern.
#[derive(Debug, Default)]
pub struct AccessTable(HashMap<(Method, &'static str), Access>);

impl AccessTable {
    pub fn of(routes: &[Route]) -> Arc<AccessTable> {
        Arc::new(AccessTable(
            routes
                .iter()
                .map(|r| ((r.method.clone(), r.path), r.access))
                .collect(),
        ))
    }

    /// The rule of the route a request matched, and its path pattern; an unknown path (answered
    /// "not found" by the fallback) is public.
    fn of_request<'a>(&self, req: &'a Request) -> (Access, Option<&'a str>) {
        let Some(path) = req
            .extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str)
        else {
            return (Access::Public, None);
        };
        let method = if req.method() == Method::HEAD {
            Method::GET
        } else {
            req.method().clone()
        };
        let access = self
            .0
            .get(&(method, path))
            .copied()
            .unwrap_or(Access::Public);
        (access, Some(path))
    }
}

/// What a person with a temporary password may still do besides public routes: see the account
/// page, change the password, log out.
const UNTIL_CHANGED: &[(Method, &str)] = &[
    (Method::GET, "/account"),
    (Method::POST, "/account/password"),
    (Method::POST, "/logout"),
];

/// Until a temporary password (an officer's reset) is changed, every route but the change itself,
/// logout and public ones answers a redirect to the account page (pages) or a 403 saying why
/// (API): whoever holds the temporary password, perhaps the officer who set it, must not act as
/// the person with it.
pub async fn temporary_password(table: Arc<AccessTable>, req: Request, next: Next) -> Response {
    let must_change = req
        .extensions()
        .get::<OptionalViewer>()
        .and_then(|v| v.0.as_ref())
        .is_some_and(|v| v.must_change_password);
    if !must_change {
        return next.run(req).await;
    }
    let (access, path) = table.of_request(&req);
    let open = access == Access::Public
        || UNTIL_CHANGED
            .iter()
            .any(|(m, p)| m == req.method() && Some(*p) == path);
    if open {
        return next.run(req).await;
    }
    if req.uri().path().starts_with("/api/") {
        return ApiError(AppError::Refused {
            vi: "Bạn đang dùng mật khẩu tạm thời. Hãy đổi mật khẩu ở trang Tài khoản (/account) trước khi làm việc khác".into(),
            en: "You are using a temporary password. Change it on the account page (/account) before doing anything else".into(),
        })
        .into_response();
    }
    Redirect::to("/account").into_response()
}

/// Public routes whose answer still depends on who asks (the home page of a signed-in person,
/// the login form with its token, logging out, the language switch).
const PERSONAL_PUBLIC: &[&str] = &[
    "/",
    "/login",
    "/logout",
    "/lang/{code}",
    "/password/forgot",
    "/password/reset/{token}",
    "/password/code",
    "/api/v1/password/forgot",
];

/// `Cache-Control: no-store` on every answer that may hold personal data: everything except
/// answers that say otherwise (static files) and public routes that answer everybody the same
/// (verification, transparency pages, probes). Over https, `Strict-Transport-Security` on
/// everything.
pub async fn cache_and_transport(
    table: Arc<AccessTable>,
    https: bool,
    req: Request,
    next: Next,
) -> Response {
    let shared = match table.of_request(&req) {
        (Access::Public, Some(path)) => !PERSONAL_PUBLIC.contains(&path),
        _ => false,
    };
    let mut resp = next.run(req).await;
    let headers = resp.headers_mut();
    if !shared && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    resp
}

/// A page that sends a visitor who is not signed in to `/login` says where they were going
/// (`/login?next=/evaluations/7`), so logging in returns there (`accounts::login`; only a path
/// of this site is followed). Only GET pages: a form sent after the session ended cannot be
/// replayed by a redirect.
pub async fn login_return(req: Request, next: Next) -> Response {
    let here = (req.method() == axum::http::Method::GET
        && !req.uri().path().starts_with("/api/")
        && req.uri().path() != "/")
        .then(|| {
            req.uri()
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default()
        });
    let mut resp = next.run(req).await;
    let Some(here) = here else { return resp };
    let to_login = resp
        .headers()
        .get(header::LOCATION)
        .is_some_and(|l| l.as_bytes() == b"/login");
    if to_login && resp.status().is_redirection() {
        let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
        if let Ok(v) = HeaderValue::from_str(&format!("/login?next={next}")) {
            resp.headers_mut().insert(header::LOCATION, v);
        }
    }
    resp
}
