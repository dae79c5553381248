//! Joining by QR poster, on both backends: a stranger registers through the join form of a
//! branch; the account is pending (it logs in and drafts, but submits nothing) until the branch
//! officer confirms; officers out of scope see and decide nothing (404); a registration whose
//! phone matches a record an officer made gets its own pending record that logs in and drafts,
//! merged into the officer's record on confirmation (one person, the draft moved, nobody else
//! changed); a number that already has an account is answered exactly like a success and
//! changes nothing; attempts are throttled per phone and per client; the poster PDF carries the
//! unit's name and its join link.

mod common;
use axum::http::StatusCode;
use common::*;
use serde_json::json;

const JOIN: &str = "/join/00004-1";
const PIN: &str = "135790";
const WAITING: &str = "Chưa thể nộp: đăng ký của bạn đang chờ chi hội xác nhận";

/// The join form's fields for a stranger, with a PIN.
fn fields<'a>(name: &'a str, phone: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("full_name", name),
        ("birth_year", "1984"),
        ("gender", "female"),
        ("phone", phone),
        ("pin", PIN),
        ("consent", "yes"),
    ]
}

/// A stranger (a new browser) sends the join form; returns the answer.
async fn join(app: &TestApp, f: &[(&str, &str)]) -> Resp {
    let mut c = Client::default();
    app.get(&mut c, JOIN).await;
    app.post_form(&mut c, JOIN, f).await
}

/// Logs in with a phone and a secret; the client, when it worked.
async fn log_in(app: &TestApp, phone: &str, secret: &str) -> Option<Client> {
    let mut c = Client::default();
    let r = app
        .post_form(&mut c, "/login", &[("login", phone), ("password", secret)])
        .await;
    (r.status == StatusCode::SEE_OTHER).then_some(c)
}

