//! The PDFs as a reader sees them: text extracted with poppler's `pdftotext`, the QR code
//! rendered with `pdftoppm` and decoded with `rqrr`. These tests need poppler-utils and fail
//! (they do not skip) when it is missing.

use std::path::Path;
use std::process::Command;

use khuyenhoc_docs::{
    amount_in_words, blank_form_pdf, certificate_pdf, receipt_pdf, BlankForm, Certificate,
    DocError, FormIndicator, NaiveDate, Receipt, ReceiptKind,
};
use unicode_normalization::char::is_combining_mark;

const URL: &str = "https://khuyenhoc.example.vn/xac-minh/7f3a9c2e5d41";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn certificate(holder: &str) -> Certificate {
    Certificate {
        title: "Công dân học tập".into(),
        year: 2025,
        holder_name: holder.into(),
        issuer_name: "Hội Khuyến học Phường Ba Đình".into(),
        province_name: "Thành phố Hà Nội".into(),
        decision_number: "25/QĐ-KHBĐ".into(),
        decision_date: date(2025, 12, 20),
        signer_position: "TM. Ban Chấp hành\nChủ tịch".into(),
        signer_name: "Trần Văn Bình".into(),
        valid_until: date(2026, 12, 31),
        verify_url: URL.into(),
    }
}

/// Runs a poppler tool; a missing tool fails the test with what to install.
fn poppler(tool: &str, args: &[&str]) -> Vec<u8> {
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
    out.stdout
}

/// The text of every page, in order (pdftotext ends each page with a form feed).
fn pages_text(pdf: &[u8]) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).expect("write pdf");
    let out = poppler("pdftotext", &["-enc", "UTF-8", path_str(&path), "-"]);
    let text = String::from_utf8(out).expect("pdftotext writes UTF-8");
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_owned).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

/// Whitespace (line breaks of wrapped text included) collapsed to single spaces.
fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn certificate_text_has_composed_vietnamese_even_from_decomposed_input() {
    // "Nguyễn Thị Ánh" typed in two decomposed ways: "ê" + combining tilde, and fully
    // decomposed ("e" + circumflex + tilde, "i" + dot below, "A" + acute).
    for holder in [
        "Nguyê\u{303}n Thị Ánh",
        "Nguye\u{302}\u{303}n Thi\u{323} A\u{301}nh",
    ] {
        let pdf = certificate_pdf(&certificate(holder)).expect("certificate");
        assert!(pdf.starts_with(b"%PDF-"));
        let pages = pages_text(&pdf);
        assert_eq!(pages.len(), 1, "one page");
        let text = flat(&pages[0]);
        for want in [
            "Nguyễn Thị Ánh",
            "Hội Khuyến học Phường Ba Đình",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "GIẤY CHỨNG NHẬN",
            "CÔNG DÂN HỌC TẬP NĂM 2025",
            "Quyết định số 25/QĐ-KHBĐ ngày 20/12/2025",
            "Hà Nội, ngày 20 tháng 12 năm 2025",
            "CHỦ TỊCH",
            "Trần Văn Bình",
            "31/12/2026",
            URL,
        ] {
            assert!(text.contains(want), "missing {want:?} in:\n{text}");
        }
        assert!(
            !text.chars().any(is_combining_mark),
            "the extracted text must be composed (NFC): {text}"
        );
    }
}

#[test]
fn certificate_qr_code_decodes_to_the_verify_url() {
    let pdf = certificate_pdf(&certificate("Nguyễn Văn An")).expect("certificate");
    let dir = tempfile::tempdir().expect("temp dir");
    let pdf_path = dir.path().join("certificate.pdf");
    std::fs::write(&pdf_path, &pdf).expect("write pdf");
    let stem = dir.path().join("page");
    poppler(
        "pdftoppm",
        &[
            "-r",
            "150",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            path_str(&pdf_path),
            path_str(&stem),
        ],
    );
    let png = dir.path().join("page.png");
    let img = image::open(&png).expect("pdftoppm wrote a PNG").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "exactly one QR code on the page");
    let (_meta, content) = grids[0].decode().expect("the QR code decodes");
    assert_eq!(content, URL);
}

