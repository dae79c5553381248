//! The two steps of every import after its upload form: the preview of an uploaded workbook
//! and the commit of a previewed one. Each import's handlers make the import (its unit, viewer,
//! year…) and hand over here.

use super::claim::{already, busy, Committing};
use super::pages::{self, DonePage, DoneResult, Preview, PreviewPage, PreviewResult, ProgressPage};
use super::progress::{streamed, template_error, Progress};
use super::upload::{self, Confirm, Upload};
use super::{Checked, Commit, Import, Policy, Read, Saved};
use crate::error::{AppError, PageResult};
use crate::state::AppState;
use crate::web::layout::{render, Chrome};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::sync::Arc;

const READING: (&str, &str) = ("Đang đọc và kiểm tra tệp", "Reading and checking the file");
const SAVING: (&str, &str) = (
    "Đang kiểm tra lại và lưu tệp",
    "Checking the file again and saving it",
);

/// Whether a workbook of `rows` data rows gets a streamed page.
fn streams<I: Import>(rows: usize) -> bool {
    I::SPEC.stream_above.is_some_and(|n| rows > n)
}

/// Reads a workbook within the import's limits and finds its columns, on a blocking thread
/// (unzipping and parsing XML take a while).
pub(super) async fn read<I: Import>(
    imp: &Arc<I>,
    bytes: Bytes,
) -> Result<Read<I::Columns>, AppError> {
    let imp = Arc::clone(imp);
    tokio::task::spawn_blocking(move || {
        let sheet = if I::CSV {
            khuyenhoc_sheets::read_table(&bytes, &I::SPEC.limits)?
        } else {
            khuyenhoc_sheets::read(&bytes, &I::SPEC.limits)?
        };
        let cols = imp.columns(&sheet.header)?;
        Ok(Read { sheet, cols })
    })
    .await
    .map_err(|e| anyhow::anyhow!("reading a workbook: {e}"))?
}

/// A digest of exactly what the accepted rows would write; the confirm form carries it, and a
/// commit writes only when the same bytes still give the same digest.
pub fn digest<I: Import>(imp: &I, rows: &[Checked<I::Plan>]) -> String {
    let mut h = Sha256::new();
    h.update(imp.plan_head());
    let mut line = String::new();
    for r in rows {
        if let Ok(plan) = &r.outcome {
            line.clear();
            let _ = write!(line, "{}|", r.number);
            imp.plan_line(plan, &mut line);
            line.push('\n');
            h.update(line.as_bytes());
        }
    }
    hex::encode(h.finalize())
}

pub(super) fn rejected<P>(rows: &[Checked<P>]) -> usize {
    rows.iter().filter(|r| r.outcome.is_err()).count()
}

/// Checks every row; keeps the bytes when there is something to store; the preview.
async fn previewed<'p, I: Import>(
    state: &AppState,
    c: Chrome,
    imp: &'p I,
    rows: Vec<Checked<I::Plan>>,
    up: &Upload,
    sha256: &str,
) -> Result<PreviewPage<'p>, AppError> {
    let plan = digest(imp, &rows);
    let rejected = rejected(&rows);
    let key = if pages::storable(I::SPEC.policy, rows.len() - rejected, rejected) {
        upload::keep(state, I::SPEC.key_prefix, &up.bytes).await?
    } else {
        String::new()
    };
    let v = Preview {
        file_name: &up.file_name,
        key: &key,
        sha256,
        plan: &plan,
        notice: None,
    };
    Ok(pages::preview(c, imp, rows, v))
}

/// Step 2: an uploaded workbook read and every row checked; nothing is written to the database.
pub async fn preview<I: Import>(
    state: AppState,
    c: Chrome,
    imp: I,
    up: Upload,
) -> PageResult<Response> {
    let imp = Arc::new(imp);
    let sha256 = upload::sha256_hex(&up.bytes);
    if let Some(at) = I::imported_at(&state.db, &sha256).await? {
        return pages::refuse_with::<I>(c, imp.pages(), StatusCode::CONFLICT, already(&at));
    }
    let sheet = match read(&imp, up.bytes.clone()).await {
        Ok(s) => s,
        Err(e) => return pages::refuse::<I>(c, imp.pages(), e),
    };
    let n = sheet.sheet.rows.len();
    if !streams::<I>(n) {
        let rows = match imp.check(&state, &sheet, &Progress::default()).await {
            Ok(r) => r,
            Err(e) => return pages::refuse::<I>(c, imp.pages(), e),
        };
        let page = previewed(&state, c, &*imp, rows, &up, &sha256).await?;
        return Ok(render(&page)?.into_response());
    }
    let shell = ProgressPage::new(&c, imp.pages(), n, READING);
    // Nothing is written by a preview: it stops when the browser stops waiting.
    streamed::<I, _, _>(shell, true, move |progress| async move {
        let rows = imp.check(&state, &sheet, &progress).await?;
        let page = previewed(&state, c, &*imp, rows, &up, &sha256).await?;
        PreviewResult(&page).render().map_err(template_error)
    })
}

