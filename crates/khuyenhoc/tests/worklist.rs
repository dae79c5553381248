//! The officer's worklist at real volume (issue 16, items 1 and 2), on both backends: a commune
//! with 10,000 evaluations is paged by key to its last row, searched by name in both spellings
//! and by phone, filtered by branch and status, and exported exactly as filtered; 500 checked
//! evaluations are recognised in one action under one decision whose annex lists all 500; an
//! action with one row that cannot be acted on is refused whole, naming that row.

mod common;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;
use khuyenhoc::evaluation::lifecycle::Status;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// 10,000 citizens over the commune's two branches: every tenth named "Nguyễn Văn …", every
/// hundredth of those typed without diacritics ("Nguyen Van …", as an old spreadsheet had it).
fn ten_thousand() -> Vec<(String, Citizen)> {
    (0..10_000)
        .map(|i| {
            let branch = if i % 2 == 0 { "00004-1" } else { "00004-2" };
            let name = if i % 100 == 0 {
                format!("Nguyen Van So {i}")
            } else if i % 10 == 0 {
                format!("Nguyễn Văn Số {i}")
            } else {
                format!("Trần Thị Số {i}")
            };
            let status = match (i / 2) % 4 {
                0 => Status::Registered,
                1 => Status::Submitted,
                2 => Status::Checked,
                _ => Status::Returned,
            };
            (
                branch.to_owned(),
                Citizen {
                    name,
                    phone: format!("0966{i:06}"),
                    status,
                },
            )
        })
        .collect()
}

