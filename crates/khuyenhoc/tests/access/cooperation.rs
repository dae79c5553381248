//! Rows of the access matrix for cooperation programmes (issue 18, item 3; included by
//! `tests/access.rs`).
//!
//! The targets are Phường Ba Đình's register of partners and a programme of Ba Đình covering its
//! branch 00004-1, made in `setup`. A unit's lists are read by those who read the unit; the
//! programme itself also by the officers of the branch it covers; every change needs
//! `unit.manage` over Ba Đình (the branch officer, who reads the programme, changes nothing of
//! it: rights never climb). Out of scope, everything is 404.

use super::*;

/// Objects made for the cooperation rows before the matrix runs.
#[derive(Default)]
pub struct CtxCoop {
    /// A partner in Ba Đình's register, named by the new programmes.
    pub partner: i64,
    /// The programme of Ba Đình covering branch 00004-1.
    pub programme: i64,
    /// Its commitments to mark done (page, API) and reviews to record as held (page, API).
    pub done_page: i64,
    pub done_api: i64,
    pub held_page: i64,
    pub held_api: i64,
    /// A file of the programme.
    pub file: i64,
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// Makes the partner, the programme and its file.
pub async fn setup(app: &TestApp, ctx: &mut Ctx) {
    let mut c = app.api_client(BADINH).await;
    let p = ok(
        app,
        &mut c,
        "POST",
        "/api/v1/units/00004/partners",
        serde_json::json!({"kind": "armed_forces", "name": "Ban Chỉ huy Quân sự phường Ba Đình"}),
    )
    .await;
    ctx.coop.partner = p["id"].as_i64().expect("partner");
    let t = today();
    let d = ok(
        app,
        &mut c,
        "POST",
        "/api/v1/units/00004/cooperation",
        serde_json::json!({
            "title": "Phối hợp tuyên truyền khuyến học với Ban Chỉ huy Quân sự",
            "partner_ids": [ctx.coop.partner],
            "covers": {"units": ["00004-1"]},
            "signed_on": t, "starts_on": t, "ends_on": t,
            "reviews": [{"kind": "interim", "due_on": t}, {"kind": "final", "due_on": t}],
            "commitments": [{"what": "Lớp học thứ nhất", "due_on": t}, {"what": "Lớp học thứ hai", "due_on": t}],
        }),
    )
    .await;
    ctx.coop.programme = d["programme"]["id"].as_i64().expect("programme");
    ctx.coop.held_page = d["reviews"][0]["id"].as_i64().expect("review");
    ctx.coop.held_api = d["reviews"][1]["id"].as_i64().expect("review");
    ctx.coop.done_page = d["commitments"][0]["id"].as_i64().expect("commitment");
    ctx.coop.done_api = d["commitments"][1]["id"].as_i64().expect("commitment");
    let key = app
        .state
        .files
        .put("cooperation", PDF.to_vec())
        .await
        .expect("file");
    ctx.coop.file = sqlx::query_scalar(
        "INSERT INTO coop_files (programme_id, object_key, file_name, content_type, size_bytes, created_at) \
         VALUES ($1, $2, 'bien-ban.pdf', 'application/pdf', 40, 0) RETURNING id",
    )
    .bind(ctx.coop.programme)
    .bind(key)
    .fetch_one(&app.db.pool)
    .await
    .expect("file row");
}

/// Who reads the programme: Ba Đình and above, and the branch it covers.
const READERS: &[&str] = &["00004", "00004-1"];

#[allow(clippy::too_many_lines)] // one row per route
pub fn rows() -> Vec<Row> {
    use Access::*;
    let manage = || act(perm::UNIT_MANAGE, &["00004"]);
    vec![
        row(
            "GET /units/{code}/cooperation",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/units/00004/cooperation"),
            OK.has("Phối hợp tuyên truyền khuyến học"),
        ),
        row(
            "GET /units/{code}/cooperation/new",
            Officer,
            manage(),
            R::Commune,
            |_, _| get("/units/00004/cooperation/new"),
            OK.has("Ban Chỉ huy Quân sự phường Ba Đình"),
        ),
        row(
            "POST /units/{code}/cooperation",
            Officer,
            manage(),
            R::Commune,
            |c, _| {
                let t = today();
                Req {
                    path: "/units/00004/cooperation".into(),
                    payload: Payload::Form(vec![
                        ("title".into(), "Chương trình qua trang".into()),
                        ("partner".into(), c.coop.partner.to_string()),
                        ("signed_on".into(), t.clone()),
                        ("starts_on".into(), t.clone()),
                        ("ends_on".into(), t),
                    ]),
                    fresh: false,
                }
            },
            see("/cooperation/*"),
        ),
        row(
            "GET /units/{code}/partners",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/units/00004/partners"),
            OK.has("Ban Chỉ huy Quân sự phường Ba Đình"),
        ),
        row(
            "POST /units/{code}/partners",
            Officer,
            manage(),
            R::Commune,
            |_, _| {
                form(
                    "/units/00004/partners",
                    &[
                        ("kind", "school"),
                        ("name", "Trường THCS Ba Đình"),
                        ("contact", ""),
                    ],
                )
            },
            see("/units/00004/partners"),
        ),
        row(
            "GET /cooperation/{id}",
            Officer,
            read(READERS),
            R::Commune,
            |c, _| get(format!("/cooperation/{}", c.coop.programme)),
            OK.has("Phối hợp tuyên truyền khuyến học"),
        ),
        row(
            "POST /cooperation/{id}/commitments",
            Officer,
            manage(),
            R::Commune,
            |c, _| Req {
                path: format!("/cooperation/{}/commitments", c.coop.programme),
                payload: Payload::Form(vec![
                    ("what".into(), "Cam kết qua trang".into()),
                    ("partner_id".into(), String::new()),
                    ("due_on".into(), today()),
                ]),
                fresh: false,
            },
            see("/cooperation/*"),
        ),
        row(
            "POST /cooperation/{id}/commitments/{cid}/done",
            Officer,
            manage(),
            R::Commune,
            |c, _| {
                form(
                    format!(
                        "/cooperation/{}/commitments/{}/done",
                        c.coop.programme, c.coop.done_page
                    ),
                    &[("done_on", "")],
                )
            },
            see("/cooperation/*"),
        ),
        row(
            "POST /cooperation/{id}/reviews",
            Officer,
            manage(),
            R::Commune,
            |c, _| Req {
                path: format!("/cooperation/{}/reviews", c.coop.programme),
                payload: Payload::Form(vec![
                    ("kind".into(), "final".into()),
                    ("due_on".into(), today()),
                ]),
                fresh: false,
            },
            see("/cooperation/*"),
        ),
        row(
            "POST /cooperation/{id}/reviews/{rid}/held",
            Officer,
            manage(),
            R::Commune,
            |c, _| Req {
                path: format!(
                    "/cooperation/{}/reviews/{}/held",
                    c.coop.programme, c.coop.held_page
                ),
                payload: Payload::Form(vec![
                    ("held_on".into(), today()),
                    ("results".into(), "Đạt yêu cầu".into()),
                ]),
                fresh: false,
            },
            see("/cooperation/*"),
        ),
        row(
            "POST /cooperation/{id}/files",
            Officer,
            manage(),
            R::Commune,
            |c, _| {
                upload(
                    format!("/cooperation/{}/files", c.coop.programme),
                    vec![file(
                        "file",
                        "bien-ban.pdf",
                        "application/pdf",
                        PDF.to_vec(),
                    )],
                )
            },
            see("/cooperation/*"),
        ),
        row(
            "GET /cooperation/{id}/files/{fid}",
            Officer,
            read(READERS),
            R::Commune,
            |c, _| {
                get(format!(
                    "/cooperation/{}/files/{}",
                    c.coop.programme, c.coop.file
                ))
            },
            PDF_OK,
        ),
        row(
            "GET /api/v1/units/{code}/partners",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/api/v1/units/00004/partners"),
            OK.has("Ban Chỉ huy Quân sự phường Ba Đình"),
        ),
        row(
            "POST /api/v1/units/{code}/partners",
            Officer,
            manage(),
            R::Commune,
            |_, _| {
                json(
                    "/api/v1/units/00004/partners",
                    serde_json::json!({"kind": "firm", "name": "Công ty TNHH Ba Đình"}),
                )
            },
            CREATED,
        ),
        row(
            "GET /api/v1/units/{code}/cooperation",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/api/v1/units/00004/cooperation"),
            OK.has("Phối hợp tuyên truyền khuyến học"),
        ),
        row(
            "POST /api/v1/units/{code}/cooperation",
            Officer,
            manage(),
            R::Commune,
            |c, _| {
                let t = today();
                json(
                    "/api/v1/units/00004/cooperation",
                    serde_json::json!({"title": "Chương trình qua API", "partner_ids": [c.coop.partner],
                        "signed_on": t, "starts_on": t, "ends_on": t}),
                )
            },
            CREATED,
        ),
        row(
            "GET /api/v1/units/{code}/cooperation/due",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/api/v1/units/00004/cooperation/due"),
            OK.has("\"items\""),
        ),
        row(
            "GET /api/v1/cooperation/{id}",
            Officer,
            read(READERS),
            R::Commune,
            |c, _| get(format!("/api/v1/cooperation/{}", c.coop.programme)),
            OK.has("Phối hợp tuyên truyền khuyến học"),
        ),
        row(
            "POST /api/v1/cooperation/{id}/commitments",
            Officer,
            manage(),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/cooperation/{}/commitments", c.coop.programme),
                    serde_json::json!({"what": "Cam kết qua API", "due_on": today()}),
                )
            },
            OK.has("Cam kết qua API"),
        ),
        row(
            "POST /api/v1/cooperation/{id}/commitments/{cid}/done",
            Officer,
            manage(),
            R::Commune,
            |c, _| {
                json(
                    format!(
                        "/api/v1/cooperation/{}/commitments/{}/done",
                        c.coop.programme, c.coop.done_api
                    ),
                    serde_json::json!({}),
                )
            },
            OK.has("\"done\""),
        ),
        row(
            "POST /api/v1/cooperation/{id}/reviews",
            Officer,
            manage(),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/cooperation/{}/reviews", c.coop.programme),
                    serde_json::json!({"kind": "interim", "due_on": today()}),
                )
            },
            OK,
        ),
        row(
            "POST /api/v1/cooperation/{id}/reviews/{rid}/held",
            Officer,
            manage(),
            R::Commune,
            |c, _| {
                json(
                    format!(
                        "/api/v1/cooperation/{}/reviews/{}/held",
                        c.coop.programme, c.coop.held_api
                    ),
                    serde_json::json!({"held_on": today(), "results": "Đạt yêu cầu qua API"}),
                )
            },
            OK.has("Đạt yêu cầu qua API"),
        ),
        row(
            "POST /api/v1/cooperation/{id}/files",
            Officer,
            manage(),
            R::Commune,
            |c, _| {
                upload(
                    format!("/api/v1/cooperation/{}/files", c.coop.programme),
                    vec![file(
                        "file",
                        "bien-ban.pdf",
                        "application/pdf",
                        PDF.to_vec(),
                    )],
                )
            },
            CREATED,
        ),
    ]
}

/// A PDF answer.
const PDF_OK: Expect = OK.has("%PDF");
