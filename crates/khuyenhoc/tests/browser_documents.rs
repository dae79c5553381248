//! Documents in a real phone browser (headless Chromium at 360 px, axe-core on every page, see
//! `common/browser.rs`), on both backends: Hà Nội issues a plan to its communes asking for a
//! reply; the Ba Đình officer finds it in the incoming register, opens it (opened), acknowledges
//! it and replies with a PDF attached; Hà Nội's dashboard of the document shows at once that
//! one commune opened, acknowledged and replied, with the reply and its file in the list.

#[path = "common/browser.rs"]
mod browser;
mod common;
use browser::*;
use common::*;
use fantoccini::Client;
use khuyenhoc::db::Backend;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

const WHOLE_TEST: Duration = Duration::from_secs(150);

const SUMMARY: &str = "Kế hoạch tổ chức Tuần lễ học tập suốt đời năm nay";
const REPLY: &str = "Phường Ba Đình đã triển khai tới các chi hội.";

async fn trip(c: Client, base: String, doc: i64, pdf: std::path::PathBuf) {
    log_in_as(&c, &base, BADINH, "Lê Văn Đình").await;
    tap(&c, "#dash-00004 a.documents-in").await;
    wait_for_page(&c, &base, "/units/00004/incoming").await;
    assert_eq!(text_of(&c, "h1").await, "Sổ văn bản đến");
    let listed = text_of(&c, "#incoming").await;
    assert!(listed.contains(SUMMARY), "{listed}");
    assert!(
        listed.contains("Chưa mở") || listed.contains("chưa mở"),
        "{listed}"
    );
    assert_fits(&c, "the incoming register").await;
    check_axe(&c).await;
    tap(&c, "#incoming li a").await;
    let path = wait_for_path(&c, "the incoming document", |p| p.starts_with("/incoming/")).await;
    // Opening it marked it opened.
    assert_eq!(text_of(&c, "#entry-state").await, "Đã mở");
    assert_fits(&c, "the incoming document").await;
    check_axe(&c).await;
    tap(&c, "#acknowledge").await;
    wait_for_text(&c, "#entry-state", "Đã nhận").await;
    type_into(&c, "#text", REPLY).await;
    c.find(fantoccini::Locator::Css("input[type=file]#file"))
        .await
        .expect("the file input")
        .send_keys(&pdf.display().to_string())
        .await
        .expect("choose the PDF");
    tap(&c, "#send-reply").await;
    wait_for_text(&c, "#entry-state", "Đã trả lời").await;
    assert_eq!(text_of(&c, "#reply-text").await, REPLY);
    let files = text_of(&c, "#reply-files").await;
    assert!(files.contains("bao-cao.pdf"), "{files}");
    assert_fits(&c, "the replied document").await;
    screenshot(&c, "browser-documents-reply.png").await;
    assert!(path.starts_with("/incoming/"));

    // The province sees it at once on the document's dashboard.
    log_in_as(&c, &base, HANOI, "Trần Thị Hà").await;
    open(&c, &base, &format!("/documents/{doc}")).await;
    assert_eq!(text_of(&c, "#count-opened").await, "1");
    assert_eq!(text_of(&c, "#count-acknowledged").await, "1");
    assert_eq!(text_of(&c, "#count-replied").await, "1");
    assert_fits(&c, "the sender's dashboard").await;
    check_axe(&c).await;
    tap(&c, "#count-links a[href*='state=replied']").await;
    wait_for_text(&c, "#recipients-total", "1 ").await;
    let list = text_of(&c, "#recipient-list").await;
    assert!(list.contains("Ba Đình") && list.contains(REPLY), "{list}");
    assert!(list.contains("bao-cao.pdf"), "{list}");
    screenshot(&c, "browser-documents-dashboard.png").await;
}

both_backends!(
    a_commune_replies_and_the_province_sees_it,
    |b: Backend| async move {
        let started = Instant::now();
        let app = Arc::new(TestApp::new(b).await);
        let mut hanoi = app.api_client(HANOI).await;
        let signer: i64 = sqlx::query_scalar(
            "SELECT p.id FROM positions p JOIN position_holdings h ON h.position_id = p.id \
             JOIN units u ON u.id = p.unit_id JOIN people pe ON pe.id = h.person_id \
             WHERE u.code = '01' AND pe.phone = $1 AND h.to_at IS NULL",
        )
        .bind(HANOI)
        .fetch_one(&app.db.pool)
        .await
        .expect("the signer");
        let d = ok(
            &app,
            &mut hanoi,
            "POST",
            "/api/v1/units/01/documents",
            serde_json::json!({"type_code": "kh", "summary": SUMMARY, "signer_position_id": signer,
                "reply_due": today(), "recipients": [{"kind": "level", "level": "commune"}]}),
        )
        .await;
        let doc = d["id"].as_i64().expect("document id");
        for step in ["sign", "issue"] {
            ok(
                &app,
                &mut hanoi,
                "POST",
                &format!("/api/v1/documents/{doc}/{step}"),
                serde_json::json!({}),
            )
            .await;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let pdf = dir.path().join("bao-cao.pdf");
        std::fs::write(&pdf, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n").expect("pdf");
        let addr = app.serve().await;
        let base = format!("http://{addr}");
        drive(started + WHOLE_TEST, move |c| trip(c, base, doc, pdf)).await;
        // The reply's file is stored and counted as the reply of Ba Đình's entry.
        let files: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM document_files f JOIN document_recipients r ON r.id = f.recipient_id \
             JOIN units u ON u.id = r.unit_id WHERE f.document_id = $1 AND u.code = '00004'",
        )
        .bind(doc)
        .fetch_one(&app.db.pool)
        .await
        .expect("files");
        assert_eq!(files, 1);
        drop(dir);
        println!(
            "browser_documents ({}): passed in {:.1} s",
            backend_name(b),
            started.elapsed().as_secs_f64()
        );
    }
);
