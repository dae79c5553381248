//! Pages of reports: a unit's reports, the report form (computed values, typed numbers and
//! narratives, overrides with reasons), submission, the children's completeness and roll-up with
//! return/accept, the cluster table, a province's own indicators, and the exports.

use super::cluster::{self, ClusterTable};
use super::figures::UnitRef;
use super::service::{self, show, state_labels, Line, OverrideInput, Report, Rollup, SaveInput};
use crate::accounts::pages::parse_id;
use crate::auth::Viewer;
use crate::db::{today, Db};
use crate::error::{AppError, PageResult};
use crate::i18n::{date_of, day};
use crate::state::AppState;
use crate::web::extract::{PageForm, PageQuery};
use crate::web::layout::{render, Chrome};
use crate::web::route::{r, Access, Route};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use khuyenhoc_domain::Level;
use khuyenhoc_reports::{Format, Period};
use serde::Deserialize;
use std::collections::BTreeMap;

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        r(M::GET, "/units/{code}/reports", Officer, "A unit's reports by period", index),
        r(M::GET, "/units/{code}/reports/{period}", Officer, "A unit's report: fill, override with a reason, submit", report_page),
        r(M::POST, "/units/{code}/reports/{period}", Officer, "Save the report", save),
        r(M::POST, "/units/{code}/reports/{period}/submit", Officer, "Submit the report", submit),
        r(M::GET, "/units/{code}/reports/{period}/export", Officer, "The report as Excel (?format=xlsx) or a printable PDF (?format=pdf)", export),
        r(M::GET, "/units/{code}/reports/{period}/children", Officer, "Who has reported, and the roll-up of the units below", children),
        r(M::POST, "/reports/{id}/return", Officer, "Return a report to the unit below", return_report),
        r(M::POST, "/reports/{id}/accept", Officer, "Accept a report", accept),
        r(M::GET, "/clusters/{code}/reports/{period}", Officer, "A cluster's provinces side by side", cluster_page),
        r(M::GET, "/clusters/{code}/reports/{period}/export", Officer, "The cluster table as Excel (?format=xlsx) or the briefing pack PDF (?format=pdf)", cluster_export),
        r(M::GET, "/units/{code}/report-template", Officer, "The report template and a province's own indicators", template_page),
        r(M::POST, "/units/{code}/report-template", Officer, "Save a province's own indicators", save_template),
    ]
}

/// Helpers the report templates call.
pub trait Show {
    fn state_vi(&self, s: &str) -> &'static str {
        state_labels(s).0
    }
    fn state_en(&self, s: &str) -> &'static str {
        state_labels(s).1
    }
    fn fmt(&self, f: &Format, v: &Option<i64>) -> String {
        v.map(|v| show(*f, v)).unwrap_or_default()
    }
    fn date_of(&self, at: &Option<i64>) -> String {
        date_of(at)
    }
    /// A step of the report's history, in words.
    fn action_vi(&self, a: &str) -> &'static str {
        action_labels(a).0
    }
    fn action_en(&self, a: &str) -> &'static str {
        action_labels(a).1
    }
    /// `2026-12-05` → `05/12/2026`, as dates are written in Vietnam.
    fn day(&self, iso: &str) -> String {
        day(iso)
    }
    /// The `i`-th value of a row, written.
    fn fmt_at(&self, f: &Format, v: &[Option<i64>], i: &usize) -> String {
        v.get(*i)
            .copied()
            .flatten()
            .map(|v| show(*f, v))
            .unwrap_or_default()
    }
    /// "hạng 2 · +1.234" under a cluster value.
    fn rank_at(
        &self,
        f: &Format,
        ranks: &[Option<usize>],
        change: &[Option<i64>],
        i: &usize,
    ) -> String {
        let rank = ranks
            .get(*i)
            .copied()
            .flatten()
            .map(|r| format!("hạng {r}"))
            .unwrap_or_default();
        match change.get(*i).copied().flatten() {
            Some(c) => format!("{rank} · {}{}", if c >= 0 { "+" } else { "" }, show(*f, c)),
            None => rank,
        }
    }
}

impl Show for IndexPage {}
impl Show for ReportPage {}
impl Show for ChildrenPage {}
impl Show for ClusterPage {}

pub fn action_labels(a: &str) -> (&'static str, &'static str) {
    match a {
        "save" => ("Lưu nháp", "Saved"),
        "submit" => ("Nộp báo cáo", "Submitted"),
        "return" => ("Trả lại", "Returned"),
        "accept" => ("Duyệt", "Accepted"),
        _ => ("Khác", "Other"),
    }
}

