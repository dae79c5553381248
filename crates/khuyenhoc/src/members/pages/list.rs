//! The member list of a unit (paged, searchable) and registering a member from it.

use super::{refusal, Refusal, SectorBoxes, PAGE};
use crate::accounts::service::NewPerson;
use crate::auth::{perm, Viewer};
use crate::error::{AppError, FieldError, PageResult};
use crate::members::model::{self, Member};
use crate::members::service::{self, NewMember, RegisterError};
use crate::members::{SECTORS, STATUSES};
use crate::org::model::Unit;
use crate::state::AppState;
use crate::web::extract::{PageForm, PageQuery};
use crate::web::layout::{render, Chrome, FormErrors};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub sector: String,
    #[serde(default)]
    pub page: Option<i64>,
}

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
    pub members: Vec<Member>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
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

impl ListPage {
    pub fn page_href(&self, page: &i64) -> String {
        let q: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &self.q)
            .append_pair("status", &self.status)
            .append_pair("sector", &self.sector)
            .append_pair("page", &page.to_string())
            .finish();
        format!("/units/{}/members?{q}", self.unit.code)
    }
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
    let status = STATUSES
        .iter()
        .find(|s| s.0 == q.status)
        .map(|s| s.0.to_owned());
    let sector = SECTORS
        .iter()
        .find(|s| s.0 == q.sector)
        .map(|s| s.0.to_owned());
    let page = q.page.unwrap_or(1).max(1);
    let folded = khuyenhoc_domain::text::fold(&q.q);
    let (members, total) = model::list(
        &state.db,
        &model::ListQuery {
            path: unit.path.clone(),
            search: Some(folded),
            status: status.clone(),
            sector: sector.clone(),
            limit: PAGE,
            offset: (page - 1).saturating_mul(PAGE),
        },
    )
    .await?;
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
        status: status.unwrap_or_default(),
        sector: sector.unwrap_or_default(),
        members,
        total,
        page,
        pages: (total + PAGE - 1) / PAGE,
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
