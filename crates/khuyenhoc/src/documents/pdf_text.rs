//! The text inside attached PDFs, for search. An upload of a PDF (a document's file or a
//! reply's) enqueues [`TEXT_JOB`] in its own transaction; the job reads the file from the store,
//! extracts its text on a blocking thread (`pdf-extract`, which reads the ToUnicode maps of
//! embedded subset fonts, as the project's own PDFs are written) and keeps it folded
//! (`khuyenhoc_domain::text::fold`) and bounded ([`MAX_TEXT_BYTES`]) in
//! `document_files.text_folded`, so a large PDF never slows the upload. A PDF whose text cannot
//! be read (a scan, a damaged or encrypted file) keeps an empty text: trying again would not
//! help. The lists (`lists`) match the folded query against it with `LIKE`.

use crate::db::Tx;
use crate::error::AppError;
use crate::jobs::Job;
use serde::{Deserialize, Serialize};

/// The job kind: extract the text of one attached PDF.
pub const TEXT_JOB: &str = "documents.pdf_text";

/// The most folded text kept of one file (bytes, cut at a character boundary).
pub const MAX_TEXT_BYTES: usize = 200 * 1024;

#[derive(Serialize, Deserialize)]
struct Payload {
    file_id: i64,
}

/// Asks for the text of a just-written PDF file, in the upload's transaction.
pub async fn enqueue(tx: &mut Tx<'_>, file_id: i64) -> Result<(), AppError> {
    let payload =
        serde_json::to_string(&Payload { file_id }).map_err(|e| AppError::Internal(e.into()))?;
    crate::jobs::enqueue(tx, TEXT_JOB, &payload, crate::db::now()).await?;
    Ok(())
}

/// The job: reads the file, extracts, folds and keeps its text. A file gone from the database
/// is done; a store that cannot be read makes the job retry.
pub async fn text_job(job: Job) -> Result<(), String> {
    let p: Payload = serde_json::from_str(&job.payload).map_err(|e| e.to_string())?;
    let db = &job.state.db;
    let key: Option<String> =
        sqlx::query_scalar("SELECT file_key FROM document_files WHERE id = $1")
            .bind(p.file_id)
            .fetch_optional(&db.pool)
            .await
            .map_err(|e| e.to_string())?;
    let Some(key) = key else {
        return Ok(());
    };
    let bytes = job.state.files.get(&key).await.map_err(|e| e.to_string())?;
    // A panic of the parser on a malformed file ends only its blocking task.
    let text = tokio::task::spawn_blocking(move || folded_text(&bytes))
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(file_id = p.file_id, "PDF text extraction failed: {e}");
            String::new()
        });
    sqlx::query("UPDATE document_files SET text_folded = $1 WHERE id = $2")
        .bind(text)
        .bind(p.file_id)
        .execute(&db.pool)
        .await
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// The text of a PDF folded for search and bounded; empty when none can be read.
pub fn folded_text(pdf: &[u8]) -> String {
    match pdf_extract::extract_text_from_mem(pdf) {
        Ok(text) => bounded(khuyenhoc_domain::text::fold(&text)),
        Err(e) => {
            tracing::warn!("PDF text not readable: {e}");
            String::new()
        }
    }
}

/// The first [`MAX_TEXT_BYTES`] of a text, cut at a character boundary.
fn bounded(mut s: String) -> String {
    if s.len() > MAX_TEXT_BYTES {
        let mut end = MAX_TEXT_BYTES;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_cuts_at_a_character_boundary() {
        let s = "đ".repeat(MAX_TEXT_BYTES);
        let b = bounded(s);
        assert!(b.len() <= MAX_TEXT_BYTES && b.len() > MAX_TEXT_BYTES - 4);
        assert!(b.chars().all(|c| c == 'đ'));
        assert_eq!(bounded("abc".into()), "abc");
    }

    #[test]
    fn not_a_pdf_reads_as_no_text() {
        assert_eq!(folded_text(b"%PDF-1.4\nnothing here"), "");
    }
}
