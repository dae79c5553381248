//! One member: the detail page, status, transfer, edit and fee forms.

use super::{refusal, Refusal, SectorBoxes};
use crate::accounts::pages::parse_id;
use crate::auth::{perm, Viewer};
use crate::error::{AppError, PageResult};
use crate::funds::model::Fund;
use crate::members::model::{self, Fee, Member, Transfer};
use crate::members::service::{self, Edit, NewFee, NewTransfer};
use crate::members::{SECTORS, STATUSES};
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::layout::{render, Chrome, FormErrors};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "members_detail.html")]
pub struct DetailPage {
    pub c: Chrome,
    pub m: Member,
    pub transfers: Vec<Transfer>,
    pub fees: Vec<Fee>,
    pub can_manage: bool,
    /// The funds the viewer may record this member's fee in.
    pub fee_funds: Vec<Fund>,
    pub this_year: i64,
    pub errors: FormErrors,
    pub problem: Option<(String, String)>,
    pub sectors: &'static [(&'static str, &'static str, &'static str)],
    pub statuses: &'static [(&'static str, &'static str, &'static str)],
}

impl DetailPage {
    pub fn money(&self, n: &i64) -> String {
        khuyenhoc_ledger::Dong::new(*n).grouped()
    }
    pub fn has(&self, code: &&str) -> bool {
        self.m.has_sector(code)
    }
}

pub(super) async fn detail_view(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    refused: Option<Refusal>,
) -> PageResult<Response> {
    let m = service::visible(&state.db, v, parse_id(id)?).await?;
    let transfers = model::transfers(&state.db, m.id).await?;
    let fees = model::fees(&state.db, m.id).await?;
    let fee_funds = service::fee_funds(&state.db, &m)
        .await?
        .into_iter()
        .filter(|f| v.position_for(perm::FUND_POST, &f.unit_path).is_some())
        .collect();
    let can_manage = v
        .position_for(perm::MEMBER_MANAGE, &m.branch_path)
        .is_some();
    let (status, errors, problem) =
        refused.unwrap_or((StatusCode::OK, FormErrors::default(), None));
    let page = DetailPage {
        c,
        m,
        transfers,
        fees,
        can_manage,
        fee_funds,
        this_year: service::this_year(),
        errors,
        problem,
        sectors: SECTORS,
        statuses: STATUSES,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn detail(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    detail_view(&state, c, &v, &id, None).await
}

/// After a form of the member page: back to the page, or the page again with what was wrong.
pub(super) async fn after<T>(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    r: Result<T, AppError>,
) -> PageResult<Response> {
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/members/{id}")).into_response()),
        Err(e) => {
            let refused = refusal(e)?;
            detail_view(state, c, v, id, Some(refused)).await
        }
    }
}

#[derive(Deserialize, Default)]
pub struct StatusForm {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub on: String,
}

pub async fn set_status(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<StatusForm>,
) -> PageResult<Response> {
    let r = service::set_status(&state.db, &v, parse_id(&id)?, &f.status, Some(&f.on)).await;
    after(&state, c, &v, &id, r).await
}

#[derive(Deserialize, Default)]
pub struct TransferForm {
    #[serde(default)]
    pub to_branch: String,
    #[serde(default)]
    pub on: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub card_no: String,
}

pub async fn transfer(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<TransferForm>,
) -> PageResult<Response> {
    let member_id = parse_id(&id)?;
    let from = service::visible(&state.db, &v, member_id).await?;
    let t = NewTransfer {
        to_branch: f.to_branch,
        on: Some(f.on),
        reason: Some(f.reason),
        card_no: Some(f.card_no),
    };
    match service::transfer(&state.db, &v, member_id, &t).await {
        // A member moved out of the viewer's scope is no longer theirs to see.
        Ok((m, _)) if !v.can_read(&m.branch_path) => {
            Ok(Redirect::to(&format!("/units/{}/members", from.branch_code)).into_response())
        }
        r => after(&state, c, &v, &id, r).await,
    }
}

#[derive(Deserialize, Default)]
pub struct EditForm {
    #[serde(default)]
    pub card_no: String,
    #[serde(flatten)]
    pub sectors: SectorBoxes,
}

pub async fn edit(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<EditForm>,
) -> PageResult<Response> {
    let e = Edit {
        card_no: Some(f.card_no),
        sectors: Some(f.sectors.codes()),
    };
    let r = service::edit(&state.db, &v, parse_id(&id)?, &e).await;
    after(&state, c, &v, &id, r).await
}

#[derive(Deserialize, Default)]
pub struct FeeForm {
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub fund_id: String,
    #[serde(default)]
    pub asset: String,
    #[serde(default)]
    pub date: String,
    /// A random value the form carries so that pressing the button twice posts once.
    #[serde(default)]
    pub once: String,
}

pub async fn pay_fee(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<FeeForm>,
) -> PageResult<Response> {
    let fee = NewFee {
        amount: serde_json::Value::String(f.amount),
        year: Some(serde_json::Value::String(f.year)),
        fund_id: f.fund_id.trim().parse::<i64>().ok(),
        asset: Some(f.asset),
        date: Some(f.date),
    };
    let key = Some(f.once)
        .filter(|k| !k.trim().is_empty())
        .map(|k| format!("form-{k}"));
    let r = service::pay_fee(&state.db, &v, parse_id(&id)?, &fee, key.as_deref()).await;
    after(&state, c, &v, &id, r).await
}
