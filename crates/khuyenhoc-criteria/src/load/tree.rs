//! The tree a criteria file is first read into: every key and value keeps its place in the text.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use toml::Spanned;

#[derive(Debug)]
pub(super) enum Node {
    Table(Vec<(Spanned<String>, Spanned<Node>)>),
    Array(Vec<Spanned<Node>>),
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl Node {
    pub(super) fn kind(&self) -> (&'static str, &'static str) {
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
