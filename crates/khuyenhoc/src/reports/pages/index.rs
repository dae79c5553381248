//! A unit's reports by period, with the clusters a province (or the centre) may open.

use super::show::Show;
use crate::auth::Viewer;
use crate::db::{today, Db};
use crate::error::{AppError, PageResult};
use crate::reports::figures::UnitRef;
use crate::reports::service;
use crate::state::AppState;
use crate::web::layout::{render, Chrome};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use khuyenhoc_domain::Level;
use khuyenhoc_reports::Period;
use std::collections::BTreeMap;

impl Show for IndexPage {}

#[derive(Template)]
#[template(path = "reports.html")]
pub struct IndexPage {
    pub c: Chrome,
    pub unit: UnitRef,
    pub current: String,
    pub periods: Vec<(String, String, &'static str)>,
    pub can_edit_template: bool,
    pub clusters: Vec<(String, String)>,
}

pub async fn index(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult<Html<String>> {
    let db = &state.db;
    let unit = service::unit_visible(db, &v, &code).await?;
    let current = Period::current(&today());
    let stored: BTreeMap<String, String> = service::list(db, &unit).await?.into_iter().collect();
    let periods = current
        .trail(4)
        .into_iter()
        .rev()
        .map(|p| {
            let st = stored
                .get(&p.to_string())
                .map_or("not_started", |s| service::Status::parse(s).code());
            (p.to_string(), p.label_vi(), st)
        })
        .collect();
    let clusters = if matches!(unit.level, Level::Province | Level::Central) {
        clusters_of(db, &unit).await?
    } else {
        vec![]
    };
    render(&IndexPage {
        can_edit_template: unit.level == Level::Province && service::can_review_children(&v, &unit),
        c,
        unit,
        current: current.to_string(),
        periods,
        clusters,
    })
}

async fn clusters_of(db: &Db, unit: &UnitRef) -> Result<Vec<(String, String)>, AppError> {
    use sqlx::Row;
    let sql = if unit.level == Level::Central {
        "SELECT code, name FROM clusters WHERE $1 > 0 ORDER BY code"
    } else {
        "SELECT c.code, c.name FROM clusters c JOIN cluster_memberships m ON m.cluster_id = c.id WHERE m.unit_id = $1 AND m.valid_to IS NULL ORDER BY c.code"
    };
    Ok(sqlx::query(sql)
        .bind(unit.id)
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?)
}
