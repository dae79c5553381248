//! A fund's ledger exported to Excel exactly as filtered: every matching entry (read by key,
//! 2,000 at a time), newest first, kinds by name (never codes), days dd/mm/yyyy, the change of
//! the fund's assets in đồng.

use super::Filter;
use crate::db::Db;
use crate::error::AppError;
use crate::web::list::Cursor;
use khuyenhoc_ledger::Account;
use rust_xlsxwriter::{Format, Workbook};

/// The most rows one export writes (a larger list is refused: narrow the filter).
pub const MAX_ROWS: i64 = 50_000;

const CHUNK: i64 = 2_000;

/// The name of an entry's kind in Vietnamese.
pub fn kind_vi(kind: &str) -> String {
    match kind {
        "reversal" => "Đảo bút toán".to_owned(),
        k => Account::parse(k).map_or_else(|_| k.to_owned(), |a| a.label_vi().to_owned()),
    }
}

/// The workbook of every entry `filter` matches.
pub async fn xlsx(db: &Db, filter: &Filter) -> Result<Vec<u8>, AppError> {
    let total = filter.count(db).await?;
    if total > MAX_ROWS {
        return Err(AppError::bad_request(
            format!("Sổ quỹ có {total} bút toán, quá {MAX_ROWS} để xuất một lần; hãy lọc hẹp hơn"),
            format!(
                "The ledger has {total} entries, over {MAX_ROWS} for one export; narrow the filter"
            ),
        ));
    }
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(anyhow::anyhow!("xlsx: {e}"));
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0");
    let ws = wb.add_worksheet();
    ws.set_name("Sổ quỹ").map_err(err)?;
    let headers = [
        "TT",
        "Ngày",
        "Số chứng từ",
        "Loại",
        "Diễn giải",
        "Người nộp / nhận",
        "Thu (+) / Chi (−), đồng",
        "Mã bút toán",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_with_format(0, c as u16, *h, &bold).map_err(err)?;
    }
    let widths = [6.0, 12.0, 18.0, 24.0, 44.0, 28.0, 20.0, 12.0];
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w).map_err(err)?;
    }
    let mut cursor: Option<Cursor> = None;
    let mut n: u32 = 0;
    loop {
        let (rows, next) = filter.rows(db, cursor.as_ref(), CHUNK).await?;
        for e in &rows {
            n += 1;
            ws.write(n, 0, n).map_err(err)?;
            ws.write(n, 1, crate::i18n::day(&e.occurred_on))
                .map_err(err)?;
            ws.write(n, 2, e.voucher_no.as_deref().unwrap_or_default())
                .map_err(err)?;
            ws.write(n, 3, kind_vi(&e.kind)).map_err(err)?;
            ws.write(n, 4, &e.description).map_err(err)?;
            ws.write(n, 5, e.donor.as_deref().unwrap_or_default())
                .map_err(err)?;
            // Whole đồng up to 10^15: exact in a spreadsheet's number.
            #[allow(clippy::cast_precision_loss)]
            ws.write_number_with_format(n, 6, e.change as f64, &money)
                .map_err(err)?;
            ws.write(n, 7, e.id).map_err(err)?;
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
