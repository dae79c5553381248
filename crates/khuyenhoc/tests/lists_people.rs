//! Lists that scale (issue 16, item 1) beyond the worklist, on both backends: the people of a
//! unit, the units and a unit's branches, the registrations queue. Each is paged by key (every
//! row exactly once across pages), searched by name in both spellings ("nguyen van" and
//! "Nguyễn Văn" find the same rows) or by phone, narrowed by a filter, and refuses a cursor that
//! is not one and a page size outside 1 to 200 on their fields; the people list is exported to
//! Excel exactly as filtered.

mod common;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// Every page of an API list, following `next_cursor`: the items in order and the pages read.
/// Every page carries the same total.
async fn all_pages(app: &TestApp, c: &mut Client, first: &str) -> (Vec<Value>, usize) {
    let mut items = vec![];
    let mut pages = 0;
    let mut path = first.to_owned();
    let mut total = None;
    loop {
        let page = ok(app, c, "GET", &path, json!(null)).await;
        pages += 1;
        assert!(total.is_none() || total == page["total"].as_i64(), "{page}");
        total = page["total"].as_i64();
        items.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(cur) => path = format!("{first}&cursor={cur}"),
            None => break,
        }
        assert!(pages < 500, "the list never ends");
    }
    assert_eq!(
        total,
        Some(items.len() as i64),
        "the total is what the pages hold"
    );
    (items, pages)
}

fn ids(items: &[Value], field: &str) -> Vec<String> {
    items.iter().map(|i| i[field].to_string()).collect()
}

/// Every row exactly once: no id twice, and the set asked for.
fn once(items: &[Value], field: &str) -> BTreeSet<String> {
    let all = ids(items, field);
    let set: BTreeSet<String> = all.iter().cloned().collect();
    assert_eq!(set.len(), all.len(), "a row came twice: {all:?}");
    set
}

async fn db_set(app: &TestApp, sql: &str) -> BTreeSet<String> {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_all(&app.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|i| i.to_string())
        .collect()
}

/// A bad cursor and a page size of 0 or 201 are refused on their field.
async fn refuses_bad_paging(app: &TestApp, c: &mut Client, base: &str) {
    let sep = if base.contains('?') { '&' } else { '?' };
    for (q, field) in [
        ("cursor=zz", "cursor"),
        ("cursor=5b312e352c325d", "cursor"),
        ("per_page=0", "per_page"),
        ("per_page=201", "per_page"),
    ] {
        let r = app.get(c, &format!("{base}{sep}{q}")).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{base} {q}: {}",
            r.body
        );
        assert!(r.body.contains(&format!("\"{field}\"")), "{q}: {}", r.body);
    }
}

