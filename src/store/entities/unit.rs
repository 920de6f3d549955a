//! `units`: employers and competent departments.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "units")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    pub credit_code: String,
    pub region_code: String,
    pub contact_name: String,
    pub contact_phone_cipher: String,
    pub contact_phone_masked: String,
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
