//! Issue 14, item 3: a login attempt takes as long for an unknown phone number as for a known
//! one. Measured without a clock: every attempt must run exactly one argon2 verification
//! (`auth::password::verifications`), whether the account exists, has a password or not. On main
//! an unknown login ran none (the dummy hash was skipped by a short-circuit) and answered in a
//! millisecond instead of tens.
//!
//! The counter belongs to the process, so this file holds this test only, and its two halves
//! take turns (`SERIAL`) so that neither counts the other's logins.

mod common;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::auth::password::verifications;
use khuyenhoc::db::Backend;

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

both_backends!(
    every_login_attempt_runs_one_argon2_verification,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let _turn = SERIAL.lock().await;
        // A person registered without a password (an officer registers most people so).
        let mut officer = app.api_client(BADINH).await;
        let r = app
            .json(
                &mut officer,
                "POST",
                "/api/v1/units/00004-1/people",
                serde_json::json!({"full_name": "Hà Văn Không", "phone": "0912000111"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        for (login, what) in [
            (CITIZEN, "a registered phone, wrong password"),
            ("0987000000", "an unknown phone"),
            ("ai-do@example.vn", "an unknown email"),
            ("0912000111", "a person without a password"),
            ("not a login at all", "text that is neither"),
        ] {
            let mut c = Client::default();
            app.get(&mut c, "/login").await;
            let before = verifications();
            let r = app
                .post_form(
                    &mut c,
                    "/login",
                    &[("login", login), ("password", "wrong-password")],
                )
                .await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{what}");
            assert_eq!(verifications() - before, 1, "{what}");
        }
        // The right password runs one too.
        let before = verifications();
        app.login(HANOI).await;
        assert_eq!(verifications() - before, 1);
    }
);
