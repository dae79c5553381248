//! The Learning Citizen batch (paper forms copied into Excel), as far as it goes without a
//! database: the template's columns (five fixed ones, then one per indicator of the criteria set
//! that is not computed), the header matched to the set, and every row parsed and scored with
//! the criteria engine. Who a row is about, and whether they may be evaluated, is the
//! application's part (`evaluation::batch`).

use crate::cell::{gender_of, phone_text, Value};
use crate::error::SheetError;
use crate::header::{self, col_letter, Problem};
use crate::read::{read, Limits, RawRow};
use khuyenhoc_criteria::{
    Answer, AnswerError, Answers, Computed, CriteriaSet, Indicator, Outcome, Rule, Subject,
};
use khuyenhoc_domain::text::fold;
use khuyenhoc_domain::{Gender, PersonName, PhoneNumber};
use std::collections::BTreeMap;

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

/// The fixed columns before the indicators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Name,
    Phone,
    BirthYear,
    Gender,
    FormGroup,
}

/// The fixed columns in the template's order: (field, Vietnamese header, English name).
pub const FIXED: [(Field, &str, &str); 5] = [
    (Field::Name, "Họ và tên", "Full name"),
    (Field::Phone, "Số điện thoại", "Phone number"),
    (Field::BirthYear, "Năm sinh", "Birth year"),
    (Field::Gender, "Giới tính", "Gender"),
    (Field::FormGroup, "Nhóm đối tượng (mã)", "Form group (code)"),
];

fn field_label(f: Field) -> (&'static str, &'static str) {
    FIXED
        .iter()
        .find(|x| x.0 == f)
        .map_or(("", ""), |x| (x.1, x.2))
}

/// The indicators a workbook has columns for: every one not computed by the program.
pub fn entered(set: &CriteriaSet) -> Vec<&Indicator> {
    set.indicators()
        .map(|(_, i)| i)
        .filter(|i| !matches!(i.rule, Rule::Computed { .. }))
        .collect()
}

/// What a value of the indicator may be: (lowest, highest).
pub fn bounds(i: &Indicator) -> (u32, u32) {
    match i.rule {
        Rule::YesNo => (0, 1),
        Rule::Count { cap, .. } => (0, cap.max(1).saturating_mul(100)),
        _ => (0, i.max),
    }
}

/// The template's header of an indicator's column: its text, what to type, its code.
pub fn indicator_header(i: &Indicator) -> String {
    match i.rule {
        Rule::YesNo => format!("{} (1 = có, 0 = không) [{}]", i.text.vi, i.code),
        Rule::Count { .. } => format!("{} (số lượng) [{}]", i.text.vi, i.code),
        _ => format!("{} (tối đa {}) [{}]", i.text.vi, i.max, i.code),
    }
}

/// Where each column of the set is in this workbook.
#[derive(Debug, Clone)]
pub struct Columns {
    fixed: BTreeMap<u32, Field>,
    /// Column → indicator code.
    indicators: BTreeMap<u32, String>,
    width: u32,
}

impl Columns {
    pub fn of(&self, f: Field) -> Option<u32> {
        self.fixed.iter().find(|(_, x)| **x == f).map(|(c, _)| *c)
    }

    /// The cell of a fixed column in a row.
    pub fn cell<'r>(&self, row: &'r RawRow, f: Field) -> Option<&'r Value> {
        row.get(self.of(f))
    }
}

/// The fixed column a header names, if any.
pub fn field_of(header: &str) -> Option<Field> {
    let base = header::base(header);
    let is = |names: &[&str]| names.contains(&base.as_str());
    if is(&["ho va ten", "ho ten", "full name", "name"]) {
        Some(Field::Name)
    } else if is(&[
        "so dien thoai",
        "dien thoai",
        "sdt",
        "phone",
        "phone number",
    ]) {
        Some(Field::Phone)
    } else if is(&["nam sinh", "birth year"]) {
        Some(Field::BirthYear)
    } else if is(&["gioi tinh", "gender"]) {
        Some(Field::Gender)
    } else if is(&["nhom doi tuong", "nhom", "form group"]) {
        Some(Field::FormGroup)
    } else {
        None
    }
}

/// The indicator a header names: by the code in its last "[…]", else by its text.
pub fn indicator_of<'a>(header: &str, indicators: &[&'a Indicator]) -> Option<&'a Indicator> {
    if let (Some(open), Some(close)) = (header.rfind('['), header.rfind(']')) {
        if open < close {
            let code = header.get(open + 1..close).unwrap_or("").trim();
            if let Some(i) = indicators.iter().find(|i| i.code == code) {
                return Some(i);
            }
        }
    }
    // Without a code: the header starts with the indicator's text (the longest such text wins,
    // as a text may begin another).
    let folded = fold(header);
    let folded = folded.trim();
    indicators
        .iter()
        .filter(|i| folded.starts_with(&fold(&i.text.vi)) || folded.starts_with(&fold(&i.text.en)))
        .max_by_key(|i| i.text.vi.len())
        .copied()
}

