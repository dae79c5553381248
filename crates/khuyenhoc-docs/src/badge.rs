//! Long file: half of it is the tests (every byte flipped, the W3C examples and test vectors)
//! that hold the signing code to the specification.
//!
//! The recognition as an Open Badges 3.0 credential (the `AchievementCredential` data model,
//! typed `["VerifiableCredential", "OpenBadgeCredential"]` as the specification requires;
//! `AchievementCredential` is an alias of `OpenBadgeCredential` in the OB 3.0 context), secured
//! with an embedded Data Integrity proof, cryptosuite `eddsa-rdfc-2022` (W3C Data Integrity
//! EdDSA Cryptosuites v1.0, 3.3), which Open Badges 3.0 certification asks for:
//!
//! 1. the proof configuration (type, cryptosuite, verificationMethod, proofPurpose, with the
//!    credential's `@context`) is expanded to RDF with the bundled contexts, canonicalised
//!    with RDFC-1.0 ([`crate::rdfc`]) and SHA-256 hashed;
//! 2. the credential without its `proof`, the same way;
//! 3. the 64 bytes `hash(proof configuration) || hash(credential)` are signed with Ed25519;
//! 4. the proof is the configuration without `@context` plus `proofValue`, the signature as
//!    multibase base58btc (`z…`); `proof` is an array of this one proof, as the Open Badges
//!    3.0 JSON Schema expects.
//!
//! [`verify_proof`] also checks the `eddsa-jcs-2022` proofs (JCS, RFC 8785, in place of
//! RDF canonicalisation) that earlier versions issued, so credentials already handed out keep
//! verifying until `khuyenhoc credentials reissue` replaces them.
//!
//! Keys are stored as Multikey strings: the public key `z6Mk…` (multicodec `ed25519-pub`),
//! the secret key `z3u2…` (multicodec `ed25519-priv`). The verification method is given by the
//! caller: the key's entry in the issuer's DID document (`did:web:…#z6Mk…`).
//!
//! Tests reproduce the W3C eddsa-rdfc-2022 test vector byte for byte and verify the published
//! eddsa-jcs-2022 example, so canonicalisation, hashing and proof layout match other
//! implementations.
//!
//! [`verify_badge`] checks integrity and origin only. Whether the credential is still valid
//! (`validUntil`) or revoked is the caller's question: it has the clock and the database.

use chrono::{Datelike, NaiveDate};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use ed25519_dalek::{Signature, Signer};
pub use ed25519_dalek::{SigningKey, VerifyingKey};

use crate::credential::{
    Achievement, AchievementCriteria, AchievementSubject, Credential, IdentityObject, Profile,
    Proof, StatusEntry,
};
use crate::jcs::canonicalize;
use crate::{DocError, Invalid};

/// The W3C Verifiable Credentials 2.0 context.
pub const VC_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
/// The W3C context that maps terms no other context defines to
/// `https://www.w3.org/ns/credentials/undefined-term#…`, so they are signed rather than dropped.
pub const UNDEFINED_TERMS_CONTEXT: &str = "https://www.w3.org/ns/credentials/undefined-terms/v2";
/// The Open Badges 3.0 context.
pub const OB_CONTEXT: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
/// The Data Integrity cryptosuite of the proofs this crate makes.
pub const CRYPTOSUITE: &str = "eddsa-rdfc-2022";
/// The cryptosuite of earlier proofs, still verified.
pub const JCS_CRYPTOSUITE: &str = "eddsa-jcs-2022";

/// Multicodec prefixes (unsigned varints) of Ed25519 keys.
const ED25519_PUB: [u8; 2] = [0xed, 0x01];
const ED25519_PRIV: [u8; 2] = [0x80, 0x26];

