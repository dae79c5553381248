//! Credentials that verify elsewhere (issue 19), on both backends: a verifier that knows only
//! the credential reads the issuer's did:web document and the status list the credential names
//! (here through the test server's routes) and checks the proof with nothing of ours but the
//! W3C algorithm; the signing key is in no row and no backup; rotation keeps old credentials
//! verifying; nothing is issued without a public address; `credentials reissue` repairs what
//! earlier versions issued, once.

mod common;
use axum::http::StatusCode;
use common::*;
use khuyenhoc::db::Backend;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const DID: &str = "did:web:127.0.0.1%3A8080";

/// Registers `name` in branch 00004-1, recognises them through the API (the Ba Đình chair);
/// their certificate's code and credential.
async fn recognise(app: &TestApp, chair: &mut Client, name: &str, phone: &str) -> (String, Value) {
    let id = register_person(app, chair, "00004-1", name, phone).await;
    citizen_evaluation(app, chair, id, this_year(), Stage::Recognised).await;
    let code: String = sqlx::query_scalar(
        "SELECT c.code FROM certificates c JOIN evaluations e ON e.id = c.evaluation_id \
         WHERE e.subject_kind = 'person' AND e.subject_id = $1 AND c.revoked_at IS NULL",
    )
    .bind(id)
    .fetch_one(&app.db.pool)
    .await
    .expect("certificate");
    let cred = ok(
        app,
        chair,
        "GET",
        &format!("/api/v1/certificates/{code}/credential"),
        json!(null),
    )
    .await;
    (code, cred)
}

/// GET of a public document, as JSON.
async fn fetch(app: &TestApp, path: &str) -> Value {
    let mut anon = Client::default();
    let r = app.get(&mut anon, path).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    r.json()
}

/// did:web resolution (W3C did:web method): `did:web:HOST[:PATH…]` → `https://HOST/PATH…/did.json`
/// or `/.well-known/did.json`; here the test server stands for HOST (checked to be ours).
async fn resolve(app: &TestApp, did: &str) -> Value {
    let rest = did.strip_prefix("did:web:").expect("a did:web");
    let mut parts = rest.split(':');
    let host = parts.next().expect("host").replace("%3A", ":");
    assert_eq!(host, "127.0.0.1:8080", "our public address");
    let path: Vec<&str> = parts.collect();
    let url = if path.is_empty() {
        "/.well-known/did.json".to_owned()
    } else {
        format!("/{}/did.json", path.join("/"))
    };
    let doc = fetch(app, &url).await;
    assert_eq!(doc["id"], did, "the document is the DID's");
    doc
}

/// The key a document's proof names, found the way any verifier finds it: in the DID document
/// of the verification method's DID, listed for assertions, controlled by that DID.
async fn key_of(app: &TestApp, doc: &Value) -> Option<khuyenhoc_docs::VerifyingKey> {
    let vm = khuyenhoc_docs::proof_verification_method(doc)?.to_owned();
    let (did, _) = vm.split_once('#')?;
    let did_doc = resolve(app, did).await;
    let listed = did_doc["assertionMethod"]
        .as_array()?
        .iter()
        .any(|m| m.as_str() == Some(vm.as_str()));
    let method = did_doc["verificationMethod"]
        .as_array()?
        .iter()
        .find(|m| m["id"].as_str() == Some(vm.as_str()))?;
    if !listed || method["controller"] != did || method["type"] != "Multikey" {
        return None;
    }
    khuyenhoc_docs::decode_verifying_key(method["publicKeyMultibase"].as_str()?).ok()
}

/// Whether a Data Integrity proof holds, by a key the issuer's DID publishes.
async fn proof_holds(app: &TestApp, doc: &Value) -> bool {
    match key_of(app, doc).await {
        Some(key) => khuyenhoc_docs::verify_proof(doc.as_object().expect("object"), &key).is_ok(),
        None => false,
    }
}

