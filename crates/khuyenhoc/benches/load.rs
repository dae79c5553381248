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

mod common;

use common::{
    backends, call, client, flag, flags, healthz_phase, phase, start_server, token_for, Scratch,
    CONNECTIONS, INDICATORS,
};
use khuyenhoc::db::{Backend, Db};
use std::sync::Arc;
use std::time::Instant;

const BADINH: &str = "0900000003";

struct Args {
    seconds: u64,
    evaluations: usize,
    backends: Vec<Backend>,
}

fn args() -> Args {
    let f = flags(&["--seconds", "--evaluations", "--backend"]);
    Args {
        seconds: flag(&f, "--seconds", 10),
        evaluations: flag(&f, "--evaluations", 6000),
        backends: backends(&f),
    }
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
    let scratch = Scratch::new(backend, "khuyenhoc_bench").await;
    let url = scratch.url.clone();
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
    let trivial = healthz_phase(&http, &server.base, a.seconds).await;
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
    scratch.remove().await;
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
