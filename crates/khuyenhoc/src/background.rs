//! Background work of the server: the job kinds of every capability gathered in one
//! [`jobs::Registry`], and the workers `serve` and `demo` start. Like `web::routes`, this is an
//! assembling module: it imports the capabilities, and nothing imports it back.

use crate::jobs::{Registry, WorkerConfig, Workers};
use crate::state::AppState;

/// Every job kind of the program and the periodic ticks.
pub fn registry() -> Registry {
    let mut reg = Registry::default();
    crate::notify::register(&mut reg);
    crate::cooperation::register(&mut reg);
    crate::meetings::register(&mut reg);
    crate::documents::register(&mut reg);
    reg
}

/// Starts this server's workers with its settings (`jobs_*`).
pub fn start(state: &AppState) -> Workers {
    let config = WorkerConfig::from_settings(&state.settings);
    Workers::start(state.clone(), registry(), config)
}
