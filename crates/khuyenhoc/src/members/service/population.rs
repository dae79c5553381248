//! Each unit's population by year, and the share of inhabitants who are members.

use super::{invalid, parse_population, parse_year, this_year};
use crate::audit::{self, Change};
use crate::auth::{perm, Viewer};
use crate::db::{now, Db};
use crate::error::AppError;
use crate::members::model::{self, Population};
use crate::org::model::Unit;
use khuyenhoc_domain::Invalid;

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
