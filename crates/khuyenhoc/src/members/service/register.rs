//! Registering a member: once per person, a card number unique within the commune.

use super::{branch_under, collect, parse_card, parse_joined, parse_sectors};
use crate::accounts::model::{find_visible, Lookup};
use crate::accounts::service::{self as people, NewPerson};
use crate::audit::{self, Actor, Change};
use crate::auth::{perm, Viewer};
use crate::db::{now, Db, Tx};
use crate::error::{AppError, FieldError};
use crate::members::model::{self, Member};
use crate::org::model::Unit;
use crate::reports::counters;
use khuyenhoc_domain::{Invalid, PhoneNumber};

/// A person who is a member already: where, if the viewer may know.
#[derive(Debug, Clone)]
pub struct AlreadyMember {
    /// The field that named the person (person_id, existing, phone, or a column of an import).
    pub field: &'static str,
    pub member_id: i64,
    /// The branch's code and name, when the viewer reads it.
    pub branch: Option<(String, String)>,
}

impl AlreadyMember {
    pub fn of(v: &Viewer, field: &'static str, m: &Member) -> Self {
        AlreadyMember {
            field,
            member_id: m.id,
            branch: v
                .can_read(&m.branch_path)
                .then(|| (m.branch_code.clone(), m.branch_name.clone())),
        }
    }

    /// What to tell the person (Vietnamese, English).
    pub fn messages(&self) -> (String, String) {
        match &self.branch {
            Some((code, name)) => (
                format!("Người này đã là hội viên của {name} ({code}); mỗi người chỉ vào Hội một lần. Để chuyển nơi sinh hoạt, hãy chuyển chi hội"),
                format!("This person is already a member of {name} ({code}); a person joins once. To move them, transfer the member"),
            ),
            None => (
                "Người này đã là hội viên; mỗi người chỉ vào Hội một lần. Nếu người này chuyển đến, hãy đề nghị chi hội đang quản lý chuyển sinh hoạt sang chi hội của bạn".to_owned(),
                "This person is already a member; a person joins once. If they have moved here, ask the branch that holds their membership to transfer it to yours".to_owned(),
            ),
        }
    }
}

/// Why a registration was refused: the person is a member already, or anything else.
#[derive(Debug)]
pub enum RegisterError {
    Already(AlreadyMember),
    Other(AppError),
}

/// A new member as a form or an API call sends it.
#[derive(Debug, Default)]
pub struct NewMember {
    /// An existing person, by id.
    pub person_id: Option<i64>,
    /// An existing person, by phone number.
    pub existing_phone: Option<String>,
    /// A new person, when no existing one is named.
    pub person: NewPerson,
    /// The branch's code; empty when the unit itself is the branch.
    pub branch: String,
    pub card_no: Option<String>,
    pub joined_on: String,
    /// Codes or labels.
    pub sectors: Vec<String>,
}

pub(super) enum Who {
    Existing(i64),
    New,
}