/// An API client of the signed-in person `c` (a token made on the account page).
async fn token_of(app: &TestApp, c: &mut Client) -> Client {
    let r = app
        .post_form(c, "/account/tokens", &[("name", "join test")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let start = r.body.find("kh_").expect("token shown");
    let token: String = r.body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    Client {
        cookies: vec![],
        bearer: Some(token),
    }
}

async fn count(app: &TestApp, sql: &str, phone: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(phone)
        .fetch_one(&app.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn registration_of(app: &TestApp, phone: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM registrations WHERE phone = $1")
        .bind(phone)
        .fetch_one(&app.db.pool)
        .await
        .expect("a registration")
}

/// The person's own Learning Citizen evaluation, every answer 9; returns its id.
async fn draft(app: &TestApp, api: &mut Client, person: i64) -> i64 {
    let detail = call(
        app,
        api,
        "POST",
        "/api/v1/evaluations",
        json!({"model": "citizen", "subject": {"person_id": person}, "year": this_year(), "form_group": "farmer"}),
        StatusCode::CREATED,
    )
    .await;
    let id = evaluation_id(&detail);
    let answers: serde_json::Map<String, serde_json::Value> = CITIZEN_INDICATORS
        .iter()
        .map(|code| ((*code).to_owned(), json!(9)))
        .collect();
    let path = format!("/api/v1/evaluations/{id}/answers");
    ok(app, api, "PUT", &path, json!({ "answers": answers })).await;
    id
}

both_backends!(
    stranger_joins_and_waits_for_the_branch,
    |backend| async move {
        let app = TestApp::new(backend).await;
        let mut anon = Client::default();
        let form = app.get(&mut anon, JOIN).await;
        assert_eq!(form.status, StatusCode::OK);
        for needle in [
            "id=\"full_name\"",
            "id=\"birth_year\"",
            "for=\"gender-female\"",
            "inputmode=\"tel\"",
            "id=\"pin\"",
            "id=\"consent\"",
            "href=\"/privacy\"",
            "id=\"join-submit\"",
            "Chi hội Tổ dân phố số 1",
        ] {
            assert!(form.body.contains(needle), "{needle} in {}", form.body);
        }
        let privacy = app.get(&mut anon, "/privacy").await;
        assert!(
            privacy.body.contains("Nghị định số 13/2023/NĐ-CP"),
            "{}",
            privacy.body
        );

        // Errors are shown beside their fields, in Vietnamese, and nothing is stored.
        let bad = join(&app, &[("full_name", ""), ("phone", "12"), ("pin", "12ab")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        for id in [
            "full_name-error",
            "birth_year-error",
            "phone-error",
            "pin-error",
            "consent-error",
        ] {
            assert!(bad.body.contains(id), "{id} in {}", bad.body);
        }
        assert!(bad.body.contains("Hãy nhập năm sinh"), "{}", bad.body);
        assert!(
            bad.body.contains("Mã PIN phải gồm đúng 6 chữ số"),
            "{}",
            bad.body
        );
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM registrations").await, 0);

        let phone = "0931111001";
        let r = join(&app, &fields("Bùi Thị Quét Mã", phone)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), Some("/join/00004-1/done"));
        let done = app.get(&mut anon, "/join/00004-1/done").await;
        assert!(
            done.body.contains("id=\"join-done\"") && done.body.contains("id=\"join-login\""),
            "{}",
            done.body
        );
        let person = app.person_id(phone).await;
        assert!(
            khuyenhoc::accounts::pending::is_pending(&app.db.pool, person)
                .await
                .expect("pending?")
        );

        // The pending person logs in with the PIN and drafts, but cannot submit.
        let mut web = log_in(&app, phone, PIN)
            .await
            .expect("the pending person logs in");
        let mut api = token_of(&app, &mut web).await;
        let eval = draft(&app, &mut api, person).await;
        let submit = format!("/api/v1/evaluations/{eval}/submit");
        let refused = app.json(&mut api, "POST", &submit, json!({})).await;
        let p = problem(&refused, StatusCode::UNPROCESSABLE_ENTITY, "pending submit");
        assert!(p.to_string().contains(WAITING), "{p}");

        // Out of scope: the Hòa Bình chair sees no queue, no registration, and cannot decide.
        let reg = registration_of(&app, phone).await;
        let mut out = app.login(HOABINH).await;
        assert_eq!(
            app.get(&mut out, "/units/00004-1/registrations")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let r = app
            .post_form(
                &mut out,
                &format!("/units/00004-1/registrations/{reg}/confirm"),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = app
            .post_form(
                &mut out,
                &format!("/units/04795/registrations/{reg}/confirm"),
                &[],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "a registration of another unit is not found"
        );
        let mut out_api = app.api_client(HOABINH).await;
        let r = app
            .json(
                &mut out_api,
                "POST",
                &format!("/api/v1/units/00004-1/registrations/{reg}/confirm"),
                json!({}),
            )
            .await;
        problem(&r, StatusCode::NOT_FOUND, "out of scope confirm");
        assert!(
            khuyenhoc::accounts::pending::is_pending(&app.db.pool, person)
                .await
                .expect("pending?")
        );

        // The branch officer finds the queue on the unit page and confirms with one tap.
        let mut officer = app.login(BRANCH_OFFICER).await;
        let unit = app.get(&mut officer, "/units/00004-1").await;
        for id in ["unit-join-url", "unit-join-poster", "unit-registrations"] {
            assert!(unit.body.contains(id), "{id} on {}", unit.body);
        }
        assert!(unit
            .body
            .contains(&format!("{}/join/00004-1", app.state.settings.base_url())));
        assert!(
            unit.body
                .contains("<span id=\"unit-registrations-count\">1</span>"),
            "{}",
            unit.body
        );
        let queue = app
            .get(&mut officer, "/units/00004-1/registrations?q=quet")
            .await;
        assert!(
            queue.body.contains("Bùi Thị Quét Mã")
                && queue.body.contains(&format!("id=\"confirm-{reg}\"")),
            "{}",
            queue.body
        );
        let r = app
            .post_form(
                &mut officer,
                &format!("/units/00004-1/registrations/{reg}/confirm"),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(
            !khuyenhoc::accounts::pending::is_pending(&app.db.pool, person)
                .await
                .expect("pending?")
        );
        let again = app
            .post_form(
                &mut officer,
                &format!("/units/00004-1/registrations/{reg}/confirm"),
                &[],
            )
            .await;
        assert_eq!(
            again.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a second confirmation is refused"
        );
        let n = scalar(&app, &format!("SELECT COUNT(*) FROM audit_log WHERE entity = 'registration' AND entity_id = '{reg}' AND action = 'confirm'")).await;
        assert_eq!(n, 1);
        let detail = ok(&app, &mut api, "POST", &submit, json!({})).await;
        assert_eq!(detail["evaluation"]["status"], "submitted", "{detail}");
    }
);

both_backends!(officers_reject_through_the_api, |backend| async move {
    let app = TestApp::new(backend).await;
    let phone = "0931111002";
    assert_eq!(
        join(&app, &fields("Đinh Văn Từ Chối", phone)).await.status,
        StatusCode::SEE_OTHER
    );
    let reg = registration_of(&app, phone).await;
    let mut officer = app.api_client(BADINH).await;
    let list = ok(
        &app,
        &mut officer,
        "GET",
        "/api/v1/units/00004/registrations?q=tu%20choi",
        json!({}),
    )
    .await;
    assert_eq!(
        list["total"], 1,
        "the commune sees its branches' registrations: {list}"
    );
    assert_eq!(list["items"][0]["full_name"], "Đinh Văn Từ Chối");
    let path = format!("/api/v1/units/00004-1/registrations/{reg}/reject");
    let r = app
        .json(&mut officer, "POST", &path, json!({"reason": ""}))
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a reason is needed: {}",
        r.body
    );
    let j = ok(
        &app,
        &mut officer,
        "POST",
        &path,
        json!({"reason": "Không ở địa bàn"}),
    )
    .await;
    assert_eq!(j["status"], "rejected");
    assert_eq!(j["reason"], "Không ở địa bàn");
    assert!(
        log_in(&app, phone, PIN).await.is_none(),
        "a rejected account cannot log in"
    );
    let person = app.person_id(phone).await;
    assert!(
        !khuyenhoc::accounts::pending::is_pending(&app.db.pool, person)
            .await
            .expect("pending?")
    );
});

both_backends!(
    a_match_with_an_officer_record_is_merged,
    |backend| async move {
        let app = TestApp::new(backend).await;
        let phone = "0931111003";
        let mut officer_api = app.api_client(BRANCH_OFFICER).await;
        let made = call(
            &app,
            &mut officer_api,
            "POST",
            "/api/v1/units/00004-1/people",
            json!({"full_name": "Nguyễn Văn Gộp", "phone": phone, "birth_year": "1970"}),
            StatusCode::CREATED,
        )
        .await;
        let existing = made["id"].as_i64().expect("id");
        let people_before = scalar(&app, "SELECT COUNT(*) FROM people").await;
        let others_before: Vec<(i64, String, Option<String>)> = sqlx::query_as(
            "SELECT id, full_name, password_hash FROM people WHERE id <> $1 ORDER BY id",
        )
        .bind(existing)
        .fetch_all(&app.db.pool)
        .await
        .expect("people");

        let mut f = fields("Nguyen Van Gop", phone);
        f.push(("email", "gop@example.vn"));
        let r = join(&app, &f).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "answered like any success: {}",
            r.body
        );
        assert_eq!(r.location(), Some("/join/00004-1/done"));
        // The applicant's own pending record, without the phone the officer's record holds.
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM people").await,
            people_before + 1
        );
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM people WHERE phone = $1", phone).await,
            1
        );
        let own: i64 = sqlx::query_scalar("SELECT person_id FROM registrations WHERE phone = $1")
            .bind(phone)
            .fetch_one(&app.db.pool)
            .await
            .expect("the applicant's record");
        assert_ne!(own, existing);

        // Before the confirmation the applicant logs in with the number, sees only what they
        // typed (never the officer's record), and drafts; submitting waits.
        let mut web = log_in(&app, phone, PIN)
            .await
            .expect("the applicant logs in before the confirmation");
        let account = app.get(&mut web, "/account").await;
        assert!(
            account.body.contains("Nguyen Van Gop") && !account.body.contains("Nguyễn Văn Gộp"),
            "{}",
            account.body
        );
        let mut api = token_of(&app, &mut web).await;
        let eval = draft(&app, &mut api, own).await;
        let submit = format!("/api/v1/evaluations/{eval}/submit");
        let refused = app.json(&mut api, "POST", &submit, json!({})).await;
        let p = problem(&refused, StatusCode::UNPROCESSABLE_ENTITY, "pending submit");
        assert!(p.to_string().contains(WAITING), "{p}");

        let reg = registration_of(&app, phone).await;
        let mut officer = app.login(BRANCH_OFFICER).await;
        let queue = app.get(&mut officer, "/units/00004-1/registrations").await;
        assert!(
            queue.body.contains(&format!("id=\"match-{reg}\""))
                && queue.body.contains("Nguyễn Văn Gộp"),
            "{}",
            queue.body
        );
        let r = app
            .post_form(
                &mut officer,
                &format!("/units/00004-1/registrations/{reg}/confirm"),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

        // One person: the applicant's record merged into the officer's, the draft moved with it.
        let kept: Option<i64> =
            sqlx::query_scalar("SELECT kept_id FROM person_merges WHERE merged_id = $1")
                .bind(own)
                .fetch_optional(&app.db.pool)
                .await
                .expect("merge");
        assert_eq!(kept, Some(existing));
        let subject: i64 = sqlx::query_scalar("SELECT subject_id FROM evaluations WHERE id = $1")
            .bind(eval)
            .fetch_one(&app.db.pool)
            .await
            .expect("the draft");
        assert_eq!(subject, existing, "the draft follows the person");
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM people WHERE phone = $1", phone).await,
            1
        );
        let (name, email, unit): (String, Option<String>, String) = sqlx::query_as(
            "SELECT p.full_name, p.email, u.code FROM people p JOIN units u ON u.id = p.unit_id WHERE p.id = $1",
        )
        .bind(existing)
        .fetch_one(&app.db.pool)
        .await
        .expect("the record");
        assert_eq!(
            (name.as_str(), unit.as_str()),
            ("Nguyễn Văn Gộp", "00004-1"),
            "the record keeps its name and unit"
        );
        assert_eq!(
            email.as_deref(),
            Some("gop@example.vn"),
            "the missing email is added"
        );
        let others_after: Vec<(i64, String, Option<String>)> = sqlx::query_as(
            "SELECT id, full_name, password_hash FROM people WHERE id <> $1 AND id <> $2 ORDER BY id",
        )
        .bind(existing)
        .bind(own)
        .fetch_all(&app.db.pool)
        .await
        .expect("people");
        assert_eq!(others_before, others_after, "nobody else changed");
        // The open session goes on as the officer's record, and the draft is now submitted.
        let account = app.get(&mut web, "/account").await;
        assert!(
            account.body.contains("Nguyễn Văn Gộp"),
            "signed in as the merged record: {}",
            account.body
        );
        let r = app.json(&mut api, "POST", &submit, json!({})).await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "the old record's token ended"
        );
        let mut web = log_in(&app, phone, PIN)
            .await
            .expect("the applicant logs in");
        let mut api = token_of(&app, &mut web).await;
        ok(&app, &mut api, "POST", &submit, json!({})).await;
        assert_eq!(app.person_id(phone).await, existing);
        let merged: Option<i64> =
            sqlx::query_scalar("SELECT person_id FROM registrations WHERE id = $1")
                .bind(reg)
                .fetch_one(&app.db.pool)
                .await
                .expect("registration");
        assert_eq!(merged, Some(existing));
    }
);

both_backends!(
    a_known_number_is_answered_like_a_success,
    |backend| async move {
        let app = TestApp::new(backend).await;
        let people = scalar(&app, "SELECT COUNT(*) FROM people").await;
        let audit = scalar(&app, "SELECT COUNT(*) FROM audit_log").await;
        let fresh = join(&app, &fields("Lý Thị Mới", "0931111004")).await;
        assert_eq!(fresh.status, StatusCode::SEE_OTHER);
        let known = join(&app, &fields("Kẻ Lạ", CITIZEN)).await;
        assert_eq!(
            (known.status, known.location()),
            (fresh.status, fresh.location())
        );
        assert_eq!(known.body, fresh.body);
        let twice = join(&app, &fields("Lý Thị Mới", "0931111004")).await;
        assert_eq!(
            (twice.status, twice.location()),
            (fresh.status, fresh.location())
        );
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM people").await,
            people + 1,
            "only the new number made an account"
        );
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM registrations").await, 1);
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM audit_log").await,
            audit + 2,
            "the new person and registration only"
        );
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM registrations WHERE phone = $1",
                CITIZEN
            )
            .await,
            0
        );
        assert!(
            log_in(&app, CITIZEN, PIN).await.is_none(),
            "the stranger's PIN opens nothing"
        );
        assert!(
            log_in(&app, CITIZEN, PASSWORD).await.is_some(),
            "the owner's password is unchanged"
        );
    }
);

