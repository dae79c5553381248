//! Notifications (`notify/`): a returned and a recognised self-assessment reach the citizen's
//! inbox (header count, page, API, mark read) and, through the job queue, a real SMTP server on
//! loopback; the person's choice of channels is obeyed; the webhook is signed with HMAC-SHA256;
//! officers get a daily count of the work waiting.

mod common;
#[path = "common/smtp.rs"]
mod smtp;
use axum::http::StatusCode;
use common::*;
use hmac::Mac;
use khuyenhoc::db::Backend;
use khuyenhoc::jobs::Outcome;
use serde_json::json;
use smtp::Smtp;

const LAN_EMAIL: &str = "lan@example.vn";

async fn give_citizen_email(app: &TestApp) -> i64 {
    sqlx::query("UPDATE people SET email = $1 WHERE phone = $2")
        .bind(LAN_EMAIL)
        .bind(CITIZEN)
        .execute(&app.db.pool)
        .await
        .expect("email");
    app.person_id(CITIZEN).await
}

both_backends!(
    returned_and_recognised_reach_inbox_and_email,
    |b: Backend| async move {
        let smtp = Smtp::start();
        let app = TestApp::with_settings(b, |s| smtp.configure(s)).await;
        let lan = give_citizen_email(&app).await;
        let mut badinh = app.api_client(BADINH).await;
        let detail =
            citizen_evaluation(&app, &mut badinh, lan, this_year(), Stage::Submitted).await;
        let id = evaluation_id(&detail);
        let path = format!("/api/v1/evaluations/{id}");
        ok(
            &app,
            &mut badinh,
            "POST",
            &format!("{path}/return"),
            json!({"reason": "Thiếu ảnh minh chứng đọc sách"}),
        )
        .await;

        // The inbox: the header count, the page with the reason and a link, the API.
        let mut lan_web = app.login(CITIZEN).await;
        let home = app.get(&mut lan_web, "/").await;
        assert!(home.body.contains("id=\"inbox-link\""), "{}", home.body);
        assert!(home.body.contains(">1</span>"), "one unread in the header");
        let page = app.get(&mut lan_web, "/notifications").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("Thiếu ảnh minh chứng đọc sách"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains(&format!("href=\"/evaluations/{id}\"")),
            "{}",
            page.body
        );
        let mut lan_api = app.api_client(CITIZEN).await;
        let inbox = ok(
            &app,
            &mut lan_api,
            "GET",
            "/api/v1/notifications?unread=true",
            json!(null),
        )
        .await;
        assert_eq!(inbox["total"], 1, "{inbox}");
        let notice = &inbox["items"][0];
        assert_eq!(notice["kind"], "evaluation_returned");
        assert_eq!(notice["link"], format!("/evaluations/{id}"));
        let notice_id = notice["id"].as_i64().expect("id");

        // Someone else cannot mark it read; its owner can.
        let r = app
            .json(
                &mut badinh,
                "POST",
                &format!("/api/v1/notifications/{notice_id}/read"),
                json!({}),
            )
            .await;
        problem(&r, StatusCode::NOT_FOUND, "another person's notice");
        let r = app
            .post_form(
                &mut lan_web,
                &format!("/notifications/{notice_id}/read"),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let inbox = ok(
            &app,
            &mut lan_api,
            "GET",
            "/api/v1/notifications",
            json!(null),
        )
        .await;
        assert_eq!(inbox["total"], 1);
        assert!(inbox["items"][0]["read_at"].is_i64());
        let unread = ok(
            &app,
            &mut lan_api,
            "GET",
            "/api/v1/notifications?unread=true",
            json!(null),
        )
        .await;
        assert_eq!(unread["total"], 0, "{unread}");

        // The email goes out through the queue to the real SMTP server.
        let outcomes = app.run_jobs().await;
        assert!(
            outcomes.iter().all(|o| matches!(o, Outcome::Done(_))),
            "{outcomes:?}"
        );
        let mail = smtp.wait_for(1).await;
        assert_eq!(mail[0].to, vec![LAN_EMAIL.to_owned()]);
        assert!(mail[0].subject.starts_with("Khuyến học"), "{:?}", mail[0]);
        assert!(
            mail[0].body.contains("Thiếu ảnh minh chứng đọc sách"),
            "{:?}",
            mail[0]
        );
        assert!(
            mail[0].body.contains(&format!("/evaluations/{id}")),
            "{:?}",
            mail[0]
        );

        // Submitted again, checked and recognised: a second notice and email.
        ok(
            &app,
            &mut badinh,
            "POST",
            &format!("{path}/submit"),
            json!({}),
        )
        .await;
        ok(
            &app,
            &mut badinh,
            "POST",
            &format!("{path}/check"),
            json!({}),
        )
        .await;
        ok(&app, &mut badinh, "POST", &format!("{path}/review"),
        json!({"decision": "recognise", "decision_no": "01/QĐ-KH", "decision_date": khuyenhoc::db::today()})).await;
        let inbox = ok(
            &app,
            &mut lan_api,
            "GET",
            "/api/v1/notifications?unread=true",
            json!(null),
        )
        .await;
        assert_eq!(inbox["total"], 1);
        assert_eq!(inbox["items"][0]["kind"], "evaluation_recognised");
        // Mark all read.
        let r = app
            .post_form(&mut lan_web, "/notifications/read-all", &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            ok(
                &app,
                &mut lan_api,
                "GET",
                "/api/v1/notifications?unread=true",
                json!(null)
            )
            .await["total"],
            0
        );
        // Workers started as `serve` starts them deliver it.
        let workers = app.start_workers();
        let mail = smtp.wait_for(2).await;
        workers.stop().await;
        assert!(mail[1].body.contains("đã được công nhận"), "{:?}", mail[1]);
        assert_eq!(mail.len(), 2, "exactly one email per notice");
    }
);

both_backends!(
    the_persons_choice_of_channels_is_obeyed,
    |b: Backend| async move {
        let smtp = Smtp::start();
        let app = TestApp::with_settings(b, |s| smtp.configure(s)).await;
        let lan = give_citizen_email(&app).await;
        let mut lan_web = app.login(CITIZEN).await;
        let page = app.get(&mut lan_web, "/notifications/settings").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("name=\"email\" value=\"1\" checked"),
            "email on by default: {}",
            page.body
        );
        // Email off (the box not sent).
        let r = app
            .post_form(&mut lan_web, "/notifications/settings", &[])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("Đã lưu"));
        let mut badinh = app.api_client(BADINH).await;
        let detail =
            citizen_evaluation(&app, &mut badinh, lan, this_year(), Stage::Submitted).await;
        let id = evaluation_id(&detail);
        ok(
            &app,
            &mut badinh,
            "POST",
            &format!("/api/v1/evaluations/{id}/return"),
            json!({"reason": "Cần bổ sung minh chứng"}),
        )
        .await;
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM notices").await,
            1,
            "the inbox always"
        );
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM jobs WHERE kind = 'notify.email'"
            )
            .await,
            0,
            "no email"
        );
        // Email on again: the next notice is mailed.
        let r = app
            .post_form(&mut lan_web, "/notifications/settings", &[("email", "1")])
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let mut tx = app.db.begin().await.expect("begin");
        khuyenhoc::notify::send(
            &mut tx,
            lan,
            khuyenhoc::notify::Notice::Text {
                vi: "Chào Lan".into(),
                en: "Hello Lan".into(),
            },
        )
        .await
        .expect("send");
        tx.commit().await.expect("commit");
        app.run_jobs().await;
        let mail = smtp.wait_for(1).await;
        assert!(mail[0].body.contains("Chào Lan"), "{:?}", mail[0]);
        assert_eq!(mail.len(), 1);
        // Someone without an email address gets no email job at all.
        let hoa = app.person_id(BRANCH_OFFICER).await;
        let mut tx = app.db.begin().await.expect("begin");
        khuyenhoc::notify::send(
            &mut tx,
            hoa,
            khuyenhoc::notify::Notice::Text {
                vi: "Chào".into(),
                en: "Hello".into(),
            },
        )
        .await
        .expect("send");
        tx.commit().await.expect("commit");
        let email: Option<String> = sqlx::query_scalar("SELECT email FROM people WHERE id = $1")
            .bind(hoa)
            .fetch_one(&app.db.pool)
            .await
            .expect("email");
        if email.is_none() {
            assert_eq!(
                scalar(
                    &app,
                    "SELECT COUNT(*) FROM jobs WHERE kind = 'notify.email' AND done_at IS NULL"
                )
                .await,
                0
            );
        }
    }
);

