//! Documents at the scale of the whole country: the central office issues a công văn to every
//! commune (3,321 on the 2025 map), then its dashboard, its recipient list and one recipient's
//! incoming register are asked, each beside the raw SQL of the same work measured in the same
//! run on the same database:
//!
//! - issue: `POST /api/v1/documents/{id}/issue` (scope, recipients resolved and frozen, the
//!   3,321 register counters moved, the rows written, the audit entry), against a raw
//!   transaction that moves the same counters and inserts the same rows for another document;
//! - the sender's dashboard: `GET /api/v1/documents/{id}` (the document, the five counts in one
//!   grouped query, JSON), against the grouped COUNT alone;
//! - the recipient list, first page: `GET /api/v1/documents/{id}/recipients`, against its keyset
//!   SELECT and COUNT;
//! - one recipient's incoming register: `GET /api/v1/units/{code}/incoming`, against its keyset
//!   SELECT and COUNT;
//! - the same dashboard for a document sent to 3 units, to show it loads as fast at 3,321.
//!
//! In-process (the router answers requests without a socket). SQLite in a temp dir and
//! PostgreSQL in a scratch database from `KHUYENHOC_TEST_PG_URL`:
//!
//! ```text
//! cargo bench -p khuyenhoc --bench documents -- [--runs 30] [--issues 3] [--backend sqlite|postgres|both]
//! ```

mod common;

use common::{backends, flag, flags, percentile_ms, send, token_for, Scratch};
use khuyenhoc::db::{rows, Backend, Db};
use std::time::{Duration, Instant};

const CENTRAL: &str = "0900000001";

struct Args {
    runs: usize,
    issues: usize,
    backends: Vec<Backend>,
}

fn summary(t: &[Duration]) -> (f64, f64) {
    (percentile_ms(t, 0.5), percentile_ms(t, 0.9))
}

/// A signed draft of the central office to `recipients`; its id.
async fn signed(
    router: &axum::Router,
    token: &str,
    signer: i64,
    recipients: serde_json::Value,
) -> i64 {
    let (_, d, _) = send(
        router,
        token,
        "POST",
        "/api/v1/units/VN/documents",
        serde_json::json!({"type_code": "cv", "summary": "Công văn về Tuần lễ học tập suốt đời",
            "signer_position_id": signer, "reply_due": khuyenhoc::db::today(),
            "recipients": recipients}),
    )
    .await;
    let id = d["id"].as_i64().expect("id");
    send(
        router,
        token,
        "POST",
        &format!("/api/v1/documents/{id}/sign"),
        serde_json::json!({}),
    )
    .await;
    id
}

/// The raw issue of a document already in the table: the counters of `units` moved by one
/// statement, the recipient rows inserted many per statement, in one transaction.
async fn raw_issue(db: &Db, document_id: i64, units: &[(i64, String)], year: i64) -> Duration {
    let t = Instant::now();
    let mut tx = db.begin().await.expect("tx");
    let backend = tx.backend();
    let mut numbers = std::collections::HashMap::new();
    for chunk in units.chunks(4_000) {
        let list = rows::in_list(backend, 1, chunk.len());
        let sql = format!(
            "UPDATE document_counters SET last_number = last_number + 1 \
             WHERE year = {year} AND register = 'in' AND unit_id IN {list} RETURNING unit_id, last_number"
        );
        let mut q = sqlx::query_as::<_, (i64, i64)>(&sql);
        for (id, _) in chunk {
            q = q.bind(id);
        }
        numbers.extend(q.fetch_all(&mut *tx).await.expect("counters"));
        let row = rows::row_of(3, &format!(", {document_id}, {year}, 0"));
        let values = rows::values(backend, chunk.len(), &row);
        let sql = format!(
            "INSERT INTO document_recipients (unit_id, entry_number, unit_name_folded, document_id, \
             year, delivered_at) VALUES {values}"
        );
        let mut q = sqlx::query(&sql);
        for (id, name) in chunk {
            q = q
                .bind(id)
                .bind(numbers.get(id).copied().unwrap_or_default())
                .bind(name.clone());
        }
        q.execute(&mut *tx).await.expect("rows");
    }
    tx.commit().await.expect("commit");
    t.elapsed()
}