/// What the credential says. Texts are cleaned to NFC like the PDFs' texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadgeInput {
    /// The public verify page of this recognition; becomes the credential's `id`.
    pub verify_url: String,
    /// A URL (or DID) naming the issuing unit, e.g. its public page.
    pub issuer_id: String,
    /// The issuing unit, e.g. "Hội Khuyến học Phường Ba Đình".
    pub issuer_name: String,
    /// The holder's full name.
    pub holder_name: String,
    /// A URL naming the achievement, e.g. the criteria set's public page.
    pub achievement_id: String,
    /// e.g. "Công dân học tập năm 2025".
    pub achievement_name: String,
    /// One or two sentences on what the recognition means.
    pub achievement_description: String,
    /// How it is earned (the criteria, in words).
    pub criteria_narrative: String,
    /// The recognition decision's date: valid from its start, Vietnam time (UTC+7).
    pub valid_from: NaiveDate,
    /// The last valid day: valid to its end, Vietnam time (UTC+7).
    pub valid_until: NaiveDate,
    /// Who holds it, hashed with a salt into `credentialSubject.identifier`.
    pub identity: Identity,
    /// The status list credential's URL and this credential's bit in it.
    pub status: (String, u64),
}

/// An identity of the holder and the salt that hides it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// An Open Badges `IdentifierTypeEnum` value (`systemId`, …) or an extension (`ext:phoneNumber`).
    pub kind: String,
    /// The identity itself (never written into the credential).
    pub value: String,
    /// A random salt, kept in the credential so the holder can show what matches.
    pub salt: String,
}

impl Identity {
    /// `sha256$` and the lowercase hex SHA-256 of the identity followed by the salt.
    pub fn hash(&self) -> String {
        let digest = Sha256::digest(format!("{}{}", self.value, self.salt).as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("sha256${hex}")
    }
}

fn iso(d: NaiveDate, time: &str) -> String {
    format!(
        "{:04}-{:02}-{:02}T{time}+07:00",
        d.year(),
        d.month(),
        d.day()
    )
}

fn text(s: &str) -> String {
    khuyenhoc_domain::text::clean(s)
}

fn types(names: &[&str]) -> Vec<String> {
    names.iter().map(|t| (*t).to_owned()).collect()
}

/// The unsigned credential.
fn credential(input: &BadgeInput) -> Credential {
    Credential {
        context: types(&[VC_CONTEXT, OB_CONTEXT]),
        id: input.verify_url.trim().to_owned(),
        kind: types(&["VerifiableCredential", "OpenBadgeCredential"]),
        name: text(&input.achievement_name),
        issuer: Profile {
            id: input.issuer_id.trim().to_owned(),
            kind: types(&["Profile"]),
            name: text(&input.issuer_name),
        },
        valid_from: iso(input.valid_from, "00:00:00"),
        valid_until: iso(input.valid_until, "23:59:59"),
        credential_subject: AchievementSubject {
            kind: types(&["AchievementSubject"]),
            name: text(&input.holder_name),
            identifier: vec![IdentityObject {
                kind: "IdentityObject".into(),
                hashed: true,
                identity_hash: input.identity.hash(),
                identity_type: input.identity.kind.clone(),
                salt: input.identity.salt.clone(),
            }],
            achievement: Achievement {
                id: input.achievement_id.trim().to_owned(),
                kind: types(&["Achievement"]),
                name: text(&input.achievement_name),
                description: text(&input.achievement_description),
                criteria: AchievementCriteria {
                    narrative: text(&input.criteria_narrative),
                },
            },
        },
        credential_status: StatusEntry {
            id: format!("{}#{}", input.status.0, input.status.1),
            kind: "BitstringStatusListEntry".into(),
            status_purpose: "revocation".into(),
            status_list_index: input.status.1.to_string(),
            status_list_credential: input.status.0.clone(),
        },
    }
}

/// A value of these types as a JSON object (they hold only strings: serialising cannot fail).
fn object(value: &impl serde::Serialize) -> Map<String, Value> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// The `@context` of a document as a list (what a proof configuration takes over).
fn context_of(doc: &Map<String, Value>) -> Option<Value> {
    doc.get("@context").cloned()
}

/// `hash(canonical proof configuration) || hash(canonical document)`, the bytes Ed25519 signs.
/// The configuration is the proof without `proofValue`, given the document's `@context`.
/// eddsa-jcs-2022 canonicalises JSON with JCS; eddsa-rdfc-2022 canonicalises the RDF dataset.
fn hash_data(
    unsecured: &Map<String, Value>,
    proof_config: &Map<String, Value>,
    rdfc: bool,
) -> Result<[u8; 64], DocError> {
    let mut config = proof_config.clone();
    if let Some(ctx) = context_of(unsecured) {
        config.insert("@context".into(), ctx);
    }
    let config = Value::Object(config);
    let doc = Value::Object(unsecured.clone());
    let (config, doc) = if rdfc {
        let canonical = |v: &Value| {
            crate::rdfc::canonical_nquads(v).map_err(|_| {
                malformed(
                    "Tài liệu không đọc được như JSON-LD với các ngữ cảnh (context) có sẵn",
                    "The document cannot be read as JSON-LD with the bundled contexts",
                )
            })
        };
        (canonical(&config)?, canonical(&doc)?)
    } else {
        (canonicalize(&config), canonicalize(&doc))
    };
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&Sha256::digest(config.as_bytes()));
    out[32..].copy_from_slice(&Sha256::digest(doc.as_bytes()));
    Ok(out)
}

