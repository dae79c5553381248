//! A real browser, end to end: headless Chromium, driven through chromedriver (WebDriver), signs
//! in, searches without accents, opens a commune and checks that a 360 px phone screen needs no
//! sideways scrolling. Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian packages
//! `chromium` and `chromium-driver`): without them the test fails, it does not skip.
//!
//! Each test starts its own chromedriver on a free loopback port, in its own process group, with
//! a fresh browser profile; the group (chromedriver and the Chromium it started) is killed when
//! the test ends, whether it passed, failed or hung. Everything is bounded by one deadline.

mod common;
use common::*;
use fantoccini::{Client, ClientBuilder, Locator};
use http_body_util::BodyExt;
use khuyenhoc::db::Backend;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::time::{timeout, timeout_at, Instant};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// The narrowest phone screen the app is designed for.
const WIDTH: u64 = 360;
/// The whole test, browser start to browser close.
const WHOLE_TEST: Duration = Duration::from_secs(90);
/// How long chromedriver may take to answer `/status`.
const DRIVER_READY: Duration = Duration::from_secs(20);
/// How long one page may take to appear after a click.
const PAGE: Duration = Duration::from_secs(20);
/// The communes called Hòa Bình on the 2025 map.
const HOA_BINH: [&str; 5] = ["04795", "11533", "27211", "29830", "31891"];

/// A chromedriver process of this test, leader of its own process group.
struct Driver {
    child: tokio::process::Child,
    /// The process group: chromedriver's pid, fixed at spawn (still valid after it is reaped).
    group: Option<u32>,
    port: u16,
    log: PathBuf,
}

impl Driver {
    /// Starts chromedriver and waits (bounded) until it is ready for sessions.
    async fn start(dir: &Path, deadline: Instant) -> Driver {
        let port = free_port();
        let log = dir.join("chromedriver.log");
        let child = tokio::process::Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {CHROMEDRIVER} (install the chromium-driver package): {e}")
            });
        let group = child.id();
        let mut driver = Driver {
            child,
            group,
            port,
            log,
        };
        driver
            .wait_ready(deadline.min(Instant::now() + DRIVER_READY))
            .await;
        driver
    }

    async fn wait_ready(&mut self, until: Instant) {
        loop {
            if let Some(status) = self.child.try_wait().expect("poll chromedriver") {
                panic!(
                    "chromedriver exited at start ({status}): {}",
                    self.log_tail()
                );
            }
            if self.answers().await {
                return;
            }
            assert!(
                Instant::now() < until,
                "chromedriver did not answer on port {} in time: {}",
                self.port,
                self.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Whether `GET /status` says chromedriver is ready for new sessions.
    async fn answers(&self) -> bool {
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http::<http_body_util::Empty<axum::body::Bytes>>();
        let Ok(uri) = format!("{}/status", self.url()).parse::<axum::http::Uri>() else {
            return false;
        };
        let ask = async {
            let resp = client.get(uri).await.ok()?;
            let body = resp.into_body().collect().await.ok()?.to_bytes();
            serde_json::from_slice::<serde_json::Value>(&body).ok()
        };
        match timeout(Duration::from_secs(2), ask).await {
            Ok(Some(status)) => status["value"]["ready"] == true,
            _ => false,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The end of chromedriver's log, for failure messages.
    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let start = log.len().saturating_sub(4000);
        let start = (start..log.len())
            .find(|i| log.is_char_boundary(*i))
            .unwrap_or(log.len());
        format!(
            "chromedriver log ({}):\n{}",
            self.log.display(),
            &log[start..]
        )
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The whole group: chromedriver and any Chromium process it left behind.
        if let Some(group) = self.group {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{group}")])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = self.child.start_kill();
    }
}

/// A loopback port nobody listens on right now.
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local address").port()
}

/// A new headless Chromium session with a 360 px phone screen, on its own profile.
async fn open_browser(driver: &Driver, profile: &Path) -> Client {
    let caps = serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                format!("--window-size={WIDTH},800"),
                format!("--user-data-dir={}", profile.display()),
            ],
            // Chrome keeps windows at least 500 px wide, even headless: emulate the phone screen.
            "mobileEmulation": {
                "deviceMetrics": {
                    "width": WIDTH,
                    "height": 800,
                    "pixelRatio": 1.0,
                    "mobile": true,
                    "touch": true,
                },
            },
        },
    });
    let serde_json::Value::Object(caps) = caps else {
        panic!("capabilities are a JSON object")
    };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url())
        .await
        .unwrap_or_else(|e| panic!("cannot start Chromium: {e}\n{}", driver.log_tail()))
}

