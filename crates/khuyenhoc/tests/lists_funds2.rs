//! Lists that scale for funds and pledges (issue 16), on both backends: a unit's funds and a
//! fund's pledges are paged by key and return each row exactly once, `q` finds the same rows
//! with and without diacritics (the folded names of migration 0017, backfilled at start-up for
//! older rows), a kind filter narrows, and a bad cursor or page size is refused on its field.

mod common;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;
use serde_json::json;
use std::collections::BTreeSet;

/// A cursor not ours, a cursor with a key of the other type (`by_name`: the list is ordered by
/// a text, so `[1,2]` is refused; otherwise `["x",2]`), and a page size out of 1..=200 are
/// refused on their own field.
async fn refuses_bad_paging(app: &TestApp, c: &mut Client, path: &str, by_name: bool) {
    let other = if by_name {
        "cursor=5b312c325d"
    } else {
        "cursor=5b2278222c325d"
    };
    for (q, field) in [
        ("cursor=zz", "cursor"),
        (other, "cursor"),
        ("per_page=0", "per_page"),
        ("per_page=201", "per_page"),
    ] {
        let r = app.get(c, &format!("{path}?{q}")).await;
        let j = problem(&r, StatusCode::UNPROCESSABLE_ENTITY, q);
        assert_eq!(j["errors"][0]["field"], field, "{path} {q}: {j}");
    }
}

fn encoded(q: &str) -> String {
    url::form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

both_backends!(
    a_units_funds_and_a_funds_pledges_page_by_key_and_search_without_diacritics,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut t = app.api_client(TREASURER).await;
        let mut funds = BTreeSet::new();
        for i in 0..9 {
            let name = if i % 3 == 0 {
                format!("Quỹ Học bổng Đồng Tâm {i}")
            } else {
                format!("Quỹ khuyến tài {i}")
            };
            funds.insert(open_fund(&app, &mut t, "00004", &format!("DS-{i}"), &name).await);
        }
        let scholarship = call(
            &app,
            &mut t,
            "POST",
            "/api/v1/units/00004/funds",
            json!({"code": "HB-X", "name": "Quỹ học bổng Xuân", "kind": "scholarship"}),
            StatusCode::CREATED,
        )
        .await["id"]
            .as_i64()
            .expect("fund");
        funds.insert(scholarship);
        let base = "/api/v1/units/00004/funds";
        let in_db: BTreeSet<i64> = sqlx::query_scalar::<_, i64>(
            "SELECT f.id FROM funds f JOIN units u ON u.id = f.unit_id WHERE u.code LIKE '00004%'",
        )
        .fetch_all(&app.db.pool)
        .await
        .expect("funds")
        .into_iter()
        .collect();
        assert!(funds.is_subset(&in_db));

        // Every fund of the subtree once, 3 a page, in folded-name order; the views hold
        // their balances.
        let (ids, pages) = all_pages(&app, &mut t, &format!("{base}?per_page=3")).await;
        assert_eq!(ids.iter().copied().collect::<BTreeSet<_>>(), in_db);
        assert_eq!(pages, in_db.len().div_ceil(3));
        let first = ok(&app, &mut t, "GET", base, json!(null)).await;
        let names: Vec<String> = first["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|f| khuyenhoc_domain::text::fold(f["name"].as_str().unwrap_or_default()))
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted, "name order");
        assert!(first["items"][0]["balances"]
            .as_array()
            .is_some_and(|b| b.len() == 3));

        // `q` in both spellings finds the same funds, by name or by code.
        let with = listed(
            &app,
            &mut t,
            &format!("{base}?per_page=2&q={}", encoded("đồng tâm")),
        )
        .await;
        let without = listed(&app, &mut t, &format!("{base}?per_page=2&q=dong%20tam")).await;
        assert_eq!(with.len(), 3, "three funds are named Đồng Tâm");
        assert_eq!(with, without);
        let by_code = listed(&app, &mut t, &format!("{base}?per_page=2&q=hb-x")).await;
        assert_eq!(by_code, BTreeSet::from([scholarship]));
        // A kind narrows; an unknown kind is refused on its field.
        let kind = listed(&app, &mut t, &format!("{base}?per_page=2&kind=scholarship")).await;
        assert!(kind.contains(&scholarship));
        assert!(kind.iter().all(|id| !with.contains(id)));
        let r = app.get(&mut t, &format!("{base}?kind=secret")).await;
        let j = problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "kind");
        assert_eq!(j["errors"][0]["field"], "kind", "{j}");
        refuses_bad_paging(&app, &mut t, base, true).await;
        // The page asks the same query: the count and only the funds that match.
        let mut page = app.login(TREASURER).await;
        let r = app
            .get(&mut page, "/units/00004/funds?q=dong%20tam&kind=")
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("<p id=\"total\">3 quỹ · "), "{}", r.body);
        assert!(r.body.contains("Đồng Tâm") && !r.body.contains("khuyến tài"));

        // A fund made before its folded name existed is filled at start-up and found.
        sqlx::query("UPDATE funds SET name_folded = NULL WHERE id = $1")
            .bind(scholarship)
            .execute(&app.db.pool)
            .await
            .expect("clear");
        sqlx::query("UPDATE donors SET name_folded = NULL")
            .execute(&app.db.pool)
            .await
            .expect("clear");
        khuyenhoc::prepare(&app.db).await.expect("prepare");
        let found = listed(
            &app,
            &mut t,
            &format!("{base}?q={}", encoded("học bổng xuân")),
        )
        .await;
        assert_eq!(found, BTreeSet::from([scholarship]));

        // Pledges: newest first, every one once, searched in the donor's name.
        let fund = *funds.iter().next().expect("a fund");
        let mut pledges = vec![];
        for i in 0..7 {
            let party = if i % 2 == 0 {
                format!("Trần Thị Ngọc Ánh {i}")
            } else {
                format!("Công ty Minh Long {i}")
            };
            let p = call(
                &app,
                &mut t,
                "POST",
                &format!("/api/v1/funds/{fund}/pledges"),
                json!({"party": party, "amount": 1_000_000 + i}),
                StatusCode::CREATED,
            )
            .await;
            pledges.push(p["id"].as_i64().expect("pledge"));
        }
        let path = format!("/api/v1/funds/{fund}/pledges");
        let (ids, pages) = all_pages(&app, &mut t, &format!("{path}?per_page=3")).await;
        let mut newest_first = pledges.clone();
        newest_first.reverse();
        assert_eq!((ids, pages), (newest_first, 3));
        let with = listed(
            &app,
            &mut t,
            &format!("{path}?per_page=2&q={}", encoded("Ngọc Ánh")),
        )
        .await;
        let without = listed(&app, &mut t, &format!("{path}?per_page=2&q=ngoc%20anh")).await;
        assert_eq!(with.len(), 4, "four pledges of Ngọc Ánh");
        assert_eq!(with, without);
        refuses_bad_paging(&app, &mut t, &path, false).await;
        // Backfilled donors are found too (their names were cleared above, before these
        // pledges: the fees' and receipts' donors of the seed, if any, were refilled).
        let nulls: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM donors WHERE name_folded IS NULL")
                .fetch_one(&app.db.pool)
                .await
                .expect("count");
        assert_eq!(nulls, 0);
    }
);
