//! Every page in the reader's language, every breadcrumb reachable, every date as people write it.
//!
//! The walk asks every GET page of the route table (`web::routes::all()`, path parameters filled
//! from the demo data and a little set-up: a recognised evaluation with its certificate, a fund
//! with a receipt) as the visitor and as each demo role, in Vietnamese and in English, and fails
//! on:
//! - a raw code of the domain (evaluation statuses and steps, models, form groups, report
//!   states) or a common English word in the visible text of a Vietnamese page;
//! - a Vietnamese-only phrase of the interface on an English page;
//! - a date written `YYYY-MM-DD` where a person reads it (ISO stays in the API and files);
//! - a breadcrumb link that the same reader cannot open (it must answer 200).

mod common;
use axum::http::{header, StatusCode};
use common::*;
use khuyenhoc::db::Backend;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// Codes a person must never read on a Vietnamese page: evaluation statuses and steps, report
/// states, models (the form groups of the criteria set are added by the test).
const RAW_CODES: &[&str] = &[
    "registered",
    "submitted",
    "checked",
    "returned",
    "recognised",
    "not_recognised",
    "register",
    "submit",
    "check",
    "recognise",
    "draft",
    "accepted",
    "late",
    "citizen",
    "family",
    "clan",
    "organisation",
    "receipt",
    "payment",
    "donation",
];

/// Common English words: none belongs on a Vietnamese page.
const ENGLISH_WORDS: &[&str] = &[
    "the", "and", "your", "with", "please", "not", "found", "page", "this", "from", "will", "are",
    "you", "when", "offline", "error", "passes", "points", "home", "back", "save", "yes", "of",
    "is", "by", "on",
];

/// Interface phrases that only Vietnamese pages may show.
const VIETNAMESE_UI: &[&str] = &[
    "Đăng nhập",
    "Đăng xuất",
    "Trang chủ",
    "Quá trình",
    "Không tìm thấy",
    "Tổng điểm",
    "Chưa đủ điểm",
    "Đủ điểm",
    "Nộp hồ sơ",
    "Chi hội kiểm tra",
];

/// Routes that are not pages a person reads (files, probes, redirects).
fn is_page(path: &str) -> bool {
    !(path.starts_with("/api/")
        || path.starts_with("/static/")
        || path.starts_with("/lang/")
        || matches!(path, "/healthz" | "/readyz" | "/metrics")
        || path.ends_with("/pdf")
        || path.ends_with(".pdf")
        || path.ends_with(".xlsx")
        || path.ends_with("/export")
        || path.ends_with("/credential")
        || path.ends_with("/did.json")
        || path == "/units/{code}/status"
        || path.ends_with("/voucher")
        || path.starts_with("/evidence/")
        || path.contains("/forms/"))
}

