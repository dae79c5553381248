//! The template workbook of a batch: the rows sheet (the fixed columns, then one per indicator
//! the set asks for, with validation on every cell) and the instructions (form-group codes,
//! each indicator's column and maximum), made for the unit's province and year.

use super::{
    check_year, citizen_set, entry_unit, this_year, YearQuery, DATA_SHEET, HELP_SHEET, MAX_ROWS,
};
use crate::auth::Viewer;
use crate::error::{AppError, PageResult};
use crate::state::AppState;
use crate::web::extract::PageQuery;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use khuyenhoc_criteria::CriteriaSet;
use khuyenhoc_sheets::citizen::{bounds, entered, indicator_header, FIXED};
use khuyenhoc_sheets::col_letter;
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationRule, Format, FormatAlign, FormatBorder, Workbook,
};

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

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

#[cfg(test)]
mod tests {
    use super::*;
    use khuyenhoc_sheets::citizen::{map_header, LIMITS};

    #[test]
    fn template_reads_back() {
        let set = khuyenhoc_criteria::default_for(khuyenhoc_criteria::Model::Citizen).expect("set");
        let bytes = template_workbook(&set, "Phường Ba Đình", 2025).expect("template");
        // The rows sheet is read by the importer, its header is the set's, and it has no rows.
        let err = khuyenhoc_sheets::read(&bytes, &LIMITS).expect_err("only a header");
        assert_eq!(err.kind, khuyenhoc_sheets::Kind::Refused);
        assert!(
            err.vi.starts_with("Tệp chưa có dòng dữ liệu nào"),
            "{}",
            err.vi
        );
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
        let names = calamine::Reader::sheet_names(&book);
        assert_eq!(names, vec![DATA_SHEET.to_owned(), HELP_SHEET.to_owned()]);
        let range = calamine::Reader::worksheet_range(&mut book, DATA_SHEET).expect("rows sheet");
        let header = khuyenhoc_sheets::RawRow {
            number: 1,
            cells: range
                .rows()
                .next()
                .expect("a header")
                .iter()
                .enumerate()
                .map(|(c, v)| {
                    let c = u32::try_from(c).expect("column");
                    (c, khuyenhoc_sheets::Value::Text(v.to_string()))
                })
                .collect(),
            stray: None,
        };
        assert!(map_header(&header, &set, 2025).is_ok());
    }
}
