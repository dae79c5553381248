//! JSON API of learning models under `/api/v1/evaluations`, `/api/v1/criteria`,
//! `/api/v1/certificates`.

use crate::web::routes::Route;

pub fn routes() -> Vec<Route> {
    vec![]
}

/// Request body schemas of these routes, for the OpenAPI document.
pub fn body_schema(method: &str, path: &str) -> Option<serde_json::Value> {
    let _ = (method, path);
    None
}

/// Query parameters of these routes, for the OpenAPI document.
pub fn query_params(path: &str) -> Vec<serde_json::Value> {
    let _ = path;
    vec![]
}
