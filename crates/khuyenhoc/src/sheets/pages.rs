//! The pages every import shows (templates `import_*.html`): the upload form, the preview of
//! every row, the page after a commit, and the shell and end of a streamed page. What differs
//! between imports is data: [`Pages`] (made once per request), [`ShownRow`], [`Done`].

use super::{Checked, Import, Policy, Problem, RowRefusal};
use crate::error::{AppError, PageError, PageResult};
use crate::web::layout::{render, Chrome};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// A text in both languages.
pub type Text = (&'static str, &'static str);

/// A link with its text.
#[derive(Debug, Clone)]
pub struct Link {
    pub href: String,
    pub vi: &'static str,
    pub en: &'static str,
}

impl Link {
    pub fn new(href: impl Into<String>, text: Text) -> Self {
        Link {
            href: href.into(),
            vi: text.0,
            en: text.1,
        }
    }
}

/// What an import's pages say and where they link.
#[derive(Debug, Clone)]
pub struct Pages {
    pub unit_code: String,
    pub unit_name: String,
    /// The year the import is for, when it is for one: asked on the upload form, shown in the
    /// preview, carried by the confirm form.
    pub year: Option<i64>,
    /// The upload page (crumbs, "upload again").
    pub upload_href: String,
    /// Where the upload form posts (the CSRF token is added in the query, as the body is
    /// multipart).
    pub upload_action: String,
    /// Where the confirm form posts.
    pub commit_action: String,
    /// The template download (with `?year=` from a small form when the import has a year).
    pub template_href: String,
    /// The upload page's crumb after the unit.
    pub crumb: Link,
    pub upload_title: Text,
    pub heading: Text,
    /// The upload page's numbered instructions.
    pub steps: Vec<Text>,
    pub preview_title: Text,
    pub done_title: Text,
    /// The header of the preview's name column.
    pub name_column: Text,
    /// The header of the preview's third column (a phone, a branch).
    pub column: Text,
    /// What the rows are, counted on the save button ("Lưu cả 3 hội viên").
    pub noun: Text,
}

/// One row as the preview shows it.
#[derive(Debug, Clone)]
pub struct ShownRow {
    pub number: u32,
    pub ok: bool,
    pub name: String,
    pub note: String,
    pub column: String,
    /// What an accepted row will do (Vietnamese, English).
    pub summary: (String, String),
    pub problems: Vec<Problem>,
}

/// What the page after a commit says.
#[derive(Debug, Clone)]
pub struct Done {
    pub heading: (String, String),
    pub result: (String, String),
    /// Where to go next.
    pub next: Link,
}

#[derive(Template)]
#[template(path = "import_upload.html")]
pub struct UploadPage<'a> {
    pub c: Chrome,
    pub p: &'a Pages,
    pub problem: Option<(String, String)>,
    pub max_rows: usize,
    pub max_mb: usize,
    /// A CSV file is taken too.
    pub csv: bool,
}

/// The confirm form of a preview.
pub struct ConfirmForm {
    pub fields: Vec<(&'static str, String)>,
    pub button: (String, String),
}

#[derive(Template)]
#[template(path = "import_preview.html")]
pub struct PreviewPage<'a> {
    pub c: Chrome,
    pub p: &'a Pages,
    pub file_name: String,
    /// The rows shown: every row with errors up to [`SHOWN_ERRORS`], then valid rows up to
    /// [`SHOWN_VALID`], in the workbook's order, so the page stays small at 100,000 rows.
    pub rows: Vec<ShownRow>,
    /// Rows read from the workbook.
    pub read: usize,
    /// Rows with errors, and valid rows, that the page does not show.
    pub hidden_errors: usize,
    pub hidden_valid: usize,
    pub accepted: usize,
    pub rejected: usize,
    pub new_people: usize,
    /// Whether the import creates people (else no count of new ones is shown).
    pub people: bool,
    pub confirm: Option<ConfirmForm>,
    /// Why there is no confirm form.
    pub refusal: Text,
    pub notice: Option<(String, String)>,
}

/// The result part of a preview page alone (the end of a streamed page).
#[derive(Template)]
#[template(path = "import_preview.html", block = "result")]
pub struct PreviewResult<'a, 'p>(pub &'a PreviewPage<'p>);

