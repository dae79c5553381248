//! Lists that scale for members and funds (issue 16, item 1), on both backends: every API list
//! is paged by key and returns each row exactly once, `q` finds the same rows with and without
//! diacritics, a filter narrows, a bad cursor and a bad page size are refused on their field;
//! the Excel exports hold exactly the filtered rows.

mod common;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;
use serde_json::json;
use std::collections::BTreeSet;

async fn ids_where(app: &TestApp, sql: &str) -> BTreeSet<i64> {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_all(&app.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .collect()
}

/// A bad cursor (not ours, or a key of the other type: `[1,2]` for a list by name, `["x",2]` for
/// one by number) and a page size out of 1..=200 are refused on their own field.
async fn refuses_bad_paging(app: &TestApp, c: &mut Client, path: &str) {
    let sep = if path.contains('?') { '&' } else { '?' };
    let other = if path.contains("/fees") {
        "cursor=5b2278222c325d"
    } else {
        "cursor=5b312c325d"
    };
    for (q, field) in [
        ("cursor=zz", "cursor"),
        (other, "cursor"),
        ("per_page=0", "per_page"),
        ("per_page=201", "per_page"),
    ] {
        let r = app.get(c, &format!("{path}{sep}{q}")).await;
        let j = problem(&r, StatusCode::UNPROCESSABLE_ENTITY, q);
        assert_eq!(j["errors"][0]["field"], field, "{path} {q}: {j}");
    }
}

fn encoded(q: &str) -> String {
    url::form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

/// The ids in one column of a downloaded workbook's sheet, and how many data rows it has.
fn sheet_ids(bytes: Vec<u8>, sheet: &str, col: usize) -> (BTreeSet<i64>, usize) {
    use calamine::{DataType, Reader};
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    let range = wb.worksheet_range(sheet).expect("sheet");
    let ids = range
        .rows()
        .skip(1)
        .filter_map(|r| r.get(col).and_then(|c| c.as_i64()))
        .collect();
    (ids, range.rows().count() - 1)
}

async fn download(app: &TestApp, web: &Client, path: &str) -> Vec<u8> {
    let (status, headers, bytes) = app.download(web, path).await;
    assert_eq!(status, StatusCode::OK, "{path}");
    assert!(headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("spreadsheetml")));
    bytes
}

/// Given names for the members made here (a name holds no digits).
const GIVEN: [&str; 24] = [
    "An", "Bảo", "Chi", "Dũng", "Giang", "Hải", "Khánh", "Lâm", "Minh", "Nam", "Oanh", "Phúc",
    "Quang", "Sơn", "Tâm", "Uyên", "Vân", "Xuân", "Yến", "Đức", "Hưng", "Linh", "Mai", "Trung",
];

both_backends!(
    the_member_list_pages_by_key_searches_filters_and_exports,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut api = app.api_client(BADINH).await;
        for (i, given) in GIVEN.iter().enumerate() {
            let name = if i % 3 == 0 {
                format!("Nguyễn Thị Hoà {given}")
            } else {
                format!("Lê Văn Bình {given}")
            };
            let branch = if i % 2 == 0 { "00004-1" } else { "00004-2" };
            let m = call(
                &app,
                &mut api,
                "POST",
                "/api/v1/units/00004/members",
                json!({"full_name": name, "phone": format!("0977000{i:03}"), "branch_code": branch, "joined_on": "2021-05-01", "sectors": []}),
                StatusCode::CREATED,
            )
            .await;
            if i % 4 == 1 {
                let id = m["id"].as_i64().expect("id");
                ok(
                    &app,
                    &mut api,
                    "POST",
                    &format!("/api/v1/members/{id}/status"),
                    json!({"status": "left", "on": "2022-01-01"}),
                )
                .await;
            }
        }
        let path: String = sqlx::query_scalar("SELECT path FROM units WHERE code = '00004'")
            .fetch_one(&app.db.pool)
            .await
            .expect("path");
        let under = format!(
            "SELECT m.id FROM members m JOIN units b ON b.id = m.branch_id JOIN people pe ON pe.id = m.person_id WHERE b.path LIKE '{path}%'"
        );
        let base = "/api/v1/units/00004/members?per_page=5";

        // Every member once, in pages of five.
        let all = ids_where(&app, &under).await;
        assert!(all.len() >= 24);
        let (ids, pages) = all_pages(&app, &mut api, base).await;
        assert_eq!(ids.iter().copied().collect::<BTreeSet<_>>(), all);
        assert_eq!(ids.len(), all.len(), "each row once");
        assert_eq!(pages, all.len().div_ceil(5));

        // Both spellings find the same members; phone digits find theirs.
        let hoa = ids_where(
            &app,
            &format!("{under} AND pe.name_folded LIKE '%nguyen thi hoa%'"),
        )
        .await;
        assert!(hoa.len() >= 8);
        for q in ["Nguyễn Thị Hoà", "nguyen thi hoa", "NGUYEN THI HOÀ"] {
            let got = listed(&app, &mut api, &format!("{base}&q={}", encoded(q))).await;
            assert_eq!(got, hoa, "{q}");
        }
        let phones = ids_where(&app, &format!("{under} AND pe.phone LIKE '0977000%'")).await;
        assert_eq!(phones.len(), 24);
        assert_eq!(
            listed(&app, &mut api, &format!("{base}&q=0977%20000")).await,
            phones
        );

        // Filters narrow: status, branch, both with a search.
        let left = ids_where(&app, &format!("{under} AND m.status = 'left'")).await;
        assert!(left.len() >= 6);
        assert_eq!(
            listed(&app, &mut api, &format!("{base}&status=left")).await,
            left
        );
        let second = ids_where(&app, &format!("{under} AND b.code = '00004-2'")).await;
        assert_eq!(
            listed(&app, &mut api, &format!("{base}&branch=00004-2")).await,
            second
        );
        let both: BTreeSet<i64> = second.intersection(&hoa).copied().collect();
        assert!(!both.is_empty() && both.len() < hoa.len());
        assert_eq!(
            listed(
                &app,
                &mut api,
                &format!("{base}&branch=00004-2&q=nguyen%20thi%20hoa")
            )
            .await,
            both
        );
        let r = app
            .get(&mut api, "/api/v1/units/00004/members?branch=04795")
            .await;
        let j = problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "branch outside");
        assert_eq!(j["errors"][0]["field"], "branch");
        refuses_bad_paging(&app, &mut api, "/api/v1/units/00004/members?q=hoa").await;

        // The page: the count, a search box, the next page by key; the export as filtered.
        let mut web = app.login(BADINH).await;
        let page = app
            .get(&mut web, "/units/00004/members?q=nguyen+thi+hoa")
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body
                .contains(&format!("<p id=\"total\">{} ", hoa.len())),
            "{}",
            page.body
        );
        assert!(!page.body.contains("id=\"next\""));
        let page = app.get(&mut web, "/units/00004/members").await;
        if all.len() > 50 {
            assert!(page.body.contains("id=\"next\""));
        }
        let bytes = download(
            &app,
            &web,
            "/units/00004/members.xlsx?q=nguyen+thi+hoa&branch=00004-2",
        )
        .await;
        let (exported, rows) = sheet_ids(bytes, "Hội viên", 9);
        assert_eq!((exported, rows), (both.clone(), both.len()));
        let bytes = download(&app, &web, "/units/00004/members.xlsx?status=left").await;
        assert_eq!(sheet_ids(bytes, "Hội viên", 9), (left.clone(), left.len()));
    }
);