/// Matches the header row to the set's columns; every mismatch is named in the refusal.
pub fn map_header(header: &RawRow, set: &CriteriaSet, year: i64) -> Result<Columns, SheetError> {
    let indicators = entered(set);
    let mut cols = Columns {
        fixed: BTreeMap::new(),
        indicators: BTreeMap::new(),
        width: 0,
    };
    let mut vi: Vec<String> = vec![];
    let mut en: Vec<String> = vec![];
    if let Some(c) = header.stray {
        vi.push(format!("cột {} nằm ngoài mẫu", col_letter(c)));
        en.push(format!("column {} is outside the template", col_letter(c)));
    }
    for (c, v) in &header.cells {
        let full = v.text();
        let text = v.shown();
        let letter = col_letter(*c);
        cols.width = cols.width.max(c + 1);
        let repeated = if let Some(f) = field_of(&full) {
            cols.fixed.insert(*c, f);
            cols.fixed.values().filter(|x| **x == f).count() > 1
        } else if let Some(i) = indicator_of(&full, &indicators) {
            cols.indicators.insert(*c, i.code.clone());
            cols.indicators.values().filter(|x| **x == i.code).count() > 1
        } else {
            vi.push(format!("cột {letter} «{text}» không thuộc mẫu"));
            en.push(format!("column {letter} “{text}” is not in the template"));
            false
        };
        if repeated {
            vi.push(format!("cột {letter} «{text}» lặp lại"));
            en.push(format!("column {letter} “{text}” is repeated"));
        }
    }
    missing_columns(&cols, set, &indicators, &mut vi, &mut en);
    if vi.is_empty() {
        return Ok(cols);
    }
    Err(SheetError::refused(
        format!(
            "Dòng tiêu đề (dòng {}) không đúng mẫu năm {year}: {}. Hãy dùng tệp mẫu tải từ trang này",
            header.number,
            vi.join("; ")
        ),
        format!(
            "The header row (row {}) does not match the {year} template: {}. Use the template downloaded from this page",
            header.number,
            en.join("; ")
        ),
    ))
}

fn missing_columns(
    cols: &Columns,
    set: &CriteriaSet,
    indicators: &[&Indicator],
    vi: &mut Vec<String>,
    en: &mut Vec<String>,
) {
    let mut required = vec![Field::Name, Field::Phone];
    if !set.form_groups().is_empty() {
        required.push(Field::FormGroup);
    }
    for f in required {
        if cols.of(f).is_none() {
            let (a, b) = field_label(f);
            vi.push(format!("thiếu cột «{a}»"));
            en.push(format!("the column “{b}” is missing"));
        }
    }
    for i in indicators {
        if !cols.indicators.values().any(|x| *x == i.code) {
            vi.push(format!("thiếu cột chỉ số «{}»", i.text.vi));
            en.push(format!(
                "the column of indicator “{}” is missing",
                i.text.en
            ));
        }
    }
}

/// A row read and checked on its own (no database yet).
#[derive(Debug, Clone)]
pub struct Parsed {
    pub name: PersonName,
    pub phone: Option<PhoneNumber>,
    pub birth_year: Option<i64>,
    pub gender: Option<Gender>,
    pub form_group: Option<String>,
    /// Indicator code → the whole number typed.
    pub values: BTreeMap<String, u32>,
}

/// One score cell: `Ok(None)` when empty, else a whole number within the indicator's bounds.
pub fn score_of(v: Option<&Value>, i: &Indicator) -> Result<Option<u32>, (String, String)> {
    let Some(v) = v else { return Ok(None) };
    let n = match (v, &i.rule) {
        (Value::Bool(b), Rule::YesNo) => i64::from(*b),
        (Value::Text(s), Rule::YesNo) if matches!(fold(s).as_str(), "co" | "x" | "yes") => 1,
        (Value::Text(s), Rule::YesNo) if matches!(fold(s).as_str(), "khong" | "no") => 0,
        _ => v.whole().ok_or_else(|| {
            let s = v.shown();
            (
                format!("«{s}» không phải là số nguyên"),
                format!("“{s}” is not a whole number"),
            )
        })?,
    };
    let (lo, hi) = bounds(i);
    if n < i64::from(lo) {
        return Err((
            format!("Điểm {n} nhỏ hơn {lo}"),
            format!("{n} is below {lo}"),
        ));
    }
    if n > i64::from(hi) {
        return Err((
            format!("Điểm {n} vượt quá mức tối đa {hi}"),
            format!("{n} is above the maximum of {hi}"),
        ));
    }
    Ok(u32::try_from(n).ok())
}

