//! Lists exported to Excel exactly as filtered (issue 16, item 1): the one writer every list's
//! export goes through. A list says what its sheet is ([`Sheet`]: name, columns, what a row is
//! called) and how to read its rows by key ([`Export`]: the count and the rows after a cursor,
//! the filter of its page and API); [`xlsx`] refuses a list over the limit before reading a row,
//! then reads every matching row 2,000 at a time in the list's order and writes one sheet: a
//! bold header, the row number first, a filter on the header and the header frozen.

use crate::db::Db;
use crate::error::AppError;
use crate::web::list::Cursor;
use rust_xlsxwriter::{Format, Workbook};
use std::future::Future;

/// The most rows one export writes by default (`export_max_rows` in the settings): a larger
/// list is refused, to be narrowed by its filter.
pub const MAX_ROWS: i64 = 50_000;

/// Rows read per query while writing.
const CHUNK: i64 = 2_000;

/// One cell of an exported row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    /// Whole đồng, written as a number with thousands grouped.
    Money(i64),
    Blank,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&String> for Cell {
    fn from(s: &String) -> Self {
        Cell::Text(s.clone())
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Blank, Into::into)
    }
}

/// What an exported sheet is: its name, its columns after the row number (header, width) and
/// what one row is called in the refusal ("hồ sơ", "rows").
pub struct Sheet {
    pub name: &'static str,
    pub columns: &'static [(&'static str, f64)],
    pub what_vi: &'static str,
    pub what_en: &'static str,
}

/// A list that can be exported: the filter of its page and API, read by key.
pub trait Export: Sync {
    type Row: Send;
    fn sheet(&self) -> Sheet;
    /// How many rows match.
    fn total(&self, db: &Db) -> impl Future<Output = Result<i64, AppError>> + Send;
    /// Up to `limit` rows after `cursor` in the list's order, and the cursor after the last one
    /// when more may follow.
    fn chunk(
        &self,
        db: &Db,
        cursor: Option<&Cursor>,
        limit: i64,
    ) -> impl Future<Output = Result<(Vec<Self::Row>, Option<Cursor>), AppError>> + Send;
    /// The cells of one row, one per column of [`Sheet::columns`].
    fn cells(&self, row: &Self::Row) -> Vec<Cell>;
}

/// The `total` and `chunk` of an [`Export`] whose filter reads its list with the usual
/// inherent `count(db)` and `rows(db, cursor, limit)`: `by_key!(Row);` in the impl.
macro_rules! by_key {
    ($row:ty) => {
        async fn total(&self, db: &$crate::db::Db) -> Result<i64, $crate::error::AppError> {
            Ok(self.count(db).await?)
        }

        async fn chunk(
            &self,
            db: &$crate::db::Db,
            cursor: Option<&$crate::web::list::Cursor>,
            limit: i64,
        ) -> Result<(Vec<$row>, Option<$crate::web::list::Cursor>), $crate::error::AppError> {
            self.rows(db, cursor, limit).await
        }
    };
}
pub(crate) use by_key;

/// Refuses a list of `total` rows over `max`, in words the officer can act on.
pub fn check_size(total: i64, max: i64, what_vi: &str, what_en: &str) -> Result<(), AppError> {
    if total > max {
        return Err(AppError::bad_request(
            format!("Danh sách có {total} {what_vi}, quá {max} để xuất một lần; hãy lọc hẹp hơn"),
            format!("The list has {total} {what_en}, over {max} for one export; narrow the filter"),
        ));
    }
    Ok(())
}

/// The workbook of every row `list` matches; refused (400) above `max` rows.
pub async fn xlsx<E: Export>(db: &Db, list: &E, max: i64) -> Result<Vec<u8>, AppError> {
    let sheet = list.sheet();
    check_size(list.total(db).await?, max, sheet.what_vi, sheet.what_en)?;
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(anyhow::anyhow!("xlsx: {e}"));
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0");
    let ws = wb.add_worksheet();
    ws.set_name(sheet.name).map_err(err)?;
    let columns = std::iter::once(&("TT", 6.0)).chain(sheet.columns.iter());
    let mut last_col: u16 = 0;
    for (c, (h, w)) in columns.enumerate() {
        let c = u16::try_from(c).map_err(|_| anyhow::anyhow!("too many columns"))?;
        ws.write_with_format(0, c, *h, &bold).map_err(err)?;
        ws.set_column_width(c, *w).map_err(err)?;
        last_col = c;
    }
    let mut cursor: Option<Cursor> = None;
    let mut n: u32 = 0;
    loop {
        let (rows, next) = list.chunk(db, cursor.as_ref(), CHUNK).await?;
        for row in &rows {
            n += 1;
            ws.write(n, 0, n).map_err(err)?;
            for (c, cell) in (1u16..).zip(list.cells(row)) {
                match cell {
                    Cell::Text(s) => {
                        ws.write(n, c, s).map_err(err)?;
                    }
                    Cell::Int(i) => {
                        ws.write(n, c, i).map_err(err)?;
                    }
                    // Whole đồng up to 10^15: exact in a spreadsheet's number.
                    #[allow(clippy::cast_precision_loss)]
                    Cell::Money(d) => {
                        ws.write_number_with_format(n, c, d as f64, &money)
                            .map_err(err)?;
                    }
                    Cell::Blank => {}
                }
            }
        }
        match next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    ws.autofilter(0, 0, n, last_col).map_err(err)?;
    ws.set_freeze_panes(1, 0).map_err(err)?;
    wb.save_to_buffer().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_over_the_limit_is_refused_in_both_languages() {
        assert!(check_size(MAX_ROWS, MAX_ROWS, "hồ sơ", "rows").is_ok());
        match check_size(MAX_ROWS + 1, MAX_ROWS, "hồ sơ", "rows") {
            Err(AppError::BadRequest { vi, en }) => {
                assert!(vi.contains("50001 hồ sơ, quá 50000"), "{vi}");
                assert!(en.contains("narrow the filter"), "{en}");
            }
            other => panic!("{other:?}"),
        }
    }
}
