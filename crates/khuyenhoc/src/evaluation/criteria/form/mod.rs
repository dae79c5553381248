//! The province variant as a form: the set's TOML read into a table, what the form sends written
//! into it, the result read again by `khuyenhoc-criteria`, and every error it places (by path,
//! such as `groups[1].indicators[2].max`) mapped back to the field that holds the value. No
//! database, no HTTP: the page, the API and the tests share it.
//!
//! Field names (also the ids of the inputs): `title_vi`, `title_en`, `version` (the year from
//! which the set applies), `valid_years`, `total`, `threshold`, `min_each`, `reduced-K` and
//! `level-K` (the thresholds of the K-th reduced threshold and level), `g-G-name_vi`,
//! `g-G-name_en` (group G), `{code}-text_vi`, `{code}-text_en`, `{code}-max`, `{code}-rule`,
//! `{code}-points_each`, `{code}-cap`, `{code}-min`, `{code}-evidence` (`1` or `0`: evidence
//! required), `{code}-remove` (`1`), and `new-G-…` for a new indicator added to group G (added
//! when its Vietnamese text is filled in). Where the set has form groups (the citizen's farmer,
//! worker, official, student), `{code}-fg` (`1`: the choice below was shown) with
//! `{code}-fg-F` (`1`: the indicator applies to form group F; all or none ticked is refused at
//! `{code}-form_groups`, all ticked means every group). A computed indicator scored by steps
//! has `{code}-step-K-at` (the share in percent, `20` or `20,5`) and `{code}-step-K-points`
//! for its K-th step; a step with both left empty is removed, one more blank step adds one
//! (errors of the steps as a whole at `{code}-steps`). A field not sent leaves its value as it
//! was.

use khuyenhoc_criteria::{CriteriaSet, LoadError};
use khuyenhoc_domain::limits::{self, Limit};
use std::collections::BTreeMap;
use toml::{Table, Value};

/// Messages (Vietnamese, English) per field; `""` holds those no field can show.
pub type Errors = BTreeMap<String, Vec<(String, String)>>;

/// The rules an indicator may be given in the form (computed indicators keep theirs).
pub const RULES: [(&str, &str, &str); 3] = [
    (
        "scale",
        "Thang điểm từ 0 đến tối đa",
        "Points from 0 to the maximum",
    ),
    (
        "yes_no",
        "Có / Không (0 hoặc tối đa)",
        "Yes / No (0 or the maximum)",
    ),
    (
        "count",
        "Đếm số lần (điểm mỗi lần × số lần tối đa)",
        "A count (points each × most items)",
    ),
];

/// The result of applying a form to a set.
pub struct Applied {
    /// The set as edited (also when it does not read: the form shows it again as typed).
    pub table: Table,
    /// The set, when it reads without any error.
    pub set: Option<CriteriaSet>,
    pub errors: Errors,
}

/// The stored text as a table (a stored set always reads).
pub fn table_of(source: &str) -> Table {
    source.parse::<Table>().unwrap_or_default()
}

/// The set with another year from which it applies.
pub fn with_version(source: &str, year: i64) -> String {
    let mut t = table_of(source);
    t.insert("version".into(), Value::Integer(year));
    toml::to_string(&t).unwrap_or_default()
}

fn text_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Integer(n)) => n.to_string(),
        Some(Value::Float(f)) => f.to_string(),
        Some(Value::Boolean(b)) => b.to_string(),
        _ => String::new(),
    }
}

fn push(errors: &mut Errors, field: &str, vi: impl Into<String>, en: impl Into<String>) {
    errors
        .entry(field.to_owned())
        .or_default()
        .push((vi.into(), en.into()));
}

/// A number as typed: a whole number is stored as one; anything else is kept as text, so that
/// the reader refuses it at its place and the form shows what was typed.
fn number(raw: &str) -> Value {
    let t = raw.trim().replace(['.', ' '], "");
    t.parse::<i64>()
        .map(Value::Integer)
        .unwrap_or_else(|_| Value::String(raw.trim().to_owned()))
}

