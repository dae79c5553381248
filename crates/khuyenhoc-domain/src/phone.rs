//! Vietnamese phone numbers, stored in the national form `0xxxxxxxxx`.
//!
//! Accepted input: `0912 345 678`, `0912.345.678`, `+84 912 345 678`, `84912345678`.
//! Mobile numbers have 10 digits and start with 03, 05, 07, 08 or 09; landlines have 11 digits
//! and start with 02.

use crate::Invalid;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PhoneNumber(String);

const BAD: Invalid = Invalid::new(
    "Số điện thoại không hợp lệ (ví dụ: 0912 345 678)",
    "Invalid phone number (for example 0912 345 678)",
);

impl PhoneNumber {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let trimmed = input.trim();
        let (plus, rest) = match trimmed.strip_prefix('+') {
            Some(r) => (true, r),
            None => (false, trimmed),
        };
        let mut digits = String::with_capacity(12);
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '.' | '-' | '(' | ')' => {}
                _ => return Err(BAD),
            }
        }
        let national = if let Some(r) = digits.strip_prefix("84").filter(|r| r.len() >= 9) {
            format!("0{r}")
        } else if plus {
            return Err(BAD);
        } else {
            digits
        };
        let b = national.as_bytes();
        let mobile =
            b.len() == 10 && b[0] == b'0' && matches!(b[1], b'3' | b'5' | b'7' | b'8' | b'9');
        let landline = b.len() == 11 && b[0] == b'0' && b[1] == b'2';
        if mobile || landline {
            Ok(Self(national))
        } else {
            Err(BAD)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn forms_of_one_number_agree() {
        for s in [
            "0912345678",
            "0912 345 678",
            "0912.345.678",
            "+84 912 345 678",
            "84912345678",
            "+84-912-345-678",
        ] {
            assert_eq!(
                PhoneNumber::parse(s).map(|p| p.0),
                Ok("0912345678".to_string()),
                "{s}"
            );
        }
        assert!(PhoneNumber::parse("02439876543").is_ok());
    }

    #[test]
    fn rejects_bad_numbers() {
        for s in [
            "",
            "abc",
            "091234567",
            "09123456789",
            "0112345678",
            "+1 912 345 678",
            "0912345678x",
            "+0912345678",
        ] {
            assert!(PhoneNumber::parse(s).is_err(), "{s}");
        }
    }

    proptest! {
        #[test]
        fn never_panics_and_normalises(s in "\\PC{0,20}") {
            if let Ok(p) = PhoneNumber::parse(&s) {
                prop_assert!(p.0.starts_with('0'));
                prop_assert!(p.0.len() == 10 || p.0.len() == 11);
                prop_assert_eq!(PhoneNumber::parse(&p.0), Ok(p.clone()));
            }
        }

        #[test]
        fn valid_mobiles_accepted_in_every_form(prefix in prop::sample::select(vec!['3','5','7','8','9']), rest in "[0-9]{8}") {
            let national = format!("0{prefix}{rest}");
            let intl = format!("+84 {prefix}{rest}");
            prop_assert_eq!(PhoneNumber::parse(&national).map(|p| p.0), Ok(national.clone()));
            prop_assert_eq!(PhoneNumber::parse(&intl).map(|p| p.0), Ok(national));
        }
    }
}
