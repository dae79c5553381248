//! Helpers of the API parity tests (`tests/api_parity*.rs`, issue 16 item 8), included with
//! `#[path = "common/parity.rs"] mod parity;`: bearer-only clients, multipart uploads with the
//! token, answers as bytes, counts by plain SQL. Each test file uses some of them.
#![allow(dead_code)]

use super::{Client, Resp, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// One part of a multipart form: its name, the file name and type of a file, its bytes.
pub type Part<'a> = (&'a str, Option<(&'a str, &'a str)>, &'a [u8]);

pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
const BOUNDARY: &str = "kh-parity-Yx81qZ";

/// A client with only the API token of the person with this phone.
pub async fn bearer(app: &TestApp, phone: &str) -> Client {
    let c = app.api_client(phone).await;
    Client {
        cookies: vec![],
        bearer: c.bearer,
    }
}

/// Sends a multipart form (`(name, Some((file name, type)), bytes)` parts) with the token.
pub async fn multipart(
    app: &TestApp,
    c: &mut Client,
    method: &str,
    path: &str,
    parts: &[Part<'_>],
) -> Resp {
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        body.extend(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"").as_bytes(),
        );
        if let Some((file_name, kind)) = file {
            body.extend(format!("; filename=\"{file_name}\"\r\nContent-Type: {kind}").as_bytes());
        }
        body.extend(b"\r\n\r\n");
        body.extend(*bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .expect("request");
    app.send(c, req).await
}

/// A GET answered as bytes, with its content type.
pub async fn bytes(app: &TestApp, c: &Client, path: &str) -> (StatusCode, String, Vec<u8>) {
    let mut req = Request::get(path);
    if let Some(b) = &c.bearer {
        req = req.header(header::AUTHORIZATION, format!("Bearer {b}"));
    }
    if !c.cookies.is_empty() {
        let cookies: Vec<String> = c.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        req = req.header(header::COOKIE, cookies.join("; "));
    }
    let resp = app
        .router
        .clone()
        .oneshot(req.body(Body::empty()).expect("request"))
        .await
        .expect("infallible");
    let kind = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let status = resp.status();
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    (status, kind, body.to_vec())
}

pub async fn count(app: &TestApp, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .expect("count")
}
