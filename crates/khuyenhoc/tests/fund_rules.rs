//! Issue 14, items 10, 11, 17 and 18 on funds: a transfer reached any fund in the country (and
//! the receiving side could reverse the sender's half); paying a round after publishing hid its
//! public list, and a round could be published from any state; a payment larger than the
//! fund's balance went through; an evidence upload with a bad file and no `back` field
//! answered 404, and a 50 MB upload 400; the officer who nominated someone could also select
//! them.
#![allow(clippy::too_many_lines)] // each test is one story, told step by step

mod common;
mod money;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use khuyenhoc::db::Backend;
use money::*;
use serde_json::{json, Value};

const NOT_YOURS: &str = "Chỉ chuyển được vào quỹ bạn được ghi sổ hoặc quỹ của đơn vị cấp trên. Muốn chuyển cho đơn vị khác, hãy đề nghị đơn vị đó (hoặc đơn vị cấp trên chung) nhận khoản chuyển";

async fn transfer(app: &TestApp, c: &mut Client, from: i64, to: i64, amount: i64) -> Resp {
    let path = format!("/api/v1/funds/{from}/transfers");
    app.json(
        c,
        "POST",
        &path,
        json!({"to_fund_id": to, "amount": amount}),
    )
    .await
}

both_backends!(
    a_transfer_goes_to_a_fund_one_posts_to_or_above,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut hanoi = app.api_client(HANOI).await;
        let mut t = app.api_client(TREASURER).await;
        let mut hoabinh = app.api_client(HOABINH).await;
        let province = open_test_fund(&app, &mut hanoi, "01", "QHN", false).await;
        let commune = open_test_fund(&app, &mut t, "00004", "QBD", false).await;
        let branch = open_test_fund(&app, &mut t, "00004-1", "QTDP1", false).await;
        let elsewhere = open_test_fund(&app, &mut hoabinh, "04795", "QHB", false).await;
        let r = entry(&app, &mut t, commune, "donation", json!(10_000_000)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let r = entry(&app, &mut hanoi, province, "donation", json!(10_000_000)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        // Another commune's books, in another province: refused, saying whom to ask; a fund
        // that does not exist gets the same answer, so nothing is learned of others' books.
        let vouchers = scalar(&app, "SELECT COUNT(*) FROM ledger_entries").await;
        for to in [elsewhere, 999_999] {
            let r = transfer(&app, &mut t, commune, to, 1_000_000).await;
            assert_eq!(
                field_error(&r),
                ("to_fund".to_owned(), NOT_YOURS.to_owned())
            );
        }
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM ledger_entries").await,
            vouchers
        );
        assert_eq!(total(&app, &mut hoabinh, elsewhere).await, 0);
        // Up to the province (above the commune: its treasurer does not post there) and down
        // to the branch (the commune posts there): accepted. The province sends down to the
        // commune, which it oversees.
        for (who, from, to) in [
            (TREASURER, commune, province),
            (TREASURER, commune, branch),
            (HANOI, province, commune),
        ] {
            let c = if who == HANOI { &mut hanoi } else { &mut t };
            let r = transfer(&app, c, from, to, 1_000_000).await;
            assert_eq!(r.status, StatusCode::CREATED, "{from} → {to}: {}", r.body);
        }
        // Across from the branch to another commune: refused as well.
        let r = transfer(&app, &mut t, branch, elsewhere, 100_000).await;
        assert_eq!(field_error(&r).0, "to_fund");
        // The page form says the same beside the field.
        let mut web = app.login(TREASURER).await;
        let r = app
            .post_form(
                &mut web,
                &format!("/funds/{commune}/transfers"),
                &[("to_fund", &elsewhere.to_string()), ("amount", "1000")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("hãy đề nghị đơn vị đó"), "{}", r.body);
    }
);

both_backends!(
    only_the_sending_side_reverses_a_transfer,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut hanoi = app.api_client(HANOI).await;
        let mut t = app.api_client(TREASURER).await;
        let province = open_test_fund(&app, &mut hanoi, "01", "QHN", false).await;
        let commune = open_test_fund(&app, &mut t, "00004", "QBD", false).await;
        let r = entry(&app, &mut hanoi, province, "donation", json!(10_000_000)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let r = transfer(&app, &mut hanoi, province, commune, 4_000_000).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let halves = r.json();
        let received = halves["in"]["id"].as_i64().expect("receiving half");
        let sent = halves["out"]["id"].as_i64().expect("sending half");
        // The commune's treasurer sees the receipt in its books but cannot undo the province's
        // payment: refused, saying to ask the sender.
        let body = json!({"reason": "Không nhận khoản này"});
        let r = app
            .json(
                &mut t,
                "POST",
                &format!("/api/v1/entries/{received}/reversal"),
                body.clone(),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("đề nghị đơn vị đã chuyển"), "{}", r.body);
        let r = app
            .json(
                &mut t,
                "POST",
                &format!("/api/v1/entries/{sent}/reversal"),
                body.clone(),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "the province's books: {}",
            r.body
        );
        assert_eq!(total(&app, &mut t, commune).await, 4_000_000);
        // The province reverses its own transfer, from either half.
        let r = app
            .json(
                &mut hanoi,
                "POST",
                &format!("/api/v1/entries/{received}/reversal"),
                body,
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(total(&app, &mut t, commune).await, 0);
        assert_eq!(total(&app, &mut hanoi, province).await, 10_000_000);
    }
);

both_backends!(
    a_payment_beyond_the_balance_is_refused_unless_the_fund_allows_it,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut t = app.api_client(TREASURER).await;
        let fund = open_test_fund(&app, &mut t, "00004", "QKH", false).await;
        let r = entry(&app, &mut t, fund, "donation", json!(1_000_000)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        // 1.500.000 out of 1.000.000: refused, both amounts said.
        let r = entry(&app, &mut t, fund, "scholarship", json!(1_500_000)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let j = r.json();
        assert!(
            j["title"].as_str().is_some_and(|s| s.contains("Quỹ chỉ còn 1.000.000 đ") && s.contains("1.500.000 đ")),
            "{j}"
        );
        // A transfer beyond the balance too; the whole balance may go.
        let other = open_test_fund(&app, &mut t, "00004", "QHB", false).await;
        let r = transfer(&app, &mut t, fund, other, 1_000_001).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let r = entry(&app, &mut t, fund, "scholarship", json!(1_000_000)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(total(&app, &mut t, fund).await, 0);
        // A round's payments the fund cannot afford: refused as a whole, nobody marked paid.
        let programme = call(
            &app,
            &mut t,
            "POST",
            &format!("/api/v1/funds/{fund}/programmes"),
            json!({"kind": "award", "name": "Phần thưởng", "target_group": "Học sinh",
                   "criteria": "Học giỏi", "amount_each": 500_000}),
            StatusCode::CREATED,
        )
        .await["id"]
            .as_i64()
            .expect("programme");
        let n = call(
            &app,
            &mut app.api_client(BADINH).await,
            "POST",
            &format!("/api/v1/programmes/{programme}/nominations"),
            json!({"unit_code": "00004", "full_name": "Trần Văn Nam", "reason": "Học giỏi"}),
            StatusCode::CREATED,
        )
        .await["id"]
            .as_i64()
            .expect("nomination");
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
        let r = app.json(&mut t, "POST", &path, json!({})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM nominations WHERE status = 'paid'"
            )
            .await,
            0
        );
        // A fund that allows it may go below zero.
        let lenient = open_test_fund(&app, &mut t, "00004", "QTU", true).await;
        let r = entry(&app, &mut t, lenient, "teacher_support", json!(700_000)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(total(&app, &mut t, lenient).await, -700_000);
        // A reversal corrects the books as they should have been, even below zero.
        let r = entry(&app, &mut t, fund, "donation", json!(300_000)).await;
        let gift = r.json()["id"].as_i64().expect("entry");
        let r = entry(&app, &mut t, fund, "award", json!(300_000)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        call(
            &app,
            &mut t,
            "POST",
            &format!("/api/v1/entries/{gift}/reversal"),
            json!({"reason": "Ghi nhầm khoản thu"}),
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(total(&app, &mut t, fund).await, -300_000);
    }
);

both_backends!(
    paying_after_publishing_keeps_the_list_public,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut t = app.api_client(TREASURER).await;
        let fund = open_test_fund(&app, &mut t, "00004", "QKH", false).await;
        let r = entry(&app, &mut t, fund, "donation", json!(10_000_000)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let programme = call(
            &app,
            &mut t,
            "POST",
            &format!("/api/v1/funds/{fund}/programmes"),
            json!({"kind": "scholarship", "name": "Học bổng", "target_group": "Học sinh",
                   "criteria": "Vượt khó", "amount_each": 1_000_000}),
            StatusCode::CREATED,
        )
        .await["id"]
            .as_i64()
            .expect("programme");
        let publish = format!("/api/v1/programmes/{programme}/publish");
        let nominate = |name: &'static str| json!({"unit_code": "00004", "full_name": name, "reason": "Vượt khó", "birth_year": 1990});
        let nominations = format!("/api/v1/programmes/{programme}/nominations");
        let mut chair = app.api_client(BADINH).await;
        let first = call(
            &app,
            &mut chair,
            "POST",
            &nominations,
            nominate("Trần Văn An"),
            StatusCode::CREATED,
        )
        .await;
        let second = call(
            &app,
            &mut chair,
            "POST",
            &nominations,
            nominate("Lê Thị Bình"),
            StatusCode::CREATED,
        )
        .await;
        // Still taking nominations: nothing to publish yet.
        let r = app.json(&mut t, "POST", &publish, json!({})).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        for n in [&first, &second] {
            let id = n["id"].as_i64().expect("nomination");
            call(
                &app,
                &mut t,
                "POST",
                &format!("/api/v1/nominations/{id}/decision"),
                json!({"decision": "select", "reason": "Đủ điều kiện"}),
                StatusCode::OK,
            )
            .await;
        }
        // Decided but not paid: still nothing to publish.
        let r = app.json(&mut t, "POST", &publish, json!({})).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        // Pay the first (the second is put back to be decided later), publish.
        let id = second["id"].as_i64().expect("nomination");
        sqlx::query("UPDATE nominations SET status = 'nominated' WHERE id = $1")
            .bind(id)
            .execute(&app.db.pool)
            .await
            .expect("set aside");
        let pay = format!("/api/v1/programmes/{programme}/payments");
        call(&app, &mut t, "POST", &pay, json!({}), StatusCode::CREATED).await;
        call(&app, &mut t, "POST", &publish, json!({}), StatusCode::OK).await;
        let r = app.json(&mut t, "POST", &publish, json!({})).await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "published once: {}",
            r.body
        );
        let mut anyone = Client::default();
        let public = format!("/api/v1/programmes/{programme}/public");
        let list = call(
            &app,
            &mut anyone,
            "GET",
            &public,
            Value::Null,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            list["recipients"].as_array().map(Vec::len),
            Some(1),
            "{list}"
        );
        // A late recipient paid after publishing: the list stays public and shows both.
        sqlx::query("UPDATE nominations SET status = 'selected' WHERE id = $1")
            .bind(id)
            .execute(&app.db.pool)
            .await
            .expect("selected late");
        let paid = call(&app, &mut t, "POST", &pay, json!({}), StatusCode::CREATED).await;
        assert_eq!(paid["paid"], 1);
        assert_eq!(paid["programme"]["status"], "published", "{paid}");
        let list = call(
            &app,
            &mut anyone,
            "GET",
            &public,
            Value::Null,
            StatusCode::OK,
        )
        .await;
        assert_eq!(
            list["recipients"].as_array().map(Vec::len),
            Some(2),
            "{list}"
        );
        let r = app
            .get(
                &mut anyone,
                &format!("/transparency/programmes/{programme}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
    }
);

both_backends!(
    a_fund_page_switched_off_answers_404,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut t = app.api_client(TREASURER).await;
        let fund = open_test_fund(&app, &mut t, "00004", "QKH", false).await;
        let page = format!("/transparency/funds/{fund}");
        let mut anyone = Client::default();
        assert_eq!(
            app.get(&mut anyone, &page).await.status,
            StatusCode::NOT_FOUND
        );
        let mut chair = app.login(BADINH).await;
        let switch = format!("/funds/{fund}/public");
        let r = app.post_form(&mut chair, &switch, &[("public", "1")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(app.get(&mut anyone, &page).await.status, StatusCode::OK);
        let r = app.post_form(&mut chair, &switch, &[("public", "0")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = app.get(&mut anyone, &page).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert!(!r.body.contains("Quỹ QKH"), "{}", r.body);
    }
);

const BOUNDARY: &str = "XfundrulesX";

/// A multipart upload of `file` (and an indicator, no `back`), the CSRF token in a header.
async fn upload(app: &TestApp, c: &mut Client, evaluation: i64, file: &[u8]) -> Resp {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"indicator\"\r\n\r\nreads\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"minh-chung.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
    )
    .into_bytes();
    body.extend(file);
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let req = Request::post(format!("/evaluations/{evaluation}/evidence"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header("x-csrf-token", c.csrf())
        .body(Body::from(body))
        .expect("request");
    app.send(c, req).await
}

both_backends!(
    an_upload_answers_422_for_a_bad_file_and_413_when_too_large,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut api = app.api_client(BADINH).await;
        let citizen = app.person_id(CITIZEN).await;
        let detail = call(&app, &mut api, "POST", "/api/v1/evaluations",
            json!({"model": "citizen", "subject": {"person_id": citizen}, "year": this_year(), "form_group": "farmer"}),
            StatusCode::CREATED).await;
        let evaluation = detail["evaluation"]["id"].as_i64().expect("evaluation");
        let mut web = app.login(BADINH).await;
        app.get(&mut web, &format!("/evaluations/{evaluation}"))
            .await;
        // Not a PDF (nor a photo): 422 with the reason, on the evaluation's page.
        let r = upload(
            &app,
            &mut web,
            evaluation,
            b"MZ\x90\x00 this is no document",
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        // 50 MB: too large, 413.
        let r = upload(&app, &mut web, evaluation, &vec![b'a'; 50 * 1024 * 1024]).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM evidence").await, 0);
    }
);

// Issue 14, item 10: the officer who nominates someone for a scholarship does not also select
// or reject them; another officer who manages the fund decides.
both_backends!(
    nobody_decides_a_nomination_of_their_own,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut t = app.api_client(TREASURER).await;
        let mut chair = app.api_client(BADINH).await;
        let mut branch = app.api_client(BRANCH_OFFICER).await;
        let mut hoabinh = app.api_client(HOABINH).await;
        let fund = open_test_fund(&app, &mut t, "00004", "QHB", false).await;
        let programme = call(
            &app,
            &mut t,
            "POST",
            &format!("/api/v1/funds/{fund}/programmes"),
            json!({"kind": "scholarship", "name": "Học bổng vượt khó", "target_group": "Học sinh",
                   "criteria": "Vượt khó học giỏi", "amount_each": 1_000_000}),
            StatusCode::CREATED,
        )
        .await["id"]
            .as_i64()
            .expect("programme");
        let nominations = format!("/api/v1/programmes/{programme}/nominations");
        let nominate = |name: &'static str| json!({"unit_code": "00004-1", "full_name": name, "reason": "Vượt khó", "birth_year": 2010});
        // The chair, who may manage the fund, nominates one; the branch officer another.
        let own = call(
            &app,
            &mut chair,
            "POST",
            &nominations,
            nominate("Trần Văn An"),
            StatusCode::CREATED,
        )
        .await;
        let own = own["id"].as_i64().expect("nomination");
        let other = call(
            &app,
            &mut branch,
            "POST",
            &nominations,
            nominate("Lê Thị Bình"),
            StatusCode::CREATED,
        )
        .await;
        let other = other["id"].as_i64().expect("nomination");
        let decide = |n: i64| format!("/api/v1/nominations/{n}/decision");

        // The chair cannot decide their own, either way: 403 saying who must act.
        for decision in ["select", "reject"] {
            let r = app
                .json(
                    &mut chair,
                    "POST",
                    &decide(own),
                    json!({"decision": decision, "reason": "Tự quyết"}),
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{decision}: {}", r.body);
            let said = r.json();
            assert!(
                said["title"]
                    .as_str()
                    .is_some_and(|t| t.contains("Bạn là người đề cử")
                        && t.contains("Một cán bộ khác có quyền quản lý quỹ «Quỹ QHB»")),
                "{said}"
            );
            assert!(
                said["title_en"]
                    .as_str()
                    .is_some_and(|t| t.contains("Another officer")),
                "{said}"
            );
        }
        // Out of scope stays a 404: nothing is learned of the nomination.
        let r = app
            .json(
                &mut hoabinh,
                "POST",
                &decide(own),
                json!({"decision": "select", "reason": "?"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        // Nothing changed, and the round is still taking nominations.
        let status = |id: i64| {
            let pool = app.db.pool.clone();
            async move {
                sqlx::query_scalar::<_, String>("SELECT status FROM nominations WHERE id = $1")
                    .bind(id)
                    .fetch_one(&pool)
                    .await
                    .expect("status")
            }
        };
        assert_eq!(status(own).await, "nominated");
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM audit_log WHERE entity = 'nomination' AND action = 'decide'"
            )
            .await,
            0
        );
        // On the page the chair is offered no decision on it, and told who decides; a forged
        // form gets the same 403 with the reason on the round's page.
        let mut page_chair = app.login(BADINH).await;
        let page = app
            .get(&mut page_chair, &format!("/programmes/{programme}"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page.body.contains(&format!("/nominations/{own}/decision"))
                && page
                    .body
                    .contains(&format!("/nominations/{other}/decision"))
                && page.body.contains("Bạn đã đề cử trường hợp này"),
            "{}",
            page.body
        );
        let r = app
            .post_form(
                &mut page_chair,
                &format!("/nominations/{own}/decision"),
                &[("decision", "select"), ("reason", "Tự chọn")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(
            r.body.contains("Bạn là người đề cử trường hợp này"),
            "{}",
            r.body
        );
        assert_eq!(status(own).await, "nominated");

        // Another manager of the fund decides it; the chair decides the branch's nomination.
        let d = call(
            &app,
            &mut t,
            "POST",
            &decide(own),
            json!({"decision": "select", "reason": "Đủ điều kiện"}),
            StatusCode::OK,
        )
        .await;
        assert_eq!(d["status"], "selected");
        let d = call(
            &app,
            &mut chair,
            "POST",
            &decide(other),
            json!({"decision": "reject", "reason": "Chưa đủ điều kiện"}),
            StatusCode::OK,
        )
        .await;
        assert_eq!(d["status"], "rejected");
        // Once decided by someone else, the nominator still cannot change the decision.
        let r = app
            .json(
                &mut chair,
                "POST",
                &decide(own),
                json!({"decision": "reject", "reason": "Đổi ý"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert_eq!(status(own).await, "selected");
    }
);
