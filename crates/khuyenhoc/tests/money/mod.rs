//! Set-up shared by the tests of issue 14's money items (`money_caps`, `idempotency`,
//! `text_limits`, `fund_rules`): funds opened and money posted through the API, and ledger rows
//! written straight into the database where a test needs data the API no longer accepts (what
//! was stored before the caps).
#![allow(dead_code)]

use crate::common::{Client, Resp, TestApp};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};

pub fn this_year() -> i32 {
    chrono::Datelike::year(&chrono::Utc::now())
}

pub fn today() -> String {
    chrono::Utc::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}

/// A request that must answer `status`; its JSON.
pub async fn call(
    app: &TestApp,
    c: &mut Client,
    method: &str,
    path: &str,
    body: Value,
    status: StatusCode,
) -> Value {
    let r = app.json(c, method, path, body).await;
    assert_eq!(r.status, status, "{method} {path}: {}", r.body);
    if r.body.is_empty() {
        Value::Null
    } else {
        r.json()
    }
}

/// The field a 422 names, and its Vietnamese message.
#[track_caller]
pub fn field_error(r: &Resp) -> (String, String) {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let j = r.json();
    let e = &j["errors"][0];
    (
        e["field"].as_str().unwrap_or_default().to_owned(),
        e["message_vi"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Opens a fund through the API (`overdraft`: may pay out more than it holds); its id.
pub async fn open_fund(
    app: &TestApp,
    c: &mut Client,
    unit: &str,
    code: &str,
    overdraft: bool,
) -> i64 {
    let f = call(
        app,
        c,
        "POST",
        &format!("/api/v1/units/{unit}/funds"),
        json!({"code": code, "name": format!("Quỹ {code}"), "overdraft": overdraft}),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(f["overdraft"], overdraft, "{f}");
    f["id"].as_i64().expect("fund id")
}

/// Records money coming in or going out; the answer as it is.
pub async fn entry(
    app: &TestApp,
    c: &mut Client,
    fund: i64,
    category: &str,
    amount: Value,
) -> Resp {
    let body = json!({"category": category, "amount": amount, "party": "Nhà hảo tâm"});
    app.json(c, "POST", &format!("/api/v1/funds/{fund}/entries"), body)
        .await
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

/// The fund's total as the API shows it.
pub async fn total(app: &TestApp, c: &mut Client, fund: i64) -> i64 {
    let f = call(
        app,
        c,
        "GET",
        &format!("/api/v1/funds/{fund}"),
        Value::Null,
        StatusCode::OK,
    )
    .await;
    f["total"]
        .as_i64()
        .unwrap_or_else(|| panic!("no total in {f}"))
}

pub async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(&app.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// A balanced entry written straight into the ledger, as data stored before the caps could
/// be: `asset` up by `amount` against `category` (a reversal-like entry when `amount` < 0).
pub async fn seed(app: &TestApp, fund: i64, kind: &str, category: &str, amount: i64, on: &str) {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO ledger_entries (fund_id, kind, occurred_on, description, created_at) VALUES ($1, $2, $3, 'Dữ liệu cũ', 0) RETURNING id",
    )
    .bind(fund)
    .bind(kind)
    .bind(on)
    .fetch_one(&app.db.pool)
    .await
    .expect("seed entry");
    for (account, a) in [("cash", amount), (category, -amount)] {
        sqlx::query(
            "INSERT INTO ledger_lines (entry_id, fund_id, account, amount) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(fund)
        .bind(account)
        .bind(a)
        .execute(&app.db.pool)
        .await
        .expect("seed line");
    }
}

/// The live counters rebuilt from the ledger (after rows were written straight into it).
pub async fn recount(app: &TestApp) {
    khuyenhoc::reports::counters::recount(&app.db, true)
        .await
        .expect("recount");
    let left = khuyenhoc::reports::counters::recount(&app.db, false)
        .await
        .expect("recount");
    assert!(left.is_empty(), "{left:?}");
}

/// The value of a report line.
#[track_caller]
pub fn line_value(report: &Value, key: &str) -> Option<i64> {
    report["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["key"] == key)
        .unwrap_or_else(|| panic!("no line {key} in {report}"))["value"]
        .as_i64()
}
