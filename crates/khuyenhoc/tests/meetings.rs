//! Meetings (issue 18, item 2) on both backends: a training of the central office with all 34
//! provinces as điểm cầu and a citizen invited by name: invitations and reminders queued,
//! confirmations, the room link shown only from 30 minutes before the start, check-in by code
//! (a wrong code and a code outside the meeting refused), the minutes issued as a document that
//! reaches the incoming register of the units that attended (not of one that declined), the
//! `.ics` file read back by a real iCalendar parser, a person's calendar feed that stops once its
//! address is withdrawn, the training in the citizen's lifelong-learning record, out of scope 404.

mod common;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;
use serde_json::json;

const TITLE: &str = "Tập huấn nghiệp vụ khuyến học, khuyến tài năm nay";

/// The position a person holds at a unit.
async fn position_of(app: &TestApp, unit: &str, phone: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT p.id FROM positions p JOIN position_holdings h ON h.position_id = p.id \
         JOIN units u ON u.id = p.unit_id JOIN people pe ON pe.id = h.person_id \
         WHERE u.code = $1 AND pe.phone = $2 AND h.to_at IS NULL",
    )
    .bind(unit)
    .bind(phone)
    .fetch_one(&app.db.pool)
    .await
    .expect("position")
}

/// A moment `secs` from the app's now, as typed in Vietnam time, and the moment itself.
fn vn_typed(app: &TestApp, secs: i64) -> (String, i64) {
    let at = app.state.clock.now().timestamp() + secs;
    let at = at - at % 60;
    let d = chrono::DateTime::from_timestamp(at + 7 * 3600, 0).expect("time");
    (d.format("%Y-%m-%dT%H:%M").to_string(), at)
}

fn set_clock(app: &TestApp, at: i64) {
    app.state
        .clock
        .set(chrono::DateTime::from_timestamp(at, 0).expect("time"));
}

fn ics_events(body: &str) -> Vec<ical::parser::ical::component::IcalEvent> {
    let mut cals = ical::IcalParser::new(std::io::BufReader::new(body.as_bytes()));
    let cal = cals
        .next()
        .expect("a calendar")
        .expect("a calendar that parses");
    assert!(cals.next().is_none(), "one calendar");
    cal.events
}

fn prop(e: &ical::parser::ical::component::IcalEvent, name: &str) -> String {
    e.properties
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.clone())
        .unwrap_or_else(|| panic!("no {name}"))
}

