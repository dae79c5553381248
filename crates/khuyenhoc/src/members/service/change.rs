//! A member's status (active, left, deceased) and edits of the card number, join date and sectors.

use super::{check_card, invalid, parse_card, parse_day, parse_sectors, with_right};
use crate::audit::{self, Change};
use crate::auth::{perm, Viewer};
use crate::db::{now, Db};
use crate::error::AppError;
use crate::members::model::{self, Member};
use crate::reports::counters;
use khuyenhoc_domain::Invalid;

pub(super) fn changed_meanwhile() -> AppError {
    AppError::bad_request(
        "Hồ sơ hội viên vừa được người khác thay đổi; hãy tải lại trang và thử lại",
        "The member was changed by someone else meanwhile; reload and try again",
    )
}

/// The new status and its day, checked against the member: one of the statuses, a change, not
/// after death, not before joining.
fn new_status(
    m: &Member,
    status: &str,
    on: Option<&str>,
) -> Result<(&'static str, String), AppError> {
    let status = crate::members::STATUSES
        .iter()
        .map(|s| s.0)
        .find(|s| *s == status.trim())
        .ok_or_else(|| {
            invalid(
                "status",
                Invalid::new(
                    "Trạng thái là: đang sinh hoạt, đã ra khỏi Hội hoặc đã mất",
                    "The status is active, left or deceased",
                ),
            )
        })?;
    if m.status == "deceased" {
        return Err(invalid(
            "status",
            Invalid::new(
                "Hội viên đã mất; không đổi trạng thái được nữa",
                "The member has died; the status no longer changes",
            ),
        ));
    }
    if m.status == status {
        return Err(invalid(
            "status",
            Invalid::new(
                "Hội viên đã ở trạng thái này",
                "The member already has this status",
            ),
        ));
    }
    let on = parse_day(on, "on")?;
    if on < m.joined_on {
        return Err(invalid(
            "on",
            Invalid::new(
                "Ngày đổi trạng thái không được trước ngày vào Hội",
                "The day of the change cannot be before the day the member joined",
            ),
        ));
    }
    Ok((status, on))
}

/// Sets a member's status (left, deceased, or active again) from a day.
pub async fn set_status(
    db: &Db,
    v: &Viewer,
    id: i64,
    status: &str,
    on: Option<&str>,
) -> Result<Member, AppError> {
    let (m, actor) = with_right(db, v, id, perm::MEMBER_MANAGE).await?;
    let (status, on) = new_status(&m, status, on)?;
    let sectors = m.sectors_text();
    let mut tx = db.begin().await?;
    let done = sqlx::query(
        "UPDATE members SET status = $1, status_on = $2, updated_at = $3 WHERE id = $4 AND status = $5 AND branch_id = $6 AND sectors = $7",
    )
    .bind(status)
    .bind(&on)
    .bind(now())
    .bind(m.id)
    .bind(&m.status)
    .bind(m.branch_id)
    .bind(&sectors)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(changed_meanwhile());
    }
    counters::member_changed(
        &mut tx,
        Some((m.branch_id, &m.joined_on, &m.status, &sectors)),
        Some((m.branch_id, &m.joined_on, status, &sectors)),
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(m.branch_id),
            entity: "member",
            entity_id: m.id.to_string(),
            action: "set_status",
            before: Some(serde_json::json!({"status": m.status, "status_on": m.status_on})),
            after: Some(serde_json::json!({"status": status, "status_on": on})),
        },
    )
    .await?;
    tx.commit().await?;
    model::by_id(db, m.id).await?.ok_or(AppError::NotFound)
}

/// A change of card number and sectors; `None` leaves the field as it is.
#[derive(Debug, Default, Clone)]
pub struct Edit {
    /// An empty text removes the card number.
    pub card_no: Option<String>,
    pub sectors: Option<Vec<String>>,
}

pub async fn edit(db: &Db, v: &Viewer, id: i64, e: &Edit) -> Result<Member, AppError> {
    let (m, actor) = with_right(db, v, id, perm::MEMBER_MANAGE).await?;
    let card = match &e.card_no {
        Some(c) => parse_card(Some(c))?,
        None => m.card_no.clone(),
    };
    let old_sectors = m.sectors_text();
    let sectors = match &e.sectors {
        Some(s) => parse_sectors(s)?,
        None => old_sectors.clone(),
    };
    if card == m.card_no && sectors == old_sectors {
        return Ok(m);
    }
    let mut tx = db.begin().await?;
    if card != m.card_no {
        check_card(&mut tx, m.commune_id, card.as_deref(), m.id).await?;
    }
    let done = sqlx::query(
        "UPDATE members SET card_no = $1, sectors = $2, updated_at = $3 WHERE id = $4 AND status = $5 AND branch_id = $6 AND sectors = $7",
    )
    .bind(&card)
    .bind(&sectors)
    .bind(now())
    .bind(m.id)
    .bind(&m.status)
    .bind(m.branch_id)
    .bind(&old_sectors)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(changed_meanwhile());
    }
    counters::member_changed(
        &mut tx,
        Some((m.branch_id, &m.joined_on, &m.status, &old_sectors)),
        Some((m.branch_id, &m.joined_on, &m.status, &sectors)),
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(m.branch_id),
            entity: "member",
            entity_id: m.id.to_string(),
            action: "edit",
            before: Some(serde_json::json!({"card_no": m.card_no, "sectors": old_sectors})),
            after: Some(serde_json::json!({"card_no": card, "sectors": sectors})),
        },
    )
    .await?;
    tx.commit().await?;
    model::by_id(db, m.id).await?.ok_or(AppError::NotFound)
}