/// The credential for `input`, signed with `key` whose entry in the issuer's DID document is
/// `verification_method` (see the module documentation).
///
/// # Errors
/// As [`sign_document`] (not expected: the credential's terms are all in the bundled contexts).
pub fn issue_badge(
    input: &BadgeInput,
    key: &SigningKey,
    verification_method: &str,
) -> Result<Value, DocError> {
    sign_document(object(&credential(input)), key, verification_method)
}

/// Any JSON-LD document (a credential, a presentation, a status list) with an eddsa-rdfc-2022
/// proof added by `key`, named `verification_method` in its controller's DID document. A
/// `proof` the document already has is replaced.
///
/// # Errors
/// [`DocError::Malformed`] when the document names a context that is not bundled or uses a
/// term no context defines (it would go unsigned).
pub fn sign_document(
    unsecured: Map<String, Value>,
    key: &SigningKey,
    verification_method: &str,
) -> Result<Value, DocError> {
    let proof = Proof {
        kind: "DataIntegrityProof".into(),
        cryptosuite: CRYPTOSUITE.into(),
        verification_method: verification_method.to_owned(),
        proof_purpose: "assertionMethod".into(),
        proof_value: String::new(),
    };
    let mut config = object(&proof);
    config.remove("proofValue");
    sign_with_config(unsecured, key, config)
}

/// Adds the proof `config` (without `proofValue`) signed by `key` (eddsa-rdfc-2022).
fn sign_with_config(
    mut unsecured: Map<String, Value>,
    key: &SigningKey,
    mut config: Map<String, Value>,
) -> Result<Value, DocError> {
    unsecured.remove("proof");
    let signature = key.sign(&hash_data(&unsecured, &config, true)?);
    config.insert(
        "proofValue".into(),
        format!("z{}", bs58::encode(signature.to_bytes()).into_string()).into(),
    );
    unsecured.insert("proof".into(), Value::Array(vec![Value::Object(config)]));
    Ok(Value::Object(unsecured))
}

/// The `verificationMethod` of a document's single proof (object or one-element array): the
/// caller finds the public key it names.
pub fn proof_verification_method(document: &Value) -> Option<&str> {
    let proof = match document.get("proof")? {
        Value::Array(items) if items.len() == 1 => &items[0],
        p @ Value::Object(_) => p,
        _ => return None,
    };
    proof.get("verificationMethod")?.as_str()
}

fn malformed(vi: &'static str, en: &'static str) -> DocError {
    DocError::Malformed(Invalid::new(vi, en))
}

fn has_type(v: Option<&Value>, wanted: &str) -> bool {
    match v {
        Some(Value::String(s)) => s == wanted,
        Some(Value::Array(items)) => items.iter().any(|t| t.as_str() == Some(wanted)),
        _ => false,
    }
}

