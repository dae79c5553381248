//! What the benchmarks that drive the real server share: command-line flags, a scratch database of
//! either backend, the release server as a child process, an HTTP client over loopback, timed
//! phases with percentiles, and the server's memory read from /proc.

// Each benchmark uses part of this module.
#![allow(dead_code)]

pub mod generated;

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use khuyenhoc::db::{Backend, Db};
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Concurrent connections (and tasks of a [`phase`]).
pub const CONNECTIONS: usize = 64;

/// The ten indicators of the national Learning Citizen set (`citizen-2025.toml`).
pub const INDICATORS: [&str; 10] = [
    "reads",
    "learning_plan",
    "community_learning",
    "helps_others",
    "digital",
    "foreign_language",
    "numeracy",
    "critical_thinking",
    "relations",
    "cooperation",
];

pub type Http = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

/// `--name value` flags among `known`; anything else on the command line (such as the `--bench`
/// cargo adds) is skipped. A later value wins.
pub fn flags(known: &[&str]) -> HashMap<String, String> {
    let argv: Vec<String> = std::env::args().collect();
    let mut found = HashMap::new();
    let mut i = 1;
    while i < argv.len() {
        if known.contains(&argv[i].as_str()) {
            let next = argv.get(i + 1).cloned().unwrap_or_default();
            found.insert(argv[i].clone(), next);
            i += 2;
        } else {
            i += 1;
        }
    }
    found
}

/// The flag's value parsed, or `default` when absent or unreadable.
pub fn flag<T: std::str::FromStr>(found: &HashMap<String, String>, name: &str, default: T) -> T {
    found
        .get(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `--backend sqlite|postgres`; both otherwise.
pub fn backends(found: &HashMap<String, String>) -> Vec<Backend> {
    match found.get("--backend").map(String::as_str) {
        Some("sqlite") => vec![Backend::Sqlite],
        Some("postgres") => vec![Backend::Postgres],
        _ => vec![Backend::Sqlite, Backend::Postgres],
    }
}

/// Latencies of one phase.
pub struct Phase {
    pub name: &'static str,
    pub ok: usize,
    pub errors: usize,
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
}

impl Phase {
    pub fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }
    pub fn pct(&self, p: f64) -> f64 {
        percentile_ms(&self.latencies, p)
    }
}

/// The `p` quantile (0..=1) of `latencies`, in milliseconds; 0 when there are none.
pub fn percentile_ms(latencies: &[Duration], p: f64) -> f64 {
    if latencies.is_empty() {
        return 0.0;
    }
    let mut l = latencies.to_vec();
    l.sort();
    let i = ((l.len() as f64 - 1.0) * p).round() as usize;
    l[i.min(l.len() - 1)].as_secs_f64() * 1000.0
}

/// The release server, killed when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// A `Vm…:` line of /proc/{pid}/status in MB (0 when unreadable).
    fn status_mb(&self, field: &str) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with(field))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }

    /// Peak resident memory so far (VmHWM).
    pub fn peak_rss_mb(&self) -> f64 {
        self.status_mb("VmHWM:")
    }

    /// Resident memory now (VmRSS).
    pub fn rss_mb(&self) -> f64 {
        self.status_mb("VmRSS:")
    }

    /// Asks the server to stop (SIGTERM: graceful shutdown) and waits up to `timeout`; kills it
    /// after that. True when it stopped by itself with success.
    pub fn stop(&mut self, timeout: Duration) -> bool {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        false
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on loopback")
}

/// Starts `khuyenhoc serve` on a free loopback port and waits (up to 60 s) for `/readyz`.
pub async fn start_server(url: &str) -> Server {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_khuyenhoc"))
        .args([
            "--database-url",
            url,
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("KHUYENHOC_LOG_FILTER", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the server");
    let s = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let http = client();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok((200, _)) = call(&http, "GET", &format!("{}/readyz", s.base), None, None).await {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not become ready in 60 s");
}

pub fn client() -> Http {
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(CONNECTIONS)
        .build_http()
}

/// One request with a bearer token and a JSON body, both optional.
pub async fn call(
    http: &Http,
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<String>,
) -> Result<(u16, Bytes), String> {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![];
    if let Some(a) = &auth {
        headers.push(("authorization", a.as_str()));
    }
    let (status, _, bytes) = request(
        http,
        method,
        url,
        &headers,
        body.map(|b| ("application/json", b)),
    )
    .await?;
    Ok((status, bytes))
}

/// One request with any headers and an optional body of the given content type; answers the
/// status, the `set-cookie` values and the body.
pub async fn request(
    http: &Http,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<(&str, String)>,
) -> Result<(u16, Vec<String>, Bytes), String> {
    let mut req = axum::http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut payload = String::new();
    if let Some((content_type, b)) = body {
        req = req.header("content-type", content_type);
        payload = b;
    }
    let req = req
        .body(Full::new(Bytes::from(payload)))
        .map_err(|e| e.to_string())?;
    let resp = http.request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let cookies = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, cookies, bytes))
}

/// Runs `work(n)` from 64 tasks until `seconds` pass or `work` says there is no more.
pub async fn phase<F, Fut>(name: &'static str, seconds: u64, work: F) -> Phase
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Option<bool>> + Send,
{
    let work = Arc::new(work);
    let counter = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let end = start + Duration::from_secs(seconds);
    let mut tasks = vec![];
    for _ in 0..CONNECTIONS {
        let work = work.clone();
        let counter = counter.clone();
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut errors, mut lat) = (0, 0, vec![]);
            while Instant::now() < end {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let t = Instant::now();
                match work(n).await {
                    None => break,
                    Some(true) => {
                        ok += 1;
                        lat.push(t.elapsed());
                    }
                    Some(false) => errors += 1,
                }
            }
            (ok, errors, lat)
        }));
    }
    let mut p = Phase {
        name,
        ok: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        latencies: vec![],
    };
    for t in tasks {
        if let Ok((ok, errors, lat)) = t.await {
            p.ok += ok;
            p.errors += errors;
            p.latencies.extend(lat);
        }
    }
    p.elapsed = start.elapsed();
    p
}

