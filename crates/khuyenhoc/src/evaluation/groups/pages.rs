//! The pages of groups: a unit's groups, one group with its members and the invitations still
//! waiting (without names), adding a member, the invited person's answer, and registering a
//! group or a unit for a title.

use super::invite::{self, Pending};
use super::{create, members, visible, Group, Member};
use crate::accounts::pages::parse_id;
use crate::auth::Viewer;
use crate::error::{AppError, FieldError, PageResult};
use crate::evaluation::model::{self, Evaluation};
use crate::evaluation::service::{self, Register, SubjectRef};
use crate::state::AppState;
use crate::web::extract::{PageForm, PageQuery};
use crate::web::layout::{render, Chrome, FormErrors};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Template)]
#[template(path = "groups.html")]
pub struct GroupsPage {
    pub c: Chrome,
    pub unit_code: String,
    pub unit_name: String,
    pub unit_branch: bool,
    pub unit_kind: String,
    pub groups: Vec<Group>,
    pub errors: FormErrors,
    pub year: i64,
    /// Groups matching the search, on every page.
    pub total: i64,
    pub q: String,
    pub kind: String,
    /// The filter as a query string (the pager's links and the Excel link keep it).
    pub filter_query: String,
    pub next_href: Option<String>,
    pub first_href: Option<String>,
}

impl GroupsPage {
    /// The kinds to filter by: (code, Vietnamese, English).
    pub fn kinds(&self) -> [(&'static str, &'static str, &'static str); 3] {
        ["family", "clan", "organisation"].map(|k| {
            let (vi, en) = super::kind_words(k);
            (k, vi, en)
        })
    }
}

/// The search of the groups page: the group's or the head's name, or the head's phone; a
/// kind; the page.
#[derive(Debug, Default, Deserialize)]
pub struct GroupsPageQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub cursor: String,
}

async fn groups_page(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    code: &str,
    query: &GroupsPageQuery,
    errors: FormErrors,
) -> PageResult<Html<String>> {
    let unit = crate::org::service::visible(&state.db, v, code).await?;
    let f = super::list::GroupFilter {
        kind: Some(query.kind.clone()),
        q: Some(query.q.clone()),
        cursor: Some(query.cursor.clone()),
    };
    let page = super::list::page(state, &unit, &f, crate::web::list::PER_PAGE).await?;
    let filter_query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("q", query.q.trim())
        .append_pair("kind", query.kind.trim())
        .finish();
    let base = format!("/units/{}/groups?{filter_query}", unit.code);
    let year = i64::from(chrono::Datelike::year(&state.clock.vn_today()));
    render(&GroupsPage {
        c,
        unit_branch: unit.is_branch(),
        unit_code: unit.code,
        unit_name: unit.name,
        unit_kind: unit.kind,
        groups: page.items,
        errors,
        year,
        total: page.total,
        q: query.q.clone(),
        kind: query.kind.clone(),
        filter_query,
        next_href: page.next_cursor.map(|cur| format!("{base}&cursor={cur}")),
        first_href: (!query.cursor.is_empty()).then_some(base),
    })
}

pub async fn unit_groups(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageQuery(query): PageQuery<GroupsPageQuery>,
) -> PageResult<Html<String>> {
    groups_page(&state, c, &v, &code, &query, FormErrors::default()).await
}

/// The groups of the list as filtered, as an Excel file.
pub async fn export_groups(
    State(state): State<AppState>,
    v: Viewer,
    Path(code): Path<String>,
    PageQuery(query): PageQuery<GroupsPageQuery>,
) -> PageResult<Response> {
    let book = super::api::workbook(&state, &v, &code, Some(query.kind), Some(query.q)).await?;
    Ok(book.into_response())
}

#[derive(Deserialize)]
pub struct GroupForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub head: String,
}

fn form_errors(e: AppError) -> Result<Vec<FieldError>, AppError> {
    match e {
        AppError::Invalid(f) => Ok(f),
        AppError::Conflict(f) => Ok(vec![f]),
        e => Err(e),
    }
}

pub async fn create_group(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<GroupForm>,
) -> PageResult<Response> {
    match create(&state, &v, &code, &f.kind, &f.name, &f.head).await {
        Ok(g) => Ok(Redirect::to(&format!("/groups/{}", g.id)).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                groups_page(
                    &state,
                    c,
                    &v,
                    &code,
                    &GroupsPageQuery::default(),
                    FormErrors(errors),
                )
                .await?,
            )
                .into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "group.html")]
pub struct GroupPage {
    pub c: Chrome,
    pub g: Group,
    pub members: Vec<Member>,
    pub pending: Vec<Pending>,
    pub evaluations: Vec<Evaluation>,
    pub errors: FormErrors,
    pub year: i64,
    pub model: &'static str,
    /// The viewer removes members: the head, or an officer entering evaluations in scope.
    pub can_remove: bool,
    /// The viewer adds people without an account (an officer who registers people in scope).
    pub can_add_without_account: bool,
    /// Whether the reader may open the unit's list of groups (the breadcrumb leads there, else
    /// home).
    pub unit_link: bool,
}

