//! The record as a printable PDF: an administrative document laid out per Decree 30/2020
//! (`khuyenhoc_docs::admin_doc_pdf`, Noto Sans with Vietnamese shaped right), issued in the
//! name of the person's commune association, one table per kind in order over the years, the
//! certificates with the address of their public verify page, signed by whoever printed it.

use super::model::Record;
use crate::db::Db;
use crate::error::AppError;
use crate::reports::export::{body_name, place_of};
use chrono::Datelike;
use khuyenhoc_docs::{AdminDoc, Block};
use khuyenhoc_domain::Level;

/// The bodies above the person's home unit: (parent issuer, issuer, place).
async fn issuing(db: &Db, unit_path: &str) -> Result<(String, String, String), AppError> {
    let name_of = |depth: usize| {
        let path = crate::org::ancestor_path(unit_path, depth);
        async move {
            match path {
                Some(p) => Ok::<Option<String>, AppError>(
                    sqlx::query_scalar("SELECT name FROM units WHERE path = $1")
                        .bind(p)
                        .fetch_optional(&db.pool)
                        .await?,
                ),
                None => Ok(None),
            }
        }
    };
    let province = name_of(1).await?;
    let commune = name_of(2).await?;
    Ok(match (province, commune) {
        (Some(p), Some(c)) => (
            body_name(Level::Province, &p),
            body_name(Level::Commune, &c),
            place_of(&p),
        ),
        (Some(p), None) => (String::new(), body_name(Level::Province, &p), place_of(&p)),
        _ => (
            String::new(),
            body_name(Level::Central, ""),
            "Hà Nội".into(),
        ),
    })
}

fn table(headers: &[&str], rows: Vec<Vec<String>>, widths: Vec<f32>) -> Block {
    let numeric = headers.iter().map(|h| *h == "TT").collect();
    Block::Table {
        headers: headers.iter().map(|h| (*h).to_owned()).collect(),
        rows,
        widths,
        numeric,
    }
}

fn section(blocks: &mut Vec<Block>, heading: &str, empty: &str, body: Option<Block>) {
    blocks.push(Block::Heading(heading.to_owned()));
    match body {
        Some(b) => blocks.push(b),
        None => blocks.push(Block::Paragraph(empty.to_owned())),
    }
}

fn model_vi(code: &str) -> String {
    khuyenhoc_criteria::Model::from_code(code)
        .map_or_else(|| code.to_owned(), |m| m.vi().to_owned())
}

fn status_vi(code: &str, revoked: bool) -> String {
    if revoked {
        return "Đã bị thu hồi danh hiệu".into();
    }
    crate::evaluation::lifecycle::Status::parse(code)
        .map_or_else(|| code.to_owned(), |s| s.label_vi().to_owned())
}

/// A part of the body: heading, what it says when empty, column headers, rows, widths.
type Section = (
    &'static str,
    &'static str,
    &'static [&'static str],
    Vec<Vec<String>>,
    Vec<f32>,
);

fn n(i: usize) -> String {
    (i + 1).to_string()
}

fn evaluation_rows(r: &Record) -> Vec<Vec<String>> {
    let row = |(i, e): (usize, &super::model::RecordEvaluation)| {
        vec![
            n(i),
            e.year.to_string(),
            model_vi(&e.model),
            e.unit_name.clone(),
            status_vi(&e.status, e.revoked),
            e.total.to_string(),
        ]
    };
    r.evaluations.iter().enumerate().map(row).collect()
}

fn certificate_rows(r: &Record, base_url: &str) -> Vec<Vec<String>> {
    let row = |(i, c): (usize, &super::model::RecordCertificate)| {
        vec![
            n(i),
            c.year.to_string(),
            c.title_vi.clone(),
            format!("{}, {}", c.decision_no, crate::i18n::day(&c.decision_date)),
            c.status_words().0.to_owned(),
            format!("{base_url}/verify/{}", c.code),
        ]
    };
    r.certificates.iter().enumerate().map(row).collect()
}

fn award_rows(r: &Record) -> Vec<Vec<String>> {
    let row = |(i, a): (usize, &super::model::RecordAward)| {
        vec![
            n(i),
            crate::i18n::day(&a.paid_on),
            a.kind_words().0.to_owned(),
            a.programme.clone(),
            a.unit_name.clone(),
            khuyenhoc_ledger::Dong::new(a.amount).grouped(),
        ]
    };
    r.awards.iter().enumerate().map(row).collect()
}

