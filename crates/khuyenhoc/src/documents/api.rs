//! JSON API of documents: a unit's outgoing and incoming registers, drafting, signing, issuing
//! and recalling, one document with the sender's counts, its recipients (paged, filtered,
//! exported), the reminders, and each recipient's opening, acknowledgement, reply and forward.
//! Out of scope, everything answers 404.

use super::lists::{EntryFilter, OutFilter};
use super::model::{self, Attachment, Counts, Document, Entry};
use super::recipients::{self, Choice};
use super::service::{self, NewDocument};
use crate::accounts::pages::parse_id;
use crate::auth::{ApiViewer, Viewer};
use crate::error::{ApiResult, AppError};
use crate::files::office::MAX_ATTACHMENT_BYTES;
use crate::state::AppState;
use crate::web::export::{Cell, Export, Sheet};
use crate::web::extract::{ApiJson, ApiQuery};
use crate::web::list::{per_page, Cursor, ListPage};
use crate::web::route::{api, Access, Route, Xlsx};
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::Json;
use khuyenhoc_domain::Invalid;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        api(M::GET, "/api/v1/units/{code}/documents", Officer, "The unit's outgoing register: its documents, newest first (state, type, year; q: number, summary or the text inside its PDFs, without diacritics or with; paged by key)", outgoing),
        api(M::POST, "/api/v1/units/{code}/documents", Officer, "A new draft document of the unit (document.issue), to be signed by one of its positions", create),
        api(M::GET, "/api/v1/units/{code}/incoming", Officer, "The unit's incoming register: the documents it received, newest first (state, type, year, issuer; q: number, summary or the text inside its PDFs; paged by key)", incoming),
        api(M::GET, "/api/v1/documents/{id}", Officer, "A document: the sender's counts (delivered, opened, acknowledged, replied, overdue) for the issuing side, the reader's own entries for a receiving side", detail),
        api(M::POST, "/api/v1/documents/{id}/sign", Officer, "Sign a draft (only the holder of its signer position)", sign),
        api(M::POST, "/api/v1/documents/{id}/issue", Officer, "Issue a signed document: its number and symbol, the recipients frozen and entered in their incoming registers", issue),
        api(M::POST, "/api/v1/documents/{id}/recall", Officer, "Recall an issued document with a reason", recall),
        api(M::GET, "/api/v1/documents/{id}/recipients", Officer, "The recipients of a sender (the issuer, or via: a unit that forwarded it), with their states (state; q: unit name; paged by key)", recipients_list),
        api(M::GET, "/api/v1/documents/{id}/recipients.xlsx", Officer, "The recipients as filtered (state, q, via), as an Excel file", recipients_xlsx),
        api(M::POST, "/api/v1/documents/{id}/remind", Officer, "Remind every overdue recipient (a notice to their officers, sent by the job queue)", remind),
        api(M::GET, "/api/v1/incoming/{id}", Officer, "One entry of an incoming register (reading it does not mark it opened)", entry),
        api(M::POST, "/api/v1/incoming/{id}/open", Officer, "Mark an incoming document opened (the first officer of the receiving unit who opens it)", open),
        api(M::POST, "/api/v1/incoming/{id}/acknowledge", Officer, "Acknowledge receipt (đã nhận)", acknowledge),
        api(M::POST, "/api/v1/incoming/{id}/reply", Officer, "Reply to a document that asks for a reply", reply),
        api(M::POST, "/api/v1/incoming/{id}/forward", Officer, "Forward a received document to units below the receiving unit", forward),
        crate::sheets::upload::body_limit(api(M::POST, "/api/v1/documents/{id}/files", Officer, "Attach a file (PDF, DOCX, XLSX, JPEG or PNG scan) to a draft or signed document", super::attach::attach_document), MAX_ATTACHMENT_BYTES),
        crate::sheets::upload::body_limit(api(M::POST, "/api/v1/incoming/{id}/files", Officer, "Attach a file (PDF, DOCX, XLSX, JPEG or PNG scan) to the receiving unit's reply", super::attach::attach_reply), MAX_ATTACHMENT_BYTES),
    ]
}

