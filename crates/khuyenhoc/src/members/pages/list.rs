//! The member list of a unit (paged, searchable) and registering a member from it.

use super::{refusal, Refusal, SectorBoxes, PAGE};
use crate::accounts::service::NewPerson;
use crate::auth::{perm, Viewer};
use crate::error::{AppError, FieldError, PageResult};
use crate::members::list::Filter;
use crate::members::model::{self, Member};
use crate::members::service::{self, NewMember, RegisterError};
use crate::members::{SECTORS, STATUSES};
use crate::org::model::Unit;
use crate::state::AppState;
use crate::web::extract::{PageForm, PageQuery};
use crate::web::layout::{render, Chrome, FormErrors};
use crate::web::list::Cursor;
use crate::web::route::Xlsx;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The filter of the list page (shared with the API).
pub use crate::members::list::ListArgs as ListQuery;

/// The registration form as typed (kept when it is refused).
#[derive(Deserialize, Default, Clone)]
pub struct RegisterForm {
    /// An existing person: phone number or person number.
    #[serde(default)]
    pub existing: String,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub birth_year: String,
    #[serde(default)]
    pub gender: String,
    #[serde(default)]
    pub branch: String,
    #[serde(default)]
    pub card_no: String,
    #[serde(default)]
    pub joined_on: String,
    #[serde(flatten)]
    pub sectors: SectorBoxes,
}

#[derive(Template)]
#[template(path = "members.html")]
pub struct ListPage {
    pub c: Chrome,
    pub unit: Unit,
    pub q: String,
    pub status: String,
    pub sector: String,
    pub branch: String,
    /// The order: name, newest or oldest.
    pub sort: &'static str,
    /// The orders to choose from: (code, Vietnamese, English).
    pub sorts: [(&'static str, &'static str, &'static str); 3],
    /// The units right below, for the branch filter: (code, name).
    pub below: Vec<(String, String)>,
    pub members: Vec<Member>,
    pub total: i64,
    /// The next page (by key), the first page when this is not it, the export as filtered.
    pub next_href: Option<String>,
    pub first_href: Option<String>,
    pub export_href: String,
    /// (code, Vietnamese, English, how many) for every status.
    pub status_counts: Vec<(&'static str, &'static str, &'static str, i64)>,
    /// (code, Vietnamese, English, active members with it).
    pub sector_counts: Vec<(&'static str, &'static str, &'static str, i64)>,
    pub active: i64,
    /// (year, population, share in percent) of the newest population.
    pub share: Option<(i64, i64, String)>,
    pub can_manage: bool,
    /// The branches a new member may join from this page.
    pub branches: Vec<Unit>,
    pub form: RegisterForm,
    pub errors: FormErrors,
    pub problem: Option<(String, String)>,
    pub sectors: &'static [(&'static str, &'static str, &'static str)],
    pub statuses: &'static [(&'static str, &'static str, &'static str)],
}

/// The query string of a filter, without the cursor.
fn query_string(q: &ListQuery) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("q", &q.q),
        ("status", &q.status),
        ("sector", &q.sector),
        ("branch", &q.branch),
        ("sort", &q.sort),
    ] {
        if !v.trim().is_empty() {
            out.append_pair(k, v.trim());
        }
    }
    out.finish()
}

impl ListPage {
    pub fn checked(&self, code: &&str) -> bool {
        self.form.sectors.codes().iter().any(|c| c == code)
    }
}

/// The open branches directly below a unit (the unit itself when it is one).
pub(super) async fn branch_choices(state: &AppState, unit: &Unit) -> Result<Vec<Unit>, AppError> {
    if unit.is_branch() {
        return Ok(if unit.is_open() {
            vec![unit.clone()]
        } else {
            vec![]
        });
    }
    let q = crate::org::model::Query {
        scope_roots: vec![unit.path.clone()],
        level: Some(khuyenhoc_domain::Level::Branch),
        parent_id: Some(unit.id),
        limit: 1000,
        ..Default::default()
    };
    Ok(crate::org::model::list(&state.db, &q).await?.0)
}

