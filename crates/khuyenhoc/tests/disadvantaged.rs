//! Disadvantaged communes as data (issue 16, item 3): marking through the API (who may, the
//! year it defaults to, what is kept and audited, renaming still working), and the central
//! office's import of an official list, as a CSV file and as a workbook written here.

mod common;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;
use serde_json::json;

async fn patch(app: &TestApp, c: &mut Client, code: &str, body: serde_json::Value) -> Resp {
    app.json(c, "PATCH", &format!("/api/v1/units/{code}"), body)
        .await
}

async fn flags(app: &TestApp, code: &str) -> Vec<(i64, i64, String, String)> {
    sqlx::query_as::<_, (i64, i64, String, String)>(
        "SELECT d.year, d.disadvantaged, d.source, d.via FROM unit_disadvantaged d \
         JOIN units u ON u.id = d.unit_id WHERE u.code = $1 ORDER BY d.id",
    )
    .bind(code)
    .fetch_all(&app.db.pool)
    .await
    .expect("flags")
}

both_backends!(marking_through_the_api, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let source = "Quyết định 861/QĐ-TTg ngày 04/06/2021";
    // Rights never climb: the commune's own chair, a province out of scope and a branch officer
    // are answered as for a missing unit; nothing is written.
    for phone in [BADINH, HOABINH, BRANCH_OFFICER, CITIZEN] {
        let mut c = app.api_client(phone).await;
        let r = patch(
            &app,
            &mut c,
            "00004",
            json!({"disadvantaged": true, "source": source}),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{phone}: {}", r.body);
    }
    assert!(flags(&app, "00004").await.is_empty());
    let mut hanoi = app.api_client(HANOI).await;
    // A mark needs its decision; a branch or a province is not a commune.
    let r = patch(&app, &mut hanoi, "00004", json!({"disadvantaged": true})).await;
    problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "no source");
    let r = patch(
        &app,
        &mut hanoi,
        "00004",
        json!({"disadvantaged": true, "source": source, "year": 1999}),
    )
    .await;
    problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "a year out of range");
    let r = patch(
        &app,
        &mut hanoi,
        "00004-1",
        json!({"disadvantaged": true, "source": source}),
    )
    .await;
    problem(&r, StatusCode::BAD_REQUEST, "a branch");
    let r = patch(&app, &mut hanoi, "00004", json!({"year": 2025})).await;
    problem(&r, StatusCode::BAD_REQUEST, "a year alone");
    // The year defaults to the current year in Vietnam.
    let j = ok(
        &app,
        &mut hanoi,
        "PATCH",
        "/api/v1/units/00004",
        json!({"disadvantaged": true, "source": source}),
    )
    .await;
    let year = khuyenhoc::org::disadvantaged::this_year();
    assert_eq!(
        (
            j["area"]["year"].as_i64(),
            j["area"]["disadvantaged"].as_bool()
        ),
        (Some(year), Some(true)),
        "{j}"
    );
    assert_eq!(j["area"]["flag"]["source"], source);
    assert_eq!(j["area"]["flag"]["set_by"], "Trần Thị Hà");
    // The same again writes nothing; another year and an unmark add rows (the history).
    ok(
        &app,
        &mut hanoi,
        "PATCH",
        "/api/v1/units/00004",
        json!({"disadvantaged": true, "source": source, "year": year}),
    )
    .await;
    let mut central = app.api_client(CENTRAL).await;
    ok(
        &app,
        &mut central,
        "PATCH",
        "/api/v1/units/00004",
        json!({"disadvantaged": true, "source": source, "year": 2021}),
    )
    .await;
    let j = ok(
        &app,
        &mut hanoi,
        "PATCH",
        "/api/v1/units/00004",
        json!({"disadvantaged": false, "year": year, "source": "Xã đã ra khỏi danh sách"}),
    )
    .await;
    assert_eq!(j["area"]["disadvantaged"], false);
    assert_eq!(
        flags(&app, "00004").await,
        vec![
            (year, 1, source.to_owned(), "officer".to_owned()),
            (2021, 1, source.to_owned(), "officer".to_owned()),
            (
                year,
                0,
                "Xã đã ra khỏi danh sách".to_owned(),
                "officer".to_owned()
            ),
        ]
    );
    // What anyone who reads the commune sees: the GET answer and the page with its history.
    let mut chair = app.api_client(BADINH).await;
    let j = ok(&app, &mut chair, "GET", "/api/v1/units/00004", json!(null)).await;
    assert_eq!(j["area"]["disadvantaged"], false, "{j}");
    let mut web = app.login(BADINH).await;
    let page = app.get(&mut web, "/units/00004?year=2021").await;
    assert!(
        page.body
            .contains("Năm 2021: <strong>thuộc vùng đặc biệt khó khăn"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Xã đã ra khỏi danh sách"),
        "{}",
        page.body
    );
    let audit: i64 = scalar(&app, "SELECT COUNT(*) FROM audit_log WHERE entity = 'unit' AND entity_id = '00004' AND action IN ('mark_disadvantaged', 'unmark_disadvantaged')").await;
    assert_eq!(audit, 3);
    // Renaming a branch through the same route still works.
    let j = ok(
        &app,
        &mut chair,
        "PATCH",
        "/api/v1/units/00004-1",
        json!({"name": "Chi hội Tổ dân phố số 1 (mới)"}),
    )
    .await;
    assert_eq!(j["name"], "Chi hội Tổ dân phố số 1 (mới)");
    assert!(j["area"].is_null());
});

