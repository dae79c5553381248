//! Families with consent (issue 15, item 6): a head who adds someone by phone only invites
//! them, and sees a masked number until they accept; an officer adds a person without an
//! account; members are removed by the head, by an officer in scope, or leave by themselves,
//! and the membership keeps its row so that an evaluation submitted before still counts them.

mod common;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;
use serde_json::json;

const HEAD: &str = "0913100001";
const WIFE: &str = "0913100002";
const SON: &str = "0913100003";
const AUNT: &str = "0913100004";
const COUSIN: &str = "0913100005";

fn first_link(page: &str, prefix: &str) -> Option<i64> {
    let at = page.find(prefix)? + prefix.len();
    page[at..].split('/').next().and_then(|id| id.parse().ok())
}

/// The membership id of a person in a group (current or not: the latest).
async fn membership(app: &TestApp, group: i64, phone: &str) -> (i64, Option<i64>, Option<String>) {
    sqlx::query_as("SELECT m.id, m.ended_at, m.end_reason FROM group_members m JOIN people p ON p.id = m.person_id WHERE m.group_id = $1 AND p.phone = $2 ORDER BY m.id DESC")
        .bind(group)
        .bind(phone)
        .fetch_one(&app.db.pool)
        .await
        .expect("a membership")
}

/// The live total of an evaluation, as the API computes it now.
async fn live_total(app: &TestApp, api: &mut Client, id: i64) -> i64 {
    let d = ok(
        app,
        api,
        "GET",
        &format!("/api/v1/evaluations/{id}"),
        json!({}),
    )
    .await;
    d["score"]["total"].as_i64().expect("a total")
}

