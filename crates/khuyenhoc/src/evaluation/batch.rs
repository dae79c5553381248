//! Paper path: an Excel template to download, and a filled workbook imported as a batch.
//!
//! The flow has three steps and stores nothing until the last one:
//! 1. `GET …/batch/template.xlsx`: a workbook made for the unit's province and year (one column
//!    per indicator of the citizen criteria set in force, validation on every score cell, an
//!    instructions sheet with the form-group codes and the maxima).
//! 2. `POST …/batch` (multipart): the uploaded workbook is read from memory with a streaming
//!    cell reader, every data row is checked (person, phone, form group, every score) and scored
//!    with the criteria engine; the page lists every row's outcome. Nothing is written to the
//!    database; the bytes go to the file store (`batches/…`) so that the confirm form only
//!    carries their key, their SHA-256 and a digest of what the preview promised.
//! 3. `POST …/batch/commit`: the same bytes are read and checked again; when the outcome still
//!    matches the digest, every accepted row is written in ONE transaction (new people,
//!    evaluations registered on behalf, answered and submitted, their events and audit
//!    entries, and one audit entry for the batch). Any failure rolls everything back.
//!
//! Progress: a workbook of more than `STREAM_ABOVE` data rows gets, for steps 2 and 3, a page
//! streamed as the work goes (no JavaScript): its head and heading at once, a line every
//! `PROGRESS_EVERY` rows read and checked, a line for every chunk written, then the same
//! outcome a small workbook gets at once. Such a page's status is 200 whatever the outcome (it
//! is sent first); refusals found before any row is checked (file, header, year, a workbook
//! imported already) keep their own status. The work runs on a task of its own and ends the
//! same way (committed, or rolled back) whether or not the browser still reads the page.
//!
//! Limits: uploads of at most `MAX_UPLOAD_BYTES`, at most `MAX_UNPACKED_BYTES` once unzipped,
//! at most `MAX_ROWS` data rows. Blank rows are skipped wherever they are.

use super::model::{Answer, Answers};
use super::score::DISADVANTAGED;
use super::sets;
use crate::accounts::model::{find_visible, Lookup, Person};
use crate::audit::{self, Actor, Change};
use crate::auth::{perm, Viewer};
use crate::db::{is_unique_violation, now, Tx};
use crate::error::{AppError, PageError, PageResult};
use crate::i18n::Lang;
use crate::org::model::Unit;
use crate::state::AppState;
use crate::web::extract::{PageForm, PageQuery};
use crate::web::layout::{render, Chrome};
use crate::web::route::{r, Access, Route};
use askama::Template;
use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use bytes::Bytes;
use calamine::{DataRef, Reader, Xlsx, XlsxError};
use khuyenhoc_criteria::{
    Answer as EngineAnswer, Answers as EngineAnswers, Computed, CriteriaSet, Indicator, Rule,
    Subject,
};
use khuyenhoc_domain::text::fold;
use khuyenhoc_domain::{Gender, PersonName, PhoneNumber};
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationRule, Format, FormatAlign, FormatBorder, Workbook,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{Cursor, Read};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::mpsc;

/// Largest upload accepted.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// Largest total size of the workbook's parts once unzipped (a guard against zip bombs).
pub const MAX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;
/// Most data rows in one workbook.
pub const MAX_ROWS: usize = 3000;
/// Columns read; anything further right is reported, never stored.
const MAX_COLUMNS: u32 = 200;
/// Rows written between two progress lines in the log during a commit.
const CHUNK: usize = 200;
/// The sheet the template puts the rows on (the first sheet is read when it is missing).
pub const DATA_SHEET: &str = "Phiếu nhập";
pub const HELP_SHEET: &str = "Hướng dẫn";
const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// The audit entity of a committed batch; its id is the SHA-256 of the workbook.
const BATCH_ENTITY: &str = "evaluation_batch";

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        r(M::GET, "/units/{code}/batch/template.xlsx", Officer, "Excel template for Learning Citizen forms collected on paper", template),
        r(M::GET, "/units/{code}/batch", Officer, "Upload a filled Excel workbook of Learning Citizen forms", upload_page),
        upload(r(M::POST, "/units/{code}/batch", Officer, "Preview an uploaded workbook: every row's outcome, nothing saved", preview)),
        r(M::POST, "/units/{code}/batch/commit", Officer, "Save the accepted rows of a previewed workbook, all or nothing", commit),
    ]
}

/// The upload route takes workbooks larger than other requests.
fn upload(mut route: Route) -> Route {
    route.handler = route.handler.layer(axum::extract::DefaultBodyLimit::max(
        MAX_UPLOAD_BYTES + 64 * 1024,
    ));
    route
}

fn this_year() -> i64 {
    i64::from(chrono::Datelike::year(&chrono::Utc::now()))
}

fn province_of(unit_path: &str) -> &str {
    unit_path
        .trim_matches('/')
        .split('/')
        .nth(1)
        .unwrap_or("VN")
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

/// The citizen criteria set in force for the unit's province in `year`.
async fn citizen_set(
    state: &AppState,
    unit: &Unit,
    year: i64,
) -> Result<(i64, Arc<CriteriaSet>), AppError> {
    sets::effective(state, "citizen", province_of(&unit.path), year).await
}

// ---------------------------------------------------------------------------------------------
// Columns

/// The fixed columns before the indicators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    Phone,
    BirthYear,
    Gender,
    FormGroup,
}

const FIXED: [(Field, &str, &str); 5] = [
    (Field::Name, "Họ và tên", "Full name"),
    (Field::Phone, "Số điện thoại", "Phone number"),
    (Field::BirthYear, "Năm sinh", "Birth year"),
    (Field::Gender, "Giới tính", "Gender"),
    (Field::FormGroup, "Nhóm đối tượng (mã)", "Form group (code)"),
];

fn field_label(f: Field) -> (&'static str, &'static str) {
    FIXED
        .iter()
        .find(|x| x.0 == f)
        .map(|x| (x.1, x.2))
        .unwrap_or(("", ""))
}

/// The indicators a workbook has columns for: every one not computed by the program.
fn entered(set: &CriteriaSet) -> Vec<&Indicator> {
    set.indicators()
        .map(|(_, i)| i)
        .filter(|i| !matches!(i.rule, Rule::Computed { .. }))
        .collect()
}

/// What a value of the indicator may be: (lowest, highest).
fn bounds(i: &Indicator) -> (u32, u32) {
    match i.rule {
        Rule::YesNo => (0, 1),
        Rule::Count { cap, .. } => (0, cap.max(1).saturating_mul(100)),
        _ => (0, i.max),
    }
}

fn indicator_header(i: &Indicator) -> String {
    match i.rule {
        Rule::YesNo => format!("{} (1 = có, 0 = không) [{}]", i.text.vi, i.code),
        Rule::Count { .. } => format!("{} (số lượng) [{}]", i.text.vi, i.code),
        _ => format!("{} (tối đa {}) [{}]", i.text.vi, i.max, i.code),
    }
}

/// Excel's column letters: 0 → A, 26 → AA (also used by the members import).
pub(crate) fn col_letter(mut c: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(char::from(b'A' + u8::try_from(c % 26).unwrap_or(0)));
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.iter().rev().collect()
}

// ---------------------------------------------------------------------------------------------
// The template

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Internal(anyhow::anyhow!("writing the Excel template: {e}"))
}

/// The template workbook: the rows sheet, then the instructions.
pub fn template_workbook(
    set: &CriteriaSet,
    unit_name: &str,
    year: i64,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    data_sheet(&mut wb, set)?;
    help_sheet(&mut wb, set, unit_name, year)?;
    wb.save_to_buffer()
}

fn data_sheet(wb: &mut Workbook, set: &CriteriaSet) -> Result<(), rust_xlsxwriter::XlsxError> {
    let head = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border(FormatBorder::Thin)
        .set_background_color(Color::RGB(0x00E2_EFDA));
    let text = Format::new().set_num_format("@");
    let ws = wb.add_worksheet();
    ws.set_name(DATA_SHEET)?;
    let last = u32::try_from(MAX_ROWS).unwrap_or(3000);
    for (c, (_, vi, _)) in FIXED.iter().enumerate() {
        let c = u16::try_from(c).unwrap_or(0);
        ws.write_string_with_format(0, c, *vi, &head)?;
    }
    ws.set_column_width(0, 28)?;
    ws.set_column_width(1, 16)?;
    ws.set_column_format(1, &text)?;
    ws.set_column_width(2, 10)?;
    ws.set_column_width(3, 10)?;
    ws.set_column_width(4, 18)?;
    let birth = DataValidation::new()
        .allow_whole_number(DataValidationRule::Between(
            1900,
            i32::try_from(this_year()).unwrap_or(2100),
        ))
        .set_error_message("Năm sinh là số có 4 chữ số")?;
    ws.add_data_validation(1, 2, last, 2, &birth)?;
    if let Ok(g) = DataValidation::new().allow_list_strings(&["Nam", "Nữ", "Khác"]) {
        ws.add_data_validation(1, 3, last, 3, &g)?;
    }
    let codes: Vec<&str> = set.form_groups().iter().map(|g| g.code.as_str()).collect();
    if !codes.is_empty() {
        if let Ok(fg) = DataValidation::new().allow_list_strings(&codes) {
            ws.add_data_validation(1, 4, last, 4, &fg)?;
        }
    }
    for (k, i) in entered(set).into_iter().enumerate() {
        let c = u16::try_from(FIXED.len() + k).unwrap_or(u16::MAX);
        ws.write_string_with_format(0, c, indicator_header(i), &head)?;
        ws.set_column_width(c, 18)?;
        let (lo, hi) = bounds(i);
        let lo = i32::try_from(lo).unwrap_or(0);
        let hi = i32::try_from(hi).unwrap_or(i32::MAX);
        let dv = DataValidation::new()
            .allow_whole_number(DataValidationRule::Between(lo, hi))
            .set_error_title("Điểm không hợp lệ")?
            .set_error_message(format!("Nhập một số nguyên từ {lo} đến {hi}"))?;
        ws.add_data_validation(1, c, last, c, &dv)?;
    }
    ws.set_row_height(0, 96)?;
    ws.set_freeze_panes(1, 1)?;
    Ok(())
}

