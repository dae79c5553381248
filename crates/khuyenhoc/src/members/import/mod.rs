//! Import of a member list from Excel, through the import pipeline (`crate::sheets`), with its
//! policy: nothing is stored until the officer has seen every row's outcome and confirmed; then
//! every row is stored in ONE transaction, or none (a register takes no partial list).
//!
//! 1. `GET …/members/template.xlsx` (`template`): the columns and a sheet of instructions with
//!    the unit's branch codes.
//! 2. `POST …/members/import` (multipart): the workbook is read (`khuyenhoc_sheets::members`:
//!    the columns found by their headers) and every row checked (`check`: person, branch, card
//!    number, join date, sectors, and whether the person is a member already); the page lists
//!    each row with its errors. Nothing is written to the database.
//! 3. `POST …/members/import/commit`: the same bytes are checked again; if any row has an error,
//!    or the outcome differs from the preview, nothing is stored; else every row is stored in
//!    one transaction (`write`: new people, members, counters, audit entries, and one audit
//!    entry for the workbook, named by its SHA-256 so the same workbook is never imported twice).
//!
//! People are matched by phone number (a person of the viewer's scope whose name matches); a
//! row without a phone, or with a phone nobody has, creates a new person in the row's branch.
//!
//! Limits (`khuyenhoc_sheets::members::LIMITS`): an upload of at most `MAX_UPLOAD_BYTES`
//! (20 MB), 256 MB once unzipped, at most `MAX_ROWS` (100,000) data rows. A list that long is
//! checked with a few statements for the whole file and stored with multi-row INSERTs:
//! `benches/import.rs` measures it.

mod check;
mod pages;
mod template;
mod write;

pub use template::{template, template_workbook};

use crate::audit;
use crate::auth::{perm, Viewer};
use crate::db::Db;
use crate::error::{AppError, PageResult};
use crate::org::model::Unit;
use crate::sheets::pages::{upload as upload_view, Pages};
use crate::sheets::upload::{self, Confirm};
use crate::sheets::{
    flow, Checked, Commit, Done, Import, Policy, Progress, Read, RowRefusal, Saved, Spec,
};
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::layout::Chrome;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::response::{Html, Response};
use khuyenhoc_sheets::members::{self as sheet, LIMITS};
use khuyenhoc_sheets::RawRow;

/// Largest upload accepted (a workbook of `MAX_ROWS` filled rows is about 4 MB).
pub const MAX_UPLOAD_BYTES: usize = LIMITS.max_bytes;
/// Most data rows in one workbook.
pub const MAX_ROWS: usize = LIMITS.max_rows;
/// The sheet the template puts the rows on (the first sheet is read when it is missing).
pub const DATA_SHEET: &str = sheet::DATA_SHEET;
const HELP_SHEET: &str = sheet::HELP_SHEET;
/// The audit entity of an imported workbook; its id is the workbook's SHA-256.
const ENTITY: &str = "member_import";

/// The unit, if the viewer may manage members there (404 otherwise, like a missing unit).
async fn import_unit(db: &Db, v: &Viewer, code: &str) -> Result<Unit, AppError> {
    Ok(
        crate::org::service::with_right(db, v, code, perm::MEMBER_MANAGE)
            .await?
            .0,
    )
}

/// A member list for a unit (a commune, whose rows name their branch, or a branch), imported
/// by one officer.
pub struct MemberImport {
    viewer: Viewer,
    unit: Unit,
    pages: Pages,
}

impl MemberImport {
    fn new(viewer: Viewer, unit: Unit) -> Self {
        let pages = pages::pages(&unit);
        MemberImport {
            viewer,
            unit,
            pages,
        }
    }
}

impl Import for MemberImport {
    type Columns = sheet::Columns;
    type Plan = check::Plan;

    const SPEC: Spec = Spec {
        limits: LIMITS,
        key_prefix: "member-imports",
        entity: ENTITY,
        policy: Policy::EveryRow,
        stream_above: None,
    };

    fn pages(&self) -> &Pages {
        &self.pages
    }

    fn columns(&self, header: &RawRow) -> Result<sheet::Columns, AppError> {
        Ok(sheet::map_header(header, self.unit.is_branch())?)
    }

    async fn check(
        &self,
        state: &AppState,
        read: &Read<sheet::Columns>,
        _progress: &Progress,
    ) -> Result<Vec<Checked<check::Plan>>, AppError> {
        check::rows(self, &state.db, read).await
    }

    fn plan_line(&self, plan: &check::Plan, line: &mut String) {
        plan.line(line);
    }

    fn new_person(plan: &check::Plan) -> bool {
        matches!(plan.who, check::Who::New(_))
    }

    fn summary(&self, plan: &check::Plan) -> (String, String) {
        pages::summary(plan)
    }

    async fn write(
        &self,
        state: &AppState,
        rows: &[Checked<check::Plan>],
        commit: Commit<'_>,
        _progress: &Progress,
    ) -> Result<Result<Saved, RowRefusal>, AppError> {
        write::list(self, state, rows, commit).await
    }

    async fn imported_at(db: &Db, sha256: &str) -> Result<Option<String>, AppError> {
        Ok(audit::first_time(db, ENTITY, sha256, "import").await?)
    }

    fn done(&self, saved: Saved, _rows_read: usize) -> Done {
        pages::done(&self.unit, saved)
    }
}

pub async fn upload_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult<Html<String>> {
    let unit = import_unit(&state.db, &v, &code).await?;
    upload_view::<MemberImport>(c, &pages::pages(&unit), None)
}

pub async fn preview(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> PageResult<Response> {
    let unit = import_unit(&state.db, &v, &code).await?;
    let imp = MemberImport::new(v, unit);
    match upload::read(form, &[]).await {
        Ok(up) => flow::preview(state, c, imp, up).await,
        Err(e) => crate::sheets::pages::refuse::<MemberImport>(c, imp.pages(), e),
    }
}

pub async fn commit(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<Confirm>,
) -> PageResult<Response> {
    let unit = import_unit(&state.db, &v, &code).await?;
    flow::commit(state, c, MemberImport::new(v, unit), f).await
}
