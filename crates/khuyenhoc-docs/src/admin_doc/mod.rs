//! An administrative document ("văn bản hành chính") laid out as Decree 30/2020/NĐ-CP
//! prescribes: A4 portrait, margins 20 mm top and bottom, 30 mm left, 15 mm right; the issuing
//! body and the number at the top left, the national name and motto with the place and date at
//! the top right; the kind of document and its summary centred; the body (headings, justified
//! paragraphs with a first-line indent, tables whose header row repeats on every page they run
//! onto); the recipients ("Nơi nhận:") at the bottom left and the signature block at the bottom
//! right, kept together; page numbers at the top centre from page 2 on.
//!
//! Used for the half-year and year reports ("Báo cáo") and the cluster briefing pack. The
//! embedded fonts are Noto Sans regular and bold; the italics the decree asks for (the place and
//! date, "Nơi nhận:") are drawn slanted.
//!
//!
//! The layout is done in two passes: `flow` places everything onto pages as a list of drawing
//! operations (so page breaks are known before anything is drawn), then each page is drawn.
//! One file per step: `measures` (limits, page geometry, type sizes), `clean` (every text
//! checked, tables wrapped into their columns), `flow` (paragraphs and headings over pages),
//! `head` (the header of the first page), `table` (tables with their header repeated),
//! `closing` (recipients and signature, kept together).

mod clean;
mod closing;
mod flow;
mod head;
mod measures;
mod table;

use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::Document;

use crate::layout::{hex, Fonts, Pen};
use crate::DocError;
use flow::{lay_out, Op};
use measures::{PAGE_H, PAGE_W, RULE, SHADE};

/// A document: plain data. Every text is cleaned (NFC, whitespace collapsed) before it is
/// drawn, so callers may pass text as typed.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminDoc {
    /// The body above the issuer, e.g. "HỘI KHUYẾN HỌC TỈNH PHÚ THỌ"; empty for the central
    /// level. Drawn in capitals.
    pub parent_issuer: String,
    /// The issuer, e.g. "HỘI KHUYẾN HỌC PHƯỜNG BA ĐÌNH". Drawn bold in capitals with a short
    /// rule under it.
    pub issuer: String,
    /// The number and symbol, e.g. "12/BC-KH", printed "Số: 12/BC-KH". Only the symbol
    /// ("/BC-KH") leaves room to write the number by hand ("Số:      /BC-KH"); empty prints
    /// "Số:      /BC-KH".
    pub number_symbol: String,
    /// The place of issue, e.g. "Hà Nội".
    pub place: String,
    /// The date of issue (year, month, day), printed "Hà Nội, ngày 28 tháng 11 năm 2026".
    pub date: (i32, u32, u32),
    /// The kind of document, e.g. "BÁO CÁO". Drawn bold in capitals.
    pub title: String,
    /// The summary under the title, e.g. "Kết quả công tác khuyến học 6 tháng đầu năm 2026";
    /// may be empty.
    pub subtitle: String,
    /// The body, in order. Blank headings and paragraphs are left out.
    pub blocks: Vec<Block>,
    /// The recipients, e.g. "Như trên", "Thường trực Hội Khuyến học tỉnh". Printed "- X;"
    /// under "Nơi nhận:"; "- Lưu: VT." closes the list unless one of them starts with "Lưu".
    pub recipients: Vec<String>,
    /// The capacity in which the signer signs, e.g. "TM. BAN THƯỜNG VỤ"; may be empty.
    pub signer_capacity: String,
    /// The signer's position, e.g. "CHỦ TỊCH".
    pub signer_title: String,
    /// The signer's full name, printed under the room to sign.
    pub signer_name: String,
}

/// One piece of the body.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A bold heading, e.g. "I. KẾT QUẢ THỰC HIỆN NHIỆM VỤ".
    Heading(String),
    /// A justified paragraph with a first-line indent.
    Paragraph(String),
    /// A table with borders. Every row has as many cells as there are headers; `widths` are
    /// relative column widths (empty: all equal); `numeric` marks right-aligned columns
    /// (empty: none).
    Table {
        headers: Vec<String>,
        rows: Vec<Vec<String>>,
        widths: Vec<f32>,
        numeric: Vec<bool>,
    },
}

fn draw(pen: &mut Pen<'_, '_>, ops: &[Op]) {
    let rule = hex(RULE);
    for op in ops {
        match op {
            Op::Text { style, x, y, text } => {
                pen.text(*style, *x, *y, text);
            }
            Op::Justified {
                style,
                x,
                y,
                width,
                text,
            } => pen.justified(*style, *x, *y, *width, text),
            Op::Line { x1, y1, x2, y2 } => pen.line(*x1, *y1, *x2, *y2, 0.7, rule, false),
            Op::Frame { x, y, w, h } => pen.stroke_rect(*x, *y, *w, *h, 0.7, rule),
            Op::Shade { x, y, w, h } => pen.fill_rect(*x, *y, *w, *h, hex(SHADE)),
        }
    }
}

/// The document as a PDF: A4 portrait, as many pages as the body needs.
///
/// # Errors
/// [`DocError::Invalid`] when the issuer, place, title, signer's position or name is empty, a
/// text is too long, the date is not a date (or its year not in 1990..=2200), or a table is
/// malformed (no columns or more than 12, a row with another number of cells, a width that is
/// not a positive number); [`DocError::Pdf`] if the PDF writer fails.
pub fn admin_doc_pdf(doc: &AdminDoc) -> Result<Vec<u8>, DocError> {
    let fonts = Fonts::load()?;
    let c = clean::clean(&fonts, doc)?;
    let pages = lay_out(&fonts, &c);
    let mut pdf = Document::new();
    let title = match &c.subtitle {
        Some(s) => format!("{} - {s}", c.title),
        None => c.title.clone(),
    };
    pdf.set_metadata(
        Metadata::new()
            .title(title)
            .authors(vec![c.issuer.clone()])
            .language("vi".into())
            .creator("khuyenhoc".into()),
    );
    let settings =
        PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| DocError::Pdf("page size".into()))?;
    for ops in &pages {
        let mut page = pdf.start_page_with(settings.clone());
        let mut surface = page.surface();
        let mut pen = Pen {
            surface: &mut surface,
            fonts: &fonts,
        };
        draw(&mut pen, ops);
        surface.finish();
        page.finish();
    }
    pdf.finish().map_err(|e| DocError::Pdf(format!("{e:?}")))
}

#[cfg(test)]
mod tests;
