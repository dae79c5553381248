//! Generated documents of khuyenhoc. Pure functions from plain data to bytes or JSON: no
//! database, no HTTP, no clock, no file system (the fonts are compiled in).
//!
//! - [`certificate_pdf`]: the "Công dân học tập" (Learning Citizen) certificate, A4 landscape,
//!   with a QR code that opens the public verify page.
//! - [`blank_form_pdf`]: the paper self-assessment form of one criteria group, A4 portrait,
//!   for people who fill it in by hand.
//! - [`issue_badge`] / [`verify_badge`]: the same recognition as an Open Badges 3.0
//!   credential signed with Ed25519 (Data Integrity, cryptosuite `eddsa-rdfc-2022` over the bundled
//!   JSON-LD contexts; `eddsa-jcs-2022` proofs of earlier versions still verify), shaped by
//!   the types of `credential` ([`SignedCredential`]).
//! - [`sign_document`] / [`verify_presentation`]: any document (the lifelong-learning record's
//!   summary credential and Verifiable Presentation) under an `eddsa-rdfc-2022` proof.
//! - [`receipt_pdf`]: the receipt or payment voucher ("phiếu thu" / "phiếu chi") of a
//!   study-promotion fund, A5 landscape, with the amount in figures ([`format_amount`]) and in
//!   Vietnamese words ([`amount_in_words`]).
//! - [`admin_doc_pdf`]: an administrative document (a half-year or year report, a briefing
//!   pack) laid out as Decree 30/2020/NĐ-CP prescribes, A4 portrait, as many pages as needed.
//! - [`join_poster_pdf`]: the join poster of a branch or commune, A4 portrait, with a large QR
//!   code of its join link and three plain steps.
//! - [`line_chart`] / [`bar_chart`]: self-contained SVG charts (no script, no external
//!   resource) that scale to a phone's width and print.
//!
//! Every text that goes onto a document is cleaned first ([`khuyenhoc_domain::text::clean`]:
//! Unicode NFC, whitespace collapsed), so a name typed in decomposed form renders and
//! extracts as the composed letters. The PDFs embed Noto Sans (SIL Open Font License, kept in
//! `assets/fonts/` at the repository root) and are shaped with rustybuzz, so stacked Vietnamese
//! marks ("ễ", "ộ") come out right on every machine.

mod admin_doc;
mod badge;
mod certificate;
mod chart;
mod credential;
mod form;
mod jcs;
mod layout;
mod poster;
mod presentation;
mod qr;
mod rdfc;
mod receipt;

pub use admin_doc::{admin_doc_pdf, AdminDoc, Block};
pub use badge::{
    decode_signing_key, decode_verifying_key, encode_signing_key, encode_verifying_key,
    generate_signing_key, issue_badge, proof_verification_method, sign_document, verify_badge,
    verify_proof, BadgeInput, Identity, SigningKey, VerifyingKey, CRYPTOSUITE, JCS_CRYPTOSUITE,
    OB_CONTEXT, UNDEFINED_TERMS_CONTEXT, VC_CONTEXT,
};
pub use certificate::{certificate_pdf, Certificate};
pub use chart::{bar_chart, line_chart, Series};
pub use chrono::NaiveDate;
pub use credential::{
    Achievement, AchievementCriteria, AchievementSubject, Credential, IdentityObject, Profile,
    Proof, SignedCredential, StatusEntry,
};
pub use form::{blank_form_pdf, BlankForm, FormIndicator};
pub use jcs::canonicalize;
pub use khuyenhoc_domain::Invalid;
pub use poster::{join_poster_pdf, JoinPoster, STEPS as JOIN_STEPS};
pub use presentation::{verify_document, verify_presentation};
pub use rdfc::{bundled_contexts, canonical_nquads};
pub use receipt::{amount_in_words, format_amount, receipt_pdf, Receipt, ReceiptKind};

/// Why a document could not be made, or a credential did not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocError {
    /// The input cannot go onto a document (an empty holder name, a verify URL too long for a
    /// QR code, a key string that is not a key, …). Shown to the person who gave it.
    Invalid(Invalid),
    /// The PDF writer failed. Not expected with the bundled fonts; the text says what failed.
    Pdf(String),
    /// The credential is not shaped as we issue it (no proof, another cryptosuite, a proof
    /// value that is not base58btc, …).
    Malformed(Invalid),
    /// The credential is well formed but its proof does not verify with the given key: it was
    /// changed after signing, or another key signed it.
    BadSignature,
    /// The operating system gave no randomness for a new key.
    NoRandomness,
}

impl DocError {
    /// The message in Vietnamese and in English.
    pub fn message(&self) -> (String, String) {
        match self {
            Self::Invalid(i) | Self::Malformed(i) => (i.vi.to_owned(), i.en.to_owned()),
            Self::Pdf(detail) => (
                format!("Không tạo được tệp PDF: {detail}"),
                format!("The PDF could not be written: {detail}"),
            ),
            Self::BadSignature => (
                "Chữ ký số không khớp: chứng nhận đã bị sửa hoặc không do đơn vị này cấp".into(),
                "The signature does not match: the credential was altered or not issued with this key"
                    .into(),
            ),
            Self::NoRandomness => (
                "Hệ điều hành không cấp được số ngẫu nhiên để tạo khóa".into(),
                "The operating system gave no randomness for a new key".into(),
            ),
        }
    }
}

impl From<Invalid> for DocError {
    fn from(i: Invalid) -> Self {
        Self::Invalid(i)
    }
}

impl std::fmt::Display for DocError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (vi, en) = self.message();
        write!(f, "{vi} / {en}")
    }
}

impl std::error::Error for DocError {}

/// A text field of a document: cleaned to NFC with whitespace collapsed, control characters
/// dropped, required (`err` when empty). A text longer than the `max` characters its place
/// holds is cut with an ellipsis rather than refused, so that a text stored before its limit
/// was enforced, or one made of several texts, still prints; people type within the same
/// limits (`khuyenhoc_domain::limits`).
pub(crate) fn field(s: &str, max: usize, err: Invalid) -> Result<String, DocError> {
    let c = khuyenhoc_domain::limits::fit(s, max);
    if c.is_empty() {
        return Err(DocError::Invalid(err));
    }
    Ok(c)
}

/// `dd/mm/yyyy`, the way dates are written in Vietnamese documents.
pub(crate) fn date_vn(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year())
}
