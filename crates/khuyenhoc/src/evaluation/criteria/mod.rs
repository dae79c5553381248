//! Criteria sets in the browser: the list, a set's preview (the citizen's real form, through
//! the same template) with its difference from the national set, blank paper forms, and province
//! variants (copy the national set, edit it in a form (`form`) or import its TOML, every error
//! beside its field, make it effective from its year). An active set never changes:
//! evaluations keep the set they were made under.

pub mod diff;
mod edit;
pub mod form;
pub use edit::*;

use super::sets;
use crate::accounts::pages::parse_id;
use crate::audit::{self, Actor, Change};
use crate::auth::{perm, Viewer};
use crate::db::now;
use crate::error::{AppError, PageResult};
use crate::evaluation::pages::{blank_groups, ShownGroup};
use crate::state::AppState;
use crate::web::extract::PageQuery;
use crate::web::layout::{render, Chrome};
use crate::web::route::{r, Access, Route};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, Method};
use axum::response::{Html, IntoResponse, Redirect, Response};
use khuyenhoc_criteria::CriteriaSet;
use khuyenhoc_domain::Level;
use khuyenhoc_domain::UnitCode;
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
    /// The form group previewed (sets with form groups), and the preview: the citizen's form.
    pub fg: Option<String>,
    pub groups: Vec<ShownGroup>,
    /// The preview's inputs look as the citizen sees them (the shared template asks).
    pub editable: bool,
    /// A variant beside its national set.
    pub diff: Vec<diff::DiffLine>,
    /// How many lines of `diff` differ.
    pub diff_changed: usize,
}

#[derive(Deserialize)]
pub struct PreviewQuery {
    pub group: Option<String>,
}

/// The form group to preview: the one asked for if the set has it, else its first.
pub fn preview_group(set: &CriteriaSet, asked: Option<&str>) -> Option<String> {
    let fgs = set.form_groups();
    fgs.iter()
        .find(|g| Some(g.code.as_str()) == asked)
        .or_else(|| fgs.first())
        .map(|g| g.code.clone())
}

/// A variant's lines beside the national set it copies (none for a national set).
pub async fn diff_of(
    state: &AppState,
    s: &SetRow,
    set: &CriteriaSet,
) -> Result<Vec<diff::DiffLine>, AppError> {
    match s.based_on_id {
        Some(base) => Ok(diff::diff(&*sets::by_id(state, base).await?, set)),
        None => Ok(vec![]),
    }
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
    PageQuery(q): PageQuery<PreviewQuery>,
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
    let fg = preview_group(&set, q.group.as_deref());
    let groups = blank_groups(&set, fg.as_deref());
    let diff = diff_of(&state, &s, &set).await?;
    render(&ShowPage {
        c,
        s,
        set,
        source,
        can_copy,
        can_edit,
        fg,
        groups,
        editable: true,
        diff_changed: diff.iter().filter(|l| l.changed).count(),
        diff,
    })
}

pub async fn blank_form(
    State(state): State<AppState>,
    v: Viewer,
    Path((id, group)): Path<(String, String)>,
) -> PageResult<Response> {
    let pdf = blank_pdf(&state, &v, parse_id(&id)?, &group).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{}\"", pdf.name),
            ),
        ],
        pdf.bytes,
    )
        .into_response())
}

/// The blank paper form of a set's form group (`farmer` or `farmer.pdf`; a set without form
/// groups prints its one form whatever the group): the PDF and its file name. Sets in force
/// print for anyone signed in, drafts only for their province's officers. The page and the API
/// (`GET /api/v1/criteria/{id}/forms/{group}`) both answer this.
pub async fn blank_pdf(
    state: &AppState,
    v: &Viewer,
    id: i64,
    group: &str,
) -> Result<crate::web::route::Pdf, AppError> {
    let s = row(state, id).await?;
    if s.status != "active" && !may_read(v, &s) {
        return Err(AppError::NotFound);
    }
    let set = sets::by_id(state, s.id).await?;
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
    let bytes = tokio::task::spawn_blocking(move || khuyenhoc_docs::blank_form_pdf(&form))
        .await
        .map_err(|e| anyhow::anyhow!(e))?
        .map_err(|e| anyhow::anyhow!("blank form: {e:?}"))?;
    // The group code is a form group's code (letters, digits, `_`) or ignored: safe in a name.
    let safe: String = group
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .take(40)
        .collect();
    Ok(crate::web::route::Pdf {
        name: format!("phieu-{safe}.pdf"),
        bytes,
    })
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
    // A variant is made for a coming year: it starts as next year's, or the national set's own
    // year, or the year after the province's latest set of this model, whichever is latest (a
    // set in force never changes, so a new copy never takes its year); the form changes it.
    let next_year = i64::from(chrono::Datelike::year(&state.clock.vn_today())) + 1;
    let latest: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(version) FROM criteria_sets WHERE owner_code = $1 AND model = $2",
    )
    .bind(&province)
    .bind(copy.model().code())
    .fetch_one(&state.db.pool)
    .await?;
    let year = next_year
        .max(i64::from(copy.version()))
        .max(latest.map_or(0, |y| y + 1));
    let copy = CriteriaSet::parse(&form::with_version(&copy.to_toml(), year))
        .map_err(|_| anyhow::anyhow!("a copied set does not read"))?;
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
    let unit_id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM units WHERE code = $1 AND valid_to IS NULL")
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
