//! The administrative document as a reader sees it: text extracted with poppler's
//! `pdftotext -layout`, the page count from `pdfinfo`. These tests need poppler-utils and fail
//! (they do not skip) when it is missing.

use std::path::Path;
use std::process::Command;

use khuyenhoc_docs::{admin_doc_pdf, AdminDoc, Block, DocError};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Runs a poppler tool; a missing tool fails the test with what to install.
fn poppler(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!(
            "could not run `{tool}` ({e}): these tests need poppler-utils \
             (Debian: apt-get install -y poppler-utils)"
        )
    });
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("poppler writes UTF-8")
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

/// NFC with whitespace (the line breaks and column gaps of `-layout`) collapsed.
fn flat(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A PDF written to a temp file, for the poppler tools.
struct Written {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

impl Written {
    fn new(pdf: &[u8]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("bao-cao.pdf");
        std::fs::write(&path, pdf).expect("write pdf");
        Self { _dir: dir, path }
    }

    fn text(&self, pages: Option<(usize, usize)>) -> String {
        let (f, l) = pages.map_or((String::new(), String::new()), |(f, l)| {
            (f.to_string(), l.to_string())
        });
        let mut args = vec!["-layout", "-enc", "UTF-8"];
        if pages.is_some() {
            args.extend(["-f", &f, "-l", &l]);
        }
        args.extend([path_str(&self.path), "-"]);
        poppler("pdftotext", &args)
    }

    fn pages(&self) -> usize {
        let info = poppler("pdfinfo", &[path_str(&self.path)]);
        info.lines()
            .find_map(|l| l.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no page count in {info}"))
    }
}

const PROVINCES: [&str; 6] = [
    "Thành phố Hà Nội",
    "Tỉnh Phú Thọ",
    "Tỉnh Nghệ An",
    "Thành phố Đà Nẵng",
    "Tỉnh Đắk Lắk",
    "Thành phố Hồ Chí Minh",
];

fn report(rows: usize) -> AdminDoc {
    let para = "Trong năm 2026, Hội Khuyến học phường đã phối hợp chặt chẽ với các chi hội, \
                nhà trường và gia đình để đẩy mạnh phong trào khuyến học, khuyến tài, xây dựng \
                xã hội học tập; nhiều mô hình gia đình học tập, dòng họ học tập, cộng đồng học \
                tập được công nhận, góp phần nâng cao dân trí và chất lượng nguồn nhân lực.";
    AdminDoc {
        parent_issuer: "Hội Khuyến học tỉnh Phú Thọ".into(),
        // Decomposed on purpose ("Ộ" as "O" + circumflex + dot below, "Ì" as "I" + grave).
        issuer: "HO\u{302}\u{323}I KHUYẾN HỌC PHƯỜNG BA ĐI\u{300}NH".into(),
        number_symbol: "12/BC-KH".into(),
        place: "Hà Nội".into(),
        date: (2026, 11, 28),
        title: "Báo cáo".into(),
        subtitle: "Kết quả công tác khuyến học, khuyến tài, xây dựng xã hội học tập năm 2026 \
                   và phương hướng, nhiệm vụ năm 2027"
            .into(),
        blocks: vec![
            Block::Heading("I. KẾT QUẢ THỰC HIỆN NHIỆM VỤ NĂM 2026".into()),
            Block::Paragraph(para.into()),
            Block::Paragraph(para.into()),
            Block::Heading("1. Số liệu theo đơn vị".into()),
            Block::Table {
                headers: vec![
                    "TT".into(),
                    "Đơn vị".into(),
                    "Số hội viên".into(),
                    "Quỹ khuyến học (đồng)".into(),
                ],
                rows: (1..=rows)
                    .map(|i| {
                        vec![
                            i.to_string(),
                            format!("Chi hội {} số {i}", PROVINCES[i % PROVINCES.len()]),
                            (100 + i * 7).to_string(),
                            format!("{}.500.000", 10 + i),
                        ]
                    })
                    .collect(),
                widths: vec![0.8, 5.0, 2.0, 3.0],
                numeric: vec![false, false, true, true],
            },
            Block::Heading("II. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM 2027".into()),
            Block::Paragraph(para.into()),
        ],
        recipients: vec![
            "Thường trực Hội Khuyến học tỉnh".into(),
            "Đảng ủy, UBND phường".into(),
        ],
        signer_capacity: "TM. Ban Thường vụ".into(),
        signer_title: "Chủ tịch".into(),
        signer_name: "Nguyễn Thị Thu Hà".into(),
    }
}

#[test]
fn long_report_has_the_decree_30_parts_and_repeats_the_table_header() {
    let pdf = admin_doc_pdf(&report(120)).expect("report");
    assert!(pdf.starts_with(b"%PDF-"));
    let file = Written::new(&pdf);
    let pages = file.pages();
    assert!(pages > 1, "120 rows need more than one page, got {pages}");

    let raw = file.text(None);
    assert!(
        !raw.chars().any(is_combining_mark),
        "the extracted text is composed (NFC)"
    );
    let all = flat(&raw);
    for want in [
        "HỘI KHUYẾN HỌC TỈNH PHÚ THỌ",
        "HỘI KHUYẾN HỌC PHƯỜNG BA ĐÌNH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số: 12/BC-KH",
        "Hà Nội, ngày 28 tháng 11 năm 2026",
        "BÁO CÁO",
        "I. KẾT QUẢ THỰC HIỆN NHIỆM VỤ NĂM 2026",
        "Chi hội Thành phố Hà Nội số 120",
        "II. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM 2027",
        "Nơi nhận:",
        "- Thường trực Hội Khuyến học tỉnh;",
        "- Lưu: VT.",
        "TM. BAN THƯỜNG VỤ",
        "CHỦ TỊCH",
        "Nguyễn Thị Thu Hà",
    ] {
        let want: String = want.nfc().collect();
        assert!(all.contains(&want), "missing {want:?} in:\n{all}");
    }
    // The rows come out in order, each once.
    let mut at = 0;
    for i in 1..=120 {
        let row = format!("Chi hội {} số {i} ", PROVINCES[i % PROVINCES.len()]);
        let found = all[at..].find(&row);
        assert!(found.is_some(), "row {i} missing or out of order");
        at += found.unwrap_or(0) + row.len();
    }

    // Page 2 carries its number at the top and the table's header row again.
    let second = file.text(Some((2, 2)));
    let top = second.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    assert_eq!(top.trim(), "2", "page number first on page 2:\n{second}");
    let second = flat(&second);
    for want in ["TT", "Đơn vị", "Số hội viên", "Quỹ khuyến học (đồng)"] {
        assert!(
            second.contains(want),
            "page 2 lacks header {want:?}:\n{second}"
        );
    }
    // Page 1 has no page number: its first line is the header.
    let first = file.text(Some((1, 1)));
    let top = first.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    assert!(top.contains("HỘI KHUYẾN HỌC TỈNH PHÚ THỌ"), "{top}");

    // The closing block is whole on the last page.
    let last = flat(&file.text(Some((pages, pages))));
    for want in ["Nơi nhận:", "- Lưu: VT.", "CHỦ TỊCH", "Nguyễn Thị Thu Hà"] {
        assert!(last.contains(want), "last page lacks {want:?}:\n{last}");
    }
}

#[test]
fn same_report_gives_same_bytes_and_a_short_one_fits_one_page() {
    let mut d = report(3);
    // Two headings, two paragraphs and a three-row table leave room for the closing block.
    d.blocks.truncate(5);
    let a = admin_doc_pdf(&d).expect("report");
    assert_eq!(
        a,
        admin_doc_pdf(&d).expect("report"),
        "no clock or randomness"
    );
    assert_eq!(Written::new(&a).pages(), 1);
}

#[test]
fn header_and_number_variants() {
    let mut d = report(2);
    d.parent_issuer = String::new();
    d.number_symbol = String::new();
    d.signer_capacity = String::new();
    d.date = (2027, 1, 5);
    let file = Written::new(&admin_doc_pdf(&d).expect("report"));
    let text = flat(&file.text(None));
    assert!(text.contains("Số: /BC-KH"), "{text}");
    assert!(text.contains("Hà Nội, ngày 05 tháng 01 năm 2027"), "{text}");
    assert!(
        !text.contains("TỈNH PHÚ THỌ") && !text.contains("TM."),
        "{text}"
    );
}

#[test]
fn texts_longer_than_their_place_are_cut_not_refused() {
    // A signer's name of 153 characters (stored before names were limited to 100) and a title
    // of 101: the document is made, each cut with an ellipsis.
    let mut d = report(1);
    d.signer_name = format!("Nguyễn Văn {}", "A".repeat(142));
    d.title = "x".repeat(101);
    let file = Written::new(&admin_doc_pdf(&d).expect("a report with long texts"));
    let text = flat(&file.text(None));
    assert!(text.contains("Nguyễn Văn AAAA"), "{text}");
    assert!(text.contains('…'), "{text}");
    assert!(!text.contains(&"A".repeat(100)), "the name is cut: {text}");
}

#[test]
fn bad_reports_are_refused_with_a_message() {
    type Change = fn(&mut AdminDoc);
    let cases: [(Change, &str); 5] = [
        (|d| d.issuer = " ".into(), "cơ quan ban hành"),
        (|d| d.signer_name = String::new(), "người ký"),
        (|d| d.date = (2026, 2, 30), "Ngày ban hành"),
        (|d| d.title = "\u{0}".into(), "loại văn bản"),
        (
            |d| {
                d.blocks = vec![Block::Table {
                    headers: vec!["A".into(), "B".into()],
                    rows: vec![vec!["1".into()]],
                    widths: vec![],
                    numeric: vec![],
                }]
            },
            "số ô",
        ),
    ];
    for (change, says) in cases {
        let mut d = report(1);
        change(&mut d);
        match admin_doc_pdf(&d) {
            Err(e @ DocError::Invalid(_)) => assert!(e.to_string().contains(says), "{e}"),
            other => panic!("expected Invalid for {says}, got {other:?}"),
        }
    }
}
