//! The join poster: one A4 portrait page to pin up at a village hall or a school. The unit's
//! name, a large QR code of its join link, the link itself in print for those who type it, and
//! three plain steps. Everything on it is Vietnamese: it is read by the people who join.

use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::Document;

use crate::layout::{hex, Fonts, Pen, Style, Weight, A4_LONG, A4_SHORT};
use crate::qr::{qr_path, too_long, MAX_URL_BYTES};
use crate::{field, DocError, Invalid};

/// What a join poster says. Texts are cleaned (NFC, whitespace collapsed) before drawing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinPoster {
    /// The unit people join, e.g. "Chi hội Tổ dân phố số 1".
    pub unit_name: String,
    /// The unit above it, for context (a branch's commune), e.g. "Hội Khuyến học Phường Ba
    /// Đình"; empty for none.
    pub parent_name: String,
    /// The absolute join link, encoded in the QR code and printed under it.
    pub join_url: String,
}

const RED: u32 = 0xA3_1F_1F;
const NAVY: u32 = 0x1B_36_5D;
const INK: u32 = 0x1A_1A_1A;
const GREY: u32 = 0x55_55_55;
const MID: f32 = A4_SHORT / 2.0;
const WIDTH: f32 = A4_SHORT - 120.0;
/// The QR code's side: about 12 cm, scanned from a couple of metres.
const QR: f32 = 300.0;

/// The three steps, as a person reads them.
pub const STEPS: [&str; 3] = [
    "Mở máy ảnh hoặc Zalo trên điện thoại, quét mã QR ở trên.",
    "Điền họ tên, năm sinh, số điện thoại và đặt mật khẩu (hoặc mã PIN 6 số).",
    "Chi hội xác nhận đăng ký; bạn đăng nhập và tự đánh giá danh hiệu học tập.",
];

fn join_url(raw: &str) -> Result<String, DocError> {
    let url = raw.trim().to_owned();
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.chars().all(|ch| ch.is_ascii_graphic());
    if !ok {
        return Err(DocError::Invalid(Invalid::new(
            "Đường dẫn đăng ký phải là một URL http(s) không có khoảng trắng",
            "The join link must be an http(s) URL without spaces",
        )));
    }
    if url.len() > MAX_URL_BYTES {
        return Err(DocError::Invalid(too_long()));
    }
    Ok(url)
}

/// The poster as a one-page PDF (A4 portrait).
///
/// # Errors
/// [`DocError::Invalid`] when the unit name is empty or the link is not an http(s) URL of at
/// most 200 bytes; [`DocError::Pdf`] if the PDF writer fails.
pub fn join_poster_pdf(p: &JoinPoster) -> Result<Vec<u8>, DocError> {
    let unit = field(
        &p.unit_name,
        200,
        Invalid::new("Thiếu tên đơn vị", "The unit's name is missing"),
    )?;
    let parent = khuyenhoc_domain::limits::fit(&p.parent_name, 200);
    let url = join_url(&p.join_url)?;
    let fonts = Fonts::load()?;
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(format!("Đăng ký tham gia - {unit}"))
            .language("vi".into())
            .creator("khuyenhoc".into()),
    );
    let settings = PageSettings::from_wh(A4_SHORT, A4_LONG)
        .ok_or_else(|| DocError::Pdf("page size".into()))?;
    let mut page = doc.start_page_with(settings);
    let mut surface = page.surface();
    let mut pen = Pen {
        surface: &mut surface,
        fonts: &fonts,
    };
    pen.stroke_rect(24.0, 24.0, A4_SHORT - 48.0, A4_LONG - 48.0, 3.0, hex(RED));
    let y = heading(&mut pen, &unit, &parent);
    let (path, _) = qr_path(&url, MID - QR / 2.0, y + 18.0, QR)?;
    pen.fill_path(&path, hex(0x00_00_00));
    let y = y + 18.0 + QR + 24.0;
    let size = fonts.fit_size(Weight::Bold, &url, 14.0, 8.0, WIDTH);
    let lines = fonts.wrap(Weight::Bold, &url, size, WIDTH);
    let y = pen.lines(
        Style::bold(size, hex(NAVY)).center(),
        size + 3.0,
        MID,
        y,
        &lines,
    );
    steps(&mut pen, y + 14.0);
    surface.finish();
    page.finish();
    doc.finish().map_err(|e| DocError::Pdf(format!("{e:?}")))
}

/// The call to join and the unit's name; returns where the QR code may start.
fn heading(pen: &mut Pen<'_, '_>, unit: &str, parent: &str) -> f32 {
    let (red, navy, grey) = (hex(RED), hex(NAVY), hex(GREY));
    pen.text(
        Style::bold(13.0, grey).center(),
        MID,
        70.0,
        "HỘI KHUYẾN HỌC VIỆT NAM",
    );
    pen.text(
        Style::bold(30.0, red).center(),
        MID,
        112.0,
        "ĐĂNG KÝ THAM GIA",
    );
    pen.text(
        Style::regular(15.0, hex(INK)).center(),
        MID,
        136.0,
        "Học tập suốt đời, cùng xây dựng xã hội học tập",
    );
    let (size, lines) = pen.fonts.fit_lines(Weight::Bold, unit, 26.0, 16.0, WIDTH);
    let mut y = pen.lines(
        Style::bold(size, navy).center(),
        size * 1.2,
        MID,
        176.0,
        &lines,
    );
    if !parent.is_empty() {
        let (size, lines) = pen
            .fonts
            .fit_lines(Weight::Regular, parent, 14.0, 10.0, WIDTH);
        y = pen.lines(
            Style::regular(size, grey).center(),
            size + 3.0,
            MID,
            y,
            &lines,
        );
    }
    y
}

/// "Ba bước đơn giản" and the numbered steps, from `top`.
fn steps(pen: &mut Pen<'_, '_>, top: f32) {
    let ink = hex(INK);
    let x = 70.0;
    pen.text(Style::bold(16.0, hex(RED)), x, top, "Ba bước đơn giản:");
    let mut y = top + 26.0;
    for (i, step) in STEPS.iter().enumerate() {
        let n = format!("{}.", i + 1);
        pen.text(Style::bold(15.0, ink), x, y, &n);
        let lines = pen.fonts.wrap(Weight::Regular, step, 14.0, WIDTH - 30.0);
        y = pen.lines(Style::regular(14.0, ink), 18.0, x + 24.0, y, &lines) + 6.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_link_that_is_not_http() {
        let p = JoinPoster {
            unit_name: "Chi hội".into(),
            parent_name: String::new(),
            join_url: "javascript:alert(1)".into(),
        };
        assert!(matches!(join_poster_pdf(&p), Err(DocError::Invalid(_))));
        let ok = JoinPoster {
            join_url: "https://khuyenhoc.example.vn/join/00004-1".into(),
            ..p
        };
        let pdf = join_poster_pdf(&ok).expect("a poster");
        assert!(pdf.starts_with(b"%PDF"));
    }
}
