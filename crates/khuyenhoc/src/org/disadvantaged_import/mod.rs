//! The central office loads an official list of communes in especially difficult,
//! ethnic-minority and mountainous areas (an Excel workbook or a CSV file) through the import
//! pipeline (`crate::sheets`): every row previewed, nothing stored until confirmed, then every
//! row in ONE transaction, or none.
//!
//! A row names a commune by its official code, the decision that lists it (number, date,
//! issuer) and the years the decision is valid for (both included, at most ten): the commune is
//! marked for each of those years (`org::disadvantaged`), with the decision as the source. Years
//! already marked under the same decision are left as they are (the preview says so). A code
//! that is not an open commune, or a commune listed twice for the same year, stops the list.
//! Columns and limits: `khuyenhoc_sheets::disadvantaged` (20,000 rows, 5 MB).
//!
//! Who: an officer holding `unit.manage` at the centre (route access `Central`).

mod template;

pub use template::{template, template_workbook};

use super::disadvantaged::{self as flags, NewFlag, VIA_IMPORT};
use super::model::Unit;
use crate::audit::{self, Actor, Change};
use crate::auth::{perm, Viewer};
use crate::db::Db;
use crate::error::{AppError, PageResult};
use crate::sheets::pages::{upload as upload_view, Link, Pages};
use crate::sheets::upload::{self, Confirm};
use crate::sheets::{
    flow, Checked, Commit, Done, Import, Policy, Problem, Progress, Read, RowRefusal, Saved, Spec,
};
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::layout::Chrome;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::response::{Html, Response};
use khuyenhoc_sheets::disadvantaged::{self as sheet, Columns, LIMITS};
use khuyenhoc_sheets::RawRow;
use sqlx::Row;
use std::collections::HashMap;
use std::fmt::Write as _;

/// The audit entity of an imported list; its id is the file's SHA-256.
const ENTITY: &str = "disadvantaged_import";

/// What a valid row writes: the commune marked for `years` (those not already marked under the
/// same decision) under `source`.
#[derive(Debug)]
pub struct Plan {
    pub unit_id: i64,
    pub code: String,
    pub source: String,
    pub from: i64,
    pub to: i64,
    pub years: Vec<i64>,
}

/// A list imported by one central officer.
pub struct DisadvantagedImport {
    actor: Actor,
    pages: Pages,
}

/// The centre, if the viewer may import the list there (404 otherwise).
async fn centre(db: &Db, v: &Viewer) -> Result<(Unit, Actor), AppError> {
    super::service::with_right(db, v, "VN", perm::UNIT_MANAGE).await
}

fn pages(centre: &Unit) -> Pages {
    Pages {
        unit_code: centre.code.clone(),
        unit_name: centre.name.clone(),
        year: None,
        upload_href: "/disadvantaged/import".into(),
        upload_action: "/disadvantaged/import".into(),
        commit_action: "/disadvantaged/import/commit".into(),
        template_href: "/disadvantaged/template.xlsx".into(),
        crumb: Link::new(
            "/disadvantaged/import",
            ("Xã vùng đặc biệt khó khăn", "Disadvantaged communes"),
        ),
        upload_title: ("Nhập danh sách xã vùng đặc biệt khó khăn", "Import the disadvantaged communes"),
        heading: (
            "Nhập danh sách xã thuộc vùng đặc biệt khó khăn, vùng đồng bào dân tộc thiểu số và miền núi",
            "Import the communes of especially difficult, ethnic-minority and mountainous areas",
        ),
        steps: vec![
            ("Tải tệp mẫu (hoặc dùng tệp CSV UTF-8 có cùng tiêu đề): các cột Mã xã, Tên xã, Quyết định, Từ năm, Đến năm; mỗi xã một dòng theo quyết định phê duyệt danh sách.", "Download the template (or use a UTF-8 CSV file with the same headers): the columns Mã xã, Tên xã, Quyết định, Từ năm, Đến năm; one row per commune as the decision lists it."),
            ("Xã được đánh dấu cho từng năm từ «Từ năm» đến «Đến năm» (tối đa 10 năm), với quyết định là nguồn. Ngưỡng đạt của các danh hiệu trong các năm đó giảm theo bộ tiêu chí (ví dụ 70 thay vì 80 điểm).", "The commune is marked for each year from “Từ năm” to “Đến năm” (10 years at most), with the decision as the source. The pass mark of the titles in those years is lowered as the criteria say (e.g. 70 instead of 80 points)."),
            ("Tải tệp lên để xem trước từng dòng. Chưa có gì được lưu cho tới khi bạn xác nhận; chỉ lưu khi mọi dòng hợp lệ, và lưu tất cả cùng lúc.", "Upload it to preview every row. Nothing is saved until you confirm; it is saved only when every row is valid, and all at once."),
        ],
        preview_title: ("Xem trước danh sách xã", "Commune list preview"),
        done_title: ("Đã lưu danh sách xã", "Commune list saved"),
        name_column: ("Xã, phường", "Commune"),
        column: ("Các năm", "Years"),
        noun: ("xã", "communes"),
    }
}

