//! Study-promotion funds through the JSON API (and the pages where people use them): every entry
//! balances; the database refuses to change or delete the ledger; a reversal restores the
//! balance; receipt numbers have no gaps and no duplicates when eight requests post at once; a
//! retried request with the same idempotency key posts once; a province's consolidated report
//! equals the sum of its funds minus the transfers between them; the Excel report's totals are
//! the ledger's; a scholarship round runs from nominations to the published list, which shows a
//! minor only by initials and commune; bad amounts get Vietnamese messages, never a 500.
#![allow(clippy::too_many_lines)] // each test is one story, told step by step

mod common;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::post_transfer as transfer;
use common::*;
use http_body_util::BodyExt;
use khuyenhoc::db::Backend;
use khuyenhoc_ledger::{errors, Account, Dong, Entry, FundId, Line};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tower::ServiceExt;

/// A day of this year, `MM-DD`.
fn day(md: &str) -> String {
    format!("{}-{md}", this_year())
}

async fn get(app: &TestApp, c: &mut Client, path: &str) -> Value {
    let r = app.get(c, path).await;
    assert_eq!(r.status, StatusCode::OK, "GET {path}: {}", r.body);
    r.json()
}

/// Records a receipt or a payment; returns the entry.
async fn post(
    app: &TestApp,
    c: &mut Client,
    fund: i64,
    category: &str,
    amount: Value,
    on: &str,
) -> Value {
    call(
        app,
        c,
        "POST",
        &format!("/api/v1/funds/{fund}/entries"),
        json!({"category": category, "amount": amount, "date": on, "party": "Nhà hảo tâm"}),
        StatusCode::CREATED,
    )
    .await
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

/// The fund's assets, straight from the ledger lines.
async fn ledger_balance(app: &TestApp, fund: i64) -> i64 {
    scalar(
        app,
        &format!("SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM ledger_lines WHERE fund_id = {fund} AND account IN ('cash', 'bank', 'in_kind')"),
    )
    .await
}

/// The fund's balance as the API shows it; checked against the ledger lines.
async fn balance(app: &TestApp, c: &mut Client, fund: i64) -> i64 {
    let f = get(app, c, &format!("/api/v1/funds/{fund}")).await;
    let total = f["total"].as_i64().expect("total");
    let parts: i64 = f["balances"]
        .as_array()
        .expect("balances")
        .iter()
        .map(|b| b["amount"].as_i64().expect("amount"))
        .sum();
    assert_eq!(total, parts, "{f}");
    assert_eq!(total, ledger_balance(app, fund).await, "fund {fund}");
    total
}

/// The number of (entry, fund) groups whose lines do not sum to zero, plus entries with fewer
/// than two lines, over the whole ledger.
async fn unbalanced(app: &TestApp) -> i64 {
    scalar(
        app,
        "SELECT COUNT(*) FROM (SELECT entry_id, fund_id FROM ledger_lines GROUP BY entry_id, fund_id HAVING SUM(amount) <> 0) x",
    )
    .await
        + scalar(
            app,
            "SELECT COUNT(*) FROM ledger_entries e WHERE (SELECT COUNT(*) FROM ledger_lines l WHERE l.entry_id = e.id) < 2",
        )
        .await
}

/// Every entry the API lists balances per fund and has at least two lines.
#[track_caller]
fn assert_balanced(entries: &[Value]) {
    for e in entries {
        let lines = e["lines"].as_array().expect("lines");
        assert!(lines.len() >= 2, "{e}");
        let mut per_fund: BTreeMap<i64, i64> = BTreeMap::new();
        for l in lines {
            let amount = l["amount"].as_i64().expect("amount");
            assert_ne!(amount, 0, "{e}");
            *per_fund
                .entry(l["fund_id"].as_i64().expect("fund"))
                .or_default() += amount;
        }
        assert!(per_fund.values().all(|s| *s == 0), "unbalanced: {e}");
    }
}

// ---------------------------------------------------------------------------------------------

both_backends!(
    every_entry_balances_and_the_ledger_is_append_only,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut t = app.api_client(TREASURER).await;
        let fund = open_fund(&app, &mut t, "00004", "KH-BD", "Quỹ Khuyến học Ba Đình").await;
        let other = open_fund(&app, &mut t, "00004", "HB-BD", "Quỹ học bổng Ba Đình").await;

        // Every kind of movement.
        let gift = post(
            &app,
            &mut t,
            fund,
            "donation",
            json!("5.000.000 đ"),
            &day("02-01"),
        )
        .await;
        assert_eq!(gift["voucher_no"], format!("PT-{}-000001", this_year()));
        assert_eq!(gift["change"], 5_000_000);
        let fee = call(
        &app,
        &mut t,
        "POST",
        &format!("/api/v1/funds/{fund}/entries"),
        json!({"category": "membership_fee", "asset": "bank", "amount": 300_000, "date": format!("05/02/{}", this_year())}),
        StatusCode::CREATED,
    )
    .await;
        assert_eq!(fee["occurred_on"], day("02-05"));
        let books = call(
        &app,
        &mut t,
        "POST",
        &format!("/api/v1/funds/{fund}/entries"),
        json!({"category": "donation", "asset": "in_kind", "amount": "2 triệu", "date": day("02-10"),
               "party": "Công ty Sách Việt", "party_kind": "organisation", "in_kind_note": "200 quyển vở, giá bìa 10.000 đ"}),
        StatusCode::CREATED,
    )
    .await;
        assert_eq!(books["change"], 2_000_000);
        assert_eq!(books["donor"], "Công ty Sách Việt");
        // In kind without saying what it is: refused, in Vietnamese.
        let r = app
            .json(
                &mut t,
                "POST",
                &format!("/api/v1/funds/{fund}/entries"),
                json!({"category": "donation", "asset": "in_kind", "amount": "1000000"}),
            )
            .await;
        let j = problem(
            &r,
            StatusCode::UNPROCESSABLE_ENTITY,
            "in kind without a note",
        );
        assert_eq!(j["errors"][0]["field"], "in_kind_note");
        let paid = post(
            &app,
            &mut t,
            fund,
            "teacher_support",
            json!(1_500_000),
            &day("03-01"),
        )
        .await;
        assert_eq!(paid["voucher_no"], format!("PC-{}-000001", this_year()));
        assert_eq!(paid["change"], -1_500_000);
        let (out, into) = transfer(&app, &mut t, fund, other, 700_000, &day("03-02")).await;
        assert_eq!(out["voucher_no"], format!("PC-{}-000002", this_year()));
        assert_eq!(into["voucher_no"], format!("PT-{}-000001", this_year()));
        assert_eq!(into["pair_id"], id(&out));
        let reversal = call(
            &app,
            &mut t,
            "POST",
            &format!("/api/v1/entries/{}/reversal", id(&paid)),
            json!({"reason": "Ghi nhầm số tiền"}),
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(reversal.as_array().map(Vec::len), Some(1));

        // Every entry, as the API lists it, balances per fund; so does the whole ledger in SQL.
        let listed = get(&app, &mut t, &format!("/api/v1/funds/{fund}/entries")).await;
        let listed = listed["items"].as_array().expect("entries").clone();
        assert_eq!(listed.len(), 6, "{listed:?}");
        assert_balanced(&listed);
        let listed_other = get(&app, &mut t, &format!("/api/v1/funds/{other}/entries")).await;
        assert_balanced(listed_other["items"].as_array().expect("entries"));
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM ledger_entries").await, 7);
        assert_eq!(unbalanced(&app).await, 0);
        assert_eq!(
            scalar(
                &app,
                "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM ledger_lines"
            )
            .await,
            0
        );
        // 5.000.000 + 300.000 + 2.000.000 − 1.500.000 + 1.500.000 (reversed) − 700.000
        assert_eq!(balance(&app, &mut t, fund).await, 6_600_000);
        assert_eq!(balance(&app, &mut t, other).await, 700_000);

        // The database itself refuses to change or delete entries and lines.
        let target = id(&gift);
        let before_lines = scalar(&app, "SELECT COUNT(*) FROM ledger_lines").await;
        for sql in [
            "UPDATE ledger_entries SET description = 'sửa lén' WHERE id = $1",
            "UPDATE ledger_entries SET occurred_on = '2000-01-01' WHERE id = $1",
            "DELETE FROM ledger_entries WHERE id = $1",
            "UPDATE ledger_lines SET amount = amount * 10 WHERE entry_id = $1",
            "UPDATE ledger_lines SET fund_id = fund_id WHERE entry_id = $1",
            "DELETE FROM ledger_lines WHERE entry_id = $1",
        ] {
            let err = sqlx::query(sql)
                .bind(target)
                .execute(&app.db.pool)
                .await
                .expect_err(sql);
            let msg = err.to_string();
            assert!(
                msg.contains("never changed")
                    || msg.contains("never deleted")
                    || msg.contains("append-only"),
                "{sql}: {msg}"
            );
        }
        if b == Backend::Postgres {
            for sql in ["TRUNCATE ledger_lines", "TRUNCATE ledger_entries CASCADE"] {
                let err = sqlx::query(sql).execute(&app.db.pool).await.expect_err(sql);
                assert!(err.to_string().contains("append-only"), "{sql}: {err}");
            }
        }
        let still = get(&app, &mut t, &format!("/api/v1/funds/{fund}/entries")).await;
        let gift_now = still["items"]
            .as_array()
            .and_then(|a| a.iter().find(|e| id(e) == target))
            .expect("the donation is still there");
        assert_eq!(gift_now["description"], gift["description"]);
        assert_eq!(gift_now["occurred_on"], gift["occurred_on"]);
        assert_eq!(gift_now["lines"], gift["lines"]);
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM ledger_lines").await,
            before_lines
        );
        assert_eq!(balance(&app, &mut t, fund).await, 6_600_000);
    }
);

