//! The map: the real 2025 units, search without diacritics, subtrees, history, branch changes.

mod common;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;

both_backends!(real_units_through_api_and_pages, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut c = app.api_client(CENTRAL).await;
    let r = app
        .get(&mut c, "/api/v1/units?level=province&per_page=10")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    assert_eq!(j["total"], 34);
    assert_eq!(j["items"].as_array().map(Vec::len), Some(10));
    assert_eq!(j["items"][0]["code"], "01");
    assert_eq!(j["items"][0]["name"], "Thành phố Hà Nội");
    // Paged by key: 200 a page, the total on every page, the last page without a cursor.
    let mut path = "/api/v1/units?level=commune&per_page=200".to_owned();
    let mut seen = std::collections::BTreeSet::new();
    let mut pages = 0;
    loop {
        let j = app.get(&mut c, &path).await.json();
        assert_eq!(j["total"], 3321);
        pages += 1;
        for u in j["items"].as_array().expect("items") {
            assert!(seen.insert(u["code"].as_str().expect("code").to_owned()));
        }
        match j["next_cursor"].as_str() {
            Some(cur) => path = format!("/api/v1/units?level=commune&per_page=200&cursor={cur}"),
            None => break,
        }
    }
    assert_eq!((seen.len(), pages), (3321, 17));
    let r = app.get(&mut c, "/api/v1/units/00004").await;
    assert_eq!(r.json()["name"], "Phường Ba Đình");
    assert_eq!(r.json()["parent_code"], "01");
    // Pages: the central officer's search lists every province.
    let mut web = app.login(CENTRAL).await;
    let r = app.get(&mut web, "/units?level=province").await;
    assert!(r.body.contains("Kết quả: 34"), "{}", r.body);
    let r = app.get(&mut web, "/units?level=commune").await;
    assert!(r.body.contains("Kết quả: 3321"));
    let r = app.get(&mut web, "/units/01").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Thành phố Hà Nội"));
});

both_backends!(
    search_ignores_accents_case_and_placement,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut c = app.api_client(CENTRAL).await;
        let mut answers = vec![];
        for q in ["hoa binh", "Hòa Bình", "HÒA BÌNH", "Hoà Bình"] {
            let enc: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
            let r = app
                .get(&mut c, &format!("/api/v1/units?level=commune&q={enc}"))
                .await;
            let codes: Vec<String> = r.json()["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|u| u["code"].as_str().unwrap_or_default().to_owned())
                .collect();
            answers.push(codes);
        }
        assert!(
            answers[0].contains(&"04795".to_owned()) && answers[0].contains(&"29830".to_owned()),
            "{:?}",
            answers[0]
        );
        assert!(answers.iter().all(|a| a == &answers[0]), "{answers:?}");
        // "đ" is not decomposed by Unicode: "dinh" must still find "Đình".
        let r = app
            .get(&mut c, "/api/v1/units?q=ba%20dinh&level=commune")
            .await;
        assert!(
            r.json()["items"]
                .as_array()
                .expect("items")
                .iter()
                .any(|u| u["code"] == "00004"),
            "{}",
            r.body
        );
    }
);

both_backends!(scope_limits_every_read, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut hanoi = app.api_client(HANOI).await;
    let r = app.get(&mut hanoi, "/api/v1/units?level=province").await;
    assert_eq!(
        r.json()["total"],
        1,
        "a province officer sees only their province"
    );
    let r = app.get(&mut hanoi, "/api/v1/units/04795").await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "Phú Thọ's ward is outside Hà Nội"
    );
    let r = app.get(&mut hanoi, "/api/v1/units/99999").await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "a missing unit answers the same"
    );
    let mut badinh = app.api_client(BADINH).await;
    let r = app.get(&mut badinh, "/api/v1/units?level=commune").await;
    assert_eq!(r.json()["total"], 1);
    let r = app.get(&mut badinh, "/api/v1/units/01").await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "a commune officer does not read the province"
    );
});

