//! A newcomer's first weeks, in a real phone browser (headless Chromium at 360 px, both
//! backends), as issue 15 asks:
//!
//! 1. the branch officer reads the branch's join link off the unit page;
//! 2. a stranger opens it (as a phone opens the QR poster), registers, logs in and drafts a
//!    self-assessment; submitting is refused while the registration waits;
//! 3. the branch officer confirms the registration from the queue; the citizen finds the notice
//!    in the inbox and submits;
//! 4. the branch checks, the commune returns it with a reason; the citizen reads the reason in
//!    the inbox, opens the evaluation from it and submits again;
//! 5. the branch checks again and the commune recognises it; the job queue's workers (started as
//!    `serve` starts them) mail the return and the recognition to the address the citizen gave,
//!    and both reach a real SMTP server on loopback (aiosmtpd).
//!
//! Every page must fit 360 px without sideways scrolling.

#[path = "common/browser.rs"]
mod browser;
mod common;
#[path = "common/smtp.rs"]
mod smtp;
use browser::*;
use common::*;
use fantoccini::{Client, Locator};
use khuyenhoc::db::Backend;
use std::time::Duration;
use tokio::time::Instant;

/// The whole test, browser start to browser close.
const WHOLE_TEST: Duration = Duration::from_secs(240);
/// The branch of the demo data whose officer is `BRANCH_OFFICER`.
const BRANCH: &str = "00004-1";
const NAME: &str = "Trần Thị Mến";
const PHONE: &str = "0912345678";
const EMAIL: &str = "men.tran@example.vn";
/// The answers of the national citizen set (2025), group by group: all 9 or 10, so it passes.
const GROUPS: [&[(&str, u32)]; 3] = [
    &[
        ("reads", 9),
        ("learning_plan", 10),
        ("community_learning", 9),
        ("helps_others", 10),
    ],
    &[
        ("digital", 10),
        ("foreign_language", 9),
        ("numeracy", 9),
        ("critical_thinking", 10),
    ],
    &[("relations", 10), ("cooperation", 9)],
];
const REASON: &str = "Cần ghi rõ tên lớp học đã tham gia";
const DECISION_NO: &str = "31/QĐ-KH";

/// The branch officer reads the join link off the branch's page; returns its path.
async fn read_join_link(c: &Client, base: &str) -> String {
    log_in_as(c, base, BRANCH_OFFICER, "Phạm Thị Hoa").await;
    open(c, base, &format!("/units/{BRANCH}")).await;
    assert_fits(c, "the branch page").await;
    let href = c
        .find(Locator::Css("#unit-join-url"))
        .await
        .expect("the join link on the unit page")
        .attr("href")
        .await
        .expect("its href")
        .expect("an href");
    let url = url::Url::parse(&href).unwrap_or_else(|e| panic!("join link {href:?}: {e}"));
    assert_eq!(url.path(), format!("/join/{BRANCH}"), "{href}");
    let poster = text_of(c, "#unit-join-poster").await;
    assert!(poster.contains("PDF"), "poster link: {poster:?}");
    url.path().to_owned()
}

/// A stranger registers through the join page and logs in.
async fn join(c: &Client, base: &str, path: &str) {
    c.delete_all_cookies()
        .await
        .expect("a stranger has no cookies");
    open(c, base, path).await;
    assert_fits(c, "the join page").await;
    type_into(c, "#full_name", NAME).await;
    type_into(c, "#birth_year", "1990").await;
    tap(c, "label[for='gender-female']").await;
    let kind = c
        .find(Locator::Css("#phone"))
        .await
        .expect("the phone field")
        .attr("inputmode")
        .await
        .expect("inputmode");
    assert_eq!(
        kind.as_deref(),
        Some("tel"),
        "a phone keyboard for the phone"
    );
    type_into(c, "#phone", PHONE).await;
    type_into(c, "#email", EMAIL).await;
    type_into(c, "#password", khuyenhoc::demo::DEMO_PASSWORD).await;
    tap(c, "#consent").await;
    tap(c, "#join-submit").await;
    let done = wait_for_text(c, "#join-done", "đã nhận đăng ký").await;
    assert!(done.contains("chi hội"), "{done}");
    assert_fits(c, "the join done page").await;
    tap(c, "#join-login").await;
    wait_for_page(c, base, "/login").await;
    log_in_as(c, base, PHONE, NAME).await;
}

