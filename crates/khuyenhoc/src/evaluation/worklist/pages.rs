//! The worklist page of a unit (`/units/{code}/evaluations`): counts by title and group, the
//! search and filters, one page of rows with boxes to tick, the bulk action form (one reason,
//! one decision), the export; the bulk action's answer; the decision's annex PDF.

use super::bulk::{self, Done};
use super::{decision, export, query_string, Filter, ListArgs};
use crate::accounts::pages::parse_id;
use crate::auth::{perm, Viewer};
use crate::error::{AppError, PageResult, RowRefusal};
use crate::evaluation::model::Evaluation;
use crate::evaluation::sets;
use crate::org::model::Unit;
use crate::state::AppState;
use crate::web::extract::{PageForm, PageQuery};
use crate::web::layout::{render, Chrome, FormErrors};
use crate::web::list::{per_page, Cursor};
use crate::web::route::{r, Access, Route, Xlsx};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        r(M::GET, "/units/{code}/evaluations", Officer, "Evaluations in a unit's subtree: search, filters, pages, boxes to tick for work in bulk", list),
        r(M::POST, "/units/{code}/evaluations/bulk", Officer, "Check, return, recognise under one decision or revoke the ticked evaluations (or all the filter matches)", bulk_form),
        r(M::GET, "/units/{code}/evaluations.xlsx", Officer, "The evaluations of the list as filtered, as an Excel file", export_xlsx),
        r(M::GET, "/decisions/{id}/annex.pdf", Officer, "A recognition decision's annex: everyone it recognised (Decree 30 layout)", annex_pdf),
    ]
}

#[derive(Template)]
#[template(path = "unit_evaluations.html")]
pub struct WorklistPage {
    pub c: Chrome,
    pub unit_code: String,
    pub unit_name: String,
    pub year: i64,
    pub args: ListArgs,
    pub rows: Vec<Evaluation>,
    pub total: i64,
    /// The query string of the filter (without the cursor), for links.
    pub filter_qs: String,
    pub next_href: Option<String>,
    pub first_href: Option<String>,
    pub stats: crate::evaluation::stats::Stats,
    pub form_groups: Vec<(String, String, String)>,
    pub branches: Vec<(String, String)>,
    pub can_enter: bool,
    pub can_check: bool,
    pub can_recognise: bool,
    /// Today in Vietnam, YYYY-MM-DD: the decision date offered.
    pub today: String,
    pub errors: FormErrors,
    pub refused: Vec<RowRefusal>,
    /// What the officer typed in the bulk form, kept when it is refused.
    pub bulk: BulkTyped,
    /// `from=…` for a row's link: the evaluation page leads on through this list.
    pub from_param: String,
    /// What was just done, when the officer comes back with nothing left waiting.
    pub notice: Option<(String, String)>,
}

/// What a form sent to the list brings back to it: the errors, the refused rows, the bulk
/// form as typed.
#[derive(Default)]
pub struct Sent {
    pub errors: FormErrors,
    pub refused: Vec<RowRefusal>,
    pub bulk: BulkTyped,
    pub notice: Option<(String, String)>,
}

/// The bulk form as typed.
#[derive(Debug, Default, Clone)]
pub struct BulkTyped {
    pub action: String,
    pub reason: String,
    pub decision_no: String,
    pub decision_date: String,
    pub ids: Vec<i64>,
}

impl WorklistPage {
    pub fn ticked(&self, id: &i64) -> bool {
        self.bulk.ids.contains(id)
    }
    /// A form group's name, never its code.
    pub fn group_name(&self, code: &Option<String>) -> String {
        let Some(code) = code else {
            return String::new();
        };
        self.form_groups
            .iter()
            .find(|g| &g.0 == code)
            .map(|g| self.c.t(g.1.as_str(), g.2.as_str()).to_owned())
            .unwrap_or_default()
    }
}

fn this_year(state: &AppState) -> i64 {
    use chrono::Datelike;
    i64::from(state.clock.vn_today().year())
}

