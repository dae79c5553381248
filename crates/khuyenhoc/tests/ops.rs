//! Operations: probes, metrics, the OpenAPI document, backups, and the command line.

mod common;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;
use std::process::Command;

both_backends!(probes_metrics_and_openapi, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut anon = Client::default();
    assert_eq!(app.get(&mut anon, "/healthz").await.body, "ok");
    assert_eq!(app.get(&mut anon, "/readyz").await.status, StatusCode::OK);
    app.get(&mut anon, "/login").await;
    // Metrics are served to the loopback address by default (tests/security.rs checks who else).
    let mut scrape = axum::http::Request::get("/metrics")
        .body(axum::body::Body::empty())
        .expect("request");
    scrape
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            [127, 0, 0, 1],
            40000,
        ))));
    let m = app.send(&mut anon, scrape).await;
    assert!(m.body.contains("http_requests_total"), "{}", m.body);
    // The allocator's bytes in use, read at the scrape (glibc's mallinfo2): more than nothing.
    let heap = m
        .body
        .lines()
        .find_map(|l| l.strip_prefix("process_heap_in_use_bytes "))
        .and_then(|v| v.trim().parse::<f64>().ok());
    assert!(heap.is_some_and(|h| h > 1e6), "heap gauge in {}", m.body);
    let doc = app.get(&mut anon, "/api/v1/openapi.json").await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    // The document lists exactly the API routes of the router.
    let mut documented = vec![];
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for method in ops.as_object().expect("ops").keys() {
            documented.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    documented.sort();
    let mut routed: Vec<String> = khuyenhoc::web::routes::all()
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    routed.sort();
    assert_eq!(documented, routed);
    assert!(doc["paths"]["/api/v1/units"]["get"]["parameters"]
        .as_array()
        .expect("params")
        .iter()
        .any(|p| p["name"] == "level"));
    // Every documented API route answers something other than 404-for-unknown-route and 405.
    let mut c = app.api_client(CENTRAL).await;
    for route in &routed {
        let (method, path) = route.split_once(' ').expect("route");
        let path = path.replace("{code}", "00004").replace("{id}", "1");
        let r = app
            .send(
                &mut c,
                axum::http::Request::builder()
                    .method(method)
                    .uri(&path)
                    .header("content-type", "application/json")
                    .body(axum::body::Body::from("{}"))
                    .expect("req"),
            )
            .await;
        assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{route}");
        assert!(r.status.as_u16() < 500, "{route}: {}", r.body);
    }
    // Security headers.
    let r = app.get(&mut anon, "/login").await;
    assert_eq!(
        r.headers
            .get("x-frame-options")
            .and_then(|v| v.to_str().ok()),
        Some("DENY")
    );
    assert!(r.headers.get("content-security-policy").is_some());
});

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_khuyenhoc"));
    for (k, _) in std::env::vars() {
        if k.starts_with("KHUYENHOC_") {
            c.env_remove(k);
        }
    }
    c
}

fn run(c: &mut Command) -> String {
    let out = c.output().expect("run khuyenhoc");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{c:?} failed: {text}");
    text
}

