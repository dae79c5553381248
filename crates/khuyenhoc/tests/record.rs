//! The lifelong-learning record (issue 19, item 5), on SQLite and PostgreSQL: every kind in
//! order over the years (two years of evaluations, a revoked and a valid certificate, a paid
//! scholarship of a nomination naming the person, no trainings yet), the page, the PDF (text
//! extracted by `pdftotext`), the signed bundle (checked with the project's own verifier, and
//! broken by any change), officers in scope only; and share links: stored hashed, the phone
//! masked and no ID number, views counted, expiry, withdrawal, and the clear messages after.

mod common;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;
use serde_json::{json, Value};

fn pdf_text(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let dir = tempfile::tempdir().expect("dir");
    let pdf = dir.path().join("d.pdf");
    std::fs::write(&pdf, bytes).expect("write the PDF");
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils, installed by scripts/test-services.sh)");
    assert!(out.status.success(), "pdftotext failed");
    khuyenhoc_domain::text::clean(&String::from_utf8_lossy(&out.stdout))
}

/// Two years of the citizen's Learning Citizen title (the older one revoked) and a paid
/// scholarship naming her; returns (revoked code, valid code).
#[allow(clippy::too_many_lines)] // one story: two years of titles, one revoked, and a paid scholarship
async fn a_learning_life(app: &TestApp, citizen: i64) -> (String, String) {
    let mut badinh = app.api_client(BADINH).await;
    let year = this_year();
    let old = citizen_evaluation(app, &mut badinh, citizen, year - 1, Stage::Recognised).await;
    let new = citizen_evaluation(app, &mut badinh, citizen, year, Stage::Recognised).await;
    let code = |d: &Value| d["certificate"]["code"].as_str().expect("code").to_owned();
    let (old, new) = (code(&old), code(&new));
    call(
        app,
        &mut badinh,
        "POST",
        &format!("/api/v1/certificates/{old}/revoke"),
        json!({"reason": "Cấp nhầm năm"}),
        StatusCode::OK,
    )
    .await;
    let mut t = app.api_client(TREASURER).await;
    let fund = open_fund(app, &mut t, "00004", "HB-HS", "Quỹ học bổng Ba Đình").await;
    call(
        app,
        &mut t,
        "POST",
        &format!("/api/v1/funds/{fund}/entries"),
        json!({"category": "donation", "amount": "10.000.000", "date": khuyenhoc::db::today(), "party": "Nhà hảo tâm"}),
        StatusCode::CREATED,
    )
    .await;
    let p = call(
        app,
        &mut t,
        "POST",
        &format!("/api/v1/funds/{fund}/programmes"),
        json!({"kind": "scholarship", "name": "Học bổng Vượt khó", "target_group": "Người học vượt khó",
               "criteria": "Học tập chăm chỉ", "amount_each": "2.000.000"}),
        StatusCode::CREATED,
    )
    .await;
    let pid = p["id"].as_i64().expect("programme");
    let mut branch = app.api_client(BRANCH_OFFICER).await;
    let nominations = format!("/api/v1/programmes/{pid}/nominations");
    // A person outside the nominating officer's scope cannot be named.
    let outside = app.person_id(HOABINH).await;
    let r = app
        .json(
            &mut branch,
            "POST",
            &nominations,
            json!({"unit_code": "00004-1", "full_name": "Hoàng Văn Bình", "reason": "Thử", "person_id": outside}),
        )
        .await;
    let j = problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "out of scope nominee");
    assert_eq!(j["errors"][0]["field"], "person_id");
    let n = call(
        app,
        &mut branch,
        "POST",
        &nominations,
        json!({"unit_code": "00004-1", "full_name": "Đỗ Thị Lan", "reason": "Tự học suốt đời", "person_id": citizen}),
        StatusCode::CREATED,
    )
    .await;
    let nid = n["id"].as_i64().expect("nomination");
    // A second nomination, not naming her, is paid too and stays out of her record.
    call(
        app,
        &mut branch,
        "POST",
        &nominations,
        json!({"unit_code": "00004-1", "full_name": "Đỗ Văn Khác", "reason": "Vượt khó"}),
        StatusCode::CREATED,
    )
    .await;
    for id in [nid, nid + 1] {
        call(
            app,
            &mut t,
            "POST",
            &format!("/api/v1/nominations/{id}/decision"),
            json!({"decision": "select", "reason": "Đủ tiêu chí"}),
            StatusCode::OK,
        )
        .await;
    }
    call(
        app,
        &mut t,
        "POST",
        &format!("/api/v1/programmes/{pid}/payments"),
        json!({"asset": "cash"}),
        StatusCode::CREATED,
    )
    .await;
    (old, new)
}

