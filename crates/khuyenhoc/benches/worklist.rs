//! The commune's worklist at 10 and at 10,000 evaluations, and a bulk recognition of 500, each
//! beside a baseline measured in the same run on the same database:
//!
//! - the list through the whole application (router, token, scope, keyset query, count, JSON) —
//!   first page, a page deep in the list (by cursor), a search "nguyen van", a branch and status
//!   filter — each against the raw SQL of the first page measured right after it (the keyset
//!   SELECT and the COUNT, no HTTP, no application code);
//! - the same first page when the commune holds 10 evaluations and 10,000;
//! - `POST /api/v1/units/00004/evaluations/bulk` recognising 500 under one decision, against one
//!   raw UPDATE of the same 500 rows.
//!
//! In-process (the router answers requests without a socket). SQLite in a temp dir and
//! PostgreSQL in a scratch database from `KHUYENHOC_TEST_PG_URL`:
//!
//! ```text
//! cargo bench -p khuyenhoc --bench worklist -- [--runs 50] [--backend sqlite|postgres|both]
//! ```

mod common;

use axum::body::Body;
use axum::http::{header, Request};
use common::{backends, flag, flags, percentile_ms, token_for, Scratch};
use http_body_util::BodyExt;
use khuyenhoc::db::{rows, Backend, Db};
use std::time::{Duration, Instant};
use tower::ServiceExt;

const BADINH: &str = "0900000003";

struct Args {
    runs: usize,
    backends: Vec<Backend>,
}

/// Median and p90 of `runs` timings.
fn summary(t: &[Duration]) -> (f64, f64) {
    (percentile_ms(t, 0.5), percentile_ms(t, 0.9))
}

async fn get(
    router: &axum::Router,
    token: &str,
    path: &str,
) -> (Duration, serde_json::Value, usize) {
    common::send(router, token, "GET", path, serde_json::Value::Null).await
}

/// `n` citizens of `branch` with a Learning Citizen evaluation each (passing answers).
async fn citizens(
    state: &khuyenhoc::state::AppState,
    branch: &str,
    from: usize,
    n: usize,
    status: khuyenhoc::evaluation::lifecycle::Status,
) {
    use khuyenhoc::evaluation::model::{Answer, Answers};
    let db = &state.db;
    let unit_id: i64 = sqlx::query_scalar("SELECT id FROM units WHERE code = $1")
        .bind(branch)
        .fetch_one(&db.pool)
        .await
        .expect("branch");
    let year = i64::from(chrono::Datelike::year(&chrono::Utc::now()));
    let (set_id, _) = khuyenhoc::evaluation::sets::effective(state, "citizen", "01", year)
        .await
        .expect("the citizen set");
    let answers: Answers = common::INDICATORS
        .iter()
        .map(|c| {
            (
                (*c).to_owned(),
                Answer {
                    value: Some(9),
                    ..Answer::default()
                },
            )
        })
        .collect();
    let names: Vec<String> = (from..from + n)
        .map(|i| {
            if i % 10 == 0 {
                format!("Nguyễn Văn Số {i}")
            } else {
                format!("Trần Thị Số {i}")
            }
        })
        .collect();
    let mut tx = db.begin().await.expect("tx");
    let backend = tx.backend();
    let mut ids = vec![];
    for (k, chunk) in names.chunks(500).enumerate() {
        let sql = format!(
            "INSERT INTO people (full_name, name_folded, phone, unit_id, created_at) VALUES {} RETURNING id",
            rows::values(backend, chunk.len(), &rows::row_of(5, ""))
        );
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for (j, name) in chunk.iter().enumerate() {
            q = q
                .bind(name.clone())
                .bind(khuyenhoc_domain::text::fold(name))
                .bind(format!("0955{:06}", from + k * 500 + j))
                .bind(unit_id)
                .bind(1_i64);
        }
        ids.extend(q.fetch_all(&mut *tx).await.expect("people"));
    }
    let new: Vec<khuyenhoc::evaluation::bulk::NewEvaluation<'_>> = names
        .iter()
        .zip(&ids)
        .map(|(name, id)| khuyenhoc::evaluation::bulk::NewEvaluation {
            model: "citizen",
            subject_kind: "person",
            subject_id: *id,
            subject_name: name,
            unit_id,
            year,
            set_id,
            form_group: Some("farmer"),
            disadvantaged: false,
            status,
            answers: &answers,
            total: 90,
            passed: true,
            level: None,
        })
        .collect();
    khuyenhoc::evaluation::bulk::insert_many(&mut tx, &new)
        .await
        .expect("evaluations");
    tx.commit().await.expect("commit");
}