/// Checks that `credential` is an Open Badges credential whose proof (`eddsa-rdfc-2022`, or
/// `eddsa-jcs-2022` of earlier versions) was made with the secret key of `key` over exactly
/// this content.
///
/// # Errors
/// [`DocError::Malformed`] when it is not a credential with one such proof;
/// [`DocError::BadSignature`] when the proof does not verify (content changed, other key).
pub fn verify_badge(credential: &Value, key: &VerifyingKey) -> Result<(), DocError> {
    let Value::Object(doc) = credential else {
        return Err(malformed(
            "Chứng nhận số không phải một đối tượng JSON",
            "The credential is not a JSON object",
        ));
    };
    let context_ok = doc
        .get("@context")
        .and_then(Value::as_array)
        .is_some_and(|c| c.first().and_then(Value::as_str) == Some(VC_CONTEXT));
    if !context_ok
        || !has_type(doc.get("type"), "VerifiableCredential")
        || !has_type(doc.get("type"), "OpenBadgeCredential")
    {
        return Err(malformed(
            "Không phải chứng nhận Open Badges 3.0",
            "Not an Open Badges 3.0 credential",
        ));
    }
    verify_proof(doc, key)
}

/// The Data Integrity part of [`verify_badge`]: one embedded `eddsa-rdfc-2022` or
/// `eddsa-jcs-2022` proof (an object, or an array of one) over the rest of the document,
/// whatever the document is.
///
/// # Errors
/// As [`verify_badge`].
pub fn verify_proof(doc: &Map<String, Value>, key: &VerifyingKey) -> Result<(), DocError> {
    let mut unsecured = doc.clone();
    let proof = match unsecured.remove("proof") {
        Some(Value::Object(p)) => Some(p),
        Some(Value::Array(items)) if items.len() == 1 => match items.into_iter().next() {
            Some(Value::Object(p)) => Some(p),
            _ => None,
        },
        _ => None,
    };
    let Some(mut proof) = proof else {
        return Err(malformed(
            "Chứng nhận số không có chữ ký (proof)",
            "The credential has no single proof",
        ));
    };
    let suite = proof.get("cryptosuite").and_then(Value::as_str);
    let rdfc = suite == Some(CRYPTOSUITE);
    let suite_ok = proof.get("type").and_then(Value::as_str) == Some("DataIntegrityProof")
        && (rdfc || suite == Some(JCS_CRYPTOSUITE))
        && proof.get("proofPurpose").and_then(Value::as_str) == Some("assertionMethod");
    if !suite_ok {
        return Err(malformed(
            "Chữ ký không theo bộ mã eddsa-rdfc-2022 hay eddsa-jcs-2022",
            "The proof is not a DataIntegrityProof with cryptosuite eddsa-rdfc-2022 or eddsa-jcs-2022 for assertionMethod",
        ));
    }
    // A proof may repeat the document's context (eddsa-jcs-2022 does); it may not differ.
    if let Some(ctx) = proof.get("@context") {
        if Some(ctx) != doc.get("@context") {
            return Err(DocError::BadSignature);
        }
    }
    let bad_value = || {
        malformed(
            "Giá trị chữ ký không hợp lệ",
            "The proofValue is not a base58btc Ed25519 signature",
        )
    };
    let Some(Value::String(value)) = proof.remove("proofValue") else {
        return Err(bad_value());
    };
    let encoded = value.strip_prefix('z').ok_or_else(bad_value)?;
    let bytes = bs58::decode(encoded).into_vec().map_err(|_| bad_value())?;
    let bytes: [u8; 64] = bytes.try_into().map_err(|_| bad_value())?;
    let signature = Signature::from_bytes(&bytes);
    key.verify_strict(&hash_data(&unsecured, &proof, rdfc)?, &signature)
        .map_err(|_| DocError::BadSignature)
}

/// A new random issuing key.
///
/// # Errors
/// [`DocError::NoRandomness`] when the operating system gives no random bytes.
pub fn generate_signing_key() -> Result<SigningKey, DocError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|_| DocError::NoRandomness)?;
    Ok(SigningKey::from_bytes(&seed))
}

fn multikey(prefix: [u8; 2], key: &[u8; 32]) -> String {
    let mut bytes = Vec::with_capacity(34);
    bytes.extend_from_slice(&prefix);
    bytes.extend_from_slice(key);
    format!("z{}", bs58::encode(bytes).into_string())
}

