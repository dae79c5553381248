//! The access matrix: every route of `khuyenhoc::web::routes::all()`, asked by four callers — an
//! officer whose scope covers the target, an officer of another province, a citizen without a
//! position and an anonymous visitor — with the exact answer expected of each.
//!
//! The targets lie in Hà Nội's Phường Ba Đình (commune `00004`, demo branch `00004-1`). The
//! in-scope officer is the Ba Đình chair, the central chair for `Access::Central` routes, and
//! the Hà Nội chair for moving a branch (a move needs rights over two communes). The
//! out-of-scope officer is the chair of Phường Hòa Bình in Phú Thọ.
//!
//! Pages are asked with a session cookie (forms carry the CSRF token), the API with a bearer
//! token. Every 404 must be the very same answer as for a target that does not exist, so an
//! out-of-scope caller learns nothing. Destructive actions act on branches, positions, people
//! and tokens made for the purpose, and each row asks the callers in the order anonymous,
//! citizen, out-of-scope, in-scope, so refused attempts come before the one that succeeds.

mod common;
use axum::http::Method;
use common::*;
use khuyenhoc::db::Backend;
use khuyenhoc::web::routes::{self, Access};
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anon,
    Citizen,
    Out,
    In,
}

/// The order in which every row asks its callers; `Row::expect` follows it.
const CALLERS: [Who; 4] = [Who::Anon, Who::Citizen, Who::Out, Who::In];

enum Payload {
    Empty,
    Form(Vec<(String, String)>),
    Json(serde_json::Value),
}

struct Req {
    path: String,
    payload: Payload,
    /// Ask with a new login instead of the caller's shared one, and log in anew afterwards
    /// (for logging out and changing the password, which may end the person's sessions).
    fresh: bool,
}

fn get(path: impl Into<String>) -> Req {
    Req {
        path: path.into(),
        payload: Payload::Empty,
        fresh: false,
    }
}

fn form(path: impl Into<String>, fields: &[(&str, &str)]) -> Req {
    Req {
        path: path.into(),
        payload: Payload::Form(
            fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        ),
        fresh: false,
    }
}

fn json(path: impl Into<String>, body: serde_json::Value) -> Req {
    Req {
        path: path.into(),
        payload: Payload::Json(body),
        fresh: false,
    }
}

/// The answer a cell expects: the status, and optionally where it redirects (a trailing `*`
/// matches any rest) and text the body must or must not contain.
#[derive(Clone, Copy, Debug)]
struct Expect {
    status: u16,
    location: Option<&'static str>,
    has: Option<&'static str>,
    lacks: Option<&'static str>,
}

const fn code(status: u16) -> Expect {
    Expect {
        status,
        location: None,
        has: None,
        lacks: None,
    }
}

const fn see(location: &'static str) -> Expect {
    Expect {
        status: 303,
        location: Some(location),
        has: None,
        lacks: None,
    }
}

impl Expect {
    const fn has(mut self, s: &'static str) -> Self {
        self.has = Some(s);
        self
    }
    const fn lacks(mut self, s: &'static str) -> Self {
        self.lacks = Some(s);
        self
    }
}

const OK: Expect = code(200);
const CREATED: Expect = code(201);
/// Not found, word for word the answer for a target that does not exist.
const NF: Expect = code(404);
/// An API request without credentials.
const UNAUTH: Expect = code(401);
/// A page asked without signing in sends the visitor to the login form.
const LOGIN: Expect = see("/login");

/// Objects made for the matrix before it runs.
struct Ctx {
    /// Branches of Ba Đình to close (page, API), rename (page, API) and move (page).
    close_page: String,
    close_api: String,
    rename_page: String,
    rename_api: String,
    move_page: String,
    /// A person of Ba Đình to read (the demo branch officer).
    read_person: i64,
    /// People of Ba Đình whose password is reset (page, API).
    reset_person: i64,
    reset_person_api: i64,
    /// A position of Ba Đình to read (the demo treasurer's).
    read_position: i64,
    /// Vacant positions of Ba Đình to hand over, and the people who receive them.
    handover_page: i64,
    handover_page_to: String,
    handover_api: i64,
    handover_api_to: i64,
    /// Held positions of Ba Đình to vacate.
    vacate_page: i64,
    vacate_api: i64,
    /// An API token of the Ba Đình chair to revoke.
    token: i64,
}

