//! Members, their transfers and fees, and unit populations in the database.

use crate::db::{Db, Tx};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Member {
    pub id: i64,
    pub person_id: i64,
    pub full_name: String,
    pub birth_year: Option<i64>,
    pub gender: Option<String>,
    pub phone: Option<String>,
    pub branch_code: String,
    pub branch_name: String,
    pub card_no: Option<String>,
    /// YYYY-MM-DD
    pub joined_on: String,
    /// active, left or deceased
    pub status: String,
    /// The day the status last changed (left, deceased, or back to active).
    pub status_on: Option<String>,
    /// university, enterprise, armed_forces, party
    pub sectors: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
    #[serde(skip)]
    pub branch_id: i64,
    #[serde(skip)]
    pub branch_path: String,
    /// The branch's parent unit (the commune, or the province for an institutional branch).
    #[serde(skip)]
    pub commune_id: Option<i64>,
}

impl crate::auth::InScope for Member {
    fn scope_path(&self) -> &str {
        &self.branch_path
    }
}

impl Member {
    pub fn status_vi(&self) -> &'static str {
        super::status_labels(&self.status).0
    }
    pub fn status_en(&self) -> &'static str {
        super::status_labels(&self.status).1
    }
    /// The sectors as stored: codes in the fixed order, space-separated.
    pub fn sectors_text(&self) -> String {
        self.sectors.join(" ")
    }
    /// Vietnamese and English labels of the sectors, joined with commas.
    pub fn sectors_labels(&self) -> (String, String) {
        let labels: Vec<_> = self
            .sectors
            .iter()
            .filter_map(|s| super::sector_labels(s))
            .collect();
        (
            labels.iter().map(|l| l.0).collect::<Vec<_>>().join(", "),
            labels.iter().map(|l| l.1).collect::<Vec<_>>().join(", "),
        )
    }
    pub fn has_sector(&self, code: &str) -> bool {
        self.sectors.iter().any(|s| s == code)
    }
    pub fn gender_labels(&self) -> (&'static str, &'static str) {
        match self.gender.as_deref().map(khuyenhoc_domain::Gender::parse) {
            Some(Ok(g)) => (g.label_vi(), g.label_en()),
            _ => ("", ""),
        }
    }
}

/// Sector codes in the fixed order of `SECTORS`, space-separated: the stored form.
pub fn sectors_text(codes: &[&str]) -> String {
    super::SECTORS
        .iter()
        .filter(|s| codes.contains(&s.0))
        .map(|s| s.0)
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) const SELECT: &str = "SELECT m.id, m.person_id, pe.full_name, pe.birth_year, pe.gender, pe.phone, b.code, b.name, \
    m.card_no, m.joined_on, m.status, m.status_on, m.sectors, m.created_at, m.updated_at, b.id, b.path, b.parent_id \
    FROM members m JOIN people pe ON pe.id = m.person_id JOIN units b ON b.id = m.branch_id";

pub(super) fn from_row(r: &AnyRow) -> Result<Member, sqlx::Error> {
    Ok(Member {
        id: r.try_get(0)?,
        person_id: r.try_get(1)?,
        full_name: r.try_get(2)?,
        birth_year: r.try_get(3)?,
        gender: r.try_get(4)?,
        phone: r.try_get(5)?,
        branch_code: r.try_get(6)?,
        branch_name: r.try_get(7)?,
        card_no: r.try_get(8)?,
        joined_on: r.try_get(9)?,
        status: r.try_get(10)?,
        status_on: r.try_get(11)?,
        sectors: r
            .try_get::<String, _>(12)?
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
        created_at: r.try_get(13)?,
        updated_at: r.try_get(14)?,
        branch_id: r.try_get(15)?,
        branch_path: r.try_get(16)?,
        commune_id: r.try_get(17)?,
    })
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<Member>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE m.id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| from_row(&r))
        .transpose()
}

