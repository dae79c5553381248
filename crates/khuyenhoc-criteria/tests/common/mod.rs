//! Helpers shared by the criteria crate's tests: a small valid set whose lines the format tests
//! replace by number, the shipped sets, answers with every indicator at the same points.
// Each test file uses its own part of these helpers.
#![allow(dead_code)]

use khuyenhoc_criteria::*;

/// A small valid citizen-like set. Line numbers matter: tests replace lines by number.
pub const SMALL: &str = r#"code = "t"
model = "citizen"
version = 2025
owner = "VN"
title_vi = "Thử"
title_en = "Test"
valid_years = 1
total = 20

[[form_groups]]
code = "a"
name_vi = "Nhóm A"
name_en = "Group A"

[pass]
threshold = 15
min_each = 2

[[groups]]
code = "g"
name_vi = "Nhóm"
name_en = "Group"

[[groups.indicators]]
code = "x"
text_vi = "Chỉ tiêu x"
text_en = "Indicator x"
max = 10
rule = "scale"

[[groups.indicators]]
code = "y"
text_vi = "Chỉ tiêu y"
text_en = "Indicator y"
max = 10
rule = "yes_no"
"#;

/// `SMALL` with line `n` (1-based) replaced by `text` (which may hold several lines).
pub fn with_line(n: usize, text: &str) -> String {
    SMALL
        .lines()
        .enumerate()
        .map(|(i, l)| if i + 1 == n { text } else { l })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn errors(text: &str) -> Vec<LoadError> {
    match CriteriaSet::parse(text) {
        Ok(_) => panic!("expected errors in:\n{text}"),
        Err(e) => e,
    }
}

/// The single error of `text`, as (line, column, path).
pub fn one_error(text: &str) -> (u32, u32, String) {
    let e = errors(text);
    assert_eq!(e.len(), 1, "{e:#?}");
    let e = &e[0];
    assert!(!e.vi.is_empty() && !e.en.is_empty());
    (e.line, e.column, e.path.clone())
}

pub fn places(e: &[LoadError]) -> Vec<(u32, u32, &str)> {
    e.iter()
        .map(|e| (e.line, e.column, e.path.as_str()))
        .collect()
}

pub fn parse_ok(text: &str) -> CriteriaSet {
    match CriteriaSet::parse(text) {
        Ok(s) => s,
        Err(e) => panic!("{e:#?}"),
    }
}

pub fn citizen() -> CriteriaSet {
    default_for(Model::Citizen).expect("citizen set")
}

pub fn unit() -> CriteriaSet {
    default_for(Model::Unit).expect("unit set")
}

pub fn all_points(set: &CriteriaSet, p: i64) -> Answers {
    let mut a = Answers::new();
    for (_, i) in set.indicators() {
        a.set(i.code.clone(), Answer::Points(p));
    }
    a
}

pub fn farmer() -> Subject {
    Subject::new().in_form_group("farmer")
}
