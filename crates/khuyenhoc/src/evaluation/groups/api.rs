//! Families, clans and organisations through the API (issue 16, item 8): the twins of the group
//! pages' forms, each calling the service the page calls (`create`, `invite::add`,
//! `leave::add_without_account`, `leave::end`, `invite::answer`), so scope, audit and
//! notifications are theirs. Registering a group or a unit for a title is
//! `POST /api/v1/evaluations` with `subject.group_id` or `subject.unit_code`.

use super::invite::{self, Added, Invitation, Pending};
use super::list::{self, GroupFilter};
use super::{create, members, visible, Group, Member};
use crate::accounts::pages::parse_id;
use crate::auth::{ApiViewer, Viewer};
use crate::error::{ApiResult, AppError};
use crate::state::AppState;
use crate::web::extract::{ApiJson, ApiQuery};
use crate::web::list::{per_page, ListPage};
use crate::web::route::{api, Access, Route, Xlsx};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        api(M::GET, "/api/v1/units/{code}/groups", Officer, "Families, clans and organisations of a unit: paged by key (cursor), filtered by kind, searched by the group's or the head's name (without diacritics) or the head's phone (q)", list_groups),
        api(M::GET, "/api/v1/units/{code}/groups.xlsx", Officer, "The groups of the list as filtered (kind, q), as an Excel file: at most export_max_rows rows, refused above", export_groups),
        api(M::POST, "/api/v1/units/{code}/groups", Officer, "Add a family, clan or organisation with its head (found by phone in scope)", create_group),
        api(M::GET, "/api/v1/groups/{id}", SignedIn, "A family, clan or organisation with its members and the invitations waiting (without names)", get_group),
        api(M::POST, "/api/v1/groups/{id}/members", SignedIn, "Add a member by phone: an invitation to a person with a login, at once (an officer in scope) for one without", add_member),
        api(M::POST, "/api/v1/groups/{id}/members/new", Officer, "Add a member who has no account (an officer who registers people in scope)", add_member_without_account),
        api(M::DELETE, "/api/v1/groups/{id}/members/{member}", SignedIn, "Remove a member or withdraw an invitation (the head, or an officer in scope)", remove_member),
        api(M::GET, "/api/v1/me/groups", SignedIn, "My invitations waiting for an answer and the groups I belong to", my_groups),
        api(M::POST, "/api/v1/me/invitations/{id}/accept", SignedIn, "Accept an invitation to a family, clan or organisation", accept_invitation),
        api(M::POST, "/api/v1/me/invitations/{id}/decline", SignedIn, "Decline an invitation to a family, clan or organisation", decline_invitation),
        api(M::POST, "/api/v1/me/memberships/{id}/leave", SignedIn, "Leave a family, clan or organisation (the member)", leave_group),
    ]
}

/// A group as the API shows it.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "LearningGroup")]
pub struct GroupOut {
    pub id: i64,
    /// family, clan or organisation
    pub kind: String,
    pub kind_vi: String,
    pub kind_en: String,
    pub name: String,
    pub unit_code: String,
    pub unit_name: String,
    pub head_person_id: Option<i64>,
}

impl From<Group> for GroupOut {
    fn from(g: Group) -> Self {
        GroupOut {
            kind_vi: g.kind_vi().to_owned(),
            kind_en: g.kind_en().to_owned(),
            id: g.id,
            kind: g.kind,
            name: g.name,
            unit_code: g.unit_code,
            unit_name: g.unit_name,
            head_person_id: g.head_person_id,
        }
    }
}

/// The workbook of the unit's groups as `q` filters them (for the page and the API).
pub(super) async fn workbook(
    state: &AppState,
    v: &Viewer,
    code: &str,
    kind: Option<String>,
    q: Option<String>,
) -> Result<Xlsx, AppError> {
    let unit = crate::org::service::visible(&state.db, v, code).await?;
    let f = GroupFilter {
        kind,
        q,
        cursor: None,
    };
    let checked = f.check(&unit)?;
    let bytes =
        crate::web::export::xlsx(&state.db, &checked, state.settings.export_max_rows).await?;
    Ok(Xlsx {
        name: format!("nhom-{}.xlsx", unit.code),
        bytes,
    })
}

pub async fn export_groups(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<GroupsQuery>,
) -> ApiResult<Xlsx> {
    Ok(workbook(&state, &v, &code, q.kind, q.q).await?)
}

/// A group with its accepted members (by name) and its invitations waiting (no names).
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "LearningGroupDetail")]
pub struct GroupDetail {
    pub group: GroupOut,
    pub members: Vec<Member>,
    pub pending: Vec<Pending>,
}

async fn detail(state: &AppState, v: &Viewer, id: i64) -> Result<GroupDetail, AppError> {
    let g = visible(state, v, id).await?;
    Ok(GroupDetail {
        members: members(state, g.id).await?,
        pending: invite::pending(state, g.id).await?,
        group: g.into(),
    })
}

/// The query of a unit's list of groups.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupsQuery {
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub cursor: Option<String>,
    #[serde(default)]
    pub per_page: Option<i64>,
}

