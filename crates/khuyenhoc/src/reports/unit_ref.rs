//! What the figures know of a unit, and the figures themselves as read: shared by
//! `reports::figures` and `reports::setback` (a leaf, so neither imports the other back).

use khuyenhoc_domain::Level;
use sqlx::Row;
use std::collections::BTreeMap;

/// Base metric → value.
pub type Base = BTreeMap<String, i64>;

/// The little the figures need to know of a unit.
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct UnitRef {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub level: Level,
    #[serde(skip)]
    pub path: String,
}

impl UnitRef {
    pub fn is_branch(&self) -> bool {
        self.level == Level::Branch
    }

    /// The unit as `reports::shares` asks about it.
    pub fn at(&self) -> crate::reports::shares::At<'_> {
        crate::reports::shares::At {
            id: self.id,
            path: &self.path,
        }
    }
}

impl From<&crate::org::model::Unit> for UnitRef {
    fn from(u: &crate::org::model::Unit) -> Self {
        UnitRef {
            id: u.id,
            code: u.code.clone(),
            name: u.name.clone(),
            level: u.level,
            path: u.path.clone(),
        }
    }
}

pub(crate) fn unit_ref(r: &sqlx::any::AnyRow) -> Result<UnitRef, sqlx::Error> {
    Ok(UnitRef {
        id: r.try_get(0)?,
        code: r.try_get(1)?,
        name: r.try_get(2)?,
        level: crate::auth::level_of(&r.try_get::<String, _>(3)?)?,
        path: r.try_get(4)?,
    })
}
