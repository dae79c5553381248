//! Pages of cooperation programmes: a unit's programmes (with the reviews waiting for it), its
//! register of partners, a new programme, and one programme with its forms (commitments,
//! reviews, files). Every form error re-renders the page with the message, 422.

use super::model::{self, Labels, Partner, Programme};
use super::service::{self, Coverage, NewPartner, NewProgramme, NewReview};
use crate::auth::{perm, Viewer};
use crate::error::{AppError, PageResult};
use crate::org::model::Unit;
use crate::state::AppState;
use crate::web::extract::{PageForm, PageQuery};
use crate::web::layout::{render, Chrome, FormErrors};
use crate::web::list::{per_page, Cursor, Search};
use crate::web::route::{r, Access, Route};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        r(M::GET, "/units/{code}/cooperation", Officer, "Cooperation programmes of a unit and the reviews waiting for it", list_page),
        r(M::GET, "/units/{code}/cooperation/new", Officer, "Form of a new cooperation programme (unit.manage)", new_page),
        r(M::POST, "/units/{code}/cooperation", Officer, "Create a cooperation programme (unit.manage)", create),
        r(M::GET, "/units/{code}/partners", Officer, "A unit's register of cooperation partners", partners_page),
        r(M::POST, "/units/{code}/partners", Officer, "Add a cooperation partner (unit.manage)", add_partner),
    ]
}

fn kind_vi(code: &str) -> &'static str {
    model::kind_labels(code).0
}
fn kind_en(code: &str) -> &'static str {
    model::kind_labels(code).1
}

/// The search of a list page.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub cursor: String,
}

#[derive(Template)]
#[template(path = "cooperation_list.html")]
pub struct ListPageT {
    pub c: Chrome,
    pub unit: Unit,
    pub q: String,
    pub total: i64,
    pub programmes: Vec<Programme>,
    pub due: Vec<super::due::DueReview>,
    pub can_edit: bool,
    pub next_href: Option<String>,
    pub first_href: Option<String>,
}

impl ListPageT {
    pub fn day(&self, iso: &str) -> String {
        crate::i18n::day(iso)
    }
    pub fn review_vi(&self, k: &str) -> &'static str {
        model::review_labels(k).0
    }
    pub fn review_en(&self, k: &str) -> &'static str {
        model::review_labels(k).1
    }
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn list_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<ListQuery>,
) -> PageResult<Response> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let search = Search::parse(&q.q);
    let cursor = Cursor::decode(&q.cursor)?;
    let page = model::programmes_of(
        &state.db,
        &unit.path,
        search.as_ref(),
        cursor.as_ref(),
        per_page(None)?,
    )
    .await?;
    let base = format!("/units/{}/cooperation?q={}", unit.code, enc(&q.q));
    let due = super::due::due_for_unit(&state.db, unit.id).await?;
    Ok(render(&ListPageT {
        c,
        can_edit: v.position_for(perm::UNIT_MANAGE, &unit.path).is_some(),
        q: q.q,
        total: page.total,
        programmes: page.items,
        due,
        next_href: page
            .next_cursor
            .map(|n| format!("{base}&cursor={}", enc(&n))),
        first_href: cursor.map(|_| base.clone()),
        unit,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "cooperation_partners.html")]
pub struct PartnersPage {
    pub c: Chrome,
    pub unit: Unit,
    pub q: String,
    pub total: i64,
    pub partners: Vec<Partner>,
    pub can_edit: bool,
    pub errors: FormErrors,
    pub typed: NewPartner,
    pub labels: Labels,
    pub next_href: Option<String>,
    pub first_href: Option<String>,
}

impl PartnersPage {
    pub fn kind_vi(&self, k: &str) -> &'static str {
        kind_vi(k)
    }
    pub fn kind_en(&self, k: &str) -> &'static str {
        kind_en(k)
    }
    pub fn contact(&self) -> &str {
        self.typed.contact.as_deref().unwrap_or_default()
    }
}

async fn partners_view(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    code: &str,
    q: ListQuery,
    errors: FormErrors,
    typed: NewPartner,
) -> Result<axum::response::Html<String>, crate::error::PageError> {
    let unit = crate::org::service::visible(&state.db, v, code).await?;
    let search = Search::parse(&q.q);
    let cursor = Cursor::decode(&q.cursor)?;
    let page = model::partners(
        &state.db,
        unit.id,
        search.as_ref(),
        cursor.as_ref(),
        per_page(None)?,
    )
    .await?;
    let base = format!("/units/{}/partners?q={}", unit.code, enc(&q.q));
    render(&PartnersPage {
        c,
        can_edit: v.position_for(perm::UNIT_MANAGE, &unit.path).is_some(),
        q: q.q,
        total: page.total,
        partners: page.items,
        errors,
        typed,
        labels: Labels,
        next_href: page
            .next_cursor
            .map(|n| format!("{base}&cursor={}", enc(&n))),
        first_href: cursor.map(|_| base.clone()),
        unit,
    })
}

