//! Reports through the JSON API, on both backends: computed indicators equal counts taken
//! straight from the raw rows (and the live counters reconcile with them); a submitted report
//! is a frozen snapshot; overrides keep their written reason; the workflow submit → return →
//! resubmit → accept ends locked, and only the level strictly above decides; the completeness
//! view counts every state; a roll-up follows a merged commune as of a date; the cluster table
//! puts its provinces side by side with consistent ranks; a province adds its own indicators.
#![allow(clippy::too_many_lines)] // each test is one story, told step by step

mod common;
use axum::http::StatusCode;
use common::record_entry as entry;
use common::*;
use khuyenhoc::db::Backend;
use serde_json::{json, Value};

/// The whole current year: `2026-Y`.
fn whole_year() -> String {
    format!("{}-Y", this_year())
}

/// A written reason for an override (at least five characters).
const REASON: &str = "Số liệu rà soát thực tế tại các chi hội ngày 20/11";

/// Full names for the people the tests register.
const NAMES: [&str; 12] = [
    "Bùi Văn An",
    "Bùi Thị Bình",
    "Cao Văn Chung",
    "Cao Thị Dung",
    "Đinh Văn Đức",
    "Đinh Thị Giang",
    "Giáp Văn Hải",
    "Giáp Thị Hương",
    "Hà Văn Khánh",
    "Hà Thị Linh",
    "Kim Văn Minh",
    "Kim Thị Ngọc",
];

/// A request that must fail with `status`; returns the English title of the problem.
async fn refused(
    app: &TestApp,
    c: &mut Client,
    method: &str,
    path: &str,
    body: Value,
    status: StatusCode,
) -> String {
    let j = call(app, c, method, path, body, status).await;
    j["title_en"].as_str().unwrap_or_default().to_owned()
}

async fn path_of(app: &TestApp, code: &str) -> String {
    sqlx::query_scalar("SELECT path FROM units WHERE code = $1")
        .bind(code)
        .fetch_one(&app.db.pool)
        .await
        .expect("unit path")
}

/// The live counters reconcile with the raw rows.
async fn assert_no_drift(app: &TestApp) {
    let diffs = khuyenhoc::reports::counters::recount(&app.db, false)
        .await
        .expect("recount");
    assert!(
        diffs.is_empty(),
        "the counters differ from the raw rows: {diffs:?}"
    );
}

async fn reverse(app: &TestApp, c: &mut Client, entry: i64) {
    ok(
        app,
        c,
        "POST",
        &format!("/api/v1/entries/{entry}/reversal"),
        json!({"reason": "Ghi nhầm số tiền"}),
    )
    .await;
}

fn report_path(unit: &str, period: &str) -> String {
    format!("/api/v1/units/{unit}/reports/{period}")
}

async fn report(app: &TestApp, c: &mut Client, unit: &str, period: &str) -> Value {
    call(
        app,
        c,
        "GET",
        &report_path(unit, period),
        json!(null),
        StatusCode::OK,
    )
    .await
}

async fn save(app: &TestApp, c: &mut Client, unit: &str, period: &str, body: Value) -> Value {
    call(
        app,
        c,
        "POST",
        &report_path(unit, period),
        body,
        StatusCode::OK,
    )
    .await
}

async fn submit(app: &TestApp, c: &mut Client, unit: &str, period: &str) -> Value {
    let r = call(
        app,
        c,
        "POST",
        &format!("{}/submit", report_path(unit, period)),
        json!({}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(r["status"], "submitted", "{r}");
    assert_eq!(r["frozen"], true, "{r}");
    r
}

async fn rollup(
    app: &TestApp,
    c: &mut Client,
    unit: &str,
    period: &str,
    as_of: Option<&str>,
) -> Value {
    let q = as_of.map(|d| format!("?as_of={d}")).unwrap_or_default();
    call(
        app,
        c,
        "GET",
        &format!("{}/rollup{q}", report_path(unit, period)),
        json!(null),
        StatusCode::OK,
    )
    .await
}

fn report_id(r: &Value) -> i64 {
    r["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no report id in {r}"))
}

/// The line of a report with this indicator key.
#[track_caller]
fn line<'a>(r: &'a Value, key: &str) -> &'a Value {
    r["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["key"] == key)
        .unwrap_or_else(|| panic!("no line {key} in {r}"))
}

#[track_caller]
fn value(r: &Value, key: &str) -> Option<i64> {
    line(r, key)["value"].as_i64()
}

/// The roll-up row of a child unit.
#[track_caller]
fn child<'a>(r: &'a Value, code: &str) -> &'a Value {
    r["children"]
        .as_array()
        .expect("children")
        .iter()
        .find(|c| c["unit"]["code"] == code)
        .unwrap_or_else(|| panic!("no child {code}"))
}

