//! The live figures of a unit and the blank paper forms through the API (issue 16, item 8):
//! `GET /api/v1/units/{code}/counts` answers what the officer's home page shows for a unit
//! (`reports::dashboard::for_unit`) with the unit's statistics of a year as its evaluation list
//! shows them (`evaluation::stats::for_unit`); `GET /api/v1/criteria/{id}/forms/{group}` the
//! page's blank form PDF (`evaluation::criteria::blank_pdf`).

use crate::accounts::pages::parse_id;
use crate::auth::ApiViewer;
use crate::error::{ApiResult, AppError};
use crate::evaluation::stats::{self, Stats};
use crate::reports::dashboard::{self, Dashboard};
use crate::state::AppState;
use crate::web::extract::ApiQuery;
use crate::web::route::Pdf;
use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};

/// A unit's live figures.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "UnitCounts")]
pub struct Counts {
    pub unit_code: String,
    pub unit_name: String,
    /// The home page's figures for the unit: the current period, waiting work, key figures.
    pub dashboard: Dashboard,
    /// The year of `stats`.
    pub year: i64,
    /// Registrations and recognitions by title and form group, and the national targets.
    pub stats: Stats,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountsQuery {
    #[serde(default)]
    pub year: Option<i64>,
}

pub async fn unit_counts(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<CountsQuery>,
) -> ApiResult<Json<Counts>> {
    // The scope question of the unit's pages: whoever may read the unit.
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let unit_ref = crate::reports::figures::UnitRef {
        id: unit.id,
        code: unit.code.clone(),
        name: unit.name.clone(),
        level: unit.level,
        path: unit.path.clone(),
    };
    let d = dashboard::for_unit(&state.db, &unit_ref).await?;
    let year = q.year.unwrap_or(d.year);
    if !(2000..=2100).contains(&year) {
        return Err(AppError::field(
            "year",
            khuyenhoc_domain::Invalid::new("Năm không hợp lệ", "Not a valid year"),
        )
        .into());
    }
    let stats = stats::for_unit(&state, &unit.path, year).await?;
    Ok(Json(Counts {
        unit_code: unit.code,
        unit_name: unit.name,
        dashboard: d,
        year,
        stats,
    }))
}

/// The blank paper form of a set's form group, as the page prints it.
pub async fn blank_form(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((id, group)): Path<(String, String)>,
) -> ApiResult<Pdf> {
    Ok(crate::evaluation::criteria::blank_pdf(&state, &v, parse_id(&id)?, &group).await?)
}