pub async fn by_person(db: &Db, person_id: i64) -> Result<Option<Member>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE m.person_id = $1");
    sqlx::query(&sql)
        .bind(person_id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| from_row(&r))
        .transpose()
}

/// The member whose person has this phone number, if any.
pub async fn by_phone(db: &Db, phone: &str) -> Result<Option<Member>, sqlx::Error> {
    let sql = format!("{SELECT} WHERE pe.phone = $1");
    sqlx::query(&sql)
        .bind(phone)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| from_row(&r))
        .transpose()
}

/// How many members of the branches under `path` have each status.
pub async fn status_counts(db: &Db, path: &str) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query(
        "SELECT m.status, COUNT(*) FROM members m JOIN units b ON b.id = m.branch_id \
         WHERE b.path >= $1 AND b.path < $2 GROUP BY m.status",
    )
    .bind(path)
    .bind(crate::org::path_upper_bound(path))
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
    .collect()
}

/// Another member of the parent unit `commune_id` holding this card number, if any.
pub async fn card_holder(
    tx: &mut Tx<'_>,
    commune_id: i64,
    card_no: &str,
    except_member: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT pe.full_name FROM members m JOIN units b ON b.id = m.branch_id JOIN people pe ON pe.id = m.person_id \
         WHERE b.parent_id = $1 AND m.card_no = $2 AND m.id <> $3",
    )
    .bind(commune_id)
    .bind(card_no)
    .bind(except_member)
    .fetch_optional(&mut **tx)
    .await
}

/// A move of a member from one branch to another.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "MemberTransfer")]
pub struct Transfer {
    pub id: i64,
    pub on_date: String,
    pub from_code: String,
    pub from_name: String,
    pub to_code: String,
    pub to_name: String,
    pub reason: Option<String>,
    /// Who recorded it.
    pub by: Option<String>,
    pub created_at: i64,
}

pub async fn transfers(db: &Db, member_id: i64) -> Result<Vec<Transfer>, sqlx::Error> {
    sqlx::query(
        "SELECT t.id, t.on_date, fb.code, fb.name, tb.code, tb.name, t.reason, pe.full_name, t.created_at \
         FROM member_transfers t JOIN units fb ON fb.id = t.from_branch_id JOIN units tb ON tb.id = t.to_branch_id \
         LEFT JOIN people pe ON pe.id = t.person_id WHERE t.member_id = $1 ORDER BY t.id",
    )
    .bind(member_id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(Transfer {
            id: r.try_get(0)?,
            on_date: r.try_get(1)?,
            from_code: r.try_get(2)?,
            from_name: r.try_get(3)?,
            to_code: r.try_get(4)?,
            to_name: r.try_get(5)?,
            reason: r.try_get(6)?,
            by: r.try_get(7)?,
            created_at: r.try_get(8)?,
        })
    })
    .collect()
}

/// A membership fee paid, with the ledger entry that holds the money.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[schemars(rename = "MemberFee")]
pub struct Fee {
    pub id: i64,
    pub year: i64,
    pub amount: i64,
    pub entry_id: i64,
    pub voucher_no: Option<String>,
    pub paid_on: String,
    pub fund_id: i64,
    pub fund_name: String,
    /// The entry that reversed this fee's receipt, if it was corrected.
    pub reversed_by: Option<i64>,
}

pub(super) const FEE_SELECT: &str = "SELECT f.id, f.year, f.amount, f.entry_id, e.voucher_no, e.occurred_on, fu.id, fu.name, \
    (SELECT r.id FROM ledger_entries r WHERE r.reverses_id = e.id) \
    FROM member_fees f JOIN ledger_entries e ON e.id = f.entry_id JOIN funds fu ON fu.id = e.fund_id";

pub(super) fn fee_from_row(r: &AnyRow) -> Result<Fee, sqlx::Error> {
    Ok(Fee {
        id: r.try_get(0)?,
        year: r.try_get(1)?,
        amount: r.try_get(2)?,
        entry_id: r.try_get(3)?,
        voucher_no: r.try_get(4)?,
        paid_on: r.try_get(5)?,
        fund_id: r.try_get(6)?,
        fund_name: r.try_get(7)?,
        reversed_by: r.try_get(8)?,
    })
}

