//! Application state handed to every handler: the database, the settings, the login throttle
//! and the metrics handle. Nothing in the program is a process global.

use crate::auth::throttle::Throttle;
use crate::config::Settings;
use crate::db::Db;
use crate::files::Files;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub throttle: Arc<Throttle>,
    pub metrics: Option<PrometheusHandle>,
    pub files: Files,
    pub sets: Arc<crate::evaluation::sets::Cache>,
}

impl AppState {
    pub fn new(
        db: Db,
        settings: Settings,
        metrics: Option<PrometheusHandle>,
        files: Files,
    ) -> Self {
        let throttle = Throttle::new(
            settings.login_max_failures,
            Duration::from_secs(settings.login_window_seconds),
        );
        Self {
            db,
            settings: Arc::new(settings),
            throttle: Arc::new(throttle),
            metrics,
            files,
            sets: Arc::default(),
        }
    }
}
