//! Evidence files in an S3-compatible bucket: a real moto S3 server on loopback, started and
//! stopped by this test, reached through `Files::from_settings` as the server would.
//!
//! moto is installed by `scripts/test-services.sh` into
//! `${XDG_CACHE_HOME:-~/.cache}/khuyenhoc-test/venv`; `KHUYENHOC_TEST_MOTO_SERVER` may name
//! another `moto_server` binary. Without it the test fails: it does not skip.

use axum::body::Bytes;
use axum::http::{Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use khuyenhoc::config::Settings;
use khuyenhoc::files::Files;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

type Http = Client<HttpConnector, Full<Bytes>>;

fn moto_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("KHUYENHOC_TEST_MOTO_SERVER") {
        return PathBuf::from(p);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    cache.join("khuyenhoc-test/venv/bin/moto_server")
}

/// A moto server on a loopback port, killed when dropped (also when the test panics).
struct Moto {
    child: Child,
    port: u16,
    log: tempfile::NamedTempFile,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.log.path()).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Starts moto on a free port and waits (at most 60 s) until it answers HTTP.
    async fn start(http: &Http) -> Moto {
        let bin = moto_binary();
        assert!(
            bin.is_file(),
            "the S3 test server moto_server is missing at {}: run scripts/test-services.sh \
             (or set KHUYENHOC_TEST_MOTO_SERVER)",
            bin.display()
        );
        // A port taken between choosing and binding makes moto exit: try a few ports.
        for _attempt in 0..3 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free loopback port")
                .port();
            let log = tempfile::NamedTempFile::new().expect("log file");
            let child = Command::new(&bin)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(log.reopen().expect("log file"))
                .stderr(log.reopen().expect("log file"))
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
            let mut moto = Moto { child, port, log };
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                if let Ok(Some(status)) = moto.child.try_wait() {
                    eprintln!(
                        "moto exited ({status}) on port {port}:\n{}",
                        moto.log_tail()
                    );
                    break;
                }
                if let Ok((status, _)) = request(http, Method::GET, &moto.url(), Bytes::new()).await
                {
                    if status.is_success() {
                        return moto;
                    }
                }
                assert!(
                    Instant::now() < deadline,
                    "moto did not answer on port {port} within 60 s:\n{}",
                    moto.log_tail()
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        panic!("moto could not start on a free port three times; see the output above");
    }
}

async fn request(
    http: &Http,
    method: Method,
    url: &str,
    body: Bytes,
) -> anyhow::Result<(StatusCode, Bytes)> {
    let req = Request::builder()
        .method(method)
        .uri(url)
        .body(Full::new(body))?;
    let resp = tokio::time::timeout(Duration::from_secs(10), http.request(req)).await??;
    let status = resp.status();
    let body = tokio::time::timeout(Duration::from_secs(10), resp.into_body().collect())
        .await??
        .to_bytes();
    Ok((status, body))
}

#[tokio::test]
async fn evidence_round_trips_through_an_s3_bucket() {
    let http: Http = Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let moto = Moto::start(&http).await;

    // object_store cannot create buckets; moto takes an unsigned CreateBucket.
    let bucket = "khuyenhoc-test";
    let (status, body) = request(
        &http,
        Method::PUT,
        &format!("{}/{bucket}", moto.url()),
        Bytes::new(),
    )
    .await
    .expect("create the bucket");
    assert!(
        status.is_success(),
        "create bucket: {status} {}",
        String::from_utf8_lossy(&body)
    );

    let settings = Settings {
        files_url: Some(format!("s3://{bucket}/evidence")),
        s3_endpoint: Some(moto.url()),
        s3_region: Some("us-east-1".into()),
        s3_access_key_id: Some("testing".into()),
        s3_secret_access_key: Some("testing-secret".into()),
        s3_allow_http: Some(true),
        // Must not be touched when files_url is set.
        files_dir: "/nonexistent/khuyenhoc-files".into(),
        ..Settings::default()
    };
    let files = Files::from_settings(&settings).expect("an S3 store");
    assert_eq!(
        format!("{files:?}"),
        format!("Files(s3://{bucket}/evidence)")
    );

    // What an upload brings: a file named in Vietnamese. The name goes to the database, never
    // into the key.
    let original_name = "Giấy khen – Nguyễn Thị Ánh (lớp 5).pdf";
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend((0..300_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    bytes.extend(original_name.as_bytes());

    let key = files.put("evidence", bytes.clone()).await.expect("put");
    assert!(key.starts_with("evidence/"), "{key}");
    assert!(
        key.is_ascii() && !key.contains("Nguy") && !key.contains(".pdf"),
        "the key {key:?} must be generated, not the original name"
    );
    let back = files.get(&key).await.expect("get");
    assert_eq!(back.len(), bytes.len());
    assert!(
        back.as_ref() == bytes.as_slice(),
        "the bytes come back equal"
    );

    // The object really is in the bucket, under the prefix of files_url. (moto lists a bucket
    // without a signature but keeps objects private, so list rather than read.)
    let (status, listing) = request(
        &http,
        Method::GET,
        &format!("{}/{bucket}?list-type=2", moto.url()),
        Bytes::new(),
    )
    .await
    .expect("list the bucket");
    let listing = String::from_utf8_lossy(&listing);
    assert_eq!(status, StatusCode::OK, "{listing}");
    assert!(
        listing.contains(&format!("<Key>evidence/{key}</Key>"))
            && listing.contains(&format!("<Size>{}</Size>", bytes.len())),
        "evidence/{key} is not in the bucket listing: {listing}"
    );

    // A second store on the same settings (a restarted server) sees the same file.
    let again = Files::from_settings(&settings).expect("an S3 store");
    assert_eq!(again.get(&key).await.expect("get again").len(), bytes.len());

    assert!(
        files.get("evidence/does-not-exist").await.is_err(),
        "a missing key is an error"
    );
    drop(moto);
}
