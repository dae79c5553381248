//! Vietnamese text: storage in NFC, and the folded form used for search.
//!
//! The official list mixes accent placement ("Hoà" and "Hòa"); folding removes every mark so
//! both match, and maps "đ"/"Đ" (which Unicode does not decompose) to "d".

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The text in Unicode NFC with surrounding whitespace trimmed and inner runs of whitespace
/// collapsed to one space.
pub fn clean(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Narrative text in NFC: each line cleaned like [`clean`], paragraphs kept (runs of blank lines
/// become one), Windows line ends normalised.
pub fn clean_multiline(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    let mut out: Vec<String> = vec![];
    for line in nfc.lines() {
        let l = line.split_whitespace().collect::<Vec<_>>().join(" ");
        if l.is_empty() && out.last().is_none_or(String::is_empty) {
            continue;
        }
        out.push(l);
    }
    while out.last().is_some_and(String::is_empty) {
        out.pop();
    }
    out.join("\n")
}

/// Lowercase, marks removed, "đ" → "d", whitespace collapsed: the search key of a name.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'đ' | 'Đ' => out.push('d'),
            c => out.extend(c.to_lowercase()),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accent_placements_and_case_fold_alike() {
        let want = "hoa binh";
        for s in [
            "hoa binh",
            "Hòa Bình",
            "HÒA BÌNH",
            "Hoà Bình",
            "  Hoà   Bình ",
        ] {
            assert_eq!(fold(s), want, "{s}");
        }
        assert_eq!(fold("Đà Nẵng"), "da nang");
        assert_eq!(fold("ĐỨC"), "duc");
        assert_eq!(fold("Phường Ba Đình"), "phuong ba dinh");
    }

    #[test]
    fn clean_gives_nfc() {
        let decomposed = "Ho\u{0061}\u{0300} Bi\u{0300}nh";
        let c = clean(decomposed);
        assert_eq!(c, "Ho\u{e0} B\u{ec}nh");
        assert!(c.chars().all(|ch| !is_combining_mark(ch)));
    }

    proptest! {
        #[test]
        fn fold_is_idempotent_and_ascii_for_vietnamese(s in "[a-zA-ZàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđĐÀÁÂĂÊÔƠƯ ]{0,40}") {
            let f = fold(&s);
            prop_assert_eq!(fold(&f), f.clone());
            prop_assert!(f.is_ascii());
            prop_assert_eq!(fold(&s.to_uppercase()), f);
        }
    }
}
