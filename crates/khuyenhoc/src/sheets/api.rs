//! The import pipeline through the JSON API (issue 16, item 8): the same steps as the pages
//! (`flow`), answered as data. A preview reads and checks every row and keeps the bytes when
//! something can be saved; its `import_id` carries what the page's confirm form carries (the
//! stored key, the SHA-256, the digest of what the preview showed, the file name and the year),
//! so a confirmation writes only what was previewed, all at once or nothing. No streaming: the
//! caller waits for the answer.

use super::claim::Committing;
use super::flow::{digest, read, rejected};
use super::pages::storable;
use super::progress::Progress;
use super::upload::{self, Confirm, Upload};
use super::{Commit, Import, Policy};
use crate::error::{AppError, FieldError, RowRefusal};
use crate::state::AppState;
use khuyenhoc_domain::Invalid;
use serde::Serialize;
use std::sync::Arc;

/// A workbook read and checked; nothing written.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "ImportPreview")]
pub struct Previewed {
    /// What confirms this preview (`…/import/{import_id}/confirm`); null when nothing can be
    /// saved.
    pub import_id: Option<String>,
    pub file_name: String,
    pub rows_read: usize,
    pub accepted: usize,
    pub rejected: usize,
    /// Accepted rows that make a new person.
    pub new_people: usize,
    pub rows: Vec<PreviewRow>,
}

/// One data row of the workbook and its outcome.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "ImportPreviewRow")]
pub struct PreviewRow {
    /// Excel's row number.
    pub number: u32,
    pub name: String,
    pub note: String,
    pub column: String,
    pub ok: bool,
    /// What an accepted row writes (Vietnamese, English); empty for a refused row.
    pub summary_vi: String,
    pub summary_en: String,
    /// Why a refused row is refused.
    pub problems: Vec<RowProblem>,
}

#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "ImportRowProblem")]
pub struct RowProblem {
    pub vi: String,
    pub en: String,
}

/// What a confirmation wrote.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "ImportSaved")]
pub struct Saved {
    pub rows: usize,
    pub new_people: usize,
    pub rows_read: usize,
}

/// The id of a preview: the confirm form's fields, hex-encoded JSON.
fn id_of(f: &Confirm) -> String {
    let v = serde_json::json!([f.key, f.sha256, f.plan, f.file_name, f.year]);
    hex::encode(v.to_string())
}

/// The confirm form an `import_id` carries; anything else is a 404, like a preview that never
/// was.
pub fn confirm_of(id: &str) -> Result<Confirm, AppError> {
    if id.len() > 4096 {
        return Err(AppError::NotFound);
    }
    let bytes = hex::decode(id).map_err(|_| AppError::NotFound)?;
    let (key, sha256, plan, file_name, year): (String, String, String, String, String) =
        serde_json::from_slice(&bytes).map_err(|_| AppError::NotFound)?;
    Ok(Confirm {
        key,
        sha256,
        plan,
        file_name,
        year,
    })
}

fn conflict(vi: &'static str, en: &'static str) -> AppError {
    AppError::Conflict(FieldError::new("file", Invalid::new(vi, en)))
}

const ALREADY: (&str, &str) = (
    "Tệp này đã được nhập rồi; không nhập lại lần nữa",
    "This workbook was imported already; it is not imported twice",
);

