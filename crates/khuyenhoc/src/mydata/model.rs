//! What the Association holds about one person, gathered from every table that names them.

use crate::accounts::model::{self as people, Person};
use crate::db::Db;
use crate::error::AppError;
use crate::evaluation::model::{self as evaluations, Event, Evidence};
use serde::Serialize;
use sqlx::Row;

/// The most audit entries the file carries (newest first).
pub const AUDIT_LIMIT: i64 = 1000;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "MyData")]
pub struct MyData {
    /// When this copy was made (RFC 3339, UTC).
    pub generated_at: String,
    /// Identity and contact; the national ID only masked.
    pub person: Person,
    pub positions: Vec<MyPosition>,
    pub evaluations: Vec<MyEvaluation>,
    pub memberships: Vec<MyMembership>,
    pub groups: Vec<MyGroup>,
    /// Changes to this person's record, and what this person did (newest first).
    pub audit: Vec<MyAuditEntry>,
    /// The notices sent to this person (newest first, at most `AUDIT_LIMIT`).
    pub notices: Vec<crate::notify::model::Stored>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "MyPosition")]
pub struct MyPosition {
    pub position_id: i64,
    pub name_vi: String,
    pub unit_code: String,
    pub unit_name: String,
    /// Unix seconds.
    pub from_at: i64,
    /// Unix seconds; none while held.
    pub to_at: Option<i64>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "MyEvaluation")]
pub struct MyEvaluation {
    pub id: i64,
    pub model: String,
    pub year: i64,
    pub unit_code: String,
    pub unit_name: String,
    pub status: String,
    pub total: i64,
    pub events: Vec<Event>,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "MyMembership")]
pub struct MyMembership {
    pub branch_code: String,
    pub branch_name: String,
    pub card_no: Option<String>,
    /// `YYYY-MM-DD`.
    pub joined_on: String,
    pub status: String,
    pub status_on: Option<String>,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "MyGroup")]
pub struct MyGroup {
    pub id: i64,
    pub kind: String,
    pub name: String,
    pub unit_name: String,
    /// Whether this person heads the group.
    pub head: bool,
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "MyAuditEntry")]
pub struct MyAuditEntry {
    /// Unix seconds.
    pub at: i64,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// Whether this person made the change (else it was made to their record).
    pub by_me: bool,
    /// The record before and after, for changes to this person's own record only.
    pub before: Option<String>,
    pub after: Option<String>,
}

impl MyAuditEntry {
    /// What was done, in words.
    pub fn what(&self, en: bool) -> String {
        crate::audit::names::describe(&self.entity, &self.action, en)
    }
}

pub async fn gather(db: &Db, person_id: i64) -> Result<MyData, AppError> {
    let person = people::by_id(db, person_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(MyData {
        generated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        person,
        positions: positions(db, person_id).await?,
        evaluations: evaluations_of(db, person_id).await?,
        memberships: memberships(db, person_id).await?,
        groups: groups(db, person_id).await?,
        audit: audit(db, person_id).await?,
        notices: crate::notify::model::newest(db, person_id, AUDIT_LIMIT).await?,
    })
}

async fn positions(db: &Db, person_id: i64) -> Result<Vec<MyPosition>, AppError> {
    let positions = sqlx::query(
        "SELECT po.id, pt.name_vi, u.code, u.name, h.from_at, h.to_at FROM position_holdings h \
         JOIN positions po ON po.id = h.position_id JOIN position_types pt ON pt.id = po.type_id \
         JOIN units u ON u.id = po.unit_id WHERE h.person_id = $1 ORDER BY h.from_at, h.id",
    )
    .bind(person_id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(MyPosition {
            position_id: r.try_get(0)?,
            name_vi: r.try_get(1)?,
            unit_code: r.try_get(2)?,
            unit_name: r.try_get(3)?,
            from_at: r.try_get(4)?,
            to_at: r.try_get(5)?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(positions)
}

async fn evaluations_of(db: &Db, person_id: i64) -> Result<Vec<MyEvaluation>, AppError> {
    let rows = sqlx::query(
        "SELECT e.id, e.model, e.year, u.code, u.name, e.status, e.total FROM evaluations e \
         JOIN units u ON u.id = e.unit_id WHERE e.subject_kind = 'person' AND e.subject_id = $1 \
         ORDER BY e.year, e.id",
    )
    .bind(person_id)
    .fetch_all(&db.pool)
    .await?;
    let mut evals = Vec::with_capacity(rows.len());
    for r in &rows {
        let id: i64 = r.try_get(0)?;
        evals.push(MyEvaluation {
            id,
            model: r.try_get(1)?,
            year: r.try_get(2)?,
            unit_code: r.try_get(3)?,
            unit_name: r.try_get(4)?,
            status: r.try_get(5)?,
            total: r.try_get(6)?,
            events: evaluations::events(db, id).await?,
            evidence: evaluations::evidence(db, id).await?,
        });
    }
    Ok(evals)
}

async fn memberships(db: &Db, person_id: i64) -> Result<Vec<MyMembership>, AppError> {
    let memberships = sqlx::query(
        "SELECT u.code, u.name, m.card_no, m.joined_on, m.status, m.status_on FROM members m \
         JOIN units u ON u.id = m.branch_id WHERE m.person_id = $1 ORDER BY m.joined_on, m.id",
    )
    .bind(person_id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(MyMembership {
            branch_code: r.try_get(0)?,
            branch_name: r.try_get(1)?,
            card_no: r.try_get(2)?,
            joined_on: r.try_get(3)?,
            status: r.try_get(4)?,
            status_on: r.try_get(5)?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(memberships)
}

async fn groups(db: &Db, person_id: i64) -> Result<Vec<MyGroup>, AppError> {
    let groups = sqlx::query(
        "SELECT g.id, g.kind, g.name, u.name, g.head_person_id FROM learning_groups g \
         JOIN units u ON u.id = g.unit_id \
         WHERE g.head_person_id = $1 OR g.id IN (SELECT group_id FROM group_members WHERE person_id = $1) \
         ORDER BY g.id",
    )
    .bind(person_id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(MyGroup {
            id: r.try_get(0)?,
            kind: r.try_get(1)?,
            name: r.try_get(2)?,
            unit_name: r.try_get(3)?,
            head: r.try_get::<Option<i64>, _>(4)? == Some(person_id),
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(groups)
}

async fn audit(db: &Db, person_id: i64) -> Result<Vec<MyAuditEntry>, AppError> {
    let audit = sqlx::query(
        "SELECT at, action, entity, entity_id, person_id, before_json, after_json FROM audit_log \
         WHERE (entity = 'person' AND entity_id = $1) OR person_id = $2 ORDER BY id DESC LIMIT $3",
    )
    .bind(person_id.to_string())
    .bind(person_id)
    .bind(AUDIT_LIMIT)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        let entity: String = r.try_get(2)?;
        let entity_id: String = r.try_get(3)?;
        let about_me = entity == "person" && entity_id == person_id.to_string();
        Ok(MyAuditEntry {
            at: r.try_get(0)?,
            action: r.try_get(1)?,
            by_me: r.try_get::<Option<i64>, _>(4)? == Some(person_id),
            before: if about_me { r.try_get(5)? } else { None },
            after: if about_me { r.try_get(6)? } else { None },
            entity,
            entity_id,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok(audit)
}
