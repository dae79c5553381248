//! The lifelong-learning record in a real phone browser (headless Chromium at 360 px, axe-core
//! on every page, see `common/browser.rs`), on both backends: the citizen, with a recognised
//! title, opens her record from the address, reads her certificate's line with its verify link,
//! makes a share link for 7 days and copies it; a stranger's browser opens the link and reads
//! the record with the phone masked; she withdraws the link and the stranger is told so.

#[path = "common/browser.rs"]
mod browser;
mod common;
use browser::*;
use common::*;
use fantoccini::Client;
use khuyenhoc::db::Backend;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

const WHOLE_TEST: Duration = Duration::from_secs(150);

async fn trip(c: Client, base: String, code: String) {
    log_in_as(&c, &base, CITIZEN, "Đỗ Thị Lan").await;
    open(&c, &base, "/account").await;
    tap(&c, "#my-record").await;
    wait_for_page(&c, &base, "/me/record").await;
    assert_eq!(text_of(&c, "h1").await, "Hồ sơ học tập suốt đời");
    let certs = text_of(&c, "#record-certificates + ul").await;
    assert!(certs.contains(&code), "{certs}");
    assert_fits(&c, "the record").await;
    check_axe(&c).await;
    screenshot(&c, "browser-record.png").await;
    let days = c
        .find(fantoccini::Locator::Css("#days"))
        .await
        .expect("days");
    days.clear().await.expect("clear");
    type_into(&c, "#days", "7").await;
    tap(&c, "#record-link-create").await;
    let url = wait_for_text(&c, "#record-new-link-url", "/shared/record/").await;
    assert_fits(&c, "the new link").await;
    let path = url::Url::parse(&url).expect("absolute").path().to_owned();
    // A stranger's browser.
    c.delete_all_cookies().await.expect("a stranger's browser");
    open(&c, &base, &path).await;
    assert_eq!(text_of(&c, "#record-name").await, "Đỗ Thị Lan");
    assert_eq!(text_of(&c, "#record-phone").await, "090*****06");
    assert_fits(&c, "the shared record").await;
    check_axe(&c).await;
    // She withdraws it; the stranger is told.
    log_in_as(&c, &base, CITIZEN, "Đỗ Thị Lan").await;
    open(&c, &base, "/me/record").await;
    let id: String = c
        .execute(
            "return document.querySelector('#record-link-list li').id.replace('link-', '')",
            vec![],
        )
        .await
        .expect("the link's id")
        .as_str()
        .expect("text")
        .to_owned();
    tap(&c, &format!("#withdraw-{id}")).await;
    wait_for_text(&c, &format!("#link-{id} .link-state"), "Đã thu hồi").await;
    c.delete_all_cookies().await.expect("a stranger's browser");
    open(&c, &base, &path).await;
    let closed = text_of(&c, "#record-closed").await;
    assert!(
        closed.contains("Người học đã thu hồi liên kết này"),
        "{closed}"
    );
    assert_fits(&c, "the withdrawn link").await;
}

both_backends!(
    a_citizen_shares_her_record_on_a_phone,
    |b: Backend| async move {
        let started = Instant::now();
        let app = Arc::new(TestApp::new(b).await);
        let citizen = app.person_id(CITIZEN).await;
        let mut badinh = app.api_client(BADINH).await;
        let detail =
            citizen_evaluation(&app, &mut badinh, citizen, this_year(), Stage::Recognised).await;
        let code = detail["certificate"]["code"]
            .as_str()
            .expect("code")
            .to_owned();
        let addr = app.serve().await;
        let base = format!("http://{addr}");
        drive(started + WHOLE_TEST, move |c| trip(c, base, code)).await;
        println!(
            "browser_record ({}): passed in {:.1} s",
            backend_name(b),
            started.elapsed().as_secs_f64()
        );
    }
);
