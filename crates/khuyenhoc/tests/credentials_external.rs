//! A verifier that is not ours accepts our credentials (issue 19), on both backends: the Digital
//! Credentials Consortium's `@digitalcredentials/verifier-core` (the engine of VerifierPlus),
//! run by node on `scripts/verifier/verify.mjs`, checks a credential fetched from the API of a
//! test server on loopback. It resolves the issuer's did:web to the server's own DID document,
//! checks the eddsa-rdfc-2022 proof with the contexts of its own packages, and reads the status
//! list the credential names. Nothing reaches the internet.
//!
//! `scripts/test-services.sh` installs the verifier (pinned by `scripts/verifier/package-lock.json`)
//! into `${XDG_CACHE_HOME:-~/.cache}/khuyenhoc-test/verifier`; `KHUYENHOC_TEST_VERIFIER` may
//! name another folder holding its `node_modules`, `KHUYENHOC_TEST_NODE` another node.

mod common;
use common::*;
use khuyenhoc::db::Backend;
use serde_json::{json, Value};
use std::path::PathBuf;

fn verifier_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("KHUYENHOC_TEST_VERIFIER") {
        return PathBuf::from(dir);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from(".cache"));
    cache.join("khuyenhoc-test/verifier")
}

/// The 1EdTech Open Badges 3.0 AchievementCredential JSON Schema, bundled for the tests; the
/// verifier checks it too when it is served to it.
fn ob_schema_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ob_v3p0_achievementcredential_schema.json")
}

/// The JSON-LD contexts the program signs with (`khuyenhoc-docs/contexts`): the verifier gets the
/// one its packages lack (undefined terms, in the record's summary) from there.
fn contexts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../khuyenhoc-docs/contexts")
}

/// A test app whose public address is its own server on loopback, so did:web resolves to it:
/// (app, origin, address).
async fn served(b: Backend) -> (TestApp, String, std::net::SocketAddr) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let origin = format!("http://{addr}");
    let public = origin.clone();
    let app = TestApp::with_settings(b, move |s| s.public_url = Some(public)).await;
    let service = app
        .router
        .clone()
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, service).await;
    });
    (app, origin, addr)
}