fn from_multikey(prefix: [u8; 2], s: &str) -> Option<[u8; 32]> {
    let bytes = bs58::decode(s.trim().strip_prefix('z')?).into_vec().ok()?;
    let rest = bytes.strip_prefix(&prefix[..])?;
    rest.try_into().ok()
}

fn bad_key() -> DocError {
    DocError::Invalid(Invalid::new(
        "Chuỗi khóa không hợp lệ",
        "The key string is not an Ed25519 Multikey of the expected kind",
    ))
}

/// The secret key as a Multikey string (`z3u2…`). Keep it secret: store it like a password
/// hash's pepper, never in the database next to the credentials.
pub fn encode_signing_key(key: &SigningKey) -> String {
    multikey(ED25519_PRIV, key.as_bytes())
}

/// Reads a secret key written by [`encode_signing_key`].
///
/// # Errors
/// [`DocError::Invalid`] when the string is not such a key.
pub fn decode_signing_key(s: &str) -> Result<SigningKey, DocError> {
    from_multikey(ED25519_PRIV, s)
        .map(|b| SigningKey::from_bytes(&b))
        .ok_or_else(bad_key)
}

/// The public key as a Multikey string (`z6Mk…`), as in `did:key`.
pub fn encode_verifying_key(key: &VerifyingKey) -> String {
    multikey(ED25519_PUB, key.as_bytes())
}

