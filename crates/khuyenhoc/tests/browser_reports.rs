//! The half-year / year report in a real phone browser (headless Chromium at 360 px, see
//! `common/browser.rs`), between a commune and its province:
//!
//! 1. the chair of Phường Ba Đình signs in, sees the report due on the home dashboard, opens the
//!    commune's report for the current period, types a number and the results, corrects the
//!    computed number of members with a written reason, saves, and submits;
//! 2. the chair of Hà Nội opens who has reported, sees Ba Đình submitted, and returns it with a
//!    reason;
//! 3. Ba Đình sees the reason, changes a number, and submits again;
//! 4. Hà Nội accepts it; the accepted report shows the corrected figure with its reason and no
//!    form any more;
//! 5. Hà Nội opens the cluster table of DEMO-1: its three provinces side by side.
//!
//! Every page must fit 360 px without sideways scrolling of the page.

#[path = "common/browser.rs"]
mod browser;
mod common;
use browser::*;
use common::*;
use fantoccini::{Client, Locator};
use khuyenhoc::db::Backend;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::time::Instant;

/// The whole test, browser start to browser close: axe-core checks every page, and long report
/// pages on a busy machine take a while.
const WHOLE_TEST: Duration = Duration::from_secs(420);
const RETURN_REASON: &str = "Đề nghị bổ sung số buổi tọa đàm của tổ dân phố số 3";
const OVERRIDE_REASON: &str = "Danh sách hội viên trên giấy chưa nhập hết vào phần mềm";
const RESULTS: &str = "Phong trào khuyến học của phường có nhiều chuyển biến tích cực.";

struct Trip {
    c: Client,
    base: String,
    period: String,
}

/// Taps a button and waits (bounded) for the next page; returns its path.
async fn press(c: &Client, what: &str, button: Locator<'_>) -> String {
    c.execute("window.__khStale = true;", vec![])
        .await
        .expect("mark the page");
    tap_at(c, button).await;
    wait_until(
        c,
        &format!("the page after {what}"),
        "typeof window.__khStale === 'undefined'",
    )
    .await;
    c.current_url().await.expect("url").path().to_owned()
}

async fn set_field(c: &Client, css: &str, text: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no field {css}: {e}"))
        .clear()
        .await
        .unwrap_or_else(|e| panic!("cannot clear {css}: {e}"));
    type_into(c, css, text).await;
}

async fn state_of_report(c: &Client) -> String {
    text_of(c, "#report-state").await
}

async fn commune_fills_and_submits(t: &Trip) {
    let c = &t.c;
    log_in_as(c, &t.base, BADINH, "Lê Văn Đình").await;
    let dash = text_of(c, "#dash-00004").await;
    // Not started, or overdue when the test runs after the commune's deadline (early December
    // for the yearly report): either way it is shown as work to do.
    assert!(
        dash.contains("Chưa làm") || dash.contains("Quá hạn"),
        "the dashboard shows the report to do: {dash:?}"
    );
    assert_fits(c, "the home dashboard").await;
    let report = format!("/units/00004/reports/{}", t.period);
    open(&t.c, &t.base, &report).await;
    assert_fits(c, "the empty report").await;
    // After the commune's deadline (early December for the yearly report) an unsubmitted
    // report, untouched or draft, is shown as late.
    let state = state_of_report(c).await;
    assert!(
        state == "Chưa làm" || state == "Quá hạn",
        "an untouched report: {state:?}"
    );
    let draft = if state == "Quá hạn" {
        "Quá hạn"
    } else {
        "Đang soạn"
    };
    set_field(c, "#n-talks", "3").await;
    set_field(c, "#t-results", RESULTS).await;
    unfold(c, "o-members").await;
    set_field(c, "#o-members", "25").await;
    set_field(c, "#r-members", OVERRIDE_REASON).await;
    let path = press(c, "saving the draft", Locator::Css("#save")).await;
    assert_eq!(path, report, "saving stays on the report");
    assert_eq!(state_of_report(c).await, draft);
    let members = text_of(c, "#line-members .value").await;
    assert_eq!(members, "25", "the corrected figure is shown");
    let path = press(c, "submitting", Locator::Css("#submit")).await;
    assert_eq!(path, report);
    assert_eq!(state_of_report(c).await, "Đã nộp");
    assert!(
        c.find(Locator::Css("#report-form")).await.is_err(),
        "a submitted report has no form"
    );
}

