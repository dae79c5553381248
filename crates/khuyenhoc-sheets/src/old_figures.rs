//! Figures from before the program (issue 17, item 4): a province's workbook of the figures its
//! old units (communes or districts of the map before 1 July 2025) reported per half-year, from
//! 2023-H1 to 2025-H1, as far as it goes without a database: the columns, the header matched to
//! them, each row read (an old unit's code, a half-year, and a whole, non-negative figure per
//! filled column). Whether the unit is one of the province's predecessors is the application's
//! part (`reports::old_figures`).

use crate::cell::Value;
use crate::error::SheetError;
use crate::header::{self, Problem};
use crate::read::{Limits, RawRow};
use crate::table::read_table;
use std::collections::BTreeMap;

/// The sheet the template puts the rows on.
pub const DATA_SHEET: &str = "Số liệu cũ";
/// The template's sheet of instructions.
pub const HELP_SHEET: &str = "Hướng dẫn";

/// What a workbook may be: 5 MB, 64 MB unzipped, 20,000 rows (a province had at most a few
/// hundred old communes, times five half-years), 40 columns.
pub const LIMITS: Limits = Limits {
    sheet: DATA_SHEET,
    max_bytes: 5 * 1024 * 1024,
    max_unpacked: 64 * 1024 * 1024,
    max_rows: 20_000,
    max_columns: 40,
    one_row: (
        "mỗi đơn vị cũ một dòng cho mỗi kỳ",
        "one row per old unit and half-year",
    ),
};

/// The half-years a workbook may give figures for.
pub const PERIODS: [&str; 5] = ["2023-H1", "2023-H2", "2024-H1", "2024-H2", "2025-H1"];

/// The largest count of one cell.
pub const MAX_COUNT: i64 = 1_000_000_000;
/// The largest amount of one cell, in đồng (the cap on one fund's half-year).
pub const MAX_MONEY: i64 = 1_000_000_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Col {
    Code,
    Name,
    Period,
    /// A figure: the index of its metric in [`FIGURES`].
    Figure(usize),
}