/// The raw grouped counts of one document's recipients.
async fn raw_counts(db: &Db, id: i64) -> Duration {
    let t = Instant::now();
    let _: (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), \
         CAST(COALESCE(SUM(CASE WHEN opened_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN acknowledged_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN replied_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) \
         FROM document_recipients WHERE document_id = $1 AND via_unit_id IS NULL",
    )
    .bind(id)
    .fetch_one(&db.pool)
    .await
    .expect("raw counts");
    t.elapsed()
}

/// The raw first page of a list of entries (`cond`), its keyset SELECT and its COUNT.
async fn raw_entries(db: &Db, cond: &str, order: &str) -> Duration {
    let t = Instant::now();
    let _: Vec<(i64, String, i64, Option<i64>)> = sqlx::query_as(&format!(
        "SELECT r.id, u.name, r.entry_number, r.opened_at FROM document_recipients r \
         JOIN documents d ON d.id = r.document_id JOIN units u ON u.id = r.unit_id \
         WHERE {cond} ORDER BY {order} LIMIT 51"
    ))
    .fetch_all(&db.pool)
    .await
    .expect("raw page");
    let _: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM document_recipients r JOIN documents d ON d.id = r.document_id WHERE {cond}"
    ))
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

impl Line {
    fn print(&self) {
        println!(
            "| {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.1}× | {} |",
            self.what,
            self.app.0,
            self.app.1,
            self.raw.0,
            self.raw.1,
            self.app.0 / self.raw.0.max(0.001),
            self.bytes
        );
    }
}

/// `runs` GETs of `path` through the application, each followed by its raw twin; the line and
/// the last answer.
async fn measure<F, Fut>(
    router: &axum::Router,
    token: &str,
    path: &str,
    runs: usize,
    what: String,
    raw: F,
) -> (Line, serde_json::Value)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Duration>,
{
    let (mut app, mut raws, mut bytes, mut last) = (vec![], vec![], 0, serde_json::Value::Null);
    for _ in 0..runs {
        let (t, v, b) = send(router, token, "GET", path, serde_json::json!({})).await;
        app.push(t);
        bytes = b;
        last = v;
        raws.push(raw().await);
    }
    (
        Line {
            what,
            app: summary(&app),
            raw: summary(&raws),
            bytes,
        },
        last,
    )
}

