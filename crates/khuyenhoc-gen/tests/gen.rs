//! `khuyenhoc-gen`: synthetic national data at a tiny scale on both backends: the counts the
//! plan asks for, balanced ledger entries with gap-free voucher numbers, counters equal to what
//! `recount` computes from the raw rows, unique phones, NFC names, branch codes and paths like
//! the app makes them, one run per database, and the same data for the same seed (on SQLite,
//! and across the two backends) while another seed differs.

// The server crate's harness: the real application on a fresh database of either backend.
#[path = "../../khuyenhoc/tests/common/mod.rs"]
mod common;

use common::*;
use khuyenhoc::db::{Backend, Db};
use khuyenhoc_gen::{self as gen, Options, Plan};
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

const SCALE: f64 = 0.0005;

fn options(seed: u64) -> Options {
    Options {
        scale: SCALE,
        seed,
        quiet: true,
    }
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Rows of each table before the run (the demo data), to compare the growth with the summary.
async fn table_counts(db: &Db) -> BTreeMap<&'static str, i64> {
    let mut out = BTreeMap::new();
    for t in [
        "people",
        "members",
        "learning_groups",
        "group_members",
        "evaluations",
        "funds",
        "donors",
        "ledger_entries",
        "ledger_lines",
        "reports",
        "unit_populations",
    ] {
        out.insert(t, count(db, &format!("SELECT COUNT(*) FROM {t}")).await);
    }
    out.insert(
        "branches",
        count(db, "SELECT COUNT(*) FROM units WHERE level = 'branch'").await,
    );
    for (key, model) in [
        ("evaluations.citizen", "citizen"),
        ("evaluations.family", "family"),
        ("evaluations.clan", "clan"),
        ("evaluations.community", "community"),
        ("evaluations.unit", "unit"),
    ] {
        let sql = format!("SELECT COUNT(*) FROM evaluations WHERE model = '{model}'");
        out.insert(key, count(db, &sql).await);
    }
    out
}

async fn check_counts(db: &Db, before: &BTreeMap<&'static str, i64>, s: &gen::Summary) {
    let after = table_counts(db).await;
    for (table, n) in &after {
        let grown = u64::try_from(n - before[table]).expect("tables only grow");
        assert_eq!(grown, s.count(table), "{table}");
    }
    let plan = Plan::at(SCALE);
    assert_eq!(s.count("branches"), plan.branches);
    assert_eq!(s.count("people"), plan.people);
    // Movements of one fund, and transfers (two entries each) inside and across subtrees.
    assert!(s.count("transfers") > 0);
    assert_eq!(
        s.count("ledger_entries"),
        plan.ledger_entries + 2 * s.count("transfers")
    );
    assert_eq!(s.count("ledger_lines"), 2 * s.count("ledger_entries"));
    // About 10 million citizen evaluations at scale 1, and a quarter of the people as members.
    let citizens = s.count("evaluations.citizen") as f64;
    assert!(
        (0.85..1.15).contains(&(citizens / (10_000_000.0 * SCALE))),
        "{citizens}"
    );
    let members = s.count("members") as f64 / plan.people as f64;
    assert!((0.18..0.32).contains(&members), "{members}");
    for model in ["citizen", "family", "clan", "community", "unit"] {
        assert!(s.count(&format!("evaluations.{model}")) > 0, "{model}");
    }
    // Every evaluation is made under a stored set of its own model; statuses vary by year.
    let wrong_set = count(db, "SELECT COUNT(*) FROM evaluations e JOIN criteria_sets c ON c.id = e.set_id WHERE c.model <> e.model").await;
    assert_eq!(wrong_set, 0);
    for year in [2024, 2025, 2026] {
        let statuses = count(
            db,
            &format!("SELECT COUNT(DISTINCT status) FROM evaluations WHERE year = {year}"),
        )
        .await;
        assert!(statuses >= 3, "{year}: {statuses} statuses");
    }
    let bad_pass = count(db, "SELECT COUNT(*) FROM evaluations WHERE (status = 'recognised' AND passed = 0) OR (status IN ('registered', 'not_recognised') AND passed = 1)").await;
    assert_eq!(bad_pass, 0);
}

