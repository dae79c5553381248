//! API parity (issue 16, item 8), second part: the batch import of a real workbook made from the
//! unit's template (preview, confirm all or nothing), the blank form PDF and a unit's live counts
//! against plain SQL, through the API, each as its page does it; strangers refused.

mod common;
#[path = "common/parity.rs"]
mod parity;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;
use parity::*;
use serde_json::{json, Value};

/// A workbook from the unit's own template: one row per name, 8 points on every indicator
/// (`bad`: 99, beyond every maximum).
fn workbook(template: &[u8], rows: &[(&str, bool)]) -> Vec<u8> {
    let mut wb: calamine::Xlsx<_> =
        calamine::Reader::new(std::io::Cursor::new(template)).expect("the template");
    let sheet = calamine::Reader::sheet_names(&wb)
        .first()
        .cloned()
        .expect("a sheet");
    let range = calamine::Reader::worksheet_range(&mut wb, &sheet).expect("rows");
    let header: Vec<String> = range
        .rows()
        .next()
        .expect("header")
        .iter()
        .map(ToString::to_string)
        .collect();
    let mut out = rust_xlsxwriter::Workbook::new();
    let ws = out.add_worksheet();
    for (col, h) in header.iter().enumerate() {
        let col = u16::try_from(col).expect("column");
        ws.write_string(0, col, h).expect("header");
        for (n, (name, bad)) in rows.iter().enumerate() {
            let row = u32::try_from(n + 1).expect("row");
            if h.starts_with("Họ và tên") {
                ws.write_string(row, col, *name).expect("name");
            } else if h.starts_with("Năm sinh") {
                ws.write_number(row, col, 1985.0).expect("year");
            } else if h.starts_with("Giới tính") {
                ws.write_string(row, col, "Nam").expect("gender");
            } else if h.starts_with("Nhóm đối tượng") {
                ws.write_string(row, col, "farmer").expect("group");
            } else if !h.starts_with("Số điện thoại") {
                ws.write_number(row, col, if *bad { 99.0 } else { 8.0 })
                    .expect("score");
            }
        }
    }
    out.save_to_buffer().expect("workbook")
}