impl<'p> std::ops::Deref for PreviewResult<'_, 'p> {
    type Target = PreviewPage<'p>;
    fn deref(&self) -> &PreviewPage<'p> {
        self.0
    }
}

#[derive(Template)]
#[template(path = "import_done.html")]
pub struct DonePage<'a> {
    pub c: Chrome,
    pub p: &'a Pages,
    pub failed: Option<RowRefusal>,
    pub done: Done,
}

/// The result part of a commit page alone (the end of a streamed page).
#[derive(Template)]
#[template(path = "import_done.html", block = "result")]
pub struct DoneResult<'a, 'p>(pub &'a DonePage<'p>);

impl<'p> std::ops::Deref for DoneResult<'_, 'p> {
    type Target = DonePage<'p>;
    fn deref(&self) -> &DonePage<'p> {
        self.0
    }
}

/// The shell of a streamed page: its head and heading; progress lines and the result follow.
#[derive(Template, Clone)]
#[template(path = "import_progress.html")]
pub struct ProgressPage {
    pub c: Chrome,
    pub unit_code: String,
    pub unit_name: String,
    pub upload_href: String,
    pub rows: usize,
    pub title: Text,
}

impl ProgressPage {
    pub fn new(c: &Chrome, p: &Pages, rows: usize, title: Text) -> Self {
        ProgressPage {
            c: c.clone(),
            unit_code: p.unit_code.clone(),
            unit_name: p.unit_name.clone(),
            upload_href: p.upload_href.clone(),
            rows,
            title,
        }
    }
}

/// Why a streamed page's work stopped.
#[derive(Template)]
#[template(path = "import_stopped.html")]
pub struct StoppedPart {
    pub c: Chrome,
    pub upload_href: String,
    pub problem: (String, String),
}

fn max_mb<I: Import>() -> usize {
    I::SPEC.limits.max_bytes / 1024 / 1024
}

/// The upload page, with a problem or not.
pub fn upload<I: Import>(
    c: Chrome,
    p: &Pages,
    problem: Option<(String, String)>,
) -> PageResult<axum::response::Html<String>> {
    render(&UploadPage {
        c,
        p,
        problem,
        max_rows: I::SPEC.limits.max_rows,
        max_mb: max_mb::<I>(),
        csv: I::CSV,
    })
}

/// What an upload page says of a refusal (a 4xx); `None` for anything else (a 5xx).
pub fn refusal<I: Import>(e: &AppError) -> Option<(String, String)> {
    Some(match e {
        AppError::Invalid(_)
        | AppError::BadRequest { .. }
        | AppError::Unprocessable { .. }
        | AppError::Conflict(_) => e.messages(),
        AppError::PayloadTooLarge => {
            let mb = max_mb::<I>();
            (
                format!("Tệp quá lớn (tối đa {mb} MB)"),
                format!("The file is too large (at most {mb} MB)"),
            )
        }
        _ => return None,
    })
}

/// A refused workbook: the upload page again with the reason, and the error's 4xx status.
/// Anything else (a 5xx) goes to the error page.
pub fn refuse<I: Import>(c: Chrome, p: &Pages, e: AppError) -> PageResult<Response> {
    match refusal::<I>(&e) {
        Some(message) => refuse_with::<I>(c, p, e.status(), message),
        None => Err(PageError(e)),
    }
}

pub fn refuse_with<I: Import>(
    c: Chrome,
    p: &Pages,
    status: StatusCode,
    message: (String, String),
) -> PageResult<Response> {
    Ok((status, upload::<I>(c, p, Some(message))?).into_response())
}

/// Rows with errors a preview page shows at most (the first ones: they are what to fix).
pub const SHOWN_ERRORS: usize = 100;
/// Valid rows a preview page shows at most (the first ones, as a sample of what will be saved).
pub const SHOWN_VALID: usize = 20;

/// What a preview counts and the rows it shows.
struct Shown {
    rows: Vec<ShownRow>,
    read: usize,
    accepted: usize,
    new_people: usize,
    hidden_errors: usize,
    hidden_valid: usize,
}

