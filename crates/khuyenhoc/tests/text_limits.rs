//! Issue 14, medium 8: text that the API stored then broke a document for good. A donor's name
//! of 147 characters, a description of 500, a signer's name of 153 and a date 9999-12-31 were
//! accepted, then the voucher or the report PDF answered 500 forever; a NUL in any text field
//! answered 500 on PostgreSQL. Now every text has one declared limit
//! (`khuyenhoc_domain::limits`), refused at input with 422 naming the field, dates lie in
//! 2000–2100, control characters are refused, and the documents cut what was stored before
//! with an ellipsis instead of failing.
#![allow(clippy::too_many_lines)] // each test is one story, told step by step

mod common;
mod money;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use khuyenhoc::db::Backend;
use khuyenhoc_domain::limits;
use khuyenhoc_ledger::errors;
use money::*;
use serde_json::{json, Value};

both_backends!(
    the_issues_texts_are_refused_with_the_field_named,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut t = app.api_client(TREASURER).await;
        let fund = open_test_fund(&app, &mut t, "00004", "QKH", false).await;
        let path = format!("/api/v1/funds/{fund}/entries");
        let base = json!({"category": "donation", "amount": 1_000_000});
        let with = |k: &str, v: Value| {
            let mut b = base.clone();
            b[k] = v;
            b
        };
        for (body, field, message) in [
            (
                with("party", json!("Đ".repeat(147))),
                "party",
                limits::NAME.too_long.vi,
            ),
            (
                with("description", json!("x".repeat(500))),
                "description",
                limits::DESCRIPTION.too_long.vi,
            ),
            (
                with("in_kind_note", json!("y".repeat(301))),
                "in_kind_note",
                limits::DESCRIPTION.too_long.vi,
            ),
            (
                with("date", json!("9999-12-31")),
                "date",
                errors::DATE_OUT_OF_RANGE.vi,
            ),
            (
                with("date", json!("31/12/1999")),
                "date",
                errors::DATE_OUT_OF_RANGE.vi,
            ),
        ] {
            let r = app.json(&mut t, "POST", &path, body).await;
            assert_eq!(
                field_error(&r),
                (field.to_owned(), message.to_owned()),
                "{field}"
            );
        }
        // At the limit: accepted.
        let ok = with("party", json!("Đ".repeat(100)));
        let ok = {
            let mut b = ok;
            b["description"] = json!("x".repeat(300));
            b["date"] = json!("2100-12-31");
            b
        };
        call(&app, &mut t, "POST", &path, ok, StatusCode::CREATED).await;
        // Pledges, transfers, reversals, programmes: the same limits, each named.
        let r = app
            .json(
                &mut t,
                "POST",
                &format!("/api/v1/funds/{fund}/pledges"),
                json!({"amount": 5, "party": "P".repeat(101), "due_on": "2026-01-01"}),
            )
            .await;
        assert_eq!(field_error(&r).0, "party");
        let r = app
            .json(
                &mut t,
                "POST",
                &format!("/api/v1/funds/{fund}/pledges"),
                json!({"amount": 5, "due_on": "9999-12-31"}),
            )
            .await;
        assert_eq!(field_error(&r).0, "due_on");
        let r = app
            .json(&mut t, "POST", &format!("/api/v1/funds/{fund}/programmes"),
                json!({"kind": "award", "name": "N".repeat(151), "target_group": "Học sinh", "criteria": "Giỏi", "amount_each": 5}))
            .await;
        assert_eq!(field_error(&r).0, "name");
        let r = app
            .get(
                &mut t,
                &format!("/api/v1/funds/{fund}/report?to=9999-12-31"),
            )
            .await;
        assert_eq!(field_error(&r).0, "to");
        // The report's signer: 153 characters refused on the field.
        let mut chair = app.api_client(BADINH).await;
        let path = format!("/api/v1/units/00004/reports/{}-Y", this_year());
        let r = app
            .json(
                &mut chair,
                "POST",
                &path,
                json!({"signer_name": "Lê Văn ".repeat(22)}),
            )
            .await;
        assert_eq!(
            field_error(&r),
            (
                "signer_name".to_owned(),
                limits::NAME.too_long.vi.to_owned()
            )
        );
    }
);

