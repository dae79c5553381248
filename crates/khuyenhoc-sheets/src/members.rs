//! The member list import, as far as it goes without a database: the template's columns, the
//! header matched to them, and the cells of a row read as typed. Whether a branch, a card
//! number or a person exists is the application's part (`members::import`).

use crate::cell::{phone_text, Value};
use crate::error::SheetError;
use crate::header::{self, Problem};
use crate::read::{read, Limits, RawRow};
use std::collections::BTreeMap;

/// The sheet the template puts the rows on.
pub const DATA_SHEET: &str = "Hội viên";
/// The template's sheet of instructions.
pub const HELP_SHEET: &str = "Hướng dẫn";

/// What a member list may be: 20 MB (a workbook of 100,000 filled rows is about 4 MB), 256 MB
/// unzipped (such a sheet unpacks to about 30 MB), 100,000 rows, 50 columns.
pub const LIMITS: Limits = Limits {
    sheet: DATA_SHEET,
    max_bytes: 20 * 1024 * 1024,
    max_unpacked: 256 * 1024 * 1024,
    max_rows: 100_000,
    max_columns: 50,
    one_row: ("mỗi hội viên một dòng", "one row per member"),
};

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

/// A column's names: (Vietnamese, English).
pub fn labels(c: Col) -> (&'static str, &'static str) {
    COLUMNS
        .iter()
        .find(|x| x.0 == c)
        .map_or(("", ""), |x| (x.1, x.2))
}

/// The column a header names: its Vietnamese or English name, accents and case ignored.
pub fn col_of(text: &str) -> Option<Col> {
    COLUMNS
        .iter()
        .find(|(_, vi, en)| header::names(text, vi, en))
        .map(|x| x.0)
}

/// Where each column is in a workbook.
#[derive(Debug, Clone)]
pub struct Columns(BTreeMap<Col, u32>);

impl Columns {
    /// The column and its place, for a problem's line.
    pub fn at(&self, c: Col) -> Option<(u32, &'static str, &'static str)> {
        let (vi, en) = labels(c);
        self.0.get(&c).map(|n| (*n, vi, en))
    }

    pub fn cell<'r>(&self, row: &'r RawRow, c: Col) -> Option<&'r Value> {
        self.0.get(&c).and_then(|n| row.cells.get(n))
    }

    /// A cell as typed (at most 100 characters), empty when blank.
    pub fn text(&self, row: &RawRow, c: Col) -> String {
        self.cell(row, c).map(Value::shown).unwrap_or_default()
    }

    /// The phone cell as typed, its lost leading zero put back; empty when blank.
    pub fn phone(&self, row: &RawRow) -> String {
        self.cell(row, Col::Phone)
            .map(phone_text)
            .unwrap_or_default()
    }

    /// A problem of a row, at a column of the template.
    pub fn problem(&self, row: u32, c: Option<Col>, vi: &str, en: &str) -> Problem {
        Problem::at(row, c.and_then(|c| self.at(c)), vi, en)
    }
}

/// Where each column is in this workbook. The name and join date are required, and the branch
/// code unless the list is uploaded for a branch itself (`for_branch`).
pub fn map_header(header: &RawRow, for_branch: bool) -> Result<Columns, SheetError> {
    let mut cols = BTreeMap::new();
    for (c, v) in &header.cells {
        if let Some(col) = col_of(&v.shown()) {
            cols.entry(col).or_insert(*c);
        }
    }
    let mut required = vec![Col::Name, Col::Joined];
    if !for_branch {
        required.push(Col::Branch);
    }
    let missing: Vec<Col> = required
        .into_iter()
        .filter(|c| !cols.contains_key(c))
        .collect();
    if missing.is_empty() {
        return Ok(Columns(cols));
    }
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
    Err(SheetError::refused(
        format!("Dòng tiêu đề thiếu cột {}: hãy dùng tệp mẫu", names(false)),
        format!(
            "The header row lacks the column {}: use the template",
            names(true)
        ),
    ))
}

/// What an upload learns from a workbook before it asks the database anything: the sheet read
/// cell by cell and its header matched. Answers the number of data rows, or the refusal the
/// upload would show (the rows themselves are checked against the database). The fuzz target
/// `xlsx_import` calls it with arbitrary bytes.
pub fn check_workbook(bytes: &[u8], for_branch: bool) -> Result<usize, SheetError> {
    let sheet = read(bytes, &LIMITS)?;
    map_header(&sheet.header, for_branch)?;
    Ok(sheet.rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::tests::workbook;

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
    fn the_branch_column_is_required_above_a_branch() {
        let bytes = workbook(
            DATA_SHEET,
            &[
                &[("A1", "Họ và tên"), ("B1", "Ngày vào hội")],
                &[("A2", "An"), ("B2", "01/01/2024")],
            ],
        );
        assert_eq!(check_workbook(&bytes, true), Ok(1));
        let err = check_workbook(&bytes, false).expect_err("no branch column");
        assert_eq!(
            err.vi,
            "Dòng tiêu đề thiếu cột «Mã chi hội»: hãy dùng tệp mẫu"
        );
        let sheet = read(&bytes, &LIMITS).expect("read");
        let cols = map_header(&sheet.header, true).expect("header");
        assert_eq!(cols.text(&sheet.rows[0], Col::Name), "An");
        assert_eq!(
            cols.problem(2, Some(Col::Joined), "sai", "wrong").vi,
            "Dòng 2, cột B (Ngày vào hội): sai"
        );
    }
}
