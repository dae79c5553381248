//! Attachments of office work (documents and their replies): PDF, DOCX, XLSX and scans (JPEG,
//! PNG), checked by their bytes, never by the name or type the client sends. A scan is kept as
//! it is (reducing it could make it illegible), once its header reads as an image; a DOCX or
//! XLSX is a zip whose `[Content_Types].xml` names the main part of a Word document or an Excel
//! workbook.

use khuyenhoc_domain::Invalid;
use std::io::Read;

/// Largest attachment.
pub const MAX_ATTACHMENT_BYTES: usize = 20 * 1024 * 1024;

pub const PDF: &str = "application/pdf";
pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The media type of an acceptable attachment, or why it is refused.
pub fn sniff_attachment(bytes: &[u8]) -> Result<&'static str, Invalid> {
    let unsupported = || {
        Invalid::new(
            "Chỉ nhận tệp PDF, Word (DOCX), Excel (XLSX) hoặc ảnh quét (JPEG, PNG)",
            "Only PDF, Word (DOCX), Excel (XLSX) files or scans (JPEG, PNG) are accepted",
        )
    };
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(Invalid::new(
            "Tệp quá lớn (tối đa 20 MB)",
            "The file is too large (at most 20 MB)",
        ));
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok(PDF);
    }
    let image = if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some((image::ImageFormat::Jpeg, "image/jpeg"))
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G']) {
        Some((image::ImageFormat::Png, "image/png"))
    } else {
        None
    };
    if let Some((format, media)) = image {
        let readable = image::ImageReader::with_format(std::io::Cursor::new(bytes), format)
            .into_dimensions()
            .is_ok_and(|(w, h)| w > 0 && h > 0);
        return if readable {
            Ok(media)
        } else {
            Err(Invalid::new(
                "Không đọc được ảnh này",
                "This image cannot be read",
            ))
        };
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return office_kind(bytes).ok_or_else(unsupported);
    }
    Err(unsupported())
}

/// DOCX or XLSX by the main part its `[Content_Types].xml` declares (read up to 64 KiB).
fn office_kind(bytes: &[u8]) -> Option<&'static str> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let part = zip.by_name("[Content_Types].xml").ok()?;
    let mut types = String::new();
    part.take(64 * 1024).read_to_string(&mut types).ok()?;
    if types.contains("wordprocessingml.document.main+xml") {
        Some(DOCX)
    } else if types.contains("spreadsheetml.sheet.main+xml") {
        Some(XLSX)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_with(types: &str) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut out);
        z.start_file(
            "[Content_Types].xml",
            zip::write::SimpleFileOptions::default(),
        )
        .expect("start");
        z.write_all(types.as_bytes()).expect("write");
        z.finish().expect("finish");
        out.into_inner()
    }

    #[test]
    fn office_files_are_known_by_their_content_types() {
        let docx = zip_with(
            r#"<Types><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#,
        );
        assert_eq!(sniff_attachment(&docx).ok(), Some(DOCX));
        let xlsx = zip_with(
            r#"<Types><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#,
        );
        assert_eq!(sniff_attachment(&xlsx).ok(), Some(XLSX));
        assert!(
            sniff_attachment(&zip_with("<Types/>")).is_err(),
            "a bare zip"
        );
        assert!(sniff_attachment(b"PK\x03\x04 broken").is_err());
        assert_eq!(sniff_attachment(b"%PDF-1.7 ...").ok(), Some(PDF));
        assert!(sniff_attachment(b"MZ\x90\x00").is_err());
        assert!(sniff_attachment(&[0xFF, 0xD8, 0xFF, 0x00]).is_err());
    }
}