impl Import for DisadvantagedImport {
    type Columns = Columns;
    type Plan = Plan;

    const SPEC: Spec = Spec {
        limits: LIMITS,
        key_prefix: "disadvantaged-imports",
        entity: ENTITY,
        policy: Policy::EveryRow,
        stream_above: None,
    };
    const CSV: bool = true;
    const CREATES_PEOPLE: bool = false;

    fn pages(&self) -> &Pages {
        &self.pages
    }

    fn columns(&self, header: &RawRow) -> Result<Columns, AppError> {
        Ok(sheet::map_header(header)?)
    }

    async fn check(
        &self,
        state: &AppState,
        read: &Read<Columns>,
        _progress: &Progress,
    ) -> Result<Vec<Checked<Plan>>, AppError> {
        check(&state.db, read).await
    }

    fn plan_line(&self, p: &Plan, line: &mut String) {
        let _ = write!(line, "{}|{}|{:?}", p.unit_id, p.source, p.years);
    }

    fn new_person(_: &Plan) -> bool {
        false
    }

    fn summary(&self, p: &Plan) -> (String, String) {
        if p.years.is_empty() {
            return (
                format!("Đã đánh dấu theo «{}», không thay đổi", p.source),
                format!("Marked under “{}” already, unchanged", p.source),
            );
        }
        let n = p.years.len();
        (
            format!("Đánh dấu {n} năm theo «{}»", p.source),
            format!("Marked for {n} years under “{}”", p.source),
        )
    }

    async fn write(
        &self,
        state: &AppState,
        rows: &[Checked<Plan>],
        commit: Commit<'_>,
        _progress: &Progress,
    ) -> Result<Result<Saved, RowRefusal>, AppError> {
        write(self, &state.db, rows, commit).await
    }

    async fn imported_at(db: &Db, sha256: &str) -> Result<Option<String>, AppError> {
        Ok(audit::first_time(db, ENTITY, sha256, "import").await?)
    }

    fn done(&self, saved: Saved, rows_read: usize) -> Done {
        Done {
            heading: (
                "Đã lưu danh sách xã vùng đặc biệt khó khăn".to_owned(),
                "The list of disadvantaged communes is saved".to_owned(),
            ),
            result: (
                format!(
                    "Đã đọc {rows_read} xã; {} xã có năm mới được đánh dấu.",
                    saved.rows
                ),
                format!(
                    "Read {rows_read} communes; {} had years newly marked.",
                    saved.rows
                ),
            ),
            next: Link::new(
                "/units/VN",
                ("Về trang Trung ương Hội", "Back to the central office"),
            ),
        }
    }
}

