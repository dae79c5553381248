//! The reading helpers: a value under a key with its path, a table that remembers which keys
//! were asked for, typed values with a bilingual message at the value's line and column.

use super::tree::Node;
use super::{LoadError, Span, MAX_POINTS};
use crate::model::{Ratio, Text};
use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use toml::Spanned;

pub(super) struct Cx<'s> {
    src: &'s str,
    starts: Vec<usize>,
    pub(super) errors: Vec<LoadError>,
}

/// A value found under a key, with its path.
pub(super) struct Field<'n> {
    node: &'n Spanned<Node>,
    pub(super) path: String,
}

impl Field<'_> {
    pub(super) fn span(&self) -> Span {
        self.node.span()
    }
}

pub(super) struct Tbl<'n> {
    path: String,
    span: Span,
    entries: &'n [(Spanned<String>, Spanned<Node>)],
    used: Vec<bool>,
    asked: Vec<&'static str>,
}

impl<'n> Tbl<'n> {
    /// The table at `path`, no key asked for yet.
    pub(super) fn new(
        path: String,
        span: Span,
        entries: &'n [(Spanned<String>, Spanned<Node>)],
    ) -> Self {
        Self {
            path,
            span,
            entries,
            used: vec![false; entries.len()],
            asked: Vec::new(),
        }
    }

    fn sub(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    pub(super) fn opt(&mut self, key: &'static str) -> Option<Field<'n>> {
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

    pub(super) fn req(&mut self, cx: &mut Cx<'_>, key: &'static str) -> Option<Field<'n>> {
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
    pub(super) fn finish(self, cx: &mut Cx<'_>) {
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
    pub(super) fn new(src: &'s str) -> Self {
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

    pub(super) fn err(
        &mut self,
        span: &Span,
        path: &str,
        vi: impl Into<String>,
        en: impl Into<String>,
    ) {
        let (line, column) = self.place(span.start);
        self.errors.push(LoadError {
            line,
            column,
            path: path.to_owned(),
            vi: vi.into(),
            en: en.into(),
        });
    }

    pub(super) fn at(&mut self, f: &Field<'_>, vi: impl Into<String>, en: impl Into<String>) {
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

    pub(super) fn string(&mut self, f: &Field<'_>) -> Option<String> {
        match f.node.get_ref() {
            Node::Str(s) => Some(s.clone()),
            _ => {
                self.wrong_type(f, ("một chuỗi chữ", "a text string"));
                None
            }
        }
    }

    /// A non-blank text.
    pub(super) fn text(&mut self, f: &Field<'_>) -> Option<String> {
        let s = self.string(f)?;
        if s.trim().is_empty() {
            self.at(f, "Không được để trống", "Must not be empty");
            return None;
        }
        Some(s.trim().to_owned())
    }

    /// A code: 1 to 40 lowercase ASCII letters, digits and `_`, starting with a letter.
    pub(super) fn code(&mut self, f: &Field<'_>) -> Option<String> {
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

    pub(super) fn int(&mut self, f: &Field<'_>) -> Option<i64> {
        match f.node.get_ref() {
            Node::Int(n) => Some(*n),
            _ => {
                self.wrong_type(f, ("một số nguyên", "a whole number"));
                None
            }
        }
    }

    /// A whole number in `range`, or the given message.
    pub(super) fn int_in(
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
    pub(super) fn points(&mut self, f: &Field<'_>) -> Option<u32> {
        self.int_in(
            f,
            0..=MAX_POINTS,
            &format!("Số điểm phải từ 0 đến {MAX_POINTS}"),
            &format!("Points must be between 0 and {MAX_POINTS}"),
        )
    }

    pub(super) fn bool(&mut self, f: &Field<'_>) -> Option<bool> {
        match f.node.get_ref() {
            Node::Bool(b) => Some(*b),
            _ => {
                self.wrong_type(f, ("true hoặc false", "true or false"));
                None
            }
        }
    }

    /// A share from 0 to 1 with at most four decimals (`0.9`, `0.125`).
    pub(super) fn ratio(&mut self, f: &Field<'_>) -> Option<Ratio> {
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

    pub(super) fn table<'n>(&mut self, f: &Field<'n>) -> Option<Tbl<'n>> {
        match f.node.get_ref() {
            Node::Table(entries) => Some(Tbl::new(f.path.clone(), f.span(), entries)),
            _ => {
                self.wrong_type(f, ("một bảng", "a table"));
                None
            }
        }
    }

    /// The elements of a list, each with its path `key[i]`.
    pub(super) fn list<'n>(&mut self, f: &Field<'n>) -> Option<Vec<Field<'n>>> {
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
    pub(super) fn tables<'n>(&mut self, f: Option<&Field<'n>>) -> Vec<Tbl<'n>> {
        let Some(f) = f else { return Vec::new() };
        let items = self.list(f).unwrap_or_default();
        items.iter().filter_map(|item| self.table(item)).collect()
    }

    /// `key_vi` and `key_en`.
    pub(super) fn bilingual(
        &mut self,
        t: &mut Tbl<'_>,
        vi: &'static str,
        en: &'static str,
    ) -> Option<Text> {
        let v = t.req(self, vi).and_then(|f| self.text(&f));
        let e = t.req(self, en).and_then(|f| self.text(&f));
        Some(Text::new(v?, e?))
    }
}

/// Remembers codes already seen, to report duplicates.
#[derive(Default)]
pub(super) struct Seen(BTreeMap<String, String>);

impl Seen {
    pub(super) fn check(&mut self, cx: &mut Cx<'_>, f: &Field<'_>, code: &str) -> bool {
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