both_backends!(branches_open_rename_move_close, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut c = app.api_client(BADINH).await;
    let r = app
        .json(
            &mut c,
            "POST",
            "/api/v1/units/00004/branches",
            serde_json::json!({"name": "  Chi hội   Tổ dân phố số 9 ", "kind": "village"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let code = r.json()["code"].as_str().expect("code").to_owned();
    assert_eq!(code, "00004-3", "the demo opened two branches before");
    assert_eq!(r.json()["name"], "Chi hội Tổ dân phố số 9");
    let r = app
        .json(
            &mut c,
            "PATCH",
            &format!("/api/v1/units/{code}"),
            serde_json::json!({"name": "Chi hội Tổ dân phố số 10"}),
        )
        .await;
    assert_eq!(r.json()["name"], "Chi hội Tổ dân phố số 10");
    // Moving out of scope is refused as if the parent did not exist.
    let r = app
        .json(
            &mut c,
            "PATCH",
            &format!("/api/v1/units/{code}"),
            serde_json::json!({"parent_code": "00008"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let mut hanoi = app.api_client(HANOI).await;
    let r = app
        .json(
            &mut hanoi,
            "PATCH",
            &format!("/api/v1/units/{code}"),
            serde_json::json!({"parent_code": "00008"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["parent_code"], "00008");
    // A village branch cannot hang directly under a province.
    let r = app
        .json(
            &mut hanoi,
            "PATCH",
            &format!("/api/v1/units/{code}"),
            serde_json::json!({"parent_code": "01"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Ba Đình lost sight of the branch it moved away.
    let r = app.get(&mut c, &format!("/api/v1/units/{code}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app
        .json(
            &mut hanoi,
            "POST",
            &format!("/api/v1/units/{code}/close"),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json()["valid_to"].is_string());
    let r = app
        .get(&mut hanoi, "/api/v1/units?parent=00008&level=branch")
        .await;
    assert_eq!(
        r.json()["total"],
        0,
        "closed branches leave the current structure"
    );
    // Official units are not renamed through the program.
    let r = app
        .json(
            &mut hanoi,
            "PATCH",
            "/api/v1/units/00004",
            serde_json::json!({"name": "X phường"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // The history of the branch names each step.
    let r = app
        .get(
            &mut hanoi,
            &format!("/api/v1/audit?entity=unit&entity_id={code}"),
        )
        .await;
    let actions: Vec<String> = r.json()["items"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(actions, ["close", "move", "rename", "open"]);
});

both_backends!(
    structure_as_of_a_date_follows_successions,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        // An old commune that existed until the 2025 merger, succeeded by Phường Ba Đình.
        let mut tx = app.db.begin().await.expect("tx");
        let hanoi = khuyenhoc::org::model::by_code(&app.db, "01")
            .await
            .expect("q")
            .expect("01");
        let old = khuyenhoc::org::model::insert(
            &mut tx,
            &khuyenhoc::org::model::NewUnit {
                code: "00001",
                level: khuyenhoc_domain::Level::Commune,
                kind: "phuong",
                name: "Phường Phúc Xá",
                parent: Some((&hanoi.path, hanoi.id)),
                valid_from: "2008-08-01",
            },
        )
        .await
        .expect("insert");
        let badinh = khuyenhoc::org::model::by_code(&app.db, "00004")
            .await
            .expect("q")
            .expect("00004");
        khuyenhoc::org::model::record_succession(&mut tx, old, badinh.id, None, "2025-07-01")
            .await
            .expect("succession");
        // Ba Đình itself only exists from 2025-07-01 on.
        tx.commit().await.expect("commit");
        let mut c = app.api_client(CENTRAL).await;
        let r = app
            .get(
                &mut c,
                "/api/v1/units?parent=01&as_of=2024-12-31&level=commune",
            )
            .await;
        let codes: Vec<String> = r.json()["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|u| u["code"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(
            codes,
            ["00001"],
            "in 2024 Hà Nội's only known commune here is the old one"
        );
        let r = app
            .get(
                &mut c,
                "/api/v1/units?parent=01&as_of=2025-07-01&level=commune",
            )
            .await;
        let j = r.json();
        assert_eq!(j["total"], 126, "{}", r.body);
        assert!(!j["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|u| u["code"] == "00001"));
        let succ = khuyenhoc::org::model::successors(&app.db, old)
            .await
            .expect("successors");
        assert_eq!(succ.len(), 1);
        assert_eq!(succ[0].0.code, "00004");
        let r = app.get(&mut c, "/api/v1/units?as_of=2025-13-01").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
);

both_backends!(subtree_is_one_range_query, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let below = khuyenhoc::org::model::count_below(&app.db, "/VN/01/")
        .await
        .expect("count");
    let communes: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM units WHERE parent_id = (SELECT id FROM units WHERE code = '01')",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("count");
    assert_eq!(
        below,
        communes + 2,
        "Hà Nội's communes and the two demo branches of Ba Đình"
    );
});
