//! Rows of the access matrix for the funds of Phường Ba Đình (included by `tests/access.rs`): their
//! books, programmes and transparency pages, through the pages and the API; and the objects they
//! act on.

use super::*;

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
pub fn rows() -> Vec<Row> {
    use Access::*;
    let public_list = OK.has(MINOR_INITIALS).lacks(MINOR);
    vec![
        row(
            "GET /units/{code}/funds",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/units/00004/funds"),
            OK.has(FUND),
        ),
        row(
            "GET /units/{code}/funds.xlsx",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/units/00004/funds.xlsx?kind=general"),
            OK.has("PK"),
        ),
        row(
            "POST /units/{code}/funds",
            Officer,
            act(perm::FUND_MANAGE, &["00004"]),
            R::Commune,
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
            see("/funds/*"),
        ),
        row(
            "GET /units/{code}/funds/report",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/units/00004/funds/report"),
            OK.has(FUND),
        ),
        row(
            "GET /funds/{id}",
            Officer,
            read(&["00004"]),
            R::Commune,
            |c, _| get(format!("/funds/{}", c.fund)),
            OK.has(FUND),
        ),
        row(
            "GET /funds/{id}/ledger",
            Officer,
            read(&["00004"]),
            R::Commune,
            |c, _| get(format!("/funds/{}/ledger?q=sach%20ba%20dinh", c.fund)),
            OK.has("Công ty Sách Ba Đình"),
        ),
        row(
            "GET /funds/{id}/ledger.xlsx",
            Officer,
            read(&["00004"]),
            R::Commune,
            |c, _| get(format!("/funds/{}/ledger.xlsx?year=2020", c.fund)),
            OK,
        ),
        row(
            "POST /funds/{id}/entries",
            Officer,
            act(perm::FUND_POST, &["00004"]),
            R::Commune,
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
            see("/funds/*"),
        ),
        row(
            "POST /funds/{id}/transfers",
            Officer,
            act(perm::FUND_POST, &["00004"]),
            R::Commune,
            |c, _| {
                let to = c.fund2.to_string();
                form(
                    format!("/funds/{}/transfers", c.fund),
                    &[("to_fund", to.as_str()), ("amount", "100.000")],
                )
            },
            see("/funds/*"),
        ),
        row(
            "POST /funds/{id}/pledges",
            Officer,
            act(perm::FUND_POST, &["00004"]),
            R::Commune,
            |c, _| {
                form(
                    format!("/funds/{}/pledges", c.fund),
                    &[("party", "Công ty Hạnh Phúc"), ("amount", "2.000.000")],
                )
            },
            see("/funds/*"),
        ),
        row(
            "POST /funds/{id}/public",
            Officer,
            act(perm::FUND_MANAGE, &["00004"]),
            R::Commune,
            |c, _| {
                form(
                    format!("/funds/{}/public", c.fund_to_publish),
                    &[("public", "1")],
                )
            },
            see("/funds/*"),
        ),
        row(
            "GET /funds/{id}/report",
            Officer,
            read(&["00004"]),
            R::Commune,
            |c, _| get(format!("/funds/{}/report", c.fund)),
            OK.has(FUND),
        ),
        row(
            "POST /entries/{id}/reverse",
            Officer,
            act(perm::FUND_POST, &["00004"]),
            R::Commune,
            |c, _| {
                form(
                    format!("/entries/{}/reverse", c.reverse_page),
                    &[("reason", "Ghi nhầm số tiền")],
                )
            },
            see("/funds/*"),
        ),
        row(
            "GET /entries/{id}/voucher",
            Officer,
            read(&["00004"]),
            R::Commune,
            |c, _| get(format!("/entries/{}/voucher", c.receipt)),
            PDF,
        ),
        row(
            "POST /funds/{id}/programmes",
            Officer,
            act(perm::FUND_MANAGE, &["00004"]),
            R::Commune,
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
            see("/programmes/*"),
        ),
        row(
            "GET /programmes/{id}",
            Officer,
            read_or_below(&["00004"]),
            R::Commune,
            |c, _| get(format!("/programmes/{}", c.programme)),
            OK.has(PROGRAMME),
        ),
        row(
            "POST /programmes/{id}/nominations",
            Officer,
            act(perm::PROGRAMME_NOMINATE, &["00004-1"]),
            R::Commune,
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
            see("/programmes/*"),
        ),
        row(
            "POST /nominations/{id}/decision",
            Officer,
            act(perm::FUND_MANAGE, &["00004"]),
            R::Commune,
            |c, _| {
                form(
                    format!("/nominations/{}/decision", c.nomination_page),
                    &[("decision", "select"), ("reason", "Đủ điều kiện")],
                )
            },
            see("/programmes/*"),
        ),
        row(
            "POST /programmes/{id}/pay",
            Officer,
            act(perm::FUND_POST, &["00004"]),
            R::Commune,
            |c, _| {
                form(
                    format!("/programmes/{}/pay", c.pay_page),
                    &[("asset", "cash")],
                )
            },
            see("/programmes/*"),
        ),
        row(
            "POST /programmes/{id}/publish",
            Officer,
            act(perm::FUND_MANAGE, &["00004"]),
            R::Commune,
            |c, _| form(format!("/programmes/{}/publish", c.publish_page), &[]),
            see("/programmes/*"),
        ),
        row(
            "GET /transparency/funds/{id}",
            Public,
            Need::Anyone,
            R::Commune,
            |c, _| get(format!("/transparency/funds/{}", c.fund2)),
            OK.has(FUND2),
        ),
        row(
            "GET /transparency/programmes/{id}",
            Public,
            Need::Anyone,
            R::Commune,
            |c, _| get(format!("/transparency/programmes/{}", c.published)),
            public_list,
        ),
        // The JSON API.
        row(
            "GET /api/v1/units/{code}/funds",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/api/v1/units/00004/funds"),
            OK.has(FUND),
        ),
        row(
            "GET /api/v1/units/{code}/funds.xlsx",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/api/v1/units/00004/funds.xlsx"),
            OK.has("PK"),
        ),
        row(
            "POST /api/v1/units/{code}/funds",
            Officer,
            act(perm::FUND_MANAGE, &["00004"]),
            R::Commune,
            |_, _| {
                json(
                    "/api/v1/units/00004/funds",
                    serde_json::json!({"code": "MATRIX-API", "name": "Quỹ thử nghiệm qua API"}),
                )
            },
            CREATED.has("\"code\":\"MATRIX-API\""),
        ),
        row(
            "GET /api/v1/units/{code}/funds/report",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/api/v1/units/00004/funds/report"),
            OK.has(FUND),
        ),
        row(
            "GET /api/v1/funds/{id}",
            Officer,
            read(&["00004"]),
            R::Commune,
            |c, _| get(format!("/api/v1/funds/{}", c.fund)),
            OK.has(FUND),
        ),
        row(
            "GET /api/v1/funds/{id}/entries",
            Officer,
            read(&["00004"]),
            R::Commune,
            |c, _| {
                get(format!(
                    "/api/v1/funds/{}/entries?q=sach%20ba%20dinh",
                    c.fund
                ))
            },
            OK.has("\"voucher_no\":\"PT-"),
        ),
        row(
            "POST /api/v1/funds/{id}/entries",
            Officer,
            act(perm::FUND_POST, &["00004"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/funds/{}/entries", c.fund),
                    serde_json::json!({"category": "membership_fee", "amount": 200_000}),
                )
            },
            CREATED.has("\"voucher_no\":\"PT-"),
        ),
        row(
            "POST /api/v1/funds/{id}/transfers",
            Officer,
            act(perm::FUND_POST, &["00004"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/funds/{}/transfers", c.fund),
                    serde_json::json!({"to_fund_id": c.fund2, "amount": 50_000}),
                )
            },
            CREATED.has("\"kind\":\"transfer_out\""),
        ),
        row(
            "GET /api/v1/funds/{id}/pledges",
            Officer,
            read(&["00004"]),
            R::Commune,
            |c, _| get(format!("/api/v1/funds/{}/pledges", c.fund)),
            OK,
        ),
        row(
            "POST /api/v1/funds/{id}/pledges",
            Officer,
            act(perm::FUND_POST, &["00004"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/funds/{}/pledges", c.fund),
                    serde_json::json!({"party": "Bà Lê Thị Mai", "amount": 1_000_000}),
                )
            },
            CREATED.has("\"remaining\":1000000"),
        ),
        row(
            "GET /api/v1/funds/{id}/report",
            Officer,
            read(&["00004"]),
            R::Commune,
            |c, _| get(format!("/api/v1/funds/{}/report", c.fund)),
            OK.has("closing"),
        ),
        row(
            "POST /api/v1/entries/{id}/reversal",
            Officer,
            act(perm::FUND_POST, &["00004"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/entries/{}/reversal", c.reverse_api),
                    serde_json::json!({"reason": "Ghi nhầm số tiền"}),
                )
            },
            CREATED.has("\"kind\":\"reversal\""),
        ),
        row(
            "POST /api/v1/funds/{id}/programmes",
            Officer,
            act(perm::FUND_MANAGE, &["00004"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/funds/{}/programmes", c.fund),
                    serde_json::json!({"kind": "scholarship", "name": "Học bổng qua API", "target_group": "Học sinh", "criteria": "Vượt khó", "amount_each": 400_000}),
                )
            },
            CREATED.has("\"status\":\"nominating\""),
        ),
        row(
            "GET /api/v1/programmes/{id}",
            Officer,
            read_or_below(&["00004"]),
            R::Commune,
            |c, _| get(format!("/api/v1/programmes/{}", c.programme)),
            OK.has(PROGRAMME),
        ),
        row(
            "POST /api/v1/programmes/{id}/nominations",
            Officer,
            act(perm::PROGRAMME_NOMINATE, &["00004-1"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/programmes/{}/nominations", c.programme),
                    serde_json::json!({"unit_code": "00004-1", "full_name": "Lê Thu Trang", "birth_year": 2011, "reason": "Học giỏi, gia đình khó khăn"}),
                )
            },
            CREATED.has("\"status\":\"nominated\""),
        ),
        row(
            "POST /api/v1/nominations/{id}/decision",
            Officer,
            act(perm::FUND_MANAGE, &["00004"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/nominations/{}/decision", c.nomination_api),
                    serde_json::json!({"decision": "select", "reason": "Đủ điều kiện"}),
                )
            },
            OK.has("\"status\":\"selected\""),
        ),
        row(
            "POST /api/v1/programmes/{id}/payments",
            Officer,
            act(perm::FUND_POST, &["00004"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/programmes/{}/payments", c.pay_api),
                    serde_json::json!({}),
                )
            },
            CREATED.has("\"paid\":1"),
        ),
        row(
            "POST /api/v1/programmes/{id}/publish",
            Officer,
            act(perm::FUND_MANAGE, &["00004"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/programmes/{}/publish", c.publish_api),
                    serde_json::json!({}),
                )
            },
            OK.has("\"status\":\"published\""),
        ),
        row(
            "GET /api/v1/programmes/{id}/public",
            Public,
            Need::Anyone,
            R::Commune,
            |c, _| get(format!("/api/v1/programmes/{}/public", c.published)),
            public_list,
        ),
    ]
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
pub async fn setup(app: &TestApp, ctx: &mut Ctx) {
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
    // Another officer nominates (the Hà Nội chair, for the branch): the Ba Đình chair, who
    // decides, may not decide a nomination of their own (four eyes, `funds::programmes::decide`).
    // Not the branch officer: the matrix's branch role performs nothing in a position.
    let mut nominator = app.api_client(HANOI).await;
    let deciding = programme(app, &mut c, ctx.fund, "Học bổng chờ xét").await;
    ctx.nomination_page = nomination(app, &mut nominator, deciding, "Trần Thị Mai").await;
    ctx.nomination_api = nomination(app, &mut nominator, deciding, "Trần Văn Nam").await;
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
            let n = nomination(app, &mut nominator, id, nominee).await;
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
