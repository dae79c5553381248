//! Report templates as data. A template lists sections and indicators; each indicator is
//! computed from live data (`source = "computed"` with a `metric`), a number typed in
//! (`source = "number"`), or text typed in (`source = "text"`: results, shortcomings, tasks,
//! proposals). The national template ships with the program; a province adds indicators of its
//! own with an extension file holding only `[[indicator]]` entries. See `docs/reports.md`.

use crate::metric::{format_of, is_known_metric, Format};
use crate::period::{Period, PeriodKind};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use toml::Spanned;

/// The national template, as shipped.
pub const NATIONAL: &str = include_str!("../templates/national.toml");
/// The owner code of the national template (provinces use their unit code).
pub const NATIONAL_CODE: &str = "VN";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateError {
    /// 1-based line and column (0 when the error concerns the file as a whole).
    pub line: u32,
    pub column: u32,
    /// Where: `indicator[3].metric`.
    pub path: String,
    pub vi: String,
    pub en: String,
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{} {}: {} / {}",
            self.line, self.column, self.path, self.vi, self.en
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "ReportSource"))]
#[serde(tag = "kind", content = "metric", rename_all = "snake_case")]
pub enum Source {
    Computed(String),
    Number,
    Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "ReportIndicator"))]
pub struct Indicator {
    pub key: String,
    pub section: String,
    pub label_vi: String,
    pub label_en: String,
    pub source: Source,
    pub format: Format,
    /// Shown on dashboards, trend charts and the cluster table.
    pub main: bool,
    /// `VN` for the national template, the province code for a province's own indicators.
    pub owner: String,
}

impl Indicator {
    pub fn is_text(&self) -> bool {
        self.source == Source::Text
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "ReportSection"))]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub key: String,
    pub title_vi: String,
    pub title_en: String,
}

/// Day and month (`MM-DD`) each level hands in its report, per kind of period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Deadlines {
    #[serde(default)]
    pub half_year: BTreeMap<String, String>,
    #[serde(default)]
    pub year: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "ReportTemplate"))]
pub struct Template {
    pub code: String,
    pub title_vi: String,
    pub title_en: String,
    /// The symbol in the document number: `BC-KH` in "Số: 12/BC-KH".
    pub symbol: String,
    pub deadlines: Deadlines,
    pub sections: Vec<Section>,
    pub indicators: Vec<Indicator>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    code: String,
    title_vi: String,
    title_en: String,
    symbol: String,
    #[serde(default)]
    deadlines: Deadlines,
    #[serde(default, rename = "section")]
    sections: Vec<Section>,
    #[serde(default, rename = "indicator")]
    indicators: Vec<RawIndicator>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExtension {
    #[serde(default, rename = "indicator")]
    indicators: Vec<RawIndicator>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    key: Spanned<String>,
    section: Spanned<String>,
    label_vi: Spanned<String>,
    label_en: String,
    source: Spanned<String>,
    #[serde(default)]
    metric: Option<Spanned<String>>,
    #[serde(default)]
    format: Option<Format>,
    #[serde(default)]
    main: bool,
}

const LEVELS: [&str; 3] = ["branch", "commune", "province"];

/// Line and column (1-based) of a byte offset.
fn place(text: &str, offset: usize) -> (u32, u32) {
    let before = text.get(..offset.min(text.len())).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

struct Errors<'t> {
    text: &'t str,
    list: Vec<TemplateError>,
}

impl Errors<'_> {
    fn at(&mut self, span: Option<std::ops::Range<usize>>, path: String, vi: String, en: String) {
        let (line, column) = span.map_or((0, 0), |s| place(self.text, s.start));
        self.list.push(TemplateError {
            line,
            column,
            path,
            vi,
            en,
        });
    }
}

fn syntax(text: &str, e: &toml::de::Error) -> Vec<TemplateError> {
    let (line, column) = e.span().map_or((0, 0), |s| place(text, s.start));
    vec![TemplateError {
        line,
        column,
        path: String::new(),
        vi: format!("Tệp mẫu báo cáo không đúng cú pháp TOML: {}", e.message()),
        en: format!("The report template is not valid TOML: {}", e.message()),
    }]
}

