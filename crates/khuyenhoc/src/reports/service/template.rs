//! The template in force at a unit (the national one plus its province's own indicators) and a
//! province editing its own indicators, a new version each time.

use super::model::unit_visible;
use crate::audit::{self, Actor, Change};
use crate::auth::{perm, Viewer};
use crate::db::{now, Db};
use crate::error::AppError;
use crate::reports::figures::UnitRef;
use khuyenhoc_domain::Level;
use khuyenhoc_reports::Template;
use serde::Serialize;
use sqlx::Row;

/// The template a unit reports with: the national one plus its province's own indicators.
pub async fn template_for(db: &Db, unit_path: &str) -> Result<(Template, String), AppError> {
    let national = Template::national();
    let Some(province) = province_code(unit_path) else {
        return Ok((national, "VN".into()));
    };
    let row = sqlx::query(
        "SELECT version, source FROM report_templates WHERE owner_code = $1 ORDER BY version DESC LIMIT 1",
    )
    .bind(&province)
    .fetch_optional(&db.pool)
    .await?;
    match row {
        None => Ok((national, "VN".into())),
        Some(r) => {
            let version: i64 = r.try_get(0)?;
            let source: String = r.try_get(1)?;
            let extra = national.parse_extension(&province, &source).map_err(|e| {
                anyhow::anyhow!("stored template of {province} no longer parses: {e:?}")
            })?;
            Ok((national.with(extra), format!("VN+{province}:{version}")))
        }
    }
}

/// The province code in a unit path (`/VN/01/00004/` → `01`); none for the central office.
pub fn province_code(path: &str) -> Option<String> {
    path.trim_matches('/').split('/').nth(1).map(str::to_owned)
}

/// A province's own indicators (the extension file) and the template its units report with.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "ReportTemplateView")]
pub struct TemplateView {
    pub unit: UnitRef,
    /// The version of the province's extension in force, if any.
    pub version: Option<i64>,
    pub source: String,
    pub template: Template,
}

pub async fn template_view(db: &Db, v: &Viewer, code: &str) -> Result<TemplateView, AppError> {
    let unit = unit_visible(db, v, code).await?;
    let (template, _) = template_for(db, &unit.path).await?;
    let row = match province_code(&unit.path) {
        Some(p) => sqlx::query("SELECT version, source FROM report_templates WHERE owner_code = $1 ORDER BY version DESC LIMIT 1")
            .bind(p)
            .fetch_optional(&db.pool)
            .await?,
        None => None,
    };
    let (version, source) = match row {
        Some(r) => (Some(r.try_get(0)?), r.try_get(1)?),
        None => (None, String::new()),
    };
    Ok(TemplateView {
        unit,
        version,
        source,
        template,
    })
}

/// Saves a new version of a province's own indicators. Only at a province, by a position there
/// (or above) with `report.review`; errors come back with their line and column.
pub async fn save_template(
    db: &Db,
    v: &Viewer,
    code: &str,
    source: &str,
) -> Result<TemplateView, AppError> {
    let unit = unit_visible(db, v, code).await?;
    let pos = v
        .position_for(perm::REPORT_REVIEW, &unit.path)
        .ok_or(AppError::NotFound)?;
    if unit.level != Level::Province {
        return Err(AppError::bad_request(
            "Chỉ tỉnh, thành phố mới thêm chỉ tiêu riêng vào mẫu báo cáo",
            "Only a province adds its own indicators to the report template",
        ));
    }
    if source.len() > 100_000 {
        return Err(AppError::PayloadTooLarge);
    }
    let source = source.replace("\r\n", "\n");
    if let Err(errors) = Template::national().parse_extension(&unit.code, &source) {
        let vi: Vec<String> = errors
            .iter()
            .map(|e| format!("dòng {}, cột {} ({}): {}", e.line, e.column, e.path, e.vi))
            .collect();
        let en: Vec<String> = errors
            .iter()
            .map(|e| {
                format!(
                    "line {}, column {} ({}): {}",
                    e.line, e.column, e.path, e.en
                )
            })
            .collect();
        return Err(AppError::Unprocessable {
            vi: vi.join("; "),
            en: en.join("; "),
        });
    }
    let actor = Actor::new(v.person_id, Some(pos.position_id));
    let mut tx = db.begin().await?;
    let version: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM report_templates WHERE owner_code = $1",
    )
    .bind(&unit.code)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("INSERT INTO report_templates (owner_code, version, source, created_at, created_by) VALUES ($1, $2, $3, $4, $5)")
        .bind(&unit.code)
        .bind(version)
        .bind(&source)
        .bind(now())
        .bind(v.person_id)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if crate::db::is_unique_violation(&e, "report_templates_version") {
                AppError::bad_request("Mẫu vừa được người khác lưu; hãy tải lại trang", "Someone has just saved the template: reload the page")
            } else {
                e.into()
            }
        })?;
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(unit.id),
            entity: "report_template",
            entity_id: format!("{}:{version}", unit.code),
            action: "save",
            before: None,
            after: Some(serde_json::json!({"version": version})),
        },
    )
    .await?;
    tx.commit().await?;
    template_view(db, v, code).await
}
