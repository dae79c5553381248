//! Families, clans and organisations evaluated as a whole, with their members; and the
//! registration of group and unit titles (Learning Family, Clan, Community, Unit).
//!
//! By step: this module (what a group is, who sees it, its accepted members, creating one),
//! `invite` (adding a member: at once by an officer in scope, by invitation when the head adds
//! someone; accepting and declining), `leave` (memberships ending: removed by the head or an
//! officer, left by the member, the row kept with its end; a person without an account added by
//! an officer), `list` (a unit's groups paged by key for the API), `pages` (the pages and their
//! forms), `api` (the pages' twins in the JSON API).
//!
//! A membership counts only once accepted (`group_members.accepted_at`): pending invitations are
//! listed without the name and count nowhere (evaluation::score reads accepted members only).

pub mod api;
mod invite;
mod leave;
pub mod list;
mod pages;

pub use invite::{add, answer, invitations_for, pending, Added, Invitation, Pending};
pub use leave::{add_without_account, end, memberships_of, Ended};
pub use pages::*;

use crate::accounts::model::{find_visible, Lookup};
use crate::audit::{self, Change};
use crate::auth::{perm, Viewer};
use crate::db::now;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::route::{r, Access, Route};
use axum::http::Method;
use khuyenhoc_domain::{Invalid, PhoneNumber};
use serde::Serialize;
use sqlx::Row;

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        r(M::GET, "/units/{code}/groups", Officer, "Families, clans and organisations of a unit: search by name or the head's phone, kind, pages by key", unit_groups),
        r(M::GET, "/units/{code}/groups.xlsx", Officer, "The groups of the list as filtered, as an Excel file", export_groups),
        r(M::POST, "/units/{code}/groups", Officer, "Add a family, clan or organisation", create_group),
        r(M::GET, "/groups/{id}", SignedIn, "A family, clan or organisation with its members", group_page),
        r(M::POST, "/groups/{id}/members", SignedIn, "Invite a member by phone (a person with a login), or add one without a login (an officer in scope)", add_member),
        r(M::POST, "/groups/{id}/members/new", Officer, "Add a member who has no account (an officer in scope: name, birth year, gender)", add_member_without_account),
        r(M::POST, "/groups/{id}/members/{member}/remove", SignedIn, "Remove a member or withdraw an invitation (the head, or an officer in scope)", remove_member),
        r(M::POST, "/learning/memberships/{id}/leave", SignedIn, "Leave a family, clan or organisation (the member)", leave_group),
        r(M::POST, "/learning/invitations/{id}/accept", SignedIn, "Accept an invitation to a family, clan or organisation", accept_invitation),
        r(M::POST, "/learning/invitations/{id}/decline", SignedIn, "Decline an invitation to a family, clan or organisation", decline_invitation),
        r(M::POST, "/groups/{id}/evaluations", SignedIn, "Register a family or clan for a title", register_group),
        r(M::POST, "/units/{code}/evaluations/unit", Officer, "Register a community or unit for a title", register_unit),
    ]
    .into_iter()
    .chain(api::routes())
    .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub unit_code: String,
    pub unit_name: String,
    #[serde(skip)]
    pub unit_path: String,
    #[serde(skip)]
    pub unit_id: i64,
    pub head_person_id: Option<i64>,
    /// The head's name, where the list read it.
    #[serde(skip)]
    pub head_name: Option<String>,
}

/// The Vietnamese and English names of a group kind.
pub(crate) fn kind_words(kind: &str) -> (&'static str, &'static str) {
    match kind {
        "family" => ("Gia đình", "Family"),
        "clan" => ("Dòng họ", "Clan"),
        _ => ("Cơ quan, tổ chức", "Organisation"),
    }
}

impl Group {
    pub fn kind_vi(&self) -> &'static str {
        kind_words(&self.kind).0
    }

    pub fn kind_en(&self) -> &'static str {
        kind_words(&self.kind).1
    }
}

/// An accepted member, shown by name.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "GroupMember")]
pub struct Member {
    /// The membership's id (to remove it).
    pub id: i64,
    pub person_id: i64,
    pub full_name: String,
    pub adult: bool,
}