/// Reads a public key written by [`encode_verifying_key`].
///
/// # Errors
/// [`DocError::Invalid`] when the string is not such a key (or not a point on the curve).
pub fn decode_verifying_key(s: &str) -> Result<VerifyingKey, DocError> {
    let bytes = from_multikey(ED25519_PUB, s).ok_or_else(bad_key)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| bad_key())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rdfc::tests::fixture as vector;
    use serde_json::json;

    fn input() -> BadgeInput {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
        BadgeInput {
            verify_url: "https://khuyenhoc.example.vn/xac-minh/7f3a9c2e".into(),
            issuer_id: "https://khuyenhoc.example.vn/don-vi/VN-01-00004".into(),
            issuer_name: "Hội Khuyến học Phường Ba Đình".into(),
            holder_name: "Nguye\u{302}\u{303}n Thị Ánh".into(),
            achievement_id: "https://khuyenhoc.example.vn/tieu-chi/cdht-2025".into(),
            achievement_name: "Công dân học tập năm 2025".into(),
            achievement_description: "Danh hiệu dành cho công dân tích cực học tập suốt đời."
                .into(),
            criteria_narrative: "Đạt từ 80 điểm trở lên theo bộ tiêu chí \"Công dân học tập\"."
                .into(),
            valid_from: d(2025, 12, 20),
            valid_until: d(2026, 12, 31),
            identity: Identity {
                kind: "ext:phoneNumber".into(),
                value: "0912345678".into(),
                salt: "c2FsdA".into(),
            },
            status: (
                "https://khuyenhoc.example.vn/units/VN-01-00004/status".into(),
                7,
            ),
        }
    }

    const VM: &str = "did:web:khuyenhoc.example.vn:units:VN-01-00004#z6Mk";

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn issued_badge_verifies_and_has_the_open_badges_shape() {
        let k = key(7);
        let badge = issue_badge(&input(), &k, VM).expect("signed");
        assert_eq!(verify_badge(&badge, &k.verifying_key()), Ok(()));
        assert_eq!(badge["@context"][0], VC_CONTEXT);
        assert_eq!(badge["@context"][1], OB_CONTEXT);
        assert_eq!(badge["type"][1], "OpenBadgeCredential");
        assert_eq!(
            badge["id"],
            "https://khuyenhoc.example.vn/xac-minh/7f3a9c2e"
        );
        assert_eq!(badge["issuer"]["name"], "Hội Khuyến học Phường Ba Đình");
        assert_eq!(badge["validFrom"], "2025-12-20T00:00:00+07:00");
        assert_eq!(badge["validUntil"], "2026-12-31T23:59:59+07:00");
        let subject = &badge["credentialSubject"];
        assert_eq!(subject["type"][0], "AchievementSubject");
        assert_eq!(subject["name"], "Nguyễn Thị Ánh", "NFC");
        assert_eq!(
            subject["achievement"]["criteria"]["narrative"]
                .as_str()
                .map(|s| s.starts_with("Đạt")),
            Some(true)
        );
        let id = &subject["identifier"][0];
        assert_eq!(id["type"], "IdentityObject");
        assert_eq!(id["hashed"], true);
        assert_eq!(id["identityType"], "ext:phoneNumber");
        assert_eq!(id["salt"], "c2FsdA");
        // sha256("0912345678c2FsdA"), computed apart (`printf %s … | sha256sum`).
        assert_eq!(
            id["identityHash"],
            "sha256$76f5de5c9bf368f1a4b767722b3c3246879d933540bd0e2b957d927225a393d8"
        );
        assert!(
            !badge.to_string().contains("0912345678"),
            "the phone is hashed"
        );
        let status = &badge["credentialStatus"];
        assert_eq!(status["type"], "BitstringStatusListEntry");
        assert_eq!(status["statusPurpose"], "revocation");
        assert_eq!(status["statusListIndex"], "7");
        assert_eq!(
            status["id"],
            "https://khuyenhoc.example.vn/units/VN-01-00004/status#7"
        );
        let proofs = badge["proof"].as_array().expect("proof is an array");
        assert_eq!(proofs.len(), 1);
        let proof = &proofs[0];
        assert_eq!(proof["cryptosuite"], CRYPTOSUITE);
        assert!(proof.get("@context").is_none(), "eddsa-rdfc-2022 has none");
        assert!(proof["proofValue"]
            .as_str()
            .is_some_and(|v| v.starts_with('z')));
        assert_eq!(proof["verificationMethod"], VM);
        assert_eq!(proof_verification_method(&badge), Some(VM));
    }

    /// The W3C algorithm read literally (Verify Proof: the proof as written, without
    /// `proofValue`, given the document's `@context`, is the proof configuration), apart from
    /// our own `verify_proof`: the signature is over these bytes.
    #[test]
    fn a_verifier_following_the_specification_gets_the_signed_bytes() {
        let k = key(7);
        let badge = issue_badge(&input(), &k, VM).expect("signed");
        let mut unsecured = badge.as_object().expect("object").clone();
        let Some(Value::Array(proofs)) = unsecured.remove("proof") else {
            panic!("proof array")
        };
        let mut config = proofs[0].as_object().expect("proof").clone();
        let value = config.remove("proofValue").expect("proofValue");
        config.insert("@context".into(), badge["@context"].clone());
        let nquads = |v: Value| crate::rdfc::canonical_nquads(&v).expect("canonical");
        let doc_nquads = nquads(Value::Object(unsecured));
        // Every statement of the credential is in what is signed.
        for expected in [
            "<https://purl.imsglobal.org/spec/vc/ob/vocab.html#identityHash> \"sha256$76f5",
            "<https://purl.imsglobal.org/spec/vc/ob/vocab.html#salt> \"c2FsdA\"",
            "<https://www.w3.org/ns/credentials/status#statusListIndex> \"7\"",
            "\"Nguyễn Thị Ánh\"",
            "<https://www.w3.org/2018/credentials#validUntil> \"2026-12-31T23:59:59+07:00\"^^<http://www.w3.org/2001/XMLSchema#dateTime>",
            "<https://purl.imsglobal.org/spec/vc/ob/vocab.html#narrative> \"Đạt từ 80 điểm",
        ] {
            assert!(doc_nquads.contains(expected), "{expected}\n{doc_nquads}");
        }
        let mut data = Sha256::digest(nquads(Value::Object(config)).as_bytes()).to_vec();
        data.extend(Sha256::digest(doc_nquads.as_bytes()));
        let sig = bs58::decode(&value.as_str().expect("string")[1..])
            .into_vec()
            .expect("base58");
        let sig = Signature::from_bytes(&sig.try_into().expect("64 bytes"));
        assert!(k.verifying_key().verify_strict(&data, &sig).is_ok());
    }

    /// The W3C eddsa-rdfc-2022 test vector: the published key signs the published unsigned
    /// credential with the published proof options into exactly the published signature (Ed25519
    /// is deterministic), and the published signed credential verifies.
    #[test]
    fn reproduces_the_w3c_eddsa_rdfc_2022_test_vector() {
        let keys: Value = serde_json::from_str(&vector("keyPair.json")).expect("json");
        let secret =
            decode_signing_key(keys["privateKeyMultibase"].as_str().expect("s")).expect("key");
        let public =
            decode_verifying_key(keys["publicKeyMultibase"].as_str().expect("s")).expect("key");
        assert_eq!(secret.verifying_key(), public);
        let unsigned: Value = serde_json::from_str(&vector("unsigned.json")).expect("json");
        let mut options: Value =
            serde_json::from_str(&vector("proofConfigDataInt.json")).expect("json");
        let options = options.as_object_mut().expect("object");
        options.remove("@context");
        let signed = sign_with_config(
            unsigned.as_object().expect("object").clone(),
            &secret,
            options.clone(),
        )
        .expect("signed");
        assert_eq!(
            signed["proof"][0]["proofValue"],
            vector("sigBTC58DataInt.txt").trim()
        );
        let hash = hash_data(unsigned.as_object().expect("o"), options, true).expect("hash");
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        assert_eq!(hex(&hash[..32]), vector("proofHashDataInt.txt").trim());
        assert_eq!(hex(&hash[32..]), vector("docHashDataInt.txt").trim());

        let mut published: Value =
            serde_json::from_str(&vector("signedDataInt.json")).expect("json");
        assert_eq!(
            verify_proof(published.as_object().expect("o"), &public),
            Ok(())
        );
        assert_eq!(
            verify_proof(published.as_object().expect("o"), &key(8).verifying_key()),
            Err(DocError::BadSignature)
        );
        published["credentialSubject"]["alumniOf"] = "The School of Exampl3s".into();
        assert_eq!(
            verify_proof(published.as_object().expect("o"), &public),
            Err(DocError::BadSignature)
        );
    }

    #[test]
    fn another_key_does_not_verify() {
        let badge = issue_badge(&input(), &key(7), VM).expect("signed");
        assert_eq!(
            verify_badge(&badge, &key(8).verifying_key()),
            Err(DocError::BadSignature)
        );
    }

    #[test]
    fn flipping_any_byte_of_the_serialised_badge_breaks_it() {
        // eddsa-rdfc-2022 signs what the credential says (its RDF statements), not its bytes:
        // a change that says exactly the same thing (`criteria` → `Criteria`, which the Open
        // Badges context maps to the same IRI) still verifies, and must say the same thing.
        let k = key(7);
        let public = k.verifying_key();
        let badge = issue_badge(&input(), &k, VM).expect("signed");
        let said = |v: &Value| {
            let mut doc = v.as_object().cloned().unwrap_or_default();
            doc.remove("proof");
            crate::rdfc::canonical_nquads(&Value::Object(doc))
        };
        let original = said(&badge).expect("canonical");
        let text = serde_json::to_string(&badge).expect("json");
        let masks = [0x01u8, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff];
        let (mut still_parsed, mut same_statements) = (0, 0);
        // Every byte, each with one of the masks in turn (all nine for every byte takes
        // minutes: each check expands JSON-LD twice).
        for i in 0..text.len() {
            let mask = masks[i % masks.len()];
            let mut bytes = text.clone().into_bytes();
            bytes[i] ^= mask;
            let Ok(v) = serde_json::from_slice::<Value>(&bytes) else {
                continue;
            };
            still_parsed += 1;
            if verify_badge(&v, &public).is_ok() {
                same_statements += 1;
                assert_eq!(
                    said(&v).as_ref(),
                    Ok(&original),
                    "byte {i} ^ {mask:#04x} verifies but says something else: {}",
                    String::from_utf8_lossy(&bytes)
                );
            }
        }
        // The test means something only if many changed texts still parsed.
        assert!(still_parsed > text.len() / 2, "{still_parsed}");
        assert!(same_statements < 5, "{same_statements}");
    }

    #[test]
    fn removing_or_replacing_the_proof_is_caught() {
        let k = key(7);
        let mut badge = issue_badge(&input(), &k, VM).expect("signed");
        let public = k.verifying_key();
        let mut other = badge.clone();
        other["proof"][0]["cryptosuite"] = "ecdsa-jcs-2019".into();
        assert!(matches!(
            verify_badge(&other, &public),
            Err(DocError::Malformed(_))
        ));
        other = badge.clone();
        other["proof"][0]["proofValue"] = "zzz".into();
        assert!(matches!(
            verify_badge(&other, &public),
            Err(DocError::Malformed(_))
        ));
        other = badge.clone();
        other["credentialSubject"]["name"] = "Trần Văn Bình".into();
        assert_eq!(verify_badge(&other, &public), Err(DocError::BadSignature));
        if let Some(map) = badge.as_object_mut() {
            map.remove("proof");
        }
        assert!(matches!(
            verify_badge(&badge, &public),
            Err(DocError::Malformed(_))
        ));
    }

    /// The eddsa-jcs-2022 example credential of the W3C Data Integrity EdDSA test suites
    /// (signed by Digital Bazaar's implementation): our JCS, hashing and proof layout agree.
    #[test]
    fn verifies_the_published_eddsa_jcs_2022_example() {
        let ctx = json!([
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2"
        ]);
        let key = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
        let mut vc = json!({
            "@context": ctx,
            "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
            "type": ["VerifiableCredential", "AlumniCredential"],
            "name": "Alumni Credential",
            "description": "A minimum viable example of an Alumni Credential.",
            "issuer": format!("did:key:{key}"),
            "validFrom": "2023-01-01T00:00:00Z",
            "credentialSubject": {
                "id": "did:example:abcdefgh",
                "alumniOf": "The School of Examples"
            },
            "proof": {
                "type": "DataIntegrityProof",
                "created": "2023-02-24T23:36:38Z",
                "verificationMethod": format!("did:key:{key}#{key}"),
                "cryptosuite": "eddsa-jcs-2022",
                "proofPurpose": "assertionMethod",
                "@context": ctx,
                "proofValue": "z5EhYRJkfPLkoT92FPXN8KK6M9rsBhq3xs19GBSsA6VdNYH4QMKSyNuA2Gfznz9QthVD7Rz3HTAfqxxay23htUpTg"
            }
        });
        let public = decode_verifying_key(key).expect("published key");
        let doc = vc.as_object().expect("object").clone();
        assert_eq!(verify_proof(&doc, &public), Ok(()));
        // Not an Open Badge, so the public check refuses its shape.
        assert!(matches!(
            verify_badge(&vc, &public),
            Err(DocError::Malformed(_))
        ));
        vc["credentialSubject"]["alumniOf"] = "Another School".into();
        let doc = vc.as_object().expect("object").clone();
        assert_eq!(verify_proof(&doc, &public), Err(DocError::BadSignature));
    }

    #[test]
    fn keys_round_trip_through_strings() {
        let k = generate_signing_key().expect("randomness");
        let s = encode_signing_key(&k);
        assert!(s.starts_with("z3u2"), "{s}");
        assert_eq!(
            decode_signing_key(&s).expect("decode").to_bytes(),
            k.to_bytes()
        );
        let p = encode_verifying_key(&k.verifying_key());
        assert!(p.starts_with("z6Mk"), "{p}");
        assert_eq!(decode_verifying_key(&p).expect("decode"), k.verifying_key());
        // The kinds are not interchangeable, and junk is refused.
        assert!(decode_verifying_key(&s).is_err());
        assert!(decode_signing_key(&p).is_err());
        for junk in ["", "z", "6Mk", "z0OIl", "zzzz"] {
            assert!(
                decode_signing_key(junk).is_err() && decode_verifying_key(junk).is_err(),
                "{junk}"
            );
        }
        assert_ne!(
            encode_signing_key(&generate_signing_key().expect("randomness")),
            s
        );
    }
}
