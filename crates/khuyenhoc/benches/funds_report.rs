//! The consolidated funds report (báo cáo thu chi tổng hợp) of the centre and of one province
//! for the half-year 2026-H1, on generated data, beside two baselines measured in the same run:
//!
//! - **app**: `funds::service::unit_report` (the fund totals of the unit, `funds::totals`), and
//!   the work of the API's handler around it (the report, the list of the subtree's funds, the
//!   JSON written);
//! - **old**: the code path before the fund totals, kept as the reference: the subtree's funds
//!   listed, then every ledger line of those funds up to the period's end read with an IN-list
//!   of their ids (`funds::service::report`);
//! - **plain SQL**: one GROUP BY over the ledger lines of the subtree (joined through entries,
//!   funds and units by path range), per account, before or within the period, and for transfer
//!   lines whether the fund on the other side lies in the subtree; its rows go through the same
//!   `receipts_and_payments`, and the three reports are checked equal on every run.
//!
//! Warm: one untimed run, then `--runs` timed runs (median and p90). The data comes from the
//! generator (`khuyenhoc-gen --scale S --seed 1`, as a library), kept for reuse: SQLite in
//! `/work/gen-funds-s{S}.db`, PostgreSQL in the database `gen_funds_s{S}`.
//!
//! ```text
//! cargo bench -p khuyenhoc --bench funds_report -- [--scale 0.1] [--backend sqlite|postgres|both] [--runs 10] [--budget 60]
//! ```

mod common;

use common::generated::{gen_db, measure, Series};
use khuyenhoc::db::{Backend, Db};
use khuyenhoc::funds::api::funds::UnitReport;
use khuyenhoc::funds::model::{joined, split_sum};
use khuyenhoc::funds::service;
use khuyenhoc_ledger::{Account, Date, Dong, FundId, Period, ReceiptsPayments, ReportLine};
use sqlx::Row;
use std::collections::BTreeSet;
use std::time::Duration;

struct Args {
    scale: String,
    runs: usize,
    budget: Duration,
    backends: Vec<Backend>,
}

fn args() -> Args {
    let found = common::flags(&["--scale", "--runs", "--budget", "--backend"]);
    let scale = common::generated::scale(&found, "0.1");
    Args {
        scale,
        runs: common::flag(&found, "--runs", 10_usize).max(1),
        budget: Duration::from_secs(common::flag(&found, "--budget", 60)),
        backends: common::backends(&found),
    }
}

/// The plain GROUP BY over the ledger lines of a subtree, made into the report.
async fn plain_sql(db: &Db, path: &str, period: Period) -> ReceiptsPayments {
    let sql = format!(
        "SELECT l.account, CASE WHEN e.occurred_on < $3 THEN 0 ELSE 1 END, \
         CASE WHEN cu.path >= $1 AND cu.path < $2 THEN 1 ELSE 0 END, {} \
         FROM ledger_lines l JOIN ledger_entries e ON e.id = l.entry_id JOIN funds f ON f.id = l.fund_id \
         JOIN units u ON u.id = f.unit_id \
         LEFT JOIN ledger_entries pe ON l.account = 'transfer_in' AND pe.id = e.pair_id \
         LEFT JOIN ledger_entries ne ON l.account = 'transfer_out' AND ne.pair_id = e.id \
         LEFT JOIN funds cf ON cf.id = COALESCE(pe.fund_id, ne.fund_id) \
         LEFT JOIN units cu ON cu.id = cf.unit_id \
         WHERE u.path >= $1 AND u.path < $2 AND e.occurred_on <= $4 GROUP BY 1, 2, 3",
        split_sum("l.amount")
    );
    let rows = sqlx::query(&sql)
        .bind(path)
        .bind(khuyenhoc::org::path_upper_bound(path))
        .bind(period.from().to_string())
        .bind(period.to().to_string())
        .fetch_all(&db.pool)
        .await
        .expect("plain SQL");
    let before = Date::new(1999, 1, 1).expect("date");
    let lines: Vec<ReportLine> = rows
        .iter()
        .map(|r| {
            let internal = r.get::<i64, _>(2) != 0;
            ReportLine {
                fund: FundId(0),
                account: Account::parse(&r.get::<String, _>(0)).expect("account"),
                amount: Dong::new(joined(r, 3).expect("sum")),
                on: if r.get::<i64, _>(1) == 0 {
                    before
                } else {
                    period.from()
                },
                transfer_counterpart_fund: internal.then_some(FundId(0)),
            }
        })
        .collect();
    khuyenhoc_ledger::receipts_and_payments(&BTreeSet::from([FundId(0)]), period, lines.iter())
        .expect("report")
}

