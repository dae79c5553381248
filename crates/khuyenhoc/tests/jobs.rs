//! The durable job queue (`jobs/`): a job enqueued survives a restart, a failing job retries
//! with back-off and then stays dead, an expired lease is taken again, and two servers on one
//! database run each job exactly once.

mod common;
use common::*;
use khuyenhoc::db::Backend;
use khuyenhoc::jobs::{self, Outcome, Registry, WorkerConfig, Workers};
use khuyenhoc::state::AppState;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Runs = Arc<Mutex<HashMap<i64, u32>>>;

/// A registry with one kind, `test.count`, that counts its runs per job id.
fn counting(runs: &Runs) -> Registry {
    let runs = runs.clone();
    let mut reg = Registry::default();
    reg.handle("test.count", move |job: jobs::Job| {
        let runs = runs.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(5)).await;
            *runs
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(job.id)
                .or_default() += 1;
            Ok(())
        }
    });
    reg
}

async fn enqueue_n(state: &AppState, kind: &str, n: usize) -> Vec<i64> {
    let mut tx = state.db.begin().await.expect("begin");
    let mut ids = vec![];
    for i in 0..n {
        let payload = format!("{{\"n\": {i}}}");
        ids.push(
            jobs::enqueue(&mut tx, kind, &payload, khuyenhoc::db::now())
                .await
                .expect("enqueue"),
        );
    }
    tx.commit().await.expect("commit");
    ids
}

async fn undone(state: &AppState) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE done_at IS NULL AND dead_at IS NULL")
        .fetch_one(&state.db.pool)
        .await
        .expect("count")
}

