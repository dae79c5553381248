//! A scholarship round in a real phone browser (headless Chromium at 360 px, see
//! `common/browser.rs`), from the first donation to the published list of recipients:
//!
//! 1. the treasurer of Phường Ba Đình signs in, opens the commune's funds, opens a fund (code
//!    QKH), records a cash donation of 5.000.000 đồng from a named donor (the receipt form is
//!    open on arrival), sees the balance and receipt PT-YYYY-000001 in the fund book, and opens
//!    the round "Học không bao giờ cùng" at 1.000.000 đồng each (adults' full names not shown);
//! 2. the officer of branch 00004-1, in a browser with no cookies left, opens the round and
//!    nominates a child of twelve and an adult born in 1990, with reasons;
//! 3. the treasurer selects both with reasons, pays and publishes: the balance is 3.000.000;
//! 4. anyone, not signed in, opens the published list: both recipients appear as initials with
//!    the commune, and neither full name is anywhere on the page.
//!
//! Every page must fit 360 px without sideways scrolling. The fund page is kept as
//! `target/browser-funds-BACKEND.png` for a human to look at.

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

/// The whole test, browser start to browser close.
const WHOLE_TEST: Duration = Duration::from_secs(180);
const FUND_CODE: &str = "QKH";
const FUND_NAME: &str = "Quỹ Khuyến học Phường Ba Đình";
const DONOR: &str = "Công ty TNHH Sách Hồng Hà";
const ROUND: &str = "Học không bao giờ cùng";
/// The child nominated (a minor: twelve this year).
const CHILD: &str = "Nguyễn Văn An";
const CHILD_INITIALS: &str = "N.V.A.";
/// The adult nominated (born in 1990).
const ADULT: &str = "Trần Thị Bích";
const ADULT_INITIALS: &str = "T.T.B.";
const COMMUNE: &str = "Phường Ba Đình";
const BRANCH: &str = "00004-1";

struct Trip {
    c: Client,
    base: String,
    backend: Backend,
}

/// The page fits a 360 px screen (see [`assert_fits`]), and so does every table on it: a table
/// wider than the screen scrolls inside its wrapper, hiding its last columns.
async fn fits(c: &Client, page: &str) {
    assert_fits(c, page).await;
    let wide = c
        .execute(
            "return Array.from(document.querySelectorAll('.table-wrap'))
               .filter(function (w) { return w.scrollWidth > w.clientWidth; })
               .map(function (w) { var t = w.querySelector('table'); return (t && t.id || 'a table') + ': ' + w.scrollWidth + ' px in ' + w.clientWidth + ' px'; });",
            vec![],
        )
        .await
        .expect("measure the tables");
    assert_eq!(
        wide,
        serde_json::json!([]),
        "{page}: tables wider than the screen"
    );
}

/// The current path of the browser, with its query.
async fn current_path(c: &Client) -> String {
    let url = c.current_url().await.expect("the current URL");
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    }
}

/// The text of the alerts on the page, if any (to explain a refused form).
async fn alerts(c: &Client) -> String {
    c.execute(
        "return Array.from(document.querySelectorAll('.alert')).map(function (e) { return e.textContent.trim(); }).join(' | ');",
        vec![],
    )
    .await
    .map(|v| v.as_str().unwrap_or_default().to_owned())
    .unwrap_or_default()
}

/// Taps the submit button at `button`, waits (bounded) for the next page to load, and checks
/// that the browser landed on a page `wanted` accepts (the app redirects after a post that
/// worked, and answers the form's own address when it refuses). Returns the landing path.
async fn submit(
    c: &Client,
    what: &str,
    button: Locator<'_>,
    wanted: impl Fn(&str) -> bool,
) -> String {
    c.execute("window.__khStale = true;", vec![])
        .await
        .expect("mark the page before submitting");
    tap_at(c, button).await;
    wait_until(
        c,
        &format!("the page after {what}"),
        "typeof window.__khStale === 'undefined'",
    )
    .await;
    let path = current_path(c).await;
    if !wanted(&path) {
        panic!(
            "{what} did not go through: the browser is at {path}; alerts: {:?}",
            alerts(c).await
        );
    }
    path
}

/// The submit button of the form holding the field with this id.
fn button_of(field_id: &str) -> String {
    format!("//form[.//*[@id='{field_id}']]//button[@type='submit']")
}

/// The id at the end of a path such as `/funds/12`.
fn id_after(path: &str, prefix: &str) -> i64 {
    path.strip_prefix(prefix)
        .and_then(|rest| rest.parse().ok())
        .unwrap_or_else(|| panic!("no id after {prefix} in {path}"))
}

fn is_id_page(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
}

