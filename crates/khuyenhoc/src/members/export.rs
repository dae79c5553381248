//! The member list exported to Excel exactly as filtered: every matching member (read by key,
//! 2,000 at a time) in name order, statuses and sectors by name (never codes), dates dd/mm/yyyy.

use super::list::Filter;
use crate::db::Db;
use crate::error::AppError;
use crate::web::list::Cursor;
use rust_xlsxwriter::{Format, Workbook};

/// The most rows one export writes (a larger list is refused: narrow the filter).
pub const MAX_ROWS: i64 = 50_000;

const CHUNK: i64 = 2_000;

/// The workbook of every member `filter` matches.
pub async fn xlsx(db: &Db, filter: &Filter) -> Result<Vec<u8>, AppError> {
    let total = filter.count(db).await?;
    if total > MAX_ROWS {
        return Err(AppError::bad_request(
            format!(
                "Danh sách có {total} hội viên, quá {MAX_ROWS} để xuất một lần; hãy lọc hẹp hơn"
            ),
            format!(
                "The list has {total} members, over {MAX_ROWS} for one export; narrow the filter"
            ),
        ));
    }
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(anyhow::anyhow!("xlsx: {e}"));
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("Hội viên").map_err(err)?;
    let headers = [
        "TT",
        "Họ và tên",
        "Năm sinh",
        "Điện thoại",
        "Chi hội",
        "Số thẻ",
        "Ngày vào Hội",
        "Trạng thái",
        "Lĩnh vực",
        "Mã hội viên",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_with_format(0, c as u16, *h, &bold).map_err(err)?;
    }
    let widths = [6.0, 32.0, 10.0, 14.0, 32.0, 12.0, 14.0, 16.0, 30.0, 12.0];
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w).map_err(err)?;
    }
    let mut cursor: Option<Cursor> = None;
    let mut n: u32 = 0;
    loop {
        let (rows, next) = filter.rows(db, cursor.as_ref(), CHUNK).await?;
        for m in &rows {
            n += 1;
            ws.write(n, 0, n).map_err(err)?;
            ws.write(n, 1, &m.full_name).map_err(err)?;
            if let Some(y) = m.birth_year {
                ws.write(n, 2, y).map_err(err)?;
            }
            ws.write(n, 3, m.phone.as_deref().unwrap_or_default())
                .map_err(err)?;
            ws.write(n, 4, &m.branch_name).map_err(err)?;
            ws.write(n, 5, m.card_no.as_deref().unwrap_or_default())
                .map_err(err)?;
            ws.write(n, 6, crate::i18n::day(&m.joined_on))
                .map_err(err)?;
            ws.write(n, 7, m.status_vi()).map_err(err)?;
            ws.write(n, 8, m.sectors_labels().0).map_err(err)?;
            ws.write(n, 9, m.id).map_err(err)?;
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
