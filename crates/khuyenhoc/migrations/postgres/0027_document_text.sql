-- Issue 18, item 1: search inside attached PDFs. The text of a PDF file of a document or of a
-- reply, extracted by a job after the upload (documents::pdf_text) and kept folded (no
-- diacritics, lowercase, "đ" as "d", whitespace collapsed), its first 200 KB. NULL until the
-- job ran, and for files that are not PDFs. Searched with LIKE beside documents.summary_folded.
-- The twin (../sqlite/0027_document_text.sql) must match (tests/schema_parity.rs).
ALTER TABLE document_files ADD COLUMN text_folded TEXT;
