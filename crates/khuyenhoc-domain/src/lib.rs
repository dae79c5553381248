//! Pure domain rules of khuyenhoc. Nothing here does IO or knows SQL or HTTP: every type is
//! parsed once at the edge (`TryFrom` / `parse`) and trusted everywhere below.

pub mod identity;
pub mod limits;
pub mod org;
pub mod phone;
pub mod text;
pub mod unit_code;

pub use identity::{EmailAddress, NationalId, PersonName};
pub use limits::Limit;
pub use org::{BranchKind, Gender, Level};
pub use phone::PhoneNumber;
pub use unit_code::UnitCode;

/// An error message in Vietnamese first, English second. Domain parsers return it so the web
/// edge can show it beside the field that caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub vi: &'static str,
    pub en: &'static str,
}

impl Invalid {
    pub const fn new(vi: &'static str, en: &'static str) -> Self {
        Self { vi, en }
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.vi, self.en)
    }
}

impl std::error::Error for Invalid {}
