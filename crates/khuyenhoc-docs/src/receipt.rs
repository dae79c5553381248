//! The receipt voucher ("phiếu thu") and payment voucher ("phiếu chi") of a study-promotion
//! fund, laid out like the paper vouchers of Vietnamese bookkeeping: the unit at the top left,
//! "PHIẾU THU" / "PHIẾU CHI" with the date and the voucher number, the lines filled in (who
//! paid or was paid, address, reason, the amount in figures and in words), the two signature
//! places. A5 landscape; a voucher whose long texts do not fit there goes onto A4 portrait
//! (same width, so the lines wrap the same way).
//!
//! [`amount_in_words`] and [`format_amount`] are public: the web pages show an amount the way
//! the voucher prints it.

use chrono::{Datelike, NaiveDate};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::Document;

use crate::layout::{hex, Fonts, Pen, Style, Weight, A4_LONG, A4_SHORT};
use crate::{field, DocError, Invalid};
use khuyenhoc_domain::limits;

/// Whether money came into the fund or went out of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReceiptKind {
    /// "Phiếu thu": a donation or other money received.
    Receipt,
    /// "Phiếu chi": a scholarship, a prize or another payment made.
    Payment,
}

impl ReceiptKind {
    fn title(self) -> &'static str {
        match self {
            Self::Receipt => "PHIẾU THU",
            Self::Payment => "PHIẾU CHI",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Receipt => "Phiếu thu",
            Self::Payment => "Phiếu chi",
        }
    }

    fn party_label(self) -> &'static str {
        match self {
            Self::Receipt => "Họ và tên người nộp tiền:",
            Self::Payment => "Họ và tên người nhận tiền:",
        }
    }

    fn reason_label(self) -> &'static str {
        match self {
            Self::Receipt => "Lý do nộp:",
            Self::Payment => "Lý do chi:",
        }
    }

    fn party_signs(self) -> &'static str {
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

/// A voucher whose texts have been cleaned and checked.
struct Clean {
    kind: ReceiptKind,
    fund: String,
    unit: String,
    province: String,
    number: String,
    date: NaiveDate,
    party: String,
    anonymous: bool,
    address: Option<String>,
    reason: String,
    amount: i64,
    in_kind: Option<String>,
    treasurer: String,
    reversed: Option<String>,
}

/// An optional text: absent or blank is `None`, otherwise checked like a required one.
fn optional(s: Option<&String>, max: usize, err: Invalid) -> Result<Option<String>, DocError> {
    match s.map(|s| khuyenhoc_domain::text::clean(s)) {
        Some(c) if !c.is_empty() => field(&c, max, err).map(Some),
        _ => Ok(None),
    }
}

