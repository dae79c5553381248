//! Scholarship and award programmes (e.g. "Học không bao giờ cùng"): a round belongs to a fund;
//! branches in the fund unit's subtree nominate; the fund's managers select or reject with a
//! reason; selected recipients are paid by ledger entries; the list is published, showing only
//! initials and the commune for minors.

use super::ledger::{post, Posting};
use super::service::{parse_amount, with_right};
use crate::audit::{self, Change};
use crate::auth::{perm, Viewer};
use crate::db::{now, Db};
use crate::error::AppError;
use crate::state::AppState;
use khuyenhoc_domain::{text, Invalid};
use khuyenhoc_ledger::{Account, Date, Entry, FundId};
use serde::{Deserialize, Serialize};
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct Programme {
    pub id: i64,
    pub fund_id: i64,
    pub fund_name: String,
    pub kind: String,
    pub name: String,
    pub target_group: String,
    pub criteria: String,
    pub amount_each: i64,
    pub budget: Option<i64>,
    pub status: String,
    pub show_full_names: bool,
    #[serde(skip)]
    pub unit_path: String,
    #[serde(skip)]
    pub unit_id: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Nomination {
    pub id: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub full_name: String,
    pub birth_year: Option<i64>,
    pub minor: bool,
    pub school: Option<String>,
    pub reason: String,
    pub status: String,
    pub decision_reason: Option<String>,
    pub payment_entry_id: Option<i64>,
}

/// The Vietnamese and English words for the status code of a programme or a nomination (the
/// codes themselves stay in the API and the database).
fn status_words(status: &str) -> (&str, &str) {
    match status {
        "nominating" => ("Đang nhận đề cử", "Taking nominations"),
        "selecting" => ("Đang xét chọn", "Selecting"),
        "paying" => ("Đang chi trả", "Paying"),
        "published" => ("Đã công bố danh sách", "List published"),
        "nominated" => ("Đã đề cử", "Nominated"),
        "selected" => ("Được chọn", "Selected"),
        "rejected" => ("Không được chọn", "Not selected"),
        "paid" => ("Đã chi trả", "Paid"),
        other => (other, other),
    }
}

impl Programme {
    pub fn status_vi(&self) -> &str {
        status_words(&self.status).0
    }
    pub fn status_en(&self) -> &str {
        status_words(&self.status).1
    }
}

impl Nomination {
    pub fn status_vi(&self) -> &str {
        status_words(&self.status).0
    }
    pub fn status_en(&self) -> &str {
        status_words(&self.status).1
    }
}

const SELECT: &str = "SELECT p.id, p.fund_id, f.name, p.kind, p.name, p.target_group, p.criteria, p.amount_each, p.budget, p.status, p.show_full_names, u.path, u.id \
    FROM programmes p JOIN funds f ON f.id = p.fund_id JOIN units u ON u.id = f.unit_id";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Programme, sqlx::Error> {
    Ok(Programme {
        id: r.try_get(0)?,
        fund_id: r.try_get(1)?,
        fund_name: r.try_get(2)?,
        kind: r.try_get(3)?,
        name: r.try_get(4)?,
        target_group: r.try_get(5)?,
        criteria: r.try_get(6)?,
        amount_each: r.try_get(7)?,
        budget: r.try_get(8)?,
        status: r.try_get(9)?,
        show_full_names: r.try_get::<i64, _>(10)? != 0,
        unit_path: r.try_get(11)?,
        unit_id: r.try_get(12)?,
    })
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Programme>, AppError> {
    let sql = format!("{SELECT} WHERE p.id = $1");
    Ok(sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| from_row(&r))
        .transpose()?)
}

pub async fn of_fund(db: &Db, fund_id: i64) -> Result<Vec<Programme>, AppError> {
    let sql = format!("{SELECT} WHERE p.fund_id = $1 ORDER BY p.id DESC");
    Ok(sqlx::query(&sql)
        .bind(fund_id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<_, _>>()?)
}

/// Readable by officers of the fund's unit and of any unit below it (they nominate).
pub async fn visible(db: &Db, v: &Viewer, id: i64) -> Result<Programme, AppError> {
    let p = by_id(db, id).await?.ok_or(AppError::NotFound)?;
    let below = v
        .positions
        .iter()
        .any(|pos| pos.unit_path.starts_with(&p.unit_path));
    if v.can_read(&p.unit_path) || below {
        Ok(p)
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn nominations(db: &Db, programme_id: i64) -> Result<Vec<Nomination>, AppError> {
    Ok(sqlx::query(
        "SELECT n.id, u.code, u.name, n.full_name, n.birth_year, n.minor, n.school, n.reason, n.status, n.decision_reason, n.payment_entry_id \
         FROM nominations n JOIN units u ON u.id = n.unit_id WHERE n.programme_id = $1 ORDER BY u.path, n.id",
    )
    .bind(programme_id)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(|r| {
        Ok(Nomination {
            id: r.try_get(0)?,
            unit_code: r.try_get(1)?,
            unit_name: r.try_get(2)?,
            full_name: r.try_get(3)?,
            birth_year: r.try_get(4)?,
            minor: r.try_get::<i64, _>(5)? != 0,
            school: r.try_get(6)?,
            reason: r.try_get(7)?,
            status: r.try_get(8)?,
            decision_reason: r.try_get(9)?,
            payment_entry_id: r.try_get(10)?,
        })
    })
    .collect::<Result<_, sqlx::Error>>()?)
}

fn need_text(field: &'static str, s: &str, max: usize) -> Result<String, AppError> {
    let t = text::clean(s);
    if t.is_empty() || t.chars().count() > max {
        return Err(AppError::field(
            field,
            Invalid::new(
                "Ô này cần điền (không quá dài)",
                "This field is required (and not too long)",
            ),
        ));
    }
    Ok(t)
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
    let name = need_text("name", &n.name, 200)?;
    let target = need_text("target_group", &n.target_group, 500)?;
    let criteria = need_text("criteria", &n.criteria, 2000)?;
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
    let reason = need_text("reason", &n.reason, 2000)?;
    let school = n
        .school
        .as_deref()
        .map(text::clean)
        .filter(|s| !s.is_empty());
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO nominations (programme_id, unit_id, full_name, birth_year, minor, school, reason, status, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'nominated', $8, $9) RETURNING id",
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
    .fetch_one(&mut *tx)
    .await?;
    let after = serde_json::json!({"programme": p.id, "unit": unit.code, "minor": minor});
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

/// Selects or rejects a nomination, with the reason.
pub async fn decide(
    db: &Db,
    v: &Viewer,
    nomination_id: i64,
    select: bool,
    reason: &str,
) -> Result<(), AppError> {
    let programme_id: i64 =
        sqlx::query_scalar("SELECT programme_id FROM nominations WHERE id = $1")
            .bind(nomination_id)
            .fetch_optional(&db.pool)
            .await?
            .ok_or(AppError::NotFound)?;
    let p = by_id(db, programme_id).await?.ok_or(AppError::NotFound)?;
    let (_, actor) = with_right(db, v, p.fund_id, perm::FUND_MANAGE).await?;
    if !matches!(p.status.as_str(), "nominating" | "selecting") {
        return Err(AppError::bad_request(
            "Đợt này đã chốt danh sách",
            "This round's list is closed",
        ));
    }
    let reason = need_text("reason", reason, 2000)?;
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

/// Pays every selected recipient not yet paid: one payment entry each, within the budget.
pub async fn pay(
    state: &AppState,
    v: &Viewer,
    programme_id: i64,
    asset: &str,
) -> Result<usize, AppError> {
    let db = &state.db;
    let p = by_id(db, programme_id).await?.ok_or(AppError::NotFound)?;
    let (f, actor) = with_right(db, v, p.fund_id, perm::FUND_POST).await?;
    let asset = Account::parse(asset).map_err(|e| AppError::field("asset", e))?;
    let category = if p.kind == "award" {
        Account::Award
    } else {
        Account::Scholarship
    };
    let today = Date::parse(&crate::db::today()).map_err(|e| AppError::field("date", e))?;
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE programmes SET status = 'paying' WHERE id = $1")
        .bind(p.id)
        .execute(&mut *tx)
        .await?;
    let rows = sqlx::query("SELECT id, full_name FROM nominations WHERE programme_id = $1 AND status = 'selected' ORDER BY id").bind(p.id).fetch_all(&mut *tx).await?;
    let paid_before: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM nominations WHERE programme_id = $1 AND status = 'paid'",
    )
    .bind(p.id)
    .fetch_one(&mut *tx)
    .await?;
    if let Some(budget) = p.budget {
        let n = i64::try_from(rows.len())
            .unwrap_or(i64::MAX)
            .saturating_add(paid_before);
        if n.saturating_mul(p.amount_each) > budget {
            return Err(AppError::bad_request(
                "Số người được chọn vượt ngân sách của đợt",
                "The selected recipients exceed the round's budget",
            ));
        }
    }
    let amount = khuyenhoc_ledger::Dong::new(p.amount_each);
    let mut count = 0;
    for r in rows {
        let (nid, name): (i64, String) = (r.try_get(0)?, r.try_get(1)?);
        let entry = Entry::payment(FundId(f.id), asset, amount, category).map_err(|e| {
            AppError::Unprocessable {
                vi: e.vi.into(),
                en: e.en.into(),
            }
        })?;
        let posting = Posting {
            fund_id: f.id,
            entry,
            kind: category.code().to_owned(),
            occurred_on: today,
            description: format!("{}: {}", p.name, name),
            donor_id: None,
            pledge_id: None,
            programme_id: Some(p.id),
            in_kind_note: None,
            reverses_id: None,
            pair_id: None,
            idempotency_key: None,
        };
        let entry_id = post(&mut tx, actor, f.unit_id, &posting).await?;
        sqlx::query("UPDATE nominations SET status = 'paid', payment_entry_id = $1 WHERE id = $2")
            .bind(entry_id)
            .bind(nid)
            .execute(&mut *tx)
            .await?;
        count += 1;
    }
    tx.commit().await?;
    Ok(count)
}

/// Publishes the list of recipients.
pub async fn publish(db: &Db, v: &Viewer, programme_id: i64) -> Result<(), AppError> {
    let p = by_id(db, programme_id).await?.ok_or(AppError::NotFound)?;
    let (_, actor) = with_right(db, v, p.fund_id, perm::FUND_MANAGE).await?;
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE programmes SET status = 'published' WHERE id = $1")
        .bind(p.id)
        .execute(&mut *tx)
        .await?;
    let change = Change {
        unit_id: Some(p.unit_id),
        entity: "programme",
        entity_id: p.id.to_string(),
        action: "publish",
        before: Some(serde_json::json!({"status": p.status})),
        after: Some(serde_json::json!({"status": "published"})),
    };
    audit::record(&mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(())
}

/// One line of the public list.
#[derive(Debug, Clone, Serialize)]
pub struct PublicRecipient {
    pub name: String,
    pub commune: String,
    pub amount: i64,
}

/// "Nguyễn Văn An" → "N.V.A."
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .map(|c| format!("{}.", c.to_uppercase()))
        .collect()
}

/// The published list: minors as initials and commune only; adults by full name when the unit
/// chose so, else initials too.
pub async fn public_list(
    db: &Db,
    programme_id: i64,
) -> Result<(Programme, Vec<PublicRecipient>), AppError> {
    let p = by_id(db, programme_id).await?.ok_or(AppError::NotFound)?;
    if p.status != "published" {
        return Err(AppError::NotFound);
    }
    let rows = sqlx::query("SELECT n.full_name, n.minor, u.path FROM nominations n JOIN units u ON u.id = n.unit_id WHERE n.programme_id = $1 AND n.status = 'paid' ORDER BY n.id")
        .bind(p.id)
        .fetch_all(&db.pool)
        .await?;
    let mut out = vec![];
    for r in rows {
        let (name, minor, path): (String, i64, String) =
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
        let commune_code = path
            .trim_matches('/')
            .split('/')
            .nth(2)
            .unwrap_or_default()
            .to_owned();
        let commune: String = sqlx::query_scalar("SELECT name FROM units WHERE code = $1")
            .bind(&commune_code)
            .fetch_optional(&db.pool)
            .await?
            .unwrap_or_default();
        let name = if minor == 0 && p.show_full_names {
            name
        } else {
            initials(&name)
        };
        out.push(PublicRecipient {
            name,
            commune,
            amount: p.amount_each,
        });
    }
    Ok((p, out))
}

#[cfg(test)]
mod tests {
    #[test]
    fn initials_of_vietnamese_names() {
        assert_eq!(super::initials("Nguyễn Văn An"), "N.V.A.");
        assert_eq!(super::initials("đỗ thị lan"), "Đ.T.L.");
    }
}
