//! Issue 16's interface for lists, read from the OpenAPI document the server publishes: every
//! list route of the API takes `q`, `cursor` and `per_page` and answers `items`, `total` and
//! `next_cursor`. A GET route that answers a bare array is a list that cannot be paged, and
//! fails here unless it is one of the few answers that are one record's fixed parts (named
//! below with the reason).

use khuyenhoc::web::openapi::build;
use khuyenhoc::web::routes;
use serde_json::Value;

/// GET routes whose answer is an array by nature, not a list that grows with the data.
const NOT_LISTS: &[(&str, &str)] = &[(
    "/api/v1/criteria/{id}/diff",
    "the lines of one criteria set against its parent: bounded by the set's indicators",
)];

/// The schema an answer refers to, followed through `$ref`.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.rsplit('/').next().unwrap_or_default();
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

fn params(op: &Value) -> Vec<&str> {
    op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == "query")
        .filter_map(|p| p["name"].as_str())
        .collect()
}

#[test]
fn every_list_route_takes_q_cursor_per_page_and_answers_items_total_next_cursor() {
    let doc = build(&routes::all());
    let paths = doc["paths"].as_object().expect("paths");
    let mut wrong = vec![];
    let mut lists = 0;
    for (path, ops) in paths {
        let Some(op) = ops.get("get") else { continue };
        let Some(schema) = op["responses"]["200"]["content"]["application/json"].get("schema")
        else {
            continue;
        };
        let schema = resolve(&doc, schema);
        let is_array = schema["type"] == "array";
        let props = schema["properties"].as_object();
        let is_page = props.is_some_and(|p| p.contains_key("items"));
        if is_array {
            if !NOT_LISTS.iter().any(|(p, _)| p == path) {
                wrong.push(format!(
                    "{path}: answers a bare array, not items/total/next_cursor"
                ));
            }
            continue;
        }
        if !is_page {
            continue;
        }
        lists += 1;
        let p = props.expect("properties");
        for field in ["items", "total", "next_cursor"] {
            if !p.contains_key(field) {
                wrong.push(format!("{path}: answer without `{field}`"));
            }
        }
        let taken = params(op);
        for name in ["q", "cursor", "per_page"] {
            if !taken.contains(&name) {
                wrong.push(format!("{path}: does not take `{name}`"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "lists not in issue 16's shape:\n{}",
        wrong.join("\n")
    );
    // The worklist, people, members, funds, groups and the rest: far more than a handful.
    assert!(lists >= 15, "only {lists} list routes found");
}
