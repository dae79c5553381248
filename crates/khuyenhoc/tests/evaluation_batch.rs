//! The paper path: the Excel template, the preview of an uploaded workbook (nothing saved), the
//! all-or-nothing commit, malformed workbooks and scope. Workbooks are real `.xlsx` files made
//! with `rust_xlsxwriter`, sent as multipart uploads like a browser does.

mod common;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use khuyenhoc::db::Backend;
use khuyenhoc_criteria::{default_for, Model};
use rust_xlsxwriter::{Format, Workbook};

const BADINH_CODE: &str = "00004";

fn this_year() -> i64 {
    i64::from(chrono::Datelike::year(&chrono::Utc::now()))
}

/// A cell of a test workbook.
#[derive(Clone)]
enum Cell {
    T(String),
    N(f64),
    Blank,
}

fn t(s: &str) -> Cell {
    Cell::T(s.to_owned())
}

/// The header the template writes, from the national citizen set.
fn header() -> Vec<String> {
    let set = default_for(Model::Citizen).expect("citizen set");
    let mut h: Vec<String> = [
        "Họ và tên",
        "Số điện thoại",
        "Năm sinh",
        "Giới tính",
        "Nhóm đối tượng (mã)",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for (_, i) in set.indicators() {
        h.push(format!("{} (tối đa {}) [{}]", i.text.vi, i.max, i.code));
    }
    h
}

/// A row: name, phone, birth year 1990, "Nữ", form group and ten scores.
fn person(name: &str, phone: &str, form_group: &str, scores: [f64; 10]) -> Vec<Cell> {
    let mut row = vec![
        if name.is_empty() {
            Cell::Blank
        } else {
            t(name)
        },
        if phone.is_empty() {
            Cell::Blank
        } else {
            t(phone)
        },
        Cell::N(1990.0),
        t("Nữ"),
        t(form_group),
    ];
    row.extend(scores.iter().map(|s| Cell::N(*s)));
    row
}

/// A workbook with the header on row 1 and the rows below (an empty row vector is a blank row).
fn workbook(header: &[String], rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, u16::try_from(c).expect("col"), h)
            .expect("header");
    }
    for (r, row) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).expect("row");
        for (c, v) in row.iter().enumerate() {
            let c = u16::try_from(c).expect("col");
            match v {
                Cell::T(s) => {
                    ws.write_string(r, c, s).expect("text");
                }
                Cell::N(n) => {
                    ws.write_number(r, c, *n).expect("number");
                }
                Cell::Blank => {}
            }
        }
    }
    wb.save_to_buffer().expect("xlsx")
}

/// Uploads a file to the preview, as the upload form does.
async fn upload(
    app: &TestApp,
    client: &mut Client,
    unit: &str,
    year: i64,
    file: Option<&[u8]>,
) -> Resp {
    let action = format!("/units/{unit}/batch");
    let fields = [("year", year.to_string())];
    upload_workbook(
        app,
        client,
        &action,
        &fields,
        file.map(|f| ("phieu.xlsx", f)),
    )
    .await
}

/// Confirms a preview: posts its confirm form.
async fn confirm(app: &TestApp, client: &mut Client, unit: &str, preview: &Resp) -> Resp {
    let action = format!("/units/{unit}/batch/commit");
    confirm_form(
        app,
        client,
        &action,
        preview,
        &["key", "sha256", "year", "plan"],
        &[],
    )
    .await
}

