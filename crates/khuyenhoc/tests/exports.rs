//! Excel exports "as filtered" of the lists of the rest of issue 16 (registrations, the audit
//! log, groups, funds, reports below), through the page's link and the API, on both backends:
//! each workbook holds exactly the rows the API list gives for the same filter, in its order; a
//! list over the limit is refused in Vietnamese and English. Also the sort choice of people,
//! members and registrations (`sort=name|newest|oldest`, the cursor carrying the key), the group
//! search by the group's name as well as its head's, and the member list walked in pages of two
//! across equal names.

mod common;
use axum::http::StatusCode;
use calamine::{Data, DataType, Reader};
use common::*;
use khuyenhoc::db::Backend;
use serde_json::{json, Value};

/// The data rows of a downloaded workbook's first sheet (the header left out).
fn rows_of(bytes: Vec<u8>) -> Vec<Vec<Data>> {
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    let range = wb.worksheet_range_at(0).expect("a sheet").expect("sheet");
    range.rows().skip(1).map(<[Data]>::to_vec).collect()
}

/// A workbook downloaded with `c` (a browser's cookies or an API token).
async fn workbook(app: &TestApp, c: &Client, path: &str) -> Vec<Vec<Data>> {
    let (status, headers, bytes) = app.download(c, path).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{path}: {}",
        String::from_utf8_lossy(&bytes)
    );
    let media = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(media.contains("spreadsheetml"), "{path}: {media}");
    let rows = rows_of(bytes);
    // The first column numbers the rows.
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r[0].as_i64(), Some(i as i64 + 1), "{path}: row number");
    }
    rows
}

/// One column of a workbook, as numbers.
fn ints(rows: &[Vec<Data>], col: usize) -> Vec<i64> {
    rows.iter()
        .map(|r| r[col].as_i64().expect("a number"))
        .collect()
}

/// One column of a workbook, as text.
fn texts(rows: &[Vec<Data>], col: usize) -> Vec<String> {
    rows.iter()
        .map(|r| r[col].as_string().unwrap_or_default())
        .collect()
}

/// A field of every item of an API list read to its end, in order.
async fn api_items(app: &TestApp, c: &mut Client, first: &str, field: &str) -> Vec<Value> {
    let mut out = vec![];
    let mut path = first.to_owned();
    loop {
        let page = ok(app, c, "GET", &path, Value::Null).await;
        for it in page["items"].as_array().expect("items") {
            out.push(it[field].clone());
        }
        match page["next_cursor"].as_str() {
            Some(cur) => path = format!("{first}&cursor={cur}"),
            None => break,
        }
    }
    out
}

fn as_ids(v: Vec<Value>) -> Vec<i64> {
    v.iter().map(|x| x.as_i64().expect("id")).collect()
}

/// The strangers of the registration tests: two share a name.
const STRANGERS: [(&str, &str); 6] = [
    ("Lã Văn Một", "0931000011"),
    ("Lã Văn Hai", "0931000012"),
    ("Lã Văn Ba", "0931000013"),
    ("Lã Văn Một", "0931000014"),
    ("Lã Văn Bốn", "0931000015"),
    ("Trịnh Thị Năm", "0931000016"),
];

