//! Synthetic national data (`khuyenhoc-gen --scale S [--seed N]`): a database filled with
//! realistic data on the real 2025 map, for load tests and demonstrations at country scale.
//!
//! At `--scale 1`: about 100,000 branches (≈30 per commune), 4.5 million people with
//! Vietnamese names, 1.1 million members, 10 million citizen evaluations over 2024–2026, families,
//! clans and organisations with their members and evaluations, community and unit evaluations of
//! the branches, funds at every level with 1 million balanced ledger entries and gap-free
//! voucher numbers, populations, the reports of communes and provinces for 2025-Y and 2026-H1,
//! and the live counters rebuilt from the raw rows. Smaller scales take a share of everything
//! (communes are sampled systematically, so a small scale still spreads over the country).
//!
//! Invariants:
//! - **Deterministic**: the same scale and seed on the same prepared database give identical rows
//!   (ids included). Every random draw comes from a `StdRng` seeded from the seed and the name of
//!   the phase; times are fixed dates, never the clock. [`checksum`] sums the rows so that two
//!   runs (or two backends) can be compared.
//! - **Once per database**: the first thing written is an audit entry (entity `synthetic_data`)
//!   that marks the database; a second run is refused.
//! - **Fast**: rows go in multi-row INSERTs inside large transactions ([`bulk`]); indexes and
//!   foreign keys stay in place, so the data is checked like any other.
//! - **Counted**: the live report counters are rebuilt from the raw rows by set-based SQL
//!   ([`counters::rebuild`]), with exactly the rules of `reports::counters::recount`.
//!
//! The binary `khuyenhoc-gen` ([`args`]) takes `--config` and `--database-url` like the server; the
//! server's binary does not contain the generator.

pub mod args;
mod bulk;
mod checksum;
pub mod counters;
mod ctx;
mod evals;
mod groups;
mod ledger;
mod map;
mod names;
mod people;
mod plan;
mod reports;
mod transfers;

pub use args::{parse_scale, run, GenArgs, MAX_SCALE, MIN_SCALE};
pub use checksum::checksum;
pub use ctx::{Branch, Commune, Ctx, Person, Province, SetInfo, KINDS};
pub use plan::{allocate, at, date, day_between, stream, ymd, Plan, AS_OF, EPOCH_DATE, YEARS};

use khuyenhoc::db::{Backend, Db};
use std::collections::BTreeMap;
use std::time::Instant;

#[derive(Debug, Clone)]
pub struct Options {
    pub scale: f64,
    pub seed: u64,
    /// No progress lines (tests).
    pub quiet: bool,
}

/// The time and size of one phase.
#[derive(Debug, Clone)]
pub struct Phase {
    pub name: &'static str,
    pub rows: u64,
    pub seconds: f64,
}

/// What a run wrote: rows per table (and per evaluation model as `evaluations.{model}`), and the
/// phases with their times.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub counts: BTreeMap<String, u64>,
    pub phases: Vec<Phase>,
}

impl Summary {
    pub fn count(&self, key: &str) -> u64 {
        self.counts.get(key).copied().unwrap_or(0)
    }

    fn add(&mut self, key: &str, n: u64) {
        *self.counts.entry(key.to_owned()).or_insert(0) += n;
    }

    fn phase(&mut self, name: &'static str, rows: u64, started: Instant, quiet: bool) {
        let seconds = started.elapsed().as_secs_f64();
        if !quiet {
            println!(
                "{name:<22} {:>12} rows {:>8.1} s {:>10} rows/s",
                thousands(rows),
                seconds,
                thousands((rows as f64 / seconds.max(1e-3)) as u64)
            );
        }
        self.phases.push(Phase {
            name,
            rows,
            seconds,
        });
    }
}

/// 1234567 → "1,234,567".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let groups: Vec<&str> = digits
        .as_bytes()
        .rchunks(3)
        .rev()
        .map(|g| std::str::from_utf8(g).unwrap_or(""))
        .collect();
    groups.join(",")
}

/// The marker of a database that already holds generated data: the `after_json` of its audit
/// entry.
pub async fn marker(db: &Db) -> anyhow::Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT after_json FROM audit_log WHERE entity = 'synthetic_data' ORDER BY id LIMIT 1",
    )
    .fetch_optional(&db.pool)
    .await?)
}

