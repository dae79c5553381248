//! "My data" (Decree 13/2023): a person sees everything the Association holds about them on
//! `/me/data` and downloads it as JSON from `GET /api/v1/me/data`; only ever their own record,
//! the national ID masked.

mod common;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;

both_backends!(
    a_person_sees_and_downloads_their_data,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let citizen = app.person_id(CITIZEN).await;
        // A national ID on record, to see it leave only masked.
        sqlx::query("UPDATE people SET national_id = '001234567890' WHERE id = $1")
            .bind(citizen)
            .execute(&app.db.pool)
            .await
            .expect("set a national ID");
        let mut badinh = app.api_client(BADINH).await;
        let detail =
            citizen_evaluation(&app, &mut badinh, citizen, this_year(), Stage::Recognised).await;
        let evaluation = evaluation_id(&detail);

        // The file.
        let mut api = app.api_client(CITIZEN).await;
        let r = app.get(&mut api, "/api/v1/me/data").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            !r.body.contains("001234567890"),
            "the ID leaves masked: {}",
            r.body
        );
        let d = r.json();
        assert_eq!(d["person"]["id"], citizen);
        assert_eq!(d["person"]["phone"], CITIZEN);
        let masked = d["person"]["national_id_masked"]
            .as_str()
            .expect("masked ID");
        assert!(masked.contains('*') && masked.ends_with("90"), "{masked}");
        let evals = d["evaluations"].as_array().expect("evaluations");
        assert_eq!(evals.len(), 1, "{d}");
        assert_eq!(evals[0]["id"], evaluation);
        assert_eq!(evals[0]["status"], "recognised");
        let steps: Vec<&str> = evals[0]["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert_eq!(steps, ["register", "submit", "check", "recognised"], "{d}");
        assert!(d["generated_at"].as_str().is_some_and(|t| t.ends_with('Z')));
        // The notices sent to them: the recognition.
        let kinds: Vec<&str> = d["notices"]
            .as_array()
            .expect("notices")
            .iter()
            .filter_map(|n| n["kind"].as_str())
            .collect();
        assert!(kinds.contains(&"evaluation_recognised"), "{d}");
        // Another person's identity never appears: asking for someone else changes nothing.
        let other = app.person_id(BRANCH_OFFICER).await;
        let r2 = app
            .get(&mut api, &format!("/api/v1/me/data?person_id={other}"))
            .await;
        assert_eq!(r2.status, StatusCode::OK);
        assert_eq!(r2.json()["person"]["id"], citizen);

        // Someone else's file holds none of the citizen's evaluations.
        let mut officer = app.api_client(BRANCH_OFFICER).await;
        let theirs = app.get(&mut officer, "/api/v1/me/data").await.json();
        assert_eq!(theirs["person"]["id"], other);
        assert!(
            theirs["evaluations"].as_array().is_some_and(Vec::is_empty),
            "{theirs}"
        );
        assert!(
            !theirs["positions"].as_array().is_some_and(Vec::is_empty),
            "the officer's positions are listed: {theirs}"
        );

        // The page, linked from the account page, in Vietnamese with dates as people write them.
        let mut c = app.login(CITIZEN).await;
        let account = app.get(&mut c, "/account").await;
        assert!(
            account.body.contains("href=\"/me/data\""),
            "linked from the account page"
        );
        let page = app.get(&mut c, "/me/data").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("Dữ liệu của tôi"));
        assert!(page
            .body
            .contains(d["person"]["full_name"].as_str().expect("name")));
        assert!(page.body.contains(masked), "the masked ID is shown");
        assert!(!page.body.contains("001234567890"));
        assert!(page.body.contains("Công nhận"), "the steps in words");
        assert!(
            page.body.contains("href=\"/api/v1/me/data\""),
            "the download"
        );
        // The visitor is sent to log in.
        let mut anon = Client::default();
        let r = app.get(&mut anon, "/me/data").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
);
