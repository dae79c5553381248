//! The blank paper self-assessment form of one criteria group, for people who fill it in by
//! hand: A4 portrait, a header block to write in, a table of indicators with an empty box for
//! the self-score, a total line and two signature places. Long indicator texts wrap inside
//! their cell; a table that does not fit flows onto further pages, each repeating the table
//! header, and every page is numbered.

use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::Document;

use crate::layout::{hex, Fonts, Pen, Style, Weight, A4_LONG, A4_SHORT};
use crate::{field, DocError, Invalid};

/// One indicator of the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormIndicator {
    /// Its number in the criteria set, e.g. "1" or "2.3".
    pub code: String,
    /// What the person is asked about.
    pub text: String,
    /// The most points it can give.
    pub max_points: u32,
}

/// A blank form: plain data, usually made from a parsed criteria set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlankForm {
    /// e.g. "Phiếu tự đánh giá Công dân học tập năm 2025" (drawn in capitals).
    pub title: String,
    /// The criteria group the form is for, e.g. "Nhóm người lao động".
    pub group_name: String,
    /// The indicators, in order.
    pub indicators: Vec<FormIndicator>,
}

/// Limits that keep a form printable.
const MAX_INDICATORS: usize = 200;
const MAX_POINTS: u32 = 10_000;

struct Row {
    code: String,
    lines: Vec<String>,
    max: u32,
    height: f32,
}

// Page geometry (points, y downwards).
const LEFT: f32 = 50.0;
const RIGHT: f32 = A4_SHORT - 50.0;
const TOP: f32 = 50.0;
/// Where the table starts on the pages after the first (under a one-line running head).
const NEXT_TOP: f32 = 64.0;
const BOTTOM: f32 = A4_LONG - 58.0;
const CODE_W: f32 = 42.0;
const MAX_W: f32 = 62.0;
const SELF_W: f32 = 72.0;
const TEXT_W: f32 = RIGHT - LEFT - CODE_W - MAX_W - SELF_W;
const PAD: f32 = 7.0;
const SIZE: f32 = 10.5;
const LEADING: f32 = 14.0;
const HEADER_ROW_H: f32 = 34.0;
const TOTAL_ROW_H: f32 = 28.0;
const MIN_ROW_H: f32 = 28.0;
const SIGNATURE_H: f32 = 150.0;

const INK: u32 = 0x1A_1A_1A;
const GREY: u32 = 0x55_55_55;
const RULE: u32 = 0x33_33_33;
const SHADE: u32 = 0xEC_EC_EC;

/// Which rows go on a page, and whether the total line and signatures close it.
struct PagePlan {
    rows: std::ops::Range<usize>,
    last: bool,
}

/// Splits the rows into pages: the first page starts lower (title and header block above the
/// table); the total line and the signatures stay together after the last row, on a page of
/// their own if they do not fit.
fn paginate(rows: &[Row], first_table_top: f32) -> Vec<PagePlan> {
    let mut pages = Vec::new();
    let mut start = 0;
    let mut y = first_table_top + HEADER_ROW_H;
    for (i, row) in rows.iter().enumerate() {
        if y + row.height > BOTTOM && i > start {
            pages.push(PagePlan {
                rows: start..i,
                last: false,
            });
            start = i;
            y = NEXT_TOP + HEADER_ROW_H;
        }
        y += row.height;
    }
    if y + TOTAL_ROW_H + SIGNATURE_H > BOTTOM {
        // The last row goes over with the total line, so the total never stands alone under a
        // repeated header, unless it is the only row on this page.
        let split = if rows.len() - start >= 2 {
            rows.len() - 1
        } else {
            rows.len()
        };
        pages.push(PagePlan {
            rows: start..split,
            last: false,
        });
        start = split;
    }
    pages.push(PagePlan {
        rows: start..rows.len(),
        last: true,
    });
    pages
}

