//! A citizen's own pages: my learning (with the invitations to a group waiting for an answer),
//! registering myself, one question group per screen, every answer on one screen, submitting.

use super::{evaluation_page, load, shown, this_year, ShownGroup, ShownIndicator};
use crate::accounts::pages::parse_id;
use crate::auth::{perm, Viewer};
use crate::error::{AppError, PageResult};
use crate::evaluation::groups::{self, Invitation};
use crate::evaluation::model::{self, Evaluation};
use crate::evaluation::score::Scored;
use crate::evaluation::service::{self, Register, SubjectRef};
use crate::evaluation::sets;
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::layout::{render, Chrome, FormErrors};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Template)]
#[template(path = "learning.html")]
pub struct LearningPage {
    pub c: Chrome,
    pub evaluations: Vec<Evaluation>,
    /// Invitations to a family, clan or organisation waiting for this person's answer.
    pub invitations: Vec<Invitation>,
    /// The groups this person belongs to (not as head), to leave.
    pub memberships: Vec<Invitation>,
    pub form_groups: Vec<(String, String, String)>,
    pub year: i64,
    pub errors: FormErrors,
}

pub(super) async fn citizen_form_groups(
    state: &AppState,
    v: &Viewer,
) -> Result<Vec<(String, String, String)>, AppError> {
    let path: String = sqlx::query_scalar(
        "SELECT u.path FROM people p JOIN units u ON u.id = p.unit_id WHERE p.id = $1",
    )
    .bind(v.person_id)
    .fetch_one(&state.db.pool)
    .await?;
    let province = path
        .trim_matches('/')
        .split('/')
        .nth(1)
        .unwrap_or("VN")
        .to_owned();
    let (_, set) = sets::effective(state, "citizen", &province, this_year(state)).await?;
    Ok(set
        .form_groups()
        .iter()
        .map(|g| (g.code.clone(), g.name.vi.clone(), g.name.en.clone()))
        .collect())
}

pub(super) async fn learning_page(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    errors: FormErrors,
) -> PageResult<Html<String>> {
    let evaluations = model::for_person(&state.db, v.person_id).await?;
    let invitations = groups::invitations_for(state, v.person_id).await?;
    let memberships = groups::memberships_of(state, v.person_id).await?;
    let form_groups = citizen_form_groups(state, v).await?;
    render(&LearningPage {
        c,
        evaluations,
        invitations,
        memberships,
        form_groups,
        year: this_year(state),
        errors,
    })
}

pub async fn my_learning(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
) -> PageResult<Html<String>> {
    learning_page(&state, c, &v, FormErrors::default()).await
}

#[derive(Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    pub form_group: String,
    #[serde(default)]
    pub year: Option<i64>,
}

pub async fn register_self(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    PageForm(f): PageForm<RegisterForm>,
) -> PageResult<Response> {
    let reg = Register {
        model: "citizen".into(),
        subject: SubjectRef::Person(v.person_id),
        year: f.year.unwrap_or_else(|| this_year(&state)),
        form_group: Some(f.form_group),
    };
    match service::register(&state, &v, &reg).await {
        Ok(e) => Ok(Redirect::to(&format!("/evaluations/{}/groups/1", e.id)).into_response()),
        Err(AppError::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            learning_page(&state, c, &v, FormErrors(errors)).await?,
        )
            .into_response()),
        Err(AppError::Conflict(e)) => Ok((
            StatusCode::CONFLICT,
            learning_page(&state, c, &v, FormErrors(vec![e])).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "evaluation_group.html")]
pub struct GroupPage {
    pub c: Chrome,
    pub e: Evaluation,
    pub title_vi: String,
    pub g: ShownGroup,
    pub count: usize,
    pub total: i64,
    pub max_total: i64,
    pub threshold: i64,
    pub editable: bool,
    /// The viewer owns the evidence (removes and replaces it while editable).
    pub owner: bool,
    pub problem: Option<(String, String)>,
}

impl GroupPage {
    /// The evidence of this group's indicators, with the indicator each belongs to.
    pub fn evidence(&self) -> Vec<(&model::Evidence, &ShownIndicator)> {
        self.g
            .indicators
            .iter()
            .flat_map(|i| i.evidence.iter().map(move |x| (x, i)))
            .collect()
    }
}

pub(super) async fn group_view(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    n: &str,
    problem: Option<(String, String)>,
) -> PageResult<Html<String>> {
    let l = load(state, v, id).await?;
    let mut groups = shown(&l);
    let count = groups.len();
    let n: usize = n
        .parse()
        .ok()
        .filter(|n| (1..=count).contains(n))
        .ok_or(AppError::NotFound)?;
    let g = groups.swap_remove(n - 1);
    let owner = crate::evaluation::evidence::is_owner(state, v, &l.e).await?;
    render(&GroupPage {
        owner,
        c,
        title_vi: l.set.title().vi.clone(),
        g,
        count,
        total: l.scored.total,
        max_total: l.scored.max_total,
        threshold: l.scored.threshold,
        editable: l.e.status.editable(),
        e: l.e,
        problem,
    })
}

pub async fn group_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path((id, n)): Path<(String, String)>,
) -> PageResult<Html<String>> {
    group_view(&state, c, &v, &id, &n, None).await
}

