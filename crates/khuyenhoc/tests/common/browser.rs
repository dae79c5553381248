//! A real browser for the tests: headless Chromium driven through chromedriver (WebDriver),
//! emulating a 360 px phone. Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (Debian
//! packages `chromium` and `chromium-driver`): without them a test fails, it does not skip.
//!
//! [`drive`] starts its own chromedriver on a free loopback port, in its own process group, with
//! a fresh browser profile, runs the steps, and kills the group (chromedriver and the Chromium it
//! started) when they end, whether they passed, failed or hung. Everything is bounded by one
//! deadline. Included by the browser tests with `#[path = "common/browser.rs"] mod browser;`.
#![allow(dead_code)]

use fantoccini::{Client, ClientBuilder, Locator};
use http_body_util::BodyExt;
use khuyenhoc::db::Backend;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::time::{timeout, timeout_at, Instant};

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// The narrowest phone screen the app is designed for.
pub const WIDTH: u64 = 360;
/// The phone screen's height.
pub const HEIGHT: u64 = 800;
/// How long chromedriver may take to answer `/status`.
const DRIVER_READY: Duration = Duration::from_secs(20);
/// How long one page may take to appear after a click.
pub const PAGE: Duration = Duration::from_secs(20);

/// A chromedriver process of this test, leader of its own process group.
pub struct Driver {
    child: tokio::process::Child,
    /// The process group: chromedriver's pid, fixed at spawn (still valid after it is reaped).
    group: Option<u32>,
    port: u16,
    log: PathBuf,
}

impl Driver {
    /// Starts chromedriver and waits (bounded) until it is ready for sessions.
    pub async fn start(dir: &Path, deadline: Instant) -> Driver {
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

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The end of chromedriver's log, for failure messages.
    pub fn log_tail(&self) -> String {
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
pub async fn open_browser(driver: &Driver, profile: &Path) -> Client {
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
                format!("--window-size={WIDTH},{HEIGHT}"),
                format!("--user-data-dir={}", profile.display()),
            ],
            // Chrome keeps windows at least 500 px wide, even headless: emulate the phone screen.
            "mobileEmulation": {
                "deviceMetrics": {
                    "width": WIDTH,
                    "height": HEIGHT,
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
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url())
        .await
        .unwrap_or_else(|e| panic!("cannot start Chromium: {e}\n{}", driver.log_tail()));
    // axe-core over a long page on a busy machine takes more than the default 30 s.
    client
        .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
            Some(AXE_RUN),
            None,
            None,
        ))
        .await
        .expect("set the script timeout");
    client
}

/// How long one run of axe-core may take on a page.
pub const AXE_RUN: Duration = Duration::from_secs(120);

/// Runs `steps` in a fresh phone browser, all before `deadline`. The steps run in their own
/// task, so that a failed assertion still closes the browser; chromedriver and its Chromium are
/// killed on every path (pass, failure, timeout).
pub async fn drive<F, Fut>(deadline: Instant, steps: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("temp dir for the browser");
    let driver = Driver::start(dir.path(), deadline).await;
    let browser = timeout_at(deadline, open_browser(&driver, &dir.path().join("profile")))
        .await
        .unwrap_or_else(|_| panic!("Chromium did not start in time\n{}", driver.log_tail()));
    let mut task = tokio::spawn(steps(browser.clone()));
    let outcome = timeout_at(deadline, &mut task).await;
    if outcome.is_err() {
        task.abort();
    }
    let closed = timeout(Duration::from_secs(10), browser.close()).await;
    let log = driver.log_tail();
    drop(driver);
    match outcome {
        Err(_) => panic!(
            "the browser test did not finish before its deadline ({:?} after it started)\n{log}",
            started.elapsed()
        ),
        Ok(Err(e)) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Ok(Err(e)) => panic!("the browser steps did not finish: {e}"),
        Ok(Ok(())) => {}
    }
    closed
        .expect("closing the browser timed out")
        .expect("close the browser session");
}

/// Where axe-core's `axe.min.js` is: `$KHUYENHOC_TEST_AXE`, or where `scripts/test-services.sh`
/// installs it with npm (`${XDG_CACHE_HOME:-~/.cache}/khuyenhoc-test/npm/node_modules/axe-core`).
pub fn axe_path() -> PathBuf {
    if let Some(p) = std::env::var_os("KHUYENHOC_TEST_AXE") {
        return PathBuf::from(p);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    cache.join("khuyenhoc-test/npm/node_modules/axe-core/axe.min.js")
}

/// The source of axe-core, read once per test binary. Without it a browser test fails: it does
/// not skip.
fn axe_source() -> &'static str {
    static AXE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    AXE.get_or_init(|| {
        let path = axe_path();
        let source = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "cannot read axe-core at {} ({e}): run scripts/test-services.sh, which installs \
                 it with npm, or set KHUYENHOC_TEST_AXE",
                path.display()
            )
        });
        assert!(source.contains("axe"), "{} is not axe-core", path.display());
        source
    })
}

