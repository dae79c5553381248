//! Workbooks being committed by this process: a second confirmation of the same file (a double
//! click, a reload of the streamed page) is refused while the first runs, so it cannot pass the
//! "imported already" check too.

use crate::state::AppState;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, PoisonError};

/// Claims by application (one per process, but tests run many), import and SHA-256.
static COMMITTING: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// A claim, released when dropped.
#[derive(Debug)]
pub struct Committing(String);

impl Committing {
    /// The claim of a workbook for an import, unless it is claimed already.
    pub fn claim(state: &AppState, entity: &str, sha256: &str) -> Option<Committing> {
        let key = format!("{:p}/{entity}/{sha256}", Arc::as_ptr(&state.sets));
        let mut running = COMMITTING.lock().unwrap_or_else(PoisonError::into_inner);
        running.insert(key.clone()).then_some(Committing(key))
    }
}

impl Drop for Committing {
    fn drop(&mut self) {
        let mut running = COMMITTING.lock().unwrap_or_else(PoisonError::into_inner);
        running.remove(&self.0);
    }
}

/// The refusal of a second confirmation while the first runs.
pub fn busy() -> (String, String) {
    (
        "Tệp này đang được lưu; hãy đợi vài phút rồi xem lại danh sách".to_owned(),
        "This workbook is being saved right now; wait a few minutes, then look at the list again"
            .to_owned(),
    )
}

/// The refusal of a workbook imported before.
pub fn already(at: &str) -> (String, String) {
    (
        format!("Tệp này đã được nhập lúc {at}; không nhập lại lần nữa"),
        format!("This workbook was imported at {at}; it is not imported twice"),
    )
}
