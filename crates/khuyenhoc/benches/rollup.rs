//! The national half-year roll-up at scale, beside two baselines measured in the same run on
//! the same data:
//!
//! - **app**: the application's own code, called as the API calls it for the national unit VN:
//!   `reports::service::rollup(state, viewer, "VN", "2026-H1", None)` (the 34 provinces' live
//!   figures, stored reports, completeness, totals) and `reports::cluster::table` for a cluster
//!   of all 34 provinces (`BENCH-ALL`, 2026-H1 beside 2025-H1);
//! - **GROUP BY**: plain SQL over the raw rows in the same database: evaluations of the year
//!   joined to their unit's province through `units.path`, counted per province and model
//!   (registered = any status, recognised, pending = submitted or checked: the report's
//!   definitions), and ledger line sums per province and account for the half-year;
//! - **DuckDB**: the same GROUP BY over the same raw rows exported once (untimed) to Parquet,
//!   run by `scripts/bench-duckdb.py` in the venv of `scripts/test-services.sh`.
//!
//! Every figure is warm: one untimed run first, then `--runs` timed runs (median and p90). The
//! data comes from the generator (`khuyenhoc-gen --scale S --seed 1`, called as a library), kept
//! for reuse: SQLite in `/work/gen-s{S}.db`, PostgreSQL in the database `gen_s{S}` (dots as `_`)
//! next to `KHUYENHOC_TEST_PG_URL`, Parquet in `/work/gen-s{S}-{backend}-parquet/`. A database
//! without the generator's completion mark is made again. The bench adds the cluster `BENCH-ALL` to it.
//!
//! ```text
//! cargo bench -p khuyenhoc --bench rollup -- [--scale 1] [--backend sqlite|postgres|both] [--runs 10] [--budget 120] [--merger]
//! ```

mod common;

use common::generated::{gen_db, measure, Series};
use futures_core::Stream;
use khuyenhoc::auth::{HeldPosition, Viewer};
use khuyenhoc::db::{Backend, Db};
use khuyenhoc::reports::{cluster, figures, service};
use khuyenhoc::state::AppState;
use sqlx::Row;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::Command;
use std::time::{Duration, Instant};

const PERIOD: &str = "2026-H1";
const YEAR: i64 = 2026;
const CLUSTER: &str = "BENCH-ALL";

struct Args {
    scale: String,
    runs: usize,
    /// Time allowed to each measured series after its warm-up run (at least 3 runs are made).
    budget: Duration,
    backends: Vec<Backend>,
    /// `--merger`: also measure with the old map and the merger's data loaded (untimed step,
    /// kept in the database).
    merger: bool,
}

fn args() -> Args {
    let found = common::flags(&["--scale", "--runs", "--budget", "--backend"]);
    let scale = common::generated::scale(&found, "1");
    Args {
        scale,
        runs: common::flag(&found, "--runs", 10_usize).max(1),
        budget: Duration::from_secs(common::flag(&found, "--budget", 120)),
        backends: common::backends(&found),
        merger: std::env::args().any(|a| a == "--merger"),
    }
}

/// SQLite needs statistics on `units` for the figures' range queries (gen makes them; an
/// older file may lack them).
async fn ensure_stats(db: &Db) {
    if db.backend != Backend::Sqlite {
        return;
    }
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            .fetch_one(&db.pool)
            .await
            .expect("read sqlite_master");
    let units = if n > 0 {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'units'")
            .fetch_one(&db.pool)
            .await
            .expect("read sqlite_stat1")
    } else {
        0
    };
    if units == 0 {
        println!("ANALYZE units (no statistics yet)");
        sqlx::query("ANALYZE units")
            .execute(&db.pool)
            .await
            .expect("ANALYZE units");
    }
}

