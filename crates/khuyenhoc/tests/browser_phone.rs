//! Evidence and answers on a phone with a bad connection (issue 15, item 5), in headless
//! Chromium at 360 px on both backends (see `common/browser.rs`):
//!
//! (a) a 4000 × 3000 photo of about 4 MB chosen on the page is shrunk by `app.js` before it
//!     leaves the phone: the bytes that cross the wire (counted by a loopback proxy between the
//!     browser and the server) are a fraction of the file, and the stored photo is 1,600 px on
//!     its longer side;
//! (b) with the network cut (chromedriver's network conditions: Chromium offline, which also
//!     fires `offline`/`online` in the page), answers saved offline are sent when it returns,
//!     and answers typed offline and restored after a reload are sent without tapping Save;
//! (c) an upload cut by the network is retried and arrives once it returns.

#[path = "common/browser.rs"]
mod browser;
mod common;
use browser::*;
use common::*;
use fantoccini::Client;
use khuyenhoc::db::Backend;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;

const WHOLE_TEST: Duration = Duration::from_secs(240);

/// chromedriver's own command to emulate network conditions (Chromium only).
#[derive(Debug)]
struct NetworkConditions {
    offline: bool,
}

impl fantoccini::wd::WebDriverCompatibleCommand for NetworkConditions {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/chromium/network_conditions",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        let body = serde_json::json!({"network_conditions": {
            "offline": self.offline, "latency": 0, "download_throughput": -1, "upload_throughput": -1,
        }});
        (axum::http::Method::POST, Some(body.to_string()))
    }
}

async fn network(c: &Client, online: bool) {
    c.issue_cmd(NetworkConditions { offline: !online })
        .await
        .unwrap_or_else(|e| panic!("set the network {}: {e}", if online { "on" } else { "off" }));
}

/// A loopback proxy in front of the server that counts the bytes the browser sends.
async fn counting_proxy(upstream: std::net::SocketAddr) -> (String, Arc<AtomicU64>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the proxy");
    let addr = listener.local_addr().expect("proxy address");
    let sent = Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    tokio::spawn(async move {
        while let Ok((mut down, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let Ok(up) = tokio::net::TcpStream::connect(upstream).await else {
                    return;
                };
                let (mut up_r, mut up_w) = up.into_split();
                let (mut down_r, mut down_w) = down.split();
                let to_server = async {
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        let n = match down_r.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        counter.fetch_add(n as u64, Ordering::SeqCst);
                        if up_w.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = up_w.shutdown().await;
                };
                let to_browser = async {
                    let _ = tokio::io::copy(&mut up_r, &mut down_w).await;
                    let _ = down_w.shutdown().await;
                };
                tokio::join!(to_server, to_browser);
            });
        }
    });
    (format!("http://{addr}"), sent)
}

/// A noisy 4000 × 3000 JPEG of about 4 MB, as a phone camera makes them.
fn big_photo(dir: &std::path::Path) -> std::path::PathBuf {
    let mut seed: u32 = 2_463_534_242;
    let img = image::RgbImage::from_fn(4000, 3000, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let noise = (seed % 48) as u8;
        image::Rgb([
            (x % 200) as u8 + noise,
            (y % 200) as u8 + noise / 2,
            120 + noise,
        ])
    });
    let path = dir.join("IMG_20261207_0930.jpg");
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("photo file"));
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&img)
        .expect("encode the photo");
    drop(out);
    path
}

async fn answer(app: &TestApp, eval: i64, code: &str) -> Option<i64> {
    let answers: String = sqlx::query_scalar("SELECT answers FROM evaluations WHERE id = $1")
        .bind(eval)
        .fetch_one(&app.db.pool)
        .await
        .expect("answers");
    let v: serde_json::Value = serde_json::from_str(&answers).expect("answers JSON");
    v[code]["value"].as_i64()
}

