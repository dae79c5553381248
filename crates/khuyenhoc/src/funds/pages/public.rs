//! The public transparency pages: a fund switched to public, and a programme's published list.

use crate::accounts::pages::parse_id;
use crate::auth::OptionalViewer;
use crate::error::{AppError, PageResult};
use crate::funds::model::{self, Fund};
use crate::funds::programmes::{self, Programme, PublicRecipient};
use crate::funds::service;
use crate::state::AppState;
use crate::web::layout::{render, Chrome};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use khuyenhoc_ledger::ReceiptsPayments;

#[derive(Template)]
#[template(path = "fund_public.html")]
pub struct PublicFundPage {
    pub c: Chrome,
    pub f: Fund,
    pub r: ReceiptsPayments,
    pub programmes: Vec<Programme>,
}

impl PublicFundPage {
    pub fn money(&self, d: &khuyenhoc_ledger::Dong) -> String {
        d.grouped()
    }
}

pub async fn public_fund(
    State(state): State<AppState>,
    c: Chrome,
    _v: OptionalViewer,
    Path(id): Path<String>,
) -> PageResult<Html<String>> {
    let f = model::by_id(&state.db, parse_id(&id)?)
        .await?
        .filter(|f| f.public)
        .ok_or(AppError::NotFound)?;
    let period = service::parse_period(None, None)?;
    let r = service::report(&state.db, &[f.id], period).await?;
    let programmes = programmes::of_fund(&state.db, f.id)
        .await?
        .into_iter()
        .filter(|p| p.status == "published")
        .collect();
    render(&PublicFundPage {
        c,
        f,
        r,
        programmes,
    })
}

#[derive(Template)]
#[template(path = "programme_public.html")]
pub struct PublicProgrammePage {
    pub c: Chrome,
    pub p: Programme,
    pub recipients: Vec<PublicRecipient>,
}

impl PublicProgrammePage {
    pub fn money(&self, n: &i64) -> String {
        khuyenhoc_ledger::Dong::new(*n).grouped()
    }
}

pub async fn public_programme(
    State(state): State<AppState>,
    c: Chrome,
    _v: OptionalViewer,
    Path(id): Path<String>,
) -> PageResult<Html<String>> {
    let (p, recipients) = programmes::public_list(&state.db, parse_id(&id)?).await?;
    render(&PublicProgrammePage { c, p, recipients })
}