fn form_group_of(v: Option<&Value>, set: &CriteriaSet) -> Result<Option<String>, (String, String)> {
    if set.form_groups().is_empty() {
        return Ok(None);
    }
    let Some(v) = v else {
        return Err((
            "Thiếu nhóm đối tượng".into(),
            "The form group is missing".into(),
        ));
    };
    let s = v.shown();
    let f = fold(&s);
    let f = f.trim();
    if let Some(g) = set
        .form_groups()
        .iter()
        .find(|g| fold(&g.code) == f || fold(&g.name.vi) == f || fold(&g.name.en) == f)
    {
        return Ok(Some(g.code.clone()));
    }
    let codes: Vec<&str> = set.form_groups().iter().map(|g| g.code.as_str()).collect();
    Err((
        format!(
            "Không có nhóm đối tượng «{s}»; dùng một trong các mã: {}",
            codes.join(", ")
        ),
        format!("No form group “{s}”; use one of: {}", codes.join(", ")),
    ))
}

/// The score cells of a row. `form_group` is `None` when it could not be read (every indicator
/// is then expected).
fn row_scores(
    row: &RawRow,
    cols: &Columns,
    set: &CriteriaSet,
    form_group: Option<Option<&str>>,
    problems: &mut Vec<Problem>,
) -> BTreeMap<String, u32> {
    let mut values = BTreeMap::new();
    for (c, code) in &cols.indicators {
        let Some(i) = set.indicator(code) else {
            continue;
        };
        let col = Some((*c, i.text.vi.as_str(), i.text.en.as_str()));
        let applies = form_group.is_none_or(|fg| i.applies_to(fg));
        let mut fail = |vi: &str, en: &str| problems.push(Problem::at(row.number, col, vi, en));
        match score_of(row.cells.get(c), i) {
            Err((vi, en)) => fail(&vi, &en),
            Ok(None) if applies => fail("Thiếu điểm", "The score is missing"),
            Ok(Some(_)) if !applies => fail(
                "Chỉ số này không áp dụng cho nhóm đối tượng đã chọn",
                "This indicator does not apply to the chosen form group",
            ),
            Ok(Some(v)) => {
                values.insert(code.clone(), v);
            }
            Ok(None) => {}
        }
    }
    values
}

/// The fixed cells of a row: (name, phone, birth year, gender), each `None` when empty or
/// refused (the refusal is added to `problems`).
type Person = (
    Option<PersonName>,
    Option<PhoneNumber>,
    Option<i64>,
    Option<Gender>,
);

fn person_cells(
    row: &RawRow,
    cols: &Columns,
    this_year: i64,
    problems: &mut Vec<Problem>,
) -> Person {
    let n = row.number;
    let at = |f: Field| {
        let (a, b) = field_label(f);
        cols.of(f).map(|c| (c, a, b))
    };
    let mut fail = |f: Field, vi: &str, en: &str| problems.push(Problem::at(n, at(f), vi, en));
    let name = match cols.cell(row, Field::Name) {
        None => {
            fail(Field::Name, "Thiếu họ và tên", "The full name is missing");
            None
        }
        Some(v) => PersonName::parse(&v.text())
            .map_err(|e| fail(Field::Name, e.vi, e.en))
            .ok(),
    };
    let phone = cols
        .cell(row, Field::Phone)
        .map(|v| PhoneNumber::parse(&phone_text(v)))
        .transpose()
        .unwrap_or_else(|e| {
            fail(Field::Phone, e.vi, e.en);
            None
        });
    let birth_year = cols.cell(row, Field::BirthYear).and_then(|v| {
        let y = v.whole().filter(|y| (1900..=this_year).contains(y));
        if y.is_none() {
            fail(
                Field::BirthYear,
                "Năm sinh không hợp lệ",
                "Invalid birth year",
            );
        }
        y
    });
    let gender = cols.cell(row, Field::Gender).and_then(|v| {
        let g = gender_of(&v.shown());
        if g.is_none() {
            fail(
                Field::Gender,
                "Giới tính không hợp lệ (Nam, Nữ hoặc Khác)",
                "Invalid gender (Nam, Nữ or Khác)",
            );
        }
        g
    });
    (name, phone, birth_year, gender)
}