both_backends!(preview_then_commit, |backend: Backend| async move {
    let app = TestApp::new(backend).await;
    let year = this_year();
    let mut officer = app.login(BADINH).await;
    // Vũ Minh Tuấn (Ba Đình) is registered this year already.
    let r = app
        .post_form(
            &mut officer,
            "/units/00004/evaluations",
            &[
                ("phone", TREASURER),
                ("form_group", "farmer"),
                ("year", &year.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let people = scalar(&app, "SELECT COUNT(*) FROM people").await;
    let unit_name: String = sqlx::query_scalar("SELECT name FROM units WHERE code = '00004'")
        .fetch_one(&app.db.pool)
        .await
        .expect("unit");

    let mut scores_12 = [8.0; 10];
    scores_12[0] = 12.0;
    let mut scores_half = [8.0; 10];
    scores_half[1] = 7.5;
    let rows = vec![
        person("Nguyễn Thị Mai", "0987 654 321", "farmer", [9.0; 10]), // row 2: new person
        person("Đỗ Thị Lan", CITIZEN, "worker", [8.0; 10]),            // row 3: the demo citizen
        person("", "0987000004", "farmer", [8.0; 10]),                 // row 4: no name
        person("Trần Văn Phong", "12345", "farmer", [8.0; 10]),        // row 5: bad phone
        person("Lê Thị Hồng", "0987000006", "xyz", [8.0; 10]),         // row 6: unknown form group
        person("Phạm Văn Khoa", "0987000007", "farmer", scores_12),    // row 7: above max
        person("Vũ Thị Thu", "0987000008", "farmer", scores_half),     // row 8: not whole
        person("Hoàng Văn Bình", HOABINH, "farmer", [8.0; 10]),        // row 9: outside the unit
        person("Vũ Minh Tuấn", TREASURER, "farmer", [8.0; 10]),        // row 10: registered
        vec![],                                                        // row 11: blank
        person("Ngô Văn Tư", "", "student", [10.0; 10]),               // row 12: no phone
    ];
    let file = workbook(&header(), &rows);
    let preview = upload(&app, &mut officer, BADINH_CODE, year, Some(&file)).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    let b = &preview.body;
    for exact in [
        "Dòng 4, cột A (Họ và tên): Thiếu họ và tên",
        "Dòng 5, cột B (Số điện thoại): Số điện thoại không hợp lệ (ví dụ: 0912 345 678)",
        "Dòng 6, cột E (Nhóm đối tượng (mã)): Không có nhóm đối tượng «xyz»; dùng một trong các mã: farmer, worker, official, student",
        "Dòng 7, cột F (Thường xuyên đọc, theo dõi tin tức, sách báo): Điểm 12 vượt quá mức tối đa 10",
        "Dòng 8, cột G (Có kế hoạch học tập của bản thân): «7.5» không phải là số nguyên",
        &format!("Dòng 9: Số điện thoại này thuộc về một người không ở đơn vị {unit_name}"),
        &format!("Dòng 10: Người này đã đăng ký danh hiệu Công dân học tập năm {year}"),
    ] {
        assert!(b.contains(exact), "missing «{exact}» in {b}");
    }
    assert!(b.contains("id=\"row-2\""), "{b}");
    assert!(b.contains("Người mới · farmer · 90/100"), "{b}");
    assert!(b.contains("Người đã có · worker · 80/100"), "{b}");
    assert!(b.contains("Người mới · student · 100/100"), "{b}");
    assert!(!b.contains("id=\"row-11\""), "a blank row is skipped: {b}");
    assert!(
        b.contains("<strong>3 dòng hợp lệ</strong> (2 người mới) · 7 dòng lỗi"),
        "{b}"
    );
    // Nothing is saved by the preview.
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM evaluations").await, 1);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM people").await, people);

    let done = confirm(&app, &mut officer, BADINH_CODE, &preview).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(
        done.body.contains(
            "Đã lưu 3 hồ sơ trong một lần (2 người mới); 7 dòng lỗi bị bỏ qua; 10 dòng đã đọc"
        ),
        "{}",
        done.body
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM evaluations").await, 4);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM people").await,
        people + 2
    );
    let (id, status, total, passed, unit): (i64, String, i64, i64, String) = sqlx::query_as(
        "SELECT e.id, e.status, e.total, e.passed, u.code FROM evaluations e JOIN people p ON p.id = e.subject_id \
         JOIN units u ON u.id = e.unit_id WHERE p.phone = '0987654321'",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("Mai's evaluation");
    assert_eq!(
        (status.as_str(), total, passed, unit.as_str()),
        ("submitted", 90, 1, BADINH_CODE)
    );
    let on_behalf: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM evaluation_events WHERE evaluation_id = $1 AND on_behalf = 1 AND position_id IS NOT NULL",
    )
    .bind(id)
    .fetch_one(&app.db.pool)
    .await
    .expect("events");
    assert_eq!(on_behalf, 2, "register and submit, both on behalf");
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'evaluation' AND entity_id = $1",
    )
    .bind(id.to_string())
    .fetch_one(&app.db.pool)
    .await
    .expect("audit");
    assert_eq!(audited, 3);
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'evaluation_batch'"
        )
        .await,
        1
    );
    // The no-phone citizen is a new person of Ba Đình.
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM people p JOIN units u ON u.id = p.unit_id WHERE p.full_name = 'Ngô Văn Tư' AND p.phone IS NULL AND u.code = '00004'").await,
        1
    );
    // The same confirmation again saves nothing more.
    let again = confirm(&app, &mut officer, BADINH_CODE, &preview).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(
        again.body.contains("Tệp này đã được nhập lúc"),
        "{}",
        again.body
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM evaluations").await, 4);
});

