//! Submission load against the real server, beside baselines measured in the same run:
//!
//! - the same server's trivial endpoint (`GET /healthz`),
//! - a raw single-row INSERT into the same database from 64 connections (no HTTP, no app),
//! - self-assessment submissions (`POST /api/v1/evaluations/{id}/submit`), 64 connections.
//!
//! The server runs as a child process (the release binary, `serve`); the load comes from this
//! process over loopback. Each phase is bounded in time. Peak server memory (VmHWM) is read from
//! /proc at the end. Run on SQLite (a file in a temp dir) and on PostgreSQL (a scratch database
//! made from `KHUYENHOC_TEST_PG_URL`, dropped at the end):
//!
//! ```text
//! cargo bench -p khuyenhoc --bench load -- [--seconds 10] [--evaluations 6000] [--backend sqlite|postgres|both]
//! ```

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use khuyenhoc::db::{Backend, Db};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CONNECTIONS: usize = 64;
const BADINH: &str = "0900000003";
const INDICATORS: [&str; 10] = [
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

type Http = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

struct Args {
    seconds: u64,
    evaluations: usize,
    backends: Vec<Backend>,
}

fn args() -> Args {
    let mut a = Args {
        seconds: 10,
        evaluations: 6000,
        backends: vec![Backend::Sqlite, Backend::Postgres],
    };
    let argv: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < argv.len() {
        let next = argv.get(i + 1).cloned().unwrap_or_default();
        match argv[i].as_str() {
            "--seconds" => a.seconds = next.parse().unwrap_or(a.seconds),
            "--evaluations" => a.evaluations = next.parse().unwrap_or(a.evaluations),
            "--backend" => {
                a.backends = match next.as_str() {
                    "sqlite" => vec![Backend::Sqlite],
                    "postgres" => vec![Backend::Postgres],
                    _ => a.backends,
                }
            }
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    a
}

/// Latencies of one phase.
struct Phase {
    name: &'static str,
    ok: usize,
    errors: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Phase {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }
    fn pct(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        let mut l = self.latencies.clone();
        l.sort();
        let i = ((l.len() as f64 - 1.0) * p).round() as usize;
        l[i.min(l.len() - 1)].as_secs_f64() * 1000.0
    }
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn peak_rss_mb(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on loopback")
}

async fn start_server(url: &str) -> Server {
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

fn client() -> Http {
    Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(CONNECTIONS)
        .build_http()
}

async fn call(
    http: &Http,
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<String>,
) -> Result<(u16, Bytes), String> {
    let mut req = axum::http::Request::builder().method(method).uri(url);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    if body.is_some() {
        req = req.header("content-type", "application/json");
    }
    let req = req
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .map_err(|e| e.to_string())?;
    let resp = http.request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, bytes))
}

/// Runs `work(n)` from 64 tasks until `seconds` pass or `work` says there is no more.
async fn phase<F, Fut>(name: &'static str, seconds: u64, work: F) -> Phase
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

async fn token_for(db: &Db, phone: &str) -> String {
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

/// People of branch 00004-1 to register, made directly in the database.
async fn people(db: &Db, n: usize) -> Vec<i64> {
    let unit: i64 = sqlx::query_scalar("SELECT id FROM units WHERE code = '00004-1'")
        .fetch_one(&db.pool)
        .await
        .expect("branch 00004-1");
    let mut ids = Vec::with_capacity(n);
    let mut tx = db.begin().await.expect("tx");
    for i in 0..n {
        let name = format!("Người thử tải {i}");
        let id: i64 = sqlx::query_scalar("INSERT INTO people (full_name, name_folded, unit_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(&name)
            .bind(khuyenhoc_domain::text::fold(&name))
            .bind(unit)
            .bind(khuyenhoc::db::now())
            .fetch_one(&mut *tx)
            .await
            .expect("a person");
        ids.push(id);
    }
    tx.commit().await.expect("commit");
    ids
}

#[allow(clippy::too_many_lines)] // one benchmark run, phase after phase, reads best in one place
async fn run(backend: Backend, a: &Args) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, admin) = match backend {
        Backend::Sqlite => (
            format!("sqlite://{}", dir.path().join("bench.db").display()),
            None,
        ),
        Backend::Postgres => {
            let admin_url = std::env::var("KHUYENHOC_TEST_PG_URL")
                .expect("KHUYENHOC_TEST_PG_URL (bash scripts/test-services.sh prints it)");
            let name = format!("khuyenhoc_bench_{}", std::process::id());
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
    let db = Db::connect(&url, 64, khuyenhoc::db::SqliteSync::Normal)
        .await
        .expect("connect");
    khuyenhoc::prepare(&db)
        .await
        .expect("migrations and the map");
    khuyenhoc::demo::load(&db).await.expect("demo data");
    let token = token_for(&db, BADINH).await;
    let persons = people(&db, a.evaluations).await;
    sqlx::query(
        "CREATE TABLE bench_raw (n BIGINT NOT NULL, payload TEXT NOT NULL, at BIGINT NOT NULL)",
    )
    .execute(&db.pool)
    .await
    .expect("the raw-insert table");
    let server = start_server(&url).await;
    let http = client();
    let year = chrono::Datelike::year(&chrono::Utc::now());
    // Setup (not timed): register every person and answer every indicator.
    let answers = serde_json::json!({"answers": INDICATORS.iter().map(|c| ((*c).to_owned(), serde_json::json!(9))).collect::<serde_json::Map<_, _>>()}).to_string();
    let ids = Arc::new(std::sync::Mutex::new(vec![]));
    let setup_started = Instant::now();
    {
        let (http, base, token, persons, ids, answers) = (
            http.clone(),
            server.base.clone(),
            token.clone(),
            Arc::new(persons),
            ids.clone(),
            answers.clone(),
        );
        let p = phase("setup", 3600, move |n| {
            let (http, base, token, persons, ids, answers) = (http.clone(), base.clone(), token.clone(), persons.clone(), ids.clone(), answers.clone());
            async move {
                let person = *persons.get(n)?;
                let body = serde_json::json!({"model": "citizen", "subject": {"person_id": person}, "year": year, "form_group": "farmer"}).to_string();
                let Ok((201, bytes)) = call(&http, "POST", &format!("{base}/api/v1/evaluations"), Some(&token), Some(body)).await else {
                    return Some(false);
                };
                let id = serde_json::from_slice::<serde_json::Value>(&bytes).ok()?["evaluation"]["id"].as_i64()?;
                let ok = matches!(call(&http, "PUT", &format!("{base}/api/v1/evaluations/{id}/answers"), Some(&token), Some(answers)).await, Ok((200, _)));
                if ok {
                    ids.lock().ok()?.push(id);
                }
                Some(ok)
            }
        })
        .await;
        println!(
            "{backend:?}: setup registered and answered {} evaluations in {:.1} s ({} errors)",
            p.ok,
            setup_started.elapsed().as_secs_f64(),
            p.errors
        );
    }
    let ids: Arc<Vec<i64>> = Arc::new(ids.lock().map(|v| v.clone()).unwrap_or_default());
    // 1. The trivial endpoint.
    let trivial = {
        let (http, base) = (http.clone(), server.base.clone());
        phase("GET /healthz", a.seconds, move |_| {
            let (http, base) = (http.clone(), base.clone());
            async move {
                Some(matches!(
                    call(&http, "GET", &format!("{base}/healthz"), None, None).await,
                    Ok((200, _))
                ))
            }
        })
        .await
    };
    // 2. Raw single-row inserts into the same database, 64 connections, no HTTP.
    let raw = {
        let db = db.clone();
        phase("raw INSERT (1 row)", a.seconds, move |n| {
            let db = db.clone();
            async move {
                Some(
                    sqlx::query("INSERT INTO bench_raw (n, payload, at) VALUES ($1, $2, $3)")
                        .bind(i64::try_from(n).unwrap_or(0))
                        .bind("{\"reads\": 9}")
                        .bind(khuyenhoc::db::now())
                        .execute(&db.pool)
                        .await
                        .is_ok(),
                )
            }
        })
        .await
    };
    // 3. Submissions, each evaluation once.
    let submit = {
        let (http, base, token, ids) = (
            http.clone(),
            server.base.clone(),
            token.clone(),
            ids.clone(),
        );
        phase("POST …/submit", a.seconds, move |n| {
            let (http, base, token, ids) = (http.clone(), base.clone(), token.clone(), ids.clone());
            async move {
                let id = *ids.get(n)?;
                Some(matches!(
                    call(
                        &http,
                        "POST",
                        &format!("{base}/api/v1/evaluations/{id}/submit"),
                        Some(&token),
                        Some("{}".into())
                    )
                    .await,
                    Ok((200, _))
                ))
            }
        })
        .await
    };
    let rss = server.peak_rss_mb();
    println!(
        "\n{backend:?}: {CONNECTIONS} connections, {} s per phase",
        a.seconds
    );
    println!("| phase | answered | errors | per second | p50 ms | p99 ms | vs raw insert |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for p in [&trivial, &raw, &submit] {
        println!(
            "| {} | {} | {} | {:.0} | {:.1} | {:.1} | {:.0} % |",
            p.name,
            p.ok,
            p.errors,
            p.rate(),
            p.pct(0.5),
            p.pct(0.99),
            100.0 * p.rate() / raw.rate().max(f64::EPSILON)
        );
    }
    println!("peak server memory (VmHWM): {rss:.0} MB");
    if submit.ok == ids.len() {
        println!("(all {} prepared evaluations were submitted before the time was up: raise --evaluations for a longer phase)", ids.len());
    }
    drop(server);
    db.pool.close().await;
    if let Some((admin, name)) = admin {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&admin.pool)
            .await;
    }
}

fn main() {
    let a = args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    for b in a.backends.clone() {
        rt.block_on(run(b, &a));
    }
}
