//! Member operations shared by the pages, the API and the import: registering, status changes,
//! sector and card edits, transfers between branches, fees and populations. Each checks scope
//! first (404 outside it), writes in one transaction with its audit entry, and moves the live
//! counters in that same transaction.

use super::model::{self, Member, Population};
use crate::accounts::model::{find_visible, Lookup};
use crate::accounts::service::{self as people, NewPerson};
use crate::audit::{self, Actor, Change};
use crate::auth::{perm, Viewer};
use crate::db::{now, today, Db, Tx};
use crate::error::{AppError, FieldError};
use crate::funds::ledger::{post, Posting};
use crate::funds::model::Fund;
use crate::org::model::Unit;
use crate::reports::counters;
use khuyenhoc_domain::{Invalid, PhoneNumber};
use khuyenhoc_ledger::{Account, Date, Entry, FundId};
use serde::Deserialize;

fn invalid(field: &'static str, e: Invalid) -> AppError {
    AppError::field(field, e)
}

pub fn this_year() -> i64 {
    i64::from(chrono::Datelike::year(&chrono::Utc::now()))
}

/// The year the Association was founded: no member joined, and no fee was paid, before it.
pub const FIRST_YEAR: i64 = 1996;

/// A day typed as `YYYY-MM-DD` or `DD/MM/YYYY`, not after today; today when empty. Stored form.
pub fn parse_day(s: Option<&str>, field: &'static str) -> Result<String, AppError> {
    let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(today());
    };
    let d = Date::parse(s).map_err(|e| invalid(field, e))?.to_string();
    if d > today() {
        return Err(invalid(
            field,
            Invalid::new(
                "Ngày không được sau hôm nay",
                "The date cannot be after today",
            ),
        ));
    }
    if d.as_str() < "1900-01-01" {
        return Err(invalid(field, khuyenhoc_ledger::errors::BAD_DATE));
    }
    Ok(d)
}

/// The join date: required, not after today.
pub fn parse_joined(s: &str) -> Result<String, AppError> {
    if s.trim().is_empty() {
        return Err(invalid(
            "joined_on",
            Invalid::new(
                "Cần ghi ngày vào Hội (ví dụ 15/03/2020)",
                "Give the day the member joined (e.g. 15/03/2020)",
            ),
        ));
    }
    parse_day(Some(s), "joined_on")
}

/// A card number: optional, at most 30 characters without control characters.
pub fn parse_card(s: Option<&str>) -> Result<Option<String>, AppError> {
    let c = khuyenhoc_domain::text::clean(s.unwrap_or(""));
    if c.is_empty() {
        return Ok(None);
    }
    if c.chars().count() > 30 || c.chars().any(char::is_control) {
        return Err(invalid(
            "card_no",
            Invalid::new(
                "Số thẻ hội viên tối đa 30 ký tự",
                "A card number has at most 30 characters",
            ),
        ));
    }
    Ok(Some(c))
}

/// Sectors as typed (codes or labels): the stored, space-separated form.
pub fn parse_sectors<S: AsRef<str>>(typed: &[S]) -> Result<String, AppError> {
    let mut codes = vec![];
    for t in typed
        .iter()
        .map(AsRef::as_ref)
        .filter(|t| !t.trim().is_empty())
    {
        codes.push(super::sector_of(t).ok_or_else(|| {
            invalid(
                "sectors",
                Invalid::new(
                    "Lĩnh vực chỉ gồm: Đại học, Doanh nghiệp, Lực lượng vũ trang, Đảng viên",
                    "Sectors are: university, enterprise, armed_forces, party",
                ),
            )
        })?);
    }
    Ok(model::sectors_text(&codes))
}

