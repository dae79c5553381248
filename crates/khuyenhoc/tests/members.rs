//! Members (hội viên) through the JSON API and the pages, on both backends: a person is a member
//! once (also through an import); a transfer keeps its history and moves the live counters from
//! one branch's chain to the other's, across provinces too; status changes are dated and
//! counted; a fee is a `membership_fee` receipt of the branch's fund (or the commune's) with its
//! member_fees row; populations are kept per unit and year and give the share who are members;
//! an Excel import stores nothing at preview, everything at confirmation, and nothing at all when
//! one row is bad. Every test ends with the reconciliation of the live counters finding no
//! difference, and the commune's `members.active` equal to a count of the rows.
#![allow(clippy::too_many_lines)] // each test is one story, told step by step

mod common;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use khuyenhoc::db::Backend;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
use serde_json::{json, Value};

const BRANCH1: &str = "Chi hội Tổ dân phố số 1";

/// The field named by the first error of a problem.
fn field_of(j: &Value) -> &str {
    j["errors"][0]["field"].as_str().unwrap_or_default()
}

/// Registers a member through the API; returns the member.
async fn register(app: &TestApp, c: &mut Client, body: Value) -> Value {
    call(
        app,
        c,
        "POST",
        "/api/v1/units/00004/members",
        body,
        StatusCode::CREATED,
    )
    .await
}

async fn unit_id(app: &TestApp, code: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM units WHERE code = $1")
        .bind(code)
        .fetch_one(&app.db.pool)
        .await
        .expect("unit")
}

/// A live counter (0 when absent): the sum of its shards.
async fn counter(app: &TestApp, unit: &str, period: &str, metric: &str) -> i64 {
    let v: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(value) AS BIGINT) FROM counters WHERE unit_id = $1 AND period = $2 AND metric = $3",
    )
    .bind(unit_id(app, unit).await)
    .bind(period)
    .bind(metric)
    .fetch_optional(&app.db.pool)
    .await
    .expect("counter");
    v.unwrap_or(0)
}

/// Active members of the branches under a unit, counted from the rows.
async fn active_rows(app: &TestApp, unit: &str) -> i64 {
    let path: String = sqlx::query_scalar("SELECT path FROM units WHERE code = $1")
        .bind(unit)
        .fetch_one(&app.db.pool)
        .await
        .expect("path");
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM members m JOIN units b ON b.id = m.branch_id \
         WHERE m.status = 'active' AND substr(b.path, 1, length($1)) = $1",
    )
    .bind(path)
    .fetch_one(&app.db.pool)
    .await
    .expect("count")
}

/// The reconciliation finds no difference, and Ba Đình's `members.active` is the rows' count.
async fn counters_reconcile(app: &TestApp) {
    let diffs = khuyenhoc::reports::counters::recount(&app.db, false)
        .await
        .expect("recount");
    assert!(diffs.is_empty(), "counters differ from the rows: {diffs:?}");
    for unit in ["00004", "01", "VN"] {
        assert_eq!(
            counter(app, unit, "", "members.active").await,
            active_rows(app, unit).await,
            "members.active at {unit}"
        );
    }
}