#[derive(Template)]
#[template(path = "reports.html")]
pub struct IndexPage {
    pub c: Chrome,
    pub unit: UnitRef,
    pub current: String,
    pub periods: Vec<(String, String, &'static str)>,
    pub can_edit_template: bool,
    pub clusters: Vec<(String, String)>,
}

pub async fn index(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult<Html<String>> {
    let db = &state.db;
    let unit = service::unit_visible(db, &v, &code).await?;
    let current = Period::current(&today());
    let stored: BTreeMap<String, String> = service::list(db, &unit).await?.into_iter().collect();
    let periods = current
        .trail(4)
        .into_iter()
        .rev()
        .map(|p| {
            let st = stored
                .get(&p.to_string())
                .map_or("not_started", |s| service::Status::parse(s).code());
            (p.to_string(), p.label_vi(), st)
        })
        .collect();
    let clusters = if matches!(unit.level, Level::Province | Level::Central) {
        clusters_of(db, &unit).await?
    } else {
        vec![]
    };
    render(&IndexPage {
        can_edit_template: unit.level == Level::Province && service::can_review_children(&v, &unit),
        c,
        unit,
        current: current.to_string(),
        periods,
        clusters,
    })
}

async fn clusters_of(db: &Db, unit: &UnitRef) -> Result<Vec<(String, String)>, AppError> {
    use sqlx::Row;
    let sql = if unit.level == Level::Central {
        "SELECT code, name FROM clusters WHERE $1 > 0 ORDER BY code"
    } else {
        "SELECT c.code, c.name FROM clusters c JOIN cluster_memberships m ON m.cluster_id = c.id WHERE m.unit_id = $1 AND m.valid_to IS NULL ORDER BY c.code"
    };
    Ok(sqlx::query(sql)
        .bind(unit.id)
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?)
}

#[derive(Template)]
#[template(path = "report.html")]
pub struct ReportPage {
    pub c: Chrome,
    pub r: Report,
    pub can_submit: bool,
    pub editable: bool,
    pub parent_code: Option<String>,
    pub history: Vec<(String, String, String, Option<String>)>,
    /// What was typed, when a save failed: form field → text, so nothing typed is lost.
    pub typed: BTreeMap<String, String>,
    pub problem: Option<(String, String)>,
    /// Trend of the main indicators over the last periods (server-side SVG).
    pub chart: String,
}

impl ReportPage {
    /// The text a field shows: what was typed when a save failed, else the stored value.
    pub fn field(&self, name: &str, stored: &str) -> String {
        self.typed
            .get(name)
            .cloned()
            .unwrap_or_else(|| stored.to_owned())
    }
    pub fn number_of(&self, l: &Line) -> String {
        self.field(
            &format!("n.{}", l.key),
            &l.value.map(|v| v.to_string()).unwrap_or_default(),
        )
    }
    pub fn text_of(&self, l: &Line) -> String {
        self.field(&format!("t.{}", l.key), l.text.as_deref().unwrap_or(""))
    }
    pub fn override_of(&self, l: &Line) -> String {
        let stored = if l.override_reason.is_some() {
            l.value.map(|v| v.to_string()).unwrap_or_default()
        } else {
            String::new()
        };
        self.field(&format!("o.{}", l.key), &stored)
    }
    pub fn reason_of(&self, l: &Line) -> String {
        self.field(
            &format!("r.{}", l.key),
            l.override_reason.as_deref().unwrap_or(""),
        )
    }
    pub fn section_title(&self, key: &str) -> (String, String) {
        khuyenhoc_reports::Template::national()
            .sections
            .iter()
            .find(|s| s.key == key)
            .map(|s| (s.title_vi.clone(), s.title_en.clone()))
            .unwrap_or_default()
    }
    /// Whether this line starts a new section.
    pub fn starts_section(&self, i: &usize) -> bool {
        *i == 0
            || self.r.lines.get(i - 1).map(|p| &p.section)
                != self.r.lines.get(*i).map(|l| &l.section)
    }
}

/// Trend of the main count indicators over the last four periods: the values handed in where a
/// report was submitted, live figures otherwise. Stocks (members now) are not known for a past
/// period that was never handed in, so those points are left out rather than drawn wrong.
async fn trend(db: &Db, unit: &UnitRef, period: &Period) -> Result<String, AppError> {
    let t = khuyenhoc_reports::Template::national();
    let heads = service::heads(&t);
    let main: Vec<(usize, &service::Head)> = heads
        .iter()
        .enumerate()
        .filter(|(_, h)| h.main && h.format == Format::Count)
        .collect();
    let periods = period.trail(4);
    let mut series: Vec<khuyenhoc_docs::Series> = main
        .iter()
        .map(|(_, h)| khuyenhoc_docs::Series {
            name: h.label_vi.clone(),
            values: vec![],
        })
        .collect();
    let day = today();
    for p in &periods {
        let (values, _, handed_in) = service::reported(db, &t, std::slice::from_ref(unit), p, &day)
            .await?
            .pop()
            .unwrap_or_default();
        let past = p != period && p.end_date() < day;
        for (s, (i, h)) in series.iter_mut().zip(&main) {
            let stock = t.indicator(&h.key).is_some_and(|ind| matches!(&ind.source, khuyenhoc_reports::Source::Computed(m) if m.starts_with("members.active") || m.starts_with("members.sector")));
            #[allow(clippy::cast_precision_loss)] // counts of people, exact in an f64
            let v = match values.get(*i).copied().flatten() {
                Some(_) if stock && past && !handed_in => f64::NAN,
                Some(v) => v as f64,
                None => f64::NAN,
            };
            s.values.push(v);
        }
    }
    let labels: Vec<String> = periods.iter().map(Period::label_vi).collect();
    Ok(khuyenhoc_docs::line_chart(
        "Xu hướng các chỉ tiêu chính / Main indicators over time",
        &labels,
        &series,
    ))
}

async fn report_view(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    code: &str,
    period: &str,
    typed: BTreeMap<String, String>,
    problem: Option<(String, String)>,
) -> PageResult<Html<String>> {
    let db = &state.db;
    let r = service::get(state, v, code, period).await?;
    let unit = crate::org::model::by_id(db, r.unit.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let history = match r.id {
        Some(id) => service::history(db, id)
            .await?
            .into_iter()
            .map(|(at, who, action, note)| (date_of(&Some(at)), who, action, note))
            .collect(),
        None => vec![],
    };
    let p = service::parse_period(period)?;
    let chart = trend(db, &r.unit, &p).await?;
    render(&ReportPage {
        can_submit: service::can_submit(v, &r.unit),
        editable: r.status.editable(),
        parent_code: unit.parent_code,
        history,
        typed,
        problem,
        chart,
        c,
        r,
    })
}

pub async fn report_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path((code, period)): Path<(String, String)>,
) -> PageResult<Html<String>> {
    report_view(&state, c, &v, &code, &period, BTreeMap::new(), None).await
}

/// The report form's fields (`n.KEY` numbers, `t.KEY` texts, `o.KEY` / `r.KEY` an override and
/// its reason) as the service's input.
fn input_of(form: &[(String, String)]) -> SaveInput {
    let mut input = SaveInput::default();
    let mut overrides: BTreeMap<String, OverrideInput> = BTreeMap::new();
    for (k, v) in form {
        if let Some(key) = k.strip_prefix("n.") {
            input
                .numbers
                .insert(key.to_owned(), serde_json::Value::String(v.clone()));
        } else if let Some(key) = k.strip_prefix("t.") {
            input.texts.insert(key.to_owned(), v.clone());
        } else if let Some(key) = k.strip_prefix("o.") {
            overrides.entry(key.to_owned()).or_default().value =
                serde_json::Value::String(v.clone());
        } else if let Some(key) = k.strip_prefix("r.") {
            overrides
                .entry(key.to_owned())
                .or_default()
                .reason
                .clone_from(v);
        } else if k == "number_symbol" {
            input.number_symbol = Some(v.clone());
        } else if k == "signer_name" {
            input.signer_name = Some(v.clone());
        }
    }
    // An override box left empty is no override.
    overrides.retain(|_, o| !o.value.as_str().is_some_and(|s| s.trim().is_empty()));
    input.overrides = overrides;
    input
}

async fn after(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    code: &str,
    period: &str,
    typed: BTreeMap<String, String>,
    r: Result<Report, AppError>,
) -> PageResult<Response> {
    match r {
        Ok(r) => Ok(
            Redirect::to(&format!("/units/{}/reports/{}", r.unit.code, r.period)).into_response(),
        ),
        Err(
            e @ (AppError::BadRequest { .. }
            | AppError::Unprocessable { .. }
            | AppError::Invalid(_)
            | AppError::Conflict(_)),
        ) => {
            let status = e.status();
            Ok((
                status,
                report_view(state, c, v, code, period, typed, Some(e.messages())).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn save(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path((code, period)): Path<(String, String)>,
    PageForm(form): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let input = input_of(&form);
    let r = service::save(&state, &v, &code, &period, &input).await;
    let typed = form.into_iter().filter(|(k, _)| k != "_csrf").collect();
    after(&state, c, &v, &code, &period, typed, r).await
}

pub async fn submit(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path((code, period)): Path<(String, String)>,
) -> PageResult<Response> {
    let r = service::submit(&state, &v, &code, &period).await;
    after(&state, c, &v, &code, &period, BTreeMap::new(), r).await
}

#[derive(Deserialize, Default)]
pub struct FormatQuery {
    #[serde(default)]
    pub format: String,
    #[serde(default)]
    pub as_of: String,
}

fn download(bytes: Vec<u8>, content_type: &str, name: &str) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub async fn export(
    State(state): State<AppState>,
    v: Viewer,
    Path((code, period)): Path<(String, String)>,
    PageQuery(q): PageQuery<FormatQuery>,
) -> PageResult<Response> {
    let r = service::get(&state, &v, &code, &period).await?;
    let name = format!("bao-cao-{}-{}", r.unit.code, r.period);
    match q.format.as_str() {
        "pdf" => {
            let pdf = super::export::report_pdf(&state.db, &r).await?;
            Ok(download(pdf, "application/pdf", &format!("{name}.pdf")))
        }
        _ => {
            let x = super::export::report_xlsx(&r).map_err(|e| anyhow::anyhow!("xlsx: {e}"))?;
            Ok(download(x, XLSX, &format!("{name}.xlsx")))
        }
    }
}

#[derive(Template)]
#[template(path = "report_children.html")]
pub struct ChildrenPage {
    pub c: Chrome,
    pub r: Rollup,
    pub can_review: bool,
}

pub async fn children(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path((code, period)): Path<(String, String)>,
    PageQuery(q): PageQuery<FormatQuery>,
) -> PageResult<Response> {
    let r = service::rollup(&state, &v, &code, &period, Some(q.as_of.as_str())).await?;
    if q.format == "xlsx" {
        let x = super::export::rollup_xlsx(&r).map_err(|e| anyhow::anyhow!("xlsx: {e}"))?;
        return Ok(download(
            x,
            XLSX,
            &format!("tong-hop-{}-{}.xlsx", r.unit.code, r.period),
        ));
    }
    let can_review = service::can_review_children(&v, &r.unit);
    Ok(render(&ChildrenPage { c, r, can_review })?.into_response())
}

#[derive(Deserialize, Default)]
pub struct ReasonForm {
    #[serde(default)]
    pub reason: String,
}

/// After a decision: back to the completeness view of the level above; an error (not
/// submitted, reason missing) is shown on the error page with its message.
async fn decided(state: &AppState, r: Result<Report, AppError>) -> PageResult<Response> {
    let r = r?;
    let parent = crate::org::model::by_id(&state.db, r.unit.id)
        .await?
        .and_then(|u| u.parent_code)
        .unwrap_or_default();
    Ok(Redirect::to(&format!("/units/{parent}/reports/{}/children", r.period)).into_response())
}

pub async fn return_report(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<ReasonForm>,
) -> PageResult<Response> {
    let r = service::return_report(&state, &v, parse_id(&id)?, &f.reason).await;
    decided(&state, r).await
}

pub async fn accept(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let r = service::accept(&state, &v, parse_id(&id)?).await;
    decided(&state, r).await
}

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
) -> PageResult<Html<String>> {
    let t = cluster::table(&state.db, &v, &code, &period).await?;
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
    let t = cluster::table(&state.db, &v, &code, &period).await?;
    let name = format!("cum-{}-{}", t.code, t.period);
    match q.format.as_str() {
        "pdf" => Ok(download(
            super::export::briefing_pdf(&t)?,
            "application/pdf",
            &format!("{name}.pdf"),
        )),
        _ => {
            let x = super::export::cluster_xlsx(&t).map_err(|e| anyhow::anyhow!("xlsx: {e}"))?;
            Ok(download(x, XLSX, &format!("{name}.xlsx")))
        }
    }
}

#[derive(Template)]
#[template(path = "report_template.html")]
pub struct TemplatePage {
    pub c: Chrome,
    pub view: service::TemplateView,
    pub can_edit: bool,
    pub source: String,
    pub problem: Option<(String, String)>,
}

pub async fn template_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult<Html<String>> {
    let view = service::template_view(&state.db, &v, &code).await?;
    let can_edit =
        view.unit.level == Level::Province && service::can_review_children(&v, &view.unit);
    let source = view.source.clone();
    render(&TemplatePage {
        c,
        view,
        can_edit,
        source,
        problem: None,
    })
}

#[derive(Deserialize, Default)]
pub struct SourceForm {
    #[serde(default)]
    pub source: String,
}

pub async fn save_template(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<SourceForm>,
) -> PageResult<Response> {
    match service::save_template(&state.db, &v, &code, &f.source).await {
        Ok(view) => {
            Ok(Redirect::to(&format!("/units/{}/report-template", view.unit.code)).into_response())
        }
        Err(e @ (AppError::Unprocessable { .. } | AppError::BadRequest { .. })) => {
            let status = e.status();
            let view = service::template_view(&state.db, &v, &code).await?;
            let page = TemplatePage {
                c,
                can_edit: true,
                view,
                source: f.source,
                problem: Some(e.messages()),
            };
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
