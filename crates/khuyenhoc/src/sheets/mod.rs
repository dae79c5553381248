//! The import pipeline every Excel import shares: upload → preview of every row (nothing
//! stored) → confirm → every row written in ONE transaction, or none.
//!
//! 1. Upload (`upload::read`): the multipart form within the import's size limit (413 above it),
//!    the file and any text fields beside it.
//! 2. Preview (`flow::preview`): a workbook imported already (named by its SHA-256 in the audit
//!    log) is refused; the bytes are read on a blocking thread (`khuyenhoc_sheets::read`: size,
//!    zip bomb, row and column limits, then the import's header), every row is checked against
//!    the database and shown. Only a workbook with something to store is kept, in the file store
//!    under the import's prefix, so that the confirm form carries just its key, its SHA-256 and a
//!    digest of exactly what the preview promised (`Confirm`).
//! 3. Commit (`flow::commit`): the stored bytes are read and checked again, under an in-process
//!    claim of their SHA-256 (`claim`), so that a double click cannot write them twice. Under
//!    `Policy::EveryRow` a row with a problem stores nothing (422, the rows shown again); when the
//!    outcome no longer matches the digest, nothing is written and the new preview is shown
//!    (409); else the import writes its accepted rows in one transaction with an audit entry for
//!    the workbook, or nothing and the row that failed (409).
//!
//! A workbook of more than `Spec::stream_above` data rows gets a streamed page for steps 2 and 3
//! (`progress`): its head at once, progress lines as the work goes, then the same result a small
//! workbook gets, 200 whatever the outcome; the work runs on a task of its own and ends the same
//! way whether or not the browser still reads the page.
//!
//! The pages (`pages`, templates `import_*.html`) are one set for every import; what differs is
//! data the import gives ([`Pages`], [`ShownRow`], [`Done`]).
//!
//! # Adding an import
//!
//! An import is a struct made per request (the unit, the viewer, whatever else its checks need)
//! that implements [`Import`]; its capability keeps only what is its own:
//! - in `khuyenhoc-sheets`: its `Limits` (sheet name, bytes, rows, columns), its columns, header
//!   matching and any row parsing that needs no database, with a `check_workbook` for the fuzz
//!   target `xlsx_import`;
//! - `Import::columns` (the header row matched), `check` (each row against the database:
//!   `Checked` rows, refused with their problems or with the plan of what they write),
//!   `plan_line` (what the digest covers), `write` (the accepted rows, through the capabilities'
//!   bulk services: `accounts::bulk`, `members::bulk`, `evaluation::bulk`, `audit::record_many`,
//!   `reports::counters`, ending with `audit::record` of the workbook: entity `SPEC.entity`, id
//!   its SHA-256, action `import`), `imported_at` (`audit::first_time` of that entry), and the
//!   pages' specifics (`pages`, `summary`, `done`);
//! - its routes: the template download, then handlers that build the import and call
//!   `flow::preview` and `flow::commit` (the upload route with `upload::body_limit`).
//!
//! This module imports no capability folder; the capabilities import it.

pub mod api;
pub mod claim;
pub mod flow;
pub mod pages;
pub mod progress;
pub mod upload;

pub use khuyenhoc_sheets::Problem;
pub use pages::{Done, Pages, ShownRow};
pub use progress::Progress;

use crate::db::Db;
use crate::error::AppError;
use crate::state::AppState;
use khuyenhoc_sheets::{Kind, Limits, RawRow, Sheet, SheetError};
use std::future::Future;

impl From<SheetError> for AppError {
    fn from(e: SheetError) -> Self {
        match e.kind {
            Kind::Unreadable => AppError::BadRequest { vi: e.vi, en: e.en },
            Kind::TooLarge => AppError::PayloadTooLarge,
            Kind::Refused => AppError::Unprocessable { vi: e.vi, en: e.en },
        }
    }
}

/// Which rows a confirmation writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// The valid rows; rows with problems are skipped (paper forms: one bad form does not hold
    /// back the others).
    ValidRows,
    /// Every row, so only a workbook without a problem can be confirmed (a register).
    EveryRow,
}

/// What is fixed for an import.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// What is read of a workbook (`Limits::max_bytes` is also the upload's limit).
    pub limits: Limits,
    /// Where previewed workbooks wait for their confirmation in the file store.
    pub key_prefix: &'static str,
    /// The audit entity of an imported workbook (its id: the workbook's SHA-256).
    pub entity: &'static str,
    pub policy: Policy,
    /// Workbooks of more data rows than this get a streamed page; `None`: never.
    pub stream_above: Option<usize>,
}

