//! Uploaded files (evidence) and generated documents, stored through `object_store`: a folder on
//! local disk by default. Files are stored under generated ids (`object_store` percent-encodes
//! other names); the original file name lives in the database.
//!
//! Uploads are checked by their bytes, not by what the client claims: photos (JPEG, PNG, WebP)
//! are decoded, reduced to at most 1,600 px on the longer side and stored as JPEG; documents must
//! be PDF. Anything else is refused with a message in Vietnamese and English.

use bytes::Bytes;
use khuyenhoc_domain::Invalid;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt};
use std::sync::Arc;

/// Largest photo accepted before reduction, and largest document.
pub const MAX_PHOTO_BYTES: usize = 12 * 1024 * 1024;
pub const MAX_DOCUMENT_BYTES: usize = 8 * 1024 * 1024;
/// Longer side of a stored photo, in pixels.
pub const PHOTO_EDGE: u32 = 1600;

#[derive(Clone)]
pub struct Files {
    store: Arc<dyn ObjectStore>,
}

impl std::fmt::Debug for Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Files({})", self.store)
    }
}

impl Files {
    /// Files in a folder on local disk (created when missing).
    pub fn local(dir: &std::path::Path) -> anyhow::Result<Files> {
        std::fs::create_dir_all(dir)?;
        Ok(Files {
            store: Arc::new(LocalFileSystem::new_with_prefix(dir)?),
        })
    }

    /// Stores the bytes under a new random key and returns the key.
    pub async fn put(&self, prefix: &str, bytes: Vec<u8>) -> anyhow::Result<String> {
        let key = format!("{prefix}/{}", &crate::auth::random_secret()[..32]);
        self.store
            .put(&StorePath::from(key.as_str()), Bytes::from(bytes).into())
            .await?;
        Ok(key)
    }

    pub async fn get(&self, key: &str) -> anyhow::Result<Bytes> {
        Ok(self.store.get(&StorePath::from(key)).await?.bytes().await?)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Photo,
    Document,
}

/// An upload ready to store.
#[derive(Debug)]
pub struct Prepared {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub kind: Kind,
}

fn sniff(b: &[u8]) -> Option<(Kind, image::ImageFormat)> {
    if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some((Kind::Photo, image::ImageFormat::Jpeg))
    } else if b.starts_with(&[0x89, b'P', b'N', b'G']) {
        Some((Kind::Photo, image::ImageFormat::Png))
    } else if b.len() > 12 && &b[..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        Some((Kind::Photo, image::ImageFormat::WebP))
    } else if b.starts_with(b"%PDF-") {
        Some((Kind::Document, image::ImageFormat::Jpeg))
    } else {
        None
    }
}

/// Checks an upload and reduces photos. Runs image decoding on the caller's thread: call it
/// from `spawn_blocking`.
pub fn prepare(bytes: &[u8]) -> Result<Prepared, Invalid> {
    let unsupported = Invalid::new(
        "Chỉ nhận ảnh (JPEG, PNG, WebP) hoặc tài liệu PDF",
        "Only photos (JPEG, PNG, WebP) or PDF documents are accepted",
    );
    let (kind, format) = sniff(bytes).ok_or(unsupported)?;
    match kind {
        Kind::Document => {
            if bytes.len() > MAX_DOCUMENT_BYTES {
                return Err(Invalid::new(
                    "Tài liệu quá lớn (tối đa 8 MB)",
                    "The document is too large (at most 8 MB)",
                ));
            }
            Ok(Prepared {
                bytes: bytes.to_vec(),
                content_type: "application/pdf",
                kind,
            })
        }
        Kind::Photo => {
            if bytes.len() > MAX_PHOTO_BYTES {
                return Err(Invalid::new(
                    "Ảnh quá lớn (tối đa 12 MB)",
                    "The photo is too large (at most 12 MB)",
                ));
            }
            let unreadable = Invalid::new("Không đọc được ảnh này", "This photo cannot be read");
            let img = image::load_from_memory_with_format(bytes, format)
                .map_err(|_| unreadable.clone())?;
            let img = if img.width() > PHOTO_EDGE || img.height() > PHOTO_EDGE {
                img.resize(
                    PHOTO_EDGE,
                    PHOTO_EDGE,
                    image::imageops::FilterType::Triangle,
                )
            } else {
                img
            };
            let mut out = std::io::Cursor::new(Vec::new());
            let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80);
            img.to_rgb8()
                .write_with_encoder(encoder)
                .map_err(|_| unreadable)?;
            Ok(Prepared {
                bytes: out.into_inner(),
                content_type: "image/jpeg",
                kind,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut out, image::ImageFormat::Png)
            .expect("encode png");
        out.into_inner()
    }

    #[test]
    fn photos_are_reduced_to_jpeg() {
        let p = prepare(&png(3000, 1000)).expect("a PNG is accepted");
        assert_eq!(p.content_type, "image/jpeg");
        let back = image::load_from_memory(&p.bytes).expect("decodes");
        assert_eq!((back.width(), back.height()), (1600, 533));
        let small = prepare(&png(40, 30)).expect("small photo");
        let back = image::load_from_memory(&small.bytes).expect("decodes");
        assert_eq!((back.width(), back.height()), (40, 30));
    }

    #[test]
    fn other_files_are_refused() {
        assert!(prepare(b"MZ\x90\x00 an exe").is_err());
        assert!(prepare(b"").is_err());
        assert!(
            prepare(&[0xFF, 0xD8, 0xFF, 0x00, 0x01]).is_err(),
            "a broken JPEG is refused"
        );
        assert_eq!(
            prepare(b"%PDF-1.7 ...").map(|p| p.kind).ok(),
            Some(Kind::Document)
        );
    }

    #[tokio::test]
    async fn stored_under_generated_keys() {
        let dir = tempfile::tempdir().expect("dir");
        let files = Files::local(dir.path()).expect("store");
        let key = files.put("evidence", b"abc".to_vec()).await.expect("put");
        assert!(key.starts_with("evidence/") && key.is_ascii());
        assert_eq!(files.get(&key).await.expect("get").as_ref(), b"abc");
    }
}
