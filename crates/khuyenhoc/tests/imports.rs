//! What the two Excel imports share through the pipeline (`sheets`), asserted of both the same
//! way: a zip bomb refused by what it unpacks to, a workbook never stored twice (a second
//! confirmation, a second upload), a confirm form whose digest no longer matches the rows
//! storing nothing, and the live counters matching the rows afterwards. Real `.xlsx` files,
//! multipart uploads as a browser sends them, both backends.

mod common;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;
use rust_xlsxwriter::Workbook;
use std::io::Write;

fn this_year() -> i64 {
    i64::from(chrono::Datelike::year(&chrono::Utc::now()))
}

/// One of the two imports of Ba Đình: where it uploads, confirms, and what it counts.
struct Import {
    upload: &'static str,
    commit: &'static str,
    /// Text fields sent beside the file.
    fields: Vec<(&'static str, String)>,
    /// What a stored workbook writes a row of.
    table: &'static str,
}

fn batch() -> Import {
    Import {
        upload: "/units/00004/batch",
        commit: "/units/00004/batch/commit",
        fields: vec![("year", this_year().to_string())],
        table: "evaluations",
    }
}

fn members() -> Import {
    Import {
        upload: "/units/00004/members/import",
        commit: "/units/00004/members/import/commit",
        fields: vec![],
        table: "members",
    }
}

/// A workbook of these rows of text cells, the first one the header.
fn workbook(rows: &[Vec<String>]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let (r, c) = (
                u32::try_from(r).expect("row"),
                u16::try_from(c).expect("col"),
            );
            ws.write_string(r, c, v).expect("cell");
        }
    }
    wb.save_to_buffer().expect("xlsx")
}

/// A batch workbook of one new citizen with every score 9.
fn batch_workbook(phone: &str) -> Vec<u8> {
    let set =
        khuyenhoc_criteria::default_for(khuyenhoc_criteria::Model::Citizen).expect("citizen set");
    let mut header: Vec<String> = [
        "Họ và tên",
        "Số điện thoại",
        "Năm sinh",
        "Giới tính",
        "Nhóm đối tượng (mã)",
    ]
    .map(str::to_owned)
    .to_vec();
    let mut row: Vec<String> = ["Nguyễn Thị Chung", phone, "1990", "Nữ", "farmer"]
        .map(str::to_owned)
        .to_vec();
    for (_, i) in set.indicators() {
        header.push(format!("{} (tối đa {}) [{}]", i.text.vi, i.max, i.code));
        row.push("9".into());
    }
    workbook(&[header, row])
}

/// A member list of one new person in branch 00004-1.
fn member_workbook(phone: &str) -> Vec<u8> {
    let header = ["Họ và tên", "Số điện thoại", "Mã chi hội", "Ngày vào hội"].map(str::to_owned);
    let row = ["Nguyễn Thị Chung", phone, "00004-1", "01/03/2024"].map(str::to_owned);
    workbook(&[header.to_vec(), row.to_vec()])
}

/// A well-formed zip whose one part unpacks to `mb` megabytes of zeros (a few hundred kB
/// packed): under every upload limit, over the unpacked ones.
fn zip_bomb(mb: usize) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file(
        "xl/worksheets/sheet1.xml",
        zip::write::SimpleFileOptions::default(),
    )
    .expect("part");
    let block = vec![0u8; 1024 * 1024];
    for _ in 0..mb {
        zip.write_all(&block).expect("write");
    }
    zip.finish().expect("zip").into_inner()
}

async fn upload(app: &TestApp, c: &mut Client, imp: &Import, file: &[u8]) -> Resp {
    upload_workbook(app, c, imp.upload, &imp.fields, Some(("tep.xlsx", file))).await
}

/// Posts a preview's confirm form, with `plan` in place of its digest when given.
async fn confirm(
    app: &TestApp,
    c: &mut Client,
    imp: &Import,
    preview: &Resp,
    plan: Option<&str>,
) -> Resp {
    let mut replace: Vec<(&str, String)> =
        imp.fields.iter().map(|(k, v)| (*k, v.clone())).collect();
    if let Some(p) = plan {
        replace.push(("plan", p.to_owned()));
    }
    let names = ["key", "sha256", "plan", "file_name"];
    confirm_form(app, c, imp.commit, preview, &names, &replace).await
}

