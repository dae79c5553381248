//! A batch row parsed on its own (no database): the person's cells, the form group, every
//! score within its indicator's bounds; then scored with the criteria engine.

use super::columns::{bounds, field_label, Columns, Field};
use crate::cell::{gender_of, phone_text, Value};
use crate::header::{col_letter, Problem};
use crate::read::RawRow;
use khuyenhoc_criteria::{
    Answer, AnswerError, Answers, Computed, CriteriaSet, Indicator, Outcome, Rule, Subject,
};
use khuyenhoc_domain::text::fold;
use khuyenhoc_domain::{Gender, PersonName, PhoneNumber};
use std::collections::BTreeMap;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::citizen::entered;

    fn set() -> CriteriaSet {
        khuyenhoc_criteria::default_for(khuyenhoc_criteria::Model::Citizen).expect("set")
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
}
