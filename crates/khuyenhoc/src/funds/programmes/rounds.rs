//! Opening a scholarship or award round, nominating (units under the fund's unit), and the
//! decisions of the fund's managers, each with its reason. Four eyes (issue 14, item 10): the
//! officer who nominated someone never decides their nomination; another officer with the
//! right to manage the fund does.

use super::{by_id, visible, Programme};
use crate::audit::{self, Change};
use crate::auth::{perm, Viewer};
use crate::db::{now, Db};
use crate::error::AppError;
use crate::funds::service::{limited, parse_amount, with_right};
use khuyenhoc_domain::{limits, Invalid, Limit};
use serde::Deserialize;
use sqlx::Row;

/// A required text within its declared limit: 422 naming the field when empty, too long or
/// with a control character.
fn need_text(field: &'static str, s: &str, limit: &Limit) -> Result<String, AppError> {
    limited(field, Some(s), limit)?.ok_or_else(|| {
        AppError::field(
            field,
            Invalid::new("Ô này cần điền", "This field is required"),
        )
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewProgramme {
    pub kind: String,
    pub name: String,
    pub target_group: String,
    pub criteria: String,
    pub amount_each: serde_json::Value,
    #[serde(default)]
    pub budget: Option<serde_json::Value>,
    #[serde(default)]
    pub show_full_names: bool,
}

pub async fn create(
    db: &Db,
    v: &Viewer,
    fund_id: i64,
    n: &NewProgramme,
) -> Result<Programme, AppError> {
    let (f, actor) = with_right(db, v, fund_id, perm::FUND_MANAGE).await?;
    if !matches!(n.kind.as_str(), "scholarship" | "award") {
        return Err(AppError::field(
            "kind",
            Invalid::new(
                "Chọn học bổng hoặc phần thưởng",
                "Choose scholarship or award",
            ),
        ));
    }
    let name = need_text("name", &n.name, &limits::TITLE)?;
    let target = need_text("target_group", &n.target_group, &limits::NOTE)?;
    let criteria = need_text("criteria", &n.criteria, &limits::LONG_TEXT)?;
    let each = parse_amount(&n.amount_each)?;
    let budget = match &n.budget {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => None,
        Some(b) => Some(parse_amount(b)?.get()),
    };
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO programmes (fund_id, kind, name, target_group, criteria, amount_each, budget, status, show_full_names, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'nominating', $8, $9) RETURNING id",
    )
    .bind(f.id)
    .bind(&n.kind)
    .bind(&name)
    .bind(&target)
    .bind(&criteria)
    .bind(each.get())
    .bind(budget)
    .bind(i64::from(n.show_full_names))
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    let after = serde_json::json!({"fund": f.id, "name": name, "amount_each": each.get(), "budget": budget});
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(f.unit_id),
            entity: "programme",
            entity_id: id.to_string(),
            action: "create",
            before: None,
            after: Some(after),
        },
    )
    .await?;
    tx.commit().await?;
    by_id(db, id).await?.ok_or(AppError::NotFound)
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewNomination {
    /// The nominating unit (a branch or commune under the fund's unit).
    pub unit_code: String,
    pub full_name: String,
    #[serde(default)]
    pub birth_year: Option<i64>,
    #[serde(default)]
    pub school: Option<String>,
    pub reason: String,
    /// The person the nomination is for, when they have a record (in the nominating officer's
    /// scope): a paid one then shows in their lifelong-learning record (`record/`).
    #[serde(default)]
    pub person_id: Option<i64>,
}

pub async fn nominate(
    db: &Db,
    v: &Viewer,
    programme_id: i64,
    n: &NewNomination,
) -> Result<i64, AppError> {
    let p = visible(db, v, programme_id).await?;
    if p.status != "nominating" {
        return Err(AppError::bad_request(
            "Đợt này đã hết hạn đề cử",
            "Nominations for this round are closed",
        ));
    }
    let (unit, actor) =
        crate::org::service::with_right(db, v, &n.unit_code, perm::PROGRAMME_NOMINATE).await?;
    if !unit.path.starts_with(&p.unit_path) {
        return Err(AppError::field(
            "unit_code",
            Invalid::new(
                "Đơn vị đề cử phải thuộc đơn vị của quỹ",
                "The nominating unit must be under the fund's unit",
            ),
        ));
    }
    let name = khuyenhoc_domain::PersonName::parse(&n.full_name)
        .map_err(|e| AppError::field("full_name", e))?;
    let this_year = i64::from(chrono::Datelike::year(&chrono::Utc::now()));
    if n.birth_year
        .is_some_and(|y| !(1900..=this_year).contains(&y))
    {
        return Err(AppError::field(
            "birth_year",
            Invalid::new("Năm sinh không hợp lệ", "Invalid birth year"),
        ));
    }
    // Without a birth year, a nominee is treated as a minor: the public list shows less.
    let minor = n.birth_year.is_none_or(|y| this_year - y < 18);
    let reason = need_text("reason", &n.reason, &limits::LONG_TEXT)?;
    let school = limited("school", n.school.as_deref(), &limits::TITLE)?;
    let person_id = nominee(db, v, n.person_id).await?;
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO nominations (programme_id, unit_id, full_name, birth_year, minor, school, reason, status, created_at, created_by, person_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'nominated', $8, $9, $10) RETURNING id",
    )
    .bind(p.id)
    .bind(unit.id)
    .bind(name.as_str())
    .bind(n.birth_year)
    .bind(i64::from(minor))
    .bind(&school)
    .bind(&reason)
    .bind(now())
    .bind(v.person_id)
    .bind(person_id)
    .fetch_one(&mut *tx)
    .await?;
    let after = serde_json::json!({"programme": p.id, "unit": unit.code, "minor": minor, "person": person_id});
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(unit.id),
            entity: "nomination",
            entity_id: id.to_string(),
            action: "nominate",
            before: None,
            after: Some(after),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The person a nomination names, if any: someone the nominating officer reads (else the field
/// is refused as if the record did not exist).
async fn nominee(db: &Db, v: &Viewer, person_id: Option<i64>) -> Result<Option<i64>, AppError> {
    let Some(id) = person_id else { return Ok(None) };
    let lookup = crate::accounts::model::Lookup::Id(id);
    match crate::accounts::model::find_visible(db, v, &lookup).await? {
        Some(p) => Ok(Some(p.id)),
        None => Err(AppError::field(
            "person_id",
            Invalid::new(
                "Không tìm thấy người này trong phạm vi của bạn",
                "No such person in your scope",
            ),
        )),
    }
}

/// Selects or rejects a nomination, with the reason. Four eyes: the officer who made the
/// nomination never decides it, whatever their positions; another manager of the fund does.
pub async fn decide(
    db: &Db,
    v: &Viewer,
    nomination_id: i64,
    select: bool,
    reason: &str,
) -> Result<(), AppError> {
    let row = sqlx::query("SELECT programme_id, created_by FROM nominations WHERE id = $1")
        .bind(nomination_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let (programme_id, nominated_by): (i64, Option<i64>) = (row.try_get(0)?, row.try_get(1)?);
    let p = by_id(db, programme_id).await?.ok_or(AppError::NotFound)?;
    // Out of scope first (404, nothing learned); then one's own nomination (403, who must act).
    let (_, actor) = with_right(db, v, p.fund_id, perm::FUND_MANAGE).await?;
    if nominated_by == Some(v.person_id) {
        return Err(own_nomination(&p.fund_name));
    }
    if !matches!(p.status.as_str(), "nominating" | "selecting") {
        return Err(AppError::bad_request(
            "Đợt này đã chốt danh sách",
            "This round's list is closed",
        ));
    }
    let reason = need_text("reason", reason, &limits::LONG_TEXT)?;
    let status = if select { "selected" } else { "rejected" };
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE nominations SET status = $1, decision_reason = $2 WHERE id = $3 AND status IN ('nominated', 'selected', 'rejected')")
        .bind(status)
        .bind(&reason)
        .bind(nomination_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE programmes SET status = 'selecting' WHERE id = $1 AND status = 'nominating'",
    )
    .bind(p.id)
    .execute(&mut *tx)
    .await?;
    let after = serde_json::json!({"status": status, "reason": reason});
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(p.unit_id),
            entity: "nomination",
            entity_id: nomination_id.to_string(),
            action: "decide",
            before: None,
            after: Some(after),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The officer who nominated someone does not select or reject them: another officer with the
/// right to manage the fund decides, so no one both proposes and grants a scholarship.
fn own_nomination(fund: &str) -> AppError {
    AppError::Refused {
        vi: format!("Bạn là người đề cử trường hợp này nên không thể tự chọn hay loại. Một cán bộ khác có quyền quản lý quỹ «{fund}» (ví dụ chủ tịch hoặc thủ quỹ của hội có quỹ, hay của cấp trên) phải quyết định"),
        en: format!("You made this nomination, so you cannot select or reject it yourself. Another officer with the right to manage the fund “{fund}” (such as the chair or treasurer of the association holding it, or of a level above) must decide"),
    }
}
