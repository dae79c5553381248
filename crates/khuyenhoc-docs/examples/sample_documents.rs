//! Writes a sample certificate, a sample blank form, a sample signed credential, two sample
//! fund vouchers, a sample year report and two sample charts into a folder, to look at them:
//! `cargo run -p khuyenhoc-docs --example sample_documents -- /tmp/docs`.

use std::path::Path;

use khuyenhoc_docs::{
    admin_doc_pdf, bar_chart, blank_form_pdf, certificate_pdf, issue_badge, line_chart,
    receipt_pdf, AdminDoc, BadgeInput, BlankForm, Block, Certificate, FormIndicator, NaiveDate,
    Receipt, ReceiptKind, Series, SigningKey,
};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

type Done = Result<(), Box<dyn std::error::Error>>;

fn main() -> Done {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    std::fs::create_dir_all(&dir)?;
    let cert = certificate(&dir)?;
    blank_form(&dir)?;
    badge(&dir, &cert)?;
    vouchers(&dir, &cert)?;
    report_and_charts(&dir)?;

    println!("wrote the sample documents and charts to {}", dir.display());
    Ok(())
}

/// A certificate with a name typed in decomposed form; returned for the badge and vouchers.
fn certificate(dir: &Path) -> Result<Certificate, Box<dyn std::error::Error>> {
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
    Ok(cert)
}

/// The paper self-assessment form of one group, with long indicator texts.
fn blank_form(dir: &Path) -> Done {
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
    Ok(())
}

/// The same recognition as a signed Open Badges credential.
fn badge(dir: &Path, cert: &Certificate) -> Done {
    let key = SigningKey::from_bytes(&[7; 32]);
    let badge = issue_badge(
        &BadgeInput {
            verify_url: cert.verify_url.clone(),
            issuer_id: "did:web:khuyenhoc.example.vn:units:VN-01-00004".into(),
            issuer_name: cert.issuer_name.clone(),
            holder_name: cert.holder_name.clone(),
            achievement_id: "https://khuyenhoc.example.vn/tieu-chi/cdht-2025".into(),
            achievement_name: "Công dân học tập năm 2025".into(),
            achievement_description: "Danh hiệu dành cho công dân tích cực học tập suốt đời."
                .into(),
            criteria_narrative: "Đạt từ 80 điểm trở lên theo bộ tiêu chí Công dân học tập.".into(),
            valid_from: cert.decision_date,
            valid_until: cert.valid_until,
            identity: khuyenhoc_docs::Identity {
                kind: "ext:phoneNumber".into(),
                value: "0912345678".into(),
                salt: "c2FsdA".into(),
            },
            status: (
                "https://khuyenhoc.example.vn/units/VN-01-00004/status".into(),
                7,
            ),
        },
        &key,
        &format!(
            "did:web:khuyenhoc.example.vn:units:VN-01-00004#{}",
            khuyenhoc_docs::encode_verifying_key(&key.verifying_key())
        ),
    )
    .map_err(|e| format!("{e:?}"))?;
    std::fs::write(
        dir.join("badge.json"),
        serde_json::to_string_pretty(&badge)?,
    )?;
    Ok(())
}

/// A receipt, and a reversed payment with an in-kind note.
fn vouchers(dir: &Path, cert: &Certificate) -> Done {
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
    Ok(())
}

/// A year report, a line chart of a trend and a bar chart of provinces side by side.
fn report_and_charts(dir: &Path) -> Done {
    std::fs::write(dir.join("report.pdf"), admin_doc_pdf(&report())?)?;
    let years: Vec<String> = (2022..=2026).map(|y| y.to_string()).collect();
    let trend = [
        Series {
            name: "Gia đình học tập".into(),
            values: vec![1_200.0, 1_350.0, 1_610.0, 1_790.0, 2_050.0],
        },
        Series {
            name: "Dòng họ học tập".into(),
            values: vec![310.0, 342.0, 398.0, 415.0, 470.0],
        },
    ];
    let line = line_chart("Danh hiệu học tập qua các năm", &years, &trend);
    std::fs::write(dir.join("trend.svg"), line)?;
    let provinces: Vec<String> = ["Thành phố Hà Nội", "Tỉnh Phú Thọ", "Thành phố Hồ Chí Minh"]
        .iter()
        .map(|p| (*p).to_owned())
        .collect();
    let members = [
        Series {
            name: "Hội viên 2025".into(),
            values: vec![812_000.0, 356_000.0, 1_020_000.0],
        },
        Series {
            name: "Hội viên 2026".into(),
            values: vec![845_500.0, 361_200.0, 1_104_300.0],
        },
    ];
    let bars = bar_chart("Hội viên theo tỉnh", &provinces, &members);
    std::fs::write(dir.join("members.svg"), bars)?;
    Ok(())
}

/// A year report with a table long enough to run onto a second page.
fn report() -> AdminDoc {
    let para = "Năm 2026, Hội Khuyến học phường đã phối hợp với các chi hội, nhà trường và gia \
                đình đẩy mạnh phong trào khuyến học, khuyến tài, xây dựng xã hội học tập; nhiều \
                gia đình, dòng họ, cộng đồng học tập được công nhận.";
    AdminDoc {
        parent_issuer: "Hội Khuyến học Thành phố Hà Nội".into(),
        issuer: "Hội Khuyến học Phường Ba Đình".into(),
        number_symbol: "12/BC-KH".into(),
        place: "Hà Nội".into(),
        date: (2026, 11, 28),
        title: "Báo cáo".into(),
        subtitle: "Kết quả công tác khuyến học, khuyến tài năm 2026 và phương hướng năm 2027"
            .into(),
        blocks: vec![
            Block::Heading("I. KẾT QUẢ NĂM 2026".into()),
            Block::Paragraph(para.into()),
            Block::Table {
                headers: vec![
                    "TT".into(),
                    "Chi hội".into(),
                    "Hội viên".into(),
                    "Quỹ (đồng)".into(),
                ],
                rows: (1..=45)
                    .map(|i| {
                        vec![
                            i.to_string(),
                            format!("Chi hội tổ dân phố số {i}"),
                            (80 + i * 3).to_string(),
                            format!("{}.250.000", 5 + i),
                        ]
                    })
                    .collect(),
                widths: vec![0.7, 5.0, 1.8, 2.6],
                numeric: vec![false, false, true, true],
            },
            Block::Heading("II. PHƯƠNG HƯỚNG NĂM 2027".into()),
            Block::Paragraph(para.into()),
        ],
        recipients: vec![
            "Hội Khuyến học Thành phố".into(),
            "Đảng ủy, UBND phường".into(),
        ],
        signer_capacity: "TM. Ban Thường vụ".into(),
        signer_title: "Chủ tịch".into(),
        signer_name: "Trần Văn Bình".into(),
    }
}
