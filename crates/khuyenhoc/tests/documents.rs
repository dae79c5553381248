//! Documents (văn bản, issue 18 item 1) on both backends: issued by the central office to all 34
//! provinces and by a province to all its communes; every register unique and gapless under
//! concurrent issues; opening and acknowledging move the sender's counts; overdue after the
//! reply date; reminders through the job queue; recall; forwarding; out of scope, 404.

mod common;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;
use serde_json::{json, Value};

/// Drafts, signs and issues a document of `unit` signed by `phone`; answers the issued document.
async fn issue_doc(
    app: &TestApp,
    c: &mut Client,
    unit: &str,
    phone: &str,
    summary: &str,
    reply_due: Option<String>,
    recipients: Value,
) -> Value {
    let id = draft(app, c, unit, phone, summary, reply_due, recipients).await;
    ok(
        app,
        c,
        "POST",
        &format!("/api/v1/documents/{id}/sign"),
        json!({}),
    )
    .await;
    ok(
        app,
        c,
        "POST",
        &format!("/api/v1/documents/{id}/issue"),
        json!({}),
    )
    .await
}

async fn draft(
    app: &TestApp,
    c: &mut Client,
    unit: &str,
    phone: &str,
    summary: &str,
    reply_due: Option<String>,
    recipients: Value,
) -> i64 {
    let signer = held_position(app, unit, phone).await;
    let d = call(
        app,
        c,
        "POST",
        &format!("/api/v1/units/{unit}/documents"),
        json!({"type_code": "kh", "summary": summary, "signer_position_id": signer,
               "urgency": "urgent", "reply_due": reply_due, "recipients": recipients}),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(d["state"], "draft");
    d["id"].as_i64().expect("id")
}

fn days_from_today(n: i64) -> String {
    let d = chrono::NaiveDate::parse_from_str(&today(), "%Y-%m-%d").expect("today")
        + chrono::Duration::days(n);
    d.format("%Y-%m-%d").to_string()
}

/// The sender's counts of a document.
async fn counts(app: &TestApp, c: &Client, id: i64) -> Value {
    let mut c = c.clone();
    ok(
        app,
        &mut c,
        "GET",
        &format!("/api/v1/documents/{id}"),
        json!({}),
    )
    .await["counts"]
        .clone()
}

async fn communes_of(app: &TestApp, province: &str) -> i64 {
    scalar(
        app,
        &format!(
            "SELECT COUNT(*) FROM units WHERE level = 'commune' AND valid_to IS NULL \
             AND path LIKE '/VN/{province}/%'"
        ),
    )
    .await
}

both_backends!(
    central_to_provinces_and_province_to_communes,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut central = app.api_client(CENTRAL).await;
        let d = issue_doc(
            &app,
            &mut central,
            "VN",
            CENTRAL,
            "Kế hoạch tổ chức Tuần lễ học tập suốt đời",
            None,
            json!([{"kind": "level", "level": "province"}]),
        )
        .await;
        assert_eq!(d["state"], "issued");
        assert_eq!(d["symbol"], "1/KH-HKH");
        assert_eq!(d["issued_on"], today());
        let id = d["id"].as_i64().expect("id");
        let detail = ok(
            &app,
            &mut central,
            "GET",
            &format!("/api/v1/documents/{id}"),
            json!({}),
        )
        .await;
        assert_eq!(detail["counts"]["delivered"], 34, "{detail}");
        assert_eq!(detail["counts"]["opened"], 0);
        // Each province's incoming register of the year starts at 1.
        let firsts = scalar(
        &app,
        &format!("SELECT COUNT(*) FROM document_recipients WHERE document_id = {id} AND entry_number = 1"),
    )
    .await;
        assert_eq!(firsts, 34);

        // Hà Nội sends to all its communes.
        let mut hanoi = app.api_client(HANOI).await;
        let d = issue_doc(
            &app,
            &mut hanoi,
            "01",
            HANOI,
            "Hướng dẫn đăng ký mô hình học tập",
            None,
            json!([{"kind": "level", "level": "commune"}]),
        )
        .await;
        assert_eq!(d["symbol"], "1/KH-HKH", "the province's own register");
        let id2 = d["id"].as_i64().expect("id");
        let communes = communes_of(&app, "01").await;
        assert!(communes > 100, "Hà Nội has {communes} communes");
        let detail = ok(
            &app,
            &mut hanoi,
            "GET",
            &format!("/api/v1/documents/{id2}"),
            json!({}),
        )
        .await;
        assert_eq!(detail["counts"]["delivered"], communes);
        // No commune outside Hà Nội, no branch, not the province itself.
        let outside = scalar(
            &app,
            &format!(
                "SELECT COUNT(*) FROM document_recipients r JOIN units u ON u.id = r.unit_id \
             WHERE r.document_id = {id2} AND (u.level <> 'commune' OR u.path NOT LIKE '/VN/01/%')"
            ),
        )
        .await;
        assert_eq!(outside, 0);
        // Hà Nội's incoming register holds the central document; its outgoing one its own.
        let inc = ok(
            &app,
            &mut hanoi,
            "GET",
            "/api/v1/units/01/incoming",
            json!({}),
        )
        .await;
        assert_eq!(inc["total"], 1);
        assert_eq!(inc["items"][0]["symbol"], "1/KH-HKH");
        assert_eq!(
            inc["items"][0]["issuer_name"]
                .as_str()
                .map(|s| !s.is_empty()),
            Some(true)
        );
        let out = ok(
            &app,
            &mut hanoi,
            "GET",
            "/api/v1/units/01/documents?q=dang%20ky",
            json!({}),
        )
        .await;
        assert_eq!(out["total"], 1, "found without diacritics: {out}");
        let out = ok(
            &app,
            &mut hanoi,
            "GET",
            "/api/v1/units/01/documents?q=tuan%20le",
            json!({}),
        )
        .await;
        assert_eq!(out["total"], 0);
        let out = ok(
            &app,
            &mut hanoi,
            "GET",
            "/api/v1/units/01/documents?q=1%2FKH",
            json!({}),
        )
        .await;
        assert_eq!(out["total"], 1, "found by its symbol");
        // Ba Đình's register: one entry, from Hà Nội; searching and filtering.
        let mut badinh = app.api_client(BADINH).await;
        let inc = ok(
            &app,
            &mut badinh,
            "GET",
            "/api/v1/units/00004/incoming?q=huong%20dan",
            json!({}),
        )
        .await;
        assert_eq!(inc["total"], 1);
        assert_eq!(inc["items"][0]["entry_number"], 1);
        let inc = ok(
            &app,
            &mut badinh,
            "GET",
            "/api/v1/units/00004/incoming?state=opened",
            json!({}),
        )
        .await;
        assert_eq!(inc["total"], 0);
        // Paged by key: every commune once.
        let (ids, pages) = all_pages(
            &app,
            &mut hanoi,
            &format!("/api/v1/documents/{id2}/recipients?per_page=50"),
        )
        .await;
        assert_eq!(i64::try_from(ids.len()).unwrap_or(0), communes);
        assert!(pages >= 3);
        let audit = scalar(
            &app,
            &format!(
                "SELECT COUNT(*) FROM audit_log WHERE entity = 'document' AND entity_id = '{id2}'"
            ),
        )
        .await;
        assert_eq!(audit, 3, "create, sign, issue");
    }
);

