//! One cell's value as the officer typed it, and the readings every import shares.

use calamine::DataRef;
use khuyenhoc_domain::text::fold;
use khuyenhoc_domain::Gender;

/// A cell's value, owned. Empty cells and cells of spaces are never values.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A date cell, as `YYYY-MM-DD`.
    Date(String),
    /// A duration, an error value: shown as read, never accepted as a number or a date.
    Other(String),
}

impl Value {
    /// The value of a cell, `None` when it is empty or blank.
    pub fn of(d: &DataRef<'_>) -> Option<Value> {
        let text = |s: &str| {
            let t = s.trim();
            (!t.is_empty()).then(|| Value::Text(t.to_owned()))
        };
        match d {
            DataRef::Empty => None,
            DataRef::Int(i) => Some(Value::Int(*i)),
            DataRef::Float(f) => Some(Value::Float(*f)),
            DataRef::String(s) => text(s),
            DataRef::SharedString(s) => text(s),
            DataRef::Bool(b) => Some(Value::Bool(*b)),
            DataRef::DateTime(dt) if dt.is_datetime() => {
                let (y, m, d, ..) = dt.to_ymd_hms_milli();
                Some(Value::Date(format!("{y:04}-{m:02}-{d:02}")))
            }
            DataRef::DateTime(dt) => Some(Value::Other(dt.to_string())),
            // An ISO date typed into a text-typed cell: the day, read like typed text.
            DataRef::DateTimeIso(s) => text(&s.chars().take(10).collect::<String>()),
            DataRef::DurationIso(s) => Some(Value::Other(s.clone())),
            DataRef::Error(e) => Some(Value::Other(format!("#{e}"))),
        }
    }

    /// The value as the officer typed it.
    pub fn text(&self) -> String {
        match self {
            Value::Text(s) | Value::Date(s) | Value::Other(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => match float_whole(*f) {
                Some(i) => i.to_string(),
                None => f.to_string(),
            },
            Value::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
        }
    }

    /// The same, at most 100 characters (for pages and messages).
    pub fn shown(&self) -> String {
        let s = self.text();
        if s.chars().count() > 100 {
            s.chars().take(99).chain(std::iter::once('…')).collect()
        } else {
            s
        }
    }

    /// A whole number, if the value is one (typed as a number or as text).
    pub fn whole(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Float(f) => float_whole(*f),
            Value::Text(s) => {
                let s = s.trim();
                s.parse::<i64>()
                    .ok()
                    .or_else(|| s.parse::<f64>().ok().and_then(float_whole))
            }
            _ => None,
        }
    }
}

fn float_whole(f: f64) -> Option<i64> {
    // Within ±1e15 every whole f64 converts exactly.
    #[allow(clippy::cast_possible_truncation)]
    (f.fract() == 0.0 && f.abs() < 1e15).then_some(f as i64)
}

/// A phone cell as text: a number typed into a cell loses its leading 0 (Excel keeps numbers),
/// so it is put back on the 9-digit mobile and 10-digit landline forms.
pub fn phone_text(v: &Value) -> String {
    match v.whole() {
        Some(n) if matches!(v, Value::Int(_) | Value::Float(_)) => {
            let d = n.to_string();
            let lost_zero = (d.len() == 9 && !d.starts_with("84") && !d.starts_with('0'))
                || (d.len() == 10 && d.starts_with('2'));
            if lost_zero {
                format!("0{d}")
            } else {
                d
            }
        }
        _ => v.shown(),
    }
}

/// A gender as people write it in either language ("Nam", "nữ", "F", "Other").
pub fn gender_of(typed: &str) -> Option<Gender> {
    match fold(typed).trim() {
        "nam" | "male" | "m" => Some(Gender::Male),
        "nu" | "female" | "f" => Some(Gender::Female),
        "khac" | "other" => Some(Gender::Other),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_typed_as_numbers_keep_their_zero() {
        assert_eq!(phone_text(&Value::Int(987_654_321)), "0987654321");
        assert_eq!(phone_text(&Value::Float(987_654_321.0)), "0987654321");
        assert_eq!(phone_text(&Value::Float(912_345_678.0)), "0912345678");
        assert_eq!(phone_text(&Value::Int(84_987_654_321)), "84987654321");
        assert_eq!(
            phone_text(&Value::Text("0987 654 321".into())),
            "0987 654 321"
        );
        assert_eq!(phone_text(&Value::Text("987654321".into())), "987654321");
    }

    #[test]
    fn values_read_as_typed() {
        assert_eq!(Value::Float(1980.0).text(), "1980");
        assert_eq!(Value::Float(7.5).text(), "7.5");
        assert_eq!(Value::Text(" 9 ".into()).whole(), Some(9));
        assert_eq!(Value::Text("8.0".into()).whole(), Some(8));
        assert_eq!(Value::Float(7.5).whole(), None);
        assert_eq!(Value::Date("2024-03-15".into()).whole(), None);
        let long = Value::Text("x".repeat(150));
        assert_eq!(long.shown().chars().count(), 100);
        assert!(long.shown().ends_with('…'));
    }

    #[test]
    fn genders_in_either_language() {
        assert_eq!(gender_of("Nữ"), Some(Gender::Female));
        assert_eq!(gender_of(" NAM "), Some(Gender::Male));
        assert_eq!(gender_of("other"), Some(Gender::Other));
        assert_eq!(gender_of("Không rõ"), None);
    }
}
