//! Reports as documents: Excel workbooks (a report, a roll-up, the cluster table; values as
//! numbers so totals can be checked) and printable PDFs laid out per Decree 30/2020 (a report,
//! the cluster briefing pack).

use super::cluster::ClusterTable;
use super::service::{Head, Report, Rollup};
use khuyenhoc_domain::Level;
use khuyenhoc_reports::Format as ValueFormat;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

fn number_format(f: ValueFormat) -> Format {
    match f {
        ValueFormat::Count | ValueFormat::Money => Format::new().set_num_format("#,##0"),
        ValueFormat::Percent => Format::new().set_num_format("0.00%"),
    }
}

/// Writes a value as a number: counts and đồng as they are, shares as fractions (12,34 % →
/// 0.1234) so Excel shows them as percentages.
fn write_value(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    f: ValueFormat,
    v: Option<i64>,
) -> Result<(), XlsxError> {
    let Some(v) = v else { return Ok(()) };
    #[allow(clippy::cast_precision_loss)] // values are at most 10^15, exact in an f64
    let x = match f {
        ValueFormat::Percent => v as f64 / 10_000.0,
        _ => v as f64,
    };
    ws.write_number_with_format(row, col, x, &number_format(f))?;
    Ok(())
}

pub fn report_xlsx(r: &Report) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let ws = wb.add_worksheet();
    ws.set_name("Báo cáo")?;
    ws.set_column_width(0, 6)?;
    ws.set_column_width(1, 60)?;
    ws.set_column_width(2, 18)?;
    ws.set_column_width(3, 18)?;
    ws.set_column_width(4, 40)?;
    ws.write_string_with_format(0, 0, r.title_vi.to_uppercase(), &bold)?;
    ws.write_string(1, 0, format!("{} — {}", r.unit.name, r.period_vi))?;
    ws.write_string(
        2,
        0,
        format!("Trạng thái: {}", super::service::state_labels(r.state).0),
    )?;
    let mut row = 4;
    for (i, h) in [
        "STT",
        "Chỉ tiêu",
        "Số liệu báo cáo",
        "Số liệu tự tính",
        "Lý do sửa số liệu",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(row, u16::try_from(i).unwrap_or(0), *h, &bold)?;
    }
    row += 1;
    let mut n = 0;
    for l in &r.lines {
        n += 1;
        ws.write_number(row, 0, f64::from(n))?;
        ws.write_string_with_format(row, 1, &l.label_vi, &wrap)?;
        match &l.text {
            Some(t) => {
                ws.write_string_with_format(row, 2, t, &wrap)?;
            }
            None => {
                write_value(ws, row, 2, l.format, l.value)?;
                write_value(ws, row, 3, l.format, l.computed)?;
            }
        }
        if let Some(reason) = &l.override_reason {
            ws.write_string_with_format(row, 4, reason, &wrap)?;
        }
        row += 1;
    }
    wb.save_to_buffer()
}

fn head_row(
    ws: &mut Worksheet,
    row: u32,
    first: &[&str],
    heads: &[Head],
    bold: &Format,
) -> Result<(), XlsxError> {
    let mut col = 0u16;
    for h in first {
        ws.write_string_with_format(row, col, *h, bold)?;
        col += 1;
    }
    for h in heads {
        ws.write_string_with_format(row, col, &h.label_vi, bold)?;
        ws.set_column_width(col, 16)?;
        col += 1;
    }
    Ok(())
}

/// The roll-up: one row per child (live values), the sum of the children, then the values as
/// submitted with their sum.
pub fn rollup_xlsx(r: &Rollup) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold().set_text_wrap();
    for (sheet, submitted) in [("Số liệu trực tiếp", false), ("Số liệu đã nộp", true)]
    {
        let ws = wb.add_worksheet();
        ws.set_name(sheet)?;
        ws.set_column_width(0, 36)?;
        ws.set_column_width(1, 14)?;
        ws.write_string_with_format(
            0,
            0,
            format!("TỔNG HỢP {} — {}", r.unit.name.to_uppercase(), r.period_vi),
            &bold,
        )?;
        ws.write_string(1, 0, format!("Cơ cấu đơn vị tại ngày {}", r.as_of))?;
        head_row(ws, 3, &["Đơn vị", "Trạng thái"], &r.heads, &bold)?;
        let mut row = 4;
        for c in &r.children {
            ws.write_string(row, 0, &c.unit.name)?;
            ws.write_string(row, 1, super::service::state_labels(c.state).0)?;
            let values = if submitted {
                c.submitted.as_ref()
            } else {
                Some(&c.live)
            };
            if let Some(values) = values {
                for (i, (h, v)) in r.heads.iter().zip(values).enumerate() {
                    write_value(
                        ws,
                        row,
                        u16::try_from(i + 2).unwrap_or(u16::MAX),
                        h.format,
                        *v,
                    )?;
                }
            }
            row += 1;
        }
        ws.write_string_with_format(row, 0, "Cộng", &bold)?;
        let total = if submitted {
            &r.total_submitted
        } else {
            &r.total_live
        };
        for (i, (h, v)) in r.heads.iter().zip(total).enumerate() {
            write_value(
                ws,
                row,
                u16::try_from(i + 2).unwrap_or(u16::MAX),
                h.format,
                *v,
            )?;
        }
    }
    wb.save_to_buffer()
}