fn set_number(t: &mut Table, key: &str, raw: Option<&String>, optional: bool) {
    let Some(raw) = raw else { return };
    if optional && raw.trim().is_empty() {
        t.remove(key);
    } else {
        t.insert(key.to_owned(), number(raw));
    }
}

fn set_text(
    t: &mut Table,
    key: &str,
    raw: Option<&String>,
    limit: &Limit,
    field: &str,
    errors: &mut Errors,
) {
    let Some(raw) = raw else { return };
    match limit.check(raw) {
        Ok(clean) => {
            t.insert(key.to_owned(), Value::String(clean));
        }
        Err(e) => {
            push(errors, field, e.vi, e.en);
            t.insert(key.to_owned(), Value::String(raw.clone()));
        }
    }
}

fn tables_mut<'a>(t: &'a mut Table, key: &str) -> Vec<&'a mut Table> {
    match t.get_mut(key) {
        Some(Value::Array(a)) => a.iter_mut().filter_map(Value::as_table_mut).collect(),
        _ => vec![],
    }
}

/// Applies the fields of an indicator (`p` is its prefix: its code, or `new-G`).
fn apply_indicator(
    i: &mut Table,
    p: &str,
    f: &BTreeMap<String, String>,
    groups: &[FormGroupName],
    errors: &mut Errors,
) {
    let get = |k: &str| f.get(&format!("{p}-{k}"));
    apply_form_groups(i, p, f, groups, errors);
    apply_steps(i, p, f);
    for key in ["text_vi", "text_en"] {
        set_text(
            i,
            key,
            get(key),
            &limits::DESCRIPTION,
            &format!("{p}-{key}"),
            errors,
        );
    }
    set_number(i, "max", get("max"), false);
    set_number(i, "min", get("min"), true);
    let current = text_of(i.get("rule"));
    if current != "computed" {
        let rule = get("rule").map_or(current, |r| r.trim().to_owned());
        if rule == "count" {
            set_number(i, "points_each", get("points_each"), false);
            set_number(i, "cap", get("cap"), false);
        } else {
            i.remove("points_each");
            i.remove("cap");
        }
        i.insert("rule".into(), Value::String(rule));
    }
    if let Some(ev) = get("evidence") {
        let required = ev == "1";
        match i.get_mut("evidence").and_then(Value::as_table_mut) {
            Some(t) => {
                t.insert("required".into(), Value::Boolean(required));
            }
            None if required => {
                let mut t = Table::new();
                t.insert("required".into(), Value::Boolean(true));
                let kinds = ["photo", "document", "note"].map(|k| Value::String(k.into()));
                t.insert("kinds".into(), Value::Array(kinds.to_vec()));
                i.insert("evidence".into(), Value::Table(t));
            }
            None => {}
        }
    }
}

/// A form group of the set: code, Vietnamese name, English name.
pub type FormGroupName = (String, String, String);

/// The set's form groups (`[[form_groups]]`), in order.
fn form_groups_of(t: &Table) -> Vec<FormGroupName> {
    match t.get("form_groups") {
        Some(Value::Array(a)) => a
            .iter()
            .map(|g| {
                (
                    text_of(g.get("code")),
                    text_of(g.get("name_vi")),
                    text_of(g.get("name_en")),
                )
            })
            .collect(),
        _ => vec![],
    }
}

/// The form groups ticked for an indicator: every group ticked means all (the key removed, so a
/// group added later applies too); none ticked is refused.
fn apply_form_groups(
    i: &mut Table,
    p: &str,
    f: &BTreeMap<String, String>,
    groups: &[FormGroupName],
    errors: &mut Errors,
) {
    if groups.is_empty() || f.get(&format!("{p}-fg")).is_none_or(|x| x != "1") {
        return;
    }
    let chosen: Vec<Value> = groups
        .iter()
        .filter(|(code, _, _)| f.get(&format!("{p}-fg-{code}")).is_some_and(|x| x == "1"))
        .map(|(code, _, _)| Value::String(code.clone()))
        .collect();
    if chosen.is_empty() {
        push(
            errors,
            &format!("{p}-form_groups"),
            "Chọn ít nhất một nhóm đối tượng cho chỉ số này (hoặc bỏ chỉ số)",
            "Choose at least one form group for this indicator (or remove it)",
        );
    } else if chosen.len() == groups.len() {
        i.remove("form_groups");
    } else {
        i.insert("form_groups".into(), Value::Array(chosen));
    }
}

