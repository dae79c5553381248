//! Operations: health and readiness probes, Prometheus metrics, consistent backups.

use crate::auth::client;
use crate::config::Settings;
use crate::db::{Backend, Db};
use crate::error::{AppError, PageError};
use crate::state::AppState;
use crate::web::route::{r, Access, Route};
use anyhow::Context;
use axum::extract::State;
use axum::http::{header, Extensions, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
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

/// Whether a request may read the metrics (they tell request rates per route, memory and
/// errors): with the configured `metrics_token` as a bearer token, or from an address of
/// `metrics_allow` (the client behind trusted proxies). A request relayed by a proxy that is
/// not trusted is not known to come from where its socket says (a proxy on the same machine
/// would make everybody look local), so forwarding headers from an untrusted peer refuse it.
fn may_read_metrics(settings: &Settings, ext: &Extensions, headers: &HeaderMap) -> bool {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if let (Some(sent), Some(token)) = (bearer, settings.metrics_token.as_deref()) {
        return crate::auth::same_secret(sent.trim(), token);
    }
    let proxies = settings.proxies();
    let relayed_by_stranger = client::forwarded(headers)
        && client::peer(ext).is_some_and(|p| !proxies.iter().any(|n| n.contains(&p)));
    let readers = settings.metrics_readers();
    !relayed_by_stranger
        && client::client(ext, headers, &proxies)
            .addr()
            .is_some_and(|a| readers.iter().any(|n| n.contains(&a)))
}

pub async fn metrics(
    State(state): State<AppState>,
    ext: Extensions,
    headers: HeaderMap,
) -> Response {
    if !may_read_metrics(&state.settings, &ext, &headers) {
        return PageError(AppError::Refused {
            vi: "Chỉ địa chỉ được cấu hình (metrics_allow) hoặc người có mã metrics_token mới xem được số liệu vận hành".into(),
            en: "Metrics are served only to the configured addresses (metrics_allow) or with the metrics_token".into(),
        })
        .into_response();
    }
    if let Some(bytes) = memory::in_use() {
        // Measured at the scrape, so the figure is never older than the answer.
        metrics::gauge!("process_heap_in_use_bytes").set(bytes as f64);
    }
    let body = state
        .metrics
        .as_ref()
        .map(PrometheusHandle::render)
        .unwrap_or_default();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
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
        r(M::GET, "/metrics", Public, "Prometheus metrics (configured addresses or token only)", metrics),
    ]
}
