//! People and their accounts: registration by an officer, login by phone or email, password
//! changes and officer resets, personal API tokens, and correcting, moving and merging records.

pub mod api;
pub mod bulk;
pub mod contact;
pub mod correct;
pub mod login;
pub mod merge;
pub mod model;
pub mod moves;
pub mod pages;
pub mod pending;
pub mod people_list;
pub mod record_pages;
pub mod recovery;
pub mod recovery_pages;
pub mod service;
pub mod tokens;