async fn group_view(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    errors: FormErrors,
) -> PageResult<Html<String>> {
    let g = visible(state, v, parse_id(id)?).await?;
    let members = members(state, g.id).await?;
    let pending = invite::pending(state, g.id).await?;
    let (evaluations, _) = model::list(
        &state.db,
        &model::Query {
            path: g.unit_path.clone(),
            limit: 500,
            ..Default::default()
        },
    )
    .await?;
    let evaluations = evaluations
        .into_iter()
        .filter(|e| e.subject_kind == "group" && e.subject_id == g.id)
        .collect();
    let model = match g.kind.as_str() {
        "family" => "family",
        "clan" => "clan",
        _ => "unit",
    };
    let year = i64::from(chrono::Datelike::year(&state.clock.vn_today()));
    let can_remove = g.head_person_id == Some(v.person_id)
        || v.position_for(crate::auth::perm::EVALUATION_ENTER, &g.unit_path)
            .is_some();
    let can_add_without_account = v
        .position_for(crate::auth::perm::PERSON_MANAGE, &g.unit_path)
        .is_some();
    let unit_link = v.can_read(&g.unit_path);
    render(&GroupPage {
        unit_link,
        can_remove,
        can_add_without_account,
        c,
        g,
        members,
        pending,
        evaluations,
        errors,
        year,
        model,
    })
}

pub async fn group_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Html<String>> {
    group_view(&state, c, &v, &id, FormErrors::default()).await
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub adult: Option<String>,
}

pub async fn add_member(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<MemberForm>,
) -> PageResult<Response> {
    match invite::add(&state, &v, parse_id(&id)?, &f.phone, f.adult.is_some()).await {
        Ok(_) => Ok(Redirect::to(&format!("/groups/{id}")).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                group_view(&state, c, &v, &id, FormErrors(errors)).await?,
            )
                .into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct NoAccountForm {
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub birth_year: String,
    #[serde(default)]
    pub gender: String,
    #[serde(default)]
    pub adult: Option<String>,
}

/// An officer in scope adds a person without an account (no phone needed).
pub async fn add_member_without_account(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<NoAccountForm>,
) -> PageResult<Response> {
    let r = super::leave::add_without_account(
        &state,
        &v,
        parse_id(&id)?,
        &f.full_name,
        &f.birth_year,
        &f.gender,
        f.adult.is_some(),
    )
    .await;
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/groups/{id}")).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                group_view(&state, c, &v, &id, FormErrors(errors)).await?,
            )
                .into_response())
        }
    }
}

/// The head or an officer in scope removes a member (or withdraws an invitation).
pub async fn remove_member(
    State(state): State<AppState>,
    v: Viewer,
    Path((id, member)): Path<(String, String)>,
) -> PageResult<Response> {
    super::leave::end(&state, &v, Some(parse_id(&id)?), parse_id(&member)?).await?;
    Ok(Redirect::to(&format!("/groups/{id}")).into_response())
}

/// The member leaves a group (their page lists the groups they belong to).
pub async fn leave_group(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    super::leave::end(&state, &v, None, parse_id(&id)?).await?;
    Ok(Redirect::to("/learning").into_response())
}

/// The invited person accepts the invitation (`/learning` lists it); back to their page.
pub async fn accept_invitation(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    invite::answer(&state, &v, parse_id(&id)?, true).await?;
    Ok(Redirect::to("/learning").into_response())
}

/// The invited person declines: the invitation goes, and nobody learns more.
pub async fn decline_invitation(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    invite::answer(&state, &v, parse_id(&id)?, false).await?;
    Ok(Redirect::to("/learning").into_response())
}

#[derive(Deserialize)]
pub struct YearForm {
    #[serde(default)]
    pub year: Option<i64>,
    #[serde(default)]
    pub model: String,
}

pub async fn register_group(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<YearForm>,
) -> PageResult<Response> {
    let g = visible(&state, &v, parse_id(&id)?).await?;
    let model = match g.kind.as_str() {
        "family" => "family",
        "clan" => "clan",
        _ => "unit",
    };
    let year = f
        .year
        .unwrap_or_else(|| i64::from(chrono::Datelike::year(&state.clock.vn_today())));
    let reg = Register {
        model: model.into(),
        subject: SubjectRef::Group(g.id),
        year,
        form_group: None,
    };
    match service::register(&state, &v, &reg).await {
        Ok(e) => Ok(Redirect::to(&format!("/evaluations/{}", e.id)).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                group_view(&state, c, &v, &id, FormErrors(errors)).await?,
            )
                .into_response())
        }
    }
}

/// A village branch registers as a Learning Community; an institutional branch as a Learning Unit.
pub async fn register_unit(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<YearForm>,
) -> PageResult<Response> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let model = if unit.kind == "village" {
        "community"
    } else {
        "unit"
    };
    if !unit.is_branch() {
        return Err(AppError::bad_request(
            "Chỉ chi hội (thôn, tổ dân phố, cơ quan, trường học…) đăng ký danh hiệu này",
            "Only branches (villages, institutions) register for this title",
        )
        .into());
    }
    let _ = &f.model;
    let year = f
        .year
        .unwrap_or_else(|| i64::from(chrono::Datelike::year(&state.clock.vn_today())));
    let reg = Register {
        model: model.into(),
        subject: SubjectRef::Unit(unit.code.clone()),
        year,
        form_group: None,
    };
    match service::register(&state, &v, &reg).await {
        Ok(e) => Ok(Redirect::to(&format!("/evaluations/{}", e.id)).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                groups_page(
                    &state,
                    c,
                    &v,
                    &code,
                    &GroupsPageQuery::default(),
                    FormErrors(errors),
                )
                .await?,
            )
                .into_response())
        }
    }
}
