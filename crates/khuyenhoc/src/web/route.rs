//! What a route is: its method, path, access rule, summary and handler. Every capability's
//! `pages.rs`/`api.rs` declares its routes with [`r`]; the table that assembles them
//! (`web::routes::all`) is the only module that imports the capabilities, so this one imports
//! none.

use crate::state::AppState;
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