/// What the DCC verifier says of `credential` (or of a presentation), and the URLs it fetched.
async fn dcc_verify(credential: &Value, origin: &str) -> (Value, Vec<String>) {
    let dir = verifier_dir();
    assert!(
        dir.join("node_modules/@digitalcredentials/verifier-core")
            .is_dir(),
        "the DCC verifier is not installed in {}: run scripts/test-services.sh",
        dir.display()
    );
    // The script runs from the folder of its node_modules; the repository's copy is the one.
    let script = dir.join("verify.mjs");
    std::fs::write(
        &script,
        include_str!("../../../scripts/verifier/verify.mjs"),
    )
    .expect("script");
    let work = tempfile::tempdir().expect("temp");
    let file = work.path().join("credential.json");
    std::fs::write(&file, credential.to_string()).expect("credential file");
    let node = std::env::var("KHUYENHOC_TEST_NODE").unwrap_or_else(|_| "/usr/bin/node".into());
    let mut cmd = tokio::process::Command::new(node);
    cmd.arg(&script).arg(&file).arg(origin);
    cmd.arg(ob_schema_file()).arg(contexts_dir());
    let out = tokio::time::timeout(std::time::Duration::from_secs(120), cmd.output())
        .await
        .expect("the verifier finished within two minutes")
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "verifier failed: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout.lines().last().unwrap_or_default();
    let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let fetched = v["fetched"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|u| u.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    (v["result"].clone(), fetched)
}

/// The verdict of one step of the verifier's log (`valid_signature`, `revocation_status`, …).
fn step(result: &Value, id: &str) -> Option<bool> {
    result["log"]
        .as_array()?
        .iter()
        .find(|e| e["id"] == id)
        .and_then(|e| e["valid"].as_bool())
}

both_backends!(
    the_dcc_verifier_accepts_ours_rejects_a_change_and_sees_revocation,
    |b: Backend| async move {
        // The public address is the test server's own, so did:web resolves to it.
        let (app, origin, addr) = served(b).await;

        let mut chair = app.api_client(BADINH).await;
        let id = register_person(&app, &mut chair, "00004-1", "Lê Thị Thu", "0915300001").await;
        citizen_evaluation(&app, &mut chair, id, this_year(), Stage::Recognised).await;
        let code: String = sqlx::query_scalar(
            "SELECT c.code FROM certificates c JOIN evaluations e ON e.id = c.evaluation_id \
             WHERE e.subject_kind = 'person' AND e.subject_id = $1",
        )
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .expect("certificate");
        let path = format!("/api/v1/certificates/{code}/credential");
        let cred = ok(&app, &mut chair, "GET", &path, json!(null)).await;
        let did = format!("did:web:{}", addr.to_string().replace(':', "%3A"));
        assert_eq!(cred["issuer"]["id"], format!("{did}:units:00004"));

        // Genuine: signature valid, the key from our DID document, not revoked, not expired.
        let (result, fetched) = dcc_verify(&cred, &origin).await;
        assert!(result.get("errors").is_none(), "{result:#}");
        assert_eq!(step(&result, "valid_signature"), Some(true), "{result:#}");
        assert_eq!(step(&result, "revocation_status"), Some(true), "{result:#}");
        assert_eq!(step(&result, "expiration"), Some(true), "{result:#}");
        let did_doc = format!("https://{addr}/units/00004/did.json");
        assert!(fetched.contains(&did_doc), "{fetched:?}");
        let list = cred["credentialStatus"]["statusListCredential"]
            .as_str()
            .expect("list");
        assert!(fetched.iter().any(|u| u == list), "{fetched:?}");
        assert!(
            fetched.iter().all(|u| u.contains(&addr.to_string())
                || u.starts_with("https://purl.imsglobal.org/spec/ob/v3p0/schema/")),
            "nothing but the test server (and the bundled schema): {fetched:?}"
        );
        // The Open Badges JSON Schema check the verifier adds passes too.
        let schema = &result["additionalInformation"][0];
        assert_eq!(schema["id"], "schema_check", "{result:#}");
        assert_eq!(schema["results"][0]["result"]["valid"], true, "{result:#}");

        // One character of the subject changed: rejected.
        let mut changed = cred.clone();
        changed["credentialSubject"]["name"] = "Lê Thị Thư".into();
        let (result, _) = dcc_verify(&changed, &origin).await;
        assert_ne!(step(&result, "valid_signature"), Some(true), "{result:#}");
        assert_eq!(
            result["errors"][0]["name"], "invalid_signature",
            "{result:#}"
        );

        // Revoked: the same credential, now reported revoked through the status list.
        ok(
            &app,
            &mut chair,
            "POST",
            &format!("/api/v1/certificates/{code}/revoke"),
            json!({"reason": "Cấp nhầm người"}),
        )
        .await;
        app.run_jobs().await;
        let again = ok(&app, &mut chair, "GET", &path, json!(null)).await;
        assert_eq!(again, cred, "the credential served is the same");
        let (result, _) = dcc_verify(&cred, &origin).await;
        assert_eq!(step(&result, "valid_signature"), Some(true), "{result:#}");
        assert_eq!(
            step(&result, "revocation_status"),
            Some(false),
            "{result:#}"
        );
    }
);

both_backends!(
    the_dcc_verifier_accepts_the_record_bundle,
    |b: Backend| async move {
        let (app, origin, addr) = served(b).await;
        let mut chair = app.api_client(BADINH).await;
        let citizen = app.person_id(CITIZEN).await;
        citizen_evaluation(&app, &mut chair, citizen, this_year(), Stage::Recognised).await;
        // The citizen downloads her record's signed bundle (a Verifiable Presentation holding
        // her certificate as issued and a summary credential, signed as the central office).
        let web = app.login(CITIZEN).await;
        let (status, _, bytes) = app.download(&web, "/me/record/presentation.json").await;
        assert_eq!(status, axum::http::StatusCode::OK);
        let vp: Value = serde_json::from_slice(&bytes).expect("JSON");
        let held = vp["verifiableCredential"].as_array().expect("held").len();
        assert_eq!(held, 2, "the certificate and the summary: {vp:#}");

        let (result, fetched) = dcc_verify(&vp, &origin).await;
        assert!(result.get("errors").is_none(), "{result:#}");
        assert_eq!(
            result["presentationResult"]["signature"], "valid",
            "{result:#}"
        );
        let creds = result["credentialResults"].as_array().expect("results");
        assert_eq!(creds.len(), held, "{result:#}");
        for c in creds {
            assert_eq!(step(c, "valid_signature"), Some(true), "{result:#}");
        }
        let vn = format!("https://{addr}/units/VN/did.json");
        assert!(fetched.contains(&vn), "{fetched:?}");

        // The summary's name changed by one letter: the presentation no longer verifies.
        let mut changed = vp.clone();
        let summary = changed["verifiableCredential"]
            .as_array_mut()
            .and_then(|a| {
                a.iter_mut()
                    .find(|c| c["credentialSubject"]["type"][0] == "LearningRecordSubject")
            })
            .expect("summary");
        summary["credentialSubject"]["name"] = "Đỗ Thị Lam".into();
        let (result, _) = dcc_verify(&changed, &origin).await;
        assert_ne!(
            result["presentationResult"]["signature"], "valid",
            "{result:#}"
        );
    }
);
