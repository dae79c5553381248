//! Each unit's population by year, and the share of inhabitants who are members.

use super::{collect, invalid, parse_count, parse_population, parse_year, this_year};
use crate::audit::{self, Change};
use crate::auth::{perm, Viewer};
use crate::db::{now, Db};
use crate::error::AppError;
use crate::members::model::{self, Population};
use crate::org::model::Unit;
use khuyenhoc_domain::Invalid;

/// The populations the national targets count, as typed (empty: not recorded).
#[derive(Debug, Clone, Default)]
pub struct TargetCounts {
    pub households: String,
    pub clans: String,
    pub communities: String,
    pub organisations: String,
}

/// Sets a unit's population for a year, with the populations the national targets count
/// (any level; `member.manage` over the unit). A count left empty is not recorded (NULL).
pub async fn set_population(
    db: &Db,
    v: &Viewer,
    code: &str,
    year: &serde_json::Value,
    population: &str,
    counts: &TargetCounts,
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
    let mut errors = vec![];
    let population = collect(&mut errors, parse_population(population))?;
    let households = collect(&mut errors, parse_count("households", &counts.households))?;
    let clans = collect(&mut errors, parse_count("clans", &counts.clans))?;
    let communities = collect(&mut errors, parse_count("communities", &counts.communities))?;
    let organisations = collect(
        &mut errors,
        parse_count("organisations", &counts.organisations),
    )?;
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let p = Population {
        year,
        population: population.unwrap_or(0),
        households: households.flatten(),
        clans: clans.flatten(),
        communities: communities.flatten(),
        organisations: organisations.flatten(),
        updated_at: now(),
    };
    let before = model::populations(db, unit.id)
        .await?
        .into_iter()
        .find(|x| x.year == year);
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO unit_populations (unit_id, year, population, updated_at, updated_by, households, clans, communities, organisations) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (unit_id, year) DO UPDATE SET population = excluded.population, updated_at = excluded.updated_at, \
         updated_by = excluded.updated_by, households = excluded.households, clans = excluded.clans, \
         communities = excluded.communities, organisations = excluded.organisations",
    )
    .bind(unit.id)
    .bind(year)
    .bind(p.population)
    .bind(p.updated_at)
    .bind(v.person_id)
    .bind(p.households)
    .bind(p.clans)
    .bind(p.communities)
    .bind(p.organisations)
    .execute(&mut *tx)
    .await?;
    let json = |x: &Population| {
        serde_json::json!({"year": x.year, "population": x.population, "households": x.households,
            "clans": x.clans, "communities": x.communities, "organisations": x.organisations})
    };
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(unit.id),
            entity: "unit_population",
            entity_id: format!("{}/{year}", unit.code),
            action: "set",
            before: before.as_ref().map(json),
            after: Some(json(&p)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(p)
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
