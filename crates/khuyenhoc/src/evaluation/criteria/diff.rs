//! A province variant beside the national set it copies: one line per thing that can differ
//! (the year, the thresholds, each indicator's text, points, rule, minimum and evidence), with
//! both values and whether they differ. Indicators are matched by code.

use khuyenhoc_criteria::{CriteriaSet, FormGroup, Indicator, Rule, Scoring};
use serde::Serialize;

/// One compared thing.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "CriteriaDiffLine")]
pub struct DiffLine {
    /// What is compared (Vietnamese, English).
    pub what_vi: String,
    pub what_en: String,
    /// The national value (Vietnamese, English: the same for numbers and texts); empty when the
    /// national set has no such thing.
    pub national: String,
    pub national_en: String,
    /// The province's value; empty when the variant has no such thing.
    pub variant: String,
    pub variant_en: String,
    pub changed: bool,
}

/// Two values in Vietnamese and English.
type Pair = (String, String);

fn both(s: String) -> Pair {
    (s.clone(), s)
}

fn line2(what: (&str, &str), national: Pair, variant: Pair) -> DiffLine {
    DiffLine {
        what_vi: what.0.to_owned(),
        what_en: what.1.to_owned(),
        changed: national != variant,
        national: national.0,
        national_en: national.1,
        variant: variant.0,
        variant_en: variant.1,
    }
}

fn line(what: (&str, &str), national: String, variant: String) -> DiffLine {
    line2(what, both(national), both(variant))
}

fn rule_text(r: &Rule) -> Pair {
    match r {
        Rule::Scale => ("thang điểm".into(), "scale".into()),
        Rule::YesNo => ("có / không".into(), "yes / no".into()),
        Rule::Count { points_each, cap } => (
            format!("đếm: {points_each} điểm mỗi lần, tối đa {cap} lần"),
            format!("count: {points_each} points each, at most {cap}"),
        ),
        Rule::Computed {
            scoring: Scoring::Thresholds(steps),
            ..
        } => {
            let list = |sep: &str, pts: &str| {
                steps
                    .iter()
                    .map(|s| format!("{} {sep} {} {pts}", s.at_least.percent_text(), s.points))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            (
                format!("tự tính theo bậc: {}", list("được", "điểm")),
                format!("computed by steps: {}", list("earns", "points")),
            )
        }
        Rule::Computed { .. } => ("tự tính".into(), "computed".into()),
    }
}

/// The form groups an indicator applies to, by name.
fn groups_text(i: &Indicator, names: &[FormGroup]) -> Pair {
    match &i.form_groups {
        None => ("tất cả".into(), "all".into()),
        Some(list) => {
            let name = |code: &String, en: bool| {
                names.iter().find(|g| &g.code == code).map_or_else(
                    || code.clone(),
                    |g| {
                        if en {
                            g.name.en.clone()
                        } else {
                            g.name.vi.clone()
                        }
                    },
                )
            };
            let join = |en: bool| {
                list.iter()
                    .map(|c| name(c, en))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            (join(false), join(true))
        }
    }
}

/// How one indicator's value is shown.
type Show<'a> = dyn Fn(&Indicator) -> Pair + 'a;

fn indicator_lines(
    out: &mut Vec<DiffLine>,
    n: Option<&Indicator>,
    v: Option<&Indicator>,
    names: &[FormGroup],
) {
    let name = v.or(n).map(|i| i.text.vi.clone()).unwrap_or_default();
    let what = |k: &str, e: &str| (format!("«{name}»: {k}"), format!("“{name}”: {e}"));
    let get = |i: Option<&Indicator>, f: &Show<'_>| i.map(f).unwrap_or_default();
    let groups = |i: &Indicator| groups_text(i, names);
    let rows: [(&str, &str, &Show<'_>); 7] = [
        ("nội dung", "text", &|i| both(i.text.vi.clone())),
        ("nội dung tiếng Anh", "English text", &|i| {
            both(i.text.en.clone())
        }),
        ("điểm tối đa", "maximum", &|i| both(i.max.to_string())),
        ("cách chấm", "rule", &|i| rule_text(&i.rule)),
        ("điểm tối thiểu", "minimum", &|i| {
            both(i.min.map(|m| m.to_string()).unwrap_or_default())
        }),
        ("cần minh chứng", "evidence required", &|i| {
            if i.evidence.required {
                ("có".into(), "yes".into())
            } else {
                ("không".into(), "no".into())
            }
        }),
        ("nhóm đối tượng", "form groups", &groups),
    ];
    for (vi, en, f) in rows {
        let (wv, we) = what(vi, en);
        out.push(line2((&wv, &we), get(n, f), get(v, f)));
    }
}

/// Every compared line, the set's own first, then the indicators in the variant's order and
/// those only the national set has.
pub fn diff(national: &CriteriaSet, variant: &CriteriaSet) -> Vec<DiffLine> {
    let mut out = vec![
        line(
            ("Áp dụng từ năm", "Applies from year"),
            national.version().to_string(),
            variant.version().to_string(),
        ),
        line(
            ("Tên", "Title"),
            national.title().vi.clone(),
            variant.title().vi.clone(),
        ),
        line(
            ("Ngưỡng đạt", "Pass threshold"),
            national.pass().threshold.to_string(),
            variant.pass().threshold.to_string(),
        ),
        line(
            ("Điểm tối thiểu mỗi chỉ số", "Minimum of each indicator"),
            national
                .pass()
                .min_each
                .map(|m| m.to_string())
                .unwrap_or_default(),
            variant
                .pass()
                .min_each
                .map(|m| m.to_string())
                .unwrap_or_default(),
        ),
        line(
            ("Ngưỡng vùng khó khăn", "Threshold in disadvantaged areas"),
            national
                .pass()
                .reduced
                .iter()
                .map(|r| r.threshold.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            variant
                .pass()
                .reduced
                .iter()
                .map(|r| r.threshold.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        line(
            ("Ngưỡng các mức", "Level thresholds"),
            national
                .pass()
                .levels
                .iter()
                .map(|l| l.threshold.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            variant
                .pass()
                .levels
                .iter()
                .map(|l| l.threshold.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        line(
            ("Số năm giữ danh hiệu", "Years a title is valid"),
            national.valid_years().to_string(),
            variant.valid_years().to_string(),
        ),
    ];
    let names = variant.form_groups();
    for (_, v) in variant.indicators() {
        indicator_lines(&mut out, national.indicator(&v.code), Some(v), names);
    }
    for (_, n) in national.indicators() {
        if variant.indicator(&n.code).is_none() {
            indicator_lines(&mut out, Some(n), None, national.form_groups());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use khuyenhoc_criteria::{default_for, Model};

    #[test]
    fn a_raised_threshold_and_a_removed_indicator_show() {
        let national = default_for(Model::Clan).expect("clan");
        let code = khuyenhoc_domain::UnitCode::parse("01").expect("01");
        let text = national
            .variant_for(&code)
            .expect("variant")
            .to_toml()
            .replacen("threshold = 80", "threshold = 85", 1);
        let variant = CriteriaSet::parse(&text).expect("reads");
        let lines = diff(&national, &variant);
        let changed: Vec<&str> = lines
            .iter()
            .filter(|l| l.changed)
            .map(|l| l.what_en.as_str())
            .collect();
        assert_eq!(changed, ["Pass threshold"]);
    }
}
