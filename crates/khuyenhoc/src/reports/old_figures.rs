//! Figures from before the program (issue 17, item 4): a province loads the figures its old
//! units (the communes and districts of the map before 1 July 2025 that became its units,
//! directly or through their old province) reported per half-year from 2023-H1 to 2025-H1,
//! through the import pipeline (`crate::sheets`): template, upload, preview of every row,
//! confirm, every row in ONE transaction or none; the same two steps through the API.
//!
//! Stored as figures of those old units (`old_figures`) and, in the same transaction, in the
//! live counters of each unit and its ancestors, as any figure: the successions carry them to
//! today's units (`figures::carried`), so the 2026-H1 report of a merged commune compares with
//! its predecessors' 2025-H1, and a cluster's change from a year earlier works across the
//! merger. Flows stay in their half-year; registrations and recognitions count into the year
//! (as evaluations do); members and branches are stocks at the half-year's end, kept under
//! `old.<metric>.h1|h2` and read by `figures::live` as the stock of a period ended then. A row
//! replaces every figure of its unit and half-year (a second workbook corrects the first).
//! Columns: `khuyenhoc_sheets::old_figures`.
//!
//! Who: an officer with `report.submit` at the province.

use crate::audit::{self, Actor, Change};
use crate::auth::{perm, ApiViewer, Viewer};
use crate::db::{Db, Tx};
use crate::error::{ApiResult, AppError, PageResult};
use crate::org::model::Unit;
use crate::org::path_upper_bound;
use crate::reports::counters;
use crate::sheets::api::{self as flow, Previewed, Saved as ApiSaved};
use crate::sheets::pages::{Link, Pages};
use crate::sheets::upload;
use crate::sheets::{
    Checked, Commit, Done, Import, Policy, Progress, Read, RowRefusal, Saved, Spec,
};
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::layout::Chrome;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use khuyenhoc_domain::Level;
use khuyenhoc_sheets::old_figures::{self as sheet, Col, Columns, LIMITS, PERIODS};
use khuyenhoc_sheets::RawRow;
use serde_json::{json, Value};
use sqlx::Row;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

/// The audit entity of an imported workbook; its id is the file's SHA-256.
const ENTITY: &str = "old_figures_import";

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// An old unit a province may give figures for.
#[derive(Debug, Clone)]
pub struct OldUnit {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub level: String,
}

/// The old communes and districts that became units of the province at `path`: those with a
/// succession to a unit of the province, and those under an old unit (an old province or
/// district) with one. By code (codes are unique among units valid on the same day).
pub async fn predecessors(db: &Db, path: &str) -> Result<Vec<OldUnit>, sqlx::Error> {
    let roots: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT p.path FROM unit_successions s JOIN units p ON p.id = s.predecessor_id \
         JOIN units n ON n.id = s.successor_id WHERE n.path >= $1 AND n.path < $2",
    )
    .bind(path)
    .bind(path_upper_bound(path))
    .fetch_all(&db.pool)
    .await?;
    let mut out: BTreeMap<String, OldUnit> = BTreeMap::new();
    for root in roots {
        let rows = sqlx::query(
            "SELECT id, code, name, level FROM units WHERE path >= $1 AND path < $2 \
             AND level IN ('commune', 'district') AND valid_to IS NOT NULL AND valid_to <= '2025-07-01'",
        )
        .bind(&root)
        .bind(path_upper_bound(&root))
        .fetch_all(&db.pool)
        .await?;
        for r in rows {
            let u = OldUnit {
                id: r.try_get(0)?,
                code: r.try_get(1)?,
                name: r.try_get(2)?,
                level: r.try_get(3)?,
            };
            out.entry(u.code.clone()).or_insert(u);
        }
    }
    Ok(out.into_values().collect())
}

