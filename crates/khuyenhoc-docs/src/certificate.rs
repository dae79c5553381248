//! The Learning Citizen certificate: one A4 landscape page in the usual shape of a Vietnamese
//! certificate (issuing body and national motto at the top, "GIẤY CHỨNG NHẬN", the holder,
//! the decision, place and date, the signature block) with a QR code of the verify URL.

use chrono::{Datelike, NaiveDate};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::Document;

use crate::layout::{hex, Fonts, Pen, Style, Weight, A4_LONG, A4_SHORT};
use crate::qr::{qr_path, too_long, MAX_URL_BYTES};
use crate::{date_vn, field, DocError, Invalid};

/// What a certificate says. Plain data; every text is cleaned (NFC, whitespace collapsed)
/// before it is drawn, so callers may pass text as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// The recognition, e.g. "Công dân học tập".
    pub title: String,
    /// The year the recognition is for.
    pub year: i32,
    /// The holder's full name, e.g. "Nguyễn Văn An".
    pub holder_name: String,
    /// The issuing unit, e.g. "Hội Khuyến học Phường Ba Đình".
    pub issuer_name: String,
    /// The province (or centrally governed city) of the issuing unit, e.g. "Thành phố Hà Nội".
    /// The place line uses it without the "Thành phố " / "Tỉnh " prefix ("Hà Nội, ngày …").
    pub province_name: String,
    /// The recognition decision's number, e.g. "25/QĐ-KH".
    pub decision_number: String,
    /// The decision's date; the certificate is dated the same day.
    pub decision_date: NaiveDate,
    /// The signer's position; a line break starts a new line, e.g.
    /// "TM. BAN CHẤP HÀNH\nCHỦ TỊCH". Drawn in capitals.
    pub signer_position: String,
    /// The signer's full name.
    pub signer_name: String,
    /// The last day the certificate is valid.
    pub valid_until: NaiveDate,
    /// The public verify page (printed under the QR code and encoded in it).
    pub verify_url: String,
}

/// A certificate whose texts have been cleaned and checked.
struct Clean {
    title: String,
    year: i32,
    holder: String,
    issuer: String,
    place: String,
    decision_number: String,
    decision_date: NaiveDate,
    position: Vec<String>,
    signer: String,
    valid_until: NaiveDate,
    url: String,
}

fn clean(c: &Certificate) -> Result<Clean, DocError> {
    let title = field(
        &c.title,
        80,
        Invalid::new(
            "Thiếu tên danh hiệu (tối đa 80 ký tự)",
            "The title is missing or longer than 80 characters",
        ),
    )?;
    let holder = field(
        &c.holder_name,
        100,
        Invalid::new(
            "Thiếu họ tên người được chứng nhận (tối đa 100 ký tự)",
            "The holder's name is missing or longer than 100 characters",
        ),
    )?;
    let issuer = field(
        &c.issuer_name,
        150,
        Invalid::new(
            "Thiếu tên đơn vị cấp (tối đa 150 ký tự)",
            "The issuing unit's name is missing or longer than 150 characters",
        ),
    )?;
    let province = field(
        &c.province_name,
        80,
        Invalid::new(
            "Thiếu tên tỉnh, thành phố (tối đa 80 ký tự)",
            "The province name is missing or longer than 80 characters",
        ),
    )?;
    let decision_number = field(
        &c.decision_number,
        40,
        Invalid::new(
            "Thiếu số quyết định (tối đa 40 ký tự)",
            "The decision number is missing or longer than 40 characters",
        ),
    )?;
    let signer = field(
        &c.signer_name,
        100,
        Invalid::new(
            "Thiếu họ tên người ký (tối đa 100 ký tự)",
            "The signer's name is missing or longer than 100 characters",
        ),
    )?;
    let position = signer_position(&c.signer_position)?;
    if !(1990..=2200).contains(&c.year) {
        return Err(DocError::Invalid(Invalid::new(
            "Năm chứng nhận không hợp lệ",
            "The year is out of range",
        )));
    }
    if c.valid_until < c.decision_date {
        return Err(DocError::Invalid(Invalid::new(
            "Ngày hết hạn phải sau ngày quyết định",
            "The valid-until date must not be before the decision date",
        )));
    }
    let url = verify_url(&c.verify_url)?;
    Ok(Clean {
        title,
        year: c.year,
        holder,
        issuer,
        place: place_name(&province),
        decision_number,
        decision_date: c.decision_date,
        position,
        signer,
        valid_until: c.valid_until,
        url,
    })
}

