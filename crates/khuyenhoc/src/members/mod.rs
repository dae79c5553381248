//! Members (hội viên): the register bound to branches, transfers between branches with their
//! history, status (active, left, deceased), the sectors the Association wants to grow, fees
//! posted as ledger receipts of the branch's fund, the population of each unit by year (for the
//! share of the population who are members), and the import of a member list from Excel.
//!
//! Invariants:
//! - A person is a member at most once (unique index `members_person`); a second registration
//!   is refused with the branch where they already are (named only when the viewer reads it).
//! - A member belongs to an open unit of level `branch`; a card number, when given, is unique
//!   among the members of the branch's parent unit (the commune).
//! - Every insert, status change, sector change and transfer moves the live counters
//!   (`reports::counters::member_changed`) in the same transaction, and writes an audit entry.
//! - Writes need `member.manage` over the member's branch (over the source branch for a
//!   transfer: the target may be any open branch in the country). A fee is money in a fund's
//!   books, so it needs `fund.post` on the fund, like every other posting. Outside the viewer's
//!   scope a member answers 404.

pub mod api;
pub mod bulk;
pub mod export;
pub mod import;
pub mod list;
pub mod model;
pub mod pages;
pub mod service;

/// The sectors the Association wants to grow, stored as space-separated codes:
/// (code, Vietnamese, English).
pub const SECTORS: &[(&str, &str, &str)] = &[
    ("university", "Đại học", "Universities"),
    ("enterprise", "Doanh nghiệp", "Enterprises"),
    ("armed_forces", "Lực lượng vũ trang", "Armed forces"),
    ("party", "Đảng viên", "Party members"),
];

/// Member statuses: (code, Vietnamese, English).
pub const STATUSES: &[(&str, &str, &str)] = &[
    ("active", "Đang sinh hoạt", "Active"),
    ("left", "Đã ra khỏi Hội", "Left"),
    ("deceased", "Đã mất", "Deceased"),
];

/// The labels of a sector code.
pub fn sector_labels(code: &str) -> Option<(&'static str, &'static str)> {
    SECTORS.iter().find(|s| s.0 == code).map(|s| (s.1, s.2))
}

/// The labels of a status code.
pub fn status_labels(code: &str) -> (&'static str, &'static str) {
    STATUSES
        .iter()
        .find(|s| s.0 == code)
        .map_or(("", ""), |s| (s.1, s.2))
}

/// A sector typed by a person: its code or its label in either language, accents, case and
/// spacing ignored ("Đảng viên", "dang vien", "party", "Armed forces").
pub fn sector_of(typed: &str) -> Option<&'static str> {
    let f = khuyenhoc_domain::text::fold(typed).replace(['_', '-'], " ");
    let f = f.split_whitespace().collect::<Vec<_>>().join(" ");
    SECTORS
        .iter()
        .find(|(code, vi, en)| {
            [
                code.replace('_', " "),
                khuyenhoc_domain::text::fold(vi),
                khuyenhoc_domain::text::fold(en),
            ]
            .contains(&f)
        })
        .map(|s| s.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sectors_are_recognised_however_typed() {
        assert_eq!(sector_of("Đảng viên"), Some("party"));
        assert_eq!(sector_of("dang vien"), Some("party"));
        assert_eq!(sector_of("ĐẠI HỌC"), Some("university"));
        assert_eq!(sector_of("armed_forces"), Some("armed_forces"));
        assert_eq!(sector_of("Lực lượng vũ trang"), Some("armed_forces"));
        assert_eq!(sector_of(" Enterprises "), Some("enterprise"));
        assert_eq!(sector_of("nông dân"), None);
    }
}