/// What a valid row writes.
#[derive(Debug)]
pub struct Plan {
    pub unit_id: i64,
    pub code: String,
    pub period: &'static str,
    pub figures: Vec<(&'static str, i64)>,
}

/// A workbook imported by one province officer.
pub struct OldFigures {
    actor: Actor,
    province: Unit,
    pages: Pages,
}

/// The province, if the viewer may load its old figures (404 otherwise).
async fn province(db: &Db, v: &Viewer, code: &str) -> Result<(Unit, Actor), AppError> {
    let found = match khuyenhoc_domain::UnitCode::parse(code) {
        Ok(c) => crate::org::model::by_code(db, c.as_str()).await?,
        Err(_) => None,
    };
    let (unit, actor) = v.act(found, perm::REPORT_SUBMIT)?;
    if unit.level != Level::Province {
        return Err(AppError::bad_request(
            "Số liệu trước chương trình do tỉnh nhập",
            "Figures from before the program are loaded by a province",
        ));
    }
    Ok((unit, actor))
}

fn pages(p: &Unit) -> Pages {
    let base = format!("/units/{}/old-figures", p.code);
    Pages {
        unit_code: p.code.clone(),
        unit_name: p.name.clone(),
        year: None,
        upload_href: base.clone(),
        upload_action: base.clone(),
        commit_action: format!("{base}/commit"),
        template_href: format!("{base}/template.xlsx"),
        crumb: Link::new(format!("/units/{}", p.code), ("Đơn vị", "Unit")),
        upload_title: ("Nhập số liệu trước chương trình", "Load the figures from before the program"),
        heading: (
            "Nhập số liệu của các đơn vị cũ (trước 01/07/2025), từ 2023-H1 đến 2025-H1",
            "Load the figures of the old units (before 01/07/2025), from 2023-H1 to 2025-H1",
        ),
        steps: vec![
            ("Tải tệp mẫu: mỗi đơn vị cũ (xã, huyện trước sáp nhập) của tỉnh một dòng cho mỗi kỳ sáu tháng.", "Download the template: one row per old unit of the province (commune or district before the merger) and half-year."),
            ("Mỗi dòng thay cho mọi số liệu đã nhập trước của đơn vị đó trong kỳ đó.", "Each row replaces every figure loaded before for that unit and half-year."),
            ("Tải tệp lên để xem trước từng dòng; chỉ lưu khi mọi dòng hợp lệ, và lưu tất cả cùng lúc.", "Upload it to preview every row; it is saved only when every row is valid, and all at once."),
        ],
        preview_title: ("Xem trước số liệu cũ", "Old figures preview"),
        done_title: ("Đã lưu số liệu cũ", "Old figures saved"),
        name_column: ("Đơn vị cũ", "Old unit"),
        column: ("Kỳ", "Period"),
        noun: ("dòng", "rows"),
    }
}

impl Import for OldFigures {
    type Columns = Columns;
    type Plan = Plan;

