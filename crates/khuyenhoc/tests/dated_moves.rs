//! Dated moves (issue 17, item 6), on both backends: a branch with 2025 figures moved in 2026 to
//! another commune leaves its 2025 figures where they were reported (the live roll-ups of both
//! communes, a late 2025 entry, the report handed in before the move), its 2026 figures go to
//! the new commune, a move dated within a reported period is refused, the page and the API take
//! the date, the audit log records it, and the counters still reconcile with the raw rows.

mod common;
use axum::http::StatusCode;
use common::*;
use serde_json::{json, Value};

fn report_path(unit: &str, period: &str) -> String {
    format!("/api/v1/units/{unit}/reports/{period}")
}

async fn entry(app: &TestApp, c: &mut Client, fund: i64, amount: i64, on: &str) {
    call(
        app,
        c,
        "POST",
        &format!("/api/v1/funds/{fund}/entries"),
        json!({"category": "donation", "amount": amount, "date": on, "party": "Nhà hảo tâm"}),
        StatusCode::CREATED,
    )
    .await;
}

async fn rollup(app: &TestApp, c: &mut Client, unit: &str, period: &str) -> Value {
    ok(
        app,
        c,
        "GET",
        &format!("{}/rollup", report_path(unit, period)),
        json!(null),
    )
    .await
}

/// The roll-up's live total of an indicator and the codes of its children.
#[track_caller]
fn total_and_children(r: &Value, key: &str) -> (Option<i64>, Vec<String>) {
    let i = r["heads"]
        .as_array()
        .expect("heads")
        .iter()
        .position(|h| h["key"] == key)
        .unwrap_or_else(|| panic!("no head {key}"));
    let kids = r["children"]
        .as_array()
        .expect("children")
        .iter()
        .map(|c| c["unit"]["code"].as_str().expect("code").to_owned())
        .collect();
    (r["total_live"][i].as_i64(), kids)
}