/// The figures, in the template's order: (base metric, Vietnamese header, English name, money).
/// Members and branches are the stocks at the half-year's end; registrations and recognitions
/// count into the year (evaluations are yearly); money and scholarships belong to the
/// half-year. Receipts are kept as "other income", payments (scholarships apart) as "other
/// expense", so the report's fund receipts and payments add them. Learning Citizens are also
/// given per form group of the national set (`eval.registered.citizen.farmer`, …: the metrics
/// of the national template's lines per group); a row's groups never add up to more than its
/// total when both are given.
pub const FIGURES: [(&str, &str, &str, bool); 24] = [
    ("members.active", "Hội viên", "Members", false),
    ("branches.total", "Chi hội", "Branches", false),
    (
        "eval.registered.citizen",
        "Đăng ký Công dân học tập",
        "Learning Citizen registered",
        false,
    ),
    (
        "eval.recognised.citizen",
        "Công nhận Công dân học tập",
        "Learning Citizen recognised",
        false,
    ),
    (
        "eval.registered.citizen.farmer",
        "Đăng ký Công dân học tập, nhóm Nông dân, lao động nông thôn",
        "Learning Citizen registered: Farmers and rural workers",
        false,
    ),
    (
        "eval.recognised.citizen.farmer",
        "Công nhận Công dân học tập, nhóm Nông dân, lao động nông thôn",
        "Learning Citizen recognised: Farmers and rural workers",
        false,
    ),
    (
        "eval.registered.citizen.worker",
        "Đăng ký Công dân học tập, nhóm Công nhân, thợ thủ công, lao động tự do",
        "Learning Citizen registered: Workers, craftsmen and freelance workers",
        false,
    ),
    (
        "eval.recognised.citizen.worker",
        "Công nhận Công dân học tập, nhóm Công nhân, thợ thủ công, lao động tự do",
        "Learning Citizen recognised: Workers, craftsmen and freelance workers",
        false,
    ),
    (
        "eval.registered.citizen.official",
        "Đăng ký Công dân học tập, nhóm Cán bộ, công chức, viên chức",
        "Learning Citizen registered: Officials, civil servants and public employees",
        false,
    ),
    (
        "eval.recognised.citizen.official",
        "Công nhận Công dân học tập, nhóm Cán bộ, công chức, viên chức",
        "Learning Citizen recognised: Officials, civil servants and public employees",
        false,
    ),
    (
        "eval.registered.citizen.student",
        "Đăng ký Công dân học tập, nhóm Học sinh, sinh viên",
        "Learning Citizen registered: Pupils and students",
        false,
    ),
    (
        "eval.recognised.citizen.student",
        "Công nhận Công dân học tập, nhóm Học sinh, sinh viên",
        "Learning Citizen recognised: Pupils and students",
        false,
    ),
    (
        "eval.registered.family",
        "Đăng ký Gia đình học tập",
        "Learning Family registered",
        false,
    ),
    (
        "eval.recognised.family",
        "Công nhận Gia đình học tập",
        "Learning Family recognised",
        false,
    ),
    (
        "eval.registered.clan",
        "Đăng ký Dòng họ học tập",
        "Learning Clan registered",
        false,
    ),
    (
        "eval.recognised.clan",
        "Công nhận Dòng họ học tập",
        "Learning Clan recognised",
        false,
    ),
    (
        "eval.registered.community",
        "Đăng ký Cộng đồng học tập",
        "Learning Community registered",
        false,
    ),
    (
        "eval.recognised.community",
        "Công nhận Cộng đồng học tập",
        "Learning Community recognised",
        false,
    ),
    (
        "eval.registered.unit",
        "Đăng ký Đơn vị học tập",
        "Learning Unit registered",
        false,
    ),
    (
        "eval.recognised.unit",
        "Công nhận Đơn vị học tập",
        "Learning Unit recognised",
        false,
    ),
    (
        "ledger.other_income",
        "Thu quỹ (đồng)",
        "Fund receipts (đồng)",
        true,
    ),
    (
        "ledger.other_expense",
        "Chi quỹ ngoài học bổng (đồng)",
        "Fund payments besides scholarships (đồng)",
        true,
    ),
    (
        "ledger.scholarship",
        "Học bổng (đồng)",
        "Scholarships (đồng)",
        true,
    ),
    (
        "paid.scholarship",
        "Số suất học bổng",
        "Scholarships paid",
        false,
    ),
];

/// The counter (period, metric) a figure from before the program (`old_figures`: an old unit's
/// half-year, `reports::old_figures`) goes to: flows stay in the half-year, registrations and
/// recognitions count into the year, members and branches are the stocks at the half-year's
/// end, kept apart as `old.<metric>.h1|h2` (the application reads them for a period ended then).
pub fn counter_of(period: &str, metric: &str) -> (String, String) {
    if metric == "members.active" || metric == "branches.total" {
        let half = if period.ends_with("H2") { "h2" } else { "h1" };
        (period.to_owned(), format!("old.{metric}.{half}"))
    } else if metric.starts_with("eval.") {
        (
            period.get(..4).unwrap_or(period).to_owned(),
            metric.to_owned(),
        )
    } else {
        (period.to_owned(), metric.to_owned())
    }
}

/// Adds the stocks loaded from before the program for the half-year (`"h1"`, `"h2"`) ending a
/// period (`old.members.active.h1`, …) to a unit's figures, and drops every `old.` key.
pub fn fold_stocks(base: &mut BTreeMap<String, i64>, half: &str) {
    for stock in ["members.active", "branches.total"] {
        if let Some(v) = base.get(&format!("old.{stock}.{half}")).copied() {
            *base.entry(stock.to_owned()).or_insert(0) += v;
        }
    }
    base.retain(|k, _| !k.starts_with("old."));
}

/// A column's names: (Vietnamese, English).
pub fn labels(c: Col) -> (&'static str, &'static str) {
    match c {
        Col::Code => ("Mã đơn vị", "Unit code"),
        Col::Name => ("Tên đơn vị", "Unit name"),
        Col::Period => ("Kỳ", "Period"),
        Col::Figure(i) => FIGURES.get(i).map_or(("", ""), |f| (f.1, f.2)),
    }
}