async fn ids_where(app: &TestApp, sql: &str) -> BTreeSet<i64> {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_all(&app.db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .collect()
}

/// Every page of an API list, following `next_cursor`; the ids in order, and the pages read.
async fn all_pages(app: &TestApp, c: &mut Client, first: &str) -> (Vec<i64>, Vec<Value>, usize) {
    let mut ids = vec![];
    let mut items = vec![];
    let mut pages = 0;
    let mut path = first.to_owned();
    loop {
        let page = ok(app, c, "GET", &path, json!(null)).await;
        pages += 1;
        for it in page["items"].as_array().expect("items") {
            ids.push(it["id"].as_i64().expect("id"));
            items.push(it.clone());
        }
        match page["next_cursor"].as_str() {
            Some(cur) => path = format!("{first}&cursor={cur}"),
            None => break,
        }
        assert!(pages < 200, "the list never ends");
    }
    (ids, items, pages)
}

both_backends!(
    ten_thousand_in_a_commune_page_search_filter_export,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let year = this_year();
        let all = ten_thousand();
        for branch in ["00004-1", "00004-2"] {
            let mine: Vec<Citizen> = all
                .iter()
                .filter(|(b, _)| b == branch)
                .map(|(_, c)| Citizen {
                    name: c.name.clone(),
                    phone: c.phone.clone(),
                    status: c.status,
                })
                .collect();
            citizens(&app, branch, year, &mine).await;
        }
        let mut api = app.api_client(BADINH).await;
        let in_commune = format!(
            "SELECT e.id FROM evaluations e JOIN units u ON u.id = e.unit_id WHERE u.code LIKE '00004%' AND e.year = {year}"
        );
        let expected = ids_where(&app, &in_commune).await;
        assert!(expected.len() >= 10_000);

        // Paged by key to the last row: every row once, in order, and the total on every page.
        let first = format!("/api/v1/evaluations?unit=00004&year={year}&per_page=200");
        let page = ok(&app, &mut api, "GET", &first, json!(null)).await;
        assert_eq!(page["total"].as_i64(), Some(expected.len() as i64));
        assert_eq!(page["items"].as_array().map(Vec::len), Some(200));
        let (ids, _, pages) = all_pages(&app, &mut api, &first).await;
        assert_eq!(pages, expected.len().div_ceil(200));
        let seen: BTreeSet<i64> = ids.iter().copied().collect();
        assert_eq!(seen.len(), ids.len(), "no row twice");
        assert_eq!(seen, expected, "every row of the commune");

        // By name, A to Z, across pages.
        let by_name = format!(
            "/api/v1/evaluations?unit=00004&year={year}&per_page=200&sort=name&q=nguyen%20van"
        );
        let (_, items, _) = all_pages(&app, &mut api, &by_name).await;
        let folded: Vec<String> = items
            .iter()
            .map(|i| khuyenhoc_domain::text::fold(i["subject_name"].as_str().unwrap_or_default()))
            .collect();
        assert!(folded.windows(2).all(|w| w[0] <= w[1]), "sorted by name");
        // "nguyen van" finds both spellings, and so does "Nguyễn Văn".
        let want = ids_where(
            &app,
            &format!("{in_commune} AND (e.subject_name LIKE 'Nguyễn Văn%' OR e.subject_name LIKE 'Nguyen Van%')"),
        )
        .await;
        assert_eq!(want.len(), 1_000);
        assert_eq!(items.len(), want.len());
        assert!(items.iter().any(|i| i["subject_name"]
            .as_str()
            .is_some_and(|n| n.starts_with("Nguyen Van"))));
        for q in ["Nguy%E1%BB%85n%20V%C4%83n", "NGUYEN%20VAN"] {
            let page = ok(
                &app,
                &mut api,
                "GET",
                &format!("/api/v1/evaluations?unit=00004&year={year}&q={q}"),
                json!(null),
            )
            .await;
            assert_eq!(page["total"].as_i64(), Some(1_000), "{q}");
        }
        // By phone: the one person.
        let page = ok(
            &app,
            &mut api,
            "GET",
            &format!("/api/v1/evaluations?unit=00004&year={year}&q=0966001234"),
            json!(null),
        )
        .await;
        assert_eq!(page["total"].as_i64(), Some(1));
        assert_eq!(page["items"][0]["subject_name"], "Trần Thị Số 1234");

        // A branch and a status.
        let filtered = format!(
            "/api/v1/evaluations?unit=00004&year={year}&branch=00004-2&status=checked&per_page=200"
        );
        let want = ids_where(
            &app,
            &format!("{in_commune} AND u.code = '00004-2' AND e.status = 'checked'"),
        )
        .await;
        assert_eq!(want.len(), 1_250);
        let (ids, _, _) = all_pages(&app, &mut api, &filtered).await;
        assert_eq!(ids.iter().copied().collect::<BTreeSet<_>>(), want);
        // A branch outside the commune, and a cursor that is not one, are refused on their field.
        let r = app
            .get(&mut api, "/api/v1/evaluations?unit=00004&branch=04795")
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("branch"));
        let r = app
            .get(&mut api, "/api/v1/evaluations?unit=00004&cursor=zz")
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);

        // The export holds exactly the filtered rows.
        let web = app.login(BADINH).await;
        let (status, headers, bytes) = app
            .download(
                &web,
                &format!("/units/00004/evaluations.xlsx?year={year}&branch=00004-2&status=checked"),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.contains("spreadsheetml")));
        use calamine::{DataType, Reader};
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
        let sheet = wb.worksheet_range("Hồ sơ").expect("sheet");
        let exported: BTreeSet<i64> = sheet
            .rows()
            .skip(1)
            .filter_map(|r| r.get(8).and_then(|c| c.as_i64()))
            .collect();
        assert_eq!(sheet.rows().count() - 1, want.len());
        assert_eq!(exported, want);
        let statuses: BTreeSet<String> = sheet
            .rows()
            .skip(1)
            .filter_map(|r| r.get(6).map(|c| c.to_string()))
            .collect();
        assert_eq!(
            statuses.into_iter().collect::<Vec<_>>(),
            ["Chi hội đã kiểm tra, chờ hội cơ sở xét"]
        );

        // The page: one page of rows, the total, the next page by key; as light at 10,000 as
        // a page of 50 rows is.
        let mut web = web;
        let page = app
            .get(
                &mut web,
                &format!("/units/00004/evaluations?q=nguyen+van&year={year}"),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("<span id=\"total\">1000</span>"),
            "{}",
            page.body
        );
        assert_eq!(page.body.matches("name=\"ids\"").count(), 50);
        assert!(page.body.contains("id=\"next-page\""));
        assert!(
            page.body.len() < 60_000,
            "page of {} bytes",
            page.body.len()
        );
    }
);