type Build = fn(&Ctx, &str) -> Req;

struct Row {
    key: &'static str,
    access: Access,
    /// The phone of the in-scope caller.
    inside: &'static str,
    /// The request, given the caller's phone (empty for the anonymous visitor).
    req: Build,
    /// Expected answers, in the order of `CALLERS`: anonymous, citizen, out-of-scope, in-scope.
    expect: [Expect; 4],
}

fn row(
    key: &'static str,
    access: Access,
    inside: &'static str,
    req: Build,
    expect: [Expect; 4],
) -> Row {
    Row {
        key,
        access,
        inside,
        req,
        expect,
    }
}

/// The matrix: one row per route.
#[allow(clippy::too_many_lines)]
fn matrix() -> Vec<Row> {
    use Access::*;
    vec![
        // Operations and public pages: the same answer for everybody.
        row(
            "GET /healthz",
            Public,
            BADINH,
            |_, _| get("/healthz"),
            [OK.has("ok"), OK.has("ok"), OK.has("ok"), OK.has("ok")],
        ),
        row(
            "GET /readyz",
            Public,
            BADINH,
            |_, _| get("/readyz"),
            [OK, OK, OK, OK],
        ),
        row(
            "GET /metrics",
            Public,
            BADINH,
            |_, _| get("/metrics"),
            [OK, OK, OK, OK],
        ),
        row(
            "GET /static/app.css",
            Public,
            BADINH,
            |_, _| get("/static/app.css"),
            [OK, OK, OK, OK],
        ),
        row(
            "GET /",
            Public,
            BADINH,
            |_, _| get("/"),
            [
                LOGIN,
                OK.has("Đỗ Thị Lan"),
                OK.has("Hoàng Văn Bình"),
                OK.has("Lê Văn Đình"),
            ],
        ),
        row(
            "GET /login",
            Public,
            BADINH,
            |_, _| get("/login"),
            [OK.has("password"), see("/"), see("/"), see("/")],
        ),
        row(
            "POST /login",
            Public,
            BADINH,
            // The visitor signs in as the citizen; signed-in callers sign in again as themselves.
            |_, phone| {
                let login = if phone.is_empty() { CITIZEN } else { phone };
                form("/login", &[("login", login), ("password", PASSWORD)])
            },
            [see("/"), see("/"), see("/"), see("/")],
        ),
        row(
            "POST /logout",
            Public,
            BADINH,
            |_, _| Req {
                fresh: true,
                ..form("/logout", &[])
            },
            [see("/login"), see("/login"), see("/login"), see("/login")],
        ),
        row(
            "GET /lang/{code}",
            Public,
            BADINH,
            |_, _| get("/lang/en?next=%2Funits"),
            [see("/units"), see("/units"), see("/units"), see("/units")],
        ),
        // The signed-in person's own account.
        row(
            "GET /account",
            SignedIn,
            BADINH,
            |_, _| get("/account"),
            [LOGIN, OK, OK, OK],
        ),
        row(
            "POST /account/password",
            SignedIn,
            BADINH,
            // The new password is the demo one again, so later logins still work; a changed
            // password may end the person's sessions, so this asks with a login of its own.
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
            [
                LOGIN,
                OK.has("Đã đổi mật khẩu"),
                OK.has("Đã đổi mật khẩu"),
                OK.has("Đã đổi mật khẩu"),
            ],
        ),
        row(
            "POST /account/tokens",
            SignedIn,
            BADINH,
            |_, _| form("/account/tokens", &[("name", "matrix")]),
            [LOGIN, OK.has("kh_"), OK.has("kh_"), OK.has("kh_")],
        ),
        row(
            "POST /account/tokens/{id}/revoke",
            SignedIn,
            BADINH,
            // Everybody tries to revoke the Ba Đình chair's token; only its owner may.
            |c, _| form(format!("/account/tokens/{}/revoke", c.token), &[]),
            [LOGIN, NF, NF, see("/account")],
        ),
        // Pages of the map.
        row(
            "GET /units",
            Officer,
            BADINH,
            |_, _| get("/units?q=ba+dinh&level=commune"),
            [
                LOGIN,
                NF,
                OK.lacks("Phường Ba Đình"),
                OK.has("Phường Ba Đình"),
            ],
        ),
        row(
            "GET /units/{code}",
            Officer,
            BADINH,
            |_, _| get("/units/00004"),
            [LOGIN, NF, NF, OK.has("Phường Ba Đình")],
        ),
        row(
            "POST /units/{code}/branches",
            Officer,
            BADINH,
            |_, _| {
                form(
                    "/units/00004/branches",
                    &[("name", "Chi hội Tổ dân phố số 20"), ("kind", "village")],
                )
            },
            [LOGIN, NF, NF, see("/units/00004-*")],
        ),
        row(
            "POST /units/{code}/rename",
            Officer,
            BADINH,
            |c, _| {
                form(
                    format!("/units/{}/rename", c.rename_page),
                    &[("name", "Chi hội Tổ dân phố số 21 (đổi tên)")],
                )
            },
            [LOGIN, NF, NF, see("/units/00004-*")],
        ),
        row(
            "POST /units/{code}/move",
            Officer,
            HANOI,
            // From Phường Ba Đình to Phường Ngọc Hà, both in Hà Nội.
            |c, _| {
                form(
                    format!("/units/{}/move", c.move_page),
                    &[("parent", "00008")],
                )
            },
            [LOGIN, NF, NF, see("/units/00004-*")],
        ),
        row(
            "POST /units/{code}/close",
            Officer,
            BADINH,
            |c, _| form(format!("/units/{}/close", c.close_page), &[]),
            [LOGIN, NF, NF, see("/units/00004-*")],
        ),
        row(
            "POST /units/{code}/positions",
            Officer,
            BADINH,
            |_, _| {
                form(
                    "/units/00004/positions",
                    &[
                        ("type", "vice_chair"),
                        ("title", "Phó Chủ tịch thường trực"),
                    ],
                )
            },
            [LOGIN, NF, NF, see("/positions/*")],
        ),
        row(
            "GET /units/{code}/people/new",
            Officer,
            BADINH,
            |_, _| get("/units/00004/people/new"),
            [LOGIN, NF, NF, OK.has("Phường Ba Đình")],
        ),
        row(
            "POST /units/{code}/people",
            Officer,
            BADINH,
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
            [LOGIN, NF, NF, see("/people/*")],
        ),
        row(
            "GET /people/{id}",
            Officer,
            BADINH,
            |c, _| get(format!("/people/{}", c.read_person)),
            [LOGIN, NF, NF, OK.has("Phạm Thị Hoa")],
        ),
        row(
            "POST /people/{id}/reset-password",
            Officer,
            BADINH,
            |c, _| form(format!("/people/{}/reset-password", c.reset_person), &[]),
            [LOGIN, NF, NF, OK.has("Mật khẩu tạm thời")],
        ),
        row(
            "GET /positions/{id}",
            Officer,
            BADINH,
            |c, _| get(format!("/positions/{}", c.read_position)),
            [LOGIN, NF, NF, OK.has("Vũ Minh Tuấn")],
        ),
        row(
            "POST /positions/{id}/handover",
            Officer,
            BADINH,
            |c, _| {
                form(
                    format!("/positions/{}/handover", c.handover_page),
                    &[("phone", c.handover_page_to.as_str())],
                )
            },
            [LOGIN, NF, NF, see("/positions/*")],
        ),
        row(
            "POST /positions/{id}/vacate",
            Officer,
            BADINH,
            |c, _| form(format!("/positions/{}/vacate", c.vacate_page), &[]),
            [LOGIN, NF, NF, see("/positions/*")],
        ),
        row(
            "GET /position-types",
            Officer,
            BADINH,
            |_, _| get("/position-types"),
            [LOGIN, NF, OK.has("vice_chair"), OK.has("vice_chair")],
        ),
        row(
            "POST /position-types",
            Central,
            CENTRAL,
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
            [LOGIN, NF, NF, see("/position-types")],
        ),
        row(
            "GET /audit",
            Officer,
            BADINH,
            |_, _| get("/audit?entity=unit&entity_id=00004-1"),
            [
                LOGIN,
                NF,
                OK.lacks("Chi hội Tổ dân phố số 1"),
                OK.has("Chi hội Tổ dân phố số 1"),
            ],
        ),
        row(
            "GET /clusters",
            Officer,
            BADINH,
            |_, _| get("/clusters"),
            [LOGIN, NF, OK.has("DEMO-1"), OK.has("DEMO-1")],
        ),
        row(
            "POST /clusters",
            Central,
            CENTRAL,
            |_, _| {
                form(
                    "/clusters",
                    &[("code", "MATRIX-1"), ("name", "Cụm thi đua thử nghiệm")],
                )
            },
            [LOGIN, NF, NF, see("/clusters")],
        ),
        row(
            "POST /clusters/{code}/members",
            Central,
            CENTRAL,
            // Cao Bằng joins the demo cluster.
            |_, _| form("/clusters/DEMO-1/members", &[("province", "04")]),
            [LOGIN, NF, NF, see("/clusters")],
        ),
        // The JSON API.
        row(
            "GET /api/v1/openapi.json",
            Public,
            BADINH,
            |_, _| get("/api/v1/openapi.json"),
            [
                OK.has("openapi"),
                OK.has("openapi"),
                OK.has("openapi"),
                OK.has("openapi"),
            ],
        ),
        row(
            "GET /api/v1/me",
            SignedIn,
            BADINH,
            |_, _| get("/api/v1/me"),
            [
                UNAUTH,
                OK.has("Đỗ Thị Lan"),
                OK.has("\"unit_code\":\"04795\""),
                OK.has("\"unit_code\":\"00004\""),
            ],
        ),
        row(
            "GET /api/v1/units",
            Officer,
            BADINH,
            |_, _| get("/api/v1/units?level=commune&q=ba%20dinh"),
            [
                UNAUTH,
                NF,
                OK.has("\"total\":0"),
                OK.has("\"code\":\"00004\""),
            ],
        ),
        row(
            "GET /api/v1/units/{code}",
            Officer,
            BADINH,
            |_, _| get("/api/v1/units/00004"),
            [UNAUTH, NF, NF, OK.has("Phường Ba Đình")],
        ),
        row(
            "PATCH /api/v1/units/{code}",
            Officer,
            BADINH,
            |c, _| {
                json(
                    format!("/api/v1/units/{}", c.rename_api),
                    serde_json::json!({"name": "Chi hội Tổ dân phố số 22 (đổi tên)"}),
                )
            },
            [UNAUTH, NF, NF, OK.has("(đổi tên)")],
        ),
        row(
            "POST /api/v1/units/{code}/branches",
            Officer,
            BADINH,
            |_, _| {
                json(
                    "/api/v1/units/00004/branches",
                    serde_json::json!({"name": "Chi hội Tổ dân phố số 23", "kind": "village"}),
                )
            },
            [UNAUTH, NF, NF, CREATED.has("\"parent_code\":\"00004\"")],
        ),
        row(
            "POST /api/v1/units/{code}/close",
            Officer,
            BADINH,
            |c, _| {
                json(
                    format!("/api/v1/units/{}/close", c.close_api),
                    serde_json::json!({}),
                )
            },
            [UNAUTH, NF, NF, OK.has("\"valid_to\":\"")],
        ),
        row(
            "GET /api/v1/units/{code}/positions",
            Officer,
            BADINH,
            |_, _| get("/api/v1/units/00004/positions"),
            [UNAUTH, NF, NF, OK.has("Lê Văn Đình")],
        ),
        row(
            "POST /api/v1/units/{code}/positions",
            Officer,
            BADINH,
            |_, _| {
                json(
                    "/api/v1/units/00004/positions",
                    serde_json::json!({"type": "vice_chair", "title": "Phó Chủ tịch phụ trách học tập"}),
                )
            },
            [UNAUTH, NF, NF, CREATED.has("\"type_code\":\"vice_chair\"")],
        ),
        row(
            "POST /api/v1/units/{code}/people",
            Officer,
            BADINH,
            |_, _| {
                json(
                    "/api/v1/units/00004/people",
                    serde_json::json!({"full_name": "Quách Thị Nga", "phone": "0912000102", "birth_year": "1988"}),
                )
            },
            [UNAUTH, NF, NF, CREATED.has("Quách Thị Nga")],
        ),
        row(
            "GET /api/v1/people/{id}",
            Officer,
            BADINH,
            |c, _| get(format!("/api/v1/people/{}", c.read_person)),
            [UNAUTH, NF, NF, OK.has("Phạm Thị Hoa")],
        ),
        row(
            "POST /api/v1/people/{id}/reset-password",
            Officer,
            BADINH,
            |c, _| {
                json(
                    format!("/api/v1/people/{}/reset-password", c.reset_person_api),
                    serde_json::json!({}),
                )
            },
            [UNAUTH, NF, NF, OK.has("\"temporary_password\":\"")],
        ),
        row(
            "GET /api/v1/positions/{id}",
            Officer,
            BADINH,
            |c, _| get(format!("/api/v1/positions/{}", c.read_position)),
            [UNAUTH, NF, NF, OK.has("Vũ Minh Tuấn")],
        ),
        row(
            "GET /api/v1/positions/{id}/holders",
            Officer,
            BADINH,
            |c, _| get(format!("/api/v1/positions/{}/holders", c.read_position)),
            [UNAUTH, NF, NF, OK.has("Vũ Minh Tuấn")],
        ),
        row(
            "POST /api/v1/positions/{id}/handover",
            Officer,
            BADINH,
            |c, _| {
                json(
                    format!("/api/v1/positions/{}/handover", c.handover_api),
                    serde_json::json!({"person_id": c.handover_api_to}),
                )
            },
            [UNAUTH, NF, NF, OK.has("Mạc Văn Tùng")],
        ),
        row(
            "POST /api/v1/positions/{id}/vacate",
            Officer,
            BADINH,
            |c, _| {
                json(
                    format!("/api/v1/positions/{}/vacate", c.vacate_api),
                    serde_json::json!({}),
                )
            },
            [UNAUTH, NF, NF, OK.has("\"holder\":null")],
        ),
        row(
            "GET /api/v1/position-types",
            Officer,
            BADINH,
            |_, _| get("/api/v1/position-types"),
            [UNAUTH, NF, OK.has("vice_chair"), OK.has("vice_chair")],
        ),
        row(
            "POST /api/v1/position-types",
            Central,
            CENTRAL,
            |_, _| {
                json(
                    "/api/v1/position-types",
                    serde_json::json!({"code": "uy_vien", "name_vi": "Ủy viên", "name_en": "Member", "permissions": ["audit.read"]}),
                )
            },
            [UNAUTH, NF, NF, CREATED.has("\"code\":\"uy_vien\"")],
        ),
        row(
            "GET /api/v1/audit",
            Officer,
            BADINH,
            |_, _| get("/api/v1/audit?entity=unit&entity_id=00004-1"),
            [
                UNAUTH,
                NF,
                OK.lacks("00004-1"),
                OK.has("\"action\":\"open\""),
            ],
        ),
        row(
            "GET /api/v1/clusters",
            Officer,
            BADINH,
            |_, _| get("/api/v1/clusters"),
            [UNAUTH, NF, OK.has("DEMO-1"), OK.has("DEMO-1")],
        ),
        row(
            "POST /api/v1/clusters",
            Central,
            CENTRAL,
            |_, _| {
                json(
                    "/api/v1/clusters",
                    serde_json::json!({"code": "MATRIX-2", "name": "Cụm thi đua thử nghiệm qua API"}),
                )
            },
            [UNAUTH, NF, NF, CREATED],
        ),
        row(
            "POST /api/v1/clusters/{code}/members",
            Central,
            CENTRAL,
            // Tuyên Quang joins the demo cluster.
            |_, _| {
                json(
                    "/api/v1/clusters/DEMO-1/members",
                    serde_json::json!({"province": "08"}),
                )
            },
            [UNAUTH, NF, NF, code(204)],
        ),
    ]
}

