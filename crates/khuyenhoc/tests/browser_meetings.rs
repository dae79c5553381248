//! A điểm cầu on a phone (headless Chromium at 360 px, axe-core on every page, see
//! `common/browser.rs`), on both backends: Ba Đình's briefing, on now, invites its branch
//! 00004-1; the branch officer opens the meeting, confirms attendance naming who attends, then
//! checks in with the code the host shows in the room, and finds herself on the list of those
//! present. The database holds her answer and her check-in.

#[path = "common/browser.rs"]
mod browser;
mod common;
use browser::*;
use common::*;
use fantoccini::Client;
use khuyenhoc::db::Backend;
use serde_json::json;
use std::time::Duration;
use tokio::time::Instant;

const WHOLE_TEST: Duration = Duration::from_secs(150);

async fn trip(c: Client, base: String, id: i64, code: String) {
    log_in_as(&c, &base, BRANCH_OFFICER, "Phạm Thị Hoa").await;
    open(&c, &base, &format!("/meetings/{id}")).await;
    assert_eq!(text_of(&c, "h1").await, "Giao ban chi hội tháng này");
    assert_fits(&c, "the meeting").await;
    check_axe(&c).await;
    type_into(&c, "#attendees-00004-1", "Phạm Thị Hoa, Chi hội trưởng").await;
    tap(&c, "#unit-00004-1 button[value=attend]").await;
    wait_for_text(&c, "#unit-00004-1", "Tham dự").await;
    assert_fits(&c, "the meeting after confirming").await;
    type_into(&c, "#code", &code.to_lowercase()).await;
    tap(&c, "form[action$='/checkin'] button").await;
    wait_for_text(&c, "#present", "Phạm Thị Hoa").await;
    assert_fits(&c, "the meeting after checking in").await;
    check_axe(&c).await;
    screenshot(&c, "browser-meeting.png").await;
}

both_backends!(
    a_branch_confirms_and_checks_in_on_a_phone,
    |b: Backend| async move {
        let started = Instant::now();
        let app = TestApp::new(b).await;
        let mut badinh = app.api_client(BADINH).await;
        let at = |secs: i64| {
            let t = app.state.clock.now().timestamp() + secs + 7 * 3600;
            chrono::DateTime::from_timestamp(t, 0)
                .expect("time")
                .format("%Y-%m-%dT%H:%M")
                .to_string()
        };
        let d = ok(
            &app,
            &mut badinh,
            "POST",
            "/api/v1/units/00004/meetings",
            json!({"kind": "briefing", "title": "Giao ban chi hội tháng này", "agenda": "Kết quả tháng",
                "starts_at": at(-600), "ends_at": at(3 * 3600), "place": "Nhà văn hóa tổ dân phố số 1",
                "invitees": [{"kind": "units", "codes": ["00004-1"]}]}),
        )
        .await;
        let id = d["meeting"]["id"].as_i64().expect("id");
        let d = ok(
            &app,
            &mut badinh,
            "POST",
            &format!("/api/v1/meetings/{id}/invite"),
            json!({}),
        )
        .await;
        let code = d["checkin_code"].as_str().expect("code").to_owned();
        let addr = app.serve().await;
        let base = format!("http://{addr}");
        drive(started + WHOLE_TEST, move |c| trip(c, base, id, code)).await;
        let answer: String =
            sqlx::query_scalar("SELECT answer FROM meeting_units WHERE meeting_id = $1")
                .bind(id)
                .fetch_one(&app.db.pool)
                .await
                .expect("answer");
        assert_eq!(answer, "attend");
        let present = scalar(
            &app,
            &format!(
                "SELECT COUNT(*) FROM meeting_attendance WHERE meeting_id = {id} AND how = 'code'"
            ),
        )
        .await;
        assert_eq!(present, 1);
    }
);
