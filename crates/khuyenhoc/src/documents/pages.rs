//! Pages of the sending side: a unit's outgoing register (paged, searched), a new draft with its
//! recipients chooser, one document (sign, issue, files, and once issued the sender's dashboard:
//! the counts, the recipients to drill into by state, "remind the overdue", the Excel export).
//! The receiving side's pages are in `inbox`. Every refused form renders the page again with
//! its message, 422.

use super::api::{detail_of, recipients_filter, recipients_workbook, Detail, ListQuery};
use super::attach::read_upload;
use super::model::{self, Entry};
use super::service::{self, NewDocument};
use super::view::{choices, filters, levels_below, pager, refusal, Labels};
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
use sqlx::Row;

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        r(M::GET, "/units/{code}/documents", Officer, "A unit's outgoing register of documents (văn bản đi): search, state, paged", outgoing_page),
        r(M::GET, "/units/{code}/documents/new", Officer, "Form of a new draft document with its recipients (document.issue)", new_page),
        r(M::POST, "/units/{code}/documents", Officer, "Create a draft document (document.issue)", create),
        r(M::GET, "/documents/{id}", Officer, "A document: signing, issuing, files; for its sender the dashboard of its recipients (counts, list by state, reminders, export)", document_page),
        r(M::POST, "/documents/{id}/sign", Officer, "Sign a draft (the holder of its signer position)", sign),
        r(M::POST, "/documents/{id}/issue", Officer, "Issue a signed document to its recipients (document.issue)", issue),
        r(M::POST, "/documents/{id}/remind", Officer, "Remind every overdue recipient (document.issue)", remind),
        crate::sheets::upload::body_limit(r(M::POST, "/documents/{id}/files", Officer, "Attach a file to a draft or signed document: PDF, DOCX, XLSX, scan (document.issue)", attach), MAX_ATTACHMENT_BYTES),
        r(M::GET, "/documents/{id}/files/{fid}", Officer, "Download a file of a document or of a reply to it", download),
        r(M::GET, "/documents/{id}/recipients.xlsx", Officer, "The recipients of a document as filtered, as an Excel file", export),
    ]
}

#[derive(Template)]
#[template(path = "documents_out.html")]
pub struct OutgoingPage {
    pub c: Chrome,
    pub l: Labels,
    pub unit: Unit,
    pub q: String,
    pub state: String,
    pub total: i64,
    pub items: Vec<model::Document>,
    pub can_issue: bool,
    pub next_href: Option<String>,
    pub first_href: Option<String>,
}

