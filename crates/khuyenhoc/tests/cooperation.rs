//! Cooperation programmes (issue 18, item 3), on both backends: a programme of Phường Ba Đình
//! covering its branch 00004-1, with a review coming due, reaches the dashboards of both units
//! and, through the daily tick of the job queue, the notifications of their officers (each stage
//! once); recording the review clears it; a commitment shows late, then done; the half-year
//! report counts programmes in force, reviews held and due; out of scope is 404, and a branch
//! officer who reads the programme of the commune it covers cannot change it.

mod common;
#[path = "common/parity.rs"]
mod parity;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::cooperation::model::add_days;
use khuyenhoc::cooperation::remind;
use khuyenhoc::db::Backend;
use serde_json::{json, Value};

/// Adds a partner to a unit's register through the API; its id.
async fn partner(app: &TestApp, c: &mut Client, unit: &str, name: &str) -> i64 {
    let p = call(
        app,
        c,
        "POST",
        &format!("/api/v1/units/{unit}/partners"),
        json!({"kind": "armed_forces", "name": name, "contact": "Đại úy Lê Văn Tư, 0912 000 111"}),
        StatusCode::CREATED,
    )
    .await;
    p["id"].as_i64().expect("partner id")
}

/// The Ba Đình programme covering branch 00004-1: an interim review due in 5 days, a final one
/// in 200, a commitment of the partner due yesterday and one of ours due in 30 days.
async fn programme(app: &TestApp, c: &mut Client, partner_id: i64) -> Value {
    let t = today();
    call(
        app,
        c,
        "POST",
        "/api/v1/units/00004/cooperation",
        json!({
            "title": "Phối hợp tuyên truyền khuyến học với Ban Chỉ huy Quân sự phường",
            "partner_ids": [partner_id],
            "covers": {"units": ["00004-1"]},
            "signed_on": add_days(&t, -30),
            "starts_on": add_days(&t, -30),
            "ends_on": add_days(&t, 700),
            "reviews": [
                {"kind": "interim", "due_on": add_days(&t, 5)},
                {"kind": "final", "due_on": add_days(&t, 200)},
            ],
            "commitments": [
                {"what": "Tổ chức lớp học tập cho chiến sĩ", "partner_id": partner_id, "due_on": add_days(&t, -1)},
                {"what": "Trao học bổng cho con em quân nhân", "due_on": add_days(&t, 30)},
            ],
        }),
        StatusCode::CREATED,
    )
    .await
}

/// The number written after the cooperation link on a unit's dashboard card (0 when absent).
fn due_on_card(home: &str, code: &str) -> i64 {
    let at = home
        .find(&format!("id=\"dash-{code}\""))
        .unwrap_or_else(|| panic!("no dashboard for {code}: {home}"));
    let card = &home[at..];
    let card = &card[..card.find("</div>").expect("end of the card")];
    match card.find("class=\"coop-due\"") {
        None => 0,
        Some(i) => {
            let rest = &card[i..];
            let s = &rest[rest.find("<strong>").expect("count") + 8..];
            s[..s.find('<').expect("end")].parse().expect("a number")
        }
    }
}

/// Notices of a person that speak of the programme.
async fn notices(app: &TestApp, phone: &str) -> i64 {
    let person = app.person_id(phone).await;
    scalar(
        app,
        &format!(
            "SELECT COUNT(*) FROM notices WHERE person_id = {person} AND text_vi LIKE '%Ban Chỉ huy Quân sự phường%'"
        ),
    )
    .await
}

fn review_id(d: &Value, kind: &str) -> i64 {
    d["reviews"]
        .as_array()
        .expect("reviews")
        .iter()
        .find(|r| r["kind"] == kind)
        .and_then(|r| r["id"].as_i64())
        .expect("review")
}

