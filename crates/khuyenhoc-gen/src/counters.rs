//! A set-based rebuild of the live report counters: the same numbers as
//! `reports::counters::recount(db, true)` (the test `gen` proves it), computed by the database
//! with a few `INSERT … SELECT … GROUP BY` statements instead of reading every evaluation,
//! ledger line and member into memory and writing counters one row at a time.
//!
//! 1. `gen_anc` (temporary): every unit with itself and its ancestors, from its path (the way
//!    `recount` finds them).
//! 2. `gen_leaf` (temporary): the counter values of each unit's own rows, by the rules of
//!    `reports::counters` (`EvalFacts::metrics`, `ledger_deltas`, `member_metrics`).
//! 3. `counters` := the leaf values summed over each unit's subtree, zeros left out.

use super::bulk::{Batch, Sink, V};
use khuyenhoc::db::{Backend, Db};
use khuyenhoc::reports::counters::metric;
use khuyenhoc_ledger::Account;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

/// `'YYYY-H1'` / `'YYYY-H2'` of a `YYYY-MM-DD` column (`counters::half_of`).
fn half(col: &str) -> String {
    format!(
        "substr({col}, 1, 4) || CASE WHEN substr({col}, 6, 2) <= '06' THEN '-H1' ELSE '-H2' END"
    )
}