both_backends!(a_reversal_restores_the_balance, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut t = app.api_client(TREASURER).await;
    let fund = open_fund(&app, &mut t, "00004", "KH-BD", "Quỹ Khuyến học Ba Đình").await;
    let branch = open_fund(
        &app,
        &mut t,
        "00004-1",
        "KH-TDP1",
        "Quỹ Chi hội Tổ dân phố số 1",
    )
    .await;
    post(
        &app,
        &mut t,
        fund,
        "donation",
        json!("10.000.000"),
        &day("01-10"),
    )
    .await;
    assert_eq!(balance(&app, &mut t, fund).await, 10_000_000);

    // A mistaken donation of 2.500.000 đ, then its reversal.
    let wrong = post(
        &app,
        &mut t,
        fund,
        "donation",
        json!("2.500.000"),
        &day("01-11"),
    )
    .await;
    assert_eq!(balance(&app, &mut t, fund).await, 12_500_000);
    let r = app
        .json(
            &mut t,
            "POST",
            &format!("/api/v1/entries/{}/reversal", id(&wrong)),
            json!({"reason": ""}),
        )
        .await;
    let j = problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "reversal without a reason",
    );
    assert_eq!(j["errors"][0]["field"], "reason");
    assert_eq!(j["errors"][0]["message_vi"], "Cần ghi lý do đảo bút toán");
    let rev = call(
        &app,
        &mut t,
        "POST",
        &format!("/api/v1/entries/{}/reversal", id(&wrong)),
        json!({"reason": "Nhập trùng phiếu thu"}),
        StatusCode::CREATED,
    )
    .await;
    let rev = &rev[0];
    assert_eq!(rev["kind"], "reversal");
    assert_eq!(rev["reverses_id"], id(&wrong));
    assert_eq!(rev["change"], -2_500_000);
    assert_eq!(rev["voucher_no"], format!("PC-{}-000001", this_year()));
    // Every line negated.
    let negated: Vec<i64> = wrong["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| -l["amount"].as_i64().expect("amount"))
        .collect();
    let lines: Vec<i64> = rev["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| l["amount"].as_i64().expect("amount"))
        .collect();
    assert_eq!(lines, negated);
    assert_eq!(balance(&app, &mut t, fund).await, 10_000_000);
    // The original stays, marked as reversed.
    let entries = get(&app, &mut t, &format!("/api/v1/funds/{fund}/entries")).await;
    let original = entries["items"]
        .as_array()
        .and_then(|a| a.iter().find(|e| id(e) == id(&wrong)))
        .expect("original");
    assert_eq!(original["reversed_by"], id(rev));
    assert_eq!(original["change"], 2_500_000);
    // Twice, or a reversal of a reversal: refused in Vietnamese, nothing posted.
    let r = app
        .json(
            &mut t,
            "POST",
            &format!("/api/v1/entries/{}/reversal", id(&wrong)),
            json!({"reason": "Lần nữa"}),
        )
        .await;
    assert_eq!(
        problem(&r, StatusCode::BAD_REQUEST, "second reversal")["title"],
        "Bút toán này đã được đảo rồi"
    );
    let r = app
        .json(
            &mut t,
            "POST",
            &format!("/api/v1/entries/{}/reversal", id(rev)),
            json!({"reason": "Đảo lại"}),
        )
        .await;
    assert_eq!(
        problem(&r, StatusCode::BAD_REQUEST, "reversal of a reversal")["title"],
        "Không đảo một bút toán đảo; hãy ghi bút toán mới"
    );
    assert_eq!(balance(&app, &mut t, fund).await, 10_000_000);

    // A transfer reversed from the receiving side: both funds are back where they were.
    let (out, into) = transfer(&app, &mut t, fund, branch, 4_000_000, &day("01-12")).await;
    assert_eq!(balance(&app, &mut t, fund).await, 6_000_000);
    assert_eq!(balance(&app, &mut t, branch).await, 4_000_000);
    let revs = call(
        &app,
        &mut t,
        "POST",
        &format!("/api/v1/entries/{}/reversal", id(&into)),
        json!({"reason": "Chuyển nhầm quỹ"}),
        StatusCode::CREATED,
    )
    .await;
    let revs = revs.as_array().expect("two reversals");
    assert_eq!(revs.len(), 2);
    assert_eq!(revs[0]["reverses_id"], id(&out));
    assert_eq!(revs[1]["reverses_id"], id(&into));
    assert_balanced(revs);
    assert_eq!(balance(&app, &mut t, fund).await, 10_000_000);
    assert_eq!(balance(&app, &mut t, branch).await, 0);
    let r = app
        .json(
            &mut t,
            "POST",
            &format!("/api/v1/entries/{}/reversal", id(&out)),
            json!({"reason": "Lần nữa"}),
        )
        .await;
    problem(
        &r,
        StatusCode::BAD_REQUEST,
        "the other half is reversed too",
    );

    // The report of the fund agrees: receipts 12.500.000 − 2.500.000, payments 4.000.000 − 4.000.000.
    let rep = get(
        &app,
        &mut t,
        &format!(
            "/api/v1/funds/{fund}/report?from={}&to={}",
            day("01-01"),
            day("12-31")
        ),
    )
    .await;
    assert_eq!(rep["total_receipts"], 10_000_000);
    assert_eq!(rep["total_payments"], 0);
    assert_eq!(rep["closing"], 10_000_000);

    // Someone out of scope cannot reverse (404, like a missing entry); the page route works too.
    let mut other = app.api_client(HOABINH).await;
    let r = app
        .json(
            &mut other,
            "POST",
            &format!("/api/v1/entries/{}/reversal", id(&out)),
            json!({"reason": "Phá"}),
        )
        .await;
    problem(&r, StatusCode::NOT_FOUND, "out of scope");
    let r = app
        .json(
            &mut t,
            "POST",
            "/api/v1/entries/999999/reversal",
            json!({"reason": "Không có"}),
        )
        .await;
    problem(&r, StatusCode::NOT_FOUND, "missing entry");
    let page_wrong = post(&app, &mut t, fund, "donation", json!(1_000), &day("01-13")).await;
    let mut s = app.login(TREASURER).await;
    let r = app
        .post_form(
            &mut s,
            &format!("/entries/{}/reverse", id(&page_wrong)),
            &[("reason", "Ghi nhầm")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(balance(&app, &mut t, fund).await, 10_000_000);
    assert_eq!(unbalanced(&app).await, 0);
});

both_backends!(
    voucher_numbers_have_no_gaps_when_eight_post_at_once,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut t = app.api_client(TREASURER).await;
        let fund = open_fund(&app, &mut t, "00004", "KH-BD", "Quỹ Khuyến học Ba Đình").await;
        let token = t.bearer.clone().expect("token");
        let path = format!("/api/v1/funds/{fund}/entries");

        // Round one: eight donations at once. Round two: four donations and four payments at once.
        let mut vouchers: Vec<String> = vec![];
        for round in 0..2 {
            let barrier = Arc::new(tokio::sync::Barrier::new(8));
            let mut tasks = vec![];
            for i in 0..8i64 {
                let router = app.router.clone();
                let (token, path, barrier) = (token.clone(), path.clone(), barrier.clone());
                let (category, amount) = if round == 1 && i % 2 == 1 {
                    ("scholarship", 50_000)
                } else {
                    ("donation", 100_000 * (i + 1))
                };
                let body = json!({"category": category, "amount": amount.to_string(), "date": day("04-01"), "party": format!("Nhà hảo tâm số {i}")});
                tasks.push(tokio::spawn(async move {
                    let req = Request::post(path.as_str())
                        .header(header::CONTENT_TYPE, "application/json")
                        .header(header::AUTHORIZATION, format!("Bearer {token}"))
                        .body(Body::from(body.to_string()))
                        .expect("request");
                    barrier.wait().await;
                    let resp = router.oneshot(req).await.expect("infallible");
                    let status = resp.status();
                    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
                    (status, String::from_utf8_lossy(&bytes).into_owned())
                }));
            }
            for task in tasks {
                let (status, body) = task.await.expect("task");
                assert_eq!(status, StatusCode::CREATED, "{body}");
                let e: Value = serde_json::from_str(&body).expect("JSON");
                vouchers.push(e["voucher_no"].as_str().expect("voucher").to_owned());
            }
        }
        let y = this_year();
        let mut receipts: Vec<&String> = vouchers.iter().filter(|v| v.starts_with("PT-")).collect();
        let mut payments: Vec<&String> = vouchers.iter().filter(|v| v.starts_with("PC-")).collect();
        receipts.sort();
        payments.sort();
        let want_receipts: Vec<String> = (1..=12).map(|n| format!("PT-{y}-{n:06}")).collect();
        let want_payments: Vec<String> = (1..=4).map(|n| format!("PC-{y}-{n:06}")).collect();
        assert_eq!(
            receipts,
            want_receipts.iter().collect::<Vec<_>>(),
            "no gap, no duplicate"
        );
        assert_eq!(
            payments,
            want_payments.iter().collect::<Vec<_>>(),
            "no gap, no duplicate"
        );
        // The database agrees: 16 entries, 16 distinct numbers, counters at 12 and 4.
        assert_eq!(
            scalar(
                &app,
                &format!("SELECT COUNT(*) FROM ledger_entries WHERE fund_id = {fund}")
            )
            .await,
            16
        );
        assert_eq!(
            scalar(
                &app,
                &format!(
                    "SELECT COUNT(DISTINCT voucher_no) FROM ledger_entries WHERE fund_id = {fund}"
                )
            )
            .await,
            16
        );
        assert_eq!(
            scalar(
                &app,
                &format!(
                    "SELECT last_no FROM voucher_counters WHERE fund_id = {fund} AND kind = 'PT'"
                )
            )
            .await,
            12
        );
        assert_eq!(
            scalar(
                &app,
                &format!(
                    "SELECT last_no FROM voucher_counters WHERE fund_id = {fund} AND kind = 'PC'"
                )
            )
            .await,
            4
        );
        // 100.000 × (1 + … + 8) + 100.000 × (1 + 3 + 5 + 7) − 4 × 50.000
        assert_eq!(
            balance(&app, &mut t, fund).await,
            3_600_000 + 1_600_000 - 200_000
        );
        assert_eq!(unbalanced(&app).await, 0);
    }
);

both_backends!(
    a_retried_request_with_the_same_idempotency_key_posts_once,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut t = app.api_client(TREASURER).await;
        let fund = open_fund(&app, &mut t, "00004", "KH-BD", "Quỹ Khuyến học Ba Đình").await;
        let path = format!("/api/v1/funds/{fund}/entries");
        let body = json!({"category": "donation", "amount": "1.000.000", "date": day("05-01"), "party": "Bà Nguyễn Thị Tâm"});

        let first = post_keyed(&app, &mut t, &path, "tam-2026-05-01", &body).await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
        let retry = post_keyed(&app, &mut t, &path, "tam-2026-05-01", &body).await;
        assert_eq!(retry.status, StatusCode::OK, "{}", retry.body);
        assert_eq!(
            retry.json(),
            first.json(),
            "the same entry, voucher and all"
        );
        assert_eq!(
            first.json()["voucher_no"],
            format!("PT-{}-000001", this_year())
        );
        assert_eq!(balance(&app, &mut t, fund).await, 1_000_000);
        // Another key is another donation.
        let second = post_keyed(&app, &mut t, &path, "tam-2026-05-02", &body).await;
        assert_eq!(second.status, StatusCode::CREATED, "{}", second.body);
        assert_eq!(
            second.json()["voucher_no"],
            format!("PT-{}-000002", this_year())
        );

        // Four retries racing each other: one posts, three get the same entry, no number is used up.
        let token = t.bearer.clone().expect("token");
        let barrier = Arc::new(tokio::sync::Barrier::new(4));
        let mut tasks = vec![];
        for _ in 0..4 {
            let router = app.router.clone();
            let (token, path, barrier, body) =
                (token.clone(), path.clone(), barrier.clone(), body.clone());
            tasks.push(tokio::spawn(async move {
                let req = Request::post(path.as_str())
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .header("Idempotency-Key", "race-key")
                    .body(Body::from(body.to_string()))
                    .expect("request");
                barrier.wait().await;
                let resp = router.oneshot(req).await.expect("infallible");
                let status = resp.status();
                let bytes = resp.into_body().collect().await.expect("body").to_bytes();
                (status, String::from_utf8_lossy(&bytes).into_owned())
            }));
        }
        let mut statuses = vec![];
        let mut ids = BTreeSet::new();
        for task in tasks {
            let (status, body) = task.await.expect("task");
            assert!(
                status == StatusCode::CREATED || status == StatusCode::OK,
                "{status} {body}"
            );
            statuses.push(status);
            let e: Value = serde_json::from_str(&body).expect("JSON");
            assert_eq!(
                e["voucher_no"],
                format!("PT-{}-000003", this_year()),
                "{body}"
            );
            ids.insert(id(&e));
        }
        assert_eq!(
            statuses
                .iter()
                .filter(|s| **s == StatusCode::CREATED)
                .count(),
            1,
            "{statuses:?}"
        );
        assert_eq!(ids.len(), 1);
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM ledger_entries WHERE idempotency_key = 'race-key'"
            )
            .await,
            1
        );
        assert_eq!(
            scalar(
                &app,
                &format!(
                    "SELECT last_no FROM voucher_counters WHERE fund_id = {fund} AND kind = 'PT'"
                )
            )
            .await,
            3
        );
        assert_eq!(balance(&app, &mut t, fund).await, 3_000_000);

        // A key that is not visible ASCII, or too long: refused in Vietnamese, nothing posted.
        let r = post_keyed(&app, &mut t, &path, &"k".repeat(201), &body).await;
        let j = problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "long key");
        assert_eq!(
            j["errors"][0]["message_vi"],
            "Khoá chống gửi trùng không hợp lệ"
        );

        // The page form carries a one-time value: pressing the button twice records once.
        let mut s = app.login(TREASURER).await;
        let fields = [
            ("category", "donation"),
            ("asset", "cash"),
            ("amount", "250.000 đ"),
            ("party", "Ông Trần Văn Lộc"),
            ("party_kind", "person"),
            ("once", "abc123"),
        ];
        for _ in 0..2 {
            let r = app
                .post_form(&mut s, &format!("/funds/{fund}/entries"), &fields)
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM ledger_entries WHERE idempotency_key = 'form-abc123'"
            )
            .await,
            1
        );
        assert_eq!(balance(&app, &mut t, fund).await, 3_250_000);
        assert_eq!(unbalanced(&app).await, 0);
    }
);

