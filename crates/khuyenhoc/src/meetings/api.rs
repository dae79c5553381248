//! JSON API of meetings, the `.ics` file of a meeting and a person's calendar feed. Scope: a
//! meeting is read by the host's officers and those above, the officers of an invited unit (or
//! of a unit between it and the host), the people invited by name; out of scope is 404. The
//! host's `unit.manage` changes a meeting; an invited unit's `unit.manage` answers for it.

use super::attend::{self, Minutes};
use super::ics::{self, Feed};
use super::model::{self, Detail, Meeting};
use super::service::{self, Answer, NewMeeting};
use crate::accounts::pages::parse_id;
use crate::auth::{ApiViewer, Viewer};
use crate::error::{ApiResult, PageResult};
use crate::state::AppState;
use crate::web::extract::{ApiJson, ApiQuery};
use crate::web::list::ListPage;
use crate::web::route::{api, r, Access, Route};
use axum::extract::{Path, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

pub use crate::cooperation::api::ListQuery;

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        api(M::GET, "/api/v1/units/{code}/meetings", Officer, "Meetings a unit hosts or is invited to (q: the title without diacritics or with; newest first, paged by key)", list),
        api(M::POST, "/api/v1/units/{code}/meetings", Officer, "Create a meeting hosted by a unit: kind, title, agenda, times, place or room, điểm cầu, people (unit.manage)", create),
        api(M::GET, "/api/v1/meetings/{id}", SignedIn, "A meeting: điểm cầu and their answers, people, attendance, documents; the room link at the right time", detail),
        api(M::PATCH, "/api/v1/meetings/{id}", Officer, "Change a meeting (the host; the điểm cầu only before the invitations)", edit),
        api(M::POST, "/api/v1/meetings/{id}/invite", Officer, "Send the invitations: điểm cầu frozen, participants told, reminders queued", invite),
        api(M::POST, "/api/v1/meetings/{id}/answer", Officer, "An invited unit confirms or declines and names who attends (unit.manage there)", answer),
        api(M::POST, "/api/v1/meetings/{id}/checkin", SignedIn, "Check in with the code shown in the room, while the meeting is on", check_in),
        api(M::POST, "/api/v1/meetings/{id}/present", Officer, "The host marks a participant present", present),
        api(M::POST, "/api/v1/meetings/{id}/documents", Officer, "Link a document to the meeting (the host)", link_document),
        api(M::POST, "/api/v1/meetings/{id}/minutes", Officer, "Write the minutes after the meeting: a biên bản issued to the units that attended", minutes),
        api(M::POST, "/api/v1/me/calendar", SignedIn, "Make my calendar feed's secret address (replaces the earlier one)", make_feed),
        api(M::DELETE, "/api/v1/me/calendar", SignedIn, "Withdraw my calendar feed: its address stops answering", withdraw_feed),
        r(M::GET, "/meetings/{id}/meeting.ics", SignedIn, "A meeting as an iCalendar file", meeting_ics),
        r(M::GET, "/calendar/{file}", Public, "A person's calendar feed (iCalendar) through its secret address", feed),
    ]
}

async fn list(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<ListPage<Meeting>>> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let (s, c, n) = q.parts()?;
    Ok(Json(
        model::of_unit(&state.db, unit.id, s.as_ref(), c.as_ref(), n).await?,
    ))
}

async fn create(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<NewMeeting>,
) -> ApiResult<(StatusCode, Json<Detail>)> {
    let m = service::create(&state, &v, &code, &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(service::read(&state, &v, m.id).await?),
    ))
}

async fn detail(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<Detail>> {
    Ok(Json(service::read(&state, &v, parse_id(&id)?).await?))
}

async fn edit(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewMeeting>,
) -> ApiResult<Json<Detail>> {
    let id = parse_id(&id)?;
    service::edit(&state, &v, id, &body).await?;
    Ok(Json(service::read(&state, &v, id).await?))
}

async fn invite(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<Detail>> {
    Ok(Json(service::invite(&state, &v, parse_id(&id)?).await?))
}

async fn answer(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Answer>,
) -> ApiResult<Json<Detail>> {
    Ok(Json(
        service::answer(&state, &v, parse_id(&id)?, &body).await?,
    ))
}

/// The code typed at check-in.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckIn {
    #[serde(default)]
    pub code: String,
}

async fn check_in(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CheckIn>,
) -> ApiResult<Json<Detail>> {
    Ok(Json(
        attend::check_in(&state, &v, parse_id(&id)?, &body.code).await?,
    ))
}

/// The person the host marks present.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Present {
    #[serde(default)]
    pub person_id: i64,
}

async fn present(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Present>,
) -> ApiResult<Json<Detail>> {
    Ok(Json(
        attend::mark_present(&state, &v, parse_id(&id)?, body.person_id).await?,
    ))
}

/// The document to link.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkDocument {
    #[serde(default)]
    pub document_id: i64,
}

async fn link_document(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<LinkDocument>,
) -> ApiResult<Json<Detail>> {
    Ok(Json(
        attend::link_document(&state, &v, parse_id(&id)?, body.document_id).await?,
    ))
}

