//! Pages of joining: the public join form and its "received" page, the privacy notice, the
//! printable poster, and the officer's queue with one-tap confirmation.

use super::model::{self, Registration};
use super::service::{self, JoinForm};
use crate::accounts::pages::parse_id;
use crate::auth::client;
use crate::auth::{perm, Viewer};
use crate::error::{AppError, FieldError, PageError, PageResult};
use crate::org::model::Unit;
use crate::org::service as units;
use crate::state::AppState;
use crate::web::extract::{PageForm, PageQuery};
use crate::web::layout::{render, Chrome, FormErrors};
use crate::web::list::{per_page, Cursor, ListPage, Order, Search};
use crate::web::route::{r, Access, Route, Xlsx};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, Extensions, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use khuyenhoc_domain::Level;
use serde::Deserialize;

/// The absolute join link of a unit, from `public_url`.
pub fn join_url(state: &AppState, code: &str) -> String {
    format!("{}/join/{code}", state.settings.base_url())
}

/// Whether a unit has a join link: open branches and communes.
pub fn has_join_link(u: &Unit) -> bool {
    matches!(u.level, Level::Branch | Level::Commune) && u.is_open()
}

#[derive(Template)]
#[template(path = "join.html")]
pub struct JoinPage {
    pub c: Chrome,
    pub unit: Unit,
    pub f: JoinForm,
    pub errors: FormErrors,
    pub alert: Option<(String, String)>,
}

pub async fn form(
    State(state): State<AppState>,
    c: Chrome,
    Path(code): Path<String>,
) -> PageResult<Html<String>> {
    let unit = service::joinable(&state.db, &code).await?;
    render(&JoinPage {
        c,
        unit,
        f: JoinForm::default(),
        errors: FormErrors::default(),
        alert: None,
    })
}

/// The form again with what was typed (secrets left out) and why, with `status`.
fn again(
    c: Chrome,
    unit: Unit,
    mut f: JoinForm,
    errors: Vec<FieldError>,
    alert: Option<(String, String)>,
    status: StatusCode,
) -> PageResult<Response> {
    f.password.clear();
    f.pin.clear();
    let page = render(&JoinPage {
        c,
        unit,
        f,
        errors: FormErrors(errors),
        alert,
    })?;
    Ok((status, page).into_response())
}