/// The form groups of the citizen set in force for the unit's province, by code.
async fn form_groups(state: &AppState, unit: &Unit, year: i64) -> Vec<(String, String, String)> {
    let province = crate::evaluation::service::province_of(&unit.path).to_owned();
    match sets::effective(state, "citizen", &province, year).await {
        Ok((_, set)) => set
            .form_groups()
            .iter()
            .map(|g| (g.code.clone(), g.name.vi.clone(), g.name.en.clone()))
            .collect(),
        Err(_) => vec![],
    }
}

/// The list page of `unit` for `args`, with the errors and refusals of a form sent to it.
pub(crate) async fn list_page(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    code: &str,
    args: &ListArgs,
    sent: Sent,
) -> PageResult<Html<String>> {
    let Sent {
        errors,
        refused,
        bulk,
        notice,
    } = sent;
    let unit = crate::org::service::visible(&state.db, v, code).await?;
    let mut args = args.clone();
    let year = match args.year.trim().parse::<i64>() {
        Ok(y) => y,
        Err(_) => this_year(state),
    };
    args.year = year.to_string();
    let filter = Filter::parse(&state.db, v, &unit, &args).await?;
    let n = per_page(args.per_page)?;
    let page = filter.page(&state.db, &args.cursor, n).await?;
    let filter_qs = query_string(&args, year);
    let base = format!("/units/{}/evaluations?{filter_qs}", unit.code);
    let from_param = format!(
        "from={}",
        url::form_urlencoded::byte_serialize(base.as_bytes()).collect::<String>()
    );
    // Form groups named by the sets the counted evaluations used, never by their codes.
    let stats = crate::evaluation::stats::for_unit(state, &unit.path, year).await?;
    let form_groups = form_groups(state, &unit, year).await;
    // The units right below (a commune's branches, a province's communes), for the filter.
    let below = crate::org::model::Query {
        scope_roots: vec![unit.path.clone()],
        parent_id: Some(unit.id),
        limit: 500,
        ..Default::default()
    };
    let branches = crate::org::model::list(&state.db, &below)
        .await?
        .0
        .into_iter()
        .map(|u| (u.code, u.name))
        .collect();
    render(&WorklistPage {
        can_enter: v.position_for(perm::EVALUATION_ENTER, &unit.path).is_some(),
        can_check: v.position_for(perm::EVALUATION_CHECK, &unit.path).is_some(),
        can_recognise: v
            .position_for(perm::EVALUATION_RECOGNISE, &unit.path)
            .is_some(),
        today: state.clock.vn_today().format("%Y-%m-%d").to_string(),
        next_href: page.next_cursor.map(|cur| format!("{base}&cursor={cur}")),
        first_href: Cursor::decode(&args.cursor)
            .ok()
            .flatten()
            .map(|_| base.clone()),
        c,
        unit_code: unit.code,
        unit_name: unit.name,
        year,
        args,
        rows: page.items,
        total: page.total,
        filter_qs,
        stats,
        form_groups,
        branches,
        errors,
        refused,
        bulk,
        from_param,
        notice,
    })
}

pub async fn list(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageQuery(args): PageQuery<ListArgs>,
    PageQuery(nav): PageQuery<super::next::NavQuery>,
) -> PageResult<Html<String>> {
    let sent = Sent {
        notice: super::next::done_message(&nav.done, false),
        ..Sent::default()
    };
    list_page(&state, c, &v, &code, &args, sent).await
}

#[derive(Template)]
#[template(path = "bulk_done.html")]
pub struct BulkDonePage {
    pub c: Chrome,
    pub unit_code: String,
    pub unit_name: String,
    pub action: String,
    pub done: Done,
    pub back: String,
}

