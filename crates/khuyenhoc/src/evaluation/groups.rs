//! Families, clans and organisations evaluated as a whole, with their members; and the
//! registration of group and unit titles (Learning Family, Clan, Community, Unit).

use super::service::{self, Register, SubjectRef};
use crate::accounts::model::{find_visible, Lookup};
use crate::accounts::pages::parse_id;
use crate::audit::{self, Actor, Change};
use crate::auth::{perm, Viewer};
use crate::db::{is_unique_violation, now};
use crate::error::{AppError, FieldError, PageResult};
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::layout::{render, Chrome, FormErrors};
use crate::web::route::{r, Access, Route};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use khuyenhoc_domain::{Invalid, PhoneNumber};
use serde::{Deserialize, Serialize};
use sqlx::Row;

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        r(M::GET, "/units/{code}/groups", Officer, "Families, clans and organisations of a unit", unit_groups),
        r(M::POST, "/units/{code}/groups", Officer, "Add a family, clan or organisation", create_group),
        r(M::GET, "/groups/{id}", SignedIn, "A family, clan or organisation with its members", group_page),
        r(M::POST, "/groups/{id}/members", SignedIn, "Add a member", add_member),
        r(M::POST, "/groups/{id}/evaluations", SignedIn, "Register a family or clan for a title", register_group),
        r(M::POST, "/units/{code}/evaluations/unit", Officer, "Register a community or unit for a title", register_unit),
    ]
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
}

impl Group {
    pub fn kind_vi(&self) -> &'static str {
        match self.kind.as_str() {
            "family" => "Gia đình",
            "clan" => "Dòng họ",
            _ => "Cơ quan, tổ chức",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Member {
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
    })
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

pub async fn members(state: &AppState, group_id: i64) -> Result<Vec<Member>, AppError> {
    Ok(sqlx::query("SELECT m.person_id, p.full_name, m.adult FROM group_members m JOIN people p ON p.id = m.person_id WHERE m.group_id = $1 ORDER BY p.name_folded")
        .bind(group_id)
        .fetch_all(&state.db.pool)
        .await?
        .into_iter()
        .map(|r| Ok(Member { person_id: r.try_get(0)?, full_name: r.try_get(1)?, adult: r.try_get::<i64, _>(2)? != 0 }))
        .collect::<Result<_, sqlx::Error>>()?)
}

/// Creates a group under a unit; the head (found by phone in scope) becomes its first member.
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
    let id: i64 = sqlx::query_scalar("INSERT INTO learning_groups (kind, unit_id, name, head_person_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(kind)
        .bind(unit.id)
        .bind(&name)
        .bind(head.id)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO group_members (group_id, person_id, adult, created_at) VALUES ($1, $2, 1, $3)",
    )
    .bind(id)
    .bind(head.id)
    .bind(now())
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

/// Adds a member (by phone, in scope of the officer or known to the head).
pub async fn add(
    state: &AppState,
    v: &Viewer,
    group_id: i64,
    phone: &str,
    adult: bool,
) -> Result<(), AppError> {
    let g = visible(state, v, group_id).await?;
    let position = v
        .position_for(perm::EVALUATION_ENTER, &g.unit_path)
        .map(|p| p.position_id);
    if position.is_none() && g.head_person_id != Some(v.person_id) {
        return Err(AppError::NotFound);
    }
    let phone = PhoneNumber::parse(phone).map_err(|e| AppError::field("phone", e))?;
    // A head adds people registered in the group's unit; an officer anyone in scope.
    let sql =
        "SELECT p.id, u.path FROM people p JOIN units u ON u.id = p.unit_id WHERE p.phone = $1";
    let row = sqlx::query(sql)
        .bind(phone.as_str())
        .fetch_optional(&state.db.pool)
        .await?;
    let person = match row {
        Some(r) => {
            let (id, path): (i64, String) = (r.try_get(0)?, r.try_get(1)?);
            (v.can_read(&path) || path.starts_with(&g.unit_path)).then_some(id)
        }
        None => None,
    }
    .ok_or_else(|| {
        AppError::field(
            "phone",
            Invalid::new(
                "Không tìm thấy người có số này trong đơn vị",
                "Nobody with this number in the unit",
            ),
        )
    })?;
    let mut tx = state.db.begin().await?;
    sqlx::query("INSERT INTO group_members (group_id, person_id, adult, created_at) VALUES ($1, $2, $3, $4)")
        .bind(g.id)
        .bind(person)
        .bind(i64::from(adult))
        .bind(now())
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e, "group_members_pair") {
                AppError::Conflict(FieldError::new("phone", Invalid::new("Người này đã là thành viên", "Already a member")))
            } else {
                e.into()
            }
        })?;
    let after = serde_json::json!({"person": person, "adult": adult});
    audit::record(
        &mut tx,
        Actor::new(v.person_id, position),
        Change {
            unit_id: Some(g.unit_id),
            entity: "group",
            entity_id: g.id.to_string(),
            action: "add_member",
            before: None,
            after: Some(after),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "groups.html")]
pub struct GroupsPage {
    pub c: Chrome,
    pub unit_code: String,
    pub unit_name: String,
    pub unit_branch: bool,
    pub unit_kind: String,
    pub groups: Vec<Group>,
    pub errors: FormErrors,
    pub year: i64,
}

