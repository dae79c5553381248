//! The layout checked on the drawing operations: everything inside the text area, no word
//! lost, no orphan, headers repeated, the closing block kept together.

use super::clean::{clean, number_line, place_and_date, recipients};
use super::flow::{lay_out, Op};
use super::measures::{BODY_SIZE, BOTTOM, PAGE_NO_Y, TOP};
use super::*;
use crate::layout::Fonts;

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
                Op::Text { y, style, .. } | Op::Justified { y, style, .. } => (*y - style.size, *y),
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