    const SPEC: Spec = Spec {
        limits: LIMITS,
        key_prefix: "old-figures",
        entity: ENTITY,
        policy: Policy::EveryRow,
        stream_above: None,
    };
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
        let units: HashMap<String, OldUnit> = predecessors(&state.db, &self.province.path)
            .await?
            .into_iter()
            .map(|u| (u.code.clone(), u))
            .collect();
        let mut seen: HashMap<(i64, &'static str), u32> = HashMap::new();
        let mut out = vec![];
        for row in &read.sheet.rows {
            let cols = &read.cols;
            let mut checked = Checked {
                number: row.number,
                name: cols.text(row, Col::Name),
                note: cols.text(row, Col::Code),
                column: cols.text(row, Col::Period),
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
            let problem =
                |vi: &str, en: &str| vec![cols.problem(row.number, Some(Col::Code), vi, en)];
            checked.outcome = match units.get(&parsed.code) {
                None => Err(problem(
                    "không có đơn vị cũ nào của tỉnh mang mã này (xem danh sách trong tệp mẫu)",
                    "no old unit of the province has this code (see the list in the template)",
                )),
                Some(u) => {
                    checked.name.clone_from(&u.name);
                    match seen.get(&(u.id, parsed.period)) {
                        Some(first) => Err(problem(
                            &format!("đơn vị này đã có ở dòng {first} cho cùng kỳ"),
                            &format!("this unit is on row {first} already for the same period"),
                        )),
                        None => {
                            seen.insert((u.id, parsed.period), row.number);
                            Ok(Plan {
                                unit_id: u.id,
                                code: u.code.clone(),
                                period: parsed.period,
                                figures: parsed.figures,
                            })
                        }
                    }
                }
            };
            out.push(checked);
        }
        Ok(out)
    }

    fn plan_line(&self, p: &Plan, line: &mut String) {
        let _ = write!(line, "{}|{}|{:?}", p.unit_id, p.period, p.figures);
    }

    fn new_person(_: &Plan) -> bool {
        false
    }

    fn summary(&self, p: &Plan) -> (String, String) {
        let n = p.figures.len();
        (
            format!("{n} số liệu kỳ {}", p.period),
            format!("{n} figures for {}", p.period),
        )
    }

    async fn write(
        &self,
        state: &AppState,
        rows: &[Checked<Plan>],
        commit: Commit<'_>,
        _progress: &Progress,
    ) -> Result<Result<Saved, RowRefusal>, AppError> {
        let plans: Vec<&Plan> = rows
            .iter()
            .filter_map(|r| r.outcome.as_ref().ok())
            .collect();
        let mut tx = state.db.begin().await?;
        for p in &plans {
            replace(&mut tx, p, commit.sha256).await?;
        }
        let file = Change {
            unit_id: Some(self.province.id),
            entity: ENTITY,
            entity_id: commit.sha256.to_owned(),
            action: "import",
            before: None,
            after: Some(json!({
                "file_name": commit.file_name, "key": commit.key, "rows": commit.rows_read,
                "units": plans.iter().map(|p| format!("{}:{}", p.code, p.period)).collect::<Vec<_>>(),
            })),
        };
        audit::record(&mut tx, self.actor, file).await?;
        tx.commit().await?;
        Ok(Ok(Saved {
            rows: plans.len(),
            new_people: 0,
        }))
    }

    async fn imported_at(db: &Db, sha256: &str) -> Result<Option<String>, AppError> {
        Ok(audit::first_time(db, ENTITY, sha256, "import").await?)
    }

    fn done(&self, saved: Saved, rows_read: usize) -> Done {
        Done {
            heading: (
                "Đã lưu số liệu trước chương trình".to_owned(),
                "The figures from before the program are saved".to_owned(),
            ),
            result: (
                format!("Đã đọc {rows_read} dòng; lưu {} dòng.", saved.rows),
                format!("Read {rows_read} rows; saved {}.", saved.rows),
            ),
            next: Link::new(
                format!("/units/{}", self.province.code),
                ("Về trang tỉnh", "Back to the province"),
            ),
        }
    }
}

/// Replaces the figures of a unit and half-year: the counters move by the difference, in the
/// caller's transaction.
async fn replace(tx: &mut Tx<'_>, p: &Plan, sha256: &str) -> Result<(), sqlx::Error> {
    let mut deltas: BTreeMap<(String, String), i64> = BTreeMap::new();
    for r in sqlx::query("SELECT metric, value FROM old_figures WHERE unit_id = $1 AND period = $2")
        .bind(p.unit_id)
        .bind(p.period)
        .fetch_all(&mut **tx)
        .await?
    {
        let v: i64 = r.try_get(1)?;
        *deltas
            .entry(sheet::counter_of(p.period, &r.try_get::<String, _>(0)?))
            .or_insert(0) -= v;
    }
    for (m, v) in &p.figures {
        *deltas.entry(sheet::counter_of(p.period, m)).or_insert(0) += v;
    }
    let mut by_period: BTreeMap<String, Vec<(String, i64)>> = BTreeMap::new();
    for ((period, metric), d) in deltas {
        by_period.entry(period).or_default().push((metric, d));
    }
    for (period, d) in by_period {
        counters::add(tx, p.unit_id, &period, &d).await?;
    }
    sqlx::query("DELETE FROM old_figures WHERE unit_id = $1 AND period = $2")
        .bind(p.unit_id)
        .bind(p.period)
        .execute(&mut **tx)
        .await?;
    let now = crate::db::now();
    for (m, v) in &p.figures {
        sqlx::query(
            "INSERT INTO old_figures (unit_id, period, metric, value, import_sha256, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(p.unit_id)
        .bind(p.period)
        .bind(*m)
        .bind(*v)
        .bind(sha256)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The template: one row per old unit and half-year, codes and names filled, and a sheet of
/// instructions.
pub fn template_workbook(units: &[OldUnit]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook};
    let mut wb = Workbook::new();
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color(Color::RGB(0x00E2_EFDA));
    let text = Format::new().set_num_format("@");
    let ws = wb.add_worksheet();
    ws.set_name(sheet::DATA_SHEET)?;
    for (c, col) in sheet::columns().into_iter().enumerate() {
        let c = u16::try_from(c).unwrap_or(0);
        ws.write_string_with_format(0, c, sheet::labels(col).0, &head)?;
        ws.set_column_width(c, if col == Col::Name { 30 } else { 14 })?;
    }
    let mut row = 1u32;
    for u in units {
        for p in PERIODS {
            ws.write_string_with_format(row, 0, &u.code, &text)?;
            ws.write_string(row, 1, &u.name)?;
            ws.write_string(row, 2, p)?;
            row += 1;
        }
    }
    ws.set_freeze_panes(1, 3)?;
    let bold = Format::new().set_bold();
    let help = wb.add_worksheet();
    help.set_name(sheet::HELP_SHEET)?;
    help.set_column_width(0, 24)?;
    help.set_column_width(1, 100)?;
    let lines = [
        ("Cách điền", "Mỗi dòng là một đơn vị cũ (xã hoặc huyện trước 01/07/2025) trong một kỳ sáu tháng, từ 2023-H1 đến 2025-H1. Không sửa dòng tiêu đề, mã và kỳ; ô để trống là không có số liệu."),
        ("Hội viên, Chi hội", "Số có đến cuối kỳ."),
        ("Đăng ký, Công nhận", "Số trong kỳ; các kỳ của cùng một năm được cộng vào năm đó. Công dân học tập có thêm cột theo từng nhóm đối tượng; các nhóm cộng lại không được nhiều hơn tổng."),
        ("Thu, chi, học bổng", "Số tiền (đồng) và số suất trong kỳ; chi quỹ không gồm học bổng."),
        ("Lưu", "Mỗi dòng thay cho số liệu đã nhập trước của đơn vị đó trong kỳ đó. Chỉ lưu khi mọi dòng hợp lệ, và lưu tất cả cùng lúc."),
    ];
    for (i, (a, b)) in lines.iter().enumerate() {
        let i = u32::try_from(i).unwrap_or(0);
        help.write_string_with_format(i, 0, *a, &bold)?;
        help.write_string(i, 1, *b)?;
    }
    wb.save_to_buffer()
}

/// `GET /units/{code}/old-figures/template.xlsx`
pub async fn template(
    State(state): State<AppState>,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let (unit, _) = province(&state.db, &v, &code).await?;
    let units = predecessors(&state.db, &unit.path).await?;
    let bytes = template_workbook(&units)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing the template: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, XLSX_TYPE.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"so-lieu-cu-{}.xlsx\"", unit.code),
            ),
        ],
        bytes,
    )
        .into_response())
}

