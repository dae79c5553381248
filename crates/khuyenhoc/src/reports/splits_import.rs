//! The sheet of a province's split communes: downloaded filled with every split whose
//! successors lie in the province (one row per successor: the rule in force, the share in
//! percent, the population of the piece), filled in, and uploaded through the import pipeline
//! (`crate::sheets`): every row previewed, nothing stored until confirmed, then every split in
//! ONE transaction, or none (`Policy::EveryRow`). The rows of one old commune must name every
//! successor once with the same rule, and typed shares add up to 100 %: a refusal is shown on
//! each row of that commune. Who: the officers who set the shares on the page
//! (`reports::splits`). Columns and limits: `khuyenhoc_sheets::shares`.

use super::shares::Rule;
use super::splits::{self, PieceInput, SharesInput, Split, Values};
use crate::audit::{self, Actor, Change};
use crate::auth::Viewer;
use crate::db::Db;
use crate::error::{AppError, PageResult};
use crate::sheets::pages::{upload as upload_view, Link, Pages};
use crate::sheets::upload::{self, Confirm};
use crate::sheets::{
    flow, Checked, Commit, Done, Import, Policy, Progress, Read, RowRefusal, Saved, Spec,
};
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::layout::Chrome;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use khuyenhoc_sheets::shares::{
    self as sheet, Col, Columns, COLUMNS, DATA_SHEET, HELP_SHEET, LIMITS, RULES,
};
use khuyenhoc_sheets::RawRow;
use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The audit entity of an imported sheet; its id is the file's SHA-256.
const ENTITY: &str = "shares_import";

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// What a row writes: its split's shares (written once, by the split's first row).
#[derive(Debug)]
pub struct Plan {
    pub split: Split,
    pub first: bool,
    pub rule: Rule,
    pub values: Values,
}

pub struct SharesImport {
    actor: Actor,
    splits: Vec<Split>,
    pages: Pages,
}

/// The unit and the viewer's actor there, if the viewer sets shares there (404 otherwise).
async fn scope(
    db: &Db,
    v: &Viewer,
    code: &str,
) -> Result<(crate::org::model::Unit, Actor), AppError> {
    let unit = crate::org::service::visible(db, v, code).await?;
    let position = splits::manager(v, &unit.path)
        .ok_or(AppError::NotFound)?
        .position_id;
    Ok((unit, Actor::new(v.person_id, Some(position))))
}

fn pages(code: &str, name: &str) -> Pages {
    let base = format!("/units/{code}/successions/splits");
    Pages {
        unit_code: code.to_owned(),
        unit_name: name.to_owned(),
        year: None,
        upload_href: format!("{base}/import"),
        upload_action: format!("{base}/import"),
        commit_action: format!("{base}/import/commit"),
        template_href: format!("{base}/sheet.xlsx"),
        crumb: Link::new(
            &base,
            ("Tỉ lệ chia của xã được chia tách", "Shares of split communes"),
        ),
        upload_title: ("Nhập tỉ lệ chia từ tệp Excel", "Import the shares from Excel"),
        heading: (
            "Nhập tỉ lệ chia số liệu của các xã được chia tách",
            "Import the shares of the split communes",
        ),
        steps: vec![
            ("Tải tệp Excel các xã được chia tách của đơn vị: mỗi đơn vị kế thừa một dòng, với cách chia, tỉ lệ và dân số đang dùng.", "Download the sheet of the unit's split communes: one row per successor, with the rule, share and population in force."),
            ("Ghi cách chia (theo tỉ lệ, theo dân số hoặc chia đều) giống nhau trên mọi dòng của một xã cũ; theo tỉ lệ thì các tỉ lệ cộng lại bằng 100; theo dân số thì ghi dân số từng phần.", "Write the same rule (theo tỉ lệ, theo dân số or chia đều) on every row of an old commune; shares add up to 100; by population, give each piece's population."),
            ("Tải tệp lên để xem trước từng dòng. Chưa có gì được lưu cho tới khi bạn xác nhận; chỉ lưu khi mọi dòng hợp lệ, và lưu tất cả cùng lúc.", "Upload it to preview every row. Nothing is saved until you confirm; it is saved only when every row is valid, and all at once."),
        ],
        preview_title: ("Xem trước tỉ lệ chia", "Shares preview"),
        done_title: ("Đã lưu tỉ lệ chia", "Shares saved"),
        name_column: ("Xã cũ", "Old commune"),
        column: ("Đơn vị kế thừa", "Successor"),
        noun: ("dòng", "rows"),
    }
}

