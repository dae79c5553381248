//! The template of the disadvantaged communes list: the rows sheet with its columns (Mã xã, Tên
//! xã, Quyết định, Từ năm, Đến năm) and a sheet of instructions. A CSV file with the same
//! header row is taken too.

use super::centre;
use crate::auth::Viewer;
use crate::error::{AppError, PageResult};
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use khuyenhoc_sheets::disadvantaged::{Col, COLUMNS, DATA_SHEET, HELP_SHEET, LIMITS, MAX_YEARS};
use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook};

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The template workbook.
pub fn template_workbook() -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
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
            Col::Name => 30,
            Col::Decision => 60,
            _ => 12,
        };
        ws.set_column_width(c, width)?;
        if *col == Col::Code {
            ws.set_column_format(c, &text)?;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    let bold = Format::new().set_bold();
    let help = wb.add_worksheet();
    help.set_name(HELP_SHEET)?;
    help.set_column_width(0, 16)?;
    help.set_column_width(1, 100)?;
    let mut row = 0u32;
    for (a, b) in [
        ("Cách điền", "Mỗi xã một dòng trên trang «Danh sách xã», từ dòng 2, như quyết định phê duyệt danh sách ghi. Không sửa dòng tiêu đề; dòng trống được bỏ qua. Có thể lưu thành tệp CSV (UTF-8) với cùng dòng tiêu đề."),
        ("Mã xã", "Bắt buộc: mã xã, phường, đặc khu theo danh mục hành chính (5 chữ số, ví dụ 00004)."),
        ("Tên xã", "Không bắt buộc, để đối chiếu khi xem trước."),
        ("Quyết định", "Bắt buộc: số, ngày và cơ quan ban hành quyết định phê duyệt danh sách (tối đa 300 ký tự)."),
        ("Từ năm, Đến năm", "Bắt buộc: các năm quyết định có hiệu lực (cả hai năm đều tính)."),
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
            "Tệp .xlsx hoặc .csv tối đa {} MB, tối đa {} dòng; mỗi dòng tối đa {MAX_YEARS} năm.",
            LIMITS.max_bytes / 1024 / 1024,
            LIMITS.max_rows
        ),
    )?;
    wb.save_to_buffer()
}

pub async fn template(State(state): State<AppState>, v: Viewer) -> PageResult<Response> {
    centre(&state.db, &v).await?;
    let bytes = template_workbook()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing the template: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, XLSX_TYPE.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"mau-xa-vung-kho-khan.xlsx\"".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response())
}
