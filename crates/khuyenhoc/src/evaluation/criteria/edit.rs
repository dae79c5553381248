//! Editing a province variant: the form (`form`: indicators with their texts, points and rules,
//! thresholds, the year from which it applies), the TOML import for experts, the preview (the
//! citizen's real form) and the difference from the national set; then making it effective.
//! A refused edit stores nothing and shows every error beside its field.

use super::form::{self, Errors};
use super::{diff, diff_of, managed_province, preview_group, readable, row, SetRow};
use crate::audit::{self, Actor, Change};
use crate::auth::Viewer;
use crate::error::{AppError, PageResult};
use crate::evaluation::pages::{blank_groups, ShownGroup};
use crate::evaluation::sets;
use crate::state::AppState;
use crate::web::extract::PageForm;
use crate::web::layout::{render, Chrome};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use khuyenhoc_criteria::CriteriaSet;
use khuyenhoc_domain::Invalid;
use std::collections::BTreeMap;

/// The largest TOML text an import takes.
pub const MAX_SOURCE: usize = 200_000;

/// What an edit sends: the form's fields, or a whole TOML text (the experts' import).
pub enum Edit {
    Fields(BTreeMap<String, String>),
    Toml(String),
}

/// Why an edit was refused: errors per field (nothing stored), or another set of the province
/// already has that year.
pub struct Refused {
    pub conflict: bool,
    /// The set as edited, to show again (form edits only).
    pub table: Option<toml::Table>,
    pub errors: Errors,
}

