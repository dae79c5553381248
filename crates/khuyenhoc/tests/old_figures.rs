//! Figures from before the program (issue 17, item 4), on both backends: a province downloads
//! the template of its old units, fills it, previews it through the API (every problem placed by
//! row and column: a negative count, an unknown code, a period outside 2023-H1..2025-H1),
//! commits it all or nothing, and a second workbook replaces what the first gave; the 2025-H1
//! figures of the merged commune (what its 2026-H1 report compares with) then carry its
//! predecessors' figures; the counters reconcile; a commune officer is refused. With the real old
//! map, the Southeast cluster (made through the API) compares Thành phố Hồ Chí Minh's 2026-H1
//! with the 2025-H1 figures of old Bình Dương and Bà Rịa–Vũng Tàu communes.

mod common;
#[path = "common/parity.rs"]
mod parity;
use axum::http::StatusCode;
use common::*;
use parity::*;
use serde_json::{json, Value};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const PATH: &str = "/api/v1/units/01/old-figures";
const HEADS: [&str; 3] = ["Hội viên", "Thu quỹ (đồng)", "Công nhận Công dân học tập"];

async fn preview(app: &TestApp, c: &mut Client, book: &[u8]) -> (StatusCode, Value) {
    preview_at(app, c, PATH, book).await
}

/// The preview of `book` posted to `path` (a province's old-figures API).
async fn preview_at(app: &TestApp, c: &mut Client, path: &str, book: &[u8]) -> (StatusCode, Value) {
    let parts: Vec<Part<'_>> = vec![("file", Some(("so-lieu-cu.xlsx", XLSX)), book)];
    let r = multipart(app, c, "POST", path, &parts).await;
    let v = if r.body.is_empty() {
        Value::Null
    } else {
        r.json()
    };
    (r.status, v)
}

async fn load(app: &TestApp, c: &mut Client, book: &[u8]) -> Value {
    load_at(app, c, PATH, book).await
}

/// Previews `book` at `path` and confirms it (every row accepted).
async fn load_at(app: &TestApp, c: &mut Client, path: &str, book: &[u8]) -> Value {
    let (status, p) = preview_at(app, c, path, book).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["rejected"], 0, "{p}");
    let id = p["import_id"].as_str().expect("an import id");
    ok(app, c, "POST", &format!("{path}/{id}/confirm"), json!({})).await
}

