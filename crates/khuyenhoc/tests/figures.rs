//! Figures that are right (issue 16, item 4), on both backends: revoking a certificate takes the
//! title out of every count at once (the live counters and `recount`, the statistics, the
//! report, a family's share of learning citizens, a unit's 90 % rule); the national targets
//! divide by the population they count, recorded with the unit's yearly population, and a share
//! without it is missing; a past period never handed in shows the members of its last day.

mod common;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;
use serde_json::{json, Value};

/// The live total and verdict of an evaluation, as the API computes them now.
async fn live_score(app: &TestApp, api: &mut Client, id: i64) -> (i64, bool, String) {
    let d = ok(
        app,
        api,
        "GET",
        &format!("/api/v1/evaluations/{id}"),
        json!({}),
    )
    .await;
    (
        d["score"]["total"].as_i64().expect("a total"),
        d["score"]["passed"].as_bool().expect("a verdict"),
        d["score"]["reasons"].to_string(),
    )
}

/// Ba Đình's counter of a metric for a year, read as reports read it.
async fn counter(app: &TestApp, unit: &str, year: i32, metric: &str) -> i64 {
    let id: i64 = sqlx::query_scalar("SELECT id FROM units WHERE code = $1")
        .bind(unit)
        .fetch_one(&app.db.pool)
        .await
        .expect("unit");
    khuyenhoc::reports::counters::read(&app.db, id, &[year.to_string()])
        .await
        .expect("counters")
        .get(metric)
        .copied()
        .unwrap_or(0)
}

/// Recognised Learning Citizens of `year` under Ba Đình, straight from the raw rows.
async fn recognised_raw(app: &TestApp, year: i32) -> i64 {
    scalar(
        app,
        &format!(
            "SELECT COUNT(*) FROM evaluations e JOIN units u ON u.id = e.unit_id \
             WHERE e.model = 'citizen' AND e.year = {year} AND u.path LIKE '/VN/01/00004/%' \
             AND e.status = 'recognised' AND e.revoked_at IS NULL"
        ),
    )
    .await
}

async fn revoke(app: &TestApp, api: &mut Client, evaluation: i64) {
    let code: String = sqlx::query_scalar(
        "SELECT code FROM certificates WHERE evaluation_id = $1 AND revoked_at IS NULL",
    )
    .bind(evaluation)
    .fetch_one(&app.db.pool)
    .await
    .expect("a certificate in force");
    ok(
        app,
        api,
        "POST",
        &format!("/api/v1/certificates/{code}/revoke"),
        json!({"reason": "Kê khai không trung thực"}),
    )
    .await;
}

