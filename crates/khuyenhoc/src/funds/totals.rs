//! Fund totals by half-year: the counters behind the consolidated report of receipts and
//! payments (`funds::service::unit_report`).
//!
//! A row of `fund_totals` (migration 0029) is the sum of the ledger lines of every fund in a
//! unit's subtree, in a half-year, on an account; transfer lines are kept apart by `internal`:
//! true when the fund on the other side of the transfer lies in the same unit's subtree. The
//! subtree is today's (`units.parent_id`), as the consolidated report has always read it (the
//! funds whose unit path starts with the unit's). The rows are kept at the fund's unit and at
//! each unit above it, in the transaction of every posting (`funds::ledger::post`: receipts,
//! payments, transfers, reversals, imports, scholarship payments), moved with a unit
//! (`move_subtree`), and rebuilt or checked by `khuyenhoc recount` ([`recount`]).
//!
//! The other side of a transfer line is what the report has always taken it to be: for a
//! `transfer_in` line the fund of the entry its entry names (`pair_id`, the sending half); for a
//! `transfer_out` line the fund of the entry that names its entry. The sending half is posted
//! first, when its receiving half does not exist yet: its lines count as external until the
//! receiving half is posted, which moves them to internal at the units whose subtree holds both.
//!
//! The report of a unit for a period made of whole half-years then reads the unit's own rows (a
//! few hundred at the centre) and hands them, as pre-aggregated lines, to the same
//! `khuyenhoc_ledger::receipts_and_payments` the ledger lines go through, so the figures are the
//! same to the đồng (tests/fund_totals.rs keeps the old computation as the reference).

use crate::db::{Backend, Db, Tx};
use crate::error::AppError;
use crate::funds::model::{joined, split_sum};
use crate::reports::counters::half_of;
use khuyenhoc_ledger::{Account, Date, Dong, Entry, FundId, Period, ReceiptsPayments, ReportLine};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

/// A sum of ledger lines: of the funds of one unit, in a half-year (`YYYY-H1`), on an account;
/// for a transfer line, the unit of the fund on the other side (`None`: unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub unit_id: i64,
    pub half: String,
    pub account: String,
    pub counterpart_unit: Option<i64>,
    pub amount: i64,
}

/// (unit, half, account, internal) → amount, summed wide.
pub type Totals = BTreeMap<(i64, String, String, bool), i128>;

/// Levels climbed at most (the tree has five; the bound only guards against a cycle).
const DEPTH: usize = 16;

/// How many shards the rows of ancestors are spread over on PostgreSQL (as `counters`).
const SHARDS: u64 = 16;

/// Rows per multi-row upsert: 6 parameters each.
const UPSERT_ROWS: usize = 1000;

fn chain(unit: i64, parent_of: &impl Fn(i64) -> Option<i64>) -> Vec<i64> {
    let mut out = vec![unit];
    let mut at = unit;
    while out.len() < DEPTH {
        match parent_of(at) {
            Some(p) => {
                out.push(p);
                at = p;
            }
            None => break,
        }
    }
    out
}

fn is_transfer(account: &str) -> bool {
    Account::parse(account).is_ok_and(Account::is_transfer)
}

/// Adds `sign ×` each fact to the totals of its unit and of every unit above it in the tree that
/// `parent_of` describes.
pub fn spread(
    facts: &[Fact],
    parent_of: impl Fn(i64) -> Option<i64>,
    into: &mut Totals,
    sign: i128,
) {
    for f in facts {
        let other = match f.counterpart_unit {
            Some(c) if is_transfer(&f.account) => chain(c, &parent_of),
            _ => vec![],
        };
        for unit in chain(f.unit_id, &parent_of) {
            let internal = other.contains(&unit);
            *into
                .entry((unit, f.half.clone(), f.account.clone(), internal))
                .or_default() += sign * i128::from(f.amount);
        }
    }
}

