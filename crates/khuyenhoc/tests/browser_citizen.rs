//! The learning-citizen path in a real phone browser (headless Chromium at 360 px, see
//! `common/browser.rs`), from registration to a revoked certificate:
//!
//! 1. the citizen signs in, opens "Học tập", registers by tapping a form group, taps answers on
//!    the first question group and attaches a real JPEG photo as evidence;
//! 2. on the second group picks answers, reloads before saving and finds them still picked
//!    (restored by `app.js` from `localStorage`) with the live total counting them; a save the
//!    server refuses shows why and keeps the other answers; on the third group the session ends
//!    before saving and the answers wait in the browser through a new sign-in; submits from the
//!    summary page;
//! 3. the branch officer confirms the check, the commune chair sees the photo on the review
//!    page and recognises with a decision number and date, the certificate shows, the public
//!    verify page (no login) says "Còn hiệu lực"; the chair revokes and verify says "Đã bị thu
//!    hồi".
//!
//! Every page must fit 360 px without sideways scrolling. The weight of each citizen page (HTML
//! plus the CSS and JS it loads) must stay under 50 KB; the figures are printed.

#[path = "common/browser.rs"]
mod browser;
mod common;
use browser::*;
use common::*;
use fantoccini::{Client, Locator};
use khuyenhoc::db::Backend;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// The whole test, browser start to browser close.
const WHOLE_TEST: Duration = Duration::from_secs(180);
/// The most a citizen page may weigh: HTML, CSS and JS together, uncompressed.
const MAX_PAGE_BYTES: usize = 50 * 1000;
/// The answers, group by group (the national citizen set of 2025): all 9 or 10, so it passes.
const GROUP_1: [(&str, u32); 4] = [
    ("reads", 9),
    ("learning_plan", 10),
    ("community_learning", 9),
    ("helps_others", 10),
];
/// Picked before the reload.
const GROUP_2_FIRST: [(&str, u32); 2] = [("digital", 10), ("foreign_language", 9)];
/// Picked after the reload.
const GROUP_2_THEN: [(&str, u32); 2] = [("numeracy", 9), ("critical_thinking", 10)];
const GROUP_3: [(&str, u32); 2] = [("relations", 10), ("cooperation", 9)];
/// Named as Zalo names the photos it saves: long, with no place to break a line.
const PHOTO_NAME: &str = "z6012938471234_8f1c2e9d7b6a5f4e3d2c1b0a9f8e7d6c.jpg";
const DECISION_NO: &str = "25/QĐ-KH";

struct Trip {
    c: Client,
    base: String,
    app: Arc<TestApp>,
    /// The citizen signed in through the router itself, to weigh pages.
    weigher: common::Client,
    backend: Backend,
}

fn sum(answers: &[(&str, u32)]) -> u32 {
    answers.iter().map(|(_, v)| v).sum()
}

/// A real photo (a JPEG, as a phone camera makes them) in `dir`.
fn make_photo(dir: &Path) -> PathBuf {
    let img = image::RgbImage::from_fn(800, 600, |x, y| {
        let r = u8::try_from(x * 255 / 800).expect("red fits a byte");
        let g = u8::try_from(y * 255 / 600).expect("green fits a byte");
        image::Rgb([r, g, 160])
    });
    let path = dir.join(PHOTO_NAME);
    img.save(&path).expect("write the JPEG photo");
    path
}

/// The value picked for an indicator, if any.
async fn picked(c: &Client, code: &str) -> Option<String> {
    let v = c
        .execute(
            "var el = document.querySelector(\"input[name='a_\" + arguments[0] + \"']:checked\"); return el ? el.value : null;",
            vec![serde_json::json!(code)],
        )
        .await
        .expect("read the picked answer");
    v.as_str().map(str::to_owned)
}

async fn pick(c: &Client, answers: &[(&str, u32)]) {
    for (code, value) in answers {
        tap(
            c,
            &format!("input[name='a_{code}'][value='{value}'] + span"),
        )
        .await;
        assert_eq!(
            picked(c, code).await.as_deref(),
            Some(value.to_string().as_str()),
            "tapping {value} for {code} picked it"
        );
    }
}

async fn assert_picked(c: &Client, answers: &[(&str, u32)], when: &str) {
    for (code, value) in answers {
        assert_eq!(
            picked(c, code).await.as_deref(),
            Some(value.to_string().as_str()),
            "{code} should still be {value} {when}"
        );
    }
}

