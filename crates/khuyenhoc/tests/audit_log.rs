//! The audit log: every write is recorded with who, as which position, before and after; the
//! database refuses to change or delete a row on both backends.

mod common;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;
use serde_json::json;

both_backends!(
    writes_are_recorded_and_the_log_is_append_only,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut c = app.api_client(BADINH).await;
        let r = app
            .json(
                &mut c,
                "PATCH",
                "/api/v1/units/00004-1",
                json!({"name": "Chi hội Tổ dân phố Một"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = app
            .get(&mut c, "/api/v1/audit?entity=unit&entity_id=00004-1")
            .await;
        let entries = r.json();
        let e = &entries["items"][0];
        assert_eq!(e["action"], "rename");
        assert_eq!(e["person_name"], "Lê Văn Đình");
        assert!(
            e["position_name"]
                .as_str()
                .is_some_and(|p| p.contains("Chủ tịch") && p.contains("Phường Ba Đình")),
            "{e}"
        );
        assert!(e["before"]
            .as_str()
            .is_some_and(|s| s.contains("Chi hội Tổ dân phố số 1")));
        assert!(e["after"]
            .as_str()
            .is_some_and(|s| s.contains("Chi hội Tổ dân phố Một")));
        // The page shows the same history.
        let mut web = app.login(BADINH).await;
        let page = app
            .get(&mut web, "/audit?entity=unit&entity_id=00004-1")
            .await;
        assert!(page.body.contains("Chi hội Tổ dân phố Một") && page.body.contains("Lê Văn Đình"));
        // In words, not codes: what was done and to what kind of record.
        assert!(
            page.body.contains("Đổi tên · Đơn vị") && page.body.contains("Lịch sử của Đơn vị"),
            "{}",
            page.body
        );
        assert!(!page.body.contains("rename unit"));
        // Out of scope: nothing of Ba Đình shows for Hòa Bình's chair.
        let mut other = app.api_client(HOABINH).await;
        let r = app
            .get(&mut other, "/api/v1/audit?entity=unit&entity_id=00004-1")
            .await;
        assert_eq!(r.json()["items"].as_array().map(Vec::len), Some(0));
        assert_eq!(r.json()["total"], 0);
        // A citizen has no audit log at all.
        let mut citizen = app.api_client(CITIZEN).await;
        assert_eq!(
            app.get(&mut citizen, "/api/v1/audit").await.status,
            StatusCode::NOT_FOUND
        );
        // The database refuses changes, not only the program.
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(&app.db.pool)
            .await
            .expect("count");
        assert!(n > 5);
        let upd = sqlx::query("UPDATE audit_log SET action = 'nothing'")
            .execute(&app.db.pool)
            .await;
        assert!(upd.is_err(), "UPDATE must be refused");
        let del = sqlx::query("DELETE FROM audit_log")
            .execute(&app.db.pool)
            .await;
        assert!(del.is_err(), "DELETE must be refused");
        let n2: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(&app.db.pool)
            .await
            .expect("count");
        assert_eq!(n, n2);
        let actions: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'nothing'")
                .fetch_one(&app.db.pool)
                .await
                .expect("count");
        assert_eq!(actions, 0);
    }
);

both_backends!(
    every_kind_of_write_leaves_an_entry,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let count = |entity: &'static str, action: &'static str| {
            let pool = app.db.pool.clone();
            async move {
                sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM audit_log WHERE entity = $1 AND action = $2",
                )
                .bind(entity)
                .bind(action)
                .fetch_one(&pool)
                .await
                .expect("count")
            }
        };
        let mut c = app.api_client(BADINH).await;
        let r = app
            .json(
                &mut c,
                "POST",
                "/api/v1/units/00004/branches",
                json!({"name": "Chi hội Trường THCS", "kind": "school"}),
            )
            .await;
        let code = r.json()["code"].as_str().expect("code").to_owned();
        app.json(
            &mut c,
            "POST",
            &format!("/api/v1/units/{code}/close"),
            json!({}),
        )
        .await;
        let r = app
            .json(
                &mut c,
                "POST",
                "/api/v1/units/00004/people",
                json!({"full_name": "Phan Văn Khải", "phone": "0977111222"}),
            )
            .await;
        let pid = r.json()["id"].as_i64().expect("id");
        let r = app
            .json(
                &mut c,
                "POST",
                "/api/v1/units/00004/positions",
                json!({"type": "vice_chair"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let pos = r.json()["id"].as_i64().expect("id");
        app.json(
            &mut c,
            "POST",
            &format!("/api/v1/positions/{pos}/handover"),
            json!({"person_id": pid}),
        )
        .await;
        app.json(
            &mut c,
            "POST",
            &format!("/api/v1/positions/{pos}/vacate"),
            json!({}),
        )
        .await;
        assert_eq!(
            count("unit", "open").await,
            4,
            "three demo branches and one here"
        );
        assert_eq!(count("unit", "close").await, 1);
        assert_eq!(
            count("person", "create").await,
            8,
            "seven demo people and one here"
        );
        assert_eq!(count("position", "create").await, 1);
        assert_eq!(count("position", "handover").await, 1);
        assert_eq!(count("position", "vacate").await, 1);
        let mut central = app.login(CENTRAL).await;
        app.post_form(
            &mut central,
            "/clusters",
            &[("code", "C2"), ("name", "Cụm 2")],
        )
        .await;
        app.post_form(&mut central, "/clusters/C2/members", &[("province", "01")])
            .await;
        assert_eq!(count("cluster", "create").await, 1);
        assert_eq!(count("cluster_membership", "assign").await, 1);
        let r = app.get(&mut central, "/clusters").await;
        assert!(r.body.contains("Cụm 2"));
        // Hà Nội moved from the demo cluster into C2: the demo cluster no longer lists it today.
        let mut api = app.api_client(CENTRAL).await;
        let clusters = app.get(&mut api, "/api/v1/clusters").await.json();
        let members = |code: &str| -> Vec<String> {
            clusters["items"]
                .as_array()
                .expect("clusters")
                .iter()
                .find(|c| c["code"] == code)
                .map(|c| {
                    c["members"]
                        .as_array()
                        .expect("m")
                        .iter()
                        .map(|m| m[0].as_str().unwrap_or_default().to_owned())
                        .collect()
                })
                .unwrap_or_default()
        };
        assert_eq!(members("C2"), ["01"]);
        assert!(!members("DEMO-1").contains(&"01".to_owned()));
        let past = app
            .get(&mut api, "/api/v1/clusters?as_of=2025-08-01")
            .await
            .json();
        let demo_then = past["items"]
            .as_array()
            .expect("clusters")
            .iter()
            .find(|c| c["code"] == "DEMO-1")
            .map(|c| c["members"].to_string())
            .unwrap_or_default();
        assert!(
            demo_then.contains("\"01\""),
            "history keeps the earlier membership: {demo_then}"
        );
    }
);