/// The visible text of a page: the title and the text nodes, without scripts and styles, and
/// without the few records shown for machines and marked so (`data-machine`: the stored JSON of an
/// audit entry behind its "see the data" disclosure, a criteria set's TOML source, the metric
/// code an expert writes in a report template's TOML). Everything else counts, `<code>` included.
fn visible_text(html: &str) -> String {
    let mut s = html.to_owned();
    for (open, close) in [
        ("<script", "</script>"),
        ("<style", "</style>"),
        ("<pre data-machine", "</pre>"),
        ("<code data-machine", "</code>"),
    ] {
        while let Some(start) = s.find(open) {
            let end = s[start..]
                .find(close)
                .map_or(s.len(), |e| start + e + close.len());
            s.replace_range(start..end, " ");
        }
    }
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for ch in s.chars() {
        match ch {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(ch),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&nbsp;", " ")
}

/// The words of a text (letters, digits and `_`).
fn words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `YYYY-MM-DD` anywhere in the text.
fn iso_dates(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut found = vec![];
    for i in 0..b.len().saturating_sub(9) {
        let w = &b[i..i + 10];
        let digits = |r: std::ops::Range<usize>| w[r].iter().all(u8::is_ascii_digit);
        let before_ok = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        let after_ok = i + 10 >= b.len() || !b[i + 10].is_ascii_alphanumeric();
        if before_ok
            && after_ok
            && digits(0..4)
            && w[4] == b'-'
            && digits(5..7)
            && w[7] == b'-'
            && digits(8..10)
        {
            found.push(String::from_utf8_lossy(w).into_owned());
        }
    }
    found
}

/// The links of the page's breadcrumbs (`class="crumbs"`).
fn crumb_links(html: &str) -> Vec<String> {
    let mut links = vec![];
    let mut rest = html;
    while let Some(i) = rest.find("class=\"crumbs\"") {
        let tail = &rest[i..];
        let end = ["</p>", "</nav>"]
            .iter()
            .filter_map(|t| tail.find(t))
            .min()
            .unwrap_or(tail.len());
        let block = &tail[..end];
        for part in block.split("href=\"").skip(1) {
            if let Some(q) = part.find('"') {
                links.push(part[..q].replace("&amp;", "&"));
            }
        }
        rest = &tail[end..];
    }
    links
}

/// Fills a route's path parameters from the data of the walk.
fn fill(path: &str, ids: &BTreeMap<&str, String>) -> Option<String> {
    let mut out = String::new();
    let mut prev = "";
    for seg in path.split('/').skip(1) {
        out.push('/');
        if seg.starts_with('{') {
            let key = format!("{prev}/{seg}");
            let v = ids.get(key.as_str())?;
            out.push_str(v);
        } else {
            out.push_str(seg);
        }
        prev = seg;
    }
    Some(out)
}

both_backends!(
    every_page_in_the_readers_language,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let year = this_year();
        // A recognised evaluation of the citizen, with its certificate.
        let citizen = app.person_id(CITIZEN).await;
        let mut badinh = app.api_client(BADINH).await;
        let detail = citizen_evaluation(&app, &mut badinh, citizen, year, Stage::Recognised).await;
        let evaluation = evaluation_id(&detail);
        // A fund of Ba Đình with a receipt.
        let mut treasurer = app.api_client(TREASURER).await;
        let fund = open_fund(
            &app,
            &mut treasurer,
            "00004",
            "KH-BD",
            "Quỹ Khuyến học Ba Đình",
        )
        .await;
        let receipt = json!({"category": "donation", "amount": "1.000.000", "date": today(), "party": "Bà Nguyễn Thị Tâm"});
        let r = post_keyed(
            &app,
            &mut treasurer,
            &format!("/api/v1/funds/{fund}/entries"),
            "walk-1",
            &receipt,
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        // A scholarship round of that fund, a member of the citizen's branch and a family, so
        // that their pages are walked too.
        call(
            &app,
            &mut treasurer,
            "POST",
            &format!("/api/v1/funds/{fund}/programmes"),
            json!({"kind": "scholarship", "name": "Học bổng Vượt khó", "target_group": "Học sinh vượt khó",
                   "criteria": "Học lực khá trở lên", "amount_each": "2.000.000", "budget": "6 triệu",
                   "show_full_names": true}),
            StatusCode::CREATED,
        )
        .await;
        call(
            &app,
            &mut badinh,
            "POST",
            "/api/v1/units/00004-1/members",
            json!({"person_id": citizen, "joined_on": today()}),
            StatusCode::CREATED,
        )
        .await;
        let branch = scalar(&app, "SELECT id FROM units WHERE code = '00004-1'").await;
        sqlx::query("INSERT INTO learning_groups (kind, unit_id, name, head_person_id, created_at) VALUES ('family', $1, 'Gia đình bà Lan', $2, 0)")
            .bind(branch)
            .bind(citizen)
            .execute(&app.db.pool)
            .await
            .expect("a family");

        let text = |sql: &'static str| {
            let db = app.db.clone();
            async move {
                let v: Option<String> = sqlx::query_scalar(sql)
                    .fetch_one(&db.pool)
                    .await
                    .expect("walk data");
                v
            }
        };
        let number = |sql: &'static str| {
            let db = app.db.clone();
            async move {
                let v: Option<i64> = sqlx::query_scalar(sql)
                    .fetch_one(&db.pool)
                    .await
                    .expect("walk data");
                v.map(|v| v.to_string())
            }
        };
        // A commune split in 2025 between Ba Đình and Ngọc Hà (the shares page lists it).
        {
            use khuyenhoc::org::model;
            let hanoi = model::by_code(&app.db, "01").await.expect("q").expect("01");
            let mut tx = app.db.begin().await.expect("tx");
            let old = model::insert(
                &mut tx,
                &model::NewUnit {
                    code: "00001",
                    level: khuyenhoc_domain::Level::Commune,
                    kind: "phuong",
                    name: "Phường Phúc Xá",
                    parent: Some((&hanoi.path, hanoi.id)),
                    valid_from: "2008-08-01",
                },
            )
            .await
            .expect("old commune");
            for code in ["00004", "00008"] {
                let new = model::by_code(&app.db, code)
                    .await
                    .expect("q")
                    .expect("new");
                model::record_succession(&mut tx, old, new.id, None, "2025-07-01")
                    .await
                    .expect("succession");
            }
            tx.commit().await.expect("commit");
        }
        let mut ids: BTreeMap<&str, String> = BTreeMap::new();
        ids.insert("units/{code}", "00004".into());
        ids.insert("clusters/{code}", "DEMO-1".into());
        ids.insert("reports/{period}", format!("{year}-Y"));
        ids.insert("evaluations/{id}", evaluation.to_string());
        ids.insert("groups/{n}", "1".into());
        ids.insert("funds/{id}", fund.to_string());
        ids.insert("people/{id}", citizen.to_string());
        ids.insert("join/{code}", "00004-1".into());
        // A recovery link that is not (or no longer) valid: its page says so in the language.
        ids.insert("reset/{token}", "het-han-hoac-khong-hop-le".into());
        // An open share link of the citizen's lifelong-learning record (issue 19).
        let shared = khuyenhoc::record::links::create(
            &app.db,
            citizen,
            30,
            app.state.clock.now().timestamp(),
        )
        .await
        .expect("share link");
        ids.insert("record/{token}", shared.token);
        // A cooperation programme of Ba Đình covering its branch, with a file (issue 18).
        let partner = ok(
            &app,
            &mut badinh,
            "POST",
            "/api/v1/units/00004/partners",
            json!({"kind": "agency", "name": "Công an phường Ba Đình"}),
        )
        .await;
        let t = today();
        let coop = ok(
            &app,
            &mut badinh,
            "POST",
            "/api/v1/units/00004/cooperation",
            json!({"title": "Phối hợp tuyên truyền khuyến học", "partner_ids": [partner["id"]],
                "covers": {"units": ["00004-1"]}, "signed_on": t, "starts_on": t, "ends_on": t,
                "reviews": [{"kind": "interim", "due_on": t}],
                "commitments": [{"what": "Tổ chức lớp học", "due_on": t}]}),
        )
        .await["programme"]["id"]
            .as_i64()
            .expect("programme");
        let key = app
            .state
            .files
            .put("cooperation", b"%PDF-1.4\n%%EOF\n".to_vec())
            .await
            .expect("file");
        let file: i64 = sqlx::query_scalar(
            "INSERT INTO coop_files (programme_id, object_key, file_name, content_type, size_bytes, created_at) \
             VALUES ($1, $2, 'bien-ban.pdf', 'application/pdf', 15, 0) RETURNING id",
        )
        .bind(coop)
        .bind(key)
        .fetch_one(&app.db.pool)
        .await
        .expect("file row");
        ids.insert("cooperation/{id}", coop.to_string());
        // A meeting of Ba Đình with its branch invited (issue 18), and a feed that is not one.
        let at = |secs: i64| {
            let t = app.state.clock.now().timestamp() + secs + 7 * 3600;
            chrono::DateTime::from_timestamp(t, 0)
                .expect("time")
                .format("%Y-%m-%dT%H:%M")
                .to_string()
        };
        let meeting = ok(
            &app,
            &mut badinh,
            "POST",
            "/api/v1/units/00004/meetings",
            json!({"kind": "training", "title": "Tập huấn chi hội", "agenda": "Hướng dẫn",
                "starts_at": at(-600), "ends_at": at(3600), "place": "Nhà văn hóa", "generate_room": true,
                "invitees": [{"kind": "units", "codes": ["00004-1"]}]}),
        )
        .await["meeting"]["id"]
            .as_i64()
            .expect("meeting");
        ok(
            &app,
            &mut badinh,
            "POST",
            &format!("/api/v1/meetings/{meeting}/invite"),
            json!({}),
        )
        .await;
        ids.insert("meetings/{id}", meeting.to_string());
        ids.insert("calendar/{file}", "khong-co.ics".into());
        // A document of Ba Đình issued to its branches, a reply asked (issue 18).
        let signer: i64 = sqlx::query_scalar(
            "SELECT p.id FROM positions p JOIN position_holdings h ON h.position_id = p.id \
             JOIN people pe ON pe.id = h.person_id JOIN units u ON u.id = p.unit_id \
             WHERE pe.phone = $1 AND h.to_at IS NULL AND u.code = '00004'",
        )
        .bind(BADINH)
        .fetch_one(&app.db.pool)
        .await
        .expect("signer");
        let doc = ok(
            &app,
            &mut badinh,
            "POST",
            "/api/v1/units/00004/documents",
            json!({"type_code": "kh", "summary": "Kế hoạch tháng khuyến học", "signer_position_id": signer,
                "reply_due": t, "recipients": [{"kind": "level", "level": "branch"}]}),
        )
        .await["id"]
            .as_i64()
            .expect("document");
        for step in ["sign", "issue"] {
            ok(
                &app,
                &mut badinh,
                "POST",
                &format!("/api/v1/documents/{doc}/{step}"),
                json!({}),
            )
            .await;
        }
        let entry: i64 =
            sqlx::query_scalar("SELECT MIN(id) FROM document_recipients WHERE document_id = $1")
                .bind(doc)
                .fetch_one(&app.db.pool)
                .await
                .expect("entry");
        ids.insert("documents/{id}", doc.to_string());
        ids.insert("incoming/{id}", entry.to_string());
        ids.insert("files/{fid}", file.to_string());
        for (key, sql) in [
            ("criteria/{id}", "SELECT MIN(id) FROM criteria_sets"),
            ("groups/{id}", "SELECT MIN(id) FROM learning_groups"),
            ("members/{id}", "SELECT MIN(id) FROM members"),
            ("positions/{id}", "SELECT MIN(id) FROM positions"),
            ("programmes/{id}", "SELECT MIN(id) FROM programmes"),
        ] {
            if let Some(v) = number(sql).await {
                ids.insert(key, v);
            }
        }
        if let Some(code) = text("SELECT MIN(code) FROM certificates").await {
            ids.insert("verify/{code}", code);
        }
        ids.insert("transparency/funds/{id}", fund.to_string());
        ids.insert("funds/{id}", fund.to_string());
        // "/transparency/funds/{id}": the segment before is "funds".

        // Form group codes of the sets in force: never shown as they are.
        let mut raw: Vec<String> = RAW_CODES.iter().map(|s| (*s).to_owned()).collect();
        let groups: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT form_group FROM evaluations WHERE form_group IS NOT NULL",
        )
        .fetch_all(&app.db.pool)
        .await
        .expect("form groups");
        raw.extend(groups);
        raw.push("worker".into());

        let mut unwalked: Vec<&str> = vec![];
        let mut pages: Vec<String> = khuyenhoc::web::routes::all()
            .iter()
            .filter(|r| r.method == axum::http::Method::GET && is_page(r.path))
            .filter_map(|r| {
                let filled = fill(r.path, &ids);
                if filled.is_none() {
                    unwalked.push(r.path);
                }
                filled
            })
            .collect();
        // Every page is walked: a new page whose parameters the walk cannot fill fails here
        // until the walk makes the data it needs.
        assert!(
            unwalked.is_empty(),
            "pages without data for their parameters: {unwalked:?}"
        );
        // The map before 1 July 2025 (issue 17): an old unit's page (31120@2024 is Phường An
        // Hòa, which became Phường Cái Khế), a today's unit with predecessors, and the map of a
        // day before the merger, with its districts.
        khuyenhoc::org::old_map::import_builtin(&app.db, khuyenhoc::audit::Actor::SYSTEM)
            .await
            .expect("old map");
        pages.extend(
            [
                "/units/31120@2024",
                "/units/31120",
                "/units/916@2024",
                "/units?as_of=2024-06-30",
                "/units?as_of=30%2F06%2F2025&q=an+hoa&level=commune",
            ]
            .map(String::from),
        );
        assert!(pages.len() > 30, "pages walked: {pages:?}");

        let mut problems: Vec<String> = vec![];
        let mut read = 0;
        let mut crumbs_followed = 0;
        let roles: [(&str, Option<&str>); 8] = [
            ("visitor", None),
            ("citizen", Some(CITIZEN)),
            ("branch officer", Some(BRANCH_OFFICER)),
            ("Ba Đình chair", Some(BADINH)),
            ("treasurer", Some(TREASURER)),
            ("Hòa Bình chair", Some(HOABINH)),
            ("Hà Nội chair", Some(HANOI)),
            ("central chair", Some(CENTRAL)),
        ];
        for (role, phone) in roles {
            for en in [false, true] {
                let mut c = match phone {
                    Some(p) => app.login(p).await,
                    None => Client::default(),
                };
                if en {
                    c.cookies.push(("lang".into(), "en".into()));
                }
                let lang = if en { "en" } else { "vi" };
                for page in pages.iter().map(String::as_str).chain(["/no-such-page"]) {
                    let r = app.get(&mut c, page).await;
                    let html = r
                        .headers
                        .get(header::CONTENT_TYPE)
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|t| t.starts_with("text/html"));
                    if !html {
                        continue;
                    }
                    read += 1;
                    let at = format!("{page} as the {role} ({lang}, {})", r.status);
                    let shown = visible_text(&r.body);
                    for d in iso_dates(&shown) {
                        problems.push(format!("{at}: ISO date {d}"));
                    }
                    let w = words(&shown);
                    if en {
                        for p in VIETNAMESE_UI {
                            if shown.contains(p) {
                                problems.push(format!("{at}: Vietnamese {p:?} on an English page"));
                            }
                        }
                    } else {
                        for code in &raw {
                            if w.contains(code.as_str()) {
                                problems.push(format!("{at}: raw code {code:?}"));
                            }
                        }
                        for e in ENGLISH_WORDS {
                            if w.iter().any(|x| x.eq_ignore_ascii_case(e)) {
                                problems.push(format!("{at}: English word {e:?}"));
                            }
                        }
                    }
                    if r.status == StatusCode::OK && !en {
                        for link in crumb_links(&r.body) {
                            crumbs_followed += 1;
                            let to = app.get(&mut c, &link).await;
                            if to.status != StatusCode::OK {
                                problems.push(format!(
                                    "{at}: the breadcrumb {link} answers {}",
                                    to.status
                                ));
                            }
                        }
                    }
                }
            }
        }
        assert!(read > 200, "pages read: {read}");
        assert!(
            crumbs_followed > 20,
            "breadcrumbs followed: {crumbs_followed}"
        );
        problems.sort();
        problems.dedup();
        assert!(
            problems.is_empty(),
            "{} problem(s) on the pages:\n{}",
            problems.len(),
            problems.join("\n")
        );
    }
);

