//! The OpenAPI 3.1 document, built from the route table so that it always lists exactly the
//! API routes the server answers. Each success answer's schema is generated (`schemars`, the
//! serialising side) from the type its handler returns, declared beside the route by
//! `web::route::api`; every object in it is closed (`additionalProperties: false`), so a field
//! the server writes but the type does not declare, or a declared field it leaves out, fails
//! the Schemathesis run. Request bodies and query parameters come from each capability's `api`.

use super::route::{Access, Route};
use schemars::generate::SchemaSettings;
use schemars::transform::{RecursiveTransform, Transform};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::borrow::Cow;

fn body_schema(method: &str, path: &str) -> Option<Value> {
    let s = |props: Value, required: Value| json!({"type": "object", "properties": props, "required": required, "additionalProperties": false});
    Some(match (method, path) {
        ("post", "/api/v1/units/{code}/branches") => s(
            json!({"name": {"type": "string"}, "kind": {"type": "string", "enum": khuyenhoc_domain::BranchKind::ALL.iter().map(|k| k.code()).collect::<Vec<_>>()}}),
            json!(["name", "kind"]),
        ),
        ("patch", "/api/v1/units/{code}") => s(
            json!({
                "name": {"type": "string"}, "parent_code": {"type": "string"},
                "effective_date": {"type": "string", "format": "date", "description": "with parent_code: the day the move takes effect, today when absent; not after today, not within a period already reported by the former or the new parent"},
                "disadvantaged": {"type": "boolean", "description": "mark (true) or unmark (false) a commune as a disadvantaged area; a province or central officer with unit.manage"},
                "year": {"type": "integer", "minimum": 2000, "maximum": 2100, "description": "with disadvantaged; default: the current year in Vietnam"},
                "source": {"type": "string", "maxLength": khuyenhoc_domain::limits::DESCRIPTION.max, "description": "with disadvantaged: the decision that lists the commune (required to mark), or why it is unmarked"}
            }),
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
            return crate::accounts::api::body_schema(method, path)
                .or_else(|| crate::evaluation::api::body_schema(method, path))
                .or_else(|| crate::accounts::recovery_pages::body_schema(method, path))
                .or_else(|| crate::funds::api::body_schema(method, path))
                .or_else(|| crate::members::api::body_schema(method, path))
                .or_else(|| crate::reports::api::body_schema(method, path))
                .or_else(|| crate::join::api::body_schema(method, path))
                .or_else(|| crate::evaluation::groups::api::body_schema(method, path))
                .or_else(|| crate::evaluation::batch::api::body_schema(method, path))
                .or_else(|| crate::reports::old_figures::body_schema(method, path))
                .or_else(|| crate::cooperation::api::body_schema(method, path))
                .or_else(|| crate::documents::api::body_schema(method, path))
                .or_else(|| crate::record::api::body_schema(method, path))
                .or_else(|| crate::meetings::api::body_schema(method, path))
        }
    })
}

fn query_params(path: &str) -> Vec<Value> {
    use crate::web::list::paging_params;
    let p = |name: &str, ty: &str, desc: &str| json!({"name": name, "in": "query", "required": false, "schema": {"type": ty}, "description": desc});
    match path {
        "/api/v1/units" => {
            let mut v = vec![
                p("level", "string", "central, province, commune or branch"),
                p("parent", "string", "code of the parent unit"),
                p("as_of", "string", "YYYY-MM-DD: the structure on that day"),
            ];
            v.extend(paging_params("name, with or without Vietnamese accents"));
            v
        }
        "/api/v1/units/{code}/branches" => {
            let mut v = vec![p(
                "as_of",
                "string",
                "YYYY-MM-DD: the structure on that day",
            )];
            v.extend(paging_params("name, with or without Vietnamese accents"));
            v
        }
        "/api/v1/audit" => {
            let mut v = vec![
                p("entity", "string", "unit, person, position…"),
                p("entity_id", "string", "the record's id or code"),
            ];
            v.extend(paging_params(
                "who acted: a name without diacritics (or with), or part of the phone",
            ));
            v
        }
        "/api/v1/clusters" => {
            let mut v = vec![p("as_of", "string", "YYYY-MM-DD")];
            v.extend(paging_params(
                "a cluster's name or code, or a province's name",
            ));
            v
        }
        "/api/v1/units/{code}/positions" => paging_params("the type, title or holder's name"),
        "/api/v1/position-types" => paging_params("a type's code or name"),
        "/api/v1/positions/{id}/holders" => paging_params("a holder's name"),
        _ => Some(crate::evaluation::api::query_params(path))
            .filter(|p| !p.is_empty())
            .or_else(|| Some(crate::funds::api::query_params(path)).filter(|p| !p.is_empty()))
            .or_else(|| Some(crate::members::api::query_params(path)).filter(|p| !p.is_empty()))
            .or_else(|| Some(crate::notify::api::query_params(path)).filter(|p| !p.is_empty()))
            .or_else(|| Some(crate::join::api::query_params(path)).filter(|p| !p.is_empty()))
            .or_else(|| Some(crate::cooperation::api::query_params(path)).filter(|p| !p.is_empty()))
            .or_else(|| Some(crate::documents::api::query_params(path)).filter(|p| !p.is_empty()))
            .or_else(|| Some(crate::meetings::api::query_params(path)).filter(|p| !p.is_empty()))
            .or_else(|| {
                Some(crate::evaluation::groups::api::query_params(path)).filter(|p| !p.is_empty())
            })
            .or_else(|| {
                Some(crate::accounts::people_list::api::query_params(path))
                    .filter(|p| !p.is_empty())
            })
            .or_else(|| Some(crate::record::api::query_params(path)).filter(|p| !p.is_empty()))
            .unwrap_or_else(|| crate::reports::api::query_params(path)),
    }
}

