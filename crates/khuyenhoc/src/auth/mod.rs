//! Who is asking: sessions (cookie), personal API tokens (bearer), passwords, the login
//! throttle and CSRF protection. The resolved [`Viewer`] carries the positions the person holds
//! now, and every scope check is a question to it.

pub mod client;
pub mod csrf;
pub mod password;
pub mod session;
pub mod throttle;
mod viewer;

use axum_extra::extract::cookie::Cookie;
use axum_extra::extract::CookieJar;
pub use csrf::CsrfToken;
pub(crate) use viewer::level_of;
pub use viewer::{
    held_positions, resolve_viewer, ApiViewer, HeldPosition, InScope, OptionalViewer, Viewer,
};

/// Rights a position type can carry. A right held at a unit covers the unit's whole subtree.
pub mod perm {
    pub const UNIT_MANAGE: &str = "unit.manage";
    pub const POSITION_MANAGE: &str = "position.manage";
    pub const PERSON_MANAGE: &str = "person.manage";
    pub const AUDIT_READ: &str = "audit.read";
    pub const CLUSTER_MANAGE: &str = "cluster.manage";
    pub const POSITION_TYPE_MANAGE: &str = "position_type.manage";
    /// Enter or change an evaluation for someone (acting on their behalf).
    pub const EVALUATION_ENTER: &str = "evaluation.enter";
    /// Check a submitted evaluation (branch level and above).
    pub const EVALUATION_CHECK: &str = "evaluation.check";
    /// Review, recognise, return, and revoke certificates (only from a commune or higher unit).
    pub const EVALUATION_RECOGNISE: &str = "evaluation.recognise";
    /// Make and edit province variants of criteria sets (province or central units only).
    pub const CRITERIA_MANAGE: &str = "criteria.manage";
    /// Record donations, payments, transfers and reversals in a fund's books.
    pub const FUND_POST: &str = "fund.post";
    /// Open funds, run scholarship and award programmes, publish transparency pages.
    pub const FUND_MANAGE: &str = "fund.manage";
    /// Nominate people for a programme of a fund above.
    pub const PROGRAMME_NOMINATE: &str = "programme.nominate";
    /// Register members, record their fees, transfers and status, and the unit's population.
    pub const MEMBER_MANAGE: &str = "member.manage";
    /// Fill in and submit the unit's own half-year and year reports.
    pub const REPORT_SUBMIT: &str = "report.submit";
    /// Return or accept the reports of the units below; edit the province's report indicators.
    pub const REPORT_REVIEW: &str = "report.review";
    /// Draft, issue, recall and forward documents; acknowledge and answer those received.
    pub const DOCUMENT_ISSUE: &str = "document.issue";

    /// The deepest level at which a position may use `right`. Recognising, returning and
    /// revoking (`evaluation.recognise`) need a commune or higher; every other right works at
    /// any level. [`Viewer::position_for`](super::Viewer::position_for) applies it, so every
    /// page, API and service asks the same question.
    pub fn deepest_level(right: &str) -> khuyenhoc_domain::Level {
        use khuyenhoc_domain::Level;
        if right == EVALUATION_RECOGNISE {
            Level::Commune
        } else {
            Level::Branch
        }
    }

    /// A right in words (Vietnamese, English), for pages; `None` for a code the program does
    /// not know.
    pub fn name(right: &str) -> Option<(&'static str, &'static str)> {
        Some(match right {
            UNIT_MANAGE => ("Quản lý đơn vị", "Manage units"),
            POSITION_MANAGE => ("Bổ nhiệm, bàn giao chức vụ", "Manage positions"),
            PERSON_MANAGE => ("Quản lý hồ sơ cá nhân", "Manage people"),
            AUDIT_READ => ("Xem nhật ký thay đổi", "Read the audit log"),
            CLUSTER_MANAGE => ("Quản lý cụm thi đua", "Manage clusters"),
            POSITION_TYPE_MANAGE => ("Định nghĩa loại chức danh", "Define position types"),
            EVALUATION_ENTER => ("Nhập hồ sơ đánh giá thay người dân", "Enter evaluations"),
            EVALUATION_CHECK => ("Kiểm tra hồ sơ đánh giá", "Check evaluations"),
            EVALUATION_RECOGNISE => ("Xét, công nhận, thu hồi danh hiệu", "Recognise and revoke"),
            CRITERIA_MANAGE => ("Quản lý bộ tiêu chí của tỉnh", "Manage criteria variants"),
            FUND_POST => ("Ghi sổ quỹ", "Post to funds"),
            FUND_MANAGE => ("Quản lý quỹ và chương trình", "Manage funds and programmes"),
            PROGRAMME_NOMINATE => ("Đề cử vào chương trình", "Nominate for programmes"),
            MEMBER_MANAGE => ("Quản lý hội viên", "Manage members"),
            REPORT_SUBMIT => ("Lập và nộp báo cáo", "Submit reports"),
            REPORT_REVIEW => ("Duyệt báo cáo cấp dưới", "Review reports below"),
            DOCUMENT_ISSUE => (
                "Soạn, phát hành và xử lý văn bản",
                "Issue and handle documents",
            ),
            _ => return None,
        })
    }

    pub const ALL: &[&str] = &[
        UNIT_MANAGE,
        POSITION_MANAGE,
        PERSON_MANAGE,
        AUDIT_READ,
        CLUSTER_MANAGE,
        POSITION_TYPE_MANAGE,
        EVALUATION_ENTER,
        EVALUATION_CHECK,
        EVALUATION_RECOGNISE,
        CRITERIA_MANAGE,
        FUND_POST,
        FUND_MANAGE,
        PROGRAMME_NOMINATE,
        MEMBER_MANAGE,
        REPORT_SUBMIT,
        REPORT_REVIEW,
        DOCUMENT_ISSUE,
    ];
}

/// The cookies of a new session: its id, and the CSRF token bound to it (the token rotates with
/// every login and password change).
pub fn begin_session(jar: CookieJar, token: String, secure: bool, hours: i64) -> CookieJar {
    let csrf = csrf::for_session(&token);
    jar.add(session::cookie(token, secure, hours))
        .add(csrf::cookie(csrf, secure))
}

/// The cookies removed at logout; the next page gets a fresh CSRF token.
pub fn end_session(jar: CookieJar, secure: bool) -> CookieJar {
    // A `__Host-` cookie is only accepted, removal included, with `Secure` and path `/`.
    jar.remove(
        Cookie::build(session::cookie_name(secure))
            .path("/")
            .secure(secure),
    )
    .remove(
        Cookie::build(csrf::cookie_name(secure))
            .path("/")
            .secure(secure),
    )
}

/// A random secret as 64 hex characters.
pub fn random_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// How secrets (session ids, API tokens) are stored: SHA-256, hex.
pub fn secret_hash(secret: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

/// Constant-time comparison of two secrets.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}
