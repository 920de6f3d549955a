//! zhicheng: the 外地调入资格确认 business of Shandong's professional-title platform.
//!
//! `domain` holds the rules, `store` the database, `app` the use cases, `web` and `api` the
//! HTTP side, `infra` what talks to the world outside the database (keys, files, SMS, PDF),
//! `tools` the commands around the platform (benchmarks, demo data, development certificates).
#![forbid(unsafe_code)]

pub mod api;
pub mod app;
pub mod backup;
pub mod cli;
pub mod domain;
pub mod error;
pub mod infra;
pub mod messages;
pub mod settings;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod tools;
pub mod web;
