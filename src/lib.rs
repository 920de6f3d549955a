//! zhicheng: the 外地调入资格确认 business of Shandong's professional-title platform.
//!
//! `domain` holds the rules, `store` the database, `web` and `api` the HTTP side.
#![forbid(unsafe_code)]

pub mod api;
pub mod app;
pub mod backup;
pub mod bench;
pub mod captcha;
pub mod cli;
pub mod crypto;
pub mod demo;
pub mod devcerts;
pub mod domain;
pub mod error;
pub mod export;
pub mod files;
pub mod messages;
pub mod pdf;
pub mod settings;
pub mod sms;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod tls;
pub mod web;