fn codes(r: &Value, list: &str) -> Vec<String> {
    r[list]
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["unit"]["code"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The `i`-th value of a row of values (null when not known).
fn at(values: &Value, i: usize) -> Option<i64> {
    values.get(i).and_then(Value::as_i64)
}

/// Learning Citizen registrations of `year` under a unit path (any status, or one status).
async fn evaluations_under(app: &TestApp, path: &str, year: i32, status: Option<&str>) -> i64 {
    let status = status.map_or(String::new(), |s| format!(" AND e.status = '{s}'"));
    scalar(
        app,
        &format!(
            "SELECT COUNT(*) FROM evaluations e JOIN units u ON u.id = e.unit_id \
             WHERE e.model = 'citizen' AND e.year = {year} AND u.path LIKE '{path}%'{status}"
        ),
    )
    .await
}

/// `expr` summed over the ledger lines of these accounts, in funds under a unit path, dated
/// between `from` and `to`.
async fn ledger_under(
    app: &TestApp,
    path: &str,
    from: &str,
    to: &str,
    accounts: &[&str],
    expr: &str,
) -> i64 {
    let list: Vec<String> = accounts.iter().map(|a| format!("'{a}'")).collect();
    scalar(
        app,
        &format!(
            "SELECT CAST(COALESCE(SUM({expr}), 0) AS BIGINT) FROM ledger_lines l \
             JOIN ledger_entries e ON e.id = l.entry_id JOIN funds f ON f.id = l.fund_id \
             JOIN units u ON u.id = f.unit_id WHERE u.path LIKE '{path}%' \
             AND e.occurred_on >= '{from}' AND e.occurred_on <= '{to}' AND l.account IN ({})",
            list.join(", ")
        ),
    )
    .await
}

const RECEIPTS: [&str; 4] = ["donation", "membership_fee", "piggy_bank", "other_income"];
const PAYMENTS: [&str; 4] = ["scholarship", "award", "teacher_support", "other_expense"];

/// The five computed indicators of test 1, counted straight from the raw rows for the unit at
/// `path` and the whole `year`: (registered, recognised, receipts, payments, scholarships).
async fn independent(app: &TestApp, path: &str, year: i32) -> [i64; 5] {
    let (from, to) = (format!("{year}-01-01"), format!("{year}-12-31"));
    [
        evaluations_under(app, path, year, None).await,
        evaluations_under(app, path, year, Some("recognised")).await,
        ledger_under(app, path, &from, &to, &RECEIPTS, "-l.amount").await,
        ledger_under(app, path, &from, &to, &PAYMENTS, "l.amount").await,
        ledger_under(
            app,
            path,
            &from,
            &to,
            &["scholarship"],
            "CASE WHEN l.amount > 0 THEN 1 ELSE -1 END",
        )
        .await,
    ]
}

/// Members of the unit at `path`: (active now, joined in `year` whatever they are now, active
/// party members, active university members), counted straight from the raw rows.
async fn members_under(app: &TestApp, path: &str, year: i32) -> [i64; 4] {
    let from =
        format!("FROM members m JOIN units u ON u.id = m.branch_id WHERE u.path LIKE '{path}%'");
    [
        scalar(app, &format!("SELECT COUNT(*) {from} AND m.status = 'active'")).await,
        scalar(
            app,
            &format!("SELECT COUNT(*) {from} AND m.joined_on >= '{year}-01-01' AND m.joined_on <= '{year}-12-31'"),
        )
        .await,
        scalar(app, &format!("SELECT COUNT(*) {from} AND m.status = 'active' AND (' ' || m.sectors || ' ') LIKE '% party %'")).await,
        scalar(app, &format!("SELECT COUNT(*) {from} AND m.status = 'active' AND (' ' || m.sectors || ' ') LIKE '% university %'")).await,
    ]
}

/// The member indicators `members_under` counts.
const MEMBER_KEYS: [&str; 4] = [
    "members",
    "members_joined",
    "members_party",
    "members_university",
];

/// Adds the test's own records to what was there before.
fn plus<const N: usize>(before: [i64; N], added: [i64; N]) -> [i64; N] {
    std::array::from_fn(|i| before[i] + added[i])
}

/// A share in basis points, rounded half up (0 without a denominator).
fn want_share(num: i64, den: i64) -> i64 {
    if den == 0 {
        0
    } else {
        (num * 10_000 + den / 2) / den
    }
}

/// The same five indicators as a report shows them.
fn shown(r: &Value) -> [i64; 5] {
    [
        "citizen_registered",
        "citizen_recognised",
        "fund_receipts",
        "fund_payments",
        "scholarships",
    ]
    .map(|k| value(r, k).unwrap_or_else(|| panic!("{k} has no value in {r}")))
}

both_backends!(
    computed_indicators_equal_independent_counts,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut badinh = app.api_client(BADINH).await;
        let mut hanoi = app.api_client(HANOI).await;
        let y = this_year();
        let period = whole_year();
        // What the demo data already holds, so the test checks what it adds.
        let badinh_path = path_of(&app, "00004").await;
        let branch_path = path_of(&app, "00004-1").await;
        let base = independent(&app, &badinh_path, y).await;
        let base_last = independent(&app, &badinh_path, y - 1).await;
        let base_branch = independent(&app, &branch_path, y).await;
        let base_province = independent(&app, "/VN/01/", y).await;
        let base_members = members_under(&app, &badinh_path, y).await;
        // People in both branches of Ba Đình and in the commune itself.
        let units = [
            "00004-1", "00004-1", "00004-1", "00004-2", "00004-2", "00004",
        ];
        let mut people = vec![];
        for (n, unit) in units.iter().enumerate() {
            let phone = format!("09160000{:02}", n + 1);
            people.push(register_person(&app, &mut badinh, unit, NAMES[n], &phone).await);
        }
        // This year: three recognised, one not recognised, two only registered; last year one.
        let outcomes = [
            Stage::Recognised,
            Stage::Recognised,
            Stage::NotRecognised,
            Stage::Registered,
            Stage::Recognised,
            Stage::Registered,
        ];
        for (p, o) in people.iter().zip(outcomes) {
            citizen_evaluation(&app, &mut badinh, *p, y, o).await;
        }
        citizen_evaluation(&app, &mut badinh, people[0], y - 1, Stage::Recognised).await;
        // Another commune of Hà Nội (Phường Ngọc Hà) has one recognised.
        let other = register_person(&app, &mut hanoi, "00008", NAMES[6], "0916000007").await;
        citizen_evaluation(&app, &mut hanoi, other, y, Stage::Recognised).await;

        // The books: receipts and payments in two funds of Ba Đình and one of its branch 1,
        // a reversed receipt, a reversed scholarship, a transfer between Ba Đình's funds (not a
        // receipt nor a payment), a donation of last year and one in Ngọc Hà.
        let fund = open_fund(&app, &mut badinh, "00004", "QKH", "Quỹ khuyến học phường").await;
        let fund2 = open_fund(&app, &mut badinh, "00004", "QHB", "Quỹ học bổng phường").await;
        let branch_fund = open_fund(&app, &mut badinh, "00004-1", "QCH", "Quỹ chi hội số 1").await;
        let other_fund = open_fund(&app, &mut hanoi, "00008", "QKH", "Quỹ phường Ngọc Hà").await;
        let today = khuyenhoc::db::today();
        let jan1 = format!("{y}-01-01");
        let last_year = format!("{}-12-20", y - 1);
        entry(&app, &mut badinh, fund, "donation", 5_000_000, &today).await;
        entry(&app, &mut badinh, fund, "membership_fee", 300_000, &jan1).await;
        let piggy = entry(&app, &mut badinh, fund, "piggy_bank", 150_000, &today).await;
        entry(&app, &mut badinh, fund, "donation", 7_000_000, &last_year).await;
        entry(
            &app,
            &mut badinh,
            branch_fund,
            "other_income",
            80_000,
            &today,
        )
        .await;
        entry(&app, &mut badinh, fund, "scholarship", 500_000, &today).await;
        let wrong = entry(&app, &mut badinh, fund, "scholarship", 500_000, &today).await;
        entry(&app, &mut badinh, fund, "award", 200_000, &jan1).await;
        entry(&app, &mut badinh, fund, "teacher_support", 100_000, &today).await;
        reverse(&app, &mut badinh, wrong).await;
        reverse(&app, &mut badinh, piggy).await;
        ok(
            &app,
            &mut badinh,
            "POST",
            &format!("/api/v1/funds/{fund}/transfers"),
            json!({"to_fund_id": fund2, "amount": 1_000_000, "date": today}),
        )
        .await;
        entry(&app, &mut hanoi, other_fund, "donation", 3_000_000, &today).await;
        // A transfer from Ba Đình to Ngọc Hà: the two halves belong to two communes.
        ok(
            &app,
            &mut hanoi,
            "POST",
            &format!("/api/v1/funds/{fund}/transfers"),
            json!({"to_fund_id": other_fund, "amount": 250_000, "date": today}),
        )
        .await;
        // Members: four in Ba Đình's branches (one joined last year, one has left since), and
        // the commune's population.
        let mut members = vec![];
        for (p, branch, joined, sectors) in [
            (people[0], "00004-1", &jan1, vec!["party"]),
            (people[1], "00004-1", &today, vec!["party", "university"]),
            (people[3], "00004-2", &last_year, vec!["university"]),
            (people[5], "00004-1", &today, vec![]),
        ] {
            let m = ok(
                &app,
                &mut badinh,
                "POST",
                "/api/v1/units/00004/members",
                json!({"person_id": p, "branch_code": branch, "joined_on": joined, "sectors": sectors}),
            )
            .await;
            members.push(
                m["id"]
                    .as_i64()
                    .unwrap_or_else(|| panic!("member id in {m}")),
            );
        }
        ok(
            &app,
            &mut badinh,
            "POST",
            &format!("/api/v1/members/{}/status", members[3]),
            json!({"status": "left"}),
        )
        .await;
        ok(
            &app,
            &mut badinh,
            "PUT",
            &format!("/api/v1/units/00004/population/{y}"),
            json!({"population": 20_000}),
        )
        .await;

        // Ba Đình's year report against the raw rows, and against the sums worked out by hand.
        let r = report(&app, &mut badinh, "00004", &period).await;
        assert_eq!(r["status"], "not_started");
        assert_eq!(r["frozen"], false);
        assert_eq!(line(&r, "citizen_registered")["source"], "computed");
        assert_eq!(
            line(&r, "citizen_registered")["metric"],
            "eval.registered.citizen"
        );
        let want = independent(&app, &badinh_path, y).await;
        assert_eq!(shown(&r), want, "Ba Đình's report against the raw rows");
        assert_eq!(
            want,
            plus(base, [6, 3, 5_380_000, 800_000, 1]),
            "the raw rows hold what the test recorded"
        );
        let (from, to) = (format!("{y}-01-01"), format!("{y}-12-31"));
        let one_payment = "CASE WHEN l.amount > 0 THEN 1 ELSE -1 END";
        for (key, accounts, expr) in [
            ("scholarships_value", &["scholarship"], "l.amount"),
            ("awards", &["award"], one_payment),
            ("awards_value", &["award"], "l.amount"),
            ("teacher_support", &["teacher_support"], "l.amount"),
        ] {
            assert_eq!(
                value(&r, key),
                Some(ledger_under(&app, &badinh_path, &from, &to, accounts, expr).await),
                "{key}"
            );
        }
        let want = members_under(&app, &badinh_path, y).await;
        assert_eq!(
            MEMBER_KEYS.map(|k| value(&r, k).unwrap_or(-1)),
            want,
            "members against the raw rows"
        );
        assert_eq!(
            want,
            plus(base_members, [3, 3, 2, 2]),
            "the raw rows hold what the test recorded"
        );
        assert_eq!(value(&r, "population"), Some(20_000));
        assert_eq!(
            value(&r, "members_share"),
            Some((want[0] * 10_000 + 10_000) / 20_000),
            "members per population, in basis points"
        );
        assert_eq!(
            value(&r, "citizen_share"),
            Some(want_share(shown(&r)[1], 20_000)),
            "recognised per inhabitant (the target's population), not per registration"
        );
        assert_eq!(
            value(&r, "family_share"),
            None,
            "no households recorded: the share is missing, not a division by registrations"
        );
        // Last year's report sees only last year's registration and donation.
        let r = report(&app, &mut badinh, "00004", &format!("{}-Y", y - 1)).await;
        assert_eq!(shown(&r), independent(&app, &badinh_path, y - 1).await);
        assert_eq!(shown(&r), plus(base_last, [1, 1, 7_000_000, 0, 0]));
        // The half-year holds the flows dated in January to June only.
        let r = report(&app, &mut badinh, "00004", &format!("{y}-H1")).await;
        let h1 = (format!("{y}-01-01"), format!("{y}-06-30"));
        assert_eq!(
            value(&r, "fund_receipts"),
            Some(ledger_under(&app, &badinh_path, &h1.0, &h1.1, &RECEIPTS, "-l.amount").await)
        );
        assert_eq!(
            value(&r, "fund_payments"),
            Some(ledger_under(&app, &badinh_path, &h1.0, &h1.1, &PAYMENTS, "l.amount").await)
        );
        // The branch alone, and the province.
        let r = report(&app, &mut badinh, "00004-1", &period).await;
        assert_eq!(shown(&r), independent(&app, &branch_path, y).await);
        assert_eq!(shown(&r), plus(base_branch, [3, 2, 80_000, 0, 0]));
        let province = report(&app, &mut hanoi, "01", &period).await;
        let want = independent(&app, "/VN/01/", y).await;
        assert_eq!(
            shown(&province),
            want,
            "Hà Nội's report against the raw rows"
        );
        assert_eq!(want, plus(base_province, [7, 4, 8_380_000, 800_000, 1]));
        // The roll-up of Hà Nội adds up its communes to the province's own figures.
        let roll = rollup(&app, &mut hanoi, "01", &period, None).await;
        for key in [
            "citizen_registered",
            "citizen_recognised",
            "fund_receipts",
            "fund_payments",
            "scholarships",
            "members",
        ] {
            let i = head_of(&roll, key);
            assert_eq!(
                at(&roll["total_live"], i),
                value(&province, key),
                "{key}: the communes add up to the province"
            );
        }
        assert_totals_add_up(&roll);
        let i = head_of(&roll, "citizen_registered");
        let before = at(&child(&roll, "00004")["live"], i).expect("Ba Đình's registrations");
        assert_eq!(before, base[0] + 6);
        assert_no_drift(&app).await;

        // A branch moved to another province (Phường Hòa Bình, Phú Thọ) takes its figures
        // along: two registrations (one recognised) and one active member.
        let mut central = app.api_client(CENTRAL).await;
        let target_path = path_of(&app, "04795").await;
        let target_before = independent(&app, &target_path, y).await;
        let phutho_before = independent(&app, "/VN/25/", y).await;
        let members_before = members_under(&app, &badinh_path, y).await;
        ok(
            &app,
            &mut central,
            "PATCH",
            "/api/v1/units/00004-2",
            json!({"parent_code": "04795"}),
        )
        .await;
        let r = report(&app, &mut badinh, "00004", &period).await;
        assert_eq!(shown(&r), independent(&app, &badinh_path, y).await);
        assert_eq!(
            shown(&r)[..2],
            [before - 2, base[1] + 2],
            "the school branch's two went along"
        );
        let members = MEMBER_KEYS.map(|k| value(&r, k).unwrap_or(-1));
        assert_eq!(members, members_under(&app, &badinh_path, y).await);
        assert_eq!(
            members[0],
            members_before[0] - 1,
            "the school branch's member went along"
        );
        let target = report(&app, &mut central, "04795", &period).await;
        assert_eq!(shown(&target), independent(&app, &target_path, y).await);
        assert_eq!(
            shown(&target)[..2],
            [target_before[0] + 2, target_before[1] + 1]
        );
        for (code, path) in [("01", "/VN/01/"), ("25", "/VN/25/")] {
            let province = report(&app, &mut central, code, &period).await;
            assert_eq!(shown(&province), independent(&app, path, y).await, "{code}");
        }
        let phutho = report(&app, &mut central, "25", &period).await;
        assert_eq!(shown(&phutho)[0], phutho_before[0] + 2);
        assert_no_drift(&app).await;
    }
);

both_backends!(
    a_submitted_snapshot_does_not_follow_live_data,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut badinh = app.api_client(BADINH).await;
        let mut hanoi = app.api_client(HANOI).await;
        let y = this_year();
        let period = whole_year();
        let first = register_person(&app, &mut badinh, "00004-1", NAMES[0], "0916000101").await;
        let second = register_person(&app, &mut badinh, "00004-1", NAMES[1], "0916000102").await;
        citizen_evaluation(&app, &mut badinh, first, y, Stage::Recognised).await;
        save(
            &app,
            &mut badinh,
            "00004",
            &period,
            json!({"numbers": {"talks": 2}}),
        )
        .await;
        let r = submit(&app, &mut badinh, "00004", &period).await;
        assert_eq!(value(&r, "citizen_registered"), Some(1));
        assert_eq!(value(&r, "citizen_recognised"), Some(1));
        let as_of = r["as_of"].clone();
        // Live data moves on: another registration, recognised.
        citizen_evaluation(&app, &mut badinh, second, y, Stage::Recognised).await;
        let r = report(&app, &mut badinh, "00004", &period).await;
        assert_eq!(r["status"], "submitted");
        assert_eq!(r["frozen"], true);
        assert_eq!(r["as_of"], as_of, "the snapshot's date");
        assert_eq!(
            value(&r, "citizen_registered"),
            Some(1),
            "the snapshot is frozen"
        );
        assert_eq!(value(&r, "citizen_recognised"), Some(1));
        assert_eq!(line(&r, "citizen_registered")["computed"], 1);
        assert_eq!(value(&r, "talks"), Some(2));
        // The level above sees both: the live value and the one handed in.
        let roll = rollup(&app, &mut hanoi, "01", &period, None).await;
        let i = head_of(&roll, "citizen_registered");
        let row = child(&roll, "00004");
        assert_eq!(row["status"], "submitted");
        assert_eq!(row["report_id"], r["id"]);
        assert_eq!(at(&row["live"], i), Some(2), "live figures move on");
        assert_eq!(at(&row["submitted"], i), Some(1), "what was handed in");
        assert_eq!(at(&roll["total_live"], i), Some(2));
        assert_eq!(at(&roll["total_submitted"], i), Some(1));
        let j = head_of(&roll, "talks");
        assert_eq!(at(&row["submitted"], j), Some(2));
        assert_eq!(at(&roll["total_submitted"], j), Some(2));
        assert_totals_add_up(&roll);
        // A child that has not handed in has no submitted values.
        assert!(child(&roll, "00008")["submitted"].is_null());
        // Returned, the report is live again (and no longer frozen).
        let id = report_id(&r);
        ok(
            &app,
            &mut hanoi,
            "POST",
            &format!("/api/v1/reports/{id}/return"),
            json!({"reason": "Cần cập nhật số đăng ký mới"}),
        )
        .await;
        let r = report(&app, &mut badinh, "00004", &period).await;
        assert_eq!(r["status"], "returned");
        assert_eq!(r["frozen"], false);
        assert_eq!(value(&r, "citizen_registered"), Some(2));
        assert_eq!(value(&r, "talks"), Some(2), "what was typed stays");
        assert_no_drift(&app).await;
    }
);

