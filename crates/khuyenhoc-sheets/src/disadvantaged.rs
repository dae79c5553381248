//! The list of communes in especially difficult, ethnic-minority and mountainous areas that the
//! central office loads (an Excel workbook or a CSV file), as far as it goes without a database:
//! the columns, the header matched to them, and each row read (a commune code, the decision that
//! lists it, the years it is valid). Whether the commune exists is the application's part
//! (`org::disadvantaged_import`).

use crate::cell::Value;
use crate::error::SheetError;
use crate::header::{self, Problem};
use crate::read::{Limits, RawRow};
use crate::table::read_table;
use khuyenhoc_domain::{limits, UnitCode};
use std::collections::BTreeMap;

/// The sheet the template puts the rows on.
pub const DATA_SHEET: &str = "Danh sách xã";
/// The template's sheet of instructions.
pub const HELP_SHEET: &str = "Hướng dẫn";

/// What a list may be: 5 MB, 64 MB unzipped, 20,000 communes (Vietnam has about 3,300 since
/// 2025, and had about 10,600 before), 20 columns.
pub const LIMITS: Limits = Limits {
    sheet: DATA_SHEET,
    max_bytes: 5 * 1024 * 1024,
    max_unpacked: 64 * 1024 * 1024,
    max_rows: 20_000,
    max_columns: 20,
    one_row: ("mỗi xã một dòng", "one row per commune"),
};

/// The years a flag may be given for.
pub const FIRST_YEAR: i64 = 2000;
pub const LAST_YEAR: i64 = 2100;
/// Most years one row (one decision) may cover.
pub const MAX_YEARS: i64 = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Col {
    Code,
    Name,
    Decision,
    From,
    To,
}

/// The columns of the template, in order: (column, Vietnamese header, English name).
pub const COLUMNS: [(Col, &str, &str); 5] = [
    (Col::Code, "Mã xã", "Commune code"),
    (Col::Name, "Tên xã", "Commune name"),
    (Col::Decision, "Quyết định", "Decision"),
    (Col::From, "Từ năm", "From year"),
    (Col::To, "Đến năm", "To year"),
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

/// Where each column is in a file.
#[derive(Debug, Clone)]
pub struct Columns(BTreeMap<Col, u32>);

/// One row read: the commune, the decision listing it, and the years (both included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub code: UnitCode,
    /// The name as the file gives it (for the preview), or empty.
    pub name: String,
    pub source: String,
    pub from: i64,
    pub to: i64,
}

impl Row {
    pub fn years(&self) -> std::ops::RangeInclusive<i64> {
        self.from..=self.to
    }
}

impl Columns {
    fn at(&self, c: Col) -> Option<(u32, &'static str, &'static str)> {
        let (vi, en) = labels(c);
        self.0.get(&c).map(|n| (*n, vi, en))
    }

    fn cell<'r>(&self, row: &'r RawRow, c: Col) -> Option<&'r Value> {
        self.0.get(&c).and_then(|n| row.cells.get(n))
    }

    /// A cell as typed (at most 100 characters), empty when blank.
    pub fn text(&self, row: &RawRow, c: Col) -> String {
        self.cell(row, c).map(Value::shown).unwrap_or_default()
    }

    /// A problem of a row, at a column.
    pub fn problem(&self, row: u32, c: Option<Col>, vi: &str, en: &str) -> Problem {
        Problem::at(row, c.and_then(|c| self.at(c)), vi, en)
    }

    fn year(&self, row: &RawRow, c: Col, problems: &mut Vec<Problem>) -> Option<i64> {
        match self.cell(row, c).and_then(Value::whole) {
            Some(y) if (FIRST_YEAR..=LAST_YEAR).contains(&y) => Some(y),
            _ => {
                problems.push(self.problem(
                    row.number,
                    Some(c),
                    &format!("ghi năm có 4 chữ số, từ {FIRST_YEAR} đến {LAST_YEAR}"),
                    &format!("write a 4-digit year from {FIRST_YEAR} to {LAST_YEAR}"),
                ));
                None
            }
        }
    }

    /// Reads a row: every problem found, or the row.
    pub fn row(&self, row: &RawRow) -> Result<Row, Vec<Problem>> {
        let n = row.number;
        let mut problems = vec![];
        if let Some(c) = row.stray {
            let letter = header::col_letter(c);
            problems.push(Problem::at(
                n,
                None,
                &format!("ô ở cột {letter} nằm ngoài các cột của mẫu"),
                &format!("the cell in column {letter} is beyond the template's columns"),
            ));
        }
        let code = self
            .cell(row, Col::Code)
            .and_then(Value::whole)
            .and_then(|c| u32::try_from(c).ok())
            .and_then(|c| UnitCode::commune(c).ok());
        if code.is_none() {
            problems.push(self.problem(
                n,
                Some(Col::Code),
                "ghi mã xã, phường theo danh mục hành chính (5 chữ số)",
                "write the commune's official code (5 digits)",
            ));
        }
        let raw = self
            .cell(row, Col::Decision)
            .map(Value::text)
            .unwrap_or_default();
        let source = match limits::DESCRIPTION.check(&raw) {
            Ok(s) if s.chars().count() >= 3 => Some(s),
            Ok(_) => {
                problems.push(self.problem(
                    n,
                    Some(Col::Decision),
                    "ghi số, ngày và cơ quan ban hành quyết định phê duyệt danh sách",
                    "write the number, date and issuer of the decision that lists the commune",
                ));
                None
            }
            Err(e) => {
                problems.push(self.problem(n, Some(Col::Decision), e.vi, e.en));
                None
            }
        };
        let from = self.year(row, Col::From, &mut problems);
        let to = self.year(row, Col::To, &mut problems);
        if let (Some(f), Some(t)) = (from, to) {
            if t < f || t - f >= MAX_YEARS {
                problems.push(self.problem(
                    n,
                    Some(Col::To),
                    &format!("năm kết thúc phải từ năm bắt đầu trở đi, tối đa {MAX_YEARS} năm"),
                    &format!(
                        "the last year must not come before the first, {MAX_YEARS} years at most"
                    ),
                ));
            }
        }
        match (code, source, from, to) {
            (Some(code), Some(source), Some(from), Some(to)) if problems.is_empty() => Ok(Row {
                code,
                name: self.text(row, Col::Name),
                source,
                from,
                to,
            }),
            _ => Err(problems),
        }
    }
}