/// Taps the answers of one group.
async fn pick(c: &Client, answers: &[(&str, u32)]) {
    for (code, value) in answers {
        tap(
            c,
            &format!("input[name='a_{code}'][value='{value}'] + span"),
        )
        .await;
    }
}

/// The citizen drafts the whole self-assessment; returns the evaluation id.
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
    for (i, answers) in GROUPS.iter().enumerate() {
        assert_fits(c, &format!("question group {}", i + 1)).await;
        pick(c, answers).await;
        if i + 1 < GROUPS.len() {
            tap(c, "button[name='next']").await;
            wait_for_page(c, base, &format!("/evaluations/{id}/groups/{}", i + 2)).await;
        } else {
            tap(c, "button[name='done']").await;
            wait_for_page(c, base, &format!("/evaluations/{id}")).await;
        }
    }
    assert_eq!(text_of(c, "#score").await, "95 / 100");
    id
}

/// The citizen taps "Nộp hồ sơ" on the summary page.
async fn tap_submit(c: &Client, id: i64) {
    tap_at(
        c,
        Locator::XPath(&format!(
            "//form[@action='/evaluations/{id}/submit']//button[@type='submit']"
        )),
    )
    .await;
}

/// The branch officer confirms the waiting registration from the queue.
async fn confirm_registration(c: &Client, base: &str) {
    log_in_as(c, base, BRANCH_OFFICER, "Phạm Thị Hoa").await;
    open(c, base, &format!("/units/{BRANCH}")).await;
    let waiting = text_of(c, "#unit-registrations-count").await;
    assert_eq!(waiting, "1", "one registration waiting");
    tap(c, "#unit-registrations").await;
    wait_for_page(c, base, &format!("/units/{BRANCH}/registrations")).await;
    assert_fits(c, "the registrations queue").await;
    let entry = text_of(c, "li[id^='registration-']").await;
    assert!(
        entry.contains(NAME),
        "the queue shows the applicant: {entry}"
    );
    tap(c, "button[id^='confirm-']").await;
    wait_until(
        c,
        "the registration confirmed",
        "!document.querySelector(\"button[id^='confirm-']\")",
    )
    .await;
}

/// The citizen's inbox: the header count, then the newest notice's text.
async fn inbox_newest(c: &Client, base: &str, unread: &str) -> String {
    let count = text_of(c, "#inbox-link").await;
    assert!(
        count.contains(unread),
        "header inbox {count:?}, wanted {unread} unread"
    );
    tap(c, "#inbox-link").await;
    wait_for_page(c, base, "/notifications").await;
    assert_fits(c, "the inbox").await;
    text_of(c, "main li").await
}

/// The branch officer confirms the check.
async fn branch_check(c: &Client, base: &str, id: i64) {
    log_in_as(c, base, BRANCH_OFFICER, "Phạm Thị Hoa").await;
    open(c, base, &format!("/evaluations/{id}")).await;
    wait_for_text(c, "#status", "Đã nộp, chờ chi hội kiểm tra").await;
    type_into(c, "#note", "Đã xem").await;
    submit_form_of(c, "#note").await;
    wait_for_text(c, "#status", "Chi hội đã kiểm tra").await;
}