/// The old path: the subtree's funds, then their ledger lines with an IN-list.
async fn old(db: &Db, path: &str, period: Period) -> ReceiptsPayments {
    let ids: Vec<i64> = service::subtree_funds(db, path)
        .await
        .expect("funds")
        .iter()
        .map(|f| f.id)
        .collect();
    service::report(db, &ids, period).await.expect("old report")
}

/// What the API's handler does after the access check: the report, the funds, the JSON.
async fn api_work(db: &Db, id: i64, path: &str, period: Period) -> (ReceiptsPayments, usize) {
    let report = service::unit_report(db, id, path, period)
        .await
        .expect("report");
    let funds = service::subtree_funds(db, path).await.expect("funds");
    let body = serde_json::to_vec(&UnitReport {
        report: report.clone(),
        funds,
    })
    .expect("json");
    (report, body.len())
}

fn row(what: &str, s: &Series, app: &Series) {
    println!(
        "| {what} | {:.2} | {:.2} | {:.1}× |",
        s.median(),
        s.pct(0.9),
        s.median() / app.median()
    );
}

async fn bench(backend: Backend, a: &Args) {
    let (db, _url) = gen_db(backend, "gen-funds", &a.scale).await;
    let period = Period::new(
        Date::new(2026, 1, 1).expect("date"),
        Date::new(2026, 6, 30).expect("date"),
    )
    .expect("period");
    let lines: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger_lines")
        .fetch_one(&db.pool)
        .await
        .expect("count");
    let transfers: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM ledger_entries WHERE kind = 'transfer_in'")
            .fetch_one(&db.pool)
            .await
            .expect("count");
    println!(
        "\n### {backend:?}, scale {}: {lines} ledger lines, {transfers} transfers, 2026-H1",
        a.scale
    );
    for code in ["VN", "01"] {
        let (id, path): (i64, String) =
            sqlx::query_as("SELECT id, path FROM units WHERE code = $1")
                .bind(code)
                .fetch_one(&db.pool)
                .await
                .expect("unit");
        let funds: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM funds f JOIN units u ON u.id = f.unit_id WHERE u.path >= $1 AND u.path < $2",
        )
        .bind(&path)
        .bind(khuyenhoc::org::path_upper_bound(&path))
        .fetch_one(&db.pool)
        .await
        .expect("funds");
        let (app, new) = measure(a.runs, a.budget, || async {
            service::unit_report(&db, id, &path, period)
                .await
                .expect("report")
        })
        .await;
        let (api, (via_api, bytes)) =
            measure(a.runs, a.budget, || api_work(&db, id, &path, period)).await;
        let (sql, by_sql) = measure(a.runs, a.budget, || plain_sql(&db, &path, period)).await;
        let (before, by_old) = measure(a.runs, a.budget, || old(&db, &path, period)).await;
        assert_eq!(new, by_old, "{code}: counters vs the old path");
        assert_eq!(new, by_sql, "{code}: counters vs the plain SQL");
        assert_eq!(new, via_api, "{code}: the API's report");
        println!(
            "\n{code} ({funds} funds): receipts {} đ, payments {} đ, internal transfers left out {} đ; API JSON {bytes} bytes",
            new.total_receipts.get(),
            new.total_payments.get(),
            new.eliminated_internal_transfers.get()
        );
        println!("| {code} | median ms | p90 ms | × app |\n|---|---:|---:|---:|");
        row("app: `unit_report` (fund totals)", &app, &app);
        row("API handler's work (report + funds + JSON)", &api, &app);
        row("plain SQL over the ledger lines", &sql, &app);
        row("before: the old path (IN-list of funds)", &before, &app);
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let a = args();
    for backend in a.backends.clone() {
        bench(backend, &a).await;
    }
}