/// What a verifier outside concludes: "invalid" (proof or issuer), "revoked" (its bit in the
/// signed status list it names), or "valid".
async fn outside_verdict(app: &TestApp, cred: &Value) -> &'static str {
    if !proof_holds(app, cred).await {
        return "invalid";
    }
    let vm = khuyenhoc_docs::proof_verification_method(cred).unwrap_or_default();
    if !vm.starts_with(&format!(
        "{}#",
        cred["issuer"]["id"].as_str().unwrap_or("-")
    )) {
        return "invalid";
    }
    let status = &cred["credentialStatus"];
    assert_eq!(status["type"], "BitstringStatusListEntry");
    assert_eq!(status["statusPurpose"], "revocation");
    let url = status["statusListCredential"].as_str().expect("list URL");
    let path = url
        .strip_prefix("http://127.0.0.1:8080")
        .expect("a list of ours");
    let list = fetch(app, path).await;
    assert_eq!(list["id"], url);
    assert_eq!(list["type"][1], "BitstringStatusListCredential");
    assert_eq!(list["issuer"], cred["issuer"]["id"], "the same issuer");
    assert!(proof_holds(app, &list).await, "the list is signed: {list}");
    let subject = &list["credentialSubject"];
    assert_eq!(subject["statusPurpose"], "revocation");
    let bits = khuyenhoc::credentials::status::decode(
        subject["encodedList"].as_str().expect("encodedList"),
    )
    .expect("GZIP, base64url");
    assert!(bits.len() >= 16_384, "at least 16 KB");
    let index: u64 = status["statusListIndex"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("index");
    if khuyenhoc::credentials::status::is_set(&bits, index) {
        "revoked"
    } else {
        "valid"
    }
}

both_backends!(
    the_credential_is_valid_under_the_open_badges_json_schema,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut chair = app.api_client(BADINH).await;
        let (_, cred) = recognise(&app, &mut chair, "Vũ Thị Mai", "0915200009").await;
        // The 1EdTech AchievementCredential schema (VC 2.0 form), bundled: tests/fixtures.
        let schema: Value = serde_json::from_str(include_str!(
            "fixtures/ob_v3p0_achievementcredential_schema.json"
        ))
        .expect("schema");
        let validator = jsonschema::validator_for(&schema).expect("a valid schema");
        let errors: Vec<String> = validator
            .iter_errors(&cred)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        // The check can fail: a subject without `achievement`, a proof that is not an array.
        let mut broken = cred.clone();
        broken["credentialSubject"]
            .as_object_mut()
            .expect("subject")
            .remove("achievement");
        assert!(!validator.is_valid(&broken));
        let mut broken = cred.clone();
        broken["proof"] = cred["proof"][0].clone();
        assert!(!validator.is_valid(&broken));
    }
);

