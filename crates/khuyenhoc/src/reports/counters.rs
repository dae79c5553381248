//! Live counters: totals per unit, period and metric, kept up to date in the same transaction
//! as the change that moves them, at the unit and at each of its ancestors (at most four rows
//! per metric). A national figure is then a read of a few dozen rows, however many evaluations
//! or ledger lines lie underneath. `recount` rebuilds every counter from the raw rows and
//! reports any difference (the reconciliation the operator can run at any time).
//!
//! Periods: `""` for stocks (members now), `"YYYY"` for what belongs to a year (evaluations),
//! `"YYYY-H1"` / `"YYYY-H2"` for flows dated within a half-year (ledger, members joining).

use crate::db::{Db, Tx};
use sqlx::Row;
use std::collections::BTreeMap;

/// Metric names. Dynamic parts are joined with dots: `eval.recognised.citizen.youth`.
pub mod metric {
    /// Active members now (stock).
    pub const MEMBERS_ACTIVE: &str = "members.active";
    /// Active members with a sector tag now (stock): `members.sector.university`.
    pub const MEMBERS_SECTOR: &str = "members.sector";
    /// Members who joined in the half-year (flow, by join date).
    pub const MEMBERS_JOINED: &str = "members.joined";
    /// Evaluations of the year, any status: `eval.registered.citizen[.form_group]`.
    pub const EVAL_REGISTERED: &str = "eval.registered";
    /// Recognised evaluations of the year: `eval.recognised.citizen[.form_group]`.
    pub const EVAL_RECOGNISED: &str = "eval.recognised";
    /// Evaluations waiting for a check or a review: `eval.pending.citizen`.
    pub const EVAL_PENDING: &str = "eval.pending";
    /// Evaluations checked by their branch, waiting for the commune's review:
    /// `eval.checked.citizen` (a part of `eval.pending`; the rest waits for the branch).
    pub const EVAL_CHECKED: &str = "eval.checked";
    /// Money by ledger category in the half-year, in đồng, positive as the category grows:
    /// `ledger.donation`, `ledger.scholarship`, ...
    pub const LEDGER: &str = "ledger";
    /// Number of scholarship / award payments in the half-year (reversals subtract).
    pub const PAID_COUNT: &str = "paid";
}

/// The half-year of a `YYYY-MM-DD` date: `"YYYY-H1"` or `"YYYY-H2"`.
pub fn half_of(date: &str) -> String {
    let year = date.get(..4).unwrap_or("0000");
    let month: u32 = date.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
    format!("{year}-H{}", if month <= 6 { 1 } else { 2 })
}

/// The last day of a counter period (`""` stocks: today's structure, `"YYYY"`, `"YYYY-H1"`,
/// `"YYYY-H2"`): the structure a period's figures belong to is the one in force that day
/// (README "Dated moves").
pub fn period_end(period: &str) -> String {
    match (period.get(..4), period.get(4..)) {
        (Some(y), Some("-H1")) => format!("{y}-06-30"),
        (Some(y), Some("-H2" | "")) => format!("{y}-12-31"),
        _ => "9999-12-31".to_owned(),
    }
}

/// The unit and its ancestors on the last day of `period`, nearest first.
pub(crate) async fn chain(
    tx: &mut Tx<'_>,
    unit_id: i64,
    period: &str,
) -> Result<Vec<i64>, sqlx::Error> {
    // One statement up the parent links in force that day (at most four levels; the depth
    // bound only guards against a cycle), inside the caller's transaction, which may have just
    // moved the unit.
    let parent = crate::org::links::parent_on("$2");
    let sql = format!(
        "WITH RECURSIVE up (id, parent_id, depth) AS ( \
             SELECT u.id, {parent}, 0 FROM units u WHERE u.id = $1 \
             UNION ALL \
             SELECT u.id, {parent}, up.depth + 1 FROM units u JOIN up ON u.id = up.parent_id \
             WHERE up.depth < 8) \
         SELECT id FROM up ORDER BY depth"
    );
    sqlx::query_scalar(&sql)
        .bind(unit_id)
        .bind(period_end(period))
        .fetch_all(&mut **tx)
        .await
}

/// How many shards the counters of ancestors are spread over on PostgreSQL (see migration 0005:
/// without them every writing transaction in the country queues on the centre's rows).
const SHARDS: u64 = 16;

/// Rows per multi-row upsert: 5 parameters each, far under either backend's limit.
const UPSERT_ROWS: usize = 1000;

