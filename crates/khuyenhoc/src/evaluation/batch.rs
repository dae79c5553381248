//! Paper path: an Excel template to download, and a filled workbook imported as a batch.

use crate::web::routes::Route;

pub fn routes() -> Vec<Route> {
    vec![]
}