/// Funds of Hà Nội (province 01), Phường Ba Đình (commune 00004), its branch 00004-1, and
/// Phường Hòa Bình in Phú Thọ (04795, outside Hà Nội), with movements and transfers between
/// them. See `consolidation_equals_the_funds_below_minus_internal_transfers` for the figures.
struct Tree {
    province: i64,
    commune: i64,
    branch: i64,
    outside: i64,
}

async fn tree(app: &TestApp) -> Tree {
    // Money crosses between provinces only through someone who keeps both sets of books (a
    // commune sends to its own province or to funds it posts to): here the centre.
    let mut central = app.api_client(CENTRAL).await;
    let mut hanoi = app.api_client(HANOI).await;
    let mut t = app.api_client(TREASURER).await;
    let mut hoabinh = app.api_client(HOABINH).await;
    let province = open_fund(
        app,
        &mut hanoi,
        "01",
        "KH-HN",
        "Quỹ Khuyến học Thành phố Hà Nội",
    )
    .await;
    let commune = open_fund(
        app,
        &mut t,
        "00004",
        "KH-BD",
        "Quỹ Khuyến học Phường Ba Đình",
    )
    .await;
    let branch = open_fund(
        app,
        &mut t,
        "00004-1",
        "KH-TDP1",
        "Quỹ Chi hội Tổ dân phố số 1",
    )
    .await;
    let outside = open_fund(
        app,
        &mut hoabinh,
        "04795",
        "KH-HB",
        "Quỹ Khuyến học Phường Hòa Bình",
    )
    .await;
    let last_year = format!("{}-12-20", this_year() - 1);

    // Before the period: the opening balance of the province fund.
    post(
        app,
        &mut hanoi,
        province,
        "donation",
        json!("1.000.000"),
        &last_year,
    )
    .await;
    // Receipts from outside the association.
    post(
        app,
        &mut hanoi,
        province,
        "donation",
        json!("10.000.000"),
        &day("02-01"),
    )
    .await;
    post(
        app,
        &mut t,
        commune,
        "donation",
        json!("5 triệu"),
        &day("02-02"),
    )
    .await;
    post(
        app,
        &mut t,
        commune,
        "membership_fee",
        json!(300_000),
        &day("02-03"),
    )
    .await;
    post(
        app,
        &mut t,
        branch,
        "piggy_bank",
        json!("1.200.000 đ"),
        &day("02-04"),
    )
    .await;
    post(
        app,
        &mut hoabinh,
        outside,
        "donation",
        json!("2.000.000"),
        &day("02-05"),
    )
    .await;
    // Transfers inside Hà Nội, out of it and into it.
    transfer(app, &mut hanoi, province, commune, 3_000_000, &day("03-01")).await;
    transfer(app, &mut t, commune, branch, 1_000_000, &day("03-02")).await;
    transfer(app, &mut t, branch, province, 200_000, &day("03-03")).await;
    transfer(app, &mut central, commune, outside, 500_000, &day("03-04")).await;
    transfer(app, &mut central, outside, province, 700_000, &day("03-05")).await;
    // A transfer made by mistake and reversed (the reversal is dated today, in this year).
    let (_, wrong) = transfer(app, &mut t, commune, branch, 50_000, &day("03-06")).await;
    call(
        app,
        &mut t,
        "POST",
        &format!("/api/v1/entries/{}/reversal", id(&wrong)),
        json!({"reason": "Chuyển nhầm số tiền"}),
        StatusCode::CREATED,
    )
    .await;
    // Payments to people.
    post(
        app,
        &mut t,
        commune,
        "scholarship",
        json!("2.000.000"),
        &day("04-01"),
    )
    .await;
    post(app, &mut t, branch, "award", json!(300_000), &day("04-02")).await;
    Tree {
        province,
        commune,
        branch,
        outside,
    }
}

