//! Rows of the access matrix for documents (văn bản, included by `tests/access.rs`).
//!
//! Phường Ba Đình (00004) issues to its branches: its registers and the sender's side (counts,
//! recipients, reminders) need reading or `document.issue` over 00004; the branch 00004-1
//! reads what it received; opening, acknowledging and replying need `document.issue` over it
//! (only an officer of the unit itself marks it opened; the Ba Đình chair acts in the matrix). A document reaches Ba Đình from Hà Nội to be forwarded to its branches.
//! Signing needs the signer position itself: the Ba Đình chair's. Out of scope, 404.

use super::*;

/// The summary of the document every reading row shows.
const SUMMARY: &str = "Kế hoạch ma trận truy cập văn bản";

/// Objects made for the document rows before the matrix runs.
#[derive(Default)]
pub struct CtxDocuments {
    /// The Ba Đình chair's position, which signs.
    signer: i64,
    /// Issued by Ba Đình to its branches, a reply due: read, and the branch 00004-1's entry in
    /// it (opened, acknowledged, replied).
    doc: i64,
    entry: i64,
    /// A draft to sign, a signed document to issue, an issued one to recall, an overdue one to
    /// remind about.
    to_sign: i64,
    to_issue: i64,
    to_recall: i64,
    overdue: i64,
    /// Ba Đình's entry of a document from Hà Nội, to forward to its branches.
    to_forward: i64,
    /// For the pages: a draft to sign, a signed document to issue, a draft to attach files to,
    /// a file of `doc`, and the branch 00004-1's entry of a second document to reply to.
    sign_page: i64,
    issue_page: i64,
    draft: i64,
    file: i64,
    reply_page: i64,
}

const PDF_BYTES: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// A draft of `unit` signed by `signer`, taken to `stage` (draft, signed or issued).
async fn document(
    app: &TestApp,
    c: &mut Client,
    unit: &str,
    signer: i64,
    recipients: serde_json::Value,
    stage: &str,
) -> i64 {
    let d = ok(
        app,
        c,
        "POST",
        &format!("/api/v1/units/{unit}/documents"),
        serde_json::json!({"type_code": "kh", "summary": SUMMARY, "signer_position_id": signer,
            "reply_due": today(), "recipients": recipients}),
    )
    .await;
    let id = d["id"].as_i64().expect("document id");
    for step in ["sign", "issue"] {
        if stage == "draft" || (stage == "signed" && step == "issue") {
            break;
        }
        ok(
            app,
            c,
            "POST",
            &format!("/api/v1/documents/{id}/{step}"),
            serde_json::json!({}),
        )
        .await;
    }
    id
}

async fn entry_of(app: &TestApp, doc: i64, unit: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT r.id FROM document_recipients r JOIN units u ON u.id = r.unit_id \
         WHERE r.document_id = $1 AND u.code = $2",
    )
    .bind(doc)
    .bind(unit)
    .fetch_one(&app.db.pool)
    .await
    .expect("entry")
}

