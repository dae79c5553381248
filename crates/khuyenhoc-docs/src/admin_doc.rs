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
//! The layout is done in two passes: [`Flow`] places everything onto pages as a list of drawing
//! operations (so page breaks are known before anything is drawn), then each page is drawn.

use chrono::{Datelike, NaiveDate};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::Document;

use crate::layout::{hex, Fonts, Pen, Style, Weight, A4_LONG, A4_SHORT};
use crate::{field, DocError, Invalid};

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

// Limits that keep a document printable in a reasonable time.
const MAX_BLOCKS: usize = 2_000;
const MAX_PARAGRAPH: usize = 20_000;
const MAX_HEADING: usize = 500;
const MAX_COLUMNS: usize = 12;
const MAX_ROWS: usize = 10_000;
const MAX_CELL: usize = 2_000;
const MAX_HEADER_CELL: usize = 200;
const MAX_RECIPIENTS: usize = 60;
/// The narrowest table column, in points (about 8 mm).
const MIN_COLUMN: f32 = 22.0;

/// The symbol printed when `number_symbol` is empty: a report of the study-promotion
/// association (Decree 30 abbreviates "Báo cáo" as "BC").
const DEFAULT_SYMBOL: &str = "BC-KH";
/// The room left to write the number by hand.
const NUMBER_BLANK: &str = "      ";

// Page geometry (points, y downwards). 1 mm = 72 / 25.4 pt.
const MM: f32 = 72.0 / 25.4;
const PAGE_W: f32 = A4_SHORT;
const PAGE_H: f32 = A4_LONG;
const LEFT: f32 = 30.0 * MM;
const RIGHT: f32 = PAGE_W - 15.0 * MM;
const TOP: f32 = 20.0 * MM;
const BOTTOM: f32 = PAGE_H - 20.0 * MM;
const TEXT_W: f32 = RIGHT - LEFT;
const MID: f32 = (LEFT + RIGHT) / 2.0;
/// The header's two columns: the issuer on the left, the national name on the right. The
/// closing block uses the same split (recipients left, signature right).
const HEAD_LEFT_W: f32 = TEXT_W - HEAD_RIGHT_W;
const HEAD_LEFT_X: f32 = LEFT + HEAD_LEFT_W / 2.0;
/// Wide enough for the national name in bold 11.5 pt (about 236 pt).
const HEAD_RIGHT_W: f32 = 242.0;
const HEAD_RIGHT_X: f32 = LEFT + HEAD_LEFT_W + HEAD_RIGHT_W / 2.0;
/// The page number's baseline, in the top margin.
const PAGE_NO_Y: f32 = 12.0 * MM;

// Type sizes (points). Noto Sans runs larger than the Times New Roman the decree names, so the
// sizes sit at the low end of its ranges.
const HEAD_SIZE: f32 = 12.0;
const HEAD_LEADING: f32 = 15.0;
const NATION_SIZE: f32 = 11.5;
const MOTTO_SIZE: f32 = 12.5;
const NUMBER_SIZE: f32 = 12.5;
const DATE_SIZE: f32 = 12.5;
const TITLE_SIZE: f32 = 14.0;
const SUBTITLE_SIZE: f32 = 12.5;
const SUBTITLE_LEADING: f32 = 16.5;
const BODY_SIZE: f32 = 12.5;
const BODY_LEADING: f32 = 17.0;
/// The space after a paragraph.
const PARA_GAP: f32 = 6.0;
/// The first-line indent (1.27 cm).
const INDENT: f32 = 12.7 * MM;
const CELL_SIZE: f32 = 10.5;
const CELL_LEADING: f32 = 13.5;
const CELL_PAD: f32 = 4.0;
const TO_SIZE: f32 = 12.0;
const TO_ITEM_SIZE: f32 = 11.0;
const TO_LEADING: f32 = 14.0;
const SIGN_SIZE: f32 = 12.5;
const SIGN_LEADING: f32 = 16.5;
/// The room to sign (and stamp) between the signer's position and name.
const SIGN_ROOM: f32 = 72.0;
const PAGE_NO_SIZE: f32 = 12.5;

const INK: u32 = 0x00_00_00;
const RULE: u32 = 0x33_33_33;
const SHADE: u32 = 0xEE_EE_EE;

/// A table whose texts have been cleaned and wrapped.
struct Table {
    /// Column edges, `columns + 1` of them, from `LEFT` to `RIGHT`.
    edges: Vec<f32>,
    numeric: Vec<bool>,
    header: Vec<Vec<String>>,
    header_h: f32,
    /// Each row: each cell's lines.
    rows: Vec<Vec<Vec<String>>>,
}

enum Body {
    Heading(String),
    Paragraph(String),
    Table(Table),
}

/// A document whose texts have been cleaned and checked.
struct Clean {
    parent: Option<String>,
    issuer: String,
    number: String,
    place_date: String,
    title: String,
    subtitle: Option<String>,
    body: Vec<Body>,
    recipients: Vec<String>,
    capacity: Option<String>,
    signer_title: String,
    signer_name: String,
}

/// An optional text: blank is `None`, otherwise checked like a required one.
fn optional(s: &str, max: usize, err: Invalid) -> Result<Option<String>, DocError> {
    let c = khuyenhoc_domain::text::clean(s);
    if c.is_empty() {
        Ok(None)
    } else {
        field(&c, max, err).map(Some)
    }
}

