//! Rows of the access matrix for joining by QR poster (included by `tests/access.rs`).
//!
//! The join link, its "received" page and the privacy notice are public. The poster, the queue
//! and its decisions need `person.manage` over the branch 00004-1, whose registrations are made
//! by strangers in `setup`; out of scope they answer 404 like a missing registration.

use super::*;

/// A stranger whose registration the queue lists.
const LISTED: &str = "Mạc Thị Đăng Ký";

/// Objects made for the join rows before the matrix runs.
#[derive(Default)]
pub struct CtxJoin {
    /// Pending registrations to confirm and reject (page, API).
    confirm_page: i64,
    confirm_api: i64,
    reject_page: i64,
    reject_api: i64,
}

/// Makes the registrations the join rows act on.
pub async fn setup(app: &TestApp, ctx: &mut Ctx) {
    join_stranger(app, LISTED, "0931000001").await;
    ctx.join.confirm_page = join_stranger(app, "Lã Văn Một", "0931000002").await;
    ctx.join.confirm_api = join_stranger(app, "Lã Văn Hai", "0931000003").await;
    ctx.join.reject_page = join_stranger(app, "Lã Văn Ba", "0931000004").await;
    ctx.join.reject_api = join_stranger(app, "Lã Văn Bốn", "0931000005").await;
}

#[allow(clippy::too_many_lines)] // one row per route
pub fn rows() -> Vec<Row> {
    use Access::*;
    vec![
        row(
            "GET /join/{code}",
            Public,
            Need::Anyone,
            R::Commune,
            |_, _| get("/join/00004-1"),
            OK.has("Chi hội Tổ dân phố số 1"),
        ),
        row(
            "POST /join/{code}",
            Public,
            Need::Anyone,
            R::Anon,
            |_, _| {
                form(
                    "/join/00004-1",
                    &[
                        ("full_name", "Âu Thị Quét Mã"),
                        ("birth_year", "1975"),
                        ("gender", "female"),
                        ("phone", "0931000099"),
                        ("password", "mat-khau-du-dai"),
                        ("consent", "yes"),
                    ],
                )
            },
            see("/join/00004-1/done"),
        ),
        row(
            "GET /join/{code}/done",
            Public,
            Need::Anyone,
            R::Commune,
            |_, _| get("/join/00004-1/done"),
            OK.has("Đã nhận đăng ký"),
        ),
        row(
            "GET /privacy",
            Public,
            Need::Anyone,
            R::Commune,
            |_, _| get("/privacy"),
            OK.has("13/2023"),
        ),
        row(
            "GET /units/{code}/join-poster.pdf",
            Officer,
            act(perm::PERSON_MANAGE, &["00004-1"]),
            R::Commune,
            |_, _| get("/units/00004-1/join-poster.pdf"),
            PDF,
        ),
        row(
            "GET /units/{code}/registrations",
            Officer,
            act(perm::PERSON_MANAGE, &["00004-1"]),
            R::Commune,
            |_, _| get("/units/00004-1/registrations?q=dang+ky"),
            OK.has(LISTED),
        ),
        row(
            "GET /units/{code}/registrations.xlsx",
            Officer,
            act(perm::PERSON_MANAGE, &["00004-1"]),
            R::Commune,
            |_, _| get("/units/00004-1/registrations.xlsx?q=dang+ky&sort=name"),
            OK.has("PK"),
        ),
        row(
            "POST /units/{code}/registrations/{id}/confirm",
            Officer,
            act(perm::PERSON_MANAGE, &["00004-1"]),
            R::Commune,
            |c, _| {
                form(
                    format!(
                        "/units/00004-1/registrations/{}/confirm",
                        c.join.confirm_page
                    ),
                    &[],
                )
            },
            see("/units/00004-1/registrations"),
        ),
        row(
            "POST /units/{code}/registrations/{id}/reject",
            Officer,
            act(perm::PERSON_MANAGE, &["00004-1"]),
            R::Commune,
            |c, _| {
                form(
                    format!("/units/00004-1/registrations/{}/reject", c.join.reject_page),
                    &[("reason", "Không ở địa bàn chi hội")],
                )
            },
            see("/units/00004-1/registrations"),
        ),
        row(
            "GET /api/v1/units/{code}/registrations",
            Officer,
            act(perm::PERSON_MANAGE, &["00004-1"]),
            R::Commune,
            |_, _| get("/api/v1/units/00004-1/registrations?q=dang%20ky"),
            OK.has(LISTED),
        ),
        row(
            "GET /api/v1/units/{code}/registrations.xlsx",
            Officer,
            act(perm::PERSON_MANAGE, &["00004-1"]),
            R::Commune,
            |_, _| get("/api/v1/units/00004-1/registrations.xlsx?q=dang%20ky"),
            OK.has("PK"),
        ),
        row(
            "POST /api/v1/units/{code}/registrations/{id}/confirm",
            Officer,
            act(perm::PERSON_MANAGE, &["00004-1"]),
            R::Commune,
            |c, _| {
                json(
                    format!(
                        "/api/v1/units/00004-1/registrations/{}/confirm",
                        c.join.confirm_api
                    ),
                    serde_json::json!({}),
                )
            },
            OK.has("\"confirmed\""),
        ),
        row(
            "POST /api/v1/units/{code}/registrations/{id}/reject",
            Officer,
            act(perm::PERSON_MANAGE, &["00004-1"]),
            R::Commune,
            |c, _| {
                json(
                    format!(
                        "/api/v1/units/00004-1/registrations/{}/reject",
                        c.join.reject_api
                    ),
                    serde_json::json!({"reason": "Trùng người"}),
                )
            },
            OK.has("\"rejected\""),
        ),
    ]
}