both_backends!(
    the_record_shows_prints_and_signs_a_learning_life,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let citizen = app.person_id(CITIZEN).await;
        let (old, new) = a_learning_life(&app, citizen).await;
        let year = i64::from(this_year());

        // The API: every kind, in order over the years.
        let mut me = app.api_client(CITIZEN).await;
        let r = call(
            &app,
            &mut me,
            "GET",
            "/api/v1/me/record",
            json!(null),
            StatusCode::OK,
        )
        .await;
        let years: Vec<i64> = r["evaluations"]
            .as_array()
            .expect("evaluations")
            .iter()
            .map(|e| e["year"].as_i64().expect("year"))
            .collect();
        assert_eq!(years, vec![year - 1, year], "{r}");
        assert_eq!(r["evaluations"][0]["revoked"], true);
        assert_eq!(r["evaluations"][1]["status"], "recognised");
        let certs: Vec<(&str, &str)> = r["certificates"]
            .as_array()
            .expect("certs")
            .iter()
            .map(|c| {
                (
                    c["code"].as_str().expect("code"),
                    c["status"].as_str().expect("status"),
                )
            })
            .collect();
        assert_eq!(
            certs,
            vec![(old.as_str(), "revoked"), (new.as_str(), "valid")]
        );
        let awards = r["awards"].as_array().expect("awards");
        assert_eq!(awards.len(), 1, "only the nomination naming her: {r}");
        assert_eq!(awards[0]["amount"], 2_000_000);
        assert_eq!(awards[0]["programme"], "Học bổng Vượt khó");
        assert_eq!(awards[0]["kind"], "scholarship");
        assert_eq!(r["trainings"], json!([]));
        assert_eq!(r["capped"], false);
        assert_eq!(r["person"]["phone"], CITIZEN);

        // The page.
        let mut web = app.login(CITIZEN).await;
        let page = app.get(&mut web, "/me/record").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        for needle in [
            "Hồ sơ học tập suốt đời",
            "Đỗ Thị Lan",
            &format!("/verify/{new}"),
            "Học bổng Vượt khó",
            "2.000.000",
            "Chưa có dữ liệu",
            "Đã bị thu hồi",
        ] {
            assert!(page.body.contains(needle), "page lacks {needle}");
        }

        // The PDF: Vietnamese text as printed.
        let (status, headers, bytes) = app.download(&web, "/me/record.pdf").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-type"], "application/pdf");
        let text = pdf_text(&bytes);
        for needle in [
            "HỒ SƠ HỌC TẬP SUỐT ĐỜI",
            "Đỗ Thị Lan",
            "ĐÁNH GIÁ DANH HIỆU HỌC TẬP",
            "Học bổng Vượt khó",
            "2.000.000",
            "HỘI KHUYẾN HỌC PHƯỜNG BA ĐÌNH",
            "Đã bị thu hồi",
        ] {
            assert!(text.contains(needle), "PDF lacks {needle}:\n{text}");
        }
        let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        assert!(
            squeezed.contains(&new),
            "PDF lacks the certificate code {new}"
        );

        // The signed bundle: the valid certificate as issued and the summary, verified by the
        // project's own verifier with the program's key; any change breaks it.
        let (status, headers, bytes) = app.download(&web, "/me/record/presentation.json").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-type"], "application/vp+json");
        let vp: Value = serde_json::from_slice(&bytes).expect("JSON");
        // The key the presentation's proof names, among those the program's DID documents
        // publish; the holder and its credentials are signed as the central office and the
        // recognising commune with the same installation key.
        let key = khuyenhoc::credentials::proof_key(&app.db, &vp)
            .await
            .expect("keys")
            .expect("a published key");
        assert!(
            vp["proof"][0]["verificationMethod"]
                .as_str()
                .is_some_and(|m| m.starts_with("did:web:127.0.0.1%3A8080:units:VN#")),
            "{vp}"
        );
        assert_eq!(khuyenhoc_docs::verify_presentation(&vp, &key), Ok(()));
        assert_eq!(vp["type"], json!(["VerifiablePresentation"]));
        let held = vp["verifiableCredential"].as_array().expect("held");
        assert_eq!(held.len(), 2, "the revoked certificate is left out: {vp}");
        let stored: String =
            sqlx::query_scalar("SELECT credential FROM certificates WHERE code = $1")
                .bind(&new)
                .fetch_one(&app.db.pool)
                .await
                .expect("stored");
        assert_eq!(
            held[0],
            serde_json::from_str::<Value>(&stored).expect("stored JSON"),
            "as issued"
        );
        assert_eq!(khuyenhoc_docs::verify_badge(&held[0], &key), Ok(()));
        let summary = &held[1]["credentialSubject"];
        assert_eq!(summary["name"], "Đỗ Thị Lan");
        assert_eq!(summary["awards"][0]["amountVnd"], 2_000_000);
        assert_eq!(summary["evaluations"].as_array().map(Vec::len), Some(2));
        assert!(
            !String::from_utf8_lossy(&bytes).contains("national"),
            "no ID number in the bundle"
        );
        for path in [
            "/verifiableCredential/1/credentialSubject/name",
            "/verifiableCredential/0/credentialSubject/name",
            "/verifiableCredential/1/credentialSubject/awards/0/amountVnd",
        ] {
            let mut changed = vp.clone();
            *changed.pointer_mut(path).expect(path) = json!("Đỗ Thị Lam");
            assert!(
                khuyenhoc_docs::verify_presentation(&changed, &key).is_err(),
                "{path} changed and still verifies"
            );
        }

        // Officers: in scope they read it (page, PDF, API); out of scope it does not exist.
        let mut badinh = app.login(BADINH).await;
        let p = app
            .get(&mut badinh, &format!("/people/{citizen}/record"))
            .await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.body.contains("Học bổng Vượt khó") && p.body.contains(&format!("/verify/{new}")));
        assert!(
            !p.body.contains("/me/record/links"),
            "an officer does not manage her links"
        );
        let (status, _, bytes) = app
            .download(&badinh, &format!("/people/{citizen}/record.pdf"))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            pdf_text(&bytes).contains("Lê Văn Đình"),
            "printed by the chair"
        );
        let mut hoabinh = app.login(HOABINH).await;
        let p = app
            .get(&mut hoabinh, &format!("/people/{citizen}/record"))
            .await;
        assert_eq!(p.status, StatusCode::NOT_FOUND);
        let (status, _, _) = app
            .download(&hoabinh, &format!("/people/{citizen}/record.pdf"))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let mut hoabinh_api = app.api_client(HOABINH).await;
        let r = app
            .get(
                &mut hoabinh_api,
                &format!("/api/v1/people/{citizen}/record"),
            )
            .await;
        problem(&r, StatusCode::NOT_FOUND, "out of scope");
        let other = app.person_id(BRANCH_OFFICER).await;
        let r = app
            .get(&mut me, &format!("/api/v1/people/{other}/record"))
            .await;
        assert_ne!(
            r.status,
            StatusCode::OK,
            "a citizen reads no one else's record"
        );
    }
);

