//! The map before 1 July 2025 and the official successions (issue 17, items 1, 2 and 7), from
//! the real files that ship in the binary.

mod common;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::audit::Actor;
use khuyenhoc::db::{Backend, Db};
use khuyenhoc::org::{model, old_map};
use std::collections::BTreeSet;

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.db.pool)
        .await
        .expect(sql)
}

/// (code, name, share) of the units linked to `unit`, sorted.
fn named(links: &[model::Link]) -> Vec<(String, String, Option<i64>)> {
    let mut v: Vec<_> = links
        .iter()
        .map(|(u, s, d)| {
            assert_eq!(d, "2025-07-01");
            (u.code.clone(), u.name.clone(), *s)
        })
        .collect();
    v.sort();
    v
}

both_backends!(old_map_and_successions_load_once, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let before_units = count(&app, "SELECT COUNT(*) FROM units").await;
    let r = old_map::import_builtin(&app.db, Actor::SYSTEM)
        .await
        .expect("import");
    assert_eq!((r.provinces, r.districts, r.communes), (63, 691, 10_051));
    assert_eq!(r.units_inserted, 63 + 691 + 10_051);
    assert!(!r.already_loaded);
    let old = |level: &str| {
        format!("SELECT COUNT(*) FROM units WHERE level = '{level}' AND valid_to = '2025-07-01' AND path LIKE '/VN/%~2025/%'")
    };
    assert_eq!(count(&app, &old("province")).await, 63);
    assert_eq!(count(&app, &old("district")).await, 691);
    assert_eq!(count(&app, &old("commune")).await, 10_051);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM units").await,
        before_units + 63 + 691 + 10_051
    );
    // Paths: the old province's segment carries ~2025; today's units are untouched.
    let path: String = sqlx::query_scalar(
        "SELECT path FROM units WHERE code = '31120' AND valid_to = '2025-07-01'",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("old An Hòa");
    assert_eq!(path, "/VN/92~2025/916/31120/");

    // The unmapped rows, listed and never guessed: 28 old communes with no mapping row and the
    // rows naming an old code that is not in the old list (10 codes, 27076 on two rows).
    assert_eq!(r.unmapped_communes.len(), 28, "{:?}", r.unmapped_communes);
    let unknown: BTreeSet<&str> = r
        .unplaced_rows
        .iter()
        .map(|u| {
            assert_eq!(u.reason, "unknown_old", "{u:?}");
            assert_eq!(u.file, "commune-mapping-2025.csv");
            u.old_code.as_str()
        })
        .collect();
    assert_eq!(
        unknown.into_iter().collect::<Vec<_>>(),
        [
            "03980", "03983", "03984", "26929", "26953", "27076", "27226", "27232", "27367",
            "27373"
        ]
    );
    assert_eq!(r.unplaced_rows.len(), 11);
    assert_eq!(r.commune_links_inserted, 10_565 - 11);
    assert_eq!(r.province_links_inserted, 64);
    for u in &r.unmapped_communes {
        let links = count(&app, &format!("SELECT COUNT(*) FROM unit_successions s JOIN units u ON u.id = s.predecessor_id WHERE u.code = '{}' AND u.level = 'commune'", u.code)).await;
        assert_eq!(links, 0, "{u:?} got a link");
    }
    // Shares of split communes are the province's to set: none here.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM unit_successions WHERE share_permille IS NOT NULL"
        )
        .await,
        0
    );

    // New 31120 Phường Cái Khế came from old 31117 Cái Khế and 31120 An Hòa whole, and part of
    // 31178 Bùi Hữu Nghĩa, whose other part went to 31168 Phường Bình Thủy.
    let cai_khe = model::by_code(&app.db, "31120")
        .await
        .expect("db")
        .expect("today's 31120");
    assert_eq!(cai_khe.name, "Phường Cái Khế");
    assert_eq!(cai_khe.path, "/VN/92/31120/");
    let preds = named(
        &model::predecessors(&app.db, cai_khe.id)
            .await
            .expect("preds"),
    );
    let codes: Vec<(&str, &str)> = preds
        .iter()
        .map(|(c, n, _)| (c.as_str(), n.as_str()))
        .collect();
    assert_eq!(
        codes,
        [
            ("31117", "Phường Cái Khế"),
            ("31120", "Phường An Hòa"),
            ("31178", "Phường Bùi Hữu Nghĩa")
        ]
    );
    let bhn = model::by_code_on(&app.db, "31178", "2024-06-30")
        .await
        .expect("db")
        .expect("old 31178");
    let parts = named(&model::successors(&app.db, bhn.id).await.expect("succ"));
    let codes: Vec<(&str, &str)> = parts
        .iter()
        .map(|(c, n, _)| (c.as_str(), n.as_str()))
        .collect();
    assert_eq!(
        codes,
        [("31120", "Phường Cái Khế"), ("31168", "Phường Bình Thủy")]
    );
    // The same code, two units: by date, by year.
    let an_hoa = model::by_code_on(&app.db, "31120", "2025-06-30")
        .await
        .expect("db")
        .expect("old");
    assert_eq!(an_hoa.name, "Phường An Hòa");
    assert_eq!(an_hoa.level, khuyenhoc_domain::Level::Commune);
    assert_eq!(an_hoa.valid_to.as_deref(), Some("2025-07-01"));
    let same = model::by_ref(&app.db, "31120@2024")
        .await
        .expect("db")
        .expect("old");
    assert_eq!(same.id, an_hoa.id);
    let now = model::by_ref(&app.db, "31120@2025")
        .await
        .expect("db")
        .expect("new");
    assert_eq!(now.id, cai_khe.id, "the latest unit with the code in 2025");
    let chain = model::ancestors(&app.db, &an_hoa).await.expect("ancestors");
    let chain: Vec<(&str, khuyenhoc_domain::Level)> =
        chain.iter().map(|u| (u.code.as_str(), u.level)).collect();
    use khuyenhoc_domain::Level;
    assert_eq!(
        chain,
        [
            ("VN", Level::Central),
            ("92", Level::Province),
            ("916", Level::District)
        ]
    );

    // Provinces: Bình Thuận 60 → Lâm Đồng 68, Bình Dương 74 and Bà Rịa–Vũng Tàu 77 → Thành phố
    // Hồ Chí Minh 79, Long An 80 → Tây Ninh 80 (which took Long An's code).
    let province_succ = |code: &'static str| {
        let db = app.db.clone();
        async move {
            let p = model::by_code_on(&db, code, "2025-06-30")
                .await
                .expect("db")
                .expect(code);
            assert_eq!(p.level, Level::Province);
            named(&model::successors(&db, p.id).await.expect("succ"))
                .into_iter()
                .map(|(c, n, _)| format!("{c} {n}"))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(province_succ("60").await, ["68 Tỉnh Lâm Đồng"]);
    assert_eq!(province_succ("74").await, ["79 Thành phố Hồ Chí Minh"]);
    assert_eq!(province_succ("77").await, ["79 Thành phố Hồ Chí Minh"]);
    assert_eq!(province_succ("80").await, ["80 Tỉnh Tây Ninh"]);
    let hcm = model::by_code(&app.db, "79")
        .await
        .expect("db")
        .expect("79");
    let from: Vec<String> = named(&model::predecessors(&app.db, hcm.id).await.expect("p"))
        .into_iter()
        .map(|(c, _, _)| c)
        .collect();
    assert_eq!(from, ["74", "77", "79"]);
    // Districts carry no link.
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM unit_successions s JOIN units u ON u.id = s.predecessor_id WHERE u.level = 'district'").await,
        0
    );
    let audits = count(
        &app,
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'old_map_import'",
    )
    .await;
    assert_eq!(audits, 1);

    // A second run loads nothing and says so.
    let again = old_map::import_builtin(&app.db, Actor::SYSTEM)
        .await
        .expect("again");
    assert!(again.already_loaded);
    assert_eq!(
        (
            again.units_inserted,
            again.commune_links_inserted,
            again.province_links_inserted
        ),
        (0, 0, 0)
    );
    assert_eq!(
        (again.unmapped_communes.len(), again.unplaced_rows.len()),
        (28, 11)
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM units").await,
        before_units + 63 + 691 + 10_051
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'old_map_import'"
        )
        .await,
        1
    );
});

