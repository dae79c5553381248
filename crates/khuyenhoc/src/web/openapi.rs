//! The OpenAPI 3.1 document, built from the route table so that it always lists exactly the
//! API routes the server answers.

use super::routes::{all, Access};
use axum::Json;
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

fn problem(desc: &str) -> Value {
    json!({"description": desc, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})
}

/// The document as a JSON value.
pub fn build() -> Value {
    let mut paths = Map::new();
    for r in all().into_iter().filter(|r| r.path.starts_with("/api/v1/")) {
        let method = r.method.as_str().to_lowercase();
        let mut params: Vec<Value> = r
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        params.extend(query_params(r.path));
        let ok = match (method.as_str(), r.path) {
            (_, p) if p.starts_with("/api/v1/clusters/") && p.ends_with("/members") => "204",
            ("post", p)
                if ![
                    "/close",
                    "/handover",
                    "/vacate",
                    "/reset-password",
                    "/submit",
                    "/check",
                    "/return",
                    "/review",
                    "/revoke",
                    "/decision",
                    "/publish",
                    "/status",
                ]
                .iter()
                .any(|end| p.ends_with(end)) =>
            {
                "201"
            }
            _ => "200",
        };
        let mut responses = if ok == "204" {
            json!({ ok: {"description": "Done"} })
        } else {
            json!({ ok: {"description": "OK", "content": {"application/json": {"schema": {}}}} })
        };
        if r.access != Access::Public {
            responses["400"] = problem("Bad input");
            responses["401"] = problem("Not signed in");
            responses["404"] = problem("Not found, or outside your scope");
            responses["422"] = problem("Invalid fields");
        }
        let mut op = json!({"summary": r.summary, "parameters": params, "responses": responses});
        if r.access != Access::Public {
            op["security"] = json!([{"bearer": []}]);
        }
        if let Some(schema) = body_schema(&method, r.path) {
            op["requestBody"] =
                json!({"required": true, "content": {"application/json": {"schema": schema}}});
        }
        let entry = paths.entry(r.path.to_owned()).or_insert_with(|| json!({}));
        entry[method.as_str()] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "khuyenhoc API", "version": env!("CARGO_PKG_VERSION"), "description": "Hội Khuyến học Việt Nam: API. Errors are application/problem+json with `title` (Vietnamese) and `title_en`."},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A personal API token (kh_…) created on the account page"}},
            "schemas": {"Problem": {"type": "object", "properties": {
                "type": {"type": "string"}, "title": {"type": "string"}, "title_en": {"type": "string"}, "status": {"type": "integer"},
                "errors": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "message_vi": {"type": "string"}, "message_en": {"type": "string"}}}}
            }, "required": ["title", "title_en", "status"]}}
        }
    })
}

pub async fn document() -> Json<Value> {
    Json(build())
}
