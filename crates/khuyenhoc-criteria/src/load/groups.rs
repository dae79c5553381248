//! `[[groups]]` and their `[[groups.indicators]]`: codes, texts, maximum and minimum points,
//! evidence rules and the form groups an indicator applies to.

use super::cx::{Cx, Field, Seen, Tbl};
use super::rule::read_rule;
use super::{MAX_INDICATORS, MAX_POINTS};
use crate::model::{EvidenceKind, EvidenceRule, Group, Indicator};

pub(super) fn read_groups(
    cx: &mut Cx<'_>,
    root: &mut Tbl<'_>,
    form_groups: &[String],
    min_each: Option<u32>,
) -> Option<Vec<Group>> {
    let f = root.req(cx, "groups")?;
    let tables = cx.tables(Some(&f));
    if tables.is_empty() {
        cx.at(
            &f,
            "Cần ít nhất một nhóm chỉ tiêu",
            "At least one group of indicators is needed",
        );
        return None;
    }
    let mut group_codes = Seen::default();
    let mut indicator_codes = Seen::default();
    let mut out = Vec::new();
    let mut ok = true;
    let mut count = 0usize;
    for mut g in tables {
        let code = g.req(cx, "code").and_then(|f| {
            let c = cx.code(&f)?;
            group_codes.check(cx, &f, &c).then_some(c)
        });
        let name = cx.bilingual(&mut g, "name_vi", "name_en");
        let ind_f = g.req(cx, "indicators");
        let ind_tables = cx.tables(ind_f.as_ref());
        if ind_tables.is_empty() {
            if let Some(f) = &ind_f {
                cx.at(
                    f,
                    "Nhóm cần ít nhất một chỉ tiêu",
                    "A group needs at least one indicator",
                );
            }
        }
        let mut indicators = Vec::new();
        for mut it in ind_tables {
            count += 1;
            let ind = read_indicator(cx, &mut it, &mut indicator_codes, form_groups, min_each);
            it.finish(cx);
            match ind {
                Some(i) => indicators.push(i),
                None => ok = false,
            }
        }
        g.finish(cx);
        match (code, name, ind_f) {
            (Some(code), Some(name), Some(_)) if !indicators.is_empty() => out.push(Group {
                code,
                name,
                indicators,
            }),
            _ => ok = false,
        }
    }
    if count > MAX_INDICATORS {
        cx.at(
            &f,
            format!("Tối đa {MAX_INDICATORS} chỉ tiêu"),
            format!("At most {MAX_INDICATORS} indicators"),
        );
        ok = false;
    }
    ok.then_some(out)
}

pub(super) fn read_indicator(
    cx: &mut Cx<'_>,
    t: &mut Tbl<'_>,
    codes: &mut Seen,
    form_groups: &[String],
    min_each: Option<u32>,
) -> Option<Indicator> {
    let code = t.req(cx, "code").and_then(|f| {
        let c = cx.code(&f)?;
        codes.check(cx, &f, &c).then_some(c)
    });
    let text = cx.bilingual(t, "text_vi", "text_en");
    let max_f = t.req(cx, "max");
    let max = max_f.as_ref().and_then(|f| {
        cx.int_in(
            f,
            1..=MAX_POINTS,
            &format!("Điểm tối đa phải lớn hơn 0 và không quá {MAX_POINTS}"),
            &format!("max must be greater than 0 and at most {MAX_POINTS}"),
        )
    });
    let rule = read_rule(cx, t, max);
    let min_f = t.opt("min");
    let min = min_f.as_ref().and_then(|f| cx.points(f));
    match (min, max, &min_f, &max_f) {
        (Some(min), Some(max), Some(f), _) if min > max => cx.at(
            f,
            format!("Điểm tối thiểu {min} lớn hơn điểm tối đa {max}"),
            format!("min {min} is greater than max {max}"),
        ),
        (None, Some(max), None, Some(f)) => {
            if let Some(d) = min_each.filter(|d| *d > max) {
                cx.at(
                    f,
                    format!("Điểm tối đa {max} thấp hơn điểm tối thiểu chung pass.min_each = {d}"),
                    format!("max {max} is below the default minimum pass.min_each = {d}"),
                );
            }
        }
        _ => {}
    }
    let evidence = match t.opt("evidence") {
        None => Some(EvidenceRule::default()),
        Some(f) => read_evidence(cx, &f),
    };
    let applies = match t.opt("form_groups") {
        None => Some(None),
        Some(f) => read_applies(cx, &f, form_groups).map(Some),
    };
    Some(Indicator {
        code: code?,
        text: text?,
        max: max?,
        rule: rule?,
        min,
        evidence: evidence?,
        form_groups: applies?,
    })
    .filter(|_| min_f.is_none() || min.is_some())
}

pub(super) fn read_evidence(cx: &mut Cx<'_>, f: &Field<'_>) -> Option<EvidenceRule> {
    let mut t = cx.table(f)?;
    let required = match t.opt("required") {
        None => Some(false),
        Some(f) => cx.bool(&f),
    };
    let kinds = match t.opt("kinds") {
        None => Some(EvidenceKind::ALL.to_vec()),
        Some(kf) => {
            let items = cx.list(&kf)?;
            let mut kinds = Vec::new();
            let mut ok = true;
            for item in &items {
                let Some(s) = cx.string(item) else {
                    ok = false;
                    continue;
                };
                match EvidenceKind::from_code(&s) {
                    Some(k) if kinds.contains(&k) => {
                        cx.at(item, "Loại minh chứng bị lặp", "Evidence kind repeated");
                        ok = false;
                    }
                    Some(k) => kinds.push(k),
                    None => {
                        cx.at(
                            item,
                            "Loại minh chứng phải là photo, document hoặc note",
                            "An evidence kind is photo, document or note",
                        );
                        ok = false;
                    }
                }
            }
            if ok && kinds.is_empty() {
                cx.at(
                    &kf,
                    "Cần ít nhất một loại minh chứng",
                    "At least one evidence kind is needed",
                );
                ok = false;
            }
            ok.then_some(kinds)
        }
    };
    t.finish(cx);
    Some(EvidenceRule {
        required: required?,
        kinds: kinds?,
    })
}

pub(super) fn read_applies(
    cx: &mut Cx<'_>,
    f: &Field<'_>,
    form_groups: &[String],
) -> Option<Vec<String>> {
    let items = cx.list(f)?;
    if form_groups.is_empty() {
        cx.at(
            f,
            "Bộ tiêu chí không có nhóm đối tượng (form_groups) để tham chiếu",
            "The set has no form groups to refer to",
        );
        return None;
    }
    if items.is_empty() {
        cx.at(
            f,
            "Danh sách trống: bỏ khóa này để áp dụng cho mọi nhóm",
            "Empty list: remove the key to apply to every group",
        );
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    let mut ok = true;
    for item in &items {
        let Some(s) = cx.string(item) else {
            ok = false;
            continue;
        };
        if !form_groups.contains(&s) {
            cx.at(
                item,
                format!("Không có nhóm đối tượng `{s}` trong form_groups"),
                format!("No form group `{s}` in form_groups"),
            );
            ok = false;
        } else if out.contains(&s) {
            cx.at(item, "Nhóm đối tượng bị lặp", "Form group repeated");
            ok = false;
        } else {
            out.push(s);
        }
    }
    ok.then_some(out)
}
