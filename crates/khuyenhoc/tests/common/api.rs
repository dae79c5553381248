//! Requests through the JSON API that must answer as a test expects, and set-up done through it.

use super::{Client, Resp, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};

/// Sends `body` as JSON (a GET goes without a body) and answers the response.
async fn send_json(app: &TestApp, c: &mut Client, method: &str, path: &str, body: Value) -> Resp {
    if method == "GET" {
        app.get(c, path).await
    } else {
        app.json(c, method, path, body).await
    }
}

/// A request that must answer exactly `status`; returns its JSON.
pub async fn call(
    app: &TestApp,
    c: &mut Client,
    method: &str,
    path: &str,
    body: Value,
    status: StatusCode,
) -> Value {
    let r = send_json(app, c, method, path, body).await;
    assert_eq!(r.status, status, "{method} {path}: {}", r.body);
    if r.body.is_empty() {
        Value::Null
    } else {
        r.json()
    }
}

/// A request that must succeed (any 2xx); returns its JSON.
pub async fn ok(app: &TestApp, c: &mut Client, method: &str, path: &str, body: Value) -> Value {
    let r = send_json(app, c, method, path, body).await;
    assert!(
        r.status.is_success(),
        "{method} {path}: {} {}",
        r.status,
        r.body
    );
    r.json()
}

/// The answer is problem+json with this status, in its body too, and a title in Vietnamese and
/// in English; returns it.
#[track_caller]
pub fn problem(r: &Resp, status: StatusCode, what: &str) -> Value {
    assert_eq!(r.status, status, "{what}: {}", r.body);
    assert_eq!(
        r.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json"),
        "{what}: {}",
        r.body
    );
    let j = r.json();
    assert_eq!(j["status"], status.as_u16(), "{what}");
    for title in ["title", "title_en"] {
        assert!(
            j[title].as_str().is_some_and(|t| !t.is_empty()),
            "{what}: no {title} in {}",
            r.body
        );
    }
    j
}

/// A POST of JSON with an `Idempotency-Key` header.
pub async fn post_keyed(
    app: &TestApp,
    c: &mut Client,
    path: &str,
    key: &str,
    body: &Value,
) -> Resp {
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header("Idempotency-Key", key)
        .body(Body::from(body.to_string()))
        .expect("request");
    app.send(c, req).await
}

/// The one number a query answers (a count, a sum cast to BIGINT).
pub async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&app.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Opens an empty general fund at a unit through the API; returns its id.
pub async fn open_fund(app: &TestApp, c: &mut Client, unit: &str, code: &str, name: &str) -> i64 {
    let f = call(
        app,
        c,
        "POST",
        &format!("/api/v1/units/{unit}/funds"),
        json!({"code": code, "name": name, "kind": "general"}),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(f["unit_code"], unit, "{f}");
    assert_eq!(f["total"], 0, "{f}");
    f["id"].as_i64().expect("fund id")
}

/// Registers a person whose home unit is `unit`, with the demo password so they can log in;
/// returns the id.
pub async fn register_person(
    app: &TestApp,
    c: &mut Client,
    unit: &str,
    name: &str,
    phone: &str,
) -> i64 {
    let j = call(
        app,
        c,
        "POST",
        &format!("/api/v1/units/{unit}/people"),
        json!({"full_name": name, "phone": phone, "password": super::PASSWORD}),
        StatusCode::CREATED,
    )
    .await;
    j["id"].as_i64().expect("person id")
}

/// A stranger registers at branch 00004-1 through its join link; returns the registration's id.
pub async fn join_stranger(app: &TestApp, name: &str, phone: &str) -> i64 {
    let mut c = Client::default();
    let r = app
        .post_form(
            &mut c,
            "/join/00004-1",
            &[
                ("full_name", name),
                ("birth_year", "1990"),
                ("gender", "female"),
                ("phone", phone),
                ("pin", "246810"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status.as_u16(), 303, "registration: {}", r.body);
    sqlx::query_scalar("SELECT id FROM registrations WHERE phone = $1")
        .bind(phone)
        .fetch_one(&app.db.pool)
        .await
        .expect("the registration")
}

/// Records a receipt or a payment dated `on` through the API; returns the entry id.
pub async fn record_entry(
    app: &TestApp,
    c: &mut Client,
    fund: i64,
    category: &str,
    amount: i64,
    on: &str,
) -> i64 {
    let e = call(
        app,
        c,
        "POST",
        &format!("/api/v1/funds/{fund}/entries"),
        json!({"category": category, "amount": amount, "date": on, "party": "Nhà hảo tâm"}),
        StatusCode::CREATED,
    )
    .await;
    e["id"].as_i64().expect("entry id")
}

/// Transfers between funds through the API; returns (sending half, receiving half).
pub async fn post_transfer(
    app: &TestApp,
    c: &mut Client,
    from: i64,
    to: i64,
    amount: i64,
    on: &str,
) -> (Value, Value) {
    let t = call(
        app,
        c,
        "POST",
        &format!("/api/v1/funds/{from}/transfers"),
        json!({"to_fund_id": to, "amount": amount, "date": on}),
        StatusCode::CREATED,
    )
    .await;
    (t["out"].clone(), t["in"].clone())
}

/// The open position `phone` holds at the unit `unit` (e.g. the signer of its documents).
pub async fn held_position(app: &TestApp, unit: &str, phone: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT p.id FROM positions p JOIN position_holdings h ON h.position_id = p.id \
         JOIN units u ON u.id = p.unit_id JOIN people pe ON pe.id = h.person_id \
         WHERE u.code = $1 AND pe.phone = $2 AND h.to_at IS NULL",
    )
    .bind(unit)
    .bind(phone)
    .fetch_one(&app.db.pool)
    .await
    .expect("the position held")
}