fn clean(r: &Receipt) -> Result<Clean, DocError> {
    let inv = Invalid::new;
    let fund = field(
        &r.fund_name,
        limits::TITLE.max,
        inv(
            "Thiếu tên quỹ (tối đa 150 ký tự)",
            "The fund name is missing or longer than 150 characters",
        ),
    )?;
    let unit = field(
        &r.unit_name,
        150,
        inv(
            "Thiếu tên đơn vị (tối đa 150 ký tự)",
            "The unit name is missing or longer than 150 characters",
        ),
    )?;
    let province = field(
        &r.province_name,
        80,
        inv(
            "Thiếu tên tỉnh, thành phố (tối đa 80 ký tự)",
            "The province name is missing or longer than 80 characters",
        ),
    )?;
    let number = field(
        &r.voucher_no,
        40,
        inv(
            "Thiếu số phiếu (tối đa 40 ký tự)",
            "The voucher number is missing or longer than 40 characters",
        ),
    )?;
    let party = field(
        &r.party_name,
        limits::NAME.max,
        inv(
            "Thiếu họ tên người nộp hoặc nhận tiền (tối đa 100 ký tự; ghi \"Ẩn danh\" nếu không rõ)",
            "The payer's or payee's name is missing or longer than 100 characters (write \"Ẩn danh\" for anonymous)",
        ),
    )?;
    let reason = field(
        &r.reason,
        limits::DESCRIPTION.max,
        inv(
            "Thiếu lý do (tối đa 300 ký tự)",
            "The reason is missing or longer than 300 characters",
        ),
    )?;
    let treasurer = field(
        &r.treasurer_name,
        limits::NAME.max,
        inv(
            "Thiếu họ tên thủ quỹ (tối đa 100 ký tự)",
            "The treasurer's name is missing or longer than 100 characters",
        ),
    )?;
    let address = optional(
        r.party_address.as_ref(),
        200,
        inv(
            "Địa chỉ dài quá 200 ký tự",
            "The address is longer than 200 characters",
        ),
    )?;
    let in_kind = optional(
        r.in_kind_note.as_ref(),
        limits::DESCRIPTION.max,
        inv(
            "Ghi chú hiện vật dài quá 300 ký tự",
            "The in-kind note is longer than 300 characters",
        ),
    )?;
    let reversed = optional(
        r.reversed.as_ref(),
        200,
        inv(
            "Dòng ghi hủy phiếu dài quá 200 ký tự",
            "The cancellation line is longer than 200 characters",
        ),
    )?;
    check_amount(r)?;
    Ok(Clean {
        kind: r.kind,
        fund,
        unit,
        province,
        number,
        date: r.date,
        anonymous: khuyenhoc_domain::text::fold(&party) == "an danh",
        party,
        address,
        reason,
        amount: r.amount,
        in_kind,
        treasurer,
        reversed,
    })
}

fn check_amount(r: &Receipt) -> Result<(), DocError> {
    if r.amount <= 0 || r.amount > MAX_AMOUNT {
        return Err(DocError::Invalid(Invalid::new(
            "Số tiền phải lớn hơn 0 và không quá 1.000.000.000.000.000 đồng",
            "The amount must be more than 0 and at most 10^15 đồng",
        )));
    }
    Ok(())
}

const DIGITS: [&str; 10] = [
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
];

/// Reads one group of three digits (1..=999). `full`: a higher group has been read, so the
/// hundreds are read even when zero ("một triệu không trăm linh năm").
fn read_group(n: u64, full: bool, out: &mut Vec<&'static str>) {
    let digit = |d: u64| DIGITS[(d % 10) as usize];
    let (h, t, u) = (n / 100 % 10, n / 10 % 10, n % 10);
    if full || h > 0 {
        out.extend([digit(h), "trăm"]);
        if t == 0 {
            if u > 0 {
                out.extend(["linh", digit(u)]);
            }
            return;
        }
    }
    match (t, u) {
        (0, 0) => {}
        (0, u) => out.push(digit(u)),
        (1, _) => out.push("mười"),
        (t, _) => out.extend([digit(t), "mươi"]),
    }
    match (t, u) {
        (0, _) | (_, 0) => {}
        (_, 5) => out.push("lăm"),
        (2.., 1) => out.push("mốt"),
        (_, u) => out.push(digit(u)),
    }
}

/// Reads 0..10^9 in groups of thousands; a zero group is skipped.
fn read_below_billion(n: u64, mut full: bool, out: &mut Vec<&'static str>) {
    for (group, scale) in [
        (n / 1_000_000 % 1000, Some("triệu")),
        (n / 1000 % 1000, Some("nghìn")),
        (n % 1000, None),
    ] {
        if group == 0 {
            continue;
        }
        read_group(group, full, out);
        out.extend(scale);
        full = true;
    }
}

/// Reads a number above 0: what stands above the billions is read as a number of "tỷ"
/// ("một nghìn tỷ", "một triệu tỷ").
fn read(n: u64, full: bool, out: &mut Vec<&'static str>) {
    const BILLION: u64 = 1_000_000_000;
    if n >= BILLION {
        read(n / BILLION, full, out);
        out.push("tỷ");
        read_below_billion(n % BILLION, true, out);
    } else {
        read_below_billion(n, full, out);
    }
}