/// Chooses an option of a select by its value.
async fn choose(c: &Client, css: &str, value: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no select {css}: {e}"))
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("cannot choose {value} in {css}: {e}"));
}

/// The treasurer opens the fund QKH from the commune's funds page; returns the fund id.
async fn open_fund(t: &Trip) -> i64 {
    let c = &t.c;
    log_in_as(c, &t.base, TREASURER, "Vũ Minh Tuấn").await;
    fits(c, "the treasurer's home page").await;
    open(&t.c, &t.base, "/units/00004/funds").await;
    assert_eq!(text_of(c, "h1").await, "Quỹ khuyến học");
    fits(c, "the commune's funds").await;
    unfold(c, "fcode").await;
    type_into(c, "#fcode", FUND_CODE).await;
    type_into(c, "#fname", FUND_NAME).await;
    choose(c, "#fkind", "general").await;
    fits(c, "the commune's funds with the new-fund form open").await;
    let path = submit(
        c,
        "opening the fund",
        Locator::XPath(&button_of("fcode")),
        |p| is_id_page(p, "/funds/"),
    )
    .await;
    let id = id_after(&path, "/funds/");
    assert_eq!(text_of(c, "h1").await, FUND_NAME);
    assert_eq!(text_of(c, "#balance").await, "0", "a new fund is empty");
    // The funds page lists it.
    open(&t.c, &t.base, "/units/00004/funds").await;
    let listed = text_of(c, "main table").await;
    assert!(listed.contains(FUND_NAME), "funds listed: {listed:?}");
    tap(c, &format!("a[href='/funds/{id}']")).await;
    wait_for_page(c, &t.base, &format!("/funds/{id}")).await;
    id
}

/// The treasurer records a cash donation of 5.000.000 from a named donor.
async fn donate(t: &Trip, fund: i64) {
    let c = &t.c;
    fits(c, "the fund page").await;
    let open = c
        .execute(
            "var d = document.getElementById('in-amount').closest('details'); return !!d && d.open && document.getElementById('in-amount').offsetParent !== null;",
            vec![],
        )
        .await
        .expect("look at the receipt form");
    assert_eq!(open, true, "the receipt form is open on arrival");
    choose(c, "#in-cat", "donation").await;
    type_into(c, "#in-amount", "5.000.000").await;
    choose(c, "#in-asset", "cash").await;
    type_into(c, "#in-party", DONOR).await;
    choose(c, "select[name='party_kind']", "organisation").await;
    type_into(c, "#in-desc", "Ủng hộ quỹ khuyến học đầu năm học").await;
    submit(
        c,
        "recording the donation",
        Locator::XPath(&button_of("in-amount")),
        |p| p == format!("/funds/{fund}"),
    )
    .await;
    assert_eq!(
        text_of(c, "#balance").await,
        "5.000.000",
        "balance after the gift"
    );
    let book = text_of(c, "#entries tbody").await;
    let voucher = format!("PT-{}-000001", this_year());
    assert!(
        book.contains(&voucher),
        "no {voucher} in the fund book: {book:?}"
    );
    assert!(
        book.contains("+5.000.000"),
        "the gift in the fund book: {book:?}"
    );
    let link = c
        .find(Locator::XPath(&format!(
            "//table[@id='entries']//a[normalize-space()='{voucher}']"
        )))
        .await
        .unwrap_or_else(|e| panic!("{voucher} is not a link to its voucher: {e}"))
        .attr("href")
        .await
        .expect("the voucher link's href")
        .unwrap_or_default();
    assert!(
        link.starts_with("/entries/") && link.ends_with("/voucher"),
        "voucher link {link:?}"
    );
    fits(c, "the fund page with its first receipt").await;
}

/// The treasurer opens the scholarship round; returns its id.
async fn open_round(t: &Trip) -> i64 {
    let c = &t.c;
    unfold(c, "p-name").await;
    choose(c, "#p-kind", "scholarship").await;
    type_into(c, "#p-name", ROUND).await;
    type_into(
        c,
        "#p-target",
        "Học sinh nghèo vượt khó và người lớn học tập suốt đời",
    )
    .await;
    type_into(
        c,
        "#p-criteria",
        "Hoàn cảnh khó khăn, học tập tốt, được chi hội đề cử",
    )
    .await;
    type_into(c, "#p-each", "1.000.000").await;
    let ticked = c
        .execute(
            "return document.querySelector(\"input[name='show_full_names']\").checked;",
            vec![],
        )
        .await
        .expect("look at the full-names box");
    assert_eq!(ticked, false, "full names are not shown unless ticked");
    fits(c, "the fund page with the round form open").await;
    let path = submit(
        c,
        "opening the round",
        Locator::XPath(&button_of("p-name")),
        |p| is_id_page(p, "/programmes/"),
    )
    .await;
    assert_eq!(text_of(c, "h1").await, ROUND);
    let about = text_of(c, "p.muted").await;
    assert!(about.contains("1.000.000"), "amount each: {about:?}");
    assert_eq!(text_of(c, "#status").await, "Đang nhận đề cử");
    fits(c, "the new round").await;
    id_after(&path, "/programmes/")
}

