//! Import of a member list from Excel, with the same rule as every import: nothing is stored
//! until the officer has seen every row's outcome and confirmed; then every row is stored in ONE
//! transaction, or none.
//!
//! 1. `GET …/members/template.xlsx`: the columns (Họ và tên, Năm sinh, Giới tính, Số điện thoại,
//!    Mã chi hội, Số thẻ, Ngày vào hội, Lĩnh vực) and a sheet of instructions with the unit's
//!    branch codes and the sector names.
//! 2. `POST …/members/import` (multipart): the workbook is read cell by cell from memory and
//!    every row checked (person, branch, card number, join date, sectors, and whether the
//!    person is a member already); the page lists each row with its errors. Nothing is written
//!    to the database; the bytes go to the file store so the confirm form carries only their
//!    key and SHA-256.
//! 3. `POST …/members/import/commit`: the same bytes are checked again; if any row has an
//!    error nothing is stored, else every row is stored in one transaction (new people, members,
//!    counters, audit entries, and one audit entry for the workbook, named by its SHA-256 so the
//!    same workbook is never imported twice).
//!
//! People are matched by phone number (a person of the viewer's scope whose name matches); a
//! row without a phone, or with a phone nobody has, creates a new person in the row's branch.
//!
//! Limits: an upload of at most `MAX_UPLOAD_BYTES` (20 MB), at most `MAX_UNPACKED_BYTES`
//! (256 MB) once unzipped, at most `MAX_ROWS` (100,000) data rows. A list that long is checked
//! with a few statements for the whole file (branches once per code; card numbers and phone
//! numbers in `IN (…)` lists), and stored with multi-row INSERTs (people, members, audit entries:
//! each statement under both backends' limits on bind parameters) and the counters moved once
//! per branch and half-year: `benches/import.rs` measures it.

use super::service::{self, AlreadyMember};
use crate::accounts::service::{self as people, NewPerson};
use crate::audit::{self, Actor, Change};
use crate::auth::{perm, Viewer};
use crate::db::{now, today, Backend, Db};
use crate::error::{AppError, FieldError, PageError, PageResult};
use crate::org::model::Unit;
use crate::reports::counters;
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::layout::{render, Chrome};
use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use bytes::Bytes;
use calamine::{DataRef, Reader, Xlsx, XlsxError};
use khuyenhoc_domain::text::fold;
use khuyenhoc_domain::{Gender, PhoneNumber};
use rust_xlsxwriter::{Color, DataValidation, Format, FormatBorder, Workbook};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::{Cursor, Read};
use std::sync::{Mutex, PoisonError};

/// Largest upload accepted (a workbook of `MAX_ROWS` filled rows is about 4 MB).
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;
/// Largest total size of the workbook's parts once unzipped (a guard against zip bombs: a
/// sheet of `MAX_ROWS` filled rows unpacks to about 30 MB).
const MAX_UNPACKED_BYTES: u64 = 256 * 1024 * 1024;
/// Most data rows in one workbook.
pub const MAX_ROWS: usize = 100_000;
/// Columns read; anything further right is ignored.
const MAX_COLUMNS: u32 = 50;
/// The sheet the template puts the rows on (the first sheet is read when it is missing).
pub const DATA_SHEET: &str = "Hội viên";
const HELP_SHEET: &str = "Hướng dẫn";
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// Where previewed workbooks wait for their confirmation in the file store.
const KEY_PREFIX: &str = "member-imports";
/// The audit entity of an imported workbook; its id is the workbook's SHA-256.
const ENTITY: &str = "member_import";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Col {
    Name,
    BirthYear,
    Gender,
    Phone,
    Branch,
    Card,
    Joined,
    Sectors,
}

/// The columns of the template, in order: (column, Vietnamese header, English name).
pub const COLUMNS: [(Col, &str, &str); 8] = [
    (Col::Name, "Họ và tên", "Full name"),
    (Col::BirthYear, "Năm sinh", "Birth year"),
    (Col::Gender, "Giới tính", "Gender"),
    (Col::Phone, "Số điện thoại", "Phone"),
    (Col::Branch, "Mã chi hội", "Branch code"),
    (Col::Card, "Số thẻ", "Card number"),
    (Col::Joined, "Ngày vào hội", "Date joined"),
    (Col::Sectors, "Lĩnh vực", "Sectors"),
];

fn labels(c: Col) -> (&'static str, &'static str) {
    COLUMNS
        .iter()
        .find(|x| x.0 == c)
        .map_or(("", ""), |x| (x.1, x.2))
}

/// The column a header names: its Vietnamese or English name, accents and case ignored.
fn col_of(header: &str) -> Option<Col> {
    let h = fold(header);
    COLUMNS
        .iter()
        .find(|(_, vi, en)| h.starts_with(&fold(vi)) || h == fold(en))
        .map(|x| x.0)
}

// ---------------------------------------------------------------------------------------------
// The template

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Internal(anyhow::anyhow!("writing the members template: {e}"))
}

/// The template: the rows sheet, then the instructions with the unit's branches.
pub fn template_workbook(
    unit: &Unit,
    branches: &[Unit],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color(Color::RGB(0x00E2_EFDA));
    let text = Format::new().set_num_format("@");
    let ws = wb.add_worksheet();
    ws.set_name(DATA_SHEET)?;
    for (c, (col, vi, _)) in COLUMNS.iter().enumerate() {
        let c = u16::try_from(c).unwrap_or(0);
        ws.write_string_with_format(0, c, *vi, &head)?;
        let width = match col {
            Col::Name => 28,
            Col::Sectors => 30,
            Col::Phone | Col::Joined => 16,
            _ => 12,
        };
        ws.set_column_width(c, width)?;
        if matches!(col, Col::Phone | Col::Branch | Col::Card | Col::Joined) {
            ws.set_column_format(c, &text)?;
        }
    }
    let last = u32::try_from(MAX_ROWS).unwrap_or(u32::MAX);
    if let Ok(g) = DataValidation::new().allow_list_strings(&["Nam", "Nữ", "Khác"]) {
        ws.add_data_validation(1, 2, last, 2, &g)?;
    }
    ws.set_freeze_panes(1, 1)?;

    let bold = Format::new().set_bold();
    let help = wb.add_worksheet();
    help.set_name(HELP_SHEET)?;
    help.set_column_width(0, 22)?;
    help.set_column_width(1, 100)?;
    let mut row = 0u32;
    help.write_string_with_format(row, 0, "Danh sách hội viên", &bold)?;
    help.write_string(row, 1, &unit.name)?;
    row += 2;
    for (a, b) in [
        ("Cách điền", "Mỗi hội viên một dòng trên trang «Hội viên», từ dòng 2. Không sửa dòng tiêu đề; dòng trống được bỏ qua."),
        ("Họ và tên", "Bắt buộc."),
        ("Năm sinh", "Số có 4 chữ số, không bắt buộc."),
        ("Giới tính", "Nam, Nữ hoặc Khác; không bắt buộc."),
        ("Số điện thoại", "Dùng để tìm người đã có (họ và tên phải khớp); người chưa có sẽ được tạo mới. Mỗi số chỉ một dòng."),
        ("Mã chi hội", "Mã của chi hội nơi hội viên sinh hoạt (xem danh sách dưới đây); để trống khi tải lên ở trang của chính chi hội."),
        ("Số thẻ", "Không bắt buộc; không trùng với hội viên khác trong cùng xã, phường."),
        ("Ngày vào hội", "Bắt buộc: ngày/tháng/năm, ví dụ 15/03/2020; không sau hôm nay."),
        ("Lĩnh vực", "Không bắt buộc; một hoặc nhiều trong: Đại học, Doanh nghiệp, Lực lượng vũ trang, Đảng viên (cách nhau bởi dấu phẩy)."),
        ("Người đã là hội viên", "Mỗi người chỉ vào Hội một lần: dòng của người đã là hội viên bị từ chối (hãy chuyển chi hội cho họ)."),
        ("Lưu", "Tải tệp lên để xem trước từng dòng: chưa có gì được lưu cho tới khi bạn xác nhận. Chỉ lưu khi mọi dòng đều hợp lệ, và lưu tất cả cùng lúc."),
    ] {
        help.write_string_with_format(row, 0, a, &bold)?;
        help.write_string(row, 1, b)?;
        row += 1;
    }
    help.write_string_with_format(row, 0, "Giới hạn", &bold)?;
    help.write_string(
        row,
        1,
        format!(
            "Tệp .xlsx tối đa {} MB, tối đa {MAX_ROWS} dòng.",
            MAX_UPLOAD_BYTES / 1024 / 1024
        ),
    )?;
    row += 2;
    help.write_string_with_format(row, 0, "Mã chi hội", &bold)?;
    help.write_string_with_format(row, 1, "Tên chi hội", &bold)?;
    row += 1;
    for b in branches {
        help.write_string(row, 0, &b.code)?;
        help.write_string(row, 1, &b.name)?;
        row += 1;
    }
    wb.save_to_buffer()
}