both_backends!(
    joining_is_throttled_per_phone_and_per_client,
    |backend| async move {
        let app = TestApp::new(backend).await;
        let phone = "0931111005";
        for _ in 0..5 {
            assert_eq!(
                join(&app, &fields("Mai Thị Thử", phone)).await.status,
                StatusCode::SEE_OTHER
            );
        }
        let r = join(&app, &fields("Mai Thị Thử", phone)).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
        assert!(r.headers.contains_key("retry-after"));
        assert!(r.body.contains("Có quá nhiều lượt đăng ký"), "{}", r.body);
        // The same client, other numbers: 20 attempts in all, then it waits too.
        for i in 0..15 {
            let other = format!("09312220{i:02}");
            let r = join(&app, &fields("Mai Văn Khác", &other)).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "attempt {i}: {}", r.body);
        }
        let r = join(&app, &fields("Mai Văn Khác", "0931222099")).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM registrations WHERE phone = $1",
                "0931222099"
            )
            .await,
            0
        );
    }
);

both_backends!(
    the_poster_names_the_unit_and_its_link,
    |backend| async move {
        let app = TestApp::new(backend).await;
        let officer = app.login(BRANCH_OFFICER).await;
        let (status, headers, bytes) = app
            .download(&officer, "/units/00004-1/join-poster.pdf")
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            headers.get("content-type").and_then(|v| v.to_str().ok()),
            Some("application/pdf")
        );
        let dir = tempfile::tempdir().expect("dir");
        let pdf = dir.path().join("poster.pdf");
        std::fs::write(&pdf, &bytes).expect("write");
        let out = std::process::Command::new("pdftotext")
            .arg(&pdf)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils)");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Chi hội Tổ dân phố số 1"), "{text}");
        assert!(
            text.contains(&format!("{}/join/00004-1", app.state.settings.base_url())),
            "{text}"
        );
        assert!(
            text.contains("ĐĂNG KÝ THAM GIA") && text.contains("Ba bước đơn giản"),
            "{text}"
        );
        let out_of_scope = app.login(HOABINH).await;
        let (status, _, _) = app
            .download(&out_of_scope, "/units/00004-1/join-poster.pdf")
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let treasurer = app.login(TREASURER).await;
        let (status, _, _) = app
            .download(&treasurer, "/units/00004-1/join-poster.pdf")
            .await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "a treasurer registers nobody"
        );
        // Provinces have no join link.
        let chair = app.login(HANOI).await;
        let (status, _, _) = app.download(&chair, "/units/01/join-poster.pdf").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let mut anon = Client::default();
        assert_eq!(
            app.get(&mut anon, "/join/01").await.status,
            StatusCode::NOT_FOUND
        );
    }
);