fn quoted(accounts: impl Iterator<Item = Account>) -> String {
    accounts
        .map(|a| format!("'{}'", a.code()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The statements that fill `gen_leaf`.
fn leaf_statements() -> Vec<String> {
    let ins = "INSERT INTO gen_leaf (unit_id, period, metric, value)";
    let fg = "form_group IS NOT NULL AND form_group <> ''";
    let reg = metric::EVAL_REGISTERED;
    let rec = metric::EVAL_RECOGNISED;
    let pend = metric::EVAL_PENDING;
    let checked = metric::EVAL_CHECKED;
    let income = quoted(Account::income());
    let expense = quoted(Account::expenses());
    let paid = quoted([Account::Scholarship, Account::Award].into_iter());
    let lhalf = half("e.occurred_on");
    let jhalf = half("joined_on");
    let ledger_from = "FROM ledger_lines l JOIN ledger_entries e ON e.id = l.entry_id JOIN funds f ON f.id = l.fund_id";
    vec![
        format!("{ins} SELECT unit_id, CAST(year AS TEXT), '{reg}.' || model, COUNT(*) FROM evaluations GROUP BY unit_id, year, model"),
        format!("{ins} SELECT unit_id, CAST(year AS TEXT), '{reg}.' || model || '.' || form_group, COUNT(*) FROM evaluations WHERE {fg} GROUP BY unit_id, year, model, form_group"),
        format!("{ins} SELECT unit_id, CAST(year AS TEXT), '{rec}.' || model, COUNT(*) FROM evaluations WHERE status = 'recognised' AND revoked_at IS NULL GROUP BY unit_id, year, model"),
        format!("{ins} SELECT unit_id, CAST(year AS TEXT), '{rec}.' || model || '.' || form_group, COUNT(*) FROM evaluations WHERE status = 'recognised' AND revoked_at IS NULL AND {fg} GROUP BY unit_id, year, model, form_group"),
        format!("{ins} SELECT unit_id, CAST(year AS TEXT), '{pend}.' || model, COUNT(*) FROM evaluations WHERE status IN ('submitted', 'checked') GROUP BY unit_id, year, model"),
        format!("{ins} SELECT unit_id, CAST(year AS TEXT), '{checked}.' || model, COUNT(*) FROM evaluations WHERE status = 'checked' GROUP BY unit_id, year, model"),
        format!(
            "{ins} SELECT f.unit_id, {lhalf}, '{}.' || l.account, SUM(CASE WHEN l.account IN ({income}) THEN -l.amount ELSE l.amount END) \
             {ledger_from} WHERE l.account IN ({income}, {expense}) GROUP BY 1, 2, 3",
            metric::LEDGER
        ),
        format!(
            "{ins} SELECT f.unit_id, {lhalf}, '{}.' || l.account, SUM(CASE WHEN l.amount > 0 THEN 1 WHEN l.amount < 0 THEN -1 ELSE 0 END) \
             {ledger_from} WHERE l.account IN ({paid}) GROUP BY 1, 2, 3",
            metric::PAID_COUNT
        ),
        format!("{ins} SELECT branch_id, {jhalf}, '{}', COUNT(*) FROM members GROUP BY 1, 2", metric::MEMBERS_JOINED),
        format!("{ins} SELECT branch_id, '', '{}', COUNT(*) FROM members WHERE status = 'active' GROUP BY branch_id", metric::MEMBERS_ACTIVE),
    ]
}

/// Rebuilds every counter from the raw rows, in one transaction. Returns the number of counters.
pub async fn rebuild(db: &Db) -> anyhow::Result<u64> {
    let closure = ancestors(db).await?;
    let sectors = sector_tokens(db).await?;
    let mut sink = Sink::one_transaction(db).await?;
    let temp = match db.backend {
        Backend::Sqlite => "CREATE TEMP TABLE",
        Backend::Postgres => "CREATE TEMP TABLE IF NOT EXISTS",
    };
    let drop = match db.backend {
        Backend::Sqlite => "",
        Backend::Postgres => " ON COMMIT DROP",
    };
    for sql in [
        format!("{temp} gen_anc (unit_id BIGINT NOT NULL, anc_id BIGINT NOT NULL){drop}"),
        format!("{temp} gen_leaf (unit_id BIGINT NOT NULL, period TEXT NOT NULL, metric TEXT NOT NULL, value BIGINT NOT NULL){drop}"),
    ] {
        sqlx::query(&sql).execute(&mut **sink.tx()?).await?;
    }
    let mut anc = Batch::new("gen_anc", &["unit_id", "anc_id"]);
    for (unit, ancestor) in closure {
        sink.add(&mut anc, [V::I(unit), V::I(ancestor)]).await?;
    }
    sink.flush(&mut anc).await?;
    sqlx::query("CREATE INDEX gen_anc_unit ON gen_anc (unit_id)")
        .execute(&mut **sink.tx()?)
        .await?;
    for sql in leaf_statements() {
        sqlx::query(&sql).execute(&mut **sink.tx()?).await?;
    }
    let find = match db.backend {
        Backend::Sqlite => "instr",
        Backend::Postgres => "strpos",
    };
    for token in sectors {
        let sql = format!(
            "INSERT INTO gen_leaf (unit_id, period, metric, value) SELECT branch_id, '', $1, COUNT(*) FROM members \
             WHERE status = 'active' AND {find}(' ' || sectors || ' ', $2) > 0 GROUP BY branch_id"
        );
        sqlx::query(&sql)
            .bind(format!("{}.{token}", metric::MEMBERS_SECTOR))
            .bind(format!(" {token} "))
            .execute(&mut **sink.tx()?)
            .await?;
    }
    let tx = sink.tx()?;
    sqlx::query("DELETE FROM counters")
        .execute(&mut **tx)
        .await?;
    let n = sqlx::query(
        "INSERT INTO counters (unit_id, period, metric, value) \
         SELECT a.anc_id, l.period, l.metric, SUM(l.value) FROM gen_leaf l JOIN gen_anc a ON a.unit_id = l.unit_id \
         GROUP BY a.anc_id, l.period, l.metric HAVING SUM(l.value) <> 0",
    )
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if db.backend == Backend::Sqlite {
        for t in ["gen_leaf", "gen_anc"] {
            sqlx::query(&format!("DROP TABLE {t}"))
                .execute(&mut **tx)
                .await?;
        }
    }
    sink.finish(&mut []).await?;
    Ok(n)
}

/// (unit, ancestor-or-self) for every unit, from the codes in its path.
async fn ancestors(db: &Db) -> anyhow::Result<Vec<(i64, i64)>> {
    let rows = sqlx::query("SELECT id, code, path FROM units")
        .fetch_all(&db.pool)
        .await?;
    let mut id_of = BTreeMap::new();
    for r in &rows {
        id_of.insert(r.try_get::<String, _>(1)?, r.try_get::<i64, _>(0)?);
    }
    let mut out = Vec::with_capacity(rows.len() * 4);
    for r in &rows {
        let id: i64 = r.try_get(0)?;
        let path: String = r.try_get(2)?;
        for code in path.trim_matches('/').split('/') {
            if let Some(a) = id_of.get(code) {
                out.push((id, *a));
            }
        }
    }
    Ok(out)
}

/// The sector codes active members carry (`members.sectors` is space-separated).
async fn sector_tokens(db: &Db) -> anyhow::Result<BTreeSet<String>> {
    let all: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT sectors FROM members WHERE status = 'active'")
            .fetch_all(&db.pool)
            .await?;
    Ok(all
        .iter()
        .flat_map(|s| s.split_whitespace().map(str::to_owned))
        .collect())
}
