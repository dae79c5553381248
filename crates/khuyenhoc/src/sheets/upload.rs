//! The upload and the confirmation's form: the multipart file within its limit, the bytes kept
//! in the file store under an import's prefix, and the key, SHA-256 and digest the confirm form
//! carries back.

use crate::error::AppError;
use crate::state::AppState;
use crate::web::route::Route;
use axum::extract::multipart::MultipartRejection;
use axum::extract::Multipart;
use axum::http::StatusCode;
use bytes::Bytes;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The uploaded file and the text fields sent beside it.
#[derive(Debug, Default)]
pub struct Upload {
    pub file_name: String,
    pub bytes: Bytes,
    pub fields: BTreeMap<String, String>,
}

impl Upload {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

/// An upload route takes a workbook of up to `max_bytes`, more than other requests.
pub fn body_limit(mut route: Route, max_bytes: usize) -> Route {
    route.handler = route
        .handler
        .layer(axum::extract::DefaultBodyLimit::max(max_bytes + 64 * 1024));
    route
}

fn too_large(e: &axum::extract::multipart::MultipartError) -> bool {
    e.status() == StatusCode::PAYLOAD_TOO_LARGE
}

/// Reads the multipart form: the field `file`, and the text fields named in `fields`.
pub async fn read(
    form: Result<Multipart, MultipartRejection>,
    fields: &[&str],
) -> Result<Upload, AppError> {
    let unreadable = |e: &dyn std::fmt::Display| {
        AppError::bad_request(
            "Không đọc được tệp gửi lên",
            format!("The upload could not be read: {e}"),
        )
    };
    let mut form = form.map_err(|e| unreadable(&e))?;
    let mut up = Upload::default();
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if too_large(&e) => return Err(AppError::PayloadTooLarge),
            Err(e) => return Err(unreadable(&e)),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            up.file_name = field.file_name().unwrap_or("").chars().take(200).collect();
            up.bytes = match field.bytes().await {
                Ok(b) => b,
                Err(e) if too_large(&e) => return Err(AppError::PayloadTooLarge),
                Err(e) => return Err(unreadable(&e)),
            };
        } else if fields.contains(&name.as_str()) {
            let text = field.text().await.map_err(|e| unreadable(&e))?;
            up.fields.insert(name, text);
        }
    }
    if up.bytes.is_empty() {
        return Err(AppError::bad_request(
            "Chưa chọn tệp Excel để tải lên",
            "Choose an Excel file to upload",
        ));
    }
    Ok(up)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The confirm form: which stored workbook, its SHA-256, the digest of what the preview showed,
/// the name it was uploaded under, and the year when the import is for one.
#[derive(Debug, Default, Deserialize)]
pub struct Confirm {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub sha256: String,
    #[serde(default)]
    pub plan: String,
    #[serde(default)]
    pub file_name: String,
    #[serde(default)]
    pub year: String,
}

/// Keeps the bytes of a previewed workbook for its confirmation; their key.
pub async fn keep(state: &AppState, prefix: &str, bytes: &Bytes) -> Result<String, AppError> {
    Ok(state.files.put(prefix, bytes.to_vec()).await?)
}

/// Stored workbooks are `{prefix}/` and 32 hex digits (see `Files::put`).
pub fn valid_key(prefix: &str, key: &str) -> bool {
    key.strip_prefix(prefix)
        .and_then(|k| k.strip_prefix('/'))
        .is_some_and(|k| k.len() == 32 && k.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub fn gone() -> AppError {
    AppError::bad_request(
        "Không tìm thấy tệp đã xem trước; hãy tải tệp lên lại",
        "The previewed workbook cannot be found; upload it again",
    )
}

/// The workbook a confirmation names, if it is stored under the import's prefix and still has
/// the SHA-256 the form says.
pub async fn stored(state: &AppState, prefix: &str, f: &Confirm) -> Result<Bytes, AppError> {
    if !valid_key(prefix, &f.key) {
        return Err(gone());
    }
    let bytes = state.files.get(&f.key).await.map_err(|_| gone())?;
    if sha256_hex(&bytes) != f.sha256 {
        return Err(gone());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_the_import_only() {
        assert!(valid_key(
            "member-imports",
            "member-imports/0123456789abcdef0123456789abcdef"
        ));
        assert!(!valid_key(
            "member-imports",
            "batches/0123456789abcdef0123456789abcdef"
        ));
        assert!(!valid_key("batches", "batches/../secret"));
        assert!(!valid_key("batches", "../../etc/passwd"));
        assert!(!valid_key(
            "batches",
            "batches0123456789abcdef0123456789abcdef0"
        ));
    }
}
