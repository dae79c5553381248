//! The API of scholarship and award rounds: opening one, reading it with the nominations in the
//! viewer's scope, nominating, deciding, paying, publishing, and the public list of recipients.

use super::funds::cash;
use crate::accounts::pages::parse_id;
use crate::auth::{ApiViewer, Viewer};
use crate::error::{ApiResult, AppError};
use crate::funds::programmes::{
    self, NewNomination, NewProgramme, Nomination, Programme, PublicRecipient,
};
use crate::state::AppState;
use crate::web::extract::{ApiJson, IdempotencyKey, OptionalJson};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    Select,
    Reject,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    pub decision: DecisionKind,
    pub reason: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct PaymentBody {
    /// cash (default), bank or in_kind
    pub asset: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NoBody {}

#[derive(Serialize, schemars::JsonSchema)]
pub struct ProgrammeDetail {
    pub programme: Programme,
    /// The nominations of units the viewer reads (all of them for the fund's own officers).
    pub nominations: Vec<Nomination>,
}

#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "ProgrammePayment")]
pub struct PaymentView {
    /// How many recipients this call paid.
    pub paid: usize,
    pub programme: Programme,
    pub nominations: Vec<Nomination>,
}

/// What anyone may see of a published programme.
#[derive(Serialize, schemars::JsonSchema)]
pub struct PublicProgramme {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub fund_name: String,
    pub target_group: String,
    pub criteria: String,
    pub amount_each: i64,
    pub recipients: Vec<PublicRecipient>,
}

async fn programme_detail(
    state: &AppState,
    v: &Viewer,
    p: Programme,
) -> Result<ProgrammeDetail, AppError> {
    let all = programmes::nominations(&state.db, p.id).await?;
    let nominations = if v.can_read(&p.unit_path) {
        all
    } else {
        // An officer of a unit below the fund sees the nominations of their own subtree.
        let mut mine = vec![];
        for n in all {
            let unit = crate::org::model::by_code(&state.db, &n.unit_code).await?;
            if unit.is_some_and(|u| v.can_read(&u.path)) {
                mine.push(n);
            }
        }
        mine
    };
    Ok(ProgrammeDetail {
        programme: p,
        nominations,
    })
}

// ---------------------------------------------------------------------------------------------
// Programmes

pub async fn create_programme(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewProgramme>,
) -> ApiResult<(StatusCode, Json<Programme>)> {
    let p = programmes::create(&state.db, &v, parse_id(&id)?, &b).await?;
    Ok((StatusCode::CREATED, Json(p)))
}

pub async fn get_programme(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<ProgrammeDetail>> {
    let p = programmes::visible(&state.db, &v, parse_id(&id)?).await?;
    Ok(Json(programme_detail(&state, &v, p).await?))
}

async fn nomination(state: &AppState, programme_id: i64, id: i64) -> Result<Nomination, AppError> {
    programmes::nominations(&state.db, programme_id)
        .await?
        .into_iter()
        .find(|n| n.id == id)
        .ok_or(AppError::NotFound)
}

pub async fn nominate(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewNomination>,
) -> ApiResult<(StatusCode, Json<Nomination>)> {
    let programme_id = parse_id(&id)?;
    let nid = programmes::nominate(&state.db, &v, programme_id, &b).await?;
    Ok((
        StatusCode::CREATED,
        Json(nomination(&state, programme_id, nid).await?),
    ))
}

pub async fn decide(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<DecisionBody>,
) -> ApiResult<Json<Nomination>> {
    let nid = parse_id(&id)?;
    programmes::decide(
        &state.db,
        &v,
        nid,
        b.decision == DecisionKind::Select,
        &b.reason,
    )
    .await?;
    let programme_id: i64 =
        sqlx::query_scalar("SELECT programme_id FROM nominations WHERE id = $1")
            .bind(nid)
            .fetch_one(&state.db.pool)
            .await
            .map_err(AppError::from)?;
    Ok(Json(nomination(&state, programme_id, nid).await?))
}

/// 201 with what this call paid (200 with the first call's count for a retry with the same
/// `Idempotency-Key`).
pub async fn pay(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    IdempotencyKey(key): IdempotencyKey,
    OptionalJson(b): OptionalJson<PaymentBody>,
) -> ApiResult<(StatusCode, Json<PaymentView>)> {
    let id = parse_id(&id)?;
    let asset = b.asset.unwrap_or_else(cash);
    let (paid, created) = programmes::pay(&state, &v, id, asset.trim(), key.as_deref()).await?;
    let p = programmes::visible(&state.db, &v, id).await?;
    let d = programme_detail(&state, &v, p).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(PaymentView {
            paid,
            programme: d.programme,
            nominations: d.nominations,
        }),
    ))
}

pub async fn publish(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    OptionalJson(_): OptionalJson<NoBody>,
) -> ApiResult<Json<ProgrammeDetail>> {
    let id = parse_id(&id)?;
    programmes::publish(&state.db, &v, id).await?;
    let p = programmes::visible(&state.db, &v, id).await?;
    Ok(Json(programme_detail(&state, &v, p).await?))
}

pub async fn public_programme(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<PublicProgramme>> {
    let (p, recipients) = programmes::public_list(&state.db, parse_id(&id)?).await?;
    Ok(Json(PublicProgramme {
        id: p.id,
        kind: p.kind,
        name: p.name,
        fund_name: p.fund_name,
        target_group: p.target_group,
        criteria: p.criteria,
        amount_each: p.amount_each,
        recipients,
    }))
}