/// The signer's position, one to four lines in capitals.
fn signer_position(raw: &str) -> Result<Vec<String>, DocError> {
    let bad_position = Invalid::new(
        "Thiếu chức vụ người ký (tối đa 4 dòng, mỗi dòng 60 ký tự)",
        "The signer's position is missing, or has more than 4 lines or a line over 60 characters",
    );
    let position = raw
        .lines()
        .map(khuyenhoc_domain::text::clean)
        .filter(|l| !l.is_empty())
        .map(|l| field(&l, 60, bad_position.clone()).map(|l| l.to_uppercase()))
        .collect::<Result<Vec<_>, _>>()?;
    if position.is_empty() || position.len() > 4 {
        return Err(DocError::Invalid(bad_position));
    }
    Ok(position)
}

/// The verify page's address: http(s), no spaces, short enough for the QR code.
fn verify_url(raw: &str) -> Result<String, DocError> {
    let url = raw.trim().to_owned();
    let url_ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.chars().all(|ch| ch.is_ascii_graphic());
    if !url_ok {
        return Err(DocError::Invalid(Invalid::new(
            "Địa chỉ kiểm tra phải là một URL http(s) không có khoảng trắng",
            "The verify URL must be an http(s) URL without spaces",
        )));
    }
    if url.len() > MAX_URL_BYTES {
        return Err(DocError::Invalid(too_long()));
    }
    Ok(url)
}

/// "Thành phố Hà Nội" → "Hà Nội", "Tỉnh Nghệ An" → "Nghệ An": the place line of a document
/// names the place without its kind.
fn place_name(province: &str) -> String {
    for prefix in [
        "Thành phố ",
        "Thành Phố ",
        "thành phố ",
        "TP. ",
        "TP ",
        "Tỉnh ",
        "tỉnh ",
    ] {
        if let Some(rest) = province.strip_prefix(prefix) {
            if !rest.is_empty() {
                return rest.to_owned();
            }
        }
    }
    province.to_owned()
}

/// "Hà Nội, ngày 20 tháng 12 năm 2025".
fn place_and_date(place: &str, d: NaiveDate) -> String {
    format!(
        "{place}, ngày {:02} tháng {:02} năm {}",
        d.day(),
        d.month(),
        d.year()
    )
}

/// The certificate as a one-page PDF (A4 landscape).
///
/// # Errors
/// [`DocError::Invalid`] when a field is empty or too long, the year is out of range, the
/// valid-until date is before the decision, or the verify URL is not an http(s) URL of at most
/// 200 bytes; [`DocError::Pdf`] if the PDF writer fails.
pub fn certificate_pdf(cert: &Certificate) -> Result<Vec<u8>, DocError> {
    let c = clean(cert)?;
    let fonts = Fonts::load()?;
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(format!(
                "Giấy chứng nhận {} năm {} - {}",
                c.title, c.year, c.holder
            ))
            .language("vi".into())
            .creator("khuyenhoc".into()),
    );
    let settings = PageSettings::from_wh(A4_LONG, A4_SHORT)
        .ok_or_else(|| DocError::Pdf("page size".into()))?;
    let mut page = doc.start_page_with(settings);
    let mut surface = page.surface();
    let mut pen = Pen {
        surface: &mut surface,
        fonts: &fonts,
    };
    frame(&mut pen);
    header(&mut pen, &c);
    let body_end = body(&mut pen, &c);
    // The lower block starts under the body, which grows only for very long names.
    let lower = (body_end + 22.0).max(400.0);
    qr_block(&mut pen, &c, lower + 10.0)?;
    signature(&mut pen, &c, lower);
    surface.finish();
    page.finish();
    doc.finish().map_err(|e| DocError::Pdf(format!("{e:?}")))
}

