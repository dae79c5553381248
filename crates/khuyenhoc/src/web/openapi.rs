//! The OpenAPI 3.1 document, built from the route table so that it always lists exactly the
//! API routes the server answers.

use super::route::{Access, Route};
use serde_json::{json, Map, Value};

fn body_schema(method: &str, path: &str) -> Option<Value> {
    let s = |props: Value, required: Value| json!({"type": "object", "properties": props, "required": required, "additionalProperties": false});
    Some(match (method, path) {
        ("post", "/api/v1/units/{code}/branches") => s(
            json!({"name": {"type": "string"}, "kind": {"type": "string", "enum": khuyenhoc_domain::BranchKind::ALL.iter().map(|k| k.code()).collect::<Vec<_>>()}}),
            json!(["name", "kind"]),
        ),
        ("patch", "/api/v1/units/{code}") => s(
            json!({"name": {"type": "string"}, "parent_code": {"type": "string"}}),
            json!([]),
        ),
        ("post", "/api/v1/units/{code}/positions") => s(
            json!({"type": {"type": "string"}, "title": {"type": ["string", "null"]}}),
            json!(["type"]),
        ),
        ("post", "/api/v1/units/{code}/people") => s(
            json!({
                "full_name": {"type": "string"}, "birth_year": {"type": ["string", "null"], "description": "YYYY"},
                "gender": {"type": ["string", "null"], "enum": ["female", "male", "other", null]},
                "phone": {"type": ["string", "null"]}, "email": {"type": ["string", "null"]},
                "national_id": {"type": ["string", "null"]}, "password": {"type": ["string", "null"]}
            }),
            json!(["full_name"]),
        ),
        ("post", "/api/v1/position-types") => s(
            json!({"code": {"type": "string"}, "name_vi": {"type": "string"}, "name_en": {"type": "string"}, "permissions": {"type": "array", "items": {"type": "string", "enum": crate::auth::perm::ALL}}}),
            json!(["code", "name_vi", "name_en"]),
        ),
        ("post", "/api/v1/clusters") => s(
            json!({"code": {"type": "string"}, "name": {"type": "string"}}),
            json!(["code", "name"]),
        ),
        ("post", "/api/v1/clusters/{code}/members") => {
            s(json!({"province": {"type": "string"}}), json!(["province"]))
        }
        ("post", "/api/v1/positions/{id}/handover") => s(
            json!({"person_id": {"type": "integer"}, "phone": {"type": "string"}}),
            json!([]),
        ),
        _ => {
            return crate::evaluation::api::body_schema(method, path)
                .or_else(|| crate::funds::api::body_schema(method, path))
                .or_else(|| crate::members::api::body_schema(method, path))
                .or_else(|| crate::reports::api::body_schema(method, path))
        }
    })
}

fn query_params(path: &str) -> Vec<Value> {
    let p = |name: &str, ty: &str, desc: &str| json!({"name": name, "in": "query", "required": false, "schema": {"type": ty}, "description": desc});
    match path {
        "/api/v1/units" => vec![
            p("level", "string", "central, province, commune or branch"),
            p("parent", "string", "code of the parent unit"),
            p("q", "string", "name, with or without Vietnamese accents"),
            p("as_of", "string", "YYYY-MM-DD: the structure on that day"),
            p("page", "integer", "from 1"),
            p("per_page", "integer", "1 to 1000, default 50"),
        ],
        "/api/v1/audit" => vec![
            p("entity", "string", "unit, person, position…"),
            p("entity_id", "string", "the record's id or code"),
            p("before", "integer", "entries older than this id"),
        ],
        "/api/v1/clusters" => vec![p("as_of", "string", "YYYY-MM-DD")],
        _ => Some(crate::evaluation::api::query_params(path))
            .filter(|p| !p.is_empty())
            .or_else(|| Some(crate::funds::api::query_params(path)).filter(|p| !p.is_empty()))
            .or_else(|| Some(crate::members::api::query_params(path)).filter(|p| !p.is_empty()))
            .unwrap_or_else(|| crate::reports::api::query_params(path)),
    }
}

