//! Where everything on a voucher goes, worked out before drawing: the header lines, the title
//! and number, the body lines with their values wrapped, the signature places; the page is A5
//! landscape unless that leaves too little room.

use super::clean::Clean;
use super::words::{amount_in_words, format_amount};
use crate::layout::{Fonts, Weight, A4_LONG, A4_SHORT};

// Page geometry (points, y downwards). A5 landscape and A4 portrait have the same width.
pub(super) const PAGE_W: f32 = A4_SHORT;
pub(super) const A5_H: f32 = 419.53;
pub(super) const LEFT: f32 = 42.0;
pub(super) const RIGHT: f32 = PAGE_W - 42.0;
pub(super) const MID: f32 = PAGE_W / 2.0;
/// The first baseline.
pub(super) const TOP: f32 = 36.0;
/// The lowest baseline of a page.
pub(super) const BOTTOM: f32 = 30.0;
/// The unit, province and fund at the top left.
pub(super) const HEAD_SIZE: f32 = 10.0;
pub(super) const HEAD_LEADING: f32 = 13.5;
pub(super) const HEAD_WIDTH: f32 = 330.0;
pub(super) const TITLE_SIZE: f32 = 19.0;
pub(super) const NUMBER_SIZE: f32 = 10.5;
/// The cancellation box.
pub(super) const REV_SIZE: f32 = 10.5;
pub(super) const REV_LEADING: f32 = 14.0;
/// The body lines.
pub(super) const SIZE: f32 = 11.0;
pub(super) const LEADING: f32 = 18.0;
/// The room for the signatures, between "(Ký, ghi rõ họ tên)" and the printed name.
pub(super) const SIGN_MIN: f32 = 40.0;
pub(super) const SIGN_MAX: f32 = 58.0;
pub(super) const NAME_SIZE: f32 = 11.0;
pub(super) const NAME_LEADING: f32 = 14.0;
/// The width of a signature column.
pub(super) const SIGN_W: f32 = (RIGHT - LEFT) / 2.0 - 16.0;

pub(super) const INK: u32 = 0x1A_1A_1A;
pub(super) const GREY: u32 = 0x55_55_55;
pub(super) const RED: u32 = 0xB0_1E_1E;
pub(super) const PINK: u32 = 0xFB_EC_EC;

/// One line of the body: a label, then its value wrapped under itself (a hanging indent) with
/// a dotted leader to the right edge after the last line.
pub(super) struct Line {
    pub(super) y: f32,
    pub(super) label: &'static str,
    pub(super) value: Vec<String>,
    pub(super) weight: Weight,
}

/// A signature place: centre, role, and the name printed under the room to sign (none for an
/// anonymous donor), with its size.
pub(super) struct Signer {
    pub(super) cx: f32,
    pub(super) role: &'static str,
    pub(super) size: f32,
    pub(super) name: Vec<String>,
}

/// Where everything goes, worked out before drawing so the page size can be chosen.
pub(super) struct Plan {
    pub(super) page_h: f32,
    pub(super) head: Vec<(String, Weight)>,
    pub(super) title_y: f32,
    /// "Số: …" goes at the right of the title, or centred under the date when it is too long
    /// to stand beside the title.
    pub(super) number_y: f32,
    pub(super) number_beside: bool,
    pub(super) date_y: f32,
    /// The cancellation box: its top and its lines.
    pub(super) reversed: Option<(f32, Vec<String>)>,
    pub(super) lines: Vec<Line>,
    pub(super) attached_y: f32,
    pub(super) sign_y: f32,
    /// The baseline of the signers' names (their last line).
    pub(super) name_y: f32,
    pub(super) signers: [Signer; 2],
}

pub(super) fn plan(fonts: &Fonts, c: &Clean) -> Plan {
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
pub(super) fn body_lines(fonts: &Fonts, c: &Clean, mut y: f32) -> Vec<Line> {
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
pub(super) fn value_x(fonts: &Fonts, label: &str) -> f32 {
    LEFT + fonts.width(Weight::Regular, label, SIZE) + 5.0
}

/// The person who paid or was paid on the left, the treasurer on the right.
pub(super) fn signers(fonts: &Fonts, c: &Clean) -> [Signer; 2] {
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
pub(super) fn fund_line(fund: &str) -> String {
    if khuyenhoc_domain::text::fold(fund).starts_with("quy ") {
        fund.to_owned()
    } else {
        format!("Quỹ: {fund}")
    }
}

pub(super) fn number_line(c: &Clean) -> String {
    format!("Số: {}", c.number)
}

pub(super) fn reversed_height(lines: usize) -> f32 {
    lines as f32 * REV_LEADING + 9.0
}
