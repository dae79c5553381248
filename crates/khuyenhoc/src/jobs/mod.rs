//! The one durable job queue, in the database (table `jobs`, migration 0008).
//!
//! A capability enqueues in the transaction of its change ([`enqueue`], or [`enqueue_once`] for
//! work that must exist once, such as a day's digest), so the job exists exactly when the change
//! does. Workers in the server process ([`worker::Workers`], started by `serve` and `demo`
//! through `crate::background`) lease a due job, run the handler its kind names in the
//! [`Registry`], then mark it done, or retry it later with exponential back-off, or keep it as
//! dead after its last attempt. A lease that runs out (a server that crashed mid-job) makes the
//! job due again; two servers on one database never run a job twice at once: PostgreSQL leases
//! with `FOR UPDATE SKIP LOCKED`, SQLite with a conditional update under its single writer.

pub mod worker;

use crate::db::Tx;
use crate::error::AppError;
use futures_util::future::BoxFuture;
use std::collections::HashMap;
use std::sync::Arc;

pub use worker::{run_one, Outcome, WorkerConfig, Workers};

/// Attempts a job gets unless its enqueuer says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: i64 = 8;

/// Adds a job to the queue inside the caller's transaction; it runs at or after `run_after`
/// (Unix seconds). Returns its id.
pub async fn enqueue(
    tx: &mut Tx<'_>,
    kind: &str,
    payload: &str,
    run_after: i64,
) -> Result<i64, AppError> {
    enqueue_with(tx, kind, payload, run_after, DEFAULT_MAX_ATTEMPTS).await
}

/// [`enqueue`] with its own number of attempts (at least one).
pub async fn enqueue_with(
    tx: &mut Tx<'_>,
    kind: &str,
    payload: &str,
    run_after: i64,
    max_attempts: i64,
) -> Result<i64, AppError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO jobs (kind, payload, run_after, max_attempts, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(kind)
    .bind(payload)
    .bind(run_after)
    .bind(max_attempts.max(1))
    .bind(crate::db::now())
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

/// Adds a job keyed by `key` unless one with that key exists already (done or not): the
/// periodic ticks use it, so each day's digest exists once however many servers tick.
/// Returns whether this call added it.
pub async fn enqueue_once(
    tx: &mut Tx<'_>,
    key: &str,
    kind: &str,
    payload: &str,
    run_after: i64,
) -> Result<bool, AppError> {
    let added = sqlx::query(
        "INSERT INTO jobs (kind, payload, unique_key, run_after, max_attempts, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (unique_key) DO NOTHING",
    )
    .bind(kind)
    .bind(payload)
    .bind(key)
    .bind(run_after)
    .bind(DEFAULT_MAX_ATTEMPTS)
    .bind(crate::db::now())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(added == 1)
}

/// What a handler is given: the application state (database, settings), the job's id, payload
/// and which attempt this is (1 for the first).
#[derive(Clone)]
pub struct Job {
    pub state: crate::state::AppState,
    pub id: i64,
    pub payload: String,
    pub attempt: i64,
}

/// A handler's answer: `Err` with a message (kept in `last_error`) makes the job retry.
pub type Handler = Arc<dyn Fn(Job) -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// A periodic tick: given the time now, the key, payload and time of the job it wants to exist
/// (enqueued with [`enqueue_once`] at every poll).
pub type Tick = Arc<dyn Fn(i64) -> (String, String, i64) + Send + Sync>;

/// The handlers of every kind, and the periodic ticks, assembled in `crate::background`.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<String, Handler>,
    ticks: Vec<(String, Tick)>,
}

impl Registry {
    /// Registers the handler of `kind`.
    pub fn handle<F, Fut>(&mut self, kind: &str, f: F) -> &mut Self
    where
        F: Fn(Job) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<(), String>> + Send + 'static,
    {
        let f = Arc::new(f);
        self.handlers.insert(
            kind.to_owned(),
            Arc::new(move |job| {
                let f = f.clone();
                Box::pin(async move { f(job).await })
            }),
        );
        self
    }

    /// Registers a periodic job of `kind`: `when(now)` gives its key, payload and time.
    pub fn every<F>(&mut self, kind: &str, when: F) -> &mut Self
    where
        F: Fn(i64) -> (String, String, i64) + Send + Sync + 'static,
    {
        self.ticks.push((kind.to_owned(), Arc::new(when)));
        self
    }

    pub fn handler(&self, kind: &str) -> Option<&Handler> {
        self.handlers.get(kind)
    }

    pub fn ticks(&self) -> &[(String, Tick)] {
        &self.ticks
    }
}