#[test]
fn same_certificate_gives_same_bytes() {
    let a = certificate_pdf(&certificate("Nguyễn Văn An")).expect("certificate");
    let b = certificate_pdf(&certificate("Nguyễn Văn An")).expect("certificate");
    assert_eq!(a, b, "no clock or randomness in the PDF");
}

#[test]
fn bad_certificate_input_is_refused_with_a_message() {
    let empty = certificate("   ");
    assert!(matches!(certificate_pdf(&empty), Err(DocError::Invalid(_))));
    let mut long_url = certificate("Nguyễn Văn An");
    long_url.verify_url = format!("{URL}/{}", "a".repeat(300));
    assert!(matches!(
        certificate_pdf(&long_url),
        Err(DocError::Invalid(_))
    ));
    let mut not_url = certificate("Nguyễn Văn An");
    not_url.verify_url = "xac minh".into();
    assert!(matches!(
        certificate_pdf(&not_url),
        Err(DocError::Invalid(_))
    ));
    let mut backwards = certificate("Nguyễn Văn An");
    backwards.valid_until = date(2024, 1, 1);
    let err = certificate_pdf(&backwards).expect_err("refused");
    assert!(err.to_string().contains("Ngày hết hạn"), "{err}");
}

#[test]
fn a_very_long_name_still_fits_on_the_certificate() {
    let name = "Tôn Nữ Hoàng Thị Phương Thảo Nguyễn Lê Bảo Ngọc Trâm Anh Quỳnh Như Ý";
    let pdf = certificate_pdf(&certificate(name)).expect("certificate");
    let pages = pages_text(&pdf);
    assert_eq!(pages.len(), 1);
    assert!(flat(&pages[0]).contains(name));
}

const INDICATORS: [&str; 12] = [
    "Tham gia ít nhất một hình thức học tập trong năm (lớp học, câu lạc bộ, sinh hoạt chuyên đề, học trực tuyến) và có xác nhận của nơi tổ chức",
    "Đọc sách, báo hoặc tài liệu phục vụ công việc và đời sống ít nhất 2 giờ mỗi tuần, ghi lại điều đã học được",
    "Ứng dụng kiến thức đã học vào sản xuất, kinh doanh, nâng cao thu nhập của gia đình hoặc hiệu quả công việc",
    "Sử dụng được điện thoại thông minh hoặc máy tính để tra cứu thông tin, làm thủ tục hành chính trực tuyến",
    "Tham gia đầy đủ các buổi sinh hoạt của chi hội khuyến học nơi cư trú và các hoạt động do chi hội phát động",
    "Gia đình không có con em trong độ tuổi đi học bỏ học; con em được khuyến khích học tập, rèn luyện",
    "Chấp hành tốt chủ trương của Đảng, chính sách, pháp luật của Nhà nước và quy định, hương ước của địa phương",
    "Tham gia các hoạt động văn hóa, thể dục thể thao, bảo vệ môi trường, giữ gìn vệ sinh ở khu dân cư",
    "Đóng góp công sức, tiền của cho quỹ khuyến học, khuyến tài của chi hội theo khả năng của bản thân và gia đình",
    "Hướng dẫn, giúp đỡ ít nhất một người khác cùng học tập, tiến bộ trong năm, được người đó xác nhận",
    "Có chứng chỉ hoặc giấy chứng nhận hoàn thành một khóa học, lớp bồi dưỡng, tập huấn kỹ năng trong năm",
    "Được cơ quan, đơn vị hoặc khu dân cư đánh giá hoàn thành tốt nhiệm vụ, là tấm gương học tập cho người khác",
];

fn form(texts: &[&str]) -> BlankForm {
    BlankForm {
        title: "Phiếu tự đánh giá Công dân học tập năm 2025".into(),
        group_name: "Nhóm người lao động (nông dân, công nhân, lao động tự do)".into(),
        indicators: texts
            .iter()
            .enumerate()
            .map(|(i, t)| FormIndicator {
                code: format!("{}", i + 1),
                text: (*t).into(),
                max_points: if i % 3 == 0 { 15 } else { 5 },
            })
            .collect(),
    }
}