fn route_key(method: &Method, path: &str) -> String {
    format!("{method} {path}")
}

#[test]
fn matrix_covers_every_route() {
    let table: BTreeMap<&str, Access> = matrix().iter().map(|r| (r.key, r.access)).collect();
    assert_eq!(
        table.len(),
        matrix().len(),
        "a route appears twice in the matrix"
    );
    let routes: BTreeMap<String, Access> = routes::all()
        .iter()
        .map(|r| (route_key(&r.method, r.path), r.access))
        .collect();
    let in_table: BTreeSet<String> = table.keys().map(|k| (*k).to_owned()).collect();
    let in_routes: BTreeSet<String> = routes.keys().cloned().collect();
    let missing: Vec<_> = in_routes.difference(&in_table).collect();
    let stale: Vec<_> = in_table.difference(&in_routes).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "routes without a matrix row: {missing:?}; matrix rows without a route: {stale:?}"
    );
    for (key, access) in &table {
        assert_eq!(
            routes.get(*key),
            Some(access),
            "{key}: the matrix and the route table disagree on the access rule"
        );
    }
    // The rows agree with the rules: non-public pages send visitors to the login form, the
    // API answers 401; a citizen gets 404 from officer routes.
    for r in matrix() {
        let api = r.key.contains(" /api/");
        let [anon, citizen, out, _] = r.expect;
        if r.access != Access::Public {
            if api {
                assert_eq!(anon.status, 401, "{}", r.key);
            } else {
                assert_eq!(
                    (anon.status, anon.location),
                    (303, Some("/login")),
                    "{}",
                    r.key
                );
            }
        }
        if matches!(r.access, Access::Officer | Access::Central) {
            assert_eq!(citizen.status, 404, "{}", r.key);
            assert!(
                out.status == 404 || out.status == 200,
                "{}: an out-of-scope officer gets 404, or a list of their own scope",
                r.key
            );
        }
    }
}

