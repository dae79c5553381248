//! The access matrix: every route of `khuyenhoc::web::routes::all()`, asked by four callers — an
//! officer whose scope covers the target, an officer of another province, a citizen without a
//! position and an anonymous visitor — with the exact answer expected of each.
//!
//! The targets lie in Hà Nội's Phường Ba Đình (commune `00004`, demo branch `00004-1`). The
//! in-scope officer is the Ba Đình chair, the central chair for `Access::Central` routes, and
//! the Hà Nội chair for moving a branch (a move needs rights over two communes) and for criteria
//! sets (province variants need a province position with `criteria.manage`). The out-of-scope
//! officer is the chair of Phường Hòa Bình in Phú Thọ.
//!
//! The citizen is the subject of the learning-model targets (her evaluations, her certificate,
//! the families she heads): signed-in routes work for her there, officer routes answer 404 even
//! on her own evaluation.
//!
//! Pages are asked with a session cookie (forms carry the CSRF token, uploads send it in a
//! header), the API with a bearer token. Every 404 must be the very same answer as for a target
//! that does not exist, so an out-of-scope caller learns nothing. Destructive actions act on
//! objects made for the purpose (branches, positions, people, tokens, evaluations,
//! certificates, criteria drafts, workbooks, ledger entries, programmes), and each row asks the
//! callers in the order anonymous, citizen, out-of-scope, in-scope, so refused attempts come
//! before the one that succeeds; the end of the test checks that each such action happened
//! exactly once, by the caller meant to succeed.

mod common;
#[path = "access/members.rs"]
mod members_rows;
#[path = "access/reports.rs"]
mod reports_rows;
use axum::body::Body;
use axum::http::{header, Method, Request};
use common::*;
use http_body_util::BodyExt;
use khuyenhoc::db::Backend;
use khuyenhoc::web::routes::{self, Access};
use std::collections::{BTreeMap, HashMap};
use tower::ServiceExt;

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
    Multipart(Vec<Part>),
}

/// One part of a multipart form: a field, or a file when `file` gives its name and type.
struct Part {
    name: &'static str,
    file: Option<(&'static str, &'static str)>,
    bytes: Vec<u8>,
}

fn field(name: &'static str, value: &str) -> Part {
    Part {
        name,
        file: None,
        bytes: value.as_bytes().to_vec(),
    }
}