/// The success answers of an operation, as its handler gives them: 201 for what creates, also
/// 200 where a retried `Idempotency-Key` answers with the first posting, 204 for a cluster
/// membership, 200 for everything else.
fn success(method: &str, path: &str) -> &'static [&'static str] {
    match (method, path) {
        ("post", "/api/v1/clusters/{code}/members") => &["204"],
        ("post", "/api/v1/funds/{id}/entries" | "/api/v1/members/{id}/fees") => &["201", "200"],
        (
            "post",
            "/api/v1/clusters"
            | "/api/v1/position-types"
            | "/api/v1/units/{code}/branches"
            | "/api/v1/units/{code}/positions"
            | "/api/v1/units/{code}/people"
            | "/api/v1/units/{code}/funds"
            | "/api/v1/funds/{id}/transfers"
            | "/api/v1/funds/{id}/pledges"
            | "/api/v1/funds/{id}/programmes"
            | "/api/v1/entries/{id}/reversal"
            | "/api/v1/programmes/{id}/nominations"
            | "/api/v1/programmes/{id}/payments"
            | "/api/v1/evaluations"
            | "/api/v1/units/{code}/members"
            | "/api/v1/members/{id}/transfer",
        ) => &["201"],
        _ => &["200"],
    }
}

/// The operations whose answer is a JSON array (every other answer is an object).
fn lists(method: &str, path: &str) -> bool {
    matches!(
        (method, path),
        (
            "get",
            "/api/v1/units/{code}/funds"
                | "/api/v1/funds/{id}/entries"
                | "/api/v1/funds/{id}/pledges"
                | "/api/v1/criteria"
                | "/api/v1/me/evaluations"
                | "/api/v1/units/{code}/positions"
                | "/api/v1/positions/{id}/holders"
                | "/api/v1/position-types"
                | "/api/v1/audit"
                | "/api/v1/clusters"
        ) | ("post", "/api/v1/entries/{id}/reversal")
    )
}

/// The schema of an operation's success answer: one of the components for the map, people and
/// positions, else just whether it is an object or an array.
fn answer_schema(method: &str, path: &str) -> Value {
    let one = |name: &str| json!({"$ref": format!("#/components/schemas/{name}")});
    let many = |name: &str| json!({"type": "array", "items": one(name)});
    match (method, path) {
        ("get", "/api/v1/units") => one("UnitPage"),
        ("get" | "patch", "/api/v1/units/{code}")
        | ("post", "/api/v1/units/{code}/branches" | "/api/v1/units/{code}/close") => one("Unit"),
        ("get", "/api/v1/people/{id}") | ("post", "/api/v1/units/{code}/people") => one("Person"),
        ("get", "/api/v1/positions/{id}")
        | (
            "post",
            "/api/v1/positions/{id}/handover"
            | "/api/v1/positions/{id}/vacate"
            | "/api/v1/units/{code}/positions",
        ) => one("Position"),
        ("get", "/api/v1/units/{code}/positions") => many("Position"),
        ("get", "/api/v1/positions/{id}/holders") => many("Holder"),
        _ => json!({"type": if lists(method, path) { "array" } else { "object" }}),
    }
}

/// The components the answers refer to: exactly the fields the server writes.
fn answer_components() -> Value {
    let object = |props: Value| {
        let required: Vec<String> = props
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        json!({"type": "object", "properties": props, "required": required, "additionalProperties": false})
    };
    let text = json!({"type": "string"});
    let maybe_text = json!({"type": ["string", "null"]});
    let int = json!({"type": "integer"});
    let maybe_int = json!({"type": ["integer", "null"]});
    let flag = json!({"type": "boolean"});
    let unit = object(json!({
        "id": int, "code": text, "level": {"type": "string", "enum": ["central", "province", "commune", "branch"]},
        "kind": text, "name": text, "parent_code": maybe_text, "parent_name": maybe_text,
        "valid_from": {"type": "string", "description": "YYYY-MM-DD"},
        "valid_to": {"type": ["string", "null"], "description": "YYYY-MM-DD, the last day; null while open"},
    }));
    let page = object(json!({
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Unit"}},
        "total": int, "page": int, "per_page": int,
    }));
    let person = object(json!({
        "id": int, "full_name": text, "birth_year": maybe_int, "gender": maybe_text, "phone": maybe_text,
        "email": maybe_text, "national_id_masked": maybe_text, "unit_code": text, "unit_name": text,
        "has_password": flag, "must_change_password": flag,
    }));
    let holder = object(json!({
        "person_id": int, "full_name": text, "from_at": int, "to_at": maybe_int,
        "from_text": text, "to_text": maybe_text,
    }));
    let position = object(json!({
        "id": int, "unit_code": text, "unit_name": text, "type_code": text, "type_name_vi": text,
        "type_name_en": text, "title": maybe_text, "closed": flag,
        "holder": {"oneOf": [{"$ref": "#/components/schemas/Holder"}, {"type": "null"}]},
    }));
    json!({"Unit": unit, "UnitPage": page, "Person": person, "Holder": holder, "Position": position})
}