/// The provinces open today, and the bench cluster holding all of them (made once).
async fn bench_cluster(db: &Db) -> Vec<String> {
    let provinces: Vec<(i64, String)> = sqlx::query(
        "SELECT id, path FROM units WHERE level = 'province' AND valid_to IS NULL ORDER BY code",
    )
    .fetch_all(&db.pool)
    .await
    .expect("the provinces")
    .into_iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    let have: Option<i64> = sqlx::query_scalar("SELECT id FROM clusters WHERE code = $1")
        .bind(CLUSTER)
        .fetch_optional(&db.pool)
        .await
        .expect("look for the bench cluster");
    if have.is_none() {
        let mut tx = db.begin().await.expect("tx");
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO clusters (code, name, created_at) VALUES ($1, 'Benchmark: all provinces', 0) RETURNING id",
        )
        .bind(CLUSTER)
        .fetch_one(&mut *tx)
        .await
        .expect("the bench cluster");
        for (unit, _) in &provinces {
            sqlx::query(
                "INSERT INTO cluster_memberships (cluster_id, unit_id, valid_from) VALUES ($1, $2, '2025-07-01')",
            )
            .bind(id)
            .bind(unit)
            .execute(&mut *tx)
            .await
            .expect("a membership");
        }
        tx.commit().await.expect("commit the bench cluster");
    }
    provinces.into_iter().map(|(_, p)| p).collect()
}

/// A viewer holding a (made-up) position at the centre: reads everything, as the national
/// office does.
async fn national_viewer(db: &Db) -> Viewer {
    let vn: i64 = sqlx::query_scalar("SELECT id FROM units WHERE code = 'VN'")
        .fetch_one(&db.pool)
        .await
        .expect("the national unit");
    Viewer {
        person_id: 0,
        full_name: "bench".into(),
        home_unit_id: vn,
        must_change_password: false,
        unread_notices: 0,
        positions: vec![HeldPosition {
            position_id: 0,
            unit_id: vn,
            unit_path: "/VN/".into(),
            unit_code: "VN".into(),
            unit_name: "Trung ương".into(),
            unit_level: khuyenhoc_domain::Level::Central,
            type_code: "bench".into(),
            type_name_vi: "bench".into(),
            type_name_en: "bench".into(),
            permissions: vec![],
        }],
    }
}

/// Totals of evaluations of `YEAR` (registered, recognised, pending) from grouped rows.
type Check = (i64, i64, i64);

fn eval_sql(years: &str, provinces: Option<&[String]>) -> String {
    let filter = provinces.map_or(String::new(), |ps| {
        let list: Vec<String> = ps
            .iter()
            .map(|p| format!("'{}'", p.replace('\'', "")))
            .collect();
        format!("AND SUBSTR(u.path, 1, 7) IN ({})", list.join(", "))
    });
    format!(
        "SELECT e.year, SUBSTR(u.path, 1, 7), e.model, COUNT(*), \
         CAST(SUM(CASE WHEN e.status = 'recognised' AND e.revoked_at IS NULL THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN e.status IN ('submitted', 'checked') THEN 1 ELSE 0 END) AS BIGINT) \
         FROM evaluations e JOIN units u ON u.id = e.unit_id WHERE e.year IN ({years}) {filter} \
         GROUP BY e.year, SUBSTR(u.path, 1, 7), e.model"
    )
}

fn ledger_sql(years: &[i64], provinces: Option<&[String]>) -> String {
    let filter = provinces.map_or(String::new(), |ps| {
        let list: Vec<String> = ps
            .iter()
            .map(|p| format!("'{}'", p.replace('\'', "")))
            .collect();
        format!("AND SUBSTR(u.path, 1, 7) IN ({})", list.join(", "))
    });
    let halves: Vec<String> = years
        .iter()
        .map(|y| format!("(e.occurred_on >= '{y}-01-01' AND e.occurred_on < '{y}-07-01')"))
        .collect();
    format!(
        "SELECT SUBSTR(e.occurred_on, 1, 4), SUBSTR(u.path, 1, 7), l.account, CAST(SUM(l.amount) AS BIGINT) \
         FROM ledger_lines l JOIN ledger_entries e ON e.id = l.entry_id JOIN funds f ON f.id = l.fund_id \
         JOIN units u ON u.id = f.unit_id WHERE ({}) {filter} \
         GROUP BY SUBSTR(e.occurred_on, 1, 4), SUBSTR(u.path, 1, 7), l.account",
        halves.join(" OR ")
    )
}