async fn total_shown(c: &Client) -> String {
    text_of(c, "#total").await
}

/// A screenshot of the top of the page, as `target/browser-citizen-BACKEND-WHAT.png`.
async fn shot(t: &Trip, what: &str) {
    t.c.execute("window.scrollTo(0, 0);", vec![])
        .await
        .expect("scroll to the top");
    let name = format!("browser-citizen-{}-{what}.png", backend_name(t.backend));
    screenshot(&t.c, &name).await;
}

/// The citizen opens "Học tập" and registers by tapping a form group; returns the evaluation id.
async fn register(t: &Trip) -> i64 {
    let (c, base) = (&t.c, t.base.as_str());
    tap(c, "nav.main a[href='/learning']").await;
    wait_for_page(c, base, "/learning").await;
    assert_fits(c, "the learning page").await;
    shot(t, "learning").await;
    let h1 = text_of(c, "h1").await;
    assert_eq!(h1, "Danh hiệu Công dân học tập");
    tap(c, "button[name='form_group'][value='worker']").await;
    let path = wait_for_path(c, "the first question group", |p| {
        p.starts_with("/evaluations/") && p.ends_with("/groups/1")
    })
    .await;
    path.trim_start_matches("/evaluations/")
        .trim_end_matches("/groups/1")
        .parse()
        .unwrap_or_else(|e| panic!("no evaluation id in {path}: {e}"))
}

/// The listed evidence opens, in the same browser, as the stored (reduced) JPEG photo.
async fn stored_photo_is_a_jpeg(c: &Client) {
    let href = c
        .find(Locator::Css("ul.evidence li a[href^='/evidence/']"))
        .await
        .expect("a link to the evidence")
        .attr("href")
        .await
        .expect("the link's href")
        .expect("an href");
    let got = c
        .execute_async(
            "var done = arguments[arguments.length - 1];
             fetch(arguments[0], {credentials: 'same-origin'})
               .then(function (r) { return r.blob().then(function (b) { done([r.status, b.type, b.size]); }); })
               .catch(function (e) { done(String(e)); });",
            vec![serde_json::json!(href)],
        )
        .await
        .expect("fetch the evidence file");
    assert_eq!(got[0], 200, "GET {href}: {got}");
    assert_eq!(got[1], "image/jpeg", "GET {href}: {got}");
    let size = got[2].as_u64().expect("a size");
    assert!(size > 1000, "the stored photo has only {size} bytes");
}

/// Group 1: answers tapped, a photo attached (the unsaved answers survive the upload), saved.
async fn group_one(t: &Trip, id: i64, photo: &Path) {
    let c = &t.c;
    assert_fits(c, "question group 1").await;
    assert_eq!(text_of(c, "p.muted").await, "Phần 1 / 3");
    assert_eq!(total_shown(c).await, "0");
    pick(c, &GROUP_1).await;
    assert_eq!(
        total_shown(c).await,
        sum(&GROUP_1).to_string(),
        "live total"
    );
    // The evidence form is open on the page (not folded away), above the Save buttons.
    let order = c
        .execute(
            "var f = document.getElementById('ev-file'); var b = document.querySelector(\"button[name='next']\");
             return [!!f, !!b, f ? f.closest('details') === null : null, f && b ? f.compareDocumentPosition(b) : null];",
            vec![],
        )
        .await
        .expect("read the evidence form's place");
    assert_eq!(
        order,
        serde_json::json!([true, true, true, 4]),
        "evidence form, Save button, open, before: {order}"
    );
    c.find(Locator::Css("#ev-indicator"))
        .await
        .expect("the indicator list of the evidence form")
        .select_by_value("learning_plan")
        .await
        .expect("choose the indicator of the evidence");
    c.find(Locator::Css("input[type=file]#ev-file"))
        .await
        .expect("the file input")
        .send_keys(&photo.display().to_string())
        .await
        .expect("choose the photo");
    assert_fits(c, "question group 1 with the evidence form open").await;
    submit_form_of(c, "#ev-file").await;
    wait_until(
        c,
        "the evidence listed",
        "document.querySelector('ul.evidence')",
    )
    .await;
    let listed = text_of(
        c,
        "fieldset[data-code='learning_plan'] ul.evidence li a[href^='/evidence/']",
    )
    .await;
    assert!(listed.contains(PHOTO_NAME), "evidence listed: {listed:?}");
    stored_photo_is_a_jpeg(c).await;
    assert_fits(c, "question group 1 with its evidence").await;
    assert_picked(c, &GROUP_1, "after the upload reloaded the page").await;
    let restored = text_of(c, "#draft-notice").await;
    assert!(
        restored.contains("Đã khôi phục"),
        "draft notice: {restored:?}"
    );
    let name = format!("browser-citizen-{}-evidence.png", backend_name(t.backend));
    c.execute(
        "document.querySelector(\"fieldset[data-code='learning_plan']\").scrollIntoView({block: 'center'});",
        vec![],
    )
    .await
    .expect("scroll to the evidence");
    screenshot(c, &name).await;
    tap(c, "button[name='next']").await;
    wait_for_page(c, &t.base, &format!("/evaluations/{id}/groups/2")).await;
}