fn training_rows(r: &Record) -> Vec<Vec<String>> {
    let row = |(i, t): (usize, &super::model::RecordTraining)| {
        vec![
            n(i),
            crate::i18n::day(&t.held_on),
            t.title.clone(),
            t.unit_name.clone(),
        ]
    };
    r.trainings.iter().enumerate().map(row).collect()
}

/// The body: who, then evaluations, certificates, scholarships and awards, trainings.
fn blocks(r: &Record, base_url: &str) -> Vec<Block> {
    let p = &r.person;
    let born = p.birth_year.map(|y| format!(", sinh năm {y}"));
    let mut b = vec![Block::Paragraph(format!(
        "Họ và tên: {}{}. Đơn vị: {}.",
        p.full_name,
        born.unwrap_or_default(),
        p.unit_name
    ))];
    let sections: [Section; 4] = [
        (
            "I. ĐÁNH GIÁ DANH HIỆU HỌC TẬP",
            "Chưa có hồ sơ đánh giá.",
            &["TT", "Năm", "Danh hiệu", "Đơn vị", "Tình trạng", "Điểm"],
            evaluation_rows(r),
            vec![0.6, 0.9, 2.2, 2.4, 2.6, 0.8],
        ),
        (
            "II. DANH HIỆU VÀ GIẤY CHỨNG NHẬN",
            "Chưa có giấy chứng nhận.",
            &[
                "TT",
                "Năm",
                "Danh hiệu",
                "Quyết định",
                "Hiệu lực",
                "Tra cứu",
            ],
            certificate_rows(r, base_url),
            vec![0.6, 0.9, 2.0, 2.0, 1.4, 3.2],
        ),
        (
            "III. HỌC BỔNG, GIẢI THƯỞNG ĐÃ NHẬN",
            "Chưa nhận học bổng, giải thưởng nào.",
            &[
                "TT",
                "Ngày",
                "Loại",
                "Chương trình",
                "Đơn vị",
                "Số tiền (đồng)",
            ],
            award_rows(r),
            vec![0.6, 1.4, 1.2, 2.6, 2.2, 1.6],
        ),
        (
            "IV. CÁC KHÓA HỌC, BUỔI SINH HOẠT ĐÃ THAM GIA",
            "Chưa có dữ liệu (chương trình chưa ghi các buổi sinh hoạt, tập huấn).",
            &["TT", "Ngày", "Khóa học, buổi sinh hoạt", "Đơn vị"],
            training_rows(r),
            vec![0.6, 1.4, 4.0, 2.6],
        ),
    ];
    for (heading, empty, headers, rows, widths) in sections {
        let body = (!rows.is_empty()).then(|| table(headers, rows, widths));
        section(&mut b, heading, empty, body);
    }
    if r.capped {
        b.push(Block::Paragraph(format!(
            "Mỗi mục in tối đa {} dòng đầu tiên.",
            super::model::CAP
        )));
    }
    b
}

/// The PDF of `r`, printed today (`today`, in Vietnam) by `printer` (their full name).
pub async fn pdf(
    db: &Db,
    r: &Record,
    base_url: &str,
    today: chrono::NaiveDate,
    printer: &str,
) -> Result<Vec<u8>, AppError> {
    let (parent_issuer, issuer, place) = issuing(db, &r.person.unit_path).await?;
    let doc = AdminDoc {
        parent_issuer,
        issuer,
        number_symbol: "/HS-KH".into(),
        place,
        date: (today.year(), today.month(), today.day()),
        title: "HỒ SƠ HỌC TẬP SUỐT ĐỜI".into(),
        subtitle: format!("Của {}", r.person.full_name),
        blocks: blocks(r, base_url),
        recipients: vec![r.person.full_name.clone()],
        signer_capacity: String::new(),
        signer_title: "NGƯỜI IN".into(),
        signer_name: printer.to_owned(),
    };
    let bytes = tokio::task::spawn_blocking(move || khuyenhoc_docs::admin_doc_pdf(&doc))
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    bytes.map_err(|e| AppError::Internal(anyhow::anyhow!("record pdf: {e:?}")))
}
