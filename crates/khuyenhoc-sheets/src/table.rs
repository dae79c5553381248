//! A table read from bytes that may be an Excel workbook or a CSV file: the official lists the
//! central office receives come either way. A workbook (a zip archive) goes to [`read`]; anything
//! else is read as CSV text within the same limits, into the same [`Sheet`] of typed cells.

use crate::cell::Value;
use crate::error::{Kind, SheetError};
use crate::read::{read, Limits, RawRow, Sheet};
use std::collections::BTreeMap;

/// Whether the bytes are a zip archive (an `.xlsx` workbook) rather than text.
fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Reads a workbook or a CSV file within the limits: the header (the first non-blank row) and at
/// least one data row. A CSV file is UTF-8 (with or without the byte-order mark Excel writes),
/// its fields separated by commas, or by semicolons as Excel saves CSV where the comma is the
/// decimal mark; cells are text, blank rows skipped.
pub fn read_table(bytes: &[u8], limits: &Limits) -> Result<Sheet, SheetError> {
    if is_zip(bytes) {
        return read(bytes, limits);
    }
    if bytes.len() > limits.max_bytes {
        let max = limits.max_bytes / 1024 / 1024;
        return Err(SheetError::new(
            Kind::TooLarge,
            format!("Tệp quá lớn (tối đa {max} MB)"),
            format!("The file is too large (at most {max} MB)"),
        ));
    }
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| not_table())?;
    if text.contains('\0') {
        return Err(not_table());
    }
    read_csv(text, limits)
}

fn not_table() -> SheetError {
    SheetError::new(
        Kind::Unreadable,
        "Tệp này không phải là bảng tính Excel (.xlsx) hay tệp CSV (UTF-8) đọc được. Hãy lưu tệp dưới dạng «Excel Workbook (.xlsx)» hoặc «CSV UTF-8» rồi tải lên lại",
        "This file is neither a readable Excel workbook (.xlsx) nor a CSV file (UTF-8). Save it as “Excel Workbook (.xlsx)” or “CSV UTF-8” and upload it again",
    )
}

/// The separator of a CSV text: a semicolon when its first line has more of them than commas.
fn delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    let count = |c: char| first.chars().filter(|x| *x == c).count();
    if count(';') > count(',') {
        b';'
    } else {
        b','
    }
}

fn read_csv(text: &str, limits: &Limits) -> Result<Sheet, SheetError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter(text))
        .from_reader(text.as_bytes());
    let mut header: Option<RawRow> = None;
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|_| not_table())?;
        // The line the record starts on, as a text editor or a spreadsheet numbers it (the
        // reader's own count skips blank lines).
        // The reader's position is where it started reading, before the blank lines it skipped.
        let number = record
            .position()
            .and_then(|p| usize::try_from(p.byte()).ok())
            .and_then(|b| Some((text.get(..b)?, text.get(b..)?)))
            .map_or(i + 1, |(before, rest)| {
                let blank = rest
                    .chars()
                    .take_while(|c| matches!(c, '\n' | '\r'))
                    .filter(|c| *c == '\n')
                    .count();
                before.matches('\n').count() + blank + 1
            });
        let mut row = RawRow {
            number: u32::try_from(number).unwrap_or(u32::MAX),
            cells: BTreeMap::new(),
            stray: None,
        };
        for (c, field) in record.iter().enumerate() {
            let t = field.trim();
            if t.is_empty() {
                continue;
            }
            let c = u32::try_from(c).unwrap_or(u32::MAX);
            if c < limits.max_columns {
                row.cells.insert(c, Value::Text(t.to_owned()));
            } else if row.stray.is_none() {
                row.stray = Some(c);
            }
        }
        if row.cells.is_empty() && row.stray.is_none() {
            continue;
        }
        if header.is_none() {
            header = Some(row);
        } else if rows.len() >= limits.max_rows {
            let n = limits.max_rows;
            return Err(SheetError::refused(
                format!("Tệp có hơn {n} dòng dữ liệu: hãy chia thành nhiều tệp nhỏ hơn"),
                format!("The file has more than {n} data rows: split it into smaller files"),
            ));
        } else {
            rows.push(row);
        }
    }
    match header {
        Some(header) if !rows.is_empty() => Ok(Sheet { header, rows }),
        _ => Err(SheetError::refused(
            format!(
                "Tệp chưa có dòng dữ liệu nào: {} dưới dòng tiêu đề",
                limits.one_row.0
            ),
            format!(
                "The file has no data rows: {} below the header row",
                limits.one_row.1
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::tests::{workbook, LIMITS};

    #[test]
    fn csv_rows_are_read_with_either_separator() {
        let sheet = read_table(
            "\u{feff}Mã xã,Quyết định\n\n4,\"Quyết định 1, năm 2021\"\n".as_bytes(),
            &LIMITS,
        )
        .expect("a CSV file");
        assert_eq!(sheet.header.cells.len(), 2);
        assert_eq!(sheet.rows.len(), 1, "the blank line is skipped");
        let row = &sheet.rows[0];
        assert_eq!(row.number, 3);
        assert_eq!(
            row.get(Some(1)),
            Some(&Value::Text("Quyết định 1, năm 2021".into()))
        );
        let sheet = read_table(b"Ma xa;Nam\n00004;2021\n", &LIMITS).expect("semicolons");
        assert_eq!(sheet.rows[0].get(Some(0)).and_then(Value::whole), Some(4));
        assert_eq!(
            sheet.rows[0].get(Some(1)).and_then(Value::whole),
            Some(2021)
        );
    }

    #[test]
    fn csv_limits_are_refusals() {
        let err = read_table(b"a\n1\n2\n3\n4\n", &LIMITS).expect_err("four rows");
        assert_eq!(err.kind, Kind::Refused);
        let err = read_table(b"a,b\n", &LIMITS).expect_err("header only");
        assert_eq!(err.kind, Kind::Refused);
        let err = read_table(b"\xff\xfe a", &LIMITS).expect_err("not UTF-8");
        assert_eq!(err.kind, Kind::Unreadable);
        let err = read_table(&vec![b'a'; LIMITS.max_bytes + 1], &LIMITS).expect_err("too large");
        assert_eq!(err.kind, Kind::TooLarge);
        let row = read_table(b"a\n1,2,3,4,5,6\n", &LIMITS).expect("read").rows[0].clone();
        assert_eq!(row.stray, Some(4), "column E is beyond the 4 read");
    }

    #[test]
    fn a_workbook_is_read_as_a_workbook() {
        let bytes = workbook("Rows", &[&[("A1", "Tên")], &[("A2", "An")]]);
        let sheet = read_table(&bytes, &LIMITS).expect("a workbook");
        assert_eq!(sheet.rows[0].get(Some(0)), Some(&Value::Text("An".into())));
    }
}
