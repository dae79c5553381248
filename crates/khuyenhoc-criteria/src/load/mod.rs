//! Reading a criteria file. The TOML text is first read into a tree that keeps the place of
//! every key and value; the typed [`CriteriaSet`] is then built from it by hand, so that every
//! problem in the file is reported at once, each with its line, column and path.
//!
//! One file per step: `tree` reads the text into that tree, `cx` holds the reading helpers
//! (typed values, unknown keys, error places), then the parts of a set are read in order: the
//! set's own keys here, `pass` (thresholds, levels, requirements), `groups` (groups,
//! indicators, their evidence and form groups) and `rule` (how an indicator is scored).

mod cx;
mod groups;
mod pass;
mod rule;
mod tree;

use crate::model::{CriteriaSet, FormGroup, Model, SetRef};
use cx::{Cx, Field, Seen, Tbl};
use groups::read_groups;
use khuyenhoc_domain::UnitCode;
use pass::{read_pass, PassPlaces};
use serde::Serialize;
use std::ops::{Range, RangeInclusive};
use toml::Spanned;
use tree::Node;

/// One problem in a criteria file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadError {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// Where in the set, e.g. `groups[1].indicators[2].max` (indexes start at 0); empty for
    /// the file as a whole.
    pub path: String,
    pub vi: String,
    pub en: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{} {}: {} / {}",
            self.line, self.column, self.path, self.vi, self.en
        )
    }
}

impl std::error::Error for LoadError {}

/// Largest `max` of one indicator, largest number of indicators: keeps every sum far from
/// overflowing.
const MAX_POINTS: i64 = 1000;
const MAX_INDICATORS: usize = 200;
const VERSIONS: RangeInclusive<i64> = 2000..=2100;
const VALID_YEARS: RangeInclusive<i64> = 1..=10;

const COUNT_KEYS: [&str; 2] = ["points_each", "cap"];
const COMPUTED_KEYS: [&str; 5] = ["source", "title", "filter", "scoring", "thresholds"];

type Span = Range<usize>;

// ---------------------------------------------------------------------------------------------
// The set

impl CriteriaSet {
    /// Reads a criteria file. On failure, returns every problem found, in file order (a TOML
    /// syntax error stops the reading, so it comes alone).
    pub fn parse(text: &str) -> Result<CriteriaSet, Vec<LoadError>> {
        let mut cx = Cx::new(text);
        let root: Spanned<Node> = match toml::from_str(text) {
            Ok(root) => root,
            Err(e) => {
                let span = e.span().unwrap_or(0..0);
                let msg = if e.message().contains("$__toml_private_datetime") {
                    "dates are not used in criteria files".to_owned()
                } else {
                    e.message().trim().replace('\n', "; ")
                };
                cx.err(
                    &span,
                    "",
                    format!("Sai cú pháp TOML: {msg}"),
                    format!("TOML syntax error: {msg}"),
                );
                return Err(cx.errors);
            }
        };
        let Node::Table(entries) = root.get_ref() else {
            cx.err(
                &(0..0),
                "",
                "Tệp phải là một bảng TOML",
                "The file must be a TOML table",
            );
            return Err(cx.errors);
        };
        let mut t = Tbl::new(String::new(), 0..0, entries);
        let set = read_set(&mut cx, &mut t);
        t.finish(&mut cx);
        match set {
            Some(set) if cx.errors.is_empty() => Ok(set),
            _ => {
                if cx.errors.is_empty() {
                    cx.err(
                        &(0..0),
                        "",
                        "Bộ tiêu chí không đọc được",
                        "Unreadable criteria set",
                    );
                }
                cx.errors.sort_by_key(|e| (e.line, e.column));
                Err(cx.errors)
            }
        }
    }
}

fn read_set(cx: &mut Cx<'_>, t: &mut Tbl<'_>) -> Option<CriteriaSet> {
    let code = t.req(cx, "code").and_then(|f| cx.code(&f));
    let model = t.req(cx, "model").and_then(|f| {
        let s = cx.string(&f)?;
        let m = Model::from_code(&s);
        if m.is_none() {
            cx.at(
                &f,
                "Mô hình phải là citizen, family, clan, community hoặc unit",
                "The model must be citizen, family, clan, community or unit",
            );
        }
        m
    });
    let version = t.req(cx, "version").and_then(|f| {
        cx.int_in(
            &f,
            VERSIONS,
            "Phiên bản là năm có hiệu lực, từ 2000 đến 2100",
            "The version is the year it takes effect, from 2000 to 2100",
        )
    });
    let owner = t.req(cx, "owner").and_then(|f| read_owner(cx, &f));
    let based_on = t.opt("based_on").and_then(|f| read_set_ref(cx, &f));
    let title = cx.bilingual(t, "title_vi", "title_en");
    let valid_years = t.req(cx, "valid_years").and_then(|f| {
        cx.int_in(
            &f,
            VALID_YEARS,
            "Số năm giữ danh hiệu phải từ 1 đến 10",
            "Years a title stays valid must be from 1 to 10",
        )
    });
    let total_field = t.opt("total");
    let total = total_field.as_ref().and_then(|f| {
        cx.int_in(
            f,
            1..=MAX_POINTS * MAX_INDICATORS as i64,
            "Tổng điểm phải lớn hơn 0",
            "The total must be greater than 0",
        )
    });
    let form_groups = read_form_groups(cx, t.opt("form_groups"));
    let fg_codes: Vec<String> = form_groups.iter().map(|g| g.code.clone()).collect();
    let pass_field = t.req(cx, "pass");
    let pass = pass_field
        .as_ref()
        .and_then(|f| cx.table(f))
        .and_then(|mut pt| {
            let p = read_pass(cx, &mut pt);
            pt.finish(cx);
            p
        });
    let groups = read_groups(cx, t, &fg_codes, pass.as_ref().and_then(|p| p.0.min_each));
    let set = CriteriaSet {
        code: code?,
        model: model?,
        version: u16::try_from(version?).ok()?,
        owner: owner?,
        based_on,
        title: title?,
        valid_years: u8::try_from(valid_years?).ok()?,
        total,
        form_groups,
        pass: pass.as_ref()?.0.clone(),
        groups: groups?,
    };
    let places = pass?.1;
    check_totals(cx, &set, total_field.as_ref(), &places);
    Some(set)
}

