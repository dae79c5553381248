//! Bad input gets a clear 4xx with a Vietnamese and an English message, never a 500.

mod common;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use khuyenhoc::db::Backend;
use serde_json::json;

both_backends!(
    api_bad_input_is_a_problem_not_a_crash,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut c = app.api_client(BADINH).await;
        // Unit codes.
        for code in ["abc", "0004", "00004-0", "%F0%9F%98%80", "00004-99999999"] {
            let r = app.get(&mut c, &format!("/api/v1/units/{code}")).await;
            assert!(r.status.is_client_error(), "{code}: {}", r.status);
        }
        // Malformed JSON, wrong types, unknown fields, missing content type.
        let send = |body: &'static str, ct: &'static str| {
            Request::post("/api/v1/units/00004/branches")
                .header("content-type", ct)
                .body(Body::from(body))
                .expect("request")
        };
        problem(
            &app.send(&mut c, send("{\"name\": ", "application/json"))
                .await,
            StatusCode::BAD_REQUEST,
            "truncated JSON",
        );
        problem(
            &app.send(
                &mut c,
                send("{\"name\": 5, \"kind\": \"village\"}", "application/json"),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a number as the name",
        );
        problem(
            &app.send(
                &mut c,
                send(
                    "{\"name\": \"Chi hội A\", \"kind\": \"village\", \"x\": 1}",
                    "application/json",
                ),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "an unknown field",
        );
        problem(
            &app.send(&mut c, send("name=a", "text/plain")).await,
            StatusCode::BAD_REQUEST,
            "a body that is not JSON",
        );
        // Field errors name the field.
        let r = app
            .json(
                &mut c,
                "POST",
                "/api/v1/units/00004/branches",
                json!({"name": " ", "kind": "castle"}),
            )
            .await;
        problem(
            &r,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a blank name and an unknown kind",
        );
        let r = app.json(&mut c, "POST", "/api/v1/units/00004/people", json!({"full_name": "", "phone": "12345", "email": "x@", "birth_year": "năm ngoái", "gender": "?", "national_id": "12"})).await;
        problem(
            &r,
            StatusCode::UNPROCESSABLE_ENTITY,
            "every field of a person wrong",
        );
        let fields: Vec<&str> = r.json()["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter_map(|e| e["field"].as_str())
            .map(|s| Box::leak(s.to_owned().into_boxed_str()) as &str)
            .collect();
        assert_eq!(
            fields,
            [
                "full_name",
                "birth_year",
                "gender",
                "phone",
                "email",
                "national_id"
            ]
        );
        assert!(r.body.contains("Số điện thoại không hợp lệ"));
        // Query parameters.
        for q in [
            "page=2",
            "cursor=zz",
            "per_page=0",
            "per_page=201",
            "level=hamlet",
            "as_of=2025-02-30",
            "bogus=1",
        ] {
            let r = app.get(&mut c, &format!("/api/v1/units?{q}")).await;
            assert!(
                r.status == StatusCode::BAD_REQUEST || r.status == StatusCode::UNPROCESSABLE_ENTITY,
                "{q}: {}",
                r.status
            );
        }
        // Ids that are not numbers.
        problem(
            &app.get(&mut c, "/api/v1/people/abc").await,
            StatusCode::NOT_FOUND,
            "an id that is not a number",
        );
        problem(
            &app.get(&mut c, "/api/v1/positions/-1").await,
            StatusCode::NOT_FOUND,
            "a negative id",
        );
        problem(
            &app.get(&mut c, "/api/v1/nothing-here").await,
            StatusCode::NOT_FOUND,
            "no such route",
        );
        // Oversized body.
        let big = format!(
            "{{\"name\": \"{}\", \"kind\": \"village\"}}",
            "a".repeat(3 * 1024 * 1024)
        );
        let req = Request::post("/api/v1/units/00004/branches")
            .header("content-type", "application/json")
            .body(Body::from(big))
            .expect("request");
        problem(
            &app.send(&mut c, req).await,
            StatusCode::PAYLOAD_TOO_LARGE,
            "a body over the limit",
        );
    }
);

both_backends!(page_forms_show_field_errors, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut c = app.login(BADINH).await;
    let r = app
        .post_form(
            &mut c,
            "/units/00004/people",
            &[("full_name", "Hà Văn Tư"), ("phone", "0123")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Số điện thoại không hợp lệ"), "{}", r.body);
    assert!(
        r.body.contains("value=\"Hà Văn Tư\""),
        "what was typed is kept"
    );
    let r = app
        .post_form(
            &mut c,
            "/units/00004/branches",
            &[("name", "x"), ("kind", "village")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Tên đơn vị phải có từ 2 đến 200 ký tự"));
    let r = app
        .post_form(&mut c, "/positions/abc/handover", &[("phone", "x")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A malformed form body.
    let token = c.csrf();
    let req = Request::post("/units/00004/branches")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!("_csrf={token}&name=%ZZ&kind")))
        .expect("request");
    let r = app.send(&mut c, req).await;
    assert!(r.status.is_client_error(), "{}", r.status);
    let big = format!("_csrf={token}&name={}", "a".repeat(3 * 1024 * 1024));
    let req = Request::post("/units/00004/branches")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(big))
        .expect("request");
    assert_eq!(
        app.send(&mut c, req).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let r = app.get(&mut c, "/no/such/page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("Không tìm thấy"));
});
