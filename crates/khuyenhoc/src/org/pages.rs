//! Pages of the map: search over the units in scope, a unit's page, and branch changes.

use super::model::{self, Unit};
use super::{disadvantaged, service};
use crate::accounts::model::{self as people, Person};
use crate::auth::{perm, Viewer};
use crate::error::{AppError, PageResult};
use crate::positions::model::{self as positions, Position};
use crate::positions::types::{self, PositionType};
use crate::state::AppState;
use crate::web::extract::{PageForm, PageQuery};
use crate::web::layout::{render, Chrome, FormErrors};
use crate::web::list::{page_of, Cursor};
use crate::web::route::{r, Access, Route};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use khuyenhoc_domain::{text, BranchKind, Level};
use serde::Deserialize;

const PAGE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub level: String,
    /// Only the units right under this one (the list of a unit's children).
    #[serde(default)]
    pub parent: String,
    #[serde(default)]
    pub cursor: String,
    /// The map of this day (`YYYY-MM-DD`, or `dd/mm/yyyy` as typed): its tree, with the
    /// districts before 1 July 2025.
    #[serde(default)]
    pub as_of: String,
}

#[derive(Template)]
#[template(path = "units.html")]
pub struct UnitsPage {
    pub c: Chrome,
    pub q: String,
    pub level: String,
    pub levels: Vec<(&'static str, &'static str, &'static str)>,
    pub parent: String,
    pub units: Vec<Unit>,
    pub total: i64,
    /// The link to the next page (keyset), on every page but the last.
    pub next: Option<String>,
    pub searched: bool,
    /// The day of the map shown (`YYYY-MM-DD`), if one was asked for.
    pub as_of: Option<String>,
}

impl UnitsPage {
    pub fn next_href(&self, cursor: &str) -> String {
        let q: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &self.q)
            .append_pair("level", &self.level)
            .append_pair("parent", &self.parent)
            .append_pair("as_of", self.as_of.as_deref().unwrap_or(""))
            .append_pair("cursor", cursor)
            .finish();
        format!("/units?{q}")
    }
    /// How deep a unit sits in the tree (0: the central office), for the indentation of the
    /// map of a day.
    pub fn depth(u: &Unit) -> usize {
        u.path
            .trim_matches('/')
            .split('/')
            .count()
            .saturating_sub(1)
            .min(4)
    }
}

pub async fn search(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    PageQuery(sq): PageQuery<SearchQuery>,
) -> PageResult<Html<String>> {
    if !v.is_officer() {
        return Err(AppError::NotFound.into());
    }
    let level = Level::parse(&sq.level).ok();
    let folded = text::fold(&sq.q);
    let as_of = super::lifetime::parse_day(&sq.as_of)?;
    let parent = match sq.parent.trim() {
        "" => None,
        code => Some(service::visible(&state.db, &v, code).await?),
    };
    // A day asked for: the tree of that day in path order (each unit after its parent).
    let searched = !folded.is_empty() || level.is_some() || parent.is_some() || as_of.is_some();
    let roots = v.scope_roots();
    let mut next = None;
    let (units, total) = if searched {
        let q = model::Query {
            scope_roots: roots,
            level,
            parent_id: parent.as_ref().map(|p| p.id),
            search: Some(folded),
            as_of: as_of.clone(),
            after: Cursor::decode(&sq.cursor)?,
            limit: PAGE + 1,
            ..Default::default()
        };
        let (units, total) = model::list(&state.db, &q).await?;
        let page = page_of(units, PAGE, total, |u: &Unit| Cursor {
            key: serde_json::json!(u.path),
            id: u.id,
        });
        next = page.next_cursor;
        (page.items, page.total)
    } else {
        let mut units = vec![];
        for r in &roots {
            let code = r
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or_default();
            if let Some(u) = model::by_code(&state.db, code).await? {
                units.push(u);
            }
        }
        let n = i64::try_from(units.len()).unwrap_or(0);
        (units, n)
    };
    let levels = Level::ALL
        .iter()
        .map(|l| (l.code(), l.label_vi(), l.label_en()))
        .collect();
    render(&UnitsPage {
        c,
        q: sq.q.trim().to_owned(),
        level: sq.level,
        parent: parent.map(|p| p.url_ref()).unwrap_or_default(),
        as_of,
        levels,
        units,
        total,
        next,
        searched,
    })
}

