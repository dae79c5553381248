//! JSON API of cooperation programmes: the twins of the pages (same service calls, same scope:
//! a unit's officers read the programmes it owns or that cover it, out of scope is 404; only
//! `unit.manage` over the owning unit changes a programme).

use super::edit::{self, Held};
use super::model::{self, Attachment, Detail, Partner, Programme};
use super::service::{self, NewCommitment, NewPartner, NewProgramme, NewReview};
use crate::accounts::pages::parse_id;
use crate::auth::ApiViewer;
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use crate::web::extract::{ApiJson, ApiQuery, OptionalJson};
use crate::web::list::{per_page, Cursor, ListPage, Search};
use crate::web::list_small::{page_small, SmallQuery};
use crate::web::route::{api, Access, Route};
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{Method, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        api(M::GET, "/api/v1/units/{code}/partners", Officer, "A unit's register of cooperation partners (q: a name without diacritics or with; paged by key)", partners),
        api(M::POST, "/api/v1/units/{code}/partners", Officer, "Add a partner organisation to a unit's register (unit.manage)", add_partner),
        api(M::GET, "/api/v1/units/{code}/cooperation", Officer, "Cooperation programmes a unit owns (in its subtree) or that cover it (q: the title without diacritics or with; paged by key)", programmes),
        api(M::POST, "/api/v1/units/{code}/cooperation", Officer, "Create a cooperation programme of a unit: partners, covered units, term, reviews, commitments (unit.manage)", create),
        api(M::GET, "/api/v1/units/{code}/cooperation/due", Officer, "Reviews of cooperation programmes waiting for this unit: due within 14 days or overdue", due),
        api(M::GET, "/api/v1/cooperation/{id}", Officer, "A cooperation programme with its partners, covered units, commitments, reviews and files", detail),
        api(M::POST, "/api/v1/cooperation/{id}/commitments", Officer, "Add a commitment (what, which party, by when)", add_commitment),
        api(M::POST, "/api/v1/cooperation/{id}/commitments/{cid}/done", Officer, "Mark a commitment done (done_on: default today)", commitment_done),
        api(M::POST, "/api/v1/cooperation/{id}/reviews", Officer, "Add a review the programme foresees (interim or final, due day)", add_review),
        api(M::POST, "/api/v1/cooperation/{id}/reviews/{rid}/held", Officer, "Record a review as held: the day and its results", review_held),
        api(M::POST, "/api/v1/cooperation/{id}/files", Officer, "Attach a PDF or a photo to a programme, or to one of its reviews (review_id)", attach),
    ]
}

/// A list's query: search text and key paging.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    pub per_page: Option<i64>,
}

impl ListQuery {
    pub fn parts(&self) -> Result<(Option<Search>, Option<Cursor>, i64), AppError> {
        Ok((
            self.q.as_deref().and_then(Search::parse),
            Cursor::decode(self.cursor.as_deref().unwrap_or_default())?,
            per_page(self.per_page)?,
        ))
    }
}

async fn partners(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<ListPage<Partner>>> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let (s, c, n) = q.parts()?;
    Ok(Json(
        model::partners(&state.db, unit.id, s.as_ref(), c.as_ref(), n).await?,
    ))
}

async fn add_partner(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<NewPartner>,
) -> ApiResult<(StatusCode, Json<Partner>)> {
    Ok((
        StatusCode::CREATED,
        Json(service::add_partner(&state.db, &v, &code, &body).await?),
    ))
}

async fn programmes(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<ListPage<Programme>>> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let (s, c, n) = q.parts()?;
    Ok(Json(
        model::programmes_of(&state.db, &unit.path, s.as_ref(), c.as_ref(), n).await?,
    ))
}

async fn create(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<NewProgramme>,
) -> ApiResult<(StatusCode, Json<Detail>)> {
    let p = service::create(&state.db, &v, &code, &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(service::read(&state.db, &v, p.id).await?),
    ))
}