fn help_sheet(
    wb: &mut Workbook,
    set: &CriteriaSet,
    unit_name: &str,
    year: i64,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(HELP_SHEET)?;
    ws.set_column_width(0, 24)?;
    ws.set_column_width(1, 90)?;
    ws.set_column_width(2, 12)?;
    let mut row = 0u32;
    let line = |ws: &mut rust_xlsxwriter::Worksheet,
                row: &mut u32,
                a: &str,
                b: &str,
                f: Option<&Format>|
     -> Result<(), rust_xlsxwriter::XlsxError> {
        match f {
            Some(f) => ws.write_string_with_format(*row, 0, a, f)?,
            None => ws.write_string(*row, 0, a)?,
        };
        ws.write_string(*row, 1, b)?;
        *row += 1;
        Ok(())
    };
    let title = format!("{} năm {year} — {unit_name}", set.title().vi);
    line(ws, &mut row, "Mẫu nhập phiếu", &title, Some(&bold))?;
    let version = format!(
        "{} (phiên bản {}, {})",
        set.code(),
        set.version(),
        set.owner()
    );
    line(ws, &mut row, "Bộ tiêu chí", &version, None)?;
    for (a, b) in [
        ("Cách điền", "Mỗi người một dòng trên trang «Phiếu nhập», bắt đầu từ dòng 2. Không sửa dòng tiêu đề; dòng trống được bỏ qua."),
        ("Số điện thoại", "Dùng để tìm người đã có trong đơn vị; để trống nếu người đó không có điện thoại (một người mới sẽ được tạo). Gõ như 0912 345 678."),
        ("Người đã có", "Họ và tên phải khớp với người có số điện thoại đó; năm sinh và giới tính của người đã có không bị thay đổi."),
        ("Điểm", "Mỗi chỉ số là một số nguyên từ 0 đến mức tối đa ghi ở tiêu đề cột. Phải điền đủ mọi chỉ số."),
        ("Lưu", "Tải tệp lên để xem trước từng dòng: chưa có gì được lưu cho tới khi bạn xác nhận; khi xác nhận, mọi dòng hợp lệ được lưu cùng lúc và được nộp thay cho công dân."),
        ("Giới hạn", "Tệp .xlsx tối đa 10 MB, tối đa 3000 dòng dữ liệu."),
    ] {
        line(ws, &mut row, a, b, None)?;
    }
    row += 1;
    line(ws, &mut row, "Mã nhóm đối tượng", "Tên nhóm", Some(&bold))?;
    for g in set.form_groups() {
        let name = format!("{} / {}", g.name.vi, g.name.en);
        line(ws, &mut row, &g.code, &name, None)?;
    }
    row += 1;
    ws.write_string_with_format(row, 0, "Cột · mã chỉ số", &bold)?;
    ws.write_string_with_format(row, 1, "Chỉ số", &bold)?;
    ws.write_string_with_format(row, 2, "Tối đa", &bold)?;
    row += 1;
    for (k, i) in entered(set).into_iter().enumerate() {
        let col = col_letter(u32::try_from(FIXED.len() + k).unwrap_or(0));
        ws.write_string(row, 0, format!("{col} · {}", i.code))?;
        ws.write_string(row, 1, &i.text.vi)?;
        ws.write_number(row, 2, f64::from(bounds(i).1))?;
        row += 1;
    }
    Ok(())
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    #[serde(default)]
    pub year: Option<i64>,
}

pub async fn template(
    State(state): State<AppState>,
    v: Viewer,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<YearQuery>,
) -> PageResult<Response> {
    let unit = entry_unit(&state, &v, &code).await?;
    let year = check_year(q.year.unwrap_or_else(this_year))?;
    let (_, set) = citizen_set(&state, &unit, year).await?;
    let bytes = template_workbook(&set, &unit.name, year).map_err(xlsx_error)?;
    let disposition = format!(
        "attachment; filename=\"mau-cong-dan-hoc-tap-{}-{year}.xlsx\"",
        unit.code
    );
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
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A date, an error value: shown as read, never accepted as a number.
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
            DataRef::Int(i) => Some(Value::Int(*i)),
            DataRef::Float(f) => Some(Value::Float(*f)),
            DataRef::String(s) => text(s),
            DataRef::SharedString(s) => text(s),
            DataRef::Bool(b) => Some(Value::Bool(*b)),
            DataRef::DateTime(d) => Some(Value::Other(d.to_string())),
            DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Some(Value::Other(s.clone())),
            DataRef::Error(e) => Some(Value::Other(format!("#{e}"))),
        }
    }

    /// The value as the officer typed it.
    fn text(&self) -> String {
        match self {
            Value::Text(s) | Value::Other(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        }
    }

    /// The same, at most 100 characters (for pages and messages).
    fn shown(&self) -> String {
        let s = self.text();
        if s.chars().count() > 100 {
            s.chars().take(99).chain(std::iter::once('…')).collect()
        } else {
            s
        }
    }

    /// A whole number, if the value is one.
    fn whole(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Float(f) => float_whole(*f),
            Value::Text(s) => {
                let s = s.trim();
                s.parse::<i64>()
                    .ok()
                    .or_else(|| s.parse::<f64>().ok().and_then(float_whole))
            }
            _ => None,
        }
    }
}

fn float_whole(f: f64) -> Option<i64> {
    // Within ±1e15 every whole f64 converts exactly.
    #[allow(clippy::cast_possible_truncation)]
    (f.fract() == 0.0 && f.abs() < 1e15).then_some(f as i64)
}

/// One non-blank row: its Excel row number (from 1) and its non-empty cells by column.
#[derive(Debug, Clone)]
struct RawRow {
    number: u32,
    cells: BTreeMap<u32, Value>,
    /// The first column beyond `MAX_COLUMNS` holding something, if any.
    stray: Option<u32>,
}

impl RawRow {
    fn get(&self, col: Option<u32>) -> Option<&Value> {
        col.and_then(|c| self.cells.get(&c))
    }
}

#[derive(Debug)]
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
        vi: "Tệp chưa có dòng dữ liệu nào: hãy điền mỗi người một dòng dưới dòng tiêu đề".into(),
        en: "The file has no data rows: fill in one row per person below the header row".into(),
    }
}

fn too_many_rows() -> AppError {
    AppError::Unprocessable {
        vi: format!("Tệp có hơn {MAX_ROWS} dòng dữ liệu: hãy chia thành nhiều tệp nhỏ hơn"),
        en: format!("The file has more than {MAX_ROWS} data rows: split it into smaller files"),
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
                vi: format!(
                    "Tệp giải nén ra quá lớn (hơn {} MB): hãy chia thành nhiều tệp",
                    MAX_UNPACKED_BYTES / 1024 / 1024
                ),
                en: format!(
                    "The workbook unpacks to more than {} MB: split it into several files",
                    MAX_UNPACKED_BYTES / 1024 / 1024
                ),
            });
        }
        left -= read;
    }
    Ok(())
}

/// Reads the rows sheet (see `read_cells`). A workbook that makes the reader panic is not a
/// readable workbook: calamine 0.35 overflows on a cell reference longer than Excel's
/// (`r="AAAAAAAA1"` panics where overflow checks are on, as in debug builds; found by the fuzz
/// target `xlsx_import`), and the answer is the usual 400, never a 500.
fn read_sheet(bytes: &[u8]) -> Result<Sheet, AppError> {
    check_unpacked(bytes)?;
    std::panic::catch_unwind(|| read_cells(bytes)).unwrap_or_else(|_| Err(not_xlsx()))
}

/// Reads the rows sheet cell by cell (never the whole grid, so a sheet with a cell at XFD1048576
/// or 100,000 blank rows costs nothing). The header is the first non-blank row.
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
        // A worksheet with no cells at all has an empty `<sheetData/>`.
        Err(XlsxError::NotAWorksheet(_) | XlsxError::XmlEof(_)) => return Err(empty_file()),
        Err(_) => return Err(not_xlsx()),
    };
    let mut header: Option<RawRow> = None;
    let mut rows: Vec<RawRow> = Vec::new();
    let mut current: Option<RawRow> = None;
    let mut finish = |row: RawRow, header: &mut Option<RawRow>| -> Result<(), AppError> {
        if header.is_none() {
            *header = Some(row);
        } else if rows.len() >= MAX_ROWS {
            return Err(too_many_rows());
        } else {
            rows.push(row);
        }
        Ok(())
    };
    while let Some(cell) = cells.next_cell().map_err(|_| not_xlsx())? {
        let Some(value) = Value::of(cell.get_value()) else {
            continue;
        };
        let (r, c) = cell.get_position();
        if current.as_ref().is_some_and(|x| x.number != r + 1) {
            if let Some(done) = current.take() {
                finish(done, &mut header)?;
            }
        }
        let row = current.get_or_insert_with(|| RawRow {
            number: r + 1,
            cells: BTreeMap::new(),
            stray: None,
        });
        if c < MAX_COLUMNS {
            row.cells.insert(c, value);
        } else if row.stray.is_none() {
            row.stray = Some(c);
        }
    }
    if let Some(done) = current.take() {
        finish(done, &mut header)?;
    }
    let header = header.ok_or_else(empty_file)?;
    if rows.is_empty() {
        return Err(empty_file());
    }
    Ok(Sheet { header, rows })
}

// ---------------------------------------------------------------------------------------------
// The header

/// Where each column of the set is in this workbook.
#[derive(Debug, Clone)]
struct Columns {
    fixed: BTreeMap<u32, Field>,
    /// Column → indicator code.
    indicators: BTreeMap<u32, String>,
    width: u32,
}

impl Columns {
    fn of(&self, f: Field) -> Option<u32> {
        self.fixed.iter().find(|(_, x)| **x == f).map(|(c, _)| *c)
    }
}

/// The text before any "(…)" or "[…]", folded.
fn header_base(s: &str) -> String {
    let cut = s.find(['(', '[']).unwrap_or(s.len());
    fold(s.get(..cut).unwrap_or(s)).trim().to_owned()
}

