//! Live figures of units for a period, for the structure as of a date: the unit's counters (and
//! its parts of the units it succeeded, `reports::shares`, so a commune merged in 2025 brings its
//! 2024 figures to its successor), its open branches by kind on that date, and its population. Everything is read
//! for many units at once (a roll-up's children, a cluster's provinces) in a fixed number of
//! queries whatever the number of units (one per kind of figure and per 500 units), never by
//! scanning evaluations or ledger lines.

use crate::db::Db;
use crate::org::path_upper_bound;
use crate::reports::setback;
use khuyenhoc_reports::Period;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

use crate::reports::unit_ref::unit_ref;
pub use crate::reports::unit_ref::{Base, UnitRef};

/// A total taken in `i128` back to a figure. Within the caps on money
/// (`khuyenhoc_ledger::dong`) every figure fits; one that does not (data stored before the caps)
/// is shown at the limit and logged, so that no figure makes a report unavailable.
pub fn narrow(total: i128) -> i64 {
    i64::try_from(total).unwrap_or_else(|_| {
        tracing::error!(total = %total, "a report figure beyond i64: data stored beyond the caps");
        if total < 0 {
            i64::MIN
        } else {
            i64::MAX
        }
    })
}

/// The sum of many figures (children of a roll-up, units of a cluster), taken wide; see
/// [`narrow`].
pub fn total<'a>(values: impl IntoIterator<Item = &'a i64>) -> i64 {
    narrow(values.into_iter().map(|v| i128::from(*v)).sum())
}

/// The units open on `as_of` directly below `parent`, by code.
pub async fn children(db: &Db, parent_id: i64, as_of: &str) -> Result<Vec<UnitRef>, sqlx::Error> {
    children_on(db, parent_id, as_of, as_of).await
}

/// The units open on `as_of` that hung directly below `parent` on `links_on` (dated moves), by
/// code, with today's paths ([`live`] sets the figures of a moved subtree right).
pub async fn children_on(
    db: &Db,
    parent_id: i64,
    as_of: &str,
    links_on: &str,
) -> Result<Vec<UnitRef>, sqlx::Error> {
    // Candidates by index (today's parent, or a link ended after the day); the day decides.
    let parent = crate::org::links::parent_on("$3");
    sqlx::query(&format!(
        "SELECT u.id, u.code, u.name, u.level, u.path FROM units u WHERE u.valid_from <= $2 \
         AND (u.valid_to IS NULL OR u.valid_to > $2) \
         AND (u.parent_id = $1 OR u.id IN (SELECT unit_id FROM unit_parent_links \
              WHERE parent_id = $1 AND valid_to > $3)) \
         AND {parent} = $1 ORDER BY u.code"
    ))
    .bind(parent_id)
    .bind(as_of)
    .bind(links_on)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(|r| unit_ref(&r))
    .collect()
}

/// The counter periods a report period reads: stocks (""), the year (evaluations), the halves
/// (flows).
fn counter_periods(period: &Period) -> Vec<String> {
    let mut p = vec![String::new(), period.year.to_string()];
    p.extend(period.halves());
    p
}

