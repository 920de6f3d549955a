//! `applications`: one 外地调入资格确认 application.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "applications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    pub open_person_id: Option<Uuid>,
    pub state: String,
    pub version: i32,
    pub round: i32,
    pub holder_unit_id: Option<Uuid>,
    pub declare_unit_id: Option<Uuid>,
    pub is_work_unit: Option<bool>,
    pub work_unit_id: Option<Uuid>,
    pub phone_cipher: String,
    pub phone_masked: String,
    pub level_code: Option<String>,
    pub series_code: Option<String>,
    pub title_id: Option<Uuid>,
    pub specialty_id: Option<Uuid>,
    pub declare_method_code: Option<String>,
    pub title_year: Option<i32>,
    pub original: String,
    pub transfer: String,
    pub education: String,
    pub work: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub submitted_at: Option<i64>,
    pub final_at: Option<i64>,
    pub serial: Option<String>,
    pub declare_region: Option<String>,
    pub submitted_month: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
