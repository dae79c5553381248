//! Adding a member to a family, clan or organisation (issue 14, item 12; issue 15, item 6).
//!
//! One rule for whoever adds by phone: a person who has a login is only *invited*. The
//! membership waits with `accepted_at` empty, the group shows it as waiting with the last digits
//! of the number typed, never the name, and it counts nowhere. The invited person sees the
//! invitation on their own page (`/learning`) with the group and its head, and accepts (the
//! name then shows and the member counts) or declines (the invitation goes). Nobody else can
//! answer it: another person asking gets the same 404 as for an invitation that does not exist.
//! A person without a login (a record an officer made: a child, an elder without a phone) cannot
//! answer an invitation, so an officer with `evaluation.enter` over the group's unit adds them at
//! once, as they do with the paper forms of their scope; the head is told to ask the branch.

use super::{kind_words, visible, Group};
use crate::audit::{self, Actor, Change};
use crate::auth::{perm, Viewer};
use crate::db::{is_unique_violation, now};
use crate::error::{AppError, FieldError};
use crate::state::AppState;
use khuyenhoc_domain::{Invalid, PhoneNumber};
use serde::Serialize;
use sqlx::Row;

/// What adding someone did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// An officer in scope added a person without a login: a member now.
    Member,
    /// The person has a login and was invited: a member once they accept.
    Invited,
}

/// An invitation still waiting, as the group shows it: no name, only the last digits of the
/// phone number the head typed.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "GroupInvitationWaiting")]
pub struct Pending {
    pub id: i64,
    pub phone_tail: String,
    pub adult: bool,
}

/// An invitation as the invited person sees it: the group, its unit and its head.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "GroupInvitation")]
pub struct Invitation {
    pub id: i64,
    pub group_name: String,
    pub kind: String,
    pub unit_name: String,
    pub head_name: Option<String>,
}

impl Invitation {
    pub fn kind_vi(&self) -> &'static str {
        kind_words(&self.kind).0
    }

    pub fn kind_en(&self) -> &'static str {
        kind_words(&self.kind).1
    }
}

/// A number masked for the head who typed it: its first two and last three digits, the others
/// as dots (`09•••••678`); a number too short to mask keeps only its last digits.
fn tail(phone: Option<&str>) -> String {
    let digits: Vec<char> = phone.unwrap_or_default().chars().collect();
    if digits.len() < 7 {
        let from = digits.len().saturating_sub(2);
        return format!("…{}", digits[from..].iter().collect::<String>());
    }
    let n = digits.len();
    let head: String = digits[..2].iter().collect();
    let tail: String = digits[n - 3..].iter().collect();
    format!("{head}{}{tail}", "•".repeat(n - 5))
}

/// Adds a member by phone: an invitation to a person with a login, at once (an officer in
/// scope only) for a person without one.
pub async fn add(
    state: &AppState,
    v: &Viewer,
    group_id: i64,
    phone: &str,
    adult: bool,
) -> Result<Added, AppError> {
    let g = visible(state, v, group_id).await?;
    // An officer in scope adds at once (they see the people of their scope anyway); the head
    // who is not such an officer only invites.
    let position = v
        .position_for(perm::EVALUATION_ENTER, &g.unit_path)
        .map(|p| p.position_id);
    if position.is_none() && g.head_person_id != Some(v.person_id) {
        return Err(AppError::NotFound);
    }
    let phone = PhoneNumber::parse(phone).map_err(|e| AppError::field("phone", e))?;
    let (person, has_login) = person_for(state, v, &g, &phone).await?;
    if !has_login && position.is_none() {
        return Err(AppError::field(
            "phone",
            Invalid::new(
                "Người có số này chưa có tài khoản để nhận lời mời; hãy nhờ cán bộ chi hội thêm người này vào nhóm",
                "The person with this number has no account to answer an invitation; ask the branch officer to add them",
            ),
        ));
    }
    let mut tx = state.db.begin().await?;
    let existing: Option<Option<i64>> = sqlx::query_scalar(
        "SELECT accepted_at FROM group_members WHERE group_id = $1 AND person_id = $2 AND ended_at IS NULL",
    )
    .bind(g.id)
    .bind(person)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(accepted) = existing {
        return Err(already(accepted.is_some()));
    }
    let at = now();
    let accepted_at = (!has_login).then_some(at);
    sqlx::query("INSERT INTO group_members (group_id, person_id, adult, created_at, accepted_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(g.id)
        .bind(person)
        .bind(i64::from(adult))
        .bind(at)
        .bind(accepted_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e, "group_members_current") {
                already(false)
            } else {
                e.into()
            }
        })?;
    let (action, added) = if has_login {
        ("invite_member", Added::Invited)
    } else {
        ("add_member", Added::Member)
    };
    let change = Change {
        unit_id: Some(g.unit_id),
        entity: "group",
        entity_id: g.id.to_string(),
        action,
        before: None,
        after: Some(serde_json::json!({"person": person, "adult": adult})),
    };
    audit::record(&mut tx, Actor::new(v.person_id, position), change).await?;
    // An addition at once has nothing to answer; an invitation waits for its person.
    if added == Added::Invited {
        let notice = crate::notify::Notice::FamilyInvitation {
            group_id: g.id,
            group_name: g.name.clone(),
        };
        crate::notify::send(&mut tx, person, notice).await?;
    }
    tx.commit().await?;
    Ok(added)
}

