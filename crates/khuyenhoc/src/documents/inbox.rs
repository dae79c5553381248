//! Pages of the receiving side: a unit's incoming register (văn bản đến, paged, searched) and one
//! incoming document (opening it marks it opened; acknowledge; reply with a text and a file;
//! forward to my units below).

use super::api::ListQuery;
use super::attach::read_upload;
use super::model::{self, Attachment, Entry};
use super::view::{choices, enc, levels_below, pager, refusal, Labels};
use crate::accounts::pages::parse_id;
use crate::auth::{perm, Viewer};
use crate::error::{AppError, PageError, PageResult};
use crate::files::office::MAX_ATTACHMENT_BYTES;
use crate::org::model::Unit;
use crate::state::AppState;
use crate::web::extract::{PageForm, PageQuery};
use crate::web::layout::{render, Chrome, FormErrors};
use crate::web::route::{r, Access, Route};
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        r(M::GET, "/units/{code}/incoming", Officer, "A unit's incoming register of documents (văn bản đến): search, state, paged", incoming_page),
        r(M::GET, "/incoming/{id}", Officer, "An incoming document (an officer of the receiving unit opening it marks it opened)", entry_page),
        r(M::POST, "/incoming/{id}/acknowledge", Officer, "Acknowledge receipt of an incoming document (document.issue)", acknowledge),
        crate::sheets::upload::body_limit(r(M::POST, "/incoming/{id}/reply", Officer, "Reply to an incoming document with a text and a file (document.issue)", reply), MAX_ATTACHMENT_BYTES),
        r(M::POST, "/incoming/{id}/forward", Officer, "Forward an incoming document to units below (document.issue)", forward),
    ]
}

#[derive(Template)]
#[template(path = "documents_in.html")]
pub struct IncomingPage {
    pub c: Chrome,
    pub l: Labels,
    pub unit: Unit,
    pub q: String,
    pub state: String,
    pub total: i64,
    pub items: Vec<Entry>,
    pub next_href: Option<String>,
    pub first_href: Option<String>,
}

async fn incoming_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<ListQuery>,
) -> PageResult<Response> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let f = q.incoming(unit.id, super::service::today(&state))?;
    let page = f.page(&state.db).await?;
    let (next_href, first_href) = pager(
        &format!("/units/{}/incoming", unit.code),
        &q,
        page.next_cursor,
    );
    Ok(render(&IncomingPage {
        c,
        l: Labels,
        q: q.q.unwrap_or_default(),
        state: q.state.unwrap_or_default(),
        total: page.total,
        items: page.items,
        next_href,
        first_href,
        unit,
    })?
    .into_response())
}

