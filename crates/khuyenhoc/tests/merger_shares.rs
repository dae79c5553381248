//! Shares of split communes, on both backends: figures recorded under old communes in 2024
//! (through the counters' write path) read on the old map and on the new one add up the same
//! way (the national total is the same, every province is the sum of its communes), a split
//! commune is counted once with parts that add up exactly (largest remainder), and a province
//! officer sets the shares of its split communes through the API (rights never climb).
#![allow(clippy::too_many_lines)] // each test is one story, told step by step

mod common;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;
use khuyenhoc::org::model::{self, NewUnit};
use khuyenhoc_domain::Level;
use serde_json::{json, Value};

/// The Cần Thơ officer this test appoints.
const CANTHO: &str = "0900000092";

/// The old map, in the shape i17-map loads it: an old province (93, Hậu Giang, merged into Cần
/// Thơ) at `/VN/93~2025/` and three communes under it, closed on 2025-07-01, with their
/// successions (the province as a whole, one commune whole, one split in two, one in three).
async fn old_map(app: &TestApp) -> (i64, i64) {
    let root = model::by_code(&app.db, "VN").await.expect("q").expect("VN");
    let unit = |code: &str| {
        let db = app.db.clone();
        let code = code.to_owned();
        async move { model::by_code(&db, &code).await.expect("q").expect("unit") }
    };
    let cantho = unit("92").await;
    let mut tx = app.db.begin().await.expect("tx");
    let old = model::insert(
        &mut tx,
        &NewUnit {
            code: "93",
            level: Level::Province,
            kind: "tỉnh",
            name: "Tỉnh Hậu Giang",
            parent: Some((&root.path, root.id)),
            valid_from: "2004-01-01",
        },
    )
    .await
    .expect("old province");
    let old_path = format!("{}93~2025/", root.path);
    sqlx::query("UPDATE units SET path = $1 WHERE id = $2")
        .bind(&old_path)
        .bind(old)
        .execute(&mut *tx)
        .await
        .expect("the old map's path");
    let mut communes = vec![];
    for (code, name) in [
        ("31117", "Phường Cái Khế"),
        ("31178", "Phường Bùi Hữu Nghĩa"),
        ("31189", "Phường Thử Nghiệm"),
    ] {
        communes.push(
            model::insert(
                &mut tx,
                &NewUnit {
                    code,
                    level: Level::Commune,
                    kind: "phuong",
                    name,
                    parent: Some((&old_path, old)),
                    valid_from: "2004-01-01",
                },
            )
            .await
            .expect("old commune"),
        );
    }
    let date = "2025-07-01";
    model::record_succession(&mut tx, old, cantho.id, None, date)
        .await
        .expect("province");
    model::record_succession(&mut tx, communes[0], unit("31120").await.id, None, date)
        .await
        .expect("whole");
    for new in ["31120", "31168"] {
        model::record_succession(&mut tx, communes[1], unit(new).await.id, None, date)
            .await
            .expect("split in two");
    }
    for new in ["31135", "31147", "31150"] {
        model::record_succession(&mut tx, communes[2], unit(new).await.id, None, date)
            .await
            .expect("split in three");
    }
    tx.commit().await.expect("commit");
    (communes[1], communes[2])
}

#[track_caller]
fn live(r: &Value, code: &str, i: usize) -> i64 {
    r["children"]
        .as_array()
        .expect("children")
        .iter()
        .find(|c| c["unit"]["code"] == code)
        .unwrap_or_else(|| panic!("no child {code}"))["live"][i]
        .as_i64()
        .unwrap_or(0)
}

fn total(r: &Value, i: usize) -> i64 {
    r["total_live"][i].as_i64().unwrap_or(0)
}

/// The figures `keys` of every child of `unit`: each child's row, and the sum of the rows is
/// the unit's own row one level up (checked by the caller).
async fn check_sums(app: &TestApp, c: &mut Client, unit: &str, as_of: &str, keys: &[&str]) {
    let r = rollup_2024(app, c, unit, as_of).await;
    for k in keys {
        let i = head_of(&r, k);
        let sum: i64 = r["children"]
            .as_array()
            .expect("children")
            .iter()
            .map(|ch| ch["live"][i].as_i64().unwrap_or(0))
            .sum();
        assert_eq!(sum, total(&r, i), "{unit} {k} on {as_of}");
    }
}