/// A share typed in percent (`20`, `20,5`, `20 %`) as the stored ratio (`0.2`, `0.205`); what
/// does not read as a number is kept as typed, for the reader to refuse at its field.
fn share(raw: &str) -> Value {
    let t = raw.trim().trim_end_matches('%').trim().replace(',', ".");
    match t.parse::<f64>() {
        Ok(pct) if pct.is_finite() => Value::Float((pct * 100.0).round() / 10_000.0),
        _ => Value::String(raw.trim().to_owned()),
    }
}

/// The steps of a computed indicator scored by thresholds, as the form sent them.
fn apply_steps(i: &mut Table, p: &str, f: &BTreeMap<String, String>) {
    if text_of(i.get("scoring")) != "thresholds" || !f.contains_key(&format!("{p}-step-0-at")) {
        return;
    }
    let mut steps = vec![];
    for k in 0.. {
        let at = f.get(&format!("{p}-step-{k}-at"));
        let points = f.get(&format!("{p}-step-{k}-points"));
        if at.is_none() && points.is_none() {
            break;
        }
        let (at, points) = (at.map_or("", |s| s.trim()), points.map_or("", |s| s.trim()));
        if at.is_empty() && points.is_empty() {
            continue;
        }
        let mut step = Table::new();
        step.insert("at_least".into(), share(at));
        step.insert("points".into(), number(points));
        steps.push(Value::Table(step));
    }
    i.insert("thresholds".into(), Value::Array(steps));
}

/// The code of an indicator added in the form: `tinh_1`, `tinh_2`, … the first one free.
fn new_code(t: &Table) -> String {
    let used: Vec<String> = match t.get("groups") {
        Some(Value::Array(gs)) => gs
            .iter()
            .filter_map(|g| g.get("indicators").and_then(Value::as_array))
            .flatten()
            .map(|i| text_of(i.get("code")))
            .collect(),
        _ => vec![],
    };
    (1..)
        .map(|n| format!("tinh_{n}"))
        .find(|c| !used.contains(c))
        .unwrap_or_default()
}

fn apply_set_fields(t: &mut Table, f: &BTreeMap<String, String>, errors: &mut Errors) {
    for key in ["title_vi", "title_en"] {
        set_text(t, key, f.get(key), &limits::TITLE, key, errors);
    }
    set_number(t, "version", f.get("version"), false);
    set_number(t, "valid_years", f.get("valid_years"), false);
    set_number(t, "total", f.get("total"), true);
    if let Some(Value::Table(pass)) = t.get_mut("pass") {
        set_number(pass, "threshold", f.get("threshold"), false);
        set_number(pass, "min_each", f.get("min_each"), true);
        for (k, r) in tables_mut(pass, "reduced").into_iter().enumerate() {
            set_number(r, "threshold", f.get(&format!("reduced-{k}")), false);
        }
        for (k, l) in tables_mut(pass, "levels").into_iter().enumerate() {
            set_number(l, "threshold", f.get(&format!("level-{k}")), false);
        }
    }
}