fn field_of(header: &str) -> Option<Field> {
    let base = header_base(header);
    let is = |names: &[&str]| names.contains(&base.as_str());
    if is(&["ho va ten", "ho ten", "full name", "name"]) {
        Some(Field::Name)
    } else if is(&[
        "so dien thoai",
        "dien thoai",
        "sdt",
        "phone",
        "phone number",
    ]) {
        Some(Field::Phone)
    } else if is(&["nam sinh", "birth year"]) {
        Some(Field::BirthYear)
    } else if is(&["gioi tinh", "gender"]) {
        Some(Field::Gender)
    } else if is(&["nhom doi tuong", "nhom", "form group"]) {
        Some(Field::FormGroup)
    } else {
        None
    }
}

/// The indicator a header names: by the code in its last "[…]", else by its text.
fn indicator_of<'a>(header: &str, indicators: &[&'a Indicator]) -> Option<&'a Indicator> {
    if let (Some(open), Some(close)) = (header.rfind('['), header.rfind(']')) {
        if open < close {
            let code = header.get(open + 1..close).unwrap_or("").trim();
            if let Some(i) = indicators.iter().find(|i| i.code == code) {
                return Some(i);
            }
        }
    }
    // Without a code: the header starts with the indicator's text (the longest such text wins,
    // as a text may begin another).
    let folded = fold(header);
    let folded = folded.trim();
    indicators
        .iter()
        .filter(|i| folded.starts_with(&fold(&i.text.vi)) || folded.starts_with(&fold(&i.text.en)))
        .max_by_key(|i| i.text.vi.len())
        .copied()
}

fn map_header(header: &RawRow, set: &CriteriaSet, year: i64) -> Result<Columns, AppError> {
    let indicators = entered(set);
    let mut cols = Columns {
        fixed: BTreeMap::new(),
        indicators: BTreeMap::new(),
        width: 0,
    };
    let mut vi: Vec<String> = vec![];
    let mut en: Vec<String> = vec![];
    if let Some(c) = header.stray {
        vi.push(format!("cột {} nằm ngoài mẫu", col_letter(c)));
        en.push(format!("column {} is outside the template", col_letter(c)));
    }
    for (c, v) in &header.cells {
        let full = v.text();
        let text = v.shown();
        let letter = col_letter(*c);
        cols.width = cols.width.max(c + 1);
        if let Some(f) = field_of(&full) {
            if cols.fixed.values().any(|x| *x == f) {
                vi.push(format!("cột {letter} «{text}» lặp lại"));
                en.push(format!("column {letter} “{text}” is repeated"));
            }
            cols.fixed.insert(*c, f);
        } else if let Some(i) = indicator_of(&full, &indicators) {
            if cols.indicators.values().any(|x| *x == i.code) {
                vi.push(format!("cột {letter} «{text}» lặp lại"));
                en.push(format!("column {letter} “{text}” is repeated"));
            }
            cols.indicators.insert(*c, i.code.clone());
        } else {
            vi.push(format!("cột {letter} «{text}» không thuộc mẫu"));
            en.push(format!("column {letter} “{text}” is not in the template"));
        }
    }
    let mut required = vec![Field::Name, Field::Phone];
    if !set.form_groups().is_empty() {
        required.push(Field::FormGroup);
    }
    for f in required {
        if cols.of(f).is_none() {
            let (a, b) = field_label(f);
            vi.push(format!("thiếu cột «{a}»"));
            en.push(format!("the column “{b}” is missing"));
        }
    }
    for i in &indicators {
        if !cols.indicators.values().any(|x| *x == i.code) {
            vi.push(format!("thiếu cột chỉ số «{}»", i.text.vi));
            en.push(format!(
                "the column of indicator “{}” is missing",
                i.text.en
            ));
        }
    }
    if vi.is_empty() {
        return Ok(cols);
    }
    Err(AppError::Unprocessable {
        vi: format!(
            "Dòng tiêu đề (dòng {}) không đúng mẫu năm {year}: {}. Hãy dùng tệp mẫu tải từ trang này",
            header.number,
            vi.join("; ")
        ),
        en: format!(
            "The header row (row {}) does not match the {year} template: {}. Use the template downloaded from this page",
            header.number,
            en.join("; ")
        ),
    })
}

// ---------------------------------------------------------------------------------------------
// Checking the rows

/// One reason a row is refused, with the column it concerns (if any).
#[derive(Debug, Clone)]
pub struct Problem {
    pub line_vi: String,
    pub line_en: String,
}

fn problem(row: u32, col: Option<(u32, &str, &str)>, vi: &str, en: &str) -> Problem {
    match col {
        Some((c, a, b)) => Problem {
            line_vi: format!("Dòng {row}, cột {} ({a}): {vi}", col_letter(c)),
            line_en: format!("Row {row}, column {} ({b}): {en}", col_letter(c)),
        },
        None => Problem {
            line_vi: format!("Dòng {row}: {vi}"),
            line_en: format!("Row {row}: {en}"),
        },
    }
}

/// A row read and checked on its own (no database yet).
#[derive(Debug, Clone)]
struct Parsed {
    name: PersonName,
    phone: Option<PhoneNumber>,
    birth_year: Option<i64>,
    gender: Option<Gender>,
    form_group: Option<String>,
    values: BTreeMap<String, u32>,
}

/// The phone as text: numbers typed into a cell lose their leading 0, so it is put back.
fn phone_text(v: &Value) -> String {
    match v.whole() {
        Some(n) if !matches!(v, Value::Text(_)) => {
            let d = n.to_string();
            let lost_zero = (d.len() == 9 && !d.starts_with("84") && !d.starts_with('0'))
                || (d.len() == 10 && d.starts_with('2'));
            if lost_zero {
                format!("0{d}")
            } else {
                d
            }
        }
        _ => v.shown(),
    }
}

fn gender_of(v: &Value) -> Option<Gender> {
    match fold(&v.shown()).trim() {
        "nam" | "male" | "m" => Some(Gender::Male),
        "nu" | "female" | "f" => Some(Gender::Female),
        "khac" | "other" => Some(Gender::Other),
        _ => None,
    }
}

/// One score cell: `Ok(None)` when empty, else a whole number within the indicator's bounds.
fn score_of(v: Option<&Value>, i: &Indicator) -> Result<Option<u32>, (String, String)> {
    let Some(v) = v else { return Ok(None) };
    let n = match (v, &i.rule) {
        (Value::Bool(b), Rule::YesNo) => i64::from(*b),
        (Value::Text(s), Rule::YesNo) if matches!(fold(s).as_str(), "co" | "x" | "yes") => 1,
        (Value::Text(s), Rule::YesNo) if matches!(fold(s).as_str(), "khong" | "no") => 0,
        _ => v.whole().ok_or_else(|| {
            let s = v.shown();
            (
                format!("«{s}» không phải là số nguyên"),
                format!("“{s}” is not a whole number"),
            )
        })?,
    };
    let (lo, hi) = bounds(i);
    if n < i64::from(lo) {
        return Err((
            format!("Điểm {n} nhỏ hơn {lo}"),
            format!("{n} is below {lo}"),
        ));
    }
    if n > i64::from(hi) {
        return Err((
            format!("Điểm {n} vượt quá mức tối đa {hi}"),
            format!("{n} is above the maximum of {hi}"),
        ));
    }
    Ok(u32::try_from(n).ok())
}

fn form_group_of(v: Option<&Value>, set: &CriteriaSet) -> Result<Option<String>, (String, String)> {
    if set.form_groups().is_empty() {
        return Ok(None);
    }
    let Some(v) = v else {
        return Err((
            "Thiếu nhóm đối tượng".into(),
            "The form group is missing".into(),
        ));
    };
    let s = v.shown();
    let f = fold(&s);
    let f = f.trim();
    if let Some(g) = set
        .form_groups()
        .iter()
        .find(|g| fold(&g.code) == f || fold(&g.name.vi) == f || fold(&g.name.en) == f)
    {
        return Ok(Some(g.code.clone()));
    }
    let codes: Vec<&str> = set.form_groups().iter().map(|g| g.code.as_str()).collect();
    Err((
        format!(
            "Không có nhóm đối tượng «{s}»; dùng một trong các mã: {}",
            codes.join(", ")
        ),
        format!("No form group “{s}”; use one of: {}", codes.join(", ")),
    ))
}

/// The score cells of a row. `form_group` is `None` when it could not be read (every indicator
/// is then expected).
fn row_scores(
    row: &RawRow,
    cols: &Columns,
    set: &CriteriaSet,
    form_group: Option<Option<&str>>,
    problems: &mut Vec<Problem>,
) -> BTreeMap<String, u32> {
    let mut values = BTreeMap::new();
    for (c, code) in &cols.indicators {
        let Some(i) = set.indicator(code) else {
            continue;
        };
        let col = Some((*c, i.text.vi.as_str(), i.text.en.as_str()));
        let applies = form_group.is_none_or(|fg| i.applies_to(fg));
        let mut fail = |vi: &str, en: &str| problems.push(problem(row.number, col, vi, en));
        match score_of(row.cells.get(c), i) {
            Err((vi, en)) => fail(&vi, &en),
            Ok(None) if applies => fail("Thiếu điểm", "The score is missing"),
            Ok(Some(_)) if !applies => fail(
                "Chỉ số này không áp dụng cho nhóm đối tượng đã chọn",
                "This indicator does not apply to the chosen form group",
            ),
            Ok(Some(v)) => {
                values.insert(code.clone(), v);
            }
            Ok(None) => {}
        }
    }
    values
}

