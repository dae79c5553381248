//! The database seam: one pool over SQLite or PostgreSQL (sqlx `Any`), chosen by the URL
//! scheme, with the migrations of both backends embedded in the binary.
//!
//! Invariants: every query is written once, in the SQL both backends share (`$1` placeholders,
//! integers for booleans and times, `CAST(... AS BIGINT)` around sums); the two migration folders
//! define the same tables, columns, nullability and indexes (`tests/schema_parity.rs`).

mod migrations;
pub mod rows;
pub use migrations::latest_version;

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Executor};
use std::ops::{Deref, DerefMut};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use sqlx::Any;

/// A transaction from [`Db::begin`]. It derefs to the connection, as sqlx's own does, so
/// `&mut *tx` (or `&mut **tx` through a `&mut Tx`) is an executor; on SQLite it also holds the
/// writer's turn until it ends.
pub struct Tx<'a> {
    inner: sqlx::Transaction<'a, Any>,
    backend: Backend,
    _turn: Option<OwnedSemaphorePermit>,
}

impl Tx<'_> {
    /// The backend this transaction runs on, for the few statements that differ (row locks,
    /// counter shards, [`rows`]).
    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.inner.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.inner.rollback().await
    }
}

impl Deref for Tx<'_> {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.inner
    }
}

impl DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.inner
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// SQLite's writers wait here, in arrival order, for their turn (one at a time); PostgreSQL
    /// has none. See [`Db::begin`].
    writer: Option<Arc<Semaphore>>,
}

/// How long a transaction waits for its turn to write before it gives up as busy, the same as
/// SQLite's own `busy_timeout`.
const WRITER_WAIT: Duration = Duration::from_secs(10);

/// How SQLite syncs its write-ahead log. `normal` keeps every acknowledged write across a crash
/// of the process (the WAL is in the OS cache); `full` also across a power cut, at a third of the
/// write rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSync {
    #[default]
    Normal,
    Full,
}

pub fn backend_of(url: &str) -> anyhow::Result<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Backend::Postgres)
    } else {
        anyhow::bail!(
            "database URL must start with sqlite:// or postgres:// (got {:?})",
            url.split(':').next().unwrap_or("")
        )
    }
}

/// SQLite files are created when missing, unless the URL says otherwise.
fn with_create_mode(url: &str) -> String {
    if url.starts_with("sqlite:") && !url.contains("mode=") && !url.contains(":memory:") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}mode=rwc")
    } else {
        url.to_owned()
    }
}

impl Db {
    pub async fn connect(url: &str, max_connections: u32, sync: SqliteSync) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = backend_of(url)?;
        let options = AnyConnectOptions::from_str(&with_create_mode(url))
            .with_context(|| "invalid database URL".to_string())?;
        let sync_pragma = match sync {
            SqliteSync::Normal => "PRAGMA synchronous = NORMAL",
            SqliteSync::Full => "PRAGMA synchronous = FULL",
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute(sync_pragma).await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .with_context(|| format!("cannot open the {backend:?} database"))?;
        let writer = (backend == Backend::Sqlite).then(|| Arc::new(Semaphore::new(1)));
        Ok(Db {
            pool,
            backend,
            writer,
        })
    }

    /// Applies every embedded migration not yet applied. Returns the newest version.
    pub async fn migrate(&self) -> anyhow::Result<i64> {
        let migrator = migrations::migrator(self.backend).await?;
        if self.backend == Backend::Sqlite {
            // A table rebuilt the SQLite way (migration 18: `units`, which ~25 tables
            // reference) needs foreign keys off outside the migration's transaction; they are
            // checked as a whole afterwards, then switched back on for this connection.
            let mut conn = self.pool.acquire().await?;
            conn.execute("PRAGMA foreign_keys = OFF").await?;
            let ran = migrator.run(&mut *conn).await.context("migration failed");
            let broken = sqlx::query("PRAGMA foreign_key_check")
                .fetch_all(&mut *conn)
                .await
                .map(|r| r.len());
            conn.execute("PRAGMA foreign_keys = ON").await?;
            ran?;
            anyhow::ensure!(
                broken? == 0,
                "migration failed: foreign keys broken after the migrations"
            );
        } else {
            migrator.run(&self.pool).await.context("migration failed")?;
        }
        Ok(migrations::latest_version())
    }

    /// Begins a transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`,
    /// waiting up to `busy_timeout` for it): a deferred transaction that reads and then writes
    /// fails with SQLITE_BUSY_SNAPSHOT ("database is locked", code 517) whenever another writer
    /// committed in between, and no timeout helps it (`tests/counters.rs`).
    ///
    /// SQLite has one writer at a time. Its busy handler makes the others sleep and retry (1 to
    /// 100 ms a try), so under load the lock sat free between holders while 64 writers slept.
    /// Writers now queue in the process instead, each woken the moment the previous one ends:
    /// the turn is taken before a connection, so a queued writer holds none. A turn not had in
    /// [`WRITER_WAIT`] is a pool timeout (answered 503, busy). Writes outside a transaction still
    /// meet SQLite's busy handler.
    pub async fn begin(&self) -> Result<Tx<'static>, sqlx::Error> {
        let turn = match &self.writer {
            Some(w) => Some(
                tokio::time::timeout(WRITER_WAIT, w.clone().acquire_owned())
                    .await
                    .map_err(|_| sqlx::Error::PoolTimedOut)?
                    .map_err(|_| sqlx::Error::PoolClosed)?,
            ),
            None => None,
        };
        let inner = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(Tx {
            inner,
            backend: self.backend,
            _turn: turn,
        })
    }

    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }
}

/// Seconds since the Unix epoch: how every `*_at` column stores time.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Today's date in Vietnam (Asia/Ho_Chi_Minh) as `YYYY-MM-DD`, how every date column stores
/// dates: from 17:00 UTC it is already the next day there. Pages that tests move in time read
/// `AppState.clock` instead.
pub fn today() -> String {
    crate::i18n::vn_date(chrono::Utc::now())
        .format("%Y-%m-%d")
        .to_string()
}

/// This year in Vietnam (the default year of a registration, a list, a report).
pub fn this_year() -> i64 {
    i64::from(chrono::Datelike::year(&crate::i18n::vn_date(
        chrono::Utc::now(),
    )))
}

/// Whether an error is the violation of a unique index with the given name. PostgreSQL names
/// the constraint; SQLite names the table and columns (`UNIQUE constraint failed: t.a, t.b`),
/// which identify the index by its name's prefix (`{table}_…`, or `{table}_{column}` when the
/// table has several single-column unique indexes).
pub fn is_unique_violation(err: &sqlx::Error, index: &str) -> bool {
    let sqlx::Error::Database(e) = err else {
        return false;
    };
    if e.constraint() == Some(index) {
        return true;
    }
    let msg = e.message();
    let Some(cols) = msg.strip_prefix("UNIQUE constraint failed: ") else {
        return e.is_unique_violation() && msg.contains(index);
    };
    let columns: Vec<&str> = cols.split(", ").collect();
    let Some((table, first)) = columns.first().and_then(|c| c.split_once('.')) else {
        return false;
    };
    if columns.len() == 1 {
        index == format!("{table}_{first}")
    } else {
        index.starts_with(&format!("{table}_"))
    }
}
