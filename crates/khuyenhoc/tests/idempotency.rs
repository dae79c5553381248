//! Issue 14, medium 7: idempotency keys bound to their request. The same key with a different
//! amount, fund or an invalid amount answered 200 with the first entry, silently, and transfers
//! took no key at all. Now the key is kept with the hash of its request: the same request
//! answers the first outcome again, another request is refused with 422 naming the key, every
//! posting route takes one (receipts, payments, transfers, fees, pledges, reversals, programme
//! payments), and a key is forgotten after 24 hours.
#![allow(clippy::too_many_lines)] // each test is one story, told step by step

mod common;
mod money;

use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;
use money::*;
use serde_json::json;

/// The 422 of a key that came with another request: it names the key.
#[track_caller]
fn key_refused(r: &Resp) {
    let (field, message) = field_error(r);
    assert_eq!(field, "idempotency_key", "{}", r.body);
    assert!(message.contains("Idempotency-Key"), "{message}");
}

both_backends!(
    the_same_key_with_another_request_is_refused,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut t = app.api_client(TREASURER).await;
        let fund = open_test_fund(&app, &mut t, "00004", "QKH", false).await;
        let other = open_test_fund(&app, &mut t, "00004", "QHB", false).await;
        let path = format!("/api/v1/funds/{fund}/entries");
        let body = json!({"category": "donation", "amount": "1.000.000", "party": "Bà Tâm"});
        let first = post_keyed(&app, &mut t, &path, "k-1", &body).await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
        // The same request: the first entry again, 200.
        let again = post_keyed(&app, &mut t, &path, "k-1", &body).await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.body);
        assert_eq!(again.json(), first.json());
        // The same request written otherwise (defaults spelled out, keys reordered) is the same.
        let spelled = json!({"party": "Bà Tâm", "asset": "cash", "amount": "1.000.000", "category": "donation"});
        let r = post_keyed(&app, &mut t, &path, "k-1", &spelled).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        // Another amount, an invalid amount, another fund, another route: 422 naming the key.
        let mut changed = body.clone();
        changed["amount"] = json!("2.000.000");
        key_refused(&post_keyed(&app, &mut t, &path, "k-1", &changed).await);
        changed["amount"] = json!("-5");
        key_refused(&post_keyed(&app, &mut t, &path, "k-1", &changed).await);
        let elsewhere = format!("/api/v1/funds/{other}/entries");
        key_refused(&post_keyed(&app, &mut t, &elsewhere, "k-1", &body).await);
        let pledge = format!("/api/v1/funds/{fund}/pledges");
        key_refused(&post_keyed(&app, &mut t, &pledge, "k-1", &json!({"amount": 5})).await);
        // Nothing else was posted.
        assert_eq!(total(&app, &mut t, fund).await, 1_000_000);
        assert_eq!(total(&app, &mut t, other).await, 0);
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM ledger_entries").await, 1);
        // A key is one person's: another person may use the same one.
        let mut chair = app.api_client(BADINH).await;
        let r = post_keyed(&app, &mut chair, &path, "k-1", &changed).await;
        assert_eq!(
            field_error(&r).0,
            "amount",
            "checked as a new request: {}",
            r.body
        );
        let r = post_keyed(&app, &mut chair, &path, "k-1", &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(total(&app, &mut t, fund).await, 2_000_000);
    }
);

