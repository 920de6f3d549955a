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
crate::store::local::from_cols!(Model =>
    id_hash, realm, subject_kind, subject_id, csrf, cert_fingerprint, ip, created_at,
    last_seen_at
);