/// What a confirmation ends with.
enum Outcome<'p> {
    /// Nothing saved, the rows shown again: some have problems (422, when every row must be
    /// valid) or the outcome changed since the preview (409).
    Preview(StatusCode, PreviewPage<'p>),
    /// Saved (200), or rolled back on a row (409).
    Done(StatusCode, DonePage<'p>),
}

/// Compares a checked workbook (whose SHA-256 `f` names, checked) with what its preview
/// promised, and writes it if they match.
async fn save<'p, I: Import>(
    state: &AppState,
    c: Chrome,
    imp: &'p I,
    f: &Confirm,
    rows: Vec<Checked<I::Plan>>,
    progress: &Progress,
) -> Result<Outcome<'p>, AppError> {
    let file_name: String = f.file_name.chars().take(200).collect();
    let plan = digest(imp, &rows);
    let again = |key, notice: (&str, &str)| Preview {
        file_name: &file_name,
        key,
        sha256: &f.sha256,
        plan: &plan,
        notice: Some((notice.0.to_owned(), notice.1.to_owned())),
    };
    if I::SPEC.policy == Policy::EveryRow && rejected(&rows) > 0 {
        let v = again(
            "",
            (
                "Có dòng lỗi nên chưa lưu gì. Hãy sửa tệp rồi tải lên lại",
                "Some rows have errors, so nothing was saved. Correct the file and upload it again",
            ),
        );
        let page = pages::preview(c, imp, rows, v);
        return Ok(Outcome::Preview(StatusCode::UNPROCESSABLE_ENTITY, page));
    }
    if plan != f.plan {
        let v = again(
            &f.key,
            (
                "Dữ liệu đã thay đổi kể từ lúc xem trước nên chưa lưu gì. Hãy xem lại kết quả mới dưới đây rồi xác nhận",
                "The data changed since the preview, so nothing was saved. Check the new outcome below, then confirm",
            ),
        );
        let page = pages::preview(c, imp, rows, v);
        return Ok(Outcome::Preview(StatusCode::CONFLICT, page));
    }
    let commit = Commit {
        sha256: &f.sha256,
        key: &f.key,
        file_name: &file_name,
        rows_read: rows.len(),
    };
    let result = imp.write(state, &rows, commit, progress).await?;
    let (status, saved, failed) = match result {
        Ok(saved) => (StatusCode::OK, saved, None),
        Err(refusal) => (StatusCode::CONFLICT, Saved::default(), Some(refusal)),
    };
    let page = DonePage {
        c,
        p: imp.pages(),
        failed,
        done: imp.done(saved, rows.len()),
    };
    Ok(Outcome::Done(status, page))
}

/// Step 3: the stored bytes of a previewed workbook read and checked again, then written in one
/// transaction when the outcome is still the one the preview showed.
pub async fn commit<I: Import>(
    state: AppState,
    c: Chrome,
    imp: I,
    f: Confirm,
) -> PageResult<Response> {
    let imp = Arc::new(imp);
    let bytes = match upload::stored(&state, I::SPEC.key_prefix, &f).await {
        Ok(b) => b,
        Err(e) => return pages::refuse::<I>(c, imp.pages(), e),
    };
    // Claimed before the check below, so that two confirmations cannot both pass it.
    let Some(claim) = Committing::claim(&state, I::SPEC.entity, &f.sha256) else {
        return pages::refuse_with::<I>(c, imp.pages(), StatusCode::CONFLICT, busy());
    };
    if let Some(at) = I::imported_at(&state.db, &f.sha256).await? {
        return pages::refuse_with::<I>(c, imp.pages(), StatusCode::CONFLICT, already(&at));
    }
    let sheet = match read(&imp, bytes).await {
        Ok(s) => s,
        Err(e) => return pages::refuse::<I>(c, imp.pages(), e),
    };
    let n = sheet.sheet.rows.len();
    if !streams::<I>(n) {
        let none = Progress::default();
        let rows = match imp.check(&state, &sheet, &none).await {
            Ok(r) => r,
            Err(e) => return pages::refuse::<I>(c, imp.pages(), e),
        };
        let outcome = save(&state, c, &*imp, &f, rows, &none).await?;
        drop(claim);
        return Ok(match outcome {
            Outcome::Preview(status, page) => (status, render(&page)?).into_response(),
            Outcome::Done(status, page) => (status, render(&page)?).into_response(),
        });
    }
    let shell = ProgressPage::new(&c, imp.pages(), n, SAVING);
    // The confirmation was given: the task runs to its end (committed or rolled back) even when
    // the browser stops waiting.
    streamed::<I, _, _>(shell, false, move |progress| async move {
        let _claim = claim;
        let rows = imp.check(&state, &sheet, &progress).await?;
        match save(&state, c, &*imp, &f, rows, &progress).await? {
            Outcome::Preview(_, page) => PreviewResult(&page).render(),
            Outcome::Done(_, page) => DoneResult(&page).render(),
        }
        .map_err(template_error)
    })
}
