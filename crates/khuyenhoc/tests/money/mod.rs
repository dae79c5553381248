//! Set-up shared by the tests of issue 14's money items (`money_caps`, `idempotency`,
//! `text_limits`, `fund_rules`): funds opened and money posted through the API, and ledger rows
//! written straight into the database where a test needs data the API no longer accepts (what
//! was stored before the caps).
#![allow(dead_code)]

use crate::common::{call, Client, Resp, TestApp};
use axum::http::StatusCode;
use serde_json::{json, Value};

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
pub async fn open_test_fund(
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
