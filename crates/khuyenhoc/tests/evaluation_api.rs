//! The JSON API of learning models: a Learning Citizen from registration to a signed, verifiable
//! and revocable certificate; returns and resubmissions; the 80 / 70 / at-least-5 rules; officers
//! acting on someone's behalf; scope; and bad input, which always gets a 4xx problem+json.

mod common;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use khuyenhoc::db::Backend;
use serde_json::{json, Value};

/// Answers for all ten indicators: `points[i]` for the i-th.
fn answers(points: [u32; 10]) -> Value {
    let map: serde_json::Map<String, Value> = CITIZEN_INDICATORS
        .iter()
        .zip(points)
        .map(|(code, p)| ((*code).to_owned(), json!(p)))
        .collect();
    json!({ "answers": map })
}

/// A POST without any body.
async fn post_empty(app: &TestApp, c: &mut Client, path: &str) -> Resp {
    let req = Request::post(path).body(Body::empty()).expect("request");
    app.send(c, req).await
}

/// A request sent with a raw body.
async fn raw(app: &TestApp, c: &mut Client, method: &str, path: &str, body: &str) -> Resp {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_owned()))
        .expect("request");
    app.send(c, req).await
}

/// The citizen registers for this year's Learning Citizen title; returns the evaluation id.
async fn register_self(app: &TestApp, c: &mut Client, year: i32, form_group: &str) -> i64 {
    let r = app
        .json(
            c,
            "POST",
            "/api/v1/evaluations",
            json!({"model": "citizen", "year": year, "form_group": form_group}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["evaluation"]["id"]
        .as_i64()
        .expect("evaluation id")
}

fn actions(detail: &Value) -> Vec<String> {
    detail["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A new person in branch 00004-1 who can log in with the demo password.
async fn new_citizen(app: &TestApp, name: &str, phone: &str) -> Client {
    let mut chair = app.api_client(BADINH).await;
    register_person(app, &mut chair, "00004-1", name, phone).await;
    app.api_client(phone).await
}

both_backends!(
    citizen_lifecycle_to_a_revoked_certificate,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut citizen = app.api_client(CITIZEN).await;
        let mut branch = app.api_client(BRANCH_OFFICER).await;
        let mut chair = app.api_client(BADINH).await;
        let citizen_id = app.person_id(CITIZEN).await;

        // The criteria: listed, then read as parsed JSON with their TOML source.
        let sets = ok(
            &app,
            &mut citizen,
            "GET",
            "/api/v1/criteria?model=citizen",
            json!(null),
        )
        .await;
        let set = sets["items"]
            .as_array()
            .and_then(|s| s.iter().find(|x| x["owner"] == "VN"))
            .expect("the national citizen set")
            .clone();
        assert_eq!(
            (set["model"].as_str(), set["status"].as_str()),
            (Some("citizen"), Some("active"))
        );
        assert_eq!(set["title"], "Công dân học tập");
        let set_id = set["id"].as_i64().expect("id");
        let full = ok(
            &app,
            &mut citizen,
            "GET",
            &format!("/api/v1/criteria/{set_id}"),
            json!(null),
        )
        .await;
        assert_eq!(full["set"]["pass"]["threshold"], 80);
        assert_eq!(full["set"]["pass"]["min_each"], 5);
        assert_eq!(full["set"]["form_groups"].as_array().map(Vec::len), Some(4));
        assert!(full["source"]
            .as_str()
            .is_some_and(|s| s.contains("min_each = 5")));

        // Register (the subject named explicitly this time), answer everything, submit.
        let r = app
        .json(
            &mut citizen,
            "POST",
            "/api/v1/evaluations",
            json!({"model": "citizen", "subject": {"person_id": citizen_id}, "year": this_year(), "form_group": "farmer"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let j = r.json();
        assert_eq!(j["evaluation"]["status"], "registered");
        assert_eq!(j["evaluation"]["subject_name"], "Đỗ Thị Lan");
        assert_eq!(j["evaluation"]["unit_code"], "00004-1");
        assert_eq!(j["criteria"]["id"], set_id);
        assert_eq!(j["score"]["missing"].as_array().map(Vec::len), Some(10));
        let id = j["evaluation"]["id"].as_i64().expect("id");
        let again = app
            .json(
                &mut citizen,
                "POST",
                "/api/v1/evaluations",
                json!({"model": "citizen", "year": this_year(), "form_group": "farmer"}),
            )
            .await;
        problem(
            &again,
            StatusCode::CONFLICT,
            "a second registration for the same title and year",
        );

        let path = format!("/api/v1/evaluations/{id}");
        let j = ok(
            &app,
            &mut citizen,
            "PUT",
            &format!("{path}/answers"),
            answers([9, 9, 9, 9, 8, 9, 9, 9, 9, 9]),
        )
        .await;
        let s = &j["score"];
        assert_eq!(
            (
                s["total"].as_i64(),
                s["max_total"].as_i64(),
                s["threshold"].as_i64()
            ),
            (Some(89), Some(100), Some(80))
        );
        assert_eq!(s["passed"], true);
        assert_eq!(s["missing"].as_array().map(Vec::len), Some(0));
        assert_eq!(s["reasons"].as_array().map(Vec::len), Some(0));
        assert_eq!(j["evaluation"]["answers"]["digital"]["value"], 8);
        let j = ok(
            &app,
            &mut citizen,
            "POST",
            &format!("{path}/submit"),
            json!({}),
        )
        .await;
        assert_eq!(j["evaluation"]["status"], "submitted");
        let late = app
            .json(
                &mut citizen,
                "PUT",
                &format!("{path}/answers"),
                json!({"answers": {"reads": 10}}),
            )
            .await;
        problem(
            &late,
            StatusCode::BAD_REQUEST,
            "answers cannot change once submitted",
        );

        // The branch checks; the list of the branch shows it.
        let j = ok(
            &app,
            &mut branch,
            "POST",
            &format!("{path}/check"),
            json!({"note": "  Đã xác minh   tại nhà "}),
        )
        .await;
        assert_eq!(j["evaluation"]["status"], "checked");
        let list = ok(
            &app,
            &mut branch,
            "GET",
            &format!(
                "/api/v1/evaluations?unit=00004-1&year={}&status=checked",
                this_year()
            ),
            json!(null),
        )
        .await;
        assert_eq!(list["total"], 1);
        assert_eq!(list["items"][0]["id"], id);

        // The commune adjusts one indicator with a comment and recognises.
        let review = json!({
            "adjustments": {"digital": {"adjusted": 7, "comment": "Chưa tự dùng được dịch vụ công trực tuyến"}},
            "decision": "recognise", "decision_no": "15/QĐ-KH", "decision_date": today()
        });
        let j = ok(&app, &mut chair, "POST", &format!("{path}/review"), review).await;
        assert_eq!(j["evaluation"]["status"], "recognised");
        assert_eq!(j["evaluation"]["total"], 88);
        assert_eq!(j["score"]["total"], 88);
        let digital = &j["evaluation"]["answers"]["digital"];
        assert_eq!(
            (digital["value"].as_i64(), digital["adjusted"].as_i64()),
            (Some(8), Some(7))
        );
        assert_eq!(
            digital["comment"],
            "Chưa tự dùng được dịch vụ công trực tuyến"
        );
        assert_eq!(actions(&j), ["register", "submit", "check", "recognised"]);
        assert_eq!(j["events"][2]["note"], "Đã xác minh tại nhà");
        assert_eq!(j["events"][3]["person_name"], "Lê Văn Đình");
        let cert = &j["certificate"];
        assert_eq!(
            (cert["decision_no"].as_str(), cert["status"].as_str()),
            (Some("15/QĐ-KH"), Some("valid"))
        );
        let code = cert["code"].as_str().expect("certificate code").to_owned();

        // The citizen sees it among their own.
        let mine = ok(
            &app,
            &mut citizen,
            "GET",
            "/api/v1/me/evaluations",
            json!(null),
        )
        .await;
        assert_eq!(mine["items"][0]["id"], id);
        assert_eq!(mine["items"][0]["status"], "recognised");

        // Anyone verifies it, without learning the full name.
        let mut anon = Client::default();
        let r = app
            .get(&mut anon, &format!("/api/v1/certificates/{code}"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let v = r.json();
        assert_eq!(v["status"], "valid");
        assert_eq!(v["holder"], "Đỗ T. L.");
        assert_eq!(v["year"], this_year());
        assert_eq!(v["title"], "Công dân học tập");
        assert_eq!(v["issuer"], "Hội Khuyến học Phường Ba Đình");
        assert!(
            !r.body.contains("Thị Lan") && !r.body.contains("Lê Văn Đình"),
            "{}",
            r.body
        );
        let lower = app
            .get(
                &mut anon,
                &format!("/api/v1/certificates/{}", code.to_lowercase()),
            )
            .await;
        assert_eq!(lower.json()["code"], code.as_str());

        // The signed credential: for the holder and officers in scope, and it verifies.
        let cred_path = format!("/api/v1/certificates/{code}/credential");
        let r = app.get(&mut anon, &cred_path).await;
        problem(&r, StatusCode::UNAUTHORIZED, "the credential needs a login");
        let cred = ok(&app, &mut citizen, "GET", &cred_path, json!(null)).await;
        let key = khuyenhoc::credentials::proof_key(&app.db, &cred)
            .await
            .expect("key")
            .expect("a key this program signed with");
        khuyenhoc_docs::verify_badge(&cred, &key).expect("the credential verifies");
        let mut tampered = cred.clone();
        tampered["credentialSubject"]["name"] = json!("Người Khác");
        assert!(
            khuyenhoc_docs::verify_badge(&tampered, &key).is_err(),
            "a changed credential must not verify"
        );
        let as_chair = ok(&app, &mut chair, "GET", &cred_path, json!(null)).await;
        assert_eq!(as_chair, cred);

        // Revocation: not by the holder, not by the branch; by the commune, once.
        let revoke_path = format!("/api/v1/certificates/{code}/revoke");
        let r = app
            .json(
                &mut citizen,
                "POST",
                &revoke_path,
                json!({"reason": "Tự rút"}),
            )
            .await;
        problem(&r, StatusCode::NOT_FOUND, "the holder cannot revoke");
        let r = app
            .json(
                &mut branch,
                "POST",
                &revoke_path,
                json!({"reason": "Khai sai"}),
            )
            .await;
        problem(&r, StatusCode::NOT_FOUND, "a branch cannot revoke");
        let r = app
            .json(&mut chair, "POST", &revoke_path, json!({"reason": "  "}))
            .await;
        problem(
            &r,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a revocation needs a reason",
        );
        let j = ok(
            &app,
            &mut chair,
            "POST",
            &revoke_path,
            json!({"reason": "Phát hiện khai không đúng sự thật"}),
        )
        .await;
        assert_eq!(j["status"], "revoked");
        let r = app
            .json(
                &mut chair,
                "POST",
                &revoke_path,
                json!({"reason": "Lần nữa"}),
            )
            .await;
        problem(&r, StatusCode::BAD_REQUEST, "a certificate is revoked once");
        let v = app
            .get(&mut anon, &format!("/api/v1/certificates/{code}"))
            .await
            .json();
        assert_eq!(v["status"], "revoked");
        assert_eq!(v["status_en"], "Revoked");
        // Anyone learns when, not why: the reason stays with the officers.
        // The day in Vietnam, whatever the hour of the run.
        let today = khuyenhoc::i18n::vn_date(chrono::Utc::now())
            .format("%d/%m/%Y")
            .to_string();
        assert_eq!(v["revoked_on"], today.as_str());
        assert!(!v.to_string().contains("khai không đúng"), "{v}");
        let page = app.get(&mut anon, &format!("/verify/{code}")).await.body;
        assert!(page.contains(&today), "{page}");
        assert!(!page.contains("khai không đúng"), "{page}");

        // The OpenAPI document describes these routes.
        let doc = app.get(&mut anon, "/api/v1/openapi.json").await.json();
        assert!(doc["paths"]["/api/v1/evaluations/{id}/answers"]["put"]["requestBody"].is_object());
        assert!(doc["paths"]["/api/v1/certificates/{code}"]["get"].is_object());
    }
);

both_backends!(returned_and_resubmitted, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut citizen = app.api_client(CITIZEN).await;
    let mut chair = app.api_client(BADINH).await;
    let id = register_self(&app, &mut citizen, this_year(), "worker").await;
    let path = format!("/api/v1/evaluations/{id}");

    // Submitting with answers missing is refused and lists what is missing.
    let r = post_empty(&app, &mut citizen, &format!("{path}/submit")).await;
    problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "submit without answers",
    );
    assert!(
        r.json()["title_en"]
            .as_str()
            .is_some_and(|t| t.contains("has no answer")),
        "{}",
        r.body
    );

    ok(
        &app,
        &mut citizen,
        "PUT",
        &format!("{path}/answers"),
        answers([8; 10]),
    )
    .await;
    let r = post_empty(&app, &mut citizen, &format!("{path}/submit")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // The commune returns it straight from "submitted", with a reason.
    let r = app
        .json(
            &mut chair,
            "POST",
            &format!("{path}/return"),
            json!({"reason": ""}),
        )
        .await;
    problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a return needs a reason",
    );
    let r = app
        .json(&mut chair, "POST", &format!("{path}/return"), json!({}))
        .await;
    problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a return without the reason field",
    );
    let j = ok(
        &app,
        &mut chair,
        "POST",
        &format!("{path}/return"),
        json!({"reason": "Cần ghi rõ sách đã đọc trong năm"}),
    )
    .await;
    assert_eq!(j["evaluation"]["status"], "returned");
    let r = app
        .json(
            &mut chair,
            "POST",
            &format!("{path}/return"),
            json!({"reason": "Lần hai"}),
        )
        .await;
    problem(
        &r,
        StatusCode::BAD_REQUEST,
        "a returned evaluation cannot be returned again",
    );

    // The citizen changes an answer, clears and refills another, and resubmits.
    let j = ok(
        &app,
        &mut citizen,
        "PUT",
        &format!("{path}/answers"),
        json!({"answers": {"reads": 10, "numeracy": null}}),
    )
    .await;
    assert_eq!(j["score"]["total"], 74);
    assert_eq!(j["score"]["missing"][0]["code"], "numeracy");
    assert_eq!(j["score"]["passed"], false);
    let j = ok(
        &app,
        &mut citizen,
        "PUT",
        &format!("{path}/answers"),
        json!({"answers": {"numeracy": 9}}),
    )
    .await;
    assert_eq!(j["score"]["total"], 83);
    let j = ok(
        &app,
        &mut citizen,
        "POST",
        &format!("{path}/submit"),
        json!({}),
    )
    .await;
    assert_eq!(j["evaluation"]["status"], "submitted");
    assert_eq!(j["evaluation"]["total"], 83);

    // The history: who did what, in order.
    let d = ok(&app, &mut citizen, "GET", &path, json!(null)).await;
    assert_eq!(actions(&d), ["register", "submit", "return", "submit"]);
    let who: Vec<&str> = d["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["person_name"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        who,
        ["Đỗ Thị Lan", "Đỗ Thị Lan", "Lê Văn Đình", "Đỗ Thị Lan"]
    );
    assert_eq!(d["events"][2]["note"], "Cần ghi rõ sách đã đọc trong năm");
    assert!(d["events"][2]["position_name"]
        .as_str()
        .is_some_and(|p| p.contains("Chủ tịch") && p.contains("Ba Đình")));
    assert!(d["events"]
        .as_array()
        .expect("events")
        .iter()
        .all(|e| e["on_behalf"] == false));
});

both_backends!(thresholds_and_minimums, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut citizen = app.api_client(CITIZEN).await;
    let mut chair = app.api_client(BADINH).await;
    let id = register_self(&app, &mut citizen, this_year(), "official").await;
    let path = format!("/api/v1/evaluations/{id}");
    let recognise =
        json!({"decision": "recognise", "decision_no": "20/QĐ-KH", "decision_date": today()});

    // 79 points: submitted, but it cannot be recognised.
    let j = ok(
        &app,
        &mut citizen,
        "PUT",
        &format!("{path}/answers"),
        answers([8, 8, 8, 8, 8, 8, 8, 8, 8, 7]),
    )
    .await;
    assert_eq!(j["score"]["total"], 79);
    assert_eq!(j["score"]["passed"], false);
    assert!(j["score"]["reasons"][0]["en"]
        .as_str()
        .is_some_and(|t| t.contains("79") && t.contains("80")));
    ok(
        &app,
        &mut citizen,
        "POST",
        &format!("{path}/submit"),
        json!(null),
    )
    .await;
    let r = app
        .json(
            &mut chair,
            "POST",
            &format!("{path}/review"),
            recognise.clone(),
        )
        .await;
    problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "79 points");
    assert!(
        r.json()["title_en"]
            .as_str()
            .is_some_and(|t| t.contains("The total 79 is below the threshold 80")),
        "{}",
        r.body
    );
    let d = ok(&app, &mut chair, "GET", &path, json!(null)).await;
    assert_eq!(
        d["evaluation"]["status"], "submitted",
        "a refused recognition changes nothing"
    );
    assert!(d["certificate"].is_null());

    // 94 points with one indicator at 4: still not, because of the minimum of 5.
    ok(
        &app,
        &mut chair,
        "POST",
        &format!("{path}/return"),
        json!({"reason": "Chấm lại theo hướng dẫn"}),
    )
    .await;
    let j = ok(
        &app,
        &mut citizen,
        "PUT",
        &format!("{path}/answers"),
        answers([10, 10, 10, 10, 10, 10, 10, 4, 10, 10]),
    )
    .await;
    assert_eq!(j["score"]["total"], 94);
    assert_eq!(j["score"]["passed"], false);
    ok(
        &app,
        &mut citizen,
        "POST",
        &format!("{path}/submit"),
        json!({}),
    )
    .await;
    let r = app
        .json(
            &mut chair,
            "POST",
            &format!("{path}/review"),
            recognise.clone(),
        )
        .await;
    problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "an indicator below 5");
    assert!(
        r.json()["title_en"]
            .as_str()
            .is_some_and(|t| t.contains("has 4 points, at least 5 needed")),
        "{}",
        r.body
    );

    // The reviewer raises it to 5 with a comment: 95 points, recognised.
    let mut review = recognise.clone();
    review["adjustments"] = json!({"critical_thinking": {"adjusted": 5, "comment": "Đã trao đổi trực tiếp, đạt mức tối thiểu"}});
    let j = ok(&app, &mut chair, "POST", &format!("{path}/review"), review).await;
    assert_eq!(
        (
            j["evaluation"]["status"].as_str(),
            j["evaluation"]["total"].as_i64()
        ),
        (Some("recognised"), Some(95))
    );

    // Exactly 80 passes (last year's evaluation of the same citizen).
    let last = register_self(&app, &mut citizen, this_year() - 1, "official").await;
    let lpath = format!("/api/v1/evaluations/{last}");
    let j = ok(
        &app,
        &mut citizen,
        "PUT",
        &format!("{lpath}/answers"),
        answers([8; 10]),
    )
    .await;
    assert_eq!(
        (j["score"]["total"].as_i64(), j["score"]["passed"].as_bool()),
        (Some(80), Some(true))
    );
    ok(
        &app,
        &mut citizen,
        "POST",
        &format!("{lpath}/submit"),
        json!({}),
    )
    .await;
    let j = ok(
        &app,
        &mut chair,
        "POST",
        &format!("{lpath}/review"),
        recognise.clone(),
    )
    .await;
    assert_eq!(j["evaluation"]["status"], "recognised");
    // Recognised after its year ended: the title runs to the end of the decision's year (a
    // certificate is never born expired).
    assert_eq!(j["certificate"]["status"], "valid");
    assert_eq!(
        j["certificate"]["valid_until"],
        format!("{}-12-31", this_year())
    );

    // In a disadvantaged commune the threshold is 70: Hà Nội marks Ba Đình through the API.
    let mut hanoi = app.api_client(HANOI).await;
    let j = ok(
        &app,
        &mut hanoi,
        "PATCH",
        "/api/v1/units/00004",
        json!({"disadvantaged": true, "year": this_year(), "source": "Quyết định 861/QĐ-TTg (mẫu thử)"}),
    )
    .await;
    assert_eq!(j["area"]["disadvantaged"], true, "{j}");
    assert_eq!(j["code"], "00004");
    let mut other = new_citizen(&app, "Quách Văn Tư", "0912000301").await;
    let oid = register_self(&app, &mut other, this_year(), "farmer").await;
    let opath = format!("/api/v1/evaluations/{oid}");
    let j = ok(
        &app,
        &mut other,
        "PUT",
        &format!("{opath}/answers"),
        answers([7, 7, 7, 7, 7, 7, 7, 7, 7, 6]),
    )
    .await;
    assert_eq!(j["evaluation"]["disadvantaged"], true);
    assert_eq!(
        (
            j["score"]["total"].as_i64(),
            j["score"]["threshold"].as_i64()
        ),
        (Some(69), Some(70))
    );
    assert_eq!(j["score"]["passed"], false);
    assert_eq!(
        j["score"]["threshold_reason"]["vi"],
        "Ngưỡng đạt: 70 điểm vì Phường Ba Đình thuộc vùng đặc biệt khó khăn (nguồn: Quyết định 861/QĐ-TTg (mẫu thử))"
    );
    let j = ok(
        &app,
        &mut other,
        "PUT",
        &format!("{opath}/answers"),
        json!({"answers": {"cooperation": 7}}),
    )
    .await;
    assert_eq!(
        (j["score"]["total"].as_i64(), j["score"]["passed"].as_bool()),
        (Some(70), Some(true))
    );
    ok(
        &app,
        &mut other,
        "POST",
        &format!("{opath}/submit"),
        json!({}),
    )
    .await;
    let j = ok(
        &app,
        &mut chair,
        "POST",
        &format!("{opath}/review"),
        recognise,
    )
    .await;
    assert_eq!(j["evaluation"]["status"], "recognised");

    // Not recognising needs a reason, and then the evaluation is closed.
    let nid = register_self(&app, &mut other, this_year() - 1, "farmer").await;
    ok(
        &app,
        &mut other,
        "PUT",
        &format!("/api/v1/evaluations/{nid}/answers"),
        answers([9; 10]),
    )
    .await;
    ok(
        &app,
        &mut other,
        "POST",
        &format!("/api/v1/evaluations/{nid}/submit"),
        json!({}),
    )
    .await;
    let r = app
        .json(
            &mut chair,
            "POST",
            &format!("/api/v1/evaluations/{nid}/review"),
            json!({"decision": "not_recognise"}),
        )
        .await;
    problem(
        &r,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not recognising without a reason",
    );
    let j = ok(
        &app,
        &mut chair,
        "POST",
        &format!("/api/v1/evaluations/{nid}/review"),
        json!({"decision": "not_recognise", "reason": "Không tham gia sinh hoạt chi hội"}),
    )
    .await;
    assert_eq!(j["evaluation"]["status"], "not_recognised");
    assert!(j["certificate"].is_null());
    assert_eq!(j["events"][2]["note"], "Không tham gia sinh hoạt chi hội");
});

both_backends!(officer_acts_on_behalf, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut citizen = app.api_client(CITIZEN).await;
    let mut branch = app.api_client(BRANCH_OFFICER).await;
    let mut hoabinh = app.api_client(HOABINH).await;
    let citizen_id = app.person_id(CITIZEN).await;
    let officer_id = app.person_id(BRANCH_OFFICER).await;
    let body = json!({"model": "citizen", "subject": {"person_id": citizen_id}, "year": this_year(), "form_group": "student"});

    // Only someone whose scope covers the citizen may register them.
    let r = app
        .json(&mut hoabinh, "POST", "/api/v1/evaluations", body.clone())
        .await;
    problem(&r, StatusCode::NOT_FOUND, "an officer of another province");
    let mut other = new_citizen(&app, "Lương Thị Hạnh", "0912000401").await;
    let r = app
        .json(&mut other, "POST", "/api/v1/evaluations", body.clone())
        .await;
    problem(&r, StatusCode::NOT_FOUND, "another citizen");
    let r = app
        .json(&mut citizen, "POST", "/api/v1/evaluations", json!({"model": "citizen", "subject": {"person_id": officer_id}, "year": this_year(), "form_group": "student"}))
        .await;
    problem(
        &r,
        StatusCode::NOT_FOUND,
        "a citizen registering an officer",
    );

    // The branch officer registers, fills in and submits for the citizen.
    let r = app
        .json(&mut branch, "POST", "/api/v1/evaluations", body)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let j = r.json();
    assert_eq!(j["evaluation"]["subject_id"], citizen_id);
    assert_eq!(j["evaluation"]["subject_name"], "Đỗ Thị Lan");
    let id = j["evaluation"]["id"].as_i64().expect("id");
    let path = format!("/api/v1/evaluations/{id}");
    ok(
        &app,
        &mut branch,
        "PUT",
        &format!("{path}/answers"),
        answers([9, 8, 8, 9, 10, 6, 9, 8, 9, 9]),
    )
    .await;
    let j = ok(
        &app,
        &mut branch,
        "POST",
        &format!("{path}/submit"),
        json!({}),
    )
    .await;
    assert_eq!(
        (
            j["evaluation"]["status"].as_str(),
            j["evaluation"]["total"].as_i64()
        ),
        (Some("submitted"), Some(85))
    );

    // The history names the officer and marks the steps as done on the citizen's behalf.
    let events = j["events"].as_array().expect("events");
    assert_eq!(actions(&j), ["register", "submit"]);
    for e in events {
        assert_eq!(e["on_behalf"], true, "{e}");
        assert_eq!(e["person_name"], "Phạm Thị Hoa", "{e}");
        assert!(
            e["position_name"]
                .as_str()
                .is_some_and(|p| p.contains("Cán bộ")),
            "{e}"
        );
    }

    // The citizen finds it as their own and reads it.
    let mine = ok(
        &app,
        &mut citizen,
        "GET",
        "/api/v1/me/evaluations",
        json!(null),
    )
    .await;
    assert_eq!(mine["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["items"][0]["id"], id);
    let d = ok(&app, &mut citizen, "GET", &path, json!(null)).await;
    assert_eq!(d["score"]["total"], 85);
    assert_eq!(d["evaluation"]["answers"]["foreign_language"]["value"], 6);
    // The officer's own list is empty of their own evaluations.
    let theirs = ok(
        &app,
        &mut branch,
        "GET",
        "/api/v1/me/evaluations",
        json!(null),
    )
    .await;
    assert_eq!(theirs["items"], json!([]));
});

both_backends!(scope_hides_what_is_not_yours, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut citizen = app.api_client(CITIZEN).await;
    let mut branch = app.api_client(BRANCH_OFFICER).await;
    let mut chair = app.api_client(BADINH).await;
    let mut hoabinh = app.api_client(HOABINH).await;
    let mut other = new_citizen(&app, "Trịnh Văn Sơn", "0912000501").await;
    let id = register_self(&app, &mut citizen, this_year(), "farmer").await;
    let path = format!("/api/v1/evaluations/{id}");
    ok(
        &app,
        &mut citizen,
        "PUT",
        &format!("{path}/answers"),
        answers([9; 10]),
    )
    .await;
    let missing = app.get(&mut hoabinh, "/api/v1/evaluations/987654").await;
    problem(&missing, StatusCode::NOT_FOUND, "a missing evaluation");

    let recognise =
        json!({"decision": "recognise", "decision_no": "30/QĐ-KH", "decision_date": today()});
    // Everything of Ba Đình's evaluation answers Hòa Bình's chair and another citizen 404, the
    // very answer for an evaluation that does not exist.
    for (who, c) in [
        ("Hòa Bình's chair", &mut hoabinh),
        ("another citizen", &mut other),
    ] {
        let tries = [
            app.get(c, &path).await,
            app.json(
                c,
                "PUT",
                &format!("{path}/answers"),
                json!({"answers": {"reads": 1}}),
            )
            .await,
            app.json(c, "PUT", &format!("{path}/answers"), json!({"answers": {}}))
                .await,
            post_empty(&app, c, &format!("{path}/submit")).await,
            app.json(c, "POST", &format!("{path}/check"), json!({}))
                .await,
            app.json(
                c,
                "POST",
                &format!("{path}/return"),
                json!({"reason": "Không rõ"}),
            )
            .await,
            app.json(c, "POST", &format!("{path}/review"), recognise.clone())
                .await,
            app.json(
                c,
                "POST",
                &format!("{path}/review"),
                json!({"decision": "recognise", "decision_date": "bad"}),
            )
            .await,
        ];
        for (n, r) in tries.iter().enumerate() {
            problem(r, StatusCode::NOT_FOUND, &format!("{who}, try {n}"));
            assert_eq!(
                r.body, missing.body,
                "{who}, try {n}: the 404 must not differ"
            );
        }
    }
    let r = app
        .get(&mut hoabinh, "/api/v1/evaluations?unit=00004")
        .await;
    problem(
        &r,
        StatusCode::NOT_FOUND,
        "listing another province's commune",
    );
    let own = ok(
        &app,
        &mut hoabinh,
        "GET",
        "/api/v1/evaluations",
        json!(null),
    )
    .await;
    assert_eq!(
        own["total"], 0,
        "Hòa Bình's own list has nothing of Ba Đình"
    );
    let r = app
        .get(&mut citizen, "/api/v1/evaluations?unit=00004-1")
        .await;
    problem(
        &r,
        StatusCode::NOT_FOUND,
        "a citizen does not list evaluations",
    );
    let r = app.get(&mut other, "/api/v1/me/evaluations").await;
    assert_eq!(r.json()["items"], json!([]));
    // The citizen cannot check their own evaluation.
    ok(
        &app,
        &mut citizen,
        "POST",
        &format!("{path}/submit"),
        json!({}),
    )
    .await;
    let r = app
        .json(&mut citizen, "POST", &format!("{path}/check"), json!({}))
        .await;
    problem(&r, StatusCode::NOT_FOUND, "a citizen checking");

    // The branch checks, but recognition needs a commune-level position.
    ok(
        &app,
        &mut branch,
        "POST",
        &format!("{path}/check"),
        json!(null),
    )
    .await;
    let r = app
        .json(
            &mut branch,
            "POST",
            &format!("{path}/review"),
            recognise.clone(),
        )
        .await;
    assert_ne!(r.status, StatusCode::OK);
    problem(&r, StatusCode::NOT_FOUND, "a branch recognising");
    let r = app
        .json(
            &mut citizen,
            "POST",
            &format!("{path}/review"),
            recognise.clone(),
        )
        .await;
    problem(&r, StatusCode::NOT_FOUND, "a citizen recognising themself");
    let j = ok(
        &app,
        &mut chair,
        "POST",
        &format!("{path}/review"),
        recognise,
    )
    .await;
    let code = j["certificate"]["code"].as_str().expect("code").to_owned();

    // The credential and revocation are just as hidden; verification is public.
    for c in [&mut hoabinh, &mut other] {
        let r = app
            .get(c, &format!("/api/v1/certificates/{code}/credential"))
            .await;
        problem(&r, StatusCode::NOT_FOUND, "someone else's credential");
        let r = app
            .json(
                c,
                "POST",
                &format!("/api/v1/certificates/{code}/revoke"),
                json!({"reason": "Không rõ"}),
            )
            .await;
        problem(
            &r,
            StatusCode::NOT_FOUND,
            "revoking someone else's certificate",
        );
        let r = app.get(c, &format!("/api/v1/certificates/{code}")).await;
        assert_eq!(r.json()["status"], "valid");
    }
    // A province's draft criteria: for officers of that province, not for citizens or others.
    let source: String = sqlx::query_scalar(
        "SELECT source FROM criteria_sets WHERE model = 'citizen' AND owner_code = 'VN'",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("national source");
    let draft: i64 = sqlx::query_scalar(
        "INSERT INTO criteria_sets (code, model, version, owner_code, title_vi, source, status, created_at) \
         VALUES ('citizen', 'citizen', 2025, '01', 'Công dân học tập (Hà Nội)', $1, 'draft', 0) RETURNING id",
    )
    .bind(source.replace("owner = \"VN\"", "owner = \"01\""))
    .fetch_one(&app.db.pool)
    .await
    .expect("a draft variant of Hà Nội");
    let draft_path = format!("/api/v1/criteria/{draft}");
    let mut hanoi = app.api_client(HANOI).await;
    let j = ok(&app, &mut hanoi, "GET", &draft_path, json!(null)).await;
    assert_eq!(
        (j["owner"].as_str(), j["status"].as_str()),
        (Some("01"), Some("draft"))
    );
    let listed = |j: &Value| {
        j["items"]
            .as_array()
            .expect("sets")
            .iter()
            .any(|s| s["id"] == draft)
    };
    assert!(listed(
        &ok(&app, &mut hanoi, "GET", "/api/v1/criteria", json!(null)).await
    ));
    for c in [&mut citizen, &mut hoabinh] {
        let r = app.get(c, &draft_path).await;
        problem(&r, StatusCode::NOT_FOUND, "someone else's draft criteria");
        assert!(!listed(
            &ok(&app, c, "GET", "/api/v1/criteria", json!(null)).await
        ));
    }

    // Anonymous callers need a login for everything but verification.
    let mut anon = Client::default();
    for r in [
        app.get(&mut anon, &path).await,
        app.get(&mut anon, "/api/v1/me/evaluations").await,
        app.get(&mut anon, "/api/v1/criteria").await,
        app.json(
            &mut anon,
            "POST",
            "/api/v1/evaluations",
            json!({"model": "citizen", "year": this_year()}),
        )
        .await,
    ] {
        problem(&r, StatusCode::UNAUTHORIZED, "anonymous");
    }
});

both_backends!(bad_input_is_a_4xx_problem, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut citizen = app.api_client(CITIZEN).await;
    let mut chair = app.api_client(BADINH).await;
    let id = register_self(&app, &mut citizen, this_year(), "farmer").await;
    let path = format!("/api/v1/evaluations/{id}");
    let put = format!("{path}/answers");
    use StatusCode as S;

    // Answers.
    for (body, status, what) in [
        (
            json!({"answers": {"khong_co": 5}}),
            S::UNPROCESSABLE_ENTITY,
            "an unknown indicator",
        ),
        (
            json!({"answers": {"reads": 11}}),
            S::UNPROCESSABLE_ENTITY,
            "above the maximum",
        ),
        (
            json!({"answers": {"reads": -1}}),
            S::UNPROCESSABLE_ENTITY,
            "negative",
        ),
        (
            json!({"answers": {"reads": "tám"}}),
            S::UNPROCESSABLE_ENTITY,
            "text",
        ),
        (
            json!({"answers": {"reads": "8"}}),
            S::UNPROCESSABLE_ENTITY,
            "a number as text",
        ),
        (
            json!({"answers": {"reads": 7.5}}),
            S::UNPROCESSABLE_ENTITY,
            "a fraction",
        ),
        (
            json!({"answers": {"reads": 99_999_999_999_i64}}),
            S::UNPROCESSABLE_ENTITY,
            "huge",
        ),
        (
            json!({"answers": {}}),
            S::UNPROCESSABLE_ENTITY,
            "no answers",
        ),
        (
            json!({"answers": [1, 2]}),
            S::UNPROCESSABLE_ENTITY,
            "a list",
        ),
        (
            json!({"reads": 8}),
            S::UNPROCESSABLE_ENTITY,
            "no answers field",
        ),
        (
            json!({"answers": {"reads": 8}, "extra": 1}),
            S::UNPROCESSABLE_ENTITY,
            "an unknown field",
        ),
    ] {
        let r = app.json(&mut citizen, "PUT", &put, body).await;
        problem(&r, status, what);
    }
    let r = raw(&app, &mut citizen, "PUT", &put, "{\"answers\": {").await;
    problem(&r, S::BAD_REQUEST, "broken JSON");
    let req = Request::put(&put)
        .body(Body::from("answers=8"))
        .expect("request");
    let r = app.send(&mut citizen, req).await;
    problem(&r, S::BAD_REQUEST, "not JSON at all");
    let d = ok(&app, &mut citizen, "GET", &path, json!(null)).await;
    assert_eq!(
        d["evaluation"]["answers"],
        json!({}),
        "nothing was stored by refused requests"
    );

    // Ids and codes.
    for p in [
        "/api/v1/evaluations/abc",
        "/api/v1/evaluations/0",
        "/api/v1/evaluations/-3",
        "/api/v1/evaluations/99999999999999999999999",
        "/api/v1/criteria/xyz",
        "/api/v1/criteria/424242",
        "/api/v1/certificates/SHORT",
        "/api/v1/certificates/ABCDEFGHJKLMNPQR",
        "/api/v1/certificates/%27%20OR%201=1--/credential",
    ] {
        let r = app.get(&mut citizen, p).await;
        problem(&r, S::NOT_FOUND, p);
    }
    let r = post_empty(&app, &mut citizen, "/api/v1/evaluations/abc/submit").await;
    problem(&r, S::NOT_FOUND, "submit of a bad id");

    // Registration.
    for (body, status, what) in [
        (
            json!({"model": "hero", "year": this_year(), "form_group": "farmer"}),
            S::UNPROCESSABLE_ENTITY,
            "an unknown title",
        ),
        (
            json!({"model": "family", "year": this_year()}),
            S::UNPROCESSABLE_ENTITY,
            "a family title for a person",
        ),
        (
            json!({"model": "citizen", "year": this_year() - 1, "form_group": "pilot"}),
            S::UNPROCESSABLE_ENTITY,
            "an unknown form group",
        ),
        (
            json!({"model": "citizen", "year": this_year() - 1}),
            S::UNPROCESSABLE_ENTITY,
            "no form group",
        ),
        (
            json!({"model": "citizen", "year": 1999, "form_group": "farmer"}),
            S::UNPROCESSABLE_ENTITY,
            "a year long past",
        ),
        (
            json!({"model": "citizen", "year": "năm nay", "form_group": "farmer"}),
            S::UNPROCESSABLE_ENTITY,
            "a year as text",
        ),
        (
            json!({"model": "citizen", "form_group": "farmer"}),
            S::UNPROCESSABLE_ENTITY,
            "no year",
        ),
        (
            json!({"model": "citizen", "year": this_year() - 1, "form_group": "farmer", "subject": {"person_id": 1, "unit_code": "00004"}}),
            S::UNPROCESSABLE_ENTITY,
            "two subjects",
        ),
        (
            json!({"model": "citizen", "year": this_year() - 1, "form_group": "farmer", "subject": {}}),
            S::UNPROCESSABLE_ENTITY,
            "no subject",
        ),
        (
            json!({"model": "citizen", "year": this_year() - 1, "form_group": "farmer", "subject": {"person_id": 987_654}}),
            S::NOT_FOUND,
            "a missing person",
        ),
        (
            json!({"model": "citizen", "year": this_year() - 1, "form_group": "farmer", "subject": {"group_id": 987_654}}),
            S::NOT_FOUND,
            "a missing group",
        ),
        (
            json!({"model": "community", "year": this_year() - 1, "subject": {"unit_code": "'; DROP TABLE units; --"}}),
            S::NOT_FOUND,
            "a strange unit code",
        ),
    ] {
        let r = app
            .json(&mut citizen, "POST", "/api/v1/evaluations", body)
            .await;
        problem(&r, status, what);
    }

    // Review.
    ok(&app, &mut citizen, "PUT", &put, answers([9; 10])).await;
    ok(
        &app,
        &mut citizen,
        "POST",
        &format!("{path}/submit"),
        json!({}),
    )
    .await;
    let review = format!("{path}/review");
    let tomorrow2 = (chrono::Utc::now().date_naive() + chrono::Duration::days(3))
        .format("%Y-%m-%d")
        .to_string();
    for (body, what) in [
        (
            json!({"decision": "recognise", "decision_no": "1/QĐ", "decision_date": "31/02/2026"}),
            "31 February",
        ),
        (
            json!({"decision": "recognise", "decision_no": "1/QĐ", "decision_date": "2026-13-01"}),
            "month 13",
        ),
        (
            json!({"decision": "recognise", "decision_no": "1/QĐ", "decision_date": "hôm qua"}),
            "a date in words",
        ),
        (
            json!({"decision": "recognise", "decision_no": "1/QĐ", "decision_date": 20_260_101}),
            "a date as a number",
        ),
        (
            json!({"decision": "recognise", "decision_no": "1/QĐ", "decision_date": tomorrow2}),
            "a date in the future",
        ),
        (
            json!({"decision": "recognise", "decision_date": today()}),
            "no decision number",
        ),
        (
            json!({"decision": "recognise", "decision_no": "   ", "decision_date": today()}),
            "a blank decision number",
        ),
        (
            json!({"decision": "recognise", "decision_no": "1/QĐ"}),
            "no date",
        ),
        (json!({"decision": "maybe"}), "an unknown decision"),
        (
            json!({"decision_no": "1/QĐ", "decision_date": today()}),
            "no decision",
        ),
        (
            json!({"decision": "recognise", "decision_no": "1/QĐ", "decision_date": today(), "reason": "x"}),
            "a reason with recognise",
        ),
        (
            json!({"decision": "not_recognise", "reason": "Chưa đạt", "decision_no": "1/QĐ"}),
            "a number with not_recognise",
        ),
        (
            json!({"decision": "recognise", "decision_no": "1/QĐ", "decision_date": today(), "adjustments": {"reads": {"adjusted": 12, "comment": "x"}}}),
            "an adjustment above the maximum",
        ),
        (
            json!({"decision": "recognise", "decision_no": "1/QĐ", "decision_date": today(), "adjustments": {"reads": {"adjusted": -2, "comment": "x"}}}),
            "a negative adjustment",
        ),
        (
            json!({"decision": "recognise", "decision_no": "1/QĐ", "decision_date": today(), "adjustments": {"reads": {"adjusted": 6}}}),
            "a change without a comment",
        ),
        (
            json!({"decision": "recognise", "decision_no": "1/QĐ", "decision_date": today(), "adjustments": {"nope": {"adjusted": 6, "comment": "x"}}}),
            "an unknown indicator",
        ),
        (
            json!({"decision": "recognise", "decision_no": "x".repeat(51), "decision_date": today()}),
            "a decision number too long",
        ),
    ] {
        let r = app.json(&mut chair, "POST", &review, body).await;
        problem(&r, S::UNPROCESSABLE_ENTITY, what);
    }
    let r = raw(&app, &mut chair, "POST", &review, "not json").await;
    problem(&r, S::BAD_REQUEST, "a review that is not JSON");
    let r = app
        .json(
            &mut chair,
            "POST",
            &format!("{path}/check"),
            json!({"note": 5}),
        )
        .await;
    problem(&r, S::UNPROCESSABLE_ENTITY, "a note that is a number");
    let r = raw(&app, &mut chair, "POST", &format!("{path}/check"), "{note").await;
    problem(&r, S::BAD_REQUEST, "a check body that is not JSON");
    let r = app
        .json(
            &mut chair,
            "POST",
            &format!("{path}/check"),
            json!({"note": "x".repeat(2001)}),
        )
        .await;
    problem(&r, S::UNPROCESSABLE_ENTITY, "a note too long");
    let d = ok(&app, &mut chair, "GET", &path, json!(null)).await;
    assert_eq!(
        d["evaluation"]["status"], "submitted",
        "refused reviews change nothing"
    );

    // A date written the Vietnamese way is fine.
    let vn_date = khuyenhoc::i18n::vn_date(chrono::Utc::now())
        .format("%d/%m/%Y")
        .to_string();
    let j = ok(
        &app,
        &mut chair,
        "POST",
        &review,
        json!({"decision": "recognise", "decision_no": "2/QĐ", "decision_date": vn_date}),
    )
    .await;
    assert_eq!(j["certificate"]["decision_date"], today());
    let r = app
        .json(
            &mut chair,
            "POST",
            &review,
            json!({"decision": "recognise", "decision_no": "3/QĐ", "decision_date": today()}),
        )
        .await;
    problem(&r, S::BAD_REQUEST, "recognised twice");

    // List filters.
    for (q, status) in [
        ("year=abc", S::BAD_REQUEST),
        ("status=bogus", S::UNPROCESSABLE_ENTITY),
        ("model=hero", S::UNPROCESSABLE_ENTITY),
        ("per_page=0", S::UNPROCESSABLE_ENTITY),
        ("per_page=201", S::UNPROCESSABLE_ENTITY),
        ("cursor=zz", S::UNPROCESSABLE_ENTITY),
        ("sort=up", S::UNPROCESSABLE_ENTITY),
        ("page=2", S::BAD_REQUEST),
        ("unit=nope", S::UNPROCESSABLE_ENTITY),
        ("unit=99999", S::NOT_FOUND),
        ("colour=red", S::BAD_REQUEST),
    ] {
        let r = app
            .get(&mut chair, &format!("/api/v1/evaluations?{q}"))
            .await;
        problem(&r, status, q);
    }
    let r = app.get(&mut citizen, "/api/v1/criteria?model=hero").await;
    problem(&r, S::UNPROCESSABLE_ENTITY, "criteria of an unknown title");
    let list = ok(
        &app,
        &mut chair,
        "GET",
        "/api/v1/evaluations?status=recognised&model=citizen&per_page=1",
        json!(null),
    )
    .await;
    assert_eq!(
        (
            list["total"].as_i64(),
            list["items"].as_array().map(Vec::len),
            list["next_cursor"].is_null()
        ),
        (Some(1), Some(1), true)
    );
    let list = ok(
        &app,
        &mut chair,
        "GET",
        &format!("/api/v1/evaluations?unit=00004&year={}", this_year() + 1),
        json!(null),
    )
    .await;
    assert_eq!(list["total"], 0);
});

both_backends!(
    no_officer_acts_on_their_own_record,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        // The commune chair enters the Learning Citizen title themself, like any citizen.
        let mut chair = app.api_client(BADINH).await;
        let id = register_self(&app, &mut chair, this_year(), "worker").await;
        let path = format!("/api/v1/evaluations/{id}");
        ok(
            &app,
            &mut chair,
            "PUT",
            &format!("{path}/answers"),
            answers([9; 10]),
        )
        .await;
        ok(
            &app,
            &mut chair,
            "POST",
            &format!("{path}/submit"),
            json!({}),
        )
        .await;
        // Their positions would allow every step on anyone else's record, none on their own.
        let review =
            json!({"decision": "recognise", "decision_no": "1/QĐ-KH", "decision_date": today()});
        for (step, body) in [
            ("check", json!({})),
            ("return", json!({"reason": "Tự trả lại"})),
            ("review", review.clone()),
        ] {
            let r = app
                .json(&mut chair, "POST", &format!("{path}/{step}"), body)
                .await;
            problem(&r, StatusCode::FORBIDDEN, step);
            let said = r.json();
            assert!(
            said["title"]
                .as_str()
                .is_some_and(|t| t.contains("hồ sơ của chính bạn") && t.contains("cán bộ khác")),
            "{step}: the answer says why and who must act: {said}"
        );
        }
        // The page offers none of those steps to them.
        let mut page_chair = app.login(BADINH).await;
        let page = app
            .get(&mut page_chair, &format!("/evaluations/{id}"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page.body.contains(&format!("/evaluations/{id}/review")),
            "{}",
            page.body
        );
        assert!(
            !page.body.contains(&format!("/evaluations/{id}/check")),
            "{}",
            page.body
        );
        // Another officer does it: the province recognises; the chair cannot revoke it either.
        let mut province = app.api_client(HANOI).await;
        let j = ok(
            &app,
            &mut province,
            "POST",
            &format!("{path}/review"),
            review,
        )
        .await;
        assert_eq!(j["evaluation"]["status"], "recognised");
        let code = j["certificate"]["code"].as_str().expect("code").to_owned();
        let r = app
            .json(
                &mut chair,
                "POST",
                &format!("/api/v1/certificates/{code}/revoke"),
                json!({"reason": "Tự thu hồi"}),
            )
            .await;
        problem(&r, StatusCode::FORBIDDEN, "revoke one's own certificate");
        let v = app
            .get(
                &mut Client::default(),
                &format!("/api/v1/certificates/{code}"),
            )
            .await
            .json();
        assert_eq!(v["status"], "valid");
    }
);
