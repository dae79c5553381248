//! Joining by QR poster: every branch and commune has a public join link (`/join/{code}`) and a
//! printable poster with its QR code. A stranger registers there; the account is pending (they
//! log in and draft, nothing is submitted, `accounts::pending`) until an officer of the unit
//! confirms it from the queue, or merges it into the record an officer made for the same phone.
//! `model` reads registrations, `service` registers, confirms and rejects, `pages` and `api` are
//! the HTTP faces.

pub mod api;
pub mod model;
pub mod pages;
pub mod service;
