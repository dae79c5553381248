//! Positions change hands: rights follow the position at once, the audit log keeps naming
//! whoever acted, the history lists every holder, a handover cannot leave the actor's scope,
//! the database allows one current holder per position, vacating empties the position, and
//! nobody makes, hands over or empties a position carrying a right they lack.

mod common;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;
use serde_json::json;

/// The phone of the person who takes the Ba Đình chair over.
const SUCCESSOR: &str = "0912345678";
const SUCCESSOR_NAME: &str = "Ngô Thị Mai";

/// The open position of this type at the unit.
async fn position_of(app: &TestApp, unit: &str, type_code: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT p.id FROM positions p JOIN units u ON u.id = p.unit_id \
         JOIN position_types t ON t.id = p.type_id \
         WHERE u.code = $1 AND t.code = $2 AND p.closed_at IS NULL",
    )
    .bind(unit)
    .bind(type_code)
    .fetch_one(&app.db.pool)
    .await
    .expect("position")
}

/// (person id, from, to) of every holding of the position, oldest first.
async fn holdings(app: &TestApp, position: i64) -> Vec<(i64, i64, Option<i64>)> {
    sqlx::query_as(
        "SELECT person_id, from_at, to_at FROM position_holdings WHERE position_id = $1 ORDER BY id",
    )
    .bind(position)
    .fetch_all(&app.db.pool)
    .await
    .expect("holdings")
}

/// How many audit entries the position has.
async fn audit_count(app: &TestApp, position: i64) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'position' AND entity_id = $1",
    )
    .bind(position.to_string())
    .fetch_one(&app.db.pool)
    .await
    .expect("count")
}

