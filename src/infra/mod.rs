//! Infrastructure: what the application uses of the world outside its database. Each module
//! depends on `domain` at most, never on `store`, `app` or the HTTP side.

pub mod captcha;
pub mod cpu;
pub mod crypto;
pub mod export;
pub mod files;
pub mod memory;
pub mod pdf;
pub mod sms;
pub mod tls;