/// Makes the insertion of an evaluation for `name` fail as a unique violation would.
async fn fail_inserts_for(app: &TestApp, name: &str) {
    let stmts: Vec<String> = match app.db.backend {
        Backend::Sqlite => vec![format!(
            "CREATE TRIGGER batch_test_fail BEFORE INSERT ON evaluations WHEN NEW.subject_name = '{name}' \
             BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed: evaluations.subject_year'); END"
        )],
        Backend::Postgres => vec![
            format!(
                "CREATE FUNCTION batch_test_fail() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN \
                 IF NEW.subject_name = '{name}' THEN RAISE unique_violation USING \
                 MESSAGE = 'duplicate key value violates unique constraint \"evaluations_subject_year\"', \
                 CONSTRAINT = 'evaluations_subject_year'; END IF; RETURN NEW; END $f$"
            ),
            "CREATE TRIGGER batch_test_fail BEFORE INSERT ON evaluations FOR EACH ROW EXECUTE FUNCTION batch_test_fail()".to_owned(),
        ],
    };
    for s in stmts {
        sqlx::query(&s)
            .execute(&app.db.pool)
            .await
            .expect("trigger");
    }
}

both_backends!(commit_is_all_or_nothing, |backend: Backend| async move {
    let app = TestApp::new(backend).await;
    let year = this_year();
    let mut officer = app.login(BADINH).await;
    let people = scalar(&app, "SELECT COUNT(*) FROM people").await;
    let rows = vec![
        person("Nguyễn Văn An", "0987111222", "farmer", [9.0; 10]),
        person("Trần Thị Lỗi", "0987111333", "farmer", [9.0; 10]),
        person("Lê Văn Ba", "0987111444", "official", [9.0; 10]),
    ];
    let preview = upload(
        &app,
        &mut officer,
        BADINH_CODE,
        year,
        Some(&workbook(&header(), &rows)),
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(
        preview.body.contains("<strong>3 dòng hợp lệ</strong>"),
        "{}",
        preview.body
    );
    // Row 3 fails inside the transaction, after row 2 was written in it.
    fail_inserts_for(&app, "Trần Thị Lỗi").await;
    let done = confirm(&app, &mut officer, BADINH_CODE, &preview).await;
    assert_eq!(done.status, StatusCode::CONFLICT, "{}", done.body);
    assert!(done.body.contains("Không lưu gì cả"), "{}", done.body);
    assert!(
        done.body.contains(&format!(
            "Dòng 3: Người này vừa được đăng ký danh hiệu Công dân học tập năm {year}"
        )),
        "{}",
        done.body
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM evaluations").await, 0);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM evaluation_events").await,
        0
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM people").await, people);
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE entity IN ('evaluation', 'evaluation_batch')"
        )
        .await,
        0
    );

    // When the data changed between the preview and the confirmation, nothing is saved either
    // and the new outcome is shown.
    let preview = upload(
        &app,
        &mut officer,
        BADINH_CODE,
        year,
        Some(&workbook(&header(), &rows[..1])),
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    sqlx::query("UPDATE people SET phone = '0987111222' WHERE phone = $1")
        .bind(HOABINH)
        .execute(&app.db.pool)
        .await
        .expect("phone taken elsewhere");
    let changed = confirm(&app, &mut officer, BADINH_CODE, &preview).await;
    assert_eq!(changed.status, StatusCode::CONFLICT, "{}", changed.body);
    assert!(
        changed
            .body
            .contains("Dữ liệu đã thay đổi kể từ lúc xem trước"),
        "{}",
        changed.body
    );
    assert!(
        changed
            .body
            .contains("Dòng 2: Số điện thoại này thuộc về một người không ở đơn vị"),
        "{}",
        changed.body
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM evaluations").await, 0);
});

both_backends!(
    malformed_workbooks_are_refused,
    |backend: Backend| async move {
        let app = TestApp::new(backend).await;
        let year = this_year();
        let mut officer = app.login(BADINH).await;
        let cases: Vec<(&str, Option<Vec<u8>>, StatusCode, &str)> = vec![
            (
                "not a workbook",
                Some(b"Ho va ten,So dien thoai\nAn,0987654321\n".to_vec()),
                StatusCode::BAD_REQUEST,
                "Tệp này không phải là bảng tính Excel (.xlsx) đọc được",
            ),
            (
                "no file",
                None,
                StatusCode::BAD_REQUEST,
                "Chưa chọn tệp Excel để tải lên",
            ),
            (
                "an empty workbook",
                Some({
                    let mut wb = Workbook::new();
                    wb.add_worksheet();
                    wb.save_to_buffer().expect("xlsx")
                }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "Tệp chưa có dòng dữ liệu nào",
            ),
            (
                "a header only",
                Some(workbook(&header(), &[])),
                StatusCode::UNPROCESSABLE_ENTITY,
                "Tệp chưa có dòng dữ liệu nào",
            ),
            (
                "a wrong header",
                Some(workbook(
                    &["Tên".to_owned(), "SĐT".to_owned()],
                    &[vec![t("An"), t("0987654321")]],
                )),
                StatusCode::UNPROCESSABLE_ENTITY,
                "Dòng tiêu đề (dòng 1) không đúng mẫu năm",
            ),
            (
                "100,000 blank rows",
                Some({
                    let mut wb = Workbook::new();
                    let ws = wb.add_worksheet();
                    for (c, h) in header().iter().enumerate() {
                        ws.write_string(0, u16::try_from(c).expect("col"), h)
                            .expect("header");
                    }
                    let grey = Format::new().set_bold();
                    for r in 1..=100_000u32 {
                        ws.write_blank(r, 0, &grey).expect("blank");
                        if r % 1000 == 0 {
                            ws.write_string(r, 1, "  ").expect("spaces");
                        }
                    }
                    wb.save_to_buffer().expect("xlsx")
                }),
                StatusCode::UNPROCESSABLE_ENTITY,
                "Tệp chưa có dòng dữ liệu nào",
            ),
            (
                "too many rows",
                Some(workbook(
                    &header(),
                    &(0..3001).map(|_| vec![t("An")]).collect::<Vec<_>>(),
                )),
                StatusCode::UNPROCESSABLE_ENTITY,
                "Tệp có hơn 3000 dòng dữ liệu",
            ),
        ];
        for (what, file, status, message) in cases {
            let r = upload(&app, &mut officer, BADINH_CODE, year, file.as_deref()).await;
            assert_eq!(r.status, status, "{what}: {}", r.body);
            assert!(
                r.body.contains(message),
                "{what}: no «{message}» in {}",
                r.body
            );
            assert!(
                r.body
                    .contains("<form method=\"post\" action=\"/units/00004/batch\""),
                "{what}: the upload form again"
            );
        }
        let r = upload(
            &app,
            &mut officer,
            BADINH_CODE,
            1999,
            Some(&workbook(
                &header(),
                &[person("An", "", "farmer", [8.0; 10])],
            )),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(
            r.body.contains("Năm đánh giá 1999 không hợp lệ"),
            "{}",
            r.body
        );
        // A confirmation naming no stored workbook is refused too.
        let r = app
            .post_form(
                &mut officer,
                "/units/00004/batch/commit",
                &[
                    ("key", "../../etc/passwd"),
                    ("sha256", "00"),
                    ("year", &year.to_string()),
                    ("plan", "x"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(
            r.body.contains("Không tìm thấy tệp đã xem trước"),
            "{}",
            r.body
        );
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM evaluations").await, 0);
    }
);

both_backends!(
    template_downloads_and_imports,
    |backend: Backend| async move {
        use calamine::{Reader, Xlsx};
        let app = TestApp::new(backend).await;
        let year = this_year();
        let mut officer = app.login(BADINH).await;
        let page = app.get(&mut officer, "/units/00004/batch").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body.contains("enctype=\"multipart/form-data\""),
            "{}",
            page.body
        );
        assert!(
            page.body.contains(&format!(
                "action=\"/units/00004/batch\" enctype=\"multipart/form-data\">\n  <input type=\"hidden\" name=\"_csrf\" value=\"{}\">",
                officer.csrf()
            )),
            "{}",
            page.body
        );

        let req = Request::get(format!("/units/00004/batch/template.xlsx?year={year}"))
            .body(Body::empty())
            .expect("request");
        let (parts, body) = {
            let resp = tower::ServiceExt::oneshot(app.router.clone(), {
                let (mut p, b) = req.into_parts();
                let cookies = officer
                    .cookies
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("; ");
                p.headers
                    .insert(header::COOKIE, cookies.parse().expect("cookie"));
                Request::from_parts(p, b)
            })
            .await
            .expect("infallible");
            let (parts, body) = resp.into_parts();
            let bytes = http_body_util::BodyExt::collect(body)
                .await
                .expect("body")
                .to_bytes();
            (parts, bytes)
        };
        assert_eq!(parts.status, StatusCode::OK);
        assert_eq!(
            parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some(XLSX)
        );
        let mut wb: Xlsx<_> =
            Xlsx::new(std::io::Cursor::new(body.to_vec())).expect("the template opens");
        assert_eq!(
            wb.sheet_names(),
            vec!["Phiếu nhập".to_owned(), "Hướng dẫn".to_owned()]
        );
        let sheet = wb.worksheet_range("Phiếu nhập").expect("rows sheet");
        let head: Vec<String> = sheet
            .rows()
            .next()
            .expect("header")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            head[..5],
            [
                "Họ và tên",
                "Số điện thoại",
                "Năm sinh",
                "Giới tính",
                "Nhóm đối tượng (mã)"
            ]
        );
        assert_eq!(head.len(), 15);
        assert!(
            head[5..].iter().all(|h| h.contains("(tối đa 10) [")),
            "{head:?}"
        );
        let help = wb.worksheet_range("Hướng dẫn").expect("instructions");
        let help: Vec<String> = help
            .rows()
            .flat_map(|r| r.iter().map(ToString::to_string).collect::<Vec<_>>())
            .collect();
        for code in ["farmer", "worker", "official", "student"] {
            assert!(
                help.iter().any(|c| c == code),
                "form group {code} listed: {help:?}"
            );
        }
        assert!(
            help.iter().any(|c| c == "10"),
            "the maxima are listed: {help:?}"
        );

        // Fill the template's columns and import it.
        let rows = vec![
            person("Đinh Thị Hoa", "0912 345 678", "official", [9.0; 10]),
            person("Bùi Văn Nam", "", "farmer", [6.0; 10]),
        ];
        let preview = upload(
            &app,
            &mut officer,
            BADINH_CODE,
            year,
            Some(&workbook(&head, &rows)),
        )
        .await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
        assert!(
            preview
                .body
                .contains("<strong>2 dòng hợp lệ</strong> (2 người mới) · 0 dòng lỗi"),
            "{}",
            preview.body
        );
        assert!(
            preview
                .body
                .contains("Người mới · farmer · 60/100 điểm · chưa đủ điểm đạt"),
            "{}",
            preview.body
        );
        let done = confirm(&app, &mut officer, BADINH_CODE, &preview).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert!(done.body.contains("Đã lưu 2 hồ sơ"), "{}", done.body);
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM evaluations WHERE status = 'submitted'"
            )
            .await,
            2
        );
    }
);

both_backends!(
    out_of_scope_officer_gets_404,
    |backend: Backend| async move {
        let app = TestApp::new(backend).await;
        let year = this_year();
        let mut inside = app.login(BADINH).await;
        let file = workbook(
            &header(),
            &[person("An", "0987654321", "farmer", [8.0; 10])],
        );
        let preview = upload(&app, &mut inside, BADINH_CODE, year, Some(&file)).await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);

        let mut out = app.login(HOABINH).await;
        let missing = app.get(&mut out, "/units/00004-99/batch").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        for path in [
            "/units/00004/batch",
            &format!("/units/00004/batch/template.xlsx?year={year}"),
        ] {
            let r = app.get(&mut out, path).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
            assert_eq!(
                r.body, missing.body,
                "{path}: the same answer as a missing unit"
            );
        }
        let r = upload(&app, &mut out, BADINH_CODE, year, Some(&file)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        let r = confirm(&app, &mut out, BADINH_CODE, &preview).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM evaluations").await, 0);
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM people WHERE phone = '0987654321'"
            )
            .await,
            0
        );
        // A citizen without a position gets the same.
        let mut citizen = app.login(CITIZEN).await;
        let r = app.get(&mut citizen, "/units/00004/batch").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
);

/// `n` new citizens with distinct phones; the row at Excel row `odd_row` is named differently.
fn many(n: usize, prefix: &str, odd_row: usize) -> Vec<Vec<Cell>> {
    (0..n)
        .map(|i| {
            let name = if i + 2 == odd_row {
                "Trần Thị Lỗi"
            } else {
                "Nguyễn Văn An"
            };
            person(name, &format!("{prefix}{i:06}"), "farmer", [9.0; 10])
        })
        .collect()
}

/// Asserts that every needle is in the body, each after the one before.
fn in_order(body: &str, needles: &[String]) {
    let mut from = 0;
    for n in needles {
        match body[from..].find(n.as_str()) {
            Some(at) => from += at + n.len(),
            None => panic!("«{n}» missing or out of order in {body}"),
        }
    }
}

async fn drop_failing_trigger(app: &TestApp) {
    let s = match app.db.backend {
        Backend::Sqlite => "DROP TRIGGER batch_test_fail",
        Backend::Postgres => "DROP TRIGGER batch_test_fail ON evaluations",
    };
    sqlx::query(s)
        .execute(&app.db.pool)
        .await
        .expect("drop trigger");
}

both_backends!(
    large_workbook_streams_its_progress,
    |backend: Backend| async move {
        let app = TestApp::new(backend).await;
        let year = this_year();
        let mut officer = app.login(BADINH).await;
        let people = scalar(&app, "SELECT COUNT(*) FROM people").await;
        let n = 2000;
        let file = workbook(&header(), &many(n, "0356", 1500));

        let started = std::time::Instant::now();
        let preview = upload(&app, &mut officer, BADINH_CODE, year, Some(&file)).await;
        eprintln!(
            "{backend:?}: preview of {n} rows in {:?}",
            started.elapsed()
        );
        // A streamed page is sent with its status before the outcome is known.
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
        assert_eq!(
            preview
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            Some("text/html; charset=utf-8")
        );
        let mut steps = vec!["Đang đọc và kiểm tra tệp".to_owned()];
        steps.extend((1..=10).map(|k| format!("Đã đọc {} / {n} dòng…", k * 200)));
        steps.push("<strong>2000 dòng hợp lệ</strong> (2000 người mới) · 0 dòng lỗi".into());
        steps.push("</main>".into());
        in_order(&preview.body, &steps);
        assert!(
            preview.body.trim_end().ends_with("</html>"),
            "{}",
            preview.body
        );
        // The page shows the first 20 valid rows, says how many more there are, and stays
        // small however many rows the workbook has (issue 20: at most about 30 KB).
        assert!(preview.body.contains("id=\"row-21\""), "{}", preview.body);
        assert!(!preview.body.contains("id=\"row-22\""), "{}", preview.body);
        assert!(
            preview
                .body
                .contains("1980 dòng hợp lệ khác không hiện sẽ được lưu"),
            "{}",
            preview.body
        );
        assert!(preview.body.len() < 30_000, "{} bytes", preview.body.len());
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM evaluations").await, 0);

        // Row 1500 fails inside the transaction, after 1498 rows were written in it: the last
        // part says nothing was saved, and nothing was.
        fail_inserts_for(&app, "Trần Thị Lỗi").await;
        let started = std::time::Instant::now();
        let failed = confirm(&app, &mut officer, BADINH_CODE, &preview).await;
        eprintln!("{backend:?}: rolled-back commit in {:?}", started.elapsed());
        assert_eq!(failed.status, StatusCode::OK, "{}", failed.body);
        let mut steps = vec![format!("Đã đọc {n} / {n} dòng…")];
        steps.extend((1..=7).map(|k| format!("Đã ghi {} / {n} dòng…", k * 200)));
        steps.push("Không lưu gì cả".into());
        steps.push(format!(
            "Dòng 1500: Người này vừa được đăng ký danh hiệu Công dân học tập năm {year}"
        ));
        in_order(&failed.body, &steps);
        assert!(!failed.body.contains("Đã ghi 1600"), "{}", failed.body);
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM evaluations").await, 0);
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM people").await, people);
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM evaluation_events").await,
            0
        );

        // Once the cause is gone, the same preview is saved, exactly once.
        drop_failing_trigger(&app).await;
        let started = std::time::Instant::now();
        let done = confirm(&app, &mut officer, BADINH_CODE, &preview).await;
        eprintln!("{backend:?}: commit of {n} rows in {:?}", started.elapsed());
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        let mut steps = vec!["Đang kiểm tra lại và lưu tệp".to_owned()];
        steps.extend((1..=10).map(|k| format!("Đã đọc {} / {n} dòng…", k * 200)));
        steps.push(format!("Đang ghi {n} dòng hợp lệ trong một lần"));
        steps.extend((1..=10).map(|k| format!("Đã ghi {} / {n} dòng…", k * 200)));
        steps.push(
            "Đã lưu 2000 hồ sơ trong một lần (2000 người mới); 0 dòng lỗi bị bỏ qua; 2000 dòng đã đọc"
                .into(),
        );
        in_order(&done.body, &steps);
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM evaluations").await, 2000);
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM people").await,
            people + 2000
        );
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM audit_log WHERE entity = 'evaluation_batch'"
            )
            .await,
            1
        );
        let again = confirm(&app, &mut officer, BADINH_CODE, &preview).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
        assert!(
            again.body.contains("Tệp này đã được nhập lúc"),
            "{}",
            again.body
        );
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM evaluations").await, 2000);
    }
);

