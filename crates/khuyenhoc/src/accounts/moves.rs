//! Moving a person to another home unit: an officer over the person ([`Viewer::position_over_person`])
//! who also holds `person.manage` over the destination. The move is kept (`person_moves`: from,
//! to, date, who, why) and audited at both units; the person's evaluations, members' records and
//! everything else made at the old unit stay with it.

use super::model::{self, Lookup, Person};
use super::service::acting_over;
use crate::audit::{self, Change};
use crate::auth::{perm, Viewer};
use crate::db::{now, today, Db};
use crate::error::AppError;
use khuyenhoc_domain::{limits, Invalid};
use serde::Serialize;
use sqlx::Row;

/// One move of a person, as the person page and the API show it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "PersonMove")]
pub struct Move {
    pub from_code: String,
    pub from_name: String,
    pub to_code: String,
    pub to_name: String,
    /// YYYY-MM-DD
    pub moved_on: String,
    pub moved_by: Option<String>,
    pub reason: String,
}

impl Move {
    /// The date as people write it (dd/mm/yyyy).
    pub fn day(&self) -> String {
        chrono::NaiveDate::parse_from_str(&self.moved_on, "%Y-%m-%d")
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_else(|_| self.moved_on.clone())
    }
}

/// Every move of a person, oldest first.
pub async fn history(db: &Db, person_id: i64) -> Result<Vec<Move>, sqlx::Error> {
    sqlx::query(
        "SELECT f.code, f.name, t.code, t.name, m.moved_on, pe.full_name, m.reason FROM person_moves m \
         JOIN units f ON f.id = m.from_unit_id JOIN units t ON t.id = m.to_unit_id \
         LEFT JOIN people pe ON pe.id = m.moved_by WHERE m.person_id = $1 ORDER BY m.id",
    )
    .bind(person_id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(Move {
            from_code: r.try_get(0)?,
            from_name: r.try_get(1)?,
            to_code: r.try_get(2)?,
            to_name: r.try_get(3)?,
            moved_on: r.try_get(4)?,
            moved_by: r.try_get(5)?,
            reason: r.try_get(6)?,
        })
    })
    .collect()
}

/// Moves the person to the unit `to_code` (see the module); `reason` is required.
pub async fn move_person(
    db: &Db,
    viewer: &Viewer,
    person_id: i64,
    to_code: &str,
    reason: &str,
) -> Result<Person, AppError> {
    let person = model::find_visible(db, viewer, &Lookup::Id(person_id))
        .await?
        .ok_or(AppError::NotFound)?;
    acting_over(&db.pool, viewer, &person).await?;
    let reason = limits::DESCRIPTION
        .check(reason)
        .map_err(|e| AppError::field("reason", e))?;
    if reason.chars().count() < 3 {
        return Err(AppError::field(
            "reason",
            Invalid::new("Cần ghi lý do chuyển", "Give the reason for the move"),
        ));
    }
    // A unit outside the viewer's rights looks like one that does not exist.
    let to = crate::org::model::by_code(db, to_code.trim())
        .await?
        .filter(|u| u.is_open())
        .ok_or(AppError::NotFound)?;
    let to_position = viewer
        .position_for(perm::PERSON_MANAGE, &to.path)
        .ok_or(AppError::NotFound)?
        .position_id;
    if to.id == person.unit_id {
        return Err(AppError::field(
            "unit_code",
            Invalid::new(
                "Người này đã thuộc đơn vị đó",
                "This person already belongs to that unit",
            ),
        ));
    }
    let mut tx = db.begin().await?;
    let actor = acting_over(&mut *tx, viewer, &person).await?;
    sqlx::query("UPDATE people SET unit_id = $1 WHERE id = $2")
        .bind(to.id)
        .bind(person.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO person_moves (person_id, from_unit_id, to_unit_id, moved_on, at, moved_by, position_id, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(person.id)
        .bind(person.unit_id)
        .bind(to.id)
        .bind(today())
        .bind(now())
        .bind(viewer.person_id)
        .bind(actor.position_id)
        .bind(&reason)
        .execute(&mut *tx)
        .await?;
    let after = serde_json::json!({ "from": person.unit_code, "to": to.code, "reason": reason });
    for (unit_id, position_id) in [
        (person.unit_id, actor.position_id),
        (to.id, Some(to_position)),
    ] {
        let change = Change {
            unit_id: Some(unit_id),
            entity: "person",
            entity_id: person.id.to_string(),
            action: "move",
            before: Some(serde_json::json!({ "unit": person.unit_code })),
            after: Some(after.clone()),
        };
        audit::record(
            &mut tx,
            audit::Actor::new(viewer.person_id, position_id),
            change,
        )
        .await?;
    }
    tx.commit().await?;
    model::by_id(db, person.id).await?.ok_or(AppError::NotFound)
}