impl Import for SharesImport {
    type Columns = Columns;
    type Plan = Plan;

    const SPEC: Spec = Spec {
        limits: LIMITS,
        key_prefix: "shares-imports",
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
        _state: &AppState,
        read: &Read<Columns>,
        _progress: &Progress,
    ) -> Result<Vec<Checked<Plan>>, AppError> {
        Ok(check(&self.splits, read))
    }

    fn plan_line(&self, p: &Plan, line: &mut String) {
        let _ = write!(line, "{}|{}|{:?}", p.split.id, p.rule.code(), p.values);
    }

    fn new_person(_: &Plan) -> bool {
        false
    }

    fn summary(&self, p: &Plan) -> (String, String) {
        let (vi, en) = p.rule.words();
        (format!("Chia {vi}"), format!("Shared {en}"))
    }

    async fn write(
        &self,
        state: &AppState,
        rows: &[Checked<Plan>],
        commit: Commit<'_>,
        _progress: &Progress,
    ) -> Result<Result<Saved, RowRefusal>, AppError> {
        let mut tx = state.db.begin().await?;
        let mut n = 0;
        for p in rows.iter().filter_map(|r| r.outcome.as_ref().ok()) {
            if p.first {
                splits::apply(
                    &mut tx,
                    self.actor,
                    &p.split,
                    p.rule,
                    &p.values,
                    Some(commit.sha256),
                )
                .await?;
                n += 1;
            }
        }
        let file = Change {
            unit_id: None,
            entity: ENTITY,
            entity_id: commit.sha256.to_owned(),
            action: "import",
            before: None,
            after: Some(serde_json::json!({
                "file_name": commit.file_name, "key": commit.key, "rows": commit.rows_read, "splits": n,
            })),
        };
        audit::record(&mut tx, self.actor, file).await?;
        tx.commit().await?;
        Ok(Ok(Saved {
            rows: n,
            new_people: 0,
        }))
    }

    async fn imported_at(db: &Db, sha256: &str) -> Result<Option<String>, AppError> {
        Ok(audit::first_time(db, ENTITY, sha256, "import").await?)
    }

    fn done(&self, saved: Saved, rows_read: usize) -> Done {
        Done {
            heading: (
                "Đã lưu tỉ lệ chia của các xã được chia tách".to_owned(),
                "The shares of the split communes are saved".to_owned(),
            ),
            result: (
                format!(
                    "Đã đọc {rows_read} dòng; đã lưu tỉ lệ của {} xã cũ.",
                    saved.rows
                ),
                format!(
                    "Read {rows_read} rows; saved the shares of {} old communes.",
                    saved.rows
                ),
            ),
            next: Link::new(
                format!("/units/{}/successions/splits", self.pages.unit_code),
                (
                    "Về danh sách xã được chia tách",
                    "Back to the split communes",
                ),
            ),
        }
    }
}