/// Makes the documents the rows act on.
pub async fn setup(app: &TestApp, ctx: &mut Ctx) {
    let mut c = app.api_client(BADINH).await;
    let d = &mut ctx.documents;
    d.signer = held_position(app, "00004", BADINH).await;
    let branches = serde_json::json!([{"kind": "level", "level": "branch"}]);
    d.doc = document(app, &mut c, "00004", d.signer, branches.clone(), "issued").await;
    d.entry = entry_of(app, d.doc, "00004-1").await;
    d.to_sign = document(app, &mut c, "00004", d.signer, branches.clone(), "draft").await;
    d.sign_page = document(app, &mut c, "00004", d.signer, branches.clone(), "draft").await;
    d.draft = document(app, &mut c, "00004", d.signer, branches.clone(), "draft").await;
    d.issue_page = document(app, &mut c, "00004", d.signer, branches.clone(), "signed").await;
    let second = document(app, &mut c, "00004", d.signer, branches.clone(), "issued").await;
    d.reply_page = entry_of(app, second, "00004-1").await;
    let key = app
        .state
        .files
        .put("documents", PDF_BYTES.to_vec())
        .await
        .expect("file");
    d.file = sqlx::query_scalar(
        "INSERT INTO document_files (document_id, file_key, file_name, media_type, size_bytes, \
         uploaded_by, uploaded_at) VALUES ($1, $2, 'ke-hoach.pdf', 'application/pdf', 40, \
         (SELECT MIN(id) FROM people), 0) RETURNING id",
    )
    .bind(d.doc)
    .bind(key)
    .fetch_one(&app.db.pool)
    .await
    .expect("file row");
    d.to_issue = document(app, &mut c, "00004", d.signer, branches.clone(), "signed").await;
    d.to_recall = document(app, &mut c, "00004", d.signer, branches.clone(), "issued").await;
    d.overdue = document(app, &mut c, "00004", d.signer, branches, "issued").await;
    sqlx::query("UPDATE documents SET reply_due = '2000-01-01' WHERE id = $1")
        .bind(d.overdue)
        .execute(&app.db.pool)
        .await
        .expect("overdue");
    let mut hanoi = app.api_client(HANOI).await;
    let from_hanoi = document(
        app,
        &mut hanoi,
        "01",
        held_position(app, "01", HANOI).await,
        serde_json::json!([{"kind": "units", "codes": ["00004"]}]),
        "issued",
    )
    .await;
    d.to_forward = entry_of(app, from_hanoi, "00004").await;
}

const BOTH: &[&str] = &["00004", "00004-1"];