// The citizen's own evaluation pages lead only where the citizen may go: every breadcrumb on
// them answers 200, and none leads to the officer-only unit page.
both_backends!(
    a_citizens_breadcrumbs_lead_where_they_may_go,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let citizen = app.person_id(CITIZEN).await;
        let mut badinh = app.api_client(BADINH).await;
        let detail =
            citizen_evaluation(&app, &mut badinh, citizen, this_year(), Stage::Answered).await;
        let id = evaluation_id(&detail);
        let mut c = app.login(CITIZEN).await;
        let mut followed = 0;
        for page in [
            format!("/evaluations/{id}"),
            format!("/evaluations/{id}/groups/1"),
        ] {
            let r = app.get(&mut c, &page).await;
            assert_eq!(r.status, StatusCode::OK, "{page}: {}", r.body);
            let links = crumb_links(&r.body);
            assert!(!links.is_empty(), "{page} has breadcrumbs");
            for link in links {
                assert!(
                    !link.starts_with("/units/"),
                    "{page} links the unit page {link}"
                );
                let to = app.get(&mut c, &link).await;
                assert_eq!(to.status, StatusCode::OK, "{page}: breadcrumb {link}");
                followed += 1;
            }
        }
        assert!(followed >= 2);
        // The unit page itself stays closed to the citizen.
        let r = app.get(&mut c, "/units/00004").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
);