both_backends!(
    a_credential_verifies_from_the_published_documents_alone,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut chair = app.api_client(BADINH).await;
        let (code, cred) = recognise(&app, &mut chair, "Phạm Thị Hoa", "0915200001").await;
        // The issuer is the commune that recognised, as its did:web; the proof is an array of
        // one eddsa-rdfc-2022 proof (the credential's @context applies to it).
        assert_eq!(cred["issuer"]["id"], format!("{DID}:units:00004"));
        assert_eq!(cred["issuer"]["name"], "Hội Khuyến học Phường Ba Đình");
        let proof = &cred["proof"][0];
        assert_eq!(cred["proof"].as_array().map(Vec::len), Some(1));
        assert!(proof.get("@context").is_none());
        assert_eq!(proof["cryptosuite"], "eddsa-rdfc-2022");
        // The holder is identified by a salted hash of her phone, never the phone itself.
        let id = &cred["credentialSubject"]["identifier"][0];
        assert_eq!(id["type"], "IdentityObject");
        assert_eq!(id["hashed"], true);
        assert_eq!(id["identityType"], "ext:phoneNumber");
        let salt = id["salt"].as_str().expect("salt");
        assert!(salt.len() >= 16, "{salt}");
        let hex: String = Sha256::digest(format!("0915200001{salt}").as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(id["identityHash"], format!("sha256${hex}"));
        assert!(!cred.to_string().contains("0915200001"));
        // The Association's own DID document publishes the same key.
        let assoc = resolve(&app, DID).await;
        assert_eq!(
            assoc["verificationMethod"].as_array().map(Vec::len),
            Some(1)
        );

        assert_eq!(outside_verdict(&app, &cred).await, "valid");
        // One character of the subject changed: rejected.
        let mut tampered = cred.clone();
        tampered["credentialSubject"]["name"] = json!("Phạm Thị Hoà");
        assert_eq!(outside_verdict(&app, &tampered).await, "invalid");
        // Another issuer's name on the same proof: rejected too.
        let mut tampered = cred.clone();
        tampered["issuer"]["id"] = json!(format!("{DID}:units:04795"));
        assert_eq!(outside_verdict(&app, &tampered).await, "invalid");
        // Unknown units have no DID document nor list.
        let mut anon = Client::default();
        for path in ["/units/NOPE/did.json", "/units/NOPE/status"] {
            assert_eq!(app.get(&mut anon, path).await.status, StatusCode::NOT_FOUND);
        }

        // The verify page names the list and its bit.
        let page = app.get(&mut anon, &format!("/verify/{code}")).await;
        assert!(page.body.contains("Không bị thu hồi"), "{}", page.body);
        assert!(page.body.contains("/units/00004/status"), "{}", page.body);
        assert!(
            page.body
                .contains(&format!("href=\"/api/v1/certificates/{code}\"")),
            "the page links its JSON"
        );
        // The public JSON answers the same bit of the same list.
        let status_of = |v: &Value| v["status_list"].clone();
        let public = fetch(&app, &format!("/api/v1/certificates/{code}")).await;
        let entry = &cred["credentialStatus"];
        assert_eq!(
            status_of(&public),
            json!({
                "status": "active",
                "url": entry["statusListCredential"],
                "index": entry["statusListIndex"].as_str().and_then(|s| s.parse::<u64>().ok()),
            })
        );

        // Revoked: the credential served is the same, the verifier outside learns it at once.
        ok(
            &app,
            &mut chair,
            "POST",
            &format!("/api/v1/certificates/{code}/revoke"),
            json!({"reason": "Cấp nhầm người"}),
        )
        .await;
        let again = ok(
            &app,
            &mut chair,
            "GET",
            &format!("/api/v1/certificates/{code}/credential"),
            json!(null),
        )
        .await;
        assert_eq!(again, cred);
        assert_eq!(outside_verdict(&app, &cred).await, "revoked");
        let page = app.get(&mut anon, &format!("/verify/{code}")).await;
        assert!(page.body.contains("Đã đánh dấu thu hồi"), "{}", page.body);
        let public = fetch(&app, &format!("/api/v1/certificates/{code}")).await;
        assert_eq!(public["status_list"]["status"], "revoked", "{public}");
        assert_eq!(public["status_list"]["url"], entry["statusListCredential"]);
    }
);

/// The text of a backup: the SQLite file's bytes, or PostgreSQL's custom dump as SQL.
fn backup_text(b: Backend, file: &std::path::Path) -> String {
    match b {
        Backend::Sqlite => String::from_utf8_lossy(&std::fs::read(file).expect("backup")).into(),
        Backend::Postgres => {
            let out = std::process::Command::new("pg_restore")
                .arg("--file=-")
                .arg(file)
                .output()
                .expect("pg_restore");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).into()
        }
    }
}