/// The communes of the country by code: (id, name, open).
async fn communes(db: &Db) -> Result<HashMap<String, (i64, String, bool)>, sqlx::Error> {
    sqlx::query("SELECT id, code, name, valid_to FROM units WHERE level = 'commune'")
        .fetch_all(&db.pool)
        .await?
        .into_iter()
        .map(|r| {
            let valid_to: Option<String> = r.try_get(3)?;
            Ok((
                r.try_get(1)?,
                (r.try_get(0)?, r.try_get(2)?, valid_to.is_none()),
            ))
        })
        .collect()
}

/// The flags in force: (unit, year) → (marked, source).
async fn in_force(db: &Db) -> Result<HashMap<(i64, i64), (bool, String)>, sqlx::Error> {
    sqlx::query(
        "SELECT d.unit_id, d.year, d.disadvantaged, d.source FROM unit_disadvantaged d \
         WHERE d.id IN (SELECT MAX(id) FROM unit_disadvantaged GROUP BY unit_id, year)",
    )
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(|r| {
        Ok((
            (r.try_get(0)?, r.try_get(1)?),
            (r.try_get::<i64, _>(2)? != 0, r.try_get(3)?),
        ))
    })
    .collect()
}

/// Every row checked against the map and the flags in force; nothing written.
async fn check(db: &Db, read: &Read<Columns>) -> Result<Vec<Checked<Plan>>, AppError> {
    let communes = communes(db).await?;
    let flags = in_force(db).await?;
    // (commune, year) → the row that listed it first.
    let mut seen: HashMap<(i64, i64), u32> = HashMap::new();
    let mut out = Vec::with_capacity(read.sheet.rows.len());
    for row in &read.sheet.rows {
        let cols = &read.cols;
        let code_typed = cols.text(row, sheet::Col::Code);
        let mut checked = Checked {
            number: row.number,
            name: cols.text(row, sheet::Col::Name),
            note: code_typed.clone(),
            column: String::new(),
            outcome: Err(vec![]),
        };
        let parsed = match cols.row(row) {
            Ok(p) => p,
            Err(problems) => {
                checked.outcome = Err(problems);
                out.push(checked);
                continue;
            }
        };
        checked.column = format!("{}–{}", parsed.from, parsed.to);
        checked.note = parsed.code.to_string();
        let problem =
            |vi: &str, en: &str| vec![cols.problem(row.number, Some(sheet::Col::Code), vi, en)];
        checked.outcome = match communes.get(parsed.code.as_str()) {
            None => Err(problem(
                "không có xã, phường nào mang mã này trong danh mục hành chính",
                "no commune has this code in the official list",
            )),
            Some((_, name, false)) => {
                checked.name.clone_from(name);
                Err(problem(
                    "xã, phường này đã giải thể hoặc sáp nhập",
                    "this commune was closed or merged",
                ))
            }
            Some((id, name, true)) => {
                checked.name.clone_from(name);
                plan(*id, &parsed, row.number, &flags, &mut seen, cols)
            }
        };
        out.push(checked);
    }
    Ok(out)
}

/// The plan of a row of an open commune: refused when an earlier row listed it for one of its
/// years; the years not already marked under the same decision.
fn plan(
    unit_id: i64,
    parsed: &sheet::Row,
    number: u32,
    flags: &HashMap<(i64, i64), (bool, String)>,
    seen: &mut HashMap<(i64, i64), u32>,
    cols: &Columns,
) -> Result<Plan, Vec<Problem>> {
    if let Some(first) = parsed.years().find_map(|y| seen.get(&(unit_id, y))) {
        return Err(vec![cols.problem(
            number,
            Some(sheet::Col::Code),
            &format!("xã này đã có ở dòng {first} cho cùng năm"),
            &format!("this commune is on row {first} already for the same year"),
        )]);
    }
    for y in parsed.years() {
        seen.insert((unit_id, y), number);
    }
    let years = parsed
        .years()
        .filter(|y| {
            flags
                .get(&(unit_id, *y))
                .is_none_or(|(marked, source)| !*marked || *source != parsed.source)
        })
        .collect();
    Ok(Plan {
        unit_id,
        code: parsed.code.to_string(),
        source: parsed.source.clone(),
        from: parsed.from,
        to: parsed.to,
        years,
    })
}