both_backends!(a_person_is_a_member_once, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut api = app.api_client(BADINH).await;
    let m = register(
        &app,
        &mut api,
        json!({"full_name": "Nguyễn Văn Hội", "phone": "0914 000 001", "birth_year": 1970, "gender": "male",
               "branch_code": "00004-1", "joined_on": "15/03/2020", "card_no": "BD-1",
               "sectors": ["Đảng viên", "university"]}),
    )
    .await;
    assert_eq!(m["branch_code"], "00004-1");
    assert_eq!(m["joined_on"], "2020-03-15");
    assert_eq!(m["status"], "active");
    assert_eq!(m["sectors"], json!(["university", "party"]));
    assert_eq!(m["phone"], "0914000001");
    let person = m["person_id"].as_i64().expect("person id");

    // The same person again, by id, in the other branch: 409 naming where they are.
    let r = app
        .json(
            &mut api,
            "POST",
            "/api/v1/units/00004/members",
            json!({"person_id": person, "branch_code": "00004-2", "joined_on": "2021-01-01"}),
        )
        .await;
    let j = problem(&r, StatusCode::CONFLICT, "second registration by id");
    assert_eq!(field_of(&j), "person_id");
    assert!(
        j["title"].as_str().unwrap_or_default().contains(BRANCH1),
        "{j}"
    );
    assert!(
        j["title_en"]
            .as_str()
            .unwrap_or_default()
            .contains("already a member"),
        "{j}"
    );
    assert_eq!(j["member_id"], m["id"]);
    // A "new" person with the member's phone number: the same answer.
    let r = app
        .json(
            &mut api,
            "POST",
            "/api/v1/units/00004/members",
            json!({"full_name": "Nguyễn Văn Hội", "phone": "+84 914 000 001", "branch_code": "00004-2", "joined_on": "2021-01-01"}),
        )
        .await;
    let j = problem(&r, StatusCode::CONFLICT, "second registration by phone");
    assert_eq!(field_of(&j), "phone");
    assert!(j["title"].as_str().unwrap_or_default().contains(BRANCH1));
    // The page says it beside the form, with the branch.
    let mut web = app.login(BADINH).await;
    let r = app
        .post_form(
            &mut web,
            "/units/00004/members",
            &[
                ("existing", "0914000001"),
                ("branch", "00004-2"),
                ("joined_on", "2021-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(
        r.body
            .contains("đã là hội viên của Chi hội Tổ dân phố số 1"),
        "{}",
        r.body
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM members").await, 1);

    // Field errors, Vietnamese first.
    for (body, field) in [
        (
            json!({"full_name": "Trần Thị Một", "joined_on": "2020-01-01"}),
            "branch",
        ),
        (
            json!({"full_name": "Trần Thị Một", "branch_code": "00004", "joined_on": "2020-01-01"}),
            "branch",
        ),
        (
            json!({"full_name": "Trần Thị Một", "branch_code": "04795-1", "joined_on": "2020-01-01"}),
            "branch",
        ),
        (
            json!({"full_name": "Trần Thị Một", "branch_code": "00004-1", "joined_on": "01/01/2999"}),
            "joined_on",
        ),
        (
            json!({"full_name": "Trần Thị Một", "branch_code": "00004-1", "joined_on": "31/02/2020"}),
            "joined_on",
        ),
        (
            json!({"full_name": "Trần Thị Một", "branch_code": "00004-1", "joined_on": "2020-01-01", "sectors": ["nông dân"]}),
            "sectors",
        ),
        (
            json!({"full_name": "", "branch_code": "00004-1", "joined_on": "2020-01-01"}),
            "full_name",
        ),
        (
            json!({"person_id": 999_999, "branch_code": "00004-1", "joined_on": "2020-01-01"}),
            "person_id",
        ),
    ] {
        let r = app
            .json(
                &mut api,
                "POST",
                "/api/v1/units/00004/members",
                body.clone(),
            )
            .await;
        let j = problem(&r, StatusCode::UNPROCESSABLE_ENTITY, &body.to_string());
        assert!(
            j["errors"]
                .as_array()
                .is_some_and(|e| e.iter().any(|x| x["field"] == field)),
            "{body}: {j}"
        );
    }
    // A card number is unique within the commune (409), free in another one.
    let r = app
        .json(
            &mut api,
            "POST",
            "/api/v1/units/00004/members",
            json!({"full_name": "Trần Thị Hai", "branch_code": "00004-2", "joined_on": "2020-01-01", "card_no": "BD-1"}),
        )
        .await;
    assert_eq!(
        field_of(&problem(&r, StatusCode::CONFLICT, "card")),
        "card_no"
    );

    // Outside the scope: 404 for the unit; a person of Ba Đình is "no such person" in Phú Thọ.
    let mut out = app.api_client(HOABINH).await;
    let r = app
        .json(
            &mut out,
            "POST",
            "/api/v1/units/00004/members",
            json!({"full_name": "X Y", "branch_code": "00004-1", "joined_on": "2020-01-01"}),
        )
        .await;
    problem(&r, StatusCode::NOT_FOUND, "out of scope");
    let citizen = app.person_id(CITIZEN).await;
    let r = app
        .json(
            &mut out,
            "POST",
            "/api/v1/units/04795/members",
            json!({"person_id": citizen, "branch_code": "04795-1", "joined_on": "2020-01-01"}),
        )
        .await;
    assert_eq!(
        field_of(&problem(
            &r,
            StatusCode::UNPROCESSABLE_ENTITY,
            "foreign person"
        )),
        "person_id"
    );
    // Once a member of Ba Đình, the outsider learns nothing of it: the answer for a member's
    // number is the answer for anyone's taken number (the branch officer of Ba Đình, no member).
    let r = app
        .post_form(
            &mut web,
            "/units/00004/members",
            &[
                ("existing", CITIZEN),
                ("branch", "00004-1"),
                ("joined_on", "2022-09-05"),
                ("sector_enterprise", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location().is_some_and(|l| l.starts_with("/members/")));
    let phu_tho_person = call(
        &app,
        &mut out,
        "POST",
        "/api/v1/units/04795/members",
        json!({"full_name": "Đỗ Thị Lan", "phone": CITIZEN, "branch_code": "04795-1", "joined_on": "2020-01-01"}),
        StatusCode::CONFLICT,
    )
    .await;
    let not_a_member = call(
        &app,
        &mut out,
        "POST",
        "/api/v1/units/04795/members",
        json!({"full_name": "Phạm Thị Hoa", "phone": BRANCH_OFFICER, "branch_code": "04795-1", "joined_on": "2020-01-01"}),
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(phu_tho_person, not_a_member);
    let title = phu_tho_person["title"].as_str().unwrap_or_default();
    assert!(
        !title.contains("hội viên") && !title.contains("phạm vi") && !title.contains("Ba Đình"),
        "{phu_tho_person}"
    );
    assert!(
        title.contains("đề nghị đơn vị đó chuyển"),
        "the next step: {title}"
    );
    assert!(
        phu_tho_person.get("member_id").is_none(),
        "no hint of where"
    );

    // The list: accent-blind search, filters, counts.
    for q in ["nguyen van hoi", "NGUYỄN VĂN HỘI", "Nguyen Văn hoi"] {
        let l = app
            .get(
                &mut api,
                &format!(
                    "/api/v1/units/00004/members?q={}",
                    url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
                ),
            )
            .await
            .json();
        assert_eq!(l["total"], 1, "{q}: {l}");
        assert_eq!(l["items"][0]["full_name"], "Nguyễn Văn Hội");
    }
    let l = app
        .get(&mut api, "/api/v1/units/00004/members?sector=party")
        .await
        .json();
    assert_eq!(l["total"], 1);
    let l = app
        .get(&mut api, "/api/v1/units/00004/members?sector=enterprise")
        .await
        .json();
    assert_eq!(l["items"][0]["full_name"], "Đỗ Thị Lan");
    let l = app
        .get(&mut api, "/api/v1/units/00004/members/counts")
        .await
        .json();
    assert_eq!(l["active"], 2);
    assert_eq!(l["by_sector"]["enterprise"], 1);
    assert_eq!(l["by_status"]["active"], 2);
    let r = app
        .get(&mut api, "/api/v1/units/00004/members?status=sleeping")
        .await;
    problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "bad status filter");
    let page = app.get(&mut web, "/units/00004/members?q=do%20thi").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Đỗ Thị Lan") && !page.body.contains("Nguyễn Văn Hội"));
    let page = app.get(&mut web, "/units/00004").await;
    assert!(
        page.body.contains("/units/00004/members"),
        "the unit page links the members"
    );
    // Every registration is audited.
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'member' AND action = 'register'"
        )
        .await,
        2
    );
    counters_reconcile(&app).await;
});

both_backends!(
    a_transfer_keeps_the_history_and_moves_the_counters,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut api = app.api_client(BADINH).await;
        let m = register(
            &app,
            &mut api,
            json!({"full_name": "Lê Thị Chuyển", "branch_code": "00004-1", "joined_on": "2021-02-03", "sectors": ["enterprise"], "card_no": "T-7"}),
        )
        .await;
        let id = m["id"].as_i64().expect("id");
        assert_eq!(counter(&app, "00004-1", "", "members.active").await, 1);
        assert_eq!(
            counter(&app, "00004-1", "2021-H1", "members.joined").await,
            1
        );
        for (to, why) in [
            ("00004-1", "the same branch"),
            ("00004", "a commune"),
            ("99999-1", "no such branch"),
        ] {
            let r = app
                .json(
                    &mut api,
                    "POST",
                    &format!("/api/v1/members/{id}/transfer"),
                    json!({"to_branch_code": to}),
                )
                .await;
            assert_eq!(
                field_of(&problem(&r, StatusCode::UNPROCESSABLE_ENTITY, why)),
                "to_branch"
            );
        }
        let t = call(
            &app,
            &mut api,
            "POST",
            &format!("/api/v1/members/{id}/transfer"),
            json!({"to_branch_code": "00004-2", "on": "01/05/2024", "reason": "Chuyển về trường"}),
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(t["branch_code"], "00004-2");
        assert_eq!(t["card_no"], "T-7", "the card stays within the commune");
        assert_eq!(t["transfers"][0]["from_code"], "00004-1");
        assert_eq!(t["transfers"][0]["to_code"], "00004-2");
        assert_eq!(t["transfers"][0]["on_date"], "2024-05-01");
        assert_eq!(t["transfers"][0]["by"], "Lê Văn Đình");
        // Both branches' lists.
        let one = app
            .get(&mut api, "/api/v1/units/00004-1/members")
            .await
            .json();
        assert_eq!(one["total"], 0, "{one}");
        let two = app
            .get(&mut api, "/api/v1/units/00004-2/members")
            .await
            .json();
        assert_eq!(two["items"][0]["id"], id);
        // The counters moved; the ward's total did not.
        assert_eq!(counter(&app, "00004-1", "", "members.active").await, 0);
        assert_eq!(counter(&app, "00004-2", "", "members.active").await, 1);
        assert_eq!(
            counter(&app, "00004-2", "", "members.sector.enterprise").await,
            1
        );
        assert_eq!(
            counter(&app, "00004-2", "2021-H1", "members.joined").await,
            1
        );
        assert_eq!(counter(&app, "00004", "", "members.active").await, 1);
        // The branch officer of 00004-1 no longer manages the member.
        let mut officer = app.api_client(BRANCH_OFFICER).await;
        let r = app
            .json(
                &mut officer,
                "POST",
                &format!("/api/v1/members/{id}/transfer"),
                json!({"to_branch_code": "00004-1"}),
            )
            .await;
        problem(
            &r,
            StatusCode::NOT_FOUND,
            "the source branch's officer after the move",
        );

        // Across provinces: to Phú Thọ. Ba Đình loses sight of the member; Hòa Bình sees both moves.
        let t = call(
            &app,
            &mut api,
            "POST",
            &format!("/api/v1/members/{id}/transfer"),
            json!({"to_branch_code": "04795-1", "reason": "Chuyển nhà về Phú Thọ"}),
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(t["transfers"].as_array().map(Vec::len), Some(2));
        let r = app.get(&mut api, &format!("/api/v1/members/{id}")).await;
        problem(&r, StatusCode::NOT_FOUND, "moved out of scope");
        let mut hoabinh = app.api_client(HOABINH).await;
        let seen = app
            .get(&mut hoabinh, &format!("/api/v1/members/{id}"))
            .await
            .json();
        assert_eq!(seen["branch_code"], "04795-1");
        assert_eq!(seen["transfers"][0]["from_name"], BRANCH1);
        assert_eq!(seen["transfers"][1]["to_code"], "04795-1");
        assert_eq!(counter(&app, "01", "", "members.active").await, 0);
        assert_eq!(counter(&app, "04795", "", "members.active").await, 1);
        assert_eq!(counter(&app, "VN", "", "members.active").await, 1);
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM member_transfers").await,
            2
        );
        // Both ends' audit logs show each move.
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM audit_log WHERE entity = 'member' AND action IN ('transfer', 'transfer_in')").await,
            4
        );
        // The page form: the Phú Thọ chair moves the member back; the history shows all three.
        let mut web = app.login(HOABINH).await;
        let r = app
            .post_form(
                &mut web,
                &format!("/members/{id}/transfer"),
                &[("to_branch", "00004-1"), ("reason", "Về lại Hà Nội")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            r.location(),
            Some("/units/04795-1/members"),
            "out of their scope now"
        );
        let mut ba_dinh = app.login(BADINH).await;
        let page = app.get(&mut ba_dinh, &format!("/members/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Về lại Hà Nội") && page.body.contains("Chuyển về trường"));
        counters_reconcile(&app).await;
    }
);

both_backends!(
    status_changes_are_dated_and_counted,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut api = app.api_client(BADINH).await;
        let m = register(
        &app,
        &mut api,
        json!({"full_name": "Hoàng Văn Nghỉ", "branch_code": "00004-1", "joined_on": "2020-03-15", "sectors": ["armed_forces"]}),
    )
    .await;
        let id = m["id"].as_i64().expect("id");
        let path = format!("/api/v1/members/{id}/status");
        for (body, field) in [
            (json!({"status": "sleeping"}), "status"),
            (json!({"status": "active"}), "status"),
            (json!({"status": "left", "on": "2019-01-01"}), "on"),
            (json!({"status": "left", "on": "2999-01-01"}), "on"),
        ] {
            let r = app.json(&mut api, "POST", &path, body.clone()).await;
            assert_eq!(
                field_of(&problem(
                    &r,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &body.to_string()
                )),
                field
            );
        }
        let s = call(
            &app,
            &mut api,
            "POST",
            &path,
            json!({"status": "left", "on": "30/06/2024"}),
            StatusCode::OK,
        )
        .await;
        assert_eq!(s["status"], "left");
        assert_eq!(s["status_on"], "2024-06-30");
        assert_eq!(counter(&app, "00004", "", "members.active").await, 0);
        assert_eq!(
            counter(&app, "00004", "", "members.sector.armed_forces").await,
            0
        );
        assert_eq!(
            counter(&app, "00004", "2020-H1", "members.joined").await,
            1,
            "a flow stays"
        );
        let left = app
            .get(&mut api, "/api/v1/units/00004/members?status=left")
            .await
            .json();
        assert_eq!(left["total"], 1);
        let active = app
            .get(&mut api, "/api/v1/units/00004/members?status=active")
            .await
            .json();
        assert_eq!(active["total"], 0);
        // Back again, then deceased: final.
        call(
            &app,
            &mut api,
            "POST",
            &path,
            json!({"status": "active", "on": "2025-01-02"}),
            StatusCode::OK,
        )
        .await;
        assert_eq!(counter(&app, "00004", "", "members.active").await, 1);
        let mut web = app.login(BADINH).await;
        let r = app
            .post_form(
                &mut web,
                &format!("/members/{id}/status"),
                &[("status", "deceased"), ("on", "2025-02-01")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = app
            .json(&mut api, "POST", &path, json!({"status": "left"}))
            .await;
        problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "after death");
        let page = app.get(&mut web, &format!("/members/{id}")).await;
        assert!(page.body.contains("Đã mất") && page.body.contains("01/02/2025"));
        // A refused page form keeps the page, with the reason.
        let r = app
            .post_form(
                &mut web,
                &format!("/members/{id}/status"),
                &[("status", "left")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("không đổi trạng thái được nữa"),
            "{}",
            r.body
        );
        // Editing sectors moves the sector counters (of an active member only).
        let other = register(
        &app,
        &mut api,
        json!({"full_name": "Phan Thị Sửa", "branch_code": "00004-2", "joined_on": "2023-08-08"}),
    )
    .await;
        let oid = other["id"].as_i64().expect("id");
        let e = call(
            &app,
            &mut api,
            "PATCH",
            &format!("/api/v1/members/{oid}"),
            json!({"sectors": ["party", "university"], "card_no": "S-1"}),
            StatusCode::OK,
        )
        .await;
        assert_eq!(e["sectors"], json!(["university", "party"]));
        assert_eq!(counter(&app, "00004", "", "members.sector.party").await, 1);
        let r = app
            .post_form(
                &mut web,
                &format!("/members/{oid}/edit"),
                &[("card_no", ""), ("sector_enterprise", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(counter(&app, "00004", "", "members.sector.party").await, 0);
        assert_eq!(
            counter(&app, "00004", "", "members.sector.enterprise").await,
            1
        );
        let e = app
            .get(&mut api, &format!("/api/v1/members/{oid}"))
            .await
            .json();
        assert!(e["card_no"].is_null(), "{e}");
        assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM audit_log WHERE entity = 'member' AND action IN ('set_status', 'edit')").await,
        5
    );
        counters_reconcile(&app).await;
    }
);

both_backends!(
    a_fee_is_a_ledger_receipt_of_the_branch_fund,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut chair = app.api_client(BADINH).await;
        let mut treasurer = app.api_client(TREASURER).await;
        let fund = call(
            &app,
            &mut treasurer,
            "POST",
            "/api/v1/units/00004/funds",
            json!({"code": "QKH", "name": "Quỹ Khuyến học phường Ba Đình"}),
            StatusCode::CREATED,
        )
        .await["id"]
            .as_i64()
            .expect("fund");
        let mut hoabinh = app.api_client(HOABINH).await;
        let foreign = call(
            &app,
            &mut hoabinh,
            "POST",
            "/api/v1/units/04795/funds",
            json!({"code": "QKH", "name": "Quỹ Khuyến học phường Hòa Bình"}),
            StatusCode::CREATED,
        )
        .await["id"]
            .as_i64()
            .expect("fund");
        let m = register(
        &app,
        &mut chair,
        json!({"full_name": "Vũ Thị Đóng", "branch_code": "00004-1", "joined_on": "2020-01-01"}),
    )
    .await;
        let id = m["id"].as_i64().expect("id");
        let path = format!("/api/v1/members/{id}/fees");
        let year = this_year();
        // The branch has no fund: the fee goes to the ward's, as a membership_fee receipt.
        let f = call(
            &app,
            &mut treasurer,
            "POST",
            &path,
            json!({"amount": "50.000 đ"}),
            StatusCode::CREATED,
        )
        .await;
        assert_eq!(f["fee"]["amount"], 50_000);
        assert_eq!(f["fee"]["year"], year);
        assert_eq!(f["fee"]["fund_id"], fund);
        assert_eq!(f["entry"]["kind"], "membership_fee");
        assert_eq!(f["entry"]["change"], 50_000);
        assert!(
            f["entry"]["voucher_no"]
                .as_str()
                .is_some_and(|v| v.starts_with("PT-")),
            "{f}"
        );
        let entry = f["entry"]["id"].as_i64().expect("entry");
        let (kind, linked): (String, i64) = sqlx::query_as(
        "SELECT e.kind, (SELECT COUNT(*) FROM member_fees mf WHERE mf.entry_id = e.id AND mf.member_id = $2) FROM ledger_entries e WHERE e.id = $1",
    )
    .bind(entry)
    .bind(id)
    .fetch_one(&app.db.pool)
    .await
    .expect("entry");
        assert_eq!((kind.as_str(), linked), ("membership_fee", 1));
        let income: i64 = sqlx::query_scalar(
            "SELECT amount FROM ledger_lines WHERE entry_id = $1 AND account = 'membership_fee'",
        )
        .bind(entry)
        .fetch_one(&app.db.pool)
        .await
        .expect("income line");
        assert_eq!(income, -50_000, "income is a credit");
        // A retry with the same key posts once.
        let first = post_keyed(
            &app,
            &mut treasurer,
            &path,
            "fee-1",
            &json!({"amount": 40_000, "year": year - 1}),
        )
        .await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
        let again = post_keyed(
            &app,
            &mut treasurer,
            &path,
            "fee-1",
            &json!({"amount": 40_000, "year": year - 1}),
        )
        .await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.body);
        assert_eq!(first.json()["fee"]["id"], again.json()["fee"]["id"]);
        // Refusals: a fund of another commune; bad amounts and years; no fund.post (the branch
        // officer manages members, not money); outside the scope.
        for (body, field) in [
            (json!({"amount": 10_000, "fund_id": foreign}), "fund_id"),
            (json!({"amount": 0}), "amount"),
            (json!({"amount": "năm chục"}), "amount"),
            (json!({"amount": 10_000, "year": 1990}), "year"),
            (json!({"amount": 10_000, "asset": "in_kind"}), "asset"),
        ] {
            let r = app.json(&mut treasurer, "POST", &path, body.clone()).await;
            assert_eq!(
                field_of(&problem(
                    &r,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &body.to_string()
                )),
                field
            );
        }
        let mut officer = app.api_client(BRANCH_OFFICER).await;
        let r = app
            .json(&mut officer, "POST", &path, json!({"amount": 10_000}))
            .await;
        problem(&r, StatusCode::NOT_FOUND, "member.manage without fund.post");
        let r = app
            .json(&mut hoabinh, "POST", &path, json!({"amount": 10_000}))
            .await;
        problem(&r, StatusCode::NOT_FOUND, "out of scope");
        // Once the branch has a fund of its own, the fee goes there and no longer to the ward's.
        let branch_fund = call(
            &app,
            &mut chair,
            "POST",
            "/api/v1/units/00004-1/funds",
            json!({"code": "CH1", "name": "Quỹ chi hội Tổ dân phố số 1"}),
            StatusCode::CREATED,
        )
        .await["id"]
            .as_i64()
            .expect("fund");
        let r = app
            .json(
                &mut chair,
                "POST",
                &path,
                json!({"amount": 10_000, "fund_id": fund}),
            )
            .await;
        assert_eq!(
            field_of(&problem(
                &r,
                StatusCode::UNPROCESSABLE_ENTITY,
                "the ward's fund"
            )),
            "fund_id"
        );
        let mut web = app.login(BADINH).await;
        let r = app
            .post_form(
                &mut web,
                &format!("/members/{id}/fees"),
                &[
                    ("amount", "30.000"),
                    ("year", &year.to_string()),
                    ("once", "abc"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = app
            .post_form(
                &mut web,
                &format!("/members/{id}/fees"),
                &[
                    ("amount", "30.000"),
                    ("year", &year.to_string()),
                    ("once", "abc"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "pressing twice posts once");
        let d = app
            .get(&mut chair, &format!("/api/v1/members/{id}"))
            .await
            .json();
        let fees = d["fees"].as_array().cloned().unwrap_or_default();
        assert_eq!(fees.len(), 3, "{d}");
        assert!(fees
            .iter()
            .any(|f| f["fund_id"] == branch_fund && f["amount"] == 30_000));
        // A fee corrected in the books shows as reversed.
        call(
            &app,
            &mut treasurer,
            "POST",
            &format!("/api/v1/entries/{entry}/reversal"),
            json!({"reason": "Ghi nhầm người nộp"}),
            StatusCode::CREATED,
        )
        .await;
        let page = app.get(&mut web, &format!("/members/{id}")).await;
        assert!(page.body.contains("đã đảo"), "{}", page.body);
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM audit_log WHERE entity = 'member' AND action = 'fee'"
            )
            .await,
            3
        );
        counters_reconcile(&app).await;
    }
);

both_backends!(populations_are_kept_per_year, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut api = app.api_client(BADINH).await;
    let year = this_year();
    let p = call(
        &app,
        &mut api,
        "PUT",
        &format!("/api/v1/units/00004/population/{}", year - 1),
        json!({"population": "64.500"}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(p["population"], 64_500);
    call(
        &app,
        &mut api,
        "PUT",
        &format!("/api/v1/units/00004/population/{year}"),
        json!({"population": 65_000}),
        StatusCode::OK,
    )
    .await;
    call(
        &app,
        &mut api,
        "PUT",
        &format!("/api/v1/units/00004/population/{year}"),
        json!({"population": 65_100}),
        StatusCode::OK,
    )
    .await;
    for (path, body, field) in [
        (
            format!("/api/v1/units/00004/population/{year}"),
            json!({"population": -5}),
            "population",
        ),
        (
            format!("/api/v1/units/00004/population/{year}"),
            json!({"population": "nhiều"}),
            "population",
        ),
        (
            "/api/v1/units/00004/population/1800".to_owned(),
            json!({"population": 5}),
            "year",
        ),
        (
            "/api/v1/units/00004/population/abc".to_owned(),
            json!({"population": 5}),
            "year",
        ),
    ] {
        let r = app.json(&mut api, "PUT", &path, body.clone()).await;
        assert_eq!(
            field_of(&problem(&r, StatusCode::UNPROCESSABLE_ENTITY, &path)),
            field
        );
    }
    let mut out = app.api_client(HOABINH).await;
    let r = app
        .json(
            &mut out,
            "PUT",
            &format!("/api/v1/units/00004/population/{year}"),
            json!({"population": 1}),
        )
        .await;
    problem(&r, StatusCode::NOT_FOUND, "out of scope");
    // Two members of branch 00004-1 among its 40 inhabitants: 5,0%.
    for name in ["Cao Văn Một", "Cao Thị Hai"] {
        register(
            &app,
            &mut api,
            json!({"full_name": name, "branch_code": "00004-1", "joined_on": "2024-01-01"}),
        )
        .await;
    }
    let mut web = app.login(BADINH).await;
    let r = app
        .post_form(
            &mut web,
            "/units/00004-1/population",
            &[("year", &year.to_string()), ("population", "40")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let v = app
        .get(&mut api, "/api/v1/units/00004-1/population")
        .await
        .json();
    assert_eq!(v["active_members"], 2);
    assert_eq!(v["share"]["percent"], "5,0");
    let v = app
        .get(&mut api, "/api/v1/units/00004/population")
        .await
        .json();
    assert_eq!(v["populations"][0]["year"], year);
    assert_eq!(v["populations"][0]["population"], 65_100);
    assert_eq!(v["populations"][1]["population"], 64_500);
    let stored = scalar(&app, "SELECT COUNT(*) FROM unit_populations").await;
    assert_eq!(stored, 3, "one row per unit and year");
    let page = app.get(&mut web, "/units/00004/population").await;
    assert!(
        page.body.contains("65.100") && page.body.contains("64.500"),
        "{}",
        page.body
    );
    let r = app
        .post_form(
            &mut web,
            "/units/00004/population",
            &[("year", &year.to_string()), ("population", "-1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Dân số là một số nguyên không âm"));
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'unit_population'"
        )
        .await,
        4
    );
    counters_reconcile(&app).await;
});

/// A cell of a test workbook.
enum Cell {
    T(&'static str),
    N(f64),
    Day(u16, u8, u8),
    Blank,
}

use Cell::{Blank, Day, N, T};

/// A member list workbook with the template's header, written to a real temporary file and
/// read back.
fn workbook(rows: &[[Cell; 8]]) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("hoi-vien.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Hội viên").expect("sheet name");
    let header = [
        "Họ và tên",
        "Năm sinh",
        "Giới tính",
        "Số điện thoại",
        "Mã chi hội",
        "Số thẻ",
        "Ngày vào hội",
        "Lĩnh vực",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, u16::try_from(c).expect("col"), *h)
            .expect("header");
    }
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).expect("row");
        for (c, cell) in row.iter().enumerate() {
            let c = u16::try_from(c).expect("col");
            match cell {
                T(s) => {
                    ws.write_string(r, c, *s).expect("text");
                }
                N(n) => {
                    ws.write_number(r, c, *n).expect("number");
                }
                Day(y, m, d) => {
                    let dt = ExcelDateTime::from_ymd(*y, *m, *d).expect("date");
                    ws.write_datetime_with_format(r, c, &dt, &date)
                        .expect("date");
                }
                Blank => {}
            }
        }
    }
    wb.save(&path).expect("save");
    std::fs::read(&path).expect("read back")
}

/// Uploads a workbook for preview, like a browser does.
async fn upload(app: &TestApp, c: &mut Client, unit: &str, file: &[u8]) -> Resp {
    let action = format!("/units/{unit}/members/import");
    upload_workbook(app, c, &action, &[], Some(("hoi-vien.xlsx", file))).await
}

/// Confirms a preview: posts its confirm form.
async fn confirm(app: &TestApp, c: &mut Client, unit: &str, preview: &Resp) -> Resp {
    let action = format!("/units/{unit}/members/import/commit");
    let name = [("file_name", "hoi-vien.xlsx".to_owned())];
    confirm_form(app, c, &action, preview, &["key", "sha256", "plan"], &name).await
}

both_backends!(
    an_import_is_previewed_then_stored_whole_or_not_at_all,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut web = app.login(BADINH).await;
        // The template has the expected columns and lists the ward's branches.
        let req = Request::get("/units/00004/members/template.xlsx")
            .header(
                header::COOKIE,
                web.cookies
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
            .body(Body::empty())
            .expect("request");
        let resp = tower::ServiceExt::oneshot(app.router.clone(), req)
            .await
            .expect("infallible");
        assert_eq!(resp.status(), StatusCode::OK);
        let bytes = http_body_util::BodyExt::collect(resp.into_body())
            .await
            .expect("body")
            .to_bytes();
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
        let sheet = calamine::Reader::worksheet_range(&mut book, "Hội viên").expect("sheet");
        let header: Vec<String> = sheet
            .rows()
            .next()
            .expect("header")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            header,
            [
                "Họ và tên",
                "Năm sinh",
                "Giới tính",
                "Số điện thoại",
                "Mã chi hội",
                "Số thẻ",
                "Ngày vào hội",
                "Lĩnh vực"
            ]
        );
        let help = calamine::Reader::worksheet_range(&mut book, "Hướng dẫn").expect("help");
        assert!(help
            .rows()
            .any(|r| r.first().is_some_and(|c| *c == "00004-2")));

        let people_before = scalar(&app, "SELECT COUNT(*) FROM people").await;
        let good = workbook(&[
            [
                T("Phạm Minh Tuấn"),
                N(1980.0),
                T("Nam"),
                N(915_000_001.0),
                T("00004-1"),
                T("BD-100"),
                Day(2020, 3, 15),
                T("Đảng viên, Doanh nghiệp"),
            ],
            [
                T("Đỗ Thị Lan"),
                N(1990.0),
                T("Nữ"),
                T(CITIZEN),
                T("00004-2"),
                Blank,
                T("01/06/2021"),
                Blank,
            ],
            [
                T("Lý Thị Hoa"),
                Blank,
                Blank,
                Blank,
                T("00004-1"),
                Blank,
                T("2022-01-10"),
                T("dai hoc"),
            ],
        ]);
        let preview = upload(&app, &mut web, "00004", &good).await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
        assert!(preview.body.contains("3 dòng hợp lệ"), "{}", preview.body);
        assert!(preview.body.contains("Người đã có") && preview.body.contains("Người mới"));
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM members").await,
            0,
            "a preview stores nothing"
        );
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM people").await,
            people_before
        );
        let done = confirm(&app, &mut web, "00004", &preview).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert!(
            done.body.contains("Đã lưu 3 hội viên (2 người mới)"),
            "{}",
            done.body
        );
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM members").await, 3);
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM people").await,
            people_before + 2
        );
        let lan: (String, String) = sqlx::query_as(
            "SELECT b.code, m.joined_on FROM members m JOIN units b ON b.id = m.branch_id JOIN people pe ON pe.id = m.person_id WHERE pe.phone = $1",
        )
        .bind(CITIZEN)
        .fetch_one(&app.db.pool)
        .await
        .expect("the citizen is a member");
        assert_eq!(lan, ("00004-2".to_owned(), "2021-06-01".to_owned()));
        let tuan: (String, String, Option<String>) = sqlx::query_as(
            "SELECT m.joined_on, m.sectors, m.card_no FROM members m JOIN people pe ON pe.id = m.person_id WHERE pe.phone = '0915000001'",
        )
        .fetch_one(&app.db.pool)
        .await
        .expect("a new member, his phone's lost zero put back");
        assert_eq!(
            tuan,
            (
                "2020-03-15".to_owned(),
                "enterprise party".to_owned(),
                Some("BD-100".to_owned())
            )
        );
        // The same workbook is not imported twice.
        let again = confirm(&app, &mut web, "00004", &preview).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
        let again = upload(&app, &mut web, "00004", &good).await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM members").await, 3);

        // One bad row among good ones: every row's errors shown, nothing stored, nothing to confirm.
        let members_before = scalar(&app, "SELECT COUNT(*) FROM members").await;
        let people_before = scalar(&app, "SELECT COUNT(*) FROM people").await;
        let bad = workbook(&[
            [
                T("Bùi Văn Năm"),
                Blank,
                Blank,
                T("0915000002"),
                T("00004-1"),
                Blank,
                T("01/01/2023"),
                Blank,
            ],
            [
                T("Đỗ Thị Lan"),
                Blank,
                T("Nữ"),
                T(CITIZEN),
                T("00004-1"),
                Blank,
                T("01/01/2023"),
                Blank,
            ],
            [
                T("Mai Văn Sáu"),
                Blank,
                T("Không rõ"),
                T("0915000006"),
                T("00004-9"),
                T("BD-100"),
                T("31/02/2023"),
                T("Nông dân"),
            ],
            [
                T("Mai Văn Bảy"),
                Blank,
                Blank,
                T("0915000006"),
                T("00004-1"),
                Blank,
                T("02/02/2023"),
                Blank,
            ],
        ]);
        let r = upload(&app, &mut web, "00004", &bad).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("1 dòng hợp lệ"), "{}", r.body);
        assert!(hidden_field(&r.body, "key").is_none(), "no confirm form");
        for expected in [
            "Dòng 3: Người này đã là hội viên của Chi hội Trường Tiểu học Ba Đình",
            "Dòng 4, cột C (Giới tính)",
            "Dòng 4, cột E (Mã chi hội)",
            "Dòng 4, cột G (Ngày vào hội)",
            "Dòng 4, cột H (Lĩnh vực)",
            "Dòng 5, cột D (Số điện thoại): trùng số điện thoại với dòng 4",
        ] {
            assert!(r.body.contains(expected), "{expected}: {}", r.body);
        }
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM members").await,
            members_before
        );
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM people").await,
            people_before
        );

        // A workbook valid at preview whose row turns bad before the confirmation: nothing stored.
        let later = workbook(&[
            [
                T("Tô Văn Tám"),
                Blank,
                Blank,
                T("0915000008"),
                T("00004-1"),
                Blank,
                T("01/03/2024"),
                Blank,
            ],
            [
                T("Tô Thị Chín"),
                Blank,
                Blank,
                T("0915000009"),
                T("00004-2"),
                Blank,
                T("01/03/2024"),
                Blank,
            ],
        ]);
        let preview = upload(&app, &mut web, "00004", &later).await;
        assert!(preview.body.contains("2 dòng hợp lệ"), "{}", preview.body);
        let mut api = app.api_client(BADINH).await;
        register(&app, &mut api, json!({"full_name": "Tô Thị Chín", "phone": "0915000009", "branch_code": "00004-2", "joined_on": "2024-03-01"})).await;
        let members_before = scalar(&app, "SELECT COUNT(*) FROM members").await;
        let r = confirm(&app, &mut web, "00004", &preview).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("chưa lưu gì"), "{}", r.body);
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM members").await,
            members_before
        );
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM people WHERE phone = '0915000008'"
            )
            .await,
            0,
            "the good row was not stored either"
        );

        // Refusals of the file itself, and scope.
        let r = upload(&app, &mut web, "00004", b"not a workbook").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("không phải là bảng tính Excel"));
        let mut out = app.login(HOABINH).await;
        let r = upload(&app, &mut out, "00004", &later).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM audit_log WHERE entity = 'member_import' AND action = 'import'").await,
            1
        );
        counters_reconcile(&app).await;
    }
);