both_backends!(
    the_people_of_a_unit_page_search_filter_export,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut api = app.api_client(BADINH).await;
        for i in 0..45 {
            let branch = if i % 2 == 0 { "00004-1" } else { "00004-2" };
            let tail = [b'A' + (i / 26) as u8, b'a' + (i % 26) as u8];
            let tail = String::from_utf8_lossy(&tail);
            let name = match i % 5 {
                0 => format!("Nguyễn Văn Lâm {tail}"),
                1 => format!("Nguyen Van Lam {tail}"),
                _ => format!("Trần Thị Hoa {tail}"),
            };
            register_person(&app, &mut api, branch, &name, &format!("0977{i:06}")).await;
        }
        let under = "SELECT pe.id FROM people pe JOIN units u ON u.id = pe.unit_id \
            WHERE u.path LIKE '%/00004/%'";
        // Every person of the commune exactly once, 7 a page.
        let (items, pages) =
            all_pages(&app, &mut api, "/api/v1/units/00004/people?per_page=7").await;
        assert_eq!(once(&items, "id"), db_set(&app, under).await);
        assert!(pages >= 7, "{pages}");
        // Both spellings find the same people: the 18 Nguyễn Văn / Nguyen Van.
        let (a, _) = all_pages(
            &app,
            &mut api,
            "/api/v1/units/00004/people?q=nguyen%20van&per_page=5",
        )
        .await;
        let (b2, _) = all_pages(
            &app,
            &mut api,
            "/api/v1/units/00004/people?q=Nguy%E1%BB%85n%20V%C4%83n&per_page=5",
        )
        .await;
        assert_eq!(once(&a, "id"), once(&b2, "id"));
        assert_eq!(a.len(), 18);
        // A phone finds its person.
        let (p, _) = all_pages(&app, &mut api, "/api/v1/units/00004/people?q=0977000012").await;
        assert_eq!(ids(&p, "phone"), ["\"0977000012\""]);
        // The branch narrows: only 00004-2's Nguyễns.
        let narrow = "/api/v1/units/00004/people?q=nguyen&branch=00004-2&per_page=4";
        let (n, _) = all_pages(&app, &mut api, narrow).await;
        let want = db_set(
            &app,
            "SELECT pe.id FROM people pe JOIN units u ON u.id = pe.unit_id \
             WHERE u.code = '00004-2' AND pe.name_folded LIKE '%nguyen%'",
        )
        .await;
        assert_eq!(once(&n, "id"), want);
        assert_eq!(want.len(), 9);
        let r = app
            .get(&mut api, "/api/v1/units/00004/people?branch=04795")
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        refuses_bad_paging(&app, &mut api, "/api/v1/units/00004/people").await;

        // The export holds exactly the filtered people.
        let web = app.login(BADINH).await;
        let (status, _, bytes) = app
            .download(&web, "/units/00004/people.xlsx?q=nguyen&branch=00004-2")
            .await;
        assert_eq!(status, StatusCode::OK);
        use calamine::{DataType, Reader};
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
        let sheet = wb.worksheet_range("Danh sách").expect("sheet");
        let exported: BTreeSet<String> = sheet
            .rows()
            .skip(1)
            .filter_map(|r| r.get(7).and_then(|c| c.as_i64()))
            .map(|i| i.to_string())
            .collect();
        assert_eq!(sheet.rows().count() - 1, want.len());
        assert_eq!(exported, want);

        // The page: the count, the search box, the next page by key.
        let mut web = web;
        let r = app
            .get(&mut web, "/units/00004/people?q=nguyen&per_page=5")
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("18 người"), "{}", r.body);
        assert!(r.body.contains("Trang sau"));
        assert!(r.body.contains("id=\"pq\""));
    }
);

both_backends!(units_and_branches_by_key, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut api = app.api_client(CENTRAL).await;
    // Hà Nội's communes, 50 a page: each once, as many as the map holds.
    let (items, _) = all_pages(&app, &mut api, "/api/v1/units/01/branches?per_page=50").await;
    let want = db_set(
        &app,
        "SELECT c.id FROM units c JOIN units p ON p.id = c.parent_id \
         WHERE p.code = '01' AND c.valid_to IS NULL",
    )
    .await;
    assert_eq!(once(&items, "id"), want);
    assert!(want.len() > 100, "{}", want.len());
    // Both spellings, in the list of units and in the branches.
    for base in [
        "/api/v1/units?level=commune",
        "/api/v1/units/01/branches?per_page=3",
    ] {
        let (a, _) = all_pages(&app, &mut api, &format!("{base}&q=ba%20dinh")).await;
        let (b2, _) = all_pages(&app, &mut api, &format!("{base}&q=Ba%20%C4%90%C3%ACnh")).await;
        assert_eq!(once(&a, "code"), once(&b2, "code"));
        assert!(ids(&a, "code").contains(&"\"00004\"".to_owned()), "{base}");
    }
    // A filter narrows: the provinces only, by key.
    let (p, _) = all_pages(&app, &mut api, "/api/v1/units?level=province&per_page=9").await;
    assert_eq!(once(&p, "code").len(), 34);
    refuses_bad_paging(&app, &mut api, "/api/v1/units").await;
    refuses_bad_paging(&app, &mut api, "/api/v1/units/01/branches").await;
    // The page of a unit's children: searched, counted, the next page by key.
    let mut web = app.login(CENTRAL).await;
    let r = app.get(&mut web, "/units?parent=01").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains(&format!("Kết quả: {}", want.len())),
        "{}",
        r.body
    );
    assert!(r.body.contains("Trang sau"));
    let r = app.get(&mut web, "/units/01").await;
    assert!(r.body.contains("href=\"/units?parent=01\""));
});

