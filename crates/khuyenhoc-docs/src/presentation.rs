//! Any JSON-LD document (a summary credential, a Verifiable Presentation) secured with an
//! embedded Data Integrity proof, cryptosuite `eddsa-jcs-2022`, as the W3C Recommendation
//! writes it: the proof configuration (type, cryptosuite, verificationMethod, proofPurpose and
//! the document's `@context`) and the document without `proof` are each canonicalised with JCS
//! and SHA-256 hashed; Ed25519 signs the 64 bytes; the proof written into the document keeps
//! `@context` (Create Proof, step 2), so a verifier that follows the specification hashes the
//! bytes that were signed.
//!
//! [`verify_presentation`] checks a Verifiable Presentation made by the application's
//! lifelong-learning record (`record/bundle.rs`): its own proof, then every credential it holds
//! (the Open Badges certificates through [`crate::verify_badge`], any other through
//! [`verify_document`]), all with the program's key.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::jcs::canonicalize;
use crate::{DocError, Invalid, CRYPTOSUITE};

fn malformed(vi: &'static str, en: &'static str) -> DocError {
    DocError::Malformed(Invalid::new(vi, en))
}

fn hash_data(unsecured: &Map<String, Value>, config: &Map<String, Value>) -> [u8; 64] {
    let config_hash = Sha256::digest(canonicalize(&Value::Object(config.clone())).as_bytes());
    let doc_hash = Sha256::digest(canonicalize(&Value::Object(unsecured.clone())).as_bytes());
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&config_hash);
    out[32..].copy_from_slice(&doc_hash);
    out
}

/// `did:key:z6Mk…#z6Mk…`: the verification method of a key.
pub fn did_key_method(key: &VerifyingKey) -> String {
    let mb = crate::encode_verifying_key(key);
    format!("did:key:{mb}#{mb}")
}

/// `doc` (a JSON object; anything else is returned as given) with an `eddsa-jcs-2022` proof
/// for `proof_purpose` (`assertionMethod` for a credential, `authentication` for a
/// presentation) made with `key`, named by its `did:key` verification method. A proof the
/// document already had is replaced.
pub fn sign_document(doc: Value, key: &SigningKey, proof_purpose: &str) -> Value {
    let Value::Object(mut unsecured) = doc else {
        return doc;
    };
    unsecured.remove("proof");
    let mut config = Map::new();
    config.insert("type".into(), "DataIntegrityProof".into());
    config.insert("cryptosuite".into(), CRYPTOSUITE.into());
    config.insert(
        "verificationMethod".into(),
        did_key_method(&key.verifying_key()).into(),
    );
    config.insert("proofPurpose".into(), proof_purpose.into());
    if let Some(ctx) = unsecured.get("@context") {
        config.insert("@context".into(), ctx.clone());
    }
    let signature = key.sign(&hash_data(&unsecured, &config));
    config.insert(
        "proofValue".into(),
        format!("z{}", bs58::encode(signature.to_bytes()).into_string()).into(),
    );
    unsecured.insert("proof".into(), Value::Object(config));
    Value::Object(unsecured)
}

