//! The OpenAPI request bodies and query parameters of the evaluation routes.

use khuyenhoc_criteria::Model;
use serde_json::{json, Value};

/// Request body schemas of these routes, for the OpenAPI document.
pub fn body_schema(method: &str, path: &str) -> Option<Value> {
    let s = |props: Value, required: Value| json!({"type": "object", "properties": props, "required": required, "additionalProperties": false});
    let models: Vec<&str> = Model::ALL.iter().map(|m| m.code()).collect();
    let reason = || {
        s(
            json!({"reason": {"type": "string", "minLength": 3, "maxLength": 2000}}),
            json!(["reason"]),
        )
    };
    Some(match (method, path) {
        ("post", "/api/v1/evaluations") => s(
            json!({
                "model": {"type": "string", "enum": models},
                "subject": {
                    "type": "object",
                    "description": "Exactly one of person_id, group_id, unit_code; omitted: yourself",
                    "properties": {"person_id": {"type": "integer"}, "group_id": {"type": "integer"}, "unit_code": {"type": "string"}},
                    "additionalProperties": false
                },
                "year": {"type": "integer", "description": "from 2020 to next year"},
                "form_group": {"type": ["string", "null"], "description": "a form group code of the criteria set (citizen: farmer, worker, official, student)"}
            }),
            json!(["model", "year"]),
        ),
        ("put", "/api/v1/evaluations/{id}/answers") => s(
            json!({"answers": {
                "type": "object",
                "description": "indicator code → points (scale), 1/0 (yes/no) or a count; null clears the answer",
                "additionalProperties": {"type": ["integer", "null"], "minimum": 0}
            }}),
            json!(["answers"]),
        ),
        ("post", "/api/v1/evaluations/{id}/submit")
        | ("post", "/api/v1/criteria/{id}/variant")
        | ("post", "/api/v1/criteria/{id}/activate") => s(json!({}), json!([])),
        ("put", "/api/v1/criteria/{id}") => s(
            json!({
                "fields": {
                    "type": "object",
                    "description": "the form's fields by name, as on the page: version, title_vi, title_en, valid_years, total, threshold, min_each, reduced-K, level-K, g-G-name_vi, {code}-text_vi, {code}-text_en, {code}-max, {code}-rule (scale, yes_no, count), {code}-points_each, {code}-cap, {code}-min, {code}-evidence (1/0), {code}-remove (1), new-G-… (a new indicator in group G); a field not sent is unchanged",
                    "additionalProperties": {"type": "string", "maxLength": 300}
                },
                "source": {"type": "string", "maxLength": 200000, "description": "the whole set as TOML (docs/criteria.md), instead of fields"}
            }),
            json!([]),
        ),
        ("post", "/api/v1/evaluations/{id}/check") => s(
            json!({"note": {"type": ["string", "null"], "maxLength": 2000}}),
            json!([]),
        ),
        ("post", "/api/v1/evaluations/{id}/return")
        | ("post", "/api/v1/certificates/{code}/revoke") => reason(),
        ("post", "/api/v1/evaluations/{id}/review") => s(
            json!({
                "adjustments": {
                    "type": "object",
                    "description": "indicator code → the reviewer's points and a comment (a changed score needs a comment)",
                    "additionalProperties": {
                        "type": "object",
                        "properties": {"adjusted": {"type": ["integer", "null"], "minimum": 0}, "comment": {"type": ["string", "null"]}},
                        "additionalProperties": false
                    }
                },
                "decision": {"type": "string", "enum": ["recognise", "not_recognise"]},
                "decision_no": {"type": "string", "description": "with recognise"},
                "decision_date": {"type": "string", "description": "with recognise: YYYY-MM-DD or DD/MM/YYYY, not in the future"},
                "reason": {"type": "string", "description": "with not_recognise"}
            }),
            json!(["decision"]),
        ),
        ("post", "/api/v1/units/{code}/evaluations/bulk") => bulk_body(),
        _ => return super::evidence::body_schema(method, path),
    })
}

/// The body of a bulk action on evaluations.
fn bulk_body() -> Value {
    let s = |props: Value, required: Value| json!({"type": "object", "properties": props, "required": required, "additionalProperties": false});
    s(
        json!({
            "action": {"type": "string", "enum": ["check", "return", "recognise", "revoke"]},
            "ids": {"type": ["array", "null"], "items": {"type": "integer"}, "maxItems": 5000, "description": "the evaluations to act on; or give `filter`"},
            "filter": {
                "type": ["object", "null"],
                "description": "every evaluation the list with these filters shows (at most 5,000)",
                "properties": {
                    "branch": {"type": ["string", "null"]}, "year": {"type": ["integer", "null"]},
                    "model": {"type": ["string", "null"]}, "form_group": {"type": ["string", "null"]},
                    "status": {"type": ["string", "null"]}, "q": {"type": ["string", "null"]}
                },
                "additionalProperties": false
            },
            "reason": {"type": ["string", "null"], "description": "with return and revoke: 3 to 2,000 characters"},
            "decision": {
                "type": ["object", "null"],
                "description": "with recognise: the decision's number (at most 50 characters) and date (YYYY-MM-DD or DD/MM/YYYY, not in the future); the signer is the officer acting",
                "properties": {"number": {"type": "string"}, "date": {"type": "string"}},
                "required": ["number", "date"],
                "additionalProperties": false
            }
        }),
        json!(["action"]),
    )
}

/// Query parameters of these routes, for the OpenAPI document.
pub fn query_params(path: &str) -> Vec<Value> {
    let p = |name: &str, ty: &str, desc: &str| json!({"name": name, "in": "query", "required": false, "schema": {"type": ty}, "description": desc});
    match path {
        "/api/v1/evaluations" => vec![
            p("unit", "string", "code of a unit in scope (GET; optional when you hold positions in one subtree only)"),
            p("branch", "string", "code of a unit under `unit`: only its subtree"),
            p("year", "integer", "the year evaluated"),
            p("model", "string", "citizen, family, clan, community or unit"),
            p("form_group", "string", "a form group code of the criteria set (citizen: farmer, worker, official, student)"),
            p("status", "string", "registered, submitted, checked, returned, recognised (titles in force), revoked (titles withdrawn) or not_recognised"),
            p("q", "string", "a name, with or without diacritics (\"nguyen van\" finds Nguyễn Văn), or the digits of a phone number"),
            p("sort", "string", "recent (default: last changed first), oldest (longest waiting first), name, total"),
            p("cursor", "string", "next_cursor of the previous page"),
            p("per_page", "integer", "1 to 200, default 50"),
        ],
        "/api/v1/criteria" => {
            let mut v = vec![p("model", "string", "citizen, family, clan, community or unit")];
            v.extend(crate::web::list::paging_params("a set's code or title, without diacritics or with"));
            v
        }
        "/api/v1/evaluations/{id}/evidence" => crate::web::list::paging_params("GET: the indicator's code or words of the note, without diacritics or with"),
        "/api/v1/me/evaluations" => crate::web::list::paging_params("the subject's name or the year"),
        "/api/v1/units/{code}/counts" => vec![p("year", "integer", "the year of the statistics (default: the dashboard's year)")],
        _ => vec![],
    }
}