/// Waits (bounded) until the browser shows this page of the app.
async fn wait_for_page(c: &Client, base: &str, path: &str) {
    let url = url::Url::parse(&format!("{base}{path}")).expect("page URL");
    if let Err(e) = c.wait().at_most(PAGE).for_url(url).await {
        let now = c.current_url().await.map(|u| u.to_string());
        panic!("the browser did not reach {path}: {e} (it is at {now:?})");
    }
}

async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css} on the page: {e}"))
        .text()
        .await
        .expect("element text")
}

async fn type_into(c: &Client, css: &str, text: &str) {
    let field = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no field {css}: {e}"));
    field.clear().await.expect("clear the field");
    field.send_keys(text).await.expect("type into the field");
}

/// Clicks the submit button of the form holding this field.
async fn submit_form_of(c: &Client, field_css: &str) {
    c.find(Locator::XPath(&format!(
        "//form[.//*[@id='{}']]//button[@type='submit']",
        field_css.trim_start_matches('#')
    )))
    .await
    .unwrap_or_else(|e| panic!("no submit button for {field_css}: {e}"))
    .click()
    .await
    .expect("click the submit button");
}

/// The page fits a 360 px screen: the viewport is that wide and nothing scrolls sideways.
async fn assert_fits(c: &Client, page: &str) {
    let sizes = c
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .expect("measure the page");
    let scroll_width = sizes[0].as_u64().expect("scrollWidth is a number");
    let inner_width = sizes[1].as_u64().expect("innerWidth is a number");
    assert!(
        (WIDTH - 10..=WIDTH).contains(&inner_width),
        "the viewport should be about {WIDTH} px wide, it is {inner_width} px"
    );
    assert!(
        scroll_width <= WIDTH,
        "{page} scrolls sideways at {WIDTH} px: scrollWidth is {scroll_width} px"
    );
}

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

/// A screenshot of the unit page, kept in target/ for a human to look at.
async fn screenshot(c: &Client, b: Backend) {
    let png = c.screenshot().await.expect("take a screenshot");
    assert!(
        png.len() > 8 && png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "the screenshot is not a PNG ({} bytes)",
        png.len()
    );
    let target = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let name = format!("browser-{}.png", format!("{b:?}").to_lowercase());
    let _ = std::fs::create_dir_all(&target);
    let _ = std::fs::write(target.join(name), &png);
}

async fn walk_through(c: Client, addr: SocketAddr, b: Backend) {
    let base = format!("http://{addr}");
    log_in(&c, &base).await;
    search(&c, &base).await;
    unit_page(&c, &base).await;
    screenshot(&c, b).await;
}

both_backends!(log_in_search_and_open_a_commune, |b: Backend| async move {
    let deadline = Instant::now() + WHOLE_TEST;
    let app = TestApp::new(b).await;
    let addr = app.serve().await;
    let dir = tempfile::tempdir().expect("temp dir for the browser");
    let driver = Driver::start(dir.path(), deadline).await;
    let browser = timeout_at(deadline, open_browser(&driver, &dir.path().join("profile")))
        .await
        .unwrap_or_else(|_| panic!("Chromium did not start in time\n{}", driver.log_tail()));
    // The steps run in their own task, so that a failed assertion still closes the browser.
    let mut steps = tokio::spawn(walk_through(browser.clone(), addr, b));
    let outcome = timeout_at(deadline, &mut steps).await;
    if outcome.is_err() {
        steps.abort();
    }
    let closed = timeout(Duration::from_secs(10), browser.close()).await;
    let log = driver.log_tail();
    drop(driver);
    match outcome {
        Err(_) => panic!("the browser test took longer than {WHOLE_TEST:?}\n{log}"),
        Ok(Err(e)) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Ok(Err(e)) => panic!("the browser steps did not finish: {e}"),
        Ok(Ok(())) => {}
    }
    closed
        .expect("closing the browser timed out")
        .expect("close the browser session");
});
