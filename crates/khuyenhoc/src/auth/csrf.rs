//! CSRF protection for every state-changing request, checked before any handler runs:
//!
//! - **A token bound to the session.** A signed-in browser's token is derived from its session
//!   id (which only that browser holds, in an HttpOnly cookie), so a new session at login gets a
//!   new token and a token read elsewhere is worth nothing with another session. Before login the
//!   token is a random value kept in a cookie. The token also travels in a SameSite=Strict cookie
//!   (`__Host-kh_csrf` with `Secure` over https, so no other site or subdomain can set it), and
//!   each form repeats it in a hidden `_csrf` field, or a request in the `X-CSRF-Token` header.
//!   A multipart form (a file upload) sends the field as its first part: the token never goes
//!   into a URL, where logs and `Referer` headers would keep it.
//! - **Origin.** A browser names the page a request comes from; an unsafe request whose `Origin`
//!   is another site (or `null`) is refused, the API included.
//!
//! API requests that change state must otherwise use a bearer token, which a foreign site cannot
//! send, or the session cookie with the `X-CSRF-Token` header (`auth::viewer`).

use super::{random_secret, same_secret, secret_hash, session};
use crate::config::Settings;
use crate::error::{AppError, PageError};
use crate::state::AppState;
use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::CookieJar;
use std::convert::Infallible;

pub const COOKIE: &str = "kh_csrf";
/// The cookie's name when the server is reached over https: the `__Host-` prefix makes the
/// browser refuse it unless it is `Secure`, for the whole site and set by this host only.
pub const SECURE_COOKIE: &str = "__Host-kh_csrf";
pub const FIELD: &str = "_csrf";
pub const HEADER: &str = "x-csrf-token";

/// Bytes of a multipart body read to find its first field, the token.
const MULTIPART_HEAD_MAX: usize = 16 * 1024;

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

pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_COOKIE
    } else {
        COOKIE
    }
}

/// The token of the browser holding session `sid`. A hash with its own prefix, so it is neither
/// the session id nor the session's stored hash, and says nothing about either.
pub fn for_session(sid: &str) -> String {
    secret_hash(&format!("khuyenhoc-csrf:{sid}"))
}

/// The cookie carrying `token`.
pub fn cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((cookie_name(secure), token))
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .path("/")
        .build()
}

/// The token a request must send: bound to its session cookie when it has one, else the
/// random one of its CSRF cookie.
pub fn expected(headers: &HeaderMap, secure: bool) -> Option<String> {
    let jar = CookieJar::from_headers(headers);
    match jar.get(session::cookie_name(secure)) {
        Some(sid) => Some(for_session(sid.value())),
        None => jar
            .get(cookie_name(secure))
            .map(|c| c.value().to_owned())
            .filter(|v| v.len() == 64),
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

/// Whether the `Origin` a browser sent, if any, is this site: the public address, or the host
/// the request was sent to.
fn origin_allowed(parts: &Parts, settings: &Settings) -> bool {
    let Some(origin) = parts.headers.get(header::ORIGIN) else {
        return true;
    };
    let Some(origin) = origin.to_str().ok().and_then(|o| url::Url::parse(o).ok()) else {
        return false;
    };
    let serialized = origin.origin().ascii_serialization();
    if serialized == "null" {
        return false;
    }
    if settings.public_origin().as_deref() == Some(serialized.as_str()) {
        return true;
    }
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| parts.uri.authority().map(|a| a.as_str().to_owned()));
    let authority = match (origin.host_str(), origin.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => return false,
    };
    host.is_some_and(|h| h.eq_ignore_ascii_case(&authority))
}

fn content_type(parts: &Parts) -> &str {
    parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// The token the request sent (header, urlencoded field, or first multipart field) and the
/// body, whole, for the handler.
async fn sent_token(
    parts: &Parts,
    body: Body,
    max: usize,
) -> Result<(Option<String>, Body), Response> {
    if let Some(t) = parts.headers.get(HEADER).and_then(|v| v.to_str().ok()) {
        return Ok((Some(t.to_owned()), body));
    }
    let ct = content_type(parts);
    if ct.starts_with("application/x-www-form-urlencoded") {
        let bytes = to_bytes(body, max)
            .await
            .map_err(|_| PageError(AppError::PayloadTooLarge).into_response())?;
        return Ok((form_token(&bytes), Body::from(bytes)));
    }
    if let Ok(boundary) = multer::parse_boundary(ct) {
        return Ok(multipart_token(body, &boundary).await);
    }
    Ok((None, body))
}

enum FirstField {
    Token(String),
    Other,
    Incomplete,
}

/// The first field of a multipart body whose beginning is `head`.
async fn first_field(head: &[u8], boundary: &str) -> FirstField {
    let data = Body::from(head.to_vec()).into_data_stream();
    let mut form = multer::Multipart::new(data, boundary);
    match form.next_field().await {
        Ok(Some(f)) if f.name() == Some(FIELD) => match f.text().await {
            Ok(t) => FirstField::Token(t),
            Err(_) => FirstField::Incomplete,
        },
        Ok(_) => FirstField::Other,
        Err(_) => FirstField::Incomplete,
    }
}

/// The `_csrf` field of a multipart form, which must come first (a browser sends fields in the
/// order of the form, and our forms put the token first). Only the beginning of the body is read;
/// what was read and the rest stream on to the handler, so an upload is not held twice in memory.
async fn multipart_token(body: Body, boundary: &str) -> (Option<String>, Body) {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut head = Vec::new();
    let mut token = None;
    while head.len() < MULTIPART_HEAD_MAX {
        match stream.next().await {
            Some(Ok(chunk)) => head.extend_from_slice(&chunk),
            // Without the token the request is refused; the rest of the body does not matter.
            Some(Err(_)) | None => break,
        }
        match first_field(&head, boundary).await {
            FirstField::Token(t) => {
                token = Some(t);
                break;
            }
            FirstField::Other => break,
            FirstField::Incomplete => {}
        }
    }
    let head = futures_util::stream::once(async move { Ok(Bytes::from(head)) });
    (token, Body::from_stream(head.chain(stream)))
}

fn refuse() -> Response {
    PageError(AppError::Forbidden("csrf")).into_response()
}

pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let settings = &state.settings;
    let secure = settings.secure_cookies();
    let (parts, body) = req.into_parts();
    let expected = expected(&parts.headers, secure);
    let mut req = if is_safe(&parts.method) {
        Request::from_parts(parts, body)
    } else {
        if !origin_allowed(&parts, settings) {
            return refuse();
        }
        if parts.uri.path().starts_with("/api/") {
            Request::from_parts(parts, body)
        } else {
            let (sent, body) = match sent_token(&parts, body, settings.max_body_bytes).await {
                Ok(x) => x,
                Err(resp) => return resp,
            };
            if !matches!((&expected, &sent), (Some(a), Some(b)) if same_secret(a, b)) {
                return refuse();
            }
            Request::from_parts(parts, body)
        }
    };
    let held = CookieJar::from_headers(req.headers())
        .get(cookie_name(secure))
        .map(|c| c.value().to_owned());
    let token = expected.unwrap_or_else(random_secret);
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut resp = next.run(req).await;
    // The cookie follows the token (a new browser, or a session begun elsewhere), unless the
    // handler set it itself (a login rotates it).
    let name = cookie_name(secure);
    let handler_set = resp
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(format!("{name}=").as_bytes()));
    if held.as_deref() != Some(token.as_str()) && !handler_set {
        if let Ok(v) = HeaderValue::from_str(&cookie(token, secure).to_string()) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}
