//! The forms that post to a fund or change it: receipts and payments (posted once per form),
//! transfers, pledges, reversals, the public page switch.

use super::books::after;
use crate::accounts::pages::parse_id;
use crate::auth::Viewer;
use crate::error::{AppError, PageResult};
use crate::funds::service::{self, Movement};
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::layout::Chrome;
use axum::extract::{Path, State};
use axum::response::{Redirect, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct MovementForm {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub asset: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub party: String,
    #[serde(default)]
    pub party_kind: String,
    #[serde(default)]
    pub in_kind_note: String,
    /// A random value the form carries so that pressing the button twice posts once.
    #[serde(default)]
    pub once: String,
    /// The pledge this receipt fulfils, if any.
    #[serde(default)]
    pub pledge_id: String,
}

pub async fn record(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<MovementForm>,
) -> PageResult<Response> {
    let m = Movement {
        category: f.category,
        asset: if f.asset.is_empty() {
            "cash".into()
        } else {
            f.asset
        },
        amount: serde_json::Value::String(f.amount),
        date: Some(f.date),
        description: f.description,
        party: Some(f.party),
        party_kind: Some(f.party_kind),
        in_kind_note: Some(f.in_kind_note),
        pledge_id: f.pledge_id.trim().parse::<i64>().ok(),
    };
    let key = once(&f.once);
    let r = service::record(&state, &v, parse_id(&id)?, &m, key.as_deref())
        .await
        .map(|_| ());
    after(&state, c, &v, &id, r).await
}

/// The idempotency key of a form: its one-time value, kept apart from keys sent to the API.
fn once(value: &str) -> Option<String> {
    Some(value.trim())
        .filter(|k| !k.is_empty())
        .map(|k| format!("form-{k}"))
}

#[derive(Deserialize)]
pub struct TransferForm {
    #[serde(default)]
    pub to_fund: String,
    #[serde(default)]
    pub asset: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub once: String,
}

pub async fn transfer(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<TransferForm>,
) -> PageResult<Response> {
    let to = f.to_fund.trim().parse::<i64>().map_err(|_| {
        AppError::field(
            "to_fund",
            khuyenhoc_domain::Invalid::new(
                "Nhập số hiệu quỹ nhận",
                "Give the receiving fund's number",
            ),
        )
    });
    let r = match to {
        Ok(to_fund_id) => {
            let t = service::NewTransfer {
                to_fund_id,
                asset: if f.asset.is_empty() {
                    "cash".into()
                } else {
                    f.asset
                },
                amount: serde_json::Value::String(f.amount),
                date: Some(f.date),
                description: Some(f.description),
            };
            let key = once(&f.once);
            service::transfer(&state, &v, parse_id(&id)?, &t, key.as_deref())
                .await
                .map(|_| ())
        }
        Err(e) => Err(e),
    };
    after(&state, c, &v, &id, r).await
}

#[derive(Deserialize)]
pub struct PublicForm {
    #[serde(default)]
    pub public: String,
}

pub async fn set_public(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<PublicForm>,
) -> PageResult<Redirect> {
    service::set_public(&state.db, &v, parse_id(&id)?, f.public == "1").await?;
    Ok(Redirect::to(&format!("/funds/{id}")))
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub once: String,
}

pub async fn reverse(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<ReasonForm>,
) -> PageResult<Response> {
    let entry_id = parse_id(&id)?;
    let fund_id: i64 = sqlx::query_scalar("SELECT fund_id FROM ledger_entries WHERE id = $1")
        .bind(entry_id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let key = once(&f.once);
    let r = service::reverse(&state, &v, entry_id, &f.reason, key.as_deref())
        .await
        .map(|_| ());
    after(&state, c, &v, &fund_id.to_string(), r).await
}

#[derive(Deserialize)]
pub struct PledgeForm {
    #[serde(default)]
    pub party: String,
    #[serde(default)]
    pub party_kind: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub due_on: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub once: String,
}

pub async fn create_pledge(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<PledgeForm>,
) -> PageResult<Response> {
    let n = service::NewPledge {
        party: Some(f.party),
        party_kind: Some(f.party_kind),
        amount: serde_json::Value::String(f.amount),
        due_on: Some(f.due_on),
        note: Some(f.note),
    };
    let key = once(&f.once);
    let r = service::pledge(&state.db, &v, parse_id(&id)?, &n, key.as_deref())
        .await
        .map(|_| ());
    after(&state, c, &v, &id, r).await
}