/// Group 2: picks, a reload before saving, the picks and the live total restored, then saved.
async fn group_two(t: &Trip, id: i64) {
    let c = &t.c;
    let saved = sum(&GROUP_1);
    assert_fits(c, "question group 2").await;
    assert_eq!(total_shown(c).await, saved.to_string(), "saved total");
    pick(c, &GROUP_2_FIRST).await;
    let live = saved + sum(&GROUP_2_FIRST);
    assert_eq!(total_shown(c).await, live.to_string(), "live total");
    let kept = draft(c, id, 2).await;
    assert!(kept.is_string(), "no draft kept for group 2: {kept}");
    c.refresh().await.expect("reload the page");
    wait_until(c, "the page reloaded", "document.getElementById('total')").await;
    assert_picked(c, &GROUP_2_FIRST, "after the reload").await;
    assert_eq!(
        total_shown(c).await,
        live.to_string(),
        "live total after the reload"
    );
    let restored = text_of(c, "#draft-notice").await;
    assert!(
        restored.contains("Đã khôi phục"),
        "draft notice: {restored:?}"
    );
    assert_fits(c, "question group 2 after the reload").await;
    c.execute("window.scrollTo(0, 0);", vec![])
        .await
        .expect("scroll to the top");
    let name = format!("browser-citizen-{}.png", backend_name(t.backend));
    let shot = screenshot(c, &name).await;
    println!("screenshot of the group page: {}", shot.display());
    pick(c, &GROUP_2_THEN).await;
    let live = live + sum(&GROUP_2_THEN);
    assert_eq!(total_shown(c).await, live.to_string(), "live total");
    refused_save_keeps_answers(t, id).await;
    tap(c, "button[name='next']").await;
    wait_for_page(c, &t.base, &format!("/evaluations/{id}/groups/3")).await;
}

/// A save the server refuses (here a value that is not a number, as a tampered or broken page
/// would send) shows the server's reason, and the other answers stay picked; the refused one is
/// then picked again.
async fn refused_save_keeps_answers(t: &Trip, id: i64) {
    let c = &t.c;
    let (code, value) = GROUP_2_THEN[0];
    c.execute(
        "var el = document.querySelector(\"input[name='a_\" + arguments[0] + \"']:checked\"); el.value = 'chín'; el.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![serde_json::json!(code)],
    )
    .await
    .expect("spoil one answer");
    tap(c, "button[name='next']").await;
    let alert = wait_for_text(c, "p.alert", "không phải là số").await;
    assert!(
        alert.contains("chín"),
        "the refusal names the value: {alert:?}"
    );
    wait_for_page(c, &t.base, &format!("/evaluations/{id}/groups/2")).await;
    let kept = draft(c, id, 2).await;
    assert!(kept.is_string(), "a refused save dropped the draft: {kept}");
    assert_picked(c, &GROUP_2_FIRST, "after a refused save").await;
    assert_picked(c, &GROUP_2_THEN[1..], "after a refused save").await;
    assert_eq!(
        picked(c, code).await,
        None,
        "the spoilt answer is not picked"
    );
    assert_fits(c, "question group 2 with a refusal").await;
    pick(c, &[(code, value)]).await;
    let all = sum(&GROUP_1) + sum(&GROUP_2_FIRST) + sum(&GROUP_2_THEN);
    assert_eq!(total_shown(c).await, all.to_string(), "live total");
}