/// Live base figures of each unit for `period`, for the structure as of `as_of`.
pub async fn live(
    db: &Db,
    units: &[UnitRef],
    period: &Period,
    as_of: &str,
) -> Result<Vec<Base>, sqlx::Error> {
    let mut out: Vec<Base> = vec![Base::new(); units.len()];
    if units.is_empty() {
        return Ok(out);
    }
    // Predecessors' figures, apportioned over their successors (`shares`).
    let links = crate::reports::shares::Links::load(db, as_of).await?;
    let at: Vec<crate::reports::shares::At<'_>> = units.iter().map(UnitRef::at).collect();
    let ids: BTreeSet<i64> = links.needed(&at);
    let periods = counter_periods(period);
    let mut n = 0;
    let mut mark = || {
        n += 1;
        format!("${n}")
    };
    let id_marks: Vec<String> = ids.iter().map(|_| mark()).collect();
    let period_marks: Vec<String> = periods.iter().map(|_| mark()).collect();
    let sql = format!(
        "SELECT unit_id, metric, CAST(SUM(value) AS BIGINT) FROM counters WHERE unit_id IN ({}) AND period IN ({}) GROUP BY unit_id, metric",
        id_marks.join(", "),
        period_marks.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for id in &ids {
        q = q.bind(id);
    }
    for p in &periods {
        q = q.bind(p);
    }
    let mut by_unit: BTreeMap<i64, Base> = BTreeMap::new();
    for r in q.fetch_all(&db.pool).await? {
        let v: Option<i64> = r.try_get(2)?;
        by_unit
            .entry(r.try_get(0)?)
            .or_default()
            .insert(r.try_get(1)?, v.unwrap_or(0));
    }
    for (base, u) in out.iter_mut().zip(&at) {
        *base = links.figures(*u, &by_unit);
    }
    branches(db, units, as_of, &mut out).await?;
    // The structure of a period is the one in force on its last day (or on `as_of` if earlier):
    // branches moved since are counted where they were then.
    let end = period.end_date();
    let links_on = std::cmp::min(as_of, end.as_str());
    let moved = setback::moved_after(db, links_on).await?;
    if !moved.is_empty() {
        let refs = setback::refs(&moved);
        let mut theirs = vec![Base::new(); refs.len()];
        branches(db, &refs, as_of, &mut theirs).await?;
        setback::shift(units, &moved, &theirs, &mut out, |k| {
            k.starts_with("branches.")
        });
    }
    // Stocks have history: a period that has ended counts the members of its last day, not
    // today's (the counters hold only today's stock).
    if end < crate::db::today() {
        members_at(db, units, &end, &mut out).await?;
        let moved = setback::moved_after(db, &end).await?;
        if !moved.is_empty() {
            let refs = setback::refs(&moved);
            let mut theirs = vec![Base::new(); refs.len()];
            members_at(db, &refs, &end, &mut theirs).await?;
            setback::shift(units, &moved, &theirs, &mut out, |k| {
                k == "members.active" || k.starts_with("members.sector.")
            });
        }
    }
    // Figures from before the program (`old_figures`): their stocks at the period's end.
    let half = match period.kind {
        khuyenhoc_reports::PeriodKind::HalfYear => "h1",
        khuyenhoc_reports::PeriodKind::Year => "h2",
    };
    for base in &mut out {
        khuyenhoc_sheets::old_figures::fold_stocks(base, half);
    }
    coop(db, units, period, &mut out).await?;
    let pops = populations(db, units, i64::from(period.year)).await?;
    for (base, pop) in out.iter_mut().zip(pops) {
        base.extend(pop);
    }
    Ok(out)
}

/// Cooperation programmes in force, reviews held and reviews due in the period (1 January to the
/// period's last day), counted at their owning units: three grouped queries for all the units,
/// the programmes (few beside the units) as the outer loop (`CROSS JOIN` keeps that order on
/// SQLite), never a scan of each unit's subtree.
async fn coop(
    db: &Db,
    units: &[UnitRef],
    period: &Period,
    out: &mut [Base],
) -> Result<(), sqlx::Error> {
    let (from, end) = (format!("{}-01-01", period.year), period.end_date());
    let kinds = [
        ("coop.in_force", "", "p.starts_on <= $2 AND p.ends_on >= $1"),
        (
            "coop.reviews_held",
            "CROSS JOIN coop_reviews r",
            "r.programme_id = p.id AND r.held_on >= $1 AND r.held_on <= $2",
        ),
        (
            "coop.reviews_due",
            "CROSS JOIN coop_reviews r",
            "r.programme_id = p.id AND r.due_on >= $1 AND r.due_on <= $2",
        ),
    ];
    for (c, chunk) in units.chunks(UNITS_PER_QUERY).enumerate() {
        for (metric, reviews, filter) in kinds {
            let sql = format!(
                "SELECT v.column1, COUNT(*) FROM coop_programmes p {reviews} CROSS JOIN units u \
                 CROSS JOIN (VALUES {}) v WHERE u.id = p.unit_id AND {filter} \
                 AND u.path >= v.column2 AND u.path < v.column3 GROUP BY v.column1",
                ranges(chunk.len(), 3)
            );
            let q = bind_ranges(
                query(&sql).bind(from.clone()).bind(end.clone()),
                chunk,
                c * UNITS_PER_QUERY,
            );
            for r in q.fetch_all(&db.pool).await? {
                let n: i64 = r.try_get(1)?;
                if let Some(base) = index_of(&r, units.len())?.and_then(|i| out.get_mut(i)) {
                    // Only what is there: a missing count reads as zero.
                    if n != 0 {
                        base.insert(metric.to_owned(), n);
                    }
                }
            }
        }
    }
    Ok(())
}

/// Units per grouped query: 3 parameters each, far under either backend's limit.
const UNITS_PER_QUERY: usize = 500;

/// A `VALUES` list of `(index, path, path upper bound)` rows, one per unit of `chunk`, with
/// parameters numbered from `first`; the columns are `column1`..`column3` on both backends.
fn ranges(chunk: usize, first: usize) -> String {
    // Numbered on both backends: the list follows the statement's own `$1`.
    crate::db::rows::values_from(crate::db::Backend::Postgres, first, chunk, "(?, ?, ?)")
}

/// A query over `ranges`, planned with its values each time: as a prepared statement,
/// PostgreSQL switches to a generic plan after five runs, and the generic plan of a join on
/// path ranges it cannot see scans every unit for each range (0.1 s became 0.8 s at scale 1).
fn query(sql: &str) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
    sqlx::query(sql).persistent(false)
}

