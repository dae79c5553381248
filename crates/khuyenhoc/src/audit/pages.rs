//! The audit viewer: the history of one record, or the latest changes in the viewer's subtrees.

use super::{Entry, Filter};
use crate::auth::{perm, Viewer};
use crate::error::{AppError, PageResult};
use crate::state::AppState;
use crate::web::extract::PageQuery;
use crate::web::layout::{render, Chrome};
use crate::web::list::{per_page, Cursor, ListPage, Search};
use crate::web::route::{r, Access, Route, Xlsx};
use askama::Template;
use axum::extract::State;
use axum::response::Html;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    pub entity: String,
    #[serde(default)]
    pub entity_id: String,
    /// Who acted: a name without diacritics or a phone.
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub cursor: String,
    #[serde(default)]
    pub per_page: Option<i64>,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub c: Chrome,
    pub list: ListPage<Entry>,
    pub q: String,
    pub entity: String,
    /// The kind of record whose history this is, in the reader's language.
    pub entity_name: String,
    pub entity_id: String,
}

impl AuditPage {
    /// The query string of the filter (without the cursor).
    pub fn filter_query(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("entity", &self.entity)
            .append_pair("entity_id", &self.entity_id)
            .append_pair("q", &self.q)
            .finish()
    }
}

/// The unit paths under which the viewer may read the audit log.
pub fn audit_roots(v: &Viewer) -> Vec<String> {
    let mut roots: Vec<String> = v
        .positions
        .iter()
        .filter(|p| p.permissions.iter().any(|x| x == perm::AUDIT_READ))
        .map(|p| p.unit_path.clone())
        .collect();
    roots.sort();
    roots.dedup();
    roots
}

pub fn filter_for(v: &Viewer, q: &AuditQuery) -> Result<Filter, AppError> {
    let roots = audit_roots(v);
    if roots.is_empty() {
        return Err(AppError::NotFound);
    }
    let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    Ok(Filter {
        entity: some(&q.entity),
        entity_id: some(&q.entity_id),
        scope_roots: roots,
        search: Search::parse(&q.q),
    })
}

pub async fn page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    PageQuery(q): PageQuery<AuditQuery>,
) -> PageResult<Html<String>> {
    let f = filter_for(&v, &q)?;
    let n = per_page(q.per_page)?;
    let list = f
        .page(&state.db, Cursor::decode(&q.cursor)?.as_ref(), n)
        .await?;
    let entity_name = match super::names::entity(&q.entity) {
        Some((vi, en)) => c.t(vi, en),
        None => c.t("Hồ sơ", "Record"),
    }
    .to_owned();
    render(&AuditPage {
        c,
        list,
        entity_name,
        q: q.q,
        entity: q.entity,
        entity_id: q.entity_id,
    })
}

/// The workbook of the entries `q` lists (for the page and the API).
pub async fn workbook(state: &AppState, v: &Viewer, q: &AuditQuery) -> Result<Xlsx, AppError> {
    let f = filter_for(v, q)?;
    let bytes = crate::web::export::xlsx(&state.db, &f, state.settings.export_max_rows).await?;
    Ok(Xlsx {
        name: "nhat-ky.xlsx".to_owned(),
        bytes,
    })
}

pub async fn export_xlsx(
    State(state): State<AppState>,
    v: Viewer,
    PageQuery(q): PageQuery<AuditQuery>,
) -> PageResult<Xlsx> {
    Ok(workbook(&state, &v, &q).await?)
}

/// The routes this file serves, with their access rules.
#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        r(M::GET, "/audit", Officer, "Audit log viewer", page),
        r(M::GET, "/audit.xlsx", Officer, "The audit entries of the list as filtered, as an Excel file", export_xlsx),
    ]
}
