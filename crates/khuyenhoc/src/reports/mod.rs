//! Reports: live counters kept at every level, report templates as data, the half-year and
//! year reports (fill, submit, return, accept), roll-ups over the tree as of any date, cluster
//! tables, exports and charts.

pub mod api;
pub mod below;
pub mod cluster;
pub mod counters;
pub mod dashboard;
pub mod export;
pub mod figures;
pub mod old_figures;
pub mod pages;
pub mod service;
pub mod setback;
pub mod shares;
pub mod splits;
pub mod splits_import;
pub mod unit_ref;
