//! Paper path: an Excel template to download, and a filled workbook imported as a batch of
//! Learning Citizen evaluations, through the import pipeline (`crate::sheets`).
//!
//! 1. `GET …/batch/template.xlsx` (`template`): a workbook made for the unit's province and
//!    year (one column per indicator of the citizen criteria set in force, validation on every
//!    score cell, an instructions sheet with the form-group codes and the maxima).
//! 2. `POST …/batch` (multipart): the workbook is read (`khuyenhoc_sheets::citizen`: the header
//!    matched to the set, every row parsed and scored with the criteria engine), then every row
//!    is checked against the database (`check`: the person by phone, their evaluations this
//!    year, the officer's rights); the page lists every row's outcome. Nothing is written.
//! 3. `POST …/batch/commit`: the same bytes are checked again; when the outcome still matches
//!    the preview's digest, every accepted row is written in ONE transaction (`write`: new
//!    people, evaluations registered on behalf, answered and submitted, their events, audit
//!    entries and counters, and one audit entry for the batch). Rows with problems are
//!    skipped; any failure rolls everything back.
//!
//! A workbook of more than `STREAM_ABOVE` data rows gets streamed pages with progress lines
//! (`sheets::progress`). Limits (`khuyenhoc_sheets::citizen::LIMITS`): uploads of at most
//! `MAX_UPLOAD_BYTES`, 64 MB once unzipped, at most `MAX_ROWS` data rows, 200 columns.

pub mod api;
mod check;
mod pages;
mod template;
mod write;

pub use template::{template, template_workbook};

use super::service::province_of;
use super::sets;
use crate::audit;
use crate::auth::{perm, Viewer};
use crate::db::Db;
use crate::error::{AppError, PageResult};
use crate::org::model::Unit;
use crate::sheets::pages::{refuse as refuse_page, upload as upload_view, Pages};
use crate::sheets::upload::{self, Confirm};
use crate::sheets::{
    flow, Checked, Commit, Done, Import, Policy, Progress, Read, RowRefusal, Saved, Spec,
};
use crate::state::AppState;
use crate::web::extract::{PageForm, PageQuery};
use crate::web::layout::Chrome;
use crate::web::route::{r, Access, Route};
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::Method;
use axum::response::{Html, Response};
use khuyenhoc_criteria::CriteriaSet;
use khuyenhoc_sheets::citizen::{self, LIMITS};
use khuyenhoc_sheets::RawRow;
use serde::Deserialize;
use std::sync::Arc;

/// Largest upload accepted.
pub const MAX_UPLOAD_BYTES: usize = LIMITS.max_bytes;
/// Most data rows in one workbook.
pub const MAX_ROWS: usize = LIMITS.max_rows;
/// The sheet the template puts the rows on (the first sheet is read when it is missing).
pub const DATA_SHEET: &str = citizen::DATA_SHEET;
pub const HELP_SHEET: &str = citizen::HELP_SHEET;
/// Workbooks with more data rows than this get a streamed page with progress lines (and a 200
/// whatever the outcome, as the status is sent before the work); smaller ones get the page at
/// once with its own status.
pub const STREAM_ABOVE: usize = 500;
/// The audit entity of a committed batch; its id is the SHA-256 of the workbook.
const BATCH_ENTITY: &str = "evaluation_batch";

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        r(M::GET, "/units/{code}/batch/template.xlsx", Officer, "Excel template for Learning Citizen forms collected on paper", template),
        r(M::GET, "/units/{code}/batch", Officer, "Upload a filled Excel workbook of Learning Citizen forms", upload_page),
        upload::body_limit(r(M::POST, "/units/{code}/batch", Officer, "Preview an uploaded workbook: every row's outcome, nothing saved", preview), MAX_UPLOAD_BYTES),
        r(M::POST, "/units/{code}/batch/commit", Officer, "Save the accepted rows of a previewed workbook, all or nothing", commit),
    ]
    .into_iter()
    .chain(api::routes())
    .collect()
}

fn this_year() -> i64 {
    crate::db::this_year()
}

/// The unit, if the viewer may enter evaluations there (404 otherwise, like a missing unit).
async fn entry_unit(state: &AppState, v: &Viewer, code: &str) -> Result<Unit, AppError> {
    let (unit, _) =
        crate::org::service::with_right(&state.db, v, code, perm::EVALUATION_ENTER).await?;
    Ok(unit)
}

fn check_year(year: i64) -> Result<i64, AppError> {
    if (2020..=this_year() + 1).contains(&year) {
        Ok(year)
    } else {
        Err(AppError::Unprocessable {
            vi: format!(
                "Năm đánh giá {year} không hợp lệ (từ 2020 đến {})",
                this_year() + 1
            ),
            en: format!("Invalid year {year} (2020 to {})", this_year() + 1),
        })
    }
}

fn parse_year(s: Option<&str>) -> Result<i64, AppError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(this_year()),
        Some(s) => check_year(s.parse::<i64>().map_err(|_| AppError::Unprocessable {
            vi: format!("Năm đánh giá «{s}» không hợp lệ"),
            en: format!("Invalid year “{s}”"),
        })?),
    }
}

