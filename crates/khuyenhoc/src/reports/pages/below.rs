//! The units below a unit and their report state for a period, as a page that scales
//! (`/units/{code}/reports/{period}/below`): a search box, the state filter, the count, one page
//! of rows and a "Trang sau" link.

use crate::auth::Viewer;
use crate::error::{AppError, PageResult};
use crate::reports::below::{BelowRow, Filter, ListArgs, STATES};
use crate::reports::figures::UnitRef;
use crate::reports::service;
use crate::state::AppState;
use crate::web::extract::PageQuery;
use crate::web::layout::{render, Chrome};
use crate::web::list::{per_page, Cursor};
use crate::web::route::Xlsx;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;

#[derive(Template)]
#[template(path = "report_below.html")]
pub struct BelowPage {
    pub c: Chrome,
    /// The filter as a query string (the Excel link keeps it).
    pub filter_query: String,
    pub unit: UnitRef,
    pub period: String,
    pub period_vi: String,
    pub args: ListArgs,
    pub rows: Vec<BelowRow>,
    pub total: i64,
    pub next_href: Option<String>,
    pub first_href: Option<String>,
    pub states: &'static [(&'static str, &'static str, &'static str)],
}

impl BelowPage {
    /// When a report was handed in, dd/mm/yyyy.
    pub fn handed_in(&self, at: &Option<i64>) -> String {
        crate::i18n::date_of(at)
    }
}

pub async fn below(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path((code, period)): Path<(String, String)>,
    PageQuery(args): PageQuery<ListArgs>,
) -> PageResult<Html<String>> {
    let p = service::parse_period(&period)?;
    let unit = service::unit_visible(&state.db, &v, &code).await?;
    let filter = Filter::parse(&unit, &p.to_string(), &args)?;
    let n = per_page(args.per_page)?;
    let page = filter.page(&state.db, &args.cursor, n).await?;
    let mut qs = url::form_urlencoded::Serializer::new(String::new());
    for (k, val) in [("q", &args.q), ("state", &args.state)] {
        if !val.trim().is_empty() {
            qs.append_pair(k, val.trim());
        }
    }
    let filter_query = qs.finish();
    let base = format!("/units/{}/reports/{p}/below?{filter_query}", unit.code);
    render(&BelowPage {
        c,
        filter_query,
        next_href: page.next_cursor.map(|cur| format!("{base}&cursor={cur}")),
        first_href: Cursor::decode(&args.cursor)
            .ok()
            .flatten()
            .map(|_| base.clone()),
        rows: page.items,
        total: page.total,
        period: p.to_string(),
        period_vi: p.label_vi(),
        states: STATES,
        args,
        unit,
    })
}

/// The workbook of the units below as `args` filters them (for the page and the API).
pub async fn workbook(
    state: &AppState,
    v: &Viewer,
    code: &str,
    period: &str,
    args: &ListArgs,
) -> Result<Xlsx, AppError> {
    let p = service::parse_period(period)?;
    let unit = service::unit_visible(&state.db, v, code).await?;
    let filter = Filter::parse(&unit, &p.to_string(), args)?;
    let bytes =
        crate::web::export::xlsx(&state.db, &filter, state.settings.export_max_rows).await?;
    Ok(Xlsx {
        name: format!("bao-cao-cap-duoi-{}-{p}.xlsx", unit.code),
        bytes,
    })
}

/// The units below as filtered, as an Excel file.
pub async fn below_xlsx(
    State(state): State<AppState>,
    v: Viewer,
    Path((code, period)): Path<(String, String)>,
    PageQuery(args): PageQuery<ListArgs>,
) -> PageResult<Xlsx> {
    Ok(workbook(&state, &v, &code, &period, &args).await?)
}
