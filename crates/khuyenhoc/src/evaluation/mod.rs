//! Learning models: every title (Learning Citizen, Family, Clan, Community, Unit) goes through
//! one engine. A criteria set is data (`khuyenhoc-criteria`); an evaluation keeps the set it was
//! made under forever, moves through the lifecycle in `lifecycle.rs`, and ends, when recognised,
//! in a certificate (`certificates.rs`).

pub mod api;
pub mod batch;
pub mod bulk;
pub mod certificates;
pub mod criteria;
pub mod evidence;
pub mod groups;
pub mod lifecycle;
pub mod model;
pub mod pages;
pub mod score;
pub mod service;
pub mod sets;
pub mod stats;
pub mod worklist;