/// Checks one row on its own: every problem is listed, not only the first.
fn parse_row(row: &RawRow, cols: &Columns, set: &CriteriaSet) -> Result<Parsed, Vec<Problem>> {
    let n = row.number;
    let mut problems = vec![];
    let at = |f: Field| {
        let (a, b) = field_label(f);
        cols.of(f).map(|c| (c, a, b))
    };
    let mut fail = |col: Option<(u32, &str, &str)>, vi: &str, en: &str| {
        problems.push(problem(n, col, vi, en));
    };
    if let Some(c) = row
        .stray
        .or_else(|| row.cells.keys().copied().find(|c| *c >= cols.width))
    {
        fail(
            None,
            &format!("có dữ liệu ở cột {} nằm ngoài mẫu", col_letter(c)),
            &format!(
                "there is data in column {}, outside the template",
                col_letter(c)
            ),
        );
    }
    let name = match row.get(cols.of(Field::Name)) {
        None => {
            fail(
                at(Field::Name),
                "Thiếu họ và tên",
                "The full name is missing",
            );
            None
        }
        Some(v) => PersonName::parse(&v.text())
            .map_err(|e| fail(at(Field::Name), e.vi, e.en))
            .ok(),
    };
    let phone = row
        .get(cols.of(Field::Phone))
        .map(|v| PhoneNumber::parse(&phone_text(v)))
        .transpose()
        .unwrap_or_else(|e| {
            fail(at(Field::Phone), e.vi, e.en);
            None
        });
    let limit = this_year();
    let birth_year = match row.get(cols.of(Field::BirthYear)) {
        None => None,
        Some(v) => match v.whole().filter(|y| (1900..=limit).contains(y)) {
            Some(y) => Some(y),
            None => {
                fail(
                    at(Field::BirthYear),
                    "Năm sinh không hợp lệ",
                    "Invalid birth year",
                );
                None
            }
        },
    };
    let gender = match row.get(cols.of(Field::Gender)) {
        None => None,
        Some(v) => gender_of(v).or_else(|| {
            fail(
                at(Field::Gender),
                "Giới tính không hợp lệ (Nam, Nữ hoặc Khác)",
                "Invalid gender (Nam, Nữ or Khác)",
            );
            None
        }),
    };
    let form_group = form_group_of(row.get(cols.of(Field::FormGroup)), set)
        .map_err(|(vi, en)| fail(at(Field::FormGroup), &vi, &en))
        .ok();
    let values = row_scores(
        row,
        cols,
        set,
        form_group.as_ref().map(Option::as_deref),
        &mut problems,
    );
    match (name, form_group, problems.is_empty()) {
        (Some(name), Some(form_group), true) => Ok(Parsed {
            name,
            phone,
            birth_year,
            gender,
            form_group,
            values,
        }),
        _ => Err(problems),
    }
}

/// What an upload learns from a workbook before it asks the database anything: the sheet read
/// cell by cell, its header matched to the set's columns, and every row checked on its own.
/// Answers the number of rows without a problem, or the refusal the upload would show. The fuzz
/// target `xlsx_import` (in `fuzz/`) calls it with arbitrary bytes.
#[doc(hidden)]
pub fn check_workbook(bytes: &[u8], set: &CriteriaSet, year: i64) -> Result<usize, AppError> {
    let sheet = read_sheet(bytes)?;
    let cols = map_header(&sheet.header, set, year)?;
    Ok(sheet
        .rows
        .iter()
        .filter(|row| parse_row(row, &cols, set).is_ok())
        .count())
}

/// Who a row is about.
#[derive(Debug, Clone)]
enum Who {
    Existing {
        id: i64,
        unit_id: i64,
        name: String,
    },
    New {
        name: String,
        phone: Option<String>,
        birth_year: Option<i64>,
        gender: Option<Gender>,
    },
}

/// A row that will be saved, and how.
#[derive(Debug, Clone)]
struct Accepted {
    who: Who,
    /// The position whose right to enter evaluations is used.
    enter_position: i64,
    form_group: Option<String>,
    values: BTreeMap<String, u32>,
    disadvantaged: bool,
    total: i64,
    max_total: i64,
    passed: bool,
    level: Option<i64>,
}

#[derive(Debug, Clone)]
struct RowResult {
    number: u32,
    name: String,
    phone: String,
    result: Result<Accepted, Vec<Problem>>,
}

/// A checked workbook.
struct Batch {
    set_id: i64,
    year: i64,
    rows: Vec<RowResult>,
    /// A digest of exactly what would be written; the confirm form carries it.
    plan: String,
}

impl Batch {
    fn accepted(&self) -> impl Iterator<Item = (u32, &Accepted)> {
        self.rows
            .iter()
            .filter_map(|r| r.result.as_ref().ok().map(|a| (r.number, a)))
    }
}

/// What the checks of one workbook share.
struct Check<'a> {
    state: &'a AppState,
    viewer: &'a Viewer,
    unit: &'a Unit,
    set: &'a CriteriaSet,
    year: i64,
    /// The position allowing new people under the unit, if the viewer holds one.
    person_right: Option<i64>,
    /// Phones seen in earlier rows.
    phones: HashMap<String, u32>,
    /// Commune code → disadvantaged area.
    communes: HashMap<String, bool>,
}

/// Whether the commune of a unit path is marked as a disadvantaged area.
async fn disadvantaged(c: &mut Check<'_>, unit_path: &str) -> Result<bool, AppError> {
    let Some(commune) = unit_path.trim_matches('/').split('/').nth(2) else {
        return Ok(false);
    };
    if let Some(flag) = c.communes.get(commune) {
        return Ok(*flag);
    }
    let flag: Option<i64> = sqlx::query_scalar("SELECT disadvantaged FROM units WHERE code = $1")
        .bind(commune)
        .fetch_optional(&c.state.db.pool)
        .await?;
    let flag = flag.unwrap_or(0) != 0;
    c.communes.insert(commune.to_owned(), flag);
    Ok(flag)
}

/// Scores the values with the criteria engine, as the evaluation will be scored once stored.
fn score_values(
    set: &CriteriaSet,
    p: &Parsed,
    disadvantaged: bool,
) -> Result<khuyenhoc_criteria::Outcome, (String, String)> {
    let mut answers = EngineAnswers::new();
    for (code, v) in &p.values {
        let Some(i) = set.indicator(code) else {
            continue;
        };
        let a = match i.rule {
            Rule::Scale => EngineAnswer::Points(i64::from(*v)),
            Rule::YesNo => EngineAnswer::YesNo(*v > 0),
            Rule::Count { .. } => EngineAnswer::Count(i64::from(*v)),
            Rule::Computed { .. } => continue,
        };
        answers.set(code.clone(), a);
    }
    let mut subject = Subject::new();
    if let Some(fg) = p.form_group.as_deref() {
        subject = subject.in_form_group(fg);
    }
    if disadvantaged {
        subject = subject.with_flag(DISADVANTAGED);
    }
    let join = |f: &dyn Fn(&khuyenhoc_criteria::AnswerError) -> String,
                e: &[khuyenhoc_criteria::AnswerError]| {
        e.iter().map(f).collect::<Vec<_>>().join("; ")
    };
    let outcome = set
        .score(&answers, &subject, &Computed::new())
        .map_err(|e| (join(&|x| x.vi(), &e), join(&|x| x.en(), &e)))?;
    let lacking: Vec<&str> = outcome
        .unanswered
        .iter()
        .chain(outcome.missing_evidence.iter())
        .map(String::as_str)
        .collect();
    if lacking.is_empty() {
        Ok(outcome)
    } else {
        Err((
            format!("Chưa thể nộp thay: chỉ số {} cần minh chứng hoặc câu trả lời nhập trên trang hồ sơ", lacking.join(", ")),
            format!("Cannot be submitted from a file: indicator {} needs evidence or an answer entered on the evaluation page", lacking.join(", ")),
        ))
    }
}

/// A new person under the unit, if the viewer may add people there.
fn new_person(c: &Check<'_>, n: u32, p: &Parsed) -> Result<(Who, String), Problem> {
    match c.person_right {
        Some(_) => Ok((
            Who::New {
                name: p.name.as_str().to_owned(),
                phone: p.phone.as_ref().map(|x| x.as_str().to_owned()),
                birth_year: p.birth_year,
                gender: p.gender,
            },
            c.unit.path.clone(),
        )),
        None => Err(problem(
            n,
            None,
            "Bạn không có quyền thêm người mới ở đơn vị này",
            "You may not add new people in this unit",
        )),
    }
}

/// A person of the unit found by phone: the name must match, and no evaluation this year.
async fn existing(
    c: &Check<'_>,
    n: u32,
    p: &Parsed,
    person: Person,
) -> Result<Result<(Who, String), Problem>, AppError> {
    if fold(&person.full_name) != fold(p.name.as_str()) {
        return Ok(Err(problem(
            n,
            None,
            &format!(
                "Số điện thoại này là của «{}», khác họ tên trong tệp",
                person.full_name
            ),
            &format!(
                "This phone number belongs to “{}”, not to the name in the file",
                person.full_name
            ),
        )));
    }
    let registered: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM evaluations WHERE model = 'citizen' AND subject_kind = 'person' AND subject_id = $1 AND year = $2",
    )
    .bind(person.id)
    .bind(c.year)
    .fetch_optional(&c.state.db.pool)
    .await?;
    if registered.is_some() {
        return Ok(Err(problem(
            n,
            None,
            &format!(
                "Người này đã đăng ký danh hiệu Công dân học tập năm {}",
                c.year
            ),
            &format!(
                "This person is already registered for the Learning Citizen title in {}",
                c.year
            ),
        )));
    }
    Ok(Ok((
        Who::Existing {
            id: person.id,
            unit_id: person.unit_id,
            name: person.full_name,
        },
        person.unit_path,
    )))
}

/// Finds who the row is about (by phone among people in scope, else a new person under the
/// unit) and checks that an evaluation may be made for them. Returns them with their unit path.
async fn resolve(
    c: &mut Check<'_>,
    n: u32,
    p: &Parsed,
) -> Result<Result<(Who, String), Problem>, AppError> {
    let Some(phone) = &p.phone else {
        return Ok(new_person(c, n, p));
    };
    if let Some(first) = c.phones.insert(phone.as_str().to_owned(), n) {
        return Ok(Err(problem(
            n,
            None,
            &format!("Số điện thoại trùng với dòng {first}"),
            &format!("The same phone number as row {first}"),
        )));
    }
    let outside = || {
        Err(problem(
            n,
            None,
            &format!(
                "Số điện thoại này thuộc về một người không ở đơn vị {}",
                c.unit.name
            ),
            &format!(
                "This phone number belongs to someone outside {}",
                c.unit.name
            ),
        ))
    };
    match find_visible(&c.state.db, c.viewer, &Lookup::Phone(phone.clone())).await? {
        Some(person) if person.unit_path.starts_with(&c.unit.path) => {
            existing(c, n, p, person).await
        }
        Some(_) => Ok(outside()),
        None => {
            // Out of scope looks like absent, but the number is taken all the same.
            let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM people WHERE phone = $1")
                .bind(phone.as_str())
                .fetch_optional(&c.state.db.pool)
                .await?;
            if taken.is_some() {
                Ok(outside())
            } else {
                Ok(new_person(c, n, p))
            }
        }
    }
}