type Seen = std::sync::Arc<std::sync::Mutex<Vec<(String, Vec<u8>)>>>;

/// A webhook receiver on loopback: keeps each request's signature header and body, answers
/// `status`.
async fn receiver(status: StatusCode) -> (String, Seen) {
    let seen = Seen::default();
    let kept = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let kept = kept.clone();
                async move {
                    let sig = headers
                        .get("x-khuyenhoc-signature")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned();
                    kept.lock().expect("seen").push((sig, body.to_vec()));
                    status
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook"), seen)
}

const SECRET: &str = "a-webhook-secret-for-tests";

both_backends!(the_webhook_is_signed_and_retried, |b: Backend| async move {
    let (good, seen) = receiver(StatusCode::OK).await;
    let app = TestApp::with_settings(b, |s| {
        s.webhook_url = Some(good.clone());
        s.webhook_secret = Some(SECRET.into());
    })
    .await;
    let lan = app.person_id(CITIZEN).await;
    let mut lan_web = app.login(CITIZEN).await;
    let page = app.get(&mut lan_web, "/notifications/settings").await;
    assert!(
        page.body.contains("name=\"webhook\""),
        "the SMS choice is offered: {}",
        page.body
    );
    let r = app
        .post_form(&mut lan_web, "/notifications/settings", &[("webhook", "1")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let mut badinh = app.api_client(BADINH).await;
    let detail = citizen_evaluation(&app, &mut badinh, lan, this_year(), Stage::Submitted).await;
    let id = evaluation_id(&detail);
    ok(
        &app,
        &mut badinh,
        "POST",
        &format!("/api/v1/evaluations/{id}/return"),
        json!({"reason": "Cần bổ sung minh chứng"}),
    )
    .await;
    let outcomes = app.run_jobs().await;
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    assert!(matches!(outcomes[0], Outcome::Done(_)), "{outcomes:?}");
    let got = seen.lock().expect("seen").clone();
    assert_eq!(got.len(), 1);
    let (sig, body) = &got[0];
    // The receiver's check, as README shows it: HMAC-SHA256 of the raw body.
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(body);
    let hex_sig = sig.strip_prefix("sha256=").expect("sha256= prefix");
    mac.verify_slice(&hex::decode(hex_sig).expect("hex"))
        .expect("the signature matches");
    let payload: serde_json::Value = serde_json::from_slice(body).expect("JSON");
    assert_eq!(payload["event"], "evaluation_returned");
    assert_eq!(payload["person"]["phone"], CITIZEN);
    assert!(payload["text_vi"]
        .as_str()
        .expect("text")
        .contains("Cần bổ sung minh chứng"));
    assert!(payload["url"]
        .as_str()
        .expect("url")
        .ends_with(&format!("/evaluations/{id}")));
    // A wrong key does not verify.
    let mut wrong =
        hmac::Hmac::<sha2::Sha256>::new_from_slice(b"another-secret-entirely").expect("key");
    wrong.update(body);
    assert!(wrong
        .verify_slice(&hex::decode(hex_sig).expect("hex"))
        .is_err());
});

both_backends!(
    a_failing_webhook_is_retried_later,
    |b: Backend| async move {
        let (bad, seen) = receiver(StatusCode::INTERNAL_SERVER_ERROR).await;
        let app = TestApp::with_settings(b, |s| {
            s.webhook_url = Some(bad.clone());
            s.webhook_secret = Some(SECRET.into());
        })
        .await;
        let lan = app.person_id(CITIZEN).await;
        let mut lan_web = app.login(CITIZEN).await;
        app.post_form(&mut lan_web, "/notifications/settings", &[("webhook", "1")])
            .await;
        let mut tx = app.db.begin().await.expect("begin");
        khuyenhoc::notify::send(
            &mut tx,
            lan,
            khuyenhoc::notify::Notice::Text {
                vi: "Chào".into(),
                en: "Hello".into(),
            },
        )
        .await
        .expect("send");
        tx.commit().await.expect("commit");
        let outcomes = app.run_jobs().await;
        assert!(
            matches!(outcomes.as_slice(), [Outcome::Retry(_, _)]),
            "{outcomes:?}"
        );
        assert_eq!(seen.lock().expect("seen").len(), 1);
        let err: String =
            sqlx::query_scalar("SELECT last_error FROM jobs WHERE kind = 'notify.webhook'")
                .fetch_one(&app.db.pool)
                .await
                .expect("error");
        assert!(err.contains("500"), "{err}");
    }
);

both_backends!(
    officers_get_a_daily_count_of_waiting_work,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let lan = app.person_id(CITIZEN).await;
        let mut badinh = app.api_client(BADINH).await;
        citizen_evaluation(&app, &mut badinh, lan, this_year(), Stage::Submitted).await;
        let mut tx = app.db.begin().await.expect("begin");
        let (key, payload, _) = khuyenhoc::notify::digest::when(khuyenhoc::db::now());
        khuyenhoc::jobs::enqueue_once(&mut tx, &key, khuyenhoc::notify::DIGEST_JOB, &payload, 0)
            .await
            .expect("enqueue");
        tx.commit().await.expect("commit");
        let outcomes = app.run_jobs().await;
        assert!(
            outcomes.iter().any(|o| matches!(o, Outcome::Done(_))),
            "{outcomes:?}"
        );
        let told: Vec<(i64, String)> =
            sqlx::query_as("SELECT person_id, text_vi FROM notices WHERE kind = 'text'")
                .fetch_all(&app.db.pool)
                .await
                .expect("notices");
        assert!(!told.is_empty(), "some officer is told");
        assert!(
            told.iter().all(|(p, _)| *p != lan),
            "the citizen holds no queue"
        );
        assert!(
            told.iter()
                .any(|(_, t)| t.contains("1 bản tự đánh giá cần kiểm tra")),
            "{told:?}"
        );
    }
);
