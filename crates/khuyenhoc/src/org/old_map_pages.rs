//! The central office's page and API for loading the map before 1 July 2025 and the official
//! successions (`org::old_map`): a button, and the report of what was loaded and what could not
//! be placed.

use super::old_map::{self, Report};
use crate::auth::{perm, ApiViewer, Viewer};
use crate::db::Db;
use crate::error::{ApiResult, AppError, PageResult};
use crate::state::AppState;
use crate::web::layout::{render, Chrome};
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use axum::Json;

#[derive(Template)]
#[template(path = "old_map.html")]
pub struct OldMapPage {
    pub c: Chrome,
    /// Old units and links already in the database.
    pub loaded_units: i64,
    pub loaded_links: i64,
    /// What the run just done did.
    pub report: Option<Report>,
    pub error: Option<(String, String)>,
}

/// The actor, if the viewer may load the map (the central office's `unit.manage`; 404 otherwise).
async fn central(db: &Db, v: &Viewer) -> Result<crate::audit::Actor, AppError> {
    Ok(super::service::with_right(db, v, "VN", perm::UNIT_MANAGE)
        .await?
        .1)
}

async fn page(
    state: &AppState,
    c: Chrome,
    report: Option<Report>,
    error: Option<(String, String)>,
) -> PageResult<Html<String>> {
    let loaded_units =
        sqlx::query_scalar("SELECT COUNT(*) FROM units WHERE valid_to = $1 AND valid_from = $2")
            .bind(super::import::EFFECTIVE_2025)
            .bind(old_map::OLD_VALID_FROM)
            .fetch_one(&state.db.pool)
            .await
            .map_err(AppError::from)?;
    let loaded_links =
        sqlx::query_scalar("SELECT COUNT(*) FROM unit_successions WHERE effective_date = $1")
            .bind(super::import::EFFECTIVE_2025)
            .fetch_one(&state.db.pool)
            .await
            .map_err(AppError::from)?;
    render(&OldMapPage {
        c,
        loaded_units,
        loaded_links,
        report,
        error,
    })
}

pub async fn show(State(state): State<AppState>, c: Chrome, v: Viewer) -> PageResult<Html<String>> {
    central(&state.db, &v).await?;
    page(&state, c, None, None).await
}

pub async fn load(State(state): State<AppState>, c: Chrome, v: Viewer) -> PageResult<Html<String>> {
    let actor = central(&state.db, &v).await?;
    match old_map::import_builtin(&state.db, actor).await {
        Ok(r) => page(&state, c, Some(r), None).await,
        Err(AppError::BadRequest { vi, en }) => page(&state, c, None, Some((vi, en))).await,
        Err(e) => Err(e.into()),
    }
}

/// `POST /api/v1/units/old-map`: the same import, answering the report.
pub async fn api_load(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
) -> ApiResult<Json<Report>> {
    let actor = central(&state.db, &v).await?;
    Ok(Json(old_map::import_builtin(&state.db, actor).await?))
}

/// The routes, with their access rules.
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::route::Route> {
    use crate::web::route::{api, r, Access::*};
    use axum::http::Method as M;
    vec![
        r(M::GET, "/units/old-map", Central, "The map before 1 July 2025 and the official successions: what is loaded, and the button to load it", show),
        r(M::POST, "/units/old-map", Central, "Load the map before 1 July 2025 and the official successions (idempotent), with the report", load),
        api(M::POST, "/api/v1/units/old-map", Central, "Load the map before 1 July 2025 (63 provinces, their districts and communes) and the official successions old → new, shipped with the program; idempotent, all or nothing; answers the report with every row it could not place", api_load),
    ]
}
