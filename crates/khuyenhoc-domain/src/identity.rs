//! A person's identity fields: name, email, national ID number (shown masked).

use crate::text::clean;
use crate::Invalid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let c = clean(s);
        let n = c.chars().count();
        if n == 0 || n > 100 || c.chars().any(|ch| ch.is_control() || ch.is_ascii_digit()) {
            return Err(Invalid::new(
                "Họ và tên phải có từ 1 đến 100 ký tự, không chứa chữ số",
                "Full name must have 1 to 100 characters and no digits",
            ));
        }
        Ok(Self(c))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim().to_lowercase();
        let ok = match s.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
                    && s.len() <= 254
                    && !s.chars().any(|c| c.is_whitespace() || c.is_control())
            }
            None => false,
        };
        if ok {
            Ok(Self(s))
        } else {
            Err(Invalid::new(
                "Địa chỉ email không hợp lệ",
                "Invalid email address",
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A citizen identity card number (12 digits, CCCD) or an old ID card number (9 digits, CMND).
#[derive(Clone, PartialEq, Eq)]
pub struct NationalId(String);

impl NationalId {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let d: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        if (d.len() == 12 || d.len() == 9) && d.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(d))
        } else {
            Err(Invalid::new(
                "Số CCCD phải có 12 chữ số (hoặc CMND 9 chữ số)",
                "National ID must have 12 digits (or 9 for the old card)",
            ))
        }
    }

    /// The full number, for storage only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Masks a stored ID number: the first 4 and last 2 digits stay, e.g. `0012******89`.
pub fn mask_national_id(full: &str) -> String {
    let n = full.chars().count();
    if n <= 6 {
        return "*".repeat(n);
    }
    full.chars()
        .enumerate()
        .map(|(i, c)| if i < 4 || i >= n - 2 { c } else { '*' })
        .collect()
}

impl std::fmt::Debug for NationalId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NationalId({})", mask_national_id(&self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn masks_like_the_brief() {
        assert_eq!(mask_national_id("001234567889"), "0012******89");
        assert_eq!(
            format!("{:?}", NationalId::parse("001234567889")),
            "Ok(NationalId(0012******89))"
        );
        assert!(NationalId::parse("12345").is_err());
    }

    #[test]
    fn names_and_emails() {
        assert_eq!(
            PersonName::parse("  Nguyễn   Văn An ").map(|n| n.0),
            Ok("Nguyễn Văn An".into())
        );
        assert!(PersonName::parse("").is_err());
        assert!(PersonName::parse("An 2").is_err());
        assert!(EmailAddress::parse("a@b.vn").is_ok());
        assert!(EmailAddress::parse("a@b").is_err());
        assert!(EmailAddress::parse("a b@c.vn").is_err());
    }

    proptest! {
        #[test]
        fn mask_hides_the_middle(id in "[0-9]{12}") {
            let m = mask_national_id(&id);
            prop_assert_eq!(m.len(), 12);
            prop_assert_eq!(&m[..4], &id[..4]);
            prop_assert_eq!(&m[10..], &id[10..]);
            prop_assert_eq!(&m[4..10], "******");
        }
    }
}