/// "Số: 12/BC-KH"; "Số:      /BC-KH" when only the symbol (or nothing) is given, so the
/// number can be written in by hand when the document is registered.
fn number_line(number_symbol: &str) -> Result<String, DocError> {
    let s = optional(
        number_symbol,
        60,
        Invalid::new(
            "Số, ký hiệu văn bản dài quá 60 ký tự",
            "The number and symbol are longer than 60 characters",
        ),
    )?;
    Ok(match s {
        None => format!("Số:{NUMBER_BLANK}/{DEFAULT_SYMBOL}"),
        Some(s) => match s.split_once('/') {
            Some((n, symbol)) if n.trim().is_empty() => {
                format!("Số:{NUMBER_BLANK}/{}", symbol.trim())
            }
            _ => format!("Số: {s}"),
        },
    })
}

/// "Hà Nội, ngày 05 tháng 02 năm 2026": Decree 30 writes a day below 10 and a month below 3
/// with a leading zero (so "tháng 02" but "tháng 3").
fn place_and_date(place: &str, (y, m, d): (i32, u32, u32)) -> Result<String, DocError> {
    let bad = || {
        DocError::Invalid(Invalid::new(
            "Ngày ban hành văn bản không hợp lệ",
            "The date of issue is not a valid date",
        ))
    };
    let date = NaiveDate::from_ymd_opt(y, m, d).ok_or_else(bad)?;
    if !(1990..=2200).contains(&date.year()) {
        return Err(bad());
    }
    let month = if date.month() < 3 {
        format!("{:02}", date.month())
    } else {
        date.month().to_string()
    };
    Ok(format!(
        "{place}, ngày {:02} tháng {month} năm {}",
        date.day(),
        date.year()
    ))
}

/// "- X;" lines, then the archive line ("- Lưu: VT." unless the caller gave one).
fn recipients(list: &[String]) -> Result<Vec<String>, DocError> {
    if list.len() > MAX_RECIPIENTS {
        return Err(DocError::Invalid(Invalid::new(
            "Nơi nhận có quá 60 dòng",
            "There are more than 60 recipients",
        )));
    }
    let mut lines = Vec::new();
    let mut archive = None;
    for r in list {
        let Some(c) = optional(
            r,
            200,
            Invalid::new(
                "Một nơi nhận dài quá 200 ký tự",
                "A recipient is longer than 200 characters",
            ),
        )?
        else {
            continue;
        };
        let c = c.trim_start_matches(['-', '+', ' ']);
        let c = c.trim_end_matches([';', '.', ',', ' ']);
        if c.is_empty() {
            continue;
        }
        if khuyenhoc_domain::text::fold(c).starts_with("luu") {
            archive = Some(c.to_owned());
        } else {
            lines.push(format!("- {c};"));
        }
    }
    let archive = archive.unwrap_or_else(|| "Lưu: VT".to_owned());
    lines.push(format!("- {archive}."));
    Ok(lines)
}

/// Checks and wraps one table.
fn table(
    fonts: &Fonts,
    headers: &[String],
    rows: &[Vec<String>],
    widths: &[f32],
    numeric: &[bool],
) -> Result<Table, DocError> {
    let n = headers.len();
    if n == 0 || n > MAX_COLUMNS {
        return Err(DocError::Invalid(Invalid::new(
            "Bảng phải có từ 1 đến 12 cột",
            "A table must have 1 to 12 columns",
        )));
    }
    if rows.len() > MAX_ROWS {
        return Err(DocError::Invalid(Invalid::new(
            "Bảng có quá 10000 dòng",
            "A table has more than 10000 rows",
        )));
    }
    let widths: Vec<f32> = if widths.is_empty() {
        vec![1.0; n]
    } else {
        widths.to_vec()
    };
    if widths.len() != n || widths.iter().any(|w| !w.is_finite() || *w <= 0.0) {
        return Err(DocError::Invalid(Invalid::new(
            "Độ rộng cột của bảng phải là số dương, mỗi cột một số",
            "A table needs one positive width per column",
        )));
    }
    let numeric: Vec<bool> = if numeric.is_empty() {
        vec![false; n]
    } else {
        numeric.to_vec()
    };
    if numeric.len() != n {
        return Err(DocError::Invalid(Invalid::new(
            "Bảng phải ghi rõ căn phải hay không cho từng cột",
            "A table needs one alignment flag per column",
        )));
    }
    let sum: f32 = widths.iter().sum();
    let mut edges = vec![LEFT];
    let mut acc = 0.0;
    for w in &widths {
        acc += w;
        edges.push(LEFT + TEXT_W * acc / sum);
    }
    if let Some(last) = edges.last_mut() {
        *last = RIGHT;
    }
    if edges.windows(2).any(|e| e[1] - e[0] < MIN_COLUMN) {
        return Err(DocError::Invalid(Invalid::new(
            "Một cột của bảng quá hẹp (tỷ lệ độ rộng các cột chênh nhau quá nhiều)",
            "A table column is too narrow (the relative widths differ too much)",
        )));
    }
    let inner = |i: usize| (edges[i + 1] - edges[i] - 2.0 * CELL_PAD).max(CELL_SIZE);
    let mut header = Vec::with_capacity(n);
    for (i, h) in headers.iter().enumerate() {
        let c = khuyenhoc_domain::text::clean(h);
        if c.chars().count() > MAX_HEADER_CELL || c.chars().any(char::is_control) {
            return Err(DocError::Invalid(Invalid::new(
                "Tiêu đề cột của bảng dài quá 200 ký tự",
                "A table column heading is longer than 200 characters",
            )));
        }
        header.push(fonts.wrap(Weight::Bold, &c, CELL_SIZE, inner(i)));
    }
    let mut wrapped = Vec::with_capacity(rows.len());
    for row in rows {
        if row.len() != n {
            return Err(DocError::Invalid(Invalid::new(
                "Mỗi dòng của bảng phải có đủ số ô như số cột",
                "Every table row must have one cell per column",
            )));
        }
        let mut cells = Vec::with_capacity(n);
        for (i, cell) in row.iter().enumerate() {
            let c = khuyenhoc_domain::text::clean(cell);
            if c.chars().count() > MAX_CELL || c.chars().any(char::is_control) {
                return Err(DocError::Invalid(Invalid::new(
                    "Một ô của bảng dài quá 2000 ký tự",
                    "A table cell is longer than 2000 characters",
                )));
            }
            cells.push(fonts.wrap(Weight::Regular, &c, CELL_SIZE, inner(i)));
        }
        wrapped.push(cells);
    }
    let header_h = cell_height(header.iter().map(Vec::len).max().unwrap_or(0));
    if header_h > (BOTTOM - TOP) / 3.0 {
        return Err(DocError::Invalid(Invalid::new(
            "Tiêu đề cột của bảng quá dài so với độ rộng cột",
            "A table column heading is too long for its column",
        )));
    }
    Ok(Table {
        edges,
        numeric,
        header,
        header_h,
        rows: wrapped,
    })
}

