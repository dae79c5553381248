//! The commune's review form in a real phone browser (headless Chromium at 360 px, axe-core on
//! every page, see `common/browser.rs`): the decision's radios are normal-sized with their label
//! beside them; each indicator's answer and evidence stack readably; a review sent without a
//! decision number comes back with the number marked invalid beside it, described by its
//! message, focused (so on screen), and what was typed kept.

#[path = "common/browser.rs"]
mod browser;
mod common;
use browser::*;
use common::*;
use fantoccini::Client;
use khuyenhoc::db::Backend;
use khuyenhoc::evaluation::lifecycle::Status;
use std::time::Duration;
use tokio::time::Instant;

const WHOLE_TEST: Duration = Duration::from_secs(300);

async fn js(c: &Client, script: &str) -> serde_json::Value {
    c.execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("{script}: {e}"))
}

async fn review(c: Client, base: String, id: i64) {
    log_in_as(&c, &base, BADINH, "Lê Văn Đình").await;
    let path = format!("/evaluations/{id}/review");
    open(&c, &base, &path).await;
    assert_fits(&c, "the review form").await;
    // The radios: about 20 px, their label's text on the same line, to their right.
    let radio = js(
        &c,
        "const r = document.querySelector('input[name=decision][value=recognise]'); \
         const b = r.getBoundingClientRect(); const l = r.closest('label').getBoundingClientRect(); \
         return [b.width, b.height, b.top, b.bottom, l.top, l.bottom, l.right - b.right];",
    )
    .await;
    let n = |i: usize| radio[i].as_f64().expect("a number");
    assert!(
        n(0) < 32.0 && n(1) < 32.0,
        "a radio of normal size: {radio}"
    );
    assert!(
        n(2) >= n(4) - 1.0 && n(3) <= n(5) + 1.0,
        "the radio inside its label's line: {radio}"
    );
    assert!(n(6) > 40.0, "the label's text beside the radio: {radio}");
    // Answer and evidence stacked at 360 px: the evidence below the answer, both full width.
    let stacked = js(
        &c,
        "const a = document.querySelector('.answer-row .answer').getBoundingClientRect(); \
         const p = document.querySelector('.answer-row .proof').getBoundingClientRect(); \
         return p.top >= a.bottom - 1 && p.width > 250;",
    )
    .await;
    assert_eq!(
        stacked,
        serde_json::Value::Bool(true),
        "answer and evidence stacked"
    );

    type_into(&c, "#comment_reads", "Đã gặp trực tiếp").await;
    submit_form_of(&c, "#decision_no").await;
    wait_until(
        &c,
        "the form again with its error",
        "document.getElementById('decision_no-error')",
    )
    .await;
    assert_fits(&c, "the refused review").await;
    let state = js(
        &c,
        "const f = document.getElementById('decision_no'); const r = f.getBoundingClientRect(); \
         return [document.activeElement && document.activeElement.id, f.getAttribute('aria-invalid'), \
                 f.getAttribute('aria-describedby'), r.top >= 0 && r.bottom <= window.innerHeight, \
                 document.getElementById('comment_reads').value];",
    )
    .await;
    assert_eq!(
        state[0], "decision_no",
        "the first field to fix has the focus: {state}"
    );
    assert_eq!(state[1], "true");
    assert_eq!(state[2], "decision_no-error");
    assert_eq!(
        state[3],
        serde_json::Value::Bool(true),
        "the field is on screen: {state}"
    );
    assert_eq!(state[4], "Đã gặp trực tiếp", "what was typed is kept");
    let message = text_of(&c, "#decision_no-error").await;
    assert!(message.contains("số quyết định"), "{message}");
    screenshot(&c, "review-refused.png").await;
}

both_backends!(review_form_at_360_px, |b: Backend| async move {
    let started = Instant::now();
    let app = TestApp::new(b).await;
    let ids = citizens(
        &app,
        "00004-1",
        this_year(),
        &[Citizen {
            name: "Trịnh Thị Xét Duyệt".into(),
            phone: "0955000001".into(),
            status: Status::Checked,
        }],
    )
    .await;
    let addr = app.serve().await;
    let base = format!("http://{addr}");
    let id = ids[0];
    drive(started + WHOLE_TEST, move |c| review(c, base, id)).await;
});