/// An amount of đồng in Vietnamese words, the way it is written on a voucher: capitalised,
/// ending in "đồng". 1 500 000 → "Một triệu năm trăm nghìn đồng", 105 → "Một trăm linh năm
/// đồng", 21 → "Hai mươi mốt đồng", 1 000 005 → "Một triệu không trăm linh năm đồng".
///
/// "mốt" and "lăm" after "mươi"/"mười", "linh" for a zero tens digit, "không trăm" for zero
/// hundreds after a higher group; above the billions the count of "tỷ" is read as a number
/// (10^12 → "Một nghìn tỷ đồng"). A negative amount starts with "Âm".
pub fn amount_in_words(amount: i64) -> String {
    let n = amount.unsigned_abs();
    let mut words = Vec::new();
    if amount < 0 {
        words.push("âm");
    }
    if n == 0 {
        words.push("không");
    } else {
        read(n, false, &mut words);
    }
    words.push("đồng");
    let text = words.join(" ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

/// An amount with a dot between groups of thousands, as Vietnamese write it: "1.500.000".
pub fn format_amount(amount: i64) -> String {
    let digits: Vec<char> = amount.unsigned_abs().to_string().chars().collect();
    let groups: Vec<String> = digits
        .rchunks(3)
        .rev()
        .map(|g| g.iter().collect())
        .collect();
    let sign = if amount < 0 { "-" } else { "" };
    format!("{sign}{}", groups.join("."))
}

// Page geometry (points, y downwards). A5 landscape and A4 portrait have the same width.
const PAGE_W: f32 = A4_SHORT;
const A5_H: f32 = 419.53;
const LEFT: f32 = 42.0;
const RIGHT: f32 = PAGE_W - 42.0;
const MID: f32 = PAGE_W / 2.0;
/// The first baseline.
const TOP: f32 = 36.0;
/// The lowest baseline of a page.
const BOTTOM: f32 = 30.0;
/// The unit, province and fund at the top left.
const HEAD_SIZE: f32 = 10.0;
const HEAD_LEADING: f32 = 13.5;
const HEAD_WIDTH: f32 = 330.0;
const TITLE_SIZE: f32 = 19.0;
const NUMBER_SIZE: f32 = 10.5;
/// The cancellation box.
const REV_SIZE: f32 = 10.5;
const REV_LEADING: f32 = 14.0;
/// The body lines.
const SIZE: f32 = 11.0;
const LEADING: f32 = 18.0;
/// The room for the signatures, between "(Ký, ghi rõ họ tên)" and the printed name.
const SIGN_MIN: f32 = 40.0;
const SIGN_MAX: f32 = 58.0;
const NAME_SIZE: f32 = 11.0;
const NAME_LEADING: f32 = 14.0;
/// The width of a signature column.
const SIGN_W: f32 = (RIGHT - LEFT) / 2.0 - 16.0;

const INK: u32 = 0x1A_1A_1A;
const GREY: u32 = 0x55_55_55;
const RED: u32 = 0xB0_1E_1E;
const PINK: u32 = 0xFB_EC_EC;

/// One line of the body: a label, then its value wrapped under itself (a hanging indent) with
/// a dotted leader to the right edge after the last line.
struct Line {
    y: f32,
    label: &'static str,
    value: Vec<String>,
    weight: Weight,
}

/// A signature place: centre, role, and the name printed under the room to sign (none for an
/// anonymous donor), with its size.
struct Signer {
    cx: f32,
    role: &'static str,
    size: f32,
    name: Vec<String>,
}

/// Where everything goes, worked out before drawing so the page size can be chosen.
struct Plan {
    page_h: f32,
    head: Vec<(String, Weight)>,
    title_y: f32,
    /// "Số: …" goes at the right of the title, or centred under the date when it is too long
    /// to stand beside the title.
    number_y: f32,
    number_beside: bool,
    date_y: f32,
    /// The cancellation box: its top and its lines.
    reversed: Option<(f32, Vec<String>)>,
    lines: Vec<Line>,
    attached_y: f32,
    sign_y: f32,
    /// The baseline of the signers' names (their last line).
    name_y: f32,
    signers: [Signer; 2],
}

fn plan(fonts: &Fonts, c: &Clean) -> Plan {
    let mut head: Vec<(String, Weight)> = Vec::new();
    for (text, weight) in [
        (c.unit.as_str(), Weight::Bold),
        (c.province.as_str(), Weight::Regular),
        (&fund_line(&c.fund), Weight::Regular),
    ] {
        let lines = fonts.wrap(weight, text, HEAD_SIZE, HEAD_WIDTH);
        head.extend(lines.into_iter().map(|l| (l, weight)));
    }
    let title_y = TOP + HEAD_LEADING * (head.len() as f32 - 1.0) + 34.0;
    let date_y = title_y + 19.0;
    let beside = RIGHT - (MID + fonts.width(Weight::Bold, c.kind.title(), TITLE_SIZE) / 2.0) - 14.0;
    let number_beside = fonts.width(Weight::Bold, &number_line(c), NUMBER_SIZE) <= beside;
    let (number_y, above_body) = if number_beside {
        (title_y, date_y)
    } else {
        (date_y + 16.0, date_y + 16.0)
    };
    let mut y = above_body + 26.0;
    let reversed = c.reversed.as_ref().map(|text| {
        let lines = fonts.wrap(Weight::Bold, text, REV_SIZE, RIGHT - LEFT - 20.0);
        let top = above_body + 12.0;
        y = top + reversed_height(lines.len()) + 24.0;
        (top, lines)
    });
    let lines = body_lines(fonts, c, y);
    let attached_y = lines
        .last()
        .map_or(y, |l| l.y + LEADING * l.value.len().max(1) as f32);
    let sign_y = attached_y + 27.0;
    let signers = signers(fonts, c);
    let extra = signers
        .iter()
        .map(|s| s.name.len().saturating_sub(1) as f32 * NAME_LEADING)
        .fold(0.0, f32::max);
    // Under the role and "(Ký, ghi rõ họ tên)": room to sign, then the names.
    let below = sign_y + 14.0;
    let page_h = if below + SIGN_MIN + extra <= A5_H - BOTTOM {
        A5_H
    } else {
        A4_LONG
    };
    Plan {
        page_h,
        head,
        title_y,
        number_y,
        number_beside,
        date_y,
        reversed,
        lines,
        attached_y,
        sign_y,
        name_y: (below + SIGN_MAX + extra).min(page_h - BOTTOM),
        signers,
    }
}

/// The filled-in lines from the baseline `y`.
fn body_lines(fonts: &Fonts, c: &Clean, mut y: f32) -> Vec<Line> {
    let amount = format!("{} đồng", format_amount(c.amount));
    let words = amount_in_words(c.amount);
    let address = c.address.as_deref().unwrap_or_default();
    let mut fields = vec![
        (c.kind.party_label(), c.party.as_str(), Weight::Bold),
        ("Địa chỉ:", address, Weight::Regular),
        (c.kind.reason_label(), c.reason.as_str(), Weight::Regular),
    ];
    if let Some(note) = &c.in_kind {
        fields.push(("Hiện vật:", note.as_str(), Weight::Regular));
    }
    fields.push(("Số tiền:", amount.as_str(), Weight::Bold));
    fields.push(("Viết bằng chữ:", words.as_str(), Weight::Regular));
    let mut lines = Vec::new();
    for (label, text, weight) in fields {
        let x = value_x(fonts, label);
        let value = fonts.wrap(weight, text, SIZE, RIGHT - x);
        let n = value.len().max(1) as f32;
        lines.push(Line {
            y,
            label,
            value,
            weight,
        });
        y += LEADING * n;
    }
    lines
}

/// Where the value of a body line starts: after its label.
fn value_x(fonts: &Fonts, label: &str) -> f32 {
    LEFT + fonts.width(Weight::Regular, label, SIZE) + 5.0
}

/// The person who paid or was paid on the left, the treasurer on the right.
fn signers(fonts: &Fonts, c: &Clean) -> [Signer; 2] {
    let quarter = (RIGHT - LEFT) / 4.0;
    let signer = |cx: f32, role: &'static str, name: Option<&str>| {
        let (size, name) = name.map_or((NAME_SIZE, Vec::new()), |n| {
            fonts.fit_lines(Weight::Bold, n, NAME_SIZE, 10.0, SIGN_W)
        });
        Signer {
            cx,
            role,
            size,
            name,
        }
    };
    let party = (!c.anonymous).then_some(c.party.as_str());
    [
        signer(LEFT + quarter, c.kind.party_signs(), party),
        signer(RIGHT - quarter, "Thủ quỹ", Some(&c.treasurer)),
    ]
}

/// The fund as the header names it: "Quỹ Khuyến học Ba Đình" as it is, "Khuyến học - Khuyến
/// tài" as "Quỹ: Khuyến học - Khuyến tài".
fn fund_line(fund: &str) -> String {
    if khuyenhoc_domain::text::fold(fund).starts_with("quy ") {
        fund.to_owned()
    } else {
        format!("Quỹ: {fund}")
    }
}

fn number_line(c: &Clean) -> String {
    format!("Số: {}", c.number)
}

fn reversed_height(lines: usize) -> f32 {
    lines as f32 * REV_LEADING + 9.0
}

/// The voucher as a one-page PDF: A5 landscape, or A4 portrait when long texts do not fit.
///
/// # Errors
/// [`DocError::Invalid`] when a required text is empty, a text is too long, the amount is not
/// in 1..=10^15 or the date's year is not in 1990..=2200; [`DocError::Pdf`] if the PDF writer
/// fails.
pub fn receipt_pdf(receipt: &Receipt) -> Result<Vec<u8>, DocError> {
    let c = clean(receipt)?;
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

fn style(weight: Weight, size: f32, color: u32) -> Style {
    match weight {
        Weight::Bold => Style::bold(size, hex(color)),
        Weight::Regular => Style::regular(size, hex(color)),
    }
}

/// The unit at the top left, the title, the number, the date, and the cancellation box when
/// the voucher was reversed.
fn header(pen: &mut Pen<'_, '_>, c: &Clean, plan: &Plan) {
    let (ink, red) = (hex(INK), hex(RED));
    let mut y = TOP;
    for (line, weight) in &plan.head {
        pen.text(style(*weight, HEAD_SIZE, INK), LEFT, y, line);
        y += HEAD_LEADING;
    }
    let title = Style::bold(TITLE_SIZE, ink).center();
    pen.text(title, MID, plan.title_y, c.kind.title());
    let number = number_line(c);
    let number_style = Style::bold(NUMBER_SIZE, ink);
    if plan.number_beside {
        let w = pen.fonts.width(Weight::Bold, &number, NUMBER_SIZE);
        pen.text(number_style, RIGHT - w, plan.number_y, &number);
    } else {
        pen.text(number_style.center(), MID, plan.number_y, &number);
    }
    let date = format!(
        "Ngày {:02} tháng {:02} năm {}",
        c.date.day(),
        c.date.month(),
        c.date.year()
    );
    pen.text(Style::regular(11.0, ink).center(), MID, plan.date_y, &date);
    if let Some((top, lines)) = &plan.reversed {
        let h = reversed_height(lines.len());
        pen.fill_rect(LEFT, *top, RIGHT - LEFT, h, hex(PINK));
        pen.stroke_rect(LEFT, *top, RIGHT - LEFT, h, 1.4, red);
        let rev = Style::bold(REV_SIZE, red).center();
        pen.lines(rev, REV_LEADING, MID, top + 14.0, lines);
    }
}

/// The filled-in lines, then "Kèm theo: …… chứng từ gốc." to write on.
fn body(pen: &mut Pen<'_, '_>, plan: &Plan) {
    let grey = hex(GREY);
    let label = style(Weight::Regular, SIZE, INK);
    for line in &plan.lines {
        let x = LEFT + pen.text(label, LEFT, line.y, line.label) + 5.0;
        let (mut y, mut end) = (line.y, x);
        for value in &line.value {
            end = x + pen.text(style(line.weight, SIZE, INK), x, y, value) + 4.0;
            y += LEADING;
        }
        // The leader follows the last line of the value (or fills an empty one).
        let y = y - if line.value.is_empty() { 0.0 } else { LEADING };
        if end + 6.0 < RIGHT {
            pen.line(end, y + 1.5, RIGHT, y + 1.5, 0.9, grey, true);
        }
    }
    let y = plan.attached_y;
    let w = pen.text(label, LEFT, y, "Kèm theo:");
    let stop = LEFT + w + 90.0;
    pen.line(LEFT + w + 5.0, y + 1.5, stop, y + 1.5, 0.9, grey, true);
    pen.text(label, stop + 5.0, y, "chứng từ gốc.");
}

/// The roles, "(Ký, ghi rõ họ tên)", room to sign, the names.
fn signatures(pen: &mut Pen<'_, '_>, plan: &Plan) {
    let (ink, grey) = (hex(INK), hex(GREY));
    for s in &plan.signers {
        pen.text(Style::bold(11.0, ink).center(), s.cx, plan.sign_y, s.role);
        let hint = Style::regular(9.0, grey).center();
        pen.text(hint, s.cx, plan.sign_y + 14.0, "(Ký, ghi rõ họ tên)");
        let first = plan.name_y - s.name.len().saturating_sub(1) as f32 * NAME_LEADING;
        let name = Style::bold(s.size, ink).center();
        pen.lines(name, NAME_LEADING, s.cx, first, &s.name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn words_of_the_examples() {
        for (n, words) in [
            (1_500_000, "Một triệu năm trăm nghìn đồng"),
            (105, "Một trăm linh năm đồng"),
            (21, "Hai mươi mốt đồng"),
            (25, "Hai mươi lăm đồng"),
            (1_000_000_000, "Một tỷ đồng"),
            (1_000_005, "Một triệu không trăm linh năm đồng"),
        ] {
            assert_eq!(amount_in_words(n), words, "{n}");
        }
    }

    #[test]
    fn words_of_small_numbers() {
        for (n, words) in [
            (0, "Không đồng"),
            (1, "Một đồng"),
            (5, "Năm đồng"),
            (10, "Mười đồng"),
            (11, "Mười một đồng"),
            (14, "Mười bốn đồng"),
            (15, "Mười lăm đồng"),
            (20, "Hai mươi đồng"),
            (24, "Hai mươi bốn đồng"),
            (31, "Ba mươi mốt đồng"),
            (55, "Năm mươi lăm đồng"),
            (99, "Chín mươi chín đồng"),
            (100, "Một trăm đồng"),
            (101, "Một trăm linh một đồng"),
            (110, "Một trăm mười đồng"),
            (115, "Một trăm mười lăm đồng"),
            (171, "Một trăm bảy mươi mốt đồng"),
            (999, "Chín trăm chín mươi chín đồng"),
        ] {
            assert_eq!(amount_in_words(n), words, "{n}");
        }
    }

    #[test]
    fn words_of_larger_numbers() {
        for (n, words) in [
            (1000, "Một nghìn đồng"),
            (1005, "Một nghìn không trăm linh năm đồng"),
            (1015, "Một nghìn không trăm mười lăm đồng"),
            (1050, "Một nghìn không trăm năm mươi đồng"),
            (1100, "Một nghìn một trăm đồng"),
            (10_000, "Mười nghìn đồng"),
            (21_000, "Hai mươi mốt nghìn đồng"),
            (105_000, "Một trăm linh năm nghìn đồng"),
            (200_000, "Hai trăm nghìn đồng"),
            (1_005_000, "Một triệu không trăm linh năm nghìn đồng"),
            (1_000_000, "Một triệu đồng"),
            (2_050_000, "Hai triệu không trăm năm mươi nghìn đồng"),
            (
                25_500_000,
                "Hai mươi lăm triệu năm trăm nghìn đồng",
            ),
            (1_000_000_005, "Một tỷ không trăm linh năm đồng"),
            (1_001_000_000, "Một tỷ không trăm linh một triệu đồng"),
            (
                2_345_678_901,
                "Hai tỷ ba trăm bốn mươi lăm triệu sáu trăm bảy mươi tám nghìn chín trăm linh một đồng",
            ),
            (1_000_000_000_000, "Một nghìn tỷ đồng"),
            (1_001_000_000_000, "Một nghìn không trăm linh một tỷ đồng"),
            (1_000_000_000_000_000, "Một triệu tỷ đồng"),
            (-21, "Âm hai mươi mốt đồng"),
        ] {
            assert_eq!(amount_in_words(n), words, "{n}");
        }
        // The extremes of i64 read without overflow.
        assert!(amount_in_words(i64::MAX).starts_with("Chín tỷ hai trăm hai mươi ba triệu"));
        assert!(amount_in_words(i64::MIN).starts_with("Âm chín tỷ"));
    }

    #[test]
    fn amounts_with_dots() {
        assert_eq!(format_amount(0), "0");
        assert_eq!(format_amount(999), "999");
        assert_eq!(format_amount(1000), "1.000");
        assert_eq!(format_amount(1_500_000), "1.500.000");
        assert_eq!(format_amount(12_345_678), "12.345.678");
        assert_eq!(format_amount(-1_500), "-1.500");
        assert_eq!(format_amount(i64::MIN), "-9.223.372.036.854.775.808");
    }

    /// Reads the words back into a number: an independent check that every digit is read and
    /// in its place.
    fn parse_words(s: &str) -> u64 {
        let lower = s.to_lowercase();
        let mut words: Vec<&str> = lower.split(' ').collect();
        assert_eq!(words.pop(), Some("đồng"), "{s}");
        // `pending`: the last digit read; `group`: the value below the current scale word;
        // `scaled`: nghìn and triệu read since the last tỷ; `total`: everything up to it.
        let (mut total, mut scaled, mut group, mut pending) = (0u64, 0u64, 0u64, 0u64);
        for w in words {
            match w {
                "linh" => {}
                "mười" => group += 10,
                "mươi" => group += std::mem::take(&mut pending) * 10,
                "trăm" => group += std::mem::take(&mut pending) * 100,
                "mốt" => pending = 1,
                "lăm" => pending = 5,
                "nghìn" | "triệu" => {
                    let scale = if w == "nghìn" { 1000 } else { 1_000_000 };
                    scaled += (group + std::mem::take(&mut pending)) * scale;
                    group = 0;
                }
                "tỷ" => {
                    let below = scaled + group + std::mem::take(&mut pending);
                    total = (total + below) * 1_000_000_000;
                    (scaled, group) = (0, 0);
                }
                d => {
                    let v = DIGITS.iter().position(|x| *x == d);
                    pending = v.unwrap_or_else(|| panic!("unexpected {d:?} in {s:?}")) as u64;
                }
            }
        }
        total + scaled + group + pending
    }

    proptest! {
        #[test]
        fn words_never_panic_and_read_back(n in 0i64..=MAX_AMOUNT) {
            let words = amount_in_words(n);
            let first = words.chars().next().expect("not empty");
            prop_assert!(first.is_uppercase(), "{words}");
            prop_assert!(words.ends_with(" đồng"), "{words}");
            prop_assert!(!words.contains("  "), "{words}");
            prop_assert_eq!(parse_words(&words), n as u64, "{}", words);
        }

        #[test]
        fn small_and_round_numbers(n in 0i64..=100_000, zeros in 0u32..=10) {
            let n = n * 10i64.pow(zeros);
            let words = amount_in_words(n);
            prop_assert!(words.ends_with("đồng"));
            prop_assert_eq!(parse_words(&words), n as u64, "{}", words);
        }

        #[test]
        fn dots_separate_thousands(n in 0i64..=MAX_AMOUNT) {
            let s = format_amount(n);
            prop_assert_eq!(s.replace('.', "").parse::<i64>().ok(), Some(n));
            for part in s.split('.').skip(1) {
                prop_assert_eq!(part.len(), 3);
            }
        }
    }
}