/// The branch officer nominates one person.
async fn nominate(t: &Trip, round: i64, name: &str, birth_year: i32, school: &str, reason: &str) {
    let c = &t.c;
    unfold(c, "nn").await;
    type_into(c, "#nu", BRANCH).await;
    type_into(c, "#nn", name).await;
    type_into(c, "#nb", &birth_year.to_string()).await;
    type_into(c, "#ns", school).await;
    type_into(c, "#nr", reason).await;
    fits(c, "the round with the nomination form open").await;
    submit(
        c,
        &format!("nominating {name}"),
        Locator::XPath(&button_of("nn")),
        |p| p == format!("/programmes/{round}"),
    )
    .await;
    let list = text_of(c, "main ul.list").await;
    assert!(list.contains(name), "{name} is not listed: {list:?}");
    assert!(list.contains(reason), "the reason is not listed: {list:?}");
    assert!(
        list.contains("Đã đề cử"),
        "the nomination's status: {list:?}"
    );
}

/// The branch officer, in a browser with no cookies left, nominates a child and an adult.
async fn nominations(t: &Trip, round: i64) {
    let c = &t.c;
    log_in_as(c, &t.base, BRANCH_OFFICER, "Phạm Thị Hoa").await;
    open(&t.c, &t.base, &format!("/programmes/{round}")).await;
    assert_eq!(text_of(c, "h1").await, ROUND);
    fits(c, "the round, for the branch officer").await;
    assert!(
        c.find(Locator::Css("form[action$='/pay']")).await.is_err(),
        "the branch officer cannot pay"
    );
    nominate(
        t,
        round,
        CHILD,
        this_year() - 12,
        "Lớp 6A, Trường THCS Ba Đình",
        "Mồ côi cha, học sinh giỏi ba năm liền",
    )
    .await;
    nominate(
        t,
        round,
        ADULT,
        1990,
        "",
        "Vừa làm vừa học đại học từ xa, giúp các em trong tổ học bài",
    )
    .await;
    let heading = text_of(c, "main h2").await;
    assert!(heading.contains("(2)"), "two nominations: {heading:?}");
    fits(c, "the round with two nominations").await;
}

/// The treasurer selects both nominees, pays and publishes; the fund's balance drops by two
/// scholarships.
async fn select_pay_publish(t: &Trip, fund: i64, round: i64) {
    let c = &t.c;
    log_in_as(c, &t.base, TREASURER, "Vũ Minh Tuấn").await;
    open(&t.c, &t.base, &format!("/programmes/{round}")).await;
    let mut ids = Vec::new();
    for form in c
        .find_all(Locator::Css("form[action^='/nominations/']"))
        .await
        .expect("the decision forms")
    {
        let action = form
            .attr("action")
            .await
            .expect("the form's action")
            .unwrap_or_default();
        let id = action
            .strip_prefix("/nominations/")
            .and_then(|rest| rest.strip_suffix("/decision"))
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or_else(|| panic!("a decision form posts to {action:?}"));
        ids.push(id);
    }
    assert_eq!(ids.len(), 2, "one decision form per nomination: {ids:?}");
    fits(c, "the round, for the treasurer").await;
    for (n, id) in ids.iter().enumerate() {
        type_into(c, &format!("#dr-{id}"), "Đúng đối tượng, hồ sơ đầy đủ").await;
        submit(
            c,
            &format!("selecting nomination {id}"),
            Locator::XPath(&format!(
                "//form[@action='/nominations/{id}/decision']//button[@value='select']"
            )),
            |p| p == format!("/programmes/{round}"),
        )
        .await;
        let list = text_of(c, "main ul.list").await;
        let selected = list.matches("Được chọn").count();
        assert_eq!(selected, n + 1, "selected so far: {list:?}");
    }
    fits(c, "the round with both selected").await;
    submit(
        c,
        "paying",
        Locator::Css(&format!(
            "form[action='/programmes/{round}/pay'] button[type=submit]"
        )),
        |p| p == format!("/programmes/{round}"),
    )
    .await;
    let list = text_of(c, "main ul.list").await;
    assert_eq!(list.matches("Đã chi trả").count(), 2, "both paid: {list:?}");
    fits(c, "the paid round").await;
    submit(
        c,
        "publishing",
        Locator::Css(&format!(
            "form[action='/programmes/{round}/publish'] button[type=submit]"
        )),
        |p| p == format!("/programmes/{round}"),
    )
    .await;
    assert_eq!(text_of(c, "#status").await, "Đã công bố danh sách");
    c.find(Locator::Css(&format!(
        "a[href='/transparency/programmes/{round}']"
    )))
    .await
    .expect("a link to the public list");
    fits(c, "the published round").await;
    c.execute("window.scrollTo(0, 0);", vec![])
        .await
        .expect("scroll to the top");
    let name = format!("browser-funds-{}-round.png", backend_name(t.backend));
    screenshot(c, &name).await;
    fund_after_paying(t, fund).await;
}

