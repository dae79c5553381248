//! How an indicator is scored: `scale`, `yes_no`, `count` (points each, capped) or `computed`
//! (a source such as a member share, scored linearly or by thresholds).

use super::cx::{Cx, Field, Tbl};
use super::{COMPUTED_KEYS, COUNT_KEYS, MAX_POINTS};
use crate::model::{MemberFilter, Model, Rule, Scoring, Source, Step};

pub(super) fn read_rule(cx: &mut Cx<'_>, t: &mut Tbl<'_>, max: Option<u32>) -> Option<Rule> {
    let f = t.req(cx, "rule");
    let name = f.as_ref().and_then(|f| cx.string(f));
    let known = matches!(
        name.as_deref(),
        Some("scale" | "yes_no" | "count" | "computed")
    );
    if let (Some(f), Some(_), false) = (&f, &name, known) {
        cx.at(
            f,
            "Cách chấm phải là scale, yes_no, count hoặc computed",
            "The rule must be scale, yes_no, count or computed",
        );
    }
    // Keys that belong to another rule: report them, unless the rule itself is unreadable.
    let misplaced = |cx: &mut Cx<'_>, t: &mut Tbl<'_>, keys: &[&'static str], rule: &str| {
        for k in keys {
            if let Some(kf) = t.opt(k) {
                if known {
                    cx.at(
                        &kf,
                        format!("Khóa `{k}` chỉ dùng khi rule = \"{rule}\""),
                        format!("Key `{k}` only goes with rule = \"{rule}\""),
                    );
                }
            }
        }
    };
    let name = name.filter(|_| known);
    if name.as_deref() != Some("count") {
        misplaced(cx, t, &COUNT_KEYS, "count");
    }
    if name.as_deref() != Some("computed") {
        misplaced(cx, t, &COMPUTED_KEYS, "computed");
    }
    match name?.as_str() {
        "scale" => Some(Rule::Scale),
        "yes_no" => Some(Rule::YesNo),
        "count" => read_count(cx, t, max),
        _ => {
            let source = read_source(cx, t);
            let scoring = read_scoring(cx, t, max);
            Some(Rule::Computed {
                source: source?,
                scoring: scoring?,
            })
        }
    }
}

pub(super) fn read_count(cx: &mut Cx<'_>, t: &mut Tbl<'_>, max: Option<u32>) -> Option<Rule> {
    let each = t.req(cx, "points_each").and_then(|f| {
        cx.int_in(
            &f,
            1..=MAX_POINTS,
            "Điểm mỗi lần phải lớn hơn 0",
            "points_each must be greater than 0",
        )
    });
    let cap_f = t.req(cx, "cap");
    let cap = cap_f.as_ref().and_then(|f| {
        cx.int_in(
            f,
            1..=MAX_POINTS,
            "Số lần tính tối đa (cap) phải lớn hơn 0",
            "cap (the most items counted) must be greater than 0",
        )
    });
    if let (Some(each), Some(cap), Some(max), Some(f)) = (each, cap, max, &cap_f) {
        if each.saturating_mul(cap) != max {
            cx.at(
                f,
                format!(
                    "points_each × cap = {} phải bằng điểm tối đa {max}",
                    each.saturating_mul(cap)
                ),
                format!(
                    "points_each × cap = {} must equal max {max}",
                    each.saturating_mul(cap)
                ),
            );
            return None;
        }
    }
    Some(Rule::Count {
        points_each: each?,
        cap: cap?,
    })
}

pub(super) fn read_scoring(cx: &mut Cx<'_>, t: &mut Tbl<'_>, max: Option<u32>) -> Option<Scoring> {
    let f = t.req(cx, "scoring")?;
    let steps_f = t.opt("thresholds");
    match cx.string(&f)?.as_str() {
        "linear" => {
            if let Some(sf) = steps_f {
                cx.at(
                    &sf,
                    "Khóa `thresholds` chỉ dùng khi scoring = \"thresholds\"",
                    "Key `thresholds` only goes with scoring = \"thresholds\"",
                );
            }
            Some(Scoring::Linear)
        }
        "thresholds" => {
            let sf = steps_f.or_else(|| t.req(cx, "thresholds"))?;
            read_steps(cx, &sf, max).map(Scoring::Thresholds)
        }
        _ => {
            cx.at(
                &f,
                "Cách tính phải là linear hoặc thresholds",
                "scoring must be linear or thresholds",
            );
            None
        }
    }
}