fn codes(accounts: impl Iterator<Item = Account>) -> String {
    accounts
        .map(|a| format!("'{}'", a.code()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Receipts, payments and internal transfers of a set of funds over this year, computed from the
/// raw ledger rows: (own receipts, own payments, transfers in from the set, transfers out to it).
async fn from_sql(app: &TestApp, funds: &[i64]) -> (i64, i64, i64, i64) {
    let set = funds
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let (from, to) = (day("01-01"), day("12-31"));
    let in_period = format!("e.occurred_on >= '{from}' AND e.occurred_on <= '{to}'");
    let sum = |accounts: String, extra: String| {
        format!(
            "SELECT CAST(COALESCE(SUM(l.amount), 0) AS BIGINT) FROM ledger_lines l JOIN ledger_entries e ON e.id = l.entry_id \
             WHERE l.fund_id IN ({set}) AND {in_period} AND l.account IN ({accounts}) {extra}"
        )
    };
    let receipts = -scalar(app, &sum(codes(Account::income()), String::new())).await;
    let payments = scalar(app, &sum(codes(Account::expenses()), String::new())).await;
    // The receiving half points at the sending half (pair_id); a reversal of the receiving half
    // points at the reversal of the sending half.
    let internal_in = -scalar(
        app,
        &sum(
            "'transfer_in'".into(),
            format!(
                "AND (SELECT s.fund_id FROM ledger_entries s WHERE s.id = e.pair_id) IN ({set})"
            ),
        ),
    )
    .await;
    let internal_out = scalar(
        app,
        &sum(
            "'transfer_out'".into(),
            format!(
                "AND (SELECT r.fund_id FROM ledger_entries r WHERE r.pair_id = e.id) IN ({set})"
            ),
        ),
    )
    .await;
    (receipts, payments, internal_in, internal_out)
}

fn n(v: &Value) -> i64 {
    v.as_i64().unwrap_or_else(|| panic!("not an integer: {v}"))
}

both_backends!(
    consolidation_equals_the_funds_below_minus_internal_transfers,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let tree = tree(&app).await;
        let mut hanoi = app.api_client(HANOI).await;
        let period = format!("from={}&to={}", day("01-01"), day("12-31"));

        // Each fund's own report.
        let mut own_receipts = 0;
        let mut own_payments = 0;
        let mut own_closing = 0;
        for f in [tree.province, tree.commune, tree.branch] {
            let r = get(
                &app,
                &mut hanoi,
                &format!("/api/v1/funds/{f}/report?{period}"),
            )
            .await;
            assert_eq!(
                r["eliminated_internal_transfers"], 0,
                "a single fund has nothing internal"
            );
            own_receipts += n(&r["total_receipts"]);
            own_payments += n(&r["total_payments"]);
            own_closing += n(&r["closing"]);
            assert_eq!(n(&r["closing"]), ledger_balance(&app, f).await);
        }
        // Own receipts: province 10.000.000 + 200.000 + 700.000; commune 5.000.000 + 300.000 +
        // 3.000.000; branch 1.200.000 + 1.000.000 (+ 50.000 − 50.000 reversed).
        assert_eq!(own_receipts, 10_900_000 + 8_300_000 + 2_200_000);
        // Own payments: province 3.000.000; commune 1.000.000 + 500.000 + 2.000.000; branch 200.000 + 300.000.
        assert_eq!(own_payments, 3_000_000 + 3_500_000 + 500_000);

        // The province's consolidated report.
        let cons = get(
            &app,
            &mut hanoi,
            &format!("/api/v1/units/01/funds/report?{period}"),
        )
        .await;
        let listed: BTreeSet<i64> = cons["funds"]
            .as_array()
            .expect("funds")
            .iter()
            .map(id)
            .collect();
        assert_eq!(
            listed,
            BTreeSet::from([tree.province, tree.commune, tree.branch]),
            "Phú Thọ's fund is not Hà Nội's"
        );
        let (receipts, payments, internal_in, internal_out) =
            from_sql(&app, &[tree.province, tree.commune, tree.branch]).await;
        assert_eq!(
            (receipts, payments),
            (own_receipts, own_payments),
            "the raw rows agree with the funds' reports"
        );
        // Transfers inside Hà Nội: 3.000.000 + 1.000.000 + 200.000 (the 50.000 is reversed).
        assert_eq!((internal_in, internal_out), (4_200_000, 4_200_000));
        assert_eq!(n(&cons["eliminated_internal_transfers"]), internal_in);
        assert_eq!(n(&cons["total_receipts"]), own_receipts - internal_in);
        assert_eq!(n(&cons["total_payments"]), own_payments - internal_out);
        assert_eq!(n(&cons["total_receipts"]), 17_200_000);
        assert_eq!(n(&cons["total_payments"]), 2_800_000);
        assert_eq!(n(&cons["opening"]), 1_000_000);
        assert_eq!(n(&cons["closing"]), 1_000_000 + 17_200_000 - 2_800_000);
        assert_eq!(n(&cons["closing"]), own_closing);
        let by = |side: &str, account: &str| -> i64 {
            cons[side]
                .as_array()
                .and_then(|a| a.iter().find(|t| t["account"] == account))
                .map(|t| n(&t["amount"]))
                .unwrap_or_else(|| panic!("{side} {account}: {cons}"))
        };
        // What crosses the boundary stays: 700.000 from Phú Thọ in, 500.000 to Phú Thọ out.
        assert_eq!(by("receipts", "transfer_in"), 700_000);
        assert_eq!(by("payments", "transfer_out"), 500_000);
        assert_eq!(by("receipts", "donation"), 15_000_000);
        assert_eq!(by("receipts", "membership_fee"), 300_000);
        assert_eq!(by("receipts", "piggy_bank"), 1_200_000);
        assert_eq!(by("payments", "scholarship"), 2_000_000);
        assert_eq!(by("payments", "award"), 300_000);

        // One level down: the commune with its branch.
        let mut t = app.api_client(TREASURER).await;
        let com = get(
            &app,
            &mut t,
            &format!("/api/v1/units/00004/funds/report?{period}"),
        )
        .await;
        let (r2, p2, i2, o2) = from_sql(&app, &[tree.commune, tree.branch]).await;
        assert_eq!((i2, o2), (1_000_000, 1_000_000));
        assert_eq!(n(&com["total_receipts"]), r2 - i2);
        assert_eq!(n(&com["total_payments"]), p2 - o2);
        assert_eq!(n(&com["total_receipts"]), 9_500_000);
        assert_eq!(n(&com["total_payments"]), 3_000_000);
        assert_eq!(
            n(&com["closing"]),
            ledger_balance(&app, tree.commune).await + ledger_balance(&app, tree.branch).await
        );
        // The commune's treasurer does not see the province's report, nor Phú Thọ's fund.
        let r = app
            .get(&mut t, &format!("/api/v1/units/01/funds/report?{period}"))
            .await;
        problem(&r, StatusCode::NOT_FOUND, "province report");
        let r = app
            .get(
                &mut t,
                &format!("/api/v1/funds/{}/report?{period}", tree.outside),
            )
            .await;
        problem(&r, StatusCode::NOT_FOUND, "Phú Thọ's fund");
        // Phú Thọ's own fund: 2.000.000 + 500.000 in, 700.000 out.
        let mut hoabinh = app.api_client(HOABINH).await;
        let x = get(
            &app,
            &mut hoabinh,
            &format!("/api/v1/funds/{}/report?{period}", tree.outside),
        )
        .await;
        assert_eq!(
            (n(&x["total_receipts"]), n(&x["total_payments"])),
            (2_500_000, 700_000)
        );
        // A bad period is a clear 422.
        let r = app
            .get(
                &mut hanoi,
                &format!(
                    "/api/v1/units/01/funds/report?from={}&to={}",
                    day("12-31"),
                    day("01-01")
                ),
            )
            .await;
        let j = problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "reversed period");
        assert_eq!(j["errors"][0]["message_vi"], errors::BAD_PERIOD.vi);
        let r = app
            .get(&mut hanoi, "/api/v1/units/01/funds/report?from=hom-qua")
            .await;
        assert_eq!(
            problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "bad date")["errors"][0]["message_vi"],
            errors::BAD_DATE.vi
        );
        assert_eq!(unbalanced(&app).await, 0);
    }
);

