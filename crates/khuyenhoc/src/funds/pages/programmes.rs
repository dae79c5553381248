//! Scholarship and award rounds: opening one, its page with the nominations in the viewer's
//! scope, nominating, selecting or rejecting, paying and publishing.

use super::books::after;
use crate::accounts::pages::parse_id;
use crate::auth::{perm, Viewer};
use crate::error::{AppError, PageResult};
use crate::funds::programmes::{self, Nomination, Programme};
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::layout::{render, Chrome};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ProgrammeForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub target_group: String,
    #[serde(default)]
    pub criteria: String,
    #[serde(default)]
    pub amount_each: String,
    #[serde(default)]
    pub budget: String,
    #[serde(default)]
    pub show_full_names: Option<String>,
}

pub async fn create_programme(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<ProgrammeForm>,
) -> PageResult<Response> {
    let n = programmes::NewProgramme {
        kind: f.kind,
        name: f.name,
        target_group: f.target_group,
        criteria: f.criteria,
        amount_each: serde_json::Value::String(f.amount_each),
        budget: Some(serde_json::Value::String(f.budget)),
        show_full_names: f.show_full_names.is_some(),
    };
    match programmes::create(&state.db, &v, parse_id(&id)?, &n).await {
        Ok(p) => Ok(Redirect::to(&format!("/programmes/{}", p.id)).into_response()),
        Err(e) => after(&state, c, &v, &id, Err(e)).await,
    }
}

#[derive(Template)]
#[template(path = "programme.html")]
pub struct ProgrammePage {
    pub c: Chrome,
    pub p: Programme,
    pub nominations: Vec<Nomination>,
    pub can_manage: bool,
    pub can_pay: bool,
    pub can_nominate: bool,
    pub problem: Option<(String, String)>,
    /// The viewer: a nomination of theirs is decided by another manager.
    pub me: i64,
    /// Whether the reader may open the fund (the breadcrumb leads there, else home): a branch
    /// officer who nominates reads the round, not the commune's fund.
    pub fund_link: bool,
}

impl ProgrammePage {
    /// Whether the viewer made this nomination (they cannot decide it).
    pub fn own(&self, n: &Nomination) -> bool {
        n.nominated_by == Some(self.me)
    }

    pub fn money(&self, n: &i64) -> String {
        khuyenhoc_ledger::Dong::new(*n).grouped()
    }
}

async fn programme_view(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    problem: Option<(String, String)>,
) -> PageResult<Html<String>> {
    let p = programmes::visible(&state.db, v, parse_id(id)?).await?;
    let mut nominations = programmes::nominations(&state.db, p.id).await?;
    if !v.can_read(&p.unit_path) {
        // An officer of a branch below the fund sees only the nominations of units in their scope.
        let mut mine = vec![];
        for n in nominations {
            if let Some(u) = crate::org::model::by_code(&state.db, &n.unit_code).await? {
                if v.can_read(&u.path) {
                    mine.push(n);
                }
            }
        }
        nominations = mine;
    }
    let can_manage = v.position_for(perm::FUND_MANAGE, &p.unit_path).is_some();
    let can_pay = v.position_for(perm::FUND_POST, &p.unit_path).is_some();
    let can_nominate = p.status == "nominating"
        && v.positions.iter().any(|x| {
            x.unit_path.starts_with(&p.unit_path)
                && x.permissions.iter().any(|r| r == perm::PROGRAMME_NOMINATE)
        });
    let fund_link = v.can_read(&p.unit_path);
    render(&ProgrammePage {
        fund_link,
        c,
        p,
        nominations,
        can_manage,
        can_pay,
        can_nominate,
        problem,
        me: v.person_id,
    })
}

pub async fn programme_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Html<String>> {
    programme_view(&state, c, &v, &id, None).await
}

async fn programme_after(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    r: Result<(), AppError>,
) -> PageResult<Response> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/programmes/{id}")).into_response()),
        Err(
            e @ (AppError::Invalid(_)
            | AppError::Conflict(_)
            | AppError::Unprocessable { .. }
            | AppError::BadRequest { .. }
            | AppError::Refused { .. }),
        ) => {
            let status = e.status();
            let msg = e.messages();
            Ok((status, programme_view(state, c, v, id, Some(msg)).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct NominationForm {
    #[serde(default)]
    pub unit_code: String,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub birth_year: String,
    #[serde(default)]
    pub school: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn nominate(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<NominationForm>,
) -> PageResult<Response> {
    let birth_year = if f.birth_year.trim().is_empty() {
        Ok(None)
    } else {
        f.birth_year.trim().parse::<i64>().map(Some).map_err(|_| {
            AppError::field(
                "birth_year",
                khuyenhoc_domain::Invalid::new("Năm sinh không hợp lệ", "Invalid birth year"),
            )
        })
    };
    let r = match birth_year {
        Ok(birth_year) => {
            let n = programmes::NewNomination {
                unit_code: f.unit_code,
                full_name: f.full_name,
                birth_year,
                school: Some(f.school),
                reason: f.reason,
                person_id: None,
            };
            programmes::nominate(&state.db, &v, parse_id(&id)?, &n)
                .await
                .map(|_| ())
        }
        Err(e) => Err(e),
    };
    programme_after(&state, c, &v, &id, r).await
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn decide(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<DecisionForm>,
) -> PageResult<Response> {
    let nid = parse_id(&id)?;
    let programme_id: i64 =
        sqlx::query_scalar("SELECT programme_id FROM nominations WHERE id = $1")
            .bind(nid)
            .fetch_optional(&state.db.pool)
            .await?
            .ok_or(AppError::NotFound)?;
    let r = programmes::decide(&state.db, &v, nid, f.decision == "select", &f.reason).await;
    programme_after(&state, c, &v, &programme_id.to_string(), r).await
}

#[derive(Deserialize)]
pub struct PayForm {
    #[serde(default)]
    pub asset: String,
}

pub async fn pay(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<PayForm>,
) -> PageResult<Response> {
    let asset = if f.asset.is_empty() {
        "cash".to_owned()
    } else {
        f.asset
    };
    let r = programmes::pay(&state, &v, parse_id(&id)?, &asset, None)
        .await
        .map(|_| ());
    programme_after(&state, c, &v, &id, r).await
}

pub async fn publish(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let r = programmes::publish(&state.db, &v, parse_id(&id)?).await;
    programme_after(&state, c, &v, &id, r).await
}
