//! The business rules, free of HTTP and SQL.

pub mod account;
pub mod application;
pub mod auth;
pub mod chain;
pub mod clock;
pub mod ids;
pub mod mask;
pub mod password;
pub mod text;
pub mod workflow;
