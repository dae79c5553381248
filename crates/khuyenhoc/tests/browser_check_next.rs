//! Checking one after another from the commune's worklist, in a real phone browser (headless
//! Chromium at 360 px, axe-core on every page, see `common/browser.rs`): the commune chair opens
//! the list of what was submitted (oldest first), opens the first row, confirms the check, and
//! lands on the next waiting evaluation of that list with a notice; checks it and lands on the
//! third. Each page fits the phone's screen; the database holds the two checks and nothing else.

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

/// Confirms the check of the evaluation on screen and waits for the next one of the list.
async fn check_and_land_on(c: &Client, next: i64) {
    tap(c, "#check-form button[type=submit]").await;
    let at = wait_for_path(c, "the next waiting evaluation", |p| {
        p.starts_with(&format!("/evaluations/{next}?")) && p.contains("done=check")
    })
    .await;
    let notice = text_of(c, "#done-notice").await;
    assert!(
        notice.contains("Đây là hồ sơ chờ tiếp theo"),
        "{at}: {notice:?}"
    );
    assert!(
        c.find(fantoccini::Locator::Css("#check-form"))
            .await
            .is_ok(),
        "{at}: the next one can be checked at once"
    );
    assert_fits(c, "the next waiting evaluation").await;
}

async fn check_two(c: Client, base: String, list: String, queue: Vec<i64>) {
    log_in_as(&c, &base, BADINH, "Lê Văn Đình").await;
    open(&c, &base, &list).await;
    assert_fits(&c, "the commune's worklist").await;
    tap(&c, &format!("a[href^=\"/evaluations/{}?\"]", queue[0])).await;
    wait_for_path(&c, "the first evaluation of the list", |p| {
        p.starts_with(&format!("/evaluations/{}?from=", queue[0]))
    })
    .await;
    assert_fits(&c, "the first evaluation").await;
    check_and_land_on(&c, queue[1]).await;
    screenshot(&c, "check-next.png").await;
    check_and_land_on(&c, queue[2]).await;
}

both_backends!(
    check_lands_on_the_next_waiting_at_360_px,
    |b: Backend| async move {
        let started = Instant::now();
        let app = TestApp::new(b).await;
        let year = this_year();
        let people: Vec<Citizen> = (0..3)
            .map(|i| Citizen {
                name: format!("Đỗ Thị Chờ Kiểm {i}"),
                phone: format!("0987{i:06}"),
                status: Status::Submitted,
            })
            .collect();
        citizens(&app, "00004-1", year, &people).await;
        // The list's own order (longest waiting first), as the database sees it.
        let queue: Vec<i64> = sqlx::query_scalar(
            "SELECT e.id FROM evaluations e JOIN units u ON u.id = e.unit_id \
             WHERE u.path LIKE '%/00004/%' AND e.status = 'submitted' AND e.year = $1 \
             ORDER BY e.updated_at ASC, e.id ASC",
        )
        .bind(i64::from(year))
        .fetch_all(&app.db.pool)
        .await
        .expect("queue");
        assert!(queue.len() >= 3, "{queue:?}");
        let list = format!("/units/00004/evaluations?year={year}&status=submitted&sort=oldest");
        let addr = app.serve().await;
        let base = format!("http://{addr}");
        let q = queue.clone();
        drive(started + WHOLE_TEST, move |c| check_two(c, base, list, q)).await;
        for (id, want) in [
            (queue[0], "checked"),
            (queue[1], "checked"),
            (queue[2], "submitted"),
        ] {
            let status: String = sqlx::query_scalar("SELECT status FROM evaluations WHERE id = $1")
                .bind(id)
                .fetch_one(&app.db.pool)
                .await
                .expect("status");
            assert_eq!(status, want, "evaluation {id}");
        }
    }
);
