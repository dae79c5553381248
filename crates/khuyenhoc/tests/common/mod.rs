//! The test harness: the real application on a fresh database of either backend.
//!
//! SQLite: a new file in a temporary folder. PostgreSQL: a new database on the server named by
//! `KHUYENHOC_TEST_PG_URL` (set by `scripts/test.sh`, which installs and starts PostgreSQL).
//! Without that variable the PostgreSQL half of every test fails: both backends run every time.
//!
//! Beside the harness: `api` (requests that must answer as expected, set-up through the API),
//! `citizen` (the national Learning Citizen set's indicators, an evaluation taken to a stage),
//! `sheets` (Excel imports as a browser does them: upload, hidden fields, confirm).
//! The browser tests add `common/browser.rs` with `#[path = "common/browser.rs"] mod browser;`.
#![allow(dead_code)]

mod api;
mod citizen;
mod fixture;
mod lists;
mod old_map;
mod sheets;

// Each test file uses its own part of these.
#[allow(unused_imports)]
pub use api::*;
#[allow(unused_imports)]
pub use citizen::*;
#[allow(unused_imports)]
pub use fixture::*;
/// Today's date as `YYYY-MM-DD`, as the application dates what it stores.
#[allow(unused_imports)]
pub use khuyenhoc::db::today;
#[allow(unused_imports)]
pub use lists::*;
#[allow(unused_imports)]
pub use old_map::*;
#[allow(unused_imports)]
pub use sheets::*;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use khuyenhoc::config::Settings;
use khuyenhoc::db::{Backend, Db};
use khuyenhoc::state::AppState;
use std::net::SocketAddr;
use tower::ServiceExt;

pub const PASSWORD: &str = khuyenhoc::demo::DEMO_PASSWORD;
/// Demo logins (see `khuyenhoc::demo`).
pub const CENTRAL: &str = "0900000001";
pub const HANOI: &str = "0900000002";
pub const BADINH: &str = "0900000003";
pub const BRANCH_OFFICER: &str = "0900000004";
pub const HOABINH: &str = "0900000005";
pub const CITIZEN: &str = "0900000006";
pub const TREASURER: &str = "0900000007";

/// The current year, as the application counts it (in Vietnam).
pub fn this_year() -> i32 {
    i32::try_from(khuyenhoc::db::this_year()).unwrap_or(2026)
}

pub struct TestApp {
    pub db: Db,
    pub url: String,
    pub router: Router,
    pub state: AppState,
    _dir: Option<tempfile::TempDir>,
    _files: tempfile::TempDir,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }
}

/// A browser-like client: keeps the cookies it is given.
#[derive(Clone, Default)]
pub struct Client {
    pub cookies: Vec<(String, String)>,
    pub bearer: Option<String>,
}

impl Client {
    pub fn csrf(&self) -> String {
        self.cookies
            .iter()
            .find(|(k, _)| k == "kh_csrf")
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
    fn absorb(&mut self, headers: &axum::http::HeaderMap) {
        for v in headers.get_all(header::SET_COOKIE) {
            let Ok(s) = v.to_str() else { continue };
            let pair = s.split(';').next().unwrap_or_default();
            if let Some((k, val)) = pair.split_once('=') {
                self.cookies.retain(|(ck, _)| ck != k);
                if !val.is_empty() {
                    self.cookies.push((k.to_owned(), val.to_owned()));
                }
            }
        }
    }
}

pub fn backend_url_base(backend: Backend) -> String {
    match backend {
        Backend::Sqlite => String::new(),
        Backend::Postgres => std::env::var("KHUYENHOC_TEST_PG_URL")
            .expect("KHUYENHOC_TEST_PG_URL is not set: run the tests with scripts/test.sh, which starts PostgreSQL"),
    }
}

/// A fresh, empty database URL of the backend (the database exists, with no tables).
pub async fn fresh_database(backend: Backend) -> (String, Option<tempfile::TempDir>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}/test.db", dir.path().display());
            (url, Some(dir))
        }
        Backend::Postgres => {
            let admin = backend_url_base(backend);
            let name = format!(
                "kh_test_{}",
                khuyenhoc::auth::random_secret()[..16].to_owned()
            );
            let db = Db::connect(&admin, 1, Default::default())
                .await
                .expect("connect to the PostgreSQL admin URL");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&db.pool)
                .await
                .expect("create test database");
            db.pool.close().await;
            let mut url = url::Url::parse(&admin).expect("admin URL");
            url.set_path(&name);
            (url.to_string(), None)
        }
    }
}

impl TestApp {
    /// The application on a fresh database with the 2025 map and the demo data.
    pub async fn new(backend: Backend) -> TestApp {
        let app = Self::empty(backend).await;
        khuyenhoc::demo::load(&app.db).await.expect("demo data");
        app
    }

    /// The application with the demo data and settings changed by `tweak` (SMTP, webhook, jobs).
    pub async fn with_settings(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        let app = Self::empty_with(backend, tweak).await;
        khuyenhoc::demo::load(&app.db).await.expect("demo data");
        app
    }

    /// The application on a fresh database with the 2025 map only.
    pub async fn empty(backend: Backend) -> TestApp {
        Self::empty_with(backend, |_| {}).await
    }

    /// Another application server on the same database: a new pool, the same settings (as a
    /// restarted server, or a second server sharing the database).
    pub async fn second_state(&self) -> AppState {
        let db = Db::connect(&self.url, 4, Default::default())
            .await
            .expect("connect");
        AppState::new(
            db,
            (*self.state.settings).clone(),
            None,
            self.state.files.clone(),
        )
    }

