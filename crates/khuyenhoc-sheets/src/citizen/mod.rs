//! The Learning Citizen batch (paper forms copied into Excel), as far as it goes without a
//! database: the template's columns (five fixed ones, then one per indicator of the criteria set
//! that is not computed), the header matched to the set, and every row parsed and scored with
//! the criteria engine. Who a row is about, and whether they may be evaluated, is the
//! application's part (`evaluation::batch`).

mod columns;
mod rows;

pub use columns::{
    bounds, entered, field_of, indicator_header, indicator_of, map_header, Columns, Field, FIXED,
};
pub use rows::{parse_row, score, score_of, Parsed};

use crate::error::SheetError;
use crate::read::{read, Limits};
use khuyenhoc_criteria::CriteriaSet;

/// The sheet the template puts the rows on.
pub const DATA_SHEET: &str = "Phiếu nhập";
/// The template's sheet of instructions.
pub const HELP_SHEET: &str = "Hướng dẫn";

/// What a batch workbook may be: 10 MB, 64 MB unzipped, 3,000 rows, 200 columns.
pub const LIMITS: Limits = Limits {
    sheet: DATA_SHEET,
    max_bytes: 10 * 1024 * 1024,
    max_unpacked: 64 * 1024 * 1024,
    max_rows: 3000,
    max_columns: 200,
    one_row: ("hãy điền mỗi người một dòng", "fill in one row per person"),
};
/// What an upload learns from a workbook before it asks the database anything: the sheet read
/// cell by cell, its header matched to the set's columns for `year`, and every row checked on
/// its own. Answers the number of rows without a problem, or the refusal the upload would show.
/// The fuzz target `xlsx_import` calls it with arbitrary bytes.
pub fn check_workbook(
    bytes: &[u8],
    set: &CriteriaSet,
    year: i64,
    this_year: i64,
) -> Result<usize, SheetError> {
    let sheet = read(bytes, &LIMITS)?;
    let cols = map_header(&sheet.header, set, year)?;
    Ok(sheet
        .rows
        .iter()
        .filter(|row| parse_row(row, &cols, set, this_year).is_ok())
        .count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::col_letter;
    use crate::read::tests::workbook;
    use crate::Kind;
    use khuyenhoc_domain::PhoneNumber;

    fn set() -> CriteriaSet {
        khuyenhoc_criteria::default_for(khuyenhoc_criteria::Model::Citizen).expect("set")
    }

    /// The header of the template, in row 1 cells ("A1", text).
    fn template_header(set: &CriteriaSet) -> Vec<(String, String)> {
        let mut h: Vec<String> = FIXED.iter().map(|f| f.1.to_owned()).collect();
        h.extend(entered(set).into_iter().map(indicator_header));
        h.into_iter()
            .enumerate()
            .map(|(c, t)| {
                (
                    format!("{}1", col_letter(u32::try_from(c).expect("col"))),
                    t,
                )
            })
            .collect()
    }

    #[test]
    fn rows_are_parsed_and_scored() {
        let set = set();
        let head = template_header(&set);
        let n = head.len();
        let mut good: Vec<(String, String)> =
            ["Nguyễn Thị Mai", "0987 654 321", "1990", "Nữ", "farmer"]
                .iter()
                .enumerate()
                .map(|(c, t)| {
                    (
                        format!("{}2", col_letter(u32::try_from(c).expect("c"))),
                        (*t).to_owned(),
                    )
                })
                .collect();
        for c in 5..n {
            good.push((
                format!("{}2", col_letter(u32::try_from(c).expect("c"))),
                "9".into(),
            ));
        }
        let mut bad = good.clone();
        for cell in &mut bad {
            cell.0 = cell.0.replace('2', "3");
        }
        bad[1].1 = "12345".into();
        bad[5].1 = "12".into();
        let as_refs = |v: &[(String, String)]| -> Vec<(String, String)> { v.to_vec() };
        let rows = [as_refs(&head), as_refs(&good), as_refs(&bad)];
        let refs: Vec<Vec<(&str, &str)>> = rows
            .iter()
            .map(|r| r.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect())
            .collect();
        let slices: Vec<&[(&str, &str)]> = refs.iter().map(Vec::as_slice).collect();
        let bytes = workbook(DATA_SHEET, &slices);
        assert_eq!(check_workbook(&bytes, &set, 2026, 2026), Ok(1));
        let sheet = read(&bytes, &LIMITS).expect("read");
        let cols = map_header(&sheet.header, &set, 2026).expect("the template's header");
        let p = parse_row(&sheet.rows[0], &cols, &set, 2026).expect("a good row");
        assert_eq!(
            p.phone.as_ref().map(PhoneNumber::as_str),
            Some("0987654321")
        );
        assert_eq!(p.birth_year, Some(1990));
        assert_eq!(score(&set, &p, &[]).expect("scored").total, 90);
        let problems = parse_row(&sheet.rows[1], &cols, &set, 2026).expect_err("a bad row");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].vi.starts_with("Dòng 3, cột B (Số điện thoại)"));
        assert!(
            problems[1].vi.ends_with("Điểm 12 vượt quá mức tối đa 10"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_wrong_header_names_each_column() {
        let bytes = workbook(
            DATA_SHEET,
            &[&[("A1", "Tên"), ("B1", "SĐT")], &[("A2", "An")]],
        );
        let err = check_workbook(&bytes, &set(), 2026, 2026).expect_err("header");
        assert_eq!(err.kind, Kind::Refused);
        assert!(
            err.vi.starts_with(
                "Dòng tiêu đề (dòng 1) không đúng mẫu năm 2026: cột A «Tên» không thuộc mẫu"
            ),
            "{}",
            err.vi
        );
        assert!(err.vi.contains("thiếu cột «Họ và tên»"), "{}", err.vi);
    }
}