#[track_caller]
fn value(r: &Value, key: &str) -> Option<i64> {
    r["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["key"] == key)
        .unwrap_or_else(|| panic!("no line {key} in {r}"))["value"]
        .as_i64()
}

async fn no_drift(app: &TestApp) {
    let diffs = khuyenhoc::reports::counters::recount(&app.db, false)
        .await
        .expect("recount");
    assert!(
        diffs.is_empty(),
        "counters differ from the raw rows: {diffs:?}"
    );
    let funds = khuyenhoc::funds::totals::recount(&app.db, false)
        .await
        .expect("fund totals");
    assert!(
        funds.is_empty(),
        "fund totals differ from the lines: {funds:?}"
    );
}

both_backends!(
    a_branch_moved_in_2026_leaves_its_2025_figures_where_they_were_reported,
    |backend| async move {
        let app = TestApp::new(backend).await;
        let mut badinh = app.api_client(BADINH).await;
        let mut hanoi = app.api_client(HANOI).await;
        // Branch 00004-1 of Ba Đình has receipts in both halves of 2025.
        let fund = open_fund(&app, &mut badinh, "00004-1", "QCH", "Quỹ chi hội số 1").await;
        entry(&app, &mut badinh, fund, 1_000_000, "2025-03-10").await;
        entry(&app, &mut badinh, fund, 2_000_000, "2025-09-10").await;
        // Ba Đình hands in its 2025-H1 report before the move.
        let before_report = ok(
            &app,
            &mut badinh,
            "GET",
            &report_path("00004", "2025-H1"),
            json!(null),
        )
        .await;
        assert_eq!(value(&before_report, "fund_receipts"), Some(1_000_000));
        ok(
            &app,
            &mut badinh,
            "POST",
            &report_path("00004", "2025-H1"),
            json!({}),
        )
        .await;
        let submitted = ok(
            &app,
            &mut badinh,
            "POST",
            &format!("{}/submit", report_path("00004", "2025-H1")),
            json!({}),
        )
        .await;
        assert_eq!(submitted["status"], "submitted", "{submitted}");
        let mut before = vec![];
        for (unit, period) in [
            ("00004", "2025-Y"),
            ("00008", "2025-Y"),
            ("00004", "2025-H1"),
            ("00008", "2025-H1"),
            ("01", "2025-Y"),
        ] {
            let r = rollup(&app, &mut hanoi, unit, period).await;
            before.push(total_and_children(&r, "fund_receipts"));
        }
        assert_eq!(before[0].0, Some(3_000_000), "{before:?}");
        assert!(before[0].1.contains(&"00004-1".to_owned()));
        assert!(!before[1].1.contains(&"00004-1".to_owned()));

        // A move dated within 2025-H1, which Ba Đình has reported, is refused with a reason.
        let r = app
            .json(
                &mut hanoi,
                "PATCH",
                "/api/v1/units/00004-1",
                json!({"parent_code": "00008", "effective_date": "2025-05-01"}),
            )
            .await;
        let p = problem(
            &r,
            StatusCode::BAD_REQUEST,
            "a move within a reported period",
        );
        assert!(p.to_string().contains("2025"), "{p}");
        // A date after today is refused too.
        let r = app
            .json(
                &mut hanoi,
                "PATCH",
                "/api/v1/units/00004-1",
                json!({"parent_code": "00008", "effective_date": "2999-01-01"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM unit_parent_links").await,
            0
        );

        // Hà Nội moves the branch to Ngọc Hà from 1 February 2026.
        let moved = ok(
            &app,
            &mut hanoi,
            "PATCH",
            "/api/v1/units/00004-1",
            json!({"parent_code": "00008", "effective_date": "2026-02-01"}),
        )
        .await;
        assert_eq!(moved["parent_code"], "00008", "{moved}");
        let audit: String = sqlx::query_scalar(
            "SELECT after_json FROM audit_log WHERE entity = 'unit' AND entity_id = '00004-1' AND action = 'move'",
        )
        .fetch_one(&app.db.pool)
        .await
        .expect("the move is audited");
        let audit: Value = serde_json::from_str(&audit).expect("json");
        assert_eq!(audit["effective_date"], "2026-02-01", "{audit}");
        assert_eq!(audit["parent"], "00008", "{audit}");

        // The 2025 roll-ups of both communes (and of Hà Nội) read as before the move.
        for (k, (unit, period)) in [
            ("00004", "2025-Y"),
            ("00008", "2025-Y"),
            ("00004", "2025-H1"),
            ("00008", "2025-H1"),
            ("01", "2025-Y"),
        ]
        .into_iter()
        .enumerate()
        {
            let r = rollup(&app, &mut hanoi, unit, period).await;
            assert_eq!(
                total_and_children(&r, "fund_receipts"),
                before[k],
                "{unit} {period}"
            );
        }
        // The report handed in before the move reads the same.
        let after_report = ok(
            &app,
            &mut badinh,
            "GET",
            &report_path("00004", "2025-H1"),
            json!(null),
        )
        .await;
        assert_eq!(after_report["lines"], submitted["lines"]);
        assert_eq!(value(&after_report, "fund_receipts"), Some(1_000_000));
        // Ba Đình's own 2025 figures still count the branch (live, not handed in).
        let y2025 = ok(
            &app,
            &mut badinh,
            "GET",
            &report_path("00004", "2025-Y"),
            json!(null),
        )
        .await;
        assert_eq!(value(&y2025, "fund_receipts"), Some(3_000_000));
        let ngocha2025 = ok(
            &app,
            &mut hanoi,
            "GET",
            &report_path("00008", "2025-Y"),
            json!(null),
        )
        .await;
        assert_eq!(value(&ngocha2025, "fund_receipts"), Some(0));

        // 2026 figures go to Ngọc Hà; a late 2025 entry recorded after the move goes to Ba Đình.
        let mut ngocha = app.api_client(HANOI).await;
        entry(&app, &mut ngocha, fund, 500_000, "2026-03-10").await;
        entry(&app, &mut ngocha, fund, 40_000, "2025-10-01").await;
        let h1 = rollup(&app, &mut hanoi, "00008", "2026-H1").await;
        let (total, kids) = total_and_children(&h1, "fund_receipts");
        assert_eq!(total, Some(500_000));
        assert!(kids.contains(&"00004-1".to_owned()), "{kids:?}");
        let h1 = rollup(&app, &mut hanoi, "00004", "2026-H1").await;
        let (total, kids) = total_and_children(&h1, "fund_receipts");
        assert_eq!(total, Some(0));
        assert!(!kids.contains(&"00004-1".to_owned()), "{kids:?}");
        let y = rollup(&app, &mut hanoi, "00004", "2025-Y").await;
        assert_eq!(total_and_children(&y, "fund_receipts").0, Some(3_040_000));
        let r = ok(
            &app,
            &mut hanoi,
            "GET",
            &report_path("00008", "2026-H1"),
            json!(null),
        )
        .await;
        assert_eq!(value(&r, "fund_receipts"), Some(500_000));
        let r = ok(
            &app,
            &mut hanoi,
            "GET",
            &report_path("00008", "2025-Y"),
            json!(null),
        )
        .await;
        assert_eq!(value(&r, "fund_receipts"), Some(0));
        no_drift(&app).await;

        // The page takes the date too: back to Ba Đình from 1 March 2026; a date before the
        // last move is refused.
        let mut page = app.login(HANOI).await;
        let r = app
            .post_form(
                &mut page,
                "/units/00004-1/move",
                &[("parent", "00004"), ("effective_date", "2026-01-15")],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        let r = app
            .post_form(
                &mut page,
                "/units/00004-1/move",
                &[("parent", "00004"), ("effective_date", "01/03/2026")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM unit_parent_links WHERE valid_from = '2026-02-01' AND valid_to = '2026-03-01'").await,
            1
        );
        // 2026-H1 ends under Ba Đình: the March receipt is Ba Đình's again; 2025 is untouched.
        let r = ok(
            &app,
            &mut hanoi,
            "GET",
            &report_path("00004", "2026-H1"),
            json!(null),
        )
        .await;
        assert_eq!(value(&r, "fund_receipts"), Some(500_000));
        let r = ok(
            &app,
            &mut hanoi,
            "GET",
            &report_path("00008", "2026-H1"),
            json!(null),
        )
        .await;
        assert_eq!(value(&r, "fund_receipts"), Some(0));
        for (k, (unit, period)) in [("00004", "2025-Y"), ("00008", "2025-Y")]
            .into_iter()
            .enumerate()
        {
            let r = rollup(&app, &mut hanoi, unit, period).await;
            let (total, kids) = total_and_children(&r, "fund_receipts");
            assert_eq!(kids, before[k].1, "{unit} {period}");
            assert_eq!(
                total,
                before[k].0.map(|t| if k == 0 { t + 40_000 } else { t })
            );
        }
        no_drift(&app).await;
    }
);

both_backends!(
    a_commune_moves_between_provinces_by_the_central_office_only,
    |backend| async move {
        let app = TestApp::new(backend).await;
        let mut hanoi = app.api_client(HANOI).await;
        let r = app
            .json(
                &mut hanoi,
                "PATCH",
                "/api/v1/units/00008",
                json!({"parent_code": "01"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        let mut central = app.api_client(CENTRAL).await;
        let province: String = sqlx::query_scalar(
            "SELECT code FROM units WHERE level = 'province' AND code <> '01' ORDER BY code LIMIT 1",
        )
        .fetch_one(&app.db.pool)
        .await
        .expect("another province");
        let moved = ok(
            &app,
            &mut central,
            "PATCH",
            "/api/v1/units/00008",
            json!({"parent_code": province, "effective_date": "2026-01-01"}),
        )
        .await;
        assert_eq!(moved["parent_code"], province.as_str(), "{moved}");
        let path: String = sqlx::query_scalar("SELECT path FROM units WHERE code = '00008'")
            .fetch_one(&app.db.pool)
            .await
            .expect("path");
        assert_eq!(path, format!("/VN/{province}/00008/"));
        // On 2025-12-31 Ngọc Hà was still Hà Nội's.
        let kids = khuyenhoc::reports::figures::children_on(
            &app.db,
            hanoi_id(&app).await,
            "2026-12-01",
            "2025-12-31",
        )
        .await
        .expect("children");
        assert!(kids.iter().any(|k| k.code == "00008"));
        let kids =
            khuyenhoc::reports::figures::children(&app.db, hanoi_id(&app).await, "2026-12-01")
                .await
                .expect("children");
        assert!(!kids.iter().any(|k| k.code == "00008"));
        no_drift(&app).await;
    }
);

async fn hanoi_id(app: &TestApp) -> i64 {
    scalar(app, "SELECT id FROM units WHERE code = '01'").await
}

/// The base figures of `codes` for `period`, on today's structure date.
async fn live_of(app: &TestApp, codes: &[&str], period: &str) -> Vec<(i64, i64)> {
    let mut units = vec![];
    for code in codes {
        let u = khuyenhoc::org::model::by_code(&app.db, code)
            .await
            .expect("read")
            .expect("a unit");
        units.push(khuyenhoc::reports::figures::UnitRef::from(&u));
    }
    let p = khuyenhoc::reports::service::parse_period(period).expect("period");
    khuyenhoc::reports::figures::live(&app.db, &units, &p, &khuyenhoc::db::today())
        .await
        .expect("live figures")
        .iter()
        .map(|b| {
            (
                b.get("branches.total").copied().unwrap_or(0),
                b.get("members.active").copied().unwrap_or(0),
            )
        })
        .collect()
}

both_backends!(
    moves_at_several_levels_are_each_set_back_once,
    |backend| async move {
        // Branch 00004-1 (Ba Đình, with members) moves to Ngọc Hà in February 2026; Ngọc Hà
        // moves to another province in March (taking 00004-1 with it); then Ngọc Hà's own branch
        // moves to Ba Đình in April. On 31/12/2025 all three were where they had always been:
        // each is set back once, by the parents in force, not by a path recorded at a move.
        let app = TestApp::new(backend).await;
        let mut hanoi = app.api_client(HANOI).await;
        let mut central = app.api_client(CENTRAL).await;
        let r = app
            .json(
                &mut hanoi,
                "POST",
                "/api/v1/units/00008/branches",
                json!({"name": "Chi hội Tổ dân phố 3", "kind": "village"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let own = r.json()["code"].as_str().expect("code").to_owned();
        sqlx::query("UPDATE units SET valid_from = '2024-01-01' WHERE code IN ('00004-1', $1)")
            .bind(&own)
            .execute(&app.db.pool)
            .await
            .expect("branches open since 2024");
        let province: String = sqlx::query_scalar(
            "SELECT code FROM units WHERE level = 'province' AND code <> '01' AND valid_to IS NULL ORDER BY code LIMIT 1",
        )
        .fetch_one(&app.db.pool)
        .await
        .expect("another province");
        let mut badinh = app.api_client(BADINH).await;
        for (i, name) in ["Lê Thị Hội", "Trần Văn Viên"].iter().enumerate() {
            call(
                &app,
                &mut badinh,
                "POST",
                "/api/v1/units/00004/members",
                json!({"full_name": name, "phone": format!("+84 914 100 00{i}"),
                       "branch_code": "00004-1", "joined_on": "2024-05-01"}),
                StatusCode::CREATED,
            )
            .await;
        }
        let codes = ["01", province.as_str(), "00004", "00008"];
        let before = live_of(&app, &codes, "2025-Y").await;
        assert!(before[2].0 >= 1, "{before:?}");
        assert_eq!(before[3].0, 1, "{before:?}");
        assert_eq!(
            before[2].1, 2,
            "Ba Đình's two members on 31/12/2025: {before:?}"
        );
        let before_now = live_of(&app, &codes, "2026-Y").await;
        let members = live_of(&app, &["00004-1"], "2026-Y").await[0].1;
        assert_eq!(members, 2, "Ba Đình's branch has its members");

        ok(
            &app,
            &mut hanoi,
            "PATCH",
            "/api/v1/units/00004-1",
            json!({"parent_code": "00008", "effective_date": "2026-02-01"}),
        )
        .await;
        ok(
            &app,
            &mut central,
            "PATCH",
            "/api/v1/units/00008",
            json!({"parent_code": province, "effective_date": "2026-03-01"}),
        )
        .await;
        ok(
            &app,
            &mut central,
            "PATCH",
            &format!("/api/v1/units/{own}"),
            json!({"parent_code": "00004", "effective_date": "2026-04-01"}),
        )
        .await;

        // 2025 on the structure of its last day: exactly as before the three moves.
        assert_eq!(live_of(&app, &codes, "2025-Y").await, before);
        // 2026 ends after them: Ngọc Hà (with 00004-1) is the other province's, Ba Đình holds
        // Ngọc Hà's former branch, and the two provinces together still hold both branches.
        let now = live_of(&app, &codes, "2026-Y").await;
        assert_eq!((now[2].0, now[3].0), (before_now[2].0, 1), "{now:?}");
        assert_eq!(
            now[0].0 + now[1].0,
            before_now[0].0 + before_now[1].0,
            "{now:?}"
        );
        assert_eq!(now[0].0, before_now[0].0 - 1, "{now:?}");
        assert_eq!(
            now[3].1,
            before_now[3].1 + members,
            "members go with 00004-1: {now:?}"
        );
        assert_eq!(now[1].1, before_now[1].1 + members, "{now:?}");
        assert_eq!(now[0].1, before_now[0].1 - members, "{now:?}");
        no_drift(&app).await;
    }
);