/// The report sheet read back: label (trimmed) → amount.
fn sheet_amounts(bytes: Vec<u8>) -> BTreeMap<String, f64> {
    use calamine::{Data, Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("the workbook opens");
    assert_eq!(wb.sheet_names(), vec!["Thu chi".to_owned()]);
    let sheet = wb.worksheet_range("Thu chi").expect("the sheet");
    let mut out = BTreeMap::new();
    for row in sheet.rows() {
        if let (Some(Data::String(label)), Some(amount)) = (row.first(), row.get(1)) {
            let amount = match amount {
                Data::Float(f) => *f,
                Data::Int(i) => *i as f64,
                _ => continue,
            };
            out.insert(label.trim().to_owned(), amount);
        }
    }
    out
}

#[track_caller]
fn same_totals(sheet: &BTreeMap<String, f64>, report: &Value) {
    let cell = |label: &str| -> i64 {
        let v = sheet
            .get(label)
            .unwrap_or_else(|| panic!("no row {label:?} in {sheet:?}"));
        assert_eq!(v.fract(), 0.0, "{label}");
        *v as i64
    };
    assert_eq!(cell("Số dư đầu kỳ"), n(&report["opening"]));
    assert_eq!(cell("I. THU"), n(&report["total_receipts"]));
    assert_eq!(cell("II. CHI"), n(&report["total_payments"]));
    assert_eq!(cell("Số dư cuối kỳ"), n(&report["closing"]));
    assert_eq!(
        cell("(Chuyển giữa các quỹ trong cùng đơn vị, đã loại trừ)"),
        n(&report["eliminated_internal_transfers"])
    );
    for side in ["receipts", "payments"] {
        let mut sum = 0;
        for t in report[side].as_array().expect("lines") {
            let account =
                Account::parse(t["account"].as_str().expect("account")).expect("known account");
            assert_eq!(
                cell(account.label_vi()),
                n(&t["amount"]),
                "{side} {account}"
            );
            sum += cell(account.label_vi());
        }
        let total = if side == "receipts" {
            "I. THU"
        } else {
            "II. CHI"
        };
        assert_eq!(sum, cell(total), "the category rows add up to {total}");
    }
    assert_eq!(
        cell("Số dư đầu kỳ") + cell("I. THU") - cell("II. CHI"),
        cell("Số dư cuối kỳ")
    );
}

both_backends!(
    the_excel_report_opens_and_its_totals_equal_the_ledger,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let tree = tree(&app).await;
        let mut hanoi_api = app.api_client(HANOI).await;
        let hanoi = app.login(HANOI).await;
        let period = format!("from={}&to={}", day("01-01"), day("12-31"));
        const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

        for f in [tree.province, tree.commune, tree.branch] {
            let (status, headers, bytes) = app
                .download(&hanoi, &format!("/funds/{f}/report?{period}&format=xlsx"))
                .await;
            assert_eq!(
                status,
                StatusCode::OK,
                "{}",
                String::from_utf8_lossy(&bytes)
            );
            assert_eq!(
                headers
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok()),
                Some(XLSX)
            );
            assert!(
                headers
                    .get(header::CONTENT_DISPOSITION)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.contains(".xlsx")),
                "{headers:?}"
            );
            let sheet = sheet_amounts(bytes);
            let report = get(
                &app,
                &mut hanoi_api,
                &format!("/api/v1/funds/{f}/report?{period}"),
            )
            .await;
            same_totals(&sheet, &report);
            // The closing balance is what the ledger lines hold.
            assert_eq!(sheet["Số dư cuối kỳ"] as i64, ledger_balance(&app, f).await);
        }
        // The province's consolidated workbook.
        let (status, _, bytes) = app
            .download(
                &hanoi,
                &format!("/units/01/funds/report?{period}&format=xlsx"),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let sheet = sheet_amounts(bytes);
        let report = get(
            &app,
            &mut hanoi_api,
            &format!("/api/v1/units/01/funds/report?{period}"),
        )
        .await;
        same_totals(&sheet, &report);
        assert_eq!(sheet["I. THU"] as i64, 17_200_000);
        assert_eq!(sheet["II. CHI"] as i64, 2_800_000);
        let mut held = 0;
        for f in [tree.province, tree.commune, tree.branch] {
            held += ledger_balance(&app, f).await;
        }
        assert_eq!(sheet["Số dư cuối kỳ"] as i64, held);
        // Out of scope: the workbook is not there.
        let hoabinh = app.login(HOABINH).await;
        let (status, _, _) = app
            .download(
                &hoabinh,
                &format!("/funds/{}/report?format=xlsx", tree.province),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
);

async fn unit_name(app: &TestApp, code: &str) -> String {
    sqlx::query_scalar::<_, String>("SELECT name FROM units WHERE code = $1")
        .bind(code)
        .fetch_one(&app.db.pool)
        .await
        .expect("unit")
}

both_backends!(
    a_scholarship_round_from_nominations_to_the_published_list,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut t = app.api_client(TREASURER).await;
        let mut branch = app.api_client(BRANCH_OFFICER).await;
        let mut chair = app.api_client(BADINH).await;
        let mut hoabinh = app.api_client(HOABINH).await;
        let mut citizen = app.api_client(CITIZEN).await;
        let mut hanoi = app.api_client(HANOI).await;
        let mut anon = Client::default();
        let fund = open_fund(
            &app,
            &mut t,
            "00004",
            "HB-BD",
            "Quỹ học bổng Phường Ba Đình",
        )
        .await;
        post(
            &app,
            &mut t,
            fund,
            "donation",
            json!("20.000.000"),
            &day("01-05"),
        )
        .await;

        // The treasurer opens the round.
        let programme = call(
        &app,
        &mut t,
        "POST",
        &format!("/api/v1/funds/{fund}/programmes"),
        json!({"kind": "scholarship", "name": "Học bổng Học không bao giờ cùng", "target_group": "Học sinh, sinh viên vượt khó",
               "criteria": "Hoàn cảnh khó khăn, học lực khá trở lên", "amount_each": "2.000.000", "budget": "6 triệu",
               "show_full_names": true}),
        StatusCode::CREATED,
    )
    .await;
        let pid = id(&programme);
        assert_eq!(programme["status"], "nominating");
        assert_eq!(programme["amount_each"], 2_000_000);
        assert_eq!(programme["budget"], 6_000_000);
        let r = app
        .json(&mut t, "POST", &format!("/api/v1/funds/{fund}/programmes"),
              json!({"kind": "scholarship", "name": "X", "target_group": "Y", "criteria": "Z", "amount_each": "hai triệu"}))
        .await;
        assert_eq!(
            problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "bad amount_each")["errors"][0]["field"],
            "amount"
        );
        let r = app
        .json(&mut branch, "POST", &format!("/api/v1/funds/{fund}/programmes"),
              json!({"kind": "scholarship", "name": "X", "target_group": "Y", "criteria": "Z", "amount_each": "1000"}))
        .await;
        problem(
            &r,
            StatusCode::NOT_FOUND,
            "a branch officer does not open rounds of the commune's fund",
        );

        // The branch below reads the round and nominates; Phú Thọ and a citizen do not see it.
        get(&app, &mut branch, &format!("/api/v1/programmes/{pid}")).await;
        for (who, c) in [("Phú Thọ", &mut hoabinh), ("citizen", &mut citizen)] {
            let r = app.get(c, &format!("/api/v1/programmes/{pid}")).await;
            problem(&r, StatusCode::NOT_FOUND, who);
            let r = app
                .json(
                    c,
                    "POST",
                    &format!("/api/v1/programmes/{pid}/nominations"),
                    json!({"unit_code": "04795", "full_name": "Người Ngoài", "reason": "Thử"}),
                )
                .await;
            problem(&r, StatusCode::NOT_FOUND, who);
        }
        let nominations = format!("/api/v1/programmes/{pid}/nominations");
        let minor = call(
        &app,
        &mut branch,
        "POST",
        &nominations,
        json!({"unit_code": "00004-1", "full_name": "Nguyễn Thị Minh Anh", "birth_year": 2014,
               "school": "Trường Tiểu học Ba Đình", "reason": "Mồ côi cha, học sinh giỏi ba năm liền"}),
        StatusCode::CREATED,
    )
    .await;
        assert_eq!(minor["minor"], true);
        assert_eq!(minor["status"], "nominated");
        let adult = call(
            &app,
            &mut branch,
            "POST",
            &nominations,
            json!({"unit_code": "00004-1", "full_name": "Trần Văn Hùng", "birth_year": 2004,
               "school": "Đại học Bách khoa Hà Nội", "reason": "Sinh viên vượt khó"}),
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(adult["minor"], false);
        // The chair nominates from the school branch; no birth year counts as a minor.
        let third = call(
        &app,
        &mut chair,
        "POST",
        &nominations,
        json!({"unit_code": "00004-2", "full_name": "Lê Văn Tú", "reason": "Gia đình khó khăn"}),
        StatusCode::CREATED,
    )
    .await;
        assert_eq!(third["minor"], true);
        // The branch officer cannot nominate for a branch that is not theirs; Hà Nội's chair cannot
        // nominate from a commune outside the fund's unit.
        let r = app
            .json(
                &mut branch,
                "POST",
                &nominations,
                json!({"unit_code": "00004-2", "full_name": "Đỗ Văn Nam", "reason": "Khó khăn"}),
            )
            .await;
        problem(&r, StatusCode::NOT_FOUND, "another branch");
        let r = app
            .json(
                &mut hanoi,
                "POST",
                &nominations,
                json!({"unit_code": "00008", "full_name": "Đỗ Văn Nam", "reason": "Khó khăn"}),
            )
            .await;
        let j = problem(
            &r,
            StatusCode::UNPROCESSABLE_ENTITY,
            "outside the fund's unit",
        );
        assert_eq!(
            j["errors"][0]["message_vi"],
            "Đơn vị đề cử phải thuộc đơn vị của quỹ"
        );

        // Decisions: only the fund's managers, always with a reason.
        let decide = |n: &Value| format!("/api/v1/nominations/{}/decision", id(n));
        let r = app
            .json(
                &mut branch,
                "POST",
                &decide(&minor),
                json!({"decision": "select", "reason": "Tự chọn"}),
            )
            .await;
        problem(&r, StatusCode::NOT_FOUND, "a nominator does not decide");
        let r = app
            .json(
                &mut t,
                "POST",
                &decide(&third),
                json!({"decision": "reject", "reason": " "}),
            )
            .await;
        assert_eq!(
            problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "no reason")["errors"][0]["field"],
            "reason"
        );
        let r = app
            .json(
                &mut t,
                "POST",
                &decide(&third),
                json!({"decision": "maybe", "reason": "?"}),
            )
            .await;
        problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "unknown decision");
        let d = call(
            &app,
            &mut t,
            "POST",
            &decide(&minor),
            json!({"decision": "select", "reason": "Đủ tiêu chí"}),
            StatusCode::OK,
        )
        .await;
        assert_eq!(d["status"], "selected");
        call(
            &app,
            &mut t,
            "POST",
            &decide(&adult),
            json!({"decision": "select", "reason": "Đủ tiêu chí"}),
            StatusCode::OK,
        )
        .await;
        let d = call(
            &app,
            &mut t,
            "POST",
            &decide(&third),
            json!({"decision": "reject", "reason": "Chưa đạt học lực khá"}),
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            (d["status"].as_str(), d["decision_reason"].as_str()),
            (Some("rejected"), Some("Chưa đạt học lực khá"))
        );
        // Nominations are closed once selection starts.
        let r = app
            .json(
                &mut branch,
                "POST",
                &nominations,
                json!({"unit_code": "00004-1", "full_name": "Phạm Văn Lâm", "reason": "Muộn"}),
            )
            .await;
        assert_eq!(
            problem(&r, StatusCode::BAD_REQUEST, "closed")["title"],
            "Đợt này đã hết hạn đề cử"
        );
        // The branch officer sees the nominations of their branch only; the treasurer sees all.
        let seen = get(&app, &mut branch, &format!("/api/v1/programmes/{pid}")).await;
        assert_eq!(
            seen["nominations"].as_array().map(Vec::len),
            Some(2),
            "{seen}"
        );
        assert!(!seen.to_string().contains("Lê Văn Tú"));
        let all = get(&app, &mut t, &format!("/api/v1/programmes/{pid}")).await;
        assert_eq!(all["nominations"].as_array().map(Vec::len), Some(3));

        // Payment: one payment voucher per selected recipient.
        let r = app
            .json(
                &mut branch,
                "POST",
                &format!("/api/v1/programmes/{pid}/payments"),
                json!({}),
            )
            .await;
        problem(&r, StatusCode::NOT_FOUND, "a branch officer does not pay");
        let paid = call(
            &app,
            &mut t,
            "POST",
            &format!("/api/v1/programmes/{pid}/payments"),
            json!({"asset": "cash"}),
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(paid["paid"], 2);
        assert_eq!(paid["programme"]["status"], "paying");
        assert_eq!(balance(&app, &mut t, fund).await, 16_000_000);
        let entries = get(&app, &mut t, &format!("/api/v1/funds/{fund}/entries")).await;
        let payments: Vec<&Value> = entries["items"]
            .as_array()
            .expect("entries")
            .iter()
            .filter(|e| e["kind"] == "scholarship")
            .collect();
        assert_eq!(payments.len(), 2);
        let mut vouchers: Vec<&str> = payments
            .iter()
            .map(|e| e["voucher_no"].as_str().expect("voucher"))
            .collect();
        vouchers.sort_unstable();
        assert_eq!(
            vouchers,
            [
                format!("PC-{}-000001", this_year()),
                format!("PC-{}-000002", this_year())
            ]
        );
        for e in &payments {
            assert_eq!(e["programme_id"], pid);
            assert_eq!(e["change"], -2_000_000);
        }
        for nom in paid["nominations"].as_array().expect("nominations") {
            if nom["status"] == "paid" {
                assert!(
                    payments.iter().any(|e| e["id"] == nom["payment_entry_id"]),
                    "{nom}"
                );
            } else {
                assert_eq!(nom["status"], "rejected");
            }
        }
        // Paying again pays nobody twice.
        let again = call(
            &app,
            &mut t,
            "POST",
            &format!("/api/v1/programmes/{pid}/payments"),
            json!(null),
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(again["paid"], 0);
        assert_eq!(balance(&app, &mut t, fund).await, 16_000_000);

        // The public list exists only once published.
        let public = format!("/api/v1/programmes/{pid}/public");
        let r = app.get(&mut anon, &public).await;
        problem(&r, StatusCode::NOT_FOUND, "not yet published");
        let r = app
            .json(
                &mut branch,
                "POST",
                &format!("/api/v1/programmes/{pid}/publish"),
                json!({}),
            )
            .await;
        problem(
            &r,
            StatusCode::NOT_FOUND,
            "a branch officer does not publish",
        );
        let published = call(
            &app,
            &mut t,
            "POST",
            &format!("/api/v1/programmes/{pid}/publish"),
            json!({}),
            StatusCode::OK,
        )
        .await;
        assert_eq!(published["programme"]["status"], "published");

        // Anyone reads it: the minor as initials and commune, the adult by name (the round chose
        // full names), the rejected nominee not at all; no birth year, school or reason.
        let r = app.get(&mut anon, &public).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let list = r.json();
        let commune = unit_name(&app, "00004").await;
        assert_eq!(
            list["recipients"],
            json!([
                {"name": "N.T.M.A.", "commune": commune, "amount": 2_000_000},
                {"name": "Trần Văn Hùng", "commune": commune, "amount": 2_000_000},
            ])
        );
        for secret in [
            "Nguyễn",
            "Minh Anh",
            "2014",
            "Tiểu học",
            "Mồ côi",
            "Lê Văn Tú",
            "Bách khoa",
            "00004-1",
            "Tổ dân phố",
        ] {
            assert!(
                !r.body.contains(secret),
                "the public list shows {secret:?}: {}",
                r.body
            );
        }
        // The public page says the same.
        let page = app
            .get(&mut anon, &format!("/transparency/programmes/{pid}"))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body.contains("N.T.M.A.")
                && page.body.contains("Trần Văn Hùng")
                && page.body.contains(&commune)
        );
        for secret in ["Nguyễn Thị", "Minh Anh", "2014", "Lê Văn Tú"] {
            assert!(
                !page.body.contains(secret),
                "the public page shows {secret:?}"
            );
        }

        // A round beyond its budget pays nobody.
        let award = call(
        &app,
        &mut t,
        "POST",
        &format!("/api/v1/funds/{fund}/programmes"),
        json!({"kind": "award", "name": "Phần thưởng học sinh giỏi", "target_group": "Học sinh giỏi",
               "criteria": "Học sinh giỏi cấp thành phố", "amount_each": 1_500_000, "budget": 2_000_000}),
        StatusCode::CREATED,
    )
    .await;
        let aid = id(&award);
        let mut nominees = vec![];
        for name in ["Vũ Thị Hạnh", "Hoàng Minh Đức"] {
            nominees.push(call(
            &app,
            &mut branch,
            "POST",
            &format!("/api/v1/programmes/{aid}/nominations"),
            json!({"unit_code": "00004-1", "full_name": name, "birth_year": 2012, "reason": "Giải nhất thành phố"}),
            StatusCode::CREATED,
        )
        .await);
        }
        for n in &nominees {
            call(
                &app,
                &mut t,
                "POST",
                &decide(n),
                json!({"decision": "select", "reason": "Đạt"}),
                StatusCode::OK,
            )
            .await;
        }
        let r = app
            .json(
                &mut t,
                "POST",
                &format!("/api/v1/programmes/{aid}/payments"),
                json!({}),
            )
            .await;
        assert_eq!(
            problem(&r, StatusCode::BAD_REQUEST, "over budget")["title"],
            "Số người được chọn vượt ngân sách của đợt"
        );
        assert_eq!(balance(&app, &mut t, fund).await, 16_000_000);
        assert_eq!(
            scalar(
                &app,
                &format!("SELECT COUNT(*) FROM ledger_entries WHERE programme_id = {aid}")
            )
            .await,
            0
        );
        // The fund lists both rounds.
        let f = get(&app, &mut t, &format!("/api/v1/funds/{fund}")).await;
        assert_eq!(f["programmes"].as_array().map(Vec::len), Some(2));
        assert_eq!(unbalanced(&app).await, 0);
    }
);