both_backends!(
    a_batch_previewed_and_confirmed_through_the_api,
    |backend: Backend| async move {
        let app = TestApp::new(backend).await;
        let web = app.login(BADINH).await;
        let (status, _, template) = app
            .download(&web, "/units/00004-1/batch/template.xlsx")
            .await;
        assert_eq!(status, StatusCode::OK);
        let names = [
            ("Lưu Văn Một", false),
            ("Lưu Thị Hai", true),
            ("Lưu Văn Ba", false),
        ];
        let book = workbook(&template, &names);
        let year = this_year().to_string();
        let parts: [Part<'_>; 2] = [
            ("year", None, year.as_bytes()),
            ("file", Some(("phieu.xlsx", XLSX)), &book),
        ];
        let path = "/api/v1/units/00004-1/evaluations/import";
        // Out of scope: the Hòa Bình chair is refused before anything is read.
        let mut stranger = bearer(&app, HOABINH).await;
        assert_eq!(
            multipart(&app, &mut stranger, "POST", path, &parts)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let mut chair = bearer(&app, BADINH).await;
        let r = multipart(&app, &mut chair, "POST", path, &parts).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let p = r.json();
        assert_eq!(
            (
                p["rows_read"].as_i64(),
                p["accepted"].as_i64(),
                p["rejected"].as_i64()
            ),
            (Some(3), Some(2), Some(1)),
            "{p}"
        );
        let bad = p["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["ok"] == false)
            .expect("a refused row");
        assert_eq!(bad["name"], "Lưu Thị Hai");
        assert_eq!(bad["number"], 3);
        assert!(
            !bad["problems"].as_array().expect("problems").is_empty(),
            "{bad}"
        );
        let imported = "SELECT COUNT(*) FROM evaluations e JOIN people p ON p.id = e.subject_id WHERE e.subject_kind = 'person' AND p.full_name LIKE 'Lưu %' AND e.year = $1";
        let y = i64::from(this_year());
        assert_eq!(
            count(&app, imported, y).await,
            0,
            "a preview writes nothing"
        );
        let id = p["import_id"].as_str().expect("an import id").to_owned();
        let confirm = format!("{path}/{id}/confirm");
        assert_eq!(
            app.json(&mut stranger, "POST", &confirm, json!({}))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let saved = ok(&app, &mut chair, "POST", &confirm, json!({})).await;
        assert_eq!(saved, json!({"rows": 2, "new_people": 2, "rows_read": 3}));
        assert_eq!(
            count(&app, imported, y).await,
            2,
            "every accepted row, the refused one not"
        );
        // Once only; and the page's list shows what the API imported.
        let again = app.json(&mut chair, "POST", &confirm, json!({})).await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
        assert_eq!(count(&app, imported, y).await, 2);
        let mut page = app.login(BADINH).await;
        let list = app.get(&mut page, "/units/00004-1/evaluations").await;
        assert!(list.body.contains("Lưu Văn Một") && list.body.contains("Lưu Văn Ba"));
        // A forged id is a 404, like a preview that never was.
        let forged = format!(
            "{path}/{}/confirm",
            hex_of("[\"batches/x\",\"\",\"\",\"\",\"\"]")
        );
        assert_eq!(
            app.json(&mut chair, "POST", &forged, json!({}))
                .await
                .status,
            StatusCode::BAD_REQUEST
        );
    }
);

fn hex_of(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

both_backends!(
    blank_forms_and_live_counts_through_the_api,
    |backend: Backend| async move {
        let app = TestApp::new(backend).await;
        let set: i64 = sqlx::query_scalar("SELECT id FROM criteria_sets WHERE owner_code = 'VN' AND model = 'citizen' AND status = 'active' ORDER BY version DESC")
        .fetch_one(&app.db.pool)
        .await
        .expect("the national citizen set");
        // The blank form: anyone signed in, as on the page; the same document the page prints.
        let citizen = bearer(&app, CITIZEN).await;
        let (status, kind, pdf) = bytes(
            &app,
            &citizen,
            &format!("/api/v1/criteria/{set}/forms/farmer.pdf"),
        )
        .await;
        assert_eq!((status, kind.as_str()), (StatusCode::OK, "application/pdf"));
        assert!(pdf.starts_with(b"%PDF"));
        let web = app.login(CITIZEN).await;
        let (_, _, page) = bytes(&app, &web, &format!("/criteria/{set}/forms/farmer.pdf")).await;
        assert_eq!(pdf.len(), page.len(), "the page's form");
        // It names the set and the form group (as pdftotext reads them).
        let title: String = sqlx::query_scalar("SELECT title_vi FROM criteria_sets WHERE id = $1")
            .bind(set)
            .fetch_one(&app.db.pool)
            .await
            .expect("the set's title");
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("form.pdf");
        std::fs::write(&file, &pdf).expect("write");
        let out = std::process::Command::new("pdftotext")
            .arg(&file)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils, installed by scripts/test-services.sh)");
        let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let text = words(&String::from_utf8_lossy(&out.stdout));
        // The heading is set in capitals; the form group is named below it.
        let heading = format!("«{}»", words(&title).to_uppercase());
        assert!(
            text.contains(&heading) && text.contains("Nông dân"),
            "{heading} in {text}"
        );
        let (status, _, _) = bytes(
            &app,
            &citizen,
            &format!("/api/v1/criteria/{set}/forms/nobody.pdf"),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Live counts: evaluations at every stage in Ba Đình, then the API against plain SQL.
        let mut chair = app.api_client(BADINH).await;
        let stages = [
            Stage::Registered,
            Stage::Submitted,
            Stage::Submitted,
            Stage::Checked,
            Stage::Recognised,
        ];
        for (n, stage) in stages.into_iter().enumerate() {
            let person = register_person(
                &app,
                &mut chair,
                "00004-1",
                [
                    "Tô Văn An",
                    "Tô Văn Bình",
                    "Tô Thị Chi",
                    "Tô Văn Dũng",
                    "Tô Thị Em",
                ][n],
                &format!("091500080{n}"),
            )
            .await;
            citizen_evaluation(&app, &mut chair, person, this_year(), stage).await;
        }
        let mut api = bearer(&app, BADINH).await;
        let counts = ok(
            &app,
            &mut api,
            "GET",
            "/api/v1/units/00004/counts",
            Value::Null,
        )
        .await;
        let year = counts["year"].as_i64().expect("year");
        let sql = |status: &str| {
            format!("SELECT COUNT(*) FROM evaluations e JOIN units u ON u.id = e.unit_id WHERE u.code LIKE '00004%' AND e.year = $1{status}")
        };
        let registered = count(&app, &sql(""), year).await;
        let recognised = count(
            &app,
            &sql(" AND e.status = 'recognised' AND e.revoked_at IS NULL"),
            year,
        )
        .await;
        let checked = count(&app, &sql(" AND e.status = 'checked'"), year).await;
        let sum = |field: &str| {
            counts["stats"]["rows"]
                .as_array()
                .expect("rows")
                .iter()
                .filter_map(|r| r[field].as_i64())
                .sum::<i64>()
        };
        assert_eq!(
            (sum("registered"), sum("recognised")),
            (registered, recognised),
            "{counts}"
        );
        assert!(registered >= 5 && recognised >= 1 && checked >= 1);
        // A commune's officers review what its branches checked (nothing is submitted straight to
        // the commune here).
        assert_eq!(
            counts["dashboard"]["evaluations_waiting"], checked,
            "{counts}"
        );
        assert_eq!(counts["dashboard"]["waiting_status"], "checked");
        // The branch's officers check what was submitted there.
        let branch = ok(
            &app,
            &mut api,
            "GET",
            "/api/v1/units/00004-1/counts",
            Value::Null,
        )
        .await;
        let submitted = count(&app, "SELECT COUNT(*) FROM evaluations e JOIN units u ON u.id = e.unit_id WHERE u.code = '00004-1' AND e.year = $1 AND e.status = 'submitted'", year).await;
        assert_eq!(
            branch["dashboard"]["evaluations_waiting"], submitted,
            "{branch}"
        );
        // Out of scope, or no officer: 404.
        let mut stranger = bearer(&app, HOABINH).await;
        assert_eq!(
            app.get(&mut stranger, "/api/v1/units/00004/counts")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let mut plain = bearer(&app, CITIZEN).await;
        assert_eq!(
            app.get(&mut plain, "/api/v1/units/00004/counts")
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    }
);
