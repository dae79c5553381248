//! Fund operations shared by pages and API: opening funds, recording receipts (donations,
//! membership fees, piggy-bank collections), payments, transfers between funds, reversals, and
//! the receipts-and-payments report of one fund or of a whole subtree.
//!
//! By step: `open` (opening funds, who may read or act), `input` (amounts, dates, periods,
//! texts within their limits), `record` (receipts and payments), `transfers` (transfers, to
//! which funds, and reversals), `pledges` (donors, pledges), `report` (receipts and payments
//! over a period). Every posting takes an idempotency key (`funds::idempotency`).

mod input;
mod open;
mod pledges;
mod record;
mod report;
mod transfers;

pub use input::{limited, parse_amount, parse_period, typed_date};
pub use open::{create_fund, set_public, visible, with_right, NewFund};
pub(crate) use pledges::pledges_where;
pub use pledges::{pledge, pledge_by_id, pledges, NewPledge, Pledge};
pub use record::{record, Movement};
pub use report::{report, subtree_funds, unit_report};
pub use transfers::{reverse, transfer, NewTransfer};
