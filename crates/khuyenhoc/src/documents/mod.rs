//! Documents (văn bản, issue 18 item 1): a unit's outgoing register (drafts signed by the holder
//! of the signer position, issued with a Decree 30/2020 number and symbol such as `12/KH-HKH`),
//! recipients chosen as an officer thinks and frozen at issue, each receiving unit's incoming
//! register with its own gapless entry numbers, the states delivered → opened → acknowledged →
//! replied (overdue after the reply date, computed), recall, forwarding below, the sender's
//! counts and recipient list, and reminders through the job queue.
//!
//! Files: `model` (what a document and an entry are, one document, the sender's counts),
//! `lists` (the registers and the recipient list, paged by key), `recipients` (the choice of
//! units, reused by meetings), `service` (drafting, signing, issuing, recalling), `incoming`
//! (opening, acknowledging, replying, forwarding), `remind` (the reminders and their job),
//! `attach` (files of documents and replies), `pdf_text` (the text inside attached PDFs, for
//! search, extracted by a job), `api`, `pages` (the sending side's pages),
//! `inbox` (the receiving side's pages) and `view` (what those pages share).

pub mod api;
pub mod attach;
pub mod inbox;
pub mod incoming;
pub mod lists;
pub mod model;
pub mod pages;
pub mod pdf_text;
pub mod recipients;
pub mod remind;
pub mod service;
pub mod view;

/// The job kinds of this capability (gathered by `crate::background`).
pub fn register(reg: &mut crate::jobs::Registry) {
    reg.handle(remind::REMIND_JOB, remind::remind_job);
    reg.handle(pdf_text::TEXT_JOB, pdf_text::text_job);
}
