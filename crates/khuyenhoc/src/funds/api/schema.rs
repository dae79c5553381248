//! The OpenAPI pieces of these routes: request body schemas, query parameters and headers.

use khuyenhoc_domain::limits;
use khuyenhoc_ledger::Account;
use serde_json::{json, Value};

/// An object with exactly these properties, these of them required.
fn object(props: Value, required: Value) -> Value {
    json!({"type": "object", "properties": props, "required": required, "additionalProperties": false})
}

/// An amount as the API takes it.
fn amount() -> Value {
    json!({
        "type": ["string", "integer"],
        "description": "whole đồng above zero, at most 10^12 (one entry); a fund holds at most 10^15, and a unit, the country included, counts at most 10^15 of one category in a half-year: 1500000, \"1.500.000 đ\", \"2 triệu\""
    })
}

/// A day as the API takes it.
fn date() -> Value {
    json!({"type": ["string", "null"], "description": "YYYY-MM-DD or DD/MM/YYYY, in the years 2000 to 2100; today when omitted"})
}

/// A text of a kind whose length is declared in `khuyenhoc_domain::limits`.
fn text(limit: &limits::Limit, nullable: bool) -> Value {
    let ty = if nullable {
        json!(["string", "null"])
    } else {
        json!("string")
    };
    json!({"type": ty, "maxLength": limit.max, "description": "no control characters"})
}

/// Where the money is: cash, a bank account, or a gift in kind.
fn assets() -> Value {
    json!({"type": "string", "enum": ["cash", "bank", "in_kind"], "default": "cash"})
}

/// Request body schemas of these routes, for the OpenAPI document (every body is a POST's).
pub fn body_schema(method: &str, path: &str) -> Option<Value> {
    if method != "post" {
        return None;
    }
    fund_body(path).or_else(|| programme_body(path))
}

/// Bodies of the fund routes: opening a fund, entries, pledges, transfers, reversals.
fn fund_body(path: &str) -> Option<Value> {
    Some(match path {
        "/api/v1/units/{code}/funds" => object(
            json!({
                "code": {"type": "string", "description": "letters, digits and dashes, at most 20; unique in the unit"},
                "name": text(&limits::TITLE, false),
                "kind": {"type": "string", "enum": ["general", "scholarship", "named"], "default": "general"},
                "overdraft": {"type": "boolean", "default": false, "description": "whether a payment may take the fund below zero (refused otherwise)"}
            }),
            json!(["code", "name"]),
        ),
        "/api/v1/funds/{id}/entries" => object(
            json!({
                "category": {"type": "string", "enum": Account::ALL.iter().filter(|a| !a.is_asset() && !a.is_transfer()).map(|a| a.code()).collect::<Vec<_>>(),
                    "description": "an income category (receipt) or an expense category (payment)"},
                "asset": assets(),
                "amount": amount(),
                "date": date(),
                "description": text(&limits::DESCRIPTION, false),
                "party": {"type": ["string", "null"], "maxLength": limits::NAME.max, "description": "the donor or the recipient; empty: anonymous"},
                "party_kind": {"type": ["string", "null"], "enum": ["person", "organisation", null]},
                "in_kind_note": {"type": ["string", "null"], "maxLength": limits::DESCRIPTION.max, "description": "required for in_kind: what it is and how it was valued"},
                "pledge_id": {"type": ["integer", "null"], "description": "the pledge of this fund that this receipt fulfils"}
            }),
            json!(["category", "amount"]),
        ),
        "/api/v1/funds/{id}/pledges" => object(
            json!({"party": text(&limits::NAME, true), "party_kind": {"type": ["string", "null"], "enum": ["person", "organisation", null]}, "amount": amount(), "due_on": date(), "note": text(&limits::NOTE, true)}),
            json!(["amount"]),
        ),
        "/api/v1/funds/{id}/transfers" => object(
            json!({
                "to_fund_id": {"type": "integer"},
                "asset": assets(),
                "amount": amount(),
                "date": date(),
                "description": text(&limits::DESCRIPTION, true)
            }),
            json!(["to_fund_id", "amount"]),
        ),
        "/api/v1/entries/{id}/reversal" => object(
            json!({"reason": {"type": "string", "minLength": 3, "maxLength": limits::DESCRIPTION.max}}),
            json!(["reason"]),
        ),
        _ => return None,
    })
}

