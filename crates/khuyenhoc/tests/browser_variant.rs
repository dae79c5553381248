//! A province's criteria variant in a real phone browser (headless Chromium at 360 px, axe-core
//! on every page, see `common/browser.rs`): the Hà Nội chair copies the national citizen set,
//! edits it in the form (no text box; an indicator limited to some form groups), sees a refused value's error under its field, saves,
//! previews the citizen's real form with the difference from the national set, and makes it
//! effective from next year.

#[path = "common/browser.rs"]
mod browser;
mod common;
use browser::*;
use common::*;
use fantoccini::{Client, Locator};
use khuyenhoc::db::Backend;
use std::time::Duration;
use tokio::time::Instant;

const WHOLE_TEST: Duration = Duration::from_secs(120);
const NEW_TEXT: &str = "Đọc sách, báo ít nhất mỗi tuần một lần";

async fn edit_a_variant(c: &Client, base: &str, national: i64) {
    log_in_as(c, base, HANOI, "Trần Thị Hà").await;
    open(c, base, &format!("/criteria/{national}")).await;
    assert_fits(c, "the national set").await;
    tap(
        c,
        &format!("form[action='/criteria/{national}/variant'] button[type='submit']"),
    )
    .await;
    let edit = wait_for_path(c, "the variant form", |p| p.ends_with("/edit")).await;
    let variant = edit
        .trim_start_matches("/criteria/")
        .trim_end_matches("/edit")
        .to_owned();
    assert_fits(c, "the variant form").await;
    let year = c
        .find(Locator::Css("#version"))
        .await
        .expect("the year field")
        .prop("value")
        .await
        .expect("its value")
        .unwrap_or_default();
    assert_eq!(
        year,
        (this_year() + 1).to_string(),
        "a copy applies from next year"
    );
    // A value that is not a number: refused, the error under the field, the field marked.
    type_into(c, "#threshold", "tám lăm").await;
    submit_form_of(c, "#threshold").await;
    let error = wait_for_text(c, "#threshold-error", "số nguyên").await;
    assert!(!error.is_empty());
    let invalid = c
        .find(Locator::Css("#threshold"))
        .await
        .expect("the field")
        .attr("aria-invalid")
        .await
        .expect("its attribute");
    assert_eq!(invalid.as_deref(), Some("true"));
    assert_fits(c, "the refused form").await;
    c.find(Locator::Css("#threshold"))
        .await
        .expect("the field")
        .click()
        .await
        .expect("focus the refused field");
    screenshot(c, "variant-refused.png").await;
    type_into(c, "#threshold", "85").await;
    type_into(c, "#reads-text_vi", NEW_TEXT).await;
    // Reading is not asked of students in this province: untick their form group.
    // Their form then adds up to less than the declared total, which is cleared.
    tap(c, "input[name='reads-fg-student']").await;
    type_into(c, "#total", "").await;
    submit_form_of(c, "#threshold").await;
    wait_for_text(c, "p.notice", "Đã lưu bản nháp").await;
    assert_fits(c, "the saved form").await;
    // The preview: the citizen's own form, and the difference from the national set.
    open(c, base, &format!("/criteria/{variant}?group=worker")).await;
    assert_fits(c, "the preview").await;
    let legend = text_of(c, "fieldset.indicator[data-code='reads'] legend").await;
    assert!(legend.contains(NEW_TEXT), "{legend}");
    open(c, base, &format!("/criteria/{variant}?group=student")).await;
    let asked = c
        .find_all(Locator::Css("fieldset.indicator[data-code='reads']"))
        .await
        .expect("the student's form");
    assert!(asked.is_empty(), "students are not asked about reading");
    open(c, base, &format!("/criteria/{variant}?group=worker")).await;
    let diff = text_of(c, "table.diff").await;
    assert!(diff.contains("80") && diff.contains("85"), "{diff}");
    tap(
        c,
        &format!("form[action='/criteria/{variant}/activate'] button[type='submit']"),
    )
    .await;
    wait_for_text(c, "main", "đang áp dụng").await;
    assert_fits(c, "the variant in force").await;
}

both_backends!(
    a_province_edits_a_variant_on_a_phone,
    |b: Backend| async move {
        let deadline = Instant::now() + WHOLE_TEST;
        let app = TestApp::new(b).await;
        let national: i64 = sqlx::query_scalar(
        "SELECT id FROM criteria_sets WHERE owner_code = 'VN' AND model = 'citizen' AND status = 'active'",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("the national citizen set");
        let addr = app.serve().await;
        drive(deadline, move |c| async move {
            let base = format!("http://{addr}");
            edit_a_variant(&c, &base, national).await;
            screenshot(&c, &format!("variant-{}.png", backend_name(b))).await;
        })
        .await;
        let threshold: String = sqlx::query_scalar(
        "SELECT source FROM criteria_sets WHERE owner_code = '01' AND model = 'citizen' AND status = 'active'",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("the variant in force");
        assert!(threshold.contains("threshold = 85"), "{threshold}");
    }
);
