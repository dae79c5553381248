//! Search of documents by the text inside their attached PDFs (issue 18, item 1) on both
//! backends: a PDF written by the project's own writer (khuyenhoc-docs, embedded subset fonts
//! read back through their ToUnicode maps) says "đăng ký"; once the job queue has extracted its
//! text, "dang ky" and "DANG KY" find the document in the issuer's outgoing register and in the
//! receiver's incoming register (API and pages), with the filters and paging; an unrelated word
//! finds nothing, and neither does a unit to which the document was not sent.

mod common;
#[path = "common/parity.rs"]
mod parity;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;
use khuyenhoc::jobs::Outcome;
use serde_json::{json, Value};

/// A one-page administrative document whose body says "đăng ký" (and nothing of it in its
/// summary line the tests give the document).
fn pdf_saying(words: &str) -> Vec<u8> {
    let doc = khuyenhoc_docs::AdminDoc {
        parent_issuer: String::new(),
        issuer: "Hội Khuyến học thành phố Hà Nội".into(),
        number_symbol: "/HD-HKH".into(),
        place: "Hà Nội".into(),
        date: (2026, 11, 28),
        title: "Hướng dẫn".into(),
        subtitle: String::new(),
        blocks: vec![khuyenhoc_docs::Block::Paragraph(words.into())],
        recipients: vec!["Như trên".into()],
        signer_capacity: "TM. BAN THƯỜNG VỤ".into(),
        signer_title: "Chủ tịch".into(),
        signer_name: "Nguyễn Văn An".into(),
    };
    khuyenhoc_docs::admin_doc_pdf(&doc).expect("pdf")
}

/// Drafts a document of `unit` (signed by `phone`) to `recipients`, attaches `pdf`, signs and
/// issues it; answers its id.
async fn issued_with(
    app: &TestApp,
    c: &mut Client,
    unit: &str,
    phone: &str,
    summary: &str,
    recipients: Value,
    pdf: &[u8],
) -> i64 {
    let signer = held_position(app, unit, phone).await;
    let d = call(
        app,
        c,
        "POST",
        &format!("/api/v1/units/{unit}/documents"),
        json!({"type_code": "hd", "summary": summary, "signer_position_id": signer,
               "urgency": "normal", "recipients": recipients}),
        StatusCode::CREATED,
    )
    .await;
    let id = d["id"].as_i64().expect("id");
    let r = parity::multipart(
        app,
        c,
        "POST",
        &format!("/api/v1/documents/{id}/files"),
        &[("file", Some(("huong-dan.pdf", "application/pdf")), pdf)],
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "attach: {}", r.body);
    for step in ["sign", "issue"] {
        ok(
            app,
            c,
            "POST",
            &format!("/api/v1/documents/{id}/{step}"),
            json!({}),
        )
        .await;
    }
    id
}

/// The ids a register answers, and its total.
async fn found(app: &TestApp, c: &mut Client, path: &str) -> (Vec<i64>, i64) {
    let page = ok(app, c, "GET", path, json!({})).await;
    let ids = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|d| {
            d["document_id"]
                .as_i64()
                .or_else(|| d["id"].as_i64())
                .expect("id")
        })
        .collect();
    (ids, page["total"].as_i64().expect("total"))
}