/// Checks one row on its own: every problem is listed, not only the first. `this_year` bounds
/// the birth year.
pub fn parse_row(
    row: &RawRow,
    cols: &Columns,
    set: &CriteriaSet,
    this_year: i64,
) -> Result<Parsed, Vec<Problem>> {
    let mut problems = vec![];
    if let Some(c) = row
        .stray
        .or_else(|| row.cells.keys().copied().find(|c| *c >= cols.width))
    {
        problems.push(Problem::at(
            row.number,
            None,
            &format!("có dữ liệu ở cột {} nằm ngoài mẫu", col_letter(c)),
            &format!(
                "there is data in column {}, outside the template",
                col_letter(c)
            ),
        ));
    }
    let (name, phone, birth_year, gender) = person_cells(row, cols, this_year, &mut problems);
    let (a, b) = field_label(Field::FormGroup);
    let at_group = cols.of(Field::FormGroup).map(|c| (c, a, b));
    let form_group = form_group_of(cols.cell(row, Field::FormGroup), set)
        .map_err(|(vi, en)| problems.push(Problem::at(row.number, at_group, &vi, &en)))
        .ok();
    let values = row_scores(
        row,
        cols,
        set,
        form_group.as_ref().map(Option::as_deref),
        &mut problems,
    );
    match (name, form_group, problems.is_empty()) {
        (Some(name), Some(form_group), true) => Ok(Parsed {
            name,
            phone,
            birth_year,
            gender,
            form_group,
            values,
        }),
        _ => Err(problems),
    }
}

/// Scores a parsed row with the criteria engine, as the evaluation will be scored once stored;
/// `flags` are the subject's flags (a disadvantaged area). Refused when an indicator would still
/// need evidence or an answer that a file cannot give.
pub fn score(set: &CriteriaSet, p: &Parsed, flags: &[&str]) -> Result<Outcome, (String, String)> {
    let mut answers = Answers::new();
    for (code, v) in &p.values {
        let Some(i) = set.indicator(code) else {
            continue;
        };
        let a = match i.rule {
            Rule::Scale => Answer::Points(i64::from(*v)),
            Rule::YesNo => Answer::YesNo(*v > 0),
            Rule::Count { .. } => Answer::Count(i64::from(*v)),
            Rule::Computed { .. } => continue,
        };
        answers.set(code.clone(), a);
    }
    let mut subject = Subject::new();
    if let Some(fg) = p.form_group.as_deref() {
        subject = subject.in_form_group(fg);
    }
    for f in flags {
        subject = subject.with_flag(*f);
    }
    let join = |f: &dyn Fn(&AnswerError) -> String, e: &[AnswerError]| {
        e.iter().map(f).collect::<Vec<_>>().join("; ")
    };
    let outcome = set
        .score(&answers, &subject, &Computed::new())
        .map_err(|e| (join(&|x| x.vi(), &e), join(&|x| x.en(), &e)))?;
    let lacking: Vec<&str> = outcome
        .unanswered
        .iter()
        .chain(outcome.missing_evidence.iter())
        .map(String::as_str)
        .collect();
    if lacking.is_empty() {
        Ok(outcome)
    } else {
        Err((
            format!("Chưa thể nộp thay: chỉ số {} cần minh chứng hoặc câu trả lời nhập trên trang hồ sơ", lacking.join(", ")),
            format!("Cannot be submitted from a file: indicator {} needs evidence or an answer entered on the evaluation page", lacking.join(", ")),
        ))
    }
}

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
    use crate::read::tests::workbook;
    use crate::Kind;

    fn set() -> CriteriaSet {
        khuyenhoc_criteria::default_for(khuyenhoc_criteria::Model::Citizen).expect("set")
    }

    #[test]
    fn headers_are_recognised() {
        assert_eq!(field_of("Họ và tên"), Some(Field::Name));
        assert_eq!(field_of("SỐ ĐIỆN THOẠI"), Some(Field::Phone));
        assert_eq!(field_of("Nhóm đối tượng (mã)"), Some(Field::FormGroup));
        assert_eq!(field_of("Ghi chú"), None);
        let set = set();
        let inds = entered(&set);
        let first = inds.first().copied().expect("an indicator");
        assert_eq!(
            indicator_of(&indicator_header(first), &inds).map(|i| i.code.as_str()),
            Some(first.code.as_str())
        );
        assert_eq!(
            indicator_of(&first.text.vi, &inds).map(|i| i.code.as_str()),
            Some(first.code.as_str())
        );
    }

    #[test]
    fn scores_must_be_whole_and_in_range() {
        let set = set();
        let i = entered(&set).into_iter().next().expect("an indicator");
        assert_eq!(score_of(Some(&Value::Int(7)), i), Ok(Some(7)));
        assert_eq!(score_of(Some(&Value::Float(8.0)), i), Ok(Some(8)));
        assert_eq!(score_of(Some(&Value::Text(" 9 ".into())), i), Ok(Some(9)));
        assert_eq!(score_of(None, i), Ok(None));
        assert!(score_of(Some(&Value::Float(7.5)), i).is_err());
        assert!(score_of(Some(&Value::Int(11)), i).is_err());
        assert!(score_of(Some(&Value::Int(-1)), i).is_err());
        assert!(score_of(Some(&Value::Text("tám".into())), i).is_err());
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