/// The rows the preview shows (the first [`SHOWN_ERRORS`] with errors and the first
/// [`SHOWN_VALID`] valid ones) and the counts of all of them.
fn shown<I: Import>(imp: &I, rows: Vec<Checked<I::Plan>>) -> Shown {
    let mut out = Shown {
        rows: Vec::new(),
        read: rows.len(),
        accepted: 0,
        new_people: 0,
        hidden_errors: 0,
        hidden_valid: 0,
    };
    let mut errors = 0;
    for r in rows {
        let mut s = ShownRow {
            number: r.number,
            ok: r.outcome.is_ok(),
            name: r.name,
            note: r.note,
            column: r.column,
            summary: (String::new(), String::new()),
            problems: vec![],
        };
        match r.outcome {
            Ok(plan) => {
                out.accepted += 1;
                out.new_people += usize::from(I::new_person(&plan));
                if out.accepted > SHOWN_VALID {
                    out.hidden_valid += 1;
                    continue;
                }
                s.summary = imp.summary(&plan);
            }
            Err(p) => {
                errors += 1;
                if errors > SHOWN_ERRORS {
                    out.hidden_errors += 1;
                    continue;
                }
                s.problems = p;
            }
        }
        out.rows.push(s);
    }
    out
}

/// Whether a checked workbook can be confirmed under the import's policy.
pub fn storable(policy: Policy, accepted: usize, rejected: usize) -> bool {
    match policy {
        Policy::ValidRows => accepted > 0,
        Policy::EveryRow => accepted > 0 && rejected == 0,
    }
}

/// What a preview shows and carries.
pub struct Preview<'a> {
    pub file_name: &'a str,
    /// Where the bytes wait (empty: no confirm form).
    pub key: &'a str,
    pub sha256: &'a str,
    pub plan: &'a str,
    pub notice: Option<(String, String)>,
}

/// The preview page of checked rows (taken: a preview of 100,000 rows keeps no second copy).
pub fn preview<'p, I: Import>(
    c: Chrome,
    imp: &'p I,
    rows: Vec<Checked<I::Plan>>,
    v: Preview<'_>,
) -> PreviewPage<'p> {
    let p = imp.pages();
    let Shown {
        rows: shown,
        read,
        accepted,
        new_people,
        hidden_errors,
        hidden_valid,
    } = shown(imp, rows);
    let rejected = read - accepted;
    let confirm = (!v.key.is_empty() && storable(I::SPEC.policy, accepted, rejected)).then(|| {
        let mut fields = vec![
            ("key", v.key.to_owned()),
            ("sha256", v.sha256.to_owned()),
            ("plan", v.plan.to_owned()),
            ("file_name", v.file_name.to_owned()),
        ];
        if let Some(y) = p.year {
            fields.push(("year", y.to_string()));
        }
        let button = if rejected > 0 {
            (
                format!("Lưu {accepted} dòng hợp lệ, bỏ qua {rejected} dòng lỗi"),
                format!("Save {accepted} valid rows, skip {rejected} rows with errors"),
            )
        } else {
            (
                format!("Lưu cả {accepted} {}", p.noun.0),
                format!("Save all {accepted} {}", p.noun.1),
            )
        };
        ConfirmForm { fields, button }
    });
    let refusal = match I::SPEC.policy {
        Policy::ValidRows => (
            "Không có dòng nào hợp lệ để lưu. Hãy sửa tệp rồi tải lên lại.",
            "No row is valid. Correct the file and upload it again.",
        ),
        Policy::EveryRow => (
            "Chỉ lưu được khi mọi dòng đều hợp lệ. Hãy sửa các dòng lỗi trong tệp rồi tải lên lại.",
            "The list is saved only when every row is valid. Correct the rows with errors and upload the file again.",
        ),
    };
    PreviewPage {
        c,
        p,
        file_name: v.file_name.to_owned(),
        rows: shown,
        read,
        hidden_errors,
        hidden_valid,
        accepted,
        rejected,
        new_people,
        people: I::CREATES_PEOPLE,
        confirm,
        refusal,
        notice: v.notice,
    }
}