both_backends!(the_registrations_queue_by_key, |b: Backend| async move {
    let app = TestApp::new(b).await;
    // 30 registrations at one branch, arriving in the same second five at a time (the id
    // breaks ties).
    let unit: i64 = sqlx::query_scalar("SELECT id FROM units WHERE code = '00004-1'")
        .fetch_one(&app.db.pool)
        .await
        .expect("unit");
    for i in 0..30i64 {
        let name = if i % 3 == 0 {
            format!("Nguyễn Văn Mới {}", char::from(b'a' + i as u8))
        } else {
            format!("Lý Thị Chờ {}", char::from(b'a' + i as u8))
        };
        sqlx::query(
            "INSERT INTO registrations (unit_id, full_name, name_folded, phone, status, created_at) \
             VALUES ($1, $2, $3, $4, 'pending', $5)",
        )
        .bind(unit)
        .bind(&name)
        .bind(khuyenhoc_domain::text::fold(&name))
        .bind(format!("0988{i:06}"))
        .bind(1_700_000_000 + i / 5)
        .execute(&app.db.pool)
        .await
        .expect("registration");
    }
    let mut api = app.api_client(BADINH).await;
    let base = "/api/v1/units/00004/registrations";
    let (items, _) = all_pages(&app, &mut api, &format!("{base}?per_page=4")).await;
    let all = db_set(
        &app,
        "SELECT id FROM registrations WHERE status = 'pending'",
    )
    .await;
    assert_eq!(once(&items, "id"), all);
    assert_eq!(all.len(), 30);
    // Oldest first.
    let times: Vec<i64> = items
        .iter()
        .filter_map(|i| i["created_at"].as_i64())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    let (a, _) = all_pages(&app, &mut api, &format!("{base}?q=nguyen%20van&per_page=3")).await;
    let (b2, _) = all_pages(
        &app,
        &mut api,
        &format!("{base}?q=Nguy%E1%BB%85n%20V%C4%83n&per_page=3"),
    )
    .await;
    assert_eq!(once(&a, "id"), once(&b2, "id"));
    assert_eq!(a.len(), 10);
    let (p, _) = all_pages(&app, &mut api, &format!("{base}?q=0988000007")).await;
    assert_eq!(ids(&p, "full_name"), ["\"Lý Thị Chờ h\""]);
    // The status filter narrows: nothing is confirmed yet.
    let (c, _) = all_pages(&app, &mut api, &format!("{base}?status=confirmed")).await;
    assert!(c.is_empty());
    refuses_bad_paging(&app, &mut api, base).await;
    // The queue page: the count and the next page by key.
    let mut web = app.login(BADINH).await;
    let r = app
        .get(&mut web, "/units/00004/registrations?per_page=10")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(">30 đăng ký"), "{}", r.body);
    assert!(r.body.contains("Trang sau"));
});