/// Serialises card-number checks within a parent unit: a no-op update that takes the unit's
/// row lock on PostgreSQL (SQLite writers are serialised already).
pub(super) async fn lock_unit(tx: &mut Tx<'_>, unit_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE units SET branch_seq = branch_seq WHERE id = $1")
        .bind(unit_id)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

pub(super) fn card_taken() -> AppError {
    AppError::Conflict(FieldError::new(
        "card_no",
        Invalid::new(
            "Số thẻ này đã cấp cho một hội viên khác trong cùng xã, phường",
            "This card number is held by another member of the same commune",
        ),
    ))
}

/// Checks that `card` is free in the parent unit `commune`, holding its lock until the end of
/// the transaction.
pub(crate) async fn check_card(
    tx: &mut Tx<'_>,
    commune: Option<i64>,
    card: Option<&str>,
    except_member: i64,
) -> Result<(), AppError> {
    let (Some(commune), Some(card)) = (commune, card) else {
        return Ok(());
    };
    lock_unit(tx, commune).await?;
    match model::card_holder(tx, commune, card, except_member).await? {
        Some(_) => Err(card_taken()),
        None => Ok(()),
    }
}

pub(super) fn is_unique(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// Inserts a member row with its counters and audit entry, inside the caller's transaction.
/// `Ok(None)` when the person is a member already (the unique index said so).
#[allow(clippy::too_many_arguments)] // the member's fields
pub async fn insert_member(
    tx: &mut Tx<'_>,
    actor: Actor,
    person_id: i64,
    branch: &Unit,
    card_no: Option<&str>,
    joined_on: &str,
    sectors: &str,
    source: &str,
) -> Result<Option<i64>, AppError> {
    let t = now();
    let r = sqlx::query_scalar::<_, i64>(
        "INSERT INTO members (person_id, branch_id, card_no, joined_on, status, status_on, sectors, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'active', NULL, $5, $6, $6) RETURNING id",
    )
    .bind(person_id)
    .bind(branch.id)
    .bind(card_no)
    .bind(joined_on)
    .bind(sectors)
    .bind(t)
    .fetch_one(&mut **tx)
    .await;
    let id = match r {
        Ok(id) => id,
        Err(e) if is_unique(&e) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    counters::member_changed(tx, None, Some((branch.id, joined_on, "active", sectors))).await?;
    let after = serde_json::json!({
        "person_id": person_id, "branch": branch.code, "card_no": card_no,
        "joined_on": joined_on, "status": "active", "sectors": sectors, "source": source,
    });
    audit::record(
        tx,
        actor,
        Change {
            unit_id: Some(branch.id),
            entity: "member",
            entity_id: id.to_string(),
            action: "register",
            before: None,
            after: Some(after),
        },
    )
    .await?;
    Ok(Some(id))
}

/// The person to register: an existing one in the viewer's scope (by id or phone), or the new
/// person of the form, with the field that names them. A phone or person that is a member
/// already is refused naming where; other faults go to `errors`.
async fn who_registers(
    db: &Db,
    v: &Viewer,
    n: &NewMember,
    errors: &mut Vec<FieldError>,
) -> Result<Option<(Who, &'static str)>, RegisterError> {
    let not_found = |field: &'static str| {
        FieldError::new(
            field,
            Invalid::new(
                "Không tìm thấy người này trong phạm vi của bạn",
                "No such person in your scope",
            ),
        )
    };
    let existing_phone = n
        .existing_phone
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    Ok(if let Some(id) = n.person_id {
        match find_visible(db, v, &Lookup::Id(id)).await? {
            Some(p) => Some((Who::Existing(p.id), "person_id")),
            None => {
                errors.push(not_found("person_id"));
                None
            }
        }
    } else if let Some(phone) = existing_phone {
        match PhoneNumber::parse(phone) {
            Ok(phone) => match find_visible(db, v, &Lookup::Phone(phone)).await? {
                Some(p) => Some((Who::Existing(p.id), "existing")),
                None => {
                    errors.push(not_found("existing"));
                    None
                }
            },
            Err(e) => {
                errors.push(FieldError::new("existing", e));
                None
            }
        }
    } else {
        collect(errors, people::check(&n.person))?;
        // A new person whose phone belongs to a member in the viewer's scope: say where, not
        // just "taken". Out of scope the answer is the same as for anyone's taken number
        // (people::insert_in refuses it): nothing says whether that person is a member, or where.
        let phone = n
            .person
            .phone
            .as_deref()
            .and_then(|p| PhoneNumber::parse(p).ok());
        if let Some(phone) = phone {
            if let Some(m) = model::by_phone(db, phone.as_str()).await? {
                if v.can_read(&m.branch_path) {
                    return Err(RegisterError::Already(AlreadyMember::of(v, "phone", &m)));
                }
            }
        }
        Some((Who::New, "phone"))
    })
}

/// Registers a member in a branch under the unit `unit_code` (the branch itself, or its
/// commune with `n.branch` naming the branch). Returns the member's id.
pub async fn register(
    db: &Db,
    v: &Viewer,
    unit_code: &str,
    n: &NewMember,
) -> Result<i64, RegisterError> {
    let (unit, _) = crate::org::service::with_right(db, v, unit_code, perm::MEMBER_MANAGE).await?;
    let mut errors = vec![];
    let branch = collect(&mut errors, branch_under(db, &unit, &n.branch).await)?;
    let joined = collect(&mut errors, parse_joined(&n.joined_on))?;
    let card = collect(&mut errors, parse_card(n.card_no.as_deref()))?;
    let sectors = collect(&mut errors, parse_sectors(&n.sectors))?;
    let who = who_registers(db, v, n, &mut errors).await?;
    if let Some((Who::Existing(p), field)) = &who {
        if let Some(m) = model::by_person(db, *p).await? {
            return Err(RegisterError::Already(AlreadyMember::of(v, field, &m)));
        }
    }
    let (Some(branch), Some(joined), Some(card), Some(sectors), Some((who, field)), true) =
        (branch, joined, card, sectors, who, errors.is_empty())
    else {
        return Err(AppError::Invalid(errors).into());
    };
    let actor = Actor::new(
        v.person_id,
        v.position_for(perm::MEMBER_MANAGE, &branch.path)
            .map(|p| p.position_id),
    );
    let mut tx = db.begin().await?;
    check_card(&mut tx, branch.parent_id, card.as_deref(), 0).await?;
    let person_id = match &who {
        Who::Existing(p) => *p,
        Who::New => people::insert_in(&mut tx, actor, branch.id, &n.person).await?,
    };
    let id = insert_member(
        &mut tx,
        actor,
        person_id,
        &branch,
        card.as_deref(),
        &joined,
        &sectors,
        "register",
    )
    .await?;
    let Some(id) = id else {
        drop(tx);
        let m = model::by_person(db, person_id)
            .await?
            .ok_or(AppError::NotFound)?;
        return Err(RegisterError::Already(AlreadyMember::of(v, field, &m)));
    };
    tx.commit().await?;
    Ok(id)
}