/// The rows of one old commune: their places in the checked list, their rules, their pieces.
type Group = (Vec<usize>, Vec<&'static str>, Vec<PieceInput>);

/// Every row against the unit's splits; the rows of one old commune checked together as the
/// page's form would be.
fn check(all: &[Split], read: &Read<Columns>) -> Vec<Checked<Plan>> {
    let cols = &read.cols;
    let by_code: BTreeMap<&str, &Split> = all.iter().map(|s| (s.code.as_str(), s)).collect();
    let mut out = vec![];
    // Old commune code → (its rows' indexes in `out`, rules, pieces).
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    for row in &read.sheet.rows {
        let mut checked = Checked {
            number: row.number,
            name: cols.text(row, Col::OldName),
            note: cols.text(row, Col::OldCode),
            column: cols.text(row, Col::Successor),
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
        let problem = |c: Col, vi: &str, en: &str| vec![cols.problem(row.number, Some(c), vi, en)];
        match by_code.get(parsed.old_code.as_str()) {
            None => {
                checked.outcome = Err(problem(
                    Col::OldCode,
                    "không phải xã được chia tách có đơn vị kế thừa thuộc đơn vị này",
                    "not a split commune with successors in this unit",
                ));
            }
            Some(s) => {
                checked.name.clone_from(&s.name);
                match s.successors.iter().find(|p| p.code == parsed.successor) {
                    None => {
                        checked.outcome = Err(problem(
                            Col::Successor,
                            "không phải đơn vị kế thừa của xã cũ này",
                            "not a successor of this old commune",
                        ));
                    }
                    Some(piece) => {
                        checked.column.clone_from(&piece.name);
                        let g = groups.entry(parsed.old_code.clone()).or_default();
                        g.0.push(out.len());
                        g.1.push(parsed.rule);
                        g.2.push(PieceInput {
                            successor: parsed.successor.clone(),
                            permille: parsed.permille,
                            population: parsed.population,
                        });
                    }
                }
            }
        }
        out.push(checked);
    }
    settle(&by_code, groups, &mut out, &read.cols);
    out
}

/// The rows of each old commune checked together: one rule, every successor once, shares that
/// add up; a refusal goes on every row of that commune.
fn settle(
    by_code: &BTreeMap<&str, &Split>,
    groups: BTreeMap<String, Group>,
    out: &mut [Checked<Plan>],
    cols: &Columns,
) {
    for (code, (rows, rules, pieces)) in groups {
        let Some(split) = by_code.get(code.as_str()) else {
            continue;
        };
        let mut refuse = |vi: String, en: String| {
            for i in &rows {
                let n = out[*i].number;
                out[*i].outcome = Err(vec![cols.problem(n, None, &vi, &en)]);
            }
        };
        if rules.iter().any(|r| *r != rules[0]) {
            refuse(
                format!("các dòng của xã {code} phải cùng một cách chia"),
                format!("the rows of commune {code} must have the same rule"),
            );
            continue;
        }
        let input = SharesInput {
            rule: rules[0].to_owned(),
            shares: pieces,
        };
        match splits::checked(split, &input) {
            Ok((rule, values)) => {
                for (k, i) in rows.iter().enumerate() {
                    out[*i].outcome = Ok(Plan {
                        split: (*split).clone(),
                        first: k == 0,
                        rule,
                        values: values.clone(),
                    });
                }
            }
            Err(AppError::Invalid(fields)) => {
                let (vi, en) = crate::error::field_messages(&fields);
                refuse(format!("xã {code}: {vi}"), format!("commune {code}: {en}"));
            }
            Err(_) => refuse(
                format!("xã {code}: không đọc được"),
                format!("commune {code}: unreadable"),
            ),
        }
    }
}

/// The sheet of the unit's splits, filled with what is in force.
pub fn workbook(all: &[Split]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color(Color::RGB(0x00E2_EFDA));
    let text = Format::new().set_num_format("@");
    let ws = wb.add_worksheet();
    ws.set_name(DATA_SHEET)?;
    for (c, (col, vi, _)) in COLUMNS.iter().enumerate() {
        let c = u16::try_from(c).unwrap_or(0);
        ws.write_string_with_format(0, c, *vi, &head)?;
        let width = match col {
            Col::OldName | Col::SuccessorName => 30,
            _ => 14,
        };
        ws.set_column_width(c, width)?;
        if matches!(col, Col::OldCode | Col::Successor | Col::Percent) {
            ws.set_column_format(c, &text)?;
        }
    }
    let words = |r: Rule| {
        RULES
            .iter()
            .find(|(c, _)| *c == r.code())
            .map_or("chia đều", |x| x.1)
    };
    let mut row = 1u32;
    for s in all {
        for p in &s.successors {
            ws.write_string(row, 0, &s.code)?;
            ws.write_string(row, 1, &s.name)?;
            ws.write_string(row, 2, &p.code)?;
            ws.write_string(row, 3, &p.name)?;
            ws.write_string(row, 4, words(s.rule))?;
            ws.write_string(row, 5, format!("{},{}", p.permille / 10, p.permille % 10))?;
            if let Some(n) = p.population {
                ws.write_number(row, 6, n as f64)?;
            }
            row += 1;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    let bold = Format::new().set_bold();
    let help = wb.add_worksheet();
    help.set_name(HELP_SHEET)?;
    help.set_column_width(0, 16)?;
    help.set_column_width(1, 100)?;
    for (i, (a, b)) in [
        ("Cách điền", "Mỗi đơn vị kế thừa của một xã cũ một dòng. Không sửa dòng tiêu đề, mã xã cũ và mã đơn vị kế thừa."),
        ("Cách chia", "Ghi một trong: «theo tỉ lệ», «theo dân số», «chia đều»; giống nhau trên mọi dòng của một xã cũ."),
        ("Tỉ lệ (%)", "Khi chia theo tỉ lệ: từ 0,1 đến 100, tối đa một chữ số thập phân; các tỉ lệ của một xã cũ cộng lại bằng 100."),
        ("Dân số phần", "Khi chia theo dân số: số người của phần xã cũ thuộc đơn vị kế thừa."),
        ("Làm tròn", "Số liệu được chia theo phương pháp số dư lớn nhất: các phần cộng lại đúng bằng số liệu của xã cũ."),
        ("Lưu", "Tải tệp lên để xem trước từng dòng: chưa có gì được lưu cho tới khi bạn xác nhận. Chỉ lưu khi mọi dòng đều hợp lệ, và lưu tất cả cùng lúc."),
    ]
    .into_iter()
    .enumerate()
    {
        let i = u32::try_from(i).unwrap_or(0);
        help.write_string_with_format(i, 0, a, &bold)?;
        help.write_string(i, 1, b)?;
    }
    wb.save_to_buffer()
}

pub async fn sheet_download(
    State(state): State<AppState>,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult<Response> {
    let (unit, _) = scope(&state.db, &v, &code).await?;
    let all = splits::of_unit(&state.db, &v, &code).await?;
    let bytes = workbook(&all)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("writing the sheet: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, XLSX_TYPE.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"ti-le-ke-thua-{}.xlsx\"", unit.code),
            ),
        ],
        bytes,
    )
        .into_response())
}

async fn import_for(db: &Db, v: &Viewer, code: &str) -> Result<SharesImport, AppError> {
    let (unit, actor) = scope(db, v, code).await?;
    Ok(SharesImport {
        actor,
        splits: splits::of_unit(db, v, code)
            .await?
            .into_iter()
            .filter(|s| s.paths.iter().all(|p| splits::manager(v, p).is_some()))
            .collect(),
        pages: pages(&unit.code, &unit.name),
    })
}

pub async fn upload_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult<Html<String>> {
    let (unit, _) = scope(&state.db, &v, &code).await?;
    upload_view::<SharesImport>(c, &pages(&unit.code, &unit.name), None)
}

pub async fn preview(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> PageResult<Response> {
    let imp = import_for(&state.db, &v, &code).await?;
    match upload::read(form, &[]).await {
        Ok(up) => flow::preview(state, c, imp, up).await,
        Err(e) => crate::sheets::pages::refuse::<SharesImport>(c, imp.pages(), e),
    }
}

pub async fn commit(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(code): Path<String>,
    PageForm(f): PageForm<Confirm>,
) -> PageResult<Response> {
    let imp = import_for(&state.db, &v, &code).await?;
    flow::commit(state, c, imp, f).await
}

/// The routes of the sheet, with their access rules.
#[rustfmt::skip]
pub fn routes() -> Vec<crate::web::route::Route> {
    use crate::web::route::{r, Access::*};
    use axum::http::Method as M;
    vec![
        r(M::GET, "/units/{code}/successions/splits/sheet.xlsx", Officer, "The sheet of a unit's split communes and their shares, to fill in", sheet_download),
        r(M::GET, "/units/{code}/successions/splits/import", Officer, "Import the shares of split communes (upload)", upload_page),
        upload::body_limit(r(M::POST, "/units/{code}/successions/splits/import", Officer, "Preview a sheet of shares", preview), LIMITS.max_bytes),
        r(M::POST, "/units/{code}/successions/splits/import/commit", Officer, "Save a previewed sheet of shares", commit),
    ]
}
