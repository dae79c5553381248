//! The template of a member list: the rows sheet with the columns (Họ và tên, Năm sinh, Giới
//! tính, Số điện thoại, Mã chi hội, Số thẻ, Ngày vào hội, Lĩnh vực), and a sheet of
//! instructions with the unit's branch codes and the limits.

use super::{import_unit, DATA_SHEET, HELP_SHEET, MAX_ROWS, MAX_UPLOAD_BYTES};
use crate::auth::Viewer;
use crate::db::Db;
use crate::error::{AppError, PageResult};
use crate::org::model::Unit;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use khuyenhoc_sheets::members::{Col, COLUMNS};
use rust_xlsxwriter::{Color, DataValidation, Format, FormatBorder, Workbook};

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::Internal(anyhow::anyhow!("writing the members template: {e}"))
}

/// The template: the rows sheet, then the instructions with the unit's branches.
pub fn template_workbook(
    unit: &Unit,
    branches: &[Unit],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    data_sheet(&mut wb)?;
    help_sheet(&mut wb, unit, branches)?;
    wb.save_to_buffer()
}

fn data_sheet(wb: &mut Workbook) -> Result<(), rust_xlsxwriter::XlsxError> {
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
    Ok(())
}

fn help_sheet(
    wb: &mut Workbook,
    unit: &Unit,
    branches: &[Unit],
) -> Result<(), rust_xlsxwriter::XlsxError> {
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
    Ok(())
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