both_backends!(
    bad_amounts_get_clear_vietnamese_errors,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut t = app.api_client(TREASURER).await;
        let fund = open_fund(&app, &mut t, "00004", "KH-BD", "Quỹ Khuyến học Ba Đình").await;
        let other = open_fund(
            &app,
            &mut t,
            "00004-1",
            "KH-TDP1",
            "Quỹ Chi hội Tổ dân phố số 1",
        )
        .await;
        post(
            &app,
            &mut t,
            fund,
            "donation",
            json!(1_000_000),
            &day("01-02"),
        )
        .await;
        let generic = "Số tiền phải là số đồng nguyên dương, ví dụ 1.500.000";

        // Typed amounts (strings), and the same mistakes as JSON numbers.
        let cases: Vec<(Value, &str)> = vec![
            (json!("-5"), errors::NEGATIVE.vi),
            (json!("1,5"), errors::DECIMAL.vi),
            (json!("1.5"), errors::DECIMAL.vi),
            (json!("10000000000000000"), errors::TOO_LARGE.vi),
            (json!("abc"), errors::NOT_A_NUMBER.vi),
            (json!(""), errors::EMPTY.vi),
            (json!("0"), generic),
            (json!("5 đô la"), errors::UNIT.vi),
            (json!(-5), generic),
            (json!(1.5), generic),
            (json!(0), generic),
            (json!(10_000_000_000_000_000i64), errors::TOO_LARGE.vi),
            (json!(null), generic),
            (json!(true), generic),
            (json!(["1000"]), generic),
        ];
        for (amount, message) in &cases {
            let what = format!("amount {amount}");
            for (path, body) in [
                (
                    format!("/api/v1/funds/{fund}/entries"),
                    json!({"category": "donation", "amount": amount}),
                ),
                (
                    format!("/api/v1/funds/{fund}/entries"),
                    json!({"category": "scholarship", "amount": amount}),
                ),
                (
                    format!("/api/v1/funds/{fund}/transfers"),
                    json!({"to_fund_id": other, "amount": amount}),
                ),
            ] {
                let r = app.json(&mut t, "POST", &path, body).await;
                let j = problem(
                    &r,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &format!("{path} {what}"),
                );
                assert_eq!(j["title"], "Dữ liệu chưa hợp lệ", "{what}");
                assert_eq!(j["errors"][0]["field"], "amount", "{what}");
                assert_eq!(j["errors"][0]["message_vi"], *message, "{what}");
            }
        }
        // A missing amount, text where a number belongs, an unknown field: 422 in Vietnamese.
        for body in [
            json!({"category": "donation"}),
            json!({"category": "donation", "amount": "1000", "amout": "1000"}),
            json!({"category": 5, "amount": "1000"}),
        ] {
            let r = app
                .json(
                    &mut t,
                    "POST",
                    &format!("/api/v1/funds/{fund}/entries"),
                    body.clone(),
                )
                .await;
            let j = problem(&r, StatusCode::UNPROCESSABLE_ENTITY, &body.to_string());
            assert!(
                j["title"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("Dữ liệu gửi lên sai kiểu")),
                "{j}"
            );
        }
        let r = app
            .json(
                &mut t,
                "POST",
                &format!("/api/v1/funds/{fund}/transfers"),
                json!({"to_fund_id": "ba", "amount": 1000}),
            )
            .await;
        problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "to_fund_id as text");
        // Not JSON at all: 400, still in Vietnamese.
        let req = Request::post(format!("/api/v1/funds/{fund}/entries"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{\"amount\": 1.000.000"))
            .expect("request");
        let r = app.send(&mut t, req).await;
        assert!(problem(&r, StatusCode::BAD_REQUEST, "broken JSON")["title"]
            .as_str()
            .is_some_and(|s| s.contains("không đọc được")));
        // Wrong categories, assets and transfers: each with its field.
        for (body, field, message) in [
            (
                json!({"category": "cash", "amount": 1000}),
                "category",
                "Hãy chọn một khoản thu hoặc chi",
            ),
            (
                json!({"category": "transfer_in", "amount": 1000}),
                "category",
                errors::NOT_INCOME.vi,
            ),
            (
                json!({"category": "lottery", "amount": 1000}),
                "category",
                errors::UNKNOWN_ACCOUNT.vi,
            ),
            (
                json!({"category": "donation", "asset": "donation", "amount": 1000}),
                "asset",
                errors::NOT_ASSET.vi,
            ),
            (
                json!({"category": "donation", "amount": 1000, "date": "31/02/2026"}),
                "date",
                errors::BAD_DATE.vi,
            ),
        ] {
            let r = app
                .json(
                    &mut t,
                    "POST",
                    &format!("/api/v1/funds/{fund}/entries"),
                    body.clone(),
                )
                .await;
            let j = problem(&r, StatusCode::UNPROCESSABLE_ENTITY, &body.to_string());
            assert_eq!(
                (
                    j["errors"][0]["field"].as_str(),
                    j["errors"][0]["message_vi"].as_str()
                ),
                (Some(field), Some(message)),
                "{body}"
            );
        }
        for (to, message) in [
            (fund, errors::SAME_FUND.vi),
            (999_999, "Chỉ chuyển được vào quỹ bạn được ghi sổ hoặc quỹ của đơn vị cấp trên. Muốn chuyển cho đơn vị khác, hãy đề nghị đơn vị đó (hoặc đơn vị cấp trên chung) nhận khoản chuyển"),
        ] {
            let r = app
                .json(
                    &mut t,
                    "POST",
                    &format!("/api/v1/funds/{fund}/transfers"),
                    json!({"to_fund_id": to, "amount": 1000}),
                )
                .await;
            let j = problem(&r, StatusCode::UNPROCESSABLE_ENTITY, message);
            assert_eq!(j["errors"][0]["message_vi"], message);
        }
        // The page form answers the same mistakes beside the field, never with a 500.
        let mut s = app.login(TREASURER).await;
        for (amount, message) in [
            ("-5", errors::NEGATIVE.vi),
            ("1,5", errors::DECIMAL.vi),
            ("10000000000000000", errors::TOO_LARGE.vi),
            ("abc", errors::NOT_A_NUMBER.vi),
            ("", errors::EMPTY.vi),
        ] {
            let r = app
                .post_form(
                    &mut s,
                    &format!("/funds/{fund}/entries"),
                    &[
                        ("category", "donation"),
                        ("asset", "cash"),
                        ("amount", amount),
                    ],
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{amount}: {}",
                r.body
            );
            assert!(r.body.contains(message), "{amount}: {message} missing");
        }
        // Nothing was posted by any of it.
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM ledger_entries").await, 1);
        assert_eq!(balance(&app, &mut t, fund).await, 1_000_000);

        // An unbalanced entry cannot come through the API: the API takes a category, an asset and
        // one amount, and the ledger's builders (`Entry::receipt`, `payment`, `transfer`,
        // `reversal`) always write both sides of it. The rule itself lives in `Entry::new`, which
        // every stored entry passes through and which refuses lines that do not sum to zero per fund.
        let (f, g) = (FundId(1), FundId(2));
        let line = |fund, account, amount| Line::new(fund, account, Dong::new(amount));
        let err = Entry::new(vec![
            line(f, Account::Cash, 500_000),
            line(f, Account::Donation, -400_000),
        ])
        .expect_err("unbalanced");
        assert_eq!(err, errors::UNBALANCED);
        assert_eq!(
            err.vi,
            "Bút toán không cân: các dòng của mỗi quỹ phải có tổng bằng 0"
        );
        // Balanced overall but not per fund: refused too (no value moves between funds silently).
        let err = Entry::new(vec![
            line(f, Account::Cash, 500_000),
            line(g, Account::Donation, -500_000),
        ])
        .expect_err("per fund");
        assert_eq!(err, errors::UNBALANCED);
        assert_eq!(
            Entry::new(vec![line(f, Account::Cash, 500_000)]).expect_err("one line"),
            errors::TOO_FEW_LINES
        );
        assert!(serde_json::from_value::<Entry>(json!({"lines": [
            {"fund": 1, "account": "cash", "amount": 500_000},
            {"fund": 1, "account": "donation", "amount": -1},
        ]}))
        .is_err());
        let ok = Entry::new(vec![
            line(f, Account::Cash, 500_000),
            line(f, Account::Donation, -500_000),
        ])
        .expect("balanced");
        assert_eq!(ok.lines().len(), 2);
        assert_eq!(unbalanced(&app).await, 0);
    }
);