/// Binds the `ranges` rows of a chunk of units starting at `offset` in the whole list.
fn bind_ranges<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    chunk: &[UnitRef],
    offset: usize,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for (k, u) in chunk.iter().enumerate() {
        q = q
            .bind(i64::try_from(offset + k).unwrap_or(i64::MAX))
            .bind(u.path.clone())
            .bind(path_upper_bound(&u.path));
    }
    q
}

/// The index a grouped query returns, back to a position in the list of units.
fn index_of(r: &sqlx::any::AnyRow, n: usize) -> Result<Option<usize>, sqlx::Error> {
    let i: i64 = r.try_get(0)?;
    Ok(usize::try_from(i).ok().filter(|i| *i < n))
}

/// Open branches under each unit on `as_of`, by kind, with the totals the template uses: one
/// grouped query for all the units (each unit's subtree is a range of the `units_path` index).
async fn branches(
    db: &Db,
    units: &[UnitRef],
    as_of: &str,
    out: &mut [Base],
) -> Result<(), sqlx::Error> {
    let mut by_unit: Vec<Vec<(String, i64)>> = vec![vec![]; units.len()];
    for (c, chunk) in units.chunks(UNITS_PER_QUERY).enumerate() {
        // CROSS JOIN keeps the ranges as the outer loop on SQLite (one index range per unit).
        let sql = format!(
            "SELECT r.column1, b.kind, COUNT(*) FROM (VALUES {}) r CROSS JOIN units b \
             WHERE b.path >= r.column2 AND b.path < r.column3 AND b.level = 'branch' \
             AND b.valid_from <= $1 AND (b.valid_to IS NULL OR b.valid_to > $1) \
             GROUP BY r.column1, b.kind",
            ranges(chunk.len(), 2)
        );
        let q = bind_ranges(query(&sql).bind(as_of), chunk, c * UNITS_PER_QUERY);
        for r in q.fetch_all(&db.pool).await? {
            if let Some(i) = index_of(&r, units.len())? {
                by_unit[i].push((r.try_get(1)?, r.try_get(2)?));
            }
        }
    }
    for (base, rows) in out.iter_mut().zip(by_unit) {
        let (mut total, mut village) = (0, 0);
        for (kind, n) in rows {
            total += n;
            if kind == "village" {
                village += n;
            }
            base.insert(format!("branches.{kind}"), n);
        }
        base.insert("branches.total".into(), total);
        base.insert("branches.village".into(), village);
        base.insert("branches.boards".into(), total - village);
    }
    Ok(())
}