/// Every column of the template, in order.
pub fn columns() -> Vec<Col> {
    let mut out = vec![Col::Code, Col::Name, Col::Period];
    out.extend((0..FIGURES.len()).map(Col::Figure));
    out
}

/// The column a header names: its Vietnamese or English name, accents and case ignored. A
/// Vietnamese name may begin another's ("Đăng ký Công dân học tập" and "…, nhóm Học sinh, sinh
/// viên"): the longest name that fits is the column.
pub fn col_of(text: &str) -> Option<Col> {
    columns()
        .into_iter()
        .filter(|c| {
            let (vi, en) = labels(*c);
            header::names(text, vi, en)
        })
        .max_by_key(|c| labels(*c).0.len())
}

/// Where each column is in a file.
#[derive(Debug, Clone)]
pub struct Columns(BTreeMap<Col, u32>);

/// One row read: an old unit's code (3 digits for a district, 5 for a commune), a half-year,
/// and the figures given (blank cells are not given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub code: String,
    pub name: String,
    pub period: &'static str,
    pub figures: Vec<(&'static str, i64)>,
}

impl Columns {
    fn at(&self, c: Col) -> Option<(u32, &'static str, &'static str)> {
        let (vi, en) = labels(c);
        self.0.get(&c).map(|n| (*n, vi, en))
    }

    fn cell<'r>(&self, row: &'r RawRow, c: Col) -> Option<&'r Value> {
        self.0.get(&c).and_then(|n| row.cells.get(n))
    }

    /// A cell as typed, empty when blank.
    pub fn text(&self, row: &RawRow, c: Col) -> String {
        self.cell(row, c).map(Value::shown).unwrap_or_default()
    }

    /// A problem of a row, at a column.
    pub fn problem(&self, row: u32, c: Option<Col>, vi: &str, en: &str) -> Problem {
        Problem::at(row, c.and_then(|c| self.at(c)), vi, en)
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
        let code = self.text(row, Col::Code).trim().to_owned();
        let code_ok =
            (code.len() == 3 || code.len() == 5) && code.bytes().all(|b| b.is_ascii_digit());
        if !code_ok {
            problems.push(self.problem(
                n,
                Some(Col::Code),
                "ghi mã đơn vị cũ: xã 5 chữ số hoặc huyện 3 chữ số, như tệp mẫu",
                "write the old unit's code: 5 digits for a commune, 3 for a district, as in the template",
            ));
        }
        let typed = self.text(row, Col::Period).trim().to_ascii_uppercase();
        let period = PERIODS.iter().copied().find(|p| *p == typed);
        if period.is_none() {
            problems.push(self.problem(
                n,
                Some(Col::Period),
                "ghi kỳ sáu tháng từ 2023-H1 đến 2025-H1 (ví dụ 2024-H2)",
                "write a half-year from 2023-H1 to 2025-H1 (e.g. 2024-H2)",
            ));
        }
        let mut figures = vec![];
        for (i, (metric, _, _, money)) in FIGURES.iter().enumerate() {
            let Some(v) = self.cell(row, Col::Figure(i)) else {
                continue;
            };
            if v.shown().trim().is_empty() {
                continue;
            }
            let max = if *money { MAX_MONEY } else { MAX_COUNT };
            match v.whole() {
                Some(x) if (0..=max).contains(&x) => figures.push((*metric, x)),
                _ => problems.push(self.problem(
                    n,
                    Some(Col::Figure(i)),
                    &format!("ghi một số nguyên từ 0 đến {max}"),
                    &format!("write a whole number from 0 to {max}"),
                )),
            }
        }
        for verb in ["registered", "recognised"] {
            let total_key = format!("eval.{verb}.citizen");
            let prefix = format!("{total_key}.");
            let total = figures.iter().find(|(m, _)| *m == total_key).map(|f| f.1);
            let groups: i64 = figures
                .iter()
                .filter(|(m, _)| m.starts_with(&prefix))
                .map(|f| f.1)
                .sum();
            if let Some(total) = total.filter(|t| groups > *t) {
                let i = FIGURES.iter().position(|f| f.0 == total_key);
                problems.push(self.problem(
                    n,
                    i.map(Col::Figure),
                    &format!("các nhóm cộng lại {groups} nhiều hơn tổng {total}"),
                    &format!("the form groups add up to {groups}, more than the total {total}"),
                ));
            }
        }
        match period {
            Some(period) if problems.is_empty() => Ok(Row {
                code,
                name: self.text(row, Col::Name),
                period,
                figures,
            }),
            _ => Err(problems),
        }
    }
}