#[allow(clippy::too_many_lines)] // one story: five lists, each through the page and the API
async fn five_exports(app: &TestApp) {
    let mut web = app.login(BADINH).await;
    let mut api = app.api_client(BADINH).await;

    // Registrations: "la van" (five of six), by name.
    for (name, phone) in STRANGERS {
        join_stranger(app, name, phone).await;
    }
    let listed = as_ids(
        api_items(
            app,
            &mut api,
            "/api/v1/units/00004-1/registrations?q=la%20van&sort=name&per_page=2",
            "id",
        )
        .await,
    );
    assert_eq!(listed.len(), 5);
    let page = app
        .get(&mut web, "/units/00004-1/registrations?q=la+van&sort=name")
        .await;
    assert!(
        page.body.contains(
            "/units/00004-1/registrations.xlsx?status=pending&#38;q=la+van&#38;sort=name"
        ),
        "the link keeps the filter: {}",
        page.body
    );
    let rows = workbook(
        app,
        &web,
        "/units/00004-1/registrations.xlsx?status=pending&q=la+van&sort=name",
    )
    .await;
    assert_eq!(ints(&rows, 10), listed, "registrations, page");
    assert!(texts(&rows, 7).iter().all(|s| s == "Chờ xác nhận"));
    let rows = workbook(
        app,
        &api,
        "/api/v1/units/00004-1/registrations.xlsx?q=la%20van&sort=name",
    )
    .await;
    assert_eq!(ints(&rows, 10), listed, "registrations, API");

    // The audit log: the registrations' entries… and what the chair's funds wrote below.
    let mut treasurer = app.api_client(TREASURER).await;
    for (code, name) in [
        ("XK-1", "Quỹ học bổng An Khánh"),
        ("XK-2", "Quỹ học bổng Bình Minh"),
        ("XK-3", "Quỹ thư viện"),
    ] {
        open_fund(app, &mut treasurer, "00004", code, name).await;
    }
    let listed =
        as_ids(api_items(app, &mut api, "/api/v1/audit?entity=fund&per_page=2", "id").await);
    assert!(listed.len() >= 3, "{listed:?}");
    let page = app.get(&mut web, "/audit?entity=fund").await;
    assert!(page
        .body
        .contains("/audit.xlsx?entity=fund&#38;entity_id=&#38;q="));
    let rows = workbook(app, &web, "/audit.xlsx?entity=fund&entity_id=&q=").await;
    assert_eq!(ints(&rows, 7), listed, "audit, page");
    assert!(
        texts(&rows, 5).iter().all(|s| !s.is_empty()),
        "what was done, in words"
    );
    let rows = workbook(app, &api, "/api/v1/audit.xlsx?entity=fund").await;
    assert_eq!(ints(&rows, 7), listed, "audit, API");

    // Funds: "hoc bong" (two of the three).
    let listed = as_ids(
        api_items(
            app,
            &mut api,
            "/api/v1/units/00004/funds?q=hoc%20bong&per_page=1",
            "id",
        )
        .await,
    );
    assert_eq!(listed.len(), 2);
    let page = app.get(&mut web, "/units/00004/funds?q=hoc+bong").await;
    assert!(page
        .body
        .contains("/units/00004/funds.xlsx?q=hoc+bong&#38;kind="));
    let rows = workbook(app, &web, "/units/00004/funds.xlsx?q=hoc+bong&kind=").await;
    assert_eq!(ints(&rows, 9), listed, "funds, page");
    assert_eq!(texts(&rows, 2)[0], "Quỹ học bổng An Khánh");
    assert_eq!(ints(&rows, 8), vec![0, 0], "the totals of empty funds");
    let rows = workbook(app, &api, "/api/v1/units/00004/funds.xlsx?q=hoc%20bong").await;
    assert_eq!(ints(&rows, 9), listed, "funds, API");

    // Groups: searched by the group's name (and filtered by kind).
    let mut web_chair = app.api_client(BADINH).await;
    for (n, name) in ["Phan Văn Hùng", "Trần Thị Mai"].iter().enumerate() {
        register_person(
            app,
            &mut web_chair,
            "00004-1",
            name,
            &format!("091500080{n}"),
        )
        .await;
    }
    let mut made = vec![];
    for (kind, name, head) in [
        ("family", "Gia đình ông Hùng", "0915000800"),
        ("clan", "Dòng họ Lê Xuân", "0915000801"),
        ("family", "Gia đình bà Lan", CITIZEN),
    ] {
        let body = json!({"kind": kind, "name": name, "head": head});
        let r = app
            .json(&mut api, "POST", "/api/v1/units/00004-1/groups", body)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        made.push(r.json()["group"]["id"].as_i64().expect("group id"));
    }
    let listed = as_ids(
        api_items(
            app,
            &mut api,
            "/api/v1/units/00004-1/groups?q=gia%20dinh&kind=family&per_page=1",
            "id",
        )
        .await,
    );
    assert!(
        listed.contains(&made[0]) && listed.contains(&made[2]),
        "{listed:?}"
    );
    assert!(!listed.contains(&made[1]));
    let page = app
        .get(&mut web, "/units/00004-1/groups?q=gia+dinh&kind=family")
        .await;
    assert!(page
        .body
        .contains("/units/00004-1/groups.xlsx?q=gia+dinh&#38;kind=family"));
    let rows = workbook(
        app,
        &web,
        "/units/00004-1/groups.xlsx?q=gia+dinh&kind=family",
    )
    .await;
    assert_eq!(ints(&rows, 5), listed, "groups, page");
    let rows = workbook(
        app,
        &api,
        "/api/v1/units/00004-1/groups.xlsx?q=gia%20dinh&kind=family",
    )
    .await;
    assert_eq!(ints(&rows, 5), listed, "groups, API");
    let heads = texts(&rows, 3);
    assert!(heads.iter().any(|h| h == "Phan Văn Hùng"), "{heads:?}");

    // Reports below: the branches of 00004 that handed nothing in this year.
    let period = format!("{}-Y", this_year());
    let listed: Vec<String> = api_items(
        app,
        &mut api,
        &format!("/api/v1/units/00004/reports/{period}/below?state=missing&per_page=1"),
        "code",
    )
    .await
    .iter()
    .map(|v| v.as_str().expect("code").to_owned())
    .collect();
    assert!(listed.len() >= 2, "{listed:?}");
    let page = app
        .get(
            &mut web,
            &format!("/units/00004/reports/{period}/below?state=missing"),
        )
        .await;
    assert!(page.body.contains(&format!(
        "/units/00004/reports/{period}/below.xlsx?state=missing"
    )));
    let rows = workbook(
        app,
        &web,
        &format!("/units/00004/reports/{period}/below.xlsx?state=missing"),
    )
    .await;
    assert_eq!(texts(&rows, 1), listed, "below, page");
    assert!(texts(&rows, 3).iter().all(|s| s == "Chưa nộp"));
    let rows = workbook(
        app,
        &api,
        &format!("/api/v1/units/00004/reports/{period}/below.xlsx?state=missing"),
    )
    .await;
    assert_eq!(texts(&rows, 1), listed, "below, API");
}

