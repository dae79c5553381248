//! Evidence on a phone (issue 15, item 5): a portrait photo carrying EXIF orientation 6 is
//! stored upright; the owner removes or replaces a file before submission (audited, the stored
//! file deleted), through the pages and the API; nobody else can, and nobody after submission.

mod common;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use khuyenhoc::db::Backend;

const BOUNDARY: &str = "XevidenceX";

/// Posts a multipart form (the CSRF token as its first field, as a browser sends it).
async fn upload(
    app: &TestApp,
    c: &mut Client,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> Resp {
    if c.csrf().is_empty() {
        app.get(c, "/login").await;
    }
    let mut body = Vec::new();
    let mut part = |name: &str, extra: &str, bytes: &[u8]| {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"{extra}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend(bytes);
        body.extend(b"\r\n");
    };
    let token = c.csrf();
    part("_csrf", "", token.as_bytes());
    for (k, v) in fields {
        part(k, "", v.as_bytes());
    }
    if let Some((name, bytes)) = file {
        let extra = format!("; filename=\"{name}\"\r\nContent-Type: application/octet-stream");
        part("file", &extra, bytes);
    }
    body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    let req = Request::post(path)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .expect("request");
    app.send(c, req).await
}

/// A JPEG `w` × `h` whose EXIF says Orientation 6 (turn 90° clockwise to show): an APP1 `Exif`
/// segment written by hand right after the start-of-image marker.
fn sideways_jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 5 % 256) as u8, (y * 7 % 256) as u8, 120])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .expect("encode jpeg");
    let jpeg = out.into_inner();
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "a JPEG starts with SOI");
    // TIFF header (big-endian), one IFD entry: tag 0x0112 Orientation, SHORT, count 1, value 6.
    let mut tiff = b"MM\x00\x2A\x00\x00\x00\x08".to_vec();
    tiff.extend([0x00, 0x01]);
    tiff.extend([
        0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00,
    ]);
    tiff.extend([0x00, 0x00, 0x00, 0x00]);
    let mut payload = b"Exif\x00\x00".to_vec();
    payload.extend(tiff);
    let len = u16::try_from(payload.len() + 2).expect("segment length");
    let mut with = vec![0xFF, 0xD8, 0xFF, 0xE1];
    with.extend(len.to_be_bytes());
    with.extend(payload);
    with.extend(&jpeg[2..]);
    with
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// The citizen's open evaluation (registered by the Ba Đình chair); its id.
async fn citizen_draft(app: &TestApp) -> i64 {
    let mut chair = app.api_client(BADINH).await;
    let citizen = app.person_id(CITIZEN).await;
    let d = citizen_evaluation(app, &mut chair, citizen, this_year(), Stage::Answered).await;
    evaluation_id(&d)
}

/// Attaches a file to `reads` as the client; the new evidence id.
async fn attach(app: &TestApp, c: &mut Client, eval: i64, name: &str, bytes: &[u8]) -> i64 {
    let back = format!("/evaluations/{eval}/groups/1");
    let r = upload(
        app,
        c,
        &format!("/evaluations/{eval}/evidence"),
        &[("indicator", "reads"), ("back", &back)],
        Some((name, bytes)),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), Some(back.as_str()));
    sqlx::query_scalar("SELECT MAX(id) FROM evidence WHERE evaluation_id = $1")
        .bind(eval)
        .fetch_one(&app.db.pool)
        .await
        .expect("evidence id")
}

async fn key_of(app: &TestApp, evidence: i64) -> Option<String> {
    sqlx::query_scalar("SELECT object_key FROM evidence WHERE id = $1")
        .bind(evidence)
        .fetch_optional(&app.db.pool)
        .await
        .expect("key")
        .flatten()
}

async fn audited(app: &TestApp, evidence: i64, action: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'evidence' AND entity_id = $1 AND action = $2",
    )
    .bind(evidence.to_string())
    .bind(action)
    .fetch_one(&app.db.pool)
    .await
    .expect("audit count")
}

both_backends!(exif_orientation_is_applied, |backend: Backend| async move {
    let app = TestApp::new(backend).await;
    let eval = citizen_draft(&app).await;
    let mut citizen = app.login(CITIZEN).await;
    // Stored 60 wide and 20 high, shown (Orientation 6) 20 wide and 60 high.
    let id = attach(
        &app,
        &mut citizen,
        eval,
        "chan-dung.jpg",
        &sideways_jpeg(60, 20),
    )
    .await;
    let key = key_of(&app, id).await.expect("a stored file");
    let stored = app.state.files.get(&key).await.expect("the stored photo");
    let img = image::load_from_memory(&stored).expect("a JPEG");
    assert_eq!(
        (img.width(), img.height()),
        (20, 60),
        "the portrait is stored upright"
    );
    // The same photo without the EXIF segment keeps its shape.
    let plain = sideways_jpeg(60, 20);
    let skip = 4 + usize::from(u16::from_be_bytes([plain[4], plain[5]]));
    let mut without = vec![0xFF, 0xD8];
    without.extend(&plain[skip..]);
    let id = attach(&app, &mut citizen, eval, "ngang.jpg", &without).await;
    let key = key_of(&app, id).await.expect("a stored file");
    let img =
        image::load_from_memory(&app.state.files.get(&key).await.expect("photo")).expect("a JPEG");
    assert_eq!((img.width(), img.height()), (60, 20));
});

