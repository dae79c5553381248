//! The reading side of khuyenhoc's imports, with no database, HTTP or async: what can be known
//! of an uploaded file before anything is looked up.
//!
//! - [`read`]: a workbook read from bytes safely: a size limit, a guard against zip bombs that
//!   counts what really comes out of each part, calamine's streaming cell reader (never the
//!   whole grid), blank rows skipped, a row limit and a column limit ([`Limits`]); a reader
//!   panic is a refusal, never a crash.
//! - [`Value`], [`RawRow`], [`Sheet`]: typed cells and rows, as the officer typed them.
//! - [`header`]: Excel's column letters, header matching, and the "Dòng N, cột X (…)" lines
//!   every import shows beside a row.
//! - [`SheetError`]: a refusal with its Vietnamese and English messages and a [`Kind`] the
//!   application maps to a status (400, 413, 422).
//! - Each import's own pure part: [`citizen`] (the Learning Citizen batch: columns from the
//!   criteria set, every row parsed and scored with `khuyenhoc-criteria`) and [`members`] (the
//!   member list: columns and header), [`disadvantaged`] (the central office's list of communes
//!   in especially difficult areas, a workbook or a CSV file read by [`read_table`]). Their
//!   `check_workbook` is what the fuzz target `xlsx_import` calls.
//! - [`units_csv`]: the official list of administrative units as CSV; [`old_map`]: the list
//!   before 1 July 2025 (with districts) and the official commune and province mappings.
//!
//! Invariant: nothing here knows SQL, HTTP or a clock (the caller passes the current year).

mod cell;
pub mod citizen;
pub mod disadvantaged;
mod error;
pub mod header;
pub mod members;
pub mod old_figures;
pub mod old_map;
mod read;
pub mod shares;
mod table;
pub mod units_csv;

pub use cell::{gender_of, phone_text, Value};
pub use error::{Kind, SheetError};
pub use header::{col_letter, Problem};
pub use read::{read, Limits, RawRow, Sheet};
pub use table::read_table;
