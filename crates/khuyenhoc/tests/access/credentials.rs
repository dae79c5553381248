//! Rows of the access matrix for the documents verifiers fetch (included by
//! `tests/access.rs`): the DID documents and the revocation status lists, public to anyone.

use super::*;

pub fn rows() -> Vec<Row> {
    use Access::*;
    vec![
        row(
            "GET /.well-known/did.json",
            Public,
            Need::Anyone,
            R::Commune,
            |_, _| get("/.well-known/did.json"),
            OK.has("\"id\":\"did:web:127.0.0.1%3A8080\""),
        ),
        row(
            "GET /units/{code}/did.json",
            Public,
            Need::Anyone,
            R::Commune,
            |_, _| get("/units/00004/did.json"),
            OK.has("did:web:127.0.0.1%3A8080:units:00004#z6Mk"),
        ),
        row(
            "GET /units/{code}/status",
            Public,
            Need::Anyone,
            R::Commune,
            |_, _| get("/units/00004/status"),
            OK.has("BitstringStatusListCredential"),
        ),
    ]
}
