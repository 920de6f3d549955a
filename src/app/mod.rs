//! The application layer: one function per use case, shared by the HTML pages (`web`) and
//! the JSON API (`api`). A use case checks the caller's right to act, asks `domain` whether
//! the step is allowed, and writes the change, its history step, its audit entry and its
//! notices in one transaction (`store`). It knows nothing of HTTP.

pub mod accounts;
pub mod admins;
pub mod applications;
pub mod audit_log;
pub mod caller;
pub mod chain;
pub mod dicts;
mod history;
pub mod housekeeping;
pub mod limit;
pub mod oversight;
pub mod reset;
pub mod state;
pub mod stats;
pub mod tokens;
pub mod units;
pub mod workflow;

pub use caller::Caller;
pub use state::AppState;