/// Adds each delta to the counters of `units` in one statement per thousand rows. The unit
/// itself (`units[0]` when `own_first`) keeps shard 0; its ancestors get one shard picked for
/// this call on PostgreSQL (always 0 on SQLite, which has one writer at a time). Rows go in a
/// fixed order (unit, metric), so two transactions never wait on each other's rows crosswise.
async fn upsert(
    tx: &mut Tx<'_>,
    units: &[i64],
    own_first: bool,
    period: &str,
    deltas: &BTreeMap<String, i64>,
) -> Result<(), sqlx::Error> {
    let shard = if tx.backend() == crate::db::Backend::Postgres {
        i64::try_from(rand::random::<u64>() % SHARDS).unwrap_or(0)
    } else {
        0
    };
    let mut rows: Vec<(i64, &str, i64, i64)> = vec![];
    for (i, unit) in units.iter().enumerate() {
        let s = if i == 0 && own_first { 0 } else { shard };
        for (metric, delta) in deltas.iter().filter(|(_, d)| **d != 0) {
            rows.push((*unit, metric.as_str(), s, *delta));
        }
    }
    rows.sort_unstable();
    for chunk in rows.chunks(UPSERT_ROWS) {
        let sql = format!(
            "INSERT INTO counters (unit_id, period, metric, shard, value) VALUES {} \
             ON CONFLICT (unit_id, period, metric, shard) DO UPDATE SET value = counters.value + excluded.value",
            crate::db::rows::values(tx.backend(), chunk.len(), "(?, ?, ?, ?, ?)")
        );
        let mut q = sqlx::query(&sql);
        for (unit, metric, s, delta) in chunk {
            q = q
                .bind(*unit)
                .bind(period)
                .bind(*metric)
                .bind(*s)
                .bind(*delta);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Adds `deltas` to the counters of the unit and of all its ancestors for `period`.
pub async fn add(
    tx: &mut Tx<'_>,
    unit_id: i64,
    period: &str,
    deltas: &[(String, i64)],
) -> Result<(), sqlx::Error> {
    let mut map = BTreeMap::new();
    for (m, d) in deltas {
        *map.entry(m.clone()).or_insert(0) += d;
    }
    if map.values().all(|d| *d == 0) {
        return Ok(());
    }
    let units = chain(tx, unit_id, period).await?;
    upsert(tx, &units, true, period, &map).await
}

/// Like [`add`], but first checks that no money counter (`ledger.*`) of the unit or of an
/// ancestor would leave `-limit ..= limit` for `period`, its shards summed; returns the first
/// metric that would, and then writes nothing. Two postings racing on PostgreSQL may each pass
/// the check against the other's total; the distance between the caps (10^15) and `i64`
/// (9.2·10^18) is what makes that harmless.
pub async fn add_within(
    tx: &mut Tx<'_>,
    unit_id: i64,
    period: &str,
    deltas: &[(String, i64)],
    limit: i64,
) -> Result<Option<String>, sqlx::Error> {
    let mut map = BTreeMap::new();
    for (m, d) in deltas {
        *map.entry(m.clone()).or_insert(0) += d;
    }
    if map.values().all(|d| *d == 0) {
        return Ok(None);
    }
    // The unit's chain (as `chain` reads it) with the money counters of the period at each.
    let parent = crate::org::links::parent_on("$4");
    let sql = format!(
        "WITH RECURSIVE up (id, parent_id, depth) AS ( \
             SELECT u.id, {parent}, 0 FROM units u WHERE u.id = $1 \
             UNION ALL \
             SELECT u.id, {parent}, up.depth + 1 FROM units u JOIN up ON u.id = up.parent_id \
             WHERE up.depth < 8) \
         SELECT up.id, c.metric, CAST(SUM(c.value) AS BIGINT) FROM up \
         LEFT JOIN counters c ON c.unit_id = up.id AND c.period = $2 AND c.metric LIKE $3 \
         GROUP BY up.id, up.depth, c.metric ORDER BY up.depth"
    );
    let rows = sqlx::query(&sql)
        .bind(unit_id)
        .bind(period)
        .bind(format!("{}.%", metric::LEDGER))
        .bind(period_end(period))
        .fetch_all(&mut **tx)
        .await?;
    let mut units: Vec<i64> = vec![];
    let mut now: BTreeMap<(i64, String), i64> = BTreeMap::new();
    for r in rows {
        let id: i64 = r.try_get(0)?;
        if units.last() != Some(&id) {
            units.push(id);
        }
        if let (Some(m), Some(v)) = (r.try_get::<Option<String>, _>(1)?, r.try_get(2)?) {
            now.insert((id, m), v);
        }
    }
    let money = map.iter().filter(|(m, _)| {
        m.starts_with(metric::LEDGER) && m[metric::LEDGER.len()..].starts_with('.')
    });
    for (m, d) in money {
        for unit in &units {
            let was = now.get(&(*unit, m.clone())).copied().unwrap_or(0);
            if (i128::from(was) + i128::from(*d)).abs() > i128::from(limit) {
                return Ok(Some(m.clone()));
            }
        }
    }
    upsert(tx, &units, true, period, &map).await?;
    Ok(None)
}

/// What the counters know of an evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalFacts {
    pub unit_id: i64,
    pub year: i64,
    pub model: String,
    pub form_group: Option<String>,
    pub status: String,
    /// Its title was revoked (`evaluations.revoked_at`): it is registered, never recognised.
    pub revoked: bool,
}

impl EvalFacts {
    /// The counter deltas this evaluation contributes while it exists.
    pub fn metrics(&self) -> Vec<(String, i64)> {
        let mut out = vec![];
        let mut both = |base: &str| {
            out.push((format!("{base}.{}", self.model), 1));
            if let Some(fg) = self.form_group.as_deref().filter(|f| !f.is_empty()) {
                out.push((format!("{base}.{}.{fg}", self.model), 1));
            }
        };
        both(metric::EVAL_REGISTERED);
        if self.status == "recognised" && !self.revoked {
            both(metric::EVAL_RECOGNISED);
        }
        if self.status == "submitted" || self.status == "checked" {
            out.push((format!("{}.{}", metric::EVAL_PENDING, self.model), 1));
        }
        if self.status == "checked" {
            out.push((format!("{}.{}", metric::EVAL_CHECKED, self.model), 1));
        }
        out
    }

    /// Reads the facts of an evaluation inside the transaction that is about to change it.
    pub async fn load(tx: &mut Tx<'_>, id: i64) -> Result<Option<Self>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT unit_id, year, model, form_group, status, \
             CAST(CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END AS BIGINT) FROM evaluations WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?;
        row.map(|r| {
            Ok(EvalFacts {
                unit_id: r.try_get(0)?,
                year: r.try_get(1)?,
                model: r.try_get(2)?,
                form_group: r.try_get(3)?,
                status: r.try_get(4)?,
                revoked: r.try_get::<i64, _>(5)? != 0,
            })
        })
        .transpose()
    }
}

/// Moves the counters from what an evaluation was (`None` for a new one) to what it is now.
pub async fn evaluation_changed(
    tx: &mut Tx<'_>,
    before: Option<&EvalFacts>,
    after: Option<&EvalFacts>,
) -> Result<(), sqlx::Error> {
    if before == after {
        return Ok(());
    }
    // Same unit and year (the usual status change): one chain lookup, one net delta.
    match (before, after) {
        (Some(b), Some(a)) if b.unit_id == a.unit_id && b.year == a.year => {
            let mut deltas = a.metrics();
            deltas.extend(b.metrics().into_iter().map(|(m, d)| (m, -d)));
            add(tx, a.unit_id, &a.year.to_string(), &deltas).await
        }
        _ => {
            if let Some(b) = before {
                let minus: Vec<_> = b.metrics().into_iter().map(|(m, d)| (m, -d)).collect();
                add(tx, b.unit_id, &b.year.to_string(), &minus).await?;
            }
            if let Some(a) = after {
                add(tx, a.unit_id, &a.year.to_string(), &a.metrics()).await?;
            }
            Ok(())
        }
    }
}

/// The counter deltas of one ledger entry: each income or expense line by category (positive
/// as the category grows), and one payment counted for scholarship and award lines (a reversal
/// counts minus one). Asset lines are not counted: they are the other side of the same money.
pub fn ledger_deltas(lines: &[(khuyenhoc_ledger::Account, i64)]) -> Vec<(String, i64)> {
    use khuyenhoc_ledger::{Account, AccountKind};
    let mut out = vec![];
    for (account, amount) in lines {
        let grows = match account.kind() {
            AccountKind::Asset => continue,
            AccountKind::Income => -amount,
            AccountKind::Expense => *amount,
        };
        out.push((format!("{}.{}", metric::LEDGER, account.code()), grows));
        if matches!(account, Account::Scholarship | Account::Award) {
            out.push((
                format!("{}.{}", metric::PAID_COUNT, account.code()),
                grows.signum(),
            ));
        }
    }
    out
}

/// Moves a unit's whole subtree totals from its old ancestors to its new ones (a branch moved to
/// another commune) for the periods whose structure is the new one: those ending on or after
/// the move's effective date `on` (and the stocks of today). Periods ended before stay with the
/// old ancestors. Call inside the move's transaction with the parents before and after.
pub async fn move_subtree(
    tx: &mut Tx<'_>,
    unit_id: i64,
    old_parent: i64,
    new_parent: i64,
    on: &str,
) -> Result<(), sqlx::Error> {
    let rows = sqlx::query(
        "SELECT period, metric, CAST(SUM(value) AS BIGINT) FROM counters WHERE unit_id = $1 \
         GROUP BY period, metric",
    )
    .bind(unit_id)
    .fetch_all(&mut **tx)
    .await?;
    let old = chain(tx, old_parent, "").await?;
    let new = chain(tx, new_parent, "").await?;
    let mut by_period: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for r in rows {
        let period: String = r.try_get(0)?;
        if period_end(&period).as_str() < on {
            continue;
        }
        by_period
            .entry(period)
            .or_default()
            .insert(r.try_get(1)?, r.try_get(2)?);
    }
    for (period, metrics) in &by_period {
        let minus = metrics.iter().map(|(m, v)| (m.clone(), -v)).collect();
        upsert(tx, &old, false, period, &minus).await?;
        upsert(tx, &new, false, period, metrics).await?;
    }
    Ok(())
}

/// The counters of a unit for a set of periods: metric → value summed over the periods.
pub async fn read(
    db: &Db,
    unit_id: i64,
    periods: &[String],
) -> Result<BTreeMap<String, i64>, sqlx::Error> {
    let mut out = BTreeMap::new();
    for p in periods {
        let rows =
            sqlx::query("SELECT metric, value FROM counters WHERE unit_id = $1 AND period = $2")
                .bind(unit_id)
                .bind(p)
                .fetch_all(&db.pool)
                .await?;
        for r in rows {
            *out.entry(r.try_get::<String, _>(0)?).or_insert(0) += r.try_get::<i64, _>(1)?;
        }
    }
    Ok(out)
}

/// Every counter as the raw rows say it should be: (unit, period, metric) → value, at each unit
/// and its ancestors.
async fn expected(db: &Db) -> Result<BTreeMap<(i64, String, String), i64>, sqlx::Error> {
    // Leaf facts: (unit, period, metric, value).
    let mut leaf: Vec<(i64, String, String, i64)> = vec![];
    let evals = sqlx::query(
        "SELECT unit_id, year, model, form_group, status, \
         CAST(CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END AS BIGINT) AS revoked, COUNT(*) FROM evaluations \
         GROUP BY unit_id, year, model, form_group, status, CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END",
    )
    .fetch_all(&db.pool)
    .await?;
    for r in evals {
        let f = EvalFacts {
            unit_id: r.try_get(0)?,
            year: r.try_get(1)?,
            model: r.try_get(2)?,
            form_group: r.try_get(3)?,
            status: r.try_get(4)?,
            revoked: r.try_get::<i64, _>(5)? != 0,
        };
        let n: i64 = r.try_get(6)?;
        for (m, d) in f.metrics() {
            leaf.push((f.unit_id, f.year.to_string(), m, d * n));
        }
    }
    let lines = sqlx::query(
        "SELECT f.unit_id, e.occurred_on, l.account, l.amount FROM ledger_lines l \
         JOIN ledger_entries e ON e.id = l.entry_id JOIN funds f ON f.id = l.fund_id",
    )
    .fetch_all(&db.pool)
    .await?;
    for r in lines {
        let account: String = r.try_get(2)?;
        let Ok(account) = khuyenhoc_ledger::Account::parse(&account) else {
            continue;
        };
        let on: String = r.try_get(1)?;
        for (m, d) in ledger_deltas(&[(account, r.try_get(3)?)]) {
            leaf.push((r.try_get(0)?, half_of(&on), m, d));
        }
    }
    let members = sqlx::query("SELECT branch_id, joined_on, status, sectors FROM members")
        .fetch_all(&db.pool)
        .await?;
    for r in members {
        let unit: i64 = r.try_get(0)?;
        let joined: String = r.try_get(1)?;
        let status: String = r.try_get(2)?;
        let sectors: String = r.try_get(3)?;
        for (period, m, d) in member_metrics(&joined, &status, &sectors) {
            leaf.push((unit, period, m, d));
        }
    }
    for r in sqlx::query("SELECT unit_id, period, metric, value FROM old_figures")
        .fetch_all(&db.pool)
        .await?
    {
        let (period, metric) = khuyenhoc_sheets::old_figures::counter_of(
            &r.try_get::<String, _>(1)?,
            &r.try_get::<String, _>(2)?,
        );
        leaf.push((r.try_get(0)?, period, metric, r.try_get(3)?));
    }
    sum_up(db, leaf).await
}

/// Leaf facts (unit, period, metric, value) added up at each unit and its ancestors: each
/// unit's parent today, or the parent link a dated move replaced, in force on the period's last
/// day.
async fn sum_up(
    db: &Db,
    leaf: Vec<(i64, String, String, i64)>,
) -> Result<BTreeMap<(i64, String, String), i64>, sqlx::Error> {
    let links = crate::org::links::Links::load(db).await?;
    // Summed wide: a fund's lines may add up to more than an i64 on the way (a receipt and its
    // reversal, again and again) while their total stays within the caps.
    let mut out: BTreeMap<(i64, String, String), i128> = BTreeMap::new();
    for (unit, period, metric, value) in leaf {
        if !links.exists(unit) {
            continue;
        }
        let day = period_end(&period);
        let mut at = Some(unit);
        let mut depth = 0;
        while let Some(id) = at.filter(|_| depth <= 8) {
            *out.entry((id, period.clone(), metric.clone())).or_insert(0) += i128::from(value);
            at = links.parent_on(id, &day);
            depth += 1;
        }
    }
    Ok(out
        .into_iter()
        .filter(|(_, v)| *v != 0)
        .map(|(k, v)| (k, crate::reports::figures::narrow(v)))
        .collect())
}

/// The counter rows a member contributes: (period, metric, value).
pub fn member_metrics(joined_on: &str, status: &str, sectors: &str) -> Vec<(String, String, i64)> {
    let mut out = vec![(half_of(joined_on), metric::MEMBERS_JOINED.to_owned(), 1)];
    if status == "active" {
        out.push((String::new(), metric::MEMBERS_ACTIVE.to_owned(), 1));
        for s in sectors.split_whitespace() {
            out.push((String::new(), format!("{}.{s}", metric::MEMBERS_SECTOR), 1));
        }
    }
    out
}

/// Applies a member's change: what it contributed before (None for a new member) and after
/// (None when removed), at the branches named in each.
pub async fn member_changed(
    tx: &mut Tx<'_>,
    before: Option<(i64, &str, &str, &str)>,
    after: Option<(i64, &str, &str, &str)>,
) -> Result<(), sqlx::Error> {
    let mut per: BTreeMap<(i64, String), Vec<(String, i64)>> = BTreeMap::new();
    if let Some((branch, joined, status, sectors)) = before {
        for (p, m, d) in member_metrics(joined, status, sectors) {
            per.entry((branch, p)).or_default().push((m, -d));
        }
    }
    if let Some((branch, joined, status, sectors)) = after {
        for (p, m, d) in member_metrics(joined, status, sectors) {
            per.entry((branch, p)).or_default().push((m, d));
        }
    }
    for ((branch, period), deltas) in per {
        add(tx, branch, &period, &deltas).await?;
    }
    Ok(())
}

/// A counter that differs from what the raw rows say.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Difference {
    pub unit_id: i64,
    pub period: String,
    pub metric: String,
    pub stored: i64,
    pub expected: i64,
}

/// Recomputes every counter from the raw rows. Returns the differences found; with `fix`, the
/// counters are replaced by the recomputed ones in one transaction.
pub async fn recount(db: &Db, fix: bool) -> Result<Vec<Difference>, sqlx::Error> {
    let want = expected(db).await?;
    let mut have: BTreeMap<(i64, String, String), i64> = BTreeMap::new();
    for r in sqlx::query("SELECT unit_id, period, metric, value FROM counters")
        .fetch_all(&db.pool)
        .await?
    {
        // A counter is the sum of its shards.
        let v: i64 = r.try_get(3)?;
        *have
            .entry((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))
            .or_insert(0) += v;
    }
    have.retain(|_, v| *v != 0);
    let mut diffs = vec![];
    let keys: std::collections::BTreeSet<_> = want.keys().chain(have.keys()).cloned().collect();
    for k in keys {
        let (s, e) = (
            have.get(&k).copied().unwrap_or(0),
            want.get(&k).copied().unwrap_or(0),
        );
        if s != e {
            diffs.push(Difference {
                unit_id: k.0,
                period: k.1,
                metric: k.2,
                stored: s,
                expected: e,
            });
        }
    }
    if fix && !diffs.is_empty() {
        let mut tx = db.begin().await?;
        sqlx::query("DELETE FROM counters")
            .execute(&mut *tx)
            .await?;
        for ((unit, period, metric), value) in &want {
            sqlx::query(
                "INSERT INTO counters (unit_id, period, metric, value) VALUES ($1, $2, $3, $4)",
            )
            .bind(unit)
            .bind(period)
            .bind(metric)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
    }
    Ok(diffs)
}
