//! A commune chair recognises ten waiting citizens under one decision, in a real phone browser
//! (headless Chromium at 360 px, axe-core on every page, see `common/browser.rs`), at 00:30 in
//! Hà Nội, when the date in UTC is still the day before:
//!
//! 1. the list of what waits for the commune opens (the dashboard's link: one tap), oldest
//!    first, ten rows, the decision date already today's date in Vietnam;
//! 2. "select all that match", "recognise under one decision", the decision number, "do it":
//!    every tap is counted, and there are at most ten;
//! 3. the answer says ten were recognised under the decision and links its annex; the database
//!    holds ten recognitions under one decision dated the Vietnamese day.

#[path = "common/browser.rs"]
mod browser;
mod common;
use browser::*;
use common::*;
use fantoccini::{Client, Locator};
use khuyenhoc::db::Backend;
use khuyenhoc::evaluation::lifecycle::Status;
use std::time::Duration;
use tokio::time::Instant;

const WHOLE_TEST: Duration = Duration::from_secs(300);
const DECISION: &str = "20/QĐ-KH";

/// Taps and counts.
struct Thumb {
    c: Client,
    taps: u32,
}

impl Thumb {
    async fn tap(&mut self, css: &str) {
        tap(&self.c, css).await;
        self.taps += 1;
    }

    /// One tap to focus the field, then the typing.
    async fn type_in(&mut self, css: &str, text: &str) {
        self.tap(css).await;
        type_into(&self.c, css, text).await;
    }
}

async fn recognise_ten(c: Client, base: String, vn_day: String) {
    log_in_as(&c, &base, BADINH, "Lê Văn Đình").await;
    let mut t = Thumb { c, taps: 0 };
    // The dashboard's "waiting for review" link: the list of the commune, oldest first.
    let list = "/units/00004/evaluations?status=checked&sort=oldest";
    open(&t.c, &base, list).await;
    t.taps += 1;
    assert_fits(&t.c, "the list waiting for review").await;
    assert_eq!(text_of(&t.c, "#total").await, "10");
    let rows =
        t.c.find_all(Locator::Css("input[name=ids]"))
            .await
            .expect("rows")
            .len();
    assert_eq!(rows, 10);
    let date: String =
        t.c.execute(
            "return document.getElementById('decision_date').value;",
            vec![],
        )
        .await
        .expect("the decision date")
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(date, vn_day, "the decision date is today in Vietnam");
    t.tap("#all_matching").await;
    t.tap("#act-recognise").await;
    t.type_in("#decision_no", DECISION).await;
    t.c.execute("window.__khStale = true;", vec![])
        .await
        .expect("mark the page");
    t.tap("#bulk-submit").await;
    wait_until(
        &t.c,
        "the answer of the bulk action",
        "typeof window.__khStale === 'undefined' && document.getElementById('bulk-done') !== null",
    )
    .await;
    let done = text_of(&t.c, "#bulk-done").await;
    assert!(
        done.contains("10") && done.contains(DECISION),
        "the answer names the ten and the decision: {done:?}"
    );
    assert!(
        t.c.find(Locator::Css("#annex")).await.is_ok(),
        "the annex link"
    );
    assert_fits(&t.c, "the answer").await;
    assert!(t.taps <= 10, "{} taps to recognise ten", t.taps);
    println!("recognised ten in {} taps", t.taps);
}

both_backends!(
    ten_waiting_recognised_under_one_decision_in_ten_taps,
    |b: Backend| async move {
        let started = Instant::now();
        let app = TestApp::new(b).await;
        let year = this_year();
        let people: Vec<Citizen> = (0..10)
            .map(|i| Citizen {
                name: format!("Vũ Thị Chờ Xét {i}"),
                phone: format!("0988{i:06}"),
                status: Status::Checked,
            })
            .collect();
        citizens(&app, "00004-1", year, &people).await;
        // 00:30 in Hà Nội (UTC+7) is 17:30 UTC of the day before.
        let utc_day = chrono::Utc::now().date_naive();
        let at = utc_day.and_hms_opt(17, 30, 0).expect("a time").and_utc();
        app.state.clock.set(at);
        let vn_day = (utc_day + chrono::Duration::days(1))
            .format("%Y-%m-%d")
            .to_string();
        let addr = app.serve().await;
        let base = format!("http://{addr}");
        let day = vn_day.clone();
        drive(started + WHOLE_TEST, move |c| recognise_ten(c, base, day)).await;
        let (recognised, decided_on): (i64, String) = sqlx::query_as(
            "SELECT COUNT(*), MIN(d.decided_on) FROM recognitions r JOIN decisions d ON d.id = r.decision_id WHERE d.number = $1",
        )
        .bind(DECISION)
        .fetch_one(&app.db.pool)
        .await
        .expect("the decision");
        assert_eq!(recognised, 10);
        assert_eq!(decided_on, vn_day);
        println!("{b:?}: the worklist test took {:?}", started.elapsed());
    }
);
