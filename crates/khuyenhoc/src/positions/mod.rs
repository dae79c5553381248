//! Positions (chair of commune X, treasurer of branch Y…) carry rights over their unit's
//! subtree. A position has at most one holder at a time (a partial unique index); a handover
//! ends one holding and starts the next in one transaction, so rights move at once, and every
//! earlier audit entry keeps naming the person who held the position then.

pub mod api;
pub mod model;
pub mod pages;
pub mod service;
pub mod types;