#[allow(clippy::too_many_lines)] // one benchmark run, phase after phase, reads best in one place
async fn run(backend: Backend, a: &Args) {
    let scratch = Scratch::new(backend, "khuyenhoc_bench_documents").await;
    let (db, _state, router, _files) = common::demo_app(&scratch).await;
    let token = token_for(&db, CENTRAL).await;
    let signer: i64 = sqlx::query_scalar(
        "SELECT p.id FROM positions p JOIN position_holdings h ON h.position_id = p.id \
         JOIN units u ON u.id = p.unit_id JOIN people pe ON pe.id = h.person_id \
         WHERE u.code = 'VN' AND pe.phone = $1 AND h.to_at IS NULL",
    )
    .bind(CENTRAL)
    .fetch_one(&db.pool)
    .await
    .expect("the signer");
    let year = i64::from(chrono::Datelike::year(&chrono::Utc::now()));
    let communes = serde_json::json!([{"kind": "level", "level": "commune"}]);
    let units: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, name FROM units WHERE level = 'commune' AND valid_to IS NULL ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await
    .expect("communes");
    let units: Vec<(i64, String)> = units
        .into_iter()
        .map(|(id, n)| (id, khuyenhoc_domain::text::fold(&n)))
        .collect();
    let n = units.len();

    // Issue to every commune, `issues` times, each beside a raw issue of the same rows.
    let mut app_issue = vec![];
    let mut raw_issue_t = vec![];
    let mut doc = 0;
    for _ in 0..a.issues {
        let id = signed(&router, &token, signer, communes.clone()).await;
        let (t, d, _) = send(
            &router,
            &token,
            "POST",
            &format!("/api/v1/documents/{id}/issue"),
            serde_json::json!({}),
        )
        .await;
        assert_eq!(d["state"], "issued");
        app_issue.push(t);
        doc = id;
        let twin = signed(&router, &token, signer, communes.clone()).await;
        raw_issue_t.push(raw_issue(&db, twin, &units, year).await);
    }
    let issue = Line {
        what: format!("issue to {n} communes"),
        app: summary(&app_issue),
        raw: summary(&raw_issue_t),
        bytes: 0,
    };

    // Recipients in every state: a third opened, a sixth acknowledged, a twelfth replied.
    for (every, col) in [(3, "opened_at"), (6, "acknowledged_at"), (12, "replied_at")] {
        sqlx::query(&format!(
            "UPDATE document_recipients SET {col} = 1 WHERE document_id = $1 AND id % {every} = 0"
        ))
        .bind(doc)
        .execute(&db.pool)
        .await
        .expect("states");
    }
    // A small document to 3 communes, for the same dashboard at 3.
    let codes: Vec<String> = sqlx::query_scalar(
        "SELECT code FROM units WHERE level = 'commune' AND valid_to IS NULL ORDER BY id LIMIT 3",
    )
    .fetch_all(&db.pool)
    .await
    .expect("three");
    let small = signed(
        &router,
        &token,
        signer,
        serde_json::json!([{"kind": "units", "codes": codes}]),
    )
    .await;
    send(
        &router,
        &token,
        "POST",
        &format!("/api/v1/documents/{small}/issue"),
        serde_json::json!({}),
    )
    .await;

    // Each list beside its raw SQL: (what, path, the raw list's condition and order).
    let (unit_id, _) = units[n / 2].clone();
    let code: String = sqlx::query_scalar("SELECT code FROM units WHERE id = $1")
        .bind(unit_id)
        .fetch_one(&db.pool)
        .await
        .expect("code");
    let mut lines = vec![];
    for (what, id) in [
        (format!("dashboard, {n} recipients"), doc),
        ("dashboard, 3 recipients".to_owned(), small),
    ] {
        let path = format!("/api/v1/documents/{id}");
        let (line, v) = measure(&router, &token, &path, a.runs, what, || raw_counts(&db, id)).await;
        assert!(v["counts"]["delivered"].as_i64().is_some_and(|d| d > 0));
        lines.push(line);
    }
    let cond = format!("r.document_id = {doc} AND r.via_unit_id IS NULL");
    let (line, v) = measure(
        &router,
        &token,
        &format!("/api/v1/documents/{doc}/recipients"),
        a.runs,
        format!("recipient list, first page of {n}"),
        || raw_entries(&db, &cond, "r.id"),
    )
    .await;
    assert_eq!(v["total"].as_i64(), i64::try_from(n).ok());
    lines.push(line);
    let cond = format!("r.unit_id = {unit_id}");
    let (line, v) = measure(
        &router,
        &token,
        &format!("/api/v1/units/{code}/incoming"),
        a.runs,
        "one commune's incoming register".to_owned(),
        || raw_entries(&db, &cond, "r.id DESC"),
    )
    .await;
    assert!(v["total"].as_i64().is_some_and(|t| t > 0));
    lines.push(line);

    println!(
        "\n{backend:?} (ms, median / p90; issue: {} runs, the rest {} runs; raw = the same statements without the application)",
        a.issues, a.runs
    );
    println!("| what | app p50 | app p90 | raw p50 | raw p90 | app / raw | bytes |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    issue.print();
    for l in &lines {
        l.print();
    }
    if let [big, small, ..] = lines.as_slice() {
        println!(
            "dashboard at {n} / at 3: {:.2}× (app), {:.2}× (raw)",
            big.app.0 / small.app.0.max(0.001),
            big.raw.0 / small.raw.0.max(0.001)
        );
    }
    db.pool.close().await;
    scratch.remove().await;
}

fn main() {
    let f = flags(&["--runs", "--issues", "--backend"]);
    let a = Args {
        runs: flag(&f, "--runs", 30),
        issues: flag(&f, "--issues", 3),
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
