//! Application state handed to every handler: the database, the settings, the login throttle
//! and the metrics handle. Nothing in the program is a process global.

use crate::auth::throttle::Throttle;
use crate::config::Settings;
use crate::db::Db;
use crate::files::Files;
use khuyenhoc_criteria::CriteriaSet;
use metrics_exporter_prometheus::PrometheusHandle;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub throttle: Arc<Throttle>,
    pub metrics: Option<PrometheusHandle>,
    pub files: Files,
    pub sets: Arc<SetCache>,
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

/// Parsed criteria sets by id (`evaluation::sets`). Active sets never change; a draft's entry is dropped when it is edited.
#[derive(Debug, Default)]
pub struct SetCache(pub(crate) Mutex<HashMap<i64, Arc<CriteriaSet>>>);

impl SetCache {
    /// Drops a draft's parsed copy after its text changed.
    pub fn forget(&self, id: i64) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
    }
}
