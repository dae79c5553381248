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
    pub clock: Clock,
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
            clock: Clock::default(),
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

/// The time the program goes by: the system's, moved by an offset that only tests set (to see
/// a page at 00:30 in Vietnam whatever the hour of the run). Shared by the clones of a state.
#[derive(Debug, Clone, Default)]
pub struct Clock(Arc<std::sync::atomic::AtomicI64>);

impl Clock {
    /// Now, in UTC.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        let offset = self.0.load(std::sync::atomic::Ordering::Relaxed);
        chrono::Utc::now() + chrono::Duration::seconds(offset)
    }
    /// Today in Vietnam (Asia/Ho_Chi_Minh, UTC+7 all year: no summer time since 1975): the day
    /// a decision is dated and a deadline falls.
    pub fn vn_today(&self) -> chrono::NaiveDate {
        crate::i18n::vn_date(self.now())
    }
    /// Makes the clock read `at` from now on (tests).
    pub fn set(&self, at: chrono::DateTime<chrono::Utc>) {
        let offset = (at - chrono::Utc::now()).num_seconds();
        self.0.store(offset, std::sync::atomic::Ordering::Relaxed);
    }
}
