//! Reading a criteria file. The TOML text is first read into a tree that keeps the place of
//! every key and value; the typed [`CriteriaSet`] is then built from it by hand, so that every
//! problem in the file is reported at once, each with its line, column and path.

use crate::model::{
    CriteriaSet, EvidenceKind, EvidenceRule, FormGroup, Group, Indicator, Level, MemberFilter,
    Model, PassRules, Ratio, ReducedThreshold, Requirement, Rule, Scoring, SetRef, Source, Step,
    Text,
};
use khuyenhoc_domain::UnitCode;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Serialize;
use std::collections::BTreeMap;
use std::ops::{Range, RangeInclusive};
use toml::Spanned;

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
// The tree

#[derive(Debug)]
enum Node {
    Table(Vec<(Spanned<String>, Spanned<Node>)>),
    Array(Vec<Spanned<Node>>),
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Node {
    fn kind(&self) -> (&'static str, &'static str) {
        match self {
            Node::Table(_) => ("một bảng", "a table"),
            Node::Array(_) => ("một danh sách", "a list"),
            Node::Str(_) => ("một chuỗi chữ", "a text string"),
            Node::Int(_) => ("một số nguyên", "a whole number"),
            Node::Float(_) => ("một số thập phân", "a decimal number"),
            Node::Bool(_) => ("true/false", "true/false"),
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a TOML value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Int(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Node, E> {
                i64::try_from(v)
                    .map(Node::Int)
                    .map_err(|_| E::custom("number too large"))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
                Ok(Node::Float(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Str(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Node, E> {
                Ok(Node::Str(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                let mut out = Vec::new();
                while let Some(x) = a.next_element::<Spanned<Node>>()? {
                    out.push(x);
                }
                Ok(Node::Array(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = a.next_key::<Spanned<String>>()? {
                    let v = a.next_value::<Spanned<Node>>()?;
                    out.push((k, v));
                }
                Ok(Node::Table(out))
            }
        }
        d.deserialize_any(V)
    }
}

// ---------------------------------------------------------------------------------------------
// Reading helpers

struct Cx<'s> {
    src: &'s str,
    starts: Vec<usize>,
    errors: Vec<LoadError>,
}

/// A value found under a key, with its path.
struct Field<'n> {
    node: &'n Spanned<Node>,
    path: String,
}

impl Field<'_> {
    fn span(&self) -> Span {
        self.node.span()
    }
}

struct Tbl<'n> {
    path: String,
    span: Span,
    entries: &'n [(Spanned<String>, Spanned<Node>)],
    used: Vec<bool>,
    asked: Vec<&'static str>,
}

impl<'n> Tbl<'n> {
    fn sub(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn opt(&mut self, key: &'static str) -> Option<Field<'n>> {
        self.asked.push(key);
        let i = self.entries.iter().position(|(k, _)| k.get_ref() == key)?;
        if let Some(u) = self.used.get_mut(i) {
            *u = true;
        }
        let node = &self.entries.get(i)?.1;
        Some(Field {
            node,
            path: self.sub(key),
        })
    }

    fn req(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<Field<'n>> {
        let f = self.opt(key);
        if f.is_none() {
            let path = self.sub(key);
            cx.err(
                &self.span,
                &path,
                format!("Thiếu khóa `{key}`"),
                format!("Missing key `{key}`"),
            );
        }
        f
    }

    /// Reports every key that nobody asked for.
    fn finish(self, cx: &mut Cx<'_>) {
        let known = self.asked.join(", ");
        for ((k, _), used) in self.entries.iter().zip(&self.used) {
            if !used {
                let path = self.sub(k.get_ref());
                cx.err(
                    &k.span(),
                    &path,
                    format!(
                        "Khóa `{}` không được biết (các khóa dùng được: {known})",
                        k.get_ref()
                    ),
                    format!("Unknown key `{}` (known keys: {known})", k.get_ref()),
                );
            }
        }
    }
}

impl<'s> Cx<'s> {
    fn new(src: &'s str) -> Self {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        Self {
            src,
            starts,
            errors: Vec::new(),
        }
    }

    fn place(&self, offset: usize) -> (u32, u32) {
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let column = self
            .src
            .get(start..offset.min(self.src.len()))
            .map_or(0, |s| s.chars().count());
        (
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(column + 1).unwrap_or(u32::MAX),
        )
    }

    fn err(&mut self, span: &Span, path: &str, vi: impl Into<String>, en: impl Into<String>) {
        let (line, column) = self.place(span.start);
        self.errors.push(LoadError {
            line,
            column,
            path: path.to_owned(),
            vi: vi.into(),
            en: en.into(),
        });
    }

    fn at(&mut self, f: &Field<'_>, vi: impl Into<String>, en: impl Into<String>) {
        self.err(&f.span(), &f.path, vi, en);
    }

    fn wrong_type(&mut self, f: &Field<'_>, want: (&str, &str)) {
        let got = f.node.get_ref().kind();
        self.at(
            f,
            format!("Cần {}, không phải {}", want.0, got.0),
            format!("Expected {}, not {}", want.1, got.1),
        );
    }

    fn string(&mut self, f: &Field<'_>) -> Option<String> {
        match f.node.get_ref() {
            Node::Str(s) => Some(s.clone()),
            _ => {
                self.wrong_type(f, ("một chuỗi chữ", "a text string"));
                None
            }
        }
    }

    /// A non-blank text.
    fn text(&mut self, f: &Field<'_>) -> Option<String> {
        let s = self.string(f)?;
        if s.trim().is_empty() {
            self.at(f, "Không được để trống", "Must not be empty");
            return None;
        }
        Some(s.trim().to_owned())
    }

    /// A code: 1 to 40 lowercase ASCII letters, digits and `_`, starting with a letter.
    fn code(&mut self, f: &Field<'_>) -> Option<String> {
        let s = self.string(f)?;
        let ok = (1..=40).contains(&s.len())
            && s.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !ok {
            self.at(
                f,
                "Mã chỉ gồm chữ thường không dấu, chữ số và dấu _, bắt đầu bằng chữ, tối đa 40 ký tự",
                "A code is lowercase ASCII letters, digits and _, starts with a letter, at most 40 characters",
            );
            return None;
        }
        Some(s)
    }

    fn int(&mut self, f: &Field<'_>) -> Option<i64> {
        match f.node.get_ref() {
            Node::Int(n) => Some(*n),
            _ => {
                self.wrong_type(f, ("một số nguyên", "a whole number"));
                None
            }
        }
    }

    /// A whole number in `range`, or the given message.
    fn int_in(
        &mut self,
        f: &Field<'_>,
        range: RangeInclusive<i64>,
        vi: &str,
        en: &str,
    ) -> Option<u32> {
        let n = self.int(f)?;
        if !range.contains(&n) {
            self.at(f, vi, en);
            return None;
        }
        u32::try_from(n).ok()
    }

    /// Points: a whole number from 0 to [`MAX_POINTS`].
    fn points(&mut self, f: &Field<'_>) -> Option<u32> {
        self.int_in(
            f,
            0..=MAX_POINTS,
            &format!("Số điểm phải từ 0 đến {MAX_POINTS}"),
            &format!("Points must be between 0 and {MAX_POINTS}"),
        )
    }

    fn bool(&mut self, f: &Field<'_>) -> Option<bool> {
        match f.node.get_ref() {
            Node::Bool(b) => Some(*b),
            _ => {
                self.wrong_type(f, ("true hoặc false", "true or false"));
                None
            }
        }
    }

    /// A share from 0 to 1 with at most four decimals (`0.9`, `0.125`).
    fn ratio(&mut self, f: &Field<'_>) -> Option<Ratio> {
        let x = match f.node.get_ref() {
            Node::Float(x) => *x,
            Node::Int(n @ 0..=1) => *n as f64,
            _ => {
                self.wrong_type(f, ("một tỷ lệ từ 0 đến 1", "a share from 0 to 1"));
                return None;
            }
        };
        let scaled = (x * 10_000.0).round();
        let ratio = if (0.0..=1.0).contains(&x) && (scaled / 10_000.0 - x).abs() < 1e-9 {
            Ratio::from_basis_points(scaled as u16)
        } else {
            None
        };
        if ratio.is_none() {
            self.at(
                f,
                "Tỷ lệ phải từ 0 đến 1, tối đa 4 chữ số thập phân (ví dụ 0.9 là 90%)",
                "A share is between 0 and 1 with at most 4 decimals (0.9 means 90%)",
            );
        }
        ratio
    }

    fn table<'n>(&mut self, f: &Field<'n>) -> Option<Tbl<'n>> {
        match f.node.get_ref() {
            Node::Table(entries) => Some(Tbl {
                path: f.path.clone(),
                span: f.span(),
                entries,
                used: vec![false; entries.len()],
                asked: Vec::new(),
            }),
            _ => {
                self.wrong_type(f, ("một bảng", "a table"));
                None
            }
        }
    }

    /// The elements of a list, each with its path `key[i]`.
    fn list<'n>(&mut self, f: &Field<'n>) -> Option<Vec<Field<'n>>> {
        match f.node.get_ref() {
            Node::Array(items) => Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, node)| Field {
                        node,
                        path: format!("{}[{i}]", f.path),
                    })
                    .collect(),
            ),
            _ => {
                self.wrong_type(f, ("một danh sách", "a list"));
                None
            }
        }
    }