/// GET /healthz from 64 connections for `seconds`: the trivial endpoint, as a baseline.
pub async fn healthz_phase(http: &Http, base: &str, seconds: u64) -> Phase {
    let (http, base) = (http.clone(), base.to_owned());
    phase("GET /healthz", seconds, move |_| {
        let (http, base) = (http.clone(), base.clone());
        async move {
            Some(matches!(
                call(&http, "GET", &format!("{base}/healthz"), None, None).await,
                Ok((200, _))
            ))
        }
    })
    .await
}

/// A fresh database: a SQLite file in a temporary folder, or a PostgreSQL database made from
/// `KHUYENHOC_TEST_PG_URL` (named `{prefix}_{pid}`), dropped by [`Scratch::remove`].
pub struct Scratch {
    pub url: String,
    _dir: tempfile::TempDir,
    admin: Option<(Db, String)>,
}

impl Scratch {
    pub async fn new(backend: Backend, prefix: &str) -> Scratch {
        let dir = tempfile::tempdir().expect("temp dir");
        let (url, admin) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}", dir.path().join("bench.db").display()),
                None,
            ),
            Backend::Postgres => {
                let admin_url = std::env::var("KHUYENHOC_TEST_PG_URL")
                    .expect("KHUYENHOC_TEST_PG_URL (bash scripts/test-services.sh prints it)");
                let name = format!("{prefix}_{}", std::process::id());
                let admin = Db::connect(&admin_url, 1, khuyenhoc::db::SqliteSync::Normal)
                    .await
                    .expect("admin connection");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&admin.pool)
                    .await
                    .expect("create the scratch database");
                let base = admin_url
                    .rsplit_once('/')
                    .map_or(admin_url.as_str(), |(b, _)| b)
                    .to_owned();
                (format!("{base}/{name}"), Some((admin, name)))
            }
        };
        Scratch {
            url,
            _dir: dir,
            admin,
        }
    }

    /// Drops the PostgreSQL database (the SQLite folder goes with `self`).
    pub async fn remove(self) {
        if let Some((admin, name)) = &self.admin {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&admin.pool)
                .await;
        }
    }
}

/// The application in process on a fresh scratch database with the map and the demo data: the
/// database, the state, the router, and the folder of its files (keep it while the app runs).
pub async fn demo_app(
    scratch: &Scratch,
) -> (
    Db,
    khuyenhoc::state::AppState,
    axum::Router,
    tempfile::TempDir,
) {
    let db = Db::connect(&scratch.url, 8, khuyenhoc::db::SqliteSync::Normal)
        .await
        .expect("connect");
    khuyenhoc::prepare(&db)
        .await
        .expect("migrations and the map");
    khuyenhoc::demo::load(&db).await.expect("demo data");
    let files_dir = tempfile::tempdir().expect("files dir");
    let settings = khuyenhoc::config::Settings {
        database_url: scratch.url.clone(),
        ..Default::default()
    };
    let state = khuyenhoc::state::AppState::new(
        db.clone(),
        settings,
        None,
        khuyenhoc::files::Files::local(files_dir.path()).expect("files"),
    );
    let router = khuyenhoc::web::app(state.clone());
    (db, state, router, files_dir)
}

/// One request to the router in process with a bearer token (a JSON body unless a GET): the
/// time to the whole answer, the answer, its size. Panics on an unsuccessful status.
pub async fn send(
    router: &axum::Router,
    token: &str,
    method: &str,
    path: &str,
    body: serde_json::Value,
) -> (Duration, serde_json::Value, usize) {
    let req = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"))
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .body(if method == "GET" {
            axum::body::Body::empty()
        } else {
            axum::body::Body::from(body.to_string())
        })
        .expect("request");
    let t = Instant::now();
    let resp = tower::ServiceExt::oneshot(router.clone(), req)
        .await
        .expect("infallible");
    let status = resp.status();
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    let took = t.elapsed();
    assert!(
        status.is_success(),
        "{method} {path}: {status} {}",
        String::from_utf8_lossy(&bytes)
    );
    (
        took,
        serde_json::from_slice(&bytes).expect("json"),
        bytes.len(),
    )
}

/// A personal API token of the person with this phone number, made in the database.
pub async fn token_for(db: &Db, phone: &str) -> String {
    let person: i64 = sqlx::query_scalar("SELECT id FROM people WHERE phone = $1")
        .bind(phone)
        .fetch_one(&db.pool)
        .await
        .expect("the demo officer");
    let secret = format!("kh_{}", khuyenhoc::auth::random_secret());
    sqlx::query("INSERT INTO api_tokens (person_id, name, token_hash, created_at) VALUES ($1, 'bench', $2, $3)")
        .bind(person)
        .bind(khuyenhoc::auth::secret_hash(&secret))
        .bind(khuyenhoc::db::now())
        .execute(&db.pool)
        .await
        .expect("a token");
    secret
}