/// The height of a table row whose tallest cell has `lines` lines.
fn cell_height(lines: usize) -> f32 {
    2.0 * CELL_PAD + lines.max(1) as f32 * CELL_LEADING
}

/// Checks the body's blocks and wraps its tables; blank headings and paragraphs are left out.
fn body(fonts: &Fonts, blocks: &[Block]) -> Result<Vec<Body>, DocError> {
    let inv = Invalid::new;
    if blocks.len() > MAX_BLOCKS {
        return Err(DocError::Invalid(inv(
            "Nội dung văn bản có quá 2000 đoạn",
            "The body has more than 2000 blocks",
        )));
    }
    let mut body = Vec::with_capacity(blocks.len());
    for block in blocks {
        match block {
            Block::Heading(h) => {
                let h = optional(
                    h,
                    MAX_HEADING,
                    inv(
                        "Một đề mục dài quá 500 ký tự",
                        "A heading is longer than 500 characters",
                    ),
                )?;
                body.extend(h.map(Body::Heading));
            }
            Block::Paragraph(p) => {
                let p = optional(
                    p,
                    MAX_PARAGRAPH,
                    inv(
                        "Một đoạn văn dài quá 20000 ký tự",
                        "A paragraph is longer than 20000 characters",
                    ),
                )?;
                body.extend(p.map(Body::Paragraph));
            }
            Block::Table {
                headers,
                rows,
                widths,
                numeric,
            } => body.push(Body::Table(table(fonts, headers, rows, widths, numeric)?)),
        }
    }
    Ok(body)
}

fn clean(fonts: &Fonts, d: &AdminDoc) -> Result<Clean, DocError> {
    let inv = Invalid::new;
    let parent = optional(
        &d.parent_issuer,
        200,
        inv(
            "Tên cơ quan chủ quản dài quá 200 ký tự",
            "The parent body's name is longer than 200 characters",
        ),
    )?;
    let issuer = field(
        &d.issuer,
        200,
        inv(
            "Thiếu tên cơ quan ban hành (tối đa 200 ký tự)",
            "The issuer's name is missing or longer than 200 characters",
        ),
    )?;
    let place = field(
        &d.place,
        60,
        inv(
            "Thiếu địa danh (tối đa 60 ký tự)",
            "The place of issue is missing or longer than 60 characters",
        ),
    )?;
    let title = field(
        &d.title,
        100,
        inv(
            "Thiếu tên loại văn bản (tối đa 100 ký tự)",
            "The kind of document is missing or longer than 100 characters",
        ),
    )?;
    let subtitle = optional(
        &d.subtitle,
        500,
        inv(
            "Trích yếu nội dung dài quá 500 ký tự",
            "The summary line is longer than 500 characters",
        ),
    )?;
    let capacity = optional(
        &d.signer_capacity,
        100,
        inv(
            "Thẩm quyền ký dài quá 100 ký tự",
            "The signing capacity is longer than 100 characters",
        ),
    )?;
    let signer_title = field(
        &d.signer_title,
        100,
        inv(
            "Thiếu chức vụ người ký (tối đa 100 ký tự)",
            "The signer's position is missing or longer than 100 characters",
        ),
    )?;
    let signer_name = field(
        &d.signer_name,
        khuyenhoc_domain::limits::NAME.max,
        inv(
            "Thiếu họ tên người ký (tối đa 100 ký tự)",
            "The signer's name is missing or longer than 100 characters",
        ),
    )?;
    let body = body(fonts, &d.blocks)?;
    Ok(Clean {
        parent: parent.map(|p| p.to_uppercase()),
        issuer: issuer.to_uppercase(),
        number: number_line(&d.number_symbol)?,
        place_date: place_and_date(&place, d.date)?,
        title: title.to_uppercase(),
        subtitle,
        body,
        recipients: recipients(&d.recipients)?,
        capacity: capacity.map(|c| c.to_uppercase()),
        signer_title: signer_title.to_uppercase(),
        signer_name,
    })
}

