//! Rows of the access matrix for meetings (issue 18, item 2; included by `tests/access.rs`).
//!
//! The targets are meetings hosted by Phường Ba Đình with its branch 00004-1 as điểm cầu, made
//! in `setup`: one on now (read, changed, answered, checked in), one not yet invited, one over
//! (its minutes). A meeting is read by Ba Đình and those above, and by the officers of the
//! invited branch; every change of it needs `unit.manage` over Ba Đình; the branch's answer
//! `unit.manage` over the branch. Checking in and the calendar feed's address are any signed-in
//! person's own (the service refuses those not invited). Out of scope, everything is 404.

use super::*;

/// Objects made for the meeting rows before the matrix runs.
#[derive(Default)]
pub struct CtxMeetings {
    /// On now, invited: read, edited, answered, checked in, documents linked.
    pub now: i64,
    /// Its check-in code.
    pub code: String,
    /// Not yet invited.
    pub draft: i64,
    /// Over, with 00004-1 attending: its minutes.
    pub over: i64,
    /// The Ba Đình chair's position (signs the minutes).
    pub signer: i64,
    /// A document of Ba Đình to link.
    pub document: i64,
    /// The branch officer (invited through the branch), marked present.
    pub branch_officer: i64,
    /// The citizen's calendar feed: `/calendar/{token}.ics`.
    pub feed: String,
}

const TITLE: &str = "Giao ban công tác khuyến học phường Ba Đình";
/// What the meeting's title keeps after the matrix edits it.
const SHOWN: &str = "Giao ban công tác khuyến học";