/// Replaces the member stocks of each unit (`members.active`, `members.sector.*`) by those of
/// the day `end`: members who had joined by then and had not left or died by then, counted at
/// the branch they belonged to on that day (the branch a later transfer took them from).
/// Two grouped queries per 500 units: members still in the branch they had then, and members
/// moved since, found through their first transfer after `end`.
async fn members_at(
    db: &Db,
    units: &[UnitRef],
    end: &str,
    out: &mut [Base],
) -> Result<(), sqlx::Error> {
    let member_then = "m.joined_on <= $1 AND (m.status = 'active' OR m.status_on > $1)";
    let mut by_unit: Vec<Vec<(String, i64)>> = vec![vec![]; units.len()];
    for (c, chunk) in units.chunks(UNITS_PER_QUERY).enumerate() {
        let stayed = format!(
            "SELECT r.column1, m.sectors, COUNT(*) FROM (VALUES {}) r \
             JOIN units b ON b.path >= r.column2 AND b.path < r.column3 \
             JOIN members m ON m.branch_id = b.id WHERE {member_then} \
             AND NOT EXISTS (SELECT 1 FROM member_transfers t WHERE t.member_id = m.id AND t.on_date > $1) \
             GROUP BY r.column1, m.sectors",
            ranges(chunk.len(), 2)
        );
        let moved = format!(
            "SELECT r.column1, m.sectors, COUNT(*) FROM (VALUES {}) r \
             JOIN units b ON b.path >= r.column2 AND b.path < r.column3 \
             JOIN member_transfers t ON t.from_branch_id = b.id JOIN members m ON m.id = t.member_id \
             WHERE t.on_date > $1 AND {member_then} AND NOT EXISTS (SELECT 1 FROM member_transfers t2 \
             WHERE t2.member_id = t.member_id AND t2.on_date > $1 \
             AND (t2.on_date < t.on_date OR (t2.on_date = t.on_date AND t2.id < t.id))) \
             GROUP BY r.column1, m.sectors",
            ranges(chunk.len(), 2)
        );
        for sql in [stayed, moved] {
            let q = bind_ranges(query(&sql).bind(end), chunk, c * UNITS_PER_QUERY);
            for r in q.fetch_all(&db.pool).await? {
                if let Some(i) = index_of(&r, units.len())? {
                    by_unit[i].push((r.try_get(1)?, r.try_get(2)?));
                }
            }
        }
    }
    for (base, rows) in out.iter_mut().zip(by_unit) {
        base.retain(|m, _| m != "members.active" && !m.starts_with("members.sector."));
        let mut active = 0;
        for (sectors, n) in rows {
            active += n;
            for s in sectors.split_whitespace() {
                *base.entry(format!("members.sector.{s}")).or_insert(0) += n;
            }
        }
        base.insert("members.active".into(), active);
    }
    Ok(())
}

/// The columns of a unit's yearly population data and the base metric each becomes: people,
/// and the populations the national targets count (`khuyenhoc_reports::POPULATIONS`).
const POPULATION_COLUMNS: [(&str, &str); 5] = [
    ("population", "population"),
    ("households", "population.households"),
    ("clans", "population.clans"),
    ("communities", "population.communities"),
    ("organisations", "population.organisations"),
];