fn read_owner(cx: &mut Cx<'_>, f: &Field<'_>) -> Option<UnitCode> {
    let s = cx.string(f)?;
    match UnitCode::parse(&s) {
        Ok(c) if c.as_str() == "VN" || c.as_str().len() == 2 => Some(c),
        _ => {
            cx.at(
                f,
                "Đơn vị sở hữu phải là VN (bộ toàn quốc) hoặc mã tỉnh 2 chữ số",
                "The owner must be VN (national set) or a 2-digit province code",
            );
            None
        }
    }
}

fn read_set_ref(cx: &mut Cx<'_>, f: &Field<'_>) -> Option<SetRef> {
    let mut t = cx.table(f)?;
    let code = t.req(cx, "code").and_then(|f| cx.code(&f));
    let version = t.req(cx, "version").and_then(|f| {
        cx.int_in(
            &f,
            VERSIONS,
            "Phiên bản là năm, từ 2000 đến 2100",
            "The version is a year, from 2000 to 2100",
        )
    });
    t.finish(cx);
    Some(SetRef {
        code: code?,
        version: u16::try_from(version?).ok()?,
    })
}

fn read_form_groups(cx: &mut Cx<'_>, f: Option<Field<'_>>) -> Vec<FormGroup> {
    let mut seen = Seen::default();
    let mut out = Vec::new();
    for mut t in cx.tables(f.as_ref()) {
        let code = t.req(cx, "code").and_then(|f| {
            let c = cx.code(&f)?;
            seen.check(cx, &f, &c).then_some(c)
        });
        let name = cx.bilingual(&mut t, "name_vi", "name_en");
        t.finish(cx);
        if let (Some(code), Some(name)) = (code, name) {
            out.push(FormGroup { code, name });
        }
    }
    out
}

/// The checks that need the whole set: declared total, thresholds against the maximum.
fn check_totals(
    cx: &mut Cx<'_>,
    set: &CriteriaSet,
    total: Option<&Field<'_>>,
    places: &PassPlaces,
) {
    let audiences: Vec<Option<&crate::FormGroup>> = if set.form_groups.is_empty() {
        vec![None]
    } else {
        set.form_groups.iter().map(Some).collect()
    };
    for who in audiences {
        let max = set.max_total(who.map(|g| g.code.as_str()));
        // The group by its name: an officer reads this message beside the form.
        let (for_vi, for_en) = match who {
            Some(g) => (
                format!(" (nhóm đối tượng «{}»)", g.name.vi),
                format!(" (form group “{}”)", g.name.en),
            ),
            None => (String::new(), String::new()),
        };
        if let (Some(declared), Some(f)) = (set.total, total) {
            if declared != max {
                cx.at(
                    f,
                    format!(
                        "Các chỉ tiêu cộng lại được {max}{for_vi}, khác tổng khai báo {declared}"
                    ),
                    format!(
                        "The indicators add up to {max}{for_en}, not the declared total {declared}"
                    ),
                );
            }
        }
        if let Some((span, path)) = &places.threshold {
            if set.pass.threshold > max {
                cx.err(
                    span,
                    path,
                    format!(
                        "Ngưỡng đạt {} vượt tổng điểm tối đa {max}{for_vi}",
                        set.pass.threshold
                    ),
                    format!(
                        "The pass threshold {} exceeds the maximum total {max}{for_en}",
                        set.pass.threshold
                    ),
                );
            }
        }
        for (level, (span, path)) in set.pass.levels.iter().zip(&places.levels) {
            if level.threshold > max {
                cx.err(
                    span,
                    path,
                    format!(
                        "Ngưỡng mức {} là {} vượt tổng điểm tối đa {max}{for_vi}",
                        level.level, level.threshold
                    ),
                    format!(
                        "Level {}'s threshold {} exceeds the maximum total {max}{for_en}",
                        level.level, level.threshold
                    ),
                );
            }
        }
    }
}
