//! Workers: lease a due job, run its handler, record the outcome; the periodic ticks; a clean
//! stop on shutdown.

use super::{Job, Registry};
use crate::db::{now, Backend};
use crate::error::AppError;
use crate::state::AppState;
use sqlx::Row;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How the workers of one server behave (`jobs_*` settings).
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Workers in this process.
    pub workers: usize,
    /// How long an idle worker waits before it looks for a due job again.
    pub poll: Duration,
    /// How long a leased job belongs to its worker; after that (a crashed server) it is due again.
    pub lease_seconds: i64,
    /// The first retry waits this long, each further one twice the previous, at most an hour.
    pub retry_base_seconds: i64,
}

impl WorkerConfig {
    pub fn from_settings(s: &crate::config::Settings) -> Self {
        Self {
            workers: s.jobs_workers,
            poll: Duration::from_millis(s.jobs_poll_millis),
            lease_seconds: s.jobs_lease_seconds,
            retry_base_seconds: s.jobs_retry_base_seconds,
        }
    }
}

/// The wait before retry number `attempt` (1 after the first failure): base × 2^(attempt-1),
/// capped at one hour.
pub fn backoff(base: i64, attempt: i64) -> i64 {
    let shift = attempt.clamp(1, 20) - 1;
    base.max(0).saturating_mul(1_i64 << shift).min(3600)
}

/// What one step of a worker did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The job ran and is done.
    Done(i64),
    /// The job failed and will be tried again at the given time.
    Retry(i64, i64),
    /// The job failed its last attempt (or has no handler) and is kept as dead.
    Dead(i64),
}

struct Leased {
    id: i64,
    kind: String,
    payload: String,
    attempt: i64,
    max_attempts: i64,
}

const DUE: &str = "done_at IS NULL AND dead_at IS NULL AND run_after <= $1 \
                   AND (lease_until IS NULL OR lease_until < $1)";

/// Leases one due job for `owner`, or none.
async fn lease(
    state: &AppState,
    owner: &str,
    lease_seconds: i64,
) -> Result<Option<Leased>, AppError> {
    let t = now();
    let db = &state.db;
    let candidate: Option<i64> = if db.backend == Backend::Sqlite {
        // A plain read first, so an idle worker never takes SQLite's write lock.
        let sql = format!("SELECT id FROM jobs WHERE {DUE} ORDER BY run_after, id LIMIT 1");
        let found: Option<i64> = sqlx::query_scalar(&sql)
            .bind(t)
            .fetch_optional(&db.pool)
            .await?;
        if found.is_none() {
            return Ok(None);
        }
        found
    } else {
        None
    };
    let mut tx = db.begin().await?;
    let id = match tx.backend() {
        Backend::Postgres => {
            let sql = format!(
                "SELECT id FROM jobs WHERE {DUE} ORDER BY run_after, id LIMIT 1 FOR UPDATE SKIP LOCKED"
            );
            sqlx::query_scalar(&sql)
                .bind(t)
                .fetch_optional(&mut *tx)
                .await?
        }
        Backend::Sqlite => candidate,
    };
    let Some(id) = id else {
        tx.rollback().await?;
        return Ok(None);
    };
    // The condition again: on SQLite another server may have leased it since the read.
    let sql = format!(
        "UPDATE jobs SET lease_owner = $2, lease_until = $3, attempts = attempts + 1 \
         WHERE id = $4 AND {DUE} RETURNING kind, payload, attempts, max_attempts"
    );
    let row = sqlx::query(&sql)
        .bind(t)
        .bind(owner)
        .bind(t + lease_seconds)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    tx.commit().await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(Leased {
        id,
        kind: row.try_get(0)?,
        payload: row.try_get(1)?,
        attempt: row.try_get(2)?,
        max_attempts: row.try_get(3)?,
    }))
}