both_backends!(
    owner_removes_and_replaces_before_submission,
    |backend: Backend| async move {
        let app = TestApp::new(backend).await;
        let eval = citizen_draft(&app).await;
        let mut citizen = app.login(CITIZEN).await;
        let first = attach(&app, &mut citizen, eval, "giay-to.pdf", PDF).await;
        let second = attach(&app, &mut citizen, eval, "anh.pdf", PDF).await;
        let first_key = key_of(&app, first).await.expect("key");
        let second_key = key_of(&app, second).await.expect("key");

        // The page offers both buttons to the owner, above the Save buttons, not folded away.
        let page = app
            .get(&mut citizen, &format!("/evaluations/{eval}/groups/1"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let remove_at = page
            .body
            .find(&format!("/evidence/{first}/remove"))
            .expect("a remove button");
        assert!(page.body.contains(&format!("/evidence/{first}/replace")));
        let save_at = page.body.find("name=\"next\"").expect("save button");
        assert!(
            remove_at < save_at,
            "evidence comes before the Save buttons"
        );
        assert!(!page.body.contains("<details>\n  <summary>Thêm minh chứng"));

        // An officer in scope reads the evaluation but does not own its evidence: 404.
        let mut chair = app.login(BADINH).await;
        let back = format!("/evaluations/{eval}/groups/1");
        let r = app
            .post_form(
                &mut chair,
                &format!("/evidence/{first}/remove"),
                &[("back", &back)],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let chair_page = app.get(&mut chair, &back).await;
        assert!(!chair_page
            .body
            .contains(&format!("/evidence/{first}/remove")));

        // The owner removes the first: the row, the stored file go; the audit keeps its name.
        let r = app
            .post_form(
                &mut citizen,
                &format!("/evidence/{first}/remove"),
                &[("back", &back)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.location(), Some(back.as_str()));
        assert_eq!(key_of(&app, first).await, None);
        assert!(
            app.state.files.get(&first_key).await.is_err(),
            "file deleted"
        );
        assert_eq!(audited(&app, first, "remove").await, 1);
        let before: String = sqlx::query_scalar(
        "SELECT before_json FROM audit_log WHERE entity = 'evidence' AND entity_id = $1 AND action = 'remove'",
    )
    .bind(first.to_string())
    .fetch_one(&app.db.pool)
    .await
    .expect("audit before");
        assert!(before.contains("giay-to.pdf"), "{before}");

        // The owner replaces the second with a photo: same evidence, new file, old one deleted.
        let r = upload(
            &app,
            &mut citizen,
            &format!("/evidence/{second}/replace"),
            &[("back", &back)],
            Some(("chan-dung.jpg", &sideways_jpeg(60, 20))),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let (kind, name): (String, String) =
            sqlx::query_as("SELECT kind, file_name FROM evidence WHERE id = $1")
                .bind(second)
                .fetch_one(&app.db.pool)
                .await
                .expect("replaced row");
        assert_eq!((kind.as_str(), name.as_str()), ("photo", "chan-dung.jpg"));
        let new_key = key_of(&app, second).await.expect("new key");
        assert_ne!(new_key, second_key);
        assert!(
            app.state.files.get(&second_key).await.is_err(),
            "old file deleted"
        );
        assert!(
            app.state.files.get(&new_key).await.is_ok(),
            "new file stored"
        );
        assert_eq!(audited(&app, second, "replace").await, 1);
        // A replacement that is not a file the indicator takes is refused on the page.
        let r = upload(
            &app,
            &mut citizen,
            &format!("/evidence/{second}/replace"),
            &[("back", &back)],
            Some(("x.exe", b"MZ\x90\x00")),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Chỉ nhận ảnh"), "{}", r.body);

        // Through the API: the owner's token removes, an officer's gets 404.
        let third = attach(&app, &mut citizen, eval, "them.pdf", PDF).await;
        let mut chair_api = app.api_client(BADINH).await;
        let r = app
            .json(
                &mut chair_api,
                "DELETE",
                &format!("/api/v1/evidence/{third}"),
                serde_json::json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        let mut own_api = app.api_client(CITIZEN).await;
        let r = app
            .json(
                &mut own_api,
                "DELETE",
                &format!("/api/v1/evidence/{third}"),
                serde_json::json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let ids: Vec<i64> = r.json()["evidence"]
            .as_array()
            .expect("evidence list")
            .iter()
            .filter_map(|x| x["id"].as_i64())
            .collect();
        assert_eq!(ids, vec![second], "the answer lists what is left");

        // After submission nothing changes any more.
        let mut chair_api = app.api_client(BADINH).await;
        ok(
            &app,
            &mut chair_api,
            "POST",
            &format!("/api/v1/evaluations/{eval}/submit"),
            serde_json::json!({}),
        )
        .await;
        let r = app
            .post_form(
                &mut citizen,
                &format!("/evidence/{second}/remove"),
                &[("back", &back)],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(key_of(&app, second).await.is_some());
        assert!(app.state.files.get(&new_key).await.is_ok());
    }
);
