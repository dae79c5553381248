//! Review screens for people who review all day (issue 16, item 7), on both backends: errors
//! next to their field with what was typed kept; answers and evidence on the evaluation page
//! above the branch check; after an action the next waiting evaluation of the same list, or the
//! list with a message; no stale pages; Vietnam's day at 00:30 Asia/Ho_Chi_Minh; a revoked
//! title shown, filtered and answered as revoked.

mod common;
use axum::http::{header, StatusCode};
use common::*;
use khuyenhoc::db::Backend;
use khuyenhoc::evaluation::lifecycle::Status;
use serde_json::json;

fn people(prefix: &str, n: usize, status: Status) -> Vec<Citizen> {
    (0..n)
        .map(|i| Citizen {
            name: format!("{prefix} {i}"),
            phone: format!("0977{:03}{i:03}", prefix.len()),
            status,
        })
        .collect()
}

/// The `<input …>` or `<textarea …>` tag whose id is `id`.
fn tag<'a>(body: &'a str, id: &str) -> &'a str {
    let at = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no field {id}"));
    let start = body[..at].rfind('<').expect("tag start");
    let end = at + body[at..].find('>').expect("tag end");
    &body[start..=end]
}

fn no_store(r: &Resp, what: &str) {
    assert_eq!(
        r.headers
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok()),
        Some("no-store"),
        "{what} must never be served from the cache"
    );
}

