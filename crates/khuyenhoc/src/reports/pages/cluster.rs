//! A cluster's provinces side by side with a chart per main indicator, and the table as Excel
//! or the briefing pack as PDF.

use super::download::{download, FormatQuery, XLSX};
use super::show::Show;
use crate::auth::Viewer;
use crate::error::PageResult;
use crate::reports::cluster::{self, ClusterTable};
use crate::state::AppState;
use crate::web::extract::PageQuery;
use crate::web::layout::{render, Chrome};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, Response};

impl Show for ClusterPage {}

#[derive(Template)]
#[template(path = "report_cluster.html")]
pub struct ClusterPage {
    pub c: Chrome,
    pub t: ClusterTable,
    pub charts: Vec<String>,
}

pub async fn cluster_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path((code, period)): Path<(String, String)>,
    PageQuery(q): PageQuery<FormatQuery>,
) -> PageResult<Html<String>> {
    let t = cluster::table(&state.db, &v, &code, &period, Some(q.as_of.as_str())).await?;
    let names: Vec<String> = t.provinces.iter().map(|p| p.unit.name.clone()).collect();
    let charts = t
        .heads
        .iter()
        .enumerate()
        .filter(|(_, h)| h.main)
        .map(|(i, h)| {
            #[allow(clippy::cast_precision_loss)] // counts and đồng, exact in an f64
            let values = t
                .provinces
                .iter()
                .map(|p| p.values.get(i).copied().flatten().unwrap_or(0) as f64)
                .collect();
            let series = [khuyenhoc_docs::Series {
                name: t.period_vi.clone(),
                values,
            }];
            khuyenhoc_docs::bar_chart(&h.label_vi, &names, &series)
        })
        .collect();
    render(&ClusterPage { c, t, charts })
}

pub async fn cluster_export(
    State(state): State<AppState>,
    v: Viewer,
    Path((code, period)): Path<(String, String)>,
    PageQuery(q): PageQuery<FormatQuery>,
) -> PageResult<Response> {
    let t = cluster::table(&state.db, &v, &code, &period, Some(q.as_of.as_str())).await?;
    let name = format!("cum-{}-{}", t.code, t.period);
    match q.format.as_str() {
        "pdf" => Ok(download(
            crate::reports::export::briefing_pdf(&t)?,
            "application/pdf",
            &format!("{name}.pdf"),
        )),
        _ => {
            let x = crate::reports::export::cluster_xlsx(&t)
                .map_err(|e| anyhow::anyhow!("xlsx: {e}"))?;
            Ok(download(x, XLSX, &format!("{name}.xlsx")))
        }
    }
}