fn is_key(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 60
        && s.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn indicators(
    raw: Vec<RawIndicator>,
    sections: &BTreeSet<String>,
    taken: &BTreeSet<String>,
    owner: &str,
    errors: &mut Errors<'_>,
) -> Vec<Indicator> {
    let mut seen = taken.clone();
    let mut out = vec![];
    for (i, r) in raw.into_iter().enumerate() {
        let path = |f: &str| format!("indicator[{i}].{f}");
        let key = r.key.get_ref().trim().to_owned();
        if !is_key(&key) {
            errors.at(Some(r.key.span()), path("key"), "Mã chỉ tiêu chỉ gồm chữ thường không dấu, số và dấu _, bắt đầu bằng chữ".into(), "An indicator key has lower-case ASCII letters, digits and _, starting with a letter".into());
        } else if !seen.insert(key.clone()) {
            errors.at(
                Some(r.key.span()),
                path("key"),
                format!("Mã chỉ tiêu \"{key}\" bị trùng"),
                format!("Indicator key \"{key}\" is used twice"),
            );
        }
        if !sections.contains(r.section.get_ref()) {
            errors.at(
                Some(r.section.span()),
                path("section"),
                format!("Không có mục \"{}\" trong mẫu", r.section.get_ref()),
                format!("The template has no section \"{}\"", r.section.get_ref()),
            );
        }
        if r.label_vi.get_ref().trim().is_empty() {
            errors.at(
                Some(r.label_vi.span()),
                path("label_vi"),
                "Cần tên chỉ tiêu bằng tiếng Việt".into(),
                "A Vietnamese label is required".into(),
            );
        }
        let source = source_of(&r, i, errors);
        let format = match (&source, r.format) {
            (Source::Computed(m), None) => format_of(m),
            (_, Some(f)) => f,
            (_, None) => Format::Count,
        };
        out.push(Indicator {
            key,
            section: r.section.into_inner(),
            label_vi: r.label_vi.into_inner().trim().to_owned(),
            label_en: r.label_en.trim().to_owned(),
            source,
            format,
            main: r.main,
            owner: owner.to_owned(),
        });
    }
    out
}

/// Where an indicator's value comes from: a computed metric the program knows, or typed in
/// (a number or a text). A wrong combination is reported and read as a typed-in number.
fn source_of(r: &RawIndicator, i: usize, errors: &mut Errors<'_>) -> Source {
    let path = |f: &str| format!("indicator[{i}].{f}");
    match (r.source.get_ref().as_str(), &r.metric) {
        ("computed", Some(m)) if is_known_metric(m.get_ref()) => {
            Source::Computed(m.get_ref().clone())
        }
        ("computed", Some(m)) => {
            errors.at(
                Some(m.span()),
                path("metric"),
                format!(
                    "Chương trình không tính được chỉ số \"{}\" (xem docs/reports.md)",
                    m.get_ref()
                ),
                format!("Unknown metric \"{}\" (see docs/reports.md)", m.get_ref()),
            );
            Source::Number
        }
        ("computed", None) => {
            errors.at(
                Some(r.source.span()),
                path("metric"),
                "Chỉ tiêu tự tính cần ghi metric".into(),
                "A computed indicator needs a metric".into(),
            );
            Source::Number
        }
        ("number", None) => Source::Number,
        ("text", None) => Source::Text,
        ("number" | "text", Some(m)) => {
            errors.at(
                Some(m.span()),
                path("metric"),
                "Chỉ tiêu nhập tay không có metric".into(),
                "A typed-in indicator has no metric".into(),
            );
            Source::Number
        }
        (other, _) => {
            errors.at(
                Some(r.source.span()),
                path("source"),
                format!("Nguồn \"{other}\" không hợp lệ: dùng computed, number hoặc text"),
                format!("Invalid source \"{other}\": use computed, number or text"),
            );
            Source::Number
        }
    }
}

fn check_deadlines(d: &Deadlines, errors: &mut Errors<'_>) {
    for (kind, map) in [("half_year", &d.half_year), ("year", &d.year)] {
        for (level, md) in map {
            let ok_level = LEVELS.contains(&level.as_str());
            let ok_date = md.len() == 5
                && md.as_bytes().get(2) == Some(&b'-')
                && md
                    .get(..2)
                    .and_then(|m| m.parse::<u32>().ok())
                    .is_some_and(|m| (1..=12).contains(&m))
                && md
                    .get(3..)
                    .and_then(|d| d.parse::<u32>().ok())
                    .is_some_and(|d| (1..=31).contains(&d));
            if !ok_level || !ok_date {
                errors.at(
                    None,
                    format!("deadlines.{kind}.{level}"),
                    "Hạn nộp viết cấp (branch, commune, province) = \"MM-DD\"".into(),
                    "A deadline is level (branch, commune, province) = \"MM-DD\"".into(),
                );
            }
        }
    }
}

impl Template {
    /// Parses a full template (the national one). Every error is reported with its place.
    pub fn parse(text: &str) -> Result<Template, Vec<TemplateError>> {
        let raw: RawTemplate = toml::from_str(text).map_err(|e| syntax(text, &e))?;
        let mut errors = Errors { text, list: vec![] };
        let mut sections = BTreeSet::new();
        for (i, s) in raw.sections.iter().enumerate() {
            if !is_key(&s.key) || !sections.insert(s.key.clone()) {
                errors.at(
                    None,
                    format!("section[{i}].key"),
                    format!("Mã mục \"{}\" không hợp lệ hoặc bị trùng", s.key),
                    format!("Section key \"{}\" is invalid or used twice", s.key),
                );
            }
        }
        if raw.symbol.trim().is_empty()
            || raw.code.trim().is_empty()
            || raw.title_vi.trim().is_empty()
        {
            errors.at(
                None,
                String::new(),
                "Mẫu cần code, symbol và title_vi".into(),
                "A template needs code, symbol and title_vi".into(),
            );
        }
        check_deadlines(&raw.deadlines, &mut errors);
        let indicators = indicators(
            raw.indicators,
            &sections,
            &BTreeSet::new(),
            NATIONAL_CODE,
            &mut errors,
        );
        if indicators.is_empty() {
            errors.at(
                None,
                "indicator".into(),
                "Mẫu cần ít nhất một chỉ tiêu".into(),
                "A template needs at least one indicator".into(),
            );
        }
        if !errors.list.is_empty() {
            return Err(errors.list);
        }
        Ok(Template {
            code: raw.code.trim().to_owned(),
            title_vi: raw.title_vi.trim().to_owned(),
            title_en: raw.title_en.trim().to_owned(),
            symbol: raw.symbol.trim().to_owned(),
            deadlines: raw.deadlines,
            sections: raw.sections,
            indicators,
        })
    }

    /// The national template as shipped (a test proves it parses).
    pub fn national() -> Template {
        match Template::parse(NATIONAL) {
            Ok(t) => t,
            Err(e) => unreachable!("the shipped national template is checked by tests: {e:?}"),
        }
    }

    /// Parses a province's extension (only `[[indicator]]` entries) against this template: its
    /// sections must exist here and its keys must be new.
    pub fn parse_extension(
        &self,
        owner: &str,
        text: &str,
    ) -> Result<Vec<Indicator>, Vec<TemplateError>> {
        let raw: RawExtension = toml::from_str(text).map_err(|e| syntax(text, &e))?;
        let mut errors = Errors { text, list: vec![] };
        let sections = self.sections.iter().map(|s| s.key.clone()).collect();
        let taken = self.indicators.iter().map(|i| i.key.clone()).collect();
        let out = indicators(raw.indicators, &sections, &taken, owner, &mut errors);
        if errors.list.is_empty() {
            Ok(out)
        } else {
            Err(errors.list)
        }
    }

    /// This template with a province's indicators added.
    pub fn with(mut self, extra: Vec<Indicator>) -> Template {
        self.indicators.extend(extra);
        self
    }

    /// The day a unit of `level` must hand in its report for `period` (`YYYY-MM-DD`), if the
    /// template sets one.
    pub fn deadline(&self, period: &Period, level: &str) -> Option<String> {
        let map = match period.kind {
            PeriodKind::HalfYear => &self.deadlines.half_year,
            PeriodKind::Year => &self.deadlines.year,
        };
        map.get(level).map(|md| format!("{}-{md}", period.year))
    }

    pub fn indicator(&self, key: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.key == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_parses() {
        let t = Template::parse(NATIONAL).expect("national template");
        assert!(t.indicators.len() >= 20);
        assert!(t.indicators.iter().any(|i| i.source == Source::Text));
        assert!(t.indicators.iter().any(|i| i.main));
        let p = Period::parse("2026-H1").expect("period");
        assert_eq!(t.deadline(&p, "commune").as_deref(), Some("2026-06-15"));
    }

    #[test]
    fn errors_are_placed() {
        let t = Template::national();
        let ext = "[[indicator]]\nkey = \"members\"\nsection = \"organisation\"\nlabel_vi = \"X\"\nlabel_en = \"X\"\nsource = \"number\"\n\n[[indicator]]\nkey = \"p_ok\"\nsection = \"nowhere\"\nlabel_vi = \"Y\"\nlabel_en = \"Y\"\nsource = \"computed\"\nmetric = \"eval.recognised.dog\"\n";
        let errs = t.parse_extension("01", ext).expect_err("three errors");
        let paths: Vec<(&str, u32)> = errs.iter().map(|e| (e.path.as_str(), e.line)).collect();
        assert_eq!(
            paths,
            [
                ("indicator[0].key", 2),
                ("indicator[1].section", 10),
                ("indicator[1].metric", 14)
            ]
        );
        let bad = t
            .parse_extension("01", "[[indicator]\n")
            .expect_err("syntax");
        assert_eq!(bad[0].line, 1);
        let ok = t
            .parse_extension("01", "[[indicator]]\nkey = \"p_reading_clubs\"\nsection = \"models\"\nlabel_vi = \"Số câu lạc bộ đọc sách\"\nlabel_en = \"Reading clubs\"\nsource = \"number\"\n")
            .expect("valid extension");
        assert_eq!(ok[0].owner, "01");
    }
}