both_backends!(
    each_list_exports_exactly_its_filtered_rows,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        five_exports(&app).await;
    }
);

// The refusal is decided on the count, before any row is read (`web::export::check_size`,
// whose unit test pins the default of 50,000): a limit of 3 (the setting `export_max_rows`)
// takes the very path 50,001 rows would, without writing 50,001 rows on two backends.
both_backends!(
    an_export_over_the_limit_is_refused_until_narrowed,
    |b: Backend| async move {
        let app = TestApp::with_settings(b, |s| s.export_max_rows = 3).await;
        for (name, phone) in STRANGERS {
            join_stranger(&app, name, phone).await;
        }
        let web = app.login(BADINH).await;
        let (status, _, bytes) = app
            .download(&web, "/units/00004-1/registrations.xlsx")
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let body = String::from_utf8_lossy(&bytes);
        assert!(
            body.contains("Danh sách có 6 đăng ký, quá 3 để xuất một lần; hãy lọc hẹp hơn"),
            "{body}"
        );
        let mut api = app.api_client(BADINH).await;
        let r = app
            .get(&mut api, "/api/v1/units/00004-1/registrations.xlsx")
            .await;
        let j = problem(&r, StatusCode::BAD_REQUEST, "over the limit");
        assert!(
            j.to_string()
                .contains("over 3 for one export; narrow the filter"),
            "{j}"
        );
        // Narrowed to three, the same list is written.
        let rows = workbook(
            &app,
            &api,
            "/api/v1/units/00004-1/registrations.xlsx?q=la+van+mot",
        )
        .await;
        assert_eq!(rows.len(), 2);
        let rows = workbook(&app, &web, "/units/00004-1/registrations.xlsx?q=trinh").await;
        assert_eq!(rows.len(), 1);
    }
);