both_backends!(
    a_word_inside_an_attached_pdf_finds_the_document,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut hanoi = app.api_client(HANOI).await;
        let mut central = app.api_client(CENTRAL).await;
        let mut badinh = app.api_client(BADINH).await;
        let mut hoabinh = app.api_client(HOABINH).await;
        let pdf = pdf_saying("Các chi hội hướng dẫn hội viên đăng ký danh hiệu công dân học tập.");

        // Hà Nội sends two guides to Ba Đình; the central office sends one to the provinces:
        // every PDF says "đăng ký", no summary does.
        let a = issued_with(
            &app,
            &mut hanoi,
            "01",
            HANOI,
            "Hướng dẫn thi đua năm học mới",
            json!([{"kind": "units", "codes": ["00004"]}]),
            &pdf,
        )
        .await;
        let a2 = issued_with(
            &app,
            &mut hanoi,
            "01",
            HANOI,
            "Hướng dẫn tổng kết năm",
            json!([{"kind": "units", "codes": ["00004"]}]),
            &pdf,
        )
        .await;
        let other = issued_with(
            &app,
            &mut central,
            "VN",
            CENTRAL,
            "Hướng dẫn của Trung ương",
            json!([{"kind": "level", "level": "province"}]),
            &pdf,
        )
        .await;

        // Before the job queue ran, the text is not known: the upload did not extract it.
        let out = "/api/v1/units/01/documents";
        assert_eq!(
            found(&app, &mut hanoi, &format!("{out}?q=dang+ky")).await.1,
            0
        );
        let ran = app.run_jobs().await;
        let done = ran.iter().filter(|o| matches!(o, Outcome::Done(_))).count();
        assert!(done >= 3, "one extraction per PDF: {ran:?}");
        assert!(
            ran.iter().all(|o| matches!(o, Outcome::Done(_))),
            "no job failed: {ran:?}"
        );
        let kept: String =
            sqlx::query_scalar("SELECT text_folded FROM document_files f WHERE f.document_id = $1")
                .bind(a)
                .fetch_one(&app.db.pool)
                .await
                .expect("text");
        assert!(kept.contains("dang ky danh hieu"), "folded text: {kept}");

        // The issuer's outgoing register, by the PDF's words typed any way, with the filters.
        let year = this_year();
        for q in [
            "dang+ky",
            "DANG+KY",
            "%C4%91%C4%83ng+k%C3%BD",
            "+Dang+++Ky+",
        ] {
            let (mut ids, total) = found(&app, &mut hanoi, &format!("{out}?q={q}")).await;
            ids.sort_unstable();
            assert_eq!((ids, total), (vec![a, a2], 2), "q={q}");
        }
        for (filter, want) in [
            (format!("type=hd&year={year}&state=issued"), 2),
            ("type=kh".to_owned(), 0),
            ("state=draft".to_owned(), 0),
            (format!("year={}", year + 1), 0),
        ] {
            let (_, total) = found(&app, &mut hanoi, &format!("{out}?q=dang+ky&{filter}")).await;
            assert_eq!(total, want, "{filter}");
        }
        // Paged: one a page, newest first, then the other.
        let first = ok(
            &app,
            &mut hanoi,
            "GET",
            &format!("{out}?q=dang+ky&per_page=1"),
            json!({}),
        )
        .await;
        assert_eq!(first["total"], 2);
        assert_eq!(first["items"][0]["id"], a2);
        let cursor = first["next_cursor"]
            .as_str()
            .expect("a next page")
            .to_owned();
        let (ids, _) = found(
            &app,
            &mut hanoi,
            &format!("{out}?q=dang+ky&per_page=1&cursor={cursor}"),
        )
        .await;
        assert_eq!(ids, vec![a]);
        // An unrelated word, or a word of the PDF with another after it, finds nothing.
        assert_eq!(
            found(&app, &mut hanoi, &format!("{out}?q=hoc+bong"))
                .await
                .1,
            0
        );
        assert_eq!(
            found(&app, &mut hanoi, &format!("{out}?q=dang+ky+hoc+bong"))
                .await
                .1,
            0
        );
        // The summary still counts.
        assert_eq!(
            found(&app, &mut hanoi, &format!("{out}?q=tong+ket"))
                .await
                .0,
            vec![a2]
        );

        // The receiver's incoming register: Hà Nội's two, never the central office's guide,
        // which went to the provinces only.
        let inc = "/api/v1/units/00004/incoming";
        let (mut ids, total) = found(&app, &mut badinh, &format!("{inc}?q=DANG+KY")).await;
        ids.sort_unstable();
        assert_eq!((ids, total), (vec![a, a2], 2));
        assert!(!found(&app, &mut badinh, &format!("{inc}?q=dang+ky"))
            .await
            .0
            .contains(&other));
        assert_eq!(
            found(&app, &mut badinh, &format!("{inc}?q=dang+ky&type=kh"))
                .await
                .1,
            0
        );
        assert_eq!(
            found(&app, &mut badinh, &format!("{inc}?q=hoc+bong"))
                .await
                .1,
            0
        );
        // By issuer: Hà Nội's, or the central office's (none came to Ba Đình).
        let by = |q: &str| format!("{inc}?q=dang+ky&issuer={q}");
        assert_eq!(found(&app, &mut badinh, &by("01")).await.1, 2);
        assert_eq!(found(&app, &mut badinh, &by("VN")).await.1, 0);
        let (ids, _) = found(
            &app,
            &mut hanoi,
            "/api/v1/units/01/incoming?q=dang+ky&issuer=VN",
        )
        .await;
        assert_eq!(ids, vec![other]);
        // Hà Nội, a province, received the central office's guide.
        assert_eq!(
            found(&app, &mut hanoi, "/api/v1/units/01/incoming?q=dang+ky")
                .await
                .0,
            vec![other]
        );
        // Out of scope: Hòa Bình reads neither Hà Nội's registers nor Ba Đình's.
        for path in [format!("{out}?q=dang+ky"), format!("{inc}?q=dang+ky")] {
            call(
                &app,
                &mut hoabinh,
                "GET",
                &path,
                json!({}),
                StatusCode::NOT_FOUND,
            )
            .await;
        }
        // Ba Đình issued nothing: its own outgoing register finds nothing.
        assert_eq!(
            found(&app, &mut badinh, "/api/v1/units/00004/documents?q=dang+ky")
                .await
                .1,
            0
        );

        // The pages search the same way.
        let mut web = app.login(BADINH).await;
        let page = app.get(&mut web, "/units/00004/incoming?q=DANG+KY").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("Hướng dẫn thi đua năm học mới"),
            "{}",
            page.body
        );
        assert!(page.body.contains("Hướng dẫn tổng kết năm"));
        assert!(!page.body.contains("Hướng dẫn của Trung ương"));
        let mut web = app.login(HANOI).await;
        let page = app
            .get(&mut web, "/units/01/documents?q=dang+ky&type=hd")
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("Hướng dẫn tổng kết năm"),
            "{}",
            page.body
        );
        // The pager keeps every filter.
        let page = app
            .get(&mut web, "/units/01/documents?q=dang+ky&type=hd&per_page=1")
            .await;
        assert!(
            page.body.contains("q=dang+ky&#38;type=hd&#38;cursor="),
            "{}",
            page.body
        );
        let page = app.get(&mut web, "/units/01/documents?q=hoc+bong").await;
        assert!(!page.body.contains("Hướng dẫn tổng kết năm"));
    }
);
