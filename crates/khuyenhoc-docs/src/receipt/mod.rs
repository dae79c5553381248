//! The receipt voucher ("phiếu thu") and payment voucher ("phiếu chi") of a study-promotion
//! fund, laid out like the paper vouchers of Vietnamese bookkeeping: the unit at the top left,
//! "PHIẾU THU" / "PHIẾU CHI" with the date and the voucher number, the lines filled in (who
//! paid or was paid, address, reason, the amount in figures and in words), the two signature
//! places. A5 landscape; a voucher whose long texts do not fit there goes onto A4 portrait
//! (same width, so the lines wrap the same way).
//!
//! [`amount_in_words`] and [`format_amount`] are public: the web pages show an amount the way
//! the voucher prints it.
//!
//! One file per step: `clean` (every text checked), `words` (amounts in words and figures),
//! `plan` (where everything goes, which decides the page size), `draw` (the page drawn).

mod clean;
mod draw;
mod plan;
mod words;

use chrono::NaiveDate;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::Document;

use crate::layout::{Fonts, Pen};
use crate::DocError;
use draw::{body, header, signatures};
use plan::{plan, PAGE_W};

pub use words::{amount_in_words, format_amount};

/// Whether money came into the fund or went out of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReceiptKind {
    /// "Phiếu thu": a donation or other money received.
    Receipt,
    /// "Phiếu chi": a scholarship, a prize or another payment made.
    Payment,
}

impl ReceiptKind {
    pub(super) fn title(self) -> &'static str {
        match self {
            Self::Receipt => "PHIẾU THU",
            Self::Payment => "PHIẾU CHI",
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Receipt => "Phiếu thu",
            Self::Payment => "Phiếu chi",
        }
    }

    pub(super) fn party_label(self) -> &'static str {
        match self {
            Self::Receipt => "Họ và tên người nộp tiền:",
            Self::Payment => "Họ và tên người nhận tiền:",
        }
    }

    pub(super) fn reason_label(self) -> &'static str {
        match self {
            Self::Receipt => "Lý do nộp:",
            Self::Payment => "Lý do chi:",
        }
    }

    pub(super) fn party_signs(self) -> &'static str {
        match self {
            Self::Receipt => "Người nộp tiền",
            Self::Payment => "Người nhận tiền",
        }
    }
}

/// What a voucher says. Plain data; every text is cleaned (NFC, whitespace collapsed) before
/// it is drawn, so callers may pass text as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The fund, e.g. "Quỹ Khuyến học - Khuyến tài".
    pub fund_name: String,
    /// The unit that keeps the fund, e.g. "Hội Khuyến học Phường Ba Đình".
    pub unit_name: String,
    /// The unit's province (or centrally governed city), e.g. "Thành phố Hà Nội".
    pub province_name: String,
    /// The voucher number, e.g. "PT-2025-000123".
    pub voucher_no: String,
    pub kind: ReceiptKind,
    /// The day the money changed hands.
    pub date: NaiveDate,
    /// Who paid (a receipt) or was paid (a payment); "Ẩn danh" for an anonymous donor, whose
    /// signature place is then left without a name.
    pub party_name: String,
    pub party_address: Option<String>,
    /// Why the money was paid, e.g. "Ủng hộ Quỹ Khuyến học năm 2025".
    pub reason: String,
    /// The amount in whole đồng, more than 0 and at most 10^15.
    pub amount: i64,
    /// For a gift in kind: what was given and how it was valued.
    pub in_kind_note: Option<String>,
    /// The treasurer ("thủ quỹ") who signs.
    pub treasurer_name: String,
    /// When a reversing entry cancelled this voucher: the line saying so, e.g. "Phiếu này đã
    /// bị hủy bởi bút toán đảo PC-2025-000130 ngày 22/12/2025". Printed in red in a box under
    /// the title.
    pub reversed: Option<String>,
}

/// The largest amount a voucher takes: 10^15 đồng.
const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

/// The voucher as a one-page PDF: A5 landscape, or A4 portrait when long texts do not fit.
///
/// # Errors
/// [`DocError::Invalid`] when a required text is empty, a text is too long, the amount is not
/// in 1..=10^15 or the date's year is not in 1990..=2200; [`DocError::Pdf`] if the PDF writer
/// fails.
pub fn receipt_pdf(receipt: &Receipt) -> Result<Vec<u8>, DocError> {
    let c = clean::clean(receipt)?;
    let fonts = Fonts::load()?;
    let plan = plan(&fonts, &c);
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(format!("{} {} - {}", c.kind.name(), c.number, c.unit))
            .language("vi".into())
            .creator("khuyenhoc".into()),
    );
    let settings = PageSettings::from_wh(PAGE_W, plan.page_h)
        .ok_or_else(|| DocError::Pdf("page size".into()))?;
    let mut page = doc.start_page_with(settings);
    let mut surface = page.surface();
    let mut pen = Pen {
        surface: &mut surface,
        fonts: &fonts,
    };
    header(&mut pen, &c, &plan);
    body(&mut pen, &plan);
    signatures(&mut pen, &plan);
    surface.finish();
    page.finish();
    doc.finish().map_err(|e| DocError::Pdf(format!("{e:?}")))
}