/// The raw SQL of the list's first page: the keyset SELECT and the COUNT, no application code.
async fn raw_page(db: &Db, path: &str, year: i64) -> Duration {
    let upper = khuyenhoc::org::path_upper_bound(path);
    let t = Instant::now();
    let _: Vec<(i64, String, i64)> = sqlx::query_as(&format!(
        "SELECT e.id, e.subject_name, e.total FROM evaluations e JOIN units u ON u.id = e.unit_id \
         WHERE u.path >= $1 AND u.path < $2 AND e.year = {year} ORDER BY e.updated_at DESC, e.id DESC LIMIT 51"
    ))
    .bind(path)
    .bind(&upper)
    .fetch_all(&db.pool)
    .await
    .expect("raw page");
    let _: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM evaluations e JOIN units u ON u.id = e.unit_id WHERE u.path >= $1 AND u.path < $2 AND e.year = {year}"
    ))
    .bind(path)
    .bind(&upper)
    .fetch_one(&db.pool)
    .await
    .expect("raw count");
    t.elapsed()
}

struct Line {
    what: String,
    app: (f64, f64),
    raw: (f64, f64),
    bytes: usize,
}

async fn measure_list(
    router: &axum::Router,
    db: &Db,
    token: &str,
    path: &str,
    year: i64,
    runs: usize,
    what: &str,
) -> Line {
    let mut app = vec![];
    let mut raw = vec![];
    let mut bytes = 0;
    for _ in 0..runs {
        let (t, _, b) = get(router, token, path).await;
        app.push(t);
        bytes = b;
        raw.push(raw_page(db, "/VN/01/00004/", year).await);
    }
    Line {
        what: what.to_owned(),
        app: summary(&app),
        raw: summary(&raw),
        bytes,
    }
}