/// Every row's years in one transaction, an audit entry per commune and one for the file.
async fn write(
    imp: &DisadvantagedImport,
    db: &Db,
    rows: &[Checked<Plan>],
    commit: Commit<'_>,
) -> Result<Result<Saved, RowRefusal>, AppError> {
    let plans: Vec<&Plan> = rows
        .iter()
        .filter_map(|r| r.outcome.as_ref().ok())
        .collect();
    let new: Vec<NewFlag<'_>> = plans
        .iter()
        .flat_map(|p| {
            p.years.iter().map(|y| NewFlag {
                unit_id: p.unit_id,
                year: *y,
                disadvantaged: true,
                source: &p.source,
                via: VIA_IMPORT,
                import_sha256: Some(commit.sha256),
                set_by: imp.actor.person_id,
                set_position: imp.actor.position_id,
            })
        })
        .collect();
    let changed: Vec<&&Plan> = plans.iter().filter(|p| !p.years.is_empty()).collect();
    let mut tx = db.begin().await?;
    flags::insert(&mut tx, &new).await?;
    for chunk in changed.chunks(audit::MANY_PER_STATEMENT) {
        let entries = chunk
            .iter()
            .map(|p| {
                let change = Change {
                    unit_id: Some(p.unit_id),
                    entity: "unit",
                    entity_id: p.code.clone(),
                    action: "mark_disadvantaged",
                    before: None,
                    after: Some(serde_json::json!({"years": p.years, "disadvantaged": true, "source": p.source, "import": commit.sha256})),
                };
                (imp.actor, change)
            })
            .collect();
        audit::record_many(&mut tx, entries).await?;
    }
    let file = Change {
        unit_id: None,
        entity: ENTITY,
        entity_id: commit.sha256.to_owned(),
        action: "import",
        before: None,
        after: Some(serde_json::json!({
            "file_name": commit.file_name, "key": commit.key, "rows": commit.rows_read,
            "communes_changed": changed.len(), "flags": new.len(),
        })),
    };
    audit::record(&mut tx, imp.actor, file).await?;
    tx.commit().await?;
    Ok(Ok(Saved {
        rows: changed.len(),
        new_people: 0,
    }))
}

pub async fn upload_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
) -> PageResult<Html<String>> {
    let (unit, _) = centre(&state.db, &v).await?;
    upload_view::<DisadvantagedImport>(c, &pages(&unit), None)
}

pub async fn preview(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    form: Result<Multipart, MultipartRejection>,
) -> PageResult<Response> {
    let (unit, actor) = centre(&state.db, &v).await?;
    let imp = DisadvantagedImport {
        actor,
        pages: pages(&unit),
    };
    match upload::read(form, &[]).await {
        Ok(up) => flow::preview(state, c, imp, up).await,
        Err(e) => crate::sheets::pages::refuse::<DisadvantagedImport>(c, imp.pages(), e),
    }
}

pub async fn commit(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    PageForm(f): PageForm<Confirm>,
) -> PageResult<Response> {
    let (unit, actor) = centre(&state.db, &v).await?;
    let imp = DisadvantagedImport {
        actor,
        pages: pages(&unit),
    };
    flow::commit(state, c, imp, f).await
}

/// The routes of the import, with their access rules.
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::route::Route> {
    use crate::web::route::{r, Access::*};
    use axum::http::Method as M;
    vec![
        r(M::GET, "/disadvantaged/template.xlsx", Central, "Template of the disadvantaged communes list", template),
        r(M::GET, "/disadvantaged/import", Central, "Import the disadvantaged communes list (upload)", upload_page),
        upload::body_limit(r(M::POST, "/disadvantaged/import", Central, "Preview a disadvantaged communes list", preview), LIMITS.max_bytes),
        r(M::POST, "/disadvantaged/import/commit", Central, "Save a previewed disadvantaged communes list", commit),
    ]
}
