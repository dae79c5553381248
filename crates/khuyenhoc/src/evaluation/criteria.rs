//! Criteria sets in the browser: the list, a set's form preview and blank paper forms, and
//! province variants (copy the national set, edit its text with every error shown in place,
//! make it effective). An active set never changes: evaluations keep the set they were made
//! under.

use super::sets;
use crate::accounts::pages::parse_id;
use crate::audit::{self, Actor, Change};
use crate::auth::{perm, Viewer};
use crate::db::now;
use crate::error::{AppError, PageResult};
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::layout::{render, Chrome};
use crate::web::route::{r, Access, Route};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use khuyenhoc_criteria::{CriteriaSet, LoadError};
use khuyenhoc_domain::Level;
use khuyenhoc_domain::{Invalid, UnitCode};
use serde::Deserialize;
use sqlx::Row;
use std::sync::Arc;

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        r(M::GET, "/criteria", Officer, "Criteria sets", list_page),
        r(M::GET, "/criteria/{id}", Officer, "A criteria set: form preview and source", show_page),
        r(M::GET, "/criteria/{id}/forms/{group}", SignedIn, "Blank paper form (PDF) of a form group", blank_form),
        r(M::POST, "/criteria/{id}/variant", Officer, "Copy a national set as a province variant", make_variant),
        r(M::GET, "/criteria/{id}/edit", Officer, "Edit a draft variant", edit_page),
        r(M::POST, "/criteria/{id}/edit", Officer, "Save a draft variant", save_edit),
        r(M::POST, "/criteria/{id}/activate", Officer, "Make a variant effective", activate),
    ]
}

#[derive(Debug, Clone)]
pub struct SetRow {
    pub id: i64,
    pub model: String,
    pub version: i64,
    pub owner_code: String,
    pub title_vi: String,
    pub status: String,
    pub based_on_id: Option<i64>,
}

async fn rows(state: &AppState, filter: &str, arg: Option<i64>) -> Result<Vec<SetRow>, AppError> {
    let sql = format!("SELECT id, model, version, owner_code, title_vi, status, based_on_id FROM criteria_sets {filter} ORDER BY owner_code, model, version DESC");
    let mut q = sqlx::query(&sql);
    if let Some(a) = arg {
        q = q.bind(a);
    }
    q.fetch_all(&state.db.pool)
        .await?
        .into_iter()
        .map(|r| {
            Ok(SetRow {
                id: r.try_get(0)?,
                model: r.try_get(1)?,
                version: r.try_get(2)?,
                owner_code: r.try_get(3)?,
                title_vi: r.try_get(4)?,
                status: r.try_get(5)?,
                based_on_id: r.try_get(6)?,
            })
        })
        .collect()
}

async fn row(state: &AppState, id: i64) -> Result<SetRow, AppError> {
    rows(state, "WHERE id = $1", Some(id))
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)
}

/// The province whose variants the viewer manages (a position with `criteria.manage` at a province).
fn managed_province(v: &Viewer) -> Option<(String, i64)> {
    v.positions
        .iter()
        .find(|p| {
            p.unit_level == Level::Province
                && p.permissions.iter().any(|x| x == perm::CRITERIA_MANAGE)
        })
        .map(|p| (p.unit_code.clone(), p.position_id))
}

/// A variant is visible to officers of its province and to the central office; national sets to
/// every officer.
fn may_read(v: &Viewer, s: &SetRow) -> bool {
    v.is_officer() && (s.owner_code == "VN" || v.can_read(&format!("/VN/{}/", s.owner_code)))
}

#[derive(Template)]
#[template(path = "criteria_list.html")]
pub struct ListPage {
    pub c: Chrome,
    pub sets: Vec<SetRow>,
}

pub async fn list_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
) -> PageResult<Html<String>> {
    if !v.is_officer() {
        return Err(AppError::NotFound.into());
    }
    let sets = rows(&state, "", None)
        .await?
        .into_iter()
        .filter(|s| may_read(&v, s))
        .collect();
    render(&ListPage { c, sets })
}