both_backends!(the_new_map_comes_first, |b: Backend| async move {
    let (url, _dir) = fresh_database(b).await;
    let db = Db::connect(&url, 2, Default::default())
        .await
        .expect("connect");
    db.migrate().await.expect("migrate");
    let e = old_map::import_builtin(&db, Actor::SYSTEM)
        .await
        .expect_err("no 2025 map");
    assert!(e.to_string().contains("2025 map is not loaded"), "{e}");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM units")
        .fetch_one(&db.pool)
        .await
        .expect("count");
    assert_eq!(n, 0, "all or nothing");
    let _ = StatusCode::OK;
});

both_backends!(
    old_units_in_the_browser_and_the_api,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut api = app.api_client(CENTRAL).await;
        // Only the central office loads the map (others: not found); the API answers the report.
        let mut hanoi = app.api_client(HANOI).await;
        let r = app
            .json(
                &mut hanoi,
                "POST",
                "/api/v1/units/old-map",
                serde_json::json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        let r = app
            .json(
                &mut api,
                "POST",
                "/api/v1/units/old-map",
                serde_json::json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let j = r.json();
        assert_eq!(j["communes"], 10_051);
        assert_eq!(j["already_loaded"], false);
        assert_eq!(j["unmapped_communes"].as_array().map(Vec::len), Some(28));
        assert_eq!(j["unplaced_rows"].as_array().map(Vec::len), Some(11));

        // Today's 31120 is Cái Khế and lists where it came from.
        let r = app.get(&mut api, "/api/v1/units/31120").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let j = r.json();
        assert_eq!(j["name"], "Phường Cái Khế");
        assert_eq!(j["url_ref"], "31120");
        let from: Vec<String> = j["predecessors"]
            .as_array()
            .expect("predecessors")
            .iter()
            .map(|p| {
                format!(
                    "{} {}",
                    p["url_ref"].as_str().unwrap_or(""),
                    p["name"].as_str().unwrap_or("")
                )
            })
            .collect();
        assert_eq!(
            from,
            [
                "31117@2025 Phường Cái Khế",
                "31120@2025 Phường An Hòa",
                "31178@2025 Phường Bùi Hữu Nghĩa"
            ]
        );
        // 31120@2024 is An Hòa, and says what it became.
        let r = app.get(&mut api, "/api/v1/units/31120@2024").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let j = r.json();
        assert_eq!(j["name"], "Phường An Hòa");
        assert_eq!(j["valid_to"], "2025-07-01");
        assert_eq!(j["parent_code"], "916");
        assert_eq!(j["successors"][0]["name"], "Phường Cái Khế");
        assert_eq!(j["successors"][0]["url_ref"], "31120");
        assert_eq!(
            j["successors"][0]["share_permille"],
            serde_json::Value::Null
        );
        // Old units are read-only.
        let r = app
            .json(
                &mut api,
                "POST",
                "/api/v1/units/31120@2024/branches",
                serde_json::json!({"name": "Chi hội thử", "kind": "village"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);

        // Pages: the unit pages, and the map of a day.
        let mut web = app.login(CENTRAL).await;
        let r = app.get(&mut web, "/units/31120").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.body.contains("Phường Cái Khế") && r.body.contains("id=\"predecessors\""),
            "{}",
            r.body
        );
        assert!(r.body.contains("href=\"/units/31178@2025\""), "{}", r.body);
        assert!(
            r.body.contains("một phần, chưa đặt tỷ lệ"),
            "Bùi Hữu Nghĩa went only in part"
        );
        let r = app.get(&mut web, "/units/31120@2024").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("<h1>Phường An Hòa</h1>"), "{}", r.body);
        assert!(
            r.body.contains("id=\"successors\"") && r.body.contains("href=\"/units/31120\""),
            "{}",
            r.body
        );
        assert!(r.body.contains("id=\"unit-historical\""));
        assert!(
            r.body.contains("Quận Ninh Kiều"),
            "the district in the breadcrumbs"
        );
        let r = app
            .get(
                &mut web,
                "/units?as_of=30%2F06%2F2025&q=an+hoa&parent=916%402024",
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("30/06/2025"), "{}", r.body);
        assert!(r.body.contains("href=\"/units/31120@2025\""), "{}", r.body);
        let r = app
            .get(
                &mut web,
                "/units?as_of=2025-07-01&q=an+hoa&level=commune&parent=92",
            )
            .await;
        assert!(
            !r.body.contains("href=\"/units/31120@2025\""),
            "old units are gone on 01/07/2025"
        );
        let r = app
            .get(
                &mut web,
                "/units?as_of=2024-01-01&level=district&q=ninh+kieu",
            )
            .await;
        assert!(r.body.contains("Quận Ninh Kiều"), "{}", r.body);
        let r = app.get(&mut web, "/units?as_of=2024-01-01").await;
        assert!(
            r.body.contains("class=\"depth-1\""),
            "the tree of the day: {}",
            r.body
        );
        assert!(r.body.contains("Kết quả: "), "{}", r.body);
        // The central office's page: a second run loads nothing and says so.
        let r = app.get(&mut web, "/units/old-map").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.body
                .contains(&format!("id=\"old-units\">{}<", 63 + 691 + 10_051)),
            "{}",
            r.body
        );
        let r = app.post_form(&mut web, "/units/old-map", &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("id=\"already-loaded\""), "{}", r.body);
        assert!(r.body.contains("id=\"unmapped-count\">28<"), "{}", r.body);
    }
);