both_backends!(a_training_with_34_provinces, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut central = app.api_client(CENTRAL).await;
    let mut hanoi = app.api_client(HANOI).await;
    let mut hoabinh = app.api_client(HOABINH).await;
    let mut badinh = app.api_client(BADINH).await;
    let mut citizen = app.api_client(CITIZEN).await;
    let citizen_id = app.person_id(CITIZEN).await;
    let (start_typed, start) = vn_typed(&app, 2 * 86_400);
    let (end_typed, end) = vn_typed(&app, 2 * 86_400 + 3 * 3600);
    let body = json!({
        "kind": "training", "title": TITLE,
        "agenda": "1. Khai mạc; 2. Hướng dẫn đánh giá Công dân học tập; 3. Thảo luận",
        "starts_at": start_typed, "ends_at": end_typed,
        "place": "Hội trường Trung ương Hội, 56 Quốc Tử Giám, Hà Nội",
        "generate_room": true,
        "invitees": [{"kind": "level", "level": "province"}],
        "people": [citizen_id],
    });
    // Checked: the end after the start, years 2000-2100.
    let mut bad = body.clone();
    bad["ends_at"] = json!(start_typed);
    call(
        &app,
        &mut central,
        "POST",
        "/api/v1/units/VN/meetings",
        bad,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let mut bad = body.clone();
    bad["starts_at"] = json!("1999-12-31T08:00");
    call(
        &app,
        &mut central,
        "POST",
        "/api/v1/units/VN/meetings",
        bad,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let d = call(
        &app,
        &mut central,
        "POST",
        "/api/v1/units/VN/meetings",
        body,
        StatusCode::CREATED,
    )
    .await;
    let id = d["meeting"]["id"].as_i64().expect("id");
    assert_eq!(d["meeting"]["kind"], "training");
    assert_eq!(d["meeting"]["online"], true);
    assert_eq!(d["meeting"]["invited"], false);
    assert!(d["meeting"]["starts_at"]
        .as_str()
        .expect("start")
        .ends_with("+07:00"));
    let room: String = sqlx::query_scalar("SELECT room_url FROM meetings WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .expect("room");
    assert!(room.starts_with("https://meet.jit.si/khuyenhoc-"), "{room}");
    assert!(
        room.len() > "https://meet.jit.si/khuyenhoc-".len() + 30,
        "unguessable: {room}"
    );
    // Before the invitations, a province reads nothing of it.
    call(
        &app,
        &mut hanoi,
        "GET",
        &format!("/api/v1/meetings/{id}"),
        json!({}),
        StatusCode::NOT_FOUND,
    )
    .await;

    // Invitations: 34 điểm cầu frozen, participants told, two reminders queued once.
    let d = ok(
        &app,
        &mut central,
        "POST",
        &format!("/api/v1/meetings/{id}/invite"),
        json!({}),
    )
    .await;
    assert_eq!(d["counts"]["units"], 34);
    assert_eq!(d["counts"]["unanswered"], 34);
    call(
        &app,
        &mut central,
        "POST",
        &format!("/api/v1/meetings/{id}/invite"),
        json!({}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let reminders = scalar(&app, &format!("SELECT COUNT(*) FROM jobs WHERE kind = 'meetings.remind' AND unique_key LIKE 'meetings.remind:{id}:%'")).await;
    assert_eq!(reminders, 2);
    let hanoi_id = app.person_id(HANOI).await;
    let told = scalar(&app, &format!("SELECT COUNT(*) FROM notices WHERE person_id = {hanoi_id} AND text_vi LIKE '%Tập huấn nghiệp vụ khuyến học%'")).await;
    assert_eq!(told, 1);
    let told = scalar(&app, &format!("SELECT COUNT(*) FROM notices WHERE person_id = {citizen_id} AND text_vi LIKE '%Tập huấn nghiệp vụ khuyến học%'")).await;
    assert_eq!(told, 1);
    // The reminder job tells them again.
    khuyenhoc::meetings::remind::remind(&app.db, id, "hour")
        .await
        .expect("remind");
    let told = scalar(&app, &format!("SELECT COUNT(*) FROM notices WHERE person_id = {hanoi_id} AND text_vi LIKE 'Nhắc lịch%'")).await;
    assert_eq!(told, 1);

    // Scope: an invited province reads it; a commune below it, or elsewhere, does not.
    let d = ok(
        &app,
        &mut hanoi,
        "GET",
        &format!("/api/v1/meetings/{id}"),
        json!({}),
    )
    .await;
    assert_eq!(d["may_manage"], false);
    assert!(
        d["checkin_code"].is_null(),
        "the code is the host's to show"
    );
    assert!(d["room_link"].is_null(), "no room link two days before");
    assert!(d["room_note"].as_str().expect("note").contains("30 phút"));
    for c in [&mut hoabinh, &mut badinh] {
        call(
            &app,
            c,
            "GET",
            &format!("/api/v1/meetings/{id}"),
            json!({}),
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    call(
        &app,
        &mut hoabinh,
        "GET",
        "/api/v1/units/01/meetings",
        json!({}),
        StatusCode::NOT_FOUND,
    )
    .await;
    let (_, _, ics) = app
        .download(&hoabinh, &format!("/meetings/{id}/meeting.ics"))
        .await;
    assert!(!String::from_utf8_lossy(&ics).contains("BEGIN:VCALENDAR"));
    let list = ok(
        &app,
        &mut hanoi,
        "GET",
        "/api/v1/units/01/meetings?q=tap%20huan",
        json!({}),
    )
    .await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], id);

    // Confirmations: Hà Nội attends (naming who), the central office declines for Phú Thọ;
    // Hà Nội cannot answer for Phú Thọ.
    call(
        &app,
        &mut hanoi,
        "POST",
        &format!("/api/v1/meetings/{id}/answer"),
        json!({"unit_code": "01", "attend": true}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    ok(&app, &mut hanoi, "POST", &format!("/api/v1/meetings/{id}/answer"), json!({"unit_code": "01", "attend": true, "attendees": "Chủ tịch Hội, 2 cán bộ chuyên trách"})).await;
    call(
        &app,
        &mut hanoi,
        "POST",
        &format!("/api/v1/meetings/{id}/answer"),
        json!({"unit_code": "25", "attend": false}),
        StatusCode::NOT_FOUND,
    )
    .await;
    let d = ok(
        &app,
        &mut central,
        "POST",
        &format!("/api/v1/meetings/{id}/answer"),
        json!({"unit_code": "25", "attend": false}),
    )
    .await;
    assert_eq!(d["counts"]["attending"], 1);
    assert_eq!(d["counts"]["declined"], 1);
    assert_eq!(d["counts"]["unanswered"], 32);
    let code = d["checkin_code"]
        .as_str()
        .expect("the host sees the code")
        .to_owned();
    assert_eq!(code.len(), 8);

    // Check-in: refused before the meeting even with the right code.
    call(
        &app,
        &mut hanoi,
        "POST",
        &format!("/api/v1/meetings/{id}/checkin"),
        json!({"code": code}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    set_clock(&app, start + 600);
    let wrong = if code == "AAAAAAAA" {
        "BBBBBBBB"
    } else {
        "AAAAAAAA"
    };
    call(
        &app,
        &mut hanoi,
        "POST",
        &format!("/api/v1/meetings/{id}/checkin"),
        json!({"code": wrong}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let d = ok(
        &app,
        &mut hanoi,
        "POST",
        &format!("/api/v1/meetings/{id}/checkin"),
        json!({"code": code.to_lowercase()}),
    )
    .await;
    assert_eq!(d["counts"]["present"], 1);
    assert!(d["room_link"]
        .as_str()
        .expect("room during the meeting")
        .starts_with("https://meet.jit.si/"));
    ok(
        &app,
        &mut citizen,
        "POST",
        &format!("/api/v1/meetings/{id}/checkin"),
        json!({"code": code}),
    )
    .await;
    // The host marks present only those invited.
    let badinh_id = app.person_id(BADINH).await;
    call(
        &app,
        &mut central,
        "POST",
        &format!("/api/v1/meetings/{id}/present"),
        json!({"person_id": badinh_id}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let d = ok(
        &app,
        &mut central,
        "POST",
        &format!("/api/v1/meetings/{id}/present"),
        json!({"person_id": hanoi_id}),
    )
    .await;
    assert_eq!(d["counts"]["present"], 2);
    set_clock(&app, end + 60);
    call(
        &app,
        &mut citizen,
        "POST",
        &format!("/api/v1/meetings/{id}/checkin"),
        json!({"code": code}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    // Minutes: a biên bản issued to the units that attended.
    let signer = position_of(&app, "VN", CENTRAL).await;
    let d = ok(
        &app,
        &mut central,
        "POST",
        &format!("/api/v1/meetings/{id}/minutes"),
        json!({"summary": "Biên bản hội nghị tập huấn nghiệp vụ", "signer_position_id": signer}),
    )
    .await;
    let doc = d["meeting"]["minutes_document_id"]
        .as_i64()
        .expect("minutes");
    call(
        &app,
        &mut central,
        "POST",
        &format!("/api/v1/meetings/{id}/minutes"),
        json!({"summary": "x", "signer_position_id": signer}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let inc = ok(
        &app,
        &mut hanoi,
        "GET",
        "/api/v1/units/01/incoming",
        json!({}),
    )
    .await;
    assert_eq!(inc["total"], 1);
    assert_eq!(inc["items"][0]["symbol"], "1/BB-HKH");
    let inc = ok(
        &app,
        &mut central,
        "GET",
        "/api/v1/units/25/incoming",
        json!({}),
    )
    .await;
    assert_eq!(inc["total"], 0, "Phú Thọ declined: no minutes");
    let issued: String = sqlx::query_scalar("SELECT state FROM documents WHERE id = $1")
        .bind(doc)
        .fetch_one(&app.db.pool)
        .await
        .expect("state");
    assert_eq!(issued, "issued");
    // A document linked to the meeting.
    let d = ok(
        &app,
        &mut central,
        "POST",
        &format!("/api/v1/meetings/{id}/documents"),
        json!({"document_id": doc}),
    )
    .await;
    assert_eq!(d["documents"][0]["id"], doc);

    // The .ics file, read by a real iCalendar parser.
    let (status, headers, bytes) = app
        .download(&hanoi, &format!("/meetings/{id}/meeting.ics"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[axum::http::header::CONTENT_TYPE]
        .to_str()
        .expect("type")
        .starts_with("text/calendar"));
    let text = String::from_utf8(bytes).expect("utf-8");
    assert!(text.contains("\r\n") && text.lines().all(|l| l.len() <= 76));
    let events = ics_events(&text);
    assert_eq!(events.len(), 1);
    // Escaped as TEXT (`\,`), whether or not the parser unescapes it.
    assert_eq!(
        prop(&events[0], "SUMMARY").replace('\\', ""),
        format!("Tập huấn: {TITLE}")
    );
    let utc = |at: i64| {
        chrono::DateTime::from_timestamp(at, 0)
            .expect("t")
            .format("%Y%m%dT%H%M%SZ")
            .to_string()
    };
    assert_eq!(prop(&events[0], "DTSTART"), utc(start));
    assert_eq!(prop(&events[0], "DTEND"), utc(end));
    assert!(prop(&events[0], "UID").starts_with(&format!("meeting-{id}@")));
    assert!(
        !text.contains("meet.jit.si"),
        "the room link waits for the page"
    );

    // The citizen's calendar feed, then withdrawn.
    let f = call(
        &app,
        &mut citizen,
        "POST",
        "/api/v1/me/calendar",
        json!({}),
        StatusCode::CREATED,
    )
    .await;
    let path = f["path"].as_str().expect("path").to_owned();
    let mut stranger = Client::default();
    let r = app.get(&mut stranger, &path).await;
    assert_eq!(r.status, StatusCode::OK);
    let events = ics_events(&r.body);
    assert_eq!(events.len(), 1);
    assert!(prop(&events[0], "SUMMARY").contains("Tập huấn nghiệp vụ"));
    call(
        &app,
        &mut citizen,
        "DELETE",
        "/api/v1/me/calendar",
        json!({}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        app.get(&mut stranger, &path).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&mut stranger, "/calendar/nothing.ics").await.status,
        StatusCode::NOT_FOUND
    );

    // The training in the citizen's lifelong-learning record.
    let r = ok(&app, &mut citizen, "GET", "/api/v1/me/record", json!({})).await;
    assert_eq!(r["trainings"][0]["title"], TITLE);
    assert_eq!(r["trainings"].as_array().map(Vec::len), Some(1));

    // Audit entries for the changes.
    let audited = scalar(
        &app,
        &format!("SELECT COUNT(*) FROM audit_log WHERE entity = 'meeting' AND entity_id = '{id}'"),
    )
    .await;
    assert!(audited >= 4, "create, invite, minutes, link: {audited}");
});