both_backends!(
    a_review_due_reaches_dashboards_and_notices,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut badinh = app.api_client(BADINH).await;
        let mut branch = app.api_client(BRANCH_OFFICER).await;
        let mut hoabinh = app.api_client(HOABINH).await;
        let pid = partner(
            &app,
            &mut badinh,
            "00004",
            "Ban Chỉ huy Quân sự phường Ba Đình",
        )
        .await;
        let d = programme(&app, &mut badinh, pid).await;
        let id = d["programme"]["id"].as_i64().expect("id");
        assert_eq!(d["programme"]["in_force"], true);
        assert_eq!(d["units"][0]["code"], "00004-1");
        let interim = review_id(&d, "interim");
        assert_eq!(d["reviews"][0]["state"], "due");
        assert_eq!(d["reviews"][1]["state"], "planned");

        // The dashboards of the owner and of the covered branch; not those of other units.
        let mut chair = app.login(BADINH).await;
        let home = app.get(&mut chair, "/").await.body;
        assert_eq!(due_on_card(&home, "00004"), 1, "{home}");
        let mut officer = app.login(BRANCH_OFFICER).await;
        let home = app.get(&mut officer, "/").await.body;
        assert_eq!(due_on_card(&home, "00004-1"), 1);
        let mut other = app.login(HOABINH).await;
        let home = app.get(&mut other, "/").await.body;
        assert_eq!(due_on_card(&home, "04795"), 0);
        let due = call(
            &app,
            &mut branch,
            "GET",
            "/api/v1/units/00004-1/cooperation/due",
            json!(null),
            StatusCode::OK,
        )
        .await;
        assert_eq!(due["total"], 1);
        assert_eq!(due["items"][0]["review_id"], interim);
        let page = app.get(&mut officer, "/units/00004-1/cooperation").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Sơ kết"), "{}", page.body);

        // The tick: one reminder per review and stage, however often it runs.
        let t = today();
        assert_eq!(remind::tick(&app.db, &t).await.expect("tick"), 1);
        assert_eq!(remind::tick(&app.db, &t).await.expect("tick"), 0);
        app.run_jobs().await;
        assert_eq!(notices(&app, BADINH).await, 1);
        assert_eq!(notices(&app, BRANCH_OFFICER).await, 1);
        assert_eq!(
            notices(&app, TREASURER).await,
            1,
            "every officer of the owning unit"
        );
        assert_eq!(notices(&app, HOABINH).await, 0);
        assert_eq!(
            notices(&app, HANOI).await,
            0,
            "the province is not concerned"
        );
        // On the day, and once overdue: one more each.
        let due_day = add_days(&t, 5);
        assert_eq!(remind::tick(&app.db, &due_day).await.expect("tick"), 1);
        assert_eq!(
            remind::tick(&app.db, &add_days(&t, 6)).await.expect("tick"),
            1
        );
        assert_eq!(
            remind::tick(&app.db, &add_days(&t, 7)).await.expect("tick"),
            0
        );
        app.run_jobs().await;
        assert_eq!(notices(&app, BRANCH_OFFICER).await, 3);
        // The daily tick job is registered and enqueues itself (its key is the day).
        let reg = khuyenhoc::background::registry();
        assert!(reg.ticks().iter().any(|(k, _)| k == remind::TICK_JOB));
        assert!(reg.handler(remind::REMIND_JOB).is_some());

        // Recording the review clears it from the dashboards and from the reminders.
        let held = call(
            &app,
            &mut badinh,
            "POST",
            &format!("/api/v1/cooperation/{id}/reviews/{interim}/held"),
            json!({"held_on": t, "results": "Hoàn thành 4/5 nội dung; đề nghị tiếp tục phối hợp."}),
            StatusCode::OK,
        )
        .await;
        assert_eq!(held["reviews"][0]["state"], "held");
        let home = app.get(&mut chair, "/").await.body;
        assert_eq!(due_on_card(&home, "00004"), 0);
        let due = call(
            &app,
            &mut branch,
            "GET",
            "/api/v1/units/00004-1/cooperation/due",
            json!(null),
            StatusCode::OK,
        )
        .await;
        assert_eq!(due["total"], 0);
        // A held review is reminded no more.
        assert_eq!(
            remind::tick(&app.db, &add_days(&t, 8)).await.expect("tick"),
            0
        );

        // Commitments: the partner's is late, ours open; marked done it shows done.
        let d = call(
            &app,
            &mut branch,
            "GET",
            &format!("/api/v1/cooperation/{id}"),
            json!(null),
            StatusCode::OK,
        )
        .await;
        let late = &d["commitments"][0];
        assert_eq!(late["state"], "late");
        assert_eq!(late["partner_name"], "Ban Chỉ huy Quân sự phường Ba Đình");
        assert_eq!(d["commitments"][1]["state"], "open");
        let cid = late["id"].as_i64().expect("id");
        let d = call(
            &app,
            &mut badinh,
            "POST",
            &format!("/api/v1/cooperation/{id}/commitments/{cid}/done"),
            json!({"done_on": t}),
            StatusCode::OK,
        )
        .await;
        assert_eq!(d["commitments"][0]["state"], "done");
        assert_eq!(d["commitments"][0]["done_on"], t);

        // Every change has its audit entry.
        let audited = scalar(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE entity LIKE 'coop_%'",
        )
        .await;
        assert_eq!(
            audited, 4,
            "partner, programme, review held, commitment done"
        );
        let _ = &mut hoabinh;
    }
);

