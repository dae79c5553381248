//! The list exported to Excel exactly as filtered: every matching row (read by key, 2,000 at a
//! time), in the list's order, with names (never codes) for titles, form groups and statuses.

use super::Filter;
use crate::db::Db;
use crate::error::AppError;
use crate::web::list::Cursor;
use rust_xlsxwriter::{Format, Workbook};

/// The most rows one export writes (a larger list is refused: narrow the filter).
pub const MAX_ROWS: i64 = 50_000;

const CHUNK: i64 = 2_000;

/// The workbook of every evaluation `filter` matches; `groups` names the form groups.
pub async fn xlsx(
    db: &Db,
    filter: &Filter,
    groups: &[(String, String, String)],
) -> Result<Vec<u8>, AppError> {
    let total = filter.count(db).await?;
    if total > MAX_ROWS {
        return Err(AppError::bad_request(
            format!("Danh sách có {total} hồ sơ, quá {MAX_ROWS} để xuất một lần; hãy lọc hẹp hơn"),
            format!("The list has {total} rows, over {MAX_ROWS} for one export; narrow the filter"),
        ));
    }
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(anyhow::anyhow!("xlsx: {e}"));
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("Hồ sơ").map_err(err)?;
    let headers = [
        "TT",
        "Họ và tên / Tên",
        "Đơn vị",
        "Danh hiệu",
        "Nhóm đối tượng",
        "Năm",
        "Trạng thái",
        "Điểm",
        "Mã hồ sơ",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_with_format(0, c as u16, *h, &bold).map_err(err)?;
    }
    let widths = [6.0, 32.0, 34.0, 22.0, 26.0, 8.0, 34.0, 8.0, 10.0];
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w).map_err(err)?;
    }
    let mut cursor: Option<Cursor> = None;
    let mut n: u32 = 0;
    loop {
        let (rows, next) = filter.rows(db, cursor.as_ref(), CHUNK).await?;
        for e in &rows {
            n += 1;
            let group = e
                .form_group
                .as_deref()
                .and_then(|g| groups.iter().find(|x| x.0 == g))
                .map(|x| x.1.as_str())
                .unwrap_or_default();
            ws.write(n, 0, n).map_err(err)?;
            ws.write(n, 1, &e.subject_name).map_err(err)?;
            ws.write(n, 2, &e.unit_name).map_err(err)?;
            ws.write(n, 3, e.model_vi()).map_err(err)?;
            ws.write(n, 4, group).map_err(err)?;
            ws.write(n, 5, e.year).map_err(err)?;
            ws.write(n, 6, e.status_vi()).map_err(err)?;
            ws.write(n, 7, e.total).map_err(err)?;
            ws.write(n, 8, e.id).map_err(err)?;
        }
        match next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    ws.autofilter(0, 0, n, (headers.len() - 1) as u16)
        .map_err(err)?;
    ws.set_freeze_panes(1, 0).map_err(err)?;
    wb.save_to_buffer().map_err(err)
}