both_backends!(
    the_key_is_in_no_database_row_and_no_backup,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut chair = app.api_client(BADINH).await;
        recognise(&app, &mut chair, "Phạm Văn Nam", "0915200002").await;
        let secret = std::fs::read_to_string(&app.key_file).expect("key file");
        let secret = secret.trim();
        let key = khuyenhoc_docs::decode_signing_key(secret).expect("a key");
        let public = khuyenhoc_docs::encode_verifying_key(&key.verifying_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&app.key_file)
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "the key file is the owner's only");
        }
        // No column can hold it any more.
        assert!(sqlx::query("SELECT secret_key FROM signing_keys")
            .fetch_all(&app.db.pool)
            .await
            .is_err());
        let dir = tempfile::tempdir().expect("dir");
        let dest = dir.path().join("backup");
        khuyenhoc::ops::backup(&app.db, &app.url, &dest)
            .await
            .expect("backup");
        let text = backup_text(b, &dest);
        assert!(text.contains(&public), "the backup holds the public key");
        assert!(!text.contains(secret), "the backup holds the secret key");
        // Nor its raw bytes (the SQLite file).
        let raw = std::fs::read(&dest).expect("backup");
        assert!(!raw.windows(32).any(|w| w == key.as_bytes()));
    }
);

both_backends!(
    rotation_keeps_old_credentials_verifying,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut chair = app.api_client(BADINH).await;
        let (_, old) = recognise(&app, &mut chair, "Vũ Thị Mai", "0915200003").await;
        let (before, after) = khuyenhoc::credentials::keys::rotate(&app.db, &app.key_file)
            .await
            .expect("rotate");
        assert_ne!(before, after);
        let (_, new) = recognise(&app, &mut chair, "Vũ Văn Minh", "0915200004").await;
        let vm = |c: &Value| {
            khuyenhoc_docs::proof_verification_method(c)
                .unwrap_or_default()
                .to_owned()
        };
        assert!(vm(&old).ends_with(&before), "{}", vm(&old));
        assert!(vm(&new).ends_with(&after), "{}", vm(&new));
        let did_doc = resolve(&app, &format!("{DID}:units:00004")).await;
        assert_eq!(did_doc["assertionMethod"].as_array().map(Vec::len), Some(2));
        assert_eq!(outside_verdict(&app, &old).await, "valid");
        assert_eq!(outside_verdict(&app, &new).await, "valid");
        // A key never published does not verify, though the signature is right.
        let stranger = khuyenhoc_docs::SigningKey::from_bytes(&[9; 32]);
        let forged = khuyenhoc_docs::sign_document(
            old.as_object().expect("object").clone(),
            &stranger,
            &format!(
                "{DID}:units:00004#{}",
                khuyenhoc_docs::encode_verifying_key(&stranger.verifying_key())
            ),
        )
        .expect("signed");
        assert_eq!(outside_verdict(&app, &forged).await, "invalid");
    }
);

both_backends!(
    without_a_public_address_or_a_key_nothing_is_issued,
    |b: Backend| async move {
        for tweak in [
            (|s: &mut khuyenhoc::config::Settings| s.public_url = None)
                as fn(&mut khuyenhoc::config::Settings),
            |s| s.credential_key_file = None,
        ] {
            let app = TestApp::with_settings(b, tweak).await;
            let mut chair = app.api_client(BADINH).await;
            let id =
                register_person(&app, &mut chair, "00004-1", "Đặng Thị Thu", "0915200005").await;
            let e = citizen_evaluation(&app, &mut chair, id, this_year(), Stage::Checked).await;
            let eid = e["evaluation"]["id"].as_i64().expect("id");
            let r = app
                .json(
                    &mut chair,
                    "POST",
                    &format!("/api/v1/evaluations/{eid}/review"),
                    json!({"decision": "recognise", "decision_no": "02/QĐ-KH", "decision_date": khuyenhoc::db::today()}),
                )
                .await;
            let j = problem(&r, StatusCode::BAD_REQUEST, "not configured");
            assert!(j.to_string().contains("Chưa thể cấp chứng nhận số"), "{j}");
            assert_eq!(scalar(&app, "SELECT COUNT(*) FROM certificates").await, 0);
            assert!(
                !khuyenhoc::credentials::configuration_problems(&app.state.settings).is_empty()
            );
        }
    }
);