/// The commune chair returns the evaluation with a reason.
async fn commune_returns(c: &Client, base: &str, id: i64) {
    log_in_as(c, base, BADINH, "Lê Văn Đình").await;
    open(c, base, &format!("/evaluations/{id}")).await;
    wait_for_text(c, "#status", "Chi hội đã kiểm tra").await;
    unfold(c, "reason").await;
    type_into(c, "#reason", REASON).await;
    assert_fits(c, "the return form").await;
    submit_form_of(c, "#reason").await;
    wait_for_text(c, "#status", "Được trả lại để bổ sung").await;
}

/// The commune chair recognises it on the review page.
async fn commune_recognises(c: &Client, base: &str, id: i64) {
    log_in_as(c, base, BADINH, "Lê Văn Đình").await;
    open(c, base, &format!("/evaluations/{id}/review")).await;
    assert_fits(c, "the review page").await;
    type_into(c, "#decision_no", DECISION_NO).await;
    submit_form_of(c, "#decision_no").await;
    wait_for_page(c, base, &format!("/evaluations/{id}")).await;
    wait_for_text(c, "#status", "Đã được công nhận").await;
}

async fn trip(c: Client, base: String) {
    let c = &c;
    let base = base.as_str();
    let path = read_join_link(c, base).await;
    join(c, base, &path).await;
    let id = draft(c, base).await;
    tap_submit(c, id).await;
    let refused = wait_for_text(c, "main", "Chưa thể nộp").await;
    assert!(refused.contains("chờ chi hội xác nhận"), "{refused}");
    assert_eq!(text_of(c, "#status").await, "Đã đăng ký, đang tự đánh giá");

    confirm_registration(c, base).await;
    log_in_as(c, base, PHONE, NAME).await;
    let notice = inbox_newest(c, base, "1").await;
    assert!(notice.contains("đã được xác nhận"), "{notice}");
    open(c, base, &format!("/evaluations/{id}")).await;
    tap_submit(c, id).await;
    wait_for_text(c, "#status", "Đã nộp, chờ chi hội kiểm tra").await;

    branch_check(c, base, id).await;
    commune_returns(c, base, id).await;
    log_in_as(c, base, PHONE, NAME).await;
    // The confirmation was read in the inbox but not marked read: two unread.
    let notice = inbox_newest(c, base, "2").await;
    assert!(notice.contains(REASON), "the reason in the inbox: {notice}");
    tap(c, &format!("main li a[href='/evaluations/{id}']")).await;
    wait_for_page(c, base, &format!("/evaluations/{id}")).await;
    wait_for_text(c, "#status", "Được trả lại để bổ sung").await;
    tap_submit(c, id).await;
    wait_for_text(c, "#status", "Đã nộp, chờ chi hội kiểm tra").await;

    branch_check(c, base, id).await;
    commune_recognises(c, base, id).await;
}

both_backends!(
    a_stranger_joins_and_is_recognised,
    |b: Backend| async move {
        let started = Instant::now();
        let deadline = started + WHOLE_TEST;
        let mail = smtp::Smtp::start();
        let app = TestApp::with_settings(b, |s| mail.configure(s)).await;
        let workers = app.start_workers();
        let addr = app.serve().await;
        let base = format!("http://{addr}");
        drive(deadline, move |c| trip(c, base)).await;
        // The confirmation, the return and the recognition, mailed by the queue's workers to the
        // address given.
        let got = mail.wait_for(3).await;
        workers.stop().await;
        let to_her: Vec<_> = got
            .iter()
            .filter(|m| m.to == vec![EMAIL.to_owned()])
            .collect();
        assert!(
            to_her.iter().any(|m| m.body.contains(REASON)),
            "the return reason by email: {got:?}"
        );
        assert!(
            to_her.iter().any(|m| m.body.contains("đã được công nhận")),
            "the recognition by email: {got:?}"
        );
        println!(
            "browser_newcomer ({}): passed in {:.1} s, {} emails",
            backend_name(b),
            started.elapsed().as_secs_f64(),
            got.len()
        );
    }
);
