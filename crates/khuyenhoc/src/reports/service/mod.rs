//! The half-year and year reports: a unit opens its report for a period and sees the computed
//! values (live), types numbers and narratives, may override a computed value only with a
//! written reason, and submits; the submission freezes every value in a snapshot. The level above
//! returns the report with a reason or accepts it; an accepted report is locked.
//!
//! By step: `model` (what a report is), `template` (the template in force, a province's own
//! indicators), `lines` (lines from template × figures × entries), `read` (stored reports, the
//! report built live or frozen), `input` (checking what is sent), `workflow` (save, submit,
//! return, accept), `rollup` (completeness and sums of the children, reported values).

mod input;
mod lines;
mod model;
mod read;
mod rollup;
mod template;
mod workflow;

pub use input::{check_input, OverrideInput, SaveInput};
pub use lines::{heads, lines};
pub use model::{
    group, parse_period, show, state_labels, state_of, unit_visible, Entries, Head, Line, Override,
    Report, Snapshot, Status,
};
pub use read::{can_review_children, can_submit, get, history, list, read};
pub use rollup::{reported, rollup, structure_date, ChildRow, Rollup};
pub use template::{province_code, save_template, template_for, template_view, TemplateView};
pub use workflow::{accept, return_report, save, submit};
