//! Writes a sample certificate, a sample blank form, a sample signed credential and two sample
//! fund vouchers into a folder, to look at them: `cargo run -p khuyenhoc-docs --example sample_documents -- /tmp/docs`.

use khuyenhoc_docs::{
    blank_form_pdf, certificate_pdf, issue_badge, receipt_pdf, BadgeInput, BlankForm, Certificate,
    FormIndicator, NaiveDate, Receipt, ReceiptKind, SigningKey,
};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    std::fs::create_dir_all(&dir)?;
    let cert = Certificate {
        title: "Công dân học tập".into(),
        year: 2025,
        holder_name: "Nguyê\u{0303}n Thị Ánh Tuyết".into(),
        issuer_name: "Hội Khuyến học Phường Ba Đình".into(),
        province_name: "Thành phố Hà Nội".into(),
        decision_number: "25/QĐ-KHBĐ".into(),
        decision_date: date(2025, 12, 20),
        signer_position: "TM. Ban Chấp hành\nChủ tịch".into(),
        signer_name: "Trần Văn Bình".into(),
        valid_until: date(2026, 12, 31),
        verify_url: "https://khuyenhoc.example.vn/xac-minh/7f3a9c2e5d41".into(),
    };
    std::fs::write(dir.join("certificate.pdf"), certificate_pdf(&cert)?)?;

    let texts = [
        "Tham gia ít nhất một hình thức học tập trong năm (lớp học, câu lạc bộ, sinh hoạt chuyên đề, học trực tuyến)",
        "Đọc sách, báo hoặc tài liệu phục vụ công việc và đời sống ít nhất 2 giờ mỗi tuần",
        "Ứng dụng kiến thức đã học vào sản xuất, kinh doanh, nâng cao thu nhập của gia đình",
        "Sử dụng được điện thoại thông minh hoặc máy tính để tra cứu thông tin, làm thủ tục hành chính trực tuyến",
        "Tham gia đầy đủ các buổi sinh hoạt của chi hội khuyến học nơi cư trú",
        "Gia đình không có con em trong độ tuổi đi học bỏ học",
        "Chấp hành tốt chủ trương của Đảng, chính sách, pháp luật của Nhà nước và quy định của địa phương",
        "Tham gia các hoạt động văn hóa, thể dục thể thao, bảo vệ môi trường ở khu dân cư",
        "Đóng góp công sức, tiền của cho quỹ khuyến học, khuyến tài của chi hội theo khả năng",
        "Hướng dẫn, giúp đỡ ít nhất một người khác cùng học tập, tiến bộ trong năm",
        "Có chứng chỉ hoặc giấy chứng nhận hoàn thành một khóa học, bồi dưỡng trong năm",
        "Được cơ quan, đơn vị hoặc khu dân cư đánh giá hoàn thành tốt nhiệm vụ",
    ];
    let form = BlankForm {
        title: "Phiếu tự đánh giá Công dân học tập năm 2025".into(),
        group_name: "Nhóm người lao động (nông dân, công nhân, lao động tự do)".into(),
        indicators: texts
            .iter()
            .enumerate()
            .map(|(i, t)| FormIndicator {
                code: (i + 1).to_string(),
                text: (*t).into(),
                max_points: if i % 3 == 0 { 15 } else { 5 },
            })
            .collect(),
    };
    std::fs::write(dir.join("blank-form.pdf"), blank_form_pdf(&form)?)?;

    let key = SigningKey::from_bytes(&[7; 32]);
    let badge = issue_badge(
        &BadgeInput {
            verify_url: cert.verify_url.clone(),
            issuer_id: "https://khuyenhoc.example.vn/don-vi/VN-01-00004".into(),
            issuer_name: cert.issuer_name.clone(),
            holder_name: cert.holder_name.clone(),
            achievement_id: "https://khuyenhoc.example.vn/tieu-chi/cdht-2025".into(),
            achievement_name: "Công dân học tập năm 2025".into(),
            achievement_description: "Danh hiệu dành cho công dân tích cực học tập suốt đời."
                .into(),
            criteria_narrative: "Đạt từ 80 điểm trở lên theo bộ tiêu chí Công dân học tập.".into(),
            valid_from: cert.decision_date,
            valid_until: cert.valid_until,
        },
        &key,
    );
    std::fs::write(
        dir.join("badge.json"),
        serde_json::to_string_pretty(&badge)?,
    )?;

    let receipt = Receipt {
        fund_name: "Quỹ Khuyến học - Khuyến tài".into(),
        unit_name: cert.issuer_name.clone(),
        province_name: cert.province_name.clone(),
        voucher_no: "PT-2025-000123".into(),
        kind: ReceiptKind::Receipt,
        date: date(2025, 12, 20),
        party_name: "Nguyê\u{0303}n Thị Ánh Tuyết".into(),
        party_address: Some("Số 12 phố Đội Cấn, Phường Ba Đình, Thành phố Hà Nội".into()),
        reason: "Ủng hộ Quỹ Khuyến học - Khuyến tài năm 2025".into(),
        amount: 1_500_000,
        in_kind_note: None,
        treasurer_name: "Lê Thị Hồng".into(),
        reversed: None,
    };
    std::fs::write(dir.join("receipt.pdf"), receipt_pdf(&receipt)?)?;
    let payment = Receipt {
        voucher_no: "PC-2025-000045".into(),
        kind: ReceiptKind::Payment,
        party_name: "Phạm Minh Đức".into(),
        party_address: None,
        reason: "Chi học bổng \"Vượt khó học giỏi\" năm học 2025-2026 cho học sinh Trường THCS Nguyễn Trãi".into(),
        amount: 2_000_000,
        in_kind_note: Some("20 bộ sách giáo khoa lớp 6, trị giá 2.000.000 đồng".into()),
        reversed: Some(
            "PHIẾU ĐÃ HỦY - bút toán đảo PT-2025-000130 ngày 22/12/2025 (ghi sai người nhận)".into(),
        ),
        ..receipt
    };
    std::fs::write(dir.join("payment.pdf"), receipt_pdf(&payment)?)?;

    println!(
        "wrote certificate.pdf, blank-form.pdf, badge.json, receipt.pdf and payment.pdf to {}",
        dir.display()
    );
    Ok(())
}