/// Writes the form's fields into the stored set and reads it again. `slots[g][i]` is the prefix
/// of the fields of indicator `i` of group `g` in the result.
pub fn apply(stored: &str, f: &BTreeMap<String, String>) -> Applied {
    let mut t = table_of(stored);
    let mut errors = Errors::new();
    apply_set_fields(&mut t, f, &mut errors);
    let form_groups = form_groups_of(&t);
    let mut slots: Vec<Vec<String>> = vec![];
    let mut fresh = new_code(&t);
    for (g, group) in tables_mut(&mut t, "groups").into_iter().enumerate() {
        for key in ["name_vi", "name_en"] {
            let field = format!("g-{g}-{key}");
            set_text(
                group,
                key,
                f.get(&field),
                &limits::TITLE,
                &field,
                &mut errors,
            );
        }
        let mut keep = vec![];
        let mut prefixes = vec![];
        if let Some(Value::Array(inds)) = group.remove("indicators") {
            for mut v in inds {
                let Some(i) = v.as_table_mut() else { continue };
                let code = text_of(i.get("code"));
                if f.get(&format!("{code}-remove")).is_some_and(|x| x == "1") {
                    continue;
                }
                apply_indicator(i, &code, f, &form_groups, &mut errors);
                keep.push(v);
                prefixes.push(code);
            }
        }
        let p = format!("new-{g}");
        if f.get(&format!("{p}-text_vi"))
            .is_some_and(|x| !x.trim().is_empty())
        {
            let mut i = Table::new();
            i.insert("code".into(), Value::String(fresh.clone()));
            i.insert("rule".into(), Value::String("scale".into()));
            i.insert("max".into(), Value::String(String::new()));
            apply_indicator(&mut i, &p, f, &form_groups, &mut errors);
            if !i.contains_key("text_en") || text_of(i.get("text_en")).is_empty() {
                i.insert("text_en".into(), Value::String(text_of(i.get("text_vi"))));
            }
            keep.push(Value::Table(i));
            prefixes.push(p);
            fresh = format!("{fresh}_");
        }
        group.insert("indicators".into(), Value::Array(keep));
        slots.push(prefixes);
    }
    let text = toml::to_string(&t).unwrap_or_default();
    let set = match CriteriaSet::parse(&text) {
        Ok(set) => Some(set),
        Err(list) => {
            for e in list {
                push(&mut errors, &field_of(&e, &slots), e.vi, e.en);
            }
            None
        }
    };
    Applied {
        table: t,
        set: if errors.is_empty() { set } else { None },
        errors,
    }
}

/// `groups[3]` → ("groups", Some(3)).
fn split_index(token: &str) -> (&str, Option<usize>) {
    match token.split_once('[') {
        Some((name, rest)) => (name, rest.trim_end_matches(']').parse().ok()),
        None => (token, None),
    }
}

/// The field that shows an error placed at `e.path`; `""` when none does.
pub fn field_of(e: &LoadError, slots: &[Vec<String>]) -> String {
    let tokens: Vec<(&str, Option<usize>)> = e.path.split('.').map(split_index).collect();
    match tokens.as_slice() {
        [(k @ ("title_vi" | "title_en" | "version" | "valid_years" | "total"), None), ..] => {
            (*k).to_owned()
        }
        [("pass", None), ("reduced", Some(k)), ..] => format!("reduced-{k}"),
        [("pass", None), ("levels", Some(k)), ..] => format!("level-{k}"),
        [("pass", None), ("min_each", None)] => "min_each".into(),
        [("pass", None), ..] => "threshold".into(),
        [("groups", Some(g)), ("indicators", Some(i)), rest @ ..] => {
            let slot = slots
                .get(*g)
                .and_then(|s| s.get(*i))
                .cloned()
                .unwrap_or_default();
            let key = match rest {
                [(
                    k @ ("text_vi" | "text_en" | "max" | "min" | "rule" | "points_each" | "cap"),
                    _,
                ), ..] => (*k).to_owned(),
                [("evidence", _), ..] => "evidence".to_owned(),
                [("form_groups", _), ..] => "form_groups".to_owned(),
                [("thresholds", Some(k)), ("at_least", _), ..] => format!("step-{k}-at"),
                [("thresholds", Some(k)), ("points", _), ..] => format!("step-{k}-points"),
                [("thresholds", _), ..] => "steps".to_owned(),
                _ => "block".to_owned(),
            };
            format!("{slot}-{key}")
        }
        [("groups", Some(g)), (k @ ("name_vi" | "name_en"), None)] => format!("g-{g}-{k}"),
        [("groups", Some(g)), ..] => format!("g-{g}-block"),
        _ => String::new(),
    }
}

mod fields;
pub use fields::{fields_of, Fields, GroupFields, IndicatorField};

#[cfg(test)]
mod tests;
