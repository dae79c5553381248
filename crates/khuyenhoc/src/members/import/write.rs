//! Storing a member list: every row in ONE transaction, or none. What the check saw is checked
//! again inside the transaction (each commune locked and its cards looked up, people named by
//! phone who became members since, phones of new people that someone took since), then the
//! rows go through the services in bulk: `accounts::bulk` (new people), `members::bulk`
//! (members, their audit entries and the counters moved once per branch and half-year), and one
//! audit entry for the workbook, named by its SHA-256 so it is never imported twice.

use super::check::{Plan, Who};
use super::{MemberImport, ENTITY};
use crate::accounts::bulk::{self as people, Ready};
use crate::audit::{self, Actor, Change};
use crate::auth::perm;
use crate::db::Tx;
use crate::error::{AppError, FieldError};
use crate::members::bulk::{self, NewRow};
use crate::members::service;
use crate::sheets::{Checked, Commit, RowRefusal, Saved};
use crate::state::AppState;
use std::collections::{BTreeMap, HashSet};

fn refused(row: u32, e: &AppError) -> RowRefusal {
    let (vi, en) = e.messages();
    RowRefusal { row, vi, en }
}

fn refusal(row: u32, vi: &str, en: &str) -> RowRefusal {
    RowRefusal {
        row,
        vi: vi.to_owned(),
        en: en.to_owned(),
    }
}

/// A unique index hit by a row that was free when the transaction looked (another officer
/// stored the same person or member at the same moment): nothing is stored.
fn unexpected_conflict(e: sqlx::Error) -> AppError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => AppError::Conflict(FieldError::new(
            "file",
            khuyenhoc_domain::Invalid::new(
                "Trong lúc lưu, một người trong tệp vừa được đăng ký ở nơi khác; chưa lưu gì, hãy tải tệp lên lại",
                "While saving, someone in the file was registered elsewhere; nothing was saved, upload the file again",
            ),
        )),
        _ => e.into(),
    }
}

/// Card numbers: each commune locked (by `check_card`, until the end of the transaction), then
/// every card of the file looked up at once. The first held card's row and refusal.
async fn cards_still_free(
    tx: &mut Tx<'_>,
    plans: &[(u32, &Plan)],
) -> Result<Option<RowRefusal>, AppError> {
    let mut by_commune: BTreeMap<i64, Vec<(u32, &str)>> = BTreeMap::new();
    for (n, p) in plans {
        if let (Some(commune), Some(card)) = (p.branch.parent_id, p.card.as_deref()) {
            by_commune.entry(commune).or_default().push((*n, card));
        }
    }
    let backend = tx.backend();
    for (commune, cards) in &by_commune {
        if let Some((n, card)) = cards.first() {
            if let Err(e) = service::check_card(tx, Some(*commune), Some(card), 0).await {
                return Ok(Some(refused(*n, &e)));
            }
        }
        let list: Vec<&str> = cards.iter().map(|c| c.1).collect();
        let held: HashSet<String> = bulk::cards_held(tx, backend, *commune, &list)
            .await?
            .into_iter()
            .collect();
        if let Some((n, card)) = cards.iter().find(|c| held.contains(c.1)) {
            // The refusal `check_card` gives for a held card.
            if let Err(e) = service::check_card(tx, Some(*commune), Some(card), 0).await {
                return Ok(Some(refused(*n, &e)));
            }
        }
    }
    Ok(None)
}

/// People named by phone who became members since the check.
async fn not_members_yet(
    tx: &mut Tx<'_>,
    plans: &[(u32, &Plan)],
) -> Result<Option<RowRefusal>, AppError> {
    let existing: Vec<(u32, i64)> = plans
        .iter()
        .filter_map(|(n, p)| match p.who {
            Who::Existing(id) => Some((*n, id)),
            Who::New(_) => None,
        })
        .collect();
    let ids: Vec<i64> = existing.iter().map(|(_, id)| *id).collect();
    let backend = tx.backend();
    let members = bulk::members_among(tx, backend, &ids).await?;
    Ok(existing
        .iter()
        .find(|(_, id)| members.contains(id))
        .map(|(n, _)| {
            refusal(
                *n,
                "người này đã là hội viên",
                "this person is already a member",
            )
        }))
}

