//! Study-promotion funds: funds of any unit, a double-entry ledger that never loses or rewrites
//! a đồng (rules in `khuyenhoc-ledger`; the database refuses UPDATE and DELETE on entries and
//! lines), vouchers numbered per fund, year and kind without gaps, transfers between funds,
//! reversals, reports consolidated up the tree, scholarship and award programmes; every posting
//! route takes an idempotency key bound to its request (`idempotency`), and is held to the caps
//! on amounts and to the fund's balance (`ledger`).

pub mod api;
pub mod entries;
pub mod export;
pub mod idempotency;
pub mod ledger;
pub mod list;
pub mod model;
pub mod pages;
pub mod programmes;
pub mod service;
pub mod totals;
