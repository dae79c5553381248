//! Correcting, moving and merging people (issue 15, item 2), on both backends: a corrected name
//! reissues the certificate, phone and email changes are confirmed, rights never climb, a move
//! keeps its history and the evaluations where they were made, a merge leaves nothing pointing
//! at the removed record (read from the schema's own foreign keys).

mod common;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;
use serde_json::json;

async fn patch(app: &TestApp, c: &mut Client, id: i64, body: serde_json::Value) -> Resp {
    app.json(c, "PATCH", &format!("/api/v1/people/{id}"), body)
        .await
}

async fn one_string(app: &TestApp, sql: &str, id: i64) -> String {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

both_backends!(
    correcting_a_name_reissues_the_certificate,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut chair = app.api_client(BADINH).await;
        let id =
            register_person(&app, &mut chair, "00004-1", "Nguyễn Thi Lann", "0915100001").await;
        citizen_evaluation(&app, &mut chair, id, this_year(), Stage::Recognised).await;
        let old: String = one_string(&app, "SELECT c.code FROM certificates c JOIN evaluations e ON e.id = c.evaluation_id WHERE e.subject_id = $1", id).await;
        let mut me = app.api_client("0915100001").await;
        // The certificate carries the old name: a reason is required.
        let r = patch(&app, &mut me, id, json!({"full_name": "Nguyễn Thị Lan"})).await;
        let j = problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "no reason");
        assert!(j.to_string().contains("reason"), "{j}");
        let r = patch(&app, &mut me, id, json!({"full_name": "Nguyễn Thị Lan", "reason": "Sai chính tả khi đăng ký", "birth_year": 1980, "gender": "female"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let j = r.json();
        assert_eq!(j["person"]["full_name"], "Nguyễn Thị Lan");
        assert_eq!(j["person"]["birth_year"], 1980);
        let new = j["reissued_certificates"][0]
            .as_str()
            .expect("new code")
            .to_owned();
        assert_ne!(new, old);
        let mut anon = Client::default();
        let v = call(
            &app,
            &mut anon,
            "GET",
            &format!("/api/v1/certificates/{new}"),
            json!({}),
            StatusCode::OK,
        )
        .await;
        assert_eq!(v["status"], "valid", "{v}");
        assert_eq!(v["holder"], "Nguyễn T. L.", "{v}");
        let v = call(
            &app,
            &mut anon,
            "GET",
            &format!("/api/v1/certificates/{old}"),
            json!({}),
            StatusCode::OK,
        )
        .await;
        assert_eq!(v["status"], "revoked", "{v}");
        let page = app.get(&mut anon, &format!("/verify/{old}")).await;
        assert!(page.body.contains("Đã bị thu hồi"), "{}", page.body);
        let page = app.get(&mut anon, &format!("/verify/{new}")).await;
        assert!(page.body.contains("Còn hiệu lực"), "{}", page.body);
        let credential: String =
            sqlx::query_scalar("SELECT credential FROM certificates WHERE code = $1")
                .bind(&new)
                .fetch_one(&app.db.pool)
                .await
                .expect("credential");
        assert!(
            credential.contains("Nguyễn Thị Lan") && !credential.contains("Lann"),
            "{credential}"
        );
        // The credential still verifies with the installation's key.
        let cred = call(
            &app,
            &mut me,
            "GET",
            &format!("/api/v1/certificates/{new}/credential"),
            json!({}),
            StatusCode::OK,
        )
        .await;
        assert!(cred.to_string().contains("Nguyễn Thị Lan"), "{cred}");
        // Fields that need an officer are refused on one's own record.
        let r = patch(
            &app,
            &mut me,
            id,
            json!({"unit_code": "00004-2", "reason": "chuyển nhà"}),
        )
        .await;
        problem(&r, StatusCode::FORBIDDEN, "own move");
        let r = patch(&app, &mut me, id, json!({"phone": "0915100099"})).await;
        problem(&r, StatusCode::FORBIDDEN, "own phone without an email");
        let r = patch(
            &app,
            &mut me,
            id,
            json!({"phone": "0915100099", "confirm_contact": true}),
        )
        .await;
        problem(&r, StatusCode::FORBIDDEN, "own confirmation");
        assert_eq!(
            one_string(&app, "SELECT phone FROM people WHERE id = $1", id).await,
            "0915100001"
        );
        // A name that is too long is refused with its limit.
        let r = patch(&app, &mut me, id, json!({"full_name": "A".repeat(101)})).await;
        let j = problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "long name");
        assert!(j.to_string().contains("100"), "{j}");
        let n = scalar(&app, &format!("SELECT COUNT(*) FROM audit_log WHERE entity = 'person' AND entity_id = '{id}' AND action = 'correct'")).await;
        assert_eq!(n, 1);
        // The account page offers the form to the person.
        let mut page_me = app.login("0915100001").await;
        let page = app.get(&mut page_me, "/account").await;
        assert!(page.body.contains("/account/profile") && page.body.contains("Nguyễn Thị Lan"));
        let r = app
            .post_form(
                &mut page_me,
                "/account/profile",
                &[
                    ("full_name", "Nguyễn Thị Lan"),
                    ("birth_year", "1981"),
                    ("gender", "female"),
                    ("phone", "0915100001"),
                    ("email", ""),
                    ("reason", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("Đã lưu thông tin"), "{}", r.body);
        assert_eq!(
            scalar(
                &app,
                &format!("SELECT birth_year FROM people WHERE id = {id}")
            )
            .await,
            1981
        );
    }
);

both_backends!(
    an_officer_corrects_a_phone_with_confirmation,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut chair = app.api_client(BADINH).await;
        let id = register_person(&app, &mut chair, "00004-1", "Lò Văn Sáu", "0915200001").await;
        let mut officer = app.api_client(BRANCH_OFFICER).await;
        let r = patch(&app, &mut officer, id, json!({"phone": "0915200002"})).await;
        let j = problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "unconfirmed");
        assert!(j.to_string().contains("confirm_contact"), "{j}");
        // A phone of someone else: refused without naming them.
        let r = patch(
            &app,
            &mut officer,
            id,
            json!({"phone": CITIZEN, "confirm_contact": true}),
        )
        .await;
        problem(&r, StatusCode::CONFLICT, "taken phone");
        assert!(!r.body.contains("Đỗ Thị Lan"), "{}", r.body);
        let r = patch(
            &app,
            &mut officer,
            id,
            json!({"phone": "0915 200 002", "confirm_contact": true}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["person"]["phone"], "0915200002");
        let after = one_string(&app, "SELECT after_json FROM audit_log WHERE entity = 'person' AND entity_id = CAST($1 AS TEXT) AND action = 'correct'", id).await;
        assert!(
            after.contains("contact_confirmed_by_officer") && after.contains("officer"),
            "{after}"
        );
        // The person logs in with the new number.
        let mut c = Client::default();
        let r = app
            .post_form(
                &mut c,
                "/login",
                &[("login", "0915200002"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        // Someone with an email confirms a new email with the code sent to them.
        let j = call(&app, &mut chair, "POST", "/api/v1/units/00004-1/people", json!({"full_name": "Mai Thị Hồng", "phone": "0915200003", "email": "hong@example.vn", "password": PASSWORD}), StatusCode::CREATED).await;
        let hong = j["id"].as_i64().expect("id");
        let r = patch(
            &app,
            &mut officer,
            hong,
            json!({"email": "hong.mai@example.vn"}),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["pending_contact"]["field"], "email");
        assert_eq!(
            one_string(&app, "SELECT email FROM people WHERE id = $1", hong).await,
            "hong@example.vn"
        );
        // The code reaches her as a notice (inbox, and email where she has one): she reads it.
        let mut her = app.api_client("0915200003").await;
        let inbox = ok(&app, &mut her, "GET", "/api/v1/notifications", json!(null)).await;
        let notice = &inbox["items"][0];
        assert_eq!(notice["kind"], "phone_change_code", "{inbox}");
        let text = notice["text_vi"].as_str().unwrap_or_default().to_owned();
        let code: String = text.chars().filter(char::is_ascii_digit).collect();
        assert_eq!(code.len(), 6, "a six-digit code in {text:?}");
        let wrong = if code == "654321" { "654322" } else { "654321" };
        let path = format!("/api/v1/people/{hong}/contact/confirm");
        let r = app
            .json(&mut officer, "POST", &path, json!({"code": code}))
            .await;
        problem(&r, StatusCode::NOT_FOUND, "someone else's code");
        let r = app
            .json(&mut her, "POST", &path, json!({"code": wrong}))
            .await;
        problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "wrong code");
        let r = app
            .json(&mut her, "POST", &path, json!({"code": code}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["email"], "hong.mai@example.vn");
        // Single use.
        let r = app
            .json(&mut her, "POST", &path, json!({"code": code}))
            .await;
        problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "used code");
        // The officer's page form corrects too.
        let mut page = app.login(BRANCH_OFFICER).await;
        let r = app
            .post_form(
                &mut page,
                &format!("/people/{id}/correct"),
                &[
                    ("full_name", "Lò Văn Sáu"),
                    ("birth_year", "1975"),
                    ("gender", "male"),
                    ("phone", "0915200002"),
                    ("email", ""),
                    ("reason", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(
            scalar(
                &app,
                &format!("SELECT birth_year FROM people WHERE id = {id}")
            )
            .await,
            1975
        );
    }
);

both_backends!(rights_never_climb, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut officer = app.api_client(BRANCH_OFFICER).await;
    let chair_id = app.person_id(BADINH).await;
    let officer_id = app.person_id(BRANCH_OFFICER).await;
    // A branch officer cannot correct the commune chair (her home unit is in no branch of his,
    // and her position is above his).
    let r = patch(
        &app,
        &mut officer,
        chair_id,
        json!({"full_name": "Lê Văn Đính"}),
    )
    .await;
    problem(&r, StatusCode::NOT_FOUND, "branch over commune chair");
    // Nobody uses the officer path on their own record.
    let r = app
        .json(
            &mut officer,
            "POST",
            &format!("/api/v1/people/{officer_id}/move"),
            json!({"unit_code": "00004-2", "reason": "tự chuyển"}),
        )
        .await;
    problem(&r, StatusCode::NOT_FOUND, "own move");
    let r = patch(
        &app,
        &mut officer,
        officer_id,
        json!({"phone": "0915300009", "confirm_contact": true}),
    )
    .await;
    problem(&r, StatusCode::FORBIDDEN, "own confirmation");
    let mut chair = app.api_client(BADINH).await;
    let r = app
        .json(
            &mut chair,
            "POST",
            &format!("/api/v1/people/{chair_id}/merge"),
            json!({"other": officer_id, "reason": "trùng"}),
        )
        .await;
    problem(&r, StatusCode::NOT_FOUND, "merge oneself");
    // The commune chair cannot correct the province chair; nor can the Hòa Bình chair reach Ba Đình.
    let hanoi = app.person_id(HANOI).await;
    let r = patch(&app, &mut chair, hanoi, json!({"birth_year": 1970})).await;
    problem(&r, StatusCode::NOT_FOUND, "commune over province chair");
    let citizen = app.person_id(CITIZEN).await;
    let mut other = app.api_client(HOABINH).await;
    let r = patch(&app, &mut other, citizen, json!({"birth_year": 1970})).await;
    problem(&r, StatusCode::NOT_FOUND, "out of scope");
    // A citizen cannot correct anyone else.
    let mut citizen_c = app.api_client(CITIZEN).await;
    let r = patch(
        &app,
        &mut citizen_c,
        officer_id,
        json!({"birth_year": 1970}),
    )
    .await;
    problem(&r, StatusCode::NOT_FOUND, "citizen over officer");
    // The branch officer does not hold the right over 00004-2: he cannot move someone there.
    let p = register_person(&app, &mut chair, "00004-1", "Hà Văn Tư", "0915300001").await;
    let r = app
        .json(
            &mut officer,
            "POST",
            &format!("/api/v1/people/{p}/move"),
            json!({"unit_code": "00004-2", "reason": "chuyển nhà"}),
        )
        .await;
    problem(&r, StatusCode::NOT_FOUND, "destination out of scope");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM person_moves").await, 0);
    // ... and the page of the chair shows him no correction form.
    let mut page = app.login(BRANCH_OFFICER).await;
    let r = app.get(&mut page, &format!("/people/{officer_id}")).await;
    assert!(!r.body.contains("/correct\""), "{}", r.body);
});

both_backends!(
    moving_keeps_the_history_and_the_evaluations,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut chair = app.api_client(BADINH).await;
        let id = register_person(&app, &mut chair, "00004-1", "Phan Thị Tám", "0915400001").await;
        citizen_evaluation(&app, &mut chair, id, this_year(), Stage::Recognised).await;
        let before = scalar(&app, &format!("SELECT unit_id FROM evaluations WHERE subject_kind = 'person' AND subject_id = {id}")).await;
        let path = format!("/api/v1/people/{id}/move");
        let r = app
            .json(
                &mut chair,
                "POST",
                &path,
                json!({"unit_code": "00004-2", "reason": ""}),
            )
            .await;
        problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "no reason");
        let j = call(
            &app,
            &mut chair,
            "POST",
            &path,
            json!({"unit_code": "00004-2", "reason": "Chuyển về gần trường của con"}),
            StatusCode::OK,
        )
        .await;
        assert_eq!(j["unit_code"], "00004-2");
        assert_eq!(scalar(&app, &format!("SELECT unit_id FROM evaluations WHERE subject_kind = 'person' AND subject_id = {id}")).await, before, "the evaluation stays with its unit");
        assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM person_moves WHERE person_id = {id} AND from_unit_id = {before}")).await, 1);
        assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM audit_log WHERE entity = 'person' AND entity_id = '{id}' AND action = 'move'")).await, 2);
        // Moving there again is refused; the page shows the history.
        let r = app
            .json(
                &mut chair,
                "POST",
                &path,
                json!({"unit_code": "00004-2", "reason": "lần nữa"}),
            )
            .await;
        problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "same unit");
        let mut page = app.login(BADINH).await;
        let r = app.get(&mut page, &format!("/people/{id}")).await;
        assert!(
            r.body.contains("Lịch sử chuyển đơn vị")
                && r.body.contains("Chuyển về gần trường của con"),
            "{}",
            r.body
        );
        // The page form moves back.
        let r = app
            .post_form(
                &mut page,
                &format!("/people/{id}/move"),
                &[("unit_code", "00004-1"), ("reason", "Về lại chi hội cũ")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            scalar(
                &app,
                &format!("SELECT COUNT(*) FROM person_moves WHERE person_id = {id}")
            )
            .await,
            2
        );
    }
);

/// Every (table, column) with a foreign key to `people`, read from the schema by the test itself.
async fn people_references(app: &TestApp, b: Backend) -> Vec<(String, String)> {
    let sql = match b {
        Backend::Sqlite => "SELECT m.name, f.\"from\" FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table' AND f.\"table\" = 'people'",
        Backend::Postgres => "SELECT tc.table_name::text, kcu.column_name::text FROM information_schema.table_constraints tc \
            JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema \
            JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema \
            WHERE tc.constraint_type = 'FOREIGN KEY' AND ccu.table_name = 'people' AND tc.table_schema = current_schema()",
    };
    sqlx::query_as(sql)
        .fetch_all(&app.db.pool)
        .await
        .expect("foreign keys")
}

both_backends!(
    merging_moves_every_reference_and_nothing_dangles,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut chair = app.api_client(BADINH).await;
        let kept =
            register_person(&app, &mut chair, "00004-1", "Trương Văn Chín", "0915500001").await;
        let removed =
            register_person(&app, &mut chair, "00004-1", "Trương Văn Chín", "0915500002").await;
        // The removed record holds things: an evaluation with its events, a membership, a
        // family, a position, a session and an API token.
        citizen_evaluation(&app, &mut chair, removed, this_year(), Stage::Recognised).await;
        call(
            &app,
            &mut chair,
            "POST",
            "/api/v1/units/00004-1/members",
            json!({"person_id": removed, "joined_on": khuyenhoc::db::today()}),
            StatusCode::CREATED,
        )
        .await;
        let unit = scalar(&app, "SELECT id FROM units WHERE code = '00004-1'").await;
        sqlx::query("INSERT INTO learning_groups (kind, unit_id, name, head_person_id, created_at) VALUES ('family', $1, 'Gia đình Trương', $2, 0)")
            .bind(unit).bind(removed).execute(&app.db.pool).await.expect("group");
        let group = scalar(&app, "SELECT MAX(id) FROM learning_groups").await;
        sqlx::query("INSERT INTO group_members (group_id, person_id, adult, created_at, accepted_at) VALUES ($1, $2, 1, 0, 0)")
            .bind(group).bind(removed).execute(&app.db.pool).await.expect("member");
        let officer_type =
            scalar(&app, "SELECT id FROM position_types WHERE code = 'officer'").await;
        sqlx::query("INSERT INTO positions (unit_id, type_id, title, created_at) VALUES ($1, $2, 'Phó chi hội', 0)")
            .bind(unit).bind(officer_type).execute(&app.db.pool).await.expect("position");
        let position = scalar(&app, "SELECT MAX(id) FROM positions").await;
        sqlx::query(
            "INSERT INTO position_holdings (position_id, person_id, from_at) VALUES ($1, $2, 0)",
        )
        .bind(position)
        .bind(removed)
        .execute(&app.db.pool)
        .await
        .expect("holding");
        let mut removed_c = app.api_client("0915500002").await;
        ok(&app, &mut removed_c, "GET", "/api/v1/me", json!({})).await;
        // Both chose their channels (one row per person) and have a notice; the removed one
        // also asked for a recovery link.
        for (who, email) in [(kept, 1), (removed, 0)] {
            sqlx::query("INSERT INTO notify_channels (person_id, email, webhook, updated_at) VALUES ($1, $2, 0, 0)")
                .bind(who).bind(email).execute(&app.db.pool).await.expect("channels");
            let mut tx = app.db.begin().await.expect("begin");
            khuyenhoc::notify::send(
                &mut tx,
                who,
                khuyenhoc::notify::Notice::Text {
                    vi: "Chào".into(),
                    en: "Hello".into(),
                },
            )
            .await
            .expect("notice");
            tx.commit().await.expect("commit");
        }
        sqlx::query("INSERT INTO password_resets (person_id, kind, token_hash, created_at, expires_at) VALUES ($1, 'link', 'x', 0, 1)")
            .bind(removed).execute(&app.db.pool).await.expect("reset");
        let refs = people_references(&app, b).await;
        assert!(
            refs.len() >= 15,
            "the schema's references to people: {refs:?}"
        );
        // The side-by-side page.
        let mut page = app.login(BADINH).await;
        let r = app
            .get(&mut page, &format!("/people/{kept}/merge?other=0915500002"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            r.body.contains(&format!("#{removed}")) && r.body.contains("0915500002"),
            "{}",
            r.body
        );
        // A branch officer may not merge into the commune chair.
        let mut officer = app.api_client(BRANCH_OFFICER).await;
        let chair_id = app.person_id(BADINH).await;
        let r = app
            .json(
                &mut officer,
                "POST",
                &format!("/api/v1/people/{chair_id}/merge"),
                json!({"other": removed, "reason": "trùng"}),
            )
            .await;
        problem(&r, StatusCode::NOT_FOUND, "merge above");
        let j = call(
            &app,
            &mut chair,
            "POST",
            &format!("/api/v1/people/{kept}/merge"),
            json!({"other": removed, "reason": "Đăng ký hai lần"}),
            StatusCode::OK,
        )
        .await;
        assert_eq!(j["removed_id"], removed);
        // Nothing but the append-only tables and the merge record names the removed id.
        let append_only = [
            ("audit_log", "person_id"),
            ("ledger_entries", "person_id"),
            ("person_merges", "merged_id"),
        ];
        for (table, column) in &refs {
            if append_only.contains(&(table.as_str(), column.as_str())) {
                continue;
            }
            let n = scalar(
                &app,
                &format!("SELECT COUNT(*) FROM {table} WHERE {column} = {removed}"),
            )
            .await;
            assert_eq!(n, 0, "{table}.{column} still names the removed record");
        }
        assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM evaluations WHERE subject_kind = 'person' AND subject_id = {removed}")).await, 0);
        // Everything reached the kept record.
        for sql in [
            format!("SELECT COUNT(*) FROM evaluations WHERE subject_kind = 'person' AND subject_id = {kept}"),
            format!("SELECT COUNT(*) FROM members WHERE person_id = {kept}"),
            format!("SELECT COUNT(*) FROM group_members WHERE person_id = {kept}"),
            format!("SELECT COUNT(*) FROM learning_groups WHERE head_person_id = {kept}"),
            format!("SELECT COUNT(*) FROM position_holdings WHERE person_id = {kept} AND to_at IS NULL"),
            format!("SELECT COUNT(*) FROM person_merges WHERE merged_id = {removed} AND kept_id = {kept}"),
        ] {
            assert_eq!(scalar(&app, &sql).await, 1, "{sql}");
        }
        // The removed record's history resolves to the kept one.
        assert!(
            scalar(
                &app,
                &format!("SELECT COUNT(*) FROM audit_log WHERE person_id = {removed}")
            )
            .await
                >= 1
        );
        assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM audit_log a LEFT JOIN person_merges m ON m.merged_id = a.person_id WHERE a.person_id = {removed} AND m.kept_id IS NULL")).await, 0);
        assert_eq!(
            khuyenhoc::accounts::merge::resolve(&app.db, removed)
                .await
                .expect("resolve"),
            kept
        );
        assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM audit_log WHERE entity = 'person' AND action IN ('merge', 'merged_into') AND entity_id IN ('{kept}', '{removed}')")).await, 2);
        // The removed record's token ended; it cannot log in; its phone moved to no one.
        let r = app.get(&mut removed_c, "/api/v1/me").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(scalar(&app, &format!("SELECT COUNT(*) FROM people WHERE id = {removed} AND phone IS NULL AND password_hash IS NULL")).await, 1);
        // Merging it again finds nothing to merge.
        let r = app
            .json(
                &mut chair,
                "POST",
                &format!("/api/v1/people/{kept}/merge"),
                json!({"other": removed, "reason": "lần nữa"}),
            )
            .await;
        assert!(!r.status.is_success(), "{}", r.body);
    }
);