both_backends!(
    a_workbook_over_the_limits_is_refused_with_the_limit,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut web = app.login(BADINH).await;
        // One data row more than the cap: refused as the sheet is read, before any row is checked.
        let cap = khuyenhoc::members::import::MAX_ROWS;
        assert_eq!(cap, 100_000);
        let rows: Vec<[Cell; 8]> = (0..=cap)
            .map(|_| {
                [
                    T("Nguyễn Văn An"),
                    Blank,
                    Blank,
                    Blank,
                    T("00004-1"),
                    Blank,
                    T("01/01/2024"),
                    Blank,
                ]
            })
            .collect();
        let r = upload(&app, &mut web, "00004", &workbook(&rows)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(
            r.body
                .contains("Tệp có hơn 100000 dòng dữ liệu: hãy chia thành nhiều tệp nhỏ hơn"),
            "{}",
            r.body
        );
        // A file larger than the upload limit: refused with the limit in MB.
        let max = khuyenhoc::members::import::MAX_UPLOAD_BYTES;
        assert_eq!(max, 20 * 1024 * 1024);
        let r = upload(&app, &mut web, "00004", &vec![0u8; max + 128 * 1024]).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
        assert!(r.body.contains("Tệp quá lớn (tối đa 20 MB)"), "{}", r.body);
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM members").await, 0);
    }
);

