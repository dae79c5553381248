//! Rows of the access matrix for operations, public pages, accounts, the map, positions, the audit
//! log and clusters (included by `tests/access.rs`); and the objects they act on in Ba Đình.

use super::*;

/// Operations, accounts, the map, positions, the audit log and clusters.
#[allow(clippy::too_many_lines)]
pub fn rows() -> Vec<Row> {
    use Access::*;
    vec![
        // Operations and public pages: the same answer for everybody.
        row(
            "GET /healthz",
            Public,
            Need::Anyone,
            R::Commune,
            |_, _| get("/healthz"),
            OK.has("ok"),
        ),
        row(
            "GET /readyz",
            Public,
            Need::Anyone,
            R::Commune,
            |_, _| get("/readyz"),
            OK,
        ),
        row(
            "GET /metrics",
            Public,
            Need::Anyone,
            R::Commune,
            // Only for configured addresses or the metrics token (tests/security.rs): a request
            // with no socket address is nobody's.
            |_, _| get("/metrics"),
            code(403),
        ),
        row(
            "GET /static/app.css",
            Public,
            Need::Anyone,
            R::Commune,
            |_, _| get("/static/app.css"),
            OK,
        ),
        row(
            "GET /static/app.js",
            Public,
            Need::Anyone,
            R::Commune,
            |_, _| get("/static/app.js"),
            OK,
        ),
        row(
            "GET /static/{file}",
            Public,
            Need::Anyone,
            R::Commune,
            |_, _| get(khuyenhoc::web::assets::css_url()),
            OK,
        ),
        row(
            "GET /",
            Public,
            Need::Anyone,
            R::Commune,
            |_, _| get("/"),
            OK.own(),
        )
        .except(R::Anon, LOGIN)
        .except(R::Temporary, see("/account")),
        row(
            "GET /login",
            Public,
            Need::Anyone,
            R::Commune,
            |_, _| get("/login"),
            see("/"),
        )
        .except(R::Anon, OK.has("password")),
        row(
            "POST /login",
            Public,
            Need::Anyone,
            R::Commune,
            // The visitor signs in as the citizen; signed-in callers sign in again as themselves.
            |_, phone| {
                let login = if phone.is_empty() { CITIZEN } else { phone };
                form("/login", &[("login", login), ("password", PASSWORD)])
            },
            see("/"),
        )
        .also(&[R::Anon, R::Citizen, R::CommuneOut]),
        row(
            "POST /logout",
            Public,
            Need::Anyone,
            R::Commune,
            |_, _| Req {
                fresh: true,
                ..form("/logout", &[])
            },
            see("/login"),
        )
        .also(&[R::Anon, R::Citizen, R::CommuneOut]),
        row(
            "GET /lang/{code}",
            Public,
            Need::Anyone,
            R::Commune,
            |_, _| get("/lang/en?next=%2Funits"),
            see("/units"),
        ),
        // The signed-in person's own account.
        row(
            "GET /account",
            SignedIn,
            Need::Own,
            R::Commune,
            |_, _| get("/account"),
            OK,
        ),
        row(
            "POST /account/tokens",
            SignedIn,
            Need::Own,
            R::Commune,
            |_, _| form("/account/tokens", &[("name", "matrix")]),
            OK.has("kh_"),
        )
        .also(&[R::Citizen, R::CommuneOut]),
        row(
            "POST /account/tokens/{id}/revoke",
            SignedIn,
            Need::Owner,
            R::Commune,
            // Everybody tries to revoke the Ba Đình chair's token; only its owner may.
            |c, _| form(format!("/account/tokens/{}/revoke", c.token), &[]),
            see("/account"),
        ),
        row(
            "POST /account/password",
            SignedIn,
            Need::Own,
            R::Commune,
            // The new password is the demo one again, so later logins still work; a changed
            // password ends the person's sessions and API tokens, so this asks with a login of
            // its own, and comes after the Ba Đình chair revoked a token of theirs.
            |_, _| Req {
                fresh: true,
                ..form(
                    "/account/password",
                    &[
                        ("current", PASSWORD),
                        ("new", PASSWORD),
                        ("confirm", PASSWORD),
                    ],
                )
            },
            OK.has("Đã đổi mật khẩu"),
        )
        .also(&[R::Citizen, R::CommuneOut]),
        // The signed-in person's notifications (the Ba Đình chair owns the one to mark read).
        row(
            "GET /notifications",
            SignedIn,
            Need::Own,
            R::Commune,
            |_, _| get("/notifications"),
            OK.has("id=\"inbox-link\""),
        ),
        row(
            "POST /notifications/{id}/read",
            SignedIn,
            Need::Owner,
            R::Commune,
            |c, _| form(format!("/notifications/{}/read", c.notice), &[]),
            see("/notifications"),
        ),
        row(
            "POST /notifications/read-all",
            SignedIn,
            Need::Own,
            R::Commune,
            |_, _| form("/notifications/read-all", &[]),
            see("/notifications"),
        )
        .also(&[R::Citizen, R::CommuneOut]),
        row(
            "GET /notifications/settings",
            SignedIn,
            Need::Own,
            R::Commune,
            |_, _| get("/notifications/settings"),
            OK.has("name=\"email\""),
        ),
        row(
            "POST /notifications/settings",
            SignedIn,
            Need::Own,
            R::Commune,
            |_, _| form("/notifications/settings", &[("email", "1")]),
            OK.has("Đã lưu"),
        )
        .also(&[R::Citizen, R::CommuneOut]),
        row(
            "GET /api/v1/notifications",
            SignedIn,
            Need::Own,
            R::Commune,
            |_, _| get("/api/v1/notifications"),
            OK.has("\"next_cursor\":"),
        ),
        row(
            "POST /api/v1/notifications/{id}/read",
            SignedIn,
            Need::Owner,
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/notifications/{}/read", c.notice),
                    serde_json::json!({}),
                )
            },
            OK.has("\"unread\":"),
        ),
        row(
            "POST /api/v1/notifications/read-all",
            SignedIn,
            Need::Own,
            R::Commune,
            |_, _| json("/api/v1/notifications/read-all", serde_json::json!({})),
            OK.has("\"unread\":0"),
        )
        .also(&[R::Citizen, R::CommuneOut]),
        // Pages of the map.
        row(
            "GET /units",
            Officer,
            list(Shown::Under("00004")),
            R::Commune,
            |_, _| get("/units?q=ba+dinh&level=commune"),
            OK.has("Phường Ba Đình"),
        )
        .elsewhere(OK.lacks("Phường Ba Đình")),
        row(
            "GET /units/{code}",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/units/00004"),
            OK.has("Phường Ba Đình"),
        ),
        row(
            "POST /units/{code}/branches",
            Officer,
            act(perm::UNIT_MANAGE, &["00004"]),
            R::Commune,
            |_, _| {
                form(
                    "/units/00004/branches",
                    &[("name", "Chi hội Tổ dân phố số 20"), ("kind", "village")],
                )
            },
            see("/units/00004-*"),
        ),
        row(
            "POST /units/{code}/rename",
            Officer,
            act(perm::UNIT_MANAGE, &[OTHER_BRANCH]),
            R::Commune,
            |c, _| {
                form(
                    format!("/units/{}/rename", c.rename_page),
                    &[("name", "Chi hội Tổ dân phố số 21 (đổi tên)")],
                )
            },
            see("/units/00004-*"),
        ),
        row(
            "POST /units/{code}/move",
            Officer,
            act(perm::UNIT_MANAGE, &[OTHER_BRANCH, "00008"]),
            R::Province,
            // From Phường Ba Đình to Phường Ngọc Hà, both in Hà Nội.
            |c, _| {
                form(
                    format!("/units/{}/move", c.move_page),
                    &[("parent", "00008")],
                )
            },
            see("/units/00004-*"),
        )
        .partial(code(422).has("Không tìm thấy đơn vị cấp trên này")),
        row(
            "POST /units/{code}/close",
            Officer,
            act(perm::UNIT_MANAGE, &[OTHER_BRANCH]),
            R::Commune,
            |c, _| form(format!("/units/{}/close", c.close_page), &[]),
            see("/units/00004-*"),
        ),
        row(
            "POST /units/{code}/positions",
            Officer,
            act(perm::POSITION_MANAGE, &["00004"]),
            R::Commune,
            |_, _| {
                form(
                    "/units/00004/positions",
                    &[
                        ("type", "vice_chair"),
                        ("title", "Phó Chủ tịch thường trực"),
                    ],
                )
            },
            see("/positions/*"),
        ),
        row(
            "GET /units/{code}/people/new",
            Officer,
            act(perm::PERSON_MANAGE, &["00004"]),
            R::Commune,
            |_, _| get("/units/00004/people/new"),
            OK.has("Phường Ba Đình"),
        ),
        row(
            "POST /units/{code}/people",
            Officer,
            act(perm::PERSON_MANAGE, &["00004"]),
            R::Commune,
            |_, _| {
                form(
                    "/units/00004/people",
                    &[
                        ("full_name", "Trịnh Văn Khoa"),
                        ("phone", "0912000101"),
                        ("birth_year", "1990"),
                    ],
                )
            },
            see("/people/*"),
        ),
        row(
            "GET /people/{id}",
            Officer,
            read(&["00004-1"]),
            R::Commune,
            |c, _| get(format!("/people/{}", c.read_person)),
            OK.has("Phạm Thị Hoa"),
        ),
        row(
            "POST /people/{id}/reset-password",
            Officer,
            act(perm::PERSON_MANAGE, &["00004"]),
            R::Commune,
            |c, _| form(format!("/people/{}/reset-password", c.reset_person), &[]),
            OK.has("Mật khẩu tạm thời"),
        ),
        row(
            "POST /people/{id}/recovery-code",
            Officer,
            act(perm::PERSON_MANAGE, &["00004"]),
            R::Commune,
            |c, _| form(format!("/people/{}/recovery-code", c.reset_person), &[]),
            OK.has("id=\"secret\""),
        ),
        // Password recovery: the same answer for everybody (an address nobody has, a link or
        // code that never existed).
        row(
            "GET /password/forgot",
            Public,
            Need::Anyone,
            R::Commune,
            |_, _| get("/password/forgot"),
            OK.has("name=\"email\""),
        ),
        row(
            "POST /password/forgot",
            Public,
            Need::Anyone,
            R::Commune,
            |_, _| form("/password/forgot", &[("email", "nobody@example.vn")]),
            OK.has("id=\"sent\""),
        )
        .also(&[R::Anon]),
        row(
            "POST /api/v1/password/forgot",
            Public,
            Need::Anyone,
            R::Commune,
            |_, _| {
                json(
                    "/api/v1/password/forgot",
                    serde_json::json!({"email": "nobody.api@example.vn"}),
                )
            },
            OK.has("message_vi"),
        )
        .also(&[R::Anon]),
        row(
            "GET /password/reset/{token}",
            Public,
            Need::Anyone,
            R::Commune,
            |_, _| get("/password/reset/0123456789abcdef"),
            code(410),
        ),
        row(
            "POST /password/reset/{token}",
            Public,
            Need::Anyone,
            R::Commune,
            |_, _| {
                form(
                    "/password/reset/0123456789abcdef",
                    &[("new", "mat-khau-moi-1"), ("confirm", "mat-khau-moi-1")],
                )
            },
            code(400),
        )
        .also(&[R::Anon]),
        row(
            "GET /password/code",
            Public,
            Need::Anyone,
            R::Commune,
            |_, _| get("/password/code"),
            OK.has("name=\"code\""),
        ),
        row(
            "POST /password/code",
            Public,
            Need::Anyone,
            R::Commune,
            |_, _| {
                form(
                    "/password/code",
                    &[
                        ("phone", "0912999999"),
                        ("code", "00000000"),
                        ("new", "mat-khau-moi-1"),
                        ("confirm", "mat-khau-moi-1"),
                    ],
                )
            },
            code(400),
        )
        .also(&[R::Anon]),
        row(
            "GET /positions/{id}",
            Officer,
            read(&["00004"]),
            R::Commune,
            |c, _| get(format!("/positions/{}", c.read_position)),
            OK.has("Vũ Minh Tuấn"),
        ),
        row(
            "POST /positions/{id}/handover",
            Officer,
            act(perm::POSITION_MANAGE, &["00004"]),
            R::Commune,
            |c, _| {
                form(
                    format!("/positions/{}/handover", c.handover_page),
                    &[("phone", c.handover_page_to.as_str())],
                )
            },
            see("/positions/*"),
        ),
        row(
            "POST /positions/{id}/vacate",
            Officer,
            act(perm::POSITION_MANAGE, &["00004"]),
            R::Commune,
            |c, _| form(format!("/positions/{}/vacate", c.vacate_page), &[]),
            see("/positions/*"),
        ),
        row(
            "GET /position-types",
            Officer,
            list(Shown::All),
            R::Commune,
            |_, _| get("/position-types"),
            OK.has("Phó Chủ tịch"),
        ),
        row(
            "POST /position-types",
            Central,
            act(perm::POSITION_TYPE_MANAGE, &["VN"]),
            R::Central,
            |_, _| {
                form(
                    "/position-types",
                    &[
                        ("code", "thu_ky"),
                        ("name_vi", "Thư ký"),
                        ("name_en", "Secretary"),
                        ("permissions", "audit.read"),
                    ],
                )
            },
            see("/position-types"),
        ),
        row(
            "GET /audit",
            Officer,
            list_with(perm::AUDIT_READ, Shown::Under("00004-1")),
            R::Commune,
            |_, _| get("/audit?entity=unit&entity_id=00004-1"),
            OK.has("Chi hội Tổ dân phố số 1"),
        )
        .elsewhere(OK.lacks("Chi hội Tổ dân phố số 1")),
        row(
            "GET /audit.xlsx",
            Officer,
            list_with(perm::AUDIT_READ, Shown::Under("00004-1")),
            R::Commune,
            |_, _| get("/audit.xlsx?entity=unit&entity_id=00004-1"),
            OK.has("PK"),
        )
        .elsewhere(OK.has("PK")),
        row(
            "GET /clusters",
            Officer,
            list(Shown::All),
            R::Commune,
            |_, _| get("/clusters"),
            OK.has("DEMO-1"),
        ),
        row(
            "POST /clusters",
            Central,
            act(perm::CLUSTER_MANAGE, &["VN"]),
            R::Central,
            |_, _| {
                form(
                    "/clusters",
                    &[("code", "MATRIX-1"), ("name", "Cụm thi đua thử nghiệm")],
                )
            },
            see("/clusters"),
        ),
        row(
            "POST /clusters/{code}/members",
            Central,
            act(perm::CLUSTER_MANAGE, &["VN"]),
            R::Central,
            // Cao Bằng joins the demo cluster.
            |_, _| form("/clusters/DEMO-1/members", &[("province", "04")]),
            see("/clusters"),
        ),
        // The JSON API.
        row(
            "GET /api/v1/openapi.json",
            Public,
            Need::Anyone,
            R::Commune,
            |_, _| get("/api/v1/openapi.json"),
            OK.has("openapi"),
        ),
        row(
            "GET /api/v1/me",
            SignedIn,
            Need::Own,
            R::Commune,
            |_, _| get("/api/v1/me"),
            OK.own(),
        ),
        // My data (Decree 13/2023): only ever one's own record.
        row(
            "GET /me/data",
            SignedIn,
            Need::Own,
            R::Commune,
            |_, _| get("/me/data"),
            OK.own(),
        ),
        row(
            "GET /api/v1/me/data",
            SignedIn,
            Need::Own,
            R::Commune,
            |_, _| get("/api/v1/me/data"),
            OK.own(),
        ),
        row(
            "GET /api/v1/units",
            Officer,
            list(Shown::Under("00004")),
            R::Commune,
            |_, _| get("/api/v1/units?level=commune&q=ba%20dinh"),
            OK.has("\"code\":\"00004\""),
        )
        .elsewhere(OK.has("\"total\":0")),
        row(
            "GET /api/v1/units/{code}",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/api/v1/units/00004"),
            OK.has("Phường Ba Đình"),
        ),
        row(
            "GET /api/v1/units/{code}/branches",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/api/v1/units/00004/branches"),
            OK.has("\"code\":\"00004-1\""),
        ),
        row(
            "GET /api/v1/units/{code}/people",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/api/v1/units/00004/people?q=kieu%20van"),
            OK.has("Kiều Văn Sơn"),
        ),
        row(
            "GET /units/{code}/people",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/units/00004/people?q=Ki%E1%BB%81u"),
            OK.has("Kiều Văn Sơn"),
        ),
        row(
            "GET /units/{code}/people.xlsx",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/units/00004/people.xlsx?q=kieu"),
            OK.has("PK"),
        ),
        row(
            "PATCH /api/v1/units/{code}",
            Officer,
            act(perm::UNIT_MANAGE, &[OTHER_BRANCH]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/units/{}", c.rename_api),
                    serde_json::json!({"name": "Chi hội Tổ dân phố số 22 (đổi tên)"}),
                )
            },
            OK.has("(đổi tên)"),
        ),
        // Disadvantaged communes: a province (or the centre) marks a commune of theirs, never
        // the commune itself; the centre imports the official lists. Years far ahead, so that
        // no evaluation of the other rows changes its threshold.
        row(
            "POST /units/{code}/disadvantaged",
            Officer,
            act(perm::UNIT_MANAGE, &["00004"]).at_levels(Level::Central, Level::Province),
            R::Province,
            |_, _| {
                form(
                    "/units/00004/disadvantaged",
                    &[
                        ("disadvantaged", "1"),
                        ("year", "2099"),
                        ("source", "Quyết định thử của ma trận quyền"),
                    ],
                )
            },
            see("/units/00004?year=2099#area"),
        ),
        row(
            "GET /disadvantaged/template.xlsx",
            Central,
            act(perm::UNIT_MANAGE, &["VN"]),
            R::Central,
            |_, _| get("/disadvantaged/template.xlsx"),
            OK.has("PK"),
        ),
        row(
            "GET /disadvantaged/import",
            Central,
            act(perm::UNIT_MANAGE, &["VN"]),
            R::Central,
            |_, _| get("/disadvantaged/import"),
            OK.has("Nhập danh sách xã vùng đặc biệt khó khăn"),
        ),
        row(
            "POST /disadvantaged/import",
            Central,
            act(perm::UNIT_MANAGE, &["VN"]),
            R::Central,
            |c, _| {
                upload(
                    "/disadvantaged/import",
                    vec![file(
                        "file",
                        "xa-vung-kho.csv",
                        "text/csv",
                        c.area_list.clone(),
                    )],
                )
            },
            OK.has("Đánh dấu 2 năm theo"),
        ),
        row(
            "POST /disadvantaged/import/commit",
            Central,
            act(perm::UNIT_MANAGE, &["VN"]),
            R::Central,
            |c, _| {
                let fields: Vec<(&str, &str)> = c
                    .area_confirm
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                form("/disadvantaged/import/commit", &fields)
            },
            OK.has("1 xã có năm mới được đánh dấu"),
        ),
        row(
            "GET /units/old-map",
            Central,
            act(perm::UNIT_MANAGE, &["VN"]),
            R::Central,
            |_, _| get("/units/old-map"),
            OK.has("Nạp bản đồ cũ và quan hệ kế thừa"),
        ),
        row(
            "POST /units/old-map",
            Central,
            act(perm::UNIT_MANAGE, &["VN"]),
            R::Central,
            |_, _| form("/units/old-map", &[]),
            OK.has("Xã cũ không có trong bảng ánh xạ"),
        ),
        row(
            "POST /api/v1/units/old-map",
            Central,
            act(perm::UNIT_MANAGE, &["VN"]),
            R::Central,
            |_, _| json("/api/v1/units/old-map", serde_json::json!({})),
            OK.has("\"unmapped_communes\""),
        ),
        row(
            "POST /api/v1/units/{code}/branches",
            Officer,
            act(perm::UNIT_MANAGE, &["00004"]),
            R::Commune,
            |_, _| {
                json(
                    "/api/v1/units/00004/branches",
                    serde_json::json!({"name": "Chi hội Tổ dân phố số 23", "kind": "village"}),
                )
            },
            CREATED.has("\"parent_code\":\"00004\""),
        ),
        row(
            "POST /api/v1/units/{code}/close",
            Officer,
            act(perm::UNIT_MANAGE, &[OTHER_BRANCH]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/units/{}/close", c.close_api),
                    serde_json::json!({}),
                )
            },
            OK.has("\"valid_to\":\""),
        ),
        row(
            "GET /api/v1/units/{code}/positions",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/api/v1/units/00004/positions"),
            OK.has("Lê Văn Đình"),
        ),
        row(
            "POST /api/v1/units/{code}/positions",
            Officer,
            act(perm::POSITION_MANAGE, &["00004"]),
            R::Commune,
            |_, _| {
                json(
                    "/api/v1/units/00004/positions",
                    serde_json::json!({"type": "vice_chair", "title": "Phó Chủ tịch phụ trách học tập"}),
                )
            },
            CREATED.has("\"type_code\":\"vice_chair\""),
        ),
        row(
            "POST /api/v1/units/{code}/people",
            Officer,
            act(perm::PERSON_MANAGE, &["00004"]),
            R::Commune,
            |_, _| {
                json(
                    "/api/v1/units/00004/people",
                    serde_json::json!({"full_name": "Quách Thị Nga", "phone": "0912000102", "birth_year": "1988"}),
                )
            },
            CREATED.has("Quách Thị Nga"),
        ),
        row(
            "GET /api/v1/people/{id}",
            Officer,
            read(&["00004-1"]),
            R::Commune,
            |c, _| get(format!("/api/v1/people/{}", c.read_person)),
            OK.has("Phạm Thị Hoa"),
        ),
        row(
            "POST /api/v1/people/{id}/reset-password",
            Officer,
            act(perm::PERSON_MANAGE, &["00004"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/people/{}/reset-password", c.reset_person_api),
                    serde_json::json!({}),
                )
            },
            OK.has("\"temporary_password\":\""),
        ),
        row(
            "GET /api/v1/positions/{id}",
            Officer,
            read(&["00004"]),
            R::Commune,
            |c, _| get(format!("/api/v1/positions/{}", c.read_position)),
            OK.has("Vũ Minh Tuấn"),
        ),
        row(
            "GET /api/v1/positions/{id}/holders",
            Officer,
            read(&["00004"]),
            R::Commune,
            |c, _| get(format!("/api/v1/positions/{}/holders", c.read_position)),
            OK.has("Vũ Minh Tuấn"),
        ),
        row(
            "POST /api/v1/positions/{id}/handover",
            Officer,
            act(perm::POSITION_MANAGE, &["00004"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/positions/{}/handover", c.handover_api),
                    serde_json::json!({"person_id": c.handover_api_to}),
                )
            },
            OK.has("Mạc Văn Tùng"),
        ),
        row(
            "POST /api/v1/positions/{id}/vacate",
            Officer,
            act(perm::POSITION_MANAGE, &["00004"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/positions/{}/vacate", c.vacate_api),
                    serde_json::json!({}),
                )
            },
            OK.has("\"holder\":null"),
        ),
        row(
            "GET /api/v1/position-types",
            Officer,
            list(Shown::All),
            R::Commune,
            |_, _| get("/api/v1/position-types"),
            OK.has("vice_chair"),
        ),
        row(
            "POST /api/v1/position-types",
            Central,
            act(perm::POSITION_TYPE_MANAGE, &["VN"]),
            R::Central,
            |_, _| {
                json(
                    "/api/v1/position-types",
                    serde_json::json!({"code": "uy_vien", "name_vi": "Ủy viên", "name_en": "Member", "permissions": ["audit.read"]}),
                )
            },
            CREATED.has("\"code\":\"uy_vien\""),
        ),
        row(
            "GET /api/v1/audit",
            Officer,
            list_with(perm::AUDIT_READ, Shown::Under("00004-1")),
            R::Commune,
            |_, _| get("/api/v1/audit?entity=unit&entity_id=00004-1"),
            OK.has("\"action\":\"open\""),
        )
        .elsewhere(OK.lacks("00004-1")),
        row(
            "GET /api/v1/audit.xlsx",
            Officer,
            list_with(perm::AUDIT_READ, Shown::Under("00004-1")),
            R::Commune,
            |_, _| get("/api/v1/audit.xlsx?entity=unit&entity_id=00004-1"),
            OK.has("PK"),
        )
        .elsewhere(OK.has("PK")),
        row(
            "GET /api/v1/clusters",
            Officer,
            list(Shown::All),
            R::Commune,
            |_, _| get("/api/v1/clusters"),
            OK.has("DEMO-1"),
        ),
        row(
            "POST /api/v1/clusters",
            Central,
            act(perm::CLUSTER_MANAGE, &["VN"]),
            R::Central,
            |_, _| {
                json(
                    "/api/v1/clusters",
                    serde_json::json!({"code": "MATRIX-2", "name": "Cụm thi đua thử nghiệm qua API"}),
                )
            },
            CREATED,
        ),
        row(
            "POST /api/v1/clusters/{code}/members",
            Central,
            act(perm::CLUSTER_MANAGE, &["VN"]),
            R::Central,
            // Tuyên Quang joins the demo cluster.
            |_, _| {
                json(
                    "/api/v1/clusters/DEMO-1/members",
                    serde_json::json!({"province": "08"}),
                )
            },
            code(204),
        ),
    ]
}

