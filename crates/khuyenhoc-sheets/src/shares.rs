//! The sheet of a province's split communes and their shares (download, fill, upload), as far as
//! it goes without a database: the columns, the header matched to them, and each row read (an
//! old commune, one of its successors, the rule, the share in percent or the population of the
//! piece). Whether the split and the successor exist, and whether the shares of one old commune
//! add up to 100 %, is the application's part (`reports::splits_import`).

use crate::cell::Value;
use crate::error::SheetError;
use crate::header::{self, Problem};
use crate::read::{Limits, RawRow};
use crate::table::read_table;
use std::collections::BTreeMap;

/// The sheet the rows are on.
pub const DATA_SHEET: &str = "Tỉ lệ kế thừa";
/// The sheet of instructions.
pub const HELP_SHEET: &str = "Hướng dẫn";

/// 2 MB, 32 MB unzipped, 10,000 rows (the whole country has about 2,500 links of split
/// communes), 20 columns.
pub const LIMITS: Limits = Limits {
    sheet: DATA_SHEET,
    max_bytes: 2 * 1024 * 1024,
    max_unpacked: 32 * 1024 * 1024,
    max_rows: 10_000,
    max_columns: 20,
    one_row: (
        "mỗi đơn vị kế thừa của một xã cũ một dòng",
        "one row per successor of an old commune",
    ),
};

/// The largest population a piece may be given.
pub const MAX_POPULATION: i64 = 1_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Col {
    OldCode,
    OldName,
    Successor,
    SuccessorName,
    Rule,
    Percent,
    Population,
}

/// The columns, in order: (column, Vietnamese header, English name).
pub const COLUMNS: [(Col, &str, &str); 7] = [
    (Col::OldCode, "Mã xã cũ", "Old commune code"),
    (Col::OldName, "Tên xã cũ", "Old commune name"),
    (Col::Successor, "Mã đơn vị kế thừa", "Successor code"),
    (Col::SuccessorName, "Tên đơn vị kế thừa", "Successor name"),
    (Col::Rule, "Cách chia", "Rule"),
    (Col::Percent, "Tỉ lệ (%)", "Share (%)"),
    (Col::Population, "Dân số phần", "Population of the piece"),
];

/// The rule's words in the sheet (Vietnamese), by its code.
pub const RULES: [(&str, &str); 3] = [
    ("set", "theo tỉ lệ"),
    ("population", "theo dân số"),
    ("equal", "chia đều"),
];

pub fn labels(c: Col) -> (&'static str, &'static str) {
    COLUMNS
        .iter()
        .find(|x| x.0 == c)
        .map_or(("", ""), |x| (x.1, x.2))
}

pub fn col_of(text: &str) -> Option<Col> {
    COLUMNS
        .iter()
        .find(|(_, vi, en)| header::names(text, vi, en))
        .map(|x| x.0)
}

/// "37,5", "37.5 %" or 37.5 (percent, at most one decimal) → 375 permille.
pub fn permille(text: &str) -> Option<i64> {
    let t = text.trim().trim_end_matches('%').trim().replace(',', ".");
    let (whole, tenth) = t.split_once('.').unwrap_or((t.as_str(), "0"));
    let tenth = tenth.trim_end_matches('0');
    let tenth = if tenth.is_empty() { "0" } else { tenth };
    let digits = |s: &str| !s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(tenth) || tenth.len() != 1 {
        return None;
    }
    let w: i64 = whole.parse().ok()?;
    let d: i64 = tenth.parse().ok()?;
    w.checked_mul(10)?.checked_add(d)
}

/// The rule a cell names: its code or its words, accents and case ignored.
pub fn rule_of(text: &str) -> Option<&'static str> {
    RULES
        .iter()
        .find(|(code, vi)| header::names(text, vi, code))
        .map(|x| x.0)
}

#[derive(Debug, Clone)]
pub struct Columns(BTreeMap<Col, u32>);

/// One row read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub old_code: String,
    pub successor: String,
    /// `set`, `population` or `equal`.
    pub rule: &'static str,
    pub permille: Option<i64>,
    pub population: Option<i64>,
}

impl Columns {
    fn at(&self, c: Col) -> Option<(u32, &'static str, &'static str)> {
        let (vi, en) = labels(c);
        self.0.get(&c).map(|n| (*n, vi, en))
    }

