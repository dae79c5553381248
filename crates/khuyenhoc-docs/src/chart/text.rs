//! Text in an SVG: escaped, cut to a width without splitting a letter from its marks, numbers
//! written the Vietnamese way (1.234.567, decimal comma).

use unicode_normalization::char::is_combining_mark;

/// The text with the characters XML does not allow removed and `& < > " '` escaped.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// At most `max` letters (a letter with its combining marks counts once): longer texts are
/// cut and end with "…". Returns the text and whether it was cut.
pub(super) fn truncate(s: &str, max: usize) -> (String, bool) {
    let letters = s.chars().filter(|c| !is_combining_mark(*c)).count();
    if letters <= max {
        return (s.to_owned(), false);
    }
    let keep = max.saturating_sub(1).max(1);
    let mut out = String::new();
    let mut seen = 0;
    for c in s.chars() {
        if !is_combining_mark(c) {
            if seen == keep {
                break;
            }
            seen += 1;
        }
        out.push(c);
    }
    let mut out = out.trim_end().to_owned();
    out.push('…');
    (out, true)
}

/// A number the Vietnamese way: dots between thousands, a decimal comma, at most `decimals`
/// decimals (trailing zeros dropped).
pub(super) fn number(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    let scale = 10f64.powi(i32::try_from(decimals).unwrap_or(0));
    let rounded = (v.abs() * scale).round();
    // Values are at most 10^15 (larger ones count as missing), so the whole part fits a u64
    // exactly; the fraction is below `scale`.
    let whole = (rounded / scale).trunc();
    let frac = (rounded - whole * scale).round() as u64;
    let digits = format!("{}", whole as u64);
    let mut out = String::new();
    if v < 0.0 && rounded > 0.0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    if frac > 0 {
        let f = format!("{frac:0decimals$}");
        out.push(',');
        out.push_str(f.trim_end_matches('0'));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_the_vietnamese_way() {
        assert_eq!(number(0.0, 0), "0");
        assert_eq!(number(1_234_567.0, 0), "1.234.567");
        assert_eq!(number(-1500.0, 2), "-1.500");
        assert_eq!(number(2.5, 2), "2,5");
        assert_eq!(number(1234.567, 2), "1.234,57");
        assert_eq!(number(-0.001, 2), "0");
        assert_eq!(number(1e15, 0), "1.000.000.000.000.000");
    }

    #[test]
    fn long_labels_are_cut_without_splitting_letters() {
        assert_eq!(truncate("Hà Nội", 10), ("Hà Nội".into(), false));
        let (cut, was) = truncate("Thành phố Hồ Chí Minh", 8);
        assert!(was);
        assert_eq!(cut, "Thành p…");
        // A decomposed letter keeps its mark.
        let (cut, _) = truncate("Nghe\u{302}\u{301} An xa", 5);
        assert_eq!(cut, "Nghe\u{302}\u{301}…");
    }

    #[test]
    fn escaping_drops_what_xml_forbids() {
        assert_eq!(
            esc("A & B <C> \"d\" 'e'\u{1}"),
            "A &amp; B &lt;C&gt; &quot;d&quot; &#39;e&#39;"
        );
    }
}