fn token_in(body: &str) -> String {
    let at = body.find("/shared/record/").expect("a link on the page") + "/shared/record/".len();
    body[at..at + 64].to_owned()
}

both_backends!(
    share_links_open_until_they_expire_or_are_withdrawn,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let citizen = app.person_id(CITIZEN).await;
        let mut web = app.login(CITIZEN).await;
        // Out of range: refused beside the field, nothing made.
        for days in ["0", "91", "bảy"] {
            let r = app
                .post_form(&mut web, "/me/record/links", &[("days", days)])
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{days}");
            assert!(r.body.contains("Số ngày hiệu lực từ 1 đến 90"), "{days}");
        }
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM record_links").await, 0);
        let r = app
            .post_form(&mut web, "/me/record/links", &[("days", "7")])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let token = token_in(&r.body);
        // Kept hashed only.
        let stored: String = sqlx::query_scalar("SELECT token_hash FROM record_links")
            .fetch_one(&app.db.pool)
            .await
            .expect("row");
        assert_ne!(stored, token);
        assert_eq!(stored, khuyenhoc::auth::secret_hash(&token));

        // A stranger reads it: no ID number, the phone masked; each reading counted.
        let mut stranger = Client::default();
        let shared = format!("/shared/record/{token}");
        for n in 1..=2 {
            let p = app.get(&mut stranger, &shared).await;
            assert_eq!(p.status, StatusCode::OK, "{}", p.body);
            assert!(p.body.contains("Đỗ Thị Lan"));
            assert!(
                p.body.contains("090*****06") && !p.body.contains(CITIZEN),
                "phone masked"
            );
            assert!(!p.body.contains("Số định danh") && !p.body.contains("/me/record.pdf"));
            assert_eq!(scalar(&app, "SELECT views FROM record_links").await, n);
        }
        let mine = app.get(&mut web, "/me/record").await;
        assert!(mine.body.contains("2 lượt xem"), "the owner sees the count");

        // After its expiry the link says so, in Vietnamese; views stop counting.
        let now = app.state.clock.now();
        app.state
            .clock
            .set(now + chrono::Duration::days(7) + chrono::Duration::seconds(5));
        let p = app.get(&mut stranger, &shared).await;
        assert_eq!(p.status, StatusCode::GONE);
        assert!(p.body.contains("Liên kết này đã hết hạn"), "{}", p.body);
        assert!(!p.body.contains("Đỗ Thị Lan"));
        assert_eq!(scalar(&app, "SELECT views FROM record_links").await, 2);
        app.state.clock.set(now);

        // Through the API: made, read, withdrawn, then closed; someone else cannot withdraw it.
        let mut api = app.api_client(CITIZEN).await;
        let r = app
            .json(
                &mut api,
                "POST",
                "/api/v1/me/record/links",
                json!({"days": 91}),
            )
            .await;
        problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "91 days");
        let made = call(
            &app,
            &mut api,
            "POST",
            "/api/v1/me/record/links",
            json!({"days": 30}),
            StatusCode::CREATED,
        )
        .await;
        let id = made["link"]["id"].as_i64().expect("id");
        let token2 = made["token"].as_str().expect("token").to_owned();
        let shared2 = format!("/shared/record/{token2}");
        assert_eq!(
            app.get(&mut stranger, &shared2).await.status,
            StatusCode::OK
        );
        let list = call(
            &app,
            &mut api,
            "GET",
            "/api/v1/me/record/links",
            json!(null),
            StatusCode::OK,
        )
        .await;
        assert_eq!(list["total"], 2);
        assert_eq!(list["items"][0]["id"], id, "newest first");
        let withdraw = format!("/api/v1/me/record/links/{id}/withdraw");
        let mut badinh = app.api_client(BADINH).await;
        let r = app.json(&mut badinh, "POST", &withdraw, json!({})).await;
        problem(&r, StatusCode::NOT_FOUND, "another person's link");
        let w = call(&app, &mut api, "POST", &withdraw, json!({}), StatusCode::OK).await;
        assert_eq!(w["state"], "withdrawn");
        let r = app.json(&mut api, "POST", &withdraw, json!({})).await;
        problem(&r, StatusCode::BAD_REQUEST, "withdrawn twice");
        let p = app.get(&mut stranger, &shared2).await;
        assert_eq!(p.status, StatusCode::GONE);
        assert!(p.body.contains("Người học đã thu hồi liên kết này"));

        // The page's withdraw button does the same for the first link.
        let first: i64 = scalar(&app, "SELECT MIN(id) FROM record_links").await;
        let r = app
            .post_form(&mut web, &format!("/me/record/links/{first}/withdraw"), &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.get(&mut stranger, &shared).await.status,
            StatusCode::GONE
        );

        // A made-up token is no record.
        let p = app
            .get(&mut stranger, &format!("/shared/record/{}", "a".repeat(64)))
            .await;
        assert_eq!(p.status, StatusCode::NOT_FOUND);
        assert!(p.body.contains("Không có hồ sơ nào ở liên kết này"));

        // Audited as the person's own acts: two made, two withdrawn.
        let audited: Vec<(String, Option<i64>)> = sqlx::query_as(
            "SELECT action, person_id FROM audit_log WHERE entity = 'record_link' ORDER BY id",
        )
        .fetch_all(&app.db.pool)
        .await
        .expect("audit");
        let actions: Vec<&str> = audited.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(actions, vec!["create", "create", "withdraw", "withdraw"]);
        assert!(audited.iter().all(|(_, p)| *p == Some(citizen)));
    }
);