/// Registers the successor in Ba Đình (with the demo password, so they can log in).
async fn register_successor(app: &TestApp, officer: &mut Client) -> i64 {
    let r = app
        .json(
            officer,
            "POST",
            "/api/v1/units/00004/people",
            json!({"full_name": SUCCESSOR_NAME, "phone": SUCCESSOR, "password": PASSWORD, "birth_year": "1985"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().expect("person id")
}

/// The rows of the "holders over time" table of a position page: (name, from, to).
fn holder_rows(page: &str) -> Vec<(String, String, String)> {
    let start = page
        .find("Những người đã giữ chức danh")
        .expect("the holders table");
    let table = &page[start..];
    let body =
        &table[table.find("<tbody>").expect("tbody")..table.find("</tbody>").expect("/tbody")];
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            let cells: Vec<String> = row
                .split("<td>")
                .skip(1)
                .map(|c| {
                    c.split("</td>")
                        .next()
                        .unwrap_or_default()
                        .trim()
                        .to_owned()
                })
                .collect();
            assert_eq!(cells.len(), 3, "a holder row has three cells: {row}");
            (cells[0].clone(), cells[1].clone(), cells[2].clone())
        })
        .collect()
}

fn is_time_text(s: &str) -> bool {
    // `27/11/2026 22:48`
    let b = s.as_bytes();
    b.len() == 16
        && b.iter().enumerate().all(|(i, c)| match i {
            2 | 5 => *c == b'/',
            10 => *c == b' ',
            13 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

both_backends!(handover_moves_rights_at_once, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let chair = position_of(&app, "00004", "chair").await;
    let old_id = app.person_id(BADINH).await;
    let hanoi_id = app.person_id(HANOI).await;
    let mut hanoi = app.api_client(HANOI).await;
    let mut old = app.api_client(BADINH).await;
    let mut old_web = app.login(BADINH).await;

    // Before the handover the Ba Đình chair opens a branch.
    let r = app
        .json(
            &mut old,
            "POST",
            "/api/v1/units/00004/branches",
            json!({"name": "Chi hội Tổ dân phố số 5", "kind": "village"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let branch = r.json()["code"].as_str().expect("code").to_owned();
    let new_id = register_successor(&app, &mut hanoi).await;
    let r = app.get(&mut old, "/api/v1/units/00004").await;
    assert_eq!(r.status, StatusCode::OK, "the chair still reads the ward");

    // The Hà Nội chair hands the Ba Đình chair over.
    let r = app
        .json(
            &mut hanoi,
            "POST",
            &format!("/api/v1/positions/{chair}/handover"),
            json!({"person_id": new_id}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["holder"]["person_id"], new_id);
    assert_eq!(r.json()["holder"]["full_name"], SUCCESSOR_NAME);

    // At once the old holder's token and session lose the rights.
    let r = app.get(&mut old, "/api/v1/units/00004").await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "the old holder lost the ward: {}",
        r.body
    );
    let r = app.get(&mut old, &format!("/api/v1/units/{branch}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .json(
            &mut old,
            "POST",
            "/api/v1/units/00004/branches",
            json!({"name": "Chi hội Tổ dân phố số 6", "kind": "village"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = app.get(&mut old, "/api/v1/me").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json()["positions"],
        json!([]),
        "the old holder holds nothing now"
    );
    let r = app.get(&mut old_web, "/units/00004").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The new holder works in Ba Đình at once: reads it, renames the branch, opens another.
    let mut new = app.api_client(SUCCESSOR).await;
    let r = app.get(&mut new, "/api/v1/units/00004").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .json(
            &mut new,
            "PATCH",
            &format!("/api/v1/units/{branch}"),
            json!({"name": "Chi hội Tổ dân phố số 5 (mới)"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .json(
            &mut new,
            "POST",
            "/api/v1/units/00004/branches",
            json!({"name": "Chi hội Tổ dân phố số 7", "kind": "village"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app.get(&mut new, "/api/v1/me").await;
    assert_eq!(r.json()["positions"][0]["position_id"], chair);

    // The branch's history names each person who acted, in the same position.
    let r = app
        .get(
            &mut hanoi,
            &format!("/api/v1/audit?entity=unit&entity_id={branch}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let entries = r.json();
    let entries = entries["items"].as_array().expect("entries");
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(entries[0]["action"], "rename");
    assert_eq!(entries[0]["person_id"], new_id);
    assert_eq!(entries[0]["person_name"], SUCCESSOR_NAME);
    assert_eq!(entries[0]["position_id"], chair);
    assert_eq!(entries[1]["action"], "open");
    assert_eq!(entries[1]["person_id"], old_id);
    assert_eq!(entries[1]["person_name"], "Lê Văn Đình");
    assert_eq!(entries[1]["position_id"], chair);

    // The handover itself is logged under the Hà Nội chair, with both holders.
    let r = app
        .get(
            &mut hanoi,
            &format!("/api/v1/audit?entity=position&entity_id={chair}"),
        )
        .await;
    let entries = r.json();
    let handover = entries["items"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["action"] == "handover")
        .expect("a handover entry")
        .clone();
    assert_eq!(handover["person_id"], hanoi_id);
    let before: serde_json::Value =
        serde_json::from_str(handover["before"].as_str().expect("before")).expect("JSON");
    let after: serde_json::Value =
        serde_json::from_str(handover["after"].as_str().expect("after")).expect("JSON");
    assert_eq!(before["holder"], old_id);
    assert_eq!(after["holder"], new_id);

    // The database keeps both holdings, the first ending when the second begins.
    let h = holdings(&app, chair).await;
    assert_eq!(h.len(), 2, "{h:?}");
    assert_eq!(h[0].0, old_id);
    assert_eq!(h[1].0, new_id);
    assert_eq!(
        h[0].2,
        Some(h[1].1),
        "the old holding ends as the new begins"
    );
    assert_eq!(h[1].2, None);

    // The position page lists both holders with their dates, newest first.
    let mut web = app.login(HANOI).await;
    let r = app.get(&mut web, &format!("/positions/{chair}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rows = holder_rows(&r.body);
    assert_eq!(rows.len(), 2, "{rows:?}");
    let (new_name, new_from, new_to) = &rows[0];
    let (old_name, old_from, old_to) = &rows[1];
    assert_eq!(new_name, SUCCESSOR_NAME);
    assert_eq!(old_name, "Lê Văn Đình");
    assert!(is_time_text(new_from) && is_time_text(old_from), "{rows:?}");
    assert_eq!(new_to, "nay", "the new holder holds it now");
    assert!(is_time_text(old_to), "the old holding has an end: {rows:?}");
    assert_eq!(old_to, new_from, "one holding ends when the next begins");
    assert!(
        r.body
            .contains(&format!("/people/{new_id}\">{SUCCESSOR_NAME}</a>")),
        "the current holder is named"
    );
});

both_backends!(
    handover_outside_scope_changes_nothing,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let chair = position_of(&app, "00004", "chair").await;
        let old_id = app.person_id(BADINH).await;
        let outsider = app.person_id(HOABINH).await;
        let mut hanoi = app.api_client(HANOI).await;
        let holdings_before = holdings(&app, chair).await;
        let audit_before = audit_count(&app, chair).await;

        // Phú Thọ's chair is not in Hà Nội's scope: by id, by phone, and through the page.
        let by_id = app
            .json(
                &mut hanoi,
                "POST",
                &format!("/api/v1/positions/{chair}/handover"),
                json!({"person_id": outsider}),
            )
            .await;
        assert_eq!(
            by_id.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            by_id.body
        );
        assert_eq!(by_id.json()["errors"][0]["field"], "person");
        let by_phone = app
            .json(
                &mut hanoi,
                "POST",
                &format!("/api/v1/positions/{chair}/handover"),
                json!({"phone": HOABINH}),
            )
            .await;
        assert_eq!(
            by_phone.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            by_phone.body
        );
        // The answer is the same as for somebody who does not exist: no hint that they do.
        let nobody = app
            .json(
                &mut hanoi,
                "POST",
                &format!("/api/v1/positions/{chair}/handover"),
                json!({"person_id": 999_999}),
            )
            .await;
        assert_eq!(nobody.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(by_id.body, nobody.body);
        let mut web = app.login(HANOI).await;
        let r = app
            .post_form(
                &mut web,
                &format!("/positions/{chair}/handover"),
                &[("phone", HOABINH)],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r
            .body
            .contains("Không tìm thấy người nhận trong phạm vi của bạn"));

        // Scope is the actor's subtree: the Ba Đình chair cannot hand their position to the Hà Nội
        // chair either (Hà Nội's office is above Ba Đình, not inside it).
        let mut badinh = app.api_client(BADINH).await;
        let r = app
            .json(
                &mut badinh,
                "POST",
                &format!("/api/v1/positions/{chair}/handover"),
                json!({"phone": HANOI}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);

        // Nothing changed: the same holder, the same holdings, no audit entry, the same rights.
        let r = app
            .get(&mut hanoi, &format!("/api/v1/positions/{chair}"))
            .await;
        assert_eq!(r.json()["holder"]["person_id"], old_id);
        assert_eq!(holdings(&app, chair).await, holdings_before);
        assert_eq!(audit_count(&app, chair).await, audit_before);
        let r = app.get(&mut badinh, "/api/v1/units/00004").await;
        assert_eq!(r.status, StatusCode::OK);
        let mut outsider_api = app.api_client(HOABINH).await;
        let r = app.get(&mut outsider_api, "/api/v1/units/00004").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
);

both_backends!(one_current_holder_per_position, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let chair = position_of(&app, "00004", "chair").await;
    let citizen = app.person_id(CITIZEN).await;
    let t = khuyenhoc::db::now();
    let err = sqlx::query(
        "INSERT INTO position_holdings (position_id, person_id, from_at) VALUES ($1, $2, $3)",
    )
    .bind(chair)
    .bind(citizen)
    .bind(t)
    .execute(&app.db.pool)
    .await
    .expect_err("a second current holder must be refused by the database");
    let unique = err
        .as_database_error()
        .is_some_and(|e| e.is_unique_violation() || e.message().contains("UNIQUE"));
    assert!(unique, "not a uniqueness violation: {err:?}");

    // Past holdings are history, not current: any number of them may exist.
    let past: i64 = sqlx::query_scalar(
        "INSERT INTO position_holdings (position_id, person_id, from_at, to_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(chair)
    .bind(citizen)
    .bind(t - 7200)
    .bind(t - 3600)
    .fetch_one(&app.db.pool)
    .await
    .expect("a closed holding is allowed");
    // Reopening it would make two current holders.
    let err = sqlx::query("UPDATE position_holdings SET to_at = NULL WHERE id = $1")
        .bind(past)
        .execute(&app.db.pool)
        .await
        .expect_err("reopening a past holding must be refused");
    assert!(
        err.as_database_error()
            .is_some_and(|e| e.is_unique_violation() || e.message().contains("UNIQUE")),
        "{err:?}"
    );
    let current: Vec<i64> = sqlx::query_scalar(
        "SELECT person_id FROM position_holdings WHERE position_id = $1 AND to_at IS NULL",
    )
    .bind(chair)
    .fetch_all(&app.db.pool)
    .await
    .expect("current");
    assert_eq!(current, [app.person_id(BADINH).await]);
});

both_backends!(vacate_empties_the_position, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let chair = position_of(&app, "00004", "chair").await;
    let old_id = app.person_id(BADINH).await;
    let hanoi_id = app.person_id(HANOI).await;
    let mut hanoi = app.api_client(HANOI).await;
    let mut old = app.api_client(BADINH).await;
    let mut old_web = app.login(BADINH).await;
    assert_eq!(
        app.get(&mut old, "/api/v1/units/00004").await.status,
        StatusCode::OK
    );

    let r = app
        .json(
            &mut hanoi,
            "POST",
            &format!("/api/v1/positions/{chair}/vacate"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["holder"], serde_json::Value::Null);
    assert_eq!(r.json()["closed"], false, "a vacant position stays open");

    // The old holder lost the rights at once, through the API and the pages.
    let r = app.get(&mut old, "/api/v1/units/00004").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = app.get(&mut old, "/api/v1/me").await;
    assert_eq!(r.json()["positions"], json!([]));
    let r = app.get(&mut old_web, "/units/00004").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The position is empty, its history keeps the old holder with an end.
    let r = app
        .get(&mut hanoi, &format!("/api/v1/positions/{chair}"))
        .await;
    assert_eq!(r.json()["holder"], serde_json::Value::Null);
    let h = holdings(&app, chair).await;
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].0, old_id);
    assert!(h[0].2.is_some(), "the holding ended");
    let mut web = app.login(HANOI).await;
    let r = app.get(&mut web, &format!("/positions/{chair}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("đang trống"), "the page says vacant");
    let rows = holder_rows(&r.body);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, "Lê Văn Đình");
    assert!(is_time_text(&rows[0].2), "{rows:?}");

    // The log names who vacated it and whom it removed.
    let r = app
        .get(
            &mut hanoi,
            &format!("/api/v1/audit?entity=position&entity_id={chair}"),
        )
        .await;
    let entries = r.json();
    let e = &entries["items"].as_array().expect("entries")[0];
    assert_eq!(e["action"], "vacate");
    assert_eq!(e["person_id"], hanoi_id);
    let before: serde_json::Value =
        serde_json::from_str(e["before"].as_str().expect("before")).expect("JSON");
    assert_eq!(before["holder"], old_id);

    // Vacating an empty position changes nothing more.
    let count = audit_count(&app, chair).await;
    let r = app
        .json(
            &mut hanoi,
            "POST",
            &format!("/api/v1/positions/{chair}/vacate"),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["holder"], serde_json::Value::Null);
    assert_eq!(audit_count(&app, chair).await, count);

    // Filled again, the position gives its rights back to its new holder.
    let r = app
        .json(
            &mut hanoi,
            "POST",
            &format!("/api/v1/positions/{chair}/handover"),
            json!({"person_id": old_id}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app.get(&mut old, "/api/v1/units/00004").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(holdings(&app, chair).await.len(), 2);
});

both_backends!(
    concurrent_handovers_leave_one_holder,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let chair = position_of(&app, "00004", "chair").await;
        let mut hanoi = app.api_client(HANOI).await;
        let mut people = vec![];
        for i in 0..6 {
            let r = app
                .json(
                    &mut hanoi,
                    "POST",
                    "/api/v1/units/00004/people",
                    json!({"full_name": "Người Nhận", "phone": format!("091234500{i}")}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            people.push(r.json()["id"].as_i64().expect("id"));
        }
        // Six handovers of the same position at the same moment.
        let tasks: Vec<_> = people
            .iter()
            .map(|&p| {
                let app_router = app.router.clone();
                let token = hanoi.bearer.clone();
                tokio::spawn(async move {
                    use tower::ServiceExt;
                    let req =
                        axum::http::Request::post(format!("/api/v1/positions/{chair}/handover"))
                            .header("content-type", "application/json")
                            .header(
                                "authorization",
                                format!("Bearer {}", token.unwrap_or_default()),
                            )
                            .body(axum::body::Body::from(json!({"person_id": p}).to_string()))
                            .expect("request");
                    let resp = app_router.oneshot(req).await.expect("infallible");
                    let status = resp.status();
                    let body = http_body_util::BodyExt::collect(resp.into_body())
                        .await
                        .expect("body")
                        .to_bytes();
                    (status, String::from_utf8_lossy(&body).into_owned())
                })
            })
            .collect();
        let mut statuses = vec![];
        for t in tasks {
            statuses.push(t.await.expect("task"));
        }
        let current: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM position_holdings WHERE position_id = $1 AND to_at IS NULL",
        )
        .bind(chair)
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
        assert_eq!(current, 1, "exactly one current holder");
        assert!(
            statuses.iter().any(|(s, _)| *s == StatusCode::OK),
            "one handover at least succeeds: {statuses:?}"
        );
        let codes: Vec<u16> = statuses.iter().map(|(s, _)| s.as_u16()).collect();
        let failed = statuses.iter().find(|(s, _)| s.is_server_error());
        assert!(
            failed.is_none(),
            "a handover that loses the race must not answer 5xx: {codes:?}, e.g. {failed:?}"
        );
    }
);

// Nobody hands out a right they do not hold: a commune vice-chair (who keeps no books) may
// make and hand over vice-chair positions at the commune, but neither make a chair's position
// there, nor take or empty the chair's; each refusal leaves the positions and the audit log
// as they were.
/// A new position of `kind` in Ba Đình, made by `chair` and handed to `person`; its id.
async fn appoint(app: &TestApp, chair: &mut Client, kind: &str, person: i64) -> i64 {
    let j = ok(
        app,
        chair,
        "POST",
        "/api/v1/units/00004/positions",
        json!({ "type": kind }),
    )
    .await;
    let id = j["id"].as_i64().expect("position id");
    let path = format!("/api/v1/positions/{id}/handover");
    ok(app, chair, "POST", &path, json!({ "person_id": person })).await;
    id
}

both_backends!(
    a_position_grants_no_right_its_giver_lacks,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut chair = app.api_client(BADINH).await;
        let vice = register_successor(&app, &mut chair).await;
        appoint(&app, &mut chair, "vice_chair", vice).await;
        let mut v = app.api_client(SUCCESSOR).await;
        let ba_dinh_chair = position_of(&app, "00004", "chair").await;
        let before = (
            scalar(&app, "SELECT COUNT(*) FROM positions").await,
            scalar(&app, "SELECT COUNT(*) FROM position_holdings").await,
            scalar(&app, "SELECT COUNT(*) FROM audit_log").await,
        );
        // A chair's position at the commune: refused, the type named.
        let r = app
            .json(
                &mut v,
                "POST",
                "/api/v1/units/00004/positions",
                json!({"type": "chair"}),
            )
            .await;
        let p = problem(
            &r,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a chair made by a vice-chair",
        );
        assert!(r.body.contains("\"type\""), "{p}");
        // The chair's own position: neither taken nor emptied, as if it were out of reach.
        for (path, body) in [
            (
                format!("/api/v1/positions/{ba_dinh_chair}/handover"),
                json!({ "person_id": vice }),
            ),
            (
                format!("/api/v1/positions/{ba_dinh_chair}/vacate"),
                json!({}),
            ),
        ] {
            let r = app.json(&mut v, "POST", &path, body).await;
            problem(&r, StatusCode::NOT_FOUND, &path);
        }
        let after = (
            scalar(&app, "SELECT COUNT(*) FROM positions").await,
            scalar(&app, "SELECT COUNT(*) FROM position_holdings").await,
            scalar(&app, "SELECT COUNT(*) FROM audit_log").await,
        );
        assert_eq!(after, before, "the refusals changed nothing");
        let held: Vec<i64> = holdings(&app, ba_dinh_chair)
            .await
            .iter()
            .filter(|(_, _, to)| to.is_none())
            .map(|(p, _, _)| *p)
            .collect();
        assert_eq!(held, [app.person_id(BADINH).await]);
        // What the vice-chair holds, it hands on: a vice-chair's position at the commune.
        let r = app
            .json(
                &mut v,
                "POST",
                "/api/v1/units/00004/positions",
                json!({"type": "vice_chair"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let second = r.json()["id"].as_i64().expect("position id");
        let someone = register_person(&app, &mut chair, "00004", "Lý Thị Hạnh", "0912345699").await;
        let r = app
            .json(
                &mut v,
                "POST",
                &format!("/api/v1/positions/{second}/handover"),
                json!({ "person_id": someone }),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        // And the chair, holding every right, still makes a chair's position at the commune.
        let r = app
            .json(
                &mut chair,
                "POST",
                "/api/v1/units/00004/positions",
                json!({"type": "chair", "title": "Chủ tịch danh dự"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
);