    fn cell<'r>(&self, row: &'r RawRow, c: Col) -> Option<&'r Value> {
        self.0.get(&c).and_then(|n| row.cells.get(n))
    }

    pub fn text(&self, row: &RawRow, c: Col) -> String {
        self.cell(row, c).map(Value::shown).unwrap_or_default()
    }

    pub fn problem(&self, row: u32, c: Option<Col>, vi: &str, en: &str) -> Problem {
        Problem::at(row, c.and_then(|c| self.at(c)), vi, en)
    }

    fn code(&self, row: &RawRow, c: Col, problems: &mut Vec<Problem>) -> Option<String> {
        let v = self.cell(row, c);
        let code = v
            .and_then(Value::whole)
            .filter(|n| (1..=99_999).contains(n))
            .map(|n| format!("{n:05}"))
            .or_else(|| {
                v.map(|v| v.text().trim().to_owned())
                    .filter(|t| t.len() == 5 && t.bytes().all(|b| b.is_ascii_digit()))
            });
        if code.is_none() {
            problems.push(self.problem(
                row.number,
                Some(c),
                "ghi mã xã, phường (5 chữ số)",
                "write the commune's code (5 digits)",
            ));
        }
        code
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
        let old_code = self.code(row, Col::OldCode, &mut problems);
        let successor = self.code(row, Col::Successor, &mut problems);
        let rule = rule_of(&self.text(row, Col::Rule));
        if rule.is_none() {
            problems.push(self.problem(
                n,
                Some(Col::Rule),
                "ghi cách chia: theo tỉ lệ, theo dân số hoặc chia đều",
                "write the rule: theo tỉ lệ (shares), theo dân số (population) or chia đều (equal)",
            ));
        }
        let percent = self.text(row, Col::Percent);
        let permille = if rule == Some("set") {
            let p = permille(&percent).filter(|p| (1..=1000).contains(p));
            if p.is_none() {
                problems.push(self.problem(
                    n,
                    Some(Col::Percent),
                    "ghi tỉ lệ từ 0,1 đến 100, tối đa một chữ số thập phân",
                    "write a share from 0.1 to 100, one decimal at most",
                ));
            }
            p
        } else {
            None
        };
        let population = if rule == Some("population") {
            let p = self
                .cell(row, Col::Population)
                .and_then(Value::whole)
                .filter(|p| (0..=MAX_POPULATION).contains(p));
            if p.is_none() {
                problems.push(self.problem(
                    n,
                    Some(Col::Population),
                    "ghi dân số của phần (số nguyên, không âm)",
                    "write the population of the piece (a whole number, not negative)",
                ));
            }
            p
        } else {
            None
        };
        match (old_code, successor, rule) {
            (Some(old_code), Some(successor), Some(rule)) if problems.is_empty() => Ok(Row {
                old_code,
                successor,
                rule,
                permille,
                population,
            }),
            _ => Err(problems),
        }
    }
}

/// Where each column is; the two codes and the rule are required.
pub fn map_header(header: &RawRow) -> Result<Columns, SheetError> {
    let mut cols = BTreeMap::new();
    for (c, v) in &header.cells {
        if let Some(col) = col_of(&v.shown()) {
            cols.entry(col).or_insert(*c);
        }
    }
    let missing: Vec<Col> = [Col::OldCode, Col::Successor, Col::Rule]
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
        format!(
            "Dòng tiêu đề thiếu cột {}: hãy dùng tệp tải về",
            names(false)
        ),
        format!(
            "The header row lacks the column {}: use the downloaded sheet",
            names(true)
        ),
    ))
}

/// The rows of a file and how many are valid, or the refusal (for the fuzz target).
pub fn check_workbook(bytes: &[u8]) -> Result<(usize, usize), SheetError> {
    let sheet = read_table(bytes, &LIMITS)?;
    let cols = map_header(&sheet.header)?;
    let valid = sheet.rows.iter().filter(|r| cols.row(r).is_ok()).count();
    Ok((sheet.rows.len(), valid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_and_every_problem_named() {
        let s = read_table(
            "Mã xã cũ,Tên xã cũ,Mã đơn vị kế thừa,Tên đơn vị kế thừa,Cách chia,Tỉ lệ (%),Dân số phần\n\
             31178,Phường Bùi Hữu Nghĩa,31120,Phường Cái Khế,theo tỉ lệ,\"37,5\",\n\
             31178,,31168,,Theo ti le,62.5,\n\
             31189,,31135,,theo dân số,,500\n\
             x,,31135,,chia sao,,\n"
                .as_bytes(),
            &LIMITS,
        )
        .expect("read");
        let cols = map_header(&s.header).expect("header");
        let r = cols.row(&s.rows[0]).expect("row 2");
        assert_eq!(
            (
                r.old_code.as_str(),
                r.successor.as_str(),
                r.rule,
                r.permille
            ),
            ("31178", "31120", "set", Some(375))
        );
        assert_eq!(cols.row(&s.rows[1]).expect("row 3").permille, Some(625));
        assert_eq!(cols.row(&s.rows[2]).expect("row 4").population, Some(500));
        let problems = cols.row(&s.rows[3]).expect_err("row 5");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(
            check_workbook(b"Old commune code,Successor code,Rule\n31178,31120,equal\n"),
            Ok((1, 1))
        );
        assert!(map_header(
            &read_table(b"Ma xa cu,Cach chia\n1,2\n", &LIMITS)
                .expect("read")
                .header
        )
        .is_err());
    }

    #[test]
    fn percent_as_typed() {
        assert_eq!(permille("37,5"), Some(375));
        assert_eq!(permille("37.5 %"), Some(375));
        assert_eq!(permille("50"), Some(500));
        assert_eq!(permille("33.30"), Some(333));
        assert_eq!(permille("1,25"), None);
        assert_eq!(permille(""), None);
        assert_eq!(permille("abc"), None);
    }
}
