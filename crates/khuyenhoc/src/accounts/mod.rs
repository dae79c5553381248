//! People and their accounts: registration by an officer, login by phone or email, password
//! changes and officer resets, and personal API tokens.

pub mod api;
pub mod bulk;
pub mod login;
pub mod model;
pub mod pages;
pub mod pending;
pub mod service;
pub mod tokens;
