//! People and accounts: login by phone or email, throttling, CSRF, resets, tokens, masking.

mod common;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;
use serde_json::json;

both_backends!(
    login_by_phone_in_any_form_or_email,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut officer = app.api_client(BADINH).await;
        let r = app
        .json(&mut officer, "POST", "/api/v1/units/00004-1/people", json!({"full_name": "Ngô Thị Mai", "phone": "+84 912 345 678", "email": "Mai@Example.VN", "password": "mat-khau-dai"}))
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.json()["phone"], "0912345678");
        assert_eq!(r.json()["email"], "mai@example.vn");
        for login in [
            "0912 345 678",
            "0912.345.678",
            "mai@example.vn",
            " MAI@example.vn ",
        ] {
            let mut c = Client::default();
            let r = app
                .post_form(
                    &mut c,
                    "/login",
                    &[("login", login), ("password", "mat-khau-dai")],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "login as {login:?}");
            let home = app.get(&mut c, "/").await;
            assert!(home.body.contains("Ngô Thị Mai"), "{login}");
        }
        let mut c = Client::default();
        let r = app
            .post_form(
                &mut c,
                "/login",
                &[("login", "0912345678"), ("password", "wrong-password")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(r.body.contains("không đúng"));
        // The same answer for an unknown login: no hint that an account exists.
        let r2 = app
            .post_form(
                &mut c,
                "/login",
                &[("login", "0987000000"), ("password", "wrong-password")],
            )
            .await;
        assert_eq!(r2.status, StatusCode::UNAUTHORIZED);
        assert!(!c.cookies.iter().any(|(k, _)| k == "kh_session"));
    }
);

