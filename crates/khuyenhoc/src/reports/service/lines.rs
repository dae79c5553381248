//! The lines of a report, computed without the database: template × base figures × what the
//! unit typed, overrides applied to the metrics they replace; the values of the number
//! indicators (live or frozen) and the table headings.

use super::model::{Entries, Head, Line, Snapshot};
use crate::reports::figures::Base;
use khuyenhoc_reports::{derive, Indicator, Source, Template};

/// The lines of a report from live figures and what the unit typed.
pub fn lines(t: &Template, base: &Base, e: &Entries) -> Vec<Line> {
    // Overrides change the base figure they replace, so shares derive from reported values.
    let adjusted = adjusted(
        t,
        base,
        e.overrides.iter().map(|(k, o)| (k.clone(), o.value)),
    );
    t.indicators
        .iter()
        .map(|i| line(i, base, &adjusted, e))
        .collect()
}

fn line(i: &Indicator, base: &Base, adjusted: &Base, e: &Entries) -> Line {
    let (source, metric, computed, value, text, reason) = match &i.source {
        Source::Computed(m) => {
            // A share without its population is missing (`None`), never a division by
            // something else.
            let computed = derive(m, base);
            let o = e.overrides.get(&i.key);
            let value = o.map_or_else(|| derive(m, adjusted), |o| Some(o.value));
            (
                "computed",
                Some(m.clone()),
                computed,
                value,
                None,
                o.map(|o| o.reason.clone()),
            )
        }
        Source::Number => (
            "number",
            None,
            None,
            e.numbers.get(&i.key).copied(),
            None,
            None,
        ),
        Source::Text => (
            "text",
            None,
            None,
            None,
            Some(e.texts.get(&i.key).cloned().unwrap_or_default()),
            None,
        ),
    };
    Line {
        key: i.key.clone(),
        section: i.section.clone(),
        label_vi: i.label_vi.clone(),
        label_en: i.label_en.clone(),
        source: source.into(),
        metric,
        format: i.format,
        main: i.main,
        computed,
        value,
        text,
        override_reason: reason,
    }
}

/// Values of the number indicators from a base and entries (live), or from a snapshot.
pub(super) fn values(t: &Template, base: &Base, e: &Entries) -> Vec<Option<i64>> {
    lines(t, base, e)
        .into_iter()
        .filter(|l| l.source != "text")
        .map(|l| l.value)
        .collect()
}

pub(super) fn snapshot_values(t: &Template, snap: &Snapshot) -> Vec<Option<i64>> {
    t.indicators
        .iter()
        .filter(|i| !i.is_text())
        .map(|i| {
            snap.lines
                .iter()
                .find(|l| l.key == i.key)
                .and_then(|l| l.value)
        })
        .collect()
}

/// A base with the overrides applied to the metrics they replace (so shares derive from what
/// was reported).
pub(super) fn adjusted(
    t: &Template,
    base: &Base,
    overrides: impl Iterator<Item = (String, i64)>,
) -> Base {
    let mut out = base.clone();
    for (key, value) in overrides {
        if let Some(Source::Computed(m)) = t.indicator(&key).map(|i| &i.source) {
            out.insert(m.clone(), value);
        }
    }
    out
}

/// A snapshot's base with the child's overrides applied.
pub(super) fn reported_base(t: &Template, snap: &Snapshot) -> Base {
    let overrides = snap
        .lines
        .iter()
        .filter(|l| l.override_reason.is_some())
        .filter_map(|l| l.value.map(|v| (l.key.clone(), v)));
    adjusted(t, &snap.base, overrides)
}

pub fn heads(t: &Template) -> Vec<Head> {
    t.indicators
        .iter()
        .filter(|i| !i.is_text())
        .map(|i| Head {
            key: i.key.clone(),
            label_vi: i.label_vi.clone(),
            label_en: i.label_en.clone(),
            format: i.format,
            main: i.main,
        })
        .collect()
}