both_backends!(
    review_errors_sit_next_to_their_fields,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let year = this_year();
        let ids = citizens(
            &app,
            "00004-1",
            year,
            &people("Đỗ Văn Xét", 1, Status::Checked),
        )
        .await;
        let id = ids[0];
        let mut chair = app.login(BADINH).await;
        let path = format!("/evaluations/{id}/review");
        let page = app.get(&mut chair, &path).await;
        assert_eq!(page.status, StatusCode::OK);
        no_store(&page, "the review page");
        // The decision radios sit in a row with their labels (not stretched, not below).
        assert!(page
            .body
            .contains("<fieldset class=\"radios\" id=\"decision-choice\">"));

        // No decision number: refused beside the field, everything typed kept, focus on it.
        let code = CITIZEN_INDICATORS[0];
        let comment = format!("comment_{code}");
        let r = app
            .post_form(
                &mut chair,
                &path,
                &[
                    ("decision", "recognise"),
                    ("decision_no", ""),
                    ("decision_date", "2020-03-04"),
                    (comment.as_str(), "Đã xem tận nơi"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let no = tag(&r.body, "decision_no");
        assert!(no.contains("aria-invalid=\"true\""), "{no}");
        assert!(
            no.contains("aria-describedby=\"decision_no-error\""),
            "{no}"
        );
        assert!(no.contains("autofocus"), "{no}");
        assert!(r
            .body
            .contains("<p class=\"field-error\" id=\"decision_no-error\">Cần số quyết định"));
        assert!(
            r.body.contains("href=\"#decision_no\""),
            "a link at the top to the field"
        );
        assert!(tag(&r.body, "decision_date").contains("value=\"2020-03-04\""));
        assert!(tag(&r.body, &comment).contains("value=\"Đã xem tận nơi\""));
        assert!(!tag(&r.body, "decision_date").contains("aria-invalid"));

        // A reviewed score that is not a number: on its own field.
        let adj = format!("adj_{code}");
        let r = app
            .post_form(
                &mut chair,
                &path,
                &[(adj.as_str(), "chín"), ("decision_no", "7/QĐ-KH")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let field = tag(&r.body, &adj);
        assert!(
            field.contains("aria-invalid=\"true\"") && field.contains("value=\"chín\""),
            "{field}"
        );
        assert!(field.contains("autofocus"), "{field}");
        assert!(tag(&r.body, "decision_no").contains("value=\"7/QĐ-KH\""));

        // A changed score without a comment: the comment of that indicator is marked.
        let other = CITIZEN_INDICATORS[1];
        let adj2 = format!("adj_{other}");
        let comment2 = format!("comment_{other}");
        let r = app
            .post_form(
                &mut chair,
                &path,
                &[(adj2.as_str(), "5"), ("decision_no", "7/QĐ-KH")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let field = tag(&r.body, &comment2);
        assert!(
            field.contains("aria-invalid=\"true\"") && field.contains("autofocus"),
            "{field}"
        );
        assert!(r.body.contains(&format!(
            "id=\"{comment2}-error\">Khi sửa điểm cần ghi nhận xét"
        )));
        assert!(tag(&r.body, &adj2).contains("value=\"5\""));

        // Not recognised without a reason: the reason is marked, the choice kept.
        let r = app
            .post_form(
                &mut chair,
                &path,
                &[("decision", "not_recognise"), ("reason", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(tag(&r.body, "reason").contains("aria-invalid=\"true\""));
        assert!(r.body.contains("value=\"not_recognise\" checked"));
        // A future date is refused on the date.
        let r = app
            .post_form(
                &mut chair,
                &path,
                &[("decision_no", "7/QĐ-KH"), ("decision_date", "2999-01-01")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(tag(&r.body, "decision_date").contains("aria-invalid=\"true\""));
        assert_eq!(
            scalar(
                &app,
                &format!("SELECT COUNT(*) FROM evaluations WHERE id = {id} AND status = 'checked'")
            )
            .await,
            1,
            "nothing was written"
        );

        // Returning without a reason, on the evaluation page: the reason is marked, the list kept.
        let from = format!("/units/00004-1/evaluations?year={year}&status=checked");
        let r = app
            .post_form(
                &mut chair,
                &format!("/evaluations/{id}/return"),
                &[("reason", " "), ("from", from.as_str())],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let reason = tag(&r.body, "reason");
        assert!(
            reason.contains("aria-invalid=\"true\"")
                && reason.contains("aria-describedby=\"reason-error\""),
            "{reason}"
        );
        assert!(r.body.contains("id=\"reason-error\""));
        let kept = r.body.find("name=\"from\"").map(|i| &r.body[i..i + 120]);
        assert!(
            r.body.contains(&format!(
                "name=\"from\" value=\"{}\"",
                from.replace('&', "&#38;")
            )),
            "the list is kept: {kept:?}"
        );
    }
);

both_backends!(
    answers_and_evidence_above_the_check,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let year = this_year();
        let ids = citizens(
            &app,
            "00004-1",
            year,
            &people("Hà Thị Kiểm", 1, Status::Submitted),
        )
        .await;
        let id = ids[0];
        sqlx::query("INSERT INTO evidence (evaluation_id, indicator, kind, note, created_at) VALUES ($1, $2, 'note', 'Giấy khen của trường', 1)")
        .bind(id)
        .bind(CITIZEN_INDICATORS[0])
        .execute(&app.db.pool)
        .await
        .expect("a note as evidence");
        let mut branch = app.login(BRANCH_OFFICER).await;
        let page = app.get(&mut branch, &format!("/evaluations/{id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        no_store(&page, "the evaluation page");
        let answers = page
            .body
            .find("id=\"answers\"")
            .expect("the answers on the page");
        let check = page.body.find("id=\"check-form\"").expect("the check");
        assert!(
            answers < check,
            "the check is confirmed below what it confirms"
        );
        let cards = &page.body[answers..check];
        assert_eq!(
            cards.matches("class=\"answer-row\"").count(),
            CITIZEN_INDICATORS.len()
        );
        assert_eq!(
            cards.matches("<strong>9</strong>").count(),
            CITIZEN_INDICATORS.len(),
            "every answer"
        );
        assert!(
            cards.contains("Giấy khen của trường"),
            "the evidence beside its answer"
        );
    }
);

both_backends!(
    after_an_action_the_next_waiting_one,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let year = this_year();
        citizens(
            &app,
            "00004-1",
            year,
            &people("Lý Văn Chờ", 3, Status::Submitted),
        )
        .await;
        citizens(
            &app,
            "00004-1",
            year,
            &people("Lý Văn Xong", 2, Status::Registered),
        )
        .await;
        // The list's own order (longest waiting first), as the database sees it.
        let queue: Vec<i64> = sqlx::query_scalar(
        "SELECT e.id FROM evaluations e JOIN units u ON u.id = e.unit_id WHERE u.code = '00004-1' AND e.status = 'submitted' ORDER BY e.updated_at ASC, e.id ASC",
    )
    .fetch_all(&app.db.pool)
    .await
    .expect("queue");
        assert_eq!(queue.len(), 3);
        let mut branch = app.login(BRANCH_OFFICER).await;
        let list = format!("/units/00004-1/evaluations?year={year}&sort=oldest");
        let page = app.get(&mut branch, &list).await;
        assert_eq!(page.status, StatusCode::OK);
        no_store(&page, "the worklist");
        let from = url::form_urlencoded::byte_serialize(list.as_bytes()).collect::<String>();
        assert!(
            page.body.contains(&format!(
                "/evaluations/{}?from={}",
                queue[0],
                from.replace('&', "&#38;")
            )),
            "a row leads on through its list"
        );
        // Checking each in turn lands on the next one waiting, in the list's order, skipping the
        // registered ones; after the last, the list with a message.
        for (k, id) in queue.iter().enumerate() {
            let r = app
                .post_form(
                    &mut branch,
                    &format!("/evaluations/{id}/check"),
                    &[("from", list.as_str())],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
            let to = r.location().expect("where next").to_owned();
            match queue.get(k + 1) {
                Some(next) => {
                    assert_eq!(to, format!("/evaluations/{next}?from={from}&done=check"));
                    let p = app.get(&mut branch, &to).await;
                    assert!(p.body.contains("id=\"done-notice\""), "{}", p.body);
                    assert!(p.body.contains("Đây là hồ sơ chờ tiếp theo"));
                    assert!(p.body.contains(&format!(
                        "name=\"from\" value=\"{}\"",
                        list.replace('&', "&#38;")
                    )));
                }
                None => {
                    assert_eq!(to, format!("{list}&done=check"));
                    let p = app.get(&mut branch, &to).await;
                    assert!(p
                        .body
                        .contains("Không còn hồ sơ nào chờ xử lý trong danh sách này"));
                    no_store(&p, "the list after the last");
                }
            }
        }
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM evaluations WHERE status = 'checked'"
            )
            .await,
            3
        );
        // The chair's review leads on in the same way, through the checked ones.
        let mut chair = app.login(BADINH).await;
        let list = format!("/units/00004/evaluations?year={year}&status=checked&sort=oldest");
        let r = app
            .post_form(
                &mut chair,
                &format!("/evaluations/{}/review", queue[0]),
                &[
                    ("decision", "recognise"),
                    ("decision_no", "3/QĐ-KH"),
                    ("decision_date", khuyenhoc::db::today().as_str()),
                    ("from", list.as_str()),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let from = url::form_urlencoded::byte_serialize(list.as_bytes()).collect::<String>();
        assert_eq!(
            r.location(),
            Some(format!("/evaluations/{}?from={from}&done=recognise", queue[1]).as_str())
        );
        // A foreign address is never followed: without a list, the evaluation itself.
        let r = app
            .post_form(
                &mut chair,
                &format!("/evaluations/{}/return", queue[1]),
                &[
                    ("reason", "Thiếu minh chứng"),
                    ("from", "https://example.com/units/00004/evaluations"),
                ],
            )
            .await;
        assert_eq!(
            r.location(),
            Some(format!("/evaluations/{}", queue[1]).as_str())
        );
    }
);

both_backends!(
    the_vietnamese_day_at_half_past_midnight,
    |b: Backend| async move {
        use chrono::TimeZone;
        let app = TestApp::new(b).await;
        // 00:30 on 1 January 2027 in Hà Nội is 17:30 UTC on 31 December 2026.
        let at = chrono::Utc
            .with_ymd_and_hms(2026, 12, 31, 17, 30, 0)
            .single()
            .expect("an instant");
        app.state.clock.set(at);
        let ids = citizens(
            &app,
            "00004-1",
            2026,
            &people("Phan Thị Nửa Đêm", 2, Status::Checked),
        )
        .await;
        let mut chair = app.login(BADINH).await;
        let page = app
            .get(&mut chair, &format!("/evaluations/{}/review", ids[0]))
            .await;
        assert!(
            tag(&page.body, "decision_date").contains("value=\"2027-01-01\""),
            "the Vietnamese day, not the UTC one"
        );
        // The list's default year is Vietnam's.
        let list = app.get(&mut chair, "/units/00004/evaluations").await;
        assert!(
            list.body.contains("Danh hiệu học tập năm 2027"),
            "{}",
            list.body
        );

        // Recognised with the date offered (not refused as "in the future" by a UTC clock).
        let r = app
            .post_form(
                &mut chair,
                &format!("/evaluations/{}/review", ids[0]),
                &[
                    ("decision", "recognise"),
                    ("decision_no", "1/QĐ-KH"),
                    ("decision_date", "2027-01-01"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let decided: String =
            sqlx::query_scalar("SELECT decision_date FROM recognitions WHERE evaluation_id = $1")
                .bind(ids[0])
                .fetch_one(&app.db.pool)
                .await
                .expect("the recognition");
        assert_eq!(decided, "2027-01-01");

        // A title revoked at that instant shows the Vietnamese day of its revocation.
        let code: String =
            sqlx::query_scalar("SELECT code FROM certificates WHERE evaluation_id = $1")
                .bind(ids[0])
                .fetch_one(&app.db.pool)
                .await
                .expect("a certificate");
        let r = app
            .post_form(
                &mut chair,
                &format!("/certificates/{code}/revoke"),
                &[("reason", "Cấp nhầm người")],
            )
            .await;
        assert!(
            r.status.is_redirection() || r.status == StatusCode::OK,
            "{}",
            r.body
        );
        // Stored instants are the system's; the one shown here is the revocation's, 17:30 UTC.
        sqlx::query("UPDATE certificates SET revoked_at = $1 WHERE code = $2")
            .bind(at.timestamp())
            .bind(&code)
            .execute(&app.db.pool)
            .await
            .expect("the instant");
        let page = app
            .get(&mut chair, &format!("/evaluations/{}", ids[0]))
            .await;
        assert!(page.body.contains("ngày 01/01/2027"), "{}", page.body);
        assert!(!page.body.contains("31/12/2026"));
    }
);

both_backends!(
    a_revoked_title_is_shown_as_revoked,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let year = this_year();
        let mut province = app.api_client(HANOI).await;
        let citizen = app.person_id(CITIZEN).await;
        let detail =
            citizen_evaluation(&app, &mut province, citizen, year, Stage::Recognised).await;
        let id = evaluation_id(&detail);
        let kept = citizens(
            &app,
            "00004-1",
            year,
            &people("Mai Văn Giữ", 1, Status::Checked),
        )
        .await;
        let mut chair = app.api_client(BADINH).await;
        ok(&app, &mut chair, "POST", "/api/v1/units/00004/evaluations/bulk",
        json!({"action": "recognise", "ids": kept, "decision": {"number": "9/QĐ-KH", "date": khuyenhoc::db::today()}})).await;
        ok(
            &app,
            &mut chair,
            "POST",
            "/api/v1/units/00004/evaluations/bulk",
            json!({"action": "revoke", "ids": [id], "reason": "Hồ sơ khai sai"}),
        )
        .await;

        // The citizen's own pages.
        let mut me = app.login(CITIZEN).await;
        let learning = app.get(&mut me, "/learning").await;
        assert!(
            learning.body.contains("Đã thu hồi danh hiệu"),
            "{}",
            learning.body
        );
        assert!(!learning.body.contains("Đã được công nhận"));
        let page = app.get(&mut me, &format!("/evaluations/{id}")).await;
        assert!(page.body.contains("Đã thu hồi danh hiệu"));
        assert!(!page.body.contains("Đã được công nhận"));

        // The worklist: its own filter value, and never among the titles in force.
        let mut web = app.login(BADINH).await;
        let revoked = app
            .get(
                &mut web,
                &format!("/units/00004/evaluations?year={year}&status=revoked"),
            )
            .await;
        assert!(
            revoked.body.contains("<span id=\"total\">1</span>"),
            "{}",
            revoked.body
        );
        assert!(revoked.body.contains("Đã thu hồi danh hiệu"));
        let recognised = app
            .get(
                &mut web,
                &format!("/units/00004/evaluations?year={year}&status=recognised"),
            )
            .await;
        assert!(recognised.body.contains("<span id=\"total\">1</span>"));
        assert!(!recognised.body.contains(&format!("/evaluations/{id}?")));

        // The API.
        let page = ok(
            &app,
            &mut chair,
            "GET",
            &format!("/api/v1/evaluations?unit=00004&year={year}&status=revoked"),
            json!(null),
        )
        .await;
        assert_eq!(page["total"].as_i64(), Some(1));
        let item = &page["items"][0];
        assert_eq!(item["id"].as_i64(), Some(id));
        assert_eq!(item["revoked"], json!(true));
        assert_eq!(item["status_vi"], "Đã thu hồi danh hiệu");
        assert_eq!(item["status_en"], "Title revoked");
        let page = ok(
            &app,
            &mut chair,
            "GET",
            &format!("/api/v1/evaluations?unit=00004&year={year}&status=recognised"),
            json!(null),
        )
        .await;
        assert_eq!(page["total"].as_i64(), Some(1));
        assert_eq!(page["items"][0]["revoked"], json!(false));
    }
);