/// The open branches a workbook of this unit may name: the unit itself, or those below it.
async fn branches_of(db: &Db, unit: &Unit) -> Result<Vec<Unit>, AppError> {
    if unit.is_branch() {
        return Ok(vec![unit.clone()]);
    }
    let q = crate::org::model::Query {
        scope_roots: vec![unit.path.clone()],
        level: Some(khuyenhoc_domain::Level::Branch),
        limit: 1000,
        ..Default::default()
    };
    Ok(crate::org::model::list(db, &q).await?.0)
}

/// The unit, if the viewer may manage members there (404 otherwise, like a missing unit).
async fn import_unit(db: &Db, v: &Viewer, code: &str) -> Result<Unit, AppError> {
    Ok(
        crate::org::service::with_right(db, v, code, perm::MEMBER_MANAGE)
            .await?
            .0,
    )
}

pub async fn template(
    State(state): State<AppState>,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let unit = import_unit(&state.db, &v, &code).await?;
    let branches = branches_of(&state.db, &unit).await?;
    let bytes = template_workbook(&unit, &branches).map_err(xlsx_error)?;
    let disposition = format!("attachment; filename=\"mau-hoi-vien-{}.xlsx\"", unit.code);
    Ok((
        [
            (header::CONTENT_TYPE, XLSX_TYPE.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// Reading a workbook

/// A cell's value, owned.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(String),
    Num(f64),
    /// A date cell, as YYYY-MM-DD.
    Day(String),
    /// An error value, a duration: shown as read.
    Other(String),
}

impl Value {
    fn of(d: &DataRef<'_>) -> Option<Value> {
        let text = |s: &str| {
            let t = s.trim();
            (!t.is_empty()).then(|| Value::Text(t.to_owned()))
        };
        match d {
            DataRef::Empty => None,
            DataRef::Int(i) => Some(Value::Text(i.to_string())),
            DataRef::Float(f) => Some(Value::Num(*f)),
            DataRef::String(s) => text(s),
            DataRef::SharedString(s) => text(s),
            DataRef::Bool(b) => Some(Value::Other(b.to_string())),
            DataRef::DateTime(dt) if dt.is_datetime() => {
                let (y, m, d, ..) = dt.to_ymd_hms_milli();
                Some(Value::Day(format!("{y:04}-{m:02}-{d:02}")))
            }
            DataRef::DateTime(dt) => Some(Value::Other(dt.to_string())),
            DataRef::DateTimeIso(s) => Some(Value::Text(s.chars().take(10).collect())),
            DataRef::DurationIso(s) => Some(Value::Other(s.clone())),
            DataRef::Error(e) => Some(Value::Other(format!("#{e}"))),
        }
    }

    /// The value as the officer typed it, at most 100 characters.
    fn text(&self) -> String {
        let s = match self {
            Value::Text(s) | Value::Other(s) | Value::Day(s) => s.clone(),
            Value::Num(f) => match whole(*f) {
                Some(i) => i.to_string(),
                None => f.to_string(),
            },
        };
        if s.chars().count() > 100 {
            s.chars().take(99).chain(std::iter::once('…')).collect()
        } else {
            s
        }
    }
}

fn whole(f: f64) -> Option<i64> {
    // Within ±1e15 every whole f64 converts exactly.
    #[allow(clippy::cast_possible_truncation)]
    (f.fract() == 0.0 && f.abs() < 1e15).then_some(f as i64)
}

/// The phone as text: numbers typed into a cell lose their leading 0, so it is put back.
fn phone_text(v: &Value) -> String {
    match v {
        Value::Num(f) => match whole(*f) {
            Some(n) => {
                let d = n.to_string();
                let lost_zero = (d.len() == 9 && !d.starts_with("84") && !d.starts_with('0'))
                    || (d.len() == 10 && d.starts_with('2'));
                if lost_zero {
                    format!("0{d}")
                } else {
                    d
                }
            }
            None => v.text(),
        },
        _ => v.text(),
    }
}

/// One non-blank row: its Excel row number (from 1) and its cells by column.
#[derive(Debug, Clone)]
struct RawRow {
    number: u32,
    cells: BTreeMap<u32, Value>,
}

struct Sheet {
    header: RawRow,
    rows: Vec<RawRow>,
}

fn not_xlsx() -> AppError {
    AppError::bad_request(
        "Tệp này không phải là bảng tính Excel (.xlsx) đọc được. Hãy lưu tệp dưới dạng «Excel Workbook (.xlsx)» rồi tải lên lại",
        "This file is not a readable Excel workbook (.xlsx). Save it as “Excel Workbook (.xlsx)” and upload it again",
    )
}

fn empty_file() -> AppError {
    AppError::Unprocessable {
        vi: "Tệp chưa có dòng dữ liệu nào: mỗi hội viên một dòng dưới dòng tiêu đề".into(),
        en: "The file has no data rows: one row per member below the header row".into(),
    }
}

/// Refuses archives that unzip to more than `MAX_UNPACKED_BYTES` (counting what really comes
/// out, not what the archive claims).
fn check_unpacked(bytes: &[u8]) -> Result<(), AppError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| not_xlsx())?;
    let mut left = MAX_UNPACKED_BYTES;
    for n in 0..zip.len() {
        let mut part = zip.by_index(n).map_err(|_| not_xlsx())?;
        let read = std::io::copy(&mut (&mut part).take(left + 1), &mut std::io::sink())
            .map_err(|_| not_xlsx())?;
        if read > left {
            return Err(AppError::Unprocessable {
                vi: "Tệp giải nén ra quá lớn: hãy chia thành nhiều tệp".into(),
                en: "The workbook unpacks to too much data: split it into several files".into(),
            });
        }
        left -= read;
    }
    Ok(())
}

/// Reads the rows sheet (see `read_cells`). A workbook that makes the reader panic is not a
/// readable workbook (see `evaluation::batch::read_sheet`: found by the fuzz target
/// `xlsx_import`); the answer is the usual 400, never a 500.
fn read_sheet(bytes: &[u8]) -> Result<Sheet, AppError> {
    check_unpacked(bytes)?;
    std::panic::catch_unwind(|| read_cells(bytes)).unwrap_or_else(|_| Err(not_xlsx()))
}

/// Reads the rows sheet cell by cell (never the whole grid). The header is the first non-blank
/// row.
fn read_cells(bytes: &[u8]) -> Result<Sheet, AppError> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| not_xlsx())?;
    let names = wb.sheet_names();
    let name = names
        .iter()
        .find(|n| n.as_str() == DATA_SHEET)
        .or_else(|| names.first())
        .cloned()
        .ok_or_else(empty_file)?;
    let mut cells = match wb.worksheet_cells_reader(&name) {
        Ok(c) => c,
        Err(XlsxError::NotAWorksheet(_) | XlsxError::XmlEof(_)) => return Err(empty_file()),
        Err(_) => return Err(not_xlsx()),
    };
    let mut done: Vec<RawRow> = vec![];
    let mut current: Option<RawRow> = None;
    while let Some(cell) = cells.next_cell().map_err(|_| not_xlsx())? {
        let Some(value) = Value::of(cell.get_value()) else {
            continue;
        };
        let (r, c) = cell.get_position();
        if current.as_ref().is_some_and(|x| x.number != r + 1) {
            done.extend(current.take());
            if done.len() > MAX_ROWS + 1 {
                return Err(AppError::Unprocessable {
                    vi: format!("Tệp có hơn {MAX_ROWS} dòng: hãy chia thành nhiều tệp nhỏ hơn"),
                    en: format!(
                        "The file has more than {MAX_ROWS} rows: split it into smaller files"
                    ),
                });
            }
        }
        let row = current.get_or_insert_with(|| RawRow {
            number: r + 1,
            cells: BTreeMap::new(),
        });
        if c < MAX_COLUMNS {
            row.cells.insert(c, value);
        }
    }
    done.extend(current.take());
    if done.len() > MAX_ROWS + 1 {
        return Err(AppError::Unprocessable {
            vi: format!("Tệp có hơn {MAX_ROWS} dòng: hãy chia thành nhiều tệp nhỏ hơn"),
            en: format!("The file has more than {MAX_ROWS} rows: split it into smaller files"),
        });
    }
    let mut rows = done.into_iter();
    let header = rows.next().ok_or_else(empty_file)?;
    let rows: Vec<RawRow> = rows.collect();
    if rows.is_empty() {
        return Err(empty_file());
    }
    Ok(Sheet { header, rows })
}