#[track_caller]
fn value(r: &Value, key: &str) -> Option<i64> {
    r["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|l| l["key"] == key)
        .unwrap_or_else(|| panic!("no line {key} in {r}"))["value"]
        .as_i64()
}

async fn figures_of(app: &TestApp, c: &mut Client) -> (Option<i64>, Option<i64>, Option<i64>) {
    let r = ok(
        app,
        c,
        "GET",
        "/api/v1/units/00004/reports/2025-H1",
        json!(null),
    )
    .await;
    (
        value(&r, "members"),
        value(&r, "fund_receipts"),
        value(&r, "citizen_recognised"),
    )
}

/// Hà Nội's fund receipts of 2025-H1 in the demo cluster's 2026-H1 table, and whether its change
/// is there.
async fn cluster_previous(app: &TestApp, c: &mut Client) -> (Option<i64>, bool) {
    cluster_previous_of(app, c, "DEMO-1", "01").await
}

/// A province's fund receipts of 2025-H1 in a cluster's 2026-H1 table, and whether its change
/// is there.
async fn cluster_previous_of(
    app: &TestApp,
    c: &mut Client,
    cluster: &str,
    province: &str,
) -> (Option<i64>, bool) {
    let t = ok(
        app,
        c,
        "GET",
        &format!("/api/v1/clusters/{cluster}/reports/2026-H1"),
        json!(null),
    )
    .await;
    let i = t["heads"]
        .as_array()
        .expect("heads")
        .iter()
        .position(|h| h["key"] == "fund_receipts")
        .expect("a head");
    let hanoi = t["provinces"]
        .as_array()
        .expect("provinces")
        .iter()
        .find(|p| p["unit"]["code"] == province)
        .unwrap_or_else(|| panic!("{province} in {t}"));
    (hanoi["previous"][i].as_i64(), !hanoi["change"][i].is_null())
}

both_backends!(
    a_province_loads_the_figures_of_its_old_units,
    |backend| async move {
        let app = TestApp::new(backend).await;
        old_communes(
            &app,
            "98",
            &[("99001", "Phường Cũ Một"), ("99002", "Phường Cũ Hai")],
            "00004",
        )
        .await;
        // The old province became Hà Nội (a province-level succession, as the official file
        // gives them): the cluster table compares Hà Nội with it a year earlier.
        {
            let old = scalar(&app, "SELECT id FROM units WHERE code = '98'").await;
            let new = scalar(&app, "SELECT id FROM units WHERE code = '01'").await;
            let mut tx = app.db.begin().await.expect("tx");
            khuyenhoc::org::model::record_succession(&mut tx, old, new, None, "2025-07-01")
                .await
                .expect("succession");
            tx.commit().await.expect("commit");
        }
        let mut hanoi = bearer(&app, HANOI).await;
        let before = figures_of(&app, &mut hanoi).await;
        let cluster_before = cluster_previous(&app, &mut hanoi).await;

        // The template lists each old unit once per half-year, from 2023-H1 to 2025-H1.
        let web = app.login(HANOI).await;
        let (status, _, bytes) = app
            .download(&web, "/units/01/old-figures/template.xlsx")
            .await;
        assert_eq!(status, StatusCode::OK);
        let sheet = khuyenhoc_sheets::read_table(&bytes, &khuyenhoc_sheets::old_figures::LIMITS)
            .expect("the template reads");
        let cols = khuyenhoc_sheets::old_figures::map_header(&sheet.header).expect("its header");
        assert_eq!(sheet.rows.len(), 10);
        let listed: Vec<(String, String)> = sheet
            .rows
            .iter()
            .map(|r| {
                (
                    cols.text(r, khuyenhoc_sheets::old_figures::Col::Code),
                    cols.text(r, khuyenhoc_sheets::old_figures::Col::Period),
                )
            })
            .collect();
        assert!(
            listed.contains(&("99001".into(), "2023-H1".into())),
            "{listed:?}"
        );
        assert!(
            listed.contains(&("99002".into(), "2025-H1".into())),
            "{listed:?}"
        );

        // Problems placed by row and column; nothing can be saved.
        let bad = old_figures_xlsx(
            &HEADS,
            &[
                ("99001", "2025-H1", vec![Some(-3), None, None]),
                ("12345", "2024-H1", vec![Some(5), None, None]),
                ("99002", "2026-H1", vec![Some(5), None, None]),
                ("99001", "2024-H1", vec![Some(5), None, None]),
            ],
        );
        let (status, p) = preview(&app, &mut hanoi, &bad).await;
        assert_eq!(status, StatusCode::OK, "{p}");
        assert_eq!(
            (p["accepted"].as_i64(), p["rejected"].as_i64()),
            (Some(1), Some(3)),
            "{p}"
        );
        assert!(p["import_id"].is_null(), "{p}");
        let problem = |i: usize| {
            p["rows"][i]["problems"][0]["vi"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        };
        assert!(
            problem(0).starts_with("Dòng 2, cột D (Hội viên)"),
            "{}",
            problem(0)
        );
        assert!(
            problem(1).starts_with("Dòng 3, cột A (Mã đơn vị)"),
            "{}",
            problem(1)
        );
        assert!(
            problem(2).starts_with("Dòng 4, cột C (Kỳ)"),
            "{}",
            problem(2)
        );
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM old_figures").await, 0);

        // A good workbook, committed all at once.
        let first = old_figures_xlsx(
            &HEADS,
            &[
                (
                    "99001",
                    "2025-H1",
                    vec![Some(100), Some(5_000_000), Some(7)],
                ),
                ("99002", "2025-H1", vec![Some(50), Some(1_000_000), Some(3)]),
                ("99001", "2024-H2", vec![Some(90), Some(2_000_000), None]),
            ],
        );
        let saved = load(&app, &mut hanoi, &first).await;
        assert_eq!(saved["rows"], 3, "{saved}");
        let plus = |b: Option<i64>, n: i64| Some(b.unwrap_or(0) + n);
        assert_eq!(
            figures_of(&app, &mut hanoi).await,
            (
                plus(before.0, 150),
                plus(before.1, 6_000_000),
                plus(before.2, 10)
            )
        );
        // The same workbook again is refused as imported already; nothing moves.
        let (status, _) = preview(&app, &mut hanoi, &first).await;
        assert_ne!(status, StatusCode::OK);

        // A second workbook replaces the figures of the unit and half-year it names.
        let second = old_figures_xlsx(
            &HEADS,
            &[("99001", "2025-H1", vec![Some(120), Some(4_000_000), None])],
        );
        load(&app, &mut hanoi, &second).await;
        assert_eq!(
            figures_of(&app, &mut hanoi).await,
            (
                plus(before.0, 170),
                plus(before.1, 5_000_000),
                plus(before.2, 3)
            )
        );
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM old_figures").await,
            3 + 3 + 2 - 3 + 2
        );
        let diffs = khuyenhoc::reports::counters::recount(&app.db, false)
            .await
            .expect("recount");
        assert!(diffs.is_empty(), "{diffs:?}");
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) FROM audit_log WHERE entity = 'old_figures_import' AND action = 'import'").await,
            2
        );

        // The 2026-H1 report of the merged commune shows them as the same period last year.
        let r = ok(
            &app,
            &mut hanoi,
            "GET",
            "/api/v1/units/00004/reports/2026-H1",
            json!(null),
        )
        .await;
        let lines = r["lines"].as_array().expect("lines");
        let at = |key: &str| {
            let i = lines.iter().position(|l| l["key"] == key).expect("line");
            r["last_year"][i].as_i64()
        };
        assert_eq!(at("fund_receipts"), plus(before.1, 5_000_000), "{r}");
        assert_eq!(at("members"), plus(before.0, 170), "{r}");
        let mut page = app.login(BADINH).await;
        let html = app.get(&mut page, "/units/00004/reports/2026-H1").await;
        assert!(html.body.contains("cùng kỳ năm trước"), "{}", html.body);
        // The cluster table's change from a year earlier counts them for Hà Nội.
        let (previous, change_known) = cluster_previous(&app, &mut hanoi).await;
        assert_eq!(previous, plus(cluster_before.0, 5_000_000));
        assert!(change_known);
        // Learning Citizens per form group: the template's columns, the report's lines per group.
        let farmer_before = at("citizen_registered_farmer");
        let groups = old_figures_xlsx(
            &[
                "Đăng ký Công dân học tập",
                "Đăng ký Công dân học tập, nhóm Nông dân, lao động nông thôn",
            ],
            &[("99001", "2025-H1", vec![Some(9), Some(5)])],
        );
        load(&app, &mut hanoi, &groups).await;
        let r = ok(
            &app,
            &mut hanoi,
            "GET",
            "/api/v1/units/00004/reports/2026-H1",
            json!(null),
        )
        .await;
        let lines = r["lines"].as_array().expect("lines");
        let i = lines
            .iter()
            .position(|l| l["key"] == "citizen_registered_farmer")
            .expect("the farmers' line");
        assert_eq!(r["last_year"][i].as_i64(), plus(farmer_before, 5), "{r}");
        let too_many = old_figures_xlsx(
            &[
                "Đăng ký Công dân học tập",
                "Đăng ký Công dân học tập, nhóm Học sinh, sinh viên",
            ],
            &[("99001", "2025-H1", vec![Some(2), Some(5)])],
        );
        let (status, p) = preview(&app, &mut hanoi, &too_many).await;
        assert_eq!(status, StatusCode::OK, "{p}");
        assert_eq!(p["rejected"], 1, "{p}");
        assert!(p.to_string().contains("nhiều hơn tổng 2"), "{p}");
        // A commune officer may not load them, for the province or for the commune.
        let mut commune = bearer(&app, BADINH).await;
        let (status, _) = preview(&app, &mut commune, &second).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let parts: Vec<Part<'_>> = vec![("file", Some(("x.xlsx", XLSX)), &second)];
        let r = multipart(
            &app,
            &mut commune,
            "POST",
            "/api/v1/units/00004/old-figures",
            &parts,
        )
        .await;
        assert!(!r.status.is_success(), "{}", r.body);
    }
);

