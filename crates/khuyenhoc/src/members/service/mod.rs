//! Member operations shared by the pages, the API and the import: registering, status changes,
//! sector and card edits, transfers between branches, fees and populations. Each checks scope
//! first (404 outside it), writes in one transaction with its audit entry, and moves the live
//! counters in that same transaction.

use super::model::{self, Member};
use crate::audit::Actor;
use crate::auth::Viewer;
use crate::db::Db;
use crate::error::AppError;
use crate::org::model::Unit;
use khuyenhoc_domain::Invalid;

mod change;
mod fees;
mod parse;
mod population;
mod register;
mod transfer;
pub use change::*;
pub use fees::*;
pub use parse::*;
pub use population::*;
pub use register::*;
pub use transfer::*;

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

impl<E: Into<AppError>> From<E> for RegisterError {
    fn from(e: E) -> Self {
        RegisterError::Other(e.into())
    }
}
