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
//! when its Vietnamese text is filled in). A field not sent leaves its value as it was.

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
fn apply_indicator(i: &mut Table, p: &str, f: &BTreeMap<String, String>, errors: &mut Errors) {
    let get = |k: &str| f.get(&format!("{p}-{k}"));
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
                apply_indicator(i, &code, f, &mut errors);
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
            apply_indicator(&mut i, &p, f, &mut errors);
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
            let key = match rest.first() {
                Some((
                    k @ ("text_vi" | "text_en" | "max" | "min" | "rule" | "points_each" | "cap"),
                    _,
                )) => k,
                Some(("evidence", _)) => "evidence",
                _ => "block",
            };
            format!("{slot}-{key}")
        }
        [("groups", Some(g)), (k @ ("name_vi" | "name_en"), None)] => format!("g-{g}-{k}"),
        [("groups", Some(g)), ..] => format!("g-{g}-block"),
        _ => String::new(),
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

fn indicator_field(key: String, i: &Table) -> IndicatorField {
    let get = |k: &str| text_of(i.get(k));
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
    }
}

fn blank(g: usize, f: &BTreeMap<String, String>) -> IndicatorField {
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
        key,
    }
}

/// The form's fields read from a set's table; `sent` fills the blank "new indicator" slots
/// again after a refusal (a new indicator that was added already is in the table).
pub fn fields_of(t: &Table, sent: &BTreeMap<String, String>) -> Fields {
    let pass = t.get("pass").and_then(Value::as_table);
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
                                .map(|(_, code, i)| indicator_field(code, i))
                                .collect()
                        })
                        .unwrap_or_default();
                    GroupFields {
                        n,
                        name_vi: text_of(g.get("name_vi")),
                        name_en: text_of(g.get("name_en")),
                        indicators: inds,
                        new: blank(n, sent),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn clan() -> String {
        let national =
            khuyenhoc_criteria::default_for(khuyenhoc_criteria::Model::Clan).expect("clan");
        let code = khuyenhoc_domain::UnitCode::parse("01").expect("01");
        national.variant_for(&code).expect("variant").to_toml()
    }

    #[test]
    fn edits_are_written_and_read_back() {
        let a = apply(
            &clan(),
            &form(&[
                ("version", "2031"),
                ("threshold", "85"),
                ("board-text_vi", "Có ban khuyến học"),
                ("board-evidence", "1"),
            ]),
        );
        assert!(a.errors.is_empty(), "{:?}", a.errors);
        let set = a.set.expect("reads");
        assert_eq!(set.version(), 2031);
        assert_eq!(set.pass().threshold, 85);
        let board = set.indicator("board").expect("board");
        assert_eq!(board.text.vi, "Có ban khuyến học");
        assert!(board.evidence.required);
    }

    #[test]
    fn every_error_lands_on_its_field() {
        // The total stays 100 while a maximum rises; a text is typed for a number.
        let a = apply(
            &clan(),
            &form(&[
                ("board-max", "20"),
                ("awards-cap", "năm"),
                ("threshold", ""),
            ]),
        );
        assert!(a.set.is_none());
        assert!(a.errors.contains_key("awards-cap"), "{:?}", a.errors);
        assert!(a.errors.contains_key("threshold"), "{:?}", a.errors);
        // Once every value reads, a maximum that breaks the declared total is refused at the total.
        let b = apply(&clan(), &form(&[("board-max", "20")]));
        assert!(b.errors.contains_key("total"), "{:?}", b.errors);
        // The form shows what was typed.
        let f = fields_of(&a.table, &BTreeMap::new());
        let awards = f.groups[1]
            .indicators
            .iter()
            .find(|i| i.key == "awards")
            .expect("awards");
        assert_eq!(awards.cap, "năm");
    }

    #[test]
    fn an_indicator_is_removed_and_one_added() {
        let a = apply(
            &clan(),
            &form(&[
                ("total", ""),
                ("tradition-remove", "1"),
                ("new-2-text_vi", "Có tủ sách dòng họ"),
                ("new-2-max", "15"),
                ("new-2-rule", "yes_no"),
            ]),
        );
        assert!(a.errors.is_empty(), "{:?}", a.errors);
        let set = a.set.expect("reads");
        assert!(set.indicator("tradition").is_none());
        let added = set.indicator("tinh_1").expect("added");
        assert_eq!((added.max, added.rule.name()), (15, "yes_no"));
        // A new indicator without a maximum is refused at its own field.
        let a = apply(&clan(), &form(&[("new-0-text_vi", "Mới")]));
        assert!(a.errors.contains_key("new-0-max"), "{:?}", a.errors);
    }
}