both_backends!(
    the_openapi_document_describes_the_member_routes,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut anon = Client::default();
        let doc = app.get(&mut anon, "/api/v1/openapi.json").await.json();
        let paths = &doc["paths"];
        for (path, method, ok) in [
            ("/api/v1/units/{code}/members", "get", "200"),
            ("/api/v1/units/{code}/members", "post", "201"),
            ("/api/v1/members/{id}", "get", "200"),
            ("/api/v1/members/{id}", "patch", "200"),
            ("/api/v1/members/{id}/status", "post", "200"),
            ("/api/v1/members/{id}/transfer", "post", "201"),
            ("/api/v1/members/{id}/fees", "post", "201"),
            ("/api/v1/units/{code}/population", "get", "200"),
            ("/api/v1/units/{code}/population/{year}", "put", "200"),
        ] {
            let op = &paths[path][method];
            assert!(op.is_object(), "{method} {path} missing");
            assert!(
                op["responses"][ok].is_object(),
                "{method} {path}: {}",
                op["responses"]
            );
            if method != "get" {
                assert!(
                    op["requestBody"].is_object(),
                    "{method} {path} has no body schema"
                );
            }
        }
        assert_eq!(
            paths["/api/v1/units/{code}/members"]["post"]["requestBody"]["content"]
                ["application/json"]["schema"]["required"],
            json!(["joined_on"])
        );
        assert!(paths["/api/v1/members/{id}/fees"]["post"]["parameters"]
            .as_array()
            .is_some_and(|p| p.iter().any(|x| x["name"] == "Idempotency-Key")));
        assert!(paths["/api/v1/clusters/{code}/members"]["post"]["responses"]["204"].is_object());
    }
);
