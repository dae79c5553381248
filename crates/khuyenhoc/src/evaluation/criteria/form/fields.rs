//! What the variant form shows: the set's table read back into fields (with what was typed after
//! a refusal), the form groups as ticks and a computed indicator's steps in percent.

use super::{form_groups_of, text_of, FormGroupName};
use std::collections::BTreeMap;
use toml::{Table, Value};

/// A stored share as the form shows it, in percent.
fn percent(v: Option<&Value>) -> String {
    match v {
        Some(Value::Float(x)) => format!("{}", (x * 10_000.0).round() / 100.0),
        Some(Value::Integer(n)) => (n * 100).to_string(),
        other => text_of(other),
    }
}

/// One indicator as the form shows it.
pub struct IndicatorField {
    /// The prefix of its fields: its code, or `new-G`.
    pub key: String,
    pub text_vi: String,
    pub text_en: String,
    pub max: String,
    pub rule: String,
    pub points_each: String,
    pub cap: String,
    pub min: String,
    pub evidence: bool,
    /// What a computed indicator counts (Vietnamese, English).
    pub computed: Option<(String, String)>,
    /// The set's form groups with whether the indicator applies to each: (code, name in
    /// Vietnamese, in English, ticked); empty when the set has none.
    pub form_groups: Vec<(String, String, String, bool)>,
    /// A computed indicator's steps (share in percent, points), then one blank to add a step;
    /// empty for the other rules.
    pub steps: Vec<(String, String)>,
}

impl IndicatorField {
    pub fn is_new(&self) -> bool {
        self.key.starts_with("new-")
    }
}

impl GroupFields {
    /// The group's indicators, then the blank one to add.
    pub fn all(&self) -> Vec<&IndicatorField> {
        self.indicators
            .iter()
            .chain(std::iter::once(&self.new))
            .collect()
    }
}

pub struct GroupFields {
    pub n: usize,
    pub name_vi: String,
    pub name_en: String,
    pub indicators: Vec<IndicatorField>,
    /// The blank indicator to add to this group, or the one being added.
    pub new: IndicatorField,
}

/// The whole form, with what was typed.
pub struct Fields {
    pub title_vi: String,
    pub title_en: String,
    pub version: String,
    pub valid_years: String,
    pub total: String,
    pub threshold: String,
    pub min_each: String,
    /// (field, flag, value)
    pub reduced: Vec<(String, String, String)>,
    /// (field, level, value)
    pub levels: Vec<(String, String, String)>,
    pub groups: Vec<GroupFields>,
}

/// The form groups an indicator applies to, as ticks.
fn ticks(i: Option<&Table>, groups: &[FormGroupName]) -> Vec<(String, String, String, bool)> {
    let chosen: Option<Vec<String>> = i
        .and_then(|i| i.get("form_groups"))
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|v| text_of(Some(v))).collect());
    groups
        .iter()
        .map(|(code, vi, en)| {
            let on = chosen.as_ref().is_none_or(|c| c.contains(code));
            (code.clone(), vi.clone(), en.clone(), on)
        })
        .collect()
}

fn indicator_field(key: String, i: &Table, groups: &[FormGroupName]) -> IndicatorField {
    let get = |k: &str| text_of(i.get(k));
    let steps = if get("scoring") == "thresholds" {
        let mut steps: Vec<(String, String)> = i
            .get("thresholds")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|s| (percent(s.get("at_least")), text_of(s.get("points"))))
            .collect();
        steps.push((String::new(), String::new()));
        steps
    } else {
        vec![]
    };
    let computed = (get("rule") == "computed").then(|| {
        match (get("source").as_str(), get("title").as_str()) {
            ("children_in_school", _) => (
                "Tự tính: tỷ lệ trẻ em trong độ tuổi đi học được đến trường".to_owned(),
                "Computed: share of school-age children in school".to_owned(),
            ),
            (_, title) => {
                let m = khuyenhoc_criteria::Model::from_code(title);
                (
                    format!(
                        "Tự tính: tỷ lệ thành viên đạt danh hiệu «{}»",
                        m.map_or(title, |m| m.vi())
                    ),
                    format!(
                        "Computed: share of members holding “{}”",
                        m.map_or(title, |m| m.en())
                    ),
                )
            }
        }
    });
    IndicatorField {
        key,
        text_vi: get("text_vi"),
        text_en: get("text_en"),
        max: get("max"),
        rule: get("rule"),
        points_each: get("points_each"),
        cap: get("cap"),
        min: get("min"),
        evidence: i
            .get("evidence")
            .and_then(|e| e.get("required"))
            .and_then(Value::as_bool)
            .unwrap_or(false),
        computed,
        form_groups: ticks(Some(i), groups),
        steps,
    }
}

