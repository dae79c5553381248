//! Bulk loading: rows buffered per table and written as multi-row `INSERT … VALUES (…), (…)`
//! statements (built by `db::rows`) inside large transactions.

use khuyenhoc::db::rows as db_rows;
use khuyenhoc::db::{Backend, Db, Tx};
use std::time::Instant;

/// Rows per statement at most, whatever the number of columns.
const MAX_ROWS: usize = 1_000;
/// Rows written between two commits.
const COMMIT_EVERY: u64 = 400_000;
/// A progress line every this many rows.
const REPORT_EVERY: u64 = 1_000_000;

/// One value of a row. Text NULLs and integer NULLs are told apart: PostgreSQL types a bound
/// NULL by its Rust type and refuses an `int8` NULL in a `text` column.
#[derive(Debug, Clone)]
pub enum V {
    I(i64),
    T(String),
    S(&'static str),
    /// An integer NULL.
    N,
    /// A text NULL.
    NT,
}

impl V {
    pub fn opt_i(v: Option<i64>) -> V {
        v.map_or(V::N, V::I)
    }
    pub fn opt_t(v: Option<String>) -> V {
        v.map_or(V::NT, V::T)
    }
}

/// Rows waiting to be written to one table.
pub struct Batch {
    table: &'static str,
    cols: &'static [&'static str],
    /// Columns filled with the same SQL literal in every row: (column, literal).
    fixed: &'static [(&'static str, &'static str)],
    per_statement: usize,
    /// The statement of a full batch, once built: (backend, SQL).
    full_sql: Option<(Backend, String)>,
    values: Vec<V>,
    rows: usize,
    /// Rows written so far.
    pub written: u64,
}

impl Batch {
    pub fn new(table: &'static str, cols: &'static [&'static str]) -> Batch {
        Self::with_fixed(table, cols, &[])
    }

    pub fn with_fixed(
        table: &'static str,
        cols: &'static [&'static str],
        fixed: &'static [(&'static str, &'static str)],
    ) -> Batch {
        let per_statement = db_rows::per_statement(cols.len(), MAX_ROWS);
        Batch {
            table,
            cols,
            fixed,
            per_statement,
            full_sql: None,
            values: Vec::with_capacity(per_statement * cols.len()),
            rows: 0,
            written: 0,
        }
    }

    fn sql(&self, rows: usize, backend: Backend) -> String {
        let mut names: Vec<&str> = self.cols.to_vec();
        names.extend(self.fixed.iter().map(|f| f.0));
        let tail: String = self.fixed.iter().map(|f| format!(", {}", f.1)).collect();
        let row = db_rows::row_of(self.cols.len(), &tail);
        format!(
            "INSERT INTO {} ({}) VALUES {}",
            self.table,
            names.join(", "),
            db_rows::values(backend, rows, &row)
        )
    }

    /// Adds a row; true when the batch is full and should be flushed.
    fn push(&mut self, row: impl IntoIterator<Item = V>) -> bool {
        let before = self.values.len();
        self.values.extend(row);
        debug_assert_eq!(self.values.len() - before, self.cols.len());
        self.rows += 1;
        self.rows >= self.per_statement
    }
}

/// Where batches are written: one open transaction, committed every few hundred thousand rows,
/// with a progress line now and then.
pub struct Sink {
    db: Db,
    tx: Option<Tx<'static>>,
    since_commit: u64,
    commit_every: u64,
    /// Rows written by this sink, in all tables.
    pub total: u64,
    next_report: u64,
    started: Instant,
    quiet: bool,
}

impl Sink {
    pub async fn new(db: &Db, quiet: bool) -> anyhow::Result<Sink> {
        Self::with_commits(db, quiet, COMMIT_EVERY).await
    }

    /// A sink that never commits before [`Sink::finish`]: everything in one transaction (on
    /// one connection, so temporary tables stay visible).
    pub async fn one_transaction(db: &Db) -> anyhow::Result<Sink> {
        Self::with_commits(db, true, u64::MAX).await
    }

    async fn with_commits(db: &Db, quiet: bool, commit_every: u64) -> anyhow::Result<Sink> {
        let mut s = Sink {
            db: db.clone(),
            tx: None,
            since_commit: 0,
            commit_every,
            total: 0,
            next_report: REPORT_EVERY,
            started: Instant::now(),
            quiet,
        };
        s.begin().await?;
        Ok(s)
    }

