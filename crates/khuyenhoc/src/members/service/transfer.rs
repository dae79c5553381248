//! Transfers to another branch anywhere in the country, with their history.

use super::{changed_meanwhile, check_card, invalid, parse_card, parse_day, with_right};
use crate::audit::{self, Change};
use crate::auth::{perm, Viewer};
use crate::db::{now, Db};
use crate::error::AppError;
use crate::members::model::{self, Member};
use crate::org::model::Unit;
use crate::reports::counters;
use khuyenhoc_domain::Invalid;

/// A move to another branch, as typed.
#[derive(Debug, Default, Clone)]
pub struct NewTransfer {
    pub to_branch: String,
    pub on: Option<String>,
    pub reason: Option<String>,
    /// A new card number (the old one is kept when empty).
    pub card_no: Option<String>,
}

/// A transfer checked against the member: the target branch, the day, the reason, the card.
pub(super) struct Checked {
    target: Unit,
    on: String,
    reason: Option<String>,
    card: Option<String>,
}

pub(super) async fn check_transfer(
    db: &Db,
    m: &Member,
    t: &NewTransfer,
) -> Result<Checked, AppError> {
    if m.status != "active" {
        return Err(invalid(
            "to_branch",
            Invalid::new(
                "Chỉ chuyển sinh hoạt được hội viên đang sinh hoạt",
                "Only an active member can be transferred",
            ),
        ));
    }
    let absent = || {
        invalid(
            "to_branch",
            Invalid::new(
                "Không có chi hội đang hoạt động mang mã này",
                "No open branch has this code",
            ),
        )
    };
    let code = khuyenhoc_domain::UnitCode::parse(t.to_branch.trim()).map_err(|_| absent())?;
    let target = crate::org::model::by_code(db, code.as_str())
        .await?
        .filter(|u| u.is_branch() && u.is_open())
        .ok_or_else(absent)?;
    if target.id == m.branch_id {
        return Err(invalid(
            "to_branch",
            Invalid::new(
                "Hội viên đang sinh hoạt ở chi hội này",
                "The member already belongs to this branch",
            ),
        ));
    }
    let on = parse_day(t.on.as_deref(), "on")?;
    if on < m.joined_on {
        return Err(invalid(
            "on",
            Invalid::new(
                "Ngày chuyển không được trước ngày vào Hội",
                "The day of the transfer cannot be before the day the member joined",
            ),
        ));
    }
    let reason = t
        .reason
        .as_deref()
        .map(khuyenhoc_domain::text::clean)
        .filter(|r| !r.is_empty());
    if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
        return Err(invalid(
            "reason",
            Invalid::new(
                "Lý do tối đa 500 ký tự",
                "A reason has at most 500 characters",
            ),
        ));
    }
    let card = match parse_card(t.card_no.as_deref())? {
        Some(c) => Some(c),
        None => m.card_no.clone(),
    };
    Ok(Checked {
        target,
        on,
        reason,
        card,
    })
}

/// Moves an active member to another open branch, anywhere in the country; the viewer needs
/// `member.manage` over the current branch. Returns the member (read without scope: it may have
/// left the viewer's scope) and the transfer's id.
pub async fn transfer(
    db: &Db,
    v: &Viewer,
    id: i64,
    t: &NewTransfer,
) -> Result<(Member, i64), AppError> {
    let (m, actor) = with_right(db, v, id, perm::MEMBER_MANAGE).await?;
    let Checked {
        target,
        on,
        reason,
        card,
    } = check_transfer(db, &m, t).await?;
    let sectors = m.sectors_text();
    let mut tx = db.begin().await?;
    if card.is_some() && (card != m.card_no || target.parent_id != m.commune_id) {
        check_card(&mut tx, target.parent_id, card.as_deref(), m.id).await?;
    }
    let done = sqlx::query(
        "UPDATE members SET branch_id = $1, card_no = $2, updated_at = $3 WHERE id = $4 AND branch_id = $5 AND status = 'active' AND sectors = $6",
    )
    .bind(target.id)
    .bind(&card)
    .bind(now())
    .bind(m.id)
    .bind(m.branch_id)
    .bind(&sectors)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(changed_meanwhile());
    }
    let transfer_id: i64 = sqlx::query_scalar(
        "INSERT INTO member_transfers (member_id, from_branch_id, to_branch_id, on_date, reason, person_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(m.id)
    .bind(m.branch_id)
    .bind(target.id)
    .bind(&on)
    .bind(&reason)
    .bind(v.person_id)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    counters::member_changed(
        &mut tx,
        Some((m.branch_id, &m.joined_on, &m.status, &sectors)),
        Some((target.id, &m.joined_on, &m.status, &sectors)),
    )
    .await?;
    let before = serde_json::json!({"branch": m.branch_code, "card_no": m.card_no});
    let after = serde_json::json!({"branch": target.code, "card_no": card, "on": on, "reason": reason, "transfer_id": transfer_id});
    // Recorded at both ends, so that each side's audit log shows the move.
    for (unit_id, action) in [(m.branch_id, "transfer"), (target.id, "transfer_in")] {
        audit::record(
            &mut tx,
            actor,
            Change {
                unit_id: Some(unit_id),
                entity: "member",
                entity_id: m.id.to_string(),
                action,
                before: Some(before.clone()),
                after: Some(after.clone()),
            },
        )
        .await?;
    }
    tx.commit().await?;
    let m = model::by_id(db, m.id).await?.ok_or(AppError::NotFound)?;
    Ok((m, transfer_id))
}