both_backends!(
    control_characters_are_refused_never_a_500,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut t = app.api_client(TREASURER).await;
        let fund = open_test_fund(&app, &mut t, "00004", "QKH", false).await;
        // A NUL in a fund's description, in a donor's name, anywhere in a JSON body.
        let path = format!("/api/v1/funds/{fund}/entries");
        for (body, field) in [
            (
                json!({"category": "donation", "amount": 5000, "description": "Ủng hộ\u{0}"}),
                "description",
            ),
            (
                json!({"category": "donation", "amount": 5000, "party": "An\u{7}"}),
                "party",
            ),
        ] {
            let r = app.json(&mut t, "POST", &path, body).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
            assert!(r.body.contains(field), "{}", r.body);
        }
        // Other capabilities' bodies too: a branch, a person (PostgreSQL answered 500).
        let mut chair = app.api_client(BADINH).await;
        for (path, body) in [
            (
                "/api/v1/units/00004/branches",
                json!({"name": "Chi hội\u{0}", "kind": "village"}),
            ),
            (
                "/api/v1/units/00004/people",
                json!({"full_name": "Hà Văn\u{0} Tư", "phone": "0915000001"}),
            ),
        ] {
            let r = app.json(&mut chair, "POST", path, body).await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path}: {}",
                r.body
            );
        }
        // A form field, percent-encoded.
        let mut web = app.login(TREASURER).await;
        let r = app
            .post_form(
                &mut web,
                &format!("/funds/{fund}/entries"),
                &[
                    ("category", "donation"),
                    ("amount", "5000"),
                    ("description", "a\u{0}b"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        // A NUL in a path never reaches the database.
        for path in ["/api/v1/units/%00/funds", "/api/v1/funds/%00"] {
            let r = app.get(&mut t, path).await;
            assert!(
                r.status.is_client_error(),
                "{path}: {} {}",
                r.status,
                r.body
            );
        }
        // Nothing was written.
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM ledger_entries").await, 0);
        // Line breaks and tabs are whitespace, not refused.
        let r = app
            .json(
                &mut t,
                "POST",
                &path,
                json!({"category": "donation", "amount": 5000, "description": "Ủng hộ\n\tquỹ"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.json()["description"], "Ủng hộ quỹ");
    }
);

/// A voucher's bytes (the harness reads bodies as text).
async fn voucher(app: &TestApp, web: &Client, entry: i64) -> (StatusCode, Vec<u8>) {
    let (status, _, bytes) = app
        .download(web, &format!("/entries/{entry}/voucher"))
        .await;
    (status, bytes)
}

both_backends!(
    documents_print_texts_stored_too_long,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut t = app.api_client(TREASURER).await;
        let fund = open_test_fund(&app, &mut t, "00004", "QKH", false).await;
        // What the API stored before: a donor of 147 characters, a description of 500, a day
        // in the year 9999, written straight into the ledger.
        let donor: i64 = sqlx::query_scalar(
            "INSERT INTO donors (unit_id, kind, name, created_at) SELECT id, 'person', $1, 0 FROM units WHERE code = '00004' RETURNING id",
        )
        .bind("Nguyễn ".repeat(21))
        .fetch_one(&app.db.pool)
        .await
        .expect("donor");
        let entry: i64 = sqlx::query_scalar(
            "INSERT INTO ledger_entries (fund_id, kind, occurred_on, description, donor_id, voucher_no, created_at) \
             VALUES ($1, 'donation', '9999-12-31', $2, $3, 'PT-9999-000001', 0) RETURNING id",
        )
        .bind(fund)
        .bind("Ủng hộ quỹ khuyến học ".repeat(23))
        .bind(donor)
        .fetch_one(&app.db.pool)
        .await
        .expect("entry");
        for (account, amount) in [("cash", 1_000_000i64), ("donation", -1_000_000)] {
            sqlx::query("INSERT INTO ledger_lines (entry_id, fund_id, account, amount) VALUES ($1, $2, $3, $4)")
                .bind(entry)
                .bind(fund)
                .bind(account)
                .bind(amount)
                .execute(&app.db.pool)
                .await
                .expect("line");
        }
        let web = app.login(TREASURER).await;
        let (status, pdf) = voucher(&app, &web, entry).await;
        assert_eq!(status, StatusCode::OK);
        assert!(pdf.starts_with(b"%PDF-"));
        // A report whose signer's name was stored with 153 characters: its PDF is made.
        let mut chair = app.api_client(BADINH).await;
        let period = format!("{}-Y", this_year());
        let path = format!("/api/v1/units/00004/reports/{period}");
        call(
            &app,
            &mut chair,
            "POST",
            &path,
            json!({"signer_name": "Lê Văn Đình"}),
            StatusCode::OK,
        )
        .await;
        sqlx::query("UPDATE reports SET signer_name = $1")
            .bind(format!("Lê Văn {}", "Đ".repeat(146)))
            .execute(&app.db.pool)
            .await
            .expect("a long signer");
        let web = app.login(BADINH).await;
        let (status, _, pdf) = app
            .download(
                &web,
                &format!("/units/00004/reports/{period}/export?format=pdf"),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(pdf.starts_with(b"%PDF-"));
        // The fund's book and its Excel report show them too.
        let mut web = app.login(TREASURER).await;
        let r = app.get(&mut web, &format!("/funds/{fund}")).await;
        assert_eq!(r.status, StatusCode::OK);
        let req = Request::get(format!("/api/v1/funds/{fund}/entries"))
            .header(header::ACCEPT, "application/json")
            .body(Body::empty())
            .expect("request");
        assert_eq!(app.send(&mut t, req).await.status, StatusCode::OK);
    }
);