both_backends!(
    reissue_repairs_old_credentials_once,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let mut chair = app.api_client(BADINH).await;
        let (legacy, cred) = recognise(&app, &mut chair, "Lý Văn Tài", "0915200006").await;
        let (moved, moved_cred) = recognise(&app, &mut chair, "Lý Thị Hằng", "0915200007").await;
        let (fine, fine_cred) = recognise(&app, &mut chair, "Lý Văn Đức", "0915200008").await;
        let (jcs, jcs_cred) = recognise(&app, &mut chair, "Lý Thị Nga", "0915200010").await;
        // What an earlier version wrote: no status, an http issuer, one proof object.
        let mut old = cred.clone();
        let map = old.as_object_mut().expect("object");
        map.remove("credentialStatus");
        map.insert("proof".into(), cred["proof"][0].clone());
        old["issuer"]["id"] = json!("http://127.0.0.1:8080/units/00004-1");
        // One signed under another public address, with a status bit.
        let mut elsewhere = moved_cred.clone();
        elsewhere["issuer"]["id"] = json!("did:web:old.example.vn:units:00004");
        // One of the eddsa-jcs-2022 proofs the previous version signed.
        let mut old_suite = jcs_cred.clone();
        old_suite["proof"][0]["cryptosuite"] = json!("eddsa-jcs-2022");
        for (code, c) in [(&legacy, &old), (&moved, &elsewhere), (&jcs, &old_suite)] {
            sqlx::query("UPDATE certificates SET credential = $1 WHERE code = $2")
                .bind(c.to_string())
                .bind(code)
                .execute(&app.db.pool)
                .await
                .expect("update");
        }
        let in_force = scalar(
            &app,
            "SELECT COUNT(*) FROM certificates WHERE revoked_at IS NULL",
        )
        .await;
        let report = khuyenhoc::credentials::reissue::run(&app.state)
            .await
            .expect("reissue");
        assert_eq!(report.reissued, 3);
        assert_eq!(i64::try_from(report.current).ok(), Some(in_force - 3));
        let again = khuyenhoc::credentials::reissue::run(&app.state)
            .await
            .expect("reissue");
        assert_eq!(
            (again.reissued, i64::try_from(again.current).ok()),
            (0, Some(in_force))
        );
        let stored = |code: String| {
            let db = app.db.clone();
            async move {
                let s: String =
                    sqlx::query_scalar("SELECT credential FROM certificates WHERE code = $1")
                        .bind(&code)
                        .fetch_one(&db.pool)
                        .await
                        .expect("credential");
                serde_json::from_str::<Value>(&s).expect("json")
            }
        };
        let new_legacy = stored(legacy.clone()).await;
        let new_moved = stored(moved.clone()).await;
        let new_jcs = stored(jcs.clone()).await;
        assert_eq!(new_jcs["proof"][0]["cryptosuite"], "eddsa-rdfc-2022");
        assert_eq!(outside_verdict(&app, &new_jcs).await, "valid");
        assert_eq!(
            stored(fine.clone()).await,
            fine_cred,
            "a current one is left alone"
        );
        // Same codes, new proofs that verify; the old credential's bit is set.
        assert!(new_legacy["id"]
            .as_str()
            .is_some_and(|i| i.ends_with(&legacy)));
        assert_eq!(outside_verdict(&app, &new_legacy).await, "valid");
        assert_eq!(outside_verdict(&app, &new_moved).await, "valid");
        assert_ne!(
            new_moved["credentialStatus"]["statusListIndex"],
            moved_cred["credentialStatus"]["statusListIndex"]
        );
        assert_eq!(outside_verdict(&app, &moved_cred).await, "revoked");
        let audits = scalar(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'certificate' AND action = 'reissue'",
        )
        .await;
        assert_eq!(audits, 3);
    }
);