async fn check_ledger(db: &Db) {
    let unbalanced = count(db, "SELECT COUNT(*) FROM (SELECT entry_id, fund_id FROM ledger_lines GROUP BY entry_id, fund_id HAVING SUM(amount) <> 0) x").await;
    assert_eq!(unbalanced, 0, "every entry balances per fund");
    let short = count(db, "SELECT COUNT(*) FROM ledger_entries e WHERE (SELECT COUNT(*) FROM ledger_lines l WHERE l.entry_id = e.id) < 2").await;
    assert_eq!(short, 0);
    let overdrawn = count(db, "SELECT COUNT(*) FROM (SELECT fund_id, account FROM ledger_lines WHERE account IN ('cash', 'bank', 'in_kind') GROUP BY fund_id, account HAVING SUM(amount) < 0) x").await;
    assert_eq!(overdrawn, 0, "no asset goes below zero");
    // Voucher numbers: 1..n per fund, year and kind, and the counter at n.
    let mut seqs: BTreeMap<(i64, u16, String), Vec<u32>> = BTreeMap::new();
    for r in
        sqlx::query("SELECT fund_id, voucher_no FROM ledger_entries WHERE voucher_no IS NOT NULL")
            .fetch_all(&db.pool)
            .await
            .expect("vouchers")
    {
        let fund: i64 = r.get(0);
        let no: String = r.get(1);
        let v = khuyenhoc_ledger::VoucherNumber::parse(&no).expect("voucher number");
        assert_eq!(v.to_string(), no, "canonical form");
        let kind = no[..2].to_owned();
        let year: u16 = no[3..7].parse().expect("year");
        let seq: u32 = no[8..].parse().expect("seq");
        seqs.entry((fund, year, kind)).or_default().push(seq);
    }
    assert!(!seqs.is_empty());
    let counters: BTreeMap<(i64, u16, String), i64> =
        sqlx::query("SELECT fund_id, year, kind, last_no FROM voucher_counters")
            .fetch_all(&db.pool)
            .await
            .expect("counters")
            .iter()
            .map(|r| {
                let year: i64 = r.get(1);
                (
                    (r.get(0), u16::try_from(year).expect("year"), r.get(2)),
                    r.get(3),
                )
            })
            .collect();
    for (key, mut list) in seqs {
        list.sort_unstable();
        let want: Vec<u32> = (1..=list.len() as u32).collect();
        assert_eq!(list, want, "gap-free vouchers of {key:?}");
        assert_eq!(
            counters.get(&key).copied(),
            Some(list.len() as i64),
            "{key:?}"
        );
    }
}

async fn check_people_and_map(db: &Db) {
    let dup_phones = count(db, "SELECT COUNT(*) FROM (SELECT phone FROM people WHERE phone IS NOT NULL GROUP BY phone HAVING COUNT(*) > 1) x").await;
    assert_eq!(dup_phones, 0);
    let rows = sqlx::query("SELECT full_name, name_folded, phone FROM people")
        .fetch_all(&db.pool)
        .await
        .expect("people");
    let mut with_phone = 0;
    for r in &rows {
        let name: String = r.get(0);
        let folded: String = r.get(1);
        assert_eq!(khuyenhoc_domain::text::clean(&name), name, "NFC: {name}");
        assert_eq!(khuyenhoc_domain::text::fold(&name), folded, "{name}");
        if let Some(p) = r.get::<Option<String>, _>(2) {
            let parsed = khuyenhoc_domain::phone::PhoneNumber::parse(&p).expect("phone");
            assert_eq!(parsed.as_str(), p);
            with_phone += 1;
        }
    }
    assert!(
        with_phone * 5 > rows.len(),
        "{with_phone} of {}",
        rows.len()
    );
    let diacritics = rows
        .iter()
        .filter(|r| !r.get::<String, _>(0).is_ascii())
        .count();
    assert!(
        diacritics * 2 > rows.len(),
        "Vietnamese names carry diacritics"
    );
    // Branch codes continue the commune's sequence; paths are the parent's path and the code.
    for r in sqlx::query(
        "SELECT b.code, b.path, b.kind, p.code, p.path, p.branch_seq, p.level FROM units b JOIN units p ON p.id = b.parent_id WHERE b.level = 'branch'",
    )
    .fetch_all(&db.pool)
    .await
    .expect("branches")
    {
        let (code, path, kind): (String, String, String) = (r.get(0), r.get(1), r.get(2));
        let (pcode, ppath, seq, level): (String, String, i64, String) =
            (r.get(3), r.get(4), r.get(5), r.get(6));
        assert_eq!(level, "commune");
        let n: i64 = code
            .strip_prefix(&format!("{pcode}-"))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{code} under {pcode}"));
        assert!(n >= 1 && n <= seq, "{code}: branch_seq {seq}");
        assert_eq!(path, format!("{ppath}{code}/"));
        khuyenhoc_domain::org::BranchKind::parse(&kind).expect("kind");
    }
}

async fn check_reports(db: &Db) {
    let rows = sqlx::query("SELECT r.status, r.snapshot, r.period, u.level FROM reports r JOIN units u ON u.id = r.unit_id")
        .fetch_all(&db.pool)
        .await
        .expect("reports");
    assert!(!rows.is_empty());
    let mut seen = BTreeSet::new();
    for r in rows {
        let (status, snapshot, period, level): (String, Option<String>, String, String) =
            (r.get(0), r.get(1), r.get(2), r.get(3));
        seen.insert((period.clone(), level.clone(), status.clone()));
        assert!(period == "2025-Y" || period == "2026-H1");
        assert!(level == "commune" || level == "province");
        match (status.as_str(), snapshot) {
            ("draft", s) => assert!(s.is_none()),
            (_, Some(s)) => {
                let snap: khuyenhoc::reports::service::Snapshot =
                    serde_json::from_str(&s).expect("snapshot");
                assert!(!snap.lines.is_empty());
                assert!(snap.base.get("branches.total").copied().unwrap_or(0) > 0);
            }
            (other, None) => panic!("{other} report without a snapshot"),
        }
    }
    assert!(seen.iter().any(|(_, _, s)| s == "accepted"));
    assert!(seen.iter().any(|(_, _, s)| s == "draft"));
}