both_backends!(
    a_province_reads_the_old_units_that_became_its_own,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        old_map::import_builtin(&app.db, Actor::SYSTEM)
            .await
            .expect("import");
        let mut api = app.api_client(HANOI).await;
        let mut web = app.login(HANOI).await;
        // Old Trúc Bạch (Hà Nội), its old district and old province: read, page and API.
        for unit in ["00004@2024", "001@2024", "01@2024"] {
            let r = app.get(&mut api, &format!("/api/v1/units/{unit}")).await;
            assert_eq!(r.status, StatusCode::OK, "{unit}: {}", r.body);
            assert_eq!(r.json()["url_ref"], unit.replace("@2024", "@2025"));
        }
        let r = app.get(&mut web, "/units/00004@2024").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("Phường Trúc Bạch"), "{}", r.body);
        assert!(r.body.contains("chỉ xem được"), "{}", r.body);
        assert!(
            r.body.contains("href=\"/units/01@2025\""),
            "the old province in the crumbs"
        );
        assert!(
            !r.body.contains("/reports\""),
            "no link it could not follow"
        );
        assert!(!r.body.contains("id=\"all-people\""));
        // Old Cần Thơ's communes became part of Cần Thơ, not Hà Nội: not found.
        for unit in ["31120@2024", "31178@2024", "92@2024", "916@2024"] {
            let r = app.get(&mut api, &format!("/api/v1/units/{unit}")).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{unit}");
            let r = app.get(&mut web, &format!("/units/{unit}")).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{unit}");
        }
        // Reading is all: no branch opened, no rename, no report of the old unit.
        let units = count(&app, "SELECT COUNT(*) FROM units").await;
        let r = app
            .json(
                &mut api,
                "POST",
                "/api/v1/units/00004@2024/branches",
                serde_json::json!({"name": "Chi hội Thử", "kind": "thon"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        let r = app
            .json(
                &mut api,
                "PATCH",
                "/api/v1/units/00004@2024",
                serde_json::json!({"name": "Phường Khác"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        let r = app
            .get(&mut api, "/api/v1/units/00004@2024/reports/2024-Y")
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM units").await, units);
        // A commune officer reads its commune's predecessors, not the old province.
        let mut badinh = app.api_client(BADINH).await;
        let r = app.get(&mut badinh, "/api/v1/units/00004@2024").await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = app.get(&mut badinh, "/api/v1/units/01@2024").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

        // The province's page links to its old-figures upload, for those who may use it.
        let r = app.get(&mut web, "/units/01").await;
        assert!(
            r.body.contains("href=\"/units/01/old-figures\""),
            "{}",
            r.body
        );
        let r = app.get(&mut web, "/units/00004").await;
        assert!(
            !r.body.contains("/old-figures\""),
            "not on a commune's page"
        );
        let mut central = app.login(CENTRAL).await;
        let r = app.get(&mut central, "/units/01@2024").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            !r.body.contains("/old-figures\""),
            "not on an old province's page"
        );
    }
);