fn rows(fonts: &Fonts, form: &BlankForm) -> Result<Vec<Row>, DocError> {
    if form.indicators.is_empty() || form.indicators.len() > MAX_INDICATORS {
        return Err(DocError::Invalid(Invalid::new(
            "Phiếu phải có từ 1 đến 200 chỉ tiêu",
            "A form must have 1 to 200 indicators",
        )));
    }
    form.indicators
        .iter()
        .map(|ind| {
            let code = field(
                &ind.code,
                12,
                Invalid::new(
                    "Số thứ tự chỉ tiêu trống hoặc dài quá 12 ký tự",
                    "An indicator number is empty or longer than 12 characters",
                ),
            )?;
            let text = field(
                &ind.text,
                600,
                Invalid::new(
                    "Nội dung chỉ tiêu trống hoặc dài quá 600 ký tự",
                    "An indicator text is empty or longer than 600 characters",
                ),
            )?;
            if ind.max_points > MAX_POINTS {
                return Err(DocError::Invalid(Invalid::new(
                    "Điểm tối đa của một chỉ tiêu không quá 10000",
                    "An indicator's maximum points must not exceed 10000",
                )));
            }
            let lines = fonts.wrap(Weight::Regular, &text, SIZE, TEXT_W - 2.0 * PAD);
            let height = (lines.len() as f32 * LEADING + 2.0 * PAD).max(MIN_ROW_H);
            Ok(Row {
                code,
                lines,
                max: ind.max_points,
                height,
            })
        })
        .collect()
}

/// The blank form as a PDF (A4 portrait, as many pages as the indicators need).
///
/// # Errors
/// [`DocError::Invalid`] when the title or group name is empty or too long (150 characters),
/// there are no indicators or more than 200, or an indicator's number (12), text (600) or
/// maximum (10000) is out of bounds; [`DocError::Pdf`] if the PDF writer fails.
pub fn blank_form_pdf(form: &BlankForm) -> Result<Vec<u8>, DocError> {
    let title = field(
        &form.title,
        150,
        Invalid::new(
            "Thiếu tên phiếu (tối đa 150 ký tự)",
            "The form title is missing or longer than 150 characters",
        ),
    )?;
    let group = field(
        &form.group_name,
        150,
        Invalid::new(
            "Thiếu tên nhóm (tối đa 150 ký tự)",
            "The group name is missing or longer than 150 characters",
        ),
    )?;
    let fonts = Fonts::load()?;
    let rows = rows(&fonts, form)?;
    let title_lines = fonts.wrap(Weight::Bold, &title.to_uppercase(), 14.5, RIGHT - LEFT);
    let group_lines = fonts.wrap(Weight::Regular, &group, 12.5, RIGHT - LEFT);
    let head_bottom =
        TOP + 14.0 + 19.0 * title_lines.len() as f32 + 17.0 * group_lines.len() as f32;
    let head = Head {
        title_lines,
        group_lines,
        running: format!("{title} - {group} (tiếp theo)"),
        first_table_top: head_bottom + 3.0 * 24.0 + 30.0,
    };
    let plan = paginate(&rows, head.first_table_top);

    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(format!("{title} - {group}"))
            .language("vi".into())
            .creator("khuyenhoc".into()),
    );
    let settings = PageSettings::from_wh(A4_SHORT, A4_LONG)
        .ok_or_else(|| DocError::Pdf("page size".into()))?;
    let total: u64 = rows.iter().map(|r| u64::from(r.max)).sum();
    for (n, page_plan) in plan.iter().enumerate() {
        let mut page = doc.start_page_with(settings.clone());
        let mut surface = page.surface();
        let mut pen = Pen {
            surface: &mut surface,
            fonts: &fonts,
        };
        let mut y = if n == 0 {
            first_page_head(&mut pen, &head)
        } else {
            next_page_head(&mut pen, &head)
        };
        y = table_header(&mut pen, y);
        for row in &rows[page_plan.rows.clone()] {
            y = table_row(&mut pen, y, row);
        }
        if page_plan.last {
            y = total_row(&mut pen, y, total);
            signatures(&mut pen, y + 22.0);
        }
        let footer = format!("Trang {}/{}", n + 1, plan.len());
        pen.text(
            Style::regular(9.0, hex(GREY)).center(),
            A4_SHORT / 2.0,
            A4_LONG - 30.0,
            &footer,
        );
        surface.finish();
        page.finish();
    }
    doc.finish().map_err(|e| DocError::Pdf(format!("{e:?}")))
}

/// What the top of the pages says.
struct Head {
    title_lines: Vec<String>,
    group_lines: Vec<String>,
    /// The one-line running head of the pages after the first.
    running: String,
    first_table_top: f32,
}