#[test]
fn blank_form_with_twelve_long_indicators_flows_onto_two_pages() {
    let pdf = blank_form_pdf(&form(&INDICATORS)).expect("form");
    let pages = pages_text(&pdf);
    assert_eq!(
        pages.len(),
        2,
        "twelve two-line indicators, the total and the signatures need two pages"
    );
    let all = flat(&pages.join(" "));
    for text in INDICATORS {
        assert!(all.contains(text), "missing indicator {text:?} in:\n{all}");
    }
    for want in [
        "PHIẾU TỰ ĐÁNH GIÁ CÔNG DÂN HỌC TẬP NĂM 2025",
        "Họ và tên:",
        "Năm sinh:",
        "Chi hội:",
        "Xã, phường:",
        "Số điện thoại:",
        "Điểm tối đa",
        "Tổng cộng",
        "Người tự đánh giá",
        "Xác nhận của chi hội",
        "Trang 1/2",
        "Trang 2/2",
    ] {
        assert!(all.contains(want), "missing {want:?} in:\n{all}");
    }
    // The sum of the maxima (4 × 15 + 8 × 5) is on the last page, with the signatures.
    let last = flat(&pages[1]);
    assert!(
        last.contains("Tổng cộng") && last.contains("100") && last.contains("Người tự đánh giá"),
        "{last}"
    );
    assert!(
        last.contains("(tiếp theo)"),
        "the continuation page names the form: {last}"
    );
}

#[test]
fn blank_form_with_few_indicators_is_one_page() {
    let pdf = blank_form_pdf(&form(&INDICATORS[..3])).expect("form");
    let pages = pages_text(&pdf);
    assert_eq!(pages.len(), 1);
    let text = flat(&pages[0]);
    assert!(
        text.contains(INDICATORS[2]) && text.contains("Trang 1/1") && text.contains("Tổng cộng 25"),
        "{text}"
    );
}

#[test]
fn many_indicators_flow_over_several_pages_in_order() {
    let texts: Vec<String> = (1..=60)
        .map(|i| format!("Chỉ tiêu thứ {i} về học tập suốt đời"))
        .collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let pdf = blank_form_pdf(&form(&refs)).expect("form");
    let pages = pages_text(&pdf);
    assert!(pages.len() >= 3, "{} pages", pages.len());
    let all = flat(&pages.join(" "));
    let mut at = 0;
    for t in &texts {
        let found = all[at..].find(t.as_str()).map(|i| at + i);
        assert!(found.is_some(), "{t} missing or out of order");
        at = found.unwrap_or(at);
    }
}

#[test]
fn bad_form_input_is_refused() {
    assert!(matches!(
        blank_form_pdf(&form(&[])),
        Err(DocError::Invalid(_))
    ));
    let mut f = form(&INDICATORS[..1]);
    f.indicators[0].text = " ".into();
    assert!(matches!(blank_form_pdf(&f), Err(DocError::Invalid(_))));
    let mut f = form(&INDICATORS[..1]);
    f.title = String::new();
    assert!(matches!(blank_form_pdf(&f), Err(DocError::Invalid(_))));
}

fn receipt() -> Receipt {
    Receipt {
        fund_name: "Quỹ Khuyến học - Khuyến tài".into(),
        unit_name: "Hội Khuyến học Phường Ba Đình".into(),
        province_name: "Thành phố Hà Nội".into(),
        voucher_no: "PT-2025-000123".into(),
        kind: ReceiptKind::Receipt,
        date: date(2025, 12, 20),
        // Decomposed as some keyboards type it: "ê" + combining tilde, "i" + dot below.
        party_name: "Nguyê\u{303}n Thi\u{323} Ánh Tuyết".into(),
        party_address: Some("Số 12 phố Đội Cấn, Phường Ba Đình".into()),
        reason: "Ủng hộ Quỹ Khuyến học năm 2025".into(),
        amount: 1_500_000,
        in_kind_note: None,
        treasurer_name: "Lê Thị Hồng".into(),
        reversed: None,
    }
}

/// The page size in points, from `pdfinfo`.
fn page_size(pdf: &[u8]) -> (f32, f32) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).expect("write pdf");
    let info = String::from_utf8(poppler("pdfinfo", &[path_str(&path)])).expect("UTF-8");
    let line = info
        .lines()
        .find_map(|l| l.strip_prefix("Page size:"))
        .unwrap_or_else(|| panic!("no page size in {info}"));
    let nums: Vec<f32> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert!(nums.len() >= 2, "{line}");
    (nums[0], nums[1])
}