const REGISTER_Q: &str = "the number and symbol, the summary or the text inside the attached PDFs, without diacritics or with";

/// A list's query: state, type, year, issuer (a unit's code), search (`REGISTER_Q`), paging, and
/// the sender (`via`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default, rename = "type")]
    pub type_code: Option<String>,
    #[serde(default)]
    pub year: Option<String>,
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    pub per_page: Option<i64>,
    #[serde(default)]
    pub via: Option<String>,
    #[serde(default)]
    pub issuer: Option<String>,
}

fn some(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl ListQuery {
    pub fn year(&self) -> Result<Option<i64>, AppError> {
        match some(&self.year) {
            None => Ok(None),
            Some(y) => y
                .parse::<i64>()
                .ok()
                .filter(|y| (2000..=2100).contains(y))
                .map(Some)
                .ok_or_else(|| {
                    AppError::field(
                        "year",
                        Invalid::new("Năm từ 2000 đến 2100", "A year from 2000 to 2100"),
                    )
                }),
        }
    }

    pub fn type_code(&self) -> Result<Option<String>, AppError> {
        match some(&self.type_code) {
            None => Ok(None),
            Some(t) if model::type_of(&t).is_some() => Ok(Some(t)),
            Some(_) => Err(AppError::field(
                "type",
                Invalid::new("Loại văn bản không hợp lệ", "Unknown kind of document"),
            )),
        }
    }

    fn cursor(&self) -> Result<Option<Cursor>, AppError> {
        match &self.cursor {
            Some(c) => Cursor::decode(c),
            None => Ok(None),
        }
    }

    /// The entry-state filter (delivered, opened, acknowledged, replied, overdue).
    pub fn entry_state(&self) -> Result<Option<String>, AppError> {
        match some(&self.state) {
            None => Ok(None),
            Some(s) if model::ENTRY_STATES.iter().any(|e| e.0 == s) => Ok(Some(s)),
            Some(_) => Err(AppError::field(
                "state",
                Invalid::new(
                    "Trạng thái: delivered, opened, acknowledged, replied hoặc overdue",
                    "State: delivered, opened, acknowledged, replied or overdue",
                ),
            )),
        }
    }

    /// A unit's incoming register.
    pub fn incoming(&self, unit_id: i64, today: String) -> Result<EntryFilter, AppError> {
        Ok(EntryFilter {
            unit_id: Some(unit_id),
            state: self.entry_state()?,
            type_code: self.type_code()?,
            year: self.year()?,
            issuer: some(&self.issuer).map(|c| c.chars().take(40).collect()),
            q: some(&self.q).and_then(|q| super::lists::pattern(&q)),
            today,
            per_page: per_page(self.per_page)?,
            cursor: self.cursor()?,
            ..Default::default()
        })
    }

    /// A sender's recipients of one document.
    pub fn recipients(
        &self,
        document_id: i64,
        via: Option<i64>,
        today: String,
    ) -> Result<EntryFilter, AppError> {
        Ok(EntryFilter {
            document_id: Some(document_id),
            via,
            state: self.entry_state()?,
            q: some(&self.q).and_then(|q| super::lists::pattern(&q)),
            today,
            per_page: per_page(self.per_page)?,
            cursor: self.cursor()?,
            ..Default::default()
        })
    }

    /// A unit's outgoing register.
    pub fn outgoing(&self, unit_id: i64) -> Result<OutFilter, AppError> {
        let state = match some(&self.state) {
            None => None,
            Some(s) if model::STATES.iter().any(|e| e.0 == s) => Some(s),
            Some(_) => {
                return Err(AppError::field(
                    "state",
                    Invalid::new(
                        "Trạng thái: draft, signed, issued hoặc recalled",
                        "State: draft, signed, issued or recalled",
                    ),
                ))
            }
        };
        Ok(OutFilter {
            unit_id,
            state,
            type_code: self.type_code()?,
            year: self.year()?,
            q: some(&self.q).and_then(|q| super::lists::pattern(&q)),
            per_page: per_page(self.per_page)?,
            cursor: self.cursor()?,
        })
    }
}

/// One document as its reader sees it.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "DocumentDetail")]
pub struct Detail {
    pub document: Document,
    /// The choice of recipients as asked, in Vietnamese and English
    pub recipients_vi: String,
    pub recipients_en: String,
    /// The issuer's counts; only for a reader of the issuing unit
    pub counts: Option<Counts>,
    /// The entries of units the reader reads (a receiving side's own)
    pub entries: Vec<Entry>,
    pub files: Vec<Attachment>,
}

pub async fn detail_of(state: &AppState, v: &Viewer, id: i64) -> Result<Detail, AppError> {
    let doc = model::readable(&state.db, v, id).await?;
    let today = service::today(state);
    let choices: Vec<Choice> = serde_json::from_str(&doc.recipients_json).unwrap_or_default();
    let (recipients_vi, recipients_en) = recipients::describe(&choices);
    let sender_side = v.can_read(&doc.unit_path);
    let counts = if sender_side && matches!(doc.state.as_str(), "issued" | "recalled") {
        Some(model::counts(&state.db, &doc, None, &today).await?)
    } else {
        None
    };
    let entries = if sender_side {
        vec![]
    } else {
        model::entries_read_by(&state.db, v, id, &today).await?
    };
    // A receiving side sees the document's files and its own replies' files, not other units'.
    let files = model::attachments(&state.db, id)
        .await?
        .into_iter()
        .filter(|f| {
            sender_side
                || f.recipient_id
                    .is_none_or(|r| entries.iter().any(|e| e.id == r))
        })
        .collect();
    Ok(Detail {
        document: doc,
        recipients_vi,
        recipients_en,
        counts,
        entries,
        files,
    })
}

async fn outgoing(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<ListPage<Document>>> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    Ok(Json(q.outgoing(unit.id)?.page(&state.db).await?))
}

async fn incoming(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<ListPage<Entry>>> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let f = q.incoming(unit.id, service::today(&state))?;
    Ok(Json(f.page(&state.db).await?))
}

async fn create(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<NewDocument>,
) -> ApiResult<(StatusCode, Json<Document>)> {
    Ok((
        StatusCode::CREATED,
        Json(service::create(&state, &v, &code, &body).await?),
    ))
}

async fn detail(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<Detail>> {
    Ok(Json(detail_of(&state, &v, parse_id(&id)?).await?))
}

async fn sign(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<Document>> {
    Ok(Json(service::sign(&state, &v, parse_id(&id)?).await?))
}

async fn issue(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<Document>> {
    Ok(Json(service::issue(&state, &v, parse_id(&id)?).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: String,
}

async fn recall(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReasonBody>,
) -> ApiResult<Json<Document>> {
    Ok(Json(
        service::recall(&state, &v, parse_id(&id)?, &body.reason).await?,
    ))
}

/// The recipient list of the sender the query names, checked.
pub async fn recipients_filter(
    state: &AppState,
    v: &Viewer,
    id: i64,
    q: &ListQuery,
) -> Result<(Document, EntryFilter), AppError> {
    let doc = model::readable(&state.db, v, id).await?;
    let (via, _) = super::remind::sender(state, v, &doc, q.via.as_deref()).await?;
    let f = q.recipients(doc.id, via, service::today(state))?;
    Ok((doc, f))
}

async fn recipients_list(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<ListPage<Entry>>> {
    let (_, f) = recipients_filter(&state, &v, parse_id(&id)?, &q).await?;
    Ok(Json(f.page(&state.db).await?))
}

pub async fn recipients_workbook(
    state: &AppState,
    v: &Viewer,
    id: i64,
    q: &ListQuery,
) -> Result<Xlsx, AppError> {
    let (doc, f) = recipients_filter(state, v, id, q).await?;
    let bytes = crate::web::export::xlsx(&state.db, &f, state.settings.export_max_rows).await?;
    Ok(Xlsx {
        name: format!("noi-nhan-van-ban-{}.xlsx", doc.id),
        bytes,
    })
}

async fn recipients_xlsx(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Xlsx> {
    Ok(recipients_workbook(&state, &v, parse_id(&id)?, &q).await?)
}

/// How many units a reminder or a forward reached.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "DocumentUnitsReached")]
pub struct Reached {
    pub units: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemindBody {
    #[serde(default)]
    pub via: Option<String>,
}

async fn remind(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    body: crate::web::extract::OptionalJson<RemindBody>,
) -> ApiResult<Json<Reached>> {
    let body = body.0;
    let units = super::remind::remind(&state, &v, parse_id(&id)?, body.via.as_deref()).await?;
    Ok(Json(Reached { units }))
}

async fn entry(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<Entry>> {
    Ok(Json(
        super::incoming::entry(&state, &v, parse_id(&id)?).await?,
    ))
}

async fn open(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<Entry>> {
    Ok(Json(
        super::incoming::open(&state, &v, parse_id(&id)?).await?,
    ))
}

async fn acknowledge(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<Entry>> {
    Ok(Json(
        super::incoming::acknowledge(&state, &v, parse_id(&id)?).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    pub text: String,
}

async fn reply(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReplyBody>,
) -> ApiResult<Json<Entry>> {
    Ok(Json(
        super::incoming::reply(&state, &v, parse_id(&id)?, &body.text).await?,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForwardBody {
    pub recipients: Vec<Choice>,
}

async fn forward(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ForwardBody>,
) -> ApiResult<Json<Reached>> {
    let made = super::incoming::forward(&state, &v, parse_id(&id)?, &body.recipients).await?;
    Ok(Json(Reached {
        units: i64::try_from(made).unwrap_or(i64::MAX),
    }))
}

fn state_vi(e: &Entry) -> &'static str {
    model::ENTRY_STATES
        .iter()
        .find(|s| s.0 == e.state)
        .map_or("", |s| s.1)
}

impl Export for EntryFilter {
    type Row = Entry;

    fn sheet(&self) -> Sheet {
        Sheet {
            name: "Nơi nhận",
            columns: &[
                ("Đơn vị nhận", 36.0),
                ("Mã đơn vị", 12.0),
                ("Số đến", 10.0),
                ("Trạng thái", 18.0),
                ("Quá hạn", 10.0),
                ("Người mở", 24.0),
                ("Nội dung trả lời", 40.0),
            ],
            what_vi: "nơi nhận",
            what_en: "recipients",
        }
    }

    crate::web::export::by_key!(Entry);

    fn cells(&self, e: &Entry) -> Vec<Cell> {
        vec![
            Cell::from(&e.unit_name),
            Cell::from(&e.unit_code),
            Cell::from(e.entry_number),
            Cell::from(state_vi(e)),
            Cell::from(if e.overdue { "Quá hạn" } else { "" }),
            Cell::from(e.opened_by.clone()),
            Cell::from(e.reply_text.clone()),
        ]
    }
}

fn choice_schema() -> Value {
    json!({
        "type": "array",
        "minItems": 1,
        "items": {"oneOf": [
            {"type": "object", "properties": {"kind": {"const": "level"}, "level": {"type": "string", "enum": ["province", "commune", "branch"]}}, "required": ["kind", "level"], "additionalProperties": false},
            {"type": "object", "properties": {"kind": {"const": "units"}, "codes": {"type": "array", "items": {"type": "string"}, "maxItems": recipients::MAX_CODES}}, "required": ["kind", "codes"], "additionalProperties": false},
            {"type": "object", "properties": {"kind": {"const": "cluster"}, "code": {"type": "string"}}, "required": ["kind", "code"], "additionalProperties": false},
            {"type": "object", "properties": {"kind": {"const": "subtree"}, "code": {"type": "string"}}, "required": ["kind", "code"], "additionalProperties": false}
        ]}
    })
}

/// Request bodies of this API, for the OpenAPI document.
pub fn body_schema(method: &str, path: &str) -> Option<Value> {
    use khuyenhoc_domain::limits;
    let s = |props: Value, required: Value| json!({"type": "object", "properties": props, "required": required, "additionalProperties": false});
    Some(match (method, path) {
        ("post", "/api/v1/units/{code}/documents") => s(
            json!({
                "type_code": {"type": "string", "enum": model::TYPES.iter().map(|t| t.0).collect::<Vec<_>>()},
                "summary": {"type": "string", "maxLength": limits::NOTE.max},
                "signer_position_id": {"type": "integer"},
                "urgency": {"type": ["string", "null"], "enum": ["normal", "urgent", "very_urgent", "flash", null]},
                "reply_due": {"type": ["string", "null"], "format": "date", "description": "YYYY-MM-DD, from today on: replies are due by this day"},
                "recipients": choice_schema()
            }),
            json!(["type_code", "summary", "signer_position_id", "recipients"]),
        ),
        ("post", "/api/v1/documents/{id}/recall") => s(
            json!({"reason": {"type": "string", "maxLength": limits::DESCRIPTION.max}}),
            json!(["reason"]),
        ),
        ("post", "/api/v1/documents/{id}/remind") => s(
            json!({"via": {"type": ["string", "null"], "description": "the code of a unit that forwarded the document: remind its recipients; none: the issuer's"}}),
            json!([]),
        ),
        ("post", "/api/v1/incoming/{id}/reply") => s(
            json!({"text": {"type": "string", "maxLength": limits::LONG_TEXT.max}}),
            json!(["text"]),
        ),
        ("post", "/api/v1/documents/{id}/files" | "/api/v1/incoming/{id}/files") => json!({
            "x-media": "multipart/form-data",
            "type": "object",
            "properties": {
                "file": {"type": "string", "contentMediaType": "application/octet-stream", "description": "a PDF, DOCX, XLSX or a JPEG/PNG scan, at most 20 MB, checked by its content"},
            },
            "required": ["file"],
        }),
        ("post", "/api/v1/incoming/{id}/forward") => s(
            json!({"recipients": choice_schema()}),
            json!(["recipients"]),
        ),
        _ => return None,
    })
}

/// Query parameters of this API, for the OpenAPI document.
pub fn query_params(path: &str) -> Vec<Value> {
    let p = |name: &str, ty: &str, desc: &str| json!({"name": name, "in": "query", "required": false, "schema": {"type": ty}, "description": desc});
    let types = model::TYPES
        .iter()
        .map(|t| t.0)
        .collect::<Vec<_>>()
        .join(", ");
    match path {
        "/api/v1/units/{code}/documents" => {
            let mut v = vec![
                p("state", "string", "draft, signed, issued or recalled"),
                p("type", "string", &types),
                p("year", "integer", "the year of issue"),
            ];
            v.extend(crate::web::list::paging_params(REGISTER_Q));
            v
        }
        "/api/v1/units/{code}/incoming" => {
            let mut v = vec![
                p(
                    "state",
                    "string",
                    "delivered, opened, acknowledged, replied or overdue",
                ),
                p("type", "string", &types),
                p("year", "integer", "the year of the register"),
                p("issuer", "string", "the code of the issuing unit"),
            ];
            v.extend(crate::web::list::paging_params(REGISTER_Q));
            v
        }
        "/api/v1/documents/{id}/recipients" | "/api/v1/documents/{id}/recipients.xlsx" => {
            let mut v = vec![
                p("state", "string", "delivered, opened, acknowledged, replied or overdue"),
                p("via", "string", "the code of a unit that forwarded the document: its recipients; none: the issuer's"),
            ];
            v.extend(crate::web::list::paging_params(
                "a receiving unit's name, without diacritics or with",
            ));
            v
        }
        _ => vec![],
    }
}
