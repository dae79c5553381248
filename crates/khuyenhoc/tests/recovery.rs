//! Password recovery (issue 15, item 3) and the login's small things (item 8): an emailed link
//! works once and for 30 minutes, an unknown address is answered the same, requests are
//! throttled, an officer's code sets a password once; login returns to the page the person was
//! on (paths of this site only), and an empty form is not a wrong password.

mod common;
#[path = "common/smtp.rs"]
mod smtp;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;
use serde_json::json;
use smtp::Smtp;

const NEW_PASSWORD: &str = "mat-khau-moi-2026";

async fn forgot(app: &TestApp, email: &str) -> Resp {
    let mut anon = Client::default();
    let r = app
        .post_form(&mut anon, "/password/forgot", &[("email", email)])
        .await;
    let csrf = anon.csrf();
    Resp {
        body: r.body.replace(&csrf, ""),
        ..r
    }
}

/// The token of the newest recovery link mailed.
async fn mailed_token(app: &TestApp, smtp: &Smtp, n: usize) -> String {
    app.run_jobs().await;
    let mail = smtp.wait_for(n).await;
    let body = &mail[n - 1].body;
    let at = body.find("/password/reset/").expect("a link in the email") + "/password/reset/".len();
    body[at..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect()
}

async fn can_log_in(app: &TestApp, login: &str, password: &str) -> bool {
    let mut c = Client::default();
    let r = app
        .post_form(
            &mut c,
            "/login",
            &[("login", login), ("password", password)],
        )
        .await;
    r.status == StatusCode::SEE_OTHER
}

both_backends!(
    an_emailed_link_works_once_and_expires,
    |b: Backend| async move {
        let smtp = Smtp::start();
        let app = TestApp::with_settings(b, |s| smtp.configure(s)).await;
        sqlx::query("UPDATE people SET email = 'lan@example.vn' WHERE phone = $1")
            .bind(CITIZEN)
            .execute(&app.db.pool)
            .await
            .expect("email");
        let r = forgot(&app, "Lan@Example.vn").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("id=\"sent\""), "{}", r.body);
        let token = mailed_token(&app, &smtp, 1).await;
        assert_eq!(token.len(), 64, "{token}");
        assert_eq!(smtp.received()[0].to, vec!["lan@example.vn".to_owned()]);
        // Only the hash is stored.
        let stored = scalar(&app, "SELECT COUNT(*) FROM password_resets").await;
        assert_eq!(stored, 1);
        let raw: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM password_resets WHERE token_hash = $1")
                .bind(&token)
                .fetch_one(&app.db.pool)
                .await
                .expect("count");
        assert_eq!(raw, 0, "the token itself is not stored");

        let mut anon = Client::default();
        let path = format!("/password/reset/{token}");
        let page = app.get(&mut anon, &path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("name=\"new\""));
        let r = app
            .post_form(
                &mut anon,
                &path,
                &[("new", NEW_PASSWORD), ("confirm", "something-else")],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "two different passwords"
        );
        let r = app
            .post_form(
                &mut anon,
                &path,
                &[("new", NEW_PASSWORD), ("confirm", NEW_PASSWORD)],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("id=\"done\""), "{}", r.body);
        assert!(can_log_in(&app, "lan@example.vn", NEW_PASSWORD).await);
        assert!(
            !can_log_in(&app, CITIZEN, PASSWORD).await,
            "the old password is gone"
        );

        // A second use is refused, and the page says the link no longer works.
        let r = app
            .post_form(
                &mut anon,
                &path,
                &[("new", "another-password"), ("confirm", "another-password")],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("không dùng được nữa"));
        assert_eq!(app.get(&mut anon, &path).await.status, StatusCode::GONE);
        assert!(can_log_in(&app, CITIZEN, NEW_PASSWORD).await);

        // A new link, 30 minutes later (the clock moved by the stored expiry): refused.
        forgot(&app, "lan@example.vn").await;
        let late = mailed_token(&app, &smtp, 2).await;
        assert_ne!(late, token);
        sqlx::query("UPDATE password_resets SET expires_at = $1 WHERE used_at IS NULL")
            .bind(khuyenhoc::db::now() - 1)
            .execute(&app.db.pool)
            .await
            .expect("expire");
        let late_path = format!("/password/reset/{late}");
        assert_eq!(
            app.get(&mut anon, &late_path).await.status,
            StatusCode::GONE
        );
        let r = app
            .post_form(
                &mut anon,
                &late_path,
                &[("new", "another-password"), ("confirm", "another-password")],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(can_log_in(&app, CITIZEN, NEW_PASSWORD).await, "unchanged");
        // The audit log has both requests and the one recovery.
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'recovery_link'"
            )
            .await,
            2
        );
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'recover_by_link'"
            )
            .await,
            1
        );
    }
);