async fn check_row(c: &mut Check<'_>, cols: &Columns, row: &RawRow) -> Result<RowResult, AppError> {
    let shown = |f: Field| row.get(cols.of(f)).map(Value::shown).unwrap_or_default();
    let mut out = RowResult {
        number: row.number,
        name: shown(Field::Name),
        phone: row
            .get(cols.of(Field::Phone))
            .map(phone_text)
            .unwrap_or_default(),
        result: Err(vec![]),
    };
    let p = match parse_row(row, cols, c.set) {
        Ok(p) => p,
        Err(problems) => {
            out.result = Err(problems);
            return Ok(out);
        }
    };
    let (who, path) = match resolve(c, row.number, &p).await? {
        Ok(x) => x,
        Err(problem) => {
            out.result = Err(vec![problem]);
            return Ok(out);
        }
    };
    let Some(enter_position) = c
        .viewer
        .position_for(perm::EVALUATION_ENTER, &path)
        .map(|p| p.position_id)
    else {
        out.result = Err(vec![problem(
            row.number,
            None,
            "Bạn không có quyền nhập hồ sơ cho người này",
            "You may not enter evaluations for this person",
        )]);
        return Ok(out);
    };
    let flag = disadvantaged(c, &path).await?;
    out.result = match score_values(c.set, &p, flag) {
        Ok(o) => Ok(Accepted {
            who,
            enter_position,
            form_group: p.form_group,
            values: p.values,
            disadvantaged: flag,
            total: i64::from(o.total),
            max_total: i64::from(o.max_total),
            passed: o.passed,
            level: o.level.map(i64::from),
        }),
        Err((vi, en)) => Err(vec![problem(row.number, None, &vi, &en)]),
    };
    Ok(out)
}

fn digest(set_id: i64, year: i64, rows: &[RowResult]) -> String {
    let mut h = Sha256::new();
    h.update(format!("{set_id}|{year}\n"));
    for r in rows {
        if let Ok(a) = &r.result {
            let who = match &a.who {
                Who::Existing { id, .. } => format!("person:{id}"),
                Who::New {
                    name,
                    phone,
                    birth_year,
                    gender,
                } => {
                    format!(
                        "new:{name}:{phone:?}:{birth_year:?}:{:?}",
                        gender.map(Gender::code)
                    )
                }
            };
            let values = serde_json::to_string(&a.values).unwrap_or_default();
            h.update(format!(
                "{}|{who}|{:?}|{values}|{}|{}\n",
                r.number, a.form_group, a.total, a.enter_position
            ));
        }
    }
    hex::encode(h.finalize())
}

/// A workbook read and its header matched, its rows not checked yet.
struct Prepared {
    set_id: i64,
    set: Arc<CriteriaSet>,
    sheet: Sheet,
    cols: Columns,
}

/// Reads a workbook and matches its header to the unit's set for the year. Quick (no row is
/// looked up), so every refusal here still gets its own status before any page is streamed.
async fn prepare(
    state: &AppState,
    unit: &Unit,
    year: i64,
    bytes: Bytes,
) -> Result<Prepared, AppError> {
    let (set_id, set) = citizen_set(state, unit, year).await?;
    let sheet = tokio::task::spawn_blocking(move || read_sheet(&bytes))
        .await
        .map_err(|e| anyhow::anyhow!("reading a workbook: {e}"))??;
    let cols = map_header(&sheet.header, &set, year)?;
    Ok(Prepared {
        set_id,
        set,
        sheet,
        cols,
    })
}

/// Checks every row of a prepared workbook (the slow part: people are looked up). Writes
/// nothing.
async fn check_rows(
    state: &AppState,
    v: &Viewer,
    unit: &Unit,
    year: i64,
    p: &Prepared,
    progress: &Progress,
) -> Result<Batch, AppError> {
    let mut c = Check {
        state,
        viewer: v,
        unit,
        set: &p.set,
        year,
        person_right: v
            .position_for(perm::PERSON_MANAGE, &unit.path)
            .map(|p| p.position_id),
        phones: HashMap::new(),
        communes: HashMap::new(),
    };
    let total = p.sheet.rows.len();
    let mut rows = Vec::with_capacity(total);
    for row in &p.sheet.rows {
        if progress.abandoned() {
            return Err(AppError::bad_request(
                "Đã dừng vì trình duyệt không còn chờ",
                "Stopped as the browser no longer waits",
            ));
        }
        rows.push(check_row(&mut c, &p.cols, row).await?);
        progress.read(rows.len(), total);
    }
    tracing::info!(unit = %unit.code, year, rows = rows.len(), "batch workbook checked");
    Ok(Batch {
        set_id: p.set_id,
        year,
        plan: digest(p.set_id, year, &rows),
        rows,
    })
}

// ---------------------------------------------------------------------------------------------
// Writing

/// Why a commit wrote nothing.
struct Failed {
    row: u32,
    vi: String,
    en: String,
}

/// What a commit wrote.
pub struct Saved {
    pub evaluations: usize,
    pub new_people: usize,
}

async fn insert_person(
    tx: &mut Tx<'_>,
    actor: Actor,
    unit_id: i64,
    name: &str,
    phone: Option<&str>,
    birth_year: Option<i64>,
    gender: Option<Gender>,
) -> Result<i64, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO people (full_name, name_folded, birth_year, gender, phone, email, national_id, unit_id, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, NULL, NULL, $6, NULL, $7) RETURNING id",
    )
    .bind(name)
    .bind(fold(name))
    .bind(birth_year)
    .bind(gender.map(Gender::code))
    .bind(phone)
    .bind(unit_id)
    .bind(now())
    .fetch_one(&mut **tx)
    .await?;
    let after = serde_json::json!({
        "full_name": name, "birth_year": birth_year, "gender": gender.map(Gender::code),
        "phone": phone, "email": null, "national_id": null, "source": "batch",
    });
    audit::record(
        tx,
        actor,
        Change {
            unit_id: Some(unit_id),
            entity: "person",
            entity_id: id.to_string(),
            action: "create",
            before: None,
            after: Some(after),
        },
    )
    .await?;
    Ok(id)
}

async fn event(
    tx: &mut Tx<'_>,
    id: i64,
    actor: Actor,
    on_behalf: bool,
    action: &str,
    note: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO evaluation_events (evaluation_id, at, person_id, position_id, on_behalf, action, note) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(id)
        .bind(now())
        .bind(actor.person_id)
        .bind(actor.position_id)
        .bind(i64::from(on_behalf))
        .bind(action)
        .bind(note)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// What every row of one commit shares.
struct Writer<'a> {
    viewer: &'a Viewer,
    unit: &'a Unit,
    set_id: i64,
    year: i64,
    sha256: &'a str,
}

/// The three audit entries of a row's evaluation (`evaluation` = (id, unit id)): register,
/// save_answers and submit, as the service writes them.
async fn audit_steps(
    tx: &mut Tx<'_>,
    w: &Writer<'_>,
    n: u32,
    a: &Accepted,
    actor: Actor,
    evaluation: (i64, i64),
) -> Result<(), sqlx::Error> {
    let (id, unit_id) = evaluation;
    let change = |action, before, after| Change {
        unit_id: Some(unit_id),
        entity: "evaluation",
        entity_id: id.to_string(),
        action,
        before: Some(before),
        after: Some(after),
    };
    let register = serde_json::json!({"model": "citizen", "year": w.year, "form_group": a.form_group, "set_id": w.set_id, "batch": w.sha256, "row": n});
    audit::record(
        tx,
        actor,
        change("register", serde_json::json!(null), register),
    )
    .await?;
    let before: BTreeMap<&String, Option<u32>> = a.values.keys().map(|k| (k, None)).collect();
    audit::record(
        tx,
        actor,
        change(
            "save_answers",
            serde_json::json!(before),
            serde_json::json!(a.values),
        ),
    )
    .await?;
    audit::record(
        tx,
        actor,
        change(
            "submit",
            serde_json::json!({"status": "registered"}),
            serde_json::json!({"status": "submitted", "total": a.total}),
        ),
    )
    .await
}

/// Writes one accepted row as `service::register`, `save_answers` and `submit` would: the
/// evaluation ends `submitted` with its answers and total, two events (register, submit, both on
/// behalf) and three audit entries.
async fn write_row(
    tx: &mut Tx<'_>,
    w: &Writer<'_>,
    n: u32,
    a: &Accepted,
) -> Result<(bool, crate::reports::counters::EvalFacts), sqlx::Error> {
    let (person_id, unit_id, name, new) = match &a.who {
        Who::Existing { id, unit_id, name } => (*id, *unit_id, name.clone(), false),
        Who::New {
            name,
            phone,
            birth_year,
            gender,
        } => {
            let pos = w
                .viewer
                .position_for(perm::PERSON_MANAGE, &w.unit.path)
                .map(|p| p.position_id);
            let actor = Actor::new(w.viewer.person_id, pos);
            let id = insert_person(
                tx,
                actor,
                w.unit.id,
                name,
                phone.as_deref(),
                *birth_year,
                *gender,
            )
            .await?;
            (id, w.unit.id, name.clone(), true)
        }
    };
    let answers: Answers = a
        .values
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                Answer {
                    value: Some(*v),
                    ..Answer::default()
                },
            )
        })
        .collect();
    let answers_json =
        serde_json::to_string(&answers).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let t = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO evaluations (model, subject_kind, subject_id, subject_name, unit_id, year, set_id, form_group, disadvantaged, status, answers, total, passed, level, created_at, updated_at) \
         VALUES ('citizen', 'person', $1, $2, $3, $4, $5, $6, $7, 'submitted', $8, $9, $10, $11, $12, $12) RETURNING id",
    )
    .bind(person_id)
    .bind(&name)
    .bind(unit_id)
    .bind(w.year)
    .bind(w.set_id)
    .bind(&a.form_group)
    .bind(i64::from(a.disadvantaged))
    .bind(answers_json)
    .bind(a.total)
    .bind(i64::from(a.passed))
    .bind(a.level)
    .bind(t)
    .fetch_one(&mut **tx)
    .await?;
    let actor = Actor::new(w.viewer.person_id, Some(a.enter_position));
    let on_behalf = person_id != w.viewer.person_id;
    let note = format!("Nhập theo lô từ tệp Excel, dòng {n}");
    event(tx, id, actor, on_behalf, "register", Some(&note)).await?;
    event(tx, id, actor, on_behalf, "submit", None).await?;
    audit_steps(tx, w, n, a, actor, (id, unit_id)).await?;
    let facts = crate::reports::counters::EvalFacts {
        unit_id,
        year: w.year,
        model: "citizen".into(),
        form_group: a.form_group.clone(),
        status: "submitted".into(),
    };
    Ok((new, facts))
}

