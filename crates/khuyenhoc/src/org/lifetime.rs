//! The lifetime of a unit as pages show it: the day of a map typed by a person, the units
//! below an old unit on its last day, succession links with whether only a part went, shares.

use super::model::{self, Unit};
use crate::db::Db;
use crate::error::AppError;

/// A link as a page shows it: (unit, share, day, whether only a part of the old unit went).
pub type PageLink = (Unit, Option<i64>, String, bool);

/// A day typed as `YYYY-MM-DD` (the date picker) or `dd/mm/yyyy`, as `YYYY-MM-DD`.
pub fn parse_day(s: &str) -> Result<Option<String>, AppError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| chrono::NaiveDate::parse_from_str(s, "%d/%m/%Y"))
        .map(|d| Some(d.format("%Y-%m-%d").to_string()))
        .map_err(|_| {
            AppError::field(
                "as_of",
                khuyenhoc_domain::Invalid::new(
                    "Ngày phải có dạng dd/mm/yyyy (ví dụ 30/06/2025)",
                    "A date must look like dd/mm/yyyy (e.g. 30/06/2025)",
                ),
            )
        })
}

/// A share in permille as people read it: `333` → `33,3%`.
pub fn permille(p: i64) -> String {
    if p % 10 == 0 {
        format!("{}%", p / 10)
    } else {
        format!("{},{}%", p / 10, p % 10)
    }
}

/// The day before `YYYY-MM-DD` (an exclusive end's last day), the same text if unreadable.
pub fn day_before(d: &str) -> String {
    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
        .ok()
        .and_then(|x| x.pred_opt())
        .map_or_else(|| d.to_owned(), |x| x.format("%Y-%m-%d").to_string())
}

/// The units right under `u` (up to `limit`), how many there are, and how many lie in its whole
/// subtree; for an old unit, those of its last day.
pub async fn below(db: &Db, u: &Unit, limit: i64) -> Result<(Vec<Unit>, i64, i64), AppError> {
    let last_day = u.valid_to.as_deref().map(day_before);
    let q = model::Query {
        scope_roots: vec![u.path.clone()],
        parent_id: Some(u.id),
        as_of: last_day.clone(),
        limit,
        ..Default::default()
    };
    let (children, children_total) = model::list(db, &q).await?;
    let below = match &last_day {
        None => model::count_below(db, &u.path).await?,
        Some(d) => {
            let q = model::Query {
                scope_roots: vec![u.path.clone()],
                as_of: Some(d.clone()),
                limit: 1,
                ..Default::default()
            };
            (model::list(db, &q).await?.1 - 1).max(0)
        }
    };
    Ok((children, children_total, below))
}

/// What the unit became and what it came from.
pub async fn links(db: &Db, id: i64) -> Result<(Vec<PageLink>, Vec<PageLink>), AppError> {
    let successors = model::successors(db, id).await?;
    let split = successors.len() > 1;
    let successors = successors
        .into_iter()
        .map(|(s, share, day)| (s, share, day, split))
        .collect();
    let mut predecessors = vec![];
    for (p, share, day) in model::predecessors(db, id).await? {
        let part = model::successors(db, p.id).await?.len() > 1;
        predecessors.push((p, share, day, part));
    }
    Ok((successors, predecessors))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_shares_as_people_read_them() {
        assert_eq!(
            parse_day("30/06/2025").ok().flatten().as_deref(),
            Some("2025-06-30")
        );
        assert_eq!(
            parse_day("2025-06-30").ok().flatten().as_deref(),
            Some("2025-06-30")
        );
        assert!(parse_day("31/02/2025").is_err());
        assert_eq!(parse_day(" ").ok().flatten(), None);
        assert_eq!(day_before("2025-07-01"), "2025-06-30");
        assert_eq!(permille(333), "33,3%");
        assert_eq!(permille(500), "50%");
    }
}