pub(super) async fn list_view(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    code: &str,
    q: &ListQuery,
    form: RegisterForm,
    refused: Option<Refusal>,
) -> PageResult<Response> {
    let unit = crate::org::service::visible(&state.db, v, code).await?;
    let filter = Filter::parse(&state.db, v, &unit, q).await?;
    let page = filter.page(&state.db, &q.cursor, PAGE).await?;
    let qs = query_string(q);
    let base = format!("/units/{}/members?{qs}", unit.code);
    let below_q = crate::org::model::Query {
        scope_roots: vec![unit.path.clone()],
        parent_id: Some(unit.id),
        limit: 500,
        ..Default::default()
    };
    let below = crate::org::model::list(&state.db, &below_q)
        .await?
        .0
        .into_iter()
        .map(|u| (u.code, u.name))
        .collect();
    let counts = model::status_counts(&state.db, &unit.path).await?;
    let status_counts = STATUSES
        .iter()
        .map(|(code, vi, en)| {
            let n = counts.iter().find(|x| x.0 == *code).map_or(0, |x| x.1);
            (*code, *vi, *en, n)
        })
        .collect();
    let (active, by_sector) = model::active_under(&state.db, unit.id).await?;
    let sector_counts = SECTORS
        .iter()
        .map(|(code, vi, en)| {
            let n = by_sector.iter().find(|x| x.0 == *code).map_or(0, |x| x.1);
            (*code, *vi, *en, n)
        })
        .collect();
    let can_manage = v.position_for(perm::MEMBER_MANAGE, &unit.path).is_some();
    let branches = if can_manage {
        branch_choices(state, &unit).await?
    } else {
        vec![]
    };
    let share = service::share(&state.db, &unit).await?;
    let (status_code, errors, problem) =
        refused.unwrap_or((StatusCode::OK, FormErrors::default(), None));
    let page = ListPage {
        c,
        q: q.q.trim().to_owned(),
        status: filter.status.unwrap_or_default().to_owned(),
        sector: filter.sector.unwrap_or_default().to_owned(),
        branch: q.branch.trim().to_owned(),
        sort: filter.sort.code(),
        sorts: crate::web::list::ORDERS,
        below,
        members: page.items,
        total: page.total,
        next_href: page.next_cursor.map(|cur| format!("{base}&cursor={cur}")),
        first_href: Cursor::decode(&q.cursor)
            .ok()
            .flatten()
            .map(|_| base.clone()),
        export_href: format!("/units/{}/members.xlsx?{qs}", unit.code),
        status_counts,
        sector_counts,
        active,
        share,
        can_manage,
        branches,
        form,
        errors,
        problem,
        sectors: SECTORS,
        statuses: STATUSES,
        unit,
    };
    Ok((status_code, render(&page)?).into_response())
}

pub async fn list(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<ListQuery>,
) -> PageResult<Response> {
    list_view(&state, c, &v, &code, &q, RegisterForm::default(), None).await
}

pub async fn register(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<RegisterForm>,
) -> PageResult<Response> {
    let existing = f.existing.trim();
    let (person_id, existing_phone) = match existing.parse::<i64>() {
        // A short number is a person's number; a phone number has 9 digits or more.
        Ok(id) if existing.len() < 9 => (Some(id), None),
        _ => (None, Some(existing.to_owned())),
    };
    let opt = |s: &str| Some(s.to_owned()).filter(|s| !s.trim().is_empty());
    let n = NewMember {
        person_id,
        existing_phone,
        person: NewPerson {
            full_name: f.full_name.clone(),
            birth_year: opt(&f.birth_year),
            gender: opt(&f.gender),
            phone: opt(&f.phone),
            ..NewPerson::default()
        },
        branch: f.branch.clone(),
        card_no: opt(&f.card_no),
        joined_on: f.joined_on.clone(),
        sectors: f.sectors.codes(),
    };
    let refused = match service::register(&state.db, &v, &code, &n).await {
        Ok(id) => return Ok(Redirect::to(&format!("/members/{id}")).into_response()),
        Err(RegisterError::Already(a)) => {
            let field = FieldError::new(
                a.field,
                khuyenhoc_domain::Invalid::new(
                    "Người này đã là hội viên",
                    "This person is already a member",
                ),
            );
            (
                StatusCode::CONFLICT,
                FormErrors(vec![field]),
                Some(a.messages()),
            )
        }
        Err(RegisterError::Other(e)) => refusal(e)?,
    };
    list_view(
        &state,
        c,
        &v,
        &code,
        &ListQuery::default(),
        f,
        Some(refused),
    )
    .await
}

/// The members of the list as filtered, as an Excel file (at most 50,000 rows).
pub async fn export_xlsx(
    State(state): State<AppState>,
    v: Viewer,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<ListQuery>,
) -> PageResult<Response> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let filter = Filter::parse(&state.db, &v, &unit, &q).await?;
    let bytes =
        crate::web::export::xlsx(&state.db, &filter, state.settings.export_max_rows).await?;
    let name = format!("hoi-vien-{}.xlsx", unit.code);
    Ok(Xlsx { name, bytes }.into_response())
}