both_backends!(who_reads_and_who_posts, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut t = app.api_client(TREASURER).await;
    let fund = open_fund(&app, &mut t, "00004", "KH-BD", "Quỹ Khuyến học Ba Đình").await;
    let branch_fund = open_fund(
        &app,
        &mut t,
        "00004-1",
        "KH-TDP1",
        "Quỹ Chi hội Tổ dân phố số 1",
    )
    .await;
    let mut chair = app.api_client(BADINH).await;
    let mut hanoi = app.api_client(HANOI).await;
    let mut branch = app.api_client(BRANCH_OFFICER).await;
    let mut hoabinh = app.api_client(HOABINH).await;
    let mut citizen = app.api_client(CITIZEN).await;
    let mut anon = Client::default();
    let gift = json!({"category": "donation", "amount": "100.000"});
    let entries = format!("/api/v1/funds/{fund}/entries");

    // Treasurer and chairs post; Hà Nội's chair reads and posts in its subtree.
    call(
        &app,
        &mut chair,
        "POST",
        &entries,
        gift.clone(),
        StatusCode::CREATED,
    )
    .await;
    call(
        &app,
        &mut hanoi,
        "POST",
        &entries,
        gift.clone(),
        StatusCode::CREATED,
    )
    .await;
    get(&app, &mut hanoi, &format!("/api/v1/funds/{fund}")).await;
    let list = get(&app, &mut hanoi, "/api/v1/units/01/funds").await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(list["total"], 2);
    // The branch officer reads their branch's fund but does not post to it, and does not see
    // the commune's fund.
    let f = get(&app, &mut branch, &format!("/api/v1/funds/{branch_fund}")).await;
    assert_eq!(f["unit_code"], "00004-1");
    let list = get(&app, &mut branch, "/api/v1/units/00004-1/funds").await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    let r = app
        .json(
            &mut branch,
            "POST",
            &format!("/api/v1/funds/{branch_fund}/entries"),
            gift.clone(),
        )
        .await;
    problem(&r, StatusCode::NOT_FOUND, "branch officer posting");
    // The treasurer cannot open a fund for the province above.
    let r = app
        .json(
            &mut t,
            "POST",
            "/api/v1/units/01/funds",
            json!({"code": "X", "name": "Quỹ lạ"}),
        )
        .await;
    problem(&r, StatusCode::NOT_FOUND, "treasurer at the province");
    let r = app
        .json(
            &mut t,
            "POST",
            "/api/v1/units/00004/funds",
            json!({"code": "KH-BD", "name": "Trùng mã"}),
        )
        .await;
    assert_eq!(
        problem(&r, StatusCode::CONFLICT, "duplicate code")["title"],
        "Đơn vị đã có quỹ mang mã này"
    );

    // Out of scope looks exactly like absent.
    let missing = app.get(&mut hoabinh, "/api/v1/funds/999999").await;
    problem(&missing, StatusCode::NOT_FOUND, "missing");
    for (who, c) in [
        ("Phú Thọ", &mut hoabinh),
        ("citizen", &mut citizen),
        ("branch", &mut branch),
    ] {
        for path in [
            format!("/api/v1/funds/{fund}"),
            format!("/api/v1/funds/{fund}/entries"),
            format!("/api/v1/funds/{fund}/report"),
            "/api/v1/units/00004/funds".to_owned(),
            "/api/v1/units/00004/funds/report".to_owned(),
        ] {
            let r = app.get(c, &path).await;
            assert_eq!(
                (r.status, r.body.as_str()),
                (missing.status, missing.body.as_str()),
                "{who} GET {path}"
            );
        }
        let r = app.json(c, "POST", &entries, gift.clone()).await;
        assert_eq!(
            (r.status, r.body.as_str()),
            (missing.status, missing.body.as_str()),
            "{who} POST"
        );
        let r = app
            .json(
                c,
                "POST",
                &format!("/api/v1/funds/{fund}/transfers"),
                json!({"to_fund_id": branch_fund, "amount": 1}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{who} transfer");
    }
    // Not signed in: 401 problem+json; a bad id: 404.
    let r = app.get(&mut anon, &format!("/api/v1/funds/{fund}")).await;
    problem(&r, StatusCode::UNAUTHORIZED, "anonymous");
    let r = app.json(&mut anon, "POST", &entries, gift.clone()).await;
    problem(&r, StatusCode::UNAUTHORIZED, "anonymous post");
    let r = app.get(&mut t, "/api/v1/funds/abc").await;
    problem(&r, StatusCode::NOT_FOUND, "bad id");
    // A session without the CSRF header cannot post through the API.
    let mut s = app.login(TREASURER).await;
    let r = app.json(&mut s, "POST", &entries, gift.clone()).await;
    problem(&r, StatusCode::UNAUTHORIZED, "session without CSRF header");
    assert_eq!(balance(&app, &mut t, fund).await, 200_000);
    // Entries are listed newest first, paged by key (`next_cursor`).
    let all = get(&app, &mut t, &format!("{entries}?per_page=1")).await;
    assert_eq!(all["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(all["total"], 2);
    let newest = id(&all["items"][0]);
    let cursor = all["next_cursor"].as_str().expect("a next page");
    let older = get(
        &app,
        &mut t,
        &format!("{entries}?per_page=1&cursor={cursor}"),
    )
    .await;
    assert_eq!(older["items"].as_array().map(Vec::len), Some(1));
    assert!(id(&older["items"][0]) < newest);
    assert!(older["next_cursor"].is_null());
    let r = app.get(&mut t, &format!("{entries}?per_page=0")).await;
    problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "per_page 0");
});

both_backends!(
    the_openapi_document_describes_the_fund_routes,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut anon = Client::default();
        let doc = get(&app, &mut anon, "/api/v1/openapi.json").await;
        let paths = &doc["paths"];
        for (path, method) in [
            ("/api/v1/units/{code}/funds", "get"),
            ("/api/v1/units/{code}/funds", "post"),
            ("/api/v1/units/{code}/funds/report", "get"),
            ("/api/v1/funds/{id}", "get"),
            ("/api/v1/funds/{id}/entries", "get"),
            ("/api/v1/funds/{id}/entries", "post"),
            ("/api/v1/funds/{id}/transfers", "post"),
            ("/api/v1/funds/{id}/report", "get"),
            ("/api/v1/entries/{id}/reversal", "post"),
            ("/api/v1/funds/{id}/programmes", "post"),
            ("/api/v1/programmes/{id}", "get"),
            ("/api/v1/programmes/{id}/nominations", "post"),
            ("/api/v1/nominations/{id}/decision", "post"),
            ("/api/v1/programmes/{id}/payments", "post"),
            ("/api/v1/programmes/{id}/publish", "post"),
            ("/api/v1/programmes/{id}/public", "get"),
        ] {
            let op = &paths[path][method];
            assert!(op.is_object(), "{method} {path} missing");
            if method == "post" {
                assert!(
                    op["requestBody"].is_object(),
                    "{method} {path} has no body schema"
                );
            }
        }
        let post = &paths["/api/v1/funds/{id}/entries"]["post"];
        assert_eq!(
            post["requestBody"]["content"]["application/json"]["schema"]["required"],
            json!(["category", "amount"])
        );
        assert!(post["parameters"].as_array().is_some_and(|p| p
            .iter()
            .any(|x| x["name"] == "Idempotency-Key" && x["in"] == "header")));
        let report = &paths["/api/v1/funds/{id}/report"]["get"]["parameters"];
        assert!(report
            .as_array()
            .is_some_and(|p| p.iter().any(|x| x["name"] == "from")));
        assert!(
            paths["/api/v1/programmes/{id}/public"]["get"]["security"].is_null(),
            "the public list needs no token"
        );
    }
);

both_backends!(pledges_are_fulfilled_by_receipts, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut api = app.api_client(TREASURER).await;
    let r = app
        .json(
            &mut api,
            "POST",
            "/api/v1/units/00004/funds",
            serde_json::json!({"code": "CK", "name": "Quỹ cam kết", "kind": "general"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let fund = r.json()["id"].as_i64().expect("fund id");
    let r = app.json(&mut api, "POST", &format!("/api/v1/funds/{fund}/pledges"), serde_json::json!({"party": "Công ty Cổ phần Sáng Tạo", "party_kind": "organisation", "amount": "3.000.000", "due_on": "31/12/2026"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let pledge = r.json()["id"].as_i64().expect("pledge id");
    assert_eq!(r.json()["remaining"], 3_000_000);
    // A pledge moves no money.
    let balance: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(amount) AS BIGINT) FROM ledger_lines WHERE fund_id = $1",
    )
    .bind(fund)
    .fetch_one(&app.db.pool)
    .await
    .expect("sum");
    assert_eq!(balance, None);
    let mut first = 0;
    for amount in [1_000_000, 2_000_000] {
        let r = app
            .json(
                &mut api,
                "POST",
                &format!("/api/v1/funds/{fund}/entries"),
                serde_json::json!({"category": "donation", "amount": amount, "pledge_id": pledge}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        if first == 0 {
            first = r.json()["id"].as_i64().expect("entry id");
        }
    }
    let list = app
        .get(&mut api, &format!("/api/v1/funds/{fund}/pledges"))
        .await
        .json();
    assert_eq!(
        (
            list["items"][0]["fulfilled"].as_i64(),
            list["items"][0]["remaining"].as_i64()
        ),
        (Some(3_000_000), Some(0))
    );
    // A reversed fulfilment no longer counts.
    let r = app
        .json(
            &mut api,
            "POST",
            &format!("/api/v1/entries/{first}/reversal"),
            serde_json::json!({"reason": "ghi nhầm số tiền"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let list = app
        .get(&mut api, &format!("/api/v1/funds/{fund}/pledges"))
        .await
        .json();
    assert_eq!(
        (
            list["items"][0]["fulfilled"].as_i64(),
            list["items"][0]["remaining"].as_i64()
        ),
        (Some(2_000_000), Some(1_000_000))
    );
    // A pledge of another fund, or a payment, does not fulfil it.
    let r = app
        .json(
            &mut api,
            "POST",
            &format!("/api/v1/funds/{fund}/entries"),
            serde_json::json!({"category": "scholarship", "amount": 100_000, "pledge_id": pledge}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.json(&mut api, "POST", &format!("/api/v1/funds/{fund}/entries"), serde_json::json!({"category": "donation", "amount": 100_000, "pledge_id": pledge + 999})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The fund page lists the pledge with what remains.
    let mut web = app.login(TREASURER).await;
    let page = app.get(&mut web, &format!("/funds/{fund}")).await;
    assert!(
        page.body.contains("Công ty Cổ phần Sáng Tạo") && page.body.contains("1.000.000"),
        "{}",
        page.body
    );
});