/// Fills the database (prepared by `khuyenhoc::prepare`) with synthetic data. Refuses a database
/// that already holds generated data.
pub async fn generate(db: &Db, opts: &Options) -> anyhow::Result<Summary> {
    if let Some(m) = marker(db).await? {
        anyhow::bail!(
            "Cơ sở dữ liệu này đã có dữ liệu mẫu ({m}); hãy sinh vào một cơ sở dữ liệu mới \
             (xoá tệp SQLite, hoặc tạo database PostgreSQL mới) / this database already holds \
             generated data ({m}): generate into a new one (delete the SQLite file, or create a \
             new PostgreSQL database). The marker is the audit_log entry with entity = 'synthetic_data'."
        );
    }
    let mut cx = Ctx::load(db, opts).await?;
    let mut s = Summary::default();
    let q = opts.quiet;

    let t = Instant::now();
    let n = map::branches(db, &mut cx, &mut s).await?;
    s.phase("branches", n, t, q);
    let t = Instant::now();
    let n = people::people(db, &mut cx, &mut s).await?;
    s.phase("people", n, t, q);
    let t = Instant::now();
    let n = people::members(db, &mut cx, &mut s).await?;
    s.phase("members, populations", n, t, q);
    let t = Instant::now();
    let n = groups::groups(db, &mut cx, &mut s).await?;
    s.phase("families, clans, orgs", n, t, q);
    let t = Instant::now();
    let n = evals::citizens(db, &mut cx, &mut s).await?;
    s.phase("citizen evaluations", n, t, q);
    let t = Instant::now();
    let n = evals::groups_and_units(db, &mut cx, &mut s).await?;
    s.phase("other evaluations", n, t, q);
    let t = Instant::now();
    let n = ledger::funds(db, &mut cx, &mut s).await?;
    s.phase("funds and ledger", n, t, q);
    let t = Instant::now();
    let n = counters::rebuild(db).await?;
    s.add("counters", n);
    s.phase("counters", n, t, q);
    let t = Instant::now();
    let n = khuyenhoc::funds::totals::rebuild(db)
        .await
        .map_err(|e| anyhow::anyhow!("fund totals: {e:?}"))?;
    let n = n as u64;
    s.add("fund_totals", n);
    s.phase("fund totals", n, t, q);
    // Statistics of the map: without them SQLite counts a unit's branches (`reports::figures`)
    // by scanning every branch of the country through `units_level_code` instead of the path
    // range, which makes each report's figures cost tens of milliseconds at scale 1.
    if db.backend == Backend::Sqlite {
        sqlx::query("ANALYZE units").execute(&db.pool).await?;
    }
    let t = Instant::now();
    let n = reports::reports(db, &mut cx, &mut s).await?;
    s.phase("reports", n, t, q);
    let t = Instant::now();
    finish(db, &cx, &s).await?;
    s.phase("finish", 0, t, q);
    Ok(s)
}

/// Sequences (PostgreSQL), the closing marker, statistics.
async fn finish(db: &Db, cx: &Ctx, s: &Summary) -> anyhow::Result<()> {
    let counts: serde_json::Map<String, serde_json::Value> = s
        .counts
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::json!(v)))
        .collect();
    let id = cx.next.get("audit_log").copied().unwrap_or(1);
    sqlx::query(
        "INSERT INTO audit_log (id, at, entity, entity_id, action, after_json) VALUES ($1, $2, 'synthetic_data', $3, 'complete', $4)",
    )
    .bind(id)
    .bind(at(date(AS_OF), 0))
    .bind(format!("seed {}", cx.seed))
    .bind(serde_json::Value::Object(counts).to_string())
    .execute(&db.pool)
    .await?;
    if db.backend == Backend::Postgres {
        // Ids were given explicitly: the identity sequences continue after them.
        for table in ctx::TABLES_WITH_IDS {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            ))
            .execute(&db.pool)
            .await?;
        }
        sqlx::query("ANALYZE").execute(&db.pool).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(12), "12");
    }
}