/// The list as the template has it, for Ba Đình (two decisions' years) and Ngọc Hà.
const ROWS: [(&str, &str, &str, &str, &str); 2] = [
    (
        "00004",
        "Phường Ba Đình",
        "Quyết định 861/QĐ-TTg ngày 04/06/2021 (mẫu thử)",
        "2021",
        "2025",
    ),
    (
        "8",
        "Phường Ngọc Hà",
        "Quyết định 353/QĐ-TTg ngày 15/03/2022 (mẫu thử)",
        "2022",
        "2023",
    ),
];

fn csv_file(rows: &[(&str, &str, &str, &str, &str)]) -> Vec<u8> {
    let mut out = "\u{feff}Mã xã,Tên xã,Quyết định,Từ năm,Đến năm\n".to_owned();
    for (a, b, c, d, e) in rows {
        out.push_str(&format!("{a},{b},\"{c}\",{d},{e}\n"));
    }
    out.into_bytes()
}

fn xlsx_file(rows: &[(&str, &str, &str, &str, &str)]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["Mã xã", "Tên xã", "Quyết định", "Từ năm", "Đến năm"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, u16::try_from(c).expect("col"), *h)
            .expect("header");
    }
    for (r, (a, b, c, d, e)) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).expect("row");
        ws.write_string(r, 0, *a).expect("code");
        ws.write_string(r, 1, *b).expect("name");
        ws.write_string(r, 2, *c).expect("decision");
        ws.write_number(r, 3, d.parse::<f64>().expect("from"))
            .expect("from");
        ws.write_number(r, 4, e.parse::<f64>().expect("to"))
            .expect("to");
    }
    wb.save_to_buffer().expect("workbook")
}

const CONFIRM: [&str; 4] = ["key", "sha256", "plan", "file_name"];

async fn import(app: &TestApp, c: &mut Client, name: &str, bytes: &[u8]) -> (Resp, Resp) {
    let preview = upload_workbook(app, c, "/disadvantaged/import", &[], Some((name, bytes))).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    let done = confirm_form(
        app,
        c,
        "/disadvantaged/import/commit",
        &preview,
        &CONFIRM,
        &[],
    )
    .await;
    (preview, done)
}

