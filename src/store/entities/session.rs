//! `sessions`: server-side sessions, keyed by the SHA-256 of the cookie value.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id_hash: String,
    pub realm: String,
    pub subject_kind: String,
    pub subject_id: Uuid,
    pub csrf: String,
    pub cert_fingerprint: Option<String>,
    pub ip: String,
    pub created_at: i64,
    pub last_seen_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// In the order of the fields, as `SELECT` lists the columns of `Column::iter()`.
impl crate::store::local::FromCols for Model {
    fn from_cols(r: &mut impl crate::store::local::Cols) -> Result<Self, DbErr> {
        Ok(Model {
            id_hash: r.next()?,
            realm: r.next()?,
            subject_kind: r.next()?,
            subject_id: r.next()?,
            csrf: r.next()?,
            cert_fingerprint: r.next()?,
            ip: r.next()?,
            created_at: r.next()?,
            last_seen_at: r.next()?,
        })
    }
}
