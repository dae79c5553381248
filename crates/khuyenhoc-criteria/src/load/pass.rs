//! `[pass]`: the threshold, reduced thresholds, the minimum per indicator, levels and
//! requirements on computed shares.

use super::cx::{Cx, Seen, Tbl};
use super::rule::read_source;
use super::{Span, MAX_INDICATORS, MAX_POINTS};
use crate::model::{Level, PassRules, ReducedThreshold, Requirement};

/// The places of the pass thresholds, checked against the set's maximum at the end.
pub(super) struct PassPlaces {
    pub(super) threshold: Option<(Span, String)>,
    pub(super) levels: Vec<(Span, String)>,
}

pub(super) fn read_pass(cx: &mut Cx<'_>, t: &mut Tbl<'_>) -> Option<(PassRules, PassPlaces)> {
    let threshold_f = t.req(cx, "threshold");
    let threshold = threshold_f.as_ref().and_then(|f| {
        cx.int_in(
            f,
            1..=MAX_POINTS * MAX_INDICATORS as i64,
            "Ngưỡng đạt phải lớn hơn 0",
            "The pass threshold must be greater than 0",
        )
    });
    let min_each = t.opt("min_each").and_then(|f| cx.points(&f));
    let mut flags = Seen::default();
    let mut reduced = Vec::new();
    for mut r in cx.tables(t.opt("reduced").as_ref()) {
        let flag = r.req(cx, "flag").and_then(|f| {
            let c = cx.code(&f)?;
            flags.check(cx, &f, &c).then_some(c)
        });
        let th = r.req(cx, "threshold").and_then(|f| {
            let n = cx.points(&f)?;
            if threshold.is_some_and(|base| n >= base) {
                cx.at(
                    &f,
                    "Ngưỡng giảm phải thấp hơn ngưỡng đạt pass.threshold",
                    "A reduced threshold must be below pass.threshold",
                );
            }
            Some(n)
        });
        r.finish(cx);
        if let (Some(flag), Some(threshold)) = (flag, th) {
            reduced.push(ReducedThreshold { flag, threshold });
        }
    }
    let (levels, level_places) = read_levels(cx, t, threshold);
    let mut requires = Vec::new();
    for mut r in cx.tables(t.opt("requires").as_ref()) {
        let source = read_source(cx, &mut r);
        let at_least = r.req(cx, "at_least").and_then(|f| cx.ratio(&f));
        r.finish(cx);
        if let (Some(source), Some(at_least)) = (source, at_least) {
            requires.push(Requirement { source, at_least });
        }
    }
    let places = PassPlaces {
        threshold: threshold_f.map(|f| (f.span(), f.path)),
        levels: level_places,
    };
    Some((
        PassRules {
            threshold: threshold?,
            reduced,
            min_each,
            levels,
            requires,
        },
        places,
    ))
}

pub(super) fn read_levels(
    cx: &mut Cx<'_>,
    t: &mut Tbl<'_>,
    pass_threshold: Option<u32>,
) -> (Vec<Level>, Vec<(Span, String)>) {
    let mut levels: Vec<Level> = Vec::new();
    let mut places = Vec::new();
    for (i, mut l) in cx.tables(t.opt("levels").as_ref()).into_iter().enumerate() {
        let number = l.req(cx, "level").and_then(|f| {
            let n = cx.int(&f)?;
            if usize::try_from(n).ok() != Some(i + 1) {
                cx.at(
                    &f,
                    format!(
                        "Các mức phải đánh số 1, 2, … theo thứ tự: ở đây cần mức {}",
                        i + 1
                    ),
                    format!(
                        "Levels are numbered 1, 2, … in order: level {} expected here",
                        i + 1
                    ),
                );
                return None;
            }
            u8::try_from(n).ok()
        });
        let th_f = l.req(cx, "threshold");
        let th = th_f.as_ref().and_then(|f| {
            let n = cx.points(f)?;
            if i == 0 && pass_threshold.is_some_and(|p| p != n) {
                cx.at(
                    f,
                    "Ngưỡng của mức 1 phải bằng ngưỡng đạt pass.threshold",
                    "Level 1's threshold must equal pass.threshold",
                );
            }
            if let Some(prev) = levels.last().filter(|prev| prev.threshold >= n) {
                cx.at(
                    f,
                    format!(
                        "Ngưỡng các mức phải tăng dần: mức trước là {}",
                        prev.threshold
                    ),
                    format!(
                        "Level thresholds must rise: the previous one is {}",
                        prev.threshold
                    ),
                );
            }
            Some(n)
        });
        l.finish(cx);
        if let (Some(level), Some(threshold), Some(f)) = (number, th, th_f) {
            levels.push(Level { level, threshold });
            places.push((f.span(), f.path));
        }
    }
    (levels, places)
}
