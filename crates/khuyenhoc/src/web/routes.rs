//! The route table: every capability's routes (`routes()` beside its handlers, each with its
//! method, access rule and summary) gathered in one list. The router, the OpenAPI document and
//! the access-matrix test are all built from this list, so a route cannot exist without an access
//! rule. This is the one module that imports the capabilities; they import only `web::route`.

use crate::web::route::api;
pub use crate::web::route::{Access, Route};

use crate::web::openapi::{self, Document};
use axum::http::Method;
use axum::Json;

/// Every route of the program: the one place that imports each capability's route list.
pub fn all() -> Vec<Route> {
    let mut routes = vec![api(
        Method::GET,
        "/api/v1/openapi.json",
        Access::Public,
        "This OpenAPI document",
        openapi_document,
    )];
    for part in [
        crate::ops::routes(),
        crate::web::assets::routes(),
        crate::home::routes(),
        crate::accounts::login::routes(),
        crate::accounts::pages::routes(),
        crate::accounts::record_pages::routes(),
        crate::org::pages::routes(),
        crate::org::disadvantaged_import::routes(),
        crate::org::old_map_pages::routes(),
        crate::reports::old_figures::routes(),
        crate::positions::pages::routes(),
        crate::audit::pages::routes(),
        crate::accounts::api::routes(),
        crate::accounts::people_list::api::routes(),
        crate::accounts::people_list::pages::routes(),
        crate::org::api::routes(),
        crate::positions::api::routes(),
        crate::audit::api::routes(),
        crate::evaluation::pages::routes(),
        crate::evaluation::api::routes(),
        crate::evaluation::worklist::pages::routes(),
        crate::evaluation::worklist::api::routes(),
        crate::evaluation::batch::routes(),
        crate::evaluation::criteria::routes(),
        crate::evaluation::groups::routes(),
        crate::funds::pages::routes(),
        crate::funds::api::routes(),
        crate::members::pages::routes(),
        crate::members::api::routes(),
        crate::reports::pages::routes(),
        crate::reports::api::routes(),
        crate::reports::splits_import::routes(),
        crate::notify::routes(),
        crate::join::pages::routes(),
        crate::join::api::routes(),
        crate::accounts::recovery_pages::routes(),
        crate::mydata::routes(),
        crate::cooperation::routes(),
        crate::meetings::routes(),
        crate::documents::api::routes(),
        crate::documents::pages::routes(),
        crate::documents::inbox::routes(),
        crate::record::routes(),
        crate::credentials::pages::routes(),
    ] {
        routes.extend(part);
    }
    routes
}

/// The OpenAPI document of every `/api/v1/` route.
async fn openapi_document() -> Json<Document> {
    Json(Document(openapi::build(&all())))
}

/// Unknown paths: problem+json under `/api/`, an error page elsewhere.
pub async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    let err = crate::error::AppError::NotFound;
    if uri.path().starts_with("/api/") {
        crate::error::ApiError(err).into_response()
    } else {
        crate::error::PageError(err).into_response()
    }
}
