//! The route table: every route with its method, its access rule and a one-line summary. The
//! router, the OpenAPI document and the access-matrix test are all built from this table, so a
//! route cannot exist without an access rule.

use crate::state::AppState;
use crate::{accounts, audit, ops, org, positions};
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{on, MethodFilter, MethodRouter};

/// Who may use a route. Scope rules (the unit must lie under one of the viewer's positions) are
/// checked inside the handlers, which answer 404 outside the scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in person.
    SignedIn,
    /// A signed-in person holding a position whose unit covers the target.
    Officer,
    /// A position at the central office with the right to manage clusters or position types.
    Central,
}

pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub summary: &'static str,
    pub handler: MethodRouter<AppState>,
}

pub(crate) fn r<H, T>(
    method: Method,
    path: &'static str,
    access: Access,
    summary: &'static str,
    h: H,
) -> Route
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let filter = MethodFilter::try_from(method.clone()).unwrap_or(MethodFilter::GET);
    Route {
        method,
        path,
        access,
        summary,
        handler: on(filter, h),
    }
}

#[allow(clippy::too_many_lines)]
#[rustfmt::skip]
pub fn all() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        // Operations
        r(M::GET, "/healthz", Public, "Liveness", ops::healthz),
        r(M::GET, "/readyz", Public, "Readiness (database reachable)", ops::readyz),
        r(M::GET, "/metrics", Public, "Prometheus metrics", ops::metrics),
        r(M::GET, "/static/app.css", Public, "Stylesheet", crate::web::assets::css),
        r(M::GET, "/static/app.js", Public, "Script for drafts kept offline and live totals", crate::web::assets::js),
        // Pages
        r(M::GET, "/", Public, "Home page per role (login page when signed out)", crate::web::home::page),
        r(M::GET, "/login", Public, "Login form", accounts::login::page),
        r(M::POST, "/login", Public, "Log in", accounts::login::submit),
        r(M::POST, "/logout", Public, "Log out", accounts::login::logout),
        r(M::GET, "/lang/{code}", Public, "Switch the interface language", accounts::login::switch_lang),
        r(M::GET, "/account", SignedIn, "My account", accounts::pages::account),
        r(M::POST, "/account/password", SignedIn, "Change my password", accounts::pages::change_password),
        r(M::POST, "/account/tokens", SignedIn, "Create an API token", accounts::pages::create_token),
        r(M::POST, "/account/tokens/{id}/revoke", SignedIn, "Revoke an API token", accounts::pages::revoke_token),
        r(M::GET, "/units", Officer, "Find units in scope", org::pages::search),
        r(M::GET, "/units/{code}", Officer, "Unit page", org::pages::show),
        r(M::POST, "/units/{code}/branches", Officer, "Open a branch", org::pages::open_branch),
        r(M::POST, "/units/{code}/rename", Officer, "Rename a branch", org::pages::rename),
        r(M::POST, "/units/{code}/move", Officer, "Move a branch", org::pages::move_branch),
        r(M::POST, "/units/{code}/close", Officer, "Close a branch", org::pages::close),
        r(M::POST, "/units/{code}/positions", Officer, "Create a position", positions::pages::create),
        r(M::GET, "/units/{code}/people/new", Officer, "Form to register a person", accounts::pages::new_person),
        r(M::POST, "/units/{code}/people", Officer, "Register a person", accounts::pages::create_person),
        r(M::GET, "/people/{id}", Officer, "Person page", accounts::pages::person),
        r(M::POST, "/people/{id}/reset-password", Officer, "Reset a password", accounts::pages::reset_password),
        r(M::GET, "/positions/{id}", Officer, "Position page with its holders", positions::pages::show),
        r(M::POST, "/positions/{id}/handover", Officer, "Hand a position over", positions::pages::handover),
        r(M::POST, "/positions/{id}/vacate", Officer, "Vacate a position", positions::pages::vacate),
        r(M::GET, "/position-types", Officer, "Position types", positions::pages::types),
        r(M::POST, "/position-types", Central, "Define a position type", positions::pages::create_type),
        r(M::GET, "/audit", Officer, "Audit log viewer", audit::pages::page),
        r(M::GET, "/clusters", Officer, "Emulation clusters", org::pages::clusters),
        r(M::POST, "/clusters", Central, "Create a cluster", org::pages::create_cluster),
        r(M::POST, "/clusters/{code}/members", Central, "Put a province in a cluster", org::pages::assign_cluster),
        // JSON API
        r(M::GET, "/api/v1/openapi.json", Public, "This OpenAPI document", crate::web::openapi::document),
        r(M::GET, "/api/v1/me", SignedIn, "The signed-in person and their positions", accounts::api::me),
        r(M::GET, "/api/v1/units", Officer, "List units in scope (paginated, with total)", org::api::list),
        r(M::GET, "/api/v1/units/{code}", Officer, "One unit by official code", org::api::get),
        r(M::PATCH, "/api/v1/units/{code}", Officer, "Rename or move a branch", org::api::patch),
        r(M::POST, "/api/v1/units/{code}/branches", Officer, "Open a branch under a unit", org::api::open_branch),
        r(M::POST, "/api/v1/units/{code}/close", Officer, "Close a branch", org::api::close),
        r(M::GET, "/api/v1/units/{code}/positions", Officer, "Positions of a unit", positions::api::for_unit),
        r(M::POST, "/api/v1/units/{code}/positions", Officer, "Create a position", positions::api::create),
        r(M::POST, "/api/v1/units/{code}/people", Officer, "Register a person", accounts::api::create),
        r(M::GET, "/api/v1/people/{id}", Officer, "One person (ID number masked)", accounts::api::get),
        r(M::POST, "/api/v1/people/{id}/reset-password", Officer, "Reset the password of a person without email", accounts::api::reset_password),
        r(M::GET, "/api/v1/positions/{id}", Officer, "One position", positions::api::get),
        r(M::GET, "/api/v1/positions/{id}/holders", Officer, "Everyone who held a position", positions::api::holders),
        r(M::POST, "/api/v1/positions/{id}/handover", Officer, "Hand a position over", positions::api::handover),
        r(M::POST, "/api/v1/positions/{id}/vacate", Officer, "Vacate a position", positions::api::vacate),
        r(M::GET, "/api/v1/position-types", Officer, "Position types", positions::api::types),
        r(M::POST, "/api/v1/position-types", Central, "Define a position type", positions::api::create_type),
        r(M::GET, "/api/v1/audit", Officer, "Audit log entries in scope", audit::api::list_entries),
        r(M::GET, "/api/v1/clusters", Officer, "Clusters and their provinces", org::api::clusters),
        r(M::POST, "/api/v1/clusters", Central, "Create a cluster", org::api::create_cluster),
        r(M::POST, "/api/v1/clusters/{code}/members", Central, "Put a province in a cluster from today", org::api::assign_cluster),
    ]
    .into_iter()
    .chain(crate::evaluation::pages::routes())
    .chain(crate::evaluation::api::routes())
    .chain(crate::evaluation::batch::routes())
    .chain(crate::evaluation::criteria::routes())
    .chain(crate::evaluation::groups::routes())
    .chain(crate::funds::pages::routes())
    .chain(crate::funds::api::routes())
    .chain(crate::members::pages::routes())
    .chain(crate::members::api::routes())
    .chain(crate::reports::pages::routes())
    .chain(crate::reports::api::routes())
    .collect()
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