#[derive(Template)]
#[template(path = "criteria_show.html")]
pub struct ShowPage {
    pub c: Chrome,
    pub s: SetRow,
    pub set: Arc<CriteriaSet>,
    pub source: String,
    pub can_copy: bool,
    pub can_edit: bool,
}

async fn readable(state: &AppState, v: &Viewer, id: &str) -> Result<SetRow, AppError> {
    let s = row(state, parse_id(id)?).await?;
    if may_read(v, &s) {
        Ok(s)
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn show_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Html<String>> {
    let s = readable(&state, &v, &id).await?;
    let set = sets::by_id(&state, s.id).await?;
    let source: String = sqlx::query_scalar("SELECT source FROM criteria_sets WHERE id = $1")
        .bind(s.id)
        .fetch_one(&state.db.pool)
        .await?;
    let province = managed_province(&v);
    let can_copy = s.owner_code == "VN" && s.status == "active" && province.is_some();
    let can_edit =
        s.status == "draft" && province.as_ref().is_some_and(|(p, _)| *p == s.owner_code);
    render(&ShowPage {
        c,
        s,
        set,
        source,
        can_copy,
        can_edit,
    })
}

pub async fn blank_form(
    State(state): State<AppState>,
    v: Viewer,
    Path((id, group)): Path<(String, String)>,
) -> PageResult<Response> {
    let s = row(&state, parse_id(&id)?).await?;
    // Sets in force print for anyone signed in; drafts only for their province's officers.
    if s.status != "active" && !may_read(&v, &s) {
        return Err(AppError::NotFound.into());
    }
    let set = sets::by_id(&state, s.id).await?;
    let group = group.trim_end_matches(".pdf").to_owned();
    let (name, fg) = if set.form_groups().is_empty() {
        (set.title().vi.clone(), None)
    } else {
        let g = set
            .form_groups()
            .iter()
            .find(|g| g.code == group)
            .ok_or(AppError::NotFound)?;
        (g.name.vi.clone(), Some(g.code.clone()))
    };
    let form = khuyenhoc_docs::BlankForm {
        title: format!(
            "Phiếu tự đánh giá «{}» năm {}",
            set.title().vi,
            set.version()
        ),
        group_name: name,
        indicators: set
            .indicators()
            .filter(|(_, i)| i.applies_to(fg.as_deref()))
            .enumerate()
            .map(|(n, (_, i))| khuyenhoc_docs::FormIndicator {
                code: (n + 1).to_string(),
                text: i.text.vi.clone(),
                max_points: i.max,
            })
            .collect(),
    };
    let pdf = tokio::task::spawn_blocking(move || khuyenhoc_docs::blank_form_pdf(&form))
        .await
        .map_err(|e| anyhow::anyhow!(e))?
        .map_err(|e| anyhow::anyhow!("blank form: {e:?}"))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"phieu-{group}.pdf\""),
            ),
        ],
        pdf,
    )
        .into_response())
}

