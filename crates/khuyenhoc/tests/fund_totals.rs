//! Fund totals by half-year (`funds::totals`, migration 0029): the consolidated report of a unit
//! read from its counters equals, to the đồng, the old computation over every ledger line of its
//! subtree's funds (`funds::service::report`, kept as the reference), for every unit of a tree
//! and several periods, with transfers inside and across subtrees, reversals of receipts and of
//! transfers from either side, and a branch moved to another commune; `recount` finds no
//! difference, finds a counter changed behind the program's back, and fixes it.
#![allow(clippy::too_many_lines)] // one story, told step by step

mod common;
use axum::http::StatusCode;
use common::*;
use common::{post_transfer as transfer, record_entry as entry};
use khuyenhoc::db::Backend;
use khuyenhoc::funds::{service, totals};
use khuyenhoc_ledger::{Date, Period};
use serde_json::{json, Value};

/// A transfer; returns the ids of (sending half, receiving half).
async fn transfer_ids(
    app: &TestApp,
    c: &mut Client,
    from: i64,
    to: i64,
    amount: i64,
    on: &str,
) -> (i64, i64) {
    let (out, into) = transfer(app, c, from, to, amount, on).await;
    let id = |v: &Value| v["id"].as_i64().expect("entry id");
    (id(&out), id(&into))
}

async fn reverse(app: &TestApp, c: &mut Client, entry: i64) {
    call(
        app,
        c,
        "POST",
        &format!("/api/v1/entries/{entry}/reversal"),
        json!({"reason": "Ghi nhầm số tiền"}),
        StatusCode::CREATED,
    )
    .await;
}

fn period(from: &str, to: &str) -> Period {
    let d = |s: &str| Date::parse(s).unwrap_or_else(|e| panic!("{s}: {e:?}"));
    Period::new(d(from), d(to)).expect("period")
}

/// The units of the story: the centre, Hà Nội, Ba Đình, its branch, Phường 00008 and Hòa Bình
/// (Phú Thọ).
const UNITS: [&str; 5] = ["01", "00004", "00004-1", "00008", "04795"];

/// Compares the counters' report with the ledger lines' for every unit and period; returns the
/// internal transfers eliminated at Hà Nội over the first year (to show that there were some).
async fn same_reports(app: &TestApp, periods: &[Period]) -> i64 {
    let db = &app.db;
    let centre: (i64, String) = sqlx::query_as("SELECT id, path FROM units WHERE code = 'VN'")
        .fetch_one(&db.pool)
        .await
        .expect("centre");
    let mut units = vec![centre];
    for code in UNITS {
        let u = khuyenhoc::org::model::by_code(db, code)
            .await
            .expect("unit")
            .unwrap_or_else(|| panic!("unit {code}"));
        units.push((u.id, u.path));
    }
    let mut eliminated = 0;
    for (id, path) in &units {
        let ids: Vec<i64> = service::subtree_funds(db, path)
            .await
            .expect("funds")
            .iter()
            .map(|f| f.id)
            .collect();
        for p in periods {
            let old = service::report(db, &ids, *p).await.expect("old report");
            let new = totals::report(db, *id, *p)
                .await
                .expect("counters' report")
                .expect("a period of whole half-years");
            assert_eq!(new, old, "unit {path} {}..{}", p.from(), p.to());
            assert_eq!(
                service::unit_report(db, *id, path, *p)
                    .await
                    .expect("report"),
                old
            );
            if path.as_str() == units[1].1 && p == &periods[2] {
                eliminated = old.eliminated_internal_transfers.get();
            }
        }
    }
    eliminated
}

