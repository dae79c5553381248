//! A real browser, end to end: headless Chromium, driven through chromedriver (WebDriver), signs
//! in, searches without accents, opens a commune and checks that a 360 px phone screen needs no
//! sideways scrolling. Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian packages
//! `chromium` and `chromium-driver`): without them the test fails, it does not skip.
//!
//! Each test starts its own chromedriver on a free loopback port, in its own process group, with
//! a fresh browser profile; the group (chromedriver and the Chromium it started) is killed when
//! the test ends, whether it passed, failed or hung (see `common/browser.rs`). Everything is
//! bounded by one deadline.

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
const WHOLE_TEST: Duration = Duration::from_secs(90);
/// The communes called Hòa Bình on the 2025 map.
const HOA_BINH: [&str; 5] = ["04795", "11533", "27211", "29830", "31891"];

/// The stranger is sent to the login page, signs in and is greeted by name.
async fn log_in(c: &Client, base: &str) {
    c.goto(&format!("{base}/")).await.expect("open the app");
    wait_for_page(c, base, "/login").await;
    assert_fits(c, "the login page").await;
    type_into(c, "#login", CENTRAL).await;
    type_into(c, "#password", PASSWORD).await;
    submit_form_of(c, "#login").await;
    wait_for_page(c, base, "/").await;
    let h1 = text_of(c, "h1").await;
    assert!(h1.contains("Nguyễn Văn Quang"), "greeting: {h1:?}");
    assert_fits(c, "the home page").await;
}

/// "hoa binh" without accents finds the five communes called Hòa Bình.
async fn search(c: &Client, base: &str) {
    type_into(c, "#q", "hoa binh").await;
    submit_form_of(c, "#q").await;
    wait_for_page(c, base, "/units?q=hoa+binh").await;
    let links = c
        .find_all(Locator::Css("ul[aria-labelledby=results] li a"))
        .await
        .expect("result links");
    let mut found = Vec::new();
    let mut all = Vec::new();
    for a in links {
        let name = a.text().await.expect("link text");
        let href = a.attr("href").await.expect("link href").unwrap_or_default();
        if name == "Phường Hòa Bình" || name == "Xã Hòa Bình" {
            found.push(href.clone());
        }
        all.push(format!("{name} → {href}"));
    }
    found.sort();
    let expected: Vec<String> = HOA_BINH.iter().map(|c| format!("/units/{c}")).collect();
    assert_eq!(found, expected, "results: {all:#?}");
    assert_fits(c, "the search results").await;
}

/// The commune page of Phường Hòa Bình (Phú Thọ).
async fn unit_page(c: &Client, base: &str) {
    c.find(Locator::Css("a[href='/units/04795']"))
        .await
        .expect("a link to /units/04795")
        .click()
        .await
        .expect("click the link to /units/04795");
    wait_for_page(c, base, "/units/04795").await;
    assert_eq!(text_of(c, "h1").await, "Phường Hòa Bình");
    assert_eq!(text_of(c, "#unit-code").await, "04795");
    assert_fits(c, "the unit page").await;
}

/// The focus ring stands out at 3:1 or more (WCAG 2.4.13 / 1.4.11) against white and against
/// the blue header, read from the stylesheet's `:focus-visible` rules and the header's colour.
async fn focus_ring(c: &Client) {
    let ratios = c
        .execute(
            r#"
            function rgb(css) { const m = css.match(/\d+(\.\d+)?/g).map(Number); return m.slice(0, 3); }
            function lum(c) { const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; }
            function ratio(a, b) { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); }
            const probe = document.createElement('span');
            document.body.appendChild(probe);
            function colour(css) { probe.style.color = ''; probe.style.color = css; return rgb(getComputedStyle(probe).color); }
            let page = null, header = null;
            for (const sheet of document.styleSheets) for (const rule of sheet.cssRules) {
                if (rule.selectorText === ':focus-visible') page = rule.style.outlineColor;
                if (rule.selectorText === 'header.top :focus-visible') header = rule.style.outlineColor;
            }
            const ink = getComputedStyle(document.documentElement).getPropertyValue('--ink').trim();
            if (page && page.startsWith('var(')) page = ink;
            const headerBg = rgb(getComputedStyle(document.querySelector('header.top')).backgroundColor);
            const out = [ratio(colour(page), [255, 255, 255]), ratio(colour(header || page), headerBg)];
            probe.remove();
            return out;
            "#,
            vec![],
        )
        .await
        .expect("measure the focus ring");
    let on_white = ratios[0].as_f64().expect("a ratio");
    let on_header = ratios[1].as_f64().expect("a ratio");
    assert!(on_white >= 3.0, "focus ring on white: {on_white:.2}:1");
    assert!(
        on_header >= 3.0,
        "focus ring on the header: {on_header:.2}:1"
    );
}

async fn walk_through(c: Client, addr: SocketAddr, b: Backend) {
    let base = format!("http://{addr}");
    log_in(&c, &base).await;
    search(&c, &base).await;
    unit_page(&c, &base).await;
    focus_ring(&c).await;
    // A screenshot of the unit page, kept in target/ for a human to look at.
    let name = format!("browser-{}.png", backend_name(b));
    screenshot(&c, &name).await;
}

both_backends!(log_in_search_and_open_a_commune, |b: Backend| async move {
    let deadline = Instant::now() + WHOLE_TEST;
    let app = TestApp::new(b).await;
    let addr = app.serve().await;
    drive(deadline, move |c| walk_through(c, addr, b)).await;
});
