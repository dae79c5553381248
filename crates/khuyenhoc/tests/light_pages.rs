//! Light pages (issue 20, item 4): answers are compressed with gzip or brotli when the client
//! accepts it (pages, the stylesheet, JSON), and decode to exactly the uncompressed answer;
//! workbooks and streamed pages are not; the stylesheet and the script are linked at a URL that
//! carries a hash of their content, cached a year, and an old hash is not found.

mod common;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use http_body_util::BodyExt;
use std::io::Read;
use tower::ServiceExt;

/// The raw answer to `GET path` with `accept-encoding`, for a logged-in client when given.
async fn raw(
    app: &TestApp,
    c: Option<&Client>,
    path: &str,
    encoding: &str,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut req = Request::get(path).header(header::ACCEPT_ENCODING, encoding);
    if let Some(c) = c {
        if !c.cookies.is_empty() {
            req = req.header(header::COOKIE, c.cookie_header());
        }
        if let Some(b) = &c.bearer {
            req = req.header(header::AUTHORIZATION, format!("Bearer {b}"));
        }
    }
    let resp = app
        .router
        .clone()
        .oneshot(req.body(Body::empty()).expect("request"))
        .await
        .expect("infallible");
    let (parts, body) = resp.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes().to_vec();
    (parts.status, parts.headers, bytes)
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut out = vec![];
    flate2::read::GzDecoder::new(b)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

fn unbrotli(b: &[u8]) -> Vec<u8> {
    let mut out = vec![];
    brotli::Decompressor::new(b, 4096)
        .read_to_end(&mut out)
        .expect("valid brotli");
    out
}

fn encoding(h: &axum::http::HeaderMap) -> Option<&str> {
    h.get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
}

both_backends!(
    pages_json_and_styles_travel_compressed,
    |backend| async move {
        let app = TestApp::new(backend).await;
        let officer = app.login(HANOI).await;
        // The officer's home page: plain, gzip and brotli decode to the same page.
        let (status, h, plain) = raw(&app, Some(&officer), "/units/01", "identity").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(encoding(&h), None);
        let (_, h, gz) = raw(&app, Some(&officer), "/units/01", "gzip").await;
        assert_eq!(encoding(&h), Some("gzip"));
        let page_plain = String::from_utf8_lossy(&plain).into_owned();
        let page_gz = String::from_utf8_lossy(&gunzip(&gz)).into_owned();
        // The CSRF token in the page differs by request; everything else is the same page.
        assert_eq!(page_gz.len(), page_plain.len());
        assert!(page_gz.contains("Hà Nội"), "{page_gz}");
        assert!(gz.len() * 2 < plain.len(), "{} → {}", plain.len(), gz.len());
        let (_, h, br) = raw(&app, Some(&officer), "/units/01", "br;q=1.0, gzip;q=0.5").await;
        assert_eq!(encoding(&h), Some("br"));
        assert_eq!(unbrotli(&br).len(), plain.len());
        assert!(h
            .get(header::VARY)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")));

        // JSON of the API too.
        let api = app.api_client(HANOI).await;
        let (_, _, json_plain) = raw(&app, Some(&api), "/api/v1/openapi.json", "identity").await;
        let (status, h, json_br) = raw(&app, Some(&api), "/api/v1/openapi.json", "br").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(encoding(&h), Some("br"));
        assert_eq!(unbrotli(&json_br), json_plain);

        // A workbook is zip already: sent as it is.
        let (status, h, _) = raw(
            &app,
            Some(&officer),
            "/units/00004-1/registrations.xlsx",
            "gzip, br",
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(encoding(&h), None, "{h:?}");

        // The stylesheet: linked from every page at its versioned URL, cached a year,
        // compressed; the plain name still answers; an old hash is not found.
        let href = page_plain
            .split("rel=\"stylesheet\" href=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("a stylesheet link")
            .to_owned();
        assert!(
            href.starts_with("/static/app-") && href.ends_with(".css"),
            "{href}"
        );
        let (status, h, css) = raw(&app, None, &href, "gzip").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(encoding(&h), Some("gzip"));
        assert_eq!(
            h.get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()),
            Some("public, max-age=31536000, immutable")
        );
        assert_eq!(gunzip(&css), khuyenhoc::web::assets::CSS.as_bytes());
        let (status, _, _) = raw(&app, None, "/static/app.css", "identity").await;
        assert_eq!(status, StatusCode::OK);
        let (status, _, _) = raw(&app, None, "/static/app-0000000000.css", "gzip").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let js = khuyenhoc::web::assets::js_url();
        let (status, h, _) = raw(&app, None, js, "identity").await;
        assert_eq!(status, StatusCode::OK);
        assert!(h
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/javascript")));

        // What travels, per page (printed with --nocapture; recorded in BENCHMARKS.md).
        let citizen = app.login(CITIZEN).await;
        println!("| answer | plain | gzip | brotli | brotli ÷ plain |");
        println!("|---|---:|---:|---:|---:|");
        for (who, path) in [
            (None, "/login"),
            (Some(&citizen), "/"),
            (Some(&citizen), "/learning"),
            (Some(&officer), "/units/01"),
            (None, href.as_str()),
            (None, js),
        ] {
            let (_, _, plain) = raw(&app, who, path, "identity").await;
            let (_, _, gz) = raw(&app, who, path, "gzip").await;
            let (_, h, br) = raw(&app, who, path, "br").await;
            assert_eq!(encoding(&h), Some("br"), "{path}");
            assert!(br.len() < plain.len(), "{path}");
            println!(
                "| `{path}` | {} | {} | {} | {:.0} % |",
                plain.len(),
                gz.len(),
                br.len(),
                100.0 * br.len() as f64 / plain.len() as f64
            );
        }
    }
);