#[allow(clippy::too_many_lines)] // one benchmark run, phase after phase, reads best in one place
async fn run(backend: Backend, a: &Args) {
    use khuyenhoc::evaluation::lifecycle::Status;
    let scratch = Scratch::new(backend, "khuyenhoc_bench_worklist").await;
    let (db, state, router, _files) = common::demo_app(&scratch).await;
    let token = token_for(&db, BADINH).await;
    let year = i64::from(chrono::Datelike::year(&chrono::Utc::now()));
    let first = format!("/api/v1/evaluations?unit=00004&year={year}");
    let mut lines = vec![];

    // 10 evaluations.
    citizens(&state, "00004-1", 0, 10, Status::Submitted).await;
    lines.push(
        measure_list(
            &router,
            &db,
            &token,
            &first,
            year,
            a.runs,
            "first page, 10 in the commune",
        )
        .await,
    );

    // 10,000: 9,490 more of every kind, and 500 checked in the school branch to recognise.
    citizens(&state, "00004-1", 10, 4_990, Status::Submitted).await;
    citizens(&state, "00004-2", 5_000, 4_500, Status::Registered).await;
    citizens(&state, "00004-2", 9_500, 500, Status::Checked).await;
    khuyenhoc::reports::counters::recount(&db, true)
        .await
        .expect("recount");
    lines.push(
        measure_list(
            &router,
            &db,
            &token,
            &first,
            year,
            a.runs,
            "first page, 10,000",
        )
        .await,
    );
    // A page deep in the list: the cursor after 100 pages of 50.
    let mut path = first.clone();
    for _ in 0..100 {
        let (_, v, _) = get(&router, &token, &path).await;
        let cur = v["next_cursor"].as_str().expect("a next page").to_owned();
        path = format!("{first}&cursor={cur}");
    }
    lines.push(
        measure_list(
            &router,
            &db,
            &token,
            &path,
            year,
            a.runs,
            "page 101 (by cursor), 10,000",
        )
        .await,
    );
    lines.push(
        measure_list(
            &router,
            &db,
            &token,
            &format!("{first}&q=nguyen%20van"),
            year,
            a.runs,
            "search \"nguyen van\" (1,000 match), 10,000",
        )
        .await,
    );
    lines.push(
        measure_list(
            &router,
            &db,
            &token,
            &format!("{first}&branch=00004-2&status=checked&sort=oldest"),
            year,
            a.runs,
            "branch + status, oldest first, 10,000",
        )
        .await,
    );

    println!("\n{backend:?}: the commune's list (ms, median / p90 of {} runs; raw = the keyset SELECT and COUNT of the first page, no application code)", a.runs);
    println!("| list | app p50 | app p90 | raw p50 | raw p90 | app / raw | bytes |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for l in &lines {
        println!(
            "| {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1}× | {} |",
            l.what,
            l.app.0,
            l.app.1,
            l.raw.0,
            l.raw.1,
            l.app.0 / l.raw.0.max(0.001),
            l.bytes
        );
    }
    if let [small, big, ..] = lines.as_slice() {
        println!(
            "first page at 10,000 / at 10: {:.2}× (app), {:.2}× (raw)",
            big.app.0 / small.app.0.max(0.001),
            big.raw.0 / small.raw.0.max(0.001)
        );
    }

    // Bulk: 500 recognised under one decision, then the raw UPDATE of the same 500 rows.
    let body = serde_json::json!({
        "action": "recognise",
        "filter": {"branch": "00004-2", "status": "checked", "year": year},
        "decision": {"number": "99/QĐ-KH", "date": khuyenhoc::db::today()},
    });
    let req = Request::post("/api/v1/units/00004/evaluations/bulk")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("request");
    let t = Instant::now();
    let resp = router.clone().oneshot(req).await.expect("infallible");
    let status = resp.status();
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    let bulk = t.elapsed();
    assert!(
        status.is_success(),
        "bulk: {status} {}",
        String::from_utf8_lossy(&bytes)
    );
    let v: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    assert_eq!(v["done"].as_i64(), Some(500));
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT e.id FROM evaluations e JOIN recognitions r ON r.evaluation_id = e.id JOIN decisions d ON d.id = r.decision_id WHERE d.number = '99/QĐ-KH'",
    )
    .fetch_all(&db.pool)
    .await
    .expect("the 500");
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let t = Instant::now();
    let mut tx = db.begin().await.expect("tx");
    sqlx::query(&format!(
        "UPDATE evaluations SET status = 'recognised', updated_at = updated_at + 1 WHERE id IN ({list})"
    ))
    .execute(&mut *tx)
    .await
    .expect("raw update");
    tx.commit().await.expect("commit");
    let raw = t.elapsed();
    println!(
        "\n{backend:?}: bulk recognition of 500 under one decision: {:.0} ms ({:.2} ms each); raw UPDATE of the same 500 rows: {:.1} ms; app / raw {:.0}×",
        bulk.as_secs_f64() * 1000.0,
        bulk.as_secs_f64() * 1000.0 / 500.0,
        raw.as_secs_f64() * 1000.0,
        bulk.as_secs_f64() / raw.as_secs_f64().max(1e-6)
    );
    db.pool.close().await;
    scratch.remove().await;
}

fn main() {
    let f = flags(&["--runs", "--backend"]);
    let a = Args {
        runs: flag(&f, "--runs", 50),
        backends: backends(&f),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    for b in a.backends.clone() {
        rt.block_on(run(b, &a));
    }
}
