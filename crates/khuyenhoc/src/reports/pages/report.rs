//! The report form: computed values, typed numbers and narratives, overrides with their
//! reasons, the history and the trend chart; saving and submitting, with what was typed kept
//! when a save fails.

use super::show::Show;
use crate::auth::Viewer;
use crate::db::{today, Db};
use crate::error::{AppError, PageResult};
use crate::i18n::date_of;
use crate::reports::figures::UnitRef;
use crate::reports::service::{self, Line, OverrideInput, Report, SaveInput};
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::layout::{render, Chrome};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use khuyenhoc_reports::{Format, Period};
use std::collections::BTreeMap;

impl Show for ReportPage {}

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
        // The way up only for a reader of the level above (else its page is a 404).
        parent_code: unit.parent_code.filter(|_| {
            unit.path
                .trim_end_matches('/')
                .rsplit_once('/')
                .is_some_and(|(up, _)| v.can_read(&format!("{up}/")))
        }),
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