pub async fn list_groups(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<GroupsQuery>,
) -> ApiResult<Json<ListPage<GroupOut>>> {
    // The page's own question: whoever may read the unit.
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let n = per_page(q.per_page)?;
    let f = GroupFilter {
        kind: q.kind,
        q: q.q,
        cursor: q.cursor,
    };
    let page = list::page(&state, &unit, &f, n).await?;
    Ok(Json(ListPage {
        items: page.items.into_iter().map(GroupOut::from).collect(),
        total: page.total,
        next_cursor: page.next_cursor,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    pub kind: String,
    pub name: String,
    /// The head's phone number.
    pub head: String,
}

pub async fn create_group(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<NewGroup>,
) -> ApiResult<(StatusCode, Json<GroupDetail>)> {
    let g = create(&state, &v, &code, &b.kind, &b.name, &b.head).await?;
    Ok((StatusCode::CREATED, Json(detail(&state, &v, g.id).await?)))
}

pub async fn get_group(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<GroupDetail>> {
    Ok(Json(detail(&state, &v, parse_id(&id)?).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    pub phone: String,
    #[serde(default)]
    pub adult: bool,
}

/// What adding a member did, and the group after it.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "GroupMemberAdded")]
pub struct MemberAdded {
    /// `member` (a member at once) or `invited` (a member once they accept).
    pub added: String,
    pub group: GroupDetail,
}

pub async fn add_member(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NewMember>,
) -> ApiResult<(StatusCode, Json<MemberAdded>)> {
    let id = parse_id(&id)?;
    let added = invite::add(&state, &v, id, &b.phone, b.adult).await?;
    let added = match added {
        Added::Member => "member",
        Added::Invited => "invited",
    };
    let group = detail(&state, &v, id).await?;
    Ok((
        StatusCode::CREATED,
        Json(MemberAdded {
            added: added.to_owned(),
            group,
        }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoAccountMember {
    pub full_name: String,
    #[serde(default)]
    pub birth_year: Option<String>,
    #[serde(default)]
    pub gender: Option<String>,
    #[serde(default)]
    pub adult: bool,
}

pub async fn add_member_without_account(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<NoAccountMember>,
) -> ApiResult<(StatusCode, Json<MemberAdded>)> {
    let id = parse_id(&id)?;
    super::leave::add_without_account(
        &state,
        &v,
        id,
        &b.full_name,
        b.birth_year.as_deref().unwrap_or_default(),
        b.gender.as_deref().unwrap_or_default(),
        b.adult,
    )
    .await?;
    let group = detail(&state, &v, id).await?;
    Ok((
        StatusCode::CREATED,
        Json(MemberAdded {
            added: "member".to_owned(),
            group,
        }),
    ))
}

pub async fn remove_member(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((id, member)): Path<(String, String)>,
) -> ApiResult<Json<GroupDetail>> {
    let id = parse_id(&id)?;
    super::leave::end(&state, &v, Some(id), parse_id(&member)?).await?;
    Ok(Json(detail(&state, &v, id).await?))
}

/// The reader's invitations waiting and the groups they belong to (not those they head): what
/// their learning page lists.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "MyGroups")]
pub struct MyGroups {
    pub invitations: Vec<Invitation>,
    pub memberships: Vec<Invitation>,
}

async fn mine(state: &AppState, v: &Viewer) -> Result<MyGroups, AppError> {
    Ok(MyGroups {
        invitations: invite::invitations_for(state, v.person_id).await?,
        memberships: super::leave::memberships_of(state, v.person_id).await?,
    })
}

pub async fn my_groups(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
) -> ApiResult<Json<MyGroups>> {
    Ok(Json(mine(&state, &v).await?))
}

pub async fn accept_invitation(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<MyGroups>> {
    invite::answer(&state, &v, parse_id(&id)?, true).await?;
    Ok(Json(mine(&state, &v).await?))
}

pub async fn decline_invitation(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<MyGroups>> {
    invite::answer(&state, &v, parse_id(&id)?, false).await?;
    Ok(Json(mine(&state, &v).await?))
}

pub async fn leave_group(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(id): Path<String>,
) -> ApiResult<Json<MyGroups>> {
    super::leave::end(&state, &v, None, parse_id(&id)?).await?;
    Ok(Json(mine(&state, &v).await?))
}

/// The request bodies of these routes, for the OpenAPI document.
pub fn body_schema(method: &str, path: &str) -> Option<Value> {
    let s = |props: Value, required: Value| json!({"type": "object", "properties": props, "required": required, "additionalProperties": false});
    let text = |max: usize| json!({"type": "string", "maxLength": max});
    Some(match (method, path) {
        ("post", "/api/v1/units/{code}/groups") => s(
            json!({
                "kind": {"type": "string", "enum": ["family", "clan", "organisation"]},
                "name": text(khuyenhoc_domain::limits::NAME.max),
                "head": {"type": "string", "description": "the head's phone number (a person in your scope)"}
            }),
            json!(["kind", "name", "head"]),
        ),
        ("post", "/api/v1/groups/{id}/members") => s(
            json!({"phone": {"type": "string"}, "adult": {"type": "boolean", "description": "an adult member (default false)"}}),
            json!(["phone"]),
        ),
        ("post", "/api/v1/groups/{id}/members/new") => s(
            json!({
                "full_name": text(khuyenhoc_domain::limits::NAME.max),
                "birth_year": {"type": ["string", "null"], "description": "YYYY"},
                "gender": {"type": ["string", "null"], "enum": ["female", "male", "other", null]},
                "adult": {"type": "boolean"}
            }),
            json!(["full_name"]),
        ),
        _ => return None,
    })
}

/// The query parameters of these routes, for the OpenAPI document.
pub fn query_params(path: &str) -> Vec<Value> {
    match path {
        "/api/v1/units/{code}/groups" | "/api/v1/units/{code}/groups.xlsx" => {
            let mut p = vec![
                json!({"name": "kind", "in": "query", "required": false, "schema": {"type": "string", "enum": ["family", "clan", "organisation"]}, "description": "only groups of this kind"}),
            ];
            p.extend(crate::web::list::paging_params(
                "the group's or the head's name, with or without diacritics, or the digits of the head's phone",
            ));
            p
        }
        _ => vec![],
    }
}