async fn province_returns(t: &Trip) {
    let c = &t.c;
    log_in_as(c, &t.base, HANOI, "Trần Thị Hà").await;
    let children = format!("/units/01/reports/{}/children", t.period);
    open(&t.c, &t.base, &children).await;
    assert_fits(c, "who has reported").await;
    let row = text_of(c, "#child-00004").await;
    assert!(
        row.contains("Đã nộp"),
        "Ba Đình is shown submitted: {row:?}"
    );
    let submitted = text_of(c, "#count-submitted").await;
    assert_eq!(submitted, "1");
    let reason_id: String = c
        .execute(
            "return document.querySelector('#child-00004 textarea[name=reason]').id;",
            vec![],
        )
        .await
        .expect("the reason box")
        .as_str()
        .unwrap_or_default()
        .to_owned();
    unfold(c, &reason_id).await;
    set_field(c, &format!("#{reason_id}"), RETURN_REASON).await;
    let path = press(c, "returning", Locator::Css("#child-00004 button.return")).await;
    assert_eq!(path, children);
    let row = text_of(c, "#child-00004").await;
    assert!(
        row.contains("Bị trả lại"),
        "Ba Đình is shown returned: {row:?}"
    );
}

async fn commune_resubmits(t: &Trip) {
    let c = &t.c;
    log_in_as(c, &t.base, BADINH, "Lê Văn Đình").await;
    let report = format!("/units/00004/reports/{}", t.period);
    open(&t.c, &t.base, &report).await;
    assert_eq!(state_of_report(c).await, "Bị trả lại");
    let why = text_of(c, "#return-reason").await;
    assert!(why.contains(RETURN_REASON), "the reason is shown: {why:?}");
    set_field(c, "#n-talks", "4").await;
    press(c, "saving again", Locator::Css("#save")).await;
    let path = press(c, "submitting again", Locator::Css("#submit")).await;
    assert_eq!(path, report);
    assert_eq!(state_of_report(c).await, "Đã nộp");
}

async fn province_accepts(t: &Trip) {
    let c = &t.c;
    log_in_as(c, &t.base, HANOI, "Trần Thị Hà").await;
    let children = format!("/units/01/reports/{}/children", t.period);
    open(&t.c, &t.base, &children).await;
    let path = press(c, "accepting", Locator::Css("#child-00004 button.accept")).await;
    assert_eq!(path, children);
    let row = text_of(c, "#child-00004").await;
    assert!(
        row.contains("Đã duyệt"),
        "Ba Đình is shown accepted: {row:?}"
    );
    open(&t.c, &t.base, &format!("/units/00004/reports/{}", t.period)).await;
    assert_eq!(state_of_report(c).await, "Đã duyệt");
    let members = text_of(c, "#report-table #line-members").await;
    assert!(
        members.contains("25") && members.contains(OVERRIDE_REASON),
        "the corrected figure and its reason: {members:?}"
    );
    let talks = text_of(c, "#report-table #line-talks").await;
    assert!(talks.contains('4'), "the resubmitted number: {talks:?}");
    assert_fits(c, "the accepted report").await;
    let trend = c
        .find_all(Locator::Css(".chart svg polyline, .chart svg path"))
        .await
        .expect("the trend chart")
        .len();
    assert!(trend >= 1, "the trend of the main indicators is drawn");
    c.execute("document.querySelector('.chart').scrollIntoView();", vec![])
        .await
        .expect("scroll to the chart");
    screenshot(c, "browser-reports-trend.png").await;
}

async fn cluster_side_by_side(t: &Trip) {
    let c = &t.c;
    open(
        &t.c,
        &t.base,
        &format!("/clusters/DEMO-1/reports/{}", t.period),
    )
    .await;
    assert_fits(c, "the cluster table").await;
    let mut names = vec![];
    for th in c
        .find_all(Locator::Css("#cluster-table th.province"))
        .await
        .expect("province columns")
    {
        names.push(th.text().await.expect("a province's name"));
    }
    assert_eq!(names.len(), 3, "three provinces side by side: {names:?}");
    assert!(
        names[0].contains("Hà Nội"),
        "Hà Nội first (code 01): {names:?}"
    );
    let charts = c
        .find_all(Locator::Css(".chart svg"))
        .await
        .expect("charts")
        .len();
    assert!(charts >= 1, "the cluster comparison is drawn");
    screenshot(c, "browser-reports-cluster.png").await;
}

async fn walk_through(c: Client, addr: SocketAddr) {
    let today = khuyenhoc::db::today();
    let t = Trip {
        c,
        base: format!("http://{addr}"),
        period: khuyenhoc_reports::Period::current(&today).to_string(),
    };
    commune_fills_and_submits(&t).await;
    province_returns(&t).await;
    commune_resubmits(&t).await;
    province_accepts(&t).await;
    cluster_side_by_side(&t).await;
}

both_backends!(
    report_filled_returned_resubmitted_accepted_and_compared,
    |b: Backend| async move {
        let started = Instant::now();
        let app = TestApp::new(b).await;
        let addr = app.serve().await;
        drive(started + WHOLE_TEST, move |c| walk_through(c, addr)).await;
        println!("{b:?}: the report test took {:?}", started.elapsed());
    }
);
