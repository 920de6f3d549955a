//! `admins`: back-office users of the province or a city bureau.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "admins")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub bureau_code: String,
    pub role: String,
    pub cert_fingerprint: Option<String>,
    pub created_by: Option<Uuid>,
    pub password_changed_at: Option<i64>,
    pub password_hash: String,
    pub failed_logins: i32,
    pub locked_until: Option<i64>,
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_login_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
