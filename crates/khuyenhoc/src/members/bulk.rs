//! Many members at once, inside the caller's transaction (a member list imported), and the
//! look-ups an import makes for a whole file: card numbers held in a commune, the people behind
//! phone numbers with their membership, which people are members. Each look-up is a few
//! statements of `IN (…)` lists (`db::rows`), never one per row.

use crate::audit::{self, Actor, Change};
use crate::db::{now, rows, Backend, Tx};
use crate::org::model::Unit;
use crate::reports::counters;
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Values per `IN (…)` list of a look-up.
const LOOKUP_CHUNK: usize = 1000;

/// Which of `cards` members of the commune hold.
pub async fn cards_held(
    conn: &mut AnyConnection,
    backend: Backend,
    commune: i64,
    cards: &[&str],
) -> Result<Vec<String>, sqlx::Error> {
    let mut held = vec![];
    for chunk in cards.chunks(LOOKUP_CHUNK) {
        let sql = format!(
            "SELECT m.card_no FROM members m JOIN units b ON b.id = m.branch_id \
             WHERE b.parent_id = {} AND m.card_no IN {}",
            rows::in_list(backend, 1, 1),
            rows::in_list(backend, 2, chunk.len())
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql).bind(commune);
        for c in chunk {
            q = q.bind(*c);
        }
        held.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(held)
}

/// What the register knows of a phone number.
#[derive(Debug, Clone)]
pub struct Known {
    pub id: i64,
    pub full_name: String,
    pub unit_path: String,
    /// The person's membership: (member id, branch code, branch name, branch path).
    pub member: Option<(i64, String, String, String)>,
}

/// The people who have these phone numbers (stored form), by number, with their membership.
pub async fn known_by_phone(
    conn: &mut AnyConnection,
    backend: Backend,
    phones: &[&str],
) -> Result<HashMap<String, Known>, sqlx::Error> {
    let mut known = HashMap::new();
    for chunk in phones.chunks(LOOKUP_CHUNK) {
        let sql = format!(
            "SELECT pe.phone, pe.id, pe.full_name, u.path, m.id, b.code, b.name, b.path \
             FROM people pe JOIN units u ON u.id = pe.unit_id \
             LEFT JOIN members m ON m.person_id = pe.id LEFT JOIN units b ON b.id = m.branch_id \
             WHERE pe.phone IN {}",
            rows::in_list(backend, 1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for p in chunk {
            q = q.bind(*p);
        }
        for r in q.fetch_all(&mut *conn).await? {
            let member = match r.try_get::<Option<i64>, _>(4)? {
                Some(id) => Some((id, r.try_get(5)?, r.try_get(6)?, r.try_get(7)?)),
                None => None,
            };
            known.insert(
                r.try_get(0)?,
                Known {
                    id: r.try_get(1)?,
                    full_name: r.try_get(2)?,
                    unit_path: r.try_get(3)?,
                    member,
                },
            );
        }
    }
    Ok(known)
}

/// Which of these people are members.
pub async fn members_among(
    conn: &mut AnyConnection,
    backend: Backend,
    people: &[i64],
) -> Result<HashSet<i64>, sqlx::Error> {
    let mut members = HashSet::new();
    for chunk in people.chunks(LOOKUP_CHUNK) {
        let sql = format!(
            "SELECT person_id FROM members WHERE person_id IN {}",
            rows::in_list(backend, 1, chunk.len())
        );
        let mut q = sqlx::query_scalar::<_, i64>(&sql);
        for id in chunk {
            q = q.bind(*id);
        }
        members.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(members)
}

/// A new active member.
#[derive(Debug, Clone, Copy)]
pub struct NewRow<'a> {
    pub person_id: i64,
    pub branch: &'a Unit,
    pub card: Option<&'a str>,
    /// `YYYY-MM-DD`.
    pub joined: &'a str,
    /// Space-separated sector codes.
    pub sectors: &'a str,
}

/// The audit entry of a new member, as `service::insert_member` writes it.
fn registered(m: &NewRow<'_>, id: i64, source: &str) -> Change<'static> {
    let after = serde_json::json!({
        "person_id": m.person_id, "branch": m.branch.code, "card_no": m.card,
        "joined_on": m.joined, "status": "active", "sectors": m.sectors, "source": source,
    });
    Change {
        unit_id: Some(m.branch.id),
        entity: "member",
        entity_id: id.to_string(),
        action: "register",
        before: None,
        after: Some(after),
    }
}

/// Inserts active members as `service::insert_member` does, many per statement: each with its
/// audit entry (by `actor`, noting `source`), and the live counters summed per branch and
/// half-year, added once each (at the branch and its ancestors) as the last statement. Their
/// ids in the same order. A person who is a member already, or a card held in the commune,
/// fails on the unique index.
pub async fn insert_many(
    tx: &mut Tx<'_>,
    actor: Actor,
    new: &[NewRow<'_>],
    source: &str,
) -> Result<Vec<i64>, sqlx::Error> {
    let t = now();
    let backend = tx.backend();
    let mut ids = Vec::with_capacity(new.len());
    for chunk in new.chunks(rows::per_statement(7, 5000)) {
        let sql = format!(
            "INSERT INTO members (person_id, branch_id, card_no, joined_on, status, status_on, sectors, created_at, updated_at) VALUES {} \
             RETURNING id, person_id",
            rows::values(backend, chunk.len(), "(?, ?, ?, ?, 'active', NULL, ?, ?, ?)")
        );
        let mut q = sqlx::query(&sql);
        for m in chunk {
            q = q
                .bind(m.person_id)
                .bind(m.branch.id)
                .bind(m.card)
                .bind(m.joined)
                .bind(m.sectors)
                .bind(t)
                .bind(t);
        }
        let back: HashMap<i64, i64> = q
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| Ok((r.try_get(1)?, r.try_get(0)?)))
            .collect::<Result<_, sqlx::Error>>()?;
        for m in chunk {
            let id = back.get(&m.person_id).copied().ok_or_else(|| {
                sqlx::Error::Protocol(format!("person {}: the member has no id", m.person_id))
            })?;
            ids.push(id);
        }
    }
    // The audit entries, a statement's worth at a time.
    let per = audit::MANY_PER_STATEMENT;
    for (new, ids) in new.chunks(per).zip(ids.chunks(per)) {
        let entries = new
            .iter()
            .zip(ids)
            .map(|(m, id)| (actor, registered(m, *id, source)))
            .collect();
        audit::record_many(tx, entries).await?;
    }
    let mut deltas: BTreeMap<(i64, String), BTreeMap<String, i64>> = BTreeMap::new();
    for m in new {
        for (period, metric, d) in counters::member_metrics(m.joined, "active", m.sectors) {
            *deltas
                .entry((m.branch.id, period))
                .or_default()
                .entry(metric)
                .or_insert(0) += d;
        }
    }
    for ((branch, period), d) in &deltas {
        let d: Vec<(String, i64)> = d.iter().map(|(m, v)| (m.clone(), *v)).collect();
        counters::add(tx, *branch, period, &d).await?;
    }
    Ok(ids)
}