/// Where each column is in this workbook.
fn map_header(header: &RawRow, unit: &Unit) -> Result<BTreeMap<Col, u32>, AppError> {
    let mut cols = BTreeMap::new();
    for (c, v) in &header.cells {
        if let Some(col) = col_of(&v.text()) {
            cols.entry(col).or_insert(*c);
        }
    }
    let mut required = vec![Col::Name, Col::Joined];
    if !unit.is_branch() {
        required.push(Col::Branch);
    }
    let missing: Vec<Col> = required
        .into_iter()
        .filter(|c| !cols.contains_key(c))
        .collect();
    if !missing.is_empty() {
        let names = |en: bool| {
            missing
                .iter()
                .map(|c| {
                    let (vi, e) = labels(*c);
                    format!("«{}»", if en { e } else { vi })
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(AppError::Unprocessable {
            vi: format!("Dòng tiêu đề thiếu cột {}: hãy dùng tệp mẫu", names(false)),
            en: format!(
                "The header row lacks the column {}: use the template",
                names(true)
            ),
        });
    }
    Ok(cols)
}

/// What an upload learns from a workbook before it asks the database anything: the sheet read
/// cell by cell and its header matched for the unit. Answers the number of data rows, or the
/// refusal the upload would show (the rows themselves are checked against the database). The
/// fuzz target `xlsx_import` (in `fuzz/`) calls it with arbitrary bytes.
#[doc(hidden)]
pub fn check_workbook(bytes: &[u8], unit: &Unit) -> Result<usize, AppError> {
    let sheet = read_sheet(bytes)?;
    map_header(&sheet.header, unit)?;
    Ok(sheet.rows.len())
}

// ---------------------------------------------------------------------------------------------
// Checking the rows

/// Who a row is about.
#[derive(Debug)]
enum Who {
    Existing(i64),
    New(NewPerson),
}

/// What a valid row stores.
#[derive(Debug)]
struct Plan {
    who: Who,
    branch: Unit,
    card: Option<String>,
    joined: String,
    sectors: String,
}

/// One row as checked.
pub struct RowOutcome {
    pub number: u32,
    pub name: String,
    pub phone: String,
    pub branch: String,
    pub joined: String,
    pub sectors_vi: String,
    pub sectors_en: String,
    pub new_person: bool,
    /// (Vietnamese, English) lines, one per problem.
    pub problems: Vec<(String, String)>,
    plan: Option<Plan>,
}

impl RowOutcome {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// What the database knows of a phone number named in the workbook.
struct Known {
    id: i64,
    full_name: String,
    unit_path: String,
    /// The person's membership: (member id, branch code, branch name, branch path).
    member: Option<(i64, String, String, String)>,
}

struct Check<'a> {
    viewer: &'a Viewer,
    cols: BTreeMap<Col, u32>,
    branches: HashMap<String, Result<Unit, FieldError>>,
    phones: HashMap<String, u32>,
    cards: HashMap<(i64, String), u32>,
    /// Card numbers of the file that members of their commune hold already.
    taken_cards: HashSet<(i64, String)>,
    /// The people who have the file's phone numbers, by number.
    known: HashMap<String, Known>,
}

fn line(row: u32, col: Option<(Col, u32)>, vi: &str, en: &str) -> (String, String) {
    match col {
        Some((c, n)) => {
            let (a, b) = labels(c);
            (
                format!(
                    "Dòng {row}, cột {} ({a}): {vi}",
                    crate::evaluation::batch::col_letter(n)
                ),
                format!(
                    "Row {row}, column {} ({b}): {en}",
                    crate::evaluation::batch::col_letter(n)
                ),
            )
        }
        None => (format!("Dòng {row}: {vi}"), format!("Row {row}: {en}")),
    }
}

fn gender_of(s: &str) -> Option<Gender> {
    match fold(s).trim() {
        "nam" | "male" | "m" => Some(Gender::Male),
        "nu" | "female" | "f" => Some(Gender::Female),
        "khac" | "other" => Some(Gender::Other),
        _ => None,
    }
}

impl Check<'_> {
    fn at(&self, c: Col) -> Option<(Col, u32)> {
        self.cols.get(&c).map(|n| (c, *n))
    }

    fn cell<'r>(&self, row: &'r RawRow, c: Col) -> Option<&'r Value> {
        self.cols.get(&c).and_then(|n| row.cells.get(n))
    }

    fn text(&self, row: &RawRow, c: Col) -> String {
        self.cell(row, c).map(Value::text).unwrap_or_default()
    }

    /// The phone number of a row, when it is one.
    fn phone(&self, row: &RawRow) -> Option<PhoneNumber> {
        let typed = self.cell(row, Col::Phone).map(phone_text)?;
        PhoneNumber::parse(&typed).ok()
    }

    /// Looks up every branch code of the file once.
    async fn load_branches(
        &mut self,
        db: &Db,
        unit: &Unit,
        rows: &[RawRow],
    ) -> Result<(), AppError> {
        let codes: BTreeSet<String> = rows.iter().map(|r| self.text(r, Col::Branch)).collect();
        for code in codes {
            let b = match service::branch_under(db, unit, &code).await {
                Ok(u) => Ok(u),
                Err(AppError::Invalid(mut f)) if !f.is_empty() => Err(f.remove(0)),
                Err(e) => return Err(e),
            };
            self.branches.insert(code, b);
        }
        Ok(())
    }

    /// Asks the database, a few statements for the whole file, which card numbers are held
    /// already and who has the phone numbers.
    async fn load_known(&mut self, db: &Db, rows: &[RawRow]) -> Result<(), AppError> {
        let mut cards: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
        let mut phones: BTreeSet<String> = BTreeSet::new();
        for row in rows {
            let code = self.text(row, Col::Branch);
            let commune = match self.branches.get(&code) {
                Some(Ok(b)) => b.parent_id,
                _ => None,
            };
            if let (Some(commune), Ok(Some(card))) = (
                commune,
                service::parse_card(Some(&self.text(row, Col::Card))),
            ) {
                cards.entry(commune).or_default().insert(card);
            }
            if let Some(p) = self.phone(row) {
                phones.insert(p.as_str().to_owned());
            }
        }
        let mut conn = db.pool.acquire().await?;
        for (commune, cards) in &cards {
            let cards: Vec<&str> = cards.iter().map(String::as_str).collect();
            for card in cards_held(&mut conn, db.backend, *commune, &cards).await? {
                self.taken_cards.insert((*commune, card));
            }
        }
        let phones: Vec<&str> = phones.iter().map(String::as_str).collect();
        for chunk in phones.chunks(LOOKUP_CHUNK) {
            let sql = format!(
                "SELECT pe.phone, pe.id, pe.full_name, u.path, m.id, b.code, b.name, b.path \
                 FROM people pe JOIN units u ON u.id = pe.unit_id \
                 LEFT JOIN members m ON m.person_id = pe.id LEFT JOIN units b ON b.id = m.branch_id \
                 WHERE pe.phone IN {}",
                in_list(db.backend, 1, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for p in chunk {
                q = q.bind(*p);
            }
            for r in q.fetch_all(&mut *conn).await? {
                let member = match r.try_get::<Option<i64>, _>(4)? {
                    Some(id) => Some((id, r.try_get(5)?, r.try_get(6)?, r.try_get(7)?)),
                    None => None,
                };
                self.known.insert(
                    r.try_get(0)?,
                    Known {
                        id: r.try_get(1)?,
                        full_name: r.try_get(2)?,
                        unit_path: r.try_get(3)?,
                        member,
                    },
                );
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_lines)] // one check per column, in the order of the columns
    fn row(&mut self, row: &RawRow) -> RowOutcome {
        let n = row.number;
        let (name, code, card_typed, sectors_typed) = (
            self.text(row, Col::Name),
            self.text(row, Col::Branch),
            self.text(row, Col::Card),
            self.text(row, Col::Sectors),
        );
        let mut problems = vec![];
        let phone_typed = self
            .cell(row, Col::Phone)
            .map(phone_text)
            .unwrap_or_default();
        let gender = match self.cell(row, Col::Gender).map(Value::text) {
            None => None,
            Some(g) => match gender_of(&g) {
                Some(g) => Some(g),
                None => {
                    let (vi, en) = line(
                        n,
                        self.at(Col::Gender),
                        "ghi Nam, Nữ hoặc Khác",
                        "write Nam, Nữ or Khác",
                    );
                    problems.push((vi, en));
                    None
                }
            },
        };
        let person = NewPerson {
            full_name: name.clone(),
            birth_year: self.cell(row, Col::BirthYear).map(Value::text),
            gender: gender.map(|g| g.code().to_owned()),
            phone: (!phone_typed.is_empty()).then(|| phone_typed.clone()),
            ..NewPerson::default()
        };
        if let Err(AppError::Invalid(fields)) = people::check(&person) {
            for f in fields {
                let col = match f.field {
                    "full_name" => Col::Name,
                    "birth_year" => Col::BirthYear,
                    "gender" => Col::Gender,
                    _ => Col::Phone,
                };
                problems.push(line(n, self.at(col), f.message_vi, f.message_en));
            }
        }
        // The branch (looked up before, once per code).
        let branch = match self.branches.get(&code) {
            Some(Ok(b)) => Some(b.clone()),
            Some(Err(f)) => {
                problems.push(line(n, self.at(Col::Branch), f.message_vi, f.message_en));
                None
            }
            None => None,
        };
        // The card number: free in the commune, and once in the file.
        let card = match service::parse_card(Some(&card_typed)) {
            Ok(c) => c,
            Err(e) => {
                let (vi, en) = e.messages();
                problems.push(line(n, self.at(Col::Card), &vi, &en));
                None
            }
        };
        if let (Some(card), Some(commune)) = (&card, branch.as_ref().and_then(|b| b.parent_id)) {
            if let Some(first) = self.cards.insert((commune, card.clone()), n) {
                problems.push(line(
                    n,
                    self.at(Col::Card),
                    &format!("trùng số thẻ với dòng {first}"),
                    &format!("the same card number as row {first}"),
                ));
            } else if self.taken_cards.contains(&(commune, card.clone())) {
                problems.push(line(
                    n,
                    self.at(Col::Card),
                    "số thẻ này đã cấp cho một hội viên khác trong cùng xã, phường",
                    "this card number is held by another member of the same commune",
                ));
            }
        }
        // The join date.
        let joined = match self.cell(row, Col::Joined) {
            Some(Value::Day(d)) if d.as_str() > today().as_str() => Err((
                "không được sau hôm nay".to_owned(),
                "cannot be after today".to_owned(),
            )),
            Some(Value::Day(d)) => Ok(d.clone()),
            v => service::parse_joined(&v.map(Value::text).unwrap_or_default())
                .map_err(|e| e.messages()),
        };
        let joined = match joined {
            Ok(d) => Some(d),
            Err((vi, en)) => {
                problems.push(line(n, self.at(Col::Joined), &vi, &en));
                None
            }
        };
        // The sectors.
        let parts: Vec<&str> = sectors_typed.split([',', ';', '\n']).collect();
        let sectors = match service::parse_sectors(&parts) {
            Ok(s) => Some(s),
            Err(e) => {
                let (vi, en) = e.messages();
                problems.push(line(n, self.at(Col::Sectors), &vi, &en));
                None
            }
        };
        // Who: by phone among people in scope, else a new person.
        let phone = PhoneNumber::parse(&phone_typed).ok();
        let mut shown_name = name.clone();
        let who = match phone {
            None => Some(Who::New(person)),
            Some(phone) => {
                if let Some(first) = self.phones.insert(phone.as_str().to_owned(), n) {
                    problems.push(line(
                        n,
                        self.at(Col::Phone),
                        &format!("trùng số điện thoại với dòng {first}"),
                        &format!("the same phone number as row {first}"),
                    ));
                    None
                } else {
                    self.who(n, &phone, person, &mut shown_name, &mut problems)
                }
            }
        };
        let sectors_text = sectors.clone().unwrap_or_default();
        let labels: Vec<(&str, &str)> = sectors_text
            .split_whitespace()
            .filter_map(super::sector_labels)
            .collect();
        let plan = match (
            who,
            branch.clone(),
            joined.clone(),
            sectors,
            problems.is_empty(),
        ) {
            (Some(who), Some(branch), Some(joined), Some(sectors), true) => Some(Plan {
                who,
                branch,
                card,
                joined,
                sectors,
            }),
            _ => None,
        };
        RowOutcome {
            number: n,
            name: shown_name,
            phone: phone_typed,
            branch: branch.map(|b| b.name).unwrap_or(code),
            joined: joined.unwrap_or_default(),
            sectors_vi: labels.iter().map(|l| l.0).collect::<Vec<_>>().join(", "),
            sectors_en: labels.iter().map(|l| l.1).collect::<Vec<_>>().join(", "),
            new_person: plan.as_ref().is_some_and(|p| matches!(p.who, Who::New(_))),
            problems,
            plan,
        }
    }

    /// The person a phone number names: someone in scope with the same name who is not a member
    /// yet, or nobody (a new person).
    fn who(
        &self,
        n: u32,
        phone: &PhoneNumber,
        person: NewPerson,
        shown_name: &mut String,
        problems: &mut Vec<(String, String)>,
    ) -> Option<Who> {
        let at = self.at(Col::Phone);
        let Some(p) = self.known.get(phone.as_str()) else {
            return Some(Who::New(person));
        };
        // Out of scope looks like absent, but the number is taken all the same.
        if p.id != self.viewer.person_id && !self.viewer.can_read(&p.unit_path) {
            problems.push(line(
                n,
                at,
                "số điện thoại này thuộc về một người ngoài phạm vi của bạn",
                "this phone number belongs to someone outside your scope",
            ));
            return None;
        }
        if fold(&p.full_name) != fold(&person.full_name) {
            problems.push(line(
                n,
                at,
                &format!(
                    "số điện thoại này là của «{}», khác họ tên trong tệp",
                    p.full_name
                ),
                &format!(
                    "this phone number belongs to “{}”, not to the name in the file",
                    p.full_name
                ),
            ));
            return None;
        }
        shown_name.clone_from(&p.full_name);
        if let Some((member_id, code, name, path)) = &p.member {
            let already = AlreadyMember {
                field: "phone",
                member_id: *member_id,
                branch: self
                    .viewer
                    .can_read(path)
                    .then(|| (code.clone(), name.clone())),
            };
            let (vi, en) = already.messages();
            problems.push(line(n, None, &vi, &en));
            return None;
        }
        Some(Who::Existing(p.id))
    }
}

/// Reads and checks a workbook for the unit: every row's outcome, nothing written.
async fn check(
    db: &Db,
    v: &Viewer,
    unit: &Unit,
    bytes: Bytes,
) -> Result<Vec<RowOutcome>, AppError> {
    let sheet = tokio::task::spawn_blocking(move || read_sheet(&bytes))
        .await
        .map_err(|e| anyhow::anyhow!("reading the workbook: {e}"))??;
    let cols = map_header(&sheet.header, unit)?;
    let mut c = Check {
        viewer: v,
        cols,
        branches: HashMap::new(),
        phones: HashMap::new(),
        cards: HashMap::new(),
        taken_cards: HashSet::new(),
        known: HashMap::new(),
    };
    c.load_branches(db, unit, &sheet.rows).await?;
    c.load_known(db, &sheet.rows).await?;
    let mut out = Vec::with_capacity(sheet.rows.len());
    for (i, row) in sheet.rows.iter().enumerate() {
        // Long files: let the other tasks of this worker run now and then.
        if i % 2000 == 1999 {
            tokio::task::yield_now().await;
        }
        out.push(c.row(row));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Many rows per statement

/// Values per `IN (…)` list of a look-up.
const LOOKUP_CHUNK: usize = 1000;

/// Rows per multi-row statement of `binds` parameters a row.
fn rows_per_statement(binds: usize) -> usize {
    rows::per_statement(binds, 5000)
}

use crate::db::rows::{self, in_list, values as values_list};

/// Which of `cards` members of the commune hold.
async fn cards_held(
    conn: &mut AnyConnection,
    backend: Backend,
    commune: i64,
    cards: &[&str],
) -> Result<Vec<String>, sqlx::Error> {
    let mut held = vec![];
    for chunk in cards.chunks(LOOKUP_CHUNK) {
        let sql = format!(
            "SELECT m.card_no FROM members m JOIN units b ON b.id = m.branch_id \
             WHERE b.parent_id = {} AND m.card_no IN {}",
            in_list(backend, 1, 1),
            in_list(backend, 2, chunk.len())
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql).bind(commune);
        for c in chunk {
            q = q.bind(*c);
        }
        held.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(held)
}

// ---------------------------------------------------------------------------------------------
// Storing

/// What a commit stored.
pub struct Saved {
    pub members: usize,
    pub new_people: usize,
}

/// A row that cannot be stored: its number and the reason (Vietnamese, English).
type RowRefusal = (u32, String, String);

fn refused(n: u32, e: &AppError) -> RowRefusal {
    let (vi, en) = e.messages();
    (n, vi, en)
}

/// A new person as `accounts::service::insert_in` stores them.
struct PersonRow {
    name: String,
    folded: String,
    birth_year: Option<i64>,
    gender: Option<&'static str>,
    phone: Option<String>,
}

/// The stored fields of a row's new person; `None` when the person is not valid (the check
/// refused the row already).
fn person_row(p: &NewPerson) -> Option<PersonRow> {
    people::check(p).ok()?;
    let present = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let name = khuyenhoc_domain::PersonName::parse(&p.full_name)
        .ok()?
        .as_str()
        .to_owned();
    let gender = match present(&p.gender) {
        Some(g) => Some(Gender::parse(&g).ok()?.code()),
        None => None,
    };
    let phone = match present(&p.phone) {
        Some(ph) => Some(PhoneNumber::parse(&ph).ok()?.as_str().to_owned()),
        None => None,
    };
    Some(PersonRow {
        folded: fold(&name),
        name,
        birth_year: present(&p.birth_year).and_then(|y| y.parse::<i64>().ok()),
        gender,
        phone,
    })
}

/// Stores every row in one transaction, many rows per statement (people, members, audit
/// entries), the counters moved once per branch and half-year; on the first row that cannot be
/// stored nothing is stored, and the row and its reason are returned.
#[allow(clippy::too_many_lines)] // the steps of one transaction, in order
async fn write(
    db: &Db,
    v: &Viewer,
    unit: &Unit,
    sha256: &str,
    file_name: &str,
    rows: &[RowOutcome],
) -> Result<Result<Saved, RowRefusal>, AppError> {
    let actor = Actor::new(
        v.person_id,
        v.position_for(perm::MEMBER_MANAGE, &unit.path)
            .map(|p| p.position_id),
    );
    let mut plans: Vec<(u32, &Plan)> = Vec::with_capacity(rows.len());
    for r in rows {
        let Some(plan) = &r.plan else {
            return Ok(Err((
                r.number,
                "dòng có lỗi".into(),
                "the row has errors".into(),
            )));
        };
        plans.push((r.number, plan));
    }
    let backend = db.backend;
    let mut tx = db.begin().await?;

    // Card numbers: each commune locked (by `check_card`, until the end of the transaction),
    // then every card of the file looked up at once.
    let mut by_commune: BTreeMap<i64, Vec<(u32, &str)>> = BTreeMap::new();
    for (n, p) in &plans {
        if let (Some(commune), Some(card)) = (p.branch.parent_id, p.card.as_deref()) {
            by_commune.entry(commune).or_default().push((*n, card));
        }
    }
    for (commune, cards) in &by_commune {
        if let Some((n, card)) = cards.first() {
            if let Err(e) = service::check_card(&mut tx, Some(*commune), Some(card), 0).await {
                return Ok(Err(refused(*n, &e)));
            }
        }
        let list: Vec<&str> = cards.iter().map(|c| c.1).collect();
        let held: HashSet<String> = cards_held(&mut tx, backend, *commune, &list)
            .await?
            .into_iter()
            .collect();
        if let Some((n, card)) = cards.iter().find(|c| held.contains(c.1)) {
            // The refusal `check_card` gives for a held card.
            if let Err(e) = service::check_card(&mut tx, Some(*commune), Some(card), 0).await {
                return Ok(Err(refused(*n, &e)));
            }
        }
    }

    // People named by phone who became members since the check; phones of new people that
    // someone took since.
    let existing: Vec<(u32, i64)> = plans
        .iter()
        .filter_map(|(n, p)| match p.who {
            Who::Existing(id) => Some((*n, id)),
            Who::New(_) => None,
        })
        .collect();
    for chunk in existing.chunks(LOOKUP_CHUNK) {
        let sql = format!(
            "SELECT person_id FROM members WHERE person_id IN {}",
            in_list(backend, 1, chunk.len())
        );
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for (_, id) in chunk {
            q = q.bind(*id);
        }
        let members: HashSet<i64> = q.fetch_all(&mut *tx).await?.into_iter().collect();
        if let Some((n, _)) = chunk.iter().find(|(_, id)| members.contains(id)) {
            return Ok(Err((
                *n,
                "người này đã là hội viên".into(),
                "this person is already a member".into(),
            )));
        }
    }
    let mut new_people = vec![];
    for (n, p) in &plans {
        if let Who::New(person) = &p.who {
            match person_row(person) {
                Some(f) => new_people.push((*n, p.branch.id, f)),
                None => {
                    let e = people::check(person).err().unwrap_or_else(|| {
                        AppError::Invalid(vec![FieldError::new(
                            "full_name",
                            khuyenhoc_domain::Invalid::new(
                                "Thông tin người không hợp lệ",
                                "The person's details are not valid",
                            ),
                        )])
                    });
                    return Ok(Err(refused(*n, &e)));
                }
            }
        }
    }
    let phones: Vec<(u32, &str)> = new_people
        .iter()
        .filter_map(|(n, _, f)| f.phone.as_deref().map(|p| (*n, p)))
        .collect();
    for chunk in phones.chunks(LOOKUP_CHUNK) {
        let sql = format!(
            "SELECT phone FROM people WHERE phone IN {}",
            in_list(backend, 1, chunk.len())
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql);
        for (_, p) in chunk {
            q = q.bind(*p);
        }
        let taken: HashSet<String> = q.fetch_all(&mut *tx).await?.into_iter().collect();
        if let Some((n, _)) = chunk.iter().find(|(_, p)| taken.contains(*p)) {
            return Ok(Err((
                *n,
                "Số điện thoại này đã được đăng ký".into(),
                "This phone number is already registered".into(),
            )));
        }
    }

    let t = now();
    // New people, in the order of the rows.
    let mut person_ids: HashMap<u32, i64> = HashMap::with_capacity(new_people.len());
    for chunk in new_people.chunks(rows_per_statement(7)) {
        let sql = format!(
            "INSERT INTO people (full_name, name_folded, birth_year, gender, phone, unit_id, created_at) VALUES {} \
             RETURNING id, full_name, phone",
            values_list(backend, chunk.len(), "(?, ?, ?, ?, ?, ?, ?)")
        );
        let mut q = sqlx::query(&sql);
        for (_, branch, f) in chunk {
            q = q
                .bind(f.name.as_str())
                .bind(f.folded.as_str())
                .bind(f.birth_year)
                .bind(f.gender)
                .bind(f.phone.as_deref())
                .bind(*branch)
                .bind(t);
        }
        let back = q.fetch_all(&mut *tx).await.map_err(unexpected_conflict)?;
        // Rows come back in the order of the VALUES; this is checked, never assumed.
        if back.len() != chunk.len() {
            return Err(AppError::Internal(anyhow::anyhow!(
                "inserted {} people, got {} ids back",
                chunk.len(),
                back.len()
            )));
        }
        for (r, (n, _, f)) in back.iter().zip(chunk) {
            let (id, name, phone): (i64, String, Option<String>) =
                (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
            if name != f.name || phone != f.phone {
                return Err(AppError::Internal(anyhow::anyhow!(
                    "the ids of new people came back out of order"
                )));
            }
            person_ids.insert(*n, id);
        }
    }

    // Members.
    let mut members: Vec<(u32, i64, &Plan)> = Vec::with_capacity(plans.len());
    for (n, p) in &plans {
        let person = match p.who {
            Who::Existing(id) => id,
            Who::New(_) => person_ids.get(n).copied().ok_or_else(|| {
                AppError::Internal(anyhow::anyhow!("row {n}: the new person has no id"))
            })?,
        };
        members.push((*n, person, p));
    }
    let mut member_ids: HashMap<i64, i64> = HashMap::with_capacity(members.len());
    for chunk in members.chunks(rows_per_statement(7)) {
        let sql = format!(
            "INSERT INTO members (person_id, branch_id, card_no, joined_on, status, status_on, sectors, created_at, updated_at) VALUES {} \
             RETURNING id, person_id",
            values_list(backend, chunk.len(), "(?, ?, ?, ?, 'active', NULL, ?, ?, ?)")
        );
        let mut q = sqlx::query(&sql);
        for (_, person, p) in chunk {
            q = q
                .bind(*person)
                .bind(p.branch.id)
                .bind(p.card.as_deref())
                .bind(p.joined.as_str())
                .bind(p.sectors.as_str())
                .bind(t)
                .bind(t);
        }
        for r in q.fetch_all(&mut *tx).await.map_err(unexpected_conflict)? {
            member_ids.insert(r.try_get(1)?, r.try_get(0)?);
        }
    }

    // The live counters: every member's contribution summed per branch and period, each sum
    // added once (at the branch and its ancestors).
    let mut deltas: BTreeMap<(i64, String), BTreeMap<String, i64>> = BTreeMap::new();
    for (_, _, p) in &members {
        for (period, metric, d) in counters::member_metrics(&p.joined, "active", &p.sectors) {
            *deltas
                .entry((p.branch.id, period))
                .or_default()
                .entry(metric)
                .or_insert(0) += d;
        }
    }
    for ((branch, period), d) in &deltas {
        let d: Vec<(String, i64)> = d.iter().map(|(m, v)| (m.clone(), *v)).collect();
        counters::add(&mut tx, *branch, period, &d).await?;
    }

    // Audit entries as `accounts::service::insert_in` and `service::insert_member` write
    // them, row by row: the new person, then the member.
    let mut entries: Vec<(i64, &'static str, String, &'static str, String)> =
        Vec::with_capacity(members.len() + new_people.len());
    // `new_people` is in the order of the rows, like `members`.
    let mut next_new = 0;
    for (n, person, p) in &members {
        if let Some((_, _, f)) = new_people.get(next_new).filter(|x| x.0 == *n) {
            next_new += 1;
            let after = serde_json::json!({
                "full_name": f.name, "birth_year": f.birth_year, "gender": f.gender,
                "phone": f.phone, "email": None::<String>, "national_id": None::<String>,
            });
            entries.push((
                p.branch.id,
                "person",
                person.to_string(),
                "create",
                after.to_string(),
            ));
        }
        let id = member_ids
            .get(person)
            .copied()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("row {n}: the member has no id")))?;
        let after = serde_json::json!({
            "person_id": person, "branch": p.branch.code, "card_no": p.card,
            "joined_on": p.joined, "status": "active", "sectors": p.sectors, "source": "import",
        });
        entries.push((
            p.branch.id,
            "member",
            id.to_string(),
            "register",
            after.to_string(),
        ));
    }
    for chunk in entries.chunks(rows_per_statement(8)) {
        let sql = format!(
            "INSERT INTO audit_log (at, person_id, position_id, unit_id, entity, entity_id, action, before_json, after_json) VALUES {}",
            values_list(backend, chunk.len(), "(?, ?, ?, ?, ?, ?, ?, NULL, ?)")
        );
        let mut q = sqlx::query(&sql);
        for (unit_id, entity, entity_id, action, after) in chunk {
            q = q
                .bind(t)
                .bind(actor.person_id)
                .bind(actor.position_id)
                .bind(*unit_id)
                .bind(*entity)
                .bind(entity_id.as_str())
                .bind(*action)
                .bind(after.as_str());
        }
        q.execute(&mut *tx).await?;
    }
    let saved = Saved {
        members: members.len(),
        new_people: new_people.len(),
    };
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(unit.id),
            entity: ENTITY,
            entity_id: sha256.to_owned(),
            action: "import",
            before: None,
            after: Some(serde_json::json!({
                "file": file_name, "rows": rows.len(), "members": saved.members, "new_people": saved.new_people,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(saved))
}

/// A unique index hit by a row that was free when the transaction looked (another officer
/// stored the same person or member at the same moment): nothing is stored.
fn unexpected_conflict(e: sqlx::Error) -> AppError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => AppError::Conflict(FieldError::new(
            "file",
            khuyenhoc_domain::Invalid::new(
                "Trong lúc lưu, một người trong tệp vừa được đăng ký ở nơi khác; chưa lưu gì, hãy tải tệp lên lại",
                "While saving, someone in the file was registered elsewhere; nothing was saved, upload the file again",
            ),
        )),
        _ => e.into(),
    }
}

/// When this workbook was imported, if it was.
async fn imported_at(db: &Db, sha256: &str) -> Result<Option<i64>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT MIN(at) FROM audit_log WHERE entity = $1 AND entity_id = $2 AND action = 'import'",
    )
    .bind(ENTITY)
    .bind(sha256)
    .fetch_one(&db.pool)
    .await?)
}

fn already() -> (String, String) {
    (
        "Tệp này đã được nhập rồi; không nhập lại lần nữa".into(),
        "This workbook was imported already; it is not imported twice".into(),
    )
}

/// Workbooks being committed right now (by SHA-256), so that two confirmations of the same
/// workbook cannot both pass the "already imported" check.
static COMMITTING: Mutex<Option<HashSet<String>>> = Mutex::new(None);

struct Claim(String);

impl Claim {
    fn take(sha256: &str) -> Option<Claim> {
        let mut set = COMMITTING.lock().unwrap_or_else(PoisonError::into_inner);
        set.get_or_insert_with(HashSet::new)
            .insert(sha256.to_owned())
            .then(|| Claim(sha256.to_owned()))
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut set = COMMITTING.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(s) = set.as_mut() {
            s.remove(&self.0);
        }
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

// ---------------------------------------------------------------------------------------------
// Pages

#[derive(Template)]
#[template(path = "members_import.html")]
pub struct UploadPage {
    pub c: Chrome,
    pub unit_code: String,
    pub unit_name: String,
    pub problem: Option<(String, String)>,
    pub max_rows: usize,
    pub max_mb: usize,
}

#[derive(Template)]
#[template(path = "members_import_preview.html")]
pub struct PreviewPage {
    pub c: Chrome,
    pub unit_code: String,
    pub unit_name: String,
    pub file_name: String,
    pub rows: Vec<RowOutcome>,
    pub valid: usize,
    pub invalid: usize,
    pub new_people: usize,
    pub key: String,
    pub sha256: String,
    pub notice: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "members_import_done.html")]
pub struct DonePage {
    pub c: Chrome,
    pub unit_code: String,
    pub unit_name: String,
    pub members: usize,
    pub new_people: usize,
}

fn upload_view(
    c: Chrome,
    unit: &Unit,
    problem: Option<(String, String)>,
) -> PageResult<Html<String>> {
    render(&UploadPage {
        c,
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        problem,
        max_rows: MAX_ROWS,
        max_mb: MAX_UPLOAD_BYTES / 1024 / 1024,
    })
}

/// A refused workbook: the upload page with the reason and the error's 4xx status; anything
/// else (a 5xx) goes to the error page.
fn refuse(c: Chrome, unit: &Unit, e: AppError) -> PageResult<Response> {
    let message = match &e {
        AppError::Invalid(_)
        | AppError::BadRequest { .. }
        | AppError::Unprocessable { .. }
        | AppError::Conflict(_) => e.messages(),
        AppError::PayloadTooLarge => (
            format!("Tệp quá lớn (tối đa {} MB)", MAX_UPLOAD_BYTES / 1024 / 1024),
            format!(
                "The file is too large (at most {} MB)",
                MAX_UPLOAD_BYTES / 1024 / 1024
            ),
        ),
        _ => return Err(PageError(e)),
    };
    Ok((e.status(), upload_view(c, unit, Some(message))?).into_response())
}

pub async fn upload_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult<Html<String>> {
    let unit = import_unit(&state.db, &v, &code).await?;
    upload_view(c, &unit, None)
}

/// The uploaded file.
async fn read_upload(
    form: Result<Multipart, MultipartRejection>,
) -> Result<(String, Bytes), AppError> {
    let unreadable = |e: &dyn std::fmt::Display| {
        AppError::bad_request(
            "Không đọc được tệp gửi lên",
            format!("The upload could not be read: {e}"),
        )
    };
    let mut form = form.map_err(|e| unreadable(&e))?;
    let mut out = (String::new(), Bytes::new());
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(AppError::PayloadTooLarge)
            }
            Err(e) => return Err(unreadable(&e)),
        };
        if field.name() == Some("file") {
            out.0 = field.file_name().unwrap_or("").chars().take(200).collect();
            out.1 = match field.bytes().await {
                Ok(b) => b,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    return Err(AppError::PayloadTooLarge)
                }
                Err(e) => return Err(unreadable(&e)),
            };
        }
    }
    if out.1.is_empty() {
        return Err(AppError::bad_request(
            "Chưa chọn tệp Excel để tải lên",
            "Choose an Excel file to upload",
        ));
    }
    Ok(out)
}

