//! Rows of the access matrix for the reports routes (included by `tests/access.rs`).
//!
//! The targets are Phường Ba Đình's reports. Its chair reads, saves and submits them; deciding
//! on them (return, accept) is for the level strictly above, so the in-scope caller there is the
//! Hà Nội chair, as for the cluster table (a province of DEMO-1) and for Hà Nội's own indicators.
//! Each period has one purpose, so the rows do not depend on one another: this year's whole-year
//! report is saved and submitted through the API, this year's half-year report through the
//! pages; reports of earlier periods are handed in during setup, to be returned or accepted.

use super::*;

/// Objects made for the reports rows before the matrix runs.
#[derive(Default)]
pub struct CtxReports {
    /// Submitted reports of Ba Đình to return and to accept through the API...
    pub return_api: i64,
    pub accept_api: i64,
    /// ...and through the pages.
    pub return_page: i64,
    pub accept_page: i64,
    /// An old commune of Hà Nội split between Ba Đình and Ngọc Hà, whose shares are set.
    pub split: i64,
    /// The confirm form of a sheet of its shares previewed by the Hà Nội chair.
    pub shares_confirm: Vec<(String, String)>,
    /// Figures from before the program: a workbook for Hà Nội's old unit 99001 to preview,
    /// and the import id of another (99002) previewed through the API in setup.
    pub old_book: Vec<u8>,
    pub old_import: String,
    /// The confirm form of a third workbook previewed through the page.
    pub old_confirm: Vec<(String, String)>,
}