both_backends!(overrides_keep_their_reason, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut badinh = app.api_client(BADINH).await;
    let mut hanoi = app.api_client(HANOI).await;
    let period = whole_year();
    let path = report_path("00004", &period);
    let r = save(
        &app,
        &mut badinh,
        "00004",
        &period,
        json!({"numbers": {"talks": 3}, "overrides": {"members": {"value": 10, "reason": REASON}}}),
    )
    .await;
    assert_eq!(r["status"], "draft");
    let counted = members_under(&app, &path_of(&app, "00004").await, this_year()).await[0];
    let members = line(&r, "members");
    assert_eq!(members["source"], "computed");
    assert_eq!(members["computed"], counted, "the active members");
    assert_eq!(members["value"], 10);
    assert_eq!(members["override_reason"], REASON);
    assert!(line(&r, "citizen_registered")["override_reason"].is_null());
    // An override without a reason, or with too short a one, is refused and saves nothing.
    for reason in ["", "   ", "abc"] {
        refused(
            &app,
            &mut badinh,
            "POST",
            &path,
            json!({"numbers": {"talks": 4}, "overrides": {"members": {"value": 12, "reason": reason}}}),
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    refused(
        &app,
        &mut badinh,
        "POST",
        &path,
        json!({"overrides": {"members": {"value": 12}}}),
        StatusCode::BAD_REQUEST,
    )
    .await;
    // Shares are derived: they cannot be overridden, with or without a reason.
    for share in ["members_share", "citizen_share"] {
        refused(
            &app,
            &mut badinh,
            "POST",
            &path,
            json!({"numbers": {"talks": 5}, "overrides": {share: {"value": 5000, "reason": REASON}}}),
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    // Only computed indicators are overridden; typed ones are typed.
    refused(
        &app,
        &mut badinh,
        "POST",
        &path,
        json!({"overrides": {"talks": {"value": 5, "reason": REASON}}}),
        StatusCode::BAD_REQUEST,
    )
    .await;
    refused(
        &app,
        &mut badinh,
        "POST",
        &path,
        json!({"overrides": {"members": {"value": -1, "reason": REASON}}}),
        StatusCode::BAD_REQUEST,
    )
    .await;
    let r = report(&app, &mut badinh, "00004", &period).await;
    assert_eq!(value(&r, "talks"), Some(3), "nothing of the refused saves");
    assert_eq!(value(&r, "members"), Some(10));
    assert_eq!(line(&r, "members")["override_reason"], REASON);
    let saves = scalar(
        &app,
        &format!(
            "SELECT COUNT(*) FROM report_events WHERE report_id = {} AND action = 'save'",
            report_id(&r)
        ),
    )
    .await;
    assert_eq!(saves, 1, "one save went through");
    // The snapshot keeps the override and its reason.
    let r = submit(&app, &mut badinh, "00004", &period).await;
    let members = line(&r, "members");
    assert_eq!(members["value"], 10);
    assert_eq!(members["computed"], counted);
    assert_eq!(members["override_reason"], REASON);
    let r = report(&app, &mut badinh, "00004", &period).await;
    assert_eq!(r["frozen"], true);
    assert_eq!(line(&r, "members")["override_reason"], REASON);
    let snapshot: String = sqlx::query_scalar("SELECT snapshot FROM reports WHERE id = $1")
        .bind(report_id(&r))
        .fetch_one(&app.db.pool)
        .await
        .expect("snapshot");
    assert!(snapshot.contains(REASON), "{snapshot}");
    // The level above adds up what was reported.
    let roll = rollup(&app, &mut hanoi, "01", &period, None).await;
    let i = head_of(&roll, "members");
    assert_eq!(at(&child(&roll, "00004")["submitted"], i), Some(10));
    assert_eq!(
        at(&child(&roll, "00004")["live"], i),
        Some(10),
        "the draft's values, overrides included"
    );
    assert_eq!(at(&roll["total_submitted"], i), Some(10));
});

/// For every indicator that adds up (not the shares), a roll-up's total equals the sum of its
/// children's column, for the live values and for those handed in.
#[track_caller]
fn assert_totals_add_up(roll: &Value) {
    let heads = roll["heads"].as_array().expect("heads");
    let children = roll["children"].as_array().expect("children");
    let mut wrong = vec![];
    for (i, h) in heads.iter().enumerate() {
        if h["format"] == "percent" {
            continue;
        }
        for (column, total) in [("live", "total_live"), ("submitted", "total_submitted")] {
            let sum: i64 = children
                .iter()
                .map(|c| at(&c[column], i).unwrap_or(0))
                .sum();
            let shown = at(&roll[total], i).unwrap_or(0);
            if sum != shown {
                wrong.push(format!(
                    "{} {total}: {shown}, the children add up to {sum}",
                    h["key"]
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

both_backends!(
    rollup_totals_add_up_what_children_report,
    |b: Backend| async move {
        // A commune that corrects a computed figure with a written reason reports the corrected
        // figure; the roll-up's totals must add up the column they sum, live (a draft with an
        // override) and handed in (fund_receipts is derived from the ledger categories:
        // donation + membership_fee + ...).
        let app = TestApp::new(b).await;
        let mut badinh = app.api_client(BADINH).await;
        let mut hanoi = app.api_client(HANOI).await;
        let period = whole_year();
        let fund = open_fund(&app, &mut badinh, "00004", "QKH", "Quỹ khuyến học phường").await;
        entry(
            &app,
            &mut badinh,
            fund,
            "donation",
            1_000_000,
            &khuyenhoc::db::today(),
        )
        .await;
        let ngocha = open_fund(&app, &mut hanoi, "00008", "QKH", "Quỹ phường Ngọc Hà").await;
        entry(
            &app,
            &mut hanoi,
            ngocha,
            "donation",
            400_000,
            &khuyenhoc::db::today(),
        )
        .await;
        // Ngọc Hà: a draft correcting its member count.
        save(
            &app,
            &mut hanoi,
            "00008",
            &period,
            json!({"overrides": {"members": {"value": 5, "reason": REASON}}}),
        )
        .await;
        // Ba Đình: handed in, with its money total and member count corrected.
        save(
            &app,
            &mut badinh,
            "00004",
            &period,
            json!({"overrides": {
                "fund_receipts": {"value": 1_250_000, "reason": REASON},
                "members": {"value": 7, "reason": REASON},
            }}),
        )
        .await;
        let r = submit(&app, &mut badinh, "00004", &period).await;
        assert_eq!(value(&r, "fund_receipts"), Some(1_250_000));
        assert_eq!(line(&r, "fund_receipts")["computed"], 1_000_000);
        let roll = rollup(&app, &mut hanoi, "01", &period, None).await;
        let i = head_of(&roll, "fund_receipts");
        let m = head_of(&roll, "members");
        assert_eq!(at(&child(&roll, "00004")["submitted"], i), Some(1_250_000));
        assert_eq!(at(&child(&roll, "00008")["live"], m), Some(5));
        assert_eq!(at(&roll["total_submitted"], m), Some(7));
        assert_totals_add_up(&roll);
        assert_eq!(
            at(&roll["total_submitted"], i),
            Some(1_250_000),
            "the sum of the reports handed in uses the reported (overridden) money total"
        );
    }
);

both_backends!(
    workflow_submit_return_resubmit_accept_lock,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut badinh = app.api_client(BADINH).await;
        let mut hanoi = app.api_client(HANOI).await;
        let mut outsider = app.api_client(HOABINH).await;
        let mut citizen = app.api_client(CITIZEN).await;
        // A period whose deadline has not passed, so a draft is a draft and not late.
        let period = open_period();
        let path = report_path("00004", &period);
        let submit_path = format!("{path}/submit");
        // Periods are a first half-year or a whole year; fields have their limits.
        for bad in ["2026-H2", "2026", "26-Y", "2026-Q1"] {
            refused(
                &app,
                &mut badinh,
                "GET",
                &report_path("00004", bad),
                json!(null),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
        refused(
            &app,
            &mut badinh,
            "POST",
            &path,
            json!({"number_symbol": "1".repeat(51)}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        refused(
            &app,
            &mut badinh,
            "POST",
            &path,
            json!({"numbers": {"talks": -3}}),
            StatusCode::BAD_REQUEST,
        )
        .await;
        refused(
            &app,
            &mut badinh,
            "POST",
            &path,
            json!({"numbers": {"talks": "ba"}}),
            StatusCode::BAD_REQUEST,
        )
        .await;
        refused(
            &app,
            &mut badinh,
            "POST",
            &path,
            json!({"numbers": {"citizen_registered": 3}}),
            StatusCode::BAD_REQUEST,
        )
        .await;
        refused(
            &app,
            &mut badinh,
            "POST",
            &path,
            json!({"texts": {"talks": "ba buổi"}}),
            StatusCode::BAD_REQUEST,
        )
        .await;
        refused(
            &app,
            &mut badinh,
            "POST",
            &path,
            json!({"texts": {"results": "x".repeat(20_001)}}),
            StatusCode::BAD_REQUEST,
        )
        .await;
        let nothing: i64 = scalar(&app, "SELECT COUNT(*) FROM reports").await;
        assert_eq!(nothing, 0, "the refused saves created no report");
        // Nothing to submit before a save.
        refused(
            &app,
            &mut badinh,
            "POST",
            &submit_path,
            json!({}),
            StatusCode::BAD_REQUEST,
        )
        .await;
        let r = save(
            &app,
            &mut badinh,
            "00004",
            &period,
            json!({
                "numbers": {"talks": "1.250"},
                "texts": {"results": "Phong trào học tập suốt đời lan rộng ở các tổ dân phố."},
                "number_symbol": "12/BC-KH",
                "signer_name": "Lê Văn Đình",
            }),
        )
        .await;
        assert_eq!(r["status"], "draft");
        assert_eq!(r["state"], "draft");
        assert_eq!(r["number_symbol"], "12/BC-KH");
        assert_eq!(r["signer_name"], "Lê Văn Đình");
        assert_eq!(value(&r, "talks"), Some(1250), "typed the Vietnamese way");
        assert_eq!(
            line(&r, "results")["text"],
            "Phong trào học tập suốt đời lan rộng ở các tổ dân phố."
        );
        let deadline = khuyenhoc_reports::Template::national().deadline(
            &khuyenhoc_reports::Period::parse(&period).expect("period"),
            "commune",
        );
        assert_eq!(r["deadline"].as_str(), deadline.as_deref());
        assert!(deadline.is_some_and(|d| d.ends_with("-06-15") || d.ends_with("-12-05")));
        let id = report_id(&r);
        let ret = format!("/api/v1/reports/{id}/return");
        let acc = format!("/api/v1/reports/{id}/accept");
        // Nothing to decide on a draft.
        refused(
            &app,
            &mut hanoi,
            "POST",
            &acc,
            json!({}),
            StatusCode::BAD_REQUEST,
        )
        .await;
        submit(&app, &mut badinh, "00004", &period).await;
        let title = refused(
            &app,
            &mut badinh,
            "POST",
            &path,
            json!({"numbers": {"talks": 2}}),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert!(title.contains("submitted"), "{title}");
        refused(
            &app,
            &mut badinh,
            "POST",
            &submit_path,
            json!({}),
            StatusCode::BAD_REQUEST,
        )
        .await;
        // The unit does not decide on its own report; outsiders and citizens see nothing.
        for p in [&ret, &acc] {
            call(
                &app,
                &mut badinh,
                "POST",
                p,
                json!({"reason": "Tự trả lại báo cáo"}),
                StatusCode::NOT_FOUND,
            )
            .await;
        }
        call(
            &app,
            &mut badinh,
            "POST",
            &acc,
            json!({}),
            StatusCode::NOT_FOUND,
        )
        .await;
        for c in [&mut outsider, &mut citizen] {
            call(&app, c, "GET", &path, json!(null), StatusCode::NOT_FOUND).await;
            call(
                &app,
                c,
                "POST",
                &path,
                json!({"numbers": {"talks": 9}}),
                StatusCode::NOT_FOUND,
            )
            .await;
            call(
                &app,
                c,
                "POST",
                &submit_path,
                json!({}),
                StatusCode::NOT_FOUND,
            )
            .await;
            call(
                &app,
                c,
                "POST",
                &ret,
                json!({"reason": "Số liệu chưa khớp"}),
                StatusCode::NOT_FOUND,
            )
            .await;
            call(&app, c, "POST", &acc, json!({}), StatusCode::NOT_FOUND).await;
            call(
                &app,
                c,
                "GET",
                &format!("{path}/rollup"),
                json!(null),
                StatusCode::NOT_FOUND,
            )
            .await;
            call(
                &app,
                c,
                "GET",
                "/api/v1/units/00004/report-template",
                json!(null),
                StatusCode::NOT_FOUND,
            )
            .await;
        }
        // A return needs a reason.
        for reason in ["", "   ", "sai"] {
            refused(
                &app,
                &mut hanoi,
                "POST",
                &ret,
                json!({ "reason": reason }),
                StatusCode::BAD_REQUEST,
            )
            .await;
        }
        let r = report(&app, &mut badinh, "00004", &period).await;
        assert_eq!(
            r["status"], "submitted",
            "the refused attempts changed nothing"
        );
        let reason = "Số liệu quỹ chưa khớp sổ sách; đề nghị rà soát lại";
        let r = ok(&app, &mut hanoi, "POST", &ret, json!({ "reason": reason })).await;
        assert_eq!(r["status"], "returned");
        assert_eq!(r["state"], "returned");
        assert_eq!(r["return_reason"], reason);
        assert_eq!(r["frozen"], false);
        let r = report(&app, &mut badinh, "00004", &period).await;
        assert_eq!(r["return_reason"], reason);
        // Returned: nothing to decide until it is handed in again.
        refused(
            &app,
            &mut hanoi,
            "POST",
            &acc,
            json!({}),
            StatusCode::BAD_REQUEST,
        )
        .await;
        let r = save(
            &app,
            &mut badinh,
            "00004",
            &period,
            json!({"numbers": {"talks": 4}}),
        )
        .await;
        assert_eq!(
            r["status"], "returned",
            "a corrected report stays returned until handed in"
        );
        assert_eq!(value(&r, "talks"), Some(4));
        let r = submit(&app, &mut badinh, "00004", &period).await;
        assert!(r["return_reason"].is_null(), "{r}");
        assert_eq!(r["id"], id, "the same report");
        let r = ok(&app, &mut hanoi, "POST", &acc, json!({})).await;
        assert_eq!(r["status"], "accepted");
        assert_eq!(r["state"], "accepted");
        assert_eq!(r["frozen"], true);
        assert!(r["decided_at"].is_i64());
        assert_eq!(value(&r, "talks"), Some(4));
        // Accepted is locked, for everybody.
        let title = refused(
            &app,
            &mut badinh,
            "POST",
            &path,
            json!({"numbers": {"talks": 5}}),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert!(title.contains("locked"), "{title}");
        let title = refused(
            &app,
            &mut badinh,
            "POST",
            &submit_path,
            json!({}),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert!(title.contains("locked"), "{title}");
        let title = refused(
            &app,
            &mut hanoi,
            "POST",
            &ret,
            json!({ "reason": reason }),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert!(title.contains("locked"), "{title}");
        let title = refused(
            &app,
            &mut hanoi,
            "POST",
            &acc,
            json!({}),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert!(title.contains("locked"), "{title}");
        let title = refused(
            &app,
            &mut hanoi,
            "POST",
            &path,
            json!({"numbers": {"talks": 5}}),
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert!(title.contains("locked"), "{title}");
        let r = report(&app, &mut badinh, "00004", &period).await;
        assert_eq!(value(&r, "talks"), Some(4));
        // The history, in order, and who did what.
        let events: Vec<(String, i64)> = sqlx::query_as(
            "SELECT action, person_id FROM report_events WHERE report_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&app.db.pool)
        .await
        .expect("events");
        let (chair, province) = (app.person_id(BADINH).await, app.person_id(HANOI).await);
        assert_eq!(
            events,
            [
                ("save".to_owned(), chair),
                ("submit".to_owned(), chair),
                ("return".to_owned(), province),
                ("save".to_owned(), chair),
                ("submit".to_owned(), chair),
                ("accept".to_owned(), province),
            ]
        );
        let roll = rollup(&app, &mut hanoi, "01", &period, None).await;
        assert_eq!(child(&roll, "00004")["state"], "accepted");
        assert_eq!(roll["states"]["accepted"], 1);

        // One level down: a branch officer hands in the branch's report, the commune decides.
        let mut branch = app.api_client(BRANCH_OFFICER).await;
        save(
            &app,
            &mut branch,
            "00004-1",
            &period,
            json!({"numbers": {"talks": 1}}),
        )
        .await;
        let r = submit(&app, &mut branch, "00004-1", &period).await;
        let bid = report_id(&r);
        call(
            &app,
            &mut branch,
            "POST",
            &format!("/api/v1/reports/{bid}/accept"),
            json!({}),
            StatusCode::NOT_FOUND,
        )
        .await;
        // The branch officer reads neither the commune's report nor its sibling's.
        call(
            &app,
            &mut branch,
            "GET",
            &path,
            json!(null),
            StatusCode::NOT_FOUND,
        )
        .await;
        call(
            &app,
            &mut branch,
            "GET",
            &report_path("00004-2", &period),
            json!(null),
            StatusCode::NOT_FOUND,
        )
        .await;
        let r = ok(
            &app,
            &mut badinh,
            "POST",
            &format!("/api/v1/reports/{bid}/accept"),
            json!({}),
        )
        .await;
        assert_eq!(r["status"], "accepted");
        let roll = rollup(&app, &mut badinh, "00004", &period, None).await;
        assert_eq!(codes(&roll, "children"), ["00004-1", "00004-2"]);
        assert_eq!(child(&roll, "00004-1")["status"], "accepted");
        assert_eq!(child(&roll, "00004-2")["report_id"], Value::Null);
        assert_no_drift(&app).await;
    }
);

/// The first commune deadline that has not passed: a period whose reports are not late yet.
fn open_period() -> String {
    let t = khuyenhoc_reports::Template::national();
    let today = khuyenhoc::db::today();
    let y = this_year();
    [format!("{y}-H1"), format!("{y}-Y"), format!("{}-H1", y + 1)]
        .into_iter()
        .find(|p| {
            let period = khuyenhoc_reports::Period::parse(p).expect("period");
            t.deadline(&period, "commune").is_some_and(|d| d >= today)
        })
        .expect("one of them is open")
}

both_backends!(completeness_counts_every_state, |b: Backend| async move {
    let app = TestApp::new(b).await;
    // Tỉnh Lai Châu (38 communes) gets a chair, who appoints an officer of one commune.
    let mut central = app.api_client(CENTRAL).await;
    let chair = register_person(&app, &mut central, "12", "Lò Văn Chiến", "0917000001").await;
    let pos = call(
        &app,
        &mut central,
        "POST",
        "/api/v1/units/12/positions",
        json!({"type": "chair"}),
        StatusCode::CREATED,
    )
    .await;
    ok(
        &app,
        &mut central,
        "POST",
        &format!("/api/v1/positions/{}/handover", pos["id"]),
        json!({"person_id": chair}),
    )
    .await;
    let mut laichau = app.api_client("0917000001").await;
    let officer = register_person(&app, &mut laichau, "03390", "Tòng Thị Diệu", "0917000002").await;
    let pos = call(
        &app,
        &mut laichau,
        "POST",
        "/api/v1/units/03390/positions",
        json!({"type": "officer"}),
        StatusCode::CREATED,
    )
    .await;
    ok(
        &app,
        &mut laichau,
        "POST",
        &format!("/api/v1/positions/{}/handover", pos["id"]),
        json!({"person_id": officer}),
    )
    .await;
    let mut binhlu = app.api_client("0917000002").await;
    // Outside Lai Châu nothing is seen; the commune officer sees only her commune.
    let mut hanoi = app.api_client(HANOI).await;
    let period = open_period();
    call(
        &app,
        &mut hanoi,
        "GET",
        &format!("{}/rollup", report_path("12", &period)),
        json!(null),
        StatusCode::NOT_FOUND,
    )
    .await;
    call(
        &app,
        &mut binhlu,
        "GET",
        &report_path("03388", &period),
        json!(null),
        StatusCode::NOT_FOUND,
    )
    .await;

    // The open period: draft, submitted, returned, accepted; the other 34 not started.
    let talks = json!({"numbers": {"talks": 1}});
    save(&app, &mut laichau, "03388", &period, talks.clone()).await;
    save(&app, &mut binhlu, "03390", &period, talks.clone()).await;
    submit(&app, &mut binhlu, "03390", &period).await;
    for code in ["03394", "03405"] {
        save(&app, &mut laichau, code, &period, talks.clone()).await;
        submit(&app, &mut laichau, code, &period).await;
    }
    let id = |r: &Value| report_id(r);
    let returned = id(&report(&app, &mut laichau, "03394", &period).await);
    let accepted = id(&report(&app, &mut laichau, "03405", &period).await);
    ok(
        &app,
        &mut laichau,
        "POST",
        &format!("/api/v1/reports/{returned}/return"),
        json!({"reason": "Thiếu phần đánh giá chung"}),
    )
    .await;
    ok(
        &app,
        &mut laichau,
        "POST",
        &format!("/api/v1/reports/{accepted}/accept"),
        json!({}),
    )
    .await;
    // The commune officer cannot decide on her own commune's report.
    let own = id(&report(&app, &mut binhlu, "03390", &period).await);
    call(
        &app,
        &mut binhlu,
        "POST",
        &format!("/api/v1/reports/{own}/accept"),
        json!({}),
        StatusCode::NOT_FOUND,
    )
    .await;
    let roll = rollup(&app, &mut laichau, "12", &period, None).await;
    assert_eq!(roll["children"].as_array().map(Vec::len), Some(38));
    assert_eq!(
        roll["states"],
        json!({"not_started": 34, "draft": 1, "submitted": 1, "late": 0, "returned": 1, "accepted": 1}),
        "{period}"
    );
    for (code, state) in [
        ("03388", "draft"),
        ("03390", "submitted"),
        ("03394", "returned"),
        ("03405", "accepted"),
        ("03408", "not_started"),
        ("03640", "not_started"),
    ] {
        let c = child(&roll, code);
        assert_eq!(c["state"], state, "{code}");
        assert_eq!(c["status"], state, "{code}");
    }
    assert_eq!(
        child(&roll, "03394")["return_reason"],
        "Thiếu phần đánh giá chung"
    );
    assert!(child(&roll, "03408")["report_id"].is_null());
    let i = head_of(&roll, "talks");
    assert_eq!(at(&roll["total_live"], i), Some(4), "what the four typed");
    assert_eq!(
        at(&roll["total_submitted"], i),
        Some(2),
        "handed in: 03390 and 03405"
    );
    assert_totals_add_up(&roll);

    // A period whose deadline has passed: what was not handed in is late.
    let past = format!("{}-H1", this_year() - 1);
    save(&app, &mut laichau, "03388", &past, talks.clone()).await;
    save(&app, &mut binhlu, "03390", &past, talks.clone()).await;
    let r = submit(&app, &mut binhlu, "03390", &past).await;
    assert_eq!(
        r["submitted_late"], true,
        "handed in after {}",
        r["deadline"]
    );
    save(&app, &mut laichau, "03405", &past, talks.clone()).await;
    submit(&app, &mut laichau, "03405", &past).await;
    let late_accepted = id(&report(&app, &mut laichau, "03405", &past).await);
    ok(
        &app,
        &mut laichau,
        "POST",
        &format!("/api/v1/reports/{late_accepted}/accept"),
        json!({}),
    )
    .await;
    let r = report(&app, &mut laichau, "03388", &past).await;
    assert_eq!(r["status"], "draft");
    assert_eq!(r["state"], "late");
    let roll = rollup(&app, &mut laichau, "12", &past, None).await;
    assert_eq!(
        roll["states"],
        json!({"not_started": 0, "draft": 0, "submitted": 1, "late": 36, "returned": 0, "accepted": 1})
    );
    for (code, status, state) in [
        ("03388", "draft", "late"),
        ("03390", "submitted", "submitted"),
        ("03405", "accepted", "accepted"),
        ("03394", "not_started", "late"),
    ] {
        let c = child(&roll, code);
        assert_eq!(
            (c["status"].as_str(), c["state"].as_str()),
            (Some(status), Some(state)),
            "{code}"
        );
    }
    assert_eq!(child(&roll, "03390")["submitted_late"], true);
    assert_totals_add_up(&roll);
    assert_no_drift(&app).await;
});

/// A Learning Citizen evaluation of a year no criteria set covers any more (the sets start in
/// 2025), written the way the program writes one: the row and its live counters in one
/// transaction (`reports::counters::evaluation_changed`).
async fn past_evaluation(app: &TestApp, person: i64, year: i32, status: &str) {
    let (unit, name): (i64, String) =
        sqlx::query_as("SELECT unit_id, full_name FROM people WHERE id = $1")
            .bind(person)
            .fetch_one(&app.db.pool)
            .await
            .expect("person");
    let set: i64 = sqlx::query_scalar(
        "SELECT id FROM criteria_sets WHERE model = 'citizen' AND owner_code = 'VN' ORDER BY version LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("the national citizen set");
    let mut tx = app.db.begin().await.expect("tx");
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO evaluations (model, subject_kind, subject_id, subject_name, unit_id, year, set_id, form_group, status, answers, created_at, updated_at) \
         VALUES ('citizen', 'person', $1, $2, $3, $4, $5, 'farmer', $6, '{}', $7, $7) RETURNING id",
    )
    .bind(person)
    .bind(&name)
    .bind(unit)
    .bind(i64::from(year))
    .bind(set)
    .bind(status)
    .bind(khuyenhoc::db::now())
    .fetch_one(&mut *tx)
    .await
    .expect("insert evaluation");
    let facts = khuyenhoc::reports::counters::EvalFacts::load(&mut tx, id)
        .await
        .expect("facts");
    khuyenhoc::reports::counters::evaluation_changed(&mut tx, None, facts.as_ref())
        .await
        .expect("counters");
    tx.commit().await.expect("commit");
}

both_backends!(rollup_follows_a_merged_commune, |b: Backend| async move {
    let app = TestApp::new(b).await;
    // Phường Phúc Xá existed until the 2025 merger, which made it part of Phường Ba Đình.
    let hanoi_unit = khuyenhoc::org::model::by_code(&app.db, "01")
        .await
        .expect("q")
        .expect("01");
    let badinh_unit = khuyenhoc::org::model::by_code(&app.db, "00004")
        .await
        .expect("q")
        .expect("00004");
    let mut tx = app.db.begin().await.expect("tx");
    let old = khuyenhoc::org::model::insert(
        &mut tx,
        &khuyenhoc::org::model::NewUnit {
            code: "00001",
            level: khuyenhoc_domain::Level::Commune,
            kind: "phuong",
            name: "Phường Phúc Xá",
            parent: Some((&hanoi_unit.path, hanoi_unit.id)),
            valid_from: "2008-08-01",
        },
    )
    .await
    .expect("insert");
    khuyenhoc::org::model::record_succession(&mut tx, old, badinh_unit.id, None, "2025-07-01")
        .await
        .expect("succession");
    tx.commit().await.expect("commit");
    // People of Phúc Xá (the API registers them at the closed commune) and of Ba Đình.
    let mut hanoi = app.api_client(HANOI).await;
    let mut badinh = app.api_client(BADINH).await;
    let mut old_people = vec![];
    for (n, name) in NAMES.iter().enumerate().take(3) {
        let phone = format!("09180000{:02}", n + 1);
        old_people.push(register_person(&app, &mut hanoi, "00001", name, &phone).await);
    }
    let local = register_person(&app, &mut badinh, "00004-1", NAMES[5], "0918000010").await;
    // 2024: three of Phúc Xá (two recognised), one of Ba Đình's area.
    for (p, status) in old_people
        .iter()
        .zip(["recognised", "recognised", "registered"])
    {
        past_evaluation(&app, *p, 2024, status).await;
    }
    past_evaluation(&app, local, 2024, "registered").await;
    // 2025, before the merger, through the API: one of Phúc Xá recognised.
    citizen_evaluation(&app, &mut hanoi, old_people[0], 2025, Stage::Recognised).await;
    assert_no_drift(&app).await;

    let period = "2024-Y";
    // Today's structure: Ba Đình carries Phúc Xá's figures; Phúc Xá is no child any more.
    let roll = rollup(&app, &mut hanoi, "01", period, None).await;
    assert_eq!(roll["as_of"], khuyenhoc::db::today());
    let (reg, rec) = (
        head_of(&roll, "citizen_registered"),
        head_of(&roll, "citizen_recognised"),
    );
    let kids = codes(&roll, "children");
    assert_eq!(kids.len(), 126);
    assert!(!kids.contains(&"00001".to_owned()));
    let row = child(&roll, "00004");
    assert_eq!(
        at(&row["live"], reg),
        Some(4),
        "Ba Đình's own one and Phúc Xá's three"
    );
    assert_eq!(at(&row["live"], rec), Some(2));
    assert_eq!(at(&roll["total_live"], reg), Some(4));
    assert_totals_add_up(&roll);
    let r = report(&app, &mut badinh, "00004", period).await;
    assert_eq!(value(&r, "citizen_registered"), Some(4));
    assert_eq!(value(&r, "citizen_recognised"), Some(2));
    assert_eq!(
        value(&r, "citizen_share"),
        None,
        "no population recorded for the year: missing, not 2 of 4 registrations"
    );
    let province = report(&app, &mut hanoi, "01", period).await;
    assert_eq!(
        value(&province, "citizen_registered"),
        Some(4),
        "counted once"
    );
    // The structure at the end of 2024: Phúc Xá itself, with its own figures.
    let roll = rollup(&app, &mut hanoi, "01", period, Some("2024-12-31")).await;
    assert_eq!(roll["as_of"], "2024-12-31");
    assert_eq!(codes(&roll, "children"), ["00001"]);
    let row = child(&roll, "00001");
    assert_eq!(at(&row["live"], reg), Some(3));
    assert_eq!(at(&row["live"], rec), Some(2));
    assert_eq!(row["state"], "late", "nobody handed in 2024's report");
    // The day of the merger belongs to the new structure.
    let roll = rollup(&app, &mut hanoi, "01", period, Some("2025-07-01")).await;
    assert!(!codes(&roll, "children").contains(&"00001".to_owned()));
    assert_eq!(at(&child(&roll, "00004")["live"], reg), Some(4));
    // 2025 the same way: the API's registration at Phúc Xá goes to Ba Đình after the merger.
    let roll = rollup(&app, &mut hanoi, "01", "2025-Y", None).await;
    assert_eq!(at(&child(&roll, "00004")["live"], rec), Some(1));
    let roll = rollup(&app, &mut hanoi, "01", "2025-Y", Some("2025-06-30")).await;
    assert_eq!(codes(&roll, "children"), ["00001"]);
    assert_eq!(at(&child(&roll, "00001")["live"], rec), Some(1));
    // A date that is no date is refused.
    call(
        &app,
        &mut hanoi,
        "GET",
        &format!("{}/rollup?as_of=2024-13-01", report_path("01", period)),
        json!(null),
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert_no_drift(&app).await;
});

both_backends!(
    cluster_table_puts_provinces_side_by_side,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut badinh = app.api_client(BADINH).await;
        let mut hanoi = app.api_client(HANOI).await;
        let mut hoabinh = app.api_client(HOABINH).await;
        let mut central = app.api_client(CENTRAL).await;
        let y = this_year();
        let period = whole_year();
        // Hà Nội: two registrations this year, one last year; Phú Thọ: three this year.
        let mut ids = vec![];
        for (n, name) in NAMES.iter().enumerate().take(3) {
            ids.push(
                register_person(
                    &app,
                    &mut badinh,
                    "00004-1",
                    name,
                    &format!("09190000{:02}", n + 1),
                )
                .await,
            );
        }
        citizen_evaluation(&app, &mut badinh, ids[0], y, Stage::Recognised).await;
        citizen_evaluation(&app, &mut badinh, ids[1], y, Stage::Registered).await;
        citizen_evaluation(&app, &mut badinh, ids[0], y - 1, Stage::Recognised).await;
        for (n, name) in NAMES.iter().enumerate().skip(3).take(3) {
            let p = register_person(
                &app,
                &mut hoabinh,
                "04795",
                name,
                &format!("09190000{:02}", n + 1),
            )
            .await;
            citizen_evaluation(&app, &mut hoabinh, p, y, Stage::Registered).await;
        }
        // Hà Nội hands its report in, then registers one more: the table keeps what was handed in.
        save(
            &app,
            &mut hanoi,
            "01",
            &period,
            json!({"numbers": {"talks": 12}, "texts": {"results": "Hà Nội dẫn đầu cụm về công dân học tập."}}),
        )
        .await;
        let r = submit(&app, &mut hanoi, "01", &period).await;
        assert_eq!(value(&r, "citizen_registered"), Some(2));
        citizen_evaluation(&app, &mut badinh, ids[2], y, Stage::Registered).await;
        let path = format!("/api/v1/clusters/DEMO-1/reports/{period}");
        let t = call(&app, &mut hanoi, "GET", &path, json!(null), StatusCode::OK).await;
        assert_eq!(codes(&t, "provinces"), ["01", "25", "31"]);
        let handed: Vec<bool> = t["provinces"]
            .as_array()
            .expect("provinces")
            .iter()
            .map(|p| p["handed_in"].as_bool().expect("bool"))
            .collect();
        assert_eq!(handed, [true, false, false]);
        let heads = t["heads"].as_array().expect("heads");
        assert!(
            heads.iter().all(|h| h["key"] != "results"),
            "text indicators are no columns"
        );
        let i = head_of(&t, "citizen_registered");
        let column: Vec<Option<i64>> = t["provinces"]
            .as_array()
            .expect("provinces")
            .iter()
            .map(|p| at(&p["values"], i))
            .collect();
        assert_eq!(
            column,
            [Some(2), Some(3), Some(0)],
            "Hà Nội's as handed in, the others live"
        );
        let ranks: Vec<Option<i64>> = t["provinces"]
            .as_array()
            .expect("provinces")
            .iter()
            .map(|p| at(&p["ranks"], i))
            .collect();
        assert_eq!(ranks, [Some(2), Some(1), Some(3)]);
        let previous: Vec<Option<i64>> = t["provinces"]
            .as_array()
            .expect("provinces")
            .iter()
            .map(|p| at(&p["previous"], i))
            .collect();
        assert_eq!(previous, [Some(1), Some(0), Some(0)]);
        let change: Vec<Option<i64>> = t["provinces"]
            .as_array()
            .expect("provinces")
            .iter()
            .map(|p| at(&p["change"], i))
            .collect();
        assert_eq!(change, [Some(1), Some(3), Some(0)]);
        let j = head_of(&t, "talks");
        assert_eq!(at(&t["provinces"][0]["values"], j), Some(12));
        // Every column's ranks agree with its values (1 = highest; ties share a rank).
        for p in t["provinces"].as_array().expect("provinces") {
            assert_eq!(p["values"].as_array().map(Vec::len), Some(heads.len()));
            assert_eq!(p["ranks"].as_array().map(Vec::len), Some(heads.len()));
        }
        // A missing value ranks after every known one (never as a zero).
        let mut missing = 0;
        for (k, h) in heads.iter().enumerate() {
            let col: Vec<Option<i64>> = t["provinces"]
                .as_array()
                .expect("provinces")
                .iter()
                .map(|p| at(&p["values"], k))
                .collect();
            let known: Vec<i64> = col.iter().flatten().copied().collect();
            for (n, p) in t["provinces"]
                .as_array()
                .expect("provinces")
                .iter()
                .enumerate()
            {
                let want = match col[n] {
                    Some(v) => 1 + known.iter().filter(|o| **o > v).count(),
                    None => {
                        missing += 1;
                        assert!(p["values"][k].is_null(), "missing is null, not 0");
                        known.len() + 1
                    }
                };
                assert_eq!(
                    at(&p["ranks"], k),
                    i64::try_from(want).ok(),
                    "{}: {}",
                    h["key"],
                    p["unit"]["code"]
                );
            }
        }
        assert!(
            missing > 0,
            "some values are missing (shares without a population, numbers not typed)"
        );
        // The page shows them as missing, never as 0.
        let mut browser = app.login(HANOI).await;
        let page = app
            .get(&mut browser, &format!("/clusters/DEMO-1/reports/{period}"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let clan = head_of(&t, "clan_share");
        assert!(at(&t["provinces"][1]["values"], clan).is_none());
        let row = &page.body[page
            .body
            .find("Tỷ lệ Dòng họ học tập")
            .expect("the clan share row")..];
        let row = &row[..row.find("</tr>").expect("end of row")];
        assert!(row.contains(">—<"), "missing shown as missing: {row}");
        assert!(!row.contains(">0<"), "never as 0: {row}");
        assert_eq!(
            t["provinces"][0]["texts"]["results"],
            "Hà Nội dẫn đầu cụm về công dân học tập."
        );
        // Accepted, Hà Nội's values are still those handed in; the central office reads it too.
        let id = report_id(&r);
        ok(
            &app,
            &mut central,
            "POST",
            &format!("/api/v1/reports/{id}/accept"),
            json!({}),
        )
        .await;
        let t = call(
            &app,
            &mut central,
            "GET",
            &path,
            json!(null),
            StatusCode::OK,
        )
        .await;
        assert_eq!(t["provinces"][0]["handed_in"], true);
        assert_eq!(at(&t["provinces"][0]["values"], i), Some(2));
        // A commune's chair does not read the cluster table, even in a member province.
        call(
            &app,
            &mut hoabinh,
            "GET",
            &path,
            json!(null),
            StatusCode::NOT_FOUND,
        )
        .await;
        call(
            &app,
            &mut badinh,
            "GET",
            &path,
            json!(null),
            StatusCode::NOT_FOUND,
        )
        .await;
        call(
            &app,
            &mut hanoi,
            "GET",
            &format!("/api/v1/clusters/NOPE/reports/{period}"),
            json!(null),
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_no_drift(&app).await;
    }
);

both_backends!(province_template_adds_indicators, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut badinh = app.api_client(BADINH).await;
    let mut hanoi = app.api_client(HANOI).await;
    let mut hoabinh = app.api_client(HOABINH).await;
    let period = whole_year();
    let valid = "[[indicator]]\nkey = \"p_reading_clubs\"\nsection = \"models\"\nlabel_vi = \"Số câu lạc bộ đọc sách\"\nlabel_en = \"Reading clubs\"\nsource = \"number\"\n\n[[indicator]]\nkey = \"p_citizen_farmers\"\nsection = \"models\"\nlabel_vi = \"Nông dân đăng ký Công dân học tập\"\nlabel_en = \"Farmers registered as Learning Citizens\"\nsource = \"computed\"\nmetric = \"eval.registered.citizen.farmer\"\n";
    let tpl = "/api/v1/units/01/report-template";
    let before = call(&app, &mut hanoi, "GET", tpl, json!(null), StatusCode::OK).await;
    assert!(before["version"].is_null());
    // Only the province's reviewers, only at the province.
    call(
        &app,
        &mut badinh,
        "POST",
        tpl,
        json!({ "source": valid }),
        StatusCode::NOT_FOUND,
    )
    .await;
    call(
        &app,
        &mut hoabinh,
        "POST",
        tpl,
        json!({ "source": valid }),
        StatusCode::NOT_FOUND,
    )
    .await;
    call(
        &app,
        &mut hanoi,
        "POST",
        "/api/v1/units/00004/report-template",
        json!({ "source": valid }),
        StatusCode::BAD_REQUEST,
    )
    .await;
    let saved = call(
        &app,
        &mut hanoi,
        "POST",
        tpl,
        json!({ "source": valid }),
        StatusCode::OK,
    )
    .await;
    assert_eq!(saved["version"], 1);
    assert_eq!(saved["source"], valid);
    // The commune's report has the new indicators; a commune of another province does not.
    let p = register_person(&app, &mut badinh, "00004-1", NAMES[0], "0919100001").await;
    citizen_evaluation(&app, &mut badinh, p, this_year(), Stage::Registered).await;
    let r = save(
        &app,
        &mut badinh,
        "00004",
        &period,
        json!({"numbers": {"p_reading_clubs": 7}}),
    )
    .await;
    assert_eq!(line(&r, "p_reading_clubs")["source"], "number");
    assert_eq!(value(&r, "p_reading_clubs"), Some(7));
    assert_eq!(line(&r, "p_citizen_farmers")["source"], "computed");
    assert_eq!(value(&r, "p_citizen_farmers"), Some(1));
    assert!(
        r["templates"].as_str().is_some_and(|t| t.contains("01")),
        "{}",
        r["templates"]
    );
    let other = report(&app, &mut hoabinh, "04795", &period).await;
    assert!(other["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .all(|l| l["key"] != "p_reading_clubs"));
    call(
        &app,
        &mut hoabinh,
        "POST",
        &report_path("04795", &period),
        json!({"numbers": {"p_reading_clubs": 1}}),
        StatusCode::BAD_REQUEST,
    )
    .await;
    let roll = rollup(&app, &mut hanoi, "01", &period, None).await;
    let i = head_of(&roll, "p_reading_clubs");
    assert_eq!(at(&roll["total_live"], i), Some(7));
    // Invalid extensions answer 422 naming the line; nothing is saved.
    let unknown_metric = "[[indicator]]\nkey = \"p_dogs\"\nsection = \"models\"\nlabel_vi = \"Chó\"\nlabel_en = \"Dogs\"\nsource = \"computed\"\nmetric = \"eval.recognised.dog\"\n";
    let title = refused(
        &app,
        &mut hanoi,
        "POST",
        tpl,
        json!({ "source": unknown_metric }),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(title.contains("line 7"), "{title}");
    let taken = "[[indicator]]\nkey = \"members\"\nsection = \"organisation\"\nlabel_vi = \"Hội viên\"\nlabel_en = \"Members\"\nsource = \"number\"\n";
    let title = refused(
        &app,
        &mut hanoi,
        "POST",
        tpl,
        json!({ "source": taken }),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(title.contains("line 2"), "{title}");
    let j = call(
        &app,
        &mut hanoi,
        "POST",
        tpl,
        json!({"source": "[[indicator]\nkey = 1\n"}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        j["title_en"].as_str().is_some_and(|t| t.contains("line 1")),
        "{j}"
    );
    assert!(
        j["title"].as_str().is_some_and(|t| t.contains("dòng 1")),
        "{j}"
    );
    let after = call(&app, &mut hanoi, "GET", tpl, json!(null), StatusCode::OK).await;
    assert_eq!(after["version"], 1);
    assert_eq!(after["source"], valid);
    // A new version replaces the extension: the commune's report follows it.
    let v2 = "[[indicator]]\nkey = \"p_reading_clubs\"\nsection = \"models\"\nlabel_vi = \"Số câu lạc bộ đọc sách\"\nlabel_en = \"Reading clubs\"\nsource = \"number\"\n";
    let saved = call(
        &app,
        &mut hanoi,
        "POST",
        tpl,
        json!({ "source": v2 }),
        StatusCode::OK,
    )
    .await;
    assert_eq!(saved["version"], 2);
    let r = report(&app, &mut badinh, "00004", &period).await;
    assert!(r["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .all(|l| l["key"] != "p_citizen_farmers"));
    assert_eq!(value(&r, "p_reading_clubs"), Some(7));
});
