//! `applications`: one 外地调入资格确认 application.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "applications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The applicant.
    pub person_id: Uuid,
    /// The applicant while the application is unfinished, NULL once it is approved or
    /// deleted: a unique index on it allows one unfinished application per person.
    pub open_person_id: Option<Uuid>,
    /// The workflow state's code (`domain::workflow::State`).
    pub state: String,
    /// Bumped by every change; a write names the version it read (optimistic locking).
    pub version: i32,
    /// Review rounds: each 确定申报 opens one; module reviews belong to a round.
    pub round: i32,
    /// The unit whose queue holds it now (the declare unit, then each superior in turn).
    pub holder_unit_id: Option<Uuid>,
    /// 基本信息: 申报单位, whether it is also the 工作单位, and the 工作单位 if not.
    pub declare_unit_id: Option<Uuid>,
    pub is_work_unit: Option<bool>,
    pub work_unit_id: Option<Uuid>,
    /// 联系电话, encrypted, and masked for lists.
    pub phone_cipher: String,
    pub phone_masked: String,
    /// 申报级别, 申报系列, 申报职称, 专业, 申报方式 and 取得年度 (dictionary codes and ids).
    pub level_code: Option<String>,
    pub series_code: Option<String>,
    pub title_id: Option<Uuid>,
    pub specialty_id: Option<Uuid>,
    pub declare_method_code: Option<String>,
    pub title_year: Option<i32>,
    /// The modules' contents as JSON: 原职称信息, 调入信息, 学历信息 and 工作经历.
    pub original: String,
    pub transfer: String,
    pub education: String,
    pub work: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// The last 确定申报 and the final approval (milliseconds since the epoch).
    pub submitted_at: Option<i64>,
    pub final_at: Option<i64>,
    /// The 转入表's serial, given at the final approval.
    pub serial: Option<String>,
    /// Where and when it was first submitted, kept for 统计分析: the declare unit's region
    /// and the month (`YYYY-MM`).
    pub declare_region: Option<String>,
    pub submitted_month: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// In the order of the fields, as `SELECT` lists the columns of `Column::iter()`.
crate::store::local::from_cols!(Model =>
    id, person_id, open_person_id, state, version, round, holder_unit_id, declare_unit_id,
    is_work_unit, work_unit_id, phone_cipher, phone_masked, level_code, series_code, title_id,
    specialty_id, declare_method_code, title_year, original, transfer, education, work,
    created_at, updated_at, submitted_at, final_at, serial, declare_region, submitted_month
);