pub async fn fees(db: &Db, member_id: i64) -> Result<Vec<Fee>, sqlx::Error> {
    let sql = format!("{FEE_SELECT} WHERE f.member_id = $1 ORDER BY f.year DESC, f.id DESC");
    sqlx::query(&sql)
        .bind(member_id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(fee_from_row)
        .collect()
}

pub async fn fee(db: &Db, id: i64) -> Result<Option<Fee>, sqlx::Error> {
    let sql = format!("{FEE_SELECT} WHERE f.id = $1");
    sqlx::query(&sql)
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| fee_from_row(&r))
        .transpose()
}

/// A unit's population in a year, with the populations the national targets count (each
/// `None` until recorded: a share of it is then missing).
#[derive(Debug, Clone, Default, Serialize, schemars::JsonSchema)]
pub struct Population {
    pub year: i64,
    /// Inhabitants.
    pub population: i64,
    /// Households (the Learning Family target counts them).
    pub households: Option<i64>,
    /// Clans (the Learning Clan target).
    pub clans: Option<i64>,
    /// Villages and residential groups (the Learning Community target).
    pub communities: Option<i64>,
    /// Agencies, organisations and units (the Learning Unit target).
    pub organisations: Option<i64>,
    pub updated_at: i64,
}

/// A unit's populations, newest year first.
pub async fn populations(db: &Db, unit_id: i64) -> Result<Vec<Population>, sqlx::Error> {
    sqlx::query(
        "SELECT year, population, updated_at, households, clans, communities, organisations \
         FROM unit_populations WHERE unit_id = $1 ORDER BY year DESC",
    )
    .bind(unit_id)
    .fetch_all(&db.pool)
    .await?
    .iter()
    .map(|r| {
        Ok(Population {
            year: r.try_get(0)?,
            population: r.try_get(1)?,
            updated_at: r.try_get(2)?,
            households: r.try_get(3)?,
            clans: r.try_get(4)?,
            communities: r.try_get(5)?,
            organisations: r.try_get(6)?,
        })
    })
    .collect()
}

/// Active members of the branches under `path` now: the live counter of the unit.
pub async fn active_under(db: &Db, unit_id: i64) -> Result<(i64, Vec<(String, i64)>), sqlx::Error> {
    use crate::reports::counters::{metric, read};
    let c = read(db, unit_id, &[String::new()]).await?;
    let active = c.get(metric::MEMBERS_ACTIVE).copied().unwrap_or(0);
    let sectors = super::SECTORS
        .iter()
        .map(|s| {
            let key = format!("{}.{}", metric::MEMBERS_SECTOR, s.0);
            (s.0.to_owned(), c.get(&key).copied().unwrap_or(0))
        })
        .collect();
    Ok((active, sectors))
}

/// The share of a population who are members, in percent with one decimal ("3,2").
pub fn share_text(members: i64, population: i64) -> Option<String> {
    if population <= 0 {
        return None;
    }
    // Tenths of a percent, rounded half up, in integers (no float rounding surprises).
    let tenths = (i128::from(members) * 1000 + i128::from(population) / 2) / i128::from(population);
    Some(format!("{},{}", tenths / 10, tenths % 10))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_round_to_a_tenth() {
        assert_eq!(share_text(1, 3).as_deref(), Some("33,3"));
        assert_eq!(share_text(2, 3).as_deref(), Some("66,7"));
        assert_eq!(share_text(5, 10_000).as_deref(), Some("0,1"));
        assert_eq!(share_text(0, 10).as_deref(), Some("0,0"));
        assert_eq!(share_text(3, 0), None);
    }

    #[test]
    fn sectors_are_stored_in_the_fixed_order() {
        assert_eq!(sectors_text(&["party", "university"]), "university party");
        assert_eq!(sectors_text(&[]), "");
    }
}
