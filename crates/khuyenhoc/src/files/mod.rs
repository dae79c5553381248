//! Uploaded files (evidence) and generated documents, stored through `object_store`: a folder on
//! local disk by default, or an S3-compatible bucket when `files_url` is `s3://BUCKET[/PREFIX]`.
//! Files are stored under generated ids (`object_store` percent-encodes other names); the
//! original file name lives in the database.
//!
//! Uploads are checked by their bytes, not by what the client claims: photos (JPEG, PNG, WebP)
//! are decoded, reduced to at most 1,600 px on the longer side and stored as JPEG; documents must
//! be PDF. Anything else is refused with a message in Vietnamese and English. A photo's EXIF
//! orientation is applied before re-encoding (the JPEG written carries no EXIF, so a portrait
//! taken sideways is stored upright).
//!
//! A file removed or replaced by its owner is deleted from the store once the database no
//! longer refers to it (`Files::forget`, after the commit); the audit log keeps its name and
//! size, not its bytes.

pub mod office;

use bytes::Bytes;
use khuyenhoc_domain::Invalid;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::prefix::PrefixStore;
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
    /// Where the files are, for logs: the folder or `s3://bucket/prefix` (never credentials).
    location: String,
}

impl std::fmt::Debug for Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Files({})", self.location)
    }
}

/// The bucket and key prefix of an `s3://BUCKET[/PREFIX]` address.
fn parse_s3_url(files_url: &str) -> anyhow::Result<(String, String)> {
    let url = url::Url::parse(files_url).map_err(|e| {
        anyhow::anyhow!("files_url {files_url:?} is not a URL ({e}); expected s3://BUCKET[/PREFIX]")
    })?;
    anyhow::ensure!(
        url.scheme() == "s3",
        "files_url {files_url:?} has the scheme {:?}: only s3://BUCKET[/PREFIX] is supported \
         (leave files_url unset to keep files in files_dir)",
        url.scheme()
    );
    anyhow::ensure!(
        url.username().is_empty() && url.password().is_none(),
        "files_url must not contain credentials: use s3_access_key_id and s3_secret_access_key"
    );
    anyhow::ensure!(
        url.query().is_none() && url.fragment().is_none() && url.port().is_none(),
        "files_url {files_url:?} must be just s3://BUCKET[/PREFIX]"
    );
    let bucket = url.host_str().unwrap_or_default().to_owned();
    anyhow::ensure!(
        !bucket.is_empty(),
        "files_url {files_url:?} names no bucket: expected s3://BUCKET[/PREFIX]"
    );
    let prefix = url.path().trim_matches('/').to_owned();
    Ok((bucket, prefix))
}

impl Files {
    /// The store the settings ask for: the bucket of `files_url` when set, else the folder
    /// `files_dir`. S3 options left unset in the settings come from the `AWS_*` environment.
    pub fn from_settings(settings: &crate::config::Settings) -> anyhow::Result<Files> {
        let Some(files_url) = settings
            .files_url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
        else {
            return Files::local(std::path::Path::new(&settings.files_dir));
        };
        let (bucket, prefix) = parse_s3_url(files_url.trim())?;
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(&bucket);
        if let Some(endpoint) = &settings.s3_endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        if let Some(region) = &settings.s3_region {
            builder = builder.with_region(region);
        }
        if let Some(key_id) = &settings.s3_access_key_id {
            builder = builder.with_access_key_id(key_id);
        }
        if let Some(secret) = &settings.s3_secret_access_key {
            builder = builder.with_secret_access_key(secret);
        }
        if let Some(allow_http) = settings.s3_allow_http {
            builder = builder.with_allow_http(allow_http);
        }
        let s3 = builder.build().map_err(|e| {
            anyhow::anyhow!("cannot use the bucket of files_url {files_url:?}: {e}")
        })?;
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(s3)
        } else {
            Arc::new(PrefixStore::new(s3, StorePath::from(prefix.as_str())))
        };
        Ok(Files {
            store,
            location: format!("s3://{bucket}/{prefix}"),
        })
    }

    /// Files in a folder on local disk (created when missing).
    pub fn local(dir: &std::path::Path) -> anyhow::Result<Files> {
        std::fs::create_dir_all(dir)?;
        Ok(Files {
            store: Arc::new(LocalFileSystem::new_with_prefix(dir)?),
            location: dir.display().to_string(),
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

    /// Deletes a stored file. Callers delete only after the transaction that dropped the last
    /// reference to the key has committed (a failed delete leaves an unreferenced file, never a
    /// reference to a missing one); a key already gone is not an error.
    pub async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match self.store.delete(&StorePath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// [`Files::delete`] for a file no longer referenced, after the commit: a failure is logged
    /// (the file stays, unreferenced) rather than undoing what was committed.
    pub async fn forget(&self, key: &str) {
        if let Err(e) = self.delete(key).await {
            tracing::warn!(key, error = %e, "an unreferenced file could not be deleted");
        }
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
            let img = decode_upright(bytes, format).map_err(|_| unreadable.clone())?;
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

/// Decodes a photo and turns it as its EXIF orientation says (a phone held upright writes its
/// portrait sideways with Orientation 6 or 8).
fn decode_upright(
    bytes: &[u8],
    format: image::ImageFormat,
) -> image::ImageResult<image::DynamicImage> {
    use image::ImageDecoder;
    let mut decoder =
        image::ImageReader::with_format(std::io::Cursor::new(bytes), format).into_decoder()?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = image::DynamicImage::from_decoder(decoder)?;
    img.apply_orientation(orientation);
    Ok(img)
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

    #[test]
    fn files_url_must_be_an_s3_bucket() {
        assert_eq!(
            parse_s3_url("s3://bucket/a/b/").ok(),
            Some(("bucket".to_owned(), "a/b".to_owned()))
        );
        assert_eq!(
            parse_s3_url("s3://bucket").ok(),
            Some(("bucket".to_owned(), String::new()))
        );
        let err = |u: &str| {
            parse_s3_url(u)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(
            err("gs://bucket/x").contains("only s3://BUCKET"),
            "{}",
            err("gs://b")
        );
        assert!(err("/srv/files").contains("not a URL"));
        assert!(err("s3:///x").contains("no bucket"));
        assert!(err("s3://k:secret@bucket").contains("credentials"));

        let with = |files_url: &str| crate::config::Settings {
            files_url: Some(files_url.into()),
            ..crate::config::Settings::default()
        };
        let e = Files::from_settings(&with("https://bucket/x")).err();
        assert!(e.is_some_and(|e| e.to_string().contains("scheme \"https\"")));
        // Building the client contacts nothing, so a good address gives a store at once.
        let mut s = with("s3://bucket/evidence");
        s.s3_endpoint = Some("http://127.0.0.1:9".into());
        s.s3_allow_http = Some(true);
        s.s3_access_key_id = Some("k".into());
        s.s3_secret_access_key = Some("secret".into());
        let files = Files::from_settings(&s).expect("an S3 store");
        assert_eq!(format!("{files:?}"), "Files(s3://bucket/evidence)");
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