both_backends!(consent_removal_and_history, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut api = app.api_client(BADINH).await;
    let mut chair = app.login(BADINH).await;
    for (name, phone) in [
        ("Phan Văn Chủ", HEAD),
        ("Phan Thị Vợ", WIFE),
        ("Phan Văn Con", SON),
        ("Phan Thị Cô", AUNT),
        ("Phan Văn Họ", COUSIN),
    ] {
        register_person(&app, &mut api, "00004-1", name, phone).await;
    }
    let r = app
        .post_form(
            &mut chair,
            "/units/00004-1/groups",
            &[
                ("kind", "family"),
                ("name", "Gia đình ông Phan Văn Chủ"),
                ("head", HEAD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let group_path = r.location().expect("group page").to_owned();
    let group: i64 = group_path
        .trim_start_matches("/groups/")
        .parse()
        .expect("id");

    // The head invites by phone: the number masked, the name hidden until accepted.
    let mut head = app.login(HEAD).await;
    for phone in [WIFE, SON, AUNT, COUSIN] {
        let r = app
            .post_form(
                &mut head,
                &format!("{group_path}/members"),
                &[("phone", phone), ("adult", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let page = app.get(&mut head, &group_path).await;
    assert!(page.body.contains("09•••••002") && page.body.contains("Đã mời, đang chờ xác nhận"));
    for hidden in ["Phan Thị Vợ", "Phan Văn Con", "0913100002"] {
        assert!(
            !page.body.contains(hidden),
            "{hidden} shown before acceptance"
        );
    }
    // Each answers on their own page: the wife, aunt and cousin accept; the son declines.
    for (phone, answer) in [
        (WIFE, "accept"),
        (SON, "decline"),
        (AUNT, "accept"),
        (COUSIN, "accept"),
    ] {
        let mut p = app.login(phone).await;
        // The invitation reached them as a notice, leading to the page where they answer.
        let inbox = app.get(&mut p, "/notifications").await;
        assert!(
            inbox.body.contains("Bạn được mời tham gia")
                && inbox.body.contains("href=\"/learning\""),
            "{phone}'s inbox: {}",
            inbox.body
        );
        let mine = app.get(&mut p, "/learning").await;
        let inv = first_link(&mine.body, "/learning/invitations/").expect("an invitation");
        let r = app
            .post_form(
                &mut p,
                &format!("/learning/invitations/{inv}/{answer}"),
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let page = app.get(&mut head, &group_path).await;
    assert!(page.body.contains("Phan Thị Vợ") && page.body.contains("Phan Thị Cô"));
    assert!(
        !page.body.contains("Phan Văn Con"),
        "the son declined: never named"
    );

    // A person without an account: the officer adds her (no phone); the head cannot.
    let fields = [
        ("full_name", "Phan Bé Na"),
        ("birth_year", "2018"),
        ("gender", "female"),
    ];
    let r = app
        .post_form(&mut head, &format!("{group_path}/members/new"), &fields)
        .await;
    assert_ne!(
        r.status,
        StatusCode::SEE_OTHER,
        "a head does not add people without an account"
    );
    let r = app
        .post_form(&mut chair, &format!("{group_path}/members/new"), &fields)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let na: (Option<String>, Option<i64>) = sqlx::query_as(
        "SELECT p.phone, m.accepted_at FROM people p JOIN group_members m ON m.person_id = p.id WHERE p.full_name = 'Phan Bé Na' AND m.group_id = $1",
    )
    .bind(group)
    .fetch_one(&app.db.pool)
    .await
    .expect("the new member");
    assert!(
        na.0.is_none() && na.1.is_some(),
        "no phone, a member at once"
    );
    let page = app.get(&mut head, &group_path).await;
    assert!(page.body.contains("Thành viên (5)"), "{}", page.body);

    // The family's evaluation, with the wife a recognised Learning Citizen, submitted.
    // Of the four adults, the head and the wife are recognised: half of them.
    for phone in [HEAD, WIFE] {
        let id = app.person_id(phone).await;
        citizen_evaluation(&app, &mut api, id, this_year(), Stage::Recognised).await;
    }
    let d = ok(
        &app,
        &mut api,
        "POST",
        "/api/v1/evaluations",
        json!({"model": "family", "subject": {"group_id": group}, "year": this_year()}),
    )
    .await;
    let family = evaluation_id(&d);
    ok(
        &app,
        &mut api,
        "PUT",
        &format!("/api/v1/evaluations/{family}/answers"),
        json!({"answers": {
            "children_in_school#part": 1, "children_in_school#total": 1, "children_progress": 8,
            "study_corner": 1, "books": 4, "devices": 4, "learning_budget": 1,
            "better_living": 8, "cultural_family": 1,
        }}),
    )
    .await;
    // Its required evidence: the cultural family certificate, a PDF.
    let boundary = "XfamilyX";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"indicator\"\r\n\r\ncultural_family\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"giay-khen.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n%%EOF\n\r\n--{boundary}--\r\n",
        chair.csrf()
    );
    let req = axum::http::Request::post(format!("/evaluations/{family}/evidence"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(axum::body::Body::from(body))
        .expect("request");
    let r = app.send(&mut chair, req).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    ok(
        &app,
        &mut api,
        "POST",
        &format!("/api/v1/evaluations/{family}/submit"),
        json!({}),
    )
    .await;
    let before = live_total(&app, &mut api, family).await;

    // The head removes the wife (not the head himself, nor by anyone else).
    let (wife_m, _, _) = membership(&app, group, WIFE).await;
    let (head_m, _, _) = membership(&app, group, HEAD).await;
    let r = app
        .post_form(
            &mut head,
            &format!("{group_path}/members/{head_m}/remove"),
            &[],
        )
        .await;
    assert_ne!(r.status, StatusCode::SEE_OTHER, "the head is not removed");
    let mut stranger = app.login(CITIZEN).await;
    let r = app
        .post_form(
            &mut stranger,
            &format!("{group_path}/members/{wife_m}/remove"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .post_form(
            &mut head,
            &format!("{group_path}/members/{wife_m}/remove"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (_, ended, reason) = membership(&app, group, WIFE).await;
    assert!(ended.is_some(), "the row stays, with its end");
    assert_eq!(reason.as_deref(), Some("removed"));
    let page = app.get(&mut head, &group_path).await;
    assert!(!page.body.contains("Phan Thị Vợ"), "no longer listed");
    assert!(page.body.contains("Thành viên (4)"), "{}", page.body);
    // History kept: the evaluation submitted before still counts her.
    assert_eq!(live_total(&app, &mut api, family).await, before);

    // The aunt leaves by herself from her own page.
    let mut aunt = app.login(AUNT).await;
    let mine = app.get(&mut aunt, "/learning").await;
    assert!(
        mine.body.contains("Gia đình ông Phan Văn Chủ"),
        "her groups are listed"
    );
    let m = first_link(&mine.body, "/learning/memberships/").expect("a group to leave");
    let mut other = app.login(COUSIN).await;
    let r = app
        .post_form(&mut other, &format!("/learning/memberships/{m}/leave"), &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "only the member leaves");
    let r = app
        .post_form(&mut aunt, &format!("/learning/memberships/{m}/leave"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        membership(&app, group, AUNT).await.2.as_deref(),
        Some("left")
    );

    // An officer in scope removes the cousin; an officer out of scope cannot.
    let (cousin_m, _, _) = membership(&app, group, COUSIN).await;
    let mut far = app.login(HOABINH).await;
    let r = app
        .post_form(
            &mut far,
            &format!("{group_path}/members/{cousin_m}/remove"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .post_form(
            &mut chair,
            &format!("{group_path}/members/{cousin_m}/remove"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        membership(&app, group, COUSIN).await.2.as_deref(),
        Some("officer")
    );
    let audits: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'group' AND entity_id = $1 AND action IN ('remove_member', 'leave')",
    )
    .bind(group.to_string())
    .fetch_one(&app.db.pool)
    .await
    .expect("audit");
    assert_eq!(audits, 3, "each ending audited");
    assert_eq!(
        live_total(&app, &mut api, family).await,
        before,
        "still the history"
    );
    // Returned, the evaluation is a draft again and counts today's members only (the head,
    // recognised: all of them), so its total moves: the equality above was the history.
    ok(
        &app,
        &mut api,
        "POST",
        &format!("/api/v1/evaluations/{family}/return"),
        json!({"reason": "Bổ sung minh chứng"}),
    )
    .await;
    assert_ne!(
        live_total(&app, &mut api, family).await,
        before,
        "a draft counts current members"
    );

    // A removed person can be invited again: a new invitation, the old row kept.
    let r = app
        .post_form(
            &mut head,
            &format!("{group_path}/members"),
            &[("phone", WIFE), ("adult", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM group_members m JOIN people p ON p.id = m.person_id WHERE m.group_id = $1 AND p.phone = $2")
        .bind(group)
        .bind(WIFE)
        .fetch_one(&app.db.pool)
        .await
        .expect("rows");
    assert_eq!(rows, 2);
});

// One rule for adding by phone, whoever adds: a person with a login is invited (the officer's
// addition too), and a record without a login (made by an officer, never logged in) can only be
// added by an officer in scope, at once; the head is told to ask the branch.
/// When a person's current membership of a group was accepted (none while invited).
async fn accepted_at(app: &TestApp, group: i64, phone: &str) -> Option<i64> {
    sqlx::query_scalar("SELECT m.accepted_at FROM group_members m JOIN people p ON p.id = m.person_id WHERE m.group_id = $1 AND p.phone = $2 AND m.ended_at IS NULL")
        .bind(group)
        .bind(phone)
        .fetch_one(&app.db.pool)
        .await
        .expect("a current membership")
}

both_backends!(
    adding_by_phone_invites_whoever_adds,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut api = app.api_client(BADINH).await;
        let mut chair = app.login(BADINH).await;
        register_person(&app, &mut api, "00004-1", "Phan Văn Chủ", HEAD).await;
        register_person(&app, &mut api, "00004-1", "Phan Thị Vợ", WIFE).await;
        // A record without a login: the officer's form with no password.
        let r = app
            .post_form(
                &mut chair,
                "/units/00004-1/people",
                &[
                    ("full_name", "Phan Văn Ông"),
                    ("phone", SON),
                    ("birth_year", "1940"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = app
            .post_form(
                &mut chair,
                "/units/00004-1/groups",
                &[
                    ("kind", "family"),
                    ("name", "Gia đình ông Phan Văn Chủ"),
                    ("head", HEAD),
                ],
            )
            .await;
        let group_path = r.location().expect("group page").to_owned();
        let group: i64 = group_path
            .trim_start_matches("/groups/")
            .parse()
            .expect("id");

        // The officer adds the wife, who has a login: an invitation, not a membership.
        let r = app
            .post_form(
                &mut chair,
                &format!("{group_path}/members"),
                &[("phone", WIFE), ("adult", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            accepted_at(&app, group, WIFE).await,
            None,
            "invited, waiting for her answer"
        );
        let mut wife = app.login(WIFE).await;
        let theirs = app.get(&mut wife, "/learning").await;
        assert!(
            theirs.body.contains("/learning/invitations/"),
            "{}",
            theirs.body
        );

        // The head cannot invite the grandfather, who has no login to answer with.
        let mut head = app.login(HEAD).await;
        let r = app
            .post_form(
                &mut head,
                &format!("{group_path}/members"),
                &[("phone", SON), ("adult", "1")],
            )
            .await;
        assert_ne!(r.status, StatusCode::SEE_OTHER);
        assert!(
            r.body.contains("chưa có tài khoản để nhận lời mời"),
            "{}",
            r.body
        );
        assert!(!r.body.contains("Phan Văn Ông"), "never named to the head");
        // The officer adds him at once.
        let r = app
            .post_form(
                &mut chair,
                &format!("{group_path}/members"),
                &[("phone", SON), ("adult", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(
            accepted_at(&app, group, SON).await.is_some(),
            "a member at once"
        );
        let page = app.get(&mut head, &group_path).await;
        assert!(
            page.body.contains("Phan Văn Ông") && !page.body.contains("Phan Thị Vợ"),
            "{}",
            page.body
        );
    }
);