    /// A list of tables (`[[key]]` or `key = [{…}, {…}]`); absent means empty.
    fn tables<'n>(&mut self, f: Option<&Field<'n>>) -> Vec<Tbl<'n>> {
        let Some(f) = f else { return Vec::new() };
        let items = self.list(f).unwrap_or_default();
        items.iter().filter_map(|item| self.table(item)).collect()
    }

    /// `key_vi` and `key_en`.
    fn bilingual(&mut self, t: &mut Tbl<'_>, vi: &'static str, en: &'static str) -> Option<Text> {
        let v = t.req(self, vi).and_then(|f| self.text(&f));
        let e = t.req(self, en).and_then(|f| self.text(&f));
        Some(Text::new(v?, e?))
    }
}

/// Remembers codes already seen, to report duplicates.
#[derive(Default)]
struct Seen(BTreeMap<String, String>);

impl Seen {
    fn check(&mut self, cx: &mut Cx<'_>, f: &Field<'_>, code: &str) -> bool {
        if let Some(first) = self.0.get(code) {
            cx.at(
                f,
                format!("Mã `{code}` bị trùng với {first}"),
                format!("Code `{code}` repeats {first}"),
            );
            false
        } else {
            self.0.insert(code.to_owned(), f.path.clone());
            true
        }
    }
}

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
        let mut t = Tbl {
            path: String::new(),
            span: 0..0,
            entries,
            used: vec![false; entries.len()],
            asked: Vec::new(),
        };
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

