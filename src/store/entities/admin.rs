//! `admins`: back-office users of the province or a city bureau.

use sea_orm::entity::prelude::*;

account_entity!("admins" {
    pub username: String,
    pub display_name: String,
    pub bureau_code: String,
    pub role: String,
    pub cert_fingerprint: Option<String>,
    pub created_by: Option<Uuid>,
    pub password_changed_at: Option<i64>,
});
