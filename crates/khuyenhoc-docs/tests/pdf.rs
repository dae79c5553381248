//! The PDFs as a reader sees them: text extracted with poppler's `pdftotext`, the QR code
//! rendered with `pdftoppm` and decoded with `rqrr`. These tests need poppler-utils and fail
//! (they do not skip) when it is missing.

use std::path::Path;
use std::process::Command;

use khuyenhoc_docs::{
    blank_form_pdf, certificate_pdf, BlankForm, Certificate, DocError, FormIndicator, NaiveDate,
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