/// The populations of each unit for a year, each column on its own: the unit's own figure when
/// recorded, otherwise the sum of the nearest recorded figures below it. `population` is always
/// there (0 when nothing is recorded); a target's population (households, clans, communities,
/// organisations) only when recorded somewhere in the subtree: a share without it is missing.
/// One query for all the units.
async fn populations(db: &Db, units: &[UnitRef], year: i64) -> Result<Vec<Base>, sqlx::Error> {
    let n = POPULATION_COLUMNS.len();
    let mut by_unit: Vec<Vec<Vec<(String, i64)>>> = vec![vec![vec![]; n]; units.len()];
    let columns: Vec<String> = POPULATION_COLUMNS
        .iter()
        .map(|(c, _)| format!("p.{c}"))
        .collect();
    for (c, chunk) in units.chunks(UNITS_PER_QUERY).enumerate() {
        let sql = format!(
            "SELECT r.column1, u.path, {} FROM (VALUES {}) r \
             JOIN units u ON u.path >= r.column2 AND u.path < r.column3 \
             JOIN unit_populations p ON p.unit_id = u.id WHERE p.year = $1",
            columns.join(", "),
            ranges(chunk.len(), 2)
        );
        let q = bind_ranges(query(&sql).bind(year), chunk, c * UNITS_PER_QUERY);
        for r in q.fetch_all(&db.pool).await? {
            if let Some(i) = index_of(&r, units.len())? {
                let path: String = r.try_get(1)?;
                for (k, rows) in by_unit[i].iter_mut().enumerate() {
                    if let Some(v) = r.try_get::<Option<i64>, _>(k + 2)? {
                        rows.push((path.clone(), v));
                    }
                }
            }
        }
    }
    Ok(by_unit
        .into_iter()
        .map(|cols| {
            let mut base = Base::new();
            for ((_, metric), rows) in POPULATION_COLUMNS.iter().zip(cols) {
                if rows.is_empty() && *metric != "population" {
                    continue;
                }
                base.insert((*metric).to_owned(), nearest_sum(rows));
            }
            base
        })
        .collect())
}

/// The sum of the figures not below another recorded figure. Sorted by path (bytewise, as the
/// index orders it), a unit's descendants follow it without a gap, so a path below any kept
/// figure is below the last one kept.
fn nearest_sum(mut rows: Vec<(String, i64)>) -> i64 {
    rows.sort_unstable();
    let mut last: Option<&str> = None;
    let mut sum = 0;
    for (path, n) in &rows {
        if last.is_some_and(|l| path.starts_with(l)) {
            continue;
        }
        last = Some(path);
        sum += n;
    }
    sum
}

/// The population of a unit for a year: its own figure when recorded, otherwise the sum of the
/// nearest recorded figures below it.
pub async fn population(db: &Db, u: &UnitRef, year: i64) -> Result<i64, sqlx::Error> {
    Ok(populations_of(db, u, year)
        .await?
        .get("population")
        .copied()
        .unwrap_or(0))
}

/// Every population of a unit for a year (`population`, and each target's population when
/// recorded), as [`live`] puts them into a unit's base figures.
pub async fn populations_of(db: &Db, u: &UnitRef, year: i64) -> Result<Base, sqlx::Error> {
    Ok(populations(db, std::slice::from_ref(u), year)
        .await?
        .pop()
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::{narrow, nearest_sum, total};

    #[test]
    fn sums_never_overflow() {
        assert_eq!(narrow(i128::from(i64::MAX) + 1), i64::MAX);
        assert_eq!(narrow(-5), -5);
        assert_eq!(total(&[i64::MAX, 1, -2]), i64::MAX - 1);
        assert_eq!(total(&[i64::MAX, i64::MAX]), i64::MAX);
    }

    fn rows(v: &[(&str, i64)]) -> Vec<(String, i64)> {
        v.iter().map(|(p, n)| ((*p).to_owned(), *n)).collect()
    }

    #[test]
    fn population_is_the_sum_of_the_nearest_recorded_figures() {
        // A commune's own figure wins over its branches'; a commune without one counts its
        // branches'. The rows come in any order.
        let r = rows(&[
            ("/VN/01/00004/00004-1/", 5),
            ("/VN/01/00004/", 100),
            ("/VN/01/00007/00007-2/", 7),
            ("/VN/01/00007/00007-1/", 3),
        ]);
        assert_eq!(nearest_sum(r), 110);
        assert_eq!(
            nearest_sum(rows(&[("/VN/01/00004/", 100), ("/VN/01/", 1000)])),
            1000
        );
        assert_eq!(nearest_sum(vec![]), 0);
    }
}
