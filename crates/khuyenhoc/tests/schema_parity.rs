//! The two backends' migrated schemas agree: tables, columns, nullability and indexes.

mod common;

use khuyenhoc::db::{Backend, Db};
use sqlx::Row;
use std::collections::BTreeMap;

type Schema = BTreeMap<String, (Vec<(String, bool)>, Vec<(String, bool, Vec<String>)>)>;

async fn sqlite_schema(db: &Db) -> Schema {
    let mut out = Schema::new();
    let tables: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' ORDER BY name")
        .fetch_all(&db.pool)
        .await
        .expect("tables");
    for t in tables {
        let mut cols = vec![];
        for r in sqlx::query(&format!(
            "SELECT name, \"notnull\", pk FROM pragma_table_info('{t}') ORDER BY cid"
        ))
        .fetch_all(&db.pool)
        .await
        .expect("columns")
        {
            let pk: i64 = r.get(2);
            let nn: i64 = r.get(1);
            cols.push((r.get::<String, _>(0), nn != 0 || pk != 0));
        }
        let mut idx = vec![];
        for r in sqlx::query(&format!("SELECT name, \"unique\" FROM pragma_index_list('{t}') WHERE origin = 'c' ORDER BY name")).fetch_all(&db.pool).await.expect("indexes") {
            let name: String = r.get(0);
            let unique: i64 = r.get(1);
            let cols: Vec<String> = sqlx::query_scalar(&format!("SELECT name FROM pragma_index_info('{name}') ORDER BY seqno")).fetch_all(&db.pool).await.expect("index columns");
            idx.push((name, unique != 0, cols));
        }
        cols.sort();
        out.insert(t, (cols, idx));
    }
    out
}

async fn postgres_schema(db: &Db) -> Schema {
    let mut out = Schema::new();
    let tables: Vec<String> = sqlx::query_scalar("SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%' ORDER BY 1")
        .fetch_all(&db.pool)
        .await
        .expect("tables");
    for t in tables {
        let mut cols = vec![];
        for r in sqlx::query("SELECT column_name::text, is_nullable::text FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1").bind(&t).fetch_all(&db.pool).await.expect("columns") {
            cols.push((r.get::<String, _>(0), r.get::<String, _>(1) == "NO"));
        }
        let mut idx = vec![];
        let rows = sqlx::query(
            "SELECT i.relname::text, CASE WHEN ix.indisunique THEN 1 ELSE 0 END::bigint, array_to_string(ARRAY(SELECT a.attname::text FROM unnest(ix.indkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.n ORDER BY k.o), ',') \
             FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class tb ON tb.oid = ix.indrelid \
             WHERE tb.relname = $1 AND NOT ix.indisprimary ORDER BY 1",
        )
        .bind(&t)
        .fetch_all(&db.pool)
        .await
        .expect("indexes");
        for r in rows {
            let unique: i64 = r.get(1);
            let cols: String = r.get(2);
            idx.push((
                r.get::<String, _>(0),
                unique != 0,
                cols.split(',').map(str::to_owned).collect(),
            ));
        }
        cols.sort();
        out.insert(t, (cols, idx));
    }
    out
}

#[tokio::test]
async fn migrated_schemas_match() {
    let (sqlite_url, _dir) = common::fresh_database(Backend::Sqlite).await;
    let (pg_url, _) = common::fresh_database(Backend::Postgres).await;
    let sqlite = Db::connect(&sqlite_url, 1, Default::default())
        .await
        .expect("sqlite");
    let pg = Db::connect(&pg_url, 1, Default::default())
        .await
        .expect("postgres");
    assert_eq!(
        sqlite.migrate().await.expect("migrate sqlite"),
        pg.migrate().await.expect("migrate postgres")
    );
    let a = sqlite_schema(&sqlite).await;
    let b = postgres_schema(&pg).await;
    assert!(
        a.len() >= 10,
        "expected the foundation tables, got {:?}",
        a.keys()
    );
    assert!(
        a.values().any(|(_, idx)| !idx.is_empty()),
        "indexes were read"
    );
    for (table, (cols, idx)) in &a {
        let (pcols, pidx) = b
            .get(table)
            .unwrap_or_else(|| panic!("table {table} missing on PostgreSQL"));
        assert_eq!(cols, pcols, "columns of {table}");
        assert_eq!(idx, pidx, "indexes of {table}");
    }
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "same tables"
    );
}