/// Where each column is in this file; the code and the period are required, the figures each
/// optional (a figure not in the file is not given).
pub fn map_header(header: &RawRow) -> Result<Columns, SheetError> {
    let mut cols = BTreeMap::new();
    for (c, v) in &header.cells {
        if let Some(col) = col_of(&v.shown()) {
            cols.entry(col).or_insert(*c);
        }
    }
    if cols.contains_key(&Col::Code) && cols.contains_key(&Col::Period) {
        return Ok(Columns(cols));
    }
    Err(SheetError::refused(
        "Dòng tiêu đề thiếu cột «Mã đơn vị» hoặc «Kỳ»: hãy dùng tệp mẫu",
        "The header row lacks the column “Unit code” or “Period”: use the template",
    ))
}

/// What an upload learns from a file before it asks the database anything: the number of data
/// rows and how many of them are valid, or the refusal.
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
    fn rows_are_read_and_every_problem_placed() {
        let s = read_table(
            "Ma don vi,Ten don vi,Ky,Hoi vien,Thu quy (dong)\n\
             26734,Phường Bến Thành,2024-h2,120,5000000\n\
             12,,2026-H1,-3,\n"
                .as_bytes(),
            &LIMITS,
        )
        .expect("read");
        let cols = map_header(&s.header).expect("header");
        let row = cols.row(&s.rows[0]).expect("a good row");
        assert_eq!(row.code, "26734");
        assert_eq!(row.period, "2024-H2");
        assert_eq!(
            row.figures,
            vec![("members.active", 120), ("ledger.other_income", 5_000_000)]
        );
        let problems = cols.row(&s.rows[1]).expect_err("a bad row");
        let vi: Vec<&str> = problems.iter().map(|p| p.vi.as_str()).collect();
        assert_eq!(problems.len(), 3, "{vi:?}");
        assert!(vi[0].starts_with("Dòng 3, cột A (Mã đơn vị)"), "{vi:?}");
        assert!(vi[1].starts_with("Dòng 3, cột C (Kỳ)"), "{vi:?}");
        assert!(vi[2].starts_with("Dòng 3, cột D (Hội viên)"), "{vi:?}");
        assert!(check_workbook(b"Ten don vi\nx\n").is_err());
    }

    #[test]
    fn the_form_groups_are_the_national_citizen_sets_and_never_exceed_the_total() {
        let set = khuyenhoc_criteria::defaults()
            .into_iter()
            .find(|s| s.code() == "citizen")
            .expect("the national citizen set");
        for g in set.form_groups() {
            for verb in ["registered", "recognised"] {
                let metric = format!("eval.{verb}.citizen.{}", g.code);
                let f = FIGURES.iter().find(|f| f.0 == metric).expect("a column");
                assert!(f.1.ends_with(&g.name.vi), "{} / {}", f.1, g.name.vi);
            }
        }
        assert_eq!(FIGURES.len(), 16 + 2 * set.form_groups().len());
        let s = read_table(
            "Ma don vi,Ky,Dang ky Cong dan hoc tap,\
             \"Dang ky Cong dan hoc tap, nhom Hoc sinh, sinh vien\",\
             \"Dang ky Cong dan hoc tap, nhom Nong dan, lao dong nong thon\"\n\
             26734,2024-H1,10,6,4\n\
             26734,2024-H2,10,6,5\n"
                .as_bytes(),
            &LIMITS,
        )
        .expect("read");
        let cols = map_header(&s.header).expect("header");
        let row = cols.row(&s.rows[0]).expect("groups within the total");
        assert!(row
            .figures
            .contains(&("eval.registered.citizen.student", 6)));
        let problems = cols.row(&s.rows[1]).expect_err("groups over the total");
        assert!(
            problems[0].vi.contains("nhiều hơn tổng 10"),
            "{}",
            problems[0].vi
        );
    }
}