#[allow(clippy::too_many_lines)] // one row per route
pub fn rows() -> Vec<Row> {
    use Access::*;
    vec![
        row(
            "GET /api/v1/units/{code}/documents",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/api/v1/units/00004/documents?q=ma%20tran&type=kh"),
            OK.has(SUMMARY),
        ),
        row(
            "POST /api/v1/units/{code}/documents",
            Officer,
            act(perm::DOCUMENT_ISSUE, &["00004"]),
            R::Commune,
            |c, _| {
                json(
                    "/api/v1/units/00004/documents",
                    serde_json::json!({"type_code": "tb", "summary": "Thông báo mới",
                        "signer_position_id": c.documents.signer,
                        "recipients": [{"kind": "subtree", "code": "00004-1"}]}),
                )
            },
            CREATED.has("\"draft\""),
        ),
        row(
            "GET /api/v1/units/{code}/incoming",
            Officer,
            read(&["00004-1"]),
            R::Branch,
            |_, _| get("/api/v1/units/00004-1/incoming?q=ma%20tran"),
            OK.has(SUMMARY),
        ),
        row(
            "GET /api/v1/documents/{id}",
            Officer,
            read(BOTH),
            R::Branch,
            |c, _| get(format!("/api/v1/documents/{}", c.documents.doc)),
            OK.has(SUMMARY),
        ),
        row(
            "POST /api/v1/documents/{id}/sign",
            Officer,
            Need::Owner,
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/documents/{}/sign", c.documents.to_sign),
                    serde_json::json!({}),
                )
            },
            OK.has("\"signed\""),
        ),
        row(
            "POST /api/v1/documents/{id}/issue",
            Officer,
            act(perm::DOCUMENT_ISSUE, &["00004"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/documents/{}/issue", c.documents.to_issue),
                    serde_json::json!({}),
                )
            },
            OK.has("\"issued\""),
        ),
        row(
            "POST /api/v1/documents/{id}/recall",
            Officer,
            act(perm::DOCUMENT_ISSUE, &["00004"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/documents/{}/recall", c.documents.to_recall),
                    serde_json::json!({"reason": "Gửi nhầm"}),
                )
            },
            OK.has("\"recalled\""),
        ),
        row(
            "GET /api/v1/documents/{id}/recipients",
            Officer,
            read(&["00004"]),
            R::Commune,
            |c, _| {
                get(format!(
                    "/api/v1/documents/{}/recipients?q=to%20dan%20pho",
                    c.documents.doc
                ))
            },
            OK.has("Chi hội Tổ dân phố số 1"),
        ),
        row(
            "GET /api/v1/documents/{id}/recipients.xlsx",
            Officer,
            read(&["00004"]),
            R::Commune,
            |c, _| {
                get(format!(
                    "/api/v1/documents/{}/recipients.xlsx",
                    c.documents.doc
                ))
            },
            OK.has("PK"),
        ),
        row(
            "POST /api/v1/documents/{id}/remind",
            Officer,
            act(perm::DOCUMENT_ISSUE, &["00004"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/documents/{}/remind", c.documents.overdue),
                    serde_json::json!({}),
                )
            },
            OK.has("\"units\""),
        ),
        row(
            "GET /api/v1/incoming/{id}",
            Officer,
            read(&["00004-1"]),
            R::Branch,
            |c, _| get(format!("/api/v1/incoming/{}", c.documents.entry)),
            OK.has(SUMMARY),
        ),
        row(
            "POST /api/v1/incoming/{id}/open",
            Officer,
            act(perm::DOCUMENT_ISSUE, &["00004-1"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/incoming/{}/open", c.documents.entry),
                    serde_json::json!({}),
                )
            },
            OK.has("\"entry_number\""),
        ),
        row(
            "POST /api/v1/incoming/{id}/acknowledge",
            Officer,
            act(perm::DOCUMENT_ISSUE, &["00004-1"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/incoming/{}/acknowledge", c.documents.entry),
                    serde_json::json!({}),
                )
            },
            OK.has("\"entry_number\""),
        ),
        row(
            "POST /api/v1/incoming/{id}/reply",
            Officer,
            act(perm::DOCUMENT_ISSUE, &["00004-1"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/incoming/{}/reply", c.documents.entry),
                    serde_json::json!({"text": "Chi hội đã triển khai."}),
                )
            },
            OK.has("\"replied\""),
        ),
        row(
            "POST /api/v1/incoming/{id}/forward",
            Officer,
            act(perm::DOCUMENT_ISSUE, &["00004"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/incoming/{}/forward", c.documents.to_forward),
                    serde_json::json!({"recipients": [{"kind": "level", "level": "branch"}]}),
                )
            },
            OK.has("\"units\""),
        ),
        row(
            "GET /units/{code}/documents",
            Officer,
            read(&["00004"]),
            R::Commune,
            |_, _| get("/units/00004/documents?q=ma%20tran"),
            OK.has(SUMMARY),
        ),
        row(
            "GET /units/{code}/documents/new",
            Officer,
            act(perm::DOCUMENT_ISSUE, &["00004"]),
            R::Commune,
            |_, _| get("/units/00004/documents/new"),
            OK.has("Lưu dự thảo"),
        ),
        row(
            "POST /units/{code}/documents",
            Officer,
            act(perm::DOCUMENT_ISSUE, &["00004"]),
            R::Commune,
            |c, _| {
                form(
                    "/units/00004/documents",
                    &[
                        ("type_code", "tb"),
                        ("summary", "Thông báo qua trang"),
                        ("signer_position_id", &c.documents.signer.to_string()),
                        ("urgency", "normal"),
                        ("level", "branch"),
                    ],
                )
            },
            see("/documents/*"),
        ),
        row(
            "GET /documents/{id}",
            Officer,
            read(BOTH),
            R::Branch,
            |c, _| get(format!("/documents/{}", c.documents.doc)),
            OK.has(SUMMARY),
        ),
        row(
            "POST /documents/{id}/sign",
            Officer,
            Need::Owner,
            R::Commune,
            |c, _| form(format!("/documents/{}/sign", c.documents.sign_page), &[]),
            see("/documents/*"),
        ),
        row(
            "POST /documents/{id}/issue",
            Officer,
            act(perm::DOCUMENT_ISSUE, &["00004"]),
            R::Commune,
            |c, _| form(format!("/documents/{}/issue", c.documents.issue_page), &[]),
            see("/documents/*"),
        ),
        row(
            "POST /documents/{id}/remind",
            Officer,
            act(perm::DOCUMENT_ISSUE, &["00004"]),
            R::Commune,
            |c, _| form(format!("/documents/{}/remind", c.documents.overdue), &[]),
            see("/documents/*"),
        ),
        row(
            "POST /documents/{id}/files",
            Officer,
            act(perm::DOCUMENT_ISSUE, &["00004"]),
            R::Commune,
            |c, _| {
                upload(
                    format!("/documents/{}/files", c.documents.draft),
                    vec![file(
                        "file",
                        "ke-hoach.pdf",
                        "application/pdf",
                        PDF_BYTES.to_vec(),
                    )],
                )
            },
            see("/documents/*"),
        ),
        row(
            "GET /documents/{id}/files/{fid}",
            Officer,
            read(BOTH),
            R::Branch,
            |c, _| {
                get(format!(
                    "/documents/{}/files/{}",
                    c.documents.doc, c.documents.file
                ))
            },
            OK.has("%PDF"),
        ),
        row(
            "GET /documents/{id}/recipients.xlsx",
            Officer,
            read(&["00004"]),
            R::Commune,
            |c, _| get(format!("/documents/{}/recipients.xlsx", c.documents.doc)),
            OK.has("PK"),
        ),
        row(
            "GET /units/{code}/incoming",
            Officer,
            read(&["00004-1"]),
            R::Branch,
            |_, _| get("/units/00004-1/incoming?q=ma%20tran"),
            OK.has(SUMMARY),
        ),
        row(
            "GET /incoming/{id}",
            Officer,
            read(&["00004-1"]),
            R::Branch,
            |c, _| get(format!("/incoming/{}", c.documents.entry)),
            OK.has(SUMMARY),
        ),
        row(
            "POST /incoming/{id}/acknowledge",
            Officer,
            act(perm::DOCUMENT_ISSUE, &["00004-1"]),
            R::Commune,
            |c, _| form(format!("/incoming/{}/acknowledge", c.documents.entry), &[]),
            see("/incoming/*"),
        ),
        row(
            "POST /incoming/{id}/reply",
            Officer,
            act(perm::DOCUMENT_ISSUE, &["00004-1"]),
            R::Commune,
            |c, _| {
                upload(
                    format!("/incoming/{}/reply", c.documents.reply_page),
                    vec![
                        field("text", "Chi hội đã triển khai, gửi kèm báo cáo."),
                        file("file", "bao-cao.pdf", "application/pdf", PDF_BYTES.to_vec()),
                    ],
                )
            },
            see("/incoming/*"),
        ),
        row(
            "POST /incoming/{id}/forward",
            Officer,
            act(perm::DOCUMENT_ISSUE, &["00004"]),
            R::Commune,
            |c, _| {
                form(
                    format!("/incoming/{}/forward", c.documents.to_forward),
                    &[("level", "branch")],
                )
            },
            see("/incoming/*"),
        ),
        row(
            "POST /api/v1/documents/{id}/files",
            Officer,
            act(perm::DOCUMENT_ISSUE, &["00004"]),
            R::Commune,
            |c, _| {
                upload(
                    format!("/api/v1/documents/{}/files", c.documents.draft),
                    vec![file(
                        "file",
                        "du-thao.pdf",
                        "application/pdf",
                        PDF_BYTES.to_vec(),
                    )],
                )
            },
            CREATED.has("du-thao.pdf"),
        ),
        row(
            "POST /api/v1/incoming/{id}/files",
            Officer,
            act(perm::DOCUMENT_ISSUE, &["00004-1"]),
            R::Commune,
            |c, _| {
                upload(
                    format!("/api/v1/incoming/{}/files", c.documents.entry),
                    vec![file(
                        "file",
                        "tra-loi.pdf",
                        "application/pdf",
                        PDF_BYTES.to_vec(),
                    )],
                )
            },
            CREATED.has("tra-loi.pdf"),
        ),
    ]
}