#[test]
fn receipt_voucher_shows_number_name_amount_and_words() {
    let pdf = receipt_pdf(&receipt()).expect("receipt");
    assert!(pdf.starts_with(b"%PDF-"));
    let pages = pages_text(&pdf);
    assert_eq!(pages.len(), 1, "one page");
    let text = flat(&pages[0]);
    for want in [
        "Hội Khuyến học Phường Ba Đình",
        "Thành phố Hà Nội",
        "Quỹ Khuyến học - Khuyến tài",
        "PHIẾU THU",
        "Ngày 20 tháng 12 năm 2025",
        "Số: PT-2025-000123",
        "Họ và tên người nộp tiền: Nguyễn Thị Ánh Tuyết",
        "Địa chỉ: Số 12 phố Đội Cấn, Phường Ba Đình",
        "Lý do nộp: Ủng hộ Quỹ Khuyến học năm 2025",
        "Số tiền: 1.500.000 đồng",
        "Viết bằng chữ: Một triệu năm trăm nghìn đồng",
        "Kèm theo:",
        "chứng từ gốc.",
        "Người nộp tiền",
        "Thủ quỹ",
        "Lê Thị Hồng",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    assert!(!text.contains("PHIẾU CHI"), "{text}");
    assert!(
        !text.chars().any(is_combining_mark),
        "the extracted text must be composed (NFC): {text}"
    );
    let (w, h) = page_size(&pdf);
    assert!(
        (w - 595.28).abs() < 0.5 && (h - 419.53).abs() < 0.5,
        "A5 landscape, got {w} × {h}"
    );
    assert_eq!(pdf, receipt_pdf(&receipt()).expect("receipt"), "same bytes");
}

#[test]
fn payment_voucher_names_the_recipient() {
    let mut r = receipt();
    r.kind = ReceiptKind::Payment;
    r.voucher_no = "PC-2025-000045".into();
    r.party_name = "Phạm Minh Đức".into();
    r.party_address = None;
    r.reason = "Chi học bổng Vượt khó học giỏi năm học 2025-2026".into();
    r.amount = 2_000_000;
    let text = flat(&pages_text(&receipt_pdf(&r).expect("payment")).concat());
    for want in [
        "PHIẾU CHI",
        "Số: PC-2025-000045",
        "Họ và tên người nhận tiền: Phạm Minh Đức",
        "Lý do chi: Chi học bổng Vượt khó học giỏi năm học 2025-2026",
        "Số tiền: 2.000.000 đồng",
        "Hai triệu đồng",
        "Người nhận tiền",
        "Thủ quỹ",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    assert!(
        !text.contains("PHIẾU THU") && !text.contains("người nộp"),
        "{text}"
    );
}

#[test]
fn reversed_voucher_prints_the_cancellation_line() {
    let line = "PHIẾU ĐÃ HỦY - bút toán đảo PC-2025-000130 ngày 22/12/2025";
    let mut r = receipt();
    r.reversed = Some(line.into());
    r.in_kind_note = Some("20 bộ sách giáo khoa lớp 6, trị giá 1.500.000 đồng".into());
    let pdf = receipt_pdf(&r).expect("reversed");
    let pages = pages_text(&pdf);
    assert_eq!(pages.len(), 1);
    let text = flat(&pages[0]);
    assert!(text.contains(line), "{text}");
    assert!(
        text.contains("Hiện vật: 20 bộ sách giáo khoa lớp 6, trị giá 1.500.000 đồng"),
        "{text}"
    );
    // The line stands between the date and the filled-in lines.
    let at = |s: &str| {
        text.find(s)
            .unwrap_or_else(|| panic!("{s} missing: {text}"))
    };
    assert!(
        at("Ngày 20 tháng 12") < at(line) && at(line) < at("Họ và tên"),
        "{text}"
    );
    // Still A5: the box fits.
    assert!((page_size(&pdf).1 - 419.53).abs() < 0.5);
    // Without it, no cancellation.
    let plain = flat(&pages_text(&receipt_pdf(&receipt()).expect("plain")).concat());
    assert!(!plain.contains("HỦY"), "{plain}");
}

#[test]
fn anonymous_donor_leaves_the_name_under_the_signature_empty() {
    let mut r = receipt();
    r.party_name = "Ẩn danh".into();
    r.party_address = Some("   ".into());
    let text = flat(&pages_text(&receipt_pdf(&r).expect("anonymous")).concat());
    assert_eq!(text.matches("Ẩn danh").count(), 1, "{text}");
    assert!(text.contains("Họ và tên người nộp tiền: Ẩn danh"), "{text}");
}

#[test]
fn long_texts_go_onto_a4_portrait_and_stay_on_one_page() {
    let words =
        "Ủng hộ xây dựng tủ sách khuyến học của chi hội, mua sách giáo khoa và đồ dùng học tập";
    let mut r = receipt();
    r.unit_name = format!("{} {}", "Hội Khuyến học", "Tổ dân phố số 7 ".repeat(8));
    r.fund_name = "Quỹ Khuyến học - Khuyến tài - Khuyến nghề Đoàn kết".into();
    r.voucher_no = "PT-2025-ABCDEFGHIJ-0123456789-WWWWWWWW".into();
    r.party_name = "Tôn Nữ Hoàng Thị Phương Thảo Nguyễn Lê Bảo Ngọc Trâm Anh Quỳnh Như Ý".into();
    r.party_address = Some(format!("{words}, {words}"));
    r.reason = format!("{words}, {words}, {words}");
    r.in_kind_note = Some(format!("{words}, {words}, {words}"));
    r.amount = 987_654_321_012_345;
    r.reversed = Some(format!("PHIẾU ĐÃ HỦY - {words} {words}"));
    let pdf = receipt_pdf(&r).expect("long");
    let pages = pages_text(&pdf);
    assert_eq!(pages.len(), 1);
    let (w, h) = page_size(&pdf);
    assert!(
        (w - 595.28).abs() < 0.5 && (h - 841.89).abs() < 0.5,
        "A4 portrait, got {w} × {h}"
    );
    let text = flat(&pages[0]);
    for want in [
        r.party_name.as_str(),
        r.voucher_no.as_str(),
        r.reason.as_str(),
        "987.654.321.012.345",
        amount_in_words(r.amount).as_str(),
        "Lê Thị Hồng",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
}

#[test]
fn bad_receipt_input_is_refused_with_a_message() {
    type Change = fn(&mut Receipt);
    let cases: [(Change, &str); 6] = [
        (|r| r.party_name = "  ".into(), "người nộp"),
        (|r| r.treasurer_name = String::new(), "thủ quỹ"),
        (|r| r.unit_name = String::new(), "đơn vị"),
        (|r| r.voucher_no = "\t".into(), "số phiếu"),
        (|r| r.amount = 0, "Số tiền"),
        (|r| r.amount = -5, "Số tiền"),
    ];
    for (change, says) in cases {
        let mut r = receipt();
        change(&mut r);
        match receipt_pdf(&r) {
            Err(e @ DocError::Invalid(_)) => assert!(e.to_string().contains(says), "{e}"),
            other => panic!("expected Invalid for {says}, got {other:?}"),
        }
    }
    // A reason longer than its place is cut, not refused (see the test below); one that is
    // only control characters is empty, and refused.
    let mut r = receipt();
    r.reason = "\u{0}\u{7}".into();
    assert!(matches!(receipt_pdf(&r), Err(DocError::Invalid(_))));
}

#[test]
fn a_voucher_with_texts_stored_too_long_still_prints_them_cut() {
    // What the API accepted before the limits (issue 14): a donor's name of 147 characters, a
    // reason of 500, a date in the year 9999. The voucher is made, each text cut with "…".
    let mut r = receipt();
    r.party_name = format!("Nguyễn Thị {}", "Ánh".repeat(46));
    r.reason = format!("Ủng hộ {}", "quỹ khuyến học ".repeat(33));
    r.treasurer_name = "T".repeat(120);
    r.date = date(9999, 12, 31);
    let pdf = receipt_pdf(&r).expect("a voucher with long texts");
    let text = flat(&pages_text(&pdf).concat());
    assert!(
        text.contains("Họ và tên người nộp tiền: Nguyễn Thị ÁnhÁnh"),
        "{text}"
    );
    assert!(text.contains('…'), "{text}");
    assert!(!text.contains(&"Ánh".repeat(40)), "the name is cut: {text}");
    assert!(text.contains("Ngày 31 tháng 12 năm 9999"), "{text}");
}
