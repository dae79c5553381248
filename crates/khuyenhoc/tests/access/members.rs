//! Rows of the access matrix for the members routes (included by `tests/access.rs`).
//!
//! Targets lie in Phường Ba Đình: members of branch 00004-1 (which has no fund, so fees go to
//! the ward's fund made by `funds_rows::setup`); the in-scope officer is the Ba Đình chair, who holds
//! `member.manage` and `fund.post` there.

use super::*;

/// A member of the matrix's members (shown on the list, read, edited and paid for).
const MEMBER: &str = "Triệu Thị Hằng";

/// Objects made for the members rows before the matrix runs.
#[derive(Default)]
pub struct CtxMembers {
    /// A member of 00004-1 to read, edit (page, API) and record fees for (page, API).
    read: i64,
    /// Members whose status changes (page, API).
    status_page: i64,
    status_api: i64,
    /// Members transferred to 00004-2 (page, API).
    transfer_page: i64,
    transfer_api: i64,
    /// A workbook to preview, and the confirm form of another one previewed in setup.
    workbook: Vec<u8>,
    confirm: Vec<(String, String)>,
}

async fn member(app: &TestApp, c: &mut Client, name: &str) -> i64 {
    let j = ok(
        app,
        c,
        "POST",
        "/api/v1/units/00004/members",
        serde_json::json!({"full_name": name, "branch_code": "00004-1", "joined_on": "2020-03-15", "sectors": ["party"]}),
    )
    .await;
    j["id"].as_i64().expect("member id")
}

/// A member list of new people without phones, for branch 00004-1.
fn member_workbook(names: &[&str]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in [
        "Họ và tên",
        "Năm sinh",
        "Mã chi hội",
        "Ngày vào hội",
        "Lĩnh vực",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, u16::try_from(c).expect("col"), *h)
            .expect("header");
    }
    for (r, name) in names.iter().enumerate() {
        let r = u32::try_from(r + 1).expect("row");
        ws.write_string(r, 0, *name).expect("name");
        ws.write_number(r, 1, 1985.0).expect("year");
        ws.write_string(r, 2, "00004-1").expect("branch");
        ws.write_string(r, 3, "01/02/2021").expect("joined");
        ws.write_string(r, 4, "Doanh nghiệp").expect("sectors");
    }
    wb.save_to_buffer().expect("workbook")
}

/// Makes the objects the members rows act on.
pub async fn setup(app: &TestApp, ctx: &mut Ctx) {
    let mut c = app.api_client(BADINH).await;
    ctx.members.read = member(app, &mut c, MEMBER).await;
    ctx.members.status_page = member(app, &mut c, "Lò Văn Sáu").await;
    ctx.members.status_api = member(app, &mut c, "Hà Thị Bảy").await;
    ctx.members.transfer_page = member(app, &mut c, "Vi Văn Tám").await;
    ctx.members.transfer_api = member(app, &mut c, "Sầm Thị Chín").await;
    ctx.members.workbook = member_workbook(&["Nguyễn Thị Ma Trận", "Trần Văn Ma Trận"]);
    let mut web = app.login(BADINH).await;
    let parts = [file(
        "file",
        "hoi-vien.xlsx",
        XLSX,
        member_workbook(&["Đinh Văn Xác Nhận"]),
    )];
    let r = post_multipart(app, &mut web, "/units/00004/members/import", &parts).await;
    assert_eq!(
        r.status.as_u16(),
        200,
        "setup member import preview: {}",
        r.body
    );
    ctx.members.confirm = ["key", "sha256", "plan", "file_name"]
        .iter()
        .map(|k| ((*k).to_owned(), hidden(&r.body, k)))
        .collect();
}