#[derive(Template)]
#[template(path = "unit.html")]
pub struct UnitPage {
    pub c: Chrome,
    pub u: Unit,
    pub crumbs: Vec<Unit>,
    pub children: Vec<Unit>,
    pub children_total: i64,
    pub below: i64,
    pub positions: Vec<Position>,
    pub people: Vec<Person>,
    /// The units it became and came from: (unit, share, day, whether only a part went).
    pub successors: Vec<(Unit, Option<i64>, String, bool)>,
    pub predecessors: Vec<(Unit, Option<i64>, String, bool)>,
    pub can_units: bool,
    pub can_positions: bool,
    pub can_people: bool,
    pub can_audit: bool,
    pub kinds: Vec<(&'static str, &'static str, &'static str)>,
    pub types: Vec<PositionType>,
    pub errors: FormErrors,
    pub form_name: String,
    /// The join link and how many registrations wait, for an officer who registers people at
    /// a branch or commune.
    pub join: Option<(String, i64)>,
    /// A commune's disadvantaged-area flag this year, and its history (latest first).
    pub area: Option<disadvantaged::AreaYear>,
    pub area_history: Vec<disadvantaged::Flag>,
    /// Whether the viewer may mark or unmark it (a province or central officer).
    pub can_mark: bool,
    /// What the marking form shows: the year and the source typed (after an error).
    pub mark_year: i64,
    pub mark_source: String,
    /// Whether the unit lies in the viewer's scope; false for an old unit read only because it
    /// became part of the viewer's province (its reports, people and lists are not offered).
    pub in_scope: bool,
    /// Whether the viewer may load the province's figures from before the program (the link to
    /// `/units/{code}/old-figures`): a province, today's, and the right to submit its reports.
    pub can_old_figures: bool,
}

async fn unit_page(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    code: &str,
    errors: FormErrors,
    form_name: String,
    mark: (Option<i64>, String),
) -> PageResult<Html<String>> {
    let u = service::readable(&state.db, v, code).await?;
    let mut crumbs = vec![];
    for a in model::ancestors(&state.db, &u).await? {
        if v.can_read(&a.path)
            || (a.is_historical() && service::became_part_of_scope(&state.db, v, &a.path).await?)
        {
            crumbs.push(a);
        }
    }
    let (children, children_total, below) = super::lifetime::below(&state.db, &u, PAGE).await?;
    let (successors, predecessors) = super::lifetime::links(&state.db, u.id).await?;
    let kinds = if matches!(u.level, Level::Commune | Level::Province) {
        BranchKind::ALL
            .iter()
            .filter(|k| u.level == Level::Commune || k.may_hang_under_province())
            .map(|k| (k.code(), k.label_vi(), k.label_en()))
            .collect()
    } else {
        vec![]
    };
    let can_people = v.position_for(perm::PERSON_MANAGE, &u.path).is_some();
    let join = if can_people && crate::join::pages::has_join_link(&u) {
        let waiting = crate::join::model::pending_count(&state.db, &u.path).await?;
        Some((crate::join::pages::join_url(state, &u.code), waiting))
    } else {
        None
    };
    let (area, area_history) = if u.level == Level::Commune && u.is_open() {
        let year = mark.0.unwrap_or_else(disadvantaged::this_year);
        (
            Some(disadvantaged::for_year(&state.db, &u, year).await?),
            disadvantaged::history(&state.db, u.id, 20).await?,
        )
    } else {
        (None, vec![])
    };
    render(&UnitPage {
        c,
        join,
        can_mark: disadvantaged::may_mark(v, &u),
        mark_year: mark.0.unwrap_or_else(disadvantaged::this_year),
        mark_source: mark.1,
        area,
        area_history,
        crumbs,
        children,
        children_total,
        below,
        positions: positions::for_unit(&state.db, u.id).await?,
        people: people::for_unit(&state.db, u.id, 100).await?,
        successors,
        predecessors,
        can_units: v.position_for(perm::UNIT_MANAGE, &u.path).is_some() && u.is_open(),
        can_positions: v.position_for(perm::POSITION_MANAGE, &u.path).is_some() && u.is_open(),
        can_people,
        can_audit: v.position_for(perm::AUDIT_READ, &u.path).is_some(),
        in_scope: v.can_read(&u.path),
        can_old_figures: u.level == Level::Province
            && u.is_open()
            && v.position_for(perm::REPORT_SUBMIT, &u.path).is_some(),
        kinds,
        types: types::list(&state.db).await?,
        errors,
        form_name,
        u,
    })
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    /// The year whose disadvantaged-area flag a commune's page shows (default: this year).
    #[serde(default)]
    pub year: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<ShowQuery>,
) -> PageResult<Html<String>> {
    let year = q
        .year
        .and_then(|y| y.trim().parse::<i64>().ok())
        .filter(|y| (2000..=2100).contains(y));
    unit_page(
        &state,
        c,
        &v,
        &code,
        FormErrors::default(),
        String::new(),
        (year, String::new()),
    )
    .await
}

/// A form error re-renders the unit page with the message beside the field.
async fn after<T>(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    code: &str,
    r: Result<T, AppError>,
    to: impl FnOnce(T) -> String,
    typed: String,
) -> PageResult<Response> {
    match r {
        Ok(x) => Ok(Redirect::to(&to(x)).into_response()),
        Err(AppError::Invalid(e)) => {
            let page = unit_page(
                state,
                c,
                v,
                code,
                FormErrors(e),
                typed,
                (None, String::new()),
            )
            .await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct BranchForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
}

pub async fn open_branch(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<BranchForm>,
) -> PageResult<Response> {
    let r = service::open_branch(&state.db, &v, &code, &f.name, &f.kind).await;
    after(
        &state,
        c,
        &v,
        &code,
        r,
        |u| format!("/units/{}", u.code),
        f.name,
    )
    .await
}

#[derive(Deserialize)]
pub struct RenameForm {
    #[serde(default)]
    pub name: String,
}

pub async fn rename(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<RenameForm>,
) -> PageResult<Response> {
    let r = service::rename(&state.db, &v, &code, &f.name).await;
    after(
        &state,
        c,
        &v,
        &code,
        r,
        |u| format!("/units/{}", u.code),
        f.name,
    )
    .await
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    pub parent: String,
    /// The day the move takes effect; today when empty.
    #[serde(default)]
    pub effective_date: String,
}

pub async fn move_branch(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<MoveForm>,
) -> PageResult<Response> {
    let r = service::move_branch(&state.db, &v, &code, &f.parent, &f.effective_date).await;
    after(
        &state,
        c,
        &v,
        &code,
        r,
        |u| format!("/units/{}", u.code),
        String::new(),
    )
    .await
}

pub async fn close(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let r = service::close_branch(&state.db, &v, &code).await;
    after(
        &state,
        c,
        &v,
        &code,
        r,
        |u| format!("/units/{}", u.code),
        String::new(),
    )
    .await
}

#[derive(Deserialize)]
pub struct MarkForm {
    #[serde(default)]
    pub disadvantaged: String,
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub source: String,
}

/// A province or central officer marks or unmarks a commune as a disadvantaged area for a year.
pub async fn mark(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<MarkForm>,
) -> PageResult<Response> {
    let year = f.year.trim();
    let parsed_year = if year.is_empty() {
        Ok(None)
    } else {
        year.parse::<i64>().map(Some).map_err(|_| {
            AppError::field(
                "year",
                khuyenhoc_domain::Invalid::new(
                    "Năm phải có 4 chữ số, từ 2000 đến 2100",
                    "The year must have 4 digits, from 2000 to 2100",
                ),
            )
        })
    };
    let r = match parsed_year {
        Ok(y) => {
            let m = disadvantaged::Mark {
                disadvantaged: f.disadvantaged == "1",
                year: y,
                source: f.source.clone(),
            };
            disadvantaged::mark(&state.db, &v, &code, &m).await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok(a) => Ok(Redirect::to(&format!("/units/{code}?year={}#area", a.year)).into_response()),
        Err(AppError::Invalid(e)) => {
            let typed = (year.parse().ok(), f.source);
            let page = unit_page(&state, c, &v, &code, FormErrors(e), String::new(), typed).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "clusters.html")]
pub struct ClustersPage {
    pub c: Chrome,
    pub clusters: Vec<super::cluster::Cluster>,
    pub can_manage: bool,
    pub errors: FormErrors,
}

pub async fn clusters(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
) -> PageResult<Html<String>> {
    clusters_page(&state, c, &v, FormErrors::default()).await
}

async fn clusters_page(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    errors: FormErrors,
) -> PageResult<Html<String>> {
    if !v.is_officer() {
        return Err(AppError::NotFound.into());
    }
    let clusters = super::cluster::list(&state.db, &crate::db::today()).await?;
    let can_manage = v.position_for(perm::CLUSTER_MANAGE, "/VN/").is_some();
    render(&ClustersPage {
        c,
        clusters,
        can_manage,
        errors,
    })
}

#[derive(Deserialize)]
pub struct ClusterForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
}

async fn cluster_result(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    r: Result<(), AppError>,
) -> PageResult<Response> {
    match r {
        Ok(()) => Ok(Redirect::to("/clusters").into_response()),
        Err(AppError::Invalid(e)) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            clusters_page(state, c, v, FormErrors(e)).await?,
        )
            .into_response()),
        Err(AppError::Conflict(e)) => Ok((
            axum::http::StatusCode::CONFLICT,
            clusters_page(state, c, v, FormErrors(vec![e])).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

pub async fn create_cluster(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    PageForm(f): PageForm<ClusterForm>,
) -> PageResult<Response> {
    let r = super::cluster::create(&state.db, &v, &f.code, &f.name).await;
    cluster_result(&state, c, &v, r).await
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    pub province: String,
}

pub async fn assign_cluster(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<MemberForm>,
) -> PageResult<Response> {
    let r = super::cluster::assign(&state.db, &v, &code, &f.province).await;
    cluster_result(&state, c, &v, r).await
}

/// The routes this file serves, with their access rules.
#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        r(M::GET, "/units", Officer, "Find units in scope", search),
        r(M::GET, "/units/{code}", Officer, "Unit page", show),
        r(M::POST, "/units/{code}/branches", Officer, "Open a branch", open_branch),
        r(M::POST, "/units/{code}/rename", Officer, "Rename a branch", rename),
        r(M::POST, "/units/{code}/move", Officer, "Move a branch", move_branch),
        r(M::POST, "/units/{code}/close", Officer, "Close a branch", close),
        r(M::POST, "/units/{code}/disadvantaged", Officer, "Mark or unmark a commune as a disadvantaged area for a year", mark),
        r(M::GET, "/clusters", Officer, "Emulation clusters", clusters),
        r(M::POST, "/clusters", Central, "Create a cluster", create_cluster),
        r(M::POST, "/clusters/{code}/members", Central, "Put a province in a cluster", assign_cluster),
    ]
}