/// Adds the totals to the stored rows, in one statement per thousand rows, in key order (two
/// transactions never wait on each other's rows crosswise).
async fn add(tx: &mut Tx<'_>, totals: &Totals) -> Result<(), AppError> {
    let shard = if tx.backend() == Backend::Postgres {
        i64::try_from(rand::random::<u64>() % SHARDS).unwrap_or(0)
    } else {
        0
    };
    let mut rows = vec![];
    for ((unit, half, account, internal), amount) in totals.iter().filter(|(_, a)| **a != 0) {
        let amount = i64::try_from(*amount).map_err(|_| {
            anyhow::anyhow!("fund total of unit {unit} {half} {account} beyond i64")
        })?;
        rows.push((
            *unit,
            half.as_str(),
            account.as_str(),
            i64::from(*internal),
            amount,
        ));
    }
    for chunk in rows.chunks(UPSERT_ROWS) {
        let sql = format!(
            "INSERT INTO fund_totals (unit_id, half, account, internal, shard, amount) VALUES {} \
             ON CONFLICT (unit_id, half, account, internal, shard) DO UPDATE SET amount = fund_totals.amount + excluded.amount",
            crate::db::rows::values(tx.backend(), chunk.len(), "(?, ?, ?, ?, ?, ?)")
        );
        let mut q = sqlx::query(&sql);
        for (unit, half, account, internal, amount) in chunk {
            q = q
                .bind(*unit)
                .bind(*half)
                .bind(*account)
                .bind(*internal)
                .bind(shard)
                .bind(*amount);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

fn id_list(ids: &BTreeSet<i64>) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The parent links of `units` and of every unit above them.
async fn parents_of(
    tx: &mut Tx<'_>,
    units: &BTreeSet<i64>,
) -> Result<BTreeMap<i64, Option<i64>>, AppError> {
    let sql = format!(
        "WITH RECURSIVE up (id, parent_id, depth) AS ( \
             SELECT id, parent_id, 0 FROM units WHERE id IN ({}) \
             UNION ALL \
             SELECT u.id, u.parent_id, up.depth + 1 FROM units u JOIN up ON u.id = up.parent_id WHERE up.depth < {DEPTH}) \
         SELECT DISTINCT id, parent_id FROM up",
        id_list(units)
    );
    let mut out = BTreeMap::new();
    for r in sqlx::query(&sql).fetch_all(&mut **tx).await? {
        out.insert(r.try_get::<i64, _>(0)?, r.try_get::<Option<i64>, _>(1)?);
    }
    Ok(out)
}

/// The sending half of a transfer: its fund, half-year and `transfer_out` lines (fund, amount).
type SendingHalf = (i64, String, Vec<(i64, i64)>);

/// An entry just posted, as the totals need it.
pub struct Posted<'a> {
    /// The fund of the entry (`ledger_entries.fund_id`).
    pub fund_id: i64,
    pub entry: &'a Entry,
    pub occurred_on: Date,
    /// The sending half, when the entry is the receiving half of a transfer.
    pub pair_id: Option<i64>,
}

/// Keeps the totals for an entry just written, in the posting's transaction. When the entry is
/// the receiving half of a transfer (`pair_id`), the sending half's `transfer_out` lines,
/// counted as external until now, get their other side.
pub async fn on_post(tx: &mut Tx<'_>, p: Posted<'_>) -> Result<(), AppError> {
    let half = half_of(&p.occurred_on.to_string());
    let mut funds: BTreeSet<i64> = p.entry.lines().iter().map(|l| l.fund.0).collect();
    funds.insert(p.fund_id);
    // The sending half: its fund, date and transfer_out lines.
    let mut pair: Option<SendingHalf> = None;
    if let Some(pid) = p.pair_id {
        let row = sqlx::query("SELECT fund_id, occurred_on FROM ledger_entries WHERE id = $1")
            .bind(pid)
            .fetch_one(&mut **tx)
            .await?;
        let lines = sqlx::query(
            "SELECT fund_id, amount FROM ledger_lines WHERE entry_id = $1 AND account = 'transfer_out'",
        )
        .bind(pid)
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<Vec<(i64, i64)>, sqlx::Error>>()?;
        let fund: i64 = row.try_get(0)?;
        funds.insert(fund);
        funds.extend(lines.iter().map(|l| l.0));
        pair = Some((fund, half_of(&row.try_get::<String, _>(1)?), lines));
    }
    let sql = format!(
        "SELECT id, unit_id FROM funds WHERE id IN ({})",
        id_list(&funds)
    );
    let mut unit_of = BTreeMap::new();
    for r in sqlx::query(&sql).fetch_all(&mut **tx).await? {
        unit_of.insert(r.try_get::<i64, _>(0)?, r.try_get::<i64, _>(1)?);
    }
    let unit = |fund: i64| {
        unit_of
            .get(&fund)
            .copied()
            .ok_or_else(|| AppError::from(anyhow::anyhow!("fund {fund} without a unit")))
    };
    let mut facts = vec![];
    for l in p.entry.lines() {
        let counterpart = match (&pair, l.account) {
            (Some((fund, _, _)), Account::TransferIn) => Some(unit(*fund)?),
            _ => None,
        };
        facts.push(Fact {
            unit_id: unit(l.fund.0)?,
            half: half.clone(),
            account: l.account.code().to_owned(),
            counterpart_unit: counterpart,
            amount: l.amount.get(),
        });
    }
    if let Some((_, pair_half, lines)) = &pair {
        let receiver = unit(p.fund_id)?;
        for (fund, amount) in lines {
            for (counterpart, signed) in [(None, -*amount), (Some(receiver), *amount)] {
                facts.push(Fact {
                    unit_id: unit(*fund)?,
                    half: pair_half.clone(),
                    account: Account::TransferOut.code().to_owned(),
                    counterpart_unit: counterpart,
                    amount: signed,
                });
            }
        }
    }
    let units: BTreeSet<i64> = unit_of.values().copied().collect();
    let parents = parents_of(tx, &units).await?;
    let mut totals = Totals::new();
    spread(
        &facts,
        |u| parents.get(&u).copied().flatten(),
        &mut totals,
        1,
    );
    add(tx, &totals).await
}

/// The facts of every ledger line (or, with `within`, of the lines of funds in a subtree and of
/// the transfer lines whose other side is in it), grouped.
fn facts_sql(within: bool) -> String {
    let half = "substr(e.occurred_on, 1, 4) || CASE WHEN substr(e.occurred_on, 6, 2) <= '06' THEN '-H1' ELSE '-H2' END";
    let filter = if within {
        "WHERE (u.path >= $1 AND u.path < $2) OR (cu.path >= $1 AND cu.path < $2)"
    } else {
        ""
    };
    format!(
        "SELECT f.unit_id, {half}, l.account, cf.unit_id, {} \
         FROM ledger_lines l JOIN ledger_entries e ON e.id = l.entry_id JOIN funds f ON f.id = l.fund_id \
         JOIN units u ON u.id = f.unit_id \
         LEFT JOIN ledger_entries pe ON l.account = 'transfer_in' AND pe.id = e.pair_id \
         LEFT JOIN ledger_entries ne ON l.account = 'transfer_out' AND ne.pair_id = e.id \
         LEFT JOIN funds cf ON cf.id = COALESCE(pe.fund_id, ne.fund_id) \
         LEFT JOIN units cu ON cu.id = cf.unit_id \
         {filter} GROUP BY f.unit_id, {half}, l.account, cf.unit_id",
        split_sum("l.amount")
    )
}

fn fact(r: &AnyRow) -> Result<Fact, sqlx::Error> {
    Ok(Fact {
        unit_id: r.try_get(0)?,
        half: r.try_get(1)?,
        account: r.try_get(2)?,
        counterpart_unit: r.try_get(3)?,
        amount: joined(r, 4)?,
    })
}

/// Moves the totals of a unit's subtree (already moved: `units` says the new parent) from its
/// old ancestors to its new ones, with the transfers to and from it classified anew, in the
/// move's transaction. Reads the lines of the subtree's funds and the transfers touching it.
pub async fn move_subtree(
    tx: &mut Tx<'_>,
    unit_id: i64,
    old_parent: i64,
    new_path: &str,
) -> Result<(), AppError> {
    let facts = sqlx::query(&facts_sql(true))
        .bind(new_path)
        .bind(crate::org::path_upper_bound(new_path))
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(fact)
        .collect::<Result<Vec<_>, _>>()?;
    if facts.is_empty() {
        return Ok(());
    }
    let mut parents = BTreeMap::new();
    for r in sqlx::query("SELECT id, parent_id FROM units")
        .fetch_all(&mut **tx)
        .await?
    {
        parents.insert(r.try_get::<i64, _>(0)?, r.try_get::<Option<i64>, _>(1)?);
    }
    let now = |u: i64| parents.get(&u).copied().flatten();
    let before = |u: i64| {
        if u == unit_id {
            Some(old_parent)
        } else {
            now(u)
        }
    };
    let mut totals = Totals::new();
    spread(&facts, now, &mut totals, 1);
    spread(&facts, before, &mut totals, -1);
    add(tx, &totals).await
}

/// The first day of a half-year `YYYY-H1` / `YYYY-H2`.
fn first_day(half: &str) -> Result<Date, AppError> {
    let year: u16 = half
        .get(..4)
        .and_then(|y| y.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("stored half-year {half}"))?;
    let month = if half.ends_with("-H2") { 7 } else { 1 };
    Ok(Date::new(year, month, 1).map_err(|e| anyhow::anyhow!("stored half-year {half}: {e}"))?)
}

/// The half-years a period is made of (first, last), when it is made of whole ones.
pub fn whole_halves(period: Period) -> Option<(String, String)> {
    let (from, to) = (period.from(), period.to());
    let starts = from.day() == 1 && matches!(from.month(), 1 | 7);
    let ends = matches!((to.month(), to.day()), (6, 30) | (12, 31));
    (starts && ends).then(|| (half_of(&from.to_string()), half_of(&to.to_string())))
}

/// The consolidated report of the funds of a unit's subtree over `period`, read from the
/// unit's totals; `None` when the period is not made of whole half-years (the caller then reads
/// the ledger lines).
pub async fn report(
    db: &Db,
    unit_id: i64,
    period: Period,
) -> Result<Option<ReceiptsPayments>, AppError> {
    let Some((_, last)) = whole_halves(period) else {
        return Ok(None);
    };
    let sql = format!(
        "SELECT half, account, internal, {} FROM fund_totals WHERE unit_id = $1 AND half <= $2 \
         GROUP BY half, account, internal",
        split_sum("amount")
    );
    let rows = sqlx::query(&sql)
        .bind(unit_id)
        .bind(&last)
        .fetch_all(&db.pool)
        .await?;
    // The whole subtree is one fund, 0; an internal transfer's other side is that fund too.
    let set = BTreeSet::from([FundId(0)]);
    let mut lines = Vec::with_capacity(rows.len());
    for r in &rows {
        let half: String = r.try_get(0)?;
        let account = Account::parse(&r.try_get::<String, _>(1)?)
            .map_err(|e| anyhow::anyhow!("stored account: {e}"))?;
        let internal = r.try_get::<i64, _>(2)? != 0;
        lines.push(ReportLine {
            fund: FundId(0),
            account,
            amount: Dong::new(joined(r, 3)?),
            on: first_day(&half)?,
            transfer_counterpart_fund: internal.then_some(FundId(0)),
        });
    }
    khuyenhoc_ledger::receipts_and_payments(&set, period, lines.iter())
        .map(Some)
        .map_err(|e| AppError::Unprocessable {
            vi: e.vi.into(),
            en: e.en.into(),
        })
}

/// A stored total that differs from the ledger lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub unit_id: i64,
    pub half: String,
    pub account: String,
    pub internal: bool,
    pub stored: i128,
    pub expected: i128,
}

/// Every total as the ledger lines say it should be.
async fn expected(db: &Db) -> Result<Totals, AppError> {
    let facts = sqlx::query(&facts_sql(false))
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(fact)
        .collect::<Result<Vec<_>, _>>()?;
    let mut parents = BTreeMap::new();
    for r in sqlx::query("SELECT id, parent_id FROM units")
        .fetch_all(&db.pool)
        .await?
    {
        parents.insert(r.try_get::<i64, _>(0)?, r.try_get::<Option<i64>, _>(1)?);
    }
    let mut totals = Totals::new();
    spread(
        &facts,
        |u| parents.get(&u).copied().flatten(),
        &mut totals,
        1,
    );
    totals.retain(|_, v| *v != 0);
    Ok(totals)
}

/// Compares the stored totals (shards summed) with the ledger lines; with `fix`, rewrites them
/// all from the lines when any differs, in one transaction. Returns the differences found.
pub async fn recount(db: &Db, fix: bool) -> Result<Vec<Difference>, AppError> {
    let want = expected(db).await?;
    let mut have = Totals::new();
    let sql = format!(
        "SELECT unit_id, half, account, internal, {} FROM fund_totals GROUP BY unit_id, half, account, internal",
        split_sum("amount")
    );
    for r in sqlx::query(&sql).fetch_all(&db.pool).await? {
        let key = (
            r.try_get::<i64, _>(0)?,
            r.try_get::<String, _>(1)?,
            r.try_get::<String, _>(2)?,
            r.try_get::<i64, _>(3)? != 0,
        );
        let millions: i64 = r.try_get(4)?;
        let rest: i64 = r.try_get(5)?;
        have.insert(key, i128::from(millions) * 1_000_000 + i128::from(rest));
    }
    let keys: BTreeSet<_> = want.keys().chain(have.keys()).cloned().collect();
    let mut diffs = vec![];
    for key in keys {
        let stored = have.get(&key).copied().unwrap_or(0);
        let expected = want.get(&key).copied().unwrap_or(0);
        if stored != expected {
            let (unit_id, half, account, internal) = key;
            diffs.push(Difference {
                unit_id,
                half,
                account,
                internal,
                stored,
                expected,
            });
        }
    }
    if fix && !diffs.is_empty() {
        rewrite(db, &want).await?;
    }
    Ok(diffs)
}

/// Replaces every stored total by `totals` (shard 0), in one transaction.
pub async fn rewrite(db: &Db, totals: &Totals) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM fund_totals")
        .execute(&mut *tx)
        .await?;
    add(&mut tx, totals).await?;
    tx.commit().await?;
    Ok(())
}

/// Rebuilds every total from the ledger lines (the data generator's last step). Returns the
/// number of rows written.
pub async fn rebuild(db: &Db) -> Result<usize, AppError> {
    let want = expected(db).await?;
    rewrite(db, &want).await?;
    Ok(want.len())
}