/// The rules axe runs: WCAG 2.0, 2.1 and 2.2 at levels A and AA.
pub const AXE_TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/// Runs axe-core (WCAG 2.x A and AA) on the page the browser shows, once per loaded document,
/// and fails listing every violation. Called by every wait for a page ([`wait_for_page`],
/// [`wait_for_path`], [`open`]) and after [`wait_until`] and [`wait_for_text`], so that every
/// page a browser test visits is checked, including the pages a form submit leads to.
pub async fn check_axe(c: &Client) {
    // Checked already: this document carries the mark (a new page load clears it).
    let done = c
        .execute("return window.__khAxeChecked === true;", vec![])
        .await;
    if matches!(done, Ok(serde_json::Value::Bool(true))) {
        return;
    }
    let present = c
        .execute("return typeof window.axe === 'object';", vec![])
        .await;
    if !matches!(present, Ok(serde_json::Value::Bool(true))) {
        c.execute(&format!("{}\nreturn true;", axe_source()), vec![])
            .await
            .unwrap_or_else(|e| panic!("cannot load axe-core into the page: {e}"));
    }
    let script = r#"
        const done = arguments[arguments.length - 1];
        window.axe.run(document, {
            runOnly: { type: 'tag', values: arguments[0] },
            resultTypes: ['violations'],
        }).then(r => {
            window.__khAxeChecked = true;
            done({ ok: true, url: location.pathname + location.search, violations: r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => ({ target: n.target.join(' '), html: n.html.slice(0, 200), summary: n.failureSummary })),
            })) });
        }).catch(e => done({ ok: false, error: String(e) }));
    "#;
    let tags = serde_json::json!(AXE_TAGS);
    let at = c
        .current_url()
        .await
        .map(|u| u.path().to_owned())
        .unwrap_or_default();
    let answer = c
        .execute_async(script, vec![tags])
        .await
        .unwrap_or_else(|e| panic!("axe-core did not run on {at}: {e}"));
    assert!(
        answer["ok"] == true,
        "axe-core failed on the page: {}",
        answer["error"]
    );
    let Some(report) = axe_report(&answer) else {
        return;
    };
    // For a survey of every page at once: log instead of failing.
    if let Some(log) = std::env::var_os("KHUYENHOC_TEST_AXE_LOG") {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
        {
            let _ = writeln!(f, "{report}\n");
        }
        return;
    }
    panic!("{report}");
}

/// Waits (bounded) until the browser shows this page of the app, loaded, and checks it with
/// axe-core.
pub async fn wait_for_page(c: &Client, base: &str, path: &str) {
    let url = url::Url::parse(&format!("{base}{path}")).expect("page URL");
    if let Err(e) = c.wait().at_most(PAGE).for_url(url).await {
        let now = c.current_url().await.map(|u| u.to_string());
        panic!("the browser did not reach {path}: {e} (it is at {now:?})");
    }
    wait_loaded(c, path).await;
    check_axe(c).await;
}