/// The cluster table: indicators down, provinces across (value, rank, change).
pub fn cluster_xlsx(t: &ClusterTable) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold().set_text_wrap();
    let ws = wb.add_worksheet();
    ws.set_name("Cụm thi đua")?;
    ws.set_column_width(0, 50)?;
    ws.write_string_with_format(0, 0, format!("{} — {}", t.name, t.period_vi), &bold)?;
    ws.write_string(
        1,
        0,
        format!("Xếp hạng trong cụm; thay đổi so với {}", t.previous_period),
    )?;
    ws.write_string_with_format(3, 0, "Chỉ tiêu", &bold)?;
    for (j, p) in t.provinces.iter().enumerate() {
        let col = u16::try_from(1 + j * 3).unwrap_or(u16::MAX);
        ws.write_string_with_format(3, col, &p.unit.name, &bold)?;
        ws.write_string_with_format(
            4,
            col,
            if p.handed_in {
                "Số liệu"
            } else {
                "Số liệu (chưa nộp)"
            },
            &bold,
        )?;
        ws.write_string_with_format(4, col + 1, "Hạng", &bold)?;
        ws.write_string_with_format(4, col + 2, "Thay đổi", &bold)?;
        ws.set_column_width(col, 16)?;
    }
    for (i, h) in t.heads.iter().enumerate() {
        let row = u32::try_from(5 + i).unwrap_or(u32::MAX);
        ws.write_string(row, 0, &h.label_vi)?;
        for (j, p) in t.provinces.iter().enumerate() {
            let col = u16::try_from(1 + j * 3).unwrap_or(u16::MAX);
            match p.values.get(i).copied().flatten() {
                Some(v) => write_value(ws, row, col, h.format, Some(v))?,
                None => ws.write_string(row, col, "—").map(|_| ())?,
            }
            if let Some(Some(rank)) = p.ranks.get(i) {
                #[allow(clippy::cast_precision_loss)] // a rank among a few provinces
                ws.write_number(row, col + 1, *rank as f64)?;
            }
            write_value(
                ws,
                row,
                col + 2,
                h.format,
                p.change.get(i).copied().flatten(),
            )?;
        }
    }
    wb.save_to_buffer()
}

/// The line under "BÁO CÁO": the template's title without its leading "Báo cáo", and the period
/// ("Kết quả công tác … năm 2026").
fn subtitle(title: &str, period: &str) -> String {
    let rest = title.strip_prefix("Báo cáo ").unwrap_or(title);
    let mut chars = rest.chars();
    let first: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    format!("{first}{} {period}", chars.as_str())
}

/// Printed where no signer is named yet.
const UNNAMED: &str = "……………………";

/// "HỘI KHUYẾN HỌC PHƯỜNG BA ĐÌNH": the issuing body named after its unit.
pub(crate) fn body_name(level: Level, name: &str) -> String {
    match level {
        Level::Central => "TRUNG ƯƠNG HỘI KHUYẾN HỌC VIỆT NAM".into(),
        Level::Branch => format!("CHI HỘI KHUYẾN HỌC {}", name.to_uppercase()),
        _ => format!("HỘI KHUYẾN HỌC {}", name.to_uppercase()),
    }
}

/// The place written before the date: the locality's name without its kind ("Phường Ba Đình"
/// → "Ba Đình", "Thành phố Hà Nội" → "Hà Nội").
pub(crate) fn place_of(name: &str) -> String {
    for prefix in [
        "Thành phố ",
        "Tỉnh ",
        "Phường ",
        "Xã ",
        "Đặc khu ",
        "Thị trấn ",
    ] {
        if let Some(rest) = name.strip_prefix(prefix) {
            return rest.to_owned();
        }
    }
    name.to_owned()
}