/// The HCM City officer this test appoints.
const HCM: &str = "0900000079";

both_backends!(
    the_southeast_cluster_compares_with_the_old_provinces,
    |backend| async move {
        // The real old map: Bình Dương (74) and Bà Rịa–Vũng Tàu (77) became part of Thành phố
        // Hồ Chí Minh (79) on 1 July 2025.
        let app = TestApp::new(backend).await;
        khuyenhoc::org::old_map::import_builtin(&app.db, khuyenhoc::audit::Actor::SYSTEM)
            .await
            .expect("the old map");
        // The Southeast cluster, made through the API by the central office.
        let mut central = bearer(&app, CENTRAL).await;
        let created = call(
            &app,
            &mut central,
            "POST",
            "/api/v1/clusters",
            json!({"code": "DNB", "name": "Cụm thi đua Đông Nam Bộ"}),
            StatusCode::CREATED,
        )
        .await;
        assert!(created.is_null(), "{created}");
        for province in ["79", "75", "80"] {
            call(
                &app,
                &mut central,
                "POST",
                "/api/v1/clusters/DNB/members",
                json!({ "province": province }),
                StatusCode::NO_CONTENT,
            )
            .await;
        }
        appoint_chair(&app, "79", HCM, "Lê Văn Sài").await;
        let mut hcm = bearer(&app, HCM).await;
        let before = cluster_previous_of(&app, &mut hcm, "DNB", "79").await;

        // The template of Thành phố Hồ Chí Minh lists the old communes of 74 and 77.
        let web = app.login(HCM).await;
        let (status, _, bytes) = app
            .download(&web, "/units/79/old-figures/template.xlsx")
            .await;
        assert_eq!(status, StatusCode::OK);
        let sheet = khuyenhoc_sheets::read_table(&bytes, &khuyenhoc_sheets::old_figures::LIMITS)
            .expect("the template reads");
        let cols = khuyenhoc_sheets::old_figures::map_header(&sheet.header).expect("its header");
        let codes: std::collections::BTreeSet<String> = sheet
            .rows
            .iter()
            .map(|r| cols.text(r, khuyenhoc_sheets::old_figures::Col::Code))
            .collect();
        for code in ["25747", "26506", "26734"] {
            assert!(codes.contains(code), "{code} in the template");
        }
        assert!(!codes.contains("31178"), "not a Cần Thơ commune");

        // 2025-H1 figures of an old Bình Dương and an old Bà Rịa–Vũng Tàu commune.
        let book = old_figures_xlsx(
            &HEADS,
            &[
                ("25747", "2025-H1", vec![Some(40), Some(3_000_001), Some(2)]),
                ("26506", "2025-H1", vec![Some(60), Some(1_500_000), None]),
                ("25747", "2024-H1", vec![Some(30), Some(9_000_000), None]),
            ],
        );
        let saved = load_at(&app, &mut hcm, "/api/v1/units/79/old-figures", &book).await;
        assert_eq!(saved["rows"], 3, "{saved}");
        let (previous, change_known) = cluster_previous_of(&app, &mut hcm, "DNB", "79").await;
        assert_eq!(
            previous,
            Some(before.0.unwrap_or(0) + 3_000_001 + 1_500_000)
        );
        assert!(change_known, "the change from a year earlier");
        // The other provinces of the cluster are not touched by them.
        let tay_ninh = cluster_previous_of(&app, &mut central, "DNB", "80").await;
        assert_eq!(tay_ninh.0.unwrap_or(0), 0);
        // The new commune 25747's 2026-H1 report shows them as the same period last year.
        let r = ok(
            &app,
            &mut hcm,
            "GET",
            "/api/v1/units/25747/reports/2026-H1",
            json!(null),
        )
        .await;
        let lines = r["lines"].as_array().expect("lines");
        let i = lines
            .iter()
            .position(|l| l["key"] == "fund_receipts")
            .expect("line");
        assert_eq!(r["last_year"][i].as_i64(), Some(3_000_001), "{r}");
    }
);