/// Checks the one embedded `eddsa-jcs-2022` proof of `doc` against `key`.
///
/// # Errors
/// [`DocError::Malformed`] without one such proof (or with a proof `@context` other than the
/// document's); [`DocError::BadSignature`] when the document changed or another key signed.
pub fn verify_document(doc: &Value, key: &VerifyingKey) -> Result<(), DocError> {
    let Value::Object(doc) = doc else {
        return Err(malformed(
            "Tài liệu không phải một đối tượng JSON",
            "The document is not a JSON object",
        ));
    };
    let mut unsecured = doc.clone();
    let Some(Value::Object(mut config)) = unsecured.remove("proof") else {
        return Err(malformed(
            "Tài liệu không có chữ ký (proof)",
            "The document has no single proof object",
        ));
    };
    let suite_ok = config.get("type").and_then(Value::as_str) == Some("DataIntegrityProof")
        && config.get("cryptosuite").and_then(Value::as_str) == Some(CRYPTOSUITE);
    if !suite_ok || config.get("@context") != unsecured.get("@context") {
        return Err(malformed(
            "Chữ ký không theo bộ mã eddsa-jcs-2022",
            "The proof is not a DataIntegrityProof with cryptosuite eddsa-jcs-2022 and the document's context",
        ));
    }
    let bad_value = || {
        malformed(
            "Giá trị chữ ký không hợp lệ",
            "The proofValue is not a base58btc Ed25519 signature",
        )
    };
    let Some(Value::String(value)) = config.remove("proofValue") else {
        return Err(bad_value());
    };
    let encoded = value.strip_prefix('z').ok_or_else(bad_value)?;
    let bytes = bs58::decode(encoded).into_vec().map_err(|_| bad_value())?;
    let bytes: [u8; 64] = bytes.try_into().map_err(|_| bad_value())?;
    key.verify_strict(
        &hash_data(&unsecured, &config),
        &Signature::from_bytes(&bytes),
    )
    .map_err(|_| DocError::BadSignature)
}

fn has_type(v: &Value, wanted: &str) -> bool {
    match v.get("type") {
        Some(Value::String(s)) => s == wanted,
        Some(Value::Array(items)) => items.iter().any(|t| t.as_str() == Some(wanted)),
        _ => false,
    }
}

/// Checks a Verifiable Presentation: its own proof, then each credential it holds, all made
/// with `key`. Validity in time and revocation are the caller's questions.
///
/// # Errors
/// [`DocError::Malformed`] when it is not a presentation of credentials with proofs;
/// [`DocError::BadSignature`] when it or one of its credentials changed after signing.
pub fn verify_presentation(vp: &Value, key: &VerifyingKey) -> Result<(), DocError> {
    if !has_type(vp, "VerifiablePresentation") {
        return Err(malformed(
            "Không phải một bản trình bày (Verifiable Presentation)",
            "Not a Verifiable Presentation",
        ));
    }
    verify_document(vp, key)?;
    let Some(Value::Array(held)) = vp.get("verifiableCredential") else {
        return Err(malformed(
            "Bản trình bày không chứa chứng nhận nào",
            "The presentation holds no credentials",
        ));
    };
    for credential in held {
        if has_type(credential, "OpenBadgeCredential") {
            crate::verify_badge(credential, key)?;
        } else {
            verify_document(credential, key)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_signed_presentation_verifies_and_any_change_breaks_it() {
        let key = SigningKey::from_bytes(&[9; 32]);
        let summary = sign_document(
            json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential", "LearningRecordSummary"], "credentialSubject": {"name": "Đỗ Thị Lan"}}),
            &key,
            "assertionMethod",
        );
        assert_eq!(summary["proof"]["@context"], summary["@context"]);
        let vp = sign_document(
            json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"], "verifiableCredential": [summary]}),
            &key,
            "authentication",
        );
        let public = key.verifying_key();
        assert_eq!(verify_presentation(&vp, &public), Ok(()));
        let other = SigningKey::from_bytes(&[8; 32]).verifying_key();
        assert_eq!(
            verify_presentation(&vp, &other),
            Err(DocError::BadSignature)
        );
        let mut changed = vp.clone();
        changed["verifiableCredential"][0]["credentialSubject"]["name"] = "Đỗ Thị Lam".into();
        assert_eq!(
            verify_presentation(&changed, &public),
            Err(DocError::BadSignature)
        );
        // Re-signing the outer presentation does not hide a changed inner credential.
        let resigned = sign_document(changed, &key, "authentication");
        assert_eq!(
            verify_presentation(&resigned, &public),
            Err(DocError::BadSignature)
        );
        assert!(matches!(
            verify_presentation(&json!({"type": "VerifiableCredential"}), &public),
            Err(DocError::Malformed(_))
        ));
    }
}
