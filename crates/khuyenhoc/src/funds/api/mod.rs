//! JSON API of funds under `/api/v1/units/{code}/funds`, `/api/v1/funds`, `/api/v1/entries`,
//! `/api/v1/programmes` and `/api/v1/nominations`. Every handler is a thin shell over `service`,
//! `programmes` and `model`: it parses the request into their types and shapes their answers.
//!
//! Who may do what: anyone holding a position whose unit covers a fund reads it; posting
//! (receipts, payments, transfers, reversals, paying a programme) needs `fund.post`, opening
//! funds and running programmes `fund.manage` (treasurers and chairs); officers of units below a
//! programme's fund read it and nominate (`programme.nominate`). Outside the viewer's scope
//! everything answers 404, like a missing record. Only the published list of a programme is
//! public, and it never shows more of a minor than initials and commune.
//!
//! By subject: `funds` (funds, entries, transfers, reversals, pledges, reports), `programmes`
//! (rounds, nominations, payments, the public list), `schema` (their OpenAPI bodies and
//! parameters).

pub mod funds;
mod programmes;
mod schema;

pub use schema::{body_schema, query_params};

use crate::web::route::{api, Access, Route};
use axum::http::Method;
use funds::{
    create_fund, create_pledge, fund_report, get_fund, list_entries, list_funds, list_pledges,
    record, reverse, transfer, unit_report,
};
use programmes::{
    create_programme, decide, get_programme, nominate, pay, public_programme, publish,
};

#[rustfmt::skip]
pub fn routes() -> Vec<Route> {
    use Access::*;
    use Method as M;
    vec![
        api(M::GET, "/api/v1/units/{code}/funds", Officer, "Funds of a unit's subtree, with balances", list_funds),
        api(M::GET, "/api/v1/units/{code}/funds.xlsx", Officer, "The funds of the list as filtered (q, kind) with their balances, as an Excel file: at most export_max_rows rows, refused above", funds::export_funds),
        api(M::POST, "/api/v1/units/{code}/funds", Officer, "Open a fund at a unit", create_fund),
        api(M::GET, "/api/v1/units/{code}/funds/report", Officer, "Receipts and payments of every fund of a subtree, transfers inside it eliminated", unit_report),
        api(M::GET, "/api/v1/funds/{id}", Officer, "One fund with its balances and programmes", get_fund),
        api(M::GET, "/api/v1/funds/{id}/entries", Officer, "A fund's entries with their lines, newest first: paged by key (cursor), searched (q: the description or the donor, without diacritics), filtered by days, year, kind and account, with the total", list_entries),
        api(M::POST, "/api/v1/funds/{id}/entries", Officer, "Record a receipt or a payment (Idempotency-Key: a retry posts once)", record),
        api(M::POST, "/api/v1/funds/{id}/transfers", Officer, "Transfer money to another fund", transfer),
        api(M::GET, "/api/v1/funds/{id}/pledges", Officer, "A fund's pledges and what has arrived against each", list_pledges),
        api(M::POST, "/api/v1/funds/{id}/pledges", Officer, "Record a pledge; receipts fulfil it with pledge_id", create_pledge),
        api(M::GET, "/api/v1/funds/{id}/report", Officer, "Receipts and payments of a fund over a period", fund_report),
        api(M::POST, "/api/v1/entries/{id}/reversal", Officer, "Reverse an entry (both halves of a transfer)", reverse),
        api(M::POST, "/api/v1/funds/{id}/programmes", Officer, "Open a scholarship or award round", create_programme),
        api(M::GET, "/api/v1/programmes/{id}", Officer, "A programme with the nominations in your scope", get_programme),
        api(M::POST, "/api/v1/programmes/{id}/nominations", Officer, "Nominate someone for a programme", nominate),
        api(M::POST, "/api/v1/nominations/{id}/decision", Officer, "Select or reject a nomination, with the reason", decide),
        api(M::POST, "/api/v1/programmes/{id}/payments", Officer, "Pay every selected recipient not yet paid", pay),
        api(M::POST, "/api/v1/programmes/{id}/publish", Officer, "Publish the list of recipients", publish),
        api(M::GET, "/api/v1/programmes/{id}/public", Public, "The published list of recipients (minors: initials and commune only)", public_programme),
    ]
}