/// The ids of `first` read through every page, in order, with each row once.
async fn order_of(app: &TestApp, c: &mut Client, first: &str) -> Vec<i64> {
    let (ids, _) = all_pages(app, c, first).await;
    let mut seen = ids.clone();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), ids.len(), "{first}: a row twice");
    ids
}

/// `mine` in the order they appear in `all`.
fn among(all: &[i64], mine: &[i64]) -> Vec<i64> {
    all.iter().copied().filter(|id| mine.contains(id)).collect()
}

both_backends!(
    people_members_and_registrations_sort_by_name_newest_or_oldest,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut api = app.api_client(BADINH).await;
        // Registrations: by name (the two "Một" by id), oldest and newest (made in the same
        // second or not, the id breaks the tie the same way the key does).
        let mut regs = vec![];
        for (name, phone) in STRANGERS {
            regs.push(join_stranger(&app, name, phone).await);
        }
        let base = "/api/v1/units/00004-1/registrations?per_page=2";
        let by_name = order_of(&app, &mut api, &format!("{base}&sort=name")).await;
        let want = vec![regs[2], regs[4], regs[1], regs[0], regs[3], regs[5]];
        assert_eq!(among(&by_name, &regs), want);
        let oldest = among(&order_of(&app, &mut api, base).await, &regs);
        let newest = among(
            &order_of(&app, &mut api, &format!("{base}&sort=newest")).await,
            &regs,
        );
        let mut sorted: Vec<(i64, i64)> = vec![];
        for id in &regs {
            let at: i64 = sqlx::query_scalar("SELECT created_at FROM registrations WHERE id = $1")
                .bind(id)
                .fetch_one(&app.db.pool)
                .await
                .expect("created_at");
            sorted.push((at, *id));
        }
        sorted.sort_unstable();
        let asc: Vec<i64> = sorted.iter().map(|x| x.1).collect();
        assert_eq!(oldest, asc);
        assert_eq!(newest, asc.iter().rev().copied().collect::<Vec<_>>());
        // An unknown order, and a cursor of another order's key, are refused on their field.
        let r = app.get(&mut api, &format!("{base}&sort=age")).await;
        let j = problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "sort");
        assert_eq!(j["errors"][0]["field"], "sort", "{j}");
        let first = ok(
            &app,
            &mut api,
            "GET",
            &format!("{base}&sort=name"),
            Value::Null,
        )
        .await;
        let cur = first["next_cursor"].as_str().expect("a next page");
        let r = app
            .get(&mut api, &format!("{base}&sort=newest&cursor={cur}"))
            .await;
        let j = problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "cursor");
        assert_eq!(j["errors"][0]["field"], "cursor", "{j}");

        // People of 00004-2: three made here, two with one name.
        let mut people = vec![];
        for (n, name) in ["Đặng Văn Bảy", "Cao Thị Tám", "Cao Thị Tám"]
            .iter()
            .enumerate()
        {
            people.push(
                register_person(&app, &mut api, "00004-2", name, &format!("091600070{n}")).await,
            );
        }
        let base = "/api/v1/units/00004-2/people?per_page=2";
        let all = order_of(&app, &mut api, base).await;
        assert_eq!(among(&all, &people), vec![people[1], people[2], people[0]]);
        let all = order_of(&app, &mut api, &format!("{base}&sort=name")).await;
        assert_eq!(among(&all, &people), vec![people[1], people[2], people[0]]);
        let all = order_of(&app, &mut api, &format!("{base}&sort=newest")).await;
        assert_eq!(among(&all, &people), vec![people[2], people[1], people[0]]);
        assert_eq!(all.first(), Some(&people[2]), "the newest first");
        let all = order_of(&app, &mut api, &format!("{base}&sort=oldest")).await;
        assert_eq!(among(&all, &people), vec![people[0], people[1], people[2]]);
        let r = app.get(&mut api, &format!("{base}&sort=az")).await;
        problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "people sort");

        // Members: seven of one name, walked in pages of two.
        let mut members = vec![];
        for i in 0..7 {
            let m = call(
                &app,
                &mut api,
                "POST",
                "/api/v1/units/00004/members",
                json!({"full_name": "Nguyễn Văn An", "phone": format!("09780001{i:02}"), "branch_code": "00004-1", "joined_on": "2021-05-01", "sectors": []}),
                StatusCode::CREATED,
            )
            .await;
            members.push(m["id"].as_i64().expect("id"));
        }
        let base = "/api/v1/units/00004/members?per_page=2&q=nguyen%20van%20an";
        let by_name = order_of(&app, &mut api, base).await;
        assert_eq!(
            among(&by_name, &members),
            members,
            "equal names: by id, none twice, none missed"
        );
        let newest = order_of(&app, &mut api, &format!("{base}&sort=newest")).await;
        assert_eq!(
            among(&newest, &members),
            members.iter().rev().copied().collect::<Vec<_>>()
        );
        let oldest = order_of(&app, &mut api, &format!("{base}&sort=oldest")).await;
        assert_eq!(among(&oldest, &members), members);
        let r = app.get(&mut api, &format!("{base}&sort=x")).await;
        problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "members sort");
        // The pages keep the order in their links and their export.
        let mut web = app.login(BADINH).await;
        let page = app
            .get(&mut web, "/units/00004/members?q=nguyen+van+an&sort=newest")
            .await;
        assert!(page.body.contains("sort=newest"), "{}", page.body);
        let rows = workbook(
            &app,
            &web,
            "/units/00004/members.xlsx?q=nguyen+van+an&sort=newest",
        )
        .await;
        assert_eq!(ints(&rows, 9), newest, "the export in the page's order");
        let page = app.get(&mut web, "/units/00004-2/people?sort=oldest").await;
        assert!(
            page.body
                .contains("people.xlsx?q=&#38;branch=&#38;sort=oldest"),
            "{}",
            page.body
        );
    }
);