/// A workbook read within the import's limits, and its columns found.
#[derive(Debug)]
pub struct Read<C> {
    pub sheet: Sheet,
    pub cols: C,
}

/// One row as checked: where it is, what the preview shows of it, and either its problems or
/// the plan of what it writes.
#[derive(Debug, Clone)]
pub struct Checked<P> {
    /// Excel's row number.
    pub number: u32,
    pub name: String,
    /// Shown small beside the name (a phone), or empty.
    pub note: String,
    /// The preview's third column (a phone, a branch).
    pub column: String,
    pub outcome: Result<P, Vec<Problem>>,
}

/// What a commit wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Saved {
    pub rows: usize,
    pub new_people: usize,
}

/// A row that could not be written: nothing was (Vietnamese, English reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowRefusal {
    pub row: u32,
    pub vi: String,
    pub en: String,
}

/// What a commit knows of the workbook it writes.
#[derive(Debug, Clone, Copy)]
pub struct Commit<'a> {
    pub sha256: &'a str,
    pub key: &'a str,
    pub file_name: &'a str,
    /// Data rows read (accepted or not).
    pub rows_read: usize,
}

/// An import, made per request. See the module's documentation for how one plugs in.
pub trait Import: Send + Sync + Sized + 'static {
    /// Where the import's columns are in a workbook (from its header row).
    type Columns: Send + Sync + 'static;
    /// What an accepted row writes.
    type Plan: Send + Sync + 'static;

    const SPEC: Spec;

    /// Whether a CSV file is taken besides a workbook (read by `khuyenhoc_sheets::read_table`).
    const CSV: bool = false;

    /// Whether rows may create people (the preview counts the new ones).
    const CREATES_PEOPLE: bool = true;

    /// The pages' specifics: unit, links, titles, instructions.
    fn pages(&self) -> &Pages;

    /// Matches the header row (the first non-blank one) to the import's columns: a refusal
    /// names what does not match. Pure: the pipeline runs it on a blocking thread, after
    /// `khuyenhoc_sheets::read` within `SPEC.limits`.
    fn columns(&self, header: &RawRow) -> Result<Self::Columns, AppError>;

    /// Checks every row against the database; writes nothing.
    fn check(
        &self,
        state: &AppState,
        read: &Read<Self::Columns>,
        progress: &Progress,
    ) -> impl Future<Output = Result<Vec<Checked<Self::Plan>>, AppError>> + Send;

    /// What the digest covers besides the rows (the set, the year), if anything.
    fn plan_head(&self) -> String {
        String::new()
    }

    /// What an accepted row writes, written into `line` (empty; one buffer serves every row
    /// of a workbook).
    fn plan_line(&self, plan: &Self::Plan, line: &mut String);

    /// Whether the row creates a person.
    fn new_person(plan: &Self::Plan) -> bool;

    /// What the preview says of an accepted row (Vietnamese, English).
    fn summary(&self, plan: &Self::Plan) -> (String, String);

    /// Writes the accepted rows in one transaction with the workbook's audit entry, or nothing.
    fn write(
        &self,
        state: &AppState,
        rows: &[Checked<Self::Plan>],
        commit: Commit<'_>,
        progress: &Progress,
    ) -> impl Future<Output = Result<Result<Saved, RowRefusal>, AppError>> + Send;

    /// When the workbook of this SHA-256 was imported, as people read a time.
    fn imported_at(
        db: &Db,
        sha256: &str,
    ) -> impl Future<Output = Result<Option<String>, AppError>> + Send;

    /// What the page after a commit says.
    fn done(&self, saved: Saved, rows_read: usize) -> Done;
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn refusals_of_a_file_keep_their_status() {
        let status = |kind| AppError::from(SheetError::new(kind, "vi", "en")).status();
        assert_eq!(status(Kind::Unreadable), StatusCode::BAD_REQUEST);
        assert_eq!(status(Kind::TooLarge), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(status(Kind::Refused), StatusCode::UNPROCESSABLE_ENTITY);
        let e = AppError::from(SheetError::refused("Tệp chưa có dòng", "No rows"));
        assert_eq!(e.messages(), ("Tệp chưa có dòng".into(), "No rows".into()));
    }

    #[test]
    fn what_a_policy_lets_through() {
        use pages::storable;
        assert!(storable(Policy::ValidRows, 3, 7));
        assert!(!storable(Policy::ValidRows, 0, 7));
        assert!(storable(Policy::EveryRow, 3, 0));
        assert!(!storable(Policy::EveryRow, 3, 1));
        assert!(!storable(Policy::EveryRow, 0, 0));
    }
}