fn ymd(at: Option<i64>) -> (i32, u32, u32) {
    use chrono::Datelike;
    let d = at
        .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map_or_else(|| chrono::Utc::now().date_naive(), |t| t.date_naive());
    (d.year(), d.month(), d.day())
}

fn number_table(rows: Vec<Vec<String>>) -> khuyenhoc_docs::Block {
    khuyenhoc_docs::Block::Table {
        headers: vec!["TT".into(), "Chỉ tiêu".into(), "Số liệu".into()],
        rows,
        widths: vec![0.6, 6.0, 2.4],
        numeric: vec![false, false, true],
    }
}

/// The report as a printable document per Decree 30/2020: motto header, issuing unit, number
/// and symbol, place and date, title, the figures by section, the narratives, "Nơi nhận" and the
/// signature block.
pub async fn report_pdf(db: &crate::db::Db, r: &Report) -> Result<Vec<u8>, crate::error::AppError> {
    use khuyenhoc_docs::{AdminDoc, Block};
    let unit = crate::org::model::by_id(db, r.unit.id)
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    let parent = match unit.parent_id {
        Some(p) => crate::org::model::by_id(db, p).await?,
        None => None,
    };
    let t = khuyenhoc_reports::Template::national();
    let mut blocks = vec![];
    for s in &t.sections {
        let lines: Vec<_> = r.lines.iter().filter(|l| l.section == s.key).collect();
        if lines.is_empty() {
            continue;
        }
        blocks.push(Block::Heading(s.title_vi.to_uppercase()));
        let numbers: Vec<Vec<String>> = lines
            .iter()
            .filter(|l| l.text.is_none())
            .enumerate()
            .map(|(i, l)| vec![(i + 1).to_string(), l.label_vi.clone(), l.shown()])
            .collect();
        if !numbers.is_empty() {
            blocks.push(number_table(numbers));
        }
        for l in &lines {
            if let Some(reason) = &l.override_reason {
                blocks.push(Block::Paragraph(format!(
                    "Ghi chú: số liệu \"{}\" do đơn vị điều chỉnh từ {} thành {}; lý do: {}",
                    l.label_vi,
                    l.computed
                        .map(|v| super::service::show(l.format, v))
                        .unwrap_or_default(),
                    l.shown(),
                    reason
                )));
            }
            if let Some(text) = l.text.as_deref().filter(|t| !t.is_empty()) {
                blocks.push(Block::Heading(l.label_vi.clone()));
                for para in text.split('\n').filter(|p| !p.trim().is_empty()) {
                    blocks.push(Block::Paragraph(para.to_owned()));
                }
            }
        }
    }
    let doc = AdminDoc {
        parent_issuer: parent
            .as_ref()
            .map(|p| body_name(p.level, &p.name))
            .unwrap_or_default(),
        issuer: body_name(unit.level, &unit.name),
        number_symbol: r
            .number_symbol
            .clone()
            .unwrap_or_else(|| format!("/{}", r.symbol)),
        place: place_of(&unit.name),
        date: ymd(r.submitted_at),
        title: "BÁO CÁO".into(),
        subtitle: subtitle(&r.title_vi, &r.period_vi),
        blocks,
        recipients: parent
            .as_ref()
            .map(|p| vec![format!("{} (để báo cáo)", recipient(p.level, &p.name))])
            .unwrap_or_default(),
        signer_capacity: "TM. BAN THƯỜNG VỤ".into(),
        signer_title: "CHỦ TỊCH".into(),
        // Not named yet: a dotted line to write the name by hand.
        signer_name: r.signer_name.clone().unwrap_or_else(|| UNNAMED.into()),
    };
    khuyenhoc_docs::admin_doc_pdf(&doc)
        .map_err(|e| crate::error::AppError::Internal(anyhow::anyhow!("report pdf: {e:?}")))
}

/// The body a document is sent to, as written in "Nơi nhận": "Hội Khuyến học Thành phố Hà Nội".
fn recipient(level: Level, name: &str) -> String {
    match level {
        Level::Central => "Trung ương Hội Khuyến học Việt Nam".into(),
        Level::Branch => format!("Chi hội Khuyến học {name}"),
        _ => format!("Hội Khuyến học {name}"),
    }
}