/// One drawing operation, placed on a page.
#[derive(Debug, Clone, PartialEq)]
enum Op {
    /// A line of text; `x` is its anchor (see [`Style`]'s alignment).
    Text {
        style: Style,
        x: f32,
        y: f32,
        text: String,
    },
    /// A line of text stretched from `x` to `x + width`.
    Justified {
        style: Style,
        x: f32,
        y: f32,
        width: f32,
        text: String,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
    },
    /// A rectangle's outline (a table cell row).
    Frame {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
    /// A grey fill (the table's header row).
    Shade {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
}

/// Places content onto pages. `y` is the top of the free space on the current page.
struct Flow<'f> {
    fonts: &'f Fonts,
    pages: Vec<Vec<Op>>,
    y: f32,
    /// Where the last paragraph's last lines are, while it is the last thing placed: the
    /// closing block takes some of them along when it has to go onto a new page.
    tail: Option<Tail>,
    /// Where the last heading's last lines start (page, operation), until the next block.
    heading: Option<(usize, usize)>,
}

/// The last lines of a paragraph on its last page: one operation per line from `start`.
struct Tail {
    page: usize,
    start: usize,
    /// The whole paragraph is on this page.
    whole: bool,
    /// Where the heading just before it starts, when that is on this page too.
    heading: Option<usize>,
}

fn ink() -> krilla::color::rgb::Color {
    hex(INK)
}

impl<'f> Flow<'f> {
    fn new(fonts: &'f Fonts) -> Self {
        Self {
            fonts,
            pages: vec![Vec::new()],
            y: TOP,
            tail: None,
            heading: None,
        }
    }

    fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    fn text(&mut self, style: Style, x: f32, y: f32, text: &str) {
        self.push(Op::Text {
            style,
            x,
            y,
            text: text.to_owned(),
        });
    }

    fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        self.push(Op::Line { x1, y1, x2, y2 });
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    fn at_top(&self) -> bool {
        self.y <= TOP
    }

    /// Starts a new page unless `h` more points fit on this one (or this one is still empty).
    fn need(&mut self, h: f32) {
        if self.y + h > BOTTOM && !self.at_top() {
            self.new_page();
        }
    }

    /// Lines centred on `cx`, the first baseline at `y`; returns the last baseline.
    fn centred(&mut self, style: Style, leading: f32, cx: f32, y: f32, lines: &[String]) -> f32 {
        let mut base = y;
        for (i, l) in lines.iter().enumerate() {
            base = y + i as f32 * leading;
            self.text(style.center(), cx, base, l);
        }
        base
    }

    /// The header of the first page, the title and the summary.
    fn head(&mut self, c: &Clean) {
        let fonts = self.fonts;
        let ink = ink();
        let first = TOP + HEAD_SIZE;
        // Left: the parent body, the issuer with a short rule under it.
        // Narrower than the column, so a long name keeps clear of the national name.
        let col = HEAD_LEFT_W - 16.0;
        let mut y = first;
        if let Some(parent) = &c.parent {
            let (size, lines) = fonts.fit_lines(Weight::Regular, parent, HEAD_SIZE, 10.5, col);
            y = self.centred(
                Style::regular(size, ink),
                HEAD_LEADING,
                HEAD_LEFT_X,
                y,
                &lines,
            ) + HEAD_LEADING;
        }
        let (size, lines) = fonts.fit_lines(Weight::Bold, &c.issuer, HEAD_SIZE, 10.5, col);
        let last = self.centred(Style::bold(size, ink), HEAD_LEADING, HEAD_LEFT_X, y, &lines);
        let widest = lines
            .iter()
            .map(|l| fonts.width(Weight::Bold, l, size))
            .fold(0.0, f32::max);
        let half = (widest * 0.4).clamp(20.0, col / 2.0) / 2.0;
        let left_rule = last + 6.0;
        self.line(HEAD_LEFT_X - half, left_rule, HEAD_LEFT_X + half, left_rule);
        // Right: the national name and the motto with a rule as long as the motto.
        let col = HEAD_RIGHT_W - 4.0;
        let nation = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
        let size = fonts.fit_size(Weight::Bold, nation, NATION_SIZE, 9.0, col);
        self.text(Style::bold(size, ink).center(), HEAD_RIGHT_X, first, nation);
        let motto = "Độc lập - Tự do - Hạnh phúc";
        let motto_y = first + HEAD_LEADING + 1.5;
        self.text(
            Style::bold(MOTTO_SIZE, ink).center(),
            HEAD_RIGHT_X,
            motto_y,
            motto,
        );
        let half = fonts.width(Weight::Bold, motto, MOTTO_SIZE) / 2.0;
        let right_rule = motto_y + 6.0;
        self.line(
            HEAD_RIGHT_X - half,
            right_rule,
            HEAD_RIGHT_X + half,
            right_rule,
        );
        // The number on the left and the place and date on the right, on one line.
        let base = left_rule.max(right_rule) + 21.0;
        let (size, lines) =
            fonts.fit_lines(Weight::Regular, &c.number, NUMBER_SIZE, 10.0, HEAD_LEFT_W);
        let number_end = self.centred(
            Style::regular(size, ink),
            size + 3.0,
            HEAD_LEFT_X,
            base,
            &lines,
        );
        let (size, lines) = fonts.fit_lines(Weight::Regular, &c.place_date, DATE_SIZE, 10.5, col);
        let date_end = self.centred(
            Style::regular(size, ink).italic(),
            size + 3.0,
            HEAD_RIGHT_X,
            base,
            &lines,
        );
        // The kind of document and the summary, centred, with a short rule under them.
        let title_y = number_end.max(date_end) + 36.0;
        let lines = fonts.wrap(Weight::Bold, &c.title, TITLE_SIZE, TEXT_W);
        let mut last = self.centred(
            Style::bold(TITLE_SIZE, ink),
            TITLE_SIZE + 4.0,
            MID,
            title_y,
            &lines,
        );
        if let Some(subtitle) = &c.subtitle {
            let lines = balanced(fonts, subtitle, SUBTITLE_SIZE, TEXT_W * 0.85);
            last = self.centred(
                Style::bold(SUBTITLE_SIZE, ink),
                SUBTITLE_LEADING,
                MID,
                last + SUBTITLE_LEADING + 2.0,
                &lines,
            );
        }
        let rule = last + 9.0;
        self.line(MID - 45.0, rule, MID + 45.0, rule);
        self.y = rule + 18.0;
    }

