//! The record's pages: the person's own (`/me/record`, with the PDF, the signed bundle and the
//! share links), an officer's read of a person in scope (`/people/{id}/record` and its PDF), and
//! what a stranger with a share link sees (`/shared/record/{token}`).

use super::links::{self, Link, Opened};
use super::model::{self, Audience, Record};
use crate::auth::Viewer;
use crate::error::{AppError, PageResult};
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::layout::{render, Chrome};
use crate::web::route::{r, Access, Route};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

pub fn routes() -> Vec<Route> {
    use axum::http::Method as M;
    use Access::{Officer, Public, SignedIn};
    vec![
        r(
            M::GET,
            "/me/record",
            SignedIn,
            "My lifelong-learning record, its downloads and share links",
            mine,
        ),
        r(
            M::GET,
            "/me/record.pdf",
            SignedIn,
            "My lifelong-learning record as a printable PDF",
            my_pdf,
        ),
        r(
            M::GET,
            "/me/record/presentation.json",
            SignedIn,
            "My lifelong-learning record as a signed Verifiable Presentation",
            my_bundle,
        ),
        r(
            M::POST,
            "/me/record/links",
            SignedIn,
            "Make a share link of my record",
            create_link,
        ),
        r(
            M::POST,
            "/me/record/links/{id}/withdraw",
            SignedIn,
            "Withdraw a share link of my record",
            withdraw_link,
        ),
        r(
            M::GET,
            "/people/{id}/record",
            Officer,
            "The lifelong-learning record of a person in scope",
            of_person,
        ),
        r(
            M::GET,
            "/people/{id}/record.pdf",
            Officer,
            "The lifelong-learning record of a person in scope, as a PDF",
            person_pdf,
        ),
        r(
            M::GET,
            "/shared/record/{token}",
            Public,
            "A lifelong-learning record shared through its holder's link",
            shared,
        ),
    ]
}

#[derive(Template)]
#[template(path = "record.html")]
pub struct RecordPage {
    pub c: Chrome,
    pub r: Record,
    /// The person's own page: downloads and share links.
    pub own: bool,
    /// Read by a stranger through a link.
    pub shared: bool,
    /// The link's last day (`dd/mm/yyyy`), on a shared page.
    pub expires: String,
    pub pdf_href: String,
    pub links: Vec<Link>,
    /// The address of a link just made (shown once).
    pub new_link: Option<String>,
    /// A refusal, in both languages.
    pub notice: Option<(String, String)>,
}

impl RecordPage {
    pub fn day(&self, iso: &str) -> String {
        crate::i18n::day(iso)
    }
    pub fn money(&self, n: &i64) -> String {
        khuyenhoc_ledger::Dong::new(*n).grouped()
    }
    pub fn model_name(&self, code: &str) -> (&'static str, &'static str) {
        khuyenhoc_criteria::Model::from_code(code).map_or(("", ""), |m| (m.vi(), m.en()))
    }
    pub fn status_name(&self, code: &str, revoked: &bool) -> (&'static str, &'static str) {
        if *revoked {
            return ("Đã bị thu hồi danh hiệu", "Title revoked");
        }
        crate::evaluation::lifecycle::Status::parse(code)
            .map_or(("", ""), |s| (s.label_vi(), s.label_en()))
    }
}

#[derive(Template)]
#[template(path = "record_closed.html")]
pub struct ClosedPage {
    pub c: Chrome,
    pub message: (&'static str, &'static str),
}

fn page(c: Chrome, r: Record) -> RecordPage {
    RecordPage {
        c,
        pdf_href: format!("/people/{}/record.pdf", r.person.id),
        r,
        own: false,
        shared: false,
        expires: String::new(),
        links: vec![],
        new_link: None,
        notice: None,
    }
}

async fn own_page(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    new_link: Option<String>,
    notice: Option<(String, String)>,
) -> PageResult<RecordPage> {
    let r = model::gather(&state.db, v.person_id, Audience::Inside).await?;
    let now = state.clock.now().timestamp();
    Ok(RecordPage {
        own: true,
        pdf_href: "/me/record.pdf".into(),
        links: links::list(&state.db, v.person_id, now).await?,
        new_link,
        notice,
        ..page(c, r)
    })
}