/// The citizen criteria set in force for the unit's province in `year`.
async fn citizen_set(
    state: &AppState,
    unit: &Unit,
    year: i64,
) -> Result<(i64, Arc<CriteriaSet>), AppError> {
    sets::effective(state, "citizen", province_of(&unit.path), year).await
}

/// A batch for one unit and year, entered by one officer under the set in force.
pub struct CitizenBatch {
    viewer: Viewer,
    unit: Unit,
    year: i64,
    set_id: i64,
    set: Arc<CriteriaSet>,
    /// Bounds the birth years.
    this_year: i64,
    pages: Pages,
}

impl CitizenBatch {
    async fn new(
        state: &AppState,
        viewer: Viewer,
        unit: Unit,
        year: i64,
        pages: Pages,
    ) -> Result<Self, AppError> {
        let (set_id, set) = citizen_set(state, &unit, year).await?;
        Ok(CitizenBatch {
            viewer,
            unit,
            year,
            set_id,
            set,
            this_year: this_year(),
            pages,
        })
    }
}

impl Import for CitizenBatch {
    type Columns = citizen::Columns;
    type Plan = check::Accepted;

    const SPEC: Spec = Spec {
        limits: LIMITS,
        key_prefix: "batches",
        entity: BATCH_ENTITY,
        policy: Policy::ValidRows,
        stream_above: Some(STREAM_ABOVE),
    };

    fn pages(&self) -> &Pages {
        &self.pages
    }

    fn columns(&self, header: &RawRow) -> Result<citizen::Columns, AppError> {
        Ok(citizen::map_header(header, &self.set, self.year)?)
    }

    async fn check(
        &self,
        state: &AppState,
        read: &Read<citizen::Columns>,
        progress: &Progress,
    ) -> Result<Vec<Checked<check::Accepted>>, AppError> {
        check::rows(self, state, read, progress).await
    }

    fn plan_head(&self) -> String {
        format!("{}|{}\n", self.set_id, self.year)
    }

    fn plan_line(&self, plan: &check::Accepted, line: &mut String) {
        plan.line(line);
    }

    fn new_person(plan: &check::Accepted) -> bool {
        plan.is_new()
    }

    fn summary(&self, plan: &check::Accepted) -> (String, String) {
        pages::summary(plan)
    }

    async fn write(
        &self,
        state: &AppState,
        rows: &[Checked<check::Accepted>],
        commit: Commit<'_>,
        progress: &Progress,
    ) -> Result<Result<Saved, RowRefusal>, AppError> {
        write::batch(self, state, rows, commit, progress).await
    }

    async fn imported_at(db: &Db, sha256: &str) -> Result<Option<String>, AppError> {
        Ok(audit::first_time(db, BATCH_ENTITY, sha256, "import").await?)
    }

    fn done(&self, saved: Saved, rows_read: usize) -> Done {
        pages::done(&self.unit, self.year, saved, rows_read)
    }
}

/// A refusal before the batch is made (the upload, the year, the set): the upload page again.
fn refuse(c: Chrome, unit: &Unit, year: i64, e: AppError) -> PageResult<Response> {
    refuse_page::<CitizenBatch>(c, &pages::pages(unit, year), e)
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    #[serde(default)]
    pub year: Option<i64>,
}

pub async fn upload_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<YearQuery>,
) -> PageResult<Html<String>> {
    let unit = entry_unit(&state, &v, &code).await?;
    let year = q.year.unwrap_or_else(this_year);
    upload_view::<CitizenBatch>(c, &pages::pages(&unit, year), None)
}

pub async fn preview(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> PageResult<Response> {
    let unit = entry_unit(&state, &v, &code).await?;
    let up = match upload::read(form, &["year"]).await {
        Ok(up) => up,
        Err(e) => return refuse(c, &unit, this_year(), e),
    };
    let year = match parse_year(up.field("year")) {
        Ok(y) => y,
        Err(e) => return refuse(c, &unit, this_year(), e),
    };
    let pages = pages::pages(&unit, year);
    match CitizenBatch::new(&state, v, unit, year, pages.clone()).await {
        Ok(batch) => flow::preview(state, c, batch, up).await,
        Err(e) => refuse_page::<CitizenBatch>(c, &pages, e),
    }
}

pub async fn commit(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<Confirm>,
) -> PageResult<Response> {
    let unit = entry_unit(&state, &v, &code).await?;
    let year = match parse_year(Some(&f.year)) {
        Ok(y) => y,
        Err(e) => return refuse(c, &unit, this_year(), e),
    };
    let pages = pages::pages(&unit, year);
    match CitizenBatch::new(&state, v, unit, year, pages.clone()).await {
        Ok(batch) => flow::commit(state, c, batch, f).await,
        Err(e) => refuse_page::<CitizenBatch>(c, &pages, e),
    }
}