/// Reads `a_{code}` fields: a number, or empty to clear.
pub(super) fn answers_from(
    pairs: &[(String, String)],
) -> Result<BTreeMap<String, Option<u32>>, AppError> {
    let mut out = BTreeMap::new();
    for (k, v) in pairs {
        if let Some(code) = k.strip_prefix("a_") {
            let v = v.trim();
            let value = if v.is_empty() {
                None
            } else {
                Some(v.parse::<u32>().map_err(|_| AppError::Unprocessable {
                    vi: format!("«{v}» không phải là số"),
                    en: format!("“{v}” is not a number"),
                })?)
            };
            out.insert(code.to_owned(), value);
        }
    }
    Ok(out)
}

pub async fn save_group(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path((id, n)): Path<(String, String)>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let values = answers_from(&pairs);
    let r = match values {
        Ok(values) => service::save_answers(&state, &v, parse_id(&id)?, &values)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => {
            let next: usize = n.parse::<usize>().unwrap_or(0) + 1;
            let go_overview = pairs.iter().any(|(k, _)| k == "done");
            let l = load(&state, &v, &id).await?;
            let to = if go_overview || next > shown(&l).len() {
                format!("/evaluations/{id}")
            } else {
                format!("/evaluations/{id}/groups/{next}")
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(AppError::Unprocessable { vi, en }) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            group_view(&state, c, &v, &id, &n, Some((vi, en))).await?,
        )
            .into_response()),
        Err(AppError::BadRequest { vi, en }) => Ok((
            StatusCode::BAD_REQUEST,
            group_view(&state, c, &v, &id, &n, Some((vi, en))).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

/// After an action: back to the evaluation page, or the page again with the problem shown.
pub(super) async fn after(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    r: Result<Evaluation, AppError>,
) -> PageResult<Response> {
    match r {
        Ok(e) => Ok(Redirect::to(&format!("/evaluations/{}", e.id)).into_response()),
        Err(
            e @ (AppError::Unprocessable { .. }
            | AppError::BadRequest { .. }
            | AppError::Invalid(_)
            | AppError::Conflict(_)),
        ) => {
            let status = e.status();
            let (vi, en) = e.messages();
            Ok((
                status,
                evaluation_page(state, c, v, id, Some((vi, en))).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let r = service::submit(&state, &v, parse_id(&id)?).await;
    after(&state, c, &v, &id, r).await
}

#[derive(Template)]
#[template(path = "evaluation_all.html")]
pub struct AllPage {
    pub c: Chrome,
    pub e: Evaluation,
    pub title_vi: String,
    pub groups: Vec<ShownGroup>,
    pub scored: Scored,
    pub problem: Option<(String, String)>,
}

pub(super) async fn all_view(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    problem: Option<(String, String)>,
) -> PageResult<Html<String>> {
    let l = load(state, v, id).await?;
    if v.position_for(perm::EVALUATION_ENTER, &l.e.unit_path)
        .is_none()
    {
        return Err(AppError::NotFound.into());
    }
    render(&AllPage {
        c,
        title_vi: l.set.title().vi.clone(),
        groups: shown(&l),
        scored: l.scored,
        e: l.e,
        problem,
    })
}

/// An officer types a paper form in on one screen, for someone without a phone.
pub async fn all_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Html<String>> {
    all_view(&state, c, &v, &id, None).await
}

pub async fn save_all(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let eid = parse_id(&id)?;
    let e = service::visible(&state.db, &v, eid).await?;
    if v.position_for(perm::EVALUATION_ENTER, &e.unit_path)
        .is_none()
    {
        return Err(AppError::NotFound.into());
    }
    let mut r = match answers_from(&pairs) {
        Ok(values) => service::save_answers(&state, &v, eid, &values)
            .await
            .map(|(e, _)| e),
        Err(e) => Err(e),
    };
    if r.is_ok() && pairs.iter().any(|(k, _)| k == "submit") {
        r = service::submit(&state, &v, eid).await;
    }
    match r {
        Ok(e) => Ok(Redirect::to(&format!("/evaluations/{}", e.id)).into_response()),
        Err(e @ (AppError::Unprocessable { .. } | AppError::BadRequest { .. })) => {
            let status = e.status();
            Ok((
                status,
                all_view(&state, c, &v, &id, Some(e.titles())).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}