pub async fn mine(State(state): State<AppState>, c: Chrome, v: Viewer) -> PageResult<Response> {
    Ok(render(&own_page(&state, c, &v, None, None).await?)?.into_response())
}

fn pdf_response(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn printed(state: &AppState, r: &Record, v: &Viewer) -> Result<Vec<u8>, AppError> {
    let base = state.settings.base_url();
    super::pdf::pdf(&state.db, r, &base, state.clock.vn_today(), &v.full_name).await
}

pub async fn my_pdf(State(state): State<AppState>, v: Viewer) -> PageResult<Response> {
    let r = model::gather(&state.db, v.person_id, Audience::Inside).await?;
    let bytes = printed(&state, &r, &v).await?;
    Ok(pdf_response("ho-so-hoc-tap.pdf", bytes))
}

pub async fn my_bundle(State(state): State<AppState>, v: Viewer) -> PageResult<Response> {
    let r = model::gather(&state.db, v.person_id, Audience::Inside).await?;
    let vp = super::bundle::presentation(&state, &r).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vp+json".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"ho-so-hoc-tap.json\"".to_owned(),
            ),
        ],
        vp.to_string(),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    pub days: String,
}

pub async fn create_link(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    PageForm(f): PageForm<LinkForm>,
) -> PageResult<Response> {
    let now = state.clock.now().timestamp();
    let made = match links::parse_days(&f.days) {
        Ok(days) => links::create(&state.db, v.person_id, days, now).await,
        Err(e) => Err(e),
    };
    let (new_link, notice, status) = match made {
        Ok(created) => {
            let url = format!(
                "{}/shared/record/{}",
                state.settings.base_url(),
                created.token
            );
            (Some(url), None, StatusCode::OK)
        }
        Err(e @ (AppError::Invalid(_) | AppError::BadRequest { .. })) => {
            (None, Some(e.messages()), e.status())
        }
        Err(e) => return Err(e.into()),
    };
    let page = own_page(&state, c, &v, new_link, notice).await?;
    Ok((status, render(&page)?).into_response())
}

pub async fn withdraw_link(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let id = crate::accounts::pages::parse_id(&id)?;
    let now = state.clock.now().timestamp();
    match links::withdraw(&state.db, v.person_id, id, now).await {
        Ok(_) => Ok(Redirect::to("/me/record#record-links").into_response()),
        Err(e @ AppError::BadRequest { .. }) => {
            let page = own_page(&state, c, &v, None, Some(e.messages())).await?;
            Ok((e.status(), render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn of_person(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let id = crate::accounts::pages::parse_id(&id)?;
    let r = super::api::for_officer(&state, &v, id).await?;
    Ok(render(&page(c, r))?.into_response())
}

pub async fn person_pdf(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let id = crate::accounts::pages::parse_id(&id)?;
    let r = super::api::for_officer(&state, &v, id).await?;
    let bytes = printed(&state, &r, &v).await?;
    Ok(pdf_response(&format!("ho-so-hoc-tap-{id}.pdf"), bytes))
}

pub async fn shared(
    State(state): State<AppState>,
    c: Chrome,
    Path(token): Path<String>,
) -> PageResult<Response> {
    let now = state.clock.now().timestamp();
    let (status, message) = match links::open(&state.db, &token, now).await? {
        Opened::Person(id, expires_at) => {
            let r = model::gather(&state.db, id, Audience::Shared).await?;
            let p = RecordPage {
                shared: true,
                expires: crate::i18n::date_of(&Some(expires_at)),
                ..page(c, r)
            };
            return Ok(render(&p)?.into_response());
        }
        Opened::Expired => (
            StatusCode::GONE,
            ("Liên kết này đã hết hạn.", "This link has expired."),
        ),
        Opened::Withdrawn => (
            StatusCode::GONE,
            (
                "Người học đã thu hồi liên kết này.",
                "The holder has withdrawn this link.",
            ),
        ),
        Opened::Unknown => (
            StatusCode::NOT_FOUND,
            (
                "Không có hồ sơ nào ở liên kết này. Hãy kiểm tra lại địa chỉ.",
                "No record is shared at this link. Check the address.",
            ),
        ),
    };
    Ok((status, render(&ClosedPage { c, message })?).into_response())
}