    /// `text` wrapped to the text width with the first line indented.
    fn indented(&self, weight: Weight, text: &str) -> Vec<String> {
        let fonts = self.fonts;
        let mut lines = fonts.wrap(weight, text, BODY_SIZE, TEXT_W - INDENT);
        let Some(first) = lines.first().cloned() else {
            return lines;
        };
        // The first line is a prefix of the cleaned text; were it not, the narrower wrapping
        // (which still fits) is kept.
        let rest = text.strip_prefix(first.as_str()).map(str::trim);
        if let Some(rest) = rest.filter(|r| !r.is_empty()) {
            lines.truncate(1);
            lines.extend(fonts.wrap(weight, rest, BODY_SIZE, TEXT_W));
        }
        lines
    }

    /// A paragraph (justified, the last line ragged) or a heading (bold, ragged), flowing
    /// over pages: at least two lines at the foot of a page and at the head of the next.
    fn paragraph(&mut self, text: &str, heading: bool) {
        let weight = if heading {
            Weight::Bold
        } else {
            Weight::Regular
        };
        let lines = self.indented(weight, text);
        let n = lines.len();
        self.tail = None;
        let heading_before = self.heading.take();
        if heading {
            // A heading keeps its lines and two lines of what follows on its page.
            self.y += PARA_GAP / 2.0;
            self.need(BODY_LEADING * (n + 2) as f32);
        }
        let style = Style {
            weight,
            ..Style::regular(BODY_SIZE, ink())
        };
        let mut i = 0;
        while i < n {
            let room = ((BOTTOM - self.y) / BODY_LEADING).floor().max(0.0) as usize;
            let left = n - i;
            let take = if room >= left {
                left
            } else if left <= 3 || room < 2 {
                // Too little room for an orphan-free split: go to the next page.
                if self.at_top() {
                    room.max(1)
                } else {
                    self.new_page();
                    continue;
                }
            } else {
                // Leave at least two lines for the next page.
                room.min(left - 2)
            };
            let page = self.pages.len() - 1;
            let start = self.pages[page].len();
            if heading {
                self.heading = Some((page, start));
            } else {
                self.tail = Some(Tail {
                    page,
                    start,
                    whole: i == 0,
                    heading: heading_before
                        .filter(|(p, _)| i == 0 && *p == page)
                        .map(|(_, at)| at),
                });
            }
            for (k, line) in lines[i..i + take].iter().enumerate() {
                let j = i + k;
                let x = if j == 0 { LEFT + INDENT } else { LEFT };
                let base = self.y + BODY_SIZE;
                if j + 1 < n && !heading {
                    self.push(Op::Justified {
                        style,
                        x,
                        y: base,
                        width: RIGHT - x,
                        text: line.clone(),
                    });
                } else {
                    self.text(style, x, base, line);
                }
                self.y += BODY_LEADING;
            }
            i += take;
            if i < n {
                self.new_page();
            }
        }
        self.y += PARA_GAP;
    }

    fn table_header(&mut self, t: &Table) {
        let ink = ink();
        let top = self.y;
        self.push(Op::Shade {
            x: LEFT,
            y: top,
            w: TEXT_W,
            h: t.header_h,
        });
        let cells: Vec<(f32, &[String])> = t
            .header
            .iter()
            .enumerate()
            .map(|(i, lines)| ((t.edges[i] + t.edges[i + 1]) / 2.0, lines.as_slice()))
            .collect();
        for (cx, lines) in cells {
            // Centred vertically and horizontally.
            let h = lines.len() as f32 * CELL_LEADING;
            let first = top + (t.header_h - h) / 2.0 + CELL_SIZE;
            self.centred(Style::bold(CELL_SIZE, ink), CELL_LEADING, cx, first, lines);
        }
        self.frame(t, top, t.header_h);
        self.y += t.header_h;
    }

    /// The outline of a row and its column rules.
    fn frame(&mut self, t: &Table, top: f32, h: f32) {
        self.push(Op::Frame {
            x: LEFT,
            y: top,
            w: TEXT_W,
            h,
        });
        for x in &t.edges[1..t.edges.len() - 1] {
            self.line(*x, top, *x, top + h);
        }
    }

    /// Lines `from..to` of every cell of a row, as one row of the table.
    fn row_part(&mut self, t: &Table, row: &[Vec<String>], from: usize, to: usize) {
        let ink = ink();
        let top = self.y;
        let h = cell_height(to - from);
        for (i, cell) in row.iter().enumerate() {
            let end = to.min(cell.len());
            let Some(lines) = cell.get(from..end) else {
                continue;
            };
            let right = t.numeric.get(i).copied().unwrap_or(false);
            let x = if right {
                t.edges[i + 1] - CELL_PAD
            } else {
                t.edges[i] + CELL_PAD
            };
            let style = if right {
                Style::regular(CELL_SIZE, ink).right()
            } else {
                Style::regular(CELL_SIZE, ink)
            };
            for (k, line) in lines.iter().enumerate() {
                let base = top + CELL_PAD + k as f32 * CELL_LEADING + CELL_SIZE;
                self.text(style, x, base, line);
            }
        }
        self.frame(t, top, h);
        self.y += h;
    }

