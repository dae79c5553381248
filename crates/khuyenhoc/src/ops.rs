//! Operations: health and readiness probes, Prometheus metrics, consistent backups.

use crate::db::{Backend, Db};
use crate::state::AppState;
use crate::web::route::{r, Access, Route};
use anyhow::Context;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::path::Path;
use std::sync::OnceLock;

pub mod memory;

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    if let Some(bytes) = memory::in_use() {
        // Measured at the scrape, so the figure is never older than the answer.
        metrics::gauge!("process_heap_in_use_bytes").set(bytes as f64);
    }
    let body = state
        .metrics
        .as_ref()
        .map(PrometheusHandle::render)
        .unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}

/// The metrics recorder. `metrics` keeps one recorder per process, so it is installed once and
/// its handle is shared (tests start many apps in one process).
pub fn metrics_handle() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| match PrometheusBuilder::new().install_recorder() {
            Ok(h) => {
                // Histogram samples wait in the recorder until they are drained; without a
                // scrape of /metrics they would pile up for ever (the five-minute soak saw the
                // server grow by them). Upkeep drains them every few seconds, and hands the
                // allocator's free pages back to the system (see `memory`).
                let upkeep = h.clone();
                let started = std::thread::Builder::new()
                    .name("metrics-upkeep".into())
                    .spawn(move || loop {
                        std::thread::sleep(std::time::Duration::from_secs(5));
                        upkeep.run_upkeep();
                        memory::trim();
                    });
                if let Err(e) = started {
                    tracing::warn!(error = %e, "metrics upkeep not started");
                }
                Some(h)
            }
            Err(e) => {
                tracing::warn!(error = %e, "metrics recorder not installed");
                None
            }
        })
        .clone()
}

/// Writes a consistent copy of the database to `dest` while the server keeps serving:
/// SQLite's `VACUUM INTO` on SQLite, `pg_dump` (custom format) on PostgreSQL.
pub async fn backup(db: &Db, url: &str, dest: &Path) -> anyhow::Result<()> {
    anyhow::ensure!(
        !dest.exists(),
        "{} exists already; choose a new file",
        dest.display()
    );
    match db.backend {
        Backend::Sqlite => {
            let d = dest
                .to_str()
                .context("the backup path must be valid UTF-8")?;
            sqlx::query("VACUUM INTO $1")
                .bind(d)
                .execute(&db.pool)
                .await
                .context("VACUUM INTO failed")?;
        }
        Backend::Postgres => {
            let status = tokio::process::Command::new("pg_dump")
                .arg("--format=custom")
                .arg("--file")
                .arg(dest)
                .arg(url)
                .status()
                .await
                .context("could not run pg_dump (is the postgresql-client package installed?)")?;
            anyhow::ensure!(status.success(), "pg_dump failed with {status}");
        }
    }
    Ok(())
}

/// The routes this file serves, with their access rules.
#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use axum::http::Method as M;
    vec![
        r(M::GET, "/healthz", Public, "Liveness", healthz),
        r(M::GET, "/readyz", Public, "Readiness (database reachable)", readyz),
        r(M::GET, "/metrics", Public, "Prometheus metrics", metrics),
    ]
}