/// Runs the two plain GROUP BY queries; returns the evaluation totals of `YEAR`.
async fn group_by(db: &Db, eval: &str, ledger: &str) -> Check {
    let rows = sqlx::query(eval)
        .fetch_all(&db.pool)
        .await
        .expect("GROUP BY evaluations");
    let lines = sqlx::query(ledger)
        .fetch_all(&db.pool)
        .await
        .expect("GROUP BY ledger lines");
    assert!(!lines.is_empty() || rows.is_empty(), "no ledger lines");
    let mut c = (0, 0, 0);
    for r in rows.iter().filter(|r| r.get::<i64, _>(0) == YEAR) {
        c.0 += r.get::<i64, _>(3);
        c.1 += r.get::<i64, _>(4);
        c.2 += r.get::<i64, _>(5);
    }
    c
}

/// The same totals from the app's base figures of the provinces (the roll-up's children).
async fn app_check(db: &Db, provinces: &[figures::UnitRef]) -> Check {
    let p = service::parse_period(PERIOD).expect("the period");
    let live = figures::live(db, provinces, &p, &khuyenhoc::db::today())
        .await
        .expect("live figures");
    let mut c = (0, 0, 0);
    for base in &live {
        for (m, v) in base {
            // eval.<kind>.<model>, without the per-form-group figures.
            let parts: Vec<&str> = m.split('.').collect();
            match parts.as_slice() {
                ["eval", "registered", _] => c.0 += v,
                ["eval", "recognised", _] => c.1 += v,
                ["eval", "pending", _] => c.2 += v,
                _ => {}
            }
        }
    }
    c
}

/// Writes the raw rows DuckDB needs to CSV, streaming (untimed, once per database).
async fn export_csv(db: &Db, sql: &str, header: &[&str], ints: &[bool], file: &Path) -> u64 {
    let mut w = csv::Writer::from_path(file).expect("create a CSV file");
    w.write_record(header).expect("write the CSV header");
    let mut stream = sqlx::query(sql).fetch(&db.pool);
    let mut n = 0;
    let mut record: Vec<String> = Vec::with_capacity(header.len());
    while let Some(row) = std::future::poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await {
        let row = row.expect("read a row to export");
        record.clear();
        for (i, int) in ints.iter().enumerate() {
            record.push(if *int {
                row.get::<i64, _>(i).to_string()
            } else {
                row.get::<String, _>(i)
            });
        }
        w.write_record(&record).expect("write a CSV row");
        n += 1;
    }
    w.flush().expect("flush the CSV file");
    n
}

fn venv_python() -> PathBuf {
    let cache = std::env::var("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache")
        });
    cache.join("khuyenhoc-test/venv/bin/python")
}

fn duckdb_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/bench-duckdb.py")
}

/// The Parquet copy of the raw rows, made when missing.
async fn parquet(db: &Db, dir: &Path) {
    if dir.join("complete").exists() {
        return;
    }
    let _ = std::fs::remove_dir_all(dir);
    let csv_dir = dir.join("csv");
    std::fs::create_dir_all(&csv_dir).expect("create the export folder");
    let t = Instant::now();
    let tables: [(&str, &str, &[&str], &[bool]); 5] = [
        (
            "units",
            "SELECT id, path FROM units",
            &["id", "path"],
            &[true, false],
        ),
        (
            "evaluations",
            "SELECT unit_id, year, model, status FROM evaluations",
            &["unit_id", "year", "model", "status"],
            &[true, true, false, false],
        ),
        (
            "funds",
            "SELECT id, unit_id FROM funds",
            &["id", "unit_id"],
            &[true, true],
        ),
        (
            "ledger_entries",
            "SELECT id, occurred_on FROM ledger_entries",
            &["id", "occurred_on"],
            &[true, false],
        ),
        (
            "ledger_lines",
            "SELECT entry_id, fund_id, account, amount FROM ledger_lines",
            &["entry_id", "fund_id", "account", "amount"],
            &[true, true, false, true],
        ),
    ];
    for (name, sql, header, ints) in tables {
        let n = export_csv(db, sql, header, ints, &csv_dir.join(format!("{name}.csv"))).await;
        println!("exported {n} rows of {name}");
    }
    let status = Command::new(venv_python())
        .arg(duckdb_script())
        .arg("convert")
        .arg(dir)
        .status()
        .expect("run scripts/bench-duckdb.py (bash scripts/test-services.sh installs duckdb)");
    assert!(status.success(), "the Parquet conversion failed: {status}");
    println!(
        "exported to Parquet in {:.1} s (untimed): {}",
        t.elapsed().as_secs_f64(),
        dir.display()
    );
}