pub async fn submit(
    State(state): State<AppState>,
    c: Chrome,
    ext: Extensions,
    headers: HeaderMap,
    Path(code): Path<String>,
    PageForm(f): PageForm<JoinForm>,
) -> PageResult<Response> {
    let unit = service::joinable(&state.db, &code).await?;
    let from = client::client(&ext, &headers, &state.settings.proxies());
    match service::register(&state, &code, &f, &from.key()).await {
        Ok(()) => Ok(Redirect::to(&format!("/join/{}/done", unit.code)).into_response()),
        Err(AppError::Invalid(errors)) => {
            let alert = Some((
                "Vui lòng sửa các ô được đánh dấu.".to_owned(),
                "Please correct the marked fields.".to_owned(),
            ));
            again(c, unit, f, errors, alert, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(AppError::TooManyRequests { retry_after }) => {
            let alert = Some((
                format!("Có quá nhiều lượt đăng ký. Vui lòng đợi {retry_after} giây rồi thử lại"),
                format!("Too many registrations. Please wait {retry_after} seconds and try again"),
            ));
            let mut resp = again(c, unit, f, vec![], alert, StatusCode::TOO_MANY_REQUESTS)?;
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            Ok(resp)
        }
        Err(e) => Err(PageError(e)),
    }
}

#[derive(Template)]
#[template(path = "join_done.html")]
pub struct DonePage {
    pub c: Chrome,
    pub unit: Unit,
}

pub async fn done(
    State(state): State<AppState>,
    c: Chrome,
    Path(code): Path<String>,
) -> PageResult<Html<String>> {
    let unit = service::joinable(&state.db, &code).await?;
    render(&DonePage { c, unit })
}

#[derive(Template)]
#[template(path = "privacy.html")]
pub struct PrivacyPage {
    pub c: Chrome,
}

pub async fn privacy(c: Chrome) -> PageResult<Html<String>> {
    render(&PrivacyPage { c })
}

/// The unit with a join link, if the viewer may register people there.
async fn managed(state: &AppState, v: &Viewer, code: &str) -> Result<Unit, AppError> {
    let (unit, _) = units::with_right(&state.db, v, code, perm::PERSON_MANAGE).await?;
    if has_join_link(&unit) {
        Ok(unit)
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn poster(
    State(state): State<AppState>,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let unit = managed(&state, &v, &code).await?;
    let parent = crate::org::model::ancestors(&state.db, &unit)
        .await?
        .pop()
        .filter(|_| unit.level == Level::Branch)
        .map(|p| p.name)
        .unwrap_or_default();
    let doc = khuyenhoc_docs::JoinPoster {
        unit_name: unit.name.clone(),
        parent_name: parent,
        join_url: join_url(&state, &unit.code),
    };
    let pdf = tokio::task::spawn_blocking(move || khuyenhoc_docs::join_poster_pdf(&doc))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?
        .map_err(|e| AppError::Internal(anyhow::anyhow!("join poster PDF: {e:?}")))?;
    let disposition = format!("inline; filename=\"dang-ky-{}.pdf\"", unit.code);
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        pdf,
    )
        .into_response())
}

/// The queue's filter: status (pending by default), a search (name without diacritics or
/// phone), the order (`sort`: name, newest, oldest; oldest by default), the page by key
/// (`cursor`, `per_page`).
#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub sort: Option<String>,
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    pub per_page: Option<i64>,
}

impl QueueQuery {
    pub fn to_model(&self, unit: &Unit) -> Result<model::Query, AppError> {
        let status = match self.status.as_deref() {
            Some("confirmed") => "confirmed",
            Some("rejected") => "rejected",
            _ => "pending",
        };
        let q = khuyenhoc_domain::limits::fit(self.q.as_deref().unwrap_or(""), 100);
        Ok(model::Query {
            path: unit.path.clone(),
            status: status.to_owned(),
            search: Search::parse(&q),
            q,
            sort: Order::parse(self.sort.as_deref().unwrap_or(""), Order::Oldest)?,
            cursor: Cursor::decode(self.cursor.as_deref().unwrap_or(""))?,
            per_page: per_page(self.per_page)?,
        })
    }
}

#[derive(Template)]
#[template(path = "registrations.html")]
pub struct QueuePage {
    pub c: Chrome,
    pub unit: Unit,
    pub list: ListPage<Registration>,
    pub q: model::Query,
    pub errors: FormErrors,
}

impl QueuePage {
    /// The query string of the filter and order (without the cursor).
    pub fn filter_query(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("status", &self.q.status)
            .append_pair("q", &self.q.q)
            .append_pair("sort", self.q.sort.code())
            .finish()
    }

    /// The link to the next page of the same list.
    pub fn next_href(&self, cursor: &str) -> String {
        format!(
            "/units/{}/registrations?{}&cursor={cursor}",
            self.unit.code,
            self.filter_query()
        )
    }

    /// The orders to choose from: (code, Vietnamese, English).
    pub fn sorts(&self) -> [(&'static str, &'static str, &'static str); 3] {
        crate::web::list::ORDERS
    }
}

/// The workbook of the registrations `query` lists under `code` (for the page and the API).
pub async fn workbook(
    state: &AppState,
    v: &Viewer,
    code: &str,
    query: &QueueQuery,
) -> Result<Xlsx, AppError> {
    let unit = managed(state, v, code).await?;
    let q = query.to_model(&unit)?;
    let bytes = crate::web::export::xlsx(&state.db, &q, state.settings.export_max_rows).await?;
    Ok(Xlsx {
        name: format!("dang-ky-{}.xlsx", unit.code),
        bytes,
    })
}

/// The registrations of the queue as filtered, as an Excel file.
pub async fn export_xlsx(
    State(state): State<AppState>,
    v: Viewer,
    Path(code): Path<String>,
    PageQuery(query): PageQuery<QueueQuery>,
) -> PageResult<Response> {
    Ok(workbook(&state, &v, &code, &query).await?.into_response())
}

async fn queue_page(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    code: &str,
    query: &QueueQuery,
    errors: Vec<FieldError>,
) -> PageResult<Response> {
    let unit = managed(state, v, code).await?;
    let q = query.to_model(&unit)?;
    let list = model::list(&state.db, &q).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = render(&QueuePage {
        c,
        unit,
        list,
        q,
        errors: FormErrors(errors),
    })?;
    Ok((status, page).into_response())
}

pub async fn queue(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageQuery(query): PageQuery<QueueQuery>,
) -> PageResult<Response> {
    queue_page(&state, c, &v, &code, &query, vec![]).await
}

/// The registration `id` under the unit `code` (the viewer may manage people there).
async fn in_queue(state: &AppState, v: &Viewer, code: &str, id: &str) -> Result<i64, AppError> {
    let unit = managed(state, v, code).await?;
    let id = parse_id(id)?;
    let reg = model::by_id(&state.db.pool, id).await?;
    reg.filter(|r| r.unit_path.starts_with(&unit.path))
        .map(|r| r.id)
        .ok_or(AppError::NotFound)
}

pub async fn confirm(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path((code, id)): Path<(String, String)>,
) -> PageResult<Response> {
    let id = in_queue(&state, &v, &code, &id).await?;
    match service::confirm(&state.db, &v, id).await {
        Ok(_) => Ok(Redirect::to(&format!("/units/{code}/registrations")).into_response()),
        Err(AppError::Conflict(e)) => {
            queue_page(&state, c, &v, &code, &QueueQuery::default(), vec![e]).await
        }
        Err(e) => Err(PageError(e)),
    }
}

#[derive(Deserialize)]
pub struct RejectForm {
    #[serde(default)]
    pub reason: String,
}

pub async fn reject(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path((code, id)): Path<(String, String)>,
    PageForm(f): PageForm<RejectForm>,
) -> PageResult<Response> {
    let id = in_queue(&state, &v, &code, &id).await?;
    match service::reject(&state.db, &v, id, &f.reason).await {
        Ok(_) => Ok(Redirect::to(&format!("/units/{code}/registrations")).into_response()),
        Err(AppError::Invalid(errors)) => {
            queue_page(&state, c, &v, &code, &QueueQuery::default(), errors).await
        }
        Err(AppError::Conflict(e)) => {
            queue_page(&state, c, &v, &code, &QueueQuery::default(), vec![e]).await
        }
        Err(e) => Err(PageError(e)),
    }
}

/// The routes this file serves, with their access rules.
#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        r(M::GET, "/join/{code}", Public, "Join form of a branch or commune", form),
        r(M::POST, "/join/{code}", Public, "Register by join link", submit),
        r(M::GET, "/join/{code}/done", Public, "Registration received", done),
        r(M::GET, "/privacy", Public, "Privacy notice (Decree 13/2023)", privacy),
        r(M::GET, "/units/{code}/join-poster.pdf", Officer, "Printable join poster (A4 PDF with QR)", poster),
        r(M::GET, "/units/{code}/registrations", Officer, "Registrations waiting for confirmation", queue),
        r(M::GET, "/units/{code}/registrations.xlsx", Officer, "The registrations of the queue as filtered, as an Excel file", export_xlsx),
        r(M::POST, "/units/{code}/registrations/{id}/confirm", Officer, "Confirm a registration", confirm),
        r(M::POST, "/units/{code}/registrations/{id}/reject", Officer, "Reject a registration", reject),
    ]
}