/// Copies an active national set as a draft variant of the viewer's province.
pub async fn variant(state: &AppState, v: &Viewer, national_id: i64) -> Result<i64, AppError> {
    let s = row(state, national_id).await?;
    let (province, position) = managed_province(v).ok_or(AppError::NotFound)?;
    if s.owner_code != "VN" || s.status != "active" {
        return Err(AppError::bad_request(
            "Chỉ sao được từ bộ tiêu chí toàn quốc đang áp dụng",
            "Only an active national set can be copied",
        ));
    }
    let set = sets::by_id(state, s.id).await?;
    let code = UnitCode::parse(&province).map_err(|e| AppError::field("province", e))?;
    let copy = set
        .variant_for(&code)
        .map_err(|e| AppError::field("province", e))?;
    let mut tx = state.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO criteria_sets (code, model, version, owner_code, based_on_id, title_vi, source, status, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', $8, $9) RETURNING id",
    )
    .bind(copy.code())
    .bind(copy.model().code())
    .bind(i64::from(copy.version()))
    .bind(&province)
    .bind(s.id)
    .bind(&copy.title().vi)
    .bind(copy.to_toml())
    .bind(now())
    .bind(v.person_id)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| {
        if crate::db::is_unique_violation(&e, "criteria_sets_version") {
            AppError::bad_request("Tỉnh đã có bộ tiêu chí cho mô hình và năm này; hãy sửa bộ đó", "The province already has a set for this model and year; edit that one")
        } else {
            e.into()
        }
    })?;
    let unit_id: Option<i64> = sqlx::query_scalar("SELECT id FROM units WHERE code = $1")
        .bind(&province)
        .fetch_optional(&mut *tx)
        .await?;
    let change = Change {
        unit_id,
        entity: "criteria_set",
        entity_id: id.to_string(),
        action: "copy",
        before: None,
        after: Some(serde_json::json!({"from": s.id, "province": province})),
    };
    audit::record(&mut tx, Actor::new(v.person_id, Some(position)), change).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn make_variant(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Redirect> {
    let new_id = variant(&state, &v, parse_id(&id)?).await?;
    Ok(Redirect::to(&format!("/criteria/{new_id}/edit")))
}

#[derive(Template)]
#[template(path = "criteria_edit.html")]
pub struct EditPage {
    pub c: Chrome,
    pub s: SetRow,
    pub source: String,
    pub errors: Vec<LoadError>,
    pub other: Vec<Invalid>,
    pub preview: Option<CriteriaSet>,
    pub saved: bool,
}

async fn editable(state: &AppState, v: &Viewer, id: &str) -> Result<(SetRow, i64), AppError> {
    let s = readable(state, v, id).await?;
    let (province, position) = managed_province(v).ok_or(AppError::NotFound)?;
    if s.owner_code != province {
        return Err(AppError::NotFound);
    }
    if s.status != "draft" {
        return Err(AppError::bad_request(
            "Bộ tiêu chí đang áp dụng không sửa được; hãy sao thành bộ mới",
            "An active set cannot be changed; copy it into a new one",
        ));
    }
    Ok((s, position))
}

pub async fn edit_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Html<String>> {
    let (s, _) = editable(&state, &v, &id).await?;
    let source: String = sqlx::query_scalar("SELECT source FROM criteria_sets WHERE id = $1")
        .bind(s.id)
        .fetch_one(&state.db.pool)
        .await?;
    let preview = CriteriaSet::parse(&source).ok();
    render(&EditPage {
        c,
        s,
        source,
        errors: vec![],
        other: vec![],
        preview,
        saved: false,
    })
}

/// Checks a variant's text against its national set: every problem, with places.
pub async fn check_source(
    state: &AppState,
    s: &SetRow,
    source: &str,
) -> Result<CriteriaSet, (Vec<LoadError>, Vec<Invalid>)> {
    let parsed = CriteriaSet::parse(source).map_err(|e| (e, vec![]))?;
    let mut other = vec![];
    if let Some(base) = s.based_on_id {
        match sets::by_id(state, base).await {
            Ok(national) => {
                if let Err(e) = parsed.check_variant_of(&national) {
                    other.extend(e);
                }
            }
            Err(_) => other.push(Invalid::new(
                "Không tìm thấy bộ toàn quốc gốc",
                "The national set it copies is missing",
            )),
        }
    }
    if parsed.owner().as_str() != s.owner_code {
        other.push(Invalid::new(
            "owner phải là mã tỉnh của bộ này",
            "owner must be this set's province code",
        ));
    }
    if other.is_empty() {
        Ok(parsed)
    } else {
        Err((vec![], other))
    }
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    pub source: String,
}

pub async fn save_edit(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(f): PageForm<EditForm>,
) -> PageResult<Response> {
    let (s, position) = editable(&state, &v, &id).await?;
    if f.source.len() > 200_000 {
        return Err(AppError::PayloadTooLarge.into());
    }
    match check_source(&state, &s, &f.source).await {
        Ok(parsed) => {
            let mut tx = state.db.begin().await?;
            let res = sqlx::query("UPDATE criteria_sets SET source = $1, version = $2, title_vi = $3 WHERE id = $4 AND status = 'draft'")
                .bind(&f.source)
                .bind(i64::from(parsed.version()))
                .bind(&parsed.title().vi)
                .bind(s.id)
                .execute(&mut *tx)
                .await;
            if let Err(e) = res {
                if crate::db::is_unique_violation(&e, "criteria_sets_version") {
                    let other = vec![Invalid::new(
                        "Tỉnh đã có bộ tiêu chí khác cho năm này",
                        "The province has another set for this year",
                    )];
                    let page = render(&EditPage {
                        c,
                        s,
                        source: f.source,
                        errors: vec![],
                        other,
                        preview: Some(parsed),
                        saved: false,
                    })?;
                    return Ok((StatusCode::CONFLICT, page).into_response());
                }
                return Err(AppError::from(e).into());
            }
            let unit_id: Option<i64> = sqlx::query_scalar("SELECT id FROM units WHERE code = $1")
                .bind(&s.owner_code)
                .fetch_optional(&mut *tx)
                .await?;
            let change = Change {
                unit_id,
                entity: "criteria_set",
                entity_id: s.id.to_string(),
                action: "edit",
                before: None,
                after: Some(serde_json::json!({"version": parsed.version()})),
            };
            audit::record(&mut tx, Actor::new(v.person_id, Some(position)), change).await?;
            tx.commit().await?;
            state.sets.forget(s.id);
            let s = row(&state, s.id).await?;
            Ok(render(&EditPage {
                c,
                s,
                source: f.source,
                errors: vec![],
                other: vec![],
                preview: Some(parsed),
                saved: true,
            })?
            .into_response())
        }
        Err((errors, other)) => {
            let page = render(&EditPage {
                c,
                s,
                source: f.source,
                errors,
                other,
                preview: None,
                saved: false,
            })?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// Makes a draft variant the set in force from its version year.
pub async fn activate_set(state: &AppState, v: &Viewer, id: i64) -> Result<(), AppError> {
    let (s, position) = editable(state, v, &id.to_string()).await?;
    let source: String = sqlx::query_scalar("SELECT source FROM criteria_sets WHERE id = $1")
        .bind(s.id)
        .fetch_one(&state.db.pool)
        .await?;
    if let Err((errors, other)) = check_source(state, &s, &source).await {
        let vi = errors
            .iter()
            .map(|e| e.vi.clone())
            .chain(other.iter().map(|e| e.vi.to_owned()))
            .collect::<Vec<_>>()
            .join("; ");
        let en = errors
            .iter()
            .map(|e| e.en.clone())
            .chain(other.iter().map(|e| e.en.to_owned()))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(AppError::Unprocessable { vi, en });
    }
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE criteria_sets SET status = 'active' WHERE id = $1 AND status = 'draft'")
        .bind(s.id)
        .execute(&mut *tx)
        .await?;
    let unit_id: Option<i64> = sqlx::query_scalar("SELECT id FROM units WHERE code = $1")
        .bind(&s.owner_code)
        .fetch_optional(&mut *tx)
        .await?;
    let change = Change {
        unit_id,
        entity: "criteria_set",
        entity_id: s.id.to_string(),
        action: "activate",
        before: Some(serde_json::json!({"status": "draft"})),
        after: Some(serde_json::json!({"status": "active", "version": s.version})),
    };
    audit::record(&mut tx, Actor::new(v.person_id, Some(position)), change).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn activate(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Redirect> {
    let id = parse_id(&id)?;
    activate_set(&state, &v, id).await?;
    Ok(Redirect::to(&format!("/criteria/{id}")))
}