/// A sheet of shares: Phúc Xá in equal parts.
fn shares_sheet() -> Vec<u8> {
    "Mã xã cũ,Mã đơn vị kế thừa,Cách chia\n99101,00004,chia đều\n99101,00008,chia đều\n"
        .as_bytes()
        .to_vec()
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// This year's whole-year report: read, saved and submitted through the API.
fn api_period() -> String {
    format!("{}-Y", year(0))
}

/// This year's half-year report: read, saved and submitted through the pages.
fn page_period() -> String {
    format!("{}-H1", year(0))
}

/// Province 01's own indicators, as the API and the form save them.
const EXTENSION: &str = "[[indicator]]\nkey = \"p_reading_clubs\"\nsection = \"models\"\nlabel_vi = \"Số câu lạc bộ đọc sách\"\nlabel_en = \"Reading clubs\"\nsource = \"number\"\n";

/// Makes the objects the reports rows act on.
pub async fn setup(app: &TestApp, ctx: &mut Ctx) {
    let mut c = app.api_client(BADINH).await;
    let talks = serde_json::json!({"numbers": {"talks": 1}});
    // Drafts of the periods the rows save and submit.
    for period in [api_period(), page_period()] {
        let path = format!("/api/v1/units/00004/reports/{period}");
        ok(app, &mut c, "POST", &path, talks.clone()).await;
    }
    // Handed-in reports of earlier periods, one per decision.
    let mut handed_in = vec![];
    for period in [
        format!("{}-Y", year(-1)),
        format!("{}-H1", year(-1)),
        format!("{}-Y", year(-2)),
        format!("{}-H1", year(-2)),
    ] {
        let path = format!("/api/v1/units/00004/reports/{period}");
        ok(app, &mut c, "POST", &path, talks.clone()).await;
        let r = ok(
            app,
            &mut c,
            "POST",
            &format!("{path}/submit"),
            serde_json::json!({}),
        )
        .await;
        handed_in.push(r["id"].as_i64().expect("report id"));
    }
    let (old_book, old_import, old_confirm) = old_figures_setup(app).await;
    ctx.reports = CtxReports {
        old_confirm,
        return_api: handed_in[0],
        accept_api: handed_in[1],
        return_page: handed_in[2],
        accept_page: handed_in[3],
        split: split(app).await,
        shares_confirm: vec![],
        old_book,
        old_import,
    };
    let mut web = app.login(HANOI).await;
    let parts = [file("file", "ti-le.csv", "text/csv", shares_sheet())];
    let r = post_multipart(app, &mut web, "/units/01/successions/splits/import", &parts).await;
    assert_eq!(r.status.as_u16(), 200, "setup shares preview: {}", r.body);
    ctx.reports.shares_confirm = ["key", "sha256", "plan", "file_name"]
        .iter()
        .map(|k| ((*k).to_owned(), hidden(&r.body, k)))
        .collect();
}

/// Old communes of Hà Nội (before 1 July 2025), a workbook of their figures to preview (99001),
/// one previewed through the API (its import id) and one through the page (its confirm form).
async fn old_figures_setup(app: &TestApp) -> (Vec<u8>, String, Vec<(String, String)>) {
    // Old communes of Hà Nội (before 1 July 2025), and a workbook of their figures previewed.
    old_communes(
        app,
        "98",
        &[("99001", "Phường Cũ Một"), ("99002", "Phường Cũ Hai")],
        "00004",
    )
    .await;
    let book = |code| old_figures_xlsx(&["Hội viên"], &[(code, "2025-H1", vec![Some(10)])]);
    let mut hanoi = app.api_client(HANOI).await;
    let parts = [file("file", "so-lieu-cu.xlsx", XLSX, book("99002"))];
    let r = send_multipart(
        app,
        &mut hanoi,
        "POST",
        "/api/v1/units/01/old-figures",
        &parts,
    )
    .await;
    assert_eq!(
        r.status.as_u16(),
        200,
        "setup old figures preview: {}",
        r.body
    );
    let preview: serde_json::Value = serde_json::from_str(&r.body).expect("a preview");
    let mut web = app.login(HANOI).await;
    let page_book = old_figures_xlsx(&["Hội viên"], &[("99002", "2024-H1", vec![Some(9)])]);
    let parts = [file("file", "so-lieu-cu.xlsx", XLSX, page_book)];
    let r = post_multipart(app, &mut web, "/units/01/old-figures", &parts).await;
    assert_eq!(
        r.status.as_u16(),
        200,
        "setup old figures page preview: {}",
        r.body
    );
    let old_confirm = ["key", "sha256", "plan", "file_name"]
        .iter()
        .map(|k| ((*k).to_owned(), hidden(&r.body, k)))
        .collect();
    let import = preview["import_id"]
        .as_str()
        .expect("an import id")
        .to_owned();
    (book("99001"), import, old_confirm)
}

/// An old commune (closed in 2025), split between Ba Đình (00004) and Ngọc Hà (00008). Its code,
/// 99101, is in no official list: the matrix also loads the real old map (row `POST
/// /units/old-map`), whose 00001 Phường Phúc Xá went whole to Hồng Hà, and a made-up split under
/// a real old code would take that succession too, changing the shares a preview promised.
async fn split(app: &TestApp) -> i64 {
    use khuyenhoc::org::model;
    let hanoi = model::by_code(&app.db, "01").await.expect("q").expect("01");
    let mut tx = app.db.begin().await.expect("tx");
    let old = model::insert(
        &mut tx,
        &model::NewUnit {
            code: "99101",
            level: Level::Commune,
            kind: "phuong",
            name: "Phường Phúc Xá",
            parent: Some((&hanoi.path, hanoi.id)),
            valid_from: "2008-08-01",
        },
    )
    .await
    .expect("old commune");
    for code in ["00004", "00008"] {
        let new = model::by_code(&app.db, code)
            .await
            .expect("q")
            .expect("new");
        model::record_succession(&mut tx, old, new.id, None, "2025-07-01")
            .await
            .expect("succession");
    }
    tx.commit().await.expect("commit");
    old
}

#[allow(clippy::too_many_lines)]
pub fn rows() -> Vec<Row> {
    use Access::*;
    vec![
        // Figures from before the program: a province (or the centre) loads those of its old
        // units.
        row(
            "GET /units/{code}/old-figures/template.xlsx",
            Officer,
            act(perm::REPORT_SUBMIT, &["01"]),
            R::Province,
            |_, _| get("/units/01/old-figures/template.xlsx"),
            OK.has("PK"),
        ),
        row(
            "GET /units/{code}/old-figures",
            Officer,
            act(perm::REPORT_SUBMIT, &["01"]),
            R::Province,
            |_, _| get("/units/01/old-figures"),
            OK.has("Nhập số liệu"),
        ),
        row(
            "POST /units/{code}/old-figures",
            Officer,
            act(perm::REPORT_SUBMIT, &["01"]),
            R::Province,
            |c, _| {
                upload(
                    "/units/01/old-figures",
                    vec![file(
                        "file",
                        "so-lieu-cu.xlsx",
                        XLSX,
                        c.reports.old_book.clone(),
                    )],
                )
            },
            OK.has("1 số liệu kỳ 2025-H1"),
        ),
        row(
            "POST /units/{code}/old-figures/commit",
            Officer,
            act(perm::REPORT_SUBMIT, &["01"]),
            R::Province,
            |c, _| {
                let fields: Vec<(&str, &str)> = c
                    .reports
                    .old_confirm
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                form("/units/01/old-figures/commit", &fields)
            },
            OK.has("lưu 1 dòng"),
        ),
        row(
            "POST /api/v1/units/{code}/old-figures",
            Officer,
            act(perm::REPORT_SUBMIT, &["01"]),
            R::Province,
            |c, _| {
                upload(
                    "/api/v1/units/01/old-figures",
                    vec![file(
                        "file",
                        "so-lieu-cu.xlsx",
                        XLSX,
                        c.reports.old_book.clone(),
                    )],
                )
            },
            OK.has("\"accepted\":1"),
        ),
        row(
            "POST /api/v1/units/{code}/old-figures/{id}/confirm",
            Officer,
            act(perm::REPORT_SUBMIT, &["01"]),
            R::Province,
            |c, _| {
                json(
                    format!(
                        "/api/v1/units/01/old-figures/{}/confirm",
                        c.reports.old_import
                    ),
                    serde_json::json!({}),
                )
            },
            OK.has("\"rows\":1"),
        ),
        // Pages.
        row(
            "GET /units/{code}/reports",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/units/00004/reports"),
            OK.has("Phường Ba Đình"),
        ),
        row(
            "GET /units/{code}/reports/{period}",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get(format!("/units/00004/reports/{}", page_period())),
            OK.has("Phường Ba Đình"),
        ),
        row(
            "POST /units/{code}/reports/{period}",
            Officer,
            act(perm::REPORT_SUBMIT, &["00004"]),
            R::Commune,
            |_, _| {
                form(
                    format!("/units/00004/reports/{}", page_period()),
                    &[("n.talks", "2"), ("t.results", "Kết quả nổi bật")],
                )
            },
            see("/units/00004/reports/*"),
        ),
        row(
            "POST /units/{code}/reports/{period}/submit",
            Officer,
            act(perm::REPORT_SUBMIT, &["00004"]),
            R::Commune,
            |_, _| {
                form(
                    format!("/units/00004/reports/{}/submit", page_period()),
                    &[],
                )
            },
            see("/units/00004/reports/*"),
        ),
        row(
            "GET /units/{code}/reports/{period}/export",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| {
                get(format!(
                    "/units/00004/reports/{}/export?format=xlsx",
                    page_period()
                ))
            },
            OK,
        ),
        row(
            "GET /units/{code}/reports/{period}/children",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get(format!("/units/00004/reports/{}/children", page_period())),
            OK.has("Chi hội Tổ dân phố số 1"),
        ),
        row(
            "GET /units/{code}/reports/{period}/below",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| {
                get(format!(
                    "/units/00004/reports/{}/below?q=to%20dan%20pho",
                    page_period()
                ))
            },
            OK.has("Chi hội Tổ dân phố số 1"),
        ),
        row(
            "GET /units/{code}/reports/{period}/below.xlsx",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| {
                get(format!(
                    "/units/00004/reports/{}/below.xlsx?q=to%20dan%20pho",
                    page_period()
                ))
            },
            OK.has("PK"),
        ),
        row(
            "POST /reports/{id}/return",
            Officer,
            above(perm::REPORT_REVIEW, "00004"),
            R::Province,
            |c, _| {
                form(
                    format!("/reports/{}/return", c.reports.return_page),
                    &[("reason", "Số liệu quỹ chưa khớp sổ sách")],
                )
            },
            see("/units/01/reports/*"),
        ),
        row(
            "POST /reports/{id}/accept",
            Officer,
            above(perm::REPORT_REVIEW, "00004"),
            R::Province,
            |c, _| form(format!("/reports/{}/accept", c.reports.accept_page), &[]),
            see("/units/01/reports/*"),
        ),
        row(
            "GET /clusters/{code}/reports/{period}",
            Officer,
            read(CLUSTER),
            R::Province,
            |_, _| get(format!("/clusters/DEMO-1/reports/{}", api_period())),
            OK.has("Phú Thọ"),
        ),
        row(
            "GET /clusters/{code}/reports/{period}/export",
            Officer,
            read(CLUSTER),
            R::Province,
            |_, _| {
                get(format!(
                    "/clusters/DEMO-1/reports/{}/export?format=xlsx",
                    api_period()
                ))
            },
            OK,
        ),
        row(
            "GET /units/{code}/report-template",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/units/00004/report-template"),
            OK.has("Phường Ba Đình"),
        ),
        row(
            "POST /units/{code}/report-template",
            Officer,
            act(perm::REPORT_REVIEW, &["01"]),
            R::Province,
            |_, _| form("/units/01/report-template", &[("source", EXTENSION)]),
            see("/units/01/report-template"),
        ),
        // The JSON API.
        row(
            "GET /api/v1/units/{code}/reports/{period}",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get(format!("/api/v1/units/00004/reports/{}", api_period())),
            OK.has("\"code\":\"00004\""),
        ),
        row(
            "POST /api/v1/units/{code}/reports/{period}",
            Officer,
            act(perm::REPORT_SUBMIT, &["00004"]),
            R::Commune,
            |_, _| {
                json(
                    format!("/api/v1/units/00004/reports/{}", api_period()),
                    serde_json::json!({"numbers": {"talks": 3}}),
                )
            },
            OK.has("\"status\":\"draft\""),
        ),
        row(
            "POST /api/v1/units/{code}/reports/{period}/submit",
            Officer,
            act(perm::REPORT_SUBMIT, &["00004"]),
            R::Commune,
            |_, _| {
                json(
                    format!("/api/v1/units/00004/reports/{}/submit", api_period()),
                    serde_json::json!({}),
                )
            },
            OK.has("\"status\":\"submitted\""),
        ),
        row(
            "GET /api/v1/units/{code}/reports/{period}/below",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| {
                get(format!(
                    "/api/v1/units/00004/reports/{}/below?state=missing",
                    api_period()
                ))
            },
            OK.has("\"state\":\"missing\""),
        ),
        row(
            "GET /api/v1/units/{code}/reports/{period}/below.xlsx",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| {
                get(format!(
                    "/api/v1/units/00004/reports/{}/below.xlsx?state=missing",
                    api_period()
                ))
            },
            OK.has("PK"),
        ),
        row(
            "GET /api/v1/units/{code}/reports/{period}/rollup",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| {
                get(format!(
                    "/api/v1/units/00004/reports/{}/rollup",
                    api_period()
                ))
            },
            OK.has("\"code\":\"00004-1\""),
        ),
        row(
            "POST /api/v1/reports/{id}/return",
            Officer,
            above(perm::REPORT_REVIEW, "00004"),
            R::Province,
            |c, _| {
                json(
                    format!("/api/v1/reports/{}/return", c.reports.return_api),
                    serde_json::json!({"reason": "Số liệu quỹ chưa khớp sổ sách"}),
                )
            },
            OK.has("\"status\":\"returned\""),
        ),
        row(
            "POST /api/v1/reports/{id}/accept",
            Officer,
            above(perm::REPORT_REVIEW, "00004"),
            R::Province,
            |c, _| {
                json(
                    format!("/api/v1/reports/{}/accept", c.reports.accept_api),
                    serde_json::json!({}),
                )
            },
            OK.has("\"status\":\"accepted\""),
        ),
        row(
            "GET /api/v1/clusters/{code}/reports/{period}",
            Officer,
            read(CLUSTER),
            R::Province,
            |_, _| get(format!("/api/v1/clusters/DEMO-1/reports/{}", api_period())),
            OK.has("\"code\":\"25\""),
        ),
        // Shares of split communes: a province (or the centre) over every successor.
        row(
            "GET /units/{code}/successions/splits",
            Officer,
            act(perm::UNIT_MANAGE, &["01"]).at_levels(Level::Central, Level::Province),
            R::Province,
            |_, _| get("/units/01/successions/splits"),
            OK.has("Phường Phúc Xá"),
        ),
        row(
            "POST /units/{code}/successions/splits/{id}",
            Officer,
            act(perm::UNIT_MANAGE, &["00004", "00008"]).at_levels(Level::Central, Level::Province),
            R::Province,
            |c, _| {
                form(
                    format!("/units/01/successions/splits/{}", c.reports.split),
                    &[("rule", "equal")],
                )
            },
            see("/units/01/successions/splits*"),
        ),
        row(
            "GET /api/v1/units/{code}/successions/splits",
            Officer,
            act(perm::UNIT_MANAGE, &["01"]).at_levels(Level::Central, Level::Province),
            R::Province,
            |_, _| get("/api/v1/units/01/successions/splits?q=99101"),
            OK.has("\"code\":\"99101\""),
        ),
        row(
            "PUT /api/v1/successions/{predecessor_id}/shares",
            Officer,
            act(perm::UNIT_MANAGE, &["00004", "00008"]).at_levels(Level::Central, Level::Province),
            R::Province,
            |c, _| {
                json(
                    format!("/api/v1/successions/{}/shares", c.reports.split),
                    serde_json::json!({"rule": "equal"}),
                )
            },
            OK.has("\"rule\":\"equal\""),
        ),
        row(
            "GET /units/{code}/successions/splits/sheet.xlsx",
            Officer,
            act(perm::UNIT_MANAGE, &["01"]).at_levels(Level::Central, Level::Province),
            R::Province,
            |_, _| get("/units/01/successions/splits/sheet.xlsx"),
            OK.has("PK"),
        ),
        row(
            "GET /units/{code}/successions/splits/import",
            Officer,
            act(perm::UNIT_MANAGE, &["01"]).at_levels(Level::Central, Level::Province),
            R::Province,
            |_, _| get("/units/01/successions/splits/import"),
            OK.has("Nhập tỉ lệ chia từ tệp Excel"),
        ),
        row(
            "POST /units/{code}/successions/splits/import",
            Officer,
            act(perm::UNIT_MANAGE, &["01"]).at_levels(Level::Central, Level::Province),
            R::Province,
            |_, _| {
                upload(
                    "/units/01/successions/splits/import",
                    vec![file("file", "ti-le.csv", "text/csv", shares_sheet())],
                )
            },
            OK.has("Chia chia đều"),
        ),
        row(
            "POST /units/{code}/successions/splits/import/commit",
            Officer,
            act(perm::UNIT_MANAGE, &["01"]).at_levels(Level::Central, Level::Province),
            R::Province,
            |c, _| {
                let fields: Vec<(&str, &str)> = c
                    .reports
                    .shares_confirm
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                form("/units/01/successions/splits/import/commit", &fields)
            },
            OK.has("đã lưu tỉ lệ của 1 xã cũ"),
        ),
        row(
            "GET /api/v1/units/{code}/report-template",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/api/v1/units/00004/report-template"),
            OK.has("\"code\":\"00004\""),
        ),
        row(
            "POST /api/v1/units/{code}/report-template",
            Officer,
            act(perm::REPORT_REVIEW, &["01"]),
            R::Province,
            |_, _| {
                json(
                    "/api/v1/units/01/report-template",
                    serde_json::json!({ "source": EXTENSION }),
                )
            },
            OK.has("p_reading_clubs"),
        ),
    ]
}