/// Waits (bounded) until the document has finished loading.
async fn wait_loaded(c: &Client, what: &str) {
    let until = Instant::now() + PAGE;
    loop {
        let ready = c.execute("return document.readyState;", vec![]).await;
        if matches!(ready, Ok(r) if r == "complete") {
            return;
        }
        assert!(
            Instant::now() < until,
            "{what} did not finish loading in {PAGE:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits (bounded) until the browser has finished loading a page whose path (with its query)
/// `wanted` accepts, and returns that path.
pub async fn wait_for_path(c: &Client, what: &str, wanted: impl Fn(&str) -> bool) -> String {
    let until = Instant::now() + PAGE;
    let mut last = String::new();
    loop {
        // Errors while a page is being replaced only mean "not yet".
        if let Ok(url) = c.current_url().await {
            last = match url.query() {
                Some(q) => format!("{}?{q}", url.path()),
                None => url.path().to_owned(),
            };
            let ready = c.execute("return document.readyState;", vec![]).await;
            if wanted(&last) && matches!(ready, Ok(r) if r == "complete") {
                check_axe(c).await;
                return last;
            }
        }
        assert!(
            Instant::now() < until,
            "the browser did not reach {what} in {PAGE:?}: it is at {last}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits (bounded) until a script expression is true on a fully loaded page.
pub async fn wait_until(c: &Client, what: &str, expression: &str) {
    let until = Instant::now() + PAGE;
    let script = format!("return document.readyState === 'complete' && !!({expression});");
    loop {
        if let Ok(serde_json::Value::Bool(true)) = c.execute(&script, vec![]).await {
            check_axe(c).await;
            return;
        }
        if Instant::now() >= until {
            let at = c.current_url().await.map(|u| u.to_string());
            panic!("{what} did not happen in {PAGE:?} (the browser is at {at:?})");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits (bounded) until the element at `css` exists and its text contains `needle`; returns
/// the text.
pub async fn wait_for_text(c: &Client, css: &str, needle: &str) -> String {
    let until = Instant::now() + PAGE;
    let mut last = None;
    loop {
        if let Ok(el) = c.find(Locator::Css(css)).await {
            if let Ok(text) = el.text().await {
                if text.contains(needle) {
                    wait_loaded(c, css).await;
                    check_axe(c).await;
                    return text;
                }
                last = Some(text);
            }
        }
        if Instant::now() >= until {
            let at = c.current_url().await.map(|u| u.to_string());
            panic!(
                "{css} did not come to say {needle:?} in {PAGE:?}: it says {last:?} (at {at:?})"
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css} on the page: {e}"))
        .text()
        .await
        .expect("element text")
}

pub async fn type_into(c: &Client, css: &str, text: &str) {
    let field = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no field {css}: {e}"));
    field.clear().await.expect("clear the field");
    field.send_keys(text).await.expect("type into the field");
}

/// Clicks the submit button of the form holding this field.
pub async fn submit_form_of(c: &Client, field_css: &str) {
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

/// Taps an element as a thumb would: scrolled to the middle of the screen (clear of sticky
/// bars), then clicked.
pub async fn tap(c: &Client, css: &str) {
    tap_at(c, Locator::Css(css)).await;
}

/// [`tap`] with any locator.
pub async fn tap_at(c: &Client, at: Locator<'_>) {
    let el = c
        .find(at)
        .await
        .unwrap_or_else(|e| panic!("nothing to tap at {at:?}: {e}"));
    let arg = serde_json::to_value(&el).expect("element as a script argument");
    c.execute(
        "arguments[0].scrollIntoView({block: 'center', inline: 'nearest'});",
        vec![arg],
    )
    .await
    .expect("scroll the element into view");
    el.click()
        .await
        .unwrap_or_else(|e| panic!("cannot tap {at:?}: {e}"));
}

/// Opens an app page by its address and waits for it.
pub async fn open(c: &Client, base: &str, path: &str) {
    c.goto(&format!("{base}{path}"))
        .await
        .unwrap_or_else(|e| panic!("open {path}: {e}"));
    wait_for_page(c, base, path).await;
}

/// Signs in with the demo password from a browser with no cookies: the login page and the
/// home page fit the phone's screen, and the home page greets `name`.
pub async fn log_in_as(c: &Client, base: &str, phone: &str, name: &str) {
    c.delete_all_cookies().await.expect("clear the cookies");
    open(c, base, "/login").await;
    assert_fits(c, "the login page").await;
    type_into(c, "#login", phone).await;
    type_into(c, "#password", khuyenhoc::demo::DEMO_PASSWORD).await;
    submit_form_of(c, "#login").await;
    wait_for_page(c, base, "/").await;
    let h1 = text_of(c, "h1").await;
    assert!(h1.contains(name), "greeting of {phone}: {h1:?}");
    assert_fits(c, "the home page").await;
}

/// Opens a closed `<details>` whose form holds the field with this id.
pub async fn unfold(c: &Client, field_id: &str) {
    tap_at(
        c,
        Locator::XPath(&format!("//details[.//*[@id='{field_id}']]/summary")),
    )
    .await;
    wait_until(
        c,
        &format!("the form of #{field_id} opened"),
        &format!("document.getElementById('{field_id}').offsetParent !== null"),
    )
    .await;
}

/// The backend's name in lower case, for the names of screenshots.
pub fn backend_name(b: Backend) -> String {
    format!("{b:?}").to_lowercase()
}

/// The page fits a 360 px screen: the viewport is that wide and nothing scrolls sideways.
pub async fn assert_fits(c: &Client, page: &str) {
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
        "{page}: the viewport should be about {WIDTH} px wide, it is {inner_width} px \
         (a phone widens it when the page is wider; scrollWidth is {scroll_width} px)"
    );
    assert!(
        scroll_width <= WIDTH,
        "{page} scrolls sideways at {WIDTH} px: scrollWidth is {scroll_width} px"
    );
}

/// The workspace's `target/` folder (where screenshots are kept for a human to look at).
pub fn target_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
}

/// A screenshot of what the browser shows, kept as `target/NAME`.
pub async fn screenshot(c: &Client, name: &str) -> PathBuf {
    let png = c.screenshot().await.expect("take a screenshot");
    assert!(
        png.len() > 8 && png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "the screenshot is not a PNG ({} bytes)",
        png.len()
    );
    let target = target_dir();
    let _ = std::fs::create_dir_all(&target);
    let path = target.join(name);
    let _ = std::fs::write(&path, &png);
    path
}

/// The violations of an axe-core answer, listed for a person (none: `None`).
fn axe_report(answer: &serde_json::Value) -> Option<String> {
    let violations = answer["violations"].as_array().cloned().unwrap_or_default();
    if violations.is_empty() {
        return None;
    }
    {
        let mut list = String::new();
        for v in &violations {
            list.push_str(&format!(
                "\n- {} ({}): {}",
                v["id"].as_str().unwrap_or("?"),
                v["impact"].as_str().unwrap_or("?"),
                v["help"].as_str().unwrap_or("?")
            ));
            for n in v["nodes"].as_array().into_iter().flatten() {
                list.push_str(&format!(
                    "\n    at {} {}\n      {}",
                    n["target"].as_str().unwrap_or("?"),
                    n["html"].as_str().unwrap_or("?"),
                    n["summary"]
                        .as_str()
                        .unwrap_or("")
                        .replace('\n', "\n      ")
                ));
            }
        }
        let report = format!(
            "axe-core found {} accessibility violation(s) on {}:{list}",
            violations.len(),
            answer["url"]
        );
        Some(report)
    }
}