/// Step 2 through the API: the workbook read and every row checked, nothing written.
pub async fn preview<I: Import>(
    state: &AppState,
    imp: I,
    up: Upload,
    year: Option<i64>,
) -> Result<Previewed, AppError> {
    let imp = Arc::new(imp);
    let sha256 = upload::sha256_hex(&up.bytes);
    if I::imported_at(&state.db, &sha256).await?.is_some() {
        return Err(conflict(ALREADY.0, ALREADY.1));
    }
    let sheet = read(&imp, up.bytes.clone()).await?;
    let rows = imp.check(state, &sheet, &Progress::default()).await?;
    let plan = digest(&*imp, &rows);
    let refused = rejected(&rows);
    let accepted = rows.len() - refused;
    let import_id = if storable(I::SPEC.policy, accepted, refused) {
        let key = upload::keep(state, I::SPEC.key_prefix, &up.bytes).await?;
        Some(id_of(&Confirm {
            key,
            sha256,
            plan,
            file_name: up.file_name.clone(),
            year: year.map(|y| y.to_string()).unwrap_or_default(),
        }))
    } else {
        None
    };
    let rows_read = rows.len();
    let mut new_people = 0;
    let rows = rows
        .into_iter()
        .map(|r| {
            let mut row = PreviewRow {
                number: r.number,
                name: r.name,
                note: r.note,
                column: r.column,
                ok: r.outcome.is_ok(),
                summary_vi: String::new(),
                summary_en: String::new(),
                problems: vec![],
            };
            match r.outcome {
                Ok(plan) => {
                    new_people += usize::from(I::new_person(&plan));
                    (row.summary_vi, row.summary_en) = imp.summary(&plan);
                }
                Err(problems) => {
                    row.problems = problems
                        .into_iter()
                        .map(|p| RowProblem { vi: p.vi, en: p.en })
                        .collect();
                }
            }
            row
        })
        .collect();
    Ok(Previewed {
        import_id,
        file_name: up.file_name,
        rows_read,
        accepted,
        rejected: refused,
        new_people,
        rows,
    })
}

/// Step 3 through the API: the stored bytes read and checked again, then every accepted row
/// written in one transaction when the outcome is still the one the preview showed (409 when it
/// changed, nothing written; 422 with the row when a row cannot be written, nothing written).
pub async fn commit<I: Import>(state: &AppState, imp: I, f: Confirm) -> Result<Saved, AppError> {
    let imp = Arc::new(imp);
    let bytes = upload::stored(state, I::SPEC.key_prefix, &f).await?;
    let Some(claim) = Committing::claim(state, I::SPEC.entity, &f.sha256) else {
        return Err(conflict(
            "Tệp này đang được lưu; hãy đợi vài phút rồi xem lại danh sách",
            "This workbook is being saved right now; wait a few minutes, then look at the list again",
        ));
    };
    if I::imported_at(&state.db, &f.sha256).await?.is_some() {
        return Err(conflict(ALREADY.0, ALREADY.1));
    }
    let sheet = read(&imp, bytes).await?;
    let none = Progress::default();
    let rows = imp.check(state, &sheet, &none).await?;
    if I::SPEC.policy == Policy::EveryRow && rejected(&rows) > 0 {
        return Err(AppError::Unprocessable {
            vi: "Có dòng lỗi nên chưa lưu gì. Hãy sửa tệp rồi tải lên lại".into(),
            en: "Some rows have errors, so nothing was saved. Correct the file and upload it again"
                .into(),
        });
    }
    if digest(&*imp, &rows) != f.plan {
        return Err(conflict(
            "Dữ liệu đã thay đổi kể từ lúc xem trước nên chưa lưu gì. Hãy xem trước lại rồi xác nhận",
            "The data changed since the preview, so nothing was saved. Preview again, then confirm",
        ));
    }
    let file_name: String = f.file_name.chars().take(200).collect();
    let commit = Commit {
        sha256: &f.sha256,
        key: &f.key,
        file_name: &file_name,
        rows_read: rows.len(),
    };
    let result = imp.write(state, &rows, commit, &none).await?;
    drop(claim);
    match result {
        Ok(saved) => Ok(Saved {
            rows: saved.rows,
            new_people: saved.new_people,
            rows_read: rows.len(),
        }),
        Err(refusal) => Err(AppError::Rows(vec![RowRefusal {
            id: i64::from(refusal.row),
            name: String::new(),
            message: refusal.vi,
            message_en: refusal.en,
        }])),
    }
}