/// Waits (at most 30 s) until no job is left to do.
async fn drain(state: &AppState) {
    for _ in 0..1500 {
        if undone(state).await == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("jobs still waiting after 30 s: {}", undone(state).await);
}

both_backends!(
    a_job_survives_a_restart_and_an_expired_lease,
    |b: Backend| async move {
        let app = TestApp::empty(b).await;
        // Enqueued by a server that then stops before any worker ran it…
        let first = app.second_state().await;
        let ids = enqueue_n(&first, "test.count", 2).await;
        // …and one a crashed server had leased: its lease ran out a second ago.
        sqlx::query(
            "UPDATE jobs SET lease_owner = 'crashed', lease_until = $1, attempts = 1 WHERE id = $2",
        )
        .bind(khuyenhoc::db::now() - 1)
        .bind(ids[1])
        .execute(&first.db.pool)
        .await
        .expect("lease");
        first.db.pool.close().await;
        drop(first);
        // A new server on the same database runs both, once each.
        let restarted = app.second_state().await;
        let runs = Runs::default();
        let workers = Workers::start(restarted.clone(), counting(&runs), fast_workers());
        drain(&restarted).await;
        workers.stop().await;
        let runs = runs.lock().expect("runs").clone();
        assert_eq!(runs.get(&ids[0]), Some(&1));
        assert_eq!(runs.get(&ids[1]), Some(&1));
        let attempts: i64 = sqlx::query_scalar("SELECT attempts FROM jobs WHERE id = $1")
            .bind(ids[1])
            .fetch_one(&restarted.db.pool)
            .await
            .expect("attempts");
        assert_eq!(attempts, 2, "the crashed attempt and the one that ran");
    }
);

both_backends!(
    a_failing_job_backs_off_then_stays_dead,
    |b: Backend| async move {
        let app = TestApp::empty(b).await;
        let mut reg = Registry::default();
        reg.handle("test.fail", |_job: jobs::Job| async {
            Err("the gateway is down".to_owned())
        });
        let config = WorkerConfig {
            retry_base_seconds: 10,
            ..fast_workers()
        };
        let mut tx = app.db.begin().await.expect("begin");
        let id = jobs::enqueue_with(&mut tx, "test.fail", "{}", khuyenhoc::db::now(), 3)
            .await
            .expect("enqueue");
        tx.commit().await.expect("commit");
        let mut waits = vec![];
        for attempt in 1..=3 {
            let before = khuyenhoc::db::now();
            let out = jobs::run_one(&app.state, &reg, &config, "w1")
                .await
                .expect("step");
            match out {
                Some(Outcome::Retry(j, at)) => {
                    assert_eq!(j, id);
                    assert!(attempt < 3, "attempt {attempt} should have been the last");
                    waits.push(at - before);
                    // Not due yet: nothing runs.
                    assert_eq!(
                        jobs::run_one(&app.state, &reg, &config, "w1")
                            .await
                            .expect("step"),
                        None
                    );
                    // Move the clock: the retry is due now.
                    sqlx::query("UPDATE jobs SET run_after = $1 WHERE id = $2")
                        .bind(khuyenhoc::db::now() - 1)
                        .bind(id)
                        .execute(&app.db.pool)
                        .await
                        .expect("due");
                }
                Some(Outcome::Dead(j)) => {
                    assert_eq!(j, id);
                    assert_eq!(attempt, 3);
                }
                other => panic!("attempt {attempt}: {other:?}"),
            }
        }
        // Back-off doubles: 10 s, then 20 s (a second of slack for the clock ticking).
        assert_eq!(waits.len(), 2);
        assert!((10..=11).contains(&waits[0]), "{waits:?}");
        assert!((20..=21).contains(&waits[1]), "{waits:?}");
        // Dead: kept, with its error, never run again.
        let (attempts, dead, error): (i64, Option<i64>, Option<String>) =
            sqlx::query_as("SELECT attempts, dead_at, last_error FROM jobs WHERE id = $1")
                .bind(id)
                .fetch_one(&app.db.pool)
                .await
                .expect("job");
        assert_eq!(attempts, 3);
        assert!(dead.is_some());
        assert_eq!(error.as_deref(), Some("the gateway is down"));
        sqlx::query("UPDATE jobs SET run_after = 0 WHERE id = $1")
            .bind(id)
            .execute(&app.db.pool)
            .await
            .expect("due");
        assert_eq!(
            jobs::run_one(&app.state, &reg, &config, "w1")
                .await
                .expect("step"),
            None
        );
    }
);

both_backends!(
    two_servers_run_each_job_exactly_once,
    |b: Backend| async move {
        let app = TestApp::empty(b).await;
        let one = app.second_state().await;
        let two = app.second_state().await;
        let ids = enqueue_n(&one, "test.count", 60).await;
        let runs = Runs::default();
        let a = Workers::start(one.clone(), counting(&runs), fast_workers());
        let b2 = Workers::start(two.clone(), counting(&runs), fast_workers());
        drain(&one).await;
        a.stop().await;
        b2.stop().await;
        let runs = runs.lock().expect("runs").clone();
        assert_eq!(runs.len(), ids.len(), "every job ran");
        for id in &ids {
            assert_eq!(
                runs.get(id),
                Some(&1),
                "job {id} ran {:?} times",
                runs.get(id)
            );
        }
        let owners: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE done_at IS NOT NULL")
            .fetch_one(&one.db.pool)
            .await
            .expect("done");
        assert_eq!(owners, 60);
    }
);

both_backends!(a_keyed_job_exists_once, |b: Backend| async move {
    let app = TestApp::empty(b).await;
    for _ in 0..3 {
        let mut tx = app.db.begin().await.expect("begin");
        jobs::enqueue_once(&mut tx, "digest:2026-12-07", "notify.digest", "{}", 0)
            .await
            .expect("enqueue once");
        tx.commit().await.expect("commit");
    }
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE unique_key = 'digest:2026-12-07'")
            .fetch_one(&app.db.pool)
            .await
            .expect("count");
    assert_eq!(n, 1);
    // The workers' tick enqueues today's digest once, however many servers tick.
    let w1 = app.start_workers();
    let other = app.second_state().await;
    let w2 = Workers::start(other, khuyenhoc::background::registry(), fast_workers());
    tokio::time::sleep(Duration::from_millis(300)).await;
    w1.stop().await;
    w2.stop().await;
    let (key, _, _) = khuyenhoc::notify::digest::when(khuyenhoc::db::now());
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE unique_key = $1")
        .bind(&key)
        .fetch_one(&app.db.pool)
        .await
        .expect("count");
    assert_eq!(n, 1, "{key}");
});