both_backends!(
    registers_are_gapless_under_concurrent_issue,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut hanoi = app.api_client(HANOI).await;
        const N: usize = 6;
        let mut ids = vec![];
        for i in 0..N {
            let id = draft(
                &app,
                &mut hanoi,
                "01",
                HANOI,
                &format!("Thông báo số {i}"),
                None,
                json!([{"kind": "level", "level": "commune"}]),
            )
            .await;
            ok(
                &app,
                &mut hanoi,
                "POST",
                &format!("/api/v1/documents/{id}/sign"),
                json!({}),
            )
            .await;
            ids.push(id);
        }
        let app = std::sync::Arc::new(app);
        let mut tasks = vec![];
        for id in ids.clone() {
            let app = app.clone();
            let mut c = hanoi.clone();
            tasks.push(tokio::spawn(async move {
                app.json(
                    &mut c,
                    "POST",
                    &format!("/api/v1/documents/{id}/issue"),
                    json!({}),
                )
                .await
            }));
        }
        for t in tasks {
            let r = t.await.expect("task");
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
        let communes = communes_of(&app, "01").await;
        // Every commune: entries 1..N, once each.
        let n = i64::try_from(N).unwrap_or(0);
        let rows = scalar(
            &app,
            &format!(
                "SELECT COUNT(*) FROM (SELECT unit_id FROM document_recipients GROUP BY unit_id \
             HAVING COUNT(*) = {n} AND COUNT(DISTINCT entry_number) = {n} \
             AND MIN(entry_number) = 1 AND MAX(entry_number) = {n}) t"
            ),
        )
        .await;
        assert_eq!(rows, communes);
        let numbers: Vec<i64> = sqlx::query_scalar("SELECT number FROM documents WHERE unit_id = (SELECT id FROM units WHERE code = '01') ORDER BY number")
        .fetch_all(&app.db.pool)
        .await
        .expect("numbers");
        assert_eq!(numbers, (1..=n).collect::<Vec<_>>());
        // A second issue of an issued document is refused and changes nothing.
        let r = app
            .json(
                &mut hanoi,
                "POST",
                &format!("/api/v1/documents/{}/issue", ids[0]),
                json!({}),
            )
            .await;
        problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "issued twice");
    }
);