/// The cluster briefing pack: the table of the provinces side by side (one table per group of
/// indicators so it fits the page), then each province's narrative.
pub fn briefing_pdf(t: &ClusterTable) -> Result<Vec<u8>, crate::error::AppError> {
    use khuyenhoc_docs::{AdminDoc, Block};
    let mut blocks = vec![Block::Heading(
        "I. SỐ LIỆU CÁC TỈNH, THÀNH PHỐ TRONG CỤM".into(),
    )];
    blocks.push(Block::Paragraph(format!(
        "Số liệu {} (trong ngoặc: thứ hạng trong cụm; thay đổi so với {}). Tỉnh chưa nộp báo cáo được ghi số liệu trực tiếp đến ngày {}.",
        t.period_vi, t.previous_period, t.as_of
    )));
    let mut headers = vec!["Chỉ tiêu".to_owned()];
    headers.extend(t.provinces.iter().map(|p| {
        if p.handed_in {
            p.unit.name.clone()
        } else {
            format!("{} (chưa nộp)", p.unit.name)
        }
    }));
    let rows = briefing_rows(t);
    let n = t.provinces.len();
    let mut widths = vec![3.0];
    widths.extend(std::iter::repeat_n(2.0, n));
    let mut numeric = vec![false];
    numeric.extend(std::iter::repeat_n(true, n));
    blocks.push(Block::Table {
        headers,
        rows,
        widths,
        numeric,
    });
    blocks.push(Block::Heading("II. BÁO CÁO CỦA CÁC TỈNH, THÀNH PHỐ".into()));
    narratives(t, &mut blocks);
    let doc = AdminDoc {
        parent_issuer: "TRUNG ƯƠNG HỘI KHUYẾN HỌC VIỆT NAM".into(),
        issuer: t.name.to_uppercase(),
        number_symbol: "/TL-GB".into(),
        place: "Hà Nội".into(),
        date: ymd(None),
        title: "TÀI LIỆU GIAO BAN".into(),
        subtitle: format!("Kết quả công tác khuyến học, khuyến tài, xây dựng xã hội học tập {} của các tỉnh, thành phố trong cụm", t.period_vi),
        blocks,
        recipients: t.provinces.iter().map(|p| recipient(p.unit.level, &p.unit.name)).collect(),
        signer_capacity: "TM. CỤM THI ĐUA".into(),
        signer_title: "TRƯỞNG CỤM".into(),
        signer_name: UNNAMED.into(),
    };
    khuyenhoc_docs::admin_doc_pdf(&doc)
        .map_err(|e| crate::error::AppError::Internal(anyhow::anyhow!("briefing pdf: {e:?}")))
}

/// The briefing table's rows: an indicator, then per province "value (rank) change".
fn briefing_rows(t: &ClusterTable) -> Vec<Vec<String>> {
    t.heads
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let mut row = vec![h.label_vi.clone()];
            for p in &t.provinces {
                let v = p
                    .values
                    .get(i)
                    .copied()
                    .flatten()
                    .map_or_else(|| "—".to_owned(), |v| super::service::show(h.format, v));
                let rank = p
                    .ranks
                    .get(i)
                    .copied()
                    .flatten()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default();
                let change = p
                    .change
                    .get(i)
                    .copied()
                    .flatten()
                    .map(|c| {
                        format!(
                            " {}{}",
                            if c >= 0 { "+" } else { "" },
                            super::service::show(h.format, c)
                        )
                    })
                    .unwrap_or_default();
                row.push(format!("{v}{rank}{change}"));
            }
            row
        })
        .collect()
}

/// Each province's narrative under its name ("(Chưa có nội dung báo cáo)" when it has none).
fn narratives(t: &ClusterTable, blocks: &mut Vec<khuyenhoc_docs::Block>) {
    use khuyenhoc_docs::Block;
    for p in &t.provinces {
        blocks.push(Block::Heading(p.unit.name.clone()));
        let mut any = false;
        for (key, label, _) in &t.text_heads {
            if let Some(text) = p.texts.get(key).filter(|s| !s.trim().is_empty()) {
                any = true;
                blocks.push(Block::Paragraph(format!("{label}:")));
                for para in text.split('\n').filter(|s| !s.trim().is_empty()) {
                    blocks.push(Block::Paragraph(para.to_owned()));
                }
            }
        }
        if !any {
            blocks.push(Block::Paragraph("(Chưa có nội dung báo cáo)".into()));
        }
    }
}
