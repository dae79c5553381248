//! The worklist through the API: `GET /api/v1/evaluations` (paged by key, `q`, filters),
//! `POST /api/v1/units/{code}/evaluations/bulk`, `GET /api/v1/decisions/{id}`.

use super::bulk::{self, Action, Done};
use super::decision::{self, AnnexLine, Decision};
use super::{Filter, ListArgs};
use crate::accounts::pages::parse_id;
use crate::auth::{ApiViewer, Viewer};
use crate::error::{ApiResult, AppError};
use crate::evaluation::api::Summary;
use crate::org::model::Unit;
use crate::state::AppState;
use crate::web::extract::{ApiJson, ApiQuery};
use crate::web::list::{per_page, ListPage};
use crate::web::route::{api, Access, Route};
use axum::extract::{Path, State};
use axum::Json;
use khuyenhoc_domain::Invalid;
use serde::Deserialize;

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        api(M::GET, "/api/v1/evaluations", Officer, "Evaluations under a unit in scope: paged by key (cursor), searched (q: a name without diacritics or a phone), filtered, sorted, with the total", list),
        api(M::POST, "/api/v1/units/{code}/evaluations/bulk", Officer, "Check, return, recognise under one decision or revoke many evaluations at once: all or none, the rows that cannot be acted on listed", bulk_action),
        api(M::GET, "/api/v1/decisions/{id}", Officer, "A recognition decision with everyone it recognised (its annex)", get_decision),
    ]
}

/// The query of `GET /api/v1/evaluations`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// A unit in scope; optional when the viewer's positions lie in one subtree.
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(default)]
    pub year: Option<i64>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub form_group: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub sort: Option<String>,
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    pub per_page: Option<i64>,
}

impl ListQuery {
    fn args(&self) -> ListArgs {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        ListArgs {
            branch: s(&self.branch),
            year: self.year.map(|y| y.to_string()).unwrap_or_default(),
            model: s(&self.model),
            form_group: s(&self.form_group),
            status: s(&self.status),
            q: s(&self.q),
            sort: s(&self.sort),
            cursor: s(&self.cursor),
            per_page: self.per_page,
        }
    }
}

/// The unit a list is under: the one named, or the viewer's only subtree.
async fn unit_of(state: &AppState, v: &Viewer, code: Option<&str>) -> Result<Unit, AppError> {
    let code = match code {
        Some(code) => code.to_owned(),
        None => match v.scope_roots().as_slice() {
            [one] => one
                .trim_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned(),
            _ => {
                return Err(AppError::field(
                    "unit",
                    Invalid::new(
                        "Hãy chọn đơn vị (tham số unit)",
                        "Give the unit (the unit parameter)",
                    ),
                ))
            }
        },
    };
    let code = khuyenhoc_domain::UnitCode::parse(&code).map_err(|e| AppError::field("unit", e))?;
    crate::org::service::visible(&state.db, v, code.as_str()).await
}

pub async fn list(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<ListPage<Summary>>> {
    if !v.is_officer() {
        return Err(AppError::NotFound.into());
    }
    let unit = unit_of(&state, &v, q.unit.as_deref()).await?;
    let args = q.args();
    let n = per_page(args.per_page)?;
    let filter = Filter::parse(&state.db, &v, &unit, &args).await?;
    let page = filter.page(&state.db, &args.cursor, n).await?;
    Ok(Json(ListPage {
        items: page.items.into_iter().map(Summary::from).collect(),
        total: page.total,
        next_cursor: page.next_cursor,
    }))
}

/// The filter part of a bulk request: the same fields as the list's query.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkFilter {
    #[serde(default)]
    pub branch: Option<String>,
    #[serde(default)]
    pub year: Option<i64>,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub form_group: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub q: Option<String>,
}

/// The decision a bulk recognition is made under.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkDecision {
    pub number: String,
    /// YYYY-MM-DD or DD/MM/YYYY, not in the future.
    pub date: String,
}

/// The body of `POST /api/v1/units/{code}/evaluations/bulk`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkBody {
    pub action: String,
    #[serde(default)]
    pub ids: Option<Vec<i64>>,
    #[serde(default)]
    pub filter: Option<BulkFilter>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub decision: Option<BulkDecision>,
}

/// The action named in a page form or an API body, with what it needs.
pub fn action(
    name: &str,
    reason: Option<String>,
    decision: Option<(String, String)>,
) -> Result<Action, AppError> {
    Ok(match name.trim() {
        "check" => Action::Check,
        "return" => Action::Return {
            reason: reason.unwrap_or_default(),
        },
        "revoke" => Action::Revoke {
            reason: reason.unwrap_or_default(),
        },
        "recognise" => {
            let (number, date) = decision.unwrap_or_default();
            Action::Recognise { number, date }
        }
        _ => {
            return Err(AppError::field(
                "action",
                Invalid::new(
                    "Việc cần làm: check, return, recognise hoặc revoke",
                    "The action: check, return, recognise or revoke",
                ),
            ))
        }
    })
}

pub async fn bulk_action(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<BulkBody>,
) -> ApiResult<Json<Done>> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let act = action(&b.action, b.reason, b.decision.map(|d| (d.number, d.date)))?;
    let filter = match &b.filter {
        Some(f) => {
            let s = |v: &Option<String>| v.clone().unwrap_or_default();
            let args = ListArgs {
                branch: s(&f.branch),
                year: f.year.map(|y| y.to_string()).unwrap_or_default(),
                model: s(&f.model),
                form_group: s(&f.form_group),
                status: s(&f.status),
                q: s(&f.q),
                ..ListArgs::default()
            };
            Some(Filter::parse(&state.db, &v, &unit, &args).await?)
        }
        None => None,
    };
    let ids = bulk::select(&state, &v, &unit, &act, b.ids, filter.as_ref()).await?;
    Ok(Json(bulk::run(&state, &v, &unit, &ids, &act).await?))
}

/// A decision and its annex.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "RecognitionDecisionWithAnnex")]
pub struct DecisionWithAnnex {
    pub decision: Decision,
    pub annex: Vec<AnnexLine>,
}

pub async fn get_decision(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<DecisionWithAnnex>> {
    let d = decision::visible(&state.db, &v, parse_id(&id)?).await?;
    let annex = decision::annex(&state.db, d.id).await?;
    Ok(Json(DecisionWithAnnex { decision: d, annex }))
}