/// The places of the pass thresholds, checked against the set's maximum at the end.
struct PassPlaces {
    threshold: Option<(Span, String)>,
    levels: Vec<(Span, String)>,
}

fn read_pass(cx: &mut Cx<'_>, t: &mut Tbl<'_>) -> Option<(PassRules, PassPlaces)> {
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

fn read_levels(
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

/// `source`, `title`, `filter` of a computed indicator or a requirement.
fn read_source(cx: &mut Cx<'_>, t: &mut Tbl<'_>) -> Option<Source> {
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

fn read_groups(
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

fn read_indicator(
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

fn read_rule(cx: &mut Cx<'_>, t: &mut Tbl<'_>, max: Option<u32>) -> Option<Rule> {
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

fn read_count(cx: &mut Cx<'_>, t: &mut Tbl<'_>, max: Option<u32>) -> Option<Rule> {
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

fn read_scoring(cx: &mut Cx<'_>, t: &mut Tbl<'_>, max: Option<u32>) -> Option<Scoring> {
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
            let mut steps: Vec<Step> = Vec::new();
            let mut ok = true;
            let tables = cx.tables(Some(&sf));
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
                    cx.at(&sf, "Cần ít nhất một bậc", "At least one step is needed");
                    ok = false;
                }
                (Some(last), Some(m)) if last.points != m => {
                    cx.at(
                        &sf,
                        format!("Bậc cao nhất phải cho đủ điểm tối đa {m}"),
                        format!("The highest step must give the full max {m}"),
                    );
                    ok = false;
                }
                _ => {}
            }
            ok.then_some(Scoring::Thresholds(steps))
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

fn read_evidence(cx: &mut Cx<'_>, f: &Field<'_>) -> Option<EvidenceRule> {
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

fn read_applies(cx: &mut Cx<'_>, f: &Field<'_>, form_groups: &[String]) -> Option<Vec<String>> {
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

/// The checks that need the whole set: declared total, thresholds against the maximum.
fn check_totals(
    cx: &mut Cx<'_>,
    set: &CriteriaSet,
    total: Option<&Field<'_>>,
    places: &PassPlaces,
) {
    let audiences: Vec<Option<&str>> = if set.form_groups.is_empty() {
        vec![None]
    } else {
        set.form_groups
            .iter()
            .map(|g| Some(g.code.as_str()))
            .collect()
    };
    for who in audiences {
        let max = set.max_total(who);
        let (for_vi, for_en) = match who {
            Some(g) => (
                format!(" (nhóm đối tượng {g})"),
                format!(" (form group {g})"),
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