async fn import_for(state: &AppState, v: &Viewer, code: &str) -> Result<OldFigures, AppError> {
    let (unit, actor) = province(&state.db, v, code).await?;
    Ok(OldFigures {
        actor,
        pages: pages(&unit),
        province: unit,
    })
}

/// `GET /units/{code}/old-figures`: the upload page.
pub async fn upload_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult<Html<String>> {
    let imp = import_for(&state, &v, &code).await?;
    crate::sheets::pages::upload::<OldFigures>(c, imp.pages(), None)
}

/// `POST /units/{code}/old-figures`: the preview page.
pub async fn preview_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> PageResult<Response> {
    let imp = import_for(&state, &v, &code).await?;
    match upload::read(form, &[]).await {
        Ok(up) => crate::sheets::flow::preview(state, c, imp, up).await,
        Err(e) => crate::sheets::pages::refuse::<OldFigures>(c, imp.pages(), e),
    }
}

/// `POST /units/{code}/old-figures/commit`: every row of the preview, or none.
pub async fn commit_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<upload::Confirm>,
) -> PageResult<Response> {
    let imp = import_for(&state, &v, &code).await?;
    crate::sheets::flow::commit(state, c, imp, f).await
}

/// `POST /api/v1/units/{code}/old-figures`: the preview of a filled template.
pub async fn preview(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path(code): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> ApiResult<Json<Previewed>> {
    let imp = import_for(&state, &v, &code).await?;
    let up = upload::read(form, &[]).await?;
    Ok(Json(flow::preview(&state, imp, up, None).await?))
}

/// `POST /api/v1/units/{code}/old-figures/{id}/confirm`: every row of the preview, or none.
pub async fn confirm(
    State(state): State<AppState>,
    ApiViewer(v): ApiViewer,
    Path((code, id)): Path<(String, String)>,
) -> ApiResult<Json<ApiSaved>> {
    let imp = import_for(&state, &v, &code).await?;
    let f = flow::confirm_of(&id)?;
    Ok(Json(flow::commit(&state, imp, f).await?))
}

#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::route::Route> {
    use crate::web::route::{api, r, Access::*};
    use axum::http::Method as M;
    vec![
        r(M::GET, "/units/{code}/old-figures/template.xlsx", Officer, "Template of a province's figures from before the program", template),
        r(M::GET, "/units/{code}/old-figures", Officer, "Load a province's figures from before the program (upload)", upload_page),
        upload::body_limit(r(M::POST, "/units/{code}/old-figures", Officer, "Preview a province's workbook of figures from before the program", preview_page), LIMITS.max_bytes),
        r(M::POST, "/units/{code}/old-figures/commit", Officer, "Save a previewed workbook of figures from before the program", commit_page),
        upload::body_limit(api(M::POST, "/api/v1/units/{code}/old-figures", Officer, "Preview a province's workbook of figures from before the program (multipart: file): every row's outcome and an import_id; nothing saved", preview), LIMITS.max_bytes),
        api(M::POST, "/api/v1/units/{code}/old-figures/{id}/confirm", Officer, "Save a previewed workbook of figures from before the program, all or nothing", confirm),
    ]
}

/// The request bodies of these routes, for the OpenAPI document.
pub fn body_schema(method: &str, path: &str) -> Option<Value> {
    match (method, path) {
        ("post", "/api/v1/units/{code}/old-figures") => Some(json!({
            "x-media": "multipart/form-data",
            "type": "object",
            "properties": {
                "file": {"type": "string", "contentMediaType": XLSX_TYPE, "description": "the workbook made from the province's template (GET /units/{code}/old-figures/template.xlsx)"}
            },
            "required": ["file"],
        })),
        ("post", "/api/v1/units/{code}/old-figures/{id}/confirm") => Some(json!({
            "type": "object", "properties": {}, "required": [], "additionalProperties": false
        })),
        _ => None,
    }
}
