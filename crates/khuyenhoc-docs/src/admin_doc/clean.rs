//! Every text of a document checked and cleaned (NFC, whitespace collapsed, lengths), the
//! number, date and recipients written as the decree wants them, tables checked and wrapped
//! into their columns.

use chrono::{Datelike, NaiveDate};

use super::measures::*;
use super::{AdminDoc, Block};
use crate::layout::{Fonts, Weight};
use crate::{field, DocError, Invalid};

/// A table whose texts have been cleaned and wrapped.
pub(super) struct Table {
    /// Column edges, `columns + 1` of them, from `LEFT` to `RIGHT`.
    pub(super) edges: Vec<f32>,
    pub(super) numeric: Vec<bool>,
    pub(super) header: Vec<Vec<String>>,
    pub(super) header_h: f32,
    /// Each row: each cell's lines.
    pub(super) rows: Vec<Vec<Vec<String>>>,
}

pub(super) enum Body {
    Heading(String),
    Paragraph(String),
    Table(Table),
}

/// A document whose texts have been cleaned and checked.
pub(super) struct Clean {
    pub(super) parent: Option<String>,
    pub(super) issuer: String,
    pub(super) number: String,
    pub(super) place_date: String,
    pub(super) title: String,
    pub(super) subtitle: Option<String>,
    pub(super) body: Vec<Body>,
    pub(super) recipients: Vec<String>,
    pub(super) capacity: Option<String>,
    pub(super) signer_title: String,
    pub(super) signer_name: String,
}

/// An optional text: blank is `None`, otherwise checked like a required one.
pub(super) fn optional(s: &str, max: usize, err: Invalid) -> Result<Option<String>, DocError> {
    let c = khuyenhoc_domain::text::clean(s);
    if c.is_empty() {
        Ok(None)
    } else {
        field(&c, max, err).map(Some)
    }
}

/// "Số: 12/BC-KH"; "Số:      /BC-KH" when only the symbol (or nothing) is given, so the
/// number can be written in by hand when the document is registered.
pub(super) fn number_line(number_symbol: &str) -> Result<String, DocError> {
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
pub(super) fn place_and_date(place: &str, (y, m, d): (i32, u32, u32)) -> Result<String, DocError> {
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
pub(super) fn recipients(list: &[String]) -> Result<Vec<String>, DocError> {
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
pub(super) fn table(
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
    let widths = relative_widths(n, widths)?;
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
    let edges = column_edges(&widths)?;
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
    let wrapped = wrap_rows(fonts, rows, n, inner)?;
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

/// One positive relative width per column (none given: all equal).
fn relative_widths(n: usize, widths: &[f32]) -> Result<Vec<f32>, DocError> {
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
    Ok(widths)
}

/// The column edges from `LEFT` to `RIGHT`, in proportion to the relative widths.
fn column_edges(widths: &[f32]) -> Result<Vec<f32>, DocError> {
    let sum: f32 = widths.iter().sum();
    let mut edges = vec![LEFT];
    let mut acc = 0.0;
    for w in widths {
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
    Ok(edges)
}

/// Each row's cells, checked and wrapped to the inner width of their column.
fn wrap_rows(
    fonts: &Fonts,
    rows: &[Vec<String>],
    n: usize,
    inner: impl Fn(usize) -> f32,
) -> Result<Vec<Vec<Vec<String>>>, DocError> {
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
    Ok(wrapped)
}

/// The height of a table row whose tallest cell has `lines` lines.
pub(super) fn cell_height(lines: usize) -> f32 {
    2.0 * CELL_PAD + lines.max(1) as f32 * CELL_LEADING
}

/// Checks the body's blocks and wraps its tables; blank headings and paragraphs are left out.
pub(super) fn body(fonts: &Fonts, blocks: &[Block]) -> Result<Vec<Body>, DocError> {
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

pub(super) fn clean(fonts: &Fonts, d: &AdminDoc) -> Result<Clean, DocError> {
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