both_backends!(
    scope_is_the_owner_and_the_covered_units,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut badinh = app.api_client(BADINH).await;
        let mut branch = app.api_client(BRANCH_OFFICER).await;
        let mut hoabinh = app.api_client(HOABINH).await;
        let mut hanoi = app.api_client(HANOI).await;
        let mut citizen = app.api_client(CITIZEN).await;
        let pid = partner(
            &app,
            &mut badinh,
            "00004",
            "Ban Chỉ huy Quân sự phường Ba Đình",
        )
        .await;
        let d = programme(&app, &mut badinh, pid).await;
        let id = d["programme"]["id"].as_i64().expect("id");
        let interim = review_id(&d, "interim");
        let detail = format!("/api/v1/cooperation/{id}");
        let rows_before = scalar(&app, "SELECT COUNT(*) FROM audit_log").await;

        // Out of scope: 404, word for word like a programme that does not exist.
        let missing = call(
            &app,
            &mut hoabinh,
            "GET",
            "/api/v1/cooperation/999999",
            json!(null),
            StatusCode::NOT_FOUND,
        )
        .await;
        let refused = call(
            &app,
            &mut hoabinh,
            "GET",
            &detail,
            json!(null),
            StatusCode::NOT_FOUND,
        )
        .await;
        assert_eq!(missing, refused);
        call(
            &app,
            &mut citizen,
            "GET",
            &detail,
            json!(null),
            StatusCode::NOT_FOUND,
        )
        .await;
        let mut page = app.login(HOABINH).await;
        assert_eq!(
            app.get(&mut page, &format!("/cooperation/{id}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let list = call(
            &app,
            &mut hoabinh,
            "GET",
            "/api/v1/units/04795/cooperation",
            json!(null),
            StatusCode::OK,
        )
        .await;
        assert_eq!(list["total"], 0);
        call(
            &app,
            &mut hoabinh,
            "GET",
            "/api/v1/units/00004/cooperation",
            json!(null),
            StatusCode::NOT_FOUND,
        )
        .await;

        // The covered branch reads it, and finds it in its list; the province above too.
        call(
            &app,
            &mut branch,
            "GET",
            &detail,
            json!(null),
            StatusCode::OK,
        )
        .await;
        let list = call(
            &app,
            &mut branch,
            "GET",
            "/api/v1/units/00004-1/cooperation?q=quan%20su",
            json!(null),
            StatusCode::OK,
        )
        .await;
        assert_eq!(list["total"], 1, "found by its title without diacritics");
        let list = call(
            &app,
            &mut hanoi,
            "GET",
            "/api/v1/units/01/cooperation",
            json!(null),
            StatusCode::OK,
        )
        .await;
        assert_eq!(list["total"], 1);
        call(
            &app,
            &mut hanoi,
            "GET",
            &detail,
            json!(null),
            StatusCode::OK,
        )
        .await;

        // Rights never climb: the branch officer cannot change the commune's programme.
        let t = today();
        for (path, body) in [
            (
                format!("{detail}/commitments"),
                json!({"what": "X", "due_on": t}),
            ),
            (
                format!("{detail}/reviews"),
                json!({"kind": "final", "due_on": t}),
            ),
            (
                format!("{detail}/reviews/{interim}/held"),
                json!({"held_on": t, "results": "Đã họp"}),
            ),
            (format!("{detail}/commitments/1/done"), json!({})),
        ] {
            call(
                &app,
                &mut branch,
                "POST",
                &path,
                body.clone(),
                StatusCode::NOT_FOUND,
            )
            .await;
            call(
                &app,
                &mut hoabinh,
                "POST",
                &path,
                body,
                StatusCode::NOT_FOUND,
            )
            .await;
        }
        call(
        &app,
        &mut branch,
        "POST",
        "/api/v1/units/00004/cooperation",
        json!({"title": "X", "partner_ids": [pid], "signed_on": t, "starts_on": t, "ends_on": t}),
        StatusCode::NOT_FOUND,
    )
    .await;
        call(
            &app,
            &mut branch,
            "POST",
            "/api/v1/units/00004/partners",
            json!({"kind": "firm", "name": "X"}),
            StatusCode::NOT_FOUND,
        )
        .await;
        let mut officer = app.login(BRANCH_OFFICER).await;
        let r = app
            .post_form(
                &mut officer,
                &format!("/cooperation/{id}/reviews/{interim}/held"),
                &[("held_on", &t), ("results", "Đã họp")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let page = app.get(&mut officer, &format!("/cooperation/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page.body.contains("Ghi nhận đã tổ chức"),
            "no form for a reader"
        );
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM audit_log").await,
            rows_before
        );

        // What a programme names must lie in the owner's reach.
        let theirs = partner(&app, &mut hoabinh, "04795", "Công ty Cổ phần Hòa Bình").await;
        let bad = |body: Value| body;
        for body in [
            bad(
                json!({"title": "Y", "partner_ids": [theirs], "signed_on": t, "starts_on": t, "ends_on": t}),
            ),
            bad(
                json!({"title": "Y", "partner_ids": [pid], "covers": {"units": ["04795-1"]}, "signed_on": t, "starts_on": t, "ends_on": t}),
            ),
            bad(
                json!({"title": "Y", "partner_ids": [pid], "signed_on": t, "starts_on": t, "ends_on": add_days(&t, -1)}),
            ),
            bad(
                json!({"title": "", "partner_ids": [pid], "signed_on": t, "starts_on": t, "ends_on": t}),
            ),
            bad(
                json!({"title": "Y".repeat(151), "partner_ids": [pid], "signed_on": t, "starts_on": t, "ends_on": t}),
            ),
        ] {
            call(
                &app,
                &mut badinh,
                "POST",
                "/api/v1/units/00004/cooperation",
                body,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
        // The province's register serves its communes; a whole level is covered at once.
        let province_partner = partner(&app, &mut hanoi, "01", "Bộ Tư lệnh Thủ đô Hà Nội").await;
        let all = call(
        &app,
        &mut badinh,
        "POST",
        "/api/v1/units/00004/cooperation",
        json!({"title": "Chương trình với Bộ Tư lệnh Thủ đô", "partner_ids": [province_partner], "covers": {"level": "branch"}, "signed_on": t, "starts_on": t, "ends_on": t}),
        StatusCode::CREATED,
    )
    .await;
        let branches = scalar(
        &app,
        "SELECT COUNT(*) FROM units WHERE path LIKE '/VN/01/00004/%' AND level = 'branch' AND valid_to IS NULL",
    )
    .await;
        assert!(branches >= 1);
        assert_eq!(
            all["units"].as_array().expect("units").len() as i64,
            branches
        );
    }
);

both_backends!(pages_create_and_record, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut chair = app.login(BADINH).await;
    let r = app
        .post_form(
            &mut chair,
            "/units/00004/partners",
            &[
                ("kind", "mass_org"),
                ("name", "Đoàn Thanh niên phường Ba Đình"),
                ("contact", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let list = app
        .get(&mut chair, "/units/00004/partners?q=doan%20thanh%20nien")
        .await;
    assert!(list.body.contains("Đoàn Thanh niên phường Ba Đình"));
    assert!(list.body.contains("Đoàn thể"));
    let pid: i64 = scalar(&app, "SELECT id FROM coop_partners").await;
    let form = app.get(&mut chair, "/units/00004/cooperation/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Đoàn Thanh niên phường Ba Đình"));
    let t = today();
    let year: i32 = t[..4].parse().expect("year");
    let r = app
        .post_form(
            &mut chair,
            "/units/00004/cooperation",
            &[
                ("title", "Phối hợp với Đoàn Thanh niên"),
                ("partner", &pid.to_string()),
                ("level", ""),
                ("units", "00004-1"),
                ("signed_on", &format!("01/01/{year}")),
                ("starts_on", &format!("{year}-01-01")),
                ("ends_on", &format!("{year}-12-31")),
                ("interim_on", &format!("{year}-01-20")),
                ("final_on", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let at = r.location().expect("to the programme").to_owned();
    let page = app.get(&mut chair, &at).await;
    assert!(page.body.contains("Ghi nhận đã tổ chức"), "{}", page.body);
    assert!(
        page.body.contains(&format!("20/01/{year}")),
        "dates as people read them"
    );
    // A refused field re-renders the form with its message.
    let r = app
        .post_form(
            &mut chair,
            "/units/00004/cooperation",
            &[("title", ""), ("partner", &pid.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Bắt buộc nhập"));
    // A file through the page's multipart form (the token its first field).
    let token = chair.csrf();
    let pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec();
    let r = parity::multipart(
        &app,
        &mut chair,
        "POST",
        &format!("{at}/files"),
        &[
            ("_csrf", None, token.as_bytes()),
            ("file", Some(("bien-ban.pdf", "application/pdf")), &pdf),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let fid: i64 = scalar(&app, "SELECT id FROM coop_files").await;
    let got = app.get(&mut chair, &format!("{at}/files/{fid}")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(got.body.starts_with("%PDF"));
    let mut other = app.login(HOABINH).await;
    assert_eq!(
        app.get(&mut other, &format!("{at}/files/{fid}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
});

both_backends!(
    the_report_counts_programmes_and_reviews,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut badinh = app.api_client(BADINH).await;
        let mut hanoi = app.api_client(HANOI).await;
        let mut hoabinh = app.api_client(HOABINH).await;
        let year = this_year();
        let period = format!("{year}-Y");
        let pid = partner(&app, &mut badinh, "00004", "Công an phường Ba Đình").await;
        let d = call(
        &app,
        &mut badinh,
        "POST",
        "/api/v1/units/00004/cooperation",
        json!({
            "title": "Phối hợp với Công an phường",
            "partner_ids": [pid],
            "signed_on": format!("{year}-01-01"), "starts_on": format!("{year}-01-01"), "ends_on": format!("{}-12-31", year + 1),
            "reviews": [{"kind": "interim", "due_on": format!("{year}-01-10")}, {"kind": "final", "due_on": format!("{year}-03-01")}],
        }),
        StatusCode::CREATED,
    )
    .await;
        let id = d["programme"]["id"].as_i64().expect("id");
        let interim = review_id(&d, "interim");
        call(
            &app,
            &mut badinh,
            "POST",
            &format!("/api/v1/cooperation/{id}/reviews/{interim}/held"),
            json!({"held_on": format!("{year}-01-12"), "results": "Đạt yêu cầu"}),
            StatusCode::OK,
        )
        .await;
        // A programme that ended before the year, and one of another province: not counted here.
        call(
        &app,
        &mut badinh,
        "POST",
        "/api/v1/units/00004/cooperation",
        json!({"title": "Chương trình cũ", "partner_ids": [pid], "signed_on": "2020-01-01", "starts_on": "2020-01-01", "ends_on": "2021-12-31"}),
        StatusCode::CREATED,
    )
    .await;
        let theirs = partner(&app, &mut hoabinh, "04795", "Công an phường Hòa Bình").await;
        call(
        &app,
        &mut hoabinh,
        "POST",
        "/api/v1/units/04795/cooperation",
        json!({"title": "Hòa Bình", "partner_ids": [theirs], "signed_on": format!("{year}-01-01"), "starts_on": format!("{year}-01-01"), "ends_on": format!("{year}-12-31")}),
        StatusCode::CREATED,
    )
    .await;
        // The province's own indicators read the metrics.
        let tpl = "[[indicator]]\nkey = \"p_coop_in_force\"\nsection = \"organisation\"\nlabel_vi = \"Số chương trình phối hợp đang thực hiện\"\nlabel_en = \"Cooperation programmes in force\"\nsource = \"computed\"\nmetric = \"coop.in_force\"\n\n[[indicator]]\nkey = \"p_coop_held\"\nsection = \"organisation\"\nlabel_vi = \"Số đợt sơ kết, tổng kết đã tổ chức\"\nlabel_en = \"Reviews held\"\nsource = \"computed\"\nmetric = \"coop.reviews_held\"\n\n[[indicator]]\nkey = \"p_coop_due\"\nsection = \"organisation\"\nlabel_vi = \"Số đợt sơ kết, tổng kết đến hạn\"\nlabel_en = \"Reviews due\"\nsource = \"computed\"\nmetric = \"coop.reviews_due\"\n";
        call(
            &app,
            &mut hanoi,
            "POST",
            "/api/v1/units/01/report-template",
            json!({"source": tpl}),
            StatusCode::OK,
        )
        .await;
        let line = |r: &Value, key: &str| -> Option<i64> {
            r["lines"]
                .as_array()
                .expect("lines")
                .iter()
                .find(|l| l["key"] == key)
                .unwrap_or_else(|| panic!("no line {key} in {r}"))["value"]
                .as_i64()
        };
        for (who, code) in [(&mut badinh, "00004"), (&mut hanoi, "01")] {
            let r = call(
                &app,
                who,
                "GET",
                &format!("/api/v1/units/{code}/reports/{period}"),
                json!(null),
                StatusCode::OK,
            )
            .await;
            assert_eq!(line(&r, "p_coop_in_force"), Some(1), "{code}");
            assert_eq!(line(&r, "p_coop_held"), Some(1), "{code}");
            assert_eq!(line(&r, "p_coop_due"), Some(2), "{code}");
        }
    }
);
