//! Receipts and payments of a fund or of a unit's subtree (HTML or Excel), and voucher PDFs.

use crate::accounts::pages::parse_id;
use crate::auth::Viewer;
use crate::error::PageResult;
use crate::funds::model;
use crate::funds::service;
use crate::state::AppState;
use crate::web::extract::PageQuery;
use crate::web::layout::{render, Chrome};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use khuyenhoc_ledger::ReceiptsPayments;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct PeriodQuery {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub format: String,
}

#[derive(Template)]
#[template(path = "fund_report.html")]
pub struct ReportPage {
    pub c: Chrome,
    pub title: String,
    pub back: String,
    pub from: String,
    pub to: String,
    pub r: ReceiptsPayments,
    pub funds: Vec<String>,
}

impl ReportPage {
    pub fn money(&self, d: &khuyenhoc_ledger::Dong) -> String {
        d.grouped()
    }
}

async fn report_response(
    c: Chrome,
    title: String,
    back: String,
    q: &PeriodQuery,
    funds: Vec<(i64, String)>,
    subtree: Option<(i64, &str)>,
    state: &AppState,
) -> PageResult<Response> {
    let period = service::parse_period(Some(&q.from), Some(&q.to))?;
    let r = match subtree {
        Some((unit_id, path)) => service::unit_report(&state.db, unit_id, path, period).await?,
        None => {
            let ids: Vec<i64> = funds.iter().map(|f| f.0).collect();
            service::report(&state.db, &ids, period).await?
        }
    };
    if q.format == "xlsx" {
        let bytes = crate::funds::export::report_xlsx(&title, &r)
            .map_err(|e| anyhow::anyhow!("xlsx: {e}"))?;
        let name = format!(
            "attachment; filename=\"bao-cao-thu-chi-{}-{}.xlsx\"",
            period.from(),
            period.to()
        );
        return Ok((
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
                ),
                (header::CONTENT_DISPOSITION, name),
            ],
            bytes,
        )
            .into_response());
    }
    let page = ReportPage {
        c,
        title,
        back,
        from: period.from().to_string(),
        to: period.to().to_string(),
        r,
        funds: funds.into_iter().map(|f| f.1).collect(),
    };
    Ok(render(&page)?.into_response())
}

pub async fn fund_report(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<PeriodQuery>,
) -> PageResult<Response> {
    let f = service::visible(&state.db, &v, parse_id(&id)?).await?;
    let title = format!("{} — {}", f.name, f.unit_name);
    report_response(
        c,
        title,
        format!("/funds/{}", f.id),
        &q,
        vec![(f.id, f.name.clone())],
        None,
        &state,
    )
    .await
}

pub async fn unit_report(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<PeriodQuery>,
) -> PageResult<Response> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let funds = model::in_subtree(&state.db, &unit.path).await?;
    let title = format!("Tổng hợp các quỹ thuộc {}", unit.name);
    report_response(
        c,
        title,
        format!("/units/{}/funds", unit.code),
        &q,
        funds
            .into_iter()
            .map(|f| (f.id, format!("{} ({})", f.name, f.unit_name)))
            .collect(),
        Some((unit.id, unit.path.as_str())),
        &state,
    )
    .await
}

pub async fn voucher(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let pdf = crate::funds::export::voucher_pdf(&state, &v, parse_id(&id)?).await?;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], pdf).into_response())
}