    async fn begin(&mut self) -> anyhow::Result<()> {
        let mut tx = self.db.begin().await?;
        match self.db.backend {
            // A bigger page cache keeps the indexes of big tables in memory while they grow
            // (the default is 2 MB); it lasts as long as the connection.
            Backend::Sqlite => {
                sqlx::query("PRAGMA cache_size = -262144")
                    .execute(&mut *tx)
                    .await?;
            }
            // Nothing is acknowledged to anyone during a load: no need to wait for the WAL
            // flush at each commit.
            Backend::Postgres => {
                sqlx::query("SET LOCAL synchronous_commit = off")
                    .execute(&mut *tx)
                    .await?;
            }
        }
        self.tx = Some(tx);
        Ok(())
    }

    /// The open transaction.
    pub fn tx(&mut self) -> anyhow::Result<&mut Tx<'static>> {
        self.tx
            .as_mut()
            .ok_or_else(|| anyhow::anyhow!("the loading transaction is closed"))
    }

    /// Adds a row to `b`, writing the batch when it is full.
    pub async fn add(
        &mut self,
        b: &mut Batch,
        row: impl IntoIterator<Item = V>,
    ) -> anyhow::Result<()> {
        if b.push(row) {
            self.flush(b).await?;
        }
        Ok(())
    }

    /// Adds a row to `child` whose rows point at rows of `parents` (foreign keys): when
    /// `child` is full, the parents are written first, in order.
    pub async fn add_after(
        &mut self,
        child: &mut Batch,
        parents: &mut [&mut Batch],
        row: impl IntoIterator<Item = V>,
    ) -> anyhow::Result<()> {
        if child.push(row) {
            for p in parents.iter_mut() {
                self.flush(p).await?;
            }
            self.flush(child).await?;
        }
        Ok(())
    }

    /// Writes what `b` holds.
    pub async fn flush(&mut self, b: &mut Batch) -> anyhow::Result<()> {
        if b.rows == 0 {
            return Ok(());
        }
        let rows = b.rows;
        let values = std::mem::take(&mut b.values);
        b.values.reserve(b.per_statement * b.cols.len());
        b.rows = 0;
        let backend = self.db.backend;
        let partial;
        let sql = if rows == b.per_statement {
            if b.full_sql.as_ref().is_none_or(|(be, _)| *be != backend) {
                b.full_sql = Some((backend, b.sql(rows, backend)));
            }
            b.full_sql.as_ref().map_or("", |(_, s)| s.as_str())
        } else {
            partial = b.sql(rows, backend);
            partial.as_str()
        };
        let mut q = sqlx::query(sql);
        for v in values {
            q = match v {
                V::I(i) => q.bind(i),
                V::T(s) => q.bind(s),
                V::S(s) => q.bind(s),
                V::N => q.bind(None::<i64>),
                V::NT => q.bind(None::<String>),
            };
        }
        let tx = self.tx()?;
        q.execute(&mut **tx)
            .await
            .map_err(|e| anyhow::anyhow!("writing {} rows to {}: {e}", rows, b.table))?;
        b.written += rows as u64;
        self.total += rows as u64;
        self.since_commit += rows as u64;
        if self.since_commit >= self.commit_every {
            self.commit_and_continue().await?;
        }
        if self.total >= self.next_report {
            self.next_report += REPORT_EVERY;
            if !self.quiet {
                let secs = self.started.elapsed().as_secs_f64().max(1e-3);
                eprintln!(
                    "    … {} rows ({} rows/s)",
                    super::thousands(self.total),
                    super::thousands((self.total as f64 / secs) as u64)
                );
            }
        }
        Ok(())
    }

    async fn commit_and_continue(&mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.tx.take() {
            tx.commit().await?;
        }
        self.since_commit = 0;
        self.begin().await
    }

    /// Writes every batch and commits.
    pub async fn finish(mut self, batches: &mut [&mut Batch]) -> anyhow::Result<()> {
        for b in batches.iter_mut() {
            self.flush(b).await?;
        }
        if let Some(tx) = self.tx.take() {
            tx.commit().await?;
        }
        Ok(())
    }
}