both_backends!(the_audit_log_by_key, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut api = app.api_client(BADINH).await;
    for i in 0..12u8 {
        let name = format!("Hà Thị Nhật {}", char::from(b'a' + i));
        register_person(&app, &mut api, "00004-1", &name, &format!("0955{i:06}")).await;
    }
    // Every entry of the commune's people exactly once, newest first, 5 a page.
    let base = "/api/v1/audit?entity=person";
    let (items, _) = all_pages(&app, &mut api, &format!("{base}&per_page=5")).await;
    let want = db_set(
        &app,
        "SELECT a.id FROM audit_log a JOIN units u ON u.id = a.unit_id \
         WHERE a.entity = 'person' AND u.path LIKE '%/00004/%'",
    )
    .await;
    assert_eq!(once(&items, "id"), want);
    let got: Vec<i64> = items.iter().filter_map(|e| e["id"].as_i64()).collect();
    assert!(got.windows(2).all(|w| w[0] > w[1]), "newest first");
    // Who acted, in both spellings; by phone.
    let (a, _) = all_pages(
        &app,
        &mut api,
        &format!("{base}&q=le%20van%20dinh&per_page=4"),
    )
    .await;
    let (b2, _) = all_pages(
        &app,
        &mut api,
        &format!("{base}&q=L%C3%AA%20V%C4%83n%20%C4%90%C3%ACnh&per_page=4"),
    )
    .await;
    assert_eq!(once(&a, "id"), once(&b2, "id"));
    assert!(a.len() >= 12, "{}", a.len());
    let (p, _) = all_pages(&app, &mut api, &format!("{base}&q={BADINH}")).await;
    assert_eq!(once(&p, "id"), once(&a, "id"));
    // The entity filter narrows to one record's history.
    let one = items[0]["entity_id"]
        .as_str()
        .expect("entity_id")
        .to_owned();
    let (h, _) = all_pages(&app, &mut api, &format!("{base}&entity_id={one}")).await;
    assert!(!h.is_empty() && h.len() < items.len());
    assert!(h.iter().all(|e| e["entity_id"] == one.as_str()));
    refuses_bad_paging(&app, &mut api, "/api/v1/audit").await;
    // The viewer: a search box, the count, the next page by key.
    let mut web = app.login(BADINH).await;
    let r = app.get(&mut web, "/audit?entity=person&per_page=5").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains(&format!("{} thay đổi", want.len())),
        "{}",
        r.body
    );
    assert!(r.body.contains("Trang sau") && r.body.contains("id=\"aq\""));
});

both_backends!(notifications_by_key, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let me: i64 = sqlx::query_scalar("SELECT id FROM people WHERE phone = $1")
        .bind(CITIZEN)
        .fetch_one(&app.db.pool)
        .await
        .expect("citizen");
    for i in 0..25i64 {
        let vi = if i % 4 == 0 {
            format!("Hồ sơ số {i} được trả lại để bổ sung")
        } else {
            format!("Mã xác nhận mới số {i}")
        };
        sqlx::query(
            "INSERT INTO notices (person_id, kind, text_vi, text_en, created_at, text_folded, read_at) \
             VALUES ($1, 'test', $2, 'A notice', 1700000000, $3, $4)",
        )
        .bind(me)
        .bind(&vi)
        .bind(khuyenhoc_domain::text::fold(&vi))
        .bind(if i % 5 == 0 { Some(1_700_000_100i64) } else { None })
        .execute(&app.db.pool)
        .await
        .expect("notice");
    }
    let mut api = app.api_client(CITIZEN).await;
    let base = "/api/v1/notifications";
    let (items, _) = all_pages(&app, &mut api, &format!("{base}?per_page=6")).await;
    let mine = format!("SELECT id FROM notices WHERE person_id = {me}");
    assert_eq!(once(&items, "id"), db_set(&app, &mine).await);
    let (a, _) = all_pages(&app, &mut api, &format!("{base}?q=tra%20lai&per_page=2")).await;
    let (b2, _) = all_pages(
        &app,
        &mut api,
        &format!("{base}?q=tr%E1%BA%A3%20l%E1%BA%A1i&per_page=2"),
    )
    .await;
    assert_eq!(once(&a, "id"), once(&b2, "id"));
    assert_eq!(a.len(), 7);
    // Unread only: the total is the unread count.
    let (u, _) = all_pages(&app, &mut api, &format!("{base}?unread=true&per_page=7")).await;
    assert_eq!(
        once(&u, "id"),
        db_set(&app, &format!("{mine} AND read_at IS NULL")).await
    );
    assert_eq!(u.len(), 20);
    refuses_bad_paging(&app, &mut api, base).await;
    // A notice written before `text_folded` existed is found once the start-up fills it.
    sqlx::query(
        "INSERT INTO notices (person_id, kind, text_vi, text_en, created_at) \
         VALUES ($1, 'test', 'Thư cũ chưa gấp chữ', 'An old notice', 1700000000)",
    )
    .bind(me)
    .execute(&app.db.pool)
    .await
    .expect("old notice");
    let (before, _) = all_pages(&app, &mut api, &format!("{base}?q=thu%20cu")).await;
    assert!(before.is_empty());
    let filled = khuyenhoc::notify::model::backfill(&app.db)
        .await
        .expect("backfill");
    assert_eq!(filled, 1);
    let (after, _) = all_pages(&app, &mut api, &format!("{base}?q=Th%C6%B0%20c%C5%A9")).await;
    assert_eq!(after.len(), 1);
    let mut web = app.login(CITIZEN).await;
    let r = app.get(&mut web, "/notifications?q=tra%20lai").await;
    assert!(r.body.contains("7 thông báo"), "{}", r.body);
    let r = app.get(&mut web, "/notifications").await;
    assert!(r.body.contains("Trang sau"));
});