#[derive(Template)]
#[template(path = "incoming.html")]
pub struct EntryPage {
    pub c: Chrome,
    pub l: Labels,
    pub e: Entry,
    /// The document's own files, and those of this entry's reply.
    pub files: Vec<Attachment>,
    pub reply_files: Vec<Attachment>,
    /// The reader acts for the receiving unit (acknowledge, reply, forward).
    pub can_act: bool,
    /// The levels below the receiving unit, for forwarding.
    pub levels: Vec<(&'static str, &'static str, &'static str)>,
    pub errors: FormErrors,
    pub refused: Option<(String, String)>,
    pub typed_reply: String,
    /// After a forward: how many units it reached.
    pub forwarded: Option<i64>,
}

/// What the entry page was asked.
#[derive(Debug, Default, Deserialize)]
pub struct EntryQuery {
    #[serde(default)]
    pub forwarded: Option<String>,
}

/// What the entry page says beside the entry: the refused fields, why an action was refused,
/// the reply as typed, how many units a forward reached.
#[derive(Debug, Default)]
pub struct Said {
    pub errors: FormErrors,
    pub refused: Option<(String, String)>,
    pub typed_reply: String,
    pub forwarded: Option<i64>,
}

async fn entry_view(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    rid: i64,
    said: Said,
) -> Result<Html<String>, PageError> {
    let e = super::incoming::entry(state, v, rid).await?;
    // An officer of the receiving unit opening it marks it opened (once).
    let e = if e.opened_at.is_none()
        && !e.recalled
        && v.position_for(perm::DOCUMENT_ISSUE, &e.unit_path).is_some()
    {
        super::incoming::open(state, v, rid).await?
    } else {
        e
    };
    let unit = crate::org::model::by_id(&state.db, e.unit_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let all = model::attachments(&state.db, e.document_id).await?;
    let (reply_files, files): (Vec<_>, Vec<_>) = all
        .into_iter()
        .filter(|f| f.recipient_id.is_none() || f.recipient_id == Some(rid))
        .partition(|f| f.recipient_id.is_some());
    render(&EntryPage {
        c,
        l: Labels,
        can_act: !e.recalled && v.position_for(perm::DOCUMENT_ISSUE, &e.unit_path).is_some(),
        levels: levels_below(&unit),
        files,
        reply_files,
        errors: said.errors,
        refused: said.refused,
        typed_reply: said.typed_reply,
        forwarded: said.forwarded,
        e,
    })
}

async fn entry_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<EntryQuery>,
) -> PageResult<Response> {
    let forwarded = q.forwarded.as_deref().and_then(|n| n.parse().ok());
    Ok(entry_view(
        &state,
        c,
        &v,
        parse_id(&id)?,
        Said {
            forwarded,
            ..Said::default()
        },
    )
    .await?
    .into_response())
}

/// The answer to a form of the entry page: on to `to`, or the page again with why not.
async fn answered<T>(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    rid: i64,
    r: Result<T, AppError>,
    typed_reply: String,
    to: impl FnOnce(T) -> String,
) -> PageResult<Response> {
    let (errors, refused) = match r {
        Ok(t) => return Ok(Redirect::to(&to(t)).into_response()),
        Err(e) => refusal(e)?,
    };
    let said = Said {
        errors,
        refused,
        typed_reply,
        forwarded: None,
    };
    let page = entry_view(state, c, v, rid, said).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

async fn acknowledge(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let rid = parse_id(&id)?;
    let r = super::incoming::acknowledge(&state, &v, rid).await;
    answered(&state, c, &v, rid, r, String::new(), |_| {
        format!("/incoming/{rid}")
    })
    .await
}

async fn reply(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult<Response> {
    let rid = parse_id(&id)?;
    // Scope first: who may not read the entry learns nothing from the form.
    super::incoming::entry(&state, &v, rid).await?;
    let u = read_upload(form).await?;
    let text = u.fields.get("text").cloned().unwrap_or_default();
    // The file is checked before the reply is written, so a refused file leaves no reply
    // without its attachment.
    if let Some((_, bytes)) = &u.file {
        if let Err(e) = crate::files::office::sniff_attachment(bytes) {
            let r: Result<(), AppError> = Err(AppError::field("file", e));
            return answered(&state, c, &v, rid, r, text, |()| String::new()).await;
        }
    }
    let r = super::incoming::reply(&state, &v, rid, &text).await;
    let r = match (r, u.file) {
        (Ok(_), Some((name, bytes))) => super::attach::to_reply(&state, &v, rid, &name, bytes)
            .await
            .map(|_| ()),
        (r, _) => r.map(|_| ()),
    };
    answered(&state, c, &v, rid, r, text, |()| format!("/incoming/{rid}")).await
}

/// The forward form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct ForwardForm {
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub units: String,
}

async fn forward(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<ForwardForm>,
) -> PageResult<Response> {
    let rid = parse_id(&id)?;
    let chosen = choices(&f.level, &f.units, "", "");
    let r = super::incoming::forward(&state, &v, rid, &chosen).await;
    answered(&state, c, &v, rid, r, String::new(), |n| {
        format!("/incoming/{rid}?forwarded={}", enc(&n.to_string()))
    })
    .await
}