both_backends!(
    a_funds_ledger_pages_by_key_searches_filters_and_exports,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut t = app.api_client(TREASURER).await;
        let fund = open_fund(&app, &mut t, "00004", "KH-DS", "Quỹ danh sách").await;
        for i in 0..22 {
            let (party, kind) = if i % 3 == 0 {
                (format!("Nguyễn Thị Đào {i}"), "person")
            } else {
                ("Công ty Minh Long".to_owned(), "organisation")
            };
            let on = if i % 2 == 0 {
                format!("2024-{:02}-{:02}", 1 + i % 12, 1 + i)
            } else {
                format!("2025-{:02}-{:02}", 1 + i % 12, 1 + i)
            };
            let asset = if i % 4 == 0 { "bank" } else { "cash" };
            call(
                &app,
                &mut t,
                "POST",
                &format!("/api/v1/funds/{fund}/entries"),
                json!({"category": "donation", "amount": 100_000 + i, "date": on, "asset": asset,
                       "description": format!("Ủng hộ khuyến học đợt {i}"), "party": party, "party_kind": kind}),
                StatusCode::CREATED,
            )
            .await;
        }
        // One payment, so that a kind filter has something to leave out.
        call(
            &app,
            &mut t,
            "POST",
            &format!("/api/v1/funds/{fund}/entries"),
            json!({"category": "scholarship", "amount": 50_000, "date": "2025-06-01", "description": "Học bổng em Hà"}),
            StatusCode::CREATED,
        )
        .await;
        let of_fund = format!("SELECT e.id FROM ledger_entries e LEFT JOIN donors d ON d.id = e.donor_id WHERE e.fund_id = {fund}");
        let base = format!("/api/v1/funds/{fund}/entries?per_page=4");

        // Every entry once, newest first.
        let all = ids_where(&app, &of_fund).await;
        assert_eq!(all.len(), 23);
        let (ids, pages) = all_pages(&app, &mut t, &base).await;
        assert_eq!(ids.iter().copied().collect::<BTreeSet<_>>(), all);
        assert_eq!((ids.len(), pages), (23, 6));
        let days: Vec<String> = {
            let first = ok(
                &app,
                &mut t,
                "GET",
                &format!("/api/v1/funds/{fund}/entries?per_page=200"),
                json!(null),
            )
            .await;
            first["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|e| e["occurred_on"].as_str().unwrap_or_default().to_owned())
                .collect()
        };
        assert!(
            days.windows(2).all(|w| w[0] >= w[1]),
            "newest first: {days:?}"
        );

        // The donor's name and the description, in both spellings.
        let dao = ids_where(
            &app,
            &format!("{of_fund} AND d.name LIKE 'Nguyễn Thị Đào%'"),
        )
        .await;
        assert_eq!(dao.len(), 8);
        for q in ["Nguyễn Thị Đào", "nguyen thi dao", "NGUYEN THI ĐAO"] {
            assert_eq!(
                listed(&app, &mut t, &format!("{base}&q={}", encoded(q))).await,
                dao,
                "{q}"
            );
        }
        let hoc_bong: BTreeSet<i64> =
            ids_where(&app, &format!("{of_fund} AND e.kind = 'scholarship'")).await;
        assert_eq!(
            listed(&app, &mut t, &format!("{base}&q=hoc%20bong")).await,
            hoc_bong
        );
        assert_eq!(
            listed(&app, &mut t, &format!("{base}&kind=scholarship")).await,
            hoc_bong
        );

        // Year, days, account, and a filter with a search.
        let y2024 = ids_where(&app, &format!("{of_fund} AND e.occurred_on LIKE '2024-%'")).await;
        assert_eq!(y2024.len(), 11);
        assert_eq!(
            listed(&app, &mut t, &format!("{base}&year=2024")).await,
            y2024
        );
        assert_eq!(
            listed(
                &app,
                &mut t,
                &format!("{base}&from=01/01/2024&to=2024-12-31")
            )
            .await,
            y2024
        );
        let bank = ids_where(
            &app,
            &format!("{of_fund} AND EXISTS (SELECT 1 FROM ledger_lines l WHERE l.entry_id = e.id AND l.account = 'bank')"),
        )
        .await;
        assert_eq!(bank.len(), 6);
        assert_eq!(
            listed(&app, &mut t, &format!("{base}&account=bank")).await,
            bank
        );
        let dao_2024: BTreeSet<i64> = dao.intersection(&y2024).copied().collect();
        assert!(!dao_2024.is_empty() && dao_2024.len() < dao.len());
        assert_eq!(
            listed(
                &app,
                &mut t,
                &format!("{base}&year=2024&q=nguyen%20thi%20dao")
            )
            .await,
            dao_2024
        );
        for (q, field) in [
            ("year=1999", "year"),
            ("kind=cash", "kind"),
            ("account=x", "account"),
            ("from=31/02/2024", "from"),
        ] {
            let r = app.get(&mut t, &format!("{base}&{q}")).await;
            let j = problem(&r, StatusCode::UNPROCESSABLE_ENTITY, q);
            assert_eq!(j["errors"][0]["field"], field, "{q}: {j}");
        }
        refuses_bad_paging(
            &app,
            &mut t,
            &format!("/api/v1/funds/{fund}/entries?year=2024"),
        )
        .await;

        // The page: the count, a search box, the next page by key; the export as filtered.
        let mut web = app.login(TREASURER).await;
        let page = app
            .get(&mut web, &format!("/funds/{fund}/ledger?per_page=10"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("<p id=\"total\">23 "), "{}", page.body);
        assert!(page.body.contains("id=\"next\"") && page.body.contains("Trang sau"));
        assert!(page.body.contains("name=\"q\""));
        let page = app
            .get(
                &mut web,
                &format!("/funds/{fund}/ledger?q=nguyen+thi+dao&year=2024"),
            )
            .await;
        assert!(page
            .body
            .contains(&format!("<p id=\"total\">{} ", dao_2024.len())));
        assert!(page.body.contains("Nguyễn Thị Đào") && !page.body.contains("Công ty Minh Long"));
        let bytes = download(
            &app,
            &web,
            &format!("/funds/{fund}/ledger.xlsx?q=nguyen+thi+dao&year=2024"),
        )
        .await;
        assert_eq!(
            sheet_ids(bytes, "Sổ quỹ", 7),
            (dao_2024.clone(), dao_2024.len())
        );
        let bytes = download(
            &app,
            &web,
            &format!("/funds/{fund}/ledger.xlsx?account=bank"),
        )
        .await;
        assert_eq!(sheet_ids(bytes, "Sổ quỹ", 7), (bank.clone(), bank.len()));
    }
);

both_backends!(
    the_units_below_list_every_child_once_and_those_missing,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut badinh = app.api_client(BADINH).await;
        let mut hanoi = app.api_client(HANOI).await;
        let period = format!("{}-Y", this_year());
        ok(
            &app,
            &mut badinh,
            "POST",
            &format!("/api/v1/units/00004/reports/{period}"),
            json!({"numbers": {"talks": 2}}),
        )
        .await;
        ok(
            &app,
            &mut badinh,
            "POST",
            &format!("/api/v1/units/00004/reports/{period}/submit"),
            json!({}),
        )
        .await;
        let today = khuyenhoc::db::today();
        let children = format!(
            "SELECT u.id FROM units u JOIN units p ON p.id = u.parent_id WHERE p.code = '01' \
             AND u.valid_from <= '{today}' AND (u.valid_to IS NULL OR u.valid_to > '{today}')"
        );
        let all = ids_where(&app, &children).await;
        let ba_dinh = ids_where(&app, "SELECT id FROM units WHERE code = '00004'").await;
        assert!(all.len() > 20 && ba_dinh.is_subset(&all));
        let base = format!("/api/v1/units/01/reports/{period}/below?per_page=20");
        let (ids, pages) = all_pages(&app, &mut hanoi, &base).await;
        assert_eq!(ids.iter().copied().collect::<BTreeSet<_>>(), all);
        assert_eq!((ids.len(), pages), (all.len(), all.len().div_ceil(20)));

        // The missing are every child but Ba Đình; the submitted, Ba Đình alone.
        let missing = listed(&app, &mut hanoi, &format!("{base}&state=missing")).await;
        assert_eq!(missing, all.difference(&ba_dinh).copied().collect());
        let submitted = listed(&app, &mut hanoi, &format!("{base}&state=submitted")).await;
        assert_eq!(submitted, ba_dinh);
        let row = ok(
            &app,
            &mut hanoi,
            "GET",
            &format!("{base}&state=submitted"),
            json!(null),
        )
        .await;
        assert_eq!(row["items"][0]["code"], "00004");
        assert!(row["items"][0]["submitted_at"].is_i64());
        // The name in both spellings.
        for q in ["Ba Đình", "ba dinh", "BA ĐINH"] {
            let got = listed(&app, &mut hanoi, &format!("{base}&q={}", encoded(q))).await;
            assert!(ba_dinh.is_subset(&got) && got.len() < all.len(), "{q}");
            assert_eq!(
                got,
                listed(&app, &mut hanoi, &format!("{base}&q=ba%20dinh")).await
            );
        }
        let r = app.get(&mut hanoi, &format!("{base}&state=late")).await;
        let j = problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "state");
        assert_eq!(j["errors"][0]["field"], "state");
        refuses_bad_paging(
            &app,
            &mut hanoi,
            &format!("/api/v1/units/01/reports/{period}/below?state=missing"),
        )
        .await;
        // Out of scope: Ba Đình's officer does not read Hà Nội's list.
        let r = app.get(&mut badinh, &base).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // The page: the count of the missing, a page of rows, the next page by key.
        let mut web = app.login(HANOI).await;
        let page = app
            .get(
                &mut web,
                &format!("/units/01/reports/{period}/below?state=missing"),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page
            .body
            .contains(&format!("<p id=\"total\">{} ", missing.len())));
        assert!(page.body.contains("id=\"next\"") == (missing.len() > 50));
        assert!(!page.body.contains("id=\"below-00004\""));
    }
);