/// Waits (bounded) until the server holds this answer.
async fn server_has(app: &TestApp, eval: i64, code: &str, value: i64) {
    let until = Instant::now() + PAGE;
    while answer(app, eval, code).await != Some(value) {
        assert!(
            Instant::now() < until,
            "{code} = {value} never reached the server"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn pick(c: &Client, code: &str, value: u32) {
    tap(
        c,
        &format!("input[name='a_{code}'][value='{value}'] + span"),
    )
    .await;
}

async fn evidence_count(app: &TestApp, eval: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM evidence WHERE evaluation_id = $1")
        .bind(eval)
        .fetch_one(&app.db.pool)
        .await
        .expect("count")
}

async fn choose_photo(c: &Client, path: &std::path::Path) {
    c.find(fantoccini::Locator::Css("#ev-indicator"))
        .await
        .expect("the indicator list")
        .select_by_value("learning_plan")
        .await
        .expect("choose the indicator");
    c.find(fantoccini::Locator::Css("input[type=file]#ev-file"))
        .await
        .expect("the file input")
        .send_keys(&path.display().to_string())
        .await
        .expect("choose the photo");
}

#[allow(clippy::too_many_lines)] // one trip, told step by step
async fn trip(b: Backend) {
    let app = Arc::new(TestApp::new(b).await);
    let mut chair = app.api_client(BADINH).await;
    let citizen = app.person_id(CITIZEN).await;
    let d = citizen_evaluation(&app, &mut chair, citizen, this_year(), Stage::Registered).await;
    let eval = evaluation_id(&d);
    let server = app.serve().await;
    let (base, sent) = counting_proxy(server).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let photo = big_photo(dir.path());
    let photo_size = std::fs::metadata(&photo).expect("photo size").len();
    assert!(
        (3_000_000..12_000_000).contains(&photo_size),
        "the test photo has {photo_size} bytes"
    );
    let deadline = Instant::now() + WHOLE_TEST;
    let app2 = app.clone();
    drive(deadline, move |c| async move {
        let app = app2;
        log_in_as(&c, &base, CITIZEN, "Đỗ Thị Lan").await;
        let group1 = format!("/evaluations/{eval}/groups/1");
        open(&c, &base, &group1).await;

        // (a) The 4 MB photo is shrunk on the phone: far fewer bytes cross the wire.
        choose_photo(&c, &photo).await;
        let before = sent.load(Ordering::SeqCst);
        submit_form_of(&c, "#ev-file").await;
        wait_until(
            &c,
            "the photo listed",
            "document.querySelector('ul.evidence a[href^=\"/evidence/\"]')",
        )
        .await;
        let crossed = sent.load(Ordering::SeqCst) - before;
        assert!(
            crossed < photo_size / 3 && crossed < 1_500_000,
            "{crossed} bytes sent for a photo of {photo_size}"
        );
        let key: String =
            sqlx::query_scalar("SELECT object_key FROM evidence WHERE evaluation_id = $1")
                .bind(eval)
                .fetch_one(&app.db.pool)
                .await
                .expect("the stored photo");
        let stored = app.state.files.get(&key).await.expect("stored bytes");
        let img = image::load_from_memory(&stored).expect("a JPEG");
        assert_eq!(
            img.width().max(img.height()),
            1600,
            "about 1,600 px long side"
        );
        assert_eq!((img.width(), img.height()), (1600, 1200));
        println!(
            "photo of {photo_size} bytes sent as {crossed} bytes, stored {}×{}",
            img.width(),
            img.height()
        );

        // (c) An upload cut by the network: retried, and it arrives once the network is back.
        open(&c, &base, &group1).await;
        choose_photo(&c, &photo).await;
        network(&c, false).await;
        submit_form_of(&c, "#ev-file").await;
        wait_for_text(&c, ".upload-status", "Đang thử lại").await;
        let disabled = c
            .execute(
                "return document.querySelector('#evidence-form button[type=submit]').disabled;",
                vec![],
            )
            .await
            .expect("read the button");
        assert_eq!(
            disabled,
            serde_json::json!(true),
            "the button is disabled while sending"
        );
        assert!(
            c.find(fantoccini::Locator::Css("#evidence-form progress"))
                .await
                .is_ok(),
            "a progress bar"
        );
        assert_eq!(
            evidence_count(&app, eval).await,
            1,
            "nothing arrived offline"
        );
        network(&c, true).await;
        let until = Instant::now() + PAGE;
        while evidence_count(&app, eval).await != 2 {
            assert!(Instant::now() < until, "the retried upload never arrived");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        wait_until(
            &c,
            "the page again, with both files",
            "document.querySelectorAll('ul.evidence-items > li').length === 2",
        )
        .await;

        // (b) Answers saved offline are sent when the connection returns.
        network(&c, false).await;
        pick(&c, "reads", 9).await;
        pick(&c, "learning_plan", 8).await;
        tap(&c, "button[name='next']").await;
        let said = wait_for_text(&c, "#draft-notice", "Mất kết nối").await;
        assert!(
            !said.contains("Offline") && !said.contains("connection"),
            "Vietnamese only: {said}"
        );
        assert_eq!(
            answer(&app, eval, "reads").await,
            None,
            "not sent while offline"
        );
        network(&c, true).await;
        server_has(&app, eval, "reads", 9).await;
        server_has(&app, eval, "learning_plan", 8).await;
        wait_for_page(&c, &base, &format!("/evaluations/{eval}/groups/2")).await;

        // ... and answers typed offline, restored after a reload, are sent without a tap.
        network(&c, false).await;
        pick(&c, "digital", 10).await;
        network(&c, true).await;
        c.refresh().await.expect("reload");
        wait_for_text(&c, "#draft-notice", "Đã khôi phục và gửi").await;
        server_has(&app, eval, "digital", 10).await;
    })
    .await;
}

both_backends!(photo_offline_and_retry, |b: Backend| async move {
    trip(b).await;
});