both_backends!(
    the_central_office_imports_the_official_list,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut central = app.login(CENTRAL).await;
        // Only the centre: a province chair is answered as for nothing.
        let mut hanoi = app.login(HANOI).await;
        let r = upload_workbook(
            &app,
            &mut hanoi,
            "/disadvantaged/import",
            &[],
            Some(("ds.csv", &csv_file(&ROWS))),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        let r = app.get(&mut central, "/disadvantaged/import").await;
        assert!(r.body.contains(".csv"), "{}", r.body);
        let t = app.get(&mut central, "/disadvantaged/template.xlsx").await;
        assert_eq!(t.status, StatusCode::OK);
        // A list with a bad row stores nothing: an unknown code, a commune twice for a year.
        let mut bad = ROWS.to_vec();
        bad.push((
            "99999",
            "Xã không có",
            "Quyết định 1/QĐ-TTg",
            "2021",
            "2021",
        ));
        bad.push(("4", "Phường Ba Đình", "Quyết định 2/QĐ-TTg", "2025", "2026"));
        let r = upload_workbook(
            &app,
            &mut central,
            "/disadvantaged/import",
            &[],
            Some(("bad.csv", &csv_file(&bad))),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            r.body.contains("không có xã, phường nào mang mã này"),
            "{}",
            r.body
        );
        assert!(
            r.body.contains("xã này đã có ở dòng 2 cho cùng năm"),
            "{}",
            r.body
        );
        assert!(
            hidden_field(&r.body, "key").is_none(),
            "no confirm form: {}",
            r.body
        );
        // The CSV file: previewed, then every row in one transaction.
        let (preview, done) = import(&app, &mut central, "ds.csv", &csv_file(&ROWS)).await;
        assert!(
            preview.body.contains("Đánh dấu 5 năm theo"),
            "{}",
            preview.body
        );
        assert!(
            preview
                .body
                .contains("<strong>2 dòng hợp lệ</strong> · 0 dòng lỗi"),
            "{}",
            preview.body
        );
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert!(
            done.body.contains("2 xã có năm mới được đánh dấu"),
            "{}",
            done.body
        );
        let ba_dinh = flags(&app, "00004").await;
        assert_eq!(
            ba_dinh.iter().map(|f| f.0).collect::<Vec<_>>(),
            [2021, 2022, 2023, 2024, 2025]
        );
        assert!(
            ba_dinh.iter().all(|f| f.1 == 1 && f.3 == "import"),
            "{ba_dinh:?}"
        );
        assert_eq!(flags(&app, "00008").await.len(), 2);
        // The same file again is refused; the same list as a workbook changes nothing but the
        // years a new decision adds (2026 for Ba Đình).
        let r = upload_workbook(
            &app,
            &mut central,
            "/disadvantaged/import",
            &[],
            Some(("ds.csv", &csv_file(&ROWS))),
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        let mut more = ROWS.to_vec();
        more[0].4 = "2026";
        let (preview, done) = import(&app, &mut central, "ds.xlsx", &xlsx_file(&more)).await;
        assert!(
            preview.body.contains("Đánh dấu 1 năm theo"),
            "{}",
            preview.body
        );
        assert!(preview.body.contains("không thay đổi"), "{}", preview.body);
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert_eq!(flags(&app, "00004").await.len(), 6);
        assert_eq!(flags(&app, "00008").await.len(), 2);
        // Audited: one entry per workbook, one per commune whose years changed.
        let files = scalar(&app, "SELECT COUNT(*) FROM audit_log WHERE entity = 'disadvantaged_import' AND action = 'import'").await;
        let communes = scalar(&app, "SELECT COUNT(*) FROM audit_log WHERE entity = 'unit' AND action = 'mark_disadvantaged'").await;
        assert_eq!((files, communes), (2, 3));
        // The sample list of `data/` reads as a valid list (previewed only).
        let sample = include_bytes!("../../../data/disadvantaged-sample.csv");
        let r = upload_workbook(
            &app,
            &mut central,
            "/disadvantaged/import",
            &[],
            Some(("sample.csv", sample)),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            hidden_field(&r.body, "key").is_some(),
            "every row valid: {}",
            r.body
        );
        // The commune's page shows where the flag comes from.
        let page = app.get(&mut central, "/units/00004?year=2023").await;
        assert!(
            page.body.contains("nhập từ danh sách chính thức"),
            "{}",
            page.body
        );
    }
);
