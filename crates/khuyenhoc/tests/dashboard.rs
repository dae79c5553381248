//! The officer home page checked (issue 16, item 9), on both backends: for a commune chair, a
//! branch officer and a province chair, every figure of their dashboard (key figures, their own
//! report and its due date, reports below to decide or missing, evaluations waiting for them)
//! equals what the test counts itself in SQL from the raw rows. The branch officer's waiting
//! count is only what waits for the branch's check, and every waiting count is a link to the
//! list filtered on it.

mod common;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;
use khuyenhoc_reports::{Period, PeriodKind};
use serde_json::json;

/// The dashboard card of a unit on a home page.
fn card<'a>(home: &'a str, code: &str) -> &'a str {
    let at = home
        .find(&format!("id=\"dash-{code}\""))
        .unwrap_or_else(|| panic!("no dashboard for {code}: {home}"));
    let rest = &home[at..];
    &rest[..rest.find("</div>").expect("end of the card")]
}

/// The whole number written right after `label` in a card (thousands grouped with dots).
fn number_after(card: &str, label: &str) -> i64 {
    let at = card
        .find(label)
        .unwrap_or_else(|| panic!("no {label} in {card}"))
        + label.len();
    let digits: String = card[at..]
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .filter(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number after {label} in {card}"))
}

/// What the test counts itself for the unit at `code`, from the raw rows.
struct Want {
    members: i64,
    recognised: i64,
    receipts: i64,
    waiting: i64,
    to_decide: i64,
    missing: i64,
    children: i64,
    own: Option<String>,
}

/// (active members, citizens recognised in the period's year, money raised in the period) of
/// the units matched by `under`.
async fn key_figures(app: &TestApp, under: &str, p: &Period) -> (i64, i64, i64) {
    let y = p.year;
    let (from, to) = match p.kind {
        PeriodKind::HalfYear => (format!("{y}-01-01"), format!("{y}-06-30")),
        PeriodKind::Year => (format!("{y}-01-01"), format!("{y}-12-31")),
    };
    (
        scalar(
            app,
            &format!("SELECT COUNT(*) FROM members m JOIN units u ON u.id = m.branch_id WHERE {under} AND m.status = 'active'"),
        )
        .await,
        scalar(
            app,
            &format!(
                "SELECT COUNT(*) FROM evaluations e JOIN units u ON u.id = e.unit_id WHERE {under} \
                 AND e.year = {y} AND e.model = 'citizen' AND e.status = 'recognised' AND e.revoked_at IS NULL"
            ),
        )
        .await,
        scalar(
            app,
            &format!(
                "SELECT CAST(COALESCE(SUM(-l.amount), 0) AS BIGINT) FROM ledger_lines l \
                 JOIN ledger_entries e ON e.id = l.entry_id JOIN funds f ON f.id = l.fund_id \
                 JOIN units u ON u.id = f.unit_id WHERE {under} AND e.occurred_on >= '{from}' \
                 AND e.occurred_on <= '{to}' \
                 AND l.account IN ('donation', 'membership_fee', 'piggy_bank', 'other_income')"
            ),
        )
        .await,
    )
}

async fn want(app: &TestApp, code: &str, p: &Period) -> Want {
    let path: String = sqlx::query_scalar("SELECT path FROM units WHERE code = $1")
        .bind(code)
        .fetch_one(&app.db.pool)
        .await
        .expect("path");
    let level: String = sqlx::query_scalar("SELECT level FROM units WHERE code = $1")
        .bind(code)
        .fetch_one(&app.db.pool)
        .await
        .expect("level");
    let y = p.year;
    let under = format!("u.path LIKE '{path}%'");
    let evals = |status: &str, here: bool| {
        let place = if here {
            format!("u.code = '{code}'")
        } else {
            under.clone()
        };
        format!(
            "SELECT COUNT(*) FROM evaluations e JOIN units u ON u.id = e.unit_id \
             WHERE {place} AND e.year = {y} AND e.status = '{status}'"
        )
    };
    let waiting = if level == "branch" {
        scalar(app, &evals("submitted", false)).await
    } else {
        scalar(app, &evals("checked", false)).await + scalar(app, &evals("submitted", true)).await
    };
    let today = today();
    let children = format!(
        "FROM units c JOIN units u ON u.id = c.parent_id WHERE u.code = '{code}' \
         AND c.valid_from <= '{today}' AND (c.valid_to IS NULL OR c.valid_to > '{today}')"
    );
    let reports = |statuses: &str| {
        format!(
            "SELECT COUNT(*) {children} AND EXISTS (SELECT 1 FROM reports r WHERE r.unit_id = c.id \
             AND r.period = '{p}' AND r.status IN ({statuses}))"
        )
    };
    let n_children = if level == "branch" {
        0
    } else {
        scalar(app, &format!("SELECT COUNT(*) {children}")).await
    };
    let (members, recognised, receipts) = key_figures(app, &under, p).await;
    Want {
        members,
        recognised,
        receipts,
        waiting,
        to_decide: scalar(app, &reports("'submitted'")).await,
        missing: n_children - scalar(app, &reports("'submitted', 'accepted'")).await,
        children: n_children,
        own: sqlx::query_scalar(
            "SELECT r.status FROM reports r JOIN units u ON u.id = r.unit_id WHERE u.code = $1 AND r.period = $2",
        )
        .bind(code)
        .bind(p.to_string())
        .fetch_optional(&app.db.pool)
        .await
        .expect("own report"),
    }
}

/// The dashboard of `code` on `phone`'s home page against the raw rows.
async fn check(app: &TestApp, phone: &str, code: &str, level: &str) {
    let p = Period::current(&today());
    let w = want(app, code, &p).await;
    let mut c = app.login(phone).await;
    let home = app.get(&mut c, "/").await;
    assert_eq!(home.status, StatusCode::OK);
    let d = card(&home.body, code);
    assert_eq!(
        number_after(d, "Hội viên"),
        w.members,
        "{code} members: {d}"
    );
    assert_eq!(
        number_after(d, "được công nhận năm nay"),
        w.recognised,
        "{code} recognised: {d}"
    );
    assert_eq!(
        number_after(d, "Vận động quỹ trong kỳ"),
        w.receipts,
        "{code} receipts: {d}"
    );
    // The unit's own report: its state and due date (dd/mm/yyyy).
    let deadline = khuyenhoc_reports::Template::national()
        .deadline(&p, level)
        .expect("a deadline");
    let (yy, rest) = deadline.split_at(4);
    let shown_deadline = format!("{}/{}/{yy}", &rest[4..6], &rest[1..3]);
    assert!(
        d.contains(&format!("hạn {shown_deadline}")),
        "{code} due {shown_deadline}: {d}"
    );
    let state = match w.own.as_deref() {
        None | Some("draft") if today() > deadline => "late",
        None => "not_started",
        Some(s) => s,
    };
    assert!(
        d.contains(&format!("state-{state}")),
        "{code} own report {state}: {d}"
    );
    if w.children > 0 {
        assert_eq!(
            number_after(d, "Báo cáo cấp dưới chờ duyệt"),
            w.to_decide,
            "{code}: {d}"
        );
        assert!(
            d.contains(&format!("chưa nộp: {}/{}", w.missing, w.children)),
            "{code} missing {}/{}: {d}",
            w.missing,
            w.children
        );
    } else {
        assert!(!d.contains("Báo cáo cấp dưới"), "{code}: {d}");
    }
    check_waiting(app, &mut c, d, code, level, &w, &p).await;
}

/// What waits for this officer, as a link to exactly that list.
async fn check_waiting(
    app: &TestApp,
    c: &mut Client,
    d: &str,
    code: &str,
    level: &str,
    w: &Want,
    p: &Period,
) {
    let status = if level == "branch" {
        "submitted"
    } else {
        "checked"
    };
    let link = format!(
        "href=\"/units/{code}/evaluations?status={status}&amp;year={}\"",
        p.year
    );
    assert!(d.contains(&link), "{code} links {link}: {d}");
    let label = if level == "branch" {
        "chờ chi hội kiểm tra"
    } else {
        "chờ xét duyệt"
    };
    assert_eq!(number_after(d, label), w.waiting, "{code} waiting: {d}");
    if level == "branch" {
        let list = app
            .get(
                c,
                &format!("/units/{code}/evaluations?status={status}&year={}", p.year),
            )
            .await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(
            list.body
                .contains(&format!("<span id=\"total\">{}</span>", w.waiting)),
            "the list counts the same {}: {}",
            w.waiting,
            list.body
        );
    }
}

both_backends!(
    home_dashboards_match_the_raw_rows,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let p = Period::current(&today());
        let y = p.year;
        let mut api = app.api_client(BADINH).await;
        // Evaluations in every waiting state: at branch 00004-1 (two submitted, one checked,
        // one recognised), at branch 00004-2 (one submitted), straight at the commune (one
        // submitted: no branch checks it first).
        let mut n = 0;
        for (unit, stage) in [
            ("00004-1", Stage::Submitted),
            ("00004-1", Stage::Submitted),
            ("00004-1", Stage::Checked),
            ("00004-1", Stage::Recognised),
            ("00004-2", Stage::Submitted),
            ("00004", Stage::Submitted),
        ] {
            n += 1;
            let person = register_person(
                &app,
                &mut api,
                unit,
                &format!(
                    "Hồ Văn {}",
                    ["An", "Bảo", "Cường", "Dương", "Hải", "Khoa"][n - 1]
                ),
                &format!("09190000{n:02}"),
            )
            .await;
            citizen_evaluation(&app, &mut api, person, y, stage).await;
            if n <= 2 {
                ok(
                    &app,
                    &mut api,
                    "POST",
                    "/api/v1/units/00004/members",
                    json!({"person_id": person, "branch_code": "00004-1", "joined_on": today(), "sectors": []}),
                )
                .await;
            }
        }
        // Money raised in the period at the branch.
        let fund = open_fund(
            &app,
            &mut api,
            "00004-1",
            "KH-TDP1",
            "Quỹ khuyến học tổ dân phố 1",
        )
        .await;
        call(
            &app,
            &mut api,
            "POST",
            &format!("/api/v1/funds/{fund}/entries"),
            json!({"category": "donation", "amount": 1_250_000, "date": today(), "party": "Nhà hảo tâm"}),
            StatusCode::CREATED,
        )
        .await;
        // The branch hands in its report: one report below for the commune to decide.
        call(
            &app,
            &mut api,
            "POST",
            &format!("/api/v1/units/00004-1/reports/{p}"),
            json!({"numbers": {"talks": 2}}),
            StatusCode::OK,
        )
        .await;
        call(
            &app,
            &mut api,
            "POST",
            &format!("/api/v1/units/00004-1/reports/{p}/submit"),
            json!({}),
            StatusCode::OK,
        )
        .await;

        check(&app, BRANCH_OFFICER, "00004-1", "branch").await;
        check(&app, BADINH, "00004", "commune").await;
        check(&app, HANOI, "01", "province").await;
        // The branch officer's count is the branch's own queue: two submitted, not the checked
        // one waiting for the commune, nor the other branch's or the commune's.
        let w = want(&app, "00004-1", &p).await;
        assert_eq!(w.waiting, 2);
        let w = want(&app, "00004", &p).await;
        assert_eq!(
            w.waiting, 2,
            "the checked one and the one submitted at the commune"
        );
    }
);