async fn minutes(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Minutes>,
) -> ApiResult<Json<Detail>> {
    Ok(Json(
        attend::minutes(&state, &v, parse_id(&id)?, &body).await?,
    ))
}

async fn make_feed(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
) -> ApiResult<(StatusCode, Json<Feed>)> {
    Ok((
        StatusCode::CREATED,
        Json(ics::make_token(&state.db, &v).await?),
    ))
}

/// Whether the person's calendar feed answers.
#[derive(Debug, serde::Serialize, schemars::JsonSchema)]
#[schemars(rename = "CalendarFeedState")]
pub struct FeedState {
    /// false once withdrawn: the address answers 404.
    pub active: bool,
}

async fn withdraw_feed(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
) -> ApiResult<Json<FeedState>> {
    ics::withdraw_token(&state.db, &v).await?;
    Ok(Json(FeedState { active: false }))
}

/// An iCalendar answer.
fn calendar_file(body: String, name: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

async fn meeting_ics(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Response> {
    let m = model::readable(&state.db, &v, parse_id(&id)?).await?;
    let title = m.title.clone();
    let body = ics::calendar(
        &[m],
        &title,
        state.settings.public_url.as_deref(),
        state.clock.now().timestamp(),
    );
    Ok(calendar_file(body, "meeting.ics"))
}

async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> PageResult<Response> {
    let person = ics::person_of(&state.db, &file).await?;
    let meetings = model::of_person(&state.db, person).await?;
    let body = ics::calendar(
        &meetings,
        "Lịch họp khuyến học",
        state.settings.public_url.as_deref(),
        state.clock.now().timestamp(),
    );
    Ok(calendar_file(body, "calendar.ics"))
}

/// Request bodies of this API, for the OpenAPI document.
pub fn body_schema(method: &str, path: &str) -> Option<Value> {
    use khuyenhoc_domain::limits;
    let obj = |props: Value, required: Value| json!({"type": "object", "properties": props, "required": required, "additionalProperties": false});
    let moment = json!({"type": "string", "description": "Vietnam time: YYYY-MM-DDTHH:MM or dd/mm/yyyy hh:mm, years 2000-2100"});
    let choice = json!({
        "type": "object",
        "description": "one line of the choice of units: kind level (level), units (codes), cluster (code) or subtree (code)",
        "properties": {
            "kind": {"type": "string", "enum": ["level", "units", "cluster", "subtree"]},
            "level": {"type": "string", "enum": ["province", "commune", "branch"]},
            "codes": {"type": "array", "items": {"type": "string"}, "maxItems": 5000},
            "code": {"type": "string"},
        },
        "required": ["kind"],
        "additionalProperties": false,
    });
    let meeting = obj(
        json!({
            "kind": {"type": "string", "enum": model::KINDS.iter().map(|k| k.0).collect::<Vec<_>>()},
            "title": {"type": "string", "maxLength": limits::TITLE.max},
            "agenda": {"type": "string", "maxLength": limits::LONG_TEXT.max},
            "starts_at": moment, "ends_at": moment,
            "place": {"type": ["string", "null"], "maxLength": limits::DESCRIPTION.max},
            "generate_room": {"type": "boolean", "description": "generate an online room on the configured server"},
            "room_url": {"type": ["string", "null"], "maxLength": limits::DESCRIPTION.max, "description": "any https:// room"},
            "invitees": {"type": "array", "items": choice, "minItems": 1},
            "people": {"type": "array", "items": {"type": "integer"}, "maxItems": 500, "description": "people of the host's subtree invited by name"},
        }),
        json!(["kind", "title", "starts_at", "ends_at", "invitees"]),
    );
    Some(match (method, path) {
        ("post", "/api/v1/units/{code}/meetings") | ("patch", "/api/v1/meetings/{id}") => meeting,
        ("post", "/api/v1/meetings/{id}/answer") => obj(
            json!({
                "unit_code": {"type": "string", "description": "the invited unit answering"},
                "attend": {"type": "boolean"},
                "attendees": {"type": ["string", "null"], "maxLength": limits::NOTE.max, "description": "who attends (required to attend)"},
            }),
            json!(["unit_code", "attend"]),
        ),
        ("post", "/api/v1/meetings/{id}/checkin") => obj(
            json!({"code": {"type": "string", "description": "the 8-character code shown in the room"}}),
            json!(["code"]),
        ),
        ("post", "/api/v1/meetings/{id}/present") => obj(
            json!({"person_id": {"type": "integer"}}),
            json!(["person_id"]),
        ),
        ("post", "/api/v1/meetings/{id}/documents") => obj(
            json!({"document_id": {"type": "integer"}}),
            json!(["document_id"]),
        ),
        ("post", "/api/v1/meetings/{id}/minutes") => obj(
            json!({
                "summary": {"type": "string", "maxLength": limits::NOTE.max},
                "signer_position_id": {"type": "integer", "description": "a position of the host unit"},
            }),
            json!(["summary", "signer_position_id"]),
        ),
        _ => return None,
    })
}

/// Query parameters of this API, for the OpenAPI document.
pub fn query_params(path: &str) -> Vec<Value> {
    match path {
        "/api/v1/units/{code}/meetings" => {
            crate::web::list::paging_params("a meeting's title, without diacritics or with")
        }
        _ => vec![],
    }
}
