//! The OpenAPI document's answers: every API route declares its success answer (the type its
//! handler returns, `web::route::api`), and every answer schema is exact: objects closed
//! (`additionalProperties: false`) with every field required that the server always writes,
//! no bare `object` or `array`, every reference defined, no component named twice; and the
//! signed credential (answered as stored, not re-serialised) has exactly the fields of the type
//! that built it. What the server really answers is checked against these schemas by
//! `tests/schemathesis.rs`.

use axum::http::{Method, StatusCode};
use axum::Json;
use khuyenhoc::error::ApiResult;
use khuyenhoc::web::openapi::{build, undeclared};
use khuyenhoc::web::route::{api, r, Access};
use khuyenhoc::web::routes;
use serde_json::{json, Value};

/// Fields a type writes only when set (`skip_serializing_if`), by component: the one exception
/// to "every property is required".
const OPTIONAL: &[(&str, &[&str])] = &[("EvaluationAnswer", &["adjusted", "comment"])];

/// The component the schema of the OpenAPI document itself is (its parts are documents of
/// their own, deliberately not spelled out).
const OPEN: &[&str] = &["OpenApiDocument", "Problem"];

fn components(doc: &Value) -> &serde_json::Map<String, Value> {
    doc["components"]["schemas"].as_object().expect("schemas")
}

