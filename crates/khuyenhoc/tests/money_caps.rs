//! Issue 14, high 2: amounts that crashed the reports of the whole country. Ten receipts of
//! 10^15 đ into one commune fund made every year report of that commune, its province and the
//! nation drop the connection (or show −8.4·10^18 đ), and enough of them made the fund pages
//! answer 500. Now: one entry holds at most 10^12 đ, one fund 10^15 đ, one unit (the country
//! included) 10^15 đ of a category in a half-year, each refused at input with a message; and
//! what was stored before the caps is still reported, exactly.
#![allow(clippy::too_many_lines)] // each test is one story, told step by step

mod common;
mod money;

use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;
use khuyenhoc_ledger::errors;
use money::*;
use serde_json::{json, Value};

const E12: i64 = 1_000_000_000_000;
const E15: i64 = 1_000_000_000_000_000;

both_backends!(
    the_issues_receipts_are_refused_at_input,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut t = app.api_client(TREASURER).await;
        let fund = open_test_fund(&app, &mut t, "00004", "QKH", false).await;
        // The issue's receipt of 10^15 đ: refused, on the amount, saying the cap.
        for amount in [
            json!(E15),
            json!("1.000.000.000.000.000"),
            json!("1.001 tỷ"),
        ] {
            let r = entry(&app, &mut t, fund, "donation", amount).await;
            assert_eq!(
                field_error(&r),
                ("amount".to_owned(), errors::TOO_LARGE.vi.to_owned())
            );
        }
        assert!(errors::TOO_LARGE.vi.contains("1.000.000.000.000"));
        // The cap itself is accepted.
        let r = entry(&app, &mut t, fund, "donation", json!("1.000 tỷ")).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(total(&app, &mut t, fund).await, E12);
        // The same cap on every amount typed: transfers, pledges, programmes.
        let other = open_test_fund(&app, &mut t, "00004", "QHB", false).await;
        let path = format!("/api/v1/funds/{fund}/transfers");
        let r = app
            .json(
                &mut t,
                "POST",
                &path,
                json!({"to_fund_id": other, "amount": E12 + 1}),
            )
            .await;
        assert_eq!(field_error(&r).0, "amount");
        let path = format!("/api/v1/funds/{fund}/pledges");
        let r = app
            .json(&mut t, "POST", &path, json!({"amount": E15}))
            .await;
        assert_eq!(field_error(&r).0, "amount");
        let path = format!("/api/v1/funds/{fund}/programmes");
        let body = json!({"kind": "scholarship", "name": "Học bổng", "target_group": "Học sinh",
            "criteria": "Vượt khó", "amount_each": E15});
        let r = app.json(&mut t, "POST", &path, body).await;
        assert_eq!(field_error(&r).0, "amount");
    }
);

both_backends!(
    what_was_stored_before_the_caps_is_reported_exactly,
    |b: Backend| async move {
        // The issue's story as data stored before the caps: ten receipts of 10^15 đ into one
        // fund of Phường Ba Đình. The year reports of the commune, of Hà Nội and of the nation
        // answer 200 with 10^16 đ received, not −8.4·10^18.
        let app = TestApp::new(b).await;
        let mut t = app.api_client(TREASURER).await;
        let fund = open_test_fund(&app, &mut t, "00004", "QKH", false).await;
        for _ in 0..10 {
            seed(&app, fund, "donation", "donation", E15, &today()).await;
        }
        recount(&app).await;
        let year = this_year();
        for (phone, unit) in [(BADINH, "00004"), (HANOI, "01"), (CENTRAL, "VN")] {
            let mut c = app.api_client(phone).await;
            let path = format!("/api/v1/units/{unit}/reports/{year}-Y");
            let r = call(&app, &mut c, "GET", &path, Value::Null, StatusCode::OK).await;
            assert_eq!(
                line_value(&r, "fund_receipts"),
                Some(10 * E15),
                "{unit}: {r}"
            );
            let mut web = app.login(phone).await;
            for format in ["xlsx", "pdf"] {
                let path = format!("/units/{unit}/reports/{year}-Y/export?format={format}");
                let (status, _, bytes) = app.download(&web, &path).await;
                assert_eq!(status, StatusCode::OK, "{path}");
                assert!(!bytes.is_empty(), "{path}");
            }
            let path = format!("/units/{unit}/reports/{year}-Y/children");
            let r = app.get(&mut web, &path).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
        }
        // The fund's pages, its report and its Excel report.
        assert_eq!(total(&app, &mut t, fund).await, 10 * E15);
        let mut web = app.login(TREASURER).await;
        for path in [
            format!("/funds/{fund}"),
            format!("/funds/{fund}/report"),
            "/units/00004/funds".to_owned(),
            "/units/00004/funds/report".to_owned(),
        ] {
            let r = app.get(&mut web, &path).await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        }
        assert!(app
            .get(&mut web, &format!("/funds/{fund}"))
            .await
            .body
            .contains("10.000.000.000.000.000"));
        let (status, _, _) = app
            .download(&web, &format!("/funds/{fund}/report?format=xlsx"))
            .await;
        assert_eq!(status, StatusCode::OK);
        let path = format!("/api/v1/funds/{fund}/report");
        let r = call(&app, &mut t, "GET", &path, Value::Null, StatusCode::OK).await;
        assert_eq!(r["total_receipts"], 10 * E15, "{r}");
        assert_eq!(r["closing"], 10 * E15, "{r}");
        // Nothing more fits into that fund: its balance is beyond what a fund may hold.
        let r = entry(&app, &mut t, fund, "donation", json!(1000)).await;
        assert_eq!(
            field_error(&r),
            ("amount".to_owned(), errors::FUND_FULL.vi.to_owned())
        );
    }
);