both_backends!(
    states_counts_overdue_recall_and_forward,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        appoint_chair(&app, "25", "0931500001", "Ngô Thị Phú").await;
        let mut central = app.api_client(CENTRAL).await;
        let d = issue_doc(
            &app,
            &mut central,
            "VN",
            CENTRAL,
            "Báo cáo kết quả 6 tháng",
            Some(days_from_today(3)),
            json!([{"kind": "level", "level": "province"}]),
        )
        .await;
        let id = d["id"].as_i64().expect("id");
        // Out of scope: a commune of Hà Nội or of Phú Thọ, before anything is forwarded.
        let mut badinh = app.api_client(BADINH).await;
        let mut hoabinh = app.api_client(HOABINH).await;
        call(
            &app,
            &mut badinh,
            "GET",
            &format!("/api/v1/documents/{id}"),
            json!({}),
            StatusCode::NOT_FOUND,
        )
        .await;
        call(
            &app,
            &mut hoabinh,
            "GET",
            &format!("/api/v1/documents/{id}"),
            json!({}),
            StatusCode::NOT_FOUND,
        )
        .await;

        // Hà Nội opens, acknowledges and replies: the sender's counts move.
        let mut hanoi = app.api_client(HANOI).await;
        let inc = ok(
            &app,
            &mut hanoi,
            "GET",
            "/api/v1/units/01/incoming",
            json!({}),
        )
        .await;
        let rid = inc["items"][0]["id"].as_i64().expect("entry");
        assert_eq!(inc["items"][0]["state"], "delivered");
        call(
            &app,
            &mut badinh,
            "GET",
            &format!("/api/v1/incoming/{rid}"),
            json!({}),
            StatusCode::NOT_FOUND,
        )
        .await;
        call(
            &app,
            &mut hoabinh,
            "POST",
            &format!("/api/v1/incoming/{rid}/acknowledge"),
            json!({}),
            StatusCode::NOT_FOUND,
        )
        .await;
        // Reading from above (the centre) does not open it.
        ok(
            &app,
            &mut central,
            "GET",
            &format!("/api/v1/incoming/{rid}"),
            json!({}),
        )
        .await;
        let e = ok(
            &app,
            &mut central,
            "POST",
            &format!("/api/v1/incoming/{rid}/open"),
            json!({}),
        )
        .await;
        assert_eq!(e["state"], "delivered");
        let e = ok(
            &app,
            &mut hanoi,
            "POST",
            &format!("/api/v1/incoming/{rid}/open"),
            json!({}),
        )
        .await;
        assert_eq!(e["state"], "opened");
        assert_eq!(e["opened_by"], "Trần Thị Hà");
        let c = counts(&app, &central, id).await;
        assert_eq!(
            (c["opened"].as_i64(), c["acknowledged"].as_i64()),
            (Some(1), Some(0))
        );
        ok(
            &app,
            &mut hanoi,
            "POST",
            &format!("/api/v1/incoming/{rid}/acknowledge"),
            json!({}),
        )
        .await;
        let c = counts(&app, &central, id).await;
        assert_eq!(
            (c["acknowledged"].as_i64(), c["overdue"].as_i64()),
            (Some(1), Some(0))
        );
        let e = ok(
            &app,
            &mut hanoi,
            "POST",
            &format!("/api/v1/incoming/{rid}/reply"),
            json!({"text": "Đã tổng hợp, gửi kèm báo cáo."}),
        )
        .await;
        assert_eq!(e["state"], "replied");
        let c = counts(&app, &central, id).await;
        assert_eq!(c["replied"], 1);
        let r = app
            .json(
                &mut hanoi,
                "POST",
                &format!("/api/v1/incoming/{rid}/reply"),
                json!({"text": "Lần hai"}),
            )
            .await;
        problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "replied twice");
        let list = ok(
            &app,
            &mut central,
            "GET",
            &format!("/api/v1/documents/{id}/recipients?state=replied"),
            json!({}),
        )
        .await;
        assert_eq!(list["total"], 1);
        let list = ok(
            &app,
            &mut central,
            "GET",
            &format!("/api/v1/documents/{id}/recipients?q=ha%20noi"),
            json!({}),
        )
        .await;
        assert_eq!(
            list["total"], 1,
            "searched by the unit's name without diacritics"
        );

        // Forward: Hà Nội sends it on to Ba Đình, entered in Ba Đình's own register.
        let f = ok(
            &app,
            &mut hanoi,
            "POST",
            &format!("/api/v1/incoming/{rid}/forward"),
            json!({"recipients": [{"kind": "units", "codes": ["00004"]}]}),
        )
        .await;
        assert_eq!(f["units"], 1);
        let again = ok(
            &app,
            &mut hanoi,
            "POST",
            &format!("/api/v1/incoming/{rid}/forward"),
            json!({"recipients": [{"kind": "units", "codes": ["00004"]}]}),
        )
        .await;
        assert_eq!(again["units"], 0, "a unit holds a document once");
        let r = app
            .json(
                &mut hanoi,
                "POST",
                &format!("/api/v1/incoming/{rid}/forward"),
                json!({"recipients": [{"kind": "units", "codes": ["04795"]}]}),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "not below Hà Nội: {}",
            r.body
        );
        let det = ok(
            &app,
            &mut badinh,
            "GET",
            &format!("/api/v1/documents/{id}"),
            json!({}),
        )
        .await;
        assert!(det["counts"].is_null(), "a receiver sees no sender counts");
        assert_eq!(det["entries"].as_array().map(Vec::len), Some(1));
        assert_eq!(det["entries"][0]["entry_number"], 1);
        assert_eq!(
            det["entries"][0]["via_unit_name"]
                .as_str()
                .map(|s| s.contains("Hà Nội")),
            Some(true)
        );
        call(
            &app,
            &mut hoabinh,
            "GET",
            &format!("/api/v1/documents/{id}"),
            json!({}),
            StatusCode::NOT_FOUND,
        )
        .await;
        let c = counts(&app, &central, id).await;
        assert_eq!(c["delivered"], 34, "the issuer counts its own recipients");
        let fwd = ok(
            &app,
            &mut hanoi,
            "GET",
            &format!("/api/v1/documents/{id}/recipients?via=01"),
            json!({}),
        )
        .await;
        assert_eq!(fwd["total"], 1);
        call(
            &app,
            &mut hoabinh,
            "GET",
            &format!("/api/v1/documents/{id}/recipients?via=01"),
            json!({}),
            StatusCode::NOT_FOUND,
        )
        .await;

        // After the reply date: overdue, computed; reminders reach the officers of overdue units.
        app.state
            .clock
            .set(chrono::Utc::now() + chrono::Duration::days(5));
        let c = counts(&app, &central, id).await;
        assert_eq!(c["overdue"], 33);
        let list = ok(
            &app,
            &mut central,
            "GET",
            &format!("/api/v1/documents/{id}/recipients?state=overdue&per_page=5"),
            json!({}),
        )
        .await;
        assert_eq!(list["total"], 33);
        assert_eq!(list["items"][0]["overdue"], true);
        let r = ok(
            &app,
            &mut central,
            "POST",
            &format!("/api/v1/documents/{id}/remind"),
            json!({}),
        )
        .await;
        assert_eq!(r["units"], 33);
        call(
            &app,
            &mut hoabinh,
            "POST",
            &format!("/api/v1/documents/{id}/remind"),
            json!({}),
            StatusCode::NOT_FOUND,
        )
        .await;
        let phu_tho = app.person_id("0931500001").await;
        let hn = app.person_id(HANOI).await;
        let before = scalar(
            &app,
            &format!("SELECT COUNT(*) FROM notices WHERE person_id = {hn}"),
        )
        .await;
        app.run_jobs().await;
        let told = scalar(
            &app,
            &format!("SELECT COUNT(*) FROM notices WHERE person_id = {phu_tho}"),
        )
        .await;
        assert_eq!(told, 1, "the Phú Thọ chair is reminded");
        let after = scalar(
            &app,
            &format!("SELECT COUNT(*) FROM notices WHERE person_id = {hn}"),
        )
        .await;
        assert_eq!(after, before, "Hà Nội replied: no reminder");
        let xlsx = app
            .download(
                &central,
                &format!("/api/v1/documents/{id}/recipients.xlsx?state=overdue"),
            )
            .await;
        assert_eq!(xlsx.0, StatusCode::OK);
        assert!(xlsx.2.starts_with(b"PK"));

        // Recall: the recipients see it recalled; nothing more can be done on it.
        let r = app
            .json(
                &mut hanoi,
                "POST",
                &format!("/api/v1/documents/{id}/recall"),
                json!({"reason": "x"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        let d = ok(
            &app,
            &mut central,
            "POST",
            &format!("/api/v1/documents/{id}/recall"),
            json!({"reason": "Ban hành nhầm đối tượng"}),
        )
        .await;
        assert_eq!(d["state"], "recalled");
        let e = ok(
            &app,
            &mut hanoi,
            "GET",
            &format!("/api/v1/incoming/{rid}"),
            json!({}),
        )
        .await;
        assert_eq!(e["recalled"], true);
        assert_eq!(e["recall_reason"], "Ban hành nhầm đối tượng");
        let mut badinh2 = badinh.clone();
        let inc = ok(
            &app,
            &mut badinh2,
            "GET",
            "/api/v1/units/00004/incoming",
            json!({}),
        )
        .await;
        let brid = inc["items"][0]["id"].as_i64().expect("Ba Đình's entry");
        let r = app
            .json(
                &mut badinh,
                "POST",
                &format!("/api/v1/incoming/{brid}/acknowledge"),
                json!({}),
            )
            .await;
        problem(
            &r,
            StatusCode::UNPROCESSABLE_ENTITY,
            "acknowledging a recalled document",
        );
    }
);

both_backends!(
    only_the_signer_signs_and_drafts_stay_home,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut badinh = app.api_client(BADINH).await;
        // The Ba Đình treasurer's position signs; the chair drafts but cannot sign.
        let treasurer = held_position(&app, "00004", TREASURER).await;
        let d = call(
            &app,
            &mut badinh,
            "POST",
            "/api/v1/units/00004/documents",
            json!({"type_code": "cv", "summary": "Về việc thu quỹ", "signer_position_id": treasurer,
               "recipients": [{"kind": "level", "level": "branch"}]}),
            StatusCode::CREATED,
        )
        .await;
        let id = d["id"].as_i64().expect("id");
        let r = app
            .json(
                &mut badinh,
                "POST",
                &format!("/api/v1/documents/{id}/sign"),
                json!({}),
            )
            .await;
        problem(&r, StatusCode::NOT_FOUND, "not the signer");
        let r = app
            .json(
                &mut badinh,
                "POST",
                &format!("/api/v1/documents/{id}/issue"),
                json!({}),
            )
            .await;
        problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "issued unsigned");
        let mut treas = app.api_client(TREASURER).await;
        ok(
            &app,
            &mut treas,
            "POST",
            &format!("/api/v1/documents/{id}/sign"),
            json!({}),
        )
        .await;
        let d = ok(
            &app,
            &mut badinh,
            "POST",
            &format!("/api/v1/documents/{id}/issue"),
            json!({}),
        )
        .await;
        assert_eq!(d["symbol"], "1/HKH", "a công văn has no kind in its symbol");
        // A draft is seen by its unit and above, never by a unit it is not addressed to.
        let mut hoabinh = app.api_client(HOABINH).await;
        let id2 = draft(
            &app,
            &mut badinh,
            "00004",
            BADINH,
            "Dự thảo",
            None,
            json!([{"kind": "level", "level": "branch"}]),
        )
        .await;
        call(
            &app,
            &mut hoabinh,
            "GET",
            &format!("/api/v1/documents/{id2}"),
            json!({}),
            StatusCode::NOT_FOUND,
        )
        .await;
        let mut hanoi = app.api_client(HANOI).await;
        ok(
            &app,
            &mut hanoi,
            "GET",
            &format!("/api/v1/documents/{id2}"),
            json!({}),
        )
        .await;
        // A signer of another unit, a past reply date, an unknown kind: refused.
        let other = held_position(&app, "01", HANOI).await;
        for (body, field) in [
            (
                json!({"type_code": "kh", "summary": "x", "signer_position_id": other, "recipients": [{"kind": "level", "level": "branch"}]}),
                "signer_position_id",
            ),
            (
                json!({"type_code": "kh", "summary": "x", "signer_position_id": treasurer, "reply_due": days_from_today(-1), "recipients": [{"kind": "level", "level": "branch"}]}),
                "reply_due",
            ),
            (
                json!({"type_code": "zz", "summary": "x", "signer_position_id": treasurer, "recipients": [{"kind": "level", "level": "branch"}]}),
                "type_code",
            ),
            (
                json!({"type_code": "kh", "summary": "x", "signer_position_id": treasurer, "recipients": []}),
                "recipients",
            ),
        ] {
            let r = app
                .json(&mut badinh, "POST", "/api/v1/units/00004/documents", body)
                .await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{field}: {}",
                r.body
            );
            assert!(r.body.contains(field), "{field}: {}", r.body);
        }
        // Out of scope: the unit's registers.
        call(
            &app,
            &mut hoabinh,
            "GET",
            "/api/v1/units/00004/documents",
            json!({}),
            StatusCode::NOT_FOUND,
        )
        .await;
        call(
            &app,
            &mut hoabinh,
            "GET",
            "/api/v1/units/00004/incoming",
            json!({}),
            StatusCode::NOT_FOUND,
        )
        .await;
        call(&app, &mut hoabinh, "POST", "/api/v1/units/00004/documents", json!({"type_code": "kh", "summary": "x", "signer_position_id": treasurer, "recipients": [{"kind": "level", "level": "branch"}]}), StatusCode::NOT_FOUND).await;
    }
);