async fn due(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<SmallQuery>,
) -> ApiResult<Json<ListPage<super::due::DueReview>>> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let items = super::due::due_for_unit(&state.db, unit.id).await?;
    Ok(Json(page_small(
        items,
        q.q.as_deref(),
        q.cursor.as_deref(),
        q.per_page,
        |x| x.title.clone(),
        |x| (format!("{} {:020}", x.due_on, x.review_id), x.review_id),
    )?))
}

async fn detail(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<Detail>> {
    Ok(Json(service::read(&state.db, &v, parse_id(&id)?).await?))
}

async fn add_commitment(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewCommitment>,
) -> ApiResult<Json<Detail>> {
    Ok(Json(
        edit::add_commitment(&state.db, &v, parse_id(&id)?, &body).await?,
    ))
}

/// The day a commitment was done.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DoneBody {
    #[serde(default)]
    pub done_on: Option<String>,
}

async fn commitment_done(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((id, cid)): Path<(String, String)>,
    OptionalJson(body): OptionalJson<DoneBody>,
) -> ApiResult<Json<Detail>> {
    Ok(Json(
        edit::commitment_done(
            &state.db,
            &v,
            parse_id(&id)?,
            parse_id(&cid)?,
            body.done_on.as_deref(),
        )
        .await?,
    ))
}

async fn add_review(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewReview>,
) -> ApiResult<Json<Detail>> {
    Ok(Json(
        edit::add_review(&state.db, &v, parse_id(&id)?, &body).await?,
    ))
}

async fn review_held(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((id, rid)): Path<(String, String)>,
    ApiJson(body): ApiJson<Held>,
) -> ApiResult<Json<Detail>> {
    Ok(Json(
        edit::review_held(&state.db, &v, parse_id(&id)?, parse_id(&rid)?, &body).await?,
    ))
}

/// The upload form: `file`, and `review_id` to attach it to a review.
pub struct Upload {
    pub review_id: Option<i64>,
    pub file: Option<(String, Vec<u8>)>,
}

/// Reads the upload form (413 beyond the size limit, 400 for anything unreadable).
pub async fn read_upload(mut form: Multipart) -> Result<Upload, AppError> {
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::bad_request("Không đọc được tệp gửi lên", "The upload could not be read")
        }
    };
    let mut u = Upload {
        review_id: None,
        file: None,
    };
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        match field.name().unwrap_or_default() {
            "review_id" => {
                let t = field.text().await.map_err(unreadable)?;
                let t = t.trim();
                if !t.is_empty() {
                    u.review_id = Some(parse_id(t)?);
                }
            }
            "file" => {
                let name = field.file_name().unwrap_or("tep").to_owned();
                let bytes = field.bytes().await.map_err(unreadable)?;
                if !bytes.is_empty() {
                    u.file = Some((name, bytes.to_vec()));
                }
            }
            _ => {}
        }
    }
    Ok(u)
}

/// No file chosen.
pub fn no_file() -> AppError {
    AppError::field(
        "file",
        khuyenhoc_domain::Invalid::new("Hãy chọn một tệp", "Choose a file"),
    )
}

async fn attach(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<Attachment>)> {
    let id = parse_id(&id)?;
    // Scope first: a caller who may not read the programme learns nothing from the form.
    service::read(&state.db, &v, id).await?;
    let form = form.map_err(|e| {
        AppError::bad_request(
            "Cần gửi biểu mẫu multipart/form-data (file, review_id)",
            format!("Send a multipart/form-data form (file, review_id): {e}"),
        )
    })?;
    let u = read_upload(form).await?;
    let (name, bytes) = u.file.ok_or_else(no_file)?;
    Ok((
        StatusCode::CREATED,
        Json(edit::attach(&state, &v, id, u.review_id, &name, bytes).await?),
    ))
}

