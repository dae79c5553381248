//! Static files compiled into the binary.

use crate::web::route::{r, Access, Route};
use axum::http::header;
use axum::response::IntoResponse;

pub const CSS: &str = include_str!("../../static/app.css");

pub async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
}

pub const JS: &str = include_str!("../../static/app.js");

pub async fn js() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        JS,
    )
}

/// The routes this file serves, with their access rules.
#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        r(M::GET, "/static/app.css", Public, "Stylesheet", css),
        r(M::GET, "/static/app.js", Public, "Script for drafts kept offline and live totals", js),
    ]
}