both_backends!(the_whole_country_at_once, |b: Backend| async move {
    // Every commune of the country (3,321 on the 2025 map): frozen in a few statements, counted
    // by one grouped query, listed by key, each entered once in its own register.
    let app = TestApp::new(b).await;
    let mut central = app.api_client(CENTRAL).await;
    let communes = scalar(
        &app,
        "SELECT COUNT(*) FROM units WHERE level = 'commune' AND valid_to IS NULL",
    )
    .await;
    assert!(communes > 3_000, "{communes} communes");
    let d = issue_doc(
        &app,
        &mut central,
        "VN",
        CENTRAL,
        "Công văn gửi toàn quốc",
        Some(days_from_today(7)),
        json!([{"kind": "level", "level": "commune"}, {"kind": "cluster", "code": "DEMO-1"}]),
    )
    .await;
    let id = d["id"].as_i64().expect("id");
    let c = counts(&app, &central, id).await;
    // The cluster's three provinces come on top of the communes.
    assert_eq!(c["delivered"].as_i64(), Some(communes + 3), "{c}");
    assert_eq!(c["overdue"], 0);
    let once = scalar(
        &app,
        &format!(
            "SELECT COUNT(*) FROM document_recipients WHERE document_id = {id} AND entry_number = 1"
        ),
    )
    .await;
    assert_eq!(once, communes + 3);
    let page = ok(
        &app,
        &mut central,
        "GET",
        &format!("/api/v1/documents/{id}/recipients?per_page=200"),
        json!({}),
    )
    .await;
    assert_eq!(page["total"].as_i64(), Some(communes + 3));
    let next = page["next_cursor"].as_str().expect("more pages");
    let page2 = ok(
        &app,
        &mut central,
        "GET",
        &format!("/api/v1/documents/{id}/recipients?per_page=200&cursor={next}"),
        json!({}),
    )
    .await;
    assert_eq!(page2["items"].as_array().map(Vec::len), Some(200));
    assert!(page2["items"][0]["id"].as_i64() > page["items"][199]["id"].as_i64());
});