fn blank(g: usize, f: &BTreeMap<String, String>, groups: &[FormGroupName]) -> IndicatorField {
    let key = format!("new-{g}");
    let get = |k: &str| f.get(&format!("{key}-{k}")).cloned().unwrap_or_default();
    IndicatorField {
        text_vi: get("text_vi"),
        text_en: get("text_en"),
        max: get("max"),
        rule: f
            .get(&format!("{key}-rule"))
            .cloned()
            .unwrap_or_else(|| "scale".into()),
        points_each: get("points_each"),
        cap: get("cap"),
        min: get("min"),
        evidence: get("evidence") == "1",
        computed: None,
        form_groups: groups
            .iter()
            .map(|(code, vi, en)| {
                let on = f.get(&format!("{key}-fg")).is_none()
                    || f.get(&format!("{key}-fg-{code}")).is_some_and(|x| x == "1");
                (code.clone(), vi.clone(), en.clone(), on)
            })
            .collect(),
        steps: vec![],
        key,
    }
}

/// The form's fields read from a set's table; `sent` fills the blank "new indicator" slots
/// again after a refusal (a new indicator that was added already is in the table).
pub fn fields_of(t: &Table, sent: &BTreeMap<String, String>) -> Fields {
    let pass = t.get("pass").and_then(Value::as_table);
    let form_groups = form_groups_of(t);
    let pget = |k: &str| text_of(pass.and_then(|p| p.get(k)));
    let list = |k: &str, name: &str, field: &str| -> Vec<(String, String, String)> {
        pass.and_then(|p| p.get(k))
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .enumerate()
                    .map(|(n, r)| {
                        (
                            format!("{field}-{n}"),
                            text_of(r.get(name)),
                            text_of(r.get("threshold")),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let groups = t
        .get("groups")
        .and_then(Value::as_array)
        .map(|gs| {
            gs.iter()
                .enumerate()
                .map(|(n, g)| {
                    let inds: Vec<IndicatorField> = g
                        .get("indicators")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(Value::as_table)
                                .map(|i| {
                                    let code = text_of(i.get("code"));
                                    let added = sent
                                        .get(&format!("new-{n}-text_vi"))
                                        .is_some_and(|x| !x.trim().is_empty())
                                        && code.starts_with("tinh_")
                                        && !sent.contains_key(&format!("{code}-max"));
                                    (added, code, i)
                                })
                                .filter(|(added, _, _)| !added)
                                .map(|(_, code, i)| indicator_field(code, i, &form_groups))
                                .collect()
                        })
                        .unwrap_or_default();
                    GroupFields {
                        n,
                        name_vi: text_of(g.get("name_vi")),
                        name_en: text_of(g.get("name_en")),
                        indicators: inds,
                        new: blank(n, sent, &form_groups),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Fields {
        title_vi: text_of(t.get("title_vi")),
        title_en: text_of(t.get("title_en")),
        version: text_of(t.get("version")),
        valid_years: text_of(t.get("valid_years")),
        total: text_of(t.get("total")),
        threshold: pget("threshold"),
        min_each: pget("min_each"),
        reduced: list("reduced", "flag", "reduced"),
        levels: list("levels", "level", "level"),
        groups,
    }
}
