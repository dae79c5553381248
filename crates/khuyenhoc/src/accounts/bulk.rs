//! Many new people at once, inside the caller's transaction: the people an import creates.
//! Every one passes the checks of `service::check` first; they are written with multi-row
//! INSERTs (`db::rows`), each with the audit entry `service::insert_in` writes, plus where it
//! came from when the caller says.

use super::service::{validate, NewPerson, Valid};
use crate::audit::{self, Actor, Change};
use crate::db::{now, rows, Backend, Tx};
use crate::error::AppError;
use khuyenhoc_domain::identity::mask_national_id;
use khuyenhoc_domain::text::fold;
use sqlx::{AnyConnection, Row};
use std::collections::HashSet;

/// Values per `IN (…)` list of a look-up.
const LOOKUP_CHUNK: usize = 1000;

/// A new person whose fields passed the checks, and their home unit.
pub struct Ready {
    unit_id: i64,
    v: Valid,
}

impl Ready {
    /// The phone number in its stored form.
    pub fn phone(&self) -> Option<&str> {
        self.v.phone.as_ref().map(|p| p.as_str())
    }
}

/// Checks every person as `service::check` does. The first one refused: its index and why.
pub fn ready<'a>(
    people: impl IntoIterator<Item = (i64, &'a NewPerson)>,
) -> Result<Vec<Ready>, (usize, AppError)> {
    people
        .into_iter()
        .enumerate()
        .map(|(i, (unit_id, p))| {
            validate(p)
                .map(|v| Ready { unit_id, v })
                .map_err(|e| (i, e))
        })
        .collect()
}

/// Which of these phone numbers (stored form) people have already.
pub async fn phones_taken(
    conn: &mut AnyConnection,
    backend: Backend,
    phones: &[&str],
) -> Result<HashSet<String>, sqlx::Error> {
    let mut taken = HashSet::new();
    for chunk in phones.chunks(LOOKUP_CHUNK) {
        let sql = format!(
            "SELECT phone FROM people WHERE phone IN {}",
            rows::in_list(backend, 1, chunk.len())
        );
        let mut q = sqlx::query_scalar::<_, String>(&sql);
        for p in chunk {
            q = q.bind(*p);
        }
        taken.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(taken)
}

fn after(v: &Valid, source: Option<&str>) -> serde_json::Value {
    let mut after = serde_json::json!({
        "full_name": v.name.as_str(), "birth_year": v.birth_year, "gender": v.gender.map(|g| g.code()),
        "phone": v.phone.as_ref().map(|p| p.as_str()), "email": v.email.as_ref().map(|e| e.as_str()),
        "national_id": v.national_id.as_ref().map(|n| mask_national_id(n.expose())),
    });
    if let (Some(source), Some(map)) = (source, after.as_object_mut()) {
        map.insert("source".into(), source.into());
    }
    after
}

/// The audit entry of a new person.
fn created(p: &Ready, id: i64, source: Option<&str>) -> Change<'static> {
    Change {
        unit_id: Some(p.unit_id),
        entity: "person",
        entity_id: id.to_string(),
        action: "create",
        before: None,
        after: Some(after(&p.v, source)),
    }
}

/// Inserts the people, without passwords, with their audit entries (by `actor`); their ids in
/// the same order. A phone, email or ID number someone has already fails as the unique index
/// says (the caller checked them, so only a registration at the same moment does).
pub async fn insert_many(
    tx: &mut Tx<'_>,
    actor: Actor,
    people: &[Ready],
    source: Option<&str>,
) -> Result<Vec<i64>, sqlx::Error> {
    let t = now();
    let backend = tx.backend();
    let mut ids = Vec::with_capacity(people.len());
    for chunk in people.chunks(rows::per_statement(9, 5000)) {
        let sql = format!(
            "INSERT INTO people (full_name, name_folded, birth_year, gender, phone, email, national_id, unit_id, created_at) VALUES {} \
             RETURNING id, full_name, phone",
            rows::values(backend, chunk.len(), &rows::row_of(9, ""))
        );
        let mut q = sqlx::query(&sql);
        for Ready { unit_id, v } in chunk {
            q = q
                .bind(v.name.as_str())
                .bind(fold(v.name.as_str()))
                .bind(v.birth_year)
                .bind(v.gender.map(|g| g.code()))
                .bind(v.phone.as_ref().map(|p| p.as_str().to_owned()))
                .bind(v.email.as_ref().map(|e| e.as_str().to_owned()))
                .bind(v.national_id.as_ref().map(|n| n.expose().to_owned()))
                .bind(*unit_id)
                .bind(t);
        }
        let back = q.fetch_all(&mut **tx).await?;
        // Rows come back in the order of the VALUES; this is checked, never assumed.
        if back.len() != chunk.len() {
            return Err(sqlx::Error::Protocol(format!(
                "inserted {} people, got {} ids back",
                chunk.len(),
                back.len()
            )));
        }
        for (r, Ready { v, .. }) in back.iter().zip(chunk) {
            let (id, name, phone): (i64, String, Option<String>) =
                (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
            if name != v.name.as_str() || phone.as_deref() != v.phone.as_ref().map(|p| p.as_str()) {
                return Err(sqlx::Error::Protocol(
                    "the ids of new people came back out of order".into(),
                ));
            }
            ids.push(id);
        }
    }
    // The audit entries, a statement's worth at a time.
    let per = audit::MANY_PER_STATEMENT;
    for (people, ids) in people.chunks(per).zip(ids.chunks(per)) {
        let entries = people
            .iter()
            .zip(ids)
            .map(|(p, id)| (actor, created(p, *id, source)))
            .collect();
        audit::record_many(tx, entries).await?;
    }
    Ok(ids)
}