async fn partners_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<ListQuery>,
) -> PageResult<Response> {
    Ok(partners_view(
        &state,
        c,
        &v,
        &code,
        q,
        FormErrors::default(),
        NewPartner::default(),
    )
    .await?
    .into_response())
}

/// The partner form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct PartnerForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub contact: String,
}

async fn add_partner(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<PartnerForm>,
) -> PageResult<Response> {
    let typed = NewPartner {
        kind: f.kind,
        name: f.name,
        contact: Some(f.contact),
    };
    match service::add_partner(&state.db, &v, &code, &typed).await {
        Ok(_) => Ok(Redirect::to(&format!("/units/{code}/partners")).into_response()),
        Err(AppError::Invalid(e)) => {
            let page = partners_view(
                &state,
                c,
                &v,
                &code,
                ListQuery::default(),
                FormErrors(e),
                typed,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The new programme form as typed.
#[derive(Debug, Default, Clone)]
pub struct ProgrammeForm {
    pub title: String,
    pub partners: Vec<i64>,
    pub level: String,
    pub units: String,
    pub signed_on: String,
    pub starts_on: String,
    pub ends_on: String,
    pub interim_on: String,
    pub final_on: String,
}

impl ProgrammeForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> ProgrammeForm {
        let mut f = ProgrammeForm::default();
        for (k, v) in pairs {
            match k.as_str() {
                "title" => f.title = v,
                "partner" => {
                    if let Ok(id) = v.trim().parse() {
                        f.partners.push(id);
                    }
                }
                "level" => f.level = v,
                "units" => f.units = v,
                "signed_on" => f.signed_on = v,
                "starts_on" => f.starts_on = v,
                "ends_on" => f.ends_on = v,
                "interim_on" => f.interim_on = v,
                "final_on" => f.final_on = v,
                _ => {}
            }
        }
        f
    }

    fn to_new(&self) -> NewProgramme {
        let mut reviews = vec![];
        for (kind, on) in [("interim", &self.interim_on), ("final", &self.final_on)] {
            if !on.trim().is_empty() {
                reviews.push(NewReview {
                    kind: kind.to_owned(),
                    due_on: on.clone(),
                });
            }
        }
        NewProgramme {
            title: self.title.clone(),
            partner_ids: self.partners.clone(),
            covers: Coverage {
                units: self
                    .units
                    .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                level: Some(self.level.clone()).filter(|l| !l.trim().is_empty()),
            },
            signed_on: self.signed_on.clone(),
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            reviews,
            commitments: vec![],
        }
    }
}

#[derive(Template)]
#[template(path = "cooperation_new.html")]
pub struct NewPage {
    pub c: Chrome,
    pub unit: Unit,
    pub partners: Vec<Partner>,
    pub errors: FormErrors,
    pub typed: ProgrammeForm,
    /// The levels below the unit a programme may cover as a whole: (code, vi, en).
    pub levels: Vec<(&'static str, &'static str, &'static str)>,
}

impl NewPage {
    pub fn chosen(&self, id: &i64) -> bool {
        self.typed.partners.contains(id)
    }
    pub fn kind_vi(&self, k: &str) -> &'static str {
        kind_vi(k)
    }
    pub fn kind_en(&self, k: &str) -> &'static str {
        kind_en(k)
    }
}

async fn new_view(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    code: &str,
    errors: FormErrors,
    typed: ProgrammeForm,
) -> Result<axum::response::Html<String>, crate::error::PageError> {
    let (unit, _) = crate::org::service::with_right(&state.db, v, code, perm::UNIT_MANAGE).await?;
    let partners = model::partners_for(&state.db, &unit.path).await?;
    use khuyenhoc_domain::Level;
    let levels = [Level::Province, Level::Commune, Level::Branch]
        .into_iter()
        .filter(|l| l.depth() > unit.level.depth())
        .map(|l| (l.code(), l.label_vi(), l.label_en()))
        .collect();
    render(&NewPage {
        c,
        unit,
        partners,
        errors,
        typed,
        levels,
    })
}

async fn new_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult<Response> {
    Ok(new_view(
        &state,
        c,
        &v,
        &code,
        FormErrors::default(),
        ProgrammeForm::default(),
    )
    .await?
    .into_response())
}

async fn create(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let f = ProgrammeForm::from_pairs(pairs);
    match service::create(&state.db, &v, &code, &f.to_new()).await {
        Ok(p) => Ok(Redirect::to(&format!("/cooperation/{}", p.id)).into_response()),
        Err(AppError::Invalid(e)) => {
            let page = new_view(&state, c, &v, &code, FormErrors(e), f).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