const RED: u32 = 0xA3_1F_1F;
const NAVY: u32 = 0x1B_36_5D;
const INK: u32 = 0x1A_1A_1A;
const GREY: u32 = 0x55_55_55;
const GOLD: u32 = 0xB8_8A_2E;
/// The horizontal centre of the page, and the width the centred body text may use.
const MID: f32 = A4_LONG / 2.0;
const BODY_WIDTH: f32 = 680.0;
/// The lowest baseline inside the inner frame.
const BOTTOM: f32 = A4_SHORT - 42.0;

/// A double border with small corner squares.
fn frame(pen: &mut Pen<'_, '_>) {
    let (w, h) = (A4_LONG, A4_SHORT);
    pen.stroke_rect(18.0, 18.0, w - 36.0, h - 36.0, 3.0, hex(RED));
    pen.stroke_rect(25.0, 25.0, w - 50.0, h - 50.0, 0.8, hex(GOLD));
    for (x, y) in [
        (25.0, 25.0),
        (w - 25.0, 25.0),
        (25.0, h - 25.0),
        (w - 25.0, h - 25.0),
    ] {
        pen.fill_rect(x - 4.0, y - 4.0, 8.0, 8.0, hex(RED));
    }
}

/// Issuing unit on the left, national motto on the right, each with a short rule under it.
fn header(pen: &mut Pen<'_, '_>, c: &Clean) {
    let ink = hex(INK);
    let (left_x, right_x, top) = (228.0, 600.0, 66.0);
    let issuer = c.issuer.to_uppercase();
    let (size, lines) = pen.fonts.fit_lines(Weight::Bold, &issuer, 11.5, 9.5, 320.0);
    let after = pen.lines(
        Style::bold(size, ink).center(),
        size + 3.5,
        left_x,
        top,
        &lines,
    );
    let rule_y = after - size + 5.0;
    pen.line(
        left_x - 40.0,
        rule_y,
        left_x + 40.0,
        rule_y,
        0.8,
        ink,
        false,
    );

    let nation = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
    pen.text(Style::bold(11.5, ink).center(), right_x, top, nation);
    let motto = "Độc lập - Tự do - Hạnh phúc";
    let w = pen.text(Style::bold(12.5, ink).center(), right_x, top + 17.0, motto);
    let (x1, x2) = (right_x - w / 2.0, right_x + w / 2.0);
    pen.line(x1, top + 22.0, x2, top + 22.0, 0.8, ink, false);
}

/// "GIẤY CHỨNG NHẬN", the title, the holder and what they achieved, the decision and the
/// validity. Returns the baseline of the last line.
fn body(pen: &mut Pen<'_, '_>, c: &Clean) -> f32 {
    let (red, ink, navy, grey, gold) = (hex(RED), hex(INK), hex(NAVY), hex(GREY), hex(GOLD));
    pen.text(
        Style::bold(34.0, red).center(),
        MID,
        158.0,
        "GIẤY CHỨNG NHẬN",
    );
    let title = format!("{} năm {}", c.title, c.year).to_uppercase();
    let size = pen
        .fonts
        .fit_size(Weight::Bold, &title, 20.0, 12.0, BODY_WIDTH);
    pen.text(Style::bold(size, red).center(), MID, 190.0, &title);
    // A small ornament: a gold rule with a square in the middle.
    pen.line(MID - 90.0, 204.0, MID - 8.0, 204.0, 0.8, gold, false);
    pen.line(MID + 8.0, 204.0, MID + 90.0, 204.0, 0.8, gold, false);
    pen.fill_rect(MID - 3.0, 201.0, 6.0, 6.0, gold);

    let intro = format!("{} chứng nhận Ông/Bà:", c.issuer);
    let (size, lines) = pen
        .fonts
        .fit_lines(Weight::Regular, &intro, 13.5, 11.0, BODY_WIDTH);
    let mut y = pen.lines(
        Style::regular(size, ink).center(),
        size + 3.5,
        MID,
        234.0,
        &lines,
    );
    let (size, names) = pen
        .fonts
        .fit_lines(Weight::Bold, &c.holder, 30.0, 15.0, BODY_WIDTH);
    y = pen.lines(
        Style::bold(size, navy).center(),
        size * 1.2,
        MID,
        y + 22.0,
        &names,
    );
    let achieved = format!("Đã đạt danh hiệu “{}” năm {}", c.title, c.year);
    pen.text(Style::regular(13.5, ink).center(), MID, y + 2.0, &achieved);

    let decision = format!(
        "Theo Quyết định số {} ngày {} của {}",
        c.decision_number,
        date_vn(c.decision_date),
        c.issuer
    );
    let (size, lines) = pen
        .fonts
        .fit_lines(Weight::Regular, &decision, 11.5, 9.5, BODY_WIDTH);
    y = pen.lines(
        Style::regular(size, grey).center(),
        size + 3.5,
        MID,
        y + 26.0,
        &lines,
    );
    let valid = format!(
        "Giấy chứng nhận có giá trị đến hết ngày {}.",
        date_vn(c.valid_until)
    );
    pen.text(Style::regular(11.5, grey).center(), MID, y + 1.0, &valid);
    y + 1.0
}