fn preview_page(
    c: Chrome,
    unit: &Unit,
    rows: Vec<RowOutcome>,
    file_name: String,
    key: String,
    sha256: String,
    notice: Option<(String, String)>,
) -> PreviewPage {
    let valid = rows.iter().filter(|r| r.ok()).count();
    let new_people = rows.iter().filter(|r| r.new_person).count();
    PreviewPage {
        c,
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        file_name,
        invalid: rows.len() - valid,
        valid,
        new_people,
        rows,
        key,
        sha256,
        notice,
    }
}

pub async fn preview(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> PageResult<Response> {
    let unit = import_unit(&state.db, &v, &code).await?;
    let (file_name, bytes) = match read_upload(form).await {
        Ok(up) => up,
        Err(e) => return refuse(c, &unit, e),
    };
    let sha256 = sha256_hex(&bytes);
    if imported_at(&state.db, &sha256).await?.is_some() {
        let page = upload_view(c, &unit, Some(already()))?;
        return Ok((StatusCode::CONFLICT, page).into_response());
    }
    let rows = match check(&state.db, &v, &unit, bytes.clone()).await {
        Ok(r) => r,
        Err(e) => return refuse(c, &unit, e),
    };
    // Only a workbook that can be stored waits for its confirmation.
    let key = if rows.iter().all(RowOutcome::ok) {
        state.files.put(KEY_PREFIX, bytes.to_vec()).await?
    } else {
        String::new()
    };
    let page = preview_page(c, &unit, rows, file_name, key, sha256, None);
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct CommitForm {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub sha256: String,
    #[serde(default)]
    pub file_name: String,
}

/// Stored workbooks are `member-imports/` and 32 hex digits (see `Files::put`).
fn valid_key(key: &str) -> bool {
    key.strip_prefix(KEY_PREFIX)
        .and_then(|k| k.strip_prefix('/'))
        .is_some_and(|k| k.len() == 32 && k.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn gone() -> AppError {
    AppError::bad_request(
        "Không tìm thấy tệp đã xem trước; hãy tải tệp lên lại",
        "The previewed workbook cannot be found; upload it again",
    )
}

pub async fn commit(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<CommitForm>,
) -> PageResult<Response> {
    let unit = import_unit(&state.db, &v, &code).await?;
    if !valid_key(&f.key) {
        return refuse(c, &unit, gone());
    }
    let Ok(bytes) = state.files.get(&f.key).await else {
        return refuse(c, &unit, gone());
    };
    let sha256 = sha256_hex(&bytes);
    if sha256 != f.sha256 {
        return refuse(c, &unit, gone());
    }
    let Some(_claim) = Claim::take(&sha256) else {
        let busy = (
            "Tệp này đang được lưu; hãy đợi một lát rồi xem danh sách hội viên".to_owned(),
            "This workbook is being saved; wait a moment, then look at the member list".to_owned(),
        );
        let page = upload_view(c, &unit, Some(busy))?;
        return Ok((StatusCode::CONFLICT, page).into_response());
    };
    if imported_at(&state.db, &sha256).await?.is_some() {
        let page = upload_view(c, &unit, Some(already()))?;
        return Ok((StatusCode::CONFLICT, page).into_response());
    }
    let rows = match check(&state.db, &v, &unit, bytes).await {
        Ok(r) => r,
        Err(e) => return refuse(c, &unit, e),
    };
    let file_name: String = f.file_name.chars().take(200).collect();
    if !rows.iter().all(RowOutcome::ok) {
        let notice = (
            "Có dòng lỗi nên chưa lưu gì. Hãy sửa tệp rồi tải lên lại".to_owned(),
            "Some rows have errors, so nothing was saved. Correct the file and upload it again"
                .to_owned(),
        );
        let page = preview_page(
            c,
            &unit,
            rows,
            file_name,
            String::new(),
            sha256,
            Some(notice),
        );
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    match write(&state.db, &v, &unit, &sha256, &file_name, &rows).await? {
        Ok(saved) => {
            let page = DonePage {
                c,
                unit_code: unit.code.clone(),
                unit_name: unit.name.clone(),
                members: saved.members,
                new_people: saved.new_people,
            };
            Ok(render(&page)?.into_response())
        }
        Err((row, vi, en)) => {
            let notice = (
                format!("Dòng {row}: {vi}. Chưa lưu gì; hãy sửa tệp rồi tải lên lại"),
                format!("Row {row}: {en}. Nothing was saved; correct the file and upload it again"),
            );
            let page = preview_page(
                c,
                &unit,
                rows,
                file_name,
                String::new(),
                sha256,
                Some(notice),
            );
            Ok((StatusCode::CONFLICT, render(&page)?).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_recognised_with_or_without_accents() {
        assert_eq!(col_of("Họ và tên"), Some(Col::Name));
        assert_eq!(col_of("HO VA TEN"), Some(Col::Name));
        assert_eq!(col_of("Ngày vào hội (dd/mm/yyyy)"), Some(Col::Joined));
        assert_eq!(col_of("Mã chi hội"), Some(Col::Branch));
        assert_eq!(col_of("Phone"), Some(Col::Phone));
        assert_eq!(col_of("STT"), None);
    }

    #[test]
    fn phones_typed_as_numbers_keep_their_zero() {
        assert_eq!(phone_text(&Value::Num(912_345_678.0)), "0912345678");
        assert_eq!(
            phone_text(&Value::Text("0912 345 678".into())),
            "0912 345 678"
        );
    }

    #[test]
    fn keys_of_the_file_store_only() {
        assert!(valid_key("member-imports/0123456789abcdef0123456789abcdef"));
        assert!(!valid_key("batches/0123456789abcdef0123456789abcdef"));
        assert!(!valid_key("member-imports/../secret"));
    }
}