both_backends!(fills_a_demo_database_consistently, |backend| async move {
    let app = TestApp::new(backend).await;
    let before = table_counts(&app.db).await;
    let started = std::time::Instant::now();
    let s = gen::generate(&app.db, &options(42))
        .await
        .expect("generate");
    eprintln!("{backend:?}: generated in {:?}", started.elapsed());
    check_counts(&app.db, &before, &s).await;
    check_ledger(&app.db).await;
    check_people_and_map(&app.db).await;
    check_reports(&app.db).await;
    // The set-based rebuild gives what recount computes from the raw rows, demo data included.
    let diffs = khuyenhoc::reports::counters::recount(&app.db, false)
        .await
        .expect("recount");
    assert!(diffs.is_empty(), "{:?}", &diffs[..diffs.len().min(10)]);
    assert_eq!(
        u64::try_from(count(&app.db, "SELECT COUNT(*) FROM counters").await).unwrap_or(0),
        s.count("counters")
    );
    // The fund totals too; the centre's funds report from them is the ledger lines' report,
    // with transfers inside the country left out.
    let diffs = khuyenhoc::funds::totals::recount(&app.db, false)
        .await
        .expect("fund totals");
    assert!(diffs.is_empty(), "{:?}", &diffs[..diffs.len().min(10)]);
    let (centre, path): (i64, String) =
        sqlx::query_as("SELECT id, path FROM units WHERE code = 'VN'")
            .fetch_one(&app.db.pool)
            .await
            .expect("centre");
    let ids: Vec<i64> = khuyenhoc::funds::service::subtree_funds(&app.db, &path)
        .await
        .expect("funds")
        .iter()
        .map(|f| f.id)
        .collect();
    let half = khuyenhoc_ledger::Period::new(
        khuyenhoc_ledger::Date::new(2025, 1, 1).expect("date"),
        khuyenhoc_ledger::Date::new(2025, 6, 30).expect("date"),
    )
    .expect("period");
    let old = khuyenhoc::funds::service::report(&app.db, &ids, half)
        .await
        .expect("old report");
    let new = khuyenhoc::funds::totals::report(&app.db, centre, half)
        .await
        .expect("report")
        .expect("a half-year");
    assert_eq!(new, old);
    assert!(new.eliminated_internal_transfers.get() > 0, "{new:?}");
    // The app reads the generated data: a province's communes and their reports.
    let province: String = sqlx::query_scalar(
        "SELECT u.code FROM reports r JOIN units u ON u.id = r.unit_id WHERE u.level = 'province' ORDER BY u.code LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("a province report");
    let mut c = app.login(CENTRAL).await;
    let r = app
        .get(
            &mut c,
            &format!("/units/{province}/reports/2025-Y/children"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // A second run is refused, and says why.
    let err = gen::generate(&app.db, &options(42))
        .await
        .expect_err("second run");
    let msg = format!("{err:#}");
    assert!(
        msg.contains("synthetic_data") && msg.contains("dữ liệu mẫu"),
        "{msg}"
    );
    // Identity sequences continue after the generated ids (PostgreSQL).
    let mut tx = app.db.begin().await.expect("tx");
    let id: i64 = sqlx::query_scalar("INSERT INTO donors (unit_id, kind, name, created_at) VALUES (1, 'anonymous', 'x', 0) RETURNING id")
        .fetch_one(&mut *tx)
        .await
        .expect("insert after the run");
    assert!(id > count(&app.db, "SELECT MAX(id) FROM donors").await);
    tx.rollback().await.expect("rollback");
});

async fn generated(backend: Backend, seed: u64) -> String {
    let app = TestApp::empty(backend).await;
    gen::generate(&app.db, &options(seed))
        .await
        .expect("generate");
    gen::checksum(&app.db).await.expect("checksum")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_gives_the_same_data_and_another_seed_differs() {
    let a = generated(Backend::Sqlite, 5).await;
    let b = generated(Backend::Sqlite, 5).await;
    let c = generated(Backend::Sqlite, 6).await;
    assert_eq!(a, b, "same seed, same data");
    assert_ne!(a, c, "another seed, other data");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_get_the_same_data() {
    let sqlite = generated(Backend::Sqlite, 9).await;
    let postgres = generated(Backend::Postgres, 9).await;
    assert_eq!(sqlite, postgres);
}

#[test]
fn the_scale_is_checked_with_a_clear_message() {
    assert_eq!(gen::parse_scale("0.01"), Ok(0.01));
    assert_eq!(gen::parse_scale("2.5"), Ok(2.5));
    let e = gen::parse_scale("big").expect_err("not a number");
    assert!(
        e.contains("--scale phải là một số thập phân")
            && e.contains("--scale must be a decimal number"),
        "{e}"
    );
    assert!(gen::parse_scale("0").is_err() && gen::parse_scale("100").is_err());
}
