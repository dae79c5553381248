//! Credentials that verify elsewhere (issue 19): the signing key kept outside the database, the
//! issuer as a `did:web` DID of the public host, the DID documents that publish every key that
//! ever signed, and the revocation status lists (W3C Bitstring Status List).
//!
//! - [`signer`]: the configured key and the issuer DIDs, or a clear refusal when the public
//!   address or the key is not configured; [`sign`] signs any document as a unit (the
//!   lifelong-learning record calls it);
//! - `keys`: the key file (`khuyenhoc keys new` / `rotate`);
//! - `status`: a bit per credential in its issuer's list, set on revocation;
//! - `pages`: the public DID documents and status lists;
//! - `reissue`: `khuyenhoc credentials reissue`.

pub mod keys;
pub mod pages;
pub mod reissue;
pub mod status;

use crate::config::Settings;
use crate::db::{now, Db};
use crate::error::AppError;
use crate::state::AppState;
use khuyenhoc_docs::{SigningKey, VerifyingKey};
use serde_json::Value;

/// The key that signs and the DIDs it signs as.
pub struct Signer {
    key: SigningKey,
    /// The public key, Multikey `z6Mk…`: the fragment of its verification method.
    public: String,
    /// `did:web:HOST[:PATH…]`, the Association's DID.
    did: String,
    /// The public address without its trailing `/`.
    base_url: String,
}

impl Signer {
    pub fn key(&self) -> &SigningKey {
        &self.key
    }
    /// The Association's DID (`did:web:HOST`).
    pub fn association_did(&self) -> &str {
        &self.did
    }
    /// An issuing unit's DID, `did:web:HOST:units:CODE`.
    pub fn unit_did(&self, unit_code: &str) -> String {
        unit_did(&self.did, unit_code)
    }
    /// The key's entry in a unit's DID document, the proof's `verificationMethod`.
    pub fn verification_method(&self, unit_code: &str) -> String {
        format!("{}#{}", self.unit_did(unit_code), self.public)
    }
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
}

fn unit_did(did: &str, unit_code: &str) -> String {
    format!("{did}:units:{unit_code}")
}

/// `did:web:HOST` of a public address: the host, its port after `%3A`, then each path segment
/// after `:` (`https://a.vn:8443/app` → `did:web:a.vn%3A8443:app`). `None` for an address that
/// is not http(s) with a host name.
pub fn did_of(public_url: &str) -> Option<String> {
    let u = url::Url::parse(public_url.trim()).ok()?;
    if !matches!(u.scheme(), "http" | "https") {
        return None;
    }
    let mut did = format!("did:web:{}", u.host_str()?.to_ascii_lowercase());
    if let Some(port) = u.port() {
        did.push_str(&format!("%3A{port}"));
    }
    for segment in u.path_segments().into_iter().flatten() {
        if !segment.is_empty() {
            did.push(':');
            did.push_str(segment);
        }
    }
    Some(did)
}

fn not_configured(what_vi: &str, what_en: &str) -> AppError {
    AppError::bad_request(
        format!(
            "Chưa thể cấp chứng nhận số: quản trị hệ thống chưa cấu hình {what_vi}. Xin báo quản trị viên."
        ),
        format!(
            "Credentials cannot be issued: the administrator has not configured {what_en}. Please tell the administrator."
        ),
    )
}

/// The secret key the settings name: `credential_key`, else the file `credential_key_file`;
/// `None` when neither is set.
///
/// # Errors
/// A key file that cannot be read or does not hold a key.
pub fn configured_key(settings: &Settings) -> anyhow::Result<Option<SigningKey>> {
    let text = match (&settings.credential_key, &settings.credential_key_file) {
        (Some(k), _) => k.clone(),
        (None, Some(file)) => std::fs::read_to_string(file)
            .map_err(|e| anyhow::anyhow!("cannot read credential_key_file {file}: {e}"))?,
        (None, None) => return Ok(None),
    };
    khuyenhoc_docs::decode_signing_key(text.trim())
        .map(Some)
        .map_err(|_| {
            anyhow::anyhow!("the credential key is not an Ed25519 Multikey secret (z3u2…)")
        })
}

/// What is missing to issue credentials, for the warning at start; empty when nothing is.
pub fn configuration_problems(settings: &Settings) -> Vec<String> {
    let mut out = vec![];
    match settings.public_url.as_deref().map(did_of) {
        None => out.push(
            "public_url is not set: certificates will not be issued (it names the issuer did:web)"
                .to_owned(),
        ),
        Some(None) => out.push("public_url is not an http(s) address with a host".to_owned()),
        Some(Some(_)) => {}
    }
    match configured_key(settings) {
        Ok(Some(_)) => {}
        Ok(None) => out.push(
            "no credential key (credential_key_file or KHUYENHOC_CREDENTIAL_KEY): certificates will not be issued; make one with `khuyenhoc keys new`"
                .to_owned(),
        ),
        Err(e) => out.push(format!("{e:#}")),
    }
    out
}