async fn open_branch(app: &TestApp, c: &mut Client, name: &str) -> String {
    let j = ok(
        app,
        c,
        "POST",
        "/api/v1/units/00004/branches",
        serde_json::json!({"name": name, "kind": "village"}),
    )
    .await;
    j["code"].as_str().expect("branch code").to_owned()
}

async fn new_position(app: &TestApp, c: &mut Client) -> i64 {
    let j = ok(
        app,
        c,
        "POST",
        "/api/v1/units/00004/positions",
        serde_json::json!({"type": "vice_chair"}),
    )
    .await;
    j["id"].as_i64().expect("position id")
}

/// The map's objects the rows act on (see the fields of `Ctx`).
pub async fn setup(app: &TestApp, ctx: &mut Ctx) {
    let mut c = app.api_client(BADINH).await;
    let close_page = open_branch(app, &mut c, "Chi hội để đóng qua trang").await;
    let close_api = open_branch(app, &mut c, "Chi hội để đóng qua API").await;
    let rename_page = open_branch(app, &mut c, "Chi hội để đổi tên qua trang").await;
    let rename_api = open_branch(app, &mut c, "Chi hội để đổi tên qua API").await;
    let move_page = open_branch(app, &mut c, "Chi hội để chuyển").await;
    let reset_person = register_person(app, &mut c, "00004", "Kiều Văn Sơn", "0912000001").await;
    let reset_person_api =
        register_person(app, &mut c, "00004", "Phan Thị Xuân", "0912000006").await;
    let handover_page_to = "0912000002".to_owned();
    register_person(app, &mut c, "00004", "Lạc Thị Yến", &handover_page_to).await;
    let handover_api_to = register_person(app, &mut c, "00004", "Mạc Văn Tùng", "0912000003").await;
    let holder_page = register_person(app, &mut c, "00004", "Nông Thị Vân", "0912000004").await;
    let holder_api = register_person(app, &mut c, "00004", "Ông Văn Trí", "0912000005").await;
    let handover_page = new_position(app, &mut c).await;
    let handover_api = new_position(app, &mut c).await;
    let vacate_page = new_position(app, &mut c).await;
    let vacate_api = new_position(app, &mut c).await;
    for (pos, person) in [(vacate_page, holder_page), (vacate_api, holder_api)] {
        ok(
            app,
            &mut c,
            "POST",
            &format!("/api/v1/positions/{pos}/handover"),
            serde_json::json!({"person_id": person}),
        )
        .await;
    }
    let read_position: i64 = sqlx::query_scalar(
        "SELECT h.position_id FROM position_holdings h JOIN people pe ON pe.id = h.person_id \
         WHERE pe.phone = $1 AND h.to_at IS NULL",
    )
    .bind(TREASURER)
    .fetch_one(&app.db.pool)
    .await
    .expect("the treasurer's position");
    let mut web = app.login(BADINH).await;
    let r = app
        .post_form(&mut web, "/account/tokens", &[("name", "to revoke")])
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    let token: i64 = sqlx::query_scalar("SELECT id FROM api_tokens WHERE name = 'to revoke'")
        .fetch_one(&app.db.pool)
        .await
        .expect("the token to revoke");
    let notice = chair_notice(app).await;
    let area_confirm = area_list_previewed(app).await;
    *ctx = Ctx {
        notice,
        area_list: area_list("8"),
        area_confirm,
        close_page,
        close_api,
        rename_page,
        rename_api,
        move_page,
        read_person: app.person_id(BRANCH_OFFICER).await,
        reset_person,
        reset_person_api,
        read_position,
        handover_page,
        handover_page_to,
        handover_api,
        handover_api_to,
        vacate_page,
        vacate_api,
        token,
        ..Ctx::default()
    };
}