/// From the published round to its fund: two scholarships paid out of the gift; the fund page
/// is kept as a screenshot.
async fn fund_after_paying(t: &Trip, fund: i64) {
    let c = &t.c;
    tap(c, &format!("p.crumbs a[href='/funds/{fund}']")).await;
    wait_for_page(c, &t.base, &format!("/funds/{fund}")).await;
    assert_eq!(
        text_of(c, "#balance").await,
        "3.000.000",
        "balance after paying"
    );
    let book = text_of(c, "#entries tbody").await;
    let y = this_year();
    for voucher in [format!("PC-{y}-000001"), format!("PC-{y}-000002")] {
        assert!(
            book.contains(&voucher),
            "no {voucher} in the fund book: {book:?}"
        );
    }
    assert_eq!(
        book.matches("−1.000.000").count(),
        2,
        "two payments: {book:?}"
    );
    fits(c, "the fund page after paying").await;
    c.execute("window.scrollTo(0, 0);", vec![])
        .await
        .expect("scroll to the top");
    let name = format!("browser-funds-{}.png", backend_name(t.backend));
    let shot = screenshot(c, &name).await;
    println!("screenshot of the fund page: {}", shot.display());
    c.execute(
        "document.getElementById('entries').scrollIntoView({block: 'start'});",
        vec![],
    )
    .await
    .expect("scroll to the fund book");
    let name = format!("browser-funds-{}-book.png", backend_name(t.backend));
    screenshot(c, &name).await;
}

/// Anyone, not signed in, reads the published list: initials and commune only.
async fn public_list(t: &Trip, round: i64) {
    let c = &t.c;
    c.delete_all_cookies().await.expect("clear the cookies");
    open(&t.c, &t.base, &format!("/transparency/programmes/{round}")).await;
    assert_eq!(text_of(c, "h1").await, ROUND);
    assert!(
        c.find(Locator::Css("nav.main")).await.is_err(),
        "nobody is signed in"
    );
    let mut rows = Vec::new();
    for tr in c
        .find_all(Locator::Css("#recipients tbody tr"))
        .await
        .expect("the recipients' rows")
    {
        let mut cells = Vec::new();
        for td in tr
            .find_all(Locator::Css("td"))
            .await
            .expect("the row's cells")
        {
            cells.push(td.text().await.expect("a cell's text"));
        }
        rows.push(cells);
    }
    let want = |name: &str| vec![name.to_owned(), COMMUNE.to_owned(), "1.000.000".to_owned()];
    assert_eq!(
        rows,
        vec![want(CHILD_INITIALS), want(ADULT_INITIALS)],
        "the public list"
    );
    let source = c.source().await.expect("the page's source");
    for name in [CHILD, ADULT, "Văn An", "Bích"] {
        assert!(!source.contains(name), "the public list shows {name:?}");
    }
    fits(c, "the public list").await;
    c.execute("window.scrollTo(0, 0);", vec![])
        .await
        .expect("scroll to the top");
    let name = format!("browser-funds-{}-public.png", backend_name(t.backend));
    screenshot(c, &name).await;
}

async fn walk_through(c: Client, addr: SocketAddr, backend: Backend) {
    let t = Trip {
        c,
        base: format!("http://{addr}"),
        backend,
    };
    let started = Instant::now();
    let fund = open_fund(&t).await;
    donate(&t, fund).await;
    let round = open_round(&t).await;
    println!(
        "{backend:?}: fund {fund}, round {round} opened after {:?}",
        started.elapsed()
    );
    nominations(&t, round).await;
    select_pay_publish(&t, fund, round).await;
    public_list(&t, round).await;
    println!(
        "{backend:?}: the round ran in the browser in {:?}",
        started.elapsed()
    );
}

both_backends!(
    scholarship_round_from_gift_to_public_list,
    |b: Backend| async move {
        let started = Instant::now();
        let deadline = started + WHOLE_TEST;
        let app = TestApp::new(b).await;
        let addr = app.serve().await;
        drive(deadline, move |c| walk_through(c, addr, b)).await;
        println!("{b:?}: the whole test took {:?}", started.elapsed());
    }
);