both_backends!(
    command_line_migrate_import_admin_backup,
    |b: Backend| async move {
        let (url, _dir) = fresh_database(b).await;
        let work = tempfile::tempdir().expect("dir");
        let out = run(bin()
            .current_dir(work.path())
            .args(["--database-url", &url, "migrate"]));
        let want = format!("phiên bản {}", khuyenhoc::db::latest_version());
        assert!(out.contains(&want), "{out}");
        let out =
            run(bin()
                .current_dir(work.path())
                .args(["--database-url", &url, "import-units"]));
        assert!(out.contains("34 tỉnh, 3321 xã; thêm mới 3355"), "{out}");
        let out =
            run(bin()
                .current_dir(work.path())
                .args(["--database-url", &url, "import-units"]));
        assert!(
            out.contains("thêm mới 0"),
            "importing twice adds nothing: {out}"
        );
        let out = run(bin()
            .current_dir(work.path())
            .env("KHUYENHOC_ADMIN_PASSWORD", "mat-khau-quan-tri")
            .args([
                "--database-url",
                &url,
                "admin",
                "create",
                "--name",
                "Quản Trị Viên",
                "--email",
                "admin@khuyenhoc.vn",
            ]));
        assert!(out.contains("central administrator created"), "{out}");
        let bad = bin()
            .current_dir(work.path())
            .env("KHUYENHOC_ADMIN_PASSWORD", "short")
            .args([
                "--database-url",
                &url,
                "admin",
                "create",
                "--name",
                "X Y",
                "--phone",
                "0911222333",
            ])
            .output()
            .expect("run");
        assert!(!bad.status.success(), "a weak password is refused");
        // The administrator can log in and holds the central chair.
        let db = khuyenhoc::db::Db::connect(&url, 2, Default::default())
            .await
            .expect("connect");
        let holders: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM position_holdings h JOIN positions p ON p.id = h.position_id JOIN units u ON u.id = p.unit_id JOIN people pe ON pe.id = h.person_id WHERE u.code = 'VN' AND pe.email = 'admin@khuyenhoc.vn' AND h.to_at IS NULL",
    )
    .fetch_one(&db.pool)
    .await
    .expect("count");
        assert_eq!(holders, 1);
        if b == Backend::Sqlite {
            // A consistent copy, taken while a connection is open.
            let dest = work.path().join("backup.db");
            let out = run(bin().current_dir(work.path()).args([
                "--database-url",
                &url,
                "backup",
                dest.to_str().expect("utf8"),
            ]));
            assert!(out.contains("backup written"), "{out}");
            let copy = khuyenhoc::db::Db::connect(
                &format!("sqlite://{}", dest.display()),
                1,
                Default::default(),
            )
            .await
            .expect("open copy");
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM units")
                .fetch_one(&copy.pool)
                .await
                .expect("count");
            assert_eq!(
                n, 3356,
                "the central office, 34 provinces and 3,321 communes"
            );
            let again = bin()
                .current_dir(work.path())
                .args([
                    "--database-url",
                    &url,
                    "backup",
                    dest.to_str().expect("utf8"),
                ])
                .output()
                .expect("run");
            assert!(
                !again.status.success(),
                "an existing file is never overwritten"
            );
        } else {
            let dest = work.path().join("backup.dump");
            let out = run(bin().current_dir(work.path()).args([
                "--database-url",
                &url,
                "backup",
                dest.to_str().expect("utf8"),
            ]));
            assert!(out.contains("backup written"), "{out}");
            assert!(std::fs::metadata(&dest).map(|m| m.len()).unwrap_or(0) > 10_000);
        }
    }
);

#[tokio::test]
async fn bare_serve_in_an_empty_folder_works_and_stops_gracefully() {
    let work = tempfile::tempdir().expect("dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_khuyenhoc"))
        .current_dir(work.path())
        .env("KHUYENHOC_LISTEN", format!("127.0.0.1:{port}"))
        .env("KHUYENHOC_LOG_FORMAT", "json")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn");
    let mut ready = false;
    for _ in 0..200 {
        if let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            s.write_all(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .await
                .expect("write");
            let mut buf = String::new();
            s.read_to_string(&mut buf).await.expect("read");
            ready = buf.starts_with("HTTP/1.1 200");
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ready, "the server answered /readyz");
    assert!(
        work.path().join("khuyenhoc.db").exists(),
        "the default SQLite file is created in the working folder"
    );
    let pid = child.id().expect("pid");
    Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill");
    let status = tokio::time::timeout(std::time::Duration::from_secs(20), child.wait())
        .await
        .expect("stops within 20 s")
        .expect("wait");
    assert!(status.success(), "graceful shutdown exits 0");
    let out = child.wait_with_output().await.expect("output");
    let logs =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        logs.contains("\"message\":\"stopped\""),
        "structured JSON logs: {logs}"
    );
}