/// Title, group, the header block and a one-line hint; returns where the table starts.
fn first_page_head(pen: &mut Pen<'_, '_>, head: &Head) -> f32 {
    let (ink, mid) = (hex(INK), A4_SHORT / 2.0);
    let y = pen.lines(
        Style::bold(14.5, ink).center(),
        19.0,
        mid,
        TOP + 14.0,
        &head.title_lines,
    );
    let y = pen.lines(
        Style::regular(12.5, ink).center(),
        17.0,
        mid,
        y,
        &head.group_lines,
    );
    header_block(pen, y + 6.0);
    let hint = "Ghi điểm tự chấm vào ô trống ở cột cuối, không quá điểm tối đa của chỉ tiêu.";
    let hint_y = head.first_table_top - 9.0;
    pen.text(Style::regular(9.5, hex(GREY)), LEFT, hint_y, hint);
    head.first_table_top
}

/// The running head of a continuation page; returns where the table starts.
fn next_page_head(pen: &mut Pen<'_, '_>, head: &Head) -> f32 {
    let size = pen
        .fonts
        .fit_size(Weight::Regular, &head.running, 9.0, 6.0, RIGHT - LEFT);
    pen.text(
        Style::regular(size, hex(GREY)),
        LEFT,
        TOP - 8.0,
        &head.running,
    );
    NEXT_TOP
}

/// A label followed by a dotted line to `to`.
fn blank(pen: &mut Pen<'_, '_>, x: f32, y: f32, to: f32, label: &str) {
    let w = pen.text(Style::regular(11.5, hex(INK)), x, y, label);
    pen.line(x + w + 4.0, y + 1.5, to, y + 1.5, 0.9, hex(GREY), true);
}

/// Full name, birth year, village/branch, commune, phone: lines to write on.
fn header_block(pen: &mut Pen<'_, '_>, top: f32) {
    let y = top + 18.0;
    blank(pen, LEFT, y, 395.0, "Họ và tên:");
    blank(pen, 405.0, y, RIGHT, "Năm sinh:");
    blank(pen, LEFT, y + 24.0, RIGHT, "Thôn, tổ dân phố / Chi hội:");
    blank(pen, LEFT, y + 48.0, 330.0, "Xã, phường:");
    blank(pen, 340.0, y + 48.0, RIGHT, "Số điện thoại:");
}

/// The column edges: code | text | max | self-score.
fn columns() -> [f32; 5] {
    let a = LEFT;
    let b = a + CODE_W;
    let c = b + TEXT_W;
    let d = c + MAX_W;
    [a, b, c, d, RIGHT]
}

fn row_frame(pen: &mut Pen<'_, '_>, y: f32, h: f32) {
    let rule = hex(RULE);
    pen.stroke_rect(LEFT, y, RIGHT - LEFT, h, 0.7, rule);
    for x in &columns()[1..4] {
        pen.line(*x, y, *x, y + h, 0.7, rule, false);
    }
}

fn table_header(pen: &mut Pen<'_, '_>, y: f32) -> f32 {
    let [a, b, c, d, e] = columns();
    pen.fill_rect(LEFT, y, RIGHT - LEFT, HEADER_ROW_H, hex(SHADE));
    row_frame(pen, y, HEADER_ROW_H);
    let ink = hex(INK);
    let one = y + HEADER_ROW_H / 2.0 + 3.5;
    pen.text(Style::bold(10.0, ink).center(), (a + b) / 2.0, one, "TT");
    pen.text(
        Style::bold(10.0, ink).center(),
        (b + c) / 2.0,
        one,
        "Nội dung chỉ tiêu",
    );
    for (mid, top, bottom) in [
        ((c + d) / 2.0, "Điểm", "tối đa"),
        ((d + e) / 2.0, "Điểm", "tự chấm"),
    ] {
        pen.text(Style::bold(10.0, ink).center(), mid, y + 14.0, top);
        pen.text(Style::bold(10.0, ink).center(), mid, y + 27.0, bottom);
    }
    y + HEADER_ROW_H
}

/// An empty box to write a score in, centred in the self-score column.
fn score_box(pen: &mut Pen<'_, '_>, y: f32, h: f32) {
    let [_, _, _, d, e] = columns();
    let (w, bh) = (40.0, 18.0);
    pen.stroke_rect((d + e - w) / 2.0, y + (h - bh) / 2.0, w, bh, 0.8, hex(RULE));
}