/// The bulk form's fields: the list's filter, what was typed, and whether "all that match" was
/// ticked. The form sends `ids` once per ticked box, so it is read as a list of pairs.
fn read_bulk(pairs: &[(String, String)]) -> (ListArgs, BulkTyped, bool) {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let args = ListArgs {
        branch: get("branch"),
        year: get("year"),
        model: get("model"),
        form_group: get("form_group"),
        status: get("status"),
        q: get("q"),
        sort: get("sort"),
        ..ListArgs::default()
    };
    let typed = BulkTyped {
        action: get("action"),
        reason: get("reason"),
        decision_no: get("decision_no"),
        decision_date: get("decision_date"),
        ids: pairs
            .iter()
            .filter(|(n, _)| n == "ids")
            .filter_map(|(_, v)| v.trim().parse().ok())
            .collect(),
    };
    (args, typed, !get("all_matching").is_empty())
}

/// A refusal the list shows above its rows, or `None` for an error that is not the officer's to
/// fix (answered as an error page).
fn shown(e: AppError) -> Result<(FormErrors, Vec<RowRefusal>), AppError> {
    match e {
        AppError::Invalid(f) => Ok((FormErrors(f), vec![])),
        AppError::Rows(r) => Ok((FormErrors::default(), r)),
        e @ (AppError::Unprocessable { .. }
        | AppError::BadRequest { .. }
        | AppError::Refused { .. }) => {
            let (vi, en) = e.titles();
            Ok((
                FormErrors::default(),
                vec![RowRefusal {
                    id: 0,
                    name: String::new(),
                    message: vi,
                    message_en: en,
                }],
            ))
        }
        e => Err(e),
    }
}

/// The bulk form: the ticked rows or, with `all_matching`, every row of the filter sent along;
/// the action with its reason or decision. Refused: the list again, the reasons above its rows,
/// what was typed kept.
pub async fn bulk_form(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let (args, typed, all) = read_bulk(&pairs);
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let reason = Some(typed.reason.clone()).filter(|r| !r.trim().is_empty());
    let outcome = async {
        let act = super::api::action(
            &typed.action,
            reason,
            Some((typed.decision_no.clone(), typed.decision_date.clone())),
        )?;
        let filter = if all {
            Some(Filter::parse(&state.db, &v, &unit, &args).await?)
        } else {
            None
        };
        let ids = (!all).then(|| typed.ids.clone());
        let chosen = bulk::select(&state, &v, &unit, &act, ids, filter.as_ref()).await?;
        bulk::run(&state, &v, &unit, &chosen, &act).await
    }
    .await;
    let year = args.year.parse().unwrap_or_else(|_| this_year(&state));
    match outcome {
        Ok(done) => Ok(render(&BulkDonePage {
            c,
            back: format!(
                "/units/{}/evaluations?{}",
                unit.code,
                query_string(&args, year)
            ),
            unit_code: unit.code,
            unit_name: unit.name,
            action: typed.action,
            done,
        })?
        .into_response()),
        Err(e) => {
            let (errors, refused) = shown(e)?;
            let sent = Sent {
                errors,
                refused,
                bulk: typed,
                notice: None,
            };
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                list_page(&state, c, &v, &code, &args, sent).await?,
            )
                .into_response())
        }
    }
}

pub async fn export_xlsx(
    State(state): State<AppState>,
    v: Viewer,
    Path(code): Path<String>,
    PageQuery(args): PageQuery<ListArgs>,
) -> PageResult<Response> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let mut args = args;
    if args.year.trim().is_empty() {
        args.year = this_year(&state).to_string();
    }
    let filter = Filter::parse(&state.db, &v, &unit, &args).await?;
    let year = args.year.parse().unwrap_or_else(|_| this_year(&state));
    let groups = form_groups(&state, &unit, year).await;
    let bytes = crate::web::export::xlsx(
        &state.db,
        &export::Listed {
            filter: &filter,
            groups: &groups,
        },
        state.settings.export_max_rows,
    )
    .await?;
    let name = format!("ho-so-{}-{year}.xlsx", unit.code);
    Ok(Xlsx { name, bytes }.into_response())
}

pub async fn annex_pdf(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let d = decision::visible(&state.db, &v, parse_id(&id)?).await?;
    let lines = decision::annex(&state.db, d.id).await?;
    let bytes = decision::annex_pdf(&d, &lines)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"phu-luc-quyet-dinh-{}.pdf\"", d.id),
            ),
        ],
        bytes,
    )
        .into_response())
}