both_backends!(
    a_commit_outlives_a_closed_page,
    |backend: Backend| async move {
        use http_body_util::BodyExt;
        let app = TestApp::new(backend).await;
        let year = this_year();
        let mut officer = app.login(BADINH).await;
        let n = 600;
        let file = workbook(&header(), &many(n, "0357", 0));
        let preview = upload(&app, &mut officer, BADINH_CODE, year, Some(&file)).await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
        let b = &preview.body;
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        ser.append_pair("_csrf", &officer.csrf());
        for f in ["key", "sha256", "year", "plan"] {
            ser.append_pair(f, &hidden(b, f));
        }
        let cookies = officer
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let req = Request::post("/units/00004/batch/commit")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, cookies)
            .body(Body::from(ser.finish()))
            .expect("request");
        let resp = tower::ServiceExt::oneshot(app.router.clone(), req)
            .await
            .expect("infallible");
        assert_eq!(resp.status(), StatusCode::OK);
        // The browser reads the head of the page, then goes away.
        let mut body = resp.into_body();
        let first = body.frame().await.expect("a first chunk").expect("chunk");
        let first = first.into_data().expect("data");
        assert!(
            String::from_utf8_lossy(&first).contains("Đang kiểm tra lại và lưu tệp"),
            "{first:?}"
        );
        drop(body);
        // The work goes on alone and commits everything.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
        while scalar(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'evaluation_batch'",
        )
        .await
            == 0
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the commit never ended"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM evaluations").await, 600);
        // Confirming again saves nothing more.
        let again = confirm(&app, &mut officer, BADINH_CODE, &preview).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM evaluations").await, 600);
    }
);