/// The configured signer, its public key recorded among the keys that ever signed. Read it
/// before a transaction starts (on SQLite a second connection could not record the key while the
/// transaction holds the write lock).
///
/// # Errors
/// A message for the officer when the public address or the key is not configured.
pub async fn signer(state: &AppState) -> Result<Signer, AppError> {
    let settings = &state.settings;
    let Some(public_url) = settings.public_url.as_deref() else {
        return Err(not_configured(
            "địa chỉ công khai (public_url)",
            "the public address (public_url)",
        ));
    };
    let did = did_of(public_url).ok_or_else(|| {
        not_configured(
            "địa chỉ công khai (public_url) hợp lệ",
            "a valid public address (public_url)",
        )
    })?;
    let key = match configured_key(settings) {
        Ok(Some(k)) => k,
        Ok(None) => {
            return Err(not_configured(
                "khóa ký chứng nhận (credential_key_file)",
                "the credential signing key (credential_key_file)",
            ))
        }
        Err(e) => {
            tracing::error!(error = %e, "credential key");
            return Err(not_configured(
                "khóa ký chứng nhận đọc được (credential_key_file)",
                "a readable credential signing key (credential_key_file)",
            ));
        }
    };
    let public = khuyenhoc_docs::encode_verifying_key(&key.verifying_key());
    record_public_key(&state.db, &public).await?;
    Ok(Signer {
        key,
        public,
        did,
        base_url: settings.base_url(),
    })
}

/// Records a public key among those that ever signed (once).
pub async fn record_public_key(db: &Db, public: &str) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO signing_keys (public_key, created_at) SELECT $1, $2 \
         WHERE NOT EXISTS (SELECT 1 FROM signing_keys WHERE public_key = $1)",
    )
    .bind(public)
    .bind(now())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Every public key that ever signed, oldest first (Multikey `z6Mk…`).
pub async fn public_keys(db: &Db) -> Result<Vec<String>, AppError> {
    Ok(
        sqlx::query_scalar("SELECT public_key FROM signing_keys ORDER BY id")
            .fetch_all(&db.pool)
            .await?,
    )
}

/// The public key a document's proof names, when it is one this program ever signed with.
pub async fn proof_key(db: &Db, document: &Value) -> Result<Option<VerifyingKey>, AppError> {
    let Some(vm) = khuyenhoc_docs::proof_verification_method(document) else {
        return Ok(None);
    };
    let Some((_, fragment)) = vm.rsplit_once('#') else {
        return Ok(None);
    };
    if !public_keys(db).await?.iter().any(|k| k == fragment) {
        return Ok(None);
    }
    Ok(khuyenhoc_docs::decode_verifying_key(fragment).ok())
}

/// Whether a document carries a valid proof by a key this program ever signed with.
pub async fn verifies(db: &Db, document: &Value) -> Result<bool, AppError> {
    let Some(key) = proof_key(db, document).await? else {
        return Ok(false);
    };
    Ok(match document {
        Value::Object(doc) => khuyenhoc_docs::verify_proof(doc, &key).is_ok(),
        _ => false,
    })
}

/// Signs any JSON-LD document (a credential or presentation without `proof`) as the unit
/// `unit_code`: an eddsa-rdfc-2022 proof by the configured key, named in the unit's DID document.
/// Give the document `issuer` = `signer.unit_did(unit_code)` yourself.
///
/// # Errors
/// As [`signer`]; a document that is not a JSON object.
pub async fn sign(state: &AppState, unsigned: Value, unit_code: &str) -> Result<Value, AppError> {
    let signer = signer(state).await?;
    sign_with(&signer, unsigned, unit_code)
}

/// [`sign`] with a signer already read.
///
/// # Errors
/// A document that is not a JSON object, or names a context that is not bundled or a term no
/// context defines (a programming error: every document the program signs is tested).
pub fn sign_with(signer: &Signer, unsigned: Value, unit_code: &str) -> Result<Value, AppError> {
    let Value::Object(doc) = unsigned else {
        return Err(anyhow::anyhow!("only a JSON object can be signed").into());
    };
    khuyenhoc_docs::sign_document(doc, signer.key(), &signer.verification_method(unit_code))
        .map_err(|e| anyhow::anyhow!("signing a document: {e:?}").into())
}

#[cfg(test)]
mod tests {
    use super::did_of;

    #[test]
    fn did_web_of_the_public_address() {
        assert_eq!(
            did_of("https://khuyenhoc.example.vn").as_deref(),
            Some("did:web:khuyenhoc.example.vn")
        );
        assert_eq!(
            did_of("https://KhuyenHoc.example.vn/").as_deref(),
            Some("did:web:khuyenhoc.example.vn")
        );
        assert_eq!(
            did_of("http://127.0.0.1:8080").as_deref(),
            Some("did:web:127.0.0.1%3A8080")
        );
        assert_eq!(
            did_of("https://a.vn/app/").as_deref(),
            Some("did:web:a.vn:app")
        );
        assert_eq!(did_of("ftp://a.vn"), None);
        assert_eq!(did_of("not a url"), None);
    }
}