/// A Vietnam time `secs` from now, as typed.
fn typed(secs: i64) -> String {
    let at = chrono::Utc::now().timestamp() + secs + 7 * 3600;
    chrono::DateTime::from_timestamp(at, 0)
        .expect("time")
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

fn body(title: &str, from: i64, to: i64) -> serde_json::Value {
    serde_json::json!({
        "kind": "briefing", "title": title, "agenda": "Kết quả tháng",
        "starts_at": typed(from), "ends_at": typed(to),
        "place": "Hội trường phường", "generate_room": true,
        "invitees": [{"kind": "units", "codes": ["00004-1"]}],
    })
}

/// Makes the meetings, a document to link and the citizen's calendar feed.
pub async fn setup(app: &TestApp, ctx: &mut Ctx) {
    let mut c = app.api_client(BADINH).await;
    let mut c2 = c.clone();
    let mut created = vec![];
    for (title, from, to) in [
        (TITLE, -3600, 5 * 3600),
        ("Hội nghị chưa gửi giấy mời", 86_400, 90_000),
        ("Tập huấn đã kết thúc", -4 * 3600, -3 * 3600),
    ] {
        let d = ok(
            app,
            &mut c,
            "POST",
            "/api/v1/units/00004/meetings",
            body(title, from, to),
        )
        .await;
        created.push(d["meeting"]["id"].as_i64().expect("meeting"));
    }
    ctx.meetings.now = created[0];
    ctx.meetings.draft = created[1];
    ctx.meetings.over = created[2];
    for id in [ctx.meetings.now, ctx.meetings.over] {
        ok(
            app,
            &mut c2,
            "POST",
            &format!("/api/v1/meetings/{id}/invite"),
            serde_json::json!({}),
        )
        .await;
    }
    let d = ok(
        app,
        &mut c,
        "GET",
        &format!("/api/v1/meetings/{}", ctx.meetings.now),
        serde_json::json!({}),
    )
    .await;
    ctx.meetings.code = d["checkin_code"].as_str().expect("code").to_owned();
    sqlx::query(
        "UPDATE meeting_units SET answer = 'attend', attendees = 'Chi hội trưởng' WHERE meeting_id = $1",
    )
    .bind(ctx.meetings.over)
    .execute(&app.db.pool)
    .await
    .expect("attending");
    setup_links(app, ctx).await;
}

/// The signer, a document to link, the branch officer, and the calendar feeds.
async fn setup_links(app: &TestApp, ctx: &mut Ctx) {
    let mut c = app.api_client(BADINH).await;
    ctx.meetings.signer = sqlx::query_scalar(
        "SELECT p.id FROM positions p JOIN position_holdings h ON h.position_id = p.id \
         JOIN units u ON u.id = p.unit_id JOIN people pe ON pe.id = h.person_id \
         WHERE u.code = '00004' AND pe.phone = $1 AND h.to_at IS NULL",
    )
    .bind(BADINH)
    .fetch_one(&app.db.pool)
    .await
    .expect("signer");
    let doc = ok(
        app,
        &mut c,
        "POST",
        "/api/v1/units/00004/documents",
        serde_json::json!({"type_code": "gm", "summary": "Giấy mời giao ban", "signer_position_id": ctx.meetings.signer,
            "recipients": [{"kind": "units", "codes": ["00004-1"]}]}),
    )
    .await;
    ctx.meetings.document = doc["id"].as_i64().expect("document");
    ctx.meetings.branch_officer = app.person_id(BRANCH_OFFICER).await;
    let mut citizen = app.api_client(CITIZEN).await;
    let f = ok(
        app,
        &mut citizen,
        "POST",
        "/api/v1/me/calendar",
        serde_json::json!({}),
    )
    .await;
    ctx.meetings.feed = f["path"].as_str().expect("feed").to_owned();
    // The Ba Đình chair's own address, which the matrix withdraws (or replaces first).
    ok(
        app,
        &mut c,
        "POST",
        "/api/v1/me/calendar",
        serde_json::json!({}),
    )
    .await;
}

/// Who reads a meeting: Ba Đình and above, and the invited branch.
const READERS: &[&str] = &["00004", "00004-1"];

#[allow(clippy::too_many_lines)] // one row per route
pub fn rows() -> Vec<Row> {
    use Access::*;
    let manage = || act(perm::UNIT_MANAGE, &["00004"]);
    vec![
        row(
            "GET /units/{code}/meetings",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/units/00004/meetings"),
            OK.has(SHOWN),
        ),
        row(
            "GET /units/{code}/meetings/new",
            Officer,
            manage(),
            R::Commune,
            |_, _| get("/units/00004/meetings/new"),
            OK.has("datetime-local"),
        ),
        row(
            "POST /units/{code}/meetings",
            Officer,
            manage(),
            R::Commune,
            |_, _| Req {
                path: "/units/00004/meetings".into(),
                payload: Payload::Form(vec![
                    ("kind".into(), "conference".into()),
                    ("title".into(), "Hội nghị qua trang".into()),
                    ("starts_at".into(), typed(7200)),
                    ("ends_at".into(), typed(9000)),
                    ("place".into(), "Hội trường".into()),
                    ("room".into(), "generate".into()),
                    ("units".into(), "00004-1".into()),
                ]),
                fresh: false,
            },
            see("/meetings/*"),
        ),
        row(
            "GET /meetings/{id}",
            SignedIn,
            read(READERS),
            R::Commune,
            |c, _| get(format!("/meetings/{}", c.meetings.now)),
            OK.has(SHOWN),
        ),
        row(
            "POST /meetings/{id}/answer",
            Officer,
            act(perm::UNIT_MANAGE, &["00004-1"]),
            R::Commune,
            |c, _| Req {
                path: format!("/meetings/{}/answer", c.meetings.now),
                payload: Payload::Form(vec![
                    ("unit_code".into(), "00004-1".into()),
                    ("answer".into(), "attend".into()),
                    ("attendees".into(), "Chi hội trưởng".into()),
                ]),
                fresh: false,
            },
            see("/meetings/*"),
        ),
        row(
            "POST /meetings/{id}/checkin",
            SignedIn,
            Need::Own,
            R::Commune,
            |c, _| Req {
                path: format!("/meetings/{}/checkin", c.meetings.now),
                payload: Payload::Form(vec![("code".into(), c.meetings.code.clone())]),
                fresh: false,
            },
            see("/meetings/*"),
        ),
        row(
            "GET /api/v1/units/{code}/meetings",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/api/v1/units/00004/meetings"),
            OK.has(SHOWN),
        ),
        row(
            "POST /api/v1/units/{code}/meetings",
            Officer,
            manage(),
            R::Commune,
            |_, _| {
                json(
                    "/api/v1/units/00004/meetings",
                    body("Hội nghị qua API", 7200, 9000),
                )
            },
            CREATED,
        ),
        row(
            "GET /api/v1/meetings/{id}",
            SignedIn,
            read(READERS),
            R::Commune,
            |c, _| get(format!("/api/v1/meetings/{}", c.meetings.now)),
            OK.has(SHOWN),
        ),
        row(
            "PATCH /api/v1/meetings/{id}",
            Officer,
            manage(),
            R::Commune,
            |c, _| {
                let mut b = body("Giao ban công tác khuyến học (sửa)", -3600, 6 * 3600);
                b["place"] = serde_json::json!("Phòng họp số 2");
                json(format!("/api/v1/meetings/{}", c.meetings.now), b)
            },
            OK.has("Phòng họp số 2"),
        ),
        row(
            "POST /api/v1/meetings/{id}/invite",
            Officer,
            manage(),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/meetings/{}/invite", c.meetings.draft),
                    serde_json::json!({}),
                )
            },
            OK.has("00004-1"),
        ),
        row(
            "POST /api/v1/meetings/{id}/answer",
            Officer,
            act(perm::UNIT_MANAGE, &["00004-1"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/meetings/{}/answer", c.meetings.now),
                    serde_json::json!({"unit_code": "00004-1", "attend": true, "attendees": "Chi hội trưởng"}),
                )
            },
            OK.has("Chi hội trưởng"),
        ),
        row(
            "POST /api/v1/meetings/{id}/checkin",
            SignedIn,
            Need::Own,
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/meetings/{}/checkin", c.meetings.now),
                    serde_json::json!({"code": c.meetings.code}),
                )
            },
            OK.has("\"code\""),
        ),
        row(
            "POST /api/v1/meetings/{id}/present",
            Officer,
            manage(),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/meetings/{}/present", c.meetings.now),
                    serde_json::json!({"person_id": c.meetings.branch_officer}),
                )
            },
            OK.has("\"host\""),
        ),
        row(
            "POST /api/v1/meetings/{id}/documents",
            Officer,
            manage(),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/meetings/{}/documents", c.meetings.now),
                    serde_json::json!({"document_id": c.meetings.document}),
                )
            },
            OK.has("Giấy mời giao ban"),
        ),
        row(
            "POST /api/v1/meetings/{id}/minutes",
            Officer,
            manage(),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/meetings/{}/minutes", c.meetings.over),
                    serde_json::json!({"summary": "Biên bản tập huấn", "signer_position_id": c.meetings.signer}),
                )
            },
            OK.has("minutes_document_id"),
        ),
        row(
            "POST /api/v1/me/calendar",
            SignedIn,
            Need::Own,
            R::Commune,
            |_, _| json("/api/v1/me/calendar", serde_json::json!({})),
            CREATED.has("/calendar/"),
        ),
        row(
            "DELETE /api/v1/me/calendar",
            SignedIn,
            Need::Own,
            R::Commune,
            |_, _| get("/api/v1/me/calendar"),
            OK.has("\"active\":false"),
        ),
        row(
            "GET /meetings/{id}/meeting.ics",
            SignedIn,
            read(READERS),
            R::Commune,
            |c, _| get(format!("/meetings/{}/meeting.ics", c.meetings.now)),
            OK.has("BEGIN:VCALENDAR"),
        ),
        row(
            "GET /calendar/{file}",
            Public,
            Need::Anyone,
            R::Commune,
            |c, _| get(c.meetings.feed.clone()),
            OK.has("BEGIN:VCALENDAR"),
        ),
    ]
}