async fn outgoing_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<ListQuery>,
) -> PageResult<Response> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let page = q.outgoing(unit.id)?.page(&state.db).await?;
    let (next_href, first_href) = pager(
        &format!("/units/{}/documents", unit.code),
        &q,
        page.next_cursor,
    );
    Ok(render(&OutgoingPage {
        c,
        l: Labels,
        can_issue: v.position_for(perm::DOCUMENT_ISSUE, &unit.path).is_some(),
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

/// An open position of the unit that may sign: its id, title and holder.
#[derive(Debug, Clone)]
pub struct Signer {
    pub id: i64,
    pub title_vi: String,
    pub title_en: String,
    pub holder: Option<String>,
}

async fn signers(state: &AppState, unit_id: i64) -> Result<Vec<Signer>, AppError> {
    let rows = sqlx::query(
        "SELECT p.id, t.name_vi, t.name_en, pe.full_name FROM positions p \
         JOIN position_types t ON t.id = p.type_id \
         LEFT JOIN position_holdings h ON h.position_id = p.id AND h.to_at IS NULL \
         LEFT JOIN people pe ON pe.id = h.person_id \
         WHERE p.unit_id = $1 AND p.closed_at IS NULL ORDER BY p.id LIMIT 200",
    )
    .bind(unit_id)
    .fetch_all(&state.db.pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok(Signer {
                id: r.try_get(0)?,
                title_vi: r.try_get(1)?,
                title_en: r.try_get(2)?,
                holder: r.try_get(3)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

/// The new draft form as typed.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct DraftForm {
    #[serde(default)]
    pub type_code: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub signer_position_id: String,
    #[serde(default)]
    pub urgency: String,
    #[serde(default)]
    pub reply_due: String,
    /// Every unit of this level below the sender.
    #[serde(default)]
    pub level: String,
    /// Units by code, separated by commas or spaces.
    #[serde(default)]
    pub units: String,
    /// A whole subtree: the code of its top unit.
    #[serde(default)]
    pub subtree: String,
    /// A cluster's code.
    #[serde(default)]
    pub cluster: String,
}

impl DraftForm {
    fn to_new(&self) -> Result<NewDocument, AppError> {
        let signer_position_id = self.signer_position_id.trim().parse().map_err(|_| {
            service::field(
                "signer_position_id",
                "Hãy chọn người ký",
                "Choose who signs",
            )
        })?;
        Ok(NewDocument {
            type_code: self.type_code.clone(),
            summary: self.summary.clone(),
            signer_position_id,
            urgency: Some(self.urgency.clone()),
            reply_due: Some(self.reply_due.clone()),
            recipients: choices(&self.level, &self.units, &self.subtree, &self.cluster),
        })
    }
}

#[derive(Template)]
#[template(path = "document_new.html")]
pub struct NewPage {
    pub c: Chrome,
    pub l: Labels,
    pub unit: Unit,
    pub signers: Vec<Signer>,
    pub errors: FormErrors,
    pub typed: DraftForm,
    /// The levels below the unit (code, vi, en).
    pub levels: Vec<(&'static str, &'static str, &'static str)>,
}

impl NewPage {
    pub fn chosen_signer(&self, id: &i64) -> bool {
        self.typed.signer_position_id.trim() == id.to_string()
    }
}

async fn new_view(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    code: &str,
    errors: FormErrors,
    typed: DraftForm,
) -> Result<Html<String>, PageError> {
    let (unit, _) =
        crate::org::service::with_right(&state.db, v, code, perm::DOCUMENT_ISSUE).await?;
    let signers = signers(state, unit.id).await?;
    render(&NewPage {
        c,
        l: Labels,
        levels: levels_below(&unit),
        signers,
        errors,
        typed,
        unit,
    })
}

async fn new_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let typed = DraftForm {
        type_code: "cv".into(),
        urgency: "normal".into(),
        ..Default::default()
    };
    Ok(new_view(&state, c, &v, &code, FormErrors::default(), typed)
        .await?
        .into_response())
}

async fn create(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<DraftForm>,
) -> PageResult<Response> {
    let made = match f.to_new() {
        Ok(n) => service::create(&state, &v, &code, &n).await,
        Err(e) => Err(e),
    };
    match made {
        Ok(d) => Ok(Redirect::to(&format!("/documents/{}", d.id)).into_response()),
        Err(AppError::Invalid(e)) => {
            let page = new_view(&state, c, &v, &code, FormErrors(e), f).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "document.html")]
pub struct DocumentPage {
    pub c: Chrome,
    pub l: Labels,
    pub d: Detail,
    pub errors: FormErrors,
    /// The reader holds the signer position (a draft can be signed here).
    pub can_sign: bool,
    /// The reader may issue, attach, remind for the issuing unit.
    pub can_issue: bool,
    /// The sender's list: its filter, total and page.
    pub state_filter: String,
    pub q: String,
    pub total: i64,
    pub recipients: Vec<Entry>,
    pub next_href: Option<String>,
    pub first_href: Option<String>,
    pub export_href: String,
    /// A notice after an action ("reminders sent").
    pub notice: Option<(String, String)>,
    /// Why an action was refused (the document's state), Vietnamese and English.
    pub refused: Option<(String, String)>,
    /// The reader reads the issuing unit.
    pub readable_sender: bool,
}

impl DocumentPage {
    pub fn sender_side(&self) -> bool {
        self.d.counts.is_some()
    }
    /// Where the breadcrumb leads: the issuer's outgoing register for the sending side, the
    /// reader's incoming register for a receiving side (the same reader can open either).
    /// (href, Vietnamese, English, unit name)
    pub fn back(&self) -> (String, &'static str, &'static str, String) {
        match self.d.entries.first() {
            Some(e) if !self.readable_sender => (
                format!("/units/{}/incoming", e.unit_code),
                "Văn bản đến",
                "Incoming documents",
                e.unit_name.clone(),
            ),
            _ => (
                format!("/units/{}/documents", self.d.document.unit_code),
                "Văn bản đi",
                "Outgoing documents",
                self.d.document.unit_name.clone(),
            ),
        }
    }
    pub fn doc_files(&self) -> Vec<&model::Attachment> {
        self.d
            .files
            .iter()
            .filter(|f| f.recipient_id.is_none())
            .collect()
    }
    pub fn reply_files(&self, rid: &i64) -> Vec<&model::Attachment> {
        self.d
            .files
            .iter()
            .filter(|f| f.recipient_id == Some(*rid))
            .collect()
    }
}

/// What the document page was asked: the sender's list filters, and a notice to show.
#[derive(Debug, Default, Deserialize)]
pub struct DocQuery {
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub cursor: Option<String>,
    /// How many units the reminders just asked go to.
    #[serde(default)]
    pub reminded: Option<String>,
}

impl DocQuery {
    fn list(&self) -> ListQuery {
        ListQuery {
            state: self.state.clone(),
            q: self.q.clone(),
            cursor: self.cursor.clone(),
            ..Default::default()
        }
    }
}

async fn document_view(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    q: DocQuery,
    errors: FormErrors,
    refused: Option<(String, String)>,
) -> Result<Html<String>, PageError> {
    let id = parse_id(id)?;
    let d = detail_of(state, v, id).await?;
    let list = q.list();
    let reminded = q.reminded.as_deref().and_then(|n| n.parse::<i64>().ok());
    let mut page = DocumentPage {
        c,
        l: Labels,
        can_sign: d.document.state == "draft"
            && v.positions
                .iter()
                .any(|p| p.position_id == d.document.signer_position_id),
        can_issue: v
            .position_for(perm::DOCUMENT_ISSUE, &d.document.unit_path)
            .is_some(),
        state_filter: list.state.clone().unwrap_or_default(),
        q: list.q.clone().unwrap_or_default(),
        total: 0,
        recipients: vec![],
        next_href: None,
        first_href: None,
        export_href: format!("/documents/{id}/recipients.xlsx"),
        notice: reminded.map(|n| {
            (
                format!("Đã gửi nhắc nhở tới {n} đơn vị quá hạn."),
                format!("Reminders go to {n} overdue units."),
            )
        }),
        refused,
        errors,
        readable_sender: v.can_read(&d.document.unit_path),
        d,
    };
    if page.sender_side() {
        let (_, f) = recipients_filter(state, v, id, &list).await?;
        let found = f.page(&state.db).await?;
        let path = format!("/documents/{id}");
        let (next, first) = pager(&path, &list, found.next_cursor);
        page.total = found.total;
        page.recipients = found.items;
        page.next_href = next.map(|h| format!("{h}#recipients"));
        page.first_href = first.map(|h| format!("{h}#recipients"));
        let f = filters(&list);
        if !f.is_empty() {
            page.export_href = format!("{}?{f}", page.export_href);
        }
    }
    render(&page)
}

async fn document_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<DocQuery>,
) -> PageResult<Response> {
    Ok(
        document_view(&state, c, &v, &id, q, FormErrors::default(), None)
            .await?
            .into_response(),
    )
}

/// The answer to a form of the document page: back to it (at `anchor`), or the page again with
/// the message of what was refused.
async fn answered<T>(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    r: Result<T, AppError>,
    to: impl FnOnce(T) -> String,
) -> PageResult<Response> {
    let (errors, refused) = match r {
        Ok(t) => return Ok(Redirect::to(&to(t)).into_response()),
        Err(e) => refusal(e)?,
    };
    let page = document_view(state, c, v, id, DocQuery::default(), errors, refused).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

async fn sign(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let r = service::sign(&state, &v, parse_id(&id)?).await;
    answered(&state, c, &v, &id, r, |d| format!("/documents/{}", d.id)).await
}

async fn issue(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let r = service::issue(&state, &v, parse_id(&id)?).await;
    answered(&state, c, &v, &id, r, |d| format!("/documents/{}", d.id)).await
}

async fn remind(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let n = parse_id(&id)?;
    let r = super::remind::remind(&state, &v, n, None).await;
    answered(&state, c, &v, &id, r, |units| {
        format!("/documents/{n}?reminded={units}#counts")
    })
    .await
}

async fn attach(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult<Response> {
    let n = parse_id(&id)?;
    // Scope first: who may not read the document learns nothing from the form.
    model::readable(&state.db, &v, n).await?;
    let u = read_upload(form).await?;
    let r = match u.file {
        Some((name, bytes)) => super::attach::to_document(&state, &v, n, &name, bytes).await,
        None => Err(crate::cooperation::api::no_file()),
    };
    answered(&state, c, &v, &id, r, |_| format!("/documents/{n}#files")).await
}

async fn download(
    State(state): State<AppState>,
    v: Viewer,
    Path((id, fid)): Path<(String, String)>,
) -> PageResult<Response> {
    let (f, bytes) = super::attach::file_for(&state, &v, parse_id(&id)?, parse_id(&fid)?).await?;
    Ok(crate::evaluation::pages::download(
        &f.media_type,
        &f.file_name,
        bytes,
    ))
}

async fn export(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<ListQuery>,
) -> PageResult<Response> {
    Ok(recipients_workbook(&state, &v, parse_id(&id)?, &q)
        .await?
        .into_response())
}
