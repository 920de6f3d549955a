//! Table models for the tables the code reads and writes as whole rows.

pub mod admin;
pub mod application;
pub mod person;
pub mod session;
pub mod unit;