both_backends!(every_posting_route_takes_a_key, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut t = app.api_client(TREASURER).await;
    let fund = open_test_fund(&app, &mut t, "00004", "QKH", false).await;
    let other = open_test_fund(&app, &mut t, "00004", "QHB", false).await;
    let r = entry(&app, &mut t, fund, "donation", json!(50_000_000)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // A transfer retried posts once: the same two halves, 200.
    let path = format!("/api/v1/funds/{fund}/transfers");
    let body = json!({"to_fund_id": other, "amount": 3_000_000});
    let first = post_keyed(&app, &mut t, &path, "t-1", &body).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let again = post_keyed(&app, &mut t, &path, "t-1", &body).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.json(), first.json());
    key_refused(
        &post_keyed(
            &app,
            &mut t,
            &path,
            "t-1",
            &json!({"to_fund_id": other, "amount": 4_000_000}),
        )
        .await,
    );
    assert_eq!(total(&app, &mut t, other).await, 3_000_000);
    // A reversal retried: the same reversing entries, not "already reversed".
    let out = first.json()["out"]["id"].as_i64().expect("sending half");
    let path = format!("/api/v1/entries/{out}/reversal");
    let body = json!({"reason": "Chuyển nhầm quỹ"});
    let first = post_keyed(&app, &mut t, &path, "r-1", &body).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let again = post_keyed(&app, &mut t, &path, "r-1", &body).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.json(), first.json());
    assert_eq!(total(&app, &mut t, other).await, 0);
    // A pledge retried: one pledge.
    let path = format!("/api/v1/funds/{fund}/pledges");
    let body =
        json!({"party": "Công ty An Phát", "party_kind": "organisation", "amount": 10_000_000});
    let first = post_keyed(&app, &mut t, &path, "p-1", &body).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let again = post_keyed(&app, &mut t, &path, "p-1", &body).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.json()["id"], first.json()["id"]);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM pledges").await, 1);
    // A programme's payments retried: paid once, the same count answered.
    let programme = call(
        &app,
        &mut t,
        "POST",
        &format!("/api/v1/funds/{fund}/programmes"),
        json!({"kind": "scholarship", "name": "Học bổng Vượt khó", "target_group": "Học sinh",
                   "criteria": "Vượt khó học giỏi", "amount_each": 2_000_000}),
        StatusCode::CREATED,
    )
    .await["id"]
        .as_i64()
        .expect("programme");
    let n = call(&app, &mut app.api_client(BADINH).await, "POST", &format!("/api/v1/programmes/{programme}/nominations"),
            json!({"unit_code": "00004", "full_name": "Trần Văn Nam", "reason": "Nhà khó khăn, học giỏi"}),
            StatusCode::CREATED).await["id"].as_i64().expect("nomination");
    call(
        &app,
        &mut t,
        "POST",
        &format!("/api/v1/nominations/{n}/decision"),
        json!({"decision": "select", "reason": "Đủ điều kiện"}),
        StatusCode::OK,
    )
    .await;
    let path = format!("/api/v1/programmes/{programme}/payments");
    let first = post_keyed(&app, &mut t, &path, "pay-1", &json!({})).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.json()["paid"], 1);
    let again = post_keyed(&app, &mut t, &path, "pay-1", &json!({})).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(again.json()["paid"], 1, "the first call's count");
    key_refused(&post_keyed(&app, &mut t, &path, "pay-1", &json!({"asset": "bank"})).await);
    assert_eq!(total(&app, &mut t, fund).await, 48_000_000);
    // The keys of the routes are listed in the API's description.
    let doc = app.get(&mut t, "/api/v1/openapi.json").await.json();
    for path in [
        "/api/v1/funds/{id}/entries",
        "/api/v1/funds/{id}/transfers",
        "/api/v1/funds/{id}/pledges",
        "/api/v1/entries/{id}/reversal",
        "/api/v1/programmes/{id}/payments",
        "/api/v1/members/{id}/fees",
    ] {
        let params = &doc["paths"][path]["post"]["parameters"];
        assert!(
            params
                .as_array()
                .is_some_and(|p| p.iter().any(|x| x["name"] == "Idempotency-Key")),
            "{path}: {params}"
        );
    }
});

both_backends!(
    a_membership_fee_is_bound_to_its_key,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut t = app.api_client(TREASURER).await;
        let fund = open_test_fund(&app, &mut t, "00004", "QKH", false).await;
        let mut chair = app.api_client(BADINH).await;
        let m = call(&app, &mut chair, "POST", "/api/v1/units/00004/members",
            json!({"full_name": "Tô Thị Chín", "phone": "0915000009", "branch_code": "00004-1", "joined_on": "2025-03-01"}),
            StatusCode::CREATED).await;
        let member = m["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("member id in {m}"));
        let path = format!("/api/v1/members/{member}/fees");
        let body = json!({"amount": 50_000, "fund_id": fund});
        let first = post_keyed(&app, &mut t, &path, "fee-1", &body).await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
        let again = post_keyed(&app, &mut t, &path, "fee-1", &body).await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.body);
        assert_eq!(again.json()["fee"]["id"], first.json()["fee"]["id"]);
        key_refused(
            &post_keyed(
                &app,
                &mut t,
                &path,
                "fee-1",
                &json!({"amount": 60_000, "fund_id": fund}),
            )
            .await,
        );
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM member_fees").await, 1);
        assert_eq!(total(&app, &mut t, fund).await, 50_000);
    }
);

both_backends!(a_key_is_forgotten_after_24_hours, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut t = app.api_client(TREASURER).await;
    let fund = open_test_fund(&app, &mut t, "00004", "QKH", false).await;
    let path = format!("/api/v1/funds/{fund}/entries");
    let body = json!({"category": "donation", "amount": 1_000_000});
    let r = post_keyed(&app, &mut t, &path, "daily", &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // A day and a second later the key is free again: the same key posts a new entry, and
    // another request with it is no longer refused.
    sqlx::query("UPDATE idempotency_keys SET created_at = created_at - 86401")
        .execute(&app.db.pool)
        .await
        .expect("age the key");
    let r = post_keyed(&app, &mut t, &path, "daily", &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = post_keyed(&app, &mut t, &path, "daily", &body).await;
    assert_eq!(r.status, StatusCode::OK, "kept again for a day: {}", r.body);
    sqlx::query("UPDATE idempotency_keys SET created_at = created_at - 86401")
        .execute(&app.db.pool)
        .await
        .expect("age the key");
    let other = json!({"category": "piggy_bank", "amount": 20_000});
    let r = post_keyed(&app, &mut t, &path, "daily", &other).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(total(&app, &mut t, fund).await, 2_020_000);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM idempotency_keys").await,
        1,
        "the expired row was replaced"
    );
});