/// Bodies of the programme routes: opening a round, nominating, deciding, paying, publishing.
fn programme_body(path: &str) -> Option<Value> {
    Some(match path {
        "/api/v1/funds/{id}/programmes" => object(
            json!({
                "kind": {"type": "string", "enum": ["scholarship", "award"]},
                "name": text(&limits::TITLE, false),
                "target_group": text(&limits::NOTE, false),
                "criteria": text(&limits::LONG_TEXT, false),
                "amount_each": amount(),
                "budget": {"type": ["string", "integer", "null"], "description": "the round's budget in đồng; payments never exceed it"},
                "show_full_names": {"type": "boolean", "default": false, "description": "adults by full name on the public list (minors: always initials)"}
            }),
            json!(["kind", "name", "target_group", "criteria", "amount_each"]),
        ),
        "/api/v1/programmes/{id}/nominations" => object(
            json!({
                "unit_code": {"type": "string", "description": "the nominating unit, under the fund's unit"},
                "full_name": {"type": "string"},
                "birth_year": {"type": ["integer", "null"], "description": "omitted: treated as a minor"},
                "school": text(&limits::TITLE, true),
                "reason": text(&limits::LONG_TEXT, false),
                "person_id": {"type": ["integer", "null"], "description": "the nominee's record, if they have one (in the caller's scope): a paid nomination shows in their lifelong-learning record"}
            }),
            json!(["unit_code", "full_name", "reason"]),
        ),
        "/api/v1/nominations/{id}/decision" => object(
            json!({
                "decision": {"type": "string", "enum": ["select", "reject"]},
                "reason": text(&limits::LONG_TEXT, false)
            }),
            json!(["decision", "reason"]),
        ),
        "/api/v1/programmes/{id}/payments" => object(json!({"asset": assets()}), json!([])),
        "/api/v1/programmes/{id}/publish" => object(json!({}), json!([])),
        _ => return None,
    })
}

/// The `Idempotency-Key` header of a route that posts money.
pub fn key_header() -> Value {
    json!({"name": "Idempotency-Key", "in": "header", "required": false, "schema": {"type": "string", "maxLength": 200},
        "description": "POST: a retry with the same key and the same request returns what the first one posted (200) instead of posting again; the same key with another request is refused (422); a key is kept 24 hours"})
}

/// Query parameters and headers of these routes, for the OpenAPI document.
pub fn query_params(path: &str) -> Vec<Value> {
    let p = |name: &str, ty: &str, desc: &str| json!({"name": name, "in": "query", "required": false, "schema": {"type": ty}, "description": desc});
    match path {
        "/api/v1/funds/{id}/report" | "/api/v1/units/{code}/funds/report" => vec![
            p(
                "from",
                "string",
                "first day, YYYY-MM-DD or DD/MM/YYYY (default: 1 January of this year)",
            ),
            p(
                "to",
                "string",
                "last day (default: 31 December of this year)",
            ),
        ],
        "/api/v1/funds/{id}/entries" => {
            let mut v = crate::web::list::paging_params(
                "GET: words of the description or the donor's name, with or without Vietnamese accents",
            );
            v.extend([
                p("from", "string", "GET: first day, YYYY-MM-DD or DD/MM/YYYY"),
                p("to", "string", "GET: last day"),
                p("year", "integer", "GET: the entries of one year"),
                p(
                    "kind",
                    "string",
                    "GET: a category (donation, scholarship…), transfer_in, transfer_out or reversal",
                ),
                p(
                    "account",
                    "string",
                    "GET: an account one of the entry's lines moves (cash, bank, in_kind or a category)",
                ),
                key_header(),
            ]);
            v
        }
        "/api/v1/units/{code}/funds" => {
            let mut v = crate::web::list::paging_params(
                "GET: words of the fund's name or its code, with or without Vietnamese accents",
            );
            v.push(p("kind", "string", "GET: general, scholarship or named"));
            v
        }
        "/api/v1/units/{code}/funds.xlsx" => vec![
            p(
                "q",
                "string",
                "words of the fund's name or its code, with or without Vietnamese accents",
            ),
            p("kind", "string", "general, scholarship or named"),
        ],
        "/api/v1/funds/{id}/pledges" => {
            let mut v = crate::web::list::paging_params(
                "GET: words of the donor's name, with or without Vietnamese accents",
            );
            v.push(key_header());
            v
        }
        "/api/v1/funds/{id}/transfers"
        | "/api/v1/entries/{id}/reversal"
        | "/api/v1/programmes/{id}/payments" => vec![key_header()],
        _ => vec![],
    }
}