/// The person with this number whom the viewer may add, and whether they have a login: a head
/// adds people registered in the group's unit, an officer anyone in their scope.
async fn person_for(
    state: &AppState,
    v: &Viewer,
    g: &Group,
    phone: &PhoneNumber,
) -> Result<(i64, bool), AppError> {
    let sql =
        "SELECT p.id, u.path, CASE WHEN p.password_hash IS NULL THEN 0 ELSE 1 END FROM people p \
               JOIN units u ON u.id = p.unit_id WHERE p.phone = $1";
    let row = sqlx::query(sql)
        .bind(phone.as_str())
        .fetch_optional(&state.db.pool)
        .await?;
    let person = match row {
        Some(r) => {
            let (id, path): (i64, String) = (r.try_get(0)?, r.try_get(1)?);
            let has_login = r.try_get::<i64, _>(2)? != 0;
            (v.can_read(&path) || path.starts_with(&g.unit_path)).then_some((id, has_login))
        }
        None => None,
    };
    person.ok_or_else(|| {
        AppError::field(
            "phone",
            Invalid::new(
                "Không tìm thấy người có số này trong đơn vị",
                "Nobody with this number in the unit",
            ),
        )
    })
}

fn already(accepted: bool) -> AppError {
    let message = if accepted {
        Invalid::new("Người này đã là thành viên", "Already a member")
    } else {
        Invalid::new(
            "Đã mời người này, đang chờ họ xác nhận",
            "Already invited, waiting for their acceptance",
        )
    };
    AppError::Conflict(FieldError::new("phone", message))
}

/// The group's invitations still waiting, oldest first, without names.
pub async fn pending(state: &AppState, group_id: i64) -> Result<Vec<Pending>, AppError> {
    Ok(sqlx::query("SELECT m.id, p.phone, m.adult FROM group_members m JOIN people p ON p.id = m.person_id WHERE m.group_id = $1 AND m.accepted_at IS NULL AND m.ended_at IS NULL ORDER BY m.id")
        .bind(group_id)
        .fetch_all(&state.db.pool)
        .await?
        .into_iter()
        .map(|r| {
            let phone: Option<String> = r.try_get(1)?;
            Ok(Pending { id: r.try_get(0)?, phone_tail: tail(phone.as_deref()), adult: r.try_get::<i64, _>(2)? != 0 })
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

/// The invitations waiting for this person, oldest first.
pub async fn invitations_for(
    state: &AppState,
    person_id: i64,
) -> Result<Vec<Invitation>, AppError> {
    groups_of(state, person_id, "m.accepted_at IS NULL").await
}

/// A person's current rows of `group_members` matching `condition` (a fixed SQL fragment of
/// this module, never from a request), with their groups, oldest first.
pub(super) async fn groups_of(
    state: &AppState,
    person_id: i64,
    condition: &str,
) -> Result<Vec<Invitation>, AppError> {
    let sql = format!(
        "SELECT m.id, g.name, g.kind, u.name, h.full_name FROM group_members m \
         JOIN learning_groups g ON g.id = m.group_id JOIN units u ON u.id = g.unit_id \
         LEFT JOIN people h ON h.id = g.head_person_id \
         WHERE m.person_id = $1 AND m.ended_at IS NULL AND {condition} ORDER BY m.id"
    );
    Ok(sqlx::query(&sql)
        .bind(person_id)
        .fetch_all(&state.db.pool)
        .await?
        .into_iter()
        .map(|r| {
            Ok(Invitation {
                id: r.try_get(0)?,
                group_name: r.try_get(1)?,
                kind: r.try_get(2)?,
                unit_name: r.try_get(3)?,
                head_name: r.try_get(4)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

/// The invited person accepts (the membership counts from now) or declines (it goes). Only the
/// invited person answers, once: anyone else, or a second answer, gets 404.
pub async fn answer(
    state: &AppState,
    v: &Viewer,
    invitation_id: i64,
    accept: bool,
) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    let row = sqlx::query("SELECT m.group_id, g.unit_id FROM group_members m JOIN learning_groups g ON g.id = m.group_id WHERE m.id = $1 AND m.person_id = $2 AND m.accepted_at IS NULL AND m.ended_at IS NULL")
        .bind(invitation_id)
        .bind(v.person_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)?;
    let (group_id, unit_id): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
    // The condition on `accepted_at` again: of two answers at once, one only changes the row.
    let changed = if accept {
        sqlx::query(
            "UPDATE group_members SET accepted_at = $1 WHERE id = $2 AND accepted_at IS NULL AND ended_at IS NULL",
        )
        .bind(now())
        .bind(invitation_id)
        .execute(&mut *tx)
        .await?
    } else {
        sqlx::query("DELETE FROM group_members WHERE id = $1 AND accepted_at IS NULL AND ended_at IS NULL")
            .bind(invitation_id)
            .execute(&mut *tx)
            .await?
    }
    .rows_affected();
    if changed != 1 {
        return Err(AppError::NotFound);
    }
    let change = Change {
        unit_id: Some(unit_id),
        entity: "group",
        entity_id: group_id.to_string(),
        action: if accept {
            "accept_invitation"
        } else {
            "decline_invitation"
        },
        before: Some(serde_json::json!({"person": v.person_id, "invitation": invitation_id})),
        after: accept.then(|| serde_json::json!({"person": v.person_id, "member": true})),
    };
    audit::record(&mut tx, Actor::new(v.person_id, None), change).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_waiting_invitation_shows_a_masked_number() {
        assert_eq!(super::tail(Some("0912345678")), "09•••••678");
        assert_eq!(super::tail(Some("7")), "…7");
        assert_eq!(super::tail(None), "…");
    }
}
