//! Reports as documents: the roll-up workbook's totals equal the API's, and the printable
//! documents (a commune's report, the cluster briefing pack) carry the national motto header and
//! the names with correct Vietnamese diacritics (text extracted by `pdftotext`), on SQLite and
//! PostgreSQL.

mod common;
use calamine::{Data, Reader, Xlsx};
use common::*;
use khuyenhoc::db::Backend;
use serde_json::{json, Value};

fn period() -> String {
    khuyenhoc_reports::Period::current(&khuyenhoc::db::today()).to_string()
}

/// Records money in a new fund of the unit (two receipts and a scholarship payment).
async fn some_money(app: &TestApp, c: &mut Client, unit: &str, code: &str) {
    let r = app
        .json(
            c,
            "POST",
            &format!("/api/v1/units/{unit}/funds"),
            json!({"code": code, "name": format!("Quỹ {code}")}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    let fund = r.json()["id"].as_i64().expect("fund id");
    for (category, amount) in [
        ("donation", 2_500_000),
        ("membership_fee", 300_000),
        ("scholarship", 1_000_000),
    ] {
        let r = app
            .json(
                c,
                "POST",
                &format!("/api/v1/funds/{fund}/entries"),
                json!({"category": category, "amount": amount}),
            )
            .await;
        assert!(r.status.is_success(), "{}", r.body);
    }
}

fn pdf_text(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let dir = tempfile::tempdir().expect("dir");
    let pdf = dir.path().join("d.pdf");
    std::fs::write(&pdf, bytes).expect("write the PDF");
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils, installed by scripts/test-services.sh)");
    assert!(out.status.success(), "pdftotext failed");
    // NFC, whitespace runs collapsed (the layout pads columns with spaces).
    khuyenhoc_domain::text::clean(&String::from_utf8_lossy(&out.stdout))
}

both_backends!(
    rollup_workbook_totals_equal_the_api,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut hanoi = app.api_client(HANOI).await;
        some_money(&app, &mut hanoi, "00004", "QA").await;
        some_money(&app, &mut hanoi, "00008", "QB").await;
        let p = period();
        let api = app
            .get(&mut hanoi, &format!("/api/v1/units/01/reports/{p}/rollup"))
            .await;
        assert_eq!(api.status.as_u16(), 200, "{}", api.body);
        let api: Value = api.json();
        let heads: Vec<String> = api["heads"]
            .as_array()
            .expect("heads")
            .iter()
            .map(|h| h["label_vi"].as_str().unwrap_or_default().to_owned())
            .collect();
        let totals: Vec<Option<i64>> = api["total_live"]
            .as_array()
            .expect("totals")
            .iter()
            .map(Value::as_i64)
            .collect();
        let receipts = heads
            .iter()
            .position(|h| h.starts_with("Tổng số tiền vận động"))
            .expect("receipts column");
        assert_eq!(
            totals[receipts],
            Some(5_600_000),
            "two communes × 2.800.000 of receipts"
        );
        let web = app.login(HANOI).await;
        let (status, _, bytes) = app
            .download(&web, &format!("/units/01/reports/{p}/children?format=xlsx"))
            .await;
        assert_eq!(status.as_u16(), 200);
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("the workbook opens");
        let sheet = wb
            .worksheet_range("Số liệu trực tiếp")
            .expect("the live sheet");
        let header = sheet.rows().nth(3).expect("the header row");
        let total = sheet
            .rows()
            .find(|r| matches!(r.first(), Some(Data::String(s)) if s == "Cộng"))
            .expect("the total row");
        let mut compared = 0;
        for (i, label) in heads.iter().enumerate() {
            assert_eq!(
                header.get(i + 2),
                Some(&Data::String(label.clone())),
                "column {i}"
            );
            let cell = match total.get(i + 2) {
                Some(Data::Float(f)) => Some(*f),
                Some(Data::Int(n)) => Some(*n as f64),
                _ => None,
            };
            let format = api["heads"][i]["format"].as_str().unwrap_or_default();
            let want = totals[i].map(|v| {
                if format == "percent" {
                    v as f64 / 10_000.0
                } else {
                    v as f64
                }
            });
            assert_eq!(cell, want, "total of {label}");
            compared += 1;
        }
        assert_eq!(compared, heads.len());
        assert!(compared >= 20, "every number indicator is in the workbook");
    }
);