both_backends!(
    an_unknown_address_is_answered_the_same_and_requests_are_throttled,
    |b: Backend| async move {
        let smtp = Smtp::start();
        let app = TestApp::with_settings(b, |s| smtp.configure(s)).await;
        sqlx::query("UPDATE people SET email = 'lan@example.vn' WHERE phone = $1")
            .bind(CITIZEN)
            .execute(&app.db.pool)
            .await
            .expect("email");
        let known = forgot(&app, "lan@example.vn").await;
        let unknown = forgot(&app, "nobody@example.vn").await;
        assert_eq!(known.status, unknown.status);
        let shown = |r: &Resp| {
            r.body
                .replace("lan@example.vn", "X")
                .replace("nobody@example.vn", "X")
        };
        assert_eq!(shown(&known), shown(&unknown), "the page is the same");
        let mut api = Client::default();
        let a = app
            .json(
                &mut api,
                "POST",
                "/api/v1/password/forgot",
                json!({"email": "lan@example.vn"}),
            )
            .await;
        let z = app
            .json(
                &mut api,
                "POST",
                "/api/v1/password/forgot",
                json!({"email": "nobody@example.vn"}),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        assert_eq!(
            (a.status, a.body.clone()),
            (z.status, z.body.clone()),
            "the API answers the same"
        );
        // Only the known address gets mail.
        app.run_jobs().await;
        let mail = smtp.wait_for(2).await;
        assert!(
            mail.iter()
                .all(|m| m.to == vec!["lan@example.vn".to_owned()]),
            "{mail:?}"
        );
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM jobs WHERE kind = 'notify.mail'").await,
            2
        );
        // Throttled per address, known or not: two asked already, three more pass, then a wait.
        for email in ["lan@example.vn", "nobody@example.vn"] {
            for _ in 0..3 {
                assert_eq!(forgot(&app, email).await.status, StatusCode::OK);
            }
            let r = forgot(&app, email).await;
            assert_eq!(
                r.status,
                StatusCode::TOO_MANY_REQUESTS,
                "{email}: {}",
                r.body
            );
            assert!(r.headers.contains_key("retry-after"));
        }
        // A malformed address is a field error, not a lookup.
        let r = forgot(&app, "not-an-address").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
);

both_backends!(
    an_officers_code_sets_a_password_once,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let lan = app.person_id(CITIZEN).await;
        let mut officer = app.login(BADINH).await;
        let r = app
            .post_form(&mut officer, &format!("/people/{lan}/recovery-code"), &[])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let at = r.body.find("id=\"secret\">").expect("the code shown") + "id=\"secret\">".len();
        let code: String = r.body[at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        assert_eq!(code.len(), 8, "{code}");
        // A citizen cannot make one for someone else.
        let mut citizen = app.login(CITIZEN).await;
        let treasurer = app.person_id(TREASURER).await;
        let r = app
            .post_form(
                &mut citizen,
                &format!("/people/{treasurer}/recovery-code"),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        let mut anon = Client::default();
        let page = app.get(&mut anon, "/password/code").await;
        assert!(page.body.contains("inputmode=\"tel\""));
        let wrong = if code == "00000000" {
            "11111111"
        } else {
            "00000000"
        };
        let r = app
            .post_form(
                &mut anon,
                "/password/code",
                &[
                    ("phone", CITIZEN),
                    ("code", wrong),
                    ("new", NEW_PASSWORD),
                    ("confirm", NEW_PASSWORD),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "a wrong code");
        let r = app
            .post_form(
                &mut anon,
                "/password/code",
                &[
                    ("phone", CITIZEN),
                    ("code", &code),
                    ("new", NEW_PASSWORD),
                    ("confirm", NEW_PASSWORD),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("id=\"done\""));
        assert!(can_log_in(&app, CITIZEN, NEW_PASSWORD).await);
        let r = app
            .post_form(
                &mut anon,
                "/password/code",
                &[
                    ("phone", CITIZEN),
                    ("code", &code),
                    ("new", "another-password"),
                    ("confirm", "another-password"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "used once");
        assert!(can_log_in(&app, CITIZEN, NEW_PASSWORD).await);
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'recovery_code'"
            )
            .await,
            1
        );
    }
);

both_backends!(
    login_returns_to_the_page_and_says_what_is_missing,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut anon = Client::default();
        let r = app.get(&mut anon, "/notifications?page=2").await;
        assert_eq!(
            r.location(),
            Some("/login?next=%2Fnotifications%3Fpage%3D2")
        );
        let page = app
            .get(&mut anon, "/login?next=%2Fnotifications%3Fpage%3D2")
            .await;
        assert!(
            page.body
                .contains("name=\"next\" value=\"/notifications?page=2\""),
            "{}",
            page.body
        );
        assert!(page.body.contains("inputmode=\"tel\""), "a phone keyboard");
        assert!(page.body.contains("href=\"/password/forgot\""));
        let email_page = app.get(&mut anon, "/login?by=email").await;
        assert!(
            email_page.body.contains("inputmode=\"email\""),
            "a way to type an email"
        );
        for (next, to) in [
            ("/notifications?page=2", "/notifications?page=2"),
            ("//evil.example/x", "/"),
            ("https://evil.example/", "/"),
            ("/\\evil.example", "/"),
            ("", "/"),
        ] {
            let mut c = Client::default();
            let r = app
                .post_form(
                    &mut c,
                    "/login",
                    &[("login", CITIZEN), ("password", PASSWORD), ("next", next)],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{next}");
            assert_eq!(r.location(), Some(to), "{next}");
        }
        let mut c = Client::default();
        let r = app
            .post_form(&mut c, "/login", &[("login", ""), ("password", "")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("Hãy nhập số điện thoại và mật khẩu"),
            "{}",
            r.body
        );
        assert!(!r.body.contains("không đúng"));
        let r = app
            .post_form(&mut c, "/login", &[("login", CITIZEN), ("password", "")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
);