both_backends!(short_lists_answer_the_same_shape, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let mut api = app.api_client(BADINH).await;
    let chair: i64 = sqlx::query_scalar(
        "SELECT p.id FROM positions p JOIN units u ON u.id = p.unit_id \
         JOIN position_types t ON t.id = p.type_id WHERE u.code = '00004' AND t.code = 'chair'",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("the commune's chair");
    // Every short list pages by key, 2 a page, each row once: the rows of one whole page.
    for (path, field) in [
        ("/api/v1/position-types".to_owned(), "code"),
        ("/api/v1/units/00004/positions".to_owned(), "id"),
        (format!("/api/v1/positions/{chair}/holders"), "person_id"),
        ("/api/v1/clusters".to_owned(), "code"),
        ("/api/v1/criteria".to_owned(), "id"),
    ] {
        let (items, pages) = all_pages(&app, &mut api, &format!("{path}?per_page=2")).await;
        let (whole, one) = all_pages(&app, &mut api, &format!("{path}?per_page=200")).await;
        assert_eq!(one, 1);
        assert_eq!(once(&items, field), once(&whole, field), "{path}");
        assert!(!whole.is_empty(), "{path}");
        assert_eq!(pages, whole.len().div_ceil(2), "{path}");
        refuses_bad_paging(&app, &mut api, &path).await;
    }
    // Searched by name in both spellings.
    for base in ["/api/v1/position-types", "/api/v1/criteria"] {
        let (a, _) = all_pages(&app, &mut api, &format!("{base}?q=cong%20dan")).await;
        let (b2, _) = all_pages(&app, &mut api, &format!("{base}?q=c%C3%B4ng%20d%C3%A2n")).await;
        assert_eq!(ids(&a, "title"), ids(&b2, "title"), "{base}");
        let (c, _) = all_pages(&app, &mut api, &format!("{base}?q=chu%20tich")).await;
        let (d, _) = all_pages(
            &app,
            &mut api,
            &format!("{base}?q=Ch%E1%BB%A7%20t%E1%BB%8Bch"),
        )
        .await;
        assert_eq!(ids(&c, "code"), ids(&d, "code"), "{base}");
    }
    let (t, _) = all_pages(&app, &mut api, "/api/v1/position-types?q=chu%20tich").await;
    assert!(ids(&t, "code").contains(&"\"chair\"".to_owned()), "{t:?}");
    let (all, _) = all_pages(&app, &mut api, "/api/v1/position-types").await;
    assert!(t.len() < all.len(), "the search narrows");
    let (sets, _) = all_pages(&app, &mut api, "/api/v1/criteria?q=cong%20dan").await;
    assert!(
        !sets.is_empty() && sets.iter().all(|s| s["model"] == "citizen"),
        "{sets:?}"
    );
    // One's own evaluations: the same shape, empty for the officer.
    let (mine, _) = all_pages(&app, &mut api, "/api/v1/me/evaluations?per_page=1").await;
    assert!(mine.is_empty());
    refuses_bad_paging(&app, &mut api, "/api/v1/me/evaluations").await;
});
