//! Drawing a planned voucher: the header, the body lines with their dotted leaders, the
//! signature places.

use chrono::Datelike;

use super::clean::Clean;
use super::plan::*;
use crate::layout::{hex, Pen, Style, Weight};

pub(super) fn style(weight: Weight, size: f32, color: u32) -> Style {
    match weight {
        Weight::Bold => Style::bold(size, hex(color)),
        Weight::Regular => Style::regular(size, hex(color)),
    }
}

/// The unit at the top left, the title, the number, the date, and the cancellation box when
/// the voucher was reversed.
pub(super) fn header(pen: &mut Pen<'_, '_>, c: &Clean, plan: &Plan) {
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
pub(super) fn body(pen: &mut Pen<'_, '_>, plan: &Plan) {
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
pub(super) fn signatures(pen: &mut Pen<'_, '_>, plan: &Plan) {
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
