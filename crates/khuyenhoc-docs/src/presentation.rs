//! Checking any JSON-LD document (a summary credential, a Verifiable Presentation) signed by
//! [`crate::sign_document`] (an embedded `eddsa-rdfc-2022` Data Integrity proof, as the W3C
//! Recommendation writes it).
//!
//! [`verify_presentation`] checks a Verifiable Presentation made by the application's
//! lifelong-learning record (`record/bundle.rs`): its own proof, then every credential it holds
//! (the Open Badges certificates through [`crate::verify_badge`], any other through
//! [`verify_document`]), all with the program's key.

use ed25519_dalek::VerifyingKey;
use serde_json::Value;

use crate::{DocError, Invalid};

fn malformed(vi: &'static str, en: &'static str) -> DocError {
    DocError::Malformed(Invalid::new(vi, en))
}

/// Checks the one embedded `eddsa-rdfc-2022` (or `eddsa-jcs-2022`) proof of `doc` against
/// `key` (the credentials' own check, [`crate::verify_proof`]).
///
/// # Errors
/// [`DocError::Malformed`] when `doc` is not a JSON object or has no such proof;
/// [`DocError::BadSignature`] when the document changed or another key signed.
pub fn verify_document(doc: &Value, key: &VerifyingKey) -> Result<(), DocError> {
    let Value::Object(doc) = doc else {
        return Err(malformed(
            "Tài liệu không phải một đối tượng JSON",
            "The document is not a JSON object",
        ));
    };
    crate::verify_proof(doc, key)
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
    use ed25519_dalek::SigningKey;
    use serde_json::json;

    fn sign_document(doc: Value, key: &SigningKey, _purpose: &str) -> Value {
        match doc {
            Value::Object(m) => {
                crate::sign_document(m, key, "did:web:example.org:units:VN#k").expect("signed")
            }
            other => other,
        }
    }

    #[test]
    fn a_signed_presentation_verifies_and_any_change_breaks_it() {
        let key = SigningKey::from_bytes(&[9; 32]);
        let summary = sign_document(
            json!({"@context": ["https://www.w3.org/ns/credentials/v2", crate::UNDEFINED_TERMS_CONTEXT], "type": ["VerifiableCredential", "LearningRecordSummary"], "credentialSubject": {"name": "Đỗ Thị Lan", "year": 2025}}),
            &key,
            "assertionMethod",
        );
        assert_eq!(summary["proof"][0]["cryptosuite"], "eddsa-rdfc-2022");
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