both_backends!(
    printable_documents_have_the_motto_and_the_names,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut c = app.api_client(BADINH).await;
        let p = period();
        let r = app
            .json(&mut c, "POST", &format!("/api/v1/units/00004/reports/{p}"), json!({
                "texts": {"results": "Phong trào xây dựng xã hội học tập của phường đạt nhiều kết quả."},
                "number_symbol": "12/BC-KH",
                "signer_name": "Lê Văn Đình"
            }))
            .await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.body);
        let web = app.login(BADINH).await;
        let (status, _, bytes) = app
            .download(&web, &format!("/units/00004/reports/{p}/export?format=pdf"))
            .await;
        assert_eq!(status.as_u16(), 200);
        let text = pdf_text(&bytes);
        for needle in [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "HỘI KHUYẾN HỌC PHƯỜNG BA ĐÌNH",
            "HỘI KHUYẾN HỌC THÀNH PHỐ HÀ NỘI",
            "Số: 12/BC-KH",
            "BÁO CÁO",
            "Nơi nhận",
            "Lê Văn Đình",
            "- Hội Khuyến học Thành phố Hà Nội",
            "Phong trào xây dựng xã hội học tập",
        ] {
            assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
        }
        // The cluster briefing pack: the table and each province's part.
        let central = app.login(CENTRAL).await;
        let (status, _, bytes) = app
            .download(
                &central,
                &format!("/clusters/DEMO-1/reports/{p}/export?format=pdf"),
            )
            .await;
        assert_eq!(status.as_u16(), 200);
        let text = pdf_text(&bytes);
        assert!(
            text.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
            "{text}"
        );
        for province in ["Thành phố Hà Nội", "Tỉnh Phú Thọ"] {
            assert!(
                text.matches(province).count() >= 2,
                "{province} in the table and its own part:\n{text}"
            );
        }
        let (status, _, bytes) = app
            .download(
                &central,
                &format!("/clusters/DEMO-1/reports/{p}/export?format=xlsx"),
            )
            .await;
        assert_eq!(status.as_u16(), 200);
        let mut wb: Xlsx<_> =
            Xlsx::new(std::io::Cursor::new(bytes)).expect("the cluster workbook opens");
        let sheet = wb.worksheet_range("Cụm thi đua").expect("the sheet");
        let names: Vec<String> = sheet
            .rows()
            .nth(3)
            .expect("province row")
            .iter()
            .filter_map(|d| match d {
                Data::String(s) if !s.is_empty() && s != "Chỉ tiêu" => Some(s.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(names.len(), 3, "{names:?}");
    }
);

both_backends!(
    recount_finds_and_repairs_a_tampered_counter,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut hanoi = app.api_client(HANOI).await;
        some_money(&app, &mut hanoi, "00004", "QR").await;
        let none = khuyenhoc::reports::counters::recount(&app.db, false)
            .await
            .expect("recount");
        assert!(none.is_empty(), "{none:?}");
        sqlx::query("UPDATE counters SET value = value + 7 WHERE metric = 'ledger.donation' AND unit_id = (SELECT id FROM units WHERE code = '01')")
            .execute(&app.db.pool)
            .await
            .expect("tamper");
        let found = khuyenhoc::reports::counters::recount(&app.db, true)
            .await
            .expect("recount --fix");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].stored - found[0].expected, 7);
        assert_eq!(found[0].metric, "ledger.donation");
        let after = khuyenhoc::reports::counters::recount(&app.db, false)
            .await
            .expect("recount");
        assert!(after.is_empty(), "fixed: {after:?}");
    }
);