both_backends!(
    counters_give_the_report_of_the_ledger_lines,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut central = app.api_client(CENTRAL).await;
        let mut hanoi = app.api_client(HANOI).await;
        let mut t = app.api_client(TREASURER).await;
        let mut hoabinh = app.api_client(HOABINH).await;
        let province = open_fund(
            &app,
            &mut hanoi,
            "01",
            "KH-HN",
            "Quỹ Khuyến học Thành phố Hà Nội",
        )
        .await;
        let commune = open_fund(
            &app,
            &mut t,
            "00004",
            "KH-BD",
            "Quỹ Khuyến học Phường Ba Đình",
        )
        .await;
        let branch = open_fund(
            &app,
            &mut t,
            "00004-1",
            "KH-TDP1",
            "Quỹ Chi hội Tổ dân phố số 1",
        )
        .await;
        let scholarship = open_fund(
            &app,
            &mut t,
            "00004",
            "HB-BD",
            "Quỹ Học bổng Phường Ba Đình",
        )
        .await;
        let outside = open_fund(
            &app,
            &mut hoabinh,
            "04795",
            "KH-HB",
            "Quỹ Khuyến học Phường Hòa Bình",
        )
        .await;
        let y1 = this_year() - 2;
        let y2 = this_year() - 1;
        let on = |y: i32, md: &str| format!("{y}-{md}");

        for y in [y1, y2] {
            entry(
                &app,
                &mut hanoi,
                province,
                "donation",
                10_000_000,
                &on(y, "01-10"),
            )
            .await;
            entry(
                &app,
                &mut t,
                commune,
                "donation",
                5_000_000,
                &on(y, "02-02"),
            )
            .await;
            entry(
                &app,
                &mut t,
                commune,
                "membership_fee",
                300_000,
                &on(y, "02-03"),
            )
            .await;
            entry(
                &app,
                &mut t,
                branch,
                "piggy_bank",
                1_200_000,
                &on(y, "08-04"),
            )
            .await;
            entry(
                &app,
                &mut hoabinh,
                outside,
                "donation",
                2_000_000,
                &on(y, "02-05"),
            )
            .await;
            // Inside Ba Đình, inside Hà Nội but across Ba Đình's boundary, out of and into Hà Nội.
            transfer(
                &app,
                &mut t,
                commune,
                scholarship,
                1_500_000,
                &on(y, "03-01"),
            )
            .await;
            transfer(
                &app,
                &mut hanoi,
                province,
                commune,
                3_000_000,
                &on(y, "03-02"),
            )
            .await;
            transfer(&app, &mut t, commune, branch, 1_000_000, &on(y, "09-02")).await;
            transfer(&app, &mut t, branch, province, 200_000, &on(y, "09-03")).await;
            transfer(
                &app,
                &mut central,
                commune,
                outside,
                500_000,
                &on(y, "10-04"),
            )
            .await;
            transfer(
                &app,
                &mut central,
                outside,
                province,
                700_000,
                &on(y, "10-05"),
            )
            .await;
            entry(
                &app,
                &mut t,
                scholarship,
                "scholarship",
                1_000_000,
                &on(y, "04-01"),
            )
            .await;
            entry(&app, &mut t, branch, "award", 300_000, &on(y, "11-02")).await;
        }
        // Reversals (dated today): a receipt, a transfer from its sending half and one from its
        // receiving half, one inside Ba Đình and one across Hà Nội's boundary.
        let wrong = entry(&app, &mut t, commune, "donation", 77_000, &on(y2, "05-05")).await;
        reverse(&app, &mut t, wrong).await;
        let (out, _) =
            transfer_ids(&app, &mut t, commune, scholarship, 50_000, &on(y2, "05-06")).await;
        reverse(&app, &mut t, out).await;
        let (_, into) = transfer_ids(
            &app,
            &mut central,
            commune,
            outside,
            60_000,
            &on(y2, "05-07"),
        )
        .await;
        reverse(&app, &mut central, into).await;

        let y = this_year();
        let periods = [
            period(&on(y1, "01-01"), &on(y1, "06-30")),
            period(&on(y1, "07-01"), &on(y1, "12-31")),
            period(&on(y1, "01-01"), &on(y1, "12-31")),
            period(&on(y2, "01-01"), &on(y2, "06-30")),
            period(&on(y1, "07-01"), &on(y2, "12-31")),
            period(&on(y, "01-01"), &on(y, "12-31")),
        ];
        let eliminated = same_reports(&app, &periods).await;
        // Hà Nội's transfers inside it in the first year: 1.5 + 3 + 1 + 0.2 million.
        assert_eq!(eliminated, 5_700_000);
        // A period not made of whole half-years is left to the ledger lines.
        let odd = period(&on(y1, "02-01"), &on(y1, "06-30"));
        assert!(totals::report(&app.db, 1, odd)
            .await
            .expect("report")
            .is_none());
        // Through the API: the same report as the service's.
        let r = call(
            &app,
            &mut hanoi,
            "GET",
            &format!(
                "/api/v1/units/01/funds/report?from={}&to={}",
                on(y1, "01-01"),
                on(y1, "12-31")
            ),
            json!(null),
            StatusCode::OK,
        )
        .await;
        assert_eq!(r["eliminated_internal_transfers"], 5_700_000, "{r}");
        assert_eq!(r["funds"].as_array().map(Vec::len), Some(4), "{r}");

        assert_eq!(
            totals::recount(&app.db, false).await.expect("recount"),
            vec![]
        );

        // The branch moves to Phường 00008: the transfers between it and Ba Đình now cross Ba
        // Đình's boundary and stay inside Hà Nội.
        call(
            &app,
            &mut hanoi,
            "PATCH",
            "/api/v1/units/00004-1",
            json!({"parent_code": "00008"}),
            StatusCode::OK,
        )
        .await;
        same_reports(&app, &periods).await;
        assert_eq!(
            totals::recount(&app.db, false).await.expect("recount"),
            vec![]
        );

        // A counter changed behind the program's back is found, then fixed.
        let row = format!(
            "unit_id = (SELECT id FROM units WHERE code = '01') AND account = 'donation' AND half = '{y1}-H1'"
        );
        sqlx::query(&format!(
            "UPDATE fund_totals SET amount = amount + 1 WHERE {row} AND shard = (SELECT MIN(shard) FROM fund_totals WHERE {row})"
        ))
        .execute(&app.db.pool)
        .await
        .expect("tamper");
        let diffs = totals::recount(&app.db, true).await.expect("recount");
        assert_eq!(diffs.len(), 1, "{diffs:?}");
        assert!(
            diffs
                .iter()
                .all(|d| d.stored == d.expected + 1 && d.account == "donation"),
            "{diffs:?}"
        );
        assert_eq!(
            totals::recount(&app.db, false).await.expect("recount"),
            vec![]
        );
        same_reports(&app, &periods).await;
    }
);