both_backends!(
    sums_beyond_an_i64_on_the_way_still_answer,
    |b: Backend| async move {
        // 4·10^18 received three times and reversed twice: 2.8·10^19 went through the books
        // (SQLite's SUM gave up with "integer overflow": the fund page answered 500), and
        // 4·10^18 is there.
        let app = TestApp::new(b).await;
        let mut t = app.api_client(TREASURER).await;
        let fund = open_test_fund(&app, &mut t, "00004", "QKH", false).await;
        let big = 4_000_000_000_000_000_000;
        for _ in 0..3 {
            seed(&app, fund, "donation", "donation", big, &today()).await;
        }
        for _ in 0..2 {
            seed(&app, fund, "reversal", "donation", -big, &today()).await;
        }
        recount(&app).await;
        assert_eq!(total(&app, &mut t, fund).await, big);
        let mut web = app.login(TREASURER).await;
        let r = app.get(&mut web, &format!("/funds/{fund}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let path = format!("/api/v1/funds/{fund}/report");
        let r = call(&app, &mut t, "GET", &path, Value::Null, StatusCode::OK).await;
        assert_eq!(r["closing"], big, "{r}");
        let path = format!("/api/v1/units/00004/reports/{}-Y", this_year());
        let mut c = app.api_client(BADINH).await;
        let r = call(&app, &mut c, "GET", &path, Value::Null, StatusCode::OK).await;
        assert_eq!(line_value(&r, "fund_receipts"), Some(big), "{r}");
    }
);

both_backends!(a_fund_holds_at_most_10_15_dong, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut t = app.api_client(TREASURER).await;
    let fund = open_test_fund(&app, &mut t, "00004", "QKH", false).await;
    seed(&app, fund, "donation", "donation", E15 - E12, &today()).await;
    recount(&app).await;
    // Up to the cap: accepted; one đồng more: refused, with the cap said.
    let r = entry(&app, &mut t, fund, "donation", json!(E12)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(total(&app, &mut t, fund).await, E15);
    let r = entry(&app, &mut t, fund, "piggy_bank", json!(1)).await;
    assert_eq!(
        field_error(&r),
        ("amount".to_owned(), errors::FUND_FULL.vi.to_owned())
    );
    // A transfer into the full fund is refused too, and nothing moved.
    let other = open_test_fund(&app, &mut t, "00004", "QHB", false).await;
    let r = entry(&app, &mut t, other, "membership_fee", json!(5_000_000)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let path = format!("/api/v1/funds/{other}/transfers");
    let r = app
        .json(
            &mut t,
            "POST",
            &path,
            json!({"to_fund_id": fund, "amount": 1_000_000}),
        )
        .await;
    assert_eq!(field_error(&r).1, errors::FUND_FULL.vi);
    assert_eq!(total(&app, &mut t, other).await, 5_000_000);
    assert_eq!(total(&app, &mut t, fund).await, E15);
    // Paying out makes room again.
    let r = entry(&app, &mut t, fund, "scholarship", json!(E12)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = entry(&app, &mut t, fund, "piggy_bank", json!(1)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
});

both_backends!(
    the_country_counts_at_most_10_15_dong_of_a_category_a_half_year,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut t = app.api_client(TREASURER).await;
        let badinh = open_test_fund(&app, &mut t, "00004", "QKH", false).await;
        let mut h = app.api_client(HOABINH).await;
        let hoabinh = open_test_fund(&app, &mut h, "04795", "QKH", false).await;
        // The centre's donations this half-year, counted up to 10^12 below the cap.
        let month: u32 = today()[5..7].parse().expect("month");
        let half = format!("{}-H{}", this_year(), if month <= 6 { 1 } else { 2 });
        sqlx::query(
            "INSERT INTO counters (unit_id, period, metric, shard, value) \
             SELECT id, $1, 'ledger.donation', 0, $2 FROM units WHERE code = 'VN'",
        )
        .bind(&half)
        .bind(E15 - E12)
        .execute(&app.db.pool)
        .await
        .expect("the centre's counter");
        let r = entry(&app, &mut t, badinh, "donation", json!(E12)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        // The country is full of donations for this half-year: refused in another province
        // too, with the reason, and nothing written.
        let entries = scalar(&app, "SELECT COUNT(*) FROM ledger_entries").await;
        for (c, fund) in [(&mut t, badinh), (&mut h, hoabinh)] {
            let r = entry(&app, c, fund, "donation", json!(1)).await;
            assert_eq!(
                field_error(&r),
                ("amount".to_owned(), errors::HALF_YEAR_FULL.vi.to_owned())
            );
        }
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM ledger_entries").await,
            entries
        );
        // Another category, or another half-year, still counts.
        let r = entry(&app, &mut h, hoabinh, "piggy_bank", json!(300_000)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let other_half = if month <= 6 { "12-31" } else { "01-02" };
        let body = json!({"category": "donation", "amount": 1000, "date": format!("{}-{other_half}", this_year())});
        let path = format!("/api/v1/funds/{hoabinh}/entries");
        call(&app, &mut h, "POST", &path, body, StatusCode::CREATED).await;
        // A national report still answers, with the counted figure.
        let mut c = app.api_client(CENTRAL).await;
        let path = format!("/api/v1/units/VN/reports/{}-Y", this_year());
        let r = call(&app, &mut c, "GET", &path, Value::Null, StatusCode::OK).await;
        assert!(
            line_value(&r, "fund_receipts").is_some_and(|v| v >= E15),
            "{r}"
        );
    }
);
