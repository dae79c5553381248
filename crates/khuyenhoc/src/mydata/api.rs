//! `GET /api/v1/me/data`: the person's data as one JSON file.

use super::model::{self, MyData};
use crate::auth::ApiViewer;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::web::route::{api, Access, Route};
use axum::extract::State;
use axum::Json;

pub fn routes() -> Vec<Route> {
    use axum::http::Method as M;
    vec![api(
        M::GET,
        "/api/v1/me/data",
        Access::SignedIn,
        "Everything the Association holds about the signed-in person (Decree 13/2023), as JSON",
        data,
    )]
}

pub async fn data(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
) -> ApiResult<Json<MyData>> {
    Ok(Json(model::gather(&state.db, v.person_id).await?))
}
