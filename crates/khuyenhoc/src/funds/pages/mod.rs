//! Pages of funds: a unit's funds, a fund's books with the forms to record movements, reports
//! (HTML and Excel), vouchers, programmes, and the public transparency pages.
//!
//! One file per subject: `funds` (a unit's funds, opening one), `books` (a fund's books),
//! `postings` (the forms that post), `whole_book` (the whole ledger: search, filters, pages by key,
//! Excel), `reports` (reports and vouchers), `programmes`, `public`.

mod books;
mod funds;
mod postings;
mod programmes;
mod public;
mod reports;
mod whole_book;

use crate::web::route::{r, Access, Route};
use axum::http::Method;
use books::fund_page;
use funds::{create_fund, export_funds, unit_funds};
use postings::{create_pledge, record, reverse, set_public, transfer};
use programmes::{create_programme, decide, nominate, pay, programme_page, publish};
use public::{public_fund, public_programme};
use reports::{fund_report, unit_report, voucher};

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        r(M::GET, "/units/{code}/funds", Officer, "Funds of a unit's subtree", unit_funds),
        r(M::GET, "/units/{code}/funds.xlsx", Officer, "The funds of the list as filtered, with their balances, as an Excel file", export_funds),
        r(M::POST, "/units/{code}/funds", Officer, "Open a fund", create_fund),
        r(M::GET, "/units/{code}/funds/report", Officer, "Consolidated receipts and payments of a subtree", unit_report),
        r(M::GET, "/funds/{id}", Officer, "A fund's books", fund_page),
        r(M::GET, "/funds/{id}/ledger", Officer, "A fund's whole ledger: search, filters, pages by key, the count", whole_book::ledger_page),
        r(M::GET, "/funds/{id}/ledger.xlsx", Officer, "A fund's ledger as filtered, as an Excel file", whole_book::ledger_xlsx),
        r(M::POST, "/funds/{id}/entries", Officer, "Record a receipt or a payment", record),
        r(M::POST, "/funds/{id}/transfers", Officer, "Transfer to another fund", transfer),
        r(M::POST, "/funds/{id}/pledges", Officer, "Record a pledge", create_pledge),
        r(M::POST, "/funds/{id}/public", Officer, "Switch the public transparency page", set_public),
        r(M::GET, "/funds/{id}/report", Officer, "Receipts and payments of a fund", fund_report),
        r(M::POST, "/entries/{id}/reverse", Officer, "Reverse an entry", reverse),
        r(M::GET, "/entries/{id}/voucher", Officer, "Voucher PDF (phiếu thu / phiếu chi)", voucher),
        r(M::POST, "/funds/{id}/programmes", Officer, "Open a scholarship or award round", create_programme),
        r(M::GET, "/programmes/{id}", Officer, "A programme with its nominations", programme_page),
        r(M::POST, "/programmes/{id}/nominations", Officer, "Nominate someone", nominate),
        r(M::POST, "/nominations/{id}/decision", Officer, "Select or reject a nomination", decide),
        r(M::POST, "/programmes/{id}/pay", Officer, "Pay the selected recipients", pay),
        r(M::POST, "/programmes/{id}/publish", Officer, "Publish the list of recipients", publish),
        r(M::GET, "/transparency/funds/{id}", Public, "Public page of a fund (when switched on)", public_fund),
        r(M::GET, "/transparency/programmes/{id}", Public, "Published list of recipients", public_programme),
    ]
}