/// Request bodies of this API, for the OpenAPI document.
pub fn body_schema(method: &str, path: &str) -> Option<Value> {
    use khuyenhoc_domain::limits;
    let obj = |props: Value, required: Value| json!({"type": "object", "properties": props, "required": required, "additionalProperties": false});
    let day = json!({"type": "string", "description": "YYYY-MM-DD or dd/mm/yyyy"});
    let review = obj(
        json!({"kind": {"type": "string", "enum": ["interim", "final"]}, "due_on": day}),
        json!(["kind", "due_on"]),
    );
    let commitment = obj(
        json!({
            "what": {"type": "string", "maxLength": limits::DESCRIPTION.max},
            "partner_id": {"type": ["integer", "null"], "description": "one of the programme's partners; none: our side"},
            "due_on": day,
        }),
        json!(["what", "due_on"]),
    );
    Some(match (method, path) {
        ("post", "/api/v1/units/{code}/partners") => obj(
            json!({
                "kind": {"type": "string", "enum": model::PARTNER_KINDS.iter().map(|k| k.0).collect::<Vec<_>>()},
                "name": {"type": "string", "maxLength": limits::NAME.max},
                "contact": {"type": ["string", "null"], "maxLength": limits::DESCRIPTION.max},
            }),
            json!(["kind", "name"]),
        ),
        ("post", "/api/v1/units/{code}/cooperation") => obj(
            json!({
                "title": {"type": "string", "maxLength": limits::TITLE.max},
                "partner_ids": {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 50, "description": "partners in the register of the unit or of a unit above it"},
                "covers": obj(json!({
                    "units": {"type": "array", "items": {"type": "string"}, "maxItems": 500, "description": "codes of units under the owning unit"},
                    "level": {"type": ["string", "null"], "enum": ["province", "commune", "branch", null], "description": "every open unit of this level under the owning unit"},
                }), json!([])),
                "signed_on": day, "starts_on": day, "ends_on": day,
                "reviews": {"type": "array", "items": review, "maxItems": 100},
                "commitments": {"type": "array", "items": commitment, "maxItems": 100},
            }),
            json!(["title", "partner_ids", "signed_on", "starts_on", "ends_on"]),
        ),
        ("post", "/api/v1/cooperation/{id}/commitments") => commitment,
        ("post", "/api/v1/cooperation/{id}/commitments/{cid}/done") => obj(
            json!({"done_on": {"type": ["string", "null"], "description": "YYYY-MM-DD or dd/mm/yyyy, not after today; default today"}}),
            json!([]),
        ),
        ("post", "/api/v1/cooperation/{id}/reviews") => review,
        ("post", "/api/v1/cooperation/{id}/reviews/{rid}/held") => obj(
            json!({"held_on": day, "results": {"type": "string", "maxLength": limits::LONG_TEXT.max}}),
            json!(["held_on", "results"]),
        ),
        ("post", "/api/v1/cooperation/{id}/files") => json!({
            "x-media": "multipart/form-data",
            "type": "object",
            "properties": {
                "file": {"type": "string", "contentMediaType": "application/octet-stream", "description": "a photo (JPEG, PNG, WebP: reduced on arrival, at most 12 MB) or a PDF (at most 8 MB), checked by its content"},
                "review_id": {"type": "string", "description": "the review the file belongs to (its minutes, its report)"},
            },
            "required": ["file"],
        }),
        _ => return None,
    })
}

/// Query parameters of this API, for the OpenAPI document.
pub fn query_params(path: &str) -> Vec<Value> {
    match path {
        "/api/v1/units/{code}/partners" => {
            crate::web::list::paging_params("a partner's name, without diacritics or with")
        }
        "/api/v1/units/{code}/cooperation/due" => {
            crate::web::list::paging_params("a programme's title, without diacritics or with")
        }
        "/api/v1/units/{code}/cooperation" => {
            crate::web::list::paging_params("a programme's title, without diacritics or with")
        }
        _ => vec![],
    }
}