    /// A table: its header row, then the rows; when the page is full the table goes on on
    /// the next page under a repeated header. A row taller than the room left is split
    /// between its lines when it would not fit on a page of its own either.
    fn table(&mut self, t: &Table) {
        self.tail = None;
        self.heading = None;
        let first = t
            .rows
            .first()
            .map_or(0, |r| r.iter().map(Vec::len).max().unwrap_or(0));
        self.need(t.header_h + cell_height(first.min(3)));
        self.table_header(t);
        let page_room = BOTTOM - TOP - t.header_h;
        for row in &t.rows {
            let n = row.iter().map(Vec::len).max().unwrap_or(0);
            let mut from = 0;
            loop {
                let h = cell_height(n - from);
                let fresh = self.y <= TOP + t.header_h + 0.01;
                if self.y + h <= BOTTOM {
                    self.row_part(t, row, from, n);
                    break;
                }
                if h <= page_room && !fresh {
                    self.new_page();
                    self.table_header(t);
                    continue;
                }
                // Split the row: as many lines as fit here (at least one, so it progresses).
                let fit = ((BOTTOM - self.y - 2.0 * CELL_PAD) / CELL_LEADING).floor();
                let fit = fit.max(0.0) as usize;
                if fit < 2 && !fresh {
                    self.new_page();
                    self.table_header(t);
                    continue;
                }
                let to = (from + fit.max(1)).min(n);
                self.row_part(t, row, from, to);
                from = to;
                if from >= n {
                    break;
                }
                self.new_page();
                self.table_header(t);
            }
        }
        self.y += PARA_GAP * 2.0;
    }

    /// "Nơi nhận:" and its lines at the left, the signature block at the right, on one page.
    fn closing(&mut self, c: &Clean) {
        let fonts = self.fonts;
        let ink = ink();
        let to: Vec<String> = c
            .recipients
            .iter()
            .flat_map(|r| fonts.wrap(Weight::Regular, r, TO_ITEM_SIZE, HEAD_LEFT_W - 4.0))
            .collect();
        let col = HEAD_RIGHT_W - 8.0;
        let mut head: Vec<String> = Vec::new();
        for text in c.capacity.iter().chain([&c.signer_title]) {
            head.extend(fonts.wrap(Weight::Bold, text, SIGN_SIZE, col));
        }
        let (name_size, name) = fonts.fit_lines(Weight::Bold, &c.signer_name, SIGN_SIZE, 10.5, col);
        let left_h = TO_LEADING * (to.len() + 1) as f32;
        let right_h =
            SIGN_LEADING * head.len() as f32 + SIGN_ROOM + SIGN_LEADING * name.len() as f32;
        self.y += 6.0;
        // Kept together; only a list of recipients longer than a page goes on overleaf.
        let h = left_h.min(BOTTOM - TOP - SIGN_SIZE).max(right_h) + 6.0;
        if self.y + h > BOTTOM && !self.at_top() {
            self.carry_over();
            self.y += 6.0;
        }
        let top = self.y + SIGN_SIZE;
        self.text(Style::bold(TO_SIZE, ink).italic(), LEFT, top, "Nơi nhận:");
        let last = self.centred(
            Style::bold(SIGN_SIZE, ink),
            SIGN_LEADING,
            HEAD_RIGHT_X,
            top,
            &head,
        );
        let end = self.centred(
            Style::bold(name_size, ink),
            SIGN_LEADING,
            HEAD_RIGHT_X,
            last + SIGN_ROOM,
            &name,
        );
        let (mut base, mut overleaf) = (top, false);
        for line in &to {
            base += TO_LEADING;
            if base > BOTTOM {
                self.new_page();
                base = TOP + TO_ITEM_SIZE;
                overleaf = true;
            }
            self.text(Style::regular(TO_ITEM_SIZE, ink), LEFT, base, line);
        }
        self.y = if overleaf { base } else { base.max(end) } + 4.0;
    }

    /// Starts a new page for the closing block and takes the end of the paragraph before it
    /// along, so the signature never stands on a page without text: two lines of a paragraph
    /// that has four or more on the page, one of three; a shorter one goes whole, with its
    /// heading when that is just above it. Something always stays behind.
    fn carry_over(&mut self) {
        let last = self.pages.len() - 1;
        let moved = match self.tail.take() {
            Some(t) if t.page == last => {
                let ops = &mut self.pages[last];
                let len = ops.len();
                let from = match len - t.start {
                    4.. => len - 2,
                    3 => len - 1,
                    _ if t.whole => t.heading.unwrap_or(t.start),
                    _ => t.start,
                };
                if from > 0 {
                    ops.split_off(from)
                } else {
                    Vec::new()
                }
            }
            _ => Vec::new(),
        };
        self.new_page();
        let baselines = moved.iter().filter_map(|op| match op {
            Op::Text { y, .. } | Op::Justified { y, .. } => Some(*y),
            _ => None,
        });
        let (first, end) = baselines.fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), y| {
            (a.min(y), b.max(y))
        });
        if moved.is_empty() || !first.is_finite() {
            return;
        }
        let dy = TOP + BODY_SIZE - first;
        for mut op in moved {
            if let Op::Text { y, .. } | Op::Justified { y, .. } = &mut op {
                *y += dy;
            }
            self.push(op);
        }
        self.y = end + dy - BODY_SIZE + BODY_LEADING + PARA_GAP;
    }

    /// Page numbers from page 2 on, at the top centre.
    fn number_pages(&mut self) {
        let style = Style::regular(PAGE_NO_SIZE, ink()).center();
        for (i, page) in self.pages.iter_mut().enumerate().skip(1) {
            page.push(Op::Text {
                style,
                x: MID,
                y: PAGE_NO_Y,
                text: (i + 1).to_string(),
            });
        }
    }
}