/// The draft of a group kept in this browser, if any.
async fn draft(c: &Client, id: i64, group: u32) -> serde_json::Value {
    c.execute(
        "return localStorage.getItem(arguments[0]);",
        vec![serde_json::json!(format!("khuyenhoc:eval-{id}-{group}"))],
    )
    .await
    .expect("read localStorage")
}

/// Group 3: the session ends while the citizen answers; the answers wait in the browser through
/// a new sign-in, then go straight to the summary.
async fn group_three(t: &Trip, id: i64) {
    let c = &t.c;
    assert_fits(c, "question group 3").await;
    pick(c, &GROUP_3).await;
    // Signed out meanwhile (expiry, a sign-out on another device): saving leads to the login.
    c.delete_cookie("kh_session")
        .await
        .expect("end the session");
    tap(c, "button[name='done']").await;
    wait_for_page(c, &t.base, "/login").await;
    let kept = draft(c, id, 3).await;
    assert!(kept.is_string(), "the unsaved answers were dropped: {kept}");
    log_in_as(c, &t.base, CITIZEN, "Đỗ Thị Lan").await;
    c.goto(&format!("{}/evaluations/{id}/groups/3", t.base))
        .await
        .expect("open group 3 again");
    wait_for_page(c, &t.base, &format!("/evaluations/{id}/groups/3")).await;
    wait_until(
        c,
        "the draft restored",
        "document.getElementById('draft-notice')",
    )
    .await;
    assert_picked(c, &GROUP_3, "after signing in again").await;
    tap(c, "button[name='done']").await;
    wait_for_page(c, &t.base, &format!("/evaluations/{id}")).await;
    assert_fits(c, "the summary page").await;
    let all = sum(&GROUP_1) + sum(&GROUP_2_FIRST) + sum(&GROUP_2_THEN) + sum(&GROUP_3);
    assert_eq!(text_of(c, "#score").await, format!("{all} / 100"));
    let cards = text_of(c, ".cards").await;
    // Enough points, but nobody has decided yet: "Đạt" (passed) only after the decision.
    assert!(
        cards.contains("Đủ điểm, chờ xét") && !cards.contains("Đạt"),
        "{cards}"
    );
    assert_eq!(text_of(c, "#status").await, "Đã đăng ký, đang tự đánh giá");
    shot(t, "summary").await;
}

/// The citizen submits from the summary page.
async fn submit(c: &Client, id: i64) {
    tap_at(
        c,
        Locator::XPath(&format!(
            "//form[@action='/evaluations/{id}/submit']//button[@type='submit']"
        )),
    )
    .await;
    wait_for_text(c, "#status", "Đã nộp, chờ chi hội kiểm tra").await;
    assert_fits(c, "the submitted summary").await;
}

/// The branch officer confirms the check.
async fn branch_check(t: &Trip, id: i64) {
    let c = &t.c;
    log_in_as(c, &t.base, BRANCH_OFFICER, "Phạm Thị Hoa").await;
    c.goto(&format!("{}/evaluations/{id}", t.base))
        .await
        .expect("open the evaluation");
    wait_for_text(c, "#status", "Đã nộp, chờ chi hội kiểm tra").await;
    assert_fits(c, "the evaluation, for the branch officer").await;
    type_into(c, "#note", "Đã xem ảnh minh chứng").await;
    submit_form_of(c, "#note").await;
    wait_for_text(c, "#status", "Chi hội đã kiểm tra, chờ hội cơ sở xét").await;
}

