//! Columns: Excel's letters, header texts matched whatever their accents and case, and the line
//! every import shows for a problem of a row ("Dòng 5, cột B (Số điện thoại): …").

use khuyenhoc_domain::text::fold;

/// Excel's column letters: 0 → A, 25 → Z, 26 → AA.
pub fn col_letter(mut c: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(char::from(b'A' + u8::try_from(c % 26).unwrap_or(0)));
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.iter().rev().collect()
}

/// A header's text before any "(…)" or "[…]", folded (lowercase, no marks, "đ" → "d"):
/// "Nhóm đối tượng (mã)" → "nhom doi tuong".
pub fn base(header: &str) -> String {
    let cut = header.find(['(', '[']).unwrap_or(header.len());
    fold(header.get(..cut).unwrap_or(header)).trim().to_owned()
}

/// Whether a header names a column: its folded text starts with the folded Vietnamese name, or
/// equals the folded English one ("HO VA TEN", "Ngày vào hội (dd/mm/yyyy)", "Phone").
pub fn names(header: &str, vi: &str, en: &str) -> bool {
    let h = fold(header);
    h.starts_with(&fold(vi)) || h == fold(en)
}

/// One reason a row is refused, as a line in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub vi: String,
    pub en: String,
}

impl Problem {
    /// "Dòng {row}, cột {letter} ({column's name}): {message}", or "Dòng {row}: {message}" for a
    /// problem of the whole row. `col` is (column, Vietnamese name, English name).
    pub fn at(row: u32, col: Option<(u32, &str, &str)>, vi: &str, en: &str) -> Problem {
        match col {
            Some((c, a, b)) => Problem {
                vi: format!("Dòng {row}, cột {} ({a}): {vi}", col_letter(c)),
                en: format!("Row {row}, column {} ({b}): {en}", col_letter(c)),
            },
            None => Problem {
                vi: format!("Dòng {row}: {vi}"),
                en: format!("Row {row}: {en}"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(col_letter(0), "A");
        assert_eq!(col_letter(25), "Z");
        assert_eq!(col_letter(26), "AA");
        assert_eq!(col_letter(27), "AB");
        assert_eq!(col_letter(701), "ZZ");
        assert_eq!(col_letter(702), "AAA");
        assert_eq!(col_letter(16_383), "XFD");
    }

    #[test]
    fn headers_and_lines() {
        assert_eq!(base("Nhóm đối tượng (mã)"), "nhom doi tuong");
        assert_eq!(base("SỐ ĐIỆN THOẠI"), "so dien thoai");
        assert!(names("HO VA TEN", "Họ và tên", "Full name"));
        assert!(names("Phone", "Số điện thoại", "Phone"));
        assert!(!names("STT", "Họ và tên", "Full name"));
        let p = Problem::at(4, Some((2, "Giới tính", "Gender")), "sai", "wrong");
        assert_eq!(p.vi, "Dòng 4, cột C (Giới tính): sai");
        assert_eq!(p.en, "Row 4, column C (Gender): wrong");
        assert_eq!(Problem::at(9, None, "x", "y").vi, "Dòng 9: x");
    }
}