fn matches_location(pattern: &str, actual: Option<&str>) -> bool {
    match (pattern.strip_suffix('*'), actual) {
        (Some(prefix), Some(a)) => a.starts_with(prefix),
        (None, Some(a)) => a == pattern,
        (_, None) => false,
    }
}

fn short(body: &str) -> String {
    let one_line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    one_line.chars().take(400).collect()
}

/// The Ba Đình chair's API client, for setting up.
async fn api_ok(
    app: &TestApp,
    c: &mut Client,
    method: &str,
    path: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    let r = app.json(c, method, path, body).await;
    assert!(
        r.status.is_success(),
        "setup {method} {path}: {} {}",
        r.status,
        r.body
    );
    r.json()
}

async fn open_branch(app: &TestApp, c: &mut Client, name: &str) -> String {
    let j = api_ok(
        app,
        c,
        "POST",
        "/api/v1/units/00004/branches",
        serde_json::json!({"name": name, "kind": "village"}),
    )
    .await;
    j["code"].as_str().expect("branch code").to_owned()
}

async fn register(app: &TestApp, c: &mut Client, name: &str, phone: &str) -> i64 {
    let j = api_ok(
        app,
        c,
        "POST",
        "/api/v1/units/00004/people",
        serde_json::json!({"full_name": name, "phone": phone, "password": PASSWORD}),
    )
    .await;
    j["id"].as_i64().expect("person id")
}