both_backends!(
    preview_shows_first_errors_and_a_sample,
    |backend: Backend| async move {
        let app = TestApp::new(backend).await;
        let year = this_year();
        let mut officer = app.login(BADINH).await;
        // 150 rows with a bad phone (Excel rows 2–151), then 30 valid ones (rows 152–181).
        let mut rows: Vec<Vec<Cell>> = (0..150)
            .map(|_| person("Trần Văn Phong", "12345", "farmer", [8.0; 10]))
            .collect();
        rows.extend(many(30, "0357", 0));
        let file = workbook(&header(), &rows);
        let preview = upload(&app, &mut officer, BADINH_CODE, year, Some(&file)).await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
        let b = &preview.body;
        assert!(
            b.contains(
                "180 dòng đã đọc · <strong>30 dòng hợp lệ</strong> (30 người mới) · 150 dòng lỗi"
            ),
            "{b}"
        );
        // The first 100 rows with errors, then the first 20 valid rows; nothing else.
        for shown in [2, 101, 152, 171] {
            assert!(
                b.contains(&format!("id=\"row-{shown}\"")),
                "row {shown}: {b}"
            );
        }
        for hidden in [102, 151, 172, 181] {
            assert!(
                !b.contains(&format!("id=\"row-{hidden}\"")),
                "row {hidden}: {b}"
            );
        }
        assert!(b.contains("Trang này chỉ hiện 120/180 dòng"), "{b}");
        assert!(b.contains("Còn 50 dòng lỗi nữa không hiện"), "{b}");
        assert!(b.contains("10 dòng hợp lệ khác không hiện"), "{b}");
        // The save button still counts every row.
        assert!(b.contains("Lưu 30 dòng hợp lệ, bỏ qua 150 dòng lỗi"), "{b}");
    }
);
