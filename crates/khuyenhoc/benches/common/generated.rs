//! The generated databases the benchmarks over national data share (`khuyenhoc-gen` run as a
//! library, kept for reuse), and warm timed series with their median and p90.

use khuyenhoc::config::Settings;
use khuyenhoc::db::{Backend, Db, SqliteSync};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Milliseconds of the timed runs of one series.
pub struct Series {
    pub ms: Vec<f64>,
}

impl Series {
    pub fn pct(&self, p: f64) -> f64 {
        if self.ms.is_empty() {
            return f64::NAN;
        }
        let mut l = self.ms.clone();
        l.sort_by(f64::total_cmp);
        // Nearest rank: the smallest value with at least p of the runs at or below it.
        let rank = (p * l.len() as f64).ceil() as usize;
        l[rank.clamp(1, l.len()) - 1]
    }
    pub fn median(&self) -> f64 {
        let mut l = self.ms.clone();
        l.sort_by(f64::total_cmp);
        match l.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => l[n / 2],
            n => (l[n / 2 - 1] + l[n / 2]) / 2.0,
        }
    }
}

/// One untimed run, then up to `runs` timed runs (fewer when `budget` runs out after three).
pub async fn measure<F, Fut, T>(runs: usize, budget: Duration, mut f: F) -> (Series, T)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut last = f().await;
    let started = Instant::now();
    let mut ms = vec![];
    for _ in 0..runs {
        let t = Instant::now();
        last = f().await;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        if started.elapsed() > budget && ms.len() >= 3 {
            break;
        }
    }
    (Series { ms }, last)
}

pub fn tag(scale: &str) -> String {
    scale.replace('.', "_")
}

/// Whether `gen` finished on this database (its closing audit entry).
pub async fn gen_complete(db: &Db) -> bool {
    sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'synthetic_data' AND action = 'complete'",
    )
    .fetch_one(&db.pool)
    .await
    .is_ok_and(|n| n > 0)
}

/// Runs the generator (its library, as the `khuyenhoc-gen` binary runs it, with the default
/// settings) on `url`.
async fn run_gen(url: &str, scale: &str) {
    println!("generating scale {scale} into {url} (minutes at scale 1)…");
    let t = Instant::now();
    let args = khuyenhoc_gen::GenArgs {
        scale: khuyenhoc_gen::parse_scale(scale).expect("--scale"),
        seed: 1,
        checksum: false,
    };
    let settings = Settings {
        database_url: url.to_owned(),
        ..Settings::default()
    };
    khuyenhoc_gen::run(&settings, args)
        .await
        .expect("khuyenhoc-gen failed");
    println!("generated in {:.1} s", t.elapsed().as_secs_f64());
}

pub async fn connect(url: &str) -> Option<Db> {
    Db::connect(url, 4, SqliteSync::Normal).await.ok()
}

/// The generated database for this backend and scale, made when missing or incomplete:
/// SQLite in `/work/{prefix}-s{scale}.db`, PostgreSQL in the database `{prefix}_s{scale}` (dashes
/// and dots as `_`) next to `KHUYENHOC_TEST_PG_URL`.
pub async fn gen_db(backend: Backend, prefix: &str, scale: &str) -> (Db, String) {
    match backend {
        Backend::Sqlite => {
            let file = PathBuf::from(format!("/work/{prefix}-s{scale}.db"));
            let url = format!("sqlite://{}", file.display());
            if file.exists() {
                if let Some(db) = connect(&url).await {
                    if gen_complete(&db).await {
                        return (db, url);
                    }
                    db.pool.close().await;
                }
                println!("{} is incomplete: making it again", file.display());
                for ext in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{ext}", file.display()));
                }
            }
            run_gen(&url, scale).await;
            let db = connect(&url).await.expect("open the generated SQLite file");
            (db, url)
        }
        Backend::Postgres => {
            let admin_url = std::env::var("KHUYENHOC_TEST_PG_URL")
                .expect("KHUYENHOC_TEST_PG_URL (bash scripts/test-services.sh | tail -1)");
            let name = format!("{}_s{}", prefix.replace('-', "_"), tag(scale));
            let base = admin_url
                .rsplit_once('/')
                .map_or(admin_url.as_str(), |(b, _)| b)
                .to_owned();
            let url = format!("{base}/{name}");
            let admin = Db::connect(&admin_url, 1, SqliteSync::Normal)
                .await
                .expect("admin connection");
            let exists: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM pg_database WHERE datname = $1")
                    .bind(&name)
                    .fetch_one(&admin.pool)
                    .await
                    .expect("list databases");
            if exists > 0 {
                if let Some(db) = connect(&url).await {
                    if gen_complete(&db).await {
                        admin.pool.close().await;
                        return (db, url);
                    }
                    db.pool.close().await;
                }
                println!("database {name} is incomplete: making it again");
                sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
                    .execute(&admin.pool)
                    .await
                    .expect("drop the incomplete database");
            }
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&admin.pool)
                .await
                .expect("create the database");
            admin.pool.close().await;
            run_gen(&url, scale).await;
            let db = connect(&url).await.expect("open the generated database");
            (db, url)
        }
    }
}

/// `--scale` among the flags, from 0.0001 to 10, else `default`.
pub fn scale(found: &HashMap<String, String>, default: &str) -> String {
    match found.get("--scale") {
        Some(next) if next.parse::<f64>().is_ok_and(|s| s > 0.0 && s <= 10.0) => next.clone(),
        Some(next) => {
            eprintln!("--scale {next}: not a scale from 0.0001 to 10, keeping {default}");
            default.to_owned()
        }
        None => default.to_owned(),
    }
}