#[allow(clippy::too_many_lines)] // one row per route
pub fn rows() -> Vec<Row> {
    use Access::*;
    vec![
        row(
            "GET /units/{code}/members",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/units/00004/members?q=trieu"),
            OK.has(MEMBER),
        ),
        row(
            "GET /units/{code}/members.xlsx",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/units/00004/members.xlsx?q=trieu"),
            OK,
        ),
        row(
            "POST /units/{code}/members",
            Officer,
            act(perm::MEMBER_MANAGE, &["00004"]),
            R::Commune,
            |_, _| {
                form(
                    "/units/00004/members",
                    &[
                        ("branch", "00004-1"),
                        ("full_name", "Quan Văn Mười"),
                        ("phone", "0913000001"),
                        ("birth_year", "1979"),
                        ("gender", "male"),
                        ("joined_on", "2019-05-19"),
                        ("sector_armed_forces", "1"),
                    ],
                )
            },
            see("/members/*"),
        ),
        row(
            "GET /units/{code}/members/template.xlsx",
            Officer,
            act(perm::MEMBER_MANAGE, &["00004"]),
            R::Commune,
            |_, _| get("/units/00004/members/template.xlsx"),
            OK.has("PK"),
        ),
        row(
            "GET /units/{code}/members/import",
            Officer,
            act(perm::MEMBER_MANAGE, &["00004"]),
            R::Commune,
            |_, _| get("/units/00004/members/import"),
            OK.has("Nhập danh sách hội viên"),
        ),
        row(
            "POST /units/{code}/members/import",
            Officer,
            act(perm::MEMBER_MANAGE, &["00004"]),
            R::Commune,
            |c, _| {
                upload(
                    "/units/00004/members/import",
                    vec![file(
                        "file",
                        "hoi-vien.xlsx",
                        XLSX,
                        c.members.workbook.clone(),
                    )],
                )
            },
            OK.has("Người mới"),
        ),
        row(
            "POST /units/{code}/members/import/commit",
            Officer,
            act(perm::MEMBER_MANAGE, &["00004"]),
            R::Commune,
            |c, _| {
                let fields: Vec<(&str, &str)> = c
                    .members
                    .confirm
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                form("/units/00004/members/import/commit", &fields)
            },
            OK.has("Đã lưu 1 hội viên"),
        ),
        row(
            "GET /units/{code}/population",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/units/00004/population"),
            OK.has("Dân số"),
        ),
        row(
            "POST /units/{code}/population",
            Officer,
            act(perm::MEMBER_MANAGE, &["00004"]),
            R::Commune,
            |_, _| {
                form(
                    "/units/00004/population",
                    &[("year", "2024"), ("population", "65.000")],
                )
            },
            see("/units/00004/population"),
        ),
        row(
            "GET /members/{id}",
            Officer,
            read(&["00004-1"]),
            R::Commune,
            |c, _| get(format!("/members/{}", c.members.read)),
            OK.has(MEMBER),
        ),
        row(
            "POST /members/{id}/status",
            Officer,
            act(perm::MEMBER_MANAGE, &["00004-1"]),
            R::Commune,
            |c, _| {
                form(
                    format!("/members/{}/status", c.members.status_page),
                    &[("status", "left"), ("on", "2024-06-30")],
                )
            },
            see("/members/*"),
        ),
        row(
            "POST /members/{id}/transfer",
            Officer,
            act(perm::MEMBER_MANAGE, &["00004-1"]),
            R::Commune,
            |c, _| {
                form(
                    format!("/members/{}/transfer", c.members.transfer_page),
                    &[("to_branch", "00004-2"), ("reason", "Chuyển nơi công tác")],
                )
            },
            see("/members/*"),
        ),
        row(
            "POST /members/{id}/edit",
            Officer,
            act(perm::MEMBER_MANAGE, &["00004-1"]),
            R::Commune,
            |c, _| {
                form(
                    format!("/members/{}/edit", c.members.read),
                    &[
                        ("card_no", "BD-0001"),
                        ("sector_party", "1"),
                        ("sector_university", "1"),
                    ],
                )
            },
            see("/members/*"),
        ),
        row(
            "POST /members/{id}/fees",
            Officer,
            act(perm::FUND_POST, &["00004"]),
            R::Commune,
            |c, _| {
                let fund = c.fund.to_string();
                form(
                    format!("/members/{}/fees", c.members.read),
                    &[
                        ("amount", "50.000"),
                        ("fund_id", fund.as_str()),
                        ("asset", "cash"),
                    ],
                )
            },
            see("/members/*"),
        ),
        // The JSON API.
        row(
            "GET /api/v1/units/{code}/members",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/api/v1/units/00004/members?q=Trieu%20Thi"),
            OK.has(MEMBER),
        ),
        row(
            "GET /api/v1/units/{code}/members/counts",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/api/v1/units/00004/members/counts"),
            OK.has("\"by_sector\""),
        ),
        row(
            "POST /api/v1/units/{code}/members",
            Officer,
            act(perm::MEMBER_MANAGE, &["00004-1"]),
            R::Commune,
            |_, _| {
                json(
                    "/api/v1/units/00004-1/members",
                    serde_json::json!({"full_name": "Mông Thị Mười Một", "phone": "0913000002", "joined_on": "12/10/2018"}),
                )
            },
            CREATED.has("\"status\":\"active\""),
        ),
        row(
            "GET /api/v1/members/{id}",
            Officer,
            read(&["00004-1"]),
            R::Commune,
            |c, _| get(format!("/api/v1/members/{}", c.members.read)),
            OK.has(MEMBER),
        ),
        row(
            "PATCH /api/v1/members/{id}",
            Officer,
            act(perm::MEMBER_MANAGE, &["00004-1"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/members/{}", c.members.read),
                    serde_json::json!({"sectors": ["party", "enterprise"]}),
                )
            },
            OK.has("\"enterprise\""),
        ),
        row(
            "POST /api/v1/members/{id}/status",
            Officer,
            act(perm::MEMBER_MANAGE, &["00004-1"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/members/{}/status", c.members.status_api),
                    serde_json::json!({"status": "deceased", "on": "2024-01-02"}),
                )
            },
            OK.has("\"status\":\"deceased\""),
        ),
        row(
            "POST /api/v1/members/{id}/transfer",
            Officer,
            act(perm::MEMBER_MANAGE, &["00004-1"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/members/{}/transfer", c.members.transfer_api),
                    serde_json::json!({"to_branch_code": "00004-2"}),
                )
            },
            CREATED.has("\"branch_code\":\"00004-2\""),
        ),
        row(
            "GET /api/v1/members/{id}/fees",
            Officer,
            read(&["00004-1"]),
            R::Commune,
            |c, _| {
                get(format!(
                    "/api/v1/members/{}/fees?per_page=5",
                    c.members.read
                ))
            },
            OK.has("\"next_cursor\""),
        ),
        row(
            "POST /api/v1/members/{id}/fees",
            Officer,
            act(perm::FUND_POST, &["00004"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/members/{}/fees", c.members.read),
                    serde_json::json!({"amount": 60_000, "year": 2024}),
                )
            },
            CREATED.has("\"kind\":\"membership_fee\""),
        ),
        row(
            "GET /api/v1/units/{code}/population",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/api/v1/units/00004/population"),
            OK.has("\"populations\""),
        ),
        row(
            "PUT /api/v1/units/{code}/population/{year}",
            Officer,
            act(perm::MEMBER_MANAGE, &["00004"]),
            R::Commune,
            |_, _| {
                json(
                    "/api/v1/units/00004/population/2025",
                    serde_json::json!({"population": 66_123}),
                )
            },
            OK.has("\"population\":66123"),
        ),
    ]
}