fn collect<T>(errors: &mut Vec<FieldError>, r: Result<T, AppError>) -> Result<Option<T>, AppError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(AppError::Invalid(f)) => {
            errors.extend(f);
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The member, if the viewer reads its branch.
pub async fn visible(db: &Db, v: &Viewer, id: i64) -> Result<Member, AppError> {
    v.read(model::by_id(db, id).await?)
}

/// The member and the position whose `right` the viewer uses over its branch.
pub async fn with_right(
    db: &Db,
    v: &Viewer,
    id: i64,
    right: &str,
) -> Result<(Member, Actor), AppError> {
    v.act(model::by_id(db, id).await?, right)
}

/// The open branch `code` under `within` (the unit whose page or route is used); `within`
/// itself when `code` is empty and it is a branch.
pub async fn branch_under(db: &Db, within: &Unit, code: &str) -> Result<Unit, AppError> {
    let code = code.trim();
    if code.is_empty() {
        if within.is_branch() {
            return branch_open(within.clone());
        }
        return Err(invalid(
            "branch",
            Invalid::new(
                "Hãy chọn chi hội của hội viên",
                "Choose the member's branch",
            ),
        ));
    }
    let absent = || {
        invalid(
            "branch",
            Invalid::new(
                "Không có chi hội mang mã này trong đơn vị",
                "No branch with this code in the unit",
            ),
        )
    };
    let code = khuyenhoc_domain::UnitCode::parse(code).map_err(|_| absent())?;
    let unit = crate::org::model::by_code(db, code.as_str())
        .await?
        .filter(|u| u.path.starts_with(&within.path))
        .ok_or_else(absent)?;
    branch_open(unit)
}

fn branch_open(unit: Unit) -> Result<Unit, AppError> {
    if !unit.is_branch() {
        return Err(invalid(
            "branch",
            Invalid::new(
                "Hội viên sinh hoạt ở một chi hội, không phải ở tỉnh hay xã",
                "A member belongs to a branch, not to a province or commune",
            ),
        ));
    }
    if !unit.is_open() {
        return Err(invalid(
            "branch",
            Invalid::new("Chi hội này đã giải thể", "This branch is closed"),
        ));
    }
    Ok(unit)
}

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
                "Người này đã là hội viên ở một chi hội ngoài phạm vi của bạn; mỗi người chỉ vào Hội một lần".to_owned(),
                "This person is already a member at a branch outside your scope; a person joins once".to_owned(),
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

impl<E: Into<AppError>> From<E> for RegisterError {
    fn from(e: E) -> Self {
        RegisterError::Other(e.into())
    }
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

enum Who {
    Existing(i64),
    New,
}

/// Serialises card-number checks within a parent unit: a no-op update that takes the unit's
/// row lock on PostgreSQL (SQLite writers are serialised already).
async fn lock_unit(tx: &mut Tx<'_>, unit_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE units SET branch_seq = branch_seq WHERE id = $1")
        .bind(unit_id)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

fn card_taken() -> AppError {
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

fn is_unique(e: &sqlx::Error) -> bool {
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
    let who = if let Some(id) = n.person_id {
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
        collect(&mut errors, people::check(&n.person))?;
        // A new person whose phone belongs to a member already: say where, not just "taken".
        let phone = n
            .person
            .phone
            .as_deref()
            .and_then(|p| PhoneNumber::parse(p).ok());
        if let Some(phone) = phone {
            if let Some(m) = model::by_phone(db, phone.as_str()).await? {
                return Err(RegisterError::Already(AlreadyMember::of(v, "phone", &m)));
            }
        }
        Some((Who::New, "phone"))
    };
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

fn changed_meanwhile() -> AppError {
    AppError::bad_request(
        "Hồ sơ hội viên vừa được người khác thay đổi; hãy tải lại trang và thử lại",
        "The member was changed by someone else meanwhile; reload and try again",
    )
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
    let status = super::STATUSES
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
struct Checked {
    target: Unit,
    on: String,
    reason: Option<String>,
    card: Option<String>,
}

async fn check_transfer(db: &Db, m: &Member, t: &NewTransfer) -> Result<Checked, AppError> {
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

/// A fee payment as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewFee {
    /// Whole đồng: 50000, "50.000", "50 nghìn"…
    pub amount: serde_json::Value,
    /// The year the fee is for; this year when omitted.
    #[serde(default)]
    pub year: Option<serde_json::Value>,
    /// A fund of the member's branch, or of its commune when the branch has none; the first
    /// such fund the viewer posts to when omitted.
    #[serde(default)]
    pub fund_id: Option<i64>,
    /// cash (default) or bank
    #[serde(default)]
    pub asset: Option<String>,
    /// The day the money came in: YYYY-MM-DD or DD/MM/YYYY; today when omitted.
    #[serde(default)]
    pub date: Option<String>,
}

/// The funds a member's fee may go to: the branch's, or the commune's when the branch has none.
pub async fn fee_funds(db: &Db, m: &Member) -> Result<Vec<Fund>, AppError> {
    let mut out = vec![];
    for unit in [Some(m.branch_id), m.commune_id].into_iter().flatten() {
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM funds WHERE unit_id = $1 ORDER BY id")
                .bind(unit)
                .fetch_all(&db.pool)
                .await?;
        for id in ids {
            if let Some(f) = crate::funds::model::by_id(db, id).await? {
                out.push(f);
            }
        }
        if !out.is_empty() {
            break;
        }
    }
    Ok(out)
}

fn parse_year(v: Option<&serde_json::Value>, field: &'static str) -> Result<i64, AppError> {
    let bad = || {
        invalid(
            field,
            Invalid::new(
                "Năm không hợp lệ (từ 1996 đến năm sau)",
                "Invalid year (from 1996 to next year)",
            ),
        )
    };
    let y = match v {
        None | Some(serde_json::Value::Null) => return Ok(this_year()),
        Some(serde_json::Value::Number(n)) => n.as_i64().ok_or_else(bad)?,
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => return Ok(this_year()),
        Some(serde_json::Value::String(s)) => s.trim().parse::<i64>().map_err(|_| bad())?,
        Some(_) => return Err(bad()),
    };
    if (FIRST_YEAR..=this_year() + 1).contains(&y) {
        Ok(y)
    } else {
        Err(bad())
    }
}

fn check_key(key: Option<&str>) -> Result<Option<String>, AppError> {
    match key.map(str::trim) {
        None | Some("") => Ok(None),
        Some(k) if k.len() <= 200 && k.chars().all(|c| c.is_ascii_graphic()) => {
            Ok(Some(k.to_owned()))
        }
        Some(_) => Err(invalid(
            "idempotency_key",
            Invalid::new(
                "Khoá chống gửi trùng không hợp lệ",
                "Invalid idempotency key",
            ),
        )),
    }
}

/// The fee this person already posted with this idempotency key.
async fn fee_by_key(db: &Db, person_id: i64, key: &str) -> Result<Option<i64>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT f.id FROM member_fees f JOIN ledger_entries e ON e.id = f.entry_id \
         WHERE e.person_id = $1 AND e.idempotency_key = $2",
    )
    .bind(person_id)
    .bind(key)
    .fetch_optional(&db.pool)
    .await?)
}

/// The fund a member's fee goes to (the one asked for, or the first the viewer posts to), and
/// the viewer's position with `fund.post` on it.
async fn fee_fund(
    db: &Db,
    v: &Viewer,
    m: &Member,
    fund_id: Option<i64>,
) -> Result<(Fund, Actor), AppError> {
    let funds = fee_funds(db, m).await?;
    if funds.is_empty() {
        return Err(invalid(
            "fund_id",
            Invalid::new(
                "Chi hội và xã, phường của hội viên chưa có quỹ để ghi hội phí",
                "Neither the member's branch nor its commune has a fund to receive the fee",
            ),
        ));
    }
    let fund = match fund_id {
        Some(fid) => funds.into_iter().find(|x| x.id == fid).ok_or_else(|| {
            invalid(
                "fund_id",
                Invalid::new(
                    "Hội phí ghi vào quỹ của chi hội (hoặc của xã, phường khi chi hội chưa có quỹ)",
                    "A fee goes to a fund of the member's branch (or of its commune when the branch has none)",
                ),
            )
        })?,
        None => funds
            .into_iter()
            .find(|x| v.position_for(perm::FUND_POST, &x.unit_path).is_some())
            .ok_or(AppError::NotFound)?,
    };
    let actor = v.actor_for(perm::FUND_POST, &fund.unit_path)?;
    Ok((fund, actor))
}

/// Records a membership fee: a receipt of category `membership_fee` in the fund's books
/// (voucher numbered like any receipt) and the member's fee row, in one transaction. The viewer
/// needs `fund.post` on the fund. With an idempotency key, a retry returns the first fee.
/// Returns the fee's id and whether it was posted now.
pub async fn pay_fee(
    db: &Db,
    v: &Viewer,
    id: i64,
    f: &NewFee,
    key: Option<&str>,
) -> Result<(i64, bool), AppError> {
    let m = visible(db, v, id).await?;
    let key = check_key(key)?;
    if let Some(k) = &key {
        if let Some(fee) = fee_by_key(db, v.person_id, k).await? {
            return Ok((fee, false));
        }
    }
    let (fund, actor) = fee_fund(db, v, &m, f.fund_id).await?;
    let amount = crate::funds::service::parse_amount(&f.amount)?;
    let year = parse_year(f.year.as_ref(), "year")?;
    let day = parse_day(f.date.as_deref(), "date")?;
    let date = Date::parse(&day).map_err(|e| invalid("date", e))?;
    let asset = match f.asset.as_deref().map(str::trim) {
        None | Some("" | "cash") => Account::Cash,
        Some("bank") => Account::Bank,
        Some(_) => {
            return Err(invalid(
                "asset",
                Invalid::new(
                    "Hội phí nộp bằng tiền mặt hoặc chuyển khoản",
                    "A fee is paid in cash or by bank transfer",
                ),
            ))
        }
    };
    let entry = Entry::receipt(FundId(fund.id), asset, amount, Account::MembershipFee)
        .map_err(|e| invalid("amount", e))?;
    let mut tx = db.begin().await?;
    let donor: i64 = sqlx::query_scalar(
        "INSERT INTO donors (unit_id, kind, name, created_at) VALUES ($1, 'person', $2, $3) RETURNING id",
    )
    .bind(fund.unit_id)
    .bind(&m.full_name)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    let posting = Posting {
        fund_id: fund.id,
        entry,
        kind: Account::MembershipFee.code().to_owned(),
        occurred_on: date,
        description: format!("Hội phí năm {year}: {}", m.full_name),
        donor_id: Some(donor),
        pledge_id: None,
        programme_id: None,
        in_kind_note: None,
        reverses_id: None,
        pair_id: None,
        idempotency_key: key.clone(),
    };
    let entry_id = match post(&mut tx, actor, fund.unit_id, &posting).await {
        Ok(id) => id,
        Err(AppError::Conflict(_)) if key.is_some() => {
            // The same key raced in from a retry: answer with the first fee.
            drop(tx);
            let k = key.as_deref().unwrap_or_default();
            let fee = fee_by_key(db, v.person_id, k)
                .await?
                .ok_or(AppError::NotFound)?;
            return Ok((fee, false));
        }
        Err(e) => return Err(e),
    };
    let fee_id: i64 = sqlx::query_scalar(
        "INSERT INTO member_fees (member_id, entry_id, year, amount, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(m.id)
    .bind(entry_id)
    .bind(year)
    .bind(amount.get())
    .bind(now())
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(m.branch_id),
            entity: "member",
            entity_id: m.id.to_string(),
            action: "fee",
            before: None,
            after: Some(serde_json::json!({"fee_id": fee_id, "entry_id": entry_id, "fund_id": fund.id, "year": year, "amount": amount.get(), "on": day})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((fee_id, true))
}

/// A population typed with or without thousands separators ("12.345", "12 345").
pub fn parse_population(s: &str) -> Result<i64, AppError> {
    let digits: String = s
        .trim()
        .chars()
        .filter(|c| !matches!(c, '.' | ',' | ' ' | '\u{a0}'))
        .collect();
    digits
        .parse::<i64>()
        .ok()
        .filter(|n| (0..=200_000_000).contains(n))
        .ok_or_else(|| {
            invalid(
                "population",
                Invalid::new(
                    "Dân số là một số nguyên không âm, ví dụ 12.345",
                    "The population is a whole number, e.g. 12345",
                ),
            )
        })
}

/// Sets a unit's population for a year (any level; `member.manage` over the unit).
pub async fn set_population(
    db: &Db,
    v: &Viewer,
    code: &str,
    year: &serde_json::Value,
    population: &str,
) -> Result<Population, AppError> {
    let (unit, actor) = crate::org::service::with_right(db, v, code, perm::MEMBER_MANAGE).await?;
    let year = match year {
        serde_json::Value::String(s) if s.trim().is_empty() => {
            return Err(invalid(
                "year",
                Invalid::new("Cần ghi năm", "Give the year"),
            ))
        }
        y => parse_year(Some(y), "year")?,
    };
    let population = parse_population(population)?;
    let mut tx = db.begin().await?;
    let before: Option<i64> = sqlx::query_scalar(
        "SELECT population FROM unit_populations WHERE unit_id = $1 AND year = $2",
    )
    .bind(unit.id)
    .bind(year)
    .fetch_optional(&mut *tx)
    .await?;
    let t = now();
    sqlx::query(
        "INSERT INTO unit_populations (unit_id, year, population, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (unit_id, year) DO UPDATE SET population = excluded.population, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(unit.id)
    .bind(year)
    .bind(population)
    .bind(t)
    .bind(v.person_id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(unit.id),
            entity: "unit_population",
            entity_id: format!("{}/{year}", unit.code),
            action: "set",
            before: before.map(|p| serde_json::json!({"year": year, "population": p})),
            after: Some(serde_json::json!({"year": year, "population": population})),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Population {
        year,
        population,
        updated_at: t,
    })
}

/// The newest population of a unit up to this year, and the share of it who are active members.
pub async fn share(db: &Db, unit: &Unit) -> Result<Option<(i64, i64, String)>, AppError> {
    let (active, _) = model::active_under(db, unit.id).await?;
    let latest = model::populations(db, unit.id)
        .await?
        .into_iter()
        .find(|p| p.year <= this_year());
    Ok(latest
        .and_then(|p| model::share_text(active, p.population).map(|s| (p.year, p.population, s))))
}
