//! Positions and holdings in the database.

use crate::db::Db;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Position {
    pub id: i64,
    pub unit_code: String,
    pub unit_name: String,
    #[serde(skip)]
    pub unit_path: String,
    #[serde(skip)]
    pub unit_id: i64,
    pub type_code: String,
    pub type_name_vi: String,
    pub type_name_en: String,
    pub title: Option<String>,
    pub holder: Option<Holder>,
    pub closed: bool,
}

impl crate::auth::InScope for Position {
    fn scope_path(&self) -> &str {
        &self.unit_path
    }
}

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Holder {
    pub person_id: i64,
    pub full_name: String,
    pub from_at: i64,
    pub to_at: Option<i64>,
    pub from_text: String,
    pub to_text: Option<String>,
}

const SELECT: &str = "SELECT p.id, u.code, u.name, u.path, u.id, t.code, t.name_vi, t.name_en, p.title, p.closed_at, \
    h.person_id, pe.full_name, h.from_at \
    FROM positions p JOIN units u ON u.id = p.unit_id JOIN position_types t ON t.id = p.type_id \
    LEFT JOIN position_holdings h ON h.position_id = p.id AND h.to_at IS NULL \
    LEFT JOIN people pe ON pe.id = h.person_id";

fn from_row(r: &AnyRow) -> Result<Position, sqlx::Error> {
    let holder_id: Option<i64> = r.try_get(10)?;
    let holder = match holder_id {
        Some(person_id) => {
            let from_at: i64 = r.try_get(12)?;
            Some(Holder {
                person_id,
                full_name: r.try_get(11)?,
                from_at,
                to_at: None,
                from_text: crate::audit::format_time(from_at),
                to_text: None,
            })
        }
        None => None,
    };
    Ok(Position {
        id: r.try_get(0)?,
        unit_code: r.try_get(1)?,
        unit_name: r.try_get(2)?,
        unit_path: r.try_get(3)?,
        unit_id: r.try_get(4)?,
        type_code: r.try_get(5)?,
        type_name_vi: r.try_get(6)?,
        type_name_en: r.try_get(7)?,
        title: r.try_get(8)?,
        closed: r.try_get::<Option<i64>, _>(9)?.is_some(),
        holder,
    })
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Position>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE p.id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| from_row(&r))
        .transpose()
}

pub async fn for_unit(db: &Db, unit_id: i64) -> Result<Vec<Position>, sqlx::Error> {
    let sql = format!(
        "{SELECT} WHERE p.unit_id = $1 AND p.closed_at IS NULL ORDER BY t.builtin DESC, t.id, p.id"
    );
    sqlx::query(&sql)
        .bind(unit_id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Everyone who held the position, newest first.
pub async fn holders(db: &Db, position_id: i64) -> Result<Vec<Holder>, sqlx::Error> {
    sqlx::query(
        "SELECT h.person_id, pe.full_name, h.from_at, h.to_at FROM position_holdings h JOIN people pe ON pe.id = h.person_id \
         WHERE h.position_id = $1 ORDER BY h.from_at DESC, h.id DESC",
    )
    .bind(position_id)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(|r| {
        let from_at: i64 = r.try_get(2)?;
        let to_at: Option<i64> = r.try_get(3)?;
        Ok(Holder {
            person_id: r.try_get(0)?,
            full_name: r.try_get(1)?,
            from_at,
            to_at,
            from_text: crate::audit::format_time(from_at),
            to_text: to_at.map(crate::audit::format_time),
        })
    })
    .collect()
}