/// The new people, checked as `accounts` checks one, whose phones nobody took since the check:
/// (row, ready to insert) in the order of the rows.
async fn new_people(
    tx: &mut Tx<'_>,
    plans: &[(u32, &Plan)],
) -> Result<Result<(Vec<u32>, Vec<Ready>), RowRefusal>, AppError> {
    let persons: Vec<(u32, i64, &_)> = plans
        .iter()
        .filter_map(|(n, p)| match &p.who {
            Who::New(person) => Some((*n, p.branch.id, person)),
            Who::Existing(_) => None,
        })
        .collect();
    let ready = match people::ready(persons.iter().map(|(_, unit, p)| (*unit, *p))) {
        Ok(r) => r,
        Err((i, e)) => return Ok(Err(refused(persons.get(i).map_or(0, |p| p.0), &e))),
    };
    let rows: Vec<u32> = persons.iter().map(|p| p.0).collect();
    let phones: Vec<&str> = ready.iter().filter_map(Ready::phone).collect();
    let backend = tx.backend();
    let taken = people::phones_taken(tx, backend, &phones).await?;
    if let Some((n, _)) = rows
        .iter()
        .zip(&ready)
        .find(|(_, r)| r.phone().is_some_and(|p| taken.contains(p)))
    {
        return Ok(Err(refusal(
            *n,
            "Số điện thoại này đã gắn với một tài khoản khác; nếu đúng là người này, hãy đề nghị đơn vị đang quản lý họ chuyển họ sang đơn vị của bạn",
            "This phone number already belongs to an account; if it is this person, ask the unit that holds them to transfer them to yours",
        )));
    }
    Ok(Ok((rows, ready)))
}

/// Stores every row in one transaction, many rows per statement; on the first row that cannot
/// be stored nothing is stored, and the row and its reason are returned.
pub async fn list(
    imp: &MemberImport,
    state: &AppState,
    rows: &[Checked<Plan>],
    commit: Commit<'_>,
) -> Result<Result<Saved, RowRefusal>, AppError> {
    let mut plans: Vec<(u32, &Plan)> = Vec::with_capacity(rows.len());
    for r in rows {
        let Ok(plan) = &r.outcome else {
            return Ok(Err(refusal(r.number, "dòng có lỗi", "the row has errors")));
        };
        plans.push((r.number, plan));
    }
    let actor = Actor::new(
        imp.viewer.person_id,
        imp.viewer
            .position_for(perm::MEMBER_MANAGE, &imp.unit.path)
            .map(|p| p.position_id),
    );
    let mut tx = state.db.begin().await?;
    if let Some(r) = cards_still_free(&mut tx, &plans).await? {
        return Ok(Err(r));
    }
    if let Some(r) = not_members_yet(&mut tx, &plans).await? {
        return Ok(Err(r));
    }
    let (new_rows, ready) = match new_people(&mut tx, &plans).await? {
        Ok(x) => x,
        Err(r) => return Ok(Err(r)),
    };
    let ids = people::insert_many(&mut tx, actor, &ready, None)
        .await
        .map_err(unexpected_conflict)?;
    let mut new_ids = new_rows.iter().copied().zip(ids);
    let mut members = Vec::with_capacity(plans.len());
    for (n, p) in &plans {
        let person_id = match p.who {
            Who::Existing(id) => id,
            Who::New(_) => match new_ids.next() {
                Some((row, id)) if row == *n => id,
                _ => {
                    return Err(AppError::Internal(anyhow::anyhow!(
                        "row {n}: the new person has no id"
                    )))
                }
            },
        };
        members.push(NewRow {
            person_id,
            branch: &p.branch,
            card: p.card.as_deref(),
            joined: &p.joined,
            sectors: &p.sectors,
        });
    }
    bulk::insert_many(&mut tx, actor, &members, "import")
        .await
        .map_err(unexpected_conflict)?;
    let saved = Saved {
        rows: members.len(),
        new_people: ready.len(),
    };
    record(&mut tx, imp, actor, commit, saved).await?;
    tx.commit().await?;
    Ok(Ok(saved))
}

/// The workbook's own audit entry, named by its SHA-256.
async fn record(
    tx: &mut Tx<'_>,
    imp: &MemberImport,
    actor: Actor,
    commit: Commit<'_>,
    saved: Saved,
) -> Result<(), sqlx::Error> {
    let change = Change {
        unit_id: Some(imp.unit.id),
        entity: ENTITY,
        entity_id: commit.sha256.to_owned(),
        action: "import",
        before: None,
        after: Some(serde_json::json!({
            "file": commit.file_name, "rows": commit.rows_read, "members": saved.rows, "new_people": saved.new_people,
        })),
    };
    audit::record(tx, actor, change).await
}
