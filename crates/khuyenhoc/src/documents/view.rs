//! What the pages of documents share: the labels of the codes for the templates, the pager's
//! links of a filtered list, the recipients a form names and the levels below a unit.

use super::api::ListQuery;
use super::model;
use super::recipients::Choice;
use crate::error::AppError;
use crate::org::model::Unit;
use crate::web::layout::FormErrors;

/// Labels of the documents' codes, for the templates.
#[derive(Debug, Clone, Copy, Default)]
pub struct Labels;

fn find<'a>(list: &'a [(&'a str, &'a str, &'a str)], code: &str) -> (&'a str, &'a str) {
    list.iter()
        .find(|t| t.0 == code)
        .map_or(("", ""), |t| (t.1, t.2))
}

impl Labels {
    pub fn type_vi(&self, code: &str) -> &'static str {
        model::type_of(code).map_or("", |t| t.2)
    }
    pub fn type_en(&self, code: &str) -> &'static str {
        model::type_of(code).map_or("", |t| t.3)
    }
    pub fn state_vi(&self, code: &str) -> &'static str {
        find(model::STATES, code).0
    }
    pub fn state_en(&self, code: &str) -> &'static str {
        find(model::STATES, code).1
    }
    pub fn entry_vi(&self, code: &str) -> &'static str {
        find(model::ENTRY_STATES, code).0
    }
    pub fn entry_en(&self, code: &str) -> &'static str {
        find(model::ENTRY_STATES, code).1
    }
    pub fn urgency_vi(&self, code: &str) -> &'static str {
        find(model::URGENCIES, code).0
    }
    pub fn urgency_en(&self, code: &str) -> &'static str {
        find(model::URGENCIES, code).1
    }
    pub fn day(&self, iso: &str) -> String {
        crate::i18n::day(iso)
    }
    pub fn date_of(&self, at: &Option<i64>) -> String {
        crate::i18n::date_of(at)
    }
    pub fn kb(&self, n: &i64) -> i64 {
        (*n).saturating_add(1023) / 1024
    }
    pub fn types(&self) -> &'static [(&'static str, &'static str, &'static str, &'static str)] {
        model::TYPES
    }
    pub fn urgencies(&self) -> &'static [(&'static str, &'static str, &'static str)] {
        model::URGENCIES
    }
    pub fn states(&self) -> &'static [(&'static str, &'static str, &'static str)] {
        model::STATES
    }
    pub fn entry_states(&self) -> &'static [(&'static str, &'static str, &'static str)] {
        model::ENTRY_STATES
    }
}

pub fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The query string of a list's filters (without the cursor), `&`-joined.
pub fn filters(q: &ListQuery) -> String {
    let mut parts = vec![];
    for (k, v) in [
        ("q", &q.q),
        ("state", &q.state),
        ("type", &q.type_code),
        ("year", &q.year),
        ("issuer", &q.issuer),
        ("via", &q.via),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
            parts.push(format!("{k}={}", enc(v)));
        }
    }
    parts.join("&")
}

/// The pager's links of a list at `path` with the filters of `q`.
pub fn pager(path: &str, q: &ListQuery, next: Option<String>) -> (Option<String>, Option<String>) {
    let f = filters(q);
    let base = if f.is_empty() {
        format!("{path}?")
    } else {
        format!("{path}?{f}&")
    };
    (
        next.map(|n| format!("{base}cursor={}", enc(&n))),
        q.cursor
            .as_ref()
            .map(|_| base.trim_end_matches(['?', '&']).to_owned()),
    )
}

/// The recipients a form names: a level, units by code, a subtree, a cluster (any of them).
pub fn choices(level: &str, units: &str, subtree: &str, cluster: &str) -> Vec<Choice> {
    let mut out = vec![];
    if !level.trim().is_empty() {
        out.push(Choice::Level {
            level: level.trim().to_owned(),
        });
    }
    let codes: Vec<String> = units
        .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if !codes.is_empty() {
        out.push(Choice::Units { codes });
    }
    if !subtree.trim().is_empty() {
        out.push(Choice::Subtree {
            code: subtree.trim().to_owned(),
        });
    }
    if !cluster.trim().is_empty() {
        out.push(Choice::Cluster {
            code: cluster.trim().to_owned(),
        });
    }
    out
}

/// The levels below a unit: (code, Vietnamese, English).
pub fn levels_below(unit: &Unit) -> Vec<(&'static str, &'static str, &'static str)> {
    use khuyenhoc_domain::Level;
    [Level::Province, Level::Commune, Level::Branch]
        .into_iter()
        .filter(|l| l.depth() > unit.level.depth())
        .map(|l| (l.code(), l.label_vi(), l.label_en()))
        .collect()
}

/// Why a page's form was refused, as the page shows it: the refused fields, or why the action
/// does not apply now (the document's state, in Vietnamese and English). Any other error goes on.
pub fn refusal(e: AppError) -> Result<(FormErrors, Option<(String, String)>), AppError> {
    match e {
        AppError::Invalid(fields) => Ok((FormErrors(fields), None)),
        AppError::Unprocessable { vi, en } => Ok((FormErrors::default(), Some((vi, en)))),
        e => Err(e),
    }
}
