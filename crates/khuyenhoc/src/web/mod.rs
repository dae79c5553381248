//! The HTTP edge: the route table, the middleware stack, page chrome and extractors. Only this
//! module and the `pages`/`api` files of each capability know axum.

pub mod assets;
pub mod edge;
pub mod export;
pub mod extract;
pub mod layout;
pub mod list;
pub mod list_small;
pub mod openapi;
pub mod route;
pub mod routes;

use crate::state::AppState;
use axum::extract::{MatchedPath, Request};
use axum::http::{header, Extensions, HeaderMap, HeaderValue, StatusCode, Version};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use std::time::Instant;
use tower_http::compression::predicate::{Predicate, SizeAbove};
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// The whole application, ready to serve.
pub fn app(state: AppState) -> Router {
    let max_body = state.settings.max_body_bytes;
    let https = state.settings.secure_cookies();
    let all = routes::all();
    let table = edge::AccessTable::of(&all);
    let gate = table.clone();
    let mut router = Router::new();
    for r in all {
        router = router.route(r.path, r.handler);
    }
    router
        .fallback(routes::not_found)
        .layer(middleware::from_fn(move |req, next| edge::temporary_password(gate.clone(), req, next)))
        .layer(middleware::from_fn(edge::login_return))
        .layer(middleware::from_fn_with_state(state.clone(), crate::auth::resolve_viewer))
        .layer(middleware::from_fn_with_state(state.clone(), crate::auth::csrf::guard))
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn(localize_error_pages))
        .layer(middleware::from_fn(track_metrics))
        .layer(middleware::from_fn(move |req, next| edge::cache_and_transport(table.clone(), https, req, next)))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"),
        ))
        .layer(CompressionLayer::new().compress_when(SizeAbove::new(256).and(compressible as CompressWhen)))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

type CompressWhen = fn(StatusCode, Version, &HeaderMap, &Extensions) -> bool;

/// What is compressed (gzip or brotli, as the client accepts): text the program writes (pages,
/// stylesheet, script, JSON, SVG, CSV, calendars), never what is compressed already (PDF,
/// workbooks, zip, images) nor a page streamed while it is made (`x-accel-buffering: no`: the
/// progress of a large import), which an encoder would hold back until the end.
fn compressible(_: StatusCode, _: Version, h: &HeaderMap, _: &Extensions) -> bool {
    if h.get("x-accel-buffering").is_some_and(|v| v == "no") {
        return false;
    }
    let kind = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    [
        "text/",
        "application/json",
        "application/problem+json",
        "application/ld+json",
        "application/vc",
        "application/javascript",
        "image/svg+xml",
    ]
    .iter()
    .any(|t| kind.starts_with(t))
}

/// An error page is rendered where the error arises, without the request: shown again here in
/// the reader's language (cookie `lang`).
async fn localize_error_pages(req: Request, next: Next) -> Response {
    let jar = axum_extra::extract::CookieJar::from_headers(req.headers());
    let en = jar.get("lang").is_some_and(|c| c.value() == "en");
    let mut resp = next.run(req).await;
    if !en {
        return resp;
    }
    if let Some(mut page) = resp.extensions_mut().remove::<crate::error::ErrorPage>() {
        page.en = true;
        let (mut parts, _) = resp.into_parts();
        parts.headers.remove(header::CONTENT_LENGTH);
        let html = page.render_html();
        return Response::from_parts(parts, axum::body::Body::from(html.0));
    }
    resp
}

async fn track_metrics(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "path" => path.clone(), "status" => status).increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "path" => path)
        .record(start.elapsed().as_secs_f64());
    resp
}
