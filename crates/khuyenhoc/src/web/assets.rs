//! Static files compiled into the binary, each served at a URL that carries a hash of its
//! content (`/static/app-1a2b3c4d5e.css`), cached a year and never revalidated: a new build with a
//! changed file changes the URL, so a phone never keeps an old stylesheet. The plain names
//! (`/static/app.css`) still answer, cached an hour, for pages saved before.

use crate::web::route::{r, Access, Route};
use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

pub const CSS: &str = include_str!("../../static/app.css");
pub const JS: &str = include_str!("../../static/app.js");

const CSS_TYPE: &str = "text/css; charset=utf-8";
const JS_TYPE: &str = "text/javascript; charset=utf-8";
const HOUR: &str = "public, max-age=3600";
const YEAR: &str = "public, max-age=31536000, immutable";

/// `/static/{stem}-{first 10 hex digits of the SHA-256 of the content}.{ext}`
fn versioned(stem: &str, ext: &str, content: &str) -> String {
    let hash = Sha256::digest(content.as_bytes());
    let hex: String = hash.iter().take(5).map(|b| format!("{b:02x}")).collect();
    format!("/static/{stem}-{hex}.{ext}")
}

static CSS_URL: LazyLock<String> = LazyLock::new(|| versioned("app", "css", CSS));
static JS_URL: LazyLock<String> = LazyLock::new(|| versioned("app", "js", JS));

/// The stylesheet's versioned URL (what pages link to).
pub fn css_url() -> &'static str {
    CSS_URL.as_str()
}

/// The script's versioned URL (what pages link to).
pub fn js_url() -> &'static str {
    JS_URL.as_str()
}

fn serve(kind: &'static str, cache: &'static str, body: &'static str) -> Response {
    (
        [(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, cache)],
        body,
    )
        .into_response()
}

pub async fn css() -> Response {
    serve(CSS_TYPE, HOUR, CSS)
}

pub async fn js() -> Response {
    serve(JS_TYPE, HOUR, JS)
}

/// `GET /static/{file}`: a versioned name of the current build, cached a year; any other name
/// (an old build's hash) is not found, so a stale URL is never served new content under it.
pub async fn versioned_file(Path(file): Path<String>) -> Response {
    let path = format!("/static/{file}");
    if path == css_url() {
        serve(CSS_TYPE, YEAR, CSS)
    } else if path == js_url() {
        serve(JS_TYPE, YEAR, JS)
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

/// The routes this file serves, with their access rules.
#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        r(M::GET, "/static/app.css", Public, "Stylesheet", css),
        r(M::GET, "/static/app.js", Public, "Script for drafts kept offline and live totals", js),
        r(M::GET, "/static/{file}", Public, "Stylesheet or script at its versioned URL, cached a year", versioned_file),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versioned_urls_follow_the_content() {
        assert!(css_url().starts_with("/static/app-") && css_url().ends_with(".css"));
        assert_eq!(css_url().len(), "/static/app-".len() + 10 + ".css".len());
        assert_ne!(versioned("app", "css", "a"), versioned("app", "css", "b"));
        assert_eq!(css_url(), versioned("app", "css", CSS));
    }
}