/// DuckDB's timings and totals, per query name, from the script's output.
fn duckdb(
    dir: &Path,
    runs: usize,
    budget: Duration,
    provinces: &[String],
) -> Vec<(String, Series, Check)> {
    let out = Command::new(venv_python())
        .arg(duckdb_script())
        .arg("run")
        .arg(dir)
        .args(["--runs", &runs.to_string(), "--year", &YEAR.to_string()])
        .args(["--provinces", &provinces.join(",")])
        .args(["--budget", &budget.as_secs().to_string()])
        .output()
        .expect("run scripts/bench-duckdb.py");
    assert!(
        out.status.success(),
        "bench-duckdb.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut series: Vec<(String, Series, Check)> = vec![];
    for line in text.lines() {
        let mut w = line.split_whitespace();
        match (w.next(), w.next()) {
            (Some("TIMES"), Some(name)) => series.push((
                name.to_owned(),
                Series {
                    ms: w.filter_map(|t| t.parse().ok()).collect(),
                },
                (0, 0, 0),
            )),
            (Some("CHECK"), Some(name)) => {
                let n: Vec<i64> = w.filter_map(|t| t.parse().ok()).collect();
                if let (Some(s), [a, b, c]) =
                    (series.iter_mut().find(|s| s.0 == name), n.as_slice())
                {
                    s.2 = (*a, *b, *c);
                }
            }
            _ => {}
        }
    }
    series
}

fn row(what: &str, s: &Series, app: &Series) {
    println!(
        "| {what} | {} | {:.1} | {:.1} | {:.2}× | {:.2}× |",
        s.ms.len(),
        s.median(),
        s.pct(0.9),
        s.median() / app.median(),
        s.pct(0.9) / app.pct(0.9)
    );
}

#[allow(clippy::too_many_lines)] // one benchmark run, step after step, reads best in one place
async fn run(backend: Backend, a: &Args) {
    let started = Instant::now();
    let (db, _url) = gen_db(backend, "gen", &a.scale).await;
    ensure_stats(&db).await;
    let provinces = bench_cluster(&db).await;
    let files = tempfile::tempdir().expect("temp dir");
    let state = AppState::new(
        db.clone(),
        khuyenhoc::config::Settings::default(),
        None,
        khuyenhoc::files::Files::local(files.path()).expect("a files folder"),
    );
    let v = national_viewer(&db).await;

    // 1. The app, as the API calls it.
    let (app_rollup, r) = measure(a.runs, a.budget, || async {
        service::rollup(&state, &v, "VN", PERIOD, None)
            .await
            .expect("the national roll-up")
    })
    .await;
    let kids: Vec<figures::UnitRef> = r.children.iter().map(|c| c.unit.clone()).collect();
    let (app_cluster, t) = measure(a.runs, a.budget, || async {
        cluster::table(&db, &v, CLUSTER, PERIOD, None)
            .await
            .expect("the cluster table")
    })
    .await;
    let p = service::parse_period(PERIOD).expect("the period");
    let today = khuyenhoc::db::today();
    let (app_live, _) = measure(a.runs, a.budget, || async {
        figures::live(&db, &kids, &p, &today)
            .await
            .expect("live figures")
    })
    .await;
    let app_totals = app_check(&db, &kids).await;

    // 2. Plain GROUP BY over the raw rows.
    let (eval_r, ledger_r) = (eval_sql(&YEAR.to_string(), None), ledger_sql(&[YEAR], None));
    let (eval_c, ledger_c) = (
        eval_sql(&format!("{}, {YEAR}", YEAR - 1), Some(&provinces)),
        ledger_sql(&[YEAR - 1, YEAR], Some(&provinces)),
    );
    let (gb_rollup, gb_rollup_totals) =
        measure(a.runs, a.budget, || group_by(&db, &eval_r, &ledger_r)).await;
    let (gb_cluster, gb_cluster_totals) =
        measure(a.runs, a.budget, || group_by(&db, &eval_c, &ledger_c)).await;

    // 3. DuckDB over Parquet.
    let backend_name = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let dir = PathBuf::from(format!("/work/gen-s{}-{backend_name}-parquet", a.scale));
    parquet(&db, &dir).await;
    let dd = duckdb(&dir, a.runs, a.budget, &provinces);
    let find = |name: &str| {
        dd.iter()
            .find(|s| s.0 == name)
            .map(|s| (Series { ms: s.1.ms.clone() }, s.2))
            .expect("DuckDB timings")
    };
    let (dd_rollup, dd_rollup_totals) = find("rollup");
    let (dd_cluster, dd_cluster_totals) = find("cluster");

    let agree = [
        gb_rollup_totals,
        gb_cluster_totals,
        dd_rollup_totals,
        dd_cluster_totals,
    ]
    .iter()
    .all(|c| *c == app_totals);
    println!(
        "\n{backend_name}, scale {}: roll-up of {} provinces for {PERIOD}, cluster of {} provinces; \
         evaluations of {YEAR} (registered, recognised, pending): app {:?}, GROUP BY {:?}, DuckDB {:?}: {}",
        a.scale,
        r.children.len(),
        t.provinces.len(),
        app_totals,
        gb_rollup_totals,
        dd_rollup_totals,
        if agree { "agree" } else { "DIFFER" }
    );
    println!("| {backend_name} | runs | median ms | p90 ms | median vs app | p90 vs app |");
    println!("|---|---:|---:|---:|---:|---:|");
    row("roll-up: app (`service::rollup`)", &app_rollup, &app_rollup);
    row(
        "roll-up, of which `figures::live` (34 provinces)",
        &app_live,
        &app_rollup,
    );
    row("roll-up: plain GROUP BY", &gb_rollup, &app_rollup);
    row("roll-up: DuckDB over Parquet", &dd_rollup, &app_rollup);
    row(
        "cluster: app (`cluster::table`)",
        &app_cluster,
        &app_cluster,
    );
    row("cluster: plain GROUP BY", &gb_cluster, &app_cluster);
    row("cluster: DuckDB over Parquet", &dd_cluster, &app_cluster);

    // 4. The same with the old map and the merger's data (issue 17): the 63 old provinces,
    //    districts and 10,051 old communes with their official successions (split communes
    //    apportioned by the largest remainder), and 2025-H1 figures under every old commune, so
    //    the cluster table's 2025-H1 column and the 2026 roll-up carry predecessors' figures.
    if a.merger {
        let merger_note = merger_data(&db).await;
        let (m_rollup, _) = measure(a.runs, a.budget, || async {
            service::rollup(&state, &v, "VN", PERIOD, None)
                .await
                .expect("the national roll-up with the old map")
        })
        .await;
        let (m_cluster, mt) = measure(a.runs, a.budget, || async {
            cluster::table(&db, &v, CLUSTER, PERIOD, None)
                .await
                .expect("the cluster table with the old map")
        })
        .await;
        let (m_old, old_r) = measure(a.runs, a.budget, || async {
            service::rollup(&state, &v, "VN", OLD_PERIOD, Some(OLD_DAY))
                .await
                .expect("the national roll-up on the old map")
        })
        .await;
        let (m_new, new_r) = measure(a.runs, a.budget, || async {
            service::rollup(&state, &v, "VN", OLD_PERIOD, None)
                .await
                .expect("the same half-year on today's map")
        })
        .await;
        let receipts = |r: &service::Rollup| {
            r.heads
                .iter()
                .position(|h| h.key == "fund_receipts")
                .and_then(|i| r.total_live.get(i).copied().flatten())
        };
        println!(
            "\n{backend_name}, with the old map: {merger_note}; {OLD_PERIOD} fund receipts of the \
             nation: {:?} on the old map ({} provinces), {:?} on today's ({} provinces); the \
             cluster table's provinces: {}",
            receipts(&old_r),
            old_r.children.len(),
            receipts(&new_r),
            new_r.children.len(),
            mt.provinces.len()
        );
        println!("| {backend_name}, old map loaded | runs | median ms | p90 ms | median vs same before | p90 vs same before |");
        println!("|---|---:|---:|---:|---:|---:|");
        row(
            "roll-up: app (`service::rollup`), old map loaded",
            &m_rollup,
            &app_rollup,
        );
        row(
            "cluster: app (`cluster::table`), old map loaded",
            &m_cluster,
            &app_cluster,
        );
        row(
            "roll-up of 2025-H1 on the old map (63 provinces; vs the 2026-H1 roll-up)",
            &m_old,
            &app_rollup,
        );
        row(
            "roll-up of 2025-H1 on today's map (figures carried; vs the 2026-H1 roll-up)",
            &m_new,
            &app_rollup,
        );
    }
    println!("(whole run {:.0} s)", started.elapsed().as_secs_f64());
    db.pool.close().await;
}

/// The half-year and structure date the old-map series read.
const OLD_PERIOD: &str = "2025-H1";
const OLD_DAY: &str = "2025-06-30";

/// Loads the old map and its successions (`org::old_map::import_builtin`, idempotent) and, once,
/// 2025-H1 figures under every old commune (members, fund receipts, Learning Citizen
/// registrations: what a province's old-figures workbook gives, written through the same
/// counters), untimed. Says what it did.
async fn merger_data(db: &Db) -> String {
    let t = Instant::now();
    let report = khuyenhoc::org::old_map::import_builtin(db, khuyenhoc::audit::Actor::SYSTEM)
        .await
        .expect("the old map");
    let loaded = khuyenhoc::org::old_map::summary(&report).join(" ");
    let old: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM units WHERE level = 'commune' AND valid_to = '2025-07-01' ORDER BY id",
    )
    .fetch_all(&db.pool)
    .await
    .expect("the old communes");
    let have: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM counters WHERE period = $1 AND metric = 'old.members.active.h1'",
    )
    .bind(OLD_PERIOD)
    .fetch_one(&db.pool)
    .await
    .expect("read the counters");
    if have == 0 {
        for chunk in old.chunks(500) {
            let mut tx = db.begin().await.expect("tx");
            for (i, id) in chunk.iter().enumerate() {
                let n = i64::try_from(i).unwrap_or(0);
                let half = vec![
                    ("old.members.active.h1".to_owned(), 100 + n),
                    ("ledger.other_income".to_owned(), 1_000_001 + n),
                ];
                khuyenhoc::reports::counters::add(&mut tx, *id, OLD_PERIOD, &half)
                    .await
                    .expect("old half-year figures");
                let year = vec![("eval.registered.citizen".to_owned(), 7 + n % 5)];
                khuyenhoc::reports::counters::add(&mut tx, *id, "2025", &year)
                    .await
                    .expect("old yearly figures");
            }
            tx.commit().await.expect("commit old figures");
        }
    }
    format!(
        "{loaded} {} old communes with 2025-H1 figures ({}); {:.1} s, untimed",
        old.len(),
        if have == 0 {
            "added now"
        } else {
            "there already"
        },
        t.elapsed().as_secs_f64()
    )
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