impl Refused {
    /// Every error in one line each, for the API: `field: message`.
    pub fn into_error(self) -> AppError {
        let join = |en: bool| {
            self.errors
                .iter()
                .flat_map(|(f, list)| {
                    list.iter().map(move |(vi, e)| {
                        let m = if en { e } else { vi };
                        if f.is_empty() {
                            m.clone()
                        } else {
                            format!("{f}: {m}")
                        }
                    })
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        let (vi, en) = (join(false), join(true));
        if self.conflict {
            AppError::Conflict(crate::error::FieldError::new(
                "version",
                OTHER_SET_THAT_YEAR,
            ))
        } else {
            AppError::Unprocessable { vi, en }
        }
    }
}

const OTHER_SET_THAT_YEAR: Invalid = Invalid::new(
    "Tỉnh đã có bộ tiêu chí khác cho năm này",
    "The province has another set for this year",
);

async fn editable(state: &AppState, v: &Viewer, id: &str) -> Result<(SetRow, i64), AppError> {
    let s = readable(state, v, id).await?;
    let (province, position) = managed_province(v).ok_or(AppError::NotFound)?;
    if s.owner_code != province {
        return Err(AppError::NotFound);
    }
    if s.status != "draft" {
        return Err(AppError::bad_request(
            "Bộ tiêu chí đang áp dụng không sửa được; hãy sao thành bộ mới",
            "An active set cannot be changed; copy it into a new one",
        ));
    }
    Ok((s, position))
}

async fn source_of(state: &AppState, id: i64) -> Result<String, AppError> {
    Ok(
        sqlx::query_scalar("SELECT source FROM criteria_sets WHERE id = $1")
            .bind(id)
            .fetch_one(&state.db.pool)
            .await?,
    )
}

/// The rules a variant keeps from its national set (code, model, form groups, based_on, owner).
async fn variant_rules(state: &AppState, s: &SetRow, parsed: &CriteriaSet) -> Vec<Invalid> {
    let mut other = vec![];
    if let Some(base) = s.based_on_id {
        match sets::by_id(state, base).await {
            Ok(national) => {
                if let Err(e) = parsed.check_variant_of(&national) {
                    other.extend(e);
                }
            }
            Err(_) => other.push(Invalid::new(
                "Không tìm thấy bộ toàn quốc gốc",
                "The national set it copies is missing",
            )),
        }
    }
    if parsed.owner().as_str() != s.owner_code {
        other.push(Invalid::new(
            "owner phải là mã tỉnh của bộ này",
            "owner must be this set's province code",
        ));
    }
    other
}

fn general(errors: &mut Errors, list: Vec<Invalid>) {
    for e in list {
        errors
            .entry(String::new())
            .or_default()
            .push((e.vi.to_owned(), e.en.to_owned()));
    }
}

/// Whether a text of the set holds a control character (an escape in the TOML can write one;
/// PostgreSQL refuses a NUL, and a document prints nothing for it).
fn has_control(set: &CriteriaSet) -> bool {
    let bad = |s: &str| s.chars().any(khuyenhoc_domain::limits::is_forbidden);
    bad(&set.title().vi)
        || bad(&set.title().en)
        || set
            .groups()
            .iter()
            .any(|g| bad(&g.name.vi) || bad(&g.name.en))
        || set
            .indicators()
            .any(|(_, i)| bad(&i.text.vi) || bad(&i.text.en))
}

/// Reads an edit: the set and the text to store, or why not.
async fn read_edit(
    state: &AppState,
    s: &SetRow,
    edit: &Edit,
) -> Result<Result<(CriteriaSet, String), Refused>, AppError> {
    let refused = |table, errors| Refused {
        conflict: false,
        table,
        errors,
    };
    let (parsed, text, table) = match edit {
        Edit::Toml(text) => {
            if text.len() > MAX_SOURCE {
                return Err(AppError::PayloadTooLarge);
            }
            match CriteriaSet::parse(text) {
                Ok(p) if has_control(&p) => {
                    let mut errors = Errors::new();
                    let e = khuyenhoc_domain::limits::CONTROL;
                    errors.insert("source".into(), vec![(e.vi.into(), e.en.into())]);
                    return Ok(Err(refused(None, errors)));
                }
                Ok(p) => (p, text.clone(), None),
                Err(list) => {
                    let mut errors = Errors::new();
                    for e in list {
                        let place = if e.path.is_empty() {
                            format!("Dòng {}, cột {}", e.line, e.column)
                        } else {
                            format!("Dòng {}, cột {} ({})", e.line, e.column, e.path)
                        };
                        let place_en = place.replace("Dòng", "Line").replace("cột", "column");
                        errors.entry("source".into()).or_default().push((
                            format!("{place}: {}", e.vi),
                            format!("{place_en}: {}", e.en),
                        ));
                    }
                    return Ok(Err(refused(None, errors)));
                }
            }
        }
        Edit::Fields(f) => {
            let applied = form::apply(&source_of(state, s.id).await?, f);
            match applied.set {
                Some(p) => {
                    let text = p.to_toml();
                    (p, text, Some(applied.table))
                }
                None => return Ok(Err(refused(Some(applied.table), applied.errors))),
            }
        }
    };
    let other = variant_rules(state, s, &parsed).await;
    if other.is_empty() {
        Ok(Ok((parsed, text)))
    } else {
        let mut errors = Errors::new();
        general(&mut errors, other);
        Ok(Err(refused(table, errors)))
    }
}

/// Saves an edit of a draft variant (form fields or TOML), audited; nothing is stored when any
/// error is found.
pub async fn save_variant(
    state: &AppState,
    v: &Viewer,
    id: i64,
    edit: &Edit,
) -> Result<Result<SetRow, Refused>, AppError> {
    let (s, position) = editable(state, v, &id.to_string()).await?;
    let (parsed, text) = match read_edit(state, &s, edit).await? {
        Ok(x) => x,
        Err(r) => return Ok(Err(r)),
    };
    let mut tx = state.db.begin().await?;
    let res = sqlx::query("UPDATE criteria_sets SET source = $1, version = $2, title_vi = $3 WHERE id = $4 AND status = 'draft'")
        .bind(&text)
        .bind(i64::from(parsed.version()))
        .bind(&parsed.title().vi)
        .bind(s.id)
        .execute(&mut *tx)
        .await;
    if let Err(e) = res {
        if crate::db::is_unique_violation(&e, "criteria_sets_version") {
            let mut errors = Errors::new();
            errors.insert(
                "version".into(),
                vec![(OTHER_SET_THAT_YEAR.vi.into(), OTHER_SET_THAT_YEAR.en.into())],
            );
            let table = matches!(edit, Edit::Fields(_)).then(|| form::table_of(&text));
            return Ok(Err(Refused {
                conflict: true,
                table,
                errors,
            }));
        }
        return Err(e.into());
    }
    let unit_id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM units WHERE code = $1 AND valid_to IS NULL")
            .bind(&s.owner_code)
            .fetch_optional(&mut *tx)
            .await?;
    let how = if matches!(edit, Edit::Toml(_)) {
        "toml"
    } else {
        "form"
    };
    let change = Change {
        unit_id,
        entity: "criteria_set",
        entity_id: s.id.to_string(),
        action: "edit",
        before: Some(serde_json::json!({"version": s.version})),
        after: Some(
            serde_json::json!({"version": parsed.version(), "threshold": parsed.pass().threshold, "by": how}),
        ),
    };
    audit::record(&mut tx, Actor::new(v.person_id, Some(position)), change).await?;
    tx.commit().await?;
    state.sets.forget(s.id);
    row(state, s.id).await.map(Ok)
}

/// Makes a draft variant the set in force from its year (`version`): from then on it is the
/// newest set of its province in force (see `sets::effective`).
pub async fn activate_set(state: &AppState, v: &Viewer, id: i64) -> Result<SetRow, AppError> {
    let (s, position) = editable(state, v, &id.to_string()).await?;
    let source = source_of(state, s.id).await?;
    let checked = match CriteriaSet::parse(&source) {
        Ok(p) => variant_rules(state, &s, &p).await,
        Err(_) => vec![Invalid::new("Bộ tiêu chí có lỗi", "The set has errors")],
    };
    if !checked.is_empty() {
        let vi = checked.iter().map(|e| e.vi).collect::<Vec<_>>().join("; ");
        let en = checked.iter().map(|e| e.en).collect::<Vec<_>>().join("; ");
        return Err(AppError::Unprocessable { vi, en });
    }
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE criteria_sets SET status = 'active' WHERE id = $1 AND status = 'draft'")
        .bind(s.id)
        .execute(&mut *tx)
        .await?;
    let unit_id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM units WHERE code = $1 AND valid_to IS NULL")
            .bind(&s.owner_code)
            .fetch_optional(&mut *tx)
            .await?;
    let change = Change {
        unit_id,
        entity: "criteria_set",
        entity_id: s.id.to_string(),
        action: "activate",
        before: Some(serde_json::json!({"status": "draft"})),
        after: Some(serde_json::json!({"status": "active", "version": s.version})),
    };
    audit::record(&mut tx, Actor::new(v.person_id, Some(position)), change).await?;
    tx.commit().await?;
    row(state, s.id).await
}

#[derive(Template)]
#[template(path = "criteria_edit.html")]
pub struct EditPage {
    pub c: Chrome,
    pub s: SetRow,
    pub fields: form::Fields,
    pub errors: Errors,
    /// The TOML text (export, and the experts' import).
    pub source: String,
    pub saved: bool,
    pub rules: &'static [(&'static str, &'static str, &'static str)],
    /// The preview of the stored draft: the citizen's form for form group `fg`.
    pub fg: Option<String>,
    pub groups: Vec<ShownGroup>,
    pub editable: bool,
    pub diff: Vec<diff::DiffLine>,
    /// How many lines of `diff` differ.
    pub diff_changed: usize,
    pub form_groups: Vec<(String, String, String)>,
}

impl EditPage {
    /// The messages of one field.
    pub fn err(&self, field: &str) -> Vec<(String, String)> {
        self.errors.get(field).cloned().unwrap_or_default()
    }
    pub fn bad(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }
    pub fn count(&self) -> usize {
        self.errors.values().map(Vec::len).sum()
    }
}

async fn edit_view(
    state: &AppState,
    c: Chrome,
    s: SetRow,
    shown: Option<(toml::Table, &BTreeMap<String, String>)>,
    errors: Errors,
    source: Option<String>,
    saved: bool,
) -> Result<EditPage, AppError> {
    let stored = source_of(state, s.id).await?;
    let set = sets::by_id(state, s.id).await?;
    let empty = BTreeMap::new();
    let (table, sent) = shown.unwrap_or_else(|| (form::table_of(&stored), &empty));
    let fields = form::fields_of(&table, sent);
    let fg = preview_group(&set, None);
    let groups = blank_groups(&set, fg.as_deref());
    let diff = diff_of(state, &s, &set).await?;
    let form_groups = set
        .form_groups()
        .iter()
        .map(|g| (g.code.clone(), g.name.vi.clone(), g.name.en.clone()))
        .collect();
    Ok(EditPage {
        c,
        s,
        fields,
        errors,
        source: source.unwrap_or(stored),
        saved,
        rules: &form::RULES,
        fg,
        groups,
        editable: true,
        diff_changed: diff.iter().filter(|l| l.changed).count(),
        diff,
        form_groups,
    })
}

pub async fn edit_page(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Html<String>> {
    let (s, _) = editable(&state, &v, &id).await?;
    render(&edit_view(&state, c, s, None, Errors::new(), None, false).await?)
}

/// Saves the form (every field) or, when the form sends `source`, imports the TOML text.
pub async fn save_edit(
    State(state): State<AppState>,
    c: Chrome,
    v: Viewer,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> PageResult<Response> {
    let id = crate::accounts::pages::parse_id(&id)?;
    let sent: BTreeMap<String, String> = pairs.into_iter().filter(|(k, _)| k != "_csrf").collect();
    let edit = match sent.get("source") {
        Some(text) => Edit::Toml(text.clone()),
        None => Edit::Fields(sent.clone()),
    };
    match save_variant(&state, &v, id, &edit).await? {
        Ok(s) => Ok(
            render(&edit_view(&state, c, s, None, Errors::new(), None, true).await?)?
                .into_response(),
        ),
        Err(r) => {
            let s = row(&state, id).await?;
            let status = if r.conflict {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let typed = match &edit {
                Edit::Toml(t) => Some(t.clone()),
                Edit::Fields(_) => None,
            };
            let shown = r.table.map(|t| (t, &sent));
            let page = edit_view(&state, c, s, shown, r.errors, typed, false).await?;
            Ok((status, render(&page)?).into_response())
        }
    }
}

pub async fn activate(
    State(state): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> PageResult<Redirect> {
    let id = crate::accounts::pages::parse_id(&id)?;
    activate_set(&state, &v, id).await?;
    Ok(Redirect::to(&format!("/criteria/{id}")))
}
