//! The one declared length of each kind of text a person types, in characters after cleaning
//! (NFC, whitespace collapsed). Input checks refuse a longer text with the field named; the
//! documents (`khuyenhoc-docs`) lay out the same number of characters, and cut anything longer
//! that is already stored with an ellipsis rather than fail. Control characters are refused
//! everywhere: they print as nothing, break a PDF's text, and PostgreSQL refuses a NUL.
//!
//! | kind | limit | where |
//! |---|---:|---|
//! | [`NAME`] | 100 | a person's, donor's, recipient's or signer's name |
//! | [`TITLE`] | 150 | the name of a fund or a programme |
//! | [`DESCRIPTION`] | 300 | what a ledger entry is for, a gift in kind, the reason of a reversal |
//! | [`NOTE`] | 500 | a pledge's note, a programme's target group |
//! | [`LONG_TEXT`] | 2000 | a programme's criteria, the reason of a nomination or a decision |
//! | [`NUMBER_SYMBOL`] | 50 | the number and symbol of an administrative document |

use crate::text::clean;
use crate::Invalid;

/// The largest number of characters of one kind of text, with the message that says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    pub max: usize,
    pub too_long: Invalid,
}

pub const NAME: Limit = Limit {
    max: 100,
    too_long: Invalid::new("Tên tối đa 100 ký tự", "A name has at most 100 characters"),
};

pub const TITLE: Limit = Limit {
    max: 150,
    too_long: Invalid::new("Tên tối đa 150 ký tự", "A title has at most 150 characters"),
};

pub const DESCRIPTION: Limit = Limit {
    max: 300,
    too_long: Invalid::new(
        "Nội dung tối đa 300 ký tự",
        "A description has at most 300 characters",
    ),
};

pub const NOTE: Limit = Limit {
    max: 500,
    too_long: Invalid::new(
        "Ghi chú tối đa 500 ký tự",
        "A note has at most 500 characters",
    ),
};

pub const LONG_TEXT: Limit = Limit {
    max: 2000,
    too_long: Invalid::new(
        "Nội dung tối đa 2.000 ký tự",
        "A text has at most 2,000 characters",
    ),
};

pub const NUMBER_SYMBOL: Limit = Limit {
    max: 50,
    too_long: Invalid::new(
        "Số, ký hiệu văn bản tối đa 50 ký tự",
        "A document number has at most 50 characters",
    ),
};

pub const CONTROL: Invalid = Invalid::new(
    "Nội dung có ký tự điều khiển (ký tự ẩn) không được phép; hãy gõ lại",
    "The text contains control (invisible) characters, which are not allowed; type it again",
);

/// Whether `c` is a control character other than the line breaks and tab a multi-line text may
/// hold.
pub fn is_forbidden(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\r' | '\t')
}

impl Limit {
    /// The text cleaned, or why it cannot be stored: a control character, or more than
    /// [`Limit::max`] characters. An empty result is left to the caller (some texts are
    /// optional).
    pub fn check(&self, s: &str) -> Result<String, Invalid> {
        if s.chars().any(is_forbidden) {
            return Err(CONTROL);
        }
        let c = clean(s);
        if c.chars().count() > self.max {
            return Err(self.too_long.clone());
        }
        Ok(c)
    }

    /// The text cleaned and cut to [`Limit::max`] characters (see [`fit`]).
    pub fn fit(&self, s: &str) -> String {
        fit(s, self.max)
    }
}

/// The text cleaned, control characters dropped, and cut to `max` characters, the last one an
/// ellipsis when cut: what a document prints of a text longer than it has room for (stored
/// before the limits were enforced, or made of several texts), rather than failing.
pub fn fit(s: &str, max: usize) -> String {
    let c = clean(&s.replace(is_forbidden, ""));
    if c.chars().count() <= max {
        return c;
    }
    let mut out: String = c.chars().take(max.saturating_sub(1)).collect();
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_within_its_limit_is_cleaned() {
        assert_eq!(NAME.check("  Nguyễn   Văn An "), Ok("Nguyễn Văn An".into()));
        assert_eq!(NAME.check(&"a".repeat(100)).map(|s| s.len()), Ok(100));
        // Counted in characters, not bytes: 100 "ễ" are 300 bytes.
        assert!(NAME.check(&"ễ".repeat(100)).is_ok());
    }

    #[test]
    fn too_long_or_control_characters_are_refused() {
        assert_eq!(NAME.check(&"a".repeat(101)), Err(NAME.too_long));
        assert_eq!(
            DESCRIPTION.check(&"x".repeat(500)),
            Err(DESCRIPTION.too_long)
        );
        assert_eq!(NAME.check("An\u{0}"), Err(CONTROL));
        assert_eq!(NOTE.check("a\u{7}b"), Err(CONTROL));
        assert_eq!(NOTE.check("a\u{85}b"), Err(CONTROL));
        // Line breaks and tabs are whitespace, collapsed by cleaning.
        assert_eq!(NOTE.check("a\n\tb"), Ok("a b".into()));
    }

    #[test]
    fn fit_cuts_with_an_ellipsis() {
        let long = "Nguyễn ".repeat(30);
        let cut = NAME.fit(&long);
        assert!(
            cut.chars().count() <= 100 && cut.chars().count() > 90,
            "{cut}"
        );
        assert!(cut.ends_with('…') && !cut.ends_with(" …"), "{cut}");
        assert_eq!(NAME.fit(&"a".repeat(150)).chars().count(), 100);
        assert_eq!(NAME.fit("An\u{0}h"), "Anh");
        assert_eq!(NAME.fit("  Bình "), "Bình");
    }
}