/// The commune chair recognises; returns the certificate code.
async fn recognise(t: &Trip, id: i64) -> String {
    let c = &t.c;
    log_in_as(c, &t.base, BADINH, "Lê Văn Đình").await;
    c.goto(&format!("{}/evaluations/{id}", t.base))
        .await
        .expect("open the evaluation");
    wait_for_text(c, "#status", "Chi hội đã kiểm tra").await;
    tap(c, &format!("a[href='/evaluations/{id}/review']")).await;
    wait_for_page(c, &t.base, &format!("/evaluations/{id}/review")).await;
    assert_fits(c, "the review page").await;
    let photo = text_of(c, "ul.evidence a[href^='/evidence/']").await;
    assert!(
        photo.contains(PHOTO_NAME),
        "the reviewer sees the photo: {photo:?}"
    );
    shot(t, "review").await;
    type_into(c, "#decision_no", DECISION_NO).await;
    let date = (chrono::Utc::now().date_naive() - chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    c.execute(
        "var d = document.getElementById('decision_date'); d.value = arguments[0]; d.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![serde_json::json!(date)],
    )
    .await
    .expect("set the decision date");
    submit_form_of(c, "#decision_no").await;
    wait_for_page(c, &t.base, &format!("/evaluations/{id}")).await;
    wait_for_text(c, "#status", "Đã được công nhận").await;
    assert_fits(c, "the recognised evaluation").await;
    let main = text_of(c, "main").await;
    assert!(main.contains("Giấy chứng nhận"), "no certificate section");
    assert!(main.contains("Còn hiệu lực"), "certificate not valid");
    assert!(main.contains(DECISION_NO), "no decision number");
    assert_eq!(
        text_of(c, "#verdict").await,
        "Đạt",
        "passed after the decision"
    );
    let href = c
        .find(Locator::Css("main a[href^='/verify/']"))
        .await
        .expect("a link to the verify page")
        .attr("href")
        .await
        .expect("the link's href")
        .expect("an href");
    let code = href.trim_start_matches("/verify/").to_owned();
    assert_eq!(code.len(), 16, "certificate code {code:?}");
    code
}

/// The public verify page, opened without signing in.
async fn verify(t: &Trip, code: &str, expected: &str) -> String {
    let c = &t.c;
    c.delete_all_cookies().await.expect("clear the cookies");
    c.goto(&format!("{}/verify/{code}", t.base))
        .await
        .expect("open the verify page");
    wait_for_page(c, &t.base, &format!("/verify/{code}")).await;
    let status = wait_for_text(c, "#verify-status", expected).await;
    assert_fits(c, "the verify page").await;
    // Nothing clipped at 360 px: the decision (with its date) and the code lie inside the screen.
    for id in ["decision", "cert-code", "valid-until"] {
        let inside = c
            .execute(
                "var e = document.getElementById(arguments[0]); var r = e.getBoundingClientRect(); \
                 return r.left >= 0 && r.right <= window.innerWidth && e.scrollWidth <= e.clientWidth;",
                vec![serde_json::json!(id)],
            )
            .await
            .expect("measure the verify page");
        assert_eq!(
            inside,
            serde_json::json!(true),
            "#{id} is clipped at 360 px"
        );
    }
    // The decision date as people write it.
    let decided = (chrono::Utc::now().date_naive() - chrono::Duration::days(1))
        .format("%d/%m/%Y")
        .to_string();
    let decision = text_of(c, "#decision").await;
    assert!(
        decision.contains(&decided),
        "decision date dd/mm/yyyy: {decision}"
    );
    let table = text_of(c, "dl.facts").await;
    assert!(table.contains(code), "the code is shown: {table}");
    assert!(
        table.contains(DECISION_NO),
        "the decision is shown: {table}"
    );
    status
}

/// The chair revokes the certificate with a reason.
async fn revoke(t: &Trip, id: i64, reason: &str) {
    let c = &t.c;
    log_in_as(c, &t.base, BADINH, "Lê Văn Đình").await;
    c.goto(&format!("{}/evaluations/{id}", t.base))
        .await
        .expect("open the evaluation");
    wait_for_text(c, "#status", "Đã được công nhận").await;
    tap_at(c, Locator::XPath("//details[.//*[@id='rreason']]/summary")).await;
    type_into(c, "#rreason", reason).await;
    assert_fits(c, "the revoke form").await;
    submit_form_of(c, "#rreason").await;
    wait_until(
        c,
        "the certificate revoked",
        "!document.getElementById('rreason') && document.querySelector('main').textContent.indexOf('Đã bị thu hồi') >= 0",
    )
    .await;
}

/// The URLs of the stylesheets and scripts an HTML page loads.
fn assets_of(html: &str) -> Vec<String> {
    let attr = |tag: &str, name: &str| {
        let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
        let len = tag[start..].find('"')?;
        Some(tag[start..start + len].to_owned())
    };
    let mut out = Vec::new();
    for (i, _) in html.match_indices('<') {
        let Some(end) = html[i..].find('>') else {
            continue;
        };
        let tag = &html[i..i + end];
        if tag.starts_with("<link ") && tag.contains("rel=\"stylesheet\"") {
            out.extend(attr(tag, "href"));
        } else if tag.starts_with("<script ") {
            out.extend(attr(tag, "src"));
        }
    }
    out
}

/// What one page costs to load, in bytes (uncompressed).
struct Weight {
    path: String,
    html: usize,
    css: usize,
    js: usize,
}

impl Weight {
    fn total(&self) -> usize {
        self.html + self.css + self.js
    }
}

/// Bytes of each citizen page with the CSS and JS it loads, fetched through the router.
async fn page_weights(app: &TestApp, mut citizen: common::Client, id: i64) -> Vec<Weight> {
    let mut stranger = common::Client::default();
    let pages = [
        ("/login".to_owned(), true),
        ("/".to_owned(), false),
        ("/learning".to_owned(), false),
        (format!("/evaluations/{id}/groups/1"), false),
        (format!("/evaluations/{id}"), false),
    ];
    let mut out = Vec::new();
    for (path, anonymous) in pages {
        let who = if anonymous {
            &mut stranger
        } else {
            &mut citizen
        };
        let page = app.get(who, &path).await;
        assert_eq!(page.status, 200, "GET {path}: {}", page.body);
        let mut w = Weight {
            html: page.body.len(),
            path,
            css: 0,
            js: 0,
        };
        for url in assets_of(&page.body) {
            let a = app.get(who, &url).await;
            assert_eq!(a.status, 200, "GET {url} (from {})", w.path);
            let kind = a
                .headers
                .get(axum::http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if kind.starts_with("text/css") {
                w.css += a.body.len();
            } else {
                w.js += a.body.len();
            }
        }
        out.push(w);
    }
    out
}

async fn weigh(app: &TestApp, citizen: common::Client, id: i64, b: Backend) {
    let weights = page_weights(app, citizen, id).await;
    println!(
        "page weight ({}), bytes, uncompressed:\n  {:<26} {:>6} {:>6} {:>6} {:>6}",
        backend_name(b),
        "page",
        "HTML",
        "CSS",
        "JS",
        "total"
    );
    for w in &weights {
        println!(
            "  {:<26} {:>6} {:>6} {:>6} {:>6}",
            w.path,
            w.html,
            w.css,
            w.js,
            w.total()
        );
    }
    for w in &weights {
        assert!(
            w.total() < MAX_PAGE_BYTES,
            "{} weighs {} bytes with its CSS and JS, more than {MAX_PAGE_BYTES}",
            w.path,
            w.total()
        );
    }
}

async fn trip(t: Trip) {
    let dir = tempfile::tempdir().expect("temp dir for the photo");
    let photo = make_photo(dir.path());
    let c = &t.c;
    c.goto(&format!("{}/", t.base)).await.expect("open the app");
    wait_for_page(c, &t.base, "/login").await;
    log_in_as(c, &t.base, CITIZEN, "Đỗ Thị Lan").await;
    let id = register(&t).await;
    group_one(&t, id, &photo).await;
    group_two(&t, id).await;
    group_three(&t, id).await;
    weigh(&t.app, t.weigher.clone(), id, t.backend).await;
    submit(c, id).await;
    branch_check(&t, id).await;
    let code = recognise(&t, id).await;
    verify(&t, &code, "Còn hiệu lực").await;
    let reason = "Cấp nhầm người, đã kiểm tra lại";
    revoke(&t, id, reason).await;
    let status = verify(&t, &code, "Đã bị thu hồi").await;
    shot(&t, "verify-revoked").await;
    // The public page says when, never why: the reason stays with the officers.
    // The day in Vietnam, whatever the hour of the run.
    let today = khuyenhoc::i18n::vn_date(chrono::Utc::now())
        .format("%d/%m/%Y")
        .to_string();
    assert!(status.contains(&today), "the day is shown: {status}");
    assert!(
        !status.contains(reason),
        "the reason is not shown: {status}"
    );
}

both_backends!(citizen_on_a_phone, |b: Backend| async move {
    let started = Instant::now();
    let deadline = started + WHOLE_TEST;
    let app = Arc::new(TestApp::new(b).await);
    let addr = app.serve().await;
    let base = format!("http://{addr}");
    let shared = app.clone();
    // Signed in here: the harness's login cannot run inside the browser's task (not `Send`).
    let weigher = app.login(CITIZEN).await;
    drive(deadline, move |c| {
        trip(Trip {
            c,
            base,
            app: shared,
            weigher,
            backend: b,
        })
    })
    .await;
    println!(
        "browser_citizen ({}): passed in {:.1} s",
        backend_name(b),
        started.elapsed().as_secs_f64()
    );
});