/// A list of disadvantaged communes naming one commune for two years far ahead.
fn area_list(code: &str) -> Vec<u8> {
    format!("Mã xã,Tên xã,Quyết định,Từ năm,Đến năm\n{code},,Quyết định thử của ma trận quyền,2090,2091\n")
        .into_bytes()
}

/// The confirm form of a list previewed by the central chair (Ba Đình, 2090–2091).
async fn area_list_previewed(app: &TestApp) -> Vec<(String, String)> {
    let mut web = app.login(CENTRAL).await;
    let parts = [file("file", "xa-vung-kho.csv", "text/csv", area_list("4"))];
    let r = post_multipart(app, &mut web, "/disadvantaged/import", &parts).await;
    assert_eq!(r.status.as_u16(), 200, "setup list preview: {}", r.body);
    ["key", "sha256", "plan", "file_name"]
        .iter()
        .map(|k| ((*k).to_owned(), hidden(&r.body, k)))
        .collect()
}

/// A notice of the Ba Đình chair, to mark read.
async fn chair_notice(app: &TestApp) -> i64 {
    let chair = app.person_id(BADINH).await;
    let mut tx = app.db.begin().await.expect("begin");
    khuyenhoc::notify::send(
        &mut tx,
        chair,
        khuyenhoc::notify::Notice::Text {
            vi: "Thông báo để đánh dấu đã đọc".into(),
            en: "A notice to mark read".into(),
        },
    )
    .await
    .expect("a notice");
    tx.commit().await.expect("commit");
    sqlx::query_scalar("SELECT MAX(id) FROM notices WHERE person_id = $1")
        .bind(chair)
        .fetch_one(&app.db.pool)
        .await
        .expect("the notice")
}