/// `thresholds = [{ at_least, points }, …]`: shares rising, points never falling, the last step
/// giving the indicator's full `max`.
fn read_steps(cx: &mut Cx<'_>, sf: &Field<'_>, max: Option<u32>) -> Option<Vec<Step>> {
    let mut steps: Vec<Step> = Vec::new();
    let mut ok = true;
    let tables = cx.tables(Some(sf));
    for mut s in tables {
        let at_f = s.req(cx, "at_least");
        let at = at_f.as_ref().and_then(|f| cx.ratio(f));
        let pts_f = s.req(cx, "points");
        let pts = pts_f.as_ref().and_then(|f| cx.points(f));
        s.finish(cx);
        let (Some(at), Some(pts), Some(at_f), Some(pts_f)) = (at, pts, at_f, pts_f) else {
            ok = false;
            continue;
        };
        if let Some(prev) = steps.last() {
            if prev.at_least >= at {
                cx.at(
                    &at_f,
                    "Các mức tỷ lệ phải tăng dần",
                    "Shares must rise from step to step",
                );
                ok = false;
            }
            if prev.points > pts {
                cx.at(
                    &pts_f,
                    "Điểm các bậc không được giảm",
                    "Points must not fall from step to step",
                );
                ok = false;
            }
        }
        if max.is_some_and(|m| pts > m) {
            cx.at(
                &pts_f,
                "Điểm của bậc vượt điểm tối đa",
                "A step's points exceed max",
            );
            ok = false;
        }
        steps.push(Step {
            at_least: at,
            points: pts,
        });
    }
    match (steps.last(), max) {
        (None, _) => {
            cx.at(sf, "Cần ít nhất một bậc", "At least one step is needed");
            ok = false;
        }
        (Some(last), Some(m)) if last.points != m => {
            cx.at(
                sf,
                format!("Bậc cao nhất phải cho đủ điểm tối đa {m}"),
                format!("The highest step must give the full max {m}"),
            );
            ok = false;
        }
        _ => {}
    }
    ok.then_some(steps)
}

/// `source`, `title`, `filter` of a computed indicator or a requirement.
pub(super) fn read_source(cx: &mut Cx<'_>, t: &mut Tbl<'_>) -> Option<Source> {
    let f = t.req(cx, "source")?;
    let name = cx.string(&f)?;
    let title = t.opt("title");
    let filter = t.opt("filter");
    match name.as_str() {
        "member_share" => {
            let title_f = title.or_else(|| t.req(cx, "title"))?;
            let title_s = cx.string(&title_f)?;
            let Some(model) = Model::from_code(&title_s) else {
                cx.at(
                    &title_f,
                    "Danh hiệu phải là citizen, family, clan, community hoặc unit",
                    "The title must be citizen, family, clan, community or unit",
                );
                return None;
            };
            let filter = match filter {
                None => MemberFilter::All,
                Some(ff) => match cx.string(&ff)?.as_str() {
                    "all" => MemberFilter::All,
                    "adults" if model == Model::Citizen => MemberFilter::Adults,
                    "adults" => {
                        cx.at(
                            &ff,
                            "Lọc \"adults\" chỉ dùng với danh hiệu citizen",
                            "The filter \"adults\" only goes with the title citizen",
                        );
                        return None;
                    }
                    _ => {
                        cx.at(
                            &ff,
                            "Lọc phải là all hoặc adults",
                            "The filter must be all or adults",
                        );
                        return None;
                    }
                },
            };
            Some(Source::MemberShare {
                title: model,
                filter,
            })
        }
        "children_in_school" => {
            for extra in [title, filter].into_iter().flatten() {
                cx.at(
                    &extra,
                    "Khóa này chỉ dùng với source = \"member_share\"",
                    "This key only goes with source = \"member_share\"",
                );
            }
            Some(Source::ChildrenInSchool)
        }
        _ => {
            cx.at(
                &f,
                format!(
                    "Nguồn tính không được biết; dùng: {}",
                    Source::NAMES.join(", ")
                ),
                format!("Unknown source; known: {}", Source::NAMES.join(", ")),
            );
            None
        }
    }
}