both_backends!(
    both_imports_refuse_a_zip_bomb_the_same_way,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut web = app.login(BADINH).await;
        // 300 MB of zeros: over the batch's 64 MB and the member list's 256 MB once unpacked.
        let bomb = zip_bomb(300);
        assert!(bomb.len() < 2 * 1024 * 1024, "{} bytes", bomb.len());
        for (imp, limit) in [(batch(), 64), (members(), 256)] {
            let r = upload(&app, &mut web, &imp, &bomb).await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}: {}",
                imp.upload,
                r.body
            );
            let message =
                format!("Tệp giải nén ra quá lớn (hơn {limit} MB): hãy chia thành nhiều tệp");
            assert!(r.body.contains(&message), "{}: {}", imp.upload, r.body);
            assert!(
                r.body
                    .contains(&format!("action=\"{}\" enctype", imp.upload)),
                "the upload form again: {}",
                r.body
            );
        }
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM evaluations").await, 0);
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM members").await, 0);
    }
);

both_backends!(
    both_imports_store_a_workbook_once_and_only_as_previewed,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut web = app.login(BADINH).await;
        let cases = [
            (batch(), batch_workbook("0987 001 001"), "evaluation_batch"),
            (members(), member_workbook("0987 001 002"), "member_import"),
        ];
        for (imp, file, entity) in &cases {
            let before = scalar(&app, &format!("SELECT COUNT(*) FROM {}", imp.table)).await;
            let preview = upload(&app, &mut web, imp, file).await;
            assert_eq!(
                preview.status,
                StatusCode::OK,
                "{}: {}",
                imp.upload,
                preview.body
            );
            assert!(
                preview
                    .body
                    .contains("<strong>1 dòng hợp lệ</strong> (1 người mới) · 0 dòng lỗi"),
                "{}",
                preview.body
            );
            // A digest that is not the preview's: nothing stored, the rows shown again with a
            // confirm form carrying the right digest.
            let changed =
                confirm(&app, &mut web, imp, &preview, Some("0".repeat(64).as_str())).await;
            assert_eq!(
                changed.status,
                StatusCode::CONFLICT,
                "{}: {}",
                imp.upload,
                changed.body
            );
            assert!(
                changed
                    .body
                    .contains("Dữ liệu đã thay đổi kể từ lúc xem trước"),
                "{}",
                changed.body
            );
            assert_eq!(hidden(&changed.body, "plan"), hidden(&preview.body, "plan"));
            assert_eq!(
                scalar(&app, &format!("SELECT COUNT(*) FROM {}", imp.table)).await,
                before
            );
            // Confirmed: stored once, with the workbook's audit entry.
            let done = confirm(&app, &mut web, imp, &preview, None).await;
            assert_eq!(done.status, StatusCode::OK, "{}: {}", imp.upload, done.body);
            assert!(done.body.contains("id=\"result\""), "{}", done.body);
            assert_eq!(
                scalar(&app, &format!("SELECT COUNT(*) FROM {}", imp.table)).await,
                before + 1
            );
            let audited = format!(
                "SELECT COUNT(*) FROM audit_log WHERE entity = '{entity}' AND action = 'import'"
            );
            assert_eq!(scalar(&app, &audited).await, 1);
            // A second confirmation and a second upload of the same bytes are refused alike.
            for again in [
                confirm(&app, &mut web, imp, &preview, None).await,
                upload(&app, &mut web, imp, file).await,
            ] {
                assert_eq!(
                    again.status,
                    StatusCode::CONFLICT,
                    "{}: {}",
                    imp.upload,
                    again.body
                );
                assert!(
                    again.body.contains("Tệp này đã được nhập lúc"),
                    "{}",
                    again.body
                );
                assert!(
                    again
                        .body
                        .contains(&format!("action=\"{}\" enctype", imp.upload)),
                    "{}",
                    again.body
                );
            }
            assert_eq!(
                scalar(&app, &format!("SELECT COUNT(*) FROM {}", imp.table)).await,
                before + 1
            );
            assert_eq!(scalar(&app, &audited).await, 1);
        }
        let diffs = khuyenhoc::reports::counters::recount(&app.db, false)
            .await
            .expect("recount");
        assert!(diffs.is_empty(), "counters differ from the rows: {diffs:?}");
    }
);