/// Writes every accepted row in one transaction, or nothing.
async fn write_batch(
    state: &AppState,
    w: &Writer<'_>,
    batch: &Batch,
    key: &str,
    progress: &Progress,
) -> Result<Result<Saved, Failed>, AppError> {
    let accepted: Vec<(u32, &Accepted)> = batch.accepted().collect();
    progress.line(
        format!(
            "Đang ghi {} dòng hợp lệ trong một lần: nếu một dòng không ghi được, không dòng nào được lưu.",
            accepted.len()
        ),
        format!(
            "Writing {} valid rows in one go: if one row cannot be written, none is saved.",
            accepted.len()
        ),
    );
    let mut saved = Saved {
        evaluations: 0,
        new_people: 0,
    };
    let mut tx = state.db.begin().await?;
    // Counter deltas per unit, applied once at the end (same transaction) rather than per row.
    let mut deltas: std::collections::BTreeMap<i64, Vec<(String, i64)>> = Default::default();
    for chunk in accepted.chunks(CHUNK) {
        for (n, a) in chunk {
            match write_row(&mut tx, w, *n, a).await {
                Ok((new, facts)) => {
                    saved.evaluations += 1;
                    saved.new_people += usize::from(new);
                    deltas
                        .entry(facts.unit_id)
                        .or_default()
                        .extend(facts.metrics());
                }
                Err(e) => {
                    drop(tx);
                    tracing::warn!(row = n, error = %e, "batch commit rolled back");
                    return failure(*n, w.year, e).map(Err);
                }
            }
        }
        tracing::info!(unit = %w.unit.code, written = saved.evaluations, of = accepted.len(), "batch commit in progress");
        progress.wrote(saved.evaluations, accepted.len());
    }
    for (unit, d) in &deltas {
        crate::reports::counters::add(&mut tx, *unit, &w.year.to_string(), d).await?;
    }
    let actor = Actor::new(
        w.viewer.person_id,
        w.viewer
            .position_for(perm::EVALUATION_ENTER, &w.unit.path)
            .map(|p| p.position_id),
    );
    let after = serde_json::json!({
        "year": batch.year, "set_id": batch.set_id, "key": key, "rows": batch.rows.len(),
        "evaluations": saved.evaluations, "new_people": saved.new_people,
        "skipped": batch.rows.len() - saved.evaluations,
    });
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(w.unit.id),
            entity: BATCH_ENTITY,
            entity_id: w.sha256.to_owned(),
            action: "import",
            before: None,
            after: Some(after),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(saved))
}

/// A row that failed inside the transaction: a known conflict is shown, anything else is a 500.
fn failure(row: u32, year: i64, e: sqlx::Error) -> Result<Failed, AppError> {
    if is_unique_violation(&e, "people_phone") {
        Ok(Failed {
            row,
            vi: "Số điện thoại này vừa được đăng ký cho một người khác".into(),
            en: "This phone number has just been registered for someone else".into(),
        })
    } else if is_unique_violation(&e, "evaluations_subject_year") {
        Ok(Failed {
            row,
            vi: format!("Người này vừa được đăng ký danh hiệu Công dân học tập năm {year}"),
            en: format!(
                "This person has just been registered for the Learning Citizen title in {year}"
            ),
        })
    } else {
        Err(e.into())
    }
}

/// When a workbook with these bytes was committed already, the time of that commit.
async fn committed_at(state: &AppState, sha256: &str) -> Result<Option<String>, AppError> {
    let at: Option<i64> = sqlx::query_scalar(
        "SELECT at FROM audit_log WHERE entity = $1 AND entity_id = $2 ORDER BY id LIMIT 1",
    )
    .bind(BATCH_ENTITY)
    .bind(sha256)
    .fetch_optional(&state.db.pool)
    .await?;
    Ok(at.map(crate::audit::format_time))
}

/// The refusal of a workbook committed before.
fn already(at: &str) -> (String, String) {
    (
        format!("Tệp này đã được nhập lúc {at}; không nhập lại lần nữa"),
        format!("This workbook was imported at {at}; it is not imported twice"),
    )
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

// ---------------------------------------------------------------------------------------------
// Pages

#[derive(Template)]
#[template(path = "batch_upload.html")]
pub struct UploadPage {
    pub c: Chrome,
    pub unit_code: String,
    pub unit_name: String,
    pub year: i64,
    pub problem: Option<(String, String)>,
    pub max_rows: usize,
    pub max_mb: usize,
}

/// One row as the preview shows it.
pub struct ShownRow {
    pub number: u32,
    pub name: String,
    pub phone: String,
    pub ok: bool,
    pub new_person: bool,
    pub form_group: String,
    pub total: i64,
    pub max_total: i64,
    pub passed: bool,
    pub problems: Vec<Problem>,
}

#[derive(Template)]
#[template(path = "batch_preview.html")]
pub struct PreviewPage {
    pub c: Chrome,
    pub unit_code: String,
    pub unit_name: String,
    pub year: i64,
    pub file_name: String,
    pub rows: Vec<ShownRow>,
    pub accepted: usize,
    pub rejected: usize,
    pub new_people: usize,
    pub key: String,
    pub sha256: String,
    pub plan: String,
    pub notice: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "batch_done.html")]
pub struct DonePage {
    pub c: Chrome,
    pub unit_code: String,
    pub unit_name: String,
    pub year: i64,
    pub rows: usize,
    pub saved: usize,
    pub new_people: usize,
    pub skipped: usize,
    pub failed: Option<(u32, String, String)>,
}

/// The result part of a preview page alone (the end of a streamed page).
#[derive(Template)]
#[template(path = "batch_preview.html", block = "result")]
struct PreviewResult<'a>(&'a PreviewPage);

impl std::ops::Deref for PreviewResult<'_> {
    type Target = PreviewPage;
    fn deref(&self) -> &PreviewPage {
        self.0
    }
}

/// The result part of a commit page alone (the end of a streamed page).
#[derive(Template)]
#[template(path = "batch_done.html", block = "result")]
struct DoneResult<'a>(&'a DonePage);

impl std::ops::Deref for DoneResult<'_> {
    type Target = DonePage;
    fn deref(&self) -> &DonePage {
        self.0
    }
}

/// The shell of a streamed page: its head and heading; progress lines and the result follow.
#[derive(Template)]
#[template(path = "batch_progress.html")]
pub struct ProgressPage {
    pub c: Chrome,
    pub unit_code: String,
    pub unit_name: String,
    pub year: i64,
    pub rows: usize,
    pub title: (String, String),
}

/// Why a streamed page's work stopped.
#[derive(Template)]
#[template(path = "batch_stopped.html")]
struct StoppedPart {
    c: Chrome,
    unit_code: String,
    year: i64,
    problem: (String, String),
}

fn upload_view(
    c: Chrome,
    unit: &Unit,
    year: i64,
    problem: Option<(String, String)>,
) -> PageResult<Html<String>> {
    render(&UploadPage {
        c,
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        year,
        problem,
        max_rows: MAX_ROWS,
        max_mb: MAX_UPLOAD_BYTES / 1024 / 1024,
    })
}

/// What an upload page says of a refusal (a 4xx); `None` for anything else (a 5xx).
fn refusal(e: &AppError) -> Option<(String, String)> {
    Some(match e {
        AppError::Invalid(f) => crate::error::field_messages(f),
        AppError::BadRequest { .. } | AppError::Unprocessable { .. } | AppError::Conflict(_) => {
            e.titles()
        }
        AppError::PayloadTooLarge => (
            format!("Tệp quá lớn (tối đa {} MB)", MAX_UPLOAD_BYTES / 1024 / 1024),
            format!(
                "The file is too large (at most {} MB)",
                MAX_UPLOAD_BYTES / 1024 / 1024
            ),
        ),
        _ => return None,
    })
}

/// A refused workbook: the upload page again with the reason, and the error's 4xx status.
/// Anything else (a 5xx) goes to the error page.
fn refuse(c: Chrome, unit: &Unit, year: i64, e: AppError) -> PageResult<Response> {
    match refusal(&e) {
        Some(message) => refuse_with(c, unit, year, e.status(), message),
        None => Err(PageError(e)),
    }
}

fn refuse_with(
    c: Chrome,
    unit: &Unit,
    year: i64,
    status: StatusCode,
    message: (String, String),
) -> PageResult<Response> {
    Ok((status, upload_view(c, unit, year, Some(message))?).into_response())
}

pub async fn upload_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageQuery(q): PageQuery<YearQuery>,
) -> PageResult<Html<String>> {
    let unit = entry_unit(&state, &v, &code).await?;
    upload_view(c, &unit, q.year.unwrap_or_else(this_year), None)
}

/// The uploaded file and the year typed beside it.
struct Upload {
    year: Option<String>,
    file_name: String,
    bytes: Bytes,
}

async fn read_upload(form: Result<Multipart, MultipartRejection>) -> Result<Upload, AppError> {
    let unreadable = |e: &dyn std::fmt::Display| {
        AppError::bad_request(
            "Không đọc được tệp gửi lên",
            format!("The upload could not be read: {e}"),
        )
    };
    let mut form = form.map_err(|e| unreadable(&e))?;
    let mut up = Upload {
        year: None,
        file_name: String::new(),
        bytes: Bytes::new(),
    };
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(AppError::PayloadTooLarge)
            }
            Err(e) => return Err(unreadable(&e)),
        };
        match field.name().unwrap_or_default() {
            "year" => up.year = Some(field.text().await.map_err(|e| unreadable(&e))?),
            "file" => {
                up.file_name = field.file_name().unwrap_or("").chars().take(200).collect();
                up.bytes = match field.bytes().await {
                    Ok(b) => b,
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        return Err(AppError::PayloadTooLarge)
                    }
                    Err(e) => return Err(unreadable(&e)),
                };
            }
            _ => {}
        }
    }
    if up.bytes.is_empty() {
        return Err(AppError::bad_request(
            "Chưa chọn tệp Excel để tải lên",
            "Choose an Excel file to upload",
        ));
    }
    Ok(up)
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

