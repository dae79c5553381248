//! Clan (dòng họ) and village community (cộng đồng) titles end to end in a real phone browser
//! (headless Chromium at 360 px, axe-core on every page, see `common/browser.rs`).
//!
//! Set up through the router first (the chain a clan and a community rest on): people of the
//! residential group 00004-1 recognised as learning citizens (at least 40 % of its adults), and a
//! family of two of them recognised as a learning family. Then the Ba Đình chair, in the browser:
//! adds the clan (its head heads that family), registers it, attaches a note as the evidence of
//! the clan's fund, enters the answers, submits, checks and recognises it under a decision, and
//! opens its certificate; the same for the residential group as a learning community. The
//! computed indicators read the real results: the clan's learning families (1 of 1: 40 points),
//! the community's families (1 of 1: 30) and its adults who are learning citizens (≥ 40 %: 20).

#[path = "common/browser.rs"]
mod browser;
mod common;
use axum::http::StatusCode;
use browser::*;
use common::*;
use fantoccini::{Client, Locator};
use khuyenhoc::db::Backend;
use serde_json::json;
use std::time::Duration;
use tokio::time::Instant;

/// The whole test, browser start to browser close.
const WHOLE_TEST: Duration = Duration::from_secs(240);
const HEAD: &str = "0913000001";
const SPOUSE: &str = "0913000002";
const CLAN: &str = "Dòng họ Nguyễn Văn";
const DECISION_NO: &str = "31/QĐ-KH";

