//! Live counters under concurrent writers, on both backends: forty transactions add to the same
//! branch at once; the branch's own row stays one row (shard 0) while its ancestors' rows are
//! spread over shards on PostgreSQL (one shard on SQLite), every reader sums the shards, and
//! the reconciliation sees exactly the forty added (it sums shards too).

mod common;
use common::*;
use khuyenhoc::db::Backend;
use khuyenhoc::reports::counters;

const METRIC: &str = "eval.pending.citizen";
const WRITERS: i64 = 40;

async fn scalar(app: &TestApp, sql: &str, unit: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(unit)
        .bind(METRIC)
        .fetch_one(&app.db.pool)
        .await
        .expect(sql)
}

both_backends!(
    concurrent_writers_spread_over_shards,
    |b: Backend| async move {
        let app = TestApp::new(b).await;
        let branch: i64 =
            sqlx::query_scalar("SELECT id FROM units WHERE level = 'branch' ORDER BY id LIMIT 1")
                .fetch_one(&app.db.pool)
                .await
                .expect("a demo branch");
        let centre: i64 = sqlx::query_scalar("SELECT id FROM units WHERE code = 'VN'")
            .fetch_one(&app.db.pool)
            .await
            .expect("the centre");
        let period = vec!["2026".to_owned()];
        let before = counters::read(&app.db, centre, &period)
            .await
            .expect("read")
            .get(METRIC)
            .copied()
            .unwrap_or(0);
        assert!(counters::recount(&app.db, false)
            .await
            .expect("recount")
            .is_empty());

        let mut tasks = vec![];
        for _ in 0..WRITERS {
            let db = app.db.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = db.begin().await.expect("begin");
                counters::add(&mut tx, branch, "2026", &[(METRIC.to_owned(), 1)])
                    .await
                    .expect("add");
                tx.commit().await.expect("commit");
            }));
        }
        for t in tasks {
            t.await.expect("a writer");
        }

        let after = counters::read(&app.db, centre, &period)
            .await
            .expect("read");
        assert_eq!(after.get(METRIC).copied().unwrap_or(0), before + WRITERS);
        let branch_rows = scalar(
            &app,
            "SELECT COUNT(*) FROM counters WHERE unit_id = $1 AND period = '2026' AND metric = $2",
            branch,
        )
        .await;
        assert_eq!(branch_rows, 1, "the branch's own counter is one row");
        let shards = scalar(&app, "SELECT COUNT(DISTINCT shard) FROM counters WHERE unit_id = $1 AND period = '2026' AND metric = $2", centre).await;
        match b {
            Backend::Sqlite => assert_eq!(shards, 1, "SQLite writes shard 0 only"),
            Backend::Postgres => {
                assert!(shards > 1, "the centre's row spread over shards: {shards}")
            }
        }

        // The raw rows do not know of these additions: the reconciliation finds them at the branch
        // and each ancestor, with the stored value summed over every shard.
        let diffs = counters::recount(&app.db, false).await.expect("recount");
        assert_eq!(
            diffs.len(),
            4,
            "branch, commune, province, centre: {diffs:?}"
        );
        for d in &diffs {
            assert_eq!(
                (d.metric.as_str(), d.stored - d.expected),
                (METRIC, WRITERS),
                "{d:?}"
            );
        }
        let fixed = counters::recount(&app.db, true).await.expect("fix");
        assert_eq!(fixed.len(), 4);
        assert!(counters::recount(&app.db, false)
            .await
            .expect("recount")
            .is_empty());
    }
);
