//! Rows of the access matrix for the lifelong-learning record (included by `tests/access.rs`).
//!
//! One's own record, its PDF, bundle and share links: anyone signed in, about themself only (a
//! link is withdrawn by its owner, the citizen; anyone else gets the 404 of a link that does not
//! exist). A person's record: officers who read the person (the demo branch officer of
//! 00004-1). A shared record: anyone holding an open link, signed in or not.

use super::*;

/// Objects made for the record rows before the matrix runs.
#[derive(Default)]
pub struct CtxRecord {
    /// The token of an open link to the citizen's record.
    token: String,
    /// The citizen's links to withdraw (page, API).
    withdraw_page: i64,
    withdraw_api: i64,
}

/// Makes the citizen's links.
pub async fn setup(app: &TestApp, ctx: &mut Ctx) {
    let citizen = app.person_id(CITIZEN).await;
    let now = app.state.clock.now().timestamp();
    let link = |_: ()| khuyenhoc::record::links::create(&app.db, citizen, 30, now);
    ctx.record.token = link(()).await.expect("link").token;
    ctx.record.withdraw_page = link(()).await.expect("link").link.id;
    ctx.record.withdraw_api = link(()).await.expect("link").link.id;
}

#[allow(clippy::too_many_lines)] // one row per route
pub fn rows() -> Vec<Row> {
    use Access::*;
    vec![
        row(
            "GET /me/record",
            SignedIn,
            Need::Own,
            R::Commune,
            |_, _| get("/me/record"),
            OK.own(),
        ),
        row(
            "GET /me/record.pdf",
            SignedIn,
            Need::Own,
            R::Commune,
            |_, _| get("/me/record.pdf"),
            PDF,
        ),
        row(
            "GET /me/record/presentation.json",
            SignedIn,
            Need::Own,
            R::Commune,
            |_, _| get("/me/record/presentation.json"),
            OK.has("VerifiablePresentation").own(),
        ),
        row(
            "POST /me/record/links",
            SignedIn,
            Need::Own,
            R::Commune,
            |_, _| form("/me/record/links", &[("days", "7")]),
            OK.has("/shared/record/"),
        ),
        row(
            "POST /me/record/links/{id}/withdraw",
            SignedIn,
            Need::Owner,
            R::Citizen,
            |c, _| {
                form(
                    format!("/me/record/links/{}/withdraw", c.record.withdraw_page),
                    &[],
                )
            },
            see("/me/record*"),
        ),
        row(
            "GET /people/{id}/record",
            Officer,
            read(&["00004-1"]),
            R::Commune,
            |c, _| get(format!("/people/{}/record", c.read_person)),
            OK.has("Phạm Thị Hoa"),
        ),
        row(
            "GET /people/{id}/record.pdf",
            Officer,
            read(&["00004-1"]),
            R::Commune,
            |c, _| get(format!("/people/{}/record.pdf", c.read_person)),
            PDF,
        ),
        row(
            "GET /shared/record/{token}",
            Public,
            Need::Anyone,
            R::Commune,
            |c, _| get(format!("/shared/record/{}", c.record.token)),
            OK.has("Đỗ Thị Lan").lacks("0900000006"),
        ),
        row(
            "GET /api/v1/me/record",
            SignedIn,
            Need::Own,
            R::Commune,
            |_, _| get("/api/v1/me/record"),
            OK.own(),
        ),
        row(
            "GET /api/v1/people/{id}/record",
            Officer,
            read(&["00004-1"]),
            R::Commune,
            |c, _| get(format!("/api/v1/people/{}/record", c.read_person)),
            OK.has("Phạm Thị Hoa"),
        ),
        row(
            "GET /api/v1/me/record/links",
            SignedIn,
            Need::Own,
            R::Commune,
            |_, _| get("/api/v1/me/record/links"),
            OK.has("\"items\""),
        ),
        row(
            "POST /api/v1/me/record/links",
            SignedIn,
            Need::Own,
            R::Commune,
            |_, _| json("/api/v1/me/record/links", serde_json::json!({"days": 30})),
            CREATED.has("\"token\""),
        ),
        row(
            "POST /api/v1/me/record/links/{id}/withdraw",
            SignedIn,
            Need::Owner,
            R::Citizen,
            |c, _| {
                json(
                    format!("/api/v1/me/record/links/{}/withdraw", c.record.withdraw_api),
                    serde_json::json!({}),
                )
            },
            OK.has("\"withdrawn\""),
        ),
    ]
}