fn problem(desc: &str) -> Value {
    json!({"description": desc, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})
}

/// The document of the `/api/v1/` routes among `routes`, as a JSON value.
pub fn build(routes: &[Route]) -> Value {
    let mut paths = Map::new();
    for r in routes.iter().filter(|r| r.path.starts_with("/api/v1/")) {
        let method = r.method.as_str().to_lowercase();
        let mut params: Vec<Value> = r
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        params.extend(query_params(r.path));
        let mut responses = Map::new();
        let shape = answer_schema(&method, r.path);
        for status in success(&method, r.path) {
            let answer = match *status {
                "204" => json!({"description": "Done"}),
                "201" if r.path == "/api/v1/clusters" => json!({"description": "Created"}),
                "201" => {
                    json!({"description": "Created", "content": {"application/json": {"schema": shape}}})
                }
                _ => {
                    json!({"description": "OK", "content": {"application/json": {"schema": shape}}})
                }
            };
            responses.insert((*status).to_owned(), answer);
        }
        if r.access != Access::Public {
            responses.insert("400".into(), problem("Bad input"));
            responses.insert("401".into(), problem("Not signed in"));
            responses.insert(
                "403".into(),
                problem("Refused for the reason the answer gives (a temporary password to change first; one's own record or nomination, which another officer must act on)"),
            );
            responses.insert("404".into(), problem("Not found, or outside your scope"));
            responses.insert("422".into(), problem("Invalid fields"));
        } else if r.path.contains('{') {
            responses.insert("404".into(), problem("Not found"));
        }
        let body = body_schema(&method, r.path);
        if body.is_some() {
            responses.insert("413".into(), problem("The request body is too large"));
        }
        if method != "get" && r.access != Access::Public {
            responses.insert(
                "409".into(),
                problem("Conflicts with what exists (a code, phone, registration or idempotency key already used)"),
            );
        }
        let mut op = json!({"summary": r.summary, "parameters": params, "responses": responses});
        if r.access != Access::Public {
            op["security"] = json!([{"bearer": []}]);
        }
        if let Some(schema) = body {
            op["requestBody"] =
                json!({"required": true, "content": {"application/json": {"schema": schema}}});
        }
        let entry = paths.entry(r.path.to_owned()).or_insert_with(|| json!({}));
        entry[method.as_str()] = op;
    }
    let mut schemas = answer_components();
    schemas["Problem"] = problem_schema();
    json!({
        "openapi": "3.1.0",
        "info": {"title": "khuyenhoc API", "version": env!("CARGO_PKG_VERSION"), "description": "Hội Khuyến học Việt Nam: API. Errors are application/problem+json with `title` (Vietnamese) and `title_en`."},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A personal API token (kh_…) created on the account page"}},
            "schemas": schemas,
        }
    })
}

fn problem_schema() -> Value {
    json!({"type": "object", "properties": {
                "type": {"type": "string"}, "title": {"type": "string"}, "title_en": {"type": "string"}, "status": {"type": "integer"},
                "errors": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "message_vi": {"type": "string"}, "message_en": {"type": "string"}}}}
            }, "required": ["title", "title_en", "status"]})
}
