//! The JSON Canonicalization Scheme (RFC 8785) over `serde_json` values: no whitespace, object
//! members sorted by the UTF-16 code units of their names, strings escaped as ECMAScript's
//! `JSON.stringify` does, numbers written as ECMAScript's `Number.prototype.toString`.
//!
//! Limits, none of which our credentials touch (they hold strings only):
//! - Numbers are IEEE doubles as in RFC 8785: an integer beyond ±2^53 is written as the double
//!   nearest to it (as JavaScript would), so two such integers may canonicalise alike.
//! - serde_json's `arbitrary_precision` feature is not supported (it is not enabled here).
//! - serde_json parses a few long decimal literals to a neighbouring double (its
//!   `float_roundtrip` feature is off), which then canonicalises as that double.
//! - Duplicate member names cannot occur: a `serde_json::Value` object keeps the last one.

use serde_json::{Number, Value};

/// The canonical form of `value` (RFC 8785), as a string; hash its UTF-8 bytes.
pub fn canonicalize(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number(n)),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (name, item)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(name, out);
                out.push(':');
                write_value(item, out);
            }
            out.push('}');
        }
    }
}

/// RFC 8785 section 3.2.2.2: `"` and `\` escaped, the controls below U+0020 as `\b \t \n \f \r`
/// or `\u00xx` (lowercase hex), everything else as is.
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// 2^53: integers up to this magnitude are exact doubles.
const EXACT: u64 = 1 << 53;

fn number(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        if i.unsigned_abs() <= EXACT {
            return i.to_string();
        }
    }
    if let Some(u) = n.as_u64() {
        if u <= EXACT {
            return u.to_string();
        }
    }
    match n.as_f64() {
        Some(f) => es_number(f),
        None => "null".to_owned(),
    }
}

/// ECMAScript `Number.prototype.toString` (ECMA-262, Number::toString) for a double, from the
/// shortest round-trip digits that Rust's `{:e}` gives.
fn es_number(f: f64) -> String {
    if !f.is_finite() {
        // Not representable in JSON; `JSON.stringify` writes null. serde_json values never
        // hold these.
        return "null".to_owned();
    }
    if f == 0.0 {
        return "0".to_owned(); // also -0
    }
    let sci = format!("{:e}", f.abs()); // e.g. "1.5e-7", "3e21"
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    let k = digits.len() as i32;
    let n = exp + 1; // the decimal point sits after the n-th digit
    let mut out = String::new();
    if f < 0.0 {
        out.push('-');
    }
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        let (int, frac) = digits.split_at(n as usize);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push('e');
        out.push(if n > 0 { '+' } else { '-' });
        out.push_str(&(n - 1).abs().to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn numbers_as_ecmascript_writes_them() {
        // RFC 8785 appendix B and section 3.2.2.3.
        let cases: [(f64, &str); 14] = [
            (0.0, "0"),
            (-0.0, "0"),
            (1.0, "1"),
            (-1.5, "-1.5"),
            (333_333_333.333_333_3, "333333333.3333333"),
            (1e30, "1e+30"),
            (4.50, "4.5"),
            (2e-3, "0.002"),
            (1e-27, "1e-27"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (1e-6, "0.000001"),
            (1e-7, "1e-7"),
            (5e-324, "5e-324"),
        ];
        for (f, want) in cases {
            assert_eq!(es_number(f), want, "{f:e}");
        }
        assert_eq!(
            es_number(1.797_693_134_862_315_7e308),
            "1.7976931348623157e+308"
        );
        assert_eq!(es_number(-1.5e-7), "-1.5e-7");
        assert_eq!(es_number(9_007_199_254_740_992.0), "9007199254740992");
        assert_eq!(
            es_number(295_147_905_179_352_830_000.0),
            "295147905179352830000"
        );
        let big = json!(18_446_744_073_709_551_615u64);
        assert_eq!(canonicalize(&big), "18446744073709552000");
        assert_eq!(canonicalize(&json!(-42)), "-42");
    }

    #[test]
    fn rfc_8785_example() {
        // RFC 8785 section 3.2.3. Its first number, 333333333.33333329, is left out here:
        // serde_json (without its `float_roundtrip` feature) parses it to a neighbouring double;
        // `numbers_as_ecmascript_writes_them` checks its canonical form from the exact double.
        let v: Value = serde_json::from_str(
            r#"{"numbers":[1E30,4.50,2e-3,0.000000000000000000000000001],
                "string":"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
                "literals":[null,true,false]}"#,
        )
        .expect("json");
        assert_eq!(
            canonicalize(&v),
            r#"{"literals":[null,true,false],"numbers":[1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#
        );
    }

    #[test]
    fn members_sort_by_utf16_code_units() {
        // RFC 8785 section 3.2.3 sorting example: U+10000 (a surrogate pair in UTF-16) sorts
        // before U+FB33, unlike in UTF-8 byte order.
        let v = json!({
            "\u{20ac}": "Euro Sign",
            "\r": "Carriage Return",
            "\u{fb33}": "Hebrew Letter Dalet With Dagesh",
            "1": "One",
            "\u{1f600}": "Emoji: Grinning Face",
            "\u{80}": "Control",
            "\u{f6}": "Latin Small Letter O With Diaeresis"
        });
        let c = canonicalize(&v);
        let mut names: Vec<(usize, String)> = v
            .as_object()
            .expect("object")
            .values()
            .filter_map(Value::as_str)
            .map(|d| (c.find(d).unwrap_or(usize::MAX), d.to_owned()))
            .collect();
        names.sort();
        let names: Vec<String> = names.into_iter().map(|(_, d)| d).collect();
        assert_eq!(
            names,
            [
                "Carriage Return",
                "One",
                "Control",
                "Latin Small Letter O With Diaeresis",
                "Euro Sign",
                "Emoji: Grinning Face",
                "Hebrew Letter Dalet With Dagesh"
            ]
        );
    }

    fn tree_with(ints: BoxedStrategy<i64>) -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            any::<String>().prop_map(Value::String),
            ints.prop_map(|i| json!(i)),
            any::<bool>().prop_map(Value::Bool),
            Just(Value::Null),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("[a-zA-Z0-9_@ăđễ]{0,8}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn canonical_text_parses_back_and_is_stable(v in tree_with(any::<i64>().boxed())) {
            let c = canonicalize(&v);
            let back: Value = serde_json::from_str(&c).expect("canonical JSON parses");
            // Integers beyond 2^53 come back as doubles; their canonical text is the same.
            prop_assert_eq!(canonicalize(&back), c.clone());
            prop_assert!(!c.contains('\n'));
        }

        #[test]
        fn matches_serde_json_for_exact_integers_and_bmp_names(
            v in tree_with((-(1i64 << 53)..=(1i64 << 53)).boxed())
        ) {
            // With exact integers and member names below U+D800 (where UTF-8 and UTF-16 orders
            // agree), serde_json's compact writer (sorted map, same escapes) gives the same text.
            prop_assert_eq!(canonicalize(&v), serde_json::to_string(&v).expect("serialise"));
        }
    }
}