    /// Starts this server's job workers (the program's registry), polling every 20 ms.
    pub fn start_workers(&self) -> khuyenhoc::jobs::Workers {
        khuyenhoc::jobs::Workers::start(
            self.state.clone(),
            khuyenhoc::background::registry(),
            fast_workers(),
        )
    }

    /// Runs due jobs of the program's registry until none is left (at most 200).
    pub async fn run_jobs(&self) -> Vec<khuyenhoc::jobs::Outcome> {
        let reg = khuyenhoc::background::registry();
        let mut out = vec![];
        for _ in 0..200 {
            match khuyenhoc::jobs::run_one(&self.state, &reg, &fast_workers(), "test")
                .await
                .expect("job step")
            {
                Some(o) => out.push(o),
                None => break,
            }
        }
        out
    }

    async fn empty_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        // Errors the app logs (5xx causes) show in the output of a failing test.
        let _ = tracing_subscriber::fmt()
            .with_env_filter("khuyenhoc=error")
            .with_test_writer()
            .try_init();
        let (url, dir) = fresh_database(backend).await;
        let db = Db::connect(&url, 4, Default::default())
            .await
            .expect("connect");
        khuyenhoc::prepare(&db).await.expect("prepare");
        let mut settings = Settings {
            database_url: url.clone(),
            ..Settings::default()
        };
        tweak(&mut settings);
        let files_dir = tempfile::tempdir().expect("files dir");
        let files = khuyenhoc::files::Files::local(files_dir.path()).expect("files");
        let state = AppState::new(
            db.clone(),
            settings,
            khuyenhoc::ops::metrics_handle(),
            files,
        );
        let router = khuyenhoc::web::app(state.clone());
        TestApp {
            db,
            url,
            router,
            state,
            _dir: dir,
            _files: files_dir,
        }
    }

    pub async fn send(&self, client: &mut Client, req: Request<Body>) -> Resp {
        let (mut parts, body) = req.into_parts();
        if !client.cookies.is_empty() {
            parts.headers.insert(
                header::COOKIE,
                client.cookie_header().parse().expect("cookie header"),
            );
        }
        if let Some(b) = &client.bearer {
            parts.headers.insert(
                header::AUTHORIZATION,
                format!("Bearer {b}").parse().expect("auth header"),
            );
        }
        let resp = self
            .router
            .clone()
            .oneshot(Request::from_parts(parts, body))
            .await
            .expect("infallible");
        let (parts, body) = resp.into_parts();
        client.absorb(&parts.headers);
        let bytes = body.collect().await.expect("body").to_bytes();
        Resp {
            status: parts.status,
            headers: parts.headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, client: &mut Client, path: &str) -> Resp {
        self.send(
            client,
            Request::get(path).body(Body::empty()).expect("request"),
        )
        .await
    }

    /// Posts a form, adding the CSRF token the client holds (fetching a page first if needed).
    pub async fn post_form(
        &self,
        client: &mut Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Resp {
        if client.csrf().is_empty() {
            self.get(client, "/login").await;
        }
        let token = client.csrf();
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        ser.append_pair("_csrf", &token);
        for (k, v) in fields {
            ser.append_pair(k, v);
        }
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(ser.finish()))
            .expect("request");
        self.send(client, req).await
    }

    pub async fn json(
        &self,
        client: &mut Client,
        method: &str,
        path: &str,
        body: serde_json::Value,
    ) -> Resp {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request");
        self.send(client, req).await
    }

    /// A client signed in as the person with this phone number.
    pub async fn login(&self, phone: &str) -> Client {
        let mut c = Client::default();
        let r = self
            .post_form(
                &mut c,
                "/login",
                &[("login", phone), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "login of {phone} failed: {}",
            r.body
        );
        assert!(
            c.cookies.iter().any(|(k, _)| k == "kh_session"),
            "no session cookie for {phone}"
        );
        c
    }

    /// A GET whose answer is kept as bytes (workbooks, PDFs), with the client's cookies (and
    /// its API token, if it has one).
    pub async fn download(
        &self,
        client: &Client,
        path: &str,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let cookies = client
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut req = Request::get(path).header(header::COOKIE, cookies);
        if let Some(b) = &client.bearer {
            req = req.header(header::AUTHORIZATION, format!("Bearer {b}"));
        }
        let req = req.body(Body::empty()).expect("request");
        let resp = self.router.clone().oneshot(req).await.expect("infallible");
        let (parts, body) = resp.into_parts();
        let bytes = body.collect().await.expect("body").to_bytes().to_vec();
        (parts.status, parts.headers, bytes)
    }

    /// A client with a fresh API token of the person with this phone number.
    pub async fn api_client(&self, phone: &str) -> Client {
        let mut c = self.login(phone).await;
        let r = self
            .post_form(&mut c, "/account/tokens", &[("name", "test")])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let start = r.body.find("kh_").expect("token shown");
        let token: String = r.body[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        Client {
            cookies: vec![],
            bearer: Some(token),
        }
    }

    /// Serves the app on a loopback port (for the browser test); the server stops with the test.
    pub async fn serve(&self) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let app = self
            .router
            .clone()
            .into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        addr
    }

    pub async fn person_id(&self, phone: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM people WHERE phone = $1")
            .bind(phone)
            .fetch_one(&self.db.pool)
            .await
            .expect("person")
    }
}

/// Job workers for tests: two, polling every 20 ms, retries after 1 s.
pub fn fast_workers() -> khuyenhoc::jobs::WorkerConfig {
    khuyenhoc::jobs::WorkerConfig {
        workers: 2,
        poll: std::time::Duration::from_millis(20),
        lease_seconds: 60,
        retry_base_seconds: 1,
    }
}

/// Defines one async test per backend: `NAME::sqlite` and `NAME::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)(khuyenhoc::db::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                ($body)(khuyenhoc::db::Backend::Postgres).await
            }
        }
    };
}
