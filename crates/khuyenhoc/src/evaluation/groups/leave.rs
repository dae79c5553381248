//! Memberships that end, and members without an account (issue 15, item 6).
//!
//! A membership ends three ways: the head removes a member (or withdraws an invitation still
//! waiting), an officer with `evaluation.enter` over the group's unit removes one, or the member
//! leaves by themself from their own page. The row stays, with the time it ended, who ended it
//! and how: evaluations submitted before keep counting the member (`evaluation::score`), and
//! the person can be invited again later. The head is not removed this way (an officer changes
//! the head first). A person without an account (a child, an elder without a phone) is added
//! by an officer who may register people in the group's unit: name, birth year, gender.

use super::{visible, Invitation};
use crate::accounts::service::{insert_in, NewPerson};
use crate::audit::{self, Actor, Change};
use crate::auth::{perm, Viewer};
use crate::db::now;
use crate::error::AppError;
use crate::state::AppState;
use sqlx::Row;

/// How a membership ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The head removed the member (or withdrew the invitation).
    Removed,
    /// The member left.
    Left,
    /// An officer in scope removed the member.
    Officer,
}

impl Ended {
    fn code(self) -> &'static str {
        match self {
            Ended::Removed => "removed",
            Ended::Left => "left",
            Ended::Officer => "officer",
        }
    }
}

/// Ends a membership of the group `group_id` (its row id `membership`). The head or an officer
/// in scope removes; the member leaves with `group_id` = None (they know only the membership).
/// Anyone else, a membership already ended, or the head's own, gets 404.
pub async fn end(
    state: &AppState,
    v: &Viewer,
    group_id: Option<i64>,
    membership: i64,
) -> Result<Ended, AppError> {
    let row = sqlx::query("SELECT m.group_id, m.person_id, m.accepted_at FROM group_members m WHERE m.id = $1 AND m.ended_at IS NULL")
        .bind(membership)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let (gid, person, accepted): (i64, i64, Option<i64>) =
        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    let (how, position, g) = match group_id {
        // The member leaves: only their own accepted membership.
        None => {
            if person != v.person_id || accepted.is_none() {
                return Err(AppError::NotFound);
            }
            let g = super::by_id(state, gid).await?;
            (Ended::Left, None, g)
        }
        Some(id) => {
            if id != gid {
                return Err(AppError::NotFound);
            }
            let g = visible(state, v, gid).await?;
            if g.head_person_id == Some(v.person_id) && person != v.person_id {
                (Ended::Removed, None, g)
            } else if let Some(p) = v
                .position_for(perm::EVALUATION_ENTER, &g.unit_path)
                .filter(|_| person != v.person_id)
            {
                (Ended::Officer, Some(p.position_id), g)
            } else {
                return Err(AppError::NotFound);
            }
        }
    };
    if g.head_person_id == Some(person) {
        return Err(AppError::bad_request(
            "Chủ hộ/trưởng nhóm không rời nhóm được; hãy nhờ cán bộ đổi người đứng đầu trước",
            "The head cannot leave the group: ask an officer to change the head first",
        ));
    }
    let mut tx = state.db.begin().await?;
    let changed = sqlx::query("UPDATE group_members SET ended_at = $1, ended_by = $2, end_reason = $3 WHERE id = $4 AND ended_at IS NULL")
        .bind(now())
        .bind(v.person_id)
        .bind(how.code())
        .bind(membership)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if changed != 1 {
        return Err(AppError::NotFound);
    }
    let action = match how {
        Ended::Left => "leave",
        _ if accepted.is_none() => "withdraw_invitation",
        _ => "remove_member",
    };
    let change = Change {
        unit_id: Some(g.unit_id),
        entity: "group",
        entity_id: g.id.to_string(),
        action,
        before: Some(serde_json::json!({"person": person, "membership": membership})),
        after: Some(serde_json::json!({"ended": how.code()})),
    };
    audit::record(&mut tx, Actor::new(v.person_id, position), change).await?;
    tx.commit().await?;
    Ok(how)
}

/// The groups this person belongs to (accepted, not ended), except those they head: each with
/// the membership's id, to leave.
pub async fn memberships_of(state: &AppState, person_id: i64) -> Result<Vec<Invitation>, AppError> {
    let condition =
        "m.accepted_at IS NOT NULL AND (g.head_person_id IS NULL OR g.head_person_id <> $1)";
    super::invite::groups_of(state, person_id, condition).await
}

/// An officer who may register people in the group's unit adds a person without an account
/// (no phone needed): the person is registered in the group's unit and is a member at once.
pub async fn add_without_account(
    state: &AppState,
    v: &Viewer,
    group_id: i64,
    full_name: &str,
    birth_year: &str,
    gender: &str,
    adult: bool,
) -> Result<i64, AppError> {
    let g = visible(state, v, group_id).await?;
    let pos = v
        .position_for(perm::PERSON_MANAGE, &g.unit_path)
        .ok_or(AppError::NotFound)?;
    let actor = Actor::new(v.person_id, Some(pos.position_id));
    let input = NewPerson {
        full_name: full_name.to_owned(),
        birth_year: Some(birth_year.to_owned()).filter(|b| !b.trim().is_empty()),
        gender: Some(gender.to_owned()).filter(|g| !g.trim().is_empty()),
        ..NewPerson::default()
    };
    let mut tx = state.db.begin().await?;
    let person = insert_in(&mut tx, actor, g.unit_id, &input).await?;
    let at = now();
    sqlx::query("INSERT INTO group_members (group_id, person_id, adult, created_at, accepted_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(g.id)
        .bind(person)
        .bind(i64::from(adult))
        .bind(at)
        .bind(at)
        .execute(&mut *tx)
        .await?;
    let change = Change {
        unit_id: Some(g.unit_id),
        entity: "group",
        entity_id: g.id.to_string(),
        action: "add_member",
        before: None,
        after: Some(serde_json::json!({"person": person, "adult": adult, "without_account": true})),
    };
    audit::record(&mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(person)
}