/// The success answers of an operation, as its handler gives them: 201 for what creates, also
/// 200 where a retried `Idempotency-Key` answers with the first posting (every keyed route),
/// 204 for a cluster membership, 200 for everything else.
fn success(method: &str, path: &str) -> &'static [&'static str] {
    match (method, path) {
        ("post", "/api/v1/clusters/{code}/members") => &["204"],
        (
            "post",
            "/api/v1/funds/{id}/entries"
            | "/api/v1/members/{id}/fees"
            | "/api/v1/funds/{id}/transfers"
            | "/api/v1/funds/{id}/pledges"
            | "/api/v1/entries/{id}/reversal"
            | "/api/v1/programmes/{id}/payments",
        ) => &["201", "200"],
        (
            "post",
            "/api/v1/clusters"
            | "/api/v1/position-types"
            | "/api/v1/units/{code}/branches"
            | "/api/v1/units/{code}/positions"
            | "/api/v1/units/{code}/people"
            | "/api/v1/units/{code}/funds"
            | "/api/v1/funds/{id}/programmes"
            | "/api/v1/programmes/{id}/nominations"
            | "/api/v1/evaluations"
            | "/api/v1/units/{code}/members"
            | "/api/v1/members/{id}/transfer"
            | "/api/v1/criteria/{id}/variant"
            | "/api/v1/evaluations/{id}/evidence"
            | "/api/v1/units/{code}/groups"
            | "/api/v1/groups/{id}/members"
            | "/api/v1/groups/{id}/members/new"
            | "/api/v1/units/{code}/partners"
            | "/api/v1/units/{code}/cooperation"
            | "/api/v1/cooperation/{id}/files"
            | "/api/v1/units/{code}/documents"
            | "/api/v1/me/record/links"
            | "/api/v1/units/{code}/meetings"
            | "/api/v1/me/calendar"
            | "/api/v1/documents/{id}/files"
            | "/api/v1/incoming/{id}/files",
        ) => &["201"],
        _ => &["200"],
    }
}

/// Every object the server writes has exactly its declared fields: an object schema with
/// `properties` gets `additionalProperties: false` (schemars adds it only for
/// `deny_unknown_fields`, a deserialising rule). Maps (`additionalProperties` of a type) and
/// objects without properties are left as they are.
fn closed(schema: &mut Schema) {
    if let Some(o) = schema.as_object_mut() {
        if o.contains_key("properties") {
            o.entry("additionalProperties")
                .or_insert(Value::Bool(false));
        }
    }
}

/// The generator of the answer schemas: JSON Schema 2020-12 (the dialect of OpenAPI 3.1), as the
/// types serialise, with their definitions under `#/components/schemas/`.
fn generator() -> SchemaGenerator {
    SchemaSettings::draft2020_12()
        .for_serialize()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .with_transform(RecursiveTransform(closed as fn(&mut Schema)))
        .into_generator()
}