fn shown_rows(batch: &Batch) -> Vec<ShownRow> {
    batch
        .rows
        .iter()
        .map(|r| {
            let mut s = ShownRow {
                number: r.number,
                name: r.name.clone(),
                phone: r.phone.clone(),
                ok: r.result.is_ok(),
                new_person: false,
                form_group: String::new(),
                total: 0,
                max_total: 0,
                passed: false,
                problems: vec![],
            };
            match &r.result {
                Ok(a) => {
                    s.new_person = matches!(a.who, Who::New { .. });
                    if let Who::Existing { name, .. } = &a.who {
                        s.name.clone_from(name);
                    }
                    s.form_group = a.form_group.clone().unwrap_or_default();
                    s.total = a.total;
                    s.max_total = a.max_total;
                    s.passed = a.passed;
                }
                Err(p) => s.problems.clone_from(p),
            }
            s
        })
        .collect()
}

fn preview_page(
    c: Chrome,
    unit: &Unit,
    batch: &Batch,
    file_name: String,
    key: String,
    sha256: String,
    notice: Option<(String, String)>,
) -> PreviewPage {
    let accepted = batch.accepted().count();
    let new_people = batch
        .accepted()
        .filter(|(_, a)| matches!(a.who, Who::New { .. }))
        .count();
    PreviewPage {
        c,
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        year: batch.year,
        file_name,
        rows: shown_rows(batch),
        accepted,
        rejected: batch.rows.len() - accepted,
        new_people,
        key,
        sha256,
        plan: batch.plan.clone(),
        notice,
    }
}

/// Only a workbook with something to save is kept for the confirm step; its key.
async fn keep(state: &AppState, batch: &Batch, bytes: &Bytes) -> Result<String, AppError> {
    if batch.accepted().next().is_some() {
        Ok(state.files.put("batches", bytes.to_vec()).await?)
    } else {
        Ok(String::new())
    }
}

fn progress_shell(
    c: &Chrome,
    unit: &Unit,
    year: i64,
    rows: usize,
    title: (&str, &str),
) -> ProgressPage {
    ProgressPage {
        c: c.clone(),
        unit_code: unit.code.clone(),
        unit_name: unit.name.clone(),
        year,
        rows,
        title: (title.0.to_owned(), title.1.to_owned()),
    }
}

pub async fn preview(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> PageResult<Response> {
    let unit = entry_unit(&state, &v, &code).await?;
    let up = match read_upload(form).await {
        Ok(up) => up,
        Err(e) => return refuse(c, &unit, this_year(), e),
    };
    let year = match parse_year(up.year.as_deref()) {
        Ok(y) => y,
        Err(e) => return refuse(c, &unit, this_year(), e),
    };
    let sha256 = sha256_hex(&up.bytes);
    if let Some(at) = committed_at(&state, &sha256).await? {
        return refuse_with(c, &unit, year, StatusCode::CONFLICT, already(&at));
    }
    let prepared = match prepare(&state, &unit, year, up.bytes.clone()).await {
        Ok(p) => p,
        Err(e) => return refuse(c, &unit, year, e),
    };
    let rows = prepared.sheet.rows.len();
    if rows <= STREAM_ABOVE {
        let none = Progress::default();
        let batch = match check_rows(&state, &v, &unit, year, &prepared, &none).await {
            Ok(b) => b,
            Err(e) => return refuse(c, &unit, year, e),
        };
        let key = keep(&state, &batch, &up.bytes).await?;
        let page = preview_page(c, &unit, &batch, up.file_name, key, sha256, None);
        return Ok(render(&page)?.into_response());
    }
    let shell = progress_shell(
        &c,
        &unit,
        year,
        rows,
        ("Đang đọc và kiểm tra tệp", "Reading and checking the file"),
    );
    // Nothing is written by a preview: it stops when the browser stops waiting.
    streamed(shell, true, move |progress| async move {
        let batch = check_rows(&state, &v, &unit, year, &prepared, &progress).await?;
        let key = keep(&state, &batch, &up.bytes).await?;
        let page = preview_page(c, &unit, &batch, up.file_name, key, sha256, None);
        PreviewResult(&page).render().map_err(template_error)
    })
}

#[derive(Deserialize)]
pub struct CommitForm {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub sha256: String,
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub plan: String,
}

/// Stored batches are `batches/` and 32 hex digits (see `Files::put`).
fn valid_key(key: &str) -> bool {
    key.strip_prefix("batches/")
        .is_some_and(|k| k.len() == 32 && k.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn gone() -> AppError {
    AppError::bad_request(
        "Không tìm thấy tệp đã xem trước; hãy tải tệp lên lại",
        "The previewed workbook cannot be found; upload it again",
    )
}

/// What a confirmation ends with.
enum Outcome {
    /// The rows changed since the preview: nothing saved, the new preview shown.
    Changed(PreviewPage),
    /// Saved (200), or rolled back on a row (409).
    Done(StatusCode, DonePage),
}

/// Compares a checked workbook (whose SHA-256 `f` names, checked) with what its preview
/// promised, and saves it if they match.
async fn save(
    state: &AppState,
    v: &Viewer,
    unit: &Unit,
    c: Chrome,
    f: &CommitForm,
    batch: &Batch,
    progress: &Progress,
) -> Result<Outcome, AppError> {
    if batch.plan != f.plan {
        let notice = (
            "Dữ liệu đã thay đổi kể từ lúc xem trước nên chưa lưu gì. Hãy xem lại kết quả mới dưới đây rồi xác nhận".to_owned(),
            "The data changed since the preview, so nothing was saved. Check the new outcome below, then confirm".to_owned(),
        );
        let page = preview_page(
            c,
            unit,
            batch,
            String::new(),
            f.key.clone(),
            f.sha256.clone(),
            Some(notice),
        );
        return Ok(Outcome::Changed(page));
    }
    let w = Writer {
        viewer: v,
        unit,
        set_id: batch.set_id,
        year: batch.year,
        sha256: &f.sha256,
    };
    let result = write_batch(state, &w, batch, &f.key, progress).await?;
    let rows = batch.rows.len();
    let (status, saved, new_people, failed) = match result {
        Ok(s) => (StatusCode::OK, s.evaluations, s.new_people, None),
        Err(e) => (StatusCode::CONFLICT, 0, 0, Some((e.row, e.vi, e.en))),
    };
    Ok(Outcome::Done(
        status,
        DonePage {
            c,
            unit_code: unit.code.clone(),
            unit_name: unit.name.clone(),
            year: batch.year,
            rows,
            saved,
            new_people,
            skipped: if failed.is_some() { rows } else { rows - saved },
            failed,
        },
    ))
}

pub async fn commit(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<CommitForm>,
) -> PageResult<Response> {
    let unit = entry_unit(&state, &v, &code).await?;
    let year = match parse_year(Some(&f.year)) {
        Ok(y) => y,
        Err(e) => return refuse(c, &unit, this_year(), e),
    };
    if !valid_key(&f.key) {
        return refuse(c, &unit, year, gone());
    }
    let Ok(bytes) = state.files.get(&f.key).await else {
        return refuse(c, &unit, year, gone());
    };
    let sha256 = sha256_hex(&bytes);
    if sha256 != f.sha256 {
        return refuse(c, &unit, year, gone());
    }
    // Claimed before the check below, so that two confirmations cannot both pass it.
    let Some(claim) = Committing::claim(&state, &sha256) else {
        return refuse_with(c, &unit, year, StatusCode::CONFLICT, busy());
    };
    if let Some(at) = committed_at(&state, &sha256).await? {
        return refuse_with(c, &unit, year, StatusCode::CONFLICT, already(&at));
    }
    let prepared = match prepare(&state, &unit, year, bytes).await {
        Ok(p) => p,
        Err(e) => return refuse(c, &unit, year, e),
    };
    let rows = prepared.sheet.rows.len();
    if rows <= STREAM_ABOVE {
        let none = Progress::default();
        let batch = match check_rows(&state, &v, &unit, year, &prepared, &none).await {
            Ok(b) => b,
            Err(e) => return refuse(c, &unit, year, e),
        };
        let outcome = save(&state, &v, &unit, c, &f, &batch, &none).await?;
        drop(claim);
        return Ok(match outcome {
            Outcome::Changed(page) => (StatusCode::CONFLICT, render(&page)?).into_response(),
            Outcome::Done(status, page) => (status, render(&page)?).into_response(),
        });
    }
    let shell = progress_shell(
        &c,
        &unit,
        year,
        rows,
        (
            "Đang kiểm tra lại và lưu tệp",
            "Checking the file again and saving it",
        ),
    );
    // The confirmation was given: the task runs to its end (committed or rolled back) even when
    // the browser stops waiting.
    streamed(shell, false, move |progress| async move {
        let _claim = claim;
        let batch = check_rows(&state, &v, &unit, year, &prepared, &progress).await?;
        match save(&state, &v, &unit, c, &f, &batch, &progress).await? {
            Outcome::Changed(page) => PreviewResult(&page).render(),
            Outcome::Done(_, page) => DoneResult(&page).render(),
        }
        .map_err(template_error)
    })
}

// ---------------------------------------------------------------------------------------------
// Streamed pages

/// Workbooks with more data rows than this get a streamed page with progress lines (and a 200
/// whatever the outcome, as the status is sent before the work); smaller ones get the page at
/// once with its own status.
pub const STREAM_ABOVE: usize = 500;
/// Rows between two progress lines.
const PROGRESS_EVERY: usize = 200;

/// Where progress lines go: nowhere for a small workbook, else to the streamed page.
#[derive(Default)]
struct Progress {
    to: Option<(mpsc::UnboundedSender<Bytes>, Lang)>,
    /// Whether the work stops once nobody reads the page (only when it writes nothing).
    stop_if_gone: bool,
}

impl Progress {
    fn line(&self, vi: String, en: String) {
        if let Some((tx, l)) = &self.to {
            // A closed page is no reason to fail: `abandoned` decides whether to go on.
            let _ = tx.send(Bytes::from(format!(
                "<p class=\"progress\">{}</p>\n",
                l.t(&vi, &en)
            )));
        }
    }

    /// `done` of `total` rows read and checked.
    fn read(&self, done: usize, total: usize) {
        if done.is_multiple_of(PROGRESS_EVERY) || done == total {
            self.line(
                format!("Đã đọc {done} / {total} dòng…"),
                format!("Read {done} of {total} rows…"),
            );
        }
    }

    /// `done` of `total` rows written in the (not yet committed) transaction.
    fn wrote(&self, done: usize, total: usize) {
        self.line(
            format!("Đã ghi {done} / {total} dòng…"),
            format!("Wrote {done} of {total} rows…"),
        );
    }

    fn abandoned(&self) -> bool {
        self.stop_if_gone && self.to.as_ref().is_some_and(|(tx, _)| tx.is_closed())
    }
}

/// The chunks of a streamed page.
struct Chunks(mpsc::UnboundedReceiver<Bytes>);

impl futures_core::Stream for Chunks {
    type Item = Result<Bytes, std::convert::Infallible>;
    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.0.poll_recv(cx).map(|c| c.map(Ok))
    }
}

fn template_error(e: askama::Error) -> AppError {
    AppError::Internal(anyhow::anyhow!("template: {e}"))
}

/// A page sent as it is made: the shell up to its `</main>` at once, then the progress lines of
/// `work`, then what `work` returns (or why it stopped), then the rest of the shell. `work` runs
/// on a task of its own, so it ends the same way (a transaction committed or rolled back)
/// whether or not the browser still reads the page.
fn streamed<F, Fut>(shell: ProgressPage, stop_if_gone: bool, work: F) -> PageResult<Response>
where
    F: FnOnce(Progress) -> Fut,
    Fut: std::future::Future<Output = Result<String, AppError>> + Send + 'static,
{
    let page = render(&shell)?.0;
    let cut = page.rfind("</main>").unwrap_or(page.len());
    let (head, tail) = page.split_at(cut);
    let tail = tail.to_owned();
    let (tx, rx) = mpsc::unbounded_channel::<Bytes>();
    let _ = tx.send(Bytes::from(head.to_owned()));
    let progress = Progress {
        to: Some((tx.clone(), shell.c.l)),
        stop_if_gone,
    };
    let task = tokio::spawn(work(progress));
    tokio::spawn(async move {
        let end = match task.await {
            Ok(Ok(html)) => html,
            Ok(Err(e)) => stopped(&shell, &e),
            Err(e) => stopped(
                &shell,
                &AppError::Internal(anyhow::anyhow!("batch task: {e}")),
            ),
        };
        let _ = tx.send(Bytes::from(end + &tail));
    });
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            // Proxies such as nginx pass the chunks on as they come.
            (header::HeaderName::from_static("x-accel-buffering"), "no"),
        ],
        Body::from_stream(Chunks(rx)),
    )
        .into_response())
}