both_backends!(
    five_hundred_recognised_under_one_decision,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let year = this_year();
        let people: Vec<Citizen> = (0..500)
            .map(|i| Citizen {
                name: format!("Lê Thị Công Nhận {i:03}"),
                phone: format!("0977{i:06}"),
                status: Status::Checked,
            })
            .collect();
        let ids = citizens(&app, "00004-2", year, &people).await;
        // One more, not yet submitted: acting on it too is refused, whole.
        let late = citizens(
            &app,
            "00004-2",
            year,
            &[Citizen {
                name: "Phạm Văn Chưa Nộp".into(),
                phone: "0977999999".into(),
                status: Status::Registered,
            }],
        )
        .await[0];
        let recognised_before = scalar(
            &app,
            "SELECT COUNT(*) FROM evaluations WHERE status = 'recognised'",
        )
        .await;
        let mut api = app.api_client(BADINH).await;
        let path = "/api/v1/units/00004/evaluations/bulk";
        let mut with_late = ids.clone();
        with_late.push(late);
        let decision = json!({"number": "15/QĐ-KH", "date": today()});
        let r = app
            .json(
                &mut api,
                "POST",
                path,
                json!({"action": "recognise", "ids": with_late, "decision": decision}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let p = r.json();
        let rows = p["rows"].as_array().expect("rows");
        assert_eq!(rows.len(), 1, "{p}");
        assert_eq!(rows[0]["id"].as_i64(), Some(late));
        assert_eq!(rows[0]["name"], "Phạm Văn Chưa Nộp");
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM evaluations WHERE status = 'recognised'"
            )
            .await,
            recognised_before,
            "nothing written"
        );
        assert_eq!(scalar(&app, "SELECT COUNT(*) FROM decisions").await, 0);

        // All that the filter matches (the 500 checked of the school branch), in one action.
        let done = ok(
            &app,
            &mut api,
            "POST",
            path,
            json!({"action": "recognise", "filter": {"branch": "00004-2", "status": "checked", "year": year}, "decision": decision}),
        )
        .await;
        assert_eq!(done["done"].as_i64(), Some(500));
        let d = &done["decision"];
        assert_eq!(d["number"], "15/QĐ-KH");
        assert_eq!(d["recognised"].as_i64(), Some(500));
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM evaluations WHERE status = 'recognised'"
            )
            .await,
            recognised_before + 500
        );
        let id = d["id"].as_i64().expect("decision id");
        assert_eq!(
            scalar(&app, &format!("SELECT COUNT(*) FROM recognitions r JOIN certificates c ON c.evaluation_id = r.evaluation_id WHERE r.decision_id = {id}")).await,
            500,
            "a certificate each, under the decision"
        );
        // The live counters moved with them: they agree with a recount.
        assert!(khuyenhoc::reports::counters::recount(&app.db, false)
            .await
            .expect("recount")
            .is_empty());
        // Every one told, and every one audited by the chair.
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM audit_log WHERE entity = 'certificate' AND action = 'issue'"
            )
            .await,
            500
        );

        // The annex lists all 500, and its PDF is made.
        let annex = ok(
            &app,
            &mut api,
            "GET",
            &format!("/api/v1/decisions/{id}"),
            json!(null),
        )
        .await;
        let lines = annex["annex"].as_array().expect("annex");
        assert_eq!(lines.len(), 500);
        let names: BTreeSet<&str> = lines.iter().filter_map(|l| l["name"].as_str()).collect();
        assert!(names.contains("Lê Thị Công Nhận 000") && names.contains("Lê Thị Công Nhận 499"));
        let web = app.login(BADINH).await;
        let (status, _, pdf) = app
            .download(&web, &format!("/decisions/{id}/annex.pdf"))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(pdf.starts_with(b"%PDF"));
        // Out of scope: another commune's chair sees no decision.
        let mut other = app.api_client(HOABINH).await;
        let r = app
            .get(&mut other, &format!("/api/v1/decisions/{id}"))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // The same number with another date is refused.
        let r = app
            .json(
                &mut api,
                "POST",
                path,
                json!({"action": "recognise", "ids": [late], "decision": {"number": "15/QĐ-KH", "date": "2020-01-02"}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);

        // Revoking ten in one action lowers the recognised titles by ten.
        let ten: Vec<i64> = ids[..10].to_vec();
        let done = ok(
            &app,
            &mut api,
            "POST",
            path,
            json!({"action": "revoke", "ids": ten, "reason": "Cấp nhầm theo danh sách cũ"}),
        )
        .await;
        assert_eq!(done["done"].as_i64(), Some(10));
        assert_eq!(
            scalar(
                &app,
                "SELECT COUNT(*) FROM certificates WHERE revoked_at IS NOT NULL"
            )
            .await,
            10
        );
        // A reason is required; the branch officer may not recognise.
        let r = app
            .json(
                &mut api,
                "POST",
                path,
                json!({"action": "return", "ids": [late]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let mut branch = app.api_client(BRANCH_OFFICER).await;
        let r = app
            .json(
                &mut branch,
                "POST",
                "/api/v1/units/00004-1/evaluations/bulk",
                json!({"action": "recognise", "filter": {"status": "checked"}, "decision": decision}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    }
);

// An officer never acts on their own record in bulk: the chair's own evaluation is named among
// the refused rows, and nothing is written.
both_backends!(own_record_refused_in_bulk, |b: Backend| async move {
    let app = TestApp::new(b).await;
    let chair = app.person_id(BADINH).await;
    let mut province = app.api_client(HANOI).await;
    let mine = citizen_evaluation(&app, &mut province, chair, this_year(), Stage::Submitted).await;
    let id = evaluation_id(&mine);
    let mut api = app.api_client(BADINH).await;
    let r = app
        .json(
            &mut api,
            "POST",
            "/api/v1/units/00004/evaluations/bulk",
            json!({"action": "check", "ids": [id]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("hồ sơ của chính bạn"), "{}", r.body);
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT COUNT(*) FROM evaluations WHERE id = {id} AND status = 'submitted'")
        )
        .await,
        1
    );
});