both_backends!(
    a_members_fees_page_by_key_newest_year_first,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut t = app.api_client(TREASURER).await;
        let mut badinh = app.api_client(BADINH).await;
        open_fund(&app, &mut t, "00004", "KH-HP", "Quỹ hội phí").await;
        let m = ok(
            &app,
            &mut badinh,
            "POST",
            "/api/v1/units/00004/members",
            json!({"full_name": "Vũ Thị Đóng", "branch_code": "00004-1", "joined_on": "2018-01-01"}),
        )
        .await;
        let id = m["id"].as_i64().expect("id");
        let path = format!("/api/v1/members/{id}/fees");
        for year in 2019..=2024 {
            call(
                &app,
                &mut t,
                "POST",
                &path,
                json!({"amount": 50_000, "year": year}),
                StatusCode::CREATED,
            )
            .await;
        }
        let all = ids_where(
            &app,
            &format!("SELECT id FROM member_fees WHERE member_id = {id}"),
        )
        .await;
        assert_eq!(all.len(), 6);
        let (ids, pages) = all_pages(&app, &mut t, &format!("{path}?per_page=4")).await;
        assert_eq!(
            (ids.iter().copied().collect::<BTreeSet<_>>(), pages),
            (all, 2)
        );
        let page = ok(
            &app,
            &mut t,
            "GET",
            &format!("{path}?per_page=4"),
            json!(null),
        )
        .await;
        let years: Vec<i64> = page["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|f| f["year"].as_i64())
            .collect();
        assert_eq!(years, [2024, 2023, 2022, 2021]);
        let one = ok(
            &app,
            &mut t,
            "GET",
            &format!("{path}?year=2022"),
            json!(null),
        )
        .await;
        assert_eq!(
            (one["total"].as_i64(), one["items"][0]["year"].as_i64()),
            (Some(1), Some(2022))
        );
        let voucher = one["items"][0]["voucher_no"]
            .as_str()
            .expect("voucher")
            .to_owned();
        let found = ok(
            &app,
            &mut t,
            "GET",
            &format!("{path}?q={}", voucher.to_lowercase()),
            json!(null),
        )
        .await;
        assert_eq!(found["total"], 1);
        refuses_bad_paging(&app, &mut t, &format!("{path}?year=2022")).await;
    }
);