/// Every schema below `v` (itself included), with where it is.
fn walk<'a>(v: &'a Value, at: String, out: &mut Vec<(String, &'a Value)>) {
    match v {
        Value::Object(o) => {
            out.push((at.clone(), v));
            for (k, child) in o {
                walk(child, format!("{at}/{k}"), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// What is wrong with the object and array schemas under `v`, one line each.
fn loose(v: &Value, at: &str, optional: &[&str]) -> Vec<String> {
    let mut all = vec![];
    walk(v, at.to_owned(), &mut all);
    let mut wrong = vec![];
    for (at, s) in all {
        // Only schemas: skip the maps that hold them (properties) by their keys, but no field
        // may take anything (`true` or `{}`: a `serde_json::Value`).
        if at.ends_with("/properties") {
            for (k, field) in s.as_object().into_iter().flatten() {
                if *field == json!(true) || *field == json!({}) {
                    wrong.push(format!("{at}/{k}: anything"));
                }
            }
            continue;
        }
        for part in ["items", "additionalProperties"] {
            if s[part] == json!(true) || s[part] == json!({}) {
                wrong.push(format!("{at}/{part}: anything"));
            }
        }
        let ty = &s["type"];
        if *ty == json!("object") || *ty == json!(["object", "null"]) {
            let props = s["properties"].as_object();
            let map = s["additionalProperties"].is_object();
            match (props, map) {
                (None, false) => wrong.push(format!("{at}: an object without properties")),
                (Some(p), _) => {
                    if s["additionalProperties"] != json!(false) {
                        wrong.push(format!("{at}: not closed"));
                    }
                    let required = required(s);
                    for k in p.keys() {
                        if !required.contains(&k.as_str()) && !optional.contains(&k.as_str()) {
                            wrong.push(format!("{at}: {k} not required"));
                        }
                    }
                }
                (None, true) => {}
            }
        }
        if *ty == json!("array") && s.get("items").is_none() && s.get("prefixItems").is_none() {
            wrong.push(format!("{at}: an array of anything"));
        }
    }
    wrong
}

/// The required fields of an object schema, sorted.
fn required(schema: &Value) -> Vec<&str> {
    let mut names: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    names.sort_unstable();
    names
}

#[test]
fn every_api_route_declares_its_answer() {
    assert_eq!(undeclared(&routes::all()), Vec::<String>::new());
}

/// What is not exact in `doc`'s answers, one line each, and how many answers have a body.
fn inexact(doc: &Value) -> (Vec<String>, usize) {
    let schemas = components(doc);
    let mut wrong = vec![];
    for (name, s) in schemas {
        // Two types of one name would be told apart by a number: rename one (`schemars(rename)`).
        if name.ends_with(|c: char| c.is_ascii_digit()) {
            wrong.push(format!("{name}: a second type of the same name"));
        }
        if OPEN.contains(&name.as_str()) {
            continue;
        }
        let optional = OPTIONAL
            .iter()
            .find(|(n, _)| n == name)
            .map_or(&[][..], |(_, f)| *f);
        wrong.extend(loose(s, name, optional));
    }
    let mut answered = 0;
    for (path, ops) in doc["paths"].as_object().expect("paths") {
        for (method, op) in ops.as_object().expect("operations") {
            for (status, answer) in op["responses"].as_object().expect("responses") {
                if !status.starts_with('2') {
                    continue;
                }
                // A document (the blank form PDF) is declared under its own media type.
                if let Some(pdf) = answer.pointer("/content/application~1pdf/schema") {
                    if pdf["type"] != "string" {
                        wrong.push(format!("{method} {path} {status}: a PDF that is not bytes"));
                    }
                    continue;
                }
                // So is a list exported as filtered (a workbook).
                if let Some(xlsx) = answer.pointer(
                    "/content/application~1vnd.openxmlformats-officedocument.spreadsheetml.sheet/schema",
                ) {
                    if xlsx["type"] != "string" {
                        wrong.push(format!("{method} {path} {status}: a workbook that is not bytes"));
                    }
                    continue;
                }
                let Some(schema) = answer.pointer("/content/application~1json/schema") else {
                    // Only a created cluster and a cluster membership answer without a body.
                    if !matches!(status.as_str(), "201" | "204")
                        || !path.starts_with("/api/v1/clusters")
                    {
                        wrong.push(format!("{method} {path} {status}: no body declared"));
                    }
                    continue;
                };
                answered += 1;
                let at = format!("{method} {path} {status}");
                let typed = ["$ref", "type", "anyOf", "oneOf"]
                    .iter()
                    .any(|k| schema.get(k).is_some());
                if !typed {
                    wrong.push(format!("{at}: an answer of anything"));
                }
                wrong.extend(loose(schema, &at, &[]));
            }
        }
    }
    // Every reference, in the answers and the components, names a component.
    let mut all = vec![];
    walk(&doc["paths"], String::new(), &mut all);
    walk(&doc["components"], String::new(), &mut all);
    for (at, s) in all {
        if let Some(target) = s["$ref"].as_str() {
            let name = target.trim_start_matches("#/components/schemas/");
            if !schemas.contains_key(name) {
                wrong.push(format!("{at}: {target} undefined"));
            }
        }
    }
    (wrong, answered)
}

#[test]
fn every_answer_schema_is_exact() {
    let (wrong, answered) = inexact(&build(&routes::all()));
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(answered > 70, "{answered} answers with a body");
}

fn answer_of(doc: &serde_json::Value, path: &str, method: &str) -> serde_json::Value {
    doc["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"].clone()
}

#[test]
fn units_say_where_they_came_from_and_what_they_became() {
    let doc = build(&routes::all());
    let s = components(&doc);
    // A unit's page in the API names where it came from and what it became (issue 17).
    let with_area = s["UnitWithArea"].to_string();
    for field in ["url_ref", "predecessors", "successors"] {
        assert!(with_area.contains(field), "{field}: {with_area}");
    }
    assert_eq!(
        s["UnitSuccessionLink"]["properties"]["share_permille"]["type"],
        json!(["integer", "null"])
    );
    assert_eq!(
        answer_of(&doc, "/api/v1/units/old-map", "post")["$ref"],
        "#/components/schemas/OldMapReport"
    );
}

#[test]
fn the_map_people_and_positions_keep_their_exact_schemas() {
    let doc = build(&routes::all());
    let s = components(&doc);
    let unit = &s["Unit"];
    assert_eq!(
        required(unit),
        [
            "code",
            "id",
            "kind",
            "level",
            "name",
            "parent_code",
            "parent_name",
            "valid_from",
            "valid_to"
        ]
    );
    assert_eq!(unit["additionalProperties"], false);
    assert_eq!(
        unit["properties"]["valid_to"]["type"],
        json!(["string", "null"])
    );
    let level = &s["Level"];
    assert_eq!(
        level["enum"],
        json!(["central", "province", "district", "commune", "branch"])
    );
    assert_eq!(
        s["UnitList"]["properties"]["items"]["items"]["$ref"],
        "#/components/schemas/Unit"
    );
    let person = &s["Person"]["properties"];
    assert_eq!(
        person["national_id_masked"]["type"],
        json!(["string", "null"])
    );
    assert!(
        person.get("national_id").is_none(),
        "the ID leaves only masked"
    );
    let holder = s["Position"]["properties"]["holder"].to_string();
    assert!(
        holder.contains("#/components/schemas/Holder") && holder.contains("null"),
        "{holder}"
    );
    let paths = &doc["paths"];
    let answer = |path: &str, method: &str, status: &str| {
        paths[path][method]["responses"][status]["content"]["application/json"]["schema"].clone()
    };
    assert_eq!(
        answer("/api/v1/units", "get", "200")["$ref"],
        "#/components/schemas/UnitList"
    );
    assert_eq!(
        answer("/api/v1/units/{code}/positions", "get", "200")["$ref"],
        "#/components/schemas/PositionList"
    );
    // The answers that were a bare object or array: funds, members, reports.
    assert_eq!(
        answer("/api/v1/funds/{id}/entries", "get", "200")["$ref"],
        "#/components/schemas/LedgerEntryList"
    );
    assert_eq!(
        answer("/api/v1/units/{code}/members", "get", "200")["$ref"],
        "#/components/schemas/MemberList"
    );
    assert_eq!(
        answer("/api/v1/units/{code}/reports/{period}", "get", "200")["$ref"],
        "#/components/schemas/Report"
    );
    // A keyed posting answers 200 with the first entry when the same key comes again.
    assert!(answer("/api/v1/funds/{id}/transfers", "post", "200").is_object());
    assert!(answer("/api/v1/funds/{id}/transfers", "post", "201").is_object());
}

#[derive(serde::Serialize, schemars::JsonSchema)]
struct Secret {
    word: String,
    hint: Option<String>,
}

async fn secret() -> ApiResult<Json<Secret>> {
    Ok(Json(Secret {
        word: "mật khẩu".into(),
        hint: None,
    }))
}

#[test]
fn a_route_without_a_declared_answer_fails() {
    let mut served = routes::all();
    served.push(r(
        Method::GET,
        "/api/v1/secret",
        Access::Officer,
        "A route built as a page: its answer is not declared",
        || async { (StatusCode::OK, "{}") },
    ));
    assert_eq!(undeclared(&served), ["GET /api/v1/secret"]);
    let doc = build(&served);
    assert!(doc["paths"]["/api/v1/secret"]["get"]["responses"]["200"]["content"].is_null());

    // Declared, but as any JSON at all: the document would check nothing.
    served.pop();
    served.push(api(
        Method::GET,
        "/api/v1/secret",
        Access::Officer,
        "An API route answering untyped JSON",
        || async { ApiResult::Ok(Json(json!({"word": "mật khẩu"}))) },
    ));
    assert!(undeclared(&served).is_empty());
    let (wrong, _) = inexact(&build(&served));
    assert_eq!(wrong, ["get /api/v1/secret 200: an answer of anything"]);

    // Declared through its handler's return type, the same route is described exactly.
    served.pop();
    served.push(api(
        Method::GET,
        "/api/v1/secret",
        Access::Officer,
        "The same route as an API route",
        secret,
    ));
    assert!(undeclared(&served).is_empty());
    let doc = build(&served);
    let schema = &doc["paths"]["/api/v1/secret"]["get"]["responses"]["200"]["content"]
        ["application/json"]["schema"];
    assert_eq!(schema["$ref"], "#/components/schemas/Secret");
    let secret = &doc["components"]["schemas"]["Secret"];
    assert_eq!(secret["additionalProperties"], false);
    assert_eq!(
        required(secret),
        ["hint", "word"],
        "an Option is written as null: required too"
    );
    assert_eq!(
        secret["properties"]["hint"]["type"],
        json!(["string", "null"])
    );
}

/// Where `value` leaves `schema` in its object fields (a field missing or too many), following
/// references and arrays: enough to compare a document with the shape declared for it.
fn fields_differ(
    value: &Value,
    schema: &Value,
    defs: &serde_json::Map<String, Value>,
    at: &str,
) -> Vec<String> {
    if let Some(target) = schema["$ref"].as_str() {
        let name = target.trim_start_matches("#/components/schemas/");
        return fields_differ(value, &defs[name], defs, at);
    }
    match value {
        Value::Object(o) => {
            let Some(props) = schema["properties"].as_object() else {
                return vec![format!("{at}: an object where the schema has none")];
            };
            let mut wrong: Vec<String> = o
                .keys()
                .filter(|k| !props.contains_key(*k))
                .map(|k| format!("{at}/{k}: not declared"))
                .collect();
            for (k, s) in props {
                match o.get(k) {
                    Some(v) => wrong.extend(fields_differ(v, s, defs, &format!("{at}/{k}"))),
                    None => wrong.push(format!("{at}/{k}: declared, not written")),
                }
            }
            wrong
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .flat_map(|(i, v)| fields_differ(v, &schema["items"], defs, &format!("{at}/{i}")))
            .collect(),
        _ => vec![],
    }
}

#[test]
fn the_signed_credential_has_exactly_its_declared_fields() {
    let d = |y, m, d| khuyenhoc_docs::NaiveDate::from_ymd_opt(y, m, d).expect("date");
    let input = khuyenhoc_docs::BadgeInput {
        verify_url: "https://khuyenhoc.example.vn/verify/7f3a9c2e".into(),
        issuer_id: "did:web:khuyenhoc.example.vn:units:00004".into(),
        issuer_name: "Hội Khuyến học Phường Ba Đình".into(),
        holder_name: "Nguyễn Thị Ánh".into(),
        achievement_id: "https://khuyenhoc.example.vn/criteria/1".into(),
        achievement_name: "Công dân học tập năm 2025".into(),
        achievement_description: "Danh hiệu Công dân học tập".into(),
        criteria_narrative: "Đạt từ 80 điểm trở lên".into(),
        valid_from: d(2025, 12, 20),
        valid_until: d(2026, 12, 31),
        identity: khuyenhoc_docs::Identity {
            kind: "ext:phoneNumber".into(),
            value: "0912345678".into(),
            salt: "00ff".into(),
        },
        status: ("https://khuyenhoc.example.vn/units/00004/status".into(), 3),
    };
    let badge = khuyenhoc_docs::issue_badge(
        &input,
        &khuyenhoc_docs::SigningKey::from_bytes(&[7; 32]),
        "did:web:khuyenhoc.example.vn:units:00004#z6Mk",
    )
    .expect("signed");
    let doc = build(&routes::all());
    let schema = &doc["paths"]["/api/v1/certificates/{code}/credential"]["get"]["responses"]["200"]
        ["content"]["application/json"]["schema"];
    let wrong = fields_differ(&badge, schema, components(&doc), "credential");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // And the comparison sees a difference when there is one.
    let mut changed = badge.clone();
    changed["proof"][0]["created"] = json!("2025-12-20T00:00:00Z");
    changed["issuer"]
        .as_object_mut()
        .expect("issuer")
        .remove("name");
    assert_eq!(
        fields_differ(&changed, schema, components(&doc), "credential"),
        [
            "credential/issuer/name: declared, not written",
            "credential/proof/0/created: not declared"
        ]
    );
}