/// Leases one due job, runs it and records the outcome; `None` when no job is due.
pub async fn run_one(
    state: &AppState,
    registry: &Registry,
    config: &WorkerConfig,
    owner: &str,
) -> Result<Option<Outcome>, AppError> {
    let Some(job) = lease(state, owner, config.lease_seconds).await? else {
        return Ok(None);
    };
    let result = match registry.handler(&job.kind) {
        Some(h) => {
            let run = h(Job {
                state: state.clone(),
                id: job.id,
                payload: job.payload.clone(),
                attempt: job.attempt,
            });
            // A panicking handler is a failed attempt, not a dead worker.
            match tokio::spawn(run).await {
                Ok(r) => r,
                Err(e) => Err(format!("handler panicked: {e}")),
            }
        }
        None => Err(format!("no handler for the kind {:?}", job.kind)),
    };
    let no_handler = registry.handler(&job.kind).is_none();
    let t = now();
    let outcome = match result {
        Ok(()) => {
            sqlx::query("UPDATE jobs SET done_at = $1, lease_owner = NULL, lease_until = NULL WHERE id = $2 AND lease_owner = $3")
                .bind(t).bind(job.id).bind(owner).execute(&state.db.pool).await?;
            Outcome::Done(job.id)
        }
        Err(e) if no_handler || job.attempt >= job.max_attempts => {
            tracing::warn!(job = job.id, kind = %job.kind, error = %e, "job failed its last attempt");
            sqlx::query("UPDATE jobs SET dead_at = $1, last_error = $2, lease_owner = NULL, lease_until = NULL WHERE id = $3 AND lease_owner = $4")
                .bind(t).bind(clip(&e)).bind(job.id).bind(owner).execute(&state.db.pool).await?;
            Outcome::Dead(job.id)
        }
        Err(e) => {
            let at = t + backoff(config.retry_base_seconds, job.attempt);
            tracing::info!(job = job.id, kind = %job.kind, error = %e, "job failed, will retry");
            sqlx::query("UPDATE jobs SET run_after = $1, last_error = $2, lease_owner = NULL, lease_until = NULL WHERE id = $3 AND lease_owner = $4")
                .bind(at).bind(clip(&e)).bind(job.id).bind(owner).execute(&state.db.pool).await?;
            Outcome::Retry(job.id, at)
        }
    };
    Ok(Some(outcome))
}

fn clip(e: &str) -> String {
    e.chars().take(2000).collect()
}

/// Enqueues the periodic jobs that are not there yet.
async fn tick(state: &AppState, registry: &Registry) -> Result<(), AppError> {
    if registry.ticks().is_empty() {
        return Ok(());
    }
    let t = now();
    let wanted: Vec<_> = registry
        .ticks()
        .iter()
        .map(|(kind, f)| (kind, f(t)))
        .collect();
    // A read first: the job of the day usually exists, and then no write lock is taken.
    let mut missing = vec![];
    for (kind, (key, payload, at)) in wanted {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE unique_key = $1")
            .bind(&key)
            .fetch_one(&state.db.pool)
            .await?;
        if n == 0 {
            missing.push((kind, key, payload, at));
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let mut tx = state.db.begin().await?;
    for (kind, key, payload, at) in missing {
        super::enqueue_once(&mut tx, &key, kind, &payload, at).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The workers of one server; [`Workers::stop`] (or dropping them) ends them after the job each
/// is running.
pub struct Workers {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Workers {
    pub fn start(state: AppState, registry: Registry, config: WorkerConfig) -> Workers {
        let (stop, rx) = watch::channel(false);
        let server = crate::auth::random_secret();
        let tasks = (0..config.workers.max(1))
            .map(|n| {
                let owner = format!("{}-{n}", &server[..12.min(server.len())]);
                tokio::spawn(work(
                    state.clone(),
                    registry.clone(),
                    config.clone(),
                    owner,
                    n,
                    rx.clone(),
                ))
            })
            .collect();
        Workers { stop, tasks }
    }

    /// Asks every worker to stop and waits until they have.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        for t in std::mem::take(&mut self.tasks) {
            let _ = t.await;
        }
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn work(
    state: AppState,
    registry: Registry,
    config: WorkerConfig,
    owner: String,
    n: usize,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        if *stop.borrow() {
            return;
        }
        if n == 0 {
            if let Err(e) = tick(&state, &registry).await {
                tracing::warn!(error = %e, "periodic jobs not enqueued");
            }
        }
        let busy = match run_one(&state, &registry, &config, &owner).await {
            Ok(Some(_)) => true,
            Ok(None) => false,
            Err(e) => {
                tracing::warn!(error = %e, "job worker step failed");
                false
            }
        };
        if busy {
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(config.poll) => {}
            _ = stop.changed() => return,
        }
    }
}
