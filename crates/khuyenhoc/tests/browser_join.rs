//! Joining by QR poster in a real phone browser (headless Chromium at 360 px, see
//! `common/browser.rs`), on both backends: the branch officer reads the join link off the unit
//! page; a stranger opens it, registers with the one-screen form, is told the registration was
//! received, logs in, registers for the Learning Citizen title and saves answers of the first
//! part; submitting is refused while the registration waits; the branch officer confirms it
//! from the queue with one tap. Every page fits 360 px.

#[path = "common/browser.rs"]
mod browser;
mod common;
use browser::*;
use common::*;
use fantoccini::{Client, Locator};
use khuyenhoc::db::Backend;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

const WHOLE_TEST: Duration = Duration::from_secs(150);
const PHONE: &str = "0931555001";
const NAME: &str = "Hà Thị Quét Mã";
const SECRET: &str = "hoc-suot-doi-2025";
const ANSWERS: [(&str, u32); 2] = [("reads", 9), ("learning_plan", 10)];

/// The branch officer reads the join link on the unit page; returns its path.
async fn read_the_link(c: &Client, base: &str) -> String {
    log_in_as(c, base, BRANCH_OFFICER, "Phạm Thị Hoa").await;
    open(c, base, "/units/00004-1").await;
    assert_fits(c, "the unit page").await;
    let link = c
        .find(Locator::Css("#unit-join-url"))
        .await
        .expect("the join link on the unit page")
        .attr("href")
        .await
        .expect("its href")
        .expect("an href");
    assert!(link.ends_with("/join/00004-1"), "join link {link}");
    let poster = text_of(c, "#unit-join-poster").await;
    assert!(poster.contains("PDF"), "poster link: {poster}");
    // The stranger's phone reaches this server at `base`; the printed link carries the
    // configured `public_url`.
    url::Url::parse(&link)
        .expect("an absolute link")
        .path()
        .to_owned()
}

/// The stranger fills in the join form and is told it was received.
async fn register(c: &Client, base: &str, path: &str) {
    c.delete_all_cookies().await.expect("a stranger's browser");
    open(c, base, path).await;
    assert_fits(c, "the join form").await;
    assert_eq!(text_of(c, "h1").await, "Đăng ký tham gia");
    type_into(c, "#full_name", NAME).await;
    type_into(c, "#birth_year", "1988").await;
    type_into(c, "#phone", PHONE).await;
    tap(c, "label[for='gender-female']").await;
    type_into(c, "#password", SECRET).await;
    tap(c, "#consent").await;
    screenshot(c, "browser-join-form.png").await;
    tap(c, "#join-submit").await;
    wait_for_page(c, base, "/join/00004-1/done").await;
    let done = text_of(c, "#join-done").await;
    assert!(done.contains("Chúng tôi đã nhận đăng ký của bạn"), "{done}");
    assert_fits(c, "the received page").await;
    tap(c, "#join-login").await;
    wait_for_page(c, base, "/login").await;
    type_into(c, "#login", PHONE).await;
    type_into(c, "#password", SECRET).await;
    submit_form_of(c, "#login").await;
    wait_for_page(c, base, "/").await;
    assert!(text_of(c, "h1").await.contains(NAME));
}

/// The pending person drafts the first part of a self-assessment; returns the evaluation id.
async fn draft(c: &Client, base: &str) -> i64 {
    tap(c, "nav.main a[href='/learning']").await;
    wait_for_page(c, base, "/learning").await;
    assert_fits(c, "the learning page").await;
    tap(c, "button[name='form_group'][value='worker']").await;
    let path = wait_for_path(c, "the first question group", |p| {
        p.starts_with("/evaluations/") && p.ends_with("/groups/1")
    })
    .await;
    let id: i64 = path
        .trim_start_matches("/evaluations/")
        .trim_end_matches("/groups/1")
        .parse()
        .unwrap_or_else(|e| panic!("no evaluation id in {path}: {e}"));
    assert_fits(c, "question group 1").await;
    for (code, value) in ANSWERS {
        tap(
            c,
            &format!("input[name='a_{code}'][value='{value}'] + span"),
        )
        .await;
    }
    tap(c, "button[name='next']").await;
    wait_for_page(c, base, &format!("/evaluations/{id}/groups/2")).await;
    open(c, base, &format!("/evaluations/{id}")).await;
    tap_at(
        c,
        Locator::XPath(&format!(
            "//form[@action='/evaluations/{id}/submit']//button[@type='submit']"
        )),
    )
    .await;
    wait_until(
        c,
        "the refusal of a pending submission",
        "document.body.innerText.indexOf('đăng ký của bạn đang chờ chi hội xác nhận') >= 0",
    )
    .await;
    assert_fits(c, "the refused submission").await;
    id
}

/// The branch officer confirms from the queue with one tap.
async fn confirm(c: &Client, base: &str, registration: i64) {
    log_in_as(c, base, BRANCH_OFFICER, "Phạm Thị Hoa").await;
    open(c, base, "/units/00004-1").await;
    assert_eq!(text_of(c, "#unit-registrations-count").await, "1");
    tap(c, "#unit-registrations").await;
    wait_for_page(c, base, "/units/00004-1/registrations").await;
    assert_fits(c, "the registrations queue").await;
    tap(c, &format!("#confirm-{registration}")).await;
    wait_for_text(c, "#registrations-total", "0").await;
    open(c, base, "/units/00004-1").await;
    assert_eq!(text_of(c, "#unit-registrations-count").await, "0");
}

async fn trip(c: Client, base: String, app: Arc<TestApp>) {
    let path = read_the_link(&c, &base).await;
    register(&c, &base, &path).await;
    let id = draft(&c, &base).await;
    let (status, answers): (String, String) =
        sqlx::query_as("SELECT status, answers FROM evaluations WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .expect("the draft");
    assert_eq!(status, "registered", "nothing was submitted");
    let answers: serde_json::Value = serde_json::from_str(&answers).expect("answers JSON");
    for (code, value) in ANSWERS {
        assert_eq!(answers[code]["value"], value, "saved {code}: {answers}");
    }
    let registration: i64 = sqlx::query_scalar("SELECT id FROM registrations WHERE phone = $1")
        .bind(PHONE)
        .fetch_one(&app.db.pool)
        .await
        .expect("the registration");
    confirm(&c, &base, registration).await;
    let person = app.person_id(PHONE).await;
    let pending = khuyenhoc::accounts::pending::is_pending(&app.db.pool, person)
        .await
        .expect("pending?");
    assert!(!pending, "confirmed");
}

both_backends!(a_stranger_joins_on_a_phone, |b: Backend| async move {
    let started = Instant::now();
    let app = Arc::new(TestApp::new(b).await);
    let addr = app.serve().await;
    let base = format!("http://{addr}");
    let shared = app.clone();
    drive(started + WHOLE_TEST, move |c| trip(c, base, shared)).await;
    println!(
        "browser_join ({}): passed in {:.1} s",
        backend_name(b),
        started.elapsed().as_secs_f64()
    );
});