async fn groups_page(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    code: &str,
    errors: FormErrors,
) -> PageResult<Html<String>> {
    let unit = crate::org::service::visible(&state.db, v, code).await?;
    let sql = format!("{SELECT} WHERE g.unit_id = $1 ORDER BY g.kind, g.name");
    let groups = sqlx::query(&sql)
        .bind(unit.id)
        .fetch_all(&state.db.pool)
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<_, _>>()?;
    let year = i64::from(chrono::Datelike::year(&chrono::Utc::now()));
    render(&GroupsPage {
        c,
        unit_branch: unit.is_branch(),
        unit_code: unit.code,
        unit_name: unit.name,
        unit_kind: unit.kind,
        groups,
        errors,
        year,
    })
}

pub async fn unit_groups(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult<Html<String>> {
    groups_page(&state, c, &v, &code, FormErrors::default()).await
}

#[derive(Deserialize)]
pub struct GroupForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub head: String,
}

fn form_errors(e: AppError) -> Result<Vec<FieldError>, AppError> {
    match e {
        AppError::Invalid(f) => Ok(f),
        AppError::Conflict(f) => Ok(vec![f]),
        e => Err(e),
    }
}

pub async fn create_group(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<GroupForm>,
) -> PageResult<Response> {
    match create(&state, &v, &code, &f.kind, &f.name, &f.head).await {
        Ok(g) => Ok(Redirect::to(&format!("/groups/{}", g.id)).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                groups_page(&state, c, &v, &code, FormErrors(errors)).await?,
            )
                .into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "group.html")]
pub struct GroupPage {
    pub c: Chrome,
    pub g: Group,
    pub members: Vec<Member>,
    pub evaluations: Vec<super::model::Evaluation>,
    pub errors: FormErrors,
    pub year: i64,
    pub model: &'static str,
}

async fn group_view(
    state: &AppState,
    c: Chrome,
    v: &Viewer,
    id: &str,
    errors: FormErrors,
) -> PageResult<Html<String>> {
    let g = visible(state, v, parse_id(id)?).await?;
    let members = members(state, g.id).await?;
    let (evaluations, _) = super::model::list(
        &state.db,
        &super::model::Query {
            path: g.unit_path.clone(),
            limit: 500,
            ..Default::default()
        },
    )
    .await?;
    let evaluations = evaluations
        .into_iter()
        .filter(|e| e.subject_kind == "group" && e.subject_id == g.id)
        .collect();
    let model = match g.kind.as_str() {
        "family" => "family",
        "clan" => "clan",
        _ => "unit",
    };
    let year = i64::from(chrono::Datelike::year(&chrono::Utc::now()));
    render(&GroupPage {
        c,
        g,
        members,
        evaluations,
        errors,
        year,
        model,
    })
}

pub async fn group_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Html<String>> {
    group_view(&state, c, &v, &id, FormErrors::default()).await
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub adult: Option<String>,
}

pub async fn add_member(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<MemberForm>,
) -> PageResult<Response> {
    match add(&state, &v, parse_id(&id)?, &f.phone, f.adult.is_some()).await {
        Ok(()) => Ok(Redirect::to(&format!("/groups/{id}")).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                group_view(&state, c, &v, &id, FormErrors(errors)).await?,
            )
                .into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct YearForm {
    #[serde(default)]
    pub year: Option<i64>,
    #[serde(default)]
    pub model: String,
}

pub async fn register_group(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<YearForm>,
) -> PageResult<Response> {
    let g = visible(&state, &v, parse_id(&id)?).await?;
    let model = match g.kind.as_str() {
        "family" => "family",
        "clan" => "clan",
        _ => "unit",
    };
    let year = f
        .year
        .unwrap_or_else(|| i64::from(chrono::Datelike::year(&chrono::Utc::now())));
    let reg = Register {
        model: model.into(),
        subject: SubjectRef::Group(g.id),
        year,
        form_group: None,
    };
    match service::register(&state, &v, &reg).await {
        Ok(e) => Ok(Redirect::to(&format!("/evaluations/{}", e.id)).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                group_view(&state, c, &v, &id, FormErrors(errors)).await?,
            )
                .into_response())
        }
    }
}

/// A village branch registers as a Learning Community; an institutional branch as a Learning Unit.
pub async fn register_unit(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<YearForm>,
) -> PageResult<Response> {
    let unit = crate::org::service::visible(&state.db, &v, &code).await?;
    let model = if unit.kind == "village" {
        "community"
    } else {
        "unit"
    };
    if !unit.is_branch() {
        return Err(AppError::bad_request(
            "Chỉ chi hội (thôn, tổ dân phố, cơ quan, trường học…) đăng ký danh hiệu này",
            "Only branches (villages, institutions) register for this title",
        )
        .into());
    }
    let _ = &f.model;
    let year = f
        .year
        .unwrap_or_else(|| i64::from(chrono::Datelike::year(&chrono::Utc::now())));
    let reg = Register {
        model: model.into(),
        subject: SubjectRef::Unit(unit.code.clone()),
        year,
        form_group: None,
    };
    match service::register(&state, &v, &reg).await {
        Ok(e) => Ok(Redirect::to(&format!("/evaluations/{}", e.id)).into_response()),
        Err(e) => {
            let errors = form_errors(e)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                groups_page(&state, c, &v, &code, FormErrors(errors)).await?,
            )
                .into_response())
        }
    }
}