both_backends!(login_is_throttled, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut c = Client::default();
    for _ in 0..5 {
        let r = app
            .post_form(
                &mut c,
                "/login",
                &[("login", CITIZEN), ("password", "guess-guess")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused while the window lasts.
    let r = app
        .post_form(
            &mut c,
            "/login",
            &[("login", CITIZEN), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("quá nhiều lần"));
    // Other people are not locked out.
    app.login(BADINH).await;
});

both_backends!(
    forms_without_the_csrf_token_are_refused,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut c = app.login(BADINH).await;
        let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM units")
            .fetch_one(&app.db.pool)
            .await
            .expect("count");
        for token in [
            "",
            "0000000000000000000000000000000000000000000000000000000000000000",
        ] {
            let req = axum::http::Request::post("/units/00004/branches")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(format!(
                    "_csrf={token}&name=Chi+hoi+moi&kind=village"
                )))
                .expect("request");
            let r = app.send(&mut c, req).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN);
        }
        let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM units")
            .fetch_one(&app.db.pool)
            .await
            .expect("count");
        assert_eq!(before, after);
        let r = app
            .post_form(
                &mut c,
                "/units/00004/branches",
                &[("name", "Chi hội mới"), ("kind", "village")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // The API refuses a state change carried by the session cookie alone.
        let r = app
            .json(
                &mut c,
                "POST",
                "/api/v1/units/00004/branches",
                json!({"name": "Chi hội khác", "kind": "village"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
);

both_backends!(
    officer_resets_password_of_person_without_email,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let citizen = app.person_id(CITIZEN).await;
        let mut citizen_client = app.login(CITIZEN).await;
        let mut officer = app.login(BRANCH_OFFICER).await;
        let r = app
            .post_form(
                &mut officer,
                &format!("/people/{citizen}/reset-password"),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let start = r.body.find("id=\"secret\">").expect("secret shown") + "id=\"secret\">".len();
        let temp: String = r.body[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        assert_eq!(temp.len(), 10);
        // Old sessions end; the old password no longer works; the temporary one must be changed.
        let r = app.get(&mut citizen_client, "/account").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let mut c = Client::default();
        let r = app
            .post_form(
                &mut c,
                "/login",
                &[("login", CITIZEN), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        let r = app
            .post_form(&mut c, "/login", &[("login", CITIZEN), ("password", &temp)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = app.get(&mut c, "/").await;
        assert_eq!(
            r.location(),
            Some("/account"),
            "a temporary password leads to the account page"
        );
        let r = app
            .post_form(
                &mut c,
                "/account/password",
                &[
                    ("current", &temp),
                    ("new", "mat-khau-moi-1"),
                    ("confirm", "mat-khau-moi-1"),
                ],
            )
            .await;
        assert!(r.body.contains("Đã đổi mật khẩu"), "{}", r.body);
        let r = app.get(&mut c, "/").await;
        assert_eq!(r.status, StatusCode::OK);
        // Out of scope: the Hòa Bình chair cannot reset, and learns nothing.
        let mut other = app.login(HOABINH).await;
        let r = app
            .post_form(
                &mut other,
                &format!("/people/{citizen}/reset-password"),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // A person with an email is not reset by an officer.
        let mut api = app.api_client(BADINH).await;
        let r = app.json(&mut api, "POST", "/api/v1/units/00004/people", json!({"full_name": "Lý Văn Nam", "phone": "0987654321", "email": "nam@example.vn"})).await;
        let nam = r.json()["id"].as_i64().expect("id");
        let mut chair = app.login(BADINH).await;
        let r = app
            .post_form(&mut chair, &format!("/people/{nam}/reset-password"), &[])
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
    }
);

both_backends!(
    national_id_is_shown_masked_and_duplicates_are_field_errors,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut api = app.api_client(BADINH).await;
        let r = app.json(&mut api, "POST", "/api/v1/units/00004/people", json!({"full_name": "Trịnh Văn Sơn", "national_id": "001234567889", "gender": "male", "birth_year": "1980"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.json()["national_id_masked"], "0012******89");
        assert!(!r.body.contains("001234567889"));
        let id = r.json()["id"].as_i64().expect("id");
        let mut web = app.login(BADINH).await;
        let page = app.get(&mut web, &format!("/people/{id}")).await;
        assert!(page.body.contains("0012******89") && !page.body.contains("001234567889"));
        let audit = app
            .get(
                &mut api,
                &format!("/api/v1/audit?entity=person&entity_id={id}"),
            )
            .await;
        assert!(
            !audit.body.contains("001234567889"),
            "the audit log keeps the masked number only"
        );
        let r = app
            .json(
                &mut api,
                "POST",
                "/api/v1/units/00004/people",
                json!({"full_name": "Người Khác", "national_id": "001234567889"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert_eq!(r.json()["errors"][0]["field"], "national_id");
        let r = app
            .json(
                &mut api,
                "POST",
                "/api/v1/units/00004/people",
                json!({"full_name": "Người Khác", "phone": BRANCH_OFFICER}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert_eq!(r.json()["errors"][0]["field"], "phone");
    }
);

both_backends!(api_tokens_work_until_revoked, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut api = app.api_client(HANOI).await;
    let r = app.get(&mut api, "/api/v1/me").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["person"]["full_name"], "Trần Thị Hà");
    assert_eq!(r.json()["positions"][0]["unit_code"], "01");
    let mut web = app.login(HANOI).await;
    let page = app.get(&mut web, "/account").await;
    let id_start =
        page.body.find("/account/tokens/").expect("token listed") + "/account/tokens/".len();
    let id: String = page.body[id_start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let r = app
        .post_form(&mut web, &format!("/account/tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = app.get(&mut api, "/api/v1/me").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        r.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let mut bogus = Client {
        cookies: vec![],
        bearer: Some("kh_nope".into()),
    };
    assert_eq!(
        app.get(&mut bogus, "/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
});

both_backends!(
    logout_ends_the_session_and_language_switches,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut c = app.login(CITIZEN).await;
        let r = app.get(&mut c, "/lang/en?next=/account").await;
        assert_eq!(r.location(), Some("/account"));
        let r = app.get(&mut c, "/account").await;
        assert!(r.body.contains("My account") && r.body.contains("lang=\"en\""));
        let r = app.get(&mut c, "/lang/vi?next=//evil.example").await;
        assert_eq!(r.location(), Some("/"), "only local paths");
        let session = c
            .cookies
            .iter()
            .find(|(k, _)| k == "kh_session")
            .map(|(_, v)| v.clone())
            .expect("session");
        let r = app.post_form(&mut c, "/logout", &[]).await;
        assert_eq!(r.location(), Some("/login"));
        let mut replay = Client {
            cookies: vec![("kh_session".into(), session)],
            bearer: None,
        };
        assert_eq!(
            app.get(&mut replay, "/account").await.status,
            StatusCode::SEE_OTHER
        );
    }
);