/// Posts a multipart evidence upload (a PDF) for an indicator, as the page's form does.
async fn attach_pdf(app: &TestApp, client: &mut common::Client, id: i64, indicator: &str) {
    let boundary = "XkhuyenhocX";
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    if client.csrf().is_empty() {
        app.get(client, "/login").await;
    }
    let token = client.csrf();
    let mut body = Vec::new();
    for (name, value) in [
        ("_csrf", token.as_str()),
        ("indicator", indicator),
        ("note", ""),
        ("back", ""),
    ] {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"giay-khen.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes());
    body.extend(pdf);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = axum::http::Request::post(format!("/evaluations/{id}/evidence"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(axum::body::Body::from(body))
        .expect("request");
    let r = app.send(client, req).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "evidence: {}", r.body);
}

/// Adults of branch 00004-1 (no birth year counts as an adult, as the engine counts them).
async fn adults(app: &TestApp) -> i64 {
    let y = i64::from(this_year()) - 18;
    sqlx::query_scalar("SELECT COUNT(*) FROM people p JOIN units u ON u.id = p.unit_id WHERE u.code = '00004-1' AND (p.birth_year IS NULL OR p.birth_year <= $1)")
        .bind(y)
        .fetch_one(&app.db.pool)
        .await
        .expect("adults")
}

/// The chain under a clan and a community: learning citizens (the head and the spouse, then
/// more until 40 % of the branch's adults are), and their family recognised.
async fn set_up(app: &TestApp) {
    let mut api = app.api_client(BADINH).await;
    let mut web = app.login(BADINH).await;
    let year = this_year();
    let mut citizens = 0;
    for (n, (name, phone)) in [("Nguyễn Văn Trưởng", HEAD), ("Lê Thị Hiền", SPOUSE)]
        .into_iter()
        .enumerate()
    {
        let id = register_person(app, &mut api, "00004-1", name, phone).await;
        citizen_evaluation(app, &mut api, id, year, Stage::Recognised).await;
        citizens += 1;
        assert_eq!(citizens, n + 1);
    }
    let mut n = 3;
    while (citizens as i64) * 10 < adults(app).await * 4 {
        let phone = format!("09130000{n:02}");
        let id = register_person(
            app,
            &mut api,
            "00004-1",
            &format!("Nguyễn Văn Con {n}"),
            &phone,
        )
        .await;
        citizen_evaluation(app, &mut api, id, year, Stage::Recognised).await;
        citizens += 1;
        n += 1;
    }
    family(app, &mut api, &mut web).await;
}

/// The family of the head and the spouse (added at once by the officer), recognised.
async fn family(app: &TestApp, api: &mut common::Client, web: &mut common::Client) {
    let year = this_year();
    let r = app
        .post_form(
            web,
            "/units/00004-1/groups",
            &[
                ("kind", "family"),
                ("name", "Gia đình ông Nguyễn Văn Trưởng"),
                ("head", HEAD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let family = r.location().expect("the family").to_owned();
    let r = app
        .post_form(
            web,
            &format!("{family}/members"),
            &[("phone", SPOUSE), ("adult", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app
        .post_form(
            web,
            &format!("{family}/evaluations"),
            &[("year", &year.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: i64 = r
        .location()
        .expect("the evaluation")
        .trim_start_matches("/evaluations/")
        .split('/')
        .next()
        .and_then(|s| s.parse().ok())
        .expect("an evaluation id");
    let answers = json!({"answers": {
        "children_in_school#total": 1, "children_in_school#part": 1, "children_progress": 10,
        "study_corner": 1, "books": 5, "devices": 5, "learning_budget": 1,
        "better_living": 10, "cultural_family": 1
    }});
    ok(
        app,
        api,
        "PUT",
        &format!("/api/v1/evaluations/{id}/answers"),
        answers,
    )
    .await;
    attach_pdf(app, web, id, "cultural_family").await;
    ok(
        app,
        api,
        "POST",
        &format!("/api/v1/evaluations/{id}/submit"),
        json!({}),
    )
    .await;
    ok(
        app,
        api,
        "POST",
        &format!("/api/v1/evaluations/{id}/check"),
        json!({}),
    )
    .await;
    let d = ok(
        app,
        api,
        "POST",
        &format!("/api/v1/evaluations/{id}/review"),
        json!({"decision": "recognise", "decision_no": "30/QĐ-KH", "decision_date": khuyenhoc::db::today()}),
    )
    .await;
    assert_eq!(d["evaluation"]["status"], "recognised", "the family: {d}");
}

/// The evaluation id in a path `/evaluations/{id}…`.
fn id_in(path: &str) -> i64 {
    path.trim_start_matches("/evaluations/")
        .split('/')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no evaluation id in {path}"))
}

/// The points a computed indicator shows on the one-screen form.
async fn computed(c: &Client, code: &str) -> String {
    text_of(c, &format!("tr[data-code='{code}'] td:nth-child(3)")).await
}

/// Enters the answers on the one-screen form (`typed`: field name → value) and saves.
async fn enter(c: &Client, base: &str, id: i64, typed: &[(&str, &str)]) {
    open(c, base, &format!("/evaluations/{id}/all")).await;
    assert_fits(c, "the one-screen form").await;
    for (name, value) in typed {
        let css = format!("input[name='{name}']");
        let field = c
            .find(Locator::Css(&css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        field.clear().await.expect("clear");
        field.send_keys(value).await.expect("type");
    }
    tap(
        c,
        &format!("form[action='/evaluations/{id}/all'] button[type='submit']"),
    )
    .await;
    wait_for_page(c, base, &format!("/evaluations/{id}")).await;
}

/// Submits, checks and recognises the evaluation under a decision; the certificate shows.
async fn submit_check_recognise(c: &Client, base: &str, id: i64) {
    tap_at(
        c,
        Locator::XPath(&format!(
            "//form[@action='/evaluations/{id}/submit']//button[@type='submit']"
        )),
    )
    .await;
    wait_for_text(c, "#status", "Đã nộp").await;
    assert_fits(c, "the submitted evaluation").await;
    type_into(c, "#note", "Đã xem sổ sách của dòng họ, thôn").await;
    submit_form_of(c, "#note").await;
    wait_for_text(c, "#status", "Chi hội đã kiểm tra").await;
    tap(c, &format!("a[href='/evaluations/{id}/review']")).await;
    wait_for_page(c, base, &format!("/evaluations/{id}/review")).await;
    assert_fits(c, "the review page").await;
    type_into(c, "#decision_no", DECISION_NO).await;
    c.execute(
        "var d = document.getElementById('decision_date'); d.value = arguments[0]; d.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![json!(khuyenhoc::db::today())],
    )
    .await
    .expect("set the decision date");
    submit_form_of(c, "#decision_no").await;
    wait_for_page(c, base, &format!("/evaluations/{id}")).await;
    wait_for_text(c, "#status", "Đã được công nhận").await;
    assert_fits(c, "the recognised evaluation").await;
    assert_eq!(text_of(c, "#verdict").await, "Đạt");
    let main = text_of(c, "main").await;
    assert!(
        main.contains("Giấy chứng nhận") && main.contains(DECISION_NO),
        "{main}"
    );
    let href = c
        .find(Locator::Css("main a[href^='/verify/']"))
        .await
        .expect("a link to the verify page")
        .attr("href")
        .await
        .expect("href")
        .expect("an href");
    open(c, base, &href).await;
    wait_for_text(c, "main", "Còn hiệu lực").await;
    assert_fits(c, "the verify page").await;
}

async fn clan(c: &Client, base: &str) {
    open(c, base, "/units/00004-1/groups").await;
    assert_fits(c, "the groups of the branch").await;
    c.find(Locator::Css("#kind"))
        .await
        .expect("the kind")
        .select_by_value("clan")
        .await
        .expect("pick clan");
    type_into(c, "#gname", CLAN).await;
    type_into(c, "#head", HEAD).await;
    submit_form_of(c, "#head").await;
    let group = wait_for_path(c, "the clan's page", |p| p.starts_with("/groups/")).await;
    assert_eq!(text_of(c, "h1").await, CLAN);
    assert_fits(c, "the clan's page").await;
    tap(
        c,
        &format!("form[action='{group}/evaluations'] button[type='submit']"),
    )
    .await;
    let path = wait_for_path(c, "the clan's evaluation", |p| {
        p.starts_with("/evaluations/")
    })
    .await;
    let id = id_in(&path);
    // The fund's evidence: a note, on the part that asks about the fund.
    open(c, base, &format!("/evaluations/{id}/groups/2")).await;
    assert_fits(c, "the clan's study promotion").await;
    c.find(Locator::Css("#ev-indicator"))
        .await
        .expect("the indicator")
        .select_by_value("fund")
        .await
        .expect("pick the fund");
    type_into(
        c,
        "#ev-note",
        "Sổ quỹ khuyến học dòng họ, thu 12 triệu đồng",
    )
    .await;
    submit_form_of(c, "#ev-note").await;
    wait_for_text(c, "ul.evidence", "Sổ quỹ khuyến học").await;
    enter(
        c,
        base,
        id,
        &[
            ("a_board", "1"),
            ("a_fund", "1"),
            ("a_awards", "5"),
            ("a_children_in_school#total", "12"),
            ("a_children_in_school#part", "12"),
            ("a_tradition", "15"),
        ],
    )
    .await;
    open(c, base, &format!("/evaluations/{id}/all")).await;
    assert_eq!(
        computed(c, "learning_families").await,
        "40",
        "the clan's one family is a learning family"
    );
    open(c, base, &format!("/evaluations/{id}")).await;
    submit_check_recognise(c, base, id).await;
}

async fn community(c: &Client, base: &str) {
    open(c, base, "/units/00004-1/groups").await;
    tap(
        c,
        "form[action='/units/00004-1/evaluations/unit'] button[type='submit']",
    )
    .await;
    let path = wait_for_path(c, "the community's evaluation", |p| {
        p.starts_with("/evaluations/")
    })
    .await;
    let id = id_in(&path);
    assert!(text_of(c, "main").await.contains("Cộng đồng học tập"));
    enter(
        c,
        base,
        id,
        &[
            ("a_learning_place", "1"),
            ("a_sessions", "5"),
            ("a_fund", "1"),
            ("a_children_in_school#total", "40"),
            ("a_children_in_school#part", "40"),
            ("a_better_living", "10"),
        ],
    )
    .await;
    open(c, base, &format!("/evaluations/{id}/all")).await;
    assert_eq!(
        computed(c, "learning_families").await,
        "30",
        "every family of the group is a learning family"
    );
    assert_eq!(
        computed(c, "adult_learning_citizens").await,
        "20",
        "40 % of its adults are learning citizens"
    );
    open(c, base, &format!("/evaluations/{id}")).await;
    submit_check_recognise(c, base, id).await;
}

both_backends!(
    clan_and_community_recognised_end_to_end,
    |b: Backend| async move {
        let deadline = Instant::now() + WHOLE_TEST;
        let app = TestApp::new(b).await;
        set_up(&app).await;
        let addr = app.serve().await;
        drive(deadline, move |c| async move {
            let base = format!("http://{addr}");
            log_in_as(&c, &base, BADINH, "Lê Văn Đình").await;
            clan(&c, &base).await;
            community(&c, &base).await;
            screenshot(&c, &format!("titles-{}.png", backend_name(b))).await;
        })
        .await;
        let recognised: Vec<String> = sqlx::query_scalar(
        "SELECT model FROM evaluations WHERE model IN ('clan', 'community') AND status = 'recognised' ORDER BY model",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("recognised titles");
        assert_eq!(recognised, ["clan", "community"]);
    }
);