const SELECT: &str = "SELECT g.id, g.kind, g.name, u.code, u.name, u.path, u.id, g.head_person_id FROM learning_groups g JOIN units u ON u.id = g.unit_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Group, sqlx::Error> {
    Ok(Group {
        id: r.try_get(0)?,
        kind: r.try_get(1)?,
        name: r.try_get(2)?,
        unit_code: r.try_get(3)?,
        unit_name: r.try_get(4)?,
        unit_path: r.try_get(5)?,
        unit_id: r.try_get(6)?,
        head_person_id: r.try_get(7)?,
        head_name: None,
    })
}

/// The group, whoever asks (callers check who may act on it).
pub(crate) async fn by_id(state: &AppState, id: i64) -> Result<Group, AppError> {
    let sql = format!("{SELECT} WHERE g.id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?
        .map(|r| from_row(&r))
        .transpose()?
        .ok_or(AppError::NotFound)
}

/// The group, for its head, its members' officers in scope.
pub async fn visible(state: &AppState, v: &Viewer, id: i64) -> Result<Group, AppError> {
    let sql = format!("{SELECT} WHERE g.id = $1");
    let g = sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?
        .map(|r| from_row(&r))
        .transpose()?
        .ok_or(AppError::NotFound)?;
    if g.head_person_id == Some(v.person_id) || v.can_read(&g.unit_path) {
        Ok(g)
    } else {
        Err(AppError::NotFound)
    }
}

/// The accepted members, by name; invitations still waiting are `invite::pending`.
pub async fn members(state: &AppState, group_id: i64) -> Result<Vec<Member>, AppError> {
    Ok(sqlx::query("SELECT m.id, m.person_id, p.full_name, m.adult FROM group_members m JOIN people p ON p.id = m.person_id WHERE m.group_id = $1 AND m.accepted_at IS NOT NULL AND m.ended_at IS NULL ORDER BY p.name_folded")
        .bind(group_id)
        .fetch_all(&state.db.pool)
        .await?
        .into_iter()
        .map(|r| Ok(Member { id: r.try_get(0)?, person_id: r.try_get(1)?, full_name: r.try_get(2)?, adult: r.try_get::<i64, _>(3)? != 0 }))
        .collect::<Result<_, sqlx::Error>>()?)
}

/// Creates a group under a unit; the head (found by phone in scope) becomes its first member,
/// accepted at once: the officer who creates the group sees the people of their scope anyway.
pub async fn create(
    state: &AppState,
    v: &Viewer,
    unit_code: &str,
    kind: &str,
    name: &str,
    head_phone: &str,
) -> Result<Group, AppError> {
    let (unit, actor) =
        crate::org::service::with_right(&state.db, v, unit_code, perm::EVALUATION_ENTER).await?;
    if !matches!(kind, "family" | "clan" | "organisation") {
        return Err(AppError::field(
            "kind",
            Invalid::new(
                "Chọn gia đình, dòng họ hoặc cơ quan",
                "Choose family, clan or organisation",
            ),
        ));
    }
    let name = crate::org::service::parse_name(name)?;
    let head = match PhoneNumber::parse(head_phone) {
        Ok(p) => find_visible(&state.db, v, &Lookup::Phone(p)).await?,
        Err(e) => return Err(AppError::field("head", e)),
    }
    .ok_or_else(|| {
        AppError::field(
            "head",
            Invalid::new(
                "Không tìm thấy chủ hộ/trưởng họ có số này trong phạm vi của bạn",
                "No such head in your scope",
            ),
        )
    })?;
    let mut tx = state.db.begin().await?;
    let id: i64 = sqlx::query_scalar("INSERT INTO learning_groups (kind, unit_id, name, name_folded, head_person_id, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
        .bind(kind)
        .bind(unit.id)
        .bind(&name)
        .bind(list::folded(&name))
        .bind(head.id)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
    let at = now();
    sqlx::query(
        "INSERT INTO group_members (group_id, person_id, adult, created_at, accepted_at) VALUES ($1, $2, 1, $3, $4)",
    )
    .bind(id)
    .bind(head.id)
    .bind(at)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    let after = serde_json::json!({"kind": kind, "name": name, "head": head.id});
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(unit.id),
            entity: "group",
            entity_id: id.to_string(),
            action: "create",
            before: None,
            after: Some(after),
        },
    )
    .await?;
    tx.commit().await?;
    visible(state, v, id).await
}