both_backends!(
    groups_are_found_by_their_name_or_their_heads,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut api = app.api_client(BADINH).await;
        for (n, name) in ["Phan Văn Hùng", "Trần Thị Mai"].iter().enumerate() {
            register_person(&app, &mut api, "00004-1", name, &format!("091500080{n}")).await;
        }
        let mut made = vec![];
        for (kind, name, head) in [
            ("family", "Gia đình ông Hùng", "0915000800"),
            ("clan", "Dòng họ Lê Xuân", "0915000801"),
        ] {
            let body = json!({"kind": kind, "name": name, "head": head});
            let r = app
                .json(&mut api, "POST", "/api/v1/units/00004-1/groups", body)
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            made.push(r.json()["group"]["id"].as_i64().expect("group id"));
        }
        for (q, want) in [
            ("dong%20ho%20le", vec![made[1]]),
            ("D%C3%B2ng%20h%E1%BB%8D%20L%C3%AA", vec![made[1]]),
            ("tran%20thi%20mai", vec![made[1]]),
            ("ong%20hung", vec![made[0]]),
            ("phan%20van", vec![made[0]]),
            ("0915000801", vec![made[1]]),
        ] {
            let path = format!("/api/v1/units/00004-1/groups?q={q}");
            let got = as_ids(api_items(&app, &mut api, &path, "id").await);
            assert_eq!(got, want, "{q}");
        }
        // The page searches the same way.
        let mut web = app.login(BADINH).await;
        let page = app
            .get(&mut web, "/units/00004-1/groups?q=dong+ho+le")
            .await;
        assert!(page.body.contains("Dòng họ Lê Xuân"), "{}", page.body);
        assert!(!page.body.contains("Gia đình ông Hùng"));
        assert!(page
            .body
            .contains("<p class=\"muted\" id=\"groups-total\">1 "));
        let r = app.get(&mut web, "/units/00004-1/groups?kind=tribe").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
);