fn line_value(report: &Value, key: &str) -> Option<i64> {
    report["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["key"] == key)
        .unwrap_or_else(|| panic!("no line {key}"))["value"]
        .as_i64()
}

/// A family of three adults at branch 00004-1, added by the commune chair; returns the group id.
async fn family(app: &TestApp, chair: &mut Client, phones: [&str; 3]) -> i64 {
    let r = app
        .post_form(
            chair,
            "/units/00004-1/groups",
            &[
                ("kind", "family"),
                ("name", "Gia đình ông Đỗ Văn Chủ"),
                ("head", phones[0]),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let group = r.location().expect("group page").to_owned();
    for phone in &phones[1..] {
        let r = app
            .post_form(
                chair,
                &format!("{group}/members"),
                &[("phone", phone), ("adult", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    group
        .trim_start_matches("/groups/")
        .parse()
        .expect("group id")
}

both_backends!(
    revoking_a_certificate_lowers_every_count_at_once,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let y = this_year();
        let mut api = app.api_client(BADINH).await;
        let mut chair = app.login(BADINH).await;
        // A family at branch 00004-1: the head and the wife become learning citizens.
        let phones = ["0916000001", "0916000002", "0916000003"];
        let mut adults = vec![];
        for (name, phone) in [
            ("Đỗ Văn Chủ", phones[0]),
            ("Đỗ Thị Vợ", phones[1]),
            ("Đỗ Văn Con", phones[2]),
        ] {
            adults.push(register_person(&app, &mut api, "00004-1", name, phone).await);
        }
        let group = family(&app, &mut chair, phones).await;
        let mut citizens = vec![];
        for p in &adults[..2] {
            let d = citizen_evaluation(&app, &mut api, *p, y, Stage::Recognised).await;
            citizens.push(evaluation_id(&d));
        }
        let fam = evaluation_id(
            &ok(
                &app,
                &mut api,
                "POST",
                "/api/v1/evaluations",
                json!({"model": "family", "subject": {"group_id": group}, "year": y}),
            )
            .await,
        );
        // Ten staff of the school branch 00004-2, nine of them learning citizens: the unit
        // meets the 90 % rule.
        let mut staff = vec![];
        for n in 0..10 {
            let p = register_person(
                &app,
                &mut api,
                "00004-2",
                &format!(
                    "Giáo Viên {}",
                    ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khánh", "Lan", "Minh", "Nga"][n]
                ),
                &format!("09160001{n:02}"),
            )
            .await;
            let stage = if n < 9 {
                Stage::Recognised
            } else {
                Stage::Checked
            };
            staff.push(evaluation_id(
                &citizen_evaluation(&app, &mut api, p, y, stage).await,
            ));
        }
        let unit = evaluation_id(
            &ok(
                &app,
                &mut api,
                "POST",
                "/api/v1/evaluations",
                json!({"model": "unit", "subject": {"unit_code": "00004-2"}, "year": y}),
            )
            .await,
        );
        let answers = json!({"answers": {"plan": 1, "support": 9, "trainings": 5, "digital": 9, "sharing": 9, "tasks": 9, "innovation": 9}});
        ok(
            &app,
            &mut api,
            "PUT",
            &format!("/api/v1/evaluations/{unit}/answers"),
            answers,
        )
        .await;

        let (fam_before, _, _) = live_score(&app, &mut api, fam).await;
        let (_, _, reasons) = live_score(&app, &mut api, unit).await;
        // (Its plan still needs a document: the only reason left is that one.)
        assert!(
            !reasons.contains("90"),
            "9 of 10 staff: the 90 % rule holds ({reasons})"
        );
        let metric = "eval.recognised.citizen";
        let before = counter(&app, "00004", y, metric).await;
        let registered = counter(&app, "00004", y, "eval.registered.citizen").await;
        assert_eq!(before, recognised_raw(&app, y).await);
        let stats_of = |db: khuyenhoc::db::Db| async move {
            let s = khuyenhoc::evaluation::stats::for_subtree(&db, "/VN/01/00004/", y.into())
                .await
                .expect("stats");
            s.rows
                .iter()
                .filter(|r| r.model == "citizen")
                .map(|r| r.recognised)
                .sum::<i64>()
        };
        assert_eq!(stats_of(app.db.clone()).await, before);
        let period = format!("{y}-Y");
        let report = ok(
            &app,
            &mut api,
            "GET",
            &format!("/api/v1/units/00004/reports/{period}"),
            json!({}),
        )
        .await;
        assert_eq!(line_value(&report, "citizen_recognised"), Some(before));

        // One teacher's certificate is revoked: the title leaves every count at once.
        revoke(&app, &mut api, staff[0]).await;
        assert_eq!(counter(&app, "00004", y, metric).await, before - 1);
        assert_eq!(counter(&app, "00004-2", y, metric).await, 8);
        assert_eq!(
            counter(&app, "00004", y, "eval.registered.citizen").await,
            registered,
            "still registered"
        );
        assert_eq!(recognised_raw(&app, y).await, before - 1);
        assert_eq!(stats_of(app.db.clone()).await, before - 1);
        let report = ok(
            &app,
            &mut api,
            "GET",
            &format!("/api/v1/units/00004/reports/{period}"),
            json!({}),
        )
        .await;
        assert_eq!(line_value(&report, "citizen_recognised"), Some(before - 1));
        let (_, unit_passed, reasons) = live_score(&app, &mut api, unit).await;
        assert!(!unit_passed, "8 of 10: the 90 % rule fails at once");
        assert!(
            reasons.contains("90"),
            "the reason names the rule: {reasons}"
        );
        // The family's share of learning citizens: its one accepted adult, the head (the wife
        // and the son have a login, so they were only invited), was a learning citizen: 30 of
        // 30 points; once the head's title is revoked, none.
        revoke(&app, &mut api, citizens[0]).await;
        let (fam_after, _, _) = live_score(&app, &mut api, fam).await;
        assert_eq!(fam_before - fam_after, 30, "{fam_before} → {fam_after}");
        assert_eq!(counter(&app, "00004", y, metric).await, before - 2);
        // The citizen's page says the title was revoked; the counters and the raw rows agree.
        let page = app
            .get(&mut chair, &format!("/units/00004/evaluations?year={y}"))
            .await;
        assert!(
            page.body
                .contains(&format!("<td>{}</td>", stats_of(app.db.clone()).await)),
            "{}",
            page.body
        );
        // The list of recognised titles leaves the revoked ones out too.
        let list = app
            .get(
                &mut chair,
                &format!("/units/00004/evaluations?status=recognised&year={y}"),
            )
            .await;
        let n = scalar(
            &app,
            &format!("SELECT COUNT(*) FROM evaluations e JOIN units u ON u.id = e.unit_id WHERE u.path LIKE '/VN/01/00004/%' AND e.year = {y} AND e.status = 'recognised' AND e.revoked_at IS NULL"),
        )
        .await;
        assert!(
            list.body
                .contains(&format!("<span id=\"total\">{n}</span>")),
            "{n}: {}",
            list.body
        );
        assert!(khuyenhoc::reports::counters::recount(&app.db, false)
            .await
            .expect("recount")
            .is_empty());
    }
);

both_backends!(
    targets_divide_by_the_population_they_count,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let y = this_year();
        let mut api = app.api_client(BADINH).await;
        let mut chair = app.login(BADINH).await;
        let p = register_person(&app, &mut api, "00004-1", "Vũ Thị Mai", "0917000001").await;
        citizen_evaluation(&app, &mut api, p, y, Stage::Recognised).await;
        let path = format!("/api/v1/units/00004/population/{y}");
        // A count that is not a number is refused beside its field.
        let r = call(
            &app,
            &mut api,
            "PUT",
            &path,
            json!({"population": 20_000, "households": "nhiều"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(r.to_string().contains("households"), "{r}");
        // People and households recorded; clans, communities and organisations not.
        let saved = ok(
            &app,
            &mut api,
            "PUT",
            &path,
            json!({"population": "20.000", "households": 4_000}),
        )
        .await;
        assert_eq!(saved["households"], 4_000);
        assert!(saved["clans"].is_null());
        let view = ok(
            &app,
            &mut api,
            "GET",
            "/api/v1/units/00004/population",
            json!({}),
        )
        .await;
        assert_eq!(view["populations"][0]["households"], 4_000);
        assert!(view["populations"][0]["organisations"].is_null());

        let report = ok(
            &app,
            &mut api,
            "GET",
            &format!("/api/v1/units/00004/reports/{y}-Y"),
            json!({}),
        )
        .await;
        let recognised = line_value(&report, "citizen_recognised").expect("a count");
        let registered = line_value(&report, "citizen_registered").expect("a count");
        assert!(registered > 0);
        assert_eq!(
            line_value(&report, "citizen_share"),
            Some((recognised * 10_000 + 10_000) / 20_000),
            "recognised per inhabitant, not per registration"
        );
        let families: i64 = line_value(&report, "family_recognised").expect("a count");
        assert_eq!(
            line_value(&report, "family_share"),
            Some((families * 10_000 + 2_000) / 4_000),
            "families per household"
        );
        for missing in ["clan_share", "community_share", "unit_share"] {
            assert_eq!(
                line_value(&report, missing),
                None,
                "{missing}: no population, no share"
            );
        }
        // The statistics page: the targets against the same populations, missing ones shown so.
        let stats = khuyenhoc::evaluation::stats::for_subtree(&app.db, "/VN/01/00004/", y.into())
            .await
            .expect("stats");
        let family = stats
            .targets
            .iter()
            .find(|t| t.model == "family")
            .expect("family target");
        assert_eq!(family.population, Some(4_000));
        assert_eq!(
            family.reached_percent,
            Some(u32::try_from(families * 100 / 4_000).unwrap_or(0))
        );
        let clan = stats
            .targets
            .iter()
            .find(|t| t.model == "clan")
            .expect("clan target");
        assert_eq!((clan.population, clan.reached_percent), (None, None));
        let page = app
            .get(&mut chair, &format!("/units/00004/evaluations?year={y}"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let targets = &page.body[page.body.find("id=\"targets\"").expect("targets")..];
        assert!(targets.contains("4000 hộ gia đình"), "{targets}");
        assert!(targets.contains("chưa có số dòng họ"), "{targets}");
        assert!(targets.contains("chưa tính được"), "{targets}");
        // Form groups and titles by their names, never their codes.
        let table = &page.body[page.body.find("id=\"stats\"").expect("stats")..];
        let table = &table[..table.find("</table>").expect("end")];
        assert!(table.contains("Nông dân, lao động nông thôn"), "{table}");
        for code in [">citizen<", ">farmer<"] {
            assert!(!table.contains(code), "{code} in {table}");
        }
        // The population page shows and keeps the target populations.
        let page = app.get(&mut chair, "/units/00004/population").await;
        assert!(
            page.body.contains("name=\"households\"") && page.body.contains("value=\"4000\""),
            "{}",
            page.body
        );
        // The national report has the per-form-group rows its metrics support.
        assert_eq!(
            line_value(&report, "citizen_registered_farmer"),
            Some(scalar(&app, &format!("SELECT COUNT(*) FROM evaluations e JOIN units u ON u.id = e.unit_id WHERE u.path LIKE '/VN/01/00004/%' AND e.year = {y} AND e.model = 'citizen' AND e.form_group = 'farmer'")).await)
        );
        assert_eq!(
            line_value(&report, "citizen_recognised_farmer"),
            Some(scalar(&app, &format!("SELECT COUNT(*) FROM evaluations e JOIN units u ON u.id = e.unit_id WHERE u.path LIKE '/VN/01/00004/%' AND e.year = {y} AND e.model = 'citizen' AND e.form_group = 'farmer' AND e.status = 'recognised' AND e.revoked_at IS NULL")).await)
        );
        assert_eq!(line_value(&report, "citizen_registered_student"), Some(0));
    }
);

both_backends!(
    a_past_period_shows_the_members_of_its_last_day,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let y = this_year();
        let mut api = app.api_client(BADINH).await;
        let members_now = |app: &TestApp, at: Option<String>| {
            let pool = app.db.pool.clone();
            async move {
                let when = at.map_or("m.status = 'active'".to_owned(), |d| {
                    format!("m.joined_on <= '{d}' AND (m.status = 'active' OR m.status_on > '{d}')")
                });
                let sql = format!("SELECT COUNT(*) FROM members m JOIN units u ON u.id = m.branch_id WHERE u.path LIKE '/VN/01/00004/%' AND {when}");
                let n: i64 = sqlx::query_scalar(&sql).fetch_one(&pool).await.expect(&sql);
                n
            }
        };
        let last_year_end = format!("{}-12-31", y - 1);
        let before_then = members_now(&app, Some(last_year_end.clone())).await;
        let mut ids = vec![];
        for (name, phone, joined, branch) in [
            (
                "Lý Văn Cũ",
                "0918000001",
                format!("{}-03-01", y - 1),
                "00004-1",
            ),
            (
                "Lý Thị Đi",
                "0918000002",
                format!("{}-05-01", y - 1),
                "00004-1",
            ),
            ("Lý Văn Mới", "0918000003", today(), "00004-2"),
        ] {
            let p = register_person(&app, &mut api, branch, name, phone).await;
            let m = ok(
                &app,
                &mut api,
                "POST",
                "/api/v1/units/00004/members",
                json!({"person_id": p, "branch_code": branch, "joined_on": joined, "sectors": ["party"]}),
            )
            .await;
            ids.push(m["id"].as_i64().expect("member id"));
        }
        // One of last year's members left this year; one moved to the school branch.
        ok(
            &app,
            &mut api,
            "POST",
            &format!("/api/v1/members/{}/status", ids[1]),
            json!({"status": "left", "on": today()}),
        )
        .await;
        ok(
            &app,
            &mut api,
            "POST",
            &format!("/api/v1/members/{}/transfer", ids[0]),
            json!({"to_branch_code": "00004-2", "on": today()}),
        )
        .await;
        let then = members_now(&app, Some(last_year_end.clone())).await;
        assert_eq!(
            then,
            before_then + 2,
            "both had joined by the end of last year"
        );
        // Last year's report, never handed in: the members of 31/12 last year, not today's.
        let r = ok(
            &app,
            &mut api,
            "GET",
            &format!("/api/v1/units/00004/reports/{}-Y", y - 1),
            json!({}),
        )
        .await;
        assert_eq!(line_value(&r, "members"), Some(then));
        let now = ok(
            &app,
            &mut api,
            "GET",
            &format!("/api/v1/units/00004/reports/{y}-Y"),
            json!({}),
        )
        .await;
        assert_eq!(
            line_value(&now, "members"),
            Some(members_now(&app, None).await)
        );
        // At the branch the member belonged to on that day (moved since).
        let branch = ok(
            &app,
            &mut api,
            "GET",
            &format!("/api/v1/units/00004-1/reports/{}-Y", y - 1),
            json!({}),
        )
        .await;
        let branch_then: i64 = scalar(&app, &format!("SELECT COUNT(*) FROM members m JOIN units u ON u.id = m.branch_id WHERE u.code = '00004-1' AND m.joined_on <= '{last_year_end}' AND (m.status = 'active' OR m.status_on > '{last_year_end}')")).await;
        assert_eq!(
            line_value(&branch, "members"),
            Some(branch_then + 1),
            "the member moved since counts at 00004-1"
        );
        assert_eq!(line_value(&branch, "members_party"), Some(scalar(&app, &format!("SELECT COUNT(*) FROM members m JOIN units u ON u.id = m.branch_id WHERE u.code = '00004-1' AND m.joined_on <= '{last_year_end}' AND (m.status = 'active' OR m.status_on > '{last_year_end}') AND (' ' || m.sectors || ' ') LIKE '% party %'")).await + 1));
        assert!(khuyenhoc::reports::counters::recount(&app.db, false)
            .await
            .expect("recount")
            .is_empty());
    }
);