async fn new_position(app: &TestApp, c: &mut Client) -> i64 {
    let j = api_ok(
        app,
        c,
        "POST",
        "/api/v1/units/00004/positions",
        serde_json::json!({"type": "vice_chair"}),
    )
    .await;
    j["id"].as_i64().expect("position id")
}

async fn setup(app: &TestApp) -> Ctx {
    let mut c = app.api_client(BADINH).await;
    let close_page = open_branch(app, &mut c, "Chi hội để đóng qua trang").await;
    let close_api = open_branch(app, &mut c, "Chi hội để đóng qua API").await;
    let rename_page = open_branch(app, &mut c, "Chi hội để đổi tên qua trang").await;
    let rename_api = open_branch(app, &mut c, "Chi hội để đổi tên qua API").await;
    let move_page = open_branch(app, &mut c, "Chi hội để chuyển").await;
    let reset_person = register(app, &mut c, "Kiều Văn Sơn", "0912000001").await;
    let reset_person_api = register(app, &mut c, "Phan Thị Xuân", "0912000006").await;
    let handover_page_to = "0912000002".to_owned();
    register(app, &mut c, "Lạc Thị Yến", &handover_page_to).await;
    let handover_api_to = register(app, &mut c, "Mạc Văn Tùng", "0912000003").await;
    let holder_page = register(app, &mut c, "Nông Thị Vân", "0912000004").await;
    let holder_api = register(app, &mut c, "Ông Văn Trí", "0912000005").await;
    let handover_page = new_position(app, &mut c).await;
    let handover_api = new_position(app, &mut c).await;
    let vacate_page = new_position(app, &mut c).await;
    let vacate_api = new_position(app, &mut c).await;
    for (pos, person) in [(vacate_page, holder_page), (vacate_api, holder_api)] {
        api_ok(
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
    Ctx {
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
    }
}

/// Shared signed-in clients, one per phone and kind (session cookie or API token).
#[derive(Default)]
struct Clients {
    pages: HashMap<&'static str, Client>,
    apis: HashMap<&'static str, Client>,
}

impl Clients {
    async fn of(&mut self, app: &TestApp, phone: &'static str, api: bool) -> Client {
        let map = if api { &mut self.apis } else { &mut self.pages };
        if !map.contains_key(phone) {
            let c = if api {
                app.api_client(phone).await
            } else {
                app.login(phone).await
            };
            map.insert(phone, c);
        }
        map.get(phone).cloned().expect("client just made")
    }
}

async fn send(app: &TestApp, c: &mut Client, method: &str, req: &Req) -> Resp {
    match (&req.payload, method) {
        (Payload::Empty, "GET") => app.get(c, &req.path).await,
        (Payload::Empty, _) => {
            if req.path.starts_with("/api/") {
                app.json(c, method, &req.path, serde_json::json!({})).await
            } else {
                app.post_form(c, &req.path, &[]).await
            }
        }
        (Payload::Form(fields), _) => {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (&**k, &**v)).collect();
            app.post_form(c, &req.path, &f).await
        }
        (Payload::Json(body), _) => app.json(c, method, &req.path, body.clone()).await,
    }
}

both_backends!(every_route_answers_each_caller, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let ctx = setup(&app).await;
    let mut clients = Clients::default();
    // What "not found" looks like for a target that does not exist at all.
    let mut page = clients.of(&app, BADINH, false).await;
    let nf_page = app.get(&mut page, "/units/99999").await;
    assert_eq!(nf_page.status.as_u16(), 404);
    let mut api = clients.of(&app, BADINH, true).await;
    let nf_api = app.get(&mut api, "/api/v1/units/99999").await;
    assert_eq!(nf_api.status.as_u16(), 404);

    let mut failures = vec![];
    let mut cells = 0;
    for r in matrix() {
        let (method, path) = r.key.split_once(' ').expect("METHOD path");
        let is_api = path.starts_with("/api/");
        for (who, want) in CALLERS.iter().zip(r.expect) {
            let phone = match who {
                Who::Anon => "",
                Who::Citizen => CITIZEN,
                Who::Out => HOABINH,
                Who::In => r.inside,
            };
            let req = (r.req)(&ctx, phone);
            let mut client = match (phone, req.fresh) {
                ("", _) => Client::default(),
                (p, true) if is_api => app.api_client(p).await,
                (p, true) => app.login(p).await,
                (p, false) => clients.of(&app, p, is_api).await,
            };
            let got = send(&app, &mut client, method, &req).await;
            if req.fresh {
                clients.pages.remove(phone);
            }
            cells += 1;
            let mut wrong = vec![];
            if got.status.as_u16() != want.status {
                wrong.push(format!("status {} (expected {})", got.status, want.status));
            }
            if let Some(l) = want.location {
                if !matches_location(l, got.location()) {
                    wrong.push(format!("location {:?} (expected {l})", got.location()));
                }
            }
            if let Some(s) = want.has {
                if !got.body.contains(s) {
                    wrong.push(format!("body lacks {s:?}"));
                }
            }
            if let Some(s) = want.lacks {
                if got.body.contains(s) {
                    wrong.push(format!("body reveals {s:?}"));
                }
            }
            if want.status == 404 && got.status.as_u16() == 404 {
                let reference = if is_api { &nf_api } else { &nf_page };
                if got.body != reference.body {
                    wrong.push("the 404 differs from the one for a missing target".into());
                }
            }
            if !wrong.is_empty() {
                failures.push(format!(
                    "{} {} as {who:?} ({}): {} — body: {}",
                    method,
                    req.path,
                    if phone.is_empty() { "anonymous" } else { phone },
                    wrong.join("; "),
                    short(&got.body)
                ));
            }
        }
    }
    assert_eq!(cells, 4 * routes::all().len());

    // The refused attempts changed nothing before the in-scope caller acted: each destructive
    // action happened exactly once, by the in-scope officer.
    let counts: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT entity, action, COUNT(*) FROM audit_log WHERE action IN ('close', 'handover', 'vacate', 'reset_password') \
         AND person_id IS NOT NULL GROUP BY entity, action ORDER BY entity, action",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("audit counts");
    let counts: Vec<(&str, &str, i64)> = counts
        .iter()
        .map(|(e, a, n)| (e.as_str(), a.as_str(), *n))
        .collect();
    // Two handovers were set up; the matrix made two more.
    let expected = [
        ("person", "reset_password", 2),
        ("position", "handover", 2 + 2),
        ("position", "vacate", 2),
        ("unit", "close", 2),
    ];
    if counts != expected {
        failures.push(format!(
            "destructive actions in the audit log: {counts:?}, expected {expected:?}"
        ));
    }
    // Their own account (password, tokens) aside, nothing was done in their name.
    let outsider = app.person_id(HOABINH).await;
    let citizen = app.person_id(CITIZEN).await;
    let theirs: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE person_id IN ($1, $2) AND position_id IS NOT NULL",
    )
    .bind(outsider)
    .bind(citizen)
    .fetch_one(&app.db.pool)
    .await
    .expect("count");
    if theirs != 0 {
        failures.push(format!(
            "{theirs} audit entries name the outsider or the citizen acting in a position"
        ));
    }
    assert!(
        failures.is_empty(),
        "{} of {cells} cells answered wrongly:\n{}",
        failures.len(),
        failures.join("\n")
    );
});