/// The API routes among `routes` whose success answer nobody declared (`METHOD /path`): built
/// with `web::route::r` instead of `web::route::api`. The document of such a route would check
/// nothing, so `tests/openapi.rs` requires this list to be empty.
pub fn undeclared(routes: &[Route]) -> Vec<String> {
    routes
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/") && r.answer.is_none())
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// The OpenAPI document as served (its own answer): the four parts every document here has.
#[derive(Serialize)]
#[serde(transparent)]
pub struct Document(pub Value);

impl JsonSchema for Document {
    fn schema_name() -> Cow<'static, str> {
        "OpenApiDocument".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "description": "An OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1.0)",
            "properties": {
                "openapi": {"const": "3.1.0"},
                "info": {"type": "object"},
                "paths": {"type": "object"},
                "components": {"type": "object"},
            },
            "required": ["openapi", "info", "paths", "components"],
            "additionalProperties": false,
        })
    }
}

fn problem(desc: &str) -> Value {
    json!({"description": desc, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})
}

/// The answers of one operation: its success statuses with the declared body, and the problems.
fn responses(
    r: &Route,
    method: &str,
    shape: Option<&Schema>,
    has_body: bool,
) -> Map<String, Value> {
    let mut responses = Map::new();
    for status in success(method, r.path) {
        let description = match *status {
            "201" => "Created",
            "204" => "Done",
            _ => "OK",
        };
        let mut answer = json!({ "description": description });
        if let Some(schema) = shape {
            // A document (a PDF) under its own media type; everything else is JSON.
            let media = schema
                .get("contentMediaType")
                .and_then(Value::as_str)
                .unwrap_or("application/json");
            answer["content"] = json!({ media: {"schema": schema} });
        }
        responses.insert((*status).to_owned(), answer);
    }
    if r.access != Access::Public {
        responses.insert("400".into(), problem("Bad input"));
        responses.insert("401".into(), problem("Not signed in"));
        responses.insert(
            "403".into(),
            problem("Refused, with the reason: a temporary password not changed yet, or acting on one's own evaluation or certificate"),
        );
        responses.insert("404".into(), problem("Not found, or outside your scope"));
        responses.insert("422".into(), problem("Invalid fields"));
    } else if r.path.contains('{') {
        responses.insert("404".into(), problem("Not found"));
    }
    if has_body {
        responses.insert("413".into(), problem("The request body is too large"));
        // A public form sent as JSON (the forgotten password): its body checked as everywhere.
        responses
            .entry("400")
            .or_insert_with(|| problem("Bad input"));
        responses
            .entry("422")
            .or_insert_with(|| problem("Invalid fields"));
    }
    if r.access == Access::Public && method != "get" {
        responses.insert(
            "429".into(),
            problem("Too many attempts: try again after the time in Retry-After"),
        );
    }
    if method != "get" && r.access != Access::Public {
        responses.insert(
            "409".into(),
            problem("Conflicts with what exists (a code, phone, registration or idempotency key already used)"),
        );
    }
    responses
}

/// The document of the `/api/v1/` routes among `routes`, as a JSON value.
pub fn build(routes: &[Route]) -> Value {
    let mut generator = generator();
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
        // The definitions it refers to are closed by the generator's transform; the schema
        // itself (an array of them, say) here.
        let shape = r
            .answer
            .and_then(|declared| declared(&mut generator))
            .map(|mut s| {
                RecursiveTransform(closed).transform(&mut s);
                s
            });
        let body = body_schema(&method, r.path);
        let responses = responses(r, &method, shape.as_ref(), body.is_some());
        let mut op = json!({"summary": r.summary, "parameters": params, "responses": responses});
        if r.access != Access::Public {
            op["security"] = json!([{"bearer": []}]);
        }
        if let Some(mut schema) = body {
            // A file upload's schema names its media type (`x-media`: multipart/form-data).
            let media = schema
                .as_object_mut()
                .and_then(|o| o.remove("x-media"))
                .and_then(|m| m.as_str().map(str::to_owned))
                .unwrap_or_else(|| "application/json".to_owned());
            op["requestBody"] = json!({"required": true, "content": { media: {"schema": schema}}});
        }
        let entry = paths.entry(r.path.to_owned()).or_insert_with(|| json!({}));
        entry[method.as_str()] = op;
    }
    let mut schemas = Value::Object(generator.take_definitions(true));
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
                "errors": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "message_vi": {"type": "string"}, "message_en": {"type": "string"}}}},
                "rows": {"type": "array", "description": "The rows a bulk action refused (nothing was written)", "items": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "message": {"type": "string"}, "message_en": {"type": "string"}}}}
            }, "required": ["title", "title_en", "status"]})
}