/// The QR code at the bottom left, from `top`, with a caption and the URL in small print under
/// it; the code gets smaller (down to 80 pt) when the body has pushed it down.
fn qr_block(pen: &mut Pen<'_, '_>, c: &Clean, top: f32) -> Result<(), DocError> {
    let grey = hex(GREY);
    let x = 62.0;
    let url_size = pen.fonts.fit_size(Weight::Regular, &c.url, 7.5, 6.0, 300.0);
    let url_lines = pen.fonts.wrap(Weight::Regular, &c.url, url_size, 300.0);
    let below = 24.0 + (url_lines.len() as f32 - 1.0) * (url_size + 2.0);
    let size = (BOTTOM - top - below).clamp(80.0, 100.0);
    let (path, _modules) = qr_path(&c.url, x, top, size)?;
    pen.fill_path(&path, hex(0x00_00_00));
    let caption = "Quét mã QR để kiểm tra giấy chứng nhận";
    pen.text(Style::bold(8.5, grey), x, top + size + 13.0, caption);
    let url_style = Style::regular(url_size, grey);
    pen.lines(url_style, url_size + 2.0, x, top + size + 24.0, &url_lines);
    Ok(())
}

/// Place and date from `top`, the signer's position, room for the signature and seal, the
/// signer's name.
fn signature(pen: &mut Pen<'_, '_>, c: &Clean, top: f32) {
    let ink = hex(INK);
    let cx = 600.0;
    let when = place_and_date(&c.place, c.decision_date);
    pen.text(Style::regular(12.0, ink).center(), cx, top, &when);
    let y = pen.lines(
        Style::bold(12.5, ink).center(),
        16.0,
        cx,
        top + 20.0,
        &c.position,
    );
    // At least 62 pt for the signature and seal, the name no lower than the QR's last line.
    let name_y = (y + 62.0).clamp(520.0, BOTTOM);
    let size = pen
        .fonts
        .fit_size(Weight::Bold, &c.signer, 14.0, 10.0, 300.0);
    pen.text(Style::bold(size, ink).center(), cx, name_y, &c.signer);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn place_drops_the_kind_of_province() {
        assert_eq!(place_name("Thành phố Hà Nội"), "Hà Nội");
        assert_eq!(place_name("Tỉnh Nghệ An"), "Nghệ An");
        assert_eq!(place_name("Huế"), "Huế");
        assert_eq!(place_name("Tỉnh "), "Tỉnh ");
    }

    #[test]
    fn place_and_date_reads_as_in_documents() {
        let d = NaiveDate::from_ymd_opt(2025, 3, 7).expect("date");
        assert_eq!(
            place_and_date("Hà Nội", d),
            "Hà Nội, ngày 07 tháng 03 năm 2025"
        );
    }
}