both_backends!(
    a_split_commune_is_counted_once_on_either_map,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let (split2, split3) = old_map(&app).await;
        let cai_khe = model::by_code(&app.db, "31117")
            .await
            .expect("q")
            .expect("31117")
            .id;
        record_counter(&app, cai_khe, "2024", "eval.registered.citizen", 5).await;
        record_counter(&app, split2, "2024", "eval.registered.citizen", 3).await;
        record_counter(&app, split3, "2024-H1", "ledger.scholarship", 1_000_001).await;
        record_counter(&app, split3, "2024", "eval.registered.citizen", -1).await;
        let mut central = app.api_client(CENTRAL).await;
        let keys = ["citizen_registered", "scholarships_value"];

        // The old map (the structure of 2024-12-31): old province 92 and its communes.
        let old = rollup_2024(&app, &mut central, "VN", "2024-12-31").await;
        let (reg, money) = (head_of(&old, keys[0]), head_of(&old, keys[1]));
        assert_eq!(live(&old, "93", reg), 7);
        assert_eq!(live(&old, "93", money), 1_000_001);
        assert_eq!(total(&old, reg), 7);
        let old92 = rollup_2024(&app, &mut central, "93", "2024-12-31").await;
        assert_eq!(live(&old92, "31178", reg), 3);
        assert_eq!(
            total(&old92, reg),
            7,
            "the province is the sum of its communes"
        );
        assert_eq!(total(&old92, money), 1_000_001);

        // The new map (today's structure): the figures carried, each predecessor counted once.
        let today = khuyenhoc::db::today();
        let new = rollup_2024(&app, &mut central, "VN", &today).await;
        assert_eq!(live(&new, "92", reg), 7, "not 5 + 3 + 3 - 3");
        assert_eq!(live(&new, "92", money), 1_000_001, "not three times");
        assert_eq!(
            total(&new, reg),
            total(&old, reg),
            "the national total on either map"
        );
        assert_eq!(total(&new, money), total(&old, money));
        let new92 = rollup_2024(&app, &mut central, "92", &today).await;
        // 3 in two equal parts: 2 + 1 (the remainder to the first successor).
        assert_eq!(live(&new92, "31120", reg), 5 + 2);
        assert_eq!(live(&new92, "31168", reg), 1);
        // 1,000,001 đồng in three: 333,334 + 333,334 + 333,333; -1 in three: -1, 0, 0.
        assert_eq!(live(&new92, "31135", money), 333_334);
        assert_eq!(live(&new92, "31147", money), 333_334);
        assert_eq!(live(&new92, "31150", money), 333_333);
        assert_eq!(live(&new92, "31135", reg), -1);
        assert_eq!(live(&new92, "31147", reg), 0);
        assert_eq!(
            total(&new92, reg),
            7,
            "the province is the sum of its communes"
        );
        assert_eq!(total(&new92, money), 1_000_001);
        for (unit, day) in [
            ("VN", "2024-12-31"),
            ("93", "2024-12-31"),
            ("VN", today.as_str()),
            ("92", today.as_str()),
        ] {
            check_sums(&app, &mut central, unit, day, &keys).await;
        }
        // As submitted: Bùi Hữu Nghĩa's 2024 report, handed in, reaches its successors' parts.
        let path = "/api/v1/units/31178/reports/2024-Y";
        call(&app, &mut central, "POST", path, json!({}), StatusCode::OK).await;
        call(
            &app,
            &mut central,
            "POST",
            &format!("{path}/submit"),
            json!({}),
            StatusCode::OK,
        )
        .await;
        let new92 = rollup_2024(&app, &mut central, "92", &today).await;
        let submitted = |code: &str| {
            new92["children"]
                .as_array()
                .expect("children")
                .iter()
                .find(|c| c["unit"]["code"] == code)
                .expect("child")["submitted"][reg]
                .as_i64()
        };
        assert_eq!(submitted("31120"), Some(2));
        assert_eq!(submitted("31168"), Some(1));
        assert_eq!(
            new92["total_submitted"][reg], 3,
            "counted once, as handed in"
        );
        // The cluster table is asked on a structure date the same way.
        let t = call(
            &app,
            &mut central,
            "GET",
            "/api/v1/clusters/DEMO-1/reports/2024-Y?as_of=2024-12-31",
            json!(null),
            StatusCode::OK,
        )
        .await;
        assert_eq!(t["as_of"], "2024-12-31");
        call(
            &app,
            &mut central,
            "GET",
            "/api/v1/clusters/DEMO-1/reports/2024-Y?as_of=2024-13-01",
            json!(null),
            StatusCode::BAD_REQUEST,
        )
        .await;
        // What each carried figure is made of, and the rule used.
        let row = new92["children"]
            .as_array()
            .expect("children")
            .iter()
            .find(|c| c["unit"]["code"] == "31168")
            .expect("31168");
        assert_eq!(
            row["carried"][0]["text_vi"],
            "gồm 1/2 của Phường Bùi Hữu Nghĩa (chia đều)"
        );
        let row = new92["children"]
            .as_array()
            .expect("children")
            .iter()
            .find(|c| c["unit"]["code"] == "31120")
            .expect("31120");
        let texts: Vec<&str> = row["carried"]
            .as_array()
            .expect("carried")
            .iter()
            .filter_map(|c| c["text_vi"].as_str())
            .collect();
        assert_eq!(
            texts,
            [
                "gồm toàn bộ Phường Cái Khế",
                "gồm 1/2 của Phường Bùi Hữu Nghĩa (chia đều)"
            ]
        );
    }
);

