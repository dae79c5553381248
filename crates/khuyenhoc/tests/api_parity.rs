//! API parity (issue 16, item 8), first part: evidence and families through the API do what
//! their pages do (the page then shows what the API did) and refuse strangers as the pages do;
//! and the README's table "API parity (issue 16)" (page action → API route) checked against the
//! route table and the OpenAPI document. The batch import, blank forms and counts are in
//! `api_parity_import.rs`. Clients are bearer-only: no cookie, no CSRF.

mod common;
#[path = "common/parity.rs"]
mod parity;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;
use parity::*;
use serde_json::{json, Value};

both_backends!(
    evidence_through_the_api_is_the_pages_evidence,
    |backend: Backend| async move {
        let app = TestApp::new(backend).await;
        let mut chair = app.api_client(BADINH).await;
        let citizen_id = app.person_id(CITIZEN).await;
        let e =
            citizen_evaluation(&app, &mut chair, citizen_id, this_year(), Stage::Registered).await;
        let id = evaluation_id(&e);
        let mut citizen = bearer(&app, CITIZEN).await;
        let path = format!("/api/v1/evaluations/{id}/evidence");
        let file = Some(("so-tay.pdf", "application/pdf"));
        let parts: [Part<'_>; 2] = [("indicator", None, b"reads"), ("file", file, PDF)];
        let r = multipart(&app, &mut citizen, "POST", &path, &parts).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let added = r.json();
        assert_eq!(added["kind"], "document");
        assert_eq!(added["file_name"], "so-tay.pdf");
        let evidence = added["id"].as_i64().expect("evidence id");
        // Checked by content like the page: text called a PDF is refused on the file field.
        let fake = [
            ("indicator", None, &b"reads"[..]),
            ("file", file, &b"not a pdf"[..]),
        ];
        let r = multipart(&app, &mut citizen, "POST", &path, &fake).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("\"field\":\"file\""), "{}", r.body);
        // The list, and the page, show it.
        let list = ok(&app, &mut citizen, "GET", &path, Value::Null).await;
        assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");
        let mut web = app.login(CITIZEN).await;
        let page = app
            .get(&mut web, &format!("/evaluations/{id}/groups/1"))
            .await;
        assert!(page.body.contains("so-tay.pdf"), "the page shows the file");
        // Replaced through the API: the page shows the new file, and the audit log both steps.
        let again = [("file", Some(("so-tay-moi.pdf", "application/pdf")), PDF)];
        let r = multipart(
            &app,
            &mut citizen,
            "PUT",
            &format!("/api/v1/evidence/{evidence}"),
            &again,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let page = app
            .get(&mut web, &format!("/evaluations/{id}/groups/1"))
            .await;
        assert!(page.body.contains("so-tay-moi.pdf") && !page.body.contains("so-tay.pdf"));
        let audit = "SELECT COUNT(*) FROM audit_log WHERE entity = 'evidence' AND entity_id = CAST($1 AS TEXT)";
        assert_eq!(count(&app, audit, evidence).await, 2, "attach and replace");
        // A stranger (the Hòa Bình chair) and an officer who may read but not own: refused, nothing
        // written.
        let mut stranger = bearer(&app, HOABINH).await;
        let r = multipart(&app, &mut stranger, "POST", &path, &parts).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        assert_eq!(
            app.get(&mut stranger, &path).await.status,
            StatusCode::NOT_FOUND
        );
        let mut reader = bearer(&app, BADINH).await;
        let replace = format!("/api/v1/evidence/{evidence}");
        let r = multipart(&app, &mut reader, "PUT", &replace, &again).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "only the owner replaces");
        // Within the page's limit: a body beyond it is 413, nothing stored.
        let big = vec![0u8; 13 * 1024 * 1024];
        let huge = [("indicator", None, &b"reads"[..]), ("file", file, &big[..])];
        let r = multipart(&app, &mut citizen, "POST", &path, &huge).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
        let rows = "SELECT COUNT(*) FROM evidence WHERE evaluation_id = $1";
        assert_eq!(count(&app, rows, id).await, 1);
        // Removed through the API: the page no longer shows it.
        let r = app.json(&mut citizen, "DELETE", &replace, json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let page = app
            .get(&mut web, &format!("/evaluations/{id}/groups/1"))
            .await;
        assert!(!page.body.contains("so-tay-moi.pdf"));
        assert_eq!(count(&app, rows, id).await, 0);
    }
);

both_backends!(
    a_family_made_invited_and_joined_through_the_api,
    |backend: Backend| async move {
        let app = TestApp::new(backend).await;
        let mut chair = bearer(&app, BADINH).await;
        let mut chair_web = app.api_client(BADINH).await;
        for (n, name) in ["Phan Văn Hùng", "Phan Thị Hoa"].iter().enumerate() {
            register_person(
                &app,
                &mut chair_web,
                "00004-1",
                name,
                &format!("091500090{n}"),
            )
            .await;
        }
        // Two families, made through the API; the unit's list pages them by key, filters and
        // searches the head without diacritics.
        let mut ids = vec![];
        for (name, head) in [
            ("Gia đình bà Lan", CITIZEN),
            ("Gia đình ông Hùng", "0915000900"),
        ] {
            let body = json!({"kind": "family", "name": name, "head": head});
            let r = app
                .json(&mut chair, "POST", "/api/v1/units/00004-1/groups", body)
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            ids.push(r.json()["group"]["id"].as_i64().expect("group id"));
        }
        let list = "/api/v1/units/00004-1/groups?kind=family&per_page=1";
        let first = ok(&app, &mut chair, "GET", list, Value::Null).await;
        let unit = first_unit(&app).await;
        let total = count(
            &app,
            "SELECT COUNT(*) FROM learning_groups WHERE kind = 'family' AND unit_id = $1",
            unit,
        )
        .await;
        let oldest = count(
            &app,
            "SELECT MIN(id) FROM learning_groups WHERE kind = 'family' AND unit_id = $1",
            unit,
        )
        .await;
        assert_eq!(first["total"], total, "{first}");
        assert_eq!(
            first["items"][0]["id"], oldest,
            "paged by key, oldest first"
        );
        let next = first["next_cursor"]
            .as_str()
            .expect("a second page")
            .to_owned();
        let second = ok(
            &app,
            &mut chair,
            "GET",
            &format!("{list}&cursor={next}"),
            Value::Null,
        )
        .await;
        assert_ne!(first["items"][0]["id"], second["items"][0]["id"]);
        for q in ["phan%20van%20hung", "Phan%20V%C4%83n%20H%C3%B9ng"] {
            let found = ok(
                &app,
                &mut chair,
                "GET",
                &format!("/api/v1/units/00004-1/groups?q={q}"),
                Value::Null,
            )
            .await;
            assert_eq!(found["total"], 1, "{q}: {found}");
            assert_eq!(found["items"][0]["id"], ids[1]);
        }
        // The head invites a person with a login: waiting, without the name, until they accept.
        let family = ids[0];
        let mut head = bearer(&app, CITIZEN).await;
        let members = format!("/api/v1/groups/{family}/members");
        let r = app
            .json(
                &mut head,
                "POST",
                &members,
                json!({"phone": "0915000901", "adult": true}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let added = r.json();
        assert_eq!(added["added"], "invited");
        assert_eq!(added["group"]["pending"].as_array().map(Vec::len), Some(1));
        assert!(
            !r.body.contains("Phan Thị Hoa"),
            "a waiting invitation shows no name"
        );
        let mut invited = bearer(&app, "0915000901").await;
        let mine = ok(&app, &mut invited, "GET", "/api/v1/me/groups", Value::Null).await;
        let invitation = mine["invitations"][0]["id"]
            .as_i64()
            .expect("an invitation");
        // Nobody else answers it.
        let accept = format!("/api/v1/me/invitations/{invitation}/accept");
        assert_eq!(
            app.json(&mut head, "POST", &accept, json!({})).await.status,
            StatusCode::NOT_FOUND
        );
        let mine = ok(&app, &mut invited, "POST", &accept, json!({})).await;
        assert_eq!(mine["memberships"][0]["group_name"], "Gia đình bà Lan");
        let g = ok(
            &app,
            &mut head,
            "GET",
            &format!("/api/v1/groups/{family}"),
            Value::Null,
        )
        .await;
        let names: Vec<&str> = g["members"]
            .as_array()
            .expect("members")
            .iter()
            .filter_map(|m| m["full_name"].as_str())
            .collect();
        assert!(names.contains(&"Phan Thị Hoa"), "{g}");
        // The page shows the member the API added.
        let mut web = app.login(CITIZEN).await;
        assert!(app
            .get(&mut web, &format!("/groups/{family}"))
            .await
            .body
            .contains("Phan Thị Hoa"));
        // Strangers: 404, nothing written.
        let mut stranger = bearer(&app, HOABINH).await;
        assert_eq!(
            app.get(&mut stranger, &format!("/api/v1/groups/{family}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let r = app
            .json(
                &mut stranger,
                "POST",
                &members,
                json!({"phone": "0915000900"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = app.get(&mut stranger, "/api/v1/units/00004-1/groups").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // The head removes the member; the audit log holds each step as the page writes it.
        let membership = g["members"]
            .as_array()
            .expect("members")
            .iter()
            .find(|m| m["full_name"] == "Phan Thị Hoa")
            .and_then(|m| m["id"].as_i64())
            .expect("membership");
        let g = ok(
            &app,
            &mut head,
            "DELETE",
            &format!("{members}/{membership}"),
            json!({}),
        )
        .await;
        assert!(!g.to_string().contains("Phan Thị Hoa"), "{g}");
        let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM audit_log WHERE entity = 'group' AND entity_id = CAST($1 AS TEXT) ORDER BY id")
        .bind(family)
        .fetch_all(&app.db.pool)
        .await
        .expect("audit");
        assert_eq!(
            actions,
            [
                "create",
                "invite_member",
                "accept_invitation",
                "remove_member"
            ]
        );
    }
);

async fn first_unit(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT id FROM units WHERE code = '00004-1' AND valid_to IS NULL")
        .fetch_one(&app.db.pool)
        .await
        .expect("branch")
}

/// The table of README.md's section "API parity (issue 16)": (page route, API route), each
/// written `METHOD /path`.
fn parity_table() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    let section = readme
        .split("API parity (issue 16)")
        .nth(1)
        .expect("the section");
    let mut rows = vec![];
    for line in section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
    {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let code = |s: &str| s.split('`').nth(1).map(str::to_owned);
        if let (Some(page), Some(api)) = (
            code(cells.get(2).copied().unwrap_or("")),
            code(cells.get(3).copied().unwrap_or("")),
        ) {
            rows.push((page, api));
        }
    }
    rows
}

#[test]
fn every_api_route_of_the_parity_table_is_in_the_openapi_document() {
    let routes = khuyenhoc::web::routes::all();
    let doc = khuyenhoc::web::openapi::build(&routes);
    let table = parity_table();
    assert!(table.len() >= 20, "{table:?}");
    let exists = |key: &str| {
        routes
            .iter()
            .any(|r| format!("{} {}", r.method, r.path) == key)
    };
    for (page, api) in &table {
        assert!(exists(page), "{page}: no such page route");
        let (method, path) = api.split_once(' ').expect("METHOD /path");
        assert!(
            doc["paths"][path][method.to_lowercase()].is_object(),
            "{api}: not in the OpenAPI document"
        );
    }
    // Uploads are declared as multipart forms with the page's fields, the blank form as a PDF.
    let paths = &doc["paths"];
    for (path, method, field) in [
        ("/api/v1/evaluations/{id}/evidence", "post", "indicator"),
        ("/api/v1/evidence/{id}", "put", "file"),
        ("/api/v1/units/{code}/evaluations/import", "post", "file"),
    ] {
        let body = &paths[path][method]["requestBody"]["content"]["multipart/form-data"];
        assert!(
            body["schema"]["properties"][field].is_object(),
            "{method} {path}"
        );
        assert!(body["schema"].get("x-media").is_none(), "{method} {path}");
    }
    let pdf = &paths["/api/v1/criteria/{id}/forms/{group}"]["get"]["responses"]["200"]["content"];
    assert!(pdf["application/pdf"].is_object(), "{pdf}");
    // Every action of these pages (each POST of theirs) has its row.
    let areas = [
        "/evaluations/{id}/evidence",
        "/evidence/",
        "/groups/",
        "/units/{code}/groups",
        "/learning/invitations/",
        "/learning/memberships/",
        "/units/{code}/batch",
        "/units/{code}/evaluations",
        "/evaluations/",
        "/learning/register",
        "/certificates/",
        "/criteria/",
    ];
    for r in routes
        .iter()
        .filter(|r| r.method == "POST" && areas.iter().any(|a| r.path.starts_with(a)))
    {
        let key = format!("POST {}", r.path);
        assert!(
            table.iter().any(|(page, _)| *page == key),
            "{key}: a page action without its API twin in the table"
        );
    }
}
