//! Codes of org units: `VN` for the central office, the official 2-digit province and 5-digit
//! commune codes of the General Statistics Office, and `{parent}-{n}` for branches, which have
//! no official code (for example `00004-3`, or `01-12` for a branch directly under a province).

use crate::Invalid;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct UnitCode(String);

pub const CENTRAL: &str = "VN";

const BAD: Invalid = Invalid::new(
    "Mã đơn vị không hợp lệ: dùng VN, 2 chữ số (tỉnh), 3 chữ số (huyện cũ), 5 chữ số (xã) hoặc mã chi hội dạng 00004-3",
    "Invalid unit code: use VN, 2 digits (province), 3 digits (old district), 5 digits (commune) or a branch code like 00004-3",
);

fn all_digits(s: &str, len: std::ops::RangeInclusive<usize>) -> bool {
    len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

impl UnitCode {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        let ok = s == CENTRAL
            || all_digits(s, 2..=2)
            || all_digits(s, 3..=3)
            || all_digits(s, 5..=5)
            || match s.split_once('-') {
                Some((parent, n)) => {
                    (all_digits(parent, 2..=2) || all_digits(parent, 5..=5))
                        && all_digits(n, 1..=6)
                        && !n.starts_with('0')
                }
                None => false,
            };
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(BAD)
        }
    }

    /// The official province code, zero-padded (the CSV carries `1` for Hà Nội).
    pub fn province(n: u32) -> Result<Self, Invalid> {
        if (1..=99).contains(&n) {
            Ok(Self(format!("{n:02}")))
        } else {
            Err(BAD)
        }
    }

    /// The official district code (before 1 July 2025), zero-padded to 3 digits.
    pub fn district(n: u32) -> Result<Self, Invalid> {
        if (1..=999).contains(&n) {
            Ok(Self(format!("{n:03}")))
        } else {
            Err(BAD)
        }
    }

    /// The official commune code, zero-padded to 5 digits.
    pub fn commune(n: u32) -> Result<Self, Invalid> {
        if (1..=99_999).contains(&n) {
            Ok(Self(format!("{n:05}")))
        } else {
            Err(BAD)
        }
    }

    /// The code of the `n`-th branch opened under `parent`.
    pub fn branch(parent: &UnitCode, n: u32) -> Result<Self, Invalid> {
        if parent.is_branch() || parent.0 == CENTRAL || n == 0 || n > 999_999 {
            return Err(BAD);
        }
        Ok(Self(format!("{}-{n}", parent.0)))
    }

    pub fn is_branch(&self) -> bool {
        self.0.contains('-')
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UnitCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_codes() {
        for ok in ["VN", "01", "916", "00004", "00004-3", "01-12", " 79 "] {
            assert!(UnitCode::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "1", "0001", "0004", "000004", "00004-", "00004-0", "00004-03", "VN-1", "ab",
            "01-1-2", "０１",
        ] {
            assert!(UnitCode::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(UnitCode::province(1).map(|c| c.0), Ok("01".into()));
        assert_eq!(UnitCode::commune(4).map(|c| c.0), Ok("00004".into()));
        assert_eq!(UnitCode::district(1).map(|c| c.0), Ok("001".into()));
    }

    proptest! {
        #[test]
        fn parse_never_panics_and_roundtrips(s in "\\PC{0,12}") {
            if let Ok(code) = UnitCode::parse(&s) {
                prop_assert_eq!(UnitCode::parse(code.as_str()), Ok(code.clone()));
                prop_assert!(code.as_str().is_ascii());
            }
        }

        #[test]
        fn generated_codes_parse(p in 1u32..=99, c in 1u32..=99_999, n in 1u32..=999_999) {
            let prov = UnitCode::province(p).expect("valid province");
            let com = UnitCode::commune(c).expect("valid commune");
            prop_assert_eq!(UnitCode::parse(prov.as_str()), Ok(prov.clone()));
            prop_assert_eq!(UnitCode::parse(com.as_str()), Ok(com.clone()));
            let b = UnitCode::branch(&com, n).expect("valid branch");
            prop_assert!(b.is_branch());
            prop_assert_eq!(UnitCode::parse(b.as_str()), Ok(b.clone()));
            prop_assert!(UnitCode::branch(&b, n).is_err());
        }
    }
}
