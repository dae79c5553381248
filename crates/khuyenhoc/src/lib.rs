//! khuyenhoc: the platform of the study-promotion association. See ARCHITECTURE.md for the map
//! of this crate; `main.rs` is only the command line.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod background;
pub mod cli;
pub mod config;
pub mod cooperation;
pub mod credentials;
pub mod db;
pub mod demo;
pub mod documents;
pub mod error;
pub mod evaluation;
pub mod files;
pub mod funds;
pub mod home;
pub mod i18n;
pub mod jobs;
pub mod join;
pub mod meetings;
pub mod members;
pub mod mydata;
pub mod notify;
pub mod ops;
pub mod org;
pub mod positions;
pub mod record;
pub mod reports;
pub mod sheets;
pub mod state;
pub mod web;

use db::Db;

/// Prepares a database for serving: migrations, built-in position types, and the 2025 map when
/// the database has no units yet.
pub async fn prepare(db: &Db) -> anyhow::Result<()> {
    db.migrate().await?;
    positions::types::ensure_builtin(db).await?;
    evaluation::sets::ensure_defaults(db).await?;
    let folded = evaluation::worklist::backfill(db).await?;
    if folded > 0 {
        tracing::info!(
            evaluations = folded,
            "filled the search names of evaluations"
        );
    }
    let folded = notify::model::backfill(db).await?;
    if folded > 0 {
        tracing::info!(notices = folded, "filled the search texts of notices");
    }
    let indexed = funds::entries::backfill(db).await?;
    if indexed > 0 {
        tracing::info!(
            entries = indexed,
            "filled the search text of ledger entries"
        );
    }
    let named = funds::list::backfill(db).await?;
    if named > 0 {
        tracing::info!(rows = named, "filled the search names of funds and donors");
    }
    let named = evaluation::groups::list::backfill(db).await?;
    if named > 0 {
        tracing::info!(groups = named, "filled the search names of groups");
    }
    let units: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM units")
        .fetch_one(&db.pool)
        .await?;
    if units == 0 {
        let out = org::import::import_builtin(db).await?;
        tracing::info!(
            provinces = out.provinces,
            communes = out.communes,
            "loaded the 2025 administrative units"
        );
    }
    Ok(())
}
