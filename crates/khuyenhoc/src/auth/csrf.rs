//! CSRF protection for every state-changing form: a per-browser random token in a SameSite=Strict
//! cookie that each form repeats in a hidden `_csrf` field (or an `X-CSRF-Token` header). A
//! request whose token does not match is refused before any handler runs. API requests that
//! change state must use a bearer token, which a foreign site cannot send.

use crate::error::{AppError, PageError};
use axum::body::{to_bytes, Body};
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::CookieJar;
use std::convert::Infallible;

pub const COOKIE: &str = "kh_csrf";
pub const FIELD: &str = "_csrf";
pub const HEADER: &str = "x-csrf-token";

/// The token forms must carry; handlers put it into a hidden field.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

impl<S: Send + Sync> FromRequestParts<S> for CsrfToken {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(parts
            .extensions
            .get::<CsrfToken>()
            .cloned()
            .unwrap_or(CsrfToken(String::new())))
    }
}

fn is_safe(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn form_token(body: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.into_owned())
}

pub async fn guard(max_body: usize, req: Request, next: Next) -> Response {
    let jar = CookieJar::from_headers(req.headers());
    let existing = jar
        .get(COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 64);
    let is_api = req.uri().path().starts_with("/api/");
    let (parts, body) = req.into_parts();
    let mut req = if !is_safe(&parts.method) && !is_api {
        let header_token = parts
            .headers
            .get(HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| {
                // Multipart forms (file uploads) carry the token in their action's query string.
                parts.uri.query().and_then(|q| form_token(q.as_bytes()))
            });
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let (sent, body) = if header_token.is_some() || !is_form {
            (header_token, body)
        } else {
            let bytes = match to_bytes(body, max_body).await {
                Ok(b) => b,
                Err(_) => return PageError(AppError::PayloadTooLarge).into_response(),
            };
            (form_token(&bytes), Body::from(bytes))
        };
        let ok = matches!((&existing, &sent), (Some(a), Some(b)) if super::same_secret(a, b));
        if !ok {
            return PageError(AppError::Forbidden("csrf")).into_response();
        }
        Request::from_parts(parts, body)
    } else {
        Request::from_parts(parts, body)
    };
    let (token, fresh) = match existing {
        Some(t) => (t, false),
        None => (super::random_secret(), true),
    };
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut resp = next.run(req).await;
    if fresh {
        let c = Cookie::build((COOKIE, token))
            .http_only(true)
            .same_site(SameSite::Strict)
            .path("/")
            .build();
        if let Ok(v) = HeaderValue::from_str(&c.to_string()) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}