fn table_row(pen: &mut Pen<'_, '_>, y: f32, row: &Row) -> f32 {
    let [a, b, c, d, _] = columns();
    let ink = hex(INK);
    row_frame(pen, y, row.height);
    let first = y + PAD + SIZE;
    let middle = y + row.height / 2.0 + 3.5;
    pen.text(
        Style::regular(SIZE, ink).center(),
        (a + b) / 2.0,
        middle,
        &row.code,
    );
    pen.lines(
        Style::regular(SIZE, ink),
        LEADING,
        b + PAD,
        first,
        &row.lines,
    );
    pen.text(
        Style::regular(SIZE, ink).center(),
        (c + d) / 2.0,
        middle,
        &row.max.to_string(),
    );
    score_box(pen, y, row.height);
    y + row.height
}

fn total_row(pen: &mut Pen<'_, '_>, y: f32, total: u64) -> f32 {
    let [_, b, c, d, _] = columns();
    let rule = hex(RULE);
    pen.fill_rect(LEFT, y, RIGHT - LEFT, TOTAL_ROW_H, hex(SHADE));
    pen.stroke_rect(LEFT, y, RIGHT - LEFT, TOTAL_ROW_H, 0.7, rule);
    for x in [c, d] {
        pen.line(x, y, x, y + TOTAL_ROW_H, 0.7, rule, false);
    }
    let base = y + TOTAL_ROW_H / 2.0 + 3.5;
    let ink = hex(INK);
    pen.text(Style::bold(SIZE, ink), b + PAD, base, "Tổng cộng");
    pen.text(
        Style::bold(SIZE, ink).center(),
        (c + d) / 2.0,
        base,
        &total.to_string(),
    );
    score_box(pen, y, TOTAL_ROW_H);
    y + TOTAL_ROW_H
}

/// Date line and the two places to sign: the branch's confirmation and the person's own.
fn signatures(pen: &mut Pen<'_, '_>, y: f32) {
    let (ink, grey) = (hex(INK), hex(GREY));
    let (left, right) = (LEFT + 120.0, RIGHT - 120.0);
    pen.text(
        Style::regular(11.0, ink).center(),
        right,
        y,
        "…………, ngày …… tháng …… năm 20……",
    );
    pen.text(
        Style::bold(11.5, ink).center(),
        left,
        y + 22.0,
        "Xác nhận của chi hội",
    );
    pen.text(
        Style::bold(11.5, ink).center(),
        right,
        y + 22.0,
        "Người tự đánh giá",
    );
    pen.text(
        Style::regular(9.5, grey).center(),
        left,
        y + 36.0,
        "(Ký, ghi rõ họ tên, đóng dấu nếu có)",
    );
    pen.text(
        Style::regular(9.5, grey).center(),
        right,
        y + 36.0,
        "(Ký, ghi rõ họ tên)",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(h: f32) -> Row {
        Row {
            code: "1".into(),
            lines: vec!["x".into()],
            max: 1,
            height: h,
        }
    }

    #[test]
    fn few_rows_fit_one_page() {
        let plan = paginate(&[row(30.0), row(30.0)], 200.0);
        assert_eq!(plan.len(), 1);
        assert_eq!(plan[0].rows, 0..2);
        assert!(plan[0].last);
    }

    #[test]
    fn rows_flow_onto_next_pages_and_signatures_stay_at_the_end() {
        let rows: Vec<Row> = (0..40).map(|_| row(40.0)).collect();
        let plan = paginate(&rows, 200.0);
        assert!(plan.len() >= 3, "{}", plan.len());
        // Every row appears exactly once, in order.
        let mut next = 0;
        for p in &plan {
            assert_eq!(p.rows.start, next);
            next = p.rows.end;
        }
        assert_eq!(next, rows.len());
        assert!(plan.iter().take(plan.len() - 1).all(|p| !p.last));
        assert!(plan.last().is_some_and(|p| p.last));
    }

    #[test]
    fn the_total_line_takes_the_last_row_with_it() {
        // 13 rows of 40 pt fill the first page up to where the total and signatures no longer fit.
        let rows: Vec<Row> = (0..13).map(|_| row(40.0)).collect();
        let plan = paginate(&rows, 200.0);
        assert_eq!(plan.len(), 2);
        assert_eq!(plan[1].rows, 12..13);
        assert!(plan[1].last);
    }
}