/// A Cần Thơ province officer (chair of province 92).
async fn cantho_officer(app: &TestApp) -> Client {
    appoint_chair(app, "92", CANTHO, "Trần Văn Thơ").await;
    app.api_client(CANTHO).await
}

both_backends!(
    a_province_sets_the_shares_of_its_split_communes,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let (split2, split3) = old_map(&app).await;
        record_counter(&app, split2, "2024", "eval.registered.citizen", 10).await;
        record_counter(&app, split3, "2024-H1", "ledger.scholarship", 1_000_001).await;
        let mut cantho = cantho_officer(&app).await;
        let mut hanoi = app.api_client(HANOI).await;
        let mut badinh = app.api_client(BADINH).await;
        let mut central = app.api_client(CENTRAL).await;

        // The list: the two split communes, equal parts until someone decides.
        let list = call(
            &app,
            &mut cantho,
            "GET",
            "/api/v1/units/92/successions/splits",
            json!(null),
            StatusCode::OK,
        )
        .await;
        assert_eq!(list["total"], 2);
        let items = list["items"].as_array().expect("items");
        assert_eq!(items[0]["code"], "31178");
        assert_eq!(items[0]["rule"], "equal");
        assert_eq!(items[0]["rule_vi"], "chia đều");
        assert_eq!(items[0]["successors"][0]["part"], "1/2");
        assert_eq!(items[1]["successors"].as_array().map(Vec::len), Some(3));
        // Searched without diacritics, paged.
        let one = call(
            &app,
            &mut cantho,
            "GET",
            "/api/v1/units/92/successions/splits?q=bui%20huu&per_page=1",
            json!(null),
            StatusCode::OK,
        )
        .await;
        assert_eq!(one["total"], 1);
        let path = format!("/api/v1/successions/{split2}/shares");
        let shares = |a: i64, b: i64| json!({"rule": "set", "shares": [{"successor": "31120", "permille": a}, {"successor": "31168", "permille": b}]});

        // Rights never climb: a commune's chair, another province's: as if nothing were there.
        call(
            &app,
            &mut badinh,
            "GET",
            "/api/v1/units/00004/successions/splits",
            json!(null),
            StatusCode::NOT_FOUND,
        )
        .await;
        call(
            &app,
            &mut badinh,
            "PUT",
            &path,
            shares(300, 700),
            StatusCode::NOT_FOUND,
        )
        .await;
        call(
            &app,
            &mut hanoi,
            "PUT",
            &path,
            shares(300, 700),
            StatusCode::NOT_FOUND,
        )
        .await;
        call(
            &app,
            &mut hanoi,
            "GET",
            "/api/v1/units/92/successions/splits",
            json!(null),
            StatusCode::NOT_FOUND,
        )
        .await;

        // Shares that do not add up to 100 %: refused beside the field, nothing written.
        let r = call(
            &app,
            &mut cantho,
            "PUT",
            &path,
            shares(300, 600),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(r["errors"][0]["field"], "shares");
        assert!(r["errors"][0]["message_vi"]
            .as_str()
            .unwrap_or_default()
            .contains("100 %"));
        let r = call(
            &app,
            &mut cantho,
            "PUT",
            &path,
            json!({"rule": "set", "shares": [{"successor": "31120", "permille": 1000}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(
            r["errors"][0]["field"], "shares",
            "every successor needs its share"
        );
        let r = call(
            &app,
            &mut cantho,
            "PUT",
            &path,
            json!({"rule": "guess"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(r["errors"][0]["field"], "rule");
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM unit_successions WHERE share_rule IS NOT NULL"
            )
            .await,
            0
        );

        // 30 % / 70 %: 10 becomes 3 + 7, audited.
        let s = call(
            &app,
            &mut cantho,
            "PUT",
            &path,
            shares(300, 700),
            StatusCode::OK,
        )
        .await;
        assert_eq!(s["rule"], "set");
        assert_eq!(s["successors"][0]["part"], "30,0 %");
        assert_eq!(s["successors"][1]["permille"], 700);
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'set_shares' AND entity_id = '31178'").await, 1);
        let today = khuyenhoc::db::today();
        let roll = rollup_2024(&app, &mut central, "92", &today).await;
        let reg = head_of(&roll, "citizen_registered");
        assert_eq!(live(&roll, "31120", reg), 3);
        assert_eq!(live(&roll, "31168", reg), 7);
        assert_eq!(total(&roll, reg), 10);
        let row = roll["children"]
            .as_array()
            .expect("c")
            .iter()
            .find(|c| c["unit"]["code"] == "31168")
            .expect("31168")
            .clone();
        assert_eq!(
            row["carried"][0]["text_vi"],
            "gồm 70,0 % của Phường Bùi Hữu Nghĩa (tỉ lệ do tỉnh đặt)"
        );

        // By population: 1,000,001 đồng over 500, 300 and 200 people.
        let by_pop = json!({"rule": "population", "shares": [
        {"successor": "31135", "population": 500},
        {"successor": "31147", "population": 300},
        {"successor": "31150", "population": 200}]});
        let s = call(
            &app,
            &mut central,
            "PUT",
            &format!("/api/v1/successions/{split3}/shares"),
            by_pop,
            StatusCode::OK,
        )
        .await;
        assert_eq!(s["rule"], "population");
        let roll = rollup_2024(&app, &mut central, "92", &today).await;
        let money = head_of(&roll, "scholarships_value");
        assert_eq!(live(&roll, "31135", money), 500_001);
        assert_eq!(live(&roll, "31147", money), 300_000);
        assert_eq!(live(&roll, "31150", money), 200_000);
        assert_eq!(total(&roll, money), 1_000_001);
        // Back to equal parts.
        let s = call(
            &app,
            &mut cantho,
            "PUT",
            &path,
            json!({"rule": "equal"}),
            StatusCode::OK,
        )
        .await;
        assert_eq!(s["rule"], "equal");
        let roll = rollup_2024(&app, &mut central, "92", &today).await;
        assert_eq!(live(&roll, "31120", reg), 5);
        assert_eq!(live(&roll, "31168", reg), 5);
    }
);

both_backends!(
    the_shares_page_sets_them_with_errors_beside_the_split,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let (split2, _) = old_map(&app).await;
        cantho_officer(&app).await;
        let mut c = app.login(CANTHO).await;
        let r = app.get(&mut c, "/units/92/successions/splits").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("Phường Bùi Hữu Nghĩa"), "{}", r.body);
        assert!(r.body.contains("chia đều"));
        let action = format!("/units/92/successions/splits/{split2}");
        // 40 % + 50 %: refused, the message beside this split.
        let r = app
            .post_form(
                &mut c,
                &action,
                &[("rule", "set"), ("pct_31120", "40"), ("pct_31168", "50")],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.body.contains(&format!("id=\"error-{split2}\"")),
            "{}",
            r.body
        );
        assert!(r.body.contains("phải bằng 100 %"));
        // 37,5 % + 62,5 %: saved, back to the list.
        let r = app
            .post_form(
                &mut c,
                &action,
                &[
                    ("rule", "set"),
                    ("pct_31120", "37,5"),
                    ("pct_31168", "62,5"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let permille: Vec<i64> = sqlx::query_scalar(&format!(
        "SELECT share_permille FROM unit_successions WHERE predecessor_id = {split2} ORDER BY successor_id"
    ))
    .fetch_all(&app.db.pool)
    .await
    .expect("shares");
        assert_eq!(permille, [375, 625]);
        let r = app.get(&mut c, "/units/92/successions/splits").await;
        assert!(r.body.contains("37,5 %"));
        assert!(r.body.contains("tỉ lệ do tỉnh đặt"));
        // A commune's chair has no such page.
        let mut badinh = app.login(BADINH).await;
        let r = app
            .get(&mut badinh, "/units/00004/successions/splits")
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
);

const CONFIRM: [&str; 4] = ["key", "sha256", "plan", "file_name"];

both_backends!(
    the_shares_sheet_is_downloaded_filled_and_uploaded,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let (split2, split3) = old_map(&app).await;
        cantho_officer(&app).await;
        let mut c = app.login(CANTHO).await;
        // The sheet: one row per successor of each split commune, with what is in force.
        let (status, _, bytes) = app
            .download(&c, "/units/92/successions/splits/sheet.xlsx")
            .await;
        assert_eq!(status, StatusCode::OK);
        let sheet =
            khuyenhoc_sheets::read(&bytes, &khuyenhoc_sheets::shares::LIMITS).expect("sheet");
        assert_eq!(sheet.rows.len(), 5);
        let cols = khuyenhoc_sheets::shares::map_header(&sheet.header).expect("header");
        let first = cols.row(&sheet.rows[0]).expect("a row as downloaded");
        assert_eq!(
            (
                first.old_code.as_str(),
                first.successor.as_str(),
                first.rule
            ),
            ("31178", "31120", "equal")
        );

        // Shares that do not add up: every row of that commune refused, nothing to confirm.
        let bad = "Mã xã cũ,Mã đơn vị kế thừa,Cách chia,Tỉ lệ (%),Dân số phần\n\
               31178,31120,theo tỉ lệ,40,\n31178,31168,theo tỉ lệ,50,\n";
        let r = upload_workbook(
            &app,
            &mut c,
            "/units/92/successions/splits/import",
            &[],
            Some(("ti-le.csv", bad.as_bytes())),
        )
        .await;
        assert!(r.body.contains("phải bằng 100 %"), "{}", r.body);
        assert!(!r.body.contains("name=\"sha256\""), "nothing to confirm");
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM unit_successions WHERE share_rule IS NOT NULL"
            )
            .await,
            0
        );

        // 25 / 75 and by population: previewed, then saved all at once.
        let good = "Mã xã cũ,Tên xã cũ,Mã đơn vị kế thừa,Cách chia,Tỉ lệ (%),Dân số phần\n\
                31178,Phường Bùi Hữu Nghĩa,31120,theo tỉ lệ,25,\n\
                31178,Phường Bùi Hữu Nghĩa,31168,theo tỉ lệ,75,\n\
                31189,,31135,theo dân số,,500\n\
                31189,,31147,theo dân số,,300\n\
                31189,,31150,theo dân số,,200\n";
        let preview = upload_workbook(
            &app,
            &mut c,
            "/units/92/successions/splits/import",
            &[],
            Some(("ti-le.csv", good.as_bytes())),
        )
        .await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM unit_successions WHERE share_rule IS NOT NULL"
            )
            .await,
            0,
            "nothing before the confirmation"
        );
        let done = confirm_form(
            &app,
            &mut c,
            "/units/92/successions/splits/import/commit",
            &preview,
            &CONFIRM,
            &[],
        )
        .await;
        assert!(
            done.status.is_success() || done.status.is_redirection(),
            "{} {}",
            done.status,
            done.body
        );
        let shares: Vec<(Option<i64>, Option<i64>)> = sqlx::query_as(&format!(
        "SELECT share_permille, piece_population FROM unit_successions WHERE predecessor_id IN ({split2}, {split3}) ORDER BY predecessor_id, successor_id"
    ))
    .fetch_all(&app.db.pool)
    .await
    .expect("shares");
        assert_eq!(
            shares,
            [
                (Some(250), None),
                (Some(750), None),
                (None, Some(500)),
                (None, Some(300)),
                (None, Some(200))
            ]
        );
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM audit_log WHERE action = 'set_shares'"
            )
            .await,
            2
        );
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM audit_log WHERE entity = 'shares_import'"
            )
            .await,
            1
        );
        // Another province's chair: as if nothing were there.
        let mut hanoi = app.login(HANOI).await;
        let r = app
            .get(&mut hanoi, "/units/92/successions/splits/import")
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
);