/// Where each column is in this file; the code, the decision and both years are required.
pub fn map_header(header: &RawRow) -> Result<Columns, SheetError> {
    let mut cols = BTreeMap::new();
    for (c, v) in &header.cells {
        if let Some(col) = col_of(&v.shown()) {
            cols.entry(col).or_insert(*c);
        }
    }
    let missing: Vec<Col> = [Col::Code, Col::Decision, Col::From, Col::To]
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

/// What an upload learns from a file before it asks the database anything: the table read
/// (a workbook or CSV), its header matched and every row read. Answers the number of data rows
/// and how many of them are valid, or the refusal. The fuzz target `xlsx_import` calls it.
pub fn check_workbook(bytes: &[u8]) -> Result<(usize, usize), SheetError> {
    let sheet = read_table(bytes, &LIMITS)?;
    let cols = map_header(&sheet.header)?;
    let valid = sheet.rows.iter().filter(|r| cols.row(r).is_ok()).count();
    Ok((sheet.rows.len(), valid))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(text: &str) -> (Columns, Vec<RawRow>) {
        let s = read_table(text.as_bytes(), &LIMITS).expect("read");
        (map_header(&s.header).expect("header"), s.rows)
    }

    #[test]
    fn rows_are_read_and_every_problem_named() {
        let (cols, rows) = sheet(
            "Ma xa,Ten xa,Quyet dinh,Tu nam,Den nam\n\
             4,Phường Ba Đình,Quyết định 861/QĐ-TTg,2021,2025\n\
             x,,QĐ,2021,2040\n",
        );
        let row = cols.row(&rows[0]).expect("a good row");
        assert_eq!(row.code.as_str(), "00004");
        assert_eq!(row.years().count(), 5);
        assert_eq!(row.source, "Quyết định 861/QĐ-TTg");
        let problems = cols.row(&rows[1]).expect_err("a bad row");
        let vi: Vec<&str> = problems.iter().map(|p| p.vi.as_str()).collect();
        assert_eq!(problems.len(), 3, "{vi:?}");
        assert!(vi[0].starts_with("Dòng 3, cột A (Mã xã)"), "{vi:?}");
        assert!(vi[1].starts_with("Dòng 3, cột C (Quyết định)"), "{vi:?}");
        assert!(vi[2].starts_with("Dòng 3, cột E (Đến năm)"), "{vi:?}");
    }

    #[test]
    fn the_header_names_what_it_lacks() {
        let s = read_table(b"Ma xa,Tu nam\n4,2021\n", &LIMITS).expect("read");
        let err = map_header(&s.header).expect_err("no decision, no last year");
        assert_eq!(
            err.vi,
            "Dòng tiêu đề thiếu cột «Quyết định», «Đến năm»: hãy dùng tệp mẫu"
        );
        assert_eq!(
            check_workbook(
                b"Commune code,Decision,From year,To year\n4,QD 1,2021,2021\nx,QD 2,2021,2021\n"
            ),
            Ok((2, 1)),
            "the English headers; the second row has no valid code"
        );
    }
}