/// The end of a streamed page whose work stopped on an error: nothing was saved.
fn stopped(shell: &ProgressPage, e: &AppError) -> String {
    let problem = refusal(e).unwrap_or_else(|| {
        tracing::error!(error = %e, "batch stopped");
        (
            "Đã xảy ra lỗi khi xử lý tệp nên chưa có gì được lưu. Hãy thử lại sau ít phút".to_owned(),
            "Something went wrong while processing the file, so nothing was saved. Try again in a few minutes".to_owned(),
        )
    });
    let part = StoppedPart {
        c: shell.c.clone(),
        unit_code: shell.unit_code.clone(),
        year: shell.year,
        problem,
    };
    part.render().unwrap_or_else(|_| {
        "<p class=\"alert\" role=\"alert\">Không lưu gì cả / Nothing was saved</p>".to_owned()
    })
}

/// Workbooks being committed by this process, by application (one per process, but tests run
/// many) and SHA-256: a second confirmation of the same file (a double click, a reload of the
/// streamed page) is refused while the first runs, so it cannot pass `committed_at` too.
static COMMITTING: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

struct Committing(String);

impl Committing {
    fn claim(state: &AppState, sha256: &str) -> Option<Committing> {
        let key = format!("{:p}/{sha256}", Arc::as_ptr(&state.sets));
        let mut running = COMMITTING.lock().unwrap_or_else(PoisonError::into_inner);
        running.insert(key.clone()).then_some(Committing(key))
    }
}

impl Drop for Committing {
    fn drop(&mut self) {
        let mut running = COMMITTING.lock().unwrap_or_else(PoisonError::into_inner);
        running.remove(&self.0);
    }
}

fn busy() -> (String, String) {
    (
        "Tệp này đang được lưu; hãy đợi vài phút rồi xem danh sách hồ sơ".to_owned(),
        "This workbook is being saved right now; wait a few minutes, then see the evaluations"
            .to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(col_letter(0), "A");
        assert_eq!(col_letter(25), "Z");
        assert_eq!(col_letter(26), "AA");
        assert_eq!(col_letter(27), "AB");
        assert_eq!(col_letter(701), "ZZ");
        assert_eq!(col_letter(702), "AAA");
    }

    #[test]
    fn phones_typed_as_numbers_keep_their_zero() {
        assert_eq!(phone_text(&Value::Int(987_654_321)), "0987654321");
        assert_eq!(phone_text(&Value::Float(987_654_321.0)), "0987654321");
        assert_eq!(phone_text(&Value::Int(84_987_654_321)), "84987654321");
        assert_eq!(
            phone_text(&Value::Text("0987 654 321".into())),
            "0987 654 321"
        );
    }

    #[test]
    fn headers_are_recognised() {
        assert_eq!(field_of("Họ và tên"), Some(Field::Name));
        assert_eq!(field_of("SỐ ĐIỆN THOẠI"), Some(Field::Phone));
        assert_eq!(field_of("Nhóm đối tượng (mã)"), Some(Field::FormGroup));
        assert_eq!(field_of("Ghi chú"), None);
        let set = khuyenhoc_criteria::default_for(khuyenhoc_criteria::Model::Citizen).expect("set");
        let inds = entered(&set);
        let first = inds.first().copied().expect("an indicator");
        assert_eq!(
            indicator_of(&indicator_header(first), &inds).map(|i| i.code.as_str()),
            Some(first.code.as_str())
        );
        assert_eq!(
            indicator_of(&first.text.vi, &inds).map(|i| i.code.as_str()),
            Some(first.code.as_str())
        );
    }

    #[test]
    fn scores_must_be_whole_and_in_range() {
        let set = khuyenhoc_criteria::default_for(khuyenhoc_criteria::Model::Citizen).expect("set");
        let i = entered(&set).into_iter().next().expect("an indicator");
        assert_eq!(score_of(Some(&Value::Int(7)), i), Ok(Some(7)));
        assert_eq!(score_of(Some(&Value::Float(8.0)), i), Ok(Some(8)));
        assert_eq!(score_of(Some(&Value::Text(" 9 ".into())), i), Ok(Some(9)));
        assert_eq!(score_of(None, i), Ok(None));
        assert!(score_of(Some(&Value::Float(7.5)), i).is_err());
        assert!(score_of(Some(&Value::Int(11)), i).is_err());
        assert!(score_of(Some(&Value::Int(-1)), i).is_err());
        assert!(score_of(Some(&Value::Text("tám".into())), i).is_err());
    }

    /// A workbook of one sheet with these cells (reference, inline text), zipped as Excel would.
    fn workbook_with_cells(cells: &[(&str, &str)]) -> Vec<u8> {
        use std::io::Write;
        let ns = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main""#;
        let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
        let pkg = "http://schemas.openxmlformats.org/package/2006/relationships";
        let row: String = cells
            .iter()
            .map(|(r, t)| format!(r#"<c r="{r}" t="inlineStr"><is><t>{t}</t></is></c>"#))
            .collect();
        let parts = [
            ("[Content_Types].xml".to_owned(), r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_owned()),
            ("_rels/.rels".to_owned(), format!(r#"<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#)),
            ("xl/workbook.xml".to_owned(), format!(r#"<workbook {ns} xmlns:r="{rel}"><sheets><sheet name="{DATA_SHEET}" sheetId="1" r:id="rId1"/></sheets></workbook>"#)),
            ("xl/_rels/workbook.xml.rels".to_owned(), format!(r#"<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#)),
            ("xl/worksheets/sheet1.xml".to_owned(), format!(r#"<worksheet {ns}><sheetData><row r="1">{row}</row></sheetData></worksheet>"#)),
        ];
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, text) in parts {
            zip.start_file(name, zip::write::SimpleFileOptions::default())
                .expect("part");
            zip.write_all(text.as_bytes()).expect("write");
        }
        zip.finish().expect("zip").into_inner()
    }

    /// Found by the fuzz target `xlsx_import`: a cell reference of 8 letters overflowed
    /// calamine's column arithmetic, a panic (a 500) wherever overflow checks are on. Both
    /// importers now answer that the file is not a readable workbook.
    #[test]
    fn a_cell_reference_beyond_excel_is_not_a_workbook() {
        let bytes = workbook_with_cells(&[("A1", "Họ và tên"), ("AAAAAAAA1", "x")]);
        let set = khuyenhoc_criteria::default_for(khuyenhoc_criteria::Model::Citizen).expect("set");
        let err = check_workbook(&bytes, &set, 2026).expect_err("not a workbook");
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
        let unit = Unit {
            id: 1,
            code: "00004".into(),
            level: khuyenhoc_domain::Level::Commune,
            kind: "phuong".into(),
            name: "Phường Ba Đình".into(),
            parent_code: None,
            parent_name: None,
            parent_id: None,
            path: "/VN/01/00004/".into(),
            valid_from: "2025-07-01".into(),
            valid_to: None,
        };
        let err =
            crate::members::import::check_workbook(&bytes, &unit).expect_err("not a workbook");
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
        // The same workbook with a reference Excel can have is read (and refused for its header).
        let bytes = workbook_with_cells(&[("A1", "Họ và tên"), ("XFD1", "x")]);
        let err = check_workbook(&bytes, &set, 2026).expect_err("header");
        assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }

    #[test]
    fn template_reads_back() {
        let set = khuyenhoc_criteria::default_for(khuyenhoc_criteria::Model::Citizen).expect("set");
        let bytes = template_workbook(&set, "Phường Ba Đình", 2025).expect("template");
        let err = read_sheet(&bytes).expect_err("only a header");
        assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}