fn file(
    name: &'static str,
    file_name: &'static str,
    content_type: &'static str,
    bytes: Vec<u8>,
) -> Part {
    Part {
        name,
        file: Some((file_name, content_type)),
        bytes,
    }
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

/// A multipart form (a file upload).
fn upload(path: impl Into<String>, parts: Vec<Part>) -> Req {
    Req {
        path: path.into(),
        payload: Payload::Multipart(parts),
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
#[derive(Default)]
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
    // Learning models, all in branch 00004-1 (made by `learning_setup`).
    /// The citizen's open evaluation of this year, to read and answer, and a PDF attached to it.
    eval: i64,
    evidence: i64,
    /// The certificate of her evaluation of last year, recognised today as reviews after the
    /// year's end are (a one-year title: its validity ended before the decision).
    cert: String,
    /// Her family's evaluations, complete, which she submits as the family's head (page, API).
    own_submit_page: i64,
    own_submit_api: i64,
    /// Other people's evaluations: complete, to submit; submitted, to check and to return;
    /// checked, to recognise (page, API).
    submit_page: i64,
    submit_api: i64,
    check_page: i64,
    check_api: i64,
    return_page: i64,
    return_api: i64,
    review_page: i64,
    review_api: i64,
    /// Certificates of other people, to revoke (page, API).
    revoke_page: String,
    revoke_api: String,
    /// People without an evaluation this year, registered by phone (page) and by id (API).
    register_phone: String,
    register_api: i64,
    /// The families the citizen heads: one to read and add members to, one to register.
    family: i64,
    family2: i64,
    /// People added to the family by the citizen and by the officer.
    member_by_citizen: String,
    member_by_officer: String,
    /// The head of the family the officer creates.
    head_phone: String,
    /// The national family set to copy; Hà Nội's draft citizen variant (read, edited with its
    /// own text) and draft clan variant (made effective).
    national_family: i64,
    draft: i64,
    draft_source: String,
    draft_to_activate: i64,
    /// A workbook to preview, and the confirm form of another one previewed in setup.
    workbook: Vec<u8>,
    confirm: Vec<(String, String)>,
    // Funds of Phường Ba Đình (made by `funds_setup`).
    /// The fund to read and post to, a receipt in it (with a voucher), and receipts to reverse
    /// (page, API).
    fund: i64,
    receipt: i64,
    reverse_page: i64,
    reverse_api: i64,
    /// A public fund: it receives the transfers and has a transparency page.
    fund2: i64,
    /// A fund whose public page is switched on.
    fund_to_publish: i64,
    /// Programmes of the fund: one open for nominations (read, nominated to); nominations of
    /// another to decide (page, API); rounds with a selected recipient to pay (page, API);
    /// rounds to publish (page, API); a published round whose recipient is a minor.
    programme: i64,
    nomination_page: i64,
    nomination_api: i64,
    pay_page: i64,
    pay_api: i64,
    publish_page: i64,
    publish_api: i64,
    published: i64,
    members: members_rows::CtxMembers,
    reports: reports_rows::CtxReports,
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
fn matrix() -> Vec<Row> {
    let mut rows = map_rows();
    rows.extend(learning_rows());
    rows.extend(learning_api_rows());
    rows.extend(criteria_rows());
    rows.extend(group_rows());
    rows.extend(batch_rows());
    rows.extend(fund_rows());
    rows.extend(members_rows::rows());
    rows.extend(reports_rows::rows());
    rows
}

/// Operations, accounts, the map, positions, the audit log and clusters.
#[allow(clippy::too_many_lines)]
fn map_rows() -> Vec<Row> {
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
            // Only for configured addresses or the metrics token (tests/security.rs): a request
            // with no socket address is nobody's.
            |_, _| get("/metrics"),
            [code(403), code(403), code(403), code(403)],
        ),
        row(
            "GET /static/app.css",
            Public,
            BADINH,
            |_, _| get("/static/app.css"),
            [OK, OK, OK, OK],
        ),
        row(
            "GET /static/app.js",
            Public,
            BADINH,
            |_, _| get("/static/app.js"),
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
        row(
            "POST /account/password",
            SignedIn,
            BADINH,
            // The new password is the demo one again, so later logins still work; a changed
            // password ends the person's other sessions and revokes their API tokens, so this asks with
            // a login of its own, after the token rows, and every client of theirs is made anew.
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

/// The citizen's name, shown in full to herself and to officers in scope.
const CITIZEN_NAME: &str = "Đỗ Thị Lan";
/// Her name as a certificate shows it to anyone.
const CITIZEN_MASKED: &str = "Đỗ T. L.";
/// The family she heads.
const FAMILY: &str = "Gia đình bà Đỗ Thị Lan";
/// A draft criteria set in the JSON API.
const DRAFT: &str = "\"status\":\"draft\"";
/// The learning page of someone who never registered.
const NOT_YET: &str = "Bạn chưa đăng ký năm nào";
/// A PDF answer.
const PDF: Expect = OK.has("%PDF");
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A year counted from this one.
fn year_n(offset: i64) -> i64 {
    i64::from(this_year()) + offset
}

/// A year counted from this one, as a form field.
fn year(offset: i64) -> String {
    year_n(offset).to_string()
}

/// Learning models through the pages. Unless a row says otherwise, the target is the citizen's
/// open evaluation of this year in branch 00004-1, and the in-scope officer the Ba Đình chair.
/// Where a signed-in action succeeds for the citizen and cannot be repeated, she acts on an
/// object of her own (her family's evaluation, next year's registration) and the officers on
/// another of the same kind.
#[allow(clippy::too_many_lines)]
fn learning_rows() -> Vec<Row> {
    use Access::*;
    vec![
        row(
            "GET /learning",
            SignedIn,
            BADINH,
            |_, _| get("/learning"),
            [
                LOGIN,
                OK.has("Đã được công nhận"),
                OK.has(NOT_YET),
                OK.has(NOT_YET),
            ],
        ),
        row(
            "POST /learning/register",
            SignedIn,
            BADINH,
            // Everyone registers themself: the citizen for next year (she holds this year's and
            // last year's), the officers for this year.
            |_, phone| {
                let y = year(if phone == CITIZEN { 1 } else { 0 });
                form(
                    "/learning/register",
                    &[("form_group", "farmer"), ("year", &y)],
                )
            },
            [
                LOGIN,
                see("/evaluations/*"),
                see("/evaluations/*"),
                see("/evaluations/*"),
            ],
        ),
        row(
            "GET /evaluations/{id}",
            SignedIn,
            BADINH,
            |c, _| get(format!("/evaluations/{}", c.eval)),
            [LOGIN, OK.has(CITIZEN_NAME), NF, OK.has(CITIZEN_NAME)],
        ),
        row(
            "GET /evaluations/{id}/groups/{n}",
            SignedIn,
            BADINH,
            |c, _| get(format!("/evaluations/{}/groups/1", c.eval)),
            [LOGIN, OK.has("a_reads"), NF, OK.has("a_reads")],
        ),
        row(
            "POST /evaluations/{id}/groups/{n}",
            SignedIn,
            BADINH,
            |c, _| {
                form(
                    format!("/evaluations/{}/groups/1", c.eval),
                    &[("a_reads", "8")],
                )
            },
            [LOGIN, see("/evaluations/*"), NF, see("/evaluations/*")],
        ),
        row(
            "POST /evaluations/{id}/evidence",
            SignedIn,
            BADINH,
            |c, _| {
                upload(
                    format!("/evaluations/{}/evidence", c.eval),
                    vec![
                        field("indicator", "reads"),
                        field("note", "Đọc báo mỗi sáng"),
                    ],
                )
            },
            [LOGIN, see("/evaluations/*"), NF, see("/evaluations/*")],
        ),
        row(
            "GET /evidence/{id}",
            SignedIn,
            BADINH,
            |c, _| get(format!("/evidence/{}", c.evidence)),
            [LOGIN, PDF, NF, PDF],
        ),
        row(
            "GET /evaluations/{id}/all",
            Officer,
            BADINH,
            |c, _| get(format!("/evaluations/{}/all", c.eval)),
            [LOGIN, NF, NF, OK.has("a_cooperation")],
        ),
        row(
            "POST /evaluations/{id}/all",
            Officer,
            BADINH,
            |c, _| form(format!("/evaluations/{}/all", c.eval), &[("a_reads", "9")]),
            [LOGIN, NF, NF, see("/evaluations/*")],
        ),
        row(
            "POST /evaluations/{id}/submit",
            SignedIn,
            BADINH,
            // The citizen submits her family's evaluation as its head.
            |c, phone| {
                let id = if phone == CITIZEN {
                    c.own_submit_page
                } else {
                    c.submit_page
                };
                form(format!("/evaluations/{id}/submit"), &[])
            },
            [LOGIN, see("/evaluations/*"), NF, see("/evaluations/*")],
        ),
        row(
            "POST /evaluations/{id}/check",
            Officer,
            BADINH,
            |c, _| {
                form(
                    format!("/evaluations/{}/check", c.check_page),
                    &[("note", "Đã đối chiếu với phiếu giấy")],
                )
            },
            [LOGIN, NF, NF, see("/evaluations/*")],
        ),
        row(
            "POST /evaluations/{id}/return",
            Officer,
            BADINH,
            |c, _| {
                form(
                    format!("/evaluations/{}/return", c.return_page),
                    &[("reason", "Cần bổ sung minh chứng")],
                )
            },
            [LOGIN, NF, NF, see("/evaluations/*")],
        ),
        row(
            "GET /evaluations/{id}/review",
            Officer,
            BADINH,
            |c, _| get(format!("/evaluations/{}/review", c.eval)),
            [LOGIN, NF, NF, OK.has(CITIZEN_NAME)],
        ),
        row(
            "POST /evaluations/{id}/review",
            Officer,
            BADINH,
            |c, _| {
                let date = today();
                form(
                    format!("/evaluations/{}/review", c.review_page),
                    &[
                        ("decision", "recognise"),
                        ("decision_no", "11/QĐ-KH"),
                        ("decision_date", &date),
                    ],
                )
            },
            [LOGIN, NF, NF, see("/evaluations/*")],
        ),
        row(
            "GET /units/{code}/evaluations",
            Officer,
            BADINH,
            |_, _| get("/units/00004-1/evaluations"),
            [LOGIN, NF, NF, OK.has(CITIZEN_NAME)],
        ),
        row(
            "POST /units/{code}/evaluations",
            Officer,
            BADINH,
            |c, _| {
                let y = year(0);
                form(
                    "/units/00004-1/evaluations",
                    &[
                        ("phone", c.register_phone.as_str()),
                        ("form_group", "worker"),
                        ("year", &y),
                    ],
                )
            },
            [LOGIN, NF, NF, see("/evaluations/*")],
        ),
        row(
            "GET /certificates/{code}/pdf",
            SignedIn,
            BADINH,
            |c, _| get(format!("/certificates/{}/pdf", c.cert)),
            [LOGIN, PDF, NF, PDF],
        ),
        row(
            "GET /certificates/{code}/credential",
            SignedIn,
            BADINH,
            |c, _| get(format!("/certificates/{}/credential", c.cert)),
            [
                LOGIN,
                OK.has("OpenBadgeCredential"),
                NF,
                OK.has("OpenBadgeCredential"),
            ],
        ),
        row(
            "POST /certificates/{code}/revoke",
            Officer,
            BADINH,
            |c, _| {
                form(
                    format!("/certificates/{}/revoke", c.revoke_page),
                    &[("reason", "Cấp nhầm người")],
                )
            },
            [LOGIN, NF, NF, see("/evaluations/*")],
        ),
        row(
            "GET /verify/{code}",
            Public,
            BADINH,
            // Anyone verifies, and sees the holder's name masked (the citizen's own name is in
            // the header of her pages).
            |c, _| get(format!("/verify/{}", c.cert)),
            [
                OK.has(CITIZEN_MASKED).lacks(CITIZEN_NAME),
                OK.has(CITIZEN_MASKED),
                OK.has(CITIZEN_MASKED).lacks(CITIZEN_NAME),
                OK.has(CITIZEN_MASKED).lacks(CITIZEN_NAME),
            ],
        ),
    ]
}

/// Learning models through the JSON API; targets as for the pages, each made for its row. The
/// criteria sets are read by the Hà Nội chair, whose province owns the draft variant.
#[allow(clippy::too_many_lines)]
fn learning_api_rows() -> Vec<Row> {
    use Access::*;
    vec![
        row(
            "GET /api/v1/criteria",
            SignedIn,
            HANOI,
            |_, _| get("/api/v1/criteria"),
            [UNAUTH, OK.lacks(DRAFT), OK.lacks(DRAFT), OK.has(DRAFT)],
        ),
        row(
            "GET /api/v1/criteria/{id}",
            SignedIn,
            HANOI,
            |c, _| get(format!("/api/v1/criteria/{}", c.draft)),
            [UNAUTH, NF, NF, OK.has(DRAFT)],
        ),
        row(
            "POST /api/v1/evaluations",
            SignedIn,
            BADINH,
            // The citizen registers her second family, as its head; the officers a person of
            // branch 00004-1.
            |c, phone| {
                let body = if phone == CITIZEN {
                    serde_json::json!({"model": "family", "subject": {"group_id": c.family2}, "year": year_n(0)})
                } else {
                    serde_json::json!({"model": "citizen", "subject": {"person_id": c.register_api}, "year": year_n(0), "form_group": "farmer"})
                };
                json("/api/v1/evaluations", body)
            },
            [
                UNAUTH,
                CREATED.has("\"model\":\"family\""),
                NF,
                CREATED.has("\"model\":\"citizen\""),
            ],
        ),
        row(
            "GET /api/v1/evaluations",
            Officer,
            BADINH,
            |_, _| get("/api/v1/evaluations?unit=00004-1"),
            [UNAUTH, NF, NF, OK.has(CITIZEN_NAME)],
        ),
        row(
            "GET /api/v1/me/evaluations",
            SignedIn,
            BADINH,
            |_, _| get("/api/v1/me/evaluations"),
            [
                UNAUTH,
                OK.has(CITIZEN_NAME),
                OK.lacks(CITIZEN_NAME),
                OK.lacks(CITIZEN_NAME),
            ],
        ),
        row(
            "GET /api/v1/evaluations/{id}",
            SignedIn,
            BADINH,
            |c, _| get(format!("/api/v1/evaluations/{}", c.eval)),
            [UNAUTH, OK.has(CITIZEN_NAME), NF, OK.has(CITIZEN_NAME)],
        ),
        row(
            "PUT /api/v1/evaluations/{id}/answers",
            SignedIn,
            BADINH,
            |c, _| {
                json(
                    format!("/api/v1/evaluations/{}/answers", c.eval),
                    serde_json::json!({"answers": {"learning_plan": 7}}),
                )
            },
            [UNAUTH, OK.has(CITIZEN_NAME), NF, OK.has(CITIZEN_NAME)],
        ),
        row(
            "POST /api/v1/evaluations/{id}/submit",
            SignedIn,
            BADINH,
            // The citizen submits her family's evaluation as its head.
            |c, phone| {
                let id = if phone == CITIZEN {
                    c.own_submit_api
                } else {
                    c.submit_api
                };
                json(
                    format!("/api/v1/evaluations/{id}/submit"),
                    serde_json::json!({}),
                )
            },
            [
                UNAUTH,
                OK.has("\"status\":\"submitted\""),
                NF,
                OK.has("\"status\":\"submitted\""),
            ],
        ),
        row(
            "POST /api/v1/evaluations/{id}/check",
            Officer,
            BADINH,
            |c, _| {
                json(
                    format!("/api/v1/evaluations/{}/check", c.check_api),
                    serde_json::json!({"note": "Đã đối chiếu"}),
                )
            },
            [UNAUTH, NF, NF, OK.has("\"status\":\"checked\"")],
        ),
        row(
            "POST /api/v1/evaluations/{id}/return",
            Officer,
            BADINH,
            |c, _| {
                json(
                    format!("/api/v1/evaluations/{}/return", c.return_api),
                    serde_json::json!({"reason": "Cần bổ sung minh chứng"}),
                )
            },
            [UNAUTH, NF, NF, OK.has("\"status\":\"returned\"")],
        ),
        row(
            "POST /api/v1/evaluations/{id}/review",
            Officer,
            BADINH,
            |c, _| {
                json(
                    format!("/api/v1/evaluations/{}/review", c.review_api),
                    serde_json::json!({"decision": "recognise", "decision_no": "12/QĐ-KH", "decision_date": today()}),
                )
            },
            [UNAUTH, NF, NF, OK.has("\"status\":\"recognised\"")],
        ),
        row(
            "GET /api/v1/certificates/{code}",
            Public,
            BADINH,
            |c, _| get(format!("/api/v1/certificates/{}", c.cert)),
            [
                OK.has(CITIZEN_MASKED).lacks(CITIZEN_NAME),
                OK.has(CITIZEN_MASKED).lacks(CITIZEN_NAME),
                OK.has(CITIZEN_MASKED).lacks(CITIZEN_NAME),
                OK.has(CITIZEN_MASKED).lacks(CITIZEN_NAME),
            ],
        ),
        row(
            "GET /api/v1/certificates/{code}/credential",
            SignedIn,
            BADINH,
            |c, _| get(format!("/api/v1/certificates/{}/credential", c.cert)),
            [
                UNAUTH,
                OK.has("OpenBadgeCredential"),
                NF,
                OK.has("OpenBadgeCredential"),
            ],
        ),
        row(
            "POST /api/v1/certificates/{code}/revoke",
            Officer,
            BADINH,
            |c, _| {
                json(
                    format!("/api/v1/certificates/{}/revoke", c.revoke_api),
                    serde_json::json!({"reason": "Cấp nhầm người"}),
                )
            },
            [UNAUTH, NF, NF, OK.has("\"revoked\":true")],
        ),
    ]
}

/// Criteria sets: the variant routes need a province position with `criteria.manage`, so the
/// in-scope officer is the Hà Nội chair; the draft variants belong to Hà Nội.
#[allow(clippy::too_many_lines)]
fn criteria_rows() -> Vec<Row> {
    use Access::*;
    vec![
        row(
            "GET /criteria",
            Officer,
            HANOI,
            |_, _| get("/criteria"),
            [LOGIN, NF, OK.lacks("bản nháp"), OK.has("bản nháp")],
        ),
        row(
            "GET /criteria/{id}",
            Officer,
            HANOI,
            |c, _| get(format!("/criteria/{}", c.draft)),
            [LOGIN, NF, NF, OK.has("bản nháp")],
        ),
        row(
            "GET /criteria/{id}/forms/{group}",
            SignedIn,
            HANOI,
            // The blank paper form of a draft: only those who may read the draft.
            |c, _| get(format!("/criteria/{}/forms/farmer.pdf", c.draft)),
            [LOGIN, NF, NF, PDF],
        ),
        row(
            "POST /criteria/{id}/variant",
            Officer,
            HANOI,
            |c, _| form(format!("/criteria/{}/variant", c.national_family), &[]),
            [LOGIN, NF, NF, see("/criteria/*")],
        ),
        row(
            "GET /criteria/{id}/edit",
            Officer,
            HANOI,
            |c, _| get(format!("/criteria/{}/edit", c.draft)),
            [LOGIN, NF, NF, OK.has("min_each")],
        ),
        row(
            "POST /criteria/{id}/edit",
            Officer,
            HANOI,
            |c, _| {
                form(
                    format!("/criteria/{}/edit", c.draft),
                    &[("source", c.draft_source.as_str())],
                )
            },
            [LOGIN, NF, NF, OK.has("Đã lưu bản nháp")],
        ),
        row(
            "POST /criteria/{id}/activate",
            Officer,
            HANOI,
            |c, _| form(format!("/criteria/{}/activate", c.draft_to_activate), &[]),
            [LOGIN, NF, NF, see("/criteria/*")],
        ),
    ]
}

/// Families, clans and organisations, and group and unit titles, in branch 00004-1. The family
/// is the citizen's: she heads it, so she reads it and adds members like the officers.
#[allow(clippy::too_many_lines)]
fn group_rows() -> Vec<Row> {
    use Access::*;
    vec![
        row(
            "GET /units/{code}/groups",
            Officer,
            BADINH,
            |_, _| get("/units/00004-1/groups"),
            [LOGIN, NF, NF, OK.has(FAMILY)],
        ),
        row(
            "POST /units/{code}/groups",
            Officer,
            BADINH,
            |c, _| {
                form(
                    "/units/00004-1/groups",
                    &[
                        ("kind", "family"),
                        ("name", "Gia đình ông Tạ Văn Cường"),
                        ("head", c.head_phone.as_str()),
                    ],
                )
            },
            [LOGIN, NF, NF, see("/groups/*")],
        ),
        row(
            "GET /groups/{id}",
            SignedIn,
            BADINH,
            |c, _| get(format!("/groups/{}", c.family)),
            [LOGIN, OK.has(FAMILY), NF, OK.has(FAMILY)],
        ),
        row(
            "POST /groups/{id}/members",
            SignedIn,
            BADINH,
            // The citizen and the officer each add someone else.
            |c, phone| {
                let member = if phone == CITIZEN {
                    &c.member_by_citizen
                } else {
                    &c.member_by_officer
                };
                form(
                    format!("/groups/{}/members", c.family),
                    &[("phone", member.as_str()), ("adult", "1")],
                )
            },
            [LOGIN, see("/groups/*"), NF, see("/groups/*")],
        ),
        row(
            "POST /groups/{id}/evaluations",
            SignedIn,
            BADINH,
            // The citizen registers her second family for next year, the officers for last year.
            |c, phone| {
                let y = year(if phone == CITIZEN { 1 } else { -1 });
                form(
                    format!("/groups/{}/evaluations", c.family2),
                    &[("year", &y)],
                )
            },
            [LOGIN, see("/evaluations/*"), NF, see("/evaluations/*")],
        ),
        row(
            "POST /units/{code}/evaluations/unit",
            Officer,
            BADINH,
            |_, _| {
                let y = year(0);
                form("/units/00004-1/evaluations/unit", &[("year", &y)])
            },
            [LOGIN, NF, NF, see("/evaluations/*")],
        ),
    ]
}

/// Paper forms entered from an Excel workbook, in branch 00004-1.
fn batch_rows() -> Vec<Row> {
    use Access::*;
    vec![
        row(
            "GET /units/{code}/batch/template.xlsx",
            Officer,
            BADINH,
            |_, _| get("/units/00004-1/batch/template.xlsx"),
            [LOGIN, NF, NF, OK.has("PK")],
        ),
        row(
            "GET /units/{code}/batch",
            Officer,
            BADINH,
            |_, _| get("/units/00004-1/batch"),
            [LOGIN, NF, NF, OK.has("Chi hội Tổ dân phố số 1")],
        ),
        row(
            "POST /units/{code}/batch",
            Officer,
            BADINH,
            |c, _| {
                upload(
                    "/units/00004-1/batch",
                    vec![
                        field("year", &year(0)),
                        file("file", "phieu.xlsx", XLSX, c.workbook.clone()),
                    ],
                )
            },
            [LOGIN, NF, NF, OK.has("Người mới")],
        ),
        row(
            "POST /units/{code}/batch/commit",
            Officer,
            BADINH,
            |c, _| {
                let fields: Vec<(&str, &str)> = c
                    .confirm
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                form("/units/00004-1/batch/commit", &fields)
            },
            [LOGIN, NF, NF, OK.has("Đã lưu 1 hồ sơ")],
        ),
    ]
}

/// Funds of Phường Ba Đình.
const FUND: &str = "Quỹ Khuyến học phường Ba Đình";
const FUND2: &str = "Quỹ Học bổng phường Ba Đình";
const PROGRAMME: &str = "Học bổng Thắp sáng ước mơ";
/// A minor on a published list: initials only, never the full name.
const MINOR: &str = "Nguyễn Văn An";
const MINOR_INITIALS: &str = "N.V.A.";

/// Study-promotion funds of Phường Ba Đình, their books and programmes, through the pages and
/// the API; the in-scope officer is the Ba Đình chair.
#[allow(clippy::too_many_lines)]
fn fund_rows() -> Vec<Row> {
    use Access::*;
    let public_list = OK.has(MINOR_INITIALS).lacks(MINOR);
    vec![
        row(
            "GET /units/{code}/funds",
            Officer,
            BADINH,
            |_, _| get("/units/00004/funds"),
            [LOGIN, NF, NF, OK.has(FUND)],
        ),
        row(
            "POST /units/{code}/funds",
            Officer,
            BADINH,
            |_, _| {
                form(
                    "/units/00004/funds",
                    &[
                        ("code", "MATRIX"),
                        ("name", "Quỹ thử nghiệm"),
                        ("kind", "general"),
                    ],
                )
            },
            [LOGIN, NF, NF, see("/funds/*")],
        ),
        row(
            "GET /units/{code}/funds/report",
            Officer,
            BADINH,
            |_, _| get("/units/00004/funds/report"),
            [LOGIN, NF, NF, OK.has(FUND)],
        ),
        row(
            "GET /funds/{id}",
            Officer,
            BADINH,
            |c, _| get(format!("/funds/{}", c.fund)),
            [LOGIN, NF, NF, OK.has(FUND)],
        ),
        row(
            "POST /funds/{id}/entries",
            Officer,
            BADINH,
            |c, _| {
                form(
                    format!("/funds/{}/entries", c.fund),
                    &[
                        ("category", "donation"),
                        ("amount", "500.000"),
                        ("party", "Ông Trần Văn Hảo"),
                    ],
                )
            },
            [LOGIN, NF, NF, see("/funds/*")],
        ),
        row(
            "POST /funds/{id}/transfers",
            Officer,
            BADINH,
            |c, _| {
                let to = c.fund2.to_string();
                form(
                    format!("/funds/{}/transfers", c.fund),
                    &[("to_fund", to.as_str()), ("amount", "100.000")],
                )
            },
            [LOGIN, NF, NF, see("/funds/*")],
        ),
        row(
            "POST /funds/{id}/pledges",
            Officer,
            BADINH,
            |c, _| {
                form(
                    format!("/funds/{}/pledges", c.fund),
                    &[("party", "Công ty Hạnh Phúc"), ("amount", "2.000.000")],
                )
            },
            [LOGIN, NF, NF, see("/funds/*")],
        ),
        row(
            "POST /funds/{id}/public",
            Officer,
            BADINH,
            |c, _| {
                form(
                    format!("/funds/{}/public", c.fund_to_publish),
                    &[("public", "1")],
                )
            },
            [LOGIN, NF, NF, see("/funds/*")],
        ),
        row(
            "GET /funds/{id}/report",
            Officer,
            BADINH,
            |c, _| get(format!("/funds/{}/report", c.fund)),
            [LOGIN, NF, NF, OK.has(FUND)],
        ),
        row(
            "POST /entries/{id}/reverse",
            Officer,
            BADINH,
            |c, _| {
                form(
                    format!("/entries/{}/reverse", c.reverse_page),
                    &[("reason", "Ghi nhầm số tiền")],
                )
            },
            [LOGIN, NF, NF, see("/funds/*")],
        ),
        row(
            "GET /entries/{id}/voucher",
            Officer,
            BADINH,
            |c, _| get(format!("/entries/{}/voucher", c.receipt)),
            [LOGIN, NF, NF, PDF],
        ),
        row(
            "POST /funds/{id}/programmes",
            Officer,
            BADINH,
            |c, _| {
                form(
                    format!("/funds/{}/programmes", c.fund),
                    &[
                        ("kind", "award"),
                        ("name", "Phần thưởng học sinh giỏi"),
                        ("target_group", "Học sinh giỏi cấp thành phố"),
                        ("criteria", "Đạt giải cấp thành phố trở lên"),
                        ("amount_each", "300.000"),
                    ],
                )
            },
            [LOGIN, NF, NF, see("/programmes/*")],
        ),
        row(
            "GET /programmes/{id}",
            Officer,
            BADINH,
            |c, _| get(format!("/programmes/{}", c.programme)),
            [LOGIN, NF, NF, OK.has(PROGRAMME)],
        ),
        row(
            "POST /programmes/{id}/nominations",
            Officer,
            BADINH,
            |c, _| {
                form(
                    format!("/programmes/{}/nominations", c.programme),
                    &[
                        ("unit_code", "00004-1"),
                        ("full_name", "Phạm Minh Khôi"),
                        ("birth_year", "2012"),
                        ("reason", "Học sinh nghèo vượt khó"),
                    ],
                )
            },
            [LOGIN, NF, NF, see("/programmes/*")],
        ),
        row(
            "POST /nominations/{id}/decision",
            Officer,
            BADINH,
            |c, _| {
                form(
                    format!("/nominations/{}/decision", c.nomination_page),
                    &[("decision", "select"), ("reason", "Đủ điều kiện")],
                )
            },
            [LOGIN, NF, NF, see("/programmes/*")],
        ),
        row(
            "POST /programmes/{id}/pay",
            Officer,
            BADINH,
            |c, _| {
                form(
                    format!("/programmes/{}/pay", c.pay_page),
                    &[("asset", "cash")],
                )
            },
            [LOGIN, NF, NF, see("/programmes/*")],
        ),
        row(
            "POST /programmes/{id}/publish",
            Officer,
            BADINH,
            |c, _| form(format!("/programmes/{}/publish", c.publish_page), &[]),
            [LOGIN, NF, NF, see("/programmes/*")],
        ),
        row(
            "GET /transparency/funds/{id}",
            Public,
            BADINH,
            |c, _| get(format!("/transparency/funds/{}", c.fund2)),
            [OK.has(FUND2), OK.has(FUND2), OK.has(FUND2), OK.has(FUND2)],
        ),
        row(
            "GET /transparency/programmes/{id}",
            Public,
            BADINH,
            |c, _| get(format!("/transparency/programmes/{}", c.published)),
            [public_list, public_list, public_list, public_list],
        ),
        // The JSON API.
        row(
            "GET /api/v1/units/{code}/funds",
            Officer,
            BADINH,
            |_, _| get("/api/v1/units/00004/funds"),
            [UNAUTH, NF, NF, OK.has(FUND)],
        ),
        row(
            "POST /api/v1/units/{code}/funds",
            Officer,
            BADINH,
            |_, _| {
                json(
                    "/api/v1/units/00004/funds",
                    serde_json::json!({"code": "MATRIX-API", "name": "Quỹ thử nghiệm qua API"}),
                )
            },
            [UNAUTH, NF, NF, CREATED.has("\"code\":\"MATRIX-API\"")],
        ),
        row(
            "GET /api/v1/units/{code}/funds/report",
            Officer,
            BADINH,
            |_, _| get("/api/v1/units/00004/funds/report"),
            [UNAUTH, NF, NF, OK.has(FUND)],
        ),
        row(
            "GET /api/v1/funds/{id}",
            Officer,
            BADINH,
            |c, _| get(format!("/api/v1/funds/{}", c.fund)),
            [UNAUTH, NF, NF, OK.has(FUND)],
        ),
        row(
            "GET /api/v1/funds/{id}/entries",
            Officer,
            BADINH,
            |c, _| get(format!("/api/v1/funds/{}/entries", c.fund)),
            [UNAUTH, NF, NF, OK.has("\"voucher_no\":\"PT-")],
        ),
        row(
            "POST /api/v1/funds/{id}/entries",
            Officer,
            BADINH,
            |c, _| {
                json(
                    format!("/api/v1/funds/{}/entries", c.fund),
                    serde_json::json!({"category": "membership_fee", "amount": 200_000}),
                )
            },
            [UNAUTH, NF, NF, CREATED.has("\"voucher_no\":\"PT-")],
        ),
        row(
            "POST /api/v1/funds/{id}/transfers",
            Officer,
            BADINH,
            |c, _| {
                json(
                    format!("/api/v1/funds/{}/transfers", c.fund),
                    serde_json::json!({"to_fund_id": c.fund2, "amount": 50_000}),
                )
            },
            [UNAUTH, NF, NF, CREATED.has("\"kind\":\"transfer_out\"")],
        ),
        row(
            "GET /api/v1/funds/{id}/pledges",
            Officer,
            BADINH,
            |c, _| get(format!("/api/v1/funds/{}/pledges", c.fund)),
            [UNAUTH, NF, NF, OK],
        ),
        row(
            "POST /api/v1/funds/{id}/pledges",
            Officer,
            BADINH,
            |c, _| {
                json(
                    format!("/api/v1/funds/{}/pledges", c.fund),
                    serde_json::json!({"party": "Bà Lê Thị Mai", "amount": 1_000_000}),
                )
            },
            [UNAUTH, NF, NF, CREATED.has("\"remaining\":1000000")],
        ),
        row(
            "GET /api/v1/funds/{id}/report",
            Officer,
            BADINH,
            |c, _| get(format!("/api/v1/funds/{}/report", c.fund)),
            [UNAUTH, NF, NF, OK.has("closing")],
        ),
        row(
            "POST /api/v1/entries/{id}/reversal",
            Officer,
            BADINH,
            |c, _| {
                json(
                    format!("/api/v1/entries/{}/reversal", c.reverse_api),
                    serde_json::json!({"reason": "Ghi nhầm số tiền"}),
                )
            },
            [UNAUTH, NF, NF, CREATED.has("\"kind\":\"reversal\"")],
        ),
        row(
            "POST /api/v1/funds/{id}/programmes",
            Officer,
            BADINH,
            |c, _| {
                json(
                    format!("/api/v1/funds/{}/programmes", c.fund),
                    serde_json::json!({"kind": "scholarship", "name": "Học bổng qua API", "target_group": "Học sinh", "criteria": "Vượt khó", "amount_each": 400_000}),
                )
            },
            [UNAUTH, NF, NF, CREATED.has("\"status\":\"nominating\"")],
        ),
        row(
            "GET /api/v1/programmes/{id}",
            Officer,
            BADINH,
            |c, _| get(format!("/api/v1/programmes/{}", c.programme)),
            [UNAUTH, NF, NF, OK.has(PROGRAMME)],
        ),
        row(
            "POST /api/v1/programmes/{id}/nominations",
            Officer,
            BADINH,
            |c, _| {
                json(
                    format!("/api/v1/programmes/{}/nominations", c.programme),
                    serde_json::json!({"unit_code": "00004-1", "full_name": "Lê Thu Trang", "birth_year": 2011, "reason": "Học giỏi, gia đình khó khăn"}),
                )
            },
            [UNAUTH, NF, NF, CREATED.has("\"status\":\"nominated\"")],
        ),
        row(
            "POST /api/v1/nominations/{id}/decision",
            Officer,
            BADINH,
            |c, _| {
                json(
                    format!("/api/v1/nominations/{}/decision", c.nomination_api),
                    serde_json::json!({"decision": "select", "reason": "Đủ điều kiện"}),
                )
            },
            [UNAUTH, NF, NF, OK.has("\"status\":\"selected\"")],
        ),
        row(
            "POST /api/v1/programmes/{id}/payments",
            Officer,
            BADINH,
            |c, _| {
                json(
                    format!("/api/v1/programmes/{}/payments", c.pay_api),
                    serde_json::json!({}),
                )
            },
            [UNAUTH, NF, NF, CREATED.has("\"paid\":1")],
        ),
        row(
            "POST /api/v1/programmes/{id}/publish",
            Officer,
            BADINH,
            |c, _| {
                json(
                    format!("/api/v1/programmes/{}/publish", c.publish_api),
                    serde_json::json!({}),
                )
            },
            [UNAUTH, NF, NF, OK.has("\"status\":\"published\"")],
        ),
        row(
            "GET /api/v1/programmes/{id}/public",
            Public,
            BADINH,
            |c, _| get(format!("/api/v1/programmes/{}/public", c.published)),
            [public_list, public_list, public_list, public_list],
        ),
    ]
}

fn route_key(method: &Method, path: &str) -> String {
    format!("{method} {path}")
}

/// How a route table and the matrix's rows fail to match: routes without a row, rows without a
/// route, rows naming a route twice, and rows whose access rule is not the route's.
#[derive(Debug, Default, PartialEq, Eq)]
struct Coverage {
    missing: Vec<String>,
    stale: Vec<String>,
    repeated: Vec<String>,
    disagree: Vec<String>,
}

impl Coverage {
    fn is_complete(&self) -> bool {
        *self == Coverage::default()
    }
}

/// Compares the routes the router serves with the matrix's rows (`"METHOD /path"` and access).
fn coverage(routes: &[routes::Route], rows: &[(&str, Access)]) -> Coverage {
    let mut table: BTreeMap<&str, Access> = BTreeMap::new();
    let mut repeated = vec![];
    for (key, access) in rows {
        if table.insert(key, *access).is_some() {
            repeated.push((*key).to_owned());
        }
    }
    let served: BTreeMap<String, Access> = routes
        .iter()
        .map(|r| (route_key(&r.method, r.path), r.access))
        .collect();
    let missing = served
        .keys()
        .filter(|k| !table.contains_key(k.as_str()))
        .cloned()
        .collect();
    let stale = table
        .keys()
        .filter(|k| !served.contains_key(**k))
        .map(|k| (*k).to_owned())
        .collect();
    let disagree = table
        .iter()
        .filter(|(k, a)| served.get(**k).is_some_and(|b| b != *a))
        .map(|(k, _)| (*k).to_owned())
        .collect();
    Coverage {
        missing,
        stale,
        repeated,
        disagree,
    }
}

fn matrix_keys() -> Vec<(&'static str, Access)> {
    matrix().iter().map(|r| (r.key, r.access)).collect()
}

#[test]
fn matrix_covers_every_route() {
    let c = coverage(&routes::all(), &matrix_keys());
    assert!(
        c.is_complete(),
        "routes without a matrix row: {:?}; matrix rows without a route: {:?}; \
         rows given twice: {:?}; rows whose access rule differs from the route table's: {:?}",
        c.missing,
        c.stale,
        c.repeated,
        c.disagree
    );
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

/// The check above fails for a route added to the table without a row (here a made-up
/// `GET /units/{code}/secret`, with a handler, as `routes::all()` would list it), for a row
/// removed from the matrix, for a row left behind after its route went, for a row given twice,
/// and for a row whose access rule is not the route's.
#[test]
fn a_route_without_an_access_row_fails_the_matrix() {
    let rows = matrix_keys();
    assert!(coverage(&routes::all(), &rows).is_complete());

    let mut served = routes::all();
    served.push(routes::Route {
        method: Method::GET,
        path: "/units/{code}/secret",
        access: Access::Officer,
        summary: "A route nobody wrote an access row for",
        handler: axum::routing::get(|| async { "secret" }),
        answer: None,
    });
    let c = coverage(&served, &rows);
    assert_eq!(c.missing, ["GET /units/{code}/secret"]);
    assert!(c.stale.is_empty() && c.repeated.is_empty() && c.disagree.is_empty());
    assert!(!c.is_complete());

    // A row removed from the matrix: its route is reported uncovered.
    let without: Vec<_> = rows
        .iter()
        .copied()
        .filter(|(k, _)| *k != "GET /api/v1/units/{code}")
        .collect();
    let c = coverage(&routes::all(), &without);
    assert_eq!(c.missing, ["GET /api/v1/units/{code}"]);
    assert!(c.stale.is_empty());

    // A row whose route went away, a row given twice, and a row with another access rule.
    let mut odd = rows.clone();
    odd.push(("DELETE /api/v1/units/{code}", Access::Officer));
    odd.push(rows[0]);
    let audit = odd
        .iter_mut()
        .find(|(k, _)| *k == "GET /api/v1/audit")
        .expect("audit row");
    audit.1 = Access::Public;
    let c = coverage(&routes::all(), &odd);
    assert_eq!(c.stale, ["DELETE /api/v1/units/{code}"]);
    assert_eq!(c.repeated, [rows[0].0]);
    assert_eq!(c.disagree, ["GET /api/v1/audit"]);
    assert!(c.missing.is_empty());
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

async fn setup(app: &TestApp) -> Ctx {
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
    let mut ctx = Ctx {
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
    learning_setup(app, &mut ctx).await;
    funds_setup(app, &mut ctx).await;
    members_rows::setup(app, &mut ctx).await;
    reports_rows::setup(app, &mut ctx).await;
    ctx
}

fn certificate_of(detail: &serde_json::Value) -> String {
    detail["certificate"]["code"]
        .as_str()
        .expect("certificate code")
        .to_owned()
}

const BOUNDARY: &str = "XaccessmatrixX";

fn multipart_body(parts: &[Part]) -> Vec<u8> {
    let mut body = Vec::new();
    for p in parts {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{}\"",
                p.name
            )
            .as_bytes(),
        );
        if let Some((file_name, content_type)) = p.file {
            body.extend(
                format!("; filename=\"{file_name}\"\r\nContent-Type: {content_type}").as_bytes(),
            );
        }
        body.extend(b"\r\n\r\n");
        body.extend(&p.bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Posts a multipart form with the CSRF token in a header, as the browser's script does.
async fn post_multipart(app: &TestApp, c: &mut Client, path: &str, parts: &[Part]) -> Resp {
    if c.csrf().is_empty() {
        app.get(c, "/login").await;
    }
    let req = Request::post(path)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header("x-csrf-token", c.csrf())
        .body(Body::from(multipart_body(parts)))
        .expect("request");
    app.send(c, req).await
}

/// A small PDF attached to an indicator, as the Ba Đình chair.
async fn attach_pdf(app: &TestApp, web: &mut Client, evaluation: i64, indicator: &str) {
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let parts = [
        field("indicator", indicator),
        file("file", "minh-chung.pdf", "application/pdf", pdf),
    ];
    let path = format!("/evaluations/{evaluation}/evidence");
    let r = post_multipart(app, web, &path, &parts).await;
    assert_eq!(r.status.as_u16(), 303, "setup POST {path}: {}", r.body);
}

/// The body of a GET as bytes (the harness reads bodies as text).
async fn get_bytes(app: &TestApp, c: &Client, path: &str) -> Vec<u8> {
    let cookies: Vec<String> = c.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let req = Request::get(path)
        .header(header::COOKIE, cookies.join("; "))
        .body(Body::empty())
        .expect("request");
    let resp = app.router.clone().oneshot(req).await.expect("infallible");
    assert_eq!(resp.status().as_u16(), 200, "setup GET {path}");
    resp.into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec()
}

/// The header row of the unit's Excel template.
fn header_of(template: &[u8]) -> Vec<String> {
    let mut wb: calamine::Xlsx<_> =
        calamine::Reader::new(std::io::Cursor::new(template)).expect("the template is a workbook");
    let sheet = calamine::Reader::sheet_names(&wb)
        .first()
        .cloned()
        .expect("a sheet");
    let rows = calamine::Reader::worksheet_range(&mut wb, &sheet).expect("the rows sheet");
    rows.rows()
        .next()
        .expect("a header row")
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// A filled workbook of one new person (no phone) with 8 points on every indicator.
fn workbook(header: &[String], name: &str) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (col, h) in header.iter().enumerate() {
        let col = u16::try_from(col).expect("column");
        ws.write_string(0, col, h).expect("header");
        let cell = if h.starts_with("Họ và tên") {
            ws.write_string(1, col, name)
        } else if h.starts_with("Số điện thoại") {
            continue;
        } else if h.starts_with("Năm sinh") {
            ws.write_number(1, col, 1980.0)
        } else if h.starts_with("Giới tính") {
            ws.write_string(1, col, "Nữ")
        } else if h.starts_with("Nhóm đối tượng") {
            ws.write_string(1, col, "farmer")
        } else {
            ws.write_number(1, col, 8.0)
        };
        cell.expect("cell");
    }
    wb.save_to_buffer().expect("workbook")
}

/// The value of a hidden form field on a page.
fn hidden(page: &str, name: &str) -> String {
    let start = format!("name=\"{name}\" value=\"");
    let at = page.find(&start).expect("the hidden field") + start.len();
    page[at..]
        .split('"')
        .next()
        .unwrap_or_default()
        .replace("&#x2f;", "/")
        .replace("&#47;", "/")
        .replace("&amp;", "&")
}

/// The id in a redirect to `{prefix}{id}` (and maybe more after a `/`).
fn redirected_id(r: &Resp, prefix: &str) -> i64 {
    assert_eq!(r.status.as_u16(), 303, "{}", r.body);
    r.location()
        .and_then(|l| l.strip_prefix(prefix))
        .and_then(|l| l.split('/').next())
        .and_then(|id| id.parse().ok())
        .expect("an id in the redirect")
}

/// A family in branch 00004-1 headed by the citizen, made by the Ba Đình chair.
async fn citizen_family(app: &TestApp, web: &mut Client, name: &str) -> i64 {
    let fields = [("kind", "family"), ("name", name), ("head", CITIZEN)];
    let r = app.post_form(web, "/units/00004-1/groups", &fields).await;
    redirected_id(&r, "/groups/")
}

/// A draft variant of a national set, made by the Hà Nội chair.
async fn variant_of(app: &TestApp, hanoi: &mut Client, national: i64) -> i64 {
    let r = app
        .post_form(hanoi, &format!("/criteria/{national}/variant"), &[])
        .await;
    redirected_id(&r, "/criteria/")
}

async fn national_set(app: &TestApp, model: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT id FROM criteria_sets WHERE owner_code = 'VN' AND model = $1 AND status = 'active' ORDER BY version DESC",
    )
    .bind(model)
    .fetch_one(&app.db.pool)
    .await
    .expect("a national set")
}

/// Learning-model objects, all in branch 00004-1 (see the fields of `Ctx`).
#[allow(clippy::too_many_lines)]
async fn learning_setup(app: &TestApp, ctx: &mut Ctx) {
    let mut c = app.api_client(BADINH).await;
    let mut web = app.login(BADINH).await;
    let citizen = app.person_id(CITIZEN).await;
    let mut people = vec![];
    for (n, name) in [
        "Bùi Văn An",
        "Bùi Thị Bình",
        "Cao Văn Chung",
        "Cao Thị Dung",
        "Đinh Văn Đức",
        "Đinh Thị Giang",
        "Giáp Văn Hải",
        "Giáp Thị Hương",
        "Hà Văn Khánh",
        "Hà Thị Linh",
        "Kim Văn Minh",
        "Kim Thị Ngọc",
        "Lò Văn Phúc",
        "Lò Thị Quyên",
        "Mai Văn Sang",
    ]
    .into_iter()
    .enumerate()
    {
        let phone = format!("09150000{:02}", n + 1);
        let id = register_person(app, &mut c, "00004-1", name, &phone).await;
        people.push((id, phone));
    }
    let person = |n: usize| people[n].0;
    // The citizen's open evaluation, with a PDF, and her recognised one of last year.
    let open = citizen_evaluation(app, &mut c, citizen, this_year(), Stage::Registered).await;
    ctx.eval = evaluation_id(&open);
    attach_pdf(app, &mut web, ctx.eval, "reads").await;
    ctx.evidence = sqlx::query_scalar(
        "SELECT id FROM evidence WHERE evaluation_id = $1 AND object_key IS NOT NULL",
    )
    .bind(ctx.eval)
    .fetch_one(&app.db.pool)
    .await
    .expect("the evidence file");
    let done = citizen_evaluation(app, &mut c, citizen, this_year() - 1, Stage::Recognised).await;
    ctx.cert = certificate_of(&done);
    // Other people's evaluations, one per action.
    let mut made = vec![];
    for (n, stage) in [
        Stage::Answered,
        Stage::Answered,
        Stage::Submitted,
        Stage::Submitted,
        Stage::Submitted,
        Stage::Submitted,
        Stage::Checked,
        Stage::Checked,
        Stage::Recognised,
        Stage::Recognised,
    ]
    .into_iter()
    .enumerate()
    {
        made.push(citizen_evaluation(app, &mut c, person(n), this_year(), stage).await);
    }
    [
        ctx.submit_page,
        ctx.submit_api,
        ctx.check_page,
        ctx.check_api,
        ctx.return_page,
        ctx.return_api,
        ctx.review_page,
        ctx.review_api,
    ] = std::array::from_fn(|n| evaluation_id(&made[n]));
    ctx.revoke_page = certificate_of(&made[8]);
    ctx.revoke_api = certificate_of(&made[9]);
    ctx.register_phone = people[10].1.clone();
    ctx.register_api = person(11);
    ctx.member_by_citizen = people[12].1.clone();
    ctx.member_by_officer = people[13].1.clone();
    ctx.head_phone = people[14].1.clone();
    // The citizen's families; the first has complete evaluations of last year and this year.
    ctx.family = citizen_family(app, &mut web, FAMILY).await;
    ctx.family2 = citizen_family(app, &mut web, "Gia đình bà Lan ở phố Đội Cấn").await;
    let mut own = vec![];
    for offset in [-1, 0] {
        let d = ok(
            app,
            &mut c,
            "POST",
            "/api/v1/evaluations",
            serde_json::json!({"model": "family", "subject": {"group_id": ctx.family}, "year": year_n(offset)}),
        )
        .await;
        let id = evaluation_id(&d);
        ok(
            app,
            &mut c,
            "PUT",
            &format!("/api/v1/evaluations/{id}/answers"),
            serde_json::json!({"answers": {
                "children_in_school#part": 1, "children_in_school#total": 1, "children_progress": 8,
                "study_corner": 1, "books": 4, "devices": 4, "learning_budget": 1,
                "better_living": 8, "cultural_family": 1,
            }}),
        )
        .await;
        attach_pdf(app, &mut web, id, "cultural_family").await;
        let d = ok(
            app,
            &mut c,
            "GET",
            &format!("/api/v1/evaluations/{id}"),
            serde_json::json!(null),
        )
        .await;
        assert_eq!(
            d["score"]["missing"],
            serde_json::json!([]),
            "the family's evaluation is complete"
        );
        own.push(id);
    }
    [ctx.own_submit_page, ctx.own_submit_api] = [own[0], own[1]];
    // Hà Nội's draft variants.
    let mut hanoi = app.login(HANOI).await;
    ctx.draft = variant_of(app, &mut hanoi, national_set(app, "citizen").await).await;
    ctx.draft_to_activate = variant_of(app, &mut hanoi, national_set(app, "clan").await).await;
    ctx.national_family = national_set(app, "family").await;
    ctx.draft_source = sqlx::query_scalar("SELECT source FROM criteria_sets WHERE id = $1")
        .bind(ctx.draft)
        .fetch_one(&app.db.pool)
        .await
        .expect("the draft's text");
    // Workbooks made from the unit's own template; the second one is previewed now.
    let template = get_bytes(app, &web, "/units/00004-1/batch/template.xlsx").await;
    let header = header_of(&template);
    ctx.workbook = workbook(&header, "Ninh Thị Xem");
    let parts = [
        field("year", &year(0)),
        file("file", "luu.xlsx", XLSX, workbook(&header, "Ninh Văn Lưu")),
    ];
    let r = post_multipart(app, &mut web, "/units/00004-1/batch", &parts).await;
    assert_eq!(r.status.as_u16(), 200, "setup preview: {}", short(&r.body));
    ctx.confirm = ["key", "sha256", "year", "plan"]
        .iter()
        .map(|k| ((*k).to_owned(), hidden(&r.body, k)))
        .collect();
}

async fn new_fund(app: &TestApp, c: &mut Client, code: &str, name: &str) -> i64 {
    let j = ok(
        app,
        c,
        "POST",
        "/api/v1/units/00004/funds",
        serde_json::json!({"code": code, "name": name}),
    )
    .await;
    j["id"].as_i64().expect("fund id")
}

/// A donation to a fund; the entry's id.
async fn donation(app: &TestApp, c: &mut Client, fund: i64, amount: i64) -> i64 {
    let j = ok(
        app,
        c,
        "POST",
        &format!("/api/v1/funds/{fund}/entries"),
        serde_json::json!({"category": "donation", "amount": amount, "party": "Công ty Sách Ba Đình", "party_kind": "organisation"}),
    )
    .await;
    j["id"].as_i64().expect("entry id")
}

async fn programme(app: &TestApp, c: &mut Client, fund: i64, name: &str) -> i64 {
    let j = ok(
        app,
        c,
        "POST",
        &format!("/api/v1/funds/{fund}/programmes"),
        serde_json::json!({"kind": "scholarship", "name": name, "target_group": "Học sinh nghèo vượt khó", "criteria": "Học lực khá trở lên", "amount_each": 500_000}),
    )
    .await;
    j["id"].as_i64().expect("programme id")
}

/// A nomination by branch 00004-1 (without a birth year: treated as a minor).
async fn nomination(app: &TestApp, c: &mut Client, programme: i64, name: &str) -> i64 {
    let j = ok(
        app,
        c,
        "POST",
        &format!("/api/v1/programmes/{programme}/nominations"),
        serde_json::json!({"unit_code": "00004-1", "full_name": name, "reason": "Học giỏi, gia đình khó khăn"}),
    )
    .await;
    j["id"].as_i64().expect("nomination id")
}

async fn programme_step(app: &TestApp, c: &mut Client, path: &str, body: serde_json::Value) {
    ok(app, c, "POST", path, body).await;
}

/// Funds of Phường Ba Đình, their entries and programmes (see the fields of `Ctx`).
async fn funds_setup(app: &TestApp, ctx: &mut Ctx) {
    let mut c = app.api_client(BADINH).await;
    let mut web = app.login(BADINH).await;
    ctx.fund = new_fund(app, &mut c, "QKH", FUND).await;
    ctx.fund2 = new_fund(app, &mut c, "QHB", FUND2).await;
    ctx.fund_to_publish = new_fund(app, &mut c, "QCK", "Quỹ chờ công khai").await;
    ctx.receipt = donation(app, &mut c, ctx.fund, 20_000_000).await;
    ctx.reverse_page = donation(app, &mut c, ctx.fund, 100_000).await;
    ctx.reverse_api = donation(app, &mut c, ctx.fund, 200_000).await;
    let path = format!("/funds/{}/public", ctx.fund2);
    let r = app.post_form(&mut web, &path, &[("public", "1")]).await;
    assert_eq!(r.status.as_u16(), 303, "setup POST {path}: {}", r.body);
    ctx.programme = programme(app, &mut c, ctx.fund, PROGRAMME).await;
    let deciding = programme(app, &mut c, ctx.fund, "Học bổng chờ xét").await;
    ctx.nomination_page = nomination(app, &mut c, deciding, "Trần Thị Mai").await;
    ctx.nomination_api = nomination(app, &mut c, deciding, "Trần Văn Nam").await;
    // Rounds with a selected recipient to pay, rounds to publish (a list is published once its
    // recipients are paid), and a published round.
    let mut rounds = vec![];
    for (name, nominee) in [
        ("Học bổng chờ chi (trang)", Some("Vũ Thị Hạnh")),
        ("Học bổng chờ chi (API)", Some("Vũ Văn Hùng")),
        ("Học bổng chờ công bố (trang)", Some("Vũ Thị Lan")),
        ("Học bổng chờ công bố (API)", Some("Vũ Văn Long")),
        ("Học bổng đã công bố", Some(MINOR)),
    ] {
        let id = programme(app, &mut c, ctx.fund, name).await;
        if let Some(nominee) = nominee {
            let n = nomination(app, &mut c, id, nominee).await;
            let body = serde_json::json!({"decision": "select", "reason": "Đủ điều kiện"});
            programme_step(
                app,
                &mut c,
                &format!("/api/v1/nominations/{n}/decision"),
                body,
            )
            .await;
        }
        rounds.push(id);
    }
    [
        ctx.pay_page,
        ctx.pay_api,
        ctx.publish_page,
        ctx.publish_api,
        ctx.published,
    ] = [rounds[0], rounds[1], rounds[2], rounds[3], rounds[4]];
    for round in [ctx.publish_page, ctx.publish_api, ctx.published] {
        let paid = format!("/api/v1/programmes/{round}/payments");
        programme_step(app, &mut c, &paid, serde_json::json!({})).await;
    }
    let published = format!("/api/v1/programmes/{}/publish", ctx.published);
    programme_step(app, &mut c, &published, serde_json::json!({})).await;
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
        (Payload::Multipart(parts), _) => post_multipart(app, c, &req.path, parts).await,
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
                clients.apis.remove(phone);
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
    if cells != 4 * routes::all().len() {
        failures.push(format!(
            "{cells} cells asked for {} routes: routes without a row (see matrix_covers_every_route)",
            routes::all().len()
        ));
    }

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
    // Their own account (password, tokens), their own registrations and the citizen's family
    // aside, nothing was done in their name: no entry names them acting in a position.
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
    // Each learning-model action on a target made for it happened once, by the caller meant
    // to succeed: the refused attempts before it changed nothing.
    let chair = app.person_id(BADINH).await;
    let hanoi = app.person_id(HANOI).await;
    let sha256 = ctx
        .confirm
        .iter()
        .find(|(k, _)| k == "sha256")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let once = [
        (
            "evaluation",
            ctx.own_submit_page.to_string(),
            "submit",
            citizen,
        ),
        (
            "evaluation",
            ctx.own_submit_api.to_string(),
            "submit",
            citizen,
        ),
        ("evaluation", ctx.submit_page.to_string(), "submit", chair),
        ("evaluation", ctx.submit_api.to_string(), "submit", chair),
        ("evaluation", ctx.check_page.to_string(), "check", chair),
        ("evaluation", ctx.check_api.to_string(), "check", chair),
        ("evaluation", ctx.return_page.to_string(), "return", chair),
        ("evaluation", ctx.return_api.to_string(), "return", chair),
        (
            "evaluation",
            ctx.review_page.to_string(),
            "recognised",
            chair,
        ),
        (
            "evaluation",
            ctx.review_api.to_string(),
            "recognised",
            chair,
        ),
        ("certificate", ctx.revoke_page.clone(), "revoke", chair),
        ("certificate", ctx.revoke_api.clone(), "revoke", chair),
        ("criteria_set", ctx.draft.to_string(), "edit", hanoi),
        (
            "criteria_set",
            ctx.draft_to_activate.to_string(),
            "activate",
            hanoi,
        ),
        ("evaluation_batch", sha256, "import", chair),
        ("fund", ctx.fund_to_publish.to_string(), "set_public", chair),
        (
            "nomination",
            ctx.nomination_page.to_string(),
            "decide",
            chair,
        ),
        (
            "nomination",
            ctx.nomination_api.to_string(),
            "decide",
            chair,
        ),
        ("programme", ctx.publish_page.to_string(), "publish", chair),
        ("programme", ctx.publish_api.to_string(), "publish", chair),
    ];
    for (entity, id, action, person) in once {
        let by: Vec<Option<i64>> = sqlx::query_scalar(
            "SELECT person_id FROM audit_log WHERE entity = $1 AND entity_id = $2 AND action = $3",
        )
        .bind(entity)
        .bind(&id)
        .bind(action)
        .fetch_all(&app.db.pool)
        .await
        .expect("audit entries");
        if by != [Some(person)] {
            failures.push(format!(
                "{entity} {id}: {action} done by {by:?}, expected once by person {person}"
            ));
        }
    }
    // Reversals and programme payments are entries of the books, posted once by the chair.
    let posted = [
        ("reverses_id", ctx.reverse_page),
        ("reverses_id", ctx.reverse_api),
        ("programme_id", ctx.pay_page),
        ("programme_id", ctx.pay_api),
    ];
    for (column, id) in posted {
        let by: Vec<Option<i64>> = sqlx::query_scalar(&format!(
            "SELECT person_id FROM ledger_entries WHERE {column} = $1"
        ))
        .bind(id)
        .fetch_all(&app.db.pool)
        .await
        .expect("ledger entries");
        if by != [Some(chair)] {
            failures.push(format!(
                "ledger entries with {column} = {id} posted by {by:?}, expected once by person {chair}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cells} cells answered wrongly:\n{}",
        failures.len(),
        failures.join("\n")
    );
});
