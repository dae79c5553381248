//! Fund operations shared by pages and API: opening funds, recording receipts (donations,
//! membership fees, piggy-bank collections), payments, transfers between funds, reversals, and
//! the receipts-and-payments report of one fund or of a whole subtree.
//!
//! By step: `open` (opening funds, who may read or act), `input` (amounts, dates, periods),
//! `record` (receipts and payments, idempotency keys), `transfers` (transfers and reversals),
//! `pledges` (donors, pledges), `report` (receipts and payments over a period).

mod input;
mod open;
mod pledges;
mod record;
mod report;
mod transfers;

pub use input::{parse_amount, parse_period};
pub use open::{create_fund, set_public, visible, with_right};
pub use pledges::{pledge, pledges, NewPledge, Pledge};
pub use record::{record, Movement};
pub use report::{report, subtree_funds};
pub use transfers::{reverse, transfer};