/// Bold centred text wrapped into as few lines as at `width`, but with lines of even length
/// (the narrowest width that needs no more lines), as a summary line is set by hand.
fn balanced(fonts: &Fonts, text: &str, size: f32, width: f32) -> Vec<String> {
    let lines = fonts.wrap(Weight::Bold, text, size, width);
    if lines.len() < 2 {
        return lines;
    }
    let (mut lo, mut hi) = (width / 2.0, width);
    for _ in 0..12 {
        let mid = (lo + hi) / 2.0;
        if fonts.wrap(Weight::Bold, text, size, mid).len() > lines.len() {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    fonts.wrap(Weight::Bold, text, size, hi)
}

/// Lays the whole document out: the drawing operations of each page.
fn lay_out(fonts: &Fonts, c: &Clean) -> Vec<Vec<Op>> {
    let mut flow = Flow::new(fonts);
    flow.head(c);
    for block in &c.body {
        match block {
            Body::Heading(h) => flow.paragraph(h, true),
            Body::Paragraph(p) => flow.paragraph(p, false),
            Body::Table(t) => flow.table(t),
        }
    }
    flow.closing(c);
    flow.number_pages();
    flow.pages
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
    let c = clean(&fonts, doc)?;
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
mod tests {
    use super::*;

    fn doc(blocks: Vec<Block>) -> AdminDoc {
        AdminDoc {
            parent_issuer: "Hội Khuyến học tỉnh Phú Thọ".into(),
            issuer: "Hội Khuyến học phường Ba Đình".into(),
            number_symbol: "12/BC-KH".into(),
            place: "Hà Nội".into(),
            date: (2026, 11, 28),
            title: "Báo cáo".into(),
            subtitle: "Kết quả công tác khuyến học năm 2026".into(),
            blocks,
            recipients: vec!["Như trên".into()],
            signer_capacity: "TM. Ban Thường vụ".into(),
            signer_title: "Chủ tịch".into(),
            signer_name: "Trần Văn Bình".into(),
        }
    }

    fn pages_of(d: &AdminDoc) -> Vec<Vec<Op>> {
        let fonts = Fonts::load().expect("fonts");
        let c = clean(&fonts, d).expect("valid");
        lay_out(&fonts, &c)
    }

    /// Every baseline and box within the text area (page numbers in the top margin aside).
    fn assert_inside(pages: &[Vec<Op>]) {
        for (p, ops) in pages.iter().enumerate() {
            for op in ops {
                let (top, bottom) = match op {
                    Op::Text { y, text, .. } if *y == PAGE_NO_Y => {
                        assert_eq!(text, &(p + 1).to_string());
                        continue;
                    }
                    Op::Text { y, style, .. } | Op::Justified { y, style, .. } => {
                        (*y - style.size, *y)
                    }
                    Op::Line { y1, y2, .. } => (y1.min(*y2), y1.max(*y2)),
                    Op::Frame { y, h, .. } | Op::Shade { y, h, .. } => (*y, *y + *h),
                };
                assert!(
                    top >= TOP - 1.0 && bottom <= BOTTOM + 0.01,
                    "page {p}: {op:?} outside {TOP}..{BOTTOM}"
                );
            }
        }
    }

    #[test]
    fn numbers_and_dates_follow_the_decree() {
        assert_eq!(number_line("12/BC-KH").expect("ok"), "Số: 12/BC-KH");
        assert_eq!(number_line("").expect("ok"), "Số:      /BC-KH");
        assert_eq!(number_line(" /BC-HKH ").expect("ok"), "Số:      /BC-HKH");
        assert_eq!(
            place_and_date("Hà Nội", (2026, 11, 28)).expect("ok"),
            "Hà Nội, ngày 28 tháng 11 năm 2026"
        );
        assert_eq!(
            place_and_date("Việt Trì", (2026, 2, 5)).expect("ok"),
            "Việt Trì, ngày 05 tháng 02 năm 2026"
        );
        assert_eq!(
            place_and_date("Việt Trì", (2026, 3, 9)).expect("ok"),
            "Việt Trì, ngày 09 tháng 3 năm 2026"
        );
        assert!(place_and_date("Hà Nội", (2026, 2, 30)).is_err());
        assert!(place_and_date("Hà Nội", (1800, 1, 1)).is_err());
    }

    #[test]
    fn recipients_end_with_the_archive() {
        let r = recipients(&["Như trên;".into(), " ".into(), "- UBND phường.".into()]).expect("ok");
        assert_eq!(r, ["- Như trên;", "- UBND phường;", "- Lưu: VT."]);
        let r = recipients(&["Lưu: VT, VP".into(), "Như trên".into()]).expect("ok");
        assert_eq!(r, ["- Như trên;", "- Lưu: VT, VP."]);
    }

    #[test]
    fn a_row_taller_than_a_page_is_split_and_everything_stays_inside() {
        // 1 900 characters in a narrow column: hundreds of lines, more than a page.
        let huge = "Nội dung rất dài của một ô ".repeat(70);
        let d = doc(vec![
            Block::Paragraph("Đoạn mở đầu. ".repeat(40)),
            Block::Table {
                headers: vec!["TT".into(), "Nội dung".into(), "Số lượng".into()],
                rows: vec![
                    vec![huge.clone(), "Ô bên cạnh".into(), "1.000".into()],
                    vec!["2".into(), "Ngắn".into(), "2".into()],
                ],
                widths: vec![1.0, 8.0, 2.0],
                numeric: vec![false, false, true],
            },
        ]);
        let pages = pages_of(&d);
        assert!(pages.len() >= 3, "{} pages", pages.len());
        assert_inside(&pages);
        // Every page the table runs onto after the first repeats its header.
        let headers_on = |ops: &Vec<Op>| {
            ops.iter()
                .filter(|op| matches!(op, Op::Text { text, .. } if text == "Nội dung"))
                .count()
        };
        assert!(pages.iter().skip(1).take(2).all(|p| headers_on(p) == 1));
    }

    #[test]
    fn long_paragraphs_flow_and_stay_inside() {
        let blocks = (0..30)
            .flat_map(|i| {
                [
                    Block::Heading(format!("{i}. Đề mục thứ {i}")),
                    Block::Paragraph("Hội viên tích cực tham gia học tập suốt đời. ".repeat(12)),
                ]
            })
            .collect();
        let pages = pages_of(&doc(blocks));
        assert!(pages.len() >= 4);
        assert_inside(&pages);
        // The closing block is on the last page, all of it.
        let last = pages.last().expect("pages");
        for want in ["Nơi nhận:", "CHỦ TỊCH", "Trần Văn Bình", "- Lưu: VT."] {
            assert!(
                last.iter()
                    .any(|op| matches!(op, Op::Text { text, .. } if text == want)),
                "{want} not on the last page"
            );
        }
    }

    #[test]
    fn a_list_of_recipients_longer_than_a_page_goes_on_overleaf() {
        let mut d = doc(vec![Block::Paragraph("Nội dung. ".repeat(30))]);
        d.recipients = (1..=60)
            .map(|i| format!("Ban Thường vụ Hội Khuyến học xã, phường, đặc khu số {i} của tỉnh"))
            .collect();
        let pages = pages_of(&d);
        assert!(pages.len() >= 2, "{}", pages.len());
        assert_inside(&pages);
        let on = |p: &Vec<Op>, want: &str| {
            p.iter()
                .any(|op| matches!(op, Op::Text { text, .. } if text.contains(want)))
        };
        // "Nơi nhận:" stands with the signature; the archive line ends the list.
        let first = pages
            .iter()
            .position(|p| on(p, "Nơi nhận:"))
            .expect("closing");
        assert!(on(&pages[first], "Trần Văn Bình"));
        assert!(pages.last().is_some_and(|p| on(p, "- Lưu: VT.")));
    }

    #[test]
    fn a_paragraph_over_three_pages_loses_no_word() {
        let text: String = (1..=900)
            .map(|i| format!("từ{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        let pages = pages_of(&doc(vec![Block::Paragraph(text.clone())]));
        assert!(pages.len() >= 3, "{}", pages.len());
        assert_inside(&pages);
        let mut drawn = Vec::new();
        let mut lines_per_page = Vec::new();
        for ops in &pages {
            let before = drawn.len();
            for op in ops {
                match op {
                    Op::Justified { text, style, .. } | Op::Text { text, style, .. }
                        if style.size == BODY_SIZE && text.starts_with("từ") =>
                    {
                        drawn.push(text.as_str());
                    }
                    _ => {}
                }
            }
            lines_per_page.push(drawn.len() - before);
        }
        assert_eq!(drawn.join(" "), text);
        // No page holds a single line of it (no orphan, no widow).
        assert!(lines_per_page.iter().all(|n| *n != 1), "{lines_per_page:?}");
    }

    #[test]
    fn the_signature_never_stands_on_a_page_without_text() {
        let para = "Hội viên tích cực tham gia học tập suốt đời, đóng góp cho quỹ khuyến học. ";
        let mut carried = 0;
        for n in 1..=40 {
            let blocks = (0..n)
                .map(|i| Block::Paragraph(para.repeat(1 + i % 4)))
                .collect();
            let pages = pages_of(&doc(blocks));
            assert_inside(&pages);
            let closing = pages
                .iter()
                .position(|p| {
                    p.iter()
                        .any(|op| matches!(op, Op::Text { text, .. } if text == "Nơi nhận:"))
                })
                .expect("closing");
            let body_lines = |p: &Vec<Op>| {
                p.iter()
                    .filter(|op| {
                        matches!(op, Op::Text { text, style, .. } | Op::Justified { text, style, .. }
                            if style.size == BODY_SIZE && text.contains("học"))
                    })
                    .count()
            };
            assert!(body_lines(&pages[closing]) >= 1, "{n} paragraphs");
            if closing > 0 {
                carried += 1;
                assert!(body_lines(&pages[closing - 1]) >= 2, "{n} paragraphs");
            }
        }
        assert!(
            carried > 10,
            "the closing went overleaf only {carried} times"
        );
    }

    #[test]
    fn bad_tables_are_refused() {
        let bad = |headers: Vec<&str>, rows: Vec<Vec<&str>>, widths: Vec<f32>| {
            let t = Block::Table {
                headers: headers.into_iter().map(Into::into).collect(),
                rows: rows
                    .into_iter()
                    .map(|r| r.into_iter().map(Into::into).collect())
                    .collect(),
                widths,
                numeric: vec![],
            };
            matches!(admin_doc_pdf(&doc(vec![t])), Err(DocError::Invalid(_)))
        };
        assert!(bad(vec![], vec![], vec![]));
        assert!(bad(vec!["A", "B"], vec![vec!["1"]], vec![]));
        assert!(bad(vec!["A", "B"], vec![], vec![1.0]));
        assert!(bad(vec!["A"], vec![], vec![f32::NAN]));
        assert!(bad(vec!["A"], vec![], vec![0.0]));
        assert!(bad(vec!["A", "B"], vec![], vec![1.0, 100.0]));
        let long_heading = "Tiêu đề cột rất dài ".repeat(9);
        assert!(bad(vec![&long_heading; 12], vec![], vec![]));
        assert!(!bad(vec!["A", "B"], vec![vec!["1", "2"]], vec![]));
    }
}
