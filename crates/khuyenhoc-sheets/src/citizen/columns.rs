//! The batch's columns: five fixed ones, then one per indicator the set asks for, and the
//! header row matched to them.

use crate::error::SheetError;
use crate::header::{self, col_letter};
use crate::read::RawRow;
use crate::Value;
use khuyenhoc_criteria::{CriteriaSet, Indicator, Rule};
use khuyenhoc_domain::text::fold;
use std::collections::BTreeMap;

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

pub(super) fn field_label(f: Field) -> (&'static str, &'static str) {
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
    pub(super) indicators: BTreeMap<u32, String>,
    /// One past the rightmost column of the header.
    pub(super) width: u32,
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
